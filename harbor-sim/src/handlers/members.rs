//! Project members.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::ldap::{ldap_group_name, search_and_onboard_user};
use super::projects::project_of;
use super::usergroups::{
    HTTP_GROUP, LDAP_GROUP, OIDC_GROUP, auth_mode, ensure_group, group_by_id, group_where,
};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::projects::role_name;

#[derive(Deserialize, Default)]
struct UserEntity {
    user_id: Option<i64>,
    username: Option<String>,
}

/// Harbor's `UserGroup` as a member: by id, LDAP DN or name.
#[derive(Deserialize, Default)]
struct GroupEntity {
    id: Option<i64>,
    group_name: Option<String>,
    group_type: Option<i64>,
    ldap_group_dn: Option<String>,
}

#[derive(Deserialize)]
struct MemberReq {
    role_id: Option<i64>,
    member_user: Option<UserEntity>,
    member_group: Option<GroupEntity>,
}

#[derive(Deserialize)]
struct RoleRequest {
    role_id: Option<i64>,
}

/// `ListProjectMembers`: the entries are the DAO's (`GetProjectMember`): an exact
/// `entityname`, joined to the role (a member whose role is none of Harbor's five is left
/// out), ordered by name; `X-Total-Count` and `Link` count every member of the project
/// (`GetTotalOfProjectMembers` reads neither the name nor the role).
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let id = project_of(ctx, s)?;
    let total = s.members.of_project(id).count();
    let entity = ctx.query("entityname");
    let mut entries: Vec<_> = s
        .members
        .of_project(id)
        .filter(|m| role_name(m.role_id).is_ok())
        .filter(|m| entity.is_none_or(|e| m.entity_name == e))
        .collect();
    // `order by entity_name`; names compared by code point (PostgreSQL's collation may
    // order case and accents otherwise), ties in id order.
    entries.sort_by(|a, b| a.entity_name.cmp(&b.entity_name));
    let (first, size) = page.window();
    let items = entries
        .into_iter()
        .skip(first)
        .take(size)
        .map(|m| json!(m))
        .collect();
    Ok(ctx.page_items(items, total, page))
}

/// Adds a member as Harbor's member controller does (`Create` in
/// `src/controller/member/controller.go`), trying in its order: a user by id, a group by id,
/// a user by name, a group by LDAP DN, a group by name.
pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    // The body is optional in the spec: none is the handler's 400.
    if ctx.has_no_body() {
        return Err(ApiError::bad_request("the project member should provide"));
    }
    let req: MemberReq = ctx.json()?;
    // An absent role is Go's 0, refused after the member is found (`isValidRole`).
    let role = req.role_id.unwrap_or(0);
    let user = req.member_user.unwrap_or_default();
    let group = req.member_group.unwrap_or_default();
    let given = |v: &Option<String>| v.clone().filter(|v| !v.is_empty());
    let (user_id, user_name) = (user.user_id.filter(|id| *id > 0), given(&user.username));
    let group_id = group.id.filter(|id| *id > 0);
    let (group_name, group_dn) = (given(&group.group_name), given(&group.ldap_group_dn));
    if user_id.is_none()
        && user_name.is_none()
        && group_id.is_none()
        && group_name.is_none()
        && group_dn.is_none()
    {
        return Err(ApiError::bad_request(
            "at least one of member_user or member_group must be provided",
        ));
    }
    let project = project_of(ctx, s)?;
    let id = if let Some(uid) = user_id {
        if !s.users.contains_key(&uid) {
            return Err(ApiError::bad_request(format!(
                "Failed to get user {uid}: user {uid} not found"
            )));
        }
        s.add_member(project, Some((Some(uid), None)), None, role)?
    } else if let Some(gid) = group_id {
        let group = group_by_id(s, gid)
            .ok_or_else(|| ApiError::bad_request(format!("Group {gid} not found")))?;
        s.add_member(project, None, Some(group), role)?
    } else if let Some(name) = user_name {
        // Not in the database: `SearchAndOnBoardUser` asks the authenticator; LDAP's
        // searches the directory and onboards the person, the database's finds nobody else.
        let known = s
            .users
            .values()
            .find(|u| u.username == name)
            .map(|u| u.user_id);
        match known {
            Some(_) => s.add_member(project, Some((None, Some(name))), None, role)?,
            None if auth_mode(s) == "ldap_auth" => {
                let had = s.users.len();
                let uid = search_and_onboard_user(s, &name)?;
                let added = s.add_member(project, Some((Some(uid), None)), None, role);
                if added.is_err() && s.users.len() > had {
                    // Harbor's transaction middleware rolls the onboarded user back with a
                    // request that fails (its id stays taken: sequences do not roll back).
                    s.users.remove(&uid);
                }
                added?
            }
            None => return Err(ApiError::not_found(format!("user {name} is not found"))),
        }
    } else if let Some(dn) = group_dn {
        let group = ldap_member_group(s, &dn, group_name.as_deref())?;
        s.add_member(project, None, Some(group), role)?
    } else {
        let name = group_name.unwrap_or_default();
        let group = named_member_group(s, &name, group.group_type.unwrap_or(0))?;
        s.add_member(project, None, Some(group), role)?
    };
    Ok(Reply::created(ctx.location(id)))
}

/// A group member by LDAP DN: the LDAP group with that DN, else the group the LDAP server has
/// under it, onboarded (named `name` when given); `SearchAndOnBoardGroup` with the current
/// auth mode's authenticator.
fn ldap_member_group(s: &mut SimState, dn: &str, name: Option<&str>) -> ApiResult<(i64, String)> {
    if let Some(group) = group_where(s, |g| {
        g["ldap_group_dn"].as_str() == Some(dn) && g["group_type"].as_i64() == Some(LDAP_GROUP)
    }) {
        return Ok(group);
    }
    onboard_group(s, dn, name)
}

/// A group member by name: the group of that name and of the type asked for (Harbor filters
/// by both, a missing type being 0), else the name onboarded through the current auth mode.
fn named_member_group(s: &mut SimState, name: &str, group_type: i64) -> ApiResult<(i64, String)> {
    if let Some(group) = group_where(s, |g| {
        g["group_name"].as_str() == Some(name) && g["group_type"].as_i64() == Some(group_type)
    }) {
        return Ok(group);
    }
    onboard_group(s, name, None)
}

/// Harbor's `SearchAndOnBoardGroup(key, altName)` by auth mode: LDAP finds the group by DN
/// in the directory (`src/core/auth/ldap/ldap.go`), OIDC takes any name as a group of its
/// own (`oidc/oidc.go`), the auth proxy only with `http_authproxy_skip_search`
/// (`authproxy/auth.go`), and the database authenticator has no groups (`SearchGroup` of
/// `DefaultAuthenticateHelper`: 404 `<key> not found`). Where Harbor lets a bad key become a
/// 500 (an LDAP key that is no DN, a proxy group it cannot search), the simulator answers
/// 400 and 404 with Harbor's message, as for other client mistakes.
fn onboard_group(s: &mut SimState, key: &str, alt_name: Option<&str>) -> ApiResult<(i64, String)> {
    let config = |s: &SimState, k: &str| s.configurations.get(k).cloned().unwrap_or_default();
    match config(s, "auth_mode").as_str().unwrap_or("db_auth") {
        "ldap_auth" => {
            if !is_dn(key) {
                return Err(ApiError::bad_request("the LDAP group DN is invalid"));
            }
            let found = ldap_group_name(s, key)?.ok_or_else(|| {
                ApiError::not_found(format!("failed to searh ldap group with groupDN:{key}"))
            })?;
            if group_where(s, |g| g["ldap_group_dn"].as_str() == Some(key)).is_some() {
                // `OnBoardGroup` refuses a second group of one DN (a plain error in Harbor).
                return Err(ApiError::conflict(
                    "a LDAP user group with same DN already exist",
                ));
            }
            let name = alt_name.unwrap_or(&found).to_owned();
            Ok(ensure_group(s, &name, LDAP_GROUP, key))
        }
        "oidc_auth" => Ok(ensure_group(s, key, OIDC_GROUP, "")),
        "http_auth" if config(s, "http_authproxy_skip_search") == json!(true) => {
            Ok(ensure_group(s, key, HTTP_GROUP, ""))
        }
        "http_auth" => Err(ApiError::not_found("group does not exist")),
        _ => Err(ApiError::not_found(format!("{key} not found"))),
    }
}

/// Whether `dn` parses as an LDAP DN: `attribute=value` pairs joined by commas.
fn is_dn(dn: &str) -> bool {
    dn.split(',').all(|rdn| {
        rdn.split_once('=')
            .is_some_and(|(attribute, value)| !attribute.trim().is_empty() && !value.is_empty())
    })
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let mid = ctx.path_id("mid")?;
    if mid == 0 {
        return Err(ApiError::bad_request("the member id can not be empty!"));
    }
    let project = project_of(ctx, s)?;
    Ok(Reply::ok(s.member(project, mid)?))
}

/// `UpdateProjectMember`: a body is needed (400 `role can not be empty`), then a member id;
/// the role is stored unchecked, and an id of no member of the project is no error.
pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mid = ctx.path_id("mid")?;
    if ctx.has_no_body() {
        return Err(ApiError::bad_request("role can not be empty"));
    }
    let req: RoleRequest = ctx.json()?;
    if mid == 0 {
        return Err(ApiError::bad_request("member id can not be empty"));
    }
    let project = project_of(ctx, s)?;
    s.set_member_role(project, mid, req.role_id.unwrap_or(0));
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mid = ctx.path_id("mid")?;
    if mid == 0 {
        return Err(ApiError::bad_request("the project member id is required."));
    }
    let project = project_of(ctx, s)?;
    s.remove_member(project, mid);
    Ok(Reply::empty(StatusCode::OK))
}
