use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(base = 1, factor = 2, base = 3)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
