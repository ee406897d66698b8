//! P2P preheat runs (`src/server/v2.0/handler/preheat.go`): a manual preheat of a policy
//! starts an execution with one task per repository of the project; its executions, tasks
//! and logs are read under the policy, and an execution is stopped by `PATCH` with
//! `{"status":"Stopped"}`. Instances and policies themselves are kept by [`super::generic`].
//!
//! The `Location` of a manual preheat is Harbor's own: `/projects/{p}/preheat/policies/{n}/
//! executions/{id}`, without the `/api/v2.0` base (a TODO in Harbor's handler), so it resolves
//! only once the base is put in front of it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::actor_name;
use super::connectivity::body_or_empty;
use crate::context::{Ctx, Reply, api_path};
use crate::errors::{ApiError, ApiResult};
use crate::state::jobs::NewExecution;
use crate::state::{Execution, JobKind, SimState};

/// The id of the policy `{preheat_policy_name}` of `{project_name}`; 404 when either is
/// unknown.
fn policy_of(ctx: &Ctx, s: &SimState) -> ApiResult<(i64, i64)> {
    let project = ctx.path("project_name");
    let project_id = s.project_id(project, true)?;
    let name = ctx.path("preheat_policy_name");
    let policies = api_path(&format!("/projects/{project}/preheat/policies"));
    s.collections
        .get(&policies)
        .and_then(|c| {
            c.iter()
                .find(|(_, d)| d["name"].as_str() == Some(name))
                .map(|(id, _)| (project_id, *id))
        })
        .ok_or_else(|| ApiError::not_found(format!("policy {name} not found")))
}

/// `UpdatePolicy` reads the policy by the body's `id`, not by the path's name
/// (`requirePolicyAccess`, then the controller's `Get`): a non-zero id no project has is 404
/// `policy <id> not found`, another project's is 404 `resource not found: project id <path
/// project> does not match`. The rest is the stored collection's update.
pub(crate) fn update_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let id = body["id"].as_i64().unwrap_or(0);
    if id != 0 {
        let project = ctx.path("project_name");
        let project_id = s.project_id(project, true)?;
        let own = api_path(&format!("/projects/{project}/preheat/policies"));
        let holder = s
            .collections
            .iter()
            .find(|(k, c)| k.ends_with("/preheat/policies") && c.contains_key(&id))
            .map(|(k, _)| k.as_str());
        match holder {
            None => return Err(ApiError::not_found(format!("policy {id} not found"))),
            Some(k) if k != own => {
                return Err(ApiError::not_found(format!(
                    "resource not found: project id {project_id} does not match"
                )));
            }
            Some(_) => {}
        }
    }
    super::generic::handle(ctx, s)
}

/// The execution `{execution_id}` of the policy: 404 `execution <id> not found` when there is
/// none, and Harbor's `requireExecutionInProject` 404 (an `errors.NotFoundError`, so prefixed
/// `resource not found: `) when it is another policy's.
fn execution_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let (project_id, policy) = policy_of(ctx, s)?;
    let id = ctx.path_id("execution_id")?;
    let run = s
        .executions
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("execution {id} not found")))?;
    if run.kind == JobKind::Preheat && run.vendor_id == policy {
        return Ok(run.id);
    }
    Err(ApiError::not_found(format!(
        "resource not found: project id {project_id}, execution id {id} not found"
    )))
}

/// The task `{task_id}` of the execution (`requireTaskInProject`): 404 `task <id> not found`
/// when there is none, `resource not found: project id <p>, task id <t> not found` when it
/// is another execution's.
fn task_of(ctx: &Ctx, s: &SimState) -> ApiResult<(i64, i64)> {
    let id = execution_of(ctx, s)?;
    let task = ctx.path_id("task_id")?;
    if s.task_execution(task)? != id {
        let project_id = s.project_id(ctx.path("project_name"), true)?;
        return Err(ApiError::not_found(format!(
            "resource not found: project id {project_id}, task id {task} not found"
        )));
    }
    Ok((id, task))
}

pub(crate) fn manual(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (project_id, policy) = policy_of(ctx, s)?;
    let tasks = s
        .repositories
        .values()
        .filter(|r| r.project_id == project_id)
        .map(|r| {
            (
                json!({"repository": r.name, "vendor": "kraken"}),
                format!("preheat {} on the P2P network", r.name),
            )
        })
        .collect();
    let id = s.start_execution(NewExecution {
        kind: JobKind::Preheat,
        vendor_id: policy,
        trigger: "MANUAL",
        extra_attrs: json!({}),
        operator: actor_name(&ctx.identity),
        tasks,
    });
    Ok(Reply::created(format!(
        "/projects/{}/preheat/policies/{}/executions/{id}",
        ctx.path("project_name"),
        ctx.path("preheat_policy_name")
    )))
}

pub(crate) fn list_executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (_, policy) = policy_of(ctx, s)?;
    let runs = s.read_executions(JobKind::Preheat, |e| e.vendor_id == policy);
    ctx.list(runs.iter().map(Execution::to_model).collect())
}

pub(crate) fn get_execution(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    Ok(Reply::ok(
        &s.read_execution(JobKind::Preheat, id)?.to_model(),
    ))
}

pub(crate) fn stop_execution(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let id = execution_of(ctx, s)?;
    if body["status"] != json!("Stopped") {
        return Err(ApiError::bad_request(format!(
            "param status invalid: {body}"
        )));
    }
    s.stop_execution(JobKind::Preheat, id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn list_tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    let run = s.read_execution(JobKind::Preheat, id)?;
    ctx.list(run.tasks.iter().map(|t| t.to_model()).collect())
}

pub(crate) fn task_log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (id, task) = task_of(ctx, s)?;
    Ok(Reply::text(
        StatusCode::OK,
        s.task_log(JobKind::Preheat, id, task)?,
    ))
}

/// The P2P drivers Harbor ships, sorted by id (`ListProviders` in `src/pkg/p2p/preheat/
/// provider/known_drivers.go`, each driver's `Self()` in `dragonfly.go` and `kraken.go`).
pub(crate) fn drivers(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&json!([
        {
            "id": "dragonfly",
            "name": "Dragonfly",
            "icon": "https://raw.githubusercontent.com/dragonflyoss/Dragonfly2/master/docs/images/logo/dragonfly-linear.png",
            "version": "2.1.59",
            "source": "https://github.com/dragonflyoss/Dragonfly2",
            "maintainers": ["chlins.zhang@gmail.com", "gaius.qi@gmail.com"],
        },
        {
            "id": "kraken",
            "name": "Kraken",
            "icon": "https://github.com/uber/kraken/blob/master/assets/kraken-logo-color.svg",
            "version": "0.1.3",
            "source": "https://github.com/uber/kraken",
            "maintainers": ["mmpei/peimingming@corp.netease.com"],
        },
    ])))
}

/// The preheat instances a project's policies may use, as Harbor's `ProviderUnderProject`.
pub(crate) fn providers(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    s.project_id(ctx.path("project_name"), true)?;
    let docs: Vec<Value> = s
        .collections
        .get(&api_path("/p2p/preheat/instances"))
        .into_iter()
        .flat_map(|c| c.values())
        .map(|i| {
            json!({
                "id": i["id"],
                "provider": format!(
                    "{} {}-{}",
                    i["vendor"].as_str().unwrap_or_default(),
                    i["name"].as_str().unwrap_or_default(),
                    i["endpoint"].as_str().unwrap_or_default()
                ),
                "enabled": i["enabled"].as_bool().unwrap_or(false),
                "default": i["default"].as_bool().unwrap_or(false),
            })
        })
        .collect();
    Ok(Reply::ok(&docs))
}

/// `POST /p2p/preheat/instances/ping`: a stored instance by id (a bare 404 when unknown) or
/// an endpoint (a bare 400 when empty); an endpoint the simulated Harbor cannot reach is a
/// 500, as Harbor's provider health check returns an uncoded error.
pub(crate) fn ping(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let body = body_or_empty(ctx)?;
    let endpoint = match body["id"].as_i64().filter(|id| *id > 0) {
        Some(id) => {
            let found = s
                .collections
                .get(&api_path("/p2p/preheat/instances"))
                .and_then(|c| c.get(&id))
                .and_then(|d| d["endpoint"].as_str())
                .map(str::to_owned);
            match found {
                Some(e) => e,
                None => return Ok(Reply::empty(StatusCode::NOT_FOUND)),
            }
        }
        None => match body["endpoint"].as_str().filter(|e| !e.is_empty()) {
            Some(e) => e.to_owned(),
            None => return Ok(Reply::empty(StatusCode::BAD_REQUEST)),
        },
    };
    if !s.reachability.reaches(&endpoint) {
        return Err(ApiError::internal());
    }
    Ok(Reply::empty(StatusCode::OK))
}
