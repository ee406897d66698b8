use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use std::time::Duration;

pub struct Client {
    tries: u32,
    budget: Duration,
}

impl Client {
    #[retry(max_tries = self.tries, max_time = self.budget, sleeper = retry_runtime::sleep::TokioSleeper)]
    pub async fn get(&self) -> Result<u32, MyError> {
        Ok(self.tries)
    }

    #[retry(max_tries = self.tries * 2, max_time = self.budget.as_secs_f64())]
    pub fn get_sync(&self) -> Result<u32, MyError> {
        Ok(self.tries)
    }
}

fn main() {
    let client = Client { tries: 2, budget: Duration::from_secs(1) };
    let _ = client.get();
    assert_eq!(client.get_sync().unwrap(), 2);
}
