//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") that were simulated in part: the
//! checks Harbor makes before the caller's access (I1, PG2, U33, U34). Each case is named by
//! its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use harbor_sim::SEED_USER_PASSWORD;
use support::checks::{BAD, get_json, user_id};

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
    let header = |name| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
            .unwrap_or_else(|| panic!("a {name} header"))
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
