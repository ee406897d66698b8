//! Scanner registrations (Trivy is there from the start, as the default).

use serde::Serialize;
use serde_json::{Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A scanner: Harbor's `ScannerRegistration` document as answered (the registration's
/// columns), with what Harbor stores and never answers.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Scanner {
    /// The document.
    pub doc: Value,
    /// The credential sent to the adapter (`access_cred`): never answered (`ToSwagger`).
    #[serde(skip)]
    pub access_credential: String,
    /// Registered by the installer (the built-in Trivy): neither updated nor deleted
    /// through the API.
    #[serde(skip)]
    pub immutable: bool,
}

impl Scanner {
    /// Its uuid.
    pub fn uuid(&self) -> &str {
        self.doc["uuid"].as_str().unwrap_or_default()
    }

    /// Its name.
    pub fn name(&self) -> &str {
        self.doc["name"].as_str().unwrap_or_default()
    }
}

/// The adapter every reachable scanner URL answers as: Harbor's Trivy adapter.
pub const ADAPTER: (&str, &str, &str) = ("Trivy", "Aqua Security", "v0.50.0");

/// A registration request (`ScannerRegistrationReq`) as Harbor's handler copies it
/// (`copyToScannerRegistration`): absent fields are empty or false.
fn fields(req: &Value) -> (String, String, String, bool, bool, bool, String, String) {
    let text = |k: &str| req[k].as_str().unwrap_or_default().to_owned();
    let flag = |k: &str| req[k].as_bool().unwrap_or(false);
    (
        text("name"),
        text("url"),
        text("description"),
        flag("disabled"),
        flag("skip_certVerify"),
        flag("use_internal_addr"),
        text("auth"),
        text("access_credential"),
    )
}

/// Harbor's `Registration.Validate` (`src/pkg/scan/dao/scanner/model.go`), worded as the
/// handler sends it (400 with the error's text): a name, an HTTP URL (normalised as
/// [`super::registries::validate_http_url`]), an auth type of `Basic`, `Bearer` or
/// `X-ScannerAdapter-API-Key` with a credential. Returns the normalised URL.
pub fn validate_registration(
    name: &str,
    url: &str,
    auth: &str,
    credential: &str,
) -> ApiResult<String> {
    if name.is_empty() {
        return Err(ApiError::bad_request("missing registration name"));
    }
    let url = super::registries::validate_http_url(url).map_err(|e| {
        ApiError::bad_request(format!("scanner registration validate: {}", e.message))
    })?;
    if !auth.is_empty() && !matches!(auth, "Basic" | "Bearer" | "X-ScannerAdapter-API-Key") {
        return Err(ApiError::bad_request(format!(
            "auth type {auth} is not supported"
        )));
    }
    if !auth.is_empty() && credential.is_empty() {
        return Err(ApiError::bad_request(format!(
            "access_credential is required for auth type {auth}"
        )));
    }
    Ok(url)
}

impl SimState {
    /// Registers the installer's Trivy scanner as Harbor's core does at start
    /// (`registerScanners`, `EnsureScanners` in `src/core/main.go`, `src/pkg/scan/init.go`):
    /// immutable, pulling through the internal registry address, the default.
    pub fn register_builtin_scanner(&mut self, url: &str) -> String {
        let id = crate::random_id::random_uuid();
        let now = now();
        let doc = json!({
            "uuid": id, "name": "Trivy", "description": "The Trivy scanner adapter", "url": url,
            "disabled": false, "is_default": true, "auth": "", "skip_certVerify": false,
            "use_internal_addr": true, "create_time": now, "update_time": now,
        });
        self.scanners.insert(
            id.clone(),
            Scanner {
                doc,
                access_credential: String::new(),
                immutable: true,
            },
        );
        id
    }

    /// Registers a scanner as `CreateScanner` does: [`validate_registration`], the reserved
    /// name `Trivy` (400), the adapter pinged (unreachable: Harbor's 500, an uncoded
    /// error), the first registration made the default, then 409 on a name or URL taken
    /// (`registration name or url already exists`).
    pub fn create_scanner(&mut self, req: Value) -> ApiResult<String> {
        let (name, url, description, disabled, skip_cert, internal, auth, credential) =
            fields(&req);
        let url = validate_registration(&name, &url, &auth, &credential)?;
        if name == "Trivy" {
            return Err(ApiError::bad_request(format!(
                "name \"{name}\" is reserved, please try a different name"
            )));
        }
        if !self.reachability.reaches(&url) {
            return Err(ApiError::uncoded(format!(
                "scanner controller: ping: adapter {url} unreachable"
            )));
        }
        if self
            .scanners
            .values()
            .any(|s| s.doc["name"] == json!(name) || s.doc["url"] == json!(url))
        {
            return Err(ApiError::conflict(
                "registration name or url already exists",
            ));
        }
        let id = crate::random_id::random_uuid();
        let now = now();
        let doc = json!({
            "uuid": id,
            "name": name,
            "description": description,
            "url": url,
            "disabled": disabled,
            "is_default": self.scanners.is_empty(),
            "auth": auth,
            "skip_certVerify": skip_cert,
            "use_internal_addr": internal,
            "create_time": now,
            "update_time": now,
        });
        self.scanners.insert(
            id.clone(),
            Scanner {
                doc,
                access_credential: credential,
                immutable: false,
            },
        );
        Ok(id)
    }

    /// A registration as the scanner controller answers it (`GetRegistration`,
    /// `ListRegistrations`): its columns, and the adapter's capabilities when the adapter
    /// answers (`RetrieveCap`); never its credential, adapter name, vendor, version or health.
    pub fn scanner_view(&self, sc: &Scanner) -> Value {
        let mut doc = sc.doc.clone();
        if self
            .reachability
            .reaches(sc.doc["url"].as_str().unwrap_or_default())
        {
            doc["capabilities"] = json!({"support_vulnerability": true, "support_sbom": true});
        }
        doc
    }

    /// A scanner by uuid; 404 `scanner <uuid> not found` (the handlers' message).
    pub fn scanner(&self, id: &str) -> ApiResult<&Scanner> {
        self.scanners
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("scanner {id} not found")))
    }

    /// Updates a scanner as `UpdateScanner` does: 403 for an immutable registration; the
    /// body replaces every field (absent: empty or false), but an empty credential keeps the
    /// stored one while the auth type needs one; [`validate_registration`]; then a default
    /// registration may not be disabled (an uncoded error, Harbor's 500), and the name
    /// `Trivy` is reserved.
    pub fn update_scanner(&mut self, id: &str, req: Value) -> ApiResult<()> {
        let current = self.scanner(id)?;
        if current.immutable {
            return Err(ApiError::forbidden(format!(
                "registration {} is not allowed to update as it is immutable: scanner API: update",
                current.name()
            )));
        }
        let (name, url, description, disabled, skip_cert, internal, auth, credential) =
            fields(&req);
        let credential = if credential.is_empty()
            && matches!(
                auth.as_str(),
                "Basic" | "Bearer" | "X-ScannerAdapter-API-Key"
            ) {
            current.access_credential.clone()
        } else {
            credential
        };
        let url = validate_registration(&name, &url, &auth, &credential)?;
        if current.doc["is_default"] == json!(true) && disabled {
            return Err(ApiError::uncoded(format!(
                "default registration {id} can not be marked to deactivated"
            )));
        }
        if name == "Trivy" {
            return Err(ApiError::bad_request(format!(
                "name \"{name}\" is reserved, please try a different name"
            )));
        }
        if self
            .scanners
            .values()
            .any(|s| s.uuid() != id && (s.doc["name"] == json!(name) || s.doc["url"] == json!(url)))
        {
            return Err(ApiError::conflict(
                "registration name or url already exists",
            ));
        }
        let s = self
            .scanners
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found(format!("scanner {id} not found")))?;
        for (k, v) in [
            ("name", json!(name)),
            ("url", json!(url)),
            ("description", json!(description)),
            ("disabled", json!(disabled)),
            ("auth", json!(auth)),
            ("skip_certVerify", json!(skip_cert)),
            ("use_internal_addr", json!(internal)),
            ("update_time", json!(now())),
        ] {
            s.doc[k] = v;
        }
        s.access_credential = credential;
        Ok(())
    }

    /// Makes one scanner the default (`SetAsDefault`): only an enabled one (404
    /// `registration <uuid> not found` otherwise, as for none).
    pub fn set_default_scanner(&mut self, id: &str) -> ApiResult<()> {
        if self
            .scanners
            .get(id)
            .is_none_or(|s| s.doc["disabled"] == json!(true))
        {
            return Err(ApiError::not_found(format!("registration {id} not found")));
        }
        for s in self.scanners.values_mut() {
            let is = s.uuid() == id;
            s.doc["is_default"] = json!(is);
        }
        Ok(())
    }

    /// The scanner a project uses: its own choice or the default.
    pub fn project_scanner(&self, project_id: i64) -> Option<&Scanner> {
        self.project_scanners
            .get(&project_id)
            .and_then(|id| self.scanners.get(id))
            .or_else(|| {
                self.scanners
                    .values()
                    .find(|s| s.doc["is_default"] == json!(true))
            })
    }
}
