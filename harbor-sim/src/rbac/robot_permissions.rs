//! What a robot account may be granted: Harbor's robot permission provider
//! (`src/common/rbac/const.go`, `GetPermissionProvider`, which is always the "no limit"
//! provider: the base policies of each scope, and at system level also robots and users).
//! `GET /permissions` lists these; creating or updating a robot refuses anything else
//! (`validate` in `src/server/v2.0/handler/robot.go`).

/// What a robot may be granted at system level, in Harbor's order.
pub const SYSTEM_SCOPE: &[(&str, &[&str])] = &[
    ("audit-log", &["list"]),
    (
        "preheat-instance",
        &["read", "create", "delete", "list", "update"],
    ),
    ("project", &["list", "create"]),
    (
        "replication-policy",
        &["read", "create", "delete", "list", "update"],
    ),
    ("replication", &["read", "create", "list"]),
    ("replication-adapter", &["list"]),
    ("registry", &["read", "create", "delete", "list", "update"]),
    ("scan-all", &["read", "update", "stop", "create"]),
    ("system-volumes", &["read"]),
    (
        "garbage-collection",
        &["read", "create", "list", "update", "stop"],
    ),
    ("purge-audit", &["read", "create", "list", "update", "stop"]),
    ("jobservice-monitor", &["list", "stop"]),
    ("scanner", &["read", "create", "delete", "list", "update"]),
    ("label", &["read", "create", "delete", "update"]),
    ("security-hub", &["read", "list"]),
    ("catalog", &["read"]),
    ("quota", &["read", "list"]),
    ("robot", &["create", "read", "list", "delete"]),
    ("user", &["create", "read", "update", "list", "delete"]),
    ("ldap-user", &["create", "list"]),
    ("quota", &["update"]),
    (
        "user-group",
        &["create", "read", "update", "list", "delete"],
    ),
];

/// What a robot may be granted in a project, in Harbor's order.
pub const PROJECT_SCOPE: &[(&str, &[&str])] = &[
    ("log", &["list"]),
    ("project", &["read", "delete", "update"]),
    ("metadata", &["read", "create", "delete", "list", "update"]),
    (
        "repository",
        &["read", "update", "delete", "list", "pull", "push"],
    ),
    ("artifact", &["read", "create", "list", "delete"]),
    ("scan", &["create", "read", "stop"]),
    ("sbom", &["create", "stop", "read"]),
    ("tag", &["create", "list", "delete"]),
    ("accessory", &["list"]),
    ("artifact-addition", &["read"]),
    ("artifact-label", &["create", "delete"]),
    ("scanner", &["create", "read"]),
    (
        "preheat-policy",
        &["read", "create", "delete", "list", "update"],
    ),
    ("immutable-tag", &["create", "delete", "list", "update"]),
    (
        "notification-policy",
        &["read", "create", "delete", "list", "update"],
    ),
    (
        "tag-retention",
        &["read", "create", "delete", "list", "update"],
    ),
    ("label", &["read", "create", "delete", "list", "update"]),
    ("quota", &["read"]),
    ("robot", &["create", "read", "list", "delete"]),
    ("export-cve", &["create", "read"]),
    ("member", &["create", "read", "update", "list", "delete"]),
];

/// Whether a robot permission of `kind` (`system` or `project`) may grant `action` on
/// `resource`; any other kind grants nothing.
pub fn grantable(kind: &str, resource: &str, action: &str) -> bool {
    let scope = match kind {
        "system" => SYSTEM_SCOPE,
        "project" => PROJECT_SCOPE,
        _ => return false,
    };
    scope
        .iter()
        .any(|(r, actions)| *r == resource && actions.contains(&action))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_scope_grants_its_own_pairs_only() {
        assert!(grantable("project", "repository", "pull"));
        assert!(!grantable("system", "repository", "pull"));
        assert!(grantable("system", "robot", "create"));
        assert!(
            grantable("system", "quota", "update"),
            "quota appears twice"
        );
        assert!(!grantable("project", "repository", "fly"));
        assert!(!grantable("namespace", "repository", "pull"));
    }
}
