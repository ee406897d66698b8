//! System configuration (`src/server/v2.0/handler/config.go`): `GET /configurations` in
//! Harbor's `{name: {value, editable}}` shape, `PUT /configurations` checked item by item and
//! read back by the next `GET` (see [`crate::state::configurations`]).

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::Value;

use super::{Handler, read, write};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "getConfigurations" => get,
        "updateConfigurations" => update,
        _ => return None,
    })
}

fn get(_ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    Ok(Reply::ok(&read(state).configurations_view()))
}

fn update(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let Value::Object(body) = ctx.json::<Value>()? else {
        return Err(ApiError::unprocessable("the body must be a JSON object"));
    };
    write(state).update_configurations(body)?;
    Ok(Reply::empty(StatusCode::OK))
}
