//! Scanning an image index, as Harbor's scan controller does it
//! (`src/controller/scan/base_controller.go`): the scanner takes images, not indexes, so
//! `collectScanningArtifacts` hands it the index's children. A scan of an index is one
//! `IMAGE_SCAN` execution of the index with one task per child; the index's
//! `scan_overview` merges its children's summaries (`NativeReportSummary.Merge`,
//! `src/pkg/scan/vuln/summary.go`) and its vulnerabilities addition their reports
//! (`Report.Merge`, `src/pkg/scan/vuln/report.go`), each only once every child has a report.

use std::collections::HashMap;

use base64::Engine as _;
use serde_json::{Map, Value, json};

use super::SimState;
use super::unix;
use super::vulnerabilities::{REPORT_MIME, SEVERITIES};

/// Go's job status order (`job.Status.Code`) for what [`merge_status`] compares: pending,
/// scheduled, then the final states alike (running, stopped and success never get there).
fn status_code(status: &str) -> i32 {
    match status {
        "Pending" => 0,
        "Scheduled" => 1,
        "Error" => 3,
        _ => -1,
    }
}

/// `MergeScanStatus`: running if either runs, else stopped if either stopped, else success
/// if either succeeded (an index counts as scanned when one child is), else the later.
fn merge_status<'a>(s1: &'a str, s2: &'a str) -> &'a str {
    for wins in ["Running", "Stopped", "Success"] {
        if s1 == wins || s2 == wins {
            return wins;
        }
    }
    if status_code(s1) > status_code(s2) {
        s1
    } else {
        s2
    }
}

/// `mergeReportID`: the first id as it is (a uuid is no base64), each later one appended
/// after `|`, the whole base64-encoded.
fn merge_report_id(r1: &str, r2: &str) -> String {
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(r1).unwrap_or_else(|_| r1.as_bytes().to_vec());
    bytes.extend_from_slice(format!("|{r2}").as_bytes());
    engine.encode(bytes)
}

/// The severity ranks of `vuln.Severity.Code`.
fn severity_code(severity: &str) -> i32 {
    SEVERITIES
        .iter()
        .position(|s| *s == severity)
        .map_or(-1, |rank| rank as i32)
}

/// `mergeSeverity`: the higher of two severities (an empty one lowest), the second on a tie.
fn merge_severity(s1: &str, s2: &str) -> String {
    let value = |s: &str| if s.is_empty() { -1 } else { severity_code(s) };
    if value(s1) > value(s2) { s1 } else { s2 }.to_owned()
}

/// One child's summary as merged: the JSON and what the JSON leaves out.
struct Summary {
    doc: Value,
    total: i64,
    complete: i64,
    /// The findings (`VulnerabilityItemList`), `None` unless the child's scan succeeded.
    items: Option<Vec<Value>>,
}

/// The union of item lists by `id-package-version` (`VulnerabilityItemList.Add`), in first
/// seen order; `None` when neither has a list.
fn merge_items(a: Option<Vec<Value>>, b: Option<Vec<Value>>) -> Option<Vec<Value>> {
    let (a, b) = match (a, b) {
        (None, None) => return None,
        (Some(a), None) => (a, Vec::new()),
        (None, Some(b)) => (b, Vec::new()),
        (Some(a), Some(b)) => (a, b),
    };
    let key = |v: &Value| format!("{}-{}-{}", v["id"], v["package"], v["version"]);
    let mut out: Vec<Value> = Vec::with_capacity(a.len() + b.len());
    let mut at: HashMap<String, usize> = HashMap::new();
    for item in a.into_iter().chain(b) {
        match at.get(&key(&item)) {
            Some(&i) => {
                let digests = item["artifact_digests"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if let Some(list) = out[i]["artifact_digests"].as_array_mut() {
                    list.extend(digests);
                }
            }
            None => {
                at.insert(key(&item), out.len());
                out.push(item);
            }
        }
    }
    Some(out)
}

/// `GetSeveritySummary`: the highest severity and the counts of a list.
fn severity_summary(items: &[Value]) -> (String, Value) {
    let mut by_severity = Map::new();
    let mut severity = "None".to_owned();
    let mut fixable = 0;
    for item in items {
        let s = item["severity"].as_str().unwrap_or_default();
        let n = by_severity.get(s).and_then(Value::as_i64).unwrap_or(0);
        by_severity.insert(s.to_owned(), json!(n + 1));
        if severity_code(s) > severity_code(&severity) {
            severity = s.to_owned();
        }
        if !item["fix_version"].as_str().unwrap_or_default().is_empty() {
            fixable += 1;
        }
    }
    let summary = json!({"total": items.len(), "fixable": fixable, "summary": by_severity});
    (severity, summary)
}

/// `NativeReportSummary.Merge(acc, next)`.
fn merge_summaries(acc: Summary, next: Summary) -> Summary {
    let text = |s: &Summary, key: &str| s.doc[key].as_str().unwrap_or_default().to_owned();
    let (start1, start2) = (text(&acc, "start_time"), text(&next, "start_time"));
    let (end1, end2) = (text(&acc, "end_time"), text(&next, "end_time"));
    let start = if unix(&start1) < unix(&start2) {
        start1.clone()
    } else {
        start2.clone()
    };
    let end = if unix(&end1) < unix(&end2) {
        end2
    } else {
        end1
    };
    // The scanner of the later started summary, the one the end time comes from.
    let scanner = if unix(&start1) > unix(&start2) {
        acc.doc.get("scanner").cloned()
    } else {
        next.doc.get("scanner").cloned()
    };
    let (total, complete) = (acc.total + next.total, acc.complete + next.complete);
    let status = merge_status(
        acc.doc["scan_status"].as_str().unwrap_or_default(),
        next.doc["scan_status"].as_str().unwrap_or_default(),
    )
    .to_owned();
    let report_id = merge_report_id(&text(&acc, "report_id"), &text(&next, "report_id"));
    let mut doc = json!({
        "report_id": report_id,
        "scan_status": status,
        "severity": "",
        "duration": unix(&end) - unix(&start),
        "summary": null,
        "start_time": start,
        "end_time": end,
        "complete_percent": if total > 0 { complete * 100 / total } else { 0 },
    });
    if let Some(scanner) = scanner {
        doc["scanner"] = scanner;
    }
    // A running merge leaves the findings out (`UpdateSeveritySummary` is skipped).
    let items = if status == "Running" {
        None
    } else {
        merge_items(acc.items, next.items)
    };
    if let Some(items) = &items {
        let (severity, summary) = severity_summary(items);
        doc["severity"] = json!(severity);
        doc["summary"] = summary;
    }
    Summary {
        doc,
        total,
        complete,
        items,
    }
}

/// Whether the scanner takes the artifact by its type and manifest: `IMAGE`, an OCI image
/// manifest or Docker's schema 2 (the media types Trivy consumes; an index is neither).
fn scanner_consumes(a: &super::Artifact) -> bool {
    const CONSUMED: [&str; 2] = [
        "application/vnd.oci.image.manifest.v1+json",
        "application/vnd.docker.distribution.manifest.v2+json",
    ];
    a.kind() == "IMAGE" && CONSUMED.contains(&a.manifest_media_type())
}

impl SimState {
    /// Whether the project's scanner scans the artifact itself (`hasCapability` in
    /// `src/controller/scan/checker.go`): it is no accessory, its type is `IMAGE` (only
    /// images are scanned, whatever processor typed them) and its manifest is one the
    /// scanner consumes (an OCI image manifest or Docker's schema 2; an index is not).
    pub(crate) fn scans_itself(&self, id: i64) -> bool {
        !self.is_accessory(id) && self.artifacts.get(&id).is_some_and(scanner_consumes)
    }

    /// What a scan of the artifact `id` scans (`collectScanningArtifacts` in
    /// `src/controller/scan/base_controller.go`): walking from the artifact, accessories are
    /// passed over; one the scanner scans itself ([`SimState::scans_itself`]) is a target
    /// and its children are not walked; an index the scanner does not scan is walked into,
    /// in its order; anything else (a chart, a model) is left out. Empty when nothing is
    /// scannable.
    pub(crate) fn scanning_targets(&self, id: i64) -> Vec<i64> {
        let mut targets = Vec::new();
        self.walk_scannable(id, &mut targets);
        targets
    }

    fn walk_scannable(&self, id: i64, targets: &mut Vec<i64>) {
        let Some(a) = self.artifacts.get(&id) else {
            return;
        };
        if self.is_accessory(id) {
            return;
        }
        if scanner_consumes(a) {
            if !targets.contains(&id) {
                targets.push(id);
            }
            return;
        }
        for child in a.index.iter().flat_map(|i| &i.references) {
            self.walk_scannable(child.child_id, targets);
        }
    }

    /// One child's summary as `GenerateNativeSummary` makes it, with its findings.
    fn child_summary(&self, child: i64) -> Option<Summary> {
        let doc = self.scan_overview(child).get(REPORT_MIME)?.clone();
        let succeeded = doc["scan_status"] == "Success";
        let items = succeeded.then(|| {
            self.vulnerability_report(child)[REPORT_MIME]["vulnerabilities"]
                .as_array()
                .cloned()
                .unwrap_or_default()
        });
        Some(Summary {
            doc,
            total: 1,
            complete: i64::from(succeeded),
            items,
        })
    }

    /// An index's `scan_overview`: its children's summaries merged in the index's order;
    /// `{}` while any child has no report (`GetReport` answers none then).
    pub(crate) fn index_scan_overview(&self, index: i64) -> Value {
        let mut merged: Option<Summary> = None;
        for child in self.scanning_targets(index) {
            let Some(summary) = self.child_summary(child) else {
                return json!({});
            };
            merged = Some(match merged {
                None => summary,
                Some(acc) => merge_summaries(acc, summary),
            });
        }
        merged.map_or_else(|| json!({}), |m| json!({ REPORT_MIME: m.doc }))
    }

    /// An index's vulnerabilities addition: its children's finished reports merged in the
    /// index's order (`Reports.ResolveData`): the newer `generated_at` and its scanner, the
    /// higher severity, the findings' union (a finding of several children lists each
    /// child's digest); `{}` while any child has no report or none has finished.
    pub(crate) fn index_vulnerability_report(&self, index: i64) -> Value {
        let targets = self.scanning_targets(index);
        if targets.is_empty() || targets.iter().any(|c| self.artifact_scan(*c).is_none()) {
            return json!({});
        }
        let mut merged: Option<Value> = None;
        for child in targets {
            let Some(report) = self.vulnerability_report(child).get(REPORT_MIME).cloned() else {
                continue;
            };
            merged = Some(match merged {
                None => report,
                Some(acc) => {
                    let newer = report["generated_at"].as_str() > acc["generated_at"].as_str();
                    let from = if newer { &report } else { &acc };
                    let severity = merge_severity(
                        acc["severity"].as_str().unwrap_or_default(),
                        report["severity"].as_str().unwrap_or_default(),
                    );
                    let items = merge_items(
                        acc["vulnerabilities"].as_array().cloned(),
                        report["vulnerabilities"].as_array().cloned(),
                    );
                    json!({
                        "generated_at": from["generated_at"],
                        "scanner": from["scanner"],
                        "severity": severity,
                        "vulnerabilities": items.unwrap_or_default(),
                    })
                }
            });
        }
        merged.map_or_else(|| json!({}), |r| json!({ REPORT_MIME: r }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_merge_as_go_merges_them() {
        assert_eq!(merge_status("Success", "Running"), "Running");
        assert_eq!(merge_status("Error", "Stopped"), "Stopped");
        assert_eq!(merge_status("Error", "Success"), "Success");
        assert_eq!(merge_status("Pending", "Error"), "Error");
        assert_eq!(merge_status("Scheduled", "Pending"), "Scheduled");
    }

    #[test]
    fn other_statuses_merge_by_go_s_order_the_second_on_a_tie() {
        assert_eq!(merge_status("Pending", "Bogus"), "Pending");
        assert_eq!(merge_status("Bogus", "Other"), "Other");
        assert_eq!(merge_status("Pending", "Scheduled"), "Scheduled");
    }

    #[test]
    fn severities_merge_by_rank() {
        let ranks = [
            "",
            "None",
            "Unknown",
            "Negligible",
            "Low",
            "Medium",
            "High",
            "Critical",
        ];
        for pair in ranks.windows(2) {
            assert_eq!(merge_severity(pair[1], pair[0]), pair[1], "{pair:?}");
            assert_eq!(merge_severity(pair[0], pair[1]), pair[1], "{pair:?}");
        }
        // An unknown severity ranks below `None`; a tie goes to the second.
        assert_eq!(merge_severity("None", "Bogus"), "None");
        assert_eq!(merge_severity("Bogus", "Other"), "Other");
    }

    #[test]
    fn times_are_go_unix_seconds() {
        assert_eq!(unix("1970-01-01T00:01:40Z"), 100);
        assert_eq!(unix("1970-01-01T00:01:40.999Z"), 100);
        assert_eq!(unix("0001-01-01T00:00:00Z"), -62_135_596_800);
        assert_eq!(unix("not a time"), -62_135_596_800);
    }

    #[test]
    fn severity_summary_counts_each_severity_and_the_fixable() {
        let item = |severity: &str, fix: &str| json!({"severity": severity, "fix_version": fix});
        let (severity, summary) = severity_summary(&[
            item("Low", "1.1"),
            item("Critical", ""),
            item("Low", ""),
            item("High", ""),
        ]);
        assert_eq!(severity, "Critical");
        assert_eq!(
            summary,
            json!({"total": 4, "fixable": 1, "summary": {"Low": 2, "Critical": 1, "High": 1}})
        );
        assert_eq!(severity_summary(&[]).0, "None");
    }

    /// A child's summary for [`merge_summaries`].
    fn summary(start: &str, end: &str, scanner: &str, status: &str, cves: &[&str]) -> Summary {
        let items: Vec<Value> = cves
            .iter()
            .map(|id| json!({"id": id, "package": "p", "version": "1", "severity": "High", "fix_version": "", "artifact_digests": [scanner]}))
            .collect();
        Summary {
            doc: json!({"report_id": format!("r-{scanner}"), "scan_status": status,
                "start_time": start, "end_time": end, "scanner": {"name": scanner}}),
            total: 1,
            complete: i64::from(status == "Success"),
            items: (status == "Success").then_some(items),
        }
    }

    #[test]
    fn summaries_merge_times_scanner_progress_and_findings() {
        let early = summary(
            "1970-01-01T00:00:10Z",
            "1970-01-01T00:00:50Z",
            "a",
            "Success",
            &["CVE-1"],
        );
        let late = summary(
            "1970-01-01T00:00:20Z",
            "1970-01-01T00:01:40Z",
            "b",
            "Error",
            &[],
        );
        let merged = merge_summaries(early, late).doc;
        assert_eq!(merged["start_time"], "1970-01-01T00:00:10Z");
        assert_eq!(merged["end_time"], "1970-01-01T00:01:40Z");
        assert_eq!(merged["duration"], 90);
        assert_eq!(merged["scanner"]["name"], "b", "the later started");
        assert_eq!(merged["complete_percent"], 50);
        assert_eq!(merged["scan_status"], "Success");
        assert_eq!(merged["summary"]["total"], 1);
        // The other way round: the first started later, its scanner; the earlier end kept out.
        let late = summary(
            "1970-01-01T00:00:30Z",
            "1970-01-01T00:00:40Z",
            "c",
            "Success",
            &["CVE-2"],
        );
        let early = summary(
            "1970-01-01T00:00:05Z",
            "1970-01-01T00:00:35Z",
            "d",
            "Success",
            &["CVE-2", "CVE-3"],
        );
        let merged = merge_summaries(late, early).doc;
        assert_eq!(
            (merged["start_time"].as_str(), merged["end_time"].as_str()),
            (Some("1970-01-01T00:00:05Z"), Some("1970-01-01T00:00:40Z"))
        );
        assert_eq!(merged["scanner"]["name"], "c");
        assert_eq!(merged["summary"]["total"], 2, "CVE-2 once");
        // Started together: the second's scanner.
        let one = summary(
            "1970-01-01T00:00:05Z",
            "1970-01-01T00:00:09Z",
            "e",
            "Success",
            &[],
        );
        let two = summary(
            "1970-01-01T00:00:05Z",
            "1970-01-01T00:00:09Z",
            "f",
            "Success",
            &[],
        );
        assert_eq!(merge_summaries(one, two).doc["scanner"]["name"], "f");
    }

    #[test]
    fn an_index_report_waits_for_every_child_and_takes_the_newer_generation() {
        let (mut s, index, _) = super::super::image_index::tests::state_with_index(Some("1.0"));
        let children = s.scanning_targets(index);
        s.mark_scanned(children[0]).unwrap();
        assert_eq!(
            s.index_vulnerability_report(index),
            json!({}),
            "a child without report"
        );
        s.mark_scanned(children[1]).unwrap();
        for (child, at) in children
            .iter()
            .zip(["2026-01-02T00:00:00.000Z", "2026-01-01T00:00:00.000Z"])
        {
            s.artifacts.get_mut(child).unwrap().scanned_at = at.to_owned();
        }
        let report = &s.index_vulnerability_report(index)[REPORT_MIME];
        assert_eq!(report["generated_at"], "2026-01-02T00:00:00.000Z");
        // The newer second: its generation.
        s.artifacts.get_mut(&children[1]).unwrap().scanned_at = "2026-01-03T00:00:00.000Z".into();
        let report = &s.index_vulnerability_report(index)[REPORT_MIME];
        assert_eq!(report["generated_at"], "2026-01-03T00:00:00.000Z");
    }

    #[test]
    fn report_ids_chain_in_base64() {
        let engine = base64::engine::general_purpose::STANDARD;
        let two = merge_report_id("a-1", "b-2");
        assert_eq!(engine.decode(&two).unwrap(), b"a-1|b-2");
        let three = merge_report_id(&two, "c-3");
        assert_eq!(engine.decode(three).unwrap(), b"a-1|b-2|c-3");
    }

    #[test]
    fn items_merge_by_id_package_and_version() {
        let item = |id: &str, digest: &str| json!({"id": id, "package": "p", "version": "1", "artifact_digests": [digest]});
        let merged = merge_items(
            Some(vec![item("CVE-1", "sha256:a"), item("CVE-2", "sha256:a")]),
            Some(vec![item("CVE-2", "sha256:b")]),
        )
        .unwrap();
        assert_eq!(merged.len(), 2);
        assert_eq!(
            merged[1]["artifact_digests"],
            json!(["sha256:a", "sha256:b"])
        );
        assert_eq!(merge_items(None, None), None);
    }
}
