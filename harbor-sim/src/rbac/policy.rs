//! What a permission is about (a resource of the system or of one project) and the policies
//! robot accounts carry, matched the way Harbor's casbin model matches them.
//!
//! Harbor names resources by path: `/system/robot`, `/project/7/repository`, and `/project/7`
//! for the project itself. A robot's access list becomes patterns over those paths, where
//! `/*` stands for anything (`/project/*/repository` covers every project).

use serde_json::Value;

use super::roles::{Grant, ProjectRole};
use crate::state::SimState;

/// What an access check is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target<'a> {
    /// A system resource (`registry`, `user`, `robot`, ...).
    System(&'a str),
    /// A subresource of one project (`""` for the project itself).
    Project {
        /// The project id.
        id: i64,
        /// The subresource (`repository`, `member`, `""`).
        resource: &'a str,
    },
}

impl Target<'_> {
    /// Harbor's path for the resource (`/system/robot`, `/project/7/repository`).
    pub fn path(&self) -> String {
        match self {
            Target::System(resource) => format!("/system/{resource}"),
            Target::Project { id, resource: "" } => format!("/project/{id}"),
            Target::Project { id, resource } => format!("/project/{id}/{resource}"),
        }
    }
}

/// One entry of a robot account's access list, resolved to a resource pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RobotPolicy {
    /// The resource pattern (`/system/registry`, `/project/*/repository`, `/project/3`).
    pub resource: String,
    /// The action (`pull`, `create`, or `*` for any).
    pub action: String,
    /// Whether the entry denies instead of allowing.
    pub deny: bool,
}

impl RobotPolicy {
    /// Whether the policy speaks about `path` and `action`.
    pub fn matches(&self, path: &str, action: &str) -> bool {
        (self.action == action || self.action == "*") && key_match(path, &self.resource)
    }

    /// Whether the policy is about the system namespace.
    pub fn is_system(&self) -> bool {
        self.resource.starts_with("/system")
    }

    /// The project the pattern is bound to, if it names one (not `*`).
    pub fn project_id(&self) -> Option<i64> {
        let rest = self.resource.strip_prefix("/project/")?;
        rest.split('/').next()?.parse().ok()
    }
}

/// Resolves a robot's `permissions` (Harbor's `[{kind, namespace, access: [...]}]`) into
/// policies. A permission naming a project that does not exist gives nothing.
pub fn robot_policies(state: &SimState, permissions: &Value) -> Vec<RobotPolicy> {
    let mut out = Vec::new();
    for permission in permissions.as_array().into_iter().flatten() {
        let kind = permission.get("kind").and_then(Value::as_str);
        let namespace = permission.get("namespace").and_then(Value::as_str);
        let scope = match (kind, namespace) {
            (Some("system"), _) => "/system".to_owned(),
            (Some("project"), Some("*")) => "/project/*".to_owned(),
            (Some("project"), Some(name)) => match state.project_id(name, true) {
                Ok(id) => format!("/project/{id}"),
                Err(_) => continue,
            },
            _ => continue,
        };
        let access = permission.get("access").and_then(Value::as_array);
        for entry in access.into_iter().flatten() {
            let field = |k: &str| entry.get(k).and_then(Value::as_str).unwrap_or_default();
            let resource = match field("resource") {
                // A project permission on `project` is about the project itself.
                "project" if scope.starts_with("/project") => scope.clone(),
                r => format!("{scope}/{r}"),
            };
            out.push(RobotPolicy {
                resource,
                action: field("action").to_owned(),
                deny: field("effect") == "deny",
            });
        }
    }
    out
}

/// Harbor's `keyMatch2` for the patterns robots use: `/*` matches any run of characters
/// (including `/`), everything else literally.
pub fn key_match(key: &str, pattern: &str) -> bool {
    let mut parts = pattern.split("/*");
    let first = parts.next().unwrap_or_default();
    let Some(mut rest) = key.strip_prefix(first) else {
        return false;
    };
    let tail: Vec<&str> = parts.collect();
    if tail.is_empty() {
        return rest.is_empty();
    }
    // Every `/*` is a literal `/` followed by a wildcard, then the next literal piece.
    for (i, piece) in tail.iter().enumerate() {
        let Some(after_slash) = rest.strip_prefix('/') else {
            return false;
        };
        let last = i == tail.len() - 1;
        if last {
            return after_slash.ends_with(piece);
        }
        match after_slash.find(piece) {
            Some(at) => rest = &after_slash[at + piece.len()..],
            None => return false,
        }
    }
    rest.is_empty()
}

/// The system resources and actions Harbor lists for the `/system` scope of
/// `GET /users/current/permissions` (`src/common/rbac/system/policies.go`).
pub const SYSTEM_POLICIES: &[Grant] = &[
    ("catalog", &["read"]),
    ("audit-log", &["list"]),
    ("project", &["create", "read", "update", "delete", "list"]),
    ("user", &["create", "read", "update", "delete", "list"]),
    (
        "user-group",
        &["create", "read", "update", "delete", "list"],
    ),
    ("registry", &["create", "read", "update", "delete", "list"]),
    (
        "replication",
        &["create", "read", "update", "list", "delete"],
    ),
    (
        "distribution",
        &["create", "read", "update", "delete", "list"],
    ),
    (
        "garbage-collection",
        &["create", "read", "update", "delete", "list"],
    ),
    (
        "scan-all",
        &["create", "read", "update", "delete", "list", "stop"],
    ),
    ("system-volumes", &["read"]),
    ("ldap-user", &["create", "list"]),
    ("configuration", &["read", "update"]),
    ("jobservice-monitor", &["read", "list", "stop"]),
    ("security-hub", &["read", "list"]),
];

/// Every `(subresource, action)` some role has in a project, each once, strongest role's
/// rows first: the policies Harbor lists for a `/project/{id}` scope.
pub fn project_policies() -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    for role in ProjectRole::ALL {
        for (resource, actions) in role.grants() {
            for action in *actions {
                if !out.contains(&(resource, action)) {
                    out.push((resource, action));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn key_match_follows_harbors_wildcard() {
        assert!(key_match("/project/1/repository", "/project/*/repository"));
        assert!(key_match("/project/12/repository", "/project/*/repository"));
        assert!(!key_match("/project/1/artifact", "/project/*/repository"));
        assert!(key_match("/project/1", "/project/1"));
        assert!(!key_match("/project/1/robot", "/project/1"));
        assert!(key_match("/project/1/robot", "/project/*"));
        assert!(key_match("/system/registry", "/system/registry"));
        assert!(!key_match("/system/registry", "/project/*/registry"));
        assert!(key_match("/project/3/tag", "/project/3/*"));
    }

    #[test]
    fn robot_permissions_become_scoped_patterns() {
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        let library = s.project_id("library", true).unwrap();
        let policies = robot_policies(
            &s,
            &json!([
                {"kind": "system", "namespace": "/", "access": [{"resource": "registry", "action": "list"}]},
                {"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]},
                {"kind": "project", "namespace": "library", "access": [{"resource": "project", "action": "read"}]},
                {"kind": "project", "namespace": "missing", "access": [{"resource": "repository", "action": "pull"}]},
            ]),
        );
        let resources: Vec<&str> = policies.iter().map(|p| p.resource.as_str()).collect();
        let library_path = format!("/project/{library}");
        assert_eq!(
            resources,
            [
                "/system/registry",
                "/project/*/repository",
                library_path.as_str()
            ]
        );
        assert!(policies[0].is_system());
        assert_eq!(policies[2].project_id(), Some(library));
        assert_eq!(policies[1].project_id(), None);
    }

    #[test]
    fn project_policies_are_the_union_of_the_roles() {
        let all = project_policies();
        assert!(all.contains(&("", "delete")));
        assert!(all.contains(&("repository", "push")));
        let unique: std::collections::HashSet<_> = all.iter().collect();
        assert_eq!(unique.len(), all.len(), "each policy once");
    }
}
