//! Harbor's security hub (`src/controller/securityhub/`, `src/pkg/securityhub/dao/
//! security.go`) over the scan reports the simulator holds: the summary of the default
//! scanner's reports with its top five CVEs and artifacts, and the search over every finding.
//!
//! A scanned artifact's report belongs to the scanner its project uses
//! ([`SimState::project_scanner`]); the hub reads only the default scanner's reports, and
//! with no default scanner it has nothing (zeros and an empty list, as Harbor's handler
//! answers without a scanner).

use std::cmp::Ordering;

use serde_json::{Value, json};

use super::SimState;
use super::repositories::Artifact;
use super::vulnerabilities::Cve;

/// One row of Harbor's vulnerability search: a finding of one artifact's report.
#[derive(Debug, Clone)]
pub struct Finding<'a> {
    /// The artifact.
    pub artifact: &'a Artifact,
    /// Its repository's full name.
    pub repository: &'a str,
    /// The CVE found.
    pub cve: Cve,
}

/// Harbor's order of severities in the top CVEs (`severity_level` of `dangerousCVESQL`).
fn severity_level(severity: &str) -> u8 {
    match severity {
        "Critical" => 5,
        "High" => 4,
        "Medium" => 3,
        "Low" => 2,
        "None" => 1,
        _ => 0,
    }
}

/// Counts of a report's findings: critical, high, medium, low, none, unknown, fixable.
fn counts(cves: &[Cve]) -> [i64; 7] {
    let of = |s: &str| cves.iter().filter(|c| c.severity == s).count() as i64;
    [
        of("Critical"),
        of("High"),
        of("Medium"),
        of("Low"),
        of("None"),
        of("Unknown"),
        cves.iter().filter(|c| !c.fix_version.is_empty()).count() as i64,
    ]
}

impl SimState {
    /// The uuid of the default scanner, if one is set.
    fn default_scanner_uuid(&self) -> Option<&str> {
        self.scanners
            .values()
            .find(|s| s.doc["is_default"] == json!(true))
            .map(|s| s.uuid())
    }

    /// The reports of the default scanner: each scanned artifact whose project uses it,
    /// with its findings, by artifact id.
    fn default_reports(&self) -> Vec<(&Artifact, Vec<Cve>)> {
        let Some(default) = self.default_scanner_uuid() else {
            return Vec::new();
        };
        self.artifacts
            .values()
            .filter(|a| self.project_scanner(a.project_id).map(|s| s.uuid()) == Some(default))
            .filter_map(|a| Some((a, self.artifact_findings(a.id)?)))
            .collect()
    }

    /// Every finding of the default scanner's reports (the rows of `vulnerabilitySQL`), by
    /// artifact id and then the report's order.
    pub fn findings_of_default_scanner(&self) -> Vec<Finding<'_>> {
        self.default_reports()
            .into_iter()
            .flat_map(|(artifact, cves)| {
                let repository = self
                    .repositories
                    .get(&artifact.repository_id)
                    .map_or("", |r| r.name.as_str());
                cves.into_iter().map(move |cve| Finding {
                    artifact,
                    repository,
                    cve,
                })
            })
            .collect()
    }

    /// `GET /security/summary`: Harbor's `SecuritySummary`. The top lists are there only when
    /// asked for, and `null` when asked for but empty (the handler's nil slices; go-swagger
    /// leaves plain arrays without `omitempty`).
    pub fn security_summary(&self, with_cves: bool, with_artifacts: bool) -> Value {
        let reports = self.default_reports();
        let mut sum = [0i64; 7];
        for (_, cves) in &reports {
            for (total, n) in sum.iter_mut().zip(counts(cves)) {
                *total += n;
            }
        }
        let [critical, high, medium, low, none, unknown, fixable] = sum;
        let mut summary = json!({
            "critical_cnt": critical, "high_cnt": high, "medium_cnt": medium, "low_cnt": low,
            "none_cnt": none, "unknown_cnt": unknown, "fixable_cnt": fixable,
            "total_vuls": critical + high + medium + low + none + unknown,
            "total_artifact": if self.default_scanner_uuid().is_some() { self.artifacts.len() } else { 0 },
            "scanned_cnt": reports.len(),
        });
        // `high_cnt`, `none_cnt` and `unknown_cnt` are `omitempty` in go-swagger's
        // `SecuritySummary` (the spec gives the other counts `x-omitempty: false`): left out
        // when 0.
        for key in ["high_cnt", "none_cnt", "unknown_cnt"] {
            if summary[key] == 0 {
                summary.as_object_mut().map(|m| m.remove(key));
            }
        }
        let or_null = |items: Vec<Value>| {
            if items.is_empty() {
                Value::Null
            } else {
                Value::Array(items)
            }
        };
        if with_cves {
            summary["dangerous_cves"] = or_null(self.dangerous_cves());
        }
        if with_artifacts {
            summary["dangerous_artifacts"] = or_null(dangerous_artifacts(self, &reports));
        }
        summary
    }

    /// The five vulnerability records with the highest CVSS v3 score, then severity
    /// (`dangerousCVESQL`): one record per CVE, package and version.
    fn dangerous_cves(&self) -> Vec<Value> {
        let mut records: Vec<Cve> = Vec::new();
        for f in self.findings_of_default_scanner() {
            let c = f.cve;
            if !records
                .iter()
                .any(|r| (r.id, r.package, r.version) == (c.id, c.package, c.version))
            {
                records.push(c);
            }
        }
        records.sort_by(|a, b| {
            b.score
                .partial_cmp(&a.score)
                .unwrap_or(Ordering::Equal)
                .then(severity_level(b.severity).cmp(&severity_level(a.severity)))
        });
        records
            .iter()
            .take(5)
            .map(|c| {
                json!({"cve_id": c.id, "package": c.package, "version": c.version,
                    "severity": c.severity, "cvss_score_v3": c.score})
            })
            .collect()
    }
}

/// The five artifacts with the most critical, then high, medium and low findings
/// (`dangerousArtifactSQL`), among those with any.
fn dangerous_artifacts(s: &SimState, reports: &[(&Artifact, Vec<Cve>)]) -> Vec<Value> {
    let mut rows: Vec<(&Artifact, [i64; 7])> = reports
        .iter()
        .map(|(a, cves)| (*a, counts(cves)))
        .filter(|(_, c)| c[..4].iter().sum::<i64>() > 0)
        .collect();
    // Stable: ties keep the artifact order.
    rows.sort_by(|(_, a), (_, b)| b[..4].cmp(&a[..4]));
    rows.iter()
        .take(5)
        .map(|(a, c)| {
            let repository = s
                .repositories
                .get(&a.repository_id)
                .map_or("", |r| r.name.as_str());
            json!({"project_id": a.project_id, "repository_name": repository,
                "digest": a.digest, "critical_cnt": c[0], "high_cnt": c[1], "medium_cnt": c[2]})
        })
        .collect()
}
