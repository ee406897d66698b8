//! P2P preheat runs (`src/server/v2.0/handler/preheat.go`): a manual preheat of a policy
//! starts an execution with one task per repository of the project; its executions, tasks
//! and logs are read under the policy, and an execution is stopped by `PATCH` with
//! `{"status":"Stopped"}`. Instances and policies themselves are kept by [`super::generic`].
//!
//! The `Location` of a manual preheat is Harbor's own: `/projects/{p}/preheat/policies/{n}/
//! executions/{id}`, without the `/api/v2.0` base (a TODO in Harbor's handler), so it resolves
//! only once the base is put in front of it.

use axum::http::StatusCode;
use serde_json::{Value, json};

use super::actor_name;
use super::connectivity::body_or_empty;
use crate::context::{Ctx, Reply, api_path};
use crate::errors::{ApiError, ApiResult};
use crate::go_json::{self, Shape};
use crate::postgres_error::{SqlState, refusal};
use crate::query::ColumnType::{BigInt, Boolean, Integer, Timestamp};
use crate::query::{Model, column_matches, sort_rows, without_keys};
use crate::state::jobs::{JobStatus, NewExecution};
use crate::state::scheduler::{
    P2P_PREHEAT, preheat_trigger, reschedule_on_update, trigger_type_and_cron,
};
use crate::state::{Execution, JobKind, SimState};

/// The id of the policy `{preheat_policy_name}` of `{project_name}`; 404 when either is
/// unknown.
fn policy_of(ctx: &Ctx, s: &SimState) -> ApiResult<(i64, i64)> {
    let project = ctx.path("project_name");
    let project_id = s.project_id(project, true)?;
    let name = ctx.path("preheat_policy_name");
    let policies = api_path(&format!("/projects/{project}/preheat/policies"));
    s.collections
        .get(&policies)
        .and_then(|c| {
            c.iter()
                .find(|(_, d)| d["name"].as_str() == Some(name))
                .map(|(id, _)| (project_id, *id))
        })
        .ok_or_else(|| ApiError::not_found(format!("policy {name} not found")))
}

/// `UpdatePolicy`: the path's name is not read. The body's name is checked (see
/// [`check_name`]), then the project; a non-zero body `id` must be a policy of the path's
/// project (`requirePolicyAccess`: 404 `policy <id> not found`, or `resource not found:
/// project id <path project> does not match`); then the body's provider (404 `instance <id>
/// not found`); then the controller reads the policy of the body's `id` (absent: 404 `policy
/// 0 not found`) and checks `filters` and `trigger` as on create. The body replaces every
/// column (`dao.Update` without properties): the project is the path's, `creation_time` the
/// body's (Go's zero time when absent), `update_time` now. A name another policy of the
/// project has breaks the table's unique key, a database error (Harbor's 500), and so does a
/// value too long for its `varchar` column, first ([`check_policy_columns`]); after a
/// schedule change, the controller wraps either as `Update failed, but not rollback
/// scheduler: <err>`.
pub(crate) fn update_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    check_name(&body)?;
    let project = ctx.path("project_name").to_owned();
    let project_id = s.project_id(&project, true)?;
    let own = policies_key(&project);
    let id = body["id"].as_i64().unwrap_or(0);
    if id != 0 {
        let holder = s
            .collections
            .iter()
            .find(|(k, c)| k.ends_with("/preheat/policies") && c.contains_key(&id))
            .map(|(k, _)| k.as_str());
        match holder {
            None => return Err(ApiError::not_found(format!("policy {id} not found"))),
            Some(k) if k != own => {
                return Err(ApiError::not_found(format!(
                    "resource not found: project id {project_id} does not match"
                )));
            }
            Some(_) => {}
        }
    }
    let provider = body["provider_id"].as_i64().unwrap_or(0);
    instance_by_id(s, provider)?;
    if id == 0 {
        return Err(ApiError::not_found("policy 0 not found"));
    }
    let text = |f: &str| body[f].as_str().unwrap_or_default().to_owned();
    let new = check_schema(&body)?;
    // The controller (un)schedules before it writes the policy, and does not undo it when
    // the write fails (a name taken), but the request's transaction does (the
    // `transaction` middleware rolls back a request that does not succeed).
    let old = s
        .preheat_policy(id)
        .map(preheat_trigger)
        .unwrap_or_default();
    let (old_type, old_cron) = (old.0.as_str(), old.1.as_str());
    let (unschedule, schedule) =
        reschedule_on_update((old_type, old_cron), (&new.0, &new.1), "scheduled", true);
    let name = text("name");
    // A failed write after a schedule change is wrapped (`errors.Wrapf`), still uncoded.
    let wrapped = |e: ApiError| {
        if unschedule || schedule {
            ApiError::uncoded(format!(
                "Update failed, but not rollback scheduler: {}",
                e.message
            ))
        } else {
            e
        }
    };
    check_policy_columns(&body).map_err(wrapped)?;
    if s.collections.get(&own).is_some_and(|c| {
        c.iter()
            .any(|(other, p)| *other != id && p["name"].as_str() == Some(&name))
    }) {
        return Err(wrapped(refusal(
            SqlState::UniqueViolation,
            "duplicate key value violates unique constraint \
             \"p2p_preheat_policy_name_project_id_key\"",
        )));
    }
    // The request's transaction undoes the schedule change when the write fails.
    if unschedule {
        s.unschedule_vendor(P2P_PREHEAT, id);
    }
    if schedule {
        s.schedule_vendor(P2P_PREHEAT, id);
    }
    let doc = json!({
        "id": id,
        "name": name,
        "description": text("description"),
        "project_id": project_id,
        "provider_id": provider,
        "filters": text("filters"),
        "trigger": text("trigger"),
        "enabled": body["enabled"].as_bool().unwrap_or(false),
        "extra_attrs": text("extra_attrs"),
        "creation_time": body["creation_time"]
            .as_str()
            .filter(|t| !t.is_empty())
            .unwrap_or(crate::state::jobs::ZERO_TIME),
        "update_time": crate::state::now(),
    });
    s.collections.entry(own).or_default().insert(id, doc);
    Ok(Reply::empty(StatusCode::OK))
}

/// The execution `{execution_id}` of the policy: 404 `execution <id> not found` when there is
/// none, and Harbor's `requireExecutionInProject` 404 (an `errors.NotFoundError`, so prefixed
/// `resource not found: `) when it is another policy's.
fn execution_of(ctx: &Ctx, s: &SimState) -> ApiResult<i64> {
    let (project_id, policy) = policy_of(ctx, s)?;
    let id = ctx.path_id("execution_id")?;
    let run = s
        .executions
        .get(&id)
        .ok_or_else(|| ApiError::not_found(format!("execution {id} not found")))?;
    if run.kind == JobKind::Preheat && run.vendor_id == policy {
        return Ok(run.id);
    }
    Err(ApiError::not_found(format!(
        "resource not found: project id {project_id}, execution id {id} not found"
    )))
}

/// The task `{task_id}` of the execution (`requireTaskInProject`): 404 `task <id> not found`
/// when there is none, `resource not found: project id <p>, task id <t> not found` when it
/// is another execution's.
fn task_of(ctx: &Ctx, s: &SimState) -> ApiResult<(i64, i64)> {
    let id = execution_of(ctx, s)?;
    let task = ctx.path_id("task_id")?;
    if s.task_execution(task)? != id {
        let project_id = s.project_id(ctx.path("project_name"), true)?;
        return Err(ApiError::not_found(format!(
            "resource not found: project id {project_id}, task id {task} not found"
        )));
    }
    Ok((id, task))
}

/// `ManualPreheat` (the enforcer's `EnforcePolicy`): the policy by name (PH1), then a
/// disabled policy, a provider without a driver and an unreachable provider (its health
/// check) are uncoded errors wrapped as `enforce policy error: ...`, Harbor's 500. Then one
/// task per repository of the project.
pub(crate) fn manual(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (project_id, policy) = policy_of(ctx, s)?;
    let doc = s.collections[&policies_key(ctx.path("project_name"))][&policy].clone();
    if doc["enabled"] != json!(true) {
        return Err(ApiError::uncoded(format!(
            "enforce policy error: policy {policy}:{} is not enabled",
            doc["name"].as_str().unwrap_or_default()
        )));
    }
    let instance = instance_by_id(s, doc["provider_id"].as_i64().unwrap_or(0))
        .map_err(|e| ApiError::not_found(format!("enforce policy error: {}", e.message)))?;
    let vendor = instance["vendor"].as_str().unwrap_or_default();
    if vendor != "dragonfly" && vendor != "kraken" {
        return Err(ApiError::uncoded(format!(
            "enforce policy error: no driver registered for provider {vendor}"
        )));
    }
    let endpoint = instance["endpoint"].as_str().unwrap_or_default();
    if !s.reachability.reaches(endpoint) {
        return Err(ApiError::uncoded(format!(
            "enforce policy error: provider {endpoint} unreachable"
        )));
    }
    let tasks = s
        .repositories
        .values()
        .filter(|r| r.project_id == project_id)
        .map(|r| {
            (
                json!({"repository": r.name, "vendor": "kraken"}),
                format!("preheat {} on the P2P network", r.name),
            )
        })
        .collect();
    let id = s.start_execution(NewExecution {
        kind: JobKind::Preheat,
        vendor_id: policy,
        trigger: "MANUAL",
        extra_attrs: json!({}),
        operator: actor_name(&ctx.identity),
        tasks,
    });
    Ok(Reply::created(format!(
        "/projects/{}/preheat/policies/{}/executions/{id}",
        ctx.path("project_name"),
        ctx.path("preheat_policy_name")
    )))
}

pub(crate) fn list_executions(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (_, policy) = policy_of(ctx, s)?;
    let runs = s.read_executions(JobKind::Preheat, |e| e.vendor_id == policy);
    super::webhooks::list_jobs(
        ctx,
        runs.iter().map(Execution::to_row).collect(),
        &super::webhooks::EXECUTION_TABLE,
        &["vendor_type", "vendor_id"],
    )
}

pub(crate) fn get_execution(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    Ok(Reply::ok(&super::webhooks::job_payload(
        &s.read_execution(JobKind::Preheat, id)?.to_model(),
    )))
}

pub(crate) fn stop_execution(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    let id = execution_of(ctx, s)?;
    // `fmt.Errorf("param status invalid: %#v", ...)`: Harbor's 500.
    if body["status"] != json!("Stopped") {
        return Err(ApiError::uncoded(format!("param status invalid: {body}")));
    }
    s.stop_execution(JobKind::Preheat, id)?;
    Ok(Reply::empty(StatusCode::OK))
}

pub(crate) fn list_tasks(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let id = execution_of(ctx, s)?;
    let run = s.read_execution(JobKind::Preheat, id)?;
    super::webhooks::list_jobs(
        ctx,
        run.tasks.iter().map(|t| t.to_model()).collect(),
        &super::webhooks::TASK_TABLE,
        &["execution_id"],
    )
}

pub(crate) fn task_log(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (id, task) = task_of(ctx, s)?;
    Ok(Reply::text(
        StatusCode::OK,
        s.task_log(JobKind::Preheat, id, task)?,
    ))
}

/// The P2P drivers Harbor ships, sorted by id (`ListProviders` in `src/pkg/p2p/preheat/
/// provider/known_drivers.go`, each driver's `Self()` in `dragonfly.go` and `kraken.go`).
pub(crate) fn drivers(_ctx: &Ctx, _: &SimState) -> ApiResult<Reply> {
    Ok(Reply::ok(&json!([
        {
            "id": "dragonfly",
            "name": "Dragonfly",
            "icon": "https://raw.githubusercontent.com/dragonflyoss/Dragonfly2/master/docs/images/logo/dragonfly-linear.png",
            "version": "2.1.59",
            "source": "https://github.com/dragonflyoss/Dragonfly2",
            "maintainers": ["chlins.zhang@gmail.com", "gaius.qi@gmail.com"],
        },
        {
            "id": "kraken",
            "name": "Kraken",
            "icon": "https://github.com/uber/kraken/blob/master/assets/kraken-logo-color.svg",
            "version": "0.1.3",
            "source": "https://github.com/uber/kraken",
            "maintainers": ["mmpei/peimingming@corp.netease.com"],
        },
    ])))
}

/// The preheat instances a project's policies may use, as Harbor's `ProviderUnderProject`
/// (`ListProvidersUnderProject`): every instance, `<vendor> <name>-<endpoint>`.
pub(crate) fn providers(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    s.project_id(ctx.path("project_name"), true)?;
    let docs: Vec<Value> = s
        .collections
        .get(&api_path("/p2p/preheat/instances"))
        .into_iter()
        .flat_map(|c| c.values())
        .map(|i| {
            let mut doc = json!({
                "id": i["id"],
                "provider": format!(
                    "{} {}-{}",
                    i["vendor"].as_str().unwrap_or_default(),
                    i["name"].as_str().unwrap_or_default(),
                    i["endpoint"].as_str().unwrap_or_default()
                ),
            });
            // `ProviderUnderProject`'s booleans have no `x-omitempty`: false is omitted.
            for flag in ["enabled", "default"] {
                if i[flag].as_bool() == Some(true) {
                    doc[flag] = json!(true);
                }
            }
            doc
        })
        .collect();
    Ok(Reply::ok(&docs))
}

/// `POST /p2p/preheat/instances/ping` (`PingInstances`): a stored instance by id (a bare 404
/// when unknown) or the body as an instance (a bare 400 without an endpoint; its name must
/// pass [`check_name`], else Harbor's 500); then `CheckHealth`: a vendor with no driver
/// (`dragonfly`, `kraken`) is an uncoded `no driver registered for provider <vendor>`, and
/// an endpoint the simulated Harbor cannot reach the health check's uncoded error: 500.
pub(crate) fn ping(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let body = body_or_empty(ctx)?;
    let instance = match body["id"].as_i64().filter(|id| *id > 0) {
        Some(id) => match instance_by_id(s, id) {
            Ok(doc) => doc,
            Err(_) => return Ok(Reply::empty(StatusCode::NOT_FOUND)),
        },
        None => {
            if body["endpoint"].as_str().is_none_or(str::is_empty) {
                return Ok(Reply::empty(StatusCode::BAD_REQUEST));
            }
            check_name(&body)?;
            body
        }
    };
    let vendor = instance["vendor"].as_str().unwrap_or_default();
    if vendor != "dragonfly" && vendor != "kraken" {
        return Err(ApiError::uncoded(format!(
            "no driver registered for provider {vendor}"
        )));
    }
    let endpoint = instance["endpoint"].as_str().unwrap_or_default();
    if !s.reachability.reaches(endpoint) {
        return Err(ApiError::uncoded(format!(
            "preheat provider {endpoint} unreachable"
        )));
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// Where the preheat instances are kept (one collection of the generic store, which the
/// ping, the providers and the seed read too).
fn instances_key() -> String {
    api_path("/p2p/preheat/instances")
}

/// Where a project's preheat policies are kept.
fn policies_key(project: &str) -> String {
    api_path(&format!("/projects/{project}/preheat/policies"))
}

/// Harbor's `nameRegex` for instance and policy names (`src/server/v2.0/handler/
/// preheat.go`): `^[A-Za-z0-9]+(?:[._-][A-Za-z0-9]+)*$`.
fn is_preheat_name(name: &str) -> bool {
    !name.is_empty()
        && name
            .split(['.', '_', '-'])
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// `convertParamInstanceToModelInstance` and `convertParamPolicyToModelPolicy` refuse a
/// name outside [`is_preheat_name`] with `fmt.Errorf("name %s is invalid")`, uncoded: Harbor's
/// 500.
fn check_name(doc: &Value) -> ApiResult<()> {
    let name = doc["name"].as_str().unwrap_or_default();
    if is_preheat_name(name) {
        Ok(())
    } else {
        Err(ApiError::uncoded(format!("name {name} is invalid")))
    }
}

/// The instance table (`src/pkg/p2p/preheat/models/provider/instance.go`): no default
/// order (the database's: by id here).
const INSTANCE_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("Name", "name"),
        ("Description", "description"),
        ("Vendor", "vendor"),
        ("Endpoint", "endpoint"),
        ("AuthMode", "auth_mode"),
        ("AuthData", "auth_data"),
        ("Enabled", "enabled"),
        ("Default", "is_default"),
        ("Insecure", "insecure"),
        ("SetupTimestamp", "setup_timestamp"),
    ],
    default_sort: &[],
    typed: &[
        ("id", Integer),
        ("enabled", Boolean),
        ("is_default", Boolean),
        ("insecure", Boolean),
        ("setup_timestamp", BigInt),
    ],
};

/// The policy table (`src/pkg/p2p/preheat/models/policy/policy.go` `Schema`): no default
/// order (by id here).
const POLICY_TABLE: Model = Model {
    columns: &[
        ("ID", "id"),
        ("Name", "name"),
        ("Description", "description"),
        ("ProjectID", "project_id"),
        ("ProviderID", "provider_id"),
        ("FiltersStr", "filters"),
        ("TriggerStr", "trigger"),
        ("Enabled", "enabled"),
        ("ExtraAttrsStr", "extra_attrs"),
        ("CreatedAt", "creation_time"),
        ("UpdatedTime", "update_time"),
    ],
    default_sort: &[],
    typed: &[
        ("id", Integer),
        ("project_id", Integer),
        ("provider_id", Integer),
        ("enabled", Boolean),
        ("creation_time", Timestamp),
        ("update_time", Timestamp),
    ],
};

/// Copies the non-empty strings and non-zero integers of `fields` from `doc` (go-swagger's
/// `omitempty`).
fn copy_set(out: &mut serde_json::Map<String, Value>, doc: &Value, fields: &[&str]) {
    for field in fields {
        let set = match &doc[*field] {
            Value::String(s) => !s.is_empty(),
            Value::Number(n) => n.as_f64() != Some(0.0),
            Value::Null => false,
            _ => true,
        };
        if set {
            out.insert((*field).to_owned(), doc[*field].clone());
        }
    }
}

/// An instance as Harbor answers it (`convertInstanceToPayload`): never its `auth_info`,
/// `status` always `Unknown`; `enabled`, `default`, `insecure` always written
/// (`x-omitempty: false`), empty strings and zeros omitted.
fn instance_view(doc: &Value) -> Value {
    let mut out = serde_json::Map::new();
    copy_set(
        &mut out,
        doc,
        &[
            "id",
            "name",
            "description",
            "vendor",
            "endpoint",
            "auth_mode",
            "setup_timestamp",
        ],
    );
    for flag in ["enabled", "default", "insecure"] {
        out.insert(flag.to_owned(), json!(doc[flag].as_bool().unwrap_or(false)));
    }
    out.insert("status".to_owned(), json!("Unknown"));
    Value::Object(out)
}

/// An instance as a row of its table.
fn instance_row(doc: &Value) -> Value {
    let mut row = instance_view(doc);
    row["is_default"] = row["default"].clone();
    row["auth_data"] = json!(doc["auth_info"].to_string());
    row
}

/// The instance fields Harbor's model keeps from a request body
/// (`convertParamInstanceToModelInstance`): Go's zero values for what is absent.
fn instance_model(body: &Value) -> Value {
    let text = |f: &str| json!(body[f].as_str().unwrap_or_default());
    let flag = |f: &str| json!(body[f].as_bool().unwrap_or(false));
    json!({
        "id": body["id"].as_i64().unwrap_or(0),
        "name": text("name"),
        "description": text("description"),
        "vendor": text("vendor"),
        "endpoint": text("endpoint"),
        "auth_mode": text("auth_mode"),
        "auth_info": body.get("auth_info").filter(|v| v.is_object()).cloned().unwrap_or(Value::Null),
        "enabled": flag("enabled"),
        "default": flag("default"),
        "insecure": flag("insecure"),
        "setup_timestamp": body["setup_timestamp"].as_i64().unwrap_or(0),
    })
}

/// The `varchar` columns of `p2p_preheat_instance` (`name`, `description`, `vendor`,
/// `endpoint`, `auth_mode`, all `varchar(255)`, `make/migrations/postgresql/
/// 0040_2.1.0_schema.up.sql`; `auth_data` is `text`), in column order: the instance
/// `dao.Create` or `dao.Update` passes PostgreSQL's error on uncoded (Harbor's 500).
fn check_instance_columns(doc: &Value) -> ApiResult<()> {
    let text = |f: &str| doc[f].as_str().unwrap_or_default();
    crate::state::check_varchar_columns(&[
        (text("name"), 255),
        (text("description"), 255),
        (text("vendor"), 255),
        (text("endpoint"), 255),
        (text("auth_mode"), 255),
    ])
}

/// The `varchar` columns of `p2p_preheat_policy` (`name varchar(255)`, `description
/// varchar(1024)`, `filters varchar(1024)`, `trigger varchar(255)`,
/// `0040_2.1.0_schema.up.sql`; `extra_attrs` is `text`, `0160_2.13.0_schema.up.sql`), in
/// column order: the policy `dao.Create` or `dao.Update` passes PostgreSQL's error on
/// uncoded (Harbor's 500), before the table's unique key is checked.
fn check_policy_columns(body: &Value) -> ApiResult<()> {
    let text = |f: &str| body[f].as_str().unwrap_or_default();
    crate::state::check_varchar_columns(&[
        (text("name"), 255),
        (text("description"), 1024),
        (text("filters"), 1024),
        (text("trigger"), 255),
    ])
}

/// The id and document of the instance named `name` (`GetByName`: 404 `instance <name> not
/// found`).
fn instance_by_name(s: &SimState, name: &str) -> ApiResult<(i64, Value)> {
    s.collections
        .get(&instances_key())
        .and_then(|c| c.iter().find(|(_, d)| d["name"].as_str() == Some(name)))
        .map(|(id, d)| (*id, d.clone()))
        .ok_or_else(|| ApiError::not_found(format!("instance {name} not found")))
}

/// The instance of id `id` (`dao.Get`: 404 `instance <id> not found`).
fn instance_by_id(s: &SimState, id: i64) -> ApiResult<Value> {
    s.collections
        .get(&instances_key())
        .and_then(|c| c.get(&id))
        .cloned()
        .ok_or_else(|| ApiError::not_found(format!("instance {id} not found")))
}

/// Every project's policies that use instance `id` (`ListPolicies` by `provider_id`).
fn policies_using(s: &SimState, id: i64) -> bool {
    s.collections
        .iter()
        .filter(|(k, _)| k.ends_with("/preheat/policies"))
        .flat_map(|(_, c)| c.values())
        .any(|p| p["provider_id"].as_i64() == Some(id))
}

/// `CreateInstance`: the name (see [`check_name`]); an endpoint another instance has is the
/// controller's `ErrorConflict`, `resource conflict` without a code (Harbor's 500); a name
/// another has 409 `instance <name> already exists`; `setup_timestamp` is now; the
/// `Location` ends with the name.
pub(crate) fn create_instance(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    check_name(&body)?;
    let mut doc = instance_model(&body);
    let name = doc["name"].as_str().unwrap_or_default().to_owned();
    let existing: Vec<Value> = s
        .collections
        .get(&instances_key())
        .map(|c| c.values().cloned().collect())
        .unwrap_or_default();
    if existing.iter().any(|i| i["endpoint"] == doc["endpoint"]) {
        return Err(ApiError::uncoded("resource conflict"));
    }
    check_instance_columns(&doc)?;
    if existing.iter().any(|i| i["name"] == doc["name"]) {
        return Err(ApiError::conflict(format!(
            "instance {name} already exists"
        )));
    }
    let id = s.ids.next("CreateInstance");
    doc["id"] = json!(id);
    doc["setup_timestamp"] = json!(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    );
    s.collections
        .entry(instances_key())
        .or_default()
        .insert(id, doc);
    Ok(Reply::created(ctx.location(&name)))
}

/// `ListInstances`: `q` and `sort` on the instance table, by id by default.
pub(crate) fn list_instances(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let page = ctx.page()?;
    let filters = INSTANCE_TABLE.filters(&ctx.filters()?)?;
    let mut rows: Vec<(Value, Value)> = s
        .collections
        .get(&instances_key())
        .into_iter()
        .flat_map(|c| c.values())
        .map(|d| (instance_row(d), instance_view(d)))
        .filter(|(row, _)| filters.iter().all(|(c, f)| column_matches(row, c, f)))
        .collect();
    sort_rows(
        &mut rows,
        &INSTANCE_TABLE.sorts(ctx.query("sort")),
        |(r, _)| r,
    );
    Ok(ctx.page_of(rows.into_iter().map(|(_, v)| v).collect(), page))
}

/// `GetInstance`: by name only.
pub(crate) fn get_instance(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let (_, doc) = instance_by_name(s, ctx.path("preheat_instance_name"))?;
    Ok(Reply::ok(&instance_view(&doc)))
}

/// `UpdateInstance`: the path's name must name an instance (404), then the body is the
/// instance (its name checked as on create; `auth_info` kept from the stored one when the
/// body's is empty and the auth mode, the body's or else the stored one, is not `NONE`),
/// and it is the body's `id` that is updated (`controller.UpdateInstance` reads
/// `instance.ID`: without one, 404 `instance 0 not found`); disabling an instance policies
/// use is 412; a vendor change is an uncoded error (`provider [<name>] vendor cannot be
/// changed`, Harbor's 500). The update writes every column (what the
/// body leaves out is Go's zero value); a default instance makes the others not default.
pub(crate) fn update_instance(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let mut body: Value = ctx.json()?;
    let (_, existing) = instance_by_name(s, ctx.path("preheat_instance_name"))?;
    let auth_empty = body["auth_info"].as_object().is_none_or(|m| m.is_empty());
    let mode = body["auth_mode"]
        .as_str()
        .filter(|m| !m.is_empty())
        .or_else(|| existing["auth_mode"].as_str())
        .unwrap_or_default()
        .to_owned();
    if auth_empty && mode != "NONE" {
        body["auth_info"] = existing["auth_info"].clone();
    }
    check_name(&body)?;
    let doc = instance_model(&body);
    let id = doc["id"].as_i64().unwrap_or(0);
    let old = instance_by_id(s, id)?;
    let old_name = old["name"].as_str().unwrap_or_default().to_owned();
    if doc["enabled"] != json!(true) && policies_using(s, id) {
        return Err(ApiError::precondition(format!(
            "Provider [{old_name}] cannot be disabled as some preheat policies are using it"
        )));
    }
    if old["vendor"] != doc["vendor"] {
        return Err(ApiError::uncoded(format!(
            "provider [{old_name}] vendor cannot be changed"
        )));
    }
    // The DAO's transaction clears the other defaults, then updates: the row's error undoes both.
    check_instance_columns(&doc)?;
    let instances = s.collections.entry(instances_key()).or_default();
    if doc["default"] == json!(true) {
        for (other, i) in instances.iter_mut() {
            if *other != id {
                i["default"] = json!(false);
            }
        }
    }
    instances.insert(id, doc);
    Ok(Reply::empty(StatusCode::OK))
}

/// `DeleteInstance`: by name; an instance a policy of any project uses is 412.
pub(crate) fn delete_instance(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (id, doc) = instance_by_name(s, ctx.path("preheat_instance_name"))?;
    if policies_using(s, id) {
        return Err(ApiError::precondition(format!(
            "Provider [{}] cannot be deleted as some preheat policies are using it",
            doc["name"].as_str().unwrap_or_default()
        )));
    }
    if let Some(c) = s.collections.get_mut(&instances_key()) {
        c.remove(&id);
    }
    Ok(Reply::empty(StatusCode::OK))
}

/// A policy as Harbor answers it (`convertPolicyToPayload`, then the provider's name):
/// `filters`, `trigger` and `extra_attrs` are the stored JSON text; `enabled` and the times
/// always written, empty strings and zeros omitted.
fn policy_view(s: &SimState, doc: &Value) -> Value {
    let mut out = serde_json::Map::new();
    copy_set(
        &mut out,
        doc,
        &[
            "id",
            "name",
            "description",
            "project_id",
            "provider_id",
            "filters",
            "trigger",
            "extra_attrs",
        ],
    );
    out.insert(
        "enabled".to_owned(),
        json!(doc["enabled"].as_bool().unwrap_or(false)),
    );
    for time in ["creation_time", "update_time"] {
        out.insert(
            time.to_owned(),
            doc.get(time)
                .filter(|t| t.is_string())
                .cloned()
                .unwrap_or_else(|| json!(crate::state::jobs::ZERO_TIME)),
        );
    }
    let provider = doc["provider_id"].as_i64().unwrap_or(0);
    if let Some(name) = instance_by_id(s, provider)
        .ok()
        .and_then(|i| i["name"].as_str().map(str::to_owned))
        .filter(|n| !n.is_empty())
    {
        out.insert("provider_name".to_owned(), json!(name));
    }
    Value::Object(out)
}

/// The policy named `{preheat_policy_name}` of `{project_name}`, with its id.
fn policy_doc(ctx: &Ctx, s: &SimState) -> ApiResult<(i64, Value)> {
    let (_, id) = policy_of(ctx, s)?;
    let doc = s.collections[&policies_key(ctx.path("project_name"))][&id].clone();
    Ok((id, doc))
}

/// The Go types `Schema.Decode` decodes a policy's strings into
/// (`src/pkg/p2p/preheat/models/policy/policy.go`).
pub(crate) static FILTER: Shape = Shape::Struct {
    type_name: "policy.Filter",
    name: "Filter",
    fields: &[("type", Shape::String), ("value", Shape::Any)],
};
pub(crate) static FILTERS: Shape = Shape::Slice {
    type_name: "[]*policy.Filter",
    element: &FILTER,
};
pub(crate) static TRIGGER: Shape = Shape::Struct {
    type_name: "policy.Trigger",
    name: "Trigger",
    fields: &[
        ("type", Shape::String),
        (
            "trigger_setting",
            Shape::Struct {
                type_name: "struct { Cron string \"json:\\\"cron,omitempty\\\"\" }",
                name: "",
                fields: &[("cron", Shape::String)],
            },
        ),
    ],
};

/// The controller's `Schema.Decode` then `ValidatePreheatPolicy` on a create's or update's
/// body: `filters` must be set and decode into `[]*policy.Filter`, `trigger` set and
/// decode into `policy.Trigger`, a non-empty `extra_attrs` decode into a map, in that
/// order, each refusal an uncoded error, Harbor's 500 (`missing filters in preheat policy
/// schema`, `missing trigger settings in preheat policy schema`, or Go's `json` error,
/// [`go_json`](crate::go_json)); then a `scheduled` trigger's non-empty cron must be one
/// `utils.ValidateCronString` takes: 400 `invalid cron string for scheduled preheat: <cron>,
/// error: <err>` (robfig's texts, [`crate::cron`]; a zone prefix without a space its panic).
/// The trigger's fields are found as Go's decoder finds them, ignoring case when no key is
/// exact. Answers the trigger's type and cron, which decide its schedule.
fn check_schema(body: &Value) -> ApiResult<(String, String)> {
    let text = |f: &str| body[f].as_str().unwrap_or_default().to_owned();
    for (field, missing, shape) in [
        (
            "filters",
            "missing filters in preheat policy schema",
            &FILTERS,
        ),
        (
            "trigger",
            "missing trigger settings in preheat policy schema",
            &TRIGGER,
        ),
    ] {
        let value = text(field);
        if value.is_empty() {
            return Err(ApiError::uncoded(missing));
        }
        go_json::unmarshal(&value, shape).map_err(|e| ApiError::uncoded(e.to_string()))?;
    }
    let extra_attrs = text("extra_attrs");
    if !extra_attrs.is_empty() {
        go_json::unmarshal(&extra_attrs, &Shape::MapOfAny)
            .map_err(|e| ApiError::uncoded(e.to_string()))?;
    }
    let trigger = trigger_type_and_cron(&text("trigger"));
    let (kind, cron) = (&trigger.0, &trigger.1);
    if kind == "scheduled" && !cron.is_empty() {
        crate::cron::check_scheduled_cron("preheat", cron)?;
    }
    Ok(trigger)
}

/// `CreatePolicy`: the name (see [`check_name`]), the project (its id overrides the body's),
/// the provider (404 `instance <id> not found`), then the controller: the times are now;
/// `filters` and `trigger` must be set and decode ([`check_schema`], uncoded errors: Harbor's
/// 500); a name the project has is 409 `policy <name> already exists`; the `Location` ends
/// with the name.
pub(crate) fn create_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let body: Value = ctx.json()?;
    check_name(&body)?;
    let project = ctx.path("project_name").to_owned();
    let project_id = s.project_id(&project, true)?;
    let provider = body["provider_id"].as_i64().unwrap_or(0);
    instance_by_id(s, provider)?;
    let text = |f: &str| body[f].as_str().unwrap_or_default().to_owned();
    let (kind, cron) = check_schema(&body)?;
    check_policy_columns(&body)?;
    let name = text("name");
    let key = policies_key(&project);
    if s.collections
        .get(&key)
        .is_some_and(|c| c.values().any(|p| p["name"].as_str() == Some(&name)))
    {
        return Err(ApiError::conflict(format!("policy {name} already exists")));
    }
    let id = s.ids.next("CreatePolicy");
    let now = crate::state::now();
    let doc = json!({
        "id": id,
        "name": name,
        "description": text("description"),
        "project_id": project_id,
        "provider_id": provider,
        "filters": text("filters"),
        "trigger": text("trigger"),
        "enabled": body["enabled"].as_bool().unwrap_or(false),
        "extra_attrs": text("extra_attrs"),
        "creation_time": now,
        "update_time": now,
    });
    s.collections.entry(key).or_default().insert(id, doc);
    // The controller's `CreatePolicy` schedules a scheduled trigger with a cron.
    if kind == "scheduled" && !cron.is_empty() {
        s.schedule_vendor(P2P_PREHEAT, id);
    }
    Ok(Reply::created(ctx.location(&name)))
}

/// `ListPolicies`: the project first, then `q` and `sort` on the policy table, by id by
/// default.
pub(crate) fn list_policies(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let project = ctx.path("project_name");
    s.project_id(project, true)?;
    let page = ctx.page()?;
    let filters = POLICY_TABLE.filters(&without_keys(ctx.filters()?, &["project_id"]))?;
    let mut rows: Vec<(Value, Value)> = s
        .collections
        .get(&policies_key(project))
        .into_iter()
        .flat_map(|c| c.values())
        .map(|d| {
            let view = policy_view(s, d);
            let mut row = view.clone();
            for column in ["name", "description", "filters", "trigger", "extra_attrs"] {
                if row.get(column).is_none() {
                    row[column] = json!("");
                }
            }
            (row, view)
        })
        .filter(|(row, _)| filters.iter().all(|(c, f)| column_matches(row, c, f)))
        .collect();
    sort_rows(
        &mut rows,
        &POLICY_TABLE.sorts(ctx.query("sort")),
        |(r, _)| r,
    );
    Ok(ctx.page_of(rows.into_iter().map(|(_, v)| v).collect(), page))
}

/// `GetPolicy`: by name in the project (PH1), with its provider's name.
pub(crate) fn get_policy(ctx: &Ctx, s: &SimState) -> ApiResult<Reply> {
    let (_, doc) = policy_doc(ctx, s)?;
    Ok(Reply::ok(&policy_view(s, &doc)))
}

/// `DeletePolicy`: by name in the project (PH1); a running execution of the policy is 412
/// `execution <id> under the policy <name> is running, stop it and retry`.
pub(crate) fn delete_policy(ctx: &Ctx, s: &mut SimState) -> ApiResult<Reply> {
    let (id, doc) = policy_doc(ctx, s)?;
    let now = crate::state::jobs::clock();
    if let Some(running) = s
        .executions
        .values()
        .filter(|e| e.kind == JobKind::Preheat && e.vendor_id == id)
        .find(|e| {
            let mut e = (*e).clone();
            e.refresh(now);
            e.status == JobStatus::Running
        })
    {
        return Err(ApiError::precondition(format!(
            "execution {} under the policy {} is running, stop it and retry",
            running.id,
            doc["name"].as_str().unwrap_or_default()
        )));
    }
    if let Some(c) = s
        .collections
        .get_mut(&policies_key(ctx.path("project_name")))
    {
        c.remove(&id);
    }
    s.unschedule_vendor(P2P_PREHEAT, id);
    Ok(Reply::empty(StatusCode::OK))
}
