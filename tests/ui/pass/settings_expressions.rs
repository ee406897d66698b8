use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use retry_runtime::RetrySettings;

pub struct Client {
    retry: Option<RetrySettings<MyError>>,
}

impl Client {
    fn retry_settings(&self) -> Option<RetrySettings<MyError>> {
        self.retry.clone()
    }

    #[retry(settings = self.retry_settings())]
    pub async fn get(&self, id: u32) -> Result<u32, MyError> {
        Ok(id)
    }

    #[retry(settings = &self.retry)]
    pub async fn get_ref(&self, id: u32) -> Result<u32, MyError> {
        Ok(id)
    }
}

#[retry(settings = None)]
pub fn once() -> Result<u32, MyError> {
    Ok(1)
}

fn main() {
    let client = Client { retry: None };
    let _ = client.get(1);
    let _ = client.get_ref(1);
    assert_eq!(once().unwrap(), 1);
}
