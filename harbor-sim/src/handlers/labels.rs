//! Labels.

use axum::http::StatusCode;
use serde_json::json;

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::labels::LabelReq;

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    // Harbor's `ListLabels` (`src/server/v2.0/handler/label.go`): the scope is required,
    // and project labels need a project id other than 0.
    let scope = ctx.query("scope").unwrap_or_default();
    if scope != "g" && scope != "p" {
        return Err(ApiError::bad_request(format!("invalid scope: {scope}")));
    }
    let project: Option<i64> = ctx
        .query("project_id")
        .and_then(|p| p.parse().ok())
        .filter(|id| *id != 0);
    if scope == "p" && project.is_none() {
        return Err(ApiError::bad_request(
            "must with project ID when to query project labels",
        ));
    }
    let name = ctx.query("name");
    let docs = s
        .labels
        .values()
        .filter(|l| l.scope == scope && (scope == "g" || l.project_id == project))
        // `name` is a fuzzy match (`ListLabels`: `q.FuzzyMatchValue`, `__icontains`).
        .filter(|l| name.is_none_or(|n| l.name.to_lowercase().contains(&n.to_lowercase())))
        .map(|l| json!(l))
        .collect();
    ctx.list(docs)
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: LabelReq = ctx.json()?;
    let id = s.create_label(req)?;
    Ok(Reply::created(ctx.location(id)))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("label_id")?;
    let label = s
        .labels
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
    Ok(Reply::ok(label))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("label_id")?;
    let req: LabelReq = ctx.json()?;
    s.update_label(id, req)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("label_id")?;
    s.delete_label(id)?;
    Ok(Reply::empty(StatusCode::OK))
}
