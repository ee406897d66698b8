//! Immutable tag rules of projects.

use serde::Serialize;
use serde_json::{Value, json};

use super::SimState;
use crate::errors::{ApiError, ApiResult};

/// An immutable tag rule: Harbor's `ImmutableRule` document with its project.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ImmutableRule {
    /// The document.
    pub doc: Value,
    /// Its project.
    #[serde(skip)]
    pub project_id: i64,
    /// The rule as Harbor's `tag_filter` column holds it: the body of its
    /// create or last full update, which the table's unique key compares.
    #[serde(skip)]
    pub tag_filter: Value,
}

/// The `tag_filter` column Harbor writes for a rule (`src/pkg/immutable/manager.go`): the
/// body copied into `model.Metadata` (`lib.JSONCopy`) with the path's project, then marshalled.
/// Two rules hold the same text exactly when these values are equal: Metadata's fields only
/// (the body's `id` and `disabled` as sent, absent ones their zero values), selectors of
/// `kind`, `decoration` and `pattern`, absent lists and maps `null`.
pub(crate) fn tag_filter(project_id: i64, body: &Value) -> Value {
    let text = |v: &Value| json!(v.as_str().unwrap_or_default());
    let selector = |s: &Value| {
        if s.is_null() {
            Value::Null
        } else {
            json!({"kind": text(&s["kind"]), "decoration": text(&s["decoration"]),
                   "pattern": text(&s["pattern"])})
        }
    };
    let selectors = |list: &Value| match list.as_array() {
        Some(items) => Value::Array(items.iter().map(selector).collect()),
        None => Value::Null,
    };
    let scopes = match body["scope_selectors"].as_object() {
        Some(map) => Value::Object(
            map.iter()
                .map(|(key, list)| (key.clone(), selectors(list)))
                .collect(),
        ),
        None => Value::Null,
    };
    json!({
        "id": body["id"].as_i64().unwrap_or(0),
        "project_id": project_id,
        "disabled": body["disabled"].as_bool().unwrap_or(false),
        "priority": body["priority"].as_i64().unwrap_or(0),
        "action": text(&body["action"]),
        "template": text(&body["template"]),
        "tag_selectors": selectors(&body["tag_selectors"]),
        "scope_selectors": scopes,
    })
}

impl SimState {
    /// Adds a rule, always enabled (`dao.CreateImmutableRule` sets `Disabled` false); 409
    /// when the project has a rule of the same `tag_filter` (the table's unique
    /// `(project_id, tag_filter)`). Harbor sets no limit on the number of rules.
    pub fn create_immutable_rule(&mut self, project_id: i64, mut doc: Value) -> ApiResult<i64> {
        let filter = tag_filter(project_id, &doc);
        if self
            .immutable_rules
            .values()
            .any(|r| r.project_id == project_id && r.tag_filter == filter)
        {
            return Err(ApiError::conflict("immutable rule already exists"));
        }
        let id = self.ids.next("immutable_rule");
        doc["id"] = json!(id);
        if doc.get("action").is_none() {
            doc["action"] = json!("immutable");
        }
        if doc.get("template").is_none() {
            doc["template"] = json!("immutable_template");
        }
        doc["disabled"] = json!(false);
        self.immutable_rules.insert(
            id,
            ImmutableRule {
                doc,
                project_id,
                tag_filter: filter,
            },
        );
        Ok(id)
    }

    /// A project's rule as Harbor's `requireRuleAccess` finds it
    /// (`src/server/v2.0/handler/immutable.go`): 404 when there is none, or when it belongs
    /// to another project.
    pub fn immutable_rule_mut(
        &mut self,
        project_id: i64,
        id: i64,
    ) -> ApiResult<&mut ImmutableRule> {
        match self.immutable_rules.get_mut(&id) {
            None => Err(ApiError::not_found(format!(
                "immutable rule {id} not found"
            ))),
            Some(r) if r.project_id != project_id => Err(ApiError::not_found(format!(
                "resource not found: project id {project_id} does not match"
            ))),
            Some(r) => Ok(r),
        }
    }

    /// Whether a tag of a repository (`library/app`) is protected by an enabled rule.
    pub fn tag_is_immutable(&self, project_id: i64, repository: &str, tag: &str) -> bool {
        let short = repository
            .split_once('/')
            .map(|x| x.1)
            .unwrap_or(repository);
        self.immutable_rules
            .values()
            .filter(|r| r.project_id == project_id && r.doc["disabled"] != json!(true))
            .any(|r| {
                let tags_match = r.doc["tag_selectors"]
                    .as_array()
                    .is_some_and(|sels| sels.iter().any(|s| selector_matches(s, tag)));
                let repos_match = r.doc["scope_selectors"]["repository"]
                    .as_array()
                    .is_none_or(|sels| sels.iter().any(|s| selector_matches(s, short)));
                tags_match && repos_match
            })
    }
}

/// Harbor's doublestar selectors, reduced to `**`, `*`, `{a,b}` and literals.
fn selector_matches(selector: &Value, value: &str) -> bool {
    let hit = doublestar_matches(selector["pattern"].as_str().unwrap_or("**"), value);
    match selector["decoration"].as_str() {
        Some(d) if d.contains("xclude") => !hit,
        _ => hit,
    }
}

/// Whether `value` matches a doublestar pattern, reduced to `**`, `*`, `{a,b}` and literals.
pub(crate) fn doublestar_matches(pattern: &str, value: &str) -> bool {
    pattern
        .trim_start_matches('{')
        .trim_end_matches('}')
        .split(',')
        .any(|p| glob(p.trim(), value))
}

fn glob(pattern: &str, value: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == value,
        Some((head, rest)) => {
            let rest = rest.trim_start_matches('*');
            value.starts_with(head)
                && (0..=value.len() - head.len()).any(|i| {
                    value.is_char_boundary(head.len() + i) && glob(rest, &value[head.len() + i..])
                })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::glob;

    #[test]
    fn globs() {
        assert!(glob("**", "anything"));
        assert!(glob("v*", "v1.2"));
        assert!(glob("release-*-final", "release-3-final"));
        assert!(!glob("v*", "latest"));
        assert!(glob("latest", "latest"));
    }
}
