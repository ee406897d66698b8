use retry_runtime::{retry, AttemptTimedOut};

#[derive(Debug)]
pub struct MyError;

impl From<AttemptTimedOut> for MyError {
    fn from(_: AttemptTimedOut) -> Self {
        MyError
    }
}

#[retry(max_tries = 3, attempt_timeout = 2, hedge_delay = 0.5)]
fn read_file() -> Result<String, MyError> {
    Ok(String::new())
}

fn main() {}
