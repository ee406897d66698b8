//! `exception` given a type that is not an error class of the fn's error: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Timeout;

#[retry(exception = (MyError, Timeout))]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(exception = (MyError, Timeout))]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
