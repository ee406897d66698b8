//! The job service's view of the simulator's jobs (`src/server/v2.0/handler/jobservice.go`):
//! a task's log and a stop by its job id, or `all` to stop every running job; the schedules of
//! the periodic jobs, and whether the scheduler is paused (it never is).

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::{JobStatus, SimState};

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "actionGetJobLog" => log,
        "stopRunningJob" => stop,
        "listSchedules" => schedules,
        "getSchedulePaused" => paused,
        _ => return None,
    })
}

fn not_found(job_id: &str) -> ApiError {
    ApiError::not_found(format!("job {job_id} not found"))
}

fn log(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let job_id = ctx.path("job_id");
    let s = read(state);
    let (_, task) = s.job(job_id).ok_or_else(|| not_found(job_id))?;
    Ok(Reply::text(StatusCode::OK, task.log.clone()))
}

fn stop(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let job_id = ctx.path("job_id");
    let mut s = write(state);
    let running: Vec<i64> = if job_id == "all" {
        s.executions
            .values()
            .filter(|e| e.status == JobStatus::Running)
            .map(|e| e.id)
            .collect()
    } else {
        vec![s.job(job_id).ok_or_else(|| not_found(job_id))?.0]
    };
    for id in running {
        if let Some(e) = s.executions.get_mut(&id)
            && e.status == JobStatus::Running
        {
            e.finish(JobStatus::Stopped);
        }
    }
    Ok(Reply::empty(StatusCode::OK))
}

fn schedules(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let s = read(state);
    let docs: Vec<Value> = s
        .schedules
        .iter()
        .map(|(vendor, sch)| {
            json!({"id": sch.id, "vendor_type": vendor, "vendor_id": 0, "cron": sch.cron, "update_time": sch.update_time})
        })
        .collect();
    Ok(ctx.page_of(docs, page))
}

fn paused(ctx: &Ctx, _state: &RwLock<SimState>) -> ApiResult<Reply> {
    if !ctx.path("job_type").eq_ignore_ascii_case("all") {
        return Err(ApiError::bad_request("job_type can only be 'all'"));
    }
    Ok(Reply::ok(&json!({"paused": false})))
}
