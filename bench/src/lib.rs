//! The contenders of the retry-layer benchmark, shared by the criterion bench
//! (`benches/retry_layer.rs`), the allocation counter (`src/bin/alloc_count.rs`) and the
//! instruction counter (`src/bin/callgrind_case.rs`), so that all three measure the same code.
//!
//! Every contender runs the same [`Flaky`] operation under the same limits: at most
//! [`MAX_TRIES`] tries, a zero wait between tries, no jitter, and for
//! [`Case::TimedWithHook`] a time limit of [`MAX_TIME`] plus a success hook.
//!
//! [`latency`] holds what the load drivers share (percentiles).

pub mod latency;

/// The runtime an in-process simulator runs on in the load drivers (`hedge_load`,
/// `resilience`): its own two worker threads, like a server process beside the client.
pub fn simulator_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("harbor-sim")
        .enable_all()
        .build()
        .expect("a tokio runtime for the simulator")
}

use std::cell::Cell;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use retry_runtime::Details;
use retry_runtime::retry;
use retry_runtime::wait::constant;

/// The one error every contender retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transient;

/// An operation that fails a set number of times, then succeeds.
///
/// Arm it with [`Flaky::arm`] before each logical call.
#[derive(Debug, Default)]
pub struct Flaky {
    failures_left: Cell<u32>,
    calls: Cell<u64>,
}

impl Flaky {
    /// Makes the next `failures` calls fail.
    pub fn arm(&self, failures: u32) {
        self.failures_left.set(failures);
    }

    /// One try: fails while armed failures are left, then returns the call count.
    #[inline(never)]
    pub fn call(&self) -> Result<u64, Transient> {
        let calls = self.calls.get() + 1;
        self.calls.set(calls);
        let left = self.failures_left.get();
        if left > 0 {
            self.failures_left.set(left - 1);
            Err(Transient)
        } else {
            Ok(black_box(calls))
        }
    }

    /// The async twin of [`Flaky::call`].
    pub async fn call_async(&self) -> Result<u64, Transient> {
        self.call()
    }
}

/// The try limit every contender is given.
pub const MAX_TRIES: u32 = 12;
/// The time limit of [`Case::TimedWithHook`].
pub const MAX_TIME: Duration = Duration::from_secs(60);

/// Successes seen by the success hooks (kept so the hooks cannot be optimised away).
pub static SUCCESSES: AtomicU64 = AtomicU64::new(0);

/// The `on_success` hook of the `#[retry]` contender in [`Case::TimedWithHook`].
pub fn count_success(details: &Details<'_, Transient>) {
    count_success_by_hand(details.tries, details.elapsed);
}

/// The hand-written loop's equivalent of [`count_success`].
fn count_success_by_hand(tries: u32, elapsed: Duration) {
    SUCCESSES.fetch_add(
        u64::from(tries) + elapsed.subsec_nanos() as u64 % 2,
        Ordering::Relaxed,
    );
}

/// What is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    /// (a) success on the first try.
    FirstTry,
    /// (b) one failure, then success, zero wait.
    OneFailure,
    /// (c) ten failures, then success, zero wait.
    TenFailures,
    /// (d) (a) with a time limit and an `on_success` hook.
    TimedWithHook,
}

impl Case {
    /// Every case, in report order.
    pub const ALL: [Case; 4] = [
        Case::FirstTry,
        Case::OneFailure,
        Case::TenFailures,
        Case::TimedWithHook,
    ];

    /// How many tries fail before the one that succeeds.
    pub fn failures(self) -> u32 {
        match self {
            Case::FirstTry | Case::TimedWithHook => 0,
            Case::OneFailure => 1,
            Case::TenFailures => 10,
        }
    }

    /// A short name for reports.
    pub fn label(self) -> &'static str {
        match self {
            Case::FirstTry => "a_first_try",
            Case::OneFailure => "b_one_failure",
            Case::TenFailures => "c_ten_failures",
            Case::TimedWithHook => "d_timed_with_hook",
        }
    }
}

/// Who is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contender {
    /// The operation called once, no retry layer (only meaningful where it succeeds at once).
    Plain,
    /// A `loop` written by hand with the same limits.
    HandLoop,
    /// A fn annotated with `#[retry]`.
    RetryAttr,
    /// backon 1.x.
    Backon,
    /// tokio-retry2 (async only).
    TokioRetry2,
    /// backoff 0.4.
    Backoff,
}

impl Contender {
    /// Every contender, in report order.
    pub const ALL: [Contender; 6] = [
        Contender::Plain,
        Contender::HandLoop,
        Contender::RetryAttr,
        Contender::Backon,
        Contender::TokioRetry2,
        Contender::Backoff,
    ];

    /// A short name for reports and command lines.
    pub fn name(self) -> &'static str {
        match self {
            Contender::Plain => "plain",
            Contender::HandLoop => "hand_loop",
            Contender::RetryAttr => "retry_attr",
            Contender::Backon => "backon",
            Contender::TokioRetry2 => "tokio_retry2",
            Contender::Backoff => "backoff",
        }
    }

    /// Parses [`Contender::name`].
    pub fn from_name(name: &str) -> Option<Contender> {
        Contender::ALL.into_iter().find(|c| c.name() == name)
    }

    /// Whether this contender can express `case` (in async or blocking form).
    ///
    /// The plain call cannot retry; backon, tokio-retry2 and backoff have no success hook
    /// (case d); tokio-retry2 has no blocking form.
    pub fn supports(self, case: Case, is_async: bool) -> bool {
        match self {
            Contender::Plain => case.failures() == 0,
            Contender::HandLoop | Contender::RetryAttr => true,
            Contender::Backon | Contender::Backoff => case != Case::TimedWithHook,
            Contender::TokioRetry2 => is_async && case != Case::TimedWithHook,
        }
    }
}

/// The async contenders.
pub mod nonblocking {
    use super::*;
    use backon::{ConstantBuilder, Retryable};

    #[retry(
        max_tries = 12,
        wait_gen = constant,
        interval = 0,
        jitter = None,
        logger = false
    )]
    async fn retry_attr(flaky: &Flaky) -> Result<u64, Transient> {
        flaky.call_async().await
    }

    #[retry(
        max_tries = 12,
        max_time = 60,
        wait_gen = constant,
        interval = 0,
        jitter = None,
        logger = false,
        on_success = count_success
    )]
    async fn retry_attr_timed(flaky: &Flaky) -> Result<u64, Transient> {
        flaky.call_async().await
    }

    /// What a careful hand-written loop does between tries: sleep on tokio's timer, except
    /// that a zero wait only yields to the scheduler (as `#[retry]`'s default sleeper does):
    /// `tokio::time::sleep(Duration::ZERO)` would wait for the timer's next 1 ms tick.
    async fn pause(wait: Duration) {
        if wait.is_zero() {
            tokio::task::yield_now().await;
        } else {
            tokio::time::sleep(wait).await;
        }
    }

    async fn hand_loop(flaky: &Flaky) -> Result<u64, Transient> {
        let mut tries = 0;
        loop {
            tries += 1;
            match flaky.call_async().await {
                Ok(value) => return Ok(value),
                Err(error) if tries >= MAX_TRIES => return Err(error),
                Err(_) => pause(Duration::ZERO).await,
            }
        }
    }

    async fn hand_loop_timed(flaky: &Flaky) -> Result<u64, Transient> {
        let start = Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            match flaky.call_async().await {
                Ok(value) => {
                    count_success_by_hand(tries, start.elapsed());
                    return Ok(value);
                }
                Err(error) => {
                    let elapsed = start.elapsed();
                    if tries >= MAX_TRIES || elapsed >= MAX_TIME {
                        return Err(error);
                    }
                    pause(Duration::ZERO.min(MAX_TIME - elapsed)).await;
                }
            }
        }
    }

    /// Runs one logical call of `case` with `contender`.
    ///
    /// # Panics
    /// When the contender does not support the case (see [`Contender::supports`]).
    pub async fn run(contender: Contender, case: Case, flaky: &Flaky) -> Result<u64, Transient> {
        let timed = case == Case::TimedWithHook;
        match contender {
            Contender::Plain => flaky.call_async().await,
            Contender::HandLoop if timed => hand_loop_timed(flaky).await,
            Contender::HandLoop => hand_loop(flaky).await,
            Contender::RetryAttr if timed => retry_attr_timed(flaky).await,
            Contender::RetryAttr => retry_attr(flaky).await,
            Contender::Backon => {
                let policy = ConstantBuilder::default()
                    .with_delay(Duration::ZERO)
                    .with_max_times(MAX_TRIES as usize - 1);
                (|| flaky.call_async()).retry(policy).await
            }
            Contender::TokioRetry2 => {
                let policy = tokio_retry2::strategy::FixedInterval::new(Duration::ZERO)
                    .take(MAX_TRIES as usize - 1);
                tokio_retry2::Retry::spawn(policy, || async {
                    flaky.call().map_err(tokio_retry2::RetryError::transient)
                })
                .await
            }
            Contender::Backoff => {
                // backoff 0.4 limits by elapsed time only; every case here ends well before.
                let policy = backoff::backoff::Constant::new(Duration::ZERO);
                backoff::future::retry(policy, || async {
                    flaky.call().map_err(backoff::Error::transient)
                })
                .await
            }
        }
    }
}

/// The blocking contenders.
pub mod blocking {
    use super::*;
    use backon::{BlockingRetryable, ConstantBuilder};

    #[retry(
        max_tries = 12,
        wait_gen = constant,
        interval = 0,
        jitter = None,
        logger = false
    )]
    fn retry_attr(flaky: &Flaky) -> Result<u64, Transient> {
        flaky.call()
    }

    #[retry(
        max_tries = 12,
        max_time = 60,
        wait_gen = constant,
        interval = 0,
        jitter = None,
        logger = false,
        on_success = count_success
    )]
    fn retry_attr_timed(flaky: &Flaky) -> Result<u64, Transient> {
        flaky.call()
    }

    fn hand_loop(flaky: &Flaky) -> Result<u64, Transient> {
        let mut tries = 0;
        loop {
            tries += 1;
            match flaky.call() {
                Ok(value) => return Ok(value),
                Err(error) if tries >= MAX_TRIES => return Err(error),
                Err(_) => std::thread::sleep(Duration::ZERO),
            }
        }
    }

    fn hand_loop_timed(flaky: &Flaky) -> Result<u64, Transient> {
        let start = Instant::now();
        let mut tries = 0;
        loop {
            tries += 1;
            match flaky.call() {
                Ok(value) => {
                    count_success_by_hand(tries, start.elapsed());
                    return Ok(value);
                }
                Err(error) => {
                    let elapsed = start.elapsed();
                    if tries >= MAX_TRIES || elapsed >= MAX_TIME {
                        return Err(error);
                    }
                    std::thread::sleep(Duration::ZERO.min(MAX_TIME - elapsed));
                }
            }
        }
    }

    /// Runs one logical call of `case` with `contender`.
    ///
    /// # Panics
    /// When the contender does not support the case (see [`Contender::supports`]).
    pub fn run(contender: Contender, case: Case, flaky: &Flaky) -> Result<u64, Transient> {
        let timed = case == Case::TimedWithHook;
        match contender {
            Contender::Plain => flaky.call(),
            Contender::HandLoop if timed => hand_loop_timed(flaky),
            Contender::HandLoop => hand_loop(flaky),
            Contender::RetryAttr if timed => retry_attr_timed(flaky),
            Contender::RetryAttr => retry_attr(flaky),
            Contender::Backon => {
                let policy = ConstantBuilder::default()
                    .with_delay(Duration::ZERO)
                    .with_max_times(MAX_TRIES as usize - 1);
                (|| flaky.call())
                    .retry(policy)
                    .sleep(std::thread::sleep)
                    .call()
            }
            Contender::TokioRetry2 => panic!("tokio-retry2 has no blocking form"),
            Contender::Backoff => {
                let policy = backoff::backoff::Constant::new(Duration::ZERO);
                backoff::retry(policy, || flaky.call().map_err(backoff::Error::transient)).map_err(
                    |error| match error {
                        backoff::Error::Permanent(e) | backoff::Error::Transient { err: e, .. } => {
                            e
                        }
                    },
                )
            }
        }
    }
}
