//! Robot accounts, with real secrets: they log in as `robot$name`, and `RefreshSec`
//! replaces the secret so the old one stops working.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};

/// A robot account, serialized as Harbor's `Robot` (the secret is never answered).
#[derive(Debug, Clone, Serialize)]
pub struct Robot {
    /// Its id.
    pub id: i64,
    /// The full name it logs in with (`robot$ci`, `robot$library+ci`).
    pub name: String,
    /// Free text.
    pub description: String,
    /// Its secret.
    #[serde(skip)]
    pub secret: String,
    /// `system` or `project`.
    pub level: String,
    /// Days it lives; -1 for ever.
    pub duration: i64,
    /// Whether it may be edited.
    pub editable: bool,
    /// Whether it is disabled.
    pub disable: bool,
    /// Unix seconds, -1 for never.
    pub expires_at: i64,
    /// Its permissions, as sent.
    pub permissions: Value,
    /// Who created it.
    pub creator_type: String,
    /// The creator's id.
    pub creator_ref: i64,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// The project of a project-level robot.
    #[serde(skip)]
    pub project_id: Option<i64>,
}

/// Harbor's `RobotCreate`.
#[derive(Debug, Clone, Deserialize)]
pub struct RobotCreate {
    /// Short name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// A chosen secret, or none to generate one.
    pub secret: Option<String>,
    /// `system` or `project`.
    pub level: Option<String>,
    /// Disabled at birth.
    pub disable: Option<bool>,
    /// Days; -1 for ever.
    pub duration: Option<i64>,
    /// Permissions.
    pub permissions: Option<Vec<Value>>,
}

/// A new random secret, as Harbor generates them.
pub fn generate_secret() -> String {
    // Harbor's rule for a secret: at least one upper, one lower case letter and one digit.
    loop {
        let s: String = rand::rng()
            .sample_iter(&Alphanumeric)
            .take(32)
            .map(char::from)
            .collect();
        if valid_secret(&s) {
            return s;
        }
    }
}

fn valid_secret(s: &str) -> bool {
    (8..=128).contains(&s.len())
        && s.chars().any(|c| c.is_ascii_uppercase())
        && s.chars().any(|c| c.is_ascii_lowercase())
        && s.chars().any(|c| c.is_ascii_digit())
}

fn valid_robot_name(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 255
        && n.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
}

impl SimState {
    /// Creates a robot; returns its id, full name and secret. 409 on a duplicate name.
    pub fn create_robot(
        &mut self,
        req: RobotCreate,
        creator: i64,
    ) -> ApiResult<(i64, String, String, i64)> {
        let short = req.name.filter(|n| valid_robot_name(n)).ok_or_else(|| {
            ApiError::bad_request("robot name is required: lower case letters, digits and ._-")
        })?;
        let level = req.level.unwrap_or_else(|| "system".into());
        let permissions = req.permissions.unwrap_or_default();
        let (name, project_id) = match level.as_str() {
            "system" => (format!("robot${short}"), None),
            "project" => {
                let namespace = permissions
                    .first()
                    .and_then(|p| p.get("namespace"))
                    .and_then(Value::as_str)
                    .ok_or_else(|| {
                        ApiError::bad_request(
                            "a project robot needs one permission with the project's namespace",
                        )
                    })?;
                let pid = self.project_id(namespace, true)?;
                (format!("robot${namespace}+{short}"), Some(pid))
            }
            other => {
                return Err(ApiError::bad_request(format!(
                    "invalid robot level {other:?}"
                )));
            }
        };
        if self.robots.values().any(|r| r.name == name) {
            return Err(ApiError::conflict(format!(
                "robot account {name} already exists"
            )));
        }
        let secret = match req.secret {
            Some(s) if !s.is_empty() => {
                if !valid_secret(&s) {
                    return Err(ApiError::bad_request(
                        "the secret must be 8-128 characters with upper case, lower case letters and digits",
                    ));
                }
                s
            }
            _ => generate_secret(),
        };
        let duration = req.duration.unwrap_or(-1);
        if duration == 0 || duration < -1 {
            return Err(ApiError::bad_request(
                "duration must be -1 or a positive number of days",
            ));
        }
        let created = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let expires_at = if duration == -1 {
            -1
        } else {
            created + duration * 86_400
        };
        let id = self.ids.next("robot");
        let now = now();
        self.robots.insert(
            id,
            Robot {
                id,
                name: name.clone(),
                description: req.description.unwrap_or_default(),
                secret: secret.clone(),
                level,
                duration,
                editable: true,
                disable: req.disable.unwrap_or(false),
                expires_at,
                permissions: Value::Array(permissions),
                creator_type: "local".into(),
                creator_ref: creator,
                creation_time: now.clone(),
                update_time: now,
                project_id,
            },
        );
        Ok((id, name, secret, expires_at))
    }

    /// A robot by id.
    pub fn robot_mut(&mut self, id: i64) -> ApiResult<&mut Robot> {
        self.robots
            .get_mut(&id)
            .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))
    }

    /// Replaces a robot's secret with `chosen` or a fresh one; answers the new secret.
    pub fn refresh_robot_secret(&mut self, id: i64, chosen: Option<String>) -> ApiResult<String> {
        let secret = match chosen.filter(|s| !s.is_empty()) {
            Some(s) if valid_secret(&s) => s,
            Some(_) => {
                return Err(ApiError::bad_request(
                    "the secret must be 8-128 characters with upper case, lower case letters and digits",
                ));
            }
            None => generate_secret(),
        };
        let robot = self.robot_mut(id)?;
        robot.secret = secret.clone();
        robot.update_time = now();
        Ok(secret)
    }
}
