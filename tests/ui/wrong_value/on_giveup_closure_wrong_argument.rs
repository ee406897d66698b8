//! `on_giveup` given a closure over the wrong type: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(on_giveup = |message: &str| println!("{message}"))]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(on_giveup = |message: &str| println!("{message}"))]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
