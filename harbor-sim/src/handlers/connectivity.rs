//! The connectivity checks that have no resource of their own: LDAP
//! (`src/server/v2.0/handler/ldap.go`, always 200 with `success` or `message`) and OIDC
//! (`oidc.go`, 400 `failed to verify connection`). Whether an endpoint answers is the
//! simulator's [`crate::state::Reachability`].

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult, NIL_POINTER_PANIC};
use crate::state::SimState;
use crate::state::ldap_directory::BindRefusal;

/// The body of a request, or `{}` when it has none.
pub(super) fn body_or_empty(ctx: &Ctx) -> ApiResult<Value> {
    if ctx.has_no_body() {
        Ok(json!({}))
    } else {
        ctx.json()
    }
}

/// Whether Harbor's `formatURL` and `Session.Open` take an LDAP URL before dialling: Go's
/// `url.Parse` takes it ([`crate::go_url::parse`]: `1.2.3.4:389` is refused, its first
/// path segment holding a colon), a scheme, when given, of `ldap` or `ldaps`; a host and
/// port `net.SplitHostPort` splits when the rest holds a `:` (`src/pkg/ldap/ldap.go`).
fn ldap_url_is_valid(url: &str) -> bool {
    if crate::go_url::parse(url).is_err() {
        return false;
    }
    let host_port = match url.split("://").collect::<Vec<_>>().as_slice() {
        [_] => url,
        [protocol, host_port, ..] if matches!(*protocol, "ldap" | "ldaps") => host_port,
        _ => return false,
    };
    if !host_port.contains(':') {
        return true;
    }
    match host_port.strip_prefix('[') {
        Some(v6) => v6
            .split_once("]:")
            .is_some_and(|(_, port)| !port.contains(':')),
        None => host_port.matches(':').count() == 1,
    }
}

/// `PingLdap` (`src/server/v2.0/handler/ldap.go`, `src/controller/ldap/controller.go`,
/// `ldap.TestConfig`): only the body's settings are tried, but for an empty search password,
/// which is the configured one under `ldap_auth`; the search DN binds to
/// [`crate::state::LdapDirectory`]. Always 200; a failure is
/// `{"message": "error: ..."}` and a success `{"success": true}` (go-swagger leaves out a
/// false `success` and an empty `message`). Without a body (the spec does not require one)
/// the handler reads the fields of a nil `Ldapconf` and panics: beego's bare 500.
pub(crate) fn ping_ldap(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    if ctx.body.is_empty() {
        return Err(ApiError::panicked(format!(
            "{NIL_POINTER_PANIC}: params.Ldapconf"
        )));
    }
    let body = body_or_empty(ctx)?;
    let text = |key: &str| body[key].as_str().unwrap_or_default();
    let config = |key: &str| {
        s.configurations
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or_default()
    };
    let failed = |error: &str| Ok(Reply::ok(&json!({ "message": format!("error: {error}") })));
    let password = match text("ldap_search_password") {
        "" if config("auth_mode") == "ldap_auth" => config("ldap_search_password"),
        given => given,
    };
    if password.is_empty() {
        return failed("empty password");
    }
    let url = text("ldap_url");
    if !ldap_url_is_valid(url) {
        return failed("fail to ping LDAP server");
    }
    if !s.reachability.reaches(url) {
        // Any dial error is a network error: `ErrLDAPServerTimeout`.
        return failed("ldap server network timeout");
    }
    if text("ldap_search_dn").is_empty() {
        return failed("empty search dn");
    }
    // Only a refusal for the credentials fails the ping; any other bind error (a DN that
    // does not parse) passes, as `TestConfig` looks at that result code alone.
    match s.ldap_directory.bind(text("ldap_search_dn"), password) {
        Err(BindRefusal::InvalidCredentials) => failed("invalid credential"),
        _ => Ok(Reply::ok(&json!({"success": true}))),
    }
}

pub(crate) fn ping_oidc(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let body = body_or_empty(ctx)?;
    let url = body["url"].as_str().unwrap_or_default();
    // go-oidc fetches `<url>/.well-known/openid-configuration` with Go's HTTP client, which
    // speaks `http` and `https` only (the scheme in any case).
    let scheme = url.split_once("://").map(|(s, _)| s.to_ascii_lowercase());
    let http = matches!(scheme.as_deref(), Some("http" | "https"));
    // Then the document must name the URL as given as its issuer (OI4).
    if !http || !s.reachability.oidc_discovery_succeeds(url) {
        return Err(ApiError::bad_request("failed to verify connection"));
    }
    Ok(Reply::empty(StatusCode::OK))
}
