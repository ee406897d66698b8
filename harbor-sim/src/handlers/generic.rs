//! The answer for operations without dedicated state: the documented success status and
//! body shape. What a PUT or POST writes is kept under its path, so reading the same path
//! returns it (configurations, schedules, allowlists behave as stored settings).

use std::sync::RwLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::{read, write};
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::operation::Shape;
use crate::state::SimState;

/// Answers any operation by its documented shape.
pub(super) fn handle(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let status = StatusCode::from_u16(ctx.op.success_status).unwrap_or(StatusCode::OK);
    let key = ctx.path.trim_end_matches('/').to_owned();
    if ctx.op.is_write() {
        let body: Option<Value> = if ctx.body.iter().all(u8::is_ascii_whitespace) {
            None
        } else {
            Some(ctx.json()?)
        };
        let mut s = write(state);
        match ctx.op.method {
            "DELETE" => {
                s.documents.remove(&key);
            }
            _ => {
                if let Some(Value::Object(fields)) = body {
                    let doc = s.documents.entry(key.clone()).or_insert_with(|| json!({}));
                    for (k, v) in fields {
                        doc[k] = v;
                    }
                }
            }
        }
        return Ok(match (status, ctx.op.shape) {
            (StatusCode::CREATED, _) => {
                let id = s.ids.next("generic");
                Reply::created(ctx.location(id))
            }
            (_, Shape::Object) => Reply::json(status, &json!({})),
            _ => Reply::empty(status),
        });
    }
    Ok(match ctx.op.shape {
        Shape::Array if ctx.op.paginated => ctx.list(Vec::new())?,
        Shape::Array => Reply::ok(&Vec::<Value>::new()),
        Shape::Object => Reply::ok(read(state).documents.get(&key).unwrap_or(&json!({}))),
        Shape::Text => Reply::text(status, format!("{}: no log yet\n", ctx.op.id)),
        Shape::Empty => Reply::empty(status),
    })
}
