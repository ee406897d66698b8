//! `RetrySettings`: validation, defaults, and calls run under settings (paused clock).

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::Violation;
use retry_runtime::{Policy, RetryPolicy, RetrySettings, SettingsError, jitter, retry_async, wait};
use support::{Fail, Log, ServerFail, secs};
use tokio::time::Instant;

#[test]
fn validation_errors_name_the_field_and_the_rule() {
    let err = RetrySettings::<Fail>::builder()
        .max_tries(0)
        .build()
        .unwrap_err();
    assert_eq!(err.to_string(), "max_tries must be greater than 0");
    for bad in [-1.0, f64::NAN, f64::INFINITY] {
        let err = RetrySettings::<Fail>::builder()
            .max_time(bad)
            .build()
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "max_time must be finite and at least 0",
            "{bad}"
        );
    }
    let err: SettingsError = RetrySettings::<Fail>::builder()
        .max_tries(0)
        .max_time(-5)
        .build()
        .unwrap_err();
    assert_eq!(
        err.violations(),
        [
            Violation::new("max_tries", "must be greater than 0"),
            Violation::new("max_time", "must be finite and at least 0"),
        ]
    );
    assert_eq!(
        err.to_string(),
        "max_tries must be greater than 0; max_time must be finite and at least 0"
    );
    // Valid edges.
    assert!(
        RetrySettings::<Fail>::builder()
            .max_tries(1)
            .max_time(0)
            .build()
            .is_ok()
    );
    assert!(
        RetrySettings::<Fail>::builder()
            .max_time(Duration::from_millis(1))
            .build()
            .is_ok()
    );
}

#[test]
fn defaults_are_harborapis() {
    let s = RetrySettings::<Fail>::builder().build().unwrap();
    assert!(s.enabled());
    assert_eq!(s.max_tries(), None);
    assert_eq!(s.max_time(), Some(secs(60)));
    assert!(s.raise_on_giveup());
    assert!(s.catches(&Fail(404)));
    let d = RetrySettings::<Fail>::default();
    assert_eq!(d.max_time(), Some(secs(60)));
}

#[test]
fn debug_shows_what_the_settings_hold() {
    let s = RetrySettings::<Fail>::builder()
        .max_tries(4)
        .on_backoff(|_| {})
        .build()
        .unwrap();
    let shown = format!("{s:?}");
    for field in [
        "RetrySettings {",
        "enabled: true",
        "max_tries: Some(4)",
        "max_time: Some(60s)",
        "giveup: false",
        "on_backoff: 1",
        "on_giveup: 0",
        "raise_on_giveup: true",
        "budget: None",
        "attempt_timeout: None",
        "..",
    ] {
        assert!(shown.contains(field), "{field:?} not in {shown}");
    }
    let builder = RetrySettings::<Fail>::builder().max_tries(2).max_time(0.5);
    assert_eq!(
        format!("{builder:?}"),
        "RetrySettingsBuilder { max_tries: Some(2), max_time: Some(0.5), attempt_timeout: None, \
         hedge_delay: None, .. }"
    );
}

#[test]
fn settings_are_cheap_to_share() {
    fn assert_send_sync_clone<T: Send + Sync + Clone + 'static>() {}
    assert_send_sync_clone::<RetrySettings<Fail>>();
    let s = RetrySettings::<Fail>::builder()
        .max_tries(3)
        .build()
        .unwrap();
    let t = s.clone();
    assert_eq!(format!("{s:?}"), format!("{t:?}"));
    let changed = s.to_builder().max_tries(7).build().unwrap();
    assert_eq!((s.max_tries(), changed.max_tries()), (Some(3), Some(7)));
}

#[test]
fn exception_classes_are_any_of() {
    struct NotFound;
    impl retry_runtime::ErrorClass<Fail> for NotFound {
        fn is_instance(e: &Fail) -> bool {
            e.0 == 404
        }
    }
    let s = RetrySettings::<Fail>::builder()
        .exception::<ServerFail>()
        .build()
        .unwrap();
    assert!(s.catches(&Fail(503)) && !s.catches(&Fail(404)));
    let s = s.to_builder().exception::<NotFound>().build().unwrap();
    assert!(s.catches(&Fail(503)) && s.catches(&Fail(404)) && !s.catches(&Fail(400)));
    let s = s.to_builder().exception_if(|e| e.0 == 400).build().unwrap();
    assert!(s.catches(&Fail(400)));
    let tuple = RetrySettings::<Fail>::builder()
        .exceptions::<(ServerFail, NotFound)>()
        .build()
        .unwrap();
    assert!(tuple.catches(&Fail(503)) && tuple.catches(&Fail(404)) && !tuple.catches(&Fail(400)));
}

#[tokio::test(start_paused = true)]
async fn default_settings_retry_for_sixty_seconds() {
    retry_runtime::jitter::seed(1);
    let log = Log::default();
    let settings = RetrySettings::<Fail>::builder()
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"))
        .build()
        .unwrap();
    let start = Instant::now();
    // The settings set no max_tries: a bound on attempts, so that waits which never move the
    // paused clock fail the test instead of hanging it (no correct run comes near it).
    let tries = AtomicU32::new(0);
    let result = retry_async(&settings, || {
        let n = tries.fetch_add(1, Ordering::Relaxed);
        assert!(n < 10_000, "10,000 attempts in {:?}", start.elapsed());
        async { Err::<(), _>(Fail(500)) }
    })
    .await;
    assert_eq!(result, Err(Fail(500)));
    // Full jitter on expo waits; the last wait is cut so the last attempt is at exactly 60 s.
    assert_eq!(start.elapsed(), secs(60));
    let events = log.events();
    let (event, _, _, elapsed) = *events.last().unwrap();
    assert_eq!((event, elapsed), ("giveup", secs(60)));
    let mut previous = Duration::ZERO;
    for (event, tries, wait, elapsed) in &events[..events.len() - 1] {
        assert_eq!(*event, "backoff");
        assert!(*elapsed >= previous);
        // Full jitter: within [0, 2^(tries-1)] seconds.
        assert!(wait.unwrap() <= secs(1 << (tries - 1)), "{tries}: {wait:?}");
        previous = *elapsed + wait.unwrap();
    }
}

#[tokio::test(start_paused = true)]
async fn settings_replace_the_policys_values() {
    let tries = AtomicU32::new(0);
    let log = Log::default();
    let settings = RetrySettings::<Fail>::builder()
        .max_tries(3)
        .wait_gen(wait::constant().interval(2))
        .no_jitter()
        .exception::<ServerFail>()
        .on_backoff(log.hook("settings-backoff"))
        .build()
        .unwrap();
    let policy = Policy::<(), Fail>::new()
        .max_tries(1)
        .on_backoff(log.hook("policy-backoff"))
        .settings(Some(settings.clone()));
    let start = Instant::now();
    let _ = retry_async(policy, || async {
        tries.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Fail(502))
    })
    .await;
    assert_eq!(tries.load(Ordering::Relaxed), 3);
    assert_eq!(start.elapsed(), secs(4));
    assert_eq!(
        log.events().iter().map(|e| e.0).collect::<Vec<_>>(),
        ["settings-backoff"; 2]
    );

    // Outside the settings' classes: returned at once.
    tries.store(0, Ordering::Relaxed);
    let result = retry_async(&settings, || async {
        tries.fetch_add(1, Ordering::Relaxed);
        Err::<(), _>(Fail(404))
    })
    .await;
    assert_eq!((result, tries.load(Ordering::Relaxed)), (Err(Fail(404)), 1));
}

#[tokio::test(start_paused = true)]
async fn no_settings_or_disabled_means_one_attempt_and_no_hooks() {
    let log = Log::default();
    let disabled = RetrySettings::<Fail>::builder()
        .enabled(false)
        .on_giveup(log.hook("giveup"))
        .build()
        .unwrap();
    for settings in [None, Some(disabled)] {
        let tries = AtomicU32::new(0);
        let result = retry_async(&settings, || async {
            tries.fetch_add(1, Ordering::Relaxed);
            Err::<(), _>(Fail(500))
        })
        .await;
        assert_eq!((result, tries.load(Ordering::Relaxed)), (Err(Fail(500)), 1));
    }
    assert!(log.take().is_empty());
}

#[tokio::test(start_paused = true)]
async fn settings_giveup_and_raise_on_giveup() {
    let log = Log::default();
    let settings = RetrySettings::<Fail>::builder()
        .giveup(|e| e.0 == 404)
        .raise_on_giveup(false)
        .on_giveup(log.hook("giveup"))
        .build()
        .unwrap();
    // The call site allows a "nothing" value: settings' raise_on_giveup = false applies.
    let policy = Policy::<Option<u8>, Fail>::new()
        .raise_on_giveup(true)
        .settings(&settings);
    assert_eq!(
        retry_async(policy, || async { Err(Fail(404)) }).await,
        Ok(None)
    );
    // Where the return type has no "nothing", the error is returned.
    assert_eq!(
        retry_async(&settings, || async { Err::<u8, _>(Fail(404)) }).await,
        Err(Fail(404))
    );
    assert_eq!(log.events().len(), 2);
    assert!(log.events().iter().all(|e| e.1 == 1));
}

/// The backoffs (wait, elapsed) of a call failing with 503 (which asks for 5 s), 500, 503, ...
/// under `policy`, whose generator says 1 s; and the call's length.
async fn floored_waits(
    policy: impl RetryPolicy<(), Fail>,
    log: &Log,
) -> (Vec<(Duration, Duration)>, Duration) {
    let calls = AtomicU32::new(0);
    let start = Instant::now();
    let result = retry_async(policy, || {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        // Only max_time ends these calls: a bound, so that waits which never move the paused
        // clock fail the test instead of hanging it.
        assert!(call < 1_000, "1,000 attempts in {:?}", start.elapsed());
        async move { Err::<(), _>(Fail(if call.is_multiple_of(2) { 503 } else { 500 })) }
    })
    .await;
    assert!(result.is_err());
    let waits = log
        .events()
        .iter()
        .filter(|e| e.0 == "backoff")
        .map(|e| (e.2.unwrap(), e.3))
        .collect();
    (waits, start.elapsed())
}

/// 503 at 0 s: 5 s; 500 at 5 s: 1 s; 503 at 6 s: 5 s; 500 at 11 s: 1 s (the time left under a
/// 12 s `max_time`); the attempt at 12 s is the last.
const FLOORED: [(Duration, Duration); 4] = [
    (Duration::from_secs(5), Duration::from_secs(0)),
    (Duration::from_secs(1), Duration::from_secs(5)),
    (Duration::from_secs(5), Duration::from_secs(6)),
    (Duration::from_secs(1), Duration::from_secs(11)),
];

#[tokio::test(start_paused = true)]
async fn a_wait_floor_from_the_error_lengthens_the_wait_and_details_show_it() {
    let log = Log::default();
    let settings = RetrySettings::<Fail>::builder()
        .wait_gen(wait::constant().interval(1))
        .no_jitter()
        .max_time(12)
        .wait_floor(|e: &Fail| (e.0 == 503).then(|| secs(5)))
        .on_backoff(log.hook("backoff"))
        .on_giveup(log.hook("giveup"))
        .build()
        .unwrap();
    assert_eq!(
        floored_waits(&settings, &log).await,
        (FLOORED.to_vec(), secs(12))
    );
    // The floor is cut by the time left, too.
    let log = Log::default();
    let settings = settings
        .to_builder()
        .max_time(3)
        .max_tries(100)
        .on_backoff(log.hook("backoff"))
        .build()
        .unwrap();
    let _ = retry_async(&settings, || async { Err::<(), _>(Fail(503)) }).await;
    assert_eq!(log.events()[0].2, Some(secs(3)));
}

#[tokio::test(start_paused = true)]
async fn a_policys_wait_floor_acts_as_the_settings_one() {
    let log = Log::default();
    let policy = Policy::new()
        .wait_gen(wait::constant().interval(1))
        .jitter(jitter::no_jitter)
        .max_time(12)
        .wait_floor(|e: &Fail| (e.0 == 503).then(|| secs(5)))
        .on_backoff(log.hook("backoff"));
    assert_eq!(
        floored_waits(policy, &log).await,
        (FLOORED.to_vec(), secs(12))
    );
}

/// An error type that can hold a timeout and a refusal of the breaker, for the settings that
/// need them.
#[derive(Debug, Clone, PartialEq)]
enum Guarded {
    Status(u16),
    TimedOut,
    Open,
}

impl From<retry_runtime::AttemptTimedOut> for Guarded {
    fn from(_: retry_runtime::AttemptTimedOut) -> Self {
        Guarded::TimedOut
    }
}

impl From<retry_runtime::CircuitOpen> for Guarded {
    fn from(_: retry_runtime::CircuitOpen) -> Self {
        Guarded::Open
    }
}

#[test]
fn every_accessor_reads_back_what_was_set_and_none_by_default() {
    use retry_runtime::latency::AutoHedge;
    use retry_runtime::limiter::AdaptiveLimiter;
    use retry_runtime::{CircuitBreaker, RetryBudget};
    let defaults = RetrySettings::<Guarded>::default();
    assert!(defaults.budget().is_none());
    assert!(defaults.limiter().is_none());
    assert!(defaults.hedge_auto().is_none());
    assert!(defaults.breaker().is_none());
    assert_eq!(defaults.attempt_timeout(), None);
    assert_eq!(defaults.hedge_delay(), None);
    assert_eq!(defaults.max_hedges(), None);
    assert!(!defaults.has_wait_floor());
    assert_eq!(defaults.wait_floor(&Guarded::Status(429)), None);
    assert!(!defaults.gives_up(&Guarded::Status(404)));

    let budget = RetryBudget::default();
    let limiter = AdaptiveLimiter::builder().build().unwrap();
    let breaker = CircuitBreaker::builder().build().unwrap();
    let set = RetrySettings::<Guarded>::builder()
        .budget(budget.clone())
        .limiter(limiter.clone())
        .breaker(breaker.clone())
        .attempt_timeout(2.5)
        .hedge_delay(0.25)
        .max_hedges(3)
        .raise_on_giveup(false)
        .giveup(|e| *e == Guarded::Status(404))
        .wait_floor(|e| match e {
            Guarded::Status(429) => Some(secs(7)),
            _ => None,
        })
        .build()
        .unwrap();
    assert!(set.budget().unwrap().shares_bucket_with(&budget));
    assert!(set.limiter().unwrap().shares_state_with(&limiter));
    assert!(set.breaker().unwrap().shares_state_with(&breaker));
    assert_eq!(set.attempt_timeout(), Some(Duration::from_millis(2500)));
    assert_eq!(set.hedge_delay(), Some(Duration::from_millis(250)));
    assert_eq!(set.max_hedges(), Some(3));
    assert!(!set.raise_on_giveup());
    assert!(set.has_wait_floor());
    assert_eq!(set.wait_floor(&Guarded::Status(429)), Some(secs(7)));
    assert_eq!(set.wait_floor(&Guarded::Status(503)), None);
    assert!(set.gives_up(&Guarded::Status(404)));
    assert!(!set.gives_up(&Guarded::Status(503)));

    let auto = AutoHedge::default();
    let tuned = RetrySettings::<Guarded>::builder()
        .hedge_auto(auto.clone())
        .build()
        .unwrap();
    assert!(tuned.hedge_auto().unwrap().shares_state_with(&auto));
    assert_eq!(
        tuned.hedge_delay(),
        None,
        "a self-tuning delay replaces a fixed one"
    );
}

#[test]
fn also_giveup_adds_a_predicate_to_the_first() {
    let either = RetrySettings::<Fail>::builder()
        .giveup(|e| e.0 == 404)
        .also_giveup(|e| e.0 == 409)
        .build()
        .unwrap();
    assert!(either.gives_up(&Fail(404)), "the first still holds");
    assert!(either.gives_up(&Fail(409)), "the added one holds");
    assert!(!either.gives_up(&Fail(503)));
    let only = RetrySettings::<Fail>::builder()
        .also_giveup(|e| e.0 == 409)
        .build()
        .unwrap();
    assert!(only.gives_up(&Fail(409)) && !only.gives_up(&Fail(404)));
}

#[test]
fn per_attempt_times_must_be_finite_and_positive() {
    for bad in [0.0, -0.5, f64::NAN, f64::INFINITY] {
        let err = RetrySettings::<Guarded>::builder()
            .attempt_timeout(bad)
            .hedge_delay(bad)
            .build()
            .unwrap_err();
        assert_eq!(
            err.violations(),
            [
                Violation::new("attempt_timeout", "must be finite and greater than 0"),
                Violation::new("hedge_delay", "must be finite and greater than 0"),
            ],
            "{bad}"
        );
    }
    for good in [0.001, 1.0, 86_400.0] {
        let set = RetrySettings::<Guarded>::builder()
            .attempt_timeout(good)
            .hedge_delay(good)
            .build()
            .unwrap_or_else(|e| panic!("{good}: {e}"));
        assert_eq!(set.attempt_timeout(), Some(Duration::from_secs_f64(good)));
    }
}

#[tokio::test(start_paused = true)]
async fn settings_are_used_in_every_accepted_form() {
    let settings = RetrySettings::<Fail>::builder()
        .max_tries(3)
        .wait_gen(wait::constant().interval(0))
        .no_jitter()
        .build()
        .unwrap();
    let calls = AtomicU32::new(0);
    let failing = || {
        calls.fetch_add(1, Ordering::SeqCst);
        std::future::ready(Err::<(), _>(Fail(503)))
    };
    let owned = retry_async(Policy::new().settings(settings.clone()), failing).await;
    let borrowed = retry_async(Policy::new().settings(&settings), failing).await;
    let optional = retry_async(Policy::new().settings(Some(settings.clone())), failing).await;
    // The `&Option` form is the one tested here.
    #[allow(clippy::needless_borrows_for_generic_args)]
    let borrowed_optional =
        retry_async(Policy::new().settings(&Some(settings.clone())), failing).await;
    for result in [owned, borrowed, optional, borrowed_optional] {
        assert_eq!(result, Err(Fail(503)));
    }
    assert_eq!(
        calls.load(Ordering::SeqCst),
        4 * 3,
        "three tries in each form"
    );
}

#[tokio::test(start_paused = true)]
async fn a_settings_limiter_learns_throttles_from_the_settings_floor() {
    use retry_runtime::limiter::AdaptiveLimiter;
    let limiter = AdaptiveLimiter::builder().build().unwrap();
    // 429s ask for a floor (a throttle); 503s do not.
    let settings = RetrySettings::<Fail>::builder()
        .max_tries(4)
        .wait_gen(wait::constant().interval(0))
        .no_jitter()
        .wait_floor(|e| (e.0 == 429).then_some(Duration::ZERO))
        .limiter(limiter.clone())
        .build()
        .unwrap();
    let answers = [Fail(503), Fail(429), Fail(503)];
    let calls = AtomicU32::new(0);
    let result = retry_async(Policy::new().settings(&settings), || {
        let n = calls.fetch_add(1, Ordering::SeqCst) as usize;
        std::future::ready(answers.get(n).cloned().map_or(Ok(n as u32), Err))
    })
    .await;
    assert_eq!(result, Ok(3));
    assert_eq!(limiter.throttles(), 1, "one 429 among the failures");
    assert!(limiter.rate("").is_some(), "the throttle switched it on");
}

#[tokio::test(start_paused = true)]
async fn a_settings_limiter_in_debt_holds_the_first_attempt() {
    let settings = RetrySettings::<Fail>::builder()
        .limiter(support::limiter_in_debt())
        .build()
        .unwrap();
    let start = Instant::now();
    let started_at = std::sync::Mutex::new(None);
    let result = retry_async(&settings, || {
        *started_at.lock().unwrap() = Some(start.elapsed());
        std::future::ready(Ok::<u32, Fail>(1))
    })
    .await;
    assert_eq!(result, Ok(1));
    let waited = started_at.into_inner().unwrap().unwrap();
    assert!(waited > Duration::ZERO, "the first attempt waited its turn");
}

#[tokio::test(start_paused = true)]
async fn a_policys_value_predicate_holds_under_settings() {
    let settings = RetrySettings::<Fail>::builder()
        .max_tries(5)
        .wait_gen(wait::constant().interval(0))
        .no_jitter()
        .build()
        .unwrap();
    let calls = AtomicU32::new(0);
    let result = retry_async(
        Policy::new()
            .on_result(|v: &u32| *v < 3)
            .settings(&settings),
        || std::future::ready(Ok::<u32, Fail>(calls.fetch_add(1, Ordering::SeqCst) + 1)),
    )
    .await;
    assert_eq!(result, Ok(3), "1 and 2 were rejected and retried");
}
