//! Wait generators: the sequence of waits between attempts, built fresh for every call.
//!
//! Each generator is a small value with builder setters (so `#[retry(wait_gen = expo, base = 3)]`
//! becomes `expo().base(3)`), and implements [`WaitGen`]. The sequences are Python `backoff`'s:
//!
//! | generator | waits (seconds) |
//! |---|---|
//! | [`expo`] | `factor * base^n` for n = 0, 1, 2, ... (1, 2, 4, 8, ...), then `max_value` forever |
//! | [`fibo`] | 1, 1, 2, 3, 5, 8, ..., then `max_value` forever |
//! | [`constant`] | `interval` forever, or each of a finite list of intervals, then give up |
//! | [`runtime`] | computed from the last error (the `Retry-After` case) |
//! | [`decay`] | `initial_value * e^(-t * decay_factor)`, floored at `min_value` |
//! | [`from_iter`] | any iterator of waits; when it ends, the call gives up |
//!
//! Arithmetic saturates: a wait never overflows, panics or becomes NaN; it is at most
//! [`MAX_WAIT`].
//!
//! ```
//! use std::time::Duration;
//! use retry_runtime::wait::{self, WaitGen, Last};
//!
//! let mut expo = wait::expo().max_value(5);
//! let waits: Vec<_> = (0..5).map(|_| WaitGen::<()>::next_wait(&mut expo, Last::Value(&())).unwrap()).collect();
//! let secs: Vec<u64> = waits.iter().map(Duration::as_secs).collect();
//! assert_eq!(secs, [1, 2, 4, 5, 5]);
//! ```

use core::fmt;
use std::time::Duration;

/// The largest wait any generator or jitter produces (about 136 years): far enough to mean
/// "forever", small enough that `Instant + MAX_WAIT` and every timer stay valid.
pub const MAX_WAIT: Duration = Duration::from_secs(u32::MAX as u64);

/// Converts seconds to a [`Duration`], saturating: NaN and negative values give zero, values
/// beyond [`MAX_WAIT`] (including infinity) give `MAX_WAIT`. Never panics.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::{saturating_secs, MAX_WAIT};
///
/// assert_eq!(saturating_secs(1.5), Duration::from_millis(1500));
/// assert_eq!(saturating_secs(f64::NAN), Duration::ZERO);
/// assert_eq!(saturating_secs(-3.0), Duration::ZERO);
/// assert_eq!(saturating_secs(f64::INFINITY), MAX_WAIT);
/// ```
#[inline]
pub fn saturating_secs(secs: f64) -> Duration {
    if secs.is_nan() || secs <= 0.0 {
        Duration::ZERO
    } else if secs >= MAX_WAIT.as_secs_f64() {
        MAX_WAIT
    } else {
        Duration::from_secs_f64(secs)
    }
}

/// A number of seconds: integers, floats, or a [`Duration`]. Setters of wait generators and
/// `max_time` take `impl IntoSeconds`, so `base = 1`, `max_value = 2.5` and
/// `max_time = Duration::from_secs(30)` all work.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number of seconds",
    label = "expected seconds (an integer or a float) or a `Duration`",
    note = "write `30`, `0.5` or `Duration::from_secs(30)`"
)]
pub trait IntoSeconds {
    /// The value in seconds (may be negative or NaN; callers saturate).
    fn into_seconds(self) -> f64;

    /// The identity, through which `#[retry]` passes a `max_time` value: a value of the wrong
    /// type is one error, at the value (see [`WaitGen::__retry_checked`]).
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl IntoSeconds
    where
        Self: Sized,
    {
        self
    }
}

/// What `attempt_timeout` and `hedge_delay` accept: seconds as any number, a `Duration`, or an
/// `Option` of either (`None`: off).
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::IntoTimeout;
///
/// assert_eq!(2.into_timeout(), Some(2.0));
/// assert_eq!(Some(Duration::from_millis(500)).into_timeout(), Some(0.5));
/// assert_eq!(None::<Duration>.into_timeout(), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a number of seconds, a `Duration`, or an `Option` of one",
    label = "expected seconds, a `Duration`, or an `Option` of either (`None`: off)",
    note = "write `2`, `0.5`, `Duration::from_millis(500)` or an expression giving an `Option<Duration>`"
)]
pub trait IntoTimeout {
    /// The value in seconds, `None` for off (may be negative or NaN; callers check).
    fn into_timeout(self) -> Option<f64>;

    /// The identity, through which `#[retry]` passes `attempt_timeout` and `hedge_delay`
    /// values: a value of the wrong type is one error, at the value (see
    /// [`WaitGen::__retry_checked`](crate::wait::WaitGen::__retry_checked)).
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl IntoTimeout
    where
        Self: Sized,
    {
        self
    }
}

// One impl per type of both traits, not a blanket `IntoTimeout` over `IntoSeconds`: a value
// of another type then has no impl to select, and `#[retry]`'s check of it
// (`__retry_checked`) is one error.
macro_rules! seconds {
    ($($t:ty),*) => {$(
        impl IntoSeconds for $t {
            #[inline]
            #[allow(clippy::cast_lossless, clippy::cast_precision_loss)]
            fn into_seconds(self) -> f64 {
                self as f64
            }
        }
    )*
    seconds!(@timeout $($t),*, Duration);
    };
    (@timeout $($t:ty),*) => {$(
        impl IntoTimeout for $t {
            #[inline]
            fn into_timeout(self) -> Option<f64> {
                Some(self.into_seconds())
            }
        }

        impl IntoTimeout for Option<$t> {
            #[inline]
            fn into_timeout(self) -> Option<f64> {
                self.map(IntoSeconds::into_seconds)
            }
        }
    )*};
}
seconds!(
    i8, i16, i32, i64, i128, isize, u8, u16, u32, u64, u128, usize, f32, f64
);

impl IntoSeconds for Duration {
    #[inline]
    fn into_seconds(self) -> f64 {
        self.as_secs_f64()
    }
}

/// What the last attempt produced, handed to [`WaitGen::next_wait`].
pub enum Last<'a, E> {
    /// The attempt failed with this error.
    Error(&'a E),
    /// The attempt returned this value, which the `on_result` predicate asked to retry.
    Value(&'a dyn fmt::Debug),
}

impl<'a, E> Last<'a, E> {
    /// The error, if the attempt failed.
    pub fn error(&self) -> Option<&'a E> {
        match self {
            Last::Error(e) => Some(e),
            Last::Value(_) => None,
        }
    }
}

impl<E> Clone for Last<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Last<'_, E> {}

impl<E: fmt::Debug> fmt::Debug for Last<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Last::Error(e) => f.debug_tuple("Error").field(e).finish(),
            Last::Value(v) => f.debug_tuple("Value").field(v).finish(),
        }
    }
}

/// A generator of waits between attempts, for a fn failing with errors of type `E`.
///
/// `next_wait` is called once per backoff with the last attempt's outcome; `None` means the
/// sequence is exhausted and the call gives up.
///
/// Implement it for your own generator (the harborapi `adder` example):
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::{IntoSeconds, Last, WaitGen, saturating_secs};
///
/// /// Waits `base`, `base + value`, `base + 2 * value`, ...
/// #[derive(Clone)]
/// pub struct Adder { next: f64, value: f64 }
/// pub fn adder() -> Adder { Adder { next: 1.0, value: 1.0 } }
/// impl Adder {
///     pub fn base(mut self, base: impl IntoSeconds) -> Self { self.next = base.into_seconds(); self }
///     pub fn value(mut self, value: impl IntoSeconds) -> Self { self.value = value.into_seconds(); self }
/// }
/// impl<E> WaitGen<E> for Adder {
///     fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
///         let wait = self.next;
///         self.next += self.value;
///         Some(saturating_secs(wait))
///     }
/// }
///
/// let mut waits = adder().base(1).value(2);
/// let secs: Vec<u64> = (0..3)
///     .map(|_| WaitGen::<()>::next_wait(&mut waits, Last::Value(&())).unwrap().as_secs())
///     .collect();
/// assert_eq!(secs, [1, 3, 5]);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a wait generator for errors of type `{E}`",
    label = "not a `WaitGen<{E}>`",
    note = "use `retry_runtime::wait::{{expo, fibo, constant, runtime, decay, from_iter}}` or implement `WaitGen<{E}>`",
    note = "`runtime()` needs its `value` (the fn computing the wait from the error)"
)]
pub trait WaitGen<E> {
    /// The wait before the next attempt, or `None` to give up.
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration>;

    /// Returns `self` unchanged. The `#[retry]` expansion passes the key's value through this
    /// so that a value of the wrong type is one error, at the value: the failed projection
    /// leaves the policy's type unknown rather than wrong, and the compiler does not report
    /// the mistake a second time where the policy is used.
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl WaitGen<E>
    where
        Self: Sized,
    {
        self
    }
}

impl<E, W: WaitGen<E> + ?Sized> WaitGen<E> for &mut W {
    #[inline]
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        (**self).next_wait(last)
    }
}

impl<E, W: WaitGen<E> + ?Sized> WaitGen<E> for Box<W> {
    #[inline]
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        (**self).next_wait(last)
    }
}

#[inline]
fn seconds_param(value: impl IntoSeconds) -> f64 {
    let secs = value.into_seconds();
    if secs.is_nan() { 0.0 } else { secs }
}

/// Exponential waits `factor * base^n` for n = 0, 1, 2, ..., capped at `max_value`.
/// Built by [`expo`].
#[derive(Debug, Clone, PartialEq)]
pub struct Expo {
    base: f64,
    factor: f64,
    max_value: Option<f64>,
    n: i32,
}

/// Exponential backoff: waits 1, 2, 4, 8, ... seconds (`factor * base^n`, base 2, factor 1),
/// then `max_value` forever when one is set.
///
/// ```
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// let mut waits = wait::expo().base(3).factor(0.5).max_value(10);
/// let secs: Vec<f64> = (0..5)
///     .map(|_| WaitGen::<()>::next_wait(&mut waits, Last::Value(&())).unwrap().as_secs_f64())
///     .collect();
/// assert_eq!(secs, [0.5, 1.5, 4.5, 10.0, 10.0]);
/// ```
#[inline]
pub fn expo() -> Expo {
    Expo {
        base: 2.0,
        factor: 1.0,
        max_value: None,
        n: 0,
    }
}

impl Expo {
    /// The base of the exponent (default 2).
    #[must_use]
    #[inline]
    pub fn base(mut self, base: impl IntoSeconds) -> Self {
        self.base = seconds_param(base);
        self
    }
    /// The factor in seconds (default 1).
    #[must_use]
    #[inline]
    pub fn factor(mut self, factor: impl IntoSeconds) -> Self {
        self.factor = seconds_param(factor);
        self
    }
    /// The largest wait in seconds; once reached, every later wait is this value.
    #[must_use]
    #[inline]
    pub fn max_value(mut self, max_value: impl IntoSeconds) -> Self {
        self.max_value = Some(seconds_param(max_value));
        self
    }
}

impl<E> WaitGen<E> for Expo {
    #[inline]
    fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
        let raw = if self.factor == 0.0 {
            0.0
        } else {
            self.factor * self.base.powi(self.n)
        };
        let secs = match self.max_value {
            Some(max) if raw.is_nan() || raw >= max => max,
            _ => {
                self.n = self.n.saturating_add(1);
                raw
            }
        };
        Some(saturating_secs(secs))
    }
}

/// Fibonacci waits 1, 1, 2, 3, 5, ... seconds, capped at `max_value`. Built by [`fibo`].
#[derive(Debug, Clone, PartialEq)]
pub struct Fibo {
    a: f64,
    b: f64,
    max_value: Option<f64>,
}

/// Fibonacci backoff: waits 1, 1, 2, 3, 5, 8, ... seconds, then `max_value` forever when set.
///
/// ```
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// let mut waits = wait::fibo().max_value(6);
/// let secs: Vec<u64> = (0..7)
///     .map(|_| WaitGen::<()>::next_wait(&mut waits, Last::Value(&())).unwrap().as_secs())
///     .collect();
/// assert_eq!(secs, [1, 1, 2, 3, 5, 6, 6]);
/// ```
#[inline]
pub fn fibo() -> Fibo {
    Fibo {
        a: 1.0,
        b: 1.0,
        max_value: None,
    }
}

impl Fibo {
    /// The largest wait in seconds; once reached, every later wait is this value.
    #[must_use]
    #[inline]
    pub fn max_value(mut self, max_value: impl IntoSeconds) -> Self {
        self.max_value = Some(seconds_param(max_value));
        self
    }
}

impl<E> WaitGen<E> for Fibo {
    #[inline]
    fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
        let secs = match self.max_value {
            Some(max) if self.a >= max => max,
            _ => {
                let a = self.a;
                // Saturates to infinity, which `saturating_secs` caps; never NaN (both positive).
                (self.a, self.b) = (self.b, self.a + self.b);
                a
            }
        };
        Some(saturating_secs(secs))
    }
}

/// The intervals of a [`Constant`] generator: one interval forever, or a finite list.
pub trait Intervals {
    /// The interval at position `index` (0-based), or `None` when the list is used up.
    fn interval(&self, index: usize) -> Option<Duration>;
}

/// One interval repeated forever.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Forever(pub Duration);

impl Intervals for Forever {
    #[inline]
    fn interval(&self, _index: usize) -> Option<Duration> {
        Some(self.0)
    }
}

impl<const N: usize> Intervals for [Duration; N] {
    #[inline]
    fn interval(&self, index: usize) -> Option<Duration> {
        self.get(index).copied()
    }
}

impl Intervals for Vec<Duration> {
    #[inline]
    fn interval(&self, index: usize) -> Option<Duration> {
        self.get(index).copied()
    }
}

impl Intervals for &'static [Duration] {
    #[inline]
    fn interval(&self, index: usize) -> Option<Duration> {
        self.get(index).copied()
    }
}

/// A value [`Constant::interval`] accepts: seconds (any number or a `Duration`) for one interval
/// repeated forever, or an array or `Vec` of them, or a `&'static [Duration]`, for a finite
/// list.
pub trait IntoIntervals {
    /// The intervals type built from this value.
    type Intervals: Intervals;
    /// Converts (saturating each interval).
    fn into_intervals(self) -> Self::Intervals;
}

impl<S: IntoSeconds> IntoIntervals for S {
    type Intervals = Forever;
    #[inline]
    fn into_intervals(self) -> Forever {
        Forever(saturating_secs(self.into_seconds()))
    }
}

impl<S: IntoSeconds, const N: usize> IntoIntervals for [S; N] {
    type Intervals = [Duration; N];
    #[inline]
    fn into_intervals(self) -> [Duration; N] {
        self.map(|s| saturating_secs(s.into_seconds()))
    }
}

impl<S: IntoSeconds> IntoIntervals for Vec<S> {
    type Intervals = Vec<Duration>;
    fn into_intervals(self) -> Vec<Duration> {
        self.into_iter()
            .map(|s| saturating_secs(s.into_seconds()))
            .collect()
    }
}

/// A list kept in a `static`: its intervals in turn, without copying them.
impl IntoIntervals for &'static [Duration] {
    type Intervals = &'static [Duration];
    #[inline]
    fn into_intervals(self) -> &'static [Duration] {
        self
    }
}

/// Constant waits. Built by [`constant`].
#[derive(Debug, Clone, PartialEq)]
pub struct Constant<I = Forever> {
    intervals: I,
    index: usize,
}

/// Constant backoff: `interval` seconds (default 1) forever; or, given a list of intervals,
/// each of them in turn, after which the call gives up (as `backoff.constant` with an iterable).
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// let mut forever = wait::constant().interval(0.5);
/// assert_eq!(WaitGen::<()>::next_wait(&mut forever, Last::Value(&())), Some(Duration::from_millis(500)));
///
/// let mut listed = wait::constant().interval([1, 3]);
/// assert_eq!(WaitGen::<()>::next_wait(&mut listed, Last::Value(&())), Some(Duration::from_secs(1)));
/// assert_eq!(WaitGen::<()>::next_wait(&mut listed, Last::Value(&())), Some(Duration::from_secs(3)));
/// assert_eq!(WaitGen::<()>::next_wait(&mut listed, Last::Value(&())), None); // gives up
/// ```
#[inline]
pub fn constant() -> Constant {
    Constant {
        intervals: Forever(Duration::from_secs(1)),
        index: 0,
    }
}

impl<I> Constant<I> {
    /// The interval in seconds, or a list of intervals (an array or a `Vec`).
    #[must_use]
    #[inline]
    pub fn interval<X: IntoIntervals>(self, interval: X) -> Constant<X::Intervals> {
        Constant {
            intervals: interval.into_intervals(),
            index: 0,
        }
    }
}

impl<E, I: Intervals> WaitGen<E> for Constant<I> {
    #[inline]
    fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
        let wait = self.intervals.interval(self.index)?;
        self.index = self.index.saturating_add(1);
        Some(wait)
    }
}

/// A wait computed from the last error, as [`runtime`]'s `value` returns it: a `Duration`,
/// seconds as a number, or an `Option` of either (`None`: use the fallback generator).
pub trait IntoRuntimeWait {
    /// The wait, or `None` for "use the fallback".
    fn into_runtime_wait(self) -> Option<Duration>;
}

impl<S: IntoSeconds> IntoRuntimeWait for S {
    #[inline]
    fn into_runtime_wait(self) -> Option<Duration> {
        Some(saturating_secs(self.into_seconds()))
    }
}

impl<S: IntoSeconds> IntoRuntimeWait for Option<S> {
    #[inline]
    fn into_runtime_wait(self) -> Option<Duration> {
        self.map(|s| saturating_secs(s.into_seconds()))
    }
}

/// Marks a [`Runtime`] generator whose `value` fn is not set yet; it is not a [`WaitGen`].
#[derive(Debug, Clone, Copy)]
pub struct NoValue;

/// Waits computed from the last error. Built by [`runtime`].
#[derive(Debug, Clone)]
pub struct Runtime<F = NoValue, W = Expo> {
    value: F,
    fallback: W,
    max_value: Option<Duration>,
}

/// Waits computed at run time from the last error (Python's `backoff.runtime`): the
/// `Retry-After` case. `value` maps the error to a wait (a `Duration`, seconds, or an `Option`
/// of them); when it gives `None`, or the attempt returned a value rather than an error, the
/// fallback generator (default [`expo`]) decides. `max_value` caps the computed wait.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// #[derive(Debug)]
/// struct Throttled { retry_after: Option<u64> }
///
/// let mut waits = wait::runtime()
///     .value(|e: &Throttled| e.retry_after)
///     .max_value(60)
///     .or_else(wait::constant().interval(2));
/// let busy = Throttled { retry_after: Some(7) };
/// assert_eq!(waits.next_wait(Last::Error(&busy)), Some(Duration::from_secs(7)));
/// let rude = Throttled { retry_after: Some(3600) };
/// assert_eq!(waits.next_wait(Last::Error(&rude)), Some(Duration::from_secs(60)));
/// let silent = Throttled { retry_after: None };
/// assert_eq!(waits.next_wait(Last::Error(&silent)), Some(Duration::from_secs(2)));
/// ```
#[inline]
pub fn runtime() -> Runtime {
    Runtime {
        value: NoValue,
        fallback: expo(),
        max_value: None,
    }
}

impl<F, W> Runtime<F, W> {
    /// The fn computing the wait from the last error.
    #[must_use]
    #[inline]
    pub fn value<F2>(self, value: F2) -> Runtime<F2, W> {
        Runtime {
            value,
            fallback: self.fallback,
            max_value: self.max_value,
        }
    }
    /// The generator used when `value` gives no wait (default [`expo`]).
    #[must_use]
    #[inline]
    pub fn or_else<W2>(self, fallback: W2) -> Runtime<F, W2> {
        Runtime {
            value: self.value,
            fallback,
            max_value: self.max_value,
        }
    }
    /// The largest wait `value` may ask for, in seconds.
    #[must_use]
    #[inline]
    pub fn max_value(mut self, max_value: impl IntoSeconds) -> Self {
        self.max_value = Some(saturating_secs(max_value.into_seconds()));
        self
    }
}

impl<E, F, O, W> WaitGen<E> for Runtime<F, W>
where
    F: FnMut(&E) -> O,
    O: IntoRuntimeWait,
    W: WaitGen<E>,
{
    #[inline]
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        let computed = last
            .error()
            .and_then(|e| (self.value)(e).into_runtime_wait());
        match computed {
            Some(wait) => Some(match self.max_value {
                Some(max) => wait.min(max),
                None => wait,
            }),
            None => self.fallback.next_wait(last),
        }
    }
}

/// Decaying waits. Built by [`decay`].
#[derive(Debug, Clone, PartialEq)]
pub struct Decay {
    initial_value: f64,
    decay_factor: f64,
    min_value: Option<f64>,
    t: i32,
}

/// Exponential decay: waits `initial_value * e^(-t * decay_factor)` for t = 0, 1, 2, ...
/// (defaults 1 and 1), then `min_value` forever once the wait would fall below it.
///
/// ```
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// let mut waits = wait::decay().initial_value(8).decay_factor(std::f64::consts::LN_2).min_value(1.5);
/// let secs: Vec<f64> = (0..5)
///     .map(|_| WaitGen::<()>::next_wait(&mut waits, Last::Value(&())).unwrap().as_secs_f64())
///     .map(|s| (s * 1000.0).round() / 1000.0)
///     .collect();
/// assert_eq!(secs, [8.0, 4.0, 2.0, 1.5, 1.5]);
/// ```
#[inline]
pub fn decay() -> Decay {
    Decay {
        initial_value: 1.0,
        decay_factor: 1.0,
        min_value: None,
        t: 0,
    }
}

impl Decay {
    /// The first wait in seconds (default 1).
    #[must_use]
    #[inline]
    pub fn initial_value(mut self, initial_value: impl IntoSeconds) -> Self {
        self.initial_value = seconds_param(initial_value);
        self
    }
    /// The decay rate per attempt (default 1).
    #[must_use]
    #[inline]
    pub fn decay_factor(mut self, decay_factor: impl IntoSeconds) -> Self {
        self.decay_factor = seconds_param(decay_factor);
        self
    }
    /// The smallest wait in seconds; once reached, every later wait is this value.
    #[must_use]
    #[inline]
    pub fn min_value(mut self, min_value: impl IntoSeconds) -> Self {
        self.min_value = Some(seconds_param(min_value));
        self
    }
}

impl<E> WaitGen<E> for Decay {
    #[inline]
    fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
        let exponent = -f64::from(self.t) * self.decay_factor;
        let raw = if self.initial_value == 0.0 {
            0.0
        } else {
            self.initial_value * exponent.exp()
        };
        let secs = match self.min_value {
            Some(min) if raw.is_nan() || raw <= min => min,
            _ => {
                self.t = self.t.saturating_add(1);
                raw
            }
        };
        Some(saturating_secs(secs))
    }
}

/// Waits taken from an iterator. Built by [`from_iter`].
#[derive(Debug, Clone)]
pub struct FromIter<I>(I);

/// Any iterator of waits (seconds or `Duration`s) as a generator; when it ends, the call gives
/// up.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// let mut waits = wait::from_iter((1..=2).map(|s| Duration::from_millis(100 * s)));
/// assert_eq!(WaitGen::<()>::next_wait(&mut waits, Last::Value(&())), Some(Duration::from_millis(100)));
/// assert_eq!(WaitGen::<()>::next_wait(&mut waits, Last::Value(&())), Some(Duration::from_millis(200)));
/// assert_eq!(WaitGen::<()>::next_wait(&mut waits, Last::Value(&())), None);
/// ```
pub fn from_iter<I>(waits: I) -> FromIter<I::IntoIter>
where
    I: IntoIterator,
    I::Item: IntoSeconds,
{
    FromIter(waits.into_iter())
}

impl<E, I> WaitGen<E> for FromIter<I>
where
    I: Iterator,
    I::Item: IntoSeconds,
{
    #[inline]
    fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
        self.0.next().map(|s| saturating_secs(s.into_seconds()))
    }
}

/// A generator from a closure that sees the last error or value. Built by [`from_fn`].
#[derive(Debug, Clone)]
pub struct FromFn<F>(F);

/// A generator from a closure `FnMut(Last<'_, E>) -> Option<Duration>`: the most general form of
/// a user's own generator.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::wait::{self, WaitGen, Last};
///
/// let mut waits = wait::from_fn(|last: Last<'_, u16>| match last.error() {
///     Some(429) => Some(Duration::from_secs(30)),
///     _ => Some(Duration::from_secs(1)),
/// });
/// assert_eq!(waits.next_wait(Last::Error(&429)), Some(Duration::from_secs(30)));
/// ```
pub fn from_fn<F>(f: F) -> FromFn<F> {
    FromFn(f)
}

impl<E, F> WaitGen<E> for FromFn<F>
where
    F: FnMut(Last<'_, E>) -> Option<Duration>,
{
    #[inline]
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        (self.0)(last)
    }
}
