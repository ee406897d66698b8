use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(no_clone = [name])]
fn fetch(name: &str) -> Result<usize, MyError> {
    Ok(name.len())
}

fn main() {}
