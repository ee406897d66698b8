//! Demo data: a small, believable Harbor to explore.

use serde_json::json;

use super::SimState;
use super::labels::LabelReq;
use super::projects::ProjectReq;
use super::registries::RegistryReq;
use super::robots::RobotCreate;
use super::users::UserCreationReq;

/// The secret of the seeded `robot$ci` account.
pub const SEED_ROBOT_SECRET: &str = "CiRobotSecret1";
/// The password of every seeded user but the admin (`alice`, `bob`, `carol`, `dave`, `erin`,
/// `frank`).
pub const SEED_USER_PASSWORD: &str = "Passw0rdDemo";
/// The secret of the seeded pull-only project robot `robot$demo+puller`.
pub const SEED_PULL_ROBOT_SECRET: &str = "PullOnly1Secret";
/// The secret of the seeded system robot `robot$registry-reader`, whose access list is narrow.
pub const SEED_SYSTEM_ROBOT_SECRET: &str = "ReadRegistries1";

fn project(name: &str, public: bool) -> ProjectReq {
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
    /// Adds the demo data: projects `library` (public) and `demo`, repositories
    /// `library/nginx`, `library/alpine`, `demo/team/app` (a nested name), tags, labels,
    /// users `alice` and `bob`, the robot `robot$ci`, a Docker Hub registry, a replication
    /// policy with one finished execution, a user group, a preheat instance and policy, a
    /// retention policy, the default Trivy scanner, an immutable rule and a webhook.
    ///
    /// Seeding a state that already has these names fails with the conflict it meets.
    pub fn seed_demo(&mut self) -> crate::errors::ApiResult<()> {
        let library = self.create_project(project("library", true), 1)?;
        let demo = self.create_project(project("demo", false), 1)?;
        self.push("library", "nginx", Some("1.27"), "nginx-1.27")?;
        self.push("library", "nginx", Some("latest"), "nginx-1.28")?;
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
        self.create_robot(
            RobotCreate {
                name: Some("ci".into()),
                description: Some("pushes from CI".into()),
                secret: Some(SEED_ROBOT_SECRET.into()),
                level: Some("system".into()),
                disable: Some(false),
                duration: Some(-1),
                permissions: Some(vec![json!({"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "push"}, {"resource": "repository", "action": "pull"}]})]),
            },
            1,
        )?;
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
        // One finished run of the policy, and a scanned image, so their reports exist.
        let run = self.start_replication(mirror)?;
        if let Some(e) = self.replication_executions.get_mut(&run) {
            (e.status, e.succeed, e.in_progress, e.end_time) =
                ("Succeed".into(), 1, 0, Some(super::now()));
        }
        let latest = self.artifact_id(nginx, "latest")?;
        if let Some(a) = self.artifacts.get_mut(&latest) {
            a.scanned = true;
        }
        // Resources the simulator keeps generically (see `handlers::generic`).
        self.seed_collection("createUserGroup", "/api/v2.0/usergroups", json!({"group_name": "dev", "group_type": 1, "ldap_group_dn": "cn=dev,ou=groups,dc=example,dc=com"}));
        self.seed_collection("CreateInstance", "/api/v2.0/p2p/preheat/instances", json!({"name": "kraken", "vendor": "kraken", "endpoint": "http://kraken.example.com", "auth_mode": "NONE", "enabled": true, "default": true, "status": "Healthy"}));
        self.seed_collection("CreatePolicy", "/api/v2.0/projects/library/preheat/policies", json!({"name": "nightly", "project_id": library, "provider_id": 1, "provider_name": "kraken", "trigger": "{\"type\":\"manual\"}", "enabled": true}));
        self.seed_collection("createRetention", "/api/v2.0/retentions", json!({"algorithm": "or", "rules": [], "trigger": {"kind": "Schedule", "settings": {"cron": ""}}, "scope": {"level": "project", "ref": library}}));
        self.create_scanner(json!({"name": "Trivy", "url": "http://trivy-adapter:8080", "description": "built-in scanner"}))?;
        self.create_immutable_rule(library, json!({
            "priority": 0,
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "1.*"}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        }))?;
        self.create_webhook(demo, json!({
            "name": "notify-ci",
            "targets": [{"type": "http", "address": "http://ci.example.com/hook", "skip_cert_verify": true, "payload_format": "Default"}],
            "event_types": ["PUSH_ARTIFACT", "DELETE_ARTIFACT"],
        }), "admin")?;
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
                secret: Some(secret.into()),
                level: Some(level.into()),
                disable: Some(false),
                duration: Some(-1),
                permissions: Some(permissions),
            };
            let (id, ..) = self.create_robot(robot, 1)?;
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
