//! The retry loop: a [`Policy`] (typestate builder, one call's configuration) starts an
//! [`Engine`], which classifies each attempt's result and says whether to return or to wait.
//!
//! The `#[retry]` expansion drives the engine by hand (see `docs/expansion-contract.md`);
//! [`retry_async`] and [`retry_blocking`] drive it for
//! code that does not use the attribute.

use core::fmt::Debug;
use core::marker::PhantomData;
use std::time::{Duration, Instant};

use crate::budget::{BudgetSource, NoBudget, RetryBudget};
use crate::classify::{AnyError, ErrorFilter, NoError};
use crate::details::{Arg, Details, GiveUpReason, Outcome};
use crate::hooks::{Hook, LogConfig};
use crate::jitter::{FullJitter, Jitter};
use crate::output::{GiveUpValue, RetryOutput};
use crate::settings::{IntoSettings, SettingsRules};
use crate::sleep::{DefaultSleeper, Sleeper};
use crate::wait::{Expo, IntoSeconds, Last, WaitGen, expo, saturating_secs};

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<R> {
    /// The call is over: return this.
    Return(R),
    /// Wait this long, then make another attempt.
    Wait(Duration),
}

/// A predicate on success values that asks for a retry (`on_result`, Python's `on_predicate`).
pub trait ValueFilter<T> {
    /// `Some(the value as Debug)` when the value must be retried, `None` when it is a success.
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug>;
}

/// The default value filter: every `Ok` value is a success.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl<T> ValueFilter<T> for AcceptAll {
    #[inline]
    fn rejects<'v>(&self, _value: &'v T) -> Option<&'v dyn Debug> {
        None
    }
}

/// Retry while the predicate holds on the `Ok` value. Built by [`Policy::on_result`].
#[derive(Debug, Clone, Copy)]
pub struct OnResult<P>(pub P);

impl<T: Debug, P: Fn(&T) -> bool> ValueFilter<T> for OnResult<P> {
    #[inline]
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug> {
        if (self.0)(value) { Some(value) } else { None }
    }
}

/// Give-up mode: always return the error (the default, `raise_on_giveup = true`).
#[derive(Debug, Clone, Copy, Default)]
pub struct Raise;

/// Give-up mode chosen by [`Policy::raise_on_giveup`]: when `raise` is false, return the return
/// type's "nothing" value ([`GiveUpValue`]) instead of the error.
#[derive(Debug, Clone, Copy)]
pub struct RaiseOnGiveUp {
    /// Whether to return the error on give-up.
    pub raise: bool,
}

/// Marks a policy with no run-time settings: its own values apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoSettings;

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
    /// The effective `raise_on_giveup`, given the policy's.
    fn raise_on_giveup(&self, declared: bool) -> bool;
    /// The retry budget, if any.
    fn budget(&self) -> Option<&RetryBudget>;
}

/// The default handler's configuration in 3 bytes ([`LogConfig`] holds two word-sized
/// `Level`s): an engine lives in the caller's future across each attempt, and every word it
/// holds is a store when a call starts.
#[derive(Debug, Clone, Copy)]
struct PackedLog {
    enabled: bool,
    backoff_level: u8,
    giveup_level: u8,
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
    fn level_index(level: tracing::Level) -> u8 {
        // Every level is in the table; position() cannot miss.
        Self::LEVELS.iter().position(|l| *l == level).unwrap_or(2) as u8
    }

    #[inline]
    fn pack(config: LogConfig) -> Self {
        PackedLog {
            enabled: config.enabled,
            backoff_level: Self::level_index(config.backoff_level),
            giveup_level: Self::level_index(config.giveup_level),
        }
    }

    #[inline]
    fn unpack(self) -> LogConfig {
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
pub struct StaticRules<X, W, J, G, P, HS, HB, HG, B> {
    max_tries: Option<u32>,
    max_time: Option<Duration>,
    log: PackedLog,
    exception: X,
    wait: W,
    jitter: J,
    giveup: G,
    predicate: P,
    on_success: HS,
    on_backoff: HB,
    on_giveup: HG,
    budget: B,
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B> Rules<T, E> for StaticRules<X, W, J, G, P, HS, HB, HG, B>
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
        let wait = self.wait.next_wait(last)?;
        Some(self.jitter.jitter(wait))
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
    fn raise_on_giveup(&self, declared: bool) -> bool {
        declared
    }
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        self.budget.budget()
    }
}

/// The default static rules of [`Policy`]: every error retried, expo waits, full jitter, no
/// giveup predicate, no value predicate, no user hooks.
pub type DefaultRules =
    StaticRules<AnyError, Expo, FullJitter, NoError, AcceptAll, (), (), (), NoBudget>;

/// One call's retry configuration: a typestate builder whose every setter is `#[inline]` and
/// whose defaults are Python `backoff.on_exception`'s (every error retried, [`expo`] waits,
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
pub struct Policy<T, E, Rl = DefaultRules, M = Raise, S = DefaultSleeper, ST = NoSettings> {
    rules: Rl,
    mode: M,
    sleeper: S,
    settings: ST,
    _types: PhantomData<fn() -> (T, E)>,
}

impl<T, E, Rl: Clone, M: Clone, S: Clone, ST: Clone> Clone for Policy<T, E, Rl, M, S, ST> {
    fn clone(&self) -> Self {
        Policy {
            rules: self.rules.clone(),
            mode: self.mode.clone(),
            sleeper: self.sleeper.clone(),
            settings: self.settings.clone(),
            _types: PhantomData,
        }
    }
}

impl<T, E> Policy<T, E> {
    /// A policy with the defaults.
    pub fn new() -> Self {
        Policy {
            rules: StaticRules {
                max_tries: None,
                max_time: None,
                log: PackedLog::pack(LogConfig::default()),
                exception: AnyError,
                wait: expo(),
                jitter: FullJitter,
                giveup: NoError,
                predicate: AcceptAll,
                on_success: (),
                on_backoff: (),
                on_giveup: (),
                budget: NoBudget,
            },
            mode: Raise,
            sleeper: DefaultSleeper,
            settings: NoSettings,
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

/// One field of the rebuilt `StaticRules`: the new value for the field being set, the old
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
            mode,
            sleeper,
            settings,
            _types,
        } = $policy;
        Policy {
            rules: with_rule!(@rules rules, $field = $value),
            mode,
            sleeper,
            settings,
            _types,
        }
    }};
    (@rules $rules:ident, $field:ident = $value:expr) => {
        StaticRules {
            max_tries: pick_rule!(max_tries, $field, $rules, $value),
            max_time: pick_rule!(max_time, $field, $rules, $value),
            log: pick_rule!(log, $field, $rules, $value),
            exception: pick_rule!(exception, $field, $rules, $value),
            wait: pick_rule!(wait, $field, $rules, $value),
            jitter: pick_rule!(jitter, $field, $rules, $value),
            giveup: pick_rule!(giveup, $field, $rules, $value),
            predicate: pick_rule!(predicate, $field, $rules, $value),
            on_success: pick_rule!(on_success, $field, $rules, $value),
            on_backoff: pick_rule!(on_backoff, $field, $rules, $value),
            on_giveup: pick_rule!(on_giveup, $field, $rules, $value),
            budget: pick_rule!(budget, $field, $rules, $value),
        }
    };
}

// The typestate setters spell out the whole policy type they return.
#[allow(clippy::type_complexity)]
impl<T, E, X, W, J, G, P, HS, HB, HG, B, M, S, ST>
    Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, HG, B>, M, S, ST>
{
    /// The most attempts (> 0). `0` is treated as 1 with a warning (`#[retry]` rejects a
    /// literal 0 at compile time).
    #[inline]
    pub fn max_tries(mut self, max_tries: u32) -> Self {
        if max_tries == 0 {
            tracing::warn!("retry: max_tries must be greater than 0; using 1");
        }
        self.rules.max_tries = Some(max_tries.max(1));
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
        self.rules.max_time = Some(saturating_secs(secs));
        self
    }

    /// The errors to retry; any other error is returned at once with no hook run.
    #[inline]
    pub fn exception<C: Fn(&E) -> bool>(
        self,
        exception: C,
    ) -> Policy<T, E, StaticRules<C, W, J, G, P, HS, HB, HG, B>, M, S, ST> {
        with_rule!(self, exception = exception)
    }

    /// The wait generator (default [`expo`]).
    #[inline]
    pub fn wait_gen<W2: WaitGen<E>>(
        self,
        wait_gen: W2,
    ) -> Policy<T, E, StaticRules<X, W2, J, G, P, HS, HB, HG, B>, M, S, ST> {
        with_rule!(self, wait = wait_gen)
    }

    /// The jitter (default [`full_jitter`](crate::jitter::full_jitter)); `no_jitter` for none.
    #[inline]
    pub fn jitter<J2: Jitter>(
        self,
        jitter: J2,
    ) -> Policy<T, E, StaticRules<X, W, J2, G, P, HS, HB, HG, B>, M, S, ST> {
        with_rule!(self, jitter = jitter)
    }

    /// A predicate on caught errors: when it holds, the call gives up at once.
    #[inline]
    pub fn giveup<G2: Fn(&E) -> bool>(
        self,
        giveup: G2,
    ) -> Policy<T, E, StaticRules<X, W, J, G2, P, HS, HB, HG, B>, M, S, ST> {
        with_rule!(self, giveup = giveup)
    }

    /// Value mode (Python's `on_predicate`): retry while `predicate` holds on the `Ok` value;
    /// on give-up the last value is returned.
    #[inline]
    pub fn on_result<P2: Fn(&T) -> bool>(
        self,
        predicate: P2,
    ) -> Policy<T, E, StaticRules<X, W, J, G, OnResult<P2>, HS, HB, HG, B>, M, S, ST> {
        with_rule!(self, predicate = OnResult(predicate))
    }

    /// The success hook(s); a tuple runs in order.
    #[inline]
    pub fn on_success<H: Hook<E>>(
        self,
        hook: H,
    ) -> Policy<T, E, StaticRules<X, W, J, G, P, H, HB, HG, B>, M, S, ST> {
        with_rule!(self, on_success = hook)
    }

    /// The backoff hook(s), run after the default handler; a tuple runs in order.
    #[inline]
    pub fn on_backoff<H: Hook<E>>(
        self,
        hook: H,
    ) -> Policy<T, E, StaticRules<X, W, J, G, P, HS, H, HG, B>, M, S, ST> {
        with_rule!(self, on_backoff = hook)
    }

    /// The give-up hook(s), run after the default handler; a tuple runs in order.
    #[inline]
    pub fn on_giveup<H: Hook<E>>(
        self,
        hook: H,
    ) -> Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, H, B>, M, S, ST> {
        with_rule!(self, on_giveup = hook)
    }

    /// Switches the default `tracing` handler on or off (default on).
    #[inline]
    pub fn logger(mut self, enabled: bool) -> Self {
        self.rules.log.enabled = enabled;
        self
    }

    /// The level of the default handler's backoff events (default INFO).
    #[inline]
    pub fn backoff_log_level(mut self, level: tracing::Level) -> Self {
        self.rules.log.backoff_level = PackedLog::level_index(level);
        self
    }

    /// The level of the default handler's give-up events (default ERROR).
    #[inline]
    pub fn giveup_log_level(mut self, level: tracing::Level) -> Self {
        self.rules.log.giveup_level = PackedLog::level_index(level);
        self
    }

    /// A retry budget shared with other calls (default none, which costs nothing): a
    /// [`RetryBudget`], a reference to one, or an `Option` of either ([`BudgetSource`]). The
    /// call deposits into it when it starts; each retry withdraws from it and is refused when
    /// the bucket is short, ending the call with
    /// [`GiveUpReason::BudgetExhausted`]; a success after retries is refunded. Ignored when
    /// run-time settings are given ([`Policy::settings`]): they carry their own budget.
    ///
    /// ```
    /// use retry_runtime::{Policy, budget::RetryBudget, details::GiveUpReason, retry_blocking, wait};
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
    ) -> Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, HG, B2>, M, S, ST> {
        with_rule!(self, budget = budget)
    }
}

impl<T, E, Rl, M, S, ST> Policy<T, E, Rl, M, S, ST> {
    /// Whether to return the error on give-up (default true). With `false`, the call returns
    /// the return type's "nothing" value ([`GiveUpValue`]) instead.
    #[inline]
    pub fn raise_on_giveup(self, raise: bool) -> Policy<T, E, Rl, RaiseOnGiveUp, S, ST> {
        Policy {
            rules: self.rules,
            mode: RaiseOnGiveUp { raise },
            sleeper: self.sleeper,
            settings: self.settings,
            _types: PhantomData,
        }
    }

    /// The sleeper (default: tokio for async, `std::thread::sleep` for blocking).
    #[inline]
    pub fn sleeper<S2: Sleeper>(self, sleeper: S2) -> Policy<T, E, Rl, M, S2, ST> {
        Policy {
            rules: self.rules,
            mode: self.mode,
            sleeper,
            settings: self.settings,
            _types: PhantomData,
        }
    }

    /// Run-time settings: when present they replace every value set on this policy except the
    /// sleeper and the `on_result` predicate; `None` (or settings with `enabled = false`) means
    /// a single attempt with no hook.
    #[inline]
    pub fn settings<I: IntoSettings<E>>(
        self,
        settings: I,
    ) -> Policy<T, E, Rl, M, S, WithSettings<E>> {
        Policy {
            rules: self.rules,
            mode: self.mode,
            sleeper: self.sleeper,
            settings: WithSettings(settings.into_settings()),
            _types: PhantomData,
        }
    }
}

/// Marks a policy given run-time settings (possibly `None`).
#[doc(hidden)]
pub struct WithSettings<E>(pub(crate) Option<crate::RetrySettings<E>>);

impl<E> Clone for WithSettings<E> {
    fn clone(&self) -> Self {
        WithSettings(self.0.clone())
    }
}

impl<T, E, Rl, M, S> Policy<T, E, Rl, M, S, NoSettings>
where
    Rl: Rules<T, E>,
    S: Sleeper,
{
    /// Starts one call of `target` (the fn's path). Reads the clock only if a time limit or a
    /// hook needs it.
    #[inline]
    pub fn start(self, target: &'static str) -> Engine<T, E, Rl, M, S> {
        Engine::new(self.rules, self.mode, self.sleeper, target, None)
    }

    /// Starts one call of `target` that began at `started`, a time read from this policy's
    /// sleeper before the first attempt (`#[retry]`'s lazy form builds the engine after a
    /// first attempt that failed, and keeps only the start time across it).
    #[inline]
    pub fn start_at(self, target: &'static str, started: Instant) -> Engine<T, E, Rl, M, S> {
        Engine::new(self.rules, self.mode, self.sleeper, target, Some(started))
    }
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, M, S>
    Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, HG, B>, M, S, WithSettings<E>>
where
    E: Debug,
    P: ValueFilter<T>,
    S: Sleeper,
{
    /// Starts one call of `target` (the fn's path) under the run-time settings.
    #[inline]
    pub fn start(self, target: &'static str) -> Engine<T, E, SettingsRules<E, P>, M, S> {
        let rules = SettingsRules::new(self.settings.0, self.rules.predicate);
        Engine::new(rules, self.mode, self.sleeper, target, None)
    }
}

/// One call in progress: counts attempts, reads the clock when needed, and decides after each
/// attempt whether to return or to wait. Built by [`Policy::start`].
pub struct Engine<T, E, Rl, M, S> {
    rules: Rl,
    mode: M,
    sleeper: S,
    target: &'static str,
    /// The number of the attempt in progress (1 for the first): set up front and bumped only
    /// when a wait is decided, so the success path neither reads nor writes it.
    attempt: u32,
    start: Option<Instant>,
    _types: PhantomData<fn() -> (T, E)>,
}

impl<T, E, Rl, M, S> Engine<T, E, Rl, M, S>
where
    Rl: Rules<T, E>,
    S: Sleeper,
{
    /// `started`: the call's start time when the caller read it already (the lazy form);
    /// else the clock is read here. Either way it is kept only if a time limit or a hook
    /// needs it.
    #[inline]
    fn new(rules: Rl, mode: M, sleeper: S, target: &'static str, started: Option<Instant>) -> Self {
        let start = (rules.enabled() && rules.needs_clock())
            .then(|| started.unwrap_or_else(|| sleeper.now()));
        // Every call earns its share of retries when it starts (Finagle's deposit).
        if rules.enabled()
            && let Some(budget) = rules.budget()
        {
            budget.deposit();
        }
        Engine {
            rules,
            mode,
            sleeper,
            target,
            attempt: 1,
            start,
            _types: PhantomData,
        }
    }

    /// The number of the attempt in progress, or of the last one once the call is over
    /// (1 for the first).
    #[inline]
    pub fn tries(&self) -> u32 {
        self.attempt
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
            self.run_success_hooks(args);
        }
        result
    }

    /// Runs the success hooks, building `Details` only when there are any.
    #[inline]
    fn run_success_hooks(&self, args: &[Arg<'_>]) {
        if self.rules.has_success_hooks() {
            let details = Details {
                target: self.target,
                args,
                tries: self.attempt,
                elapsed: self.elapsed(),
                wait: None,
                outcome: Outcome::Success,
                reason: None,
            };
            self.rules.on_success(&details);
        }
    }

    #[inline]
    fn elapsed(&self) -> Duration {
        match self.start {
            Some(start) => self.sleeper.now().saturating_duration_since(start),
            None => Duration::ZERO,
        }
    }

    /// Classifies one attempt's result; `nothing` is the value returned on an error give-up
    /// when `raise_on_giveup` is off.
    #[inline]
    fn step<R>(&mut self, result: R, args: &[Arg<'_>], nothing: Option<fn() -> R>) -> Step<R>
    where
        R: RetryOutput<Ok = T, Err = E>,
    {
        if !self.rules.enabled() {
            return Step::Return(result);
        }
        match result.into_result() {
            Ok(value) => {
                if let Some(shown) = self.rules.rejects(&value) {
                    if let Some(wait) =
                        self.decide(false, Last::Value(shown), Outcome::Value(shown), args)
                    {
                        return Step::Wait(wait);
                    }
                    // Value mode gives up by returning the last value, as `on_predicate` does.
                } else {
                    // A success after retries returns its last retry's tokens (AWS's refund).
                    if self.attempt > 1
                        && let Some(budget) = self.rules.budget()
                    {
                        budget.refund();
                    }
                    self.run_success_hooks(args);
                }
                Step::Return(R::from_result(Ok(value)))
            }
            Err(error) => {
                if !self.rules.catches(&error) {
                    return Step::Return(R::from_result(Err(error)));
                }
                let give_up = self.rules.gives_up(&error);
                match self.decide(give_up, Last::Error(&error), Outcome::Error(&error), args) {
                    Some(wait) => {
                        // Dropped before the caller sleeps, so a !Send error never lives across
                        // the await.
                        drop(error);
                        Step::Wait(wait)
                    }
                    None => Step::Return(match nothing {
                        Some(nothing) => nothing(),
                        None => R::from_result(Err(error)),
                    }),
                }
            }
        }
    }

    /// Checks giveup, then max_tries, then max_time; then asks the generator, then the retry
    /// budget (last, so no token is spent on a retry another rule refuses). Runs the hooks.
    /// `Some(wait)` to retry, `None` to give up.
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
    ) -> Option<Duration> {
        let elapsed = self.elapsed();
        let tries = self.attempt;
        let max_time = self.rules.max_time();
        let out_of_tries = self.rules.max_tries().is_some_and(|max| tries >= max);
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
                Some(wait) => match self.rules.budget() {
                    Some(budget) if !budget.try_withdraw() => Err(GiveUpReason::BudgetExhausted),
                    _ => Ok(wait),
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
        };
        match verdict {
            Ok(mut wait) => {
                if let Some(max) = max_time {
                    wait = wait.min(max.saturating_sub(elapsed));
                }
                details.wait = Some(wait);
                self.rules.on_backoff(&details);
                self.attempt = tries.saturating_add(1);
                Some(wait)
            }
            Err(reason) => {
                details.reason = Some(reason);
                self.rules.on_giveup(&details);
                None
            }
        }
    }

    /// Waits with the policy's sleeper (tokio by default).
    #[inline]
    pub fn sleep(&mut self, wait: Duration) -> S::Sleep {
        self.sleeper.sleep(wait)
    }

    /// Waits by blocking the thread (`std::thread::sleep` unless a sleeper was set).
    #[inline]
    pub fn sleep_blocking(&mut self, wait: Duration) {
        self.sleeper.sleep_blocking(wait);
    }
}

impl<T, E, Rl, S> Engine<T, E, Rl, Raise, S>
where
    Rl: Rules<T, E>,
    S: Sleeper,
{
    /// Classifies one attempt's result and runs the hooks: [`Step::Return`] ends the call,
    /// [`Step::Wait`] asks for a wait then another attempt. The error is dropped before `Wait`
    /// is returned, so nothing `!Send` is held across the sleep.
    #[inline]
    pub fn after_attempt<R: RetryOutput<Ok = T, Err = E>>(
        &mut self,
        result: R,
        args: &[Arg<'_>],
    ) -> Step<R> {
        self.step(result, args, None)
    }
}

impl<T, E, Rl, S> Engine<T, E, Rl, RaiseOnGiveUp, S>
where
    Rl: Rules<T, E>,
    S: Sleeper,
{
    /// As [`Engine::after_attempt`] for the default mode; on give-up with `raise_on_giveup`
    /// off, returns `R::nothing()` instead of the error.
    #[inline]
    pub fn after_attempt<R: RetryOutput<Ok = T, Err = E> + GiveUpValue>(
        &mut self,
        result: R,
        args: &[Arg<'_>],
    ) -> Step<R> {
        let raise = self.rules.raise_on_giveup(self.mode.raise);
        self.step(result, args, if raise { None } else { Some(R::nothing) })
    }
}

/// A started call that a loop can drive: implemented by every [`Engine`] for the return types
/// it accepts. Used by [`retry_async`] and [`retry_blocking`].
pub trait Drive<R> {
    /// The sleeper's future.
    type Sleep: core::future::Future<Output = ()>;
    /// See [`Engine::after_attempt`].
    fn after_attempt(&mut self, result: R) -> Step<R>;
    /// See [`Engine::sleep`].
    fn sleep(&mut self, wait: Duration) -> Self::Sleep;
    /// See [`Engine::sleep_blocking`].
    fn sleep_blocking(&mut self, wait: Duration);
}

impl<T, E, Rl, S, R> Drive<R> for Engine<T, E, Rl, Raise, S>
where
    Rl: Rules<T, E>,
    S: Sleeper,
    R: RetryOutput<Ok = T, Err = E>,
{
    type Sleep = S::Sleep;
    #[inline]
    fn after_attempt(&mut self, result: R) -> Step<R> {
        Engine::<T, E, Rl, Raise, S>::after_attempt(self, result, &[])
    }
    #[inline]
    fn sleep(&mut self, wait: Duration) -> S::Sleep {
        Engine::sleep(self, wait)
    }
    #[inline]
    fn sleep_blocking(&mut self, wait: Duration) {
        Engine::sleep_blocking(self, wait);
    }
}

impl<T, E, Rl, S, R> Drive<R> for Engine<T, E, Rl, RaiseOnGiveUp, S>
where
    Rl: Rules<T, E>,
    S: Sleeper,
    R: RetryOutput<Ok = T, Err = E> + GiveUpValue,
{
    type Sleep = S::Sleep;
    #[inline]
    fn after_attempt(&mut self, result: R) -> Step<R> {
        Engine::<T, E, Rl, RaiseOnGiveUp, S>::after_attempt(self, result, &[])
    }
    #[inline]
    fn sleep(&mut self, wait: Duration) -> S::Sleep {
        Engine::sleep(self, wait)
    }
    #[inline]
    fn sleep_blocking(&mut self, wait: Duration) {
        Engine::sleep_blocking(self, wait);
    }
}

/// What [`retry_async`] and [`retry_blocking`] accept: a [`Policy`], or run-time settings
/// (`RetrySettings<E>`, `&RetrySettings<E>`, `Option<RetrySettings<E>>`, `&Option<..>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a retry policy for `Result<{T}, {E}>`",
    note = "pass a `retry_runtime::Policy` or `RetrySettings<{E}>` (or a reference, or an `Option` of it)"
)]
pub trait RetryPolicy<T, E> {
    /// The started call.
    type Engine: Drive<Result<T, E>>;
    /// Starts one call of `target`.
    fn start_call(self, target: &'static str) -> Self::Engine;
}

impl<T, E, Rl, M, S> RetryPolicy<T, E> for Policy<T, E, Rl, M, S, NoSettings>
where
    Rl: Rules<T, E>,
    S: Sleeper,
    Engine<T, E, Rl, M, S>: Drive<Result<T, E>>,
{
    type Engine = Engine<T, E, Rl, M, S>;
    fn start_call(self, target: &'static str) -> Self::Engine {
        self.start(target)
    }
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, M, S> RetryPolicy<T, E>
    for Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, HG, B>, M, S, WithSettings<E>>
where
    E: Debug,
    P: ValueFilter<T>,
    S: Sleeper,
    Engine<T, E, SettingsRules<E, P>, M, S>: Drive<Result<T, E>>,
{
    type Engine = Engine<T, E, SettingsRules<E, P>, M, S>;
    fn start_call(self, target: &'static str) -> Self::Engine {
        self.start(target)
    }
}

macro_rules! settings_policy {
    ($($ty:ty),*) => {$(
        impl<T, E: Debug + 'static> RetryPolicy<T, E> for $ty {
            type Engine = Engine<T, E, SettingsRules<E, AcceptAll>, Raise, DefaultSleeper>;
            fn start_call(self, target: &'static str) -> Self::Engine {
                Policy::new().settings(self).start(target)
            }
        }
    )*};
}
settings_policy!(
    crate::RetrySettings<E>,
    &crate::RetrySettings<E>,
    Option<crate::RetrySettings<E>>,
    &Option<crate::RetrySettings<E>>
);

/// The path of the fn that built the closure `F` (`crate::module::fn`), for `Details.target`.
fn caller_of<F>() -> &'static str {
    let name = core::any::type_name::<F>();
    name.split("::{{closure}}").next().unwrap_or(name)
}

/// Runs an async operation under a policy or settings, retrying as they say; the same loop as
/// `#[retry]` without the attribute. `Details.target` is the path of the fn that wrote the
/// closure. The future is `Send` when the operation's futures are.
///
/// ```
/// use std::sync::atomic::{AtomicU32, Ordering};
/// use retry_runtime::{RetrySettings, retry_async, wait};
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let settings = RetrySettings::<String>::builder()
///     .max_tries(4)
///     .wait_gen(wait::constant().interval(0.01))
///     .build()
///     .unwrap();
/// let calls = AtomicU32::new(0);
/// let answer = retry_async(&settings, || async {
///     if calls.fetch_add(1, Ordering::Relaxed) < 2 { Err("busy".to_string()) } else { Ok(7) }
/// })
/// .await;
/// assert_eq!(answer, Ok(7));
/// # }
/// ```
pub async fn retry_async<T, E, P, F, Fut>(policy: P, mut operation: F) -> Result<T, E>
where
    P: RetryPolicy<T, E>,
    F: FnMut() -> Fut,
    Fut: core::future::Future<Output = Result<T, E>>,
{
    let mut engine = policy.start_call(caller_of::<F>());
    loop {
        let result = operation().await;
        // Consume the step before awaiting, so no `Step<R>` (which may hold a !Send error type)
        // lives across the sleep.
        let wait = match engine.after_attempt(result) {
            Step::Return(result) => return result,
            Step::Wait(wait) => wait,
        };
        engine.sleep(wait).await;
    }
}

/// Runs a blocking operation under a policy or settings, retrying as they say and sleeping with
/// the policy's sleeper (`std::thread::sleep` by default).
///
/// ```
/// use retry_runtime::{Policy, retry_blocking};
///
/// let mut attempts = 0;
/// let result: Result<(), String> = retry_blocking(Policy::new().max_tries(2).max_time(0), || {
///     attempts += 1;
///     Err(format!("attempt {attempts} failed"))
/// });
/// assert_eq!(result, Err("attempt 1 failed".to_string())); // max_time 0: no second try
/// ```
pub fn retry_blocking<T, E, P, F>(policy: P, mut operation: F) -> Result<T, E>
where
    P: RetryPolicy<T, E>,
    F: FnMut() -> Result<T, E>,
{
    let mut engine = policy.start_call(caller_of::<F>());
    loop {
        let result = operation();
        match engine.after_attempt(result) {
            Step::Return(result) => return result,
            Step::Wait(wait) => engine.sleep_blocking(wait),
        }
    }
}
