//! What `#[retry]` expansions call. Not public API: no semver guarantee. The specification is
//! `docs/expansion-contract.md`.

use core::convert::Infallible;
use core::fmt::Debug;
use core::future::Future;
use core::ops::ControlFlow;
use core::task::Poll;

pub use crate::__retry_args as args;
pub use crate::__retry_nothing_value as nothing_value;
pub use crate::__retry_render_arg as render_arg;
pub use crate::__retry_target as target;
pub use crate::concurrent::{
    Attempts, Event, Hedged, HoldsTimedOut, Next, TimedAttempt, TimeoutValue, hedged,
};
pub use crate::expects::ByValueArgument;
pub use crate::output::GiveUpValue;
pub use crate::settings::IntoSettings;
pub use crate::wait::IntoTimeout;
// The hedged expansion names the runtime through one alias of this module
// (`use ::retry_runtime::__private as __retry_rt;`), so what the policy's checks name
// through the crate root is here too (diagnostics still print the public paths: rustc
// prefers them to a `#[doc(hidden)]` module's).
pub use crate::__private;
pub use crate::details::{Arg, REDACTED};
pub use crate::engine::Engine;
pub use crate::policy::{Policy, policy};
pub use crate::step::Step;
pub use crate::{
    CircuitBreaker, Details, HoldsCircuitOpen, Hook, NoneError, RetryOutput, RetrySettings,
};
pub use crate::{breaker, budget, expects, jitter, latency, limiter, shared, sleep, wait};
pub use tracing::Level;

/// The per-attempt wrapper of an async body: the identity, whose type parameter `R` tells
/// `?` and `return` inside the `async` block what the block returns.
#[inline(always)]
pub fn attempt_async<R, F: Future<Output = R>>(attempt: F) -> F {
    attempt
}

/// The start time of a call under the default sleeper's clock (tokio's, which follows a
/// paused test clock), read before the first attempt by `#[retry]`'s lazy form and handed to
/// [`Policy::start_at`].
#[inline]
pub fn started() -> std::time::Instant {
    crate::sleep::Sleeper::now(&crate::sleep::DefaultSleeper)
}

/// Whether an attempt's result is a success (see [`crate::RetryOutput::is_success`]).
#[inline]
pub fn is_success<R: crate::RetryOutput>(result: &R) -> bool {
    result.is_success()
}

/// The per-attempt wrapper of an async body written inline (a labelled block in the fn's own
/// future, see [`Branch`]): the identity, whose type parameter `R` gives the block its type.
#[inline(always)]
pub fn attempt_inline<R>(result: R) -> R {
    result
}

/// The stable stand-in for `core::ops::Try::branch`: what a `?` rewritten by `#[retry]` calls
/// on its operand. Implemented for every type `?` accepts in a fn returning `Result` or
/// `Option` on stable Rust.
#[diagnostic::on_unimplemented(
    message = "the `?` operator can only be applied to values that implement `Try`",
    label = "the `?` operator cannot be applied to type `{Self}`"
)]
pub trait Branch {
    /// The value a successful `?` produces.
    type Output;
    /// What the fn returns when `?` short-circuits, before conversion.
    type Residual;
    /// Continue with the value, or break with the residual.
    fn branch(self) -> ControlFlow<Self::Residual, Self::Output>;
}

impl<T, E> Branch for Result<T, E> {
    type Output = T;
    type Residual = Result<Infallible, E>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Ok(value) => ControlFlow::Continue(value),
            Err(error) => ControlFlow::Break(Err(error)),
        }
    }
}

impl<T> Branch for Option<T> {
    type Output = T;
    type Residual = Option<Infallible>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, T> {
        match self {
            Some(value) => ControlFlow::Continue(value),
            None => ControlFlow::Break(None),
        }
    }
}

impl<T, E> Branch for Poll<Result<T, E>> {
    type Output = Poll<T>;
    type Residual = Result<Infallible, E>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, Poll<T>> {
        match self {
            Poll::Ready(Ok(value)) => ControlFlow::Continue(Poll::Ready(value)),
            Poll::Ready(Err(error)) => ControlFlow::Break(Err(error)),
            Poll::Pending => ControlFlow::Continue(Poll::Pending),
        }
    }
}

impl<T, E> Branch for Poll<Option<Result<T, E>>> {
    type Output = Poll<Option<T>>;
    type Residual = Result<Infallible, E>;
    #[inline(always)]
    fn branch(self) -> ControlFlow<Self::Residual, Poll<Option<T>>> {
        match self {
            Poll::Ready(Some(Ok(value))) => ControlFlow::Continue(Poll::Ready(Some(value))),
            Poll::Ready(Some(Err(error))) => ControlFlow::Break(Err(error)),
            Poll::Ready(None) => ControlFlow::Continue(Poll::Ready(None)),
            Poll::Pending => ControlFlow::Continue(Poll::Pending),
        }
    }
}

/// The stable stand-in for `core::ops::FromResidual`: turns a rewritten `?`'s residual into
/// the fn's return type, converting the error with `From` as `?` does.
#[diagnostic::on_unimplemented(
    message = "the `?` operator cannot turn `{Residual}` into `{Self}`, the fn's return type",
    label = "this `?` short-circuits with `{Residual}`"
)]
pub trait FromResidual<Residual> {
    /// The fn's return value for a short-circuiting `?`.
    fn from_residual(residual: Residual) -> Self;
}

impl<T, E, F: From<E>> FromResidual<Result<Infallible, E>> for Result<T, F> {
    #[inline(always)]
    fn from_residual(residual: Result<Infallible, E>) -> Self {
        match residual {
            Err(error) => Err(From::from(error)),
        }
    }
}

impl<T> FromResidual<Option<Infallible>> for Option<T> {
    #[inline(always)]
    fn from_residual(_: Option<Infallible>) -> Self {
        None
    }
}

/// The per-attempt wrapper of a sync body: calls the closure, whose return type is fixed to
/// `R` so `?` and `return` inside it end the attempt.
#[inline(always)]
pub fn attempt_sync<R, F: FnOnce() -> R>(attempt: F) -> R {
    attempt()
}

/// A by-value argument cloned for one attempt that runs as its own `async` block, before the
/// block is made: the block moves it in with [`OwnedArg::take`] and owns it, so the block
/// holds no reference to the fn's argument, which then needs no `Sync` for the future to be
/// `Send`. (Used by value in the block, a `Copy` value would be captured by reference; a call
/// taking this wrapper by value is a move whatever `T` is.)
pub struct OwnedArg<T>(T);

impl<T> OwnedArg<T> {
    /// The clone, handed to the attempt.
    #[inline(always)]
    pub fn take(self) -> T {
        self.0
    }
}

/// Wraps a by-value argument's clone ([`ByValueArgument::clone_for_attempt`](crate::expects::ByValueArgument)) to be moved into an attempt's `async`
/// block.
#[inline(always)]
pub fn owned_arg<T>(clone: T) -> OwnedArg<T> {
    OwnedArg(clone)
}

/// The return type's "nothing" value, if it has one (autoref specialisation, see
/// `nothing_value!`): lets run-time settings' `raise_on_giveup = false` apply to a fn whose
/// attribute does not name `raise_on_giveup`.
pub struct NothingProbe<R>(core::marker::PhantomData<fn() -> R>);

impl<R> NothingProbe<R> {
    /// A probe for `R`.
    #[inline(always)]
    pub const fn new() -> Self {
        NothingProbe(core::marker::PhantomData)
    }
}

impl<R> Default for NothingProbe<R> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen first by `nothing_value!` when `R` has a "nothing" value.
pub trait NothingOf<R> {
    /// `Some(R::nothing)`.
    fn __retry_nothing(&self) -> Option<fn() -> R>;
}

impl<R: crate::GiveUpValue> NothingOf<R> for &NothingProbe<R> {
    #[inline(always)]
    fn __retry_nothing(&self) -> Option<fn() -> R> {
        Some(R::nothing)
    }
}

/// Chosen by `nothing_value!` when `R` has no "nothing" value.
pub trait NoNothing<R> {
    /// `None`.
    fn __retry_nothing(&self) -> Option<fn() -> R>;
}

impl<R> NoNothing<R> for NothingProbe<R> {
    #[inline(always)]
    fn __retry_nothing(&self) -> Option<fn() -> R> {
        None
    }
}

/// `nothing_value!(R)`: `Some(R::nothing)` when `R: GiveUpValue`, else `None`.
#[doc(hidden)]
#[macro_export]
macro_rules! __retry_nothing_value {
    ($output:ty) => {{
        #[allow(unused_imports)]
        use $crate::__private::{NoNothing as _, NothingOf as _};
        (&&$crate::__private::NothingProbe::<$output>::new()).__retry_nothing()
    }};
}

/// Wraps an argument for rendering by `render_arg!` (autoref specialisation).
pub struct Render<'a, T>(pub &'a T);

/// Chosen first by `render_arg!` when the argument's type has `Debug`.
pub trait RenderDebug<'a> {
    /// The argument as `&dyn Debug`.
    fn __retry_render(&self) -> &'a dyn Debug;
}

impl<'a, T: Debug> RenderDebug<'a> for &Render<'a, T> {
    #[inline(always)]
    fn __retry_render(&self) -> &'a dyn Debug {
        self.0
    }
}

/// Chosen by `render_arg!` when the argument's type has no `Debug`: renders `<opaque>`.
pub trait RenderOpaque<'a> {
    /// The `<opaque>` marker.
    fn __retry_render(&self) -> &'a dyn Debug;
}

impl<'a, T> RenderOpaque<'a> for Render<'a, T> {
    #[inline(always)]
    fn __retry_render(&self) -> &'a dyn Debug {
        crate::details::OPAQUE
    }
}

/// `render_arg!(expr)`: the expression as `&dyn Debug`, its own `Debug` where its type has one,
/// `<opaque>` where not. Works on any place expression of a `Sized` type.
#[doc(hidden)]
#[macro_export]
macro_rules! __retry_render_arg {
    ($value:expr) => {{
        #[allow(unused_imports)]
        use $crate::__private::{RenderDebug as _, RenderOpaque as _};
        (&&$crate::__private::Render(&$value)).__retry_render()
    }};
}

/// No "nothing" value for a give-up (the error is returned), typed by the return type `R`:
/// what the hedged expansion hands [`hedged`] when neither `raise_on_giveup` nor run-time
/// settings can ask for one; it also fixes `R` for the driver.
#[inline(always)]
pub fn none<R>() -> Option<fn() -> R> {
    None
}

/// One entry of `Details.args` (`args!`).
#[inline(always)]
pub fn arg<'a>(name: &'static str, value: &'a dyn Debug) -> Arg<'a> {
    Arg { name, value }
}

/// `args!(|pattern| "name" name, "token", ..)`: the hedged expansion's `Details.args`
/// callback for [`hedged`]: `pattern` binds the by-value arguments the driver owns (a tuple,
/// or `_`), each entry is a name and the binding it shows (`render_arg!`), or a name alone
/// for a redacted argument. The `[Arg]` array lives only inside the callback.
#[doc(hidden)]
#[macro_export]
macro_rules! __retry_args {
    (|$owned:pat_param| $($name:literal $($value:ident)?),* $(,)?) => {
        |$owned, __retry_f: &mut dyn ::core::ops::FnMut(&[$crate::__private::Arg<'_>])| {
            __retry_f(&[$($crate::__private::arg(
                $name,
                $crate::__retry_args!(@value $($value)?),
            )),*])
        }
    };
    (@value $value:ident) => {
        $crate::__private::render_arg!($value)
    };
    (@value) => {
        $crate::__private::REDACTED
    };
}

/// `target!("fn")`: `Details.target`, the fn's path (`module_path!()` of the call site, `::`,
/// the fn's name).
#[doc(hidden)]
#[macro_export]
macro_rules! __retry_target {
    ($name:literal) => {
        ::core::concat!(::core::module_path!(), "::", $name)
    };
}

/// The self-tuning hedge delay of one `#[retry(hedge_delay = auto)]` fn: one tracker with the
/// defaults, shared by every call of the fn (the expansion keeps it in a `static`).
pub fn auto_hedge() -> crate::latency::AutoHedge {
    crate::latency::LatencyTracker::default().into()
}
