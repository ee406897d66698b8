//! Harbor's system configuration: the user-scope items of its config manager
//! (`src/lib/config/metadata/metadatalist.go`), their types and defaults, and the checks
//! `PUT /configurations` runs (`src/controller/config/controller.go`, `validateCfg`, and
//! `src/pkg/config/manager.go`, `ValidateCfg`).
//!
//! `GET /configurations` answers every item as `{"value": ..., "editable": true}`, except
//! secrets, which Harbor never answers. A `PUT` body is read as Harbor's go-swagger layer
//! reads it into `models.Configurations`: a key that model does not have is dropped
//! silently (so it is neither stored nor answered), a known key of the wrong JSON type is a
//! 422, and a value its item type refuses is a 400.

use std::collections::BTreeMap;

use serde_json::{Map, Value, json};

use super::SimState;
use crate::errors::{ApiError, ApiResult};

/// The type of a configuration item, as far as checking a value goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemKind {
    /// Any string.
    Text,
    /// A string that is never answered (a password or client secret).
    Secret,
    /// A boolean.
    Bool,
    /// A whole number.
    Int,
    /// A whole number greater than zero (token and session lifetimes).
    PositiveInt,
    /// An LDAP search scope: 0, 1 or 2.
    LdapScope,
    /// A storage quota: -1 or greater than zero.
    Quota,
    /// One of a fixed set of strings.
    OneOf(&'static [&'static str]),
}

/// One configuration item: its name, type and default.
#[derive(Debug, Clone, Copy)]
pub struct Item {
    /// The key on the wire.
    pub name: &'static str,
    /// Its type.
    pub kind: ItemKind,
    /// Its default value as JSON text.
    pub default: &'static str,
}

const AUTH_MODES: &[&str] = &["db_auth", "ldap_auth", "uaa_auth", "http_auth", "oidc_auth"];

macro_rules! items {
    ($($name:literal: $kind:expr => $default:literal,)*) => {
        /// Every user-scope item `PUT /configurations` accepts, with its default.
        pub const ITEMS: &[Item] = &[$(Item { name: $name, kind: $kind, default: $default }),*];
    };
}

items! {
    "auth_mode": ItemKind::OneOf(AUTH_MODES) => "\"db_auth\"",
    "primary_auth_mode": ItemKind::Bool => "false",
    "ldap_base_dn": ItemKind::Text => "\"\"",
    "ldap_filter": ItemKind::Text => "\"\"",
    "ldap_group_base_dn": ItemKind::Text => "\"\"",
    "ldap_group_admin_dn": ItemKind::Text => "\"\"",
    "ldap_group_attribute_name": ItemKind::Text => "\"\"",
    "ldap_group_search_filter": ItemKind::Text => "\"\"",
    "ldap_group_search_scope": ItemKind::LdapScope => "2",
    "ldap_group_attach_parallel": ItemKind::Bool => "false",
    "ldap_scope": ItemKind::LdapScope => "2",
    "ldap_search_dn": ItemKind::Text => "\"\"",
    "ldap_search_password": ItemKind::Secret => "\"\"",
    "ldap_timeout": ItemKind::Int => "5",
    "ldap_uid": ItemKind::Text => "\"cn\"",
    "ldap_url": ItemKind::Text => "\"\"",
    "ldap_verify_cert": ItemKind::Bool => "true",
    "ldap_group_membership_attribute": ItemKind::Text => "\"memberof\"",
    "project_creation_restriction": ItemKind::OneOf(&["everyone", "adminonly"]) => "\"everyone\"",
    "read_only": ItemKind::Bool => "false",
    "self_registration": ItemKind::Bool => "false",
    "token_expiration": ItemKind::PositiveInt => "30",
    "uaa_client_id": ItemKind::Text => "\"\"",
    "uaa_client_secret": ItemKind::Secret => "\"\"",
    "uaa_endpoint": ItemKind::Text => "\"\"",
    "uaa_verify_cert": ItemKind::Bool => "false",
    "http_authproxy_endpoint": ItemKind::Text => "\"\"",
    "http_authproxy_tokenreview_endpoint": ItemKind::Text => "\"\"",
    "http_authproxy_admin_groups": ItemKind::Text => "\"\"",
    "http_authproxy_admin_usernames": ItemKind::Text => "\"\"",
    "http_authproxy_verify_cert": ItemKind::Bool => "true",
    "http_authproxy_skip_search": ItemKind::Bool => "false",
    "http_authproxy_server_certificate": ItemKind::Text => "\"\"",
    "oidc_name": ItemKind::Text => "\"\"",
    "oidc_endpoint": ItemKind::Text => "\"\"",
    "oidc_client_id": ItemKind::Text => "\"\"",
    "oidc_client_secret": ItemKind::Secret => "\"\"",
    "oidc_groups_claim": ItemKind::Text => "\"\"",
    "oidc_admin_group": ItemKind::Text => "\"\"",
    "oidc_group_filter": ItemKind::Text => "\"\"",
    "oidc_scope": ItemKind::Text => "\"\"",
    "oidc_user_claim": ItemKind::Text => "\"\"",
    "oidc_verify_cert": ItemKind::Bool => "true",
    "oidc_auto_onboard": ItemKind::Bool => "false",
    "oidc_extra_redirect_parms": ItemKind::Text => "\"{}\"",
    "oidc_logout": ItemKind::Bool => "false",
    "robot_token_duration": ItemKind::PositiveInt => "30",
    "robot_name_prefix": ItemKind::Text => "\"robot$\"",
    "notification_enable": ItemKind::Bool => "true",
    "quota_per_project_enable": ItemKind::Bool => "true",
    "storage_per_project": ItemKind::Quota => "-1",
    "audit_log_forward_endpoint": ItemKind::Text => "\"\"",
    "skip_audit_log_database": ItemKind::Bool => "false",
    "session_timeout": ItemKind::PositiveInt => "60",
    "scanner_skip_update_pulltime": ItemKind::Bool => "false",
    "banner_message": ItemKind::Text => "\"\"",
    "disabled_audit_log_event_types": ItemKind::Text => "\"\"",
}

/// The largest lifetime Harbor's UI takes (`UIMaxLengthLimitedOfNumber` nines).
const MAX_LIFETIME: i64 = 99_999_999_999_999;

/// The configuration of a fresh Harbor.
pub fn defaults() -> BTreeMap<String, Value> {
    ITEMS
        .iter()
        .map(|i| {
            let value = serde_json::from_str(i.default).unwrap_or(Value::Null);
            (i.name.to_owned(), value)
        })
        .collect()
}

fn item(name: &str) -> Option<&'static Item> {
    ITEMS.iter().find(|i| i.name == name)
}

/// A value of the wrong JSON type: go-swagger's binding refuses it before Harbor sees it.
fn wrong_type(name: &str, want: &str) -> ApiError {
    ApiError::unprocessable(format!("{name} in body must be of type {want}"))
}

/// go-swagger's binding of `models.Configurations`: a value of the wrong JSON type is 422.
fn check_type(item: &Item, value: &Value) -> ApiResult<()> {
    let name = item.name;
    let ok = match item.kind {
        ItemKind::Text | ItemKind::Secret | ItemKind::OneOf(_) => value.is_string(),
        ItemKind::Bool => value.is_boolean(),
        ItemKind::Int | ItemKind::PositiveInt | ItemKind::LdapScope | ItemKind::Quota => {
            value.as_i64().is_some()
        }
    };
    if ok {
        return Ok(());
    }
    let want = match item.kind {
        ItemKind::Bool => "boolean",
        ItemKind::Int | ItemKind::PositiveInt | ItemKind::LdapScope | ItemKind::Quota => "integer",
        _ => "string",
    };
    Err(wrong_type(name, want))
}

/// Harbor's `CfgManager.ValidateCfg` for one item (`src/pkg/config/manager.go`, the item
/// types of `src/lib/config/metadata/type.go`), as the controller sends it:
/// `errors.BadRequestError(err)`, so `bad request: <err>`.
fn check_value(item: &Item, value: &Value) -> ApiResult<()> {
    let name = item.name;
    let bad = |e: String| Err(ApiError::bad_request(format!("bad request: {e}")));
    match item.kind {
        ItemKind::LdapScope if !(0..=2).contains(&value.as_i64().unwrap_or(-1)) => bad(format!(
            "item name {name}: invalid scope, should be 0, 1 or 2"
        )),
        // `lib.ValidateQuotaLimit` runs before the item type's own check, which it makes
        // unreachable.
        ItemKind::Quota => {
            let n = value.as_i64().unwrap_or_default();
            if n <= 0 && n != -1 {
                bad(format!(
                    "invalid non-positive value for quota limit, value={n}"
                ))
            } else if n > 1_125_899_906_842_624 {
                bad(format!(
                    "exceeded 1024TB, which is 1125899906842624 Bytes, value={n}"
                ))
            } else {
                Ok(())
            }
        }
        ItemKind::OneOf(allowed) if !allowed.contains(&value.as_str().unwrap_or_default()) => {
            if name == "auth_mode" {
                // Harbor's spelling.
                bad(format!(
                    "item name {name}: invalid {name}, shoud be one of {}",
                    allowed.join(", ")
                ))
            } else {
                bad(format!(
                    "item name {name}: invalid {name}, should be adminonly or everyone"
                ))
            }
        }
        ItemKind::Text
            if name == "robot_name_prefix"
                && value.as_str().is_some_and(|p| p.trim().is_empty()) =>
        {
            bad("robot_name_prefix cannot be empty or contain only spaces".into())
        }
        _ => Ok(()),
    }
}

/// Harbor's `verifyValueLengthCfg`: token, robot token and session lifetimes are positive
/// and at most `UIMaxLengthLimitedOfNumber` nines (a message of its own, no prefix).
fn check_lifetime(item: &Item, value: &Value) -> ApiResult<()> {
    let name = item.name;
    let n = value.as_i64().unwrap_or_default();
    if n <= 0 {
        return Err(ApiError::bad_request(format!(
            "the {name} value must be positive"
        )));
    }
    if n > MAX_LIFETIME {
        return Err(ApiError::bad_request(format!(
            "the {name} value is over the limit value: {MAX_LIFETIME}"
        )));
    }
    Ok(())
}

impl SimState {
    /// Whether the auth mode may still change: no user but the admin exists
    /// (`authModeCanBeModified`: the user manager's count leaves out the default admin and
    /// deleted users).
    fn auth_mode_can_change(&self) -> bool {
        self.users.len() <= 1
    }

    /// The robot accounts' name prefix (`robot_name_prefix`, `robot$` by default).
    pub fn robot_prefix(&self) -> &str {
        self.configurations
            .get("robot_name_prefix")
            .and_then(Value::as_str)
            .unwrap_or("robot$")
    }

    /// `GET /configurations`: every item but the secrets, as `{value, editable}`
    /// (`scan_all_policy`, a map item that is never set here, is absent as in Harbor);
    /// `auth_mode` is editable only while no user but the admin exists (`ConvertForGet`).
    pub fn configurations_view(&self) -> Value {
        let mut out = Map::new();
        for item in ITEMS.iter().filter(|i| i.kind != ItemKind::Secret) {
            let value = self
                .configurations
                .get(item.name)
                .cloned()
                .unwrap_or(Value::Null);
            let editable = item.name != "auth_mode" || self.auth_mode_can_change();
            out.insert(
                item.name.into(),
                json!({"value": value, "editable": editable}),
            );
        }
        Value::Object(out)
    }

    /// `PUT /configurations` in the order of Harbor's `UpdateUserConfigs` and `validateCfg`:
    /// the body's types (go-swagger, 422), a change of auth mode while users exist, each
    /// item's `ValidateCfg` check, the LDAP group rule, the audit log rule, the lifetimes,
    /// then the audit endpoint's reachability; all stored or none.
    pub fn update_configurations(&mut self, body: Map<String, Value>) -> ApiResult<()> {
        // Keys `models.Configurations` lacks never reach Harbor's config manager.
        let known: Vec<(&'static Item, Value)> = body
            .into_iter()
            .filter_map(|(k, v)| item(&k).map(|i| (i, v)))
            .filter(|(_, v)| !v.is_null())
            .collect();
        for (item, value) in &known {
            check_type(item, value)?;
        }
        let get = |name: &str| -> Option<&Value> {
            known.iter().find(|(i, _)| i.name == name).map(|(_, v)| v)
        };
        if let Some(mode) = get("auth_mode")
            && Some(mode) != self.configurations.get("auth_mode")
            && !self.auth_mode_can_change()
        {
            return Err(ApiError::bad_request(
                "the auth mode cannot be modified as new users have been inserted into database",
            ));
        }
        for (item, value) in &known {
            check_value(item, value)?;
        }
        // `LdapGroupValidateRule`: with a group search filter (sent or stored), the group
        // name and membership attributes may not be empty.
        let merged = |name: &str| {
            get(name)
                .or_else(|| self.configurations.get(name))
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        let group_keys = [
            "ldap_group_search_filter",
            "ldap_group_attribute_name",
            "ldap_group_membership_attribute",
        ];
        if group_keys.iter().any(|k| get(k).is_some()) && !merged(group_keys[0]).is_empty() {
            if merged(group_keys[1]).is_empty() {
                return Err(ApiError::bad_request(
                    "bad request: ldap group name attribute can not be empty",
                ));
            }
            if merged(group_keys[2]).is_empty() {
                return Err(ApiError::bad_request(
                    "bad request: ldap group membership attribute can not be empty",
                ));
            }
        }
        let endpoint = merged("audit_log_forward_endpoint");
        let skip = get("skip_audit_log_database")
            .or_else(|| self.configurations.get("skip_audit_log_database"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let touches_audit =
            get("audit_log_forward_endpoint").is_some() || get("skip_audit_log_database").is_some();
        if touches_audit && skip && endpoint.is_empty() {
            return Err(ApiError::bad_request(
                "bad request: audit log forward endpoint should be configured before enable skip audit log in database",
            ));
        }
        for (item, value) in &known {
            if item.kind == ItemKind::PositiveInt {
                check_lifetime(item, value)?;
            }
        }
        if get("audit_log_forward_endpoint").is_some()
            && !endpoint.is_empty()
            && !self.reachability.reaches(&endpoint)
        {
            return Err(ApiError::bad_request(format!(
                "bad request: could not connect to the audit endpoint: {endpoint}"
            )));
        }
        for (item, value) in known {
            let value = match (item.name, value) {
                ("robot_name_prefix", Value::String(s)) => Value::String(s.trim().to_owned()),
                (_, v) => v,
            };
            self.configurations.insert(item.name.to_owned(), value);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_cover_every_item_with_its_type() {
        let d = defaults();
        assert_eq!(d.len(), ITEMS.len());
        for i in ITEMS {
            check_type(i, &d[i.name]).unwrap_or_else(|e| panic!("{}: {e}", i.name));
            check_value(i, &d[i.name]).unwrap_or_else(|e| panic!("{}: {e}", i.name));
        }
    }

    #[test]
    fn updates_are_checked_then_stored() {
        let mut s = SimState::with_admin("admin", "pw");
        let body = |v: Value| v.as_object().cloned().unwrap();
        s.update_configurations(body(json!({"token_expiration": 45, "bogus": 1})))
            .unwrap();
        assert_eq!(s.configurations["token_expiration"], json!(45));
        assert!(!s.configurations.contains_key("bogus"));
        let e = s
            .update_configurations(body(json!({"token_expiration": "x"})))
            .unwrap_err();
        assert_eq!(e.status, 422);
        let e = s
            .update_configurations(body(json!({"ldap_scope": 7})))
            .unwrap_err();
        assert_eq!(e.status, 400);
    }
}
