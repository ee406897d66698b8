//! Attempts that run against a clock or beside each other: per-attempt timeouts
//! ([`TimedAttempt`]) and hedging (the attempt set, [`Attempts`]), with the engine's side of
//! both in one place: when an attempt starts, whether a hedge may start, and what a timed or
//! hedged call does after each event of its set.

mod attempts;
mod run;
mod timeout;

use core::pin::Pin;
use std::time::{Duration, Instant};

pub use attempts::{Attempts, Event, Next};
pub use run::{Hedged, hedged};
pub use timeout::{AttemptTimedOut, HoldsTimedOut, TimedAttempt, TimeoutValue};
pub(crate) use timeout::{TimedOutFn, positive_secs, timed_out_fn};

use crate::details::Arg;
use crate::engine::Engine;
use crate::output::RetryOutput;
use crate::rules::CallRules;
use crate::sleep::Sleeper;
use crate::step::Step;

/// An attempt's timeout and how the error type holds it.
type AttemptLimit<E> = (Duration, TimedOutFn<E>);

impl<T, E, Rl, S> Engine<T, E, Rl, S>
where
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    /// Whether this call hedges (a hedge delay is set), so its attempts run through
    /// [`Attempts`]: what [`retry_async`](crate::retry_async) asks; `#[retry]` decides from
    /// its keys.
    #[inline]
    pub fn is_hedged(&self) -> bool {
        self.rules.enabled()
            && (self.rules.hedge_delay().is_some() || self.rules.auto_hedge().is_some())
    }

    /// Whether attempts have a timeout.
    #[inline]
    pub fn has_attempt_timeout(&self) -> bool {
        self.rules.enabled() && self.rules.attempt_timeout().is_some()
    }

    /// The attempt in progress, raced against its timeout (cut to the time left
    /// before `max_time`) when one is set: a sequential call's attempt, awaited at once. The
    /// future borrows nothing of the engine.
    #[inline]
    pub fn timed<F>(&mut self, attempt: F) -> TimedAttempt<F, S::Sleep, E> {
        let (timer, limit) = self.arm_attempt_timer();
        TimedAttempt::new(attempt, timer, limit, self.attempt)
    }

    /// The timer of the attempt starting now and its limit, when attempts have a timeout.
    #[inline]
    fn arm_attempt_timer(&mut self) -> (Option<S::Sleep>, Option<AttemptLimit<E>>) {
        let limit = self.attempt_limit();
        self.timed |= limit.is_some();
        (limit.map(|(timeout, _)| self.sleeper.sleep(timeout)), limit)
    }

    /// An empty set of attempts for this call, to pin in the caller's future.
    #[inline]
    pub fn attempts<F>(&self) -> Attempts<F, S::Sleep, E> {
        Attempts::new()
    }

    /// The next attempt's timeout, cut to the time left before `max_time`.
    #[inline]
    fn attempt_limit(&self) -> Option<(Duration, TimedOutFn<E>)> {
        if !self.rules.enabled() {
            return None;
        }
        let (timeout, timed_out) = self.rules.attempt_timeout()?;
        let left = self
            .rules
            .limits()
            .max_time
            .map_or(timeout, |max| max.saturating_sub(self.elapsed()));
        Some((timeout.min(left), timed_out))
    }

    /// Starts the attempt in progress, made by `attempt`: raced against its timeout when one
    /// is set, and followed by the hedge delay's timer when hedging.
    ///
    /// The attempt's future is made where the set keeps it, not made here and moved in: an
    /// attempt's future is as large as its largest state (about 1 KB for a client request),
    /// and each move is a copy of all of it.
    #[inline]
    pub fn start_attempt<F>(
        &mut self,
        attempts: Pin<&mut Attempts<F, S::Sleep, E>>,
        attempt: impl FnOnce() -> F,
    ) {
        let (timer, limit) = self.arm_attempt_timer();
        let number = self.attempt;
        let hedge = self.hedge_delay().map(|delay| self.sleeper.sleep(delay));
        // With a self-tuning delay, each attempt's latency is recorded when it finishes.
        let started =
            (self.rules.enabled() && self.rules.auto_hedge().is_some()).then(|| self.sleeper.now());
        attempts.push_with(
            || TimedAttempt::new(attempt(), timer, limit, number),
            number,
            hedge,
            started,
        );
    }

    /// The hedge delay of the attempt starting now: the fixed one, or the tracker's
    /// percentile of recent latencies (`None` while it has too few).
    #[inline]
    pub(crate) fn hedge_delay(&self) -> Option<Duration> {
        if !self.rules.enabled() {
            return None;
        }
        self.rules.hedge_delay().or_else(|| {
            let auto = self.rules.auto_hedge()?;
            auto.tracker(self.target).delay(self.sleeper.now())
        })
    }

    /// Records a finished attempt's latency in the self-tuning delay's tracker.
    #[inline]
    fn record_latency(&self, started: Option<Instant>) {
        if let (Some(started), Some(auto)) = (started, self.rules.auto_hedge()) {
            let now = self.sleeper.now();
            auto.tracker(self.target)
                .record(now.saturating_duration_since(started), now);
        }
    }

    /// Whether a hedge may start now, `hedges` having started before: hedges, tries and time
    /// are left, the circuit breaker lets it through, the budget pays for it and the rate limiter
    /// asks no wait.
    fn may_hedge(&self, hedges: u32) -> bool {
        let hedges_left = self.rules.max_hedges().is_none_or(|max| hedges < max);
        let tries_left = self
            .rules
            .limits()
            .max_tries
            .is_none_or(|max| self.attempt < max);
        let time_left = self
            .rules
            .limits()
            .max_time
            .is_none_or(|max| self.elapsed() < max);
        hedges_left
            && tries_left
            && time_left
            && self.breaker_admits()
            // The self-tuning delay's cap on the extra load hedging adds.
            && self
                .rules
                .auto_hedge()
                .is_none_or(|auto| auto.tracker(self.target).try_hedge())
            && self
                .rules
                .budget()
                .is_none_or(crate::budget::RetryBudget::try_withdraw)
            // A throttled client does not add sends: a hedge goes only when no wait is due.
            && self.limiter_wait().is_zero()
    }

    /// Whether a call whose attempt finished with `result` ends with it as it is, with
    /// nothing to run that needs the call's arguments: the rules are off, or the attempt
    /// succeeded, no other ever ran beside it (`overlapped` false), no success hook is set
    /// and every value is a success. Then the success's bookkeeping is done here (the
    /// latency, the breaker and limiter, the budget's refund) and the caller returns the
    /// result without handing it through [`after_event`](Self::after_event): a result is
    /// often large (688 bytes for a Harbor project), and each hand-over copies it.
    #[inline]
    pub(crate) fn ends_quietly<R>(
        &mut self,
        result: &R,
        started: Option<Instant>,
        overlapped: bool,
    ) -> bool
    where
        R: RetryOutput<Ok = T, Err = E>,
    {
        if !self.rules.enabled() {
            self.record_latency(started);
            return true;
        }
        if overlapped
            || !result.is_success()
            || self.rules.has_success_hooks()
            || !self.rules.accepts_every_value()
        {
            return false;
        }
        self.record_latency(started);
        self.record(None);
        self.refund_retries();
        true
    }

    /// Decides what a timed or hedged call does after `event`; see [`Next`].
    pub(crate) fn hedged_step<F, R>(
        &mut self,
        mut attempts: Pin<&mut Attempts<F, S::Sleep, E>>,
        event: Event<R>,
        args: &[Arg<'_>],
        nothing: Option<fn() -> R>,
    ) -> Next<R>
    where
        R: RetryOutput<Ok = T, Err = E>,
    {
        let (result, attempt) = match event {
            Event::BackoffOver => return Next::Start,
            Event::HedgeDue => {
                if !self.may_hedge(attempts.hedges()) {
                    return Next::Wait;
                }
                attempts.as_mut().count_hedge();
                self.attempt = self.attempt.saturating_add(1);
                crate::observe::hedge_started(self.target);
                tracing::debug!(
                    function = self.target,
                    attempt = self.attempt,
                    running = attempts.running(),
                    "retry: hedging {}: attempt {} starts beside {} running",
                    self.target,
                    self.attempt,
                    attempts.running(),
                );
                return Next::Start;
            }
            Event::Finished {
                result,
                attempt,
                started,
            } => {
                self.record_latency(started);
                (result, attempt)
            }
        };
        let running = attempts.running();
        // Only a call that had two attempts running at once hedged; a retried one succeeds as
        // a sequential call does.
        let hedged = attempts.overlapped();
        match self.judge(result, args, nothing, attempt, running, hedged) {
            Step::Return(result) => Next::Return(result),
            Step::Wait(wait) => self.retry_after(attempts, wait, running),
        }
    }

    /// A retry starts at once when attempts still run (or the wait is zero), else after the
    /// backoff wait.
    fn retry_after<F, R>(
        &mut self,
        attempts: Pin<&mut Attempts<F, S::Sleep, E>>,
        wait: Duration,
        running: u32,
    ) -> Next<R> {
        if running == 0 && !wait.is_zero() {
            attempts.back_off(self.sleeper.sleep(wait));
            Next::Wait
        } else {
            Next::Start
        }
    }
}
