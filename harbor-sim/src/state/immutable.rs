//! Immutable tag rules of projects.

use serde::Serialize;
use serde_json::{Value, json};

use super::SimState;
use crate::doublestar::harbor_match;
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

    /// Whether a tag of a repository (`library/app`) is immutable, as the tag controller's
    /// `populateImmutableStatus` decides with the immutable rule matcher
    /// (`src/pkg/immutable/match/rule/match.go` `Matcher.Match`): the project's rules in
    /// their table order (by id), enabled ones only, each tried with its *first* repository
    /// selector then its *first* tag selector (a rule lacking either is skipped), the
    /// candidate being the repository's name without its project and the one tag. A
    /// selector the index does not know (a kind other than `doublestar`, an unsupported or
    /// empty decoration) or a pattern doublestar refuses ends the matching with an error,
    /// which the controller swallows: the tag is then not immutable, whatever later rules say.
    pub fn tag_is_immutable(&self, project_id: i64, repository: &str, tag: &str) -> bool {
        let candidate = Candidate {
            repository: repository
                .split_once('/')
                .map_or(repository, |(_, short)| short),
            tag,
        };
        self.immutable_match(project_id, &candidate)
            .unwrap_or(false)
    }

    /// `Matcher.Match`: `Err` where Harbor's matcher returns an error.
    fn immutable_match(
        &self,
        project_id: i64,
        candidate: &Candidate<'_>,
    ) -> Result<bool, SelectorError> {
        let rules = self
            .immutable_rules
            .values()
            .filter(|r| r.project_id == project_id && r.doc["disabled"] != json!(true));
        for rule in rules {
            let Some(repository) = first_selector(&rule.doc["scope_selectors"]["repository"])
            else {
                continue;
            };
            if !select(repository, candidate)? {
                continue;
            }
            let Some(tags) = first_selector(&rule.doc["tag_selectors"]) else {
                continue;
            };
            if select(tags, candidate)? {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

/// What a selector selects from: the tag's repository, by its name without the project
/// (`utils.ParseRepository`), and the tag. The namespace is left empty, as
/// `populateImmutableStatus` leaves it (it sets only the namespace's id).
struct Candidate<'a> {
    repository: &'a str,
    tag: &'a str,
}

/// Why Harbor's matcher stopped with an error: `index.Get` refused the selector, or
/// doublestar the pattern.
#[derive(Debug)]
struct SelectorError;

/// The first selector of a list, if the list has one (Harbor reads only the first).
fn first_selector(list: &Value) -> Option<&Value> {
    list.as_array().and_then(|items| items.first())
}

/// `index.Get` then `Select` on the one candidate
/// (`src/lib/selector/selectors/doublestar/selector.go`): whether the candidate is
/// selected. The candidate always has its one tag, so the `untagged` extras never decide.
fn select(selector: &Value, candidate: &Candidate<'_>) -> Result<bool, SelectorError> {
    let text = |key: &str| selector[key].as_str().unwrap_or_default();
    let (kind, decoration, pattern) = (text("kind"), text("decoration"), text("pattern"));
    // `index.Get`: "empty selector kind or decoration", "selector <kind> is not
    // registered", "decoration <d> of selector <kind> is not supported".
    if kind != "doublestar" {
        return Err(SelectorError);
    }
    let matches = |value: &str| harbor_match(pattern, value).map_err(|_| SelectorError);
    match decoration {
        // The tag decorations test the candidate's tags, whichever list the selector is in.
        "matches" => matches(candidate.tag),
        "excludes" => matches(candidate.tag).map(|hit| !hit),
        "repoMatches" => matches(candidate.repository),
        "repoExcludes" => matches(candidate.repository).map(|hit| !hit),
        // The namespace is empty, and an empty value selects nothing (`len(value) > 0`).
        "nsMatches" | "nsExcludes" => Ok(false),
        _ => Err(SelectorError),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(repository: Value, tags: Value) -> Value {
        json!({"disabled": false, "scope_selectors": {"repository": repository},
               "tag_selectors": tags})
    }

    fn selector(decoration: &str, pattern: &str) -> Value {
        json!({"kind": "doublestar", "decoration": decoration, "pattern": pattern})
    }

    fn state_with(rules: &[Value]) -> SimState {
        let mut s = SimState::default();
        for doc in rules {
            s.create_immutable_rule(7, doc.clone()).unwrap();
        }
        s
    }

    #[test]
    fn the_first_selectors_of_each_rule_decide() {
        let only_first = rule(
            json!([
                selector("repoMatches", "app"),
                selector("repoMatches", "other")
            ]),
            json!([selector("matches", "1.*"), selector("matches", "latest")]),
        );
        let s = state_with(&[only_first]);
        assert!(s.tag_is_immutable(7, "library/app", "1.2"));
        // The second tag selector and the second repository selector are not read.
        assert!(!s.tag_is_immutable(7, "library/app", "latest"));
        assert!(!s.tag_is_immutable(7, "library/other", "1.2"));
        // Another project's rules do not apply.
        assert!(!s.tag_is_immutable(8, "library/app", "1.2"));
    }

    #[test]
    fn a_rule_without_a_repository_or_tag_selector_is_skipped() {
        let no_repository = rule(Value::Null, json!([selector("matches", "**")]));
        let no_tags = rule(json!([selector("repoMatches", "**")]), json!([]));
        let s = state_with(&[no_repository, no_tags]);
        assert!(!s.tag_is_immutable(7, "library/app", "1.2"));
    }

    #[test]
    fn decorations_and_doublestar_patterns() {
        let cases = [
            // (repository selector, tag selector, repository, tag, immutable)
            (
                ("repoMatches", "**"),
                ("matches", "v[0-9]*"),
                "p/app",
                "v1",
                true,
            ),
            (
                ("repoMatches", "**"),
                ("matches", "v[0-9]*"),
                "p/app",
                "vx",
                false,
            ),
            (
                ("repoExcludes", "app"),
                ("matches", "**"),
                "p/app",
                "v1",
                false,
            ),
            (
                ("repoExcludes", "app"),
                ("matches", "**"),
                "p/web",
                "v1",
                true,
            ),
            // `*` stops at a `/`, `**` does not.
            (
                ("repoMatches", "team/*"),
                ("matches", "**"),
                "p/team/a/b",
                "v1",
                false,
            ),
            (
                ("repoMatches", "team/**"),
                ("matches", "**"),
                "p/team/a/b",
                "v1",
                true,
            ),
            (
                ("repoMatches", "{app,web}"),
                ("excludes", "latest"),
                "p/web",
                "v1",
                true,
            ),
            (
                ("repoMatches", "{app,web}"),
                ("excludes", "latest"),
                "p/web",
                "latest",
                false,
            ),
            // An empty pattern matches everything.
            (("repoMatches", ""), ("matches", ""), "p/any", "any", true),
            // A tag decoration in the repository list tests the tag.
            (("matches", "v1"), ("matches", "**"), "p/app", "v1", true),
            (("matches", "v1"), ("matches", "**"), "p/app", "v2", false),
            // The namespace is empty in the tag controller's candidate: nothing is selected.
            (("nsMatches", "**"), ("matches", "**"), "p/app", "v1", false),
            (("nsExcludes", "x"), ("matches", "**"), "p/app", "v1", false),
        ];
        for ((rd, rp), (td, tp), repository, tag, expected) in cases {
            let s = state_with(&[rule(json!([selector(rd, rp)]), json!([selector(td, tp)]))]);
            assert_eq!(
                s.tag_is_immutable(7, repository, tag),
                expected,
                "{rd} {rp:?} / {td} {tp:?} on {repository}:{tag}"
            );
        }
    }

    #[test]
    fn an_error_ends_the_matching_and_the_tag_is_not_immutable() {
        let matching = rule(
            json!([selector("repoMatches", "**")]),
            json!([selector("matches", "**")]),
        );
        for broken in [
            // doublestar's ErrBadPattern, met while matching.
            rule(
                json!([selector("repoMatches", "[app")]),
                json!([selector("matches", "**")]),
            ),
            // Not in the selector index.
            rule(
                json!([{"kind": "regex", "decoration": "repoMatches", "pattern": "**"}]),
                json!([selector("matches", "**")]),
            ),
            rule(
                json!([selector("repoMatch", "**")]),
                json!([selector("matches", "**")]),
            ),
            rule(
                json!([selector("", "**")]),
                json!([selector("matches", "**")]),
            ),
        ] {
            // The broken rule comes first (lower id): its error hides the matching rule.
            let s = state_with(&[broken.clone(), matching.clone()]);
            assert!(!s.tag_is_immutable(7, "library/app", "1.2"), "{broken}");
            // After a matching rule, it is never reached.
            let s = state_with(&[matching.clone(), broken.clone()]);
            assert!(s.tag_is_immutable(7, "library/app", "1.2"), "{broken}");
        }
    }

    #[test]
    fn a_disabled_rule_is_skipped() {
        let mut s = state_with(&[rule(
            json!([selector("repoMatches", "**")]),
            json!([selector("matches", "**")]),
        )]);
        assert!(s.tag_is_immutable(7, "library/app", "1.2"));
        for r in s.immutable_rules.values_mut() {
            r.doc["disabled"] = json!(true);
        }
        assert!(!s.tag_is_immutable(7, "library/app", "1.2"));
    }
}
