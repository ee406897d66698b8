//! `on_result` given a fn of two arguments: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn check(_: &u32, _: u32) -> bool {
    true
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
