//! Robot accounts.

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::actor_id;
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::query::{self, Filter};
use crate::state::SimState;
use crate::state::robots::{Creator, RobotCreate, RobotUpdate};

/// `ListRobot` (`src/server/v2.0/handler/robot.go`): `q`'s `Level` (exact, case as written)
/// picks system robots (absent, or `system`: `ProjectID` is then forced to 0) or one
/// project's (`project` needs `ProjectID`, a positive integer); the rest of `q` filters
/// as the ORM does. Harbor lists only visible robots; the simulator makes no invisible ones.
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let mut filters = ctx.filters()?;
    let exact = |key: &str| {
        filters.iter().find(|f| f.key() == key).map(|f| match f {
            Filter::Exact(_, v) => Some(v.clone()),
            _ => None,
        })
    };
    let project = match exact("Level") {
        None => 0,
        Some(Some(level)) if level == "system" => 0,
        Some(Some(level)) if level == "project" => {
            let positive = || ApiError::bad_request("ProjectID must be a positive integer");
            match exact("ProjectID") {
                None => {
                    return Err(ApiError::bad_request(
                        "must with project ID when to query project robots",
                    ));
                }
                Some(None) => return Err(positive()),
                Some(Some(id)) => match id.parse::<i64>() {
                    Ok(id) if id > 0 => id,
                    _ => return Err(positive()),
                },
            }
        }
        _ => return Err(ApiError::bad_request("bad request error level input")),
    };
    // `Level` names no column (the ORM skips it); `ProjectID` is read above.
    filters.retain(|f| f.key() != "Level" && f.key() != "ProjectID");
    // Harbor's default order is by name (`sort:"default"` on `Name`,
    // `src/pkg/robot/model/model.go`); every listed name has the same `robot$` prefix.
    let mut robots: Vec<_> = s
        .robots
        .values()
        .filter(|r| r.project_id.unwrap_or(0) == project)
        .collect();
    robots.sort_by(|a, b| a.name.cmp(&b.name));
    let mut docs: Vec<_> = robots.into_iter().map(|r| json!(r)).collect();
    query::apply(&mut docs, &filters, &ctx.sort());
    Ok(ctx.page_of(docs, page))
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let req: RobotCreate = ctx.json()?;
    let creator = match &ctx.identity {
        Identity::Robot { id, .. } => Creator {
            kind: "robot",
            id: *id,
        },
        other => Creator {
            kind: "local",
            id: actor_id(other),
        },
    };
    let (id, name, secret, expires_at) = s.create_robot(req, creator)?;
    let created = s.robots.get(&id).map(|r| r.creation_time.clone());
    let reply = Reply::json(
        StatusCode::CREATED,
        &json!({"id": id, "name": name, "secret": secret, "creation_time": created, "expires_at": expires_at}),
    );
    Ok(reply.with_header("Location", ctx.location(id)))
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    let robot = s
        .robots
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))?;
    Ok(Reply::ok(robot))
}

/// `UpdateRobot`'s checks of the body before `requireAccess` (the operation's
/// `before_access`): once the caller is signed in and the robot exists (otherwise the access
/// rule answers 401 or 404, as `RequireAuthenticated` and the robot's lookup come first),
/// the body as a create's and a project robot's namespace
/// ([`SimState::check_robot_update`]).
pub(crate) fn update_body_before_access(ctx: &Ctx, s: &SimState) -> ApiResult<()> {
    if ctx.identity == Identity::Anonymous {
        return Ok(());
    }
    let id = ctx.path_id("robot_id")?;
    if !s.robots.contains_key(&id) {
        return Ok(());
    }
    // A legacy robot is refused before its body is read (RB22).
    s.check_robot_editable(id)?;
    let req: RobotUpdate = ctx.json()?;
    s.check_robot_update(id, &req)
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    let req: RobotUpdate = ctx.json()?;
    s.update_robot(id, req)?;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct RobotSec {
    secret: Option<String>,
}

pub(crate) fn refresh(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    let req: RobotSec = if ctx.body.is_empty() {
        RobotSec { secret: None }
    } else {
        ctx.json()?
    };
    let chosen = req.secret.as_deref().is_some_and(|s| !s.is_empty());
    let secret = s.refresh_robot_secret(id, req.secret)?;
    // A chosen secret is not answered back: `RobotSec.secret` is empty, and omitted.
    if chosen {
        return Ok(Reply::ok(&json!({})));
    }
    Ok(Reply::ok(&json!({"secret": secret})))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    s.robots
        .remove(&id)
        .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))?;
    Ok(Reply::empty(StatusCode::OK))
}
