use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Nap;

#[retry(sleeper = Nap)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
