//! What `#[retry]` expansions call. Not public API: no semver guarantee. The specification is
//! `docs/expansion-contract.md`.

use core::fmt::Debug;
use core::future::Future;

pub use crate::__retry_render_arg as render_arg;
pub use crate::details::{Arg, REDACTED};
pub use crate::engine::{Engine, Policy, Step, policy};

/// The per-attempt wrapper of an async body: the identity, whose type parameter `R` tells
/// `?` and `return` inside the `async` block what the block returns.
#[inline(always)]
pub fn attempt_async<R, F: Future<Output = R>>(attempt: F) -> F {
    attempt
}

/// Whether an attempt's result is a success (see [`crate::RetryOutput::is_success`]).
#[inline]
pub fn is_success<R: crate::RetryOutput>(result: &R) -> bool {
    result.is_success()
}

/// The per-attempt wrapper of a sync body: calls the closure, whose return type is fixed to
/// `R` so `?` and `return` inside it end the attempt.
#[inline(always)]
pub fn attempt_sync<R, F: FnOnce() -> R>(attempt: F) -> R {
    attempt()
}

/// An argument the retried fn takes by value: it is cloned for each attempt.
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a fresh `{Self}` for each attempt, but `{Self}` is not `Clone`",
    label = "taken by value and not `Clone`",
    note = "take the argument by reference (`&{Self}`), or derive or implement `Clone` for it"
)]
pub trait RetryArg {
    /// A copy for one attempt.
    fn clone_for_attempt(&self) -> Self;
}

impl<T: Clone> RetryArg for T {
    #[inline(always)]
    fn clone_for_attempt(&self) -> Self {
        self.clone()
    }
}

/// Clones a by-value argument for one attempt.
#[inline(always)]
pub fn clone_arg<T: RetryArg>(value: &T) -> T {
    value.clone_for_attempt()
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
