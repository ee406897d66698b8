//! `attempt_timeout` given a `String`: one error, at the value, for each fn.

use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

impl From<retry_runtime::AttemptTimedOut> for MyError {
    fn from(_: retry_runtime::AttemptTimedOut) -> Self {
        MyError
    }
}

#[retry(attempt_timeout = "2".to_string())]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
