//! Blobs and their uploads, as the Docker distribution behind Harbor answers them:
//!
//! - `GET`/`HEAD /v2/<name>/blobs/<digest>`: the bytes of a blob linked into the repository
//!   (pushed there or mounted), with `Docker-Content-Digest`; 404 `BLOB_UNKNOWN` otherwise;
//! - `DELETE`: the blob unlinked from the repository (Harbor's registry runs with deletes
//!   enabled), 202;
//! - `POST .../blobs/uploads/`: with `digest`, the whole blob in one request (201); with
//!   `mount` and `from`, a blob the caller may pull from another repository linked here
//!   (201), or, when that repository does not hold it, an upload started instead; otherwise
//!   an upload started (202, `Location`, `Docker-Upload-UUID`, `Range: 0-0`);
//! - `PATCH .../uploads/<id>`: a chunk appended (a `Content-Range` must start where the upload
//!   stands, else 416 `RANGE_INVALID`); `PUT ...?digest=`: the last chunk, the digest checked
//!   (400 `DIGEST_INVALID`), the blob stored (201); `GET`: where it stands (204); `DELETE`:
//!   cancelled (204). An upload id is known only in the repository that started it.

use crate::state::webhook_events::QuotaRequest;
use axum::body::Body;
use axum::http::{StatusCode, header};
use axum::response::Response;

use super::access::Access;
use super::errors::{Code, RegistryError, RegistryResult};
use super::{RegistryRequest, empty};
use crate::state::SimState;
use crate::state::registry_store::sha256_digest;
use crate::state_guard;

/// Checks that `digest` is a digest distribution takes (`digest.Parse`): `sha256:` and 64
/// lower-case hexadecimal digits (the one algorithm the simulator computes).
pub(super) fn check_digest(digest: &str) -> RegistryResult<()> {
    let well_formed = digest.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    });
    if well_formed {
        Ok(())
    } else {
        Err(RegistryError::detailed(
            Code::DigestInvalid,
            format!("invalid digest {digest:?}"),
        ))
    }
}

fn push<'a>(name: &'a str, mount_from: Option<&'a str>) -> Access<'a> {
    Access::Repository {
        name,
        action: "push",
        mount_from,
    }
}

/// `201 Created` for a blob now in `name`.
fn created(name: &str, digest: &str) -> Response {
    empty(
        StatusCode::CREATED,
        &[
            ("Location", format!("/v2/{name}/blobs/{digest}")),
            ("Docker-Content-Digest", digest.to_owned()),
        ],
    )
}

/// Where an upload stands: its `Location`, id and `Range`.
fn upload_headers(name: &str, id: &str, received: usize) -> [(&'static str, String); 3] {
    [
        ("Location", format!("/v2/{name}/blobs/uploads/{id}")),
        ("Docker-Upload-UUID", id.to_owned()),
        ("Range", format!("0-{}", received.saturating_sub(1))),
    ]
}

/// `GET`/`HEAD` of a blob.
pub(super) fn get(
    request: &RegistryRequest<'_>,
    name: &str,
    digest: &str,
) -> RegistryResult<Response> {
    let state = state_guard::read(&request.shared.state);
    request.admit(&state, name, "pull")?;
    check_digest(digest)?;
    let content = state
        .registry
        .blob(name, digest)
        .ok_or_else(|| RegistryError::detailed(Code::BlobUnknown, digest))?
        .clone();
    let mut response = Response::new(Body::from(content.clone()));
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        header::HeaderValue::from_static("application/octet-stream"),
    );
    headers.insert(
        header::CONTENT_LENGTH,
        header::HeaderValue::from(content.len()),
    );
    for (key, value) in [
        ("Docker-Content-Digest", digest.to_owned()),
        ("Etag", format!("\"{digest}\"")),
    ] {
        if let Ok(v) = header::HeaderValue::from_str(&value) {
            headers.insert(key, v);
        }
    }
    Ok(response)
}

/// `DELETE` of a blob, under the request's write guard: unlinked from the repository.
pub(super) fn delete(
    request: &RegistryRequest<'_>,
    state: &mut SimState,
    name: &str,
    digest: &str,
) -> RegistryResult<Response> {
    request.admit(state, name, "delete")?;
    check_digest(digest)?;
    if !state.registry.unlink(name, digest) {
        return Err(RegistryError::detailed(Code::BlobUnknown, digest));
    }
    Ok(empty(
        StatusCode::ACCEPTED,
        &[("Docker-Content-Digest", digest.to_owned())],
    ))
}

/// `POST .../blobs/uploads/`, under the request's write guard: a monolithic upload, a mount,
/// or an upload started.
pub(super) fn start_upload(
    request: &RegistryRequest<'_>,
    state: &mut SimState,
    name: &str,
) -> RegistryResult<Response> {
    let mount = request.query("mount").filter(|m| !m.is_empty());
    let from = request.query("from").filter(|f| !f.is_empty());
    let mount_from = mount.and(from);
    let caller = request.caller(state);
    request.check(state, &caller, &push(name, mount_from))?;
    if let (Some(digest), Some(from)) = (mount, from)
        && let Some(size) = state.registry.blob(from, digest).map(|b| b.len() as i64)
    {
        // The quota reserves a mounted blob new to the project (`postInitiateBlobUpload
        // Resources`), and the `blob` middleware associates it.
        let project_id = project_of(state, name)?;
        let operator = caller.username(state);
        let quota_request = blob_quota_request(&operator, name);
        let asked = !state.blob_in_project(project_id, digest);
        if asked {
            state.reserve_storage(project_id, size, quota_request)?;
        }
        state.registry.link(name, digest);
        state.registry.associate(project_id, digest, size);
        state.refresh_quota_usage(project_id);
        if asked {
            state.warn_storage(project_id, quota_request);
        }
        return Ok(created(name, digest));
    }
    if let Some(digest) = request.query("digest") {
        check_digest(digest)?;
        if sha256_digest(&request.body) != digest {
            return Err(RegistryError::code(Code::DigestInvalid));
        }
        state.registry.put_blob(name, digest, request.body.clone());
        return Ok(created(name, digest));
    }
    let id = crate::random_id::random_uuid();
    state.registry.start_upload(id.clone(), name);
    Ok(empty(StatusCode::ACCEPTED, &upload_headers(name, &id, 0)))
}

/// The id of the project of repository `name` (`v2auth` has found it).
fn project_of(state: &crate::state::SimState, name: &str) -> RegistryResult<i64> {
    let project = name.split('/').next().unwrap_or_default();
    Ok(state.project_id(project, true)?)
}

fn unknown_upload(id: &str) -> RegistryError {
    RegistryError::detailed(Code::BlobUploadUnknown, id)
}

/// The upload `id` of repository `name`, or `BLOB_UPLOAD_UNKNOWN`.
fn upload_of<'s>(
    state: &'s mut crate::state::SimState,
    name: &str,
    id: &str,
) -> RegistryResult<&'s mut crate::state::registry_store::Upload> {
    state
        .registry
        .upload_mut(name, id)
        .ok_or_else(|| unknown_upload(id))
}

/// `GET .../uploads/<id>`: where the upload stands.
pub(super) fn upload_status(
    request: &RegistryRequest<'_>,
    name: &str,
    id: &str,
) -> RegistryResult<Response> {
    let mut state = state_guard::write(&request.shared.state);
    request.admit(&state, name, "pull")?;
    let received = upload_of(&mut state, name, id)?.data.len();
    Ok(empty(
        StatusCode::NO_CONTENT,
        &upload_headers(name, id, received),
    ))
}

/// The start of a `Content-Range: <start>-<end>` header, if the request has a well-formed one.
fn range_start(request: &RegistryRequest<'_>) -> Option<Result<usize, ()>> {
    let value = request.headers.get(header::CONTENT_RANGE)?;
    let parsed = value
        .to_str()
        .ok()
        .and_then(|v| v.split_once('-'))
        .and_then(|(start, end)| {
            Some((
                start.trim().parse::<usize>().ok()?,
                end.trim().parse::<usize>().ok()?,
            ))
        })
        .filter(|(start, end)| start <= end)
        .map(|(start, _)| start);
    Some(parsed.ok_or(()))
}

/// `PATCH .../uploads/<id>`: a chunk appended.
pub(super) fn append(
    request: &RegistryRequest<'_>,
    name: &str,
    id: &str,
) -> RegistryResult<Response> {
    let mut state = state_guard::write(&request.shared.state);
    request.admit(&state, name, "push")?;
    let upload = upload_of(&mut state, name, id)?;
    match range_start(request) {
        Some(Ok(start)) if start == upload.data.len() => {}
        None => {}
        Some(_) => return Err(RegistryError::code(Code::RangeInvalid)),
    }
    upload.data.extend_from_slice(&request.body);
    let received = upload.data.len();
    Ok(empty(
        StatusCode::ACCEPTED,
        &upload_headers(name, id, received),
    ))
}

/// `PUT .../uploads/<id>?digest=`: the last chunk, and the blob stored under its digest.
pub(super) fn complete(
    request: &RegistryRequest<'_>,
    name: &str,
    id: &str,
) -> RegistryResult<Response> {
    let mut state = state_guard::write(&request.shared.state);
    let caller = request.admit(&state, name, "push")?;
    let received = upload_of(&mut state, name, id)?.data.len();
    let Some(digest) = request.query("digest") else {
        return Err(RegistryError::detailed(
            Code::DigestInvalid,
            "digest missing",
        ));
    };
    check_digest(digest)?;
    // The quota reserves what this request sends, or, when it sends nothing, what the
    // upload has accepted (`putBlobUploadResources` reads `Content-Length` first), unless
    // the blob is the project's already.
    let project_id = project_of(&state, name)?;
    let operator = caller.username(&state);
    let quota_request = blob_quota_request(&operator, name);
    let asked = !state.blob_in_project(project_id, digest);
    if asked {
        let reserved = if request.body.is_empty() {
            received
        } else {
            request.body.len()
        };
        state.reserve_storage(project_id, reserved as i64, quota_request)?;
    }
    let mut upload = state
        .registry
        .take_upload(name, id)
        .ok_or_else(|| unknown_upload(id))?;
    upload.data.extend_from_slice(&request.body);
    if sha256_digest(&upload.data) != digest {
        return Err(RegistryError::code(Code::DigestInvalid));
    }
    let size = upload.data.len() as i64;
    state.registry.put_blob(name, digest, upload.data.into());
    state.registry.associate(project_id, digest, size);
    state.refresh_quota_usage(project_id);
    if asked {
        state.warn_storage(project_id, quota_request);
    }
    Ok(created(name, digest))
}

/// A blob request as the quota middleware's events name it: no tag or digest, the path's
/// repository.
fn blob_quota_request<'a>(operator: &'a str, repository: &'a str) -> QuotaRequest<'a> {
    QuotaRequest {
        operator,
        repository,
        tag: "",
        digest: "",
    }
}

/// `DELETE .../uploads/<id>`: the upload cancelled.
pub(super) fn cancel(
    request: &RegistryRequest<'_>,
    name: &str,
    id: &str,
) -> RegistryResult<Response> {
    let mut state = state_guard::write(&request.shared.state);
    request.admit(&state, name, "push")?;
    state
        .registry
        .take_upload(name, id)
        .ok_or_else(|| unknown_upload(id))?;
    Ok(empty(StatusCode::NO_CONTENT, &[]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_checked_before_use() {
        assert!(check_digest(&format!("sha256:{}", "a".repeat(64))).is_ok());
        for bad in [
            "sha256:abc",
            "md5:00",
            &format!("sha256:{}", "A".repeat(64)),
            "",
        ] {
            assert!(check_digest(bad).is_err(), "{bad}");
        }
    }
}
