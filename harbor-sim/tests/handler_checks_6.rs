//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for the rest of `project.go`
//! (list, get, head, delete, summary, scanner, artifacts), `quota.go`'s list and get, and
//! the rest of `user.go` (current user, get, permissions, CLI secret). Each case is named by
//! its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::{SEED_PULL_ROBOT_SECRET, SEED_ROBOT_SECRET, SEED_USER_PASSWORD};
use support::checks::{
    ADMIN, BAD, case, create_project, get_json, proxy_project, run, run_as, user_id,
};

const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const PRECONDITION: StatusCode = StatusCode::PRECONDITION_FAILED;
const PULLER: (&str, &str) = ("robot$demo+puller", SEED_PULL_ROBOT_SECRET);
const CI: (&str, &str) = ("robot$ci", SEED_ROBOT_SECRET);

fn user(name: &'static str) -> (&'static str, &'static str) {
    (name, SEED_USER_PASSWORD)
}

/// A request with optional credentials: the status, the `X-Total-Count` header and the body.
async fn send(
    sim: &support::CheckedSim,
    who: Option<(&str, &str)>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Option<String>, String) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sim.api_url()));
    if let Some((name, password)) = who {
        request = request.basic_auth(name, Some(password));
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let total = response
        .headers()
        .get("X-Total-Count")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, total, response.text().await.expect("a body"))
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

/// `GET path` as `who` (anonymous with `None`), which must answer 200 with JSON.
async fn get_as(sim: &support::CheckedSim, who: Option<(&str, &str)>, path: &str) -> Value {
    let (status, _, text) = send(sim, who, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
    parsed(&text)
}

/// The `name` of every entry of a list.
fn names(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

/// The project named `name` in a list.
fn entry<'a>(list: &'a Value, name: &str) -> &'a Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|p| p["name"] == name)
        .unwrap_or_else(|| panic!("{name} listed in {list}"))
}

/// Creates a project as `who`; its id from `Location`.
async fn project_as(sim: &support::CheckedSim, who: (&str, &str), name: &str) -> i64 {
    let (status, location, text) = support::send_as(
        sim,
        who,
        Method::POST,
        "/projects",
        Some(json!({"project_name": name})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location naming the project")
}

#[tokio::test]
async fn project_list_order_and_sort() {
    let sim = support::start().await;
    // Created after `library` and `demo`, in an order that is not the names'.
    create_project(&sim, "zeta").await;
    create_project(&sim, "alpha").await;
    // LP2: by name without `sort`, whatever the ids.
    let all = get_json(&sim, "/projects").await;
    assert_eq!(names(&all), ["alpha", "demo", "library", "zeta"], "LP2");
    let page = get_json(&sim, "/projects?page=2&page_size=2").await;
    assert_eq!(
        names(&page),
        ["library", "zeta"],
        "LP2: a page of the name order"
    );
    let filtered = get_json(&sim, "/projects?name=A").await;
    assert_eq!(
        names(&filtered),
        ["alpha", "library", "zeta"],
        "LP2 with LP1"
    );
    // Another caller's list is in the name order too (public and member projects).
    let alice = get_as(&sim, Some(user("alice")), "/projects").await;
    assert_eq!(names(&alice), ["demo", "library"], "LP2");
    // LP3: `sort` on the table's columns, by column or field name.
    for (sort, want) in [
        ("-name", vec!["zeta", "library", "demo", "alpha"]),
        ("-project_id", vec!["alpha", "zeta", "demo", "library"]),
        ("ProjectID", vec!["library", "demo", "zeta", "alpha"]),
        // Not a column: ignored, the default order stays.
        ("-repo_count", vec!["alpha", "demo", "library", "zeta"]),
        (
            "nonsense,-owner_name",
            vec!["alpha", "demo", "library", "zeta"],
        ),
    ] {
        let sorted = get_json(&sim, &format!("/projects?sort={sort}")).await;
        assert_eq!(names(&sorted), want, "LP3: sort={sort}");
    }
}

#[tokio::test]
async fn project_list_filters_and_callers() {
    let sim = support::start().await;
    project_as(&sim, user("alice"), "alices").await;
    // LP4: `owner` is the owner's exact name.
    let owned = get_json(&sim, "/projects?owner=alice").await;
    assert_eq!(names(&owned), ["alices"], "LP4");
    let partial = get_json(&sim, "/projects?owner=ali").await;
    assert_eq!(partial, json!([]), "LP4: no fuzzy match");
    // LP9: `q` on `public`, `owner` and the table's columns; the parameters replace `q`'s
    // keys; any other key is skipped.
    for (query, want) in [
        ("q=public%3Dtrue", vec!["library"]),
        ("q=Public%3D1", vec!["library"]),
        ("q=public%3Dfalse", vec!["alices", "demo"]),
        ("q=public%3D~true", vec!["alices", "demo"]),
        ("q=owner%3Dalice", vec!["alices"]),
        ("q=owner%3D~alice", vec!["alices", "demo", "library"]),
        ("q=owner%3Dalice&owner=admin", vec!["demo", "library"]),
        ("q=name%3D~LIB", vec!["library"]),
        ("q=name%3Dlib", vec![]),
        ("q=name%3Dlibrary&name=a", vec!["alices", "library"]),
        ("q=ProjectID%3D2", vec!["demo"]),
        ("q=repo_count%3D2", vec!["alices", "demo", "library"]),
        ("q=public%3Dtrue&public=false", vec!["alices", "demo"]),
    ] {
        let found = get_json(&sim, &format!("/projects?{query}")).await;
        assert_eq!(names(&found), want, "LP9: {query}");
    }
    let anonymous = get_as(&sim, None, "/projects?q=public%3Dfalse").await;
    assert_eq!(names(&anonymous), ["library"], "LP9: forced public");
    let alice = get_as(&sim, Some(user("alice")), "/projects?q=public%3Dfalse").await;
    assert_eq!(names(&alice), ["alices", "demo"], "LP9: her private ones");
    // LP5: an anonymous caller asking for private projects gets none.
    let (status, total, text) = send(&sim, None, Method::GET, "/projects?public=false", None).await;
    assert_eq!(status, StatusCode::OK, "LP5: {text}");
    assert_eq!(parsed(&text), json!([]), "LP5");
    assert_eq!(total.as_deref(), Some("0"), "LP5");
    let public = get_as(&sim, None, "/projects").await;
    assert_eq!(names(&public), ["library"], "LP5: the public ones");
    // LP6: without details no metadata, no owner name, an unloaded allowlist.
    let plain = get_json(&sim, "/projects?with_detail=false&name=demo").await;
    let demo = entry(&plain, "demo");
    assert!(demo.get("metadata").is_none(), "LP6: {demo}");
    assert!(demo.get("owner_name").is_none(), "LP6: {demo}");
    assert_eq!(
        demo["cve_allowlist"],
        json!({"items": null, "creation_time": "0001-01-01T00:00:00.000Z", "update_time": "0001-01-01T00:00:00.000Z"}),
        "LP6"
    );
    assert_eq!(
        demo["current_user_role_ids"],
        json!([1]),
        "LP6: roles still"
    );
    let detailed = get_json(&sim, "/projects?name=demo").await;
    let demo = entry(&detailed, "demo");
    assert_eq!(demo["owner_name"], "admin", "LP6: the default has details");
    assert_eq!(demo["metadata"]["public"], "false", "LP6");
    // LP7: without a role, `current_user_role_ids` is null and `current_user_role_id` left
    // out: a user who is no member, a robot, an anonymous caller; in a get too.
    for (who, list) in [
        (
            "frank",
            get_as(&sim, Some(user("frank")), "/projects").await,
        ),
        ("puller", get_as(&sim, Some(PULLER), "/projects").await),
        ("anonymous", get_as(&sim, None, "/projects").await),
    ] {
        let library = entry(&list, "library");
        assert_eq!(library["current_user_role_ids"], Value::Null, "LP7 {who}");
        assert!(
            library.get("current_user_role_id").is_none(),
            "LP7 {who}: {library}"
        );
    }
    // An administrator holds no role where it is no member.
    let by_alice = get_json(&sim, "/projects/alices").await;
    assert_eq!(by_alice["current_user_role_ids"], Value::Null, "LP7 admin");
    assert!(by_alice.get("current_user_role_id").is_none(), "LP7 admin");
    let got = get_as(&sim, Some(user("frank")), "/projects/library").await;
    assert_eq!(got["current_user_role_ids"], Value::Null, "LP7 get");
    assert!(got.get("current_user_role_id").is_none(), "LP7 get: {got}");
    let carol = get_as(&sim, Some(user("carol")), "/projects/demo").await;
    assert_eq!(carol["current_user_role_ids"], json!([1]), "LP7: a role");
    assert_eq!(carol["current_user_role_id"], 1, "LP7");
    // LP8: a robot sees the public projects and those its access list names, whatever the
    // access; with `public=false` only the named private ones; one covering all, all.
    let puller = get_as(&sim, Some(PULLER), "/projects").await;
    assert_eq!(names(&puller), ["demo", "library"], "LP8");
    let private = get_as(&sim, Some(PULLER), "/projects?public=false").await;
    assert_eq!(names(&private), ["demo"], "LP8");
    let ci = get_as(&sim, Some(CI), "/projects").await;
    assert_eq!(names(&ci), ["alices", "demo", "library"], "LP8");
}

#[tokio::test]
async fn project_get_head_and_lookup() {
    let sim = support::start().await;
    run(
        &sim,
        vec![
            // PG1: the project manager's messages; an id as Go prints the number.
            case("PG1", Method::GET, "/projects/99", None)
                .refused(NOT_FOUND, "project 99 not found"),
            case("PG1", Method::GET, "/projects/0099", None)
                .refused(NOT_FOUND, "project 99 not found"),
            case("PG1", Method::GET, "/projects/nope", None)
                .refused(NOT_FOUND, "project nope not found"),
            case("PG1", Method::GET, "/projects/nope/summary", None)
                .refused(NOT_FOUND, "project nope not found"),
            // PG2: a name holding a space is refused before any lookup.
            case("PG2", Method::GET, "/projects/a%20b", None)
                .refused(BAD, "invalid project name: 'a b'"),
            case("PG2", Method::DELETE, "/projects/a%20b", None)
                .refused(BAD, "invalid project name: 'a b'"),
            case("PG2", Method::GET, "/projects/a%20b/members", None)
                .refused(BAD, "invalid project name: 'a b'"),
        ],
    )
    .await;
    // HP1: `HEAD /projects?project_name=`: signed in only; 200 for a project, 404 without,
    // 400 for a name with a space (a HEAD answer has no body).
    for (who, name, want) in [
        (Some(ADMIN), "library", StatusCode::OK),
        (Some(user("frank")), "demo", StatusCode::OK),
        (Some(ADMIN), "nope", NOT_FOUND),
        (Some(ADMIN), "a%20b", BAD),
        (None, "library", StatusCode::UNAUTHORIZED),
        // go-swagger's `RequiredString`: an empty name is no name.
        (Some(ADMIN), "", StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, _, _) = send(
            &sim,
            who,
            Method::HEAD,
            &format!("/projects?project_name={name}"),
            None,
        )
        .await;
        assert_eq!(status, want, "HP1: {name} as {who:?}");
    }
    let (status, _, _) = send(&sim, Some(ADMIN), Method::HEAD, "/projects", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "HP1: no name");
}

#[tokio::test]
async fn project_delete_and_deletable() {
    let sim = support::start().await;
    let message = "the project contains repositories, can not be deleted";
    run(
        &sim,
        vec![
            // PD1: a project holding repositories.
            case("PD1", Method::DELETE, "/projects/library", None).refused(PRECONDITION, message),
        ],
    )
    .await;
    // PD2: `deletable` is left out when false.
    let library = get_json(&sim, "/projects/library/_deletable").await;
    assert_eq!(library, json!({"message": message}), "PD2");
    let id = project_as(&sim, ADMIN, "gone").await;
    let gone = get_json(&sim, "/projects/gone/_deletable").await;
    assert_eq!(gone, json!({"deletable": true}), "PD2: no message");
    // PD3: deleting takes the project's quota and preheat policies; its name is free again.
    let quotas = get_json(&sim, &format!("/quotas?reference_id={id}")).await;
    assert_eq!(quotas.as_array().map(Vec::len), Some(1), "PD3: {quotas}");
    let policies = "/projects/gone/preheat/policies";
    run(
        &sim,
        vec![
            case(
                "setup",
                Method::POST,
                policies,
                Some(json!({"name": "warm", "project_id": id, "provider_id": 1, "filters": "[]", "trigger": "{\"type\":\"manual\"}", "enabled": true})),
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
    assert_eq!(names(&get_json(&sim, policies).await), ["warm"], "PD3");
    let (status, location, text) = support::send_as(
        &sim,
        ADMIN,
        Method::POST,
        "/robots",
        Some(json!({"name": "puller", "level": "project", "duration": -1, "permissions": [
            {"kind": "project", "namespace": "gone", "access": [{"resource": "repository", "action": "pull"}]},
        ]})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let robot = location
        .and_then(|l| l.rsplit('/').next().map(str::to_owned))
        .expect("a Location");
    run(
        &sim,
        vec![case("PD3", Method::DELETE, "/projects/gone", None)],
    )
    .await;
    let quotas = get_json(&sim, &format!("/quotas?reference_id={id}")).await;
    assert_eq!(quotas, json!([]), "PD3: the quota went with it");
    let (status, _, _) = send(
        &sim,
        Some(ADMIN),
        Method::GET,
        &format!("/robots/{robot}"),
        None,
    )
    .await;
    assert_eq!(status, NOT_FOUND, "PD3: the robot went with it");
    let again = project_as(&sim, ADMIN, "gone").await;
    assert_ne!(again, id, "PD3: a new project");
    assert_eq!(
        get_json(&sim, policies).await,
        json!([]),
        "PD3: the old project's policies went with it"
    );
}

#[tokio::test]
async fn project_summary() {
    let sim = support::start().await;
    // PS1: member counts of roles nobody holds are left out. `library`: the admin (project
    // administrator), alice (developer), carol (guest).
    let library = get_json(&sim, "/projects/library/summary").await;
    assert_eq!(library["project_admin_count"], 1, "PS1: {library}");
    assert_eq!(library["developer_count"], 1, "PS1");
    assert_eq!(library["guest_count"], 1, "PS1");
    for omitted in ["maintainer_count", "limited_guest_count", "registry"] {
        assert!(
            library.get(omitted).is_none(),
            "PS1: {omitted} in {library}"
        );
    }
    assert_eq!(library["repo_count"], 2, "PS1");
    assert_eq!(
        library["quota"],
        json!({"hard": {"storage": -1}, "used": library["quota"]["used"]}),
        "PS2"
    );
    // PS2: no quota while quotas per project are disabled.
    sim.handle().with_state(|s| {
        s.configurations
            .insert("quota_per_project_enable".into(), json!(false));
    });
    let without = get_json(&sim, "/projects/library/summary").await;
    assert!(without.get("quota").is_none(), "PS2: {without}");
    // PS3: a proxy-cache project's registry, without its credential.
    proxy_project(&sim, "cache").await;
    let upstream = get_json(&sim, "/projects/cache").await["registry_id"].clone();
    let cache = get_json(&sim, "/projects/cache/summary").await;
    let registry = &cache["registry"];
    assert_eq!(registry["id"], upstream, "PS3: {cache}");
    let stored = get_json(&sim, &format!("/registries/{upstream}")).await;
    assert!(stored.get("credential").is_some(), "PS3: {stored}");
    assert!(registry.get("credential").is_none(), "PS3: {registry}");
    assert_eq!(registry["name"], stored["name"], "PS3");
}

/// The uuid of the scanner named `name`.
async fn scanner_uuid(sim: &support::CheckedSim, name: &str) -> String {
    let all = get_json(sim, "/scanners").await;
    entry(&all, name)["uuid"]
        .as_str()
        .expect("a uuid")
        .to_owned()
}

#[tokio::test]
async fn project_scanner() {
    let sim = support::start().await;
    let trivy = scanner_uuid(&sim, "Trivy").await;
    sim.handle()
        .with_state(|s| s.reachability.allow("s1.example.com"));
    let (status, _, text) = send(
        &sim,
        Some(ADMIN),
        Method::POST,
        "/scanners",
        Some(json!({"name": "s1", "url": "http://s1.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let s1 = scanner_uuid(&sim, "s1").await;
    run(
        &sim,
        vec![
            case(
                "PSC1",
                Method::PUT,
                "/projects/demo/scanner",
                Some(json!({"uuid": s1})),
            ),
            // PSC1: any id is stored, unlooked-up.
            case(
                "PSC1",
                Method::PUT,
                "/projects/library/scanner",
                Some(json!({"uuid": "no-such-scanner"})),
            ),
            // PSC2: an empty id, the controller's uncoded error.
            case(
                "PSC2",
                Method::PUT,
                "/projects/library/scanner",
                Some(json!({"uuid": ""})),
            )
            .uncoded("missing scanner UUID"),
            // No `uuid` at all: go-swagger's body validation (the model's list inside the
            // parameters' list).
            case(
                "PSC2",
                Method::PUT,
                "/projects/library/scanner",
                Some(json!({})),
            )
            .refused_as(
                StatusCode::UNPROCESSABLE_ENTITY,
                "UNPROCESSABLE_ENTITY",
                "validation failure list:\nvalidation failure list:\nuuid in body is required",
            ),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/projects/demo/scanner").await["uuid"],
        json!(s1),
        "PSC1"
    );
    assert_eq!(
        get_json(&sim, "/projects/library/scanner").await["uuid"],
        json!(trivy),
        "PSC1: an unknown registration reads as the default"
    );
    // PSC4: the candidates, the default first, then the newest; `sort` ignored; `q` on the
    // registration's columns.
    for query in ["", "?sort=name", "?sort=-is_default"] {
        let candidates = get_json(&sim, &format!("/projects/demo/scanner/candidates{query}")).await;
        assert_eq!(names(&candidates), ["Trivy", "s1"], "PSC4 {query}");
    }
    let found = get_json(&sim, "/projects/demo/scanner/candidates?q=name%3D~S1").await;
    assert_eq!(names(&found), ["s1"], "PSC4: q, any case");
}

#[tokio::test]
async fn project_scanner_when_none_is_configured() {
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "no_scanner").await;
    create_project(&sim, "bare").await;
    // PSC3: neither the project's nor a default registration: 200 and no body.
    let (status, _, text) = send(
        &sim,
        Some(ADMIN),
        Method::GET,
        "/projects/bare/scanner",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "PSC3");
    assert_eq!(text, "", "PSC3");
}

#[tokio::test]
async fn project_artifacts_latest_in_repository() {
    let sim = support::start().await;
    let message = "bad request: either 'media_type' or 'artifact_type' must be specified, but not both, when querying with latest_in_repository";
    let path = "/projects/library/artifacts?latest_in_repository=true";
    run(
        &sim,
        vec![
            // PA1: exactly one of the two keys of `q`.
            case("PA1", Method::GET, path, None).refused(BAD, message),
            case(
                "PA1",
                Method::GET,
                &format!("{path}&q=media_type%3Dx,artifact_type%3Dy"),
                None,
            )
            .refused(BAD, message),
            case(
                "PA1",
                Method::GET,
                &format!("{path}&q=media_type%3Dx"),
                None,
            ),
            case("PA1", Method::GET, "/projects/library/artifacts", None),
        ],
    )
    .await;
    let ids = |list: &Value| -> Vec<i64> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|a| a["id"].as_i64().expect("an id"))
            .collect()
    };
    // PA2: newest first across the project's repositories (nginx 1.27, nginx latest and
    // alpine were pushed in that order).
    let all = ids(&get_json(&sim, "/projects/library/artifacts").await);
    assert_eq!(all.len(), 3, "PA2");
    assert!(all.windows(2).all(|w| w[0] > w[1]), "PA2: {all:?}");
    // PA3: per repository the latest of the kind; the rest of `q` is not read. A `+` in
    // `q` is written `%252B` (Harbor unescapes `q` once more).
    let image = "application%2Fvnd.docker.container.image.v1%252Bjson";
    for key in ["media_type", "artifact_type"] {
        let mut latest = ids(&get_json(
            &sim,
            &format!("{path}&q={key}%3D{image},digest%3Dsha256:none"),
        )
        .await);
        // Harbor's SQL has no order.
        latest.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(latest, [all[0], all[1]], "PA3: {key}");
    }
    let none = get_json(&sim, &format!("{path}&q=media_type%3Dapplication%2Fx")).await;
    assert_eq!(none, json!([]), "PA3: no artifact of the kind");
}

#[tokio::test]
async fn quota_list_and_get() {
    let sim = support::start().await;
    let alices = project_as(&sim, user("alice"), "alices").await;
    let quotas = get_json(&sim, "/quotas").await;
    let ids: Vec<i64> = quotas
        .as_array()
        .expect("a list")
        .iter()
        .map(|q| q["id"].as_i64().expect("an id"))
        .collect();
    // Q6: newest first.
    let mut newest_first = ids.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(ids, newest_first, "Q6");
    assert_eq!(ids.len(), 3, "Q6");
    let project_of = |list: &Value| -> Vec<i64> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|q| q["ref"]["id"].as_i64().expect("a project id"))
            .collect()
    };
    // Q9: the reference names the project's owner, but not the first admin (the driver's
    // user list leaves it out).
    let alice_quota = entry_by_ref(&quotas, alices);
    assert_eq!(
        alice_quota["ref"]["owner_name"], "alice",
        "Q9: {alice_quota}"
    );
    assert_eq!(alice_quota["ref"]["name"], "alices", "Q9");
    let library_ref = &entry_by_ref(&quotas, 1)["ref"];
    assert_eq!(
        library_ref,
        &json!({"id": 1, "name": "library", "owner_name": ""}),
        "Q9"
    );
    // Q7: `sort` keys of `listOrderBy`; -1 is the largest limit.
    let library_quota = entry_by_ref(&quotas, 1)["id"].clone();
    let demo_quota = entry_by_ref(&quotas, 2)["id"].clone();
    for (id, limit) in [(&library_quota, 1000), (&demo_quota, 5000)] {
        run(
            &sim,
            vec![case(
                "setup",
                Method::PUT,
                &format!("/quotas/{id}"),
                Some(json!({"hard": {"storage": limit}})),
            )],
        )
        .await;
    }
    for (sort, want) in [
        ("hard.storage", vec![1, 2, alices]),
        ("-hard.storage", vec![alices, 2, 1]),
        ("creation_time", vec![1, 2, alices]),
        // `+` written `%2B`: a bare `+` in a query is a space, an unknown key.
        ("%2Bcreation_time", vec![1, 2, alices]),
        ("+creation_time", vec![alices, 2, 1]),
        ("-creation_time", vec![alices, 2, 1]),
        // Unknown keys are dropped: the default, newest first.
        ("name,-%2Bcreation_time,%2Bhard.storage", vec![alices, 2, 1]),
    ] {
        let sorted = get_json(&sim, &format!("/quotas?sort={sort}")).await;
        assert_eq!(project_of(&sorted), want, "Q7: sort={sort}");
    }
    let by_use = get_json(&sim, "/quotas?sort=-used.storage").await;
    let used: Vec<i64> = by_use
        .as_array()
        .expect("a list")
        .iter()
        .map(|q| q["used"]["storage"].as_i64().expect("a number"))
        .collect();
    assert!(used.windows(2).all(|w| w[0] >= w[1]), "Q7: {used:?}");
    assert_eq!(project_of(&by_use)[2], alices, "Q7: the empty project last");
    // Q8: `reference` and `reference_id` compared exactly.
    for (query, want) in [
        ("reference=project", vec![alices, 2, 1]),
        ("reference=Project", vec![]),
        ("reference=repository", vec![]),
        ("reference_id=2", vec![2]),
        ("reference_id=02", vec![]),
        ("reference=project&reference_id=1", vec![1]),
    ] {
        let found = get_json(&sim, &format!("/quotas?{query}")).await;
        assert_eq!(project_of(&found), want, "Q8: {query}");
    }
    run(
        &sim,
        vec![
            // Q10: no quota with the id.
            case("Q10", Method::GET, "/quotas/999", None).refused(NOT_FOUND, "quota 999 not found"),
            case(
                "Q10",
                Method::GET,
                &format!("/quotas/{library_quota}"),
                None,
            ),
        ],
    )
    .await;
}

/// The quota of project `project` in a list.
fn entry_by_ref(list: &Value, project: i64) -> &Value {
    list.as_array()
        .expect("a list")
        .iter()
        .find(|q| q["ref"]["id"] == project)
        .unwrap_or_else(|| panic!("the quota of project {project} in {list}"))
}

#[tokio::test]
async fn current_user_and_get_user() {
    let sim = support::start().await;
    let alice = user_id(&sim, "alice").await;
    let bob = user_id(&sim, "bob").await;
    // U23: a robot has no user record; an anonymous caller is refused first.
    run_as(
        &sim,
        PULLER,
        vec![case("U23", Method::GET, "/users/current", None).refused(
            PRECONDITION,
            "get current user not available for security context: robot",
        )],
    )
    .await;
    let (status, _, _) = send(&sim, None, Method::GET, "/users/current", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "U23");
    // U24: the empty strings of a user are left out, the two flags never.
    let me = get_as(&sim, Some(user("alice")), "/users/current").await;
    assert!(me.get("comment").is_none(), "U24: {me}");
    assert_eq!(me["sysadmin_flag"], false, "U24");
    assert_eq!(me["admin_role_in_auth"], false, "U24");
    assert_eq!(me["username"], "alice", "U24");
    for path in [
        format!("/users/{alice}"),
        "/users?username=alice".to_owned(),
    ] {
        let got = get_json(&sim, &path).await;
        let got = if got.is_array() { got[0].clone() } else { got };
        assert!(got.get("comment").is_none(), "U24 {path}: {got}");
        assert_eq!(got["sysadmin_flag"], false, "U24 {path}");
    }
    // U25: another user's record needs the system permission to read users.
    run_as(
        &sim,
        user("alice"),
        vec![
            case("U25", Method::GET, &format!("/users/{bob}"), None).refused(FORBIDDEN, "alice"),
            case("U25", Method::GET, &format!("/users/{alice}"), None),
        ],
    )
    .await;
    run(
        &sim,
        vec![case("U25", Method::GET, "/users/999", None).refused(NOT_FOUND, "user 999 not found")],
    )
    .await;
}

#[tokio::test]
async fn cli_secret_under_oidc() {
    let sim = support::start().await;
    let alice = user_id(&sim, "alice").await;
    let bob = user_id(&sim, "bob").await;
    let good = json!({"secret": "Secret1234"});
    // U26: outside OIDC the auth mode is refused first, whoever asks for whom.
    run_as(
        &sim,
        user("alice"),
        vec![
            case(
                "U26",
                Method::PUT,
                &format!("/users/{bob}/cli_secret"),
                Some(good.clone()),
            )
            .refused(
                PRECONDITION,
                "unable to update CLI secret under authmode: db_auth",
            ),
        ],
    )
    .await;
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("oidc_auth"));
    });
    run_as(
        &sim,
        user("alice"),
        vec![
            // U26: another user's secret needs the system permission to update users.
            case(
                "U26",
                Method::PUT,
                &format!("/users/{bob}/cli_secret"),
                Some(good.clone()),
            )
            .refused(FORBIDDEN, "alice"),
            // U27: one's own: the secret is checked, then the OIDC record no database user
            // has.
            case(
                "U27",
                Method::PUT,
                &format!("/users/{alice}/cli_secret"),
                Some(json!({"secret": "weak"})),
            )
            .refused(
                BAD,
                "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
            ),
            case(
                "U27",
                Method::PUT,
                &format!("/users/{alice}/cli_secret"),
                Some(good.clone()),
            )
            .refused(NOT_FOUND, format!("oidc info for user {alice} not found")),
        ],
    )
    .await;
    run(
        &sim,
        vec![
            case(
                "U26",
                Method::PUT,
                &format!("/users/{bob}/cli_secret"),
                Some(json!({})),
            )
            .refused(NOT_FOUND, format!("oidc info for user {bob} not found")),
        ],
    )
    .await;
    let (status, _, _) = send(
        &sim,
        None,
        Method::PUT,
        &format!("/users/{bob}/cli_secret"),
        Some(good),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "U26");
}

/// `(resource, action)` pairs of a permission list.
fn pairs(list: &Value) -> Vec<(String, String)> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|p| {
            (
                p["resource"].as_str().unwrap_or_default().to_owned(),
                p["action"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn current_user_permissions() {
    let sim = support::start().await;
    let perms = |who: Option<(&'static str, &'static str)>, query: &'static str| {
        let sim = &sim;
        async move { get_as(sim, who, &format!("/users/current/permissions{query}")).await }
    };
    // U28: no scope, or one of no namespace: nothing.
    for query in ["", "?scope=", "?scope=/projects/1", "?scope=/project/x"] {
        assert_eq!(perms(Some(ADMIN), query).await, json!([]), "U28 {query}");
    }
    // U29: the system scope: its policies by bare resource name for an administrator; none
    // for anybody else, robots included; relative to the scope, none at all.
    let system = pairs(&perms(Some(ADMIN), "?scope=/system").await);
    assert!(
        system.contains(&("catalog".into(), "read".into())),
        "U29: {system:?}"
    );
    assert!(system.iter().all(|(r, _)| !r.starts_with('/')), "U29");
    assert_eq!(
        perms(Some(ADMIN), "?scope=/system&relative=true").await,
        json!([]),
        "U29"
    );
    assert_eq!(
        perms(Some(user("alice")), "?scope=/system").await,
        json!([]),
        "U29"
    );
    assert_eq!(perms(Some(CI), "?scope=/system").await, json!([]), "U29");
    // U30: a project scope: full paths of the parsed id, or relative to the scope as
    // written (`.` for the project itself).
    let full = pairs(&perms(Some(ADMIN), "?scope=/project/1").await);
    assert!(
        full.contains(&("/project/1/repository".into(), "pull".into())),
        "U30: {full:?}"
    );
    assert!(full.contains(&("/project/1".into(), "read".into())), "U30");
    let padded = pairs(&perms(Some(ADMIN), "?scope=/project/01").await);
    assert_eq!(padded, full, "U30: /project/01 is project 1");
    assert_eq!(
        perms(Some(ADMIN), "?scope=/project/01&relative=true").await,
        json!([]),
        "U30: nothing is under /project/01"
    );
    // A scope below the project names the same namespace: every policy of the project,
    // and relative to it only the resource named (as `.`).
    let below = pairs(&perms(Some(ADMIN), "?scope=/project/1/repository").await);
    assert_eq!(below, full, "U30");
    let under = pairs(&perms(Some(ADMIN), "?scope=/project/1/repository&relative=true").await);
    assert!(!under.is_empty(), "U30");
    assert!(under.iter().all(|(r, _)| r == "."), "U30: {under:?}");
    assert!(under.contains(&(".".into(), "push".into())), "U30");
    let relative = pairs(&perms(Some(ADMIN), "?scope=/project/1&relative=true").await);
    assert!(
        relative.contains(&("repository".into(), "pull".into())),
        "U30"
    );
    assert!(relative.contains(&(".".into(), "read".into())), "U30");
    // A guest of library may pull but not push.
    let carol = pairs(&perms(Some(user("carol")), "?scope=/project/1&relative=true").await);
    assert!(carol.contains(&("repository".into(), "pull".into())), "U30");
    assert!(
        !carol.contains(&("repository".into(), "push".into())),
        "U30"
    );
}

#[tokio::test]
async fn project_logs() {
    let sim = support::start().await;
    // Rows in both projects: a tag created in each (the tag controller's event).
    for (project, repository) in [("library", "nginx"), ("demo", "team%252Fapp")] {
        let artifacts = get_json(
            &sim,
            &format!("/projects/{project}/repositories/{repository}/artifacts"),
        )
        .await;
        let digest = artifacts[0]["digest"]
            .as_str()
            .expect("a digest")
            .to_owned();
        run(
            &sim,
            vec![
                case(
                    "setup",
                    Method::POST,
                    &format!(
                        "/projects/{project}/repositories/{repository}/artifacts/{digest}/tags"
                    ),
                    Some(json!({"name": "logged"})),
                )
                .answers(StatusCode::CREATED),
            ],
        )
        .await;
    }
    let library = get_json(&sim, "/projects/library").await["project_id"].clone();
    let demo = get_json(&sim, "/projects/demo").await["project_id"].clone();
    // PL1: a project's rows only; `q`'s `project_id` is one more condition (the handler
    // sets the `ProjectID` keyword, another key), so another project's id lists none.
    let own = get_json(&sim, "/projects/library/auditlog-exts").await;
    let rows = own.as_array().expect("a list");
    assert!(!rows.is_empty(), "PL1: {own}");
    assert!(
        rows.iter().all(|r| r["resource"]
            .as_str()
            .is_some_and(|t| t.starts_with("library/"))),
        "PL1: {own}"
    );
    let widened = get_json(
        &sim,
        &format!("/projects/library/auditlog-exts?q=project_id%3D{demo}"),
    )
    .await;
    assert_eq!(widened, json!([]), "PL1: no row is in both projects");
    let same = get_json(
        &sim,
        &format!("/projects/library/auditlog-exts?q=project_id%3D{library}"),
    )
    .await;
    assert_eq!(same, own, "PL1");
    run(
        &sim,
        vec![
            // PL2: the project looked up after the access check: 404 for an administrator,
            // 400 for a name with a space.
            case("PL2", Method::GET, "/projects/nope/auditlog-exts", None)
                .refused(NOT_FOUND, "project nope not found"),
            case("PL2", Method::GET, "/projects/nope/logs", None)
                .refused(NOT_FOUND, "project nope not found"),
            case("PL2", Method::GET, "/projects/a%20b/logs", None)
                .refused(BAD, "invalid project name: 'a b'"),
        ],
    )
    .await;
    // PL3: only project administrators may list a project's logs; others 403 (401
    // anonymous), a missing project included.
    run_as(
        &sim,
        user("alice"),
        vec![
            case("PL3", Method::GET, "/projects/demo/auditlog-exts", None)
                .refused(FORBIDDEN, "forbidden"),
            case("PL3", Method::GET, "/projects/nope/logs", None).refused(FORBIDDEN, "forbidden"),
        ],
    )
    .await;
    let carol = get_as(&sim, Some(user("carol")), "/projects/demo/auditlog-exts").await;
    assert!(carol.is_array(), "PL3: carol administers demo");
}

#[tokio::test]
async fn a_deleted_owner() {
    let sim = support::start().await;
    let bobs = project_as(&sim, user("bob"), "bobs").await;
    let bob = user_id(&sim, "bob").await;
    assert_eq!(get_json(&sim, "/projects/bobs").await["owner_name"], "bob");
    run(
        &sim,
        vec![case(
            "setup",
            Method::DELETE,
            &format!("/users/{bob}"),
            None,
        )],
    )
    .await;
    // LP10: the owner's name is loaded from the live users: a deleted owner's is empty, so
    // left out, and `owner` finds none of its projects.
    let got = get_json(&sim, "/projects/bobs").await;
    assert!(got.get("owner_name").is_none(), "LP10: {got}");
    assert_eq!(got["owner_id"], bob, "LP10");
    let listed = get_json(&sim, "/projects?name=bobs").await;
    assert!(listed[0].get("owner_name").is_none(), "LP10: {listed}");
    assert_eq!(
        get_json(&sim, "/projects?owner=bob").await,
        json!([]),
        "LP10"
    );
    // Q9: and the quota's reference names nobody.
    let quota = get_json(&sim, &format!("/quotas?reference_id={bobs}")).await;
    assert_eq!(quota[0]["ref"]["owner_name"], "", "Q9: {quota}");
}

/// `GET path` as the admin: the body and `X-Total-Count`.
async fn list_with_total(sim: &support::CheckedSim, path: &str) -> (Value, Option<String>) {
    let (status, total, text) = send(sim, Some(ADMIN), Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
    (parsed(&text), total)
}

#[tokio::test]
async fn the_first_admin_in_user_lists() {
    let sim = support::start().await;
    // U31: the user list never counts the first admin, and lists it only when a key of
    // `q` is `user_id` (then the count, without it, may be 0 and the list `[]`).
    let (all, total) = list_with_total(&sim, "/users?page_size=100").await;
    assert!(!names_of(&all).contains(&"admin".to_owned()), "U31: {all}");
    assert_eq!(
        total.as_deref(),
        Some(all.as_array().map_or(0, Vec::len).to_string().as_str()),
        "U31"
    );
    let (only_admin, total) = list_with_total(&sim, "/users?q=user_id%3D1").await;
    assert_eq!(only_admin, json!([]), "U31: counted 0");
    assert_eq!(total.as_deref(), Some("0"), "U31");
    // Ids 1 to 4: the admin, Harbor's deleted `anonymous` (never listed), alice and bob.
    let (ranged, total) = list_with_total(&sim, "/users?q=user_id%3D%5B1~4%5D").await;
    assert_eq!(
        names_of(&ranged)[0],
        "admin",
        "U31: listed with a user_id key"
    );
    assert_eq!(ranged.as_array().map(Vec::len), Some(3), "U31");
    assert_eq!(total.as_deref(), Some("2"), "U31: counted without it");
    // U32: the search counts without the first admin, and with nothing counted answers
    // `[]`; the entries (the DAO's own SQL) include it.
    let (found, total) = list_with_total(&sim, "/users/search?username=admin").await;
    assert_eq!(found, json!([]), "U32");
    assert_eq!(total.as_deref(), Some("0"), "U32");
    let (found, total) = list_with_total(&sim, "/users/search?username=a").await;
    let names = names_of(&found);
    assert!(names.contains(&"admin".to_owned()), "U32: {found}");
    let counted = get_json(&sim, "/users?username=a&page_size=100").await;
    assert_eq!(
        total.as_deref(),
        Some(counted.as_array().map_or(0, Vec::len).to_string().as_str()),
        "U32: the count leaves admin out"
    );
}

/// The `username` of every entry of a user list.
fn names_of(list: &Value) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|u| u["username"].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn creating_users_outside_the_database_mode() {
    let sim = support::start().await;
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("ldap_auth"));
    });
    // U33: no local user outside `db_auth`, before the password is looked at.
    run(
        &sim,
        vec![
            case(
                "U33",
                Method::POST,
                "/users",
                Some(json!({"username": "zoe", "email": "zoe@example.com", "realname": "Zoe", "password": "weak"})),
            )
            .refused(
                FORBIDDEN,
                "creating local user is not allowed under auth mode: ldap_auth",
            ),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/users?username=zoe").await,
        json!([]),
        "U33: nobody created"
    );
}

#[tokio::test]
async fn setting_the_sysadmin_flag() {
    let sim = support::start().await;
    let alice = user_id(&sim, "alice").await;
    let path = format!("/users/{alice}/sysadmin");
    run(
        &sim,
        vec![case(
            "U35",
            Method::PUT,
            &path,
            Some(json!({"sysadmin_flag": true})),
        )],
    )
    .await;
    assert_eq!(
        get_json(&sim, &format!("/users/{alice}")).await["sysadmin_flag"],
        true
    );
    // U35: a body without the flag sets it to false (a plain boolean of the model).
    run(&sim, vec![case("U35", Method::PUT, &path, Some(json!({})))]).await;
    assert_eq!(
        get_json(&sim, &format!("/users/{alice}")).await["sysadmin_flag"],
        false,
        "U35"
    );
    // No body at all: go-swagger's 422.
    let (status, _, text) = send(&sim, Some(ADMIN), Method::PUT, &path, None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "U35: {text}");
}

#[tokio::test]
async fn no_quota_while_quotas_per_project_are_off() {
    let sim = support::start().await;
    run(
        &sim,
        vec![case(
            "setup",
            Method::PUT,
            "/configurations",
            Some(json!({"quota_per_project_enable": false})),
        )],
    )
    .await;
    // PC16: a project created meanwhile has no quota at all, whatever limit is asked.
    let (status, location, text) = support::send_as(
        &sim,
        ADMIN,
        Method::POST,
        "/projects",
        Some(json!({"project_name": "free", "storage_limit": 1024})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let id = location
        .and_then(|l| l.rsplit('/').next().map(str::to_owned))
        .expect("a Location");
    let quotas = get_json(&sim, &format!("/quotas?reference_id={id}")).await;
    assert_eq!(quotas, json!([]), "PC16");
    assert_eq!(
        get_json(&sim, "/quotas").await.as_array().map(Vec::len),
        Some(2),
        "PC16: the two older projects keep theirs"
    );
    let summary = get_json(&sim, "/projects/free/summary").await;
    assert!(summary.get("quota").is_none(), "PC16: {summary}");
}

#[tokio::test]
async fn proxy_cache_registry_types() {
    let sim = support::start().await;
    sim.handle()
        .with_state(|s| s.reachability.allow("quay.example.com"));
    let (status, location, text) = support::send_as(
        &sim,
        ADMIN,
        Method::POST,
        "/registries",
        Some(json!({"name": "quay-mirror", "type": "quay", "url": "https://quay.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let quay: i64 = location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location");
    // PC15: a type the installer's list does not permit for proxy caches.
    run(
        &sim,
        vec![
            case(
                "PC15",
                Method::POST,
                "/projects",
                Some(json!({"project_name": "quay-cache", "registry_id": quay})),
            )
            .refused(BAD, "bad request: unsupported registry type quay"),
        ],
    )
    .await;
    // A permitted one (the demo's Docker Hub registry).
    proxy_project(&sim, "hub-cache").await;
}

#[tokio::test]
async fn the_severity_as_answered() {
    let sim = support::start().await;
    // PR3: create and update store `severity` as sent; a project is answered with it as a
    // CVSS v3 rating in lower case.
    run(
        &sim,
        vec![
            case(
                "setup",
                Method::POST,
                "/projects",
                Some(json!({"project_name": "rated", "metadata": {"severity": "HIGH"}})),
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let severity = |doc: &Value| doc["metadata"]["severity"].clone();
    assert_eq!(
        severity(&get_json(&sim, "/projects/rated").await),
        "high",
        "PR3"
    );
    for (sent, answered) in [
        ("negligible", "none"),
        ("Critical", "critical"),
        ("bogus", "unknown"),
    ] {
        run(
            &sim,
            vec![case(
                "setup",
                Method::PUT,
                "/projects/rated",
                Some(json!({"metadata": {"severity": sent}})),
            )],
        )
        .await;
        assert_eq!(
            severity(&get_json(&sim, "/projects/rated").await),
            answered,
            "PR3: {sent}"
        );
        let listed = get_json(&sim, "/projects?name=rated").await;
        assert_eq!(severity(&listed[0]), answered, "PR3: listed, {sent}");
        let found = get_json(&sim, "/search?q=rated").await;
        assert_eq!(
            severity(&found["project"][0]),
            answered,
            "PR3: searched, {sent}"
        );
    }
}
