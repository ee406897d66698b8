//! The checks, defaults and normalisations of Harbor's handlers, one case per row of the
//! ledger in `CONFORMANCE.md` ("Handler checks"), named by the row's id. Each case sends one
//! request to a simulator with the demo data and compares the status and Harbor's message
//! (or the stored value read back).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{ADMIN, BAD, case, get_json, list_with_total, proxy_project, run, user_id};

#[tokio::test]
async fn project_metadata_checks() {
    use Method as M;
    let sim = support::start().await;
    let proxy = proxy_project(&sim, "mirror").await;
    let demo = "/projects/demo/metadatas";
    let proxy_meta = format!("/projects/{proxy}/metadatas");
    run(
        &sim,
        vec![
            case("PM1", M::POST, demo, Some(json!({}))).refused(BAD, "only allow one key/value pair"),
            case("PM1", M::POST, demo, Some(json!({"auto_scan": "true", "severity": "low"})))
                .refused(BAD, "only allow one key/value pair"),
            case("PM2", M::POST, demo, Some(json!({"color": "blue"}))).refused(BAD, "invalid key: color"),
            case("PM2", M::POST, demo, Some(json!({"retention_id": "7"})))
                .refused(BAD, "invalid key: retention_id"),
            case("PM3", M::POST, demo, Some(json!({"auto_scan": "yes"}))).refused(BAD, "invalid value: yes"),
            case("PM4", M::POST, demo, Some(json!({"auto_scan": "T"}))),
            case("PM5", M::POST, demo, Some(json!({"severity": "urgent"}))).refused(BAD, "invalid value: urgent"),
            case("PM6", M::POST, demo, Some(json!({"severity": "Negligible"}))),
            case("PM7", M::POST, demo, Some(json!({"proxy_speed_kb": "fast"}))).refused(BAD, "invalid value: fast"),
            case("PM7", M::POST, demo, Some(json!({"proxy_speed_kb": "3000000000"})))
                .refused(BAD, "invalid value: 3000000000"),
            case("PM8", M::POST, demo, Some(json!({"proxy_speed_kb": "+0100"}))),
            case("PM9", M::POST, demo, Some(json!({"max_upstream_conn": "0"})))
                .refused(BAD, "invalid value for max_upstream_conn: 0"),
            case("PM9", M::POST, demo, Some(json!({"max_upstream_conn": "-1"}))),
            case("PM10", M::POST, demo, Some(json!({"proxy_cache_filter_kind": "regex"})))
                .refused(BAD, "can not update the normal project with proxy cache filter metadata"),
            case("PM10", M::POST, demo, Some(json!({"proxy_cache_filter_pattern": "a/**"})))
                .refused(BAD, "can not update the normal project with proxy cache filter metadata"),
            case("PM11", M::POST, &proxy_meta, Some(json!({"proxy_cache_filter_kind": "glob"})))
                .refused(BAD, "invalid proxy_cache_filter_kind: \"glob\", must be \"doublestar\" or \"regex\""),
            case("PM12", M::POST, &proxy_meta, Some(json!({"proxy_cache_filter_pattern": "lib/[a"})))
                .refused(BAD, "invalid proxy_cache_filter_pattern: \"lib/[a\", err: syntax error in pattern"),
            case("PM12", M::POST, &proxy_meta, Some(json!({"proxy_cache_filter_pattern": "lib/{a,b}/**"}))),
            case("PM13", M::POST, &proxy_meta, Some(json!({"proxy_cache_filter_kind": "doublestar"}))),
            case("PM14", M::DELETE, &format!("{proxy_meta}/proxy_cache_filter_kind"), None).refused(
                BAD,
                "cannot delete proxy_cache_filter_kind when proxy_cache_filter_pattern is not empty, please clear the pattern first",
            ),
            case("PM15", M::POST, demo, Some(json!({"auto_scan": "false"})))
                .refused(StatusCode::CONFLICT, "metadata auto_scan already exists for project 2"),
            case("PM16", M::GET, &format!("{demo}/prevent_vul"), None),
            case("PM17", M::PUT, &format!("{demo}/prevent_vul"), Some(json!({"prevent_vul": "1"}))),
            case("PM18", M::PUT, &format!("{demo}/auto_scan"), Some(json!({"severity": "high"})))
                .refused(BAD, "invalid value: "),
            case("PM19", M::DELETE, &format!("{demo}/prevent_vul"), None),
            // No body: a nil map, not go-swagger's 422 (the spec does not require one).
            case("PM20", M::POST, demo, None).refused(BAD, "only allow one key/value pair"),
            case("PM20", M::PUT, &format!("{demo}/auto_scan"), None).refused(BAD, "invalid value: "),
        ],
    )
    .await;
    // What the accepted rows stored, read back.
    let stored = get_json(&sim, demo).await;
    assert_eq!(
        stored["auto_scan"], "true",
        "PM4: ParseBool(T) stored as true"
    );
    assert_eq!(stored["severity"], "none", "PM6: negligible is none");
    assert_eq!(stored["proxy_speed_kb"], "100", "PM8: FormatInt(ParseInt)");
    assert_eq!(stored["max_upstream_conn"], "-1", "PM9");
    assert!(
        stored.get("prevent_vul").is_none(),
        "PM17: an update of an unset name stores nothing"
    );
    assert_eq!(
        get_json(&sim, &format!("{demo}/prevent_vul")).await,
        json!({}),
        "PM16"
    );
    let proxy_stored = get_json(&sim, &proxy_meta).await;
    assert_eq!(
        proxy_stored["proxy_cache_filter_pattern"], "lib/{a,b}/**",
        "PM12"
    );
    assert_eq!(
        proxy_stored["proxy_cache_filter_kind"], "doublestar",
        "PM13"
    );
}

#[tokio::test]
async fn create_project_checks() {
    use Method as M;
    let sim = support::start().await;
    let registries = get_json(&sim, "/registries").await;
    let registry = registries[0]["id"].as_i64().expect("a demo registry");
    let create = |row, body: Value| case(row, M::POST, "/projects", Some(body));
    run(
        &sim,
        vec![
            create("PC1", json!({"project_name": "p1", "metadata": {"public": "1"}}))
                .refused(BAD, "metadata.public should only be 'true' or 'false', but got: '1'"),
            create("PC2", json!({"project_name": "p2", "public": true, "metadata": {"public": "false"}}))
                .answers(StatusCode::CREATED),
            create("PC3", json!({"project_name": "p3", "metadata": {"retention_id": "4"}})).refused(
                BAD,
                "bad request: the retention_id in the request's payload when creating a project should be omitted, alternatively passing an empty string",
            ),
            create("PC4", json!({"project_name": "p4", "registry_id": 0}))
                .refused(BAD, "bad request: 0 is invalid value of registry_id, it should be geater than 0"),
            create("PC5", json!({"project_name": "p5", "registry_id": registry, "metadata": {"proxy_speed_kb": "x"}}))
                .refused(BAD, "metadata.proxy_speed_kb should by an int32, but got: 'x', err: strconv.ParseInt: parsing \"x\": invalid syntax"),
            create("PC6", json!({"project_name": "p6", "registry_id": registry, "metadata": {"max_upstream_conn": "99999999999"}}))
                .refused(BAD, "metadata.max_upstream_conn should be an int, but got '99999999999', err: strconv.ParseInt: parsing \"99999999999\": value out of range"),
            create("PC7", json!({"project_name": "p7", "registry_id": registry, "metadata": {"proxy_cache_filter_pattern": "a/**"}}))
                .refused(BAD, "metadata.proxy_cache_filter_kind should be \"doublestar\" or \"regex\", but got: \"\""),
            create("PC8", json!({"project_name": "p8", "registry_id": registry, "metadata": {"proxy_cache_filter_kind": "doublestar", "proxy_cache_filter_pattern": "a/{b"}}))
                .refused(BAD, "metadata.proxy_cache_filter_pattern is invalid for kind \"doublestar\": syntax error in pattern"),
            create("PC9", json!({"project_name": "p9", "storage_limit": -2}))
                .refused(BAD, "bad request: invalid non-positive value for quota limit, value=-2"),
            create("PC9", json!({"project_name": "p9", "storage_limit": 1_125_899_906_842_625_i64}))
                .refused(BAD, "bad request: exceeded 1024TB, which is 1125899906842624 Bytes, value=1125899906842625"),
            create("PC10", json!({"project_name": "p10", "metadata": {"proxy_speed_kb": "5", "color": "red", "retention_id": ""}}))
                .answers(StatusCode::CREATED),
            create("PC11", json!({"project_name": "p11", "registry_id": registry, "metadata": {"enable_content_trust": "true"}}))
                .answers(StatusCode::CREATED),
            create("PC12", json!({"project_name": "p12", "cve_allowlist": {"items": [{"cve_id": "CVE-2021-1"}]}}))
                .answers(StatusCode::CREATED),
            // `fmt.Errorf("failed to get the registry %d: %v", ...)`: uncoded.
            create("PC14", json!({"project_name": "p14", "registry_id": 999}))
                .uncoded("failed to get the registry 999: registry 999 not found"),
        ],
    )
    .await;
    let p2 = get_json(&sim, "/projects/p2").await;
    assert_eq!(
        p2["metadata"]["public"], "false",
        "PC2: metadata.public wins over public"
    );
    let p10 = get_json(&sim, "/projects/p10").await;
    assert_eq!(
        p10["metadata"],
        json!({"public": "false"}),
        "PC10: proxy settings, unknown names and retention_id dropped"
    );
    let p11 = get_json(&sim, "/projects/p11").await;
    assert!(
        p11["metadata"].get("enable_content_trust").is_none(),
        "PC11"
    );
    let p12 = get_json(&sim, "/projects/p12").await;
    assert_eq!(
        p12["cve_allowlist"]["items"],
        json!([]),
        "PC12: the request's allowlist is not read"
    );
}

#[tokio::test]
async fn update_project_checks() {
    use Method as M;
    let sim = support::start().await;
    let proxy = proxy_project(&sim, "mirror").await;
    let update = |row, body: Value| case(row, M::PUT, "/projects/demo", Some(body));
    let quota_before = get_json(&sim, "/quotas?reference_id=2").await;
    run(
        &sim,
        vec![
            update("PU1", json!({"cve_allowlist": {"project_id": 1, "items": []}}))
                .refused(BAD, "project_id in cve_allowlist must be 2 but it's 1"),
            update("PU2", json!({"cve_allowlist": {"items": [{"cve_id": "CVE-2024-1"}], "expires_at": 1900000000}})),
            update("PU3", json!({"cve_allowlist": {"items": [{"cve_id": "CVE-1"}, {"cve_id": "CVE-1"}]}}))
                .uncoded("duplicate CVE ID in allowlist: CVE-1"),
            // The allowlist manager checks the items after the handler's checks, and its
            // error rolls back the metadata written before it.
            update("PU3", json!({"cve_allowlist": {"items": [{"cve_id": " "}]}, "metadata": {"severity": "low"}}))
                .uncoded("empty or whitespace-only CVE ID in allowlist"),
            update("PU3", json!({"cve_allowlist": {"items": [{"cve_id": " "}]}, "metadata": {"retention_id": "99"}})).refused(
                BAD,
                "the retention_id in the request's payload when updating a project should be omitted, alternatively passing the one that has already been associated to this project",
            ),
            update("PU4", json!({"metadata": {"retention_id": "99"}})).refused(
                BAD,
                "the retention_id in the request's payload when updating a project should be omitted, alternatively passing the one that has already been associated to this project",
            ),
            update("PU5", json!({"public": true, "storage_limit": 5, "metadata": {"proxy_speed_kb": "9", "auto_scan": "true"}})),
            case("PU6", M::PUT, &format!("/projects/{proxy}"), Some(json!({"metadata": {"proxy_cache_filter_kind": "shell"}})))
                .refused(BAD, "metadata.proxy_cache_filter_kind should be \"doublestar\" or \"regex\", but got: \"shell\""),
            case("PU6", M::PUT, &format!("/projects/{proxy}"), Some(json!({"metadata": {"enable_content_trust": "true"}}))),
        ],
    )
    .await;
    let demo = get_json(&sim, "/projects/demo").await;
    assert_eq!(
        demo["cve_allowlist"]["project_id"], 2,
        "PU2: project_id 0 is the project's"
    );
    assert_eq!(
        demo["cve_allowlist"]["items"],
        json!([{"cve_id": "CVE-2024-1"}]),
        "PU2"
    );
    assert_eq!(demo["cve_allowlist"]["expires_at"], 1_900_000_000, "PU2");
    assert_eq!(
        demo["metadata"]["public"], "false",
        "PU5: public is not read"
    );
    assert_eq!(demo["metadata"]["auto_scan"], "true", "PU5");
    assert!(
        demo["metadata"].get("severity").is_none(),
        "PU3: a refused allowlist leaves the metadata as it was"
    );
    assert!(
        demo["metadata"].get("proxy_speed_kb").is_none(),
        "PU5: proxy settings of a normal project dropped"
    );
    assert_eq!(
        get_json(&sim, "/quotas?reference_id=2").await[0]["hard"],
        quota_before[0]["hard"],
        "PU5: storage_limit is not read"
    );
    let mirror = get_json(&sim, &format!("/projects/{proxy}")).await;
    assert!(
        mirror["metadata"].get("enable_content_trust").is_none(),
        "PU6"
    );
}

#[tokio::test]
async fn quota_checks() {
    use Method as M;
    let sim = support::start().await;
    let quota = get_json(&sim, "/quotas?reference_id=2").await[0]["id"]
        .as_i64()
        .expect("demo's quota");
    let path = format!("/quotas/{quota}");
    let put = |row, body: Value| case(row, M::PUT, &path, Some(body));
    run(
        &sim,
        vec![
            put("Q1", json!({})).refused(BAD, "hard required in body"),
            put("Q1", json!({"hard": {}})).refused(BAD, "hard required in body"),
            case(
                "Q2",
                M::PUT,
                "/quotas/9999",
                Some(json!({"hard": {"storage": 1}})),
            )
            .refused(StatusCode::NOT_FOUND, "quota 9999 not found"),
            put("Q3", json!({"hard": {"count": 5}})).refused(BAD, "resource count not support"),
            put("Q4", json!({"hard": {"storage": 0}}))
                .refused(BAD, "invalid non-positive value for quota limit, value=0"),
            put(
                "Q4",
                json!({"hard": {"storage": 1_125_899_906_842_625_i64}}),
            )
            .refused(
                BAD,
                "exceeded 1024TB, which is 1125899906842624 Bytes, value=1125899906842625",
            ),
            put("Q5", json!({"hard": {"storage": 1}})),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, &path).await["hard"]["storage"],
        1,
        "Q5: a limit below the usage is stored"
    );
}

#[tokio::test]
async fn create_project_storage_limit_is_the_admins_choice() {
    let sim = support::start().await;
    let (status, _, text) = support::send_as(
        &sim,
        ("alice", harbor_sim::SEED_USER_PASSWORD),
        Method::POST,
        "/projects",
        Some(json!({"project_name": "alices", "storage_limit": 5})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let project = get_json(&sim, "/projects/alices").await;
    let id = project["project_id"].as_i64().expect("an id");
    let quota = get_json(&sim, &format!("/quotas?reference_id={id}")).await;
    let default = get_json(&sim, "/configurations").await["storage_per_project"]["value"].clone();
    assert_eq!(
        quota[0]["hard"]["storage"], default,
        "PC13: not the 5 asked for"
    );
}

#[tokio::test]
async fn user_checks() {
    use Method as M;
    let sim = support::start().await;
    let alice = user_id(&sim, "alice").await;
    let user = |name: &str, email: &str, realname: &str, password: &str| json!({"username": name, "email": email, "realname": realname, "password": password});
    let create = |row, body: Value| case(row, M::POST, "/users", Some(body));
    let profile = format!("/users/{alice}");
    let password = format!("/users/{alice}/password");
    run(
        &sim,
        vec![
            create("U1", user("u1", "u1@example.com", "U One", "weakpass")).refused(
                BAD,
                "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
            ),
            create("U2", json!({"username": "u2", "realname": "U", "password": "Passw0rd1"}))
                .refused(BAD, "email can't be empty"),
            create("U3", user("u3", "u3@localhost", "U", "Passw0rd1")).refused(BAD, "email with illegal format"),
            create("U3", user("u3", "a..b@example.com", "U", "Passw0rd1")).refused(BAD, "email with illegal format"),
            create("U4", user("u4", "u4@example.com", "", "Passw0rd1")).refused(BAD, "realname with illegal length"),
            create("U5", user("u5", "u5@example.com", "Bob #5", "Passw0rd1"))
                .refused(BAD, "realname contains illegal characters"),
            create(
                "U6",
                json!({"username": "u6", "email": "u6@example.com", "realname": "U", "password": "Passw0rd1", "comment": "x".repeat(31)}),
            )
            .refused(BAD, "comment with illegal length"),
            create("U7", user("", "u7@example.com", "U", "Passw0rd1")).refused(BAD, "username with illegal length"),
            create("U8", user("robot$u8", "u8@example.com", "U", "Passw0rd1"))
                .refused(BAD, "username contains illegal characters"),
            create("U9", user("alice", "new@example.com", "U", "Passw0rd1"))
                .refused(StatusCode::CONFLICT, "user alice or email new@example.com already exists"),
            create("U10", user("u 10", "\"odd one\"@[10.0.0.1]", "U", "Passw0rd1")).answers(StatusCode::CREATED),
            case("U11", M::PUT, &profile, Some(json!({"email": "alice@example.org"})))
                .refused(BAD, "realname with illegal length"),
            case("U12", M::PUT, &profile, Some(json!({"email": "alice@example.org", "realname": "Alice L."}))),
            case("U13", M::PUT, "/users/9999", Some(json!({"email": "x@example.org", "realname": "X"})))
                .refused(StatusCode::NOT_FOUND, "user with id 9999 not found"),
            // An unknown id updates no row, so no key is broken (U13 first).
            case("U13", M::PUT, "/users/9999", Some(json!({"email": "bob@example.com", "realname": "X"})))
                .refused(StatusCode::NOT_FOUND, "user with id 9999 not found"),
            // Another user's email breaks the unique key: a database error.
            case("U21", M::PUT, &profile, Some(json!({"email": "bob@example.com", "realname": "Alice L."}))).uncoded(
                "ERROR: duplicate key value violates unique constraint \"harbor_user_email_key\" (SQLSTATE 23505)",
            ),
            case("U14", M::PUT, "/users/9999/sysadmin", Some(json!({"sysadmin_flag": true})))
                .refused(StatusCode::NOT_FOUND, "user with id 9999 not found"),
            case("U15", M::PUT, &password, Some(json!({"new_password": "short"}))).refused(
                BAD,
                "the password or secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
            ),
            case("U16", M::PUT, &password, Some(json!({"new_password": harbor_sim::SEED_USER_PASSWORD})))
                .refused(BAD, "New password is identical to old password"),
            case("U17", M::PUT, "/users/9999/password", Some(json!({"new_password": "Passw0rd99"})))
                .refused(StatusCode::NOT_FOUND, "user 9999 not found"),
            case("U18", M::DELETE, "/users/1", None).refused(StatusCode::FORBIDDEN, "User with ID 1 cannot be deleted"),
        ],
    )
    .await;
    let stored = get_json(&sim, &profile).await;
    assert_eq!(stored["realname"], "Alice L.", "U12");
    // Cleared, and so left out of the answer (`UserResp`'s strings are `omitempty`, U24).
    assert!(
        stored.get("comment").is_none(),
        "U12: an omitted comment is cleared: {stored}"
    );
    // U19: the caller's own password change needs the current one.
    let (status, _, text) = support::send_as(
        &sim,
        ("alice", harbor_sim::SEED_USER_PASSWORD),
        M::PUT,
        &password,
        Some(json!({"old_password": "Wr0ngPassword", "new_password": "Passw0rd99"})),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "U19: {text}");
    assert_eq!(
        serde_json::from_str::<Value>(&text).expect("an error body"),
        json!({"errors": [{"code": "FORBIDDEN", "message": "Current password is incorrect"}]}),
        "U19"
    );
}

#[tokio::test]
async fn webhook_checks() {
    use Method as M;
    let sim = support::start().await;
    let policies = "/projects/demo/webhook/policies";
    let http = |address: &str| json!([{"type": "http", "address": address}]);
    let policy = |name: &str, events: Value, targets: Value| json!({"name": name, "event_types": events, "targets": targets});
    let create = |row, body: Value| case(row, M::POST, policies, Some(body));
    let seeded = get_json(&sim, policies).await[0]["id"]
        .as_i64()
        .expect("notify-ci");
    run(
        &sim,
        vec![
            create("W1", policy("w1", json!([]), http("http://ci.example.com")))
                .refused(BAD, "empty event type"),
            create("W2", policy("w2", json!(["PUSH_IMAGE"]), http("http://ci.example.com")))
                .refused(BAD, "unsupported event type PUSH_IMAGE"),
            create("W3", policy("w3", json!(["PUSH_ARTIFACT"]), json!([])))
                .refused(BAD, "empty notification target with policy w3"),
            create("W4", policy("w4", json!(["PUSH_ARTIFACT"]), http("  //  ")))
                .refused(BAD, "empty URL"),
            create("W4", policy("w4", json!(["PUSH_ARTIFACT"]), http("ftp://ci.example.com")))
                .refused(BAD, "invalid scheme: ftp"),
            create(
                "W5",
                policy("w5", json!(["PUSH_ARTIFACT"]), json!([{"type": "email", "address": "http://a.example"}])),
            )
            .refused(BAD, "unsupported target type email with policy w5"),
            create(
                "W6",
                policy("w6", json!(["PUSH_ARTIFACT"]), json!([{"type": "slack", "address": "https://hooks.slack.com/x", "payload_format": "Default"}])),
            )
            .refused(BAD, "set payload format is not allowed for slack"),
            create(
                "W7",
                policy("w7", json!(["PUSH_ARTIFACT"]), json!([{"type": "http", "address": "http://a.example", "payload_format": "Json"}])),
            )
            .refused(BAD, "unsupported payload format type: Json"),
            create("W8", policy("w8", json!(["PUSH_ARTIFACT"]), http("ci.example.com/hook/?x=1")))
                .answers(StatusCode::CREATED),
            create("W9", policy("notify-ci", json!(["PUSH_ARTIFACT"]), http("http://ci.example.com")))
                .refused(StatusCode::CONFLICT, "notification policy named notify-ci already exists"),
            case("W10", M::GET, &format!("{policies}/9999"), None)
                .refused(StatusCode::NOT_FOUND, "notificationPolicy 9999 not found"),
            case("W11", M::GET, &format!("/projects/library/webhook/policies/{seeded}"), None).refused(
                StatusCode::NOT_FOUND,
                format!("resource not found: project id:1, webhook policy id: {seeded} not found"),
            ),
            case(
                "W12",
                M::PUT,
                &format!("{policies}/{seeded}"),
                Some(policy("notify-ci", json!(["PUSH_ARTIFACT"]), http("http://ci.example.com/hook"))),
            ),
        ],
    )
    .await;
    let listed = get_json(&sim, policies).await;
    let w8 = listed
        .as_array()
        .and_then(|l| l.iter().find(|p| p["name"] == "w8"))
        .expect("w8 listed");
    assert_eq!(w8["enabled"], false, "W8: enabled is false when omitted");
    assert_eq!(
        w8["targets"][0]["payload_format"], "Default",
        "W8: http defaults to Default"
    );
    assert_eq!(
        w8["targets"][0]["address"], "ci.example.com/hook/?x=1",
        "W8: the address as sent"
    );
    let updated = get_json(&sim, &format!("{policies}/{seeded}")).await;
    assert_eq!(
        updated["enabled"], false,
        "W12: an update without enabled disables"
    );
}

#[tokio::test]
async fn tag_checks() {
    use Method as M;
    let sim = support::start().await;
    // T4's proxy-cache project.
    proxy_project(&sim, "mirror").await;
    let tags = "/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0/tags";
    let nginx = get_json(&sim, "/projects/library/repositories/nginx/artifacts/1.27").await;
    let nginx_id = nginx["id"].as_i64().expect("an artifact id");
    let app = get_json(
        &sim,
        "/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0",
    )
    .await;
    let app_id = app["id"].as_i64().expect("an artifact id");
    let app_repo = app["repository_id"].as_i64().expect("a repository id");
    let create = |row, name: &str| case(row, M::POST, tags, Some(json!({"name": name})));
    run(
        &sim,
        vec![
            create("T1", "-v2").refused(BAD, "bad request: invalid tag name: -v2"),
            create("T1", "v2/beta").refused(BAD, "bad request: invalid tag name: v2/beta"),
            create("T1", &"a".repeat(129)).refused(
                BAD,
                format!("bad request: invalid tag name: {}", "a".repeat(129)),
            ),
            // The spec requires the name: go-swagger refuses its absence before the handler.
            case("T1", M::POST, tags, Some(json!({}))).answers(StatusCode::UNPROCESSABLE_ENTITY),
            create("T2", &format!("_{}", "a".repeat(127))).answers(StatusCode::CREATED),
            create("T3", "v1.1.0").refused(
                StatusCode::CONFLICT,
                format!("tag v1.1.0 already exists under the repository {app_repo}"),
            ),
            case(
                "T4",
                M::POST,
                "/projects/mirror/repositories/x/artifacts/latest/tags",
                Some(json!({"name": "a"})),
            )
            .refused(
                StatusCode::METHOD_NOT_ALLOWED,
                "the operation isn't supported for a proxy cache project",
            ),
            case("T5", M::DELETE, &format!("{tags}/nope"), None).refused(
                StatusCode::NOT_FOUND,
                format!("tag nope attached to artifact {app_id} not found"),
            ),
            case(
                "T6",
                M::DELETE,
                "/projects/library/repositories/nginx/artifacts/1.27/tags/1.27",
                None,
            )
            .refused(
                StatusCode::PRECONDITION_FAILED,
                "the tag 1.27 configured as immutable, cannot be deleted",
            ),
            case(
                "T7",
                M::DELETE,
                "/projects/library/repositories/nginx/artifacts/1.27/tags/1.99",
                None,
            )
            .refused(
                StatusCode::NOT_FOUND,
                format!("tag 1.99 attached to artifact {nginx_id} not found"),
            ),
        ],
    )
    .await;
    // T8: a created tag answers 201 without a Location (Harbor has no endpoint for one tag).
    let (status, location, text) =
        support::send_as(&sim, ADMIN, M::POST, tags, Some(json!({"name": "rc1"}))).await;
    assert_eq!(status, StatusCode::CREATED, "T8: {text}");
    assert_eq!(location, None, "T8");
}

#[tokio::test]
async fn under_another_auth_mode_only_the_first_admin_is_modifiable() {
    let sim = support::start().await;
    let alice = user_id(&sim, "alice").await;
    sim.handle().with_state(|s| {
        s.configurations
            .insert("auth_mode".into(), json!("ldap_auth"));
    });
    let profile = json!({"email": "alice@example.org", "realname": "Alice"});
    run(
        &sim,
        vec![
            case(
                "U20",
                Method::PUT,
                &format!("/users/{alice}"),
                Some(profile.clone()),
            )
            .refused(
                StatusCode::FORBIDDEN,
                format!("User with ID {alice} can't be updated"),
            ),
            case(
                "U20",
                Method::PUT,
                &format!("/users/{alice}/password"),
                Some(json!({"new_password": "Passw0rd99"})),
            )
            .refused(
                StatusCode::FORBIDDEN,
                format!("User with ID {alice} can't be updated"),
            ),
            case("U20", Method::PUT, "/users/1", Some(profile)),
        ],
    )
    .await;
}

#[tokio::test]
async fn immutable_rule_checks() {
    use Method as M;
    let sim = support::start().await;
    let rules = "/projects/library/immutabletagrules";
    let seeded = get_json(&sim, rules).await[0].clone();
    let id = seeded["id"].as_i64().expect("the demo's rule");
    let rule = |pattern: &str, disabled: bool| {
        json!({
            "disabled": disabled,
            "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": pattern}],
            "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]},
        })
    };
    let mut toggle = seeded.clone();
    toggle["disabled"] = json!(true);
    toggle["tag_selectors"][0]["pattern"] = json!("9.*");
    run(
        &sim,
        vec![
            case("I1", M::PUT, &format!("{rules}/{id}"), Some(json!({"id": id + 1}))).refused(
                BAD,
                "bad request: the immutable_rule_id doesn't match the id in the payload body of ImmutableRule",
            ),
            case("I1", M::PUT, &format!("{rules}/{id}"), Some(json!({}))).refused(
                BAD,
                "bad request: the immutable_rule_id doesn't match the id in the payload body of ImmutableRule",
            ),
            case("I2", M::PUT, &format!("{rules}/9999"), Some(json!({"id": 9999})))
                .refused(StatusCode::NOT_FOUND, "immutable rule 9999 not found"),
            case("I3", M::DELETE, &format!("/projects/demo/immutabletagrules/{id}"), None)
                .refused(StatusCode::NOT_FOUND, "resource not found: project id 2 does not match"),
            case("I4", M::POST, rules, Some(rule("1.*", false)))
                .refused(StatusCode::CONFLICT, "immutable rule already exists"),
            case("I5", M::POST, rules, Some(rule("2.*", true))).answers(StatusCode::CREATED),
            case("I6", M::PUT, &format!("{rules}/{id}"), Some(toggle)),
        ],
    )
    .await;
    let listed = get_json(&sim, rules).await;
    let created = listed
        .as_array()
        .and_then(|l| l.iter().find(|r| r["tag_selectors"][0]["pattern"] == "2.*"))
        .expect("I5's rule listed");
    assert_eq!(
        created.get("disabled"),
        None,
        "I5: a rule is created enabled (a false flag is left out, omitempty)"
    );
    let toggled = listed
        .as_array()
        .and_then(|l| l.iter().find(|r| r["id"] == id))
        .expect("the demo's rule");
    assert_eq!(toggled["disabled"], true, "I6: disabled toggled");
    assert_eq!(
        toggled["tag_selectors"][0]["pattern"], "1.*",
        "I6: a toggle changes nothing else"
    );
}

/// The first id of a list read as the admin.
async fn first_id(sim: &support::CheckedSim, path: &str) -> i64 {
    get_json(sim, path).await[0]["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("GET {path}: an entry with an id"))
}

#[tokio::test]
async fn another_projects_policy_execution_or_task_checks() {
    use Method as M;
    use StatusCode as S;
    let sim = support::start().await;
    // The demo's runs: library's preheat policy `nightly`, library's retention policy,
    // demo's webhook `notify-ci`, each with one execution of one task.
    let nightly = "/projects/library/preheat/policies/nightly";
    let nightly_id = get_json(&sim, nightly).await["id"]
        .as_i64()
        .expect("nightly's id");
    let preheat_run = first_id(&sim, &format!("{nightly}/executions")).await;
    let preheat_task = first_id(&sim, &format!("{nightly}/executions/{preheat_run}/tasks")).await;
    let retention =
        get_json(&sim, "/projects/library/metadatas/retention_id").await["retention_id"]
            .as_str()
            .and_then(|id| id.parse::<i64>().ok())
            .expect("library's retention policy");
    let retention_run = first_id(&sim, &format!("/retentions/{retention}/executions")).await;
    let hooks = "/projects/demo/webhook/policies";
    let hook = first_id(&sim, hooks).await;
    let hook_run = first_id(&sim, &format!("{hooks}/{hook}/executions")).await;
    let hook_task = first_id(&sim, &format!("{hooks}/{hook}/executions/{hook_run}/tasks")).await;
    let (status, location, text) = support::send_as(
        &sim,
        ADMIN,
        M::POST,
        hooks,
        Some(json!({"name": "other", "event_types": ["PUSH_ARTIFACT"], "targets": [{"type": "http", "address": "http://a.example"}]})),
    )
    .await;
    assert_eq!(status, S::CREATED, "{text}");
    let other_hook: i64 = location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location naming the policy");
    let nf = S::NOT_FOUND;
    run(
        &sim,
        vec![
            case(
                "PH1",
                M::GET,
                "/projects/demo/preheat/policies/nightly",
                None,
            )
            .refused(nf, "policy nightly not found"),
            case(
                "PH1",
                M::DELETE,
                "/projects/demo/preheat/policies/nightly",
                None,
            )
            .refused(nf, "policy nightly not found"),
            case(
                "PH1",
                M::GET,
                "/projects/demo/preheat/policies/nightly/executions",
                None,
            )
            .refused(nf, "policy nightly not found"),
            case("PH4", M::PUT, "/projects/demo/preheat/policies/nightly", Some(json!({"id": nightly_id, "name": "nightly", "provider_id": 1})))
                .refused(nf, "resource not found: project id 2 does not match"),
            case("PH4", M::PUT, nightly, Some(json!({"id": 99999, "name": "nightly", "provider_id": 1})))
                .refused(nf, "policy 99999 not found"),
            case("PH4", M::PUT, nightly, Some(json!({"id": nightly_id, "name": "nightly", "provider_id": 1, "enabled": false, "filters": "[]", "trigger": "{\"type\":\"manual\"}"}))),
            case(
                "PH2",
                M::GET,
                &format!("{nightly}/executions/{hook_run}"),
                None,
            )
            .refused(
                nf,
                format!("resource not found: project id 1, execution id {hook_run} not found"),
            ),
            case(
                "PH2",
                M::GET,
                &format!("{nightly}/executions/99999/tasks"),
                None,
            )
            .refused(nf, "execution 99999 not found"),
            case(
                "PH3",
                M::GET,
                &format!("{nightly}/executions/{preheat_run}/tasks/{hook_task}/logs"),
                None,
            )
            .refused(
                nf,
                format!("resource not found: project id 1, task id {hook_task} not found"),
            ),
            case(
                "PH3",
                M::GET,
                &format!("{nightly}/executions/{preheat_run}/tasks/99999/logs"),
                None,
            )
            .refused(nf, "task 99999 not found"),
            case(
                "RT1",
                M::GET,
                &format!("/retentions/{retention}/executions/{preheat_run}/tasks"),
                None,
            )
            .refused(
                nf,
                format!("project: 1, execution id {preheat_run} not found"),
            ),
            case(
                "RT2",
                M::GET,
                &format!("/retentions/{retention}/executions/{retention_run}/tasks/{preheat_task}"),
                None,
            )
            .refused(
                nf,
                format!("project: 1, execution id {retention_run} not found"),
            ),
            case(
                "RT2",
                M::GET,
                &format!("/retentions/{retention}/executions/{retention_run}/tasks/99999"),
                None,
            )
            .refused(nf, "task 99999 not found"),
            case(
                "WJ1",
                M::GET,
                &format!("/projects/library/webhook/jobs?policy_id={hook}"),
                None,
            )
            .refused(nf, "resource not found: project id 1 does not match"),
            case(
                "WJ1",
                M::GET,
                "/projects/library/webhook/jobs?policy_id=99999",
                None,
            )
            .refused(nf, "notificationPolicy 99999 not found"),
            case(
                "WJ2",
                M::GET,
                &format!("{hooks}/{other_hook}/executions/{hook_run}/tasks"),
                None,
            )
            .refused(
                nf,
                format!(
                    "resource not found: execution {hook_run} not found in policy {other_hook}"
                ),
            ),
            case(
                "WJ2",
                M::GET,
                &format!("{hooks}/{hook}/executions/99999/tasks"),
                None,
            )
            .refused(nf, "execution 99999 not found"),
            case(
                "WJ3",
                M::GET,
                &format!("{hooks}/{hook}/executions/{hook_run}/tasks/{preheat_task}/log"),
                None,
            )
            .refused(
                nf,
                format!(
                    "resource not found: task {preheat_task} not found in execution {hook_run}"
                ),
            ),
            case(
                "WJ3",
                M::GET,
                &format!("{hooks}/{hook}/executions/{hook_run}/tasks/99999/log"),
                None,
            )
            .refused(nf, "task 99999 not found"),
        ],
    )
    .await;
}

/// The values of `field` of each entry.
fn field_of(entries: &[Value], field: &str) -> Vec<String> {
    entries
        .iter()
        .map(|e| e[field].as_str().unwrap_or_default().to_owned())
        .collect()
}

#[tokio::test]
async fn list_rule_checks() {
    use Method as M;
    let sim = support::start().await;
    let created = |row: &'static str, path: &str, body: Value| {
        case(row, M::POST, path, Some(body)).answers(StatusCode::CREATED)
    };
    run(
        &sim,
        vec![
            created(
                "LU1",
                "/users",
                json!({"username": "ALAN", "email": "alan@example.com", "realname": "Alan", "password": "Passw0rd99"}),
            ),
            created(
                "LU4",
                "/users",
                json!({"username": "aaron", "email": "aaron@example.com", "realname": "Aaron", "password": "Passw0rd99"}),
            ),
            created("LL1", "/labels", json!({"name": "Nightly-Build", "scope": "g"})),
            created(
                "LW1",
                "/projects/demo/webhook/policies",
                json!({"name": "newest", "event_types": ["PUSH_ARTIFACT"], "targets": [{"type": "http", "address": "http://a.example"}]}),
            ),
            created(
                "LR1",
                "/robots",
                json!({"name": "aaa", "level": "system", "duration": -1, "permissions": [
                    {"kind": "project", "namespace": "library", "access": [{"resource": "repository", "action": "pull"}]},
                ]}),
            ),
        ],
    )
    .await;
    // LU1: the total counts any case, the entries match the asked case only.
    let (found, total) = list_with_total(&sim, "/users/search?username=AL").await;
    assert_eq!(total, Some(2), "LU1: ALAN and alice are counted");
    assert_eq!(
        field_of(&found, "username"),
        ["ALAN"],
        "LU1: like is case-sensitive"
    );
    // LU2, LU3: shortest name first, then by name; every page is the first.
    let (first, _) = list_with_total(&sim, "/users/search?username=a&page_size=2").await;
    let (second, _) = list_with_total(&sim, "/users/search?username=a&page=2&page_size=2").await;
    assert_eq!(field_of(&first, "username"), ["dave", "aaron"], "LU2");
    assert_eq!(second, first, "LU3: the page is not read");
    // LU4: users by name; LU5: `username` and `email` match any case.
    let (users, _) = list_with_total(&sim, "/users?page_size=100").await;
    // Compared among lower-case names only: how `ALAN` falls is the database's collation.
    let names: Vec<String> = field_of(&users, "username")
        .into_iter()
        .filter(|n| !n.chars().any(char::is_uppercase))
        .collect();
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "LU4: users by name");
    assert_eq!(names.first().map(String::as_str), Some("aaron"), "LU4");
    let (users, _) = list_with_total(&sim, "/users?username=Ali").await;
    assert_eq!(field_of(&users, "username"), ["alice"], "LU5");
    let (users, _) = list_with_total(&sim, "/users?email=ALAN@").await;
    assert_eq!(field_of(&users, "username"), ["ALAN"], "LU5");
    // LP1: `name` matches any case.
    let (projects, _) = list_with_total(&sim, "/projects?name=LIB").await;
    assert_eq!(field_of(&projects, "name"), ["library"], "LP1");
    // LL1: `name` matches any case.
    let (labels, _) = list_with_total(&sim, "/labels?scope=g&name=nightly").await;
    assert_eq!(field_of(&labels, "name"), ["Nightly-Build"], "LL1");
    // LW1: the newest policy first.
    let (policies, _) = list_with_total(&sim, "/projects/demo/webhook/policies").await;
    assert_eq!(field_of(&policies, "name"), ["newest", "notify-ci"], "LW1");
    // LR1: by name.
    let (robots, _) = list_with_total(&sim, "/robots").await;
    let names = field_of(&robots, "name");
    let mut sorted = names.clone();
    sorted.sort();
    assert_eq!(names, sorted, "LR1: robots by name");
    assert_eq!(names.first().map(String::as_str), Some("robot$aaa"), "LR1");
}
