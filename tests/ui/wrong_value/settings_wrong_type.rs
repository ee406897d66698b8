//! `settings` given a `String`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(settings = 5u32.to_string())]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(settings = 5u32.to_string())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
