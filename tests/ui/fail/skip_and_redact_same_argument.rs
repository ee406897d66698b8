use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(skip = [token], redact = [token])]
fn fetch(token: &str) -> Result<usize, MyError> {
    Ok(token.len())
}

fn main() {}
