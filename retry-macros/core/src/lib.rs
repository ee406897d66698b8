//! The stages behind `#[retry]`, as a plain library: parse the attribute (`args`), parse the
//! fn (`item`), check them together (`validate`), write the retry loop (`expand`) around
//! each attempt (`attempt`).
//!
//! Users never depend on this crate: they write `use retry_runtime::retry;`. It exists so the
//! stages can be unit-tested, printed (see `docs/how-retry-expands.md`) and fuzzed
//! ([`args::parse_retry_args`] is a plain function over `proc_macro2::TokenStream`).
//!
//! **Not a stable API.** Its modules and types are the macro's internals, public for this
//! workspace's tests, benchmarks and fuzzers; they change with the macro, in any release,
//! without notice. The attribute's contract is `#[retry]`'s documentation.
//!
//! ```
//! use quote::quote;
//! let expanded = retry_macros_core::expand_retry(
//!     quote!(max_tries = 3),
//!     quote!(async fn ping() -> Result<(), std::io::Error> { Ok(()) }),
//! );
//! assert!(expanded.to_string().contains("attempt_inline"));
//! ```

pub mod args;
pub mod attempt;
pub mod expand;
pub mod item;
mod policy;
mod suggest;
pub mod validate;

use proc_macro2::TokenStream;

/// The whole attribute: `#[retry(attr)] item` becomes the returned tokens.
///
/// On any error the item is emitted unchanged, followed by one `compile_error!` per problem
/// (each at the offending token), so one mistake in the attribute does not turn into a
/// cascade of errors wherever the fn is used.
pub fn expand_retry(attr: TokenStream, item: TokenStream) -> TokenStream {
    let (args, args_error) = args::parse_retry_args_partial(attr);
    let mut errors: Option<syn::Error> = args_error;
    let mut push = |error: syn::Error| match &mut errors {
        Some(all) => all.combine(error),
        None => errors = Some(error),
    };
    match item::parse_retry_fn(item.clone()) {
        Ok(function) => {
            // Validate even the keys that parsed next to a broken one: all mistakes at once.
            if let Err(error) = validate::validate(&args, &function) {
                push(error);
            }
            if errors.is_none() {
                return expand::expand(&args, function);
            }
        }
        Err(error) => push(error),
    }
    let errors = errors.map(|error| error.to_compile_error());
    quote::quote!(#item #errors)
}
