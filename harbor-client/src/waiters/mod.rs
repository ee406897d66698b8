//! Waiters: wait for a scan or a background job (GC, replication, retention, ...) to end,
//! as the AWS SDKs' waiters do, instead of writing the polling loop by hand.
//!
//! A waiter reads the job's status again and again on the retry engine (each read is one
//! attempt, a job that has not ended is a value to retry on, the waits come from
//! [`WaitOptions::poll`], the deadline is the engine's `max_time`), and returns a typed
//! outcome. It survives what Harbor does to pollers:
//! - a scan that is queued shows no `scan_overview`: read as `pending`, waited on;
//! - replication executions may read `Failed` for a moment while a task is retried: a
//!   failure is reported only when a second read [`WaitOptions::confirm_failure_after`]
//!   later still shows it;
//! - a 429 or 503 (with `Retry-After`), a 502/504, a network error or a timeout while
//!   polling slows the polling and never ends it; each read is one request (the client's
//!   own retries are off for it, so the reads follow the wait generator);
//! - the deadline is kept: the last read is made at the deadline, a read still running 20 ms
//!   after it is dropped, and the outcome carries the last status seen.
//!
//! ```no_run
//! use std::time::Duration;
//! use harbor_client::HarborClient;
//! use harbor_client::waiters::{Job, WaitOptions, WaitOutcome};
//!
//! # async fn demo(client: HarborClient, gc_id: i64) -> Result<(), harbor_client::Error> {
//! let options = WaitOptions::new().deadline(Duration::from_secs(3600));
//! match client.wait_for_execution(&Job::gc(gc_id), &options).await? {
//!     WaitOutcome::Succeeded { waited, .. } => println!("GC done in {waited:?}"),
//!     WaitOutcome::Failed { reason, .. } => eprintln!("GC failed: {reason}"),
//!     WaitOutcome::Stopped { .. } => eprintln!("GC was stopped"),
//!     WaitOutcome::DeadlinePassed { last, .. } => eprintln!("still {last:?} after an hour"),
//!     _ => {}
//! }
//! # Ok(()) }
//! ```

mod job;
mod options;
mod outcome;
mod poll;
mod scan;
mod status;

pub use job::{Job, Task};
pub use options::WaitOptions;
pub use outcome::{ScanOutcome, WaitOutcome};
pub use scan::ArtifactRef;
pub use status::{JobStatus, Phase, TaskCounts};

use futures::channel::mpsc;
use futures::{Stream, StreamExt, future, stream};

use crate::client::HarborClient;
use crate::error::Error;
use poll::{Observation, Polled, poll_until_ended};

/// One event of a watched wait ([`HarborClient::watch_execution`],
/// [`HarborClient::watch_scan`]): each change of status, then the end.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitEvent<O> {
    /// A read whose status differs from the one before (the first read included).
    Changed(JobStatus),
    /// The wait ended: the last event of the stream.
    Ended(Result<O, Error>),
}

impl HarborClient {
    /// Waits for `job` to end, reading its status as `options` say, and returns how it
    /// ended (see the [module](crate::waiters) for what the waiter survives). Only errors
    /// that reading again cannot cure are returned as `Err`: a 404 (no such job), a
    /// refusal, an answer that does not decode.
    pub async fn wait_for_execution(
        &self,
        job: &Job,
        options: &WaitOptions,
    ) -> Result<WaitOutcome, Error> {
        self.wait_for_execution_reporting(job, options, &|_| {})
            .await
    }

    /// [`HarborClient::wait_for_execution`] as a stream, for a progress bar: one
    /// [`WaitEvent::Changed`] per change of the job's status, then [`WaitEvent::Ended`].
    ///
    /// ```no_run
    /// use futures::StreamExt;
    /// use harbor_client::HarborClient;
    /// use harbor_client::waiters::{Job, WaitEvent, WaitOptions};
    ///
    /// # async fn demo(client: HarborClient) {
    /// let options = WaitOptions::new();
    /// let job = Job::replication(42);
    /// let mut events = std::pin::pin!(client.watch_execution(&job, &options));
    /// while let Some(event) = events.next().await {
    ///     match event {
    ///         WaitEvent::Changed(status) => println!("replication: {status}"),
    ///         WaitEvent::Ended(outcome) => println!("ended: {outcome:?}"),
    ///         _ => {}
    ///     }
    /// }
    /// # }
    /// ```
    pub fn watch_execution<'a>(
        &'a self,
        job: &'a Job,
        options: &'a WaitOptions,
    ) -> impl Stream<Item = WaitEvent<WaitOutcome>> + Send + 'a {
        watched(move |changed| async move {
            self.wait_for_execution_reporting(job, options, &*changed)
                .await
        })
    }

    async fn wait_for_execution_reporting(
        &self,
        job: &Job,
        options: &WaitOptions,
        changed: &(dyn Fn(&JobStatus) + Send + Sync),
    ) -> Result<WaitOutcome, Error> {
        let once = self.no_retry();
        let read = || job.read(&once);
        Ok(match poll_until_ended(options, read, changed).await? {
            Polled::Ended { last, waited } => {
                let tasks = if last.phase == Phase::Failed {
                    job.tasks(&once).await.unwrap_or_else(|e| {
                        tracing::warn!(%job, error = %e, "waiter: could not read the failed job's tasks");
                        Vec::new()
                    })
                } else {
                    Vec::new()
                };
                WaitOutcome::ended(last, tasks, waited)
            }
            Polled::DeadlinePassed {
                last,
                last_error,
                waited,
            } => WaitOutcome::DeadlinePassed {
                last,
                last_error,
                waited,
            },
        })
    }
}

/// What a waiter calls with each read whose status changed.
type OnChange<'a, R> = Box<dyn Fn(&R) + Send + Sync + 'a>;

/// A waiter as a stream: `wait` is given the callback for each changed read and returns the
/// outcome. Each change is yielded as [`WaitEvent::Changed`], then the outcome as
/// [`WaitEvent::Ended`]; the stream ends once the waiter has finished and every event it sent
/// has been yielded.
fn watched<'a, R: Observation + 'a, O: Send + 'a, Fut>(
    wait: impl FnOnce(OnChange<'a, R>) -> Fut,
) -> impl Stream<Item = WaitEvent<O>> + Send + 'a
where
    Fut: Future<Output = Result<O, Error>> + Send + 'a,
{
    let (tx, rx) = mpsc::unbounded();
    let changes = tx.clone();
    let waiting = wait(Box::new(move |read: &R| {
        let _ = changes.unbounded_send(WaitEvent::Changed(read.status().clone()));
    }));
    let driver = async move {
        let ended = waiting.await;
        let _ = tx.unbounded_send(WaitEvent::Ended(ended));
    };
    stream::select(rx.map(Some), stream::once(driver).map(|()| None)).filter_map(future::ready)
}
