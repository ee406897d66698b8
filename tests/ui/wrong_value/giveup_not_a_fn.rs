//! `giveup` given a constant, not a fn: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

const LIMIT: u32 = 3;

#[retry(giveup = LIMIT)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(giveup = LIMIT)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
