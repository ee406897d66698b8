//! `hedge_delay`: when an attempt has not answered after the delay, the next starts beside it
//! (in the fn's own future); the first success wins and the others are dropped. Every rule of
//! the key, on tokio's paused clock, so the times asserted are exact.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::{
    AttemptTimedOut, Details, ErrorClass, GiveUpReason, RetryBudget, RetrySettings, retry,
};
use tokio::time::{Instant, sleep};

mod common;

#[derive(Debug, Clone, PartialEq)]
enum CallError {
    TimedOut(AttemptTimedOut),
    /// Retryable.
    Busy(u32),
    /// Not retryable (outside `exception`).
    Denied(u32),
}

impl From<AttemptTimedOut> for CallError {
    fn from(timed_out: AttemptTimedOut) -> Self {
        CallError::TimedOut(timed_out)
    }
}

struct Retryable;

impl ErrorClass<CallError> for Retryable {
    fn is_instance(error: &CallError) -> bool {
        matches!(error, CallError::Busy(_) | CallError::TimedOut(_))
    }
}

fn millis(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// What attempt `n` does: answer after `ms` with `Ok(n)`, `Busy(n)` or `Denied(n)`.
#[derive(Clone, Copy)]
enum Answer {
    Ok(u64),
    Busy(u64),
    Denied(u64),
}

/// One test's attempts: their plan, how many started, how many were dropped unfinished.
struct Script {
    plan: &'static [Answer],
    started: AtomicU32,
    dropped_unfinished: AtomicU32,
}

impl Script {
    const fn new(plan: &'static [Answer]) -> Self {
        Script {
            plan,
            started: AtomicU32::new(0),
            dropped_unfinished: AtomicU32::new(0),
        }
    }

    fn started(&self) -> u32 {
        self.started.load(Ordering::SeqCst)
    }

    fn dropped(&self) -> u32 {
        self.dropped_unfinished.load(Ordering::SeqCst)
    }

    async fn attempt(&self) -> Result<u32, CallError> {
        let n = self.started.fetch_add(1, Ordering::SeqCst) + 1;
        let answer = self
            .plan
            .get(n as usize - 1)
            .copied()
            .unwrap_or(Answer::Ok(0));
        let mut running = Running(Some(&self.dropped_unfinished));
        let (ms, result) = match answer {
            Answer::Ok(ms) => (ms, Ok(n)),
            Answer::Busy(ms) => (ms, Err(CallError::Busy(n))),
            Answer::Denied(ms) => (ms, Err(CallError::Denied(n))),
        };
        sleep(millis(ms)).await;
        running.0 = None;
        result
    }
}

/// Counts an attempt dropped before it answered.
struct Running<'a>(Option<&'a AtomicU32>);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        if let Some(dropped) = self.0 {
            dropped.fetch_add(1, Ordering::SeqCst);
        }
    }
}

static SLOW_FIRST: Script = Script::new(&[Answer::Ok(10_000), Answer::Ok(50)]);
static WON: Mutex<Vec<(u32, u32, u32)>> = Mutex::new(Vec::new());

#[retry(
    max_tries = 3,
    hedge_delay = 0.1,
    on_success = |d: &Details<'_, CallError>| WON.lock().unwrap().push((d.attempt, d.tries, d.running))
)]
async fn slow_first() -> Result<u32, CallError> {
    SLOW_FIRST.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_slow_attempt_is_hedged_and_the_first_success_wins() {
    let start = Instant::now();
    assert_eq!(slow_first().await, Ok(2));
    assert_eq!(
        start.elapsed(),
        millis(150),
        "hedge at 100 ms, answer 50 ms later"
    );
    assert_eq!(SLOW_FIRST.started(), 2);
    assert_eq!(
        SLOW_FIRST.dropped(),
        1,
        "the slow first attempt was dropped"
    );
    // The hook is told attempt 2 won, 2 started, 1 still ran.
    assert_eq!(*WON.lock().unwrap(), [(2, 2, 1)]);
}

static FAILS_FAST: Script = Script::new(&[Answer::Ok(10_000), Answer::Busy(50), Answer::Ok(20)]);

#[retry(max_tries = 5, hedge_delay = 0.1, exception = Retryable)]
async fn fails_fast() -> Result<u32, CallError> {
    FAILS_FAST.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_retryable_failure_starts_the_next_attempt_at_once() {
    let start = Instant::now();
    assert_eq!(fails_fast().await, Ok(3));
    // Attempt 2 started at 100 ms, failed at 150; attempt 3 started then, answered at 170.
    assert_eq!(start.elapsed(), millis(170));
    assert_eq!(FAILS_FAST.started(), 3);
    assert_eq!(FAILS_FAST.dropped(), 1);
}

static DENIED: Script = Script::new(&[Answer::Ok(10_000), Answer::Denied(50)]);

#[retry(max_tries = 5, hedge_delay = 0.1, exception = Retryable)]
async fn denied() -> Result<u32, CallError> {
    DENIED.attempt().await
}

static GIVES_UP: Script = Script::new(&[Answer::Ok(10_000), Answer::Busy(50)]);

#[retry(max_tries = 5, hedge_delay = 0.1, giveup = |e: &CallError| matches!(e, CallError::Busy(2)))]
async fn gives_up() -> Result<u32, CallError> {
    GIVES_UP.attempt().await
}

#[tokio::test(start_paused = true)]
async fn an_error_outside_exception_or_a_giveup_ends_the_call_and_drops_the_rest() {
    let start = Instant::now();
    assert_eq!(denied().await, Err(CallError::Denied(2)));
    assert_eq!(start.elapsed(), millis(150));
    assert_eq!(DENIED.dropped(), 1, "attempt 1 dropped");

    let start = Instant::now();
    assert_eq!(gives_up().await, Err(CallError::Busy(2)));
    assert_eq!(start.elapsed(), millis(150));
    assert_eq!(GIVES_UP.started(), 2);
    assert_eq!(GIVES_UP.dropped(), 1);
}

static TRIES: Script = Script::new(&[Answer::Busy(1_000), Answer::Busy(1_000), Answer::Ok(0)]);
static TRIES_REASONS: Mutex<Vec<(u32, u32, Option<GiveUpReason>)>> = Mutex::new(Vec::new());

#[retry(
    max_tries = 2,
    hedge_delay = 0.1,
    on_giveup = |d: &Details<'_, CallError>| TRIES_REASONS.lock().unwrap().push((d.attempt, d.tries, d.reason))
)]
async fn two_tries() -> Result<u32, CallError> {
    TRIES.attempt().await
}

#[tokio::test(start_paused = true)]
async fn max_tries_counts_every_attempt_and_ends_the_call_with_attempts_running() {
    let start = Instant::now();
    // Attempts 1 (at 0) and 2 (at 100 ms) count as two tries. Attempt 1 fails at 1 s with no
    // try left: the call gives up at once with its error and drops attempt 2, still running.
    assert_eq!(two_tries().await, Err(CallError::Busy(1)));
    assert_eq!(start.elapsed(), millis(1000));
    assert_eq!(TRIES.started(), 2);
    assert_eq!(TRIES.dropped(), 1, "attempt 2 dropped unfinished");
    assert_eq!(
        *TRIES_REASONS.lock().unwrap(),
        [(1, 2, Some(GiveUpReason::MaxTries))]
    );
}

static HUNG: Script = Script::new(&[Answer::Ok(3_600_000), Answer::Busy(50)]);

#[retry(max_tries = 2, hedge_delay = 0.1, exception = Retryable)]
async fn hung_then_busy() -> Result<u32, CallError> {
    HUNG.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_hung_attempt_does_not_outlive_max_tries() {
    let start = Instant::now();
    // Attempt 1 hangs for an hour; the hedge (attempt 2, the last try) fails at 150 ms. The
    // call ends then, not when the hung attempt would answer.
    assert_eq!(hung_then_busy().await, Err(CallError::Busy(2)));
    assert_eq!(start.elapsed(), millis(150));
    assert_eq!(HUNG.dropped(), 1);
}

static TIME: Script = Script::new(&[
    Answer::Busy(1_000),
    Answer::Busy(1_000),
    Answer::Busy(1_000),
    Answer::Busy(1_000),
]);
static TIME_REASONS: Mutex<Vec<Option<GiveUpReason>>> = Mutex::new(Vec::new());

#[retry(
    max_time = 0.25,
    hedge_delay = 0.1,
    on_giveup = |d: &Details<'_, CallError>| TIME_REASONS.lock().unwrap().push(d.reason)
)]
async fn out_of_time() -> Result<u32, CallError> {
    TIME.attempt().await
}

#[tokio::test(start_paused = true)]
async fn max_time_ends_the_call_and_drops_what_still_runs() {
    let start = Instant::now();
    // Hedges at 0, 100, 200 ms; none at 300 (past max_time). Attempt 1 fails at 1 s, past
    // max_time: the call ends and attempts 2 and 3 are dropped.
    assert_eq!(out_of_time().await, Err(CallError::Busy(1)));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(TIME.started(), 3);
    assert_eq!(TIME.dropped(), 2);
    assert_eq!(*TIME_REASONS.lock().unwrap(), [Some(GiveUpReason::MaxTime)]);
}

static BUDGETED: Script = Script::new(&[Answer::Ok(1_000), Answer::Ok(1_000), Answer::Ok(0)]);

struct Budgeted {
    budget: RetryBudget,
}

impl Budgeted {
    #[retry(max_tries = 5, hedge_delay = 0.1, budget = &self.budget)]
    async fn call(&self) -> Result<u32, CallError> {
        BUDGETED.attempt().await
    }
}

#[tokio::test(start_paused = true)]
async fn each_hedge_withdraws_from_the_budget_and_an_empty_one_stops_them() {
    let budgeted = Budgeted {
        budget: RetryBudget::builder()
            .ratio(0.0)
            .initial(1)
            .build()
            .unwrap(),
    };
    let start = Instant::now();
    // One token: one hedge (at 100 ms); none at 200 ms. Attempt 1 answers first at 1 s.
    assert_eq!(budgeted.call().await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(BUDGETED.started(), 2);
    assert_eq!(BUDGETED.dropped(), 1);
}

static NO_WAITS: Script = Script::new(&[Answer::Ok(1_000), Answer::Busy(50)]);
static NO_WAITS_REASONS: Mutex<Vec<Option<GiveUpReason>>> = Mutex::new(Vec::new());

#[retry(
    hedge_delay = 0.1,
    exception = Retryable,
    wait_gen = retry_runtime::wait::from_iter(core::iter::empty::<Duration>()),
    on_giveup = |d: &Details<'_, CallError>| NO_WAITS_REASONS.lock().unwrap().push(d.reason)
)]
async fn no_waits() -> Result<u32, CallError> {
    NO_WAITS.attempt().await
}

#[tokio::test(start_paused = true)]
async fn an_exhausted_wait_generator_ends_the_call_with_attempts_running() {
    let start = Instant::now();
    // The hedge fails at 150 ms and the generator has no wait left: the call gives up then,
    // dropping attempt 1 (due at 1 s).
    assert_eq!(no_waits().await, Err(CallError::Busy(2)));
    assert_eq!(start.elapsed(), millis(150));
    assert_eq!(NO_WAITS.dropped(), 1);
    assert_eq!(
        *NO_WAITS_REASONS.lock().unwrap(),
        [Some(GiveUpReason::WaitExhausted)]
    );
}

static BUDGET_SPENT: Script = Script::new(&[Answer::Ok(1_000), Answer::Busy(50)]);
static BUDGET_REASONS: Mutex<Vec<(u32, u32, Option<GiveUpReason>)>> = Mutex::new(Vec::new());

impl Budgeted {
    #[retry(
        max_tries = 5,
        hedge_delay = 0.1,
        exception = Retryable,
        budget = &self.budget,
        on_giveup = |d: &Details<'_, CallError>| BUDGET_REASONS.lock().unwrap().push((d.attempt, d.running, d.reason))
    )]
    async fn spends(&self) -> Result<u32, CallError> {
        BUDGET_SPENT.attempt().await
    }
}

#[tokio::test(start_paused = true)]
async fn an_empty_budget_at_a_failure_ends_the_call_with_attempts_running() {
    let budgeted = Budgeted {
        budget: RetryBudget::builder()
            .ratio(0.0)
            .initial(1)
            .build()
            .unwrap(),
    };
    let start = Instant::now();
    // The one token paid for the hedge at 100 ms; the hedge fails at 150 ms and no token is
    // left for another attempt: the call gives up then, dropping attempt 1 (due at 1 s).
    assert_eq!(budgeted.spends().await, Err(CallError::Busy(2)));
    assert_eq!(start.elapsed(), millis(150));
    assert_eq!(BUDGET_SPENT.dropped(), 1);
    assert_eq!(
        *BUDGET_REASONS.lock().unwrap(),
        [(2, 1, Some(GiveUpReason::BudgetExhausted))]
    );
}

static TIMED: Script = Script::new(&[Answer::Ok(10_000), Answer::Ok(10_000), Answer::Ok(10)]);

#[retry(max_tries = 3, hedge_delay = 0.1, attempt_timeout = 0.15)]
async fn timed_and_hedged() -> Result<u32, CallError> {
    TIMED.attempt().await
}

#[tokio::test(start_paused = true)]
async fn timeouts_and_hedges_together() {
    let start = Instant::now();
    // Attempt 1 at 0, attempt 2 at 100 ms; attempt 1 times out at 150 ms, which starts
    // attempt 3 at once (attempt 2 still runs); it answers at 160 ms.
    assert_eq!(timed_and_hedged().await, Ok(3));
    assert_eq!(start.elapsed(), millis(160));
    assert_eq!(TIMED.started(), 3);
    assert_eq!(TIMED.dropped(), 2);
}

static SETTINGS_HEDGED: Script = Script::new(&[Answer::Ok(10_000), Answer::Ok(10)]);
static SETTINGS_NOT_HEDGED: Script = Script::new(&[Answer::Ok(1_000)]);

struct Client {
    settings: RetrySettings<CallError>,
}

impl Client {
    /// Hedge-capable (`hedge_delay = None`): the settings' delay applies.
    #[retry(settings = &self.settings, hedge_delay = None)]
    async fn capable(&self) -> Result<u32, CallError> {
        SETTINGS_HEDGED.attempt().await
    }

    /// Not hedge-capable (only `attempt_timeout` named): the settings' delay does not apply.
    #[retry(settings = &self.settings, attempt_timeout = None)]
    async fn not_capable(&self) -> Result<u32, CallError> {
        SETTINGS_NOT_HEDGED.attempt().await
    }
}

#[tokio::test(start_paused = true)]
async fn settings_hedge_delay_applies_to_hedge_capable_fns() {
    let client = Client {
        settings: RetrySettings::builder()
            .max_tries(3)
            .hedge_delay(millis(200))
            .build()
            .unwrap(),
    };
    let start = Instant::now();
    assert_eq!(client.capable().await, Ok(2));
    assert_eq!(start.elapsed(), millis(210));
    let start = Instant::now();
    assert_eq!(client.not_capable().await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(SETTINGS_NOT_HEDGED.started(), 1);
}

static CAPPED: Script = Script::new(&[Answer::Ok(1_000), Answer::Ok(1_000), Answer::Ok(1_000)]);

#[retry(max_tries = 10, hedge_delay = 0.1, max_hedges = 1)]
async fn capped() -> Result<u32, CallError> {
    CAPPED.attempt().await
}

#[tokio::test(start_paused = true)]
async fn max_hedges_bounds_the_attempts_the_delay_starts() {
    let start = Instant::now();
    // Attempt 1 at 0, the one hedge at 100 ms; no more at 200, 300, ... although tries are
    // left: attempt 1 answers at 1 s.
    assert_eq!(capped().await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(CAPPED.started(), 2);
}

static CAPPED_FAILS: Script = Script::new(&[Answer::Ok(1_000), Answer::Busy(50), Answer::Ok(20)]);

#[retry(max_tries = 10, hedge_delay = 0.1, max_hedges = 1, exception = Retryable)]
async fn capped_then_failed() -> Result<u32, CallError> {
    CAPPED_FAILS.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_failure_after_the_last_hedge_still_starts_a_retry() {
    let start = Instant::now();
    // The hedge (attempt 2, at 100 ms) fails at 150 ms: attempt 3 is a retry, not a hedge,
    // and starts at once beside attempt 1; it answers at 170 ms.
    assert_eq!(capped_then_failed().await, Ok(3));
    assert_eq!(start.elapsed(), millis(170));
    assert_eq!(CAPPED_FAILS.started(), 3);
}

static SETTINGS_CAPPED: Script = Script::new(&[
    Answer::Ok(1_000),
    Answer::Ok(1_000),
    Answer::Ok(1_000),
    Answer::Ok(0),
]);

impl Client {
    #[retry(settings = &self.settings, hedge_delay = None)]
    async fn capped_by_settings(&self) -> Result<u32, CallError> {
        SETTINGS_CAPPED.attempt().await
    }
}

#[tokio::test(start_paused = true)]
async fn settings_max_hedges_bounds_the_hedges() {
    let client = Client {
        settings: RetrySettings::builder()
            .hedge_delay(millis(100))
            .max_hedges(2)
            .build()
            .unwrap(),
    };
    let start = Instant::now();
    // Hedges at 100 and 200 ms, none at 300 (no max_tries in these settings): attempt 1
    // answers at 1 s, three attempts started.
    assert_eq!(client.capped_by_settings().await, Ok(1));
    assert_eq!(start.elapsed(), Duration::from_secs(1));
    assert_eq!(SETTINGS_CAPPED.started(), 3);
}

static BY_VALUE: Script = Script::new(&[Answer::Ok(10_000), Answer::Ok(10)]);

/// By-value arguments are cloned for each attempt; shared ones are borrowed by all.
#[retry(max_tries = 2, hedge_delay = 0.1)]
async fn by_value(name: String, shared: &str) -> Result<String, CallError> {
    let n = BY_VALUE.attempt().await?;
    Ok(format!("{name}/{shared}/{n}"))
}

#[tokio::test(start_paused = true)]
async fn arguments_are_cloned_or_shared_per_attempt() {
    assert_eq!(by_value("a".to_owned(), "b").await.as_deref(), Ok("a/b/2"));
}

static VALUES: Script = Script::new(&[Answer::Ok(10_000), Answer::Ok(10), Answer::Ok(10)]);
static VALUE_EVENTS: Mutex<Vec<(u32, u32, Option<Duration>)>> = Mutex::new(Vec::new());

/// Value mode: a rejected value is retried like an error; with attempt 1 still running, the
/// next attempt starts at once and the backoff hook is told so (wait zero, one running).
#[retry(
    max_tries = 4,
    hedge_delay = 0.1,
    on_result = |n: &u32| *n == 2,
    on_backoff = |d: &Details<'_, CallError>| VALUE_EVENTS.lock().unwrap().push((d.attempt, d.running, d.wait))
)]
async fn value_mode() -> Result<u32, CallError> {
    VALUES.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_rejected_value_starts_the_next_attempt_like_a_failure() {
    let start = Instant::now();
    assert_eq!(value_mode().await, Ok(3));
    assert_eq!(start.elapsed(), millis(120));
    assert_eq!(
        *VALUE_EVENTS.lock().unwrap(),
        [(2, 1, Some(Duration::ZERO))]
    );
}

/// What the runtime logged on this test's thread. One global subscriber for the whole binary:
/// a thread-local one (`set_default`) races with the tests running beside it, which can cache
/// "nobody listens" for the runtime's log call sites, and then captures nothing.
fn this_tests_log() -> String {
    let thread = std::thread::current();
    let name = thread.name().unwrap_or_default();
    global_log()
        .text()
        .lines()
        .filter(|line| line.contains(name))
        .collect::<Vec<_>>()
        .join("\n")
}

fn global_log() -> &'static common::Lines {
    static LOG: std::sync::OnceLock<common::Lines> = std::sync::OnceLock::new();
    LOG.get_or_init(|| {
        let lines = common::Lines::default();
        let sink = lines.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_thread_names(true)
            .with_writer(move || sink.clone())
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("the only global subscriber");
        lines
    })
}

static LOGGED: Script = Script::new(&[Answer::Ok(10_000), Answer::Ok(10)]);

#[retry(max_tries = 2, hedge_delay = 0.1)]
async fn logged(id: u32) -> Result<u32, CallError> {
    let _ = id;
    LOGGED.attempt().await
}

#[tokio::test(start_paused = true)]
async fn the_default_log_says_which_attempt_won_and_how_many_ran() {
    global_log();
    assert_eq!(logged(7).await, Ok(2));
    let text = this_tests_log();
    assert!(
        text.contains("Hedged hedging::logged(id: 7): attempt 2 won after 0.11s, 2 tries started"),
        "{text}"
    );
}

static RETRIED: Script = Script::new(&[Answer::Busy(10), Answer::Ok(10)]);

#[retry(max_tries = 2, hedge_delay = 0.1, exception = Retryable, jitter = None, wait_gen = retry_runtime::wait::constant, interval = 0.01)]
async fn retried_not_hedged(id: u32) -> Result<u32, CallError> {
    let _ = id;
    RETRIED.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_call_that_only_retried_does_not_log_a_hedge() {
    // The first attempt fails before the delay, the second succeeds alone: never two at once.
    global_log();
    assert_eq!(retried_not_hedged(7).await, Ok(2));
    assert_eq!(RETRIED.started.load(Ordering::SeqCst), 2);
    let text = this_tests_log();
    assert!(!text.contains("Hedged"), "{text}");
    assert!(text.contains("Backing off"), "{text}");
}

#[test]
fn a_blocking_call_says_it_ignores_the_settings_timeout_and_hedge_delay() {
    global_log();
    let settings = RetrySettings::<CallError>::builder()
        .max_tries(2)
        .hedge_delay(millis(100))
        .attempt_timeout(millis(150))
        .wait_gen(retry_runtime::wait::constant().interval(0.0))
        .build()
        .unwrap();
    let mut calls = 0;
    let result = retry_runtime::retry_blocking(&settings, || {
        calls += 1;
        Err::<u32, _>(CallError::Busy(calls))
    });
    assert_eq!(result, Err(CallError::Busy(2)));
    let text = this_tests_log();
    let warnings: Vec<&str> = text
        .lines()
        .filter(|l| l.contains("WARN") && l.contains("do not apply"))
        .collect();
    assert_eq!(warnings.len(), 1, "one warning per call:\n{text}");
    assert!(
        warnings[0].contains("attempt_timeout (Some(150ms)) and hedge_delay (Some(100ms))"),
        "{text}"
    );

    // Settings without either: no warning.
    let plain = settings
        .to_builder()
        .no_hedge_delay()
        .no_attempt_timeout()
        .build()
        .unwrap();
    let before = this_tests_log().matches("do not apply").count();
    let _ = retry_runtime::retry_blocking(&plain, || Err::<u32, _>(CallError::Busy(0)));
    assert_eq!(this_tests_log().matches("do not apply").count(), before);
}

// A success that comes before the hedge delay, with no attempt beside it, ends the call
// without going through the decision (its result is returned as it is): each test below
// fails if that shortcut skips what a success must still do.

static QUIET_HOOKED: Mutex<Vec<(u32, u32, u32)>> = Mutex::new(Vec::new());

#[retry(
    hedge_delay = 10,
    on_success = |d: &Details<'_, CallError>| QUIET_HOOKED.lock().unwrap().push((d.attempt, d.tries, d.running))
)]
async fn quick_with_success_hook() -> Result<u32, CallError> {
    Ok(7)
}

#[tokio::test(start_paused = true)]
async fn a_success_before_the_hedge_delay_still_runs_the_success_hooks() {
    assert_eq!(quick_with_success_hook().await, Ok(7));
    assert_eq!(*QUIET_HOOKED.lock().unwrap(), [(1, 1, 0)]);
}

static QUIET_VALUES: Script = Script::new(&[Answer::Ok(10), Answer::Ok(10)]);

#[retry(
    hedge_delay = 10,
    on_result = |n: &u32| *n == 1,
    wait_gen = retry_runtime::wait::constant,
    interval = 0.05,
    jitter = None
)]
async fn quick_rejected_value() -> Result<u32, CallError> {
    QUIET_VALUES.attempt().await
}

#[tokio::test(start_paused = true)]
async fn a_value_the_predicate_rejects_is_retried_though_no_attempt_ran_beside_it() {
    let start = Instant::now();
    assert_eq!(quick_rejected_value().await, Ok(2));
    assert_eq!(QUIET_VALUES.started(), 2);
    assert_eq!(start.elapsed(), millis(10 + 50 + 10));
}

static REFUNDED: Script = Script::new(&[Answer::Busy(10), Answer::Ok(10)]);

struct Refunded {
    budget: RetryBudget,
}

impl Refunded {
    #[retry(
        hedge_delay = 10,
        exception = Retryable,
        budget = &self.budget,
        wait_gen = retry_runtime::wait::constant,
        interval = 0.05,
        jitter = None
    )]
    async fn call(&self) -> Result<u32, CallError> {
        REFUNDED.attempt().await
    }
}

#[tokio::test(start_paused = true)]
async fn a_success_after_a_retry_refunds_the_retry_to_the_budget() {
    let refunded = Refunded {
        budget: RetryBudget::builder()
            .ratio(0.0)
            .initial(1)
            .build()
            .unwrap(),
    };
    let before = refunded.budget.balance();
    assert_eq!(refunded.call().await, Ok(2));
    assert_eq!(refunded.budget.retries_allowed(), 1);
    // The retry's token came back when the call succeeded.
    assert_eq!(refunded.budget.balance(), before);
}

struct Guarded {
    breaker: retry_runtime::CircuitBreaker,
    answer_ok: std::sync::atomic::AtomicBool,
}

impl From<retry_runtime::CircuitOpen> for CallError {
    fn from(_: retry_runtime::CircuitOpen) -> Self {
        CallError::Denied(0)
    }
}

impl Guarded {
    #[retry(max_tries = 1, hedge_delay = 10, exception = Retryable, breaker = &self.breaker)]
    async fn call(&self) -> Result<u32, CallError> {
        if self.answer_ok.load(Ordering::SeqCst) {
            Ok(1)
        } else {
            Err(CallError::Busy(1))
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_success_before_the_hedge_delay_is_told_to_the_breaker() {
    let guarded = Guarded {
        breaker: retry_runtime::CircuitBreaker::builder()
            .window_calls(2)
            .minimum_calls(2)
            .open_for(Duration::from_secs(1))
            .build()
            .unwrap(),
        answer_ok: std::sync::atomic::AtomicBool::new(false),
    };
    for _ in 0..2 {
        assert_eq!(guarded.call().await, Err(CallError::Busy(1)));
    }
    assert_eq!(guarded.breaker.state(""), retry_runtime::BreakerState::Open);
    sleep(Duration::from_secs(1)).await;
    guarded.answer_ok.store(true, Ordering::SeqCst);
    // The half-open probe succeeds: the breaker hears of it and closes.
    assert_eq!(guarded.call().await, Ok(1));
    assert_eq!(
        guarded.breaker.state(""),
        retry_runtime::BreakerState::Closed
    );
}

static SETTINGS_VALUES: Script = Script::new(&[Answer::Ok(10), Answer::Ok(10)]);

fn quick_settings() -> RetrySettings<CallError> {
    RetrySettings::builder()
        .max_tries(3)
        .wait_gen(retry_runtime::wait::constant().interval(0.05))
        .no_jitter()
        .build()
        .unwrap()
}

/// The same under run-time settings: the attribute's value predicate overlays them.
#[retry(settings = quick_settings(), hedge_delay = 10, on_result = |n: &u32| *n == 1)]
async fn quick_rejected_value_under_settings() -> Result<u32, CallError> {
    SETTINGS_VALUES.attempt().await
}

#[tokio::test(start_paused = true)]
async fn under_settings_a_rejected_value_is_retried_though_no_attempt_ran_beside_it() {
    assert_eq!(quick_rejected_value_under_settings().await, Ok(2));
    assert_eq!(SETTINGS_VALUES.started(), 2);
}
