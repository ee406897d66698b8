//! The job service as Harbor's job monitor sees it (`src/controller/jobmonitor/monitor.go`,
//! `src/pkg/jobmonitor/`): one worker pool of Harbor's default size, its workers (busy with
//! the simulator's running jobs, idle otherwise), the queues of the job types Harbor's job
//! service registers with their paused state, and every job the simulator runs known by its
//! job id (the tasks of every execution, replication's among them).
//!
//! A job waits in its type's queue while it is `Pending` (its plan's queued time, see
//! [`super::lifecycle`]): a queue's `count` is its pending jobs, its `latency` how long the
//! oldest of them has waited. Pausing a queue holds its pending jobs, and the jobs created
//! while it is paused, `Pending` until it is resumed (the job service's fetcher skips a
//! paused job type); `stop` ends every pending job of the type `Stopped`, as Harbor's
//! `StopPendingJobs` empties the queue and marks the jobs' tasks.

use std::collections::BTreeSet;

use serde_json::{Value, json};

use super::jobs::clock;
use super::lifecycle::rfc3339;
use super::{JobPlan, JobStatus, SimState};
use crate::errors::ApiResult;

/// The job types Harbor's job service registers (`src/jobservice/runtime/bootstrap.go`,
/// `RegisterJobs`) less the ones the monitor leaves out of its queue list (`DEMO`,
/// `IMAGE_REPLICATE`, `IMAGE_SCAN_ALL`, `IMAGE_GC`, `PURGE_AUDIT`: `skippedJobTypes`),
/// sorted by name as the work library lists its queues.
pub const JOB_TYPES: [&str; 13] = [
    "AUDIT_LOGS_GDPR_COMPLIANT",
    "EXECUTION_SWEEP",
    "GARBAGE_COLLECTION",
    "IMAGE_SCAN",
    "P2P_PREHEAT",
    "PURGE_AUDIT_LOG",
    "REPLICATION",
    "RETENTION",
    "SCAN_DATA_EXPORT",
    "SCHEDULER",
    "SLACK",
    "SYSTEM_ARTIFACT_CLEANUP",
    "WEBHOOK",
];

/// The id of the simulator's one worker pool (24 hex digits, as the work library's ids).
pub const POOL_ID: &str = "5f3e1c2a9b8d7e6f01a2b3c4";

/// The pool's process id.
const POOL_PID: i64 = 1;

/// Workers in the pool: Harbor's default `max_job_workers` (`make/harbor.yml.tmpl`).
pub const WORKERS: usize = 10;

/// What the job service keeps beside the jobs themselves.
#[derive(Debug, Default, Clone)]
pub struct JobService {
    /// When the pool started (the simulator's start).
    pub started_at: String,
    /// The job types whose queue is paused, upper case.
    pub paused: BTreeSet<String>,
}

/// A job the simulator runs, as the job service knows it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunningJob {
    /// The job type (`GARBAGE_COLLECTION`, `REPLICATION`, ...).
    pub name: &'static str,
    /// Its job id.
    pub id: String,
    /// When it started.
    pub started_at: String,
}

/// Where a job id leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobRef {
    /// A task of an execution (`SimState::executions`).
    Task {
        /// The execution.
        execution: i64,
        /// The task.
        task: i64,
    },
}

/// Whether a job named `name` (`GARBAGE_COLLECTION`, ...) is of the job service's type
/// `job_type`, `ALL` naming every type.
fn is_of_type(job_type: &str, name: &str) -> bool {
    job_type == "ALL" || job_type == name
}

/// The job id of task `task_id`: 24 hex digits, as Harbor's job ids.
pub fn job_id(task_id: i64) -> String {
    format!("{task_id:024x}")
}

impl SimState {
    /// Finds the job behind a job id.
    pub fn find_job(&self, id: &str) -> Option<JobRef> {
        self.executions.values().find_map(|e| {
            e.tasks
                .iter()
                .find(|t| t.job_id() == id)
                .map(|t| JobRef::Task {
                    execution: e.id,
                    task: t.id,
                })
        })
    }

    /// The log of the job `id` as it is now: `None` when no job has that id, the job
    /// service's 404 ([`super::jobs::log_not_written`]) while it has not run.
    pub fn job_log(&self, id: &str) -> Option<ApiResult<String>> {
        let now = clock();
        match self.find_job(id)? {
            JobRef::Task { execution, task } => {
                let e = &self.executions[&execution];
                let mut t = e.tasks.iter().find(|t| t.id == task)?.clone();
                t.refresh(e.kind, now);
                Some(t.written_log())
            }
        }
    }

    /// Stops the job `id` if it is queued or runs (its task ends `Stopped` and its execution
    /// follows); an unknown or finished job is left alone, as Harbor's `stopJob` does.
    pub fn stop_job(&mut self, id: &str) {
        let now = clock();
        match self.find_job(id) {
            Some(JobRef::Task { execution, task }) => {
                if let Some(e) = self.executions.get_mut(&execution) {
                    if let Some(t) = e.tasks.iter_mut().find(|t| t.id == task) {
                        t.plan.stop(now);
                    }
                    e.refresh(now);
                }
            }
            None => {}
        }
    }

    /// Every job a worker runs now (a queued job has no worker), oldest first.
    pub fn running_jobs(&self) -> Vec<RunningJob> {
        let now = clock();
        let tasks = self.executions.values().flat_map(|e| {
            e.tasks.iter().filter_map(move |t| {
                let phase = t.plan.phase_at(now);
                (phase.status == JobStatus::Running).then(|| RunningJob {
                    name: e.kind.job_name(),
                    id: t.job_id(),
                    started_at: phase.started.map(rfc3339).unwrap_or_default(),
                })
            })
        });
        let mut jobs: Vec<RunningJob> = tasks.collect();
        jobs.sort_by(|a, b| a.started_at.cmp(&b.started_at));
        jobs
    }

    /// The plans of every job of the job service's type `job_type` (`ALL`: of every type):
    /// the tasks of its executions.
    fn plans_of_type<'a>(&'a self, job_type: &'a str) -> impl Iterator<Item = &'a JobPlan> {
        self.executions
            .values()
            .filter(move |e| is_of_type(job_type, e.kind.job_name()))
            .flat_map(|e| e.tasks.iter().map(|t| &t.plan))
    }

    /// Applies `change` to the plan of every job of `job_type` (as [`Self::plans_of_type`]),
    /// then brings the executions it changed to now.
    fn change_plans_of_type(&mut self, job_type: &str, change: impl Fn(&mut JobPlan) -> bool) {
        let now = clock();
        for e in self
            .executions
            .values_mut()
            .filter(|e| is_of_type(job_type, e.kind.job_name()))
        {
            let mut changed = false;
            for t in &mut e.tasks {
                changed |= change(&mut t.plan);
            }
            if changed {
                e.refresh(now);
            }
        }
    }

    /// The jobs of the job service's type `job_type` waiting in its queue now (`Pending`):
    /// how many, and how long the oldest has waited, in whole seconds (the work library's
    /// `count` and `latency`).
    fn queued_jobs(&self, job_type: &str) -> (usize, u64) {
        let now = clock();
        self.plans_of_type(job_type)
            .filter(|plan| plan.phase_at(now).status == JobStatus::Pending)
            .fold((0, 0), |(count, latency), plan| {
                let waited = now.saturating_duration_since(plan.born()).as_secs();
                (count + 1, latency.max(waited))
            })
    }

    /// `GET /jobservice/pools`: Harbor's `WorkerPool` models.
    pub fn worker_pools(&self) -> Vec<Value> {
        vec![json!({
            "pid": POOL_PID,
            "worker_pool_id": POOL_ID,
            "concurrency": WORKERS,
            "start_at": self.job_service.started_at,
            "heartbeat_at": super::now(),
        })]
    }

    /// `GET /jobservice/pools/{pool_id}/workers`: `all` or the pool's id lists the workers
    /// (busy ones with their job first), any other id none (`workerManagerImpl.List`).
    pub fn workers(&self, pool_id: &str) -> Vec<Value> {
        if !(pool_id.eq_ignore_ascii_case("all") || pool_id == POOL_ID) {
            return Vec::new();
        }
        let mut running = self.running_jobs().into_iter();
        (0..WORKERS)
            .map(|n| {
                let id = format!("{:024x}", 0xa000 + n);
                match running.next() {
                    Some(job) => json!({
                        "id": id, "pool_id": POOL_ID, "job_name": job.name, "job_id": job.id,
                        "start_at": job.started_at, "checkin_at": job.started_at,
                    }),
                    None => json!({"id": id, "pool_id": POOL_ID}),
                }
            })
            .collect()
    }

    /// `GET /jobservice/queues`: Harbor's `JobQueue` models. go-swagger leaves out a zero
    /// `count` and `latency` (`omitempty`); `paused` is always written (`x-omitempty: false`).
    pub fn job_queues(&self) -> Vec<Value> {
        JOB_TYPES
            .iter()
            .map(|t| {
                let (count, latency) = self.queued_jobs(t);
                let mut queue = json!({"job_type": t, "count": count, "latency": latency,
                    "paused": self.queue_paused(t)});
                crate::omitempty::omit_empty(&mut queue, &["count", "latency"]);
                queue
            })
            .collect()
    }

    /// Whether the queue of the job service's type `job_type` is paused.
    pub fn queue_paused(&self, job_type: &str) -> bool {
        self.job_service.paused.contains(job_type)
    }

    /// Pauses (`true`) or resumes the queue of `job_type` (upper-cased by the handler), or
    /// of every job type for `ALL`: its pending jobs are held, or let go.
    pub fn pause_queue(&mut self, job_type: &str, paused: bool) {
        let types: Vec<String> = if job_type == "ALL" {
            JOB_TYPES.iter().map(|t| (*t).to_owned()).collect()
        } else {
            vec![job_type.to_owned()]
        };
        let now = clock();
        for t in types {
            if paused {
                self.change_plans_of_type(&t, |plan| plan.hold(now));
                self.job_service.paused.insert(t);
            } else {
                self.change_plans_of_type(&t, |plan| {
                    let held = plan.is_held();
                    plan.release(now);
                    held
                });
                self.job_service.paused.remove(&t);
            }
        }
    }

    /// `stop` on the queue of `job_type` (`ALL`: every queue): every pending job of the type
    /// ends `Stopped` now, held or not; running jobs go on (`StopPendingJobs`).
    pub fn stop_pending_jobs(&mut self, job_type: &str) {
        let now = clock();
        self.change_plans_of_type(job_type, |plan| {
            plan.phase_at(now).status == JobStatus::Pending && plan.stop(now)
        });
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::state::JobKind;
    use crate::state::jobs::NewExecution;

    #[tokio::test(start_paused = true)]
    async fn running_jobs_occupy_workers_and_are_known_by_id() {
        let mut s = with_gc_lifecycle();
        let run = start_gc(&mut s);
        let job = s.executions[&run].tasks[0].job_id();
        let queue = |s: &SimState| {
            s.job_queues()
                .into_iter()
                .find(|q| q["job_type"] == "GARBAGE_COLLECTION")
                .and_then(|q| q.get("count").cloned())
        };
        assert_eq!(queue(&s), Some(json!(1)), "queued, not on a worker");
        assert_eq!(
            s.job_log(&job).unwrap().unwrap_err().status,
            404,
            "not run yet"
        );
        assert!(s.workers("ALL").iter().all(|w| w.get("job_id").is_none()));
        tokio::time::advance(Duration::from_secs(1)).await;
        assert_eq!(queue(&s), None, "a zero count is left out");
        let workers = s.workers("ALL");
        assert_eq!(workers.len(), WORKERS);
        assert_eq!(workers[0]["job_id"], json!(job));
        assert_eq!(workers[0]["job_name"], "GARBAGE_COLLECTION");
        assert!(workers[1].get("job_id").is_none(), "idle");
        assert!(s.workers("another").is_empty());
        assert!(s.job_log(&job).unwrap().unwrap().contains("gc"));
        s.stop_job(&job);
        assert_eq!(s.executions[&run].status, JobStatus::Stopped);
        assert!(s.running_jobs().is_empty());
        s.stop_job("0123");
    }

    #[test]
    fn queues_pause_and_resume() {
        let mut s = SimState::default();
        s.pause_queue("ALL", true);
        assert!(s.job_queues().iter().all(|q| q["paused"] == true));
        s.pause_queue("WEBHOOK", false);
        let webhook = s
            .job_queues()
            .into_iter()
            .find(|q| q["job_type"] == "WEBHOOK");
        assert_eq!(webhook.unwrap()["paused"], false);
    }

    /// A state whose GC jobs wait 1 s in their queue, then run 5 s.
    fn with_gc_lifecycle() -> SimState {
        let mut s = SimState::with_admin("admin", "pw");
        s.job_lifecycles.set(
            JobKind::GarbageCollection,
            crate::state::Lifecycle::new(Duration::from_secs(1), Duration::from_secs(5)),
        );
        s
    }

    /// Starts a manual job of `kind` with one task; its execution's id.
    fn start(s: &mut SimState, kind: JobKind) -> i64 {
        s.start_execution(NewExecution {
            kind,
            vendor_id: 0,
            trigger: "MANUAL",
            extra_attrs: json!({}),
            operator: "admin".into(),
            tasks: vec![(json!({}), "gc".into())],
        })
    }

    fn start_gc(s: &mut SimState) -> i64 {
        start(s, JobKind::GarbageCollection)
    }

    fn gc_queue(s: &SimState) -> Value {
        s.job_queues()
            .into_iter()
            .find(|q| q["job_type"] == "GARBAGE_COLLECTION")
            .unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn a_paused_queue_holds_its_jobs_until_resumed() {
        let mut s = with_gc_lifecycle();
        let queued_before = start_gc(&mut s);
        s.pause_queue("GARBAGE_COLLECTION", true);
        let queued_while_paused = start_gc(&mut s);
        tokio::time::advance(Duration::from_secs(3)).await;
        s.refresh_jobs();
        assert_eq!(
            gc_queue(&s),
            json!({"job_type": "GARBAGE_COLLECTION", "count": 2, "latency": 3, "paused": true})
        );
        for id in [queued_before, queued_while_paused] {
            assert_eq!(s.executions[&id].tasks[0].status, JobStatus::Pending);
        }

        s.pause_queue("GARBAGE_COLLECTION", false);
        assert_eq!(
            gc_queue(&s)["count"],
            2,
            "each still waits out its queued time"
        );
        tokio::time::advance(Duration::from_secs(1)).await;
        s.refresh_jobs();
        assert_eq!(
            gc_queue(&s),
            json!({"job_type": "GARBAGE_COLLECTION", "paused": false})
        );
        assert_eq!(s.running_jobs().len(), 2);
        tokio::time::advance(Duration::from_secs(5)).await;
        s.refresh_jobs();
        for id in [queued_before, queued_while_paused] {
            assert_eq!(s.executions[&id].tasks[0].status, JobStatus::Success);
        }
    }

    #[tokio::test(start_paused = true)]
    async fn stopping_a_queue_stops_its_pending_jobs_only() {
        let mut s = with_gc_lifecycle();
        let running = start_gc(&mut s);
        tokio::time::advance(Duration::from_secs(1)).await;
        s.pause_queue("GARBAGE_COLLECTION", true);
        let held = start_gc(&mut s);
        let purge = start(&mut s, JobKind::PurgeAudit);
        s.stop_pending_jobs("GARBAGE_COLLECTION");
        s.refresh_jobs();
        assert_eq!(s.executions[&held].status, JobStatus::Stopped);
        assert_eq!(s.executions[&running].status, JobStatus::Running);
        assert_eq!(
            s.executions[&purge].tasks[0].status,
            JobStatus::Pending,
            "another type's queue"
        );
        assert!(gc_queue(&s).get("count").is_none());
        s.stop_pending_jobs("ALL");
        assert_eq!(s.executions[&purge].status, JobStatus::Stopped);
    }
}
