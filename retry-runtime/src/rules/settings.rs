//! [`RetrySettings`]: retry configuration chosen at run time (harborapi's `RetrySettings`).

use core::fmt::{self, Debug};
use std::sync::Arc;
use std::time::Duration;

use crate::breaker::{CircuitBreaker, HoldsCircuitOpen};
use crate::budget::RetryBudget;
use crate::classify::{ClassList, ErrorFilter, SingleClass};
use crate::concurrent::{HoldsTimedOut, timed_out_fn};
use crate::details::Details;
use crate::jitter::{Jitter, full_jitter, no_jitter};
use crate::latency::AutoHedge;
use crate::limiter::AdaptiveLimiter;
use crate::rules::slots::{AnyOf, FloorIf, GiveUpIf, HookList, JitterFactory, WaitFactory};
use crate::rules::{Guard, Guards, Limits, PackedLog, Rules, Timing, WaitFloor};
use crate::step::AcceptAll;
use crate::wait::{IntoSeconds, WaitGen, expo, saturating_secs};

/// Retry configuration chosen at run time, with the fields of harborapi's `RetrySettings`.
///
/// Built and validated by [`RetrySettings::builder`]; an invalid value is a [`SettingsError`]
/// naming the field and the rule. Defaults (harborapi's): enabled, every error retried, [`expo`]
/// waits, full jitter, `max_time` 60 s, no limit on tries, errors raised on give-up, the default
/// `tracing` handler on, no retry budget ([`RetrySettingsBuilder::budget`]).
///
/// Cheap to clone (one `Arc`), `Send + Sync`, and immutable: to change settings, build new ones
/// (for example from [`RetrySettings::to_builder`]) and swap them in.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{RetrySettings, wait};
///
/// #[derive(Debug)]
/// enum ApiError { Server(u16), NotFound }
///
/// let settings = RetrySettings::<ApiError>::builder()
///     .max_tries(5)
///     .max_time(120)
///     .wait_gen(wait::expo().base(3).max_value(30))
///     .giveup(|e| matches!(e, ApiError::NotFound))
///     .on_backoff(|d| println!("retrying {} after {} tries", d.target, d.tries))
///     .build()?;
/// assert_eq!(settings.max_tries(), Some(5));
/// assert_eq!(settings.max_time(), Some(Duration::from_secs(120)));
///
/// let invalid = RetrySettings::<ApiError>::builder().max_tries(0).build();
/// assert_eq!(invalid.unwrap_err().to_string(), "max_tries must be greater than 0");
/// # Ok::<(), retry_runtime::SettingsError>(())
/// ```
pub struct RetrySettings<E> {
    inner: Arc<Inner<E>>,
}

/// What settings share: the one rule type with its slots erased, plus the switch.
struct Inner<E> {
    enabled: bool,
    rules: ErasedRules<E>,
}

/// [`Rules`] with every slot erased, so that settings of any content have one type.
pub(crate) type ErasedRules<E> = Rules<
    AnyOf<E>,
    WaitFactory<E>,
    JitterFactory,
    GiveUpIf<E>,
    AcceptAll,
    HookList<E>,
    HookList<E>,
    HookList<E>,
    Option<RetryBudget>,
    FloorIf<E>,
    Timing<E>,
    Guards<E>,
>;

// By hand: a derive would ask `E: Clone`, where only the slots must be.
impl<E> Clone for Inner<E> {
    fn clone(&self) -> Self {
        Inner {
            enabled: self.enabled,
            rules: self.rules.clone(),
        }
    }
}

impl<E> Clone for RetrySettings<E> {
    fn clone(&self) -> Self {
        RetrySettings {
            inner: Arc::clone(&self.inner),
        }
    }
}

impl<E> Debug for RetrySettings<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let r = &self.inner.rules;
        f.debug_struct("RetrySettings")
            .field("enabled", &self.inner.enabled)
            .field("exception_classes", &r.exception.0.len())
            .field("max_tries", &r.limits.max_tries)
            .field("max_time", &r.limits.max_time)
            .field("giveup", &r.giveup.0.is_some())
            .field("on_success", &r.on_success.0.len())
            .field("on_backoff", &r.on_backoff.0.len())
            .field("on_giveup", &r.on_giveup.0.len())
            .field("raise_on_giveup", &r.limits.raise_on_giveup)
            .field("log", &r.limits.log.unpack())
            .field("budget", &r.budget)
            .field("wait_floor", &r.wait_floor.0.is_some())
            .field("attempt_timeout", &r.timing.attempt_timeout.map(|(t, _)| t))
            .field("hedge_delay", &r.timing.hedge_delay)
            .field("max_hedges", &r.timing.max_hedges)
            .field("breaker", &r.guards.breaker)
            .field("limiter", &r.guards.limiter)
            .field("hedge_auto", &r.guards.auto_hedge)
            .finish_non_exhaustive()
    }
}

impl<E: 'static> Default for RetrySettings<E> {
    fn default() -> Self {
        RetrySettings {
            inner: Arc::new(Inner::defaults()),
        }
    }
}

impl<E: 'static> Inner<E> {
    /// harborapi's defaults: on, `max_time` 60 s, expo waits, full jitter.
    fn defaults() -> Self {
        Inner {
            enabled: true,
            rules: Rules {
                limits: Limits {
                    max_time: Some(Duration::from_secs(60)),
                    ..Limits::UNLIMITED
                },
                exception: AnyOf(Vec::new()),
                wait: WaitFactory(Arc::new(|| Box::new(expo()))),
                jitter: JitterFactory(Arc::new(|| {
                    Box::new(full_jitter as fn(Duration) -> Duration)
                })),
                giveup: GiveUpIf(None),
                predicate: AcceptAll,
                on_success: HookList(Vec::new()),
                on_backoff: HookList(Vec::new()),
                on_giveup: HookList(Vec::new()),
                budget: None,
                wait_floor: FloorIf(None),
                timing: Timing::NONE,
                guards: Guards::NONE,
            },
        }
    }
}

impl<E: 'static> RetrySettings<E> {
    /// A builder starting from the defaults.
    pub fn builder() -> RetrySettingsBuilder<E> {
        RetrySettingsBuilder {
            inner: Inner::defaults(),
            max_tries: None,
            max_time: Some(60.0),
            attempt_timeout: None,
            hedge_delay: None,
        }
    }

    /// A builder starting from these settings (to derive changed settings).
    pub fn to_builder(&self) -> RetrySettingsBuilder<E> {
        RetrySettingsBuilder {
            inner: (*self.inner).clone(),
            max_tries: self.inner.rules.limits.max_tries,
            max_time: self.inner.rules.limits.max_time.map(|t| t.as_secs_f64()),
            attempt_timeout: self.attempt_timeout().map(|t| t.as_secs_f64()),
            hedge_delay: self.hedge_delay().map(|t| t.as_secs_f64()),
        }
    }
}

impl<E> RetrySettings<E> {
    /// Whether retrying is on.
    pub fn enabled(&self) -> bool {
        self.inner.enabled
    }
    /// The limit on attempts (`None`: no limit).
    pub fn max_tries(&self) -> Option<u32> {
        self.inner.rules.limits.max_tries
    }
    /// The limit on time (`None`: no limit).
    pub fn max_time(&self) -> Option<Duration> {
        self.inner.rules.limits.max_time
    }
    /// Whether the error is returned on give-up.
    pub fn raise_on_giveup(&self) -> bool {
        self.inner.rules.limits.raise_on_giveup
    }
    /// The retry budget shared by the calls using these settings (`None`: no budget, the
    /// default).
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.inner.rules.budget.as_ref()
    }

    /// The adaptive rate limiter shared by the calls using these settings (`None`: none, the
    /// default).
    pub fn limiter(&self) -> Option<&AdaptiveLimiter> {
        self.inner.rules.guards.limiter.as_ref()
    }

    /// The self-tuning hedge delay (`None`: none, the default).
    pub fn hedge_auto(&self) -> Option<&AutoHedge> {
        self.inner.rules.guards.auto_hedge.as_ref()
    }

    /// The circuit breaker shared by the calls using these settings (`None`: no breaker, the
    /// default).
    pub fn breaker(&self) -> Option<&CircuitBreaker> {
        self.inner
            .rules
            .guards
            .breaker
            .as_ref()
            .map(|guard| &guard.breaker)
    }
    /// Whether `error` is in the retried classes (every error when no class was given).
    pub fn catches(&self, error: &E) -> bool {
        self.inner.rules.exception.test(error)
    }
    /// The least wait `error` asks for (see [`RetrySettingsBuilder::wait_floor`]); `None`
    /// when no floor is set or the error asks for none.
    pub fn wait_floor(&self, error: &E) -> Option<Duration> {
        self.inner.rules.wait_floor.floor(error)
    }
    /// The longest one attempt may run (`None`: no per-attempt timeout, the default). See
    /// [`RetrySettingsBuilder::attempt_timeout`].
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.inner
            .rules
            .timing
            .attempt_timeout
            .map(|(timeout, _)| timeout)
    }
    /// The hedge delay (`None`: no hedging, the default). See
    /// [`RetrySettingsBuilder::hedge_delay`].
    pub fn hedge_delay(&self) -> Option<Duration> {
        self.inner.rules.timing.hedge_delay
    }
    /// The most attempts one call starts because the hedge delay passed (`None`: no limit
    /// of its own, the default). See [`RetrySettingsBuilder::max_hedges`].
    pub fn max_hedges(&self) -> Option<u32> {
        self.inner.rules.timing.max_hedges
    }
    /// Whether a wait floor is set.
    pub fn has_wait_floor(&self) -> bool {
        self.inner.rules.wait_floor.0.is_some()
    }
    /// Whether the give-up predicate holds for `error` (false when none is set).
    pub fn gives_up(&self, error: &E) -> bool {
        self.inner.rules.giveup.test(error)
    }

    /// The shared rules, whether the settings are on or off: the overlay keeps settings only
    /// when they are on, and checks that once per call.
    pub(crate) fn rules(&self) -> &ErasedRules<E> {
        &self.inner.rules
    }
}

/// Builds [`RetrySettings`]; [`RetrySettingsBuilder::build`] validates.
pub struct RetrySettingsBuilder<E> {
    inner: Inner<E>,
    // Kept raw until `build` so that invalid values become errors, not panics.
    max_tries: Option<u32>,
    max_time: Option<f64>,
    attempt_timeout: Option<f64>,
    hedge_delay: Option<f64>,
}

impl<E> Debug for RetrySettingsBuilder<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetrySettingsBuilder")
            .field("max_tries", &self.max_tries)
            .field("max_time", &self.max_time)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("hedge_delay", &self.hedge_delay)
            .finish_non_exhaustive()
    }
}

impl<E: 'static> RetrySettingsBuilder<E> {
    /// Whether retrying is on (default true). Off: every call makes one attempt, no hook runs.
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.inner.enabled = enabled;
        self
    }

    /// Adds an error class to retry (any-of; with none, every error is retried). For a tuple
    /// of classes, use [`exceptions`](Self::exceptions).
    pub fn exception<C: SingleClass<E> + ?Sized + 'static>(mut self) -> Self {
        self.inner
            .rules
            .exception
            .0
            .push(Arc::new(C::is_instance_of));
        self
    }

    /// Adds a tuple of error classes to retry, as harborapi's
    /// `exception=(InternalServerError, MethodNotAllowed)`: `.exceptions::<(A, B)>()`.
    pub fn exceptions<L: ClassList<E> + 'static>(mut self) -> Self {
        self.inner.rules.exception.0.push(Arc::new(L::contains));
        self
    }

    /// Adds a predicate selecting errors to retry (any-of with the classes).
    pub fn exception_if(mut self, predicate: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.inner.rules.exception.0.push(Arc::new(predicate));
        self
    }

    /// The most attempts; must be greater than 0. `None`: no limit (the default).
    pub fn max_tries(mut self, max_tries: impl Into<Option<u32>>) -> Self {
        self.max_tries = max_tries.into();
        self
    }

    /// The longest time in seconds or as a `Duration`; must be finite and at least 0.
    pub fn max_time(mut self, max_time: impl IntoSeconds) -> Self {
        self.max_time = Some(max_time.into_seconds());
        self
    }

    /// No limit on time (harborapi's `max_time=None`).
    pub fn no_max_time(mut self) -> Self {
        self.max_time = None;
        self
    }

    /// The wait generator, with its parameters set (`wait::expo().base(3)`); a fresh copy runs
    /// for every call.
    pub fn wait_gen<W>(mut self, wait_gen: W) -> Self
    where
        W: WaitGen<E> + Clone + Send + Sync + 'static,
    {
        self.inner.rules.wait = WaitFactory(Arc::new(move || Box::new(wait_gen.clone())));
        self
    }

    /// The jitter (default full jitter); a fresh copy runs for every call.
    pub fn jitter<J>(mut self, jitter: J) -> Self
    where
        J: Jitter + Clone + Send + Sync + 'static,
    {
        self.inner.rules.jitter = JitterFactory(Arc::new(move || Box::new(jitter.clone())));
        self
    }

    /// No jitter.
    pub fn no_jitter(self) -> Self {
        self.jitter(no_jitter as fn(Duration) -> Duration)
    }

    /// A predicate on caught errors: when it holds, the call gives up at once. Replaces any
    /// predicate set before (see [`also_giveup`](Self::also_giveup) to add one instead).
    pub fn giveup(mut self, giveup: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.inner.rules.giveup = GiveUpIf(Some(Arc::new(giveup)));
        self
    }

    /// Adds a give-up predicate to the one already set: the call gives up when either holds
    /// (the one set before is asked first). For code that derives settings from someone
    /// else's, such as a client adding its own rule without dropping the user's.
    ///
    /// ```
    /// use retry_runtime::RetrySettings;
    ///
    /// #[derive(Debug)]
    /// enum ApiError { NotFound, Conflict, Unavailable }
    ///
    /// let users = RetrySettings::<ApiError>::builder()
    ///     .giveup(|e| matches!(e, ApiError::NotFound))
    ///     .build()
    ///     .unwrap();
    /// let derived = users
    ///     .to_builder()
    ///     .also_giveup(|e| matches!(e, ApiError::Conflict))
    ///     .build()
    ///     .unwrap();
    /// assert!(derived.gives_up(&ApiError::NotFound));
    /// assert!(derived.gives_up(&ApiError::Conflict));
    /// assert!(!derived.gives_up(&ApiError::Unavailable));
    /// ```
    pub fn also_giveup(mut self, giveup: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.inner.rules.giveup = GiveUpIf(Some(match self.inner.rules.giveup.0.take() {
            Some(first) => Arc::new(move |error: &E| first(error) || giveup(error)),
            None => Arc::new(giveup),
        }));
        self
    }

    /// The least wait an error asks for, such as an HTTP `Retry-After`: before the next
    /// attempt the call waits the larger of the generator's (jittered) wait and this, still
    /// cut to the time left under `max_time`. [`Details::wait`] and the backoff log show the
    /// wait actually taken.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::RetrySettings;
    ///
    /// #[derive(Debug)]
    /// struct Busy { retry_after: Option<Duration> }
    ///
    /// let settings = RetrySettings::<Busy>::builder()
    ///     .wait_floor(|e| e.retry_after)
    ///     .build()
    ///     .unwrap();
    /// let busy = Busy { retry_after: Some(Duration::from_secs(3)) };
    /// assert_eq!(settings.wait_floor(&busy), Some(Duration::from_secs(3)));
    /// ```
    pub fn wait_floor(
        mut self,
        floor: impl Fn(&E) -> Option<Duration> + Send + Sync + 'static,
    ) -> Self {
        self.inner.rules.wait_floor = FloorIf(Some(Arc::new(floor)));
        self
    }

    /// No wait floor (the default).
    pub fn no_wait_floor(mut self) -> Self {
        self.inner.rules.wait_floor = FloorIf(None);
        self
    }

    /// Adds a success hook (hooks run in the order added).
    pub fn on_success(mut self, hook: impl Fn(&Details<'_, E>) + Send + Sync + 'static) -> Self {
        self.inner.rules.on_success.0.push(Arc::new(hook));
        self
    }

    /// Adds a backoff hook (after the default handler, in the order added).
    pub fn on_backoff(mut self, hook: impl Fn(&Details<'_, E>) + Send + Sync + 'static) -> Self {
        self.inner.rules.on_backoff.0.push(Arc::new(hook));
        self
    }

    /// Adds a give-up hook (after the default handler, in the order added).
    pub fn on_giveup(mut self, hook: impl Fn(&Details<'_, E>) + Send + Sync + 'static) -> Self {
        self.inner.rules.on_giveup.0.push(Arc::new(hook));
        self
    }

    /// Whether the error is returned on give-up (default true). `false` takes effect where the
    /// call was built with `raise_on_giveup` (the return type has a "nothing" value); elsewhere
    /// the error is still returned, since there is nothing else to return.
    pub fn raise_on_giveup(mut self, raise: bool) -> Self {
        self.inner.rules.limits.raise_on_giveup = raise;
        self
    }

    /// Switches the default `tracing` handler on or off (default on).
    pub fn logger(mut self, enabled: bool) -> Self {
        self.inner.rules.limits.log.enabled = enabled;
        self
    }

    /// A retry budget shared by every call using these settings, their clones and anything
    /// else holding a clone of `budget` (default: none). Each call deposits into it when it
    /// starts, each retry withdraws from it, and a call whose retry is refused gives up with
    /// [`GiveUpReason::BudgetExhausted`](crate::GiveUpReason::BudgetExhausted).
    ///
    /// ```
    /// use retry_runtime::{RetrySettings, budget::RetryBudget};
    ///
    /// let budget = RetryBudget::builder().ratio(0.1).build()?;
    /// let settings = RetrySettings::<std::io::Error>::builder().budget(budget.clone()).build()?;
    /// assert!(settings.budget().unwrap().shares_bucket_with(&budget));
    /// // Settings derived from these share the same bucket; `no_budget` removes it.
    /// assert!(settings.to_builder().build()?.budget().is_some());
    /// assert!(settings.to_builder().no_budget().build()?.budget().is_none());
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn budget(mut self, budget: RetryBudget) -> Self {
        self.inner.rules.budget = Some(budget);
        self
    }

    /// No retry budget (the default).
    pub fn no_budget(mut self) -> Self {
        self.inner.rules.budget = None;
        self
    }

    /// A circuit breaker shared by every call using these settings, their clones and anything
    /// else holding a clone of `breaker` (default: none). An open breaker refuses a call before
    /// its first attempt with `E::from(CircuitOpen)` (hence the bound) and ends a call between
    /// attempts with its last error; [`GiveUpReason::CircuitOpen`](crate::GiveUpReason::CircuitOpen)
    /// is the reason either way. With [`Partition::PerTarget`](crate::partition::Partition), each
    /// retried fn has its own state.
    ///
    /// ```
    /// use retry_runtime::{CircuitBreaker, CircuitOpen, RetrySettings};
    ///
    /// #[derive(Debug)]
    /// struct Unavailable;
    /// impl From<CircuitOpen> for Unavailable {
    ///     fn from(_: CircuitOpen) -> Self { Unavailable }
    /// }
    ///
    /// let breaker = CircuitBreaker::builder().build()?;
    /// let settings = RetrySettings::<Unavailable>::builder().breaker(breaker.clone()).build()?;
    /// assert!(settings.breaker().unwrap().shares_state_with(&breaker));
    /// assert!(settings.to_builder().no_breaker().build()?.breaker().is_none());
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn breaker(mut self, breaker: CircuitBreaker) -> Self
    where
        E: HoldsCircuitOpen,
    {
        self.inner.rules.guards.breaker = Some(Guard {
            breaker,
            open: E::from_circuit_open,
        });
        self
    }

    /// No circuit breaker (the default).
    pub fn no_breaker(mut self) -> Self {
        self.inner.rules.guards.breaker = None;
        self
    }

    /// An adaptive client-side rate limiter shared by every call using these settings
    /// (default: none): each attempt reserves a send and waits what it says; an error with a
    /// wait floor (a `Retry-After`) lowers its rate, any other answer lets it recover (see
    /// [`Policy::limiter`](crate::Policy::limiter)).
    ///
    /// ```
    /// use retry_runtime::{RetrySettings, limiter::AdaptiveLimiter};
    ///
    /// let limiter = AdaptiveLimiter::builder().build()?;
    /// let settings = RetrySettings::<std::io::Error>::builder().limiter(limiter.clone()).build()?;
    /// assert!(settings.limiter().unwrap().shares_state_with(&limiter));
    /// assert!(settings.to_builder().no_limiter().build()?.limiter().is_none());
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn limiter(mut self, limiter: AdaptiveLimiter) -> Self {
        self.inner.rules.guards.limiter = Some(limiter);
        self
    }

    /// No rate limiter (the default).
    pub fn no_limiter(mut self) -> Self {
        self.inner.rules.guards.limiter = None;
        self
    }

    /// A hedge delay that tunes itself (see [`Policy::hedge_auto`](crate::Policy::hedge_auto)),
    /// for the `#[retry]` fns that may hedge (their attribute names `hedge_delay`) and
    /// [`retry_async`](crate::retry_async): replaces a fixed [`hedge_delay`](Self::hedge_delay);
    /// [`no_hedge_delay`](Self::no_hedge_delay) removes either.
    ///
    /// ```
    /// use retry_runtime::{RetrySettings, latency::AutoHedge};
    ///
    /// let settings = RetrySettings::<std::io::Error>::builder().hedge_auto(AutoHedge::default()).build()?;
    /// assert!(settings.hedge_auto().is_some() && settings.hedge_delay().is_none());
    /// assert!(settings.to_builder().no_hedge_delay().build()?.hedge_auto().is_none());
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn hedge_auto(mut self, auto: AutoHedge) -> Self {
        self.inner.rules.guards.auto_hedge = Some(auto);
        self.hedge_delay = None;
        self.inner.rules.timing.hedge_delay = None;
        self
    }

    /// The longest one attempt may run, in seconds or as a `Duration`; must be finite and
    /// greater than 0. An attempt still running then is dropped and fails with
    /// `E::from(AttemptTimedOut)` (hence the bound), cut to the time left before `max_time`.
    /// Applies to `#[retry]` fns whose attribute names `attempt_timeout` (their expansion can
    /// drop an attempt) when that key's value is `None`, and to [`retry_async`](crate::retry_async);
    /// a blocking call cannot be cancelled, so sync fns never time out.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{AttemptTimedOut, RetrySettings};
    ///
    /// #[derive(Debug)]
    /// struct TimedOut;
    /// impl From<AttemptTimedOut> for TimedOut {
    ///     fn from(_: AttemptTimedOut) -> Self { TimedOut }
    /// }
    ///
    /// let settings = RetrySettings::<TimedOut>::builder().attempt_timeout(2.5).build()?;
    /// assert_eq!(settings.attempt_timeout(), Some(Duration::from_millis(2500)));
    /// let invalid = RetrySettings::<TimedOut>::builder().attempt_timeout(0).build();
    /// assert_eq!(invalid.unwrap_err().to_string(), "attempt_timeout must be finite and greater than 0");
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn attempt_timeout(mut self, timeout: impl IntoSeconds) -> Self
    where
        E: HoldsTimedOut,
    {
        self.attempt_timeout = Some(timeout.into_seconds());
        self.inner.rules.timing.attempt_timeout = Some((Duration::ZERO, timed_out_fn::<E>()));
        self
    }

    /// No per-attempt timeout (the default).
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = None;
        self.inner.rules.timing.attempt_timeout = None;
        self
    }

    /// Hedging after `delay` (seconds or a `Duration`; finite and greater than 0): when an
    /// attempt has not answered by then, the next one starts beside it and the first success
    /// wins ([`Policy::hedge_delay`](crate::Policy::hedge_delay) has the rules). Applies to
    /// `#[retry]` fns whose attribute names `hedge_delay` (they are the ones whose body may run
    /// twice at once) when that key's value is `None`, and to [`retry_async`](crate::retry_async).
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::RetrySettings;
    ///
    /// let settings = RetrySettings::<String>::builder().max_tries(3).hedge_delay(0.2).build()?;
    /// assert_eq!(settings.hedge_delay(), Some(Duration::from_millis(200)));
    /// assert_eq!(settings.to_builder().no_hedge_delay().build()?.hedge_delay(), None);
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn hedge_delay(mut self, delay: impl IntoSeconds) -> Self {
        self.hedge_delay = Some(delay.into_seconds());
        self.inner.rules.guards.auto_hedge = None;
        self
    }

    /// No hedging (the default): neither a fixed delay nor a self-tuning one.
    pub fn no_hedge_delay(mut self) -> Self {
        self.hedge_delay = None;
        self.inner.rules.timing.hedge_delay = None;
        self.inner.rules.guards.auto_hedge = None;
        self
    }

    /// At most `hedges` attempts per call start because the hedge delay passed
    /// ([`Policy::max_hedges`](crate::Policy::max_hedges) has the rules); attempts started after
    /// a failure are retries, not hedges, and only `max_tries` counts them. `0` means the delay
    /// never starts an attempt.
    ///
    /// ```
    /// use retry_runtime::RetrySettings;
    ///
    /// let settings = RetrySettings::<String>::builder().hedge_delay(0.05).max_hedges(2).build()?;
    /// assert_eq!(settings.max_hedges(), Some(2));
    /// assert_eq!(settings.to_builder().no_max_hedges().build()?.max_hedges(), None);
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn max_hedges(mut self, hedges: u32) -> Self {
        self.inner.rules.timing.max_hedges = Some(hedges);
        self
    }

    /// No limit of its own on hedges (the default): `max_tries`, `max_time` and the budget
    /// still bound them.
    pub fn no_max_hedges(mut self) -> Self {
        self.inner.rules.timing.max_hedges = None;
        self
    }

    /// The level of the default handler's backoff events (default INFO).
    pub fn backoff_log_level(mut self, level: tracing::Level) -> Self {
        self.inner.rules.limits.log.backoff_level = PackedLog::level_index(level);
        self
    }

    /// The level of the default handler's give-up events (default ERROR).
    pub fn giveup_log_level(mut self, level: tracing::Level) -> Self {
        self.inner.rules.limits.log.giveup_level = PackedLog::level_index(level);
        self
    }

    /// Validates and builds: `max_tries` > 0, `max_time` finite and >= 0, `attempt_timeout`
    /// and `hedge_delay` finite and > 0. Every violation is reported.
    pub fn build(mut self) -> Result<RetrySettings<E>, SettingsError> {
        let mut violations = Vec::new();
        if self.max_tries == Some(0) {
            violations.push(Violation {
                field: "max_tries",
                rule: "must be greater than 0",
            });
        }
        if let Some(secs) = self.max_time
            && !(secs.is_finite() && secs >= 0.0)
        {
            violations.push(Violation {
                field: "max_time",
                rule: "must be finite and at least 0",
            });
        }
        for (field, secs) in [
            ("attempt_timeout", self.attempt_timeout),
            ("hedge_delay", self.hedge_delay),
        ] {
            if let Some(secs) = secs
                && !(secs.is_finite() && secs > 0.0)
            {
                violations.push(Violation {
                    field,
                    rule: "must be finite and greater than 0",
                });
            }
        }
        if !violations.is_empty() {
            return Err(SettingsError { violations });
        }
        let rules = &mut self.inner.rules;
        rules.limits.max_tries = self.max_tries;
        rules.limits.max_time = self.max_time.map(saturating_secs);
        if let (Some(secs), Some((timeout, _))) =
            (self.attempt_timeout, rules.timing.attempt_timeout.as_mut())
        {
            *timeout = saturating_secs(secs);
        }
        rules.timing.hedge_delay = self.hedge_delay.map(saturating_secs);
        Ok(RetrySettings {
            inner: Arc::new(self.inner),
        })
    }
}

/// One rule a settings field broke (`#[non_exhaustive]`: read its fields, compare with
/// [`Violation::new`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Violation {
    /// The field (`max_tries`).
    pub field: &'static str,
    /// The rule (`must be greater than 0`).
    pub rule: &'static str,
}

impl Violation {
    /// The rule `rule` of the field `field`.
    ///
    /// ```
    /// use retry_runtime::{RetrySettings, Violation};
    /// let error = RetrySettings::<()>::builder().max_tries(0).build().unwrap_err();
    /// assert_eq!(error.violations(), [Violation::new("max_tries", "must be greater than 0")]);
    /// ```
    pub fn new(field: &'static str, rule: &'static str) -> Self {
        Violation { field, rule }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.field, self.rule)
    }
}

/// Invalid [`RetrySettings`] or [`RetryBudget`]: every field and the rule it broke
/// (`max_tries must be greater than 0`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SettingsError {
    violations: Vec<Violation>,
}

impl SettingsError {
    pub(crate) fn new(violations: Vec<Violation>) -> Self {
        SettingsError { violations }
    }

    /// The broken rules, in field order.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
}

impl fmt::Display for SettingsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, v) in self.violations.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{v}")?;
        }
        Ok(())
    }
}

impl std::error::Error for SettingsError {}

/// Marks a policy with no run-time settings: its own values apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSettings;

/// Marks a policy given run-time settings (possibly `None`).
#[doc(hidden)]
pub struct WithSettings<E>(pub(crate) Option<RetrySettings<E>>);

impl<E> Clone for WithSettings<E> {
    fn clone(&self) -> Self {
        WithSettings(self.0.clone())
    }
}

/// What `Policy::settings` accepts: `RetrySettings<E>`, `&RetrySettings<E>`,
/// `Option<RetrySettings<E>>` or `&Option<RetrySettings<E>>` (`None`: no retrying).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not retry settings for errors of type `{E}`",
    label = "expected a `RetrySettings<{E}>`, a `&RetrySettings<{E}>`, or an `Option` of one",
    note = "build them with `retry_runtime::RetrySettings::builder()...build()?`; `settings = None` means one attempt"
)]
pub trait IntoSettings<E> {
    /// The settings, or `None` for "one attempt, no hooks".
    fn into_settings(self) -> Option<RetrySettings<E>>;

    /// The identity, through which `#[retry]` passes a `settings` value: a value of the
    /// wrong type is one error, at the value (see
    /// [`WaitGen::__retry_checked`](crate::wait::WaitGen::__retry_checked)).
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl IntoSettings<E>
    where
        Self: Sized,
    {
        self
    }
}

impl<E> IntoSettings<E> for RetrySettings<E> {
    fn into_settings(self) -> Option<RetrySettings<E>> {
        Some(self)
    }
}
impl<E> IntoSettings<E> for &RetrySettings<E> {
    fn into_settings(self) -> Option<RetrySettings<E>> {
        Some(self.clone())
    }
}
impl<E> IntoSettings<E> for Option<RetrySettings<E>> {
    fn into_settings(self) -> Option<RetrySettings<E>> {
        self
    }
}
impl<E> IntoSettings<E> for &Option<RetrySettings<E>> {
    fn into_settings(self) -> Option<RetrySettings<E>> {
        self.clone()
    }
}
