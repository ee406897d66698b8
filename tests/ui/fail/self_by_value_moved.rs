use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub struct Job {
    pub name: String,
}

impl Job {
    // `self` taken by value cannot be cloned per attempt (there is no `let self = ..`): a body
    // that moves it fails to compile; take `&self` or `self: Arc<Self>` instead.
    #[retry(max_tries = 3)]
    pub fn run(self) -> Result<String, MyError> {
        Ok(self.name)
    }
}

fn main() {}
