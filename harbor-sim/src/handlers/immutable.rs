//! Immutable tag rules.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::projects::project_of;
use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "ListImmuRules" => list,
        "CreateImmuRule" => create,
        "UpdateImmuRule" => update,
        "DeleteImmuRule" => delete,
        _ => return None,
    })
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let project = project_of(ctx, &s)?;
    ctx.list(
        s.immutable_rules
            .values()
            .filter(|r| r.project_id == project)
            .map(|r| r.doc.clone())
            .collect(),
    )
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let doc: Value = ctx.json()?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    let id = s.create_immutable_rule(project, doc)?;
    Ok(Reply::created(ctx.location(id)))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("immutable_rule_id")?;
    let patch: Value = ctx.json()?;
    // `UpdateImmuRule` (`src/server/v2.0/handler/immutable.go`): the body's id must be the
    // path's (absent is 0).
    if patch["id"].as_i64().unwrap_or(0) != id {
        return Err(ApiError::bad_request(
            "bad request: the immutable_rule_id doesn't match the id in the payload body of ImmutableRule",
        ));
    }
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    let rule = s.immutable_rule_mut(project, id)?;
    // The controller's `UpdateImmutableRule`: a change of `disabled` toggles the rule and
    // nothing else; otherwise the body replaces the rule (`disabled` kept).
    let disabled = patch["disabled"].as_bool().unwrap_or(false);
    if rule.doc["disabled"].as_bool().unwrap_or(false) != disabled {
        rule.doc["disabled"] = json!(disabled);
        return Ok(Reply::empty(StatusCode::OK));
    }
    if let Value::Object(fields) = patch {
        for (k, v) in fields {
            if k != "id" {
                rule.doc[k] = v;
            }
        }
    }
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("immutable_rule_id")?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    s.immutable_rule_mut(project, id)?;
    s.immutable_rules.remove(&id);
    Ok(Reply::empty(StatusCode::OK))
}
