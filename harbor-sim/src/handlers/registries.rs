//! Registry endpoints.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::registries::{ADAPTERS, RegistryReq};

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "createRegistry" => create,
        "listRegistries" => list,
        "pingRegistry" => ping,
        "getRegistry" => get,
        "deleteRegistry" => delete,
        "updateRegistry" => update,
        "getRegistryInfo" => info,
        "listRegistryProviderTypes" => provider_types,
        "listRegistryProviderInfos" => provider_infos,
        _ => return None,
    })
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: RegistryReq = ctx.json()?;
    let id = write(state).create_registry(req)?;
    Ok(Reply::created(ctx.location(id)))
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let name = ctx.query("name");
    ctx.list(
        s.registries
            .values()
            .filter(|r| name.is_none_or(|n| r.name.contains(n)))
            .map(|r| json!(s.registry_view(r)))
            .collect(),
    )
}

/// `POST /registries/ping` as Harbor's registry handler checks it: an existing registry by
/// id, or a type and URL; the answer is 400 `the registry is unhealthy` when the simulated
/// Harbor cannot reach its host (see [`crate::state::Reachability`]).
fn ping(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let s = read(state);
    let (mut kind, mut url) = (String::new(), String::new());
    if let Some(id) = body.get("id").and_then(Value::as_i64) {
        let r = s
            .registries
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
        (kind, url) = (r.kind.clone(), r.url.clone());
    } else if let Some(u) = body.get("url").and_then(Value::as_str) {
        if !(u.starts_with("http://") || u.starts_with("https://")) {
            return Err(ApiError::bad_request(format!("invalid HTTP URL: {u}")));
        }
        url = u.to_owned();
    }
    if let Some(t) = body.get("type").and_then(Value::as_str) {
        kind = t.to_owned();
    }
    if kind.is_empty() || url.is_empty() {
        return Err(ApiError::bad_request("type or url cannot be empty"));
    }
    if !s.reachability.reaches(&url) {
        return Err(ApiError::bad_request("the registry is unhealthy"));
    }
    Ok(Reply::empty(StatusCode::OK))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let s = read(state);
    let r = s
        .registries
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
    Ok(Reply::ok(&s.registry_view(r)))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    write(state).delete_registry(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let req: RegistryReq = ctx.json()?;
    write(state).update_registry(id, req)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn info(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let s = read(state);
    let r = s
        .registries
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
    Ok(Reply::ok(&json!({
        "type": r.kind,
        "description": r.description,
        "supported_resource_filters": [{"type": "name", "style": "input"}, {"type": "tag", "style": "input"}],
        "supported_triggers": ["manual", "scheduled"],
        "supported_copy_by_chunk": false,
    })))
}

fn provider_types(_ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    Ok(Reply::ok(&ADAPTERS))
}

fn provider_infos(_ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    let infos: serde_json::Map<String, Value> = ADAPTERS
        .iter()
        .map(|a| (a.to_string(), json!({"endpoint_pattern": {"endpoint_type": "EndpointPatternTypeStandard"}, "credential_pattern": {"access_key_type": "AccessKeyTypeStandard", "access_secret_type": "AccessSecretTypeStandard"}})))
        .collect();
    Ok(Reply::ok(&infos))
}
