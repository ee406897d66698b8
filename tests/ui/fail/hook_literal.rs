use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn log_backoff(_: &retry_runtime::Details<'_, MyError>) {}

#[retry(on_backoff = [log_backoff, "alert"])]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
