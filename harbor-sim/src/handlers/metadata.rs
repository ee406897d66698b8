//! Project metadata: string values by name, checked and normalised as Harbor's
//! `src/server/v2.0/handler/project_metadata.go` (`validate`) does, stored as its metadata
//! manager stores them (`src/pkg/project/metadata/manager.go`): an add of a name already set
//! is a conflict, a read, update or delete of a name not set changes nothing and is no error.

use std::collections::BTreeMap;

use axum::http::StatusCode;

use super::projects::project_of;

use crate::binding::{convert_int, go_quote};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::{Project, SimState};

/// The names whose value is a boolean (`strconv.ParseBool`), stored as `true`/`false`.
const BOOLEANS: &[&str] = &[
    "public",
    "enable_content_trust",
    "enable_content_trust_cosign",
    "auto_sbom_generation",
    "prevent_vul",
    "auto_scan",
    "reuse_sys_cve_allowlist",
    "proxy_cache_local_on_not_found",
    "proxy_referrer_api",
];

const FILTER_KIND: &str = "proxy_cache_filter_kind";
const FILTER_PATTERN: &str = "proxy_cache_filter_pattern";

fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::bad_request(message)
}

fn invalid_value(value: &str) -> ApiError {
    bad_request(format!("invalid value: {value}"))
}

/// Go's `strconv.ParseBool`.
pub(crate) fn parse_go_bool(value: &str) -> Option<bool> {
    match value {
        "1" | "t" | "T" | "TRUE" | "true" | "True" => Some(true),
        "0" | "f" | "F" | "FALSE" | "false" | "False" => Some(false),
        _ => None,
    }
}

/// A severity as `vuln.ParseSeverityVersion3` reads it after Harbor lower-cases it:
/// `negligible` is `none`, anything but the CVSS v3 ratings is unknown.
fn severity(value: &str) -> Option<&'static str> {
    Some(match value.to_lowercase().as_str() {
        "none" | "negligible" => "none",
        "low" => "low",
        "medium" => "medium",
        "high" => "high",
        "critical" => "critical",
        _ => return None,
    })
}

/// Whether `pattern` is a doublestar pattern Harbor's `validateDoublestarPattern`
/// (`src/lib/pattern/matcher.go`) accepts: escapes complete, classes closed and not empty,
/// alternatives balanced. A blank pattern matches everything.
pub(crate) fn valid_doublestar(pattern: &str) -> bool {
    let b = pattern.trim().as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\\' => i += 1,
            b'[' => {
                i += 1;
                if matches!(b.get(i), Some(b'^' | b'!')) {
                    i += 1;
                }
                if matches!(b.get(i), None | Some(b']')) {
                    return false;
                }
                loop {
                    match b.get(i) {
                        None => return false,
                        Some(b'\\') => i += 1,
                        Some(b']') => break,
                        Some(_) => {}
                    }
                    i += 1;
                }
            }
            b'{' => depth += 1,
            b'}' if depth == 0 => return false,
            b'}' => depth -= 1,
            _ => {}
        }
        if i >= b.len() {
            // An escape at the very end.
            return false;
        }
        i += 1;
    }
    depth == 0
}

/// Checks that `pattern` is valid for `kind` (`pattern.ValidateRepositoryFilter`): the
/// error text Harbor appends. Go's `strings.TrimSpace` comes first (a blank pattern is
/// valid); a regular expression must compile as Go's `regexp.Compile("^(?:" + p + ")$")`
/// does ([`crate::go_regexp::compile_error`], Go's RE2 syntax and its error text).
pub(crate) fn filter_error(pattern: &str, kind: &str) -> Option<String> {
    let pattern = pattern.trim();
    if pattern.is_empty() {
        return None;
    }
    match kind {
        "regex" => crate::go_regexp::compile_error(&format!("^(?:{pattern})$")),
        "doublestar" | "" => (!valid_doublestar(pattern)).then(|| "syntax error in pattern".into()),
        other => Some(format!(
            "unsupported repository filter kind {}",
            go_quote(other)
        )),
    }
}

/// Harbor's `validate`: exactly one pair, a known name, a value of its kind; the value as
/// Harbor stores it.
fn validate(project: &Project, metas: &BTreeMap<String, String>) -> ApiResult<(String, String)> {
    let mut pairs = metas.iter();
    let (Some((key, value)), None) = (pairs.next(), pairs.next()) else {
        return Err(bad_request("only allow one key/value pair"));
    };
    let stored = match key.as_str() {
        k if BOOLEANS.contains(&k) => parse_go_bool(value)
            .ok_or_else(|| invalid_value(value))?
            .to_string(),
        "severity" => severity(value).ok_or_else(|| invalid_value(value))?.into(),
        "proxy_speed_kb" => convert_int(value, 32)
            .ok_or_else(|| invalid_value(value))?
            .to_string(),
        "max_upstream_conn" => {
            let v = convert_int(value, 32).ok_or_else(|| invalid_value(value))?;
            if v <= 0 && v != -1 {
                return Err(bad_request(format!("invalid value for {key}: {v}")));
            }
            v.to_string()
        }
        FILTER_PATTERN => {
            require_proxy(project)?;
            let kind = project
                .metadata
                .get(FILTER_KIND)
                .filter(|k| !k.is_empty())
                .map_or("doublestar", String::as_str);
            if let Some(e) = filter_error(value, kind) {
                return Err(bad_request(format!(
                    "invalid proxy_cache_filter_pattern: {}, err: {e}",
                    go_quote(value)
                )));
            }
            value.clone()
        }
        FILTER_KIND => {
            require_proxy(project)?;
            if !["", "regex", "doublestar"].contains(&value.as_str()) {
                return Err(bad_request(format!(
                    "invalid proxy_cache_filter_kind: {value:?}, must be \"doublestar\" or \"regex\""
                )));
            }
            let kind = if value.is_empty() {
                "doublestar"
            } else {
                value
            };
            if let Some(pattern) = project
                .metadata
                .get(FILTER_PATTERN)
                .filter(|p| !p.is_empty())
                && let Some(e) = filter_error(pattern, kind)
            {
                return Err(bad_request(format!(
                    "existing proxy_cache_filter_pattern {} is invalid for new kind {}: {e}",
                    go_quote(pattern),
                    go_quote(kind)
                )));
            }
            value.clone()
        }
        _ => return Err(bad_request(format!("invalid key: {key}"))),
    };
    Ok((key.clone(), stored))
}

fn require_proxy(project: &Project) -> ApiResult<()> {
    if project.registry_id.is_some_and(|r| r > 0) {
        Ok(())
    } else {
        Err(bad_request(
            "can not update the normal project with proxy cache filter metadata",
        ))
    }
}

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    Ok(Reply::ok(&s.projects[&id].metadata))
}

pub(crate) fn add(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    // No body is a nil map (the spec does not require one): `validate`'s "one pair" refuses it.
    let metas: BTreeMap<String, String> = ctx.optional_json()?;
    let id = project_of(ctx, s)?;
    let (key, value) = validate(&s.projects[&id], &metas)?;
    let Some(mut project) = s.projects.get_mut(&id) else {
        return Err(ApiError::uncoded(format!("project {id} not found")));
    };
    // The metadata DAO's insert meets the unique (project, name) key.
    if project.metadata.contains_key(&key) {
        return Err(ApiError::conflict(format!(
            "metadata {key} already exists for project {id}"
        )));
    }
    project.metadata.insert(key, value);
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = project_of(ctx, s)?;
    let name = ctx.path("meta_name");
    // The manager lists the rows named: none is an empty map, not an error.
    let found: BTreeMap<&str, &String> = s.projects[&id]
        .metadata
        .get(name)
        .map(|value| (name, value))
        .into_iter()
        .collect();
    Ok(Reply::ok(&found))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let name = ctx.path("meta_name").to_owned();
    let mut body: BTreeMap<String, String> = ctx.optional_json()?;
    // Only the path's name is read from the body; absent, its value is empty.
    let metas = BTreeMap::from([(name.clone(), body.remove(&name).unwrap_or_default())]);
    let id = project_of(ctx, s)?;
    let (key, value) = validate(&s.projects[&id], &metas)?;
    let Some(mut project) = s.projects.get_mut(&id) else {
        return Err(ApiError::uncoded(format!("project {id} not found")));
    };
    // An update of a name not set updates no row.
    if let Some(stored) = project.metadata.get_mut(&key) {
        *stored = value;
    }
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let name = ctx.path("meta_name");
    let id = project_of(ctx, s)?;
    let Some(mut project) = s.projects.get_mut(&id) else {
        return Err(ApiError::uncoded(format!("project {id} not found")));
    };
    if name == FILTER_KIND
        && project
            .metadata
            .get(FILTER_PATTERN)
            .is_some_and(|p| !p.is_empty())
    {
        return Err(bad_request(format!(
            "cannot delete {FILTER_KIND} when {FILTER_PATTERN} is not empty, please clear the pattern first"
        )));
    }
    // A delete of a name not set deletes no row.
    project.metadata.remove(name);
    Ok(Reply::empty(StatusCode::OK))
}
