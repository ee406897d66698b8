//! Attributes whose values are all literals or paths, with no clock or success hook, build
//! their engine only after a first attempt fails (the success path stores no policy). These
//! tests pin that such fns still retry exactly as the eager expansion does.

use std::cell::Cell;
use std::time::Duration;

use retry_runtime::retry;
use retry_runtime::wait::constant;

#[derive(Debug, Clone, PartialEq)]
struct Flaky;

struct Counter {
    calls: u32,
    fail_first: u32,
}

impl Counter {
    #[retry(max_tries = 4, wait_gen = constant, interval = 1, jitter = None)]
    async fn next(&mut self) -> Result<u32, Flaky> {
        self.calls += 1;
        if self.calls <= self.fail_first {
            return Err(Flaky);
        }
        Ok(self.calls)
    }
}

#[retry(max_tries = 3, wait_gen = constant, interval = 0, jitter = None)]
fn blocking(calls: &Cell<u32>, fail_first: u32) -> Option<u32> {
    calls.set(calls.get() + 1);
    (calls.get() > fail_first).then_some(calls.get())
}

#[tokio::test(start_paused = true)]
async fn first_try_success_runs_once() {
    let mut c = Counter {
        calls: 0,
        fail_first: 0,
    };
    let started = tokio::time::Instant::now();
    assert_eq!(c.next().await, Ok(1));
    assert_eq!(c.calls, 1);
    assert_eq!(started.elapsed(), Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn failures_are_retried_with_the_waits_and_mut_self_state() {
    let mut c = Counter {
        calls: 0,
        fail_first: 2,
    };
    let started = tokio::time::Instant::now();
    assert_eq!(c.next().await, Ok(3));
    assert_eq!(c.calls, 3);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn max_tries_still_ends_the_call() {
    let mut c = Counter {
        calls: 0,
        fail_first: 10,
    };
    assert_eq!(c.next().await, Err(Flaky));
    assert_eq!(c.calls, 4);
}

#[test]
fn blocking_fns_retry_lazily_too() {
    let calls = Cell::new(0);
    assert_eq!(blocking(&calls, 0), Some(1));
    assert_eq!(calls.get(), 1);
    let calls = Cell::new(0);
    assert_eq!(blocking(&calls, 2), Some(3));
    assert_eq!(calls.get(), 3);
    let calls = Cell::new(0);
    assert_eq!(blocking(&calls, 5), None);
    assert_eq!(calls.get(), 3);
}
