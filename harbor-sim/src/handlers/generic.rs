//! The answer for operations without a dedicated handler: the documented success status and
//! body shape, with state kept generically:
//!
//! - a collection Harbor creates by POST (user groups, preheat instances and policies)
//!   stores what is posted with a fresh `id`; its list, item reads, updates and deletes see
//!   it (404 for a missing item, 409 for a duplicate `name`);
//! - any other PUT or POST is kept under its path, so reading the same path returns it
//!   (a setting Harbor keeps without a dedicated handler here).
//!
//! Jobs, schedules, configurations and retention have their own handlers.

use std::collections::HashSet;
use std::sync::LazyLock;

use axum::http::StatusCode;
use serde_json::{Value, json};

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::operation::{Shape, TABLE};
use crate::state::{SimState, now};

/// Templates of collections: a POST answering 201 creates in them, and no GET reads them as
/// one object (that would make them a singleton setting such as `/system/gc/schedule`).
static COLLECTIONS: LazyLock<HashSet<&'static str>> = LazyLock::new(|| {
    TABLE
        .iter()
        .filter(|op| op.method == "POST" && op.success_status == 201 && !last_is_param(op.path))
        .filter(|post| {
            !TABLE
                .iter()
                .any(|op| op.method == "GET" && op.path == post.path && op.shape == Shape::Object)
        })
        .map(|op| op.path)
        .collect()
});

fn last_is_param(template: &str) -> bool {
    template
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .is_some_and(|s| s.starts_with('{'))
}

fn parent(path: &str) -> &str {
    path.trim_end_matches('/')
        .rsplit_once('/')
        .map_or("", |(p, _)| p)
}

/// Answers any operation by its documented shape.
pub(crate) fn handle(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let template = ctx.op.path;
    if COLLECTIONS.contains(template) {
        match ctx.op.method {
            "POST" => return create(ctx, s),
            "GET" if ctx.op.shape == Shape::Array => {
                let docs = s
                    .collections
                    .get(ctx.path.trim_end_matches('/'))
                    .map(|c| c.values().cloned().collect())
                    .unwrap_or_default();
                return ctx.list(docs);
            }
            _ => {}
        }
    }
    if last_is_param(template) && COLLECTIONS.contains(parent(template)) && ctx.op.method != "POST"
    {
        return item(ctx, s);
    }
    stored(ctx, s)
}

fn body_object(ctx: &Ctx) -> ApiResult<serde_json::Map<String, Value>> {
    if ctx.has_no_body() {
        return Ok(serde_json::Map::new());
    }
    match ctx.json::<Value>()? {
        Value::Object(fields) => Ok(fields),
        _ => Err(ApiError::unprocessable("the body must be a JSON object")),
    }
}

fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mut doc = body_object(ctx)?;
    let collection = ctx.path.trim_end_matches('/').to_owned();
    let name = doc.get("name").or_else(|| doc.get("group_name")).cloned();
    if let Some(name) = name.filter(|n| !n.is_null())
        && s.collections.get(&collection).is_some_and(|c| {
            c.values()
                .any(|d| d.get("name") == Some(&name) || d.get("group_name") == Some(&name))
        })
    {
        return Err(ApiError::conflict(format!("{name} already exists")));
    }
    let id = s.ids.next(ctx.op.id);
    let now = now();
    doc.insert("id".into(), json!(id));
    doc.entry("creation_time").or_insert(json!(now));
    doc.insert("update_time".into(), json!(now));
    s.collections
        .entry(collection)
        .or_default()
        .insert(id, Value::Object(doc));
    Ok(Reply::created(ctx.location(id)))
}

fn item(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let path = ctx.path.trim_end_matches('/');
    let (collection, key) = path.rsplit_once('/').unwrap_or((path, ""));
    let key = percent_encoding::percent_decode_str(key)
        .decode_utf8_lossy()
        .into_owned();
    let docs = s.collections.entry(collection.to_owned()).or_default();
    let id = docs
        .iter()
        .find(|(id, d)| {
            id.to_string() == key || d.get("name").and_then(Value::as_str) == Some(key.as_str())
        })
        .map(|(id, _)| *id)
        .ok_or_else(|| {
            // A preheat policy is read by name within the path's project, so another
            // project's is not found (`GetPolicyByName`, `src/pkg/p2p/preheat/dao/policy/
            // dao.go`: `policy <name> not found`).
            if collection.ends_with("/preheat/policies") {
                ApiError::not_found(format!("policy {key} not found"))
            } else {
                ApiError::not_found(format!("{key} not found"))
            }
        })?;
    let status = StatusCode::from_u16(ctx.op.success_status).unwrap_or(StatusCode::OK);
    match ctx.op.method {
        "GET" => Ok(Reply::ok(&docs[&id])),
        "DELETE" => {
            docs.remove(&id);
            Ok(Reply::empty(status))
        }
        _ => {
            let fields = body_object(ctx)?;
            if let Some(Value::Object(doc)) = docs.get_mut(&id) {
                for (k, v) in fields {
                    if k != "id" {
                        doc.insert(k, v);
                    }
                }
                doc.insert("update_time".into(), json!(now()));
            }
            Ok(Reply::empty(status))
        }
    }
}

fn stored(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let status = StatusCode::from_u16(ctx.op.success_status).unwrap_or(StatusCode::OK);
    let key = ctx.path.trim_end_matches('/').to_owned();
    if ctx.op.is_write() {
        let body: Option<Value> = if ctx.has_no_body() {
            None
        } else {
            Some(ctx.json()?)
        };
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
        Shape::Object => Reply::ok(s.documents.get(&key).unwrap_or(&json!({}))),
        Shape::Text => Reply::text(status, format!("{}: no log yet\n", ctx.op.id)),
        Shape::Empty => Reply::empty(status),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn collections_are_found_in_the_table() {
        for t in [
            "/usergroups",
            "/p2p/preheat/instances",
            "/projects/{project_name}/preheat/policies",
            "/retentions",
        ] {
            assert!(COLLECTIONS.contains(t), "{t}");
        }
        assert!(
            !COLLECTIONS.contains("/system/gc/schedule"),
            "a singleton setting"
        );
    }
}
