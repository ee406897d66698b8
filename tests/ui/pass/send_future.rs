use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use std::sync::Arc;

#[retry(max_tries = 3)]
pub async fn fetch(shared: Arc<String>, name: &str) -> Result<usize, MyError> {
    tokio::task::yield_now().await;
    Ok(shared.len() + name.len())
}

pub struct Client;

impl Client {
    #[retry(max_tries = 3)]
    pub async fn get(&mut self, id: String) -> Result<usize, MyError> {
        tokio::task::yield_now().await;
        Ok(id.len())
    }
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    assert_send(&fetch(Arc::new(String::new()), "x"));
    let mut client = Client;
    assert_send(&client.get(String::new()));
}
