use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3)]
async fn ping() -> () {}

fn main() {}
