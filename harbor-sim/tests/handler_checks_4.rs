//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for `search.go`, `statistic.go`,
//! `systeminfo.go`, `security.go`, `permissions.go`, `auditlog.go` and the fields every project
//! answer leaves out (`project.go`). Each case is named by its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::{SEED_PULL_ROBOT_SECRET, SEED_USER_PASSWORD};
use support::checks::{ADMIN, case, create_project, get_json, run, run_as, send};

const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const UNAUTHORIZED: StatusCode = StatusCode::UNAUTHORIZED;
const PULLER: (&str, &str) = ("robot$demo+puller", SEED_PULL_ROBOT_SECRET);
const GO_ZERO_TIME: &str = "0001-01-01T00:00:00.000Z";

fn user(name: &'static str) -> (&'static str, &'static str) {
    (name, SEED_USER_PASSWORD)
}

/// A JSON read as `who`, 200 expected.
async fn get_as(sim: &support::CheckedSim, who: (&str, &str), path: &str) -> Value {
    let (status, _, text) = support::send_as(sim, who, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path} as {}: {text}", who.0);
    serde_json::from_str(&text).expect("JSON")
}

/// A read without credentials: the status and body.
async fn get_anonymous(sim: &support::CheckedSim, path: &str) -> (StatusCode, Value) {
    let response = reqwest::get(format!("{}{path}", sim.api_url()))
        .await
        .expect("the simulator answers");
    let status = response.status();
    let text = response.text().await.expect("a body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

fn names(list: &Value, field: &str) -> Vec<String> {
    list.as_array()
        .expect("a list")
        .iter()
        .map(|e| e[field].as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test]
async fn search_checks() {
    let sim = support::start().await;
    // Created after `library` (1) and `demo` (2): ids do not follow the names.
    create_project(&sim, "zeta").await;
    create_project(&sim, "alpha").await;

    // SR1: a project's name holds `q` in the asked case; SR2: a repository's full name in
    // any case; SR3: projects by name; SR4: repositories newest first.
    let found = get_json(&sim, "/search?q=a").await;
    assert_eq!(
        names(&found["project"], "name"),
        ["alpha", "library", "zeta"],
        "SR1, SR3"
    );
    assert_eq!(
        names(&found["repository"], "repository_name"),
        ["demo/team/app", "library/alpine", "library/nginx"],
        "SR2, SR4"
    );
    let found = get_json(&sim, "/search?q=LIB").await;
    assert_eq!(found["project"], json!([]), "SR1: the asked case");
    assert_eq!(
        names(&found["repository"], "repository_name"),
        ["library/alpine", "library/nginx"],
        "SR2: the project part of the full name, in any case; SR4"
    );
    assert_eq!(
        found["repository"][1],
        json!({"project_id": 1, "project_name": "library", "project_public": true,
            "repository_name": "library/nginx", "artifact_count": 2}),
        "SR7"
    );

    // SR5: a local user sees public projects and its own; a robot and an anonymous caller
    // only public ones, whatever the robot's access.
    let by_alice = get_as(&sim, user("alice"), "/search?q=app").await;
    assert_eq!(
        names(&by_alice["repository"], "repository_name"),
        ["demo/team/app"],
        "SR5"
    );
    for who in [user("frank"), PULLER] {
        let found = get_as(&sim, who, "/search?q=e").await;
        assert_eq!(
            names(&found["project"], "name"),
            ["zeta"; 0],
            "SR5: {}",
            who.0
        );
        let found = get_as(&sim, who, "/search?q=m").await;
        assert_eq!(
            names(&found["project"], "name"),
            ["library"; 0],
            "SR5: {}",
            who.0
        );
        let found = get_as(&sim, who, "/search?q=r").await;
        assert_eq!(
            names(&found["project"], "name"),
            ["library"],
            "SR5: {}",
            who.0
        );
        assert_eq!(
            get_as(&sim, who, "/search?q=app").await["repository"],
            json!([]),
            "SR5: {}",
            who.0
        );
    }
    let (status, found) = get_anonymous(&sim, "/search?q=r").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        names(&found["project"], "name"),
        ["library"],
        "SR5: anonymous"
    );

    // SR6: the project entry as `ToSwagger` writes a project listed without owner and
    // allowlist; the caller's roles for a local user only.
    let by_alice = get_as(&sim, user("alice"), "/search?q=library").await["project"][0].clone();
    let created = by_alice["creation_time"].clone();
    let updated = by_alice["update_time"].clone();
    assert_eq!(
        by_alice,
        json!({
            "project_id": 1, "owner_id": 1, "name": "library",
            "creation_time": created, "update_time": updated,
            "repo_count": 2, "metadata": {"public": "true", "retention_id": "1"},
            "current_user_role_id": 2, "current_user_role_ids": [2],
            "cve_allowlist": {"items": null, "creation_time": GO_ZERO_TIME, "update_time": GO_ZERO_TIME},
        }),
        "SR6, SR8"
    );
    for who in [user("frank"), PULLER] {
        let entry = get_as(&sim, who, "/search?q=library").await["project"][0].clone();
        assert_eq!(
            entry["current_user_role_ids"],
            Value::Null,
            "SR6: {}",
            who.0
        );
        assert!(
            entry.get("current_user_role_id").is_none(),
            "SR6: {}",
            who.0
        );
    }
    let (_, anonymous) = get_anonymous(&sim, "/search?q=library").await;
    assert_eq!(
        anonymous["project"][0]["current_user_role_ids"],
        Value::Null
    );
    let zeta = get_json(&sim, "/search?q=zeta").await["project"][0].clone();
    assert_eq!(zeta["repo_count"], 0, "SR8: never omitted");
    for omitted in ["owner_name", "deleted", "togglable", "registry_id"] {
        assert!(zeta.get(omitted).is_none(), "SR6: {omitted} in {zeta}");
    }

    // SR9: `q` is required and may not be empty (go-swagger's `RequiredString`), so the
    // handler's "empty q matches everything" branch is never reached.
    run(
        &sim,
        vec![
            case("SR9", Method::GET, "/search", None).refused_as(
                UNPROCESSABLE,
                "UNPROCESSABLE_ENTITY",
                "validation failure list:\nq in query is required",
            ),
            case("SR9", Method::GET, "/search?q=", None).refused_as(
                UNPROCESSABLE,
                "UNPROCESSABLE_ENTITY",
                "validation failure list:\nq in query is required",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn project_answer_checks() {
    let sim = support::start().await;
    let project = get_json(&sim, "/projects/library").await;
    let listed = get_json(&sim, "/projects").await;
    // Listed by name (LP2): `demo` comes first.
    let listed = listed
        .as_array()
        .and_then(|l| l.iter().find(|p| p["name"] == "library"))
        .expect("library listed")
        .clone();
    for entry in [&project, &listed] {
        assert!(entry.get("deleted").is_none(), "PR1: {entry}");
        assert!(entry.get("togglable").is_none(), "PR1: {entry}");
        let list = &entry["cve_allowlist"];
        assert_eq!(list["creation_time"], GO_ZERO_TIME, "PR2: {list}");
        assert_eq!(list["update_time"], GO_ZERO_TIME, "PR2: {list}");
        assert_eq!(
            list["project_id"], 1,
            "PR2: the rest is the stored allowlist"
        );
    }
    // PR2: also after an update of the allowlist.
    run(
        &sim,
        vec![case(
            "PR2",
            Method::PUT,
            "/projects/library",
            Some(json!({"cve_allowlist": {"items": [{"cve_id": "CVE-2024-0001"}]}})),
        )],
    )
    .await;
    let list = get_json(&sim, "/projects/library").await["cve_allowlist"].clone();
    assert_eq!(list["items"], json!([{"cve_id": "CVE-2024-0001"}]), "PR2");
    assert_eq!(list["update_time"], GO_ZERO_TIME, "PR2");
}

#[tokio::test]
async fn statistic_checks() {
    let sim = support::start().await;
    let (status, body) = get_anonymous(&sim, "/statistics").await;
    assert_eq!(status, UNAUTHORIZED, "ST1");
    assert_eq!(
        body,
        json!({"errors": [{"code": "UNAUTHORIZED", "message": "unauthorized"}]}),
        "ST1"
    );

    // ST3: the administrator's totals; the storage is each blob once, and the images of a
    // repository share its base layer (1 KiB, `state/blobs.rs`).
    let mut artifacts: Vec<Value> = Vec::new();
    let mut storage = 0;
    for path in [
        "/projects/library/repositories/nginx/artifacts",
        "/projects/library/repositories/alpine/artifacts",
        "/projects/demo/repositories/team%252Fapp/artifacts",
    ] {
        let listed = get_json(&sim, path)
            .await
            .as_array()
            .cloned()
            .unwrap_or_default();
        let sizes: i64 = listed.iter().map(|a| a["size"].as_i64().unwrap()).sum();
        storage += sizes - 1024 * (listed.len() as i64 - 1);
        artifacts.extend(listed);
    }
    // The demo's finished scan-data export keeps its file, a system artifact, until it is
    // downloaded.
    let exports = get_json(&sim, "/export/cve/executions").await;
    let export = exports["items"][0]["id"]
        .as_i64()
        .expect("the seeded export");
    let with_file = get_json(&sim, "/statistics").await["total_storage_consumption"].clone();
    let (status, file) = send(
        &sim,
        Method::GET,
        &format!("/export/cve/download/{export}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert_eq!(
        with_file,
        storage + file.len() as i64,
        "ST3: the export's file"
    );
    let expected = json!({
        "private_project_count": 1, "private_repo_count": 1,
        "public_project_count": 1, "public_repo_count": 2,
        "total_project_count": 2, "total_repo_count": 3,
        "total_storage_consumption": storage,
    });
    assert_eq!(get_json(&sim, "/statistics").await, expected, "ST2, ST3");
    let digest = artifacts[0]["digest"].as_str().unwrap().to_owned();
    run(
        &sim,
        vec![
            case(
                "ST4",
                Method::POST,
                &format!("/projects/demo/repositories/copy/artifacts?from=library/nginx@{digest}"),
                None,
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let after = get_json(&sim, "/statistics").await;
    assert_eq!(after["total_repo_count"], 4, "ST4");
    assert_eq!(
        after["total_storage_consumption"], storage,
        "ST4: a copy shares its blobs"
    );

    // ST5: a local user counts the private projects it is a member of; totals are 0.
    assert_eq!(
        get_as(&sim, user("alice"), "/statistics").await,
        json!({
            "private_project_count": 1, "private_repo_count": 2,
            "public_project_count": 1, "public_repo_count": 2,
            "total_project_count": 0, "total_repo_count": 0,
            "total_storage_consumption": 0,
        }),
        "ST5"
    );
    // ST6: a robot is no local user: no private project, whatever its access.
    for who in [user("frank"), PULLER] {
        assert_eq!(
            get_as(&sim, who, "/statistics").await,
            json!({
                "private_project_count": 0, "private_repo_count": 0,
                "public_project_count": 1, "public_repo_count": 2,
                "total_project_count": 0, "total_repo_count": 0,
                "total_storage_consumption": 0,
            }),
            "ST6: {}",
            who.0
        );
    }
}

#[tokio::test]
async fn systeminfo_checks() {
    let sim = support::start().await;
    // SI1: an anonymous caller gets the five login-page fields only.
    let (status, info) = get_anonymous(&sim, "/systeminfo").await;
    assert_eq!(status, StatusCode::OK);
    let mut keys: Vec<&String> = info.as_object().expect("an object").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "auth_mode",
            "banner_message",
            "oidc_provider_name",
            "primary_auth_mode",
            "self_registration"
        ],
        "SI1"
    );
    // SI2: every authenticated caller, a robot too, gets the protected fields;
    // `registry_url` is the external URL after its `://`.
    for who in [ADMIN, user("frank"), PULLER] {
        let info = get_as(&sim, who, "/systeminfo").await;
        assert_eq!(info["external_url"], "http://harbor-sim.local", "SI2");
        assert_eq!(info["registry_url"], "harbor-sim.local", "SI2");
        assert_eq!(info["has_ca_root"], false, "SI3");
        assert!(info.get("authproxy_settings").is_none(), "SI4");
    }
    // SI4: under the auth proxy everybody gets its settings, empty ones left out.
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("http_auth"));
        s.configurations.insert(
            "http_authproxy_endpoint".into(),
            json!("https://auth.example.com/login"),
        );
        s.configurations
            .insert("http_authproxy_verify_cert".into(), json!(false));
        s.configurations
            .insert("http_authproxy_skip_search".into(), json!(true));
    });
    let (_, info) = get_anonymous(&sim, "/systeminfo").await;
    assert_eq!(
        info["authproxy_settings"],
        json!({"endpoint": "https://auth.example.com/login", "skip_search": true}),
        "SI4"
    );
    run(
        &sim,
        vec![
            // SI3: no CA file.
            case("SI3", Method::GET, "/systeminfo/getcert", None).refused(
                StatusCode::NOT_FOUND,
                "resource not found: cert not found in path: /etc/core/ca/ca.crt",
            ),
        ],
    )
    .await;
    run_as(
        &sim,
        user("alice"),
        vec![case("SI5", Method::GET, "/systeminfo/volumes", None).refused(FORBIDDEN, "alice")],
    )
    .await;
}

#[tokio::test]
async fn permissions_checks() {
    let sim = support::start().await;
    let (status, body) = get_anonymous(&sim, "/permissions").await;
    assert_eq!(status, UNAUTHORIZED, "PE1");
    assert_eq!(
        body,
        json!({"errors": [{"code": "UNAUTHORIZED", "message": ""}]}),
        "PE1: the anonymous caller's name"
    );
    let refused = "forbidden: only admins(system and project) can access permissions";
    for who in [user("bob"), user("frank"), PULLER] {
        run_as(
            &sim,
            who,
            vec![case("PE2", Method::GET, "/permissions", None).refused(FORBIDDEN, refused)],
        )
        .await;
    }
    let admin = get_json(&sim, "/permissions").await;
    let carol = get_as(&sim, user("carol"), "/permissions").await;
    assert!(
        admin["system"].as_array().is_some_and(|s| !s.is_empty()),
        "PE3"
    );
    assert!(
        carol.get("system").is_none(),
        "PE3: a project administrator"
    );
    assert_eq!(carol["project"], admin["project"], "PE3");
}

#[tokio::test]
async fn security_hub_checks() {
    // A Harbor without artifacts, so without findings.
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "security_hub_checks").await;
    // SS1: before any scan, the counts go-swagger tags `omitempty` are left out.
    let summary = get_json(&sim, "/security/summary").await;
    for omitted in ["high_cnt", "none_cnt", "unknown_cnt"] {
        assert!(
            summary.get(omitted).is_none(),
            "SS1: {omitted} in {summary}"
        );
    }
    for kept in [
        "critical_cnt",
        "medium_cnt",
        "low_cnt",
        "fixable_cnt",
        "total_vuls",
        "scanned_cnt",
        "total_artifact",
    ] {
        assert_eq!(summary[kept], 0, "SS1: {kept} in {summary}");
    }
    // SS2: the top lists only when asked; asked and empty, null.
    assert!(summary.get("dangerous_cves").is_none(), "SS2");
    let asked = get_json(
        &sim,
        "/security/summary?with_dangerous_cve=true&with_dangerous_artifact=true",
    )
    .await;
    assert_eq!(asked["dangerous_cves"], Value::Null, "SS2");
    assert!(asked.get("dangerous_cves").is_some(), "SS2");
    let sim = support::start().await;
    let summary = get_json(&sim, "/security/summary").await;
    assert_eq!(summary["high_cnt"], 4, "SS1: present when not 0");
    run_as(
        &sim,
        user("alice"),
        vec![
            case("SS3", Method::GET, "/security/summary", None).refused(FORBIDDEN, "alice"),
            case("SS3", Method::GET, "/security/vul", None).refused(FORBIDDEN, "alice"),
        ],
    )
    .await;
}

#[tokio::test]
async fn auditlog_checks() {
    let sim = support::start().await;
    // AL1: the lists' own check names the anonymous caller: an empty message.
    for path in ["/audit-logs", "/auditlog-exts"] {
        let (status, body) = get_anonymous(&sim, path).await;
        assert_eq!(status, UNAUTHORIZED, "AL1 {path}");
        assert_eq!(
            body,
            json!({"errors": [{"code": "UNAUTHORIZED", "message": ""}]}),
            "AL1 {path}"
        );
    }
    // AL2: the event types need the system permission.
    let (status, body) = get_anonymous(&sim, "/auditlog-exts/events").await;
    assert_eq!(status, UNAUTHORIZED, "AL2");
    assert_eq!(body["errors"][0]["message"], "unauthorized", "AL2");
    run_as(
        &sim,
        user("carol"),
        vec![case("AL2", Method::GET, "/auditlog-exts/events", None).refused(FORBIDDEN, "carol")],
    )
    .await;

    // Rows in two projects: a tag in `demo`, a new project of its own.
    run(
        &sim,
        vec![
            case(
                "setup",
                Method::POST,
                "/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0/tags",
                Some(json!({"name": "audited"})),
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
    create_project(&sim, "zeta").await;
    let all = get_json(&sim, "/auditlog-exts").await;
    let resources = names(&all, "resource");
    assert_eq!(
        resources,
        [
            "zeta",
            "demo/team/app:audited",
            "demo/team/app:v1.1.0",
            "demo/team/app:v1.0.0",
            "library/alpine:3.20",
            "library/nginx:latest",
            "library/nginx:1.27"
        ],
        "AL4: newest first (the demo's pushes first written)"
    );
    // AL3: a project administrator sees its projects' rows; a maintainer, a robot without
    // the system permission, none.
    let by_carol = get_as(&sim, user("carol"), "/auditlog-exts").await;
    assert_eq!(
        names(&by_carol, "resource"),
        [
            "demo/team/app:audited",
            "demo/team/app:v1.1.0",
            "demo/team/app:v1.0.0"
        ],
        "AL3"
    );
    for who in [user("alice"), PULLER] {
        assert_eq!(
            get_as(&sim, who, "/auditlog-exts").await,
            json!([]),
            "AL3: {}",
            who.0
        );
    }
    // AL5: `operation_result` is never left out; an empty field is.
    let row = &all[0];
    assert_eq!(row["operation_result"], true, "AL5");
    let mut keys: Vec<&String> = row.as_object().expect("a row").keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "id",
            "op_time",
            "operation",
            "operation_description",
            "operation_result",
            "resource",
            "resource_type",
            "username"
        ],
        "AL5"
    );
}
