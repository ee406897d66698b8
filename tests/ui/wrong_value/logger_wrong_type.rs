//! `logger` given a `u8`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

const VERBOSE: u8 = 1;

#[retry(logger = VERBOSE)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(logger = VERBOSE)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
