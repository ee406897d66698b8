//! Scanner registrations.

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::scanners::{ADAPTER, validate_registration};
use crate::state::vulnerabilities::REPORT_MIME;

/// `ListScanners`: the default first, then newest first (`ListRegistrations`' `OrderBy
/// ("-is_default", "-create_time")`); `name`, `description`, `url` match a part in any case,
/// `ex_name`, `ex_url` the whole value (read from the raw query).
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let raw = |k: &str| {
        ctx.query
            .iter()
            .find(|(n, v)| n == k && !v.is_empty())
            .map(|(_, v)| v.clone())
    };
    let mut scanners: Vec<_> = s
        .scanners
        .values()
        .filter(|sc| {
            ["name", "description", "url"].iter().all(|k| {
                raw(k).is_none_or(|v| {
                    let field = sc.doc[*k].as_str().unwrap_or_default().to_lowercase();
                    field.contains(&v.to_lowercase())
                })
            }) && ["name", "url"].iter().all(|k| {
                raw(&format!("ex_{k}")).is_none_or(|v| sc.doc[*k].as_str() == Some(v.as_str()))
            })
        })
        .collect();
    let key = |sc: &&crate::state::scanners::Scanner| {
        (
            sc.doc["is_default"] == json!(true),
            sc.doc["create_time"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    scanners.sort_by_key(|sc| std::cmp::Reverse(key(sc)));
    ctx.list(scanners.into_iter().map(|sc| s.scanner_view(sc)).collect())
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    let id = s.create_scanner(req)?;
    Ok(Reply::created(ctx.location(id)))
}

/// `POST /scanners/ping`: the settings are checked as a registration
/// (`validate_registration`, 400), then the adapter is asked for its metadata; an adapter
/// whose host the simulated Harbor cannot reach makes Harbor answer 500 (the scanner
/// controller wraps the dial error without a code), and so does the simulator.
pub(crate) fn ping(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    let text = |k: &str| req[k].as_str().unwrap_or_default();
    let url = validate_registration(
        text("name"),
        text("url"),
        text("auth"),
        text("access_credential"),
    )?;
    if !s.reachability.reaches(&url) {
        return Err(ApiError::uncoded(format!(
            "scanner controller: ping: adapter {url} unreachable"
        )));
    }
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let sc = s.scanner(ctx.path("registration_id"))?;
    Ok(Reply::ok(&s.scanner_view(sc)))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    s.update_scanner(ctx.path("registration_id"), req)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// `DeleteScanner`: 403 for an immutable registration (the installer's Trivy); any other,
/// the default included, is deleted and answered as stored.
pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path("registration_id");
    let scanner = s.scanner(id)?.clone();
    if scanner.immutable {
        return Err(ApiError::forbidden(format!(
            "registration {} is not allowed to delete as it is immutable: scanner API: delete",
            scanner.name()
        )));
    }
    s.scanners.remove(id);
    s.project_scanners.retain(|_, v| v != id);
    Ok(Reply::ok(&scanner))
}

/// `SetScannerAsDefault`: `is_default: false` does nothing (not even look the scanner up).
pub(crate) fn set_default(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    if req.get("is_default") == Some(&json!(true)) {
        s.set_default_scanner(ctx.path("registration_id"))?;
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// `GET /scanners/{id}/metadata`: Harbor asks the adapter (`GetMetadata` pings it,
/// `src/controller/scanner/base_controller.go`), so an adapter the simulated Harbor cannot
/// reach is a 500; a reachable one answers as Harbor's Trivy adapter does
/// (`pkg/http/api/v1/handler.go` of goharbor/harbor-scanner-trivy, with its default
/// settings): a vulnerability and an SBOM capability. Harbor passes on the scanner, the
/// capabilities' types and MIME types, and the properties.
pub(crate) fn metadata(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let sc = s.scanner(ctx.path("registration_id"))?;
    let url = sc.doc["url"].as_str().unwrap_or_default();
    if !s.reachability.reaches(url) {
        return Err(ApiError::uncoded(format!(
            "scanner controller: get metadata: adapter {url} unreachable"
        )));
    }
    let manifests = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];
    Ok(Reply::ok(&json!({
        "scanner": {"name": ADAPTER.0, "vendor": ADAPTER.1, "version": ADAPTER.2},
        "capabilities": [
            {
                "type": "vulnerability",
                "consumes_mime_types": manifests,
                "produces_mime_types": [REPORT_MIME],
            },
            {
                "type": "sbom",
                "consumes_mime_types": manifests,
                "produces_mime_types": ["application/vnd.security.sbom.report+json; version=1.0"],
            },
        ],
        "properties": {
            "harbor.scanner-adapter/scanner-type": "os-package-vulnerability",
            "harbor.scanner-adapter/vulnerability-database-updated-at": s.job_service.started_at,
            "harbor.scanner-adapter/vulnerability-database-next-update-at": s.job_service.started_at,
            "org.label-schema.version": ADAPTER.2,
            "org.label-schema.vcs": "https://github.com/aquasecurity/harbor-scanner-trivy",
            "env.SCANNER_TRIVY_SKIP_UPDATE": "false",
            "env.SCANNER_TRIVY_SKIP_JAVA_DB_UPDATE": "false",
            "env.SCANNER_TRIVY_OFFLINE_SCAN": "false",
            "env.SCANNER_TRIVY_IGNORE_UNFIXED": "false",
            "env.SCANNER_TRIVY_DEBUG_MODE": "false",
            "env.SCANNER_TRIVY_INSECURE": "false",
            "env.SCANNER_TRIVY_VULN_TYPE": "os,library",
            "env.SCANNER_TRIVY_SECURITY_CHECKS": "vuln",
            "env.SCANNER_TRIVY_SEVERITY": "UNKNOWN,LOW,MEDIUM,HIGH,CRITICAL",
            "env.SCANNER_TRIVY_TIMEOUT": "5m0s",
        }
    })))
}
