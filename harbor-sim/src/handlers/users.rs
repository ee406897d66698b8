//! Users.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{Handler, read, security, write};
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::rbac::Target;
use crate::rbac::policy::{SYSTEM_POLICIES, project_policies};
use crate::state::SimState;
use crate::state::users::{UserCreationReq, UserProfile, strong_password};

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listUsers" => list,
        "createUser" => create,
        "getCurrentUserInfo" => current,
        "searchUsers" => search,
        "getUser" => get,
        "updateUserProfile" => update_profile,
        "deleteUser" => delete,
        "setUserSysAdmin" => set_sysadmin,
        "updateUserPassword" => update_password,
        "getCurrentUserPermissions" => permissions,
        "setCliSecret" => set_cli_secret,
        _ => return None,
    })
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    ctx.list_lazily(s.users.values(), |u| json!(u))
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: UserCreationReq = ctx.json()?;
    let id = write(state).create_user(req)?;
    Ok(Reply::created(ctx.location(id)))
}

/// Harbor answers only a local user here: a robot is authenticated but has no user record,
/// so it gets 412 (`GetCurrentUserInfo` in user.go), not 401.
fn current(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = match ctx.identity {
        Identity::User { id, .. } => id,
        Identity::Robot { .. } => {
            return Err(ApiError::precondition(
                "get current user not available for security context: robot",
            ));
        }
        Identity::Anonymous => return Err(ApiError::unauthorized()),
    };
    let s = read(state);
    Ok(Reply::ok(&s.users.get(&id)))
}

fn search(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let name = ctx
        .query("username")
        .ok_or_else(|| ApiError::unprocessable("username in query is required"))?;
    let s = read(state);
    let page = ctx.page()?;
    let docs = s
        .users
        .values()
        .filter(|u| u.username.contains(name))
        .map(|u| json!({"user_id": u.user_id, "username": u.username}))
        .collect();
    Ok(ctx.page_of(docs, page))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let s = read(state);
    let user = s
        .users
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("user {id} not found")))?;
    Ok(Reply::ok(user))
}

fn update_profile(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let req: UserProfile = ctx.json()?;
    let mut s = write(state);
    if let Some(email) = &req.email
        && s.users
            .values()
            .any(|u| u.user_id != id && &u.email == email)
    {
        return Err(ApiError::conflict(format!("email {email} already exists")));
    }
    let user = s.user_mut(id)?;
    if let Some(e) = req.email {
        user.email = e;
    }
    if let Some(r) = req.realname {
        user.realname = r;
    }
    if let Some(c) = req.comment {
        user.comment = c;
    }
    user.update_time = crate::state::now();
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    write(state).delete_user(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct SysAdminFlag {
    sysadmin_flag: Option<bool>,
}

fn set_sysadmin(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let req: SysAdminFlag = ctx.json()?;
    let flag = req
        .sysadmin_flag
        .ok_or_else(|| ApiError::unprocessable("sysadmin_flag in body is required"))?;
    write(state).user_mut(id)?.sysadmin_flag = flag;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct PasswordReq {
    old_password: Option<String>,
    new_password: Option<String>,
}

fn update_password(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let req: PasswordReq = ctx.json()?;
    let new = req
        .new_password
        .ok_or_else(|| ApiError::bad_request("new_password is required"))?;
    let by_admin =
        matches!(&ctx.identity, Identity::User { sysadmin: true, id: me, .. } if *me != id);
    write(state).change_password(id, req.old_password.as_deref(), &new, by_admin)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `GET /users/current/permissions`: what the caller may do in `scope` (`/project/{id}` or
/// `/system`), from the same rules the access check applies. Like Harbor, the `/system` scope
/// lists bare resource names, and only for system administrators.
fn permissions(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let sc = security(ctx, &s);
    let scope = ctx.query("scope").unwrap_or_default();
    let relative = ctx.query_bool("relative").unwrap_or(false);
    let mut granted: Vec<(String, &str)> = Vec::new();
    if let Some(rest) = scope.strip_prefix("/project/") {
        if let Ok(id) = rest.split('/').next().unwrap_or_default().parse::<i64>() {
            for (resource, action) in project_policies() {
                let target = Target::Project { id, resource };
                if sc.can(action, target) {
                    granted.push((target.path(), action));
                }
            }
        }
    } else if scope.starts_with("/system") && sc.is_sysadmin() {
        for (resource, actions) in SYSTEM_POLICIES {
            granted.extend(actions.iter().map(|a| (resource.to_string(), *a)));
        }
    }
    let perms: Vec<_> = granted
        .into_iter()
        .filter_map(|(resource, action)| {
            let resource = if relative {
                let rest = resource.strip_prefix(scope)?.trim_start_matches('/');
                if rest.is_empty() { "." } else { rest }.to_owned()
            } else {
                resource
            };
            Some(json!({"resource": resource, "action": action}))
        })
        .collect();
    Ok(Reply::ok(&perms))
}

#[derive(Deserialize)]
struct CliSecret {
    secret: Option<String>,
}

/// Harbor's order (`SetCliSecret` in `src/server/v2.0/handler/user.go`): the auth mode first
/// (412 unless OIDC), then the secret (an empty one is generated), then the user's OIDC
/// record, which no simulated user has: every user here signed up in the database.
fn set_cli_secret(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let s = read(state);
    let mode = s
        .configurations
        .get("auth_mode")
        .and_then(Value::as_str)
        .unwrap_or("db_auth");
    if mode != "oidc_auth" {
        return Err(ApiError::precondition(format!(
            "unable to update CLI secret under authmode: {mode}"
        )));
    }
    let req: CliSecret = ctx.json()?;
    if let Some(secret) = req.secret.filter(|s| !s.is_empty())
        && !strong_password(&secret)
    {
        return Err(ApiError::bad_request(
            "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
        ));
    }
    Err(ApiError::not_found(format!(
        "oidc info for user {id} not found"
    )))
}
