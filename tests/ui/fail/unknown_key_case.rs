use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(maxTime = 30)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
