//! The `#[retry]` attribute. Use it through the runtime: `use retry_runtime::retry;`.
//!
//! The work happens in `retry-macros-core` (parse, validate, expand); this crate is only the
//! compiler's entry point. The keys, the forms it accepts and the code it writes are
//! documented on `retry_runtime::retry` and in `docs/how-retry-expands.md`.

use proc_macro::TokenStream;

/// Retries the annotated fn with exponential backoff (or any wait generator), the way
/// Python's `backoff.on_exception` decorates a function.
///
/// See `retry_runtime::retry` for the keys and examples; this crate is not meant to be used
/// directly.
#[proc_macro_attribute]
pub fn retry(attr: TokenStream, item: TokenStream) -> TokenStream {
    retry_macros_core::expand_retry(attr.into(), item.into()).into()
}
