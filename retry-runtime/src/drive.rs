//! The drivers: [`retry_async`] and [`retry_blocking`] run an operation under a [`Policy`] or
//! run-time settings, for code that does not use `#[retry]`.

use core::fmt::Debug;
use core::pin::pin;

use crate::concurrent::Next;
use crate::engine::Engine;
use crate::policy::Policy;
use crate::rules::overlay::Overlay;
use crate::rules::{CallRules, GuardRules, Rules, TimingRules};
use crate::settings::{NoSettings, WithSettings};
use crate::sleep::{DefaultSleeper, Sleeper};
use crate::step::{AcceptAll, Step, ValueFilter};

/// What [`retry_async`] and [`retry_blocking`] accept: a [`Policy`], or run-time settings
/// (`RetrySettings<E>`, `&RetrySettings<E>`, `Option<RetrySettings<E>>`, `&Option<..>`).
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a retry policy for `Result<{T}, {E}>`",
    note = "pass a `retry_runtime::Policy` or `RetrySettings<{E}>` (or a reference, or an `Option` of it)"
)]
pub trait RetryPolicy<T, E> {
    /// The rules the started call obeys.
    #[doc(hidden)]
    type Rules: CallRules<T, E>;
    /// The sleeper the started call waits with.
    #[doc(hidden)]
    type Sleeper: Sleeper;
    /// Starts one call of `target`, with the "nothing" value a give-up may return
    /// ([`Policy::raise_on_giveup`]).
    #[doc(hidden)]
    #[allow(clippy::type_complexity)]
    fn start_call(
        self,
        target: &'static str,
    ) -> (
        Engine<T, E, Self::Rules, Self::Sleeper>,
        Option<fn() -> Result<T, E>>,
    );
}

impl<T, E, Rl, S> RetryPolicy<T, E> for Policy<T, E, Rl, S, NoSettings>
where
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    type Rules = Rl;
    type Sleeper = S;
    fn start_call(
        self,
        target: &'static str,
    ) -> (Engine<T, E, Rl, S>, Option<fn() -> Result<T, E>>) {
        let nothing = self.nothing();
        (self.start(target), nothing)
    }
}

#[allow(clippy::type_complexity)]
impl<T, E, X, W, J, G, P, HS, HB, HG, B, F, TM, K, S> RetryPolicy<T, E>
    for Policy<T, E, Rules<X, W, J, G, P, HS, HB, HG, B, F, TM, K>, S, WithSettings<E>>
where
    E: Debug,
    P: ValueFilter<T>,
    S: Sleeper,
    TM: TimingRules<E>,
    K: GuardRules<E>,
{
    type Rules = Overlay<E, P>;
    type Sleeper = S;
    fn start_call(
        self,
        target: &'static str,
    ) -> (Engine<T, E, Overlay<E, P>, S>, Option<fn() -> Result<T, E>>) {
        let nothing = self.nothing();
        (self.start(target), nothing)
    }
}

macro_rules! settings_policy {
    ($($ty:ty),*) => {$(
        impl<T, E: Debug + 'static> RetryPolicy<T, E> for $ty {
            type Rules = Overlay<E, AcceptAll>;
            type Sleeper = DefaultSleeper;
            fn start_call(
                self,
                target: &'static str,
            ) -> (Engine<T, E, Overlay<E, AcceptAll>, DefaultSleeper>, Option<fn() -> Result<T, E>>) {
                (Policy::new().settings(self).start(target), None)
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
    let (mut engine, nothing) = policy.start_call(caller_of::<F>());
    if engine.is_hedged() {
        let mut attempts = pin!(engine.attempts());
        loop {
            if attempts.running() == 0
                && let Err(refused) = admitted(&mut engine, nothing).await
            {
                return refused;
            }
            engine.start_attempt(attempts.as_mut(), &mut operation);
            loop {
                let event = attempts.as_mut().next().await;
                match engine.after_event(attempts.as_mut(), event, &[], nothing) {
                    Next::Start => break,
                    Next::Wait => {}
                    Next::Return(result) => return result,
                }
            }
        }
    }
    let timed = engine.has_attempt_timeout();
    loop {
        if let Err(refused) = admitted(&mut engine, nothing).await {
            return refused;
        }
        let result = if timed {
            engine.timed(operation()).await
        } else {
            operation().await
        };
        // Consume the step before awaiting, so no `Step<R>` (which may hold a !Send error type)
        // lives across the sleep.
        let wait = match engine.after_attempt(result, &[], nothing) {
            Step::Return(result) => return result,
            Step::Wait(wait) => wait,
        };
        engine.sleep(wait).await;
    }
}

/// Asks the shared guards before an attempt that starts alone ([`Engine::admit`]) and waits
/// the rate limiter's turn; `Err` holds what the call returns instead of the attempt.
async fn admitted<T, E, Rl, S>(
    engine: &mut Engine<T, E, Rl, S>,
    nothing: Option<fn() -> Result<T, E>>,
) -> Result<(), Result<T, E>>
where
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    // The step is consumed before the sleep, so no `Step` (which may hold a !Send error) is
    // alive across the await.
    let wait = match engine.admit(&[], nothing) {
        Step::Return(refused) => return Err(refused),
        Step::Wait(wait) => wait,
    };
    if !wait.is_zero() {
        engine.sleep(wait).await;
    }
    Ok(())
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
    let (mut engine, nothing) = policy.start_call(caller_of::<F>());
    loop {
        match engine.admit(&[], nothing) {
            Step::Return(refused) => return refused,
            Step::Wait(wait) if !wait.is_zero() => engine.sleep_blocking(wait),
            Step::Wait(_) => {}
        }
        let result = operation();
        match engine.after_attempt(result, &[], nothing) {
            Step::Return(result) => return result,
            Step::Wait(wait) => engine.sleep_blocking(wait),
        }
    }
}
