//! Project metadata: string values by name.

use std::collections::BTreeMap;
use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::Value;

use super::projects::project_of;
use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listProjectMetadatas" => list,
        "addProjectMetadatas" => add,
        "getProjectMetadata" => get,
        "updateProjectMetadata" => update,
        "deleteProjectMetadata" => delete,
        _ => return None,
    })
}

/// The metadata names Harbor knows.
const KNOWN: &[&str] = &[
    "public",
    "enable_content_trust",
    "enable_content_trust_cosign",
    "prevent_vul",
    "severity",
    "auto_scan",
    "auto_sbom_generation",
    "reuse_sys_cve_allowlist",
    "retention_id",
    "proxy_speed_kb",
    "max_upstream_conn",
    "proxy_cache_local_on_not_found",
    "proxy_referrer_api",
    "proxy_cache_filter_pattern",
    "proxy_cache_filter_kind",
];

fn body(ctx: &Ctx) -> ApiResult<BTreeMap<String, String>> {
    let raw: BTreeMap<String, Value> = ctx.json()?;
    raw.into_iter()
        .map(|(k, v)| {
            if !KNOWN.contains(&k.as_str()) {
                return Err(ApiError::bad_request(format!(
                    "invalid metadata name {k:?}"
                )));
            }
            Ok((
                k,
                match v {
                    Value::String(s) => s,
                    other => other.to_string(),
                },
            ))
        })
        .collect()
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    Ok(Reply::ok(&s.projects[&id].metadata))
}

fn add(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let values = body(ctx)?;
    let mut s = write(state);
    let id = project_of(ctx, &s)?;
    let mut project = s
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("project not found"))?;
    project.metadata.extend(values);
    Ok(Reply::empty(StatusCode::OK))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    let name = ctx.path("meta_name");
    let value = s.projects[&id]
        .metadata
        .get(name)
        .ok_or_else(|| ApiError::not_found(format!("metadata {name} not found")))?;
    Ok(Reply::ok(&BTreeMap::from([(name, value)])))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let name = ctx.path("meta_name").to_owned();
    let values = body(ctx)?;
    let value = values
        .get(&name)
        .ok_or_else(|| ApiError::bad_request(format!("the body must set {name}")))?
        .clone();
    let mut s = write(state);
    let id = project_of(ctx, &s)?;
    let mut project = s
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("project not found"))?;
    if !project.metadata.contains_key(&name) {
        return Err(ApiError::not_found(format!("metadata {name} not found")));
    }
    project.metadata.insert(name, value);
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let name = ctx.path("meta_name");
    let mut s = write(state);
    let id = project_of(ctx, &s)?;
    let mut project = s
        .projects
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("project not found"))?;
    project
        .metadata
        .remove(name)
        .ok_or_else(|| ApiError::not_found(format!("metadata {name} not found")))?;
    Ok(Reply::empty(StatusCode::OK))
}
