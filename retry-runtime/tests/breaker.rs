//! The circuit breaker in the engine, every rule at exact times on tokio's paused clock: it
//! opens on the failure rate once the window holds `minimum_calls` outcomes; only retried
//! errors are failures; an open breaker refuses a call before any attempt with
//! `E::from(CircuitOpen)` and `tries` 0, and ends a call between attempts with its last error,
//! `GiveUpReason::CircuitOpen` either way; it stays open for `open_for` or the largest
//! `Retry-After`; half-open lets `probes` attempts through and closes or reopens on them; a
//! time window forgets old outcomes; partitions are independent; hedges are not started while
//! it is open.

mod support;
use support::bounded;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_runtime::partition::Partition;
use retry_runtime::{
    BreakerState, CircuitBreaker, CircuitOpen, Details, GiveUpReason, Policy, RetrySettings,
    Violation, retry_async, retry_blocking, wait,
};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    /// A 503: retried.
    Unavailable,
    /// A 429 asking for this many seconds.
    Throttled(u64),
    /// A 404: not retried.
    NotFound,
    /// The breaker refused the call.
    Open(Duration),
}

impl From<CircuitOpen> for Error {
    fn from(open: CircuitOpen) -> Self {
        Error::Open(open.retry_in())
    }
}

fn retry_after(error: &Error) -> Option<Duration> {
    match error {
        Error::Throttled(secs) => Some(Duration::from_secs(*secs)),
        _ => None,
    }
}

fn breaker(window: u32, minimum: u32, open_for: u64) -> CircuitBreaker {
    CircuitBreaker::builder()
        .window_calls(window)
        .minimum_calls(minimum)
        .failure_rate(0.5)
        .open_for(Duration::from_secs(open_for))
        .build()
        .expect("valid breaker")
}

type Reasons = Arc<Mutex<Vec<(u32, Option<GiveUpReason>)>>>;

fn policy(
    breaker: &CircuitBreaker,
    max_tries: u32,
    reasons: &Reasons,
) -> impl retry_runtime::RetryPolicy<(), Error> {
    let reasons = reasons.clone();
    Policy::new()
        .max_tries(max_tries)
        .wait_gen(wait::constant().interval(1))
        .jitter(retry_runtime::jitter::no_jitter)
        .exception(|e: &Error| matches!(e, Error::Unavailable | Error::Throttled(_)))
        .wait_floor(retry_after)
        .breaker(breaker)
        .on_giveup(move |d: &Details<'_, Error>| reasons.lock().unwrap().push((d.tries, d.reason)))
}

/// One call whose attempts answer `answers` in turn (the last one repeated); returns the
/// call's result and the attempts made.
async fn call(
    policy: impl retry_runtime::RetryPolicy<(), Error>,
    answers: &[Result<(), Error>],
) -> (Result<(), Error>, u32) {
    let made = AtomicU32::new(0);
    let result = retry_async(policy, || {
        let n = made.fetch_add(1, Ordering::Relaxed) as usize;
        let answer = answers[n.min(answers.len() - 1)].clone();
        async move { answer }
    })
    .await;
    (result, made.load(Ordering::Relaxed))
}

#[tokio::test(start_paused = true)]
async fn opens_at_the_failure_rate_once_the_window_holds_minimum_calls_then_refuses_with_no_attempt()
 {
    let breaker = breaker(10, 4, 30);
    let reasons = Reasons::default();
    // Three failures: below minimum_calls, still closed.
    let (result, made) = call(policy(&breaker, 3, &reasons), &[Err(Error::Unavailable)]).await;
    assert_eq!((result, made), (Err(Error::Unavailable), 3));
    assert_eq!(breaker.state("t"), BreakerState::Closed);
    // The fourth failure opens it: the call's own retry is refused.
    let (result, made) = call(policy(&breaker, 3, &reasons), &[Err(Error::Unavailable)]).await;
    assert_eq!((result, made), (Err(Error::Unavailable), 1));
    assert!(breaker.is_open());
    assert_eq!(breaker.times_opened(), 1);
    // Open: refused before any attempt, with the time left, tries 0.
    tokio::time::advance(Duration::from_secs(10)).await;
    let (result, made) = call(policy(&breaker, 3, &reasons), &[Ok(())]).await;
    assert_eq!(
        (result, made),
        (Err(Error::Open(Duration::from_secs(20))), 0)
    );
    assert_eq!(
        *reasons.lock().unwrap(),
        [
            (3, Some(GiveUpReason::MaxTries)),
            (1, Some(GiveUpReason::CircuitOpen)),
            (0, Some(GiveUpReason::CircuitOpen)),
        ]
    );
    assert_eq!(breaker.attempts_refused(), 2);
}

#[tokio::test(start_paused = true)]
async fn errors_the_policy_does_not_retry_are_not_failures() {
    let only_404s = breaker(4, 4, 30);
    let reasons = Reasons::default();
    for _ in 0..10 {
        let (result, made) = call(policy(&only_404s, 3, &reasons), &[Err(Error::NotFound)]).await;
        assert_eq!((result, made), (Err(Error::NotFound), 1));
    }
    assert_eq!(only_404s.state("t"), BreakerState::Closed);
    // Two 404s and two 503s: 2 of 4 is the failure rate, it opens.
    let breaker = breaker(4, 4, 30);
    for answer in [Error::NotFound, Error::NotFound] {
        let (result, _) = call(policy(&breaker, 1, &reasons), &[Err(answer.clone())]).await;
        assert_eq!(result, Err(answer));
    }
    assert_eq!(breaker.state("t"), BreakerState::Closed);
    for _ in 0..2 {
        let (result, _) = call(policy(&breaker, 1, &reasons), &[Err(Error::Unavailable)]).await;
        assert_eq!(result, Err(Error::Unavailable));
    }
    assert_eq!(breaker.state("t"), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn stays_open_for_the_largest_retry_after_seen_when_longer() {
    let breaker = breaker(2, 2, 5);
    let reasons = Reasons::default();
    let (result, _) = call(policy(&breaker, 1, &reasons), &[Err(Error::Throttled(40))]).await;
    assert_eq!(result, Err(Error::Throttled(40)));
    let (result, _) = call(policy(&breaker, 1, &reasons), &[Err(Error::Throttled(12))]).await;
    assert_eq!(result, Err(Error::Throttled(12)));
    assert_eq!(breaker.state("t"), BreakerState::Open);
    // 40 s, not open_for's 5 s.
    let (result, made) = call(policy(&breaker, 1, &reasons), &[Ok(())]).await;
    assert_eq!(
        (result, made),
        (Err(Error::Open(Duration::from_secs(40))), 0)
    );
    tokio::time::advance(Duration::from_secs(39)).await;
    let (result, _) = call(policy(&breaker, 1, &reasons), &[Ok(())]).await;
    assert_eq!(result, Err(Error::Open(Duration::from_secs(1))));
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        call(policy(&breaker, 1, &reasons), &[Ok(())]).await,
        (Ok(()), 1)
    );
    assert_eq!(breaker.state("t"), BreakerState::Closed);
}

#[tokio::test(start_paused = true)]
async fn half_open_lets_the_probes_through_and_closes_or_reopens_on_them() {
    let breaker = CircuitBreaker::builder()
        .window_calls(2)
        .minimum_calls(2)
        .open_for(Duration::from_secs(10))
        .probes(2)
        .build()
        .unwrap();
    let now = tokio::time::Instant::now().into_std();
    breaker.record_failure("t", now, None);
    breaker.record_failure("t", now, None);
    assert_eq!(breaker.state("t"), BreakerState::Open);
    let later = now + Duration::from_secs(10);
    // Two probes go, the third is refused until they answer.
    assert!(breaker.try_acquire("t", later).is_ok());
    assert_eq!(breaker.state("t"), BreakerState::HalfOpen);
    assert!(breaker.try_acquire("t", later).is_ok());
    let refused = breaker.try_acquire("t", later).unwrap_err();
    assert_eq!(refused.retry_in(), Duration::from_secs(10));
    // One success is not enough with two probes out; the second closes it.
    breaker.record_success("t", later);
    assert_eq!(breaker.state("t"), BreakerState::HalfOpen);
    breaker.record_success("t", later);
    assert_eq!(breaker.state("t"), BreakerState::Closed);
    // A failed probe reopens it for open_for.
    breaker.record_failure("t", later, None);
    breaker.record_failure("t", later, None);
    let probe_time = later + Duration::from_secs(10);
    assert!(breaker.try_acquire("t", probe_time).is_ok());
    breaker.record_failure("t", probe_time, None);
    assert_eq!(breaker.state("t"), BreakerState::Open);
    let refused = breaker.try_acquire("t", probe_time).unwrap_err();
    assert_eq!(refused.retry_in(), Duration::from_secs(10));
    assert_eq!(breaker.times_opened(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_probe_that_never_answers_frees_its_place_after_open_for() {
    let breaker = breaker(2, 2, 10);
    let t0 = tokio::time::Instant::now().into_std();
    breaker.record_failure("t", t0, None);
    breaker.record_failure("t", t0, None);
    let t1 = t0 + Duration::from_secs(10);
    assert!(breaker.try_acquire("t", t1).is_ok()); // the probe, never answered
    assert!(
        breaker
            .try_acquire("t", t1 + Duration::from_secs(9))
            .is_err()
    );
    assert!(
        breaker
            .try_acquire("t", t1 + Duration::from_secs(10))
            .is_ok()
    );
}

#[tokio::test(start_paused = true)]
async fn a_time_window_forgets_outcomes_older_than_its_period() {
    let breaker = CircuitBreaker::builder()
        .window_time(Duration::from_secs(10))
        .minimum_calls(3)
        .failure_rate(1.0)
        .build()
        .unwrap();
    let t0 = tokio::time::Instant::now().into_std();
    breaker.record_failure("t", t0, None);
    breaker.record_failure("t", t0 + Duration::from_secs(5), None);
    // Ten slices of 1 s: at 11 s the first failure has left the window, the second not yet.
    breaker.record_failure("t", t0 + Duration::from_secs(11), None);
    assert_eq!(breaker.state("t"), BreakerState::Closed);
    breaker.record_failure("t", t0 + Duration::from_secs(11), None);
    assert_eq!(breaker.state("t"), BreakerState::Open);
}

#[tokio::test(start_paused = true)]
async fn per_target_partitions_keep_one_operations_outage_from_the_others() {
    let breaker = CircuitBreaker::builder()
        .window_calls(2)
        .minimum_calls(2)
        .partition(Partition::PerTarget)
        .build()
        .unwrap();
    let reasons = Reasons::default();
    assert_eq!(
        get_project(policy(&breaker, 2, &reasons)).await,
        Err(Error::Unavailable)
    );
    assert!(matches!(
        get_project(policy(&breaker, 2, &reasons)).await,
        Err(Error::Open(_))
    ));
    assert_eq!(get_artifact(policy(&breaker, 2, &reasons)).await, Ok(()));
    assert_eq!(breaker.times_opened(), 1);
}

// `retry_async` names the fn that wrote the closure as the target: two fns, two partitions.
async fn get_project(p: impl retry_runtime::RetryPolicy<(), Error>) -> Result<(), Error> {
    retry_async(p, || async { Err(Error::Unavailable) }).await
}

async fn get_artifact(p: impl retry_runtime::RetryPolicy<(), Error>) -> Result<(), Error> {
    retry_async(p, || async { Ok(()) }).await
}

#[tokio::test(start_paused = true)]
async fn settings_carry_the_breaker_and_a_refusal_may_return_nothing() {
    let breaker = breaker(1, 1, 30);
    let settings = RetrySettings::<Error>::builder()
        .max_tries(2)
        .wait_gen(wait::constant().interval(0))
        .breaker(breaker.clone())
        .build()
        .unwrap();
    let made = AtomicU32::new(0);
    let first: Result<(), Error> = retry_async(&settings, || async {
        made.fetch_add(1, Ordering::Relaxed);
        Err(Error::Unavailable)
    })
    .await;
    assert_eq!(
        (first, made.load(Ordering::Relaxed)),
        (Err(Error::Unavailable), 1)
    );
    let refused: Result<(), Error> = retry_async(&settings, || async { Ok(()) }).await;
    assert!(matches!(refused, Err(Error::Open(_))));
    // A policy whose give-up returns "nothing" returns it for a refusal too.
    // (max_tries bounds the call should the breaker not refuse: the test then fails, not hangs.)
    let quiet = Policy::new()
        .max_tries(100)
        .breaker(&breaker)
        .raise_on_giveup(false);
    let nothing: Result<(), Error> = retry_async(quiet, || async { Err(Error::Unavailable) }).await;
    assert_eq!(nothing, Ok(()));
}

#[tokio::test(start_paused = true)]
async fn an_open_breaker_starts_no_hedge_and_refuses_a_hedged_call() {
    let breaker = breaker(10, 1, 30);
    let started = AtomicU32::new(0);
    let slow = || {
        started.fetch_add(1, Ordering::Relaxed);
        async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Err::<(), Error>(Error::Unavailable)
        }
    };
    let hedged = || {
        Policy::new()
            .max_tries(3)
            .wait_gen(wait::constant().interval(0))
            .hedge_delay(Duration::from_millis(100))
            .breaker(&breaker)
    };
    // Closed: the first attempt and two hedges start; the first failure opens it (minimum 1,
    // rate 1.0), so the call gives up at once.
    let result = bounded(retry_async(hedged(), slow)).await;
    assert_eq!(result, Err(Error::Unavailable));
    assert_eq!(started.load(Ordering::Relaxed), 3);
    assert!(breaker.is_open());
    // Open: nothing starts.
    let result = bounded(retry_async(hedged(), slow)).await;
    assert!(matches!(result, Err(Error::Open(_))));
    assert_eq!(started.load(Ordering::Relaxed), 3);
}

#[test]
fn blocking_calls_ask_the_breaker_too() {
    let breaker = breaker(1, 1, 30);
    let policy = || {
        Policy::new()
            .max_tries(5)
            .wait_gen(wait::constant().interval(0))
            .breaker(&breaker)
    };
    let mut made = 0;
    let first: Result<(), Error> = retry_blocking(policy(), || {
        made += 1;
        Err(Error::Unavailable)
    });
    assert_eq!((first, made), (Err(Error::Unavailable), 1));
    let second: Result<(), Error> = retry_blocking(policy(), || {
        made += 1;
        Ok(())
    });
    assert!(matches!(second, Err(Error::Open(_))));
    assert_eq!(made, 1);
}

#[test]
fn state_changes_are_reported_in_order_with_their_partition() {
    let changes = Arc::new(Mutex::new(Vec::new()));
    let log = changes.clone();
    let breaker = CircuitBreaker::builder()
        .window_calls(1)
        .minimum_calls(1)
        .open_for(Duration::from_secs(1))
        .partition(Partition::PerTarget)
        .on_state_change(move |c| {
            log.lock()
                .unwrap()
                .push((c.partition, c.from, c.to, c.open_for))
        })
        .build()
        .unwrap();
    let t0 = std::time::Instant::now();
    breaker.record_failure("a", t0, Some(Duration::from_secs(3)));
    let t1 = t0 + Duration::from_secs(3);
    breaker.try_acquire("a", t1).unwrap();
    breaker.record_success("a", t1);
    use BreakerState::{Closed, HalfOpen, Open};
    assert_eq!(
        *changes.lock().unwrap(),
        [
            (Some("a"), Closed, Open, Some(Duration::from_secs(3))),
            (Some("a"), Open, HalfOpen, None),
            (Some("a"), HalfOpen, Closed, None),
        ]
    );
}

#[test]
fn the_builder_names_every_option_out_of_range() {
    let error = CircuitBreaker::builder()
        .window_calls(0)
        .minimum_calls(0)
        .failure_rate(1.5)
        .open_for(Duration::ZERO)
        .probes(0)
        .build()
        .unwrap_err();
    assert_eq!(
        error.violations(),
        [
            Violation::new("window_calls", "must be greater than 0"),
            Violation::new("minimum_calls", "must be greater than 0"),
            Violation::new("failure_rate", "must be in (0, 1]"),
            Violation::new("open_for", "must be greater than 0"),
            Violation::new("probes", "must be greater than 0"),
        ]
    );
    let error = CircuitBreaker::builder()
        .window_time(Duration::ZERO)
        .failure_rate(f64::NAN)
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "window_time must be greater than 0; failure_rate must be in (0, 1]"
    );
}

/// A retry admitted before its wait is not sent when the breaker opens during the wait: the
/// call ends with `E::from(CircuitOpen)` and `tries` counts the attempts made, in the
/// sequential loop and in the hedged driver alike.
#[tokio::test(start_paused = true)]
async fn a_retry_is_not_sent_when_the_breaker_opened_during_its_wait() {
    for hedged in [false, true] {
        let breaker = breaker(2, 2, 30);
        let reasons = Reasons::default();
        let log = reasons.clone();
        let made = AtomicU32::new(0);
        let policy = Policy::new()
            .max_tries(5)
            .wait_gen(wait::constant().interval(5))
            .jitter(retry_runtime::jitter::no_jitter)
            .exception(|e: &Error| matches!(e, Error::Unavailable))
            .breaker(&breaker)
            .on_giveup(move |d: &Details<'_, Error>| log.lock().unwrap().push((d.tries, d.reason)));
        // While the call waits its 5 s, another call's failures open the breaker.
        let other = breaker.clone();
        let opener = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = tokio::time::Instant::now().into_std();
            other.record_failure("elsewhere", now, None);
            other.record_failure("elsewhere", now, None);
        });
        let attempt = || {
            made.fetch_add(1, Ordering::Relaxed);
            async { Err::<(), Error>(Error::Unavailable) }
        };
        let result = if hedged {
            bounded(retry_async(
                policy.hedge_delay(Duration::from_secs(60)),
                attempt,
            ))
            .await
        } else {
            retry_async(policy, attempt).await
        };
        opener.await.unwrap();
        assert_eq!(
            result,
            Err(Error::Open(Duration::from_secs(26))),
            "hedged: {hedged}"
        );
        assert_eq!(made.load(Ordering::Relaxed), 1, "hedged: {hedged}");
        assert_eq!(
            *reasons.lock().unwrap(),
            [(1, Some(GiveUpReason::CircuitOpen))],
            "hedged: {hedged}"
        );
    }
}

// The window and the refusal rules at their edges (mutation testing, issue 26).

fn closed_then(breaker: &CircuitBreaker, outcomes: &[bool], at: &[u64]) -> Vec<BreakerState> {
    let t0 = tokio::time::Instant::now().into_std();
    outcomes
        .iter()
        .zip(at)
        .map(|(failed, secs)| {
            let now = t0 + Duration::from_secs(*secs);
            if *failed {
                breaker.record_failure("t", now, None);
            } else {
                breaker.record_success("t", now);
            }
            breaker.state("t")
        })
        .collect()
}

#[test]
fn a_count_window_forgets_its_oldest_outcome_as_it_wraps() {
    use BreakerState::{Closed, Open};
    // Three outcomes, all failures to open: F S F F leaves [S F F] (the first F evicted).
    let breaker = CircuitBreaker::builder()
        .window_calls(3)
        .minimum_calls(3)
        .failure_rate(1.0)
        .build()
        .unwrap();
    let states = closed_then(&breaker, &[true, false, true, true, true], &[0; 5]);
    assert_eq!(states, [Closed, Closed, Closed, Closed, Open]);
    // The rate is failures over outcomes: one failure in four is under a half.
    let breaker = CircuitBreaker::builder()
        .window_calls(4)
        .minimum_calls(4)
        .failure_rate(0.5)
        .build()
        .unwrap();
    let states = closed_then(&breaker, &[false, false, false, true, true], &[0; 5]);
    assert_eq!(states, [Closed, Closed, Closed, Closed, Open]);
}

#[test]
fn a_time_window_keeps_each_slice_apart_and_drops_the_tenth_behind() {
    use BreakerState::{Closed, Open};
    let window = || {
        CircuitBreaker::builder()
            .window_time(Duration::from_secs(10))
            .minimum_calls(2)
            .failure_rate(1.0)
            .build()
            .unwrap()
    };
    // Two failures in neighbouring slices both count.
    assert_eq!(
        closed_then(&window(), &[true, true], &[1, 2]),
        [Closed, Open]
    );
    // A slice ten behind the current one has left the window.
    assert_eq!(
        closed_then(&window(), &[true, true], &[0, 10]),
        [Closed, Closed]
    );
}

#[test]
fn a_re_check_refuses_only_while_open_and_counts_its_refusals() {
    let breaker = breaker(1, 1, 10);
    let t0 = tokio::time::Instant::now().into_std();
    assert!(breaker.refusal_now("t", t0).is_none()); // closed
    breaker.record_failure("t", t0, None);
    let refusal = breaker
        .refusal_now("t", t0 + Duration::from_secs(4))
        .unwrap();
    assert_eq!(refusal.retry_in(), Duration::from_secs(6));
    assert_eq!(breaker.attempts_refused(), 1);
    // At the end of the open time, a retry admitted earlier may go (and takes no probe).
    assert!(
        breaker
            .refusal_now("t", t0 + Duration::from_secs(10))
            .is_none()
    );
    assert_eq!(breaker.attempts_refused(), 1);
    assert!(
        breaker
            .try_acquire("t", t0 + Duration::from_secs(10))
            .is_ok()
    );
}

#[test]
fn a_freed_probe_place_admits_exactly_one_new_probe() {
    let breaker = breaker(2, 2, 10);
    let t0 = tokio::time::Instant::now().into_std();
    breaker.record_failure("t", t0, None);
    breaker.record_failure("t", t0, None);
    let t1 = t0 + Duration::from_secs(10);
    assert!(breaker.try_acquire("t", t1).is_ok()); // the probe, never answered
    let t2 = t1 + Duration::from_secs(10);
    assert!(breaker.try_acquire("t", t2).is_ok()); // its place, freed
    assert!(breaker.try_acquire("t", t2).is_err()); // one place only
}

/// Hedged `#[retry]` fns, which run on the macro's driver (`concurrent/run.rs`) rather than
/// `retry_async`'s loop: the breaker is asked before the first attempt and again before a
/// retry that waited.
struct HedgedService {
    breaker: CircuitBreaker,
    made: AtomicU32,
}

impl HedgedService {
    fn new(breaker: CircuitBreaker) -> Self {
        HedgedService {
            breaker,
            made: AtomicU32::new(0),
        }
    }

    fn made(&self) -> u32 {
        self.made.load(Ordering::Relaxed)
    }

    /// Fails after a second; hedged after 100 ms.
    #[retry_runtime::retry(max_tries = 3, wait_gen = wait::constant, interval = 0,
        hedge_delay = 0.1, breaker = &self.breaker)]
    async fn slow_failure(&self) -> Result<(), Error> {
        self.made.fetch_add(1, Ordering::Relaxed);
        tokio::time::sleep(Duration::from_secs(1)).await;
        Err(Error::Unavailable)
    }

    /// Fails at once, then waits 5 s before its retry (the hedge delay never passes).
    #[retry_runtime::retry(max_tries = 5, wait_gen = wait::constant, interval = 5,
        jitter = None, hedge_delay = 60, breaker = &self.breaker)]
    async fn fast_failure(&self) -> Result<(), Error> {
        self.made.fetch_add(1, Ordering::Relaxed);
        Err(Error::Unavailable)
    }
}

#[tokio::test(start_paused = true)]
async fn the_macros_hedged_driver_asks_an_open_breaker_before_the_first_attempt() {
    let service = HedgedService::new(breaker(10, 1, 30));
    // Closed: the first attempt and two hedges start; the first failure opens it.
    assert_eq!(
        bounded(service.slow_failure()).await,
        Err(Error::Unavailable)
    );
    assert_eq!(service.made(), 3);
    assert!(service.breaker.is_open());
    // Open: refused before anything starts.
    assert!(matches!(
        bounded(service.slow_failure()).await,
        Err(Error::Open(_))
    ));
    assert_eq!(service.made(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_macros_hedged_driver_does_not_send_a_retry_the_breaker_refuses_after_its_wait() {
    let service = HedgedService::new(breaker(2, 2, 30));
    // While the call waits its 5 s, other calls' failures open the breaker.
    let other = service.breaker.clone();
    let opener = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(1)).await;
        let now = tokio::time::Instant::now().into_std();
        other.record_failure("elsewhere", now, None);
        other.record_failure("elsewhere", now, None);
    });
    let result = bounded(service.fast_failure()).await;
    opener.await.unwrap();
    assert_eq!(result, Err(Error::Open(Duration::from_secs(26))));
    assert_eq!(service.made(), 1, "the retry was not sent");
}

#[tokio::test(start_paused = true)]
async fn a_breaker_given_owned_or_as_an_option_is_asked_too() {
    let breaker = breaker(1, 1, 30);
    // One failure opens it (minimum 1, rate 0.5).
    let policy = Policy::new().max_tries(1).breaker(breaker.clone());
    let opened = retry_async(policy, || async { Err::<(), Error>(Error::Unavailable) }).await;
    assert_eq!(opened, Err(Error::Unavailable));
    assert!(breaker.is_open(), "the owned clone shares its state");
    let made = AtomicU32::new(0);
    let attempt = || {
        made.fetch_add(1, Ordering::Relaxed);
        async { Ok::<(), Error>(()) }
    };
    let refused = retry_async(Policy::new().max_tries(1).breaker(Some(&breaker)), attempt).await;
    assert!(matches!(refused, Err(Error::Open(_))), "{refused:?}");
    let refused = retry_async(
        Policy::new().max_tries(1).breaker(Some(breaker.clone())),
        attempt,
    )
    .await;
    assert!(matches!(refused, Err(Error::Open(_))), "{refused:?}");
    assert_eq!(made.load(Ordering::Relaxed), 0);
    // `None` is no breaker.
    let unguarded = retry_async(
        Policy::new().max_tries(1).breaker(None::<CircuitBreaker>),
        attempt,
    )
    .await;
    assert_eq!(unguarded, Ok(()));
}

/// Closing forgets the window: the outcomes that opened the breaker do not count again, so
/// one failure after closing is one outcome of `minimum_calls`, not the last of a full window.
#[test]
fn closing_after_the_probes_starts_an_empty_window() {
    use BreakerState::{Closed, Open};
    let breaker = breaker(4, 4, 10);
    let t0 = tokio::time::Instant::now().into_std();
    for _ in 0..4 {
        breaker.record_failure("t", t0, None);
    }
    assert_eq!(breaker.state("t"), Open);
    let t1 = t0 + Duration::from_secs(10);
    assert!(breaker.try_acquire("t", t1).is_ok());
    breaker.record_success("t", t1);
    assert_eq!(breaker.state("t"), Closed);
    // Three failures in an empty window of four: under `minimum_calls`, still closed.
    let states = closed_then(&breaker, &[true, true, true], &[10, 10, 10]);
    assert_eq!(states, [Closed, Closed, Closed]);
    // The fourth makes the window full of failures: open again.
    assert_eq!(closed_then(&breaker, &[true], &[10]), [Open]);
}

/// The builder's bounds at their edges: `minimum_calls` may equal the count window but not
/// exceed it (a time window has no such bound); `failure_rate` excludes 0 and includes 1.
#[test]
fn the_builders_bounds_hold_at_their_edges() {
    let build = |window: u32, minimum: u32, rate: f64| {
        CircuitBreaker::builder()
            .window_calls(window)
            .minimum_calls(minimum)
            .failure_rate(rate)
            .build()
    };
    assert!(build(5, 5, 1.0).is_ok());
    assert_eq!(
        build(5, 6, 0.5).unwrap_err().violations(),
        [Violation::new(
            "minimum_calls",
            "must be at most the window's number of calls"
        )]
    );
    assert_eq!(
        build(5, 5, 0.0).unwrap_err().violations(),
        [Violation::new("failure_rate", "must be in (0, 1]")]
    );
    assert!(build(5, 5, f64::MIN_POSITIVE).is_ok());
    assert!(
        CircuitBreaker::builder()
            .window_time(Duration::from_secs(1))
            .minimum_calls(1_000)
            .build()
            .is_ok()
    );
}

/// What a caller reads off a refusal and off a breaker: the refused fn, the states' names,
/// the partitions made so far, whether any is open, and which handles share one state.
#[test]
fn a_breaker_and_its_refusals_say_what_they_are() {
    let open = CircuitOpen::new("harbor::get_project", Duration::from_secs(3));
    assert_eq!(open.target(), "harbor::get_project");
    assert_eq!(
        open.to_string(),
        "circuit open for harbor::get_project: no attempt made; it may let a probe through in 3s"
    );
    for (state, name) in [
        (BreakerState::Closed, "closed"),
        (BreakerState::Open, "open"),
        (BreakerState::HalfOpen, "half-open"),
    ] {
        assert_eq!((state.as_str(), state.to_string()), (name, name.to_owned()));
    }

    let breaker = CircuitBreaker::builder()
        .window_calls(1)
        .minimum_calls(1)
        .partition(Partition::PerTarget)
        .build()
        .unwrap();
    assert!(breaker.partitions().is_empty());
    assert!(!breaker.is_open());
    let t0 = tokio::time::Instant::now().into_std();
    breaker.record_success("a", t0);
    breaker.record_failure("b", t0, None);
    let mut partitions = breaker.partitions();
    partitions.sort_by_key(|(key, _)| *key);
    assert_eq!(
        partitions,
        [
            (Some("a"), BreakerState::Closed),
            (Some("b"), BreakerState::Open)
        ]
    );
    assert!(breaker.is_open());
    let shared = CircuitBreaker::builder().build().unwrap();
    assert!(!shared.is_open());
    // An unpartitioned breaker has its one state from the start.
    assert_eq!(shared.partitions(), [(None, BreakerState::Closed)]);

    assert!(breaker.shares_state_with(&breaker.clone()));
    assert!(!breaker.shares_state_with(&shared));
}

/// The `Debug` forms name the type and its settings (a breaker also its openings so far).
#[test]
fn debug_shows_the_settings() {
    let builder = CircuitBreaker::builder()
        .window_calls(7)
        .minimum_calls(3)
        .probes(2);
    let text = format!("{builder:?}");
    assert!(
        text.starts_with("CircuitBreakerBuilder { window: Calls(7), minimum_calls: 3,"),
        "{text}"
    );
    assert!(text.contains("probes: 2"), "{text}");
    let breaker = builder.build().unwrap();
    let text = format!("{breaker:?}");
    assert!(
        text.starts_with("CircuitBreaker { window: Calls(7), minimum_calls: 3,"),
        "{text}"
    );
    assert!(
        text.contains("partitioned: false, times_opened: 0"),
        "{text}"
    );
}
