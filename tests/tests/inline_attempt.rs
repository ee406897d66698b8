//! An async fn's body runs inline in the fn's own future, with its `?` and `return` rewritten
//! into breaks out of the attempt (`retry-macros/core/src/attempt.rs`). These tests pin that every
//! exit still ends only the attempt, that `?` converts as the compiler's own does, and that
//! bodies the rewrite cannot see through (unknown macros) keep working.

use std::cell::Cell;
use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::wait::constant;
use retry_runtime::{Details, retry};

#[derive(Debug, Clone, PartialEq)]
enum AppError {
    Busy,
    Parse(String),
}

#[derive(Debug, Clone, PartialEq)]
struct LowError(&'static str);

impl From<LowError> for AppError {
    fn from(error: LowError) -> Self {
        AppError::Parse(error.0.to_owned())
    }
}

fn low(calls: &Cell<u32>, fail_first: u32) -> Result<u32, LowError> {
    calls.set(calls.get() + 1);
    if calls.get() <= fail_first {
        Err(LowError("not yet"))
    } else {
        Ok(calls.get())
    }
}

fn is_busy(error: &AppError) -> bool {
    matches!(error, AppError::Busy)
}

// `?` converts `LowError` into `AppError` with `From`, as in any fn; the converted error is
// what the engine sees (and retries, since no exception filter is given).
#[retry(max_tries = 5, wait_gen = constant, interval = 1, jitter = None)]
async fn converts_with_from(calls: &Cell<u32>) -> Result<u32, AppError> {
    let value = low(calls, 2)?;
    Ok(value * 10)
}

#[tokio::test(start_paused = true)]
async fn question_mark_converts_and_ends_only_the_attempt() {
    let calls = Cell::new(0);
    let started = tokio::time::Instant::now();
    assert_eq!(converts_with_from(&calls).await, Ok(30));
    assert_eq!(calls.get(), 3);
    assert_eq!(started.elapsed(), Duration::from_secs(2));
}

// `?` on `Option` in a fn returning `Option`; `return` inside a loop of the body.
#[retry(max_tries = 4, wait_gen = constant, interval = 0, jitter = None)]
async fn option_and_nested_return(calls: &Cell<u32>) -> Option<u32> {
    calls.set(calls.get() + 1);
    let ready = (calls.get() >= 3).then_some(calls.get())?;
    for step in 0.. {
        if step == 2 {
            return Some(ready + step);
        }
    }
    None
}

#[tokio::test(start_paused = true)]
async fn option_question_mark_and_return_in_a_loop() {
    let calls = Cell::new(0);
    assert_eq!(option_and_nested_return(&calls).await, Some(5));
    assert_eq!(calls.get(), 3);
}

// The `?` of a closure and of an `async` block inside the body belong to them; a labelled
// block of the body's own is left alone; a value starting with `::` is returned as written.
#[retry(max_tries = 3, wait_gen = constant, interval = 0, jitter = None, giveup = is_busy)]
async fn inner_exits_stay_inner(calls: &Cell<u32>) -> Result<u32, AppError> {
    calls.set(calls.get() + 1);
    let parse = |text: &str| -> Option<u32> { text.parse::<u32>().ok()?.checked_add(1) };
    let fetched: Result<u32, LowError> =
        async { Ok::<_, LowError>(low(&Cell::new(5), 0)? + 1) }.await;
    let picked = 'pick: {
        if fetched.is_err() {
            break 'pick 0;
        }
        parse("41").unwrap_or(0)
    };
    if calls.get() < 2 {
        return ::core::result::Result::Err(AppError::Parse("again".into()));
    }
    Ok(picked + fetched.map_err(AppError::from)?)
}

#[tokio::test(start_paused = true)]
async fn exits_of_closures_async_blocks_and_labelled_blocks_stay_theirs() {
    let calls = Cell::new(0);
    assert_eq!(inner_exits_stay_inner(&calls).await, Ok(42 + 7));
    assert_eq!(calls.get(), 2);
}

macro_rules! bail_busy {
    () => {
        return Err(AppError::Busy)
    };
}

// A macro the rewrite cannot see through keeps the `async` block form: its hidden `return`
// still ends only the attempt, and the give-up predicate sees the error.
#[retry(max_tries = 5, wait_gen = constant, interval = 0, jitter = None, giveup = is_busy)]
async fn hidden_return(calls: &Cell<u32>) -> Result<u32, AppError> {
    calls.set(calls.get() + 1);
    if calls.get() == 1 {
        return Err(AppError::Parse("first".into()));
    }
    bail_busy!();
}

#[tokio::test(start_paused = true)]
async fn a_macro_that_returns_ends_only_the_attempt() {
    let calls = Cell::new(0);
    assert_eq!(hidden_return(&calls).await, Err(AppError::Busy));
    assert_eq!(calls.get(), 2);
}

static BACKOFFS: Mutex<Vec<(u32, Duration)>> = Mutex::new(Vec::new());

fn record_backoff(details: &Details<'_, AppError>) {
    BACKOFFS
        .lock()
        .unwrap()
        .push((details.tries, details.elapsed));
}

// A time limit and a backoff hook: the engine is still built after a failed first attempt,
// but the start time is read before it, so `elapsed` and the limit include the first attempt.
#[retry(
    max_time = 10,
    wait_gen = constant,
    interval = 3,
    jitter = None,
    on_backoff = record_backoff
)]
async fn slow_and_limited(calls: &Cell<u32>) -> Result<u32, AppError> {
    calls.set(calls.get() + 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    Err(AppError::Busy)
}

#[tokio::test(start_paused = true)]
async fn time_limit_counts_the_first_attempt_in_the_lazy_form() {
    BACKOFFS.lock().unwrap().clear();
    let calls = Cell::new(0);
    let started = tokio::time::Instant::now();
    assert_eq!(slow_and_limited(&calls).await, Err(AppError::Busy));
    // Attempts end at 2 s, 7 s and 12 s; the third is past the 10 s limit.
    assert_eq!(calls.get(), 3);
    assert_eq!(
        *BACKOFFS.lock().unwrap(),
        vec![(1, Duration::from_secs(2)), (2, Duration::from_secs(7))]
    );
    assert_eq!(started.elapsed(), Duration::from_secs(12));
}

static SUCCESSES: Mutex<Vec<(u32, Duration, String)>> = Mutex::new(Vec::new());

fn record_success(details: &Details<'_, AppError>) {
    SUCCESSES.lock().unwrap().push((
        details.tries,
        details.elapsed,
        format!("{:?}", details.args),
    ));
}

// An `on_success` hook in the lazy form: a first-try success runs it through an engine built
// after the attempt (with the start time read before it); a later success through the engine
// that drove the retries.
#[retry(max_time = 30, wait_gen = constant, interval = 1, jitter = None, on_success = record_success)]
async fn succeeds_after(calls: &Cell<u32>, fail_first: u32) -> Result<u32, AppError> {
    calls.set(calls.get() + 1);
    tokio::time::sleep(Duration::from_secs(2)).await;
    if calls.get() <= fail_first {
        return Err(AppError::Busy);
    }
    Ok(calls.get())
}

#[tokio::test(start_paused = true)]
async fn success_hook_sees_tries_elapsed_and_args_in_the_lazy_form() {
    SUCCESSES.lock().unwrap().clear();
    let calls = Cell::new(0);
    assert_eq!(succeeds_after(&calls, 0).await, Ok(1));
    let calls = Cell::new(0);
    assert_eq!(succeeds_after(&calls, 1).await, Ok(2));
    let successes = SUCCESSES.lock().unwrap().clone();
    assert_eq!(successes.len(), 2, "{successes:?}");
    assert_eq!(
        (successes[0].0, successes[0].1),
        (1, Duration::from_secs(2))
    );
    assert_eq!(
        (successes[1].0, successes[1].1),
        (2, Duration::from_secs(5))
    );
    assert!(successes[0].2.contains("fail_first"), "{successes:?}");
}
