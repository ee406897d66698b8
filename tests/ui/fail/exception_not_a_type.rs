use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(exception = "Timeout")]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
