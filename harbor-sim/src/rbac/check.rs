//! Applies an operation's [`Rule`] to a request, before its handler runs.

use axum::http::StatusCode;
use serde_json::Value;

use super::roles::ProjectRole;
use super::security_context::SecurityContext;
use super::table::{ProjectCheck, ProjectFrom, Rule};
use crate::auth::Identity;
use crate::context::Ctx;
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::robots::create_body_is_valid;

/// `UnauthorizedError(nil).WithMessage(secCtx.GetUsername())`: the message is the anonymous
/// caller's name, empty.
fn require_authenticated_by_name(sc: &SecurityContext<'_>) -> ApiResult<()> {
    if sc.is_authenticated() {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            sc.username(),
        ))
    }
}

/// Whether the request may go on to its handler under `rule`, the operation's access rule:
/// `Ok`, or Harbor's 401/403 (or the 404 or 400 Harbor answers before its access check for
/// that operation).
pub(crate) fn authorize(rule: Rule, ctx: &Ctx, state: &SimState) -> ApiResult<()> {
    let sc = SecurityContext::new(state, &ctx.identity);
    match rule {
        Rule::Open => Ok(()),
        Rule::Authenticated => sc.require_authenticated(),
        Rule::AuthenticatedByName => require_authenticated_by_name(&sc),
        Rule::SolutionUser => Err(ApiError::new(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "only internal service is allowed to call this API",
        )),
        Rule::System { resource, action } => sc.require_system(resource, action),
        Rule::Project(check) => project_check(ctx, state, &sc, check),
        Rule::SelfOrSystemUser { action } => self_or_system_user(ctx, &sc, action),
        Rule::DeleteUser => delete_user(ctx, &sc),
        Rule::CreateUser => create_user(ctx, state, &sc),
        Rule::CreateProject => create_project(ctx, state, &sc),
        Rule::AnyAdmin => any_admin(state, &sc),
        Rule::Label { action } => label(ctx, state, &sc, action),
        Rule::CreateLabel => {
            let b = body(ctx).unwrap_or_default();
            let scope = b["scope"].as_str().unwrap_or_default();
            scoped(&sc, scope, b["project_id"].as_i64(), "label", "create")
        }
        Rule::ListLabels => list_labels(ctx, state, &sc),
        Rule::Robot { action } => robot(ctx, state, &sc, action),
        Rule::CreateRobot => create_robot(ctx, state, &sc),
        Rule::ListRobots => list_robots(ctx, state, &sc),
        Rule::Retention { action } => {
            sc.require_authenticated()?;
            let id = ctx.path_id("id")?;
            match retention_scope(state, id) {
                Some((level, project)) => scoped_retention(&sc, state, &level, project, action),
                // Not kept where this check looks: the handler answers.
                None => Ok(()),
            }
        }
        Rule::RetentionBody { action } => {
            sc.require_authenticated()?;
            let b = body(ctx).unwrap_or_default();
            let level = b["scope"]["level"].as_str().unwrap_or_default();
            let reference = b["scope"]["ref"].as_i64().unwrap_or_default();
            scoped_retention(&sc, state, level, reference, action)
        }
        Rule::Scan { action } => {
            let sbom = body(ctx).is_some_and(|b| b["scan_type"] == "sbom");
            let resource = if sbom { "sbom" } else { "scan" };
            sc.require_project(named(ctx, state)?, resource, action)
        }
        Rule::CopyArtifact => copy_artifact(ctx, state, &sc),
        // `ExportScanData` validates the criteria (400, 404) before `RequireProjectAccess`:
        // its handler checks both, in that order.
        Rule::ExportScanData => Ok(()),
    }
}

/// `requireReadable` / `requireModifiable`: the caller's own account, or the system
/// permission on users.
fn self_or_system_user(ctx: &Ctx, sc: &SecurityContext<'_>, action: &str) -> ApiResult<()> {
    let id = ctx.path_id("user_id")?;
    if sc.user_id() == Some(id) {
        Ok(())
    } else {
        sc.require_system("user", action)
    }
}

/// `requireDeletable`: the system permission, and never oneself or user 1.
fn delete_user(ctx: &Ctx, sc: &SecurityContext<'_>) -> ApiResult<()> {
    sc.require_system("user", "delete")?;
    let id = ctx.path_id("user_id")?;
    if sc.user_id() == Some(id) || id == 1 {
        Err(ApiError::forbidden(format!(
            "User with ID {id} cannot be deleted"
        )))
    } else {
        Ok(())
    }
}

/// `requireCreatable` after the auth mode (checked before the access rule): the system
/// permission on users; with `self_registration` on, a caller without it is refused only
/// when the request carries no session (Harbor's UI sends the session cookie, an API client
/// does not), and then with a 403 also for an anonymous caller.
fn create_user(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    let allowed = sc.require_system("user", "create");
    let self_registration = state
        .configurations
        .get("self_registration")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    if !self_registration || allowed.is_ok() {
        return allowed;
    }
    let cookie = ctx
        .headers
        .get(axum::http::header::COOKIE)
        .and_then(|v| v.to_str().ok());
    if crate::session::carries_session(cookie) {
        Ok(())
    } else {
        Err(ApiError::forbidden(
            "self-registration cannot be triggered via API",
        ))
    }
}

/// `CreateProject`: authenticated, not a project-level robot, only a caller who may create
/// projects system-wide while `project_creation_restriction` is `adminonly`
/// (`config.OnlyAdminCreateProject`), and a proxy cache only for such a caller too.
fn create_project(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    sc.require_authenticated()?;
    if sc.is_project_robot() {
        return Err(ApiError::forbidden(
            "Only system level robot can create project",
        ));
    }
    let only_admin = state
        .configurations
        .get("project_creation_restriction")
        .and_then(Value::as_str)
        == Some("adminonly");
    if only_admin && sc.require_system("project", "create").is_err() {
        return Err(ApiError::forbidden("Only system admin can create project"));
    }
    let proxy_cache = body(ctx).is_some_and(|b| !b["registry_id"].is_null());
    if proxy_cache && sc.require_system("project", "create").is_err() {
        return Err(ApiError::forbidden(
            "Only system admin can create proxy cache project",
        ));
    }
    Ok(())
}

/// `GetPermissions`: authenticated as `auditlog.go` checks, then a system administrator or
/// the administrator of some project.
fn any_admin(state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    require_authenticated_by_name(sc)?;
    let project_admin = sc.user_id().is_some_and(|user| {
        state
            .members
            .projects_of_user(user)
            .any(|(_, roles)| roles.contains(&ProjectRole::ProjectAdmin))
    });
    if sc.is_sysadmin() || project_admin {
        Ok(())
    } else {
        // `errors.ForbiddenError(err)`: "forbidden", then the cause.
        Err(ApiError::forbidden(
            "forbidden: only admins(system and project) can access permissions",
        ))
    }
}

/// A label by id: its scope decides (global: the system; project: its project).
fn label(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>, action: &str) -> ApiResult<()> {
    let id = ctx.path_id("label_id")?;
    let label = state
        .labels
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
    scoped(sc, &label.scope, label.project_id, "label", action)
}

/// `ListLabels`: a project's labels need the project's permission; global ones are open.
fn list_labels(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    match (ctx.query("scope"), ctx.query("project_id")) {
        (Some("p"), Some(pid)) => match pid.parse::<i64>() {
            Ok(pid) if pid != 0 => sc.require_project(existing(state, pid), "label", "list"),
            // Harbor answers 400 for a missing project id before checking access.
            _ => Ok(()),
        },
        _ => Ok(()),
    }
}

/// A robot by id: authenticated, then its level decides (the system, or its project).
fn robot(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>, action: &str) -> ApiResult<()> {
    sc.require_authenticated()?;
    let id = ctx.path_id("robot_id")?;
    let robot = state
        .robots
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))?;
    if robot.level == "project" {
        sc.require_project(robot.project_id, "robot", action)
    } else {
        sc.require_system("robot", action)
    }
}

/// `CreateRobot`: the body's level (and first namespace) decides, after Harbor's own
/// validation of the body; a robot creates robots only within its own access list.
fn create_robot(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    let b = body(ctx).unwrap_or_default();
    // Harbor validates the name, level and permissions (400) before checking access: the
    // handler refuses an invalid body.
    if !create_body_is_valid(&b) {
        return Ok(());
    }
    let permissions = b["permissions"].as_array().cloned().unwrap_or_default();
    if b["level"] == "system" {
        sc.require_system("robot", "create")?
    } else {
        let namespace = permissions[0]["namespace"].as_str().unwrap_or("");
        // `RequireProjectAccess` with the namespace, a string: always a name.
        sc.require_project(by_name(state, namespace), "robot", "create")?
    }
    let Identity::Robot { id, name } = &ctx.identity else {
        return Ok(());
    };
    let creator = state.robots.get(id).map(|r| &r.permissions);
    if creator.is_some_and(|c| within(&permissions, c)) {
        Ok(())
    } else {
        Err(ApiError::new(
            StatusCode::FORBIDDEN,
            "DENIED",
            format!(
                "permission scope is invalid. It must be equal to or more restrictive than \
                 the creator robot's permissions: {name}"
            ),
        ))
    }
}

/// `ListRobot`: `q=Level=project,ProjectID=N` needs that project's permission, otherwise
/// the system one.
fn list_robots(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    sc.require_authenticated()?;
    let q = ctx.query("q").unwrap_or_default();
    let field = |key: &str| {
        q.split(',')
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| k.trim() == key)
            .map(|(_, v)| v.trim().trim_matches('"'))
    };
    match field("Level") {
        Some("project") => match field("ProjectID").and_then(|p| p.parse::<i64>().ok()) {
            Some(pid) if pid > 0 => sc.require_project(existing(state, pid), "robot", "list"),
            // Harbor answers 400 before checking access.
            _ => Ok(()),
        },
        Some("system") | None => sc.require_system("robot", "list"),
        Some(_) => Ok(()),
    }
}

/// `CopyArtifact`: create in the target project, and read in the `from` project.
fn copy_artifact(ctx: &Ctx, state: &SimState, sc: &SecurityContext<'_>) -> ApiResult<()> {
    sc.require_project(named(ctx, state)?, "artifact", "create")?;
    match ctx.query("from").and_then(|f| f.split_once('/')) {
        Some((source, _)) => sc.require_project(by_name(state, source), "artifact", "read"),
        None => Ok(()),
    }
}

fn project_check(
    ctx: &Ctx,
    state: &SimState,
    sc: &SecurityContext<'_>,
    check: ProjectCheck,
) -> ApiResult<()> {
    if check.authenticated_first {
        sc.require_authenticated()?;
    }
    if sc.is_sysadmin() && !check.lookup_first {
        // Administrators pass whether or not the project exists (the handler answers 404):
        // no need to look it up twice on the hot path.
        return Ok(());
    }
    let (key, raw) = match check.from {
        ProjectFrom::NameOrId => ("project_name_or_id", ctx.path("project_name_or_id")),
        ProjectFrom::Name => ("project_name", ctx.path("project_name")),
    };
    let is_name = key == "project_name" || ctx.is_resource_name();
    let project = state.project_id(raw, is_name);
    if check.lookup_first {
        project.clone()?;
    }
    sc.require_project(for_access(project)?, check.resource, check.action)
}

/// A project lookup as `HasProjectPermission` takes it: a project that is not found is
/// nobody's (the caller then gets 401/403), any other error is the answer before the
/// caller's access is known (PG2: a name holding a space is 400 `invalid project name`).
fn for_access(project: ApiResult<i64>) -> ApiResult<Option<i64>> {
    match project {
        Ok(id) => Ok(Some(id)),
        Err(e) if e.status == StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(e),
    }
}

/// The `{project_name}` of the request as `RequireProjectAccess` takes it: the project if it
/// exists, `None` if not, the 400 of a name holding a space (PG2).
fn named(ctx: &Ctx, state: &SimState) -> ApiResult<Option<i64>> {
    for_access(state.project_id(ctx.path("project_name"), true))
}

fn by_name(state: &SimState, name: &str) -> Option<i64> {
    state.project_id(name, true).ok()
}

fn existing(state: &SimState, id: i64) -> Option<i64> {
    state.projects.contains_key(&id).then_some(id)
}

/// A label or robot scope: `g`/global via the system, `p` via its project.
fn scoped(
    sc: &SecurityContext<'_>,
    scope: &str,
    project: Option<i64>,
    resource: &str,
    action: &str,
) -> ApiResult<()> {
    match scope {
        "g" => sc.require_system(resource, action),
        "p" => sc.require_project(project, resource, action),
        _ => Err(ApiError::bad_request("unsupported label scope")),
    }
}

fn scoped_retention(
    sc: &SecurityContext<'_>,
    state: &SimState,
    level: &str,
    project: i64,
    action: &str,
) -> ApiResult<()> {
    if level == "project" {
        sc.require_project(existing(state, project), "tag-retention", action)
    } else {
        sc.require_system("tag-retention", action)
    }
}

/// The scope (`level`, `ref`) of a stored retention policy.
fn retention_scope(state: &SimState, id: i64) -> Option<(String, i64)> {
    let doc = state.retentions.get(&id)?;
    let level = doc["scope"]["level"].as_str()?.to_owned();
    Some((level, doc["scope"]["ref"].as_i64().unwrap_or_default()))
}

/// Whether every permission a robot asks for is within its creator robot's: the same kind and
/// namespace (or the creator's `*`), and each access entry one the creator has.
fn within(creating: &[Value], creator: &Value) -> bool {
    let creator = creator.as_array().map(Vec::as_slice).unwrap_or_default();
    let key = |p: &Value| (p["kind"].clone(), p["namespace"].clone());
    let access_key = |a: &Value| {
        let text = |k: &str| a[k].as_str().unwrap_or_default().to_owned();
        (text("resource"), text("action"), text("effect"))
    };
    creating.iter().all(|wanted| {
        let (kind, namespace) = key(wanted);
        let held = creator
            .iter()
            .find(|c| key(c) == (kind.clone(), namespace.clone()))
            .or_else(|| {
                creator
                    .iter()
                    .find(|c| key(c) == (kind.clone(), "*".into()))
            });
        held.is_some_and(|held| {
            let held: Vec<_> = held["access"]
                .as_array()
                .into_iter()
                .flatten()
                .map(access_key)
                .collect();
            wanted["access"]
                .as_array()
                .into_iter()
                .flatten()
                .all(|a| held.contains(&access_key(a)))
        })
    })
}

fn body(ctx: &Ctx) -> Option<Value> {
    serde_json::from_slice(&ctx.body).ok()
}
