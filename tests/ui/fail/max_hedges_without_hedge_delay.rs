use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3, max_hedges = 2)]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

#[retry(hedge_delay = 0.1, max_hedges = -1)]
async fn fetch_negative() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
