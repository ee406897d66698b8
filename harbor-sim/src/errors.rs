//! Harbor's error answers: `{"errors":[{"code","message"}]}`, and the fixed body of every 5xx.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer the simulator gives, in Harbor's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{status} {code}: {message}")]
pub struct ApiError {
    /// The HTTP status.
    pub status: StatusCode,
    /// Harbor's error code (`NOT_FOUND`, `CONFLICT`, ...).
    pub code: &'static str,
    /// A human-readable message.
    pub message: String,
}

impl ApiError {
    /// An error with an explicit status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
        }
    }

    /// 400 `BAD_REQUEST`.
    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, "BAD_REQUEST", message)
    }

    /// 401 `UNAUTHORIZED`.
    pub fn unauthorized() -> Self {
        Self::new(StatusCode::UNAUTHORIZED, "UNAUTHORIZED", "unauthorized")
    }

    /// 403 `FORBIDDEN`.
    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, "FORBIDDEN", message)
    }

    /// 404 `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, "NOT_FOUND", message)
    }

    /// 405 `METHOD_NOT_ALLOWED`.
    pub fn method_not_allowed(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            message,
        )
    }

    /// 409 `CONFLICT`.
    pub fn conflict(message: impl Into<String>) -> Self {
        Self::new(StatusCode::CONFLICT, "CONFLICT", message)
    }

    /// 412 `PRECONDITION`: Harbor's answer when a delete would orphan something.
    pub fn precondition(message: impl Into<String>) -> Self {
        Self::new(StatusCode::PRECONDITION_FAILED, "PRECONDITION", message)
    }

    /// 429 `TOO_MANY_REQUEST` (sic): Harbor's `RateLimitCode` (`src/lib/errors/const.go`),
    /// which `src/lib/http/error.go` maps to 429. Harbor sends it where a proxy-cache
    /// project's upstream refuses; the simulator also sends it for a
    /// [`RateLimit`](crate::RateLimit), the ingress in front of Harbor.
    pub fn too_many_requests(message: impl Into<String>) -> Self {
        Self::new(StatusCode::TOO_MANY_REQUESTS, "TOO_MANY_REQUEST", message)
    }

    /// 500 as Harbor sends every uncoded error (`src/lib/http/error.go`): the cause is only
    /// logged.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN",
            "internal server error",
        )
    }

    /// 422 `UNPROCESSABLE_ENTITY`: a parameter or body that fails the spec's types.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            message,
        )
    }

    /// The body Harbor sends for this error.
    pub fn body(&self) -> serde_json::Value {
        error_body(self.status, self.code, &self.message)
    }
}

/// The JSON body of an error answer: Harbor hides every 5xx behind one fixed body.
pub fn error_body(status: StatusCode, code: &str, message: &str) -> serde_json::Value {
    if status.is_server_error() {
        server_error_body()
    } else {
        json!({ "errors": [{ "code": code, "message": message }] })
    }
}

/// `{"errors":[{"code":"UNKNOWN","message":"internal server error"}]}`, Harbor's body for
/// every 5xx: `SendError` in `src/lib/http/error.go` logs the cause and sends only this.
pub fn server_error_body() -> serde_json::Value {
    json!({ "errors": [{ "code": "UNKNOWN", "message": "internal server error" }] })
}

/// The `Content-Type` of every error answer (`SendError` in `src/lib/http/error.go`).
pub const ERROR_CONTENT_TYPE: &str = "application/json; charset=utf-8";

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        // Harbor writes the body with a trailing newline (`fmt.Fprintln`).
        let mut response = (self.status, format!("{}\n", self.body())).into_response();
        response.headers_mut().insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(ERROR_CONTENT_TYPE),
        );
        response
    }
}

/// The simulator's result type for handlers.
pub type ApiResult<T> = Result<T, ApiError>;
