//! Background jobs as Harbor's task manager keeps them: one table of executions for every
//! kind (GC, audit-log purge, scan all, scan-data export, retention, preheat, webhook), each
//! with its tasks and their logs, and the schedules of the periodic ones.
//!
//! The simulator has no job service, so a job's life is fixed and deterministic: an
//! execution is born `Running`; the first read that shows it (a get, a list, a log) answers
//! `Running`, and the job finishes as `Success` right after that read, so the next read
//! answers `Success`. A stop while it runs makes it `Stopped`; a stop of a finished job
//! changes nothing, as in Harbor (`src/pkg/task/execution.go`, `Stop`). Tests that want
//! another outcome set [`Execution::status`] through `SimHandle::with_state`.

use serde_json::{Map, Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A job's status, spelled as Harbor's job service spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobStatus {
    /// Started, not finished.
    Running,
    /// Finished well.
    Success,
    /// Stopped by a caller.
    Stopped,
    /// Failed.
    Error,
}

impl JobStatus {
    /// Harbor's name (`Running`, `Success`, `Stopped`, `Error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Running => "Running",
            Self::Success => "Success",
            Self::Stopped => "Stopped",
            Self::Error => "Error",
        }
    }

    /// Whether the job has ended.
    pub fn is_final(self) -> bool {
        self != Self::Running
    }

    /// The numeric code Harbor's retention tasks answer (`status_code`).
    pub fn code(self) -> i64 {
        if self.is_final() { 3 } else { 2 }
    }
}

/// What kind of job an execution is: Harbor's vendor types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobKind {
    /// Garbage collection.
    GarbageCollection,
    /// Audit-log purge.
    PurgeAudit,
    /// Scan of every artifact.
    ScanAll,
    /// CSV export of scan data.
    ScanDataExport,
    /// Tag retention run.
    Retention,
    /// P2P preheat run.
    Preheat,
    /// Webhook notification.
    Webhook,
}

impl JobKind {
    /// The job service's name for the jobs of this kind (`src/jobservice/job/known_jobs.go`):
    /// a scan-all execution runs one `IMAGE_SCAN` job per artifact.
    pub fn job_name(self) -> &'static str {
        match self {
            Self::ScanAll => "IMAGE_SCAN",
            Self::PurgeAudit => "PURGE_AUDIT_LOG",
            other => other.vendor_type(),
        }
    }

    /// Harbor's vendor type.
    pub fn vendor_type(self) -> &'static str {
        match self {
            Self::GarbageCollection => "GARBAGE_COLLECTION",
            Self::PurgeAudit => "PURGE_AUDIT_LOG",
            Self::ScanAll => "SCAN_ALL",
            Self::ScanDataExport => "SCAN_DATA_EXPORT",
            Self::Retention => "RETENTION",
            Self::Preheat => "P2P_PREHEAT",
            Self::Webhook => "WEBHOOK",
        }
    }
}

/// One task of an execution, with its log.
#[derive(Debug, Clone)]
pub struct JobTask {
    /// Its id (one sequence for all kinds).
    pub id: i64,
    /// Its execution.
    pub execution_id: i64,
    /// Its status (follows the execution's).
    pub status: JobStatus,
    /// Vendor-specific attributes (`repository`, `total`, `retained`, ...).
    pub extra_attrs: Value,
    /// The log answered as text.
    pub log: String,
    /// RFC 3339 with milliseconds.
    pub creation_time: String,
    /// RFC 3339 with milliseconds.
    pub update_time: String,
    /// RFC 3339 with milliseconds, once finished.
    pub end_time: Option<String>,
}

/// One run of a job.
#[derive(Debug, Clone)]
pub struct Execution {
    /// Its id (one sequence for all kinds, as Harbor's `execution` table).
    pub id: i64,
    /// What kind of job.
    pub kind: JobKind,
    /// The policy or resource it runs for (0 when none).
    pub vendor_id: i64,
    /// Its status.
    pub status: JobStatus,
    /// `MANUAL`, `SCHEDULE` or `EVENT`.
    pub trigger: String,
    /// Job parameters, as Harbor keeps them.
    pub extra_attrs: Value,
    /// Who started it (a user name).
    pub operator: String,
    /// RFC 3339 with milliseconds.
    pub start_time: String,
    /// RFC 3339 with milliseconds.
    pub update_time: String,
    /// RFC 3339 with milliseconds, once finished.
    pub end_time: Option<String>,
    /// Why it failed, if it did.
    pub status_message: String,
    /// Its tasks.
    pub tasks: Vec<JobTask>,
}

impl Execution {
    /// What follows a read: a job that a read has shown `Running` finishes as `Success`.
    fn advance(&mut self) {
        if self.status == JobStatus::Running {
            self.finish(JobStatus::Success);
        }
    }

    /// Ends the job (and its unfinished tasks) with `status`.
    pub fn finish(&mut self, status: JobStatus) {
        let now = now();
        self.status = status;
        self.update_time = now.clone();
        self.end_time = Some(now.clone());
        for task in self.tasks.iter_mut().filter(|t| !t.status.is_final()) {
            task.status = status;
            task.update_time = now.clone();
            task.end_time = Some(now.clone());
            task.log
                .push_str(&format!("{now} [INFO] the job is {}\n", status.as_str()));
        }
    }

    /// The end time as Harbor answers it: the zero time while running.
    pub fn end_time_or_zero(&self) -> &str {
        self.end_time.as_deref().unwrap_or(ZERO_TIME)
    }

    /// Counts of tasks per status, as Harbor's `Metrics`.
    pub fn metrics(&self) -> Value {
        let count = |s: JobStatus| self.tasks.iter().filter(|t| t.status == s).count();
        json!({
            "task_count": self.tasks.len(),
            "success_task_count": count(JobStatus::Success),
            "error_task_count": count(JobStatus::Error),
            "pending_task_count": 0,
            "running_task_count": count(JobStatus::Running),
            "scheduled_task_count": 0,
            "stopped_task_count": count(JobStatus::Stopped),
        })
    }

    /// Harbor's generic `Execution` model (preheat and webhook executions).
    pub fn to_model(&self) -> Value {
        json!({
            "id": self.id,
            "vendor_type": self.kind.vendor_type(),
            "vendor_id": self.vendor_id,
            "status": self.status.as_str(),
            "status_message": self.status_message,
            "metrics": self.metrics(),
            "trigger": self.trigger,
            "extra_attrs": self.extra_attrs,
            "start_time": self.start_time,
            "end_time": self.end_time_or_zero(),
        })
    }
}

impl JobTask {
    /// The id the job service knows it by (24 hex digits, as Harbor's job ids).
    pub fn job_id(&self) -> String {
        super::job_service::job_id(self.id)
    }

    /// Harbor's generic `Task` model.
    pub fn to_model(&self) -> Value {
        json!({
            "id": self.id,
            "execution_id": self.execution_id,
            "status": self.status.as_str(),
            "status_message": "",
            "run_count": 1,
            "extra_attrs": self.extra_attrs,
            "creation_time": self.creation_time,
            "update_time": self.update_time,
            "start_time": self.creation_time,
            "end_time": self.end_time.as_deref().unwrap_or(ZERO_TIME),
        })
    }
}

/// Go's zero time, which Harbor answers for a time that is not set.
pub const ZERO_TIME: &str = "0001-01-01T00:00:00.000Z";

/// What a new execution starts with.
#[derive(Debug, Clone)]
pub struct NewExecution {
    /// Its kind.
    pub kind: JobKind,
    /// Its policy or resource (0 when none).
    pub vendor_id: i64,
    /// `MANUAL`, `SCHEDULE` or `EVENT`.
    pub trigger: &'static str,
    /// Job parameters.
    pub extra_attrs: Value,
    /// Who starts it.
    pub operator: String,
    /// One entry per task: its extra attributes and the first line of its log.
    pub tasks: Vec<(Value, String)>,
}

impl SimState {
    /// Starts an execution (born `Running`); returns its id.
    pub fn start_execution(&mut self, new: NewExecution) -> i64 {
        let id = self.ids.next("execution");
        let now = now();
        let tasks = new
            .tasks
            .into_iter()
            .map(|(extra_attrs, first_line)| JobTask {
                id: self.ids.next("task"),
                execution_id: id,
                status: JobStatus::Running,
                extra_attrs,
                log: format!("{now} [INFO] {first_line}\n"),
                creation_time: now.clone(),
                update_time: now.clone(),
                end_time: None,
            })
            .collect();
        self.executions.insert(
            id,
            Execution {
                id,
                kind: new.kind,
                vendor_id: new.vendor_id,
                status: JobStatus::Running,
                trigger: new.trigger.to_owned(),
                extra_attrs: new.extra_attrs,
                operator: new.operator,
                start_time: now.clone(),
                update_time: now,
                end_time: None,
                status_message: String::new(),
                tasks,
            },
        );
        id
    }

    /// Reads an execution of `kind` (advancing its life after the read); 404 for an
    /// unknown id or one of another kind.
    pub fn read_execution(&mut self, kind: JobKind, id: i64) -> ApiResult<Execution> {
        let e = self
            .executions
            .get_mut(&id)
            .filter(|e| e.kind == kind)
            .ok_or_else(|| not_found(kind, id))?;
        let seen = e.clone();
        e.advance();
        Ok(seen)
    }

    /// Reads every execution of `kind` that `keep` selects, newest first, advancing each.
    pub fn read_executions(
        &mut self,
        kind: JobKind,
        keep: impl Fn(&Execution) -> bool,
    ) -> Vec<Execution> {
        let mut seen = Vec::new();
        for e in self
            .executions
            .values_mut()
            .rev()
            .filter(|e| e.kind == kind && keep(e))
        {
            seen.push(e.clone());
            e.advance();
        }
        seen
    }

    /// Stops an execution of `kind`: `Stopped` if it runs, unchanged if it has ended.
    pub fn stop_execution(&mut self, kind: JobKind, id: i64) -> ApiResult<()> {
        let e = self
            .executions
            .get_mut(&id)
            .filter(|e| e.kind == kind)
            .ok_or_else(|| not_found(kind, id))?;
        if e.status == JobStatus::Running {
            e.finish(JobStatus::Stopped);
        }
        Ok(())
    }

    /// Stops any execution by id, whatever its kind, as the execution manager's `Stop` does
    /// for GC and purge (`src/pkg/task/execution.go`): 404 `execution <id> not found` when
    /// there is none.
    pub fn stop_any_execution(&mut self, id: i64) -> ApiResult<()> {
        let e = self
            .executions
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("execution {id} not found")))?;
        if e.status == JobStatus::Running {
            e.finish(JobStatus::Stopped);
        }
        Ok(())
    }

    /// The log of an execution's first task (GC and purge logs); 404 when it has none.
    pub fn execution_log(&mut self, kind: JobKind, id: i64) -> ApiResult<String> {
        let e = self.read_execution(kind, id)?;
        e.tasks
            .first()
            .map(|t| t.log.clone())
            .ok_or_else(|| ApiError::not_found(format!("the log of job {id} is not found")))
    }

    /// The execution a task belongs to, as Harbor's task manager reads a task by id alone
    /// (`src/pkg/task/dao/task.go` `Get`): 404 `task <id> not found` when no execution has it.
    pub fn task_execution(&self, task: i64) -> ApiResult<i64> {
        self.executions
            .values()
            .find(|e| e.tasks.iter().any(|t| t.id == task))
            .map(|e| e.id)
            .ok_or_else(|| ApiError::not_found(format!("task {task} not found")))
    }

    /// The log of one task of an execution of `kind`; 404 unless the task belongs to it.
    pub fn task_log(&mut self, kind: JobKind, execution: i64, task: i64) -> ApiResult<String> {
        let e = self.read_execution(kind, execution)?;
        e.tasks
            .iter()
            .find(|t| t.id == task)
            .map(|t| t.log.clone())
            .ok_or_else(|| {
                ApiError::not_found(format!("execution {execution} contains no task {task}"))
            })
    }
}

fn not_found(kind: JobKind, id: i64) -> ApiError {
    ApiError::not_found(format!(
        "{} execution {id} not found",
        kind.vendor_type().to_lowercase()
    ))
}

/// `{"type":"Manual","cron":"",...}` schedules of the periodic system jobs, by vendor type.
#[derive(Debug, Clone)]
pub struct JobSchedule {
    /// Its id.
    pub id: i64,
    /// `Hourly`, `Daily`, `Weekly`, `Custom`.
    pub kind: String,
    /// The cron expression (six fields, as Harbor's).
    pub cron: String,
    /// Job parameters.
    pub parameters: Map<String, Value>,
    /// RFC 3339 with milliseconds.
    pub creation_time: String,
    /// RFC 3339 with milliseconds.
    pub update_time: String,
}

/// Checks a cron expression as Harbor's `ValidateCronString` does: six fields.
pub fn valid_cron(cron: &str) -> bool {
    let fields: Vec<&str> = cron.split_whitespace().collect();
    fields.len() == 6
        && fields.iter().all(|f| {
            f.chars()
                .all(|c| c.is_ascii_alphanumeric() || "*/,-?LW#".contains(c))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gc() -> NewExecution {
        NewExecution {
            kind: JobKind::GarbageCollection,
            vendor_id: 0,
            trigger: "MANUAL",
            extra_attrs: json!({}),
            operator: "admin".into(),
            tasks: vec![(json!({}), "start".into())],
        }
    }

    #[test]
    fn a_job_is_seen_running_once_then_succeeds() {
        let mut s = SimState::default();
        let id = s.start_execution(gc());
        let first = s.read_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(first.status, JobStatus::Running);
        let second = s.read_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(second.status, JobStatus::Success);
        assert!(second.tasks[0].log.contains("Success"));
        assert!(s.read_execution(JobKind::PurgeAudit, id).is_err());
    }

    #[test]
    fn a_stop_ends_a_running_job_and_leaves_a_finished_one() {
        let mut s = SimState::default();
        let id = s.start_execution(gc());
        s.stop_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(s.executions[&id].status, JobStatus::Stopped);
        s.stop_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(s.executions[&id].status, JobStatus::Stopped);
        assert_eq!(
            s.stop_execution(JobKind::GarbageCollection, 99)
                .unwrap_err()
                .status,
            404
        );
    }

    #[test]
    fn cron_has_six_fields() {
        assert!(valid_cron("0 0 0 * * *"));
        assert!(!valid_cron("0 0 * * *"));
        assert!(!valid_cron("every day"));
    }
}
