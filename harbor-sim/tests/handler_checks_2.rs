//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for the handler files reached
//! after `handler_checks.rs` grew long: `repository.go`, `robot.go`, and the files after them.
//! Each case is named by its row's id.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{BAD, case, get_json, run, run_as, send};

const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const CONFLICT: StatusCode = StatusCode::CONFLICT;

#[tokio::test]
async fn repository_checks() {
    use Method as M;
    let sim = support::start().await;
    let app = "/projects/demo/repositories/team%252Fapp";
    run(
        &sim,
        vec![
            case("RP1", M::GET, "/projects/nope/repositories/x", None)
                .refused(NOT_FOUND, "repository nope/x not found"),
            case(
                "RP1",
                M::PUT,
                "/projects/nope/repositories/x",
                Some(json!({"description": "d"})),
            )
            .refused(NOT_FOUND, "repository nope/x not found"),
            case("RP1", M::DELETE, "/projects/nope/repositories/x", None)
                .refused(NOT_FOUND, "repository nope/x not found"),
            case("RP1", M::GET, "/projects/demo/repositories/x", None)
                .refused(NOT_FOUND, "repository demo/x not found"),
            case("RP2", M::GET, "/projects/nope/repositories", None)
                .refused(NOT_FOUND, "project nope not found"),
            case(
                "RP3",
                M::PUT,
                app,
                Some(json!({"description": "<b>\"Tom\" & 'Jerry'</b>"})),
            ),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, app).await["description"],
        "&lt;b&gt;&#34;Tom&#34; &amp; &#39;Jerry&#39;&lt;/b&gt;",
        "RP3: template.HTMLEscapeString"
    );
    run(&sim, vec![case("RP4", M::PUT, app, Some(json!({})))]).await;
    let repo = get_json(&sim, app).await;
    assert!(
        repo.get("description").is_none(),
        "RP4, RP5: an omitted description clears it, an empty one is omitted: {repo}"
    );
    assert_eq!(repo["pull_count"], 0, "RP5: pull_count is never omitted");
    // RP6: newest first. `library/alpine` was pushed after `library/nginx`; a new push
    // makes the newest repository of all.
    sim.handle()
        .push_image("library", "zlib", "1.0")
        .expect("pushed");
    let names = |list: Value| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    assert_eq!(
        names(get_json(&sim, "/projects/library/repositories").await),
        ["library/zlib", "library/alpine", "library/nginx"],
        "RP6"
    );
    assert_eq!(
        names(get_json(&sim, "/repositories").await),
        [
            "library/zlib",
            "demo/team/app",
            "library/alpine",
            "library/nginx"
        ],
        "RP6: all repositories"
    );
    // RP7: `library` makes tags matching `1.*` immutable (the demo's rule). The immutable
    // artifact refuses, and the request's transaction keeps the whole repository.
    sim.handle()
        .push_image("library", "kept", "0.9")
        .expect("pushed");
    sim.handle()
        .push_image("library", "kept", "1.1")
        .expect("pushed");
    run(
        &sim,
        vec![
            case(
                "RP7",
                M::DELETE,
                "/projects/library/repositories/kept",
                None,
            )
            .refused(
                StatusCode::PRECONDITION_FAILED,
                "the tag 1.1 configured as immutable, cannot be deleted",
            ),
        ],
    )
    .await;
    let tags: Vec<Value> = get_json(&sim, "/projects/library/repositories/kept/artifacts")
        .await
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["tags"][0]["name"].clone())
        .collect();
    assert_eq!(tags, [json!("1.1"), json!("0.9")], "RP7: both kept");
}

/// A robot body with one permission.
fn robot(name: &str, level: &str, kind: &str, namespace: &str, access: Value) -> Value {
    json!({
        "name": name, "level": level, "duration": -1,
        "permissions": [{"kind": kind, "namespace": namespace, "access": access}],
    })
}

fn pull() -> Value {
    json!([{"resource": "repository", "action": "pull"}])
}

/// Creates a robot as the admin; its id and secret.
async fn new_robot(sim: &support::CheckedSim, body: Value) -> (i64, String) {
    let (status, text) = send(sim, Method::POST, "/robots", Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let created: Value = serde_json::from_str(&text).expect("JSON");
    (
        created["id"].as_i64().expect("an id"),
        created["secret"].as_str().expect("a secret").to_owned(),
    )
}

#[tokio::test]
async fn create_robot_checks() {
    use Method as M;
    let sim = support::start().await;
    let create = |row, body: Value| case(row, M::POST, "/robots", Some(body));
    let project_pull = |name: &str, ns: &str| robot(name, "project", "project", ns, pull());
    run(
        &sim,
        vec![
            create("RB1", json!({"name": "Bad+Name", "level": "system", "duration": -1}))
                .refused(BAD, "robot name is not in lower case or contains illegal characters"),
            create("RB2", json!({"name": "a", "level": "system", "duration": 0}))
                .refused(BAD, "bad request error duration input: 0, duration must be either -1(Never) or a positive integer"),
            create("RB2", json!({"name": "a", "level": "system", "duration": 2_147_483_647_i64}))
                .refused(BAD, "bad request error duration input: 2147483647, duration must be either -1(Never) or a positive integer"),
            create("RB3", json!({"name": "a", "level": "global", "duration": -1}))
                .refused(BAD, "bad request error level input: global"),
            create("RB4", json!({"name": "a", "level": "system", "duration": -1, "permissions": []}))
                .refused(BAD, "bad request empty permission"),
            create("RB5", robot("a", "system", "project", "*", json!([])))
                .refused(BAD, "bad request empty access"),
            create("RB6", json!({"name": "a", "level": "project", "duration": -1, "permissions": [
                {"kind": "project", "namespace": "demo", "access": pull()},
                {"kind": "project", "namespace": "library", "access": pull()},
            ]}))
                .refused(BAD, "bad request permission"),
            create("RB7", robot("a", "system", "cluster", "/", pull()))
                .refused(BAD, "bad request permission level: cluster"),
            create("RB8", robot("a", "system", "system", "/", pull()))
                .refused(BAD, "bad request permission: repository:pull"),
            // A namespace is a project name, even when all digits (demo's id is 2).
            create("RB9", project_pull("a", "2")).refused(NOT_FOUND, "project 2 not found"),
            create("RB9", project_pull("b", "demo")).answers(StatusCode::CREATED),
            create("RB10", robot("ci", "system", "project", "*", pull()))
                .refused(CONFLICT, "robot account 0:ci already exists"),
            create("RB10", project_pull("puller", "demo"))
                .refused(CONFLICT, "robot account 2:demo+puller already exists"),
            create("RB11", robot("c", "system", "system", "demo", json!([{"resource": "registry", "action": "list"}])))
                .refused(BAD, "unknown namespace"),
            create("RB11", robot("c", "system", "project", "nope", pull()))
                .refused(NOT_FOUND, "project nope not found"),
            create("RB12", json!({"name": "d", "level": "system", "duration": -1, "disable": true,
                "permissions": [{"kind": "project", "namespace": "*", "access": pull()}]}))
                .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let robots = get_json(&sim, "/robots?q=name%3D~robot%24d").await;
    assert_eq!(robots[0]["name"], "robot$d", "{robots}");
    assert_eq!(
        robots[0]["disable"], false,
        "RB12: CreateRobot does not read disable"
    );
    assert_eq!(robots[0]["creator_type"], "local", "RB13");
    assert_eq!(robots[0]["creator_ref"], 1, "RB13");
    assert!(
        robots[0].get("description").is_none(),
        "RB14: an empty description is omitted: {}",
        robots[0]
    );
    assert!(
        get_json(&sim, "/robots?q=name%3Drobot%24c").await == json!([]),
        "RB11: nothing stored"
    );
    // RB13: a robot that creates a robot is its creator, as `robot`.
    let (maker, secret) = new_robot(
        &sim,
        json!({"name": "maker", "level": "system", "duration": -1, "permissions": [
            {"kind": "system", "namespace": "/", "access": [{"resource": "robot", "action": "create"}]},
            {"kind": "project", "namespace": "*", "access": pull()},
        ]}),
    )
    .await;
    run_as(
        &sim,
        ("robot$maker", &secret),
        vec![
            case("RB13", M::POST, "/robots", Some(robot("made", "system", "project", "*", pull())))
                .answers(StatusCode::CREATED),
            case("RB24", M::POST, "/robots", Some(robot("more", "system", "project", "*",
                json!([{"resource": "repository", "action": "push"}]))))
                .refused_as(
                    StatusCode::FORBIDDEN,
                    "DENIED",
                    "permission scope is invalid. It must be equal to or more restrictive than the creator robot's permissions: robot$maker",
                ),
        ],
    )
    .await;
    let made = get_json(&sim, "/robots?q=name%3Drobot%24made").await;
    assert_eq!(made[0]["creator_type"], "robot", "RB13: {made}");
    assert_eq!(made[0]["creator_ref"], maker, "RB13");
}

#[tokio::test]
async fn robot_update_and_secret_checks() {
    use Method as M;
    let sim = support::start().await;
    let (system, _) = new_robot(&sim, robot("sys", "system", "project", "*", pull())).await;
    let (project, _) = new_robot(&sim, robot("prj", "project", "project", "demo", pull())).await;
    let sys = format!("/robots/{system}");
    let prj = format!("/robots/{project}");
    let update = |row, path: &str, body: Value| case(row, M::PUT, path, Some(body));
    let body = |name: &str, level: &str, ns: &str| {
        let mut b = robot(name, level, "project", ns, pull());
        b["description"] = json!("kept?");
        b
    };
    run(
        &sim,
        vec![
            case("RB15", M::GET, "/robots/999", None).refused(NOT_FOUND, "robot 999 not found"),
            update("RB15", "/robots/999", body("robot$x", "system", "*"))
                .refused(NOT_FOUND, "robot 999 not found"),
            case("RB15", M::PATCH, "/robots/999", Some(json!({}))).refused(NOT_FOUND, "robot 999 not found"),
            case("RB15", M::DELETE, "/robots/999", None).refused(NOT_FOUND, "robot 999 not found"),
            update("RB16", &sys, json!({"name": "robot$sys", "level": "system", "duration": 0,
                "permissions": [{"kind": "project", "namespace": "*", "access": pull()}]}))
                .refused(BAD, "bad request error duration input: 0, duration must be either -1(Never) or a positive integer"),
            update("RB17", &prj, body("robot$demo+prj", "project", "library"))
                .refused(BAD, "cannot update the project id of robot"),
            update("RB17", &prj, body("robot$demo+prj", "project", "2"))
                .refused(NOT_FOUND, "project 2 not found"),
            update("RB18", &sys, body("robot$other", "system", "*"))
                .refused(BAD, "cannot update the level or name of robot"),
            update("RB18", &prj, body("robot$demo+prj", "system", "demo"))
                .refused(BAD, "cannot update the level or name of robot"),
            update("RB11", &sys, body("robot$sys", "system", "nope"))
                .refused(NOT_FOUND, "project nope not found"),
            update("RB19", &sys, json!({"name": "robot$sys", "level": "system",
                "permissions": [{"kind": "project", "namespace": "*", "access": pull()}]})),
            case("RB20", M::PATCH, &sys, Some(json!({"secret": "short"}))).refused(
                BAD,
                "the secret must be 8-128, inclusively, characters long with at least 1 uppercase letter, 1 lowercase letter and 1 number",
            ),
        ],
    )
    .await;
    let stored = get_json(&sim, &sys).await;
    assert_eq!(stored["duration"], -1, "RB19: an absent duration is kept");
    assert!(
        stored.get("description").is_none(),
        "RB19: an omitted description is cleared: {stored}"
    );
    assert_eq!(stored["disable"], false, "RB19");
    // RB21: a chosen secret is not answered back; a generated one is.
    let (status, text) = send(&sim, M::PATCH, &sys, Some(json!({"secret": "Chosen12345"}))).await;
    assert_eq!(
        (status, serde_json::from_str::<Value>(&text).ok()),
        (StatusCode::OK, Some(json!({}))),
        "RB21"
    );
    let (status, _, _) = support::send_as(
        &sim,
        ("robot$sys", "Chosen12345"),
        M::GET,
        "/projects/library",
        None,
    )
    .await;
    assert_eq!(
        status,
        StatusCode::OK,
        "RB21: the chosen secret is the robot's"
    );
    let (_, text) = send(&sim, M::PATCH, &sys, Some(json!({}))).await;
    let answered: Value = serde_json::from_str(&text).expect("JSON");
    assert!(
        answered["secret"].as_str().is_some_and(|s| s.len() >= 8),
        "RB21: {answered}"
    );
}

#[tokio::test]
async fn robot_list_checks() {
    use Method as M;
    let sim = support::start().await;
    new_robot(&sim, robot("zz", "project", "project", "library", pull())).await;
    let names = |list: &Value| -> Vec<String> {
        list.as_array()
            .expect("a list")
            .iter()
            .map(|r| r["name"].as_str().unwrap_or_default().to_owned())
            .collect()
    };
    let system = get_json(&sim, "/robots").await;
    assert!(
        names(&system).iter().all(|n| !n.contains('+')),
        "LR2: without Level only system robots: {:?}",
        names(&system)
    );
    assert_eq!(
        names(&get_json(&sim, "/robots?q=Level%3Dsystem,ProjectID%3D1").await),
        names(&system),
        "LR2: Level=system forces ProjectID 0"
    );
    assert_eq!(
        names(&get_json(&sim, "/robots?q=Level%3Dproject,ProjectID%3D1").await),
        ["robot$library+zz"],
        "LR3: one project's robots"
    );
    run(
        &sim,
        vec![
            case("LR4", M::GET, "/robots?q=Level%3Dglobal", None)
                .refused(BAD, "bad request error level input"),
            case("LR4", M::GET, "/robots?q=Level%3D~sys", None)
                .refused(BAD, "bad request error level input"),
            case("LR5", M::GET, "/robots?q=Level%3Dproject", None)
                .refused(BAD, "must with project ID when to query project robots"),
            case(
                "LR6",
                M::GET,
                "/robots?q=Level%3Dproject,ProjectID%3D0",
                None,
            )
            .refused(BAD, "ProjectID must be a positive integer"),
            case(
                "LR6",
                M::GET,
                "/robots?q=Level%3Dproject,ProjectID%3D~1",
                None,
            )
            .refused(BAD, "ProjectID must be a positive integer"),
        ],
    )
    .await;
}

#[tokio::test]
async fn member_checks() {
    use Method as M;
    let sim = support::start().await;
    let members = "/projects/demo/members";
    let bob = support::checks::user_id(&sim, "bob").await;
    let create = |row, body: Value| case(row, M::POST, members, Some(body));
    let mid_of = |list: &Value, name: &str| {
        list.as_array()
            .and_then(|l| l.iter().find(|m| m["entity_name"] == name))
            .and_then(|m| m["id"].as_i64())
            .unwrap_or_else(|| panic!("{name} is a member: {list}"))
    };
    let listed = get_json(&sim, members).await;
    let bob_mid = mid_of(&listed, "bob");
    let alice_mid = mid_of(&listed, "alice");
    run(
        &sim,
        vec![
            case("MC1", M::POST, members, None).refused(BAD, "the project member should provide"),
            create("MC2", json!({"role_id": 2})).refused(
                BAD,
                "at least one of member_user or member_group must be provided",
            ),
            create(
                "MC3",
                json!({"role_id": 2, "member_user": {"user_id": 999}}),
            )
            .refused(BAD, "Failed to get user 999: user 999 not found"),
            create(
                "MC4",
                json!({"role_id": 2, "member_user": {"username": "nobody"}}),
            )
            .refused(NOT_FOUND, "user nobody is not found"),
            // The duplicate is found before the role is read.
            create(
                "MC5",
                json!({"role_id": 9, "member_user": {"user_id": bob}}),
            )
            .refused(CONFLICT, "The project member specified already exist"),
            case(
                "MC6",
                M::POST,
                "/projects/library/members",
                Some(json!({"member_user": {"username": "bob"}})),
            )
            .refused(BAD, "Failed to update project member, role is not in 1,2,3"),
            case(
                "MC6",
                M::POST,
                "/projects/library/members",
                Some(json!({"role_id": 6, "member_user": {"user_id": bob}})),
            )
            .refused(BAD, "Failed to update project member, role is not in 1,2,3"),
            case("MG1", M::GET, &format!("{members}/0"), None)
                .refused(BAD, "the member id can not be empty!"),
            case("MG2", M::GET, &format!("{members}/999"), None).refused(
                NOT_FOUND,
                "the project member is not found, project id 2, member id 999",
            ),
            case("MU1", M::PUT, &format!("{members}/{bob_mid}"), None)
                .refused(BAD, "role can not be empty"),
            case(
                "MU2",
                M::PUT,
                &format!("{members}/0"),
                Some(json!({"role_id": 2})),
            )
            .refused(BAD, "member id can not be empty"),
            case(
                "MU3",
                M::PUT,
                &format!("{members}/999"),
                Some(json!({"role_id": 2})),
            ),
            case("MD1", M::DELETE, &format!("{members}/0"), None)
                .refused(BAD, "the project member id is required."),
            case("MD2", M::DELETE, &format!("{members}/999"), None),
            case(
                "MU4",
                M::PUT,
                &format!("{members}/{alice_mid}"),
                Some(json!({"role_id": 9})),
            ),
            case("MU4", M::GET, &format!("{members}/{alice_mid}"), None).refused(
                NOT_FOUND,
                format!("the project member is not found, project id 2, member id {alice_mid}"),
            ),
        ],
    )
    .await;
    // MU4: alice's role 9 is stored: she drops out of the entries, not out of the count,
    // and holds no permission in demo.
    let (status, headers, text) = list_with_headers(&sim, members).await;
    assert_eq!(status, StatusCode::OK);
    let entries: Value = serde_json::from_str(&text).expect("JSON");
    let names: Vec<&str> = entries
        .as_array()
        .expect("a list")
        .iter()
        .map(|m| m["entity_name"].as_str().unwrap_or_default())
        .collect();
    assert!(!names.contains(&"alice"), "MU4: {names:?}");
    let mut sorted = names.clone();
    sorted.sort_unstable();
    assert_eq!(names, sorted, "ML1: by name");
    assert_eq!(
        headers,
        (names.len() + 1).to_string(),
        "ML3: the count is every member"
    );
    let (status, _, _) = support::send_as(
        &sim,
        ("alice", harbor_sim::SEED_USER_PASSWORD),
        M::GET,
        "/projects/demo/repositories",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "MU4: no permission");
    // ML2: `entityname` is an exact name.
    assert_eq!(
        get_json(&sim, &format!("{members}?entityname=bo")).await,
        json!([]),
        "ML2"
    );
    assert_eq!(
        get_json(&sim, &format!("{members}?entityname=bob")).await[0]["entity_id"],
        bob,
        "ML2"
    );
}

/// A list's status, `X-Total-Count` and body, as the admin.
async fn list_with_headers(sim: &support::CheckedSim, path: &str) -> (StatusCode, String, String) {
    let response = support::checks::get_as_admin(sim, path).await;
    let status = response.status();
    let total = response
        .headers()
        .get("X-Total-Count")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    (status, total, response.text().await.expect("a body"))
}

/// The id in a create's `Location`.
async fn created_id(sim: &support::CheckedSim, path: &str, body: Value) -> i64 {
    let (status, location, text) = support::send_as(
        sim,
        ("admin", "Harbor12345"),
        Method::POST,
        path,
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "POST {path}: {text}");
    location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location naming the new id")
}

#[tokio::test]
async fn label_checks() {
    use Method as M;
    let sim = support::start().await;
    let create = |row, body: Value| case(row, M::POST, "/labels", Some(body));
    run(
        &sim,
        vec![
            create("LB1", json!({"scope": "x", "name": "a"}))
                .refused(BAD, "unsupported label scope"),
            create("LB1", json!({"name": "a"})).refused(BAD, "unsupported label scope"),
            create("LB5", json!({"scope": "g", "name": "stable"}))
                .refused(CONFLICT, "label stable already exists"),
            // The `varchar` columns: PostgreSQL counts characters (128 two-byte ones fit).
            create("LB6", json!({"scope": "g", "name": "x".repeat(129)}))
                .uncoded("ERROR: value too long for type character varying(128) (SQLSTATE 22001)"),
            create("LB6", json!({"scope": "g", "name": "é".repeat(128)}))
                .answers(StatusCode::CREATED),
            create(
                "LB6",
                json!({"scope": "g", "name": "c", "color": "#".repeat(17)}),
            )
            .uncoded("ERROR: value too long for type character varying(16) (SQLSTATE 22001)"),
            // The scope is checked first (the access check reads it).
            create("LB6", json!({"scope": "x", "name": "x".repeat(129)}))
                .refused(BAD, "unsupported label scope"),
            case("LB7", M::GET, "/labels/999", None).refused(NOT_FOUND, "label 999 not found"),
            case("LB7", M::PUT, "/labels/999", Some(json!({"name": "a"})))
                .refused(NOT_FOUND, "label 999 not found"),
            case("LB7", M::DELETE, "/labels/999", None).refused(NOT_FOUND, "label 999 not found"),
            case("LL2", M::GET, "/labels", None).refused(BAD, "invalid scope: "),
            case("LL2", M::GET, "/labels?scope=x", None).refused(BAD, "invalid scope: x"),
            case("LL3", M::GET, "/labels?scope=p", None)
                .refused(BAD, "must with project ID when to query project labels"),
            case("LL3", M::GET, "/labels?scope=p&project_id=0", None)
                .refused(BAD, "must with project ID when to query project labels"),
        ],
    )
    .await;
    // LB2: nothing of the body is validated: an empty name, any colour.
    let blank = created_id(
        &sim,
        "/labels",
        json!({"scope": "g", "color": "chartreuse"}),
    )
    .await;
    let stored = get_json(&sim, &format!("/labels/{blank}")).await;
    assert!(stored.get("name").is_none(), "LB2, LB9: {stored}");
    assert_eq!(stored["color"], "chartreuse", "LB2");
    // LB3: a global label's project is 0 (omitted), whatever the body says.
    let global = created_id(
        &sim,
        "/labels",
        json!({"scope": "g", "name": "g1", "project_id": 2}),
    )
    .await;
    assert!(
        get_json(&sim, &format!("/labels/{global}"))
            .await
            .get("project_id")
            .is_none(),
        "LB3"
    );
    // LB4: a project label of no project is made (only an administrator passes the access
    // check for it); one without a project id is of project 0, which its update refuses.
    let orphan = created_id(
        &sim,
        "/labels",
        json!({"scope": "p", "name": "o", "project_id": 999}),
    )
    .await;
    assert_eq!(
        get_json(&sim, &format!("/labels/{orphan}")).await["project_id"],
        999,
        "LB4"
    );
    let zero = created_id(&sim, "/labels", json!({"scope": "p", "name": "z"})).await;
    let qa = get_json(&sim, "/labels?scope=p&project_id=2").await[0]["id"]
        .as_i64()
        .expect("the demo's qa label");
    run(
        &sim,
        vec![
            case(
                "LB8",
                M::PUT,
                &format!("/labels/{zero}"),
                Some(json!({"name": "z2"})),
            )
            .refused(BAD, "invalid: 0"),
            case(
                "LB8",
                M::PUT,
                &format!("/labels/{qa}"),
                Some(json!({"description": "d"})),
            )
            .refused(BAD, "cannot be empty"),
            case(
                "LB8",
                M::PUT,
                &format!("/labels/{qa}"),
                Some(json!({"name": "y".repeat(129)})),
            )
            .refused(BAD, "max length is 128"),
            case(
                "LB10",
                M::PUT,
                &format!("/labels/{global}"),
                Some(json!({"name": "stable"})),
            )
            .refused(CONFLICT, "label stable already exists"),
            case(
                "LB11",
                M::PUT,
                &format!("/labels/{qa}"),
                Some(json!({"name": "qa2", "scope": "g", "project_id": 1})),
            ),
        ],
    )
    .await;
    let qa_now = get_json(&sim, &format!("/labels/{qa}")).await;
    assert_eq!(qa_now["name"], "qa2", "LB11");
    assert_eq!(qa_now["scope"], "p", "LB11: the scope is kept");
    assert_eq!(qa_now["project_id"], 2, "LB11: the project is kept");
    assert!(
        qa_now.get("description").is_none() && qa_now.get("color").is_none(),
        "LB11, LB9: description and colour cleared, and omitted: {qa_now}"
    );
    // LB12: a deleted label is taken off every artifact.
    let nginx = "/projects/library/repositories/nginx/artifacts/1.27?with_label=true";
    let stable = get_json(&sim, nginx).await["labels"][0]["id"]
        .as_i64()
        .expect("the demo's stable label on nginx:1.27");
    run(
        &sim,
        vec![case("LB12", M::DELETE, &format!("/labels/{stable}"), None)],
    )
    .await;
    let labels = get_json(&sim, nginx).await["labels"].clone();
    assert!(
        labels.as_array().is_none_or(Vec::is_empty),
        "LB12: {labels}"
    );
}

#[tokio::test]
async fn registry_checks() {
    use Method as M;
    let sim = support::start().await;
    let create = |row, body: Value| case(row, M::POST, "/registries", Some(body));
    let reg = |name: &str, url: &str| json!({"name": name, "url": url, "type": "harbor"});
    sim.handle().with_state(|s| {
        for host in ["a", "reg", "k", "k2", "k3"] {
            s.reachability.allow(&format!("{host}.example.com"));
        }
    });
    let hub = get_json(&sim, "/registries?name=DOCKER").await[0]["id"]
        .as_i64()
        .expect("RG16: the demo's docker-hub, found in any case");
    run(
        &sim,
        vec![
            create("RG1", reg("", "https://a.example.com")).refused(BAD, "name cannot be empty"),
            create("RG1", reg(&"n".repeat(65), "https://a.example.com"))
                .refused(BAD, "the max length of name is 64"),
            create("RG2", reg("a", " / ")).refused(BAD, "empty string"),
            create("RG2", reg("a", "ftp://a.example.com")).refused(BAD, "invalid HTTP scheme: ftp"),
            create("RG2", reg("a", "://a.example.com"))
                .refused(BAD, "invalid URL: parse \"://a.example.com\": missing protocol scheme"),
            create("RG3", json!({"name": "a", "url": "https://a.example.com", "type": "nope"}))
                .uncoded("adapter factory for nope not found"),
            create("RG3", json!({"name": "a", "url": "https://a.example.com"}))
                .uncoded("adapter factory for  not found"),
            create("RG4", reg("a", "https://mirror.example.net")).refused(BAD, "the registry is unhealthy"),
            create("RG5", reg("docker-hub", "https://a.example.com"))
                .refused(CONFLICT, "registry docker-hub already exists"),
            create("RG6", json!({"name": "a", "url": "https://a.example.com", "type": "harbor", "ca_certificate": "not a certificate"}))
                .refused(BAD, "invalid CA certificate: no valid certificates found in PEM data"),
            case("RG9", M::PUT, "/registries/0", Some(json!({"name": "x"})))
                .refused(NOT_FOUND, "registry 0 not found"),
            case("RG9", M::PUT, "/registries/999", Some(json!({"name": "x"})))
                .refused(NOT_FOUND, "registry 999 not found"),
            case("RG11", M::PUT, &format!("/registries/{hub}"), Some(json!({"name": ""})))
                .refused(BAD, "name cannot be empty"),
            case("RG12", M::DELETE, &format!("/registries/{hub}"), None).refused(
                StatusCode::PRECONDITION_FAILED,
                format!("the registry {hub} is referenced by replication policies, cannot delete it"),
            ),
            case("RG12", M::DELETE, "/registries/999", None).refused(NOT_FOUND, "registry 999 not found"),
            case("RG15", M::POST, "/registries/ping", Some(json!({"type": "harbor"})))
                .refused(BAD, "type or url cannot be empty"),
            case("RG15", M::POST, "/registries/ping", Some(json!({"type": "harbor", "url": "ftp://x"})))
                .refused(BAD, "invalid HTTP scheme: ftp"),
            case("RG15", M::POST, "/registries/ping", Some(json!({"id": hub, "url": "https://mirror.example.net"}))),
        ],
    )
    .await;
    // RG2: the URL as Harbor stores it; RG7, RG8: the credential and omitted fields.
    let bare = created_id(
        &sim,
        "/registries",
        reg("bare", "HTTPS://user:pw@Reg.Example.com/v2/?q=1#top"),
    )
    .await;
    let stored = get_json(&sim, &format!("/registries/{bare}")).await;
    assert_eq!(
        stored["url"], "https://Reg.Example.com/v2/",
        "RG2: user info, query and fragment dropped; a trailing / only trimmed at the end of the whole text: {stored}"
    );
    assert_eq!(
        stored["credential"],
        json!({}),
        "RG7: no access key, no credential"
    );
    assert!(
        stored.get("insecure").is_none() && stored.get("description").is_none(),
        "RG8: {stored}"
    );
    let keyed = created_id(
        &sim,
        "/registries",
        json!({"name": "keyed", "url": "https://k.example.com", "type": "harbor",
            "credential": {"access_key": "me", "access_secret": "s3cret"}}),
    )
    .await;
    let path = format!("/registries/{keyed}");
    assert_eq!(
        get_json(&sim, &path).await["credential"],
        json!({"type": "basic", "access_key": "me", "access_secret": "*****"}),
        "RG7: the type defaults to basic"
    );
    // RG10: a new URL without a secret drops the stored secret; with one, it is kept.
    run(
        &sim,
        vec![case(
            "RG10",
            M::PUT,
            &path,
            Some(json!({"url": "https://k2.example.com"})),
        )],
    )
    .await;
    assert_eq!(
        get_json(&sim, &path).await["credential"],
        json!({"type": "basic", "access_key": "me"}),
        "RG10"
    );
    run(
        &sim,
        vec![case(
            "RG10",
            M::PUT,
            &path,
            Some(json!({"url": "https://k3.example.com", "access_secret": "again"})),
        )],
    )
    .await;
    assert_eq!(
        get_json(&sim, &path).await["credential"]["access_secret"],
        "*****",
        "RG10"
    );
    // RG12: a registry a proxy-cache project uses.
    run(
        &sim,
        vec![
            case(
                "RG12",
                M::POST,
                "/projects",
                Some(json!({"project_name": "cache", "registry_id": bare})),
            )
            .answers(StatusCode::CREATED),
            case("RG12", M::DELETE, &format!("/registries/{bare}"), None).refused(
                StatusCode::PRECONDITION_FAILED,
                format!(
                    "the registry {bare} is referenced by proxy cache project, cannot delete it"
                ),
            ),
        ],
    )
    .await;
    // RG13, RG14: id 0 is the local Harbor.
    let local = get_json(&sim, "/registries/0").await;
    assert_eq!(
        (&local["name"], &local["type"], &local["credential"]["type"]),
        (&json!("Local"), &json!("harbor"), &json!("secret")),
        "RG13: {local}"
    );
    let info = get_json(&sim, "/registries/0/info").await;
    assert!(
        info["supported_triggers"]
            .as_array()
            .is_some_and(|t| t.contains(&json!("event_based"))),
        "RG14: {info}"
    );
    // RG17: the provider lists show the installer's whitelist; every registered type may
    // be created.
    let types = get_json(&sim, "/replication/adapters").await;
    assert_eq!(types.as_array().map(Vec::len), Some(12), "RG17: {types}");
    assert!(
        !types.as_array().is_some_and(|t| t.contains(&json!("quay"))),
        "RG17"
    );
    sim.handle()
        .with_state(|s| s.reachability.allow("quay.example.com"));
    created_id(
        &sim,
        "/registries",
        json!({"name": "q", "url": "https://quay.example.com", "type": "quay"}),
    )
    .await;
}

#[tokio::test]
async fn replication_checks() {
    use Method as M;
    let sim = support::start().await;
    let policies = "/replication/policies";
    let hub = get_json(&sim, "/registries?name=docker-hub").await[0]["id"]
        .as_i64()
        .expect("the demo's docker-hub");
    let mirror = get_json(&sim, &format!("{policies}?name=MIRROR")).await[0]["id"]
        .as_i64()
        .expect("RPL15: the demo's mirror-nginx, found in any case");
    let create = |row, extra: Value| {
        let mut body = json!({"name": "p", "src_registry": {"id": hub}});
        for (k, v) in extra.as_object().expect("an object") {
            body[k] = v.clone();
        }
        case(row, M::POST, policies, Some(body))
    };
    let filter = |f: Value| json!({"filters": [f]});
    let trigger = |t: Value| json!({"trigger": t});
    let scheduled =
        |cron: &str| trigger(json!({"type": "scheduled", "trigger_settings": {"cron": cron}}));
    run(
        &sim,
        vec![
            create("RPL1", json!({"name": ""})).refused(BAD, "empty name"),
            create("RPL2", json!({"src_registry": null})).refused(
                BAD,
                "either src_registry or dest_registry should be empty and the other one shouldn't be empty",
            ),
            create("RPL2", json!({"dest_registry": {"id": hub}})).refused(
                BAD,
                "either src_registry or dest_registry should be empty and the other one shouldn't be empty",
            ),
            create("RPL3", filter(json!({"type": "size", "value": "1"}))).refused(BAD, "invalid filter type"),
            create("RPL3", filter(json!({"type": "name", "value": 1})))
                .refused(BAD, "the type of filter value isn't string"),
            create("RPL3", filter(json!({"type": "resource", "value": "chart"})))
                .refused(BAD, "invalid resource filter: chart"),
            create("RPL3", filter(json!({"type": "name", "value": "a/**", "decoration": "matches"})))
                .refused(BAD, "only tag and label filter support decoration"),
            create("RPL3", filter(json!({"type": "tag", "value": "v*", "decoration": "keeps"})))
                .refused(BAD, "invalid filter decoration, :keeps"),
            create("RPL3", filter(json!({"type": "label", "value": "stable"})))
                .refused(BAD, "the type of label filter value isn't string slice"),
            create("RPL4", json!({"dest_namespace": "Team A"}))
                .refused(BAD, "invalid destination namespace: Team A"),
            create("RPL5", trigger(json!({"type": "scheduled"})))
                .refused(BAD, "the cron string cannot be empty when the trigger type is scheduled"),
            create("RPL5", scheduled("every day"))
                .refused(BAD, "invalid cron string for scheduled trigger: every day"),
            create("RPL5", scheduled("5 0 * * * *"))
                .refused(BAD, "the 1st field (indicating Seconds of time) of the cron setting must be 0"),
            create("RPL5", scheduled("0 * * * * *")).refused(
                BAD,
                "* is not allowed for the Minutes field of the cron setting of replication policy",
            ),
            create("RPL5", trigger(json!({"type": "weekly"}))).refused(BAD, "invalid trigger type"),
            // A zone prefix without a space: robfig's parser panics.
            create("RPL5", scheduled("CRON_TZ=UTC"))
                .panics(r#"runtime error: slice bounds out of range [:-1] (cron "CRON_TZ=UTC")"#),
            create("RPL6", json!({"src_registry": {"id": 999}})).refused(NOT_FOUND, "registry 999 not found"),
            create("RPL7", json!({"name": "mirror-nginx"}))
                .refused(CONFLICT, "replication policy mirror-nginx already exists"),
            create("RPL8", json!({"single_active_replication": true, "trigger": {"type": "event_based"}}))
                .uncoded("single active replication is not allowed for event_based triggers"),
            case("RPL11", M::GET, &format!("{policies}/999"), None)
                .refused(NOT_FOUND, "replication policy 999 not found"),
            case("RPL11", M::PUT, &format!("{policies}/999"), Some(json!({"name": "x", "src_registry": {"id": hub}})))
                .refused(NOT_FOUND, "replication policy 999 not found"),
            case("RPL11", M::DELETE, &format!("{policies}/999"), None)
                .refused(NOT_FOUND, "replication policy 999 not found"),
            case("RPL13", M::POST, "/replication/executions", Some(json!({})))
                .refused(NOT_FOUND, "replication policy 0 not found"),
            case("RPL14", M::GET, "/replication/executions/999", None)
                .refused(NOT_FOUND, "replication execution 999 not found"),
            case("RPL14", M::PUT, "/replication/executions/999", None)
                .refused(NOT_FOUND, "replication execution 999 not found"),
            case("RPL14", M::GET, "/replication/executions/999/tasks", None)
                .refused(NOT_FOUND, "replication execution 999 not found"),
        ],
    )
    .await;
    // RPL9: the stored shape.
    let p = created_id(
        &sim,
        policies,
        json!({"name": "p9", "src_registry": {"id": hub}, "speed": -5, "replicate_deletion": true,
            "unknown": 1, "trigger": {"type": "manual"}}),
    )
    .await;
    let stored = get_json(&sim, &format!("{policies}/{p}")).await;
    assert_eq!(stored["dest_namespace_replace_count"], -1, "RPL9: {stored}");
    assert_eq!(
        stored.get("speed"),
        None,
        "RPL9: a negative speed is 0, which omitempty leaves out"
    );
    assert_eq!(stored["filters"], Value::Null, "RPL9");
    assert_eq!(stored["trigger"], json!({"type": "manual"}), "RPL9");
    for absent in [
        "enabled",
        "deletion",
        "replicate_deletion",
        "unknown",
        "description",
    ] {
        assert!(stored.get(absent).is_none(), "RPL9: {absent} in {stored}");
    }
    assert_eq!(stored["dest_registry"]["name"], "Local", "RPL9");
    // RPL13: a policy created without `enabled` is disabled.
    run(
        &sim,
        vec![
            case(
                "RPL13",
                M::POST,
                "/replication/executions",
                Some(json!({"policy_id": p})),
            )
            .refused(
                StatusCode::PRECONDITION_FAILED,
                format!("the policy {p} is disabled"),
            ),
        ],
    )
    .await;
    // RPL12: a policy with a running execution cannot be deleted (a finished execution
    // with a retried task: `tests/job_lifecycle.rs`).
    let run_id = created_id(
        &sim,
        "/replication/executions",
        json!({"policy_id": mirror}),
    )
    .await;
    run(
        &sim,
        vec![
            case("RPL12", M::DELETE, &format!("{policies}/{mirror}"), None).refused(
                StatusCode::PRECONDITION_FAILED,
                "contains executions that aren't in final status, stop the execution first",
            ),
        ],
    )
    .await;
    // RPL14: a task of another execution.
    let runs = get_json(&sim, &format!("/replication/executions?policy_id={mirror}")).await;
    let first = runs
        .as_array()
        .and_then(|r| {
            r.iter()
                .map(|e| e["id"].as_i64().unwrap_or(0))
                .find(|id| *id != run_id)
        })
        .expect("the demo's finished run");
    let task_of_first = get_json(&sim, &format!("/replication/executions/{first}/tasks")).await[0]
        ["id"]
        .as_i64()
        .expect("its task");
    run(
        &sim,
        vec![
            case(
                "RPL14",
                M::GET,
                &format!("/replication/executions/{run_id}/tasks/{task_of_first}/log"),
                None,
            )
            .refused(
                NOT_FOUND,
                format!("execution {run_id} contains no task with ID {task_of_first}"),
            ),
            case(
                "RPL14",
                M::GET,
                &format!("/replication/executions/{run_id}/tasks/999/log"),
                None,
            )
            .refused(NOT_FOUND, "replication task 999 not found"),
            // RPL10: an update replaces the policy.
            case(
                "RPL10",
                M::PUT,
                &format!("{policies}/{mirror}"),
                Some(json!({"name": "mirror-nginx", "src_registry": {"id": hub}})),
            ),
        ],
    )
    .await;
    let updated = get_json(&sim, &format!("{policies}/{mirror}")).await;
    for absent in [
        "description",
        "enabled",
        "override",
        "dest_namespace",
        "trigger",
    ] {
        assert!(
            updated.get(absent).is_none(),
            "RPL10: {absent} in {updated}"
        );
    }
}

#[tokio::test]
async fn scanner_checks() {
    use Method as M;
    let sim = support::start().await;
    sim.handle().with_state(|s| {
        for host in ["s1", "s2", "s3"] {
            s.reachability.allow(&format!("{host}.example.com"));
        }
    });
    let trivy = get_json(&sim, "/scanners?ex_name=Trivy").await[0]["uuid"]
        .as_str()
        .expect("SC12: the built-in Trivy, by its exact name")
        .to_owned();
    let scanner = |name: &str, url: &str| json!({"name": name, "url": url});
    let create = |row, body: Value| case(row, M::POST, "/scanners", Some(body));
    run(
        &sim,
        vec![
            create("SC1", scanner("a", "ftp://s1.example.com"))
                .refused(BAD, "scanner registration validate: invalid HTTP scheme: ftp"),
            create("SC2", json!({"name": "a", "url": "http://s1.example.com", "auth": "Digest", "access_credential": "x"}))
                .refused(BAD, "auth type Digest is not supported"),
            create("SC2", json!({"name": "a", "url": "http://s1.example.com", "auth": "Basic"}))
                .refused(BAD, "access_credential is required for auth type Basic"),
            create("SC3", scanner("Trivy", "http://s1.example.com"))
                .refused(BAD, "name \"Trivy\" is reserved, please try a different name"),
            create("SC4", scanner("a", "http://nowhere.example.com"))
                .answers(StatusCode::INTERNAL_SERVER_ERROR),
            create("SC5", scanner("a", "http://trivy-adapter:8080"))
                .refused(CONFLICT, "registration name or url already exists"),
            case("SC6", M::GET, "/scanners/nope", None).refused(NOT_FOUND, "scanner nope not found"),
            case("SC6", M::PUT, "/scanners/nope", Some(scanner("a", "http://s1.example.com")))
                .refused(NOT_FOUND, "scanner nope not found"),
            case("SC6", M::DELETE, "/scanners/nope", None).refused(NOT_FOUND, "scanner nope not found"),
            case("SC7", M::PUT, &format!("/scanners/{trivy}"), Some(scanner("t", "http://s1.example.com")))
                .refused(
                    StatusCode::FORBIDDEN,
                    "registration Trivy is not allowed to update as it is immutable: scanner API: update",
                ),
            case("SC7", M::DELETE, &format!("/scanners/{trivy}"), None).refused(
                StatusCode::FORBIDDEN,
                "registration Trivy is not allowed to delete as it is immutable: scanner API: delete",
            ),
            case("SC13", M::PATCH, "/scanners/nope", Some(json!({"is_default": false}))),
            case("SC13", M::PATCH, "/scanners/nope", Some(json!({"is_default": true})))
                .refused(NOT_FOUND, "registration nope not found"),
        ],
    )
    .await;
    let s1 = created_id_text(
        &sim,
        "/scanners",
        json!({"name": "s1", "url": "http://s1.example.com/", "auth": "Bearer", "access_credential": "tok"}),
    )
    .await;
    let s2 = created_id_text(&sim, "/scanners", scanner("s2", "http://s2.example.com")).await;
    // SC10: what is answered.
    let one = get_json(&sim, &format!("/scanners/{s1}")).await;
    assert_eq!(
        one["url"], "http://s1.example.com",
        "SC1: the URL normalised"
    );
    for absent in [
        "access_credential",
        "adapter",
        "vendor",
        "version",
        "health",
    ] {
        assert!(one.get(absent).is_none(), "SC10: {absent} in {one}");
    }
    assert_eq!(
        one["capabilities"],
        json!({"support_vulnerability": true, "support_sbom": true}),
        "SC10"
    );
    // SC11: the default first, then the newest.
    let order: Vec<String> = get_json(&sim, "/scanners")
        .await
        .as_array()
        .expect("a list")
        .iter()
        .map(|s| s["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(order, ["Trivy", "s2", "s1"], "SC11");
    assert_eq!(
        get_json(&sim, "/scanners?name=S")
            .await
            .as_array()
            .map(Vec::len),
        Some(2),
        "SC12: a part of the name, any case"
    );
    // SC9: an update replaces every field; an empty credential keeps the stored one.
    run(
        &sim,
        vec![
            case(
                "SC9",
                M::PUT,
                &format!("/scanners/{s1}"),
                Some(json!({"name": "s1", "url": "http://s1.example.com", "auth": "Bearer"})),
            ),
            case(
                "SC13",
                M::PATCH,
                &format!("/scanners/{s2}"),
                Some(json!({"is_default": true})),
            ),
            case(
                "SC8",
                M::PUT,
                &format!("/scanners/{s2}"),
                Some(json!({"name": "s2", "url": "http://s2.example.com", "disabled": true})),
            )
            .uncoded(format!(
                "default registration {s2} can not be marked to deactivated"
            )),
        ],
    )
    .await;
    let updated = get_json(&sim, &format!("/scanners/{s1}")).await;
    assert_eq!(
        updated["auth"], "Bearer",
        "SC9: the credential kept, so Bearer validates"
    );
    assert!(
        updated.get("description").is_none_or(|d| d == ""),
        "SC9: {updated}"
    );
    assert_eq!(
        get_json(&sim, &format!("/scanners/{s2}")).await["is_default"],
        true,
        "SC13"
    );
}

/// The last path segment of a create's `Location`.
async fn created_id_text(sim: &support::CheckedSim, path: &str, body: Value) -> String {
    let (status, location, text) = support::send_as(
        sim,
        ("admin", "Harbor12345"),
        Method::POST,
        path,
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "POST {path}: {text}");
    location
        .and_then(|l| l.rsplit('/').next().map(str::to_owned))
        .expect("a Location")
}

#[tokio::test]
async fn the_first_scanner_is_the_default() {
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "first_scanner").await;
    sim.handle()
        .with_state(|s| s.reachability.allow("s1.example.com"));
    let id = created_id_text(
        &sim,
        "/scanners",
        json!({"name": "s1", "url": "http://s1.example.com"}),
    )
    .await;
    assert_eq!(
        get_json(&sim, &format!("/scanners/{id}")).await["is_default"],
        true,
        "SC14"
    );
}

#[tokio::test]
async fn usergroup_checks() {
    use Method as M;
    let sim = support::start().await;
    // OIDC groups (type 3) need no directory.
    for name in ["Team", "ops-team", "team", "teamwork", "x"] {
        created_id(
            &sim,
            "/usergroups",
            json!({"group_name": name, "group_type": 3}),
        )
        .await;
    }
    created_id(
        &sim,
        "/usergroups",
        json!({"group_name": "proxy", "group_type": 2}),
    )
    .await;
    run(
        &sim,
        vec![
            case(
                "UG1",
                M::POST,
                "/usergroups",
                Some(json!({"group_name": "team", "group_type": 3})),
            )
            .refused(
                CONFLICT,
                "duplicate user group, group name:team, group type: 3, ldap group DN: ",
            ),
            case(
                "UG2",
                M::POST,
                "/usergroups",
                Some(json!({"group_name": "proxy", "group_type": 3})),
            )
            .refused(CONFLICT, "duplicated user group name"),
            case(
                "UG3",
                M::POST,
                "/usergroups",
                Some(json!({"group_name": "l", "group_type": 1, "ldap_group_dn": "not a dn"})),
            )
            .refused(BAD, "LDAP Group DN is not found: DN:not a dn"),
            case("UG5", M::GET, "/usergroups/999", None)
                .refused(NOT_FOUND, "the user group with id 999 is not found"),
            case("UG5", M::GET, "/usergroups/0", None)
                .refused(BAD, "the group id should be provided"),
            // The handler's 400 for no `groupname` is unreachable: the spec requires it, so
            // go-swagger answers 422 first.
            case("UGS1", M::GET, "/usergroups/search", None)
                .answers(StatusCode::UNPROCESSABLE_ENTITY),
        ],
    )
    .await;
    let x = get_json(&sim, "/usergroups?group_name=X").await[0]["id"]
        .as_i64()
        .expect("UG10: a part of the name, any case");
    run(
        &sim,
        vec![
            case(
                "UG6",
                M::POST,
                "/usergroups",
                Some(json!({"group_type": 3})),
            )
            .answers(BAD),
            // No body: the nil `Usergroup`, refused as no name.
            case("UG11", M::POST, "/usergroups", None).answers(BAD),
            case("UG11", M::PUT, &format!("/usergroups/{x}"), None).answers(BAD),
            case(
                "UG7",
                M::PUT,
                "/usergroups/0",
                Some(json!({"group_name": "a"})),
            )
            .answers(BAD),
            case(
                "UG7",
                M::PUT,
                "/usergroups/999",
                Some(json!({"group_name": "a"})),
            )
            .refused(NOT_FOUND, "the user group with id 999 is not found"),
            case(
                "UG7",
                M::PUT,
                &format!("/usergroups/{x}"),
                Some(json!({"group_name": "Team"})),
            ),
            case("UG8", M::DELETE, "/usergroups/0", None)
                .refused(BAD, "the group id should be provided"),
            case("UG8", M::DELETE, "/usergroups/999", None),
        ],
    )
    .await;
    let renamed = get_json(&sim, &format!("/usergroups/{x}")).await;
    assert_eq!(
        renamed["group_name"], "Team",
        "UG7: no duplicate check on update"
    );
    assert!(
        renamed.get("id").is_none(),
        "UG9: the get omits the id: {renamed}"
    );
    // UG4: a DN is stored trimmed and lower-cased (OIDC groups keep whatever DN is sent).
    let dn = created_id(
        &sim,
        "/usergroups",
        json!({"group_name": "dn", "group_type": 3, "ldap_group_dn": " CN=Dev,DC=Example "}),
    )
    .await;
    assert_eq!(
        get_json(&sim, &format!("/usergroups/{dn}")).await["ldap_group_dn"],
        "cn=dev,dc=example",
        "UG4"
    );
    // UGS2, UGS3: the search's entries are a `like` of the asked case, shortest first, the
    // first page_size whatever the page; the count is any case.
    let (status, total, text) =
        list_with_headers(&sim, "/usergroups/search?groupname=team&page=2&page_size=2").await;
    assert_eq!(status, StatusCode::OK);
    let names: Vec<String> = serde_json::from_str::<Value>(&text)
        .expect("JSON")
        .as_array()
        .expect("a list")
        .iter()
        .map(|g| g["group_name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(names, ["team", "ops-team"], "UGS2, UGS3");
    assert_eq!(total, "5", "UGS2: Team (twice), ops-team, team, teamwork");
}

#[tokio::test]
async fn system_cve_allowlist_checks() {
    use Method as M;
    let sim = support::start().await;
    let path = "/system/CVEAllowlist";
    let fresh = get_json(&sim, path).await;
    assert_eq!(
        fresh,
        json!({"items": [], "creation_time": "0001-01-01T00:00:00.000Z", "update_time": "0001-01-01T00:00:00.000Z"}),
        "SA3: a fresh Harbor's list: empty, no id, zero times"
    );
    run(
        &sim,
        vec![
            case("SA1", M::PUT, path, Some(json!({"items": [{"cve_id": " "}]})))
                .uncoded("empty or whitespace-only CVE ID in allowlist"),
            case("SA1", M::PUT, path, Some(json!({"items": [{"cve_id": "CVE-1"}, {"cve_id": "CVE-1"}]})))
                .uncoded("duplicate CVE ID in allowlist: CVE-1"),
            case("SA4", M::PUT, path, Some(json!({"id": 99, "project_id": 2, "items": [{"cve_id": "CVE-1"}, {"cve_id": " CVE-1"}]}))),
            // No body: the nil `params.Allowlist`'s `ExpiresAt`.
            case("SA6", M::PUT, path, None)
                .panics("runtime error: invalid memory address or nil pointer dereference: params.Allowlist"),
        ],
    )
    .await;
    let stored = get_json(&sim, path).await;
    assert_eq!(
        stored["items"],
        json!([{"cve_id": "CVE-1"}, {"cve_id": " CVE-1"}]),
        "SA5: ids stored as sent, compared untrimmed"
    );
    assert!(
        stored.get("project_id").is_none() && stored["id"] != 99,
        "SA4: {stored}"
    );
    assert!(
        stored.get("expires_at").is_none(),
        "SA2: no expiry sent, none kept"
    );
    run(&sim, vec![case("SA2", M::PUT, path, Some(json!({})))]).await;
    assert_eq!(
        get_json(&sim, path).await["items"],
        json!([]),
        "SA2, SA3: replaced, and answered empty"
    );
}

#[tokio::test]
async fn configuration_checks() {
    use Method as M;
    let sim = support::start().await;
    let put = |row, body: Value| case(row, M::PUT, "/configurations", Some(body));
    let config = get_json(&sim, "/configurations").await;
    assert_eq!(
        config["auth_mode"]["editable"], false,
        "CF2: users exist beside the admin, so the auth mode is fixed"
    );
    assert_eq!(config["token_expiration"]["editable"], true, "CF2");
    assert!(
        config.get("ldap_search_password").is_none(),
        "CF8: passwords not answered"
    );
    run(
        &sim,
        vec![
            put("CF1", json!({"auth_mode": "ldap_auth"})).refused(
                BAD,
                "the auth mode cannot be modified as new users have been inserted into database",
            ),
            put("CF1", json!({"auth_mode": "db_auth"})),
            put("CF3", json!({"ldap_scope": 3}))
                .refused(BAD, "bad request: item name ldap_scope: invalid scope, should be 0, 1 or 2"),
            put("CF3", json!({"project_creation_restriction": "nobody"})).refused(
                BAD,
                "bad request: item name project_creation_restriction: invalid project_creation_restriction, should be adminonly or everyone",
            ),
            put("CF3", json!({"storage_per_project": 0}))
                .refused(BAD, "bad request: invalid non-positive value for quota limit, value=0"),
            put("CF3", json!({"storage_per_project": 1_125_899_906_842_625_i64})).refused(
                BAD,
                "bad request: exceeded 1024TB, which is 1125899906842624 Bytes, value=1125899906842625",
            ),
            put("CF3", json!({"robot_name_prefix": "  "}))
                .refused(BAD, "bad request: robot_name_prefix cannot be empty or contain only spaces"),
            put("CF4", json!({"ldap_group_search_filter": "objectclass=group", "ldap_group_attribute_name": ""}))
                .refused(BAD, "bad request: ldap group name attribute can not be empty"),
            put("CF5", json!({"skip_audit_log_database": true})).refused(
                BAD,
                "bad request: audit log forward endpoint should be configured before enable skip audit log in database",
            ),
            put("CF6", json!({"token_expiration": 0})).refused(BAD, "the token_expiration value must be positive"),
            put("CF6", json!({"session_timeout": 100_000_000_000_000_i64}))
                .refused(BAD, "the session_timeout value is over the limit value: 99999999999999"),
            // The lifetime check comes after the item checks.
            put("CF6", json!({"token_expiration": 0, "ldap_scope": 9}))
                .refused(BAD, "bad request: item name ldap_scope: invalid scope, should be 0, 1 or 2"),
            put("CF7", json!({"audit_log_forward_endpoint": "tcp://nowhere.example.com:514"}))
                .refused(BAD, "bad request: could not connect to the audit endpoint: tcp://nowhere.example.com:514"),
            put("CF9", json!({"robot_name_prefix": " bot- ", "token_expiration": "x"}))
                .answers(StatusCode::UNPROCESSABLE_ENTITY),
            put("CF9", json!({"robot_name_prefix": " bot- "})),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/configurations").await["robot_name_prefix"]["value"],
        "bot-",
        "CF9: the prefix stored trimmed"
    );
}

#[tokio::test]
async fn the_auth_mode_is_editable_while_only_the_admin_exists() {
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "auth_mode_editable").await;
    assert_eq!(
        get_json(&sim, "/configurations").await["auth_mode"]["editable"],
        true,
        "CF2"
    );
}

#[tokio::test]
async fn gc_and_purge_checks() {
    use Method as M;
    let sim = support::start().await;
    let gc = "/system/gc/schedule";
    let purge = "/system/purgeaudit/schedule";
    let manual = |params: Value| json!({"schedule": {"type": "Manual"}, "parameters": params});
    let custom = |cron: &str| json!({"schedule": {"type": "Custom", "cron": cron}});
    let purge_params = json!({"audit_retention_hour": 24, "include_event_types": "create_project"});
    run(
        &sim,
        vec![
            case("GC1", M::POST, gc, Some(manual(json!({"workers": 2.5}))))
                .refused(BAD, "bad request: workers should be integer format"),
            case("GC2", M::POST, gc, Some(manual(json!({"workers": 11})))).refused(
                BAD,
                "Error: Invalid number of workers:11. Workers must be greater than 0 and less than or equal to 10.",
            ),
            case("GC3", M::PUT, gc, Some(custom("0 0 * * *"))).refused(
                BAD,
                "invalid cron string for scheduled gc: 0 0 * * *, error: expected exactly 6 fields, found 5: [0 0 * * *]",
            ),
            case("GC3", M::PUT, gc, Some(custom("5 0 0 * * *"))).refused(
                BAD,
                "invalid cron string for scheduled gc: 5 0 0 * * *, error: the 1st field (indicating Seconds of time) of the cron setting must be 0",
            ),
            case("GC3", M::PUT, gc, Some(custom("@daily")))
                .refused(BAD, "invalid cron string for scheduled gc: @daily, error: parser does not accept descriptors: @daily"),
            // `kick` reads the type of a nil `schedule`; the purge refuses it first (PRG1).
            case("GC9", M::POST, gc, Some(json!({})))
                .panics("runtime error: invalid memory address or nil pointer dereference: params.Schedule.Schedule.Type"),
            case("GC9", M::PUT, gc, Some(json!({"schedule": null, "parameters": {}})))
                .panics("runtime error: invalid memory address or nil pointer dereference: params.Schedule.Schedule.Type"),
            case("GC4", M::GET, "/system/gc/999", None)
                .refused(NOT_FOUND, "garbage collection execution 999 not found"),
            case("GC5", M::PUT, "/system/gc/999", None).refused(NOT_FOUND, "execution 999 not found"),
            case("GC6", M::GET, "/system/gc/999/log", None)
                .refused(NOT_FOUND, "garbage collection 999 log is not found"),
            case("PRG1", M::POST, purge, Some(json!({}))).refused(BAD, "bad request: schedule cann't be empty"),
            case("PRG1", M::POST, purge, Some(manual(json!({})))).refused(BAD, "bad request: schedule parameter cann't be empty"),
            case("PRG1", M::POST, purge, Some(manual(json!({"dry_run": true}))))
                .refused(BAD, "bad request: audit_retention_hour should provide"),
            case("PRG1", M::POST, purge, Some(manual(json!({"audit_retention_hour": 1.5}))))
                .refused(BAD, "bad request: audit_retention_hour should be integer format"),
            case("PRG1", M::POST, purge, Some(manual(json!({"audit_retention_hour": 1_000_000}))))
                .refused(BAD, "bad request: audit_retention_hour should be less than 240000"),
            case("PRG1", M::POST, purge, Some(manual(json!({"audit_retention_hour": 24}))))
                .refused(BAD, "bad request: include_event_types should provide"),
            case("PRG2", M::POST, purge, Some(manual(json!({"audit_retention_hour": "a day", "include_event_types": ""}))))
                .answers(StatusCode::CREATED),
            case("PRG3", M::GET, "/system/purgeaudit/999", None).refused(NOT_FOUND, "execution 999 not found"),
            case("PRG4", M::GET, "/system/purgeaudit/999/log", None)
                .refused(NOT_FOUND, "purge job with execution ID: 999 taskLog is not found"),
        ],
    )
    .await;
    // GC7: a run's parameters are the controller's, not the body's.
    let (status, location, text) = support::send_as(
        &sim,
        ("admin", "Harbor12345"),
        M::POST,
        gc,
        Some(manual(json!({"dry_run": true, "workers": 3, "extra": "x"}))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let run_path = location
        .expect("a Location")
        .trim_start_matches("/api/v2.0")
        .to_owned();
    let job = get_json(&sim, &run_path).await;
    let params: Value =
        serde_json::from_str(job["job_parameters"].as_str().expect("text")).expect("JSON");
    assert_eq!(
        params,
        json!({"delete_tag": false, "delete_untagged": false, "dry_run": true, "time_window": 2, "workers": 3}),
        "GC7: the figures come once the job has run (GC11)"
    );
    // GC8: a schedule's Location names run 0.
    let (status, location, _) = support::send_as(
        &sim,
        ("admin", "Harbor12345"),
        M::POST,
        gc,
        Some(custom("0 0 0 * * *")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(location.as_deref(), Some("/api/v2.0/system/gc/0"), "GC8");
    let (_, location, _) = support::send_as(
        &sim,
        ("admin", "Harbor12345"),
        M::POST,
        purge,
        Some(json!({"schedule": {"type": "Daily", "cron": "0 0 0 * * *"}, "parameters": purge_params})),
    )
    .await;
    assert_eq!(
        location.as_deref(),
        Some("/api/v2.0/system/purgeaudit/0"),
        "GC8"
    );
    // GC12: a type none of `kick`'s cases names does nothing; the purge's parameters are
    // checked all the same, the GC's not (Harbor's own `test_log_rotation.py` clears the
    // schedule this way in its tear-down).
    let (status, location, text) = support::send_as(
        &sim,
        ("admin", "Harbor12345"),
        M::POST,
        gc,
        Some(json!({"schedule": {"type": "Schedule"}, "parameters": {"workers": 11}})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "GC12: {text}");
    assert_eq!(location.as_deref(), Some("/api/v2.0/system/gc/0"), "GC12");
    run(
        &sim,
        vec![
            case("GC12", M::PUT, purge, Some(json!({"schedule": {"cron": ""}, "parameters": {"audit_retention_hour": 0, "include_event_types": "create_artifact"}})))
                .answers(StatusCode::OK),
            case("GC12", M::PUT, purge, Some(json!({"schedule": {"type": ""}, "parameters": {}})))
                .refused(BAD, "bad request: schedule parameter cann't be empty"),
            case("GC12", M::PUT, gc, Some(json!({"schedule": {}}))).answers(StatusCode::OK),
        ],
    )
    .await;
    for schedule in [gc, purge] {
        let kept = get_json(&sim, schedule).await;
        assert_eq!(kept["schedule"]["cron"], "0 0 0 * * *", "GC12: {kept}");
    }
    // GC5, PRG3: a stop takes any job's run; a read of another job's run is refused.
    let gc_id: i64 = run_path
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .expect("an id");
    run(
        &sim,
        vec![
            case("GC5", M::PUT, &format!("/system/purgeaudit/{gc_id}"), None),
            case("PRG3", M::GET, &format!("/system/purgeaudit/{gc_id}"), None)
                .uncoded(format!("purge job with id {gc_id} not found")),
        ],
    )
    .await;
}
