//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") that were simulated in part: the
//! checks Harbor makes before the caller's access (I1, PG2, U33, U34). Each case is named by
//! its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::SEED_USER_PASSWORD;
use support::checks::{BAD, export_rows, get_json, user_id};

const FORBIDDEN: StatusCode = StatusCode::FORBIDDEN;

fn user(name: &'static str) -> (&'static str, &'static str) {
    (name, SEED_USER_PASSWORD)
}

/// A session a browser holds: the `sid` cookie and its CSRF token, as the simulator hands
/// them out on every answer.
struct Session {
    cookie: String,
    token: String,
}

/// A request with optional credentials and an optional session (its cookie and CSRF
/// token sent back); the status and the body.
async fn send(
    sim: &support::CheckedSim,
    who: Option<(&str, &str)>,
    session: Option<&Session>,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let mut request = reqwest::Client::new().request(method, format!("{}{path}", sim.api_url()));
    if let Some((name, password)) = who {
        request = request.basic_auth(name, Some(password));
    }
    if let Some(session) = session {
        request = request
            .header(reqwest::header::COOKIE, &session.cookie)
            .header("X-Harbor-CSRF-Token", &session.token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the simulator answers");
    (response.status(), response.text().await.expect("a body"))
}

/// A session opened by an anonymous `GET /systeminfo`, as Harbor's UI opens one.
async fn open_session(sim: &support::CheckedSim) -> Session {
    let response = reqwest::Client::new()
        .get(format!("{}/systeminfo", sim.api_url()))
        .send()
        .await
        .expect("the simulator answers");
    let header = |name: &str| {
        support::header_text(&response, name).unwrap_or_else(|| panic!("a {name} header"))
    };
    let set_cookie = header("set-cookie");
    let cookie = set_cookie.split(';').next().expect("a cookie").to_owned();
    Session {
        cookie,
        token: header("x-harbor-csrf-token"),
    }
}

/// Asserts Harbor's error body: one error of `code` with `message`.
fn assert_error(row: &str, text: &str, code: &str, message: &str) {
    let body: Value =
        serde_json::from_str(text).unwrap_or_else(|e| panic!("row {row}: not JSON ({e}): {text}"));
    assert_eq!(
        body,
        json!({"errors": [{"code": code, "message": message}]}),
        "row {row}"
    );
}

/// I1: the body's `id` is compared with the path's before the caller's access: an anonymous
/// caller and one without the permission get the 400, not 401/403.
#[tokio::test]
async fn i1_immutable_rule_id_checked_before_access() {
    let sim = support::start().await;
    let rules = get_json(&sim, "/projects/library/immutabletagrules").await;
    let rule = rules[0].clone();
    let id = rule["id"].as_i64().expect("the demo's rule");
    let path = format!("/projects/library/immutabletagrules/{id}");
    let message = "bad request: the immutable_rule_id doesn't match the id in the payload body \
                   of ImmutableRule";
    let mut other_id = rule.clone();
    other_id["id"] = json!(id + 1);
    let mut no_id = rule.clone();
    if let Some(fields) = no_id.as_object_mut() {
        fields.remove("id");
    }
    for (who, body) in [
        (None, &other_id),
        (Some(user("bob")), &other_id),
        (Some(user("alice")), &no_id),
    ] {
        let (status, text) = send(&sim, who, None, Method::PUT, &path, Some(body.clone())).await;
        assert_eq!(status, BAD, "I1 as {who:?}: {text}");
        assert_error("I1", &text, "BAD_REQUEST", message);
    }
    // The same ids: the access check answers as before.
    let (status, text) = send(&sim, None, None, Method::PUT, &path, Some(rule.clone())).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "I1: {text}");
    let (status, text) = send(
        &sim,
        Some(user("bob")),
        None,
        Method::PUT,
        &path,
        Some(rule),
    )
    .await;
    assert_eq!(status, FORBIDDEN, "I1: {text}");
}

/// PG2: a project name holding a space is refused by the project manager inside
/// `HasProjectPermission`, before the caller's access is known: 400 for every caller, on
/// `{project_name_or_id}` and `{project_name}` paths alike; a caller refused by
/// `RequireAuthenticated` first still gets 401.
#[tokio::test]
async fn pg2_project_name_with_a_space_before_access() {
    let sim = support::start().await;
    let message = "invalid project name: 'my proj'";
    let paths = [
        (Method::GET, "/projects/my%20proj"),
        (Method::GET, "/projects/my%20proj/summary"),
        (Method::DELETE, "/projects/my%20proj"),
        (Method::GET, "/projects/my%20proj/repositories"),
        (Method::GET, "/projects/my%20proj/immutabletagrules"),
        (
            Method::POST,
            "/projects/my%20proj/repositories/nginx/artifacts/latest/scan",
        ),
    ];
    for (method, path) in paths {
        for who in [None, Some(user("bob")), Some(("admin", "Harbor12345"))] {
            let (status, text) = send(&sim, who, None, method.clone(), path, None).await;
            assert_eq!(status, BAD, "PG2 {method} {path} as {who:?}: {text}");
            assert_error("PG2", &text, "BAD_REQUEST", message);
        }
    }
    // `ListArtifactsOfProject` calls `RequireAuthenticated` first.
    let path = "/projects/my%20proj/artifacts";
    let (status, text) = send(&sim, None, None, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "PG2 {path}: {text}");
    let (status, text) = send(&sim, Some(user("bob")), None, Method::GET, path, None).await;
    assert_eq!(status, BAD, "PG2 {path}: {text}");
    assert_error("PG2", &text, "BAD_REQUEST", message);
    // A name without a space that no project has: the access answer first, as before.
    let (status, _) = send(&sim, None, None, Method::GET, "/projects/nope", None).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "PG2");
}

/// U33: outside `db_auth`, every caller is refused with the auth mode, before the caller's
/// access: an anonymous caller and a user without the permission too, with a session or not.
#[tokio::test]
async fn u33_auth_mode_before_access() {
    let sim = support::start().await;
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("ldap_auth"));
    });
    let session = open_session(&sim).await;
    let body = json!({"username": "zoe", "email": "zoe@example.com", "realname": "Zoe",
                      "password": "Passw0rdZoe"});
    for (who, session) in [
        (None, None),
        (Some(user("bob")), None),
        (None, Some(&session)),
    ] {
        let (status, text) = send(
            &sim,
            who,
            session,
            Method::POST,
            "/users",
            Some(body.clone()),
        )
        .await;
        assert_eq!(status, FORBIDDEN, "U33 as {who:?}: {text}");
        assert_error(
            "U33",
            &text,
            "FORBIDDEN",
            "creating local user is not allowed under auth mode: ldap_auth",
        );
    }
    assert_eq!(
        get_json(&sim, "/users?username=zoe").await,
        json!([]),
        "U33"
    );
}

/// U34: with `self_registration` on, a caller without the system permission to create users
/// is refused through the API (no session cookie: 403 for an anonymous caller too) and
/// creates the user from a session, as Harbor's UI does (anonymous included). With it off,
/// a session changes nothing.
#[tokio::test]
async fn u34_self_registration() {
    let sim = support::start().await;
    let new_user = |name: &str| {
        json!({"username": name, "email": format!("{name}@example.com"), "realname": name,
               "password": "Passw0rdNew"})
    };
    let session = open_session(&sim).await;
    // Off (the default): the access answer, with a session or not.
    for (who, session, status) in [
        (None, None, StatusCode::UNAUTHORIZED),
        (None, Some(&session), StatusCode::UNAUTHORIZED),
        (Some(user("bob")), Some(&session), FORBIDDEN),
    ] {
        let (got, text) = send(
            &sim,
            who,
            session,
            Method::POST,
            "/users",
            Some(new_user("off")),
        )
        .await;
        assert_eq!(got, status, "U34 off as {who:?}: {text}");
    }
    sim.handle().with_state(|s| {
        s.configurations
            .insert("self_registration".into(), json!(true));
    });
    // On, through the API: refused, an anonymous caller with a 403 too.
    for who in [None, Some(user("bob"))] {
        let (status, text) = send(
            &sim,
            who,
            None,
            Method::POST,
            "/users",
            Some(new_user("api")),
        )
        .await;
        assert_eq!(status, FORBIDDEN, "U34 as {who:?}: {text}");
        assert_error(
            "U34",
            &text,
            "FORBIDDEN",
            "self-registration cannot be triggered via API",
        );
    }
    // On, from a session: created, anonymous or signed in; the administrator needs none.
    for (who, session, name) in [
        (None, Some(&session), "anon"),
        (Some(user("bob")), Some(&session), "bobs"),
        (Some(("admin", "Harbor12345")), None, "admins"),
    ] {
        let (status, text) = send(
            &sim,
            who,
            session,
            Method::POST,
            "/users",
            Some(new_user(name)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "U34 {name}: {text}");
        assert!(user_id(&sim, name).await > 0, "U34 {name}");
    }
    // The session's cookie without its CSRF token is still refused by the CSRF check.
    let (status, text) = send(
        &sim,
        None,
        Some(&Session {
            cookie: session.cookie.clone(),
            token: "wrong".into(),
        }),
        Method::POST,
        "/users",
        Some(new_user("nocsrf")),
    )
    .await;
    assert_eq!(status, FORBIDDEN, "U34: {text}");
    assert_error("U34", &text, "FORBIDDEN", "CSRF token invalid");
    assert_eq!(
        get_json(&sim, "/users?username=api").await,
        json!([]),
        "U34"
    );
}

/// Crons `utils.ValidateCronString` refuses, and the error robfig or Harbor gives for each
/// (GC3, SAL7, RT8, PH15, PH19 share them).
const BAD_CRONS: &[(&str, &str)] = &[
    ("0 60 0 * * *", "end of range (60) above maximum (59): 60"),
    ("0 0 0 0 * *", "beginning of range (0) below minimum (1): 0"),
    ("0 0 0 * 13 *", "end of range (13) above maximum (12): 13"),
    (
        "0 10-5 0 * * *",
        "beginning of range (10) beyond end of range (5): 10-5",
    ),
    ("0 1-2-3 0 * * *", "too many hyphens: 1-2-3"),
    ("0 */2/3 0 * * *", "too many slashes: */2/3"),
    (
        "0 */0 0 * * *",
        "step of range should be a positive number: */0",
    ),
    ("0 */-1 0 * * *", "negative number (-1) not allowed: -1"),
    (
        "0 0 0 L * *",
        r#"failed to parse int from L: strconv.Atoi: parsing "L": invalid syntax"#,
    ),
    (
        "0 0 0 * * monday",
        r#"failed to parse int from monday: strconv.Atoi: parsing "monday": invalid syntax"#,
    ),
    (
        "0 99999999999999999999 0 * * *",
        r#"failed to parse int from 99999999999999999999: strconv.Atoi: parsing "99999999999999999999": value out of range"#,
    ),
    (
        "TZ=../x 0 0 0 * * *",
        "provided bad location ../x: time: invalid location name",
    ),
    (
        "CRON_TZ=Mars/Olympus 0 0 0 * * *",
        "provided bad location Mars/Olympus: unknown time zone Mars/Olympus",
    ),
    (
        "TZ=America 0 0 0 * * *",
        "provided bad location America: is a directory",
    ),
    (
        "0 0 0 * *",
        "expected exactly 6 fields, found 5: [0 0 0 * *]",
    ),
    ("@daily", "parser does not accept descriptors: @daily"),
    (
        "5 0 0 * * *",
        "the 1st field (indicating Seconds of time) of the cron setting must be 0",
    ),
];

/// Crons it takes that the simulator refused: names in any case, `?`, `+n`, an empty item
/// of a list, a zone prefix (the seconds check then sees seven parts).
const GOOD_CRONS: &[&str] = &[
    "0 0 9 * * MON-fri",
    "0 0 0 1 jan,Jul ?",
    "0 +5 0 * * *",
    "0 ,, 0 * * *",
    "TZ=UTC 5 0 0 * * *",
    "CRON_TZ=Asia/Tokyo 0 0 0 * * *",
];

/// Zone prefixes without a space after them, on which robfig's parser slices out of range
/// and panics: beego's bare 500 (GC3, SAL7, RT8, PH15, PH19).
const ZONES_WITHOUT_SPACE: &[&str] = &["TZ=UTC", "CRON_TZ=Asia/Tokyo"];

/// Asserts beego's bare 500 after robfig's panic on `cron`.
fn assert_robfig_panic(row: &str, cron: &str, status: StatusCode, text: &str) {
    assert_eq!(
        (status, text),
        (StatusCode::INTERNAL_SERVER_ERROR, ""),
        "{row} {cron:?}"
    );
}

/// Creates the project `name` as the admin; returns its `project_id`.
async fn create_project(sim: &support::CheckedSim, name: &str) -> Value {
    let (status, text) = admin(
        sim,
        Method::POST,
        "/projects",
        json!({"project_name": name}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    get_json(sim, &format!("/projects/{name}")).await["project_id"].clone()
}

/// Sends as the admin; the status and body.
async fn admin(
    sim: &support::CheckedSim,
    method: Method,
    path: &str,
    body: Value,
) -> (StatusCode, String) {
    send(
        sim,
        Some(("admin", "Harbor12345")),
        None,
        method,
        path,
        Some(body),
    )
    .await
}

/// GC3 (the GC and purge schedules) and SAL7 (the scan-all schedule): robfig's error text of
/// a bad field after `, error: `; the crons it takes are stored.
#[tokio::test]
async fn gc3_sal7_cron_field_errors() {
    let sim = support::start().await;
    let schedules = [
        ("/system/gc/schedule", "gc"),
        ("/system/purgeaudit/schedule", "log rotation purge"),
        ("/system/scanAll/schedule", "scan all"),
    ];
    let custom = |cron: &str| {
        json!({"schedule": {"type": "Custom", "cron": cron},
               "parameters": {"audit_retention_hour": 24, "include_event_types": "create_project"}})
    };
    for (path, what) in schedules {
        for (cron, error) in BAD_CRONS {
            let (status, text) = admin(&sim, Method::PUT, path, custom(cron)).await;
            assert_eq!(status, BAD, "GC3/SAL7 {path} {cron:?}: {text}");
            assert_error(
                "GC3/SAL7",
                &text,
                "BAD_REQUEST",
                &format!("invalid cron string for scheduled {what}: {cron}, error: {error}"),
            );
        }
        for cron in GOOD_CRONS {
            let (status, text) = admin(&sim, Method::PUT, path, custom(cron)).await;
            assert_eq!(status, StatusCode::OK, "GC3/SAL7 {path} {cron:?}: {text}");
            assert_eq!(
                get_json(&sim, path).await["schedule"]["cron"],
                json!(cron),
                "GC3/SAL7 {path}"
            );
        }
        for cron in ZONES_WITHOUT_SPACE {
            let (status, text) = admin(&sim, Method::PUT, path, custom(cron)).await;
            assert_robfig_panic("GC3/SAL7", cron, status, &text);
        }
    }
}

/// RT8: a retention policy's scheduled cron, refused with robfig's text; one it takes.
#[tokio::test]
async fn rt8_retention_cron_field_errors() {
    let sim = support::start().await;
    let project = create_project(&sim, "kept").await;
    let policy = |cron: &str| {
        json!({"algorithm": "or", "rules": [],
               "trigger": {"kind": "Schedule", "settings": {"cron": cron}},
               "scope": {"level": "project", "ref": project}})
    };
    for (cron, error) in BAD_CRONS {
        let (status, text) = admin(&sim, Method::POST, "/retentions", policy(cron)).await;
        assert_eq!(status, BAD, "RT8 {cron:?}: {text}");
        assert_error(
            "RT8",
            &text,
            "BAD_REQUEST",
            &format!("invalid cron string for scheduled tag retention: {cron}, error: {error}"),
        );
    }
    for cron in ZONES_WITHOUT_SPACE {
        let (status, text) = admin(&sim, Method::POST, "/retentions", policy(cron)).await;
        assert_robfig_panic("RT8", cron, status, &text);
    }
    let (status, text) = admin(&sim, Method::POST, "/retentions", policy(GOOD_CRONS[0])).await;
    assert_eq!(status, StatusCode::CREATED, "RT8: {text}");
}

/// PH15 (create) and PH19 (update): a scheduled preheat policy's cron, refused with robfig's
/// text; the crons it takes are stored.
#[tokio::test]
async fn ph15_ph19_preheat_cron_field_errors() {
    let sim = support::start().await;
    let policies = "/projects/library/preheat/policies";
    let policy = |name: &str, cron: &str| {
        json!({"name": name, "provider_id": 1,
               "filters": r#"[{"type":"repository","value":"**"}]"#,
               "trigger": json!({"type": "scheduled", "trigger_setting": {"cron": cron}}).to_string(),
               "enabled": true})
    };
    let (status, text) = admin(&sim, Method::POST, policies, policy("base", "0 0 0 * * *")).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let id = get_json(&sim, &format!("{policies}/base")).await["id"].clone();
    for (cron, error) in BAD_CRONS {
        let message = format!("invalid cron string for scheduled preheat: {cron}, error: {error}");
        let (status, text) = admin(&sim, Method::POST, policies, policy("p", cron)).await;
        assert_eq!(status, BAD, "PH15 {cron:?}: {text}");
        assert_error("PH15", &text, "BAD_REQUEST", &message);
        let mut update = policy("base", cron);
        update["id"] = id.clone();
        let (status, text) = admin(&sim, Method::PUT, &format!("{policies}/base"), update).await;
        assert_eq!(status, BAD, "PH19 {cron:?}: {text}");
        assert_error("PH19", &text, "BAD_REQUEST", &message);
    }
    for cron in ZONES_WITHOUT_SPACE {
        let (status, text) = admin(&sim, Method::POST, policies, policy("p", cron)).await;
        assert_robfig_panic("PH15", cron, status, &text);
        let mut update = policy("base", cron);
        update["id"] = id.clone();
        let (status, text) = admin(&sim, Method::PUT, &format!("{policies}/base"), update).await;
        assert_robfig_panic("PH19", cron, status, &text);
    }
    for (n, cron) in GOOD_CRONS.iter().enumerate() {
        let (status, text) = admin(
            &sim,
            Method::POST,
            policies,
            policy(&format!("good{n}"), cron),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "PH15 {cron:?}: {text}");
    }
}

/// The schedules list as `(vendor_type, vendor_id, cron, id)`, in order, with its total. A
/// vendor id 0 is left out (go-swagger's `omitempty`), as Harbor's own API tests expect.
async fn schedules(sim: &support::CheckedSim) -> Vec<(String, i64, String, i64)> {
    let list = get_json(sim, "/schedules?page_size=100").await;
    list.as_array()
        .expect("a list")
        .iter()
        .map(|s| {
            assert_ne!(s["vendor_id"], 0, "SCH3: a zero vendor id is omitted: {s}");
            (
                s["vendor_type"].as_str().expect("a vendor type").to_owned(),
                s.get("vendor_id")
                    .map_or(0, |id| id.as_i64().expect("a vendor id")),
                s["cron"].as_str().expect("a cron").to_owned(),
                s["id"].as_i64().expect("an id"),
            )
        })
        .collect()
}

/// The row of `(vendor_type, vendor_id)`: its cron and id.
fn row_of(
    rows: &[(String, i64, String, i64)],
    vendor_type: &str,
    vendor_id: i64,
) -> Option<(String, i64)> {
    rows.iter()
        .find(|(t, v, _, _)| t == vendor_type && *v == vendor_id)
        .map(|(_, _, cron, id)| (cron.clone(), *id))
}

/// SCH3: the scheduler lists the core's two start-up schedules first, the system jobs' (GC
/// and purge with vendor id -1, scan all with 0) and every scheduled policy's, by id; each
/// (re)schedule of a policy is a new row, an unscheduled or deleted policy has none.
#[tokio::test]
async fn sch3_schedules_of_policies_and_the_core() {
    let sim = support::start().await;
    let rows = schedules(&sim).await;
    let daily = "0 0 0 * * *".to_owned();
    assert_eq!(
        rows[..2]
            .iter()
            .map(|(t, v, c, _)| (t.as_str(), *v, c.as_str()))
            .collect::<Vec<_>>(),
        [
            ("SYSTEM_ARTIFACT_CLEANUP", 0, daily.as_str()),
            ("EXECUTION_SWEEP", -1, daily.as_str())
        ],
        "SCH3: {rows:?}"
    );
    let ids: Vec<i64> = rows.iter().map(|r| r.3).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "SCH3 by id: {rows:?}");
    for (vendor_type, vendor_id) in [
        ("GARBAGE_COLLECTION", -1),
        ("PURGE_AUDIT_LOG", -1),
        ("SCAN_ALL", 0),
    ] {
        assert!(
            row_of(&rows, vendor_type, vendor_id).is_some(),
            "SCH3 {vendor_type}: {rows:?}"
        );
    }
    let library = get_json(&sim, "/projects/library").await;
    let retention: i64 = library["metadata"]["retention_id"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .expect("the demo's retention");
    let (cron, seeded_id) = row_of(&rows, "RETENTION", retention).expect("SCH3: the retention");
    assert_eq!(cron, daily, "SCH3");

    // The GC schedule's update is a new row; the scan all's, with the same type and cron,
    // keeps its row.
    for (path, vendor_type, vendor_id, new_row) in [
        ("/system/gc/schedule", "GARBAGE_COLLECTION", -1, true),
        ("/system/scanAll/schedule", "SCAN_ALL", 0, false),
    ] {
        let (cron, before) = row_of(&rows, vendor_type, vendor_id).expect("SCH3");
        let kind = get_json(&sim, path).await["schedule"]["type"].clone();
        let body = json!({"schedule": {"type": kind, "cron": cron}, "parameters": {}});
        let (status, text) = admin(&sim, Method::PUT, path, body).await;
        assert_eq!(status, StatusCode::OK, "{text}");
        let (_, after) = row_of(&schedules(&sim).await, vendor_type, vendor_id).expect("SCH3");
        assert_eq!(after > before, new_row, "SCH3 {vendor_type}");
    }

    // Retention: a changed cron is a new row; an empty one unschedules.
    let mut policy = get_json(&sim, &format!("/retentions/{retention}")).await;
    policy["trigger"]["settings"] = json!({"cron": "0 0 5 * * *"});
    let path = format!("/retentions/{retention}");
    let (status, text) = admin(&sim, Method::PUT, &path, policy.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (cron, id) = row_of(&schedules(&sim).await, "RETENTION", retention).expect("SCH3");
    assert_eq!(cron, "0 0 5 * * *", "SCH3");
    assert!(id > seeded_id, "SCH3: a new row");
    policy["trigger"]["settings"] = json!({"cron": ""});
    let (status, text) = admin(&sim, Method::PUT, &path, policy.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        row_of(&schedules(&sim).await, "RETENTION", retention),
        None,
        "SCH3"
    );

    // Replication: every update of a scheduled policy reschedules it.
    let hub = get_json(&sim, "/registries?name=docker-hub").await[0]["id"].clone();
    let replication = |trigger: Value| json!({"name": "nightly-pull", "src_registry": {"id": hub}, "trigger": trigger});
    let scheduled = json!({"type": "scheduled", "trigger_settings": {"cron": "0 30 1 * * *"}});
    let (status, text) = admin(
        &sim,
        Method::POST,
        "/replication/policies",
        replication(scheduled.clone()),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let policy_id = get_json(&sim, "/replication/policies?name=nightly-pull").await[0]["id"]
        .as_i64()
        .expect("the policy");
    let (cron, first) =
        row_of(&schedules(&sim).await, "REPLICATION", policy_id).expect("SCH3: replication");
    assert_eq!(cron, "0 30 1 * * *", "SCH3");
    let path = format!("/replication/policies/{policy_id}");
    let (status, text) = admin(&sim, Method::PUT, &path, replication(scheduled)).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (_, second) = row_of(&schedules(&sim).await, "REPLICATION", policy_id).expect("SCH3");
    assert!(second > first, "SCH3: rescheduled on every update");
    let (status, text) = admin(&sim, Method::DELETE, &path, json!({})).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        row_of(&schedules(&sim).await, "REPLICATION", policy_id),
        None,
        "SCH3"
    );

    // Preheat: scheduled with a cron; the same cron keeps the row; a project's deletion
    // takes its policies' rows.
    let (status, text) = admin(
        &sim,
        Method::POST,
        "/projects",
        json!({"project_name": "warm"}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let policies = "/projects/warm/preheat/policies";
    let preheat = |cron: &str| {
        json!({"name": "hourly", "provider_id": 1,
               "filters": r#"[{"type":"repository","value":"**"}]"#,
               "trigger": json!({"type": "scheduled", "trigger_setting": {"cron": cron}}).to_string(),
               "enabled": true})
    };
    let (status, text) = admin(&sim, Method::POST, policies, preheat("0 0 * * * *")).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let preheat_id = get_json(&sim, &format!("{policies}/hourly")).await["id"]
        .as_i64()
        .expect("the policy");
    let (cron, first) =
        row_of(&schedules(&sim).await, "P2P_PREHEAT", preheat_id).expect("SCH3: preheat");
    assert_eq!(cron, "0 0 * * * *", "SCH3");
    let mut same = preheat("0 0 * * * *");
    same["id"] = json!(preheat_id);
    let (status, text) = admin(&sim, Method::PUT, &format!("{policies}/hourly"), same).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        row_of(&schedules(&sim).await, "P2P_PREHEAT", preheat_id),
        Some(("0 0 * * * *".to_owned(), first)),
        "SCH3: the same cron keeps the row"
    );
    let (status, text) = admin(&sim, Method::DELETE, "/projects/warm", json!({})).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(
        row_of(&schedules(&sim).await, "P2P_PREHEAT", preheat_id),
        None,
        "SCH3"
    );
    // The total counts every row.
    let response = support::checks::get_as_admin(&sim, "/schedules?page_size=1").await;
    let total = response
        .headers()
        .get("X-Total-Count")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert_eq!(total, Some(schedules(&sim).await.len().to_string()), "SCH3");
}

/// `GET path` as the admin: the names under `field`, sorted (the order among names of one
/// length is the database's collation), and `X-Total-Count`.
async fn names_and_total(
    sim: &support::CheckedSim,
    path: &str,
    field: &str,
) -> (Vec<String>, Option<String>) {
    let response = reqwest::Client::new()
        .get(format!("{}{path}", sim.api_url()))
        .basic_auth("admin", Some("Harbor12345"))
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let total = response
        .headers()
        .get("X-Total-Count")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let list: Value = response.json().await.expect("a list");
    let mut names: Vec<String> = list
        .as_array()
        .expect("a list")
        .iter()
        .map(|e| e[field].as_str().expect("a name").to_owned())
        .collect();
    names.sort();
    (names, total)
}

/// LU1: `%` and `_` in `username` are `like` wildcards for the entries, not for the count
/// (`orm.Escape`); nothing counted lists nothing.
#[tokio::test]
async fn lu1_like_wildcards_in_the_user_search() {
    let sim = support::start().await;
    let body = json!({"username": "a_ice", "email": "a_ice@example.com", "realname": "A Ice",
                      "password": "Passw0rd99"});
    let (status, text) = admin(&sim, Method::POST, "/users", body).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let (names, total) = names_and_total(&sim, "/users/search?username=a_i", "username").await;
    assert_eq!(names, ["a_ice", "alice"], "LU1: `_` is any one character");
    assert_eq!(total.as_deref(), Some("1"), "LU1: only a_ice holds `a_i`");
    let (names, total) =
        names_and_total(&sim, "/users/search?username=_&page_size=100", "username").await;
    assert!(
        names.iter().any(|n| n == "bob") && names.iter().any(|n| n == "admin"),
        "LU1: `_` lists every name: {names:?}"
    );
    assert_eq!(total.as_deref(), Some("1"), "LU1");
    // No user name holds a `%` (an illegal character): nothing is counted, nothing listed.
    let (names, total) = names_and_total(&sim, "/users/search?username=%25", "username").await;
    assert!(names.is_empty(), "LU1: {names:?}");
    assert_eq!(total.as_deref(), Some("0"), "LU1");
}

/// UGS2: `%` and `_` in `groupname` are `like` wildcards for the entries, not for the count;
/// nothing counted lists nothing.
#[tokio::test]
async fn ugs2_like_wildcards_in_the_group_search() {
    let sim = support::start().await;
    for name in ["dev_ops", "devXops", "dev%ops", "other"] {
        let body = json!({"group_name": name, "group_type": 3});
        let (status, text) = admin(&sim, Method::POST, "/usergroups", body).await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
    }
    let all = ["dev%ops", "devXops", "dev_ops"];
    for (query, counted) in [("dev_o", "1"), ("v%25o", "1"), ("v_o", "1")] {
        let path = format!("/usergroups/search?groupname={query}");
        let (names, total) = names_and_total(&sim, &path, "group_name").await;
        assert_eq!(names, all, "UGS2 {query}");
        assert_eq!(total.as_deref(), Some(counted), "UGS2 {query}");
    }
    // A backslash is the `like`'s escape, but the count takes it literally: no name holds
    // `v\_o`, so nothing is listed either.
    let (names, total) =
        names_and_total(&sim, "/usergroups/search?groupname=v%5C_o", "group_name").await;
    assert!(names.is_empty(), "UGS2: {names:?}");
    assert_eq!(total.as_deref(), Some("0"), "UGS2");
    let (names, total) =
        names_and_total(&sim, "/usergroups/search?groupname=zz_", "group_name").await;
    assert!(names.is_empty(), "UGS2: {names:?}");
    assert_eq!(total.as_deref(), Some("0"), "UGS2: nothing counted");
}

/// The distinct first columns (repositories) of CSV rows, in order.
fn repositories_of(rows: &[String]) -> Vec<String> {
    let mut names: Vec<String> = rows
        .iter()
        .map(|r| r.split(',').next().unwrap_or_default().to_owned())
        .collect();
    names.dedup();
    names
}

/// SE12: the criteria are doublestar v1.3.4 patterns: `?`, character classes (`^` negates),
/// `*` within one path component; a malformed pattern the matching reaches fails the job.
#[tokio::test(start_paused = true)]
async fn se12_doublestar_patterns_of_the_scan_export() {
    let sim = support::start().await;
    for (criteria, kept) in [
        (json!({"repositories": "alpin?"}), vec!["library/alpine"]),
        (json!({"repositories": "[a-m]*"}), vec!["library/alpine"]),
        (json!({"repositories": "[^a-m]*"}), vec!["library/nginx"]),
        (
            json!({"repositories": "{ngin[x],none}"}),
            vec!["library/nginx"],
        ),
        (json!({"tags": "?.?0"}), vec!["library/alpine"]),
        (
            json!({"tags": "[0-9].[0-9]*"}),
            vec!["library/nginx", "library/alpine"],
        ),
    ] {
        let (execution, rows) = export_rows(&sim, criteria.clone()).await;
        let rows = rows.unwrap_or_else(|| panic!("SE12 {criteria}: {execution}"));
        let mut got = repositories_of(&rows);
        got.sort();
        let mut want: Vec<String> = kept.iter().map(|k| (*k).to_owned()).collect();
        want.sort();
        assert_eq!(got, want, "SE12 {criteria}");
    }
    // A CVE id class: every row's CVE id matches it.
    let (_, rows) = export_rows(&sim, json!({"cveIds": "CVE-[0-9][0-9][0-9][0-9]-*"})).await;
    let rows = rows.expect("SE12: the export succeeds");
    assert!(!rows.is_empty(), "SE12");
    let (_, none) = export_rows(&sim, json!({"cveIds": "CVE-[^0-9]*"})).await;
    assert_eq!(none, Some(vec![]), "SE12: no CVE id has a letter there");
    // `*` stays within a component: no repository name without its project holds a `/`
    // here, so `*/*` selects none.
    let (_, rows) = export_rows(&sim, json!({"repositories": "*/*"})).await;
    assert_eq!(rows, Some(vec![]), "SE12");
    // An untagged artifact passes a tag pattern (the selector's `untagged` default).
    let latest = get_json(
        &sim,
        "/projects/library/repositories/nginx/artifacts/latest",
    )
    .await;
    let digest = latest["digest"].as_str().expect("a digest").to_owned();
    sim.handle()
        .push_image("library", "nginx", "latest")
        .expect("push");
    let (_, rows) = export_rows(&sim, json!({"tags": "3.*"})).await;
    let rows = rows.expect("SE12: the export succeeds");
    assert!(
        rows.iter()
            .any(|r| r.split(',').nth(1) == Some(digest.as_str())),
        "SE12: the untagged former latest is exported: {rows:?}"
    );
    // A malformed pattern the matching reaches (an unclosed class) fails the job; one it
    // never reaches (the first character differs) does not.
    let (execution, rows) = export_rows(&sim, json!({"repositories": "ngi[nx"})).await;
    assert_eq!(rows, None, "SE12");
    assert_eq!(execution["status"], "Error", "SE12: {execution}");
    let (execution, rows) = export_rows(&sim, json!({"repositories": "zz[nx"})).await;
    assert_eq!(execution["status"], "Success", "SE12: {execution}");
    assert_eq!(rows, Some(vec![]), "SE12");
}

/// RB16, RB17: `UpdateRobot` checks the body (as a create) and a project robot's namespace
/// before `requireAccess`, after `RequireAuthenticated` and the robot's lookup: a signed-in
/// caller without the permission gets the 400; RB18 (level or name) comes after the access
/// check.
#[tokio::test]
async fn rb16_rb17_robot_update_body_before_access() {
    let sim = support::start().await;
    let demo = get_json(&sim, "/projects/demo").await["project_id"].clone();
    let robots = get_json(
        &sim,
        &format!("/robots?q=Level%3Dproject,ProjectID%3D{demo}"),
    )
    .await;
    let robot = robots[0].clone();
    let id = robot["id"].as_i64().expect("the demo's project robot");
    let path = format!("/robots/{id}");
    let body = |duration: i64, namespace: &str, name: &Value| {
        json!({"name": name, "level": "project", "duration": duration, "description": "",
               "disable": false,
               "permissions": [{"kind": "project", "namespace": namespace,
                                "access": [{"resource": "repository", "action": "pull"}]}]})
    };
    let name = robot["name"].clone();
    let bob = Some(user("bob"));
    // bob may not update the robot: a valid body is refused by the access check.
    let (status, text) = send(
        &sim,
        bob,
        None,
        Method::PUT,
        &path,
        Some(body(-1, "demo", &name)),
    )
    .await;
    assert_eq!(status, FORBIDDEN, "RB16: {text}");
    // RB18 comes after it.
    let other = json!("robot$demo+other");
    let (status, text) = send(
        &sim,
        bob,
        None,
        Method::PUT,
        &path,
        Some(body(-1, "demo", &other)),
    )
    .await;
    assert_eq!(status, FORBIDDEN, "RB18: {text}");
    for (row, body, message) in [
        (
            "RB16",
            body(0, "demo", &name),
            "bad request error duration input: 0, duration must be either -1(Never) or a \
             positive integer",
        ),
        (
            "RB17",
            body(-1, "library", &name),
            "cannot update the project id of robot",
        ),
    ] {
        let (status, text) = send(&sim, bob, None, Method::PUT, &path, Some(body)).await;
        assert_eq!(status, BAD, "{row}: {text}");
        assert_error(row, &text, "BAD_REQUEST", message);
    }
    // An anonymous caller and a robot that does not exist: the access rule's answers first.
    let (status, _) = send(
        &sim,
        None,
        None,
        Method::PUT,
        &path,
        Some(body(0, "demo", &name)),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "RB16");
    let (status, text) = send(
        &sim,
        bob,
        None,
        Method::PUT,
        "/robots/9999",
        Some(body(0, "demo", &name)),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "RB16: {text}");
}

/// I4: the unique key is the rule's whole `tag_filter` (the body as `model.Metadata`, the
/// path's project): the same selectors with another priority, template or body id are
/// another rule; a full update rewrites the column, a toggle does not.
#[tokio::test]
async fn i4_whole_rule_is_the_unique_key() {
    let sim = support::start().await;
    let rules = "/projects/library/immutabletagrules";
    let rule = |pattern: &str| {
        json!({
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": pattern}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        })
    };
    let post = |body: Value| admin(&sim, Method::POST, rules, body);
    let conflict = |row: &str, (status, text): (StatusCode, String)| {
        assert_eq!(status, StatusCode::CONFLICT, "{row}: {text}");
        assert_error(row, &text, "CONFLICT", "immutable rule already exists");
    };
    // The demo's rule `1.*` (priority 0): the same body is refused; fields the simulator
    // did not compare make another rule.
    conflict("I4", post(rule("1.*")).await);
    let mut extra_field = rule("1.*");
    extra_field["params"] = json!({"unused": 1});
    conflict("I4: not a Metadata field", post(extra_field).await);
    for (field, value) in [
        ("priority", json!(3)),
        ("template", json!("immutable_template")),
        ("id", json!(77)),
    ] {
        let mut body = rule("1.*");
        body[field] = value;
        let (status, text) = post(body).await;
        assert_eq!(status, StatusCode::CREATED, "I4 {field}: {text}");
    }
    // A full update rewrites the column: the old body is free, the new one taken.
    let (status, text) = post(rule("5.*")).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let listed = get_json(&sim, rules).await;
    let id = listed
        .as_array()
        .and_then(|l| l.iter().find(|r| r["tag_selectors"][0]["pattern"] == "5.*"))
        .and_then(|r| r["id"].as_i64())
        .expect("the 5.* rule");
    let mut update = rule("6.*");
    update["id"] = json!(id);
    let (status, text) = admin(&sim, Method::PUT, &format!("{rules}/{id}"), update.clone()).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    conflict("I4", post(update).await);
    let (status, text) = post(rule("5.*")).await;
    assert_eq!(status, StatusCode::CREATED, "I4: {text}");
}

/// SCH3: a retention policy whose trigger turns `Schedule` is scheduled whatever its cron:
/// with an empty one the scheduler's parse refuses it after the policy is written (400
/// `invalid cron : empty spec string`), the request's transaction undoes the write (RT17),
/// and no schedule is listed.
#[tokio::test]
async fn sch3_retention_turned_scheduled_with_an_empty_cron() {
    let sim = support::start().await;
    let project = create_project(&sim, "kept").await;
    let policy = |kind: &str| {
        json!({"algorithm": "or", "rules": [],
               "trigger": {"kind": kind, "settings": {"cron": ""}},
               "scope": {"level": "project", "ref": project}})
    };
    let (status, text) = admin(&sim, Method::POST, "/retentions", policy("")).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let id: i64 = get_json(&sim, "/projects/kept").await["metadata"]["retention_id"]
        .as_str()
        .and_then(|r| r.parse().ok())
        .expect("the retention");
    let path = format!("/retentions/{id}");
    let (status, text) = admin(&sim, Method::PUT, &path, policy("Schedule")).await;
    assert_eq!(status, BAD, "SCH3: {text}");
    assert_error(
        "SCH3",
        &text,
        "BAD_REQUEST",
        "invalid cron : empty spec string",
    );
    assert!(
        get_json(&sim, &path).await["trigger"].get("kind").is_none(),
        "SCH3: the write was undone"
    );
    assert_eq!(
        row_of(&schedules(&sim).await, "RETENTION", id),
        None,
        "SCH3"
    );
}
