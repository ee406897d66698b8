use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn ratio() -> f64 {
    0.2
}

#[retry(max_tries = 3, budget = ratio())]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
