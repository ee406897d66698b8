//! How a waiter polls: the deadline, the waits between reads, and how long a failure is
//! watched before it is believed.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use retry_runtime::wait::{self, WaitGen};

use crate::error::Error;

/// Makes the wait generator of one wait (generators keep state, so each wait gets its own).
type MakeWaits = Arc<dyn Fn() -> Box<dyn WaitGen<Error> + Send> + Send + Sync>;

/// How a waiter polls. The defaults suit a CI gate: give up after 30 minutes, read after
/// 1, 2, 4, 8, 16 and then every 30 seconds, and believe a failure only when a second read
/// 5 seconds later still shows it.
///
/// ```
/// use std::time::Duration;
/// use harbor_client::waiters::WaitOptions;
/// use retry_runtime::wait;
///
/// let options = WaitOptions::new()
///     .deadline(Duration::from_secs(600))
///     .poll(wait::constant().interval(10))
///     .confirm_failure_after(Duration::from_secs(20));
/// assert_eq!(options.deadline_value(), Duration::from_secs(600));
/// assert_eq!(options.confirm_failure_after_value(), Duration::from_secs(20));
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct WaitOptions {
    pub(crate) deadline: Duration,
    pub(crate) confirm_failure_after: Duration,
    make_waits: MakeWaits,
}

impl WaitOptions {
    /// The defaults (see [`WaitOptions`]).
    pub fn new() -> Self {
        WaitOptions {
            deadline: Duration::from_secs(30 * 60),
            confirm_failure_after: Duration::from_secs(5),
            make_waits: Arc::new(|| Box::new(wait::expo().max_value(30))),
        }
    }

    /// The longest the wait may take; once it has passed, the waiter answers with the last
    /// status it saw. The last read is made at the deadline; a read still running 20 ms
    /// after it is dropped.
    pub fn deadline(mut self, deadline: Duration) -> Self {
        self.deadline = deadline;
        self
    }

    /// The waits between reads: any of `retry_runtime::wait`'s generators (or your own);
    /// used as given, without jitter. A `Retry-After` on a 429 or 503 while polling makes a
    /// wait longer, never shorter. A finite generator that runs out ends the wait as the
    /// deadline does.
    pub fn poll<W>(mut self, waits: W) -> Self
    where
        W: WaitGen<Error> + Clone + Send + Sync + 'static,
    {
        self.make_waits = Arc::new(move || Box::new(waits.clone()));
        self
    }

    /// How long after a read that shows the job failed to read it again; the failure is
    /// reported only if that read still shows it. A failure its task counts do not show (a
    /// task in progress or none failed) is not over at all (Harbor refreshes an execution's
    /// status from its tasks' every 30 s by default, so a replication retrying a task reads
    /// `Failed` until then); this second look is for the failures the counts show, and the
    /// jobs whose reads carry none (GC, purge).
    /// `Duration::ZERO` believes the first read.
    pub fn confirm_failure_after(mut self, delay: Duration) -> Self {
        self.confirm_failure_after = delay;
        self
    }

    /// The deadline set.
    pub fn deadline_value(&self) -> Duration {
        self.deadline
    }

    /// The failure-confirmation delay set.
    pub fn confirm_failure_after_value(&self) -> Duration {
        self.confirm_failure_after
    }

    /// A fresh wait generator for one wait.
    pub(crate) fn waits(&self) -> Box<dyn WaitGen<Error> + Send> {
        (self.make_waits)()
    }
}

impl Default for WaitOptions {
    fn default() -> Self {
        Self::new()
    }
}

impl fmt::Debug for WaitOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WaitOptions")
            .field("deadline", &self.deadline)
            .field("confirm_failure_after", &self.confirm_failure_after)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use retry_runtime::wait::Last;

    #[test]
    fn default_waits_double_up_to_thirty_seconds() {
        let mut waits = WaitOptions::new().waits();
        let secs: Vec<u64> = (0..7)
            .map(|_| waits.next_wait(Last::Value(&())).unwrap().as_secs())
            .collect();
        assert_eq!(secs, [1, 2, 4, 8, 16, 30, 30]);
    }

    #[test]
    fn each_wait_gets_a_fresh_generator() {
        let options = WaitOptions::new().poll(wait::from_iter([1.0, 2.0]));
        for _ in 0..2 {
            let mut waits = options.waits();
            assert_eq!(
                waits.next_wait(Last::Value(&())),
                Some(Duration::from_secs(1))
            );
        }
    }
}
