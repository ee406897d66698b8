//! `skip` names something that is not an argument: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(skip = password)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(skip = password)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
