//! What each API operation writes to Harbor's audit log (`audit_log_ext`), from the two
//! sources Harbor has:
//!
//! - **controller events**, fired only when the operation succeeds
//!   (`src/controller/event/topic.go`, `ResolveToAuditLog`): create and delete project
//!   (`src/controller/project/controller.go`), delete repository with a delete-artifact event
//!   for each of its artifacts (`src/server/v2.0/handler/repository.go`, the artifact
//!   controller's `deleteDeeply`), delete artifact, create and delete tag
//!   (`src/server/v2.0/handler/artifact.go`), create and delete robot
//!   (`src/controller/robot/controller.go`). Pushes and copies write theirs where the state
//!   stores the artifact ([`SimState::push_as`]); the simulator serves no pulls;
//! - **common events** of the API log middleware (`src/server/middleware/log/log.go`, the
//!   resolvers of `src/pkg/auditext/event/`), written whatever the handler answered, with
//!   `operation_result` saying whether it succeeded: users (`user/user.go`), members
//!   (`member/member.go`), the configuration (`config/config.go`) and project updates
//!   (`project/project.go`: the project, its metadata).
//!
//! Every operation named here runs through [`audited`], which reads what the event needs
//! before the handler runs (the name of what a delete removes, as Harbor's resolvers
//! `PreCheck`), runs the handler, and writes the rows; a request refused before its handler
//! (validation, access) writes its common event through [`refused`].

use std::sync::RwLock;

use axum::http::StatusCode;

use super::{Handler, actor_name, read, write};
use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::state::{AuditEvent, SimState};

/// Whether an operation writes audit rows (then it runs through [`audited`]).
pub(super) fn audits(op: &str) -> bool {
    matches!(
        op,
        "createProject"
            | "deleteProject"
            | "deleteRepository"
            | "deleteArtifact"
            | "createTag"
            | "deleteTag"
            | "CreateRobot"
            | "DeleteRobot"
            | "createUser"
            | "updateUserProfile"
            | "updateUserPassword"
            | "setUserSysAdmin"
            | "deleteUser"
            | "updateConfigurations"
            | "createProjectMember"
            | "updateProjectMember"
            | "deleteProjectMember"
            | "updateProject"
            | "addProjectMetadatas"
            | "updateProjectMetadata"
            | "deleteProjectMetadata"
    )
}

/// Runs the operation's handler (`inner`) and writes the audit rows Harbor writes for it.
pub(super) fn audited(ctx: &Ctx, state: &RwLock<SimState>, inner: Handler) -> ApiResult<Reply> {
    let before = Before::of(ctx, &read(state));
    let result = inner(ctx, state);
    let status = match &result {
        Ok(reply) => reply.status,
        Err(e) => e.status,
    };
    let events = before.events(ctx, &read(state), status, result.as_ref().ok());
    if !events.is_empty() {
        let mut s = write(state);
        for event in events {
            s.record_audit(event);
        }
    }
    result
}

/// Writes the audit rows of a request refused before its handler ran, by go-swagger's
/// validation or the access check: Harbor's log middleware sits in front of both, so its
/// common events record the refusal (controller events need a success, so none).
pub(super) fn refused(ctx: &Ctx, state: &RwLock<SimState>, status: StatusCode) {
    let events = {
        let s = read(state);
        Before::of(ctx, &s).events(ctx, &s, status, None)
    };
    if !events.is_empty() {
        let mut s = write(state);
        for event in events {
            s.record_audit(event);
        }
    }
}

/// What an event needs from the state as it was before the operation ran.
enum Before {
    /// Nothing.
    Nothing,
    /// The project a delete removes: id and name.
    Project(i64, String),
    /// The repository a delete removes: project, full name, and its artifacts' digests.
    Repository(i64, String, Vec<String>),
    /// The artifact a delete removes or whose tag is deleted: project, repository, digest.
    Artifact(i64, String, String),
    /// The robot a delete removes: project (0 for system robots) and full name.
    Robot(i64, String),
    /// The name of the user a delete removes (empty when there is none).
    User(String),
    /// The member a delete removes: name and entity type (`u`, `g`), or the member id as
    /// the name and no type when there is none (`lookupMember`).
    Member(String, String),
}

impl Before {
    fn of(ctx: &Ctx, s: &SimState) -> Self {
        match ctx.op.id {
            "deleteProject" => super::projects::project_of(ctx, s)
                .ok()
                .and_then(|id| s.projects.get(&id))
                .map_or(Self::Nothing, |p| {
                    Self::Project(p.project_id, p.name.clone())
                }),
            "deleteRepository" => super::repositories::repository_of(ctx, s)
                .ok()
                .and_then(|id| s.repositories.get(&id))
                .map_or(Self::Nothing, |r| {
                    // In the order Harbor's repository controller deletes them: the
                    // artifact list's default, newest first (`src/pkg/artifact/dao/model.go`).
                    let digests = s
                        .artifacts
                        .values()
                        .rev()
                        .filter(|a| a.repository_id == r.id)
                        .map(|a| a.digest.clone())
                        .collect();
                    Self::Repository(r.project_id, r.name.clone(), digests)
                }),
            "deleteArtifact" | "deleteTag" => super::artifacts::artifact_of(ctx, s)
                .ok()
                .and_then(|id| s.artifacts.get(&id))
                .map_or(Self::Nothing, |a| {
                    let repo = s.repository_name(a.repository_id).to_owned();
                    Self::Artifact(a.project_id, repo, a.digest.clone())
                }),
            "DeleteRobot" => ctx
                .path_id("robot_id")
                .ok()
                .and_then(|id| s.robots.get(&id))
                .map_or(Self::Nothing, |r| {
                    Self::Robot(r.project_id.unwrap_or(0), r.name.clone())
                }),
            "deleteUser" => Self::User(user_name(ctx, s)),
            "deleteProjectMember" => {
                let mid = ctx.path("mid");
                let member = project_in_path(ctx, s)
                    .and_then(|(pid, _)| Some((pid, mid.parse().ok()?)))
                    .and_then(|(pid, mid)| s.member(pid, mid).ok());
                match member {
                    Some(m) => Self::Member(m.entity_name.clone(), m.entity_type.clone()),
                    None => Self::Member(mid.to_owned(), String::new()),
                }
            }
            _ => Self::Nothing,
        }
    }

    /// The rows the operation writes, now that it answered `status` (`reply` on success).
    fn events(
        self,
        ctx: &Ctx,
        s: &SimState,
        status: StatusCode,
        reply: Option<&Reply>,
    ) -> Vec<AuditEvent> {
        // Harbor's anonymous security context has no name.
        let operator = match &ctx.identity {
            Identity::Anonymous => String::new(),
            identity => actor_name(identity),
        };
        let ok = reply.is_some();
        let event =
            |project_id, operation, resource_type, resource: String, description| AuditEvent {
                project_id,
                operation,
                resource_type,
                resource,
                description,
                successful: true,
                username: operator.clone(),
            };
        // Harbor's user and member resolvers match ids of digits only (`users/(\d+)`,
        // `members/\d+`): a request naming anything else writes nothing.
        let digits = |name: &str| {
            let id = ctx.path(name);
            !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
        };
        let id_of_digits = match ctx.op.id {
            "createUser" | "createProjectMember" => true,
            "updateProjectMember" | "deleteProjectMember" => digits("mid"),
            "updateUserProfile" | "updateUserPassword" | "setUserSysAdmin" | "deleteUser" => {
                digits("user_id")
            }
            _ => true,
        };
        if !id_of_digits {
            return Vec::new();
        }
        match (ctx.op.id, self) {
            ("createProject", _) if ok => {
                let created = location_id(reply)
                    .and_then(|key| s.project_id(&key, key.parse::<i64>().is_err()).ok())
                    .and_then(|id| s.projects.get(&id));
                created
                    .map(|p| {
                        let description = format!("create project: {}", p.name);
                        event(
                            p.project_id,
                            "create",
                            "project",
                            p.name.clone(),
                            description,
                        )
                    })
                    .into_iter()
                    .collect()
            }
            ("deleteProject", Self::Project(id, name)) if ok => {
                let description = format!("delete project: {name}");
                vec![event(id, "delete", "project", name, description)]
            }
            ("deleteRepository", Self::Repository(project, name, digests)) if ok => digests
                .iter()
                .map(|digest| {
                    let resource = format!("{name}@{digest}");
                    let description = format!("delete artifact: {resource}");
                    event(project, "delete", "artifact", resource, description)
                })
                .chain([event(
                    project,
                    "delete",
                    "repository",
                    name.clone(),
                    format!("delete repository: {name}"),
                )])
                .collect(),
            ("deleteArtifact", Self::Artifact(project, repo, digest)) if ok => {
                let resource = format!("{repo}@{digest}");
                let description = format!("delete artifact: {resource}");
                vec![event(project, "delete", "artifact", resource, description)]
            }
            ("deleteTag", Self::Artifact(project, repo, _)) if ok => {
                let resource = format!("{repo}:{}", ctx.path("tag_name"));
                let description = format!("delete tag: {resource}");
                vec![event(project, "delete", "tag", resource, description)]
            }
            ("createTag", _) if ok => {
                // The created tag is the body's (Harbor's answer names none).
                let body = ctx.json::<serde_json::Value>().unwrap_or_default();
                let tag = body["name"].as_str().unwrap_or_default().to_owned();
                super::artifacts::artifact_of(ctx, s)
                    .ok()
                    .and_then(|id| s.artifacts.get(&id))
                    .map(|a| {
                        let repo = s.repository_name(a.repository_id).to_owned();
                        let resource = format!("{repo}:{tag}");
                        let description = format!("create tag: {resource}");
                        event(a.project_id, "create", "tag", resource, description)
                    })
                    .into_iter()
                    .collect()
            }
            ("CreateRobot", _) if ok => location_id(reply)
                .and_then(|id| s.robots.get(&id.parse().ok()?))
                .map(|r| {
                    let description = format!("create robot: {}", r.name);
                    let project = r.project_id.unwrap_or(0);
                    event(project, "create", "robot", r.name.clone(), description)
                })
                .into_iter()
                .collect(),
            ("DeleteRobot", Self::Robot(project, name)) if ok => {
                let description = format!("delete robot: {name}");
                vec![event(project, "delete", "robot", name, description)]
            }
            ("createUser" | "updateUserProfile" | "updateUserPassword" | "setUserSysAdmin", _) => {
                vec![user_event(ctx, s, status, reply, operator)]
            }
            ("deleteUser", Self::User(name)) => {
                let name = if name.is_empty() {
                    ctx.path("user_id").to_owned()
                } else {
                    name
                };
                vec![AuditEvent {
                    description: format!("delete user with name: {name}"),
                    successful: status == StatusCode::OK,
                    ..event(0, "delete", "user", name, String::new())
                }]
            }
            ("updateConfigurations", _) => vec![AuditEvent {
                successful: status == StatusCode::OK,
                ..event(
                    0,
                    "update",
                    "configuration",
                    "configuration".into(),
                    "update configuration".into(),
                )
            }],
            ("createProjectMember" | "updateProjectMember" | "deleteProjectMember", before) => {
                vec![member_event(ctx, s, status, reply, before, operator)]
            }
            (
                "updateProject"
                | "addProjectMetadatas"
                | "updateProjectMetadata"
                | "deleteProjectMetadata",
                _,
            ) => project_in_path(ctx, s)
                .map(|(id, name)| AuditEvent {
                    successful: status == StatusCode::OK,
                    ..event(
                        id,
                        "update",
                        "project",
                        name.clone(),
                        format!("update project: {name}"),
                    )
                })
                .into_iter()
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The last segment of a created resource's `Location`.
fn location_id(reply: Option<&Reply>) -> Option<String> {
    reply?
        .headers
        .iter()
        .find(|(name, _)| *name == "Location")
        .and_then(|(_, location)| location.rsplit('/').next())
        .map(str::to_owned)
}

/// The name of the user `{user_id}` names, empty when there is none (`userIDToName`).
fn user_name(ctx: &Ctx, s: &SimState) -> String {
    ctx.path_id("user_id")
        .ok()
        .and_then(|id| s.users.get(&id))
        .map(|u| u.username.clone())
        .unwrap_or_default()
}

/// The project of the path, as Harbor's audit resolvers find it: an id when all digits,
/// else a name (`resolveProject`, `getProject`).
fn project_in_path(ctx: &Ctx, s: &SimState) -> Option<(i64, String)> {
    let key = ctx.path("project_name_or_id");
    let by_id = key
        .parse::<i64>()
        .ok()
        .filter(|id| s.projects.contains_key(id));
    let id = by_id.or_else(|| s.projects.id_by_name(key))?;
    Some((id, s.projects.get(&id)?.name.clone()))
}

/// A user event (`src/pkg/auditext/event/user/user.go` over `basic.go`'s `Resolver`): the
/// resource is the user's name (the id when it has none), successful on 200 or 201.
fn user_event(
    ctx: &Ctx,
    s: &SimState,
    status: StatusCode,
    reply: Option<&Reply>,
    operator: String,
) -> AuditEvent {
    let (operation, name) = if ctx.op.id == "createUser" {
        // The name of the user the `Location` names; none when the create failed.
        let name = location_id(reply)
            .and_then(|id| s.users.get(&id.parse().ok()?))
            .map(|u| u.username.clone())
            .unwrap_or_default();
        ("create", name)
    } else {
        let name = user_name(ctx, s);
        let name = if name.is_empty() {
            ctx.path("user_id").to_owned()
        } else {
            name
        };
        ("update", name)
    };
    let mut description = format!("{operation} user with name: {name}");
    match ctx.op.id {
        "setUserSysAdmin" => description.push_str(", add/remove user as system administrator"),
        "updateUserPassword" => description.push_str(", change user password"),
        _ => {}
    }
    AuditEvent {
        project_id: 0,
        operation,
        resource_type: "user",
        resource: name,
        description,
        successful: matches!(status, StatusCode::OK | StatusCode::CREATED),
        username: operator,
    }
}

/// A member event (`src/pkg/auditext/event/member/member.go`): the resource is the member's
/// name, the description says what kind of member it is.
fn member_event(
    ctx: &Ctx,
    s: &SimState,
    status: StatusCode,
    reply: Option<&Reply>,
    before: Before,
    operator: String,
) -> AuditEvent {
    let (project_id, project_name) =
        project_in_path(ctx, s).unwrap_or_else(|| (0, ctx.path("project_name_or_id").to_owned()));
    let lookup = |mid: &str| {
        mid.parse()
            .ok()
            .and_then(|mid| s.member(project_id, mid).ok())
            .map_or((mid.to_owned(), String::new()), |m| {
                (m.entity_name.clone(), m.entity_type.clone())
            })
    };
    let mid = ctx.path("mid");
    let (operation, successful, (name, kind)) = match (ctx.op.id, before) {
        ("createProjectMember", _) => (
            "create",
            status == StatusCode::CREATED,
            location_id(reply).map_or_else(Default::default, |m| lookup(&m)),
        ),
        ("deleteProjectMember", Before::Member(name, kind)) => {
            ("delete", status == StatusCode::OK, (name, kind))
        }
        (_, _) if status == StatusCode::OK => ("update", true, lookup(mid)),
        _ => ("update", false, (mid.to_owned(), String::new())),
    };
    let label = match kind.as_str() {
        "g" => "group member",
        "u" => "user member",
        _ => "member",
    };
    let target = if !name.is_empty() {
        format!("{label} {name}")
    } else if !mid.is_empty() {
        format!("{label} ID {mid}")
    } else {
        label.to_owned()
    };
    let preposition = if operation == "delete" { "from" } else { "in" };
    AuditEvent {
        project_id,
        operation,
        resource_type: "member",
        resource: name,
        description: format!("{operation} {target} {preposition} project {project_name}"),
        successful,
        username: operator,
    }
}
