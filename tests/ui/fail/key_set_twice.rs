use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, max_time = 10, max_tries = 4)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
