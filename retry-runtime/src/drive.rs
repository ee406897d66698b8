//! The drivers: [`retry_async`] and [`retry_blocking`] run an operation under a [`Policy`] or
//! run-time settings, for code that does not use `#[retry]`.

use core::fmt::Debug;
use core::pin::{Pin, pin};
use std::time::Duration;

use crate::concurrent::{Attempts, Event, Next, TimedAttempt};
use crate::engine::Engine;
use crate::output::{GiveUpValue, RetryOutput};
use crate::policy::Policy;
use crate::rules::{Rules, StaticRules, TimingRules};
use crate::settings::SettingsRules;
use crate::settings::{NoSettings, WithSettings};
use crate::sleep::{DefaultSleeper, Sleeper};
use crate::step::{AcceptAll, Raise, RaiseOnGiveUp, Step, ValueFilter};

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
    /// The error type.
    type Error;
    /// See [`Engine::is_hedged`].
    fn is_hedged(&self) -> bool;
    /// See [`Engine::has_attempt_timeout`].
    fn has_attempt_timeout(&self) -> bool;
    /// See [`Engine::timed`].
    fn timed<F>(&self, attempt: F) -> TimedAttempt<F, Self::Sleep, Self::Error>;
    /// See [`Engine::attempts`].
    fn attempts<F>(&self) -> Attempts<F, Self::Sleep, Self::Error>;
    /// See [`Engine::start_attempt`].
    fn start_attempt<F>(
        &mut self,
        attempts: Pin<&mut Attempts<F, Self::Sleep, Self::Error>>,
        attempt: F,
    );
    /// See [`Engine::after_event`].
    fn after_event<F>(
        &mut self,
        attempts: Pin<&mut Attempts<F, Self::Sleep, Self::Error>>,
        event: Event<R>,
    ) -> Next<R>;
}

/// `Drive` for the engines of both give-up modes (`RaiseOnGiveUp` needs a "nothing" value).
macro_rules! drive_engine {
    ($mode:ty $(, $bound:path)?) => {
        impl<T, E, Rl, S, R> Drive<R> for Engine<T, E, Rl, $mode, S>
        where
            Rl: Rules<T, E>,
            S: Sleeper,
            R: RetryOutput<Ok = T, Err = E> $(+ $bound)?,
        {
            type Sleep = S::Sleep;
            #[inline]
            fn after_attempt(&mut self, result: R) -> Step<R> {
                Engine::<T, E, Rl, $mode, S>::after_attempt(self, result, &[])
            }
            #[inline]
            fn sleep(&mut self, wait: Duration) -> S::Sleep {
                Engine::sleep(self, wait)
            }
            #[inline]
            fn sleep_blocking(&mut self, wait: Duration) {
                Engine::sleep_blocking(self, wait);
            }
            type Error = E;
            #[inline]
            fn is_hedged(&self) -> bool {
                Engine::is_hedged(self)
            }
            #[inline]
            fn has_attempt_timeout(&self) -> bool {
                Engine::has_attempt_timeout(self)
            }
            #[inline]
            fn timed<F>(&self, attempt: F) -> TimedAttempt<F, S::Sleep, E> {
                Engine::timed(self, attempt)
            }
            #[inline]
            fn attempts<F>(&self) -> Attempts<F, S::Sleep, E> {
                Engine::attempts(self)
            }
            #[inline]
            fn start_attempt<F>(&mut self, attempts: Pin<&mut Attempts<F, S::Sleep, E>>, attempt: F) {
                Engine::start_attempt(self, attempts, attempt);
            }
            #[inline]
            fn after_event<F>(
                &mut self,
                attempts: Pin<&mut Attempts<F, S::Sleep, E>>,
                event: Event<R>,
            ) -> Next<R> {
                Engine::<T, E, Rl, $mode, S>::after_event(self, attempts, event, &[])
            }
        }
    };
}
drive_engine!(Raise);
drive_engine!(RaiseOnGiveUp, GiveUpValue);

/// What [`retry_async`] and [`retry_blocking`] accept: a [`Policy`], or run-time settings
/// (`RetrySettings<E>`, `&RetrySettings<E>`, `Option<RetrySettings<E>>`, `&Option<..>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a retry policy for `Result<{T}, {E}>`",
    note = "pass a `retry_runtime::Policy` or `RetrySettings<{E}>` (or a reference, or an `Option` of it)"
)]
pub trait RetryPolicy<T, E> {
    /// The started call.
    type Engine: Drive<Result<T, E>, Error = E>;
    /// Starts one call of `target`.
    fn start_call(self, target: &'static str) -> Self::Engine;
}

impl<T, E, Rl, M, S> RetryPolicy<T, E> for Policy<T, E, Rl, M, S, NoSettings>
where
    Rl: Rules<T, E>,
    S: Sleeper,
    Engine<T, E, Rl, M, S>: Drive<Result<T, E>, Error = E>,
{
    type Engine = Engine<T, E, Rl, M, S>;
    fn start_call(self, target: &'static str) -> Self::Engine {
        self.start(target)
    }
}

impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, M, S> RetryPolicy<T, E>
    for Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, HG, B, F, TM>, M, S, WithSettings<E>>
where
    E: Debug,
    P: ValueFilter<T>,
    S: Sleeper,
    TM: TimingRules<E>,
    Engine<T, E, SettingsRules<E, P, TM>, M, S>: Drive<Result<T, E>, Error = E>,
{
    type Engine = Engine<T, E, SettingsRules<E, P, TM>, M, S>;
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
/// closure. The future is `Send` when the operation's futures are. A per-attempt timeout and
/// hedging ([`Policy::attempt_timeout`], [`Policy::hedge_delay`], or the settings') apply: the
/// operation is then called for each attempt, possibly while earlier ones still run.
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
    if engine.is_hedged() {
        let mut attempts = pin!(engine.attempts());
        loop {
            engine.start_attempt(attempts.as_mut(), operation());
            loop {
                let event = attempts.as_mut().next().await;
                match engine.after_event(attempts.as_mut(), event) {
                    Next::Start => break,
                    Next::Wait => {}
                    Next::Return(result) => return result,
                }
            }
        }
    }
    let timed = engine.has_attempt_timeout();
    loop {
        let result = if timed {
            engine.timed(operation()).await
        } else {
            operation().await
        };
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
/// the policy's sleeper (`std::thread::sleep` by default). A blocking call cannot be cancelled
/// nor run beside itself: a per-attempt timeout and a hedge delay do not apply (the first retry
/// logs a `warn` event saying so, when the policy or settings carry either).
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
