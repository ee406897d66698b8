use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(wait_gen = "expo")]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
