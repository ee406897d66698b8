//! The retry loop's decision: an [`Engine`], started from a [`Policy`], classifies each
//! attempt's result and says whether to return or to wait.
//!
//! The `#[retry]` expansion drives the engine by hand (see `docs/expansion-contract.md`);
//! [`retry_async`] and [`retry_blocking`] drive it for code that does not use the attribute.

use core::marker::PhantomData;
use core::pin::Pin;
use std::time::{Duration, Instant};

use crate::concurrent::{Attempts, Event, Next};
use crate::details::{Arg, Details, GiveUpReason, Outcome};
use crate::output::RetryOutput;
use crate::rules::CallRules;
use crate::sleep::Sleeper;
use crate::step::Step;
use crate::wait::Last;

/// One call in progress: counts attempts, reads the clock when needed, and decides after each
/// attempt whether to return or to wait. Built by [`Policy::start`](crate::Policy::start).
pub struct Engine<T, E, Rl, S> {
    pub(crate) rules: Rl,
    pub(crate) sleeper: S,
    pub(crate) target: &'static str,
    /// The number of the attempt in progress (1 for the first): set up front and bumped only
    /// when a wait is decided, so the success path neither reads nor writes it.
    pub(crate) attempt: u32,
    start: Option<Instant>,
    /// The call's attempts are raced against a timeout (set when the first timed attempt
    /// starts; a blocking call never sets it): a retry then needs time left before `max_time`.
    pub(crate) timed: bool,
    _types: PhantomData<fn() -> (T, E)>,
}

impl<T, E, Rl, S> Engine<T, E, Rl, S>
where
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    /// `started`: the call's start time when the caller read it already (the lazy form);
    /// else the clock is read here. Either way it is kept only if a time limit or a hook
    /// needs it.
    #[inline]
    pub(crate) fn new(
        rules: Rl,
        sleeper: S,
        target: &'static str,
        started: Option<Instant>,
    ) -> Self {
        // A hedged call reads it too: its log line says when the winner answered.
        let start = (rules.enabled() && (rules.needs_clock() || rules.hedge_delay().is_some()))
            .then(|| started.unwrap_or_else(|| sleeper.now()));
        // Every call earns its share of retries when it starts (Finagle's deposit), and of
        // hedges, under a self-tuning delay (Finagle's `maxExtraLoad`).
        if rules.enabled() {
            if let Some(budget) = rules.budget() {
                budget.deposit();
            }
            if let Some(auto) = rules.auto_hedge() {
                auto.tracker(target).on_call();
            }
        }
        Engine {
            rules,
            sleeper,
            target,
            attempt: 1,
            start,
            timed: false,
            _types: PhantomData,
        }
    }

    /// Ends a call whose attempt succeeded: runs the success hooks and returns `result`.
    ///
    /// For `#[retry]`'s lazy form, which builds the engine only once the first attempt is
    /// over, so that on a first-try success the engine never lives in an async fn's state.
    /// The caller has checked [`RetryOutput::is_success`] and the policy has no value
    /// predicate (`on_result`), so the attempt is not to be retried; an `Err` or a rejected
    /// value handed here is returned as is.
    #[inline]
    pub fn finish_success<R: RetryOutput<Ok = T, Err = E>>(self, result: R, args: &[Arg<'_>]) -> R {
        if self.rules.enabled() && result.is_success() {
            self.run_success_hooks(args, self.attempt, 0);
        }
        result
    }

    /// Runs the success hooks of attempt `attempt` (with `running` others), building
    /// `Details` only when there are any.
    #[inline]
    fn run_success_hooks(&self, args: &[Arg<'_>], attempt: u32, running: u32) {
        if self.rules.has_success_hooks() {
            self.rules
                .on_success(&self.success_details(args, attempt, running));
        }
    }

    /// The `Details` of a success: attempt `attempt` succeeded with `running` others running.
    #[inline]
    fn success_details<'a>(
        &self,
        args: &'a [Arg<'a>],
        attempt: u32,
        running: u32,
    ) -> Details<'a, E> {
        Details {
            target: self.target,
            args,
            tries: self.attempt,
            elapsed: self.elapsed(),
            wait: None,
            outcome: Outcome::Success,
            reason: None,
            attempt,
            running,
        }
    }

    /// What a give-up returns instead of the error: `nothing` when the effective
    /// `raise_on_giveup` (the settings', else the policy's) is false, else none.
    #[inline]
    fn give_up_value<R>(&self, nothing: Option<fn() -> R>) -> Option<fn() -> R> {
        if self.rules.limits().raise_on_giveup {
            None
        } else {
            nothing
        }
    }

    #[inline]
    pub(crate) fn elapsed(&self) -> Duration {
        match self.start {
            Some(start) => self.sleeper.now().saturating_duration_since(start),
            None => Duration::ZERO,
        }
    }

    /// Classifies the result of attempt `attempt`, with `running` others still running
    /// (hedging; 0 otherwise) and `hedged` when two ever ran at once: return it (a success, an
    /// error outside `exception`, a give-up) or retry after the wait. Shared by the sequential
    /// loop and the attempt set; with constant `running` and `hedged` it folds into the former.
    #[inline]
    pub(crate) fn judge<R>(
        &mut self,
        result: R,
        args: &[Arg<'_>],
        nothing: Option<fn() -> R>,
        attempt: u32,
        running: u32,
        hedged: bool,
    ) -> Step<R>
    where
        R: RetryOutput<Ok = T, Err = E>,
    {
        if !self.rules.enabled() {
            return Step::Return(result);
        }
        match result.into_result() {
            Ok(value) => {
                self.record(None);
                if let Some(shown) = self.rules.rejects(&value) {
                    if let Decision::Retry(wait) = self.decide(
                        false,
                        Last::Value(shown),
                        Outcome::Value(shown),
                        args,
                        attempt,
                        running,
                    ) {
                        return Step::Wait(wait);
                    }
                    // Value mode gives up by returning the last value, as `on_predicate` does.
                } else {
                    self.refund_retries();
                    if hedged {
                        if attempt != 1 {
                            crate::observe::hedge_won(self.target);
                        }
                        // The default handler logs which attempt won and how many ran.
                        self.rules
                            .on_hedged_success(&self.success_details(args, attempt, running));
                    } else {
                        self.run_success_hooks(args, attempt, running);
                    }
                }
                Step::Return(R::from_result(Ok(value)))
            }
            Err(error) => {
                if !self.rules.catches(&error) {
                    self.record(None);
                    return Step::Return(R::from_result(Err(error)));
                }
                let give_up = self.rules.gives_up(&error);
                self.record((!give_up).then_some(&error));
                match self.decide(
                    give_up,
                    Last::Error(&error),
                    Outcome::Error(&error),
                    args,
                    attempt,
                    running,
                ) {
                    Decision::Retry(wait) => {
                        // Dropped before the caller sleeps, so a !Send error never lives across
                        // the await.
                        drop(error);
                        Step::Wait(wait)
                    }
                    // With attempts still running, the caller drops them with the set: the
                    // issue's rule, so a hung attempt cannot outlive `max_tries`.
                    Decision::GiveUp => Step::Return(match nothing {
                        Some(nothing) => nothing(),
                        None => R::from_result(Err(error)),
                    }),
                }
            }
        }
    }

    /// A success after retries returns its last retry's tokens (AWS's refund).
    #[inline]
    pub(crate) fn refund_retries(&self) {
        if self.attempt > 1
            && let Some(budget) = self.rules.budget()
        {
            budget.refund();
        }
    }

    /// Checks giveup, then max_tries, then max_time; then asks the generator, the circuit
    /// breaker, the retry budget (so no token is spent on a retry another rule refuses); a
    /// retry that waits asks the rate limiter after its wait ([`admit`](Self::admit)). Runs
    /// the hooks.
    /// `attempt` is the number of the attempt that failed, `running` how many others still
    /// run (hedging; 0 otherwise): with some running, a retry starts at once (wait zero). A
    /// give-up ends the call even with attempts running: the caller drops them.
    ///
    /// Inlined so that, with static rules, the limits, the generator and the no-op hooks fold
    /// into the caller's loop (only the logging itself is out of line, see `LogConfig`).
    #[inline]
    fn decide(
        &mut self,
        give_up: bool,
        last: Last<'_, E>,
        outcome: Outcome<'_, E>,
        args: &[Arg<'_>],
        attempt: u32,
        running: u32,
    ) -> Decision {
        let elapsed = self.elapsed();
        let tries = self.attempt;
        let max_time = self.rules.limits().max_time;
        let out_of_tries = self
            .rules
            .limits()
            .max_tries
            .is_some_and(|max| tries >= max);
        let out_of_time = max_time.is_some_and(|max| elapsed >= max);
        let verdict = if give_up {
            Err(GiveUpReason::Predicate)
        } else if out_of_tries {
            Err(GiveUpReason::MaxTries)
        } else if out_of_time {
            Err(GiveUpReason::MaxTime)
        } else {
            match self.rules.next_wait(last) {
                None => Err(GiveUpReason::WaitExhausted),
                Some(wait) if running == 0 && self.leaves_no_time(wait, elapsed, max_time) => {
                    Err(GiveUpReason::MaxTime)
                }
                Some(_) if !self.breaker_admits() => Err(GiveUpReason::CircuitOpen),
                Some(wait) => match self.rules.budget() {
                    Some(budget) if !budget.try_withdraw() => Err(GiveUpReason::BudgetExhausted),
                    // The limiter's token comes last: a retry refused earlier sends nothing
                    // and takes none.
                    _ => self.paced(wait, elapsed, max_time, running),
                },
            }
        };
        let mut details = Details {
            target: self.target,
            args,
            tries,
            elapsed,
            wait: None,
            outcome,
            reason: None,
            attempt,
            running,
        };
        match verdict {
            Ok(mut wait) => {
                if running > 0 {
                    wait = Duration::ZERO;
                } else if let Some(max) = max_time {
                    wait = wait.min(max.saturating_sub(elapsed));
                }
                details.wait = Some(wait);
                self.rules.on_backoff(&details);
                self.attempt = tries.saturating_add(1);
                Decision::Retry(wait)
            }
            Err(reason) => {
                details.reason = Some(reason);
                self.rules.on_giveup(&details);
                Decision::GiveUp
            }
        }
    }

    /// Whether waiting `wait` would leave a timed attempt no time before `max_time`: its
    /// timeout is cut to the time left, so it would be dropped unanswered (after its first
    /// poll had perhaps sent a request). The call gives up with the last real outcome
    /// instead. An untimed (blocking) call keeps `backoff`'s rule: the last wait is cut and
    /// one more attempt runs at the deadline.
    #[inline]
    fn leaves_no_time(
        &self,
        wait: Duration,
        elapsed: Duration,
        max_time: Option<Duration>,
    ) -> bool {
        self.timed && max_time.is_some_and(|max| elapsed.saturating_add(wait) >= max)
    }

    /// Tells the circuit breaker and the rate limiter, if any, an attempt's outcome:
    /// `failure` is the error of a failure (one the policy would retry), `None` any other
    /// answer. A failure with a wait floor (a `Retry-After`) is a throttle for the limiter.
    #[inline]
    pub(crate) fn record(&self, failure: Option<&E>) {
        let (breaker, limiter) = (self.rules.breaker(), self.rules.limiter());
        if breaker.is_none() && limiter.is_none() {
            return;
        }
        let now = self.sleeper.now();
        let floor = failure.and_then(|error| self.rules.floor(error));
        if let Some((breaker, _)) = breaker {
            match failure {
                Some(_) => breaker.record_failure(self.target, now, floor),
                None => breaker.record_success(self.target, now),
            }
        }
        if let Some(limiter) = limiter {
            if floor.is_some() {
                limiter.on_throttle(self.target, now);
            } else {
                limiter.on_success(self.target, now);
            }
        }
    }

    /// Whether the circuit breaker, if any, lets another attempt through now.
    #[inline]
    pub(crate) fn breaker_admits(&self) -> bool {
        self.rules
            .breaker()
            .is_none_or(|(breaker, _)| breaker.try_acquire(self.target, self.sleeper.now()).is_ok())
    }

    /// The wait the rate limiter, if any, asks before the next send (a reservation: the send
    /// is counted now).
    #[inline]
    pub(crate) fn limiter_wait(&self) -> Duration {
        self.rules.limiter().map_or(Duration::ZERO, |limiter| {
            limiter.reserve(self.target, self.sleeper.now())
        })
    }

    /// Asks the shared guards before an attempt that starts with none running: the call's
    /// first, or a retry once its backoff wait is over. The circuit breaker first (before the
    /// first attempt it may take a half-open probe's place; before a retry, admitted by the
    /// breaker when it was decided, it only checks that the breaker has not opened since),
    /// then the rate limiter, which reserves the send for now. [`Step::Return`] is what the
    /// call returns instead of making the attempt: the breaker being open
    /// (`E::from(CircuitOpen)`, or the "nothing" value when a give-up returns it, after the
    /// give-up hooks ran with [`GiveUpReason::CircuitOpen`] and the attempts made);
    /// [`Step::Wait`] the wait before the attempt (zero without a limiter, or while it has
    /// seen no throttle; before a retry, cut to the time left before `max_time`, so a retry
    /// the limiter holds that long runs at the deadline). The expansion asks it at the top of
    /// each iteration of the eager loop.
    ///
    /// The limiter is asked here, after the backoff, and not when the retry is decided: a
    /// slot reserved then has often passed by the time a retry that waits out a
    /// `Retry-After` sends, so the retries would bunch where their waits end, beyond what
    /// the bucket allows.
    #[inline]
    pub fn admit<R: RetryOutput<Ok = T, Err = E>>(
        &self,
        args: &[Arg<'_>],
        nothing: Option<fn() -> R>,
    ) -> Step<R> {
        if !self.rules.enabled() {
            return Step::Wait(Duration::ZERO);
        }
        let retry = self.attempt > 1;
        if let Some((breaker, open)) = self.rules.breaker() {
            let now = self.sleeper.now();
            let refusal = if retry {
                breaker.refusal_now(self.target, now)
            } else {
                breaker.try_acquire(self.target, now).err()
            };
            if let Some(refusal) = refusal {
                return Step::Return(self.refused(open(refusal), args, nothing));
            }
        }
        let wait = self.limiter_wait();
        // Cut to the time left, as every wait is: the attempt then runs at the deadline.
        Step::Wait(match self.rules.limits().max_time {
            Some(max) if retry => wait.min(max.saturating_sub(self.elapsed())),
            _ => wait,
        })
    }

    #[cold]
    fn refused<R: RetryOutput<Ok = T, Err = E>>(
        &self,
        error: E,
        args: &[Arg<'_>],
        nothing: Option<fn() -> R>,
    ) -> R {
        // The attempt about to start is not made: `tries` counts those that were.
        let tries = self.attempt.saturating_sub(1);
        self.rules.on_giveup(&Details {
            target: self.target,
            args,
            tries,
            elapsed: self.elapsed(),
            wait: None,
            outcome: Outcome::Error(&error),
            reason: Some(GiveUpReason::CircuitOpen),
            attempt: tries,
            running: 0,
        });
        match self.give_up_value(nothing) {
            Some(nothing) => nothing(),
            None => R::from_result(Err(error)),
        }
    }

    /// The rate limiter's part in a retry's decision (none without a limiter). A retry
    /// started beside running attempts (hedging) takes its token now, as it is sent now (its
    /// wait is zero whatever the limiter says: the running attempts already hold the call's
    /// place). A retry that waits reserves after its wait, in [`admit`](Self::admit); here it
    /// gives up with [`GiveUpReason::MaxTime`] (and its last error) when the limiter, as things
    /// stand, would hold it past `max_time`.
    #[inline]
    fn paced(
        &self,
        wait: Duration,
        elapsed: Duration,
        max_time: Option<Duration>,
        running: u32,
    ) -> Result<Duration, GiveUpReason> {
        let Some(limiter) = self.rules.limiter() else {
            return Ok(wait);
        };
        if running > 0 {
            limiter.reserve(self.target, self.sleeper.now());
            return Ok(wait);
        }
        let Some(max) = max_time else {
            return Ok(wait);
        };
        // A wait too long for an `Instant` is cut to `max_time` anyway.
        let Some(send_at) = self.sleeper.now().checked_add(wait) else {
            return Ok(wait);
        };
        let held = limiter.wait_at(self.target, send_at);
        if !held.is_zero() && elapsed.saturating_add(wait).saturating_add(held) > max {
            return Err(GiveUpReason::MaxTime);
        }
        Ok(wait)
    }

    /// Waits with the policy's sleeper (tokio by default).
    #[inline]
    pub fn sleep(&mut self, wait: Duration) -> S::Sleep {
        self.sleeper.sleep(wait)
    }

    /// Waits by blocking the thread (`std::thread::sleep` unless a sleeper was set).
    ///
    /// Only blocking calls sleep this way, and they can neither cancel an attempt nor run two
    /// at once: before the first retry, a per-attempt timeout or hedge delay that the policy or
    /// the settings carry is reported as ignored (a `warn` event), instead of silently so.
    #[inline]
    pub fn sleep_blocking(&mut self, wait: Duration) {
        if self.attempt == 2 {
            self.warn_ignored_async_rules();
        }
        self.sleeper.sleep_blocking(wait);
    }

    #[cold]
    fn warn_ignored_async_rules(&self) {
        if !self.rules.enabled() {
            return;
        }
        let timeout = self.rules.attempt_timeout().map(|(timeout, _)| timeout);
        let hedge = self.rules.hedge_delay();
        if timeout.is_some() || hedge.is_some() || self.rules.auto_hedge().is_some() {
            tracing::warn!(
                function = self.target,
                attempt_timeout = ?timeout,
                hedge_delay = ?hedge,
                "retry: {} is a blocking call: its attempt_timeout ({:?}) and hedge_delay \
                 ({:?}) do not apply (a blocking call cannot be cancelled nor run twice at \
                 once); use an async fn or retry_async for them",
                self.target,
                timeout,
                hedge,
            );
        }
    }
}

/// What `decide` concluded about a failed attempt.
enum Decision {
    /// Start another attempt after this wait.
    Retry(Duration),
    /// Give up (the give-up hooks ran).
    GiveUp,
}

impl<T, E, Rl, S> Engine<T, E, Rl, S>
where
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    /// Classifies one attempt's result and runs the hooks: [`Step::Return`] ends the call,
    /// [`Step::Wait`] asks for a wait then another attempt. The error is dropped before `Wait`
    /// is returned, so nothing `!Send` is held across the sleep.
    ///
    /// `nothing` is the return type's "nothing" value ([`GiveUpValue::nothing`](crate::GiveUpValue)),
    /// when it has one: a give-up returns it instead of the error when the effective
    /// `raise_on_giveup` (the settings', else the policy's) is false. `None`: the error is
    /// returned.
    #[inline]
    pub fn after_attempt<R: RetryOutput<Ok = T, Err = E>>(
        &mut self,
        result: R,
        args: &[Arg<'_>],
        nothing: Option<fn() -> R>,
    ) -> Step<R> {
        let nothing = self.give_up_value(nothing);
        let attempt = self.attempt;
        self.judge(result, args, nothing, attempt, 0, false)
    }

    /// The timed or hedged form of [`after_attempt`](Self::after_attempt): decides what the
    /// call does after `event` ([`Next::Start`] another attempt, [`Next::Wait`] for the next
    /// event, or [`Next::Return`]). Nothing of the result is kept.
    #[inline]
    pub fn after_event<F, R: RetryOutput<Ok = T, Err = E>>(
        &mut self,
        attempts: Pin<&mut Attempts<F, S::Sleep, E>>,
        event: Event<R>,
        args: &[Arg<'_>],
        nothing: Option<fn() -> R>,
    ) -> Next<R> {
        let nothing = self.give_up_value(nothing);
        self.hedged_step(attempts, event, args, nothing)
    }
}
