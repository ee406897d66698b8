//! `sleeper` given a value that is not a sleeper: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Nap;

#[retry(sleeper = Nap)]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(sleeper = Nap)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
