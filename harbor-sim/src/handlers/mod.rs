//! The operations' handlers, one file per area of Harbor's API; the operation table
//! ([`crate::operation_table`]) names each operation's handler. Operations without a
//! dedicated one are answered by `generic`, which keeps what is written by path and answers
//! the documented shape.

pub(crate) mod artifacts;
pub(crate) mod audit_logs;
pub(crate) mod configurations;
pub(crate) mod connectivity;
pub(crate) mod generic;
pub(crate) mod icons;
pub(crate) mod immutable;
pub(crate) mod jobservice;
pub(crate) mod labels;
pub(crate) mod ldap;
pub(crate) mod members;
pub(crate) mod metadata;
pub(crate) mod permissions;
pub(crate) mod preheat;
pub(crate) mod projects;
pub(crate) mod quotas;
pub(crate) mod registries;
pub(crate) mod replication;
pub(crate) mod repositories;
pub(crate) mod retention;
pub(crate) mod robots;
pub(crate) mod scan_export;
pub(crate) mod scanners;
pub(crate) mod security_hub;
pub(crate) mod system;
pub(crate) mod system_cve_allowlist;
pub(crate) mod system_jobs;
pub(crate) mod usergroups;
pub(crate) mod users;
pub(crate) mod webhooks;

use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::rbac::roles::highest_role_id;
use crate::rbac::{Listing, SecurityContext};
use crate::state::Project;
use crate::state::SimState;

/// An operation's handler: synchronous, since all state is in memory. Its kind says which
/// guard of the state the request takes (once, for the access check, the handler and the
/// audit rows together).
#[derive(Debug, Clone, Copy)]
pub(crate) enum Handler {
    /// Reads the state: runs under the read guard.
    Reads(fn(&Ctx, &SimState) -> ApiResult<Reply>),
    /// Changes the state, or brings its jobs up to now as it reads them: runs under the
    /// write guard.
    Writes(fn(&Ctx, &mut SimState) -> ApiResult<Reply>),
}

/// The user id behind an identity (robots act for the admin who made them).
pub(crate) fn actor_id(identity: &Identity) -> i64 {
    match identity {
        Identity::User { id, .. } => *id,
        _ => 1,
    }
}

/// The user name behind an identity.
pub(crate) fn actor_name(identity: &Identity) -> String {
    match identity {
        Identity::User { username, .. } => username.clone(),
        Identity::Robot { name, .. } => name.clone(),
        Identity::Anonymous => "anonymous".into(),
    }
}

/// The caller's security context, for handlers whose answer depends on who asks (lists that
/// show only what the caller may see, the caller's roles). Access to the operation itself
/// was decided before the handler ran ([`crate::rbac::authorize`]).
pub(crate) fn security<'a>(ctx: &Ctx, state: &'a SimState) -> SecurityContext<'a> {
    SecurityContext::new(state, &ctx.identity)
}

/// A project as `sc`'s caller sees it: `current_user_role_id(s)` are the caller's own roles
/// in it (none for robots and anonymous callers, as in Harbor), `None` when it does not exist.
pub(crate) fn project_seen_by(sc: &SecurityContext<'_>, s: &SimState, id: i64) -> Option<Project> {
    Some(project_as_seen(sc, s, s.projects.get(&id)?))
}

/// `project` as `sc`'s caller sees it (see [`project_seen_by`]).
pub(crate) fn project_as_seen(
    sc: &SecurityContext<'_>,
    s: &SimState,
    project: &Project,
) -> Project {
    let mut project = s.project_view_of(project);
    let roles = sc.roles(project.project_id);
    project.current_user_role_id = highest_role_id(roles);
    project.current_user_role_ids = roles.iter().map(|r| r.id()).collect();
    project
}

/// The projects `sc`'s caller sees in `listing`, with their roles filled in.
pub(crate) fn projects_seen_by(
    sc: &SecurityContext<'_>,
    s: &SimState,
    listing: Listing,
) -> Vec<Project> {
    s.projects
        .values()
        .filter(|p| sc.sees_project(p, listing))
        .filter_map(|p| project_seen_by(sc, s, p.project_id))
        .collect()
}
