//! Harbor's audit log over real HTTP: what operations write (`audit_log_ext`), and how the
//! lists answer (access, `q`, `sort`, paging), each answer checked against the spec.

use harbor_sim::state::AuditLog;
use harbor_sim::{RunningSimulator, SEED_USER_PASSWORD};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod support;

async fn sim() -> (support::CheckedSim, Client) {
    (support::start().await, Client::new())
}

/// A request as `who` (`admin`, a seeded user, or nobody for `""`).
fn req(
    client: &Client,
    sim: &RunningSimulator,
    who: &str,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let r = client.request(method, format!("{}{path}", sim.api_url()));
    match who {
        "" => r,
        "admin" => r.basic_auth("admin", Some("Harbor12345")),
        user => r.basic_auth(user, Some(SEED_USER_PASSWORD)),
    }
}

async fn send(
    client: &Client,
    sim: &RunningSimulator,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> StatusCode {
    let mut r = req(client, sim, "admin", method, path);
    if let Some(b) = body {
        r = r.json(&b);
    }
    r.send().await.unwrap().status()
}

/// A list as `who`: status, `X-Total-Count`, items.
async fn list(
    client: &Client,
    sim: &RunningSimulator,
    who: &str,
    path: &str,
) -> (StatusCode, Option<u64>, Vec<Value>) {
    let r = req(client, sim, who, Method::GET, path)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let total = r
        .headers()
        .get("X-Total-Count")
        .and_then(|v| v.to_str().ok()?.parse().ok());
    let items = if status.is_success() {
        r.json().await.unwrap()
    } else {
        Vec::new()
    };
    (status, total, items)
}

/// Each row's `operation resource_type resource`, in the answer's order.
fn summary(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| {
            format!(
                "{} {} {}",
                r["operation"].as_str().unwrap_or("?"),
                r["resource_type"].as_str().unwrap_or("?"),
                r["resource"].as_str().unwrap_or("")
            )
        })
        .collect()
}

/// Each row's `field` (empty when left out), description and result.
fn described<'a>(rows: &'a [Value], field: &str) -> Vec<(&'a str, &'a str, bool)> {
    rows.iter()
        .map(|r| {
            (
                r[field].as_str().unwrap_or(""),
                r["operation_description"].as_str().unwrap(),
                r["operation_result"].as_bool().unwrap(),
            )
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_project_life_is_logged_newest_first_and_paged() {
    let (sim, client) = sim().await;
    let created = send(
        &client,
        &sim,
        Method::POST,
        "/projects",
        Some(json!({"project_name": "audited", "public": false})),
    )
    .await;
    assert_eq!(created, StatusCode::CREATED);
    let digest = sim.handle().push_image("audited", "app", "1.0").unwrap();
    let artifact = format!("/projects/audited/repositories/app/artifacts/{digest}");
    let tags = format!("{artifact}/tags");
    assert_eq!(
        send(
            &client,
            &sim,
            Method::POST,
            &tags,
            Some(json!({"name": "stable"}))
        )
        .await,
        StatusCode::CREATED
    );
    let stable = format!("{tags}/stable");
    assert_eq!(
        send(&client, &sim, Method::DELETE, &stable, None).await,
        StatusCode::OK
    );
    assert_eq!(
        send(&client, &sim, Method::DELETE, &artifact, None).await,
        StatusCode::OK
    );
    let repository = "/projects/audited/repositories/app";
    assert_eq!(
        send(&client, &sim, Method::DELETE, repository, None).await,
        StatusCode::OK
    );
    // Only successful operations write these events: a second delete finds nothing.
    assert_eq!(
        send(&client, &sim, Method::DELETE, repository, None).await,
        StatusCode::NOT_FOUND
    );

    let (status, total, rows) = list(
        &client,
        &sim,
        "admin",
        "/projects/audited/auditlog-exts?page_size=20",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(total, Some(6));
    assert_eq!(
        summary(&rows),
        [
            "delete repository audited/app".to_owned(),
            format!("delete artifact audited/app@{digest}"),
            "delete tag audited/app:stable".to_owned(),
            "create tag audited/app:stable".to_owned(),
            "create artifact audited/app:1.0".to_owned(),
            "create project audited".to_owned(),
        ]
    );
    for row in &rows {
        assert_eq!(row["username"], "admin");
        assert_eq!(row["operation_result"], true);
        assert!(row["op_time"].as_str().is_some_and(|t| t.ends_with('Z')));
    }
    assert_eq!(
        rows[1]["operation_description"],
        format!("delete artifact: audited/app@{digest}")
    );
    assert_eq!(
        rows[4]["operation_description"],
        format!("push artifact: audited/app@{digest}")
    );

    assert_eq!(
        send(&client, &sim, Method::DELETE, "/projects/audited", None).await,
        StatusCode::OK
    );
    // The project is gone; the global list still has its rows, newest first, in pages.
    let path = "/auditlog-exts?q=resource%3D~audited&page=1&page_size=4";
    let r = req(&client, &sim, "admin", Method::GET, path)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["X-Total-Count"], "7");
    assert!(
        r.headers()["Link"]
            .to_str()
            .unwrap()
            .contains("rel=\"next\"")
    );
    let first: Vec<Value> = r.json().await.unwrap();
    assert_eq!(
        summary(&first)[..2],
        ["delete project audited", "delete repository audited/app"]
    );
    let (_, total, second) = list(
        &client,
        &sim,
        "admin",
        "/auditlog-exts?q=resource%3D~audited&page=2&page_size=4",
    )
    .await;
    assert_eq!(total, Some(7));
    assert_eq!(
        summary(&second).last().map(String::as_str),
        Some("create project audited")
    );
    // Oldest first on request; an exact match on the operation.
    let (_, total, rows) = list(
        &client,
        &sim,
        "admin",
        "/auditlog-exts?q=resource%3D~audited,operation%3Dcreate&sort=op_time",
    )
    .await;
    assert_eq!(total, Some(3));
    assert_eq!(summary(&rows)[0], "create project audited");
}

#[tokio::test(start_paused = true)]
async fn members_see_the_logs_of_their_projects_only() {
    let (sim, client) = sim().await;
    // The demo data's pushes: three to `library`, two to `demo`.
    let (_, total, _) = list(&client, &sim, "admin", "/auditlog-exts").await;
    assert_eq!(total, Some(5));
    let projects_of = |rows: &[Value]| -> Vec<String> {
        let mut p: Vec<String> = rows
            .iter()
            .map(|r| {
                r["resource"]
                    .as_str()
                    .unwrap()
                    .split('/')
                    .next()
                    .unwrap()
                    .to_owned()
            })
            .collect();
        p.dedup();
        p
    };
    // Only project administrators may list a project's logs (Harbor's
    // `src/common/rbac/project/rbac_role.go`): carol administers `demo` and is a guest of
    // `library`; the others hold lesser roles (`library` being public does not help).
    let (_, total, rows) = list(&client, &sim, "carol", "/auditlog-exts").await;
    assert_eq!(
        (total, projects_of(&rows)),
        (Some(2), vec!["demo".to_owned()])
    );
    for who in ["alice", "bob", "dave", "erin", "frank"] {
        let (status, total, _) = list(&client, &sim, who, "/auditlog-exts").await;
        assert_eq!((status, total), (StatusCode::OK, Some(0)), "{who}");
    }
    // A project's own list needs the permission to list its logs.
    let (status, total, _) = list(&client, &sim, "carol", "/projects/demo/auditlog-exts").await;
    assert_eq!((status, total), (StatusCode::OK, Some(2)));
    for who in ["alice", "frank"] {
        let (status, ..) = list(&client, &sim, who, "/projects/demo/auditlog-exts").await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{who}");
    }
    let (status, ..) = list(&client, &sim, "carol", "/projects/library/auditlog-exts").await;
    assert_eq!(status, StatusCode::FORBIDDEN, "a guest may not");
    let (status, ..) = list(&client, &sim, "", "/auditlog-exts").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, ..) = list(&client, &sim, "bob", "/auditlog-exts/events").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _, types) = list(&client, &sim, "admin", "/auditlog-exts/events").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(types.len(), 18);
    assert_eq!(types[0], json!({"event_type": "create_artifact"}));
}

#[tokio::test(start_paused = true)]
async fn users_members_and_settings_are_logged_with_their_result() {
    let (sim, client) = sim().await;
    let zed = json!({"username": "zed", "email": "zed@example.com", "realname": "Zed",
                     "password": "Passw0rdZed"});
    assert_eq!(
        send(&client, &sim, Method::POST, "/users", Some(zed.clone())).await,
        StatusCode::CREATED
    );
    // The same name again fails, and is written as a failure without a name.
    assert_eq!(
        send(&client, &sim, Method::POST, "/users", Some(zed)).await,
        StatusCode::CONFLICT
    );
    let member = json!({"role_id": 3, "member_user": {"username": "zed"}});
    assert_eq!(
        send(
            &client,
            &sim,
            Method::POST,
            "/projects/demo/members",
            Some(member)
        )
        .await,
        StatusCode::CREATED
    );
    let (_, _, rows) = list(
        &client,
        &sim,
        "admin",
        "/auditlog-exts?q=resource_type%3D{user member}",
    )
    .await;
    assert_eq!(
        described(&rows, "resource"),
        [
            ("zed", "create user member zed in project demo", true),
            ("", "create user with name: ", false),
            ("zed", "create user with name: zed", true),
        ]
    );
    // A member's rows belong to its project: the administrator of `demo` sees them.
    let (_, _, rows) = list(
        &client,
        &sim,
        "carol",
        "/auditlog-exts?q=resource_type%3Dmember",
    )
    .await;
    assert_eq!(rows.len(), 1);
    let (_, _, rows) = list(
        &client,
        &sim,
        "carol",
        "/auditlog-exts?q=resource_type%3Duser",
    )
    .await;
    assert!(rows.is_empty(), "user rows belong to no project");

    // Harbor's log middleware sits before the access check and go-swagger's validation:
    // what they refuse is written too, by whoever asked (nobody has no name).
    let bold = json!({"username": "bold", "email": "bold@example.com", "realname": "B",
                      "password": "Passw0rdBold"});
    let r = req(&client, &sim, "bob", Method::POST, "/users")
        .json(&bold)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = req(&client, &sim, "", Method::PUT, "/configurations")
        .json(&json!({"read_only": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = req(&client, &sim, "admin", Method::PUT, "/configurations")
        .json(&json!({"read_only": "yes"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // A member id that is no number matches none of Harbor's resolvers: nothing is written.
    let r = req(
        &client,
        &sim,
        "admin",
        Method::DELETE,
        "/projects/demo/members/x",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let (_, _, rows) = list(&client, &sim, "admin", "/auditlog-exts?page_size=3").await;
    assert_eq!(
        described(&rows, "username"),
        [
            ("admin", "update configuration", false),
            ("", "update configuration", false),
            ("bob", "create user with name: ", false),
        ]
    );

    // A disabled event type is not written; the configuration change itself is.
    let disable = json!({"disabled_audit_log_event_types": "create_project"});
    assert_eq!(
        send(&client, &sim, Method::PUT, "/configurations", Some(disable)).await,
        StatusCode::OK
    );
    let quiet = json!({"project_name": "quiet"});
    assert_eq!(
        send(&client, &sim, Method::POST, "/projects", Some(quiet)).await,
        StatusCode::CREATED
    );
    let (_, _, rows) = list(&client, &sim, "admin", "/auditlog-exts?page_size=2").await;
    assert_eq!(summary(&rows)[0], "update configuration configuration");
    assert!(summary(&rows).iter().all(|r| !r.contains("quiet")));
}

#[tokio::test(start_paused = true)]
async fn the_legacy_lists_hold_only_what_an_upgrade_kept() {
    let (sim, client) = sim().await;
    for path in ["/audit-logs", "/projects/demo/logs"] {
        let (status, total, rows) = list(&client, &sim, "admin", path).await;
        assert_eq!(
            (status, total, rows.len()),
            (StatusCode::OK, Some(0), 0),
            "{path}"
        );
    }
    let demo = sim.handle().with_state(|s| {
        let demo = s.project_id("demo", true).unwrap();
        let library = s.project_id("library", true).unwrap();
        for (id, project) in [(1, demo), (2, library)] {
            s.audit_log.insert(
                id,
                AuditLog {
                    id,
                    project_id: project,
                    operation: "push".into(),
                    resource_type: "artifact".into(),
                    resource: format!("row{id}"),
                    username: "admin".into(),
                    op_time: format!("2024-01-0{id}T10:00:00Z"),
                },
            );
        }
        demo
    });
    assert!(demo > 0);
    let (_, _, rows) = list(&client, &sim, "admin", "/audit-logs").await;
    assert_eq!(summary(&rows), ["push artifact row2", "push artifact row1"]);
    let (_, _, rows) = list(&client, &sim, "carol", "/audit-logs").await;
    assert_eq!(summary(&rows), ["push artifact row1"]);
    let (_, _, rows) = list(&client, &sim, "carol", "/projects/demo/logs").await;
    assert_eq!(rows.len(), 1);
}

#[tokio::test(start_paused = true)]
async fn a_purge_run_removes_the_old_rows_of_the_types_it_names() {
    let (sim, client) = sim().await;
    // The demo's five pushes, made a month old; then one fresh push.
    sim.handle().with_state(|s| {
        for row in s.audit_log_ext.values_mut() {
            row.op_time = "2020-01-01T00:00:00.000Z".into();
        }
    });
    sim.handle().push_image("library", "fresh", "1").unwrap();
    let purge = json!({"schedule": {"type": "Manual"},
                       "parameters": {"audit_retention_hour": 24,
                                      "include_event_types": "create_artifact",
                                      "dry_run": false}});
    let r = req(
        &client,
        &sim,
        "admin",
        Method::POST,
        "/system/purgeaudit/schedule",
    )
    .json(&purge)
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let run = r.headers()["Location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/api/v2.0")
        .to_owned();
    let (_, total, _) = list(&client, &sim, "admin", "/auditlog-exts").await;
    assert_eq!(
        total,
        Some(6),
        "the purge removes nothing before its job runs"
    );
    // The job purges and writes its log once it runs: past its queue and its run.
    let purge = harbor_sim::Lifecycle::default_for(harbor_sim::JobKind::PurgeAudit);
    tokio::time::advance(purge.queued() + purge.running()).await;
    let (_, total, rows) = list(&client, &sim, "admin", "/auditlog-exts").await;
    assert_eq!(total, Some(1));
    assert_eq!(summary(&rows), ["create artifact library/fresh:1"]);
    let log = req(&client, &sim, "admin", Method::GET, &format!("{run}/log"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(log.contains("Purged 5 rows of audit log exts"), "{log}");
}

#[tokio::test(start_paused = true)]
async fn a_repository_delete_logs_each_artifact_newest_first_then_the_repository() {
    let (sim, client) = sim().await;
    let status = send(
        &client,
        &sim,
        Method::DELETE,
        "/projects/demo/repositories/team%252Fapp",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, rows) = list(
        &client,
        &sim,
        "admin",
        "/projects/demo/auditlog-exts?q=operation%3Ddelete",
    )
    .await;
    let kinds: Vec<&str> = rows
        .iter()
        .map(|r| r["resource_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["repository", "artifact", "artifact"]);
    // Listed newest first: the older artifact (v1.0.0's) was deleted last.
    let state = sim.handle().state();
    let pushed: Vec<String> = state
        .audit_log_ext
        .values()
        .filter(|r| r.operation == "create" && r.resource.starts_with("demo/"))
        .map(|r| r.operation_description.replace("push artifact: ", ""))
        .collect();
    assert_eq!(pushed.len(), 2);
    assert_eq!(rows[1]["resource"], pushed[0].as_str());
    assert_eq!(rows[2]["resource"], pushed[1].as_str());
}
