//! Vulnerability reports: a realistic Harbor report decoded and summed up, and the stream of
//! artifacts with their reports against the simulator.

use futures::TryStreamExt;
use harbor_client::HarborClient;
use harbor_client::vulnerability::{
    ReportScope, Severity, VULNERABILITY_REPORT_MIME, VulnerabilityReport, VulnerabilitySummary,
};
use harbor_sim::{Fault, FaultRule, Simulator};
use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

fn fixture() -> VulnerabilityReport {
    let text = include_str!("fixtures/vulnerability_report.json");
    let reports: BTreeMap<String, VulnerabilityReport> = serde_json::from_str(text).unwrap();
    assert!(reports.contains_key(VULNERABILITY_REPORT_MIME));
    VulnerabilityReport::from_additions(reports).expect("the native report is there")
}

#[test]
fn a_harbor_report_decodes_with_gos_nulls_and_unknown_values() {
    let report = fixture();
    assert_eq!(report.severity, Severity::Critical);
    assert_eq!(report.scanner.as_ref().unwrap().name, "Trivy");
    assert_eq!(report.generated_at, "2026-01-14T09:12:44.381253771Z");
    assert_eq!(report.vulnerabilities.len(), 7);

    let first = &report.vulnerabilities[0];
    assert_eq!(first.id, "CVE-2024-45337");
    assert!(first.is_fixable());
    assert_eq!(first.cvss.as_ref().unwrap().score_v3, Some(9.1));
    assert_eq!(first.cwe_ids, ["CWE-285"]);
    assert!(
        first
            .vendor_attributes
            .as_ref()
            .unwrap()
            .contains_key("CVSS")
    );

    // `null` lists are empty, `null` fix versions unfixable, unknown severities Unknown,
    // and severities are read case-insensitively.
    let zlib = &report.vulnerabilities[1];
    assert!(zlib.artifact_digests.is_empty() && !zlib.is_fixable());
    assert!(report.vulnerabilities[2].links.is_empty());
    assert_eq!(report.vulnerabilities[2].status, "fixed");
    assert_eq!(report.vulnerabilities[5].severity, Severity::Low);
    assert_eq!(report.vulnerabilities[6].severity, Severity::Unknown);
    assert!(!report.vulnerabilities[6].is_fixable());

    assert_eq!(report.fixable().count(), 3);
    assert_eq!(report.with_severity(Severity::Critical).count(), 2);
    // Harbor's ranking: Critical > High > ... > Negligible > Unknown, None.
    assert!(Severity::Critical > Severity::Medium && Severity::Negligible > Severity::Unknown);
}

#[test]
fn summaries_count_by_severity_fixability_cve_and_package() {
    let report = fixture();
    let mut summary = VulnerabilitySummary::default();
    summary.add(&report);
    summary.add(&report);
    assert_eq!(summary.reports, 2);
    assert_eq!(summary.total, 14);
    assert_eq!((summary.fixable, summary.unfixable), (6, 8));
    assert_eq!(summary.by_severity(Severity::Critical), 4);
    assert_eq!(summary.by_severity(Severity::Medium), 4);
    assert_eq!(summary.by_severity(Severity::High), 0);
    // The same CVE in two packages, twice: 4 occurrences, one id.
    assert_eq!(summary.cves["CVE-2024-2511"], 4);
    assert_eq!(summary.distinct_ids(), 6);
    assert_eq!(summary.most_common_cves(1), [("CVE-2024-2511", 4)]);
    let openssl = &summary.packages["openssl"];
    assert_eq!(openssl.occurrences, 2);
    assert_eq!(openssl.max_severity, Severity::Medium);
    assert_eq!(summary.most_affected_packages(8).len(), 7);
}

/// Every artifact the lists show is visited exactly once, with its report, and never more
/// than `concurrency` reports are fetched at once: each report takes one second (a fault of
/// the simulator, on tokio's paused clock), so `n` reports at `c` at a time take
/// `ceil(n / c)` seconds: more would mean more at once, a full `n` seconds none at once.
#[tokio::test(start_paused = true)]
async fn every_artifact_once_with_bounded_concurrency() {
    let sim = Simulator::start().await.unwrap();
    for (repo, tag) in [
        ("api", "v1"),
        ("api", "v2"),
        ("web", "v1"),
        ("team/tools", "v1"),
    ] {
        sim.handle().push_image("library", repo, tag).unwrap();
    }
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .build()
        .unwrap();

    // What the artifact lists show, project by project.
    let mut listed = BTreeSet::new();
    for project in client
        .get_projects_all(&Default::default(), None)
        .await
        .unwrap()
    {
        let project = project.name.unwrap();
        for repo in client
            .get_repositories_all(&project, &Default::default(), None)
            .await
            .unwrap()
        {
            let name = repo.name.unwrap();
            let short = name
                .strip_prefix(&format!("{project}/"))
                .unwrap()
                .to_owned();
            for a in client
                .get_artifacts_all(&project, &short, &Default::default(), None)
                .await
                .unwrap()
            {
                listed.insert((project.clone(), short.clone(), a.digest.unwrap()));
            }
        }
    }
    let n = listed.len();
    assert!(n >= 4, "{listed:?}");

    sim.handle()
        .inject(
            FaultRule::new(Fault::delay(Duration::from_secs(1)))
                .operation("getVulnerabilitiesAddition")
                .always(),
        )
        .unwrap();
    let concurrency = 3;
    let started = tokio::time::Instant::now();
    let reports: Vec<_> = client
        .artifacts_with_reports(ReportScope::all_projects().concurrency(concurrency))
        .try_collect()
        .await
        .unwrap();
    let elapsed = started.elapsed();

    let visited: Vec<_> = reports
        .iter()
        .map(|r| {
            (
                r.project.clone(),
                r.repository.clone(),
                r.artifact.digest.clone().unwrap(),
            )
        })
        .collect();
    assert_eq!(visited.len(), n, "each artifact once");
    assert_eq!(visited.into_iter().collect::<BTreeSet<_>>(), listed);
    // Unscanned artifacts have no report; a report's findings name the artifact they are in.
    for r in &reports {
        for v in r.report.iter().flat_map(|report| &report.vulnerabilities) {
            let digest = r.artifact.digest.as_deref().unwrap();
            assert!(
                v.artifact_digests.is_empty() || v.artifact_digests.iter().any(|d| d == digest),
                "{v:?} in {digest}"
            );
        }
    }
    let summary = VulnerabilitySummary::of(&reports);
    assert_eq!(summary.reports + summary.without_report, n);
    let findings: usize = reports
        .iter()
        .filter_map(|r| r.report.as_ref())
        .map(|report| report.vulnerabilities.len())
        .sum();
    assert_eq!(summary.total, findings);
    assert_eq!(summary.fixable + summary.unfixable, findings);
    assert_eq!(
        sim.handle()
            .counts("getVulnerabilitiesAddition")
            .unwrap()
            .received,
        n as u64
    );

    let rounds = n.div_ceil(concurrency) as u64;
    assert!(
        elapsed >= Duration::from_secs(rounds),
        "{elapsed:?} for {n} at {concurrency}"
    );
    assert!(
        elapsed < Duration::from_secs(rounds + 1),
        "{elapsed:?} for {n} at {concurrency}"
    );

    // A scope narrowed to one project and one repository.
    let only: Vec<_> = client
        .artifacts_with_reports(ReportScope::projects(["library"]).repositories(["api"]))
        .try_collect()
        .await
        .unwrap();
    assert_eq!(only.len(), 2);
    assert!(
        only.iter()
            .all(|r| r.project == "library" && r.repository == "api")
    );
    let summary = VulnerabilitySummary::of(&only);
    assert_eq!(summary.reports + summary.without_report, 2);
}
