use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Payload {
    pub bytes: Vec<u8>,
}

#[retry(max_tries = 3)]
fn upload(payload: Payload) -> Result<usize, MyError> {
    Ok(payload.bytes.len())
}

fn main() {}
