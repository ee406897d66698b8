use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Client {
    calls: u32,
}

impl Client {
    #[retry(max_tries = 3, hedge_delay = 0.1)]
    async fn fetch(&mut self) -> Result<u32, MyError> {
        self.calls += 1;
        Ok(self.calls)
    }
}

fn main() {}
