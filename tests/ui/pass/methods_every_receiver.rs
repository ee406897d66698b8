use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use std::sync::Arc;

pub struct Client {
    calls: u32,
}

impl Client {
    #[retry(max_tries = 3)]
    pub async fn get(&self, id: u32) -> Result<u32, MyError> {
        Ok(id + self.calls)
    }

    #[retry(max_tries = 3)]
    pub async fn bump(&mut self) -> Result<u32, MyError> {
        self.calls += 1;
        Ok(self.calls)
    }

    #[retry(max_tries = 3)]
    pub async fn shared(self: Arc<Self>, id: u32) -> Result<u32, MyError> {
        Ok(id + self.calls)
    }

    #[retry(max_tries = 3)]
    pub fn blocking(&mut self) -> Result<u32, MyError> {
        self.calls += 1;
        Ok(self.calls)
    }
}

fn main() {
    let mut client = Client { calls: 0 };
    let _ = client.get(1);
    let _ = client.blocking();
    let _ = client.bump();
    let _ = Arc::new(Client { calls: 0 }).shared(1);
}
