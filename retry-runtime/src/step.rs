//! What the engine says after an attempt ([`Step`]), which `Ok` values are retried (value
//! filters, `on_result`).

use core::fmt::Debug;
use std::time::Duration;

/// What to do after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step<R> {
    /// The call is over: return this.
    Return(R),
    /// Wait this long, then make another attempt.
    Wait(Duration),
}

/// A predicate on success values that asks for a retry (`on_result`, Python's `on_predicate`).
pub trait ValueFilter<T> {
    /// `Some(the value as Debug)` when the value must be retried, `None` when it is a success.
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug>;
    /// Whether every value is a success (no value predicate), known without a value.
    #[inline]
    fn accepts_all(&self) -> bool {
        false
    }
}

/// The default value filter: every `Ok` value is a success.
#[derive(Debug, Clone, Copy, Default)]
pub struct AcceptAll;

impl<T> ValueFilter<T> for AcceptAll {
    #[inline]
    fn rejects<'v>(&self, _value: &'v T) -> Option<&'v dyn Debug> {
        None
    }
    #[inline]
    fn accepts_all(&self) -> bool {
        true
    }
}

/// Retry while the predicate holds on the `Ok` value. Built by [`Policy::on_result`].
#[derive(Debug, Clone, Copy)]
pub struct OnResult<P>(pub P);

impl<T: Debug, P: Fn(&T) -> bool> ValueFilter<T> for OnResult<P> {
    #[inline]
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug> {
        if (self.0)(value) { Some(value) } else { None }
    }
}
