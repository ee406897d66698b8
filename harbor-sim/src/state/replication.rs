//! Replication policies and their executions.

use serde::Serialize;
use serde_json::{Value, json};

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

/// An execution, serialized as Harbor's `ReplicationExecution`.
#[derive(Debug, Clone, Serialize)]
pub struct ReplicationExecution {
    /// Its id.
    pub id: i64,
    /// Its policy.
    pub policy_id: i64,
    /// `InProgress`, `Succeed`, `Failed`, `Stopped`.
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
    /// Running tasks.
    pub in_progress: i64,
    /// Stopped tasks.
    pub stopped: i64,
    /// The id of its one task (from the task sequence all jobs share), which names its job
    /// in the job service.
    #[serde(skip)]
    pub task_id: i64,
}

fn end_or_zero<S: serde::Serializer>(end: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(end.as_deref().unwrap_or(super::jobs::ZERO_TIME))
}

impl ReplicationExecution {
    /// The log of its task.
    pub fn log(&self) -> String {
        let mut log = format!(
            "{} [INFO] replication task {} of execution {}: copying library/nginx:latest\n",
            self.start_time, self.task_id, self.id
        );
        if let Some(end) = &self.end_time {
            log.push_str(&format!("{end} [INFO] the job is {}\n", self.status));
        }
        log
    }

    /// What follows a read (the life of [`super::jobs`]): an execution a read has shown
    /// `InProgress` ends as `Succeed`.
    pub fn advance(&mut self) {
        if self.status != "InProgress" {
            return;
        }
        (self.status, self.succeed, self.in_progress, self.end_time) =
            ("Succeed".into(), self.total, 0, Some(now()));
    }
}

/// Harbor's own registry as its replication answers it (`src/pkg/reg/manager.go`,
/// `getLocalRegistry`), the side of a policy that names no registry.
pub fn local_registry() -> Value {
    json!({
        "id": 0,
        "name": "Local",
        "type": "harbor",
        "url": "http://core:8080",
        "description": "",
        "insecure": true,
        "status": "healthy",
        "credential": {"type": "secret", "access_key": "", "access_secret": "*****"},
        "creation_time": super::jobs::ZERO_TIME,
        "update_time": super::jobs::ZERO_TIME,
    })
}

impl SimState {
    /// The registry a policy names, or Harbor's local registry (id 0) when it names none,
    /// as Harbor's replication controller fills it (`populateRegistry`).
    fn resolve_registry(&self, doc: &Value, key: &str) -> ApiResult<Value> {
        let id = doc
            .get(key)
            .and_then(|r| r.get("id"))
            .and_then(Value::as_i64)
            .unwrap_or(0);
        if id == 0 {
            return Ok(local_registry());
        }
        let reg = self
            .registries
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("registry {id} not found")))?;
        Ok(json!(reg))
    }

    fn fill_policy(&self, mut doc: Value, id: i64, created: &str) -> ApiResult<Value> {
        let name = doc
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned();
        if name.is_empty() {
            return Err(ApiError::bad_request("policy name is required"));
        }
        // Exactly one side is a registry endpoint; the other is Harbor itself.
        let src = self.resolve_registry(&doc, "src_registry")?;
        let dest = self.resolve_registry(&doc, "dest_registry")?;
        if (src["id"] == json!(0)) == (dest["id"] == json!(0)) {
            return Err(ApiError::bad_request(
                "either src_registry or dest_registry should be empty and the other one shouldn't be empty",
            ));
        }
        doc["id"] = json!(id);
        doc["src_registry"] = src;
        doc["dest_registry"] = dest;
        doc["creation_time"] = json!(created);
        doc["update_time"] = json!(now());
        if doc.get("enabled").is_none() {
            doc["enabled"] = json!(true);
        }
        Ok(doc)
    }

    /// Creates a policy; 409 on a duplicate name.
    pub fn create_replication_policy(&mut self, doc: Value) -> ApiResult<i64> {
        let name = doc.get("name").and_then(Value::as_str).unwrap_or_default();
        if self.replication_policies.values().any(|p| p.name() == name) {
            return Err(ApiError::conflict(format!("policy {name} already exists")));
        }
        let id = self.ids.next("replication_policy");
        let doc = self.fill_policy(doc, id, &now())?;
        self.replication_policies
            .insert(id, ReplicationPolicy { doc });
        Ok(id)
    }

    /// Replaces a policy.
    pub fn update_replication_policy(&mut self, id: i64, doc: Value) -> ApiResult<()> {
        let current = self
            .replication_policies
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("policy {id} not found")))?;
        let created = current.doc["creation_time"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        let name = doc.get("name").and_then(Value::as_str).unwrap_or_default();
        if self
            .replication_policies
            .values()
            .any(|p| p.id() != id && p.name() == name)
        {
            return Err(ApiError::conflict(format!("policy {name} already exists")));
        }
        let doc = self.fill_policy(doc, id, &created)?;
        self.replication_policies
            .insert(id, ReplicationPolicy { doc });
        Ok(())
    }

    /// Starts an execution of a policy.
    pub fn start_replication(&mut self, policy_id: i64) -> ApiResult<i64> {
        let policy = self
            .replication_policies
            .get(&policy_id)
            .ok_or_else(|| ApiError::not_found(format!("policy {policy_id} not found")))?;
        if policy.doc["enabled"] == json!(false) {
            return Err(ApiError::precondition(format!(
                "the policy {policy_id} is disabled"
            )));
        }
        let id = self.ids.next("replication_execution");
        let task_id = self.ids.next("task");
        self.replication_executions.insert(
            id,
            ReplicationExecution {
                id,
                policy_id,
                status: "InProgress".into(),
                trigger: "manual".into(),
                start_time: now(),
                end_time: None,
                status_text: String::new(),
                total: 1,
                failed: 0,
                succeed: 0,
                in_progress: 1,
                stopped: 0,
                task_id,
            },
        );
        Ok(id)
    }

    /// Stops a running execution.
    pub fn stop_replication(&mut self, id: i64) -> ApiResult<()> {
        let e = self
            .replication_executions
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("execution {id} not found")))?;
        if e.status == "InProgress" {
            e.status = "Stopped".into();
            e.in_progress = 0;
            e.stopped = 1;
            e.end_time = Some(now());
        }
        Ok(())
    }
}
