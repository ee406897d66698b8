//! The operation table: one entry per Harbor operation id, holding everything the simulator
//! does for it beyond what the spec says (its handler, its access rule, its audit rule).
//! Entries are grouped by handler file; [`super::resolve`] checks at startup that the 203
//! operations of the spec have one entry each.

use super::Operation;
use crate::audit_events::Audit;
use crate::handlers::Handler::{Reads, Writes};
use crate::handlers::{
    artifacts, audit_logs, configurations, connectivity, generic, icons, immutable, jobservice,
    labels, ldap, members, metadata, permissions, preheat, projects, quotas, registries,
    replication, repositories, retention, robots, scan_export, scanners, security_hub, system,
    system_cve_allowlist, system_jobs, usergroups, users, webhooks,
};
use crate::rbac::table::ProjectFrom::{Name, NameOrId};
use crate::rbac::table::Rule::*;
use crate::rbac::table::{by_id, by_name, found_then, signed_in_then, sys};
use crate::state::JobKind;

/// Every operation's entry (the spec's data is joined to it at startup).
pub(crate) static ENTRIES: &[Operation] = &[
    // Projects (`handlers/projects.rs`).
    // Open to everybody: the list shows what the caller may see.
    Operation {
        id: "listProjects",
        handler: Reads(projects::list),
        access: Open,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "headProject",
        handler: Reads(projects::head),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createProject",
        handler: Writes(projects::create),
        access: CreateProject,
        audit: Audit::ProjectCreated,
    },
    Operation {
        id: "deleteProject",
        handler: Writes(projects::delete),
        access: by_id("", "delete"),
        audit: Audit::ProjectDeleted,
    },
    Operation {
        id: "getProject",
        handler: Reads(projects::get),
        access: by_id("", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateProject",
        handler: Writes(projects::update),
        access: by_id("", "update"),
        audit: Audit::ProjectUpdated,
    },
    Operation {
        id: "getProjectDeletable",
        handler: Reads(projects::deletable),
        access: by_id("", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listArtifactsOfProject",
        handler: Reads(projects::artifacts),
        access: signed_in_then("artifact", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getScannerOfProject",
        handler: Reads(projects::scanner),
        access: signed_in_then("scanner", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "setScannerOfProject",
        handler: Writes(projects::set_scanner),
        access: signed_in_then("scanner", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listScannerCandidatesOfProject",
        handler: Reads(projects::scanner_candidates),
        access: signed_in_then("scanner", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getProjectSummary",
        handler: Reads(projects::summary),
        access: by_id("", "read"),
        audit: Audit::NotAudited,
    },
    // Project metadata (`handlers/metadata.rs`).
    Operation {
        id: "listProjectMetadatas",
        handler: Reads(metadata::list),
        access: by_id("metadata", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "addProjectMetadatas",
        handler: Writes(metadata::add),
        access: by_id("metadata", "create"),
        audit: Audit::ProjectUpdated,
    },
    Operation {
        id: "deleteProjectMetadata",
        handler: Writes(metadata::delete),
        access: by_id("metadata", "delete"),
        audit: Audit::ProjectUpdated,
    },
    Operation {
        id: "getProjectMetadata",
        handler: Reads(metadata::get),
        access: by_id("metadata", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateProjectMetadata",
        handler: Writes(metadata::update),
        access: by_id("metadata", "update"),
        audit: Audit::ProjectUpdated,
    },
    // Project members (`handlers/members.rs`).
    Operation {
        id: "listProjectMembers",
        handler: Reads(members::list),
        access: by_id("member", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createProjectMember",
        handler: Writes(members::create),
        access: by_id("member", "create"),
        audit: Audit::MemberCreated,
    },
    Operation {
        id: "deleteProjectMember",
        handler: Writes(members::delete),
        access: by_id("member", "delete"),
        audit: Audit::MemberDeleted,
    },
    Operation {
        id: "getProjectMember",
        handler: Reads(members::get),
        access: by_id("member", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateProjectMember",
        handler: Writes(members::update),
        access: by_id("member", "update"),
        audit: Audit::MemberUpdated,
    },
    // Repositories (`handlers/repositories.rs`).
    Operation {
        id: "listRepositories",
        handler: Reads(repositories::list),
        access: by_name("repository", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteRepository",
        handler: Writes(repositories::delete),
        access: by_name("repository", "delete"),
        audit: Audit::RepositoryDeleted,
    },
    Operation {
        id: "getRepository",
        handler: Reads(repositories::get),
        access: by_name("repository", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateRepository",
        handler: Writes(repositories::update),
        access: by_name("repository", "update"),
        audit: Audit::NotAudited,
    },
    // Open to everybody: the list shows what the caller may see.
    Operation {
        id: "listAllRepositories",
        handler: Reads(repositories::list_all),
        access: Open,
        audit: Audit::NotAudited,
    },
    // Artifacts, tags, scans and additions (`handlers/artifacts.rs`).
    Operation {
        id: "listArtifacts",
        handler: Reads(artifacts::list),
        access: by_name("artifact", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CopyArtifact",
        handler: Writes(artifacts::copy),
        access: CopyArtifact,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteArtifact",
        handler: Writes(artifacts::delete),
        access: by_name("artifact", "delete"),
        audit: Audit::ArtifactDeleted,
    },
    Operation {
        id: "getArtifact",
        handler: Reads(artifacts::get),
        access: by_name("artifact", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listAccessories",
        handler: Reads(artifacts::accessories),
        access: by_name("accessory", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getVulnerabilitiesAddition",
        handler: Reads(artifacts::vulnerabilities),
        access: by_name("artifact-addition", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getAddition",
        handler: Reads(artifacts::addition),
        access: by_name("artifact-addition", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "addLabel",
        handler: Writes(artifacts::add_label),
        access: found_then(Name, "artifact-label", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "removeLabel",
        handler: Writes(artifacts::remove_label),
        access: by_name("artifact-label", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "scanArtifact",
        handler: Writes(artifacts::scan),
        access: Scan { action: "create" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "stopScanArtifact",
        handler: Writes(artifacts::stop_scan),
        access: Scan { action: "stop" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getReportLog",
        handler: Reads(artifacts::report_log),
        access: by_name("scan", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listTags",
        handler: Reads(artifacts::list_tags),
        access: by_name("tag", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createTag",
        handler: Writes(artifacts::create_tag),
        access: by_name("tag", "create"),
        audit: Audit::TagCreated,
    },
    Operation {
        id: "deleteTag",
        handler: Writes(artifacts::delete_tag),
        access: by_name("tag", "delete"),
        audit: Audit::TagDeleted,
    },
    // Labels (`handlers/labels.rs`).
    Operation {
        id: "ListLabels",
        handler: Reads(labels::list),
        access: ListLabels,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CreateLabel",
        handler: Writes(labels::create),
        access: CreateLabel,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "DeleteLabel",
        handler: Writes(labels::delete),
        access: Label { action: "delete" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetLabelByID",
        handler: Reads(labels::get),
        access: Label { action: "read" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "UpdateLabel",
        handler: Writes(labels::update),
        access: Label { action: "update" },
        audit: Audit::NotAudited,
    },
    // Scanners (`handlers/scanners.rs`).
    Operation {
        id: "listScanners",
        handler: Reads(scanners::list),
        access: sys("scanner", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createScanner",
        handler: Writes(scanners::create),
        access: sys("scanner", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "pingScanner",
        handler: Reads(scanners::ping),
        access: sys("scanner", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteScanner",
        handler: Writes(scanners::delete),
        access: sys("scanner", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getScanner",
        handler: Reads(scanners::get),
        access: sys("scanner", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "setScannerAsDefault",
        handler: Writes(scanners::set_default),
        access: sys("scanner", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateScanner",
        handler: Writes(scanners::update),
        access: sys("scanner", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getScannerMetadata",
        handler: Reads(scanners::metadata),
        access: sys("scanner", "read"),
        audit: Audit::NotAudited,
    },
    // Scan data export (`handlers/scan_export.rs`).
    Operation {
        id: "exportScanData",
        handler: Writes(scan_export::export),
        access: ExportScanData,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "downloadScanData",
        handler: Writes(scan_export::download),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getScanDataExportExecution",
        handler: Writes(scan_export::get),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getScanDataExportExecutionList",
        handler: Writes(scan_export::list),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    // Security hub (`handlers/security_hub.rs`).
    Operation {
        id: "getSecuritySummary",
        handler: Reads(security_hub::summary),
        access: sys("security-hub", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListVulnerabilities",
        handler: Reads(security_hub::vulnerabilities),
        access: sys("security-hub", "list"),
        audit: Audit::NotAudited,
    },
    // Immutable tag rules (`handlers/immutable.rs`).
    Operation {
        id: "ListImmuRules",
        handler: Reads(immutable::list),
        access: by_id("immutable-tag", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CreateImmuRule",
        handler: Writes(immutable::create),
        access: by_id("immutable-tag", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "DeleteImmuRule",
        handler: Writes(immutable::delete),
        access: by_id("immutable-tag", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "UpdateImmuRule",
        handler: Writes(immutable::update),
        access: by_id("immutable-tag", "update"),
        audit: Audit::NotAudited,
    },
    // Webhooks (`handlers/webhooks.rs`).
    Operation {
        id: "GetSupportedEventTypes",
        handler: Reads(webhooks::event_types),
        access: by_id("notification-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListWebhookJobs",
        handler: Reads(webhooks::jobs),
        access: by_id("notification-policy", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "LastTrigger",
        handler: Reads(webhooks::last_trigger),
        access: by_id("notification-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListWebhookPoliciesOfProject",
        handler: Reads(webhooks::list),
        access: by_id("notification-policy", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CreateWebhookPolicyOfProject",
        handler: Writes(webhooks::create),
        access: by_id("notification-policy", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "DeleteWebhookPolicyOfProject",
        handler: Writes(webhooks::delete),
        access: by_id("notification-policy", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetWebhookPolicyOfProject",
        handler: Reads(webhooks::get),
        access: found_then(NameOrId, "notification-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "UpdateWebhookPolicyOfProject",
        handler: Writes(webhooks::update),
        access: by_id("notification-policy", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListExecutionsOfWebhookPolicy",
        handler: Writes(webhooks::executions),
        access: found_then(NameOrId, "notification-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListTasksOfWebhookExecution",
        handler: Writes(webhooks::tasks),
        access: found_then(NameOrId, "notification-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetLogsOfWebhookTask",
        handler: Writes(webhooks::task_log),
        access: found_then(NameOrId, "notification-policy", "read"),
        audit: Audit::NotAudited,
    },
    // Preheat (`handlers/preheat.rs`).
    Operation {
        id: "PingInstances",
        handler: Reads(preheat::ping),
        access: sys("preheat-instance", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListProviders",
        handler: Reads(preheat::drivers),
        access: sys("preheat-instance", "list"),
        audit: Audit::NotAudited,
    },
    // Harbor checks only read for a manual preheat.
    Operation {
        id: "ManualPreheat",
        handler: Writes(preheat::manual),
        access: by_name("preheat-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "UpdatePolicy",
        handler: Writes(preheat::update_policy),
        access: by_name("preheat-policy", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListExecutions",
        handler: Writes(preheat::list_executions),
        access: by_name("preheat-policy", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetExecution",
        handler: Writes(preheat::get_execution),
        access: by_name("preheat-policy", "read"),
        audit: Audit::NotAudited,
    },
    // Harbor checks update to stop a preheat execution.
    Operation {
        id: "StopExecution",
        handler: Writes(preheat::stop_execution),
        access: by_name("preheat-policy", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListTasks",
        handler: Writes(preheat::list_tasks),
        access: by_name("preheat-policy", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetPreheatLog",
        handler: Writes(preheat::task_log),
        access: by_name("preheat-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListProvidersUnderProject",
        handler: Reads(preheat::providers),
        access: by_name("preheat-policy", "list"),
        audit: Audit::NotAudited,
    },
    // Tag retention (`handlers/retention.rs`).
    Operation {
        id: "createRetention",
        handler: Writes(retention::create),
        access: CreateRetention,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getRentenitionMetadata",
        handler: Reads(retention::metadata),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteRetention",
        handler: Writes(retention::delete),
        access: Retention { action: "delete" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getRetention",
        handler: Reads(retention::get),
        access: Retention { action: "read" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateRetention",
        handler: Writes(retention::update),
        access: Retention { action: "update" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listRetentionExecutions",
        handler: Writes(retention::list_executions),
        access: Retention { action: "list" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "triggerRetentionExecution",
        handler: Writes(retention::trigger),
        access: Retention { action: "update" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "operateRetentionExecution",
        handler: Writes(retention::operate),
        access: Retention { action: "update" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listRetentionTasks",
        handler: Writes(retention::list_tasks),
        access: Retention { action: "list" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getRetentionTaskLog",
        handler: Writes(retention::task_log),
        access: Retention { action: "read" },
        audit: Audit::NotAudited,
    },
    // Quotas (`handlers/quotas.rs`).
    Operation {
        id: "listQuotas",
        handler: Reads(quotas::list),
        access: sys("quota", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getQuota",
        handler: Reads(quotas::get),
        access: sys("quota", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateQuota",
        handler: Writes(quotas::update),
        access: sys("quota", "update"),
        audit: Audit::NotAudited,
    },
    // Robot accounts (`handlers/robots.rs`).
    Operation {
        id: "ListRobot",
        handler: Reads(robots::list),
        access: ListRobots,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CreateRobot",
        handler: Writes(robots::create),
        access: CreateRobot,
        audit: Audit::RobotCreated,
    },
    Operation {
        id: "DeleteRobot",
        handler: Writes(robots::delete),
        access: Robot { action: "delete" },
        audit: Audit::RobotDeleted,
    },
    Operation {
        id: "GetRobotByID",
        handler: Reads(robots::get),
        access: Robot { action: "read" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "RefreshSec",
        handler: Writes(robots::refresh),
        access: Robot { action: "update" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "UpdateRobot",
        handler: Writes(robots::update),
        access: Robot { action: "update" },
        audit: Audit::NotAudited,
    },
    // Users (`handlers/users.rs`).
    Operation {
        id: "listUsers",
        handler: Reads(users::list),
        access: sys("user", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createUser",
        handler: Writes(users::create),
        access: sys("user", "create"),
        audit: Audit::UserCreated,
    },
    Operation {
        id: "getCurrentUserInfo",
        handler: Reads(users::current),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getCurrentUserPermissions",
        handler: Reads(users::permissions),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "searchUsers",
        handler: Reads(users::search),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteUser",
        handler: Writes(users::delete),
        access: DeleteUser,
        audit: Audit::UserDeleted,
    },
    Operation {
        id: "getUser",
        handler: Reads(users::get),
        access: SelfOrSystemUser { action: "read" },
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateUserProfile",
        handler: Writes(users::update_profile),
        access: SelfOrSystemUser { action: "update" },
        audit: Audit::UserUpdated { detail: "" },
    },
    Operation {
        id: "setCliSecret",
        handler: Reads(users::set_cli_secret),
        access: Open,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateUserPassword",
        handler: Writes(users::update_password),
        access: SelfOrSystemUser { action: "update" },
        audit: Audit::UserUpdated {
            detail: ", change user password",
        },
    },
    Operation {
        id: "setUserSysAdmin",
        handler: Writes(users::set_sysadmin),
        access: sys("user", "update"),
        audit: Audit::UserUpdated {
            detail: ", add/remove user as system administrator",
        },
    },
    // User groups (`handlers/usergroups.rs`).
    Operation {
        id: "listUserGroups",
        handler: Reads(usergroups::list),
        access: sys("user-group", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createUserGroup",
        handler: Writes(usergroups::create),
        access: sys("user-group", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "searchUserGroups",
        handler: Reads(usergroups::search),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteUserGroup",
        handler: Writes(usergroups::delete),
        access: sys("user-group", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getUserGroup",
        handler: Reads(usergroups::get),
        access: sys("user-group", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateUserGroup",
        handler: Writes(usergroups::update),
        access: sys("user-group", "update"),
        audit: Audit::NotAudited,
    },
    // LDAP (`handlers/ldap.rs`).
    Operation {
        id: "searchLdapGroup",
        handler: Reads(ldap::search_groups),
        access: sys("ldap-user", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "importLdapUser",
        handler: Writes(ldap::import_users),
        access: sys("ldap-user", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "searchLdapUser",
        handler: Reads(ldap::search_users),
        access: sys("ldap-user", "list"),
        audit: Audit::NotAudited,
    },
    // Permissions (`handlers/permissions.rs`).
    Operation {
        id: "getPermissions",
        handler: Reads(permissions::get),
        access: AnyAdmin,
        audit: Audit::NotAudited,
    },
    // Audit logs (`handlers/audit_logs.rs`).
    Operation {
        id: "listAuditLogs",
        handler: Reads(audit_logs::list_legacy),
        access: AuthenticatedByName,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listAuditLogExts",
        handler: Reads(audit_logs::list_ext),
        access: AuthenticatedByName,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listAuditLogEventTypes",
        handler: Reads(audit_logs::event_types),
        access: sys("audit-log", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getLogExts",
        handler: Reads(audit_logs::list_ext_of_project),
        access: by_name("log", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getLogs",
        handler: Reads(audit_logs::list_legacy_of_project),
        access: by_name("log", "list"),
        audit: Audit::NotAudited,
    },
    // Registries (`handlers/registries.rs`).
    Operation {
        id: "listRegistries",
        handler: Reads(registries::list),
        access: sys("registry", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createRegistry",
        handler: Writes(registries::create),
        access: sys("registry", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "pingRegistry",
        handler: Reads(registries::ping),
        access: sys("registry", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteRegistry",
        handler: Writes(registries::delete),
        access: sys("registry", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getRegistry",
        handler: Reads(registries::get),
        access: sys("registry", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateRegistry",
        handler: Writes(registries::update),
        access: sys("registry", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getRegistryInfo",
        handler: Reads(registries::info),
        access: sys("registry", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listRegistryProviderInfos",
        handler: Reads(registries::provider_infos),
        access: sys("replication-adapter", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listRegistryProviderTypes",
        handler: Reads(registries::provider_types),
        access: sys("replication-adapter", "list"),
        audit: Audit::NotAudited,
    },
    // Replication (`handlers/replication.rs`).
    Operation {
        id: "listReplicationExecutions",
        handler: Writes(replication::list_executions),
        access: sys("replication", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "startReplication",
        handler: Writes(replication::start),
        access: sys("replication", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getReplicationExecution",
        handler: Writes(replication::get_execution),
        access: sys("replication", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "stopReplication",
        handler: Writes(replication::stop),
        access: sys("replication", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listReplicationTasks",
        handler: Writes(replication::list_tasks),
        access: sys("replication", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getReplicationLog",
        handler: Writes(replication::log),
        access: sys("replication", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listReplicationPolicies",
        handler: Reads(replication::list_policies),
        access: sys("replication-policy", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createReplicationPolicy",
        handler: Writes(replication::create_policy),
        access: sys("replication-policy", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "deleteReplicationPolicy",
        handler: Writes(replication::delete_policy),
        access: sys("replication-policy", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getReplicationPolicy",
        handler: Reads(replication::get_policy),
        access: sys("replication-policy", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateReplicationPolicy",
        handler: Writes(replication::update_policy),
        access: sys("replication-policy", "update"),
        audit: Audit::NotAudited,
    },
    // Garbage collection, audit-log purge and scan all (`handlers/system_jobs.rs`).
    Operation {
        id: "getLatestScanAllMetrics",
        handler: Writes(|c, s| system_jobs::scan_all_metrics(c, s, None)),
        access: sys("scan-all", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getLatestScheduledScanAllMetrics",
        handler: Writes(|c, s| system_jobs::scan_all_metrics(c, s, Some("SCHEDULE"))),
        access: sys("scan-all", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getGCHistory",
        handler: Writes(|c, s| system_jobs::history(c, s, JobKind::GarbageCollection)),
        access: sys("garbage-collection", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getGCSchedule",
        handler: Writes(|c, s| system_jobs::get_schedule(c, s, JobKind::GarbageCollection)),
        access: sys("garbage-collection", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createGCSchedule",
        handler: Writes(|c, s| system_jobs::create_schedule(c, s, JobKind::GarbageCollection)),
        access: sys("garbage-collection", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateGCSchedule",
        handler: Writes(|c, s| system_jobs::update_schedule(c, s, JobKind::GarbageCollection)),
        access: sys("garbage-collection", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getGC",
        handler: Writes(|c, s| system_jobs::get_run(c, s, JobKind::GarbageCollection, "gc_id")),
        access: sys("garbage-collection", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "stopGC",
        handler: Writes(|c, s| system_jobs::stop_run(c, s, JobKind::GarbageCollection, "gc_id")),
        access: sys("garbage-collection", "stop"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getGCLog",
        handler: Writes(|c, s| system_jobs::run_log(c, s, JobKind::GarbageCollection, "gc_id")),
        access: sys("garbage-collection", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getPurgeHistory",
        handler: Writes(|c, s| system_jobs::history(c, s, JobKind::PurgeAudit)),
        access: sys("purge-audit", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getPurgeSchedule",
        handler: Writes(|c, s| system_jobs::get_schedule(c, s, JobKind::PurgeAudit)),
        access: sys("purge-audit", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createPurgeSchedule",
        handler: Writes(|c, s| system_jobs::create_schedule(c, s, JobKind::PurgeAudit)),
        access: sys("purge-audit", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updatePurgeSchedule",
        handler: Writes(|c, s| system_jobs::update_schedule(c, s, JobKind::PurgeAudit)),
        access: sys("purge-audit", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getPurgeJob",
        handler: Writes(|c, s| system_jobs::get_run(c, s, JobKind::PurgeAudit, "purge_id")),
        access: sys("purge-audit", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "stopPurge",
        handler: Writes(|c, s| system_jobs::stop_run(c, s, JobKind::PurgeAudit, "purge_id")),
        access: sys("purge-audit", "stop"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getPurgeJobLog",
        handler: Writes(|c, s| system_jobs::run_log(c, s, JobKind::PurgeAudit, "purge_id")),
        access: sys("purge-audit", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getScanAllSchedule",
        handler: Writes(system_jobs::get_scan_all_schedule),
        access: sys("scan-all", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "createScanAllSchedule",
        handler: Writes(system_jobs::create_scan_all),
        access: sys("scan-all", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateScanAllSchedule",
        handler: Writes(system_jobs::update_scan_all),
        access: sys("scan-all", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "stopScanAll",
        handler: Writes(system_jobs::stop_scan_all),
        access: sys("scan-all", "stop"),
        audit: Audit::NotAudited,
    },
    // The job service (`handlers/jobservice.rs`).
    Operation {
        id: "stopRunningJob",
        handler: Writes(jobservice::stop),
        access: sys("jobservice-monitor", "stop"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "actionGetJobLog",
        handler: Reads(jobservice::log),
        access: sys("jobservice-monitor", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getWorkerPools",
        handler: Reads(jobservice::worker_pools),
        access: sys("jobservice-monitor", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getWorkers",
        handler: Reads(jobservice::workers),
        access: sys("jobservice-monitor", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listJobQueues",
        handler: Reads(jobservice::job_queues),
        access: sys("jobservice-monitor", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "actionPendingJobs",
        handler: Writes(jobservice::pending),
        access: sys("jobservice-monitor", "stop"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "listSchedules",
        handler: Reads(jobservice::schedules),
        access: sys("jobservice-monitor", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getSchedulePaused",
        handler: Reads(jobservice::paused),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    // Configurations (`handlers/configurations.rs`).
    Operation {
        id: "getConfigurations",
        handler: Reads(configurations::get),
        access: sys("configuration", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "updateConfigurations",
        handler: Writes(configurations::update),
        access: sys("configuration", "update"),
        audit: Audit::ConfigurationUpdated,
    },
    // The system CVE allowlist (`handlers/system_cve_allowlist.rs`).
    Operation {
        id: "getSystemCVEAllowlist",
        handler: Reads(system_cve_allowlist::get),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "putSystemCVEAllowlist",
        handler: Writes(system_cve_allowlist::put),
        access: sys("configuration", "update"),
        audit: Audit::NotAudited,
    },
    // System: health, ping, information, statistics, volumes, certificate (`handlers/system.rs`).
    Operation {
        id: "getHealth",
        handler: Reads(system::health),
        access: Open,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getPing",
        handler: Reads(system::ping),
        access: Open,
        audit: Audit::NotAudited,
    },
    // Open to everybody: the answer shows what the caller may see.
    Operation {
        id: "search",
        handler: Reads(system::search),
        access: Open,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getStatistic",
        handler: Reads(system::statistics),
        access: Authenticated,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getSystemInfo",
        handler: Reads(system::system_info),
        access: Open,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getCert",
        handler: Reads(system::cert),
        access: Open,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "getVolumes",
        handler: Reads(system::volumes),
        access: sys("system-volumes", "read"),
        audit: Audit::NotAudited,
    },
    // Connectivity checks (`handlers/connectivity.rs`).
    Operation {
        id: "pingLdap",
        handler: Reads(connectivity::ping_ldap),
        access: sys("configuration", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "pingOIDC",
        handler: Reads(connectivity::ping_oidc),
        access: sys("configuration", "update"),
        audit: Audit::NotAudited,
    },
    // Icons (`handlers/icons.rs`).
    Operation {
        id: "getIcon",
        handler: Reads(icons::get),
        access: Open,
        audit: Audit::NotAudited,
    },
    // Operations answered by the generic handler (their documented shape, state kept by path) (`handlers/generic.rs`).
    Operation {
        id: "getInternalconfig",
        handler: Writes(generic::handle),
        access: SolutionUser,
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListInstances",
        handler: Reads(preheat::list_instances),
        access: sys("preheat-instance", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CreateInstance",
        handler: Writes(preheat::create_instance),
        access: sys("preheat-instance", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "DeleteInstance",
        handler: Writes(preheat::delete_instance),
        access: sys("preheat-instance", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetInstance",
        handler: Reads(preheat::get_instance),
        access: sys("preheat-instance", "read"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "UpdateInstance",
        handler: Writes(preheat::update_instance),
        access: sys("preheat-instance", "update"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "ListPolicies",
        handler: Reads(preheat::list_policies),
        access: by_name("preheat-policy", "list"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "CreatePolicy",
        handler: Writes(preheat::create_policy),
        access: by_name("preheat-policy", "create"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "DeletePolicy",
        handler: Writes(preheat::delete_policy),
        access: by_name("preheat-policy", "delete"),
        audit: Audit::NotAudited,
    },
    Operation {
        id: "GetPolicy",
        handler: Reads(preheat::get_policy),
        access: by_name("preheat-policy", "read"),
        audit: Audit::NotAudited,
    },
];
