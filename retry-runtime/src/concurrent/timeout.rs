//! Per-attempt timeouts: [`AttemptTimedOut`], the error an attempt that ran too long is turned
//! into, and the future that races one attempt against its timer.

use core::fmt;
use core::future::Future;
use core::marker::PhantomData;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::Duration;

use crate::output::RetryOutput;
use crate::wait::IntoTimeout;

/// An attempt ran longer than its `attempt_timeout` and was dropped.
///
/// The retried fn's error type holds it through `From<AttemptTimedOut>` (required by the
/// `attempt_timeout` key and setters), and the error then goes through `exception`, `giveup`,
/// the hooks and [`Details`](crate::Details) like any other error.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::AttemptTimedOut;
///
/// #[derive(Debug)]
/// enum ApiError { TimedOut(AttemptTimedOut), Server(u16) }
///
/// impl From<AttemptTimedOut> for ApiError {
///     fn from(timed_out: AttemptTimedOut) -> Self {
///         ApiError::TimedOut(timed_out)
///     }
/// }
///
/// let timed_out = AttemptTimedOut::new(Duration::from_millis(250), 2);
/// assert_eq!(timed_out.to_string(), "attempt 2 timed out after 250ms");
/// assert!(matches!(ApiError::from(timed_out), ApiError::TimedOut(t) if t.attempt() == 2));
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct AttemptTimedOut {
    timeout: Duration,
    attempt: u32,
}

impl AttemptTimedOut {
    /// The error of attempt number `attempt` (1 for the first) that ran `timeout` without
    /// finishing.
    pub const fn new(timeout: Duration, attempt: u32) -> Self {
        AttemptTimedOut { timeout, attempt }
    }

    /// How long the attempt was given: the `attempt_timeout`, or less when `max_time` left
    /// less time than that.
    pub const fn timeout(&self) -> Duration {
        self.timeout
    }

    /// The number of the attempt (1 for the first).
    pub const fn attempt(&self) -> u32 {
        self.attempt
    }
}

impl fmt::Display for AttemptTimedOut {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "attempt {} timed out after {:?}",
            self.attempt, self.timeout
        )
    }
}

impl std::error::Error for AttemptTimedOut {}

/// Builds the fn's error from an [`AttemptTimedOut`]: `E::from`, captured where the bound
/// `E: From<AttemptTimedOut>` was checked (the setter), so nothing later needs it again.
pub(crate) type TimedOutFn<E> = fn(AttemptTimedOut) -> E;

/// An error type that can hold an [`AttemptTimedOut`]: every `E: From<AttemptTimedOut>`. The
/// bound of the `attempt_timeout` setters, named so that a type without the conversion gets
/// one error saying how to add it.
#[diagnostic::on_unimplemented(
    message = "`attempt_timeout` needs the error type `{Self}` to hold an `AttemptTimedOut`",
    label = "`{Self}` does not implement `From<retry_runtime::AttemptTimedOut>`",
    note = "a timed-out attempt fails with `{Self}::from(AttemptTimedOut)`: implement `From<retry_runtime::AttemptTimedOut> for {Self}` (for example as a `TimedOut` variant)"
)]
pub trait HoldsTimedOut {
    /// `Self::from(timed_out)`.
    fn from_timed_out(timed_out: AttemptTimedOut) -> Self;

    /// `#[retry]`'s `attempt_timeout` value paired with the error type's conversion. The
    /// expansion calls it as `<E as HoldsTimedOut>::..` spanned at the key, so an error type
    /// without the conversion is one error there, naming only the user's error type.
    #[doc(hidden)]
    #[inline]
    fn __retry_timeout_value(value: impl IntoTimeout) -> TimeoutValue<Self>
    where
        Self: Sized,
    {
        TimeoutValue {
            secs: value.into_timeout(),
            timed_out: Self::from_timed_out,
        }
    }
}

impl<E: From<AttemptTimedOut>> HoldsTimedOut for E {
    #[inline]
    fn from_timed_out(timed_out: AttemptTimedOut) -> Self {
        E::from(timed_out)
    }
}

/// The error type's conversion, as a [`TimedOutFn`].
#[inline]
pub(crate) fn timed_out_fn<E: HoldsTimedOut>() -> TimedOutFn<E> {
    E::from_timed_out
}

/// `#[retry]`'s `attempt_timeout` value with the error type's conversion, built by
/// [`HoldsTimedOut::__retry_timeout_value`] where the bound is checked (at the key), then
/// handed to the policy.
#[doc(hidden)]
pub struct TimeoutValue<E> {
    pub(crate) secs: Option<f64>,
    pub(crate) timed_out: TimedOutFn<E>,
}

/// A positive, finite number of seconds as a `Duration`; anything else is off, with a warning
/// naming `what`.
pub(crate) fn positive_secs(secs: Option<f64>, what: &'static str) -> Option<Duration> {
    let secs = secs?;
    if secs.is_finite() && secs > 0.0 {
        Some(crate::wait::saturating_secs(secs))
    } else {
        tracing::warn!(secs, "retry: {what} must be finite and greater than 0; off");
        None
    }
}

pin_project_lite::pin_project! {
    /// One attempt raced against its timer (`Engine::timed`): the attempt's own result when it
    /// finishes first; when the timer fires first, the attempt is dropped and the result is
    /// the fn's error built from [`AttemptTimedOut`]. Without a timeout it is the attempt.
    #[must_use = "futures do nothing unless polled"]
    pub struct TimedAttempt<F, Sl, E> {
        #[pin]
        attempt: F,
        #[pin]
        timer: Option<Sl>,
        limit: Option<(Duration, TimedOutFn<E>)>,
        number: u32,
        _error: PhantomData<fn() -> E>,
    }
}

impl<F, Sl, E> TimedAttempt<F, Sl, E> {
    /// Attempt `number`, with its timer already armed when `limit` is set.
    #[inline]
    pub(crate) fn new(
        attempt: F,
        timer: Option<Sl>,
        limit: Option<(Duration, TimedOutFn<E>)>,
        number: u32,
    ) -> Self {
        TimedAttempt {
            attempt,
            timer,
            limit,
            number,
            _error: PhantomData,
        }
    }
}

impl<F, Sl, E, R> Future for TimedAttempt<F, Sl, E>
where
    F: Future<Output = R>,
    Sl: Future<Output = ()>,
    R: RetryOutput<Err = E>,
{
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let this = self.project();
        // The attempt first: one that finishes as its timer fires keeps its result.
        if let Poll::Ready(result) = this.attempt.poll(cx) {
            return Poll::Ready(result);
        }
        if let (Some(timer), Some((timeout, timed_out))) = (this.timer.as_pin_mut(), *this.limit)
            && timer.poll(cx).is_ready()
        {
            let error = timed_out(AttemptTimedOut::new(timeout, *this.number));
            return Poll::Ready(R::from_result(Err(error)));
        }
        Poll::Pending
    }
}
