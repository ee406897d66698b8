//! Repositories.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::{Handler, read, security, write};
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::rbac::Listing;
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listAllRepositories" => list_all,
        "listRepositories" => list,
        "getRepository" => get,
        "updateRepository" => update,
        "deleteRepository" => delete,
        _ => return None,
    })
}

/// The repository a `{project_name}/{repository_name}` request is about.
pub(crate) fn repository_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    s.project_id(ctx.path("project_name"), true)?;
    s.repository_id(ctx.path("project_name"), ctx.path("repository_name"))
}

fn list_all(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let sc = security(ctx, &s);
    let seen = s.repositories.values().filter(|r| {
        s.projects
            .get(&r.project_id)
            .is_some_and(|p| sc.sees_project(p, Listing::Repositories))
    });
    ctx.list_lazily(seen, |r| json!(s.repository_view_of(r)))
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let project = s.project_id(ctx.path("project_name"), true)?;
    let in_project = s.repositories.values().filter(|r| r.project_id == project);
    ctx.list_lazily(in_project, |r| json!(s.repository_view_of(r)))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = repository_of(ctx, &s)?;
    Ok(Reply::ok(&s.repository_view(id)))
}

#[derive(Deserialize)]
struct RepositoryReq {
    description: Option<String>,
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: RepositoryReq = ctx.json()?;
    let mut s = write(state);
    let id = repository_of(ctx, &s)?;
    if let Some(repo) = s.repositories.get_mut(&id) {
        if let Some(d) = req.description {
            repo.description = d;
        }
        repo.update_time = crate::state::now();
    }
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mut s = write(state);
    let id = repository_of(ctx, &s)?;
    s.delete_repository(id)?;
    Ok(Reply::empty(StatusCode::OK))
}
