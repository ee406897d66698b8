//! Quotas.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::quotas::Quota;

/// `ListQuotas` (`src/server/v2.0/handler/quota.go`, `src/pkg/quota/dao/dao.go`): `q` is
/// not read; `reference` and `reference_id` are compared exactly with the stored columns
/// (every quota here is a project's, `reference` `project`, `reference_id` the project id
/// as a string); the order is `sort`'s keys that `listOrderBy` knows, else newest first.
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let reference = ctx.query("reference").filter(|r| !r.is_empty());
    let reference_id = ctx.query("reference_id").filter(|r| !r.is_empty());
    let mut quotas: Vec<&Quota> = s
        .quotas
        .values()
        .filter(|_| reference.is_none_or(|r| r == "project"))
        .filter(|q| reference_id.is_none_or(|r| q.project_id.to_string() == r))
        .collect();
    let keys = quota_sorts(ctx.query("sort").unwrap_or_default());
    if keys.is_empty() {
        // `b.creation_time DESC`; ids grow with creation time.
        quotas.sort_by_key(|q| std::cmp::Reverse((q.creation_time.clone(), q.id)));
    } else {
        quotas.sort_by(|a, b| {
            keys.iter()
                .map(|(key, desc)| {
                    let ord = key.of(a).cmp(&key.of(b));
                    if *desc { ord.reverse() } else { ord }
                })
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
    }
    let docs = quotas.into_iter().map(|q| answered(s, q)).collect();
    Ok(ctx.page_of(docs, ctx.page()?))
}

/// A quota as answered: its reference's `owner_name` as the project quota driver loads it
/// (`getProjectsBatchFn`, `src/controller/quota/driver/project/util.go`): the owners are
/// listed with the key `UserID`, which the user manager does not take for a user id, so it
/// leaves out the first admin (`excludeDefaultAdmin`), and deleted users are left out too:
/// the name is empty for a project of user 1 or of a deleted user.
fn answered(s: &SimState, q: &Quota) -> Value {
    let owner = s
        .projects
        .get(&q.project_id)
        .filter(|p| p.owner_id != 1)
        .map(|p| s.owner_name_of(p))
        .unwrap_or_default();
    let mut doc = json!(q);
    doc["ref"]["owner_name"] = json!(owner);
    doc
}

/// A key `listOrderBy` (`src/pkg/quota/dao/util.go`) orders quotas by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum QuotaKey {
    CreationTime,
    UpdateTime,
    /// `hard.storage`: a limit of -1 (none) as the largest number.
    Hard,
    /// `used.storage`.
    Used,
}

impl QuotaKey {
    /// The value compared: a creation time with the id after it (ids grow with creation
    /// time; Harbor's database keeps microseconds where the simulator keeps milliseconds).
    fn of(self, q: &Quota) -> (i64, String, i64) {
        let storage = |v: &Value| match v["storage"].as_i64().unwrap_or(0) {
            -1 => i64::MAX,
            n => n,
        };
        match self {
            QuotaKey::CreationTime => (0, q.creation_time.clone(), q.id),
            QuotaKey::UpdateTime => (0, q.update_time.clone(), 0),
            QuotaKey::Hard => (storage(&q.hard), String::new(), 0),
            QuotaKey::Used => (storage(&q.used), String::new(), 0),
        }
    }
}

/// The keys of `sort` that `listOrderBy` knows (`creation_time`, `update_time`, with an
/// optional `+` or `-`; `hard.storage`, `used.storage` with an optional `-`), in order; the
/// rest are dropped.
fn quota_sorts(sort: &str) -> Vec<(QuotaKey, bool)> {
    if sort.is_empty() {
        return Vec::new();
    }
    sort.split(',')
        .filter_map(|item| {
            // `q.ParseSorting`: a leading `-` is descending; the map also takes `+`.
            let (key, desc) = match item.strip_prefix('-') {
                Some(rest) => (rest, true),
                None => (item, false),
            };
            let time_key = key.strip_prefix('+').filter(|_| !desc).unwrap_or(key);
            let found = match (key, time_key) {
                (_, "creation_time") => QuotaKey::CreationTime,
                (_, "update_time") => QuotaKey::UpdateTime,
                ("hard.storage", _) => QuotaKey::Hard,
                ("used.storage", _) => QuotaKey::Used,
                _ => return None,
            };
            Some((found, desc))
        })
        .collect()
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let quota = s
        .quotas
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("quota {id} not found")))?;
    Ok(Reply::ok(&answered(s, quota)))
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
