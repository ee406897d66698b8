//! Harbor's error answers: `{"errors":[{"code","message"}]}`, the fixed body of every 5xx, and
//! the bare 500 after a panic in a handler.

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
    /// A human-readable message; of a 5xx, the cause, which is only logged.
    pub message: String,
    /// Whether Harbor's handler panics here: the answer is then beego's, a bare 500 (see
    /// [`ApiError::panicked`]).
    pub panicked: bool,
}

impl ApiError {
    /// An error with an explicit status, code and message.
    pub fn new(status: StatusCode, code: &'static str, message: impl Into<String>) -> Self {
        Self {
            status,
            code,
            message: message.into(),
            panicked: false,
        }
    }

    /// 500 as Harbor answers an error that carries no code (a Go `fmt.Errorf`, an
    /// `errors.New` of `src/lib/errors` without `WithCode`, a database error): `SendError` in
    /// `src/lib/http/error.go` finds no status for it, sends 500 with the fixed body
    /// `internal server error` and only logs `cause`.
    pub fn uncoded(cause: impl Into<String>) -> Self {
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "UNKNOWN", cause)
    }

    /// 500 as Harbor answers a panic in its handler (a nil pointer, robfig's cron parser
    /// slicing past a `TZ=` prefix, beego's `getFlatParams` refusing a struct SQL argument):
    /// beego's `defaultRecoverPanic` (`server/web/config.go`, run mode `prod`) logs the panic
    /// and writes the status alone, with no body and no `Content-Type`. `cause` is only
    /// logged.
    pub fn panicked(cause: impl Into<String>) -> Self {
        Self {
            panicked: true,
            ..Self::uncoded(cause)
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

    /// 422 `UNPROCESSABLE_ENTITY`: a parameter or body that fails the spec's types.
    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "UNPROCESSABLE_ENTITY",
            message,
        )
    }

    /// The body Harbor sends for this error; none after a panic.
    pub fn body(&self) -> Option<serde_json::Value> {
        (!self.panicked).then(|| error_body(self.status, self.code, &self.message))
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
        if self.status.is_server_error() {
            // What Harbor keeps of a 5xx's cause: its log (`log.Errorf` in `SendError`,
            // `logs.Critical` in beego's recovery).
            tracing::error!(
                target: "harbor_sim::error",
                status = self.status.as_u16(),
                panicked = self.panicked,
                cause = %self.message,
                "server error"
            );
        }
        let mut response = match self.body() {
            None => self.status.into_response(),
            Some(body) => {
                // Harbor writes the body with `json.Marshal` (`Errors.Error` in
                // `src/lib/errors/errors.go`), which escapes `<`, `>` and `&`, and a trailing
                // newline (`fmt.Fprintln`).
                let text = format!("{}\n", crate::go_json::marshal(&body));
                let mut response = (self.status, text).into_response();
                response.headers_mut().insert(
                    header::CONTENT_TYPE,
                    HeaderValue::from_static(ERROR_CONTENT_TYPE),
                );
                response
            }
        };
        if self.status.is_server_error() {
            response.extensions_mut().insert(HiddenCause(self.message));
        }
        response
    }
}

/// The cause of a 5xx answer, which Harbor only logs: carried on the response to the record
/// of answers ([`RecordedAnswer::cause`](crate::RecordedAnswer::cause)).
#[derive(Debug, Clone)]
pub(crate) struct HiddenCause(pub(crate) String);

/// The text of Go's panic on a nil pointer, the cause [`ApiError::panicked`] logs where a
/// handler of Harbor's dereferences a body's missing object.
pub(crate) const NIL_POINTER_PANIC: &str =
    "runtime error: invalid memory address or nil pointer dereference";

/// The simulator's result type for handlers.
pub type ApiResult<T> = Result<T, ApiError>;

#[cfg(test)]
mod tests {
    use super::*;

    async fn parts(error: ApiError) -> (StatusCode, Option<HeaderValue>, String, Option<String>) {
        let response = error.into_response();
        let content_type = response.headers().get(header::CONTENT_TYPE).cloned();
        let cause = response
            .extensions()
            .get::<HiddenCause>()
            .map(|c| c.0.clone());
        let status = response.status();
        let body = axum::body::to_bytes(response.into_body(), usize::MAX)
            .await
            .expect("a body");
        (
            status,
            content_type,
            String::from_utf8_lossy(&body).into_owned(),
            cause,
        )
    }

    #[tokio::test]
    async fn an_uncoded_error_is_harbors_fixed_500_and_keeps_its_cause() {
        let (status, content_type, body, cause) =
            parts(ApiError::uncoded("missing scanner UUID")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(
            content_type,
            Some(HeaderValue::from_static(ERROR_CONTENT_TYPE))
        );
        assert_eq!(
            body,
            "{\"errors\":[{\"code\":\"UNKNOWN\",\"message\":\"internal server error\"}]}\n"
        );
        assert_eq!(cause.as_deref(), Some("missing scanner UUID"));
    }

    #[tokio::test]
    async fn a_panic_is_beegos_bare_500() {
        let (status, content_type, body, cause) = parts(ApiError::panicked("runtime error")).await;
        assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR);
        assert_eq!(content_type, None);
        assert_eq!(body, "");
        assert_eq!(cause.as_deref(), Some("runtime error"));
    }

    #[tokio::test]
    async fn a_4xx_keeps_its_message_and_records_no_cause() {
        let (status, _, body, cause) = parts(ApiError::bad_request("bad")).await;
        assert_eq!(status, StatusCode::BAD_REQUEST);
        assert_eq!(
            body,
            "{\"errors\":[{\"code\":\"BAD_REQUEST\",\"message\":\"bad\"}]}\n"
        );
        assert_eq!(cause, None);
    }
}
