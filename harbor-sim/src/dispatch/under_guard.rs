//! The stages a routed request passes under its one guard of the state: who is calling
//! (the accounts are state), what Harbor's handler refuses before it looks at the caller (the
//! entry's `before_access`), whether they may ([`crate::rbac`]), the operation's handler and
//! its audit rows ([`crate::audit_events`]). The guard is a read or a write guard as the
//! operation's entry in the operation table says, and it is never held across an `.await`.

use axum::http::StatusCode;
use axum::http::header;

use crate::audit_events::{self, Audit};
use crate::auth::{self, Identity};
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::handlers::Handler;
use crate::operation_table::Routed;
use crate::server::Shared;
use crate::state::SimState;
use crate::state_guard::StateGuard;

/// The caller of the request, from its `Authorization` header, as the state knows accounts.
fn caller(ctx: &Ctx, state: &SimState) -> Identity {
    let header = ctx
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    auth::authenticate(state, header)
}

/// Writes the audit rows of a request go-swagger refused (an audited operation's only
/// reason to take the state before answering a refusal).
pub(super) fn refuse_invalid(shared: &Shared, op: &Routed, ctx: &mut Ctx, status: StatusCode) {
    if op.entry.audit == Audit::NotAudited {
        return;
    }
    let mut guard = StateGuard::lock(&shared.state, op.entry.writes_state());
    ctx.identity = caller(ctx, guard.state());
    if let Some(s) = guard.state_mut() {
        audit_events::refused(op.entry.audit, ctx, s, status);
    }
}

/// Runs the operation under one guard of the state, taken here: who is calling, whether
/// they may, the handler and its audit rows. A list with a page service time lets the guard
/// go while it spends it (no guard is held across an `.await`) and takes it again for the
/// handler, so the page shows the list as it is when ready.
pub(super) async fn run(shared: &Shared, op: &Routed, ctx: &mut Ctx) -> ApiResult<Reply> {
    let writes = op.entry.writes_state();
    let page_time = shared
        .page_times
        .hold(op.spec.id, ctx.query("page"), ctx.query("page_size"));
    let page_time = {
        let mut guard = StateGuard::lock(&shared.state, writes);
        ctx.identity = caller(ctx, guard.state());
        admit(op, ctx, &mut guard)?;
        match page_time {
            None => return run_handler(op, ctx, &mut guard),
            Some(hold) => hold,
        }
    };
    tokio::time::sleep(page_time).await;
    run_handler(op, ctx, &mut StateGuard::lock(&shared.state, writes))
}

/// The checks Harbor's handler makes before the caller's access (the entry's
/// `before_access`), then the access check; a refusal by either writes the operation's audit
/// rows for it.
fn admit(op: &Routed, ctx: &Ctx, guard: &mut StateGuard<'_>) -> ApiResult<()> {
    let refused = op
        .entry
        .before_access
        .map_or(Ok(()), |check| check(ctx, guard.state()))
        .and_then(|()| crate::rbac::authorize(op.entry.access, ctx, guard.state()))
        .err();
    match refused {
        None => Ok(()),
        Some(e) => {
            if let Some(s) = guard.state_mut() {
                audit_events::refused(op.entry.audit, ctx, s, e.status);
            }
            Err(e)
        }
    }
}

/// The operation's handler, and the audit rows it writes.
fn run_handler(op: &Routed, ctx: &Ctx, guard: &mut StateGuard<'_>) -> ApiResult<Reply> {
    match op.entry.handler {
        Handler::Reads(handler) => handler(ctx, guard.state()),
        Handler::Writes(handler) => match guard.state_mut() {
            Some(s) => audit_events::audited(op.entry.audit, ctx, s, handler),
            // Not met: the table's writing operations take the write guard.
            None => Err(ApiError::uncoded(format!(
                "{} writes but holds a read guard",
                op.spec.id
            ))),
        },
    }
}

#[cfg(test)]
mod tests {
    use reqwest::{Method, StatusCode};
    use serde_json::json;

    use crate::Simulator;
    use crate::state_guard::tests::taken_on_this_thread;

    /// Every kind of request takes the state once: a read, a write, an audited write, an
    /// audited write refused by validation and one refused by the access check. The test's
    /// runtime has one thread, on which the simulator serves and nothing else runs.
    #[tokio::test]
    async fn a_request_takes_the_state_once() {
        let sim = Simulator::start().await.expect("the simulator starts");
        let client = reqwest::Client::new();
        let audit_rows = || sim.handle().state().audit_log_ext.len();
        let rows_before = audit_rows();
        let cases = [
            (
                "admin",
                Method::GET,
                "/projects/library",
                None,
                StatusCode::OK,
            ),
            (
                "admin",
                Method::POST,
                "/projects",
                Some(json!({"project_name": "once"})),
                StatusCode::CREATED,
            ),
            (
                "admin",
                Method::PUT,
                "/projects/once",
                Some(json!({"metadata": {"public": "true"}})),
                StatusCode::OK,
            ),
            (
                "admin",
                Method::POST,
                "/users",
                Some(json!({"username": 7})),
                StatusCode::UNPROCESSABLE_ENTITY,
            ),
            (
                "",
                Method::DELETE,
                "/projects/once",
                None,
                StatusCode::UNAUTHORIZED,
            ),
        ];
        for (user, method, path, body, status) in cases {
            let mut request = client.request(method.clone(), format!("{}{path}", sim.api_url()));
            if !user.is_empty() {
                request = request.basic_auth(user, Some("Harbor12345"));
            }
            if let Some(body) = body {
                request = request.json(&body);
            }
            let before = taken_on_this_thread();
            let response = request.send().await.expect("the simulator answers");
            assert_eq!(response.status(), status, "{method} {path}");
            assert_eq!(taken_on_this_thread() - before, 1, "{method} {path}");
        }
        // Under that one guard the audited ones wrote their rows: create and update project,
        // the refused create user (a common event); the refused delete none (a controller
        // event, on success only).
        assert_eq!(audit_rows() - rows_before, 3);
    }
}
