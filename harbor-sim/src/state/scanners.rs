//! Scanner registrations (Trivy is there from the start, as the default).

use rand::Rng;
use serde::Serialize;
use serde_json::{Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A scanner: Harbor's `ScannerRegistration` document.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct Scanner {
    /// The document.
    pub doc: Value,
}

impl Scanner {
    /// Its uuid.
    pub fn uuid(&self) -> &str {
        self.doc["uuid"].as_str().unwrap_or_default()
    }
}

fn uuid() -> String {
    let n: u128 = rand::rng().random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

impl SimState {
    /// Registers a scanner; 409 on a duplicate name or URL.
    pub fn create_scanner(&mut self, req: Value) -> ApiResult<String> {
        let name = req
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::unprocessable("name in body is required"))?
            .to_owned();
        let url = req
            .get("url")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::unprocessable("url in body is required"))?
            .to_owned();
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(ApiError::bad_request(format!(
                "invalid scanner url {url:?}"
            )));
        }
        if self
            .scanners
            .values()
            .any(|s| s.doc["name"] == json!(name) || s.doc["url"] == json!(url))
        {
            return Err(ApiError::conflict(format!("scanner {name} already exists")));
        }
        let id = uuid();
        let now = now();
        let first = self.scanners.is_empty();
        let doc = json!({
            "uuid": id,
            "name": name,
            "description": req.get("description").cloned().unwrap_or(json!("")),
            "url": url,
            "disabled": req.get("disabled").cloned().unwrap_or(json!(false)),
            "is_default": first,
            "auth": req.get("auth").cloned().unwrap_or(json!("")),
            "access_credential": req.get("access_credential").cloned().unwrap_or(json!("")),
            "skip_certVerify": req.get("skip_certVerify").cloned().unwrap_or(json!(false)),
            "use_internal_addr": req.get("use_internal_addr").cloned().unwrap_or(json!(false)),
            "create_time": now,
            "update_time": now,
            "adapter": "Trivy",
            "vendor": "Aqua Security",
            "version": "v0.50.0",
            "health": "healthy",
        });
        self.scanners.insert(id.clone(), Scanner { doc });
        Ok(id)
    }

    /// A scanner by uuid.
    pub fn scanner(&self, id: &str) -> ApiResult<&Scanner> {
        self.scanners
            .get(id)
            .ok_or_else(|| ApiError::not_found(format!("scanner {id} not found")))
    }

    /// Updates a scanner's fields.
    pub fn update_scanner(&mut self, id: &str, req: Value) -> ApiResult<()> {
        let s = self
            .scanners
            .get_mut(id)
            .ok_or_else(|| ApiError::not_found(format!("scanner {id} not found")))?;
        if let Value::Object(fields) = req {
            for (k, v) in fields {
                if !matches!(k.as_str(), "uuid" | "is_default" | "create_time") {
                    s.doc[k] = v;
                }
            }
        }
        s.doc["update_time"] = json!(now());
        Ok(())
    }

    /// Makes one scanner the default.
    pub fn set_default_scanner(&mut self, id: &str) -> ApiResult<()> {
        self.scanner(id)?;
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
