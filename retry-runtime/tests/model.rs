//! Model-based property: for random policies and random sequences of attempt outcomes, the
//! engine does exactly what a direct transcription of Python `backoff`'s loop (with this
//! crate's "better" choices) does: same result, same number of attempts, same hook events with
//! the same `tries`, `wait` and `elapsed`.

mod support;

use std::collections::VecDeque;
use std::sync::Mutex;
use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::jitter::no_jitter;
use retry_runtime::{Policy, retry_async, wait};
use support::{Fail, Log};

#[derive(Debug, Clone)]
struct Case {
    max_tries: Option<u32>,
    max_time_ms: Option<u64>,
    interval_ms: u64,
    retried: Vec<u16>,
    give_up_on: Vec<u16>,
    /// Each attempt: how long it takes, and its outcome (`None` = success).
    attempts: Vec<(u64, Option<u16>)>,
}

type Event = (&'static str, u32, Option<Duration>, Duration);

/// The reference loop.
fn model(case: &Case) -> (Result<u32, Fail>, u32, Vec<Event>) {
    let ms = Duration::from_millis;
    let mut events = Vec::new();
    let mut now = Duration::ZERO;
    let mut tries = 0u32;
    let mut attempts = case.attempts.iter().copied();
    loop {
        let (duration, outcome) = attempts.next().unwrap_or((0, None));
        now += ms(duration);
        tries += 1;
        let Some(code) = outcome else {
            events.push(("success", tries, None, now));
            return (Ok(tries), tries, events);
        };
        if !case.retried.contains(&code) {
            return (Err(Fail(code)), tries, events);
        }
        let out_of_tries = case.max_tries.is_some_and(|m| tries >= m);
        let out_of_time = case.max_time_ms.is_some_and(|m| now >= ms(m));
        if case.give_up_on.contains(&code) || out_of_tries || out_of_time {
            events.push(("giveup", tries, None, now));
            return (Err(Fail(code)), tries, events);
        }
        let mut wait = ms(case.interval_ms);
        if let Some(m) = case.max_time_ms {
            wait = wait.min(ms(m).saturating_sub(now));
        }
        events.push(("backoff", tries, Some(wait), now));
        now += wait;
    }
}

fn any_case() -> impl Strategy<Value = Case> {
    let code = prop_oneof![Just(404u16), Just(429), Just(500), Just(503)];
    (
        prop::option::of(1u32..6),
        prop::option::of(0u64..10_000),
        0u64..3_000,
        prop::collection::vec(code.clone(), 0..4),
        prop::collection::vec(code.clone(), 0..2),
        prop::collection::vec((0u64..2_000, prop::option::weighted(0.8, code)), 0..8),
    )
        .prop_map(
            |(max_tries, max_time_ms, interval_ms, retried, give_up_on, attempts)| Case {
                max_tries,
                max_time_ms,
                interval_ms,
                retried,
                give_up_on,
                attempts,
            },
        )
}

async fn engine(case: &Case) -> (Result<u32, Fail>, u32, Vec<Event>) {
    let log = Log::default();
    let script = Mutex::new(case.attempts.iter().copied().collect::<VecDeque<_>>());
    let tries = Mutex::new(0u32);
    let retried = case.retried.clone();
    let give_up_on = case.give_up_on.clone();
    let mut policy = Policy::<u32, Fail>::new()
        .exception(move |e: &Fail| retried.contains(&e.0))
        .giveup(move |e: &Fail| give_up_on.contains(&e.0))
        .wait_gen(wait::constant().interval(Duration::from_millis(case.interval_ms)))
        .jitter(no_jitter)
        .logger(false)
        .on_success(log.hook("success"))
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"));
    if let Some(m) = case.max_tries {
        policy = policy.max_tries(m);
    }
    let policy = match case.max_time_ms {
        Some(m) => policy.max_time(Duration::from_millis(m)),
        None => policy,
    };
    let result = retry_async(policy, || async {
        let (duration, outcome) = script.lock().unwrap().pop_front().unwrap_or((0, None));
        tokio::time::sleep(Duration::from_millis(duration)).await;
        let mut tries = tries.lock().unwrap();
        *tries += 1;
        match outcome {
            None => Ok(*tries),
            Some(code) => Err(Fail(code)),
        }
    })
    .await;
    let tries = *tries.lock().unwrap();
    (result, tries, log.events())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn engine_matches_the_reference_loop(case in any_case()) {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let got = runtime.block_on(engine(&case));
        prop_assert_eq!(got, model(&case));
    }
}
