//! Registry endpoints (replication targets and proxy-cache upstreams).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A registry, serialized as Harbor's `Registry` (the secret masked).
#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    /// Its id.
    pub id: i64,
    /// Its URL.
    pub url: String,
    /// Its unique name.
    pub name: String,
    /// Credential, secret masked.
    pub credential: Value,
    /// Adapter type (`harbor`, `docker-hub`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// Skip TLS verification.
    pub insecure: bool,
    /// Free text.
    pub description: String,
    /// `healthy`.
    pub status: String,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
}

/// Harbor's `Registry` / `RegistryUpdate` as a request body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistryReq {
    /// URL (required on create).
    pub url: Option<String>,
    /// Name (required on create).
    pub name: Option<String>,
    /// Credential.
    pub credential: Option<Value>,
    /// Adapter type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Skip TLS verification.
    pub insecure: Option<bool>,
    /// Free text.
    pub description: Option<String>,
    /// Flat credential fields of `RegistryUpdate`.
    pub access_key: Option<String>,
    /// Flat credential fields of `RegistryUpdate`.
    pub access_secret: Option<String>,
    /// Flat credential fields of `RegistryUpdate`.
    pub credential_type: Option<String>,
}

/// The adapter types the simulator knows.
pub const ADAPTERS: &[&str] = &[
    "harbor",
    "docker-hub",
    "docker-registry",
    "quay",
    "gitlab",
    "github-ghcr",
];

fn mask(credential: Option<Value>) -> Value {
    let mut c = credential.unwrap_or_else(|| json!({"type": "basic"}));
    if c.get("access_secret").is_some() {
        c["access_secret"] = json!("*****");
    }
    c
}

impl SimState {
    /// A registry as answered: its status is what a health check would find now.
    pub fn registry_view(&self, r: &Registry) -> Registry {
        let mut r = r.clone();
        r.status = if self.reachability.reaches(&r.url) {
            "healthy"
        } else {
            "unhealthy"
        }
        .into();
        r
    }

    /// Harbor checks a registry's health before it stores it: 400 when its host cannot be
    /// reached (see [`super::Reachability`]).
    fn require_healthy(&self, url: &str) -> ApiResult<()> {
        if self.reachability.reaches(url) {
            Ok(())
        } else {
            Err(ApiError::bad_request("the registry is unhealthy"))
        }
    }

    /// Creates a registry; 409 on a duplicate name.
    pub fn create_registry(&mut self, req: RegistryReq) -> ApiResult<i64> {
        let name = req
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::bad_request("registry name is required"))?;
        let url = req
            .url
            .filter(|u| u.starts_with("http://") || u.starts_with("https://"))
            .ok_or_else(|| ApiError::bad_request("registry url must be http(s)"))?;
        let kind = req.kind.unwrap_or_else(|| "harbor".into());
        if !ADAPTERS.contains(&kind.as_str()) {
            return Err(ApiError::bad_request(format!(
                "unsupported registry type {kind:?}"
            )));
        }
        if self.registries.values().any(|r| r.name == name) {
            return Err(ApiError::conflict(format!(
                "registry {name} already exists"
            )));
        }
        self.require_healthy(&url)?;
        let id = self.ids.next("registry");
        let now = now();
        self.registries.insert(
            id,
            Registry {
                id,
                url,
                name,
                credential: mask(req.credential),
                kind,
                insecure: req.insecure.unwrap_or(false),
                description: req.description.unwrap_or_default(),
                status: "healthy".into(),
                creation_time: now.clone(),
                update_time: now,
            },
        );
        Ok(id)
    }

    /// Updates a registry.
    pub fn update_registry(&mut self, id: i64, req: RegistryReq) -> ApiResult<()> {
        if let Some(name) = &req.name
            && self
                .registries
                .values()
                .any(|r| r.id != id && &r.name == name)
        {
            return Err(ApiError::conflict(format!(
                "registry {name} already exists"
            )));
        }
        let current = self
            .registries
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
        self.require_healthy(req.url.as_deref().unwrap_or(&current.url))?;
        let r = self
            .registries
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
        r.status = "healthy".into();
        if let Some(n) = req.name {
            r.name = n;
        }
        if let Some(u) = req.url {
            r.url = u;
        }
        if let Some(d) = req.description {
            r.description = d;
        }
        if let Some(i) = req.insecure {
            r.insecure = i;
        }
        if let Some(k) = req.access_key {
            r.credential["access_key"] = json!(k);
        }
        if req.access_secret.is_some() {
            r.credential["access_secret"] = json!("*****");
        }
        if let Some(t) = req.credential_type {
            r.credential["type"] = json!(t);
        }
        r.update_time = now();
        Ok(())
    }

    /// Deletes a registry; refused (412) while a policy or project uses it.
    pub fn delete_registry(&mut self, id: i64) -> ApiResult<()> {
        if !self.registries.contains_key(&id) {
            return Err(ApiError::not_found(format!("registry {id} not found")));
        }
        let used = self
            .replication_policies
            .values()
            .any(|p| p.uses_registry(id))
            || self.projects.values().any(|p| p.registry_id == Some(id));
        if used {
            return Err(ApiError::precondition(format!(
                "the registry {id} is referred by policies or projects"
            )));
        }
        self.registries.remove(&id);
        Ok(())
    }
}
