//! Error classes: which values of an error type a retry policy catches (Python's `isinstance`).

/// A class of errors: says which values of the error type `E` belong to it.
///
/// `exception = (InternalServerError, MethodNotAllowed)` in `#[retry]` means "retry an error `e`
/// when `InternalServerError::is_instance(&e) || MethodNotAllowed::is_instance(&e)`". Every error
/// type is its own class (the blanket impl), so `exception = MyError` catches every `MyError`.
///
/// A class is usually a marker type that is never constructed:
///
/// ```
/// use retry_runtime::ErrorClass;
///
/// #[derive(Debug)]
/// enum HttpError { Status(u16), Timeout }
///
/// /// Every 5xx answer.
/// struct ServerError;
///
/// impl ErrorClass<HttpError> for ServerError {
///     fn is_instance(error: &HttpError) -> bool {
///         matches!(error, HttpError::Status(500..=599))
///     }
/// }
///
/// assert!(ServerError::is_instance(&HttpError::Status(503)));
/// assert!(!ServerError::is_instance(&HttpError::Status(404)));
/// assert!(!ServerError::is_instance(&HttpError::Timeout));
/// // Every error type is its own class.
/// assert!(<HttpError as ErrorClass<HttpError>>::is_instance(&HttpError::Timeout));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an error class of `{E}`",
    label = "not an error class of `{E}`",
    note = "implement `retry_runtime::ErrorClass<{E}>` for `{Self}` to say which `{E}` values belong to it"
)]
pub trait ErrorClass<E: ?Sized> {
    /// Whether `error` belongs to this class.
    fn is_instance(error: &E) -> bool;
}

impl<E: ?Sized> ErrorClass<E> for E {
    #[inline]
    fn is_instance(_error: &E) -> bool {
        true
    }
}

/// One error class, as [`RetrySettingsBuilder::exception`](crate::RetrySettingsBuilder::exception)
/// takes it: every [`ErrorClass`]. Its own diagnostic points a tuple of classes, the commonest
/// mistake there, to `exceptions::<(A, B)>()`. Sealed: implemented through `ErrorClass` only.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an error class of `{E}`",
    label = "not one error class of `{E}`",
    note = "for a tuple of classes `(A, B)` (retry an error of any of them), call `.exceptions::<{Self}>()` instead of `.exception`",
    note = "for one class, implement `retry_runtime::ErrorClass<{E}>` for `{Self}` to say which `{E}` values belong to it"
)]
pub trait SingleClass<E: ?Sized>: sealed::Sealed<E> {
    /// Whether `error` belongs to this class.
    fn is_instance_of(error: &E) -> bool;
}

impl<E: ?Sized, C: ErrorClass<E> + ?Sized> SingleClass<E> for C {
    #[inline]
    fn is_instance_of(error: &E) -> bool {
        C::is_instance(error)
    }
}

mod sealed {
    pub trait Sealed<E: ?Sized> {}
    impl<E: ?Sized, C: super::ErrorClass<E> + ?Sized> Sealed<E> for C {}
}

/// A predicate on errors used by the engine for `exception` and `giveup`.
///
/// Implemented for every `Fn(&E) -> bool` and for the two constant predicates
/// [`AnyError`] and [`NoError`], which are the defaults (catch every error, never give up early).
pub trait ErrorFilter<E> {
    /// Whether the predicate holds for `error`.
    fn test(&self, error: &E) -> bool;
}

impl<E, F: Fn(&E) -> bool> ErrorFilter<E> for F {
    #[inline]
    fn test(&self, error: &E) -> bool {
        self(error)
    }
}

/// The predicate that holds for every error (the default `exception`: retry every error).
#[derive(Debug, Clone, Copy, Default)]
pub struct AnyError;

impl<E> ErrorFilter<E> for AnyError {
    #[inline]
    fn test(&self, _error: &E) -> bool {
        true
    }
}

/// The predicate that holds for no error (the default `giveup`: never give up early).
#[derive(Debug, Clone, Copy, Default)]
pub struct NoError;

impl<E> ErrorFilter<E> for NoError {
    #[inline]
    fn test(&self, _error: &E) -> bool {
        false
    }
}

/// A tuple of error classes meaning "any of them" (Python's `isinstance(e, (A, B))`):
/// `(InternalServerError, MethodNotAllowed)`. One class is written as a 1-tuple `(A,)`.
///
/// ```
/// use retry_runtime::{ErrorClass, RetrySettings};
///
/// #[derive(Debug)]
/// struct Status(u16);
/// struct ServerError;
/// impl ErrorClass<Status> for ServerError {
///     fn is_instance(e: &Status) -> bool { e.0 >= 500 }
/// }
/// struct TooManyRequests;
/// impl ErrorClass<Status> for TooManyRequests {
///     fn is_instance(e: &Status) -> bool { e.0 == 429 }
/// }
///
/// let settings = RetrySettings::<Status>::builder()
///     .exceptions::<(ServerError, TooManyRequests)>()
///     .build()
///     .unwrap();
/// assert!(settings.catches(&Status(429)));
/// assert!(settings.catches(&Status(503)));
/// assert!(!settings.catches(&Status(404)));
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a tuple of error classes of `{E}`",
    note = "write the classes as a tuple, `(A, B)`, or `(A,)` for one; each must implement `ErrorClass<{E}>`"
)]
pub trait ClassList<E: ?Sized> {
    /// Whether `error` belongs to any class of the tuple.
    fn contains(error: &E) -> bool;
}

macro_rules! class_tuples {
    ($($name:ident),+) => {
        impl<E: ?Sized, $($name: ErrorClass<E>),+> ClassList<E> for ($($name,)+) {
            #[inline]
            fn contains(error: &E) -> bool {
                false $(|| $name::is_instance(error))+
            }
        }
    };
}
class_tuples!(A);
class_tuples!(A, B);
class_tuples!(A, B, C);
class_tuples!(A, B, C, D);
class_tuples!(A, B, C, D, F);
class_tuples!(A, B, C, D, F, G);
class_tuples!(A, B, C, D, F, G, H);
class_tuples!(A, B, C, D, F, G, H, I);
