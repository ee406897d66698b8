use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(logger = false, backoff_log_level = "debug")]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
