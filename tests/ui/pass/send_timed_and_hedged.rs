//! The promise of issue 13, kept by the timed and hedged forms (issue 14): the future is `Send`
//! whenever the body's is, even when the attempt's error or value is not (`Rc`). A hedged call
//! polls its attempts in its own future (no task spawned), so it needs no `Send` bound of its
//! own either. A by-value argument that is `Send` but not `Sync` (a `Cell`) is cloned into
//! each attempt, which owns its copy: it does not need `Sync` either.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use retry_runtime::{retry, AttemptTimedOut, RetrySettings};

fn assert_send<T: Send>(_: &T) {}

/// A `!Send` error that can hold a timeout.
#[derive(Debug)]
pub struct NotSend(pub Rc<str>);

impl From<AttemptTimedOut> for NotSend {
    fn from(timed_out: AttemptTimedOut) -> Self {
        NotSend(Rc::from(timed_out.to_string()))
    }
}

#[retry(max_tries = 3, attempt_timeout = 2)]
pub async fn timed() -> Result<Rc<u32>, NotSend> {
    tokio::task::yield_now().await;
    Err(NotSend(Rc::from("busy")))
}

#[retry(max_tries = 3, hedge_delay = 0.1)]
pub async fn hedged(name: String, page: u32) -> Result<Rc<str>, NotSend> {
    tokio::task::yield_now().await;
    Ok(Rc::from(format!("{name}{page}")))
}

#[retry(max_tries = 3, hedge_delay = 0.1)]
pub async fn hedged_cell(counter: Cell<u32>, page: u32) -> Result<u32, NotSend> {
    tokio::task::yield_now().await;
    counter.set(counter.get() + page);
    Ok(counter.get())
}

#[retry(max_tries = 3, attempt_timeout = 2)]
pub async fn timed_cell(mut counter: Cell<u32>) -> Result<u32, NotSend> {
    tokio::task::yield_now().await;
    counter = Cell::new(counter.get() + 1);
    Ok(counter.get())
}

#[retry(max_tries = 3, hedge_delay = Duration::from_millis(100), attempt_timeout = 1)]
pub async fn hedged_and_timed() -> Result<Rc<u32>, NotSend> {
    tokio::task::yield_now().await;
    Err(NotSend(Rc::from("busy")))
}

#[retry(max_tries = 3, raise_on_giveup = false, hedge_delay = 0.1)]
pub async fn hedged_nothing_on_giveup() -> Result<Option<Rc<u32>>, NotSend> {
    tokio::task::yield_now().await;
    Err(NotSend(Rc::from("busy")))
}

pub struct Client {
    calls: u32,
    timeout: Option<Duration>,
    settings: Option<RetrySettings<NotSend>>,
}

impl Client {
    fn hedge_delay_for(&self, op: &str) -> Option<Duration> {
        (op == "get").then_some(Duration::from_millis(50))
    }

    // `&mut self` with a timeout: one attempt at a time.
    #[retry(max_tries = 3, attempt_timeout = self.timeout)]
    pub async fn timed_by_mut(&mut self) -> Result<Rc<u32>, NotSend> {
        self.calls += 1;
        tokio::task::yield_now().await;
        Ok(Rc::new(self.calls))
    }

    // What a generated client method writes: settings and per-call expressions.
    #[retry(
        settings = self.settings.clone(),
        attempt_timeout = self.timeout,
        hedge_delay = self.hedge_delay_for("get")
    )]
    pub async fn hedged_with_settings(&self, id: u32) -> Result<Option<Rc<u32>>, NotSend> {
        tokio::task::yield_now().await;
        Ok(Some(Rc::new(id)))
    }
}

#[async_trait::async_trait]
pub trait Fetch {
    async fn fetch(&self, id: u32) -> Result<Rc<u32>, NotSend>;
}

pub struct Remote;

// `#[async_trait]` boxes the future as `Send`: this compiles only if the hedged one is.
#[async_trait::async_trait]
impl Fetch for Remote {
    #[retry(max_tries = 3, hedge_delay = 0.05, attempt_timeout = 1)]
    async fn fetch(&self, id: u32) -> Result<Rc<u32>, NotSend> {
        tokio::task::yield_now().await;
        Ok(Rc::new(id))
    }
}

fn main() {
    assert_send(&timed());
    assert_send(&hedged("a".to_owned(), 1));
    assert_send(&hedged_cell(Cell::new(0), 1));
    assert_send(&timed_cell(Cell::new(0)));
    assert_send(&hedged_and_timed());
    assert_send(&hedged_nothing_on_giveup());
    let mut client = Client { calls: 0, timeout: None, settings: None };
    assert_send(&client.hedged_with_settings(1));
    assert_send(&client.timed_by_mut());
    assert_send(&Remote.fetch(1));
}
