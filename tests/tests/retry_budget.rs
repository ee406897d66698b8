//! The retry budget end to end: `#[retry(budget = ..)]`, and a full outage of `harbor-sim`
//! driven through one `HarborClient`, whose attempts must stay within
//! `(1 + ratio) x calls + initial` (the first burst is the bucket's initial reserve).
//!
//! Paused tokio clock: the simulator runs on loopback in the same current-thread runtime, so
//! the clock only jumps when every task waits on a timer, and the client's waits take no real
//! time.

mod common;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};

use harbor_client::{Error, HarborClient};
use harbor_sim::{Fault, FaultRule, Simulator};
use retry_runtime::wait::constant;
use retry_runtime::{Details, GiveUpReason, RetryBudget, retry};

#[derive(Debug, Clone, PartialEq)]
struct Unavailable(u32);

struct Service {
    budget: RetryBudget,
    attempts: AtomicU32,
    reasons: Mutex<Vec<Option<GiveUpReason>>>,
}

impl Service {
    fn note(&self, details: &Details<'_, Unavailable>) {
        self.reasons.lock().unwrap().push(details.reason);
    }

    #[retry(
        max_tries = 10,
        wait_gen = constant,
        interval = 1,
        jitter = None,
        budget = &self.budget,
        on_giveup = |d| self.note(d)
    )]
    async fn fetch(&self) -> Result<u32, Unavailable> {
        let n = self.attempts.fetch_add(1, Ordering::Relaxed) + 1;
        Err(Unavailable(n))
    }
}

#[tokio::test(start_paused = true)]
async fn the_attribute_gives_up_when_the_shared_budget_is_empty() {
    let service = Service {
        budget: RetryBudget::builder()
            .ratio(0.5)
            .capacity(10)
            .initial(3)
            .build()
            .unwrap(),
        attempts: AtomicU32::new(0),
        reasons: Mutex::new(Vec::new()),
    };
    // Call 1: deposits 0.5 (3.5 in the bucket), retries 3 times, then is refused.
    assert_eq!(service.fetch().await, Err(Unavailable(4)));
    // Call 2: deposits 0.5 (1.0), retries once, then is refused with its last error.
    assert_eq!(service.fetch().await, Err(Unavailable(6)));
    assert_eq!(
        *service.reasons.lock().unwrap(),
        [
            Some(GiveUpReason::BudgetExhausted),
            Some(GiveUpReason::BudgetExhausted)
        ]
    );
    assert_eq!(service.budget.retries_allowed(), 4);
    assert_eq!(service.budget.retries_refused(), 2);
}

/// Calls made through `client`; counts the give-up reasons.
async fn drive_outage(
    client: &HarborClient,
    calls: usize,
    concurrency: usize,
) -> BTreeMap<String, u64> {
    let reasons: Arc<Mutex<BTreeMap<String, u64>>> = Arc::default();
    let seen = reasons.clone();
    client
        .update_retry(move |s| {
            s.logger(false).on_giveup(move |d: &Details<'_, Error>| {
                let reason = d.reason.map_or("none", GiveUpReason::as_str).to_owned();
                *seen.lock().unwrap().entry(reason).or_default() += 1;
            })
        })
        .expect("valid settings");
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let client = client.clone();
        workers.push(tokio::spawn(async move {
            for _ in (w..calls).step_by(concurrency) {
                let error = client
                    .get_project("library", &Default::default())
                    .await
                    .expect_err("every getProject answers 503");
                assert_eq!(error.status(), Some(503), "{error}");
            }
        }));
    }
    for worker in workers {
        worker.await.expect("no worker panics");
    }
    reasons.lock().unwrap().clone()
}

/// A full outage: every `getProject` answers 503. 2,000 calls, 16 at a time, through one
/// client with the default settings (expo waits, full jitter, 60 s, no try limit) and a budget
/// of ratio `r`. Each call deposits `r` tokens, each retry costs 1, and the bucket starts with
/// `initial` tokens (the first burst), so: attempts <= calls + r x calls + initial.
#[tokio::test(start_paused = true)]
async fn a_full_outage_costs_at_most_one_plus_ratio_attempts_per_call() {
    const CALLS: usize = 2_000;
    const CONCURRENCY: usize = 16;
    const RATIO: f64 = 0.1;
    const INITIAL: f64 = 50.0;

    let sim = common::get_project_down().await;
    let budget = RetryBudget::builder()
        .ratio(RATIO)
        .capacity(INITIAL)
        .build()
        .unwrap();
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .retry_budget(budget.clone())
        .build()
        .expect("client builds");

    let reasons = drive_outage(&client, CALLS, CONCURRENCY).await;
    let attempts = sim.handle().counts("getProject").expect("counted").received;
    let bound = (1.0 + RATIO) * CALLS as f64 + INITIAL;
    println!(
        "retry budget outage: {CALLS} calls ({CONCURRENCY} at a time), {attempts} attempts \
         ({:.3} per call), ratio {RATIO}, initial {INITIAL}, bound (1 + {RATIO}) x {CALLS} + {INITIAL} = {bound}; \
         retries allowed {}, refused {}; give-ups by reason {reasons:?}",
        attempts as f64 / CALLS as f64,
        budget.retries_allowed(),
        budget.retries_refused(),
    );
    assert!(attempts as f64 <= bound, "{attempts} attempts > {bound}");
    assert_eq!(attempts, CALLS as u64 + budget.retries_allowed());
    assert_eq!(reasons.values().sum::<u64>(), CALLS as u64);
    // Once the first burst is spent, calls end because the budget says so, not the 60 s limit.
    assert!(
        reasons.get("retry budget exhausted").copied().unwrap_or(0) > CALLS as u64 / 2,
        "{reasons:?}"
    );

    // The same outage without a budget, for comparison (fewer calls: each one retries for
    // 60 s of virtual time).
    sim.handle().reset_counters();
    let unbudgeted = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .retry_budget(None)
        .build()
        .expect("client builds");
    let calls = 100;
    let reasons = drive_outage(&unbudgeted, calls, CONCURRENCY).await;
    let attempts = sim.handle().counts("getProject").expect("counted").received;
    println!(
        "without a budget: {calls} calls, {attempts} attempts ({:.1} per call); give-ups by reason {reasons:?}",
        attempts as f64 / calls as f64
    );
    assert!(attempts as f64 > (1.0 + RATIO) * calls as f64);
}

/// Clones of a client, and every task using them, draw on the one budget of the client.
#[tokio::test(start_paused = true)]
async fn clones_share_the_client_budget_which_is_on_by_default() {
    let sim = Simulator::start().await.expect("simulator starts");
    let client = HarborClient::new(sim.base_url(), "admin", "Harbor12345").unwrap();
    let clone = client.clone();
    let budget = client.retry_budget().expect("on by default");
    assert!(clone.retry_budget().unwrap().shares_bucket_with(budget));
    assert!(
        client
            .retry_settings()
            .unwrap()
            .budget()
            .unwrap()
            .shares_bucket_with(budget)
    );
    // Another client has its own.
    let other = HarborClient::new(sim.base_url(), "admin", "Harbor12345").unwrap();
    assert!(!other.retry_budget().unwrap().shares_bucket_with(budget));
    // Settings handed over without a budget get the client's; settings with one keep theirs;
    // `update_retry` applies the change as written.
    other.set_retry(harbor_client::default_retry_settings());
    let other_budget = other.retry_budget().unwrap();
    assert!(
        other
            .retry_settings()
            .unwrap()
            .budget()
            .unwrap()
            .shares_bucket_with(other_budget)
    );
    let own = RetryBudget::with_ratio(0.5).unwrap();
    other.update_retry(|s| s.budget(own.clone())).unwrap();
    assert!(
        other
            .retry_settings()
            .unwrap()
            .budget()
            .unwrap()
            .shares_bucket_with(&own)
    );
    other.update_retry(|s| s.no_budget()).unwrap();
    assert!(other.retry_settings().unwrap().budget().is_none());

    sim.handle()
        .inject(
            FaultRule::new(Fault::status(503))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    // One retry through the clone, refunded by its success.
    clone
        .get_project("library", &Default::default())
        .await
        .expect("the retry succeeds");
    assert_eq!(budget.retries_allowed(), 1);
    assert_eq!(budget.balance(), budget.capacity());
}
