//! Storage quotas, one per project.

use serde::Serialize;
use serde_json::{Value, json};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A quota, serialized as Harbor's `Quota`.
#[derive(Debug, Clone, Serialize)]
pub struct Quota {
    /// Its id.
    pub id: i64,
    /// `{"id", "name", "owner_name"}` of the project.
    #[serde(rename = "ref")]
    pub reference: Value,
    /// Limits: `{"storage": bytes}`, -1 unlimited.
    pub hard: Value,
    /// Usage: `{"storage": bytes}`.
    pub used: Value,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// The project.
    #[serde(skip)]
    pub project_id: i64,
}

impl SimState {
    pub(super) fn create_quota(&mut self, project_id: i64, name: &str, storage_limit: i64) {
        let id = self.ids.next("quota");
        let now = now();
        self.quotas.insert(
            id,
            Quota {
                id,
                reference: json!({"id": project_id, "name": name, "owner_name": "admin"}),
                hard: json!({"storage": storage_limit}),
                used: json!({"storage": 0}),
                creation_time: now.clone(),
                update_time: now,
                project_id,
            },
        );
    }

    pub(super) fn set_project_storage_limit(&mut self, project_id: i64, limit: i64) {
        if let Some(q) = self
            .quotas
            .values_mut()
            .find(|q| q.project_id == project_id)
        {
            q.hard = json!({"storage": limit});
            q.update_time = now();
        }
    }

    pub(super) fn refresh_quota_usage(&mut self, project_id: i64) {
        let used: i64 = self
            .artifacts
            .values()
            .filter(|a| a.project_id == project_id)
            .map(|a| a.size)
            .sum();
        if let Some(q) = self
            .quotas
            .values_mut()
            .find(|q| q.project_id == project_id)
        {
            q.used = json!({"storage": used});
        }
    }

    /// Sets a quota's hard limits: only `storage`, an integer of -1 or more.
    pub fn update_quota(&mut self, id: i64, hard: Value) -> ApiResult<()> {
        let storage = hard
            .get("storage")
            .and_then(Value::as_i64)
            .ok_or_else(|| ApiError::bad_request("hard.storage must be an integer"))?;
        if storage < -1 || storage == 0 {
            return Err(ApiError::bad_request(
                "hard.storage must be -1 (unlimited) or positive",
            ));
        }
        let q = self
            .quotas
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("quota {id} not found")))?;
        if storage != -1 && q.used["storage"].as_i64().unwrap_or(0) > storage {
            return Err(ApiError::bad_request(
                "the new limit is below current usage",
            ));
        }
        q.hard = json!({"storage": storage});
        q.update_time = now();
        Ok(())
    }
}
