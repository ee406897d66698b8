//! How a wait ended, typed: succeeded, failed (with the reason and the tasks), stopped, or
//! the deadline passed (with the last status seen).

use std::time::Duration;

use super::job::Task;
use super::status::{JobStatus, Phase};
use crate::error::Error;
use crate::models::NativeReportSummary;

/// How [`HarborClient::wait_for_execution`](crate::HarborClient::wait_for_execution) ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum WaitOutcome {
    /// The job succeeded.
    Succeeded {
        /// The read that showed it.
        status: JobStatus,
        /// How long the wait took.
        waited: Duration,
    },
    /// The job failed, and a second read confirmed it.
    Failed {
        /// The read that confirmed it.
        status: JobStatus,
        /// Harbor's message, else the failed tasks' messages, else the status word.
        reason: String,
        /// The job's tasks, read once after the failure (empty for kinds whose API lists
        /// none, or when that read failed).
        tasks: Vec<Task>,
        /// How long the wait took.
        waited: Duration,
    },
    /// Someone stopped the job.
    Stopped {
        /// The read that showed it.
        status: JobStatus,
        /// How long the wait took.
        waited: Duration,
    },
    /// The deadline passed before the job ended.
    DeadlinePassed {
        /// The last status read (`None` when no read succeeded).
        last: Option<JobStatus>,
        /// The error of the last read, when it failed (a 503, a timeout, ...).
        last_error: Option<Error>,
        /// How long the wait took.
        waited: Duration,
    },
}

impl WaitOutcome {
    /// Whether the job succeeded.
    pub fn is_success(&self) -> bool {
        matches!(self, WaitOutcome::Succeeded { .. })
    }

    /// The last status read, if any.
    pub fn status(&self) -> Option<&JobStatus> {
        match self {
            WaitOutcome::Succeeded { status, .. }
            | WaitOutcome::Failed { status, .. }
            | WaitOutcome::Stopped { status, .. } => Some(status),
            WaitOutcome::DeadlinePassed { last, .. } => last.as_ref(),
        }
    }

    /// How long the wait took.
    pub fn waited(&self) -> Duration {
        match self {
            WaitOutcome::Succeeded { waited, .. }
            | WaitOutcome::Failed { waited, .. }
            | WaitOutcome::Stopped { waited, .. }
            | WaitOutcome::DeadlinePassed { waited, .. } => *waited,
        }
    }

    /// The outcome of a job that ended with `status`.
    pub(crate) fn ended(status: JobStatus, tasks: Vec<Task>, waited: Duration) -> Self {
        match status.phase {
            Phase::Succeeded => WaitOutcome::Succeeded { status, waited },
            Phase::Stopped => WaitOutcome::Stopped { status, waited },
            _ => WaitOutcome::Failed {
                reason: failure_reason(&status, &tasks),
                status,
                tasks,
                waited,
            },
        }
    }
}

/// Why a job failed, in Harbor's words where it gave any.
fn failure_reason(status: &JobStatus, tasks: &[Task]) -> String {
    if let Some(message) = &status.message {
        return message.clone();
    }
    let messages: Vec<String> = tasks
        .iter()
        .filter(|t| t.status.phase == Phase::Failed)
        .map(|t| match (&t.status.message, &t.resource) {
            (Some(m), Some(r)) => format!("task {} ({r}): {m}", t.id),
            (Some(m), None) => format!("task {}: {m}", t.id),
            (None, Some(r)) => format!("task {} ({r}) failed", t.id),
            (None, None) => format!("task {} failed", t.id),
        })
        .collect();
    if messages.is_empty() {
        format!("the job ended with status {:?}", status.status)
    } else {
        messages.join("; ")
    }
}

/// How [`HarborClient::wait_for_scan`](crate::HarborClient::wait_for_scan) ended.
#[derive(Debug)]
#[non_exhaustive]
pub enum ScanOutcome {
    /// The scan succeeded: its summary (severity, counts per severity, scanner).
    Succeeded {
        /// The artifact's vulnerability-report summary.
        summary: Box<NativeReportSummary>,
        /// How long the wait took.
        waited: Duration,
    },
    /// The scan failed, and a second read confirmed it.
    Failed {
        /// The read that confirmed it.
        status: JobStatus,
        /// The summary Harbor answered with the failure, if any.
        summary: Option<Box<NativeReportSummary>>,
        /// How long the wait took.
        waited: Duration,
    },
    /// Someone stopped the scan.
    Stopped {
        /// The read that showed it.
        status: JobStatus,
        /// How long the wait took.
        waited: Duration,
    },
    /// The deadline passed before the scan ended.
    DeadlinePassed {
        /// The last status read (`pending` with no overview while the scan is queued).
        last: Option<JobStatus>,
        /// The error of the last read, when it failed.
        last_error: Option<Error>,
        /// How long the wait took.
        waited: Duration,
    },
}

impl ScanOutcome {
    /// The summary of a successful scan.
    pub fn summary(&self) -> Option<&NativeReportSummary> {
        match self {
            ScanOutcome::Succeeded { summary, .. } => Some(summary),
            _ => None,
        }
    }

    /// How long the wait took.
    pub fn waited(&self) -> Duration {
        match self {
            ScanOutcome::Succeeded { waited, .. }
            | ScanOutcome::Failed { waited, .. }
            | ScanOutcome::Stopped { waited, .. }
            | ScanOutcome::DeadlinePassed { waited, .. } => *waited,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(id: i64, status: &str, message: Option<&str>, resource: Option<&str>) -> Task {
        Task {
            id,
            status: JobStatus::new(status).with_message(message.map(str::to_owned)),
            resource: resource.map(str::to_owned),
        }
    }

    #[test]
    fn the_reason_prefers_harbors_message_then_the_failed_tasks() {
        let tasks = [
            task(1, "Success", None, Some("library/a")),
            task(2, "Error", Some("pull refused"), Some("library/b")),
            task(3, "Error", None, None),
        ];
        let with_message = JobStatus::new("Failed").with_message(Some("2 of 3 failed".into()));
        assert_eq!(failure_reason(&with_message, &tasks), "2 of 3 failed");
        assert_eq!(
            failure_reason(&JobStatus::new("Failed"), &tasks),
            "task 2 (library/b): pull refused; task 3 failed"
        );
        assert_eq!(
            failure_reason(&JobStatus::new("Error"), &[]),
            "the job ended with status \"Error\""
        );
    }

    #[test]
    fn ended_sorts_by_phase() {
        let d = Duration::from_secs(3);
        assert!(WaitOutcome::ended(JobStatus::new("Succeed"), vec![], d).is_success());
        assert!(matches!(
            WaitOutcome::ended(JobStatus::new("Stopped"), vec![], d),
            WaitOutcome::Stopped { .. }
        ));
        let failed = WaitOutcome::ended(JobStatus::new("Error"), vec![], d);
        assert!(matches!(failed, WaitOutcome::Failed { .. }));
        assert_eq!(failed.waited(), d);
        assert_eq!(failed.status().unwrap().phase, Phase::Failed);
    }
}
