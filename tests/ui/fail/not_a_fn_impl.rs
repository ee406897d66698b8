use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Client;

#[retry(max_tries = 3)]
impl Client {
    pub fn get(&self) -> Result<u32, MyError> {
        Ok(1)
    }
}

fn main() {}
