use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn is_empty(v: &Vec<u32>) -> bool {
    v.is_empty()
}

#[retry(raise_on_giveup = false, on_result = is_empty)]
fn fetch() -> Result<Vec<u32>, MyError> {
    Ok(vec![])
}

fn main() {}
