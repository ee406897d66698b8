//! Labels: global (`g`) or of one project (`p`).

use serde::{Deserialize, Serialize};

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A label, serialized as Harbor's `Label`.
#[derive(Debug, Clone, Serialize)]
pub struct Label {
    /// Its id.
    pub id: i64,
    /// Its name, unique within its scope; omitted when empty (`omitempty`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub name: String,
    /// Free text; omitted when empty (`omitempty`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// `#RRGGBB`; omitted when empty (`omitempty`).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub color: String,
    /// `g` (global) or `p` (project).
    pub scope: String,
    /// The project of a `p` label (0 when created without one); omitted when 0 or a
    /// global label's (`omitempty`).
    #[serde(skip_serializing_if = "no_project")]
    pub project_id: Option<i64>,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
}

fn no_project(project: &Option<i64>) -> bool {
    project.is_none_or(|p| p == 0)
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

/// The `varchar` columns of `harbor_label` (`name varchar(128)`, `color varchar(16)`,
/// `make/migrations/postgresql/0001_initial_schema.up.sql`): PostgreSQL refuses a value of
/// more characters than its column holds, a database error that Harbor's DAO passes on
/// uncoded (500). Nothing before the insert or update checks the colour, nor, on a create,
/// the name.
fn check_label_columns(name: &str, color: &str) -> ApiResult<()> {
    super::check_varchar_columns(&[(name, 128), (color, 16)])
}

impl SimState {
    /// Creates a label as Harbor's `CreateLabel` does (`src/server/v2.0/handler/label.go`):
    /// nothing of the body is validated (the model's `Valid` runs only on an update); a
    /// global label's project is 0, a project label keeps the body's id (absent: 0) whether
    /// or not a project has it, as only an administrator passes the access check then. A
    /// name, scope and project already taken is 409 (the `unique_label` key, `dao.Create`).
    /// A scope other than `g`/`p` is the access check's 400; here, absent is `g`. A name of
    /// more than 128 characters or a colour of more than 16 is too long for its `varchar`
    /// column, a database error: Harbor's 500.
    pub fn create_label(&mut self, req: LabelReq) -> ApiResult<i64> {
        let name = req.name.unwrap_or_default();
        let color = req.color.unwrap_or_default();
        let scope = req.scope.unwrap_or_else(|| "g".into());
        let project_id = match scope.as_str() {
            "g" => None,
            "p" => Some(req.project_id.unwrap_or(0)),
            _ => return Err(ApiError::bad_request("unsupported label scope")),
        };
        check_label_columns(&name, &color)?;
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
                color,
                scope,
                project_id,
                creation_time: now.clone(),
                update_time: now,
            },
        );
        Ok(id)
    }

    /// Updates a label as Harbor's `UpdateLabel` does: name, description and colour are
    /// replaced by the body's (absent: empty), the scope and project kept; then the model's
    /// `Valid` (400 `cannot be empty`, `max length is 128` bytes, and `invalid: <project id>`
    /// for a project label of project 0 or below), then the columns' lengths (a colour over
    /// 16 characters is a database error: Harbor's 500), then 409 on a name taken.
    pub fn update_label(&mut self, id: i64, req: LabelReq) -> ApiResult<()> {
        let current = self
            .labels
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
        let name = req.name.unwrap_or_default();
        if name.is_empty() {
            return Err(ApiError::bad_request("cannot be empty"));
        }
        if name.len() > 128 {
            return Err(ApiError::bad_request("max length is 128"));
        }
        if let Some(project) = current.project_id.filter(|p| *p <= 0) {
            return Err(ApiError::bad_request(format!("invalid: {project}")));
        }
        let color = req.color.unwrap_or_default();
        check_label_columns(&name, &color)?;
        if self.labels.values().any(|l| {
            l.id != id
                && l.name == name
                && l.scope == current.scope
                && l.project_id == current.project_id
        }) {
            return Err(ApiError::conflict(format!("label {name} already exists")));
        }
        let label = self
            .labels
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
        label.name = name;
        label.description = req.description.unwrap_or_default();
        label.color = color;
        label.update_time = now();
        Ok(())
    }

    /// Deletes a label and detaches it from artifacts.
    pub fn delete_label(&mut self, id: i64) -> ApiResult<()> {
        self.labels
            .remove(&id)
            .ok_or_else(|| ApiError::not_found(format!("label {id} not found")))?;
        self.artifacts
            .for_each_mut(|a| a.label_ids.retain(|l| *l != id));
        Ok(())
    }

    /// Attaches a label to an artifact; 409 when already attached.
    pub fn attach_label(&mut self, artifact_id: i64, label_id: i64) -> ApiResult<()> {
        let label = self
            .labels
            .get(&label_id)
            .ok_or_else(|| ApiError::not_found(format!("label {label_id} not found")))?;
        let mut artifact = self
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
        let mut artifact = self
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
