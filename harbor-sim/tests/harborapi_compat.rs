//! What Python `harborapi`'s every-method run (`compat/`) found the simulator answering
//! unlike Harbor, fixed and kept: the system CVE allowlist and the robot permission list are
//! filled in, labels need a scope, LDAP search and import answer from a small directory,
//! user groups follow Harbor's rules, the CA download and the CLI secret refuse with
//! Harbor's messages. Every answer is checked against the spec when each
//! test ends.

use harbor_sim::SEED_USER_PASSWORD;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

const ZERO_TIME: &str = "0001-01-01T00:00:00.000Z";

/// Sends `method path` (under `/api/v2.0`) as `user`; status, `Location` and JSON body.
async fn send(
    sim: &support::CheckedSim,
    user: (&str, &str),
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Option<String>, Value) {
    let (status, location, text) = support::send_as(sim, user, method, path, body).await;
    let body = serde_json::from_str(&text).unwrap_or(Value::Null);
    (status, location, body)
}

const ADMIN: (&str, &str) = ("admin", "Harbor12345");

fn message(body: &Value) -> &str {
    body["errors"][0]["message"].as_str().unwrap_or_default()
}

#[tokio::test]
async fn the_system_cve_allowlist_is_harbors_empty_row_until_written() {
    let sim = support::start().await;
    let (status, _, fresh) = send(&sim, ADMIN, Method::GET, "/system/CVEAllowlist", None).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        fresh,
        json!({"items": [], "creation_time": ZERO_TIME, "update_time": ZERO_TIME}),
        "no row yet: an empty list (go-swagger does not omit an empty array), zero times, \
         id and project id omitted"
    );

    let list = json!({"items": [{"cve_id": "CVE-2024-0001"}], "expires_at": 1_900_000_000});
    let (status, _, _) = send(&sim, ADMIN, Method::PUT, "/system/CVEAllowlist", Some(list)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, written) = send(&sim, ADMIN, Method::GET, "/system/CVEAllowlist", None).await;
    assert_eq!(written["items"], json!([{"cve_id": "CVE-2024-0001"}]));
    assert_eq!(written["expires_at"], 1_900_000_000);
    assert!(written["id"].as_i64().is_some_and(|id| id > 0), "{written}");
    assert_ne!(written["creation_time"], ZERO_TIME);
    assert!(written.get("project_id").is_none(), "project 0 is omitted");

    let twice = json!({"items": [{"cve_id": "CVE-1"}, {"cve_id": "CVE-1"}]});
    let (status, _, body) = send(
        &sim,
        ADMIN,
        Method::PUT,
        "/system/CVEAllowlist",
        Some(twice),
    )
    .await;
    // The validator's error carries no code: Harbor's 500.
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
    assert_eq!(message(&body), "internal server error");
    let (_, _, kept) = send(&sim, ADMIN, Method::GET, "/system/CVEAllowlist", None).await;
    assert_eq!(
        kept["items"], written["items"],
        "a refused write changes nothing"
    );
}

#[tokio::test]
async fn robot_permissions_list_both_scopes_for_the_admin_and_the_project_one_for_project_admins() {
    let sim = support::start().await;
    let (status, _, admin) = send(&sim, ADMIN, Method::GET, "/permissions", None).await;
    assert_eq!(status, StatusCode::OK);
    let has = |scope: &Value, resource: &str, action: &str| {
        scope
            .as_array()
            .is_some_and(|l| l.contains(&json!({"resource": resource, "action": action})))
    };
    assert!(has(&admin["system"], "registry", "create"), "{admin}");
    assert!(has(&admin["system"], "user-group", "delete"), "{admin}");
    assert!(has(&admin["project"], "repository", "pull"), "{admin}");
    assert!(has(&admin["project"], "member", "list"), "{admin}");
    assert!(!has(&admin["project"], "registry", "create"));

    // carol administers `demo` in the demo data: the project scope only; bob, a developer,
    // administers nothing.
    let carol = ("carol", SEED_USER_PASSWORD);
    let (status, _, project_admin) = send(&sim, carol, Method::GET, "/permissions", None).await;
    assert_eq!(status, StatusCode::OK, "{project_admin}");
    assert!(project_admin.get("system").is_none(), "{project_admin}");
    assert_eq!(project_admin["project"], admin["project"]);
    let bob = ("bob", SEED_USER_PASSWORD);
    let (status, _, _) = send(&sim, bob, Method::GET, "/permissions", None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn the_ca_download_and_the_cli_secret_refuse_with_harbors_messages() {
    let sim = support::start().await;
    let (status, _, body) = send(&sim, ADMIN, Method::GET, "/systeminfo/getcert", None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        message(&body),
        "resource not found: cert not found in path: /etc/core/ca/ca.crt"
    );

    // Outside OIDC mode the auth mode is checked first, whatever the secret. User 3 is the
    // seeded alice (2 is Harbor's deleted `anonymous`).
    for secret in ["weak", "Harbor12345x"] {
        let body = json!({"secret": secret});
        let (status, _, answer) =
            send(&sim, ADMIN, Method::PUT, "/users/3/cli_secret", Some(body)).await;
        assert_eq!(status, StatusCode::PRECONDITION_FAILED, "{answer}");
        assert_eq!(
            message(&answer),
            "unable to update CLI secret under authmode: db_auth"
        );
    }
}

#[tokio::test]
async fn listing_labels_needs_a_scope_and_project_labels_a_project() {
    let sim = support::start().await;
    for (query, want) in [
        ("", "invalid scope: "),
        ("?scope=x", "invalid scope: x"),
        (
            "?scope=p",
            "must with project ID when to query project labels",
        ),
        (
            "?scope=p&project_id=0",
            "must with project ID when to query project labels",
        ),
    ] {
        let (status, _, body) =
            send(&sim, ADMIN, Method::GET, &format!("/labels{query}"), None).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{query}: {body}");
        assert_eq!(message(&body), want, "{query}");
    }
    let (status, _, global) = send(&sim, ADMIN, Method::GET, "/labels?scope=g", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        global
            .as_array()
            .is_some_and(|l| !l.is_empty() && l.iter().all(|x| x["scope"] == "g")),
        "{global}"
    );
}

#[tokio::test]
async fn the_reachable_ldap_server_holds_a_small_directory_searched_as_harbor_does() {
    let sim = support::start().await;
    let (status, _, carol) = send(
        &sim,
        ADMIN,
        Method::GET,
        "/ldap/users/search?username=carol",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        carol,
        json!([{"username": "carol", "realname": "carol", "email": "carol@example.com"}])
    );
    let (_, _, everyone) = send(&sim, ADMIN, Method::GET, "/ldap/users/search", None).await;
    assert_eq!(everyone.as_array().map(Vec::len), Some(3), "{everyone}");
    let (_, _, nobody) = send(
        &sim,
        ADMIN,
        Method::GET,
        "/ldap/users/search?username=zed",
        None,
    )
    .await;
    assert_eq!(nobody, json!([]));

    let dev = json!([{"group_name": "dev", "ldap_group_dn": "cn=dev,ou=groups,dc=example,dc=com"}]);
    let (status, _, by_name) = send(
        &sim,
        ADMIN,
        Method::GET,
        "/ldap/groups/search?groupname=dev",
        None,
    )
    .await;
    assert_eq!((status, &by_name), (StatusCode::OK, &dev));
    let by_dn_path = "/ldap/groups/search?groupdn=cn%3Ddev%2Cou%3Dgroups%2Cdc%3Dexample%2Cdc%3Dcom";
    let (_, _, by_dn) = send(&sim, ADMIN, Method::GET, by_dn_path, None).await;
    assert_eq!(by_dn, dev);
    let (status, _, none) = send(
        &sim,
        ADMIN,
        Method::GET,
        "/ldap/groups/search?groupname=devs",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "Harbor: no group is a 404");
    assert_eq!(
        message(&none),
        "resource not found: group name:devs, group DN:"
    );

    // Under db_auth Harbor's database authenticator onboards nobody: every uid fails.
    let import = json!({"ldap_uid_list": ["carol", "zed", ""]});
    let (status, _, failed) = send(
        &sim,
        ADMIN,
        Method::POST,
        "/ldap/users/import",
        Some(import),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        failed,
        json!([
            {"uid": "carol", "error": "failed to import user: carol"},
            {"uid": "zed", "error": "unknown_user"},
            {"uid": "", "error": "empty_uid"},
        ])
    );

    sim.handle()
        .with_state(|s| s.reachability.deny("ldap.example.com"));
    let (status, _, _) = send(
        &sim,
        ADMIN,
        Method::GET,
        "/ldap/users/search?username=carol",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "the dial fails");
}

#[tokio::test]
async fn under_ldap_auth_an_import_onboards_the_directorys_people() {
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "ldap import").await;
    // Without the demo data the directory is empty: put the demo's there, and bind to it
    // with its search account, as Harbor binds before every search.
    sim.handle().with_state(|s| {
        s.reachability.allow("ldap.example.com");
        s.ldap_directory = harbor_sim::state::LdapDirectory::demo();
    });
    let ldap = json!({"auth_mode": "ldap_auth", "ldap_url": "ldap://ldap.example.com",
                      "ldap_base_dn": "dc=example,dc=com", "ldap_uid": "uid",
                      "ldap_search_dn": "cn=admin,dc=example,dc=com",
                      "ldap_search_password": harbor_sim::state::ldap_directory::DEMO_ADMIN_PASSWORD});
    let (status, _, body) = send(&sim, ADMIN, Method::PUT, "/configurations", Some(ldap)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let import = json!({"ldap_uid_list": ["grace", "heidi"]});
    let (status, _, body) = send(
        &sim,
        ADMIN,
        Method::POST,
        "/ldap/users/import",
        Some(import),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (_, _, users) = send(&sim, ADMIN, Method::GET, "/users?q=username%3Dgrace", None).await;
    assert_eq!(users[0]["email"], "grace@example.com", "{users}");
    assert_eq!(users[0]["comment"], "from LDAP.");
    // Importing again finds the users onboarded already: no failure.
    let again = json!({"ldap_uid_list": ["grace"]});
    let (status, _, _) = send(&sim, ADMIN, Method::POST, "/ldap/users/import", Some(again)).await;
    assert_eq!(status, StatusCode::OK);
}

#[tokio::test]
async fn user_groups_follow_harbors_rules_for_types_names_reads_and_deletes() {
    let sim = support::start().await;
    // Under db_auth Harbor's LDAP lookup of the DN finds nothing.
    let ldap = json!({"group_name": "ops", "group_type": 1,
                      "ldap_group_dn": "cn=ops,ou=groups,dc=example,dc=com"});
    let (status, _, body) = send(&sim, ADMIN, Method::POST, "/usergroups", Some(ldap)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        message(&body),
        "LDAP Group DN is not found: DN:cn=ops,ou=groups,dc=example,dc=com"
    );
    let nameless = json!({"group_type": 3});
    let (status, _, _) = send(&sim, ADMIN, Method::POST, "/usergroups", Some(nameless)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "go-swagger's bare 400");

    let oidc = json!({"group_name": "team", "group_type": 3});
    let (status, location, _) =
        send(&sim, ADMIN, Method::POST, "/usergroups", Some(oidc.clone())).await;
    assert_eq!(status, StatusCode::CREATED);
    let path = location.expect("a Location");
    let id: i64 = path
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .expect("an id");
    let (status, _, body) = send(&sim, ADMIN, Method::POST, "/usergroups", Some(oidc)).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(
        message(&body),
        "duplicate user group, group name:team, group type: 3, ldap group DN: "
    );
    let http = json!({"group_name": "team", "group_type": 2});
    let (status, _, _) = send(&sim, ADMIN, Method::POST, "/usergroups", Some(http)).await;
    assert_eq!(status, StatusCode::CREATED, "names are unique per type");

    let group_path = format!("/usergroups/{id}");
    let (_, _, read_back) = send(&sim, ADMIN, Method::GET, &group_path, None).await;
    assert_eq!(read_back, json!({"group_name": "team", "group_type": 3}));
    let renamed = json!({"group_name": "crew", "group_type": 1});
    let (status, _, _) = send(&sim, ADMIN, Method::PUT, &group_path, Some(renamed)).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, read_back) = send(&sim, ADMIN, Method::GET, &group_path, None).await;
    assert_eq!(
        read_back,
        json!({"group_name": "crew", "group_type": 3}),
        "only the name changes"
    );

    // A member group of a project goes with its group.
    let member = json!({"role_id": 3, "member_group": {"id": id}});
    let (status, _, body) = send(
        &sim,
        ADMIN,
        Method::POST,
        "/projects/library/members",
        Some(member),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let is_crew = |members: &Value| {
        members.as_array().is_some_and(|m| {
            m.iter()
                .any(|x| x["entity_type"] == "g" && x["entity_id"] == id)
        })
    };
    let (_, _, members) = send(&sim, ADMIN, Method::GET, "/projects/library/members", None).await;
    assert!(is_crew(&members), "{members}");
    let (status, _, _) = send(&sim, ADMIN, Method::DELETE, &group_path, None).await;
    assert_eq!(status, StatusCode::OK);
    let (_, _, members) = send(&sim, ADMIN, Method::GET, "/projects/library/members", None).await;
    assert!(!is_crew(&members), "{members}");
    let (status, _, body) = send(&sim, ADMIN, Method::GET, &group_path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        message(&body),
        format!("the user group with id {id} is not found")
    );
    let (status, _, _) = send(&sim, ADMIN, Method::DELETE, &group_path, None).await;
    assert_eq!(
        status,
        StatusCode::OK,
        "Harbor deletes an unknown id quietly"
    );
}

#[tokio::test]
async fn under_ldap_auth_the_group_list_shows_ldap_groups_and_ldap_groups_can_be_made() {
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "ldap groups").await;
    // The demo's directory and search account (see the import test above).
    sim.handle().with_state(|s| {
        s.reachability.allow("ldap.example.com");
        s.ldap_directory = harbor_sim::state::LdapDirectory::demo();
    });
    let http = json!({"group_name": "proxy", "group_type": 2});
    let (status, _, _) = send(&sim, ADMIN, Method::POST, "/usergroups", Some(http)).await;
    assert_eq!(status, StatusCode::CREATED);
    let ldap = json!({"auth_mode": "ldap_auth", "ldap_url": "ldap://ldap.example.com",
                      "ldap_base_dn": "dc=example,dc=com",
                      "ldap_search_dn": "cn=admin,dc=example,dc=com",
                      "ldap_search_password": harbor_sim::state::ldap_directory::DEMO_ADMIN_PASSWORD});
    let (status, _, body) = send(&sim, ADMIN, Method::PUT, "/configurations", Some(ldap)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let ops = json!({"group_name": "ops", "group_type": 1,
                     "ldap_group_dn": "cn=ops,ou=groups,dc=example,dc=com"});
    let (status, _, body) = send(&sim, ADMIN, Method::POST, "/usergroups", Some(ops)).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let (_, _, listed) = send(&sim, ADMIN, Method::GET, "/usergroups", None).await;
    let names: Vec<&str> = listed
        .as_array()
        .map(|l| l.iter().filter_map(|g| g["group_name"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(
        names,
        ["ops"],
        "the HTTP group is not listed under ldap_auth"
    );
}
