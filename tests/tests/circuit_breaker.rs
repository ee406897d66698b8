//! The circuit breaker end to end: `#[retry(breaker = ..)]` and `settings` carrying one, and a
//! `HarborClient` with a per-operation breaker against `harbor-sim` answering 503 to every
//! `getProject` (issue 22's outage scenario).
//!
//! Paused tokio clock: the simulator runs on loopback in the same current-thread runtime, so
//! the clock only jumps when every task waits on a timer, and the client's waits take no real
//! time.

mod common;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harbor_client::{Error, HarborClient, operations, settings::default_circuit_breaker};
use retry_runtime::wait::constant;
use retry_runtime::{
    BreakerState, CircuitBreaker, CircuitOpen, Details, GiveUpReason, RetrySettings, retry,
};

#[derive(Debug, Clone, PartialEq)]
enum Fetch {
    Down(u32),
    Refused,
}

impl From<CircuitOpen> for Fetch {
    fn from(_: CircuitOpen) -> Self {
        Fetch::Refused
    }
}

struct Service {
    breaker: CircuitBreaker,
    settings: RetrySettings<Fetch>,
    sent: AtomicU32,
    reasons: Mutex<Vec<(u32, Option<GiveUpReason>)>>,
}

impl Service {
    fn new() -> Self {
        let breaker = CircuitBreaker::builder()
            .window_calls(4)
            .minimum_calls(4)
            .open_for(Duration::from_secs(30))
            .build()
            .unwrap();
        let settings = RetrySettings::builder()
            .max_tries(2)
            .wait_gen(constant().interval(1))
            .breaker(breaker.clone())
            .build()
            .unwrap();
        Service {
            breaker,
            settings,
            sent: AtomicU32::new(0),
            reasons: Mutex::new(Vec::new()),
        }
    }

    fn note(&self, details: &Details<'_, Fetch>) {
        self.reasons
            .lock()
            .unwrap()
            .push((details.tries, details.reason));
    }

    #[retry(max_tries = 2, wait_gen = constant, interval = 1, jitter = None,
            breaker = &self.breaker, on_giveup = |d| self.note(d))]
    async fn fetch(&self) -> Result<u32, Fetch> {
        Err(Fetch::Down(self.sent.fetch_add(1, Ordering::Relaxed) + 1))
    }

    #[retry(settings = &self.settings)]
    async fn fetch_with_settings(&self) -> Result<u32, Fetch> {
        Err(Fetch::Down(self.sent.fetch_add(1, Ordering::Relaxed) + 1))
    }

    #[retry(max_tries = 2, wait_gen = constant, interval = 1, breaker = &self.breaker)]
    fn fetch_blocking(&self) -> Result<u32, Fetch> {
        Err(Fetch::Down(self.sent.fetch_add(1, Ordering::Relaxed) + 1))
    }

    #[retry(max_tries = 2, hedge_delay = 0.1, breaker = &self.breaker)]
    async fn fetch_hedged(&self) -> Result<u32, Fetch> {
        Err(Fetch::Down(self.sent.fetch_add(1, Ordering::Relaxed) + 1))
    }
}

#[tokio::test(start_paused = true)]
async fn the_attribute_refuses_calls_while_open_in_every_loop_shape() {
    let service = Service::new();
    assert_eq!(service.fetch().await, Err(Fetch::Down(2)));
    // The fourth failure opens it: the call's own retry is refused.
    assert_eq!(service.fetch().await, Err(Fetch::Down(4)));
    assert_eq!(service.breaker.state(""), BreakerState::Open);
    assert_eq!(service.fetch().await, Err(Fetch::Refused));
    assert_eq!(service.fetch_with_settings().await, Err(Fetch::Refused));
    assert_eq!(service.fetch_blocking(), Err(Fetch::Refused));
    assert_eq!(service.fetch_hedged().await, Err(Fetch::Refused));
    assert_eq!(service.sent.load(Ordering::Relaxed), 4);
    assert_eq!(
        *service.reasons.lock().unwrap(),
        [
            (2, Some(GiveUpReason::MaxTries)),
            // The failure that opened it was the last try: max_tries is checked first.
            (2, Some(GiveUpReason::MaxTries)),
            (0, Some(GiveUpReason::CircuitOpen)),
        ]
    );
    // After open_for, one probe goes (and fails: it opens again).
    tokio::time::advance(Duration::from_secs(30)).await;
    assert_eq!(service.fetch().await, Err(Fetch::Down(5)));
    assert_eq!(service.fetch().await, Err(Fetch::Refused));
}

/// `getProject` answers 503 to everything; `listProjects` is healthy. A client with the
/// default per-operation breaker and the default settings but for 1 s waits without jitter.
#[tokio::test(start_paused = true)]
async fn an_outage_of_one_operation_opens_its_breaker_and_spares_the_others() {
    let sim = common::get_project_down().await;
    let breaker = default_circuit_breaker();
    let changes = Arc::new(Mutex::new(Vec::new()));
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .circuit_breaker(breaker.clone())
        .build()
        .expect("client builds");
    let log = changes.clone();
    client
        .update_retry(move |s| {
            // Waits of 1 s, so the first call makes its 10 attempts within max_time.
            s.logger(false)
                .wait_gen(constant().interval(1))
                .no_jitter()
                .on_giveup(move |d: &Details<'_, Error>| {
                    log.lock().unwrap().push(d.reason);
                })
        })
        .unwrap();

    // The first call's own retries fill the window (10 failures of at least 10): it opens and
    // the call ends with its last 503.
    let first = client
        .get_project("library", &Default::default())
        .await
        .unwrap_err();
    assert_eq!(first.status(), Some(503), "{first}");
    let sent = sim.handle().counts("getProject").unwrap().received;
    assert_eq!(sent, 10);
    assert_eq!(*changes.lock().unwrap(), [Some(GiveUpReason::CircuitOpen)]);

    // Open: 100 calls fail at once, nothing is sent, no time passes.
    let started = tokio::time::Instant::now();
    for _ in 0..100 {
        let refused = client
            .get_project("library", &Default::default())
            .await
            .unwrap_err();
        let Error::CircuitOpen(open) = &refused else {
            panic!("expected a refusal, got {refused}");
        };
        assert_eq!(open.operation(), "getProject");
        assert!(refused.never_sent());
    }
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 10);
    assert_eq!(
        client.circuit_state(operations::GET_PROJECT),
        Some(BreakerState::Open)
    );
    // Another operation is unaffected.
    let projects = client
        .get_projects(&Default::default())
        .await
        .expect("listProjects is healthy");
    assert!(!projects.items.is_empty());
    assert_eq!(
        client.circuit_state(operations::GET_PROJECTS),
        Some(BreakerState::Closed)
    );

    // Each open window lets exactly one probe through while the outage lasts.
    for window in 1..=3 {
        tokio::time::advance(Duration::from_secs(10)).await;
        let probe = client
            .get_project("library", &Default::default())
            .await
            .unwrap_err();
        assert_eq!(probe.status(), Some(503), "{probe}");
        let refused = client
            .get_project("library", &Default::default())
            .await
            .unwrap_err();
        assert!(matches!(refused, Error::CircuitOpen(_)), "{refused}");
        assert_eq!(
            sim.handle().counts("getProject").unwrap().received,
            10 + window
        );
    }

    // Cleared: the next probe closes it, and calls flow again.
    sim.handle().clear_faults();
    tokio::time::advance(Duration::from_secs(10)).await;
    for _ in 0..3 {
        client
            .get_project("library", &Default::default())
            .await
            .expect("the outage is over");
    }
    assert!(!breaker.is_open());
    assert_eq!(breaker.times_opened(), 4);
}

/// A 30 s full outage then recovery, 8 tasks calling in a loop: the budget and the breaker
/// together keep the requests sent within 1.2x the calls made.
#[tokio::test(start_paused = true)]
async fn a_full_outage_then_recovery_sends_at_most_one_point_two_requests_per_call() {
    let sim = common::get_project_down().await;
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .circuit_breaker(default_circuit_breaker())
        .build()
        .expect("client builds");
    client.update_retry(|s| s.logger(false)).unwrap();
    let calls = Arc::new(AtomicU32::new(0));
    let start = tokio::time::Instant::now();
    let end = start + Duration::from_secs(60);
    let mut workers = Vec::new();
    for _ in 0..8 {
        let (client, calls) = (client.clone(), calls.clone());
        workers.push(tokio::spawn(async move {
            while tokio::time::Instant::now() < end {
                calls.fetch_add(1, Ordering::Relaxed);
                let _ = client.get_project("library", &Default::default()).await;
                // A caller that paces itself, as a poller or a CI job would.
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(30)).await;
    sim.handle().clear_faults();
    for worker in workers {
        worker.await.expect("no worker panics");
    }
    let calls = calls.load(Ordering::Relaxed);
    let sent = sim.handle().counts("getProject").unwrap().received;
    println!(
        "30 s outage then 30 s healthy, 8 tasks: {calls} calls, {sent} requests ({:.3} per call)",
        sent as f64 / calls as f64
    );
    assert!(
        f64::from(calls) * 1.2 >= sent as f64,
        "{sent} requests for {calls} calls"
    );
}

/// The expansion asks the breaker again before each retry: one that opened during the wait
/// stops the retry (the eager loop of `fetch`, and the hedged driver of `fetch_hedged`).
#[tokio::test(start_paused = true)]
async fn a_retry_waits_then_meets_the_breaker_that_opened_meanwhile() {
    let service = Service::new();
    let breaker = service.breaker.clone();
    let opener = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        let now = tokio::time::Instant::now().into_std();
        for _ in 0..4 {
            breaker.record_failure("elsewhere", now, None);
        }
    });
    // One attempt, a 1 s wait during which the breaker opens: no second attempt.
    assert_eq!(service.fetch().await, Err(Fetch::Refused));
    opener.await.unwrap();
    assert_eq!(service.sent.load(Ordering::Relaxed), 1);
    assert_eq!(
        *service.reasons.lock().unwrap(),
        [(1, Some(GiveUpReason::CircuitOpen))]
    );
}
