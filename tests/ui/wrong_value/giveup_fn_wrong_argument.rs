//! `giveup` given a fn whose argument is not `&MyError`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn check(value: &String) -> bool {
    value.is_empty()
}

#[retry(giveup = check)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(giveup = check)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
