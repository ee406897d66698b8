use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(on_result = "empty")]
fn fetch() -> Result<Vec<u32>, MyError> {
    Ok(vec![])
}

fn main() {}
