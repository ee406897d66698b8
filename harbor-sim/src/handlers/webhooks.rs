//! Webhook policies.

use axum::http::StatusCode;
use rand::Rng;
use serde_json::{Value, json};

use super::projects::project_of;
use crate::context::{Ctx, Reply};
use crate::errors::{ApiError, ApiResult};
use crate::query::ColumnType::{BigInt, Boolean, Integer, Timestamp};
use crate::query::{Filter, Model, column_matches, sort_rows, without_keys};
use crate::state::webhooks::HOOK_KINDS;
use crate::state::{Execution, SimState};

/// The event types Harbor can notify about, in the order it registers them
/// (`initSupportedNotifyType` in `src/pkg/notification/notification.go`).
const EVENT_TYPES: &[&str] = &[
    "PUSH_ARTIFACT",
    "PULL_ARTIFACT",
    "DELETE_ARTIFACT",
    "QUOTA_EXCEED",
    "QUOTA_WARNING",
    "SCANNING_FAILED",
    "SCANNING_STOPPED",
    "SCANNING_COMPLETED",
    "REPLICATION",
    "TAG_RETENTION",
];

/// The `notification_policy` table as Harbor's ORM reads its model
/// (`src/pkg/notification/policy/model/model.go`): `targets` and `event_types` are its JSON
/// text columns; newest first by default (`CreationTime`'s `sort:"default:desc"`).
const POLICY_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("Name", "name"),
        ("Description", "description"),
        ("ProjectID", "project_id"),
        ("TargetsDB", "targets"),
        ("EventTypesDB", "event_types"),
        ("Creator", "creator"),
        ("CreationTime", "creation_time"),
        ("UpdateTime", "update_time"),
        ("Enabled", "enabled"),
    ],
    default_sort: &[("creation_time", true)],
    typed: &[
        ("id", Integer),
        ("project_id", Integer),
        ("enabled", Boolean),
        ("creation_time", Timestamp),
        ("update_time", Timestamp),
    ],
};

/// A policy as Harbor answers it (`model.WebhookPolicy.ToSwagger`): the model's fields
/// only, with go-swagger's `omitempty` on the empty strings (`name`, `description`,
/// `creator`) and, in each target, an empty `auth_header` or `payload_format` and a false
/// `skip_cert_verify`; `enabled` is always written (`x-omitempty: false`).
pub(crate) fn policy_view(doc: &Value) -> Value {
    let mut out = serde_json::Map::new();
    let text = |v: &Value| v.as_str().filter(|s| !s.is_empty()).map(|s| json!(s));
    for field in ["id", "project_id", "creation_time", "update_time"] {
        if let Some(v) = doc.get(field).filter(|v| !v.is_null()) {
            out.insert(field.to_owned(), v.clone());
        }
    }
    for field in ["name", "description", "creator"] {
        if let Some(v) = text(&doc[field]) {
            out.insert(field.to_owned(), v);
        }
    }
    out.insert(
        "enabled".to_owned(),
        json!(doc["enabled"].as_bool().unwrap_or(false)),
    );
    out.insert("event_types".to_owned(), doc["event_types"].clone());
    let targets: Vec<Value> = doc["targets"]
        .as_array()
        .map(|ts| {
            ts.iter()
                .map(|t| {
                    let mut target = serde_json::Map::new();
                    for field in ["type", "address", "auth_header", "payload_format"] {
                        if let Some(v) = text(&t[field]) {
                            target.insert(field.to_owned(), v);
                        }
                    }
                    if t["skip_cert_verify"].as_bool() == Some(true) {
                        target.insert("skip_cert_verify".to_owned(), json!(true));
                    }
                    Value::Object(target)
                })
                .collect()
        })
        .unwrap_or_default();
    out.insert(
        "targets".to_owned(),
        if targets.is_empty() {
            Value::Null
        } else {
            json!(targets)
        },
    );
    Value::Object(out)
}

/// A policy as a row of its table: the answer's fields, the arrays as JSON text.
fn policy_row(view: &Value) -> Value {
    let mut row = view.clone();
    for column in ["targets", "event_types"] {
        row[column] = json!(view[column].to_string());
    }
    for column in ["name", "description", "creator"] {
        if row.get(column).is_none() {
            row[column] = json!("");
        }
    }
    row
}

/// The project's policies in the table's default order (newest first: ids grow with
/// creation time, and of two policies of one instant the later id is listed first).
fn policies_newest_first(s: &SimState, project: i64) -> impl Iterator<Item = &Value> {
    s.webhooks
        .values()
        .rev()
        .filter(move |w| w.project_id == project)
        .map(|w| &w.doc)
}

/// `ListWebhookPoliciesOfProject`: the project first, then `q` and `sort` on the policy
/// table ([`POLICY_TABLE`]): other keys are skipped, newest first by default.
pub(crate) fn list(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = project_of(ctx, s)?;
    let page = ctx.page()?;
    let filters = POLICY_TABLE.filters(&without_keys(ctx.filters()?, &["ProjectID"]))?;
    let mut rows: Vec<(Value, Value)> = policies_newest_first(s, project)
        .map(|doc| {
            let view = policy_view(doc);
            (policy_row(&view), view)
        })
        .filter(|(row, _)| filters.iter().all(|(c, f)| column_matches(row, c, f)))
        .collect();
    sort_rows(
        &mut rows,
        &POLICY_TABLE.sorts(ctx.query("sort")),
        |(row, _)| row,
    );
    Ok(ctx.page_of(rows.into_iter().map(|(_, view)| view).collect(), page))
}

pub(crate) fn create(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mut doc: Value = ctx.json()?;
    check_policy(&mut doc)?;
    let project = project_of(ctx, s)?;
    // Nothing records the caller: the creator is the body's (`JSONCopy` of the request,
    // no handler, controller or manager sets `Creator`), empty when it has none.
    let creator = doc["creator"].as_str().unwrap_or_default().to_owned();
    let id = s.create_webhook(project, doc, &creator)?;
    Ok(Reply::created(ctx.location(id)))
}

/// Harbor's `validateEventTypes` then `validateTargets` (`src/server/v2.0/handler/
/// webhook.go`), on create and update: at least one event type, each one Harbor registers
/// (`initSupportedNotifyType` in `src/pkg/notification/notification.go`); at least one
/// target, each with an address `utils.ParseEndpoint` takes, a type `http` or `slack`, and a
/// payload format (`Default` or `CloudEvents`) only for `http`, where it defaults to
/// `Default`.
fn check_policy(doc: &mut Value) -> ApiResult<()> {
    let refuse = |m: String| Err(ApiError::bad_request(m));
    let name = doc["name"].as_str().unwrap_or_default().to_owned();
    let events = doc["event_types"].as_array().cloned().unwrap_or_default();
    if events.is_empty() {
        return refuse("empty event type".into());
    }
    for event in &events {
        let event = event.as_str().unwrap_or_default();
        if !EVENT_TYPES.contains(&event) {
            return refuse(format!("unsupported event type {event}"));
        }
    }
    let Some(targets) = doc["targets"].as_array_mut().filter(|t| !t.is_empty()) else {
        return refuse(format!("empty notification target with policy {name}"));
    };
    for target in targets {
        check_endpoint(target["address"].as_str().unwrap_or_default())
            .map_err(ApiError::bad_request)?;
        let kind = target["type"].as_str().unwrap_or_default();
        if kind != "http" && kind != "slack" {
            return refuse(format!("unsupported target type {kind} with policy {name}"));
        }
        let format = target["payload_format"].as_str().unwrap_or_default();
        if !format.is_empty() && kind == "slack" {
            return refuse("set payload format is not allowed for slack".into());
        }
        if !format.is_empty() && format != "Default" && format != "CloudEvents" {
            return refuse(format!("unsupported payload format type: {format}"));
        }
        if format.is_empty() && kind == "http" {
            target["payload_format"] = json!("Default");
        }
    }
    Ok(())
}

/// Harbor's `utils.ParseEndpoint`: blank (after trimming spaces and trailing slashes) is
/// `empty URL`, a scheme other than `http` or `https` (as written, any case) is `invalid
/// scheme: <scheme>`; then `http://` is put before an address without `://` and Go's
/// `url.ParseRequestURI` must take it, its error passed on as the message
/// ([`crate::go_url::parse_request_uri`]). Harbor keeps the address as sent: its handler
/// rewrites a copy of each target, not the policy's.
fn check_endpoint(address: &str) -> Result<(), String> {
    let address = address.trim_matches(' ').trim_end_matches('/');
    if address.is_empty() {
        return Err("empty URL".into());
    }
    let endpoint = match address.split_once("://") {
        Some((scheme, _)) if scheme != "http" && scheme != "https" => {
            return Err(format!("invalid scheme: {scheme}"));
        }
        Some(_) => address.to_owned(),
        None => format!("http://{address}"),
    };
    crate::go_url::parse_request_uri(&endpoint).map(drop)
}

pub(crate) fn get(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let project = project_of(ctx, s)?;
    Ok(Reply::ok(&policy_view(&s.webhook(project, id)?.doc)))
}

pub(crate) fn update(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let mut doc: Value = ctx.json()?;
    let project = project_of(ctx, s)?;
    // `UpdateWebhookPolicyOfProject`: the policy must be the project's before the body is
    // checked.
    s.webhook(project, id)?;
    check_policy(&mut doc)?;
    // The request replaces the policy (`dao.Update` writes every column): what it leaves out
    // is Go's zero value, so an update without `enabled` disables the policy.
    // `creator` and `creation_time` too: beego's update writes an `auto_now_add` column from
    // the struct, which is the body's.
    for (field, zero) in [
        ("name", json!("")),
        ("description", json!("")),
        ("enabled", json!(false)),
        ("creator", json!("")),
        ("creation_time", json!(crate::state::jobs::ZERO_TIME)),
    ] {
        if doc.get(field).is_none_or(Value::is_null) {
            doc[field] = zero;
        }
    }
    s.update_webhook(project, id, doc)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn delete(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = ctx.path_id("webhook_policy_id")?;
    let project = project_of(ctx, s)?;
    s.webhook(project, id)?;
    s.webhooks.remove(&id);
    // Harbor deletes a policy's executions with it.
    s.executions
        .retain(|_, e| !(HOOK_KINDS.contains(&e.kind) && e.vendor_id == id));
    Ok(Reply::empty(StatusCode::OK))
}

/// `LastTrigger` (`constructPolicyWithTriggerTime`): one entry per event type of each of
/// the project's policies, the policies in the list's default order (newest first), the
/// event types as stored; `last_trigger_time` is the start of the newest run of that policy
/// and event type, else Go's zero time (a `strfmt.DateTime` is never omitted); an empty
/// `policy_name` and a false `enabled` are omitted (`omitempty`, no `x-omitempty` here).
pub(crate) fn last_trigger(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = project_of(ctx, s)?;
    let mut docs: Vec<Value> = Vec::new();
    for w in policies_newest_first(s, project) {
        let policy = w["id"].as_i64().unwrap_or(0);
        for e in w["event_types"].as_array().into_iter().flatten() {
            let last = s
                .executions
                .values()
                .filter(|x| {
                    HOOK_KINDS.contains(&x.kind)
                        && x.vendor_id == policy
                        && x.extra_attrs["event_type"] == *e
                })
                .map(|x| x.start_time.as_str())
                .max()
                .unwrap_or(crate::state::jobs::ZERO_TIME);
            let mut doc = json!({"event_type": e, "creation_time": w["creation_time"],
                                 "last_trigger_time": last});
            if let Some(name) = w["name"].as_str().filter(|n| !n.is_empty()) {
                doc["policy_name"] = json!(name);
            }
            if w["enabled"].as_bool() == Some(true) {
                doc["enabled"] = json!(true);
            }
            docs.push(doc);
        }
    }
    Ok(Reply::ok(&docs))
}

pub(crate) fn event_types(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    project_of(ctx, s)?;
    Ok(Reply::ok(
        &json!({"event_type": EVENT_TYPES, "notify_type": ["http", "slack"], "payload_formats": [{"notify_type": "http", "formats": ["Default", "CloudEvents"]}]}),
    ))
}

/// The policy `{webhook_policy_id}` (or `?policy_id=`) of the project; 404 when another's.
fn policy_of(ctx: &Ctx, s: &SimState, id: i64) -> ApiResult<i64> {
    let project = project_of(ctx, s)?;
    s.webhook(project, id).map(|_| id)
}

/// The execution `{execution_id}` of the policy: 404 `execution <id> not found` when there is
/// none, `resource not found: execution <e> not found in policy <p>` when another policy's
/// (`requireExecutionInPolicy`, `src/server/v2.0/handler/webhook.go`).
fn execution_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let policy = policy_of(ctx, s, ctx.path_id("webhook_policy_id")?)?;
    let id = ctx.path_id("execution_id")?;
    let run = s
        .executions
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("execution {id} not found")))?;
    if HOOK_KINDS.contains(&run.kind) && run.vendor_id == policy {
        return Ok(run.id);
    }
    Err(ApiError::not_found(format!(
        "resource not found: execution {id} not found in policy {policy}"
    )))
}

/// The legacy job list: one entry per delivery (task) of the policy.
pub(crate) fn jobs(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let raw = ctx
        .query("policy_id")
        .ok_or_else(|| ApiError::unprocessable("policy_id in query is required"))?;
    // Bound and checked by go-swagger already ([`crate::validate`]).
    let id = crate::binding::convert_int(raw, 64).unwrap_or_default();
    // `ListWebhookJobs` (`src/server/v2.0/handler/webhook_job.go`) reads the policy by id,
    // then its own `requirePolicyAccess`: another project's policy is `project id <path
    // project> does not match`, not `webhook.go`'s wording.
    let project = project_of(ctx, s)?;
    let policy = match s.webhooks.get(&id) {
        Some(w) if w.project_id != project => {
            return Err(ApiError::not_found(format!(
                "resource not found: project id {project} does not match"
            )));
        }
        _ => policy_of(ctx, s, id)?,
    };
    let mut docs = s.webhook_jobs(policy);
    // `status` is a csv array; Harbor puts the list in the query, which its ORM reads as
    // "any of" (`src/server/v2.0/handler/webhook_job.go`, `src/lib/orm/query.go`).
    let statuses = ctx.query_list("status");
    if !statuses.is_empty() {
        docs.retain(|d| statuses.iter().any(|s| d["status"] == json!(s)));
    }
    ctx.list(docs)
}

pub(crate) fn executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let policy = policy_of(ctx, s, ctx.path_id("webhook_policy_id")?)?;
    let runs = s.read_executions_of(&HOOK_KINDS, |e| e.vendor_id == policy);
    list_jobs(
        ctx,
        runs.iter().map(Execution::to_row).collect(),
        &EXECUTION_TABLE,
        &["vendor_type", "vendor_id"],
    )
}

pub(crate) fn tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    let run = s.read_execution(s.executions[&id].kind, id)?;
    list_jobs(
        ctx,
        run.tasks.iter().map(|t| t.to_model()).collect(),
        &TASK_TABLE,
        &["vendor_type", "execution_id"],
    )
}

pub(crate) fn task_log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    let task = ctx.path_id("task_id")?;
    // `requireTaskInExecution`: the task is read by id, then its execution compared.
    if s.task_execution(task)? != id {
        return Err(ApiError::not_found(format!(
            "resource not found: task {task} not found in execution {id}"
        )));
    }
    Ok(Reply::text(
        StatusCode::OK,
        s.task_log(s.executions[&id].kind, id, task)?,
    ))
}

/// The `execution` table of Harbor's task manager (`src/pkg/task/dao/model.go`): newest
/// start first by default.
pub(crate) const EXECUTION_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("VendorType", "vendor_type"),
        ("VendorID", "vendor_id"),
        ("Status", "status"),
        ("StatusMessage", "status_message"),
        ("Trigger", "trigger"),
        ("ExtraAttrs", "extra_attrs"),
        ("StartTime", "start_time"),
        ("UpdateTime", "update_time"),
        ("EndTime", "end_time"),
        ("Revision", "revision"),
    ],
    default_sort: &[("start_time", true)],
    typed: &[
        ("id", Integer),
        ("vendor_id", Integer),
        ("revision", Integer),
        ("start_time", Timestamp),
        ("update_time", Timestamp),
        ("end_time", Timestamp),
    ],
};

/// The `task` table: start time, then id, descending by default (`Task.GetDefaultSorts`).
pub(crate) const TASK_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("VendorType", "vendor_type"),
        ("ExecutionID", "execution_id"),
        ("JobID", "job_id"),
        ("Status", "status"),
        ("StatusCode", "status_code"),
        ("StatusRevision", "status_revision"),
        ("StatusMessage", "status_message"),
        ("RunCount", "run_count"),
        ("ExtraAttrs", "extra_attrs"),
        ("CreationTime", "creation_time"),
        ("StartTime", "start_time"),
        ("UpdateTime", "update_time"),
        ("EndTime", "end_time"),
    ],
    default_sort: &[("start_time", true), ("id", true)],
    typed: &[
        ("id", Integer),
        ("execution_id", Integer),
        ("status_code", Integer),
        ("status_revision", BigInt),
        ("run_count", Integer),
        ("creation_time", Timestamp),
        ("start_time", Timestamp),
        ("update_time", Timestamp),
        ("end_time", Timestamp),
    ],
};

/// Go's `t.Format(time.RFC3339)` of a time the simulator keeps with milliseconds (UTC):
/// whole seconds (`0001-01-01T00:00:00Z` for the zero time).
fn rfc3339_seconds(t: &Value) -> Value {
    match t.as_str() {
        Some(t) => match (t.find('.'), t.strip_suffix('Z')) {
            (Some(dot), Some(_)) => json!(format!("{}Z", &t[..dot])),
            _ => json!(t),
        },
        None => t.clone(),
    }
}

/// An execution or task model (`Execution::to_model`, `JobTask::to_model`) as Harbor's
/// `convertExecutionToPayload` and `convertTaskToPayload` answer it (`preheat.go`, also
/// used by `webhook.go`): the times formatted as `time.RFC3339` (whole seconds), and
/// go-swagger's `omitempty` on an empty `status_message` or `trigger`, a zero `run_count`
/// and empty `extra_attrs`.
pub(crate) fn job_payload(model: &Value) -> Value {
    let mut out = model.clone();
    if let Some(fields) = out.as_object_mut() {
        for time in ["start_time", "end_time", "creation_time", "update_time"] {
            if let Some(t) = fields.get_mut(time) {
                *t = rfc3339_seconds(t);
            }
        }
        fields.retain(|_, v| match v {
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::Object(m) => !m.is_empty(),
            Value::Null => false,
            _ => true,
        });
    }
    out
}

/// Lists execution rows ([`Execution::to_row`]) or task models as the task manager's DAO
/// lists them: `q` and `sort` on `table` (the models' times, at the millisecond, are the
/// columns; a run's `update_time` and `revision` are those of its last status refresh), plus the DAOs'
/// attribute keys (`src/pkg/task/dao/execution.go`, `task.go`, `querySetter`), matched
/// exactly on the attribute's text: for executions every `extra_attrs.<key>` (or
/// `ExtraAttrs.<key>`; a dotted key is a nested path; the bare prefix is no key); for tasks
/// one key only, the first Go's randomly ordered keyword map yields (the simulator draws
/// one), whose whole rest, dots included, names a top-level attribute (the bare prefix names
/// the attribute `""`). An attribute value that is a fuzzy match, a range or a list is a
/// struct beego cannot pass to SQL: Harbor panics, a bare 500
/// ([`Filter::raw_sql_argument`]). Answered through [`job_payload`]. `own` are the keys the handler or
/// controller sets itself (see [`without_keys`]).
pub(crate) fn list_jobs(
    ctx: &Ctx,
    models: Vec<Value>,
    table: &Model,
    own: &[&str],
) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let filters = without_keys(ctx.filters()?, own);
    let columns = table.filters(&filters)?;
    // The task table is the one with an execution id (a `const` has no one address).
    let tasks = table
        .columns
        .iter()
        .any(|(field, _)| *field == "ExecutionID");
    let mut attribute_filters: Vec<(&Filter, &str)> = filters
        .iter()
        .filter_map(|f| {
            let rest = f
                .key()
                .strip_prefix("extra_attrs.")
                .or_else(|| f.key().strip_prefix("ExtraAttrs."))?;
            (tasks || !rest.is_empty()).then_some((f, rest))
        })
        .collect();
    if tasks && attribute_filters.len() > 1 {
        let pick = rand::rng().random_range(0..attribute_filters.len());
        attribute_filters = vec![attribute_filters.swap_remove(pick)];
    }
    let mut attributes: Vec<(Vec<String>, String)> = Vec::new();
    for (f, rest) in attribute_filters {
        let value = f.raw_sql_argument()?;
        let path = if tasks {
            vec![rest.to_owned()]
        } else {
            rest.split('.').map(str::to_owned).collect()
        };
        attributes.push((path, value.to_owned()));
    }
    let mut rows: Vec<(Value, Value)> = models
        .into_iter()
        .map(|m| {
            let mut row = m.clone();
            row["extra_attrs"] = json!(m["extra_attrs"].to_string());
            (row, m)
        })
        .filter(|(row, m)| {
            columns.iter().all(|(c, f)| column_matches(row, c, f))
                && attributes.iter().all(|(path, v)| {
                    let found = path
                        .iter()
                        .try_fold(&m["extra_attrs"], |at, k| at.get(k.as_str()));
                    found.is_some_and(|x| match x {
                        Value::String(s) => s == v,
                        // A number or a boolean, as `->>` gives its text.
                        other => serde_json::to_string(other).is_ok_and(|text| text == *v),
                    })
                })
        })
        .collect();
    sort_rows(&mut rows, &table.sorts(ctx.query("sort")), |(row, _)| row);
    // A run's row carries `update_time` and `revision` for `q` and `sort`
    // ([`Execution::to_row`]); its answer has neither (`convertExecutionToPayload`).
    let answer = |m: &Value| {
        let mut m = m.clone();
        if let (false, Some(fields)) = (tasks, m.as_object_mut()) {
            fields.remove("update_time");
            fields.remove("revision");
        }
        job_payload(&m)
    };
    Ok(ctx.page_of(rows.iter().map(|(_, m)| answer(m)).collect(), page))
}
