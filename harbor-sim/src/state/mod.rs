//! The simulator's in-memory Harbor: every stateful resource and the rules that bind them.

pub mod accessories;
pub mod artifact_table;
pub mod audit_log;
pub mod blobs;
pub mod chart_archive;
pub mod configurations;
mod fingerprint;
mod gc_run;
pub mod icons;
pub mod image_content;
pub mod image_index;
pub mod immutable;
mod index_scan;
pub mod job_service;
mod job_work;
pub mod jobs;
pub mod labels;
pub mod ldap_directory;
pub mod lifecycle;
pub mod members;
pub mod model_additions;
pub mod ordered_ids;
pub mod project_table;
pub mod projects;
pub mod quotas;
pub mod reachability;
pub mod registries;
pub mod registry_push;
pub mod registry_store;
pub mod remote_catalog;
pub mod replication;
mod replication_copy;
pub(crate) mod replication_flow;
pub mod repositories;
pub mod repository_table;
pub mod retention;
mod retention_run;
pub mod robots;
pub mod sbom_push;
pub(crate) mod scan_export_run;
pub mod scanners;
pub mod scheduler;
pub mod security_hub;
pub mod seed;
pub mod users;
pub mod vulnerabilities;
pub(crate) mod webhook_events;
pub(crate) mod webhook_payload;
pub mod webhooks;
pub mod x509_parse;

use std::collections::BTreeMap;
use std::time::SystemTime;

use crate::errors::ApiResult;
use crate::postgres_error::{SqlState, refusal};
use serde_json::Value;

pub use artifact_table::{ArtifactMut, Artifacts};
pub(crate) use audit_log::purge_job_log;
pub use audit_log::{AuditEvent, AuditLog, AuditLogExt, Purged};
pub use blobs::GcTimeWindow;
pub(crate) use gc_run::GcJob;
pub use image_index::{ImageIndex, Platform, Reference};
pub use immutable::ImmutableRule;
pub(crate) use job_work::JobWork;
pub use jobs::{Execution, JobKind, JobSchedule, JobStatus, JobTask, UnknownJobKind};
pub use labels::Label;
pub use ldap_directory::LdapDirectory;
pub use lifecycle::{JobLifecycles, JobPlan, Lifecycle, Outcome, Phase};
pub use members::Members;
pub use ordered_ids::OrderedIds;
pub use project_table::{ProjectMut, Projects, Publicity};
pub use projects::{Member, Project};
pub use quotas::Quota;
pub use reachability::Reachability;
pub use registries::Registry;
pub use replication::ReplicationPolicy;
pub use repositories::{Artifact, Repository, Tag};
pub use repository_table::{Repositories, RepositoryMut};
pub use robots::Robot;
pub use scanners::Scanner;
pub use users::User;
pub use webhooks::WebhookPolicy;

/// An RFC 3339 timestamp for now with milliseconds, as Harbor writes them
/// (`2026-01-01T10:00:00.000Z`).
pub fn now() -> String {
    humantime::format_rfc3339_millis(SystemTime::now()).to_string()
}

/// Go's `time.Time.Unix` of an RFC 3339 text (Go's zero time for one that does not parse).
pub(crate) fn unix(time: &str) -> i64 {
    const GO_ZERO_UNIX: i64 = -62_135_596_800;
    humantime::parse_rfc3339(time)
        .ok()
        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
        .map_or(GO_ZERO_UNIX, |d| d.as_secs() as i64)
}

/// The user of the secret the job service calls the core with (`secret.JobserviceUser`):
/// who a job's pushes and deletions are by.
pub(crate) const JOB_SERVICE_USER: &str = "harbor-jobservice";

/// The simulated Harbor's `EXT_ENDPOINT` (the core's environment).
pub(crate) const EXT_ENDPOINT: &str = "http://harbor-sim.local";

/// Its external URL without the scheme (`config.ExtURL`): the host of `resource_url`s.
pub(crate) fn ext_url() -> &'static str {
    EXT_ENDPOINT
        .split_once("://")
        .map_or(EXT_ENDPOINT, |(_, rest)| rest)
}

/// The `varchar(n)` columns of one row Harbor inserts or updates, in the table's column order:
/// PostgreSQL refuses a value of more characters (not bytes) than its column holds, the first
/// such column of the row, with a database error Harbor's DAOs pass on without a code (its
/// 500, [`crate::errors::ApiError::uncoded`]).
pub(crate) fn check_varchar_columns(columns: &[(&str, usize)]) -> ApiResult<()> {
    for (value, limit) in columns {
        if value.chars().count() > *limit {
            return Err(refusal(
                SqlState::StringDataRightTruncation,
                format_args!("value too long for type character varying({limit})"),
            ));
        }
    }
    Ok(())
}

/// Separate id sequences per table, as Harbor's database has.
#[derive(Debug, Default, Clone)]
pub struct Sequences {
    counters: BTreeMap<&'static str, i64>,
}

impl Sequences {
    /// The next id of `table`, starting at 1.
    pub fn next(&mut self, table: &'static str) -> i64 {
        let c = self.counters.entry(table).or_insert(0);
        *c += 1;
        *c
    }
}

/// Everything the simulated Harbor knows.
#[derive(Debug, Default, Clone)]
pub struct SimState {
    /// Id sequences.
    pub ids: Sequences,
    /// Projects by id (indexed by name and publicity; see [`project_table`]).
    pub projects: Projects,
    /// Project members by id (indexed by project and user; see [`members`]).
    pub members: Members,
    /// Repositories by id (indexed by full name and project; see [`repository_table`]).
    pub repositories: Repositories,
    /// Artifacts by id (indexed by repository, digest and project; see [`artifact_table`]).
    pub artifacts: Artifacts,
    /// Labels by id.
    pub labels: BTreeMap<i64, Label>,
    /// Users by id (the admin is 1).
    pub users: BTreeMap<i64, User>,
    /// Robot accounts by id.
    pub robots: BTreeMap<i64, Robot>,
    /// Registry endpoints by id.
    pub registries: BTreeMap<i64, Registry>,
    /// Replication policies by id.
    pub replication_policies: BTreeMap<i64, ReplicationPolicy>,
    /// Webhook policies by id.
    pub webhooks: BTreeMap<i64, WebhookPolicy>,
    /// Scanner registrations by uuid.
    pub scanners: BTreeMap<String, Scanner>,
    /// Which scanner each project uses, when not the default.
    pub project_scanners: BTreeMap<i64, String>,
    /// Immutable tag rules by id.
    pub immutable_rules: BTreeMap<i64, ImmutableRule>,
    /// Quotas by id (one per project).
    pub quotas: BTreeMap<i64, Quota>,
    /// Documents written through operations without a dedicated model (the system CVE
    /// allowlist), by a key the handler picks, so reads return what was written.
    pub documents: BTreeMap<String, Value>,
    /// Resources of operations without a dedicated model that Harbor creates by POST
    /// (user groups, preheat instances and policies): by collection path,
    /// then id.
    pub collections: BTreeMap<String, BTreeMap<i64, Value>>,
    /// Job executions of every kind (GC, purge, scan all, export, replication, retention,
    /// preheat, webhook), by id: one sequence, as Harbor's task manager has.
    pub executions: BTreeMap<i64, Execution>,
    /// How jobs live: a [`Lifecycle`] per kind and the ones set for the next jobs.
    pub job_lifecycles: JobLifecycles,
    /// The icon blobs artifacts carry as their own icon, by digest (see [`icons`]).
    pub icon_blobs: BTreeMap<String, std::sync::Arc<[u8]>>,
    /// Every blob pushed, by digest, until GC removes it (Harbor's `blob` table).
    pub blobs: blobs::Blobs,
    /// Accessories (signatures, SBOMs, manifests pushed with a `subject`) by id (see
    /// [`accessories`]).
    pub accessories: BTreeMap<i64, accessories::Accessory>,
    /// The content the registry (`/v2/`) stores: blobs, manifests, uploads (see
    /// [`registry_store`]).
    pub registry: registry_store::RegistryStore,
    /// The files of finished scan-data exports by execution id, until downloaded: Harbor's
    /// system artifacts (`src/pkg/systemartifact/`), whose sizes count in the storage used.
    pub export_files: BTreeMap<i64, String>,
    /// When new executions' statuses are refreshed from their tasks' (Harbor's 30-second
    /// periodic refresh by default).
    pub status_refresh: jobs::StatusRefresh,
    /// What each GC run checked in (freed bytes, blobs, manifests), by execution id.
    pub gc_check_ins: BTreeMap<i64, blobs::Freed>,
    /// What the tasks that have not run yet will do when they run (see [`job_work`]).
    pub(crate) pending_work: job_work::PendingWork,
    /// The latest scan task of each artifact (by artifact id: execution id, task id), of a
    /// scan or a scan all: what its `scan_overview` and reports follow.
    pub scan_tasks: BTreeMap<i64, (i64, i64)>,
    /// The latest SBOM generation task of each artifact (by artifact id: execution id, task
    /// id): what its `sbom_overview` follows.
    pub sbom_tasks: BTreeMap<i64, (i64, i64)>,
    /// The job service's pool, workers and queues (see [`job_service`]).
    pub job_service: job_service::JobService,
    /// Schedules of the periodic system jobs, by vendor type (`GARBAGE_COLLECTION`, ...).
    pub schedules: BTreeMap<&'static str, JobSchedule>,
    /// The scheduler's other rows, by vendor type and id: scheduled policies and the system
    /// jobs the core schedules at start; their crons are derived (see [`scheduler`]).
    pub scheduler_rows: BTreeMap<(&'static str, i64), scheduler::SchedulerRow>,
    /// Harbor's user-scope configuration items as set (see [`configurations`]).
    pub configurations: BTreeMap<String, Value>,
    /// Which hosts the simulated Harbor can reach (see [`reachability`]).
    pub reachability: Reachability,
    /// What remote registries hold, for pull-based replication (see [`remote_catalog`]).
    pub remote_catalog: remote_catalog::RemoteCatalog,
    /// How old an unreferenced blob must be before GC removes it (see [`GcTimeWindow`]).
    pub gc_time_window: GcTimeWindow,
    /// The directory of every reachable LDAP server (see [`ldap_directory`]).
    pub ldap_directory: LdapDirectory,
    /// Tag retention policies by id.
    pub retentions: BTreeMap<i64, Value>,
    /// Audit log rows (`audit_log_ext`) by id, as Harbor writes them (see [`audit_log`]).
    pub audit_log_ext: BTreeMap<i64, AuditLogExt>,
    /// Rows of the legacy `audit_log` table by id: nothing writes them, as in Harbor; a
    /// scenario may put some there to stand for logs kept from before an upgrade.
    pub audit_log: BTreeMap<i64, AuditLog>,
}

impl SimState {
    /// A Harbor as its installer leaves it (Harbor's `make/migrations/postgresql/`: the
    /// initial schema and later migrations): user 1 the admin (no email), user 2 `anonymous`
    /// (a deleted row, never listed, whose id and name are taken), and project 1 `library`,
    /// public, owned by the admin as its project admin, with a quota without limit and an
    /// empty CVE allowlist. The first project created is therefore id 2 and the first user id
    /// 3, as on a fresh Harbor.
    ///
    /// ```
    /// let state = harbor_sim::SimState::with_admin("admin", "Harbor12345");
    /// assert_eq!(state.projects.id_by_name("library"), Some(1));
    /// assert_eq!(state.users.len(), 1);
    /// ```
    pub fn with_admin(username: &str, password: &str) -> Self {
        let mut state = Self {
            configurations: configurations::defaults(),
            ..Self::default()
        };
        let id = state.ids.next("user");
        let now = now();
        state.job_service.started_at = now.clone();
        state.users.insert(
            id,
            User {
                user_id: id,
                username: username.to_owned(),
                // The migration gives the admin no email (`NULL`, which `0061_2.3.4` keeps
                // for an empty one), so `UserResp` leaves it out.
                email: String::new(),
                realname: "system admin".to_owned(),
                comment: "admin user".to_owned(),
                password: password.to_owned(),
                sysadmin_flag: true,
                admin_role_in_auth: false,
                creation_time: now.clone(),
                update_time: now,
            },
        );
        // `users::DELETED_ANONYMOUS`: Harbor's row is marked deleted, so only its id and its
        // name, taken, show.
        state.ids.next("user");
        state
            .create_project(seed::project("library", true), id)
            .expect("a fresh state has no project named library");
        state.schedule_system_jobs();
        state
    }
}
