//! The registry API's error answers. Two sources answer under `/v2/`, each in its own words:
//!
//! - the Docker distribution behind Harbor's proxy (blobs, uploads, manifest content), with
//!   its error codes and their fixed messages (`registry/api/v2/descriptors.go` and
//!   `registry/api/errcode` of distribution v2.8, the release Harbor's `go.mod` names), and
//!   an optional `detail`;
//! - Harbor's own middlewares and handlers (access, artifacts, tags, the catalog), through
//!   `lib/http.SendError`: Harbor's codes (`NOT_FOUND`, `PRECONDITION`, ...) and messages,
//!   the same `{"errors":[...]}` envelope the REST API uses.
//!
//! Every answer under `/v2/` carries `Docker-Distribution-Api-Version: registry/2.0`.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use crate::errors::ApiError;

/// The header every registry answer carries.
pub const API_VERSION_HEADER: &str = "Docker-Distribution-Api-Version";

/// A distribution error code: its name, status and fixed message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// 404 `BLOB_UNKNOWN`.
    BlobUnknown,
    /// 404 `BLOB_UPLOAD_INVALID` (distribution answers an invalid upload with 404).
    BlobUploadInvalid,
    /// 404 `BLOB_UPLOAD_UNKNOWN`.
    BlobUploadUnknown,
    /// 400 `DIGEST_INVALID`.
    DigestInvalid,
    /// 400 `MANIFEST_BLOB_UNKNOWN`.
    ManifestBlobUnknown,
    /// 400 `MANIFEST_INVALID`.
    ManifestInvalid,
    /// 404 `MANIFEST_UNKNOWN`.
    ManifestUnknown,
    /// 400 `NAME_INVALID`.
    NameInvalid,
    /// 400 `TAG_INVALID`.
    TagInvalid,
    /// 416 `RANGE_INVALID`.
    RangeInvalid,
    /// 405 `UNSUPPORTED`.
    Unsupported,
}

impl Code {
    /// The code's name, its status and its message.
    fn descriptor(self) -> (&'static str, StatusCode, &'static str) {
        match self {
            Code::BlobUnknown => (
                "BLOB_UNKNOWN",
                StatusCode::NOT_FOUND,
                "blob unknown to registry",
            ),
            Code::BlobUploadInvalid => (
                "BLOB_UPLOAD_INVALID",
                StatusCode::NOT_FOUND,
                "blob upload invalid",
            ),
            Code::BlobUploadUnknown => (
                "BLOB_UPLOAD_UNKNOWN",
                StatusCode::NOT_FOUND,
                "blob upload unknown to registry",
            ),
            Code::DigestInvalid => (
                "DIGEST_INVALID",
                StatusCode::BAD_REQUEST,
                "provided digest did not match uploaded content",
            ),
            Code::ManifestBlobUnknown => (
                "MANIFEST_BLOB_UNKNOWN",
                StatusCode::BAD_REQUEST,
                "blob unknown to registry",
            ),
            Code::ManifestInvalid => (
                "MANIFEST_INVALID",
                StatusCode::BAD_REQUEST,
                "manifest invalid",
            ),
            Code::ManifestUnknown => (
                "MANIFEST_UNKNOWN",
                StatusCode::NOT_FOUND,
                "manifest unknown",
            ),
            Code::NameInvalid => (
                "NAME_INVALID",
                StatusCode::BAD_REQUEST,
                "invalid repository name",
            ),
            Code::TagInvalid => (
                "TAG_INVALID",
                StatusCode::BAD_REQUEST,
                "manifest tag did not match URI",
            ),
            Code::RangeInvalid => (
                "RANGE_INVALID",
                StatusCode::RANGE_NOT_SATISFIABLE,
                "invalid content range",
            ),
            Code::Unsupported => (
                "UNSUPPORTED",
                StatusCode::METHOD_NOT_ALLOWED,
                "The operation is unsupported.",
            ),
        }
    }
}

/// An error answer under `/v2/`.
#[derive(Debug, Clone, PartialEq)]
pub enum RegistryError {
    /// Distribution's, with its detail (`null` for none).
    Distribution(Code, Value),
    /// Distribution's with another message and no detail (errcode's `WithMessage`).
    Reworded(Code, &'static str),
    /// Harbor's own (`SendError`).
    Harbor(ApiError),
    /// 401 from Harbor's `v2auth` middleware, with the challenge to send.
    Challenge {
        /// The `WWW-Authenticate` value.
        challenge: String,
        /// The message (`unauthorized`, `unauthorized to access repository: ...`).
        message: String,
    },
}

impl RegistryError {
    /// A distribution error without detail.
    pub fn code(code: Code) -> Self {
        Self::Distribution(code, Value::Null)
    }

    /// A distribution error with a detail.
    pub fn detailed(code: Code, detail: impl Into<Value>) -> Self {
        Self::Distribution(code, detail.into())
    }
}

impl From<ApiError> for RegistryError {
    fn from(error: ApiError) -> Self {
        Self::Harbor(error)
    }
}

/// The result of a registry request's handler.
pub type RegistryResult<T> = Result<T, RegistryError>;

/// Adds the registry's version header to an answer.
pub fn with_api_version(mut response: Response) -> Response {
    response
        .headers_mut()
        .insert(API_VERSION_HEADER, HeaderValue::from_static("registry/2.0"));
    response
}

impl RegistryError {
    /// The answer's status.
    pub fn status(&self) -> StatusCode {
        match self {
            RegistryError::Distribution(code, _) | RegistryError::Reworded(code, _) => {
                code.descriptor().1
            }
            RegistryError::Harbor(error) => error.status,
            RegistryError::Challenge { .. } => StatusCode::UNAUTHORIZED,
        }
    }
}

impl IntoResponse for RegistryError {
    fn into_response(self) -> Response {
        let response = match self {
            RegistryError::Distribution(code, detail) => {
                let (name, status, message) = code.descriptor();
                let mut entry = json!({"code": name, "message": message});
                if !detail.is_null() {
                    entry["detail"] = detail;
                }
                distribution_answer(status, entry)
            }
            RegistryError::Reworded(code, message) => {
                let (name, status, _) = code.descriptor();
                distribution_answer(status, json!({"code": name, "message": message}))
            }
            RegistryError::Harbor(error) => error.into_response(),
            RegistryError::Challenge { challenge, message } => {
                let mut response = ApiError::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", message)
                    .into_response();
                // Set even when empty, as `v2auth` sets it.
                if let Ok(value) = HeaderValue::from_str(&challenge) {
                    response
                        .headers_mut()
                        .insert(header::WWW_AUTHENTICATE, value);
                }
                response
            }
        };
        with_api_version(response)
    }
}

/// Distribution's error envelope around one `entry`.
fn distribution_answer(status: StatusCode, entry: Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        format!("{}\n", json!({ "errors": [entry] })),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt as _;

    async fn body(response: Response) -> Value {
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }

    #[tokio::test]
    async fn distribution_errors_carry_their_fixed_message_and_the_detail() {
        let response = RegistryError::detailed(Code::BlobUnknown, "sha256:00").into_response();
        assert_eq!(response.status(), StatusCode::NOT_FOUND);
        assert_eq!(response.headers()[API_VERSION_HEADER], "registry/2.0");
        assert_eq!(
            body(response).await,
            json!({"errors": [{"code": "BLOB_UNKNOWN", "message": "blob unknown to registry", "detail": "sha256:00"}]})
        );
        let response = RegistryError::code(Code::Unsupported).into_response();
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(
            body(response).await,
            json!({"errors": [{"code": "UNSUPPORTED", "message": "The operation is unsupported."}]})
        );
    }

    #[tokio::test]
    async fn a_challenge_is_harbors_401_with_the_header() {
        let response = RegistryError::Challenge {
            challenge: r#"Basic realm="harbor""#.into(),
            message: "unauthorized".into(),
        }
        .into_response();
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            response.headers()[header::WWW_AUTHENTICATE],
            r#"Basic realm="harbor""#
        );
        assert_eq!(
            body(response).await,
            json!({"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized"}]})
        );
    }
}
