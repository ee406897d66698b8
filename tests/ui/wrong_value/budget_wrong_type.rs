//! `budget` given a `f64`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, budget = 0.2f64.abs())]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(max_tries = 3, budget = 0.2f64.abs())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
