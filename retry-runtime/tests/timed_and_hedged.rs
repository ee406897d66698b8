//! Per-attempt timeouts and hedging driven by `retry_async` under a `Policy` or settings, on
//! tokio's paused clock (every time asserted is exact): when an attempt is timed, when a hedge
//! starts, what bounds the hedges, what a failure does while other attempts run, and what a
//! self-tuning delay learns.

mod support;

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_runtime::latency::{AutoHedge, LatencyTracker};
use retry_runtime::{
    AttemptTimedOut, Details, GiveUpReason, Policy, RetrySettings, retry_async, retry_blocking,
    wait,
};
use support::bounded;
use tokio::time::{Instant, sleep};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Busy(u32),
    TimedOut(AttemptTimedOut),
}

impl From<AttemptTimedOut> for Error {
    fn from(timed_out: AttemptTimedOut) -> Self {
        Error::TimedOut(timed_out)
    }
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// One planned attempt: how long it takes, and whether it then fails.
#[derive(Clone, Copy)]
struct Plan {
    takes: u64,
    fails: bool,
}

const fn ok(takes: u64) -> Plan {
    Plan {
        takes,
        fails: false,
    }
}

const fn busy(takes: u64) -> Plan {
    Plan { takes, fails: true }
}

/// Attempts that follow a plan: attempt `n` (from 1) takes `plan[n - 1].takes` ms, then
/// answers `Ok(n)` or `Err(Busy(n))`; past the plan an attempt hangs for an hour. Counts the
/// attempts started and the attempts dropped before they answered.
#[derive(Clone)]
struct Script {
    plan: &'static [Plan],
    started: Arc<AtomicU32>,
    dropped: Arc<AtomicU32>,
}

/// Counts an attempt dropped before it answered.
struct Unfinished(Option<Arc<AtomicU32>>);

impl Drop for Unfinished {
    fn drop(&mut self) {
        if let Some(dropped) = self.0.take() {
            dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

impl Script {
    fn new(plan: &'static [Plan]) -> Self {
        Script {
            plan,
            started: Arc::default(),
            dropped: Arc::default(),
        }
    }

    fn attempt(&self) -> impl Future<Output = Result<u32, Error>> + use<> {
        let n = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let plan = self
            .plan
            .get(n as usize - 1)
            .copied()
            .unwrap_or(ok(3_600_000));
        let dropped = Arc::clone(&self.dropped);
        async move {
            let mut unfinished = Unfinished(Some(dropped));
            sleep(ms(plan.takes)).await;
            unfinished.0 = None;
            if plan.fails {
                Err(Error::Busy(n))
            } else {
                Ok(n)
            }
        }
    }

    fn started(&self) -> u32 {
        self.started.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> u32 {
        self.dropped.load(Ordering::SeqCst)
    }
}

type Seen = Arc<Mutex<Vec<(u32, Option<Duration>, u32, Option<GiveUpReason>)>>>;

/// A hook recording (tries, wait, running, reason) of each event.
fn recorder(seen: &Seen) -> impl Fn(&Details<'_, Error>) + Send + Sync + 'static {
    let seen = Arc::clone(seen);
    move |d| {
        seen.lock()
            .unwrap()
            .push((d.tries, d.wait, d.running, d.reason))
    }
}

#[tokio::test(start_paused = true)]
async fn a_hanging_attempt_is_dropped_at_its_timeout_and_retried() {
    static PLAN: [Plan; 2] = [ok(3_600_000), ok(0)];
    let script = Script::new(&PLAN);
    let errors = Arc::new(Mutex::new(Vec::new()));
    let errors_seen = Arc::clone(&errors);
    let policy = Policy::new()
        .max_tries(3)
        .attempt_timeout(1)
        .wait_gen(wait::constant().interval(0))
        .on_backoff(move |d: &Details<'_, Error>| {
            errors_seen.lock().unwrap().push(d.error().cloned());
        });
    let start = Instant::now();
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(2)
    );
    assert_eq!(start.elapsed(), ms(1000));
    assert_eq!((script.started(), script.dropped()), (2, 1));
    assert_eq!(
        *errors.lock().unwrap(),
        [Some(Error::TimedOut(AttemptTimedOut::new(ms(1000), 1)))]
    );
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_leaves_the_next_attempt_no_time_ends_the_call() {
    // Attempt 1 times out at 2 s; the 1.5 s wait would be cut to the 1 s left, and attempt 2
    // would have no time at all: the call gives up at 2 s with attempt 1's outcome.
    static PLAN: [Plan; 2] = [ok(60_000), ok(60_000)];
    let script = Script::new(&PLAN);
    let seen = Seen::default();
    let policy = Policy::new()
        .attempt_timeout(2)
        .max_time(3)
        .max_tries(10)
        .wait_gen(wait::constant().interval(1.5))
        .jitter(retry_runtime::jitter::no_jitter)
        .on_backoff(recorder(&seen))
        .on_giveup(recorder(&seen));
    let start = Instant::now();
    let result = bounded(retry_async(policy, || script.attempt())).await;
    assert_eq!(start.elapsed(), ms(2000));
    assert_eq!(
        result,
        Err(Error::TimedOut(AttemptTimedOut::new(ms(2000), 1)))
    );
    assert_eq!(script.started(), 1);
    assert_eq!(
        *seen.lock().unwrap(),
        [(1, None, 0, Some(GiveUpReason::MaxTime))]
    );
    // With time left after the wait (0.5 s), the attempt runs, cut to what is left.
    let script = Script::new(&PLAN);
    let policy = Policy::new()
        .attempt_timeout(2)
        .max_time(3)
        .max_tries(10)
        .wait_gen(wait::constant().interval(0.5))
        .jitter(retry_runtime::jitter::no_jitter);
    let start = Instant::now();
    let result = bounded(retry_async(policy, || script.attempt())).await;
    assert_eq!(start.elapsed(), ms(3000));
    assert_eq!(
        result,
        Err(Error::TimedOut(AttemptTimedOut::new(ms(500), 2)))
    );
}

#[test]
fn a_blocking_call_keeps_its_last_attempt_at_the_deadline() {
    // A blocking call has no attempt timeout (it cannot be cancelled): `backoff`'s rule holds,
    // the last wait is cut to the deadline and one more attempt runs there.
    let clock = support::FakeClock::new();
    let policy = Policy::<u32, Error>::new()
        .attempt_timeout(2)
        .max_time(3)
        .max_tries(10)
        .wait_gen(wait::constant().interval(1.5))
        .jitter(retry_runtime::jitter::no_jitter)
        .sleeper(&clock);
    let mut tried_at = Vec::new();
    let result = retry_blocking(policy, || {
        tried_at.push(clock.elapsed());
        Err::<u32, _>(Error::Busy(0))
    });
    assert_eq!(result, Err(Error::Busy(0)));
    assert_eq!(tried_at, [ms(0), ms(1500), ms(3000)]);
}

#[tokio::test(start_paused = true)]
async fn a_slow_attempt_is_hedged_after_the_delay_and_the_first_success_wins() {
    static PLAN: [Plan; 2] = [ok(5_000), ok(30)];
    let script = Script::new(&PLAN);
    let policy = Policy::new().max_tries(3).hedge_delay(ms(100));
    let start = Instant::now();
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(2)
    );
    assert_eq!(start.elapsed(), ms(130), "the hedge started at 100 ms");
    assert_eq!((script.started(), script.dropped()), (2, 1));
}

#[tokio::test(start_paused = true)]
async fn max_hedges_bounds_the_attempts_the_delay_starts() {
    static PLAN: [Plan; 4] = [ok(1_000), ok(1_000), ok(1_000), ok(1_000)];
    let script = Script::new(&PLAN);
    let policy = Policy::new()
        .max_tries(10)
        .hedge_delay(ms(100))
        .max_hedges(1);
    let start = Instant::now();
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(start.elapsed(), ms(1000));
    assert_eq!(script.started(), 2, "the first attempt and one hedge");
    // Two hedges allowed: two more than the first.
    let script = Script::new(&PLAN);
    let policy = Policy::new()
        .max_tries(10)
        .hedge_delay(ms(100))
        .max_hedges(2);
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(script.started(), 3);
}

#[tokio::test(start_paused = true)]
async fn max_tries_bounds_the_hedges_too() {
    static PLAN: [Plan; 4] = [ok(1_000), ok(1_000), ok(1_000), ok(1_000)];
    let script = Script::new(&PLAN);
    let policy = Policy::new().max_tries(2).hedge_delay(ms(100));
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(
        script.started(),
        2,
        "two tries: the first attempt and one hedge"
    );
    let script = Script::new(&PLAN);
    let policy = Policy::new().max_tries(3).hedge_delay(ms(100));
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(script.started(), 3);
}

#[tokio::test(start_paused = true)]
async fn a_failure_while_another_attempt_runs_starts_the_next_at_once() {
    // Attempt 1 answers at 1 s; attempt 2 (the hedge, at 100 ms) fails at once; attempt 3
    // starts then, with no wait although the generator says 10 s, and answers at 150 ms.
    static PLAN: [Plan; 3] = [ok(1_000), busy(0), ok(50)];
    let script = Script::new(&PLAN);
    let seen = Seen::default();
    let policy = Policy::new()
        .max_tries(5)
        .hedge_delay(ms(100))
        .wait_gen(wait::constant().interval(10))
        .on_backoff(recorder(&seen));
    let start = Instant::now();
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(3)
    );
    assert_eq!(start.elapsed(), ms(150));
    assert_eq!(*seen.lock().unwrap(), [(2, Some(Duration::ZERO), 1, None)]);
}

#[tokio::test(start_paused = true)]
async fn settings_time_and_hedge_a_call_and_disabled_ones_do_neither() {
    // Attempt 1 hangs; attempt 2 (at 100 ms) hangs too; attempt 1 times out at 150 ms, which
    // starts attempt 3 at once; it answers 20 ms later.
    static PLAN: [Plan; 3] = [ok(5_000), ok(5_000), ok(20)];
    let settings = RetrySettings::<Error>::builder()
        .max_tries(3)
        .hedge_delay(ms(100))
        .attempt_timeout(ms(150))
        .build()
        .unwrap();
    let script = Script::new(&PLAN);
    let start = Instant::now();
    assert_eq!(
        bounded(retry_async(&settings, || script.attempt())).await,
        Ok(3)
    );
    assert_eq!(start.elapsed(), ms(170));

    let off = settings.to_builder().enabled(false).build().unwrap();
    let script = Script::new(&PLAN);
    let start = Instant::now();
    assert_eq!(bounded(retry_async(&off, || script.attempt())).await, Ok(1));
    assert_eq!(start.elapsed(), ms(5_000), "neither timed out nor hedged");
    assert_eq!(script.started(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_self_tuning_delay_learns_each_attempts_latency() {
    static PLAN: [Plan; 1] = [ok(20)];
    let tracker = LatencyTracker::builder().build().unwrap();
    let auto = AutoHedge::from(tracker.clone());
    for _ in 0..3 {
        let script = Script::new(&PLAN);
        let policy = Policy::new().max_tries(2).hedge_auto(&auto);
        assert_eq!(
            bounded(retry_async(policy, || script.attempt())).await,
            Ok(1)
        );
    }
    assert_eq!(
        tracker.samples(Instant::now().into_std()),
        3,
        "one per attempt"
    );
}

type Winners = Arc<Mutex<Vec<(u32, u32)>>>;

/// A success hook recording (tries, attempt) of the winner.
fn winners(seen: &Winners) -> impl Fn(&Details<'_, Error>) + Send + Sync + 'static {
    let seen = Arc::clone(seen);
    move |d| seen.lock().unwrap().push((d.tries, d.attempt))
}

#[tokio::test(start_paused = true)]
async fn a_hedged_success_runs_the_success_hooks_once_with_the_winner() {
    static PLAN: [Plan; 2] = [ok(5_000), ok(30)];
    // A policy's hook.
    let seen = Winners::default();
    let script = Script::new(&PLAN);
    let policy = Policy::new()
        .max_tries(3)
        .hedge_delay(ms(100))
        .on_success(winners(&seen));
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(2)
    );
    assert_eq!(
        *seen.lock().unwrap(),
        [(2, 2)],
        "two started, the second won"
    );
    // Settings' hook, hedged and not.
    let seen = Winners::default();
    let settings = RetrySettings::<Error>::builder()
        .max_tries(3)
        .hedge_delay(ms(100))
        .on_success(winners(&seen))
        .build()
        .unwrap();
    let script = Script::new(&PLAN);
    assert_eq!(
        bounded(retry_async(&settings, || script.attempt())).await,
        Ok(2)
    );
    assert_eq!(*seen.lock().unwrap(), [(2, 2)]);
    static RETRIED: [Plan; 2] = [busy(0), ok(0)];
    let sequential = settings.to_builder().no_hedge_delay().build().unwrap();
    let script = Script::new(&RETRIED);
    assert_eq!(
        bounded(retry_async(&sequential, || script.attempt())).await,
        Ok(2)
    );
    assert_eq!(*seen.lock().unwrap(), [(2, 2), (2, 2)]);
}

#[tokio::test(start_paused = true)]
async fn settings_bound_their_hedges_and_a_policy_without_its_own_takes_theirs() {
    static SLOW: [Plan; 6] = [ok(1_000); 6];
    let settings = RetrySettings::<Error>::builder()
        .max_tries(6)
        .hedge_delay(ms(100))
        .build()
        .unwrap();
    // No bound of hedges: every try may be one.
    let script = Script::new(&SLOW);
    let policy = Policy::new().settings(&settings);
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(script.started(), 6);
    // The settings' bound: two hedges.
    let capped = settings.to_builder().max_hedges(2).build().unwrap();
    let script = Script::new(&SLOW);
    assert_eq!(
        bounded(retry_async(&capped, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(script.started(), 3);
}

#[tokio::test(start_paused = true)]
async fn settings_hedge_only_a_policy_that_may_hedge() {
    static SLOW: [Plan; 3] = [ok(1_000); 3];
    let settings = RetrySettings::<Error>::builder()
        .max_tries(3)
        .hedge_delay(ms(100))
        .build()
        .unwrap();
    // A policy timing its attempts but naming no hedge delay may not hedge: one attempt.
    let script = Script::new(&SLOW);
    let timed_only = Policy::new().attempt_timeout(10).settings(&settings);
    assert_eq!(
        bounded(retry_async(timed_only, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(script.started(), 1);
    // Naming the key, even as `None`, makes it hedge-capable: the settings' delay applies.
    let script = Script::new(&SLOW);
    let capable = Policy::new().hedge_delay(None::<f64>).settings(&settings);
    assert_eq!(
        bounded(retry_async(capable, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(script.started(), 3);
}

#[tokio::test(start_paused = true)]
async fn settings_give_their_self_tuning_delay_every_attempts_latency() {
    static PLAN: [Plan; 1] = [ok(20)];
    let tracker = LatencyTracker::builder().build().unwrap();
    let settings = RetrySettings::<Error>::builder()
        .max_tries(2)
        .hedge_auto(AutoHedge::from(tracker.clone()))
        .build()
        .unwrap();
    for _ in 0..4 {
        let script = Script::new(&PLAN);
        assert_eq!(
            bounded(retry_async(&settings, || script.attempt())).await,
            Ok(1)
        );
    }
    assert_eq!(tracker.samples(Instant::now().into_std()), 4);
}

#[test]
fn a_timeout_says_which_attempt_and_how_long_it_was_given() {
    let timed_out = AttemptTimedOut::new(ms(1500), 3);
    assert_eq!(timed_out.attempt(), 3);
    assert_eq!(timed_out.timeout(), ms(1500));
    assert_eq!(timed_out.to_string(), "attempt 3 timed out after 1.5s");
}

#[tokio::test(start_paused = true)]
async fn a_zero_negative_or_nan_delay_or_timeout_is_off() {
    static PLAN: [Plan; 2] = [ok(1_000), ok(0)];
    for off in [0.0, -1.0, f64::NAN] {
        let script = Script::new(&PLAN);
        let policy = Policy::new()
            .max_tries(2)
            .hedge_delay(off)
            .attempt_timeout(off);
        let start = Instant::now();
        assert_eq!(
            bounded(retry_async(policy, || script.attempt())).await,
            Ok(1)
        );
        assert_eq!(start.elapsed(), ms(1000), "{off}: neither cut nor hedged");
        assert_eq!(script.started(), 1, "{off}");
    }
    // The least positive delay is on.
    let script = Script::new(&PLAN);
    let policy = Policy::new().max_tries(2).hedge_delay(0.001);
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(2)
    );
}

#[tokio::test(start_paused = true)]
async fn no_hedge_starts_once_max_time_is_reached() {
    // The hedge falls due at 1 s, when max_time is reached: it does not start, and the call
    // waits for its one attempt.
    static PLAN: [Plan; 2] = [ok(5_000), ok(30)];
    let script = Script::new(&PLAN);
    let policy = Policy::new().max_tries(3).max_time(1).hedge_delay(1);
    let start = Instant::now();
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(1)
    );
    assert_eq!(start.elapsed(), ms(5_000));
    assert_eq!(script.started(), 1);
    // A moment earlier, it starts and wins.
    let script = Script::new(&PLAN);
    let policy = Policy::new().max_tries(3).max_time(1).hedge_delay(0.999);
    assert_eq!(
        bounded(retry_async(policy, || script.attempt())).await,
        Ok(2)
    );
}
