//! What the simulated scanner finds: a fixed catalogue of real, public CVEs, and the reports
//! Harbor builds from them, in the shapes of `src/pkg/scan/vuln/report.go` (the report an
//! artifact's `additions/vulnerabilities` answers) and `src/pkg/scan/vuln/summary.go` (the
//! `scan_overview` summary).
//!
//! Which CVEs an artifact has depends on its repository's family (`nginx`, `alpine`, anything
//! else is a Debian-based application image) and on its age: every artifact but the newest of
//! its repository also carries the OpenSSL CVEs the newest one fixed. So the demo has
//! reports with several severities, fixable and unfixable findings, and differences between
//! two tags of one image.

use serde_json::{Value, json};

use super::job_work::JobWork;
use super::jobs::{JobStatus, clock};
use super::lifecycle::rfc3339;
use super::repositories::Artifact;
use super::{JobKind, SimState};

/// The MIME type of Harbor's vulnerability report, the key of `scan_overview`.
pub const REPORT_MIME: &str = "application/vnd.security.vulnerability.report; version=1.1";

/// One finding of the catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Cve {
    /// The CVE id.
    pub id: &'static str,
    /// The affected package.
    pub package: &'static str,
    /// The installed version.
    pub version: &'static str,
    /// The first fixed version, empty when there is no fix.
    pub fix_version: &'static str,
    /// `Critical`, `High`, `Medium`, `Low` or `Unknown`.
    pub severity: &'static str,
    /// CVSS v3 base score.
    pub score: f64,
    /// CVSS v3 vector.
    pub vector: &'static str,
    /// CWE ids.
    pub cwe: &'static str,
    /// A one-line description.
    pub description: &'static str,
}

impl Cve {
    /// The finding's status as the report gives it: `fixed` when a fix exists.
    pub fn status(&self) -> &'static str {
        if self.fix_version.is_empty() {
            "affected"
        } else {
            "fixed"
        }
    }

    /// The finding's link (the report's `links`, Harbor's `urls`).
    pub fn link(&self) -> String {
        format!("https://avd.aquasec.com/nvd/{}", self.id.to_lowercase())
    }
}

macro_rules! cve {
    ($id:literal, $pkg:literal, $ver:literal, $fix:literal, $sev:literal, $score:literal, $vec:literal, $cwe:literal, $desc:literal) => {
        Cve {
            id: $id,
            package: $pkg,
            version: $ver,
            fix_version: $fix,
            severity: $sev,
            score: $score,
            vector: $vec,
            cwe: $cwe,
            description: $desc,
        }
    };
}

const OPENSSL_OLD: &[Cve] = &[
    cve!(
        "CVE-2023-5363",
        "openssl",
        "3.0.11-1~deb12u1",
        "3.0.11-1~deb12u2",
        "High",
        7.5,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:N/A:N",
        "CWE-325",
        "Incorrect cipher key and IV length processing"
    ),
    cve!(
        "CVE-2024-0727",
        "openssl",
        "3.0.11-1~deb12u1",
        "3.0.13-1~deb12u1",
        "Medium",
        5.5,
        "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
        "CWE-476",
        "NULL dereference while processing a malformed PKCS12 file"
    ),
];

const NGINX: &[Cve] = &[
    cve!(
        "CVE-2023-45853",
        "zlib1g",
        "1:1.2.13.dfsg-1",
        "",
        "Critical",
        9.8,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CWE-190",
        "Integer overflow in MiniZip's zipOpenNewFileInZip4_64"
    ),
    cve!(
        "CVE-2024-2398",
        "curl",
        "7.88.1-10+deb12u5",
        "7.88.1-10+deb12u6",
        "Medium",
        6.5,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L",
        "CWE-772",
        "HTTP/2 push headers memory leak"
    ),
    cve!(
        "CVE-2023-52425",
        "libexpat1",
        "2.5.0-1",
        "2.5.0-1+deb12u1",
        "High",
        7.5,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H",
        "CWE-400",
        "Parsing large tokens can trigger a denial of service"
    ),
    cve!(
        "CVE-2022-48303",
        "tar",
        "1.34+dfsg-1.2",
        "",
        "Low",
        5.5,
        "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
        "CWE-125",
        "One-byte out-of-bounds read in from_header"
    ),
];

const ALPINE: &[Cve] = &[
    cve!(
        "CVE-2023-42363",
        "busybox",
        "1.36.1-r28",
        "1.36.1-r29",
        "Medium",
        5.5,
        "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
        "CWE-416",
        "Use-after-free in awk's evaluate function"
    ),
    cve!(
        "CVE-2023-42366",
        "busybox",
        "1.36.1-r28",
        "1.36.1-r30",
        "Medium",
        5.5,
        "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
        "CWE-787",
        "Heap-buffer-overflow in awk's next_token"
    ),
    cve!(
        "CVE-2024-9143",
        "libcrypto3",
        "3.3.2-r0",
        "3.3.2-r1",
        "Low",
        4.3,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:L",
        "CWE-787",
        "Low-level invalid GF(2^m) parameters lead to out-of-bounds access"
    ),
];

const DEBIAN_APP: &[Cve] = &[
    cve!(
        "CVE-2024-2961",
        "libc6",
        "2.36-9+deb12u4",
        "2.36-9+deb12u7",
        "High",
        7.3,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:L/I:L/A:L",
        "CWE-787",
        "Out-of-bounds write in iconv ISO-2022-CN-EXT"
    ),
    cve!(
        "CVE-2023-45853",
        "zlib1g",
        "1:1.2.13.dfsg-1",
        "",
        "Critical",
        9.8,
        "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H",
        "CWE-190",
        "Integer overflow in MiniZip's zipOpenNewFileInZip4_64"
    ),
    cve!(
        "CVE-2011-3374",
        "apt",
        "2.6.1",
        "",
        "Unknown",
        3.7,
        "CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:N/I:L/A:N",
        "CWE-347",
        "apt-key does not correctly validate gpg keys with the master keyring"
    ),
    cve!(
        "CVE-2022-48303",
        "tar",
        "1.34+dfsg-1.2",
        "",
        "Low",
        5.5,
        "CVSS:3.1/AV:L/AC:L/PR:N/UI:R/S:U/C:N/I:N/A:H",
        "CWE-125",
        "One-byte out-of-bounds read in from_header"
    ),
];

/// Harbor's severity order, lowest first.
pub(super) const SEVERITIES: &[&str] = &[
    "None",
    "Unknown",
    "Negligible",
    "Low",
    "Medium",
    "High",
    "Critical",
];

fn rank(severity: &str) -> usize {
    SEVERITIES.iter().position(|s| *s == severity).unwrap_or(0)
}

/// The uuid of an artifact's vulnerability report.
pub fn report_id(artifact_id: i64) -> String {
    format!("{artifact_id:08x}-0000-4000-8000-{artifact_id:012x}")
}

/// The uuid of an artifact's SBOM report.
pub fn sbom_report_id(artifact_id: i64) -> String {
    format!("{artifact_id:08x}-0000-4000-9000-{artifact_id:012x}")
}

/// What a scan request asks for (`scan_type` of `ScanType` in the request body): a
/// vulnerability report, or an SBOM. Any other value, or none, is a vulnerability scan
/// (`validScanType` in `src/server/v2.0/handler/scan.go`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ScanType {
    /// A vulnerability report (`scan_overview`).
    Vulnerability,
    /// An SBOM (`sbom_overview`).
    Sbom,
}

impl ScanType {
    /// The type a request body asks for.
    pub fn of_body(body: &[u8]) -> ScanType {
        let asked: Option<Value> = serde_json::from_slice(body).ok();
        match asked.as_ref().and_then(|b| b["scan_type"].as_str()) {
            Some("sbom") => ScanType::Sbom,
            _ => ScanType::Vulnerability,
        }
    }

    /// The job's `enabled_capabilities.type`.
    pub fn capability(self) -> &'static str {
        match self {
            ScanType::Vulnerability => "vulnerability",
            ScanType::Sbom => "sbom",
        }
    }
}

/// The CVEs of an image of repository `repo` (`library/nginx`), older than the newest or not.
pub fn findings(repo: &str, newest: bool) -> Vec<Cve> {
    let family = repo.rsplit('/').next().unwrap_or(repo);
    let mut out: Vec<Cve> = match family {
        "nginx" => NGINX.to_vec(),
        "alpine" => ALPINE.to_vec(),
        _ => DEBIAN_APP.to_vec(),
    };
    if !newest && family != "alpine" {
        out.extend_from_slice(OPENSSL_OLD);
    }
    out
}

/// The highest severity of `cves` (`None` without any).
pub fn overall_severity(cves: &[Cve]) -> &'static str {
    cves.iter()
        .map(|c| c.severity)
        .max_by_key(|s| rank(s))
        .unwrap_or("None")
}

/// An artifact's latest scan as Harbor assembles its report from the scan task
/// (`assembleReports` in `src/controller/scan/base_controller.go`): the task's status, the
/// start of its run and its end.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ScanState {
    /// The scan task's status (`Pending` while queued).
    pub status: JobStatus,
    /// When its run started (RFC 3339), once it has.
    pub start_time: Option<String>,
    /// When it ended (RFC 3339), once final.
    pub end_time: Option<String>,
    /// The execution and task of the scan, when a job of the simulator ran it (a seeded
    /// report has none).
    pub task: Option<(i64, i64)>,
}

/// Go's zero `time.Time` as `encoding/json` writes it: a scan summary is a plain Go map,
/// not a swagger model, so its times are not in Harbor's millisecond format.
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00Z";

/// Whole seconds between two RFC 3339 times, 0 when either is missing or the end is before
/// the start (`Duration` of `GenerateNativeSummary`).
fn duration_secs(start: Option<&str>, end: Option<&str>) -> i64 {
    let secs = |t: Option<&str>| {
        t.and_then(|t| humantime::parse_rfc3339(t).ok())
            .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
            .map(|d| d.as_secs() as i64)
    };
    match (secs(start), secs(end)) {
        (Some(s), Some(e)) => (e - s).max(0),
        _ => 0,
    }
}

impl SimState {
    /// The latest scan of an artifact as it is now: its scan task's (see
    /// [`SimState::scan_tasks`]), else a report the simulator started with
    /// ([`SimState::mark_scanned`]); `None` when it was never scanned.
    pub fn artifact_scan(&self, artifact_id: i64) -> Option<ScanState> {
        self.scan_state(artifact_id, ScanType::Vulnerability)
    }

    /// The latest SBOM generation of an artifact as it is now: its task's (see
    /// [`SimState::sbom_tasks`]), else the SBOM of a report the simulator started with;
    /// `None` when none was generated.
    pub fn artifact_sbom(&self, artifact_id: i64) -> Option<ScanState> {
        self.scan_state(artifact_id, ScanType::Sbom)
    }

    fn scan_state(&self, artifact_id: i64, kind: ScanType) -> Option<ScanState> {
        let a = self.artifacts.get(&artifact_id)?;
        let tasks = match kind {
            ScanType::Vulnerability => &self.scan_tasks,
            ScanType::Sbom => &self.sbom_tasks,
        };
        let task = tasks.get(&artifact_id).and_then(|(e, t)| {
            // Task ids grow within an execution: a search, not a scan of a scan all's tasks.
            let tasks = &self.executions.get(e)?.tasks;
            let task = &tasks[tasks.binary_search_by_key(t, |x| x.id).ok()?];
            Some((*e, task))
        });
        match task {
            Some((execution, task)) => {
                let phase = task.plan.phase_at(clock());
                Some(ScanState {
                    status: phase.status,
                    start_time: phase.started.map(rfc3339),
                    end_time: phase.ended.map(rfc3339),
                    task: Some((execution, task.id)),
                })
            }
            // The reports the simulator starts with are vulnerability reports: an SBOM is
            // only ever generated (and pushed) by a task.
            None if kind == ScanType::Sbom => None,
            None => a.scanned.then(|| ScanState {
                status: JobStatus::Success,
                start_time: Some(a.scanned_at.clone()),
                end_time: Some(a.scanned_at.clone()),
                task: None,
            }),
        }
    }

    /// Starts the vulnerability scan of one artifact; see [`SimState::start_scan_of`].
    pub fn start_scan(&mut self, artifact_id: i64, operator: &str) -> crate::ApiResult<i64> {
        self.start_scan_of(artifact_id, operator, ScanType::Vulnerability)
    }

    /// Starts a scan of one artifact for `kind` (an `IMAGE_SCAN` execution with one task,
    /// vendor id the artifact's, `enabled_capabilities.type` the kind's, as the scan
    /// controller's `Scan` creates), unless its latest scan of that kind is still queued or
    /// running: 409 `a previous scan process is <status>`, as `MakePlaceHolder`
    /// (`src/pkg/scan/vulnerability/vul.go`, `sbom/sbom.go`) answers. Returns the execution
    /// id. A vulnerability scan and an SBOM generation are apart: each has its own report
    /// and overview.
    ///
    /// An image index is not scanned itself: each of its children whose scan is not
    /// ongoing gets a task of the index's execution; all ongoing is the first child's 409.
    /// An artifact with nothing the scanner takes (`SimState::scanning_targets`: a chart,
    /// a model, an accessory) is 400 `the configured scanner <name> does not support
    /// scanning artifact with mime type <manifest media type>` (`basicController.Scan`).
    pub fn start_scan_of(
        &mut self,
        artifact_id: i64,
        operator: &str,
        kind: ScanType,
    ) -> crate::ApiResult<i64> {
        let scannable = self.scanning_targets(artifact_id);
        // Only images are scanned, an index through its children.
        if scannable.is_empty() {
            let a = self.artifacts.get(&artifact_id);
            return Err(crate::ApiError::bad_request(format!(
                "the configured scanner {} does not support scanning artifact with mime type {}",
                a.and_then(|a| self.project_scanner(a.project_id))
                    .map_or("", |s| s.name()),
                a.map_or("", |a| a.manifest_media_type())
            )));
        }
        let mut targets = Vec::new();
        let mut conflict = None;
        for target in scannable {
            match self.check_no_scan_ongoing_of(target, kind) {
                Ok(()) => targets.push(target),
                Err(e) => {
                    conflict.get_or_insert(e);
                }
            }
        }
        if let Some(e) = conflict.filter(|_| targets.is_empty()) {
            return Err(e);
        }
        // `MakePlaceHolder`: a new SBOM replaces the last one, whose accessory goes.
        if kind == ScanType::Sbom {
            for target in &targets {
                self.delete_sbom_accessories(*target, operator)?;
            }
        }
        let a = self
            .artifacts
            .get(&artifact_id)
            .ok_or_else(|| crate::ApiError::not_found("artifact not found"))?;
        let (digest, project_id, repository_id) = (a.digest.clone(), a.project_id, a.repository_id);
        let repository = self
            .repositories
            .get(&repository_id)
            .map(|r| r.name.clone())
            .unwrap_or_default();
        let id = self.start_execution(super::jobs::NewExecution {
            kind: JobKind::Scan,
            vendor_id: artifact_id,
            trigger: "MANUAL",
            extra_attrs: json!({
                "artifact": {"id": artifact_id, "project_id": project_id, "repository_name": repository, "digest": digest},
                "enabled_capabilities": {"type": kind.capability()},
                "operator": operator,
            }),
            operator: operator.to_owned(),
            tasks: targets
                .iter()
                .map(|t| scan_task_of(*t, &self.artifacts[t].digest, kind))
                .collect(),
        });
        let tasks: Vec<i64> = self.executions[&id].tasks.iter().map(|t| t.id).collect();
        // An SBOM generation's job pushes the SBOM, as the robot it made, once it succeeds.
        let mut pushes = Vec::new();
        for (target, task) in targets.into_iter().zip(tasks) {
            let robot = self.attach_scan_task_of(target, id, task, kind);
            if kind == ScanType::Sbom {
                pushes.push(JobWork::SbomPush {
                    artifact: target,
                    robot: robot.unwrap_or_default(),
                });
            }
        }
        if !pushes.is_empty() {
            self.defer_work(id, pushes);
        }
        self.defer_scan_events(id);
        Ok(id)
    }

    /// Records the scan event each task of the scan execution `execution` fires as it ends
    /// (after what else the task does: an SBOM's push comes first).
    pub(crate) fn defer_scan_events(&mut self, execution: i64) {
        let tasks: Vec<(i64, i64)> = self
            .executions
            .get(&execution)
            .map(|e| {
                e.tasks
                    .iter()
                    .filter_map(|t| Some((t.id, t.extra_attrs["artifact_id"].as_i64()?)))
                    .collect()
            })
            .unwrap_or_default();
        for (task, artifact) in tasks {
            self.defer_task_work(execution, task, JobWork::ScanEnded { artifact });
        }
    }

    /// Makes `task` of `execution` the artifact's vulnerability scan (and records the pull
    /// its scanner makes, see [`SimState::record_scanner_pull`]).
    pub fn attach_scan_task(&mut self, artifact_id: i64, execution: i64, task: i64) {
        self.attach_scan_task_of(artifact_id, execution, task, ScanType::Vulnerability);
    }

    /// Makes `task` of `execution` the artifact's scan of `kind`, and records the pull its
    /// scanner makes to read the image ([`SimState::record_scanner_pull`], when the scan
    /// starts rather than when the adapter's job runs); the name of the scan job's robot.
    fn attach_scan_task_of(
        &mut self,
        artifact_id: i64,
        execution: i64,
        task: i64,
        kind: ScanType,
    ) -> Option<String> {
        let tasks = match kind {
            ScanType::Vulnerability => &mut self.scan_tasks,
            ScanType::Sbom => &mut self.sbom_tasks,
        };
        tasks.insert(artifact_id, (execution, task));
        let project_id = self.artifacts.get(&artifact_id)?.project_id;
        let registration = match self.project_scanner(project_id) {
            Some(s) => s.doc["name"].as_str().unwrap_or_default().to_owned(),
            None => "Trivy".to_owned(),
        };
        self.record_scanner_pull(artifact_id, &registration)
    }

    /// 409 while the artifact's latest vulnerability scan is queued or running
    /// (`MakePlaceHolder`).
    pub fn check_no_scan_ongoing(&self, artifact_id: i64) -> crate::ApiResult<()> {
        self.check_no_scan_ongoing_of(artifact_id, ScanType::Vulnerability)
    }

    fn check_no_scan_ongoing_of(&self, artifact_id: i64, kind: ScanType) -> crate::ApiResult<()> {
        match self.scan_state(artifact_id, kind) {
            Some(scan) if !scan.status.is_final() => Err(crate::ApiError::conflict(format!(
                "a previous scan process is {}",
                scan.status.as_str()
            ))),
            _ => Ok(()),
        }
    }

    fn is_index(&self, artifact_id: i64) -> bool {
        self.artifacts
            .get(&artifact_id)
            .is_some_and(|a| a.index.is_some())
    }

    /// Whether no image was pushed into its repository after it (accessories, such as its
    /// SBOM or signature, do not count).
    pub(super) fn is_newest(&self, a: &Artifact) -> bool {
        !self
            .artifacts
            .values()
            .any(|o| o.repository_id == a.repository_id && o.id > a.id && !self.is_accessory(o.id))
    }

    /// The CVEs found in a scanned artifact: `None` unless its latest scan has succeeded (a
    /// new scan replaces the old report with a placeholder, `MakePlaceHolder`).
    pub fn artifact_findings(&self, artifact_id: i64) -> Option<Vec<Cve>> {
        self.artifact_scan(artifact_id)
            .filter(|s| s.status == JobStatus::Success)?;
        let a = self.artifacts.get(&artifact_id)?;
        let repo = self.repositories.get(&a.repository_id)?;
        Some(findings(&repo.name, self.is_newest(a)))
    }

    fn scanner_of(&self, project_id: i64) -> Value {
        match self.project_scanner(project_id) {
            Some(s) => {
                json!({"name": s.doc["name"], "vendor": super::scanners::ADAPTER.1, "version": super::scanners::ADAPTER.2})
            }
            None => json!({"name": "Trivy", "vendor": "Aqua Security", "version": "v0.50.0"}),
        }
    }

    /// `GET .../additions/vulnerabilities`: `{mime: report}`, or `{}` for an artifact without
    /// a finished report: never scanned, or its scan not `Success` (the placeholder report
    /// has no data, which `Reports.ResolveData` in `src/pkg/scan/report/report.go` skips).
    pub fn vulnerability_report(&self, artifact_id: i64) -> Value {
        if self.is_index(artifact_id) {
            return self.index_vulnerability_report(artifact_id);
        }
        let (Some(a), Some(cves)) = (
            self.artifacts.get(&artifact_id),
            self.artifact_findings(artifact_id),
        ) else {
            return json!({});
        };
        let items: Vec<Value> = cves
            .iter()
            .map(|c| {
                json!({
                    "id": c.id,
                    "package": c.package,
                    "version": c.version,
                    "fix_version": c.fix_version,
                    "severity": c.severity,
                    "status": c.status(),
                    "description": c.description,
                    "links": [c.link()],
                    "artifact_digests": [a.digest],
                    "preferred_cvss": {"score_v3": c.score, "score_v2": null, "vector_v3": c.vector, "vector_v2": ""},
                    "cwe_ids": [c.cwe],
                    "vendor_attributes": {"CVSS": {"nvd": {"V3Score": c.score, "V3Vector": c.vector}}},
                })
            })
            .collect();
        let generated_at = self
            .artifact_scan(artifact_id)
            .and_then(|s| s.end_time)
            .unwrap_or_default();
        json!({ REPORT_MIME: {
            "generated_at": generated_at,
            "scanner": self.scanner_of(a.project_id),
            "severity": overall_severity(&cves),
            "vulnerabilities": items,
        }})
    }

    /// The artifact's `scan_overview`: `{mime: NativeReportSummary}`, `{}` when never scanned.
    /// While the scan is not `Success` (queued, running, failed, stopped) the summary is the
    /// one `GenerateNativeSummary` (`src/pkg/scan/report/summary.go`) writes for a report
    /// placeholder: the task's status as `scan_status`, no severity, `summary` null, no
    /// scanner, the task's times (Go's zero time while unset), and the assembler
    /// (`src/server/v2.0/handler/assembler/report.go`) puts it in the artifact as it is: a
    /// queued scan shows `scan_status` `Pending`.
    pub fn scan_overview(&self, artifact_id: i64) -> Value {
        if self.is_index(artifact_id) {
            return self.index_scan_overview(artifact_id);
        }
        let (Some(a), Some(scan)) = (
            self.artifacts.get(&artifact_id),
            self.artifact_scan(artifact_id),
        ) else {
            return json!({});
        };
        let duration = duration_secs(scan.start_time.as_deref(), scan.end_time.as_deref());
        let Some(cves) = self.artifact_findings(artifact_id) else {
            return json!({ REPORT_MIME: {
                "report_id": report_id(a.id),
                "scan_status": scan.status.as_str(),
                "severity": "",
                "duration": duration,
                "summary": null,
                "start_time": scan.start_time.as_deref().unwrap_or(GO_ZERO_TIME),
                "end_time": scan.end_time.as_deref().unwrap_or(GO_ZERO_TIME),
                "complete_percent": 0,
            }});
        };
        let mut by_severity = serde_json::Map::new();
        for c in &cves {
            let n = by_severity
                .get(c.severity)
                .and_then(Value::as_i64)
                .unwrap_or(0);
            by_severity.insert(c.severity.into(), json!(n + 1));
        }
        let fixable = cves.iter().filter(|c| !c.fix_version.is_empty()).count();
        json!({ REPORT_MIME: {
            "report_id": report_id(a.id),
            "scan_status": "Success",
            "severity": overall_severity(&cves),
            "duration": duration,
            "summary": {"total": cves.len(), "fixable": fixable, "summary": by_severity},
            "start_time": scan.start_time,
            "end_time": scan.end_time,
            "scanner": self.scanner_of(a.project_id),
            "complete_percent": 100,
        }})
    }

    /// The artifact's `sbom_overview`, from its latest SBOM generation (see
    /// [`SimState::artifact_sbom`]), or `None` when none was asked for.
    pub fn sbom_overview(&self, artifact_id: i64) -> Option<Value> {
        let scan = self.artifact_sbom(artifact_id)?;
        let a = self.artifacts.get(&artifact_id)?;
        // The SBOM is pushed as the generation succeeds (see `sbom_push`): the digest is its
        // accessory's (Harbor's report would still name an accessory deleted since).
        let sbom_digest = (scan.status == JobStatus::Success)
            .then(|| self.sbom_accessory_digest(artifact_id))
            .flatten();
        // A time not yet known is Go's zero `strfmt.DateTime`, which `omitempty` keeps.
        let time = |t: &Option<String>| {
            t.clone()
                .unwrap_or_else(|| super::repositories::NEVER.to_owned())
        };
        let mut overview = json!({
            "start_time": time(&scan.start_time),
            "end_time": time(&scan.end_time),
            "scan_status": scan.status.as_str(),
            "sbom_digest": sbom_digest,
            "report_id": sbom_report_id(a.id),
            "duration": duration_secs(scan.start_time.as_deref(), scan.end_time.as_deref()),
            "scanner": self.scanner_of(a.project_id),
        });
        // Harbor passes the overview through `models.SBOMOverview`, whose `omitempty` leaves
        // out a scan shorter than a second, and the digest a generation under way has not.
        crate::omitempty::omit_empty(&mut overview, &["duration", "sbom_digest"]);
        Some(overview)
    }
}

/// A vulnerability scan task: the artifact it scans and the first line of its log.
pub fn scan_task(artifact_id: i64, digest: &str) -> (Value, String) {
    scan_task_of(artifact_id, digest, ScanType::Vulnerability)
}

/// A scan task of `kind`: the artifact it scans, the report it writes, the first line of its
/// log.
fn scan_task_of(artifact_id: i64, digest: &str, kind: ScanType) -> (Value, String) {
    let report = match kind {
        ScanType::Vulnerability => report_id(artifact_id),
        ScanType::Sbom => sbom_report_id(artifact_id),
    };
    (
        json!({"artifact_id": artifact_id, "report_uuids": [report]}),
        format!("scan artifact {digest}"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The demo's `library/alpine:3.20` after a scan with `scanner_skip_update_pulltime` set
    /// to `skip`: its pull time, its repository's pull count, and the last audit row.
    fn scan_alpine(skip: bool) -> (String, i64, super::super::AuditLogExt) {
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        s.configurations
            .insert("scanner_skip_update_pulltime".into(), json!(skip));
        let id = s
            .artifacts
            .values()
            .find(|a| a.tags.iter().any(|t| t.name == "3.20"))
            .unwrap()
            .id;
        let repository = s.artifacts[&id].repository_id;
        let count = s.repositories[&repository].pull_count;
        s.start_scan(id, "admin").unwrap();
        let row = s.audit_log_ext.values().next_back().unwrap().clone();
        let pulled = s.repositories[&repository].pull_count - count;
        (s.artifacts[&id].pull_time.clone(), pulled, row)
    }

    #[tokio::test(start_paused = true)]
    async fn an_sbom_is_generated_by_its_own_scan() {
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        let digest = s.push("demo", "fresh", Some("1.0"), "fresh").unwrap();
        let repository = s.repositories.id_by_name("demo/fresh").unwrap();
        let id = s.artifact_id(repository, &digest).unwrap();
        // A vulnerability scan writes no SBOM.
        s.start_scan(id, "admin").unwrap();
        let scan = super::super::Lifecycle::default_for(JobKind::Scan);
        tokio::time::advance(scan.queued() + scan.running()).await;
        assert_eq!(s.artifact_scan(id).unwrap().status, JobStatus::Success);
        assert_eq!(s.sbom_overview(id), None);
        // An SBOM generation has its own status, then its digest.
        s.start_scan_of(id, "admin", ScanType::Sbom).unwrap();
        let pending = s.sbom_overview(id).unwrap();
        assert_eq!(pending["scan_status"], "Pending", "{pending}");
        assert!(pending.get("sbom_digest").is_none(), "{pending}");
        let again = s.start_scan_of(id, "admin", ScanType::Sbom).unwrap_err();
        assert_eq!(again.status.as_u16(), 409);
        // The vulnerability scan is not in the way of it, nor it of a new one.
        s.start_scan(id, "admin").unwrap();
        tokio::time::advance(scan.queued() + scan.running()).await;
        // The generation's job pushes the SBOM as it succeeds (the state's guard settles
        // before each request; here, by hand).
        s.settle(tokio::time::Instant::now());
        let done = s.sbom_overview(id).unwrap();
        assert_eq!(done["scan_status"], "Success", "{done}");
        assert_eq!(done["sbom_digest"].as_str(), s.sbom_accessory_digest(id));
        assert!(done["sbom_digest"].as_str().unwrap().starts_with("sha256:"));
        assert_eq!(done["report_id"], sbom_report_id(id));
        let execution = s.sbom_tasks[&id].0;
        assert_eq!(
            s.executions[&execution].extra_attrs["enabled_capabilities"]["type"],
            "sbom"
        );
    }

    #[test]
    fn the_scan_type_comes_from_the_body() {
        assert_eq!(
            ScanType::of_body(br#"{"scan_type":"sbom"}"#),
            ScanType::Sbom
        );
        for body in [
            &br#"{"scan_type":"vulnerability"}"#[..],
            br#"{"scan_type":"x"}"#,
            b"",
            b"{",
        ] {
            assert_eq!(ScanType::of_body(body), ScanType::Vulnerability);
        }
    }

    #[test]
    fn a_scan_pulls_its_artifact_with_the_scan_jobs_robot() {
        let (pull_time, pulled, row) = scan_alpine(false);
        assert_ne!(pull_time, super::super::repositories::NEVER);
        assert_eq!(pulled, 1);
        assert_eq!(
            (row.operation.as_str(), row.resource_type.as_str()),
            ("pull", "artifact")
        );
        assert!(
            row.resource.starts_with("library/alpine@sha256:"),
            "{row:?}"
        );
        let uuid = row
            .username
            .strip_prefix("robot$library+scanner-Trivy-")
            .unwrap_or_else(|| panic!("a scanner robot: {row:?}"));
        assert_eq!(uuid.len(), 36, "{uuid}");
        // With `scanner_skip_update_pulltime`, the pull time and count stay; the row is
        // written all the same (`onPull` returns early; the audit handler is another).
        let (pull_time, pulled, row) = scan_alpine(true);
        assert_eq!(pull_time, super::super::repositories::NEVER);
        assert_eq!(pulled, 0);
        assert!(
            row.username.starts_with("robot$library+scanner-"),
            "{row:?}"
        );
    }

    #[test]
    fn families_have_mixed_severities_and_fixes() {
        for repo in ["library/nginx", "library/alpine", "demo/team/app"] {
            let cves = findings(repo, true);
            assert!(cves.len() >= 3, "{repo}");
            assert!(cves.iter().any(|c| !c.fix_version.is_empty()), "{repo}");
        }
        assert!(
            findings("library/nginx", true)
                .iter()
                .any(|c| c.fix_version.is_empty())
        );
        assert_eq!(
            overall_severity(&findings("library/nginx", true)),
            "Critical"
        );
        assert_eq!(overall_severity(&[]), "None");
        assert!(findings("library/nginx", false).len() > findings("library/nginx", true).len());
    }
}
