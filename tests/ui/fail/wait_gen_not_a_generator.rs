use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn every_second() -> std::time::Duration {
    std::time::Duration::from_secs(1)
}

#[retry(wait_gen = every_second)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
