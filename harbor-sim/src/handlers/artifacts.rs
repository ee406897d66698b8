//! Artifacts, their tags, labels, scans and additions.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::repositories::repository_of;
use super::{Handler, actor_name, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::vulnerabilities::{report_id, sbom_report_id};

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listArtifacts" => list,
        "CopyArtifact" => copy,
        "getArtifact" => get,
        "deleteArtifact" => delete,
        "createTag" => create_tag,
        "listTags" => list_tags,
        "deleteTag" => delete_tag,
        "addLabel" => add_label,
        "removeLabel" => remove_label,
        "scanArtifact" => scan,
        "stopScanArtifact" => stop_scan,
        "getReportLog" => report_log,
        "listAccessories" => accessories,
        "getVulnerabilitiesAddition" => vulnerabilities,
        "getAddition" => addition,
        _ => return None,
    })
}

/// The artifact a `{project_name}/{repository_name}/{reference}` request is about.
pub(super) fn artifact_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let repo = repository_of(ctx, s)?;
    s.artifact_id(repo, ctx.path("reference"))
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let repo = repository_of(ctx, &s)?;
    let with_label = ctx.query_bool("with_label").unwrap_or(false);
    let with_scan = ctx.query_bool("with_scan_overview").unwrap_or(false);
    let with_tag = ctx.query_bool("with_tag").unwrap_or(true);
    let with_sbom = ctx.query_bool("with_sbom_overview").unwrap_or(false);
    // Newest first; only the page's documents are made (the view of an artifact in its
    // repository always exists).
    let in_repository = s
        .artifacts
        .values()
        .filter(|a| a.repository_id == repo)
        .rev();
    ctx.list_lazily(in_repository, |a| {
        let mut d = s
            .artifact_view(a.id, with_label, with_scan)
            .unwrap_or(Value::Null);
        if with_sbom && let Some(sbom) = s.sbom_overview(a.id) {
            d["sbom_overview"] = sbom;
        }
        if !with_tag {
            d["tags"] = Value::Null;
        }
        d
    })
}

fn copy(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let from = ctx
        .query("from")
        .ok_or_else(|| ApiError::unprocessable("from in query is required"))?;
    // `from` is `project/repository@digest` or `project/repository:tag`.
    let (source, reference) = from
        .rsplit_once('@')
        .or_else(|| from.rsplit_once(':'))
        .ok_or_else(|| ApiError::bad_request(format!("invalid from {from:?}")))?;
    let (src_project, src_repo) = source
        .split_once('/')
        .ok_or_else(|| ApiError::bad_request(format!("invalid from {from:?}")))?;
    let mut s = write(state);
    let src_repo_id = s.repository_id(src_project, src_repo)?;
    let src = s.artifact_id(src_repo_id, reference)?;
    let digest = s.artifacts[&src].digest.clone();
    let dst_project = ctx.path("project_name").to_owned();
    let dst_repo = ctx.path("repository_name").to_owned();
    if let Ok(dst_repo_id) = s.repository_id(&dst_project, &dst_repo)
        && s.artifact_id(dst_repo_id, &digest).is_ok()
    {
        return Err(ApiError::conflict(format!(
            "artifact {digest} already exists in {dst_project}/{dst_repo}"
        )));
    }
    let tag = (!reference.starts_with("sha256:")).then_some(reference);
    let (copied, _) = s.store_push(&dst_project, &dst_repo, tag, &digest)?;
    // A copy keeps the digest: the content is the same.
    if let Some(a) = s.artifacts.get_mut(&copied) {
        a.digest = digest.clone();
    }
    // Harbor's copy ends in the artifact controller's `Ensure`, which fires a push event.
    s.record_push(&actor_name(&ctx.identity), copied, tag);
    Ok(Reply::created(ctx.location(digest)))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = artifact_of(ctx, &s)?;
    let with_label = ctx.query_bool("with_label").unwrap_or(false);
    let with_scan = ctx.query_bool("with_scan_overview").unwrap_or(false);
    let mut doc = s.artifact_view(id, with_label, with_scan);
    if ctx.query_bool("with_sbom_overview").unwrap_or(false)
        && let (Some(d), Some(sbom)) = (doc.as_mut(), s.sbom_overview(id))
    {
        d["sbom_overview"] = sbom;
    }
    Ok(Reply::ok(&doc))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mut s = write(state);
    let id = artifact_of(ctx, &s)?;
    let project = s.artifacts[&id].project_id;
    let repo = s.repositories[&s.artifacts[&id].repository_id].name.clone();
    if let Some(t) = s.artifacts[&id]
        .tags
        .iter()
        .find(|t| s.tag_is_immutable(project, &repo, &t.name))
    {
        return Err(ApiError::precondition(format!(
            "the tag {} is immutable, the artifact cannot be deleted",
            t.name
        )));
    }
    s.delete_artifact(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct TagReq {
    name: Option<String>,
}

fn create_tag(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: TagReq = ctx.json()?;
    let mut s = write(state);
    // `CreateTag` (`src/server/v2.0/handler/artifact.go`): not in a proxy-cache project,
    // then the artifact, then the tag controller's checks.
    let project = s.project_id(ctx.path("project_name"), true)?;
    if s.projects[&project].registry_id.is_some_and(|r| r > 0) {
        return Err(ApiError::method_not_allowed(
            "the operation isn't supported for a proxy cache project",
        ));
    }
    let id = artifact_of(ctx, &s)?;
    s.add_tag(id, &req.name.unwrap_or_default())?;
    // Harbor has no endpoint for one tag, so it sends no `Location`.
    Ok(Reply::empty(StatusCode::CREATED))
}

fn list_tags(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = artifact_of(ctx, &s)?;
    let a = &s.artifacts[&id];
    let repo = &s.repositories[&a.repository_id].name;
    let docs = a
        .tags
        .iter()
        .map(|t| {
            let mut t = t.clone();
            t.immutable = s.tag_is_immutable(a.project_id, repo, &t.name);
            json!(t)
        })
        .collect();
    ctx.list(docs)
}

fn delete_tag(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mut s = write(state);
    let id = artifact_of(ctx, &s)?;
    let tag = ctx.path("tag_name");
    // `DeleteTag`: the tag among the artifact's first, then the controller's immutability.
    if !s.artifacts[&id].tags.iter().any(|t| t.name == tag) {
        return Err(ApiError::not_found(format!(
            "tag {tag} attached to artifact {id} not found"
        )));
    }
    let project = s.artifacts[&id].project_id;
    let repo = s.repositories[&s.artifacts[&id].repository_id].name.clone();
    if s.tag_is_immutable(project, &repo, tag) {
        return Err(ApiError::precondition(format!(
            "the tag {tag} configured as immutable, cannot be deleted"
        )));
    }
    let a = s
        .artifacts
        .get_mut(&id)
        .ok_or_else(|| ApiError::not_found("artifact not found"))?;
    a.tags.retain(|t| t.name != tag);
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct LabelRef {
    id: Option<i64>,
}

fn add_label(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: LabelRef = ctx.json()?;
    let label = req
        .id
        .ok_or_else(|| ApiError::bad_request("label id is required"))?;
    let mut s = write(state);
    let id = artifact_of(ctx, &s)?;
    s.attach_label(id, label)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn remove_label(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let label = ctx.path_id("label_id")?;
    let mut s = write(state);
    let id = artifact_of(ctx, &s)?;
    s.detach_label(id, label)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn scan(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mut s = write(state);
    let id = artifact_of(ctx, &s)?;
    if s.scanners.is_empty() {
        return Err(ApiError::precondition("no scanner is configured"));
    }
    s.mark_scanned(id)?;
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

/// Stopping the scan of an artifact that was never scanned finds no scan job: 404.
fn stop_scan(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = artifact_of(ctx, &s)?;
    if !s.artifacts[&id].scanned {
        return Err(ApiError::not_found(format!(
            "no scan job found for artifact {}",
            s.artifacts[&id].digest
        )));
    }
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

fn report_log(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = artifact_of(ctx, &s)?;
    let uuid = ctx.path("report_id");
    let cves = s
        .artifact_findings(id)
        .filter(|_| uuid == report_id(id) || uuid == sbom_report_id(id))
        .ok_or_else(|| ApiError::not_found(format!("report with uuid {uuid} does not exist")))?;
    let a = &s.artifacts[&id];
    let mut log = format!("{} [INFO] scan of {} started\n", a.scanned_at, a.digest);
    for c in &cves {
        log.push_str(&format!(
            "{} [INFO] {} {} {}: {}\n",
            a.scanned_at, c.severity, c.id, c.package, c.version
        ));
    }
    log.push_str(&format!(
        "{} [INFO] scan finished, {} vulnerabilities\n",
        a.scanned_at,
        cves.len()
    ));
    Ok(Reply::text(StatusCode::OK, log))
}

fn accessories(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    artifact_of(ctx, &s)?;
    ctx.list(Vec::new())
}

/// The artifact's vulnerability report, keyed by its MIME type (`{}` before any scan).
fn vulnerabilities(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = artifact_of(ctx, &s)?;
    Ok(Reply::ok(&s.vulnerability_report(id)))
}

fn addition(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    artifact_of(ctx, &s)?;
    let body = match ctx.path("addition") {
        "build_history" => json!([{"created": "2024-01-01T00:00:00Z", "created_by": "/bin/sh -c #(nop) ADD file:harbor-sim in /"}]).to_string(),
        "values.yaml" | "readme.md" | "dependencies" => String::new(),
        other => return Err(ApiError::not_found(format!("addition {other} not found"))),
    };
    Ok(Reply::text(StatusCode::OK, body))
}
