//! The indexes that let a repository or artifact list page cost the page (repositories by
//! full name and by project, artifacts by repository, by digest within a repository and the
//! bytes each project stores) against a brute-force scan: across random sequences of
//! pushes, tags, deletions, garbage collections and direct changes through the tables'
//! handles, every indexed answer equals what a pass over the tables gives; and over HTTP,
//! every page of `GET /projects/{p}/repositories`, `GET /repositories` and
//! `GET /projects/{p}/repositories/{r}/artifacts` (page sizes, callers, `q` and `sort`) holds
//! the ids, total and `Link` a pass over all rows gives.

use std::collections::BTreeSet;

use harbor_sim::SimState;
use harbor_sim::pagination::PageRequest;
use harbor_sim::state::projects::ProjectReq;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

mod support;

/// Repository names the changes push to (one nested), few so that pushes meet.
const REPOSITORIES: [&str; 4] = ["nginx", "app", "team/app", "tools"];
/// Tags the changes push and add, few so that tags move between artifacts.
const TAGS: [&str; 3] = ["latest", "v1", "v2"];

/// One change to the state, with picks taken modulo what exists when it is applied.
#[derive(Debug, Clone)]
enum Change {
    CreateProject,
    DeleteProject(usize),
    Push {
        project: usize,
        repository: usize,
        tag: Option<usize>,
    },
    AddTag {
        artifact: usize,
        tag: usize,
    },
    DeleteArtifact(usize),
    DeleteRepository(usize),
    CollectGarbage,
    /// Gives an artifact the digest of another (what a copy onto an existing digest does).
    CopyDigest {
        artifact: usize,
        from: usize,
    },
    /// Moves an artifact to another repository and project through its handle.
    MoveArtifact {
        artifact: usize,
        repository: usize,
    },
    /// Changes an artifact's size through its handle.
    Resize {
        artifact: usize,
        size: i64,
    },
    /// Renames a repository, or moves it to another project, through its handle.
    RenameRepository {
        repository: usize,
        name: usize,
        project: Option<usize>,
    },
    Scan(usize),
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        1 => Just(Change::CreateProject),
        1 => any::<usize>().prop_map(Change::DeleteProject),
        4 => (any::<usize>(), 0..REPOSITORIES.len(), proptest::option::of(0..TAGS.len())).prop_map(
            |(project, repository, tag)| Change::Push {
                project,
                repository,
                tag
            }
        ),
        1 => (any::<usize>(), 0..TAGS.len()).prop_map(|(artifact, tag)| Change::AddTag { artifact, tag }),
        1 => any::<usize>().prop_map(Change::DeleteArtifact),
        1 => any::<usize>().prop_map(Change::DeleteRepository),
        1 => Just(Change::CollectGarbage),
        1 => (any::<usize>(), any::<usize>())
            .prop_map(|(artifact, from)| Change::CopyDigest { artifact, from }),
        1 => (any::<usize>(), any::<usize>())
            .prop_map(|(artifact, repository)| Change::MoveArtifact {
                artifact,
                repository
            }),
        1 => (any::<usize>(), 0i64..5000).prop_map(|(artifact, size)| Change::Resize { artifact, size }),
        1 => (
            any::<usize>(),
            0..REPOSITORIES.len(),
            proptest::option::of(any::<usize>())
        )
            .prop_map(|(repository, name, project)| Change::RenameRepository {
                repository,
                name,
                project
            }),
        1 => any::<usize>().prop_map(Change::Scan),
    ]
}

fn nth<T: Copy>(keys: impl Iterator<Item = T>, pick: usize) -> Option<T> {
    let keys: Vec<T> = keys.collect();
    (!keys.is_empty()).then(|| keys[pick % keys.len()])
}

fn project_req(name: String) -> ProjectReq {
    serde_json::from_value(json!({"project_name": name})).expect("a project request")
}

/// Applies `change`; refusals (a project holding repositories, a tag already in the
/// repository) are part of the sequence and leave the state as it was.
fn apply(s: &mut SimState, change: &Change, step: usize) {
    let artifact = |s: &SimState, pick| nth(s.artifacts.keys().copied(), pick);
    let repository = |s: &SimState, pick| nth(s.repositories.keys().copied(), pick);
    match change {
        Change::CreateProject => {
            s.create_project(project_req(format!("p{step}")), 1)
                .expect("a fresh name");
        }
        Change::DeleteProject(pick) => {
            if let Some(id) = nth(s.projects.keys().copied(), *pick) {
                let _ = s.delete_project(id);
            }
        }
        Change::Push {
            project,
            repository,
            tag,
        } => {
            if let Some(id) = nth(s.projects.keys().copied(), *project) {
                let name = s.projects[&id].name.clone();
                let tag = tag.map(|t| TAGS[t]);
                s.push(&name, REPOSITORIES[*repository], tag, &format!("c{step}"))
                    .expect("a push into an existing project");
            }
        }
        Change::AddTag { artifact: a, tag } => {
            if let Some(id) = artifact(s, *a) {
                let _ = s.add_tag(id, TAGS[*tag]);
            }
        }
        Change::DeleteArtifact(pick) => {
            if let Some(id) = artifact(s, *pick) {
                s.delete_artifact(id).expect("an existing artifact");
            }
        }
        Change::DeleteRepository(pick) => {
            if let Some(id) = repository(s, *pick) {
                // Refused, with nothing changed, when an artifact holds an immutable tag (as
                // in Harbor): the indexes must follow that too.
                let _ = s.delete_repository(id);
            }
        }
        Change::CollectGarbage => {
            s.collect_garbage(true, false);
        }
        Change::CopyDigest { artifact: a, from } => {
            if let (Some(id), Some(from)) = (artifact(s, *a), artifact(s, *from)) {
                let digest = s.artifacts[&from].digest.clone();
                s.artifacts.get_mut(&id).expect("exists").digest = digest;
            }
        }
        Change::MoveArtifact {
            artifact: a,
            repository: r,
        } => {
            if let (Some(id), Some(to)) = (artifact(s, *a), repository(s, *r)) {
                let project = s.repositories[&to].project_id;
                let mut moved = s.artifacts.get_mut(&id).expect("exists");
                moved.repository_id = to;
                moved.project_id = project;
            }
        }
        Change::Resize { artifact: a, size } => {
            if let Some(id) = artifact(s, *a) {
                s.artifacts.get_mut(&id).expect("exists").size = *size;
            }
        }
        Change::RenameRepository {
            repository: r,
            name,
            project,
        } => {
            let project = project.and_then(|p| nth(s.projects.keys().copied(), p));
            if let Some(id) = repository(s, *r) {
                let mut renamed = s.repositories.get_mut(&id).expect("exists");
                let owner = renamed
                    .name
                    .split('/')
                    .next()
                    .unwrap_or_default()
                    .to_owned();
                // A name another repository holds too: the index keeps both.
                renamed.name = format!("{owner}/{}", REPOSITORIES[*name]);
                if let Some(project) = project {
                    renamed.project_id = project;
                }
            }
        }
        Change::Scan(pick) => {
            if let Some(id) = artifact(s, *pick) {
                s.mark_scanned(id).expect("an existing artifact");
            }
        }
    }
}

/// The repository and artifact indexes against a pass over the tables.
fn check_indexes(s: &SimState) -> Result<(), TestCaseError> {
    let projects: BTreeSet<i64> = s
        .projects
        .keys()
        .copied()
        .chain(s.repositories.values().map(|r| r.project_id))
        .chain(s.artifacts.values().map(|a| a.project_id))
        .chain([0, 999_999])
        .collect();
    for project in &projects {
        let scanned: Vec<i64> = s
            .repositories
            .values()
            .filter(|r| r.project_id == *project)
            .map(|r| r.id)
            .collect();
        prop_assert_eq!(s.repositories.ids_in_project(*project), scanned.as_slice());
        // The project's blobs, each once, foreign layers left out.
        let mut seen = std::collections::HashSet::new();
        let stored: i64 = s
            .artifacts
            .values()
            .filter(|a| a.project_id == *project)
            .flat_map(|a| a.blobs.iter())
            .filter(|b| !b.is_foreign() && seen.insert(b.digest.clone()))
            .map(|b| b.size)
            .sum();
        prop_assert_eq!(s.artifacts.size_in_project(*project), stored);
    }
    for r in s.repositories.values() {
        let first = s
            .repositories
            .values()
            .find(|o| o.name == r.name)
            .map(|o| o.id);
        prop_assert_eq!(s.repositories.id_by_name(&r.name), first);
    }
    prop_assert_eq!(s.repositories.id_by_name("library/no-such"), None);

    let repositories: BTreeSet<i64> = s
        .repositories
        .keys()
        .copied()
        .chain(s.artifacts.values().map(|a| a.repository_id))
        .chain([0, 999_999])
        .collect();
    for repository in &repositories {
        let scanned: Vec<i64> = s
            .artifacts
            .values()
            .filter(|a| a.repository_id == *repository)
            .map(|a| a.id)
            .collect();
        prop_assert_eq!(
            s.artifacts.ids_in_repository(*repository),
            scanned.as_slice()
        );
        let in_repository: Vec<i64> = s
            .artifacts
            .in_repository(*repository)
            .map(|a| a.id)
            .collect();
        prop_assert_eq!(in_repository, scanned);
        prop_assert_eq!(s.artifacts.id_by_digest(*repository, "sha256:none"), None);
    }
    for a in s.artifacts.values() {
        let first = s
            .artifacts
            .values()
            .find(|o| o.repository_id == a.repository_id && o.digest == a.digest)
            .map(|o| o.id);
        prop_assert_eq!(s.artifacts.id_by_digest(a.repository_id, &a.digest), first);
    }
    Ok(())
}

fn demo_state() -> SimState {
    let mut s = SimState::with_admin("admin", "Harbor12345");
    s.seed_demo().expect("demo data");
    s
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// After every change of a random sequence, the indexes answer as a scan does.
    #[test]
    fn the_indexes_follow_every_change(changes in proptest::collection::vec(change(), 1..40)) {
        let mut s = demo_state();
        check_indexes(&s)?;
        for (step, change) in changes.iter().enumerate() {
            apply(&mut s, change, step);
            check_indexes(&s)?;
        }
    }
}

/// A clone of the state carries its indexes (the simulator's reset restores a clone).
#[test]
fn a_cloned_state_keeps_its_indexes() {
    let mut s = demo_state();
    let push = Change::Push {
        project: 0,
        repository: 2,
        tag: Some(0),
    };
    apply(&mut s, &push, 0);
    let copy = s.clone();
    check_indexes(&copy).expect("the clone's indexes hold");
    let library = s.projects.id_by_name("library").expect("seeded");
    assert_eq!(
        copy.repositories.ids_in_project(library),
        s.repositories.ids_in_project(library)
    );
}

/// A list's query parameters besides the page.
type Query = Vec<(String, String)>;

/// A list the HTTP test pages: its path, and for each query the ids a scan gives.
struct Listed {
    path: String,
    cases: Vec<(Query, Vec<i64>)>,
}

/// The queries of a list whose ids, newest first, are `ids`: none (the page cut from the
/// index), and `sort=-id`, the same order through the path that reads every document.
fn in_order_and_sorted(ids: Vec<i64>) -> Vec<(Query, Vec<i64>)> {
    vec![
        (vec![], ids.clone()),
        (vec![("sort".into(), "-id".into())], ids),
    ]
}

/// The callers of the HTTP test: the admin, and anonymous (who sees the public `library`).
const CALLERS: [Option<(&str, &str)>; 2] = [Some(("admin", "Harbor12345")), None];

/// Every page of a project's repositories and of a repository's artifacts, for each
/// caller, page size, and with `q` and `sort` (which build every document), is the page a
/// pass over all rows gives, newest first, with its total and Harbor's `Link`.
#[tokio::test]
async fn every_repository_and_artifact_page_is_the_page_of_a_full_scan() {
    let sim = support::start().await;
    sim.handle().with_state(|s| {
        for i in 0..23 {
            s.push("library", &format!("r{i:02}"), Some("v1"), &format!("r{i}"))
                .expect("pushed");
            // Artifacts of one repository interleaved with others', gaps left by deletions.
            s.push(
                "library",
                "many",
                (i % 3 == 0).then_some("x"),
                &format!("m{i}"),
            )
            .expect("pushed");
            s.push("demo", "team/app", None, &format!("d{i}"))
                .expect("pushed");
        }
        s.create_project(project_req("hidden".into()), 1)
            .expect("created");
        for i in 0..5 {
            s.push("hidden", &format!("h{i}"), None, &format!("h{i}"))
                .expect("pushed");
            s.push("demo", &format!("d{i}"), None, &format!("d{i}"))
                .expect("pushed");
        }
        for gone in ["r05", "r17"] {
            let id = s.repository_id("library", gone).expect("pushed");
            s.delete_repository(id).expect("deleted");
        }
        let many = s.repository_id("library", "many").expect("pushed");
        for pick in [20usize, 8, 7, 0] {
            let id = s.artifacts.ids_in_repository(many)[pick];
            s.delete_artifact(id).expect("deleted");
        }
    });
    let state = sim.handle().state();
    let client = reqwest::Client::new();
    let newest_first = |mut ids: Vec<i64>| {
        ids.reverse();
        ids
    };
    let mut lists: Vec<Listed> = Vec::new();
    for project in ["library", "demo"] {
        let pid = state.projects.id_by_name(project).expect("seeded");
        let in_project: Vec<&harbor_sim::state::Repository> = state
            .repositories
            .values()
            .filter(|r| r.project_id == pid)
            .collect();
        let ids = newest_first(in_project.iter().map(|r| r.id).collect());
        // `name=~R1`: a fuzzy match, any case.
        let named = newest_first(
            in_project
                .iter()
                .filter(|r| r.name.contains("r1"))
                .map(|r| r.id)
                .collect(),
        );
        let mut cases = in_order_and_sorted(ids);
        cases.push((vec![("q".into(), "name=~R1".into())], named));
        lists.push(Listed {
            path: format!("/projects/{project}/repositories"),
            cases,
        });
    }
    for (project, repository) in [
        ("library", "many"),
        ("library", "nginx"),
        ("library", "r03"),
        ("demo", "team%252Fapp"),
        ("library", "no-such"),
    ] {
        let full = format!("{project}/{}", repository.replace("%252F", "/"));
        let ids = newest_first(
            state
                .artifacts
                .values()
                .filter(|a| state.repositories[&a.repository_id].name == full)
                .map(|a| a.id)
                .collect(),
        );
        lists.push(Listed {
            path: format!("/projects/{project}/repositories/{repository}/artifacts"),
            cases: in_order_and_sorted(ids),
        });
    }

    let mut pages = 0;
    for Listed { path, cases } in &lists {
        for caller in CALLERS {
            // Anonymous sees only the public `library`.
            if caller.is_none() && !path.starts_with("/projects/library/") {
                continue;
            }
            for (filter, wanted) in cases {
                pages += check_pages(&sim, &client, caller, path, filter, wanted).await;
            }
        }
    }
    // All repositories: the admin sees every one (the page cut from the table); carol, a
    // member of `library` and `demo`, those two projects' (a merge of their lists, past the
    // private `hidden`); frank, a member of nothing, and anonymous those of the public
    // `library`.
    let in_projects = |names: &[&str]| {
        let ids: BTreeSet<i64> = names
            .iter()
            .map(|n| state.projects.id_by_name(n).expect("seeded"))
            .collect();
        newest_first(
            state
                .repositories
                .values()
                .filter(|r| ids.contains(&r.project_id))
                .map(|r| r.id)
                .collect(),
        )
    };
    let seed_user = |name| Some((name, harbor_sim::SEED_USER_PASSWORD));
    let seen = [
        (CALLERS[0], in_projects(&["library", "demo", "hidden"])),
        (seed_user("carol"), in_projects(&["library", "demo"])),
        (seed_user("frank"), in_projects(&["library"])),
        (None, in_projects(&["library"])),
    ];
    for (caller, wanted) in seen {
        for (filter, wanted) in in_order_and_sorted(wanted) {
            pages += check_pages(&sim, &client, caller, "/repositories", &filter, &wanted).await;
        }
    }
    assert!(pages > 100, "every list was paged ({pages} pages)");
}

/// Every page of `GET path` with `filter`, in two page sizes and past the end, as
/// `caller`: the ids `wanted[range]`, the total and Harbor's `Link`. Returns how many pages.
async fn check_pages(
    sim: &support::CheckedSim,
    client: &reqwest::Client,
    caller: Option<(&str, &str)>,
    path: &str,
    filter: &[(String, String)],
    wanted: &[i64],
) -> usize {
    let mut pages = 0;
    for page_size in [4i64, 10] {
        let last = wanted.len() as i64 / page_size + 2;
        for page in 1..=last {
            let mut query = filter.to_vec();
            query.push(("page".into(), page.to_string()));
            query.push(("page_size".into(), page_size.to_string()));
            let request = PageRequest { page, page_size };
            let range = request.range(wanted.len());
            let (ids, total, link) = list(sim, client, caller, path, &query).await;
            let context = format!("{caller:?} {path} {query:?}");
            assert_eq!(ids, wanted[range].to_vec(), "{context}");
            assert_eq!(total, wanted.len(), "{context}");
            let full_path = format!("/api/v2.0{path}");
            assert_eq!(
                link,
                request.link_header(&full_path, &query, wanted.len() as u64),
                "{context}"
            );
            pages += 1;
        }
    }
    pages
}

/// `GET path` with `query` as `caller` (`None`: anonymous): the ids, `X-Total-Count` and
/// `Link`.
async fn list(
    sim: &support::CheckedSim,
    client: &reqwest::Client,
    caller: Option<(&str, &str)>,
    path: &str,
    query: &[(String, String)],
) -> (Vec<i64>, usize, Option<String>) {
    // The test's keys and values need no escaping.
    let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut request = client.get(format!("{}{path}?{}", sim.api_url(), raw.join("&")));
    if let Some((user, secret)) = caller {
        request = request.basic_auth(user, Some(secret));
    }
    let response = request.send().await.expect("answered");
    let context = format!("{caller:?} {path} {query:?}");
    let status = response.status();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let total = header("X-Total-Count").and_then(|t| t.parse().ok());
    let link = header("Link");
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(status, 200, "{context}: {body}");
    let ids = body
        .as_array()
        .expect("an array")
        .iter()
        .map(|d| d["id"].as_i64().expect("an id"))
        .collect();
    (ids, total.expect("X-Total-Count"), link)
}
