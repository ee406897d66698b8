//! `on_result` given a fn that does not return `bool`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn check(_: &u32) -> u32 {
    0
}

#[retry(on_result = check)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(on_result = check)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
