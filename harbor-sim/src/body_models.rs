//! Checks JSON against `harbor_client::models`: request bodies on the way in (a wrong type is
//! 422, as Harbor's validator answers) and, in tests, answers on the way out.

use std::collections::BTreeMap;

use harbor_client::models;

macro_rules! model_check {
    ($($name:ident)*) => {
        fn check_one(model: &str, json: &[u8]) -> Option<Result<(), serde_json::Error>> {
            Some(match model {
                $(stringify!($name) => serde_json::from_slice::<models::$name>(json).map(drop),)*
                _ => return None,
            })
        }
        fn check_list(model: &str, json: &[u8]) -> Option<Result<(), serde_json::Error>> {
            Some(match model {
                $(stringify!($name) => serde_json::from_slice::<Vec<models::$name>>(json).map(drop),)*
                _ => return None,
            })
        }
        fn check_map(model: &str, json: &[u8]) -> Option<Result<(), serde_json::Error>> {
            Some(match model {
                $(stringify!($name) => serde_json::from_slice::<BTreeMap<String, models::$name>>(json).map(drop),)*
                _ => return None,
            })
        }
    };
}

model_check! {
    Accessory ActionRequest Artifact AuditLog AuditLogEventType AuditLogExt Configurations
    ConfigurationsResponse CveAllowlist ExecHistory Execution GcHistory GeneralInfo Icon
    ImmutableRule Instance InternalConfigurationsResponse IsDefault JobQueue Label LdapConf
    LdapImportUsers LdapPingResult LdapUser Metadata NewTag OidcCliSecretReq
    OperateRetentionExecutionBody OverallHealthStatus PasswordReq Permission Permissions
    PingOidcBody PreheatPolicy Project ProjectDeletable ProjectMember ProjectMemberEntity
    ProjectReq ProjectScanner ProjectSummary ProviderUnderProject Quota QuotaUpdateReq Registry
    RegistryInfo RegistryPing RegistryProviderInfo RegistryUpdate ReplicationExecution
    ReplicationPolicy ReplicationTask Repository RetentionExecution RetentionExecutionTask
    RetentionMetadata RetentionPolicy Robot RobotCreate RobotCreated RobotSec RoleRequest
    ScanDataExportExecution ScanDataExportExecutionList ScanDataExportJob ScanDataExportRequest
    ScanType ScannerAdapterMetadata ScannerRegistration ScannerRegistrationReq
    ScannerRegistrationSettings Schedule ScheduleTask SchedulerStatus Search SecuritySummary
    StartReplicationExecution Statistic Stats SupportedWebhookEventTypes SystemInfo Tag Task
    TriggerRetentionExecutionBody UserCreationReq UserGroup UserGroupSearchItem UserProfile
    UserResp UserSearchRespItem UserSysAdminFlag VulnerabilityItem WebhookJob WebhookLastTrigger
    WebhookPolicy Worker WorkerPool
}

/// Checks `json` against a model as the operation table spells it: `Project`, `[Project]`,
/// `{RegistryProviderInfo}`, `[string]`, `{string}`, `object`. `None` when the name is not a
/// JSON model (text answers) or unknown.
pub fn check(model: &str, json: &[u8]) -> Option<Result<(), serde_json::Error>> {
    if let Some(inner) = model.strip_prefix('[').and_then(|m| m.strip_suffix(']')) {
        return match inner {
            "string" => Some(serde_json::from_slice::<Vec<String>>(json).map(drop)),
            "object" => Some(serde_json::from_slice::<Vec<serde_json::Value>>(json).map(drop)),
            _ => check_list(inner, json),
        };
    }
    if let Some(inner) = model.strip_prefix('{').and_then(|m| m.strip_suffix('}')) {
        return match inner {
            "string" => Some(serde_json::from_slice::<BTreeMap<String, String>>(json).map(drop)),
            _ => check_map(inner, json),
        };
    }
    match model {
        "object" => Some(serde_json::from_slice::<serde_json::Value>(json).map(drop)),
        "string" | "file" => None,
        _ => check_one(model, json),
    }
}
