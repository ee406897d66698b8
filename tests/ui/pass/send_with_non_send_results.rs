//! The promise: an async fn under `#[retry]` returns a `Send` future whenever its body's future
//! is `Send`, even when the attempt's error or value is not (`Rc`). Nothing holding the
//! attempt's result, error or value may live across the loop's sleep.

use std::rc::Rc;

use retry_runtime::{retry, RetryBudget, RetrySettings};

fn assert_send<T: Send>(_: &T) {}

// A `!Send` error.
#[retry(max_tries = 3)]
pub async fn non_send_error() -> Result<u32, Rc<str>> {
    tokio::task::yield_now().await;
    Err(Rc::from("busy"))
}

// A `!Send` `Ok` value.
#[retry(max_tries = 3)]
pub async fn non_send_value(fail: bool) -> Result<Rc<str>, String> {
    tokio::task::yield_now().await;
    if fail { Err("busy".to_owned()) } else { Ok(Rc::from("done")) }
}

// Value mode: the value the predicate looked at is retried like an error.
#[retry(on_result = |v: &Rc<u32>| **v == 0, max_tries = 3, jitter = None)]
pub async fn on_result_non_send() -> Result<Rc<u32>, Rc<str>> {
    tokio::task::yield_now().await;
    Ok(Rc::new(0))
}

// The "nothing" value on give-up.
#[retry(max_tries = 3, raise_on_giveup = false)]
pub async fn raise_on_giveup_false() -> Result<Option<Rc<u32>>, Rc<str>> {
    tokio::task::yield_now().await;
    Err(Rc::from("busy"))
}

pub struct Client {
    calls: u32,
    settings: Option<RetrySettings<Rc<str>>>,
    budget: RetryBudget,
}

impl Client {
    // `&mut self`.
    #[retry(max_tries = 3)]
    pub async fn by_mut(&mut self) -> Result<Rc<u32>, Rc<str>> {
        self.calls += 1;
        tokio::task::yield_now().await;
        Err(Rc::from("busy"))
    }

    // `settings =`.
    #[retry(settings = self.settings.clone())]
    pub async fn with_settings(&self) -> Result<Rc<u32>, Rc<str>> {
        tokio::task::yield_now().await;
        Err(Rc::from("busy"))
    }

    // `budget =`.
    #[retry(max_tries = 3, budget = &self.budget)]
    pub async fn with_budget(&self) -> Result<Rc<u32>, Rc<str>> {
        tokio::task::yield_now().await;
        Err(Rc::from("busy"))
    }
}

// `#[async_trait]`: its boxed future must be `Send`, so this compiles only if ours is.
#[async_trait::async_trait]
pub trait Fetch {
    async fn fetch(&self, id: u32) -> Result<Rc<u32>, Rc<str>>;
}

pub struct Remote;

#[async_trait::async_trait]
impl Fetch for Remote {
    #[retry(max_tries = 3)]
    async fn fetch(&self, id: u32) -> Result<Rc<u32>, Rc<str>> {
        tokio::task::yield_now().await;
        if id == 0 { Err(Rc::from("busy")) } else { Ok(Rc::new(id)) }
    }
}

fn main() {
    assert_send(&non_send_error());
    assert_send(&non_send_value(false));
    assert_send(&on_result_non_send());
    assert_send(&raise_on_giveup_false());
    let mut client = Client {
        calls: 0,
        settings: None,
        budget: RetryBudget::builder().build().expect("valid budget"),
    };
    assert_send(&client.with_settings());
    assert_send(&client.with_budget());
    assert_send(&client.by_mut());
    assert_send(&Remote.fetch(1));
}
