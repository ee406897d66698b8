//! The media-type checks go-openapi's runtime makes before it binds any parameter
//! (`middleware/validation.go`, `validateRequest`: `contentType`, then `responseFormat`, then
//! the parameters): a request with a body must name a `Content-Type` the operation consumes
//! (no header reads as `application/octet-stream`, `runtime.ContentType`), and an `Accept`
//! header, when sent, must accept what the operation produces
//! (`server-middleware/negotiate.ContentType`). A failure is one line of go-swagger's 422
//! `validation failure list:`, and the parameters are then not checked.
//!
//! Harbor's spec declares `consumes: [application/json]` once for every operation, so that is
//! the only type a body may have. Media-type parameters (`charset=utf-8`) never decide: the
//! spec's types have none.

use axum::http::HeaderMap;

use crate::binding::go_quote;
use crate::operation::OpSpec;

/// What every Harbor operation consumes (the spec's top-level `consumes`).
const CONSUMES: &str = "application/json";

/// A media type's `type/subtype`, lower case, without parameters; `None` when it has no
/// slash or an empty side (Go's `mime.ParseMediaType` refuses it).
fn essence(value: &str) -> Option<(String, String)> {
    let base = value
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (kind, sub) = base.split_once('/')?;
    (!kind.is_empty() && !sub.is_empty() && !sub.contains('/'))
        .then(|| (kind.to_owned(), sub.to_owned()))
}

/// Whether a media range and a media type agree, `*` on either side matching anything
/// (`mediatype.Matches`, types then subtypes).
fn agree(a: &(String, String), b: &(String, String)) -> bool {
    let any = |s: &str| s == "*";
    (any(&a.0) || any(&b.0) || a.0 == b.0)
        && (any(&a.0) || any(&b.0) || any(&a.1) || any(&b.1) || a.1 == b.1)
}

/// The `q` of one `Accept` entry (1 when absent or unreadable).
fn quality(entry: &str) -> f64 {
    entry
        .split(';')
        .skip(1)
        .filter_map(|p| p.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("q"))
        .and_then(|(_, v)| v.trim().parse().ok())
        .unwrap_or(1.0)
}

/// The media-type failure of a request to `op`, in go-openapi's words, if any.
pub fn check(op: &OpSpec, headers: &HeaderMap, has_body: bool) -> Option<String> {
    if has_body {
        let sent = headers
            .get(axum::http::header::CONTENT_TYPE)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let actual = sent
            .clone()
            .filter(|v| !v.is_empty())
            .unwrap_or_else(|| "application/octet-stream".to_owned());
        let Some(kind) = essence(&actual) else {
            return Some(format!(
                "parsing Content-Type header from {} failed, because mime: expected slash after first token",
                go_quote(&actual)
            ));
        };
        if !agree(&essence(CONSUMES)?, &kind) {
            return Some(format!(
                "unsupported media type {}, only [{CONSUMES}] are allowed",
                go_quote(&actual)
            ));
        }
    }
    let accepts: Vec<String> = headers
        .get_all(axum::http::header::ACCEPT)
        .iter()
        .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
        .collect();
    if accepts.is_empty() {
        return None;
    }
    let offer = essence(op.produces)?;
    let acceptable = accepts
        .iter()
        .flat_map(|v| v.split(','))
        .filter(|entry| quality(entry) > 0.0)
        .filter_map(essence)
        .any(|range| agree(&range, &offer));
    (!acceptable).then(|| {
        format!(
            "unsupported media type requested, only [{}] are available",
            op.produces
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.append(*k, HeaderValue::from_static(v));
        }
        h
    }

    #[test]
    fn bodies_need_json() {
        let op = OpSpec::by_id("createProject").unwrap();
        assert_eq!(
            check(
                op,
                &headers(&[("content-type", "application/json; charset=utf-8")]),
                true
            ),
            None
        );
        assert_eq!(check(op, &headers(&[("content-type", "*/*")]), true), None);
        assert_eq!(
            check(op, &headers(&[]), true).as_deref(),
            Some(
                r#"unsupported media type "application/octet-stream", only [application/json] are allowed"#
            )
        );
        assert_eq!(
            check(op, &headers(&[("content-type", "text/plain")]), true).as_deref(),
            Some(r#"unsupported media type "text/plain", only [application/json] are allowed"#)
        );
        assert!(
            check(op, &headers(&[("content-type", "json")]), true)
                .unwrap()
                .starts_with("parsing Content-Type header")
        );
        assert_eq!(check(op, &headers(&[]), false), None, "no body, no check");
    }

    #[test]
    fn accept_must_take_what_is_produced() {
        let log = OpSpec::by_id("getGCLog").unwrap();
        assert_eq!(log.produces, "text/plain");
        assert_eq!(check(log, &headers(&[]), false), None);
        assert_eq!(
            check(
                log,
                &headers(&[("accept", "application/json, text/plain, */*")]),
                false
            ),
            None
        );
        assert_eq!(check(log, &headers(&[("accept", "text/*")]), false), None);
        assert_eq!(
            check(log, &headers(&[("accept", "application/json")]), false).as_deref(),
            Some("unsupported media type requested, only [text/plain] are available")
        );
        assert!(check(log, &headers(&[("accept", "text/plain;q=0")]), false).is_some());
    }
}
