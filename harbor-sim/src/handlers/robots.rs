//! Robot accounts.

use std::sync::RwLock;

use axum::http::StatusCode;
use serde::Deserialize;
use serde_json::json;

use super::{Handler, actor_id, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;
use crate::state::robots::{RobotCreate, RobotUpdate};

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "ListRobot" => list,
        "CreateRobot" => create,
        "GetRobotByID" => get,
        "UpdateRobot" => update,
        "RefreshSec" => refresh,
        "DeleteRobot" => delete,
        _ => return None,
    })
}

fn list(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    // Harbor's default order is by name (`sort:"default"` on `Name`,
    // `src/pkg/robot/model/model.go`); every listed name has the same `robot$` prefix.
    let mut robots: Vec<_> = s.robots.values().collect();
    robots.sort_by(|a, b| a.name.cmp(&b.name));
    ctx.list_lazily(robots, |r| json!(r))
}

fn create(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let req: RobotCreate = ctx.json()?;
    let (id, name, secret, expires_at) = write(state).create_robot(req, actor_id(&ctx.identity))?;
    let created = read(state).robots.get(&id).map(|r| r.creation_time.clone());
    let reply = Reply::json(
        StatusCode::CREATED,
        &json!({"id": id, "name": name, "secret": secret, "creation_time": created, "expires_at": expires_at}),
    );
    Ok(reply.with_header("Location", ctx.location(id)))
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    let s = read(state);
    let robot = s
        .robots
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))?;
    Ok(Reply::ok(robot))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    let req: RobotUpdate = ctx.json()?;
    write(state).update_robot(id, req)?;
    Ok(Reply::empty(StatusCode::OK))
}

#[derive(Deserialize)]
struct RobotSec {
    secret: Option<String>,
}

fn refresh(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    let req: RobotSec = if ctx.body.is_empty() {
        RobotSec { secret: None }
    } else {
        ctx.json()?
    };
    let secret = write(state).refresh_robot_secret(id, req.secret)?;
    Ok(Reply::ok(&json!({"secret": secret})))
}

fn delete(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let id = ctx.path_id("robot_id")?;
    write(state)
        .robots
        .remove(&id)
        .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))?;
    Ok(Reply::empty(StatusCode::OK))
}
