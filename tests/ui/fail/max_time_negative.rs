use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_time = -1.5)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
