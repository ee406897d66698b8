use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

#[retry(max_tries = 2, raise_on_giveup = false, jitter = None)]
pub fn lookup(id: u32) -> Result<Option<String>, MyError> {
    if id == 0 { Err(MyError) } else { Ok(Some(id.to_string())) }
}

#[retry(max_tries = 2, raise_on_giveup = false, jitter = None)]
pub fn delete(id: u32) -> Result<(), MyError> {
    if id == 0 { Err(MyError) } else { Ok(()) }
}

fn main() {
    assert_eq!(lookup(1).unwrap().as_deref(), Some("1"));
    assert!(delete(1).is_ok());
}
