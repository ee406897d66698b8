//! `backoff_log_level` given a `u8`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

const LEVEL: u8 = 3;

#[retry(backoff_log_level = LEVEL)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(backoff_log_level = LEVEL)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
