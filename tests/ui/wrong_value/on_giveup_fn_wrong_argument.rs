//! `on_giveup` given a fn that takes the error, not `&Details`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn log(_: &MyError) {}

#[retry(on_giveup = log)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(on_giveup = log)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
