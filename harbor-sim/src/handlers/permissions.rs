//! `GET /permissions`: what a robot account may be granted (`src/server/v2.0/handler/permissions.go`).
//!
//! Harbor answers from its robot permission provider (`src/common/rbac/const.go`, the
//! "no limit" provider): the system scope's list for system administrators only, the project
//! scope's list for them and for project administrators. Who may ask was decided before the
//! handler ran ([`crate::rbac::authorize`]).

use serde_json::{Value, json};

use super::security;
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::rbac::robot_permissions::{PROJECT_SCOPE, SYSTEM_SCOPE};
use crate::state::SimState;

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

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let mut answer = json!({"project": listed(PROJECT_SCOPE)});
    // A project administrator does not see the system scope.
    if security(ctx, s).is_sysadmin() {
        answer["system"] = json!(listed(SYSTEM_SCOPE));
    }
    Ok(Reply::ok(&answer))
}
