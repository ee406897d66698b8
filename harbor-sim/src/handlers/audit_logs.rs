//! Harbor's audit log lists (`src/server/v2.0/handler/auditlog.go`; `GetLogs` and
//! `GetLogExts` in `src/server/v2.0/handler/project.go`): `GET /auditlog-exts` and
//! `/projects/{project_name}/auditlog-exts` over the rows audit events write
//! ([`crate::state::audit_log`]), `GET /audit-logs` and `/projects/{project_name}/logs` over
//! the legacy table, and the event types.
//!
//! As in Harbor:
//!
//! - the global lists show everything to a caller with the system permission to list audit
//!   logs (system administrators, robots granted it); a local user sees the rows of the
//!   projects it is a member of with the permission to list their logs; anybody else none.
//!   Rows of no project (users, configuration) are then never shown;
//! - a project's list needs the permission to list its logs (checked before the handler);
//! - `q` filters by the table's columns, by field or column name (`operation`,
//!   `resource_type`, `ResourceType`, `op_time=[a~b]`, `username=~ad`, the fuzzy match being
//!   case-insensitive); any other key is ignored, as Harbor's ORM skips what its model does
//!   not have (`src/lib/orm/query.go`, `setFilters`);
//! - `sort` takes the same names; unknown keys are ignored, and without a known one the rows
//!   come newest first (`op_time` is the model's default sort, descending).

use std::cmp::Ordering;
use std::collections::HashSet;

use serde_json::{Value, json};

use super::security;
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::query::Filter;
use crate::rbac::Target;
use crate::state::audit_log::EVENT_TYPES;
use crate::state::{AuditLog, AuditLogExt, SimState};

/// `GET /auditlog-exts`.
pub(crate) fn list_ext(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    list(ctx, s, all_ext, None)
}

/// `GET /projects/{project_name}/auditlog-exts`.
pub(crate) fn list_ext_of_project(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    list_of_project(ctx, s, all_ext)
}

/// `GET /audit-logs`.
pub(crate) fn list_legacy(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    list(ctx, s, all_legacy, None)
}

/// `GET /projects/{project_name}/logs`.
pub(crate) fn list_legacy_of_project(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    list_of_project(ctx, s, all_legacy)
}

/// A value of one column, typed as the database compares it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Number(i64),
    Text(String),
    Flag(bool),
    /// A timestamp, as `YYYY-MM-DD HH:MM:SS[.mmm]` so that text order is time order and
    /// bounds written either way (`2026-01-01 10:00:00`, `2026-01-01T10:00:00Z`) compare.
    Time(String),
}

impl Cell {
    fn text(&self) -> String {
        match self {
            Cell::Number(n) => n.to_string(),
            Cell::Text(t) | Cell::Time(t) => t.clone(),
            Cell::Flag(b) => b.to_string(),
        }
    }

    /// Whether this value is the query's value.
    fn equals(&self, value: &str) -> bool {
        match self {
            Cell::Number(n) => value.trim().parse::<i64>() == Ok(*n),
            Cell::Time(t) => *t == normal_time(value),
            other => other.text() == value,
        }
    }

    /// How this value compares with a bound of the query.
    fn compare(&self, bound: &str) -> Ordering {
        match self {
            Cell::Number(n) => bound
                .trim()
                .parse::<i64>()
                .map_or(Ordering::Equal, |b| n.cmp(&b)),
            Cell::Time(t) => t.as_str().cmp(normal_time(bound).as_str()),
            other => other.text().as_str().cmp(bound),
        }
    }

    fn order(&self, other: &Cell) -> Ordering {
        match (self, other) {
            (Cell::Number(a), Cell::Number(b)) => a.cmp(b),
            (Cell::Flag(a), Cell::Flag(b)) => a.cmp(b),
            (a, b) => a.text().cmp(&b.text()),
        }
    }
}

fn normal_time(t: &str) -> String {
    t.trim()
        .replacen('T', " ", 1)
        .trim_end_matches('Z')
        .to_owned()
}

/// A row of either audit table, read by column.
trait Row {
    fn id(&self) -> i64;
    fn project_id(&self) -> i64;
    /// The column a `q` or `sort` key names (the model's field name or the column name).
    fn cell(&self, key: &str) -> Option<Cell>;
    fn answer(&self) -> Value;
}

impl Row for AuditLogExt {
    fn id(&self) -> i64 {
        self.id
    }

    fn project_id(&self) -> i64 {
        self.project_id
    }

    fn cell(&self, key: &str) -> Option<Cell> {
        Some(match key {
            "OperationDescription" | "op_desc" => Cell::Text(self.operation_description.clone()),
            "IsSuccessful" | "op_result" => Cell::Flag(self.is_successful),
            _ => common_cell(
                key,
                self.id,
                self.project_id,
                [
                    &self.operation,
                    &self.resource_type,
                    &self.resource,
                    &self.username,
                    &self.op_time,
                ],
            )?,
        })
    }

    fn answer(&self) -> Value {
        AuditLogExt::answer(self)
    }
}

impl Row for AuditLog {
    fn id(&self) -> i64 {
        self.id
    }

    fn project_id(&self) -> i64 {
        self.project_id
    }

    fn cell(&self, key: &str) -> Option<Cell> {
        common_cell(
            key,
            self.id,
            self.project_id,
            [
                &self.operation,
                &self.resource_type,
                &self.resource,
                &self.username,
                &self.op_time,
            ],
        )
    }

    fn answer(&self) -> Value {
        AuditLog::answer(self)
    }
}

/// The columns both tables have: operation, resource type, resource, username, op time.
fn common_cell(key: &str, id: i64, project_id: i64, texts: [&String; 5]) -> Option<Cell> {
    let [operation, resource_type, resource, username, op_time] = texts;
    Some(match key {
        "ID" | "id" => Cell::Number(id),
        "ProjectID" | "project_id" => Cell::Number(project_id),
        "Operation" | "operation" => Cell::Text(operation.clone()),
        "ResourceType" | "resource_type" => Cell::Text(resource_type.clone()),
        "Resource" | "resource" => Cell::Text(resource.clone()),
        "Username" | "username" => Cell::Text(username.clone()),
        "OpTime" | "op_time" => Cell::Time(normal_time(op_time)),
        _ => return None,
    })
}

/// The column a `q` key names: as written, else in snake case (`resourceType`), as
/// Harbor's `setFilters` falls back.
fn filter_cell(row: &dyn Row, key: &str) -> Option<Cell> {
    row.cell(key)
        .or_else(|| row.cell(&crate::query::snake_case(key)))
}

/// Whether `row` passes `filter`; a filter on no column passes everything (Harbor skips it).
fn passes(row: &dyn Row, filter: &Filter) -> bool {
    let Some(cell) = filter_cell(row, filter.key()) else {
        return true;
    };
    match filter {
        Filter::Exact(_, v) => cell.equals(v),
        Filter::Fuzzy(_, v) => cell.text().to_lowercase().contains(&v.to_lowercase()),
        Filter::Range(_, lo, hi) => {
            lo.as_deref()
                .is_none_or(|lo| cell.compare(lo) != Ordering::Less)
                && hi
                    .as_deref()
                    .is_none_or(|hi| cell.compare(hi) != Ordering::Greater)
        }
        Filter::AnyOf(_, vs) => vs.iter().any(|v| cell.equals(v)),
        // Harbor leaves an and-list to the DAO, which the audit DAOs do not handle.
        Filter::AllOf(..) => true,
    }
}

fn all_ext(s: &SimState) -> Vec<&dyn Row> {
    s.audit_log_ext.values().map(|r| r as &dyn Row).collect()
}

fn all_legacy(s: &SimState) -> Vec<&dyn Row> {
    s.audit_log.values().map(|r| r as &dyn Row).collect()
}

/// The projects whose rows the caller may see in a global list; `None` for all of them
/// (`checkPermissionAndBuildQuery`).
fn readable_projects(ctx: &Ctx, s: &SimState) -> Option<HashSet<i64>> {
    let sc = security(ctx, s);
    if sc.can("list", Target::System("audit-log")) {
        return None;
    }
    // Only a local user is a member of projects; a robot without the system permission
    // sees nothing.
    let member_of = sc
        .user_id()
        .map(|user| s.members.project_ids_of_user(user))
        .unwrap_or_default();
    Some(
        member_of
            .iter()
            .copied()
            .filter(|&id| {
                sc.can(
                    "list",
                    Target::Project {
                        id,
                        resource: "log",
                    },
                )
            })
            .collect(),
    )
}

fn list(
    ctx: &Ctx,
    s: &SimState,
    rows: fn(&SimState) -> Vec<&dyn Row>,
    project: Option<i64>,
) -> ApiResult<Reply> {
    let readable = match project {
        Some(id) => Some(HashSet::from([id])),
        None => readable_projects(ctx, s),
    };
    let page = ctx.page()?;
    let filters = ctx.filters()?;
    let mut rows: Vec<&dyn Row> = rows(s)
        .into_iter()
        .filter(|r| {
            readable
                .as_ref()
                .is_none_or(|p| p.contains(&r.project_id()))
        })
        .filter(|r| filters.iter().all(|f| passes(*r, f)))
        .collect();
    sort(&mut rows, ctx.sort());
    Ok(ctx.page_of(rows.iter().map(|r| r.answer()).collect(), page))
}

/// Sorts by the known keys of `sort`, newest first without one. Rows of one millisecond tie
/// here where Harbor's database keeps microseconds: they go by the order they were written
/// in, in the direction of the last key.
fn sort(rows: &mut [&dyn Row], keys: Vec<(String, bool)>) {
    let mut keys: Vec<(String, bool)> = keys
        .into_iter()
        .filter(|(key, _)| rows.first().is_none_or(|r| r.cell(key).is_some()))
        .collect();
    if keys.is_empty() {
        keys.push(("op_time".into(), true));
    }
    let latest_first = keys.last().is_some_and(|(_, desc)| *desc);
    rows.sort_by(|a, b| {
        keys.iter()
            .map(|(key, desc)| {
                let order = match (a.cell(key), b.cell(key)) {
                    (Some(x), Some(y)) => x.order(&y),
                    _ => Ordering::Equal,
                };
                if *desc { order.reverse() } else { order }
            })
            .find(|o| o.is_ne())
            .unwrap_or_else(|| {
                let written = a.id().cmp(&b.id());
                if latest_first {
                    written.reverse()
                } else {
                    written
                }
            })
    });
}

fn list_of_project(
    ctx: &Ctx,
    s: &SimState,
    rows: fn(&SimState) -> Vec<&dyn Row>,
) -> ApiResult<Reply> {
    let project = s.project_id(ctx.path("project_name"), true)?;
    list(ctx, s, rows, Some(project))
}

pub(crate) fn event_types(_: &Ctx, _: &SimState) -> ApiResult<Reply> {
    let types: Vec<Value> = EVENT_TYPES
        .iter()
        .map(|t| json!({"event_type": t}))
        .collect();
    Ok(Reply::ok(&types))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, operation: &str, resource: &str, time: &str) -> AuditLogExt {
        AuditLogExt {
            id,
            project_id: 1,
            operation: operation.into(),
            operation_description: String::new(),
            is_successful: true,
            resource_type: "artifact".into(),
            resource: resource.into(),
            username: "Admin".into(),
            op_time: time.into(),
        }
    }

    #[test]
    fn filters_by_column_names_and_ignores_other_keys() {
        let r = row(
            1,
            "create",
            "library/nginx:1.27",
            "2026-01-02T10:00:00.000Z",
        );
        let f = |q: &str| crate::query::parse_q(q).unwrap();
        let all = |q: &str| f(q).iter().all(|x| passes(&r, x));
        assert!(all("operation=create,resourceType=artifact"));
        assert!(!all("operation=delete"));
        assert!(all("username=~adm"), "fuzzy is case-insensitive");
        assert!(all("no_such_column=1"), "an unknown key is skipped");
        assert!(all("op_time=[2026-01-02 00:00:00~2026-01-02 23:59:59]"));
        assert!(!all("op_time=[2026-01-03 00:00:00~]"));
        assert!(all("op_result=true,id=[1~1]"));
    }

    #[test]
    fn sorts_newest_first_unless_asked_and_ignores_unknown_keys() {
        let a = row(1, "create", "b", "2026-01-01T10:00:00.000Z");
        let b = row(2, "delete", "a", "2026-01-01T10:00:00.000Z");
        let c = row(3, "create", "c", "2026-01-01T09:00:00.000Z");
        let ids = |keys: Vec<(String, bool)>| {
            let mut rows: Vec<&dyn Row> = vec![&a, &b, &c];
            sort(&mut rows, keys);
            rows.iter().map(|r| r.id()).collect::<Vec<_>>()
        };
        assert_eq!(ids(vec![]), [2, 1, 3]);
        assert_eq!(ids(vec![("nope".into(), false)]), [2, 1, 3]);
        assert_eq!(ids(vec![("resource".into(), false)]), [2, 1, 3]);
        assert_eq!(ids(vec![("operation".into(), true)]), [2, 3, 1]);
        assert_eq!(ids(vec![("op_time".into(), false)]), [3, 1, 2]);
    }
}
