//! Tag retention policies and their runs, bound to projects as Harbor binds them
//! (`src/server/v2.0/handler/retention.go`): a project has at most one policy, whose id its
//! `retention_id` metadata holds from creation to deletion.

use serde_json::{Value, json};

use super::jobs::{Execution, JobKind, NewExecution};
use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// Harbor's cap on the rules of one policy.
const MAX_RULES: usize = 15;

/// The project a policy document is scoped to, as Harbor checks it on create.
fn scope_project(doc: &Value) -> ApiResult<i64> {
    let level = doc["scope"]["level"].as_str().unwrap_or_default();
    if level != "project" {
        return Err(ApiError::bad_request(format!(
            "scope {level} is not support"
        )));
    }
    Ok(doc["scope"]["ref"].as_i64().unwrap_or(0))
}

/// Refuses more than 15 rules (400) and two identical rules (409), as Harbor does.
fn check_rules(doc: &Value) -> ApiResult<()> {
    let rules = doc["rules"].as_array().cloned().unwrap_or_default();
    if rules.len() > MAX_RULES {
        return Err(ApiError::bad_request("only 15 rules are allowed at most"));
    }
    let without_id = |r: &Value| {
        let mut r = r.clone();
        if let Some(o) = r.as_object_mut() {
            o.remove("id");
        }
        r
    };
    for (n, rule) in rules.iter().enumerate() {
        if let Some(old) = rules[..n]
            .iter()
            .position(|r| without_id(r) == without_id(rule))
        {
            return Err(ApiError::conflict(format!(
                "rule {n} is conflict with rule {old}"
            )));
        }
    }
    Ok(())
}

/// The policy document as stored and answered: rule ids numbered, defaults filled.
fn normalized(mut doc: Value, id: i64) -> Value {
    doc["id"] = json!(id);
    if doc.get("algorithm").is_none_or(Value::is_null) {
        doc["algorithm"] = json!("or");
    }
    if let Some(rules) = doc.get_mut("rules").and_then(Value::as_array_mut) {
        for (n, rule) in rules.iter_mut().enumerate() {
            rule["id"] = json!(n);
        }
    } else {
        doc["rules"] = json!([]);
    }
    doc
}

/// A retention execution as Harbor's `RetentionExecution`.
pub fn execution_model(e: &Execution) -> Value {
    json!({
        "id": e.id,
        "policy_id": e.vendor_id,
        "start_time": e.start_time,
        "end_time": e.end_time_or_zero(),
        "status": e.status.as_str(),
        "trigger": e.trigger,
        "dry_run": e.extra_attrs["dry_run"].as_bool().unwrap_or(false),
        "operator": e.operator,
    })
}

/// The tasks of a retention execution as Harbor's `RetentionExecutionTask`s.
pub fn task_models(e: &Execution) -> Vec<Value> {
    e.tasks
        .iter()
        .map(|t| {
            json!({
                "id": t.id,
                "execution_id": t.execution_id,
                "repository": t.extra_attrs["repository"],
                "job_id": t.job_id(),
                "status": t.status.as_str(),
                "status_code": t.status.code(),
                "status_revision": t.run_count,
                "start_time": t.start_time.as_deref().unwrap_or(super::jobs::ZERO_TIME),
                "end_time": t.end_time.as_deref().unwrap_or(super::jobs::ZERO_TIME),
                "total": t.extra_attrs["total"],
                "retained": t.extra_attrs["retained"],
            })
        })
        .collect()
}

impl SimState {
    /// Creates a policy and records it in its project's `retention_id`; a project that
    /// already has one is refused (400), as Harbor refuses it.
    pub fn create_retention(&mut self, doc: Value) -> ApiResult<i64> {
        check_rules(&doc)?;
        let project_id = scope_project(&doc)?;
        let project = self
            .projects
            .get(&project_id)
            .filter(|_| project_id > 0)
            .ok_or_else(|| ApiError::bad_request(format!("invalid Project id {project_id}")))?;
        if let Some(old) = project.metadata.get("retention_id") {
            return Err(ApiError::bad_request(format!(
                "project {project_id} already has retention policy {old}"
            )));
        }
        let id = self.ids.next("retention");
        self.retentions.insert(id, normalized(doc, id));
        if let Some(mut p) = self.projects.get_mut(&project_id) {
            p.metadata.insert("retention_id".into(), id.to_string());
            p.update_time = now();
        }
        Ok(id)
    }

    /// A policy by id.
    pub fn retention(&self, id: i64) -> ApiResult<&Value> {
        self.retentions
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("no such Retention policy with id {id}")))
    }

    /// A policy by id for the operations where Harbor wraps "not found" as a bad request
    /// (delete, trigger, list runs).
    fn retention_or_bad_request(&self, id: i64) -> ApiResult<&Value> {
        self.retention(id)
            .map_err(|e| ApiError::bad_request(e.message))
    }

    /// The project a stored policy belongs to.
    fn retention_project(&self, id: i64) -> i64 {
        self.retentions
            .get(&id)
            .and_then(|d| d["scope"]["ref"].as_i64())
            .unwrap_or(0)
    }

    /// Replaces a policy's rules and trigger; its scope stays.
    pub fn update_retention(&mut self, id: i64, doc: Value) -> ApiResult<()> {
        check_rules(&doc)?;
        let scope = self.retention(id)?["scope"].clone();
        let mut doc = normalized(doc, id);
        doc["scope"] = scope;
        self.retentions.insert(id, doc);
        Ok(())
    }

    /// Deletes a policy and clears its project's `retention_id`.
    pub fn delete_retention(&mut self, id: i64) -> ApiResult<()> {
        self.retention_or_bad_request(id)?;
        let project = self.retention_project(id);
        self.retentions.remove(&id);
        if let Some(mut p) = self.projects.get_mut(&project) {
            p.metadata.remove("retention_id");
        }
        self.executions
            .retain(|_, e| !(e.kind == JobKind::Retention && e.vendor_id == id));
        Ok(())
    }

    /// Runs a policy: one task per repository of its project.
    pub fn trigger_retention(&mut self, id: i64, dry_run: bool, operator: &str) -> ApiResult<i64> {
        self.retention_or_bad_request(id)?;
        let project = self.retention_project(id);
        let tasks = self
            .repositories
            .values()
            .filter(|r| r.project_id == project)
            .map(|r| {
                let total = self
                    .artifacts
                    .values()
                    .filter(|a| a.repository_id == r.id)
                    .count();
                (
                    json!({"repository": r.name, "total": total, "retained": total, "dry_run": dry_run}),
                    format!(
                        "retention of {}: {total} candidates, {total} retained{}",
                        r.name,
                        if dry_run { " (dry run)" } else { "" }
                    ),
                )
            })
            .collect();
        Ok(self.start_execution(NewExecution {
            kind: JobKind::Retention,
            vendor_id: id,
            trigger: "MANUAL",
            extra_attrs: json!({"dry_run": dry_run, "operator": operator}),
            operator: operator.to_owned(),
            tasks,
        }))
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
