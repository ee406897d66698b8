//! The rules an engine applies: the policy's own values ([`StaticRules`], built by the
//! typestate setters) or run-time settings, behind one trait ([`Rules`]).

use core::fmt::Debug;
use std::time::Duration;

use crate::budget::{BudgetSource, NoBudget, RetryBudget};
use crate::classify::{AnyError, ErrorFilter, NoError};
use crate::concurrent::TimedOutFn;
use crate::details::Details;
use crate::hooks::{Hook, LogConfig};
use crate::jitter::{FullJitter, Jitter};
use crate::step::{AcceptAll, ValueFilter};
use crate::wait::{Expo, Last, WaitGen};

/// What an engine needs to know to classify attempts: implemented by the policy's own values
/// ([`StaticRules`]) and by run-time settings.
#[doc(hidden)]
pub trait Rules<T, E> {
    /// False: make a single attempt and return its result as is, with no hooks.
    fn enabled(&self) -> bool;
    /// Whether the start time must be read (a time limit or a user hook needs it).
    fn needs_clock(&self) -> bool;
    /// The limit on attempts.
    fn max_tries(&self) -> Option<u32>;
    /// The limit on elapsed time.
    fn max_time(&self) -> Option<Duration>;
    /// Whether the error is in the retried classes.
    fn catches(&self, error: &E) -> bool;
    /// Whether the giveup predicate holds.
    fn gives_up(&self, error: &E) -> bool;
    /// Whether a success value must be retried (value mode).
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug>;
    /// The next wait, jittered; `None` when the generator is exhausted.
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration>;
    /// Runs the success hooks.
    fn on_success(&self, details: &Details<'_, E>);
    /// Runs the default handler then the backoff hooks.
    fn on_backoff(&self, details: &Details<'_, E>);
    /// Runs the default handler then the give-up hooks.
    fn on_giveup(&self, details: &Details<'_, E>);
    /// Whether there are success hooks (else no `Details` is built on success).
    fn has_success_hooks(&self) -> bool;
    /// The effective `raise_on_giveup`: whether a give-up returns the error rather than the
    /// return type's "nothing" value.
    fn raise_on_giveup(&self) -> bool;
    /// The retry budget, if any.
    fn budget(&self) -> Option<&RetryBudget>;
    /// The per-attempt timeout and how the error type holds it (`attempt_timeout`), if any.
    #[inline]
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        None
    }
    /// The hedge delay (`hedge_delay`), if any.
    #[inline]
    fn hedge_delay(&self) -> Option<Duration> {
        None
    }
    /// The most attempts one call may start because the hedge delay passed (`max_hedges`).
    #[inline]
    fn max_hedges(&self) -> Option<u32> {
        None
    }
    /// Runs the default handler then the success hooks, for a hedged call: the default
    /// handler logs which attempt won and how many ran.
    #[inline]
    fn on_hedged_success(&self, details: &Details<'_, E>) {
        self.on_success(details);
    }
}

/// The default handler's configuration in 3 bytes ([`LogConfig`] holds two word-sized
/// `Level`s): an engine lives in the caller's future across each attempt, and every word it
/// holds is a store when a call starts.
#[derive(Debug, Clone, Copy)]
pub(crate) struct PackedLog {
    pub(crate) enabled: bool,
    pub(crate) backoff_level: u8,
    pub(crate) giveup_level: u8,
}

impl PackedLog {
    const LEVELS: [tracing::Level; 5] = [
        tracing::Level::TRACE,
        tracing::Level::DEBUG,
        tracing::Level::INFO,
        tracing::Level::WARN,
        tracing::Level::ERROR,
    ];

    #[inline]
    pub(crate) fn level_index(level: tracing::Level) -> u8 {
        // Every level is in the table; position() cannot miss.
        Self::LEVELS.iter().position(|l| *l == level).unwrap_or(2) as u8
    }

    #[inline]
    pub(crate) fn pack(config: LogConfig) -> Self {
        PackedLog {
            enabled: config.enabled,
            backoff_level: Self::level_index(config.backoff_level),
            giveup_level: Self::level_index(config.giveup_level),
        }
    }

    #[inline]
    pub(crate) fn unpack(self) -> LogConfig {
        LogConfig {
            enabled: self.enabled,
            backoff_level: Self::LEVELS[usize::from(self.backoff_level) % Self::LEVELS.len()],
            giveup_level: Self::LEVELS[usize::from(self.giveup_level) % Self::LEVELS.len()],
        }
    }
}

/// A policy's own values (as opposed to run-time settings).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct StaticRules<X, W, J, G, P, HS, HB, HG, B, F = NoFloor, TM = NoTiming> {
    pub(crate) max_tries: Option<u32>,
    pub(crate) max_time: Option<Duration>,
    pub(crate) log: PackedLog,
    pub(crate) raise_on_giveup: bool,
    pub(crate) exception: X,
    pub(crate) wait: W,
    pub(crate) jitter: J,
    pub(crate) giveup: G,
    pub(crate) predicate: P,
    pub(crate) on_success: HS,
    pub(crate) on_backoff: HB,
    pub(crate) on_giveup: HG,
    pub(crate) budget: B,
    pub(crate) wait_floor: F,
    pub(crate) timing: TM,
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM> Rules<T, E>
    for StaticRules<X, W, J, G, P, HS, HB, HG, B, F, TM>
where
    E: Debug,
    X: ErrorFilter<E>,
    W: WaitGen<E>,
    J: Jitter,
    G: ErrorFilter<E>,
    P: ValueFilter<T>,
    HS: Hook<E>,
    HB: Hook<E>,
    HG: Hook<E>,
    B: BudgetSource,
    F: WaitFloor<E>,
    TM: TimingRules<E>,
{
    #[inline]
    fn enabled(&self) -> bool {
        true
    }
    #[inline]
    fn needs_clock(&self) -> bool {
        self.max_time.is_some()
            || !self.on_success.is_noop()
            || !self.on_backoff.is_noop()
            || !self.on_giveup.is_noop()
    }
    #[inline]
    fn max_tries(&self) -> Option<u32> {
        self.max_tries
    }
    #[inline]
    fn max_time(&self) -> Option<Duration> {
        self.max_time
    }
    #[inline]
    fn catches(&self, error: &E) -> bool {
        self.exception.test(error)
    }
    #[inline]
    fn gives_up(&self, error: &E) -> bool {
        self.giveup.test(error)
    }
    #[inline]
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug> {
        self.predicate.rejects(value)
    }
    #[inline]
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        let floor = last.error().and_then(|error| self.wait_floor.floor(error));
        let wait = self.jitter.jitter(self.wait.next_wait(last)?);
        Some(floor.map_or(wait, |floor| wait.max(floor)))
    }
    #[inline]
    fn on_success(&self, details: &Details<'_, E>) {
        self.on_success.call(details);
    }
    #[inline]
    fn on_backoff(&self, details: &Details<'_, E>) {
        self.log.unpack().log_backoff(details);
        self.on_backoff.call(details);
    }
    #[inline]
    fn on_giveup(&self, details: &Details<'_, E>) {
        self.log.unpack().log_giveup(details);
        self.on_giveup.call(details);
    }
    #[inline]
    fn has_success_hooks(&self) -> bool {
        !self.on_success.is_noop()
    }
    #[inline]
    fn raise_on_giveup(&self) -> bool {
        self.raise_on_giveup
    }
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        self.budget.budget()
    }
    #[inline]
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        self.timing.attempt_timeout()
    }
    #[inline]
    fn hedge_delay(&self) -> Option<Duration> {
        self.timing.hedge_delay()
    }
    #[inline]
    fn max_hedges(&self) -> Option<u32> {
        self.timing.max_hedges()
    }
    #[inline]
    fn on_hedged_success(&self, details: &Details<'_, E>) {
        self.log.unpack().log_hedged_success(details);
        self.on_success.call(details);
    }
}

/// The least wait an error asks for ([`Policy::wait_floor`](crate::Policy::wait_floor)).
#[doc(hidden)]
pub trait WaitFloor<E> {
    /// The floor for `error`; `None`: no floor.
    fn floor(&self, error: &E) -> Option<Duration>;
}

/// No wait floor (the default): costs nothing, not even on a backoff.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFloor;

impl<E> WaitFloor<E> for NoFloor {
    #[inline]
    fn floor(&self, _error: &E) -> Option<Duration> {
        None
    }
}

/// A wait floor read from the error by a closure.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct FloorFn<F>(pub F);

impl<E, F: Fn(&E) -> Option<Duration>> WaitFloor<E> for FloorFn<F> {
    #[inline]
    fn floor(&self, error: &E) -> Option<Duration> {
        (self.0)(error)
    }
}

/// The default static rules of [`Policy`]: every error retried, expo waits, full jitter, no
/// giveup predicate, no value predicate, no user hooks.
pub type DefaultRules =
    StaticRules<AnyError, Expo, FullJitter, NoError, AcceptAll, (), (), (), NoBudget>;

/// The per-attempt timeout and the hedge delay of a policy ([`NoTiming`] or [`Timing`]).
#[doc(hidden)]
pub trait TimingRules<E> {
    /// The per-attempt timeout and the error type's conversion.
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)>;
    /// The hedge delay.
    fn hedge_delay(&self) -> Option<Duration>;
    /// The most hedges per call.
    fn max_hedges(&self) -> Option<u32>;
    /// Whether run-time settings' hedge delay may apply: a policy that set `attempt_timeout`
    /// but not `hedge_delay` (a `#[retry]` fn naming only `attempt_timeout`) never hedges.
    fn may_hedge(&self) -> bool;
    /// The same values as a [`Timing`], for a setter to change one of them.
    fn to_timing(&self) -> Timing<E>;
}

/// Neither a per-attempt timeout nor hedging (the default): a zero-sized type, so a policy
/// that sets neither holds nothing more than before they existed.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTiming;

impl<E> TimingRules<E> for NoTiming {
    #[inline]
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        None
    }
    #[inline]
    fn hedge_delay(&self) -> Option<Duration> {
        None
    }
    #[inline]
    fn max_hedges(&self) -> Option<u32> {
        None
    }
    #[inline]
    fn may_hedge(&self) -> bool {
        true
    }
    #[inline]
    fn to_timing(&self) -> Timing<E> {
        Timing {
            attempt_timeout: None,
            hedge_delay: None,
            max_hedges: None,
            hedges: false,
        }
    }
}

/// A per-attempt timeout, a hedge delay, or both (set by `Policy::attempt_timeout`,
/// `Policy::hedge_delay` and `Policy::max_hedges`).
#[doc(hidden)]
pub struct Timing<E> {
    pub(crate) attempt_timeout: Option<(Duration, TimedOutFn<E>)>,
    pub(crate) hedge_delay: Option<Duration>,
    pub(crate) max_hedges: Option<u32>,
    /// Set by `hedge_delay` (even to `None`): the call may hedge.
    pub(crate) hedges: bool,
}

impl<E> Clone for Timing<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Timing<E> {}

impl<E> Debug for Timing<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Timing")
            .field("attempt_timeout", &self.attempt_timeout.map(|(t, _)| t))
            .field("hedge_delay", &self.hedge_delay)
            .field("max_hedges", &self.max_hedges)
            .field("hedges", &self.hedges)
            .finish()
    }
}

impl<E> TimingRules<E> for Timing<E> {
    #[inline]
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        self.attempt_timeout
    }
    #[inline]
    fn hedge_delay(&self) -> Option<Duration> {
        self.hedge_delay
    }
    #[inline]
    fn max_hedges(&self) -> Option<u32> {
        self.max_hedges
    }
    #[inline]
    fn may_hedge(&self) -> bool {
        self.hedges
    }
    #[inline]
    fn to_timing(&self) -> Timing<E> {
        *self
    }
}
