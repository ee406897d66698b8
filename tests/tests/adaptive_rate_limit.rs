//! Adaptive client-side rate limiting end to end: a `HarborClient` with `adaptive_rate_limit`
//! against `harbor-sim` behind a rate limit of 50 requests per second (429 with
//! `Retry-After`), 64 tasks making 5,000 `getProject` calls (issue 22's rate-limit scenario),
//! against the same client without the limiter; and `#[retry(limiter = ..)]`.
//!
//! Paused tokio clock: the simulator's token bucket, the client's waits and the limiter all
//! read tokio's clock, so the run takes no real time and its figures do not depend on the
//! machine.

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use harbor_client::HarborClient;
use harbor_sim::{RateLimit, Simulator};
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::retry;
use retry_runtime::wait::constant;

const CALLS: u32 = 5_000;
const TASKS: u32 = 64;
const LIMIT: f64 = 50.0;

struct Run {
    calls_ok: u32,
    requests: u64,
    throttled: u64,
    seconds: f64,
}

async fn drive(limited: bool) -> Run {
    let sim = Simulator::start().await.expect("simulator starts");
    sim.handle()
        .set_rate_limit(RateLimit::per_second(LIMIT))
        .expect("a valid limit");
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .adaptive_rate_limit(limited)
        .build()
        .expect("client builds");
    // No time limit: a call retries its 429s until it succeeds (the budget still bounds it).
    client
        .update_retry(|s| s.logger(false).no_max_time())
        .unwrap();
    let ok = Arc::new(AtomicU32::new(0));
    let next = Arc::new(AtomicU32::new(0));
    let started = tokio::time::Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..TASKS {
        let (client, ok, next) = (client.clone(), ok.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            while next.fetch_add(1, Ordering::Relaxed) < CALLS {
                if client
                    .get_project("library", &Default::default())
                    .await
                    .is_ok()
                {
                    ok.fetch_add(1, Ordering::Relaxed);
                }
            }
        }));
    }
    for task in tasks {
        task.await.expect("no task panics");
    }
    let counts = sim.handle().counts("getProject").expect("counted");
    Run {
        calls_ok: ok.load(Ordering::Relaxed),
        requests: counts.received,
        throttled: counts.throttled,
        seconds: started.elapsed().as_secs_f64(),
    }
}

#[tokio::test(start_paused = true)]
async fn the_limiter_makes_every_call_succeed_with_few_throttles() {
    let limited = drive(true).await;
    let unlimited = drive(false).await;
    for (name, run) in [("adaptive", &limited), ("without", &unlimited)] {
        println!(
            "{name}: {} of {CALLS} calls ok, {} requests, {} throttled ({:.1}%), {:.1} s, {:.1} req/s",
            run.calls_ok,
            run.requests,
            run.throttled,
            100.0 * run.throttled as f64 / run.requests as f64,
            run.seconds,
            run.requests as f64 / run.seconds,
        );
    }
    assert_eq!(limited.calls_ok, CALLS);
    // Issue 22's target: at most 5% of requests throttled. Measured 4.6% (242 of 5,242) on
    // the paused clock: 64 in the first instant, before the limiter has seen a throttle (the
    // calls that succeeded send again into the server's emptied bucket), most of the rest one
    // congestion event every 5 s or so at the plateau, each a few sends the limiter had
    // already scheduled. It was 5.5% while a retry reserved its token when it was decided,
    // not when it was sent: every caller throttled at once then sent at once after the
    // `Retry-After`.
    assert!(
        limited.throttled as f64 <= 0.05 * limited.requests as f64,
        "{} of {} requests throttled",
        limited.throttled,
        limited.requests
    );
    // The server's limit bounds both runs' time from below; the limiter does not make the
    // work take longer than 1.25x the time the limit allows.
    assert!(
        limited.seconds <= 1.25 * f64::from(CALLS) / LIMIT,
        "{}",
        limited.seconds
    );
    assert!(unlimited.throttled > limited.throttled);
}

#[derive(Debug, Clone, PartialEq)]
struct Throttled;

struct Service {
    limiter: AdaptiveLimiter,
    sent: AtomicU32,
}

impl Service {
    /// Throttled on its first two tries, then fine; a throttle asks for no particular wait.
    #[retry(max_tries = 5, wait_gen = constant, interval = 0.01, jitter = None,
            wait_floor = |_| Some(Duration::ZERO), limiter = &self.limiter)]
    async fn fetch(&self) -> Result<u32, Throttled> {
        let sent = self.sent.fetch_add(1, Ordering::Relaxed) + 1;
        if sent <= 2 { Err(Throttled) } else { Ok(sent) }
    }
}

#[tokio::test(start_paused = true)]
async fn the_attribute_feeds_and_obeys_the_limiter() {
    let service = Service {
        limiter: AdaptiveLimiter::builder().build().unwrap(),
        sent: AtomicU32::new(0),
    };
    assert_eq!(service.fetch().await, Ok(3));
    assert_eq!(service.limiter.throttles(), 2);
    assert!(service.limiter.rate("").is_some(), "on after a throttle");
    // Calls are now paced: their first attempts wait for the limiter, on the paused clock.
    let started = tokio::time::Instant::now();
    for _ in 0..20 {
        service.fetch().await.unwrap();
    }
    assert!(service.limiter.sends_delayed() > 0);
    assert!(started.elapsed() >= service.limiter.total_delay() / 20);
    assert!(started.elapsed() > Duration::ZERO);
    assert_eq!(service.limiter.sends(), 23);
}
