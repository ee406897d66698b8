//! Users.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::security;
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::postgres_error::{SqlState, refusal};
use crate::rbac::Target;
use crate::rbac::policy::{SYSTEM_POLICIES, project_policies};
use crate::state::SimState;
use crate::state::users::{UserCreationReq, UserProfile, strong_password};

/// `ListUsers` (`src/server/v2.0/handler/user.go`): `username` and `email`, read from the
/// raw query (the spec names neither), are fuzzy matches (`__icontains`: any case); the
/// default order is by name (`sort:"default"` on `Username`, `src/pkg/user/dao/user.go`).
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let fuzzy = |key: &str| {
        ctx.query(key)
            .filter(|v| !v.is_empty())
            .map(str::to_lowercase)
    };
    let (username, email) = (fuzzy("username"), fuzzy("email"));
    let mut users: Vec<_> = s
        .users
        .values()
        .filter(|u| {
            username
                .as_ref()
                .is_none_or(|n| u.username.to_lowercase().contains(n))
        })
        .filter(|u| {
            email
                .as_ref()
                .is_none_or(|e| u.email.to_lowercase().contains(e))
        })
        .collect();
    users.sort_by(|a, b| a.username.cmp(&b.username));
    // The user manager leaves out the first admin (`excludeDefaultAdmin`, `user_id > 1`):
    // always from the count, from the list unless a key of `q` is `user_id` or
    // `user_id__in` (any case); with nothing counted the list is not read (`[]`).
    let filters = ctx.filters()?;
    let admin_listed = filters.iter().any(|f| {
        let key = f.key().to_lowercase();
        key == "user_id" || key == "user_id__in"
    });
    let page = ctx.page()?;
    let mut docs: Vec<Value> = users.into_iter().map(|u| json!(u)).collect();
    crate::query::apply(&mut docs, &filters, &ctx.sort());
    let is_admin = |d: &Value| d["user_id"] == json!(1);
    let total = docs.iter().filter(|d| !is_admin(d)).count();
    if total == 0 {
        return Ok(ctx.page_items(Vec::new(), 0, page));
    }
    docs.retain(|d| admin_listed || !is_admin(d));
    let range = page.range(docs.len());
    let items = docs
        .into_iter()
        .skip(range.start)
        .take(range.len())
        .collect();
    Ok(ctx.page_items(items, total, page))
}

/// `requireCreatable`'s first check (`src/server/v2.0/handler/user.go`), made before the
/// caller's access (the operation's `before_access`; the self-registration rule and the
/// access are the entry's access rule): local users exist only under the database's auth
/// mode.
pub(crate) fn local_users_allowed(_: &Ctx, s: &SimState) -> ApiResult<()> {
    let mode = s
        .configurations
        .get("auth_mode")
        .and_then(Value::as_str)
        .unwrap_or("db_auth");
    if mode == "db_auth" {
        Ok(())
    } else {
        Err(ApiError::forbidden(format!(
            "creating local user is not allowed under auth mode: {mode}"
        )))
    }
}

/// `CreateUser` after `requireCreatable` ([`local_users_allowed`], then the access rule).
pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: UserCreationReq = ctx.json()?;
    // `CreateUser` (`src/server/v2.0/handler/user.go`): the password, then the profile.
    check_secret(req.password.as_deref().unwrap_or_default())?;
    let text = |v: &Option<String>| v.clone().unwrap_or_default();
    check_profile(
        &text(&req.email),
        &text(&req.realname),
        &text(&req.comment),
        Some(&text(&req.username)),
    )?;
    let id = s.create_user(req)?;
    Ok(Reply::created(ctx.location(id)))
}

/// Harbor's `requireValidSecret`: 8 to 128 bytes with an upper case letter, a lower case
/// letter and a digit.
fn check_secret(secret: &str) -> ApiResult<()> {
    if strong_password(secret) {
        return Ok(());
    }
    Err(ApiError::bad_request(
        "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
    ))
}

/// The characters Harbor refuses in user and real names (`common.IllegalCharsInUsername`).
const ILLEGAL_NAME_CHARS: &[char] = &[',', '"', '~', '#', '%', '$'];

/// Harbor's `validateUserProfile`: an email of its pattern, a real name of 1 to 255 bytes
/// without the illegal characters, a comment of at most 30 bytes, and on create a user name
/// as the real name. Lengths are Go's, in bytes.
fn check_profile(
    email: &str,
    realname: &str,
    comment: &str,
    username: Option<&str>,
) -> ApiResult<()> {
    let refuse = |m: &str| Err(ApiError::bad_request(m));
    if email.is_empty() {
        return refuse("email can't be empty");
    }
    if !is_harbor_email(email) {
        return refuse("email with illegal format");
    }
    if !(1..=255).contains(&realname.len()) {
        return refuse("realname with illegal length");
    }
    if realname.contains(ILLEGAL_NAME_CHARS) {
        return refuse("realname contains illegal characters");
    }
    if comment.len() > 30 {
        return refuse("comment with illegal length");
    }
    let Some(username) = username else {
        return Ok(());
    };
    if !(1..=255).contains(&username.len()) {
        return refuse("username with illegal length");
    }
    if username.contains(ILLEGAL_NAME_CHARS) {
        return refuse("username contains illegal characters");
    }
    Ok(())
}

/// Whether `email` matches the pattern of Harbor's `validateUserProfile`: a local part of
/// dot-joined runs without `<>()[]\.,;:@"` or white space (or anything quoted), `@`, and a
/// domain of labels of letters, digits and `-` ending in a top-level name of two or more
/// letters (or an IPv4 address in brackets).
fn is_harbor_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    let special =
        |c: char| "<>()[]\\.,;:@\"".contains(c) || matches!(c, ' ' | '\t' | '\n' | '\r' | '\x0c');
    let quoted =
        local.len() >= 3 && local.starts_with('"') && local.ends_with('"') && !local.contains('\n');
    let plain = local
        .split('.')
        .all(|run| !run.is_empty() && !run.contains(special));
    if !(quoted || plain) {
        return false;
    }
    if let Some(ip) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        let parts: Vec<&str> = ip.split('.').collect();
        return parts.len() == 4
            && parts
                .iter()
                .all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    }
    let Some((labels, top)) = domain.rsplit_once('.') else {
        return false;
    };
    top.len() >= 2
        && top.bytes().all(|b| b.is_ascii_alphabetic())
        && labels
            .split('.')
            .all(|l| !l.is_empty() && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
}

/// Harbor's `requireModifiable`: under an auth mode other than the database's only the
/// local admin (id 1) may be changed.
fn check_modifiable(s: &SimState, id: i64) -> ApiResult<()> {
    let mode = s.configurations.get("auth_mode").and_then(Value::as_str);
    if mode.is_some_and(|m| m != "db_auth") && id != 1 {
        return Err(ApiError::forbidden(format!(
            "User with ID {id} can't be updated"
        )));
    }
    Ok(())
}

/// The 404 of Harbor's user DAO when an update touches no row.
fn no_user_row(id: i64) -> ApiError {
    ApiError::not_found(format!("user with id {id} not found"))
}

/// Harbor answers only a local user here: a robot is authenticated but has no user record,
/// so it gets 412 (`GetCurrentUserInfo` in user.go), not 401.
pub(crate) fn current(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = match ctx.identity {
        Identity::User { id, .. } => id,
        Identity::Robot { .. } => {
            return Err(ApiError::precondition(
                "get current user not available for security context: robot",
            ));
        }
        Identity::Anonymous => return Err(ApiError::unauthorized()),
    };
    Ok(Reply::ok(&s.users.get(&id)))
}

pub(crate) fn search(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let name = ctx
        .query("username")
        .ok_or_else(|| ApiError::unprocessable("username in query is required"))?;
    let page = ctx.page()?;
    // Harbor counts with the ORM's fuzzy match (`__icontains`: any case) but reads the
    // items with its own SQL (`SearchByName`, `src/pkg/user/dao/dao.go`): `username like
    // %<name>%` (any case but the asked one is PostgreSQL's `like`), shortest name first,
    // then by name, `limit <page_size>` and no offset, so every page is the first.
    // The count is the user manager's, which leaves out the first admin
    // (`excludeDefaultAdmin`); nothing counted is `[]`, whatever the entries would be.
    let lower = name.to_lowercase();
    let total = s
        .users
        .values()
        .filter(|u| u.user_id != 1 && u.username.to_lowercase().contains(&lower))
        .count();
    if total == 0 {
        return Ok(Reply::json(StatusCode::OK, &json!([])).with_header("X-Total-Count", "0"));
    }
    // `%` and `_` in `username` are the `like`'s wildcards (and `\` its escape) for the
    // entries only: the count escapes them (`orm.Escape`).
    let pattern = format!("%{name}%");
    let mut found: Vec<_> = s
        .users
        .values()
        .filter(|u| crate::query::sql_like(&u.username, &pattern))
        .collect();
    found.sort_by(|a, b| {
        (a.username.chars().count(), &a.username).cmp(&(b.username.chars().count(), &b.username))
    });
    let docs = found
        .into_iter()
        .take(page.window().1)
        .map(|u| json!({"user_id": u.user_id, "username": u.username}))
        .collect();
    Ok(ctx.page_items(docs, total, page))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let user = s
        .users
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("user {id} not found")))?;
    Ok(Reply::ok(user))
}

pub(crate) fn update_profile(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let req: UserProfile = ctx.json()?;
    check_modifiable(s, id)?;
    // `UpdateUserProfile` writes all three columns: an omitted comment is cleared.
    let email = req.email.unwrap_or_default();
    let realname = req.realname.unwrap_or_default();
    let comment = req.comment.unwrap_or_default();
    check_profile(&email, &realname, &comment, None)?;
    // `dao.Update` updates no row of an unknown id (404); an email another user has breaks
    // the unique key, a database error Harbor answers 500.
    if !s.users.contains_key(&id) {
        return Err(no_user_row(id));
    }
    if s.users
        .values()
        .any(|u| u.user_id != id && u.email == email)
    {
        return Err(refusal(
            SqlState::UniqueViolation,
            "duplicate key value violates unique constraint \"harbor_user_email_key\"",
        ));
    }
    let user = s.users.get_mut(&id).ok_or_else(|| no_user_row(id))?;
    user.email = email;
    user.realname = realname;
    user.comment = comment;
    user.update_time = crate::state::now();
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    // `requireDeletable`: neither oneself nor the first admin.
    if id == 1 || matches!(ctx.identity, Identity::User { id: me, .. } if me == id) {
        return Err(ApiError::forbidden(format!(
            "User with ID {id} cannot be deleted"
        )));
    }
    s.delete_user(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct SysAdminFlag {
    sysadmin_flag: Option<bool>,
}

pub(crate) fn set_sysadmin(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let req: SysAdminFlag = ctx.json()?;
    // The model's `sysadmin_flag` is a plain boolean, not required: absent, it is false.
    let flag = req.sysadmin_flag.unwrap_or(false);
    s.users
        .get_mut(&id)
        .ok_or_else(|| no_user_row(id))?
        .sysadmin_flag = flag;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct PasswordReq {
    old_password: Option<String>,
    new_password: Option<String>,
}

pub(crate) fn update_password(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
    let req: PasswordReq = ctx.json()?;
    // `UpdateUserPassword`: who may, the caller's own old password, the new one's strength,
    // the user, a new password that differs.
    check_modifiable(s, id)?;
    let own = matches!(ctx.identity, Identity::User { id: me, .. } if me == id);
    if own && s.users.get(&id).map(|u| u.password.as_str()) != req.old_password.as_deref() {
        return Err(ApiError::forbidden("Current password is incorrect"));
    }
    let new = req.new_password.unwrap_or_default();
    check_secret(&new)?;
    let user = s.user_mut(id)?;
    if user.password == new {
        return Err(ApiError::bad_request(
            "New password is identical to old password",
        ));
    }
    user.password = new;
    user.update_time = crate::state::now();
    Ok(Reply::empty(StatusCode::OK))
}

/// `GET /users/current/permissions`: what the caller may do in `scope` (`/project/{id}` or
/// `/system`), from the same rules the access check applies. Like Harbor, the `/system` scope
/// lists bare resource names, and only for system administrators.
pub(crate) fn permissions(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let sc = security(ctx, s);
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
/// (412 unless OIDC), then the caller (oneself or a user administrator), then the secret (an empty one is generated), then the user's OIDC
/// record, which no simulated user has: every user here signed up in the database.
pub(crate) fn set_cli_secret(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("user_id")?;
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
    // `requireForCLISecret`: one's own secret, else the system permission to update users
    // (401 anonymous, 403 with the caller's name).
    let sc = security(ctx, s);
    if sc.user_id() != Some(id) {
        sc.require_system("user", "update")?;
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
