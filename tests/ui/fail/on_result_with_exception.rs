use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn is_empty(v: &Vec<u32>) -> bool {
    v.is_empty()
}

#[retry(on_result = is_empty, exception = MyError)]
fn fetch() -> Result<Vec<u32>, MyError> {
    Ok(vec![])
}

fn main() {}
