//! The ledger's row I8 (`CONFORMANCE.md`, `immutable.go`): which tags a project's immutable
//! rules protect, as Harbor's rule matcher decides, seen through the API: deleting a tag
//! (T6), deleting an artifact (AR5) and the tag lists' `with_immutable_status` (TL4).

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{create_project, get_json, send};

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
