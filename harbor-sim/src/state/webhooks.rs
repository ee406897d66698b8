//! Webhook policies of projects, and their deliveries as the legacy job list shows them
//! (what reaches them: `src/state/webhook_events.rs`).

use serde::Serialize;
use serde_json::{Value, json};

use super::jobs::JobKind;
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
    /// A policy's deliveries as the legacy job list shows them (`WebhookJob.ToSwagger` in
    /// `src/server/v2.0/handler/model/webhook_job.go`): one per execution, which holds one
    /// task, newest first, with the execution's id, status and times, `http` or `slack` by
    /// its vendor type, and its event type and payload.
    pub fn webhook_jobs(&mut self, policy_id: i64) -> Vec<Value> {
        let runs = self.read_executions_of(&HOOK_KINDS, |e| e.vendor_id == policy_id);
        runs.iter()
            .map(|e| {
                json!({
                    "id": e.id,
                    "policy_id": policy_id,
                    "event_type": e.extra_attrs["event_type"],
                    "notify_type": if e.kind == JobKind::Slack { "slack" } else { "http" },
                    "status": e.status.as_str(),
                    "job_detail": e.extra_attrs["payload"],
                    "creation_time": e.start_time,
                    "update_time": e.update_time,
                })
            })
            .collect()
    }
}

/// The kinds of a webhook policy's executions (`webhookJobVendors` in
/// `src/controller/webhook/controller.go`).
pub const HOOK_KINDS: [JobKind; 2] = [JobKind::Webhook, JobKind::Slack];

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
