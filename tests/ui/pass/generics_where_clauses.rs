use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use std::fmt::Debug;
use std::str::FromStr;

#[retry(max_tries = 3)]
pub fn parse_all<T, I>(items: I) -> Result<Vec<T>, T::Err>
where
    T: FromStr,
    T::Err: Debug,
    I: IntoIterator<Item = &'static str> + Clone,
{
    items.into_iter().map(str::parse).collect()
}

#[retry(max_tries = 3)]
pub async fn first<T: Clone + Debug + Send>(items: &[T]) -> Result<T, MyError> {
    items.first().cloned().ok_or(MyError)
}

fn main() {
    let parsed: Vec<u8> = parse_all(["1", "2"]).unwrap();
    assert_eq!(parsed, [1, 2]);
    let _ = first(&[1u8]);
}
