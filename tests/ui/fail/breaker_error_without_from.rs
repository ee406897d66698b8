//! `breaker` on a fn whose error type cannot hold a `CircuitOpen`: one error, at the key.

use std::sync::LazyLock;

use retry_runtime::{CircuitBreaker, retry};

static BREAKER: LazyLock<CircuitBreaker> = LazyLock::new(|| CircuitBreaker::builder().build().unwrap());

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, breaker = &*BREAKER)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
