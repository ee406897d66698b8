//! The retry loop's semantics under tokio's paused clock: exact sequences, the order of checks,
//! time limits, hooks and their `Details`, value mode, `raise_on_giveup = false`.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::jitter::no_jitter;
use retry_runtime::wait::{self, Last};
use retry_runtime::{Details, ErrorClass, Policy, retry_async, retry_blocking};
use support::{Fail, Log, Seen, ServerFail, millis, secs};
use tokio::time::Instant;

/// Runs an always-failing operation under `policy` and returns the waits it backed off for.
async fn waits_of<W: wait::WaitGen<Fail>>(wait_gen: W, max_tries: u32) -> Vec<Duration> {
    let log = Log::default();
    let policy = Policy::<(), Fail>::new()
        .max_tries(max_tries)
        .wait_gen(wait_gen)
        .jitter(no_jitter)
        .logger(false)
        .on_backoff(log.hook("backoff"));
    let result = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
    assert_eq!(result, Err(Fail(500)));
    log.waits()
}

#[tokio::test(start_paused = true)]
async fn expo_waits_are_backoffs_sequence() {
    let got = waits_of(wait::expo(), 7).await;
    assert_eq!(got, [1, 2, 4, 8, 16, 32].map(secs));
    let got = waits_of(wait::expo().max_value(10), 7).await;
    assert_eq!(got, [1, 2, 4, 8, 10, 10].map(secs));
    let got = waits_of(wait::expo().base(3).factor(0.5), 5).await;
    assert_eq!(got, [500, 1500, 4500, 13500].map(millis));
}

#[tokio::test(start_paused = true)]
async fn fibo_constant_decay_sequences() {
    assert_eq!(
        waits_of(wait::fibo(), 9).await,
        [1, 1, 2, 3, 5, 8, 13, 21].map(secs)
    );
    assert_eq!(
        waits_of(wait::fibo().max_value(4), 7).await,
        [1, 1, 2, 3, 4, 4].map(secs)
    );
    assert_eq!(waits_of(wait::constant(), 4).await, [1, 1, 1].map(secs));
    assert_eq!(
        waits_of(wait::constant().interval(0.25), 4).await,
        [250, 250, 250].map(millis)
    );
    let decayed = waits_of(
        wait::decay()
            .initial_value(8)
            .decay_factor(std::f64::consts::LN_2)
            .min_value(1),
        7,
    )
    .await;
    let rounded: Vec<u128> = decayed
        .iter()
        .map(|d| (d.as_micros() + 500) / 1000)
        .collect();
    assert_eq!(rounded, [8000, 4000, 2000, 1000, 1000, 1000]);
}

#[tokio::test(start_paused = true)]
async fn constant_list_gives_up_when_used_up() {
    let log = Log::default();
    let tries = AtomicU32::new(0);
    let policy = Policy::<(), Fail>::new()
        .wait_gen(wait::constant().interval([1, 3]))
        .jitter(no_jitter)
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async {
        tries.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Fail(503))
    })
    .await;
    assert_eq!(result, Err(Fail(503)));
    assert_eq!(tries.load(Ordering::Relaxed), 3);
    assert_eq!(
        log.events(),
        [
            ("backoff", 1, Some(secs(1)), secs(0)),
            ("backoff", 2, Some(secs(3)), secs(1)),
            ("giveup", 3, None, secs(4)),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn details_at_every_step() {
    let log = Log::default();
    let start = Instant::now();
    let calls = AtomicU32::new(0);
    let policy = Policy::<u32, Fail>::new()
        .max_tries(5)
        .jitter(no_jitter)
        .on_success(log.hook("success"))
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async {
        // Each attempt takes 100 ms of (paused) time.
        tokio::time::sleep(millis(100)).await;
        let n = calls.fetch_add(1, Ordering::Relaxed);
        if n < 3 {
            Err(Fail(500 + n as u16))
        } else {
            Ok(n)
        }
    })
    .await;
    assert_eq!(result, Ok(3));
    assert_eq!(start.elapsed(), millis(400) + secs(1 + 2 + 4));
    let target = "loop_semantics::details_at_every_step";
    let seen = log.take();
    let expected = [
        ("backoff", 1, Some(secs(1)), millis(100), Some(Fail(500))),
        ("backoff", 2, Some(secs(2)), millis(1200), Some(Fail(501))),
        ("backoff", 3, Some(secs(4)), millis(3300), Some(Fail(502))),
        ("success", 4, None, millis(7400), None),
    ];
    assert_eq!(seen.len(), expected.len());
    for (seen, (event, tries, wait, elapsed, error)) in seen.iter().zip(expected) {
        assert_eq!(
            seen,
            &Seen {
                event,
                target,
                tries,
                wait,
                elapsed,
                error,
                value: None
            }
        );
    }
}

#[tokio::test(start_paused = true)]
async fn max_time_cuts_the_last_wait_and_stops() {
    let log = Log::default();
    let start = Instant::now();
    // max_tries bounds the call should the clock (or time limit) break: the test then fails
    // instead of hanging.
    let policy = Policy::<(), Fail>::new()
        .max_time(10)
        .max_tries(100)
        .jitter(no_jitter)
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
    assert_eq!(result, Err(Fail(500)));
    // 1 + 2 + 4 = 7 s; the next wait (8 s) is cut to the 3 s left; the attempt at 10 s fails
    // with no time left, so the call gives up.
    assert_eq!(log.waits(), [1, 2, 4, 3].map(secs));
    assert_eq!(log.events().last(), Some(&("giveup", 5, None, secs(10))));
    assert_eq!(start.elapsed(), secs(10));
}

#[tokio::test(start_paused = true)]
async fn max_time_as_duration_and_zero() {
    let tries = AtomicU32::new(0);
    // max_tries bounds the call should the clock (or time limit) break: the test then fails
    // instead of hanging.
    let policy = Policy::<(), Fail>::new()
        .max_time(Duration::ZERO)
        .max_tries(100);
    let _ = retry_async(policy, || async {
        tries.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Fail(500))
    })
    .await;
    assert_eq!(tries.load(Ordering::Relaxed), 1);
}

#[tokio::test(start_paused = true)]
async fn giveup_stops_at_once_and_is_checked_first() {
    let log = Log::default();
    let asked = AtomicU32::new(0);
    let policy = Policy::<(), Fail>::new()
        .max_tries(3)
        .giveup(|e: &Fail| {
            asked.fetch_add(1, Ordering::Relaxed);
            e.0 == 404
        })
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async { Err::<(), _>(Fail(404)) }).await;
    assert_eq!(result, Err(Fail(404)));
    assert_eq!(log.events(), [("giveup", 1, None, secs(0))]);
    assert_eq!(asked.load(Ordering::Relaxed), 1);

    // The predicate is asked about every caught error, the last one included (it comes before
    // the max_tries check), and never about an error outside the classes.
    asked.store(0, Ordering::Relaxed);
    let policy = Policy::<(), Fail>::new()
        .max_tries(3)
        .jitter(no_jitter)
        .exception(<ServerFail as ErrorClass<Fail>>::is_instance)
        .giveup(|e: &Fail| {
            asked.fetch_add(1, Ordering::Relaxed);
            e.0 == 404
        });
    let _ = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
    assert_eq!(asked.load(Ordering::Relaxed), 3);
}

#[tokio::test(start_paused = true)]
async fn errors_outside_the_classes_return_at_once_with_no_hook() {
    let log = Log::default();
    let tries = AtomicU32::new(0);
    let policy = Policy::<(), Fail>::new()
        .exception(<ServerFail as ErrorClass<Fail>>::is_instance)
        .on_success(log.hook("success"))
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async {
        tries.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Fail(404))
    })
    .await;
    assert_eq!(result, Err(Fail(404)));
    assert_eq!(tries.load(Ordering::Relaxed), 1);
    assert!(log.take().is_empty());
}

#[tokio::test(start_paused = true)]
async fn value_mode_retries_while_the_predicate_holds() {
    let log = Log::default();
    let calls = AtomicU32::new(0);
    let policy = Policy::<u32, Fail>::new()
        .on_result(|v: &u32| *v < 3)
        .jitter(no_jitter)
        .wait_gen(wait::constant())
        .on_backoff(log.hook("backoff"))
        .on_success(log.hook("success"));
    let result = retry_async(policy, || async {
        Ok(calls.fetch_add(1, Ordering::Relaxed))
    })
    .await;
    assert_eq!(result, Ok(3));
    let seen = log.take();
    let values: Vec<_> = seen.iter().map(|s| (s.event, s.value.clone())).collect();
    assert_eq!(
        values,
        [
            ("backoff", Some("0".to_string())),
            ("backoff", Some("1".to_string())),
            ("backoff", Some("2".to_string())),
            ("success", None),
        ]
    );

    // On give-up the last value is returned (as `backoff.on_predicate` does).
    let calls = AtomicU32::new(0);
    let policy = Policy::<u32, Fail>::new()
        .max_tries(2)
        .on_result(|v: &u32| *v < 10)
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async {
        Ok(calls.fetch_add(1, Ordering::Relaxed))
    })
    .await;
    assert_eq!(result, Ok(1));
    assert_eq!(log.take()[0].value.as_deref(), Some("1"));
}

#[tokio::test(start_paused = true)]
async fn value_mode_waits_see_no_error() {
    let policy = Policy::<u32, Fail>::new()
        .max_tries(2)
        .on_result(|v: &u32| *v == 0)
        .jitter(no_jitter)
        .wait_gen(wait::from_fn(|last: Last<'_, Fail>| {
            assert!(last.error().is_none());
            Some(secs(5))
        }));
    let start = Instant::now();
    assert_eq!(retry_async(policy, || async { Ok(0) }).await, Ok(0));
    assert_eq!(start.elapsed(), secs(5));
}

#[tokio::test(start_paused = true)]
async fn hooks_see_the_rejected_value_and_no_error() {
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let record = |event: &'static str| {
        let seen = std::sync::Arc::clone(&seen);
        move |d: &Details<'_, Fail>| {
            let value = d.value().map(|v| format!("{v:?}"));
            seen.lock()
                .unwrap()
                .push((event, value, d.error().is_some()));
        }
    };
    let policy = Policy::<u32, Fail>::new()
        .max_tries(2)
        .on_result(|v: &u32| *v < 10)
        .on_backoff(record("backoff"))
        .on_giveup(record("giveup"));
    let answers = AtomicU32::new(7);
    let result = retry_async(policy, || {
        std::future::ready(Ok(answers.fetch_add(1, Ordering::SeqCst)))
    })
    .await;
    assert_eq!(result, Ok(8), "value mode gives up with the last value");
    assert_eq!(
        *seen.lock().unwrap(),
        [
            ("backoff", Some("7".to_owned()), false),
            ("giveup", Some("8".to_owned()), false)
        ]
    );
    // An error is no value.
    let seen_error = std::sync::Arc::new(std::sync::Mutex::new(None));
    let recorder = std::sync::Arc::clone(&seen_error);
    let policy = Policy::<u32, Fail>::new()
        .max_tries(1)
        .on_giveup(move |d: &Details<'_, Fail>| {
            *recorder.lock().unwrap() = Some((d.value().is_none(), d.error().cloned()));
        });
    let _ = retry_async(policy, || std::future::ready(Err(Fail(500)))).await;
    assert_eq!(*seen_error.lock().unwrap(), Some((true, Some(Fail(500)))));
}

#[tokio::test(start_paused = true)]
async fn raise_on_giveup_false_returns_nothing() {
    let log = Log::default();
    let policy = Policy::<Option<u32>, Fail>::new()
        .max_tries(2)
        .raise_on_giveup(false)
        .on_giveup(log.hook("giveup"));
    let result = retry_async(policy, || async { Err::<Option<u32>, _>(Fail(500)) }).await;
    assert_eq!(result, Ok(None));
    assert_eq!(log.events().len(), 1);

    let policy = Policy::<(), Fail>::new()
        .max_tries(1)
        .raise_on_giveup(false);
    assert_eq!(
        retry_async(policy, || async { Err(Fail(500)) }).await,
        Ok(())
    );

    // raise_on_giveup(true) keeps the error; errors outside the classes are never swallowed.
    let policy = Policy::<(), Fail>::new().max_tries(1).raise_on_giveup(true);
    assert_eq!(
        retry_async(policy, || async { Err(Fail(500)) }).await,
        Err(Fail(500))
    );
    let policy = Policy::<(), Fail>::new()
        .exception(|e: &Fail| e.0 >= 500)
        .raise_on_giveup(false);
    assert_eq!(
        retry_async(policy, || async { Err(Fail(404)) }).await,
        Err(Fail(404))
    );
}

#[tokio::test(start_paused = true)]
async fn runtime_wait_uses_the_last_error() {
    #[derive(Debug)]
    struct Throttled(Option<u64>);
    let answers = std::sync::Mutex::new(vec![
        Throttled(Some(7)),
        Throttled(None),
        Throttled(Some(900)),
    ]);
    let start = Instant::now();
    let policy = Policy::<(), Throttled>::new()
        .max_tries(4)
        .jitter(no_jitter)
        .wait_gen(
            wait::runtime()
                .value(|e: &Throttled| e.0)
                .max_value(60)
                .or_else(wait::constant().interval(2)),
        );
    let result = retry_async(policy, || async {
        match answers.lock().unwrap().pop() {
            Some(t) => Err(t),
            None => Ok(()),
        }
    })
    .await;
    assert!(result.is_ok());
    // 900 capped to 60, then the fallback's 2, then 7.
    assert_eq!(start.elapsed(), secs(60 + 2 + 7));
}

#[tokio::test(start_paused = true)]
async fn hooks_in_a_tuple_run_in_order() {
    let log = Log::default();
    let policy = Policy::<(), Fail>::new().max_tries(2).on_backoff((
        log.hook("first"),
        log.hook("second"),
        log.hook("third"),
    ));
    let _ = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
    let order: Vec<_> = log.take().iter().map(|s| s.event).collect();
    assert_eq!(order, ["first", "second", "third"]);
}

#[tokio::test(start_paused = true)]
async fn seeded_jitter_is_reproducible() {
    async fn run() -> Vec<Duration> {
        retry_runtime::jitter::seed(42);
        let log = Log::default();
        let policy = Policy::<(), Fail>::new()
            .max_tries(6)
            .jitter(retry_runtime::jitter::decorrelated_jitter(0.5))
            .wait_gen(wait::constant().interval(20))
            .on_backoff(log.hook("backoff"));
        let _ = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
        log.waits()
    }
    let first = run().await;
    assert_eq!(first, run().await);
    assert_eq!(first.len(), 5);
    assert!(first.iter().all(|w| *w >= millis(500) && *w <= secs(20)));
}

#[tokio::test(start_paused = true)]
async fn huge_waits_saturate_without_panicking() {
    let log = Log::default();
    let policy = Policy::<(), Fail>::new()
        .max_tries(3)
        .jitter(no_jitter)
        .wait_gen(wait::expo().factor(f64::INFINITY))
        .on_backoff(log.hook("backoff"));
    let _ = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
    assert_eq!(log.waits(), [wait::MAX_WAIT, wait::MAX_WAIT]);

    // NaN and negative limits become 0: one attempt.
    let tries = AtomicU32::new(0);
    let policy = Policy::<(), Fail>::new().max_time(f64::NAN).max_tries(0);
    let _ = retry_async(policy, || async {
        tries.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Fail(500))
    })
    .await;
    assert_eq!(tries.load(Ordering::Relaxed), 1);
    // An infinite max_time is no limit in practice.
    let policy = Policy::<(), Fail>::new()
        .max_time(f64::INFINITY)
        .max_tries(2);
    assert_eq!(
        retry_async(policy, || async { Err(Fail(1)) }).await,
        Err(Fail(1))
    );
}

#[test]
fn blocking_loop_with_a_fake_clock() {
    let clock = support::FakeClock::new();
    let log = Log::default();
    // max_tries bounds the call should the clock (or time limit) break: the test then fails
    // instead of hanging.
    let policy = Policy::<(), Fail>::new()
        .max_time(5)
        .max_tries(100)
        .jitter(no_jitter)
        .sleeper(&clock)
        .on_giveup(log.hook("giveup"));
    let mut tries = 0;
    let result = retry_blocking(policy, || {
        tries += 1;
        Err(Fail(500))
    });
    assert_eq!(result, Err(Fail(500)));
    // Waits 1, 2, then 4 cut to 2: attempts at 0, 1, 3, 5.
    assert_eq!(tries, 4);
    assert_eq!(clock.elapsed(), secs(5));
    assert_eq!(log.events(), [("giveup", 4, None, secs(5))]);
}

#[tokio::test(start_paused = true)]
async fn details_name_the_caller_without_the_attribute() {
    let log = Log::default();
    let policy = Policy::<(), Fail>::new()
        .max_tries(1)
        .on_giveup(log.hook("giveup"));
    let _ = retry_async(policy, || async { Err::<(), _>(Fail(500)) }).await;
    assert_eq!(
        log.take()[0].target,
        "loop_semantics::details_name_the_caller_without_the_attribute"
    );
}

#[test]
fn details_debug_is_readable() {
    let error = Fail(503);
    let page = 2;
    let args = [retry_runtime::Arg {
        name: "page",
        value: &page,
    }];
    let d = Details::new(
        "t::f",
        &args,
        1,
        secs(1),
        Some(secs(2)),
        retry_runtime::Outcome::Error(&error),
    );
    let text = format!("{d:?}");
    assert!(
        text.contains("target: \"t::f\"") && text.contains("page: 2") && text.contains("Fail(503)"),
        "{text}"
    );
}

/// A hook generic over the error type, as a logging helper shared by many fns would be.
fn generic_hook<E: std::fmt::Debug>(d: &Details<'_, E>) {
    assert!(d.tries >= 1);
}

#[tokio::test(start_paused = true)]
async fn generic_hooks_and_fn_pointers_are_hooks() {
    let as_pointer: fn(&Details<'_, Fail>) = generic_hook::<Fail>;
    let policy = Policy::<(), Fail>::new()
        .max_tries(2)
        .on_backoff(generic_hook)
        .on_giveup((generic_hook, as_pointer));
    assert_eq!(
        retry_async(policy, || async { Err(Fail(1)) }).await,
        Err(Fail(1))
    );
}
