//! The `Retry-After` parser: never panics; whole seconds are read exactly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::time::{Duration, SystemTime};

fuzz_target!(|input: (u32, &str)| {
    let (now, value) = input;
    let now = SystemTime::UNIX_EPOCH + Duration::from_secs(u64::from(now));
    let parsed = harbor_client::parse_retry_after(value, now);
    if let Ok(secs) = value.trim().parse::<u64>() {
        assert_eq!(parsed, Some(Duration::from_secs(secs)));
    }
});
