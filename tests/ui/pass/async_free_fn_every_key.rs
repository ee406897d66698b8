use retry_runtime::retry;

#[derive(Debug, Clone)]
pub struct MyError;

use std::time::Duration;

use retry_runtime::Details;
use retry_runtime::jitter::full_jitter;
use retry_runtime::wait::expo;

fn log_backoff(details: &Details<'_, MyError>) {
    let _ = (details.target, details.tries, details.wait);
}
fn alert(_: &Details<'_, MyError>) {}
fn is_fatal(_: &MyError) -> bool {
    false
}

#[retry(
    max_tries = 5,
    max_time = Duration::from_secs(30),
    exception = MyError,
    wait_gen = expo,
    base = 2,
    factor = 1,
    max_value = 10,
    jitter = full_jitter,
    giveup = is_fatal,
    on_success = alert,
    on_backoff = [log_backoff, alert],
    on_giveup = [alert],
    logger = true,
    backoff_log_level = "debug",
    giveup_log_level = "warn",
)]
pub async fn fetch(name: &str) -> Result<usize, MyError> {
    Ok(name.len())
}

fn main() {
    let _ = fetch("x");
}
