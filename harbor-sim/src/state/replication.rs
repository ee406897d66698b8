//! Replication policies and their executions.

use serde::Serialize;
use serde_json::{Value, json};

use super::job_work::JobWork;
use super::jobs::{JobKind, JobStatus, NewExecution, clock};
use super::replication_flow::{ArtifactEvent, ArtifactEventKind, FlowOutcome, NOTHING_TO_COPY};
use super::repositories::Artifact;
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

    /// Starts an execution of a policy as the replication controller's `Start` does: 412
    /// for a disabled policy; an execution marked failed at once when the policy allows one
    /// active execution and one runs; else the copy flow (`src/state/replication_flow.rs`),
    /// whose tasks live by the plans drawn for replication jobs. `trigger` is the task
    /// manager's (`MANUAL`, `SCHEDULE`, `EVENT`); `operator` the user who starts it.
    pub fn start_replication(
        &mut self,
        policy_id: i64,
        trigger: &'static str,
        operator: &str,
    ) -> ApiResult<i64> {
        self.start_replication_of(policy_id, trigger, operator, None)
    }

    /// The event replication reads of `kind` on `artifact` (the artifact itself, or a copy
    /// of a deleted one) with the event's `tags`, as Harbor's replication event handler
    /// builds it; `None` when no policy is event-based, so that an event costs nothing then.
    pub(crate) fn artifact_event(
        &self,
        kind: ArtifactEventKind,
        artifact: &Artifact,
        tags: Vec<String>,
    ) -> Option<ArtifactEvent> {
        if !self
            .replication_policies
            .values()
            .any(|p| p.doc["trigger"]["type"] == "event_based")
        {
            return None;
        }
        let labels = artifact
            .label_ids
            .iter()
            .filter_map(|l| self.labels.get(l).map(|l| l.name.clone()))
            .collect();
        Some(ArtifactEvent::new(
            kind,
            self.repository_name(artifact.repository_id),
            artifact.kind(),
            &artifact.digest,
            tags,
            labels,
        ))
    }

    /// What an artifact event does to replication (`repevent.Handle`): every policy it
    /// concerns runs over the event's resource, triggered `EVENT`.
    pub(crate) fn replicate_event(&mut self, event: &ArtifactEvent) {
        let operator = self.admin_name();
        for policy in self.policies_for_event(event) {
            // The policy exists and is enabled: `policies_for_event` chose it.
            let _ = self.start_replication_of(policy, "EVENT", &operator, Some(event));
        }
    }

    fn start_replication_of(
        &mut self,
        policy_id: i64,
        trigger: &'static str,
        operator: &str,
        event: Option<&ArtifactEvent>,
    ) -> ApiResult<i64> {
        let policy = self.replication_policies.get(&policy_id).ok_or_else(|| {
            ApiError::not_found(format!("replication policy {policy_id} not found"))
        })?;
        if policy.doc["enabled"] != json!(true) {
            return Err(ApiError::precondition(format!(
                "the policy {policy_id} is disabled"
            )));
        }
        let doc = policy.doc.clone();
        let single = doc["single_active_replication"] == json!(true);
        let now = clock();
        let running = single
            && self.executions.values_mut().any(|e| {
                if e.kind != JobKind::Replication || e.vendor_id != policy_id {
                    return false;
                }
                e.refresh(now);
                e.status == JobStatus::Running
            });
        let (tasks, ending) = if running {
            (Vec::new(), Some((JobStatus::Error, SKIPPED.to_owned())))
        } else {
            match self.replication_flow(&doc, event) {
                FlowOutcome::Tasks(tasks) => (tasks, None),
                FlowOutcome::NothingToCopy => (
                    Vec::new(),
                    Some((JobStatus::Success, NOTHING_TO_COPY.to_owned())),
                ),
                FlowOutcome::Failed(message) => (Vec::new(), Some((JobStatus::Error, message))),
            }
        };
        let mut pulls = Vec::new();
        let tasks = tasks
            .into_iter()
            .map(|t| {
                pulls.extend(t.pull.map(JobWork::ReplicationPull));
                (t.extra_attrs, t.first_log_line)
            })
            .collect();
        let id = self.start_execution(NewExecution {
            kind: JobKind::Replication,
            vendor_id: policy_id,
            trigger,
            extra_attrs: json!({"operator": operator}),
            operator: operator.to_owned(),
            tasks,
        });
        if let (Some((status, message)), Some(e)) = (ending, self.executions.get_mut(&id)) {
            e.mark(status, message, now);
        }
        // A pull's tasks copy their tags in when they run; a push's tasks all copy out.
        if !pulls.is_empty() {
            self.defer_work(id, pulls);
        }
        // Each task's status changes are `REPLICATION` events, the first as it runs.
        let tasks: Vec<i64> = self.executions[&id].tasks.iter().map(|t| t.id).collect();
        for task in tasks {
            self.defer_task_work(id, task, JobWork::ReplicationStatus { change: 0 });
        }
        Ok(id)
    }
}

/// The `status_text` of an execution a single-active policy skips (`Start`).
pub(crate) const SKIPPED: &str = "Execution skipped: active replication still in progress.";
