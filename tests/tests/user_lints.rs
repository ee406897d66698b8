//! `#[retry]` on code written as users write it, with every rustc warning denied here and
//! clippy's `all` and `pedantic` groups denied under CI's `cargo clippy --all-targets -D
//! warnings`: no lint may fire on the user's source because of the expansion.
//!
//! The shapes that once did: a body written on one line (`{ Ok(1) }`), which the expansion
//! re-emitted inside blocks of its own, so rustc suggested removing the fn's braces. The fns
//! below are deliberately not rustfmt'd into several lines where the one-line shape matters
//! (`#[rustfmt::skip]`).
#![deny(warnings)]
#![deny(clippy::all, clippy::pedantic)]

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use async_trait::async_trait;
use retry_runtime::jitter::full_jitter;
use retry_runtime::wait::{constant, expo};
use retry_runtime::{AttemptTimedOut, Details, RetryBudget, RetrySettings, retry};

#[derive(Debug, Clone, PartialEq)]
enum MyErr {
    Busy,
    Fatal,
    TimedOut,
}

impl From<AttemptTimedOut> for MyErr {
    fn from(_: AttemptTimedOut) -> Self {
        MyErr::TimedOut
    }
}

fn is_fatal(error: &MyErr) -> bool {
    *error == MyErr::Fatal
}

fn log_backoff(details: &Details<'_, MyErr>) {
    let _ = (details.target, details.tries);
}

fn alert(_: &Details<'_, MyErr>) {}

#[rustfmt::skip]
#[retry(max_tries = 2)]
async fn one_line_async() -> Result<u32, MyErr> { Ok(1) }

#[rustfmt::skip]
#[retry(max_tries = 2)]
fn one_line_blocking() -> Result<u32, MyErr> { Ok(1) }

#[rustfmt::skip]
#[retry(max_tries = 2, on_result = |value: &u32| *value == 0)]
fn one_line_value() -> Result<u32, MyErr> { Ok(2) }

#[rustfmt::skip]
#[retry(max_tries = 2, attempt_timeout = 5)]
async fn one_line_timed() -> Result<u32, MyErr> { Ok(3) }

#[rustfmt::skip]
#[retry(max_tries = 2, hedge_delay = 5)]
async fn one_line_hedged() -> Result<u32, MyErr> { Ok(4) }

#[rustfmt::skip]
#[retry(max_tries = 2)]
fn one_line_option() -> Option<u32> { Some(5) }

#[rustfmt::skip]
#[retry(max_tries = 2)]
fn one_line_generic<T: Copy>(value: T) -> Result<T, MyErr> { Ok(value) }

#[retry(max_tries = 3, wait_gen = constant, interval = 0)]
fn multi_line(attempts: &AtomicU32) -> Result<u32, MyErr> {
    let tries = attempts.fetch_add(1, Ordering::SeqCst) + 1;
    if tries < 2 {
        return Err(MyErr::Busy);
    }
    Ok(tries)
}

#[retry(
    max_tries = 5,
    max_time = 30,
    attempt_timeout = Duration::from_secs(5),
    exception = MyErr,
    wait_gen = expo,
    base = 2,
    factor = 0,
    max_value = 1,
    jitter = full_jitter,
    giveup = is_fatal,
    on_success = alert,
    on_backoff = [log_backoff, alert],
    on_giveup = |details: &Details<'_, MyErr>| log_backoff(details),
    logger = true,
    backoff_log_level = "debug",
    giveup_log_level = "warn",
    redact = [token],
    skip = [note],
    no_clone = [note],
)]
async fn every_key(name: &str, token: String, note: String) -> Result<usize, MyErr> {
    Ok(name.len() + token.len() + note.len())
}

#[retry(max_tries = 3, budget = budget, raise_on_giveup = false)]
fn budgeted(budget: &RetryBudget) -> Result<Option<u32>, MyErr> {
    Ok(Some(budget_fee()))
}

fn budget_fee() -> u32 {
    7
}

#[retry(settings = settings, max_hedges = 1, hedge_delay = None)]
async fn with_settings(settings: &RetrySettings<MyErr>) -> Result<u32, MyErr> {
    Ok(u32::from(settings.enabled()))
}

struct Counter {
    hits: u32,
    limit: u32,
}

impl Counter {
    #[rustfmt::skip]
    #[retry(max_tries = self.limit)]
    fn one_line_method(&self) -> Result<u32, MyErr> { Ok(self.hits) }

    #[rustfmt::skip]
    #[retry(max_tries = 2)]
    async fn one_line_async_mut(&mut self) -> Result<u32, MyErr> { self.hits += 1; Ok(self.hits) }

    #[retry(max_tries = 2)]
    async fn shared(self: Arc<Self>) -> Result<u32, MyErr> {
        Ok(self.hits)
    }
}

#[async_trait]
trait Fetch {
    async fn fetch(&self, id: u32) -> Result<u32, MyErr>;
    async fn fetch_mut(&mut self) -> Result<u32, MyErr>;
}

#[async_trait]
impl Fetch for Counter {
    #[rustfmt::skip]
    #[retry(max_tries = self.limit)]
    async fn fetch(&self, id: u32) -> Result<u32, MyErr> { Ok(id + self.hits) }

    #[retry(max_tries = 2, wait_gen = constant, interval = 0)]
    async fn fetch_mut(&mut self) -> Result<u32, MyErr> {
        self.hits += 1;
        Ok(self.hits)
    }
}

#[tokio::test(start_paused = true)]
async fn every_shape_compiles_lint_free_and_runs() {
    assert_eq!(one_line_async().await, Ok(1));
    assert_eq!(one_line_blocking(), Ok(1));
    assert_eq!(one_line_value(), Ok(2));
    assert_eq!(one_line_timed().await, Ok(3));
    assert_eq!(one_line_hedged().await, Ok(4));
    assert_eq!(one_line_option(), Some(5));
    assert_eq!(one_line_generic('x'), Ok('x'));
    assert_eq!(multi_line(&AtomicU32::new(0)), Ok(2));
    assert_eq!(
        every_key("ab", "c".to_owned(), "de".to_owned()).await,
        Ok(5)
    );
    assert_eq!(budgeted(&RetryBudget::default()), Ok(Some(7)));
    let settings = RetrySettings::builder().max_tries(2).build().unwrap();
    assert_eq!(with_settings(&settings).await, Ok(1));

    let mut counter = Counter { hits: 0, limit: 2 };
    assert_eq!(counter.one_line_method(), Ok(0));
    assert_eq!(counter.one_line_async_mut().await, Ok(1));
    assert_eq!(counter.fetch(1).await, Ok(2));
    assert_eq!(counter.fetch_mut().await, Ok(2));
    assert_eq!(Arc::new(counter).shared().await, Ok(2));
}
