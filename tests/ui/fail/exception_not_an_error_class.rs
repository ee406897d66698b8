use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[derive(Debug)]
pub struct Timeout;

#[retry(exception = (MyError, Timeout))]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
