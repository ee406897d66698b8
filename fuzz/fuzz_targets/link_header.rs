//! The `Link` header parser: never panics; a target it returns is part of the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|value: &str| {
    if let Some(target) = harbor_client::pagination::parse_next_link(value) {
        assert!(value.contains(&target));
    }
});
