//! System information, health, ping, statistics and search.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{projects_seen_by, security};
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::rbac::Listing;
use crate::state::SimState;
use crate::state::jobs::clock;
use crate::state::projects::GO_ZERO_TIME;

/// The Harbor version the simulator claims to be.
pub const HARBOR_VERSION: &str = "v2.13.0-sim";

pub(crate) fn health(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
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

pub(crate) fn ping(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    Ok(Reply::text(StatusCode::OK, "Pong"))
}

/// Harbor's `GeneralInfo`, from the configuration (`src/controller/systeminfo/controller.go`):
/// anonymous callers get the login-page fields only, as in Harbor.
pub(crate) fn system_info(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
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
    if config("auth_mode") == json!("http_auth") {
        info["authproxy_settings"] = authproxy_settings(&config);
    }
    if ctx.identity != Identity::Anonymous {
        for (key, value) in [
            ("current_time", json!(crate::state::now())),
            ("has_ca_root", json!(false)),
            ("harbor_version", json!(HARBOR_VERSION)),
            ("registry_url", json!(crate::state::ext_url())),
            ("external_url", json!(crate::state::EXT_ENDPOINT)),
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

/// The auth proxy's settings as `convertInfo` copies them into `AuthproxySetting`, every
/// field `omitempty` (an empty string, a false flag left out).
fn authproxy_settings(config: &dyn Fn(&str) -> Value) -> Value {
    let mut settings = serde_json::Map::new();
    for (field, key) in [
        ("endpoint", "http_authproxy_endpoint"),
        (
            "tokenreivew_endpoint",
            "http_authproxy_tokenreview_endpoint",
        ),
        ("server_certificate", "http_authproxy_server_certificate"),
        ("verify_cert", "http_authproxy_verify_cert"),
        ("skip_search", "http_authproxy_skip_search"),
    ] {
        let value = config(key);
        if value != json!("") && value != json!(false) && !value.is_null() {
            settings.insert(field.to_owned(), value);
        }
    }
    Value::Object(settings)
}

pub(crate) fn volumes(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(
        &json!({"storage": [{"total": 107_374_182_400u64, "free": 85_899_345_920u64}]}),
    ))
}

pub(crate) fn statistics(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
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
    let sc = security(ctx, s);
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
        "total_storage_consumption": storage_consumption(s),
    })))
}

/// The storage used as Harbor's `GetStatistic` adds it: the blobs, each once and foreign
/// layers left out (`blobCtl.CalculateTotalSize(ctx, true)`, see [`crate::state::blobs`]),
/// and the system artifacts, the files of finished scan-data exports not yet downloaded
/// (`systemArtifactMgr.GetStorageSize`).
fn storage_consumption(s: &SimState) -> i64 {
    let now = clock();
    let exports: usize = s
        .export_files
        .iter()
        .filter(|(id, _)| {
            s.executions.get(id).is_some_and(|e| {
                let mut e = e.clone();
                e.refresh(now);
                crate::handlers::scan_export::file_written(&e)
            })
        })
        .map(|(_, file)| file.len())
        .sum();
    s.blobs.total_size() + exports as i64
}

/// `GET /search` (`src/server/v2.0/handler/search.go`): the projects the caller sees whose
/// name holds `q` in the asked case (`strings.Contains`), by name (the project model's
/// default sort); the repositories of those projects whose full name holds `q` in any case
/// (`q.FuzzyMatchValue`), newest first (the repository model's default sort).
pub(crate) fn search(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let q = ctx
        .query("q")
        .ok_or_else(|| ApiError::unprocessable("q in query is required"))?;
    let sc = security(ctx, s);
    let mut visible = projects_seen_by(&sc, s, Listing::Search);
    visible.sort_by(|a, b| a.name.cmp(&b.name));
    // Only a local user's security context lists its roles (`*local.SecurityContext`).
    let local_user = sc.user_id().is_some();
    let projects: Vec<Value> = visible
        .iter()
        .filter(|p| p.name.contains(q))
        .map(|p| search_project(p, local_user))
        .collect();
    let needle = q.to_lowercase();
    let mut found: Vec<&crate::state::Repository> = s
        .repositories
        .values()
        .filter(|r| visible.iter().any(|p| p.project_id == r.project_id))
        .filter(|r| r.name.to_lowercase().contains(&needle))
        .collect();
    found.sort_by(|a, b| {
        b.creation_time
            .cmp(&a.creation_time)
            .then_with(|| b.id.cmp(&a.id))
    });
    let repositories: Vec<Value> = found
        .into_iter()
        .map(|r| {
            let project = s.projects.get(&r.project_id);
            let mut found = json!({
                "project_id": r.project_id,
                "project_name": project.map(|p| p.name.clone()),
                "project_public": project.is_some_and(crate::rbac::security_context::is_public),
                "repository_name": r.name,
                "pull_count": r.pull_count,
                "artifact_count": s.visible_artifact_count(r.id),
            });
            // `SearchRepository`'s `omitempty`: a private project, no pulls, no artifacts.
            crate::omitempty::omit_empty(
                &mut found,
                &["project_public", "pull_count", "artifact_count"],
            );
            found
        })
        .collect();
    Ok(Reply::ok(
        &json!({"project": projects, "repository": repositories}),
    ))
}

/// A project as `Search` answers it: `model.Project.ToSwagger` of a project the controller
/// listed without its owner or CVE allowlist (`project.Ctl.List` with the default options:
/// details and metadata only). Every field go-swagger tags `omitempty` is left out when
/// empty (`owner_name`, `registry_id`, `current_user_role_id`; `deleted` and `togglable`,
/// which `ToSwagger` never sets); `current_user_role_ids` is null without a role (a nil
/// slice; plain arrays are not `omitempty`); the unloaded allowlist has no id, null items
/// and Go's zero times.
fn search_project(p: &crate::state::Project, local_user: bool) -> Value {
    let mut entry = json!({
        "project_id": p.project_id,
        "owner_id": p.owner_id,
        "name": p.name,
        "creation_time": p.creation_time,
        "update_time": p.update_time,
        "repo_count": p.repo_count,
        "metadata": p.metadata,
        "cve_allowlist": {
            "items": null,
            "creation_time": GO_ZERO_TIME,
            "update_time": GO_ZERO_TIME,
        },
        "current_user_role_ids": null,
    });
    if let Some(registry) = p.registry_id.filter(|r| *r != 0) {
        entry["registry_id"] = json!(registry);
    }
    if local_user && !p.current_user_role_ids.is_empty() {
        entry["current_user_role_id"] = json!(p.current_user_role_id);
        entry["current_user_role_ids"] = json!(p.current_user_role_ids);
    }
    entry
}

pub(crate) fn cert(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    // Harbor answers 404 when its CA file is absent (`GetCA` in
    // `src/controller/systeminfo/controller.go`); the simulated Harbor has none
    // (`has_ca_root` is false). `errors.NotFoundError(err)`: "resource not found", then
    // the cause.
    Err(ApiError::not_found(
        "resource not found: cert not found in path: /etc/core/ca/ca.crt",
    ))
}
