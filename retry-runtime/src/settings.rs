//! [`RetrySettings`]: retry configuration chosen at run time (harborapi's `RetrySettings`).

use core::fmt::{self, Debug};
use std::sync::Arc;
use std::time::Duration;

use crate::budget::RetryBudget;
use crate::classify::{ClassList, SingleClass};
use crate::concurrent::{HoldsTimedOut, TimedOutFn, timed_out_fn};
use crate::details::Details;
use crate::hooks::LogConfig;
use crate::jitter::{Jitter, full_jitter, no_jitter};
use crate::rules::{NoTiming, Rules, TimingRules};
use crate::step::ValueFilter;
use crate::wait::{IntoSeconds, Last, WaitGen, expo, saturating_secs};

type ErrorPredicate<E> = Arc<dyn Fn(&E) -> bool + Send + Sync>;
type WaitFloor<E> = Arc<dyn Fn(&E) -> Option<Duration> + Send + Sync>;
type SharedHook<E> = Arc<dyn Fn(&Details<'_, E>) + Send + Sync>;
type WaitFactory<E> = Arc<dyn Fn() -> Box<dyn WaitGen<E> + Send> + Send + Sync>;
type JitterFactory = Arc<dyn Fn() -> Box<dyn Jitter + Send> + Send + Sync>;

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

struct Inner<E> {
    enabled: bool,
    exception: Vec<ErrorPredicate<E>>,
    max_tries: Option<u32>,
    max_time: Option<Duration>,
    wait_gen: WaitFactory<E>,
    jitter: JitterFactory,
    giveup: Option<ErrorPredicate<E>>,
    on_success: Vec<SharedHook<E>>,
    on_backoff: Vec<SharedHook<E>>,
    on_giveup: Vec<SharedHook<E>>,
    raise_on_giveup: bool,
    log: LogConfig,
    budget: Option<RetryBudget>,
    wait_floor: Option<WaitFloor<E>>,
    attempt_timeout: Option<(Duration, TimedOutFn<E>)>,
    hedge_delay: Option<Duration>,
    max_hedges: Option<u32>,
}

impl<E> Clone for Inner<E> {
    fn clone(&self) -> Self {
        Inner {
            enabled: self.enabled,
            exception: self.exception.clone(),
            max_tries: self.max_tries,
            max_time: self.max_time,
            wait_gen: Arc::clone(&self.wait_gen),
            jitter: Arc::clone(&self.jitter),
            giveup: self.giveup.clone(),
            on_success: self.on_success.clone(),
            on_backoff: self.on_backoff.clone(),
            on_giveup: self.on_giveup.clone(),
            raise_on_giveup: self.raise_on_giveup,
            log: self.log,
            budget: self.budget.clone(),
            wait_floor: self.wait_floor.clone(),
            attempt_timeout: self.attempt_timeout,
            hedge_delay: self.hedge_delay,
            max_hedges: self.max_hedges,
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
        let i = &self.inner;
        f.debug_struct("RetrySettings")
            .field("enabled", &i.enabled)
            .field("exception_classes", &i.exception.len())
            .field("max_tries", &i.max_tries)
            .field("max_time", &i.max_time)
            .field("giveup", &i.giveup.is_some())
            .field("on_success", &i.on_success.len())
            .field("on_backoff", &i.on_backoff.len())
            .field("on_giveup", &i.on_giveup.len())
            .field("raise_on_giveup", &i.raise_on_giveup)
            .field("log", &i.log)
            .field("budget", &i.budget)
            .field("wait_floor", &i.wait_floor.is_some())
            .field("attempt_timeout", &i.attempt_timeout.map(|(t, _)| t))
            .field("hedge_delay", &i.hedge_delay)
            .field("max_hedges", &i.max_hedges)
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
    fn defaults() -> Self {
        Inner {
            enabled: true,
            exception: Vec::new(),
            max_tries: None,
            max_time: Some(Duration::from_secs(60)),
            wait_gen: Arc::new(|| Box::new(expo())),
            jitter: Arc::new(|| Box::new(full_jitter as fn(Duration) -> Duration)),
            giveup: None,
            on_success: Vec::new(),
            on_backoff: Vec::new(),
            on_giveup: Vec::new(),
            raise_on_giveup: true,
            log: LogConfig::default(),
            budget: None,
            wait_floor: None,
            attempt_timeout: None,
            hedge_delay: None,
            max_hedges: None,
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
            max_tries: self.inner.max_tries,
            max_time: self.inner.max_time.map(|t| t.as_secs_f64()),
            attempt_timeout: self.inner.attempt_timeout.map(|(t, _)| t.as_secs_f64()),
            hedge_delay: self.inner.hedge_delay.map(|t| t.as_secs_f64()),
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
        self.inner.max_tries
    }
    /// The limit on time (`None`: no limit).
    pub fn max_time(&self) -> Option<Duration> {
        self.inner.max_time
    }
    /// Whether the error is returned on give-up.
    pub fn raise_on_giveup(&self) -> bool {
        self.inner.raise_on_giveup
    }
    /// The retry budget shared by the calls using these settings (`None`: no budget, the
    /// default).
    pub fn budget(&self) -> Option<&RetryBudget> {
        self.inner.budget.as_ref()
    }
    /// Whether `error` is in the retried classes (every error when no class was given).
    pub fn catches(&self, error: &E) -> bool {
        self.inner.exception.is_empty() || self.inner.exception.iter().any(|c| c(error))
    }
    /// The least wait `error` asks for (see [`RetrySettingsBuilder::wait_floor`]); `None`
    /// when no floor is set or the error asks for none.
    pub fn wait_floor(&self, error: &E) -> Option<Duration> {
        self.inner
            .wait_floor
            .as_ref()
            .and_then(|floor| floor(error))
    }
    /// The longest one attempt may run (`None`: no per-attempt timeout, the default). See
    /// [`RetrySettingsBuilder::attempt_timeout`].
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.inner.attempt_timeout.map(|(timeout, _)| timeout)
    }
    /// The hedge delay (`None`: no hedging, the default). See
    /// [`RetrySettingsBuilder::hedge_delay`].
    pub fn hedge_delay(&self) -> Option<Duration> {
        self.inner.hedge_delay
    }
    /// The most attempts one call starts because the hedge delay passed (`None`: no limit
    /// of its own, the default). See [`RetrySettingsBuilder::max_hedges`].
    pub fn max_hedges(&self) -> Option<u32> {
        self.inner.max_hedges
    }
    /// Whether a wait floor is set.
    pub fn has_wait_floor(&self) -> bool {
        self.inner.wait_floor.is_some()
    }
    /// Whether the give-up predicate holds for `error` (false when none is set).
    pub fn gives_up(&self, error: &E) -> bool {
        self.inner
            .giveup
            .as_ref()
            .is_some_and(|giveup| giveup(error))
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
        self.inner.exception.push(Arc::new(C::is_instance_of));
        self
    }

    /// Adds a tuple of error classes to retry, as harborapi's
    /// `exception=(InternalServerError, MethodNotAllowed)`: `.exceptions::<(A, B)>()`.
    pub fn exceptions<L: ClassList<E> + 'static>(mut self) -> Self {
        self.inner.exception.push(Arc::new(L::contains));
        self
    }

    /// Adds a predicate selecting errors to retry (any-of with the classes).
    pub fn exception_if(mut self, predicate: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.inner.exception.push(Arc::new(predicate));
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
        self.inner.wait_gen = Arc::new(move || Box::new(wait_gen.clone()));
        self
    }

    /// The jitter (default full jitter); a fresh copy runs for every call.
    pub fn jitter<J>(mut self, jitter: J) -> Self
    where
        J: Jitter + Clone + Send + Sync + 'static,
    {
        self.inner.jitter = Arc::new(move || Box::new(jitter.clone()));
        self
    }

    /// No jitter.
    pub fn no_jitter(self) -> Self {
        self.jitter(no_jitter as fn(Duration) -> Duration)
    }

    /// A predicate on caught errors: when it holds, the call gives up at once. Replaces any
    /// predicate set before (see [`also_giveup`](Self::also_giveup) to add one instead).
    pub fn giveup(mut self, giveup: impl Fn(&E) -> bool + Send + Sync + 'static) -> Self {
        self.inner.giveup = Some(Arc::new(giveup));
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
        self.inner.giveup = Some(match self.inner.giveup.take() {
            Some(first) => Arc::new(move |error: &E| first(error) || giveup(error)),
            None => Arc::new(giveup),
        });
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
        self.inner.wait_floor = Some(Arc::new(floor));
        self
    }

    /// No wait floor (the default).
    pub fn no_wait_floor(mut self) -> Self {
        self.inner.wait_floor = None;
        self
    }

    /// Adds a success hook (hooks run in the order added).
    pub fn on_success(mut self, hook: impl Fn(&Details<'_, E>) + Send + Sync + 'static) -> Self {
        self.inner.on_success.push(Arc::new(hook));
        self
    }

    /// Adds a backoff hook (after the default handler, in the order added).
    pub fn on_backoff(mut self, hook: impl Fn(&Details<'_, E>) + Send + Sync + 'static) -> Self {
        self.inner.on_backoff.push(Arc::new(hook));
        self
    }

    /// Adds a give-up hook (after the default handler, in the order added).
    pub fn on_giveup(mut self, hook: impl Fn(&Details<'_, E>) + Send + Sync + 'static) -> Self {
        self.inner.on_giveup.push(Arc::new(hook));
        self
    }

    /// Whether the error is returned on give-up (default true). `false` takes effect where the
    /// call was built with `raise_on_giveup` (the return type has a "nothing" value); elsewhere
    /// the error is still returned, since there is nothing else to return.
    pub fn raise_on_giveup(mut self, raise: bool) -> Self {
        self.inner.raise_on_giveup = raise;
        self
    }

    /// Switches the default `tracing` handler on or off (default on).
    pub fn logger(mut self, enabled: bool) -> Self {
        self.inner.log.enabled = enabled;
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
        self.inner.budget = Some(budget);
        self
    }

    /// No retry budget (the default).
    pub fn no_budget(mut self) -> Self {
        self.inner.budget = None;
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
        self.inner.attempt_timeout = Some((Duration::ZERO, timed_out_fn::<E>()));
        self
    }

    /// No per-attempt timeout (the default).
    pub fn no_attempt_timeout(mut self) -> Self {
        self.attempt_timeout = None;
        self.inner.attempt_timeout = None;
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
        self
    }

    /// No hedging (the default).
    pub fn no_hedge_delay(mut self) -> Self {
        self.hedge_delay = None;
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
        self.inner.max_hedges = Some(hedges);
        self
    }

    /// No limit of its own on hedges (the default): `max_tries`, `max_time` and the budget
    /// still bound them.
    pub fn no_max_hedges(mut self) -> Self {
        self.inner.max_hedges = None;
        self
    }

    /// The level of the default handler's backoff events (default INFO).
    pub fn backoff_log_level(mut self, level: tracing::Level) -> Self {
        self.inner.log.backoff_level = level;
        self
    }

    /// The level of the default handler's give-up events (default ERROR).
    pub fn giveup_log_level(mut self, level: tracing::Level) -> Self {
        self.inner.log.giveup_level = level;
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
        self.inner.max_tries = self.max_tries;
        self.inner.max_time = self.max_time.map(saturating_secs);
        if let (Some(secs), Some((timeout, _))) =
            (self.attempt_timeout, self.inner.attempt_timeout.as_mut())
        {
            *timeout = saturating_secs(secs);
        }
        self.inner.hedge_delay = self.hedge_delay.map(saturating_secs);
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

/// The engine rules of run-time settings. The wait generator and jitter are built on the
/// first backoff, so a call that succeeds at once allocates nothing.
#[doc(hidden)]
pub struct SettingsRules<E, P, TM = NoTiming> {
    settings: Option<RetrySettings<E>>,
    predicate: P,
    wait: Option<Box<dyn WaitGen<E> + Send>>,
    jitter: Option<Box<dyn Jitter + Send>>,
    /// The attribute's own `attempt_timeout` and `hedge_delay`: they win over the settings'.
    timing: TM,
}

impl<E, P, TM> SettingsRules<E, P, TM> {
    pub(crate) fn new(settings: Option<RetrySettings<E>>, predicate: P, timing: TM) -> Self {
        SettingsRules {
            settings: settings.filter(RetrySettings::enabled),
            predicate,
            wait: None,
            jitter: None,
            timing,
        }
    }

    fn inner(&self) -> Option<&Inner<E>> {
        self.settings.as_ref().map(|s| &*s.inner)
    }
}

impl<T, E: Debug, P: ValueFilter<T>, TM: TimingRules<E>> Rules<T, E> for SettingsRules<E, P, TM> {
    #[inline]
    fn enabled(&self) -> bool {
        self.settings.is_some()
    }
    fn needs_clock(&self) -> bool {
        self.inner().is_some_and(|i| {
            i.max_time.is_some()
                || !i.on_success.is_empty()
                || !i.on_backoff.is_empty()
                || !i.on_giveup.is_empty()
        })
    }
    fn max_tries(&self) -> Option<u32> {
        self.inner().and_then(|i| i.max_tries)
    }
    fn max_time(&self) -> Option<Duration> {
        self.inner().and_then(|i| i.max_time)
    }
    fn catches(&self, error: &E) -> bool {
        self.settings.as_ref().is_some_and(|s| s.catches(error))
    }
    fn gives_up(&self, error: &E) -> bool {
        self.settings.as_ref().is_some_and(|s| s.gives_up(error))
    }
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug> {
        self.predicate.rejects(value)
    }
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        let settings = self.settings.as_ref()?;
        let error = last.error();
        let wait = self
            .wait
            .get_or_insert_with(|| (settings.inner.wait_gen)())
            .next_wait(last)?;
        let jitter = self.jitter.get_or_insert_with(|| (settings.inner.jitter)());
        let wait = jitter.jitter(wait);
        let floor = error.and_then(|error| settings.wait_floor(error));
        Some(floor.map_or(wait, |floor| wait.max(floor)))
    }
    fn on_success(&self, details: &Details<'_, E>) {
        if let Some(i) = self.inner() {
            i.on_success.iter().for_each(|h| h(details));
        }
    }
    fn on_backoff(&self, details: &Details<'_, E>) {
        if let Some(i) = self.inner() {
            i.log.log_backoff(details);
            i.on_backoff.iter().for_each(|h| h(details));
        }
    }
    fn on_giveup(&self, details: &Details<'_, E>) {
        if let Some(i) = self.inner() {
            i.log.log_giveup(details);
            i.on_giveup.iter().for_each(|h| h(details));
        }
    }
    fn has_success_hooks(&self) -> bool {
        self.inner().is_some_and(|i| !i.on_success.is_empty())
    }
    fn raise_on_giveup(&self) -> bool {
        self.inner().is_none_or(|i| i.raise_on_giveup)
    }
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        self.inner().and_then(|i| i.budget.as_ref())
    }
    // Disabled settings mean a plain single attempt: no timeout, no hedge.
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        let inner = self.inner()?;
        self.timing.attempt_timeout().or(inner.attempt_timeout)
    }
    fn hedge_delay(&self) -> Option<Duration> {
        let inner = self.inner()?;
        if !self.timing.may_hedge() {
            return None;
        }
        self.timing.hedge_delay().or(inner.hedge_delay)
    }
    fn max_hedges(&self) -> Option<u32> {
        let inner = self.inner()?;
        self.timing.max_hedges().or(inner.max_hedges)
    }
    fn on_hedged_success(&self, details: &Details<'_, E>) {
        if let Some(i) = self.inner() {
            i.log.log_hedged_success(details);
            i.on_success.iter().for_each(|h| h(details));
        }
    }
}
