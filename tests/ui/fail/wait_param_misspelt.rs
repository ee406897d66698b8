use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

use retry_runtime::wait::expo;

#[retry(wait_gen = expo, factor = 2, bsae = 3)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
