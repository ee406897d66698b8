//! The retry engine behind `#[retry]`: Python `backoff`'s whole model (wait generators, jitter,
//! a give-up predicate, limits on tries and time, event hooks given [`Details`]) for async and
//! blocking Rust, at the cost of a hand-written loop.
//!
//! Most users write the attribute, re-exported here so one dependency is enough:
//!
//! ```
//! use std::sync::atomic::{AtomicU32, Ordering};
//! use retry_runtime::retry;
//! use retry_runtime::wait::constant;
//!
//! #[derive(Debug)]
//! struct Flaky;
//!
//! static CALLS: AtomicU32 = AtomicU32::new(0);
//!
//! #[retry(max_tries = 3, wait_gen = constant, interval = 0, jitter = None)]
//! fn fetch(name: &str) -> Result<String, Flaky> {
//!     if CALLS.fetch_add(1, Ordering::Relaxed) < 2 {
//!         return Err(Flaky); // ends this attempt, not the retries
//!     }
//!     Ok(format!("project {name}"))
//! }
//!
//! assert_eq!(fetch("library").unwrap(), "project library");
//! assert_eq!(CALLS.load(Ordering::Relaxed), 3);
//! ```
//!
//! Without the attribute, [`retry_async`] and [`retry_blocking`] run an operation under a
//! [`Policy`] or [`RetrySettings`]:
//!
//! ```
//! use std::cell::Cell;
//! use retry_runtime::{Policy, retry_blocking, wait, jitter};
//!
//! let calls = Cell::new(0);
//! let policy = Policy::new()
//!     .max_tries(3)
//!     .wait_gen(wait::constant().interval(0.001))
//!     .jitter(jitter::no_jitter);
//! let result: Result<u32, &str> = retry_blocking(policy, || {
//!     calls.set(calls.get() + 1);
//!     if calls.get() < 3 { Err("flaky") } else { Ok(42) }
//! });
//! assert_eq!(result, Ok(42));
//! assert_eq!(calls.get(), 3);
//! ```
//!
//! # Semantics
//!
//! Python `backoff.on_exception`'s, except where marked "better":
//!
//! - An error outside the `exception` classes is returned at once; no hook runs.
//! - On a caught error the checks run in this order: `giveup(e)`, then `max_tries` reached, then
//!   `max_time` reached; the first that holds ends the call (`on_giveup` hooks, then the error,
//!   or the "nothing" value with `raise_on_giveup = false`).
//! - Otherwise the wait generator gives the next wait (`None`: give up), jitter is applied, and
//!   the wait is cut to the time left before `max_time`; `on_backoff` hooks run, the error is
//!   dropped, and the loop sleeps.
//! - Value mode (`on_result`, Python's `on_predicate`): an `Ok` value for which the predicate
//!   holds is retried like an error; on give-up the last value is returned.
//! - A shared [`RetryBudget`] (off by default) caps retries across calls: each call deposits a
//!   fraction of a retry, each retry withdraws one, and when the bucket is empty the call gives
//!   up with [`GiveUpReason::BudgetExhausted`](GiveUpReason) in `Details` and the log.
//! - A per-attempt timeout ([`Policy::attempt_timeout`], the `attempt_timeout` key) drops an
//!   attempt still running and fails it with `E::from(`[`AttemptTimedOut`]`)`, cut to the time
//!   left before `max_time`; hedging ([`Policy::hedge_delay`], the `hedge_delay` key) starts the
//!   next attempt beside one that has not answered after the delay, in the caller's own future,
//!   and returns the first success, at most [`Policy::max_hedges`] times per call when set (the
//!   setters' docs have the rules). Async calls only.
//! - Across calls (each a shared handle, off by default, costing nothing when off): a
//!   [`CircuitBreaker`] (the `breaker` key, [`Policy::breaker`]) refuses calls while the
//!   failure rate of its window is too high, with `E::from(`[`CircuitOpen`]`)` and
//!   [`GiveUpReason::CircuitOpen`](GiveUpReason); an
//!   [`AdaptiveLimiter`](limiter::AdaptiveLimiter) (the `limiter` key, [`Policy::limiter`])
//!   paces every attempt at a rate that falls on throttles (errors with a `wait_floor`) and
//!   recovers with successes (CUBIC); `hedge_delay = auto` ([`Policy::hedge_auto`]) takes the
//!   hedge delay from a percentile of recent latencies, with a cap on the extra load. With the
//!   `metrics` feature they report counters and gauges ([`observe`]).
//! - Hooks run in order, after the default `tracing` handler (backoff at INFO, give-up at
//!   ERROR; levels configurable; it can be switched off).
//! - Better: `elapsed` is read on a monotonic clock, after the attempt, so no sleep ends past
//!   `max_time` (Python reads it before the attempt, so its last sleep can overrun by the
//!   attempt's length); the clock is read only when a time limit or a
//!   hook needs it; waits saturate at [`wait::MAX_WAIT`] instead of overflowing; `max_tries = 0`
//!   and a negative or NaN `max_time` are validation errors in [`RetrySettings`].
//!
//! # What is public
//!
//! The root holds what a user names: the attribute, [`Policy`] and the two drivers,
//! [`RetrySettings`] (run-time settings), what hooks receive ([`Details`]), the error a
//! timed-out attempt fails with ([`AttemptTimedOut`]), and the traits a
//! user implements or meets in an error message ([`ErrorClass`], [`Hook`], [`RetryOutput`],
//! [`GiveUpValue`]). These modules hold the building blocks a user picks from:
//!
//! | module | what it holds |
//! |---|---|
//! | [`wait`] | wait generators: `expo`, `fibo`, `constant`, `runtime`, `decay`, `from_iter`, `from_fn` |
//! | [`jitter`] | full, equal, random, decorrelated jitter and the seedable random source |
//! | [`sleep`] | [`Sleeper`](sleep::Sleeper): tokio, blocking and fn-based sleepers, the clock |
//! | [`budget`] | [`RetryBudget`]: a token-bucket retry quota shared by calls and clients |
//! | [`breaker`] | [`CircuitBreaker`]: closed / open / half-open over a window of outcomes |
//! | [`limiter`] | [`AdaptiveLimiter`](limiter::AdaptiveLimiter): the AWS SDKs' CUBIC client rate limiter |
//! | [`latency`] | [`LatencyTracker`](latency::LatencyTracker) and [`AutoHedge`](latency::AutoHedge): the self-tuning hedge delay |
//! | [`partition`] | one state for every call, or one per retried fn, for the breaker and the limiter |
//! | [`shared`] | what the `breaker` and `limiter` keys and setters take |
//! | [`observe`] | the metrics the shared handles and hedging report (the `metrics` feature) |
//! | [`expects`] | what each fn-valued key of `#[retry]` expects, as fns that check a value once, at the value |
//!
//! What only the `#[retry]` expansion needs lives in a hidden module with no semver promise
//! (`docs/expansion-contract.md` is its specification); the types of a policy's rules appear
//! in signatures but cannot be named.

pub mod breaker;
pub mod budget;
pub mod expects;
pub mod jitter;
pub mod latency;
pub mod limiter;
pub mod sleep;
pub mod wait;

mod classify;
mod concurrent;
mod details;
mod drive;
mod engine;
mod hooks;
pub mod observe;
mod output;
pub mod partition;
mod rules;
pub mod shared;
mod step;
mod sync;

// The builders live with the one rule type they fill (`rules/`).
use rules::{policy, settings};

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use breaker::{BreakerState, CircuitBreaker, CircuitOpen, HoldsCircuitOpen};
pub use budget::RetryBudget;
pub use classify::ErrorClass;
pub use concurrent::{AttemptTimedOut, HoldsTimedOut};
pub use details::{Arg, Details, GiveUpReason, Outcome};
pub use drive::{RetryPolicy, retry_async, retry_blocking};
pub use hooks::Hook;
pub use output::{GiveUpValue, NoneError, RetryOutput};
pub use policy::Policy;
pub use retry_macros::retry;
pub use settings::{IntoSettings, RetrySettings, RetrySettingsBuilder, SettingsError, Violation};
