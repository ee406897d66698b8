//! [`SharedSource`]: how the keys and setters of the handles shared between calls (the
//! [`CircuitBreaker`](crate::CircuitBreaker) and the
//! [`AdaptiveLimiter`](crate::limiter::AdaptiveLimiter)) take their value: the handle, a
//! reference to one (cloned: one `Arc`), or an `Option` of either (`None`: none).

/// A handle shared by many calls, whose clones share one state.
pub trait SharedHandle: Clone + sealed::Sealed {}

impl SharedHandle for crate::CircuitBreaker {}
impl SharedHandle for crate::limiter::AdaptiveLimiter {}

mod sealed {
    pub trait Sealed {}
    impl Sealed for crate::CircuitBreaker {}
    impl Sealed for crate::limiter::AdaptiveLimiter {}
}

/// What `breaker = ..`, `limiter = ..`, [`Policy::breaker`](crate::Policy::breaker) and
/// [`Policy::limiter`](crate::Policy::limiter) accept: the handle `H`, a `&H`, or an `Option`
/// of either.
///
/// ```
/// use retry_runtime::CircuitBreaker;
/// use retry_runtime::shared::SharedSource;
///
/// let breaker = CircuitBreaker::builder().build()?;
/// assert!(SharedSource::<CircuitBreaker>::into_handle(&breaker).is_some());
/// assert!(SharedSource::<CircuitBreaker>::into_handle(None::<CircuitBreaker>).is_none());
/// # Ok::<(), retry_runtime::SettingsError>(())
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a shared `{H}`",
    label = "expected the `{H}` to share, a reference to it, or an `Option` of either",
    note = "build one with `{H}::builder()...build()` and share it (clones share one state); `None` means none"
)]
pub trait SharedSource<H> {
    /// The handle, if any.
    fn into_handle(self) -> Option<H>;

    /// Returns `self` unchanged. The `#[retry]` expansion passes the key's value through this
    /// so that a value of the wrong type is one error, at the value.
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl SharedSource<H>
    where
        Self: Sized,
    {
        self
    }
}

impl<H: SharedHandle> SharedSource<H> for H {
    #[inline]
    fn into_handle(self) -> Option<H> {
        Some(self)
    }
}

impl<H: SharedHandle> SharedSource<H> for &H {
    #[inline]
    fn into_handle(self) -> Option<H> {
        Some(self.clone())
    }
}

impl<H: SharedHandle, S: SharedSource<H>> SharedSource<H> for Option<S> {
    #[inline]
    fn into_handle(self) -> Option<H> {
        self.and_then(SharedSource::into_handle)
    }
}
