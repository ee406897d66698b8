use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(max_tries = 3)]
fn ping(host: &str) {
    let _ = host;
}

fn main() {}
