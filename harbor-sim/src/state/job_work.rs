//! What a job does to the rest of the state, done when the job runs, not when it is
//! triggered. Harbor's core only enqueues a GC, an audit-log purge, a retention run or a
//! scan-data export (`src/pkg/task/`); the job service carries it out when a worker picks it
//! up (`src/jobservice/runner/redis.go`). Until then the artifacts, blobs and audit rows it
//! will remove are all still there, a job stopped while queued removes nothing, and the job's
//! log and check-in (GC's freed space, a retention task's `total` and `retained`) describe
//! the state it ran on, not the one it was triggered on.
//!
//! The same holds for the SBOM an SBOM generation pushes as the artifact's accessory: it is
//! there once the generation has succeeded, not before; for a scan-data export's file,
//! written from the findings as they are when the export's job runs; and for the images a
//! pull replication copies in.
//!
//! The simulator runs nothing in the background (see [`super::lifecycle`]). A trigger records
//! each task's work beside the task ([`SimState::defer_work`]), and [`SimState::settle`]
//! carries out, in the order they fell due, the works whose task has reached the point where
//! it does them by `now` (started running; for the SBOM's push, succeeded). The guard of
//! the state settles before each request reads or writes (`crate::state_guard`), so a request
//! sees every job that started before it arrived as having run, and on tokio's paused clock a
//! test moves a GC forward with `tokio::time::advance`. A job whose lifecycle ends in failure
//! has done its work before it fails (the simulator cannot say how far a real job got); one
//! held in a paused queue does nothing until the queue resumes and its queued time has
//! passed.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use tokio::time::Instant;

use super::SimState;
use super::gc_run::GcJob;
use super::jobs::{JobTask, clock};
use super::lifecycle::JobPlan;

/// What one task of a job does to the state when it runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JobWork {
    /// A garbage collection (`src/jobservice/job/impl/gc/`).
    GarbageCollection(GcJob),
    /// An audit-log purge (`src/jobservice/job/impl/purge/`).
    PurgeAudit {
        /// `audit_retention_hour`.
        hours: i64,
        /// `include_event_types`, comma-separated.
        types: String,
        /// `dry_run`.
        dry_run: bool,
    },
    /// The retention job on one repository, with the rules that selected it
    /// (`src/pkg/retention/job.go`).
    Retention {
        /// The repository's id.
        repository: i64,
        /// The policy's rules that select it.
        rules: Vec<Value>,
        /// `dry_run`.
        dry_run: bool,
    },
    /// A scan-data export: the CSV its criteria (the execution's attributes: the project,
    /// the patterns and labels) select, written from the data as it is when the job runs
    /// (`src/jobservice/job/impl/scandataexport/`).
    ScanDataExport,
    /// The push of an artifact's SBOM as its accessory, which an SBOM generation makes once
    /// the scanner has answered (`PostScan` in `src/pkg/scan/sbom/sbom.go`): done when the
    /// task succeeds.
    SbomPush {
        /// The artifact the SBOM describes.
        artifact: i64,
        /// The robot account the scan job made, which pushes it.
        robot: String,
    },
    /// A pull replication's task: the remote tags of its resource copied into this Harbor
    /// (see [`super::replication_copy`]).
    ReplicationPull(super::replication_copy::PullCopy),
    /// The `REPLICATION` webhook event of a replication task's status change, the
    /// `change`-th the job service reports (see [`JobPlan::changes_until`]): done when the
    /// task reaches it, and followed by the next change's.
    ReplicationStatus {
        /// Which change, from 0.
        change: usize,
    },
    /// The scan webhook event a scan task's end fires (`scanTaskStatusChange`): done when
    /// the task reaches its final status, whichever it is.
    ScanEnded {
        /// The artifact scanned.
        artifact: i64,
    },
}

impl JobWork {
    /// When a task living by `plan` does this work, if it has by `now`: as it starts
    /// running, or for an SBOM push as it succeeds.
    fn due_at(&self, plan: &JobPlan, now: Instant) -> Option<Instant> {
        match self {
            JobWork::SbomPush { .. } => plan.succeeded_at(now),
            JobWork::ScanEnded { .. } => plan.finished_at(now),
            JobWork::ReplicationStatus { change } => {
                plan.changes_until(now).nth(*change).map(|(at, _)| at)
            }
            _ => plan.first_run_at(now),
        }
    }
}

/// The works of tasks that have not run yet, by task id and the work's place among the
/// task's works, each with its execution's id.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct PendingWork {
    by_task: BTreeMap<(i64, usize), (i64, JobWork)>,
}

/// Where a pending work stands at an instant.
enum WorkAt {
    /// Its task reached the point where it does the work at this instant: the work is done
    /// now.
    Due(Instant),
    /// Its task finished without reaching that point (stopped while queued, failed), or its
    /// execution is gone (a deleted retention policy takes its runs): the work is never done.
    Abandoned,
    /// Its task has not reached that point yet.
    Waiting,
}

impl SimState {
    /// Records the work of each task of execution `execution`, in the tasks' order, then
    /// settles: a task whose job starts at once (an immediate lifecycle) has run when the
    /// trigger answers.
    pub(crate) fn defer_work(&mut self, execution: i64, works: Vec<JobWork>) {
        let tasks: Vec<i64> = self
            .executions
            .get(&execution)
            .map(|e| e.tasks.iter().map(|t| t.id).collect())
            .unwrap_or_default();
        for (task, work) in tasks.into_iter().zip(works) {
            self.add_work(execution, task, work);
        }
        self.settle(clock());
    }

    /// Records `work` of `task` of execution `execution` after the task's other works (see
    /// [`SimState::defer_work`]).
    pub(crate) fn defer_task_work(&mut self, execution: i64, task: i64, work: JobWork) {
        self.add_work(execution, task, work);
        self.settle(clock());
    }

    fn add_work(&mut self, execution: i64, task: i64, work: JobWork) {
        let place = self
            .pending_work
            .by_task
            .range((task, 0)..=(task, usize::MAX))
            .next_back()
            .map_or(0, |((_, place), _)| place + 1);
        self.pending_work
            .by_task
            .insert((task, place), (execution, work));
    }

    /// Whether some work waits for its task.
    pub(crate) fn has_pending_work(&self) -> bool {
        !self.pending_work.by_task.is_empty()
    }

    /// Whether [`SimState::settle`] has anything to do at `now`: a pending work that is due,
    /// or never will be.
    pub(crate) fn work_due(&self, now: Instant) -> bool {
        self.pending_work
            .by_task
            .iter()
            .any(|((task, _), (execution, work))| {
                !matches!(self.work_at(*execution, *task, work, now), WorkAt::Waiting)
            })
    }

    /// Carries out, in the order they fell due, every pending work due by `now`, and forgets
    /// those that never will be.
    /// A work may record its task's next one (a replication task's next status change),
    /// which is carried out in the same pass when it is due too.
    pub(crate) fn settle(&mut self, now: Instant) {
        loop {
            let mut due = Vec::new();
            let mut abandoned = Vec::new();
            for (&(task, place), (execution, work)) in &self.pending_work.by_task {
                match self.work_at(*execution, task, work, now) {
                    WorkAt::Due(at) => due.push((at, (task, place))),
                    WorkAt::Abandoned => abandoned.push((task, place)),
                    WorkAt::Waiting => {}
                }
            }
            for key in abandoned {
                self.pending_work.by_task.remove(&key);
            }
            if due.is_empty() {
                return;
            }
            due.sort_unstable();
            for (_, key) in due {
                if let Some((execution, work)) = self.pending_work.by_task.remove(&key) {
                    crate::request_id::in_job_service(|| {
                        self.carry_out(execution, key.0, work, now);
                    });
                }
            }
        }
    }

    /// The plan of `task` of `execution`, while both exist.
    fn task_plan(&self, execution: i64, task: i64) -> Option<&JobPlan> {
        self.executions
            .get(&execution)
            .and_then(|e| e.tasks.iter().find(|t| t.id == task))
            .map(|t| &t.plan)
    }

    fn work_at(&self, execution: i64, task: i64, work: &JobWork, now: Instant) -> WorkAt {
        let Some(plan) = self.task_plan(execution, task) else {
            return WorkAt::Abandoned;
        };
        match work.due_at(plan, now) {
            Some(at) => WorkAt::Due(at),
            None if plan.is_finished(now) => WorkAt::Abandoned,
            None => WorkAt::Waiting,
        }
    }

    /// A scan task's end: its final status and when it came (`now` at the latest), then
    /// the scan event it fires.
    fn scan_ended(&mut self, execution: i64, task: i64, artifact: i64, now: Instant) {
        let Some(plan) = self.task_plan(execution, task) else {
            return;
        };
        let Some(at) = plan.finished_at(now) else {
            return;
        };
        let status = plan.phase_at(at).status;
        let occur_at = unix_seconds(plan.wall_at(at));
        self.send_scan_hook(execution, artifact, status, occur_at);
    }

    /// A replication task's `change`-th status change: its event, then the next change's
    /// work (forgotten, as abandoned, if the task ends without one).
    fn replication_status_changed(
        &mut self,
        execution: i64,
        task: i64,
        change: usize,
        now: Instant,
    ) {
        let Some(plan) = self.task_plan(execution, task) else {
            return;
        };
        let Some((at, status)) = plan.changes_until(now).nth(change) else {
            return;
        };
        let occur_at = unix_seconds(plan.wall_at(at));
        self.send_replication_hook(execution, task, status, occur_at);
        let next = JobWork::ReplicationStatus { change: change + 1 };
        self.add_work(execution, task, next);
    }

    /// Does `work` on the state as it is, then writes what the job logs and checks in on
    /// its task, and brings the execution to `now`.
    fn carry_out(&mut self, execution: i64, task: i64, work: JobWork, now: Instant) {
        let mut figures = None;
        let mut failure = None;
        let log = match work {
            JobWork::GarbageCollection(job) => {
                let (log, freed) = self.run_gc(job);
                self.gc_check_ins.insert(execution, freed);
                Some(log)
            }
            JobWork::PurgeAudit {
                hours,
                types,
                dry_run,
            } => Some(super::purge_job_log(hours, &types, dry_run, || {
                self.purge_audit_logs(hours, &types, dry_run)
            })),
            JobWork::Retention {
                repository,
                rules,
                dry_run,
            } => {
                let outcome = self.run_retention(repository, &rules, dry_run);
                // The check-in's handler announces what a real run deleted.
                if !outcome.deleted.is_empty() {
                    self.send_retention_hook(execution, repository, &outcome);
                }
                match outcome.failure {
                    None => figures = Some((outcome.total, outcome.retained)),
                    Some(message) => failure = Some(message),
                }
                Some(outcome.log)
            }
            // A malformed pattern the matching reaches fails the job with doublestar's
            // error, and no file is written.
            JobWork::ScanDataExport => {
                let criteria = self
                    .executions
                    .get(&execution)
                    .map_or(Value::Null, |e| e.extra_attrs.clone());
                match super::scan_export_run::export_csv(self, &criteria) {
                    Ok(file) => {
                        self.export_files.insert(execution, file);
                    }
                    Err(e) => failure = Some(e.to_string()),
                }
                None
            }
            // The scan job's log was written when it ran; a push the registry refuses fails
            // the job (`PostScan`'s error).
            JobWork::SbomPush { artifact, robot } => {
                if let Err(e) = self.push_sbom(artifact, &robot) {
                    failure = Some(e.message);
                }
                None
            }
            // A tag that fails is logged; the job fails once every tag was tried.
            JobWork::ReplicationPull(copy) => {
                let (log, outcome) = self.pull_copy(&copy);
                failure = outcome.err();
                Some(log)
            }
            JobWork::ScanEnded { artifact } => {
                self.scan_ended(execution, task, artifact, now);
                None
            }
            JobWork::ReplicationStatus { change } => {
                self.replication_status_changed(execution, task, change, now);
                None
            }
        };
        let Some(e) = self.executions.get_mut(&execution) else {
            return;
        };
        if let Some(t) = e.tasks.iter_mut().find(|t| t.id == task) {
            check_in(t, log, figures);
            // A job whose work failed ends `Error`, whatever its lifecycle had in store.
            if let Some(message) = failure {
                t.plan.fail_first_run(&message);
            }
        }
        e.refresh(now);
    }
}

/// A wall-clock time in Unix seconds (0 before 1970).
fn unix_seconds(at: std::time::SystemTime) -> i64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// What a task's job writes when it does its work: its log, and a retention job's figures
/// (`total`, `retained`) in the task's attributes, as its check-in puts them there.
fn check_in(task: &mut JobTask, log: Option<String>, figures: Option<(usize, usize)>) {
    if let Some(log) = log {
        task.first_log_line = log;
    }
    if let (Some((total, retained)), Some(attrs)) = (figures, task.extra_attrs.as_object_mut()) {
        attrs.insert("total".into(), json!(total));
        attrs.insert("retained".into(), json!(retained));
    }
}
