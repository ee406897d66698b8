//! `max_hedges` given a `usize`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(hedge_delay = 1, max_hedges = "two".len())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
