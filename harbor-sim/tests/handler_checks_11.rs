//! The ledger's rows (`CONFORMANCE.md`) I8 (`immutable.go`): which tags a project's immutable
//! rules protect, as Harbor's rule matcher decides, seen through the API: deleting a tag
//! (T6), deleting an artifact (AR5) and the tag lists' `with_immutable_status` (TL4); I9: a
//! copy does not move an immutable tag; and
//! RB22, RB23, RB25 (`robot.go`): a legacy (v1) robot, which only the simulator's handle can
//! add, as an upgrade from Harbor before 2.2 leaves one; and PH15, PH19 (`preheat.go`): the
//! policy's `filters`, `trigger` and `extra_attrs` decoded as Go's `json.Unmarshal` decodes
//! them (Harbor answers its errors with an uncoded 500 and logs Go's text).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{ADMIN, BAD, case, create_project, get_json, run, send};
use support::send_as;

/// A doublestar selector.
fn selector(decoration: &str, pattern: &str) -> Value {
    json!({"kind": "doublestar", "decoration": decoration, "pattern": pattern})
}

/// Adds an immutable rule to `project` through the API.
async fn add_rule(sim: &support::CheckedSim, project: &str, repository: Value, tags: Value) {
    let body = json!({"scope_selectors": {"repository": repository}, "tag_selectors": tags});
    let path = format!("/projects/{project}/immutabletagrules");
    let (status, text) = send(sim, Method::POST, &path, Some(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
}

/// Whether the tag list of `project/repository:tag` says the tag is immutable.
async fn immutable(sim: &support::CheckedSim, project: &str, repository: &str, tag: &str) -> bool {
    let path = format!(
        "/projects/{project}/repositories/{repository}/artifacts/{tag}/tags?with_immutable_status=true"
    );
    let tags = get_json(sim, &path).await;
    let found = tags
        .as_array()
        .and_then(|list| list.iter().find(|t| t["name"] == tag))
        .unwrap_or_else(|| panic!("{tag} in {tags}"));
    found["immutable"].as_bool().expect("immutable")
}

/// Pushes `tags` to `project/repository`.
fn push(sim: &support::CheckedSim, project: &str, repository: &str, tags: &[&str]) {
    for tag in tags {
        sim.handle()
            .push_image(project, repository, tag)
            .expect("push");
    }
}

#[tokio::test]
async fn a_copy_does_not_move_an_immutable_tag() {
    // I9: `latest` is immutable in `dest/app`; a copy of another artifact tagged `latest`
    // from `src/app` is refused, and nothing is copied (the request's transaction).
    let sim = support::start().await;
    for project in ["dest", "src"] {
        create_project(&sim, project).await;
    }
    push(&sim, "dest", "app", &["latest"]);
    push(&sim, "src", "app", &["latest", "1.3.2"]);
    add_rule(
        &sim,
        "dest",
        json!([selector("repoMatches", "app")]),
        json!([selector("matches", "la*")]),
    )
    .await;
    let source = get_json(&sim, "/projects/src/repositories/app/artifacts/latest").await;
    let digest = source["digest"].as_str().expect("a digest").to_owned();
    let before = get_json(&sim, "/projects/dest/repositories/app/artifacts").await;
    run(
        &sim,
        vec![
            case(
                "I9",
                Method::POST,
                &format!("/projects/dest/repositories/app/artifacts?from=src/app@{digest}"),
                None,
            )
            .refused(
                StatusCode::PRECONDITION_FAILED,
                "the tag latest configured as immutable, cannot be updated",
            ),
        ],
    )
    .await;
    let after = get_json(&sim, "/projects/dest/repositories/app/artifacts").await;
    assert_eq!(before, after, "I9: nothing copied");
}

#[tokio::test]
async fn only_the_first_selectors_of_a_rule_are_read() {
    let sim = support::start().await;
    create_project(&sim, "imm").await;
    push(&sim, "imm", "app", &["v1", "latest"]);
    push(&sim, "imm", "web", &["v1"]);
    add_rule(
        &sim,
        "imm",
        json!([
            selector("repoMatches", "app"),
            selector("repoMatches", "web")
        ]),
        json!([selector("matches", "v*"), selector("matches", "latest")]),
    )
    .await;
    assert!(immutable(&sim, "imm", "app", "v1").await, "I8");
    // The second tag selector and the second repository selector are not read.
    assert!(!immutable(&sim, "imm", "app", "latest").await, "I8");
    assert!(!immutable(&sim, "imm", "web", "v1").await, "I8");

    // T6 follows the same decision.
    let tags = "/projects/imm/repositories/app/artifacts";
    let (status, text) = send(&sim, Method::DELETE, &format!("{tags}/v1/tags/v1"), None).await;
    assert_eq!(status, StatusCode::PRECONDITION_FAILED, "T6: {text}");
    assert!(
        text.contains("the tag v1 configured as immutable, cannot be deleted"),
        "{text}"
    );
    let (status, text) = send(
        &sim,
        Method::DELETE,
        &format!("{tags}/latest/tags/latest"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "T6: {text}");
    // AR5: the artifact of `web:v1` is not protected and goes.
    let (status, text) = send(
        &sim,
        Method::DELETE,
        "/projects/imm/repositories/web/artifacts/v1",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "AR5: {text}");
}

#[tokio::test]
async fn a_rule_without_repository_selectors_protects_nothing() {
    let sim = support::start().await;
    create_project(&sim, "imm").await;
    push(&sim, "imm", "app", &["v1"]);
    let body = json!({"tag_selectors": [selector("matches", "**")]});
    let (status, text) = send(
        &sim,
        Method::POST,
        "/projects/imm/immutabletagrules",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert!(!immutable(&sim, "imm", "app", "v1").await, "I8");
}

#[tokio::test]
async fn a_broken_rule_before_a_matching_one_hides_it() {
    let sim = support::start().await;
    create_project(&sim, "imm").await;
    push(&sim, "imm", "app", &["v1"]);
    // Accepted as Harbor accepts it (the v2.0 API does not call the selectors' `Valid`),
    // then an error each time the matcher reaches it: doublestar's bad pattern.
    add_rule(
        &sim,
        "imm",
        json!([selector("repoMatches", "[app")]),
        json!([selector("matches", "**")]),
    )
    .await;
    add_rule(
        &sim,
        "imm",
        json!([selector("repoMatches", "**")]),
        json!([selector("matches", "**")]),
    )
    .await;
    assert!(!immutable(&sim, "imm", "app", "v1").await, "I8");
    let (status, text) = send(
        &sim,
        Method::DELETE,
        "/projects/imm/repositories/app/artifacts/v1/tags/v1",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "T6: {text}");
}

#[tokio::test]
async fn doublestar_patterns_on_nested_repositories() {
    let sim = support::start().await;
    create_project(&sim, "imm").await;
    push(&sim, "imm", "team/api", &["v1"]);
    push(&sim, "imm", "team/tools/cli", &["v1"]);
    // `*` stays within one path component; `excludes` inverts the tag's match.
    add_rule(
        &sim,
        "imm",
        json!([selector("repoMatches", "team/*")]),
        json!([selector("excludes", "latest")]),
    )
    .await;
    assert!(immutable(&sim, "imm", "team%252Fapi", "v1").await, "I8");
    assert!(
        !immutable(&sim, "imm", "team%252Ftools%252Fcli", "v1").await,
        "I8"
    );
}

/// A robot update body that would pass every check for a v2 robot of `library`.
fn update_body(name: &str) -> Value {
    json!({"name": name, "level": "project", "duration": -1, "permissions": [{
        "kind": "project", "namespace": "library",
        "access": [{"resource": "repository", "action": "pull"}]}]})
}

#[tokio::test]
async fn a_legacy_robot_is_answered_refused_edits_and_deleted() {
    let sim = support::start().await;
    let id = sim
        .handle()
        .add_legacy_robot("library", "legacy")
        .expect("a legacy robot");
    // The handle's own refusals: the seeded `robot$ci` holds the name, no such project.
    assert_eq!(
        sim.handle()
            .add_legacy_robot("library", "ci")
            .unwrap_err()
            .status,
        StatusCode::CONFLICT
    );
    assert_eq!(
        sim.handle()
            .add_legacy_robot("nowhere", "x")
            .unwrap_err()
            .status,
        StatusCode::NOT_FOUND
    );
    let path = format!("/robots/{id}");
    let robot = get_json(&sim, &path).await;
    assert_eq!(robot["name"], "robot$legacy", "populate keeps a v1 name");
    assert_eq!(robot["editable"], false, "RB22");
    assert_eq!(robot["level"], "project");
    assert_eq!(robot["duration"], 0);
    for omitted in [
        "permissions",
        "creator_type",
        "creator_ref",
        "secret",
        "description",
    ] {
        assert!(robot.get(omitted).is_none(), "{omitted} omitted: {robot}");
    }
    // No secret: it cannot log in, not even with an empty password.
    let (status, _, _) = send_as(
        &sim,
        ("robot$legacy", ""),
        Method::GET,
        "/users/current/permissions",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    // RB22: refused right after the robot is found, before the body and the caller's access
    // (bob has no robot access in `library`), whatever the body.
    for (who, body) in [
        (ADMIN, update_body("robot$legacy")),
        (("bob", "Passw0rdDemo"), update_body("robot$legacy")),
        (ADMIN, json!({"duration": 0})),
    ] {
        let (status, _, text) = send_as(&sim, who, Method::PUT, &path, Some(body)).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "RB22 as {}: {text}", who.0);
        assert!(
            text.contains(r#""code":"DENIED""#)
                && text.contains("editing of legacy robot is not allowed"),
            "RB22: {text}"
        );
    }
    // RB23: deleted with 200.
    let (status, text) = send(&sim, Method::DELETE, &path, None).await;
    assert_eq!(status, StatusCode::OK, "RB23: {text}");
    let (status, _) = send(&sim, Method::GET, &path, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_legacy_robot_given_a_secret_becomes_editable_under_a_prefixed_name() {
    let sim = support::start().await;
    let id = sim
        .handle()
        .add_legacy_robot("library", "legacy")
        .expect("a legacy robot");
    let path = format!("/robots/{id}");
    let (status, text) = send(&sim, Method::PATCH, &path, Some(json!({}))).await;
    assert_eq!(status, StatusCode::OK, "RB25: {text}");
    let secret = serde_json::from_str::<Value>(&text).expect("JSON")["secret"]
        .as_str()
        .expect("a generated secret")
        .to_owned();
    let robot = get_json(&sim, &path).await;
    assert_eq!(robot["editable"], true, "RB25");
    assert_eq!(robot["name"], "robot$robot$legacy", "RB25");
    // It logs in under that name with the new secret.
    let (status, _, text) = send_as(
        &sim,
        ("robot$robot$legacy", &secret),
        Method::GET,
        "/users/current/permissions",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "RB25: {text}");
    // Editable now: an update goes through updateV2Robot's checks (RB18: the name is kept).
    let (status, text) = send(&sim, Method::PUT, &path, Some(update_body("robot$legacy"))).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "RB18: {text}");
    assert!(
        text.contains("cannot update the level or name of robot"),
        "{text}"
    );
}

const PREHEAT: &str = "/projects/library/preheat/policies";

/// A preheat policy body with its JSON strings replaced as `strings` says.
fn policy_with(name: &str, strings: &[(&str, &str)]) -> Value {
    let mut body = json!({"name": name, "provider_id": 1,
        "filters": r#"[{"type":"repository","value":"**"}]"#,
        "trigger": r#"{"type":"manual"}"#, "enabled": true});
    for (field, text) in strings {
        body[*field] = json!(text);
    }
    body
}

#[tokio::test]
async fn preheat_policy_strings_are_decoded_as_go_decodes_them() {
    let sim = support::start().await;
    let post = |row, strings: &[(&str, &str)]| {
        case(row, Method::POST, PREHEAT, Some(policy_with("p1", strings)))
    };
    run(
        &sim,
        vec![
            // Go's scanner first, over the whole text.
            post("PH15", &[("filters", "[{")]).uncoded("unexpected end of JSON input"),
            post("PH15", &[("filters", "repository=**")]).uncoded(
                "invalid character 'r' looking for beginning of value",
            ),
            post("PH15", &[("trigger", "{'type':'manual'}")]).uncoded(
                "invalid character '\\'' looking for beginning of object key string",
            ),
            // Then the Go types.
            post("PH15", &[("filters", r#"{"type":"tag"}"#)]).uncoded(
                "json: cannot unmarshal object into Go value of type []*policy.Filter",
            ),
            post("PH15", &[("filters", r#"[{"type":1}]"#)]).uncoded(
                "json: cannot unmarshal number into Go struct field Filter.type of type string",
            ),
            post("PH15", &[("trigger", r#"{"trigger_setting":{"cron":0}}"#)]).uncoded(
                "json: cannot unmarshal number into Go struct field .trigger_setting.cron of type string",
            ),
            post("PH15", &[("extra_attrs", "[1]")]).uncoded(
                "json: cannot unmarshal array into Go value of type map[string]interface {}",
            ),
            // The filters are decoded before the trigger is looked at.
            post("PH15", &[("filters", "x"), ("trigger", "")]).uncoded(
                "invalid character 'x' looking for beginning of value",
            ),
            // Keys are matched ignoring case: this cron is checked (and refused).
            post(
                "PH15",
                &[("trigger", r#"{"TYPE":"scheduled","Trigger_Setting":{"Cron":"* * *"}}"#)],
            )
            .refused(
                BAD,
                "invalid cron string for scheduled preheat: * * *, error: expected exactly 6 fields, found 3: [* * *]",
            ),
            // A zone prefix without a space: robfig's parser panics.
            post(
                "PH15",
                &[("trigger", r#"{"type":"scheduled","trigger_setting":{"cron":"TZ=UTC"}}"#)],
            )
            .panics(r#"runtime error: slice bounds out of range [:-1] (cron "TZ=UTC")"#),
            // What Go decodes is taken: null filters, unknown keys.
            post("PH15", &[("filters", "null"), ("extra_attrs", r#"{"a":[1]}"#)])
                .answers(StatusCode::CREATED),
        ],
    )
    .await;
    let id = get_json(&sim, &format!("{PREHEAT}/p1")).await["id"]
        .as_i64()
        .expect("an id");
    let put = |strings: &[(&str, &str)]| {
        let mut body = policy_with("p1", strings);
        body["id"] = json!(id);
        case("PH19", Method::PUT, &format!("{PREHEAT}/p1"), Some(body))
    };
    run(
        &sim,
        vec![
            put(&[("trigger", "{\"type\":\"manual\"")]).uncoded("unexpected end of JSON input"),
            put(&[("filters", "[1]")])
                .uncoded("json: cannot unmarshal number into Go value of type policy.Filter"),
            put(&[]).answers(StatusCode::OK),
        ],
    )
    .await;
}
