use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

// A default method body in a trait, sync and native async.
pub trait Source {
    fn read_once(&self) -> Result<u32, MyError>;

    #[retry(max_tries = 3, jitter = None)]
    fn read(&self) -> Result<u32, MyError> {
        self.read_once()
    }

    #[retry(max_tries = 3, jitter = None)]
    async fn read_async(&self) -> Result<u32, MyError> {
        self.read_once()
    }
}

pub struct Fixed;

impl Source for Fixed {
    fn read_once(&self) -> Result<u32, MyError> {
        Ok(4)
    }
}

fn main() {
    assert_eq!(Fixed.read().unwrap(), 4);
    let _ = Fixed.read_async();
}
