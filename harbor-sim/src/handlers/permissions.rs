//! `GET /permissions`: what a robot account may be granted (`src/server/v2.0/handler/permissions.go`).
//!
//! Harbor answers from its robot permission provider (`src/common/rbac/const.go`, the
//! "no limit" provider): the system scope's list for system administrators only, the project
//! scope's list for them and for project administrators. Who may ask was decided before the
//! handler ran ([`crate::rbac::authorize`]).

use std::sync::RwLock;

use serde_json::{Value, json};

use super::{Handler, read, security};
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::state::SimState;

/// What a robot may be granted at system level, in Harbor's order.
pub(crate) const ROBOT_SYSTEM_PERMISSIONS: &[(&str, &[&str])] = &[
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
pub(crate) const ROBOT_PROJECT_PERMISSIONS: &[(&str, &[&str])] = &[
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

pub(super) fn handler(op: &str) -> Option<Handler> {
    Some(match op {
        "getPermissions" => get,
        _ => return None,
    })
}

fn listed(table: &[(&str, &[&str])]) -> Vec<Value> {
    table
        .iter()
        .flat_map(|(resource, actions)| {
            actions
                .iter()
                .map(move |action| json!({"resource": resource, "action": action}))
        })
        .collect()
}

fn get(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    let s = read(state);
    let mut answer = json!({"project": listed(ROBOT_PROJECT_PERMISSIONS)});
    // A project administrator does not see the system scope.
    if security(ctx, &s).is_sysadmin() {
        answer["system"] = json!(listed(ROBOT_SYSTEM_PERMISSIONS));
    }
    Ok(Reply::ok(&answer))
}
