//! Robot accounts, with real secrets: they log in as `robot$name`, and `RefreshSec`
//! replaces the secret so the old one stops working.

use std::time::{SystemTime, UNIX_EPOCH};

use rand::Rng;
use rand::distr::Alphanumeric;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{SimState, now};
use crate::errors::{ApiError, ApiResult};
use crate::rbac::robot_permissions::grantable;
use axum::http::StatusCode;

/// A robot account, serialized as Harbor's `Robot` (the secret is never answered).
#[derive(Debug, Clone, Serialize)]
pub struct Robot {
    /// Its id.
    pub id: i64,
    /// The full name it logs in with (`robot$ci`, `robot$library+ci`).
    pub name: String,
    /// Free text; omitted when empty (`omitempty` in Harbor's `Robot` model).
    #[serde(skip_serializing_if = "String::is_empty")]
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
    /// Unix seconds, -1 for never; omitted when 0 (go-swagger's `omitempty`).
    #[serde(skip_serializing_if = "is_zero")]
    pub expires_at: i64,
    /// Its permissions, as sent; omitted when there are none (only a legacy robot has none).
    #[serde(skip_serializing_if = "is_empty_array")]
    pub permissions: Value,
    /// Who created it; omitted when empty (a legacy robot, created before the column).
    #[serde(skip_serializing_if = "String::is_empty")]
    pub creator_type: String,
    /// The creator's id; omitted when 0, as for `creator_type`.
    #[serde(skip_serializing_if = "is_zero")]
    pub creator_ref: i64,
    /// RFC 3339.
    pub creation_time: String,
    /// RFC 3339.
    pub update_time: String,
    /// The project of a project-level robot.
    #[serde(skip)]
    pub project_id: Option<i64>,
}

fn is_zero(n: &i64) -> bool {
    *n == 0
}

fn is_empty_array(value: &Value) -> bool {
    value.as_array().is_some_and(Vec::is_empty)
}

/// Harbor's `RobotCreate`.
#[derive(Debug, Clone, Deserialize)]
pub struct RobotCreate {
    /// Short name.
    pub name: Option<String>,
    /// Free text.
    pub description: Option<String>,
    /// Sent by some clients; Harbor ignores it and generates the secret.
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

/// The checks Harbor's robot handler runs on a create and an update (`validate` in
/// `src/server/v2.0/handler/robot.go`): every refusal is a 400. Each access must be a pair
/// the robot permission provider offers at the permission's kind
/// ([`crate::rbac::robot_permissions`]).
fn validate(duration: i64, level: &str, permissions: &[Value]) -> ApiResult<()> {
    if duration != -1 && !(duration > 0 && duration < i64::from(i32::MAX)) {
        return Err(ApiError::bad_request(format!(
            "bad request error duration input: {duration}, duration must be either -1(Never) or a positive integer"
        )));
    }
    if level != "system" && level != "project" {
        return Err(ApiError::bad_request(format!(
            "bad request error level input: {level}"
        )));
    }
    if permissions.is_empty() || permissions.iter().any(Value::is_null) {
        return Err(ApiError::bad_request("bad request empty permission"));
    }
    for perm in permissions {
        let access = perm["access"].as_array();
        if access.is_none_or(|a| a.is_empty() || a.iter().any(Value::is_null)) {
            return Err(ApiError::bad_request("bad request empty access"));
        }
    }
    if level == "project" && permissions.len() > 1 {
        return Err(ApiError::bad_request("bad request permission"));
    }
    // Every access must be one the robot permission provider offers for its kind.
    for perm in permissions {
        let kind = perm["kind"].as_str().unwrap_or_default();
        if kind != "system" && kind != "project" {
            return Err(ApiError::bad_request(format!(
                "bad request permission level: {kind}"
            )));
        }
        for access in perm["access"].as_array().into_iter().flatten() {
            let text = |key: &str| access[key].as_str().unwrap_or_default();
            let (resource, action) = (text("resource"), text("action"));
            if !grantable(kind, resource, action) {
                return Err(ApiError::bad_request(format!(
                    "bad request permission: {resource}:{action}"
                )));
            }
        }
    }
    Ok(())
}

/// Harbor's `Robot` as an update body.
#[derive(Debug, Clone, Deserialize)]
pub struct RobotUpdate {
    /// The full name (`robot$ci`); it cannot change.
    pub name: Option<String>,
    /// Replaces the description.
    pub description: Option<String>,
    /// `system` or `project`; it cannot change.
    pub level: Option<String>,
    /// Replaces the disabled flag.
    pub disable: Option<bool>,
    /// Days; absent keeps the current duration.
    pub duration: Option<i64>,
    /// Replaces the permissions.
    pub permissions: Option<Vec<Value>>,
}

/// Whether a `CreateRobot` body passes the checks Harbor's handler runs before it looks at
/// who is asking (`validateName`, `validate`): access is decided only for bodies that do.
pub fn create_body_is_valid(body: &Value) -> bool {
    serde_json::from_value::<RobotCreate>(body.clone()).is_ok_and(|req| check_create(&req).is_ok())
}

/// Checks a create request as Harbor's robot handler does (`src/server/v2.0/handler/robot.go`,
/// `validateName` and `validate`): every refusal is a 400.
fn check_create(req: &RobotCreate) -> ApiResult<(String, String, i64, Vec<Value>)> {
    let name = req.name.clone().unwrap_or_default();
    if !super::projects::matches_name_pattern(&name) {
        return Err(ApiError::bad_request(
            "robot name is not in lower case or contains illegal characters",
        ));
    }
    // An absent duration is Go's zero, which Harbor refuses.
    let duration = req.duration.unwrap_or(0);
    let level = req.level.clone().unwrap_or_default();
    let permissions = req.permissions.clone().unwrap_or_default();
    validate(duration, &level, &permissions)?;
    Ok((name, level, duration, permissions))
}

/// Who creates a robot: Harbor stores the security context's name (`local` for a user,
/// `robot` for a robot) and the user's or robot's id (`CreateRobot`).
#[derive(Debug, Clone, Copy)]
pub struct Creator {
    /// `local` or `robot`.
    pub kind: &'static str,
    /// The user's or the robot's id.
    pub id: i64,
}

impl Creator {
    /// The admin (user 1), who creates the demo robots.
    pub const ADMIN: Creator = Creator {
        kind: "local",
        id: 1,
    };
}

impl SimState {
    /// Checks each permission as Harbor turns it into a scope (`toScope` in
    /// `src/controller/robot/controller.go`): a `system` permission's namespace must be `/`
    /// (400 `unknown namespace`), a `project` one's `*` or a project's name (404
    /// `project <name> not found`).
    fn check_scopes(&self, permissions: &[Value]) -> ApiResult<()> {
        for perm in permissions {
            let namespace = perm["namespace"].as_str().unwrap_or_default();
            match perm["kind"].as_str() {
                Some("system") if namespace != "/" => {
                    return Err(ApiError::bad_request("unknown namespace"));
                }
                Some("project") if namespace != "*" => {
                    self.project_id(namespace, true)?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// Creates a robot; returns its id, full name and secret. Harbor always generates the
    /// secret (a `secret` in the request is ignored), and requires a name, a duration, a level
    /// and at least one permission with access (400 otherwise); 409 on a duplicate name.
    pub fn create_robot(
        &mut self,
        req: RobotCreate,
        creator: Creator,
    ) -> ApiResult<(i64, String, String, i64)> {
        let (short, level, duration, permissions) = check_create(&req)?;
        // A project robot's project is its first permission's namespace, a project *name*
        // (`SetProject`: the namespace is a string, so never read as an id).
        let (stored, project_id) = if level == "system" {
            (short, None)
        } else {
            let namespace = permissions[0]["namespace"].as_str().unwrap_or_default();
            let pid = self.project_id(namespace, true)?;
            let project = self.projects[&pid].name.clone();
            (format!("{project}+{short}"), Some(pid))
        };
        let name = format!("robot${stored}");
        if self.robots.values().any(|r| r.name == name) {
            // The robot table's unique key, worded by `dao.Create` with the stored name
            // (without the `robot$` prefix) and the project id (0 for a system robot).
            return Err(ApiError::conflict(format!(
                "robot account {}:{stored} already exists",
                project_id.unwrap_or(0)
            )));
        }
        // Then each permission becomes a scope (`createPermission`, `toScope`).
        self.check_scopes(&permissions)?;
        let secret = generate_secret();
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
                // `CreateRobot` does not copy `disable`: a new robot is enabled.
                disable: false,
                expires_at,
                permissions: Value::Array(permissions),
                creator_type: creator.kind.into(),
                creator_ref: creator.id,
                creation_time: now.clone(),
                update_time: now,
                project_id,
            },
        );
        Ok((id, name, secret, expires_at))
    }

    /// Adds a legacy (v1) robot to project `project` (a name), as a migration from Harbor
    /// before 2.2 leaves one: its stored name kept as v1 wrote it (`robot$<name>`, answered
    /// without a second prefix: `populate`), no secret and no permissions, so not editable
    /// (`Robot.setEditable`) and unable to log in; duration 0 (the column 2.2 added is empty),
    /// no creator (the columns 2.12 added: `creator_type` empty, `creator_ref` 0, both
    /// omitted), never expiring. 404 when there is no such project, 409 when the name is
    /// taken. The API cannot create one; the simulator's handle can
    /// ([`SimHandle::add_legacy_robot`](crate::SimHandle::add_legacy_robot)).
    pub fn add_legacy_robot(&mut self, project: &str, name: &str) -> ApiResult<i64> {
        let project_id = self.project_id(project, true)?;
        let name = format!("robot${name}");
        if self.robots.values().any(|r| r.name == name) {
            return Err(ApiError::conflict(format!(
                "robot account {project_id}:{name} already exists"
            )));
        }
        let id = self.ids.next("robot");
        let now = now();
        self.robots.insert(
            id,
            Robot {
                id,
                name,
                description: String::new(),
                secret: String::new(),
                level: "project".into(),
                duration: 0,
                editable: false,
                disable: false,
                expires_at: -1,
                permissions: Value::Array(Vec::new()),
                creator_type: String::new(),
                creator_ref: 0,
                creation_time: now.clone(),
                update_time: now,
                project_id: Some(project_id),
            },
        );
        Ok(id)
    }

    /// `UpdateRobot`'s refusal of a legacy robot, right after the robot is found and before
    /// the body's checks and the caller's access: 403 `DENIED` `editing of legacy robot is
    /// not allowed`.
    pub fn check_robot_editable(&self, id: i64) -> ApiResult<()> {
        match self.robots.get(&id) {
            Some(robot) if !robot.editable => Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "DENIED",
                "editing of legacy robot is not allowed",
            )),
            _ => Ok(()),
        }
    }

    /// `updateV2Robot`'s checks before `requireAccess`: the body as a create's (the stored
    /// duration when none is sent), then a project robot's namespace must name its project
    /// (a name, as `getProjectID` takes a string).
    pub fn check_robot_update(&self, id: i64, req: &RobotUpdate) -> ApiResult<()> {
        self.resolve_robot_update(id, req).map(|_| ())
    }

    /// The checks of [`check_robot_update`](Self::check_robot_update), answering what they
    /// resolved for the update to apply: the robot, its duration, level and permissions.
    fn resolve_robot_update(
        &self,
        id: i64,
        req: &RobotUpdate,
    ) -> ApiResult<(&Robot, i64, String, Vec<Value>)> {
        let robot = self
            .robots
            .get(&id)
            .ok_or_else(|| ApiError::not_found(format!("robot {id} not found")))?;
        let duration = req.duration.unwrap_or(robot.duration);
        let level = req.level.clone().unwrap_or_default();
        let permissions = req.permissions.clone().unwrap_or_default();
        validate(duration, &level, &permissions)?;
        if let Some(project) = robot.project_id {
            let namespace = permissions[0]["namespace"].as_str().unwrap_or_default();
            if self.project_id(namespace, true)? != project {
                return Err(ApiError::bad_request(
                    "cannot update the project id of robot",
                ));
            }
        }
        Ok((robot, duration, level, permissions))
    }

    /// Updates a robot as Harbor does (`updateV2Robot`): the same checks as a create, then the
    /// level, the full name and a project robot's project must stay; the description and the
    /// disabled flag are replaced, the permissions when some are sent.
    pub fn update_robot(&mut self, id: i64, req: RobotUpdate) -> ApiResult<()> {
        let (robot, duration, level, permissions) = self.resolve_robot_update(id, &req)?;
        if level != robot.level || req.name.as_deref() != Some(robot.name.as_str()) {
            return Err(ApiError::bad_request(
                "cannot update the level or name of robot",
            ));
        }
        self.check_scopes(&permissions)?;
        let robot = self.robot_mut(id)?;
        if duration != robot.duration {
            robot.duration = duration;
            robot.expires_at = if duration == -1 {
                -1
            } else {
                let created = humantime::parse_rfc3339(&robot.creation_time)
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0, |d| d.as_secs() as i64);
                created + duration * 86_400
            };
        }
        robot.description = req.description.unwrap_or_default();
        robot.disable = req.disable.unwrap_or(false);
        if !permissions.is_empty() {
            robot.permissions = Value::Array(permissions);
        }
        robot.update_time = now();
        Ok(())
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
                    "the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
                ));
            }
            None => generate_secret(),
        };
        let robot = self.robot_mut(id)?;
        robot.secret = secret.clone();
        robot.update_time = now();
        // A legacy robot given a secret is editable from now on (`setEditable`), and so is
        // answered, and logs in, with the prefix added to its stored `robot$` name (RB25).
        if !robot.editable {
            robot.editable = true;
            robot.name = format!("robot${}", robot.name);
        }
        Ok(secret)
    }
}
