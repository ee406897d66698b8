//! Projects.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Handler, actor_id, project_as_seen, project_seen_by, read, security, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::rbac::{Listing, Target, VisibleProjects};
use crate::state::projects::ProjectReq;
use crate::state::{OrderedIds, Project, SimState};

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listProjects" => list,
        "headProject" => head,
        "createProject" => create,
        "getProject" => get,
        "updateProject" => update,
        "deleteProject" => delete,
        "getProjectDeletable" => deletable,
        "getProjectSummary" => summary,
        "listArtifactsOfProject" => artifacts,
        "getScannerOfProject" => scanner,
        "setScannerOfProject" => set_scanner,
        "listScannerCandidatesOfProject" => scanner_candidates,
        _ => return None,
    })
}

/// The project a `{project_name_or_id}` request is about.
pub(crate) fn project_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let key = if ctx
        .path_params
        .iter()
        .any(|(n, _)| *n == "project_name_or_id")
    {
        "project_name_or_id"
    } else {
        "project_name"
    };
    s.project_id(
        ctx.path(key),
        ctx.is_resource_name() || key == "project_name",
    )
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let public = ctx.query_bool("public");
    let name = ctx.query("name");
    let owner = ctx.query("owner");
    let sc = security(ctx, &s);
    let ids = listed_ids(&s, sc.visible_projects(Listing::Projects), public);
    let view = |p: &Project| json!(project_as_seen(&sc, &s, p));
    if name.is_none() && owner.is_none() && ctx.lists_in_order() {
        // The page and the total come from the indexes: a page costs the same with 10
        // projects or 10,000.
        let page = ctx.page()?;
        let (first, size) = page.window();
        let items = ids
            .window(first, size)
            .iter()
            .filter_map(|id| s.projects.get(id))
            .map(view)
            .collect();
        return Ok(ctx.page_items(items, ids.len(), page));
    }
    let matching = ids
        .iter()
        .filter_map(|id| s.projects.get(&id))
        .filter(|p| name.is_none_or(|n| p.name.contains(n)))
        .filter(|p| owner.is_none_or(|o| p.owner_name == o));
    ctx.list_lazily(matching, view)
}

/// The ids of the projects a list answers, ascending, before the `name` and `owner`
/// filters: those the caller sees, narrowed by the `public` filter (`true`: the public
/// projects, which everybody sees; `false`: the private ones among those seen).
fn listed_ids<'a>(
    s: &'a SimState,
    visible: VisibleProjects<'a>,
    public: Option<bool>,
) -> OrderedIds<'a> {
    let projects = &s.projects;
    match (visible, public) {
        (_, Some(true)) => OrderedIds::of(projects.public_ids()),
        (VisibleProjects::All, None) => OrderedIds::of(projects.ids()),
        (VisibleProjects::All, Some(false)) => OrderedIds::of(projects.private_ids()),
        (VisibleProjects::PublicAnd(more), None) => OrderedIds::union(projects.public_ids(), more),
        (VisibleProjects::PublicAnd(more), Some(false)) => OrderedIds::of(
            more.iter()
                .copied()
                .filter(|id| projects.private_ids().binary_search(id).is_ok())
                .collect::<Vec<_>>(),
        ),
    }
}

fn head(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let name = ctx
        .query("project_name")
        .ok_or_else(|| ApiError::unprocessable("project_name in query is required"))?;
    read(state).project_id(name, true)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: ProjectReq = ctx.json()?;
    let name = req.project_name.clone().unwrap_or_default();
    let id = write(state).create_project(req, actor_id(&ctx.identity))?;
    let by_name = ctx.header_bool("X-Resource-Name-In-Location");
    Ok(Reply::created(if by_name {
        ctx.location(name)
    } else {
        ctx.location(id)
    }))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    Ok(Reply::ok(&project_seen_by(&security(ctx, &s), &s, id)))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: ProjectReq = ctx.json()?;
    let mut s = write(state);
    let id = project_of(ctx, &s)?;
    s.update_project(id, req)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mut s = write(state);
    let id = project_of(ctx, &s)?;
    s.delete_project(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn deletable(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    Ok(Reply::ok(&match s.project_undeletable_reason(id) {
        Some(message) => json!({"deletable": false, "message": message}),
        None => json!({"deletable": true}),
    }))
}

fn summary(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    let count = |role: i64| {
        s.members
            .of_project(id)
            .filter(|m| m.role_id == role)
            .count()
    };
    let quota = s.quotas.values().find(|q| q.project_id == id);
    let project = s.projects.get(&id);
    let registry = project
        .and_then(|p| p.registry_id)
        .and_then(|r| s.registries.get(&r));
    let mut summary = json!({
        "repo_count": s.repositories.values().filter(|r| r.project_id == id).count(),
    });
    // Only a proxy-cache project has a registry; Harbor omits the field otherwise (omitempty).
    if let Some(registry) = registry {
        summary["registry"] = json!(registry);
    }
    // Harbor fills the quota and the member counts only for callers who may see them.
    let sc = security(ctx, &s);
    if sc.can(
        "read",
        Target::Project {
            id,
            resource: "quota",
        },
    ) {
        summary["quota"] = json!(quota.map(|q| json!({"hard": q.hard, "used": q.used})));
    }
    if sc.can(
        "list",
        Target::Project {
            id,
            resource: "member",
        },
    ) {
        for (key, role) in [
            ("project_admin_count", 1),
            ("maintainer_count", 4),
            ("developer_count", 2),
            ("guest_count", 3),
            ("limited_guest_count", 5),
        ] {
            summary[key] = json!(count(role));
        }
    }
    Ok(Reply::ok(&summary))
}

fn artifacts(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    let with_label = ctx.query_bool("with_label").unwrap_or(false);
    let with_scan = ctx.query_bool("with_scan_overview").unwrap_or(false);
    let latest_only = ctx.query_bool("latest_in_repository").unwrap_or(false);
    let mut docs: Vec<Value> = Vec::new();
    for repo in s.repositories.values().filter(|r| r.project_id == id) {
        let mut ids: Vec<i64> = s
            .artifacts
            .values()
            .filter(|a| a.repository_id == repo.id)
            .map(|a| a.id)
            .collect();
        if latest_only {
            ids = ids.into_iter().max().into_iter().collect();
        }
        docs.extend(
            ids.into_iter()
                .filter_map(|a| s.artifact_view(a, with_label, with_scan)),
        );
    }
    ctx.list(docs)
}

fn scanner(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    let scanner = s
        .project_scanner(id)
        .ok_or_else(|| ApiError::not_found("no scanner is configured"))?;
    Ok(Reply::ok(scanner))
}

fn set_scanner(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let uuid = body
        .get("uuid")
        .and_then(Value::as_str)
        .ok_or_else(|| ApiError::unprocessable("uuid in body is required"))?
        .to_owned();
    let mut s = write(state);
    let id = project_of(ctx, &s)?;
    s.scanner(&uuid)?;
    s.project_scanners.insert(id, uuid);
    Ok(Reply::empty(StatusCode::OK))
}

fn scanner_candidates(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    project_of(ctx, &s)?;
    let docs = s.scanners.values().map(|sc| sc.doc.clone()).collect();
    ctx.list(docs)
}
