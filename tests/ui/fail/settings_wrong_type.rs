use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(settings = 5u32.to_string())]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
