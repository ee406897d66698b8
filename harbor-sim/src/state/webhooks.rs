//! Webhook policies of projects.

use serde::Serialize;
use serde_json::{Value, json};

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
    /// Creates a webhook policy; 409 on a duplicate name in the project.
    pub fn create_webhook(
        &mut self,
        project_id: i64,
        mut doc: Value,
        creator: &str,
    ) -> ApiResult<i64> {
        let name = doc
            .get("name")
            .and_then(Value::as_str)
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::bad_request("policy name is required"))?
            .to_owned();
        let targets_ok = doc
            .get("targets")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty());
        let events_ok = doc
            .get("event_types")
            .and_then(Value::as_array)
            .is_some_and(|t| !t.is_empty());
        if !targets_ok || !events_ok {
            return Err(ApiError::bad_request(
                "a webhook policy needs targets and event_types",
            ));
        }
        if self
            .webhooks
            .values()
            .any(|w| w.project_id == project_id && w.doc["name"] == json!(name))
        {
            return Err(ApiError::conflict(format!(
                "webhook policy {name} already exists"
            )));
        }
        let id = self.ids.next("webhook");
        let now = now();
        doc["id"] = json!(id);
        doc["project_id"] = json!(project_id);
        doc["creator"] = json!(creator);
        doc["creation_time"] = json!(now);
        doc["update_time"] = json!(now);
        if doc.get("enabled").is_none() {
            doc["enabled"] = json!(true);
        }
        self.webhooks.insert(id, WebhookPolicy { doc, project_id });
        Ok(id)
    }

    /// A project's webhook policy, 404 when it belongs to another project.
    pub fn webhook(&self, project_id: i64, id: i64) -> ApiResult<&WebhookPolicy> {
        self.webhooks
            .get(&id)
            .filter(|w| w.project_id == project_id)
            .ok_or_else(|| ApiError::not_found(format!("webhook policy {id} not found")))
    }

    /// Replaces a webhook policy's fields.
    pub fn update_webhook(&mut self, project_id: i64, id: i64, patch: Value) -> ApiResult<()> {
        self.webhook(project_id, id)?;
        let w = self
            .webhooks
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("webhook policy not found"))?;
        if let Value::Object(fields) = patch {
            for (k, v) in fields {
                if !matches!(
                    k.as_str(),
                    "id" | "project_id" | "creation_time" | "creator"
                ) {
                    w.doc[k] = v;
                }
            }
        }
        w.doc["update_time"] = json!(now());
        Ok(())
    }
}
