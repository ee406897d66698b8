use retry_runtime::{RetryBudget, RetrySettings, retry};

#[derive(Debug)]
pub struct MyError;

pub struct Client {
    settings: RetrySettings<MyError>,
    budget: RetryBudget,
}

impl Client {
    #[retry(settings = &self.settings, budget = &self.budget)]
    fn fetch(&self) -> Result<u32, MyError> {
        Ok(1)
    }
}

fn main() {}
