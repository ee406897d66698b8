use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3)]
pub struct Client {
    pub url: String,
}

fn main() {}
