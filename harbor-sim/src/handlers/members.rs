//! Project members.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::projects::project_of;
use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::projects::role_name;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listProjectMembers" => list,
        "createProjectMember" => create,
        "getProjectMember" => get,
        "updateProjectMember" => update,
        "deleteProjectMember" => delete,
        _ => return None,
    })
}

#[derive(Deserialize)]
struct UserEntity {
    user_id: Option<i64>,
    username: Option<String>,
}

#[derive(Deserialize)]
struct MemberReq {
    role_id: Option<i64>,
    member_user: Option<UserEntity>,
    member_group: Option<Value>,
}

#[derive(Deserialize)]
struct RoleRequest {
    role_id: Option<i64>,
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let id = project_of(ctx, &s)?;
    let entity = ctx.query("entityname");
    let members = s
        .members
        .of_project(id)
        .filter(|m| entity.is_none_or(|e| m.entity_name.contains(e)));
    ctx.list_lazily(members, |m| json!(m))
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: MemberReq = ctx.json()?;
    let role = req
        .role_id
        .ok_or_else(|| ApiError::bad_request("role_id is required"))?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    let user = req.member_user.map(|u| (u.user_id, u.username));
    let id = s.add_member(project, user, req.member_group, role)?;
    Ok(Reply::created(ctx.location(id)))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mid = ctx.path_id("mid")?;
    let s = read(state);
    let project = project_of(ctx, &s)?;
    Ok(Reply::ok(s.member(project, mid)?))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mid = ctx.path_id("mid")?;
    let req: RoleRequest = ctx.json()?;
    let role = req
        .role_id
        .ok_or_else(|| ApiError::bad_request("role_id is required"))?;
    role_name(role)?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    s.set_member_role(project, mid, role)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mid = ctx.path_id("mid")?;
    let mut s = write(state);
    let project = project_of(ctx, &s)?;
    s.remove_member(project, mid)?;
    Ok(Reply::empty(StatusCode::OK))
}
