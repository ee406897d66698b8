//! The attempts of a timed or hedged call, polled together in the caller's own future: no task
//! is spawned, so the call's future is `Send` exactly when the attempts' are.
//!
//! [`Attempts`] holds the running attempts (each raced against its own timeout) and one timer:
//! the hedge delay while attempts run, the backoff wait when none does. The engine decides what
//! each [`Event`] means ([`Engine::after_event`](crate::__private::Engine::after_event)); the
//! caller starts an attempt when told [`Next::Start`].

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};
use std::time::Instant;

use super::timeout::TimedAttempt;

pin_project_lite::pin_project! {
    /// One running attempt, tagged with its number and, when latencies are tracked, the
    /// time it started.
    struct Numbered<A> {
        #[pin]
        attempt: A,
        number: u32,
        started: Option<Instant>,
    }
}

impl<A: Future> Future for Numbered<A> {
    type Output = (u32, Option<Instant>, A::Output);

    #[inline]
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let (number, started) = (*this.number, *this.started);
        this.attempt
            .poll(cx)
            .map(|output| (number, started, output))
    }
}

/// What happened while the call waited.
#[derive(Debug)]
pub enum Event<R> {
    /// An attempt finished (or timed out: its result is then the timeout error).
    Finished {
        /// Its result.
        result: R,
        /// Its number (1 for the first).
        attempt: u32,
        /// When it started, if latencies are tracked (`hedge_delay = auto`).
        started: Option<Instant>,
    },
    /// The hedge delay passed with attempts still running.
    HedgeDue,
    /// The backoff wait after a failure is over.
    BackoffOver,
}

/// What the caller does next.
#[derive(Debug)]
pub enum Next<R> {
    /// Start another attempt, then wait for the next event.
    Start,
    /// Wait for the next event.
    Wait,
    /// The call is over: return this (the attempts still running are dropped with the set).
    Return(R),
}

pin_project_lite::pin_project! {
    /// The running attempts of one call and its one timer. Built by
    /// [`Engine::attempts`](crate::__private::Engine::attempts), pinned in the caller's future.
    ///
    /// One attempt at a time runs in `first`, inline: a call that never has two attempts
    /// running at once (a timed call, a hedged call answered before its delay, a retry after a
    /// failure) allocates nothing. Only an attempt started beside a running one goes to
    /// `others`, boxed (one allocation per hedge). Hedges are few (`max_hedges`), so each poll
    /// polls them all, instead of a `FuturesUnordered` whose task queue would be compiled
    /// again for every hedged fn's attempt type.
    #[must_use = "attempts do nothing unless polled"]
    pub struct Attempts<F, Sl, E> {
        #[pin]
        first: Option<Numbered<TimedAttempt<F, Sl, E>>>,
        others: Vec<Pin<Box<Numbered<TimedAttempt<F, Sl, E>>>>>,
        #[pin]
        timer: Option<Sl>,
        // What the timer is for: the hedge delay (attempts run) or a backoff wait (none does).
        timer_is_hedge: bool,
        // Whether two attempts ever ran at once: only then did the call hedge.
        overlapped: bool,
        // How many attempts the hedge delay started (for `max_hedges`).
        hedges: u32,
    }
}

impl<F, Sl, E> Attempts<F, Sl, E> {
    /// An empty set.
    #[inline]
    pub(crate) fn new() -> Self {
        Attempts {
            first: None,
            others: Vec::new(),
            timer: None,
            timer_is_hedge: false,
            overlapped: false,
            hedges: 0,
        }
    }

    /// How many attempts are running.
    #[inline]
    pub fn running(&self) -> u32 {
        let others = u32::try_from(self.others.len()).unwrap_or(u32::MAX);
        u32::from(self.first.is_some()).saturating_add(others)
    }

    /// Whether two attempts ever ran at once (the call hedged).
    #[inline]
    pub fn overlapped(&self) -> bool {
        self.overlapped
    }

    /// How many attempts the hedge delay started so far.
    #[inline]
    pub fn hedges(&self) -> u32 {
        self.hedges
    }

    /// Counts an attempt about to start because the hedge delay passed.
    #[inline]
    pub(crate) fn count_hedge(self: Pin<&mut Self>) {
        let this = self.project();
        *this.hedges = this.hedges.saturating_add(1);
    }

    /// Adds the attempt `attempt` makes, number `number`, started at `started` (when
    /// latencies are tracked), made in its place in the set; `hedge` (the hedge delay's timer)
    /// replaces the current timer.
    #[inline]
    pub(crate) fn push_with(
        self: Pin<&mut Self>,
        attempt: impl FnOnce() -> TimedAttempt<F, Sl, E>,
        number: u32,
        hedge: Option<Sl>,
        started: Option<Instant>,
    ) {
        let beside_another = self.running() > 0;
        let mut this = self.project();
        *this.overlapped |= beside_another;
        if this.first.is_none() {
            this.first.set(Some(Numbered {
                attempt: attempt(),
                number,
                started,
            }));
        } else {
            this.others.push(Box::pin(Numbered {
                attempt: attempt(),
                number,
                started,
            }));
        }
        *this.timer_is_hedge = hedge.is_some();
        this.timer.set(hedge);
    }

    /// Arms the backoff wait (no attempt is running).
    pub(crate) fn back_off(self: Pin<&mut Self>, wait: Sl) {
        let mut this = self.project();
        *this.timer_is_hedge = false;
        this.timer.set(Some(wait));
    }

    /// Waits for the next event: an attempt finishing (first, so an attempt that answers as a
    /// timer fires is not hedged), the hedge delay, or the backoff wait.
    #[inline]
    pub fn next<R>(mut self: Pin<&mut Self>) -> impl Future<Output = Event<R>> + '_
    where
        F: Future<Output = R>,
        Sl: Future<Output = ()>,
        R: crate::RetryOutput<Err = E>,
    {
        core::future::poll_fn(move |cx| self.as_mut().poll_event(cx))
    }

    pub(crate) fn poll_event<R>(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Event<R>>
    where
        F: Future<Output = R>,
        Sl: Future<Output = ()>,
        R: crate::RetryOutput<Err = E>,
    {
        let mut this = self.project();
        if let Some(first) = this.first.as_mut().as_pin_mut()
            && let Poll::Ready((attempt, started, result)) = first.poll(cx)
        {
            this.first.set(None);
            return Poll::Ready(Event::Finished {
                result,
                attempt,
                started,
            });
        }
        for index in 0..this.others.len() {
            if let Poll::Ready((attempt, started, result)) = this.others[index].as_mut().poll(cx) {
                drop(this.others.swap_remove(index));
                return Poll::Ready(Event::Finished {
                    result,
                    attempt,
                    started,
                });
            }
        }
        if let Some(timer) = this.timer.as_mut().as_pin_mut()
            && timer.poll(cx).is_ready()
        {
            this.timer.set(None);
            return Poll::Ready(if *this.timer_is_hedge {
                Event::HedgeDue
            } else {
                Event::BackoffOver
            });
        }
        if this.first.is_none() && this.others.is_empty() && this.timer.is_none() {
            // Nothing to wait for: the engine always starts an attempt or a backoff before it
            // waits, so a driver that gets here is broken. Tests (debug builds) stop on it
            // rather than spin, for no event could ever come; a release build starts one.
            debug_assert!(
                false,
                "waited on an attempt set with no attempt and no timer"
            );
            return Poll::Ready(Event::BackoffOver);
        }
        Poll::Pending
    }
}
