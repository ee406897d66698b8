//! Webhook policies.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::actor_name;
use super::projects::project_of;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::{Execution, JobKind, SimState};

/// The event types Harbor can notify about.
const EVENT_TYPES: &[&str] = &[
    "DELETE_ARTIFACT",
    "PULL_ARTIFACT",
    "PUSH_ARTIFACT",
    "QUOTA_EXCEED",
    "QUOTA_WARNING",
    "REPLICATION",
    "SCANNING_FAILED",
    "SCANNING_COMPLETED",
    "SCANNING_STOPPED",
    "TAG_RETENTION",
];

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = project_of(ctx, s)?;
    // Harbor's default order is the newest first (`creation_time`'s `sort:"default:desc"`
    // in `src/pkg/notification/policy/model/model.go`); ids grow with creation time.
    ctx.list(
        s.webhooks
            .values()
            .rev()
            .filter(|w| w.project_id == project)
            .map(|w| w.doc.clone())
            .collect(),
    )
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mut doc: Value = ctx.json()?;
    check_policy(&mut doc)?;
    let project = project_of(ctx, s)?;
    let id = s.create_webhook(project, doc, &actor_name(&ctx.identity))?;
    Ok(Reply::created(ctx.location(id)))
}

/// Harbor's `validateEventTypes` then `validateTargets` (`src/server/v2.0/handler/
/// webhook.go`), on create and update: at least one event type, each one Harbor registers
/// (`initSupportedNotifyType` in `src/pkg/notification/notification.go`); at least one
/// target, each with an address `utils.ParseEndpoint` takes, a type `http` or `slack`, and a
/// payload format (`Default` or `CloudEvents`) only for `http`, where it defaults to
/// `Default`.
fn check_policy(doc: &mut Value) -> ApiResult<()> {
    let refuse = |m: String| Err(ApiError::bad_request(m));
    let name = doc["name"].as_str().unwrap_or_default().to_owned();
    let events = doc["event_types"].as_array().cloned().unwrap_or_default();
    if events.is_empty() {
        return refuse("empty event type".into());
    }
    for event in &events {
        let event = event.as_str().unwrap_or_default();
        if !EVENT_TYPES.contains(&event) {
            return refuse(format!("unsupported event type {event}"));
        }
    }
    let Some(targets) = doc["targets"].as_array_mut().filter(|t| !t.is_empty()) else {
        return refuse(format!("empty notification target with policy {name}"));
    };
    for target in targets {
        check_endpoint(target["address"].as_str().unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let kind = target["type"].as_str().unwrap_or_default();
        if kind != "http" && kind != "slack" {
            return refuse(format!("unsupported target type {kind} with policy {name}"));
        }
        let format = target["payload_format"].as_str().unwrap_or_default();
        if !format.is_empty() && kind == "slack" {
            return refuse("set payload format is not allowed for slack".into());
        }
        if !format.is_empty() && format != "Default" && format != "CloudEvents" {
            return refuse(format!("unsupported payload format type: {format}"));
        }
        if format.is_empty() && kind == "http" {
            target["payload_format"] = json!("Default");
        }
    }
    Ok(())
}

/// The checks of Harbor's `utils.ParseEndpoint` the simulator makes: blank (after trimming
/// spaces and trailing slashes) is `empty URL`, a scheme other than `http` or `https` is
/// `invalid scheme: <scheme>`. Harbor keeps the address as sent: its handler rewrites a
/// copy of each target, not the policy's.
fn check_endpoint(address: &str) -> Result<(), String> {
    let address = address.trim_matches(' ').trim_end_matches('/');
    if address.is_empty() {
        return Err("empty URL".into());
    }
    match address.split_once("://") {
        Some((scheme, _)) if scheme != "http" && scheme != "https" => {
            Err(format!("invalid scheme: {scheme}"))
        }
        _ => Ok(()),
    }
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let project = project_of(ctx, s)?;
    Ok(Reply::ok(s.webhook(project, id)?))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let mut doc: Value = ctx.json()?;
    let project = project_of(ctx, s)?;
    // `UpdateWebhookPolicyOfProject`: the policy must be the project's before the body is
    // checked.
    s.webhook(project, id)?;
    check_policy(&mut doc)?;
    // The request replaces the policy (`dao.Update` writes every column): what it leaves out
    // is Go's zero value, so an update without `enabled` disables the policy.
    for (field, zero) in [
        ("name", json!("")),
        ("description", json!("")),
        ("enabled", json!(false)),
    ] {
        if doc.get(field).is_none_or(Value::is_null) {
            doc[field] = zero;
        }
    }
    s.update_webhook(project, id, doc)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let project = project_of(ctx, s)?;
    s.webhook(project, id)?;
    s.webhooks.remove(&id);
    // Harbor deletes a policy's executions with it.
    s.executions
        .retain(|_, e| !(e.kind == JobKind::Webhook && e.vendor_id == id));
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn last_trigger(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = project_of(ctx, s)?;
    let docs: Vec<Value> = s
        .webhooks
        .values()
        .filter(|w| w.project_id == project)
        .flat_map(|w| {
            let events = w.doc["event_types"].as_array().cloned().unwrap_or_default();
            let s = &s;
            events.into_iter().map(move |e| {
                // The start of the newest delivery of this event, or Go's zero time.
                let last = s
                    .executions
                    .values()
                    .rev()
                    .find(|x| {
                        x.kind == JobKind::Webhook
                            && x.vendor_id == w.doc["id"].as_i64().unwrap_or(0)
                            && x.extra_attrs["event_type"] == e
                    })
                    .map_or(crate::state::jobs::ZERO_TIME, |x| x.start_time.as_str());
                json!({"policy_name": w.doc["name"], "event_type": e, "enabled": w.doc["enabled"],
                       "creation_time": w.doc["creation_time"], "last_trigger_time": last})
            })
        })
        .collect();
    Ok(Reply::ok(&docs))
}

pub(crate) fn event_types(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    project_of(ctx, s)?;
    Ok(Reply::ok(
        &json!({"event_type": EVENT_TYPES, "notify_type": ["http", "slack"], "payload_formats": [{"notify_type": "http", "formats": ["Default", "CloudEvents"]}]}),
    ))
}

/// The policy `{webhook_policy_id}` (or `?policy_id=`) of the project; 404 when another's.
fn policy_of(ctx: &Ctx, s: &SimState, id: i64) -> ApiResult<i64> {
    let project = project_of(ctx, s)?;
    s.webhook(project, id).map(|_| id)
}

/// The execution `{execution_id}` of the policy: 404 `execution <id> not found` when there is
/// none, `resource not found: execution <e> not found in policy <p>` when another policy's
/// (`requireExecutionInPolicy`, `src/server/v2.0/handler/webhook.go`).
fn execution_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let policy = policy_of(ctx, s, ctx.path_id("webhook_policy_id")?)?;
    let id = ctx.path_id("execution_id")?;
    let run = s
        .executions
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("execution {id} not found")))?;
    if run.kind == JobKind::Webhook && run.vendor_id == policy {
        return Ok(run.id);
    }
    Err(ApiError::not_found(format!(
        "resource not found: execution {id} not found in policy {policy}"
    )))
}

/// The legacy job list: one entry per delivery (task) of the policy.
pub(crate) fn jobs(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let raw = ctx
        .query("policy_id")
        .ok_or_else(|| ApiError::unprocessable("policy_id in query is required"))?;
    // Bound and checked by go-swagger already ([`crate::validate`]).
    let id = crate::binding::convert_int(raw, 64).unwrap_or_default();
    // `ListWebhookJobs` (`src/server/v2.0/handler/webhook_job.go`) reads the policy by id,
    // then its own `requirePolicyAccess`: another project's policy is `project id <path
    // project> does not match`, not `webhook.go`'s wording.
    let project = project_of(ctx, s)?;
    let policy = match s.webhooks.get(&id) {
        Some(w) if w.project_id != project => {
            return Err(ApiError::not_found(format!(
                "resource not found: project id {project} does not match"
            )));
        }
        _ => policy_of(ctx, s, id)?,
    };
    let mut docs = s.webhook_jobs(policy);
    // `status` is a csv array; Harbor puts the list in the query, which its ORM reads as
    // "any of" (`src/server/v2.0/handler/webhook_job.go`, `src/lib/orm/query.go`).
    let statuses = ctx.query_list("status");
    if !statuses.is_empty() {
        docs.retain(|d| statuses.iter().any(|s| d["status"] == json!(s)));
    }
    ctx.list(docs)
}

pub(crate) fn executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let policy = policy_of(ctx, s, ctx.path_id("webhook_policy_id")?)?;
    let runs = s.read_executions(JobKind::Webhook, |e| e.vendor_id == policy);
    ctx.list(runs.iter().map(Execution::to_model).collect())
}

pub(crate) fn tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    let run = s.read_execution(JobKind::Webhook, id)?;
    ctx.list(run.tasks.iter().map(|t| t.to_model()).collect())
}

pub(crate) fn task_log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    let task = ctx.path_id("task_id")?;
    // `requireTaskInExecution`: the task is read by id, then its execution compared.
    if s.task_execution(task)? != id {
        return Err(ApiError::not_found(format!(
            "resource not found: task {task} not found in execution {id}"
        )));
    }
    Ok(Reply::text(
        StatusCode::OK,
        s.task_log(JobKind::Webhook, id, task)?,
    ))
}
