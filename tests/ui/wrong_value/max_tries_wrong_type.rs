//! `max_tries` given a `usize`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = "three".len())]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(max_tries = "three".len())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
