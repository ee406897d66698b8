//! Rust names for spec names: methods, fields, types.

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};

/// Method names that read better than a mechanical `snake_case(operationId)`; most follow the
/// Python `harborapi` client so its users find what they know.
const METHOD_RENAMES: &[(&str, &str)] = &[
    ("getHealth", "get_health"),
    ("getStatistic", "get_statistics"),
    ("getInternalconfig", "get_internal_config"),
    ("headProject", "project_exists"),
    ("listProjectMetadatas", "get_project_metadata"),
    ("addProjectMetadatas", "set_project_metadata"),
    ("getProjectMetadata", "get_project_metadata_entry"),
    ("updateProjectMetadata", "update_project_metadata_entry"),
    ("deleteProjectMetadata", "delete_project_metadata_entry"),
    ("listAllRepositories", "get_all_repositories"),
    ("createTag", "create_artifact_tag"),
    ("listTags", "get_artifact_tags"),
    ("deleteTag", "delete_artifact_tag"),
    ("listAccessories", "get_artifact_accessories"),
    ("getVulnerabilitiesAddition", "get_artifact_vulnerabilities"),
    ("getAddition", "get_artifact_addition"),
    ("addLabel", "add_artifact_label"),
    ("removeLabel", "delete_artifact_label"),
    ("listArtifactsOfProject", "get_project_artifacts"),
    ("getScannerOfProject", "get_project_scanner"),
    ("setScannerOfProject", "set_project_scanner"),
    (
        "listScannerCandidatesOfProject",
        "get_project_scanner_candidates",
    ),
    ("listAuditLogExts", "get_audit_log_exts"),
    ("listAuditLogEventTypes", "get_audit_log_event_types"),
    ("getLogs", "get_project_logs"),
    ("getLogExts", "get_project_log_exts"),
    ("ListProviders", "get_preheat_providers"),
    ("PingInstances", "ping_preheat_instance"),
    ("ListInstances", "get_preheat_instances"),
    ("CreateInstance", "create_preheat_instance"),
    ("GetInstance", "get_preheat_instance"),
    ("DeleteInstance", "delete_preheat_instance"),
    ("UpdateInstance", "update_preheat_instance"),
    ("CreatePolicy", "create_preheat_policy"),
    ("ListPolicies", "get_preheat_policies"),
    ("GetPolicy", "get_preheat_policy"),
    ("UpdatePolicy", "update_preheat_policy"),
    ("ManualPreheat", "manual_preheat"),
    ("DeletePolicy", "delete_preheat_policy"),
    ("ListExecutions", "get_preheat_executions"),
    ("GetExecution", "get_preheat_execution"),
    ("StopExecution", "stop_preheat_execution"),
    ("ListTasks", "get_preheat_tasks"),
    ("GetPreheatLog", "get_preheat_log"),
    ("ListProvidersUnderProject", "get_project_preheat_providers"),
    ("ListImmuRules", "get_immutable_rules"),
    ("CreateImmuRule", "create_immutable_rule"),
    ("UpdateImmuRule", "update_immutable_rule"),
    ("DeleteImmuRule", "delete_immutable_rule"),
    ("ListWebhookPoliciesOfProject", "get_webhook_policies"),
    ("CreateWebhookPolicyOfProject", "create_webhook_policy"),
    ("GetWebhookPolicyOfProject", "get_webhook_policy"),
    ("UpdateWebhookPolicyOfProject", "update_webhook_policy"),
    ("DeleteWebhookPolicyOfProject", "delete_webhook_policy"),
    (
        "ListExecutionsOfWebhookPolicy",
        "get_webhook_policy_executions",
    ),
    ("ListTasksOfWebhookExecution", "get_webhook_execution_tasks"),
    ("GetLogsOfWebhookTask", "get_webhook_task_log"),
    ("LastTrigger", "get_webhook_last_trigger"),
    ("ListWebhookJobs", "get_webhook_jobs"),
    ("GetSupportedEventTypes", "get_webhook_event_types"),
    ("ListRobot", "get_robots"),
    ("GetRobotByID", "get_robot"),
    ("RefreshSec", "refresh_robot_secret"),
    ("listRegistryProviderTypes", "get_registry_adapters"),
    ("listRegistryProviderInfos", "get_registry_providers"),
    ("getGCHistory", "get_gc_jobs"),
    ("getGC", "get_gc_job"),
    ("stopGC", "stop_gc_job"),
    ("getGCLog", "get_gc_log"),
    ("getGCSchedule", "get_gc_schedule"),
    ("createGCSchedule", "create_gc_schedule"),
    ("updateGCSchedule", "update_gc_schedule"),
    ("getPurgeHistory", "get_purge_jobs"),
    ("stopPurge", "stop_purge_job"),
    ("getSystemCVEAllowlist", "get_system_cve_allowlist"),
    ("putSystemCVEAllowlist", "update_system_cve_allowlist"),
    ("pingOIDC", "ping_oidc"),
    ("getPing", "ping"),
    ("getRentenitionMetadata", "get_retention_metadata"),
    ("getCurrentUserInfo", "get_current_user"),
    ("updateUserProfile", "update_user"),
    ("setUserSysAdmin", "set_user_admin"),
    ("updateUserPassword", "set_user_password"),
    ("setCliSecret", "set_user_cli_secret"),
    ("GetLabelByID", "get_label"),
    ("getScanDataExportExecution", "get_scan_export_execution"),
    (
        "getScanDataExportExecutionList",
        "get_scan_export_executions",
    ),
    ("downloadScanData", "download_scan_export"),
    ("exportScanData", "export_scan_data"),
];

/// The client's method name for an operation: an explicit rename, else `list*` becomes
/// `get_*` (harborapi's convention), else `snake_case(operationId)`.
pub fn method_name(operation_id: &str) -> String {
    if let Some((_, name)) = METHOD_RENAMES.iter().find(|(id, _)| *id == operation_id) {
        return (*name).to_owned();
    }
    let snake = operation_id.to_snake_case();
    match snake.strip_prefix("list_") {
        Some(rest) => format!("get_{rest}"),
        None => snake,
    }
}

/// `SCREAMING_SNAKE` name of an operation's constant in the operation table.
pub fn operation_const(method_name: &str) -> String {
    method_name.to_shouty_snake_case()
}

/// The client's reference type for a path parameter that names a resource by name or id
/// (Harbor reads an all-digit value as an id unless `X-Is-Resource-Name: true` is sent).
pub fn name_or_id_type(wire: &str) -> Option<&'static str> {
    match wire {
        "project_name_or_id" => Some("ProjectRef"),
        _ => None,
    }
}

/// Type name for a method's optional-parameter struct.
pub fn params_struct(method_name: &str) -> String {
    format!("{}Params", method_name.to_upper_camel_case())
}

/// A Rust type name from a spec name (definitions keep theirs when already valid).
pub fn type_name(spec_name: &str) -> String {
    let camel = spec_name.to_upper_camel_case();
    if camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("N{camel}")
    } else {
        camel
    }
}

/// A Rust field or argument identifier for a wire name (`os.version` -> `os_version`,
/// `type` -> `r#type`, `X-Is-Resource-Name` -> `x_is_resource_name`).
pub fn field_name(wire: &str) -> String {
    let cleaned: String = wire
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    let mut snake = cleaned.to_snake_case();
    if snake.is_empty() || snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake = format!("n_{snake}");
    }
    if is_keyword(&snake) {
        if matches!(snake.as_str(), "self" | "super" | "crate" | "Self") {
            format!("{snake}_")
        } else {
            format!("r#{snake}")
        }
    } else {
        snake
    }
}

/// Enum variant name for a string value.
pub fn variant_name(value: &str) -> String {
    let cleaned: String = value
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let camel = cleaned.to_upper_camel_case();
    if camel.is_empty() || camel.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{camel}")
    } else if camel == "Unknown" {
        "UnknownValue".to_owned()
    } else {
        camel
    }
}

fn is_keyword(s: &str) -> bool {
    matches!(
        s,
        "as" | "break"
            | "const"
            | "continue"
            | "crate"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "Self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "async"
            | "await"
            | "dyn"
            | "abstract"
            | "become"
            | "box"
            | "do"
            | "final"
            | "macro"
            | "override"
            | "priv"
            | "typeof"
            | "unsized"
            | "virtual"
            | "yield"
            | "try"
            | "gen"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_names_follow_harborapi() {
        assert_eq!(method_name("getProject"), "get_project");
        assert_eq!(method_name("listProjects"), "get_projects");
        assert_eq!(method_name("createProject"), "create_project");
        assert_eq!(method_name("listArtifacts"), "get_artifacts");
        assert_eq!(method_name("listRepositories"), "get_repositories");
        assert_eq!(method_name("CreateRobot"), "create_robot");
        assert_eq!(method_name("CopyArtifact"), "copy_artifact");
        assert_eq!(method_name("RefreshSec"), "refresh_robot_secret");
    }

    #[test]
    fn field_names_are_valid_identifiers() {
        assert_eq!(field_name("os.version"), "os_version");
        assert_eq!(field_name("type"), "r#type");
        assert_eq!(field_name("skip_certVerify"), "skip_cert_verify");
        assert_eq!(field_name("X-Is-Resource-Name"), "x_is_resource_name");
        assert_eq!(field_name("cveIds"), "cve_ids");
    }
}
