//! `jitter` given a constant, not a fn: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

const HALF: f64 = 0.5;

#[retry(jitter = HALF)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(jitter = HALF)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
