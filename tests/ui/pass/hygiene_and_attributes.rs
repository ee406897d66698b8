// The user's own items named like the runtime's do not interfere, and other attributes stay.
#![deny(unused_mut, unused_variables)]

use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

pub fn policy() {}
pub struct Step;
#[allow(dead_code)]
pub fn expo() -> u32 {
    7
}

/// Documentation stays.
#[retry(max_tries = 2)]
#[inline]
#[must_use = "the result says whether it worked"]
pub fn fetch(r#type: &str, mut count: u32) -> Result<u32, MyError> {
    let __retry_engine = expo();
    let __retry_result = __retry_engine + 1;
    count += __retry_result;
    policy();
    let _ = Step;
    Ok(count + r#type.len() as u32)
}

fn main() {
    assert_eq!(fetch("ab", 1).unwrap(), 11);
}
