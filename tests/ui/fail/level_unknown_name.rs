use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(giveup_log_level = "loud")]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
