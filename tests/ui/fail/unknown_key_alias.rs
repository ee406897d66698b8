use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

// `retries` is another library's name for `max_tries`.
#[retry(retries = 3)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
