use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(attempt_timeout = 0, hedge_delay = -1)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(attempt_timeout = "2s")]
async fn fetch_text() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
