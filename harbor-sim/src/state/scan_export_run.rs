//! What a scan-data export's job writes when it runs (`src/jobservice/job/impl/scandataexport/`):
//! the CSV of the findings its criteria select, from the scan data as it is then
//! (see [`super::job_work`]). The simulator keeps the file, Harbor's system artifact, in
//! [`SimState::export_files`] until it is downloaded.

use std::collections::{BTreeSet, HashSet};

use serde_json::{Value, json};

use super::{Artifact, SimState};
use crate::doublestar::{BadPattern, harbor_match};

/// The CSV columns of Harbor's export (`src/pkg/scan/export/model.go`).
const CSV_HEADER: &str = "Repository,Artifact Digest,CVE,Package,Current Version,Fixed in version,Severity,CWE Ids,Additional Data,Scanner";

/// A CSV field, quoted when it holds a comma, a quote or a line break.
fn csv_field(v: &str) -> String {
    if v.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", v.replace('"', "\"\""))
    } else {
        v.to_owned()
    }
}

/// A criteria pattern as the export job reads it (`""` when absent: no filter).
fn pattern<'a>(attrs: &'a Value, key: &str) -> &'a str {
    attrs[key].as_str().unwrap_or_default()
}

/// The repository's name without its project (`utils.ParseRepository`).
fn without_project(name: &str) -> &str {
    let name = name.trim_matches('/');
    name.split_once('/').map_or(name, |(_, rest)| rest)
}

/// An artifact the export's filters look at: its own, or an image index's child standing
/// in with the index's tags and labels (`ProcessTagFilter`).
struct Exported<'a> {
    id: i64,
    digest: &'a str,
    /// The artifact whose tags and labels it is filtered by.
    of: &'a Artifact,
}

/// The export's CSV as Harbor's job writes it (`writeCsvFile`, `filter_processor.go`), its
/// patterns matched by doublestar ([`harbor_match`]): every repository of the project is
/// matched with `repositories` (by its name without the project); the artifacts of those
/// selected, with `tags`, by their tags until one matches, an untagged artifact passing (the
/// selector's `untagged` default), an image index's children by the index's tags; then
/// `labels` (a child by the index's); then each finding's CVE id with `cveIds`.
/// A malformed pattern the matching reaches is the job's error.
pub(crate) fn export_csv(s: &SimState, attrs: &Value) -> Result<String, BadPattern> {
    let project = attrs["project_id"].as_i64().unwrap_or(0);
    let (repositories, tags, cve_ids) = (
        pattern(attrs, "repositories"),
        pattern(attrs, "tags"),
        pattern(attrs, "cveIds"),
    );
    let mut selected_repositories = Vec::new();
    for id in s.repositories.ids_in_project(project) {
        let Some(repo) = s.repositories.get(id) else {
            continue;
        };
        let short = without_project(&repo.name);
        if repositories.is_empty() || (!short.is_empty() && harbor_match(repositories, short)?) {
            selected_repositories.push(*id);
        }
    }
    let labels: Vec<i64> = attrs["labels"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(Value::as_i64)
        .collect();
    // The artifacts as `ProcessTagFilter` lists them: each selected repository's default
    // list (an index's untagged children are not in it on their own), and before each
    // index one entry per child carrying the index's tags and labels.
    let mut entries: Vec<Exported<'_>> = Vec::new();
    for repository in &selected_repositories {
        for a in s.artifacts.in_repository(*repository).rev() {
            if a.is_hidden_child() {
                continue;
            }
            for r in a.index.iter().flat_map(|i| &i.references) {
                entries.push(Exported {
                    id: r.child_id,
                    digest: &r.child_digest,
                    of: a,
                });
            }
            entries.push(Exported {
                id: a.id,
                digest: &a.digest,
                of: a,
            });
        }
    }
    // `tags` selects digests (an entry by its tags until one matches, an untagged one
    // always), then keeps every entry of a selected digest; `labels` keeps the entries
    // carrying one of them. What is exported is the artifacts of the entries left.
    let mut digests = HashSet::new();
    for e in &entries {
        let mut tagged = tags.is_empty() || e.of.tags.is_empty();
        for tag in &e.of.tags {
            if tagged {
                break;
            }
            tagged = harbor_match(tags, &tag.name)?;
        }
        if tagged {
            digests.insert(e.digest);
        }
    }
    let exported: BTreeSet<i64> = entries
        .iter()
        .filter(|e| digests.contains(e.digest))
        .filter(|e| labels.is_empty() || e.of.label_ids.iter().any(|l| labels.contains(l)))
        .map(|e| e.id)
        .collect();
    let mut out = String::from(CSV_HEADER);
    out.push('\n');
    for a in exported.iter().filter_map(|id| s.artifacts.get(id)) {
        let Some(repo) = s.repositories.get(&a.repository_id) else {
            continue;
        };
        for c in s.artifact_findings(a.id).unwrap_or_default() {
            if !harbor_match(cve_ids, c.id)? {
                continue;
            }
            let extra =
                json!({"CVSS": {"nvd": {"V3Score": c.score, "V3Vector": c.vector}}}).to_string();
            let row = [
                repo.name.as_str(),
                a.digest.as_str(),
                c.id,
                c.package,
                c.version,
                c.fix_version,
                c.severity,
                c.cwe,
                extra.as_str(),
                "Trivy",
            ]
            .map(csv_field)
            .join(",");
            out.push_str(&row);
            out.push('\n');
        }
    }
    Ok(out)
}
