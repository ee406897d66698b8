//! Harbor's registry API (`/v2/`, the OCI distribution API) and its token service
//! (`/service/token`): what `docker`, `oras`, `crane` and `skopeo` speak to a Harbor.
//!
//! Routed as Harbor's `src/server/registry/route.go` routes it, each request passing
//! `v2auth` first (`access.rs`):
//!
//! | request | answered by |
//! |---|---|
//! | `GET /v2/` | the login check: 200 `{}` for an authenticated caller |
//! | `GET /v2/_catalog` | Harbor: the repositories, `n` and `last` (`manifests.rs`) |
//! | `GET /v2/<name>/tags/list` | Harbor: the repository's tags, `n` and `last` |
//! | `GET`, `HEAD`, `PUT`, `DELETE /v2/<name>/manifests/<reference>` | Harbor's artifacts over the stored content |
//! | `GET`, `HEAD`, `DELETE /v2/<name>/blobs/<digest>` | the registry's blobs (`blobs.rs`) |
//! | `POST /v2/<name>/blobs/uploads/`, `GET`, `PATCH`, `PUT`, `DELETE .../uploads/<id>` | uploads: monolithic, chunked, cross-repository mounts |
//! | `GET /v2/<name>/referrers/<digest>` | Harbor: the digest's accessories, `artifactType` |
//! | `GET /service/token` | the token service ([`token`]) |
//!
//! These requests pass the ingress as every request does (the global rate limit, the service
//! time), but they are no operation of the REST API: faults, per-operation limits and the
//! counters are not theirs, and the recorder files them under no operation.
//!
//! A manifest `GET` is a pull Harbor records: pull times, the repository's `pull_count` and
//! the audit row, written at once (Harbor's event handler batches the updates).
//!
//! A manifest is served as distribution serves it to Harbor, which asks by digest: an OCI
//! manifest or index only to a client whose `Accept` names its type (else 404
//! `MANIFEST_UNKNOWN` in distribution's words), a Docker manifest or manifest list to any.
//!
//! A manifest pushed with a `subject`, or tagged `sha256-<hex>.sig` with a cosign signature
//! layer (cosign's tag scheme, Harbor's `cosign` middleware), becomes an accessory of that
//! digest ([`crate::state::accessories`]), which `GET /v2/<name>/referrers/<digest>` lists.
//!
//! The images the simulator makes itself (the demo seed, `SimHandle::push_image`,
//! `push_image_index`) are pulled like pushed ones: their manifests, configs and gzip-compressed
//! tar layers are real, named by their SHA-256, and made again from a recipe for each read
//! ([`crate::state::image_content`]).
//!
//! A pushed manifest of a type only Harbor's default processor handles (a user-defined
//! artifact) whose layer is annotated `io.goharbor.artifact.v1alpha1.icon` gives its artifact
//! that icon, as Harbor's `v1alpha1` annotation parser does, and its config's
//! `io.goharbor.artifact.v1alpha1.skip-list` takes keys out of its `extra_attrs`; a layer that
//! is no GIF, PNG or JPEG fails the push (400 `unsupported content type: <type>`, the manifest
//! kept). An image's or a chart's processor reads neither annotation.
//!
//! A pushed Helm chart (config `application/vnd.cncf.helm.config.v1+json`) is a `CHART`
//! whose values, readme and dependencies are read out of its archive when asked for
//! (`crate::state::chart_archive`).
//!
//! Not simulated: proxy-cache projects' pulls from their upstream, content trust and the
//! vulnerability-based pull prevention.
//!
//! A push meets the project's storage quota as in Harbor: a session's last `PUT` reserves
//! what it sends (or, sending nothing, what the upload accepted), a mount the blob's size, a
//! manifest its bytes and its blobs not yet the project's; over the limit, 403 `DENIED`. A
//! blob a session or mount brings counts in the project's usage from then on (Harbor's
//! `project_blob`); one pushed in a single `POST` counts once a manifest references it. `CONFORMANCE.md` ("The registry API") lists the
//! sources of what is.

mod access;
mod blobs;
pub mod errors;
mod manifests;
pub mod token;

use std::cell::Cell;

use axum::body::Body;
use axum::extract::Request;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::server::Shared;
use crate::state::SimState;
use crate::state_guard;
use crate::transaction_check::RefusalChanged;
use access::{Access, Caller};
use errors::{Code, RegistryError, RegistryResult, with_api_version};

/// The largest body a registry request may send. Harbor and distribution set no limit on a
/// blob (Harbor's `test_del_repo.py` pushes a 512 MiB layer in one `PATCH`, as `docker push`
/// sends it); this bound, far above any test image, only keeps a runaway client from taking
/// the host's memory, since the simulator holds every blob in memory.
const MAX_BODY: usize = 4 << 30;

/// Whether `path` is the registry's or the token service's.
pub(crate) fn serves(path: &str) -> bool {
    path == "/v2" || path.starts_with("/v2/") || path == "/service/token"
}

/// What a request under `/v2/` names.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Target<'a> {
    Base,
    Catalog,
    Tags(&'a str),
    Manifest(&'a str, &'a str),
    Blob(&'a str, &'a str),
    Uploads(&'a str),
    Upload(&'a str, &'a str),
    Referrers(&'a str, &'a str),
}

/// Splits a path under `/v2/` into what it names (distribution's routes: the repository
/// name is everything before the last route keyword).
fn target<'a>(path: &'a str) -> Option<Target<'a>> {
    let rest = path.strip_prefix("/v2").unwrap_or(path);
    let rest = rest.strip_prefix('/').unwrap_or(rest);
    if rest.is_empty() {
        return Some(Target::Base);
    }
    if rest == "_catalog" {
        return Some(Target::Catalog);
    }
    if let Some(name) = rest.strip_suffix("/tags/list") {
        return Some(Target::Tags(name));
    }
    if let Some(name) = rest
        .strip_suffix("/blobs/uploads/")
        .or_else(|| rest.strip_suffix("/blobs/uploads"))
    {
        return Some(Target::Uploads(name));
    }
    for (keyword, make) in [
        (
            "/blobs/uploads/",
            Target::Upload as fn(&'a str, &'a str) -> Target<'a>,
        ),
        ("/manifests/", Target::Manifest),
        ("/blobs/", Target::Blob),
    ] {
        if let Some((name, tail)) = rest.rsplit_once(keyword)
            && !tail.is_empty()
            && !tail.contains('/')
        {
            return Some(make(name, tail));
        }
    }
    if let Some((name, tail)) = rest.rsplit_once("/referrers/")
        && !tail.contains('/')
    {
        return Some(Target::Referrers(name, tail));
    }
    None
}

/// Whether `name` is a repository name distribution takes: path components of lower-case
/// letters and digits, joined by `.`, `_`, `__` or runs of `-`, separated by `/`, at most
/// 255 characters (`reference.NameRegexp`).
fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && name
            .split('/')
            .all(crate::state::replication::is_path_component)
}

/// What a handler gets: the request's parts, its body and the caller.
pub(crate) struct RegistryRequest<'a> {
    method: Method,
    headers: HeaderMap,
    query: Vec<(String, String)>,
    /// The path as sent (the `Link` header's base).
    path: String,
    body: Bytes,
    shared: &'a Shared,
    /// What a refused write changed that Harbor's transaction would have rolled back (see
    /// [`RegistryRequest::in_transaction`]), for the answer's extensions.
    refusal_changed: Cell<Option<RefusalChanged>>,
}

impl RegistryRequest<'_> {
    /// Runs a write Harbor wraps in its request transaction (a manifest's `PUT` or
    /// `DELETE`, a blob's `DELETE`, the `POST` that starts an upload; an upload's `PATCH`
    /// and `PUT` run outside one) under the request's write guard, taken here, checked as
    /// [`crate::transaction_check`] says. The registry's storage (distribution's) is outside
    /// Harbor's database: a manifest it stored stays when Harbor then refuses the push.
    fn in_transaction(
        &self,
        operation: &str,
        change: impl FnOnce(&mut SimState) -> RegistryResult<Response>,
    ) -> RegistryResult<Response> {
        let mut state = state_guard::write(&self.shared.state);
        let (result, changed) = crate::transaction_check::run(
            self.shared.check_transactions,
            operation,
            &mut state,
            &["registry"],
            change,
            |result| match result {
                Ok(response) => response.status().as_u16(),
                Err(error) => error.status().as_u16(),
            },
        );
        self.refusal_changed.set(changed);
        result
    }

    /// The first value of query parameter `name`, if sent.
    fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The caller, as the state knows accounts.
    fn caller(&self, state: &SimState) -> Caller {
        Caller::of(state, &self.shared.tokens, &self.headers)
    }

    /// The caller, once `v2auth` lets them take `action` on the repository `name`.
    fn admit(&self, state: &SimState, name: &str, action: &'static str) -> RegistryResult<Caller> {
        let caller = self.caller(state);
        let access = Access::Repository {
            name,
            action,
            mount_from: None,
        };
        self.check(state, &caller, &access)?;
        Ok(caller)
    }

    /// `v2auth`'s check of this request for `access`.
    fn check(&self, state: &SimState, caller: &Caller, access: &Access<'_>) -> RegistryResult<()> {
        access::check(state, caller, &self.method, &self.headers, access)
    }
}

/// The answer to a request for the registry or the token service.
pub(crate) async fn answer(shared: &Shared, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return with_api_version(
            (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
        );
    };
    let request = RegistryRequest {
        method: parts.method,
        headers: parts.headers,
        query: crate::binding::parse_query(parts.uri.query().unwrap_or("")),
        path: parts.uri.path().to_owned(),
        body,
        shared,
        refusal_changed: Cell::default(),
    };
    let path = parts.uri.path();
    if path == "/service/token" {
        return token_answer(&request);
    }
    let result = match target(path) {
        None => return not_found(),
        Some(target) => route(&request, target),
    };
    let mut response = match result {
        Ok(response) => with_api_version(response),
        Err(error) => error.into_response(),
    };
    if let Some(changed) = request.refusal_changed.take() {
        response.extensions_mut().insert(changed);
    }
    response
}

/// Distribution's router's answer to a path it has no route for.
fn not_found() -> Response {
    with_api_version((StatusCode::NOT_FOUND, "404 page not found\n").into_response())
}

fn route(request: &RegistryRequest<'_>, target: Target<'_>) -> RegistryResult<Response> {
    let method = &request.method;
    let name = match &target {
        Target::Tags(n)
        | Target::Manifest(n, _)
        | Target::Blob(n, _)
        | Target::Uploads(n)
        | Target::Upload(n, _)
        | Target::Referrers(n, _) => Some(*n),
        Target::Base | Target::Catalog => None,
    };
    if let Some(name) = name
        && !valid_name(name)
    {
        return Err(RegistryError::detailed(
            Code::NameInvalid,
            serde_json::json!({"name": name}),
        ));
    }
    match (target, method.clone()) {
        (Target::Base, Method::GET | Method::HEAD) => {
            let state = state_guard::read(&request.shared.state);
            let caller = request.caller(&state);
            request.check(&state, &caller, &Access::Login)?;
            Ok(json_response(StatusCode::OK, "{}"))
        }
        (Target::Catalog, Method::GET) => manifests::catalog(request),
        (Target::Tags(name), Method::GET) => manifests::tags(request, name),
        (Target::Manifest(name, reference), Method::GET | Method::HEAD) => {
            manifests::get(request, name, reference)
        }
        // The writes Harbor runs in its request transaction: checked (`in_transaction`).
        (Target::Manifest(name, reference), Method::PUT) => request
            .in_transaction("putManifest", |s| {
                manifests::put(request, s, name, reference)
            }),
        (Target::Manifest(name, reference), Method::DELETE) => request
            .in_transaction("deleteManifest", |s| {
                manifests::delete(request, s, name, reference)
            }),
        (Target::Referrers(name, reference), Method::GET) => {
            manifests::referrers(request, name, reference)
        }
        (Target::Blob(name, digest), Method::GET | Method::HEAD) => {
            blobs::get(request, name, digest)
        }
        (Target::Blob(name, digest), Method::DELETE) => {
            request.in_transaction("deleteBlob", |s| blobs::delete(request, s, name, digest))
        }
        // Unlike an upload's PATCH and PUT, the POST that starts it is in the transaction.
        (Target::Uploads(name), Method::POST) => {
            request.in_transaction("startBlobUpload", |s| blobs::start_upload(request, s, name))
        }
        (Target::Upload(name, id), Method::GET) => blobs::upload_status(request, name, id),
        (Target::Upload(name, id), Method::PATCH) => blobs::append(request, name, id),
        (Target::Upload(name, id), Method::PUT) => blobs::complete(request, name, id),
        (Target::Upload(name, id), Method::DELETE) => blobs::cancel(request, name, id),
        _ => Err(RegistryError::code(Code::Unsupported)),
    }
}

/// A JSON answer with Go's `json.Encoder` newline.
fn json_response(status: StatusCode, body: impl Into<String>) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body.into(),
    )
        .into_response()
}

/// An empty answer with `headers`.
fn empty(status: StatusCode, headers: &[(&'static str, String)]) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    for (name, value) in headers {
        if let Ok(v) = axum::http::HeaderValue::from_str(value) {
            response.headers_mut().insert(*name, v);
        }
    }
    response
        .headers_mut()
        .insert(header::CONTENT_LENGTH, axum::http::HeaderValue::from(0));
    response
}

/// The token service's answer (`/service/token`).
fn token_answer(request: &RegistryRequest<'_>) -> Response {
    let state = state_guard::read(&request.shared.state);
    let identity = crate::auth::authenticate(
        &state,
        request
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok()),
    );
    let caller = crate::rbac::SecurityContext::new(&state, &identity);
    let scopes = token::scopes(&request.query);
    let service = request.query("service").unwrap_or_default();
    match request
        .shared
        .tokens
        .issue(&state, &caller, service, &scopes)
    {
        Ok(answer) => json_response(StatusCode::OK, format!("{answer}\n")),
        Err(token::TokenRefusal::UnknownService(service)) => (
            StatusCode::BAD_REQUEST,
            format!("Unable to handle service: {service}"),
        )
            .into_response(),
        Err(token::TokenRefusal::Unauthorized) => StatusCode::UNAUTHORIZED.into_response(),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A state with the admin and the demo data.
    pub(crate) fn demo_state() -> SimState {
        let mut state = SimState::with_admin("admin", "Harbor12345");
        state.seed_demo().unwrap();
        state
    }

    #[test]
    fn paths_split_at_the_last_route_keyword() {
        assert_eq!(target("/v2/"), Some(Target::Base));
        assert_eq!(target("/v2"), Some(Target::Base));
        assert_eq!(target("/v2/_catalog"), Some(Target::Catalog));
        assert_eq!(
            target("/v2/library/team/app/tags/list"),
            Some(Target::Tags("library/team/app"))
        );
        assert_eq!(
            target("/v2/library/manifests/manifests/latest"),
            Some(Target::Manifest("library/manifests", "latest"))
        );
        assert_eq!(
            target("/v2/a/b/blobs/uploads/"),
            Some(Target::Uploads("a/b"))
        );
        assert_eq!(
            target("/v2/a/b/blobs/uploads"),
            Some(Target::Uploads("a/b"))
        );
        assert_eq!(
            target("/v2/a/b/blobs/uploads/u1"),
            Some(Target::Upload("a/b", "u1"))
        );
        assert_eq!(
            target("/v2/a/b/blobs/sha256:00"),
            Some(Target::Blob("a/b", "sha256:00"))
        );
        assert_eq!(
            target("/v2/a/b/referrers/sha256:00"),
            Some(Target::Referrers("a/b", "sha256:00"))
        );
        assert_eq!(target("/v2/a/b/nothing"), None);
    }

    #[test]
    fn names_follow_distributions_grammar() {
        for good in ["library/nginx", "a/b-c/d.e", "a/b__c", "a/b---c", "0/9"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in [
            "",
            "Library/nginx",
            "a//b",
            "a/-b",
            "a/b_",
            "a/b___c",
            "a/b.-c",
            &"a".repeat(256),
        ] {
            assert!(!valid_name(bad), "{bad}");
        }
    }
}
