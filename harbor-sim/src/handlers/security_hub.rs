//! The security hub (`src/server/v2.0/handler/security.go`): the summary of the default
//! scanner's reports and the vulnerability search over them
//! ([`crate::state::security_hub`]).

use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::query::Filter;
use crate::state::SimState;
use crate::state::security_hub::Finding;

pub(crate) fn summary(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let with_cves = ctx.query_bool("with_dangerous_cve").unwrap_or(false);
    let with_artifacts = ctx.query_bool("with_dangerous_artifact").unwrap_or(false);
    Ok(Reply::ok(&s.security_summary(with_cves, with_artifacts)))
}

/// The keys the search filters on and the form each takes (`filterMap` in
/// `src/pkg/securityhub/dao/security.go`): exact values, a range for the score.
const STRING_KEYS: [&str; 8] = [
    "cve_id",
    "severity",
    "status",
    "project_id",
    "repository_name",
    "package",
    "tag",
    "digest",
];

/// `checkQFilter`: an unknown key, or a key in another form than its own, is a 400.
fn check_filters(filters: &[Filter]) -> ApiResult<()> {
    for f in filters {
        let key = f.key();
        let allowed = match f {
            Filter::Exact(..) => STRING_KEYS.contains(&key),
            Filter::Range(..) => key == "cvss_score_v3",
            _ => false,
        };
        if !allowed {
            let known = STRING_KEYS.contains(&key) || key == "cvss_score_v3";
            return Err(ApiError::bad_request(if known {
                format!("keyword: {key}, the query type is not allowed")
            } else {
                format!("keyword: {key} is not allowed")
            }));
        }
    }
    Ok(())
}

/// Whether a finding meets a (checked) condition: exact columns compare as text; the score
/// range is SQL's `between`, which an open bound (`NULL`) never meets.
fn meets(finding: &Finding<'_>, filter: &Filter) -> bool {
    let a = finding.artifact;
    let c = &finding.cve;
    match filter {
        Filter::Exact(key, value) => match key.as_str() {
            "cve_id" => c.id == value,
            "severity" => c.severity == value,
            "status" => c.status() == value,
            "project_id" => a.project_id.to_string() == *value,
            "repository_name" => finding.repository == value,
            "package" => c.package == value,
            "tag" => a.tags.iter().any(|t| t.name == *value),
            _ => a.digest == *value,
        },
        Filter::Range(_, Some(min), Some(max)) => match (min.parse::<f64>(), max.parse::<f64>()) {
            (Ok(min), Ok(max)) => (min..=max).contains(&c.score),
            _ => false,
        },
        _ => false,
    }
}

/// `GET /security/vul`: Harbor's `VulnerabilityItem`s, paged; without a default scanner an
/// empty list with `X-Total-Count: 0`. With `tune_count`, a count above 1000 is -1
/// (`countExceedLimit`).
pub(crate) fn vulnerabilities(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let filters = ctx.filters()?;
    let with_tag = ctx.query_bool("with_tag").unwrap_or(false);
    check_filters(&filters)?;
    let rows: Vec<Finding<'_>> = s
        .findings_of_default_scanner()
        .into_iter()
        .filter(|f| filters.iter().all(|q| meets(f, q)))
        .collect();
    let total = rows.len();
    let docs: Vec<Value> = rows
        .iter()
        .skip(page.range(total).start)
        .take(page.range(total).len())
        .map(|f| item(f, with_tag))
        .collect();
    let mut reply = ctx.page_items(docs, total, page);
    if ctx.query_bool("tune_count").unwrap_or(false) && total > 1000 {
        for (name, value) in &mut reply.headers {
            if *name == "X-Total-Count" {
                *value = "-1".into();
            }
        }
    }
    Ok(reply)
}

fn item(f: &Finding<'_>, with_tag: bool) -> Value {
    let c = &f.cve;
    let mut doc = json!({
        "project_id": f.artifact.project_id,
        "repository_name": f.repository,
        "digest": f.artifact.digest,
        "cve_id": c.id,
        "severity": c.severity,
        "status": c.status(),
        "package": c.package,
        "version": c.version,
        "fixed_version": c.fix_version,
        "desc": c.description,
        "cvss_v3_score": c.score,
        "links": [c.link()],
        // Without tags Harbor's item has a nil slice, which go-swagger sends as null.
        "tags": null,
    });
    // Every string and number of go-swagger's `VulnerabilityItem` is `omitempty`: a finding
    // without a fix has no `fixed_version`, one without a score no `cvss_v3_score`.
    if let Some(fields) = doc.as_object_mut() {
        fields.retain(|_, v| v != "" && v != 0.0);
    }
    if with_tag && !f.artifact.tags.is_empty() {
        let tags: Vec<&str> = f.artifact.tags.iter().map(|t| t.name.as_str()).collect();
        doc["tags"] = json!(tags);
    }
    doc
}
