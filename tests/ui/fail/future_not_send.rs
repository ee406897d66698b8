use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

use std::rc::Rc;

#[retry(max_tries = 3)]
async fn fetch() -> Result<u32, MyError> {
    let shared = Rc::new(1);
    tokio::task::yield_now().await;
    Ok(*shared)
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    assert_send(fetch());
}
