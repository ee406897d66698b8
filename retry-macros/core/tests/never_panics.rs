//! The attribute must answer any input with tokens (an expansion or errors), never a panic:
//! random token sequences built from the attribute's own vocabulary.

use std::str::FromStr;

use proc_macro2::TokenStream;
use proptest::prelude::*;
use retry_macros_core::args::{KEYS, parse_retry_args};
use retry_macros_core::expand_retry;

/// Tokens besides the attribute's keys (`args::KEYS`): values, punctuation, a misspelt key.
const OTHER_TOKENS: &[&str] = &[
    "base",
    "max_trys",
    "None",
    "true",
    "false",
    "self",
    "=",
    "==",
    ",",
    ";",
    "-",
    "0",
    "3",
    "-1",
    "1.5",
    "1e400",
    "\"debug\"",
    "\"x\"",
    "(A, B)",
    "()",
    "[a, b]",
    "[]",
    "|e| true",
    "expo",
    "::a::b",
    "a.b()",
    "{ }",
    "<T>",
    "'a",
    "#",
    "!",
    "?",
    "async",
    "fn",
];

/// The vocabulary of the random inputs: every key, then the other tokens.
fn vocabulary() -> Vec<&'static str> {
    KEYS.iter().chain(OTHER_TOKENS).copied().collect()
}

const ITEMS: &[&str] = &[
    "fn f(a: &str, b: String) -> Result<u32, E> { Ok(1) }",
    "async fn f(&mut self, x: Vec<u8>) -> Option<u8> { None }",
    "struct S;",
    "const fn f() -> Result<(), E> { Ok(()) }",
    "fn f();",
    "fn f() {}",
];

fn tokens(words: &[usize]) -> Option<TokenStream> {
    let vocabulary = vocabulary();
    let text: Vec<&str> = words
        .iter()
        .map(|i| vocabulary[i % vocabulary.len()])
        .collect();
    TokenStream::from_str(&text.join(" ")).ok()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn parsing_and_expanding_never_panic(
        words in proptest::collection::vec(any::<usize>(), 0..24),
        item in 0..ITEMS.len(),
    ) {
        if let Some(attr) = tokens(&words) {
            let _ = parse_retry_args(attr.clone());
            let item = TokenStream::from_str(ITEMS[item]).unwrap();
            let out = expand_retry(attr, item);
            prop_assert!(!out.is_empty());
        }
    }
}
