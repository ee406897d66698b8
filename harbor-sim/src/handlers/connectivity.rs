//! The connectivity checks that have no resource of their own: LDAP
//! (`src/server/v2.0/handler/ldap.go`, always 200 with `{success, message}`) and OIDC
//! (`oidc.go`, 400 `failed to verify connection`). Whether an endpoint answers is the
//! simulator's [`crate::state::Reachability`].

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Handler, read};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::reachability::host_of;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "pingLdap" => ping_ldap,
        "pingOIDC" => ping_oidc,
        _ => return None,
    })
}

/// The body of a request, or `{}` when it has none.
pub(super) fn body_or_empty(ctx: &Ctx) -> ApiResult<Value> {
    if ctx.body.iter().all(u8::is_ascii_whitespace) {
        Ok(json!({}))
    } else {
        ctx.json()
    }
}

/// What Go's dialer says about a host that does not answer.
fn unreachable_message(url: &str) -> String {
    format!("dial tcp: lookup {}: no such host", host_of(url))
}

fn ping_ldap(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let body = body_or_empty(ctx)?;
    let s = read(state);
    // An empty URL falls back to the configured one, as Harbor's LDAP controller does.
    let url = body["ldap_url"]
        .as_str()
        .filter(|u| !u.is_empty())
        .or_else(|| s.configurations.get("ldap_url").and_then(Value::as_str))
        .unwrap_or_default()
        .to_owned();
    let result = if url.is_empty() {
        json!({"success": false, "message": "error: LDAP URL is empty"})
    } else if s.reachability.reaches(&url) {
        json!({"success": true, "message": ""})
    } else {
        json!({"success": false, "message": format!(
            "error: LDAP Result Code 200 \"Network Error\": {}", unreachable_message(&url)
        )})
    };
    Ok(Reply::ok(&result))
}

fn ping_oidc(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let body = body_or_empty(ctx)?;
    let url = body["url"].as_str().unwrap_or_default();
    if url.is_empty() || !read(state).reachability.reaches(url) {
        return Err(ApiError::bad_request("failed to verify connection"));
    }
    Ok(Reply::empty(StatusCode::OK))
}
