//! The polling loop every waiter shares, run by the retry engine: each read is one attempt,
//! a job that has not ended is a value to retry on (`on_result`), the waits come from the
//! options' generator, the deadline is the policy's `max_time`, and a `Retry-After` is a
//! floor under the next wait. A read that fails transiently (429, 502-504, a network
//! error, a timeout, an open circuit) is retried like a job still running; any other error
//! ends the wait.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::wait::{Last, WaitGen};
use retry_runtime::{AttemptTimedOut, Policy, jitter, retry_async};
use tokio::time::Instant;

use super::options::WaitOptions;
use super::status::{JobStatus, Phase};
use crate::error::Error;

/// How long after the deadline a read that has started may still answer: the last read
/// happens at the deadline itself.
pub(crate) const READ_GRACE: Duration = Duration::from_millis(20);

/// What a read observes: a status, and whatever else the waiter returns with it.
pub(crate) trait Observation: Clone + Send + 'static {
    /// The status this read shows.
    fn status(&self) -> &JobStatus;
}

impl Observation for JobStatus {
    fn status(&self) -> &JobStatus {
        self
    }
}

/// How polling ended.
pub(crate) enum Polled<S> {
    /// The job ended: the read that shows it (a failure confirmed by a second read).
    Ended { last: S, waited: Duration },
    /// The deadline passed (or the wait generator ran out) before the job ended.
    DeadlinePassed {
        last: Option<S>,
        last_error: Option<Error>,
        waited: Duration,
    },
}

/// One read as the engine sees it: the observation, and whether it ends the wait.
#[derive(Debug)]
struct Read<S> {
    observed: S,
    ends: bool,
}

/// What the reads so far showed.
struct Seen<S> {
    last: Option<S>,
    /// The previous read showed a failure (the next one confirms or clears it).
    failed_before: bool,
}

/// The options' waits, except right after a first read of a failure: then the next read
/// comes after the confirmation delay, and the generator is not advanced.
struct PollWaits<'a> {
    waits: Box<dyn WaitGen<Error> + Send>,
    confirming: &'a AtomicBool,
    confirm_after: Duration,
}

impl WaitGen<Error> for PollWaits<'_> {
    fn next_wait(&mut self, last: Last<'_, Error>) -> Option<Duration> {
        if self.confirming.swap(false, Ordering::Relaxed) {
            Some(self.confirm_after)
        } else {
            self.waits.next_wait(last)
        }
    }
}

/// Whether an error while polling leaves the job to be read again.
fn read_again_after(error: &Error) -> bool {
    error.is_transient() || matches!(error, Error::CircuitOpen(_))
}

/// Polls `read` until the job ends or the deadline passes; `changed` sees every read whose
/// state differs from the one before (the first read included).
pub(crate) async fn poll_until_ended<S, F, Fut>(
    options: &WaitOptions,
    read: F,
    changed: &(dyn Fn(&S) + Send + Sync),
) -> Result<Polled<S>, Error>
where
    S: Observation + std::fmt::Debug,
    F: Fn() -> Fut + Sync,
    Fut: Future<Output = Result<S, Error>> + Send,
{
    let started = Instant::now();
    let confirm_after = options.confirm_failure_after;
    let seen = Mutex::new(Seen::<S> {
        last: None,
        failed_before: false,
    });
    let confirming = AtomicBool::new(false);
    let policy = Policy::<Read<S>, Error>::new()
        .on_result(|read: &Read<S>| !read.ends)
        .exception(read_again_after)
        .wait_gen(PollWaits {
            waits: options.waits(),
            confirming: &confirming,
            confirm_after,
        })
        .jitter(jitter::no_jitter)
        .wait_floor(Error::retry_after)
        .max_time(options.deadline)
        .logger(false);
    // Under the engine's own attempt timeout, a wait that reaches the deadline ends the call
    // without the read at the deadline (it would have no time left); a waiter wants that last
    // read, so reads are timed here instead, until just after the deadline.
    let reads_end = started + options.deadline + READ_GRACE;
    let attempts = AtomicU32::new(0);
    let attempt = || async {
        let attempt = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        let began = Instant::now();
        let observed = match tokio::time::timeout_at(reads_end, read()).await {
            Ok(read) => read?,
            Err(_) => {
                let given = reads_end.saturating_duration_since(began);
                return Err(Error::from(AttemptTimedOut::new(given, attempt)));
            }
        };
        let status = observed.status();
        let (ends, is_change) = {
            let mut seen = seen.lock().unwrap_or_else(|e| e.into_inner());
            // A failure its task counts do not show is a status Harbor has not refreshed
            // yet (see `JobStatus::is_over`), not one to confirm.
            let failed = status.phase == Phase::Failed && status.is_over();
            let ends = if failed && !confirm_after.is_zero() && !seen.failed_before {
                confirming.store(true, Ordering::Relaxed);
                false
            } else {
                status.is_over()
            };
            let is_change = seen
                .last
                .as_ref()
                .is_none_or(|last| !last.status().same_state(status));
            seen.failed_before = failed;
            seen.last = Some(observed.clone());
            (ends, is_change)
        };
        if is_change {
            tracing::debug!(status = %status, "waiter: status changed");
            changed(&observed);
        }
        Ok(Read { observed, ends })
    };
    let outcome = retry_async(policy, attempt).await;
    let waited = started.elapsed();
    match outcome {
        Ok(Read {
            observed,
            ends: true,
        }) => Ok(Polled::Ended {
            last: observed,
            waited,
        }),
        Ok(Read { observed, .. }) => Ok(Polled::DeadlinePassed {
            last: Some(observed),
            last_error: None,
            waited,
        }),
        Err(error) if read_again_after(&error) => {
            let last = seen.into_inner().unwrap_or_else(|e| e.into_inner()).last;
            Ok(Polled::DeadlinePassed {
                last,
                last_error: Some(error),
                waited,
            })
        }
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::StatusError;
    use crate::waiters::status::TaskCounts;
    use retry_runtime::wait;
    use std::sync::Mutex;

    /// A job whose reads answer `script` in order (the last answer forever), recording when
    /// each read happened, in seconds after the start.
    struct Scripted {
        script: Vec<Result<&'static str, u16>>,
        reads: Mutex<Vec<f64>>,
        started: Instant,
    }

    impl Scripted {
        fn new(script: Vec<Result<&'static str, u16>>) -> Self {
            Scripted {
                script,
                reads: Mutex::new(Vec::new()),
                started: Instant::now(),
            }
        }

        async fn read(&self) -> Result<JobStatus, Error> {
            let n = {
                let mut reads = self.reads.lock().unwrap();
                reads.push(self.started.elapsed().as_secs_f64());
                reads.len() - 1
            };
            match self.script[n.min(self.script.len() - 1)] {
                Ok(word) => Ok(JobStatus::new(word)),
                Err(429) => Err(StatusError::from_answer(429, b"")
                    .with_retry_after(Some(Duration::from_secs(30)))
                    .into()),
                Err(code) => Err(StatusError::from_answer(code, b"").into()),
            }
        }

        fn reads(&self) -> Vec<f64> {
            self.reads.lock().unwrap().clone()
        }
    }

    fn every(secs: u64) -> WaitOptions {
        WaitOptions::new()
            .poll(wait::constant().interval(secs))
            .confirm_failure_after(Duration::from_secs(3))
            .deadline(Duration::from_secs(60))
    }

    async fn run(job: &Scripted, options: &WaitOptions) -> Result<Polled<JobStatus>, Error> {
        poll_until_ended(options, || job.read(), &|_| {}).await
    }

    fn ended(polled: Result<Polled<JobStatus>, Error>) -> (Phase, Duration) {
        match polled {
            Ok(Polled::Ended { last, waited }) => (last.phase, waited),
            Ok(Polled::DeadlinePassed { last, .. }) => panic!("deadline passed at {last:?}"),
            Err(e) => panic!("error {e}"),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn reads_follow_the_wait_generator_until_the_job_ends() {
        let job = Scripted::new(vec![Ok(""), Ok("Running"), Ok("Running"), Ok("Success")]);
        let (phase, waited) = ended(run(&job, &every(10)).await);
        assert_eq!((phase, waited), (Phase::Succeeded, Duration::from_secs(30)));
        assert_eq!(job.reads(), [0.0, 10.0, 20.0, 30.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_that_clears_is_not_reported() {
        let job = Scripted::new(vec![
            Ok("InProgress"),
            Ok("Failed"),
            Ok("InProgress"),
            Ok("Succeed"),
        ]);
        let (phase, _) = ended(run(&job, &every(10)).await);
        assert_eq!(phase, Phase::Succeeded);
        // The confirmation read comes 3 s after the failure; then the cadence goes on.
        assert_eq!(job.reads(), [0.0, 10.0, 13.0, 23.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_read_twice_is_reported() {
        let job = Scripted::new(vec![Ok("Running"), Ok("Error"), Ok("Error")]);
        let (phase, waited) = ended(run(&job, &every(10)).await);
        assert_eq!((phase, waited), (Phase::Failed, Duration::from_secs(13)));
        assert_eq!(job.reads(), [0.0, 10.0, 13.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_with_a_task_in_progress_is_not_over() {
        // A replication retrying its task: `Failed` until Harbor's next status refresh, the
        // task in progress meanwhile; then `Succeed`.
        let reads = Mutex::new(0);
        let read = || async {
            let n = {
                let mut n = reads.lock().unwrap();
                *n += 1;
                *n
            };
            let retrying = TaskCounts {
                total: 1,
                in_progress: 1,
                ..TaskCounts::default()
            };
            Ok::<_, Error>(match n {
                1..=3 => JobStatus::new("Failed").with_tasks(retrying),
                _ => JobStatus::new("Succeed").with_tasks(TaskCounts {
                    total: 1,
                    succeeded: 1,
                    ..TaskCounts::default()
                }),
            })
        };
        let polled = poll_until_ended(&every(10), read, &|_| {}).await;
        let (phase, waited) = ended(polled);
        assert_eq!((phase, waited), (Phase::Succeeded, Duration::from_secs(30)));
    }

    #[tokio::test(start_paused = true)]
    async fn without_confirmation_the_first_failure_is_believed() {
        let job = Scripted::new(vec![Ok("Running"), Ok("Error"), Ok("Success")]);
        let options = every(10).confirm_failure_after(Duration::ZERO);
        let (phase, _) = ended(run(&job, &options).await);
        assert_eq!(phase, Phase::Failed);
        assert_eq!(job.reads(), [0.0, 10.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_stuck_job_ends_at_the_deadline_with_its_last_status() {
        let job = Scripted::new(vec![Ok("Running")]);
        let polled = run(&job, &every(7)).await.unwrap();
        let Polled::DeadlinePassed {
            last,
            last_error,
            waited,
        } = polled
        else {
            panic!("the job never ends");
        };
        assert_eq!(last.unwrap().phase, Phase::Running);
        assert!(last_error.is_none());
        assert_eq!(waited, Duration::from_secs(60));
        // Every 7 s, then the last wait cut to the 4 s left.
        assert_eq!(
            job.reads(),
            [0.0, 7.0, 14.0, 21.0, 28.0, 35.0, 42.0, 49.0, 56.0, 60.0]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn retry_after_slows_the_polling_and_never_ends_it() {
        let job = Scripted::new(vec![
            Ok("Running"),
            Err(429),
            Err(503),
            Ok("Running"),
            Ok("Success"),
        ]);
        let (phase, _) = ended(run(&job, &every(5)).await);
        assert_eq!(phase, Phase::Succeeded);
        // 30 s after the 429 (its Retry-After), 5 s after the 503 (none).
        assert_eq!(job.reads(), [0.0, 5.0, 35.0, 40.0, 45.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_refusal_ends_the_wait_with_its_error() {
        let job = Scripted::new(vec![Ok("Running"), Err(404)]);
        let error = run(&job, &every(5))
            .await
            .err()
            .expect("a 404 ends the wait");
        assert_eq!(error.status(), Some(404));
        assert_eq!(job.reads(), [0.0, 5.0]);
    }

    #[tokio::test(start_paused = true)]
    async fn errors_until_the_deadline_end_it_with_the_last_error() {
        let job = Scripted::new(vec![Ok("Pending"), Err(503)]);
        let Ok(Polled::DeadlinePassed {
            last,
            last_error,
            waited,
        }) = run(&job, &every(20)).await
        else {
            panic!("expected the deadline");
        };
        assert_eq!(last.unwrap().phase, Phase::Pending);
        assert_eq!(last_error.unwrap().status(), Some(503));
        assert_eq!(waited, Duration::from_secs(60));
    }

    #[tokio::test(start_paused = true)]
    async fn a_read_that_hangs_is_cut_at_the_deadline() {
        let options = every(5).deadline(Duration::from_millis(2500));
        let started = Instant::now();
        let polled = poll_until_ended(
            &options,
            std::future::pending::<Result<JobStatus, Error>>,
            &|_| {},
        )
        .await
        .unwrap();
        let Polled::DeadlinePassed {
            last, last_error, ..
        } = polled
        else {
            panic!("a hanging read cannot end the job");
        };
        assert!(last.is_none());
        let Some(Error::Timeout(timeout)) = last_error else {
            panic!("the read was cut by the deadline");
        };
        assert!(timeout.attempt_timed_out().is_some());
        assert_eq!(started.elapsed(), Duration::from_millis(2500) + READ_GRACE);
    }

    #[tokio::test(start_paused = true)]
    async fn changes_are_reported_once_each() {
        let job = Scripted::new(vec![
            Ok("Pending"),
            Ok("Pending"),
            Ok("Running"),
            Ok("Running"),
            Ok("Success"),
        ]);
        let seen = Mutex::new(Vec::new());
        let changed = |s: &JobStatus| seen.lock().unwrap().push(s.status.clone());
        poll_until_ended(&every(1), || job.read(), &changed)
            .await
            .unwrap();
        assert_eq!(*seen.lock().unwrap(), ["Pending", "Running", "Success"]);
    }
}
