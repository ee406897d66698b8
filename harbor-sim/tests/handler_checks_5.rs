//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for `ping.go`, `icon.go`,
//! `scanexport.go`, `jobservice.go`, `ldap.go` and `oidc.go`. Each case is named by its row's
//! id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::SEED_USER_PASSWORD;
use support::checks::{ADMIN, BAD, case, create_project, get_json, run, run_as};

const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;
const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const UNPROCESSABLE: StatusCode = StatusCode::UNPROCESSABLE_ENTITY;
const REPORT: &str = "application/vnd.security.vulnerability.report; version=1.1";
const IMAGE_ICON: &str = "sha256:0048162a053eef4d4ce3fe7518615bef084403614f8bca43b40ae2e762e11e06";

fn user(name: &'static str) -> (&'static str, &'static str) {
    (name, SEED_USER_PASSWORD)
}

/// A request with optional credentials and extra headers: the status, `Content-Type` and
/// body.
async fn send(
    sim: &support::CheckedSim,
    who: Option<(&str, &str)>,
    method: Method,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<Value>,
) -> (StatusCode, Option<String>, String) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sim.api_url()));
    if let Some((name, password)) = who {
        request = request.basic_auth(name, Some(password));
    }
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    (status, content_type, response.text().await.expect("a body"))
}

fn error(code: &str, message: &str) -> Value {
    json!({"errors": [{"code": code, "message": message}]})
}

fn parsed(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
}

#[tokio::test]
async fn ping_checks() {
    let sim = support::start().await;
    // PI1: anybody, a plain-text `Pong`.
    let (status, content_type, text) = send(&sim, None, Method::GET, "/ping", &[], None).await;
    assert_eq!(status, StatusCode::OK, "PI1");
    assert_eq!(text, "Pong", "PI1");
    assert!(
        content_type.is_some_and(|c| c.starts_with("text/plain")),
        "PI1"
    );
}

#[tokio::test]
async fn icon_checks() {
    let sim = support::start().await;
    // IC1, IC3: a built-in icon, for an anonymous caller too.
    let (status, _, text) = send(
        &sim,
        None,
        Method::GET,
        &format!("/icons/{IMAGE_ICON}"),
        &[],
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "IC3: {text}");
    let icon = parsed(&text);
    assert_eq!(icon["content-type"], "image/png", "IC1");
    assert!(
        icon["content"].as_str().is_some_and(|c| !c.is_empty()),
        "IC1"
    );
    // IC2: a digest no artifact's icon has.
    let unknown = format!("sha256:{}", "0".repeat(64));
    run(
        &sim,
        vec![
            case("IC2", Method::GET, &format!("/icons/{unknown}"), None)
                .refused(NOT_FOUND, format!("the icon {unknown} not found")),
        ],
    )
    .await;
}

/// `POST /export/cve` as `who` with the report type and `criteria`.
async fn export(
    sim: &support::CheckedSim,
    who: (&str, &str),
    criteria: Value,
) -> (StatusCode, Value) {
    let (status, _, text) = send(
        sim,
        Some(who),
        Method::POST,
        "/export/cve",
        &[("X-Scan-Data-Type", REPORT)],
        Some(criteria),
    )
    .await;
    (status, parsed(&text))
}

/// The CSV rows (header left out) of an export of `who`'s started just before, once it
/// has finished (tokio's paused clock moved past its queue and run).
async fn download(sim: &support::CheckedSim, who: (&str, &str), id: i64) -> Vec<String> {
    let export = harbor_sim::Lifecycle::default_for(harbor_sim::JobKind::ScanDataExport);
    tokio::time::advance(export.queued() + export.running()).await;
    let path = format!("/export/cve/execution/{id}");
    let (status, _, text) = send(sim, Some(who), Method::GET, &path, &[], None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let path = format!("/export/cve/download/{id}");
    let (status, content_type, text) = send(sim, Some(who), Method::GET, &path, &[], None).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(content_type.as_deref(), Some("text/csv"));
    text.lines().skip(1).map(str::to_owned).collect()
}

#[tokio::test(start_paused = true)]
async fn scan_export_checks() {
    let sim = support::start().await;
    // SE1: the report type first.
    let (status, _, text) = send(
        &sim,
        Some(ADMIN),
        Method::POST,
        "/export/cve",
        &[("X-Scan-Data-Type", "text/plain")],
        Some(json!({"projects": [1]})),
    )
    .await;
    assert_eq!(status, BAD, "SE1");
    assert_eq!(
        parsed(&text),
        error(
            "BAD_REQUEST",
            "bad request: Unsupported MIME type : text/plain"
        ),
        "SE1"
    );
    // SE2: one project, printed as Go prints the slice; SE3: it exists; SE4: no spaces,
    // checked after the project.
    let single = "bad request: only support export single project, invalid value: ";
    for (criteria, status, message) in [
        (json!({"projects": [1, 2]}), BAD, format!("{single}[1 2]")),
        (json!({}), BAD, format!("{single}[]")),
        (
            json!({"projects": [99], "tags": "a b"}),
            NOT_FOUND,
            "resource not found: project 99 not found".into(),
        ),
        (
            json!({"projects": [1], "repositories": "nginx", "cveIds": "CVE-1, CVE-2"}),
            BAD,
            "bad request: invalid criteria value, please remove additional spaces for input: CVE-1, CVE-2"
                .into(),
        ),
    ] {
        let (got, body) = export(&sim, ADMIN, criteria.clone()).await;
        let code = if status == BAD {
            "BAD_REQUEST"
        } else {
            "NOT_FOUND"
        };
        assert_eq!(
            (got, body),
            (status, error(code, &message)),
            "SE2-SE4: {criteria}"
        );
    }
    // SE5: the criteria are checked before the caller's access, which comes after.
    let (status, body) = export(&sim, user("frank"), json!({"projects": [1, 2]})).await;
    assert_eq!(
        (status, body),
        (BAD, error("BAD_REQUEST", &format!("{single}[1 2]"))),
        "SE5"
    );
    let (status, body) = export(&sim, user("frank"), json!({"projects": [1]})).await;
    assert_eq!(
        (status, body),
        (FORBIDDEN, error("FORBIDDEN", "forbidden")),
        "SE5"
    );

    // SE6: a robot with the permission is no user: its job has no vendor.
    let (status, _, text) = send(
        &sim,
        Some(ADMIN),
        Method::POST,
        "/robots",
        &[],
        Some(
            json!({"name": "exporter", "level": "project", "duration": -1,
            "permissions": [{"kind": "project", "namespace": "demo",
                "access": [{"resource": "export-cve", "action": "create"}]}]}),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let robot = parsed(&text);
    let robot_name = robot["name"].as_str().expect("a name").to_owned();
    let secret = robot["secret"].as_str().expect("a secret").to_owned();
    let (status, body) = export(&sim, (&robot_name, &secret), json!({"projects": [2]})).await;
    assert_eq!(
        (status, body),
        (
            NOT_FOUND,
            error("NOT_FOUND", &format!("user {robot_name} not found"))
        ),
        "SE6"
    );

    // SE7: another user's export, another kind's run: 403 with Go's `<nil>`; an id no run
    // has: the execution table's 404.
    let (status, created) = export(&sim, ADMIN, json!({"projects": [1]})).await;
    assert_eq!(status, StatusCode::OK, "{created}");
    let admins = created["id"].as_i64().expect("an id");
    let (status, _) = export(&sim, user("alice"), json!({"projects": [1]})).await;
    assert_eq!(status, StatusCode::OK);
    let gc = get_json(&sim, "/system/gc").await[0]["id"]
        .as_i64()
        .expect("a demo GC run");
    run_as(
        &sim,
        user("alice"),
        vec![
            case(
                "SE7",
                Method::GET,
                &format!("/export/cve/execution/{admins}"),
                None,
            )
            .refused(FORBIDDEN, "<nil>"),
            case(
                "SE7",
                Method::GET,
                &format!("/export/cve/execution/{gc}"),
                None,
            )
            .refused(FORBIDDEN, "<nil>"),
            case("SE7", Method::GET, "/export/cve/execution/9999", None)
                .refused(NOT_FOUND, "execution 9999 not found"),
        ],
    )
    .await;
    // SE8: the download refuses without a body.
    for (id, status) in [(admins, FORBIDDEN), (gc, FORBIDDEN), (9999, NOT_FOUND)] {
        let path = format!("/export/cve/download/{id}");
        let (got, _, text) = send(&sim, Some(user("alice")), Method::GET, &path, &[], None).await;
        assert_eq!((got, text.as_str()), (status, ""), "SE8 {id}");
    }
    // SE9: the list is the caller's own, newest first.
    let listed = support::send_as(
        &sim,
        user("alice"),
        Method::GET,
        "/export/cve/executions",
        None,
    )
    .await
    .2;
    let items = parsed(&listed)["items"].clone();
    assert_eq!(items.as_array().map(Vec::len), Some(1), "SE9: {items}");
    assert_eq!(items[0]["user_name"], "alice", "SE9");

    // SE10: every read checks the caller's access to the export's projects again.
    create_project(&sim, "zeta").await;
    let zeta = get_json(&sim, "/projects/zeta").await["project_id"]
        .as_i64()
        .unwrap();
    let alices = items[0]["id"].as_i64().unwrap();
    sim.handle().with_state(|s| {
        s.executions
            .get_mut(&alices)
            .expect("alice's export")
            .extra_attrs["project_id"] = json!(zeta);
    });
    run_as(
        &sim,
        user("alice"),
        vec![
            case(
                "SE10",
                Method::GET,
                &format!("/export/cve/execution/{alices}"),
                None,
            )
            .refused(FORBIDDEN, "forbidden"),
            case("SE10", Method::GET, "/export/cve/executions", None)
                .refused(FORBIDDEN, "forbidden"),
            case(
                "SE10",
                Method::GET,
                &format!("/export/cve/download/{alices}"),
                None,
            )
            .refused(FORBIDDEN, "forbidden"),
        ],
    )
    .await;

    // SE11: a failed export without a message gets Harbor's hint (the job's error is in
    // its log, not in the execution's message).
    sim.handle()
        .set_execution_lifecycle(
            harbor_sim::JobKind::ScanDataExport,
            admins,
            &harbor_sim::Lifecycle::immediate().fails("disk full"),
        )
        .expect("the admin's export");
    // The failure shows at the execution's next status refresh (every 30 s).
    tokio::time::advance(harbor_sim::state::jobs::DEFAULT_STATUS_REFRESH).await;
    let failed = get_json(&sim, &format!("/export/cve/execution/{admins}")).await;
    assert_eq!(failed["status"], "Error", "SE11");
    // SE14: never left out, even when empty or false.
    assert_eq!(failed["user_name"], "admin", "SE14");
    assert_eq!(failed["file_present"], false, "SE14");
    assert_eq!(
        failed["status_text"],
        "Please contact the system administrator to check the logs of jobservice.",
        "SE11"
    );
}

#[tokio::test(start_paused = true)]
async fn scan_export_filter_checks() {
    let sim = support::start().await;
    let all_rows = {
        let (_, created) = export(&sim, ADMIN, json!({"projects": [1]})).await;
        download(&sim, ADMIN, created["id"].as_i64().unwrap()).await
    };
    let repositories = |rows: &[String]| {
        let mut names: Vec<String> = rows
            .iter()
            .map(|r| r.split(',').next().unwrap_or_default().to_owned())
            .collect();
        names.dedup();
        names
    };
    assert!(
        repositories(&all_rows).len() > 1,
        "the demo's findings span repositories: {all_rows:?}"
    );
    // SE12: repositories, tags and CVE ids are doublestar patterns (`{a,b}` for several).
    for (criteria, keep) in [
        (
            json!({"projects": [1], "repositories": "{alp*,none}"}),
            "library/alpine",
        ),
        (json!({"projects": [1], "tags": "{3.*}"}), "library/alpine"),
    ] {
        let (_, created) = export(&sim, ADMIN, criteria.clone()).await;
        let rows = download(&sim, ADMIN, created["id"].as_i64().unwrap()).await;
        assert!(!rows.is_empty(), "SE12: {criteria}");
        assert_eq!(repositories(&rows), [keep], "SE12: {criteria}");
    }
    let cve = all_rows[0].split(',').nth(2).unwrap().to_owned();
    let (_, created) = export(
        &sim,
        ADMIN,
        json!({"projects": [1], "cveIds": format!("{{{cve},CVE-0000-0000}}")}),
    )
    .await;
    let rows = download(&sim, ADMIN, created["id"].as_i64().unwrap()).await;
    assert!(
        !rows.is_empty() && rows.iter().all(|r| r.split(',').nth(2) == Some(&cve)),
        "SE12: {rows:?}"
    );
    // SE13: labels: the artifacts carrying one of them.
    let label = get_json(&sim, "/labels?scope=g").await[0]["id"]
        .as_i64()
        .expect("a demo label");
    let (_, created) = export(&sim, ADMIN, json!({"projects": [1], "labels": [label]})).await;
    let rows = download(&sim, ADMIN, created["id"].as_i64().unwrap()).await;
    assert_eq!(repositories(&rows), ["library/nginx"], "SE13: {rows:?}");
    let (_, created) = export(&sim, ADMIN, json!({"projects": [1], "labels": [9999]})).await;
    let rows = download(&sim, ADMIN, created["id"].as_i64().unwrap()).await;
    assert!(rows.is_empty(), "SE13: {rows:?}");
}

#[tokio::test]
async fn jobservice_checks() {
    let sim = support::start().await;
    run_as(
        &sim,
        user("alice"),
        vec![case("JS1", Method::GET, "/jobservice/pools", None).refused(FORBIDDEN, "alice")],
    )
    .await;
    let unknown = "0123456789abcdef01234567";
    let not_one_of = "validation failure list:\nvalidation failure list:\naction in body should be one of [stop pause resume]";
    run(
        &sim,
        vec![
            // JS2: the spec's enum refuses another action, in any other case too, before
            // the handler's own check, which only an empty action reaches (the model does
            // not validate an optional property at its zero value).
            case(
                "JS2",
                Method::PUT,
                "/jobservice/queues/all",
                Some(json!({"action": "jump"})),
            )
            .refused_as(UNPROCESSABLE, "UNPROCESSABLE_ENTITY", not_one_of),
            case(
                "JS2",
                Method::PUT,
                "/jobservice/queues/all",
                Some(json!({"action": "PAUSE"})),
            )
            .refused_as(UNPROCESSABLE, "UNPROCESSABLE_ENTITY", not_one_of),
            case(
                "JS2",
                Method::PUT,
                "/jobservice/queues/all",
                Some(json!({"action": ""})),
            )
            .refused(BAD, "bad request: the action is not supported"),
            case(
                "JS2",
                Method::PUT,
                "/jobservice/queues/garbage_collection",
                Some(json!({"action": "pause"})),
            ),
            case(
                "JS3",
                Method::GET,
                &format!("/jobservice/jobs/{unknown}/log"),
                None,
            )
            .refused(
                NOT_FOUND,
                format!(
                    r#"{{"code":10010,"message":"object is not found","details":"{unknown}"}}"#
                ),
            ),
            // The job service's 500, which the job client passes on.
            case("JS4", Method::GET, "/jobservice/jobs/abc/log", None).uncoded(
                r#"{"code":10009,"message":"failed to get the job log","details":"invalid length of log identify"}"#,
            ),
            case(
                "JS4",
                Method::GET,
                "/jobservice/jobs/0123456789abcdef0123456z/log",
                None,
            )
            .uncoded(
                r#"{"code":10009,"message":"failed to get the job log","details":"invalid log identify"}"#,
            ),
            case("JS5", Method::GET, "/jobservice/jobs/a..b/log", None)
                .refused(BAD, "invalid Job ID: a..b"),
            case(
                "JS6",
                Method::PUT,
                &format!("/jobservice/jobs/{unknown}"),
                None,
            ),
        ],
    )
    .await;
    // JS2: the type upper-cased.
    let queues = get_json(&sim, "/jobservice/queues").await;
    let gc = queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["job_type"] == "GARBAGE_COLLECTION")
        .cloned();
    assert_eq!(gc.map(|q| q["paused"].clone()), Some(json!(true)), "JS2");
}

#[tokio::test]
async fn ldap_checks() {
    let sim = support::start().await;
    let conf = |url: &str, dn: &str, password: &str| json!({"ldap_url": url, "ldap_search_dn": dn, "ldap_search_password": password});
    let dn = "cn=admin,dc=example,dc=com";
    let ping = |body: Value| async {
        let (status, _, text) = send(
            &sim,
            Some(ADMIN),
            Method::POST,
            "/ldap/ping",
            &[],
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{text}");
        parsed(&text)
    };
    let failed = |e: &str| json!({"message": format!("error: {e}")});
    // LD10: no body at all: the handler reads the fields of the nil body and panics, beego's
    // bare 500.
    let (status, _, text) = send(&sim, Some(ADMIN), Method::POST, "/ldap/ping", &[], None).await;
    assert_eq!(
        (status, text.as_str()),
        (StatusCode::INTERNAL_SERVER_ERROR, ""),
        "LD10"
    );
    assert_eq!(
        sim.handle().last_answer().and_then(|a| a.cause).as_deref(),
        Some("runtime error: invalid memory address or nil pointer dereference: params.Ldapconf"),
        "LD10"
    );
    // LD1: no password, and none configured under `ldap_auth`.
    assert_eq!(
        ping(conf("ldap://ldap.example.com", dn, "")).await,
        failed("empty password"),
        "LD1"
    );
    // LD3: a scheme other than ldap/ldaps, a host and port Go cannot split.
    for url in ["http://ldap.example.com", "ldap.example.com:389:1"] {
        assert_eq!(
            ping(conf(url, dn, "pw")).await,
            failed("fail to ping LDAP server"),
            "LD3 {url}"
        );
    }
    // LD4: a server that does not answer; LD2: the configured URL is not tried.
    for url in ["ldaps://ldap.nowhere.example", ""] {
        assert_eq!(
            ping(conf(url, dn, "pw")).await,
            failed("ldap server network timeout"),
            "LD2, LD4 {url:?}"
        );
    }
    // LD5: no search DN.
    assert_eq!(
        ping(conf("ldap.example.com:389", "", "pw")).await,
        failed("empty search dn"),
        "LD5"
    );
    // LD6: success (the demo directory's admin password), `success` alone.
    assert_eq!(
        ping(conf("ldaps://ldap.example.com:636", dn, "secret")).await,
        json!({"success": true}),
        "LD6"
    );
    // LD1: under `ldap_auth` the configured password stands in.
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("ldap_auth"));
        s.configurations
            .insert("ldap_search_password".into(), json!("secret"));
    });
    assert_eq!(
        ping(conf("ldap://ldap.example.com", dn, "")).await,
        json!({"success": true}),
        "LD1: the configured password"
    );
    // LD8: no group found.
    run(
        &sim,
        vec![
            case("LD8", Method::GET, "/ldap/groups/search?groupname=zz", None)
                .refused(NOT_FOUND, "resource not found: group name:zz, group DN:"),
            // LD9: a DN go-ldap cannot parse is the manager's uncoded error.
            case(
                "LD9",
                Method::GET,
                "/ldap/groups/search?groupdn=notadn",
                None,
            )
            .uncoded(r#"invalid DN: DN "notadn" does not parse"#),
            // With a name, the DN is not read.
            case(
                "LD9",
                Method::GET,
                "/ldap/groups/search?groupname=zz&groupdn=notadn",
                None,
            )
            .refused(
                NOT_FOUND,
                "resource not found: group name:zz, group DN:notadn",
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn oidc_checks() {
    let sim = support::start().await;
    let refused = "failed to verify connection";
    run(
        &sim,
        vec![
            // OI1: the discovery document cannot be fetched: no such host, no HTTP scheme.
            case(
                "OI1",
                Method::POST,
                "/system/oidc/ping",
                Some(json!({"url": "https://oidc.nowhere.example"})),
            )
            .refused(BAD, refused),
            case(
                "OI1",
                Method::POST,
                "/system/oidc/ping",
                Some(json!({"url": "oidc.example.com"})),
            )
            .refused(BAD, refused),
            // OI2: a provider that answers, with the issuer it publishes.
            case(
                "OI2",
                Method::POST,
                "/system/oidc/ping",
                Some(json!({"url": "https://oidc.example.com"})),
            ),
            // OI4: the document is fetched, but names another issuer than the URL as given.
            case(
                "OI4",
                Method::POST,
                "/system/oidc/ping",
                Some(json!({"url": "HTTPS://oidc.example.com"})),
            )
            .refused(BAD, refused),
            case(
                "OI4",
                Method::POST,
                "/system/oidc/ping",
                Some(json!({"url": "https://oidc.example.com/"})),
            )
            .refused(BAD, refused),
        ],
    )
    .await;
    run_as(
        &sim,
        user("alice"),
        vec![
            case(
                "OI3",
                Method::POST,
                "/system/oidc/ping",
                Some(json!({"url": "https://oidc.example.com"})),
            )
            .refused(FORBIDDEN, "alice"),
        ],
    )
    .await;
}
