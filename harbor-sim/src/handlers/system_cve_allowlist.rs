//! The system-wide CVE allowlist (`src/server/v2.0/handler/sys_cve_allowlist.go`,
//! `src/pkg/allowlist/`).
//!
//! Harbor keeps it as the allowlist row of project 0. A fresh Harbor has no such row, and
//! reading it then answers an empty list with no id and zero timestamps (`Get` fills in an
//! empty list, the swagger model omits id and project id 0); a `PUT` writes the row, stamping both
//! timestamps anew each time (`InsertOrUpdate` on `project_id`). A blank or repeated CVE id
//! is refused with Harbor's validator message, as a 400 where Harbor's handler lets it
//! become a 500.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult, NIL_POINTER_PANIC};
use crate::state::jobs::ZERO_TIME;
use crate::state::{SimState, now};

/// Where the stored allowlist lives in [`SimState::documents`].
const KEY: &str = "/system/CVEAllowlist";

pub(crate) fn get(_ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let stored = s.documents.get(KEY).cloned();
    Ok(Reply::ok(&stored.unwrap_or_else(
        || json!({"items": [], "creation_time": ZERO_TIME, "update_time": ZERO_TIME}),
    )))
}

/// A CVE allowlist as a request sends it (`CVEAllowlist`).
#[derive(Deserialize)]
pub(super) struct AllowlistReq {
    pub(super) expires_at: Option<i64>,
    #[serde(default)]
    items: Vec<ItemReq>,
}

#[derive(Deserialize)]
struct ItemReq {
    cve_id: Option<String>,
}

impl AllowlistReq {
    /// The CVE ids, in request order.
    pub(super) fn cve_ids(&self) -> Vec<String> {
        self.items
            .iter()
            .map(|i| i.cve_id.clone().unwrap_or_default())
            .collect()
    }
}

/// Harbor's allowlist validator (`Validate` in `src/pkg/allowlist/validator.go`): no blank
/// id, none twice. Its `invalidErr` carries no code, so Harbor's handlers answer it 500.
pub(super) fn check_allowlist_items(req: &AllowlistReq) -> ApiResult<()> {
    let ids = req.cve_ids();
    for (n, id) in ids.iter().enumerate() {
        if id.trim().is_empty() {
            return Err(ApiError::uncoded(
                "empty or whitespace-only CVE ID in allowlist",
            ));
        }
        if ids[..n].contains(id) {
            return Err(ApiError::uncoded(format!(
                "duplicate CVE ID in allowlist: {id}"
            )));
        }
    }
    Ok(())
}

pub(crate) fn put(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    // No body (the spec does not require one): `PutSystemCVEAllowlist` reads
    // `params.Allowlist.ExpiresAt` of the nil pointer and panics, beego's bare 500.
    if ctx.has_no_body() {
        return Err(ApiError::panicked(format!(
            "{NIL_POINTER_PANIC}: params.Allowlist"
        )));
    }
    let req: AllowlistReq = ctx.json()?;
    check_allowlist_items(&req)?;
    let ids = req.cve_ids();
    let id = match s.documents.get(KEY).and_then(|d| d["id"].as_i64()) {
        Some(id) => id,
        // One table holds every project's allowlist and this one: a fresh row id.
        None => {
            s.projects
                .values()
                .filter_map(|p| p.cve_allowlist["id"].as_i64())
                .max()
                .unwrap_or(0)
                + 1
        }
    };
    let now = now();
    // The swagger model omits project id 0, not the list: go-swagger leaves a plain array
    // without `omitempty` (`setIsEmptyOmitted` in its `generator/types.go`), and `ToSwagger`
    // starts from an empty one.
    let items: Value = ids.iter().map(|c| json!({"cve_id": c})).collect();
    let mut list = json!({"id": id, "items": items, "creation_time": now, "update_time": now});
    if let Some(expires_at) = req.expires_at {
        list["expires_at"] = json!(expires_at);
    }
    s.documents.insert(KEY.to_owned(), list);
    Ok(Reply::empty(StatusCode::OK))
}
