//! `on_giveup` given a fn of two arguments: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn log(_: &retry_runtime::Details<'_, MyError>, _: u32) {}

#[retry(on_giveup = log)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(on_giveup = log)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
