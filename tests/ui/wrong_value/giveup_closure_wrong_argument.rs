//! `giveup` given a closure whose argument is not `&MyError`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(giveup = |value: &String| value.is_empty())]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(giveup = |value: &String| value.is_empty())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
