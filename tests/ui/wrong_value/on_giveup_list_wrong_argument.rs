//! `on_giveup` given a list with one wrong hook: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn alert(_: &retry_runtime::Details<'_, MyError>) {}
fn log(_: &String) {}

#[retry(on_giveup = [alert, log])]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(on_giveup = [alert, log])]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
