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
//! Each operation's [`Audit`] rule is in the operation table. An audited operation runs
//! through [`audited`], which reads what the event needs before the handler runs (the name
//! of what a delete removes, as Harbor's resolvers `PreCheck`), runs the handler, and writes
//! the rows, all under the request's one write guard; a request refused before its handler
//! (validation, access) writes its common event through [`refused`].

use axum::http::StatusCode;

use crate::auth::Identity;
use crate::context::{Ctx, Reply};
use crate::errors::ApiResult;
use crate::handlers::{actor_name, artifacts, projects, repositories};
use crate::state::{AuditEvent, SimState};

/// What an operation writes to the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Audit {
    /// Nothing.
    NotAudited,
    /// A controller event on success: `create project: <name>`.
    ProjectCreated,
    /// A controller event on success: `delete project: <name>`.
    ProjectDeleted,
    /// Controller events on success: one `delete artifact` per artifact of the repository,
    /// then `delete repository`.
    RepositoryDeleted,
    /// A controller event on success: `delete artifact: <repository>@<digest>`.
    ArtifactDeleted,
    /// A controller event on success: `create tag: <repository>:<tag>`.
    TagCreated,
    /// A controller event on success: `delete tag: <repository>:<tag>`.
    TagDeleted,
    /// A controller event on success: `create robot: <name>`.
    RobotCreated,
    /// A controller event on success: `delete robot: <name>`.
    RobotDeleted,
    /// A common event: `create user with name: <name>`.
    UserCreated,
    /// A common event: `update user with name: <name>`, then `detail`.
    UserUpdated {
        /// What the description adds after the name (`, change user password`).
        detail: &'static str,
    },
    /// A common event: `delete user with name: <name>`.
    UserDeleted,
    /// A common event: `update configuration`.
    ConfigurationUpdated,
    /// A common event: `create <member> in project <name>`.
    MemberCreated,
    /// A common event: `update <member> in project <name>`.
    MemberUpdated,
    /// A common event: `delete <member> from project <name>`.
    MemberDeleted,
    /// A common event: `update project: <name>` (the project or its metadata).
    ProjectUpdated,
}

impl Audit {
    /// Whether the rows come from a controller event, which fires only on success.
    fn on_success_only(self) -> bool {
        use Audit::*;
        matches!(
            self,
            ProjectCreated
                | ProjectDeleted
                | RepositoryDeleted
                | ArtifactDeleted
                | TagCreated
                | TagDeleted
                | RobotCreated
                | RobotDeleted
        )
    }
}

/// Runs the operation's handler (`run`) over `s` and writes the audit rows Harbor writes for
/// it.
pub(crate) fn audited(
    audit: Audit,
    ctx: &Ctx,
    s: &mut SimState,
    run: impl FnOnce(&Ctx, &mut SimState) -> ApiResult<Reply>,
) -> ApiResult<Reply> {
    if audit == Audit::NotAudited {
        return run(ctx, s);
    }
    let before = Before::of(audit, ctx, s);
    let result = run(ctx, s);
    let status = match &result {
        Ok(reply) => reply.status,
        Err(e) => e.status,
    };
    let events = before.events(audit, ctx, s, status, result.as_ref().ok());
    record(s, events);
    result
}

/// Writes the audit rows of a request refused with `status` before its handler ran, by
/// go-swagger's validation or the access check: Harbor's log middleware sits in front of
/// both, so its common events record the refusal (controller events need a success, so
/// none).
pub(crate) fn refused(audit: Audit, ctx: &Ctx, s: &mut SimState, status: StatusCode) {
    if audit == Audit::NotAudited {
        return;
    }
    let events = Before::of(audit, ctx, s).events(audit, ctx, s, status, None);
    record(s, events);
}

fn record(s: &mut SimState, events: Vec<AuditEvent>) {
    for event in events {
        s.record_audit(event);
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
    fn of(audit: Audit, ctx: &Ctx, s: &SimState) -> Self {
        match audit {
            Audit::ProjectDeleted => projects::project_of(ctx, s)
                .ok()
                .and_then(|id| s.projects.get(&id))
                .map_or(Self::Nothing, |p| {
                    Self::Project(p.project_id, p.name.clone())
                }),
            Audit::RepositoryDeleted => repositories::repository_of(ctx, s)
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
            Audit::ArtifactDeleted | Audit::TagDeleted => artifacts::artifact_of(ctx, s)
                .ok()
                .and_then(|id| s.artifacts.get(&id))
                .map_or(Self::Nothing, |a| {
                    let repo = s.repository_name(a.repository_id).to_owned();
                    Self::Artifact(a.project_id, repo, a.digest.clone())
                }),
            Audit::RobotDeleted => ctx
                .path_id("robot_id")
                .ok()
                .and_then(|id| s.robots.get(&id))
                .map_or(Self::Nothing, |r| {
                    Self::Robot(r.project_id.unwrap_or(0), r.name.clone())
                }),
            Audit::UserDeleted => Self::User(user_name(ctx, s)),
            Audit::MemberDeleted => {
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
        audit: Audit,
        ctx: &Ctx,
        s: &SimState,
        status: StatusCode,
        reply: Option<&Reply>,
    ) -> Vec<AuditEvent> {
        if !names_by_digits(audit, ctx) || (audit.on_success_only() && reply.is_none()) {
            return Vec::new();
        }
        let by = Operator(operator_name(&ctx.identity));
        match (audit, self) {
            (Audit::ProjectCreated, _) => project_created(s, reply, &by),
            (Audit::ProjectDeleted, Self::Project(id, name)) => {
                let description = format!("delete project: {name}");
                vec![by.event(id, "delete", "project", name, description)]
            }
            (Audit::RepositoryDeleted, Self::Repository(project, name, digests)) => {
                repository_deleted(project, name, &digests, &by)
            }
            (Audit::ArtifactDeleted, Self::Artifact(project, repo, digest)) => {
                let resource = format!("{repo}@{digest}");
                let description = format!("delete artifact: {resource}");
                vec![by.event(project, "delete", "artifact", resource, description)]
            }
            (Audit::TagDeleted, Self::Artifact(project, repo, _)) => {
                let resource = format!("{repo}:{}", ctx.path("tag_name"));
                let description = format!("delete tag: {resource}");
                vec![by.event(project, "delete", "tag", resource, description)]
            }
            (Audit::TagCreated, _) => tag_created(ctx, s, &by),
            (Audit::RobotCreated, _) => robot_created(s, reply, &by),
            (Audit::RobotDeleted, Self::Robot(project, name)) => {
                let description = format!("delete robot: {name}");
                vec![by.event(project, "delete", "robot", name, description)]
            }
            (Audit::UserCreated | Audit::UserUpdated { .. }, _) => {
                vec![user_event(audit, ctx, s, status, reply, by)]
            }
            (Audit::UserDeleted, Self::User(name)) => vec![user_deleted(ctx, name, status, &by)],
            (Audit::ConfigurationUpdated, _) => vec![AuditEvent {
                successful: status == StatusCode::OK,
                ..by.event(
                    0,
                    "update",
                    "configuration",
                    "configuration".into(),
                    "update configuration".into(),
                )
            }],
            (Audit::MemberCreated | Audit::MemberUpdated | Audit::MemberDeleted, before) => {
                vec![member_event(audit, ctx, s, status, reply, before, by)]
            }
            (Audit::ProjectUpdated, _) => project_in_path(ctx, s)
                .map(|(id, name)| AuditEvent {
                    successful: status == StatusCode::OK,
                    ..by.event(
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

/// Whether the request names its user or member as Harbor's resolvers match them: by ids of
/// digits only (`users/(\d+)`, `members/\d+`); a request naming anything else writes nothing.
fn names_by_digits(audit: Audit, ctx: &Ctx) -> bool {
    let digits = |name: &str| {
        let id = ctx.path(name);
        !id.is_empty() && id.bytes().all(|b| b.is_ascii_digit())
    };
    match audit {
        Audit::MemberUpdated | Audit::MemberDeleted => digits("mid"),
        Audit::UserUpdated { .. } | Audit::UserDeleted => digits("user_id"),
        _ => true,
    }
}

/// Harbor's name for the caller in an audit row; its anonymous security context has none.
fn operator_name(identity: &Identity) -> String {
    match identity {
        Identity::Anonymous => String::new(),
        identity => actor_name(identity),
    }
}

/// Who did what an event records.
struct Operator(String);

impl Operator {
    /// A successful event of this operator.
    fn event(
        &self,
        project_id: i64,
        operation: &'static str,
        resource_type: &'static str,
        resource: String,
        description: String,
    ) -> AuditEvent {
        AuditEvent {
            project_id,
            operation,
            resource_type,
            resource,
            description,
            successful: true,
            username: self.0.clone(),
        }
    }
}

/// `create project`: the project the answer's `Location` names (by id or by name).
fn project_created(s: &SimState, reply: Option<&Reply>, by: &Operator) -> Vec<AuditEvent> {
    location_id(reply)
        .and_then(|key| s.project_id(&key, key.parse::<i64>().is_err()).ok())
        .and_then(|id| s.projects.get(&id))
        .map(|p| {
            let description = format!("create project: {}", p.name);
            by.event(
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

/// `delete repository`: a `delete artifact` for each of its artifacts, then its own.
fn repository_deleted(
    project: i64,
    name: String,
    digests: &[String],
    by: &Operator,
) -> Vec<AuditEvent> {
    digests
        .iter()
        .map(|digest| {
            let resource = format!("{name}@{digest}");
            let description = format!("delete artifact: {resource}");
            by.event(project, "delete", "artifact", resource, description)
        })
        .chain([by.event(
            project,
            "delete",
            "repository",
            name.clone(),
            format!("delete repository: {name}"),
        )])
        .collect()
}

/// `create tag`: the created tag is the body's (Harbor's answer names none).
fn tag_created(ctx: &Ctx, s: &SimState, by: &Operator) -> Vec<AuditEvent> {
    let body = ctx.json::<serde_json::Value>().unwrap_or_default();
    let tag = body["name"].as_str().unwrap_or_default().to_owned();
    artifacts::artifact_of(ctx, s)
        .ok()
        .and_then(|id| s.artifacts.get(&id))
        .map(|a| {
            let repo = s.repository_name(a.repository_id).to_owned();
            let resource = format!("{repo}:{tag}");
            let description = format!("create tag: {resource}");
            by.event(a.project_id, "create", "tag", resource, description)
        })
        .into_iter()
        .collect()
}

/// `create robot`: the robot the answer's `Location` names.
fn robot_created(s: &SimState, reply: Option<&Reply>, by: &Operator) -> Vec<AuditEvent> {
    location_id(reply)
        .and_then(|id| s.robots.get(&id.parse().ok()?))
        .map(|r| {
            let description = format!("create robot: {}", r.name);
            let project = r.project_id.unwrap_or(0);
            by.event(project, "create", "robot", r.name.clone(), description)
        })
        .into_iter()
        .collect()
}

/// `delete user`: named as before the delete, by the path's id when there was none.
fn user_deleted(ctx: &Ctx, name: String, status: StatusCode, by: &Operator) -> AuditEvent {
    let name = if name.is_empty() {
        ctx.path("user_id").to_owned()
    } else {
        name
    };
    AuditEvent {
        description: format!("delete user with name: {name}"),
        successful: status == StatusCode::OK,
        ..by.event(0, "delete", "user", name, String::new())
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
    audit: Audit,
    ctx: &Ctx,
    s: &SimState,
    status: StatusCode,
    reply: Option<&Reply>,
    by: Operator,
) -> AuditEvent {
    let (operation, name) = if audit == Audit::UserCreated {
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
    let detail = match audit {
        Audit::UserUpdated { detail } => detail,
        _ => "",
    };
    let description = format!("{operation} user with name: {name}{detail}");
    AuditEvent {
        project_id: 0,
        operation,
        resource_type: "user",
        resource: name,
        description,
        successful: matches!(status, StatusCode::OK | StatusCode::CREATED),
        username: by.0,
    }
}

/// A member event (`src/pkg/auditext/event/member/member.go`): the resource is the member's
/// name, the description says what kind of member it is.
fn member_event(
    audit: Audit,
    ctx: &Ctx,
    s: &SimState,
    status: StatusCode,
    reply: Option<&Reply>,
    before: Before,
    by: Operator,
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
    let (operation, successful, (name, kind)) = match (audit, before) {
        (Audit::MemberCreated, _) => (
            "create",
            status == StatusCode::CREATED,
            location_id(reply).map_or_else(Default::default, |m| lookup(&m)),
        ),
        (Audit::MemberDeleted, Before::Member(name, kind)) => {
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
        username: by.0,
    }
}
