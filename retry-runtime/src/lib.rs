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
//!   up with [`GiveUpReason::BudgetExhausted`](details::GiveUpReason) in `Details` and the log.
//! - Hooks run in order, after the default `tracing` handler (backoff at INFO, give-up at
//!   ERROR; levels configurable; it can be switched off).
//! - Better: `elapsed` is read on a monotonic clock, after the attempt, so no sleep ends past
//!   `max_time` (Python reads it before the attempt, so its last sleep can overrun by the
//!   attempt's length); the clock is read only when a time limit or a
//!   hook needs it; waits saturate at [`wait::MAX_WAIT`] instead of overflowing; `max_tries = 0`
//!   and a negative or NaN `max_time` are validation errors in [`RetrySettings`].
//!
//! | module | what it holds |
//! |---|---|
//! | [`wait`] | wait generators: `expo`, `fibo`, `constant`, `runtime`, `decay`, `from_iter` |
//! | [`jitter`] | full, equal, random, decorrelated jitter and the seedable random source |
//! | [`details`] | [`Details`], [`Outcome`], [`Arg`], redaction |
//! | [`hooks`] | [`Hook`] and the default `tracing` handler |
//! | [`settings`] | [`RetrySettings`], its builder and validation |
//! | [`budget`] | [`RetryBudget`]: a token-bucket retry quota shared by calls and clients |
//! | [`engine`] | [`Policy`], [`Engine`](engine::Engine), [`retry_async`], [`retry_blocking`] |
//! | [`sleep`] | [`Sleeper`](sleep::Sleeper), tokio, blocking and fn-based sleepers |
//! | [`classify`] | [`ErrorClass`] (Python's `isinstance`), tuples of classes |
//! | [`output`] | [`RetryOutput`], [`GiveUpValue`] |

pub mod budget;
pub mod classify;
pub mod details;
pub mod engine;
pub mod hooks;
pub mod jitter;
pub mod output;
pub mod settings;
pub mod sleep;
pub mod wait;

#[doc(hidden)]
#[path = "private.rs"]
pub mod __private;

pub use budget::RetryBudget;
pub use classify::ErrorClass;
pub use details::{Arg, Details, GiveUpReason, Outcome};
pub use engine::{Policy, RetryPolicy, Step, retry_async, retry_blocking};
pub use hooks::Hook;
pub use output::{GiveUpValue, NoneError, RetryOutput};
pub use retry_macros::retry;
pub use settings::{RetrySettings, RetrySettingsBuilder, SettingsError};
