//! `jitter` given a fn whose argument is not a `Duration`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn half(wait: u64) -> std::time::Duration {
    std::time::Duration::from_secs(wait / 2)
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
