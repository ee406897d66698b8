//! Demo data: a small, believable Harbor to explore.

use serde_json::json;

use super::jobs::{JobSchedule, NewExecution};
use super::labels::LabelReq;
use super::projects::ProjectReq;
use super::registries::RegistryReq;
use super::robots::{Creator, RobotCreate};
use super::users::UserCreationReq;
use super::webhook_events::{ArtifactHook, HookedArtifact};
use super::{JobKind, Lifecycle, SimState};

/// The secret of the seeded `robot$ci` account.
pub const SEED_ROBOT_SECRET: &str = "CiRobotSecret1";
/// The password of every seeded user but the admin (`alice`, `bob`, `carol`, `dave`, `erin`,
/// `frank`).
pub const SEED_USER_PASSWORD: &str = "Passw0rdDemo";
/// The secret of the seeded pull-only project robot `robot$demo+puller`.
pub const SEED_PULL_ROBOT_SECRET: &str = "PullOnly1Secret";
/// The secret of the seeded system robot `robot$registry-reader`, whose access list is narrow.
pub const SEED_SYSTEM_ROBOT_SECRET: &str = "ReadRegistries1";

/// A project request for `name`, public or not.
pub(super) fn project(name: &str, public: bool) -> ProjectReq {
    ProjectReq {
        project_name: Some(name.into()),
        public: Some(public),
        metadata: None,
        cve_allowlist: None,
        storage_limit: None,
        registry_id: None,
    }
}

impl SimState {
    /// Adds the demo data: project `demo` (and `library`, public, if the state lacks the one
    /// every Harbor starts with), repositories
    /// `library/nginx`, `library/alpine`, `demo/team/app` (a nested name), tags, labels,
    /// users `alice` and `bob`, the robot `robot$ci`, a Docker Hub registry holding
    /// `library/nginx` (see [`super::remote_catalog`]), a replication policy pulling it with
    /// one finished execution, a user group, a preheat instance and policy, a
    /// retention policy, the default Trivy scanner, an immutable rule and a webhook.
    ///
    /// Seeding a state that already has these names fails with the conflict it meets.
    pub fn seed_demo(&mut self) -> crate::errors::ApiResult<()> {
        // The demo's runs ended before the simulator started: their statuses were refreshed
        // long ago.
        let refresh = std::mem::replace(
            &mut self.status_refresh,
            super::jobs::StatusRefresh::immediate(),
        );
        let seeded = self.seed_demo_data();
        self.status_refresh = refresh;
        seeded
    }

    fn seed_demo_data(&mut self) -> crate::errors::ApiResult<()> {
        // Every Harbor starts with `library` (see `SimState::with_admin`).
        let library = match self.projects.id_by_name("library") {
            Some(id) => id,
            None => self.create_project(project("library", true), 1)?,
        };
        let demo = self.create_project(project("demo", false), 1)?;
        // The demo's replication pulled `library/nginx` from Docker Hub, which names the same
        // images.
        self.push_from_docker_hub("library", "nginx", "1.27", "nginx-1.27")?;
        self.push_from_docker_hub("library", "nginx", "latest", "nginx-1.28")?;
        self.push("library", "alpine", Some("3.20"), "alpine-3.20")?;
        self.push("demo", "team/app", Some("v1.0.0"), "app-1")?;
        self.push("demo", "team/app", Some("v1.1.0"), "app-2")?;
        let stable = self.create_label(LabelReq {
            name: Some("stable".into()),
            description: Some("ready for production".into()),
            color: Some("#48960C".into()),
            scope: Some("g".into()),
            project_id: None,
        })?;
        self.create_label(LabelReq {
            name: Some("qa".into()),
            description: Some("under test".into()),
            color: Some("#F2C53D".into()),
            scope: Some("p".into()),
            project_id: Some(demo),
        })?;
        let nginx = self.repository_id("library", "nginx")?;
        let stable_nginx = self.artifact_id(nginx, "1.27")?;
        self.attach_label(stable_nginx, stable)?;
        for (name, real) in [("alice", "Alice Liddell"), ("bob", "Bob Builder")] {
            let id = self.create_user(UserCreationReq {
                username: Some(name.into()),
                email: Some(format!("{name}@example.com")),
                realname: Some(real.into()),
                comment: None,
                password: Some(SEED_USER_PASSWORD.into()),
            })?;
            self.add_member(
                demo,
                Some((Some(id), None)),
                None,
                if name == "alice" { 4 } else { 2 },
            )?;
        }
        let ci = self.create_robot(
            RobotCreate {
                name: Some("ci".into()),
                description: Some("pushes from CI".into()),
                secret: Some(SEED_ROBOT_SECRET.into()),
                level: Some("system".into()),
                disable: Some(false),
                duration: Some(-1),
                permissions: Some(vec![json!({"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "push"}, {"resource": "repository", "action": "pull"}]})]),
            },
            Creator::ADMIN,
        )?;
        // Harbor generates every robot secret; the demo robot gets a known one, as a
        // secret refresh with a chosen secret would give it.
        self.refresh_robot_secret(ci.0, Some(SEED_ROBOT_SECRET.into()))?;
        self.seed_reachability();
        let hub = self.create_registry(RegistryReq {
            url: Some("https://hub.docker.com".into()),
            name: Some("docker-hub".into()),
            kind: Some("docker-hub".into()),
            description: Some("upstream images".into()),
            ..RegistryReq::default()
        })?;
        let mirror = self.create_replication_policy(json!({
            "name": "mirror-nginx",
            "description": "pull nginx from Docker Hub",
            "src_registry": {"id": hub},
            "dest_namespace": "library",
            "filters": [{"type": "name", "value": "library/nginx"}],
            "trigger": {"type": "manual"},
            "override": true,
            "enabled": true,
            "speed": -1,
        }))?;
        // One finished run of the policy, so its report exists.
        self.job_lifecycles
            .push_next(JobKind::Replication, Lifecycle::immediate());
        let admin = self.admin_name();
        self.start_replication(mirror, "MANUAL", &admin)?;
        // Resources the simulator keeps generically (see `handlers::generic`).
        self.seed_collection("createUserGroup", "/api/v2.0/usergroups", json!({"group_name": "dev", "group_type": 1, "ldap_group_dn": "cn=dev,ou=groups,dc=example,dc=com"}));
        self.seed_collection("CreateInstance", "/api/v2.0/p2p/preheat/instances", json!({"name": "kraken", "vendor": "kraken", "endpoint": "http://kraken.example.com", "auth_mode": "NONE", "enabled": true, "default": true, "status": "Healthy"}));
        self.seed_collection("CreatePolicy", "/api/v2.0/projects/library/preheat/policies", json!({"name": "nightly", "project_id": library, "provider_id": 1, "provider_name": "kraken", "trigger": "{\"type\":\"manual\"}", "enabled": true}));
        self.register_builtin_scanner("http://trivy-adapter:8080");
        self.create_immutable_rule(library, json!({
            "priority": 0,
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "1.*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        }))?;
        self.create_webhook(demo, json!({
            "name": "notify-ci",
            "enabled": true,
            "targets": [{"type": "http", "address": "http://ci.example.com/hook", "skip_cert_verify": true, "payload_format": "Default"}],
            "event_types": ["PUSH_ARTIFACT", "DELETE_ARTIFACT"],
        }), "admin")?;
        self.seed_jobs(library, demo)?;
        self.seed_access_demo()?;
        Ok(())
    }

    /// Adds the accounts that show Harbor's access control (called by [`Self::seed_demo`],
    /// after `alice` and `bob`): every project role held by somebody, and two robots with
    /// narrow access lists. All users' password is [`SEED_USER_PASSWORD`].
    ///
    /// | account | `library` (public) | `demo` (private) |
    /// |---|---|---|
    /// | `alice` | developer | maintainer |
    /// | `bob` | | developer |
    /// | `carol` | guest | project admin |
    /// | `dave` | | guest |
    /// | `erin` | | limited guest |
    /// | `frank` | | |
    /// | `robot$demo+puller` (project robot) | | list and read repositories and artifacts, pull |
    /// | `robot$registry-reader` (system robot) | list repositories, pull | |
    ///
    /// `robot$registry-reader` may also list and read registries and replication policies,
    /// and nothing else of the system.
    pub fn seed_access_demo(&mut self) -> crate::errors::ApiResult<()> {
        let library = self.project_id("library", true)?;
        let demo = self.project_id("demo", true)?;
        let user_id = |s: &Self, name: &str| {
            s.users
                .values()
                .find(|u| u.username == name)
                .map(|u| u.user_id)
        };
        for (name, real) in [
            ("carol", "Carol Admin"),
            ("dave", "Dave Guest"),
            ("erin", "Erin Limited"),
            ("frank", "Frank Outsider"),
        ] {
            self.create_user(UserCreationReq {
                username: Some(name.into()),
                email: Some(format!("{name}@example.com")),
                realname: Some(real.into()),
                comment: None,
                password: Some(SEED_USER_PASSWORD.into()),
            })?;
        }
        for (name, project, role) in [
            ("alice", library, 2),
            ("carol", library, 3),
            ("carol", demo, 1),
            ("dave", demo, 3),
            ("erin", demo, 5),
        ] {
            let id = user_id(self, name);
            self.add_member(project, Some((id, None)), None, role)?;
        }
        let access = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(resource, action)| json!({"resource": resource, "action": action}))
                .collect::<Vec<_>>()
        };
        let puller = vec![
            json!({"kind": "project", "namespace": "demo", "access": access(&[
                ("repository", "list"), ("repository", "read"), ("repository", "pull"),
                ("artifact", "list"), ("artifact", "read"), ("tag", "list"),
            ])}),
        ];
        let registry_reader = vec![
            json!({"kind": "system", "namespace": "/", "access": access(&[
                ("registry", "list"), ("registry", "read"),
                ("replication-policy", "list"), ("replication-policy", "read"),
            ])}),
            json!({"kind": "project", "namespace": "library", "access": access(&[
                ("repository", "list"), ("repository", "pull"),
            ])}),
        ];
        for (name, description, secret, level, permissions) in [
            (
                "puller",
                "pulls demo images, nothing more",
                SEED_PULL_ROBOT_SECRET,
                "project",
                puller,
            ),
            (
                "registry-reader",
                "reads registries and pulls from library",
                SEED_SYSTEM_ROBOT_SECRET,
                "system",
                registry_reader,
            ),
        ] {
            let robot = RobotCreate {
                name: Some(name.into()),
                description: Some(description.into()),
                secret: None,
                level: Some(level.into()),
                disable: Some(false),
                duration: Some(-1),
                permissions: Some(permissions),
            };
            let (id, ..) = self.create_robot(robot, Creator::ADMIN)?;
            // Harbor generates every robot secret; a known one comes from a refresh with a
            // chosen secret, as for `robot$ci`.
            self.refresh_robot_secret(id, Some(secret.into()))?;
        }
        Ok(())
    }
}

impl SimState {
    /// Adds a document to a generic collection as a POST to `path` (with `/api/v2.0`) would.
    pub fn seed_collection(
        &mut self,
        create_op: &'static str,
        path: &str,
        mut doc: serde_json::Value,
    ) -> i64 {
        let id = self.ids.next(create_op);
        let now = super::now();
        doc["id"] = json!(id);
        doc["creation_time"] = json!(now);
        doc["update_time"] = json!(now);
        self.collections
            .entry(path.to_owned())
            .or_default()
            .insert(id, doc);
        id
    }
}

/// Hosts the demo Harbor can reach (see [`super::reachability`]); `mirror.example.net`, the
/// host of the demo's `old-mirror` registry, is not among them.
pub const SEED_REACHABLE_HOSTS: &[&str] = &[
    "hub.docker.com",
    "trivy-adapter",
    "kraken.example.com",
    "ci.example.com",
    "ldap.example.com",
    "oidc.example.com",
];

/// The issuer the demo's OIDC provider (`oidc.example.com`) publishes: Harbor's OIDC ping
/// passes with this URL exactly (go-oidc's issuer check).
pub const SEED_OIDC_ISSUER: &str = "https://oidc.example.com";

impl SimState {
    /// The demo's network: the hosts of [`SEED_REACHABLE_HOSTS`] answer, the LDAP
    /// settings point at the demo LDAP server and its search account, which holds
    /// [`super::LdapDirectory::demo`].
    fn seed_reachability(&mut self) {
        for host in SEED_REACHABLE_HOSTS {
            self.reachability.allow(host);
        }
        self.reachability.publish_oidc_issuer(SEED_OIDC_ISSUER);
        for (k, v) in [
            ("ldap_url", "ldap://ldap.example.com"),
            ("ldap_base_dn", "dc=example,dc=com"),
            ("ldap_search_dn", "cn=admin,dc=example,dc=com"),
            (
                "ldap_search_password",
                super::ldap_directory::DEMO_ADMIN_PASSWORD,
            ),
        ] {
            self.configurations.insert(k.into(), json!(v));
        }
        self.ldap_directory = super::LdapDirectory::demo();
    }

    /// What [`SimState::push`] does, the image also put under the same name on Docker Hub
    /// (see [`super::remote_catalog`]).
    fn push_from_docker_hub(
        &mut self,
        project: &str,
        repo: &str,
        tag: &str,
        content: &str,
    ) -> crate::errors::ApiResult<()> {
        let image = self.image_manifest(
            project,
            repo,
            content,
            super::image_index::Platform::default(),
            super::blobs::ManifestFamily::Docker,
            None,
        );
        self.remote_catalog.put_image(
            "hub.docker.com",
            &format!("{project}/{repo}"),
            tag,
            image.clone(),
        );
        let id = self.store_manifest(project, repo, Some(tag), image)?;
        let admin = self.admin_name();
        self.record_push(&admin, id, Some(tag));
        Ok(())
    }

    /// Runs an execution to its end at once (the demo's history is in the past).
    fn seed_finished(&mut self, new: NewExecution) -> i64 {
        self.job_lifecycles
            .push_next(new.kind, Lifecycle::immediate());
        self.start_execution(new)
    }

    /// The demo's jobs: a registry that went down after it was registered, scanned images
    /// (all but `demo/team/app:v1.0.0`), finished runs of GC, purge, scan all, retention,
    /// preheat, a webhook delivery and an export of `library`'s scan data, GC, purge and scan-all schedules, and a retention policy on
    /// `library`.
    fn seed_jobs(&mut self, library: i64, demo: i64) -> crate::errors::ApiResult<()> {
        self.reachability.allow("mirror.example.net");
        self.create_registry(RegistryReq {
            url: Some("https://mirror.example.net".into()),
            name: Some("old-mirror".into()),
            kind: Some("docker-registry".into()),
            description: Some("a mirror that no longer answers".into()),
            ..RegistryReq::default()
        })?;
        self.reachability.deny("mirror.example.net");

        let app = self.repository_id("demo", "team/app")?;
        let unscanned = self.artifact_id(app, "v1.0.0")?;
        let scanned: Vec<i64> = self
            .artifacts
            .keys()
            .copied()
            .filter(|id| *id != unscanned)
            .collect();
        for id in &scanned {
            self.mark_scanned(*id)?;
        }
        let manual = |kind, extra_attrs, tasks| NewExecution {
            kind,
            vendor_id: 0,
            trigger: "MANUAL",
            extra_attrs,
            operator: "admin".into(),
            tasks,
        };
        self.seed_finished(manual(
            JobKind::GarbageCollection,
            json!({"delete_untagged": true, "dry_run": false, "workers": 1}),
            vec![(json!({}), [
                "Garbage Collection parameters: [delete_untagged: true, delete_tag: false, dry_run: false, time_window: 2, workers: 1]",
                "start to run gc in job.",
                "start to delete untagged artifact (no actually deletion for dry-run mode)",
                "end to delete untagged artifact (no actually deletion for dry-run mode)",
                "no need to execute GC as there is no non referenced artifacts.",
                "0 blobs and 0 manifests are actually deleted",
                "The GC job actual frees up 0 B space.",
                "cache clean up completed",
                "success to run gc in job.",
            ].join("\n"))],
        ));
        self.seed_finished(manual(
            JobKind::PurgeAudit,
            json!({"audit_retention_hour": 168, "include_event_types": "create_artifact,delete_artifact,pull_artifact", "dry_run": false}),
            vec![(
                json!({}),
                super::purge_job_log(
                    168,
                    "create_artifact,delete_artifact,pull_artifact",
                    false,
                    super::Purged::default,
                ),
            )],
        ));
        let scan_tasks = scanned
            .iter()
            .map(|id| (json!({"artifact_id": id}), format!("scan artifact {id}")))
            .collect();
        self.seed_finished(manual(JobKind::ScanAll, json!({}), scan_tasks));
        let now = super::now();
        for (kind, schedule, cron, parameters) in [
            (
                JobKind::GarbageCollection,
                "Weekly",
                "0 0 0 * * 0",
                json!({"delete_untagged": true, "workers": 1}),
            ),
            (
                JobKind::PurgeAudit,
                "Daily",
                "0 0 0 * * *",
                json!({"audit_retention_hour": 168, "include_event_types": "create_artifact,delete_artifact"}),
            ),
            (JobKind::ScanAll, "Daily", "0 0 2 * * *", json!({})),
        ] {
            let id = self.ids.next("schedule");
            self.schedules.insert(
                kind.vendor_type(),
                JobSchedule {
                    id,
                    kind: schedule.into(),
                    cron: cron.into(),
                    parameters: parameters.as_object().cloned().unwrap_or_default(),
                    creation_time: now.clone(),
                    update_time: now.clone(),
                },
            );
        }

        let retention = self.create_retention(json!({
            "algorithm": "or",
            "rules": [{"priority": 1, "disabled": false, "action": "retain", "template": "latestPushedK", "params": {"latestPushedK": 10},
                       "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                       "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}],
            "trigger": {"kind": "Schedule", "settings": {"cron": "0 0 0 * * *"}},
            "scope": {"level": "project", "ref": library},
        }))?;
        self.job_lifecycles
            .push_next(JobKind::Retention, Lifecycle::immediate());
        self.trigger_retention(retention, false, "admin")?;

        let preheat_policy = self
            .collections
            .get("/api/v2.0/projects/library/preheat/policies")
            .and_then(|c| c.keys().next().copied())
            .unwrap_or(0);
        self.seed_finished(NewExecution {
            kind: JobKind::Preheat,
            vendor_id: preheat_policy,
            trigger: "MANUAL",
            extra_attrs: json!({}),
            operator: "admin".into(),
            tasks: vec![(
                json!({"repository": "library/nginx", "vendor": "kraken"}),
                "preheat library/nginx on the P2P network".into(),
            )],
        });
        self.job_lifecycles
            .push_next(JobKind::Webhook, Lifecycle::immediate());
        // The CI's push of `demo/team/app:v1.1.0`, delivered to the webhook the project got
        // after it.
        let app = "demo/team/app";
        let pushed = self
            .repositories
            .id_by_name(app)
            .and_then(|r| self.artifacts.id_by_tag(r, "v1.1.0"))
            .map(|id| self.artifacts[&id].digest.clone());
        if let Some(digest) = pushed {
            let tags = ["v1.1.0".to_owned()];
            let artifact = HookedArtifact {
                project_id: demo,
                repository: app,
                digest: &digest,
                tags: &tags,
            };
            self.send_artifact_hook(ArtifactHook::Push, "admin", artifact);
        }
        let export =
            json!({"job_name": "library-cves", "project_id": library, "user_name": "admin"});
        let id = self.seed_finished(NewExecution {
            kind: JobKind::ScanDataExport,
            vendor_id: 1,
            trigger: "MANUAL",
            extra_attrs: export.clone(),
            operator: "admin".into(),
            tasks: vec![(
                json!({}),
                format!("export the scan data of project {library}"),
            )],
        });
        // The file the finished export wrote, a system artifact until it is downloaded.
        if let Ok(file) = super::scan_export_run::export_csv(self, &export) {
            self.export_files.insert(id, file);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seed_is_consistent() {
        let mut s = SimState::with_admin("admin", "Harbor12345");
        s.seed_demo().unwrap();
        assert_eq!(s.projects.len(), 2);
        assert_eq!(s.repositories.len(), 3);
        assert!(s.repository_id("demo", "team/app").is_ok());
        assert!(
            s.delete_project(1).is_err(),
            "a project with repositories cannot be deleted"
        );
        assert!(s.seed_demo().is_err(), "seeding twice conflicts");
    }
}
