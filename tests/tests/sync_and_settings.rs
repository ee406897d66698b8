//! Behaviour of `#[retry]` on blocking fns (tiny or zero waits, the blocking sleeper) and of
//! `settings = ...` (run-time settings replacing the attribute's values).

mod common;

use std::cell::Cell;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use common::{ApiError, Recorder, ServerError};
use retry_runtime::sleep::BlockingSleeper;
use retry_runtime::wait::constant;
use retry_runtime::{Details, RetrySettings, retry};

#[retry(max_tries = 4, wait_gen = constant, interval = 0, jitter = None)]
fn parse_nth(inputs: &[&str], next: &Cell<usize>) -> Result<u32, std::num::ParseIntError> {
    let input = inputs[next.get()];
    next.set(next.get() + 1);
    let value = input.parse::<u32>()?;
    Ok(value)
}

#[test]
fn sync_fn_retries_with_question_mark() {
    let next = Cell::new(0);
    assert_eq!(parse_nth(&["a", "b", "12"], &next), Ok(12));
    assert_eq!(next.get(), 3);
    let next = Cell::new(0);
    assert!(parse_nth(&["a", "b", "c", "d", "5"], &next).is_err());
    assert_eq!(next.get(), 4);
}

static BLOCKING: Recorder = Recorder::new();

fn blocking_hook(details: &Details<'_, ApiError>) {
    BLOCKING.record("backoff", details);
}

struct Store {
    writes: u32,
}

impl Store {
    /// A tiny real wait through the blocking sleeper.
    #[retry(
        max_tries = 3,
        wait_gen = constant,
        interval = Duration::from_millis(1),
        jitter = None,
        sleeper = BlockingSleeper,
        on_backoff = blocking_hook
    )]
    fn write(&mut self, key: &str, value: String) -> Result<u32, ApiError> {
        let _ = (key, value);
        self.writes += 1;
        if self.writes < 3 {
            Err(ApiError::Status(503))
        } else {
            Ok(self.writes)
        }
    }
}

#[test]
fn sync_method_with_blocking_sleeper() {
    let mut store = Store { writes: 0 };
    assert_eq!(store.write("k", "v".to_owned()), Ok(3));
    let events = BLOCKING.take();
    assert_eq!(events.len(), 2);
    assert_eq!(events[0].target, "sync_and_settings::write");
    assert_eq!(events[0].args, ["key=\"k\"", "value=\"v\""]);
    assert_eq!(events[1].wait, Some(Duration::from_millis(1)));
}

#[retry(max_tries = 3, jitter = None, wait_gen = constant, interval = 0)]
fn find(items: &[u32], wanted: u32, calls: &Cell<u32>) -> Option<usize> {
    calls.set(calls.get() + 1);
    items.iter().position(|&item| item == wanted)
}

#[test]
fn option_returning_sync_fn() {
    let calls = Cell::new(0);
    assert_eq!(find(&[1, 2], 2, &calls), Some(1));
    assert_eq!(calls.get(), 1);
    assert_eq!(find(&[1, 2], 9, &calls), None);
    assert_eq!(calls.get(), 4);
}

/// A client in the Harbor client's shape: settings read at each call.
struct Client {
    retry: Option<RetrySettings<ApiError>>,
    calls: AtomicU32,
}

impl Client {
    fn retry_settings(&self) -> Option<RetrySettings<ApiError>> {
        self.retry.clone()
    }

    // The attribute says 10 tries; the settings, when present, replace it.
    #[retry(settings = self.retry_settings(), max_tries = 10, jitter = None)]
    async fn get(&self) -> Result<u32, ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(ApiError::Status(500))
    }

    #[retry(settings = &self.retry, max_tries = 10, jitter = None)]
    fn get_sync(&self) -> Result<u32, ApiError> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Err(ApiError::Status(500))
    }

    fn take_calls(&self) -> u32 {
        self.calls.swap(0, Ordering::SeqCst)
    }
}

fn settings(max_tries: u32) -> RetrySettings<ApiError> {
    RetrySettings::builder()
        .max_tries(max_tries)
        .exception::<ServerError>()
        .wait_gen(constant().interval(0))
        .no_jitter()
        .build()
        .expect("valid settings")
}

#[tokio::test(start_paused = true)]
async fn settings_replace_the_attribute() {
    let mut client = Client {
        retry: Some(settings(2)),
        calls: AtomicU32::new(0),
    };
    assert_eq!(client.get().await, Err(ApiError::Status(500)));
    assert_eq!(client.take_calls(), 2);
    assert_eq!(client.get_sync(), Err(ApiError::Status(500)));
    assert_eq!(client.take_calls(), 2);

    // Changed settings take effect on the next call.
    client.retry = Some(settings(3));
    assert_eq!(client.get().await, Err(ApiError::Status(500)));
    assert_eq!(client.take_calls(), 3);
}

#[tokio::test(start_paused = true)]
async fn none_settings_disable_retries() {
    let client = Client {
        retry: None,
        calls: AtomicU32::new(0),
    };
    assert_eq!(client.get().await, Err(ApiError::Status(500)));
    assert_eq!(client.take_calls(), 1);
    assert_eq!(client.get_sync(), Err(ApiError::Status(500)));
    assert_eq!(client.take_calls(), 1);
}

#[test]
fn disabled_settings_disable_retries() {
    let disabled = settings(5).to_builder().enabled(false).build().unwrap();
    let client = Client {
        retry: Some(disabled),
        calls: AtomicU32::new(0),
    };
    assert_eq!(client.get_sync(), Err(ApiError::Status(500)));
    assert_eq!(client.take_calls(), 1);
}

#[retry(settings = None, max_tries = 5)]
fn never_retried(calls: &Cell<u32>) -> Result<(), ApiError> {
    calls.set(calls.get() + 1);
    Err(ApiError::Network)
}

#[test]
fn literal_none_settings() {
    let calls = Cell::new(0);
    assert_eq!(never_retried(&calls), Err(ApiError::Network));
    assert_eq!(calls.get(), 1);
}

// Settings' `raise_on_giveup = false` applies without the attribute naming the key: the
// return type's "nothing" value is returned on give-up when it has one.
#[retry(settings = settings)]
fn lookup(settings: &RetrySettings<ApiError>, calls: &Cell<u32>) -> Result<Option<u32>, ApiError> {
    calls.set(calls.get() + 1);
    Err(ApiError::Status(500))
}

#[retry(settings = settings)]
async fn delete(settings: &RetrySettings<ApiError>, calls: &Cell<u32>) -> Result<(), ApiError> {
    calls.set(calls.get() + 1);
    Err(ApiError::Status(503))
}

// No "nothing" value: the error is returned, whatever the settings say.
#[retry(settings = settings)]
fn count(settings: &RetrySettings<ApiError>, calls: &Cell<u32>) -> Result<u32, ApiError> {
    calls.set(calls.get() + 1);
    Err(ApiError::Status(500))
}

// A generic return type compiles, and returns the nothing value when its type has one.
#[retry(settings = settings)]
fn first<T: Clone>(settings: &RetrySettings<ApiError>, items: &[T]) -> Result<Option<T>, ApiError> {
    match items.first() {
        Some(_) => Err(ApiError::Status(500)),
        None => Ok(None),
    }
}

#[tokio::test(start_paused = true)]
async fn settings_raise_on_giveup_applies_without_the_key() {
    let quiet = settings(2)
        .to_builder()
        .raise_on_giveup(false)
        .build()
        .unwrap();
    let calls = Cell::new(0);
    assert_eq!(lookup(&quiet, &calls), Ok(None));
    assert_eq!(calls.get(), 2);
    calls.set(0);
    assert_eq!(delete(&quiet, &calls).await, Ok(()));
    assert_eq!(calls.get(), 2);
    calls.set(0);
    assert_eq!(count(&quiet, &calls), Err(ApiError::Status(500)));
    assert_eq!(calls.get(), 2);
    assert_eq!(first(&quiet, &[1u8]), Ok(None));

    // The default (`raise_on_giveup = true`) returns the error.
    let loud = settings(2);
    calls.set(0);
    assert_eq!(lookup(&loud, &calls), Err(ApiError::Status(500)));
    assert_eq!(calls.get(), 2);
    assert_eq!(first(&loud, &[1u8]), Err(ApiError::Status(500)));
}
