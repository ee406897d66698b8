//! Property tests over the four parsers that read untrusted input, the `cargo test`-driven
//! counterpart of the cargo-fuzz targets in `fuzz/` (which need a nightly compiler): the
//! `Link` header parser, the `Retry-After` parser, error-body decoding and the attribute's
//! argument parser. Each must never panic, whatever the input; crashing inputs found by fuzzing
//! are kept below as regression tests.

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use harbor_client::error::StatusError;
use harbor_client::pagination::parse_next_link;
use harbor_client::parse_retry_after;
use proptest::prelude::*;
use retry_macros_core::args::{KEYS, parse_retry_args};

fn check_link(value: &str) {
    if let Some(target) = parse_next_link(value) {
        assert!(value.contains(&target), "{target:?} not in {value:?}");
        assert!(!target.contains('>'), "{target:?}");
    }
}

fn check_retry_after(value: &str, now_secs: u64) {
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(now_secs);
    if let Ok(secs) = value.trim().parse::<u64>() {
        assert_eq!(
            parse_retry_after(value, now),
            Some(Duration::from_secs(secs))
        );
    } else {
        let _ = parse_retry_after(value, now);
    }
}

fn check_error_body(status: u16, body: &str) {
    let e = StatusError::from_answer(status, body.as_bytes());
    let text = e.to_string();
    assert!(text.starts_with(&status.to_string()), "{text}");
    // The excerpt is bounded: 512 bytes of the body (lossy UTF-8) and an ellipsis.
    assert!(
        e.body_excerpt().len() <= 512 * 3 + 3,
        "{}",
        e.body_excerpt().len()
    );
    let _ = e.message();
}

fn check_retry_args(text: &str) {
    if let Ok(tokens) = proc_macro2::TokenStream::from_str(text) {
        match parse_retry_args(tokens) {
            Ok(_) => {}
            Err(e) => assert!(!e.to_string().is_empty()),
        }
    }
}

/// Inputs that crashed a parser (found by the property tests and the fuzz targets).
#[test]
fn crash_regressions() {
    // `Retry-After` as a float too large for a `Duration` panicked in `from_secs_f64`.
    for value in [
        "1e300",
        "18446744073709551616",
        "1.8446744073709552e19",
        "1e20",
    ] {
        check_retry_after(value, 0);
    }
    for value in ["inf", "NaN", "-0.0", "-1e-300", "0.0000000001", " 3 "] {
        check_retry_after(value, 1_700_000_000);
    }
    // A quoted `rel="next"` followed by another entry was missed (pagination stopped early).
    assert_eq!(
        parse_next_link(r#"</b>; rel="next" , </a>; rel="prev""#).as_deref(),
        Some("/b")
    );
    for value in [
        "<",
        "<>",
        "<>;",
        "<<>>; rel=next",
        "<a>; rel",
        "<a>;=;rel=\"",
        "é<ü>;rel=next",
    ] {
        check_link(value);
    }
    for body in [
        "",
        "{",
        "{\"errors\":null}",
        "{\"errors\":[{}]}",
        "é".repeat(400).as_str(),
    ] {
        check_error_body(0, body);
        check_error_body(599, body);
        check_error_body(u16::MAX, body);
    }
    for text in [
        "",
        ",",
        "=",
        "max_tries =",
        "max_tries = 0",
        "jitter = None = 1",
        "a::b = 1",
        "on_giveup = [",
        "max_time = -1",
    ] {
        check_retry_args(text);
    }
}

/// Tokens the attribute's parser knows, to build inputs that get past the first key.
fn retry_tokens() -> impl Strategy<Value = String> {
    // Every key the parser knows, the wait generator's parameters, and a misspelt key.
    let keys: Vec<&str> = KEYS
        .iter()
        .copied()
        .chain([
            "base",
            "factor",
            "max_value",
            "interval",
            "value",
            "max_trys",
        ])
        .collect();
    let key = prop::sample::select(keys);
    let value = prop::sample::select(vec![
        "3",
        "0",
        "-1",
        "1.5",
        "\"x\"",
        "None",
        "expo",
        "(A, B)",
        "[a, b]",
        "[]",
        "()",
        "self.limit()",
        "|e| true",
        "Duration::from_secs(1)",
        "true",
        "false",
        "crate::x",
        "{ 1 }",
        "u32::MAX",
        "18446744073709551616",
        "'a'",
        "b\"x\"",
    ]);
    prop::collection::vec((key, value, any::<bool>()), 0..6).prop_map(|entries| {
        entries
            .into_iter()
            .map(|(k, v, eq)| {
                if eq {
                    format!("{k} = {v}")
                } else {
                    format!("{k} {v}")
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    })
}

fn link_value() -> impl Strategy<Value = String> {
    let entry = (
        "[a-z/?=&%0-9.]{0,20}",
        prop::sample::select(vec!["next", "prev", "first", "last", "next prev", "NEXT"]),
        any::<bool>(),
    )
        .prop_map(|(target, rel, quoted)| {
            if quoted {
                format!("<{target}>; rel=\"{rel}\"")
            } else {
                format!("<{target}>;rel={rel}")
            }
        });
    prop::collection::vec(entry, 0..4).prop_map(|e| e.join(" , "))
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 2000,
        // Failures are turned into named regression tests above instead.
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn link_parser_never_panics(value in any::<String>()) {
        check_link(&value);
    }

    #[test]
    fn link_parser_finds_the_next_entry(value in link_value()) {
        check_link(&value);
        let wants_next = value.split(" , ").find(|e| {
            e.to_ascii_lowercase().contains("next")
        });
        let found = parse_next_link(&value);
        prop_assert_eq!(found.is_some(), wants_next.is_some(), "{}", value);
    }

    #[test]
    fn retry_after_parser_never_panics(value in any::<String>(), now in any::<u32>()) {
        check_retry_after(&value, u64::from(now));
    }

    #[test]
    fn retry_after_numbers_never_panic(secs in any::<f64>(), int in any::<u128>()) {
        check_retry_after(&secs.to_string(), 0);
        check_retry_after(&format!("{secs:e}"), 0);
        check_retry_after(&int.to_string(), 0);
    }

    #[test]
    fn error_body_decoding_never_panics(status in any::<u16>(), body in any::<String>()) {
        check_error_body(status, &body);
    }

    #[test]
    fn error_body_shapes_never_panic(
        status in 400u16..600,
        code in any::<String>(),
        message in any::<String>(),
        list in any::<bool>(),
    ) {
        let one = serde_json::json!({"code": code, "message": message});
        let body = if list { serde_json::json!({"errors": [one]}) } else { one };
        check_error_body(status, &body.to_string());
        let e = StatusError::from_answer(status, body.to_string().as_bytes());
        prop_assert_eq!(e.message(), if code.is_empty() && message.is_empty() && !list {
            None
        } else {
            Some(message.as_str())
        });
    }

    #[test]
    fn retry_args_parser_never_panics(text in any::<String>()) {
        check_retry_args(&text);
    }

    #[test]
    fn retry_args_parser_never_panics_on_near_valid_input(text in retry_tokens()) {
        check_retry_args(&text);
    }
}
