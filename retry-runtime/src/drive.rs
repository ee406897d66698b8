//! The drivers: [`retry_async`] and [`retry_blocking`] run an operation under a [`Policy`] or
//! run-time settings, for code that does not use `#[retry]`.

use core::fmt::Debug;
use std::time::Duration;

use crate::engine::Engine;
use crate::output::{GiveUpValue, RetryOutput};
use crate::policy::{Policy, WithSettings};
use crate::rules::{Rules, StaticRules};
use crate::settings::SettingsRules;
use crate::sleep::{DefaultSleeper, Sleeper};
use crate::step::{AcceptAll, NoSettings, Raise, RaiseOnGiveUp, Step, ValueFilter};

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

impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, M, S> RetryPolicy<T, E>
    for Policy<T, E, StaticRules<X, W, J, G, P, HS, HB, HG, B, F>, M, S, WithSettings<E>>
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
