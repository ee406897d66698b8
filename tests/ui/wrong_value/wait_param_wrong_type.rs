//! a wait generator parameter given a `&str`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(base = "2")]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(base = "2")]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
