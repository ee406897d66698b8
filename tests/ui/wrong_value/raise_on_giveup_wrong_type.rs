//! `raise_on_giveup` given a `&str`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

const MODE: &str = "no";

#[retry(raise_on_giveup = MODE)]
fn fetch_blocking() -> Result<Option<u32>, MyError> {
    Ok(Some(1))
}

#[retry(raise_on_giveup = MODE)]
async fn fetch() -> Result<Option<u32>, MyError> {
    Ok(Some(1))
}

fn main() {}
