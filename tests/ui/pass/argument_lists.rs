use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

#[derive(Clone)]
pub struct Opaque;

#[retry(redact = [password], skip = blob, no_clone = [callback])]
pub fn login(
    user: String,
    password: String,
    blob: Opaque,
    callback: Box<dyn Fn(&str) -> bool>,
    (x, mut y): (u8, u8),
) -> Result<bool, MyError> {
    y += x;
    let _ = (blob, y);
    Ok(callback(&user) && !password.is_empty())
}

fn main() {
    let ok = login("u".into(), "p".into(), Opaque, Box::new(|_| true), (1, 2)).unwrap();
    assert!(ok);
}
