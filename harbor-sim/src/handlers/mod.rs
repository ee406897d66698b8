//! One handler per operation with real state, by operation id; the rest are answered by
//! `generic`, which still validates and answers the documented shape.

mod artifacts;
mod generic;
mod immutable;
mod labels;
mod members;
mod metadata;
mod projects;
mod quotas;
mod registries;
mod replication;
mod repositories;
mod robots;
mod scanners;
mod system;
mod users;
mod webhooks;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
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

/// 403 unless the caller administers the system.
pub(crate) fn require_admin(ctx: &Ctx) -> ApiResult<()> {
    match &ctx.identity {
        Identity::User { sysadmin: true, .. } | Identity::Robot { .. } => Ok(()),
        _ => Err(ApiError::forbidden("forbidden: system administrator only")),
    }
}

/// The handler for an operation id; every id of Harbor's spec gets one.
pub fn handler(op_id: &str) -> Handler {
    stateful(op_id).unwrap_or(generic::handle)
}

/// Whether an operation has a stateful handler (not the generic one).
pub fn is_stateful(op_id: &str) -> bool {
    stateful(op_id).is_some()
}

fn stateful(op_id: &str) -> Option<Handler> {
    projects::handler(op_id)
        .or_else(|| members::handler(op_id))
        .or_else(|| metadata::handler(op_id))
        .or_else(|| repositories::handler(op_id))
        .or_else(|| artifacts::handler(op_id))
        .or_else(|| labels::handler(op_id))
        .or_else(|| users::handler(op_id))
        .or_else(|| robots::handler(op_id))
        .or_else(|| registries::handler(op_id))
        .or_else(|| replication::handler(op_id))
        .or_else(|| webhooks::handler(op_id))
        .or_else(|| scanners::handler(op_id))
        .or_else(|| immutable::handler(op_id))
        .or_else(|| quotas::handler(op_id))
        .or_else(|| system::handler(op_id))
}
