//! System configuration (`src/server/v2.0/handler/config.go`): `GET /configurations` in
//! Harbor's `{name: {value, editable}}` shape, `PUT /configurations` checked item by item and
//! read back by the next `GET` (see [`crate::state::configurations`]).

use axum::http::StatusCode;
use serde_json::Value;

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(crate) fn get(_ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&s.configurations_view()))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let Value::Object(body) = ctx.json::<Value>()? else {
        return Err(ApiError::unprocessable("the body must be a JSON object"));
    };
    s.update_configurations(body)?;
    Ok(Reply::empty(StatusCode::OK))
}
