//! Webhook policies.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::projects::project_of;
use super::{Handler, actor_name, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "ListWebhookPoliciesOfProject" => list,
        "CreateWebhookPolicyOfProject" => create,
        "GetWebhookPolicyOfProject" => get,
        "UpdateWebhookPolicyOfProject" => update,
        "DeleteWebhookPolicyOfProject" => delete,
        "LastTrigger" => last_trigger,
        "GetSupportedEventTypes" => event_types,
        _ => return None,
    })
}

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

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let project = project_of(ctx, &s)?;
    ctx.list(
        s.webhooks
            .values()
            .filter(|w| w.project_id == project)
            .map(|w| w.doc.clone())
            .collect(),
    )
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let doc: Value = ctx.json()?;
    if let Some(bad) = doc
        .get("event_types")
        .and_then(Value::as_array)
        .and_then(|e| {
            e.iter()
                .find(|t| !t.as_str().is_some_and(|t| EVENT_TYPES.contains(&t)))
        })
    {
        return Err(ApiError::bad_request(format!(
            "unsupported event type {bad}"
        )));
    }
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    let id = s.create_webhook(project, doc, &actor_name(&ctx.identity))?;
    Ok(Reply::created(ctx.location(id)))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let s = read(state);
    let project = project_of(ctx, &s)?;
    Ok(Reply::ok(s.webhook(project, id)?))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let doc: Value = ctx.json()?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    s.update_webhook(project, id, doc)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    s.webhook(project, id)?;
    s.webhooks.remove(&id);
    Ok(Reply::empty(StatusCode::OK))
}

fn last_trigger(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let project = project_of(ctx, &s)?;
    let docs: Vec<Value> = s
        .webhooks
        .values()
        .filter(|w| w.project_id == project)
        .flat_map(|w| {
            let events = w.doc["event_types"].as_array().cloned().unwrap_or_default();
            events.into_iter().map(move |e| json!({"policy_name": w.doc["name"], "event_type": e, "enabled": w.doc["enabled"], "creation_time": w.doc["creation_time"]}))
        })
        .collect();
    Ok(Reply::ok(&docs))
}

fn event_types(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    project_of(ctx, &s)?;
    Ok(Reply::ok(
        &json!({"event_type": EVENT_TYPES, "notify_type": ["http", "slack"], "payload_formats": [{"notify_type": "http", "formats": ["Default", "CloudEvents"]}]}),
    ))
}
