use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

// A call whose value is not a generator: one error, at the value, and nothing about the
// policy's internal types.
#[retry(max_tries = 3, wait_gen = std::time::Duration::from_millis(200))]
async fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
