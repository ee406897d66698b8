//! Sleepers: how the loop waits between attempts, and which clock it reads.

use std::future::Future;
use std::time::{Duration, Instant};

/// How the retry loop waits and tells time.
///
/// `sleep` is used by async fns, `sleep_blocking` by sync fns; `now` is the monotonic clock used
/// for `elapsed` and `max_time`, so a sleeper with a fake clock makes time limits testable.
///
/// ```
/// use std::future::Ready;
/// use std::time::Duration;
/// use retry_runtime::sleep::Sleeper;
///
/// /// Never waits (for a test that does not care about time).
/// #[derive(Clone, Copy)]
/// struct NoSleep;
/// impl Sleeper for NoSleep {
///     type Sleep = Ready<()>;
///     fn sleep(&self, _wait: Duration) -> Ready<()> { std::future::ready(()) }
///     fn sleep_blocking(&self, _wait: Duration) {}
/// }
/// NoSleep.sleep_blocking(Duration::from_secs(3600)); // returns at once
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a sleeper",
    label = "not a `retry_runtime::sleep::Sleeper`",
    note = "async fns need an async sleeper: enable the `tokio` feature of `retry-runtime` or pass `sleeper = ...`"
)]
pub trait Sleeper {
    /// The future returned by [`Sleeper::sleep`].
    type Sleep: Future<Output = ()>;

    /// Waits `wait` asynchronously.
    fn sleep(&self, wait: Duration) -> Self::Sleep;

    /// Waits `wait`, blocking the thread (used by sync fns). Default: `std::thread::sleep`.
    fn sleep_blocking(&self, wait: Duration) {
        std::thread::sleep(wait);
    }

    /// The current time on a monotonic clock. Default: `Instant::now()`.
    fn now(&self) -> Instant {
        Instant::now()
    }
}

impl<S: Sleeper + ?Sized> Sleeper for &S {
    type Sleep = S::Sleep;
    fn sleep(&self, wait: Duration) -> S::Sleep {
        (**self).sleep(wait)
    }
    fn sleep_blocking(&self, wait: Duration) {
        (**self).sleep_blocking(wait);
    }
    fn now(&self) -> Instant {
        (**self).now()
    }
}

/// A sleeper from a fn returning the sleep future, for executors other than tokio. Built by
/// [`from_fn`].
#[derive(Debug, Clone, Copy)]
pub struct FnSleeper<F>(F);

/// A sleeper from a fn `Fn(Duration) -> impl Future<Output = ()>` (for example another
/// runtime's timer); blocking sleeps use `std::thread::sleep`, the clock is `Instant::now()`.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::sleep::{self, Sleeper};
///
/// let instant = sleep::from_fn(|_wait: Duration| std::future::ready(()));
/// let _future = instant.sleep(Duration::from_secs(1));
/// ```
pub fn from_fn<F, Fut>(sleep: F) -> FnSleeper<F>
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = ()>,
{
    FnSleeper(sleep)
}

impl<F, Fut> Sleeper for FnSleeper<F>
where
    F: Fn(Duration) -> Fut,
    Fut: Future<Output = ()>,
{
    type Sleep = Fut;

    fn sleep(&self, wait: Duration) -> Fut {
        (self.0)(wait)
    }
}

/// Sleeps with `tokio::time::sleep` and reads tokio's clock, so tests under a paused clock
/// (`#[tokio::test(start_paused = true)]`) never wait for real and see exact elapsed times.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[cfg(feature = "tokio")]
impl Sleeper for TokioSleeper {
    type Sleep = tokio::time::Sleep;

    #[inline]
    fn sleep(&self, wait: Duration) -> tokio::time::Sleep {
        tokio::time::sleep(wait)
    }

    #[inline]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

/// Sleeps by blocking the thread, for sync fns. Its async `sleep` also blocks (then completes at
/// once), so use it only where blocking is acceptable.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockingSleeper;

impl Sleeper for BlockingSleeper {
    type Sleep = std::future::Ready<()>;

    fn sleep(&self, wait: Duration) -> Self::Sleep {
        std::thread::sleep(wait);
        std::future::ready(())
    }
}

/// The sleeper a policy uses unless told otherwise: [`TokioSleeper`] for async fns when the
/// `tokio` feature is on (the default), `std::thread::sleep` for sync fns.
#[derive(Debug, Clone, Copy, Default)]
pub struct DefaultSleeper;

#[cfg(feature = "tokio")]
impl Sleeper for DefaultSleeper {
    type Sleep = tokio::time::Sleep;

    #[inline]
    fn sleep(&self, wait: Duration) -> tokio::time::Sleep {
        tokio::time::sleep(wait)
    }

    #[inline]
    fn now(&self) -> Instant {
        // tokio's clock falls back to the system's outside a runtime, and follows a paused
        // test clock inside one.
        tokio::time::Instant::now().into_std()
    }
}

#[cfg(not(feature = "tokio"))]
impl Sleeper for DefaultSleeper {
    type Sleep = ThreadTimer;

    fn sleep(&self, wait: Duration) -> ThreadTimer {
        ThreadTimer::new(wait)
    }
}

/// A timer future for executors other than tokio (the default sleeper without the `tokio`
/// feature): a helper thread sleeps and wakes the task.
#[cfg(not(feature = "tokio"))]
#[derive(Debug)]
pub struct ThreadTimer {
    deadline: Instant,
    shared: Option<std::sync::Arc<std::sync::Mutex<TimerState>>>,
}

#[cfg(not(feature = "tokio"))]
#[derive(Debug, Default)]
struct TimerState {
    done: bool,
    waker: Option<std::task::Waker>,
}

#[cfg(not(feature = "tokio"))]
impl ThreadTimer {
    fn new(wait: Duration) -> Self {
        let now = Instant::now();
        ThreadTimer {
            // Saturate rather than panic on an absurd wait.
            deadline: now
                .checked_add(wait.min(crate::wait::MAX_WAIT))
                .unwrap_or(now),
            shared: None,
        }
    }
}

#[cfg(not(feature = "tokio"))]
impl Future for ThreadTimer {
    type Output = ();

    fn poll(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        use std::task::Poll;
        if Instant::now() >= self.deadline {
            return Poll::Ready(());
        }
        let deadline = self.deadline;
        let shared = self.shared.get_or_insert_with(|| {
            let shared = std::sync::Arc::new(std::sync::Mutex::new(TimerState::default()));
            let remote = std::sync::Arc::clone(&shared);
            std::thread::spawn(move || {
                std::thread::sleep(deadline.saturating_duration_since(Instant::now()));
                let mut state = remote.lock().unwrap_or_else(|p| p.into_inner());
                state.done = true;
                if let Some(waker) = state.waker.take() {
                    waker.wake();
                }
            });
            shared
        });
        let mut state = shared.lock().unwrap_or_else(|p| p.into_inner());
        if state.done {
            Poll::Ready(())
        } else {
            state.waker = Some(cx.waker().clone());
            Poll::Pending
        }
    }
}
