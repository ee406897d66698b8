use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

#[retry(max_tries = 3)]
pub fn find(items: &[u32], wanted: u32) -> Option<usize> {
    items.iter().position(|&item| item == wanted)
}

#[retry(max_tries = 3, raise_on_giveup = false)]
pub fn find_or_none(items: &[u32], wanted: u32) -> Option<usize> {
    items.iter().position(|&item| item == wanted)
}

fn main() {
    assert_eq!(find(&[1, 2], 2), Some(1));
    assert_eq!(find_or_none(&[1, 2], 3), None);
}
