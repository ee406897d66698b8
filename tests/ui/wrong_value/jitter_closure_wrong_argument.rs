//! `jitter` given a closure whose argument is not a `Duration`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(jitter = |wait: u64| std::time::Duration::from_secs(wait))]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(jitter = |wait: u64| std::time::Duration::from_secs(wait))]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
