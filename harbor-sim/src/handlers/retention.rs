//! Tag retention (`src/server/v2.0/handler/retention.go`): policies bound one to a project
//! through its `retention_id` metadata, runs with one task per repository, and task logs.
//!
//! Unknown ids answer as Harbor answers them: 400 where Harbor wraps the retention manager's
//! "no such policy" as a bad request (delete, run, list runs, stop), 404 for a run or task
//! that is not the policy's own, and 500 for `GET /retentions/{id}`, where Harbor passes
//! `GetPolicy`'s uncoded error on.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::actor_name;
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::retention::{check_retention_before_access, execution_model, task_models};

pub(crate) fn metadata(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    let count = |template: &str, text: &str, unit: &str| {
        json!({"rule_template": template, "display_text": text, "action": "retain",
               "params": [{"type": "int", "unit": unit, "required": true}]})
    };
    Ok(Reply::ok(&json!({
        "templates": [
            count("latestPushedK", "the most recently pushed # artifacts", "COUNT"),
            count("latestPulledN", "the most recently pulled # artifacts", "COUNT"),
            count("nDaysSinceLastPush", "pushed within the last # days", "DAYS"),
            count("nDaysSinceLastPull", "pulled within the last # days", "DAYS"),
            {"rule_template": "always", "display_text": "always", "action": "retain", "params": []},
        ],
        "scope_selectors": [{"display_text": "Repositories", "kind": "doublestar", "decorations": ["repoMatches", "repoExcludes"]}],
        "tag_selectors": [{"display_text": "Tags", "kind": "doublestar", "decorations": ["matches", "excludes"]}],
    })))
}

/// `CreateRetention`'s and `UpdateRetention`'s checks before `requireAccess` (the operations'
/// `before_access`), made for every signed-in caller (the `Prepare` of `retentionAPI` answers
/// an anonymous one 401 before the handler runs: the access rule says so): the rules, then
/// the scope that `requireAccess` dereferences ([`check_retention_before_access`]).
pub(crate) fn body_before_access(ctx: &Ctx, _: &SimState) -> ApiResult<()> {
    if ctx.identity == Identity::Anonymous {
        return Ok(());
    }
    let doc: Value = ctx.json()?;
    check_retention_before_access(&doc)
}

/// `OperateRetentionExecution` checks the body's `action` before it looks the policy up and
/// before `requireAccess` (the operation's `before_access`, for a signed-in caller): any
/// other than `stop` is 400 `bad request: action should be 'stop'`.
pub(crate) fn operate_before_access(ctx: &Ctx, _: &SimState) -> ApiResult<()> {
    if ctx.identity == Identity::Anonymous {
        return Ok(());
    }
    let body: Value = ctx.json()?;
    if body["action"] != json!("stop") {
        return Err(ApiError::bad_request(
            "bad request: action should be 'stop'",
        ));
    }
    Ok(())
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let doc: Value = ctx.json()?;
    let id = s.create_retention(doc)?;
    Ok(Reply::created(ctx.location(id)))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    Ok(Reply::ok(&crate::state::retention::retention_view(
        s.retention(id)?,
    )))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let doc: Value = ctx.json()?;
    s.update_retention(id, doc)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    s.delete_retention(id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn trigger(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let body: Value = if ctx.has_no_body() {
        json!({})
    } else {
        ctx.json()?
    };
    let dry_run = body["dry_run"].as_bool().unwrap_or(false);
    let eid = s.trigger_retention(id, dry_run, &actor_name(&ctx.identity))?;
    // Harbor names the run under the list path; there is no GET of one run.
    Ok(Reply::created(ctx.location(eid)))
}

pub(crate) fn list_executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let page = ctx.page()?;
    let runs = s.retention_executions(id)?;
    Ok(ctx.page_of(runs.iter().map(execution_model).collect(), page))
}

pub(crate) fn operate(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let eid = ctx.path_id("eid")?;
    // The action was checked before the caller's access (`operate_before_access`).
    s.require_retention_execution(id, eid)?;
    s.stop_execution(crate::state::JobKind::Retention, eid)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn list_tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let eid = ctx.path_id("eid")?;
    let page = ctx.page()?;
    let run = s.retention_execution(id, eid)?;
    Ok(ctx.page_of(task_models(&run), page))
}

pub(crate) fn task_log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("id")?;
    let eid = ctx.path_id("eid")?;
    let tid = ctx.path_id("tid")?;
    s.require_retention_task(id, eid, tid)?;
    let log = s.task_log(crate::state::JobKind::Retention, eid, tid)?;
    Ok(Reply::text(StatusCode::OK, log))
}
