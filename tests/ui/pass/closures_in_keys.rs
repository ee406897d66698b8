use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

#[retry(
    max_tries = 3,
    jitter = |wait| wait / 2,
    giveup = |e: &MyError| format!("{e:?}").is_empty(),
    on_backoff = |details| assert!(details.tries >= 1),
    on_giveup = [|details| assert!(!details.target.is_empty()), |_| {}],
)]
pub async fn fetch(id: u32) -> Result<u32, MyError> {
    Ok(id)
}

fn main() {
    let _ = fetch(1);
}
