//! Helpers shared by the integration tests (included with `mod support;`).
#![allow(dead_code)]

use std::sync::{Arc, Mutex};
use std::time::Duration;

use retry_runtime::{Details, ErrorClass, Outcome};

/// The error of the test operations.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fail(pub u16);

/// The class of 5xx failures.
pub struct ServerFail;
impl ErrorClass<Fail> for ServerFail {
    fn is_instance(error: &Fail) -> bool {
        (500..600).contains(&error.0)
    }
}

/// One hook call, as seen by the hook.
#[derive(Debug, Clone, PartialEq)]
pub struct Seen {
    pub event: &'static str,
    pub target: &'static str,
    pub tries: u32,
    pub wait: Option<Duration>,
    pub elapsed: Duration,
    pub error: Option<Fail>,
    pub value: Option<String>,
}

/// A shared log of hook calls.
#[derive(Clone, Default)]
pub struct Log(pub Arc<Mutex<Vec<Seen>>>);

impl Log {
    pub fn hook(
        &self,
        event: &'static str,
    ) -> impl Fn(&Details<'_, Fail>) + Clone + Send + Sync + 'static {
        let log = self.0.clone();
        move |d: &Details<'_, Fail>| {
            log.lock().unwrap().push(Seen {
                event,
                target: d.target,
                tries: d.tries,
                wait: d.wait,
                elapsed: d.elapsed,
                error: d.error().cloned(),
                value: match d.outcome {
                    Outcome::Value(v) => Some(format!("{v:?}")),
                    _ => None,
                },
            })
        }
    }

    pub fn take(&self) -> Vec<Seen> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    pub fn events(&self) -> Vec<(&'static str, u32, Option<Duration>, Duration)> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .map(|s| (s.event, s.tries, s.wait, s.elapsed))
            .collect()
    }

    /// The waits of the backoff events.
    pub fn waits(&self) -> Vec<Duration> {
        self.0
            .lock()
            .unwrap()
            .iter()
            .filter_map(|s| s.wait)
            .collect()
    }
}

pub fn secs(s: u64) -> Duration {
    Duration::from_secs(s)
}

pub fn millis(ms: u64) -> Duration {
    Duration::from_millis(ms)
}

/// Awaits `call` with a bound of ten hours of virtual time. The tests run on tokio's paused
/// clock, where a call that waits for something that never comes (an attempt set left empty,
/// say) would hang the test; bounded, it fails at once instead.
pub async fn bounded<F: Future>(call: F) -> F::Output {
    tokio::time::timeout(Duration::from_secs(36_000), call)
        .await
        .expect("the call did not end within ten hours of virtual time")
}

/// A sleeper whose sleeping advances a fake clock instead of the thread (for blocking calls,
/// which tokio's paused clock does not reach).
pub struct FakeClock {
    origin: std::time::Instant,
    now: std::cell::Cell<Duration>,
}

impl FakeClock {
    /// A clock at zero.
    pub fn new() -> Self {
        FakeClock {
            origin: std::time::Instant::now(),
            now: std::cell::Cell::new(Duration::ZERO),
        }
    }

    /// The time slept so far.
    pub fn elapsed(&self) -> Duration {
        self.now.get()
    }
}

impl retry_runtime::sleep::Sleeper for &FakeClock {
    type Sleep = std::future::Ready<()>;
    fn sleep(&self, wait: Duration) -> Self::Sleep {
        self.sleep_blocking(wait);
        std::future::ready(())
    }
    fn sleep_blocking(&self, wait: Duration) {
        self.now.set(self.now.get() + wait);
    }
    fn now(&self) -> std::time::Instant {
        self.origin + self.now.get()
    }
}

/// A limiter switched on by a throttle at tokio's now and put in debt there, so every
/// reservation waits (call on a paused clock).
pub fn limiter_in_debt() -> retry_runtime::limiter::AdaptiveLimiter {
    let limiter = retry_runtime::limiter::AdaptiveLimiter::builder()
        .build()
        .unwrap();
    let now = tokio::time::Instant::now().into_std();
    limiter.on_success("", now);
    limiter.on_throttle("", now);
    for _ in 0..100 {
        limiter.reserve("", now);
    }
    limiter
}
