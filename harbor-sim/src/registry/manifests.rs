//! Manifests, tags and the catalog: Harbor's handlers in `src/server/registry/`
//! (`manifest.go`, `tag.go`, `catalog.go`, `util/util.go`) over the registry's content.
//!
//! - `PUT /v2/<name>/manifests/<reference>`: refused with 412 when `reference` is a tag an
//!   immutable rule protects and that is already in the repository (the `immutable`
//!   middleware); then, as distribution checks a manifest: a type it takes (from
//!   `Content-Type`, else the document's `mediaType`), valid JSON of that shape, every blob an
//!   image references and every manifest an index lists held by the repository (400
//!   `MANIFEST_BLOB_UNKNOWN` naming the first missing), and by digest, that digest (400
//!   `DIGEST_INVALID`); the manifest is stored under its digest and Harbor makes the artifact
//!   (`Ensure`), the tag put on it. 201 with `Location` and `Docker-Content-Digest`.
//! - `GET`/`HEAD`: the artifact found by tag or digest in Harbor's tables (404 `NOT_FOUND`,
//!   Harbor's words, when not), 304 when `If-None-Match` names its digest, else the stored
//!   manifest with its media type, `Docker-Content-Digest` and `Etag` (404
//!   `MANIFEST_UNKNOWN` when the registry holds no content for it: see
//!   [`crate::state::registry_store`]).
//! - `DELETE`: by digest only (400 `UNSUPPORTED` for a tag), the artifact deleted as the
//!   artifact API deletes it, 202.
//! - `GET .../tags/list`, `GET /v2/_catalog`: sorted names, `n` items after `last`, and a
//!   `Link` to the next page when there is one; `n=0` is an empty list.

use crate::state::webhook_events::QuotaRequest;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::access::Access;
use super::blobs::check_digest;
use super::errors::{Code, RegistryError, RegistryResult};
use super::{RegistryRequest, empty, json_response};
use crate::errors::ApiError;
use crate::state::SimState;
use crate::state::registry_push::{
    ManifestShape, OCI_INDEX, OCI_MANIFEST, image_references, index_entries, shape_of,
};
use crate::state::registry_store::{StoredManifest, sha256_digest};
use crate::state_guard::{self, StateGuard};

/// A reference that is a digest (`digest.Parse` succeeds).
fn is_digest(reference: &str) -> bool {
    check_digest(reference).is_ok()
}

/// Whether `reference` is a tag distribution's routes take: `[\w][\w.-]{0,127}`.
fn is_tag(reference: &str) -> bool {
    let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let bytes = reference.as_bytes();
    !bytes.is_empty()
        && bytes.len() <= 128
        && word(bytes[0])
        && bytes[1..]
            .iter()
            .all(|&b| word(b) || b == b'.' || b == b'-')
}

/// `project` and the rest of a repository name.
fn split_name(name: &str) -> (&str, &str) {
    name.split_once('/').unwrap_or((name, ""))
}

/// The artifact `reference` (tag or digest) names in repository `name`, with Harbor's 404s.
fn artifact_of(state: &SimState, name: &str, reference: &str) -> Result<i64, ApiError> {
    let found = state
        .repositories
        .id_by_name(name)
        .and_then(|repository| state.artifact_id(repository, reference).ok());
    found.ok_or_else(|| {
        let separator = if is_digest(reference) { '@' } else { ':' };
        ApiError::not_found(format!("artifact {name}{separator}{reference} not found"))
    })
}

/// `GET`/`HEAD` of a manifest.
pub(super) fn get(
    request: &RegistryRequest<'_>,
    name: &str,
    reference: &str,
) -> RegistryResult<Response> {
    // A GET is a pull Harbor records; a HEAD is not.
    let pulls = request.method == axum::http::Method::GET;
    let mut guard = StateGuard::lock(&request.shared.state, pulls);
    let state = guard.state();
    let caller = request.admit(state, name, "pull")?;
    let id = artifact_of(state, name, reference)?;
    let digest = state.artifacts[&id].digest.clone();
    let etag_matches = request
        .headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| v == digest || v == format!("\"{digest}\""));
    if etag_matches {
        return Ok(empty(StatusCode::NOT_MODIFIED, &[]));
    }
    let stored = state
        .registry
        .serves(name, &digest)
        .then(|| state.registry.manifest(&digest))
        .flatten()
        .ok_or_else(|| RegistryError::code(Code::ManifestUnknown))?;
    let (body, media_type) = (stored.body.clone(), stored.media_type.clone());
    refuse_unaccepted(request, &media_type)?;
    let operator = caller.username(state);
    if let Some(state) = guard.state_mut() {
        state.record_pull(&operator, id, (!is_digest(reference)).then_some(reference));
    }
    let mut response = Response::new(Body::from(body.clone()));
    let headers = response.headers_mut();
    for (key, value) in [
        (header::CONTENT_TYPE.as_str(), media_type),
        (header::CONTENT_LENGTH.as_str(), body.len().to_string()),
        ("Docker-Content-Digest", digest.clone()),
        ("Etag", format!("\"{digest}\"")),
    ] {
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            headers.insert(key, v);
        }
    }
    Ok(response)
}

/// Distribution's answer to a client whose `Accept` does not name the OCI manifest or index it
/// asked for (`GetManifest`): 404 `MANIFEST_UNKNOWN` in words of its own. Harbor asks
/// distribution by digest (`getManifest` turns a tag into the artifact's digest), so its
/// by-tag rewrites (a schema 2 manifest into schema 1, a manifest list into its `linux/amd64`
/// image) never happen: a Docker manifest or manifest list is answered whatever is accepted.
fn refuse_unaccepted(request: &RegistryRequest<'_>, media_type: &str) -> RegistryResult<()> {
    let message = match media_type {
        OCI_MANIFEST => "OCI manifest found, but accept header does not support OCI manifests",
        OCI_INDEX => "OCI index found, but accept header does not support OCI indexes",
        _ => return Ok(()),
    };
    let accepted = request
        .headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(accepted_media_type)
        .any(|accepted| accepted == media_type);
    if accepted {
        Ok(())
    } else {
        Err(RegistryError::Reworded(Code::ManifestUnknown, message))
    }
}

/// One entry of an `Accept` header as Go's `mime.ParseMediaType` reads it: the media type,
/// lower-cased, or `None` for an entry it refuses (no `type/subtype`, a parameter without
/// `=`), which distribution skips. `q` values mean nothing to distribution.
fn accepted_media_type(entry: &str) -> Option<String> {
    let mut parts = entry.split(';');
    let media_type = parts.next()?.trim().to_ascii_lowercase();
    let (kind, subtype) = media_type.split_once('/')?;
    let token = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_graphic() && !b"()<>@,;:\\\"/[]?=".contains(&b))
    };
    if !token(kind) || !token(subtype) {
        return None;
    }
    for parameter in parts.map(str::trim).filter(|p| !p.is_empty()) {
        let (key, _) = parameter.split_once('=')?;
        if !token(key.trim()) {
            return None;
        }
    }
    Some(media_type)
}

/// The media type a manifest was pushed as: `Content-Type`, unless absent or plain JSON,
/// then the document's `mediaType` (`distribution.UnmarshalManifest`).
fn pushed_media_type(request: &RegistryRequest<'_>, doc: &Value) -> String {
    let content_type = request
        .headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.split(';').next().unwrap_or_default().trim().to_owned())
        .filter(|v| !v.is_empty() && v != "application/json");
    content_type.unwrap_or_else(|| {
        doc.get("mediaType")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    })
}

/// What distribution checks of a manifest before it stores it; `doc` is its JSON.
fn verify(state: &SimState, name: &str, media_type: &str, doc: &Value) -> RegistryResult<()> {
    let invalid = |detail: String| RegistryError::detailed(Code::ManifestInvalid, detail);
    let shape = shape_of(media_type)
        .ok_or_else(|| invalid(format!("unsupported manifest media type {media_type:?}")))?;
    if doc.get("schemaVersion").and_then(Value::as_i64) != Some(2) {
        return Err(invalid("schemaVersion must be 2".to_owned()));
    }
    let missing = match shape {
        ManifestShape::Image => {
            let (config, layers) = image_references(doc).ok_or_else(|| {
                invalid("an image manifest needs a config and layer descriptors".to_owned())
            })?;
            std::iter::once(config)
                .chain(layers.into_iter().filter(|l| !l.external))
                .map(|d| d.digest)
                .find(|digest| !state.registry.serves(name, digest))
        }
        ManifestShape::Index => index_entries(doc)
            .ok_or_else(|| invalid("an index needs manifest descriptors".to_owned()))?
            .into_iter()
            .map(|(d, _)| d.digest)
            .find(|digest| {
                !state.registry.serves(name, digest) || !state.registry.is_manifest(digest)
            }),
    };
    match missing {
        Some(digest) => Err(RegistryError::detailed(Code::ManifestBlobUnknown, digest)),
        None => Ok(()),
    }
}

/// What the quota asks of a manifest push (`putManifestResources`): nothing when the
/// manifest is the project's already, else its bytes and those of the blobs it references
/// that are not the project's yet (foreign layers left out).
fn storage_asked(
    state: &SimState,
    project_id: i64,
    digest: &str,
    len: usize,
    media_type: &str,
    doc: &Value,
) -> i64 {
    if state.blob_in_project(project_id, digest) {
        return 0;
    }
    let references: Vec<(String, i64, bool)> = match shape_of(media_type) {
        Some(ManifestShape::Image) => image_references(doc)
            .map(|(config, layers)| {
                std::iter::once(config)
                    .chain(layers)
                    .map(|d| {
                        let foreign = d.media_type == crate::state::blobs::FOREIGN_LAYER;
                        (d.digest, d.size, foreign)
                    })
                    .collect()
            })
            .unwrap_or_default(),
        Some(ManifestShape::Index) => index_entries(doc)
            .unwrap_or_default()
            .into_iter()
            .map(|(d, _)| (d.digest, d.size, false))
            .collect(),
        None => Vec::new(),
    };
    let missing: i64 = references
        .iter()
        .filter(|(digest, _, foreign)| !foreign && !state.blob_in_project(project_id, digest))
        .map(|(_, size, _)| size)
        .sum();
    len as i64 + missing
}

/// `PUT` of a manifest, under the request's write guard.
pub(super) fn put(
    request: &RegistryRequest<'_>,
    state: &mut SimState,
    name: &str,
    reference: &str,
) -> RegistryResult<Response> {
    let caller = request.admit(state, name, "push")?;
    let by_digest = is_digest(reference);
    if !by_digest && !is_tag(reference) {
        return Err(RegistryError::detailed(Code::TagInvalid, reference));
    }
    let (project, repo) = split_name(name);
    if !by_digest && let Ok(id) = artifact_of(state, name, reference) {
        let project_id = state.artifacts[&id].project_id;
        if state.tag_is_immutable(project_id, name, reference) {
            return Err(ApiError::precondition(format!(
                "Failed to process request due to '{repo}:{reference}' configured as immutable."
            ))
            .into());
        }
    }
    let doc: Value = serde_json::from_slice(&request.body)
        .map_err(|e| RegistryError::detailed(Code::ManifestInvalid, e.to_string()))?;
    let media_type = pushed_media_type(request, &doc);
    let digest = sha256_digest(&request.body);
    if by_digest && digest != reference {
        return Err(RegistryError::code(Code::DigestInvalid));
    }
    let project_id = state.project_id(project, true)?;
    let asked = storage_asked(
        state,
        project_id,
        &digest,
        request.body.len(),
        &media_type,
        &doc,
    );
    let operator = caller.username(state);
    let quota_request = QuotaRequest {
        operator: &operator,
        repository: name,
        tag: if by_digest { "" } else { reference },
        digest: &digest,
    };
    state.reserve_storage(project_id, asked, quota_request)?;
    verify(state, name, &media_type, &doc)?;
    state.registry.put_manifest(
        name,
        &digest,
        StoredManifest {
            media_type: media_type.clone(),
            body: request.body.clone(),
        },
    );
    let subject = crate::state::registry_push::subject_of(&doc).map(str::to_owned);
    state.push_registry_manifest(
        &operator,
        (project, repo),
        (!by_digest).then_some(reference),
        (&media_type, &digest, &doc),
        request.body.len() as i64,
    )?;
    if asked > 0 {
        state.warn_storage(project_id, quota_request);
    }
    let mut headers = vec![
        ("Location", format!("/v2/{name}/manifests/{digest}")),
        ("Docker-Content-Digest", digest),
    ];
    // The `subject` middleware tells an OCI 1.1 client that the referrers API knows it.
    headers.extend(subject.map(|s| ("OCI-Subject", s)));
    Ok(empty(StatusCode::CREATED, &headers))
}

/// `GET /v2/<name>/referrers/<digest>` (`referrersHandler`): an OCI index of the accessories
/// whose subject is `reference` in the repository, each described by its manifest's media
/// type, digest, size, annotations and `artifactType`; `artifactType` filters them (and
/// `OCI-Filters-Applied` says so), `X-Total-Count` counts them unfiltered. A subject that is
/// not there has none: an empty index.
pub(super) fn referrers(
    request: &RegistryRequest<'_>,
    name: &str,
    reference: &str,
) -> RegistryResult<Response> {
    let state = state_guard::read(&request.shared.state);
    request.admit(&state, name, "pull")?;
    if !is_digest(reference) {
        return Err(ApiError::bad_request(format!(
            "unsupported digest {reference}: invalid checksum digest format"
        ))
        .into());
    }
    let wanted = request.query("artifactType").filter(|t| !t.is_empty());
    let accessories = state.referrers(name, reference);
    let mut manifests = Vec::new();
    for accessory in &accessories {
        // The row names its artifact (deleting the artifact drops the row).
        let artifact = state.artifacts.get(&accessory.artifact_id).ok_or_else(|| {
            ApiError::not_found(format!("artifact {name}@{} not found", accessory.digest))
        })?;
        let pushed = artifact.pushed.as_deref();
        let artifact_type = pushed.map_or("", |p| p.artifact_type.as_str());
        if wanted.is_some_and(|w| w != artifact_type) {
            continue;
        }
        let size = state
            .registry
            .manifest(&accessory.digest)
            .map_or(0, |m| m.body.len());
        let mut descriptor = json!({
            "mediaType": pushed.map_or("", |p| p.manifest_media_type.as_str()),
            "digest": accessory.digest,
            "size": size,
        });
        if let Some(annotations) = pushed.map(|p| &p.annotations).filter(|a| !a.is_empty()) {
            descriptor["annotations"] = json!(annotations);
        }
        if !artifact_type.is_empty() {
            descriptor["artifactType"] = json!(artifact_type);
        }
        manifests.push(descriptor);
    }
    let body = json!({
        "schemaVersion": 2,
        "mediaType": OCI_INDEX,
        "manifests": manifests,
    });
    let mut response = json_response(StatusCode::OK, format!("{body}\n"));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static(OCI_INDEX),
    );
    headers.insert(
        "X-Total-Count",
        header::HeaderValue::from(accessories.len()),
    );
    if wanted.is_some() {
        headers.insert(
            "OCI-Filters-Applied",
            header::HeaderValue::from_static("artifactType"),
        );
    }
    Ok(response)
}

/// `DELETE` of a manifest, by digest, under the request's write guard.
pub(super) fn delete(
    request: &RegistryRequest<'_>,
    state: &mut SimState,
    name: &str,
    reference: &str,
) -> RegistryResult<Response> {
    let caller = request.admit(state, name, "delete")?;
    if !is_digest(reference) {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "UNSUPPORTED",
            format!("unsupported digest {reference}: invalid checksum digest format"),
        )
        .into());
    }
    let id = artifact_of(state, name, reference)?;
    let operator = caller.username(state);
    state.delete_artifact_deeply_as(id, &operator)?;
    Ok(empty(StatusCode::ACCEPTED, &[]))
}

/// The `n` and `last` of a listing (`ParseNAndLastParameters`).
fn n_and_last(request: &RegistryRequest<'_>) -> RegistryResult<(Option<usize>, String)> {
    let n = match request.query("n").filter(|n| !n.is_empty()) {
        None => None,
        Some(text) => Some(
            text.parse::<usize>()
                .map_err(|_| ApiError::bad_request("the N must be a positive int type"))?,
        ),
    };
    Ok((n, request.query("last").unwrap_or_default().to_owned()))
}

/// One page of sorted, distinct `items` and the `last` of the next page (`pickItems`).
fn pick(mut items: Vec<String>, n: Option<usize>, last: &str) -> (Vec<String>, Option<String>) {
    items.sort();
    items.dedup();
    if items.is_empty() || n == Some(0) {
        return (Vec::new(), None);
    }
    let n = n.unwrap_or(items.len());
    let start = if last.is_empty() {
        0
    } else {
        items.partition_point(|item| item.as_str() <= last)
    };
    let end = (start + n).min(items.len());
    let page = items[start..end].to_vec();
    let next = page.last().filter(|l| items.last() != Some(*l)).cloned();
    (page, next)
}

/// A listing's answer, with its `Link` when a next page exists and `n` was sent.
fn listing(
    request: &RegistryRequest<'_>,
    key: &str,
    extra: Value,
    items: Vec<String>,
) -> RegistryResult<Response> {
    let (n, last) = n_and_last(request)?;
    let (page, next) = pick(items, n, &last);
    let mut body = extra;
    body[key] = json!(page);
    let mut response = json_response(StatusCode::OK, format!("{body}\n"));
    if let (Some(next), Some(n)) = (next, n) {
        let path = &request.path;
        // `url.Values.Encode`: keys sorted, values escaped.
        let query = format!("last={}&n={n}", crate::pagination::query_escape(&next));
        if let Ok(v) = header::HeaderValue::from_str(&format!("<{path}?{query}>; rel=\"next\"")) {
            response.headers_mut().insert(header::LINK, v);
        }
    }
    Ok(response)
}

/// `GET /v2/<name>/tags/list`.
pub(super) fn tags(request: &RegistryRequest<'_>, name: &str) -> RegistryResult<Response> {
    let state = state_guard::read(&request.shared.state);
    request.admit(&state, name, "pull")?;
    let (n, _) = n_and_last(request)?;
    let body = json!({"name": name});
    if n == Some(0) {
        return listing(request, "tags", body, Vec::new());
    }
    let repository = state
        .repositories
        .id_by_name(name)
        .ok_or_else(|| ApiError::not_found(format!("repository {name} not found")))?;
    let tags = state
        .artifacts
        .in_repository(repository)
        .flat_map(|a| a.tags.iter().map(|t| t.name.clone()))
        .collect();
    listing(request, "tags", body, tags)
}

/// `GET /v2/_catalog`.
pub(super) fn catalog(request: &RegistryRequest<'_>) -> RegistryResult<Response> {
    let state = state_guard::read(&request.shared.state);
    let caller = request.caller(&state);
    request.check(&state, &caller, &Access::Catalog)?;
    let names = state
        .repositories
        .values()
        .map(|r| r.name.clone())
        .collect();
    listing(request, "repositories", json!({}), names)
}

#[cfg(test)]
mod tests {

    #[test]
    fn accept_entries_are_read_as_go_reads_media_types() {
        let read = |entry: &str| accepted_media_type(entry);
        assert_eq!(
            read(" Application/VND.OCI.Image.Index.v1+JSON ; q=0.5").as_deref(),
            Some(OCI_INDEX)
        );
        assert_eq!(read("*/*").as_deref(), Some("*/*"));
        assert_eq!(read("application/vnd.oci.image.manifest.v1+json; q"), None);
        assert_eq!(read("application"), None);
        assert_eq!(read("application/a b"), None);
        assert_eq!(read(""), None);
    }

    use super::*;

    #[test]
    fn pages_follow_harbors_pick_items() {
        let items = |v: &[&str]| v.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
        let all = items(&["c", "a", "b", "a"]);
        assert_eq!(pick(all.clone(), None, ""), (items(&["a", "b", "c"]), None));
        assert_eq!(
            pick(all.clone(), Some(2), ""),
            (items(&["a", "b"]), Some("b".into()))
        );
        assert_eq!(pick(all.clone(), Some(2), "b"), (items(&["c"]), None));
        assert_eq!(pick(all.clone(), Some(2), "bb"), (items(&["c"]), None));
        assert_eq!(pick(all.clone(), Some(0), ""), (Vec::new(), None));
        assert_eq!(pick(all, Some(5), "c"), (Vec::new(), None));
    }

    #[test]
    fn tags_follow_distributions_grammar() {
        assert!(is_tag("v1.2-rc_3"));
        assert!(is_tag("_x"));
        assert!(!is_tag(".x"));
        assert!(!is_tag(&"a".repeat(129)));
        assert!(!is_tag("a:b"));
    }
}
