//! The operation table: what the simulator does for each of Harbor's operations, one entry
//! per operation id ([`entries`]), joined once at startup to the operation's spec data (the
//! generated [`crate::operation::TABLE`]).
//!
//! An entry names the operation's handler (which also says whether it runs under the state's
//! read or write guard), the checks Harbor's handler makes before the caller's access
//! ([`BeforeAccess`], most operations have none), its access rule ([`Rule`]) and its audit
//! rule ([`Audit`]); every
//! field is required, so an entry missing a piece does not compile. [`resolve`] checks the
//! rest when the simulator starts: every operation of the spec has exactly one entry, no
//! entry names an operation the spec lacks, and every audited operation runs under the
//! write guard (its audit rows are written with it).

mod entries;

use std::collections::HashMap;
use std::sync::LazyLock;

use crate::audit_events::Audit;
use crate::context::Ctx;
use crate::errors::ApiResult;
use crate::handlers::Handler;
use crate::operation::OpSpec;
use crate::rbac::Rule;
use crate::state::SimState;

/// A check a Harbor handler makes on the request before it checks the caller's access (so a
/// caller without access meets its refusal, not 401/403): run after go-swagger's validation
/// and before the access rule, under the request's one guard of the state, reading the state
/// as the handler then finds it. A refusal writes the audit rows an access refusal writes.
pub(crate) type BeforeAccess = fn(&Ctx, &SimState) -> ApiResult<()>;

/// One operation's entry in the table, keyed by its operation id.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Operation {
    /// Harbor's `operationId`, as the spec spells it.
    pub(crate) id: &'static str,
    /// What answers it, under which guard of the state.
    pub(crate) handler: Handler,
    /// What Harbor's handler refuses before it looks at who is calling, if anything.
    pub(crate) before_access: Option<BeforeAccess>,
    /// Who may call it.
    pub(crate) access: Rule,
    /// What it writes to the audit log.
    pub(crate) audit: Audit,
}

impl Operation {
    /// Whether the request takes the state's write guard: its handler changes the state, or
    /// it writes audit rows (also when it is refused).
    pub(crate) fn writes_state(&self) -> bool {
        matches!(self.handler, Handler::Writes(_)) || self.audit != Audit::NotAudited
    }
}

/// An operation of the spec joined to its entry: everything the dispatcher needs about it.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Routed {
    /// The operation as the spec describes it.
    pub(crate) spec: &'static OpSpec,
    /// What the simulator does for it.
    pub(crate) entry: &'static Operation,
}

/// Why the table does not cover the spec: the operation ids at fault, by kind.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
#[error(
    "the operation table does not match the spec: without an entry {missing:?}, with more \
     than one {duplicated:?}, unknown to the spec {unknown:?}, audited under the read guard \
     {audited_read_only:?}"
)]
pub(crate) struct TableError {
    /// Operations of the spec without an entry.
    pub(crate) missing: Vec<&'static str>,
    /// Operations with more than one entry.
    pub(crate) duplicated: Vec<&'static str>,
    /// Entries naming no operation of the spec.
    pub(crate) unknown: Vec<&'static str>,
    /// Audited operations whose handler reads: their audit rows need the write guard.
    pub(crate) audited_read_only: Vec<&'static str>,
}

/// Joins every operation of `spec` to its entry in `entries`, in spec order, or says what
/// does not match.
pub(crate) fn resolve(
    spec: &'static [OpSpec],
    entries: &'static [Operation],
) -> Result<Vec<Routed>, TableError> {
    let mut by_id: HashMap<&str, &'static Operation> = HashMap::new();
    let mut error = TableError::default();
    for entry in entries {
        if by_id.insert(entry.id, entry).is_some() && !error.duplicated.contains(&entry.id) {
            error.duplicated.push(entry.id);
        }
        if matches!(entry.handler, Handler::Reads(_)) && entry.audit != Audit::NotAudited {
            error.audited_read_only.push(entry.id);
        }
    }
    let routed: Vec<Routed> = spec
        .iter()
        .filter_map(|op| match by_id.remove(op.id) {
            Some(entry) => Some(Routed { spec: op, entry }),
            None => {
                error.missing.push(op.id);
                None
            }
        })
        .collect();
    error.unknown = entries
        .iter()
        .map(|e| e.id)
        .filter(|id| by_id.contains_key(id))
        .collect();
    if error == TableError::default() {
        Ok(routed)
    } else {
        Err(error)
    }
}

/// The table of Harbor's operations, resolved on first use (the simulator's start).
static RESOLVED: LazyLock<Result<Vec<Routed>, TableError>> =
    LazyLock::new(|| resolve(crate::operation::TABLE, entries::ENTRIES));

/// Every operation, joined to its entry, in spec order; the error when the table and the
/// spec disagree (a fault of the simulator's source, found when it starts).
pub(crate) fn operations() -> Result<&'static [Routed], &'static TableError> {
    RESOLVED.as_ref().map(Vec::as_slice)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operation::TABLE;
    use crate::rbac::Rule;

    #[test]
    fn every_operation_of_the_spec_has_one_entry() {
        let routed = operations().expect("the table matches the spec");
        assert_eq!(routed.len(), 203);
        assert_eq!(routed.len(), TABLE.len());
        for (routed, spec) in routed.iter().zip(TABLE) {
            assert_eq!(routed.entry.id, spec.id);
        }
    }

    fn entry(id: &'static str, handler: Handler, audit: Audit) -> Operation {
        Operation {
            id,
            handler,
            access: Rule::Open,
            audit,
            before_access: None,
        }
    }

    fn leak(entries: Vec<Operation>) -> &'static [Operation] {
        entries.leak()
    }

    #[test]
    fn a_table_that_misses_repeats_or_invents_an_operation_is_refused() {
        let reads = Handler::Reads(|_, _| unreachable!("never run"));
        // All entries but the first, the second one twice, one unknown id, and an audited
        // operation under the read guard.
        let mut entries: Vec<Operation> = TABLE[1..]
            .iter()
            .map(|op| entry(op.id, reads, Audit::NotAudited))
            .collect();
        entries.push(entry(TABLE[1].id, reads, Audit::NotAudited));
        entries.push(entry("noSuchOperation", reads, Audit::NotAudited));
        entries[5].audit = Audit::ProjectCreated;
        let error = resolve(TABLE, leak(entries)).unwrap_err();
        assert_eq!(
            error,
            TableError {
                missing: vec![TABLE[0].id],
                duplicated: vec![TABLE[1].id],
                unknown: vec!["noSuchOperation"],
                audited_read_only: vec![TABLE[6].id],
            }
        );
        assert!(error.to_string().contains("noSuchOperation"), "{error}");
    }
}
