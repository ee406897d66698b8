//! Replication policies and executions.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::job_service::job_id;
use crate::state::jobs::ZERO_TIME;

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
    s.refresh_replications();
    // `DeletePolicy` deletes the executions first: one with a task not in a final status
    // is 412; then the policy (404 when there is none).
    if let Some(e) = s
        .replication_executions
        .values()
        .find(|e| e.policy_id == id && !e.task_status.is_final())
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
    s.replication_executions.retain(|_, e| e.policy_id != id);
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn update_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let doc: Value = ctx.json()?;
    s.update_replication_policy(id, doc)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn list_executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let policy: Option<i64> = ctx.query("policy_id").and_then(|p| p.parse().ok());
    let status = ctx.query("status");
    let trigger = ctx.query("trigger");
    s.refresh_replications();
    let docs = s
        .replication_executions
        .values()
        .filter(|e| {
            policy.is_none_or(|p| e.policy_id == p)
                && status.is_none_or(|st| e.status == st)
                && trigger.is_none_or(|t| e.trigger == t)
        })
        .map(|e| json!(e))
        .collect();
    ctx.list(docs)
}

#[derive(Deserialize)]
struct StartReq {
    policy_id: Option<i64>,
}

pub(crate) fn start(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: StartReq = ctx.json()?;
    // An absent policy id is Go's 0: no policy has it (`GetPolicy`).
    let policy = req.policy_id.unwrap_or(0);
    let id = s.start_replication(policy)?;
    Ok(Reply::created(ctx.location(id)))
}

pub(crate) fn get_execution(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let e = s.read_replication(id)?;
    Ok(Reply::ok(&e))
}

pub(crate) fn stop(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    s.stop_replication(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn list_tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let e = s.read_replication(id)?;
    // `convertTask`: the task's own status (`Pending` stays `Pending`); an unset start
    // (queued) or end (not final) is Go's zero time.
    let task = json!({
        "id": e.task_id, "execution_id": id, "status": e.task_status.replication_name(), "job_id": job_id(e.task_id), "operation": "copy",
        "resource_type": "image", "src_resource": "library/nginx:[latest]", "dst_resource": "library/nginx:[latest]",
        "start_time": e.task_start_time.as_deref().unwrap_or(ZERO_TIME), "end_time": e.end_time.as_deref().unwrap_or(ZERO_TIME),
    });
    ctx.list(vec![task])
}

pub(crate) fn log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let task = ctx.path_id("task_id")?;
    s.refresh_replications();
    // `GetReplicationLog`: the execution, then the task (any replication execution's),
    // then that the task is the execution's.
    let e = s
        .replication_executions
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("replication execution {id} not found")))?;
    if e.task_id != task {
        if !s.replication_executions.values().any(|x| x.task_id == task) {
            return Err(ApiError::not_found(format!(
                "replication task {task} not found"
            )));
        }
        return Err(ApiError::not_found(format!(
            "execution {id} contains no task with ID {task}"
        )));
    }
    Ok(Reply::text(StatusCode::OK, e.written_log()?))
}
