//! Labels: global (`g`) or of one project (`p`).

use serde::{Deserialize, Serialize};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A label, serialized as Harbor's `Label`.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    /// Its id.
    pub id: i64,
    /// Its name, unique within its scope.
    pub name: String,
    /// Free text.
    pub description: String,
    /// `#RRGGBB`.
    pub color: String,
    /// `g` (global) or `p` (project).
    pub scope: String,
    /// The project of a `p` label.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project_id: Option<i64>,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
}

/// Harbor's `Label` as a request body.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct LabelReq {
    /// Required on create.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Colour.
    pub color: Option<String>,
    /// `g` or `p`.
    pub scope: Option<String>,
    /// The project of a `p` label.
    pub project_id: Option<i64>,
}

impl SimState {
    /// Creates a label; 409 on a duplicate name in the same scope.
    pub fn create_label(&mut self, req: LabelReq) -> ApiResult<i64> {
        let name = req
            .name
            .filter(|n| !n.is_empty())
            .ok_or_else(|| ApiError::bad_request("label name is required"))?;
        let scope = req.scope.unwrap_or_else(|| "g".into());
        let project_id = match scope.as_str() {
            "g" => None,
            "p" => {
                let id = req.project_id.ok_or_else(|| {
                    ApiError::bad_request("project_id is required for a project label")
                })?;
                if !self.projects.contains_key(&id) {
                    return Err(ApiError::not_found(format!("project {id} not found")));
                }
                Some(id)
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "invalid label scope {other:?}"
                )));
            }
        };
        if self
            .labels
            .values()
            .any(|l| l.name == name && l.scope == scope && l.project_id == project_id)
        {
            return Err(ApiError::conflict(format!("label {name} already exists")));
        }
        let id = self.ids.next("label");
        let now = now();
        self.labels.insert(
            id,
            Label {
                id,
                name,
                description: req.description.unwrap_or_default(),
                color: req.color.unwrap_or_default(),
                scope,
                project_id,
                creation_time: now.clone(),
                update_time: now,
            },
        );
        Ok(id)
    }

    /// Updates name, description and colour.
    pub fn update_label(&mut self, id: i64, req: LabelReq) -> ApiResult<()> {
        let current = self
            .labels
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
        if let Some(name) = &req.name
            && self.labels.values().any(|l| {
                l.id != id
                    && &l.name == name
                    && l.scope == current.scope
                    && l.project_id == current.project_id
            })
        {
            return Err(ApiError::conflict(format!("label {name} already exists")));
        }
        let label = self
            .labels
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found("label not found"))?;
        if let Some(name) = req.name {
            label.name = name;
        }
        if let Some(d) = req.description {
            label.description = d;
        }
        if let Some(c) = req.color {
            label.color = c;
        }
        label.update_time = now();
        Ok(())
    }

    /// Deletes a label and detaches it from artifacts.
    pub fn delete_label(&mut self, id: i64) -> ApiResult<()> {
        self.labels
            .remove(&id)
            .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
        for a in self.artifacts.values_mut() {
            a.label_ids.retain(|l| *l != id);
        }
        Ok(())
    }

    /// Attaches a label to an artifact; 409 when already attached.
    pub fn attach_label(&mut self, artifact_id: i64, label_id: i64) -> ApiResult<()> {
        let label = self
            .labels
            .get(&label_id)
            .ok_or_else(|| ApiError::not_found(format!("label {label_id} not found")))?;
        let artifact = self
            .artifacts
            .get_mut(&artifact_id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?;
        if label.project_id.is_some_and(|p| p != artifact.project_id) {
            return Err(ApiError::bad_request(
                "the label belongs to another project",
            ));
        }
        if artifact.label_ids.contains(&label_id) {
            return Err(ApiError::conflict(format!(
                "label {label_id} is already added to the artifact"
            )));
        }
        artifact.label_ids.push(label_id);
        Ok(())
    }

    /// Detaches a label from an artifact.
    pub fn detach_label(&mut self, artifact_id: i64, label_id: i64) -> ApiResult<()> {
        let artifact = self
            .artifacts
            .get_mut(&artifact_id)
            .ok_or_else(|| ApiError::not_found("artifact not found"))?;
        let before = artifact.label_ids.len();
        artifact.label_ids.retain(|l| *l != label_id);
        if artifact.label_ids.len() == before {
            return Err(ApiError::not_found(format!(
                "label {label_id} is not added to the artifact"
            )));
        }
        Ok(())
    }
}
