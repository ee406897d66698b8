use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

fn not_ready(status: &&'static str) -> bool {
    *status != "done"
}

#[retry(on_result = not_ready, max_tries = 3, jitter = None)]
pub fn status() -> Result<&'static str, MyError> {
    Ok("done")
}

#[retry(on_result = |v: &Vec<u8>| v.is_empty(), max_tries = 2, jitter = None)]
pub async fn body() -> Result<Vec<u8>, MyError> {
    Ok(vec![1])
}

// Values and errors: retry while the value is not ready, and on `MyError`.
#[retry(on_result = not_ready, exception = MyError, giveup = |_: &MyError| false, jitter = None)]
pub fn both() -> Result<&'static str, MyError> {
    Ok("done")
}

fn main() {
    assert_eq!(both().unwrap(), "done");
    assert_eq!(status().unwrap(), "done");
    let _ = body();
}
