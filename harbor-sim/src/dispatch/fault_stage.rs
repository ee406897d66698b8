//! The request's fault: drawn once validation passed, it answers in the handler's place (a
//! status, a reset connection), delays the request, or shapes what the handler answered (a
//! write applied then failed, a truncated or non-JSON body).

use std::time::Duration;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::reply::{into_response, json_response, reply_bytes};
use super::{Injected, ResetConnection};
use crate::context::Reply;
use crate::errors::{ApiResult, ERROR_CONTENT_TYPE, error_body};
use crate::faults::Fault;
use crate::operation::OpSpec;
use crate::operation_table::Routed;
use crate::server::Shared;

/// What became of a request that met its fault (or none).
pub(super) enum FaultMet {
    /// The fault is the answer (a status, a reset connection).
    Answered(Response),
    /// The request goes on, with the fault that shapes its answer, if any.
    HandOn(Option<Fault>),
}

/// Draws the request's fault: a status or a reset answers here, a delay is spent here, and
/// the others (which shape the handler's answer) are handed on.
pub(super) async fn meet_fault(shared: &Shared, op: &Routed) -> FaultMet {
    let id = op.spec.id;
    let fault = shared.faults.draw(id);
    if fault.is_some() {
        shared.counters.fault(id);
    }
    match fault {
        Some(Fault::Status {
            status,
            retry_after,
        }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let mut response = json_response(
                status,
                error_body(status, fault_code(status), "injected fault")
                    .to_string()
                    .into(),
                ERROR_CONTENT_TYPE,
            );
            if let Some(ra) = retry_after
                && let Ok(v) = HeaderValue::from_str(&ra.header_value())
            {
                response.headers_mut().insert(header::RETRY_AFTER, v);
            }
            response.extensions_mut().insert(Injected);
            FaultMet::Answered(response)
        }
        Some(Fault::Reset) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(ResetConnection);
            FaultMet::Answered(response)
        }
        Some(Fault::Delay { millis }) => {
            tokio::time::sleep(Duration::from_millis(millis)).await;
            FaultMet::HandOn(fault)
        }
        _ => FaultMet::HandOn(fault),
    }
}

/// The response to what the handler answered, as the request's fault (if any) shapes it.
pub(super) fn shape_answer(
    op: &'static OpSpec,
    result: ApiResult<Reply>,
    fault: Option<Fault>,
    head: bool,
) -> Response {
    let injected = matches!(
        fault,
        Some(Fault::ApplyThenFail { .. } | Fault::Truncated | Fault::NotJson)
    );
    let mut response = match (result, fault) {
        (Ok(_), Some(Fault::ApplyThenFail { status })) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            json_response(
                status,
                error_body(status, "UNKNOWN", "").to_string().into(),
                ERROR_CONTENT_TYPE,
            )
        }
        (Ok(reply), Some(Fault::Truncated)) => {
            let bytes = reply_bytes(&reply);
            let cut = bytes.slice(0..bytes.len() / 2);
            json_response(StatusCode::OK, cut, op.produces)
        }
        (Ok(_), Some(Fault::NotJson)) => {
            let mut r = (
                StatusCode::OK,
                "<html><head><title>Harbor</title></head><body>maintenance</body></html>",
            )
                .into_response();
            r.headers_mut()
                .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html"));
            r
        }
        (Ok(reply), _) => into_response(op, reply, head),
        (Err(e), _) => e.into_response(),
    };
    if injected {
        response.extensions_mut().insert(Injected);
    }
    response
}

/// Harbor's code for an injected status (`src/lib/errors/const.go`; 429's is `RateLimitCode`).
fn fault_code(status: StatusCode) -> &'static str {
    match status.as_u16() {
        429 => "TOO_MANY_REQUEST",
        400 => "BAD_REQUEST",
        401 => "UNAUTHORIZED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        _ => "UNKNOWN",
    }
}
