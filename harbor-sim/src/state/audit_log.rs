//! Harbor's audit log: the rows of its `audit_log_ext` table, which every audit event since
//! Harbor 2.13 writes (`src/controller/event/handler/auditlog/auditlog.go` creates them
//! through `auditext.Mgr`), and the legacy `audit_log` table, which nothing writes any more
//! (Harbor only reads it, for logs kept from before an upgrade: empty on a fresh Harbor).
//!
//! A row is written as Harbor's manager writes it (`src/pkg/auditext/manager.go`): not when
//! `skip_audit_log_database` is set, and not when its event type (`{operation}_{resource_type}`,
//! `create_project`) is listed in `disabled_audit_log_event_types`
//! (`src/lib/config/userconfig.go`, `AuditLogEventEnabled`).

use std::time::{Duration, SystemTime};

use serde_json::{Map, Value, json};

use super::{SimState, now};

/// Harbor's audit log event types, in its order (`src/pkg/auditext/model/model.go`,
/// `EventTypes`), as `GET /auditlog-exts/events` lists them.
pub const EVENT_TYPES: &[&str] = &[
    "create_artifact",
    "delete_artifact",
    "pull_artifact",
    "create_project",
    "delete_project",
    "delete_repository",
    "login_user",
    "logout_user",
    "create_user",
    "delete_user",
    "update_user",
    "create_robot",
    "delete_robot",
    "update_configuration",
    "create_member",
    "delete_member",
    "update_member",
    "update_project",
];

/// One row of `audit_log_ext`.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLogExt {
    /// Its id.
    pub id: i64,
    /// The project it is about, 0 for none (users, configuration, system robots).
    pub project_id: i64,
    /// `create`, `delete`, `update`, `pull`, `login`, `logout`.
    pub operation: String,
    /// What happened, in Harbor's words (`create project: demo`).
    pub operation_description: String,
    /// Whether the operation succeeded.
    pub is_successful: bool,
    /// `project`, `repository`, `artifact`, `tag`, `robot`, `user`, `member`,
    /// `configuration`.
    pub resource_type: String,
    /// The resource's name (`demo`, `library/nginx:1.27`, `robot$ci`).
    pub resource: String,
    /// Who did it.
    pub username: String,
    /// When (RFC 3339 with milliseconds).
    pub op_time: String,
}

/// One row of the legacy `audit_log` table (see the module documentation).
#[derive(Debug, Clone, PartialEq)]
pub struct AuditLog {
    /// Its id.
    pub id: i64,
    /// The project it is about.
    pub project_id: i64,
    /// The operation.
    pub operation: String,
    /// The resource type.
    pub resource_type: String,
    /// The resource's name.
    pub resource: String,
    /// Who did it.
    pub username: String,
    /// When (RFC 3339).
    pub op_time: String,
}

/// What an audit event says, before it becomes a row.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    /// The project it is about, 0 for none.
    pub project_id: i64,
    /// The operation.
    pub operation: &'static str,
    /// The resource type.
    pub resource_type: &'static str,
    /// The resource's name.
    pub resource: String,
    /// The description.
    pub description: String,
    /// Whether the operation succeeded.
    pub successful: bool,
    /// Who did it.
    pub username: String,
}

/// Harbor's answer fields in its order; empty strings are left out, as go-swagger's
/// `omitempty` leaves them.
fn answer(fields: &[(&str, Value)]) -> Value {
    let map: Map<String, Value> = fields
        .iter()
        .filter(|(_, v)| v.as_str() != Some("") && v.as_i64() != Some(0))
        .map(|(k, v)| ((*k).to_owned(), v.clone()))
        .collect();
    Value::Object(map)
}

impl AuditLogExt {
    /// The row as Harbor's `AuditLogExt` answer (`operation_result` always present).
    pub fn answer(&self) -> Value {
        let mut doc = answer(&[
            ("id", json!(self.id)),
            ("username", json!(self.username)),
            ("resource", json!(self.resource)),
            ("resource_type", json!(self.resource_type)),
            ("operation", json!(self.operation)),
            ("operation_description", json!(self.operation_description)),
            ("op_time", json!(self.op_time)),
        ]);
        doc["operation_result"] = json!(self.is_successful);
        doc
    }
}

impl AuditLog {
    /// The row as Harbor's `AuditLog` answer.
    pub fn answer(&self) -> Value {
        answer(&[
            ("id", json!(self.id)),
            ("username", json!(self.username)),
            ("resource", json!(self.resource)),
            ("resource_type", json!(self.resource_type)),
            ("operation", json!(self.operation)),
            ("op_time", json!(self.op_time)),
        ])
    }
}

impl SimState {
    /// Whether Harbor writes audit rows of `event_type` (`create_project`) to its database.
    pub fn audit_event_enabled(&self, event_type: &str) -> bool {
        let config = |key: &str| self.configurations.get(key);
        if config("skip_audit_log_database") == Some(&Value::Bool(true)) {
            return false;
        }
        let disabled = config("disabled_audit_log_event_types")
            .and_then(Value::as_str)
            .unwrap_or_default();
        !disabled
            .split(',')
            .any(|t| t.trim().eq_ignore_ascii_case(event_type))
    }

    /// Writes an audit event as a row of `audit_log_ext`, now, unless Harbor's configuration
    /// keeps it out of the database.
    pub fn record_audit(&mut self, event: AuditEvent) {
        let event_type = format!("{}_{}", event.operation, event.resource_type);
        if !self.audit_event_enabled(&event_type) {
            return;
        }
        let id = self.ids.next("audit_log_ext");
        // Harbor's column holds 255 characters: a longer name ends with "...".
        let mut username = event.username;
        if username.len() > 255 {
            let mut cut = 252;
            while !username.is_char_boundary(cut) {
                cut -= 1;
            }
            username.truncate(cut);
            username.push_str("...");
        }
        self.audit_log_ext.insert(
            id,
            AuditLogExt {
                id,
                project_id: event.project_id,
                operation: event.operation.to_owned(),
                operation_description: event.description,
                is_successful: event.successful,
                resource_type: event.resource_type.to_owned(),
                resource: event.resource,
                username,
                op_time: now(),
            },
        );
    }
}

/// Harbor's cap on an audit-log purge's retention (`common.MaxAuditRetentionHour`).
pub const MAX_AUDIT_RETENTION_HOUR: i64 = 240_000;

/// What an audit-log purge run removed (or, on a dry run, would): rows of the legacy table
/// and of `audit_log_ext`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    /// Rows of `audit_log`.
    pub legacy: usize,
    /// Rows of `audit_log_ext`.
    pub ext: usize,
}

/// Whether a row written at `op_time` is older than `hours` before now (a time that does not
/// parse is kept).
fn older_than(op_time: &str, hours: i64) -> bool {
    let Ok(written) = humantime::parse_rfc3339_weak(op_time) else {
        return false;
    };
    let span = Duration::from_secs(hours.unsigned_abs().saturating_mul(3600));
    let now = SystemTime::now();
    let cutoff = if hours >= 0 {
        now.checked_sub(span)
    } else {
        now.checked_add(span)
    };
    cutoff.is_some_and(|cutoff| written < cutoff)
}

impl SimState {
    /// What Harbor's audit-log purge job does (`src/jobservice/job/impl/purge/purge.go`):
    /// nothing for a retention of 0 or -1 hours; else, with the retention capped, it removes
    /// the rows older than the retention whose type is among `include_event_types` (comma
    /// separated): from `audit_log_ext` the event types Harbor knows (`other` standing for all
    /// but the artifact ones, `src/pkg/auditext/dao/dao.go`), from the legacy table the
    /// operations `create`, `delete` and `pull` (`src/pkg/audit/dao/dao.go`). A dry run only
    /// counts.
    pub fn purge_audit_logs(
        &mut self,
        retention_hours: i64,
        include_event_types: &str,
        dry_run: bool,
    ) -> Purged {
        if retention_hours == -1 || retention_hours == 0 {
            return Purged::default();
        }
        let hours = retention_hours.min(MAX_AUDIT_RETENTION_HOUR);
        let included: Vec<&str> = include_event_types
            .split(',')
            .filter(|e| !include_event_types.is_empty() && !e.is_empty())
            .collect();
        let mut ext_types: Vec<String> = Vec::new();
        for e in &included {
            let lower = e.to_lowercase();
            if EVENT_TYPES.contains(&lower.as_str()) {
                // Harbor compares the row's lower-cased type with the entry as given.
                ext_types.push((*e).to_owned());
            } else if lower == "other" {
                ext_types.extend(EVENT_TYPES[3..].iter().map(|t| (*t).to_owned()));
            }
        }
        let legacy_ops: Vec<String> = included
            .iter()
            .map(|e| e.to_lowercase())
            .filter(|e| ["pull", "create", "delete"].contains(&e.as_str()))
            .collect();
        let ext_doomed: Vec<i64> = self
            .audit_log_ext
            .values()
            .filter(|r| older_than(&r.op_time, hours))
            .filter(|r| {
                let kind = format!("{}_{}", r.operation, r.resource_type).to_lowercase();
                ext_types.contains(&kind)
            })
            .map(|r| r.id)
            .collect();
        let legacy_doomed: Vec<i64> = self
            .audit_log
            .values()
            .filter(|r| older_than(&r.op_time, hours))
            .filter(|r| legacy_ops.contains(&r.operation.to_lowercase()))
            .map(|r| r.id)
            .collect();
        if !dry_run {
            for id in &ext_doomed {
                self.audit_log_ext.remove(id);
            }
            for id in &legacy_doomed {
                self.audit_log.remove(id);
            }
        }
        Purged {
            legacy: legacy_doomed.len(),
            ext: ext_doomed.len(),
        }
    }
}

/// What Harbor's purge job logs (`Run` in `src/jobservice/job/impl/purge/purge.go`), one
/// line a record: its start, its parameters as the job service hands them over (a Go map,
/// printed with sorted keys), then either its early exit for a retention of 0 or -1 (with
/// the trailing space of Harbor's format), or the operation's parameters and the rows
/// `purge` removed (`[DRYRUN]` on a dry run).
pub(crate) fn purge_job_log(
    hours: i64,
    types: &str,
    dry_run: bool,
    purge: impl FnOnce() -> Purged,
) -> String {
    let mut log = format!(
        "Purge audit job start\n\
         job parameters map[audit_retention_hour:{hours} dry_run:{dry_run} include_event_types:{types}]\n"
    );
    if hours == 0 || hours == -1 {
        log.push_str(&format!("quit purge job, retentionHour:{hours} "));
        return log;
    }
    let purged = purge();
    // `strings.Split` of a non-empty list, printed as a Go slice.
    let list = if types.is_empty() {
        String::new()
    } else {
        types.split(',').collect::<Vec<_>>().join(" ")
    };
    let prefix = if dry_run { "[DRYRUN]" } else { "" };
    log.push_str(&format!(
        "Purge operation parameter, retention_hour:{hours}, include_event_types:[{list}], dry_run:{dry_run}\n\
         {prefix}Purged {} rows of audit logs\n\
         {prefix}Purged {} rows of audit log exts",
        purged.legacy, purged.ext
    ));
    log
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(operation: &'static str) -> AuditEvent {
        AuditEvent {
            project_id: 0,
            operation,
            resource_type: "project",
            resource: "demo".into(),
            description: format!("{operation} project: demo"),
            successful: true,
            username: "admin".into(),
        }
    }

    #[test]
    fn disabled_event_types_and_skipping_the_database_keep_rows_out() {
        let mut s = SimState::with_admin("admin", "pw");
        s.configurations.insert(
            "disabled_audit_log_event_types".into(),
            json!("Delete_Project, create_user"),
        );
        s.record_audit(event("create"));
        s.record_audit(event("delete"));
        let kept: Vec<&str> = s
            .audit_log_ext
            .values()
            .map(|r| r.operation.as_str())
            .collect();
        assert_eq!(kept, ["create"]);
        s.configurations
            .insert("skip_audit_log_database".into(), json!(true));
        s.record_audit(event("create"));
        assert_eq!(s.audit_log_ext.len(), 1);
    }

    #[test]
    fn a_purge_removes_old_rows_of_the_types_it_includes() {
        let mut s = SimState::with_admin("admin", "pw");
        s.record_audit(event("create"));
        s.record_audit(event("delete"));
        s.record_audit(AuditEvent {
            operation: "create",
            resource_type: "artifact",
            ..event("create")
        });
        for row in s.audit_log_ext.values_mut() {
            row.op_time = "2020-01-01T00:00:00.000Z".into();
        }
        s.record_audit(event("delete"));
        // Fresh rows stay; `other` covers the project events, not the artifact ones.
        let dry = s.purge_audit_logs(24, "other", true);
        assert_eq!(dry, Purged { legacy: 0, ext: 2 });
        assert_eq!(s.audit_log_ext.len(), 4, "a dry run removes nothing");
        assert_eq!(s.purge_audit_logs(0, "other", false), Purged::default());
        assert_eq!(
            s.purge_audit_logs(24, "other,create_artifact", false).ext,
            3
        );
        let left: Vec<&str> = s
            .audit_log_ext
            .values()
            .map(|r| r.operation.as_str())
            .collect();
        assert_eq!(left, ["delete"]);
    }

    #[test]
    fn answers_leave_empty_fields_out_but_keep_the_result() {
        let row = AuditLogExt {
            id: 3,
            project_id: 0,
            operation: "create".into(),
            operation_description: "create user with name: ".into(),
            is_successful: false,
            resource_type: "user".into(),
            resource: String::new(),
            username: "admin".into(),
            op_time: "2026-01-01T00:00:00.000Z".into(),
        };
        let doc = row.answer();
        assert_eq!(doc["operation_result"], json!(false));
        assert!(doc.get("resource").is_none());
        assert_eq!(doc["id"], json!(3));
    }

    #[test]
    fn the_purge_job_logs_as_harbors_does() {
        let purged = || Purged { legacy: 3, ext: 1 };
        assert_eq!(
            purge_job_log(24, "create_artifact,pull_artifact", true, purged),
            "Purge audit job start\n\
             job parameters map[audit_retention_hour:24 dry_run:true include_event_types:create_artifact,pull_artifact]\n\
             Purge operation parameter, retention_hour:24, include_event_types:[create_artifact pull_artifact], dry_run:true\n\
             [DRYRUN]Purged 3 rows of audit logs\n\
             [DRYRUN]Purged 1 rows of audit log exts"
        );
        // A retention of 0 (or -1) ends the job before any purge.
        let log = purge_job_log(0, "", false, || unreachable!("no purge"));
        assert!(log.ends_with("\nquit purge job, retentionHour:0 "), "{log}");
        assert!(log.contains("include_event_types:]"), "{log}");
    }
}
