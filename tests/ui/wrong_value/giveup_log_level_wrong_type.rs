//! `giveup_log_level` given a `String`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(giveup_log_level = "warn".to_string())]
fn fetch_blocking() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(giveup_log_level = "warn".to_string())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
