//! The indexes that let a list page cost the page (projects by name and publicity, members
//! by project and by user) against a brute-force scan: across random sequences of project,
//! member, metadata and user changes, every indexed answer equals what a pass over the
//! tables gives; and over HTTP, every page of `GET /projects` (each kind of caller, each
//! `public` filter, several page sizes) holds the projects, total and `Link` a pass over all
//! projects with `sees_project` gives.

use std::collections::{BTreeMap, BTreeSet};

use harbor_sim::SimState;
use harbor_sim::auth::Identity;
use harbor_sim::pagination::PageRequest;
use harbor_sim::rbac::{Listing, ProjectRole, SecurityContext, VisibleProjects};
use harbor_sim::state::Publicity;
use harbor_sim::state::projects::ProjectReq;
use harbor_sim::state::users::UserCreationReq;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use serde_json::{Value, json};

mod support;

/// One change to the state, with indexes taken modulo what exists when it is applied.
#[derive(Debug, Clone)]
enum Change {
    CreateProject {
        public: Option<bool>,
        owner: usize,
    },
    DeleteProject(usize),
    AddUserMember {
        project: usize,
        user: usize,
        role: i64,
    },
    AddGroupMember {
        project: usize,
        group: i64,
        role: i64,
    },
    SetRole {
        member: usize,
        role: i64,
    },
    RemoveMember(usize),
    DeleteUser(usize),
    /// Sets the `public` metadata as the metadata operations do (`None` removes it).
    SetPublicMetadata {
        project: usize,
        value: Option<&'static str>,
    },
    /// Sets `public` as `PUT /projects/{id}` does.
    UpdatePublic {
        project: usize,
        public: bool,
    },
    CreateUser,
}

fn change() -> impl Strategy<Value = Change> {
    // 0 and 6 are none of Harbor's roles: a create refuses them, an update stores them.
    let role = 0i64..=6;
    prop_oneof![
        (proptest::option::of(any::<bool>()), any::<usize>())
            .prop_map(|(public, owner)| Change::CreateProject { public, owner }),
        any::<usize>().prop_map(Change::DeleteProject),
        (any::<usize>(), any::<usize>(), role.clone()).prop_map(|(project, user, role)| {
            Change::AddUserMember {
                project,
                user,
                role,
            }
        }),
        (any::<usize>(), 1i64..4, role.clone()).prop_map(|(project, group, role)| {
            Change::AddGroupMember {
                project,
                group,
                role,
            }
        }),
        (any::<usize>(), role).prop_map(|(member, role)| Change::SetRole { member, role }),
        any::<usize>().prop_map(Change::RemoveMember),
        any::<usize>().prop_map(Change::DeleteUser),
        (
            any::<usize>(),
            proptest::option::of(prop_oneof![Just("true"), Just("false"), Just("yes")])
        )
            .prop_map(|(project, value)| Change::SetPublicMetadata { project, value }),
        (any::<usize>(), any::<bool>())
            .prop_map(|(project, public)| Change::UpdatePublic { project, public }),
        Just(Change::CreateUser),
    ]
}

fn nth<T: Copy>(keys: impl Iterator<Item = T>, pick: usize) -> Option<T> {
    let keys: Vec<T> = keys.collect();
    (!keys.is_empty()).then(|| keys[pick % keys.len()])
}

fn project_req(name: String, public: Option<bool>) -> ProjectReq {
    serde_json::from_value(json!({"project_name": name, "public": public}))
        .expect("a project request")
}

/// Applies `change`; refusals (a taken name, a project holding repositories, a duplicate
/// member, the admin's deletion) are part of the sequence and leave the state as it was.
fn apply(s: &mut SimState, change: &Change, step: usize) {
    let project = |s: &SimState, pick| nth(s.projects.keys().copied(), pick);
    match change {
        Change::CreateProject { public, owner } => {
            let owner = nth(s.users.keys().copied(), *owner).unwrap_or(1);
            let _ = s.create_project(project_req(format!("p{step}"), *public), owner);
        }
        Change::DeleteProject(pick) => {
            if let Some(id) = project(s, *pick) {
                let _ = s.delete_project(id);
            }
        }
        Change::AddUserMember {
            project: p,
            user,
            role,
        } => {
            if let (Some(pid), Some(uid)) = (project(s, *p), nth(s.users.keys().copied(), *user)) {
                let _ = s.add_member(pid, Some((Some(uid), None)), None, *role);
            }
        }
        Change::AddGroupMember {
            project: p,
            group,
            role,
        } => {
            if let Some(pid) = project(s, *p) {
                let _ = s.add_member(pid, None, Some((*group, format!("g{group}"))), *role);
            }
        }
        Change::SetRole { member, role } => {
            if let Some(mid) = nth(s.members.keys().copied(), *member) {
                let pid = s.members[&mid].project_id;
                s.set_member_role(pid, mid, *role);
            }
        }
        Change::RemoveMember(pick) => {
            if let Some(mid) = nth(s.members.keys().copied(), *pick) {
                let pid = s.members[&mid].project_id;
                s.remove_member(pid, mid).expect("an existing member");
            }
        }
        Change::DeleteUser(pick) => {
            if let Some(uid) = nth(s.users.keys().copied(), *pick) {
                let _ = s.delete_user(uid);
            }
        }
        Change::SetPublicMetadata { project: p, value } => {
            if let Some(pid) = project(s, *p)
                && let Some(mut project) = s.projects.get_mut(&pid)
            {
                match value {
                    Some(v) => project.metadata.insert("public".into(), (*v).into()),
                    None => project.metadata.remove("public"),
                };
            }
        }
        Change::UpdatePublic { project: p, public } => {
            if let Some(pid) = project(s, *p) {
                let req: ProjectReq =
                    serde_json::from_value(json!({"public": public})).expect("a request");
                s.update_project(pid, req).expect("an existing project");
            }
        }
        Change::CreateUser => {
            let name = format!("u{step}");
            s.create_user(UserCreationReq {
                username: Some(name.clone()),
                email: Some(format!("{name}@example.com")),
                realname: Some(name),
                comment: None,
                password: Some("Passw0rdPassw0rd".into()),
            })
            .expect("a fresh user");
        }
    }
}

/// Every caller the state knows: the admin, each user as itself, each robot, anonymous.
fn identities(s: &SimState) -> Vec<Identity> {
    let users = s.users.values().map(|u| Identity::User {
        id: u.user_id,
        username: u.username.clone(),
        sysadmin: u.sysadmin_flag,
    });
    let robots = s.robots.values().map(|r| Identity::Robot {
        id: r.id,
        name: r.name.clone(),
    });
    users.chain(robots).chain([Identity::Anonymous]).collect()
}

/// The indexes against a pass over the tables.
fn check_indexes(s: &SimState) -> Result<(), TestCaseError> {
    // Projects: all ids, publicity, names.
    let ids: Vec<i64> = s.projects.keys().copied().collect();
    prop_assert_eq!(s.projects.ids(), ids.as_slice());
    let with = |want: Publicity| -> Vec<i64> {
        s.projects
            .values()
            .filter(|p| Publicity::of(p) == want)
            .map(|p| p.project_id)
            .collect()
    };
    let (public, private) = (with(Publicity::Public), with(Publicity::Private));
    prop_assert_eq!(s.projects.public_ids(), public.as_slice());
    prop_assert_eq!(s.projects.private_ids(), private.as_slice());
    for p in s.projects.values() {
        prop_assert_eq!(s.projects.id_by_name(&p.name), Some(p.project_id));
    }
    prop_assert_eq!(s.projects.id_by_name("no-such-project"), None);

    // Members: by project, and each user's roles by project.
    let projects_with_members: BTreeSet<i64> = s
        .members
        .values()
        .map(|m| m.project_id)
        .chain(ids.iter().copied())
        .collect();
    for pid in &projects_with_members {
        let indexed: Vec<i64> = s.members.of_project(*pid).map(|m| m.id).collect();
        let scanned: Vec<i64> = s
            .members
            .values()
            .filter(|m| m.project_id == *pid)
            .map(|m| m.id)
            .collect();
        prop_assert_eq!(indexed, scanned);
    }
    let mut scanned_roles: BTreeMap<(i64, i64), Vec<ProjectRole>> = BTreeMap::new();
    for m in s.members.values().filter(|m| m.entity_type == "u") {
        if let Some(role) = ProjectRole::from_id(m.role_id) {
            scanned_roles
                .entry((m.entity_id, m.project_id))
                .or_default()
                .push(role);
        }
    }
    let users: BTreeSet<i64> = s
        .users
        .keys()
        .copied()
        .chain(s.members.values().map(|m| m.entity_id))
        .collect();
    for user in &users {
        for pid in &projects_with_members {
            let scanned = scanned_roles
                .get(&(*user, *pid))
                .map_or(&[][..], Vec::as_slice);
            prop_assert_eq!(s.members.roles(*user, *pid), scanned);
        }
        let indexed: Vec<(i64, Vec<ProjectRole>)> = s
            .members
            .projects_of_user(*user)
            .map(|(pid, roles)| (pid, roles.to_vec()))
            .collect();
        let scanned: Vec<(i64, Vec<ProjectRole>)> = scanned_roles
            .range((*user, i64::MIN)..=(*user, i64::MAX))
            .map(|((_, pid), roles)| (*pid, roles.clone()))
            .collect();
        prop_assert_eq!(indexed, scanned);
    }

    // What each caller sees, against `sees_project` asked of every project.
    for identity in identities(s) {
        let sc = SecurityContext::new(s, &identity);
        for listing in [Listing::Projects, Listing::Repositories, Listing::Search] {
            let scanned: BTreeSet<i64> = s
                .projects
                .values()
                .filter(|p| sc.sees_project(p, listing))
                .map(|p| p.project_id)
                .collect();
            let indexed: BTreeSet<i64> = match sc.visible_projects(listing) {
                VisibleProjects::All => ids.iter().copied().collect(),
                VisibleProjects::PublicAnd(more) => {
                    prop_assert!(more.windows(2).all(|w| w[0] < w[1]), "ascending");
                    prop_assert!(more.iter().all(|id| s.projects.contains_key(id)));
                    s.projects
                        .public_ids()
                        .iter()
                        .chain(more.iter())
                        .copied()
                        .collect()
                }
            };
            prop_assert_eq!(indexed, scanned, "{:?} in {:?}", identity, listing);
        }
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
    apply(
        &mut s,
        &Change::CreateProject {
            public: Some(true),
            owner: 0,
        },
        0,
    );
    let copy = s.clone();
    check_indexes(&copy).expect("the clone's indexes hold");
    assert_eq!(copy.projects.public_ids(), s.projects.public_ids());
}

/// The credentials of a caller of the HTTP test (`None`: anonymous).
fn credentials(who: &str) -> Option<(&'static str, &'static str)> {
    Some(match who {
        "admin" => ("admin", "Harbor12345"),
        "carol" => ("carol", harbor_sim::SEED_USER_PASSWORD),
        "dave" => ("dave", harbor_sim::SEED_USER_PASSWORD),
        "frank" => ("frank", harbor_sim::SEED_USER_PASSWORD),
        "puller" => ("robot$demo+puller", harbor_sim::SEED_PULL_ROBOT_SECRET),
        "reader" => (
            "robot$registry-reader",
            harbor_sim::SEED_SYSTEM_ROBOT_SECRET,
        ),
        "ci" => ("robot$ci", harbor_sim::SEED_ROBOT_SECRET),
        _ => return None,
    })
}

/// The identity the simulator gives `who`.
fn identity_of(s: &SimState, who: &str) -> Identity {
    let Some((name, _)) = credentials(who) else {
        return Identity::Anonymous;
    };
    if let Some(robot) = s.robots.values().find(|r| r.name == name) {
        return Identity::Robot {
            id: robot.id,
            name: robot.name.clone(),
        };
    }
    let user = s
        .users
        .values()
        .find(|u| u.username == name)
        .expect("a seeded user");
    Identity::User {
        id: user.user_id,
        username: user.username.clone(),
        sysadmin: user.sysadmin_flag,
    }
}

/// Every page of `GET /projects` for every kind of caller, `public` filter, `name` and
/// `owner` filter and page size is the page a pass over all projects gives, with its total
/// and Harbor's `Link`; `sort=project_id` (which builds every document) agrees.
#[tokio::test]
async fn every_project_page_is_the_page_of_a_full_scan() {
    let sim = support::start().await;
    sim.handle().with_state(|s| {
        let user = |s: &SimState, name: &str| {
            s.users
                .values()
                .find(|u| u.username == name)
                .map(|u| u.user_id)
        };
        let (carol, dave) = (user(s, "carol"), user(s, "dave"));
        for i in 0..23 {
            let public = [Some(true), Some(false), None][i % 3];
            let id = s
                .create_project(project_req(format!("scale{i:02}"), public), 1)
                .expect("a project");
            if i % 4 == 0 {
                s.add_member(id, Some((carol, None)), None, 2)
                    .expect("a member");
            }
            if i % 5 == 0 {
                s.add_member(id, Some((dave, None)), None, 3)
                    .expect("a member");
            }
        }
        // One project neither public nor private, as a metadata write can leave it.
        let odd = s.projects.id_by_name("scale01").expect("created");
        s.projects
            .get_mut(&odd)
            .expect("exists")
            .metadata
            .insert("public".into(), "yes".into());
    });
    let state = sim.handle().state();
    let client = reqwest::Client::new();
    let mut pages = 0;
    for who in [
        "admin",
        "carol",
        "dave",
        "frank",
        "anonymous",
        "puller",
        "reader",
        "ci",
    ] {
        let identity = identity_of(&state, who);
        let sc = SecurityContext::new(&state, &identity);
        for filter in [
            vec![],
            vec![("public", "true")],
            vec![("public", "false")],
            vec![("name", "scale1")],
            vec![("owner", "admin"), ("public", "false")],
        ] {
            let wanted: Vec<i64> = state
                .projects
                .values()
                .filter(|p| sc.sees_project(p, Listing::Projects))
                .filter(|p| {
                    filter.iter().all(|(key, value)| match *key {
                        "public" => p.metadata.get("public").map(String::as_str) == Some(value),
                        "name" => p.name.contains(value),
                        "owner" => p.owner_name == *value,
                        _ => unreachable!("the filters above"),
                    })
                })
                .map(|p| p.project_id)
                .collect();
            // Harbor lists projects by name unless asked otherwise.
            let by_id = wanted.clone();
            let mut wanted = wanted;
            wanted.sort_by(|a, b| state.projects[a].name.cmp(&state.projects[b].name));
            for page_size in [4i64, 10] {
                let last = wanted.len() as i64 / page_size + 2;
                for page in 1..=last {
                    let mut query: Vec<(String, String)> = filter
                        .iter()
                        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                        .collect();
                    query.push(("page".into(), page.to_string()));
                    query.push(("page_size".into(), page_size.to_string()));
                    let request = PageRequest { page, page_size };
                    let range = request.range(wanted.len());
                    let (ids, total, link) = list(&sim, &client, who, &query).await;
                    let context = format!("{who} {query:?}");
                    assert_eq!(ids, wanted[range].to_vec(), "{context}");
                    assert_eq!(total, wanted.len(), "{context}");
                    assert_eq!(
                        link,
                        request.link_header("/api/v2.0/projects", &query, wanted.len() as u64),
                        "{context}"
                    );
                    query.push(("sort".into(), "project_id".into()));
                    let (sorted, sorted_total, _) = list(&sim, &client, who, &query).await;
                    assert_eq!(
                        (sorted, sorted_total),
                        (by_id[request.range(by_id.len())].to_vec(), total),
                        "{context} sorted by id"
                    );
                    pages += 1;
                }
            }
        }
    }
    assert!(
        pages > 100,
        "every caller and filter was paged ({pages} pages)"
    );
}

/// `GET /projects` with `query` as `who`: the project ids, `X-Total-Count` and `Link`.
async fn list(
    sim: &support::CheckedSim,
    client: &reqwest::Client,
    who: &str,
    query: &[(String, String)],
) -> (Vec<i64>, usize, Option<String>) {
    // The test's keys and values need no escaping.
    let raw: Vec<String> = query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    let mut request = client.get(format!("{}/projects?{}", sim.api_url(), raw.join("&")));
    if let Some((user, secret)) = credentials(who) {
        request = request.basic_auth(user, Some(secret));
    }
    let response = request.send().await.expect("answered");
    assert_eq!(response.status(), 200, "{who} {query:?}");
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let total = header("X-Total-Count")
        .and_then(|t| t.parse().ok())
        .expect("X-Total-Count");
    let link = header("Link");
    let body: Value = response.json().await.expect("JSON");
    let ids = body
        .as_array()
        .expect("an array")
        .iter()
        .map(|p| p["project_id"].as_i64().expect("an id"))
        .collect();
    (ids, total, link)
}
