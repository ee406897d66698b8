use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(crate = "retry_runtime")]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
