use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_time = "30s")]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
