//! The life of a Harbor request in the simulator: pass the ingress's rate limits (or be
//! refused there), take the service time, route, count, read the body, check CSRF,
//! validate, meet a fault or not (`fault_stage.rs`); then, under one guard of the state
//! (`under_guard.rs`), authenticate, check access, (take a list's page service time,) run
//! the handler and write the audit rows; shape the answer as the fault says
//! (`fault_stage.rs`, `reply.rs`) and dress it in Harbor's headers.

mod fault_stage;
mod reply;
mod under_guard;

use std::sync::Arc;
use std::time::Instant;

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, header};
use axum::response::{IntoResponse, Response};
use http_body_util::BodyExt as _;

use crate::auth::Identity;
use crate::context::Ctx;
use crate::errors::{ApiError, ApiResult, HiddenCause};
use crate::operation::OpSpec;
use crate::operation_table::Routed;
use crate::recorder::RecordedAnswer;
use crate::router::{API_BASE, RouteMatch};
use crate::server::Shared;
use crate::session::{COOKIE_NAME, CSRF_HEADER};
use crate::validate::validate;
use fault_stage::FaultMet;

/// Marks a response the connection layer must drop without sending (the `Reset` fault).
#[derive(Debug, Clone, Copy)]
pub(crate) struct ResetConnection;

/// The largest request body accepted.
const MAX_BODY: usize = 16 * 1024 * 1024;

/// The fallback handler: every request that is not an admin request comes here.
pub(crate) async fn dispatch(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let request_id = request
        .headers()
        .get("X-Request-Id")
        .and_then(|v| v.to_str().ok())
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .unwrap_or_else(crate::random_id::random_uuid);
    let uri = shared.recorder.enabled().then(|| request.uri().to_string());
    // The ingress in front of Harbor refuses what is over a rate limit at once: Harbor never
    // sees it (no service time, no fault, no state change).
    let (op_id, mut response) = match throttle(&shared, &method, &path) {
        Some(refused) => {
            // An ingress reads and drops the body of what it refuses (nginx discards it), so
            // the connection stays usable for the next request.
            let _ = axum::body::to_bytes(request.into_body(), MAX_BODY).await;
            refused
        }
        None => {
            // The service time a real Harbor spends on any request, before the request meets
            // its fault (a delay fault adds to it).
            if let Some(hold) = shared.latency.draw() {
                tokio::time::sleep(hold).await;
            }
            crate::request_id::scoped(request_id.clone(), answer(&shared, request)).await
        }
    };
    let throttled = response.extensions().get::<Throttled>().is_some();
    if response.extensions().get::<ResetConnection>().is_none() {
        if throttled {
            // The ingress's answer carries the request id, none of Harbor's session headers.
            if let Ok(v) = HeaderValue::from_str(&request_id) {
                response.headers_mut().insert("X-Request-Id", v);
            }
        } else {
            decorate(&shared, &mut response, &request_id);
        }
        if let Some(uri) = uri {
            response = record(&shared, op_id, &method, uri, response).await;
        }
    }
    tracing::info!(
        target: "harbor_sim::request",
        %method, %path, status = response.status().as_u16(), operation = op_id,
        request_id = %request_id, elapsed_us = started.elapsed().as_micros() as u64,
        reset = response.extensions().get::<ResetConnection>().is_some(), throttled,
        "request"
    );
    response
}

/// Marks an answer the rate limits gave in the ingress's place.
#[derive(Debug, Clone, Copy)]
struct Throttled;

/// The 429 of the rate limits, if the request is over one. The global limit sees every
/// request; an operation's limit the requests that route to it, which are counted (received
/// and throttled) when refused.
fn throttle(shared: &Shared, method: &Method, path: &str) -> Option<(&'static str, Response)> {
    if !shared.limits.is_armed() {
        return None;
    }
    let op_id = path.strip_prefix(API_BASE).and_then(|rest| {
        match shared.routes.route(method.as_str(), rest) {
            RouteMatch::Found { op, .. } => Some(op.spec.id),
            _ => None,
        }
    });
    let refused = shared
        .limits
        .admit(op_id, tokio::time::Instant::now())
        .err()?;
    if let Some(id) = op_id {
        shared.counters.received(id);
        shared.counters.throttled(id);
    }
    let mut response = ApiError::too_many_requests(refused.message()).into_response();
    response.headers_mut().insert(
        header::RETRY_AFTER,
        HeaderValue::from(refused.retry_after()),
    );
    response.extensions_mut().insert(Throttled);
    response.extensions_mut().insert(Injected);
    Some((op_id.unwrap_or(""), response))
}

/// Copies an answer into the recorder and hands it on unchanged (bodies are in memory).
async fn record(
    shared: &Shared,
    operation: &'static str,
    method: &Method,
    uri: String,
    response: Response,
) -> Response {
    let (parts, body) = response.into_parts();
    let body = body
        .collect()
        .await
        .map(|b| b.to_bytes())
        .unwrap_or_default();
    shared.recorder.push(RecordedAnswer {
        operation,
        method: method.to_string(),
        uri,
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        injected: parts.extensions.get::<Injected>().is_some(),
        body: body.clone(),
        cause: parts.extensions.get::<HiddenCause>().map(|c| c.0.clone()),
        changed_when_refused: parts
            .extensions
            .get::<crate::transaction_check::RefusalChanged>()
            .map(|c| c.0.clone())
            .unwrap_or_default(),
    });
    Response::from_parts(parts, AxumBody::from(body))
}

/// Marks an answer shaped by an injected fault, so conformance checks can leave it out.
#[derive(Debug, Clone, Copy)]
struct Injected;

/// Harbor's headers on every answer: the request id, and a session cookie (the CSRF trap).
fn decorate(shared: &Shared, response: &mut Response, request_id: &str) {
    let headers = response.headers_mut();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        headers.insert("X-Request-Id", v);
    }
    let sid = shared.sessions.new_sid();
    if let Ok(v) = HeaderValue::from_str(&format!("{COOKIE_NAME}={sid}; Path=/; HttpOnly")) {
        headers.append(header::SET_COOKIE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&shared.sessions.token_for(&sid)) {
        headers.insert(CSRF_HEADER, v);
    }
}

/// A routed request: its operation and its path parameters, decoded.
type Found = (&'static Routed, Vec<(&'static str, String)>);

/// Harbor's answer to a request the ingress let through, and the operation it routed to
/// (`""` for none).
async fn answer(shared: &Shared, request: Request) -> (&'static str, Response) {
    if crate::registry::serves(request.uri().path()) {
        return ("", crate::registry::answer(shared, request).await);
    }
    let (parts, body) = request.into_parts();
    let (op, path_params) = match route(shared, &parts) {
        Ok(found) => found,
        Err(refused) => return ("", refused.into_response()),
    };
    shared.counters.received(op.spec.id);
    let response = answer_operation(shared, op, parts, path_params, body).await;
    (op.spec.id, response)
}

/// The operation a request names, with its path parameters; or go-swagger's router's answer
/// to what matches no operation (Harbor passes its errors on).
fn route(shared: &Shared, parts: &Parts) -> Result<Found, ApiError> {
    let path_not_found = || ApiError::not_found(format!("path {} was not found", parts.uri.path()));
    let Some(rest) = parts.uri.path().strip_prefix(API_BASE) else {
        return Err(path_not_found());
    };
    match shared.routes.route(parts.method.as_str(), rest) {
        RouteMatch::Found { op, params } => Ok((op, params)),
        RouteMatch::MethodNotAllowed { allowed } => {
            let message = format!(
                "method {} is not allowed, but [{}] are",
                parts.method,
                allowed.join(",")
            );
            Err(ApiError::method_not_allowed(message))
        }
        RouteMatch::NotFound => Err(path_not_found()),
    }
}

/// The stages of a routed request, each of which may answer it: read the body, check CSRF,
/// validate, meet a fault, then run the operation under the state's guard and shape what it
/// answered.
async fn answer_operation(
    shared: &Shared,
    op: &'static Routed,
    parts: Parts,
    path_params: Vec<(&'static str, String)>,
    body: AxumBody,
) -> Response {
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return ApiError::bad_request("request body too large or unreadable").into_response();
    };
    if let Err(refused) = check_csrf(shared, op.spec, &parts.headers) {
        return refused.into_response();
    }
    let head = parts.method == Method::HEAD;
    let mut ctx = Ctx {
        op: op.spec,
        path_params,
        query: crate::binding::parse_query(parts.uri.query().unwrap_or("")),
        headers: parts.headers,
        body,
        // Known once the request holds the state (accounts are state); nothing before
        // asks who is calling.
        identity: Identity::Anonymous,
        path: parts.uri.path().to_owned(),
    };
    // go-swagger binds and validates before Harbor's handler checks who is calling.
    if let Err(e) = validate(&ctx) {
        under_guard::refuse_invalid(shared, op, &mut ctx, e.status);
        return e.into_response();
    }
    let fault = match fault_stage::meet_fault(shared, op).await {
        FaultMet::Answered(response) => return response,
        FaultMet::HandOn(fault) => fault,
    };
    let (result, refusal_changed) = under_guard::run(shared, op, &mut ctx).await;
    if let Ok(reply) = &result
        && op.spec.is_write()
        && reply.status.is_success()
    {
        shared.counters.write_applied(op.spec.id);
    }
    let mut response = fault_stage::shape_answer(op.spec, result, fault, head);
    if let Some(changed) = refusal_changed {
        response.extensions_mut().insert(changed);
    }
    response
}

/// Harbor's CSRF check, on writes only: a client that keeps the session cookie must send
/// its token back.
fn check_csrf(shared: &Shared, op: &OpSpec, headers: &HeaderMap) -> ApiResult<()> {
    if !op.is_write() {
        return Ok(());
    }
    let cookie = headers.get(header::COOKIE).and_then(|v| v.to_str().ok());
    let token = headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
    if shared.sessions.write_allowed(cookie, token) {
        Ok(())
    } else {
        Err(ApiError::forbidden("CSRF token invalid"))
    }
}
