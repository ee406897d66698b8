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

    /// Returns `self` unchanged. The `#[retry]` expansion passes the key's value through this
    /// so that a value of the wrong type is one error, at the value: the failed projection
    /// leaves the policy's type unknown rather than wrong, and the compiler does not report
    /// the mistake a second time where the policy is used.
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl Sleeper<Sleep = Self::Sleep>
    where
        Self: Sized,
    {
        self
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
///
/// A zero wait does not touch the timer: it yields to the scheduler once (as
/// `tokio::task::yield_now` does), so a retry loop with no wait stays cooperative without
/// waiting for the timer's next 1 ms tick.
#[cfg(feature = "tokio")]
#[derive(Debug, Clone, Copy, Default)]
pub struct TokioSleeper;

#[cfg(feature = "tokio")]
impl Sleeper for TokioSleeper {
    type Sleep = TokioSleep;

    #[inline]
    fn sleep(&self, wait: Duration) -> TokioSleep {
        TokioSleep::new(wait)
    }

    #[inline]
    fn now(&self) -> Instant {
        tokio::time::Instant::now().into_std()
    }
}

#[cfg(feature = "tokio")]
pin_project_lite::pin_project! {
    /// The future of [`TokioSleeper::sleep`] (and of the default sleeper): a
    /// `tokio::time::Sleep` for a non-zero wait; for a zero wait, one yield to the scheduler
    /// (the task wakes itself and returns `Pending` once), which needs no timer.
    #[derive(Debug)]
    #[must_use = "futures do nothing unless polled"]
    pub struct TokioSleep {
        #[pin]
        state: TokioSleepState,
    }
}

#[cfg(feature = "tokio")]
pin_project_lite::pin_project! {
    #[project = TokioSleepProj]
    #[derive(Debug)]
    enum TokioSleepState {
        Yield { yielded: bool },
        Timer { #[pin] sleep: tokio::time::Sleep },
    }
}

#[cfg(feature = "tokio")]
impl TokioSleep {
    /// Sleeps `wait` on tokio's timer, or yields once when `wait` is zero.
    #[inline]
    pub fn new(wait: Duration) -> Self {
        let state = if wait.is_zero() {
            TokioSleepState::Yield { yielded: false }
        } else {
            TokioSleepState::Timer {
                sleep: tokio::time::sleep(wait),
            }
        };
        TokioSleep { state }
    }
}

#[cfg(feature = "tokio")]
impl Future for TokioSleep {
    type Output = ();

    #[inline]
    fn poll(
        self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<()> {
        match self.project().state.project() {
            TokioSleepProj::Yield { yielded } => {
                if *yielded {
                    std::task::Poll::Ready(())
                } else {
                    *yielded = true;
                    // Waking itself while running puts the task at the back of the run queue
                    // (tokio treats it as a yield), so other tasks get their turn.
                    cx.waker().wake_by_ref();
                    std::task::Poll::Pending
                }
            }
            TokioSleepProj::Timer { sleep } => sleep.poll(cx),
        }
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
#[doc(hidden)]
pub struct DefaultSleeper;

#[cfg(feature = "tokio")]
impl Sleeper for DefaultSleeper {
    type Sleep = TokioSleep;

    /// As [`TokioSleeper`]: a zero wait yields once instead of arming a timer.
    #[inline]
    fn sleep(&self, wait: Duration) -> TokioSleep {
        TokioSleep::new(wait)
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
#[cfg(any(test, not(feature = "tokio")))]
#[derive(Debug)]
pub struct ThreadTimer {
    deadline: Instant,
    shared: Option<std::sync::Arc<std::sync::Mutex<TimerState>>>,
}

#[cfg(any(test, not(feature = "tokio")))]
#[derive(Debug, Default)]
struct TimerState {
    done: bool,
    waker: Option<std::task::Waker>,
}

#[cfg(any(test, not(feature = "tokio")))]
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

#[cfg(any(test, not(feature = "tokio")))]
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

#[cfg(all(test, feature = "tokio"))]
mod tests {
    use super::*;
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::task::{Context, Poll, Wake, Waker};

    struct CountingWaker(AtomicU32);

    impl Wake for CountingWaker {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
        fn wake_by_ref(self: &Arc<Self>) {
            self.0.fetch_add(1, Ordering::Relaxed);
        }
    }

    /// A zero wait needs no timer (this runs outside any runtime, where `tokio::time::sleep`
    /// would panic): it wakes itself once, returns `Pending` once, then is ready.
    #[test]
    fn zero_wait_yields_once_without_the_timer() {
        let counter = Arc::new(CountingWaker(AtomicU32::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        for sleeper_future in [
            TokioSleeper.sleep(Duration::ZERO),
            DefaultSleeper.sleep(Duration::ZERO),
        ] {
            counter.0.store(0, Ordering::Relaxed);
            let mut future = pin!(sleeper_future);
            assert_eq!(future.as_mut().poll(&mut cx), Poll::Pending);
            assert_eq!(
                counter.0.load(Ordering::Relaxed),
                1,
                "woken to be polled again"
            );
            assert_eq!(future.as_mut().poll(&mut cx), Poll::Ready(()));
        }
    }

    /// `&S` forwards `sleep_blocking` to `S`, and the trait's default blocks the thread for
    /// at least the wait (`std::thread::sleep`'s promise, not a timing threshold).
    #[test]
    fn sleep_blocking_forwards_through_a_reference_and_defaults_to_the_thread() {
        struct Counting(AtomicU32);
        impl Sleeper for Counting {
            type Sleep = std::future::Ready<()>;
            fn sleep(&self, _wait: Duration) -> Self::Sleep {
                std::future::ready(())
            }
            fn sleep_blocking(&self, _wait: Duration) {
                self.0.fetch_add(1, Ordering::Relaxed);
            }
        }
        let counting = Counting(AtomicU32::new(0));
        <&Counting as Sleeper>::sleep_blocking(&&counting, Duration::from_secs(3600));
        assert_eq!(counting.0.load(Ordering::Relaxed), 1);

        struct Plain;
        impl Sleeper for Plain {
            type Sleep = std::future::Ready<()>;
            fn sleep(&self, _wait: Duration) -> Self::Sleep {
                std::future::ready(())
            }
        }
        let start = Instant::now();
        Plain.sleep_blocking(Duration::from_millis(20));
        assert!(start.elapsed() >= Duration::from_millis(20));
    }

    /// The timer of the default sleeper without the `tokio` feature: pending until its
    /// deadline (at least the wait has passed when it is ready).
    #[test]
    fn the_thread_timer_is_ready_only_once_its_wait_has_passed() {
        let counter = Arc::new(CountingWaker(AtomicU32::new(0)));
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        let start = Instant::now();
        let mut timer = pin!(ThreadTimer::new(Duration::from_millis(30)));
        assert_eq!(timer.as_mut().poll(&mut cx), Poll::Pending);
        while timer.as_mut().poll(&mut cx).is_pending() {
            std::thread::sleep(Duration::from_millis(5));
        }
        assert!(start.elapsed() >= Duration::from_millis(30));
        // A zero wait is ready at once.
        assert_eq!(
            pin!(ThreadTimer::new(Duration::ZERO)).poll(&mut cx),
            Poll::Ready(())
        );
    }

    /// A non-zero wait is still tokio's timer (the paused clock advances by exactly the wait).
    #[tokio::test(start_paused = true)]
    async fn non_zero_wait_uses_the_timer() {
        let start = tokio::time::Instant::now();
        DefaultSleeper.sleep(Duration::from_millis(1500)).await;
        assert_eq!(start.elapsed(), Duration::from_millis(1500));
    }

    /// The zero-wait yield lets another task of the same thread run in between.
    #[tokio::test(flavor = "current_thread")]
    async fn zero_wait_lets_other_tasks_run() {
        let ran = Arc::new(AtomicU32::new(0));
        let other = tokio::spawn({
            let ran = Arc::clone(&ran);
            async move {
                ran.fetch_add(1, Ordering::Relaxed);
            }
        });
        TokioSleeper.sleep(Duration::ZERO).await;
        assert_eq!(ran.load(Ordering::Relaxed), 1);
        other.await.unwrap();
    }
}
