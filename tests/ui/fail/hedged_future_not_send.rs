use retry_runtime::retry;

#[derive(Debug)]
pub struct MyError;

use std::rc::Rc;

// Hedging keeps the attempts in the fn's own future: a body that is not `Send` makes the
// hedged future not `Send`, exactly as without the key.
#[retry(max_tries = 3, hedge_delay = 0.1)]
async fn fetch() -> Result<u32, MyError> {
    let shared = Rc::new(1);
    tokio::task::yield_now().await;
    Ok(*shared)
}

fn assert_send<T: Send>(_: T) {}

fn main() {
    assert_send(fetch());
}
