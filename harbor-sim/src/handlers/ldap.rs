//! LDAP user and group search and user import (`src/server/v2.0/handler/ldap.go`,
//! `src/pkg/ldap/`).
//!
//! The simulator opens no connection: the LDAP server Harbor is configured with
//! (`ldap_url`) answers when its host is reachable ([`crate::state::Reachability`]), and
//! then holds the small directory below, under the configured `ldap_base_dn`. An
//! unreachable or unset server is the uncoded dial error Harbor turns into a 500.
//!
//! As in Harbor: a user search matches the attribute named by `ldap_uid` exactly (all
//! people when the name is empty); a group search matches the group name attribute
//! (`cn` by default) or a whole DN, and finding nothing is a 404; an import searches each
//! uid and onboards it through the current auth mode, which only `ldap_auth` can do (the
//! database authenticator's `OnBoardUser` sets no user id, so every import under `db_auth`
//! fails with `failed to import user: ...`); any failure answers 404 with the failed list.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::users::UserCreationReq;

/// The people of the simulated directory, under `ou=people`: login (their `uid` and `cn`)
/// and mail. `carol` is also a user of the demo data; `grace` and `heidi` are only here.
const PEOPLE: &[(&str, &str)] = &[
    ("carol", "carol@example.com"),
    ("grace", "grace@example.com"),
    ("heidi", "heidi@example.com"),
];

/// The groups of the simulated directory, under `ou=groups` (the demo's user group `dev`
/// is `cn=dev,ou=groups,dc=example,dc=com`).
const GROUPS: &[&str] = &["dev", "ops"];

/// The password Harbor stores for an onboarded LDAP user (`src/core/auth/ldap/ldap.go`):
/// it is never checked, LDAP authenticates.
const ONBOARD_PASSWORD: &str = "12345678AbC";

/// A configuration value as text ("" when unset).
fn config<'a>(s: &'a SimState, key: &str) -> &'a str {
    s.configurations
        .get(key)
        .and_then(Value::as_str)
        .unwrap_or_default()
}

/// The directory's base DN, once the configured server is reached.
fn open(s: &SimState) -> ApiResult<String> {
    let url = config(s, "ldap_url");
    if url.is_empty() || !s.reachability.reaches(url) {
        // Harbor's session fails to dial and the handler passes the error on uncoded.
        return Err(ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN",
            format!("LDAP server {url:?} unreachable"),
        ));
    }
    Ok(config(s, "ldap_base_dn").to_owned())
}

/// Harbor's `LdapUser` for the people whose `ldap_uid` attribute is `name` (all for "").
fn people(s: &SimState, base_dn: &str, name: &str) -> Vec<Value> {
    let attribute = match config(s, "ldap_uid") {
        "" => "cn",
        a => a,
    };
    PEOPLE
        .iter()
        .filter_map(|(login, mail)| {
            let value = match attribute.to_ascii_lowercase().as_str() {
                "uid" | "cn" => *login,
                "mail" | "email" => *mail,
                _ => return None,
            };
            (name.is_empty() || value.eq_ignore_ascii_case(name)).then(|| {
                json!({"username": value, "realname": login, "email": mail,
                       "dn": format!("uid={login},ou=people,{base_dn}")})
            })
        })
        .collect()
}

pub(crate) fn search_users(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let base_dn = open(s)?;
    let found: Vec<Value> = people(s, &base_dn, ctx.query("username").unwrap_or_default())
        .into_iter()
        .map(|mut p| {
            p.as_object_mut().map(|o| o.remove("dn"));
            p
        })
        .collect();
    Ok(Reply::ok(&found))
}

/// The DN of a group of the directory.
fn group_dn(group: &str, base_dn: &str) -> String {
    format!("cn={group},ou=groups,{base_dn}")
}

/// The name of the configured LDAP server's group with this DN (`None` when it has none),
/// or the error of a server that cannot be reached.
pub(super) fn ldap_group_name(s: &SimState, dn: &str) -> ApiResult<Option<String>> {
    let base_dn = open(s)?;
    Ok(GROUPS
        .iter()
        .find(|g| group_dn(g, &base_dn).eq_ignore_ascii_case(dn))
        .map(|g| (*g).to_owned()))
}

/// Whether the configured, reachable LDAP server has a group with this DN.
pub(super) fn ldap_group_dn_exists(s: &SimState, dn: &str) -> bool {
    ldap_group_name(s, dn).is_ok_and(|name| name.is_some())
}

pub(crate) fn search_groups(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let base_dn = open(s)?;
    let name = ctx.query("groupname").unwrap_or_default();
    let dn = ctx.query("groupdn").unwrap_or_default();
    let attribute = match config(s, "ldap_group_attribute_name") {
        "" => "cn",
        a => a,
    };
    let found: Vec<Value> = GROUPS
        .iter()
        .map(|g| (g, group_dn(g, &base_dn)))
        .filter(|(g, group_dn)| {
            // The name wins over the DN; with neither, Harbor searches nothing.
            if !name.is_empty() {
                attribute.eq_ignore_ascii_case("cn") && g.eq_ignore_ascii_case(name)
            } else {
                !dn.is_empty() && group_dn.eq_ignore_ascii_case(dn)
            }
        })
        .map(|(g, group_dn)| json!({"group_name": g, "ldap_group_dn": group_dn}))
        .collect();
    if found.is_empty() {
        return Err(ApiError::not_found(format!(
            "resource not found: group name:{name}, group DN:{dn}"
        )));
    }
    Ok(Reply::ok(&found))
}

#[derive(Deserialize)]
struct ImportReq {
    #[serde(default)]
    ldap_uid_list: Vec<String>,
}

pub(crate) fn import_users(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: ImportReq = ctx.json()?;
    let base_dn = open(s)?;
    let onboards = config(s, "auth_mode") == "ldap_auth";
    let mut failed = Vec::new();
    for uid in req.ldap_uid_list {
        if uid.is_empty() {
            failed.push(json!({"uid": uid, "error": "empty_uid"}));
            continue;
        }
        let Some(person) = people(s, &base_dn, &uid).into_iter().next() else {
            failed.push(json!({"uid": uid, "error": "unknown_user"}));
            continue;
        };
        let username = person["username"].as_str().unwrap_or_default().to_owned();
        let exists = s.users.values().any(|u| u.username == username);
        let onboarded = onboards
            && (exists
                || s.create_user(UserCreationReq {
                    username: Some(username),
                    email: person["email"].as_str().map(str::to_owned),
                    realname: person["realname"].as_str().map(str::to_owned),
                    comment: Some("from LDAP.".into()),
                    password: Some(ONBOARD_PASSWORD.into()),
                })
                .is_ok());
        if !onboarded {
            failed.push(json!({"uid": uid, "error": format!("failed to import user: {uid}")}));
        }
    }
    if failed.is_empty() {
        Ok(Reply::empty(StatusCode::OK))
    } else {
        Ok(Reply::json(StatusCode::NOT_FOUND, &failed))
    }
}
