//! User groups (`src/server/v2.0/handler/usergroup.go`, `src/controller/usergroup/`), kept
//! in [`SimState::collections`] under `/api/v2.0/usergroups` as the demo data seeds them.
//!
//! As in Harbor: the list shows the groups of the current auth mode's type (LDAP groups
//! under `ldap_auth`, HTTP groups under `http_auth`, all otherwise); a read answers name, type
//! and DN only; an LDAP group (type 1) is created only when the auth mode's LDAP server has
//! its DN (under any other auth mode the lookup finds nothing: 400); a name is unique per
//! type (409); an update changes the name only; a delete also drops the group's project
//! memberships, and answers 200 for an unknown id; a rename renames the group's
//! memberships too (Harbor reads a member group's name off the group). A missing name is
//! go-swagger's bare 400. The search is a fuzzy match on the name over every group.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use super::ldap::ldap_group_dn_exists;

use crate::context::{Ctx, Reply, api_path};
use crate::errors::{ApiError, ApiResult};
use crate::state::{SimState, now};

/// Harbor's group type of LDAP groups (`common.LDAPGroupType`).
pub(super) const LDAP_GROUP: i64 = 1;
/// Harbor's group type of HTTP (auth proxy) groups (`common.HTTPGroupType`).
pub(super) const HTTP_GROUP: i64 = 2;
/// Harbor's group type of OIDC groups (`common.OIDCGroupType`).
pub(super) const OIDC_GROUP: i64 = 3;

fn groups(s: &SimState) -> impl Iterator<Item = &Value> {
    s.collections
        .get(&api_path("/usergroups"))
        .into_iter()
        .flat_map(|groups| groups.values())
}

/// The id and name of the first group `wanted` picks.
pub(super) fn group_where(s: &SimState, wanted: impl Fn(&Value) -> bool) -> Option<(i64, String)> {
    groups(s).find(|g| wanted(g)).and_then(|g| {
        let name = g["group_name"].as_str()?.to_owned();
        Some((g["id"].as_i64()?, name))
    })
}

/// The id and name of the group with this id.
pub(super) fn group_by_id(s: &SimState, id: i64) -> Option<(i64, String)> {
    group_where(s, |g| g["id"].as_i64() == Some(id))
}

/// The group of this name and type, made when there is none (Harbor's `Ensure` and
/// `Onboard` of user groups); its id and name.
pub(super) fn ensure_group(
    s: &mut SimState,
    name: &str,
    group_type: i64,
    dn: &str,
) -> (i64, String) {
    if let Some(found) = group_where(s, |g| {
        g["group_name"].as_str() == Some(name) && g["group_type"].as_i64() == Some(group_type)
    }) {
        return found;
    }
    let id = insert_group(s, name, group_type, dn);
    (id, name.to_owned())
}

/// Stores a new group; its id.
fn insert_group(s: &mut SimState, name: &str, group_type: i64, dn: &str) -> i64 {
    let id = s.ids.next("createUserGroup");
    let now = now();
    let group = json!({
        "id": id,
        "group_name": name,
        "group_type": group_type,
        "ldap_group_dn": dn,
        "creation_time": now,
        "update_time": now,
    });
    s.collections
        .entry(api_path("/usergroups"))
        .or_default()
        .insert(id, group);
    id
}

/// The configured auth mode (`db_auth` when unset).
pub(super) fn auth_mode(s: &SimState) -> &str {
    s.configurations
        .get("auth_mode")
        .and_then(Value::as_str)
        .unwrap_or("db_auth")
}

/// A group as Harbor's `UserGroup` answer: the empty fields omitted, `id` when listed.
fn view(group: &Value, with_id: bool) -> Value {
    let mut out = json!({"group_name": group["group_name"]});
    if with_id {
        out["id"] = group["id"].clone();
    }
    if group["group_type"].as_i64().is_some_and(|t| t != 0) {
        out["group_type"] = group["group_type"].clone();
    }
    if group["ldap_group_dn"]
        .as_str()
        .is_some_and(|d| !d.is_empty())
    {
        out["ldap_group_dn"] = group["ldap_group_dn"].clone();
    }
    out
}

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let only_type = match auth_mode(s) {
        "ldap_auth" => Some(LDAP_GROUP),
        "http_auth" => Some(HTTP_GROUP),
        _ => None,
    };
    let name = ctx.query("group_name").unwrap_or_default().to_lowercase();
    let dn = ctx
        .query("ldap_group_dn")
        .filter(|d| !d.is_empty() && only_type == Some(LDAP_GROUP));
    let docs: Vec<Value> = groups(s)
        .filter(|g| only_type.is_none_or(|t| g["group_type"].as_i64() == Some(t)))
        .filter(|g| {
            g["group_name"]
                .as_str()
                .is_some_and(|n| n.to_lowercase().contains(&name))
        })
        .filter(|g| dn.is_none_or(|d| g["ldap_group_dn"].as_str() == Some(d)))
        .map(|g| view(g, true))
        .collect();
    Ok(ctx.page_of(docs, page))
}

/// The body of a create or update; none (the spec does not require one) is Go's nil
/// `Usergroup`, which the handlers answer as an empty name: a bare 400.
#[derive(Deserialize, Default)]
struct GroupReq {
    #[serde(default)]
    group_name: String,
    #[serde(default)]
    group_type: i64,
    #[serde(default)]
    ldap_group_dn: String,
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: GroupReq = ctx.optional_json()?;
    if req.group_name.is_empty() {
        return Ok(Reply::empty(StatusCode::BAD_REQUEST));
    }
    if req.group_type == LDAP_GROUP
        && !(auth_mode(s) == "ldap_auth" && ldap_group_dn_exists(s, &req.ldap_group_dn))
    {
        return Err(ApiError::bad_request(format!(
            "LDAP Group DN is not found: DN:{}",
            req.ldap_group_dn
        )));
    }
    let named = |s: &SimState, group_type: i64| {
        groups(s).any(|g| {
            g["group_name"].as_str() == Some(req.group_name.as_str())
                && g["group_type"].as_i64() == Some(group_type)
        })
    };
    if named(s, req.group_type) {
        return Err(ApiError::conflict(format!(
            "duplicate user group, group name:{}, group type: {}, ldap group DN: {}",
            req.group_name, req.group_type, req.ldap_group_dn
        )));
    }
    // `dao.Add` refuses a name an HTTP group has, whatever the new group's type.
    if named(s, HTTP_GROUP) {
        return Err(ApiError::conflict("duplicated user group name"));
    }
    // The DN is stored trimmed and lower-cased (`utils.TrimLower` in `dao.Add`).
    let dn = req.ldap_group_dn.trim().to_lowercase();
    let id = insert_group(s, &req.group_name, req.group_type, &dn);
    Ok(Reply::created(ctx.location(id)))
}

/// The group id of the path: Harbor refuses 0 and below before looking.
fn group_id(ctx: &Ctx) -> ApiResult<i64> {
    let id = ctx.path_id("group_id")?;
    if id <= 0 {
        return Err(ApiError::bad_request("the group id should be provided"));
    }
    Ok(id)
}

fn not_found(id: i64) -> ApiError {
    ApiError::not_found(format!("the user group with id {id} is not found"))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = group_id(ctx)?;
    let group = groups(s)
        .find(|g| g["id"].as_i64() == Some(id))
        .ok_or_else(|| not_found(id))?;
    Ok(Reply::ok(&view(group, false)))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("group_id")?;
    let req: GroupReq = ctx.optional_json()?;
    if id <= 0 || req.group_name.is_empty() {
        return Ok(Reply::empty(StatusCode::BAD_REQUEST));
    }
    let group = s
        .collections
        .get_mut(&api_path("/usergroups"))
        .and_then(|groups| groups.get_mut(&id))
        .ok_or_else(|| not_found(id))?;
    group["group_name"] = json!(req.group_name);
    group["update_time"] = json!(now());
    // A member group is answered with its group's current name.
    s.members.rename_entity("g", id, &req.group_name);
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = group_id(ctx)?;
    if let Some(groups) = s.collections.get_mut(&api_path("/usergroups")) {
        groups.remove(&id);
    }
    s.members
        .retain(|m| !(m.entity_type == "g" && m.entity_id == id));
    Ok(Reply::empty(StatusCode::OK))
}

/// `SearchUserGroups`: `X-Total-Count` counts the names holding `groupname` in any case
/// (`Count` with a fuzzy match), but the entries are the DAO's `SearchByName`: a `like` of
/// the asked case, ordered by the name's length then the name, the first `page_size` of them
/// whatever the page (`limit`, no offset), as the user search (LU1 to LU3).
pub(crate) fn search(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let name = ctx
        .query("groupname")
        .filter(|n| !n.is_empty())
        .ok_or_else(|| ApiError::bad_request("need to provide groupname to search user group"))?;
    let lower = name.to_lowercase();
    let name_of = |g: &&Value| g["group_name"].as_str().unwrap_or_default().to_owned();
    let total = groups(s)
        .filter(|g| name_of(g).to_lowercase().contains(&lower))
        .count();
    // Nothing counted is `[]`, whatever the entries would be.
    if total == 0 {
        return Ok(Reply::json(StatusCode::OK, &json!([])).with_header("X-Total-Count", "0"));
    }
    // `%` and `_` in `groupname` are the `like`'s wildcards (and `\` its escape) for the
    // entries only: the count escapes them (`orm.Escape`).
    let pattern = format!("%{name}%");
    let mut found: Vec<&Value> = groups(s)
        .filter(|g| crate::query::sql_like(&name_of(g), &pattern))
        .collect();
    found.sort_by_key(|g| (name_of(g).chars().count(), name_of(g)));
    let docs: Vec<Value> = found
        .into_iter()
        .take(page.window().1)
        .map(|g| json!({"id": g["id"], "group_name": g["group_name"], "group_type": g["group_type"]}))
        .collect();
    Ok(ctx.page_items(docs, total, page))
}
