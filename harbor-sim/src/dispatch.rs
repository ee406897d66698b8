//! The life of a Harbor request in the simulator: pass the ingress's rate limits (or be
//! refused there), take the service time, route, count, authenticate, check CSRF, validate, meet a fault (or not), check access, take a list's page service time, run the handler,
//! and dress the answer in Harbor's headers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::body::Body as AxumBody;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::BodyExt as _;
use rand::Rng;

use crate::auth;
use crate::context::{Body, Ctx, Reply};
use crate::errors::{ApiError, ERROR_CONTENT_TYPE, error_body};
use crate::faults::Fault;
use crate::handlers;
use crate::operation::OpSpec;
use crate::recorder::RecordedAnswer;
use crate::router::{API_BASE, RouteMatch};
use crate::server::Shared;
use crate::session::{COOKIE_NAME, CSRF_HEADER};
use crate::validate::validate;

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
        .unwrap_or_else(new_request_id);
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
            answer(&shared, request).await
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
            RouteMatch::Found { op, .. } => Some(op.id),
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
    });
    Response::from_parts(parts, AxumBody::from(body))
}

/// Marks an answer shaped by an injected fault, so conformance checks can leave it out.
#[derive(Debug, Clone, Copy)]
struct Injected;

fn new_request_id() -> String {
    let n: u128 = rand::rng().random();
    let h = format!("{n:032x}");
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

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

async fn answer(shared: &Shared, request: Request) -> (&'static str, Response) {
    let (parts, body) = request.into_parts();
    // go-swagger's router answers what matches no operation (Harbor passes its errors on).
    let path_not_found = || ApiError::not_found(format!("path {} was not found", parts.uri.path()));
    let Some(rest) = parts.uri.path().strip_prefix(API_BASE) else {
        return ("", path_not_found().into_response());
    };
    let (op, path_params) = match shared.routes.route(parts.method.as_str(), rest) {
        RouteMatch::Found { op, params } => (op, params),
        RouteMatch::MethodNotAllowed { allowed } => {
            let message = format!(
                "method {} is not allowed, but [{}] are",
                parts.method,
                allowed.join(",")
            );
            return ("", ApiError::method_not_allowed(message).into_response());
        }
        RouteMatch::NotFound => return ("", path_not_found().into_response()),
    };
    shared.counters.received(op.id);

    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => {
            return (
                op.id,
                ApiError::bad_request("request body too large or unreadable").into_response(),
            );
        }
    };
    let auth_header = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let identity = auth::authenticate(&handlers::read(&shared.state), auth_header);
    if op.is_write() {
        let cookie = parts
            .headers
            .get(header::COOKIE)
            .and_then(|v| v.to_str().ok());
        let token = parts.headers.get(CSRF_HEADER).and_then(|v| v.to_str().ok());
        if !shared.sessions.write_allowed(cookie, token) {
            return (
                op.id,
                ApiError::forbidden("CSRF token invalid").into_response(),
            );
        }
    }
    let query = crate::binding::parse_query(parts.uri.query().unwrap_or(""));
    let ctx = Ctx {
        op,
        path_params,
        query,
        headers: parts.headers,
        body,
        identity,
        path: parts.uri.path().to_owned(),
    };
    // go-swagger binds and validates before Harbor's handler checks who is calling.
    if let Err(e) = validate(&ctx) {
        handlers::audit_refused(&ctx, &shared.state, e.status);
        return (op.id, e.into_response());
    }

    let fault = shared.faults.draw(op.id);
    if fault.is_some() {
        shared.counters.fault(op.id);
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
            return (op.id, response);
        }
        Some(Fault::Reset) => {
            let mut response = StatusCode::INTERNAL_SERVER_ERROR.into_response();
            response.extensions_mut().insert(ResetConnection);
            return (op.id, response);
        }
        Some(Fault::Delay { millis }) => tokio::time::sleep(Duration::from_millis(millis)).await,
        _ => {}
    }

    let authorized = crate::rbac::authorize(&ctx, &handlers::read(&shared.state));
    if let Err(e) = authorized {
        handlers::audit_refused(&ctx, &shared.state, e.status);
        return (op.id, e.into_response());
    }
    // A list's time grows with its page (Harbor's query and rendering of every row): spent
    // before the handler reads the state, so the page shows the list as it is when ready.
    if let Some(hold) = shared
        .page_times
        .hold(op.id, ctx.query("page"), ctx.query("page_size"))
    {
        tokio::time::sleep(hold).await;
    }
    let result = (handlers::handler(op.id))(&ctx, &shared.state);
    if let Ok(reply) = &result
        && op.is_write()
        && reply.status.is_success()
    {
        shared.counters.write_applied(op.id);
    }
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
        (Ok(reply), _) => into_response(op, reply, parts.method == Method::HEAD),
        (Err(e), _) => e.into_response(),
    };
    if injected {
        response.extensions_mut().insert(Injected);
    }
    (op.id, response)
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

fn reply_bytes(reply: &Reply) -> Bytes {
    match &reply.body {
        Body::Empty => Bytes::from_static(b"{}"),
        Body::Json(b) => b.clone(),
        Body::Text(t) => Bytes::from(t.clone()),
    }
}

fn json_response(status: StatusCode, body: Bytes, content_type: &'static str) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A handler's reply as Harbor sends it. The media type is the operation's `produces` from
/// the spec (go-swagger sets it from the route); an answer without a body has no
/// `Content-Type` (go-swagger's responders remove it from empty answers).
fn into_response(op: &OpSpec, reply: Reply, head: bool) -> Response {
    let (body, content_type) = match reply.body {
        Body::Empty => (Bytes::new(), None),
        Body::Json(b) => (b, Some(op.produces)),
        Body::Text(t) => (Bytes::from(t), Some(op.produces)),
    };
    let mut response = Response::new(if head {
        AxumBody::empty()
    } else {
        AxumBody::from(body)
    });
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if let Some(ct) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}
