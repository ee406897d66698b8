//! What each fn-valued key of `#[retry]` expects, as fns carrying the key's bound.
//!
//! The attribute passes `giveup`, `on_result` and `exception` values, and hook and jitter
//! closures, through these fns, so a value of the wrong signature is one error, at the value,
//! stated in the terms of the annotated fn (its error type, its value type,
//! `&Details<'_, E>`), and the compiler's note names the key: "required by a bound in
//! `expects::giveup`". What they return has no bound left to fail, so nothing after the check
//! is reported again.
//!
//! They also give a closure written outside the attribute its parameter types:
//!
//! ```
//! use retry_runtime::expects;
//!
//! #[derive(Debug)]
//! enum FetchError { NotFound, Unavailable }
//!
//! let is_fatal = expects::giveup::<FetchError, _>(|error| matches!(error, FetchError::NotFound));
//! assert!(is_fatal.call(&FetchError::NotFound));
//! assert!(!is_fatal.call(&FetchError::Unavailable));
//! ```

use core::fmt;
use core::marker::PhantomData;
use core::time::Duration;

use crate::classify::ErrorClass;
use crate::details::Details;
use crate::hooks::Hook;
use crate::jitter::Jitter;

/// A predicate that passed its key's check: the value and the way to call it, captured where
/// the bound held (a fn pointer, so using it needs no bound again).
pub struct Predicate<A, F> {
    predicate: F,
    call: for<'a> fn(&F, &'a A) -> bool,
    argument: PhantomData<fn(&A)>,
}

impl<A, F> Predicate<A, F> {
    /// Runs the predicate.
    #[inline(always)]
    pub fn call(&self, argument: &A) -> bool {
        (self.call)(&self.predicate, argument)
    }

    /// The predicate as a closure, for the setters of [`Policy`](crate::Policy).
    #[inline(always)]
    pub fn into_fn(self) -> impl Fn(&A) -> bool {
        move |argument: &A| self.call(argument)
    }
}

impl<A, F: Clone> Clone for Predicate<A, F> {
    fn clone(&self) -> Self {
        Predicate {
            predicate: self.predicate.clone(),
            call: self.call,
            argument: PhantomData,
        }
    }
}

impl<A, F> fmt::Debug for Predicate<A, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Predicate")
    }
}

/// `giveup`: a predicate on the fn's error; `true` ends the call at once.
#[inline(always)]
pub fn giveup<E, F: Fn(&E) -> bool>(predicate: F) -> Predicate<E, F> {
    Predicate {
        predicate,
        call: |predicate, error| predicate(error),
        argument: PhantomData,
    }
}

/// `on_result`: a predicate on the fn's `Ok` value; `true` retries the call.
///
/// ```
/// let is_empty = retry_runtime::expects::on_result::<Vec<u32>, _>(|page| page.is_empty());
/// assert!(is_empty.call(&vec![]));
/// ```
#[inline(always)]
pub fn on_result<T, F: Fn(&T) -> bool>(predicate: F) -> Predicate<T, F> {
    Predicate {
        predicate,
        call: |predicate, value| predicate(value),
        argument: PhantomData,
    }
}

/// A wait floor that passed its key's check (see [`wait_floor`]).
pub struct FloorCheck<E, F> {
    floor: F,
    call: for<'a> fn(&F, &'a E) -> Option<Duration>,
}

impl<E, F> FloorCheck<E, F> {
    /// The floor as a closure, for [`Policy::wait_floor`](crate::Policy::wait_floor).
    #[inline(always)]
    pub fn into_fn(self) -> impl Fn(&E) -> Option<Duration> {
        move |error: &E| (self.call)(&self.floor, error)
    }
}

impl<E, F> fmt::Debug for FloorCheck<E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("FloorCheck")
    }
}

/// `wait_floor`: the least wait the fn's error asks for (an HTTP `Retry-After`), or `None`.
///
/// ```
/// use std::time::Duration;
/// struct Busy(u64);
/// let floor = retry_runtime::expects::wait_floor::<Busy, _>(|e| Some(Duration::from_secs(e.0)))
///     .into_fn();
/// assert_eq!(floor(&Busy(3)), Some(Duration::from_secs(3)));
/// ```
#[inline(always)]
pub fn wait_floor<E, F: Fn(&E) -> Option<Duration>>(floor: F) -> FloorCheck<E, F> {
    FloorCheck {
        floor,
        call: |floor, error| floor(error),
    }
}

/// A hook closure that passed its key's check (see [`hook`]).
pub struct HookFn<E, F> {
    hook: F,
    call: for<'a, 'd> fn(&F, &'a Details<'d, E>),
}

impl<E, F> HookFn<E, F> {
    /// The hook, for the hook setters of [`Policy`](crate::Policy).
    #[inline(always)]
    pub fn into_hook(self) -> impl Hook<E> {
        move |details: &Details<'_, E>| (self.call)(&self.hook, details)
    }
}

impl<E, F> fmt::Debug for HookFn<E, F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("HookFn")
    }
}

/// `on_success`, `on_backoff`, `on_giveup` given a closure: a hook given the call's
/// [`Details`].
///
/// ```
/// use retry_runtime::{Details, Hook};
/// let log = retry_runtime::expects::hook::<std::io::Error, _>(|details| {
///     println!("{} failed {} times", details.target, details.tries);
/// })
/// .into_hook();
/// # let _ = &log;
/// ```
#[inline(always)]
pub fn hook<E, F: Fn(&Details<'_, E>)>(hook: F) -> HookFn<E, F> {
    HookFn {
        hook,
        call: |hook, details| hook(details),
    }
}

/// A jitter closure that passed its key's check (see [`jitter`]).
pub struct JitterFn<F> {
    jitter: F,
    call: fn(&mut F, Duration) -> Duration,
}

impl<F> JitterFn<F> {
    /// The jitter, for [`Policy::jitter`](crate::Policy::jitter).
    #[inline(always)]
    pub fn into_jitter(mut self) -> impl Jitter {
        move |wait: Duration| (self.call)(&mut self.jitter, wait)
    }
}

impl<F> fmt::Debug for JitterFn<F> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("JitterFn")
    }
}

/// `jitter` given a closure: the jittered wait for the generator's wait.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::jitter::Jitter;
/// let mut half = retry_runtime::expects::jitter(|wait| wait / 2).into_jitter();
/// assert_eq!(half.jitter(Duration::from_secs(2)), Duration::from_secs(1));
/// ```
#[inline(always)]
pub fn jitter<F: FnMut(Duration) -> Duration>(jitter: F) -> JitterFn<F> {
    JitterFn {
        jitter,
        call: |jitter, wait| jitter(wait),
    }
}

/// `exception`: whether `error` belongs to the error class `C` (see [`ErrorClass`]).
///
/// ```
/// assert!(retry_runtime::expects::exception::<std::io::Error, _>(&std::io::Error::other("x")));
/// ```
#[inline(always)]
pub fn exception<C: ErrorClass<E>, E>(error: &E) -> bool {
    C::is_instance(error)
}

/// An argument the retried fn takes by value: `#[retry]` clones it for each attempt (every
/// `Clone` type is one). The expansion calls `ByValueArgument::clone_for_attempt(&arg)`, so
/// an argument that is not `Clone` is one error, at the argument.
///
/// ```
/// use retry_runtime::expects::ByValueArgument;
/// let name = String::from("library");
/// assert_eq!(ByValueArgument::clone_for_attempt(&name), "library");
/// ```
#[diagnostic::on_unimplemented(
    message = "`#[retry]` needs a fresh `{Self}` for each attempt, but `{Self}` is not `Clone`",
    label = "taken by value and not `Clone`",
    note = "take the argument by reference (`&{Self}`), or derive or implement `Clone` for it"
)]
pub trait ByValueArgument {
    /// A copy for one attempt.
    fn clone_for_attempt(&self) -> Self;
}

impl<T: Clone> ByValueArgument for T {
    #[inline(always)]
    fn clone_for_attempt(&self) -> Self {
        self.clone()
    }
}
