//! LDAP user and group search and user import (`src/server/v2.0/handler/ldap.go`,
//! `src/pkg/ldap/`).
//!
//! The simulator opens no connection: the LDAP server Harbor is configured with
//! (`ldap_url`) answers when its host is reachable ([`crate::state::Reachability`]), and
//! then holds [`crate::state::LdapDirectory`]. Every search first binds as the configured
//! `ldap_search_dn` with `ldap_search_password`; a server that is unreachable or unset, or
//! a bind the directory refuses, is the uncoded error Harbor turns into a 500.
//!
//! As in Harbor: a user search matches the attribute named by `ldap_uid` exactly (all
//! people when the name is empty), among the people within `ldap_base_dn` and `ldap_scope`; a group search matches the group name attribute
//! (`cn` by default) or a whole DN (one that does not parse is an uncoded error, 500), and
//! finding nothing is a 404; an import searches each
//! uid and onboards it through the current auth mode, which only `ldap_auth` can do (the
//! database authenticator's `OnBoardUser` sets no user id, so every import under `db_auth`
//! fails with `failed to import user: ...`); any failure answers 404 with the failed list.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::ldap_directory::{BindRefusal, in_scope, parse_dn, same_dn};
use crate::state::users::UserCreationReq;

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

/// The go-ldap error text of a refused bind (`LDAP Result Code <n> "<name>": <diagnostic>`;
/// OpenLDAP sends no diagnostic for these two).
pub(crate) fn bind_error(refusal: BindRefusal) -> &'static str {
    match refusal {
        BindRefusal::InvalidCredentials => "LDAP Result Code 49 \"Invalid Credentials\": ",
        BindRefusal::InvalidDnSyntax => "LDAP Result Code 34 \"Invalid DN Syntax\": ",
    }
}

/// Whether the configured server is reached, or the error of one that is not.
fn reach(s: &SimState) -> ApiResult<()> {
    let url = config(s, "ldap_url");
    if url.is_empty() || !s.reachability.reaches(url) {
        // Harbor's session fails to dial and the handler passes the error on uncoded.
        return Err(ApiError::uncoded(format!(
            "LDAP server {url:?} unreachable"
        )));
    }
    Ok(())
}

/// The bind every search starts with, as the configured search DN (`SearchLdapAttribute`),
/// or why the directory refused it (go-ldap refuses an empty password before sending it).
fn search_bind(s: &SimState) -> Result<(), String> {
    let password = config(s, "ldap_search_password");
    if password.is_empty() {
        return Err(
            "LDAP Result Code 206 \"Empty password not allowed by the client\": \
                    ldap: empty password not allowed by the client"
                .into(),
        );
    }
    s.ldap_directory
        .bind(config(s, "ldap_search_dn"), password)
        .map_err(|r| bind_error(r).to_owned())
}

/// The configured server reached and bound as the search DN, or the uncoded error Harbor
/// answers 500 with: `can not bind search dn, error: ...` from `SearchLdapAttribute`.
fn open(s: &SimState) -> ApiResult<()> {
    reach(s)?;
    search_bind(s).map_err(|e| ApiError::uncoded(format!("can not bind search dn, error: {e}")))
}

/// Harbor's `LdapUser` (with its DN) for the people under the configured base DN and scope
/// whose `ldap_uid` attribute is `name` (all for ""); LDAP matches these attributes without
/// case.
fn people(s: &SimState, name: &str) -> Vec<Value> {
    let attribute = match config(s, "ldap_uid") {
        "" => "cn",
        a => a,
    };
    let base = config(s, "ldap_base_dn");
    let scope = s
        .configurations
        .get("ldap_scope")
        .and_then(Value::as_i64)
        .unwrap_or(2);
    s.ldap_directory
        .people()
        .filter(|(dn, _)| in_scope(dn, base, scope))
        .filter_map(|(dn, p)| {
            let value = match attribute.to_ascii_lowercase().as_str() {
                "uid" | "cn" => p.uid.as_str(),
                "mail" | "email" => p.mail.as_str(),
                _ => return None,
            };
            (name.is_empty() || value.eq_ignore_ascii_case(name))
                .then(|| json!({"username": value, "realname": p.uid, "email": p.mail, "dn": dn}))
        })
        .collect()
}

pub(crate) fn search_users(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    open(s)?;
    let found: Vec<Value> = people(s, ctx.query("username").unwrap_or_default())
        .into_iter()
        .map(|mut p| {
            p.as_object_mut().map(|o| o.remove("dn"));
            p
        })
        .collect();
    Ok(Reply::ok(&found))
}

/// The name of the configured LDAP server's group with this DN (`None` when it has none),
/// or the error of a server that cannot be reached or bound.
pub(super) fn ldap_group_name(s: &SimState, dn: &str) -> ApiResult<Option<String>> {
    open(s)?;
    Ok(s.ldap_directory
        .groups()
        .find(|(group_dn, _)| same_dn(group_dn, dn))
        .map(|(_, g)| g.to_owned()))
}

/// Whether the configured, reachable LDAP server has a group with this DN.
pub(super) fn ldap_group_dn_exists(s: &SimState, dn: &str) -> bool {
    ldap_group_name(s, dn).is_ok_and(|name| name.is_some())
}

/// `SearchLdapGroup` (`ldap.Manager.SearchGroup`): by name when one is given, else by DN;
/// a DN go-ldap's `ParseDN` refuses is the manager's uncoded `invalid DN: <err>` (500), and
/// finding nothing is 404.
pub(crate) fn search_groups(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    open(s)?;
    let name = ctx.query("groupname").unwrap_or_default();
    let dn = ctx.query("groupdn").unwrap_or_default();
    if name.is_empty() && !dn.is_empty() && parse_dn(dn).is_none() {
        return Err(ApiError::uncoded(format!(
            "invalid DN: DN {dn:?} does not parse"
        )));
    }
    let attribute = match config(s, "ldap_group_attribute_name") {
        "" => "cn",
        a => a,
    };
    let found: Vec<Value> = s
        .ldap_directory
        .groups()
        .filter(|(group_dn, g)| {
            // The name wins over the DN; with neither, Harbor searches nothing.
            if !name.is_empty() {
                attribute.eq_ignore_ascii_case("cn") && g.eq_ignore_ascii_case(name)
            } else {
                !dn.is_empty() && same_dn(group_dn, dn)
            }
        })
        .map(|(group_dn, g)| json!({"group_name": g, "ldap_group_dn": group_dn}))
        .collect();
    if found.is_empty() {
        return Err(ApiError::not_found(format!(
            "resource not found: group name:{name}, group DN:{dn}"
        )));
    }
    Ok(Reply::ok(&found))
}

/// `SearchAndOnBoardUser` under `ldap_auth` (`src/core/auth/ldap/ldap.go`: `SearchUser`,
/// `OnBoardUser`; `user.Manager.Onboard`): the id of the directory's person whose `ldap_uid`
/// attribute is `name`, the database's user of that name or one created for it. A server
/// that is not reached is `failed to load system ldap config, ...`, a refused search bind
/// `failed to search user in ldap` (both uncoded, 500); nobody found is 404
/// `no user found: <name>`; the user table's conflicts are its 409.
pub(super) fn search_and_onboard_user(s: &mut SimState, name: &str) -> ApiResult<i64> {
    reach(s).map_err(|e| {
        ApiError::uncoded(format!("failed to load system ldap config, {}", e.message))
    })?;
    search_bind(s).map_err(|_| ApiError::uncoded("failed to search user in ldap"))?;
    // Harbor takes the first entry when several match.
    let Some(person) = people(s, name).into_iter().next() else {
        return Err(ApiError::not_found(format!("no user found: {name}")));
    };
    let text = |key: &str| person[key].as_str().unwrap_or_default().trim().to_owned();
    let username = text("username");
    if let Some(user) = s.users.values().find(|u| u.username == username) {
        return Ok(user.user_id);
    }
    let mut email = text("email");
    if email.is_empty() && username.contains('@') {
        email.clone_from(&username);
    }
    s.create_user(UserCreationReq {
        username: Some(username),
        email: Some(email),
        realname: Some(text("realname")),
        comment: Some("from LDAP.".into()),
        password: Some(ONBOARD_PASSWORD.into()),
    })
}

#[derive(Deserialize)]
struct ImportReq {
    #[serde(default)]
    ldap_uid_list: Vec<String>,
}

pub(crate) fn import_users(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: ImportReq = ctx.json()?;
    open(s)?;
    let onboards = config(s, "auth_mode") == "ldap_auth";
    let mut failed = Vec::new();
    for uid in req.ldap_uid_list {
        if uid.is_empty() {
            failed.push(json!({"uid": uid, "error": "empty_uid"}));
            continue;
        }
        let Some(person) = people(s, &uid).into_iter().next() else {
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
