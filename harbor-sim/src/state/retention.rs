//! Tag retention policies and their runs, bound to projects as Harbor binds them
//! (`src/server/v2.0/handler/retention.go`): a project has at most one policy, whose id its
//! `retention_id` metadata holds from creation to deletion.

use serde_json::{Value, json};

use super::job_work::JobWork;
use super::jobs::{Execution, JobKind, JobStatus, NewExecution, clock};
use super::{SimState, now};
use crate::calendar::{civil_from_days, days_from_civil};
use crate::errors::{ApiError, ApiResult, NIL_POINTER_PANIC};
use crate::go_time::rfc3339_nano;

/// The retention manager's error for an unknown policy (`GetPolicy`).
fn no_such_retention(id: i64) -> String {
    format!("no such Retention policy with id {id}")
}

/// Harbor's cap on the rules of one policy.
const MAX_RULES: usize = 15;

/// `errors.BadRequestError(err)`: `bad request: <err>`.
fn bad_request(message: impl std::fmt::Display) -> ApiError {
    ApiError::bad_request(format!("bad request: {message}"))
}

/// What `CreateRetention` and `UpdateRetention` check before the caller's access: more than
/// 15 rules, two rules alike ([`check_rules`]), then the scope, whose level `requireAccess`
/// reads: a body without one is a nil pointer, beego's bare 500.
pub(crate) fn check_retention_before_access(doc: &Value) -> ApiResult<()> {
    check_rules(doc)?;
    if doc.get("scope").is_none_or(Value::is_null) {
        return Err(ApiError::panicked(format!(
            "{NIL_POINTER_PANIC}: p.Scope.Level"
        )));
    }
    Ok(())
}

/// The project a policy document is scoped to, as Harbor checks it on create: a level other
/// than `project` is 400 `bad request: scope <level> is not support`.
fn scope_project(doc: &Value) -> ApiResult<i64> {
    let level = doc["scope"]["level"].as_str().unwrap_or_default();
    if level != "project" {
        return Err(bad_request(format!("scope {level} is not support")));
    }
    Ok(doc["scope"]["ref"].as_i64().unwrap_or(0))
}

/// Keeps the fields of `doc` a go-swagger model has, as `NewRetentionPolicyFromSwagger` and
/// `ToSwagger` copy through JSON: `omitempty` drops empty strings, zeros, false, null and
/// empty objects; arrays (`rules`, `tag_selectors`) are always written, `null` when absent.
fn swagger_fields(doc: &Value, fields: &[(&str, Field)]) -> Value {
    let mut out = serde_json::Map::new();
    for (name, kind) in fields {
        let v = &doc[*name];
        let kept = match kind {
            Field::Text => v.as_str().filter(|t| !t.is_empty()).map(|t| json!(t)),
            Field::Int => v.as_i64().filter(|n| *n != 0).map(|n| json!(n)),
            Field::Flag => (v.as_bool() == Some(true)).then_some(Value::Bool(true)),
            Field::Map => v.as_object().filter(|m| !m.is_empty()).map(|m| json!(m)),
            Field::Any => (!v.is_null()).then(|| v.clone()),
            Field::Array(item) => Some(
                v.as_array()
                    .map(|items| json!(items.iter().map(item).collect::<Vec<_>>()))
                    .unwrap_or(Value::Null),
            ),
            Field::Object(object) => v.is_object().then(|| object(v)),
            Field::MapOfArrays(item) => v.as_object().filter(|m| !m.is_empty()).map(|m| {
                Value::Object(
                    m.iter()
                        .map(|(k, list)| {
                            let list = list
                                .as_array()
                                .map(|items| json!(items.iter().map(item).collect::<Vec<_>>()))
                                .unwrap_or(Value::Null);
                            (k.clone(), list)
                        })
                        .collect(),
                )
            }),
        };
        if let Some(v) = kept {
            out.insert((*name).to_owned(), v);
        }
    }
    Value::Object(out)
}

/// How a model field is copied (see [`swagger_fields`]).
#[derive(Clone, Copy)]
enum Field {
    Text,
    Int,
    Flag,
    Map,
    Any,
    Array(fn(&Value) -> Value),
    Object(fn(&Value) -> Value),
    MapOfArrays(fn(&Value) -> Value),
}

/// A `RetentionSelector`.
fn selector(v: &Value) -> Value {
    swagger_fields(
        v,
        &[
            ("kind", Field::Text),
            ("decoration", Field::Text),
            ("pattern", Field::Text),
            ("extras", Field::Text),
        ],
    )
}

/// A `RetentionRule`: its `id` as sent (Harbor numbers nothing).
fn rule(v: &Value) -> Value {
    swagger_fields(
        v,
        &[
            ("id", Field::Int),
            ("priority", Field::Int),
            ("disabled", Field::Flag),
            ("action", Field::Text),
            ("template", Field::Text),
            ("params", Field::Map),
            ("tag_selectors", Field::Array(selector)),
            ("scope_selectors", Field::MapOfArrays(selector)),
        ],
    )
}

/// A `RetentionRuleTrigger`.
fn trigger(v: &Value) -> Value {
    swagger_fields(
        v,
        &[
            ("kind", Field::Text),
            ("settings", Field::Any),
            ("references", Field::Any),
        ],
    )
}

/// A `RetentionPolicyScope`.
fn scope(v: &Value) -> Value {
    swagger_fields(v, &[("level", Field::Text), ("ref", Field::Int)])
}

/// A policy as Harbor keeps and answers it: the swagger model's fields of the body, with
/// the path's id; no default filled in (an absent `algorithm` stays absent, rule ids stay
/// as sent).
fn policy_model(doc: &Value, id: i64) -> Value {
    let mut out = swagger_fields(
        doc,
        &[
            ("algorithm", Field::Text),
            ("rules", Field::Array(rule)),
            ("trigger", Field::Object(trigger)),
            ("scope", Field::Object(scope)),
        ],
    );
    out["id"] = json!(id);
    out
}

/// Refuses more than 15 rules (400) and two rules that are the same but for their ids
/// (409), as `CreateRetention` and `UpdateRetention` do before anything else
/// (`checkRuleConflict` compares the rules' JSON with the id zeroed, after the swagger
/// model dropped what it does not know).
fn check_rules(doc: &Value) -> ApiResult<()> {
    let rules = doc["rules"].as_array().cloned().unwrap_or_default();
    if rules.len() > MAX_RULES {
        return Err(bad_request("only 15 rules are allowed at most"));
    }
    let without_id = |r: &Value| {
        let mut r = rule(r);
        if let Some(o) = r.as_object_mut() {
            o.remove("id");
        }
        r
    };
    for (n, r) in rules.iter().enumerate() {
        if let Some(old) = rules[..n]
            .iter()
            .position(|o| without_id(o) == without_id(r))
        {
            return Err(ApiError::conflict(format!(
                "resource conflict: rule {n} is conflict with rule {old}"
            )));
        }
    }
    Ok(())
}

/// A retention policy's trigger as `(kind, cron)` (a cron that is no string as empty).
fn retention_trigger(doc: &Value) -> (&str, &str) {
    (
        doc["trigger"]["kind"].as_str().unwrap_or_default(),
        doc["trigger"]["settings"]["cron"]
            .as_str()
            .unwrap_or_default(),
    )
}

/// `ValidateRetentionPolicy`: a `Schedule` trigger's `cron` setting, when present, must be a
/// string (a `null` one too: the swagger model's `settings` is an `interface{}` that keeps
/// the key, and `nil` is no string), and a non-empty one a cron `utils.ValidateCronString`
/// takes (robfig's and Harbor's error texts, [`crate::cron`]).
fn check_cron(doc: &Value) -> ApiResult<()> {
    let Some(cron) = doc["trigger"]["settings"].get("cron") else {
        return Ok(());
    };
    if doc["trigger"]["kind"] != json!("Schedule") {
        return Ok(());
    }
    let Some(cron) = cron.as_str() else {
        return Err(ApiError::bad_request(
            "invalid cron type for scheduled tag retention: must be a string",
        ));
    };
    if cron.is_empty() {
        return Ok(());
    }
    crate::cron::check_scheduled_cron("tag retention", cron)
}

/// The manager's `CreatePolicy` and `UpdatePolicy` read `p.Trigger.Kind`: a body without a
/// `trigger` (or a `null` one) is a nil pointer there, beego's bare 500.
fn require_trigger(doc: &Value) -> ApiResult<()> {
    if doc.get("trigger").is_none_or(Value::is_null) {
        return Err(ApiError::panicked(format!(
            "{NIL_POINTER_PANIC}: p.Trigger.Kind"
        )));
    }
    Ok(())
}

/// The `varchar` columns of `retention_policy` a body fills (`scope_level varchar(20)`,
/// `trigger_kind varchar(20)`, `make/migrations/postgresql/0010_1.9.0_schema.up.sql`; the
/// policy's JSON goes to `data text`): a longer value is PostgreSQL's error, which the
/// manager's `CreatePolicy` and `UpdatePolicy` pass on uncoded (Harbor's 500).
fn check_retention_columns(doc: &Value) -> ApiResult<()> {
    super::check_varchar_columns(&[
        (doc["scope"]["level"].as_str().unwrap_or_default(), 20),
        (doc["trigger"]["kind"].as_str().unwrap_or_default(), 20),
    ])
}

/// A retention execution as Harbor's `RetentionExecution` (`convertExecution`, then
/// `ToSwagger`'s JSON copy): the times as Go marshals them, a false `dry_run` omitted
/// (`omitempty`), no `operator` (the swagger model has none).
pub fn execution_model(e: &Execution) -> Value {
    let mut doc = json!({
        "id": e.id,
        "policy_id": e.vendor_id,
        "start_time": rfc3339_nano(&e.start_time),
        "end_time": rfc3339_nano(e.end_time_or_zero()),
        "status": e.status.as_str(),
        "trigger": e.trigger,
    });
    if e.extra_attrs["dry_run"].as_bool() == Some(true) {
        doc["dry_run"] = json!(true);
    }
    doc
}

/// The tasks of a retention execution as Harbor's `RetentionExecutionTask`s
/// (`convertTask`, `ToSwagger`): the task list's default order (start time, then id,
/// descending), the times as Go marshals them, no `status_revision` (`convertTask` does not
/// set it: 0, omitted); `status_code`, `total` and `retained` always (`x-omitempty: false`).
pub fn task_models(e: &Execution) -> Vec<Value> {
    let mut tasks: Vec<&super::jobs::JobTask> = e.tasks.iter().collect();
    tasks.sort_by(|a, b| {
        let start = |t: &super::jobs::JobTask| t.start_time.clone().unwrap_or_default();
        start(b).cmp(&start(a)).then(b.id.cmp(&a.id))
    });
    tasks
        .into_iter()
        .map(|t| {
            json!({
                "id": t.id,
                "execution_id": t.execution_id,
                "repository": t.extra_attrs["repository"],
                "job_id": t.job_id(),
                "status": t.status.as_str(),
                "status_code": t.status.code(),
                "start_time": rfc3339_nano(t.start_time.as_deref().unwrap_or(super::jobs::ZERO_TIME)),
                "end_time": rfc3339_nano(t.end_time.as_deref().unwrap_or(super::jobs::ZERO_TIME)),
                // `GetNumFromExtraAttrs`: 0 for a task that checked in no figures.
                "total": t.extra_attrs.get("total").cloned().unwrap_or(json!(0)),
                "retained": t.extra_attrs.get("retained").cloned().unwrap_or(json!(0)),
            })
        })
        .collect()
}

/// A cron of robfig's six-field parser as Harbor's `utils.CronParser` builds it (seconds,
/// minutes, hours, day of month, month, day of week): each field a set of values
/// ([`crate::cron`]).
struct Cron {
    spec: crate::cron::CronSpec,
}

impl Cron {
    /// robfig's `Parse`; `None` for what it refuses.
    fn parse(cron: &str) -> Option<Cron> {
        crate::cron::parse(cron).ok().map(|spec| Cron { spec })
    }

    fn has(&self, field: usize, v: u32) -> bool {
        self.spec.has(field, v)
    }

    fn day_matches(&self, day: u32, weekday: u32) -> bool {
        let (dom, dow) = (self.has(3, day), self.has(5, weekday));
        if self.spec.any_day() {
            dom && dow
        } else {
            dom || dow
        }
    }

    /// robfig's `Next`: the first second after `now` (Unix seconds, UTC) the cron names,
    /// within five years; `None` after that.
    fn next(&self, now: i64) -> Option<i64> {
        let mut t = now + 1;
        let limit = now + 5 * 366 * 86_400;
        while t <= limit {
            let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
            let (year, month, day) = civil_from_days(days);
            let day_start = days * 86_400;
            if !self.has(4, month) {
                let (y, m) = if month == 12 {
                    (year + 1, 1)
                } else {
                    (year, month + 1)
                };
                t = days_from_civil(y, m, 1) * 86_400;
                continue;
            }
            let weekday = (days + 4).rem_euclid(7) as u32;
            if !self.day_matches(day, weekday) {
                t = day_start + 86_400;
                continue;
            }
            let (hour, minute, second) = (
                (secs / 3600) as u32,
                (secs / 60 % 60) as u32,
                (secs % 60) as u32,
            );
            if !self.has(2, hour) {
                t = day_start + (i64::from(hour) + 1) * 3600;
                continue;
            }
            if !self.has(1, minute) {
                t = day_start + i64::from(hour) * 3600 + (i64::from(minute) + 1) * 60;
                continue;
            }
            if !self.has(0, second) {
                t += 1;
                continue;
            }
            return Some(t);
        }
        None
    }
}

/// `utils.NextSchedule(cron, now)` as `strfmt.DateTime` writes it (milliseconds, UTC); Go's
/// zero time for a cron robfig refuses.
fn next_schedule(cron: &str) -> String {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    match Cron::parse(cron.trim()).and_then(|c| c.next(now)) {
        Some(t) => {
            let (days, secs) = (t.div_euclid(86_400), t.rem_euclid(86_400));
            let (y, m, d) = civil_from_days(days);
            format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000Z",
                secs / 3600,
                secs / 60 % 60,
                secs % 60
            )
        }
        None => super::jobs::ZERO_TIME.to_owned(),
    }
}

/// A stored policy as `GetRetention` answers it: a `Schedule` trigger with a non-empty cron
/// gets `settings.next_scheduled_time` (the manager's `GetPolicy`).
pub fn retention_view(doc: &Value) -> Value {
    let mut doc = doc.clone();
    if doc["trigger"]["kind"] == json!("Schedule")
        && let Some(cron) = doc["trigger"]["settings"]["cron"]
            .as_str()
            .filter(|c| !c.is_empty())
    {
        let next = next_schedule(cron);
        doc["trigger"]["settings"]["next_scheduled_time"] = json!(next);
    }
    doc
}

impl SimState {
    /// Creates a policy and records it in its project's `retention_id`; a project that
    /// already has one is refused (400), as Harbor refuses it. After the cron's check, a body
    /// without a trigger panics in the manager's `CreatePolicy` (`p.Trigger.Kind`, before its
    /// insert: beego's bare 500), and a `trigger.kind` too long for its column is the insert's
    /// uncoded error (500).
    pub fn create_retention(&mut self, doc: Value) -> ApiResult<i64> {
        check_retention_before_access(&doc)?;
        let project_id = scope_project(&doc)?;
        let project = self
            .projects
            .get(&project_id)
            .filter(|_| project_id > 0)
            .ok_or_else(|| bad_request(format!("invalid Project id {project_id}")))?;
        if let Some(old) = project.metadata.get("retention_id") {
            return Err(bad_request(format!(
                "project {project_id} already has retention policy {old}"
            )));
        }
        check_cron(&doc)?;
        require_trigger(&doc)?;
        check_retention_columns(&doc)?;
        let id = self.ids.next("retention");
        self.retentions.insert(id, policy_model(&doc, id));
        // The controller's `CreateRetention` schedules a `Schedule` trigger with a cron.
        let (kind, cron) = retention_trigger(&doc);
        if kind == "Schedule" && !cron.is_empty() {
            self.schedule_vendor(super::scheduler::RETENTION, id);
        }
        if let Some(mut p) = self.projects.get_mut(&project_id) {
            p.metadata.insert("retention_id".into(), id.to_string());
            p.update_time = now();
        }
        Ok(id)
    }

    /// A policy by id: an unknown one is the retention manager's uncoded `no such Retention
    /// policy with id <id>` (`GetPolicy` in `src/pkg/retention/manager.go`), which Harbor's
    /// get answers 500.
    pub fn retention(&self, id: i64) -> ApiResult<&Value> {
        self.retentions
            .get(&id)
            .ok_or_else(|| ApiError::uncoded(no_such_retention(id)))
    }

    /// A policy by id for the operations where Harbor wraps "not found" as a bad request
    /// (delete, trigger, list runs).
    fn retention_or_bad_request(&self, id: i64) -> ApiResult<&Value> {
        self.retentions
            .get(&id)
            .ok_or_else(|| bad_request(no_such_retention(id)))
    }

    /// The project a stored policy belongs to.
    fn retention_project(&self, id: i64) -> i64 {
        self.retentions
            .get(&id)
            .and_then(|d| d["scope"]["ref"].as_i64())
            .unwrap_or(0)
    }

    /// `UpdateRetention`: the rules' checks and the scope's presence (without one, a nil
    /// pointer: beego's bare 500), then the body's scope must name a project whose
    /// `retention_id` is the path's id (`requirePolicyAccess`: 404 `resource not found: the
    /// retention policy id <id> does not match`); then the cron's type; the body replaces the
    /// policy, its scope included; a trigger kind other than `Schedule` or empty, unchanged,
    /// is the controller's uncoded `not support Trigger <kind>` (Harbor's 500). A body without
    /// a trigger, and a `Schedule` trigger replacing a `Schedule` one where one of the two has
    /// no `cron` and the two differ, panic in the controller's `UpdateRetention` (beego's bare
    /// 500); a `scope.level` or `trigger.kind` too long for its column is the manager's
    /// uncoded `UpdatePolicy` error (500), before any schedule changes.
    pub fn update_retention(&mut self, id: i64, doc: Value) -> ApiResult<()> {
        check_retention_before_access(&doc)?;
        let project = doc["scope"]["ref"].as_i64().unwrap_or(0);
        let owns = self
            .projects
            .get(&project)
            .and_then(|p| p.metadata.get("retention_id").cloned())
            .is_some_and(|r| r == id.to_string());
        if !owns || !self.retentions.contains_key(&id) {
            return Err(ApiError::not_found(format!(
                "resource not found: the retention policy id {id} does not match"
            )));
        }
        check_cron(&doc)?;
        require_trigger(&doc)?;
        let kind = doc["trigger"]["kind"].as_str().unwrap_or_default();
        let old = &self.retentions[&id];
        let old_kind = old["trigger"]["kind"].as_str().unwrap_or_default();
        if kind == old_kind && !kind.is_empty() && kind != "Schedule" {
            return Err(ApiError::uncoded(format!("not support Trigger {kind}")));
        }
        if kind == "Schedule" && old_kind == "Schedule" {
            // `p0.Trigger.Settings["cron"] != p.Trigger.Settings["cron"]` compares two
            // interfaces; when they differ, each is asserted a string, the old one first: an
            // absent cron (a nil interface) panics.
            let cron = |d: &Value| d["trigger"]["settings"].get("cron").cloned();
            let (old_cron, new_cron) = (cron(old), cron(&doc));
            if old_cron != new_cron && (old_cron.is_none() || new_cron.is_none()) {
                return Err(ApiError::panicked(
                    "interface conversion: interface {} is nil, not string",
                ));
            }
        }
        check_retention_columns(&doc)?;
        let (unschedule, schedule) = super::scheduler::reschedule_on_update(
            retention_trigger(&self.retentions[&id]),
            retention_trigger(&doc),
            "Schedule",
            false,
        );
        if schedule {
            // A trigger turned `Schedule` is scheduled whatever its cron, after the policy is
            // written: an absent cron panics at `.(string)`, the scheduler's parse refuses an
            // empty one (400); either way the request's transaction (the `transaction`
            // middleware rolls back a request that does not succeed) undoes the write.
            match doc["trigger"]["settings"].get("cron") {
                None => {
                    return Err(ApiError::panicked(
                        "interface conversion: interface {} is nil, not string",
                    ));
                }
                Some(cron) if cron.as_str().is_none_or(str::is_empty) => {
                    return Err(ApiError::bad_request("invalid cron : empty spec string"));
                }
                Some(_) => {}
            }
        }
        self.retentions.insert(id, policy_model(&doc, id));
        if unschedule {
            self.unschedule_vendor(super::scheduler::RETENTION, id);
        }
        if schedule {
            self.schedule_vendor(super::scheduler::RETENTION, id);
        }
        Ok(())
    }

    /// Deletes a policy and clears its project's `retention_id`. A stored `Schedule` trigger
    /// without a `cron` setting panics in the controller's `DeleteRetention`
    /// (`len(p.Trigger.Settings["cron"].(string))`): beego's bare 500, nothing deleted.
    pub fn delete_retention(&mut self, id: i64) -> ApiResult<()> {
        let doc = self.retention_or_bad_request(id)?;
        if doc["trigger"]["kind"] == json!("Schedule")
            && doc["trigger"]["settings"].get("cron").is_none()
        {
            return Err(ApiError::panicked(
                "interface conversion: interface {} is nil, not string",
            ));
        }
        let project = self.retention_project(id);
        self.retentions.remove(&id);
        self.unschedule_vendor(super::scheduler::RETENTION, id);
        if let Some(mut p) = self.projects.get_mut(&project) {
            p.metadata.remove("retention_id");
        }
        self.executions
            .retain(|_, e| !(e.kind == JobKind::Retention && e.vendor_id == id));
        Ok(())
    }

    /// Runs a policy as Harbor's launcher and retention job do (see the `retention_run`
    /// module): one task per repository a rule selects, whose artifacts no
    /// rule retains are deleted (on a dry run, only counted).
    ///
    /// A run with no repository to work on ends at once: `Success`, `no resources for
    /// retention` (`MarkDone`). One whose launcher fails (a repository selector's malformed
    /// pattern) has no task and ends `Error` with the launcher's error
    /// (`StopAndWaitWithError`). A repository whose job fails (a tag selector's malformed
    /// pattern) has its task end `Error`, with no figures checked in.
    pub fn trigger_retention(&mut self, id: i64, dry_run: bool, operator: &str) -> ApiResult<i64> {
        let policy = self.retention_or_bad_request(id)?;
        let project = self.retention_project(id);
        let planned = self.retention_repositories(policy, project);
        let mut tasks = Vec::new();
        let mut works = Vec::new();
        for (repository, rules) in planned.as_deref().unwrap_or_default() {
            let name = self.repository_name(*repository).to_owned();
            // The job's figures, log and failure come when it runs (`job_work`).
            tasks.push((
                json!({"repository": name, "dry_run": dry_run}),
                String::new(),
            ));
            works.push(JobWork::Retention {
                repository: *repository,
                rules: rules.clone(),
                dry_run,
            });
        }
        let plans = self.draw_plans(JobKind::Retention, tasks.len());
        let execution = self.start_planned_execution(
            NewExecution {
                kind: JobKind::Retention,
                vendor_id: id,
                trigger: "MANUAL",
                extra_attrs: json!({"dry_run": dry_run, "operator": operator}),
                operator: operator.to_owned(),
                tasks,
            },
            plans,
        );
        self.defer_work(execution, works);
        if let Some(e) = self.executions.get_mut(&execution) {
            match planned {
                Err(launcher) => e.mark(JobStatus::Error, launcher, clock()),
                Ok(planned) if planned.is_empty() => {
                    e.mark(JobStatus::Success, "no resources for retention", clock());
                }
                Ok(_) => {}
            }
        }
        Ok(execution)
    }

    /// The runs of a policy, newest first (400 for an unknown policy, as Harbor).
    pub fn retention_executions(&mut self, id: i64) -> ApiResult<Vec<Execution>> {
        self.retention_or_bad_request(id)?;
        Ok(self.read_executions(JobKind::Retention, |e| e.vendor_id == id))
    }

    /// A run of a policy (a read of it); see [`SimState::require_retention_execution`].
    pub fn retention_execution(&mut self, id: i64, eid: i64) -> ApiResult<Execution> {
        self.require_retention_execution(id, eid)?;
        self.read_execution(JobKind::Retention, eid)
    }

    /// As [`SimState::require_retention_execution`], then the task: 404 `task <id> not found`
    /// when there is none, and the execution's 404 (`project: <p>, execution id <e> not
    /// found`) when the task is another run's (`requireTaskInProject`,
    /// `src/server/v2.0/handler/retention.go`).
    pub fn require_retention_task(&self, id: i64, eid: i64, tid: i64) -> ApiResult<()> {
        self.require_retention_execution(id, eid)?;
        if self.task_execution(tid)? != eid {
            return Err(ApiError::not_found(format!(
                "project: {}, execution id {eid} not found",
                self.retention_project(id)
            )));
        }
        Ok(())
    }

    /// 400 for an unknown policy, 404 for a run that is not its own, as Harbor checks.
    pub fn require_retention_execution(&self, id: i64, eid: i64) -> ApiResult<()> {
        self.retention_or_bad_request(id)?;
        let belongs = self
            .executions
            .get(&eid)
            .is_some_and(|e| e.kind == JobKind::Retention && e.vendor_id == id);
        if !belongs {
            return Err(ApiError::not_found(format!(
                "project: {}, execution id {eid} not found",
                self.retention_project(id)
            )));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state::projects::ProjectReq;

    fn policy(project: i64) -> Value {
        json!({"algorithm": "or", "rules": [{"action": "retain", "template": "always", "tag_selectors": [], "scope_selectors": {}}],
               "trigger": {"kind": "Schedule", "settings": {"cron": ""}}, "scope": {"level": "project", "ref": project}})
    }

    #[test]
    fn cron_next_is_robfigs() {
        let at = |y: i64, m: u32, d: u32, h: i64, mi: i64, s: i64| {
            days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s
        };
        assert_eq!(civil_from_days(days_from_civil(2024, 2, 29)), (2024, 2, 29));
        let next = |cron: &str, now| Cron::parse(cron).and_then(|c| c.next(now));
        let now = at(2026, 12, 5, 11, 40, 7);
        assert_eq!(next("0 0 0 * * *", now), Some(at(2026, 12, 6, 0, 0, 0)));
        assert_eq!(
            next("0 */15 * * * *", now),
            Some(at(2026, 12, 5, 11, 45, 0))
        );
        assert_eq!(next("0 0 9 * * MON", now), Some(at(2026, 12, 7, 9, 0, 0)));
        assert_eq!(next("0 0 0 1 jan ?", now), Some(at(2027, 1, 1, 0, 0, 0)));
        assert_eq!(next("0 0 0 29 2 *", now), Some(at(2028, 2, 29, 0, 0, 0)));
        // Both days restricted: either matches (the 10th or a Monday).
        assert_eq!(next("0 0 0 10 * 1", now), Some(at(2026, 12, 7, 0, 0, 0)));
        assert_eq!(next("0 0 0 31 2 *", now), None);
        assert!(Cron::parse("0 0 0 * *").is_none());
        assert!(Cron::parse("0 0 25 * * *").is_none());
    }

    #[test]
    fn one_policy_per_project_and_retention_id_follows_it() {
        let mut s = SimState::with_admin("admin", "pw");
        let p = s
            .create_project(
                ProjectReq {
                    project_name: Some("p".into()),
                    public: None,
                    metadata: None,
                    cve_allowlist: None,
                    storage_limit: None,
                    registry_id: None,
                },
                1,
            )
            .unwrap();
        let id = s.create_retention(policy(p)).unwrap();
        assert_eq!(s.projects[&p].metadata["retention_id"], id.to_string());
        assert_eq!(s.create_retention(policy(p)).unwrap_err().status, 400);
        s.delete_retention(id).unwrap();
        assert!(!s.projects[&p].metadata.contains_key("retention_id"));
        assert_eq!(s.create_retention(policy(999)).unwrap_err().status, 400);
    }
}
