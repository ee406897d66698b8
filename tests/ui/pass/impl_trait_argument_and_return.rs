use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use std::fmt::Display;

#[retry(max_tries = 2)]
pub fn render(value: impl Display + Clone) -> Result<impl Display, MyError> {
    Ok(format!("<{value}>"))
}

#[retry(max_tries = 2)]
pub async fn numbers(limit: u32) -> Result<impl Iterator<Item = u32>, MyError> {
    Ok(0..limit)
}

#[retry(max_tries = 2)]
pub fn total(values: &mut impl Iterator<Item = u32>) -> Option<u32> {
    values.next()
}

fn main() {
    assert_eq!(render(5).unwrap().to_string(), "<5>");
    let _ = numbers(3);
    assert_eq!(total(&mut [1u32, 2].into_iter()), Some(1));
}
