//! The stages behind `#[retry]`, as a plain library: parse the attribute (`args`), parse the
//! fn (`item`), check them together (`validate`), write the retry loop (`expand`).
//!
//! Users never depend on this crate: they write `use retry_runtime::retry;`. It exists so the
//! stages can be unit-tested, printed (see `docs/how-retry-expands.md`) and fuzzed
//! ([`args::parse_retry_args`] is a plain function over `proc_macro2::TokenStream`).
//!
//! ```
//! use quote::quote;
//! let expanded = retry_macros_core::expand_retry(
//!     quote!(max_tries = 3),
//!     quote!(async fn ping() -> Result<(), std::io::Error> { Ok(()) }),
//! );
//! assert!(expanded.to_string().contains("attempt_async"));
//! ```

pub mod args;
pub mod expand;
pub mod item;
mod suggest;
pub mod validate;

use proc_macro2::TokenStream;

/// The whole attribute: `#[retry(attr)] item` becomes the returned tokens.
///
/// On any error the item is emitted unchanged, followed by one `compile_error!` per problem
/// (each at the offending token), so one mistake in the attribute does not turn into a
/// cascade of errors wherever the fn is used.
pub fn expand_retry(attr: TokenStream, item: TokenStream) -> TokenStream {
    let args = args::parse_retry_args(attr);
    let function = item::parse_retry_fn(item.clone());
    let outcome = match (args, function) {
        (Ok(args), Ok(function)) => {
            validate::validate(&args, &function).map(|()| expand::expand(&args, function))
        }
        (Err(mut error), Err(other)) => {
            error.combine(other);
            Err(error)
        }
        (Err(error), Ok(_)) | (Ok(_), Err(error)) => Err(error),
    };
    match outcome {
        Ok(expanded) => expanded,
        Err(error) => {
            let errors = error.to_compile_error();
            quote::quote!(#item #errors)
        }
    }
}
