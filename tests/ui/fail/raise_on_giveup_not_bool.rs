use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(raise_on_giveup = "no")]
fn fetch() -> Result<Option<u32>, MyError> {
    Ok(None)
}

fn main() {}
