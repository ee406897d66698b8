//! The access rule Harbor applies to each of its 203 operations, by operation id.
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
    /// `createRetention`: authenticated, then the body's scope decides.
    CreateRetention,
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

const fn sys(resource: &'static str, action: &'static str) -> Rule {
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
const fn by_id(resource: &'static str, action: &'static str) -> Rule {
    Rule::Project(check(ProjectFrom::NameOrId, resource, action))
}

/// `RequireProjectAccess` on `{project_name}`.
const fn by_name(resource: &'static str, action: &'static str) -> Rule {
    Rule::Project(check(ProjectFrom::Name, resource, action))
}

/// The project is looked up (404) before `RequireProjectAccess`.
const fn found_then(from: ProjectFrom, resource: &'static str, action: &'static str) -> Rule {
    let mut c = check(from, resource, action);
    c.lookup_first = true;
    Rule::Project(c)
}

/// `RequireAuthenticated`, then `RequireProjectAccess` on `{project_name_or_id}`.
const fn signed_in_then(resource: &'static str, action: &'static str) -> Rule {
    let mut c = check(ProjectFrom::NameOrId, resource, action);
    c.authenticated_first = true;
    Rule::Project(c)
}

/// The rule of an operation id; `None` for an id that is not Harbor's.
pub fn rule(operation_id: &str) -> Option<Rule> {
    use ProjectFrom::{Name, NameOrId};
    use Rule::*;
    Some(match operation_id {
        // Open to everybody; the list operations filter their answer by caller.
        "getHealth"
        | "getPing"
        | "getSystemInfo"
        | "getCert"
        | "getIcon"
        | "search"
        | "listProjects"
        | "listAllRepositories"
        | "setCliSecret" => Open,
        "getInternalconfig" => SolutionUser,
        "headProject"
        | "getStatistic"
        | "searchUsers"
        | "getCurrentUserInfo"
        | "getCurrentUserPermissions"
        | "searchUserGroups"
        | "getSystemCVEAllowlist"
        | "getSchedulePaused"
        | "getScanDataExportExecution"
        | "getScanDataExportExecutionList"
        | "downloadScanData"
        | "getRentenitionMetadata" => Authenticated,
        "getPermissions" => AnyAdmin,
        "listAuditLogs" | "listAuditLogExts" => AuthenticatedByName,

        // System resources.
        "pingLdap" | "getConfigurations" => sys("configuration", "read"),
        "updateConfigurations" | "pingOIDC" | "putSystemCVEAllowlist" => {
            sys("configuration", "update")
        }
        "searchLdapUser" | "searchLdapGroup" => sys("ldap-user", "list"),
        "importLdapUser" => sys("ldap-user", "create"),
        "listAuditLogEventTypes" => sys("audit-log", "list"),
        "ListProviders" | "ListInstances" => sys("preheat-instance", "list"),
        "PingInstances" | "GetInstance" => sys("preheat-instance", "read"),
        "CreateInstance" => sys("preheat-instance", "create"),
        "UpdateInstance" => sys("preheat-instance", "update"),
        "DeleteInstance" => sys("preheat-instance", "delete"),
        "listUserGroups" => sys("user-group", "list"),
        "createUserGroup" => sys("user-group", "create"),
        "getUserGroup" => sys("user-group", "read"),
        "updateUserGroup" => sys("user-group", "update"),
        "deleteUserGroup" => sys("user-group", "delete"),
        "listQuotas" => sys("quota", "list"),
        "getQuota" => sys("quota", "read"),
        "updateQuota" => sys("quota", "update"),
        "listReplicationPolicies" => sys("replication-policy", "list"),
        "createReplicationPolicy" => sys("replication-policy", "create"),
        "getReplicationPolicy" => sys("replication-policy", "read"),
        "updateReplicationPolicy" => sys("replication-policy", "update"),
        "deleteReplicationPolicy" => sys("replication-policy", "delete"),
        "listReplicationExecutions" | "listReplicationTasks" => sys("replication", "list"),
        "startReplication" | "stopReplication" => sys("replication", "create"),
        "getReplicationExecution" | "getReplicationLog" => sys("replication", "read"),
        "listRegistryProviderTypes" | "listRegistryProviderInfos" => {
            sys("replication-adapter", "list")
        }
        "listRegistries" => sys("registry", "list"),
        "createRegistry" => sys("registry", "create"),
        "pingRegistry" | "getRegistry" | "getRegistryInfo" => sys("registry", "read"),
        "updateRegistry" => sys("registry", "update"),
        "deleteRegistry" => sys("registry", "delete"),
        "getLatestScanAllMetrics" | "getLatestScheduledScanAllMetrics" | "getScanAllSchedule" => {
            sys("scan-all", "read")
        }
        "createScanAllSchedule" => sys("scan-all", "create"),
        "updateScanAllSchedule" => sys("scan-all", "update"),
        "stopScanAll" => sys("scan-all", "stop"),
        "getVolumes" => sys("system-volumes", "read"),
        "getGCHistory" => sys("garbage-collection", "list"),
        "getGC" | "getGCLog" | "getGCSchedule" => sys("garbage-collection", "read"),
        "createGCSchedule" => sys("garbage-collection", "create"),
        "updateGCSchedule" => sys("garbage-collection", "update"),
        "stopGC" => sys("garbage-collection", "stop"),
        "getPurgeHistory" => sys("purge-audit", "list"),
        "getPurgeJob" | "getPurgeJobLog" | "getPurgeSchedule" => sys("purge-audit", "read"),
        "createPurgeSchedule" => sys("purge-audit", "create"),
        "updatePurgeSchedule" => sys("purge-audit", "update"),
        "stopPurge" => sys("purge-audit", "stop"),
        "getWorkerPools" | "getWorkers" | "actionGetJobLog" | "listJobQueues" | "listSchedules" => {
            sys("jobservice-monitor", "list")
        }
        "stopRunningJob" | "actionPendingJobs" => sys("jobservice-monitor", "stop"),
        "listScanners" => sys("scanner", "list"),
        "createScanner" => sys("scanner", "create"),
        "pingScanner" | "getScanner" | "getScannerMetadata" => sys("scanner", "read"),
        "updateScanner" | "setScannerAsDefault" => sys("scanner", "update"),
        "deleteScanner" => sys("scanner", "delete"),
        "getSecuritySummary" => sys("security-hub", "read"),
        "ListVulnerabilities" => sys("security-hub", "list"),

        // Users.
        "listUsers" => sys("user", "list"),
        "createUser" => sys("user", "create"),
        "setUserSysAdmin" => sys("user", "update"),
        "getUser" => SelfOrSystemUser { action: "read" },
        "updateUserProfile" | "updateUserPassword" => SelfOrSystemUser { action: "update" },
        "deleteUser" => DeleteUser,

        // Projects and what lives in them.
        "createProject" => CreateProject,
        "getProject" | "getProjectSummary" => by_id("", "read"),
        "updateProject" => by_id("", "update"),
        "deleteProject" | "getProjectDeletable" => by_id("", "delete"),
        "listProjectMembers" => by_id("member", "list"),
        "createProjectMember" => by_id("member", "create"),
        "getProjectMember" => by_id("member", "read"),
        "updateProjectMember" => by_id("member", "update"),
        "deleteProjectMember" => by_id("member", "delete"),
        "listProjectMetadatas" => by_id("metadata", "list"),
        "addProjectMetadatas" => by_id("metadata", "create"),
        "getProjectMetadata" => by_id("metadata", "read"),
        "updateProjectMetadata" => by_id("metadata", "update"),
        "deleteProjectMetadata" => by_id("metadata", "delete"),
        "listRepositories" => by_name("repository", "list"),
        "getRepository" => by_name("repository", "read"),
        "updateRepository" => by_name("repository", "update"),
        "deleteRepository" => by_name("repository", "delete"),
        "listArtifacts" => by_name("artifact", "list"),
        "getArtifact" => by_name("artifact", "read"),
        "deleteArtifact" => by_name("artifact", "delete"),
        "CopyArtifact" => CopyArtifact,
        "scanArtifact" => Scan { action: "create" },
        "stopScanArtifact" => Scan { action: "stop" },
        "getReportLog" => by_name("scan", "read"),
        "createTag" => by_name("tag", "create"),
        "listTags" => by_name("tag", "list"),
        "deleteTag" => by_name("tag", "delete"),
        "listAccessories" => by_name("accessory", "list"),
        "getVulnerabilitiesAddition" | "getAddition" => by_name("artifact-addition", "read"),
        "addLabel" => found_then(Name, "artifact-label", "create"),
        "removeLabel" => by_name("artifact-label", "delete"),
        "listArtifactsOfProject" => signed_in_then("artifact", "list"),
        "getScannerOfProject" => signed_in_then("scanner", "read"),
        "setScannerOfProject" | "listScannerCandidatesOfProject" => {
            signed_in_then("scanner", "create")
        }
        "getLogs" | "getLogExts" => by_name("log", "list"),
        "CreatePolicy" => by_name("preheat-policy", "create"),
        "ListPolicies" | "ListExecutions" | "ListTasks" | "ListProvidersUnderProject" => {
            by_name("preheat-policy", "list")
        }
        // Harbor checks only read for a manual preheat, and update to stop one.
        "GetPolicy" | "ManualPreheat" | "GetExecution" | "GetPreheatLog" => {
            by_name("preheat-policy", "read")
        }
        "UpdatePolicy" | "StopExecution" => by_name("preheat-policy", "update"),
        "DeletePolicy" => by_name("preheat-policy", "delete"),
        "ListImmuRules" => by_id("immutable-tag", "list"),
        "CreateImmuRule" => by_id("immutable-tag", "create"),
        "UpdateImmuRule" => by_id("immutable-tag", "update"),
        "DeleteImmuRule" => by_id("immutable-tag", "delete"),
        "ListWebhookPoliciesOfProject" | "ListWebhookJobs" => by_id("notification-policy", "list"),
        "CreateWebhookPolicyOfProject" => by_id("notification-policy", "create"),
        "UpdateWebhookPolicyOfProject" => by_id("notification-policy", "update"),
        "DeleteWebhookPolicyOfProject" => by_id("notification-policy", "delete"),
        "LastTrigger" | "GetSupportedEventTypes" => by_id("notification-policy", "read"),
        "GetWebhookPolicyOfProject"
        | "ListExecutionsOfWebhookPolicy"
        | "ListTasksOfWebhookExecution"
        | "GetLogsOfWebhookTask" => found_then(NameOrId, "notification-policy", "read"),
        "exportScanData" => ExportScanData,

        // Resources whose own record decides the scope.
        "ListLabels" => ListLabels,
        "CreateLabel" => CreateLabel,
        "GetLabelByID" => Label { action: "read" },
        "UpdateLabel" => Label { action: "update" },
        "DeleteLabel" => Label { action: "delete" },
        "ListRobot" => ListRobots,
        "CreateRobot" => CreateRobot,
        "GetRobotByID" => Robot { action: "read" },
        "UpdateRobot" | "RefreshSec" => Robot { action: "update" },
        "DeleteRobot" => Robot { action: "delete" },
        "createRetention" => CreateRetention,
        "getRetention" | "getRetentionTaskLog" => Retention { action: "read" },
        "updateRetention" | "triggerRetentionExecution" | "operateRetentionExecution" => {
            Retention { action: "update" }
        }
        "deleteRetention" => Retention { action: "delete" },
        "listRetentionExecutions" | "listRetentionTasks" => Retention { action: "list" },
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_operation_has_a_rule() {
        let missing: Vec<&str> = crate::operations()
            .iter()
            .map(|op| op.id)
            .filter(|id| rule(id).is_none())
            .collect();
        assert!(missing.is_empty(), "operations without a rule: {missing:?}");
        assert_eq!(crate::operations().len(), 203);
        assert_eq!(rule("noSuchOperation"), None);
    }
}
