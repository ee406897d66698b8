//! Harbor's request transaction, checked rather than simulated.
//!
//! Harbor runs every write request but blob uploads (`PATCH`, `PUT`) and the token service in
//! one database transaction, which an answer of 400 or more rolls back
//! (`src/server/middleware/transaction/transaction.go`, its skippers in
//! `src/core/middlewares/middlewares.go`). The simulator has no transaction: its handlers
//! check before they change. With [`crate::SimulatorBuilder::check_transactions`] on, a
//! refused write is checked for tables it changed anyway ([`SimState::table_hashes`]), which
//! is then logged (target `harbor_sim::transaction`) and carried on the answer to the
//! recorder ([`crate::RecordedAnswer::changed_when_refused`]).

use crate::state::SimState;

/// The tables a refused write changed: a departure from Harbor, whose transaction would have
/// rolled them back. Carried on the answer's extensions to the recorder.
#[derive(Debug, Clone)]
pub(crate) struct RefusalChanged(pub(crate) Vec<&'static str>);

/// Runs `change` over `s`. When `enabled` and `status` of its result is 400 or more, the
/// tables it changed, less those Harbor keeps outside its database (`outside`, such as the
/// registry's storage), are logged under `operation` and returned.
pub(crate) fn run<T>(
    enabled: bool,
    operation: &str,
    s: &mut SimState,
    outside: &[&str],
    change: impl FnOnce(&mut SimState) -> T,
    status: impl FnOnce(&T) -> u16,
) -> (T, Option<RefusalChanged>) {
    let before = enabled.then(|| s.table_hashes());
    let result = change(s);
    let Some(before) = before else {
        return (result, None);
    };
    let status = status(&result);
    if status < 400 {
        return (result, None);
    }
    let tables: Vec<&'static str> = SimState::changed_tables(&before, &s.table_hashes())
        .into_iter()
        .filter(|table| !outside.contains(table))
        .collect();
    if tables.is_empty() {
        return (result, None);
    }
    tracing::warn!(
        target: "harbor_sim::transaction",
        operation, status, ?tables,
        "a refused write changed the state; Harbor rolls it back"
    );
    (result, Some(RefusalChanged(tables)))
}
