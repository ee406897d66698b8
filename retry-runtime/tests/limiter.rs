//! The adaptive limiter with exact, synthetic instants: the rate falls to beta times the
//! measured rate on a throttle and recovers along the cubic curve, reservations wait exactly
//! the time their debt takes to pay (bounded by `max_wait`), partitions are independent, the
//! builder reports every broken rule; and a deterministic simulation of 64 senders against a
//! server limited to 50 req/s, then 200 req/s.

mod support;
use support::bounded;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::time::{Duration, Instant};

use retry_runtime::Violation;
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::partition::Partition;

const BETA: f64 = 0.7;
const C: f64 = 0.4;

fn ms(t0: Instant, ms: u64) -> Instant {
    t0 + Duration::from_millis(ms)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9 * b.abs().max(1.0)
}

/// 100 answers per second for `secs` seconds from `from` (every 10 ms), all successes.
fn successes(l: &AdaptiveLimiter, t0: Instant, from_ms: u64, to_ms: u64) {
    for t in (from_ms..to_ms).step_by(10) {
        l.on_success("op", ms(t0, t));
    }
}

/// A limiter at exactly `rate` requests per second with an empty bucket: its first throttle
/// (measured rate 2/s, one answer over the first 0.5 s bucket) lowers the curve below the
/// minimum rate, which is `rate`.
fn at_rate(rate: f64, max_wait: Duration, t0: Instant) -> AdaptiveLimiter {
    let l = AdaptiveLimiter::builder()
        .min_fill_rate(rate)
        .max_wait(max_wait)
        .build()
        .unwrap();
    l.on_throttle("op", t0);
    assert_eq!(l.rate("op"), Some(rate));
    l
}

#[test]
fn off_until_the_first_throttle() {
    let l = AdaptiveLimiter::default();
    let t0 = Instant::now();
    for t in 0..1000 {
        assert_eq!(l.reserve("op", ms(t0, t)), Duration::ZERO);
        l.on_success("op", ms(t0, t));
    }
    assert_eq!(l.rate("op"), None);
    assert_eq!((l.sends(), l.sends_delayed(), l.throttles()), (1000, 0, 0));
    assert_eq!(l.total_delay(), Duration::ZERO);
    l.on_throttle("op", ms(t0, 1000));
    assert!(l.rate("op").is_some());
}

#[test]
fn a_throttle_drops_the_rate_to_beta_times_the_measured_rate() {
    let l = AdaptiveLimiter::default();
    let t0 = Instant::now();
    // 100/s: the first 0.5 s bucket closes at 500 ms (measured 0.8 * 100 = 80), the second at
    // 1000 ms (0.8 * 100 + 0.2 * 80 = 96).
    successes(&l, t0, 0, 1001);
    assert!(close(l.measured_rate("op").unwrap(), 96.0));
    l.on_throttle("op", ms(t0, 1000));
    assert!(close(l.rate("op").unwrap(), BETA * 96.0));
    assert_eq!(l.throttles(), 1);
}

#[test]
fn the_rate_recovers_along_the_cubic_curve() {
    let l = AdaptiveLimiter::default();
    let t0 = Instant::now();
    successes(&l, t0, 0, 1001);
    let w_max = l.measured_rate("op").unwrap();
    l.on_throttle("op", ms(t0, 1000));
    let k = (w_max * (1.0 - BETA) / C).cbrt();
    assert!(close(k, 72f64.cbrt())); // 4.16 s back to w_max
    // Answers go on at 100/s, so the measured rate stays near 100 and the ramp (twice it)
    // does not bind; at each checked instant the rate is exactly the curve's.
    let mut checked = Vec::new();
    for t in (1010..11_001).step_by(10) {
        l.on_success("op", ms(t0, t));
        let secs = (t - 1000) as f64 / 1000.0;
        if [1.0, 2.0, 4.0, 6.0, 8.0, 10.0].contains(&secs) {
            let expected = C * (secs - k).powi(3) + w_max;
            let rate = l.rate("op").unwrap();
            assert!(close(rate, expected), "at {secs} s: {rate} != {expected}");
            checked.push((secs, expected.round()));
        }
    }
    // Concave back to w_max = 96, a plateau, then convex above it.
    assert_eq!(
        checked,
        [
            (1.0, 83.0),
            (2.0, 92.0),
            (4.0, 96.0),
            (6.0, 98.0),
            (8.0, 119.0),
            (10.0, 176.0)
        ]
    );
}

#[test]
fn the_ramp_caps_the_rate_at_twice_the_measured_rate() {
    let l = AdaptiveLimiter::default();
    let t0 = Instant::now();
    successes(&l, t0, 0, 1001);
    l.on_throttle("op", ms(t0, 1000));
    // Silence, then one answer 20 s later: the curve says 0.4 * (20 - 4.16)^3 + 96 = 1685/s,
    // but the answers measured were few.
    l.on_success("op", ms(t0, 21_000));
    let measured = l.measured_rate("op").unwrap();
    assert!(measured < 30.0);
    assert!(close(l.rate("op").unwrap(), 2.0 * measured));
}

#[test]
fn reservations_wait_exactly_until_their_debt_is_paid() {
    let t0 = Instant::now();
    let l = at_rate(10.0, Duration::from_secs(10), t0);
    // The bucket is empty: each reservation takes a token and waits for it at 10/s.
    let waits: Vec<_> = (0..3).map(|_| l.reserve("op", t0)).collect();
    assert_eq!(
        waits,
        [
            Duration::from_millis(100),
            Duration::from_millis(200),
            Duration::from_millis(300)
        ]
    );
    // 250 ms later 2.5 tokens have paid most of the debt of 3: the next waits 150 ms.
    assert_eq!(l.reserve("op", ms(t0, 250)), Duration::from_millis(150));
    // A second later the bucket is full: one second of the fill rate before the throttle
    // (max(1.4, 1) tokens, as the AWS SDKs size it): one send goes at once, the next waits.
    assert_eq!(l.reserve("op", ms(t0, 1250)), Duration::ZERO);
    assert_eq!(l.reserve("op", ms(t0, 1250)), Duration::from_millis(60));
    assert_eq!((l.sends(), l.sends_delayed()), (6, 5));
    assert_eq!(
        l.total_delay(),
        Duration::from_millis(100 + 200 + 300 + 150 + 60)
    );
}

#[test]
fn no_reservation_waits_longer_than_max_wait() {
    let t0 = Instant::now();
    let l = at_rate(10.0, Duration::from_secs(1), t0);
    let waits: Vec<_> = (0..13).map(|_| l.reserve("op", t0)).collect();
    let expected: Vec<_> = (1..=13u64)
        .map(|n| Duration::from_millis(100 * n.min(10)))
        .collect();
    assert_eq!(waits, expected);
    // The debt stopped at 10 tokens: one second later it is paid.
    assert_eq!(l.reserve("op", ms(t0, 1000)), Duration::from_millis(100));
}

#[test]
fn an_earlier_instant_counts_as_no_time() {
    let t0 = Instant::now();
    let l = at_rate(10.0, Duration::from_secs(10), t0);
    assert_eq!(l.reserve("op", ms(t0, 500)), Duration::ZERO); // 5 tokens, capped at 1.4
    assert_eq!(l.reserve("op", t0), Duration::from_millis(60)); // no refill backwards
    // Nor is the clock moved back: 500 ms again earns nothing (0.4 - 1 - 1 tokens).
    assert_eq!(l.reserve("op", ms(t0, 500)), Duration::from_millis(160));
    l.on_success("op", t0);
    l.on_throttle("op", t0);
}

#[test]
fn a_first_throttle_before_any_answer_counts_half_the_sends() {
    // 100 sends go out before anything comes back; the first answer is a throttle, 100 ms
    // later. The answers alone (1) would say 2 req/s; half the sends say 50 in the first
    // 0.5 s bucket: 100 req/s measured, so the rate drops to 0.7 * 100.
    let t0 = Instant::now();
    let l = AdaptiveLimiter::default();
    for _ in 0..100 {
        assert_eq!(l.reserve("op", t0), Duration::ZERO);
    }
    l.on_throttle("op", ms(t0, 100));
    assert!(close(l.rate("op").unwrap(), BETA * 100.0));
}

#[test]
fn a_throttle_when_the_holdoff_ends_lowers_the_rate_again() {
    let t0 = Instant::now();
    let l = AdaptiveLimiter::default();
    successes(&l, t0, 0, 1001);
    l.on_throttle("op", ms(t0, 1000));
    let first = l.rate("op").unwrap();
    assert!(close(first, BETA * 96.0));
    // No send was waiting, so the holdoff is the 100 ms alone: at 1100 ms a throttle is a new
    // event, and w_max is the fill rate (below the 96 measured).
    l.on_throttle("op", ms(t0, 1100));
    assert!(close(l.rate("op").unwrap(), BETA * first));
}

#[test]
fn tokens_in_hand_are_kept_when_the_rate_changes() {
    let t0 = Instant::now();
    let l = AdaptiveLimiter::default();
    successes(&l, t0, 0, 1001);
    l.on_throttle("op", ms(t0, 1000));
    // Two seconds of successes: the rate climbs back along the curve and the bucket fills
    // (it holds one second of the rate).
    successes(&l, t0, 1010, 3001);
    let before = l.rate("op").unwrap();
    let now = ms(t0, 3000);
    let spent = 60;
    for _ in 0..spent {
        assert_eq!(l.reserve("op", now), Duration::ZERO);
    }
    let in_hand = before - spent as f64;
    l.on_throttle("op", now);
    let after = l.rate("op").unwrap();
    assert!(after < before && in_hand < after, "{before} {after}");
    // Only a debt is rescaled to the new rate: the tokens in hand all still go at once.
    let at_once = (0..100)
        .take_while(|_| l.reserve("op", now) == Duration::ZERO)
        .count();
    assert_eq!(at_once, in_hand.floor() as usize);
}

#[test]
fn throttles_of_one_event_lower_the_rate_once() {
    let t0 = Instant::now();
    let run = |holdoff: u64| {
        let l = AdaptiveLimiter::builder()
            .throttle_holdoff(Duration::from_millis(holdoff))
            .build()
            .unwrap();
        successes(&l, t0, 0, 1001);
        for t in [1000, 1020, 1050] {
            l.on_throttle("op", ms(t0, t));
        }
        l.rate("op").unwrap()
    };
    // Within the holdoff (100 ms by default): one decrease, to 0.7 * 96 at 1000 ms; the
    // later throttles move the rate along the curve like any answer.
    let k = 72f64.cbrt();
    assert!(close(run(100), C * (0.05 - k).powi(3) + 96.0));
    assert!(close(C * (0.0 - k).powi(3) + 96.0, BETA * 96.0));
    // Without it, as the AWS SDKs do, each throttle multiplies the rate by beta again.
    assert!(run(0) < BETA * BETA * 96.0);
}

#[test]
fn partitions_are_independent() {
    let t0 = Instant::now();
    let per_target = AdaptiveLimiter::builder()
        .partition(Partition::PerTarget)
        .min_fill_rate(10.0)
        .build()
        .unwrap();
    assert_eq!(per_target.rate("a"), None);
    per_target.on_throttle("a", t0);
    assert_eq!(per_target.rate("a"), Some(10.0));
    assert_eq!(per_target.rate("b"), None);
    assert_eq!(per_target.reserve("a", t0), Duration::from_millis(100));
    assert_eq!(per_target.reserve("b", t0), Duration::ZERO);
    per_target.on_throttle("b", t0);
    assert_eq!(per_target.reserve("b", t0), Duration::from_millis(100));
    assert_eq!(per_target.reserve("a", t0), Duration::from_millis(200));
    assert_eq!(per_target.partition(), Partition::PerTarget);

    let shared = AdaptiveLimiter::builder()
        .min_fill_rate(10.0)
        .build()
        .unwrap();
    shared.on_throttle("a", t0);
    assert_eq!(shared.rate("b"), Some(10.0));
    assert_eq!(shared.reserve("b", t0), Duration::from_millis(100));
    assert_eq!(shared.partition(), Partition::Shared);
}

#[test]
fn clones_share_the_state() {
    fn send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    send_sync::<AdaptiveLimiter>();
    let l = AdaptiveLimiter::default();
    let c = l.clone();
    assert!(l.shares_state_with(&c));
    assert!(!l.shares_state_with(&AdaptiveLimiter::default()));
    c.on_throttle("op", Instant::now());
    assert_eq!(l.throttles(), 1);
    let debug = format!("{l:?}");
    assert!(
        debug.starts_with("AdaptiveLimiter { partition: Shared, beta: 0.7, scale_constant: 0.4")
    );
    assert!(debug.contains("throttles: 1"));
}

#[test]
fn the_builder_reports_every_broken_rule() {
    let err = AdaptiveLimiter::builder()
        .beta(0.0)
        .scale_constant(f64::NAN)
        .smoothing(1.5)
        .measure_bucket(Duration::ZERO)
        .min_fill_rate(-1.0)
        .max_growth(0.5)
        .max_wait(Duration::from_secs(7200))
        .throttle_holdoff(Duration::from_secs(7200))
        .build()
        .unwrap_err();
    let fields: Vec<_> = err.violations().iter().map(|v| v.field).collect();
    assert_eq!(
        fields,
        [
            "beta",
            "scale_constant",
            "smoothing",
            "measure_bucket",
            "min_fill_rate",
            "max_growth",
            "max_wait",
            "throttle_holdoff"
        ]
    );
    assert_eq!(
        AdaptiveLimiter::builder()
            .max_wait(Duration::ZERO)
            .build()
            .unwrap_err()
            .violations(),
        [Violation::new("max_wait", "must be greater than 0")]
    );
    assert!(
        AdaptiveLimiter::builder()
            .beta(0.999)
            .smoothing(1.0)
            .max_growth(1.0)
            .throttle_holdoff(Duration::ZERO)
            .build()
            .is_ok()
    );
    // Each bound at its edge: the open ends are refused, one rule at a time.
    let refused = |builder: retry_runtime::limiter::AdaptiveLimiterBuilder| -> Vec<&str> {
        builder.build().map_or_else(
            |e| e.violations().iter().map(|v| v.field).collect(),
            |_| vec![],
        )
    };
    let b = AdaptiveLimiter::builder;
    assert_eq!(refused(b().beta(1.0)), ["beta"]);
    assert_eq!(refused(b().scale_constant(0.0)), ["scale_constant"]);
    assert_eq!(refused(b().scale_constant(-1.0)), ["scale_constant"]);
    assert_eq!(
        refused(b().scale_constant(f64::INFINITY)),
        ["scale_constant"]
    );
    assert_eq!(refused(b().smoothing(0.0)), ["smoothing"]);
    assert_eq!(refused(b().min_fill_rate(0.0)), ["min_fill_rate"]);
    assert!(refused(b().scale_constant(1e9).min_fill_rate(1e9)).is_empty());
}

/// A server with a token bucket: `rate` per second, `burst` tokens.
struct Server {
    rate: f64,
    burst: f64,
    tokens: f64,
    last: u64,
}

impl Server {
    fn admit(&mut self, now: u64) -> bool {
        self.tokens = (self.tokens + (now - self.last) as f64 * 1e-9 * self.rate).min(self.burst);
        self.last = now;
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            true
        } else {
            false
        }
    }
}

struct Run {
    sends: Vec<u64>,
    throttles: Vec<u64>,
}

fn simulate(
    limiter: &AdaptiveLimiter,
    senders: usize,
    service: Duration,
    phases: &[(f64, f64, u64)],
) -> Run {
    let t0 = Instant::now();
    let at = |n: u64| t0 + Duration::from_nanos(n);
    let end_s: u64 = phases.iter().map(|p| p.2).sum();
    let end = end_s * 1_000_000_000;
    let mut run = Run {
        sends: vec![0; end_s as usize],
        throttles: vec![0; end_s as usize],
    };
    let mut server = Server {
        rate: phases[0].0,
        burst: phases[0].1,
        tokens: phases[0].1,
        last: 0,
    };
    // (time, seq, sender, answer?: 0 send, 1 success, 2 throttle)
    let mut queue = BinaryHeap::new();
    let mut seq = 0u64;
    for i in 0..senders {
        queue.push(Reverse((0u64, seq, i, 0u8)));
        seq += 1;
    }
    let mut phase = 0;
    let mut phase_end = phases[0].2 * 1_000_000_000;
    while let Some(Reverse((now, _, i, kind))) = queue.pop() {
        if now >= end {
            break;
        }
        while now >= phase_end {
            phase += 1;
            server.admit(phase_end);
            server.rate = phases[phase].0;
            server.burst = phases[phase].1;
            phase_end += phases[phase].2 * 1_000_000_000;
        }
        let sec = (now / 1_000_000_000) as usize;
        let next = match kind {
            0 => {
                run.sends[sec] += 1;
                let ok = server.admit(now);
                if !ok {
                    run.throttles[sec] += 1;
                }
                (now + service.as_nanos() as u64, if ok { 1 } else { 2 })
            }
            _ => {
                if kind == 2 {
                    limiter.on_throttle("op", at(now));
                } else {
                    limiter.on_success("op", at(now));
                }
                let wait = limiter.reserve("op", at(now));
                if std::env::var("TRACE").is_ok() && (kind == 2 || now % 100_000_000 < 3_000_000) {
                    println!(
                        "{:8.3} k{kind} i{i} rate {:?} measured {:?} wait {:?}",
                        now as f64 * 1e-9,
                        limiter.rate("op"),
                        limiter.measured_rate("op"),
                        wait
                    );
                }
                (now + wait.as_nanos() as u64, 0)
            }
        };
        queue.push(Reverse((next.0, seq, i, next.1)));
        seq += 1;
    }
    run
}

/// 64 senders, each sending again as soon as its answer arrives (a throttled one at once:
/// no backoff, the harsh case where the limiter alone holds the rate), 5 ms of service time,
/// against a server allowing 50 req/s (a bucket of `burst` tokens) for 30 s, then 200 req/s.
///
/// Figures (synthetic time, deterministic), burst 10 / burst 50:
/// - the first second: 64 / 86 throttles: the limiter is off until the first throttle, so the
///   64 first sends (and the sends answered before the first throttle) meet the server's
///   bucket unpaced; the first throttle arrives after 5 ms, before any 0.5 s measurement
///   bucket closes, so the rate starts from the answers so far over 0.5 s (22/s), and climbs
///   back along the curve: 50 req/s is reached after about 9 s / 1 s;
/// - seconds 10 to 30: 52.6 / 51.0 req/s on average (1.05x / 1.02x the limit), every 5 s
///   window between 47 and 56 req/s; throttles 4.8% / 2.5% of sends;
/// - the whole first 30 s: throttles 8.4% / 8.3% of sends (the start-up burst is most of it);
/// - after the raise to 200 req/s: 150 req/s is reached in the 6th / 7th second;
/// - the whole 60 s: throttles 2.3% / 3.0% of sends.
#[test]
fn sixty_four_senders_settle_at_the_server_limit() {
    for burst in [10.0, 50.0] {
        let limiter = AdaptiveLimiter::default();
        let run = simulate(
            &limiter,
            64,
            Duration::from_millis(5),
            &[(50.0, burst, 30), (200.0, burst * 4.0, 30)],
        );
        let sum = |v: &[u64]| v.iter().sum::<u64>();
        let share =
            |a: usize, b: usize| sum(&run.throttles[a..b]) as f64 / sum(&run.sends[a..b]) as f64;
        let mean = sum(&run.sends[10..30]) as f64 / 20.0;
        let windows: Vec<f64> = run.sends[10..30]
            .chunks(5)
            .map(|w| sum(w) as f64 / 5.0)
            .collect();
        let to_150 = (30..60).find(|&s| run.sends[s] >= 150).map(|s| s + 1 - 30);
        println!(
            "burst {burst}: sends/s {:?}\nthrottles/s {:?}\nmean 10-30 s {mean:.1}, 5 s windows {windows:?}, \
             throttle share 0-30 s {:.3}, 10-30 s {:.3}, 0-60 s {:.3}; 150 req/s in second {to_150:?}",
            run.sends,
            run.throttles,
            share(0, 30),
            share(10, 30),
            share(0, 60)
        );
        assert!((40.0..=55.0).contains(&mean), "mean {mean}");
        assert!(
            windows
                .iter()
                .all(|w| (0.8 * 50.0..=1.15 * 50.0).contains(w)),
            "{windows:?}"
        );
        assert!(
            share(10, 30) <= 0.05,
            "steady throttle share {}",
            share(10, 30)
        );
        assert!(share(0, 60) <= 0.05, "throttle share {}", share(0, 60));
        assert!(to_150.is_some_and(|s| s <= 10), "to 150: {to_150:?}");
    }
}

// The limiter in the engine (`Policy::limiter`), on tokio's paused clock.

#[derive(Debug, Clone, PartialEq)]
struct Throttled(u64);

/// A policy that reads a `Throttled(secs)` error's floor as `Retry-After` and retries with
/// 10 ms waits.
fn limited(limiter: &AdaptiveLimiter) -> impl retry_runtime::RetryPolicy<u32, Throttled> {
    retry_runtime::Policy::new()
        .max_tries(10)
        .wait_gen(retry_runtime::wait::constant().interval(0.01))
        .jitter(retry_runtime::jitter::no_jitter)
        .wait_floor(|e: &Throttled| Some(Duration::from_secs(e.0)))
        .limiter(limiter)
}

/// The limiter's `Duration` per send once it is on at `rate`, measured by `reserve`.
fn spacing(limiter: &AdaptiveLimiter) -> Duration {
    let now = tokio::time::Instant::now().into_std();
    let first = limiter.reserve("", now);
    limiter.reserve("", now) - first
}

#[tokio::test(start_paused = true)]
async fn a_throttle_switches_the_limiter_on_and_first_attempts_then_wait_their_turn() {
    let limiter = AdaptiveLimiter::builder().build().unwrap();
    // Off: nothing waits.
    let started = tokio::time::Instant::now();
    for _ in 0..10 {
        let ok: Result<u32, Throttled> =
            retry_runtime::retry_async(limited(&limiter), || async { Ok(1) }).await;
        assert_eq!(ok, Ok(1));
    }
    assert_eq!(started.elapsed(), Duration::ZERO);
    assert_eq!(limiter.rate(""), None);
    // A throttle (an error with a floor) switches it on; the retry waits the larger of its
    // floor and the limiter's turn.
    let mut answers = vec![Err(Throttled(0)), Ok(2)].into_iter();
    let ok = retry_runtime::retry_async(limited(&limiter), || {
        std::future::ready(answers.next().unwrap())
    })
    .await;
    assert_eq!(ok, Ok(2));
    assert_eq!(limiter.throttles(), 1);
    let rate = limiter.rate("").expect("on");
    assert!(rate > 0.0);
    // Now every send reserves: the next calls' first attempts are spaced by the rate.
    let gap = spacing(&limiter);
    assert!(gap > Duration::ZERO);
    let delayed = limiter.sends_delayed();
    let started = tokio::time::Instant::now();
    for _ in 0..5 {
        let ok: Result<u32, Throttled> =
            retry_runtime::retry_async(limited(&limiter), || async { Ok(3) }).await;
        assert_eq!(ok, Ok(3));
    }
    assert!(limiter.sends_delayed() >= delayed + 5);
    assert!(started.elapsed() > Duration::ZERO);
}

#[tokio::test(start_paused = true)]
async fn a_retry_held_past_max_time_by_the_limiter_gives_up_there() {
    let limiter = AdaptiveLimiter::builder()
        .min_fill_rate(0.5)
        .build()
        .unwrap();
    let policy = || {
        retry_runtime::Policy::new()
            .max_time(1)
            // A bound, so that a limiter that never holds a retry fails the test, not hangs it.
            .max_tries(100)
            .wait_gen(retry_runtime::wait::constant().interval(0))
            .wait_floor(|_: &Throttled| Some(Duration::ZERO))
            .limiter(&limiter)
    };
    // Throttled at once and every time: the limiter drops to its least rate, and a retry that
    // would wait past max_time ends the call with its last error.
    let started = tokio::time::Instant::now();
    let attempts = std::sync::atomic::AtomicU32::new(0);
    let result: Result<u32, Throttled> = retry_runtime::retry_async(policy(), || async {
        attempts.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        Err(Throttled(0))
    })
    .await;
    assert_eq!(result, Err(Throttled(0)));
    assert!(limiter.rate("").is_some());
    // The first throttle switches the limiter on; the retry waits its turn within max_time,
    // and the next would wait past it: two attempts, where a limiter that held nothing would
    // run all 100 at once.
    assert_eq!(attempts.into_inner(), 2);
    assert!(
        started.elapsed() <= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert!(limiter.throttles() >= 2);
}

#[tokio::test(start_paused = true)]
async fn a_limiter_that_holds_nothing_leaves_the_last_wait_cut_to_max_time() {
    // Never throttled, the limiter asks no wait: backoff's rule holds, with attempts at 0 and
    // 3 s, and the last at the 5 s deadline after a wait cut from 3 s to 2 s.
    let limiter = AdaptiveLimiter::builder().build().unwrap();
    let policy = retry_runtime::Policy::new()
        .max_time(5)
        .max_tries(10)
        .wait_gen(retry_runtime::wait::constant().interval(3))
        .jitter(retry_runtime::jitter::no_jitter)
        .limiter(&limiter);
    let started = tokio::time::Instant::now();
    let tried_at = std::sync::Mutex::new(Vec::new());
    let result: Result<u32, Throttled> = retry_runtime::retry_async(policy, || async {
        tried_at.lock().unwrap().push(started.elapsed());
        Err(Throttled(0))
    })
    .await;
    assert_eq!(result, Err(Throttled(0)));
    assert_eq!(
        tried_at.into_inner().unwrap(),
        [
            Duration::ZERO,
            Duration::from_secs(3),
            Duration::from_secs(5)
        ]
    );
    // The policy has no wait floor, so its failures are no throttles.
    assert_eq!(limiter.throttles(), 0);
    assert!(limiter.rate("").is_none(), "never switched on");
}

#[tokio::test(start_paused = true)]
async fn a_throttled_limiter_starts_no_hedge() {
    // In debt, so every reservation now waits.
    let limiter = support::limiter_in_debt();
    let started = std::sync::atomic::AtomicU32::new(0);
    let policy = retry_runtime::Policy::new()
        .max_tries(3)
        .hedge_delay(Duration::from_millis(10))
        .limiter(&limiter);
    let origin = tokio::time::Instant::now();
    let first_at = std::sync::Mutex::new(None);
    let result: Result<u32, Throttled> = bounded(retry_runtime::retry_async(policy, || {
        started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        first_at.lock().unwrap().get_or_insert(origin.elapsed());
        async {
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(1)
        }
    }))
    .await;
    assert_eq!(result, Ok(1));
    // One attempt: its hedges would have needed a wait.
    assert_eq!(started.load(std::sync::atomic::Ordering::Relaxed), 1);
    // And the first attempt itself waited its turn.
    assert!(first_at.into_inner().unwrap().unwrap() > Duration::ZERO);
}

/// A hedged `#[retry]` fn (the macro's driver) under a limiter.
struct LimitedService {
    limiter: AdaptiveLimiter,
    started_at: std::sync::Mutex<Vec<Duration>>,
    origin: tokio::time::Instant,
}

impl LimitedService {
    #[retry_runtime::retry(max_tries = 3, hedge_delay = 0.01, limiter = &self.limiter)]
    async fn answer(&self) -> Result<u32, Throttled> {
        self.started_at.lock().unwrap().push(self.origin.elapsed());
        Ok(1)
    }
}

#[tokio::test(start_paused = true)]
async fn the_macros_hedged_driver_holds_the_first_attempt_while_the_limiter_is_in_debt() {
    let service = LimitedService {
        limiter: support::limiter_in_debt(),
        started_at: std::sync::Mutex::new(Vec::new()),
        origin: tokio::time::Instant::now(),
    };
    assert_eq!(bounded(service.answer()).await, Ok(1));
    let started_at = service.started_at.into_inner().unwrap();
    assert_eq!(started_at.len(), 1);
    assert!(
        started_at[0] > Duration::ZERO,
        "waited its turn: {started_at:?}"
    );
    // Without debt, the first attempt starts at once.
    let service = LimitedService {
        limiter: AdaptiveLimiter::builder().build().unwrap(),
        started_at: std::sync::Mutex::new(Vec::new()),
        origin: tokio::time::Instant::now(),
    };
    assert_eq!(bounded(service.answer()).await, Ok(1));
    assert_eq!(*service.started_at.lock().unwrap(), [Duration::ZERO]);
}

#[tokio::test(start_paused = true)]
async fn a_retry_the_limiter_holds_until_exactly_max_time_still_runs_there() {
    // At 10 requests per second with an empty bucket, each send waits 100 ms for its token:
    // the first attempt goes at 100 ms, and its retry's turn comes at 200 ms, exactly when
    // max_time ends. That retry still runs (as backoff's last attempt at the deadline would);
    // one held past the deadline would not.
    let origin = tokio::time::Instant::now();
    let limiter = at_rate(10.0, Duration::from_secs(10), origin.into_std());
    let policy = retry_runtime::Policy::new()
        .max_time(0.2)
        .max_tries(5)
        .wait_gen(retry_runtime::wait::constant().interval(0))
        .jitter(retry_runtime::jitter::no_jitter)
        .limiter(&limiter);
    let tried_at = std::sync::Mutex::new(Vec::new());
    let result: Result<u32, Throttled> = bounded(retry_runtime::retry_async(policy, || async {
        tried_at.lock().unwrap().push(origin.elapsed());
        Err(Throttled(0))
    }))
    .await;
    assert_eq!(result, Err(Throttled(0)));
    assert_eq!(
        tried_at.into_inner().unwrap(),
        [Duration::from_millis(100), Duration::from_millis(200)]
    );
}

#[test]
fn a_blocking_call_waits_the_limiters_turn_before_its_first_attempt() {
    let limiter = support::limiter_in_debt();
    let clock = support::FakeClock::new();
    let policy = retry_runtime::Policy::new()
        .max_tries(1)
        .limiter(&limiter)
        .sleeper(&clock);
    let mut started_at = None;
    let result: Result<u32, Throttled> = retry_runtime::retry_blocking(policy, || {
        started_at = Some(clock.elapsed());
        Ok(1)
    });
    assert_eq!(result, Ok(1));
    assert!(
        started_at.is_some_and(|at| at > Duration::ZERO),
        "held by the limiter: {started_at:?}"
    );
}

/// Thirty callers throttled at once, each told to wait 5 s (`Throttled(5)`): their retries'
/// send times, each call's second attempt. `call` makes one call whose attempts report to
/// `attempt` (which answers the first with the throttle, after 10 ms so that every first
/// attempt is made before the limiter sees a throttle).
async fn retries_after_one_throttle<F, Fut>(call: F) -> Vec<tokio::time::Instant>
where
    F: Fn(AdaptiveLimiter, std::sync::Arc<Attempts>) -> Fut,
    Fut: std::future::Future<Output = Result<u32, Throttled>> + 'static,
{
    let limiter = AdaptiveLimiter::builder().build().unwrap();
    let mut tasks = Vec::new();
    let attempts = std::sync::Arc::new(Attempts::default());
    for _ in 0..30 {
        let call = call(limiter.clone(), attempts.clone());
        tasks.push(tokio::task::spawn_local(bounded(call)));
    }
    for task in tasks {
        assert_eq!(task.await.unwrap(), Ok(2));
    }
    let rate = limiter.rate("").expect("switched on by the throttles");
    assert!(rate > 1.0, "{rate}");
    std::sync::Arc::into_inner(attempts)
        .unwrap()
        .retried_at
        .into_inner()
        .unwrap()
}

/// What the callers' attempts saw: when each retry was sent.
#[derive(Default)]
struct Attempts {
    retried_at: std::sync::Mutex<Vec<tokio::time::Instant>>,
}

impl Attempts {
    /// One attempt: a call's first is throttled after 10 ms, its second succeeds.
    async fn attempt(&self, first: bool) -> Result<u32, Throttled> {
        if first {
            tokio::time::sleep(Duration::from_millis(10)).await;
            Err(Throttled(5))
        } else {
            self.retried_at
                .lock()
                .unwrap()
                .push(tokio::time::Instant::now());
            Ok(2)
        }
    }
}

/// The retries go out as the limiter's bucket allows when they are sent: at most its capacity
/// (one second at its rate) at the instant the 5 s wait ends, the rest paced after it. Had each
/// retry reserved its token when it was decided, its slot (within 1.5 s of the throttle) would
/// have passed unused during the 5 s wait, and all thirty would go at once.
fn assert_paced(retried_at: &[tokio::time::Instant]) {
    assert_eq!(retried_at.len(), 30);
    let first = *retried_at.iter().min().unwrap();
    let last = *retried_at.iter().max().unwrap();
    let together = retried_at.iter().filter(|&&t| t == first).count();
    assert!(together < 30, "all {together} retries sent at once");
    assert!(last > first, "{:?}", last - first);
}

#[tokio::test(start_paused = true)]
async fn a_retry_reserves_its_token_when_it_is_sent_not_when_it_is_decided() {
    let local = tokio::task::LocalSet::new();
    let retried_at = local
        .run_until(retries_after_one_throttle(|limiter, attempts| async move {
            let mut first = true;
            retry_runtime::retry_async(limited(&limiter), || {
                let this = std::mem::replace(&mut first, false);
                let attempts = attempts.clone();
                async move { attempts.attempt(this).await }
            })
            .await
        }))
        .await;
    assert_paced(&retried_at);
}

/// The macro's eager loop and its hedged driver, as `retry_async` above.
struct Throttling {
    limiter: AdaptiveLimiter,
    attempts: std::sync::Arc<Attempts>,
    first: std::cell::Cell<bool>,
}

impl Throttling {
    #[retry_runtime::retry(max_tries = 3, wait_gen = retry_runtime::wait::constant, interval = 0.01, jitter = None,
        wait_floor = |e: &Throttled| Some(Duration::from_secs(e.0)), limiter = &self.limiter)]
    async fn eager(&self) -> Result<u32, Throttled> {
        self.attempts.attempt(self.first.replace(false)).await
    }

    #[retry_runtime::retry(max_tries = 3, wait_gen = retry_runtime::wait::constant, interval = 0.01, jitter = None,
        wait_floor = |e: &Throttled| Some(Duration::from_secs(e.0)), limiter = &self.limiter,
        hedge_delay = 60)]
    async fn hedged(&self) -> Result<u32, Throttled> {
        self.attempts.attempt(self.first.replace(false)).await
    }
}

#[tokio::test(start_paused = true)]
async fn the_macros_loops_reserve_a_retrys_token_when_it_is_sent() {
    for hedged in [false, true] {
        let local = tokio::task::LocalSet::new();
        let retried_at = local
            .run_until(retries_after_one_throttle(|limiter, attempts| async move {
                let service = Throttling {
                    limiter,
                    attempts,
                    first: std::cell::Cell::new(true),
                };
                if hedged {
                    service.hedged().await
                } else {
                    service.eager().await
                }
            }))
            .await;
        assert_paced(&retried_at);
    }
}

#[tokio::test(start_paused = true)]
async fn a_retry_the_limiter_holds_longer_than_foreseen_runs_at_the_deadline() {
    // At 10 req/s with an empty bucket: the first attempt at 100 ms; its retry, 300 ms later,
    // would find a token then, so it is decided. Other callers then reserve 20 sends at 200 ms:
    // when the retry's wait ends at 400 ms, its turn would come after 2 s. Its wait is cut to
    // the time left, and it runs at the 1 s deadline.
    let origin = tokio::time::Instant::now();
    let limiter = at_rate(10.0, Duration::from_secs(10), origin.into_std());
    let policy = retry_runtime::Policy::new()
        .max_time(1)
        .max_tries(5)
        .wait_gen(retry_runtime::wait::constant().interval(0.3))
        .jitter(retry_runtime::jitter::no_jitter)
        .limiter(&limiter);
    let tried_at = std::sync::Mutex::new(Vec::new());
    let call = retry_runtime::retry_async(policy, || async {
        tried_at.lock().unwrap().push(origin.elapsed());
        Err::<u32, _>(Throttled(0))
    });
    let others = async {
        tokio::time::sleep(Duration::from_millis(200)).await;
        for _ in 0..20 {
            limiter.reserve("", tokio::time::Instant::now().into_std());
        }
    };
    let (result, ()) = tokio::join!(bounded(call), others);
    assert_eq!(result, Err(Throttled(0)));
    assert_eq!(
        tried_at.into_inner().unwrap(),
        [Duration::from_millis(100), Duration::from_secs(1)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_first_attempt_waits_its_turn_whatever_max_time_says() {
    // 20 sends owed at 10 req/s: the call's first attempt waits 2.1 s for its token, past its
    // 1 s max_time. A first attempt is always made (as backoff's is); max_time bounds the
    // retries, and the limiter's own max_wait bounds the wait.
    let origin = tokio::time::Instant::now();
    let limiter = at_rate(10.0, Duration::from_secs(10), origin.into_std());
    for _ in 0..20 {
        limiter.reserve("", origin.into_std());
    }
    let policy = retry_runtime::Policy::new()
        .max_time(1)
        .max_tries(5)
        .limiter(&limiter);
    let tried_at = std::sync::Mutex::new(Vec::new());
    let result: Result<u32, Throttled> = bounded(retry_runtime::retry_async(policy, || async {
        tried_at.lock().unwrap().push(origin.elapsed());
        Ok(1)
    }))
    .await;
    assert_eq!(result, Ok(1));
    assert_eq!(
        tried_at.into_inner().unwrap(),
        [Duration::from_millis(2_100)]
    );
}

#[tokio::test(start_paused = true)]
async fn a_retry_beside_a_running_attempt_takes_its_token_when_decided() {
    // Hedged: the first attempt is slow, its hedge (at 10 ms) fails at once, and the retry
    // starts beside the first attempt with no wait. A send that starts alone reserves in
    // `admit`, a hedge when it is due, and the retry, sent at once, when it is decided.
    let limiter = AdaptiveLimiter::builder().build().unwrap();
    let policy = retry_runtime::Policy::new()
        .max_tries(3)
        .max_hedges(1)
        .hedge_delay(Duration::from_millis(10))
        .limiter(&limiter);
    let started = std::sync::atomic::AtomicU32::new(0);
    let result: Result<u32, Throttled> = bounded(retry_runtime::retry_async(policy, || {
        let n = started.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        async move {
            if n == 1 {
                return Err(Throttled(0));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            Ok(n)
        }
    }))
    .await;
    assert_eq!(result, Ok(0));
    assert_eq!(started.into_inner(), 3);
    assert_eq!(
        limiter.sends(),
        3,
        "the first attempt, the hedge and the retry"
    );
}
