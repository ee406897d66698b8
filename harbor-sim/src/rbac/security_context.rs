//! The security context of one request: who is calling, and whether they may do an action
//! on a resource. It mirrors Harbor's three contexts (`src/common/security/`):
//!
//! - local user: a system administrator may do anything; anybody else has the policies of
//!   their project roles, plus the public-project policies in public projects;
//! - robot account: only its access list. A system-level robot's system entries act on the
//!   system, its project entries on the projects they name (or all, with `*`); a project-level
//!   robot's entries act on its own project only, and `push` brings `pull` with it;
//! - anonymous (no, malformed or wrong credentials): the public-project policies only.

use super::policy::{RobotPolicy, Target, robot_policies};
use super::roles::{PUBLIC_PROJECT, ProjectRole, grants_allow};
use crate::auth::Identity;
use crate::errors::{ApiError, ApiResult};
use crate::state::{Project, Publicity, SimState};
use std::borrow::Cow;

/// Who is calling, with what they are allowed to do.
#[derive(Debug, Clone)]
pub struct SecurityContext<'a> {
    state: &'a SimState,
    subject: Subject,
}

#[derive(Debug, Clone)]
enum Subject {
    Anonymous,
    User {
        id: i64,
        name: String,
        sysadmin: bool,
    },
    Robot {
        name: String,
        system_level: bool,
        policies: Vec<RobotPolicy>,
        /// Whether some permission covers every project (`namespace: "*"`).
        covers_all_projects: bool,
        /// The project names its permissions name.
        namespaces: Vec<String>,
    },
}

impl<'a> SecurityContext<'a> {
    /// The context of `identity` against `state`. A robot that no longer exists is anonymous.
    pub fn new(state: &'a SimState, identity: &Identity) -> Self {
        let subject = match identity {
            Identity::Anonymous => Subject::Anonymous,
            Identity::User {
                id,
                username,
                sysadmin,
            } => Subject::User {
                id: *id,
                name: username.clone(),
                sysadmin: *sysadmin,
            },
            Identity::Robot { id, .. } => match state.robots.get(id) {
                None => Subject::Anonymous,
                Some(robot) => {
                    let permissions = robot.permissions.as_array();
                    let namespace_of = |p: &serde_json::Value| {
                        p.get("namespace")
                            .and_then(serde_json::Value::as_str)
                            .map(str::to_owned)
                    };
                    let project_permissions = || {
                        permissions
                            .into_iter()
                            .flatten()
                            .filter(|p| p.get("kind").and_then(|k| k.as_str()) == Some("project"))
                    };
                    Subject::Robot {
                        name: robot.name.clone(),
                        system_level: robot.level == "system",
                        policies: robot_policies(state, &robot.permissions),
                        covers_all_projects: project_permissions()
                            .any(|p| namespace_of(p).as_deref() == Some("*")),
                        namespaces: project_permissions().filter_map(namespace_of).collect(),
                    }
                }
            },
        };
        Self { state, subject }
    }

    /// Whether the caller proved who they are.
    pub fn is_authenticated(&self) -> bool {
        !matches!(self.subject, Subject::Anonymous)
    }

    /// Whether the caller is a system administrator (robots never are).
    pub fn is_sysadmin(&self) -> bool {
        matches!(self.subject, Subject::User { sysadmin: true, .. })
    }

    /// The local user behind the request, if it is one.
    pub fn user_id(&self) -> Option<i64> {
        match self.subject {
            Subject::User { id, .. } => Some(id),
            _ => None,
        }
    }

    /// Whether the caller is a robot account of project level.
    pub fn is_project_robot(&self) -> bool {
        matches!(
            self.subject,
            Subject::Robot {
                system_level: false,
                ..
            }
        )
    }

    /// The caller's name (empty for anonymous), which Harbor puts in a system 403's message.
    pub fn username(&self) -> &str {
        match &self.subject {
            Subject::Anonymous => "",
            Subject::User { name, .. } | Subject::Robot { name, .. } => name,
        }
    }

    /// The caller's roles in a project (only local users are members), from the members
    /// index: a lookup, however many projects there are.
    pub fn roles(&self, project_id: i64) -> &'a [ProjectRole] {
        match &self.subject {
            Subject::User { id, .. } => self.state.members.roles(*id, project_id),
            _ => &[],
        }
    }

    /// Whether the caller may do `action` on `target`, as Harbor's evaluators decide.
    pub fn can(&self, action: &str, target: Target<'_>) -> bool {
        if self.is_sysadmin() {
            return true;
        }
        match target {
            Target::System(_) => match &self.subject {
                Subject::Robot {
                    system_level: true,
                    policies,
                    ..
                } => allowed(policies.iter().filter(|p| p.is_system()), &target, action),
                _ => false,
            },
            Target::Project { id, resource } => {
                let Some(project) = self.state.projects.get(&id) else {
                    return false;
                };
                let public = is_public(project) && grants_allow(PUBLIC_PROJECT, resource, action);
                match &self.subject {
                    Subject::Anonymous => public,
                    Subject::User { .. } => {
                        public || self.roles(id).iter().any(|r| r.allows(resource, action))
                    }
                    Subject::Robot {
                        system_level: true,
                        policies,
                        ..
                    } => {
                        let mut of_projects = policies.iter().filter(|p| !p.is_system()).peekable();
                        // Harbor builds the project evaluator only when there are project
                        // entries; the public policies come with it.
                        of_projects.peek().is_some()
                            && (public || allowed(of_projects, &target, action))
                    }
                    Subject::Robot { policies, .. } => {
                        let own = policies.iter().filter(|p| p.project_id() == Some(id));
                        // A project robot's push implies pull.
                        let pull_by_push = action == "pull"
                            && allowed(
                                policies.iter().filter(|p| p.project_id() == Some(id)),
                                &target,
                                "push",
                            );
                        public || pull_by_push || allowed(own, &target, action)
                    }
                }
            }
        }
    }

    /// Harbor's `RequireSystemAccess`: 401 for anonymous, 403 (with the caller's name) for
    /// anybody without the permission.
    pub fn require_system(&self, resource: &str, action: &str) -> ApiResult<()> {
        self.require_authenticated()?;
        if self.can(action, Target::System(resource)) {
            Ok(())
        } else {
            Err(ApiError::forbidden(self.username()))
        }
    }

    /// Harbor's `RequireProjectAccess` for a project that may not exist (`None`): a system
    /// administrator passes (the handler answers 404 after), anybody else gets 401 when
    /// anonymous and 403 otherwise.
    pub fn require_project(
        &self,
        project: Option<i64>,
        resource: &str,
        action: &str,
    ) -> ApiResult<()> {
        let allowed = match project {
            Some(id) => self.can(action, Target::Project { id, resource }),
            None => self.is_sysadmin(),
        };
        if allowed {
            Ok(())
        } else if self.is_authenticated() {
            Err(ApiError::forbidden("forbidden"))
        } else {
            Err(ApiError::unauthorized())
        }
    }

    /// Harbor's `RequireAuthenticated`.
    pub fn require_authenticated(&self) -> ApiResult<()> {
        if self.is_authenticated() {
            Ok(())
        } else {
            Err(ApiError::unauthorized())
        }
    }

    /// The projects that appear in the answer of a `listing`: the set
    /// [`SecurityContext::sees_project`] accepts, found through the indexes (the caller's
    /// memberships, the names a robot's access list holds) instead of a pass over projects.
    pub fn visible_projects(&self, listing: Listing) -> VisibleProjects<'a> {
        if self.is_sysadmin() {
            return VisibleProjects::All;
        }
        let none = || VisibleProjects::PublicAnd(Cow::Borrowed(&[]));
        match &self.subject {
            Subject::Anonymous => none(),
            // A member's project exists: deleting a project removes its members.
            Subject::User { id, .. } => VisibleProjects::PublicAnd(Cow::Borrowed(
                self.state.members.project_ids_of_user(*id),
            )),
            Subject::Robot {
                covers_all_projects,
                namespaces,
                ..
            } => match listing {
                Listing::Search => none(),
                Listing::Projects | Listing::Repositories => {
                    if *covers_all_projects
                        || (listing == Listing::Projects
                            && self.can("list", Target::System("project")))
                    {
                        return VisibleProjects::All;
                    }
                    let mut ids: Vec<i64> = namespaces
                        .iter()
                        .filter_map(|name| self.state.projects.id_by_name(name))
                        .collect();
                    ids.sort_unstable();
                    ids.dedup();
                    VisibleProjects::PublicAnd(Cow::Owned(ids))
                }
            },
        }
    }

    /// Whether `project` appears in the answer of a `listing`: administrators see all;
    /// users the public projects and those they are members of; anonymous callers the
    /// public projects; robots the public projects and, in project and repository lists,
    /// those their access list names (all with `*`; in the project list also all when they
    /// hold the system permission to list projects).
    pub fn sees_project(&self, project: &Project, listing: Listing) -> bool {
        if self.is_sysadmin() || is_public(project) {
            return true;
        }
        match &self.subject {
            Subject::Anonymous => false,
            Subject::User { .. } => !self.roles(project.project_id).is_empty(),
            Subject::Robot {
                covers_all_projects,
                namespaces,
                ..
            } => match listing {
                Listing::Search => false,
                Listing::Projects | Listing::Repositories => {
                    *covers_all_projects
                        || (listing == Listing::Projects
                            && self.can("list", Target::System("project")))
                        || namespaces.contains(&project.name)
                }
            },
        }
    }
}

/// The projects a caller sees in a listing, in the terms of the projects index, so a list
/// page finds its projects and its total without asking [`SecurityContext::sees_project`] of
/// every project.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisibleProjects<'a> {
    /// Every project (a system administrator; a robot covering all projects).
    All,
    /// The public projects and these (ascending, existing): a user's memberships, borrowed
    /// from the members index; the projects a robot's access list names.
    PublicAnd(Cow<'a, [i64]>),
}

/// Which list a project's visibility is asked for: Harbor filters each a little differently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Listing {
    /// `GET /projects`.
    Projects,
    /// `GET /repositories`.
    Repositories,
    /// `GET /search`.
    Search,
}

/// Whether `project` is public.
pub fn is_public(project: &Project) -> bool {
    Publicity::of(project) == Publicity::Public
}

fn allowed<'p>(
    policies: impl Iterator<Item = &'p RobotPolicy>,
    target: &Target<'_>,
    action: &str,
) -> bool {
    let path = target.path();
    let mut allow = false;
    for policy in policies.filter(|p| p.matches(&path, action)) {
        if policy.deny {
            return false;
        }
        allow = true;
    }
    allow
}
