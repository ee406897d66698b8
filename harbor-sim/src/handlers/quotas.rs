//! Quotas.

use std::collections::BTreeMap;
use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listQuotas" => list,
        "getQuota" => get,
        "updateQuota" => update,
        _ => return None,
    })
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let reference_id = ctx.query("reference_id");
    let docs: Vec<Value> = s
        .quotas
        .values()
        .filter(|q| reference_id.is_none_or(|r| q.project_id.to_string() == r))
        .map(|q| json!(q))
        .collect();
    ctx.list(docs)
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let s = read(state);
    Ok(Reply::ok(s.quotas.get(&id).ok_or_else(|| {
        ApiError::not_found(format!("quota {id} not found"))
    })?))
}

#[derive(Deserialize)]
struct QuotaUpdateReq {
    hard: Option<BTreeMap<String, i64>>,
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let req: QuotaUpdateReq = ctx.json()?;
    // `UpdateQuota` (`src/server/v2.0/handler/quota.go`): no limits at all is refused first.
    let hard = req
        .hard
        .filter(|h| !h.is_empty())
        .ok_or_else(|| ApiError::bad_request("hard required in body"))?;
    write(state).update_quota(id, &hard)?;
    Ok(Reply::empty(StatusCode::OK))
}
