//! `wait_gen` given a number: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(wait_gen = 2u64)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(wait_gen = 2u64)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
