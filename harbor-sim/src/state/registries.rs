//! Registry endpoints (replication targets and proxy-cache upstreams).

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A registry, serialized as Harbor's `Registry`: every field but `id` is `omitempty` (an
/// empty description, `insecure: false` are left out), the secret masked.
#[derive(Debug, Clone, Serialize)]
pub struct Registry {
    /// Its id.
    pub id: i64,
    /// Its URL, as `lib.ValidateHTTPURL` normalises it.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub url: String,
    /// Its unique name.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// The credential as answered (built by `set_credential`: the secret as `*****`).
    pub credential: Value,
    /// Adapter type (`harbor`, `docker-hub`, ...).
    #[serde(rename = "type", skip_serializing_if = "String::is_empty")]
    pub kind: String,
    /// Skip TLS verification.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub insecure: bool,
    /// A CA certificate (PEM) to trust; answered only when set.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub ca_certificate: String,
    /// Free text.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `healthy`.
    #[serde(skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// The stored credential: its type, key and secret.
    #[serde(skip)]
    pub stored_credential: [String; 3],
}

impl Registry {
    /// The credential as Harbor stores and answers it (`toDaoModel`, `fromDaoModel`,
    /// `convertRegistry`): kept only with an access key, its type then `basic` by default,
    /// the secret answered as `*****` when there is one; without a key it is `{}`.
    fn set_credential(&mut self, kind: String, key: String, secret: String) {
        self.stored_credential = if key.is_empty() {
            Default::default()
        } else {
            let kind = if kind.is_empty() {
                "basic".into()
            } else {
                kind
            };
            [kind, key, secret]
        };
        let [kind, key, secret] = &self.stored_credential;
        let mut view = serde_json::Map::new();
        if !kind.is_empty() {
            view.insert("type".into(), json!(kind));
        }
        if !key.is_empty() {
            view.insert("access_key".into(), json!(key));
        }
        if !secret.is_empty() {
            view.insert("access_secret".into(), json!("*****"));
        }
        self.credential = Value::Object(view);
    }
}

/// Harbor's `RegistryCredential` in a create.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CredentialReq {
    /// `basic`, `oauth`, `secret`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// The key (user name).
    #[serde(default)]
    pub access_key: String,
    /// The secret.
    #[serde(default)]
    pub access_secret: String,
}

/// Harbor's `Registry` / `RegistryUpdate` as a request body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RegistryReq {
    /// URL.
    pub url: Option<String>,
    /// Name.
    pub name: Option<String>,
    /// Credential (create).
    pub credential: Option<CredentialReq>,
    /// Adapter type.
    #[serde(rename = "type")]
    pub kind: Option<String>,
    /// Skip TLS verification.
    pub insecure: Option<bool>,
    /// A CA certificate (PEM).
    pub ca_certificate: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Flat credential fields of `RegistryUpdate`.
    pub access_key: Option<String>,
    /// Flat credential fields of `RegistryUpdate`.
    pub access_secret: Option<String>,
    /// Flat credential fields of `RegistryUpdate`.
    pub credential_type: Option<String>,
}

/// Harbor's `lib.ValidateHTTPURL` (`src/lib/endpoint.go`): spaces and trailing `/` trimmed,
/// `http://` added when there is no `://`, then Go's `url.Parse` (ported in `go_url.rs`):
/// its refusal is 400 `invalid URL: <Go's error>`; the scheme (lower-cased) must be `http` or
/// `https`, and the URL is kept as scheme, decoded host and decoded path only (user info,
/// query and fragment dropped).
pub fn validate_http_url(raw: &str) -> ApiResult<String> {
    let s = raw.trim_matches(' ').trim_end_matches('/');
    if s.is_empty() {
        return Err(ApiError::bad_request("empty string"));
    }
    let s = if s.contains("://") {
        s.to_owned()
    } else {
        format!("http://{s}")
    };
    let url =
        crate::go_url::parse(&s).map_err(|e| ApiError::bad_request(format!("invalid URL: {e}")))?;
    if url.scheme != "http" && url.scheme != "https" {
        return Err(ApiError::bad_request(format!(
            "invalid HTTP scheme: {}",
            url.scheme
        )));
    }
    Ok(format!("{}://{}{}", url.scheme, url.host, url.path))
}

/// Harbor's `ValidateCACertificate` (`src/common/http/transport.go`): the text trimmed and
/// its line ends made `\n` (`normalizePEM`); blank is no certificate; otherwise every PEM
/// block Go's `pem.Decode` finds is read in turn, those of a type other than `CERTIFICATE`
/// skipped, and the first whose DER Go's `x509.ParseCertificate` refuses is a 400
/// `invalid CA certificate: failed to parse certificate: <Go's error>` (`x509_parse.rs`);
/// no certificate at all is a 400 too.
pub fn check_ca_certificate(pem: &str) -> ApiResult<()> {
    let pem = pem.trim().replace("\r\n", "\n").replace('\r', "\n");
    if pem.is_empty() {
        return Ok(());
    }
    let mut rest = pem.as_bytes();
    let mut certificates = 0usize;
    while let Some((block, after)) = super::x509_parse::pem_decode(rest) {
        rest = after;
        if block.kind != b"CERTIFICATE" {
            continue;
        }
        super::x509_parse::parse_certificate(&block.bytes).map_err(|e| {
            ApiError::bad_request(format!(
                "invalid CA certificate: failed to parse certificate: {e}"
            ))
        })?;
        certificates += 1;
    }
    if certificates == 0 {
        return Err(ApiError::bad_request(
            "invalid CA certificate: no valid certificates found in PEM data",
        ));
    }
    Ok(())
}

/// The local Harbor as the registry manager answers id 0 (`getLocalRegistry` in
/// `src/pkg/reg/manager.go`): named `Local`, of type `harbor`, at the core's internal URL
/// (`http://core:8080` by default), insecure as internal TLS is off by default, with the job
/// service's secret as a `secret` credential; it has no times (Go's zero time).
pub fn local_registry() -> Registry {
    let zero = "0001-01-01T00:00:00.000Z".to_owned();
    let mut r = Registry {
        id: 0,
        url: "http://core:8080".into(),
        name: "Local".into(),
        credential: json!({}),
        kind: "harbor".into(),
        insecure: true,
        ca_certificate: String::new(),
        description: String::new(),
        status: "healthy".into(),
        creation_time: zero.clone(),
        update_time: zero,
        stored_credential: Default::default(),
    };
    r.stored_credential = ["secret".into(), String::new(), "job-service-secret".into()];
    r.credential = json!({"type": "secret", "access_secret": "*****"});
    r
}

/// The adapter types Harbor registers (`src/pkg/reg/adapter/*`, the types of
/// `src/pkg/reg/model/registry.go`): a registry of any of them may be created.
pub const ADAPTERS: &[&str] = &[
    "ali-acr",
    "aws-ecr",
    "azure-acr",
    "docker-hub",
    "docker-registry",
    "dtr",
    "github-ghcr",
    "gitlab",
    "google-gcr",
    "harbor",
    "huawei-SWR",
    "jfrog-artifactory",
    "quay",
    "tencent-tcr",
    "volcengine-cr",
];

/// The adapter types the provider lists show: the registered ones the core's
/// `REPLICATION_ADAPTER_WHITELIST` names, as Harbor's installer sets it
/// (`make/photon/prepare/templates/core/env.jinja`; `getWhitelistedAdapters`).
pub const WHITELISTED_ADAPTERS: &[&str] = &[
    "ali-acr",
    "aws-ecr",
    "azure-acr",
    "docker-hub",
    "docker-registry",
    "github-ghcr",
    "google-gcr",
    "harbor",
    "huawei-SWR",
    "jfrog-artifactory",
    "tencent-tcr",
    "volcengine-cr",
];

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

    /// Harbor's registry controller `validate`, on a create and an update: a name (400 `name
    /// cannot be empty`, `the max length of name is 64`), the URL normalised
    /// ([`validate_http_url`]), an adapter for the type (none is Harbor's 500), and a healthy
    /// registry (400 `the registry is unhealthy` when its host cannot be reached, see
    /// [`super::Reachability`]).
    fn validate_registry(&self, r: &mut Registry) -> ApiResult<()> {
        if r.name.is_empty() {
            return Err(ApiError::bad_request("name cannot be empty"));
        }
        if r.name.len() > 64 {
            return Err(ApiError::bad_request("the max length of name is 64"));
        }
        r.url = validate_http_url(&r.url)?;
        // `adapter.GetFactory`: an unknown type is a `fmt.Errorf`, Harbor's 500.
        if !ADAPTERS.contains(&r.kind.as_str()) {
            return Err(ApiError::uncoded(format!(
                "adapter factory for {} not found",
                r.kind
            )));
        }
        if !self.reachability.reaches(&r.url) {
            return Err(ApiError::bad_request("the registry is unhealthy"));
        }
        r.status = "healthy".into();
        Ok(())
    }

    /// A name another registry has: the table's unique key (`dao.Create`, `dao.Update`).
    fn check_registry_name(&self, id: i64, name: &str) -> ApiResult<()> {
        if self
            .registries
            .values()
            .any(|r| r.id != id && r.name == name)
        {
            return Err(ApiError::conflict(format!(
                "registry {name} already exists"
            )));
        }
        Ok(())
    }

    /// Creates a registry as `CreateRegistry` does: the CA certificate checked, then
    /// `SimState::validate_registry`, then the name's uniqueness (409).
    pub fn create_registry(&mut self, req: RegistryReq) -> ApiResult<i64> {
        if let Some(ca) = &req.ca_certificate {
            check_ca_certificate(ca)?;
        }
        let now = now();
        let mut registry = Registry {
            id: 0,
            url: req.url.unwrap_or_default(),
            name: req.name.unwrap_or_default(),
            credential: json!({}),
            kind: req.kind.unwrap_or_default(),
            insecure: req.insecure.unwrap_or(false),
            ca_certificate: req.ca_certificate.unwrap_or_default(),
            description: req.description.unwrap_or_default(),
            status: String::new(),
            creation_time: now.clone(),
            update_time: now,
            stored_credential: Default::default(),
        };
        let c = req.credential.unwrap_or_default();
        registry.set_credential(c.kind, c.access_key, c.access_secret);
        self.validate_registry(&mut registry)?;
        self.check_registry_name(0, &registry.name)?;
        let id = self.ids.next("registry");
        registry.id = id;
        self.registries.insert(id, registry);
        Ok(id)
    }

    /// Updates a registry as `UpdateRegistry` does: id 0 is 404 `registry 0 not found`; the
    /// fields sent replace the stored ones (the CA certificate checked); a new URL sent
    /// without a secret drops the stored secret when it normalises to another URL; then
    /// `SimState::validate_registry` and the name's uniqueness.
    pub fn update_registry(&mut self, id: i64, req: RegistryReq) -> ApiResult<()> {
        let mut r = self
            .registries
            .get(&id)
            .filter(|_| id != 0)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?
            .clone();
        let stored_url = r.url.clone();
        if let Some(n) = req.name {
            r.name = n;
        }
        if let Some(d) = req.description {
            r.description = d;
        }
        if let Some(u) = req.url {
            r.url = u;
        }
        if let Some(i) = req.insecure {
            r.insecure = i;
        }
        if let Some(ca) = req.ca_certificate {
            check_ca_certificate(&ca)?;
            r.ca_certificate = ca;
        }
        let [mut kind, mut key, mut secret] = r.stored_credential.clone();
        if let Some(t) = req.credential_type {
            kind = t;
        }
        if let Some(k) = req.access_key {
            key = k;
        }
        let secret_sent = req.access_secret.is_some();
        if let Some(s) = req.access_secret {
            secret = s;
        }
        if r.url != stored_url && !secret_sent && validate_http_url(&r.url)? != stored_url {
            secret.clear();
        }
        r.set_credential(kind, key, secret);
        self.validate_registry(&mut r)?;
        self.check_registry_name(id, &r.name)?;
        r.update_time = now();
        self.registries.insert(id, r);
        Ok(())
    }

    /// Deletes a registry as the registry controller's `Delete` does: 412 while a replication
    /// policy names it (as source or destination) or a proxy-cache project uses it; 404
    /// `registry <id> not found` when there is none.
    pub fn delete_registry(&mut self, id: i64) -> ApiResult<()> {
        if self
            .replication_policies
            .values()
            .any(|p| p.uses_registry(id))
        {
            return Err(ApiError::precondition(format!(
                "the registry {id} is referenced by replication policies, cannot delete it"
            )));
        }
        if self.projects.values().any(|p| p.registry_id == Some(id)) {
            return Err(ApiError::precondition(format!(
                "the registry {id} is referenced by proxy cache project, cannot delete it"
            )));
        }
        self.registries
            .remove(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
        Ok(())
    }
}
