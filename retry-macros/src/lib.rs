//! The `#[retry]` attribute. Use it through the runtime: `use retry_runtime::retry;`.
//!
//! The work happens in `retry-macros-core` (parse, validate, expand); this crate is only the
//! compiler's entry point. What the attribute writes is shown in `docs/how-retry-expands.md`.

use proc_macro::TokenStream;

/// Retries the annotated fn, the way Python's `backoff.on_exception` decorates a function:
/// exponential backoff (or any wait generator), jitter, limits on tries and time, a give-up
/// predicate and event hooks.
///
/// ```
/// use retry_runtime::retry;
/// use retry_runtime::wait::constant;
///
/// #[derive(Debug)]
/// enum FetchError { Unavailable, NotFound }
///
/// fn is_not_found(error: &FetchError) -> bool {
///     matches!(error, FetchError::NotFound)
/// }
///
/// // `interval = 0` keeps the example instant; real code keeps the default `expo`.
/// #[retry(max_tries = 5, max_time = 30, wait_gen = constant, interval = 0, giveup = is_not_found)]
/// fn fetch(attempts: &std::cell::Cell<u32>) -> Result<&'static str, FetchError> {
///     attempts.set(attempts.get() + 1);
///     if attempts.get() < 3 { Err(FetchError::Unavailable) } else { Ok("page") }
/// }
///
/// let attempts = std::cell::Cell::new(0);
/// assert_eq!(fetch(&attempts).unwrap(), "page");
/// assert_eq!(attempts.get(), 3);
/// ```
///
/// # Keys
///
/// Values may be literals, paths, closures or expressions; expressions are evaluated once per
/// call, before the first attempt (Python's "callable" form), and may use the fn's arguments
/// and `self`.
///
/// | key | value | default |
/// |---|---|---|
/// | `max_tries` | `u32` > 0: attempts in all, the first included | no limit |
/// | `max_time` | seconds (`30`, `0.5`) or a `Duration` expression; counted from the call's start, the last wait is cut to the time left | no limit |
/// | `attempt_timeout` | seconds, a `Duration`, or an expression giving either or an `Option` of either (`None`: off), evaluated per call: an attempt still running then is dropped and fails with `E::from(AttemptTimedOut)` (the error type must implement `From<retry_runtime::AttemptTimedOut>`), which goes through `exception`, `giveup` and the hooks like any error; cut to the time left before `max_time`, which then is a hard deadline. Async fns only: a blocking call cannot be cancelled. Under `settings`, `None` lets the settings' timeout apply | none |
/// | `hedge_delay` | seconds, a `Duration`, or an expression giving either or an `Option` of either (`None`: off), evaluated per call; or `auto`: a delay that tunes itself, the 95th percentile of this fn's recent attempt latencies (none until 20 are seen), with hedges at most 5% of calls beyond a reserve of 5 (`Policy::hedge_auto` for other settings): when an attempt has not answered by then, the next starts beside it in the same future (no task spawned), the first success wins and the others are dropped; a retryable failure starts the next at once; every attempt counts towards `max_tries` (set it or `max_hedges`: without, a new attempt starts every delay while none answers) and withdraws from the `budget`; a failure that ends the call drops what still runs. Async fns whose body may run twice at once: not with `&mut self` or a `&mut` argument. Under `settings`, `None` lets the settings' delay apply | off |
/// | `max_hedges` | `u32` (0 or more): the most attempts the hedge delay starts in one call; once reached, the call waits for the running ones (attempts started after a failure are retries, counted by `max_tries` only). Needs `hedge_delay`. Under `settings`, the key wins over the settings' value | no limit |
/// | `exception` | an error class `A` or a tuple `(A, B)`: types implementing `retry_runtime::ErrorClass<E>` (every error type is its own class) | every error |
/// | `wait_gen` | a generator fn path (`expo`, called fresh per call) or an expression (`constant().interval(2)`) | `wait::expo()` |
/// | any other key | a parameter of the wait generator: `base = 2` calls `.base(2)`; a misspelt one is an error at that key | |
/// | `jitter` | a path (`full_jitter`), a closure `\|wait\| ..`, or `None` | full jitter |
/// | `giveup` | a predicate `Fn(&E) -> bool`: true ends the call at once | never |
/// | `on_success`, `on_backoff`, `on_giveup` | a hook `Fn(&Details<'_, E>)`, or a list `[a, b]` | none |
/// | `raise_on_giveup` | `false`: on give-up return the "nothing" value (`Ok(None)`, `Ok(())`, `None`); an expression (decided per call) also needs a return type with such a value | `true` |
/// | `on_result` | retry while a predicate `Fn(&T) -> bool` holds on the `Ok` value; give-up returns the last value | off |
/// | `logger` | `true`, `false` or `None`: the default `tracing` handler | on |
/// | `backoff_log_level`, `giveup_log_level` | `"trace"` .. `"error"`, or a `tracing::Level` | INFO, ERROR |
/// | `sleeper` | a `retry_runtime::sleep::Sleeper` (async fns: tokio by default; sync fns block) | |
/// | `settings` | a `RetrySettings<E>`, `&RetrySettings<E>`, `Option` of one, `&Option` of one, or `None`: when present it replaces the other values; `None` means one attempt; its `raise_on_giveup(false)` returns the "nothing" value where the return type has one | |
/// | `budget` | a shared `retry_runtime::RetryBudget` (token bucket: each call deposits, each retry withdraws; an empty bucket ends the call with `GiveUpReason::BudgetExhausted`), a `&RetryBudget`, an `Option` of one, or `None`; not with `settings` (put it on the settings) | none |
/// | `breaker` | a shared `retry_runtime::CircuitBreaker` (opens on a failure rate over a sliding window; while open, a call fails at once with `E::from(CircuitOpen)`, with no attempt, and a call between attempts gives up with `GiveUpReason::CircuitOpen`; the error type must implement `From<retry_runtime::CircuitOpen>`), a `&CircuitBreaker`, an `Option` of one, or `None`; not with `settings` (put it on the settings) | none |
/// | `limiter` | a shared `retry_runtime::limiter::AdaptiveLimiter` (CUBIC, as the AWS SDKs' adaptive mode: every attempt reserves a send and waits what it says; an error with a wait floor, such as a `Retry-After`, lowers its rate, any other answer lets it recover), a `&AdaptiveLimiter`, an `Option` of one, or `None`; not with `settings` (put it on the settings) | none |
/// | `wait_floor` | a fn of the error giving an `Option<Duration>`: the least wait before the next attempt (an HTTP `Retry-After`); the wait is the larger of it and the generator's, still cut to `max_time`; a rate limiter reads an error with a floor as a throttle | none |
/// | `redact` | argument names shown as `<redacted>` in `Details.args` | |
/// | `skip` | argument names left out of `Details.args` | |
/// | `no_clone` | by-value arguments the body only borrows: not cloned per attempt | |
/// | `crate` | the path of the runtime, for crates that re-export it | `::retry_runtime` |
///
/// Built-in generators and jitters are imported like any item
/// (`use retry_runtime::wait::{expo, fibo, constant};`, `use retry_runtime::jitter::full_jitter;`),
/// so a user's own item of the same name is never replaced behind their back.
///
/// # Forms
///
/// `async fn` and plain fns (which wait by blocking the thread); free fns, inherent and trait
/// methods with `&self`, `&mut self`, `self: Arc<Self>`; generics with where clauses;
/// lifetimes; `impl Trait` in argument and return position; methods under `#[async_trait]`.
/// The return type must be `Result`-like: `Result<T, E>` (or an alias) or `Option<T>`.
///
/// The body runs once per attempt as written: `?` and `return` end that attempt, `&mut self`
/// is re-borrowed per attempt, and arguments taken by value are cloned for each attempt
/// (a type that is not `Clone` is a compile error saying how to fix it). The returned future
/// is `Send` whenever the body's is.
///
/// # Errors
///
/// Misuse is a compile error at the offending token, never a panic: unknown keys (with the
/// list of keys and a "did you mean"), keys set twice, `max_tries = 0`, a negative or
/// non-finite `max_time`, values of the wrong kind, conflicting keys, a fn that is `const`
/// or not a fn at all. The fn is still emitted unchanged next to the errors, so one mistake
/// does not cascade into errors at every caller.
#[proc_macro_attribute]
pub fn retry(attr: TokenStream, item: TokenStream) -> TokenStream {
    retry_macros_core::expand_retry(attr.into(), item.into()).into()
}
