//! Harbor's system jobs: garbage collection (`src/server/v2.0/handler/gc.go`), audit-log
//! purge (`purge.go`) and scan all (`scan_all.go`).
//!
//! GC and purge share one shape: `POST .../schedule` with `{"schedule":{"type":"Manual"}}`
//! starts a run and answers 201 with a `Location` naming it (`/system/gc/{id}`), any other
//! type sets (or with `None` removes) the periodic schedule; runs are listed, read, stopped
//! and their log read as text, and an unknown id is a 404. Scan all starts by the same
//! `POST` (201 without `Location`, as in Harbor), scans every artifact, and is watched through
//! its metrics (which count its tasks by status, `Pending` included). Runs follow the life
//! described in [`crate::state::jobs`]. A GC with
//! `delete_untagged` really removes the artifacts that have no tag (a dry run only lists
//! them in its log), and a GC or purge does its work when its job runs, not when it is
//! started ([`crate::state::job_work`]).

use axum::http::StatusCode;
use serde_json::{Map, Value, json};

use super::actor_name;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult, NIL_POINTER_PANIC};
use crate::state::audit_log::MAX_AUDIT_RETENTION_HOUR;
use crate::state::jobs::{JobSchedule, NewExecution, ZERO_TIME};
use crate::state::vulnerabilities::scan_task;
use crate::state::{Execution, GcJob, JobKind, JobStatus, JobWork, SimState, now};

/// What a GC or purge body asks for by its schedule type (`kick` in `gc.go` and `purge.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kick {
    /// `Manual`: a run now.
    Run,
    /// `None`: the schedule removed.
    Unschedule,
    /// `Hourly`, `Daily`, `Weekly`, `Custom`: the schedule set.
    Schedule,
    /// Any other type the spec lets through (empty or absent, `Schedule`): no case of
    /// `kick`'s `switch` matches, and nothing happens.
    Nothing,
}

impl Kick {
    fn of(schedule_type: &str) -> Self {
        match schedule_type {
            "Manual" => Kick::Run,
            "None" => Kick::Unschedule,
            "Hourly" | "Daily" | "Weekly" | "Custom" => Kick::Schedule,
            _ => Kick::Nothing,
        }
    }
}

/// A `{"schedule":{"type","cron"},"parameters":{}}` body.
struct ScheduleReq {
    kind: String,
    cron: String,
    parameters: Map<String, Value>,
}

/// The body of a GC, purge or scan-all schedule; `None` without a `schedule` object, which
/// each handler answers its own way ([`missing_schedule`]). The type is the spec's enum,
/// checked at the binding, and optional: absent, it is empty.
fn schedule_req(ctx: &Ctx) -> ApiResult<Option<ScheduleReq>> {
    let body: Value = ctx.json()?;
    let Some(schedule) = body.get("schedule").filter(|s| s.is_object()) else {
        return Ok(None);
    };
    let kind = schedule["type"].as_str().unwrap_or_default().to_owned();
    Ok(Some(ScheduleReq {
        kind,
        cron: schedule["cron"].as_str().unwrap_or_default().to_owned(),
        parameters: body["parameters"].as_object().cloned().unwrap_or_default(),
    }))
}

/// A schedule body without its `schedule` object: the purge's `verifyCreateRequest` and
/// `verifyUpdateRequest` refuse it (400 `bad request: schedule cann't be empty`); the GC
/// and scan-all handlers read `params.Schedule.Schedule.Type` of the nil object and panic
/// (`CreateGCSchedule`, `UpdateGCSchedule`, `CreateScanAllSchedule`,
/// `UpdateScanAllSchedule`): beego's bare 500.
fn missing_schedule(kind: JobKind) -> ApiError {
    match kind {
        JobKind::PurgeAudit => ApiError::bad_request("bad request: schedule cann't be empty"),
        _ => ApiError::panicked(format!(
            "{NIL_POINTER_PANIC}: params.Schedule.Schedule.Type"
        )),
    }
}

/// A JSON number that is not an integer Go's `json.Number.Int64` reads; `None` for any
/// other value, which Harbor's handlers ignore (they only read a `json.Number`).
fn non_integer_number(v: &Value) -> Option<bool> {
    v.is_number().then(|| v.as_i64().is_none())
}

/// The checks Harbor runs on the parameters of a GC (`kick` in `gc.go`) or purge
/// (`verifyCreateRequest`, `retentionHour` in `purge.go`; `errors.BadRequestError(err)`, so
/// `bad request: <err>`).
fn check_parameters(kind: JobKind, params: &Map<String, Value>) -> ApiResult<()> {
    let bad = |m: String| Err(ApiError::bad_request(format!("bad request: {m}")));
    match kind {
        JobKind::GarbageCollection => {
            if let Some(w) = params.get("workers") {
                match non_integer_number(w) {
                    Some(true) => return bad("workers should be integer format".into()),
                    Some(false) => {
                        let n = w.as_i64().unwrap_or_default();
                        if !(1..=10).contains(&n) {
                            return Err(ApiError::bad_request(format!(
                                "Error: Invalid number of workers:{n}. Workers must be greater than 0 and less than or equal to 10."
                            )));
                        }
                    }
                    None => {}
                }
            }
        }
        _ => {
            if params.is_empty() {
                return bad("schedule parameter cann't be empty".into());
            }
            let Some(hours) = params.get("audit_retention_hour") else {
                return bad("audit_retention_hour should provide".into());
            };
            match non_integer_number(hours) {
                Some(true) => return bad("audit_retention_hour should be integer format".into()),
                Some(false) if hours.as_i64().unwrap_or_default() > MAX_AUDIT_RETENTION_HOUR => {
                    return bad(format!(
                        "audit_retention_hour should be less than {MAX_AUDIT_RETENTION_HOUR}"
                    ));
                }
                _ => {}
            }
            if !params.contains_key("include_event_types") {
                return bad("include_event_types should provide".into());
            }
        }
    }
    Ok(())
}

/// Starts a manual GC or purge run; returns its id.
fn start_run(s: &mut SimState, kind: JobKind, params: Map<String, Value>, operator: &str) -> i64 {
    let flag = |key: &str| params.get(key).and_then(Value::as_bool).unwrap_or(false);
    // The run's attributes are the ones the controllers set, not the body's (`Start` in
    // `src/controller/gc/controller.go`, `purge/controller.go`); GC's `redis_url_reg` is
    // never answered (`CleanExtraAttrs`), its `time_window` is the core's setting. The job's
    // own work, with the same parameters, waits for the job to run (see `state::job_work`).
    let (work, extra_attrs) = match kind {
        JobKind::GarbageCollection => {
            let job = GcJob {
                delete_untagged: flag("delete_untagged"),
                dry_run: flag("dry_run"),
                workers: params.get("workers").and_then(Value::as_i64).unwrap_or(0),
                time_window: s.gc_time_window,
            };
            let attrs = json!({
                "delete_tag": flag("delete_tag"),
                "delete_untagged": job.delete_untagged,
                "dry_run": job.dry_run,
                "time_window": job.time_window.hours,
                "workers": job.workers,
            });
            (JobWork::GarbageCollection(job), attrs)
        }
        _ => {
            let hours = params
                .get("audit_retention_hour")
                .and_then(Value::as_i64)
                .unwrap_or(0);
            let types = params
                .get("include_event_types")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let dry_run = flag("dry_run");
            let attrs = json!({
                "audit_retention_hour": hours,
                "dry_run": dry_run,
                "include_event_types": types,
            });
            (
                JobWork::PurgeAudit {
                    hours,
                    types,
                    dry_run,
                },
                attrs,
            )
        }
    };
    let id = s.start_execution(NewExecution {
        kind,
        vendor_id: 0,
        trigger: "MANUAL",
        extra_attrs,
        operator: operator.to_owned(),
        tasks: vec![(json!({}), String::new())],
    });
    s.defer_work(id, vec![work]);
    id
}

/// Sets, replaces or (with `None`) removes the schedule of a periodic job. A replaced
/// schedule is a new scheduler row (new id and times: the GC and purge handlers delete the
/// old one and create another), but for a scan all of the same type and cron, which keeps
/// its row (`createOrUpdateScanAllSchedule`).
fn set_schedule(s: &mut SimState, kind: JobKind, req: ScheduleReq, what: &str) -> ApiResult<()> {
    if req.kind == "None" {
        s.schedules.remove(kind.vendor_type());
        return Ok(());
    }
    crate::cron::check_scheduled_cron(what, &req.cron)?;
    if kind == JobKind::ScanAll
        && s.schedules
            .get(kind.vendor_type())
            .is_some_and(|old| old.kind == req.kind && old.cron == req.cron)
    {
        return Ok(());
    }
    let now = now();
    let (id, created) = (s.ids.next("schedule"), now.clone());
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

/// A GC or purge body carried out as `kick` does; the run's id, 0 when it starts none. The
/// purge's parameters are checked whatever the type (`verifyCreateRequest`,
/// `verifyUpdateRequest`), the GC's only for a run or a schedule.
fn kick(ctx: &Ctx, s: &mut SimState, kind: JobKind) -> ApiResult<i64> {
    let req = schedule_req(ctx)?.ok_or_else(|| missing_schedule(kind))?;
    let kick = Kick::of(&req.kind);
    if kind == JobKind::PurgeAudit || matches!(kick, Kick::Run | Kick::Schedule) {
        check_parameters(kind, &req.parameters)?;
    }
    match kick {
        Kick::Run => {
            return Ok(start_run(
                s,
                kind,
                req.parameters,
                &actor_name(&ctx.identity),
            ));
        }
        Kick::Unschedule | Kick::Schedule => set_schedule(s, kind, req, what(kind))?,
        Kick::Nothing => {}
    }
    Ok(0)
}

pub(crate) fn create_schedule(ctx: &Ctx, s: &mut SimState, kind: JobKind) -> ApiResult<Reply> {
    let id = kick(ctx, s, kind)?;
    // Harbor's Location: the schedule path's parent and the run's id, 0 for no run
    // (`CreateGCSchedule`, `CreatePurgeSchedule`).
    let parent = ctx.path.trim_end_matches('/').trim_end_matches("/schedule");
    Ok(Reply::created(format!("{parent}/{id}")))
}

pub(crate) fn update_schedule(ctx: &Ctx, s: &mut SimState, kind: JobKind) -> ApiResult<Reply> {
    kick(ctx, s, kind)?;
    Ok(Reply::empty(StatusCode::OK))
}

/// A schedule as Harbor's `GCHistory`/`ExecHistory`; without one, 200 and no body.
pub(crate) fn get_schedule(_ctx: &Ctx, s: &mut SimState, kind: JobKind) -> ApiResult<Reply> {
    let Some(sch) = s.schedules.get(kind.vendor_type()) else {
        return Ok(Reply::empty(StatusCode::OK));
    };
    // `GCSchedule.ToSwagger`: no job name, status or deletion, which `GCHistory` leaves out.
    Ok(Reply::ok(&json!({
        "id": sch.id,
        "job_kind": sch.cron,
        "job_parameters": Value::Object(sch.parameters.clone()).to_string(),
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
fn run_model(s: &SimState, e: &Execution) -> Value {
    let mut parameters = e.extra_attrs.clone();
    // A GC's figures, once its job has run and checked them in (`gcCheckIn`).
    let ran = e.tasks.iter().any(|t| t.start_time.is_some());
    if let (Some(f), true, Some(attrs)) =
        (s.gc_check_ins.get(&e.id), ran, parameters.as_object_mut())
    {
        attrs.insert("freed_space".into(), json!(f.size));
        attrs.insert("purged_blobs".into(), json!(f.blobs));
        attrs.insert("purged_manifests".into(), json!(f.manifests));
    }
    // A run has no cron and is never deleted: `GCHistory` and `ScheduleObj` leave out the
    // empty cron and the false flag (`omitempty`).
    json!({
        "id": e.id,
        "job_name": e.kind.vendor_type(),
        "job_kind": e.trigger,
        "job_parameters": parameters.to_string(),
        "schedule": {"type": title_case(&e.trigger), "next_scheduled_time": ZERO_TIME},
        "job_status": e.status.as_str(),
        "creation_time": e.start_time,
        "update_time": e.update_time,
    })
}

pub(crate) fn history(ctx: &Ctx, s: &mut SimState, kind: JobKind) -> ApiResult<Reply> {
    let runs = s.read_executions(kind, |_| true);
    ctx.list(runs.iter().map(|e| run_model(s, e)).collect())
}

/// A GC run (404 `garbage collection execution <id> not found` for none, or another job's)
/// or a purge run (404 `execution <id> not found` for none; another job's is `GetPurgeJob`'s
/// `fmt.Errorf("purge job with id %d not found")`, uncoded: Harbor's 500).
pub(crate) fn get_run(ctx: &Ctx, s: &mut SimState, kind: JobKind, param: &str) -> ApiResult<Reply> {
    let id = ctx.path_id(param)?;
    let found = s.executions.get(&id).map(|e| e.kind);
    let run = match (kind, found) {
        (JobKind::GarbageCollection, Some(JobKind::GarbageCollection)) => {
            s.read_execution(kind, id)?
        }
        (JobKind::GarbageCollection, _) => {
            return Err(ApiError::not_found(format!(
                "garbage collection execution {id} not found"
            )));
        }
        (_, None) => return Err(ApiError::not_found(format!("execution {id} not found"))),
        (_, Some(k)) if k != kind => {
            return Err(ApiError::uncoded(format!(
                "purge job with id {id} not found"
            )));
        }
        _ => s.read_execution(kind, id)?,
    };
    Ok(Reply::ok(&run_model(s, &run)))
}

/// A run's log: its first task's, read by execution id and job kind (404 `garbage
/// collection <id> log is not found` / `purge job with execution ID: <id> taskLog is not
/// found` when there is no such task).
pub(crate) fn run_log(ctx: &Ctx, s: &mut SimState, kind: JobKind, param: &str) -> ApiResult<Reply> {
    let id = ctx.path_id(param)?;
    let missing = || {
        ApiError::not_found(if kind == JobKind::GarbageCollection {
            format!("garbage collection {id} log is not found")
        } else {
            format!("purge job with execution ID: {id} taskLog is not found")
        })
    };
    if s.executions
        .get(&id)
        .is_none_or(|e| e.kind != kind || e.tasks.is_empty())
    {
        return Err(missing());
    }
    let log = s.execution_log(kind, id)?;
    Ok(Reply::text(StatusCode::OK, log))
}

/// Stops a run: Harbor's GC and purge handlers stop the execution of any job with the id.
pub(crate) fn stop_run(
    ctx: &Ctx,
    s: &mut SimState,
    _kind: JobKind,
    param: &str,
) -> ApiResult<Reply> {
    let id = ctx.path_id(param)?;
    s.stop_any_execution(id)?;
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

pub(crate) fn create_scan_all(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req = schedule_req(ctx)?;
    require_scanner(s)?;
    let req = req.ok_or_else(|| missing_schedule(JobKind::ScanAll))?;
    match req.kind.as_str() {
        "None" => {}
        "Manual" => {
            // `IsOnGoing`: the newest manual run's status, as it is now.
            if let Some(id) = latest_scan_all(s, Some("MANUAL")) {
                let status = s.read_execution(JobKind::ScanAll, id)?.status;
                if status == JobStatus::Running {
                    return Err(ApiError::conflict(format!(
                        "a previous scan all job aleady exits, its status is {}",
                        status.as_str()
                    )));
                }
            }
            // One `IMAGE_SCAN` task per artifact the scanner scans; an artifact whose own
            // scan is still queued or running is skipped (its placeholder conflicts,
            // `startScanAll` goes on); an image index is not scanned itself, its children
            // are; what the scanner cannot scan (a chart, an accessory) is passed over.
            let ids: Vec<i64> = s
                .artifacts
                .values()
                .map(|a| a.id)
                .filter(|id| s.scans_itself(*id))
                .filter(|id| s.check_no_scan_ongoing(*id).is_ok())
                .collect();
            let tasks = ids
                .iter()
                .map(|id| scan_task(*id, &s.artifacts[id].digest))
                .collect();
            let execution = s.start_execution(NewExecution {
                kind: JobKind::ScanAll,
                vendor_id: 0,
                trigger: "MANUAL",
                // `ScanAll` keeps who started it, which each task's scan event names.
                extra_attrs: json!({"operator": actor_name(&ctx.identity)}),
                operator: actor_name(&ctx.identity),
                tasks,
            });
            let task_ids: Vec<i64> = s.executions[&execution]
                .tasks
                .iter()
                .map(|t| t.id)
                .collect();
            for (artifact, task) in ids.into_iter().zip(task_ids) {
                s.attach_scan_task(artifact, execution, task);
            }
            s.defer_scan_events(execution);
        }
        _ => {
            if s.schedules.contains_key(JobKind::ScanAll.vendor_type()) {
                return Err(ApiError::precondition(
                    "fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule",
                ));
            }
            set_schedule(s, JobKind::ScanAll, req, "scan all")?;
        }
    }
    Ok(Reply::empty(StatusCode::CREATED))
}

pub(crate) fn update_scan_all(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req = schedule_req(ctx)?;
    require_scanner(s)?;
    let req = req.ok_or_else(|| missing_schedule(JobKind::ScanAll))?;
    if req.kind == "Manual" {
        return Err(ApiError::bad_request(
            "fail to update scan all schedule as wrong schedule type: Manual",
        ));
    }
    set_schedule(s, JobKind::ScanAll, req, "scan all")?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn get_scan_all_schedule(_ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    require_scanner(s)?;
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

pub(crate) fn stop_scan_all(_ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    require_scanner(s)?;
    let id = latest_scan_all(s, None)
        .ok_or_else(|| ApiError::bad_request("no scan all job is found currently"))?;
    s.stop_execution(JobKind::ScanAll, id)?;
    Ok(Reply::empty(StatusCode::ACCEPTED))
}

/// Harbor's `Stats` of the newest scan-all run; zeros before any.
pub(crate) fn scan_all_metrics(
    _ctx: &Ctx,
    s: &mut SimState,
    trigger: Option<&str>,
) -> ApiResult<Reply> {
    require_scanner(s)?;
    // Before any run Harbor answers an empty `Stats`, whose `total`, `completed` and
    // `ongoing` are never omitted (`x-omitempty: false`).
    let Some(id) = latest_scan_all(s, trigger) else {
        return Ok(Reply::ok(
            &json!({"total": 0, "completed": 0, "ongoing": false}),
        ));
    };
    let e = s.read_execution(JobKind::ScanAll, id)?;
    let count = |st: JobStatus| e.tasks.iter().filter(|t| t.status == st).count();
    let completed = count(JobStatus::Success) + count(JobStatus::Error) + count(JobStatus::Stopped);
    Ok(Reply::ok(&json!({
        "total": e.tasks.len(),
        "completed": completed,
        "metrics": {
            "Pending": count(JobStatus::Pending),
            "Running": count(JobStatus::Running),
            "Success": count(JobStatus::Success),
            "Error": count(JobStatus::Error),
            "Stopped": count(JobStatus::Stopped),
        },
        "ongoing": !e.status.is_final() || completed != e.tasks.len(),
        "trigger": title_case(&e.trigger),
    })))
}
