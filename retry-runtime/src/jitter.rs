//! Jitter: randomising waits so that many clients do not retry in lockstep.
//!
//! The jitter fns draw from one thread-local random source; [`seed`] fixes it so a test can
//! reproduce a whole sequence. The definitions of equal and decorrelated jitter are those of the
//! AWS Architecture Blog post "Exponential Backoff And Jitter".
//!
//! | jitter | result for a wait `w` |
//! |---|---|
//! | [`full_jitter`] (default) | uniform in `[0, w]` |
//! | [`equal_jitter`] | `w/2 + ` uniform in `[0, w/2]` |
//! | [`random_jitter`] | `w + ` uniform in `[0, 1)` second |
//! | [`decorrelated_jitter`]`(base)` | uniform in `[base, 3 * previous]`, at most `w` |
//! | [`no_jitter`] | `w` |
//!
//! ```
//! use std::time::Duration;
//! use retry_runtime::jitter;
//!
//! jitter::seed(7);
//! let a = jitter::full_jitter(Duration::from_secs(4));
//! jitter::seed(7);
//! let b = jitter::full_jitter(Duration::from_secs(4));
//! assert_eq!(a, b); // same seed, same sequence
//! assert!(a <= Duration::from_secs(4));
//! ```

use std::cell::RefCell;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

use crate::wait::{IntoSeconds, MAX_WAIT, saturating_secs};

thread_local! {
    static SOURCE: RefCell<Option<SmallRng>> = const { RefCell::new(None) };
}

/// Seeds this thread's random source: every jitter drawn on this thread afterwards is
/// determined by `seed`. Tests call it first; `#[tokio::test]` runs on the test's thread.
pub fn seed(seed: u64) {
    SOURCE.with(|source| *source.borrow_mut() = Some(SmallRng::seed_from_u64(seed)));
}

/// A uniform random number in `[0, 1)` from this thread's source (seeded from the OS on first
/// use unless [`seed`] was called).
pub(crate) fn random_unit() -> f64 {
    SOURCE.with(|source| {
        let mut source = source.borrow_mut();
        let rng = source.get_or_insert_with(|| {
            SmallRng::try_from_os_rng().unwrap_or_else(|_| SmallRng::seed_from_u64(fallback_seed()))
        });
        rng.random::<f64>()
    })
}

/// A seed for the rare machine whose OS random source fails: different per thread and run.
fn fallback_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::thread::current().id())
}

/// A uniform wait in `[low, high]` (`low` when `high < low`), never above `high` despite
/// floating-point rounding.
fn uniform_between(low: Duration, high: Duration) -> Duration {
    if high <= low {
        return low;
    }
    let span = (high - low).as_secs_f64();
    low.saturating_add(saturating_secs(span * random_unit()))
        .min(high)
}

/// A jitter: turns the generator's wait into the wait actually slept.
///
/// Every `FnMut(Duration) -> Duration` is one, so `jitter = my_fn` works with
/// `fn my_fn(wait: Duration) -> Duration`.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::jitter::Jitter;
///
/// let mut halve = |wait: Duration| wait / 2;
/// assert_eq!(halve.jitter(Duration::from_secs(4)), Duration::from_secs(2));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a jitter",
    label = "expected a `fn(Duration) -> Duration` or a `retry_runtime::jitter::Jitter`",
    note = "use `retry_runtime::jitter::{{full_jitter, equal_jitter, random_jitter, no_jitter}}`, `decorrelated_jitter(base)`, or `jitter = None`"
)]
pub trait Jitter {
    /// The jittered wait for the generator's `wait`.
    fn jitter(&mut self, wait: Duration) -> Duration;
}

impl<F: FnMut(Duration) -> Duration> Jitter for F {
    #[inline]
    fn jitter(&mut self, wait: Duration) -> Duration {
        self(wait)
    }
}

/// Full jitter (the default): a uniform wait in `[0, wait]`.
///
/// ```
/// use std::time::Duration;
/// let w = retry_runtime::jitter::full_jitter(Duration::from_secs(2));
/// assert!(w <= Duration::from_secs(2));
/// ```
pub fn full_jitter(wait: Duration) -> Duration {
    uniform_between(Duration::ZERO, wait)
}

/// Equal jitter: half the wait plus a uniform wait in `[0, wait / 2]`, so in `[wait / 2, wait]`.
///
/// ```
/// use std::time::Duration;
/// let w = retry_runtime::jitter::equal_jitter(Duration::from_secs(2));
/// assert!(w >= Duration::from_secs(1) && w <= Duration::from_secs(2));
/// ```
pub fn equal_jitter(wait: Duration) -> Duration {
    let half = wait / 2;
    uniform_between(half, wait)
}

/// Python `backoff`'s `random_jitter`: the wait plus a uniform extra in `[0, 1)` second
/// (saturating at [`MAX_WAIT`]).
///
/// ```
/// use std::time::Duration;
/// let w = retry_runtime::jitter::random_jitter(Duration::from_secs(2));
/// assert!(w >= Duration::from_secs(2) && w < Duration::from_secs(3));
/// ```
pub fn random_jitter(wait: Duration) -> Duration {
    let extra = saturating_secs(random_unit()).min(Duration::from_nanos(999_999_999));
    wait.saturating_add(extra).min(MAX_WAIT.max(wait))
}

/// No jitter: the wait unchanged (`#[retry(jitter = None)]`).
///
/// ```
/// use std::time::Duration;
/// assert_eq!(retry_runtime::jitter::no_jitter(Duration::from_secs(2)), Duration::from_secs(2));
/// ```
#[inline]
pub fn no_jitter(wait: Duration) -> Duration {
    wait
}

/// The default jitter as a zero-sized value ([`full_jitter`]), so the default policy stores no
/// fn pointer.
#[derive(Debug, Clone, Copy, Default)]
#[doc(hidden)]
pub struct FullJitter;

impl Jitter for FullJitter {
    #[inline]
    fn jitter(&mut self, wait: Duration) -> Duration {
        full_jitter(wait)
    }
}

/// Decorrelated jitter (AWS): each wait is uniform in `[base, 3 * previous wait]`, starting from
/// `previous = base`, and never above the generator's wait, which acts as the cap. Pair it with
/// `constant().interval(cap)` for the AWS definition exactly. Built by [`decorrelated_jitter`];
/// it keeps state, so a fresh one is built for every call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DecorrelatedJitter {
    base: Duration,
    previous: Duration,
}

/// Decorrelated jitter with the given `base` in seconds (see [`DecorrelatedJitter`]).
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::jitter::{decorrelated_jitter, Jitter};
///
/// let mut j = decorrelated_jitter(0.1);
/// let cap = Duration::from_secs(10);
/// let first = j.jitter(cap);
/// assert!(first >= Duration::from_millis(100) && first <= Duration::from_millis(300));
/// ```
pub fn decorrelated_jitter(base: impl IntoSeconds) -> DecorrelatedJitter {
    let base = saturating_secs(base.into_seconds());
    DecorrelatedJitter {
        base,
        previous: base,
    }
}

impl Jitter for DecorrelatedJitter {
    fn jitter(&mut self, cap: Duration) -> Duration {
        let high = self.previous.saturating_mul(3).min(MAX_WAIT);
        let next = uniform_between(self.base, high).min(cap);
        self.previous = next;
        next
    }
}
