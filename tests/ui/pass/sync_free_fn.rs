use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

#[retry(max_tries = 3, max_time = 0.5, jitter = None)]
pub fn parse(text: &str) -> Result<u32, std::num::ParseIntError> {
    text.parse()
}

fn main() {
    assert_eq!(parse("42").unwrap(), 42);
}
