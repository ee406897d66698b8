use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use async_trait::async_trait;

#[async_trait]
pub trait Fetch {
    async fn fetch(&self, id: u32) -> Result<u32, MyError>;
    async fn fetch_mut(&mut self, name: String) -> Result<usize, MyError>;
}

pub struct Client {
    limit: u32,
}

impl Client {
    fn limit(&self) -> u32 {
        self.limit
    }
}

#[async_trait]
impl Fetch for Client {
    #[retry(max_tries = self.limit())]
    async fn fetch(&self, id: u32) -> Result<u32, MyError> {
        if id == 0 {
            return Err(MyError);
        }
        Ok(id)
    }

    #[retry(max_tries = 3)]
    async fn fetch_mut(&mut self, mut name: String) -> Result<usize, MyError> {
        self.limit += 1;
        name.push('!');
        Ok(name.len())
    }
}

fn assert_send<T: Send>(_: &T) {}

fn main() {
    let mut client = Client { limit: 3 };
    assert_send(&client.fetch(1));
    let _ = client.fetch_mut("a".to_owned());
}
