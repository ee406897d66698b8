use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Payload {
    pub bytes: Vec<u8>,
}

// Each hedged attempt needs its own copy of a by-value argument.
#[retry(max_tries = 3, hedge_delay = 0.1)]
async fn upload(payload: Payload) -> Result<usize, MyError> {
    Ok(payload.bytes.len())
}

fn main() {}
