//! Every one of harbor-client's 203 operation methods, called at least once against the
//! simulator; every 2xx answer must deserialize into the method's return type, every refusal
//! must be a 4xx with Harbor's error body (never a decode, network or 5xx error).
//!
//! The calls were generated once from the operation table, ordered reads first, then creates,
//! updates and deletes, so later calls find what earlier ones made; they are maintained by
//! hand since, and the test checks that none of the table's methods is missing.

use std::collections::BTreeSet;

use harbor_client::methods::GetLabelsParams;
use harbor_client::operations::OPERATIONS;
use harbor_client::{Error, HarborClient, models};
use harbor_sim::state::JobKind;

mod support;

/// The seeded user `alice`: as on a fresh Harbor, user 1 is the admin and user 2 the deleted
/// `anonymous`, so the first user created is 3.
const ALICE: i64 = 3;

#[derive(Default)]
struct Seen {
    ok: Vec<&'static str>,
    refused: Vec<(&'static str, u16)>,
    called: BTreeSet<&'static str>,
}

impl Seen {
    fn record<T>(&mut self, method: &'static str, result: Result<T, Error>) {
        self.called.insert(method);
        match result {
            Ok(_) => self.ok.push(method),
            Err(e) => match e.status() {
                Some(status) if (400..500).contains(&status) => self.refused.push((method, status)),
                _ => panic!("{method}: {e:?}"),
            },
        }
    }
}

/// A request model from its JSON text (text, not `json!`, keeps this test's frame small).
fn body<T: serde::de::DeserializeOwned>(json: &str) -> T {
    serde_json::from_str(json).expect("a valid body")
}

#[tokio::test(start_paused = true)]
async fn every_client_method_against_the_simulator() {
    let sim = support::start().await;
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .build()
        .expect("client builds");
    let state = sim.handle().state();
    let scanner = state
        .scanners
        .keys()
        .next()
        .cloned()
        .expect("a seeded scanner");
    // The vulnerability report of `library/nginx:latest`, whose log the test reads.
    let nginx_latest = state
        .repository_id("library", "nginx")
        .and_then(|repo| state.artifact_id(repo, "latest"))
        .expect("library/nginx:latest is seeded");
    let nginx_report = harbor_sim::state::vulnerabilities::report_id(nginx_latest);
    // The seeded run of each kind of job, and its first task.
    let run = |kind: JobKind| {
        let e = state
            .executions
            .values()
            .find(|e| e.kind == kind)
            .expect("a seeded run");
        (e.id, e.tasks.first().map_or(0, |t| t.id))
    };
    let (gc_run, _) = run(JobKind::GarbageCollection);
    let (replication_run, replication_task) = run(JobKind::Replication);
    let (purge_run, _) = run(JobKind::PurgeAudit);
    let (retention_run, retention_task) = run(JobKind::Retention);
    let (preheat_run, preheat_task) = run(JobKind::Preheat);
    let (webhook_run, webhook_task) = run(JobKind::Webhook);
    let (export_run, _) = run(JobKind::ScanDataExport);
    let webhook_policy = state.executions[&webhook_run].vendor_id;
    // The job service knows each task by a job id: the retention run's first task.
    let retention_job = state.executions[&retention_run]
        .tasks
        .first()
        .expect("the seeded retention run has a task")
        .job_id();
    // Harbor pings a registry and a scanner adapter before it stores them.
    sim.handle().with_state(|s| {
        s.reachability.allow("registry.example.com");
        s.reachability.allow("scanner.example.com");
    });
    let mut seen = Seen::default();

    seen.record("get_health", client.get_health().await);
    seen.record("search", client.search("lib").await);
    seen.record("get_statistics", client.get_statistics().await);
    seen.record(
        "search_ldap_user",
        client.search_ldap_user(&Default::default()).await,
    );
    seen.record(
        "search_ldap_group",
        client.search_ldap_group(&Default::default()).await,
    );
    seen.record("get_internal_config", client.get_internal_config().await);
    seen.record("get_configurations", client.get_configurations().await);
    seen.record(
        "get_projects",
        client.get_projects(&Default::default()).await,
    );
    seen.record("project_exists", client.project_exists("library").await);
    seen.record(
        "get_project",
        client.get_project("library", &Default::default()).await,
    );
    seen.record(
        "get_project_deletable",
        client
            .get_project_deletable("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_summary",
        client
            .get_project_summary("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_members",
        client
            .get_project_members("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_member",
        client
            .get_project_member("library", 1, &Default::default())
            .await,
    );
    seen.record(
        "get_project_metadata",
        client
            .get_project_metadata("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_metadata_entry",
        client
            .get_project_metadata_entry("library", "public", &Default::default())
            .await,
    );
    seen.record(
        "get_all_repositories",
        client.get_all_repositories(&Default::default()).await,
    );
    seen.record(
        "get_repositories",
        client
            .get_repositories("library", &Default::default())
            .await,
    );
    seen.record(
        "get_repository",
        client.get_repository("library", "nginx").await,
    );
    seen.record(
        "get_artifacts",
        client
            .get_artifacts("library", "nginx", &Default::default())
            .await,
    );
    seen.record(
        "get_artifact",
        client
            .get_artifact("library", "nginx", "latest", &Default::default())
            .await,
    );
    seen.record(
        "get_report_log",
        client
            .get_report_log("library", "nginx", "latest", &nginx_report)
            .await,
    );
    seen.record(
        "get_artifact_tags",
        client
            .get_artifact_tags("library", "nginx", "latest", &Default::default())
            .await,
    );
    seen.record(
        "get_artifact_accessories",
        client
            .get_artifact_accessories("library", "nginx", "latest", &Default::default())
            .await,
    );
    seen.record(
        "get_artifact_vulnerabilities",
        client
            .get_artifact_vulnerabilities("library", "nginx", "latest", &Default::default())
            .await,
    );
    seen.record(
        "get_artifact_addition",
        client
            .get_artifact_addition("library", "nginx", "latest", "build_history")
            .await,
    );
    seen.record(
        "get_project_artifacts",
        client
            .get_project_artifacts("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_scanner",
        client
            .get_project_scanner("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_scanner_candidates",
        client
            .get_project_scanner_candidates("library", &Default::default())
            .await,
    );
    seen.record(
        "get_audit_logs",
        client.get_audit_logs(&Default::default()).await,
    );
    seen.record(
        "get_audit_log_exts",
        client.get_audit_log_exts(&Default::default()).await,
    );
    seen.record(
        "get_audit_log_event_types",
        client.get_audit_log_event_types().await,
    );
    seen.record(
        "get_project_logs",
        client
            .get_project_logs("library", &Default::default())
            .await,
    );
    seen.record(
        "get_project_log_exts",
        client
            .get_project_log_exts("library", &Default::default())
            .await,
    );
    seen.record(
        "get_preheat_providers",
        client.get_preheat_providers().await,
    );
    seen.record(
        "get_preheat_instances",
        client.get_preheat_instances(&Default::default()).await,
    );
    seen.record(
        "get_preheat_instance",
        client.get_preheat_instance("kraken").await,
    );
    seen.record(
        "get_preheat_policies",
        client
            .get_preheat_policies("library", &Default::default())
            .await,
    );
    seen.record(
        "get_preheat_policy",
        client.get_preheat_policy("library", "nightly").await,
    );
    seen.record(
        "get_preheat_executions",
        client
            .get_preheat_executions("library", "nightly", &Default::default())
            .await,
    );
    seen.record(
        "get_preheat_execution",
        client
            .get_preheat_execution("library", "nightly", preheat_run)
            .await,
    );
    seen.record(
        "get_preheat_tasks",
        client
            .get_preheat_tasks("library", "nightly", preheat_run, &Default::default())
            .await,
    );
    seen.record(
        "get_preheat_log",
        client
            .get_preheat_log("library", "nightly", preheat_run, preheat_task)
            .await,
    );
    seen.record(
        "get_project_preheat_providers",
        client.get_project_preheat_providers("library").await,
    );
    seen.record(
        "get_immutable_rules",
        client
            .get_immutable_rules("library", &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_policies",
        client
            .get_webhook_policies("demo", &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_policy",
        client
            .get_webhook_policy("demo", 1, &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_policy_executions",
        client
            .get_webhook_policy_executions("demo", 1, &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_execution_tasks",
        client
            .get_webhook_execution_tasks("demo", webhook_policy, webhook_run, &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_task_log",
        client
            .get_webhook_task_log(
                "demo",
                webhook_policy,
                webhook_run,
                webhook_task,
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "get_webhook_last_trigger",
        client
            .get_webhook_last_trigger("demo", &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_jobs",
        client
            .get_webhook_jobs("demo", 1, &Default::default())
            .await,
    );
    seen.record(
        "get_webhook_event_types",
        client
            .get_webhook_event_types("demo", &Default::default())
            .await,
    );
    seen.record(
        "get_user_groups",
        client.get_user_groups(&Default::default()).await,
    );
    seen.record(
        "search_user_groups",
        client.search_user_groups("dev", &Default::default()).await,
    );
    seen.record("get_user_group", client.get_user_group(1).await);
    seen.record(
        "get_icon",
        client
            .get_icon("sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06")
            .await,
    );
    seen.record("get_robots", client.get_robots(&Default::default()).await);
    seen.record("get_quotas", client.get_quotas(&Default::default()).await);
    seen.record("get_quota", client.get_quota(1).await);
    seen.record("get_robot", client.get_robot(1).await);
    seen.record(
        "get_replication_policies",
        client.get_replication_policies(&Default::default()).await,
    );
    seen.record(
        "get_replication_policy",
        client.get_replication_policy(1).await,
    );
    seen.record(
        "get_replication_executions",
        client.get_replication_executions(&Default::default()).await,
    );
    seen.record(
        "get_replication_execution",
        client.get_replication_execution(replication_run).await,
    );
    seen.record(
        "get_replication_tasks",
        client
            .get_replication_tasks(replication_run, &Default::default())
            .await,
    );
    seen.record(
        "get_replication_log",
        client
            .get_replication_log(replication_run, replication_task)
            .await,
    );
    seen.record(
        "get_registry_adapters",
        client.get_registry_adapters().await,
    );
    seen.record(
        "get_registry_providers",
        client.get_registry_providers().await,
    );
    seen.record(
        "get_registries",
        client.get_registries(&Default::default()).await,
    );
    seen.record("get_registry", client.get_registry(1).await);
    seen.record("get_registry_info", client.get_registry_info(1).await);
    seen.record(
        "get_latest_scan_all_metrics",
        client.get_latest_scan_all_metrics().await,
    );
    seen.record(
        "get_latest_scheduled_scan_all_metrics",
        client.get_latest_scheduled_scan_all_metrics().await,
    );
    seen.record("get_system_info", client.get_system_info().await);
    seen.record("get_volumes", client.get_volumes().await);
    seen.record("get_cert", client.get_cert().await);
    seen.record("get_gc_jobs", client.get_gc_jobs(&Default::default()).await);
    seen.record("get_gc_job", client.get_gc_job(gc_run).await);
    seen.record("get_gc_log", client.get_gc_log(gc_run).await);
    seen.record("get_gc_schedule", client.get_gc_schedule().await);
    seen.record(
        "get_purge_jobs",
        client.get_purge_jobs(&Default::default()).await,
    );
    seen.record("get_purge_job", client.get_purge_job(purge_run).await);
    seen.record(
        "get_purge_job_log",
        client.get_purge_job_log(purge_run).await,
    );
    seen.record("get_purge_schedule", client.get_purge_schedule().await);
    seen.record(
        "get_system_cve_allowlist",
        client.get_system_cve_allowlist().await,
    );
    seen.record(
        "get_scan_all_schedule",
        client.get_scan_all_schedule().await,
    );
    seen.record("get_worker_pools", client.get_worker_pools().await);
    seen.record("get_workers", client.get_workers("default").await);
    seen.record(
        "action_get_job_log",
        client.action_get_job_log(&retention_job).await,
    );
    seen.record("get_job_queues", client.get_job_queues().await);
    seen.record(
        "get_schedules",
        client.get_schedules(&Default::default()).await,
    );
    seen.record(
        "get_schedule_paused",
        client.get_schedule_paused("all").await,
    );
    seen.record("ping", client.ping().await);
    seen.record(
        "get_retention_metadata",
        client.get_retention_metadata().await,
    );
    seen.record("get_retention", client.get_retention(1).await);
    seen.record(
        "get_retention_executions",
        client
            .get_retention_executions(1, &Default::default())
            .await,
    );
    seen.record(
        "get_retention_tasks",
        client
            .get_retention_tasks(1, retention_run, &Default::default())
            .await,
    );
    seen.record(
        "get_retention_task_log",
        client
            .get_retention_task_log(1, retention_run, retention_task)
            .await,
    );
    seen.record(
        "get_scanners",
        client.get_scanners(&Default::default()).await,
    );
    seen.record("get_scanner", client.get_scanner(scanner.as_str()).await);
    seen.record(
        "get_scanner_metadata",
        client.get_scanner_metadata(scanner.as_str()).await,
    );
    seen.record("get_users", client.get_users(&Default::default()).await);
    seen.record("get_current_user", client.get_current_user().await);
    seen.record(
        "search_users",
        client.search_users("alice", &Default::default()).await,
    );
    seen.record("get_user", client.get_user(ALICE).await);
    seen.record(
        "get_current_user_permissions",
        client
            .get_current_user_permissions(&Default::default())
            .await,
    );
    let global = GetLabelsParams {
        scope: Some("g".into()),
        ..Default::default()
    };
    seen.record("get_labels", client.get_labels(&global).await);
    seen.record("get_label", client.get_label(1).await);
    seen.record(
        "get_scan_export_execution",
        client.get_scan_export_execution(export_run).await,
    );
    seen.record(
        "get_scan_export_executions",
        client.get_scan_export_executions().await,
    );
    seen.record(
        "download_scan_export",
        client
            .download_scan_export(export_run, &Default::default())
            .await,
    );
    seen.record(
        "get_security_summary",
        client.get_security_summary(&Default::default()).await,
    );
    seen.record(
        "get_vulnerabilities",
        client.get_vulnerabilities(&Default::default()).await,
    );
    seen.record("get_permissions", client.get_permissions().await);
    seen.record(
        "ping_ldap",
        client.ping_ldap(Some(&Default::default())).await,
    );
    seen.record(
        "import_ldap_user",
        client.import_ldap_user(&Default::default()).await,
    );
    seen.record(
        "create_project",
        client
            .create_project(
                &models::ProjectReq {
                    project_name: Some("e2e-project".into()),
                    public: Some(false),
                    ..Default::default()
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "create_project_member",
        client
            .create_project_member(
                "library",
                Some(&models::ProjectMember {
                    role_id: Some(3),
                    member_user: Some(models::UserEntity {
                        username: Some("bob".into()),
                        ..Default::default()
                    }),
                    ..Default::default()
                }),
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "set_project_metadata",
        client
            .set_project_metadata(
                "library",
                Some(
                    &[("auto_scan".to_owned(), "true".to_owned())]
                        .into_iter()
                        .collect(),
                ),
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "copy_artifact",
        client
            .copy_artifact("library", "nginx", "demo/team/app:v1.0.0")
            .await,
    );
    seen.record(
        "scan_artifact",
        client
            .scan_artifact("library", "nginx", "latest", Some(&Default::default()))
            .await,
    );
    seen.record(
        "stop_scan_artifact",
        client
            .stop_scan_artifact("library", "nginx", "latest", &Default::default())
            .await,
    );
    seen.record(
        "create_artifact_tag",
        client
            .create_artifact_tag(
                "library",
                "nginx",
                "latest",
                &models::NewTag { name: "e2e".into() },
            )
            .await,
    );
    seen.record(
        "add_artifact_label",
        client
            .add_artifact_label(
                "library",
                "nginx",
                "latest",
                &models::Label {
                    id: Some(1),
                    ..Default::default()
                },
            )
            .await,
    );
    seen.record(
        "ping_preheat_instance",
        client
            .ping_preheat_instance(&body(
                r#"{"name": "kraken", "vendor": "kraken", "endpoint": "http://kraken.example.com"}"#,
            ))
            .await,
    );
    seen.record(
        "create_preheat_instance",
        // A valid instance (Harbor's name pattern, an endpoint no other has).
        client
            .create_preheat_instance(&body(
                r#"{"name": "dragon", "vendor": "dragonfly", "endpoint": "http://dragonfly.example.com", "auth_mode": "NONE", "enabled": true}"#,
            ))
            .await,
    );
    seen.record(
        "create_preheat_policy",
        client
            .create_preheat_policy(
                "library",
                &body(
                    r#"{"name": "weekly", "provider_id": 1, "filters": "[{\"type\":\"repository\",\"value\":\"**\"}]", "trigger": "{\"type\":\"manual\"}", "enabled": true}"#,
                ),
            )
            .await,
    );
    seen.record(
        "manual_preheat",
        client
            .manual_preheat("library", "nightly", &Default::default())
            .await,
    );
    seen.record(
        "create_immutable_rule",
        client
            .create_immutable_rule(
                "library",
                &models::ImmutableRule {
                    tag_selectors: Some(vec![models::ImmutableSelector {
                        pattern: Some("release-*".into()),
                        decoration: Some("matches".into()),
                        kind: Some("doublestar".into()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "create_webhook_policy",
        client
            .create_webhook_policy(
                "demo",
                &models::WebhookPolicy {
                    name: Some("e2e-hook".into()),
                    event_types: Some(vec!["PUSH_ARTIFACT".into()]),
                    // Harbor refuses a target without a type (`validateTargets`).
                    targets: Some(vec![models::WebhookTargetObject {
                        address: Some("http://hook.example.com".into()),
                        r#type: Some("http".into()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "create_user_group",
        client.create_user_group(Some(&Default::default())).await,
    );
    seen.record(
        "create_robot",
        client
            .create_robot(&models::RobotCreate {
                name: Some("e2e".into()),
                level: Some("system".into()),
                duration: Some(-1),
                permissions: Some(body(r#"[{"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]}]"#)),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "create_replication_policy",
        client
            .create_replication_policy(&models::ReplicationPolicy {
                name: Some("e2e-policy".into()),
                src_registry: Some(models::Registry {
                    id: Some(1),
                    ..Default::default()
                }),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "start_replication",
        client
            .start_replication(&models::StartReplicationExecution { policy_id: Some(1) })
            .await,
    );
    seen.record(
        "create_registry",
        client
            .create_registry(&models::Registry {
                name: Some("e2e-registry".into()),
                url: Some("https://registry.example.com".into()),
                r#type: Some("harbor".into()),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "ping_registry",
        client
            .ping_registry(&models::RegistryPing {
                url: Some("https://registry.example.com".into()),
                r#type: Some("harbor".into()),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "ping_oidc",
        client
            .ping_oidc(&body(r#"{"url": "https://oidc.example.com"}"#))
            .await,
    );
    seen.record(
        "create_gc_schedule",
        client
            .create_gc_schedule(&body(r#"{"schedule": {"type": "Manual"}}"#))
            .await,
    );
    seen.record(
        "create_purge_schedule",
        client
            .create_purge_schedule(&body(r#"{"schedule": {"type": "Manual"}, "parameters": {"audit_retention_hour": 24, "include_event_types": "create_artifact"}}"#))
            .await,
    );
    seen.record(
        "create_scan_all_schedule",
        client
            .create_scan_all_schedule(&body(r#"{"schedule": {"type": "Manual"}}"#))
            .await,
    );
    seen.record("stop_scan_all", client.stop_scan_all().await);
    seen.record(
        "create_retention",
        client
            .create_retention(&body(r#"{"algorithm": "or", "rules": [], "trigger": {"kind": "Schedule", "settings": {"cron": ""}}, "scope": {"level": "project", "ref": 2}}"#))
            .await,
    );
    seen.record(
        "trigger_retention_execution",
        client
            .trigger_retention_execution(1, &Default::default())
            .await,
    );
    seen.record(
        "create_scanner",
        client
            .create_scanner(&models::ScannerRegistrationReq {
                name: "e2e-scanner".into(),
                url: "http://scanner.example.com".into(),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "ping_scanner",
        client
            .ping_scanner(&models::ScannerRegistrationSettings {
                name: "probe".into(),
                url: "http://trivy-adapter:8080".into(),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "create_user",
        client
            .create_user(&models::UserCreationReq {
                username: Some("grace".into()),
                email: Some("grace@example.com".into()),
                password: Some("Grace12345".into()),
                realname: Some("Grace".into()),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "create_label",
        client
            .create_label(&models::Label {
                name: Some("e2e".into()),
                scope: Some("g".into()),
                color: Some("#000000".into()),
                ..Default::default()
            })
            .await,
    );
    seen.record(
        "export_scan_data",
        client
            .export_scan_data(
                "application/vnd.security.vulnerability.report; version=1.1",
                &body(r#"{"projects": [1]}"#),
            )
            .await,
    );
    seen.record(
        "update_configurations",
        client.update_configurations(&Default::default()).await,
    );
    seen.record(
        "update_project",
        client
            .update_project(
                "library",
                &models::ProjectReq {
                    public: Some(true),
                    ..Default::default()
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "update_project_member",
        client
            .update_project_member(
                "library",
                1,
                Some(&models::RoleRequest { role_id: Some(2) }),
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "update_project_metadata_entry",
        client
            .update_project_metadata_entry(
                "library",
                "public",
                Some(
                    &[("public".to_owned(), "true".to_owned())]
                        .into_iter()
                        .collect(),
                ),
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "update_repository",
        client
            .update_repository("library", "nginx", &Default::default())
            .await,
    );
    seen.record(
        "set_project_scanner",
        client
            .set_project_scanner(
                "library",
                &models::ProjectScanner {
                    uuid: scanner.clone(),
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "update_preheat_instance",
        client
            .update_preheat_instance(
                "kraken",
                &body(
                    r#"{"id": 1, "name": "kraken", "vendor": "kraken", "endpoint": "http://kraken.example.com", "auth_mode": "NONE", "enabled": true, "default": true}"#,
                ),
            )
            .await,
    );
    seen.record(
        "update_preheat_policy",
        client
            .update_preheat_policy(
                "library",
                "nightly",
                &body(
                    r#"{"id": 1, "name": "nightly", "provider_id": 1, "filters": "[]", "trigger": "{\"type\":\"manual\"}", "enabled": true}"#,
                ),
            )
            .await,
    );
    seen.record(
        "stop_preheat_execution",
        client
            .stop_preheat_execution(
                "library",
                "nightly",
                preheat_run,
                &body(r#"{"status": "Stopped"}"#),
            )
            .await,
    );
    seen.record(
        "update_immutable_rule",
        client
            .update_immutable_rule(
                "library",
                1,
                // Harbor refuses a body whose id is not the path's (`UpdateImmuRule`).
                &models::ImmutableRule {
                    id: Some(1),
                    ..Default::default()
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "update_webhook_policy",
        client
            .update_webhook_policy(
                "demo",
                1,
                // Harbor checks an update as a create: event types and targets required.
                &models::WebhookPolicy {
                    name: Some("notify-ci".into()),
                    enabled: Some(true),
                    event_types: Some(vec!["PUSH_ARTIFACT".into()]),
                    targets: Some(vec![models::WebhookTargetObject {
                        address: Some("http://ci.example.com/hook".into()),
                        r#type: Some("http".into()),
                        ..Default::default()
                    }]),
                    ..Default::default()
                },
                &Default::default(),
            )
            .await,
    );
    seen.record(
        "update_user_group",
        client.update_user_group(1, Some(&Default::default())).await,
    );
    seen.record(
        "update_quota",
        client
            .update_quota(
                1,
                &models::QuotaUpdateReq {
                    hard: Some(
                        [("storage".to_owned(), 1_073_741_824)]
                            .into_iter()
                            .collect(),
                    ),
                },
            )
            .await,
    );
    seen.record(
        "update_robot",
        client
            .update_robot(
                1,
                &body(r#"{"name": "robot$ci", "level": "system", "duration": -1, "description": "pushes from CI", "permissions": [{"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "push"}, {"resource": "repository", "action": "pull"}]}]}"#),
            )
            .await,
    );
    seen.record(
        "refresh_robot_secret",
        client.refresh_robot_secret(1, &Default::default()).await,
    );
    seen.record(
        "update_replication_policy",
        client
            .update_replication_policy(
                1,
                &models::ReplicationPolicy {
                    name: Some("mirror-nginx".into()),
                    src_registry: Some(models::Registry {
                        id: Some(1),
                        ..Default::default()
                    }),
                    ..Default::default()
                },
            )
            .await,
    );
    seen.record(
        "stop_replication",
        client.stop_replication(replication_run).await,
    );
    seen.record(
        "update_registry",
        client.update_registry(1, &Default::default()).await,
    );
    seen.record("stop_gc_job", client.stop_gc_job(1).await);
    seen.record(
        "update_gc_schedule",
        client
            .update_gc_schedule(&body(
                r#"{"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}}"#,
            ))
            .await,
    );
    seen.record("stop_purge_job", client.stop_purge_job(purge_run).await);
    seen.record(
        "update_purge_schedule",
        client
            .update_purge_schedule(&body(r#"{"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}, "parameters": {"audit_retention_hour": 24, "include_event_types": "create_artifact"}}"#))
            .await,
    );
    seen.record(
        "update_system_cve_allowlist",
        client
            .update_system_cve_allowlist(Some(&Default::default()))
            .await,
    );
    seen.record(
        "update_scan_all_schedule",
        client
            .update_scan_all_schedule(&body(
                r#"{"schedule": {"type": "Weekly", "cron": "0 0 0 * * 0"}}"#,
            ))
            .await,
    );
    seen.record(
        "stop_running_job",
        client.stop_running_job(&retention_job).await,
    );
    seen.record(
        "action_pending_jobs",
        client
            .action_pending_jobs("GARBAGE_COLLECTION", &Default::default())
            .await,
    );
    seen.record(
        "update_retention",
        // A body without a scope would be Harbor's panic (RT12): this one names the
        // policy's own project.
        client
            .update_retention(1, &body(r#"{"algorithm": "or", "rules": [], "trigger": {"kind": "Schedule", "settings": {"cron": ""}}, "scope": {"level": "project", "ref": 1}}"#))
            .await,
    );
    seen.record(
        "operate_retention_execution",
        client
            .operate_retention_execution(1, retention_run, &body(r#"{"action": "stop"}"#))
            .await,
    );
    // The seeded Trivy is the installer's, immutable: update the one this test created,
    // with the name and URL Harbor's update needs.
    let e2e_scanner = sim
        .handle()
        .state()
        .scanners
        .values()
        .find(|s| s.name() == "e2e-scanner")
        .map(|s| s.uuid().to_owned())
        .expect("the scanner create_scanner made");
    seen.record(
        "update_scanner",
        client
            .update_scanner(
                e2e_scanner.as_str(),
                &models::ScannerRegistrationReq {
                    name: "e2e-scanner".into(),
                    url: "http://scanner.example.com".into(),
                    description: Some("renamed".into()),
                    ..Default::default()
                },
            )
            .await,
    );
    seen.record(
        "set_scanner_as_default",
        client
            .set_scanner_as_default(
                scanner.as_str(),
                &models::IsDefault {
                    is_default: Some(true),
                },
            )
            .await,
    );
    seen.record(
        "update_user",
        client
            .update_user(
                ALICE,
                // Harbor checks the whole profile: email and real name required.
                &models::UserProfile {
                    email: Some("alice@example.com".into()),
                    realname: Some("Alice Liddell".into()),
                    ..Default::default()
                },
            )
            .await,
    );
    seen.record(
        "set_user_admin",
        client
            .set_user_admin(
                ALICE,
                &models::UserSysAdminFlag {
                    sysadmin_flag: Some(false),
                },
            )
            .await,
    );
    seen.record(
        "set_user_password",
        client
            .set_user_password(
                ALICE,
                &models::PasswordReq {
                    old_password: None,
                    new_password: Some("NewPassw0rd".into()),
                },
            )
            .await,
    );
    seen.record(
        "set_user_cli_secret",
        client.set_user_cli_secret(ALICE, &Default::default()).await,
    );
    seen.record(
        "update_label",
        client
            .update_label(
                1,
                // Harbor's update replaces name, description and colour: a name is needed.
                &models::Label {
                    name: Some("stable".into()),
                    description: Some("stable and tested".into()),
                    ..Default::default()
                },
            )
            .await,
    );
    seen.record(
        "delete_project",
        client
            .delete_project("e2e-project", &Default::default())
            .await,
    );
    seen.record(
        "delete_project_member",
        client
            .delete_project_member("library", 6, &Default::default())
            .await,
    );
    seen.record(
        "delete_project_metadata_entry",
        client
            .delete_project_metadata_entry("library", "auto_scan", &Default::default())
            .await,
    );
    seen.record(
        "delete_repository",
        client.delete_repository("library", "alpine").await,
    );
    seen.record(
        "delete_artifact",
        client.delete_artifact("library", "nginx", "v1.0.0").await,
    );
    seen.record(
        "delete_artifact_tag",
        client
            .delete_artifact_tag("library", "nginx", "latest", "e2e")
            .await,
    );
    seen.record(
        "delete_artifact_label",
        client
            .delete_artifact_label("library", "nginx", "latest", 1)
            .await,
    );
    seen.record(
        "delete_preheat_instance",
        // Harbor refuses to delete an instance a policy uses, and a policy with a running
        // execution (412): the ones this test created have neither.
        client.delete_preheat_instance("dragon").await,
    );
    seen.record(
        "delete_preheat_policy",
        client.delete_preheat_policy("library", "weekly").await,
    );
    seen.record(
        "delete_immutable_rule",
        client
            .delete_immutable_rule("library", 2, &Default::default())
            .await,
    );
    seen.record(
        "delete_webhook_policy",
        client
            .delete_webhook_policy("demo", 2, &Default::default())
            .await,
    );
    seen.record("delete_user_group", client.delete_user_group(1).await);
    seen.record("delete_robot", client.delete_robot(2).await);
    seen.record(
        "delete_replication_policy",
        client.delete_replication_policy(2).await,
    );
    seen.record("delete_registry", client.delete_registry(2).await);
    seen.record("delete_retention", client.delete_retention(1).await);
    // Harbor refuses to delete the default scanner (the seeded one): delete the one created above.
    let created_scanner = sim
        .handle()
        .state()
        .scanners
        .iter()
        .find(|(_, s)| s.doc["name"] == "e2e-scanner")
        .map(|(uuid, _)| uuid.clone())
        .expect("the scanner this test created");
    seen.record(
        "delete_scanner",
        client.delete_scanner(created_scanner.as_str()).await,
    );
    seen.record("delete_user", client.delete_user(4).await);
    seen.record("delete_label", client.delete_label(3).await);

    let table: BTreeSet<&str> = OPERATIONS.iter().map(|o| o.method_name).collect();
    assert_eq!(
        seen.called, table,
        "every method of the operation table is called"
    );
    for op in OPERATIONS {
        assert!(
            sim.handle().counts(op.id).is_some_and(|c| c.received >= 1),
            "{} reached the simulator",
            op.id
        );
    }
    eprintln!(
        "{} methods called: {} answered 2xx and deserialized, {} refused with 4xx: {:?}",
        seen.called.len(),
        seen.ok.len(),
        seen.refused.len(),
        seen.refused
    );
    assert!(
        seen.ok.len() >= 195,
        "nearly every call succeeds against the seeded state: {:?}",
        seen.refused
    );
}
