//! CSV export of scan data (`src/server/v2.0/handler/scanexport.go`).
//!
//! `POST /export/cve` (header `X-Scan-Data-Type` naming the vulnerability report type, one
//! project in the criteria) answers `{"id": N}`; the execution is the caller's own (another
//! user gets 403) and follows the job life of [`crate::state::jobs`]; once it has succeeded
//! `GET /export/cve/download/{id}` answers the CSV (`text/csv`, one row per finding of every
//! scanned artifact the criteria select), and, as in Harbor, the download deletes the
//! execution and its file. The download's refusals carry no body, as Harbor's do, but for
//! the projects' access check (`SendError`).

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{actor_id, actor_name, security};
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::jobs::NewExecution;
use crate::state::vulnerabilities::REPORT_MIME;
use crate::state::{Execution, JobKind, JobStatus, JobWork, SimState};

/// Go's `%v` of an `[]int64`: `[1 2]`.
fn go_ints(values: &[Value]) -> String {
    let items: Vec<String> = values.iter().map(Value::to_string).collect();
    format!("[{}]", items.join(" "))
}

/// `validateScanExportParams`: the type, one project that exists, no spaces; Harbor checks
/// this before the caller's access.
fn validate(ctx: &Ctx, s: &SimState, criteria: &Value) -> ApiResult<i64> {
    let mime = ctx.header("X-Scan-Data-Type").unwrap_or_default();
    if mime != REPORT_MIME {
        return Err(ApiError::bad_request(format!(
            "bad request: Unsupported MIME type : {mime}"
        )));
    }
    let projects = criteria["projects"].as_array().cloned().unwrap_or_default();
    let [project] = projects.as_slice() else {
        return Err(ApiError::bad_request(format!(
            "bad request: only support export single project, invalid value: {}",
            go_ints(&projects)
        )));
    };
    let project = project.as_i64().unwrap_or(0);
    if !s.projects.contains_key(&project) {
        return Err(ApiError::not_found(format!(
            "resource not found: project {project} not found"
        )));
    }
    for key in ["repositories", "tags", "cveIds"] {
        if let Some(v) = criteria[key].as_str().filter(|v| v.contains(' ')) {
            return Err(ApiError::bad_request(format!(
                "bad request: invalid criteria value, please remove additional spaces for input: {v}"
            )));
        }
    }
    Ok(project)
}

/// `requireProjectsAccess`: `RequireProjectAccess` on each project, in order.
fn require_projects(ctx: &Ctx, s: &SimState, projects: &[i64], action: &str) -> ApiResult<()> {
    let sc = security(ctx, s);
    for &project in projects {
        sc.require_project(Some(project), "export-cve", action)?;
    }
    Ok(())
}

/// The projects an execution's criteria named.
fn projects_of(e: &Execution) -> Vec<i64> {
    e.extra_attrs["project_id"].as_i64().into_iter().collect()
}

/// `errors.New(nil).WithCode(errors.ForbiddenCode)`: `New(nil)` formats the nil with `%v`.
fn not_owner() -> ApiError {
    ApiError::forbidden("<nil>")
}

pub(crate) fn export(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let criteria: Value = ctx.json()?;
    let project = validate(ctx, s, &criteria)?;
    require_projects(ctx, s, &[project], "create")?;
    // The job's vendor id is the caller's user id: a robot is no user.
    let user = actor_name(&ctx.identity);
    if matches!(ctx.identity, Identity::Robot { .. }) {
        return Err(ApiError::not_found(format!("user {user} not found")));
    }
    let extra_attrs = json!({
        "job_name": criteria["job_name"],
        "project_id": project,
        "repositories": criteria["repositories"],
        "tags": criteria["tags"],
        "cveIds": criteria["cveIds"],
        "labels": criteria["labels"],
        "user_name": user,
    });
    // The job writes the file (a system artifact) from the data as it is when it runs; a
    // malformed pattern its matching reaches fails it with doublestar's error instead.
    let id = s.start_execution(NewExecution {
        kind: JobKind::ScanDataExport,
        vendor_id: actor_id(&ctx.identity),
        trigger: "MANUAL",
        extra_attrs,
        operator: user,
        tasks: vec![(
            json!({}),
            format!("export the scan data of project {project}"),
        )],
    });
    s.defer_work(id, vec![JobWork::ScanDataExport]);
    Ok(Reply::ok(&json!({ "id": id })))
}

/// Harbor's `ScanDataExportExecution`.
fn model(e: &Execution) -> Value {
    json!({
        "id": e.id,
        "user_id": e.vendor_id,
        "status": e.status.as_str(),
        "trigger": e.trigger,
        "start_time": e.start_time,
        "end_time": e.end_time_or_zero(),
        "status_text": status_text(e),
        "user_name": e.operator,
        "file_present": file_written(e),
    })
}

/// Whether the export's job has written its file (a system artifact): its task succeeded.
/// Harbor answers `file_present` and serves the download from the file's existence, not
/// from the execution's status, which follows at its next refresh.
pub(crate) fn file_written(e: &Execution) -> bool {
    !e.tasks.is_empty() && e.tasks.iter().all(|t| t.status == JobStatus::Success)
}

/// The status message; a failed export without one gets Harbor's hint.
fn status_text(e: &Execution) -> String {
    if e.status == JobStatus::Error && e.status_message.is_empty() {
        "Please contact the system administrator to check the logs of jobservice.".into()
    } else {
        e.status_message.clone()
    }
}

/// An execution of any kind (one table for every job, as Harbor's), the export's checks
/// after it: the projects' `read` access, then the owner (another kind's run has none).
fn owned_execution(ctx: &Ctx, s: &SimState, id: i64) -> ApiResult<Option<Execution>> {
    let Some(e) = s.executions.get(&id) else {
        return Ok(None);
    };
    require_projects(ctx, s, &projects_of(e), "read")?;
    let owner = e.kind == JobKind::ScanDataExport && e.operator == actor_name(&ctx.identity);
    Ok(owner.then(|| e.clone()))
}

pub(crate) fn get(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("execution_id")?;
    if !s.executions.contains_key(&id) {
        return Err(ApiError::not_found(format!("execution {id} not found")));
    }
    if owned_execution(ctx, s, id)?.is_none() {
        return Err(not_owner());
    }
    let e = s.read_execution(JobKind::ScanDataExport, id)?;
    Ok(Reply::ok(&model(&e)))
}

/// The caller's exports, newest first; the caller must still read every project they name.
pub(crate) fn list(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let me = actor_name(&ctx.identity);
    let runs = s.read_executions(JobKind::ScanDataExport, |e| e.operator == me);
    let mut projects: Vec<i64> = runs.iter().flat_map(projects_of).collect();
    projects.sort_unstable();
    projects.dedup();
    require_projects(ctx, s, &projects, "read")?;
    let items: Vec<Value> = runs.iter().map(model).collect();
    Ok(Reply::ok(&json!({ "items": items })))
}

pub(crate) fn download(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("execution_id")?;
    if !s.executions.contains_key(&id) {
        return Ok(Reply::empty(StatusCode::NOT_FOUND));
    }
    if owned_execution(ctx, s, id)?.is_none() {
        return Ok(Reply::empty(StatusCode::FORBIDDEN));
    }
    // The job as it has run by now, whether or not anyone read it since.
    let e = s.read_execution(JobKind::ScanDataExport, id)?;
    if !file_written(&e) {
        return Ok(Reply::empty(StatusCode::NOT_FOUND));
    }
    // The file the job wrote, with the data as it was then; Harbor removes the file and the
    // execution once it has been sent.
    let body = s.export_files.remove(&id).unwrap_or_default();
    s.executions.remove(&id);
    Ok(Reply::text(StatusCode::OK, body)
        .with_header("Content-Type", "text/csv")
        .with_header(
            "Content-Disposition",
            format!("attachment; filename=\"scandata_export_{id}.csv\""),
        ))
}
