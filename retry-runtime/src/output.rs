//! What a retried fn returns: how the engine sees success, failure and "nothing".

use core::fmt;

/// A return type the retry loop can work with: something that is either a success or an error.
///
/// Implemented for `Result<T, E>` and for `Option<T>` (where `None` is the error [`NoneError`]).
///
/// ```
/// use retry_runtime::RetryOutput;
///
/// let r: Result<u8, String> = RetryOutput::from_result(Ok(1));
/// assert_eq!(r.into_result(), Ok(1));
/// let o: Option<u8> = None;
/// assert!(o.into_result().is_err());
/// ```
#[diagnostic::on_unimplemented(
    message = "`#[retry]` cannot retry a fn returning `{Self}`",
    label = "this return type is neither a `Result` nor an `Option`",
    note = "a retried fn returns `Result<T, E>` (or `Option<T>`), so the loop can tell a failure from a success"
)]
pub trait RetryOutput: Sized {
    /// The success type.
    type Ok;
    /// The error type.
    type Err;
    /// Splits the value into success or error.
    fn into_result(self) -> Result<Self::Ok, Self::Err>;
    /// Rebuilds the value from success or error.
    fn from_result(result: Result<Self::Ok, Self::Err>) -> Self;
    /// Whether the value is a success, looked at without taking it apart. Lets `#[retry]`
    /// return a first-try success before it builds its engine. The default, `false`, is
    /// always correct (the engine is then built and decides).
    #[inline]
    fn is_success(&self) -> bool {
        false
    }
}

impl<T, E> RetryOutput for Result<T, E> {
    type Ok = T;
    type Err = E;
    #[inline]
    fn into_result(self) -> Result<T, E> {
        self
    }
    #[inline]
    fn from_result(result: Result<T, E>) -> Self {
        result
    }
    #[inline]
    fn is_success(&self) -> bool {
        self.is_ok()
    }
}

impl<T> RetryOutput for Option<T> {
    type Ok = T;
    type Err = NoneError;
    #[inline]
    fn into_result(self) -> Result<T, NoneError> {
        self.ok_or(NoneError)
    }
    #[inline]
    fn from_result(result: Result<T, NoneError>) -> Self {
        result.ok()
    }
    #[inline]
    fn is_success(&self) -> bool {
        self.is_some()
    }
}

/// The error side of an `Option`: a retried fn returning `Option<T>` failed with `None`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct NoneError;

impl fmt::Display for NoneError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("the operation returned None")
    }
}

impl std::error::Error for NoneError {}

/// A return type with a "nothing" value, returned on give-up when `raise_on_giveup = false`
/// (where Python's `backoff` returns `None`).
///
/// ```
/// use retry_runtime::GiveUpValue;
///
/// assert_eq!(<Result<Option<u8>, String>>::nothing(), Ok(None));
/// assert_eq!(<Result<(), String>>::nothing(), Ok(()));
/// assert_eq!(<Option<u8>>::nothing(), None);
/// ```
#[diagnostic::on_unimplemented(
    message = "`raise_on_giveup = false` needs a return type with a \"nothing\" value, and `{Self}` has none",
    label = "no \"nothing\" value to return on give-up",
    note = "return `Result<Option<T>, E>`, `Result<(), E>` or `Option<T>`, or keep `raise_on_giveup = true`"
)]
pub trait GiveUpValue {
    /// The value returned on give-up instead of the error.
    fn nothing() -> Self;
}

impl<T, E> GiveUpValue for Result<Option<T>, E> {
    #[inline]
    fn nothing() -> Self {
        Ok(None)
    }
}

impl<E> GiveUpValue for Result<(), E> {
    #[inline]
    fn nothing() -> Self {
        Ok(())
    }
}

impl<T> GiveUpValue for Option<T> {
    #[inline]
    fn nothing() -> Self {
        None
    }
}
