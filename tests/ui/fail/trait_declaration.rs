use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

pub trait Fetch {
    #[retry(max_tries = 3)]
    fn fetch(&self) -> Result<u32, MyError>;
}

fn main() {}
