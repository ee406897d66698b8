//! `jitter` given a fn that does not return a `Duration`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn half(wait: std::time::Duration) -> u64 {
    wait.as_secs() / 2
}

#[retry(jitter = half)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(jitter = half)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
