//! Harbor's system jobs: garbage collection (`src/server/v2.0/handler/gc.go`), audit-log
//! purge (`purge.go`) and scan all (`scan_all.go`).
//!
//! GC and purge share one shape: `POST .../schedule` with `{"schedule":{"type":"Manual"}}`
//! starts a run and answers 201 with a `Location` naming it (`/system/gc/{id}`), any other
//! type sets (or with `None` removes) the periodic schedule; runs are listed, read, stopped
//! and their log read as text, and an unknown id is a 404. Scan all starts by the same
//! `POST` (201 without `Location`, as in Harbor), scans every artifact, and is watched through
//! its metrics. Runs follow the life described in [`crate::state::jobs`]. A GC with
//! `delete_untagged` really removes the artifacts that have no tag (a dry run only lists
//! them in its log).

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::{Handler, actor_name, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::audit_log::MAX_AUDIT_RETENTION_HOUR;
use crate::state::jobs::{JobSchedule, NewExecution, ZERO_TIME, valid_cron};
use crate::state::{Execution, JobKind, JobStatus, SimState, now};

pub(super) fn handler(op: &str) -> Option<Handler> {
    let handler: Handler = match op {
        "createGCSchedule" => |c, s| create_schedule(c, s, JobKind::GarbageCollection),
        "updateGCSchedule" => |c, s| update_schedule(c, s, JobKind::GarbageCollection),
        "getGCSchedule" => |c, s| get_schedule(c, s, JobKind::GarbageCollection),
        "getGCHistory" => |c, s| history(c, s, JobKind::GarbageCollection),
        "getGC" => |c, s| get_run(c, s, JobKind::GarbageCollection, "gc_id"),
        "getGCLog" => |c, s| run_log(c, s, JobKind::GarbageCollection, "gc_id"),
        "stopGC" => |c, s| stop_run(c, s, JobKind::GarbageCollection, "gc_id"),
        "createPurgeSchedule" => |c, s| create_schedule(c, s, JobKind::PurgeAudit),
        "updatePurgeSchedule" => |c, s| update_schedule(c, s, JobKind::PurgeAudit),
        "getPurgeSchedule" => |c, s| get_schedule(c, s, JobKind::PurgeAudit),
        "getPurgeHistory" => |c, s| history(c, s, JobKind::PurgeAudit),
        "getPurgeJob" => |c, s| get_run(c, s, JobKind::PurgeAudit, "purge_id"),
        "getPurgeJobLog" => |c, s| run_log(c, s, JobKind::PurgeAudit, "purge_id"),
        "stopPurge" => |c, s| stop_run(c, s, JobKind::PurgeAudit, "purge_id"),
        "createScanAllSchedule" => create_scan_all,
        "updateScanAllSchedule" => update_scan_all,
        "getScanAllSchedule" => get_scan_all_schedule,
        "stopScanAll" => stop_scan_all,
        "getLatestScanAllMetrics" => |c, s| scan_all_metrics(c, s, None),
        "getLatestScheduledScanAllMetrics" => |c, s| scan_all_metrics(c, s, Some("SCHEDULE")),
        _ => return None,
    };
    Some(handler)
}

/// The schedule types of Harbor's `ScheduleObj`.
const SCHEDULE_TYPES: &[&str] = &["Hourly", "Daily", "Weekly", "Custom", "Manual", "None"];

/// A `{"schedule":{"type","cron"},"parameters":{}}` body.
struct ScheduleReq {
    kind: String,
    cron: String,
    parameters: Map<String, Value>,
}

fn schedule_req(ctx: &Ctx) -> ApiResult<ScheduleReq> {
    let body: Value = ctx.json()?;
    let schedule = body
        .get("schedule")
        .filter(|s| s.is_object())
        .ok_or_else(|| ApiError::bad_request("schedule cann't be empty"))?;
    let kind = schedule["type"].as_str().unwrap_or_default().to_owned();
    if !SCHEDULE_TYPES.contains(&kind.as_str()) {
        return Err(ApiError::unprocessable(format!(
            "schedule.type in body should be one of {SCHEDULE_TYPES:?}"
        )));
    }
    Ok(ScheduleReq {
        kind,
        cron: schedule["cron"].as_str().unwrap_or_default().to_owned(),
        parameters: body["parameters"].as_object().cloned().unwrap_or_default(),
    })
}

/// The checks Harbor runs on the parameters of a GC or purge.
fn check_parameters(kind: JobKind, params: &Map<String, Value>) -> ApiResult<()> {
    match kind {
        JobKind::GarbageCollection => {
            if let Some(w) = params.get("workers") {
                let n = w
                    .as_i64()
                    .ok_or_else(|| ApiError::bad_request("workers should be integer format"))?;
                if !(1..=10).contains(&n) {
                    return Err(ApiError::bad_request(format!(
                        "Error: Invalid number of workers:{n}. Workers must be greater than 0 and less than or equal to 10."
                    )));
                }
            }
        }
        _ => {
            if params.is_empty() {
                return Err(ApiError::bad_request("schedule parameter cann't be empty"));
            }
            let hours = params
                .get("audit_retention_hour")
                .ok_or_else(|| ApiError::bad_request("audit_retention_hour should provide"))?;
            let hours = hours.as_i64().ok_or_else(|| {
                ApiError::bad_request("audit_retention_hour should be integer format")
            })?;
            if hours > MAX_AUDIT_RETENTION_HOUR {
                return Err(ApiError::bad_request(format!(
                    "audit_retention_hour should be less than {MAX_AUDIT_RETENTION_HOUR}"
                )));
            }
            if !params.contains_key("include_event_types") {
                return Err(ApiError::bad_request("include_event_types should provide"));
            }
        }
    }
    Ok(())
}

/// Starts a manual GC or purge run; returns its id.
fn start_run(s: &mut SimState, kind: JobKind, params: Map<String, Value>, operator: &str) -> i64 {
    let flag = |key: &str| params.get(key).and_then(Value::as_bool).unwrap_or(false);
    let first_line = match kind {
        JobKind::GarbageCollection => {
            let dry_run = flag("dry_run");
            let removed = s.collect_garbage(flag("delete_untagged"), dry_run);
            let mut line = format!(
                "start to run gc in job, dry run: {dry_run}, {} untagged artifacts {}",
                removed.len(),
                if dry_run {
                    "would be deleted"
                } else {
                    "deleted"
                }
            );
            for name in removed {
                line.push_str(&format!("\n  {name}"));
            }
            line
        }
        _ => {
            let hours = params["audit_retention_hour"].as_i64().unwrap_or_default();
            let types = params["include_event_types"].as_str().unwrap_or_default();
            let dry_run = flag("dry_run");
            let purged = s.purge_audit_logs(hours, types, dry_run);
            // The lines Harbor's purge job logs (`src/jobservice/job/impl/purge/purge.go`).
            let prefix = if dry_run { "[DRYRUN]" } else { "" };
            format!(
                "purge audit logs older than {hours} hours, event types: {types}\n\
                 {prefix}Purged {} rows of audit logs\n\
                 {prefix}Purged {} rows of audit log exts",
                purged.legacy, purged.ext
            )
        }
    };
    s.start_execution(NewExecution {
        kind,
        vendor_id: 0,
        trigger: "MANUAL",
        extra_attrs: Value::Object(params),
        operator: operator.to_owned(),
        tasks: vec![(json!({}), first_line)],
    })
}

/// Sets, replaces or (with `None`) removes the schedule of a periodic job.
fn set_schedule(s: &mut SimState, kind: JobKind, req: ScheduleReq, what: &str) -> ApiResult<()> {
    if req.kind == "None" {
        s.schedules.remove(kind.vendor_type());
        return Ok(());
    }
    if !valid_cron(&req.cron) {
        return Err(ApiError::bad_request(format!(
            "invalid cron string for scheduled {what}: {}",
            req.cron
        )));
    }
    let now = now();
    let (id, created) = match s.schedules.get(kind.vendor_type()) {
        Some(old) => (old.id, old.creation_time.clone()),
        None => (s.ids.next("schedule"), now.clone()),
    };
    s.schedules.insert(
        kind.vendor_type(),
        JobSchedule {
            id,
            kind: req.kind,
            cron: req.cron,
            parameters: req.parameters,
            creation_time: created,
            update_time: now,
        },
    );
    Ok(())
}

fn what(kind: JobKind) -> &'static str {
    match kind {
        JobKind::GarbageCollection => "gc",
        JobKind::PurgeAudit => "log rotation purge",
        _ => "scan all",
    }
}

fn create_schedule(ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind) -> ApiResult<Reply> {
    let req = schedule_req(ctx)?;
    check_parameters(kind, &req.parameters)?;
    let mut s = write(state);
    if req.kind == "Manual" {
        let id = start_run(&mut s, kind, req.parameters, &actor_name(&ctx.identity));
        // Harbor's Location: the schedule path's parent and the run's id.
        let parent = ctx.path.trim_end_matches('/').trim_end_matches("/schedule");
        return Ok(Reply::created(format!("{parent}/{id}")));
    }
    set_schedule(&mut s, kind, req, what(kind))?;
    Ok(Reply::empty(StatusCode::CREATED))
}

fn update_schedule(ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind) -> ApiResult<Reply> {
    let req = schedule_req(ctx)?;
    check_parameters(kind, &req.parameters)?;
    let mut s = write(state);
    if req.kind == "Manual" {
        start_run(&mut s, kind, req.parameters, &actor_name(&ctx.identity));
    } else {
        set_schedule(&mut s, kind, req, what(kind))?;
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// A schedule as Harbor's `GCHistory`/`ExecHistory`; without one, 200 and no body.
fn get_schedule(_ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind) -> ApiResult<Reply> {
    let s = write(state);
    let Some(sch) = s.schedules.get(kind.vendor_type()) else {
        return Ok(Reply::empty(StatusCode::OK));
    };
    Ok(Reply::ok(&json!({
        "id": sch.id,
        "job_name": "",
        "job_kind": sch.cron,
        "job_parameters": Value::Object(sch.parameters.clone()).to_string(),
        "deleted": false,
        "job_status": "",
        "schedule": {"type": sch.kind, "cron": sch.cron},
        "creation_time": sch.creation_time,
        "update_time": sch.update_time,
    })))
}

/// `MANUAL` as a schedule type: `Manual`.
fn title_case(trigger: &str) -> String {
    let lower = trigger.to_lowercase();
    let mut chars = lower.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A GC or purge run as Harbor's `GCHistory`/`ExecHistory`.
fn run_model(e: &Execution) -> Value {
    json!({
        "id": e.id,
        "job_name": e.kind.vendor_type(),
        "job_kind": e.trigger,
        "job_parameters": e.extra_attrs.to_string(),
        "schedule": {"type": title_case(&e.trigger), "cron": "", "next_scheduled_time": ZERO_TIME},
        "job_status": e.status.as_str(),
        "deleted": false,
        "creation_time": e.start_time,
        "update_time": e.update_time,
    })
}

fn history(ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind) -> ApiResult<Reply> {
    let runs = write(state).read_executions(kind, |_| true);
    ctx.list(runs.iter().map(run_model).collect())
}

fn get_run(ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind, param: &str) -> ApiResult<Reply> {
    let id = ctx.path_id(param)?;
    let run = write(state).read_execution(kind, id)?;
    Ok(Reply::ok(&run_model(&run)))
}

fn run_log(ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind, param: &str) -> ApiResult<Reply> {
    let id = ctx.path_id(param)?;
    let log = write(state).execution_log(kind, id)?;
    Ok(Reply::text(StatusCode::OK, log))
}

fn stop_run(ctx: &Ctx, state: &RwLock<SimState>, kind: JobKind, param: &str) -> ApiResult<Reply> {
    let id = ctx.path_id(param)?;
    write(state).stop_execution(kind, id)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// Harbor refuses every scan-all operation while no default scanner is registered.
fn require_scanner(s: &SimState) -> ApiResult<()> {
    if s.scanners
        .values()
        .any(|sc| sc.doc["is_default"] == json!(true))
    {
        Ok(())
    } else {
        Err(ApiError::precondition(
            "no scanner is configured, it's not possible to scan",
        ))
    }
}

/// The newest scan-all run (of one trigger when given).
fn latest_scan_all(s: &SimState, trigger: Option<&str>) -> Option<i64> {
    s.executions
        .values()
        .rev()
        .find(|e| e.kind == JobKind::ScanAll && trigger.is_none_or(|t| e.trigger == t))
        .map(|e| e.id)
}

fn create_scan_all(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req = schedule_req(ctx)?;
    let mut s = write(state);
    require_scanner(&s)?;
    match req.kind.as_str() {
        "None" => {}
        "Manual" => {
            if let Some(id) = latest_scan_all(&s, Some("MANUAL"))
                && s.executions[&id].status == JobStatus::Running
            {
                return Err(ApiError::conflict(
                    "a previous scan all job aleady exits, its status is Running",
                ));
            }
            let ids: Vec<i64> = s.artifacts.keys().copied().collect();
            let tasks = ids
                .iter()
                .map(|id| {
                    let digest = &s.artifacts[id].digest;
                    (
                        json!({"artifact_id": id}),
                        format!("scan artifact {digest}"),
                    )
                })
                .collect();
            for id in ids {
                s.mark_scanned(id)?;
            }
            s.start_execution(NewExecution {
                kind: JobKind::ScanAll,
                vendor_id: 0,
                trigger: "MANUAL",
                extra_attrs: json!({}),
                operator: actor_name(&ctx.identity),
                tasks,
            });
        }
        _ => {
            if s.schedules.contains_key(JobKind::ScanAll.vendor_type()) {
                return Err(ApiError::precondition(
                    "fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule",
                ));
            }
            set_schedule(&mut s, JobKind::ScanAll, req, "scan all")?;
        }
    }
    Ok(Reply::empty(StatusCode::CREATED))
}

fn update_scan_all(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req = schedule_req(ctx)?;
    let mut s = write(state);
    require_scanner(&s)?;
    if req.kind == "Manual" {
        return Err(ApiError::bad_request(
            "fail to update scan all schedule as wrong schedule type: Manual",
        ));
    }
    set_schedule(&mut s, JobKind::ScanAll, req, "scan all")?;
    Ok(Reply::empty(StatusCode::OK))
}

fn get_scan_all_schedule(_ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = write(state);
    require_scanner(&s)?;
    let Some(sch) = s.schedules.get(JobKind::ScanAll.vendor_type()) else {
        return Ok(Reply::empty(StatusCode::OK));
    };
    Ok(Reply::ok(&json!({
        "id": sch.id,
        "status": "Scheduled",
        "schedule": {"type": sch.kind, "cron": sch.cron},
        "parameters": sch.parameters,
        "creation_time": sch.creation_time,
        "update_time": sch.update_time,
    })))
}

fn stop_scan_all(_ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let mut s = write(state);
    require_scanner(&s)?;
    let id = latest_scan_all(&s, None)
        .ok_or_else(|| ApiError::bad_request("no scan all job is found currently"))?;
    s.stop_execution(JobKind::ScanAll, id)?;
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

/// Harbor's `Stats` of the newest scan-all run; `{}` before any.
fn scan_all_metrics(
    _ctx: &Ctx,
    state: &RwLock<SimState>,
    trigger: Option<&str>,
) -> ApiResult<Reply> {
    let mut s = write(state);
    require_scanner(&s)?;
    let Some(id) = latest_scan_all(&s, trigger) else {
        return Ok(Reply::ok(&json!({})));
    };
    let e = s.read_execution(JobKind::ScanAll, id)?;
    let count = |st: JobStatus| e.tasks.iter().filter(|t| t.status == st).count();
    let completed = count(JobStatus::Success) + count(JobStatus::Error) + count(JobStatus::Stopped);
    Ok(Reply::ok(&json!({
        "total": e.tasks.len(),
        "completed": completed,
        "metrics": {
            "Pending": 0,
            "Running": count(JobStatus::Running),
            "Success": count(JobStatus::Success),
            "Error": count(JobStatus::Error),
            "Stopped": count(JobStatus::Stopped),
        },
        "ongoing": !e.status.is_final() || completed != e.tasks.len(),
        "trigger": title_case(&e.trigger),
    })))
}
