//! Webhook policies of projects.

use serde::Serialize;
use serde_json::{Value, json};

use super::jobs::{JobKind, NewExecution, clock};
use super::lifecycle::{Outcome, rfc3339};
use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A webhook policy: Harbor's `WebhookPolicy` document as written, with id and project.
#[derive(Debug, Clone, Serialize)]
#[serde(transparent)]
pub struct WebhookPolicy {
    /// The document.
    pub doc: Value,
    /// Its project.
    #[serde(skip)]
    pub project_id: i64,
}

impl SimState {
    /// Creates a webhook policy (checked as Harbor's handler checks it by the caller); 409 on
    /// a duplicate name in the project.
    pub fn create_webhook(
        &mut self,
        project_id: i64,
        mut doc: Value,
        creator: &str,
    ) -> ApiResult<i64> {
        let name = doc["name"].as_str().unwrap_or_default().to_owned();
        // The policy table's unique name (`dao.Create` in
        // `src/pkg/notification/policy/dao/dao.go`).
        if self
            .webhooks
            .values()
            .any(|w| w.project_id == project_id && w.doc["name"] == json!(name))
        {
            return Err(ApiError::conflict(format!(
                "notification policy named {name} already exists"
            )));
        }
        let id = self.ids.next("webhook");
        let now = now();
        doc["id"] = json!(id);
        doc["project_id"] = json!(project_id);
        doc["creator"] = json!(creator);
        doc["creation_time"] = json!(now);
        doc["update_time"] = json!(now);
        // Go's zero value: a policy created without `enabled` is disabled.
        if doc.get("enabled").is_none() {
            doc["enabled"] = json!(false);
        }
        self.webhooks.insert(id, WebhookPolicy { doc, project_id });
        Ok(id)
    }

    /// A project's webhook policy, 404 when it belongs to another project.
    pub fn webhook(&self, project_id: i64, id: i64) -> ApiResult<&WebhookPolicy> {
        self.webhooks
            .get(&id)
            .filter(|w| w.project_id == project_id)
            .ok_or_else(|| match self.webhooks.get(&id) {
                // `requirePolicyInProject` (`src/server/v2.0/handler/webhook.go`).
                Some(_) => ApiError::not_found(format!(
                    "resource not found: project id:{project_id}, webhook policy id: {id} not found"
                )),
                None => ApiError::not_found(format!("notificationPolicy {id} not found")),
            })
    }

    /// Replaces a webhook policy's fields.
    pub fn update_webhook(&mut self, project_id: i64, id: i64, patch: Value) -> ApiResult<()> {
        self.webhook(project_id, id)?;
        if let Some(name) = patch.get("name").and_then(Value::as_str)
            && self.webhooks.values().any(|w| {
                w.project_id == project_id
                    && w.doc["id"] != json!(id)
                    && w.doc["name"] == json!(name)
            })
        {
            return Err(ApiError::conflict(format!(
                "notification policy named {name} already exists"
            )));
        }
        let w = self
            .webhooks
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("webhook policy not found"))?;
        if let Value::Object(fields) = patch {
            for (k, v) in fields {
                if !matches!(k.as_str(), "id" | "project_id") {
                    w.doc[k] = v;
                }
            }
        }
        w.doc["update_time"] = json!(now());
        Ok(())
    }
}

impl SimState {
    /// What Harbor's event bus does on an event in a project: every enabled policy of the
    /// project that subscribes to `event_type` gets an execution with one task per target.
    /// Each delivery is a task living by the webhook [`super::Lifecycle`]; one to a target
    /// whose host the simulated Harbor cannot reach ([`super::Reachability`]) fails, as a
    /// real delivery would.
    pub fn notify(&mut self, project_id: i64, event_type: &str, resource: &str) {
        let policies: Vec<(i64, Vec<Value>)> = self
            .webhooks
            .iter()
            .filter(|(_, w)| w.project_id == project_id && w.doc["enabled"] != json!(false))
            .filter(|(_, w)| {
                w.doc["event_types"]
                    .as_array()
                    .is_some_and(|e| e.iter().any(|t| t == event_type))
            })
            .map(|(id, w)| {
                (
                    *id,
                    w.doc["targets"].as_array().cloned().unwrap_or_default(),
                )
            })
            .collect();
        for (policy_id, targets) in policies {
            let payload = json!({"type": event_type, "occur_at": now(), "operator": "admin",
                "event_data": {"resources": [{"resource_url": resource}]}})
            .to_string();
            let tasks = targets
                .iter()
                .map(|t| {
                    let address = t["address"].as_str().unwrap_or_default().to_owned();
                    (
                        json!({"event_type": event_type, "type": t["type"].as_str().unwrap_or("http"), "address": address, "payload": payload}),
                        format!("sending {event_type} to {address}"),
                    )
                })
                .collect();
            // A target the simulated Harbor cannot reach fails its delivery.
            let outcomes = targets
                .iter()
                .map(|t| {
                    let reached = self
                        .reachability
                        .reaches(t["address"].as_str().unwrap_or_default());
                    (!reached).then(|| Outcome::Failure {
                        message: "dial tcp: lookup failed: no such host".into(),
                    })
                })
                .collect();
            let plans = self.draw_plans_with(JobKind::Webhook, outcomes);
            self.start_planned_execution(
                NewExecution {
                    kind: JobKind::Webhook,
                    vendor_id: policy_id,
                    trigger: "EVENT",
                    extra_attrs: json!({"event_type": event_type, "payload": payload}),
                    operator: "admin".into(),
                    tasks,
                },
                plans,
            );
        }
    }

    /// A project's webhook executions as Harbor's `WebhookJob`s (the legacy job list).
    pub fn webhook_jobs(&self, policy_id: i64) -> Vec<Value> {
        self.executions
            .values()
            .rev()
            .filter(|e| e.kind == JobKind::Webhook && e.vendor_id == policy_id)
            .flat_map(|e| {
                e.tasks.iter().map(move |t| {
                    let phase = t.plan.phase_at(clock());
                    json!({
                        "id": t.id,
                        "policy_id": policy_id,
                        "event_type": t.extra_attrs["event_type"],
                        "notify_type": t.extra_attrs["type"],
                        "status": phase.status.as_str(),
                        "job_detail": t.extra_attrs["payload"],
                        "creation_time": t.creation_time,
                        "update_time": rfc3339(phase.since),
                    })
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_policy_of_one_name_is_refused_in_harbors_words() {
        let mut s = SimState::with_admin("admin", "pw");
        let doc = json!({"name": "a", "event_types": ["PUSH_ARTIFACT"], "targets": [{"type": "http", "address": "http://a.example"}]});
        s.create_webhook(1, doc.clone(), "admin")
            .expect("the first is created");
        let again = s.create_webhook(1, doc, "admin").unwrap_err();
        assert_eq!(again.message, "notification policy named a already exists");
        assert_eq!(again.status.as_u16(), 409);
    }
}
