//! [`Policy`]: one call's retry configuration, a typestate builder whose setters change the
//! type of the rule they set, and [`policy`], the entry the `#[retry]` expansion calls.

use core::fmt::Debug;
use core::marker::PhantomData;
use std::time::{Duration, Instant};

use crate::breaker::{CircuitBreaker, HoldsCircuitOpen};
use crate::budget::BudgetSource;
use crate::concurrent::{HoldsTimedOut, TimeoutValue, positive_secs};
use crate::engine::Engine;
use crate::hooks::Hook;
use crate::jitter::Jitter;
use crate::latency::AutoHedge;
use crate::limiter::AdaptiveLimiter;
use crate::output::{GiveUpValue, RetryOutput};
use crate::rules::overlay::{Overlay, overlay};
use crate::rules::settings::{IntoSettings, NoSettings, WithSettings};
use crate::rules::{
    CallRules, DefaultRules, FloorFn, Guard, GuardRules, Guards, PackedLog, Rules, Timing,
    TimingRules,
};
use crate::shared::SharedSource;
use crate::sleep::{DefaultSleeper, Sleeper};
use crate::step::{OnResult, ValueFilter};
use crate::wait::{IntoSeconds, IntoTimeout, WaitGen, saturating_secs};

/// One call's retry configuration: a typestate builder whose every setter is `#[inline]` and
/// whose defaults are Python `backoff.on_exception`'s (every error retried, [`expo`](crate::wait::expo) waits,
/// [`full_jitter`](crate::jitter::full_jitter), no limit on tries or time, the default `tracing`
/// handler on). [`Policy::start`] turns it into an [`Engine`].
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Policy, jitter, wait};
///
/// let policy = Policy::<u32, std::io::Error>::new()
///     .max_tries(3)
///     .max_time(Duration::from_secs(10))
///     .wait_gen(wait::constant().interval(0.1))
///     .jitter(jitter::no_jitter);
/// # let _ = policy;
/// ```
#[must_use = "a policy does nothing until started"]
pub struct Policy<T, E, Rl = DefaultRules, S = DefaultSleeper, ST = NoSettings> {
    rules: Rl,
    sleeper: S,
    settings: ST,
    /// The return type's "nothing" value, set with `raise_on_giveup` for the drivers.
    nothing: Option<fn() -> Result<T, E>>,
    _types: PhantomData<fn() -> (T, E)>,
}

impl<T, E, Rl: Clone, S: Clone, ST: Clone> Clone for Policy<T, E, Rl, S, ST> {
    fn clone(&self) -> Self {
        Policy {
            rules: self.rules.clone(),
            sleeper: self.sleeper.clone(),
            settings: self.settings.clone(),
            nothing: self.nothing,
            _types: PhantomData,
        }
    }
}

impl<T, E> Policy<T, E> {
    /// A policy with the defaults.
    pub fn new() -> Self {
        Policy {
            rules: DefaultRules::new(),
            sleeper: DefaultSleeper,
            settings: NoSettings,
            nothing: None,
            _types: PhantomData,
        }
    }
}

impl<T, E> Default for Policy<T, E> {
    fn default() -> Self {
        Self::new()
    }
}

/// The policy for a fn returning `R` (what `#[retry]` starts from).
#[inline]
pub fn policy<R: RetryOutput>() -> Policy<R::Ok, R::Err> {
    Policy::new()
}

/// One field of the rebuilt `Rules`: the new value for the field being set, the old
/// one moved over for every other (a type-changing struct update, which `..rules` cannot do).
macro_rules! pick_rule {
    (exception, exception, $rules:ident, $value:expr) => {
        $value
    };
    (wait, wait, $rules:ident, $value:expr) => {
        $value
    };
    (jitter, jitter, $rules:ident, $value:expr) => {
        $value
    };
    (giveup, giveup, $rules:ident, $value:expr) => {
        $value
    };
    (predicate, predicate, $rules:ident, $value:expr) => {
        $value
    };
    (on_success, on_success, $rules:ident, $value:expr) => {
        $value
    };
    (on_backoff, on_backoff, $rules:ident, $value:expr) => {
        $value
    };
    (on_giveup, on_giveup, $rules:ident, $value:expr) => {
        $value
    };
    (budget, budget, $rules:ident, $value:expr) => {
        $value
    };
    (wait_floor, wait_floor, $rules:ident, $value:expr) => {
        $value
    };
    (timing, timing, $rules:ident, $value:expr) => {
        $value
    };
    (guards, guards, $rules:ident, $value:expr) => {
        $value
    };
    ($field:ident, $set:ident, $rules:ident, $value:expr) => {
        $rules.$field
    };
}

/// Rebuilds a policy with one field of its static rules replaced (and its type changed).
/// (`macro_rules!` hygiene rules out shadowing a destructured binding, hence `pick_rule!`.)
macro_rules! with_rule {
    ($policy:expr, $field:ident = $value:expr) => {{
        let Policy {
            rules,
            sleeper,
            settings,
            nothing,
            _types,
        } = $policy;
        Policy {
            rules: with_rule!(@rules rules, $field = $value),
            sleeper,
            settings,
            nothing,
            _types,
        }
    }};
    (@rules $rules:ident, $field:ident = $value:expr) => {
        Rules {
            limits: $rules.limits,
            exception: pick_rule!(exception, $field, $rules, $value),
            wait: pick_rule!(wait, $field, $rules, $value),
            jitter: pick_rule!(jitter, $field, $rules, $value),
            giveup: pick_rule!(giveup, $field, $rules, $value),
            predicate: pick_rule!(predicate, $field, $rules, $value),
            on_success: pick_rule!(on_success, $field, $rules, $value),
            on_backoff: pick_rule!(on_backoff, $field, $rules, $value),
            on_giveup: pick_rule!(on_giveup, $field, $rules, $value),
            budget: pick_rule!(budget, $field, $rules, $value),
            wait_floor: pick_rule!(wait_floor, $field, $rules, $value),
            timing: pick_rule!(timing, $field, $rules, $value),
            guards: pick_rule!(guards, $field, $rules, $value),
        }
    };
}

// The typestate setters spell out the whole policy type they return.
#[allow(clippy::type_complexity)]
impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, K, S, ST>
    Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K>, S, ST>
{
    /// The most attempts (> 0). `0` is treated as 1 with a warning (`#[retry]` rejects a
    /// literal 0 at compile time).
    #[inline]
    pub fn max_tries(mut self, max_tries: u32) -> Self {
        if max_tries == 0 {
            tracing::warn!("retry: max_tries must be greater than 0; using 1");
        }
        self.rules.limits.max_tries = Some(max_tries.max(1));
        self
    }

    /// The longest time the call may take, in seconds or as a `Duration`: once an attempt fails
    /// after this much time, the call gives up, and the last wait is cut to the time left.
    /// Negative or NaN is treated as 0 with a warning.
    #[inline]
    pub fn max_time(mut self, max_time: impl IntoSeconds) -> Self {
        let secs = max_time.into_seconds();
        if secs.is_nan() || secs < 0.0 {
            tracing::warn!(
                secs,
                "retry: max_time must be finite and at least 0; using 0"
            );
        }
        self.rules.limits.max_time = Some(saturating_secs(secs));
        self
    }

    /// The errors to retry; any other error is returned at once with no hook run.
    #[inline]
    pub fn exception<C: Fn(&E) -> bool>(
        self,
        exception: C,
    ) -> Policy<T, E, Rules<C, W, J, G, P, HS, HB, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, exception = exception)
    }

    /// The wait generator (default [`expo`](crate::wait::expo)).
    #[inline]
    pub fn wait_gen<W2: WaitGen<E>>(
        self,
        wait_gen: W2,
    ) -> Policy<T, E, Rules<X, W2, J, G, P, HS, HB, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, wait = wait_gen)
    }

    /// The jitter (default [`full_jitter`](crate::jitter::full_jitter)); `no_jitter` for none.
    #[inline]
    pub fn jitter<J2: Jitter>(
        self,
        jitter: J2,
    ) -> Policy<T, E, Rules<X, W, J2, G, P, HS, HB, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, jitter = jitter)
    }

    /// A predicate on caught errors: when it holds, the call gives up at once.
    #[inline]
    pub fn giveup<G2: Fn(&E) -> bool>(
        self,
        giveup: G2,
    ) -> Policy<T, E, Rules<X, W, J, G2, P, HS, HB, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, giveup = giveup)
    }

    /// Value mode (Python's `on_predicate`): retry while `predicate` holds on the `Ok` value;
    /// on give-up the last value is returned.
    #[inline]
    pub fn on_result<P2: Fn(&T) -> bool>(
        self,
        predicate: P2,
    ) -> Policy<T, E, Rules<X, W, J, G, OnResult<P2>, HS, HB, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, predicate = OnResult(predicate))
    }

    /// The success hook(s); a tuple runs in order.
    #[inline]
    pub fn on_success<H: Hook<E>>(
        self,
        hook: H,
    ) -> Policy<T, E, Rules<X, W, J, G, P, H, HB, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, on_success = hook)
    }

    /// The backoff hook(s), run after the default handler; a tuple runs in order.
    #[inline]
    pub fn on_backoff<H: Hook<E>>(
        self,
        hook: H,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, H, HG, B, F, TM, K>, S, ST> {
        with_rule!(self, on_backoff = hook)
    }

    /// The give-up hook(s), run after the default handler; a tuple runs in order.
    #[inline]
    pub fn on_giveup<H: Hook<E>>(
        self,
        hook: H,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, H, B, F, TM, K>, S, ST> {
        with_rule!(self, on_giveup = hook)
    }

    /// Switches the default `tracing` handler on or off (default on).
    #[inline]
    pub fn logger(mut self, enabled: bool) -> Self {
        self.rules.limits.log.enabled = enabled;
        self
    }

    /// The level of the default handler's backoff events (default INFO).
    #[inline]
    pub fn backoff_log_level(mut self, level: tracing::Level) -> Self {
        self.rules.limits.log.backoff_level = PackedLog::level_index(level);
        self
    }

    /// The level of the default handler's give-up events (default ERROR).
    #[inline]
    pub fn giveup_log_level(mut self, level: tracing::Level) -> Self {
        self.rules.limits.log.giveup_level = PackedLog::level_index(level);
        self
    }

    /// A retry budget shared with other calls (default none, which costs nothing): a
    /// [`RetryBudget`](crate::RetryBudget), a reference to one, or an `Option` of either ([`BudgetSource`]). The
    /// call deposits into it when it starts; each retry withdraws from it and is refused when
    /// the bucket is short, ending the call with
    /// [`GiveUpReason::BudgetExhausted`](crate::GiveUpReason::BudgetExhausted); a success after retries is refunded. Ignored when
    /// run-time settings are given ([`Policy::settings`]): they carry their own budget.
    ///
    /// ```
    /// use retry_runtime::{GiveUpReason, Policy, budget::RetryBudget, retry_blocking, wait};
    /// use std::sync::Mutex;
    ///
    /// let budget = RetryBudget::builder().ratio(0.0).initial(2).build()?;
    /// let reasons = Mutex::new(Vec::new());
    /// for _ in 0..2 {
    ///     let policy = Policy::new()
    ///         .max_tries(3)
    ///         .wait_gen(wait::constant().interval(0))
    ///         .budget(&budget)
    ///         .on_giveup(|d: &retry_runtime::Details<'_, &str>| reasons.lock().unwrap().push(d.reason));
    ///     let _ = retry_blocking(policy, || Err::<(), _>("down"));
    /// }
    /// // The first call spent both tokens and reached max_tries; the second could not retry.
    /// assert_eq!(
    ///     *reasons.lock().unwrap(),
    ///     [Some(GiveUpReason::MaxTries), Some(GiveUpReason::BudgetExhausted)]
    /// );
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    #[inline]
    pub fn budget<B2: BudgetSource>(
        self,
        budget: B2,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B2, F, TM, K>, S, ST> {
        with_rule!(self, budget = budget)
    }

    /// A circuit breaker shared with other calls (default none, which costs nothing): a
    /// [`CircuitBreaker`](crate::CircuitBreaker), a reference to one, or an `Option` of either
    /// ([`SharedSource`]). Before each attempt the breaker is asked: when it is open, a call
    /// that made no attempt yet fails with `E::from(CircuitOpen)` (hence the bound) and one
    /// between attempts gives up with its last error, the reason being
    /// [`GiveUpReason::CircuitOpen`](crate::GiveUpReason::CircuitOpen) either way. Each
    /// attempt's outcome is recorded: a retried error is a failure, its wait floor
    /// ([`wait_floor`](Self::wait_floor), a `Retry-After`) a least open time. Ignored when
    /// run-time settings are given ([`Policy::settings`]): they carry their own breaker.
    ///
    /// ```
    /// use retry_runtime::{CircuitBreaker, CircuitOpen, GiveUpReason, Policy, retry_blocking, wait};
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Error { Down, Open }
    /// impl From<CircuitOpen> for Error {
    ///     fn from(_: CircuitOpen) -> Self { Error::Open }
    /// }
    ///
    /// let breaker = CircuitBreaker::builder().window_calls(3).minimum_calls(3).build()?;
    /// let policy = || {
    ///     Policy::new().max_tries(3).wait_gen(wait::constant().interval(0)).breaker(&breaker)
    /// };
    /// let mut sent = 0;
    /// let first = retry_blocking(policy(), || { sent += 1; Err::<(), _>(Error::Down) });
    /// assert_eq!((first, sent), (Err(Error::Down), 3)); // three failures: it opens
    /// let second = retry_blocking(policy(), || { sent += 1; Err::<(), _>(Error::Down) });
    /// assert_eq!((second, sent), (Err(Error::Open), 3)); // refused: nothing sent
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    #[inline]
    pub fn breaker(
        self,
        breaker: impl SharedSource<CircuitBreaker>,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, Guards<E>>, S, ST>
    where
        E: HoldsCircuitOpen,
        K: GuardRules<E>,
    {
        self.breaker_checked(E::__retry_breaker_value(breaker))
    }

    /// [`breaker`](Self::breaker) with the conversion already paired with the breaker:
    /// `#[retry]`'s `breaker` key calls [`HoldsCircuitOpen::__retry_breaker_value`] at the key.
    #[doc(hidden)]
    #[inline]
    pub fn breaker_checked(
        self,
        guard: Option<Guard<E>>,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, Guards<E>>, S, ST>
    where
        K: GuardRules<E>,
    {
        let mut guards = self.rules.guards.to_guards();
        guards.breaker = guard;
        with_rule!(self, guards = guards)
    }

    /// An adaptive client-side rate limiter shared with other calls (default none, which
    /// costs nothing): an [`AdaptiveLimiter`](crate::limiter::AdaptiveLimiter), a reference
    /// to one, or an `Option` of either ([`SharedSource`]). Every attempt, the first and each
    /// retry, reserves a send first and waits what the limiter says (a retry waits the larger
    /// of that and its backoff; a hedge starts only when no wait is needed). An error with a
    /// wait floor ([`wait_floor`](Self::wait_floor): a 429 or 503 with `Retry-After`) is a
    /// throttle, which lowers the rate; any other answer lets it recover. Ignored when run-time
    /// settings are given: they carry their own.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{Policy, limiter::AdaptiveLimiter, retry_async, wait};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let limiter = AdaptiveLimiter::builder().build().unwrap();
    /// let policy = Policy::new()
    ///     .max_tries(3)
    ///     .wait_gen(wait::constant().interval(0.01))
    ///     .wait_floor(|e: &&str| (*e == "429").then_some(Duration::ZERO))
    ///     .limiter(&limiter);
    /// let mut answers = ["429", "429"].into_iter();
    /// let result: Result<(), &str> =
    ///     retry_async(policy, || std::future::ready(answers.next().map_or(Ok(()), Err))).await;
    /// assert_eq!(result, Ok(()));
    /// assert_eq!(limiter.throttles(), 2); // the rate now paces every call of this limiter
    /// assert!(limiter.rate("").is_some());
    /// # }
    /// ```
    #[inline]
    pub fn limiter(
        self,
        limiter: impl SharedSource<AdaptiveLimiter>,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, Guards<E>>, S, ST>
    where
        K: GuardRules<E>,
    {
        let mut guards = self.rules.guards.to_guards();
        guards.limiter = limiter.into_handle();
        with_rule!(self, guards = guards)
    }

    /// A hedge delay that tunes itself (`#[retry(hedge_delay = auto)]`): instead of a fixed
    /// delay, each attempt's is the [`AutoHedge`]'s tracker's percentile of the recent
    /// latencies of this fn's attempts (none until it holds enough of them), and each hedge
    /// spends from the tracker's extra-load account (at most `max_extra_load` of the calls),
    /// on top of [`max_hedges`](Self::max_hedges). Every finished attempt records its latency.
    /// A fixed [`hedge_delay`](Self::hedge_delay) wins over it. Async calls only.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{Policy, latency::{AutoHedge, LatencyTracker}, partition::Partition, retry_async};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let auto = AutoHedge::new(LatencyTracker::builder().min_samples(5), Partition::Shared).unwrap();
    /// for _ in 0..5 {
    ///     // Five attempts of 10 ms teach the tracker; the sixth call is slow and is hedged.
    ///     let fast: Result<(), String> = retry_async(Policy::new().max_tries(2).hedge_auto(&auto), || async {
    ///         tokio::time::sleep(Duration::from_millis(10)).await;
    ///         Ok(())
    ///     })
    ///     .await;
    ///     assert!(fast.is_ok());
    /// }
    /// let mut calls = 0;
    /// let started = tokio::time::Instant::now();
    /// let hedged: Result<u32, String> = retry_async(Policy::new().max_tries(2).hedge_auto(&auto), || {
    ///     calls += 1;
    ///     let ms = if calls == 1 { 1_000 } else { 10 };
    ///     async move {
    ///         tokio::time::sleep(Duration::from_millis(ms)).await;
    ///         Ok(ms as u32)
    ///     }
    /// })
    /// .await;
    /// assert_eq!(hedged, Ok(10)); // the hedge, started after about 10 ms, answered first
    /// assert!(started.elapsed() < Duration::from_millis(30));
    /// # }
    /// ```
    #[inline]
    pub fn hedge_auto(
        self,
        auto: impl Into<AutoHedge>,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, Timing<E>, Guards<E>>, S, ST>
    where
        TM: TimingRules<E>,
        K: GuardRules<E>,
    {
        let mut guards = self.rules.guards.to_guards();
        guards.auto_hedge = Some(auto.into());
        // The call may hedge, with no fixed delay.
        let mut timing = self.rules.timing.to_timing();
        timing.hedge_delay = None;
        timing.hedges = true;
        let policy = with_rule!(self, guards = guards);
        with_rule!(policy, timing = timing)
    }

    /// The least wait an error asks for, such as an HTTP `Retry-After`: before the next
    /// attempt the call waits the larger of the generator's (jittered) wait and this, still cut
    /// to the time left under `max_time` ([`RetrySettingsBuilder::wait_floor`]'s rule).
    /// Without one (the default) nothing is computed, even on a backoff.
    ///
    /// [`RetrySettingsBuilder::wait_floor`]: crate::RetrySettingsBuilder::wait_floor
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{Policy, jitter, wait};
    ///
    /// struct Busy { retry_after: Option<Duration> }
    ///
    /// let policy = Policy::<(), Busy>::new()
    ///     .wait_gen(wait::constant().interval(0.1))
    ///     .jitter(jitter::no_jitter)
    ///     .wait_floor(|e: &Busy| e.retry_after);
    /// # let _ = policy;
    /// ```
    #[inline]
    pub fn wait_floor<F2: Fn(&E) -> Option<Duration>>(
        self,
        floor: F2,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, FloorFn<F2>, TM, K>, S, ST> {
        with_rule!(self, wait_floor = FloorFn(floor))
    }

    /// The longest one attempt may run, in seconds or as a `Duration` (or an `Option` of
    /// either, `None` for none): an attempt still running then is dropped and counts as a failed
    /// attempt whose error is `E::from(AttemptTimedOut)`, which goes through `exception`,
    /// `giveup`, the hooks and [`Details`](crate::Details) like any error. Each attempt's timeout
    /// is cut to the time left before `max_time`, so with both set `max_time` is a hard deadline
    /// for the call. Timed with the policy's sleeper (a paused tokio clock drives it in tests).
    /// Zero, negative or NaN: no timeout, with a warning. Applies to async calls only
    /// ([`retry_async`](crate::retry_async), `#[retry]` on an async fn): a blocking call cannot
    /// be cancelled.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{AttemptTimedOut, Policy, retry_async, wait};
    ///
    /// #[derive(Debug, PartialEq)]
    /// enum Error { TimedOut(u32) }
    /// impl From<AttemptTimedOut> for Error {
    ///     fn from(t: AttemptTimedOut) -> Self { Error::TimedOut(t.attempt()) }
    /// }
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let policy = Policy::new()
    ///     .max_tries(2)
    ///     .wait_gen(wait::constant().interval(0))
    ///     .attempt_timeout(Duration::from_millis(100));
    /// let hangs = retry_async(policy, || std::future::pending::<Result<(), Error>>()).await;
    /// assert_eq!(hangs, Err(Error::TimedOut(2)));
    /// # }
    /// ```
    #[inline]
    pub fn attempt_timeout(
        self,
        timeout: impl IntoTimeout,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, Timing<E>, K>, S, ST>
    where
        E: HoldsTimedOut,
        TM: TimingRules<E>,
    {
        self.attempt_timeout_checked(E::__retry_timeout_value(timeout))
    }

    /// Hedging: when an attempt has not answered after `delay` (seconds, a `Duration`, or an
    /// `Option` of either, `None` for off), the next attempt starts beside it, in the same
    /// future (no task is spawned); the first success is returned and the others are dropped.
    /// A retryable failure while other attempts run starts the next one at once (with none
    /// running, after the usual wait); every attempt started counts towards `max_tries` and
    /// withdraws from the retry budget. A failure that ends the call (an error outside
    /// `exception`, a `giveup`, or no further attempt allowed by `max_tries`, `max_time`, the
    /// wait generator or the budget) returns at once and drops the attempts still running.
    /// Only for operations that can run twice at once (idempotent reads).
    /// Without `max_tries` or [`max_hedges`](Self::max_hedges), a new attempt starts every
    /// `delay` while none answers (bounded only by `max_time` and the budget): set either.
    /// Zero, negative or NaN: off, with a warning.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use retry_runtime::{Policy, retry_async};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let calls = AtomicU32::new(0);
    /// let policy = Policy::new().max_tries(3).hedge_delay(Duration::from_millis(50));
    /// let answer: Result<u32, String> = retry_async(policy, || async {
    ///     let attempt = calls.fetch_add(1, Ordering::Relaxed) + 1;
    ///     // The first attempt is slow; the hedge started after 50 ms answers first.
    ///     let took = if attempt == 1 { 1000 } else { 10 };
    ///     tokio::time::sleep(Duration::from_millis(took)).await;
    ///     Ok(attempt)
    /// })
    /// .await;
    /// assert_eq!(answer, Ok(2));
    /// assert_eq!(calls.load(Ordering::Relaxed), 2);
    /// # }
    /// ```
    #[inline]
    pub fn hedge_delay(
        self,
        delay: impl IntoTimeout,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, Timing<E>, K>, S, ST>
    where
        TM: TimingRules<E>,
    {
        let delay = positive_secs(delay.into_timeout(), "hedge_delay");
        let mut timing = self.rules.timing.to_timing();
        timing.hedge_delay = delay;
        timing.hedges = true;
        with_rule!(self, timing = timing)
    }

    /// At most `hedges` attempts per call start because the hedge delay passed with none
    /// answered (a hedge); the call then waits for the running ones. An attempt started after a
    /// failure is a retry, not a hedge: only `max_tries` counts it (every attempt counts there).
    /// Without it, a call whose attempts all hang starts one every `delay`, bounded only by
    /// `max_tries`, `max_time` and the budget; gRPC and .NET bound hedges by default, and so
    /// does `harbor-client`. `0`: the delay never starts an attempt. Only with a hedge delay.
    ///
    /// ```
    /// use std::sync::atomic::{AtomicU32, Ordering};
    /// use std::time::Duration;
    /// use retry_runtime::{Policy, retry_async};
    ///
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)] async fn main() {
    /// let calls = AtomicU32::new(0);
    /// let policy = Policy::new().hedge_delay(Duration::from_millis(50)).max_hedges(1);
    /// let started = tokio::time::Instant::now();
    /// let answer: Result<u32, String> = retry_async(policy, || async {
    ///     let attempt = calls.fetch_add(1, Ordering::Relaxed) + 1;
    ///     tokio::time::sleep(Duration::from_millis(1000)).await; // every attempt is slow
    ///     Ok(attempt)
    /// })
    /// .await;
    /// // One hedge at 50 ms, none after: the first attempt answers at 1 s.
    /// assert_eq!((answer, calls.load(Ordering::Relaxed)), (Ok(1), 2));
    /// assert_eq!(started.elapsed(), Duration::from_secs(1));
    /// # }
    /// ```
    #[inline]
    pub fn max_hedges(
        self,
        hedges: u32,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, Timing<E>, K>, S, ST>
    where
        TM: TimingRules<E>,
    {
        let mut timing = self.rules.timing.to_timing();
        timing.max_hedges = Some(hedges);
        with_rule!(self, timing = timing)
    }
}

// Apart from the setters above: what `#[retry]` calls.
#[allow(clippy::type_complexity)]
impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, K, S, ST>
    Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K>, S, ST>
{
    /// [`Policy::attempt_timeout`] with the bound already checked by
    /// [`__private::attempt_timeout`](crate::__private::attempt_timeout) (at the key).
    #[doc(hidden)]
    #[inline]
    pub fn attempt_timeout_checked(
        self,
        timeout: TimeoutValue<E>,
    ) -> Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, Timing<E>, K>, S, ST>
    where
        TM: TimingRules<E>,
    {
        let limit = positive_secs(timeout.secs, "attempt_timeout");
        let mut timing = self.rules.timing.to_timing();
        timing.attempt_timeout = limit.map(|limit| (limit, timeout.timed_out));
        with_rule!(self, timing = timing)
    }
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, K, S, ST>
    Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K>, S, ST>
{
    /// Whether to return the error on give-up (default true). With `false`, the call returns
    /// the return type's "nothing" value ([`GiveUpValue`](crate::GiveUpValue)) instead, so
    /// `Result<T, E>` must have one (`T` is `()` or an `Option`).
    #[inline]
    pub fn raise_on_giveup(mut self, raise: bool) -> Self
    where
        Result<T, E>: GiveUpValue,
    {
        self.rules.limits.raise_on_giveup = raise;
        self.nothing = Some(<Result<T, E> as GiveUpValue>::nothing);
        self
    }

    /// [`Policy::raise_on_giveup`] for `#[retry]`, which hands the return type's "nothing"
    /// value to the engine itself (named at the key, so a type without one is one error there).
    #[doc(hidden)]
    #[inline]
    pub fn declare_raise_on_giveup(mut self, raise: bool) -> Self {
        self.rules.limits.raise_on_giveup = raise;
        self
    }
}

impl<T, E, Rl, S, ST> Policy<T, E, Rl, S, ST> {
    /// The sleeper (default: tokio for async, `std::thread::sleep` for blocking).
    #[inline]
    pub fn sleeper<S2: Sleeper>(self, sleeper: S2) -> Policy<T, E, Rl, S2, ST> {
        Policy {
            rules: self.rules,
            sleeper,
            settings: self.settings,
            nothing: self.nothing,
            _types: PhantomData,
        }
    }

    /// Run-time settings: when present they replace every value set on this policy except the
    /// sleeper and the `on_result` predicate; `None` (or settings with `enabled = false`) means
    /// a single attempt with no hook.
    #[inline]
    pub fn settings<I: IntoSettings<E>>(self, settings: I) -> Policy<T, E, Rl, S, WithSettings<E>> {
        Policy {
            rules: self.rules,
            sleeper: self.sleeper,
            settings: WithSettings(settings.into_settings()),
            nothing: self.nothing,
            _types: PhantomData,
        }
    }

    /// The "nothing" value a give-up may return, as [`Policy::raise_on_giveup`] set it.
    #[inline]
    pub(crate) fn nothing(&self) -> Option<fn() -> Result<T, E>> {
        self.nothing
    }
}

impl<T, E, Rl, S> Policy<T, E, Rl, S, NoSettings>
where
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    /// Starts one call of `target` (the fn's path). Reads the clock only if a time limit or a
    /// hook needs it.
    #[inline]
    pub fn start(self, target: &'static str) -> Engine<T, E, Rl, S> {
        Engine::new(self.rules, self.sleeper, target, None)
    }

    /// Starts one call of `target` that began at `started`, a time read from this policy's
    /// sleeper before the first attempt (`#[retry]`'s lazy form builds the engine after a
    /// first attempt that failed, and keeps only the start time across it).
    #[inline]
    pub fn start_at(self, target: &'static str, started: Instant) -> Engine<T, E, Rl, S> {
        Engine::new(self.rules, self.sleeper, target, Some(started))
    }
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, K, S>
    Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K>, S, WithSettings<E>>
where
    E: Debug,
    P: ValueFilter<T>,
    S: Sleeper,
    TM: TimingRules<E>,
    K: GuardRules<E>,
{
    /// Starts one call of `target` (the fn's path) under the run-time settings. A per-attempt
    /// timeout or hedge delay set on this policy (by `#[retry]`'s `attempt_timeout` and
    /// `hedge_delay` keys, `hedge_delay = auto` included) wins over the settings' when it is
    /// set; otherwise the settings' apply.
    #[inline]
    pub fn start(self, target: &'static str) -> Engine<T, E, Overlay<E, P>, S> {
        let own_auto = self.rules.guards.auto_hedge();
        let rules = overlay(
            self.settings.0,
            self.rules.predicate,
            &self.rules.timing,
            own_auto,
        );
        Engine::new(rules, self.sleeper, target, None)
    }
}
