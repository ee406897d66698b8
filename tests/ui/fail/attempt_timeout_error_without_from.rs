use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, attempt_timeout = 2)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
