//! Each run-time option, given through `#[retry(settings = ..)]`, changes the call: the tests
//! `retry-runtime/src/options.rs` names for the options not covered elsewhere.

mod common;

use std::cell::Cell;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{ApiError, Recorder, ServerError, secs};
use retry_runtime::budget::RetryBudget;
use retry_runtime::wait::constant;
use retry_runtime::{Details, GiveUpReason, RetrySettings, retry};

/// Fails with each status of `statuses` in turn, then succeeds with the number of calls.
#[retry(settings = settings)]
fn answer(
    settings: &RetrySettings<ApiError>,
    statuses: &[u16],
    calls: &Cell<usize>,
) -> Result<usize, ApiError> {
    let call = calls.get();
    calls.set(call + 1);
    match statuses.get(call) {
        Some(status) => Err(ApiError::Status(*status)),
        None => Ok(call + 1),
    }
}

/// Always fails with 503, after waiting nothing; async so that waits run on the paused clock.
#[retry(settings = settings)]
async fn unavailable(
    settings: &RetrySettings<ApiError>,
    calls: &Cell<u32>,
) -> Result<(), ApiError> {
    calls.set(calls.get() + 1);
    Err(ApiError::Status(503))
}

/// Zero waits, no jitter, `max_tries` tries.
fn quick(max_tries: u32) -> retry_runtime::RetrySettingsBuilder<ApiError> {
    RetrySettings::builder()
        .max_tries(max_tries)
        .wait_gen(constant().interval(0))
        .no_jitter()
}

/// The waits the backoff hook saw during `run`.
fn waits_of(
    builder: retry_runtime::RetrySettingsBuilder<ApiError>,
) -> (RetrySettings<ApiError>, Arc<Mutex<Vec<Duration>>>) {
    let waits = Arc::new(Mutex::new(Vec::new()));
    let sink = Arc::clone(&waits);
    let settings = builder
        .on_backoff(move |d: &Details<'_, ApiError>| sink.lock().unwrap().extend(d.wait))
        .build()
        .unwrap();
    (settings, waits)
}

#[test]
fn settings_exception_selects_the_retried_errors() {
    let servers = quick(5).exception::<ServerError>().build().unwrap();
    let calls = Cell::new(0);
    assert_eq!(answer(&servers, &[500, 502], &calls), Ok(3));
    calls.set(0);
    // Outside the classes: returned at once.
    assert_eq!(
        answer(&servers, &[404, 500], &calls),
        Err(ApiError::Status(404))
    );
    assert_eq!(calls.get(), 1);

    let by_predicate = quick(5)
        .exception_if(|e| matches!(e, ApiError::Status(404)))
        .build()
        .unwrap();
    calls.set(0);
    assert_eq!(answer(&by_predicate, &[404], &calls), Ok(2));
    calls.set(0);
    assert_eq!(
        answer(&by_predicate, &[500], &calls),
        Err(ApiError::Status(500))
    );
    assert_eq!(calls.get(), 1);
}

#[tokio::test(start_paused = true)]
async fn settings_max_time_ends_the_call() {
    // max_tries bounds the call should the waits stop advancing the paused clock: the test
    // then fails instead of hanging (a mutation run found one that hung).
    let settings = RetrySettings::builder()
        .max_time(10)
        .max_tries(100)
        .wait_gen(constant().interval(3))
        .no_jitter()
        .build()
        .unwrap();
    let calls = Cell::new(0);
    let started = tokio::time::Instant::now();
    assert_eq!(
        unavailable(&settings, &calls).await,
        Err(ApiError::Status(503))
    );
    // Tries at 0, 3, 6, 9; the fifth would start at 12, past 10: the last wait is cut to 1.
    assert_eq!(calls.get(), 5);
    assert_eq!(started.elapsed(), secs(10));
}

#[tokio::test(start_paused = true)]
async fn settings_wait_gen_and_jitter_set_the_waits() {
    let (settings, waits) = waits_of(
        RetrySettings::builder()
            .max_tries(4)
            .wait_gen(constant().interval(2))
            .no_jitter(),
    );
    let calls = Cell::new(0);
    let _ = unavailable(&settings, &calls).await;
    assert_eq!(*waits.lock().unwrap(), [secs(2); 3]);

    // A jitter of its own: half of every wait.
    let (settings, waits) = waits_of(
        RetrySettings::builder()
            .max_tries(3)
            .wait_gen(constant().interval(2))
            .jitter(|wait: Duration| wait / 2),
    );
    let _ = unavailable(&settings, &calls).await;
    assert_eq!(*waits.lock().unwrap(), [secs(1); 2]);
}

#[test]
fn settings_giveup_stops_at_once() {
    static EVENTS: Recorder = Recorder::new();
    let settings = quick(5)
        .giveup(|e| matches!(e, ApiError::Status(404)))
        .also_giveup(|e| matches!(e, ApiError::Status(409)))
        .on_giveup(|d: &Details<'_, ApiError>| {
            assert_eq!(d.reason, Some(GiveUpReason::Predicate));
            EVENTS.record("giveup", d);
        })
        .build()
        .unwrap();
    for status in [404, 409] {
        let calls = Cell::new(0);
        assert_eq!(
            answer(&settings, &[500, status], &calls),
            Err(ApiError::Status(status))
        );
        assert_eq!(calls.get(), 2);
    }
    assert_eq!(EVENTS.kinds(), ["giveup", "giveup"]);
}

#[tokio::test(start_paused = true)]
async fn settings_wait_floor_lengthens_the_wait() {
    let (settings, waits) = waits_of(
        RetrySettings::builder()
            .max_tries(3)
            .wait_gen(constant().interval(1))
            .no_jitter()
            .wait_floor(|e| matches!(e, ApiError::Status(503)).then(|| secs(4))),
    );
    let calls = Cell::new(0);
    let started = tokio::time::Instant::now();
    let _ = unavailable(&settings, &calls).await;
    assert_eq!(*waits.lock().unwrap(), [secs(4); 2]);
    assert_eq!(started.elapsed(), secs(8));
}

#[retry(settings = settings, on_result = |n: &usize| *n < 3)]
fn count_up(settings: &RetrySettings<ApiError>, calls: &Cell<usize>) -> Result<usize, ApiError> {
    calls.set(calls.get() + 1);
    Ok(calls.get())
}

#[test]
fn on_result_stays_in_force_under_settings() {
    let calls = Cell::new(0);
    assert_eq!(count_up(&quick(5).build().unwrap(), &calls), Ok(3));
    // The settings' max_tries ends the value retries: the last value is returned.
    calls.set(0);
    assert_eq!(count_up(&quick(2).build().unwrap(), &calls), Ok(2));
}

#[test]
fn settings_hooks_run() {
    static EVENTS: Recorder = Recorder::new();
    let settings = quick(2)
        .exception::<ServerError>()
        .on_success(|d: &Details<'_, ApiError>| EVENTS.record("success", d))
        .on_backoff(|d: &Details<'_, ApiError>| EVENTS.record("backoff", d))
        .on_giveup(|d: &Details<'_, ApiError>| EVENTS.record("giveup", d))
        .build()
        .unwrap();
    let calls = Cell::new(0);
    assert_eq!(answer(&settings, &[500], &calls), Ok(2));
    assert_eq!(EVENTS.kinds(), ["backoff", "success"]);
    calls.set(0);
    assert!(answer(&settings, &[500, 500], &calls).is_err());
    let events = EVENTS.take();
    assert_eq!(
        events.iter().map(|e| (e.kind, e.tries)).collect::<Vec<_>>(),
        [("backoff", 1), ("giveup", 2)]
    );
}

#[test]
fn settings_budget_refuses_retries() {
    let budget = RetryBudget::builder()
        .ratio(0.0)
        .initial(1)
        .build()
        .unwrap();
    static EVENTS: Recorder = Recorder::new();
    let settings = quick(3)
        .budget(budget.clone())
        .on_giveup(|d: &Details<'_, ApiError>| {
            EVENTS.record("giveup", d);
            assert_eq!(d.reason, Some(GiveUpReason::BudgetExhausted));
        })
        .build()
        .unwrap();
    // One token: one retry, then the budget refuses the next.
    let calls = Cell::new(0);
    assert!(answer(&settings, &[500, 500, 500], &calls).is_err());
    assert_eq!(calls.get(), 2);
    assert_eq!(EVENTS.kinds(), ["giveup"]);
    // `no_budget` lifts the limit.
    calls.set(0);
    let unlimited = settings.to_builder().no_budget().build().unwrap();
    assert_eq!(answer(&unlimited, &[500, 500], &calls), Ok(3));
}
