//! `giveup` given a fn that does not return `bool`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn check(_: &MyError) -> u32 {
    0
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
