//! `attempt_timeout`: an attempt that has not finished is dropped and fails with the fn's error
//! built from `AttemptTimedOut`, which then goes through `exception`, `giveup`, the hooks and
//! `Details` like any error; each timeout is cut to the time left before `max_time`. Every
//! test runs on tokio's paused clock, so the times asserted are exact.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::wait::constant;
use retry_runtime::{AttemptTimedOut, Details, ErrorClass, GiveUpReason, RetrySettings, retry};
use tokio::time::{Instant, sleep};

#[derive(Debug, Clone, PartialEq)]
enum CallError {
    TimedOut(AttemptTimedOut),
    Unavailable,
}

impl From<AttemptTimedOut> for CallError {
    fn from(timed_out: AttemptTimedOut) -> Self {
        CallError::TimedOut(timed_out)
    }
}

/// Only 503-like errors: a timeout is not in this class.
struct Unavailable;

impl ErrorClass<CallError> for Unavailable {
    fn is_instance(error: &CallError) -> bool {
        matches!(error, CallError::Unavailable)
    }
}

fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// Counts drops: a timed-out attempt must be dropped, not left running.
struct DropCounter(&'static AtomicU32);

impl Drop for DropCounter {
    fn drop(&mut self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

/// Attempt `n` (from 1) of the fns below sleeps `plan[n - 1]` ms then succeeds with `n`; past
/// the plan it answers at once.
async fn planned(calls: &AtomicU32, plan: &[u64]) -> Result<u32, CallError> {
    let n = calls.fetch_add(1, Ordering::SeqCst) + 1;
    let took = plan.get(n as usize - 1).copied().unwrap_or(0);
    sleep(millis(took)).await;
    Ok(n)
}

static HANGS_ONCE: AtomicU32 = AtomicU32::new(0);
static HANGS_ONCE_DROPPED: AtomicU32 = AtomicU32::new(0);

#[retry(max_tries = 3, attempt_timeout = 1, wait_gen = constant, interval = 0, jitter = None)]
async fn hangs_once() -> Result<u32, CallError> {
    let _guard = DropCounter(&HANGS_ONCE_DROPPED);
    planned(&HANGS_ONCE, &[3_600_000]).await
}

#[tokio::test(start_paused = true)]
async fn a_hanging_attempt_is_dropped_and_retried() {
    let start = Instant::now();
    assert_eq!(hangs_once().await, Ok(2));
    assert_eq!(
        start.elapsed(),
        Duration::from_secs(1),
        "timed out at exactly 1 s"
    );
    assert_eq!(HANGS_ONCE.load(Ordering::SeqCst), 2);
    assert_eq!(
        HANGS_ONCE_DROPPED.load(Ordering::SeqCst),
        2,
        "both attempts dropped: the hung one at its timeout"
    );
}

static EVENTS: Mutex<Vec<String>> = Mutex::new(Vec::new());

fn record(kind: &str, details: &Details<'_, CallError>) {
    EVENTS.lock().unwrap().push(format!(
        "{kind} tries={} attempt={} error={:?} reason={:?}",
        details.tries,
        details.attempt,
        details.error(),
        details.reason
    ));
}

static ALWAYS_HANGS: AtomicU32 = AtomicU32::new(0);

#[retry(
    max_tries = 2,
    attempt_timeout = 0.5,
    wait_gen = constant,
    interval = 0.25,
    jitter = None,
    on_backoff = |d| record("backoff", d),
    on_giveup = |d| record("giveup", d)
)]
async fn always_hangs() -> Result<u32, CallError> {
    planned(&ALWAYS_HANGS, &[10_000, 10_000]).await
}

#[tokio::test(start_paused = true)]
async fn the_timeout_error_goes_through_hooks_and_details() {
    let start = Instant::now();
    let result = always_hangs().await;
    let timed_out = AttemptTimedOut::new(millis(500), 2);
    assert_eq!(result, Err(CallError::TimedOut(timed_out)));
    assert_eq!(timed_out.to_string(), "attempt 2 timed out after 500ms");
    assert_eq!(start.elapsed(), millis(1250), "0.5 + 0.25 wait + 0.5");
    assert_eq!(
        *EVENTS.lock().unwrap(),
        [
            format!(
                "backoff tries=1 attempt=1 error=Some(TimedOut({:?})) reason=None",
                AttemptTimedOut::new(millis(500), 1)
            ),
            format!(
                "giveup tries=2 attempt=2 error=Some(TimedOut({timed_out:?})) reason=Some(MaxTries)"
            ),
        ]
    );
}

static OUTSIDE_EXCEPTION: AtomicU32 = AtomicU32::new(0);

#[retry(max_tries = 3, attempt_timeout = 1, exception = Unavailable, jitter = None)]
async fn timeout_outside_exception() -> Result<u32, CallError> {
    planned(&OUTSIDE_EXCEPTION, &[5_000]).await
}

static GIVES_UP: AtomicU32 = AtomicU32::new(0);

#[retry(
    max_tries = 3,
    attempt_timeout = 1,
    giveup = |e: &CallError| matches!(e, CallError::TimedOut(_)),
    jitter = None
)]
async fn timeout_gives_up() -> Result<u32, CallError> {
    planned(&GIVES_UP, &[5_000]).await
}

#[tokio::test(start_paused = true)]
async fn the_timeout_error_goes_through_exception_and_giveup() {
    // Not in the retried classes: returned at once.
    assert!(Unavailable::is_instance(&CallError::Unavailable));
    let result = timeout_outside_exception().await;
    assert!(matches!(result, Err(CallError::TimedOut(t)) if t.attempt() == 1));
    assert_eq!(OUTSIDE_EXCEPTION.load(Ordering::SeqCst), 1);
    // The give-up predicate holds on it: the call ends at once.
    let result = timeout_gives_up().await;
    assert!(matches!(result, Err(CallError::TimedOut(_))));
    assert_eq!(GIVES_UP.load(Ordering::SeqCst), 1);
}

static REASONS: Mutex<Vec<Option<GiveUpReason>>> = Mutex::new(Vec::new());
static DEADLINE: AtomicU32 = AtomicU32::new(0);

#[retry(
    attempt_timeout = 2,
    max_time = 3,
    wait_gen = constant,
    interval = 0.5,
    jitter = None,
    on_giveup = |d: &Details<'_, CallError>| REASONS.lock().unwrap().push(d.reason)
)]
async fn hard_deadline() -> Result<u32, CallError> {
    planned(&DEADLINE, &[60_000, 60_000, 60_000]).await
}

#[tokio::test(start_paused = true)]
async fn max_time_becomes_a_hard_deadline() {
    // Attempt 1 times out at 2 s; after the 0.5 s wait, attempt 2 has 0.5 s left, not 2.
    let start = Instant::now();
    let result = hard_deadline().await;
    assert_eq!(start.elapsed(), Duration::from_secs(3));
    assert_eq!(
        result,
        Err(CallError::TimedOut(AttemptTimedOut::new(millis(500), 2)))
    );
    assert_eq!(*REASONS.lock().unwrap(), [Some(GiveUpReason::MaxTime)]);
}

static NO_TIME_LEFT: AtomicU32 = AtomicU32::new(0);
/// One hook call: (hook, tries, wait, reason).
type Event = (&'static str, u32, Option<Duration>, Option<GiveUpReason>);
static NO_TIME_LEFT_EVENTS: Mutex<Vec<Event>> = Mutex::new(Vec::new());

#[retry(
    attempt_timeout = 2,
    max_time = 3,
    wait_gen = constant,
    interval = 1.5,
    jitter = None,
    on_backoff = |d: &Details<'_, CallError>| {
        NO_TIME_LEFT_EVENTS.lock().unwrap().push(("backoff", d.tries, d.wait, d.reason))
    },
    on_giveup = |d: &Details<'_, CallError>| {
        NO_TIME_LEFT_EVENTS.lock().unwrap().push(("giveup", d.tries, d.wait, d.reason))
    }
)]
async fn no_time_left() -> Result<u32, CallError> {
    planned(&NO_TIME_LEFT, &[60_000, 60_000]).await
}

#[tokio::test(start_paused = true)]
async fn a_wait_that_reaches_max_time_gives_up_instead_of_a_timeless_attempt() {
    // Attempt 1 times out at 2 s; the 1.5 s wait would be cut to the 1 s left, and attempt 2
    // would then start at 3 s with a timeout of 0: dropped unanswered after its first poll.
    // The call gives up at 2 s instead, with attempt 1's real outcome.
    let start = Instant::now();
    let result = no_time_left().await;
    assert_eq!(start.elapsed(), Duration::from_secs(2));
    assert_eq!(
        result,
        Err(CallError::TimedOut(AttemptTimedOut::new(millis(2000), 1)))
    );
    assert_eq!(NO_TIME_LEFT.load(Ordering::SeqCst), 1, "no second attempt");
    assert_eq!(
        *NO_TIME_LEFT_EVENTS.lock().unwrap(),
        [("giveup", 1, None, Some(GiveUpReason::MaxTime))]
    );
}

struct Client {
    timeout: Option<Duration>,
    calls: AtomicU32,
    settings: RetrySettings<CallError>,
}

impl Client {
    fn timeout_for(&self, slow: bool) -> Option<Duration> {
        if slow { None } else { self.timeout }
    }

    /// Per-call expression returning `Option<Duration>`: `None` is no timeout.
    #[retry(max_tries = 2, attempt_timeout = self.timeout_for(slow), wait_gen = constant, interval = 0)]
    async fn fetch(&self, slow: bool) -> Result<u32, CallError> {
        let _ = slow;
        planned(&self.calls, &[5_000, 5_000, 5_000]).await
    }

    /// `&mut self` stays usable: one attempt at a time.
    #[retry(max_tries = 3, attempt_timeout = Duration::from_secs(1), wait_gen = constant, interval = 0, jitter = None)]
    async fn bump(&mut self) -> Result<u32, CallError> {
        let n = self.calls.get_mut();
        *n += 1;
        let took = if *n < 3 { 5_000 } else { 0 };
        sleep(millis(took)).await;
        Ok(*n)
    }

    /// Hedge-capable through `attempt_timeout = None`: the settings' timeout applies.
    #[retry(settings = &self.settings, attempt_timeout = None)]
    async fn under_settings(&self) -> Result<u32, CallError> {
        planned(&self.calls, &[5_000]).await
    }

    /// The key's own value wins over the settings'.
    #[retry(settings = &self.settings, attempt_timeout = self.timeout)]
    async fn key_wins(&self) -> Result<u32, CallError> {
        planned(&self.calls, &[5_000]).await
    }

    /// No key: the expansion cannot drop an attempt, so the settings' timeout does not apply.
    #[retry(settings = &self.settings)]
    async fn without_the_key(&self) -> Result<u32, CallError> {
        planned(&self.calls, &[5_000]).await
    }
}

fn client(timeout: Option<Duration>) -> Client {
    Client {
        timeout,
        calls: AtomicU32::new(0),
        settings: RetrySettings::builder()
            .max_tries(2)
            .no_jitter()
            .wait_gen(constant().interval(0))
            .attempt_timeout(millis(100))
            .build()
            .unwrap(),
    }
}

#[tokio::test(start_paused = true)]
async fn a_per_call_expression_sets_the_timeout_and_none_turns_it_off() {
    let client = client(Some(Duration::from_secs(1)));
    let start = Instant::now();
    assert!(matches!(
        client.fetch(false).await,
        Err(CallError::TimedOut(_))
    ));
    assert_eq!(start.elapsed(), Duration::from_secs(2), "two 1 s timeouts");
    let start = Instant::now();
    assert_eq!(
        client.fetch(true).await,
        Ok(3),
        "no timeout: the slow attempt finishes"
    );
    assert_eq!(start.elapsed(), Duration::from_secs(5));
}

#[tokio::test(start_paused = true)]
async fn mut_self_is_re_borrowed_per_timed_attempt() {
    let mut client = client(None);
    let start = Instant::now();
    assert_eq!(client.bump().await, Ok(3));
    assert_eq!(start.elapsed(), Duration::from_secs(2));
}

#[tokio::test(start_paused = true)]
async fn settings_attempt_timeout_applies_to_fns_naming_the_key() {
    let client = client(None);
    let start = Instant::now();
    assert_eq!(
        client.under_settings().await,
        Ok(2),
        "attempt 1 timed out at 100 ms"
    );
    assert_eq!(start.elapsed(), millis(100));

    let client = self::client(Some(millis(300)));
    let start = Instant::now();
    assert_eq!(client.key_wins().await, Ok(2));
    assert_eq!(
        start.elapsed(),
        millis(300),
        "the key's 300 ms, not the settings' 100 ms"
    );

    let client = self::client(None);
    let start = Instant::now();
    assert_eq!(client.without_the_key().await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_secs(5), "never timed out");
}

#[test]
fn settings_validate_the_timeout() {
    let error = RetrySettings::<CallError>::builder()
        .attempt_timeout(-1)
        .hedge_delay(f64::NAN)
        .build()
        .unwrap_err();
    assert_eq!(
        error.to_string(),
        "attempt_timeout must be finite and greater than 0; hedge_delay must be finite and greater than 0"
    );
    let settings = RetrySettings::<CallError>::builder()
        .attempt_timeout(2)
        .build()
        .unwrap();
    assert_eq!(settings.attempt_timeout(), Some(Duration::from_secs(2)));
    assert_eq!(
        settings
            .to_builder()
            .no_attempt_timeout()
            .build()
            .unwrap()
            .attempt_timeout(),
        None
    );
}
