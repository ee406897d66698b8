//! Immutable tag rules.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::projects::project_of;

use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::state::SimState;

pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = project_of(ctx, s)?;
    ctx.list(
        s.immutable_rules
            .values()
            .filter(|r| r.project_id == project)
            .map(|r| {
                // `ImmutableRule`'s `omitempty`: priority 0, an enabled rule's `disabled`.
                let mut rule = r.doc.clone();
                crate::omitempty::omit_empty(
                    &mut rule,
                    &["id", "priority", "disabled", "action", "template"],
                );
                rule
            })
            .collect(),
    )
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let doc: Value = ctx.json()?;
    let project = project_of(ctx, s)?;
    let id = s.create_immutable_rule(project, doc)?;
    Ok(Reply::created(ctx.location(id)))
}

/// `UpdateImmuRule`'s first check (`src/server/v2.0/handler/immutable.go`), made before the
/// caller's access (the operation's `before_access`): the body's id (absent: 0) must be the
/// path's.
pub(crate) fn body_id_is_path_id(ctx: &Ctx, _: &SimState) -> ApiResult<()> {
    let id = ctx.path_id("immutable_rule_id")?;
    let body: Value = ctx.json()?;
    if body["id"].as_i64().unwrap_or(0) == id {
        Ok(())
    } else {
        Err(ApiError::bad_request(
            "bad request: the immutable_rule_id doesn't match the id in the payload body of ImmutableRule",
        ))
    }
}

/// `UpdateImmuRule` after the access check: the body's id is the path's
/// ([`body_id_is_path_id`] ran before the access check).
pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("immutable_rule_id")?;
    let patch: Value = ctx.json()?;
    let project = project_of(ctx, s)?;
    let rule = s.immutable_rule_mut(project, id)?;
    // The controller's `UpdateImmutableRule`: a change of `disabled` toggles the rule and
    // nothing else; otherwise the body replaces the rule (`disabled` kept).
    let disabled = patch["disabled"].as_bool().unwrap_or(false);
    if rule.doc["disabled"].as_bool().unwrap_or(false) != disabled {
        rule.doc["disabled"] = json!(disabled);
        return Ok(Reply::empty(StatusCode::OK));
    }
    // `UpdateImmutableRule` rewrites the `tag_filter` column with the body.
    rule.tag_filter = crate::state::immutable::tag_filter(project, &patch);
    if let Value::Object(fields) = patch {
        for (k, v) in fields {
            if k != "id" {
                rule.doc[k] = v;
            }
        }
    }
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("immutable_rule_id")?;
    let project = project_of(ctx, s)?;
    s.immutable_rule_mut(project, id)?;
    s.immutable_rules.remove(&id);
    Ok(Reply::empty(StatusCode::OK))
}
