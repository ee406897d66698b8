//! `hedge_delay` given a `String`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, hedge_delay = "2".to_string())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
