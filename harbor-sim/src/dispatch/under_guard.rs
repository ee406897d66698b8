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
use crate::transaction_check::{self, RefusalChanged};

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
///
/// With [`crate::SimulatorBuilder::check_transactions`], a write Harbor runs in a
/// transaction that is refused also names the tables its handler changed before refusing
/// ([`transaction_check`]), which Harbor would have rolled back.
pub(super) async fn run(
    shared: &Shared,
    op: &Routed,
    ctx: &mut Ctx,
) -> (ApiResult<Reply>, Option<RefusalChanged>) {
    let writes = op.entry.writes_state();
    let check = shared.check_transactions;
    let page_time = shared
        .page_times
        .hold(op.spec.id, ctx.query("page"), ctx.query("page_size"));
    let page_time = {
        let mut guard = StateGuard::lock(&shared.state, writes);
        ctx.identity = caller(ctx, guard.state());
        if let Err(refused) = admit(op, ctx, &mut guard) {
            return (Err(refused), None);
        }
        match page_time {
            None => return run_handler(op, ctx, &mut guard, check),
            Some(hold) => hold,
        }
    };
    tokio::time::sleep(page_time).await;
    run_handler(op, ctx, &mut StateGuard::lock(&shared.state, writes), check)
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

/// The operation's handler, and the audit rows it writes; when `check`, what a refused
/// write changed (GET, HEAD and OPTIONS run outside Harbor's transaction).
fn run_handler(
    op: &Routed,
    ctx: &Ctx,
    guard: &mut StateGuard<'_>,
    check: bool,
) -> (ApiResult<Reply>, Option<RefusalChanged>) {
    match op.entry.handler {
        Handler::Reads(handler) => (handler(ctx, guard.state()), None),
        Handler::Writes(handler) => match guard.state_mut() {
            Some(s) => {
                let mut changed = None;
                let result = audit_events::audited(op.entry.audit, ctx, s, |ctx, s| {
                    let (result, refusal) = transaction_check::run(
                        check && op.spec.is_write(),
                        op.spec.id,
                        s,
                        &[],
                        |s| handler(ctx, s),
                        |result| match result {
                            Ok(reply) => reply.status.as_u16(),
                            Err(e) => e.status.as_u16(),
                        },
                    );
                    changed = refusal;
                    result
                });
                (result, changed)
            }
            // Not met: the table's writing operations take the write guard.
            None => (
                Err(ApiError::uncoded(format!(
                    "{} writes but holds a read guard",
                    op.spec.id
                ))),
                None,
            ),
        },
    }
}

#[cfg(test)]
mod tests {
    use std::sync::RwLock;

    use reqwest::{Method, StatusCode};
    use serde_json::json;

    use super::{Ctx, RefusalChanged, Routed, SimState, StateGuard, run_handler};
    use crate::audit_events::Audit;
    use crate::auth::Identity;
    use crate::errors::{ApiError, ApiResult};
    use crate::handlers::Handler;
    use crate::operation::OpSpec;
    use crate::operation_table::Operation;
    use crate::rbac::Rule;

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

    /// Runs `handler` as `CreateLabel` (a POST) over a fresh state, checking transactions:
    /// what a refusal changed.
    fn changed_by(
        handler: fn(&Ctx, &mut SimState) -> ApiResult<crate::context::Reply>,
    ) -> Option<RefusalChanged> {
        let spec: &'static OpSpec =
            OpSpec::by_id("CreateLabel").expect("CreateLabel is in the spec");
        let entry: &'static Operation = Box::leak(Box::new(Operation {
            id: spec.id,
            handler: Handler::Writes(handler),
            before_access: None,
            access: Rule::Open,
            audit: Audit::NotAudited,
        }));
        let ctx = Ctx {
            op: spec,
            path_params: Vec::new(),
            query: Vec::new(),
            headers: Default::default(),
            body: Default::default(),
            identity: Identity::Anonymous,
            path: "/api/v2.0/labels".to_owned(),
        };
        let state = RwLock::new(SimState::with_admin("admin", "Harbor12345"));
        let routed = Routed { spec, entry };
        let (result, changed) =
            run_handler(&routed, &ctx, &mut StateGuard::lock(&state, true), true);
        assert!(result.is_err());
        changed
    }

    /// A handler that changes a table and then refuses is named; one that refuses first, or
    /// only draws an id (Postgres sequences are outside the transaction), is not.
    #[test]
    fn a_refused_write_that_changed_a_table_is_named() {
        let changed = changed_by(|_, s| {
            s.documents.insert("left behind".into(), json!(1));
            Err(ApiError::bad_request("refused after the change"))
        });
        assert_eq!(changed.map(|c| c.0), Some(vec!["documents"]));
        assert!(
            changed_by(|_, s| {
                s.ids.next("label");
                Err(ApiError::bad_request("refused"))
            })
            .is_none()
        );
    }
}
