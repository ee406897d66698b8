//! The access rules Harbor applies to its operations; the operation table
//! ([`crate::operation_table`]) gives each operation its rule.
//!
//! Each rule is read off the operation's handler in Harbor's `src/server/v2.0/handler/`
//! (`RequireSystemAccess`, `RequireProjectAccess`, `RequireAuthenticated`, or the handler's own
//! `requireAccess`), including whether the handler looks the project up before checking
//! (then a missing project is 404 for everybody) or after (then only administrators see the
//! 404; everybody else gets 401/403 first).

/// Where a project-scoped operation finds its project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectFrom {
    /// `{project_name_or_id}`: an id when all digits, unless `X-Is-Resource-Name: true`.
    NameOrId,
    /// `{project_name}`: always a name.
    Name,
}

/// A project-scoped check: `RequireProjectAccess(project, action, resource)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProjectCheck {
    /// Where the project comes from.
    pub from: ProjectFrom,
    /// The subresource (`""` for the project itself).
    pub resource: &'static str,
    /// The action.
    pub action: &'static str,
    /// The handler resolves the project first: a missing one is 404 for every caller.
    pub lookup_first: bool,
    /// The handler calls `RequireAuthenticated` first: anonymous callers get 401 even on a
    /// public project.
    pub authenticated_first: bool,
}

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    /// No check (ping, health, system info, icons; lists that filter by caller).
    Open,
    /// Any authenticated caller (`RequireAuthenticated`).
    Authenticated,
    /// A handler's own check of authentication, `UnauthorizedError(nil).WithMessage(
    /// secCtx.GetUsername())` (`auditlog.go`): 401 with the anonymous caller's name, empty.
    AuthenticatedByName,
    /// Only Harbor's own services (`RequireSolutionUserAccess`): 401 for every API caller.
    SolutionUser,
    /// `RequireSystemAccess(action, resource)`.
    System {
        /// The system resource.
        resource: &'static str,
        /// The action.
        action: &'static str,
    },
    /// `RequireProjectAccess` on the request's project.
    Project(ProjectCheck),
    /// The caller's own account, or the system permission on users (`requireReadable`,
    /// `requireModifiable`).
    SelfOrSystemUser {
        /// The action on `user` needed for somebody else's account.
        action: &'static str,
    },
    /// `requireDeletable`: the system permission, and never oneself or user 1.
    DeleteUser,
    /// `requireCreatable` after the auth mode: the system permission to create users; with
    /// `self_registration` on, a caller without it is refused only when the request carries
    /// no session cookie (a call through the API, not from Harbor's UI).
    CreateUser,
    /// `createProject`: authenticated, not a project-level robot, and only system
    /// administrators (or robots allowed to create projects) may create a proxy cache.
    CreateProject,
    /// `GET /permissions`: system administrators and administrators of some project.
    AnyAdmin,
    /// A label by id: the label's scope decides (global: system; project: its project).
    Label {
        /// The action on `label`.
        action: &'static str,
    },
    /// `CreateLabel`: the body's scope decides.
    CreateLabel,
    /// `ListLabels`: project labels need the project's permission; global ones are open.
    ListLabels,
    /// A robot by id: authenticated, then its level decides (system, or its project).
    Robot {
        /// The action on `robot`.
        action: &'static str,
    },
    /// `CreateRobot`: the body's level (and first namespace) decides, after Harbor's own
    /// validation of level and permissions; a robot may only create robots within its own
    /// access list.
    CreateRobot,
    /// `ListRobot`: `q=Level=project,ProjectID=N` needs that project's permission, otherwise
    /// the system one.
    ListRobots,
    /// A retention policy by id: authenticated, then its scope's project decides.
    Retention {
        /// The action on `tag-retention`.
        action: &'static str,
    },
    /// `createRetention` and `updateRetention`: authenticated, then the body's scope decides
    /// (`requireAccess` of the body's policy, `src/server/v2.0/handler/retention.go`).
    RetentionBody {
        /// The action on `tag-retention`.
        action: &'static str,
    },
    /// `scanArtifact` / `stopScanArtifact`: `scan`, or `sbom` when the body asks for one.
    Scan {
        /// The action (`create` or `stop`).
        action: &'static str,
    },
    /// `CopyArtifact`: create in the target project, and read in the `from` project.
    CopyArtifact,
    /// `exportScanData`: create `export-cve` in every project of the criteria, checked by
    /// the handler after its validation of the criteria.
    ExportScanData,
}

/// `RequireSystemAccess(action, resource)`.
pub(crate) const fn sys(resource: &'static str, action: &'static str) -> Rule {
    Rule::System { resource, action }
}

const fn check(from: ProjectFrom, resource: &'static str, action: &'static str) -> ProjectCheck {
    ProjectCheck {
        from,
        resource,
        action,
        lookup_first: false,
        authenticated_first: false,
    }
}

/// `RequireProjectAccess` on `{project_name_or_id}`.
pub(crate) const fn by_id(resource: &'static str, action: &'static str) -> Rule {
    Rule::Project(check(ProjectFrom::NameOrId, resource, action))
}

/// `RequireProjectAccess` on `{project_name}`.
pub(crate) const fn by_name(resource: &'static str, action: &'static str) -> Rule {
    Rule::Project(check(ProjectFrom::Name, resource, action))
}

/// The project is looked up (404) before `RequireProjectAccess`.
pub(crate) const fn found_then(
    from: ProjectFrom,
    resource: &'static str,
    action: &'static str,
) -> Rule {
    let mut c = check(from, resource, action);
    c.lookup_first = true;
    Rule::Project(c)
}

/// `RequireAuthenticated`, then `RequireProjectAccess` on `{project_name_or_id}`.
pub(crate) const fn signed_in_then(resource: &'static str, action: &'static str) -> Rule {
    let mut c = check(ProjectFrom::NameOrId, resource, action);
    c.authenticated_first = true;
    Rule::Project(c)
}
