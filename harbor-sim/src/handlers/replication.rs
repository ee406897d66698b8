//! Replication policies and executions.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::actor_name;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::jobs::{Execution, JobKind, JobStatus, JobTask, ZERO_TIME};

pub(crate) fn list_policies(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let name = ctx.query("name");
    ctx.list(
        s.replication_policies
            .values()
            // `name` is a fuzzy match (`q.FuzzyMatchValue`: any case).
            .filter(|p| name.is_none_or(|n| p.name().to_lowercase().contains(&n.to_lowercase())))
            .map(policy_answer)
            .collect(),
    )
}

/// A policy as `ReplicationPolicy` writes it: every scalar but the times is `omitempty`, so a
/// false flag, a speed of 0 and an empty string are left out.
fn policy_answer(policy: &crate::state::ReplicationPolicy) -> Value {
    let mut answer = policy.doc.clone();
    crate::omitempty::omit_empty(
        &mut answer,
        &[
            "id",
            "name",
            "description",
            "dest_namespace",
            "dest_namespace_replace_count",
            "replicate_deletion",
            "deletion",
            "override",
            "enabled",
            "speed",
            "copy_by_chunk",
            "single_active_replication",
        ],
    );
    answer
}

pub(crate) fn create_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let doc: Value = ctx.json()?;
    let id = s.create_replication_policy(doc)?;
    Ok(Reply::created(ctx.location(id)))
}

pub(crate) fn get_policy(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let policy = s
        .replication_policies
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("replication policy {id} not found")))?;
    Ok(Reply::ok(&policy_answer(policy)))
}

pub(crate) fn delete_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    // `DeletePolicy` deletes the executions first (`DeleteByVendor`): 412 when one is not
    // final by its status, then when one has a task that is not (its status not yet
    // refreshed from a retried task's); then the policy (404 when there is none).
    let runs = s.read_executions(JobKind::Replication, |e| e.vendor_id == id);
    if runs.iter().any(|e| !e.status.is_final()) {
        return Err(ApiError::precondition(
            "contains executions that aren't in final status, stop the execution first",
        ));
    }
    if let Some(e) = runs
        .iter()
        .find(|e| e.tasks.iter().any(|t| !t.status.is_final()))
    {
        return Err(ApiError::precondition(format!(
            "the execution {} has tasks that aren't in final status, stop the tasks first",
            e.id
        )));
    }
    s.replication_policies
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("replication policy {id} not found")))?;
    s.replication_policies.remove(&id);
    s.unschedule_vendor(crate::state::scheduler::REPLICATION, id);
    // Harbor deletes a policy's executions with it.
    s.executions
        .retain(|_, e| !(e.kind == JobKind::Replication && e.vendor_id == id));
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn update_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let doc: Value = ctx.json()?;
    s.update_replication_policy(id, doc)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `convertExecution`: the task manager's execution in the replication API's words, its
/// task counts as the old model's.
fn execution_answer(e: &Execution) -> Value {
    let count = |status: JobStatus| e.tasks.iter().filter(|t| t.status == status).count();
    json!({
        "id": e.id,
        "policy_id": e.vendor_id,
        "status": e.status.replication_name(),
        "trigger": trigger_name(&e.trigger),
        "start_time": e.start_time,
        "end_time": e.end_time_or_zero(),
        "status_text": e.status_message,
        "total": e.tasks.len(),
        "failed": count(JobStatus::Error),
        "succeed": count(JobStatus::Success),
        "in_progress": count(JobStatus::Pending) + count(JobStatus::Running),
        "stopped": count(JobStatus::Stopped),
    })
}

/// The replication API's name of a task manager's trigger (`convertExecution`).
fn trigger_name(trigger: &str) -> &'static str {
    match trigger {
        "MANUAL" => "manual",
        "SCHEDULE" => "scheduled",
        "EVENT" => "event_based",
        _ => "",
    }
}

/// `convertTask`: the task's own status in the replication API's words (`Pending` stays
/// `Pending`), its resources from its attributes; an unset start (queued) or end (not
/// final) is Go's zero time.
fn task_answer(t: &JobTask) -> Value {
    let attr = |k: &str| t.extra_attrs[k].as_str().unwrap_or_default().to_owned();
    json!({
        "id": t.id,
        "execution_id": t.execution_id,
        "status": t.status.replication_name(),
        "job_id": t.job_id(),
        "operation": attr("operation"),
        "resource_type": attr("resource_type"),
        "src_resource": attr("source_resource"),
        "dst_resource": attr("destination_resource"),
        "start_time": t.start_time.as_deref().unwrap_or(ZERO_TIME),
        "end_time": t.end_time.as_deref().unwrap_or(ZERO_TIME),
    })
}

/// A replication execution as it is now; 404 `replication execution <id> not found`.
fn execution(s: &mut SimState, id: i64) -> ApiResult<Execution> {
    s.read_execution(JobKind::Replication, id)
}

pub(crate) fn list_executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let policy: Option<i64> = ctx.query("policy_id").and_then(|p| p.parse().ok());
    // The API's names are turned back into the task manager's; others are taken as they
    // are (`ListReplicationExecutions`).
    let status = ctx.query("status").map(|st| match st {
        "InProgress" => "Running",
        "Succeed" => "Success",
        "Failed" => "Error",
        other => other,
    });
    let trigger = ctx.query("trigger").map(|t| match t {
        "manual" => "MANUAL",
        "scheduled" => "SCHEDULE",
        "event_based" => "EVENT",
        other => other,
    });
    // Newest first: the execution's default order (`start_time` descending).
    let runs = s.read_executions(JobKind::Replication, |e| {
        policy.is_none_or(|p| e.vendor_id == p)
            && status.is_none_or(|st| e.status.as_str() == st)
            && trigger.is_none_or(|t| e.trigger == t)
    });
    ctx.list(runs.iter().map(execution_answer).collect())
}

#[derive(Deserialize)]
struct StartReq {
    policy_id: Option<i64>,
}

pub(crate) fn start(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: StartReq = ctx.json()?;
    // An absent policy id is Go's 0: no policy has it (`GetPolicy`).
    let policy = req.policy_id.unwrap_or(0);
    // Harbor's legacy scheduler job starts a scheduled run with `?trigger=scheduled`.
    let trigger = if ctx.query("trigger") == Some("scheduled") {
        "SCHEDULE"
    } else {
        "MANUAL"
    };
    let id = s.start_replication(policy, trigger, &actor_name(&ctx.identity))?;
    Ok(Reply::created(ctx.location(id)))
}

pub(crate) fn get_execution(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    Ok(Reply::ok(&execution_answer(&execution(s, id)?)))
}

pub(crate) fn stop(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    s.stop_execution(JobKind::Replication, id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn list_tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let e = execution(s, id)?;
    let status = ctx.query("status");
    let resource_type = ctx.query("resource_type");
    let mut tasks: Vec<&JobTask> = e
        .tasks
        .iter()
        .filter(|t| {
            status.is_none_or(|st| match st {
                // `Scheduled` or `Running`; the simulator schedules nothing.
                "InProgress" => t.status == JobStatus::Running,
                "Succeed" => t.status == JobStatus::Success,
                "Failed" => t.status == JobStatus::Error,
                other => t.status.as_str() == other,
            }) && resource_type.is_none_or(|r| t.extra_attrs["resource_type"] == r)
        })
        .collect();
    // The task's default order: start time, then id, descending (a task not started has
    // Go's zero time, the earliest).
    tasks.sort_by(|a, b| (b.start_time.as_deref(), b.id).cmp(&(a.start_time.as_deref(), a.id)));
    ctx.list(tasks.into_iter().map(task_answer).collect())
}

pub(crate) fn log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let task = ctx.path_id("task_id")?;
    // `GetReplicationLog`: the execution, then the task (any replication execution's),
    // then that the task is the execution's.
    execution(s, id)?;
    let owner = s
        .executions
        .values()
        .filter(|e| e.kind == JobKind::Replication)
        .find(|e| e.tasks.iter().any(|t| t.id == task))
        .map(|e| e.id)
        .ok_or_else(|| ApiError::not_found(format!("replication task {task} not found")))?;
    if owner != id {
        return Err(ApiError::not_found(format!(
            "execution {id} contains no task with ID {task}"
        )));
    }
    Ok(Reply::text(
        StatusCode::OK,
        s.task_log(JobKind::Replication, id, task)?,
    ))
}
