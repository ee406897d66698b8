//! The job service's view of the simulator's jobs (`src/server/v2.0/handler/jobservice.go`):
//! its worker pool, workers and queues ([`crate::state::job_service`]), a job's log and a stop
//! by its job id (any task of any execution, replication tasks too), or `all` to stop every
//! running job; pausing and resuming queues; the schedules of the periodic jobs, and whether
//! the scheduler is paused (its queue's state).

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

/// The job service's worker pools.
pub(crate) fn worker_pools(_: &Ctx, s: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&s.worker_pools()))
}

/// The workers of `{pool_id}`.
pub(crate) fn workers(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&s.workers(ctx.path("pool_id"))))
}

/// The job queues.
pub(crate) fn job_queues(_: &Ctx, s: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&s.job_queues()))
}

/// A job's log by its job id. The job service refuses an id holding `..` (400, passed on);
/// its file logger takes ids of 24 hex digits (before an optional `@...`); an id no job has
/// is its 404, whose JSON error Harbor's job client passes on as the message
/// (`src/common/job/client.go`, `GetJobLog`). Any other id the job service's file getter
/// refuses (`isValidLogID`): its 500 `failed to get the job log`, which Harbor's job client
/// passes on as a 500.
pub(crate) fn log(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let job_id = ctx.path("job_id");
    if job_id.contains("..") {
        // The job service's own 400, passed on by the job client as Harbor's.
        return Err(ApiError::bad_request(format!("invalid Job ID: {job_id}")));
    }
    let id = job_id.rsplit_once('@').map_or(job_id, |(id, _)| id);
    // The job service's `GetJobLogError` (`src/jobservice/errs/errors.go`, code 10009).
    let refused = |details: &str| {
        ApiError::uncoded(format!(
            r#"{{"code":10009,"message":"failed to get the job log","details":"{details}"}}"#
        ))
    };
    if id.len() != 24 {
        return Err(refused("invalid length of log identify"));
    }
    if !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refused("invalid log identify"));
    }
    let log = s.job_log(job_id).ok_or_else(|| {
        // The job service's `baseError` in its field order (`src/jobservice/errs/errors.go`).
        ApiError::not_found(format!(
            r#"{{"code":10010,"message":"object is not found","details":{}}}"#,
            Value::from(job_id)
        ))
    })??;
    Ok(Reply::text(StatusCode::OK, log))
}

/// Stops a job by its id, or every running job for `all` (any case). An id no job has is
/// 200 too: Harbor's `stopJob` logs "maybe the job is already complete" and returns nil.
pub(crate) fn stop(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let job_id = ctx.path("job_id");
    let jobs: Vec<String> = if job_id.eq_ignore_ascii_case("all") {
        s.running_jobs().into_iter().map(|j| j.id).collect()
    } else {
        vec![job_id.to_owned()]
    };
    for id in jobs {
        s.stop_job(&id);
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// `PUT /jobservice/queues/{job_type}`: `pause` and `resume` set the queue's state and hold
/// or let go its pending jobs; `stop` ends its pending jobs `Stopped` (`all` for every type).
/// The job type is upper-cased, the action read in any case (`ActionPendingJobs`,
/// `src/server/v2.0/handler/jobservice.go`).
pub(crate) fn pending(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let action = body["action"].as_str().unwrap_or_default().to_lowercase();
    let job_type = ctx.path("job_type").to_uppercase();
    match action.as_str() {
        "pause" => s.pause_queue(&job_type, true),
        "resume" => s.pause_queue(&job_type, false),
        "stop" => s.stop_pending_jobs(&job_type),
        _ => {
            return Err(ApiError::bad_request(
                "bad request: the action is not supported",
            ));
        }
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// `ListSchedules`: every schedule of the scheduler, the policies' and the core's included
/// ([`SimState::schedule_list`]), paged.
pub(crate) fn schedules(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    Ok(ctx.page_of(s.schedule_list(), page))
}

/// `GetSchedulePaused`: only `all` (any case); the scheduler is paused when the `SCHEDULER`
/// job type's queue is (`schedulerController.Paused` reads that queue's status).
pub(crate) fn paused(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    if !ctx.path("job_type").eq_ignore_ascii_case("all") {
        return Err(ApiError::bad_request("job_type can only be 'all'"));
    }
    let paused = s.job_service.paused.contains("SCHEDULER");
    Ok(Reply::ok(&json!({"paused": paused})))
}
