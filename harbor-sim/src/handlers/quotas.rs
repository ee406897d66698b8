//! Quotas.

use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let reference_id = ctx.query("reference_id");
    let docs: Vec<Value> = s
        .quotas
        .values()
        .filter(|q| reference_id.is_none_or(|r| q.project_id.to_string() == r))
        .map(|q| json!(q))
        .collect();
    ctx.list(docs)
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    Ok(Reply::ok(s.quotas.get(&id).ok_or_else(|| {
        ApiError::not_found(format!("quota {id} not found"))
    })?))
}

#[derive(Deserialize)]
struct QuotaUpdateReq {
    hard: Option<BTreeMap<String, i64>>,
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let req: QuotaUpdateReq = ctx.json()?;
    // `UpdateQuota` (`src/server/v2.0/handler/quota.go`): no limits at all is refused first.
    let hard = req
        .hard
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ApiError::bad_request("hard required in body"))?;
    s.update_quota(id, &hard)?;
    Ok(Reply::empty(StatusCode::OK))
}
