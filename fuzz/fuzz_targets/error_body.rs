//! Error-body decoding (Harbor's `{"errors":[...]}` and the 5xx `{"code","message"}`): never
//! panics, and the error's text and excerpt stay bounded.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (u16, &str)| {
    let (status, body) = input;
    let e = harbor_client::error::StatusError::from_answer(status, body.as_bytes());
    let _ = e.to_string();
    let _ = e.message();
    assert!(e.body_excerpt().len() <= 512 * 3 + 3);
});
