use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

#[retry(redact = [pasword])]
fn login(user: &str, password: &str) -> Result<u32, MyError> {
    let _ = (user, password);
    Ok(1)
}

fn main() {}
