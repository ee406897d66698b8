//! `jitter` given a fn of two arguments: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn half(wait: std::time::Duration, _: u32) -> std::time::Duration {
    wait / 2
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
