//! Harbor's access control over raw HTTP: a permission matrix of every project role, robot
//! kind and anonymous caller against representative operations, and the behaviours around
//! it (pull-only robots, anonymous reads, wrong passwords, what lists show, permissions).
//!
//! The demo accounts (see `SimState::seed_access_demo`): `carol` administers `demo`, `alice`
//! maintains it, `bob` develops, `dave` is a guest, `erin` a limited guest, `frank` is in no
//! project; `library` is public, `demo` private.

use harbor_sim::{
    SEED_PULL_ROBOT_SECRET, SEED_ROBOT_SECRET, SEED_SYSTEM_ROBOT_SECRET, SEED_USER_PASSWORD,
};
use reqwest::{Client, Method};
use serde_json::{Value, json};

mod support;

/// The callers of the matrix, in its column order.
const CALLERS: [&str; 12] = [
    "admin",
    "carol",
    "alice",
    "bob",
    "dave",
    "erin",
    "frank",
    "anonymous",
    "wrong",
    "puller",
    "reader",
    "ci",
];

fn credentials(who: &str) -> Option<(&'static str, &'static str)> {
    Some(match who {
        "admin" => ("admin", "Harbor12345"),
        "carol" => ("carol", SEED_USER_PASSWORD),
        "alice" => ("alice", SEED_USER_PASSWORD),
        "bob" => ("bob", SEED_USER_PASSWORD),
        "dave" => ("dave", SEED_USER_PASSWORD),
        "erin" => ("erin", SEED_USER_PASSWORD),
        "frank" => ("frank", SEED_USER_PASSWORD),
        "wrong" => ("alice", "not-her-password"),
        "puller" => ("robot$demo+puller", SEED_PULL_ROBOT_SECRET),
        "reader" => ("robot$registry-reader", SEED_SYSTEM_ROBOT_SECRET),
        "ci" => ("robot$ci", SEED_ROBOT_SECRET),
        _ => return None,
    })
}

struct Caller {
    sim: support::CheckedSim,
    client: Client,
    who: &'static str,
}

impl Caller {
    async fn new(who: &'static str) -> Self {
        Self {
            sim: support::start().await,
            client: Client::new(),
            who,
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> (u16, Value) {
        let mut request = self
            .client
            .request(method, format!("{}{path}", self.sim.api_url()));
        if let Some((user, secret)) = credentials(self.who) {
            request = request.basic_auth(user, Some(secret));
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let response = request.send().await.expect("request is answered");
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or(Value::Null);
        (status, body)
    }

    async fn status(&self, method: Method, path: &str, body: Option<&Value>) -> u16 {
        self.send(method, path, body).await.0
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        self.send(Method::GET, path, None).await
    }
}

const REPO: &str = "/projects/demo/repositories/team%252Fapp";

/// One operation and Harbor's answer for each caller, in [`CALLERS`] order.
struct Row {
    what: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    expect: [u16; 12],
}

fn row(
    what: &'static str,
    method: Method,
    path: &str,
    body: Option<Value>,
    expect: [u16; 12],
) -> Row {
    Row {
        what,
        method,
        path: path.to_owned(),
        body,
        expect,
    }
}

/// The matrix. The project id of `demo` is 2 in the demo data (checked below).
fn matrix() -> Vec<Row> {
    use Method as M;
    // Each `expect` is in CALLERS order:
    // admin, carol, alice, bob, dave, erin, frank, anonymous, wrong, puller, reader, ci.
    vec![
        row(
            "read a private project",
            M::GET,
            "/projects/demo",
            None,
            [200, 200, 200, 200, 200, 200, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "update a private project",
            M::PUT,
            "/projects/demo",
            Some(json!({"metadata": {"auto_scan": "true"}})),
            [200, 200, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list members",
            M::GET,
            "/projects/demo/members",
            None,
            [200, 200, 200, 200, 200, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "add a member",
            M::POST,
            "/projects/demo/members",
            Some(json!({"role_id": 3, "member_user": {"username": "frank"}})),
            [201, 201, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list repositories",
            M::GET,
            "/projects/demo/repositories",
            None,
            [200, 200, 200, 200, 200, 200, 403, 401, 401, 200, 403, 403],
        ),
        row(
            "read a repository",
            M::GET,
            REPO,
            None,
            [200, 200, 200, 200, 200, 200, 403, 401, 401, 200, 403, 403],
        ),
        row(
            "update a repository",
            M::PUT,
            REPO,
            Some(json!({"description": "the app"})),
            [200, 200, 200, 200, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list artifacts",
            M::GET,
            &format!("{REPO}/artifacts"),
            None,
            [200, 200, 200, 200, 200, 200, 403, 401, 401, 200, 403, 403],
        ),
        row(
            "tag an artifact",
            M::POST,
            &format!("{REPO}/artifacts/v1.0.0/tags"),
            Some(json!({"name": "stable"})),
            [201, 201, 201, 201, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "delete an artifact",
            M::DELETE,
            &format!("{REPO}/artifacts/v1.1.0"),
            None,
            [200, 200, 200, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "create a project label",
            M::POST,
            "/labels",
            Some(json!({"name": "hot", "scope": "p", "project_id": 2, "color": "#FF0000"})),
            [201, 201, 201, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list webhook policies",
            M::GET,
            "/projects/demo/webhook/policies",
            None,
            [200, 200, 200, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list project robots",
            M::GET,
            "/robots?q=Level%3Dproject%2CProjectID%3D2",
            None,
            [200, 200, 200, 200, 200, 403, 403, 401, 401, 403, 403, 403],
        ),
        // The permission check comes first: only who may delete learns it has repositories.
        row(
            "delete a project with repositories",
            M::DELETE,
            "/projects/demo",
            None,
            [412, 412, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "read a public project",
            M::GET,
            "/projects/library",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
        ),
        row(
            "list a public project's repositories",
            M::GET,
            "/projects/library/repositories",
            None,
            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
        ),
        // Harbor's public-project policies allow listing and pulling, not reading the
        // repository record: only members (carol is a guest of library, alice a developer)
        // and robots granted it may.
        row(
            "read a public project's repository",
            M::GET,
            "/projects/library/repositories/nginx",
            None,
            [200, 200, 200, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "tag in a public project",
            M::POST,
            "/projects/library/repositories/nginx/artifacts/1.27/tags",
            Some(json!({"name": "mainline"})),
            [201, 403, 201, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "create a project",
            M::POST,
            "/projects",
            Some(json!({"project_name": "fresh"})),
            [201, 201, 201, 201, 201, 201, 201, 401, 401, 403, 201, 201],
        ),
        row(
            "list registries",
            M::GET,
            "/registries",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401, 401, 403, 200, 403],
        ),
        row(
            "create a registry",
            M::POST,
            "/registries",
            Some(
                json!({"name": "hub-mirror", "type": "docker-hub", "url": "https://hub.docker.com"}),
            ),
            [201, 403, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list users",
            M::GET,
            "/users",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "create a user",
            M::POST,
            "/users",
            Some(
                json!({"username": "gina", "email": "gina@example.com", "realname": "Gina",
                        "password": "Passw0rdGina"}),
            ),
            [201, 403, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "list system robots",
            M::GET,
            "/robots",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
        row(
            "read the GC schedule",
            M::GET,
            "/system/gc/schedule",
            None,
            [200, 403, 403, 403, 403, 403, 403, 401, 401, 403, 403, 403],
        ),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn permission_matrix() {
    let mut mismatches = Vec::new();
    for (column, who) in CALLERS.iter().enumerate() {
        // A fresh Harbor per caller, so one caller's writes do not change another's answers.
        let caller = Caller::new(who).await;
        let (_, demo) = Caller::new("admin").await.get("/projects/demo").await;
        assert_eq!(demo["project_id"], 2, "the matrix names demo by id 2");
        for row in matrix() {
            let got = caller
                .status(row.method.clone(), &row.path, row.body.as_ref())
                .await;
            if got != row.expect[column] {
                mismatches.push(format!(
                    "{who}: {} ({} {}): got {got}, Harbor answers {}",
                    row.what, row.method, row.path, row.expect[column]
                ));
            }
        }
    }
    assert!(mismatches.is_empty(), "{}", mismatches.join("\n"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pull_only_robot_lists_and_reads_but_never_writes() {
    let robot = Caller::new("puller").await;
    for path in [
        "/projects/demo/repositories",
        REPO,
        &format!("{REPO}/artifacts"),
        &format!("{REPO}/artifacts/v1.0.0"),
        &format!("{REPO}/artifacts/v1.0.0/tags"),
    ] {
        assert_eq!(robot.get(path).await.0, 200, "{path}");
    }
    let (_, projects) = robot.get("/projects").await;
    let mut names: Vec<&str> = projects
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    names.sort_unstable();
    assert_eq!(
        names,
        ["demo", "library"],
        "its own project and the public one"
    );

    let refused = [
        // push: a new tag, or an artifact copied in
        (
            Method::POST,
            format!("{REPO}/artifacts/v1.0.0/tags"),
            Some(json!({"name": "x"})),
        ),
        (
            Method::POST,
            format!("{REPO}/artifacts?from=library/nginx:1.27"),
            None,
        ),
        // delete
        (Method::DELETE, format!("{REPO}/artifacts/v1.0.0"), None),
        (Method::DELETE, REPO.to_owned(), None),
        (Method::DELETE, "/projects/demo".to_owned(), None),
        // administer
        (
            Method::PUT,
            "/projects/demo".to_owned(),
            Some(json!({"metadata": {"public": "true"}})),
        ),
        (
            Method::POST,
            "/projects/demo/members".to_owned(),
            Some(json!({"role_id": 1, "member_user": {"username": "frank"}})),
        ),
        (
            Method::POST,
            "/robots".to_owned(),
            Some(json!({"name": "more", "level": "project", "duration": -1,
                        "permissions": [{"kind": "project", "namespace": "demo",
                                         "access": [{"resource": "repository", "action": "push"}]}]})),
        ),
        (Method::GET, "/users".to_owned(), None),
        (
            Method::POST,
            "/projects".to_owned(),
            Some(json!({"project_name": "mine"})),
        ),
    ];
    for (method, path, body) in refused {
        let (status, answer) = robot.send(method.clone(), &path, body.as_ref()).await;
        assert_eq!(status, 403, "{method} {path}: {answer}");
        assert_eq!(answer["errors"][0]["code"], "FORBIDDEN", "{answer}");
    }
    // Nothing was changed.
    let admin = Caller::new("admin").await;
    assert_eq!(admin.get(&format!("{REPO}/artifacts/v1.0.0")).await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anonymous_reads_public_projects_only_and_may_not_write() {
    for who in ["anonymous", "wrong"] {
        let nobody = Caller::new(who).await;
        let (status, projects) = nobody.get("/projects").await;
        assert_eq!(status, 200, "{who}");
        let names: Vec<&str> = projects
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|p| p["name"].as_str())
            .collect();
        assert_eq!(names, ["library"], "{who}");
        assert_eq!(nobody.get("/projects?public=false").await.1, json!([]));
        assert_eq!(nobody.get("/projects/library").await.0, 200);
        assert_eq!(nobody.get("/projects/library/repositories").await.0, 200);
        assert_eq!(
            nobody
                .get("/projects/library/repositories/nginx/artifacts/1.27")
                .await
                .0,
            200
        );
        // Private data does not exist for them: 401, as for an unknown project.
        for path in [
            "/projects/demo",
            "/projects/demo/repositories",
            "/projects/nope",
        ] {
            let (status, body) = nobody.get(path).await;
            assert_eq!(status, 401, "{who} {path}");
            assert_eq!(
                body,
                json!({"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized"}]})
            );
        }
        let (_, search) = nobody.get("/search?q=a").await;
        assert!(
            search["project"]
                .as_array()
                .unwrap()
                .iter()
                .all(|p| p["name"] == "library"),
            "{search}"
        );
        assert!(
            search["repository"]
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["project_name"] == "library"),
            "{search}"
        );
        let (_, repositories) = nobody.get("/repositories").await;
        assert!(
            repositories
                .as_array()
                .unwrap()
                .iter()
                .all(|r| r["name"].as_str().unwrap().starts_with("library/")),
            "{repositories}"
        );
        // Every write is 401, public project or not.
        for (method, path, body) in [
            (
                Method::POST,
                "/projects",
                Some(json!({"project_name": "anon"})),
            ),
            (Method::DELETE, "/projects/library", None),
            (
                Method::PUT,
                "/projects/library",
                Some(json!({"metadata": {"public": "false"}})),
            ),
            (
                Method::POST,
                "/projects/library/repositories/nginx/artifacts/1.27/tags",
                Some(json!({"name": "anon"})),
            ),
            (
                Method::DELETE,
                "/projects/library/repositories/alpine",
                None,
            ),
            (
                Method::POST,
                "/labels",
                Some(json!({"name": "anon", "scope": "g"})),
            ),
        ] {
            let status = nobody.status(method.clone(), path, body.as_ref()).await;
            assert_eq!(status, 401, "{who} {method} {path}");
        }
        assert_eq!(nobody.get("/users/current").await.0, 401);
        assert_eq!(nobody.get("/ping").await.0, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_project_is_404_for_admins_and_refused_for_others() {
    for (who, expected) in [("admin", 404), ("alice", 403), ("anonymous", 401)] {
        let caller = Caller::new(who).await;
        assert_eq!(caller.get("/projects/nope").await.0, expected, "{who}");
        assert_eq!(
            caller.get("/projects/nope/members").await.0,
            expected,
            "{who}"
        );
        // The webhook policy read looks the project up first: 404 for everybody.
        assert_eq!(
            caller.get("/projects/nope/webhook/policies/1").await.0,
            404,
            "{who}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_and_permissions_are_reported_consistently() {
    let alice = Caller::new("alice").await;
    let (_, projects) = alice.get("/projects").await;
    let role_of = |name: &str| {
        projects
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["name"] == name)
            .map(|p| {
                (
                    p["current_user_role_id"].clone(),
                    p["current_user_role_ids"].clone(),
                )
            })
    };
    assert_eq!(
        role_of("library"),
        Some((json!(2), json!([2]))),
        "developer"
    );
    assert_eq!(role_of("demo"), Some((json!(4), json!([4]))), "maintainer");

    let frank = Caller::new("frank").await;
    let (_, projects) = frank.get("/projects").await;
    assert_eq!(projects.as_array().unwrap().len(), 1, "{projects}");
    // No role: `current_user_role_id` left out (0 is go-swagger's `omitempty`), the ids null.
    assert!(projects[0].get("current_user_role_id").is_none());
    assert_eq!(projects[0]["current_user_role_ids"], Value::Null);
    assert_eq!(frank.get("/search?q=demo").await.1["project"], json!([]));

    let relative = |perms: &Value| -> Vec<String> {
        perms
            .as_array()
            .unwrap()
            .iter()
            .map(|p| {
                format!(
                    "{}:{}",
                    p["resource"].as_str().unwrap(),
                    p["action"].as_str().unwrap()
                )
            })
            .collect()
    };
    let bob = Caller::new("bob").await;
    let (status, perms) = bob
        .get("/users/current/permissions?scope=/project/2&relative=true")
        .await;
    assert_eq!(status, 200);
    let bob_perms = relative(&perms);
    for granted in [
        ".:read",
        "repository:push",
        "artifact:create",
        "member:list",
    ] {
        assert!(
            bob_perms.iter().any(|p| p == granted),
            "{granted} in {bob_perms:?}"
        );
    }
    for refused in [".:delete", "repository:delete", "member:create"] {
        assert!(
            !bob_perms.iter().any(|p| p == refused),
            "{refused} in {bob_perms:?}"
        );
    }
    // What the endpoint says is what the access check does.
    assert_eq!(bob.status(Method::DELETE, REPO, None).await, 403);
    assert_eq!(
        bob.status(Method::PUT, REPO, Some(&json!({"description": "mine"})))
            .await,
        200
    );

    let (_, absolute) = bob.get("/users/current/permissions?scope=/project/2").await;
    assert!(
        relative(&absolute)
            .iter()
            .any(|p| p == "/project/2/repository:push"),
        "{absolute}"
    );
    let erin = Caller::new("erin").await;
    let erin_perms = relative(
        &erin
            .get("/users/current/permissions?scope=/project/2&relative=true")
            .await
            .1,
    );
    assert!(
        !erin_perms.iter().any(|p| p.starts_with("member:")),
        "{erin_perms:?}"
    );
    assert!(
        erin_perms.iter().any(|p| p == "repository:pull"),
        "{erin_perms:?}"
    );
    assert_eq!(
        bob.get("/users/current/permissions?scope=/system").await.1,
        json!([])
    );
    let admin = Caller::new("admin").await;
    let (_, system) = admin.get("/users/current/permissions?scope=/system").await;
    assert!(
        relative(&system).iter().any(|p| p == "registry:create"),
        "{system}"
    );
    assert_eq!(
        Caller::new("anonymous")
            .await
            .get("/users/current/permissions")
            .await
            .0,
        401
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn system_robot_is_limited_to_its_access_list() {
    let reader = Caller::new("reader").await;
    assert_eq!(reader.get("/registries").await.0, 200);
    assert_eq!(reader.get("/registries/1").await.0, 200);
    assert_eq!(reader.get("/replication/policies").await.0, 200);
    assert_eq!(
        reader.status(Method::DELETE, "/registries/1", None).await,
        403
    );
    assert_eq!(reader.get("/replication/executions").await.0, 403);
    let (status, body) = reader.get("/users").await;
    assert_eq!(status, 403);
    assert_eq!(
        body,
        json!({"errors": [{"code": "FORBIDDEN", "message": "robot$registry-reader"}]}),
        "Harbor names the caller in a system 403"
    );
    // Its project entry covers library only.
    let (_, projects) = reader.get("/projects").await;
    assert_eq!(projects.as_array().unwrap().len(), 1, "{projects}");
    assert_eq!(reader.get("/projects/demo/repositories").await.0, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn labels_and_robots_are_checked_by_their_own_scope() {
    let alice = Caller::new("alice").await;
    // A global label is a system resource: reading one by id is the administrators'.
    assert_eq!(alice.get("/labels/1").await.0, 403);
    // A project label of demo is readable by its maintainer.
    assert_eq!(alice.get("/labels/2").await.0, 200);
    assert_eq!(alice.get("/labels/999").await.0, 404, "looked up first");
    // Global labels are listed for anybody; project labels by the project's members.
    assert_eq!(alice.get("/labels?scope=g").await.0, 200);
    assert_eq!(alice.get("/labels?scope=p&project_id=2").await.0, 200);
    let frank = Caller::new("frank").await;
    assert_eq!(frank.get("/labels?scope=p&project_id=2").await.0, 403);
    // A system robot is a system resource; a user may not read it, nor delete herself.
    assert_eq!(alice.get("/robots/1").await.0, 403);
    assert_eq!(frank.get("/users/current").await.0, 200);
    let admin = Caller::new("admin").await;
    assert_eq!(admin.status(Method::DELETE, "/users/1", None).await, 403);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn statistics_and_summaries_show_what_the_caller_may_see() {
    let alice = Caller::new("alice").await;
    let (_, stats) = alice.get("/statistics").await;
    assert_eq!(
        stats["private_project_count"], 1,
        "demo, where she is a member"
    );
    assert_eq!(stats["public_project_count"], 1);
    assert_eq!(stats["total_project_count"], 0, "totals are the admins'");
    let frank = Caller::new("frank").await;
    assert_eq!(frank.get("/statistics").await.1["private_project_count"], 0);
    let admin = Caller::new("admin").await;
    assert_eq!(admin.get("/statistics").await.1["total_project_count"], 2);

    // A guest of library sees its member counts; an outsider only what is public.
    let carol = Caller::new("carol").await;
    let (_, summary) = carol.get("/projects/library/summary").await;
    assert!(summary.get("guest_count").is_some(), "{summary}");
    let (status, summary) = frank.get("/projects/library/summary").await;
    assert_eq!(status, 200);
    assert!(summary.get("guest_count").is_none(), "{summary}");
    assert!(summary.get("quota").is_none(), "{summary}");
    assert_eq!(summary["repo_count"], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_robot_creates_robots_only_within_its_own_access() {
    let admin = Caller::new("admin").await;
    let (status, maker) = admin
        .send(
            Method::POST,
            "/robots",
            Some(&json!({"name": "maker", "level": "system", "duration": -1, "permissions": [
                {"kind": "system", "namespace": "/", "access": [{"resource": "robot", "action": "create"}]},
                {"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]},
            ]})),
        )
        .await;
    assert_eq!(status, 201, "{maker}");
    let client = Client::new();
    let as_maker = |body: Value| {
        client
            .post(format!("{}/robots", admin.sim.api_url()))
            .basic_auth("robot$maker", maker["secret"].as_str())
            .json(&body)
            .send()
    };
    let robot = |name: &str, action: &str| {
        json!({"name": name, "level": "system", "duration": -1, "permissions": [
            {"kind": "project", "namespace": "library", "access": [{"resource": "repository", "action": action}]},
        ]})
    };
    let narrower = as_maker(robot("pull-library", "pull")).await.unwrap();
    assert_eq!(narrower.status(), 201);
    let wider = as_maker(robot("push-library", "push")).await.unwrap();
    assert_eq!(wider.status(), 403);
    let body: Value = wider.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "DENIED", "{body}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retention_policies_are_checked_by_their_project() {
    // The demo's retention policy (id 1) is scoped to library: its developer may read it
    // (developers manage tag retention in Harbor), a user outside library may not.
    let alice = Caller::new("alice").await;
    assert_eq!(alice.get("/retentions/1").await.0, 200);
    let (status, body) = Caller::new("frank").await.get("/retentions/1").await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(
        Caller::new("anonymous").await.get("/retentions/1").await.0,
        401
    );
    assert_eq!(Caller::new("admin").await.get("/retentions/1").await.0, 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_admins_create_projects_while_creation_is_restricted() {
    // Harbor's own API test `test_edit_project_creation.py` walks the same steps.
    let admin = Caller::new("admin").await;
    let client = Client::new();
    let create = |user: &'static str, secret: &'static str, name: &'static str| {
        client
            .post(format!("{}/projects", admin.sim.api_url()))
            .basic_auth(user, Some(secret))
            .json(&json!({"project_name": name, "metadata": {"public": "false"}}))
            .send()
    };
    let restrict = async |to: &str| {
        let body = json!({"project_creation_restriction": to});
        admin
            .send(Method::PUT, "/configurations", Some(&body))
            .await
            .0
    };
    assert_eq!(restrict("adminonly").await, 200);
    let refused = create("frank", SEED_USER_PASSWORD, "franks").await.unwrap();
    assert_eq!(refused.status(), 403);
    assert_eq!(
        refused.text().await.unwrap().trim_end(),
        r#"{"errors":[{"code":"FORBIDDEN","message":"Only system admin can create project"}]}"#
    );
    let by_admin = create("admin", "Harbor12345", "admins").await.unwrap();
    assert_eq!(by_admin.status(), 201);

    assert_eq!(restrict("everyone").await, 200);
    let allowed = create("frank", SEED_USER_PASSWORD, "franks").await.unwrap();
    assert_eq!(allowed.status(), 201);
}
