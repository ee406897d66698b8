//! `limiter` given a `u32`: one error, at the value, for each fn.

use retry_runtime::{CircuitOpen, retry};

#[derive(Debug)]
pub struct MyError;

impl From<CircuitOpen> for MyError {
    fn from(_: CircuitOpen) -> Self {
        MyError
    }
}

#[retry(max_tries = 3, limiter = 5u32.max(1))]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(max_tries = 3, limiter = 5u32.max(1))]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
