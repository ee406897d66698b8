//! Scanner registrations.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::vulnerabilities::REPORT_MIME;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "listScanners" => list,
        "createScanner" => create,
        "pingScanner" => ping,
        "getScanner" => get,
        "updateScanner" => update,
        "deleteScanner" => delete,
        "setScannerAsDefault" => set_default,
        "getScannerMetadata" => metadata,
        _ => return None,
    })
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    ctx.list(s.scanners.values().map(|sc| sc.doc.clone()).collect())
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    let id = write(state).create_scanner(req)?;
    Ok(Reply::created(ctx.location(id)))
}

/// `POST /scanners/ping`: the settings are checked (400), then the adapter is asked for its
/// metadata; an adapter whose host the simulated Harbor cannot reach makes Harbor answer 500
/// (the scanner controller wraps the dial error without a code), and so does the simulator.
fn ping(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    if req
        .get("name")
        .and_then(Value::as_str)
        .is_none_or(str::is_empty)
    {
        return Err(ApiError::bad_request("missing registration name"));
    }
    let url = req.get("url").and_then(Value::as_str).unwrap_or_default();
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(ApiError::bad_request(format!(
            "scanner adapter URL {url:?} is invalid"
        )));
    }
    if !read(state).reachability.reaches(url) {
        return Err(ApiError::internal());
    }
    Ok(Reply::empty(StatusCode::OK))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    Ok(Reply::ok(s.scanner(ctx.path("registration_id"))?))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    write(state).update_scanner(ctx.path("registration_id"), req)?;
    Ok(Reply::empty(StatusCode::OK))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path("registration_id");
    let mut s = write(state);
    let scanner = s.scanner(id)?.clone();
    if scanner.doc["is_default"] == json!(true) {
        return Err(ApiError::forbidden("the default scanner cannot be deleted"));
    }
    s.scanners.remove(id);
    s.project_scanners.retain(|_, v| v != id);
    Ok(Reply::ok(&scanner))
}

fn set_default(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: Value = ctx.json()?;
    if req.get("is_default") == Some(&json!(true)) {
        write(state).set_default_scanner(ctx.path("registration_id"))?;
    } else {
        read(state).scanner(ctx.path("registration_id"))?;
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// `GET /scanners/{id}/metadata`: Harbor asks the adapter (`GetMetadata` pings it,
/// `src/controller/scanner/base_controller.go`), so an adapter the simulated Harbor cannot
/// reach is a 500; a reachable one answers as Harbor's Trivy adapter does
/// (`pkg/http/api/v1/handler.go` of goharbor/harbor-scanner-trivy, with its default
/// settings): a vulnerability and an SBOM capability. Harbor passes on the scanner, the
/// capabilities' types and MIME types, and the properties.
fn metadata(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let sc = s.scanner(ctx.path("registration_id"))?;
    if !s
        .reachability
        .reaches(sc.doc["url"].as_str().unwrap_or_default())
    {
        return Err(ApiError::internal());
    }
    let manifests = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];
    Ok(Reply::ok(&json!({
        "scanner": {"name": sc.doc["adapter"], "vendor": sc.doc["vendor"], "version": sc.doc["version"]},
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
            "org.label-schema.version": sc.doc["version"],
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
