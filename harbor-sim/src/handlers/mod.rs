//! One handler per operation with real state, by operation id; the rest are answered by
//! `generic`, which still validates and answers the documented shape.

mod artifacts;
mod audit_events;
mod audit_logs;
mod configurations;
mod connectivity;
mod generic;
mod icons;
mod immutable;
mod jobservice;
mod labels;
mod ldap;
mod members;
mod metadata;
mod permissions;
mod preheat;
mod projects;
mod quotas;
mod registries;
mod replication;
mod repositories;
mod retention;
mod robots;
mod scan_export;
mod scanners;
mod security_hub;
mod system;
mod system_cve_allowlist;
mod system_jobs;
mod usergroups;
mod users;
mod webhooks;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::rbac::roles::highest_role_id;
use crate::rbac::{Listing, SecurityContext};
use crate::state::Project;
use crate::state::SimState;

/// A handler: synchronous, since all state is in memory.
pub type Handler = fn(&Ctx, &RwLock<SimState>) -> ApiResult<Reply>;

pub(crate) fn read(state: &RwLock<SimState>) -> RwLockReadGuard<'_, SimState> {
    state.read().unwrap_or_else(|e| e.into_inner())
}

pub(crate) fn write(state: &RwLock<SimState>) -> RwLockWriteGuard<'_, SimState> {
    state.write().unwrap_or_else(|e| e.into_inner())
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

/// The handler for an operation id; every id of Harbor's spec gets one. Operations that
/// write Harbor's audit log run through `audit_events` (their audit rows).
pub fn handler(op_id: &str) -> Handler {
    if audit_events::audits(op_id) {
        return audited;
    }
    unaudited(op_id)
}

/// Writes the audit rows Harbor writes for a request of this operation refused with
/// `status` before its handler ran (by validation or the access check).
pub(crate) fn audit_refused(ctx: &Ctx, state: &RwLock<SimState>, status: axum::http::StatusCode) {
    if audit_events::audits(ctx.op.id) {
        audit_events::refused(ctx, state, status);
    }
}

fn unaudited(op_id: &str) -> Handler {
    stateful(op_id).unwrap_or(generic::handle)
}

fn audited(ctx: &Ctx, state: &RwLock<SimState>) -> ApiResult<Reply> {
    audit_events::audited(ctx, state, unaudited(ctx.op.id))
}

/// Whether an operation has a stateful handler (not the generic one).
pub fn is_stateful(op_id: &str) -> bool {
    stateful(op_id).is_some()
}

fn stateful(op_id: &str) -> Option<Handler> {
    projects::handler(op_id)
        .or_else(|| audit_logs::handler(op_id))
        .or_else(|| members::handler(op_id))
        .or_else(|| metadata::handler(op_id))
        .or_else(|| repositories::handler(op_id))
        .or_else(|| artifacts::handler(op_id))
        .or_else(|| labels::handler(op_id))
        .or_else(|| ldap::handler(op_id))
        .or_else(|| users::handler(op_id))
        .or_else(|| robots::handler(op_id))
        .or_else(|| registries::handler(op_id))
        .or_else(|| replication::handler(op_id))
        .or_else(|| webhooks::handler(op_id))
        .or_else(|| scanners::handler(op_id))
        .or_else(|| immutable::handler(op_id))
        .or_else(|| quotas::handler(op_id))
        .or_else(|| system::handler(op_id))
        .or_else(|| system_cve_allowlist::handler(op_id))
        .or_else(|| permissions::handler(op_id))
        .or_else(|| system_jobs::handler(op_id))
        .or_else(|| scan_export::handler(op_id))
        .or_else(|| retention::handler(op_id))
        .or_else(|| preheat::handler(op_id))
        .or_else(|| configurations::handler(op_id))
        .or_else(|| connectivity::handler(op_id))
        .or_else(|| usergroups::handler(op_id))
        .or_else(|| icons::handler(op_id))
        .or_else(|| jobservice::handler(op_id))
        .or_else(|| security_hub::handler(op_id))
}
