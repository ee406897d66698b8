//! A robot account may be granted only what `GET /permissions` offers at the permission's
//! kind, as Harbor's robot handler checks (`validate` in
//! `src/server/v2.0/handler/robot.go`), over real HTTP.

use harbor_sim::SEED_USER_PASSWORD;
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod support;

/// Status and error message (empty on success) of a request as `who`.
async fn send(
    sim: &harbor_sim::RunningSimulator,
    who: &str,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let password = if who == "admin" {
        "Harbor12345"
    } else {
        SEED_USER_PASSWORD
    };
    let mut r = Client::new()
        .request(method, format!("{}{path}", sim.api_url()))
        .basic_auth(who, Some(password));
    if let Some(b) = body {
        r = r.json(&b);
    }
    let r = r.send().await.unwrap();
    (r.status(), r.json().await.unwrap_or(Value::Null))
}

fn robot(name: &str, level: &str, permissions: Value) -> Value {
    json!({"name": name, "level": level, "duration": -1, "permissions": permissions})
}

fn one(kind: &str, namespace: &str, resource: &str, action: &str) -> Value {
    json!([{"kind": kind, "namespace": namespace,
            "access": [{"resource": resource, "action": action}]}])
}

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or("")
}

#[tokio::test(start_paused = true)]
async fn pairs_outside_the_permission_table_are_refused() {
    let sim = support::start().await;
    let refused = [
        (
            robot(
                "fly",
                "project",
                one("project", "demo", "repository", "fly"),
            ),
            "bad request permission: repository:fly",
        ),
        // A system resource asked of a project, and a project resource asked of the system.
        (
            robot("reg", "project", one("project", "demo", "registry", "read")),
            "bad request permission: registry:read",
        ),
        (
            robot("pull", "system", one("system", "/", "repository", "pull")),
            "bad request permission: repository:pull",
        ),
        (
            robot("kind", "system", one("cluster", "/", "registry", "read")),
            "bad request permission level: cluster",
        ),
    ];
    for (body, expected) in refused {
        let (status, answer) = send(&sim, "admin", Method::POST, "/robots", Some(body)).await;
        assert_eq!(
            (status, message(&answer)),
            (StatusCode::BAD_REQUEST, expected)
        );
    }
    // The check comes before access: bob, a developer of `demo` who may not create its
    // robots, hears about his body first.
    let bad = robot(
        "bob",
        "project",
        one("project", "demo", "repository", "fly"),
    );
    let (status, _) = send(&sim, "bob", Method::POST, "/robots", Some(bad)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let good = robot(
        "bob",
        "project",
        one("project", "demo", "repository", "pull"),
    );
    let (status, _) = send(&sim, "bob", Method::POST, "/robots", Some(good)).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // An update is checked the same way.
    let good = robot(
        "keeper",
        "project",
        one("project", "demo", "repository", "pull"),
    );
    let (status, created) = send(&sim, "admin", Method::POST, "/robots", Some(good)).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = created["id"].as_i64().unwrap();
    let update = json!({"name": created["name"], "level": "project", "duration": -1,
                        "permissions": one("project", "demo", "tag", "update")});
    let (status, answer) = send(
        &sim,
        "admin",
        Method::PUT,
        &format!("/robots/{id}"),
        Some(update),
    )
    .await;
    assert_eq!(
        (status, message(&answer)),
        (
            StatusCode::BAD_REQUEST,
            "bad request permission: tag:update"
        )
    );
}

#[tokio::test(start_paused = true)]
async fn everything_the_permission_table_lists_may_be_granted() {
    let sim = support::start().await;
    let (status, table) = send(&sim, "admin", Method::GET, "/permissions", None).await;
    assert_eq!(status, StatusCode::OK);
    let access = |scope: &str| table[scope].clone();
    let permissions = json!([
        {"kind": "system", "namespace": "/", "access": access("system")},
        {"kind": "project", "namespace": "*", "access": access("project")},
    ]);
    let body = robot("everything", "system", permissions);
    let (status, created) = send(&sim, "admin", Method::POST, "/robots", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let body = robot(
        "all-of-demo",
        "project",
        json!([
            {"kind": "project", "namespace": "demo", "access": access("project")},
        ]),
    );
    let (status, created) = send(&sim, "admin", Method::POST, "/robots", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
}
