//! Registry endpoints.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::registries::{
    ADAPTERS, Registry, RegistryReq, WHITELISTED_ADAPTERS, check_ca_certificate, local_registry,
    validate_http_url,
};

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: RegistryReq = ctx.json()?;
    let id = s.create_registry(req)?;
    Ok(Reply::created(ctx.location(id)))
}

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let name = ctx.query("name");
    ctx.list(
        s.registries
            .values()
            // `name` is a fuzzy match (`q.NewFuzzyMatchValue`: any case).
            .filter(|r| name.is_none_or(|n| r.name.to_lowercase().contains(&n.to_lowercase())))
            .map(|r| json!(s.registry_view(r)))
            .collect(),
    )
}

/// `POST /registries/ping` as Harbor's `PingRegistry` checks it: an existing registry by id
/// (its stored URL, insecure flag and CA certificate count, the body's are ignored), or a
/// type and a URL (normalised as [`validate_http_url`], the CA certificate checked); then
/// 400 `type or url cannot be empty`, a type no adapter is registered for (Harbor's 500), and
/// 400 `the registry is unhealthy` when the simulated Harbor cannot reach its host (see
/// [`crate::state::Reachability`]).
pub(crate) fn ping(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let body: Value = if ctx.has_no_body() {
        json!({})
    } else {
        ctx.json()?
    };
    let (mut kind, mut url) = (String::new(), String::new());
    let by_id = body.get("id").and_then(Value::as_i64);
    if let Some(id) = by_id {
        let r = registry(s, id)?;
        (kind, url) = (r.kind.clone(), r.url.clone());
    }
    if let Some(t) = body.get("type").and_then(Value::as_str) {
        kind = t.to_owned();
    }
    if by_id.is_none() {
        if let Some(u) = body.get("url").and_then(Value::as_str) {
            url = validate_http_url(u)?;
        }
        if let Some(ca) = body.get("ca_certificate").and_then(Value::as_str) {
            check_ca_certificate(ca)?;
        }
    }
    if kind.is_empty() || url.is_empty() {
        return Err(ApiError::bad_request("type or url cannot be empty"));
    }
    // `adapter.GetFactory`'s `fmt.Errorf`: Harbor's 500.
    if !ADAPTERS.contains(&kind.as_str()) {
        return Err(ApiError::uncoded(format!(
            "adapter factory for {kind} not found"
        )));
    }
    if !s.reachability.reaches(&url) {
        return Err(ApiError::bad_request("the registry is unhealthy"));
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// A registry by id; 0 is the local Harbor (`manager.Get`, `getLocalRegistry`).
fn registry(s: &SimState, id: i64) -> ApiResult<Registry> {
    if id == 0 {
        return Ok(local_registry());
    }
    s.registries
        .get(&id)
        .map(|r| s.registry_view(r))
        .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    Ok(Reply::ok(&registry(s, id)?))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    s.delete_registry(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let req: RegistryReq = ctx.json()?;
    s.update_registry(id, req)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn info(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let r = registry(s, id)?;
    // Only the local Harbor (id 0) supports the event-based trigger (`GetInfo`).
    let mut triggers = vec!["manual", "scheduled"];
    if id == 0 {
        triggers.push("event_based");
    }
    // `RegistryInfo`'s `omitempty`: no description, and no chunked copy (false).
    let mut info = json!({
        "type": r.kind,
        "description": r.description,
        "supported_resource_filters": [{"type": "name", "style": "input"}, {"type": "tag", "style": "input"}],
        "supported_triggers": triggers,
    });
    crate::omitempty::omit_empty(&mut info, &["description"]);
    Ok(Reply::ok(&info))
}

pub(crate) fn provider_types(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&WHITELISTED_ADAPTERS))
}

pub(crate) fn provider_infos(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    let infos: serde_json::Map<String, Value> = WHITELISTED_ADAPTERS
        .iter()
        .map(|a| (a.to_string(), json!({"endpoint_pattern": {"endpoint_type": "EndpointPatternTypeStandard"}, "credential_pattern": {"access_key_type": "AccessKeyTypeStandard", "access_secret_type": "AccessSecretTypeStandard"}})))
        .collect();
    Ok(Reply::ok(&infos))
}
