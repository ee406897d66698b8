//! `no_clone` names something that is not an argument: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(no_clone = [body])]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(no_clone = [body])]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
