//! Storage quotas, one per project.

use std::collections::BTreeMap;

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
    /// A project's quota; its reference names the project's owner, as the project quota
    /// driver loads it (`Load` in `src/controller/quota/driver/project/project.go`).
    pub(super) fn create_quota(
        &mut self,
        project_id: i64,
        name: &str,
        owner_name: &str,
        storage_limit: i64,
    ) {
        let id = self.ids.next("quota");
        let now = now();
        self.quotas.insert(
            id,
            Quota {
                id,
                reference: json!({"id": project_id, "name": name, "owner_name": owner_name}),
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

    pub(crate) fn refresh_quota_usage(&mut self, project_id: i64) {
        let used = self.storage_used(project_id);
        if let Some(q) = self
            .quotas
            .values_mut()
            .find(|q| q.project_id == project_id)
        {
            q.used = json!({"storage": used});
        }
    }

    /// The project's storage usage, as `CalculateTotalSizeByProject` sums its `project_blob`
    /// rows: the blobs its artifacts reference, each once, and the blobs an upload or mount
    /// through the registry associated with it that no artifact references (yet).
    pub fn storage_used(&self, project_id: i64) -> i64 {
        let unreferenced: i64 = self
            .registry
            .associated(project_id)
            .filter(|(digest, _)| !self.artifacts.project_references(project_id, digest))
            .map(|(_, size)| size)
            .sum();
        self.artifacts.size_in_project(project_id) + unreferenced
    }

    /// Whether the blob `digest` counts in the project's usage already.
    pub fn blob_in_project(&self, project_id: i64, digest: &str) -> bool {
        self.registry.is_associated(project_id, digest)
            || self.artifacts.project_references(project_id, digest)
    }

    /// Harbor's quota check of a push adding `delta` bytes to the project's storage
    /// (`reserveResources`, `quota.IsSafe`): 403 `DENIED` when the usage would pass a limited
    /// storage quota, with `ResourceOverflow`'s words.
    pub fn check_storage(&self, project_id: i64, delta: i64) -> ApiResult<()> {
        if delta == 0 {
            return Ok(());
        }
        let Some(quota) = self.quotas.values().find(|q| q.project_id == project_id) else {
            return Ok(());
        };
        let hard = quota.hard["storage"].as_i64().unwrap_or(-1);
        let used = self.storage_used(project_id);
        if hard == -1 || used + delta <= hard {
            return Ok(());
        }
        Err(ApiError::new(
            axum::http::StatusCode::FORBIDDEN,
            "DENIED",
            format!(
                "Quota exceeded when processing the request of adding {} of storage resource, \
                 which when updated to current usage of {} will exceed the configured upper \
                 limit of {}.",
                display_size(delta),
                display_size(used),
                display_size(hard)
            ),
        ))
    }

    /// The quota middleware's warning after a request it reserved storage for
    /// (`tryWarningNotification`, `GetWarningResources` at its default 85 %): the message
    /// when the project's usage has reached 85 % of a limited storage quota.
    pub(crate) fn quota_warning(&self, project_id: i64) -> Option<String> {
        let quota = self.quotas.values().find(|q| q.project_id == project_id)?;
        let hard = quota.hard["storage"].as_i64().unwrap_or(-1);
        let used = self.storage_used(project_id);
        (hard != -1 && used * 100 >= hard * 85).then(|| {
            format!(
                "quota usage reach 85%: resource storage used {} of {}",
                display_size(used),
                display_size(hard)
            )
        })
    }

    /// Sets a quota's hard limits as Harbor's `UpdateQuota` does (`src/server/v2.0/handler/
    /// quota.go`): the quota found first, then the project driver's `Validate`
    /// (`src/controller/quota/driver/project/project.go`), every message passed on as a 400.
    /// Harbor accepts a limit below the current usage.
    pub fn update_quota(&mut self, id: i64, hard: &BTreeMap<String, i64>) -> ApiResult<()> {
        if !self.quotas.contains_key(&id) {
            return Err(ApiError::not_found(format!("quota {id} not found")));
        }
        // Go ranges over the map in random order; the simulator checks names in order.
        for (name, value) in hard {
            if name != "storage" {
                return Err(ApiError::bad_request(format!(
                    "resource {name} not support"
                )));
            }
            check_quota_limit(*value).map_err(ApiError::bad_request)?;
        }
        let storage = *hard
            .get("storage")
            .ok_or_else(|| ApiError::bad_request("resource storage not found"))?;
        let Some(q) = self.quotas.get_mut(&id) else {
            return Err(ApiError::uncoded(format!("quota {id} not found")));
        };
        q.hard = json!({"storage": storage});
        q.update_time = now();
        Ok(())
    }
}

/// A storage size as Harbor's quota messages write it (`byteCountToDisplaySize`): bytes
/// below 1 KiB, else one decimal and the IEC unit.
pub fn display_size(value: i64) -> String {
    const UNIT: i64 = 1024;
    if value < UNIT {
        return format!("{value} B");
    }
    let (mut div, mut exp) = (UNIT, 0);
    let mut n = value / UNIT;
    while n >= UNIT {
        div *= UNIT;
        exp += 1;
        n /= UNIT;
    }
    let unit = b"KMGTPE"[exp] as char;
    format!("{:.1} {unit}iB", value as f64 / div as f64)
}

/// The largest limited storage quota, 1024 TB (`types.MaxLimitedValue`).
const MAX_LIMITED_STORAGE: i64 = 1_125_899_906_842_624;

/// Harbor's `lib.ValidateQuotaLimit` (`src/lib/quota_storage_limit.go`): -1 (unlimited) or
/// a positive number of bytes up to 1024 TB; the error is Harbor's text.
pub fn check_quota_limit(limit: i64) -> Result<(), String> {
    if limit <= 0 && limit != -1 {
        return Err(format!(
            "invalid non-positive value for quota limit, value={limit}"
        ));
    }
    if limit > MAX_LIMITED_STORAGE {
        return Err(format!(
            "exceeded 1024TB, which is 1125899906842624 Bytes, value={limit}"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_read_as_harbors_quota_messages_write_them() {
        assert_eq!(display_size(0), "0 B");
        assert_eq!(display_size(1023), "1023 B");
        assert_eq!(display_size(1024), "1.0 KiB");
        assert_eq!(display_size(1536), "1.5 KiB");
        // Go's %.1f rounds the exact value half to even: 1.25 MiB is 1.2 MiB.
        assert_eq!(display_size(1_310_720), "1.2 MiB");
        assert_eq!(display_size(10 * 1024 * 1024), "10.0 MiB");
        assert_eq!(display_size(1_125_899_906_842_624), "1.0 PiB");
    }
}
