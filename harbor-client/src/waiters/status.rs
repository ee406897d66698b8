//! What a job looks like at one read: Harbor's own status word, and the phase it means.
//!
//! Harbor spells the same states differently per API: the task manager's jobs (GC, audit-log
//! purge, retention, preheat, webhook, scan-data export, scans) say `Pending`, `Scheduled`,
//! `Running`, `Success`, `Error`, `Stopped` (`src/jobservice/job/status.go`); the replication
//! API converts them to `InProgress`, `Succeed`, `Failed`, `Stopped`, and leaves the word
//! empty for a queued execution (`convertExecution`, `src/server/v2.0/handler/replication.go`).
//! [`Phase::of`] reads every spelling.

use std::fmt;

/// Where a job is in its life, whatever the API calls it.
///
/// ```
/// use harbor_client::waiters::Phase;
///
/// assert_eq!(Phase::of("InProgress"), Phase::Running);
/// assert_eq!(Phase::of("Succeed"), Phase::Succeeded);
/// assert_eq!(Phase::of("Error"), Phase::Failed);
/// assert_eq!(Phase::of(""), Phase::Pending); // a queued replication
/// assert!(Phase::Stopped.is_final() && !Phase::Running.is_final());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Phase {
    /// Queued: `Pending`, `Scheduled`, an empty word, or (for a scan) no overview yet.
    Pending,
    /// Started: `Running`, `InProgress`.
    Running,
    /// Ended well: `Success`, `Succeed`.
    Succeeded,
    /// Ended badly: `Error`, `Failed`.
    Failed,
    /// Stopped by someone: `Stopped`.
    Stopped,
    /// A word this client does not know; waited on like a job that has not ended.
    Unknown,
}

impl Phase {
    /// The phase of one of Harbor's status words (ASCII case ignored).
    pub fn of(status: &str) -> Phase {
        let word = status.trim().to_ascii_lowercase();
        match word.as_str() {
            "" | "pending" | "scheduled" | "queued" => Phase::Pending,
            "running" | "inprogress" | "in_progress" => Phase::Running,
            "success" | "succeed" | "succeeded" | "finished" => Phase::Succeeded,
            "error" | "failed" | "failure" => Phase::Failed,
            "stopped" | "stop" => Phase::Stopped,
            _ => Phase::Unknown,
        }
    }

    /// Whether the job has ended (succeeded, failed or stopped).
    pub fn is_final(self) -> bool {
        matches!(self, Phase::Succeeded | Phase::Failed | Phase::Stopped)
    }
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Phase::Pending => "pending",
            Phase::Running => "running",
            Phase::Succeeded => "succeeded",
            Phase::Failed => "failed",
            Phase::Stopped => "stopped",
            Phase::Unknown => "unknown",
        })
    }
}

/// Counts of a job's tasks per phase, when its API gives them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TaskCounts {
    /// All tasks.
    pub total: i64,
    /// Tasks not started or running.
    pub in_progress: i64,
    /// Tasks that succeeded.
    pub succeeded: i64,
    /// Tasks that failed.
    pub failed: i64,
    /// Tasks that were stopped.
    pub stopped: i64,
}

impl TaskCounts {
    /// The counts of tasks in `phases`; a phase the client does not know counts as in
    /// progress.
    pub(crate) fn of(phases: impl Iterator<Item = Phase>) -> Self {
        let mut counts = TaskCounts::default();
        for phase in phases {
            counts.total += 1;
            match phase {
                Phase::Succeeded => counts.succeeded += 1,
                Phase::Failed => counts.failed += 1,
                Phase::Stopped => counts.stopped += 1,
                Phase::Pending | Phase::Running | Phase::Unknown => counts.in_progress += 1,
            }
        }
        counts
    }
}

/// One read of a job: its phase, Harbor's word for it, and what else the read said.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct JobStatus {
    /// The phase [`JobStatus::status`] means.
    pub phase: Phase,
    /// Harbor's word, as answered (`Running`, `Succeed`, ...; empty when it said none).
    pub status: String,
    /// Harbor's message or status text, when it gave one.
    pub message: Option<String>,
    /// Task counts, when the API answers them.
    pub tasks: Option<TaskCounts>,
}

impl JobStatus {
    /// A status from Harbor's word.
    pub fn new(status: impl Into<String>) -> Self {
        let status = status.into();
        JobStatus {
            phase: Phase::of(&status),
            status,
            message: None,
            tasks: None,
        }
    }

    /// With Harbor's message (an empty one is dropped).
    pub fn with_message(mut self, message: Option<String>) -> Self {
        self.message = message.filter(|m| !m.trim().is_empty());
        self
    }

    /// With task counts.
    pub fn with_tasks(mut self, tasks: TaskCounts) -> Self {
        self.tasks = Some(tasks);
        self
    }

    /// Whether the read shows the job over: a final word, which the task counts, when the
    /// read has them, agree with (Harbor's rule over its tasks: any in progress, running;
    /// else any failed, failed; else any stopped, stopped; else succeeded). Harbor refreshes
    /// an execution's status from its tasks' periodically (every 30 s by default,
    /// `EXECUTION_STATUS_REFRESH_INTERVAL_SECONDS`) while the counts are read live: a
    /// replication retrying a failed task reads `Failed` with the task in progress, then
    /// succeeded, until the next refresh, which a short second look would take for the
    /// failure.
    pub(crate) fn is_over(&self) -> bool {
        let counted = match self.tasks {
            Some(t) if t.total > 0 => {
                if t.in_progress > 0 {
                    Phase::Running
                } else if t.failed > 0 {
                    Phase::Failed
                } else if t.stopped > 0 {
                    Phase::Stopped
                } else {
                    Phase::Succeeded
                }
            }
            _ => self.phase,
        };
        self.phase.is_final() && counted == self.phase
    }

    /// Whether two reads show the same state (a change is worth reporting otherwise).
    pub(crate) fn same_state(&self, other: &JobStatus) -> bool {
        self.phase == other.phase && self.status == other.status && self.tasks == other.tasks
    }
}

impl fmt::Display for JobStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.status.is_empty() {
            write!(f, "{}", self.phase)?;
        } else {
            write!(f, "{} ({})", self.phase, self.status)?;
        }
        if let Some(t) = &self.tasks {
            write!(
                f,
                ", tasks: {} of {} done, {} failed",
                t.succeeded + t.failed + t.stopped,
                t.total,
                t.failed
            )?;
        }
        if let Some(m) = &self.message {
            write!(f, ": {m}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_final_word_the_counts_contradict_is_not_over() {
        let counts = |in_progress, succeeded, failed| TaskCounts {
            total: 1,
            in_progress,
            succeeded,
            failed,
            stopped: 0,
        };
        assert!(JobStatus::new("Failed").is_over(), "no counts: the word");
        assert!(
            JobStatus::new("Failed")
                .with_tasks(counts(0, 0, 1))
                .is_over()
        );
        for (retrying, label) in [(counts(1, 0, 0), "retrying"), (counts(0, 1, 0), "retried")] {
            assert!(
                !JobStatus::new("Failed").with_tasks(retrying).is_over(),
                "{label}"
            );
        }
        assert!(
            JobStatus::new("Succeed")
                .with_tasks(counts(0, 1, 0))
                .is_over()
        );
        assert!(
            !JobStatus::new("InProgress")
                .with_tasks(counts(0, 1, 0))
                .is_over()
        );
        assert!(
            JobStatus::new("Success")
                .with_tasks(TaskCounts::default())
                .is_over()
        );
    }

    #[test]
    fn every_spelling_harbor_uses_has_its_phase() {
        for (word, phase) in [
            ("Pending", Phase::Pending),
            ("Scheduled", Phase::Pending),
            ("", Phase::Pending),
            ("Running", Phase::Running),
            ("InProgress", Phase::Running),
            ("Success", Phase::Succeeded),
            ("Succeed", Phase::Succeeded),
            ("Error", Phase::Failed),
            ("Failed", Phase::Failed),
            ("Stopped", Phase::Stopped),
            ("running", Phase::Running),
            ("Exploded", Phase::Unknown),
        ] {
            assert_eq!(Phase::of(word), phase, "{word:?}");
        }
    }

    #[test]
    fn only_ended_phases_are_final() {
        let finals: Vec<Phase> = [
            Phase::Pending,
            Phase::Running,
            Phase::Succeeded,
            Phase::Failed,
            Phase::Stopped,
            Phase::Unknown,
        ]
        .into_iter()
        .filter(|p| p.is_final())
        .collect();
        assert_eq!(finals, [Phase::Succeeded, Phase::Failed, Phase::Stopped]);
    }

    #[test]
    fn display_names_phase_word_tasks_and_message() {
        let s = JobStatus::new("Failed")
            .with_message(Some("2 tasks failed".into()))
            .with_tasks(TaskCounts {
                total: 3,
                in_progress: 0,
                succeeded: 1,
                failed: 2,
                stopped: 0,
            });
        assert_eq!(
            s.to_string(),
            "failed (Failed), tasks: 3 of 3 done, 2 failed: 2 tasks failed"
        );
        assert_eq!(
            JobStatus::new("")
                .with_message(Some(" ".into()))
                .to_string(),
            "pending"
        );
    }
}
