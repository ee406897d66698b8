//! `breaker` beside `settings` would be ignored: an error at both keys.

use retry_runtime::{CircuitBreaker, RetrySettings, retry};

#[derive(Debug)]
pub struct MyError;

#[retry(settings = RetrySettings::<MyError>::default(), breaker = CircuitBreaker::builder().build().ok())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
