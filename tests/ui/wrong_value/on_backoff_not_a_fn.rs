//! `on_backoff` given a constant, not a fn: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

const LOG: bool = true;

#[retry(on_backoff = LOG)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(on_backoff = LOG)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
