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
            .map(|r| json!(r))
            .collect(),
    )
}

fn ping(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let s = read(state);
    if let Some(id) = body.get("id").and_then(Value::as_i64) {
        s.registries
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
    } else {
        let url = body.get("url").and_then(Value::as_str).unwrap_or_default();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::bad_request("registry url must be http(s)"));
        }
    }
    Ok(Reply::empty(StatusCode::OK))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let s = read(state);
    Ok(Reply::ok(s.registries.get(&id).ok_or_else(|| {
        ApiError::not_found(format!("registry {id} not found"))
    })?))
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
