//! The admin HTTP endpoint under `/_sim`, for clients in another process:
//!
//! | request | effect |
//! |---|---|
//! | `GET /_sim/faults` | the installed rules |
//! | `POST /_sim/faults` with a [`FaultRule`] as JSON | installs it (400 if invalid) |
//! | `DELETE /_sim/faults` | removes every rule |
//! | `GET /_sim/counters` | counters of every operation that saw traffic |
//! | `GET /_sim/counters/{operation}` | one operation's counters |
//! | `DELETE /_sim/counters` | zeroes the counters |
//! | `GET /_sim/latency` | the service time of every API answer ([`Latency`](crate::Latency)) |
//! | `PUT /_sim/latency` with a [`Latency`](crate::Latency) as JSON | sets it: `{"millis":5,"jitter_millis":2,"seed":7}` (400 if invalid) |
//! | `GET /_sim/rate-limits` | the rate limits in effect, the global one first |
//! | `PUT /_sim/rate-limits` with a [`RateLimit`](crate::RateLimit) as JSON | sets the limit of its scope, keeping a changed limit's tokens (400 if invalid) |
//! | `DELETE /_sim/rate-limits` | removes every rate limit |
//! | `DELETE /_sim/rate-limits/{scope}` | removes one: an operation id's, or `global` (404 for an unknown operation id) |
//! | `GET /_sim/service-times` | each list operation's time per item of a page ([`PageServiceTime`](crate::PageServiceTime)), by operation id |
//! | `PUT /_sim/service-times/{operation}` with a [`PageServiceTime`](crate::PageServiceTime) as JSON | sets it: `{"millis_per_item":50}` (400 if invalid or not a list, 404 for an unknown operation id) |
//! | `DELETE /_sim/service-times/{operation}` | removes it |
//! | `GET /_sim/jobs` | the [`Lifecycle`](crate::Lifecycle) of every job kind, by vendor type |
//! | `GET /_sim/jobs/{kind}` | one kind's (`GARBAGE_COLLECTION`, `IMAGE_SCAN`, `REPLICATION`, ...; 404 for another name) |
//! | `PUT /_sim/jobs/{kind}` with a [`Lifecycle`](crate::Lifecycle) as JSON | sets the kind's, for the jobs started from now on (400 if invalid) |
//! | `PUT /_sim/jobs/{kind}/next` with a [`Lifecycle`](crate::Lifecycle) as JSON | sets the next job's of the kind only |
//! | `POST /_sim/reset` | restores the initial state (job lifecycles included), latency and page service times, clears faults, rate limits and counters |
//! | `POST /_sim/push` with `{"project","repository","tag"}` | what a `docker push` does (the administrator's); with `"platforms": ["linux/amd64", ...]` an image index of one image per platform ([`SimHandle::push_image_index`]), with `"icon"` (base64 of a GIF, PNG or JPEG) an image with its own icon ([`SimHandle::push_image_with_icon`]); answers 201 `{"digest": ...}`, or Harbor's error body (400 for a bad body, 404 without the project) |
//! | `GET /_sim/reachable` | the hosts the simulated Harbor can reach |
//! | `PUT /_sim/reachable/{host}` / `DELETE /_sim/reachable/{host}` | makes a host reachable / unreachable |
//! | `GET /_sim/gc-time-window` | GC's time window, `{"hours": 2}` ([`GcTimeWindow`](crate::state::GcTimeWindow)) |
//! | `PUT /_sim/gc-time-window` with `{"hours": N}` | sets it, as Harbor's core `GC_TIME_WINDOW_HOURS` does (Harbor's API tests run with 0; 400 if invalid) |
//!
//! A rule: `{"operation":"getProject","fault":{"kind":"status","status":503,
//! "retry_after":{"seconds":2}},"next":2}`; without `operation` it applies to every
//! operation; the trigger is `"next":N`, `"fraction":0.2,"seed":7` or `"always":true` (once
//! when none is given). Fault kinds: `status` (`status`, optional `retry_after`: `{"seconds":N}`
//! or `{"http_date":N}`), `delay` (`millis`), `reset`, `apply_then_fail` (`status`),
//! `truncated`, `not_json`.
//! A rate limit: `{"operation":"getProject","rate":10,"burst":10}`; without `operation` it
//! limits every request, without `burst` the bucket holds one second's worth.
//! The endpoint is unauthenticated: the simulator is a test tool, bind it to loopback.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post, put};
use serde_json::json;

use crate::errors::ApiError;
use crate::faults::FaultRule;
use crate::latency::{Latency, PageServiceTime, PageServiceTimeError};
use crate::rate_limit::RateLimit;
use crate::server::{Shared, SimHandle};
use crate::state::{GcTimeWindow, JobKind, Lifecycle};

pub(crate) fn router() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            "/faults",
            get(list_faults).post(add_fault).delete(clear_faults),
        )
        .route("/counters", get(counters).delete(reset_counters))
        .route("/counters/{operation}", get(counter))
        .route("/latency", get(latency).put(set_latency))
        .route("/service-times", get(page_service_times))
        .route(
            "/service-times/{operation}",
            put(set_page_service_time).delete(clear_page_service_time),
        )
        .route(
            "/rate-limits",
            get(rate_limits)
                .put(set_rate_limit)
                .delete(clear_rate_limits),
        )
        .route("/rate-limits/{scope}", delete(clear_rate_limit))
        .route("/reset", post(reset))
        .route("/jobs", get(job_lifecycles))
        .route("/jobs/{kind}", get(job_lifecycle).put(set_job_lifecycle))
        .route("/jobs/{kind}/next", put(set_next_job_lifecycle))
        .route("/push", post(push))
        .route("/reachable", get(reachable))
        .route("/reachable/{host}", put(allow_host).delete(deny_host))
        .route(
            "/gc-time-window",
            get(gc_time_window).put(set_gc_time_window),
        )
}

async fn list_faults(State(shared): State<Arc<Shared>>) -> Json<Vec<FaultRule>> {
    Json(SimHandle::from_shared(shared).faults())
}

async fn add_fault(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let rule: FaultRule = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => return ApiError::bad_request(format!("invalid fault rule: {e}")).into_response(),
    };
    match SimHandle::from_shared(shared).inject(rule.clone()) {
        Ok(()) => (StatusCode::CREATED, Json(rule)).into_response(),
        Err(e) => ApiError::bad_request(e.to_string()).into_response(),
    }
}

async fn clear_faults(State(shared): State<Arc<Shared>>) -> StatusCode {
    SimHandle::from_shared(shared).clear_faults();
    StatusCode::NO_CONTENT
}

async fn counters(State(shared): State<Arc<Shared>>) -> Response {
    Json(SimHandle::from_shared(shared).counters()).into_response()
}

async fn counter(State(shared): State<Arc<Shared>>, Path(operation): Path<String>) -> Response {
    match SimHandle::from_shared(shared).counts(&operation) {
        Some(c) => Json(json!(c)).into_response(),
        None => ApiError::not_found(format!("unknown operation {operation}")).into_response(),
    }
}

async fn reset_counters(State(shared): State<Arc<Shared>>) -> StatusCode {
    SimHandle::from_shared(shared).reset_counters();
    StatusCode::NO_CONTENT
}

async fn latency(State(shared): State<Arc<Shared>>) -> Json<Latency> {
    Json(SimHandle::from_shared(shared).latency())
}

async fn set_latency(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    match serde_json::from_slice::<Latency>(&body) {
        Ok(latency) => {
            SimHandle::from_shared(shared).set_latency(latency);
            Json(latency).into_response()
        }
        Err(e) => ApiError::bad_request(format!("invalid latency: {e}")).into_response(),
    }
}

async fn page_service_times(
    State(shared): State<Arc<Shared>>,
) -> Json<std::collections::BTreeMap<String, PageServiceTime>> {
    Json(SimHandle::from_shared(shared).page_service_times())
}

async fn set_page_service_time(
    State(shared): State<Arc<Shared>>,
    Path(operation): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let time: PageServiceTime = match serde_json::from_slice(&body) {
        Ok(t) => t,
        Err(e) => {
            return ApiError::bad_request(format!("invalid page service time: {e}"))
                .into_response();
        }
    };
    match SimHandle::from_shared(shared).set_page_service_time(&operation, time) {
        Ok(()) => Json(time).into_response(),
        Err(e @ PageServiceTimeError::UnknownOperation(_)) => {
            ApiError::not_found(e.to_string()).into_response()
        }
        Err(e) => ApiError::bad_request(e.to_string()).into_response(),
    }
}

async fn clear_page_service_time(
    State(shared): State<Arc<Shared>>,
    Path(operation): Path<String>,
) -> StatusCode {
    SimHandle::from_shared(shared).clear_page_service_time(&operation);
    StatusCode::NO_CONTENT
}

async fn rate_limits(State(shared): State<Arc<Shared>>) -> Json<Vec<RateLimit>> {
    Json(SimHandle::from_shared(shared).rate_limits())
}

async fn set_rate_limit(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    let limit: RateLimit = match serde_json::from_slice(&body) {
        Ok(l) => l,
        Err(e) => return ApiError::bad_request(format!("invalid rate limit: {e}")).into_response(),
    };
    match SimHandle::from_shared(shared).set_rate_limit(limit.clone()) {
        Ok(()) => Json(limit).into_response(),
        Err(e) => ApiError::bad_request(e.to_string()).into_response(),
    }
}

async fn clear_rate_limits(State(shared): State<Arc<Shared>>) -> StatusCode {
    SimHandle::from_shared(shared).clear_rate_limits();
    StatusCode::NO_CONTENT
}

/// `global`, or an operation id; removing a limit that is not set is not an error.
async fn clear_rate_limit(
    State(shared): State<Arc<Shared>>,
    Path(scope): Path<String>,
) -> Response {
    let handle = SimHandle::from_shared(shared);
    let operation = match scope.as_str() {
        "global" => None,
        op if handle.counts(op).is_some() => Some(op),
        op => {
            return ApiError::not_found(format!(
                "unknown operation id `{op}` (give an operation id, or `global`)"
            ))
            .into_response();
        }
    };
    handle.clear_rate_limit(operation);
    StatusCode::NO_CONTENT.into_response()
}

async fn reset(State(shared): State<Arc<Shared>>) -> StatusCode {
    SimHandle::from_shared(shared).reset();
    StatusCode::NO_CONTENT
}

/// `POST /_sim/push`'s body.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PushReq {
    project: String,
    repository: String,
    tag: String,
    /// An image index of these platforms instead of one image.
    #[serde(default)]
    platforms: Option<Vec<String>>,
    /// The image's own icon, base64.
    #[serde(default)]
    icon: Option<String>,
}

async fn push(State(shared): State<Arc<Shared>>, body: axum::body::Bytes) -> Response {
    use base64::Engine as _;
    let pushed = serde_json::from_slice::<PushReq>(&body)
        .map_err(|e| ApiError::bad_request(format!("invalid push: {e}")))
        .and_then(|req| {
            let handle = SimHandle::from_shared(shared);
            let (project, repository, tag) = (&req.project, &req.repository, &req.tag);
            match (&req.platforms, &req.icon) {
                (Some(_), Some(_)) => Err(ApiError::bad_request(
                    "invalid push: an image index has no icon of its own",
                )),
                (Some(platforms), None) => {
                    let platforms: Vec<&str> = platforms.iter().map(String::as_str).collect();
                    handle.push_image_index(project, repository, tag, &platforms)
                }
                (None, Some(icon)) => {
                    let icon = base64::engine::general_purpose::STANDARD
                        .decode(icon)
                        .map_err(|e| ApiError::bad_request(format!("invalid push: icon: {e}")))?;
                    handle.push_image_with_icon(project, repository, tag, &icon)
                }
                (None, None) => handle.push_image(project, repository, tag),
            }
        });
    match pushed {
        Ok(digest) => (StatusCode::CREATED, Json(json!({"digest": digest}))).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn reachable(State(shared): State<Arc<Shared>>) -> Response {
    let hosts: Vec<String> = SimHandle::from_shared(shared)
        .with_state(|s| s.reachability.hosts().map(str::to_owned).collect());
    Json(hosts).into_response()
}

async fn allow_host(State(shared): State<Arc<Shared>>, Path(host): Path<String>) -> StatusCode {
    SimHandle::from_shared(shared).with_state(|s| s.reachability.allow(&host));
    StatusCode::NO_CONTENT
}

async fn deny_host(State(shared): State<Arc<Shared>>, Path(host): Path<String>) -> StatusCode {
    SimHandle::from_shared(shared).with_state(|s| s.reachability.deny(&host));
    StatusCode::NO_CONTENT
}

async fn gc_time_window(State(shared): State<Arc<Shared>>) -> Response {
    Json(SimHandle::from_shared(shared).with_state(|s| s.gc_time_window)).into_response()
}

async fn set_gc_time_window(
    State(shared): State<Arc<Shared>>,
    body: axum::body::Bytes,
) -> Response {
    match serde_json::from_slice::<GcTimeWindow>(&body) {
        Ok(window) => {
            SimHandle::from_shared(shared).with_state(|s| s.gc_time_window = window);
            Json(window).into_response()
        }
        Err(e) => ApiError::bad_request(format!("invalid GC time window: {e}")).into_response(),
    }
}

async fn job_lifecycles(State(shared): State<Arc<Shared>>) -> Response {
    Json(SimHandle::from_shared(shared).job_lifecycles()).into_response()
}

/// The kind named in the path, or the 404 to answer.
fn job_kind(kind: &str) -> Result<JobKind, ApiError> {
    kind.parse::<JobKind>()
        .map_err(|e| ApiError::not_found(e.to_string()))
}

/// The lifecycle in a body, or the 400 to answer.
fn lifecycle_body(body: &[u8]) -> Result<Lifecycle, ApiError> {
    serde_json::from_slice::<Lifecycle>(body)
        .map_err(|e| ApiError::bad_request(format!("invalid job lifecycle: {e}")))
}

async fn job_lifecycle(State(shared): State<Arc<Shared>>, Path(kind): Path<String>) -> Response {
    match job_kind(&kind) {
        Ok(kind) => Json(SimHandle::from_shared(shared).job_lifecycle(kind)).into_response(),
        Err(refused) => refused.into_response(),
    }
}

async fn set_job_lifecycle(
    State(shared): State<Arc<Shared>>,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    apply_lifecycle(shared, &kind, &body, SimHandle::set_job_lifecycle)
}

async fn set_next_job_lifecycle(
    State(shared): State<Arc<Shared>>,
    Path(kind): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    apply_lifecycle(shared, &kind, &body, SimHandle::set_next_job_lifecycle)
}

/// Reads the kind and the lifecycle of a `PUT`, hands them to `set` and answers the
/// lifecycle set, or the 404 or 400 of a bad kind or body.
fn apply_lifecycle(
    shared: Arc<Shared>,
    kind: &str,
    body: &[u8],
    set: fn(&SimHandle, JobKind, Lifecycle),
) -> Response {
    match job_kind(kind).and_then(|kind| Ok((kind, lifecycle_body(body)?))) {
        Ok((kind, lifecycle)) => {
            set(&SimHandle::from_shared(shared), kind, lifecycle.clone());
            Json(lifecycle).into_response()
        }
        Err(refused) => refused.into_response(),
    }
}
