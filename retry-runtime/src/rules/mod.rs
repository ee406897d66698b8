//! The one rule model: [`Rules`], what a call obeys, set by `#[retry]`'s keys, a
//! [`Policy`](crate::Policy)'s setters, or [`RetrySettings`](crate::RetrySettings).
//!
//! A rule is either a plain value ([`Limits`]: tries, time, logging, give-up mode) or a *slot*
//! (`slots.rs`): the retried errors, the wait generator, the jitter, the give-up predicate,
//! the value predicate, the three hooks, the budget, the wait floor, the timing, the guards (circuit breaker, rate limiter). A policy
//! fills the slots with the user's own types, so its rules fold into the caller's loop; run-time
//! settings fill the same slots with erased ones and share them (`settings.rs`). Every decision
//! is written once, here, over the slots' traits; the engine asks for them through
//! [`CallRules`], which the rules themselves implement and, for settings, the overlay of the
//! attribute's values on the settings (`overlay.rs`).
//!
//! Adding a run-time option: a field of [`Limits`] (or a slot), a setter on `Policy` and on the
//! settings builder, and the line of the decision that reads it.

pub(crate) mod overlay;
pub(crate) mod policy;
pub(crate) mod settings;
pub(crate) mod slots;

use core::fmt::Debug;
use std::time::Duration;

use crate::breaker::{CircuitBreaker, OpenFn};
use crate::budget::{BudgetSource, NoBudget, RetryBudget};
use crate::classify::{AnyError, ErrorFilter, NoError};
use crate::concurrent::TimedOutFn;
use crate::details::Details;
use crate::hooks::{Hook, LogConfig};
use crate::jitter::{FullJitter, Jitter};
use crate::latency::AutoHedge;
use crate::limiter::AdaptiveLimiter;
use crate::step::{AcceptAll, ValueFilter};
use crate::wait::{Expo, Last, WaitGen};

pub(crate) use slots::{
    FloorFn, Guard, GuardRules, Guards, NoFloor, NoGuards, NoTiming, Timing, TimingRules, WaitFloor,
};

/// What the engine asks of the rules of one call: implemented by [`Rules`] (a policy's, moved
/// into the call) and by the overlay of a `#[retry]` attribute's values on shared run-time
/// settings. Both answer with the decisions of [`Rules`].
#[doc(hidden)]
pub trait CallRules<T, E> {
    /// False: make a single attempt and return its result as is, with no hooks.
    fn enabled(&self) -> bool;
    /// The rules' plain values.
    fn limits(&self) -> &Limits;
    /// Whether the start time must be read (a time limit or a user hook needs it).
    fn needs_clock(&self) -> bool;
    /// Whether the error is in the retried classes.
    fn catches(&self, error: &E) -> bool;
    /// Whether the giveup predicate holds.
    fn gives_up(&self, error: &E) -> bool;
    /// Whether a success value must be retried (value mode).
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug>;
    /// Whether every success value is a success (no value predicate).
    fn accepts_every_value(&self) -> bool;
    /// The next wait, jittered and raised to the error's floor; `None` when the generator is
    /// exhausted.
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration>;
    /// Runs the success hooks.
    fn on_success(&self, details: &Details<'_, E>);
    /// Runs the default handler then the success hooks, for a hedged call: the default
    /// handler logs which attempt won and how many ran.
    fn on_hedged_success(&self, details: &Details<'_, E>);
    /// Runs the default handler then the backoff hooks.
    fn on_backoff(&self, details: &Details<'_, E>);
    /// Runs the default handler then the give-up hooks.
    fn on_giveup(&self, details: &Details<'_, E>);
    /// Whether there are success hooks (else no `Details` is built on success).
    fn has_success_hooks(&self) -> bool;
    /// The retry budget, if any.
    fn budget(&self) -> Option<&RetryBudget>;
    /// The per-attempt timeout and how the error type holds it (`attempt_timeout`), if any.
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)>;
    /// The hedge delay (`hedge_delay`), if any.
    fn hedge_delay(&self) -> Option<Duration>;
    /// The most attempts one call may start because the hedge delay passed (`max_hedges`).
    fn max_hedges(&self) -> Option<u32>;
    /// The circuit breaker and how the error type holds its refusal, if any.
    fn breaker(&self) -> Option<(&CircuitBreaker, OpenFn<E>)>;
    /// The adaptive rate limiter, if any.
    fn limiter(&self) -> Option<&AdaptiveLimiter>;
    /// The self-tuning hedge delay, if any (only where no fixed delay applies).
    fn auto_hedge(&self) -> Option<&AutoHedge>;
    /// The least wait the error asks for (`wait_floor`, such as `Retry-After`).
    fn floor(&self, error: &E) -> Option<Duration>;
}

/// The rules' plain values: one field per option that is a number, a switch or a level.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// The most attempts (`None`: no limit).
    pub(crate) max_tries: Option<u32>,
    /// The longest time (`None`: no limit).
    pub(crate) max_time: Option<Duration>,
    /// Whether a give-up returns the error rather than the return type's "nothing" value.
    pub(crate) raise_on_giveup: bool,
    /// The default handler's configuration.
    pub(crate) log: PackedLog,
}

impl Limits {
    /// `backoff`'s: no limit on tries or time, errors raised, the default handler on.
    pub(crate) const UNLIMITED: Limits = Limits {
        max_tries: None,
        max_time: None,
        raise_on_giveup: true,
        log: PackedLog::DEFAULT,
    };
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

    /// INFO for backoffs, ERROR for give-ups, on ([`LogConfig::default`]).
    const DEFAULT: PackedLog = PackedLog {
        enabled: true,
        backoff_level: 2,
        giveup_level: 4,
    };

    #[inline]
    pub(crate) fn level_index(level: tracing::Level) -> u8 {
        // Every level is in the table; position() cannot miss.
        Self::LEVELS.iter().position(|l| *l == level).unwrap_or(2) as u8
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

/// The one rule type: plain values in [`Limits`], and a slot per rule that is code or a handle
/// (typed by a policy, erased by settings; see the module docs).
#[doc(hidden)]
#[derive(Debug, Clone)]
pub struct Rules<X, W, J, G, P, HS, HB, HG, B, F = NoFloor, TM = NoTiming, K = NoGuards> {
    pub(crate) limits: Limits,
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
    pub(crate) guards: K,
}

/// The default rules of [`Policy`](crate::Policy): every error retried, expo waits, full
/// jitter, no giveup predicate, no value predicate, no user hooks.
pub type DefaultRules = Rules<AnyError, Expo, FullJitter, NoError, AcceptAll, (), (), (), NoBudget>;

impl DefaultRules {
    /// `backoff.on_exception`'s defaults.
    pub(crate) fn new() -> Self {
        Rules {
            limits: Limits::UNLIMITED,
            exception: AnyError,
            wait: crate::wait::expo(),
            jitter: FullJitter,
            giveup: NoError,
            predicate: AcceptAll,
            on_success: (),
            on_backoff: (),
            on_giveup: (),
            budget: NoBudget,
            wait_floor: NoFloor,
            timing: NoTiming,
            guards: NoGuards,
        }
    }
}

/// The decisions, written once for every filling of the slots.
impl<X, W, J, G, P, HS, HB, HG, B, F, TM, K> Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K> {
    /// Whether the start time must be read: a time limit or a user hook needs it.
    #[inline]
    pub(crate) fn needs_clock<E>(&self) -> bool
    where
        HS: Hook<E>,
        HB: Hook<E>,
        HG: Hook<E>,
    {
        self.limits.max_time.is_some()
            || !self.on_success.is_noop()
            || !self.on_backoff.is_noop()
            || !self.on_giveup.is_noop()
    }

    /// The default handler, then the hooks `hooks` (a backoff's or a give-up's).
    #[inline]
    fn log_then<E: Debug>(
        &self,
        log: fn(&LogConfig, &Details<'_, E>),
        hooks: &impl Hook<E>,
        details: &Details<'_, E>,
    ) {
        log(&self.limits.log.unpack(), details);
        hooks.call(details);
    }

    /// Runs the default handler then the backoff hooks.
    #[inline]
    pub(crate) fn on_backoff<E: Debug>(&self, details: &Details<'_, E>)
    where
        HB: Hook<E>,
    {
        self.log_then(LogConfig::log_backoff, &self.on_backoff, details);
    }

    /// Runs the default handler then the give-up hooks.
    #[inline]
    pub(crate) fn on_giveup<E: Debug>(&self, details: &Details<'_, E>)
    where
        HG: Hook<E>,
    {
        self.log_then(LogConfig::log_giveup, &self.on_giveup, details);
    }

    /// Runs the default handler then the success hooks of a hedged call.
    #[inline]
    pub(crate) fn on_hedged_success<E: Debug>(&self, details: &Details<'_, E>)
    where
        HS: Hook<E>,
    {
        self.log_then(LogConfig::log_hedged_success, &self.on_success, details);
    }
}

/// The next wait: the generator's, jittered, then raised to the floor the error asks for
/// (`wait_floor`); `None` when the generator is exhausted. The wait generator and jitter are
/// the call's own (a policy's moved in, or settings' built for the call).
#[inline]
pub(crate) fn next_wait<E>(
    wait: &mut (impl WaitGen<E> + ?Sized),
    jitter: &mut (impl Jitter + ?Sized),
    floor: &impl WaitFloor<E>,
    last: Last<'_, E>,
) -> Option<Duration> {
    let floor = last.error().and_then(|error| floor.floor(error));
    let wait = jitter.jitter(wait.next_wait(last)?);
    Some(floor.map_or(wait, |floor| wait.max(floor)))
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, K> CallRules<T, E>
    for Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K>
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
    K: GuardRules<E>,
{
    #[inline]
    fn enabled(&self) -> bool {
        true
    }
    #[inline]
    fn limits(&self) -> &Limits {
        &self.limits
    }
    #[inline]
    fn needs_clock(&self) -> bool {
        Rules::needs_clock(self)
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
    fn accepts_every_value(&self) -> bool {
        self.predicate.accepts_all()
    }
    #[inline]
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        next_wait(&mut self.wait, &mut self.jitter, &self.wait_floor, last)
    }
    #[inline]
    fn on_success(&self, details: &Details<'_, E>) {
        self.on_success.call(details);
    }
    #[inline]
    fn on_hedged_success(&self, details: &Details<'_, E>) {
        Rules::on_hedged_success(self, details);
    }
    #[inline]
    fn on_backoff(&self, details: &Details<'_, E>) {
        Rules::on_backoff(self, details);
    }
    #[inline]
    fn on_giveup(&self, details: &Details<'_, E>) {
        Rules::on_giveup(self, details);
    }
    #[inline]
    fn has_success_hooks(&self) -> bool {
        !self.on_success.is_noop()
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
    fn breaker(&self) -> Option<(&CircuitBreaker, OpenFn<E>)> {
        self.guards.breaker()
    }
    #[inline]
    fn limiter(&self) -> Option<&AdaptiveLimiter> {
        self.guards.limiter()
    }
    #[inline]
    fn auto_hedge(&self) -> Option<&AutoHedge> {
        self.guards
            .auto_hedge()
            .filter(|_| self.timing.hedge_delay().is_none())
    }
    #[inline]
    fn floor(&self, error: &E) -> Option<Duration> {
        self.wait_floor.floor(error)
    }
}
