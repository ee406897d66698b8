//! The attribute's one table of keys (`args::KEYS`, generated with the parser's dispatch and
//! `RetryArgs`) against the key table in `#[retry]`'s rustdoc (`retry-macros/src/lib.rs`):
//! the same keys, in the same order, each once. Fails when a key is added to one and not the
//! other.

use retry_macros_core::args::{KEYS, parse_retry_args};

/// The keys named in the first cell of each row of the rustdoc's `# Keys` table.
fn documented_keys(lib_rs: &str) -> Vec<String> {
    let mut keys = Vec::new();
    let mut in_table = false;
    for line in lib_rs.lines() {
        let line = line.trim_start().trim_start_matches("///").trim();
        if line.starts_with("| key |") {
            in_table = true;
            continue;
        }
        if !in_table {
            continue;
        }
        if !line.starts_with('|') {
            break;
        }
        let first_cell = line.split('|').nth(1).unwrap_or_default();
        // `| any other key | ...`: the wait generator's parameters, not a key of the table.
        for name in first_cell.split('`').skip(1).step_by(2) {
            keys.push(name.to_owned());
        }
    }
    keys
}

#[test]
fn keys_table_matches_the_attribute_docs() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../src/lib.rs");
    let Ok(lib_rs) = std::fs::read_to_string(path) else {
        eprintln!("skipped: retry-macros/src/lib.rs is not next to this crate");
        return;
    };
    let documented = documented_keys(&lib_rs);
    assert_eq!(
        documented, KEYS,
        "the rustdoc key table of #[retry] (retry-macros/src/lib.rs) and args::KEYS disagree"
    );
}

#[test]
fn every_key_of_the_table_parses_into_its_own_field() {
    // Each key, given a value of its syntax, is recognised (not taken for a wait generator
    // parameter) and fills exactly one field.
    for key in KEYS {
        let value = match *key {
            "exception" => "MyError",
            "on_success" | "on_backoff" | "on_giveup" => "[hook]",
            "redact" | "skip" | "no_clone" => "[arg]",
            "crate" => "::my::rt",
            _ => "value",
        };
        let tokens: proc_macro2::TokenStream =
            format!("{key} = {value}").parse().expect("valid tokens");
        let args = parse_retry_args(tokens)
            .unwrap_or_else(|error| panic!("`{key}` did not parse: {error}"));
        assert!(
            args.wait_params.is_empty(),
            "`{key}` was taken for a wait parameter"
        );
        let debug = format!("{args:?}");
        assert_eq!(
            debug.matches("Some(Keyed").count(),
            1,
            "`{key}` should fill one field: {debug}"
        );
    }
}
