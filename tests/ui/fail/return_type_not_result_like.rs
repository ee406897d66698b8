use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3)]
fn fetch() -> u32 {
    1
}

fn main() {}
