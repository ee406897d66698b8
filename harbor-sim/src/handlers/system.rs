//! System information, health, ping, statistics and search.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Handler, projects_seen_by, read, security};
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::rbac::Listing;
use crate::state::SimState;

/// The Harbor version the simulator claims to be.
pub const HARBOR_VERSION: &str = "v2.13.0-sim";

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "getHealth" => health,
        "getPing" => ping,
        "getSystemInfo" => system_info,
        "getVolumes" => volumes,
        "getStatistic" => statistics,
        "search" => search,
        "getCert" => cert,
        _ => return None,
    })
}

fn health(_ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    let components: Vec<Value> = [
        "core",
        "database",
        "jobservice",
        "portal",
        "redis",
        "registry",
        "registryctl",
        "trivy",
    ]
    .iter()
    .map(|c| json!({"name": c, "status": "healthy"}))
    .collect();
    Ok(Reply::ok(
        &json!({"status": "healthy", "components": components}),
    ))
}

fn ping(_ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    Ok(Reply::text(StatusCode::OK, "Pong"))
}

/// Harbor's `GeneralInfo`, from the configuration (`src/controller/systeminfo/controller.go`):
/// anonymous callers get the login-page fields only, as in Harbor.
fn system_info(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let config = |key: &str| s.configurations.get(key).cloned().unwrap_or(Value::Null);
    let oidc_name = if config("auth_mode") == json!("oidc_auth") {
        config("oidc_name")
    } else {
        json!("")
    };
    let mut info = json!({
        "auth_mode": config("auth_mode"),
        "primary_auth_mode": config("primary_auth_mode"),
        "self_registration": config("self_registration"),
        "banner_message": config("banner_message"),
        "oidc_provider_name": oidc_name,
    });
    if ctx.identity != Identity::Anonymous {
        for (key, value) in [
            ("current_time", json!(crate::state::now())),
            ("has_ca_root", json!(false)),
            ("harbor_version", json!(HARBOR_VERSION)),
            ("registry_url", json!("harbor-sim.local")),
            ("external_url", json!("http://harbor-sim.local")),
            ("registry_storage_provider_name", json!("filesystem")),
            (
                "project_creation_restriction",
                config("project_creation_restriction"),
            ),
            ("read_only", config("read_only")),
            ("notification_enable", config("notification_enable")),
        ] {
            info[key] = value;
        }
    }
    Ok(Reply::ok(&info))
}

fn volumes(_ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    Ok(Reply::ok(
        &json!({"storage": [{"total": 107_374_182_400u64, "free": 85_899_345_920u64}]}),
    ))
}

fn statistics(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let public = |pid: i64| {
        s.projects
            .get(&pid)
            .is_some_and(|p| p.metadata.get("public").map(String::as_str) == Some("true"))
    };
    let public_projects = s.projects.keys().filter(|p| public(**p)).count();
    let public_repos = s
        .repositories
        .values()
        .filter(|r| public(r.project_id))
        .count();
    let sc = security(ctx, &s);
    if !sc.is_sysadmin() {
        // Harbor counts for everybody else only the private projects they are members of,
        // and leaves the totals at zero.
        let mine = |pid: i64| !public(pid) && !sc.roles(pid).is_empty();
        return Ok(Reply::ok(&json!({
            "private_project_count": s.projects.keys().filter(|p| mine(**p)).count(),
            "private_repo_count": s.repositories.values().filter(|r| mine(r.project_id)).count(),
            "public_project_count": public_projects,
            "public_repo_count": public_repos,
            "total_project_count": 0,
            "total_repo_count": 0,
            "total_storage_consumption": 0,
        })));
    }
    Ok(Reply::ok(&json!({
        "private_project_count": s.projects.len() - public_projects,
        "private_repo_count": s.repositories.len() - public_repos,
        "public_project_count": public_projects,
        "public_repo_count": public_repos,
        "total_project_count": s.projects.len(),
        "total_repo_count": s.repositories.len(),
        "total_storage_consumption": s.artifacts.values().map(|a| a.size).sum::<i64>(),
    })))
}

fn search(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let q = ctx
        .query("q")
        .ok_or_else(|| ApiError::unprocessable("q in query is required"))?;
    let s = read(state);
    let sc = security(ctx, &s);
    let visible = projects_seen_by(&sc, &s, Listing::Search);
    let projects: Vec<Value> = visible
        .iter()
        .filter(|p| p.name.contains(q))
        .map(|p| json!(p))
        .collect();
    let repositories: Vec<Value> = s
        .repositories
        .values()
        .filter(|r| visible.iter().any(|p| p.project_id == r.project_id))
        .filter(|r| r.name.contains(q))
        .map(|r| {
            let project = s.projects.get(&r.project_id);
            json!({
                "project_id": r.project_id,
                "project_name": project.map(|p| p.name.clone()),
                "project_public": project.map(|p| p.metadata.get("public").map(String::as_str) == Some("true")),
                "repository_name": r.name,
                "pull_count": r.pull_count,
                "artifact_count": s.artifacts.values().filter(|a| a.repository_id == r.id).count(),
            })
        })
        .collect();
    Ok(Reply::ok(
        &json!({"project": projects, "repository": repositories}),
    ))
}

fn cert(_ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    // Harbor answers 404 when its CA file is absent (`GetCA` in
    // `src/controller/systeminfo/controller.go`); the simulated Harbor has none
    // (`has_ca_root` is false).
    Err(ApiError::not_found(
        "cert not found in path: /etc/core/ca/ca.crt",
    ))
}
