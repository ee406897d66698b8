//! The hedged call as one generic driver: what `#[retry]` expands a fn with `hedge_delay` into.
//!
//! The expansion hands over only what is the fn's own: the "nothing" value (which names the
//! return type `R`), the policy's setters (a closure given `policy::<R>()`, ending in
//! `.start(target)`), the by-value arguments (moved in), the `Details.args` callback and the
//! attempt factory. Everything else (the attempt set, the event loop, the decisions) is here,
//! once, instead of inline in every hedged fn.
//!
//! [`Hedged`] is a hand-written future: its fields are all it holds across a `.await`, so it is
//! `Send` exactly when they are: the engine, the attempt set (the running attempts' futures and
//! one timer), the by-value arguments and the two closures. An attempt's result, the [`Event`]
//! holding it, the [`Next`] and the `[Arg]` array (`&dyn Debug`, not `Sync`) live only inside
//! one `poll`. The factory is handed `&O` and returns a future that owns its clones (it borrows
//! no by-value argument), so a `Send` but not `Sync` argument (a `Cell`) keeps the call `Send`.

use core::future::Future;
use core::pin::Pin;
use core::task::{Context, Poll};

use super::attempts::{Attempts, Event, Next};
use crate::details::Arg;
use crate::engine::Engine;
use crate::output::RetryOutput;
use crate::policy::Policy;
use crate::rules::CallRules;
use crate::sleep::Sleeper;
use crate::step::Step;

pin_project_lite::pin_project! {
    /// A hedged call in progress ([`hedged`]).
    #[must_use = "futures do nothing unless polled"]
    pub struct Hedged<T, E, Rl, S, Sl, R, O, A, F, Fut> {
        engine: Engine<T, E, Rl, S>,
        #[pin]
        attempts: Attempts<Fut, Sl, E>,
        owned: O,
        args: A,
        attempt: F,
        nothing: Option<fn() -> R>,
        // The last decision was `Next::Start` (or nothing started yet).
        start: bool,
        // The shared guards were asked for the attempt about to start (reset when it starts).
        admitted: bool,
    }
}

/// Runs one hedged call: `policy` (given `policy::<R>()`, ending in `.start(target)`) is
/// evaluated at once, as the expansion's values are, before the first attempt; then attempts
/// are made by `attempt(&owned)` as the engine decides after each event of the set.
/// `args(&owned, f)` calls `f` with `Details.args` whenever the engine decides. `nothing`, as
/// for [`Engine::after_event`], also fixes `R`: the setters' closure and the attempt's `async`
/// block get their types from it.
#[inline]
pub fn hedged<T, E, Rl, S, R, O, A, F, Fut>(
    nothing: Option<fn() -> R>,
    policy: impl FnOnce(Policy<T, E>) -> Engine<T, E, Rl, S>,
    owned: O,
    args: A,
    attempt: F,
) -> Hedged<T, E, Rl, S, S::Sleep, R, O, A, F, Fut>
where
    R: RetryOutput<Ok = T, Err = E>,
    Rl: CallRules<T, E>,
    S: Sleeper,
    A: Fn(&O, &mut dyn FnMut(&[Arg<'_>])),
    F: FnMut(&O) -> Fut,
    Fut: Future<Output = R>,
{
    let engine = policy(Policy::new());
    let attempts = engine.attempts();
    Hedged {
        engine,
        attempts,
        owned,
        args,
        attempt,
        nothing,
        start: true,
        admitted: false,
    }
}

impl<T, E, Rl, S, R, O, A, F, Fut> Future for Hedged<T, E, Rl, S, S::Sleep, R, O, A, F, Fut>
where
    R: RetryOutput<Ok = T, Err = E>,
    Rl: CallRules<T, E>,
    S: Sleeper,
    A: Fn(&O, &mut dyn FnMut(&[Arg<'_>])),
    F: FnMut(&O) -> Fut,
    Fut: Future<Output = R>,
{
    type Output = R;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<R> {
        let mut this = self.project();
        loop {
            if *this.start {
                *this.start = false;
                // Before an attempt that starts with none running (the first, or a retry
                // after its wait), the breaker and the limiter are asked once; a limiter's wait
                // is served as a backoff, whose end starts the attempt.
                if !*this.admitted && this.attempts.running() == 0 {
                    *this.admitted = true;
                    match admit(this.engine, |f| (this.args)(this.owned, f), *this.nothing) {
                        Step::Return(refused) => return Poll::Ready(refused),
                        Step::Wait(wait) if !wait.is_zero() => {
                            let sleep = this.engine.sleep(wait);
                            this.attempts.as_mut().back_off(sleep);
                            continue;
                        }
                        Step::Wait(_) => {}
                    }
                }
                *this.admitted = false;
                let (make, owned) = (&mut *this.attempt, &*this.owned);
                this.engine
                    .start_attempt(this.attempts.as_mut(), || make(owned));
            }
            let Poll::Ready(event) = this.attempts.as_mut().poll_event(cx) else {
                return Poll::Pending;
            };
            // The common end (a success with nothing to run that needs the arguments) returns
            // the result as it is, instead of handing it through the decision.
            let event = match event {
                Event::Finished {
                    result, started, ..
                } if this
                    .engine
                    .ends_quietly(&result, started, this.attempts.overlapped()) =>
                {
                    return Poll::Ready(result);
                }
                event => event,
            };
            let next = decide(
                this.engine,
                this.attempts.as_mut(),
                event,
                |f| (this.args)(this.owned, f),
                *this.nothing,
            );
            match next {
                Next::Start => *this.start = true,
                Next::Wait => {}
                Next::Return(result) => return Poll::Ready(result),
            }
        }
    }
}

/// Calls `f` with `Details.args`, rendered for that call only by the expansion's callback
/// `args` (which calls back once); `None` if it did not call back.
#[inline]
fn with_args<X>(
    args: impl FnOnce(&mut dyn FnMut(&[Arg<'_>])),
    f: impl FnOnce(&[Arg<'_>]) -> X,
) -> Option<X> {
    let mut f = Some(f);
    let mut out = None;
    args(&mut |rendered| {
        if let Some(f) = f.take() {
            out = Some(f(rendered));
        }
    });
    out
}

/// [`Engine::admit`] with the arguments rendered only when a breaker may refuse.
#[inline]
fn admit<T, E, Rl, S, R>(
    engine: &Engine<T, E, Rl, S>,
    args: impl FnOnce(&mut dyn FnMut(&[Arg<'_>])),
    nothing: Option<fn() -> R>,
) -> Step<R>
where
    R: RetryOutput<Ok = T, Err = E>,
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    if engine.rules.breaker().is_none() {
        return engine.admit(&[], nothing);
    }
    with_args(args, |rendered| engine.admit(rendered, nothing))
        .unwrap_or(Step::Wait(core::time::Duration::ZERO))
}

/// [`Engine::after_event`] with the arguments rendered only for the call, through `args`.
#[inline]
fn decide<T, E, Rl, S, R, Fut>(
    engine: &mut Engine<T, E, Rl, S>,
    attempts: Pin<&mut Attempts<Fut, S::Sleep, E>>,
    event: Event<R>,
    args: impl FnOnce(&mut dyn FnMut(&[Arg<'_>])),
    nothing: Option<fn() -> R>,
) -> Next<R>
where
    R: RetryOutput<Ok = T, Err = E>,
    Rl: CallRules<T, E>,
    S: Sleeper,
{
    with_args(args, |rendered| {
        engine.after_event(attempts, event, rendered, nothing)
    })
    .unwrap_or(Next::Wait)
}
