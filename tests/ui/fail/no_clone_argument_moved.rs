use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, no_clone = [name])]
fn fetch(name: String) -> Result<String, MyError> {
    Ok(name)
}

fn main() {}
