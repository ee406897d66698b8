//! The `#[retry]` attribute (under construction). Use it through `retry_runtime::retry`.
use proc_macro::TokenStream;

/// Retries the annotated function (under construction: currently passes the item through).
#[proc_macro_attribute]
pub fn retry(_args: TokenStream, item: TokenStream) -> TokenStream {
    item
}
