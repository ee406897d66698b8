//! Background jobs as Harbor's task manager keeps them: one table of executions for every
//! kind (GC, audit-log purge, scan, scan all, scan-data export, retention, preheat, webhook),
//! each with its tasks and their logs, and the schedules of the periodic ones.
//!
//! Every task lives by a [`JobPlan`] drawn when the job starts from the [`Lifecycle`] of its
//! kind (or the one set for that job): `Pending`, `Running`, then its outcome, on tokio's
//! clock (see [`super::lifecycle`]). Statuses are computed when read: [`Execution::refresh`]
//! brings an execution's fields (status, times, task logs, counts) to an instant. Tasks show
//! their status at once; the execution's status, end time, `update_time` and `revision` are
//! those of its last status refresh, which by default comes every 30 seconds after a task
//! changed (at once for a stop; see [`StatusRefresh`]), and follow Harbor's `refreshStatus`
//! (`src/pkg/task/dao/execution.go`): any
//! task `Pending` or `Running` makes it `Running` (an execution never reads `Pending`), else
//! any `Error` makes it `Error`, else any `Stopped` makes it `Stopped`, else `Success`; its
//! end time is the latest task's end once final, Go's zero time before. A stop ends a
//! `Pending` or `Running` task as `Stopped` and leaves a finished one as it is (`Stop` in
//! `src/pkg/task/execution.go` and `task.go`, `StopJob` in the job service).
//! Replication executions are executions of [`JobKind::Replication`], one task per
//! resource the copy flow found (see [`super::replication`]).

use std::str::FromStr;
use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use tokio::time::Instant;

use super::lifecycle::{JobPlan, Lifecycle, Outcome, Phase, rfc3339};
use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A job's status, spelled as Harbor's job service spells it (`src/jobservice/job/status.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum JobStatus {
    /// Queued, not started.
    Pending,
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
    /// Harbor's name (`Pending`, `Running`, `Success`, `Stopped`, `Error`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Running => "Running",
            Self::Success => "Success",
            Self::Stopped => "Stopped",
            Self::Error => "Error",
        }
    }

    /// Whether the job has ended.
    pub fn is_final(self) -> bool {
        !matches!(self, Self::Pending | Self::Running)
    }

    /// Harbor's status code (`Status.Code`): 0 pending, 2 running, 3 for every final status;
    /// retention tasks answer it as `status_code`.
    pub fn code(self) -> i64 {
        match self {
            Self::Pending => 0,
            Self::Running => 2,
            _ => 3,
        }
    }

    /// The replication API's spelling (`convertExecution` and `convertTask` in
    /// `src/server/v2.0/handler/replication.go`): `Running` is `InProgress`, `Success`
    /// `Succeed`, `Error` `Failed`; `Pending` and `Stopped` keep their names (an execution
    /// is never `Pending`, see the module doc).
    pub fn replication_name(self) -> &'static str {
        match self {
            Self::Running => "InProgress",
            Self::Success => "Succeed",
            Self::Error => "Failed",
            other => other.as_str(),
        }
    }
}

/// What kind of job an execution is: Harbor's vendor types, which are also their JSON
/// spelling (`"GARBAGE_COLLECTION"`, `"IMAGE_SCAN"`, ...).
///
/// ```
/// use harbor_sim::JobKind;
///
/// let kind: JobKind = "IMAGE_SCAN".parse().unwrap();
/// assert_eq!(kind, JobKind::Scan);
/// assert_eq!(serde_json::to_value(JobKind::Replication).unwrap(), "REPLICATION");
/// assert_eq!(JobKind::ALL.len(), 10);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
// Harbor's job service runs more kinds than the simulator keeps runs of (its own sweeps and
// cleanups); the set grows as they are simulated.
#[non_exhaustive]
pub enum JobKind {
    /// Garbage collection.
    #[serde(rename = "GARBAGE_COLLECTION")]
    GarbageCollection,
    /// Audit-log purge.
    #[serde(rename = "PURGE_AUDIT_LOG")]
    PurgeAudit,
    /// Scan of one artifact.
    #[serde(rename = "IMAGE_SCAN")]
    Scan,
    /// Scan of every artifact.
    #[serde(rename = "SCAN_ALL")]
    ScanAll,
    /// Replication of a policy.
    #[serde(rename = "REPLICATION")]
    Replication,
    /// CSV export of scan data.
    #[serde(rename = "SCAN_DATA_EXPORT")]
    ScanDataExport,
    /// Tag retention run.
    #[serde(rename = "RETENTION")]
    Retention,
    /// P2P preheat run.
    #[serde(rename = "P2P_PREHEAT")]
    Preheat,
    /// Webhook notification to an `http` target.
    #[serde(rename = "WEBHOOK")]
    Webhook,
    /// Webhook notification to a `slack` target.
    #[serde(rename = "SLACK")]
    Slack,
}

impl JobKind {
    /// Every kind.
    pub const ALL: [JobKind; 10] = [
        Self::GarbageCollection,
        Self::PurgeAudit,
        Self::Scan,
        Self::ScanAll,
        Self::Replication,
        Self::ScanDataExport,
        Self::Retention,
        Self::Preheat,
        Self::Webhook,
        Self::Slack,
    ];

    /// The job service's name for the jobs of this kind (`src/jobservice/job/known_jobs.go`):
    /// a scan-all execution runs one `IMAGE_SCAN` job per artifact.
    pub fn job_name(self) -> &'static str {
        match self {
            Self::ScanAll | Self::Scan => "IMAGE_SCAN",
            Self::PurgeAudit => "PURGE_AUDIT_LOG",
            other => other.vendor_type(),
        }
    }

    /// Harbor's vendor type.
    pub fn vendor_type(self) -> &'static str {
        match self {
            Self::GarbageCollection => "GARBAGE_COLLECTION",
            Self::PurgeAudit => "PURGE_AUDIT_LOG",
            Self::Scan => "IMAGE_SCAN",
            Self::ScanAll => "SCAN_ALL",
            Self::Replication => "REPLICATION",
            Self::ScanDataExport => "SCAN_DATA_EXPORT",
            Self::Retention => "RETENTION",
            Self::Preheat => "P2P_PREHEAT",
            Self::Webhook => "WEBHOOK",
            Self::Slack => "SLACK",
        }
    }
}

/// A name that is no job kind's vendor type.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown job kind {0:?}: expected one of GARBAGE_COLLECTION, PURGE_AUDIT_LOG, IMAGE_SCAN, SCAN_ALL, REPLICATION, SCAN_DATA_EXPORT, RETENTION, P2P_PREHEAT, WEBHOOK, SLACK"
)]
pub struct UnknownJobKind(pub String);

impl FromStr for JobKind {
    type Err = UnknownJobKind;

    /// A vendor type, in any case.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        JobKind::ALL
            .into_iter()
            .find(|k| k.vendor_type().eq_ignore_ascii_case(s))
            .ok_or_else(|| UnknownJobKind(s.to_owned()))
    }
}

/// The instant statuses are read at: tokio's clock (paused in tests).
pub fn clock() -> Instant {
    Instant::now()
}

/// One task of an execution, with its log.
#[derive(Debug, Clone)]
pub struct JobTask {
    /// Its id (one sequence for all kinds).
    pub id: i64,
    /// Its execution.
    pub execution_id: i64,
    /// Its status at the last [`Execution::refresh`].
    pub status: JobStatus,
    /// Vendor-specific attributes (`repository`, `total`, `retained`, ...).
    pub extra_attrs: Value,
    /// What the job logs first when it runs.
    pub first_log_line: String,
    /// The log answered as text (at the last refresh).
    pub log: String,
    /// RFC 3339 with milliseconds.
    pub creation_time: String,
    /// RFC 3339 with milliseconds: when it last changed status.
    pub update_time: String,
    /// RFC 3339 with milliseconds: when its current run started, once it has run.
    pub start_time: Option<String>,
    /// RFC 3339 with milliseconds, once finished.
    pub end_time: Option<String>,
    /// How many times it has started (a retried job runs more than once).
    pub run_count: u32,
    /// Its life.
    pub plan: JobPlan,
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
    /// Its status at the last [`Execution::refresh`].
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
    /// How many times its status has been refreshed from its tasks' (Harbor's optimistic
    /// lock, `revision = revision+1` at each refresh).
    pub revision: u64,
    /// When its status is refreshed.
    pub status_refresh: StatusRefresh,
}

/// When Harbor's core refreshes an execution's status, end time, `update_time` and
/// `revision` from its tasks' (`HookHandler.Handle` in `src/pkg/task/hook.go`,
/// `scanAndRefreshOutdateStatus` in `src/pkg/task/dao/execution.go`): a task's status hook
/// only marks the execution outdated, and a periodic job refreshes the outdated ones every
/// `EXECUTION_STATUS_REFRESH_INTERVAL_SECONDS` (30 by default) from the core's start; a hook
/// reporting `Stopped`, or an interval of 0, refreshes at once. So by default an execution
/// reads `Running` for up to 30 seconds after its last task ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StatusRefresh {
    /// The refresh interval; zero refreshes at every task status change.
    pub interval: Duration,
    /// The instant the periodic refresh counts from (the core's start), on tokio's clock.
    pub origin: Instant,
}

impl Default for StatusRefresh {
    /// Harbor's default: every 30 seconds from now.
    fn default() -> Self {
        Self::every(DEFAULT_STATUS_REFRESH)
    }
}

/// An execution as its last status refresh left it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refreshed {
    /// When it was last refreshed; `None` before the first refresh.
    pub at: Option<Instant>,
    /// How many refreshes there were.
    pub revision: u64,
    /// Its status (`Running` before the first refresh).
    pub status: JobStatus,
    /// Its end (its tasks' latest), once its status is final.
    pub ended: Option<SystemTime>,
}

/// Harbor's default `EXECUTION_STATUS_REFRESH_INTERVAL_SECONDS`.
pub const DEFAULT_STATUS_REFRESH: Duration = Duration::from_secs(30);

impl StatusRefresh {
    /// A refresh every `interval` from now (zero: at every change).
    pub fn every(interval: Duration) -> Self {
        Self {
            interval,
            origin: clock(),
        }
    }

    /// A refresh at every change, as for runs that ended before the simulator started.
    pub fn immediate() -> Self {
        Self::every(Duration::ZERO)
    }

    /// The execution of tasks living by `plans` as its last refresh by `now` left it.
    pub fn last<'a>(
        &self,
        plans: impl Iterator<Item = &'a JobPlan> + Clone,
        now: Instant,
    ) -> Refreshed {
        // Each stop (and each change without an interval) is a refresh of its own; the
        // changes one periodic refresh finds outdated count once.
        let mut periodic = Vec::new();
        let mut immediate = Vec::new();
        for plan in plans.clone() {
            for (at, status) in plan.changes_until(now) {
                if self.refreshes_at_once(status) {
                    immediate.push(at);
                } else {
                    let tick = self.next_tick(at);
                    if tick <= now {
                        periodic.push(tick);
                    }
                }
            }
        }
        periodic.sort_unstable();
        periodic.dedup();
        let revision = (immediate.len() + periodic.len()) as u64;
        let Some(at) = immediate.into_iter().chain(periodic).max() else {
            return Refreshed {
                at: None,
                revision,
                status: JobStatus::Running,
                ended: None,
            };
        };
        let phases: Vec<Phase> = plans.map(|p| p.phase_at(at)).collect();
        let status =
            execution_status(phases.iter().map(|p| p.status)).unwrap_or(JobStatus::Success);
        Refreshed {
            at: Some(at),
            revision,
            status,
            ended: status
                .is_final()
                .then(|| phases.iter().filter_map(|p| p.ended).max())
                .flatten(),
        }
    }

    /// Whether a task's change to `status` reaches the execution at once: a stop, or any
    /// change without an interval.
    fn refreshes_at_once(&self, status: JobStatus) -> bool {
        self.interval.is_zero() || status == JobStatus::Stopped
    }

    /// The periodic refresh at or after `at` (the first is one interval after the origin).
    fn next_tick(&self, at: Instant) -> Instant {
        let since = at.saturating_duration_since(self.origin);
        let ticks = since.as_nanos().div_ceil(self.interval.as_nanos()).max(1);
        let ticks = u32::try_from(ticks).unwrap_or(u32::MAX);
        self.origin + self.interval.saturating_mul(ticks)
    }
}

/// The log of a task in `phase`, as the job service's file logger writes it (`time.RFC3339`,
/// so whole seconds, then the level: `src/lib/log/textformatter.go`): the job's own lines when
/// it first runs (each line of `first_line` one record; an indented line continues the one
/// before), then what Harbor's job runner logs (`src/jobservice/runner/redis.go`) as the job
/// ends: `Job '<name>:<id>' exit with success`, `... exit with error: <err>` and the retry
/// that follows (`Retrying job <name>:<id>, revision: <n>`), or `Job <name>:<id> is
/// stopped`. The logger's `[<file>:<line>]:` caller field is not written.
pub(crate) fn task_log(name: &str, job_id: &str, first_line: &str, phase: &Phase) -> String {
    let mut log = String::new();
    let mut runs = 0;
    let mut record = |at: &str, level: &str, message: &str| {
        for line in message.lines() {
            // A continuation of a multi-line message: indented, or a row of a table.
            if line.starts_with(char::is_whitespace) || line.starts_with('|') {
                log.push_str(line);
            } else {
                log.push_str(&format!("{at} [{level}] {line}"));
            }
            log.push('\n');
        }
    };
    for (at, status, message) in &phase.history {
        let at = log_time(*at);
        if runs == 0 || *status == JobStatus::Running {
            runs += 1;
            if runs == 1 {
                record(&at, "INFO", first_line);
            } else {
                record(
                    &at,
                    "INFO",
                    &format!("Retrying job {name}:{job_id}, revision: {runs}"),
                );
            }
        }
        match status {
            JobStatus::Running | JobStatus::Pending => {}
            JobStatus::Error => {
                let message = message.as_deref().unwrap_or("failed");
                record(
                    &at,
                    "ERROR",
                    &format!("Job '{name}:{job_id}' exit with error: {message}"),
                );
            }
            JobStatus::Success => record(
                &at,
                "INFO",
                &format!("Job '{name}:{job_id}' exit with success"),
            ),
            JobStatus::Stopped => record(&at, "INFO", &format!("Job {name}:{job_id} is stopped")),
        }
    }
    log
}

/// A job log's time: RFC 3339 in whole seconds, UTC (`time.RFC3339` of the job service's
/// text formatter).
fn log_time(t: SystemTime) -> String {
    humantime::format_rfc3339_seconds(t).to_string()
}

/// Harbor's `refreshStatus` over task statuses (`None` without tasks).
pub fn execution_status(tasks: impl IntoIterator<Item = JobStatus>) -> Option<JobStatus> {
    let (mut any, mut ongoing, mut error, mut stopped) = (false, false, false, false);
    for s in tasks {
        any = true;
        match s {
            JobStatus::Pending | JobStatus::Running => ongoing = true,
            JobStatus::Error => error = true,
            JobStatus::Stopped => stopped = true,
            JobStatus::Success => {}
        }
    }
    any.then_some(if ongoing {
        JobStatus::Running
    } else if error {
        JobStatus::Error
    } else if stopped {
        JobStatus::Stopped
    } else {
        JobStatus::Success
    })
}

impl JobTask {
    /// Brings the task's fields to `now`.
    pub fn refresh(&mut self, kind: JobKind, now: Instant) {
        let phase = self.plan.phase_at(now);
        self.log = task_log(
            kind.job_name(),
            &self.job_id(),
            &self.first_log_line,
            &phase,
        );
        self.status = phase.status;
        self.update_time = rfc3339(phase.since);
        self.start_time = phase.started.map(rfc3339);
        self.end_time = phase.ended.map(rfc3339);
        self.run_count = phase.run_count;
    }

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
            "run_count": self.run_count,
            "extra_attrs": self.extra_attrs,
            "creation_time": self.creation_time,
            "update_time": self.update_time,
            "start_time": self.start_time.as_deref().unwrap_or(ZERO_TIME),
            "end_time": self.end_time.as_deref().unwrap_or(ZERO_TIME),
        })
    }
}

impl Execution {
    /// Brings the execution and its tasks to `now` (see the module doc). Its status, end
    /// time, `update_time` and `revision` are those of its last refresh ([`StatusRefresh`]):
    /// before the first it reads `Running` since its start. An execution without tasks is
    /// final when created, as Harbor's callers mark it: `Success` (`MarkDone`), or `Error`
    /// when it was marked so (`MarkError`, a launcher that failed).
    pub fn refresh(&mut self, now: Instant) {
        for task in &mut self.tasks {
            task.refresh(self.kind, now);
        }
        if self.tasks.is_empty() {
            if self.status != JobStatus::Error {
                self.status = JobStatus::Success;
            }
            self.update_time = self.start_time.clone();
            self.end_time = Some(self.start_time.clone());
            return;
        }
        let refreshed = self
            .status_refresh
            .last(self.tasks.iter().map(|t| &t.plan), now);
        self.revision = refreshed.revision;
        match refreshed.at {
            None => {
                self.status = JobStatus::Running;
                self.update_time = self.start_time.clone();
                self.end_time = None;
            }
            Some(at) => {
                self.status = refreshed.status;
                self.update_time = rfc3339(self.tasks[0].plan.wall_at(at));
                self.end_time = refreshed.ended.map(rfc3339);
            }
        }
    }

    /// Ends an execution that made no task as the execution manager's `MarkDone`
    /// (`Success`) or `MarkError` (`Error`) does: with `status` and its status message.
    pub fn mark(&mut self, status: JobStatus, message: impl Into<String>, now: Instant) {
        self.status = status;
        self.status_message = message.into();
        self.refresh(now);
    }

    /// Stops every `Pending` or `Running` task at `now`; whether any was.
    pub fn stop(&mut self, now: Instant) -> bool {
        let mut stopped = false;
        for task in &mut self.tasks {
            stopped |= task.plan.stop(now);
        }
        self.refresh(now);
        stopped
    }

    /// The end time as Harbor answers it: the zero time while running.
    pub fn end_time_or_zero(&self) -> &str {
        self.end_time.as_deref().unwrap_or(ZERO_TIME)
    }

    /// Counts of tasks per status, as Harbor's `Metrics` (`GetMetrics`), a count of 0 left
    /// out (the model's `omitempty`; nothing is ever `Scheduled` here).
    pub fn metrics(&self) -> Value {
        let count = |s: JobStatus| self.tasks.iter().filter(|t| t.status == s).count();
        let counts = [
            ("task_count", self.tasks.len()),
            ("success_task_count", count(JobStatus::Success)),
            ("error_task_count", count(JobStatus::Error)),
            ("pending_task_count", count(JobStatus::Pending)),
            ("running_task_count", count(JobStatus::Running)),
            ("stopped_task_count", count(JobStatus::Stopped)),
        ];
        Value::Object(
            counts
                .into_iter()
                .filter(|(_, n)| *n > 0)
                .map(|(name, n)| (name.to_owned(), json!(n)))
                .collect(),
        )
    }

    /// The execution as a row of the task manager's `execution` table: its model with the
    /// columns the model leaves out, `update_time` and `revision` (`q` and `sort` read them).
    pub fn to_row(&self) -> Value {
        let mut row = self.to_model();
        row["update_time"] = json!(self.update_time);
        row["revision"] = json!(self.revision);
        row
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
    /// Draws the plans of `count` tasks of a new job of `kind` born now: from the lifecycle
    /// queued for the next job of the kind if there is one, else from the kind's default.
    pub fn draw_plans(&mut self, kind: JobKind, count: usize) -> Vec<JobPlan> {
        self.draw_plans_with(kind, (0..count).map(|_| None).collect())
    }

    /// As [`SimState::draw_plans`], one task per entry of `outcomes`, each with the
    /// lifecycle's outcome or the one given.
    pub fn draw_plans_with(
        &mut self,
        kind: JobKind,
        outcomes: Vec<Option<Outcome>>,
    ) -> Vec<JobPlan> {
        let (born, born_wall) = (clock(), SystemTime::now());
        let chosen = self.job_lifecycles.take_next(kind);
        let mut rng = chosen.as_ref().map(|l| Lifecycle::rng(l.seed));
        outcomes
            .into_iter()
            .map(|outcome| {
                let pick = chosen.as_ref().zip(rng.as_mut());
                let adjust = |l: Lifecycle| match outcome {
                    Some(o) => l.outcome(o),
                    None => l,
                };
                let mut plan = self
                    .job_lifecycles
                    .draw(kind, pick, adjust, born, born_wall);
                // A job enqueued while its type's queue is paused waits there.
                if self.queue_paused(kind.job_name()) {
                    plan.hold(born);
                }
                plan
            })
            .collect()
    }

    /// Starts an execution (its tasks `Pending`, by the plans drawn for its kind); returns
    /// its id.
    pub fn start_execution(&mut self, new: NewExecution) -> i64 {
        let plans = self.draw_plans(new.kind, new.tasks.len());
        self.start_planned_execution(new, plans)
    }

    /// Starts an execution whose tasks live by `plans` (one per task).
    pub fn start_planned_execution(&mut self, new: NewExecution, plans: Vec<JobPlan>) -> i64 {
        let id = self.ids.next("execution");
        let now = now();
        let tasks = new
            .tasks
            .into_iter()
            .zip(plans)
            .map(|((extra_attrs, first_log_line), plan)| JobTask {
                id: self.ids.next("task"),
                execution_id: id,
                status: JobStatus::Pending,
                extra_attrs,
                first_log_line,
                log: String::new(),
                creation_time: now.clone(),
                update_time: now.clone(),
                start_time: None,
                end_time: None,
                run_count: 0,
                plan,
            })
            .collect();
        let mut execution = Execution {
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
            revision: 0,
            status_refresh: self.status_refresh,
        };
        execution.refresh(clock());
        self.executions.insert(id, execution);
        id
    }

    /// Replaces the life of execution `id` of `kind` with `lifecycle`, drawn as if the job
    /// had started with it (from its own seed, measured from the job's birth); 404 for an
    /// unknown id or one of another kind.
    pub fn set_execution_lifecycle(
        &mut self,
        kind: JobKind,
        id: i64,
        lifecycle: &Lifecycle,
    ) -> ApiResult<()> {
        let mut rng = Lifecycle::rng(lifecycle.seed);
        let e = self
            .executions
            .get_mut(&id)
            .filter(|e| e.kind == kind)
            .ok_or_else(|| not_found(kind, id))?;
        for task in &mut e.tasks {
            task.plan = lifecycle.plan(&mut rng, task.plan.born(), task.plan.born_wall());
        }
        e.refresh(clock());
        Ok(())
    }

    /// Brings every execution to now, so the fields of the state read as Harbor would
    /// answer them.
    pub fn refresh_jobs(&mut self) {
        let now = clock();
        for e in self.executions.values_mut() {
            e.refresh(now);
        }
    }

    /// Reads an execution of `kind` as it is now; 404 for an unknown id or one of another
    /// kind.
    pub fn read_execution(&mut self, kind: JobKind, id: i64) -> ApiResult<Execution> {
        let e = self
            .executions
            .get_mut(&id)
            .filter(|e| e.kind == kind)
            .ok_or_else(|| not_found(kind, id))?;
        e.refresh(clock());
        Ok(e.clone())
    }

    /// Reads every execution of `kind` that `keep` selects as they are now, newest first.
    pub fn read_executions(
        &mut self,
        kind: JobKind,
        keep: impl Fn(&Execution) -> bool,
    ) -> Vec<Execution> {
        self.read_executions_of(&[kind], keep)
    }

    /// As [`SimState::read_executions`], of any of `kinds`.
    pub fn read_executions_of(
        &mut self,
        kinds: &[JobKind],
        keep: impl Fn(&Execution) -> bool,
    ) -> Vec<Execution> {
        let now = clock();
        let mut seen = Vec::new();
        for e in self
            .executions
            .values_mut()
            .rev()
            .filter(|e| kinds.contains(&e.kind))
        {
            e.refresh(now);
            if keep(e) {
                seen.push(e.clone());
            }
        }
        seen
    }

    /// Stops an execution of `kind`: its `Pending` and `Running` tasks end `Stopped`, a
    /// finished one is unchanged.
    pub fn stop_execution(&mut self, kind: JobKind, id: i64) -> ApiResult<()> {
        let e = self
            .executions
            .get_mut(&id)
            .filter(|e| e.kind == kind)
            .ok_or_else(|| not_found(kind, id))?;
        e.stop(clock());
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
        e.stop(clock());
        Ok(())
    }

    /// The log of an execution's first task (GC and purge logs); 404 when it has none, or
    /// while it has not run ([`log_not_written`]).
    pub fn execution_log(&mut self, kind: JobKind, id: i64) -> ApiResult<String> {
        let e = self.read_execution(kind, id)?;
        e.tasks
            .first()
            .ok_or_else(|| ApiError::not_found(format!("the log of job {id} is not found")))?
            .written_log()
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

    /// The log of one task of an execution of `kind`; 404 unless the task belongs to it, or
    /// while it has not run ([`log_not_written`]).
    pub fn task_log(&mut self, kind: JobKind, execution: i64, task: i64) -> ApiResult<String> {
        let e = self.read_execution(kind, execution)?;
        e.tasks
            .iter()
            .find(|t| t.id == task)
            .ok_or_else(|| {
                ApiError::not_found(format!("execution {execution} contains no task {task}"))
            })?
            .written_log()
    }
}

/// What Harbor answers for the log of a job that has not run yet: the job service has no log
/// file for it (`FileGetter.Retrieve`, `src/jobservice/logger/getter/file_getter.go`: a
/// `NoObjectFoundError`, 404 from `HandleJobLogReq`), and Harbor passes the job service's
/// status and error text on (`GetJobLog` in `src/common/job/client.go`, a
/// `commonhttp.Error` that `SendError` keeps).
pub fn log_not_written(job_id: &str) -> ApiError {
    ApiError::not_found(format!(
        r#"{{"code":10010,"message":"object is not found","details":"{job_id}"}}"#
    ))
}

impl JobTask {
    /// Its log, or [`log_not_written`] while it has never run.
    pub fn written_log(&self) -> ApiResult<String> {
        if self.run_count == 0 {
            return Err(log_not_written(&self.job_id()));
        }
        Ok(self.log.clone())
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

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

    fn lifecycle() -> Lifecycle {
        Lifecycle::new(Duration::from_secs(1), Duration::from_secs(2))
    }

    /// A state whose executions show each task change at once (Harbor with
    /// `EXECUTION_STATUS_REFRESH_INTERVAL_SECONDS=0`).
    fn immediate() -> SimState {
        SimState {
            status_refresh: StatusRefresh::immediate(),
            ..SimState::default()
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_is_running_while_its_task_is_pending_then_succeeds() {
        let mut s = immediate();
        s.job_lifecycles
            .set(JobKind::GarbageCollection, lifecycle());
        let id = s.start_execution(gc());
        let queued = s.read_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(queued.status, JobStatus::Running);
        assert_eq!(queued.tasks[0].status, JobStatus::Pending);
        assert_eq!(queued.metrics()["pending_task_count"], 1);
        assert_eq!(queued.tasks[0].log, "");
        tokio::time::advance(Duration::from_secs(1)).await;
        let running = s.read_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(running.tasks[0].status, JobStatus::Running);
        assert_eq!(running.metrics()["running_task_count"], 1);
        assert!(running.tasks[0].log.contains("[INFO] start"));
        assert_eq!(running.end_time, None);
        tokio::time::advance(Duration::from_secs(2)).await;
        let done = s.read_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(done.status, JobStatus::Success);
        let job = done.tasks[0].job_id();
        assert!(
            done.tasks[0].log.ends_with(&format!(
                "[INFO] Job 'GARBAGE_COLLECTION:{job}' exit with success\n"
            )),
            "{}",
            done.tasks[0].log
        );
        assert_eq!(done.end_time, done.tasks[0].end_time);
        assert!(s.read_execution(JobKind::PurgeAudit, id).is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn a_stop_ends_a_running_job_and_leaves_a_finished_one() {
        let mut s = immediate();
        s.job_lifecycles
            .set(JobKind::GarbageCollection, lifecycle());
        let id = s.start_execution(gc());
        s.stop_execution(JobKind::GarbageCollection, id).unwrap();
        assert_eq!(s.executions[&id].status, JobStatus::Stopped);
        tokio::time::advance(Duration::from_secs(10)).await;
        s.refresh_jobs();
        assert_eq!(s.executions[&id].status, JobStatus::Stopped);
        let done = s.start_execution(gc());
        tokio::time::advance(Duration::from_secs(3)).await;
        s.stop_execution(JobKind::GarbageCollection, done).unwrap();
        assert_eq!(s.executions[&done].status, JobStatus::Success);
        assert_eq!(
            s.stop_execution(JobKind::GarbageCollection, 99)
                .unwrap_err()
                .status,
            404
        );
    }

    #[tokio::test(start_paused = true)]
    async fn the_periodic_refresh_shows_task_changes_at_its_next_tick() {
        let mut s = SimState::default();
        let start = clock();
        // Queued 1 s, running 2 s: the task changes at 1 s and 3 s, the refresh ticks at 30 s.
        s.job_lifecycles
            .set(JobKind::GarbageCollection, lifecycle());
        let id = s.start_execution(gc());
        let read = |s: &mut SimState| s.read_execution(JobKind::GarbageCollection, id).unwrap();
        let created = read(&mut s);
        assert_eq!((created.status, created.revision), (JobStatus::Running, 0));
        tokio::time::advance(Duration::from_secs(29)).await;
        let before = read(&mut s);
        assert_eq!(
            before.tasks[0].status,
            JobStatus::Success,
            "the task has ended"
        );
        assert_eq!((before.status, before.revision), (JobStatus::Running, 0));
        assert_eq!(
            (before.update_time.as_str(), before.end_time),
            (created.start_time.as_str(), None)
        );
        // Started at 29 s: it runs at 30 s, the tick, and ends at 32 s, after it.
        let second = s.start_execution(gc());
        tokio::time::advance(Duration::from_secs(1)).await;
        let after = read(&mut s);
        assert_eq!(
            (after.status, after.revision),
            (JobStatus::Success, 1),
            "both changes, one refresh"
        );
        assert_eq!(after.end_time, after.tasks[0].end_time);
        assert_ne!(after.update_time, created.start_time);
        let read_second = |s: &mut SimState| {
            s.read_execution(JobKind::GarbageCollection, second)
                .unwrap()
        };
        let running = read_second(&mut s);
        assert_eq!((running.status, running.revision), (JobStatus::Running, 1));
        tokio::time::advance(Duration::from_secs(29)).await;
        assert_eq!(read_second(&mut s).status, JobStatus::Running);
        tokio::time::advance(Duration::from_secs(1)).await;
        let done = read_second(&mut s);
        assert_eq!((done.status, done.revision), (JobStatus::Success, 2));
        // A stop is refreshed at once; the change to running before it waits for the tick.
        let stopped = s.start_execution(gc());
        tokio::time::advance(Duration::from_millis(1_500)).await;
        s.stop_execution(JobKind::GarbageCollection, stopped)
            .unwrap();
        let e = &s.executions[&stopped];
        assert_eq!((e.status, e.revision), (JobStatus::Stopped, 1));
        assert!(clock() - start < Duration::from_secs(90));
    }

    #[test]
    fn execution_status_follows_harbors_refresh_rule() {
        use JobStatus::*;
        assert_eq!(execution_status([]), None);
        assert_eq!(execution_status([Success, Pending]), Some(Running));
        assert_eq!(execution_status([Success, Stopped, Error]), Some(Error));
        assert_eq!(execution_status([Success, Stopped]), Some(Stopped));
        assert_eq!(execution_status([Success, Success]), Some(Success));
    }

    #[test]
    fn kinds_parse_from_their_vendor_type() {
        for kind in JobKind::ALL {
            assert_eq!(kind.vendor_type().parse::<JobKind>(), Ok(kind));
            assert_eq!(
                serde_json::to_value(kind).unwrap(),
                json!(kind.vendor_type())
            );
        }
        assert!("gc".parse::<JobKind>().is_err());
    }
}
