//! Replication policies and their executions.

use serde::Serialize;
use serde_json::{Value, json};

use tokio::time::Instant;

use super::jobs::{JobKind, JobStatus, StatusRefresh, clock, task_log};
use super::lifecycle::{JobPlan, rfc3339};
use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A replication policy: Harbor's `ReplicationPolicy` document as written, with its id,
/// timestamps and registries resolved.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct ReplicationPolicy {
    /// The document.
    pub doc: Value,
}

impl ReplicationPolicy {
    /// The policy's id.
    pub fn id(&self) -> i64 {
        self.doc["id"].as_i64().unwrap_or_default()
    }

    /// The policy's name.
    pub fn name(&self) -> &str {
        self.doc["name"].as_str().unwrap_or_default()
    }

    /// Whether it reads from or writes to registry `id`.
    pub fn uses_registry(&self, id: i64) -> bool {
        ["src_registry", "dest_registry"]
            .iter()
            .any(|k| self.doc[k]["id"].as_i64() == Some(id))
    }
}

/// An execution, serialized as Harbor's `ReplicationExecution`, with its one task. Its
/// fields are as of the last [`ReplicationExecution::refresh`]; the task lives by a
/// [`JobPlan`] (see [`super::lifecycle`]).
#[derive(Debug, Clone, Serialize)]
pub struct ReplicationExecution {
    /// Its id.
    pub id: i64,
    /// Its policy.
    pub policy_id: i64,
    /// `InProgress`, `Succeed`, `Failed`, `Stopped` ([`JobStatus::replication_name`] of the
    /// task manager's execution status: `InProgress` while its task is queued too).
    pub status: String,
    /// `manual`, `scheduled`, `event_based`.
    pub trigger: String,
    /// RFC 3339.
    pub start_time: String,
    /// RFC 3339, once finished; Go's zero time before (`convertExecution` formats the unset
    /// time, `src/server/v2.0/handler/replication.go`).
    #[serde(serialize_with = "end_or_zero")]
    pub end_time: Option<String>,
    /// Detail.
    pub status_text: String,
    /// Tasks in total.
    pub total: i64,
    /// Failed tasks.
    pub failed: i64,
    /// Succeeded tasks.
    pub succeed: i64,
    /// Pending, scheduled and running tasks (`convertExecution` adds them up).
    pub in_progress: i64,
    /// Stopped tasks.
    pub stopped: i64,
    /// The id of its one task (from the task sequence all jobs share), which names its job
    /// in the job service.
    #[serde(skip)]
    pub task_id: i64,
    /// Its task's status.
    #[serde(skip)]
    pub task_status: JobStatus,
    /// When its task's current run started, once it has run.
    #[serde(skip)]
    pub task_start_time: Option<String>,
    /// Its task's log.
    #[serde(skip)]
    pub task_log: String,
    /// Its task's life.
    #[serde(skip)]
    pub plan: JobPlan,
    /// When its status is refreshed from its task's (see [`StatusRefresh`]).
    #[serde(skip)]
    pub status_refresh: StatusRefresh,
}

fn end_or_zero<S: serde::Serializer>(end: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(end.as_deref().unwrap_or(super::jobs::ZERO_TIME))
}

impl ReplicationExecution {
    /// The log of its task (empty while it has not run).
    pub fn log(&self) -> String {
        self.task_log.clone()
    }

    /// The log of its task, or [`super::jobs::log_not_written`] while it has not run.
    pub fn written_log(&self) -> ApiResult<String> {
        if self.task_status == JobStatus::Pending {
            return Err(super::jobs::log_not_written(&super::job_service::job_id(
                self.task_id,
            )));
        }
        Ok(self.task_log.clone())
    }

    /// Brings the execution to `now`: its task's status and the counts as they are, its
    /// status and end time as its last status refresh left them ([`StatusRefresh`]: a task
    /// that has ended shows in the counts before the status follows).
    pub fn refresh(&mut self, now: Instant) {
        let phase = self.plan.phase_at(now);
        let task = phase.status;
        let refreshed = self.status_refresh.last(std::iter::once(&self.plan), now);
        self.status = refreshed.status.replication_name().into();
        let one = |yes: bool| i64::from(yes);
        self.failed = one(task == JobStatus::Error);
        self.succeed = one(task == JobStatus::Success);
        self.in_progress = one(!task.is_final());
        self.stopped = one(task == JobStatus::Stopped);
        self.end_time = refreshed.ended.map(rfc3339);
        self.task_start_time = phase.started.map(rfc3339);
        self.task_log = task_log(
            "REPLICATION",
            &super::job_service::job_id(self.task_id),
            &format!(
                "replication task {} of execution {}: copying library/nginx:latest",
                self.task_id, self.id
            ),
            &phase,
        );
        self.task_status = task;
    }

    /// Stops its task at `now` if it is queued or running; whether it was.
    pub fn stop(&mut self, now: Instant) -> bool {
        let stopped = self.plan.stop(now);
        self.refresh(now);
        stopped
    }
}

/// Harbor's own registry as its replication answers it (`src/pkg/reg/manager.go`,
/// `getLocalRegistry`), the side of a policy that names no registry.
pub fn local_registry() -> Value {
    json!(super::registries::local_registry())
}

/// Whether `name` is a repository path component of the distribution reference grammar:
/// runs of `[a-z0-9]` joined by `.`, `_`, `__` or any number of `-`.
pub(crate) fn is_path_component(name: &str) -> bool {
    let bytes = name.as_bytes();
    let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !bytes.first().is_some_and(|b| alnum(*b)) || !bytes.last().is_some_and(|b| alnum(*b)) {
        return false;
    }
    let mut i = 0;
    while i < bytes.len() {
        if alnum(bytes[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < bytes.len() && !alnum(bytes[i]) {
            i += 1;
        }
        let sep = &name[start..i];
        if !(sep == "." || sep == "_" || sep == "__" || sep.bytes().all(|b| b == b'-')) {
            return false;
        }
    }
    true
}

/// Whether `host` is a registry domain of the grammar: labels of letters, digits and inner
/// `-`, joined by `.`, with an optional `:port`.
fn is_domain(host: &str) -> bool {
    let (name, port) = host.split_once(':').unwrap_or((host, ""));
    let label_ok = |l: &str| {
        let b = l.as_bytes();
        !b.is_empty()
            && b[0].is_ascii_alphanumeric()
            && b[b.len() - 1].is_ascii_alphanumeric()
            && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'-')
    };
    name.split('.').all(label_ok)
        && (!host.contains(':') || (!port.is_empty() && port.bytes().all(|b| b.is_ascii_digit())))
}

/// Harbor's `lib.RepositoryNameRe` (the distribution reference `NameRegexp`): path
/// components, the first of several possibly a domain.
pub fn is_repository_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('/').collect();
    let first_ok = is_path_component(parts[0]) || (parts.len() > 1 && is_domain(parts[0]));
    first_ok && parts[1..].iter().all(|p| is_path_component(p))
}

/// A replication filter as Harbor checks it (`Filter.Validate`, `src/pkg/reg/model/policy.go`).
fn check_filter(f: &Value) -> ApiResult<()> {
    let kind = f["type"].as_str().unwrap_or_default();
    let decoration = f["decoration"].as_str().unwrap_or_default();
    match kind {
        "resource" | "name" | "tag" => {
            let value = f["value"]
                .as_str()
                .ok_or_else(|| ApiError::bad_request("the type of filter value isn't string"))?;
            if kind == "resource" && value != "artifact" && value != "image" {
                return Err(ApiError::bad_request(format!(
                    "invalid resource filter: {value}"
                )));
            }
            if kind != "tag" && !decoration.is_empty() {
                return Err(ApiError::bad_request(
                    "only tag and label filter support decoration",
                ));
            }
        }
        "label" => {
            let all_text = f["value"]
                .as_array()
                .is_some_and(|labels| labels.iter().all(Value::is_string));
            if !all_text {
                return Err(ApiError::bad_request(
                    "the type of label filter value isn't string slice",
                ));
            }
        }
        _ => return Err(ApiError::bad_request("invalid filter type")),
    }
    if !decoration.is_empty() && decoration != "matches" && decoration != "excludes" {
        return Err(ApiError::bad_request(format!(
            "invalid filter decoration, :{decoration}"
        )));
    }
    Ok(())
}

/// A replication trigger as Harbor checks it (`Policy.Validate` in
/// `src/controller/replication/model/model.go`), its cron with robfig's parser, which panics
/// on a zone prefix without a space (beego's bare 500).
fn check_trigger(trigger: &Value) -> ApiResult<()> {
    match trigger["type"].as_str().unwrap_or_default() {
        "manual" | "event_based" => Ok(()),
        "scheduled" => {
            let cron = trigger["trigger_settings"]["cron"]
                .as_str()
                .unwrap_or_default();
            if cron.is_empty() {
                return Err(ApiError::bad_request(
                    "the cron string cannot be empty when the trigger type is scheduled",
                ));
            }
            match crate::cron::parse(cron) {
                Ok(_) => {}
                Err(crate::cron::CronRefusal::NoSpaceAfterZone) => {
                    return Err(crate::cron::CronRefusal::panic(cron));
                }
                Err(crate::cron::CronRefusal::Error(_)) => {
                    return Err(ApiError::bad_request(format!(
                        "invalid cron string for scheduled trigger: {cron}"
                    )));
                }
            }
            let parts: Vec<&str> = cron.split(' ').collect();
            if parts[0] != "0" {
                return Err(ApiError::bad_request(
                    "the 1st field (indicating Seconds of time) of the cron setting must be 0",
                ));
            }
            if parts.get(1) == Some(&"*") {
                return Err(ApiError::bad_request(
                    "* is not allowed for the Minutes field of the cron setting of replication policy",
                ));
            }
            Ok(())
        }
        _ => Err(ApiError::bad_request("invalid trigger type")),
    }
}

impl SimState {
    /// The registry a policy side names (0: Harbor's local registry), as the replication
    /// controller reads it (`validatePolicy`, `populateRegistry`: `regMgr.Get`).
    fn resolve_registry(&self, id: i64) -> ApiResult<Value> {
        if id == 0 {
            return Ok(local_registry());
        }
        let reg = self
            .registries
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
        Ok(json!(reg))
    }

    /// A policy as Harbor's create and update handlers build it from the body and its
    /// controller validates it (`CreateReplicationPolicy`, `Policy.Validate`,
    /// `validatePolicy`), in Harbor's stored and answered shape (`convertReplicationPolicy`):
    /// only the model's fields; `deletion` (the body's `replicate_deletion` is not read)
    /// answered under both names; `dest_namespace_replace_count` -1 when absent; a negative
    /// speed 0; `enabled`, `override` and the rest false when absent; false and empty
    /// values omitted (`omitempty`), `filters` `null` when there are none.
    fn fill_policy(&self, body: &Value, id: i64, created: &str) -> ApiResult<Value> {
        let text = |k: &str| body[k].as_str().unwrap_or_default().to_owned();
        let flag = |k: &str| body[k].as_bool().unwrap_or(false);
        let trigger = body.get("trigger").filter(|t| t.is_object());
        // The handler's own check, before the controller's: a plain `fmt.Errorf`, Harbor's
        // 500.
        if flag("single_active_replication") && trigger.is_some_and(|t| t["type"] == "event_based")
        {
            return Err(ApiError::uncoded(
                "single active replication is not allowed for event_based triggers",
            ));
        }
        let name = text("name");
        if name.is_empty() {
            return Err(ApiError::bad_request("empty name"));
        }
        let side = |k: &str| body[k]["id"].as_i64().unwrap_or(0);
        let (src, dest) = (side("src_registry"), side("dest_registry"));
        if (src != 0) == (dest != 0) {
            return Err(ApiError::bad_request(
                "either src_registry or dest_registry should be empty and the other one shouldn't be empty",
            ));
        }
        let filters: Vec<Value> = body["filters"].as_array().cloned().unwrap_or_default();
        for f in &filters {
            check_filter(f)?;
        }
        let dest_namespace = text("dest_namespace");
        if !dest_namespace.is_empty() && !is_repository_name(&dest_namespace) {
            return Err(ApiError::bad_request(format!(
                "invalid destination namespace: {dest_namespace}"
            )));
        }
        if let Some(t) = trigger {
            check_trigger(t)?;
        }
        let (src_registry, dest_registry) =
            (self.resolve_registry(src)?, self.resolve_registry(dest)?);
        let mut doc = serde_json::Map::new();
        doc.insert("id".into(), json!(id));
        doc.insert("name".into(), json!(name));
        let put_text = |doc: &mut serde_json::Map<String, Value>, k: &str| {
            let v = text(k);
            if !v.is_empty() {
                doc.insert(k.into(), json!(v));
            }
        };
        put_text(&mut doc, "description");
        put_text(&mut doc, "dest_namespace");
        doc.insert("src_registry".into(), src_registry);
        doc.insert("dest_registry".into(), dest_registry);
        doc.insert(
            "dest_namespace_replace_count".into(),
            json!(body["dest_namespace_replace_count"].as_i64().unwrap_or(-1)),
        );
        if let Some(t) = trigger {
            let mut stored = json!({});
            if let Some(kind) = t["type"].as_str().filter(|k| !k.is_empty()) {
                stored["type"] = json!(kind);
            }
            if let Some(settings) = t.get("trigger_settings").filter(|s| s.is_object()) {
                stored["trigger_settings"] =
                    match settings["cron"].as_str().filter(|c| !c.is_empty()) {
                        Some(cron) => json!({"cron": cron}),
                        None => json!({}),
                    };
            }
            doc.insert("trigger".into(), stored);
        }
        let filters: Vec<Value> = filters
            .iter()
            .map(|f| {
                let mut out = json!({});
                for k in ["type", "value", "decoration"] {
                    let keep = match &f[k] {
                        Value::Null => false,
                        Value::String(s) => !s.is_empty() || k == "value",
                        _ => true,
                    };
                    if keep {
                        out[k] = f[k].clone();
                    }
                }
                out
            })
            .collect();
        doc.insert(
            "filters".into(),
            if filters.is_empty() {
                Value::Null
            } else {
                json!(filters)
            },
        );
        for (k, v) in [
            ("deletion", flag("deletion")),
            ("replicate_deletion", flag("deletion")),
            ("override", flag("override")),
            ("enabled", flag("enabled")),
        ] {
            if v {
                doc.insert(k.into(), json!(true));
            }
        }
        doc.insert("creation_time".into(), json!(created));
        doc.insert("update_time".into(), json!(now()));
        doc.insert(
            "speed".into(),
            json!(body["speed"].as_i64().unwrap_or(0).max(0)),
        );
        doc.insert("copy_by_chunk".into(), json!(flag("copy_by_chunk")));
        doc.insert(
            "single_active_replication".into(),
            json!(flag("single_active_replication")),
        );
        Ok(Value::Object(doc))
    }

    /// Creates a policy: `SimState::fill_policy`, then 409 on a name taken
    /// (`replication policy <name> already exists`, `dao.Create`).
    pub fn create_replication_policy(&mut self, body: Value) -> ApiResult<i64> {
        let doc = self.fill_policy(&body, 0, &now())?;
        let name = doc["name"].as_str().unwrap_or_default();
        if self.replication_policies.values().any(|p| p.name() == name) {
            return Err(ApiError::conflict(format!(
                "replication policy {name} already exists"
            )));
        }
        let id = self.ids.next("replication_policy");
        let mut doc = doc;
        doc["id"] = json!(id);
        let scheduled = doc["trigger"]["type"] == "scheduled";
        self.replication_policies
            .insert(id, ReplicationPolicy { doc });
        // The controller's `CreatePolicy` schedules a scheduled policy.
        if scheduled {
            self.schedule_vendor(super::scheduler::REPLICATION, id);
        }
        Ok(id)
    }

    /// Replaces a policy with the body, as `UpdateReplicationPolicy` does (every column
    /// written: an absent field is its zero value; the creation time is kept); 404
    /// `replication policy <id> not found`, 409 on a name another policy has.
    pub fn update_replication_policy(&mut self, id: i64, body: Value) -> ApiResult<()> {
        let created = self
            .replication_policies
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("replication policy {id} not found")))?
            .doc["creation_time"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let doc = self.fill_policy(&body, id, &created)?;
        // The controller's `UpdatePolicy` unschedules the policy once it is valid, before the
        // update, and schedules it again, with a new row, when it is scheduled. An update a
        // taken name fails leaves the schedule: the `transaction` middleware rolls back the
        // request's writes, the unscheduling's included.
        let name = doc["name"].as_str().unwrap_or_default();
        if self
            .replication_policies
            .values()
            .any(|p| p.id() != id && p.name() == name)
        {
            return Err(ApiError::conflict(format!(
                "replication policy {name} already exists"
            )));
        }
        self.unschedule_vendor(super::scheduler::REPLICATION, id);
        let scheduled = doc["trigger"]["type"] == "scheduled";
        self.replication_policies
            .insert(id, ReplicationPolicy { doc });
        if scheduled {
            self.schedule_vendor(super::scheduler::REPLICATION, id);
        }
        Ok(())
    }

    /// Starts an execution of a policy.
    pub fn start_replication(&mut self, policy_id: i64) -> ApiResult<i64> {
        let policy = self.replication_policies.get(&policy_id).ok_or_else(|| {
            ApiError::not_found(format!("replication policy {policy_id} not found"))
        })?;
        if policy.doc["enabled"] != json!(true) {
            return Err(ApiError::precondition(format!(
                "the policy {policy_id} is disabled"
            )));
        }
        let id = self.ids.next("replication_execution");
        let task_id = self.ids.next("task");
        let plan = self
            .draw_plans(JobKind::Replication, 1)
            .pop()
            .expect("one plan drawn");
        let mut execution = ReplicationExecution {
            id,
            policy_id,
            status: String::new(),
            trigger: "manual".into(),
            start_time: rfc3339(plan.born_wall()),
            end_time: None,
            status_text: String::new(),
            total: 1,
            failed: 0,
            succeed: 0,
            in_progress: 1,
            stopped: 0,
            task_id,
            task_status: JobStatus::Pending,
            task_start_time: None,
            task_log: String::new(),
            plan,
            status_refresh: self.status_refresh,
        };
        execution.refresh(clock());
        self.replication_executions.insert(id, execution);
        Ok(id)
    }

    /// Reads a replication execution as it is now; 404 `replication execution <id> not
    /// found`.
    pub fn read_replication(&mut self, id: i64) -> ApiResult<ReplicationExecution> {
        let e = self
            .replication_executions
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("replication execution {id} not found")))?;
        e.refresh(clock());
        Ok(e.clone())
    }

    /// Stops an execution: its task ends `Stopped` if it is queued or running, a finished
    /// one is unchanged (see [`super::jobs`]).
    pub fn stop_replication(&mut self, id: i64) -> ApiResult<()> {
        let e = self
            .replication_executions
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("replication execution {id} not found")))?;
        e.stop(clock());
        Ok(())
    }
}
