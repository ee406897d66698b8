//! What a retention run decides and does, as Harbor's retention launcher and job do
//! (`src/pkg/retention/launcher.go`, `job.go`, `policy/`):
//!
//! - **Which repositories.** Each enabled rule selects the project's repositories through
//!   its `scope_selectors.repository`, applied in turn; a repository no rule selects gets no
//!   task and keeps everything.
//! - **Which artifacts a rule retains.** A repository's candidates are its artifacts as the
//!   artifact list shows them (no accessories, no untagged child of an index), each with its
//!   tags, its latest push and pull time (the artifact's or a tag's). The rule's tag
//!   selectors apply in turn (`matches` / `excludes` on any tag; an untagged artifact is
//!   selected by either, unless the selector's `extras` JSON says `{"untagged": false}` to
//!   `matches` or `{"untagged": true}` to `excludes`), then its template (`always`, `latestPushedK`, `latestPulledN`,
//!   `latestActiveK`, `nDaysSinceLastPush`, `nDaysSinceLastPull`, `lastXDays`, each with its
//!   parameter of the same name, or Harbor's default when it is missing or negative).
//! - **What becomes of the others** (algorithm `or`): what no rule retains is deleted as the
//!   artifact API deletes it, unless a tag of it is immutable (kept, marked `IMMUTABLE`) or
//!   the run is a dry run. A deletion the API refuses is logged and the artifact kept.
//!
//! The task's `total` is the number of candidates, `retained` those not deleted (on a dry
//! run, those that would not be), and its log is the job's: the run's parameters, the
//! candidates loaded, a table of every candidate and what became of it, each error.
//!
//! A pattern doublestar refuses fails what meets it, as Harbor's does: a repository selector's
//! fails the launcher (the run has no task and ends `Error`, `launcher: syntax error in
//! pattern`), a tag selector's fails that repository's job before it deletes anything (its task
//! ends `Error`, `retention job: artifact processing error: syntax error in pattern`). A
//! pattern fails only when doublestar's matching reaches its malformed part, and only for the
//! candidates the selectors before it kept.
//!
//! The job runs when its task runs ([`super::job_work`]), on the repository as it is then,
//! and a job that fails ends its task `Error` whatever the task's lifecycle had in store.
//!
//! Not simulated: a selector kind other than `doublestar` selects nothing here.

use std::cmp::Reverse;
use std::collections::BTreeSet;

use serde_json::Value;

use super::SimState;
use crate::doublestar::{BadPattern, harbor_match};

/// An artifact as `GetCandidates` lists it (`src/pkg/retention/dep/client.go`).
struct Candidate {
    id: i64,
    digest: String,
    tags: Vec<String>,
    labels: Vec<String>,
    /// Unix seconds: the latest of the artifact's and its tags' push times.
    pushed: i64,
    /// Unix seconds: the latest of the artifact's and its tags' pull times.
    pulled: i64,
    /// Unix seconds: the artifact's push time.
    created: i64,
}

/// What a run did in one repository: its task's figures and log.
pub(super) struct RepositoryOutcome {
    /// The candidates.
    pub total: usize,
    /// The candidates not deleted.
    pub retained: usize,
    /// The job's log.
    pub log: String,
    /// Why the job failed before it deleted anything (a tag selector's pattern), if it did:
    /// the task ends `Error` and checks in no figures.
    pub failure: Option<String>,
    /// What it deleted (none in a dry run), each as the `TAG_RETENTION` event names it:
    /// the repository without its project, then `:` and its first tag, or `@` and its
    /// digest.
    pub deleted: Vec<String>,
}

/// What became of a candidate, as the job's table marks it.
#[derive(Clone, Copy, PartialEq)]
enum Mark {
    Retain,
    Delete,
    Immutable,
    Error,
}

impl Mark {
    fn as_str(self) -> &'static str {
        match self {
            Mark::Retain => "RETAIN",
            Mark::Delete => "DEL",
            Mark::Immutable => "IMMUTABLE",
            Mark::Error => "ERR",
        }
    }
}

impl SimState {
    /// `Launch` for a project-level policy: the repositories of `project_id` each enabled
    /// rule selects, with the rules that select each, in the project's repository order; the
    /// launcher's error when a repository selector's pattern is malformed.
    pub(super) fn retention_repositories(
        &self,
        policy: &Value,
        project_id: i64,
    ) -> Result<Vec<(i64, Vec<Value>)>, String> {
        let project = self
            .projects
            .get(&project_id)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        let repositories: Vec<(i64, String)> = self
            .repositories
            .values()
            .filter(|r| r.project_id == project_id)
            .map(|r| {
                let short = r.name.split_once('/').map_or("", |(_, s)| s).to_owned();
                (r.id, short)
            })
            .collect();
        let mut plan: Vec<(i64, Vec<Value>)> = Vec::new();
        let rules = policy["rules"].as_array().cloned().unwrap_or_default();
        for rule in rules.iter().filter(|r| r["disabled"] != Value::Bool(true)) {
            let selectors = rule["scope_selectors"]["repository"]
                .as_array()
                .cloned()
                .unwrap_or_default();
            for (id, short) in &repositories {
                let mut selected = true;
                for selector in &selectors {
                    selected = select_repository(selector, &project, short)
                        .map_err(|e| format!("launcher: {e}"))?;
                    if !selected {
                        break;
                    }
                }
                if selected {
                    match plan.iter_mut().find(|(r, _)| r == id) {
                        Some((_, rules)) => rules.push(rule.clone()),
                        None => plan.push((*id, vec![rule.clone()])),
                    }
                }
            }
        }
        Ok(plan)
    }

    /// `Job.Run` on one repository with the rules that selected it.
    pub(super) fn run_retention(
        &mut self,
        repository_id: i64,
        rules: &[Value],
        dry_run: bool,
    ) -> RepositoryOutcome {
        let path = self.repository_name(repository_id).to_owned();
        let candidates = self.retention_candidates(repository_id);
        let now = unix_seconds(&super::now());
        let mut log = vec![
            format!(
                "Run retention process.\n Repository: {path} \n Rule Algorithm: or \n Dry Run: {dry_run}"
            ),
            format!(
                "Load {} candidates from repository {path}",
                candidates.len()
            ),
        ];
        let retained = match retained_by(rules, &candidates, now) {
            Ok(retained) => retained,
            // The processor fails before it performs anything: nothing is deleted.
            Err(e) => {
                return RepositoryOutcome {
                    total: candidates.len(),
                    retained: candidates.len(),
                    log: log.join("\n"),
                    failure: Some(format!("retention job: artifact processing error: {e}")),
                    deleted: Vec::new(),
                };
            }
        };
        let project_id = self
            .repositories
            .get(&repository_id)
            .map_or(0, |r| r.project_id);
        let mut marks = Vec::with_capacity(candidates.len());
        let mut errors = Vec::new();
        for c in &candidates {
            let mark = if retained.contains(&c.id) {
                Mark::Retain
            } else if c
                .tags
                .iter()
                .any(|t| self.tag_is_immutable(project_id, &path, t))
            {
                Mark::Immutable
            } else if dry_run {
                Mark::Delete
            } else {
                // The retention job deletes through the core's API with the job service's
                // secret.
                match self.delete_artifact_deeply_as(c.id, super::JOB_SERVICE_USER) {
                    Ok(()) => Mark::Delete,
                    Err(e) => {
                        errors.push(format!(
                            "Retention error for artifact image:{path}:{} : {}",
                            c.digest, e.message
                        ));
                        Mark::Error
                    }
                }
            };
            marks.push(mark);
        }
        let deleted = marks.iter().filter(|m| **m == Mark::Delete).count();
        log.push(format!("\n{}", table(&candidates, &marks)));
        log.extend(errors);
        // `ParseRepository`: the repository's name within its project.
        let name = path.split_once('/').map_or(path.as_str(), |(_, name)| name);
        let gone = candidates
            .iter()
            .zip(&marks)
            .filter(|(_, m)| **m == Mark::Delete && !dry_run)
            .map(|(c, _)| match c.tags.first() {
                Some(tag) => format!("{name}:{tag}"),
                None => format!("{name}@{}", c.digest),
            })
            .collect();
        RepositoryOutcome {
            total: candidates.len(),
            retained: candidates.len() - deleted,
            log: log.join("\n"),
            failure: None,
            deleted: gone,
        }
    }

    /// The repository's artifacts as the artifact list shows them, newest first.
    fn retention_candidates(&self, repository_id: i64) -> Vec<Candidate> {
        let seconds = unix_seconds;
        self.artifacts
            .in_repository(repository_id)
            .rev()
            .filter(|a| !a.is_hidden_child() && !self.is_accessory(a.id))
            .map(|a| {
                let created = seconds(&a.push_time);
                let pushed = a
                    .tags
                    .iter()
                    .map(|t| seconds(&t.push_time))
                    .fold(created, i64::max);
                let pulled = a
                    .tags
                    .iter()
                    .map(|t| seconds(&t.pull_time))
                    .fold(seconds(&a.pull_time), i64::max);
                let labels = a
                    .label_ids
                    .iter()
                    .filter_map(|id| self.labels.get(id))
                    .map(|l| l.name.clone())
                    .collect();
                Candidate {
                    id: a.id,
                    digest: a.digest.clone(),
                    tags: a.tags.iter().map(|t| t.name.clone()).collect(),
                    labels,
                    pushed,
                    pulled,
                    created,
                }
            })
            .collect()
    }
}

/// An RFC 3339 time as the simulator keeps them, in Unix seconds (the zero time far below
/// 0, which the table leaves empty).
fn unix_seconds(t: &str) -> i64 {
    crate::pg_timestamp::from_rfc3339(t).map_or(i64::MIN, |micros| {
        // Microseconds since 2000-01-01, then the seconds from 1970 to 2000.
        micros.div_euclid(1_000_000) + 946_684_800
    })
}

/// Unix seconds as Go formats them with `2006/01/02 15:04:05`, in UTC.
fn table_time(t: i64) -> String {
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(t.unsigned_abs());
    let text = super::lifecycle::rfc3339(at);
    format!("{} {}", text[..10].replace('-', "/"), &text[11..19])
}

/// The candidates the rules retain (each rule's tag selectors in turn, then its template);
/// doublestar's error when a selector's pattern is malformed where matching reaches.
fn retained_by(
    rules: &[Value],
    candidates: &[Candidate],
    now: i64,
) -> Result<BTreeSet<i64>, BadPattern> {
    let mut retained = BTreeSet::new();
    for rule in rules {
        let selectors = rule["tag_selectors"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        let mut selected: Vec<&Candidate> = candidates.iter().collect();
        for selector in &selectors {
            let mut kept = Vec::with_capacity(selected.len());
            for c in selected {
                if select_tags(selector, c)? {
                    kept.push(c);
                }
            }
            selected = kept;
        }
        for c in evaluate(rule, selected, now) {
            retained.insert(c.id);
        }
    }
    Ok(retained)
}

/// A repository scope selector (`doublestar`'s `repoMatches`, `repoExcludes`, `nsMatches`,
/// `nsExcludes`) on a repository of `project` named `short` without its project.
fn select_repository(selector: &Value, project: &str, short: &str) -> Result<bool, BadPattern> {
    let pattern = selector["pattern"].as_str().unwrap_or_default();
    let (value, excludes) = match selector["decoration"].as_str().unwrap_or_default() {
        "repoMatches" => (short, false),
        "repoExcludes" => (short, true),
        "nsMatches" => (project, false),
        "nsExcludes" => (project, true),
        _ => return Ok(false),
    };
    if selector["kind"] != "doublestar" {
        return Ok(false);
    }
    Ok(harbor_match(pattern, value)? != excludes)
}

/// A tag selector (`matches` or `excludes`) on a candidate: `tagSelectMatch`,
/// `tagSelectExclude`, which return at the first tag that decides, or at the first error.
fn select_tags(selector: &Value, c: &Candidate) -> Result<bool, BadPattern> {
    let pattern = selector["pattern"].as_str().unwrap_or_default();
    let decoration = selector["decoration"].as_str().unwrap_or_default();
    if selector["kind"] != "doublestar" {
        return Ok(false);
    }
    let excludes = match decoration {
        "matches" => false,
        "excludes" => true,
        _ => return Ok(false),
    };
    if c.tags.is_empty() {
        let untagged = untagged(selector).unwrap_or(!excludes);
        return Ok(untagged != excludes);
    }
    for tag in &c.tags {
        if harbor_match(pattern, tag)? != excludes {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The selector's `extras` `{"untagged": b}`, when they are that JSON (else the default).
fn untagged(selector: &Value) -> Option<bool> {
    let extras = selector["extras"].as_str()?;
    let parsed: Value = serde_json::from_str(extras).ok()?;
    Some(parsed["untagged"].as_bool().unwrap_or(false))
}

/// The rule's template on the selected candidates: those it retains.
fn evaluate<'a>(rule: &Value, mut selected: Vec<&'a Candidate>, now: i64) -> Vec<&'a Candidate> {
    let template = rule["template"].as_str().unwrap_or_default();
    // `utils.ParseJSONInt`, then the evaluator's default when absent or negative.
    let parameter = |default: i64| {
        rule["params"][template]
            .as_f64()
            .map(|v| v as i64)
            .filter(|v| *v >= 0)
            .unwrap_or(default)
    };
    let newest = |selected: &mut Vec<&'a Candidate>, key: fn(&Candidate) -> i64, n: i64| {
        selected.sort_by_key(|c| Reverse(key(c)));
        selected.truncate(usize::try_from(n).unwrap_or(0));
    };
    let days = |n: i64| now - n * 24 * 3600;
    match template {
        "always" => {}
        "latestPushedK" => newest(&mut selected, |c| c.pushed, parameter(10)),
        "latestPulledN" => newest(&mut selected, |c| c.pulled, parameter(10)),
        "latestActiveK" => newest(&mut selected, |c| c.pushed.max(c.pulled), parameter(10)),
        "nDaysSinceLastPush" => {
            let since = days(parameter(30));
            selected.retain(|c| c.pushed >= since);
        }
        "nDaysSinceLastPull" => {
            let since = days(parameter(30));
            selected.retain(|c| c.pulled >= since);
        }
        "lastXDays" => {
            let since = days(parameter(10));
            selected.retain(|c| c.pushed > since);
        }
        // `nothing`, and a template Harbor does not register, retain nothing.
        _ => selected.clear(),
    }
    selected
}

/// The job's table of candidates (`logResults`, tablewriter with side borders, `|`
/// between columns, headers as written).
fn table(candidates: &[Candidate], marks: &[Mark]) -> String {
    let time = |t: i64| if t <= 0 { String::new() } else { table_time(t) };
    let header = [
        "Digest",
        "Tag",
        "Kind",
        "Labels",
        "PushedTime",
        "PulledTime",
        "CreatedTime",
        "Retention",
    ];
    let rows: Vec<[String; 8]> = candidates
        .iter()
        .zip(marks)
        .map(|(c, m)| {
            [
                c.digest.clone(),
                c.tags.join(","),
                "image".to_owned(),
                c.labels.join(","),
                time(c.pushed),
                time(c.pulled),
                time(c.created),
                m.as_str().to_owned(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..header.len())
        .map(|i| {
            rows.iter()
                .map(|r| r[i].len())
                .chain([header[i].len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: Vec<String>| format!("|{}|", cells.join("|"));
    let mut out = vec![line(
        header
            .iter()
            .zip(&widths)
            .map(|(h, w)| {
                let gap = w - h.len();
                format!(" {}{h}{} ", " ".repeat(gap / 2), " ".repeat(gap - gap / 2))
            })
            .collect(),
    )];
    out.push(line(widths.iter().map(|w| "-".repeat(w + 2)).collect()));
    for row in &rows {
        out.push(line(
            row.iter()
                .zip(&widths)
                .map(|(cell, w)| format!(" {cell:<w$} "))
                .collect(),
        ));
    }
    out.join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    use crate::state::{JobKind, Lifecycle};

    fn selector(decoration: &str, pattern: &str) -> Value {
        json!({"kind": "doublestar", "decoration": decoration, "pattern": pattern})
    }

    fn rule(template: &str, params: Value, repositories: &str, tags: Value) -> Value {
        json!({"disabled": false, "action": "retain", "template": template, "params": params,
               "scope_selectors": {"repository": [selector("repoMatches", repositories)]},
               "tag_selectors": tags})
    }

    /// A project `p` with `images` (repository, tags of one artifact each) pushed in order,
    /// and a policy of `rules`: the state and the policy's id. Retention jobs run as soon as
    /// they are triggered, so a trigger has done its work when it returns.
    fn state(images: &[(&str, &[&str])], rules: Vec<Value>) -> (SimState, i64) {
        let mut s = SimState::with_admin("admin", "pw");
        s.job_lifecycles
            .set(JobKind::Retention, Lifecycle::immediate());
        let project = s
            .create_project(super::super::seed::project("p", false), 1)
            .unwrap();
        for (n, (repository, tags)) in images.iter().enumerate() {
            let digest = s
                .push("p", repository, tags.first().copied(), &format!("c{n}"))
                .unwrap();
            let repository_id = s
                .repositories
                .id_by_name(&format!("p/{repository}"))
                .unwrap();
            let id = s.artifact_id(repository_id, &digest).unwrap();
            for tag in tags.iter().skip(1) {
                s.add_tag(id, tag).unwrap();
            }
        }
        let policy = json!({"algorithm": "or", "rules": rules,
            "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
            "scope": {"level": "project", "ref": project}});
        let id = s.create_retention(policy).unwrap();
        (s, id)
    }

    /// The tags left in each repository of `p` (an untagged artifact as `-`).
    fn left(s: &SimState) -> Vec<(String, Vec<String>)> {
        let mut out: Vec<(String, Vec<String>)> = s
            .repositories
            .values()
            .map(|r| {
                let mut tags: Vec<String> = s
                    .artifacts
                    .in_repository(r.id)
                    .map(|a| match a.tags.is_empty() {
                        true => "-".to_owned(),
                        false => a
                            .tags
                            .iter()
                            .map(|t| t.name.clone())
                            .collect::<Vec<_>>()
                            .join(","),
                    })
                    .collect();
                tags.sort();
                (r.name.clone(), tags)
            })
            .collect();
        out.sort();
        out
    }

    #[test]
    fn harbors_own_retention_test_keeps_what_it_expects() {
        // test_retention.py: retain `latest*` everywhere and everything in `test3*`; the
        // second rule's extras are not JSON, so its default (untagged selected) holds.
        let tags = |pattern: &str| json!([selector("matches", pattern)]);
        let mut second = rule("always", json!({}), "test3*", tags("**"));
        second["tag_selectors"][0]["extras"] = json!("[\"untagged\":True]");
        let (mut s, id) = state(
            &[
                ("test1", &["1.0"]),
                ("test1", &["2.0"]),
                ("test1", &["3.0", "latest"]),
                ("test2", &["1.0"]),
                ("test2", &["latest"]),
                ("test3", &["1.0"]),
                ("test4", &["1.0"]),
            ],
            vec![rule("always", json!({}), "**", tags("latest*")), second],
        );
        let untag = s
            .artifacts
            .values()
            .find(|a| a.tags.iter().any(|t| t.name == "3.0"))
            .unwrap()
            .id;
        s.artifacts.get_mut(&untag).unwrap().tags.clear();
        let before = left(&s);
        let dry = s.trigger_retention(id, true, "admin").unwrap();
        assert_eq!(left(&s), before, "a dry run deletes nothing");
        assert_eq!(s.executions[&dry].tasks.len(), 4);
        s.trigger_retention(id, false, "admin").unwrap();
        let strings = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(
            left(&s),
            [
                ("p/test1".to_owned(), strings(&["-"])),
                ("p/test2".to_owned(), strings(&["latest"])),
                ("p/test3".to_owned(), strings(&["1.0"])),
                ("p/test4".to_owned(), vec![]),
            ]
        );
        let run = s.executions.values().next_back().unwrap();
        let test1 = run
            .tasks
            .iter()
            .find(|t| t.extra_attrs["repository"] == "p/test1")
            .unwrap();
        assert_eq!(
            (
                test1.extra_attrs["total"].clone(),
                test1.extra_attrs["retained"].clone()
            ),
            (json!(3), json!(1))
        );
    }

    #[test]
    fn templates_keep_the_newest_and_immutable_tags_stay() {
        let all = json!([selector("matches", "**")]);
        let (mut s, id) = state(
            &[
                ("app", &["1"]),
                ("app", &["2"]),
                ("app", &["3"]),
                ("other", &["x"]),
            ],
            vec![rule(
                "latestPushedK",
                json!({"latestPushedK": 1}),
                "app",
                all,
            )],
        );
        // `other` is no rule's: no task, nothing deleted.
        let project = s.projects.id_by_name("p").unwrap();
        s.create_immutable_rule(
            project,
            json!({"disabled": false, "scope_selectors": {"repository": [selector("repoMatches", "**")]},
                   "tag_selectors": [selector("matches", "1")]}),
        )
        .unwrap();
        let run = s.trigger_retention(id, false, "admin").unwrap();
        let strings = |v: &[&str]| v.iter().map(|t| t.to_string()).collect::<Vec<_>>();
        assert_eq!(
            left(&s),
            [
                ("p/app".to_owned(), strings(&["1", "3"])),
                ("p/other".to_owned(), strings(&["x"])),
            ]
        );
        let task = &s.executions[&run].tasks;
        assert_eq!(task.len(), 1);
        let log = &task[0].first_log_line;
        for mark in ["| RETAIN", "| IMMUTABLE", "| DEL"] {
            assert!(log.contains(mark), "{mark} in {log}");
        }
        assert!(
            log.starts_with("Run retention process.\n Repository: p/app \n"),
            "{log}"
        );
    }

    #[test]
    fn excludes_and_untagged_extras() {
        let c = |tags: &[&str]| Candidate {
            id: 1,
            digest: "d".into(),
            tags: tags.iter().map(|t| t.to_string()).collect(),
            labels: vec![],
            pushed: 0,
            pulled: 0,
            created: 0,
        };
        let excludes = selector("excludes", "v*");
        assert_eq!(
            select_tags(&excludes, &c(&["v1", "dev"])),
            Ok(true),
            "a tag it does not match"
        );
        assert_eq!(select_tags(&excludes, &c(&["v1"])), Ok(false));
        // An untagged artifact: `excludes` keeps it unless its extras say `untagged: true`
        // (the selector then excludes untagged ones too), `matches` unless they say false.
        assert_eq!(select_tags(&excludes, &c(&[])), Ok(true));
        let mut excluding_untagged = excludes.clone();
        excluding_untagged["extras"] = json!(r#"{"untagged":true}"#);
        assert_eq!(select_tags(&excluding_untagged, &c(&[])), Ok(false));
        let mut matches = selector("matches", "v*");
        assert_eq!(select_tags(&matches, &c(&[])), Ok(true));
        matches["extras"] = json!(r#"{"untagged":false}"#);
        assert_eq!(select_tags(&matches, &c(&[])), Ok(false));
    }

    /// Malformed patterns fail what meets them, as in Harbor: a repository selector's the
    /// launcher (no task, the run `Error`), a tag selector's the repository's job (its task
    /// `Error`, nothing deleted there, no figures); a run that selects no repository succeeds
    /// at once with `no resources for retention`.
    #[test]
    fn a_malformed_pattern_fails_the_run_or_the_repository() {
        use crate::state::jobs::{JobKind, JobStatus};
        let later = || tokio::time::Instant::now() + std::time::Duration::from_secs(3600);
        let images: &[(&str, &[&str])] = &[("a", &["1.0"]), ("a", &["2.0"]), ("b", &["1.0"])];

        let (mut s, id) = state(images, vec![rule("always", json!({}), "[", json!([]))]);
        let before = left(&s);
        let run = s.trigger_retention(id, false, "admin").unwrap();
        let e = s.read_execution(JobKind::Retention, run).unwrap();
        assert_eq!(e.status, JobStatus::Error);
        assert_eq!(e.status_message, "launcher: syntax error in pattern");
        assert!(e.tasks.is_empty());
        assert_eq!(left(&s), before);

        // `l[` fails only where matching reaches `[`: on the `latest` tag, not on `1.0`.
        let tags = json!([selector("matches", "l[")]);
        let (mut s, id) = state(
            &[("a", &["1.0"]), ("a", &["latest"]), ("b", &["1.0"])],
            vec![rule(
                "latestPushedK",
                json!({"latestPushedK": 0}),
                "**",
                tags,
            )],
        );
        let run = s.trigger_retention(id, false, "admin").unwrap();
        let e = s.read_execution(JobKind::Retention, run).unwrap();
        let by_repository = |repository: &str| {
            e.tasks
                .iter()
                .find(|t| t.extra_attrs["repository"] == repository)
                .unwrap()
        };
        let failed = by_repository("p/a");
        let phase = failed.plan.phase_at(later());
        assert_eq!(phase.status, JobStatus::Error);
        assert_eq!(
            phase.message.as_deref(),
            Some("retention job: artifact processing error: syntax error in pattern"),
            "the job's own failure, decided when it ran"
        );
        assert!(
            failed.extra_attrs.get("total").is_none(),
            "{:?}",
            failed.extra_attrs
        );
        assert!(failed.first_log_line.starts_with("Run retention process."));
        let done = by_repository("p/b");
        assert_eq!(done.plan.phase_at(later()).status, JobStatus::Success);
        assert_eq!(done.extra_attrs["total"], 1);
        let left_now = left(&s);
        assert_eq!(
            left_now[0],
            (
                "p/a".to_owned(),
                vec!["1.0".to_owned(), "latest".to_owned()]
            )
        );
        assert_eq!(
            left_now[1],
            ("p/b".to_owned(), vec![]),
            "b's job ran: 1.0 not retained"
        );
        let listed = super::super::retention::task_models(&e);
        let row = listed.iter().find(|t| t["repository"] == "p/a").unwrap();
        assert_eq!((&row["total"], &row["retained"]), (&json!(0), &json!(0)));

        let (mut s, id) = state(images, vec![rule("always", json!({}), "none*", json!([]))]);
        let run = s.trigger_retention(id, false, "admin").unwrap();
        let e = s.read_execution(JobKind::Retention, run).unwrap();
        assert_eq!(
            (e.status, e.status_message.as_str()),
            (JobStatus::Success, "no resources for retention")
        );
    }
}
