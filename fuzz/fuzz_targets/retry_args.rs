//! The `#[retry(...)]` argument parser: whatever tokens it is given, an error value, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::str::FromStr;

fuzz_target!(|text: &str| {
    if let Ok(tokens) = proc_macro2::TokenStream::from_str(text) {
        let _ = retry_macros_core::args::parse_retry_args(tokens);
    }
});
