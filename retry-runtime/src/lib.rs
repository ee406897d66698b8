//! The retry engine behind `#[retry]`: Python `backoff`'s whole model (wait generators, jitter,
//! a give-up predicate, limits on tries and time, event hooks given [`Details`]) for async and
//! blocking Rust, at the cost of a hand-written loop.
//!
//! Most users write the attribute, re-exported here so one dependency is enough:
//!
//! ```ignore
//! use retry_runtime::retry;
//!
//! #[retry(max_tries = 5, max_time = 120, wait_gen = expo, max_value = 30)]
//! async fn fetch(&self, name: &str) -> Result<Project, Error> { ... }
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
//! | module | what it holds |
//! |---|---|
//! | [`wait`] | wait generators: `expo`, `fibo`, `constant`, `runtime`, `decay`, `from_iter` |
//! | [`jitter`] | full, equal, random, decorrelated jitter and the seedable random source |
//! | [`details`] | [`Details`], [`Outcome`], [`Arg`], redaction |
//! | [`hooks`] | [`Hook`] and the default `tracing` handler |
//! | [`settings`] | [`RetrySettings`], its builder and validation |
//! | [`engine`] | [`Policy`], [`Engine`](engine::Engine), [`retry_async`], [`retry_blocking`] |
//! | [`sleep`] | [`Sleeper`](sleep::Sleeper), tokio and blocking sleepers |
//! | [`classify`] | [`ErrorClass`] (Python's `isinstance`) |
//! | [`output`] | [`RetryOutput`], [`GiveUpValue`] |

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

pub use classify::ErrorClass;
pub use details::{Arg, Details, Outcome};
pub use engine::{Policy, RetryPolicy, Step, retry_async, retry_blocking};
pub use hooks::Hook;
pub use output::{GiveUpValue, NoneError, RetryOutput};
pub use retry_macros::retry;
pub use settings::{RetrySettings, RetrySettingsBuilder, SettingsError};
