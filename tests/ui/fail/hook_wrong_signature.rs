use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

fn log(message: &str) {
    let _ = message;
}

#[retry(on_giveup = log)]
fn fetch() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {}
