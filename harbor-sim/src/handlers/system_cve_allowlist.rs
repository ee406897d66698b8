//! The system-wide CVE allowlist (`src/server/v2.0/handler/sys_cve_allowlist.go`,
//! `src/pkg/allowlist/`).
//!
//! Harbor keeps it as the allowlist row of project 0. A fresh Harbor has no such row, and
//! reading it then answers a list with no id and zero timestamps (`Get` fills in an empty
//! list, the swagger model omits the empty fields); a `PUT` writes the row, stamping both
//! timestamps anew each time (`InsertOrUpdate` on `project_id`). A blank or repeated CVE id
//! is refused with Harbor's validator message, as a 400 where Harbor's handler lets it
//! become a 500.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::jobs::ZERO_TIME;
use crate::state::{SimState, now};

/// Where the stored allowlist lives in [`SimState::documents`].
const KEY: &str = "/system/CVEAllowlist";

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "getSystemCVEAllowlist" => get,
        "putSystemCVEAllowlist" => put,
        _ => return None,
    })
}

fn get(_ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let stored = s.documents.get(KEY).cloned();
    Ok(Reply::ok(&stored.unwrap_or_else(
        || json!({"creation_time": ZERO_TIME, "update_time": ZERO_TIME}),
    )))
}

#[derive(Deserialize)]
struct AllowlistReq {
    expires_at: Option<i64>,
    #[serde(default)]
    items: Vec<ItemReq>,
}

#[derive(Deserialize)]
struct ItemReq {
    cve_id: Option<String>,
}

fn put(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: AllowlistReq = ctx.json()?;
    let mut ids: Vec<String> = Vec::new();
    for item in req.items {
        let id = item.cve_id.unwrap_or_default();
        // Harbor's validator messages; its handler passes them on uncoded (a 500), the
        // simulator answers a client's mistake with 400 instead (see the README).
        if id.trim().is_empty() {
            return Err(ApiError::bad_request(
                "empty or whitespace-only CVE ID in allowlist",
            ));
        }
        if ids.contains(&id) {
            return Err(ApiError::bad_request(format!(
                "duplicate CVE ID in allowlist: {id}"
            )));
        }
        ids.push(id);
    }
    let mut s = write(state);
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
    let mut list = json!({"id": id, "creation_time": now, "update_time": now});
    // The swagger model omits an empty list, as it omits project id 0.
    if !ids.is_empty() {
        list["items"] = ids.iter().map(|c| json!({"cve_id": c})).collect::<Value>();
    }
    if let Some(expires_at) = req.expires_at {
        list["expires_at"] = json!(expires_at);
    }
    s.documents.insert(KEY.to_owned(), list);
    Ok(Reply::empty(StatusCode::OK))
}
