//! The jobs a waiter can wait on, and how one read of each is made.
//!
//! Every job kind has its own endpoint and model; a read turns the answer into a
//! [`JobStatus`]. Retention and webhook executions have no get-by-id endpoint in Harbor's
//! API: their read walks the policy's execution list (newest first) until it finds the id.

use futures::{StreamExt, pin_mut};

use super::status::{JobStatus, Phase, TaskCounts};
use crate::client::HarborClient;
use crate::error::Error;
use crate::methods::{
    GetPreheatTasksParams, GetReplicationTasksParams, GetRetentionExecutionsParams,
    GetRetentionTasksParams, GetWebhookExecutionTasksParams, GetWebhookPolicyExecutionsParams,
};
use crate::{ProjectRef, models};

/// A background job of Harbor's, named the way its API finds it.
///
/// ```
/// use harbor_client::waiters::Job;
///
/// let gc = Job::gc(12);
/// assert_eq!(gc.kind(), "GARBAGE_COLLECTION");
/// let preheat = Job::preheat("library", "warm-nodes", 3);
/// assert_eq!(preheat.to_string(), "P2P_PREHEAT execution 3 of policy warm-nodes in library");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Job {
    /// A garbage-collection run (`GET /system/gc/{id}`).
    GarbageCollection {
        /// The run's id (the `Location` of `POST /system/gc/schedule`).
        id: i64,
    },
    /// An audit-log purge run (`GET /system/purgeaudit/{id}`).
    PurgeAudit {
        /// The run's id.
        id: i64,
    },
    /// The latest scan of every artifact (`GET /scans/all/metrics`): Harbor gives scan-all
    /// runs no id of their own.
    ScanAll,
    /// A replication execution (`GET /replication/executions/{id}`).
    Replication {
        /// The execution's id.
        id: i64,
    },
    /// A tag-retention execution (found in `GET /retentions/{policy_id}/executions`).
    Retention {
        /// The retention policy's id.
        policy_id: i64,
        /// The execution's id.
        id: i64,
    },
    /// A P2P preheat execution
    /// (`GET /projects/{project}/preheat/policies/{policy}/executions/{id}`).
    Preheat {
        /// The project's name.
        project: String,
        /// The preheat policy's name.
        policy: String,
        /// The execution's id.
        id: i64,
    },
    /// A CSV export of scan data (`GET /export/cve/execution/{id}`).
    ScanDataExport {
        /// The execution's id.
        id: i64,
    },
    /// A webhook notification (found in
    /// `GET /projects/{project}/webhook/policies/{policy_id}/executions`).
    Webhook {
        /// The project, by name or id.
        project: ProjectRef,
        /// The webhook policy's id.
        policy_id: i64,
        /// The execution's id.
        id: i64,
    },
}

impl Job {
    /// A garbage-collection run.
    pub fn gc(id: i64) -> Self {
        Job::GarbageCollection { id }
    }

    /// An audit-log purge run.
    pub fn purge_audit(id: i64) -> Self {
        Job::PurgeAudit { id }
    }

    /// The latest scan-all run.
    pub fn scan_all() -> Self {
        Job::ScanAll
    }

    /// A replication execution.
    pub fn replication(id: i64) -> Self {
        Job::Replication { id }
    }

    /// A tag-retention execution of a policy.
    pub fn retention(policy_id: i64, id: i64) -> Self {
        Job::Retention { policy_id, id }
    }

    /// A preheat execution of a project's policy.
    pub fn preheat(project: impl Into<String>, policy: impl Into<String>, id: i64) -> Self {
        Job::Preheat {
            project: project.into(),
            policy: policy.into(),
            id,
        }
    }

    /// A scan-data export.
    pub fn scan_data_export(id: i64) -> Self {
        Job::ScanDataExport { id }
    }

    /// A webhook execution of a project's policy.
    pub fn webhook(project: impl Into<ProjectRef>, policy_id: i64, id: i64) -> Self {
        Job::Webhook {
            project: project.into(),
            policy_id,
            id,
        }
    }

    /// Harbor's vendor type for this kind of job (`GARBAGE_COLLECTION`, `REPLICATION`, ...).
    pub fn kind(&self) -> &'static str {
        match self {
            Job::GarbageCollection { .. } => "GARBAGE_COLLECTION",
            Job::PurgeAudit { .. } => "PURGE_AUDIT_LOG",
            Job::ScanAll => "SCAN_ALL",
            Job::Replication { .. } => "REPLICATION",
            Job::Retention { .. } => "RETENTION",
            Job::Preheat { .. } => "P2P_PREHEAT",
            Job::ScanDataExport { .. } => "SCAN_DATA_EXPORT",
            Job::Webhook { .. } => "WEBHOOK",
        }
    }

    /// One read of the job's status (one request; two for retention or webhook executions
    /// on a later page of their list).
    pub(crate) async fn read(&self, client: &HarborClient) -> Result<JobStatus, Error> {
        Ok(match self {
            Job::GarbageCollection { id } => {
                JobStatus::new(client.get_gc_job(*id).await?.job_status.unwrap_or_default())
            }
            Job::PurgeAudit { id } => JobStatus::new(
                client
                    .get_purge_job(*id)
                    .await?
                    .job_status
                    .unwrap_or_default(),
            ),
            Job::ScanAll => scan_all_status(&client.get_latest_scan_all_metrics().await?),
            Job::Replication { id } => {
                replication_status(&client.get_replication_execution(*id).await?)
            }
            Job::Retention { policy_id, id } => {
                let found = find(
                    client.get_retention_executions_stream(
                        *policy_id,
                        &GetRetentionExecutionsParams::default(),
                    ),
                    |e: &models::RetentionExecution| e.id == Some(*id),
                )
                .await?;
                let status = match found {
                    Some(e) => JobStatus::new(e.status.unwrap_or_default()),
                    None => return Err(missing(self, "getRetentionExecutions")),
                };
                if status.phase.is_final() {
                    // A retention task is retried (`MaxFails` 3) and its run's status follows
                    // the tasks' at Harbor's periodic refresh, so a run may read `Error` while
                    // a task runs again: its tasks, read live, tell whether it is over.
                    let tasks = self.tasks(client).await?;
                    status.with_tasks(TaskCounts::of(tasks.iter().map(|t| t.status.phase)))
                } else {
                    status
                }
            }
            Job::Preheat {
                project,
                policy,
                id,
            } => execution_status(&client.get_preheat_execution(project, policy, *id).await?),
            Job::ScanDataExport { id } => {
                let e = client.get_scan_export_execution(*id).await?;
                JobStatus::new(e.status.unwrap_or_default()).with_message(e.status_text)
            }
            Job::Webhook {
                project,
                policy_id,
                id,
            } => {
                let params = GetWebhookPolicyExecutionsParams::default();
                let found = find(
                    client.get_webhook_policy_executions_stream(
                        project.clone(),
                        *policy_id,
                        &params,
                    ),
                    |e: &models::Execution| e.id == Some(*id),
                )
                .await?;
                match found {
                    Some(e) => execution_status(&e),
                    None => return Err(missing(self, "ListExecutionsOfWebhookPolicy")),
                }
            }
        })
    }

    /// The job's tasks (empty for kinds whose API lists none: GC, audit-log purge, scan all,
    /// scan-data export): read once when the job failed, and by a retention run's reads.
    pub(crate) async fn tasks(&self, client: &HarborClient) -> Result<Vec<Task>, Error> {
        Ok(match self {
            Job::Replication { id } => client
                .get_replication_tasks_all(*id, &GetReplicationTasksParams::default(), None)
                .await?
                .into_iter()
                .map(|t| Task {
                    id: t.id.unwrap_or_default(),
                    status: JobStatus::new(t.status.unwrap_or_default()),
                    resource: t.src_resource,
                })
                .collect(),
            Job::Retention { policy_id, id } => client
                .get_retention_tasks_all(*policy_id, *id, &GetRetentionTasksParams::default(), None)
                .await?
                .into_iter()
                .map(|t| Task {
                    id: t.id.unwrap_or_default(),
                    status: JobStatus::new(t.status.unwrap_or_default()),
                    resource: t.repository,
                })
                .collect(),
            Job::Preheat {
                project,
                policy,
                id,
            } => client
                .get_preheat_tasks_all(
                    project,
                    policy,
                    *id,
                    &GetPreheatTasksParams::default(),
                    None,
                )
                .await?
                .into_iter()
                .map(Task::from_model)
                .collect(),
            Job::Webhook {
                project,
                policy_id,
                id,
            } => client
                .get_webhook_execution_tasks_all(
                    project.clone(),
                    *policy_id,
                    *id,
                    &GetWebhookExecutionTasksParams::default(),
                    None,
                )
                .await?
                .into_iter()
                .map(Task::from_model)
                .collect(),
            Job::GarbageCollection { .. }
            | Job::PurgeAudit { .. }
            | Job::ScanAll
            | Job::ScanDataExport { .. } => Vec::new(),
        })
    }
}

impl std::fmt::Display for Job {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let kind = self.kind();
        match self {
            Job::GarbageCollection { id }
            | Job::PurgeAudit { id }
            | Job::Replication { id }
            | Job::ScanDataExport { id } => write!(f, "{kind} execution {id}"),
            Job::ScanAll => write!(f, "the latest {kind} run"),
            Job::Retention { policy_id, id } => {
                write!(f, "{kind} execution {id} of policy {policy_id}")
            }
            Job::Preheat {
                project,
                policy,
                id,
            } => write!(f, "{kind} execution {id} of policy {policy} in {project}"),
            Job::Webhook {
                project,
                policy_id,
                id,
            } => write!(
                f,
                "{kind} execution {id} of policy {policy_id} in {project}"
            ),
        }
    }
}

/// One task of a failed job: what a report of the failure names.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Task {
    /// The task's id.
    pub id: i64,
    /// Its status, with Harbor's message when it gave one.
    pub status: JobStatus,
    /// What it worked on (a replicated resource, a repository), when Harbor says.
    pub resource: Option<String>,
}

impl Task {
    fn from_model(t: models::Task) -> Self {
        Task {
            id: t.id.unwrap_or_default(),
            status: JobStatus::new(t.status.unwrap_or_default()).with_message(t.status_message),
            resource: None,
        }
    }
}

/// The first item of a list stream matching `wanted`, fetching no page after it.
async fn find<T>(
    items: impl futures::Stream<Item = Result<T, Error>>,
    wanted: impl Fn(&T) -> bool,
) -> Result<Option<T>, Error> {
    pin_mut!(items);
    while let Some(item) = items.next().await {
        let item = item?;
        if wanted(&item) {
            return Ok(Some(item));
        }
    }
    Ok(None)
}

/// An execution its policy's list does not hold: Harbor's 404 in the client's terms.
fn missing(job: &Job, operation: &'static str) -> Error {
    Error::InvalidRequest {
        operation,
        message: format!("{job} is not in its policy's execution list"),
    }
}

/// Harbor's generic `Execution` (preheat, webhook): status, message and task metrics.
fn execution_status(e: &models::Execution) -> JobStatus {
    let status =
        JobStatus::new(e.status.clone().unwrap_or_default()).with_message(e.status_message.clone());
    match &e.metrics {
        Some(m) => status.with_tasks(TaskCounts {
            total: m.task_count.unwrap_or_default(),
            in_progress: m.pending_task_count.unwrap_or_default()
                + m.running_task_count.unwrap_or_default()
                + m.scheduled_task_count.unwrap_or_default(),
            succeeded: m.success_task_count.unwrap_or_default(),
            failed: m.error_task_count.unwrap_or_default(),
            stopped: m.stopped_task_count.unwrap_or_default(),
        }),
        None => status,
    }
}

/// A replication execution: the converted status word and its task counts.
fn replication_status(e: &models::ReplicationExecution) -> JobStatus {
    JobStatus::new(e.status.clone().unwrap_or_default())
        .with_message(e.status_text.clone())
        .with_tasks(TaskCounts {
            total: e.total.unwrap_or_default(),
            in_progress: e.in_progress.unwrap_or_default(),
            succeeded: e.succeed.unwrap_or_default(),
            failed: e.failed.unwrap_or_default(),
            stopped: e.stopped.unwrap_or_default(),
        })
}

/// The scan-all metrics as a status. Harbor says `ongoing` while the execution is not final
/// or some scans are not done (`getMetrics`, `src/server/v2.0/handler/scan_all.go`); once
/// it is not, any failed scan makes the run failed, else any stopped one stopped.
fn scan_all_status(stats: &models::Stats) -> JobStatus {
    let count = |key: &str| {
        stats
            .metrics
            .as_ref()
            .and_then(|m| m.get(key).copied())
            .unwrap_or(0)
    };
    let tasks = TaskCounts {
        total: stats.total.unwrap_or_default(),
        in_progress: count("Pending") + count("Running") + count("Scheduled"),
        succeeded: count("Success"),
        failed: count("Error"),
        stopped: count("Stopped"),
    };
    let word = if stats.ongoing.unwrap_or(false) {
        if tasks.succeeded + tasks.failed + tasks.stopped + count("Running") == 0 {
            "Pending"
        } else {
            "Running"
        }
    } else if tasks.failed > 0 {
        "Error"
    } else if tasks.stopped > 0 {
        "Stopped"
    } else {
        "Success"
    };
    let status = JobStatus::new(word).with_tasks(tasks);
    if status.phase == Phase::Failed {
        let message = format!("{} of {} scans failed", tasks.failed, tasks.total);
        status.with_message(Some(message))
    } else {
        status
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn stats(ongoing: bool, pairs: &[(&str, i64)]) -> models::Stats {
        let metrics: BTreeMap<String, i64> =
            pairs.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        models::Stats {
            total: Some(pairs.iter().map(|(_, v)| v).sum()),
            completed: None,
            metrics: Some(metrics),
            ongoing: Some(ongoing),
            trigger: None,
        }
    }

    #[test]
    fn scan_all_phases_follow_ongoing_then_counts() {
        let phase = |s: &models::Stats| scan_all_status(s).phase;
        assert_eq!(phase(&stats(true, &[("Pending", 3)])), Phase::Pending);
        assert_eq!(
            phase(&stats(true, &[("Running", 1), ("Pending", 2)])),
            Phase::Running
        );
        assert_eq!(phase(&stats(false, &[("Success", 3)])), Phase::Succeeded);
        assert_eq!(
            phase(&stats(false, &[("Success", 2), ("Stopped", 1)])),
            Phase::Stopped
        );
        let failed = scan_all_status(&stats(false, &[("Success", 2), ("Error", 1)]));
        assert_eq!(failed.phase, Phase::Failed);
        assert_eq!(failed.message.as_deref(), Some("1 of 3 scans failed"));
    }

    #[test]
    fn replication_status_keeps_counts_and_text() {
        let e = models::ReplicationExecution {
            status: Some("Failed".into()),
            status_text: Some("1 task failed".into()),
            total: Some(2),
            failed: Some(1),
            succeed: Some(1),
            ..Default::default()
        };
        let s = replication_status(&e);
        assert_eq!(
            (s.phase, s.message.as_deref()),
            (Phase::Failed, Some("1 task failed"))
        );
        assert_eq!(s.tasks.unwrap().failed, 1);
    }

    #[test]
    fn display_names_the_job() {
        assert_eq!(Job::gc(4).to_string(), "GARBAGE_COLLECTION execution 4");
        assert_eq!(Job::scan_all().to_string(), "the latest SCAN_ALL run");
        assert_eq!(
            Job::webhook(3, 9, 27).to_string(),
            format!("WEBHOOK execution 27 of policy 9 in {}", ProjectRef::id(3))
        );
    }
}
