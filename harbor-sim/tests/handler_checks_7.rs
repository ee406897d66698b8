//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for the list semantics of
//! `artifact.go` (artifacts and tags: `q`, `sort`, the `with_*` options), of `webhook.go`, and
//! the remaining operations of `preheat.go` and `retention.go`. Each case is named by its
//! row's id.

use reqwest::{Method, StatusCode};
use serde_json::Value;

mod support;

use support::checks::{BAD, case, get_json, run, send};

const ARTIFACTS: &str = "/projects/library/repositories/nginx/artifacts";

/// The ids of a list's items, in order.
fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|a| a["id"].as_i64().expect("an id"))
        .collect()
}

/// The ids of `library/nginx`'s artifacts listed with `query` (already escaped).
async fn artifact_ids(sim: &support::CheckedSim, query: &str) -> Vec<i64> {
    ids(&get_json(sim, &format!("{ARTIFACTS}?{query}")).await)
}

/// `library/nginx` with five artifacts, newest first: `2.0-rc` and `beta` (tagged `b2` too),
/// `latest` (pushed again), the untagged former `latest`, and `1.27` (labelled `stable`,
/// immutable by the demo's rule `1.*`). Returns their ids in that order.
async fn nginx(sim: &support::CheckedSim) -> Vec<i64> {
    sim.handle()
        .push_image("library", "nginx", "latest")
        .expect("push");
    sim.handle()
        .push_image("library", "nginx", "beta")
        .expect("push");
    sim.handle()
        .push_image("library", "nginx", "2.0-rc")
        .expect("push");
    let beta = format!("{ARTIFACTS}/beta/tags");
    let (status, text) = send(
        sim,
        Method::POST,
        &beta,
        Some(serde_json::json!({"name": "b2"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let all = artifact_ids(sim, "").await;
    assert_eq!(all.len(), 5);
    all
}

#[tokio::test]
async fn artifact_list_q_checks() {
    let sim = support::start().await;
    let all = nginx(&sim).await;
    let list = get_json(&sim, ARTIFACTS).await;
    let digest = list[0]["digest"].as_str().expect("a digest").to_owned();
    // AR7: a key that is no column of the artifact table lists everything.
    assert_eq!(artifact_ids(&sim, "q=name%3Dnope").await, all, "AR7");
    assert_eq!(artifact_ids(&sim, "q=scanned%3Dtrue").await, all, "AR7");
    // `label_id` is no key of this list (labels are `labels=(...)`, AR11).
    assert_eq!(artifact_ids(&sim, "q=label_id%3D1").await, all, "AR7");
    assert_eq!(
        artifact_ids(&sim, "q=extra_attrs.os%3Dwindows").await,
        all,
        "AR7: no attribute keys in the artifact DAO"
    );
    // AR8: columns by column or Go field name (or its snake case); exact matches in the
    // asked case, fuzzy ones in any case; ranges, or-lists; an and-list is not applied.
    assert_eq!(
        artifact_ids(&sim, &format!("q=digest%3D{digest}")).await,
        [all[0]],
        "AR8"
    );
    assert_eq!(
        artifact_ids(&sim, &format!("q=Digest%3D{digest}")).await,
        [all[0]],
        "AR8"
    );
    assert_eq!(artifact_ids(&sim, "q=type%3DIMAGE").await, all, "AR8");
    assert!(artifact_ids(&sim, "q=type%3Dimage").await.is_empty(), "AR8");
    assert_eq!(
        artifact_ids(&sim, "q=media_type%3D~DOCKER.CONTAINER").await,
        all,
        "AR8"
    );
    assert_eq!(
        artifact_ids(&sim, "q=mediaType%3D~docker").await,
        all,
        "AR8: the snake case"
    );
    assert_eq!(
        artifact_ids(&sim, &format!("q=id%3D%7B{}%20{}%7D", all[1], all[3])).await,
        [all[1], all[3]],
        "AR8"
    );
    assert_eq!(
        artifact_ids(&sim, &format!("q=id%3D%5B{}~{}%5D", all[3], all[1])).await,
        [all[1], all[2], all[3]],
        "AR8"
    );
    assert_eq!(
        artifact_ids(&sim, "q=size%3D(1%202)").await,
        all,
        "AR8: an and-list"
    );
    // AR9: `tags`: `*` tagged, `nil` untagged, a name exactly, `~` a substring in the asked
    // case; `Tags` too.
    assert_eq!(
        artifact_ids(&sim, "q=tags%3D*").await,
        [all[0], all[1], all[2], all[4]],
        "AR9"
    );
    assert_eq!(artifact_ids(&sim, "q=tags%3Dnil").await, [all[3]], "AR9");
    assert_eq!(artifact_ids(&sim, "q=tags%3Db2").await, [all[1]], "AR9");
    assert_eq!(artifact_ids(&sim, "q=Tags%3Db2").await, [all[1]], "AR9");
    assert_eq!(
        artifact_ids(&sim, "q=tags%3D~2").await,
        [all[0], all[1], all[4]],
        "AR9"
    );
    assert!(
        artifact_ids(&sim, "q=tags%3D~LATEST").await.is_empty(),
        "AR9"
    );
    assert!(artifact_ids(&sim, "q=tags%3D1.2").await.is_empty(), "AR9");
    // AR10 to AR12: the DAO's own keys refuse other forms, before the repository is read.
    let tags = r#"the value of "tags" query can only be fuzzy match value or exact match value"#;
    let labels =
        r#"the value of "labels" query can only be integer list with intersetion relationship"#;
    let base = r#"the value of "base" query can only be exact match value with "*""#;
    let stable =
        get_json(&sim, &format!("{ARTIFACTS}/1.27?with_label=true")).await["labels"][0]["id"]
            .as_i64()
            .expect("the stable label");
    assert_eq!(
        artifact_ids(&sim, &format!("q=labels%3D({stable})")).await,
        [all[4]],
        "AR11"
    );
    assert_eq!(
        artifact_ids(&sim, &format!("q=Labels%3D({stable})")).await,
        [all[4]],
        "AR11"
    );
    assert!(
        artifact_ids(&sim, &format!("q=labels%3D({stable}%20999)"))
            .await
            .is_empty(),
        "AR11: every label"
    );
    assert_eq!(artifact_ids(&sim, "q=base%3D*").await, all, "AR12");
    run(
        &sim,
        vec![
            case(
                "AR10",
                Method::GET,
                &format!("{ARTIFACTS}?q=tags%3D%5Ba~b%5D"),
                None,
            )
            .refused(BAD, tags),
            case(
                "AR10",
                Method::GET,
                &format!("{ARTIFACTS}?q=tags%3D%7Ba%20b%7D"),
                None,
            )
            .refused(BAD, tags),
            case(
                "AR10",
                Method::GET,
                &format!("{ARTIFACTS}?q=tags%3D(a)"),
                None,
            )
            .refused(BAD, tags),
            case(
                "AR10",
                Method::GET,
                "/projects/library/repositories/nope/artifacts?q=tags%3D(a)",
                None,
            )
            .refused(BAD, tags),
            case(
                "AR11",
                Method::GET,
                &format!("{ARTIFACTS}?q=labels%3D1"),
                None,
            )
            .refused(BAD, labels),
            case(
                "AR11",
                Method::GET,
                &format!("{ARTIFACTS}?q=labels%3D(a)"),
                None,
            )
            .refused(BAD, labels),
            case(
                "AR11",
                Method::GET,
                &format!("{ARTIFACTS}?q=labels%3D%7B{stable}%7D"),
                None,
            )
            .refused(BAD, labels),
            case(
                "AR11",
                Method::GET,
                &format!("{ARTIFACTS}?q=labels%3D()"),
                None,
            )
            // The DAO's `IN ()`, which PostgreSQL refuses.
            .uncoded(r#"ERROR: syntax error at or near ")" (SQLSTATE 42601)"#),
            case(
                "AR12",
                Method::GET,
                &format!("{ARTIFACTS}?q=base%3D~x"),
                None,
            )
            .refused(BAD, base),
            case(
                "AR12",
                Method::GET,
                &format!("{ARTIFACTS}?q=base%3Dall"),
                None,
            )
            .refused(BAD, base),
            // The base is checked before the tags.
            case(
                "AR12",
                Method::GET,
                &format!("{ARTIFACTS}?q=tags%3D(a),base%3Dall"),
                None,
            )
            .refused(BAD, base),
        ],
    )
    .await;
}

#[tokio::test]
async fn artifact_list_sort_checks() {
    let sim = support::start().await;
    let all = nginx(&sim).await;
    let mut ascending = all.clone();
    ascending.reverse();
    // AR13: columns by column or field name; a key that is none (or is not trimmed) is
    // skipped; with none left, the default order.
    assert_eq!(artifact_ids(&sim, "sort=id").await, ascending, "AR13");
    assert_eq!(artifact_ids(&sim, "sort=ID").await, ascending, "AR13");
    assert_eq!(
        artifact_ids(&sim, "sort=push_time,id").await,
        ascending,
        "AR13"
    );
    assert_eq!(artifact_ids(&sim, "sort=-id").await, all, "AR13");
    assert_eq!(artifact_ids(&sim, "sort=name").await, all, "AR13");
    assert_eq!(artifact_ids(&sim, "sort=%20id").await, all, "AR13");
    assert_eq!(
        artifact_ids(&sim, "sort=tags,id").await,
        ascending,
        "AR13: the unknown key is skipped"
    );
    // With `q` or `sort` the page is cut after the order.
    let list = get_json(&sim, &format!("{ARTIFACTS}?sort=id&page=2&page_size=2")).await;
    assert_eq!(ids(&list), ascending[2..4], "AR13");
}

#[tokio::test]
async fn artifact_with_options_checks() {
    let sim = support::start().await;
    let all = nginx(&sim).await;
    // AR14: arrays Harbor fills by appending are null when empty or not asked for.
    let list = get_json(&sim, ARTIFACTS).await;
    for a in list.as_array().expect("a list") {
        assert_eq!(
            a["labels"],
            Value::Null,
            "AR14: with_label defaults to false"
        );
        assert_eq!(a["references"], Value::Null, "AR14");
        assert_eq!(
            a["accessories"],
            Value::Null,
            "AR14: with_accessory is false"
        );
        assert!(a.get("inherited_accessories").is_none(), "AR14");
    }
    assert_eq!(list[3]["tags"], Value::Null, "AR14: an untagged artifact");
    let labelled = get_json(&sim, &format!("{ARTIFACTS}?with_label=true")).await;
    assert_eq!(labelled[4]["labels"][0]["name"], "stable", "AR14");
    assert_eq!(labelled[0]["labels"], Value::Null, "AR14: no label");
    let untagged = get_json(&sim, &format!("{ARTIFACTS}?with_tag=false")).await;
    assert_eq!(untagged[0]["tags"], Value::Null, "AR14");
    let one = get_json(&sim, &format!("{ARTIFACTS}/beta")).await;
    assert_eq!(one["id"], all[1]);
    assert_eq!(one["labels"], Value::Null, "AR14: get");
    assert_eq!(one["accessories"], Value::Null, "AR14: get");
    // AR15: an artifact's tags newest first, immutable only when asked.
    let names: Vec<&str> = one["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("a name"))
        .collect();
    assert_eq!(names, ["b2", "beta"], "AR15");
    let stable = get_json(&sim, &format!("{ARTIFACTS}/1.27")).await;
    assert_eq!(stable["tags"][0]["immutable"], false, "AR15");
    let stable = get_json(
        &sim,
        &format!("{ARTIFACTS}/1.27?with_immutable_status=true"),
    )
    .await;
    assert_eq!(stable["tags"][0]["immutable"], true, "AR15");
    let list = get_json(&sim, &format!("{ARTIFACTS}?with_immutable_status=true")).await;
    assert_eq!(list[4]["tags"][0]["immutable"], true, "AR15");
    assert_eq!(list[0]["tags"][0]["immutable"], false, "AR15");
}

/// The tag names of `reference`'s tag list with `query`.
async fn tag_names(sim: &support::CheckedSim, reference: &str, query: &str) -> Vec<String> {
    get_json(sim, &format!("{ARTIFACTS}/{reference}/tags?{query}"))
        .await
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| t["name"].as_str().expect("a name").to_owned())
        .collect()
}

#[tokio::test]
async fn tag_list_checks() {
    let sim = support::start().await;
    nginx(&sim).await;
    for name in ["Zeta", "alpha"] {
        let (status, text) = send(
            &sim,
            Method::POST,
            &format!("{ARTIFACTS}/beta/tags"),
            Some(serde_json::json!({"name": name})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
    }
    // TL1: newest first.
    assert_eq!(
        tag_names(&sim, "beta", "").await,
        ["alpha", "Zeta", "b2", "beta"],
        "TL1"
    );
    // TL2: the tag table's columns; fuzzy in any case, exact in the asked one; other keys
    // (`immutable` is no column) are skipped.
    assert_eq!(
        tag_names(&sim, "beta", "q=name%3D~ZE").await,
        ["Zeta"],
        "TL2"
    );
    assert_eq!(
        tag_names(&sim, "beta", "q=Name%3DZeta").await,
        ["Zeta"],
        "TL2"
    );
    assert!(
        tag_names(&sim, "beta", "q=name%3Dzeta").await.is_empty(),
        "TL2"
    );
    assert_eq!(
        tag_names(&sim, "beta", "q=name%3D%7Bbeta%20b2%7D").await,
        ["b2", "beta"],
        "TL2"
    );
    assert_eq!(
        tag_names(&sim, "beta", "q=immutable%3Dtrue").await.len(),
        4,
        "TL2"
    );
    let tags = get_json(&sim, &format!("{ARTIFACTS}/beta/tags")).await;
    let (zeta, b2) = (
        tags[1]["id"].as_i64().unwrap(),
        tags[2]["id"].as_i64().unwrap(),
    );
    assert_eq!(
        tag_names(&sim, "beta", &format!("q=id%3D%5B{b2}~{zeta}%5D")).await,
        ["Zeta", "b2"],
        "TL2"
    );
    // TL3: `sort` on the columns; anything else is the default order.
    assert_eq!(
        tag_names(&sim, "beta", "sort=name").await,
        ["Zeta", "alpha", "b2", "beta"],
        "TL3"
    );
    assert_eq!(
        tag_names(&sim, "beta", "sort=-name").await,
        ["beta", "b2", "alpha", "Zeta"],
        "TL3"
    );
    assert_eq!(
        tag_names(&sim, "beta", "sort=immutable").await,
        ["alpha", "Zeta", "b2", "beta"],
        "TL3"
    );
    let page = tag_names(&sim, "beta", "sort=name&page=2&page_size=3").await;
    assert_eq!(page, ["beta"], "TL3");
    // TL4: the immutable status only when asked.
    let tags = get_json(&sim, &format!("{ARTIFACTS}/1.27/tags")).await;
    assert_eq!(tags[0]["immutable"], false, "TL4");
    let tags = get_json(
        &sim,
        &format!("{ARTIFACTS}/1.27/tags?with_immutable_status=true"),
    )
    .await;
    assert_eq!(tags[0]["immutable"], true, "TL4");
    // TL5: `q` is parsed before the artifact is looked up.
    run(
        &sim,
        vec![
            case(
                "TL5",
                Method::GET,
                &format!("{ARTIFACTS}/nope/tags?q=name"),
                None,
            )
            .refused(
                BAD,
                r#"the query string must contain "=" and the key/value cannot be empty"#,
            ),
            case(
                "TL5",
                Method::GET,
                &format!("{ARTIFACTS}/nope/tags?q=name%3D~x"),
                None,
            )
            .refused(
                StatusCode::NOT_FOUND,
                "artifact library/nginx:nope not found",
            ),
            // AR16: the same for accessories.
            case(
                "AR16",
                Method::GET,
                &format!("{ARTIFACTS}/nope/accessories?q=a%3D(b"),
                None,
            )
            .refused(BAD, "invalid query string value: (b"),
            case(
                "AR16",
                Method::GET,
                &format!("{ARTIFACTS}/nope/accessories?q=a%3Db"),
                None,
            )
            .refused(
                StatusCode::NOT_FOUND,
                "artifact library/nginx:nope not found",
            ),
            case(
                "AR16",
                Method::GET,
                &format!("{ARTIFACTS}/latest/accessories"),
                None,
            ),
        ],
    )
    .await;
}

const POLICIES: &str = "/projects/demo/webhook/policies";

/// A webhook policy of `demo` from `body`; its id.
async fn policy(sim: &support::CheckedSim, body: Value) -> i64 {
    let (status, location, text) = support::send_as(
        sim,
        support::checks::ADMIN,
        Method::POST,
        POLICIES,
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location")
}

/// The names of `demo`'s policies listed with `query`.
async fn policy_names(sim: &support::CheckedSim, query: &str) -> Vec<String> {
    get_json(sim, &format!("{POLICIES}?{query}"))
        .await
        .as_array()
        .expect("a list")
        .iter()
        .map(|p| p["name"].as_str().unwrap_or_default().to_owned())
        .collect()
}

fn http_target(address: &str) -> Value {
    serde_json::json!([{"type": "http", "address": address}])
}

#[tokio::test]
async fn webhook_list_checks() {
    let sim = support::start().await;
    policy(
        &sim,
        serde_json::json!({"name": "Audit", "enabled": true, "event_types": ["PULL_ARTIFACT"],
            "targets": http_target("http://audit.example.org/in")}),
    )
    .await;
    policy(
        &sim,
        serde_json::json!({"name": "chat", "description": "to the team", "event_types": ["QUOTA_EXCEED"],
            "targets": [{"type": "slack", "address": "https://hooks.slack.example/x"}]}),
    )
    .await;
    // LW1 (newest first) stays.
    assert_eq!(
        policy_names(&sim, "").await,
        ["chat", "Audit", "notify-ci"],
        "LW1"
    );
    // W13: `q` on the policy table's columns; fuzzy in any case, exact in the asked one;
    // `targets` and `event_types` are JSON text; other keys are skipped.
    assert_eq!(policy_names(&sim, "q=name%3D~AUD").await, ["Audit"], "W13");
    assert!(policy_names(&sim, "q=name%3Daudit").await.is_empty(), "W13");
    assert_eq!(
        policy_names(&sim, "q=enabled%3Dfalse").await,
        ["chat"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "q=event_types%3D~pull").await,
        ["Audit"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "q=targets%3D~EXAMPLE.COM").await,
        ["notify-ci"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "q=description%3D~team").await,
        ["chat"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "q=event_type%3DPUSH_ARTIFACT")
            .await
            .len(),
        3,
        "W13: no column"
    );
    // W13: `sort` on the columns; other keys leave the default order.
    assert_eq!(
        policy_names(&sim, "sort=name").await,
        ["Audit", "chat", "notify-ci"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "sort=-enabled,id").await,
        ["notify-ci", "Audit", "chat"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "sort=event_type").await,
        ["chat", "Audit", "notify-ci"],
        "W13"
    );
    assert_eq!(
        policy_names(&sim, "sort=name&page=2&page_size=2").await,
        ["notify-ci"],
        "W13"
    );
}

#[tokio::test]
async fn webhook_answer_checks() {
    let sim = support::start().await;
    // W15: only the model's fields; empty strings and a false `skip_cert_verify` omitted,
    // `enabled` always written.
    let id = policy(
        &sim,
        serde_json::json!({"name": "", "description": "", "event_types": ["PUSH_ARTIFACT"],
            "color": "red",
            "targets": [{"type": "http", "address": "http://a.example.org", "auth_header": "",
                         "skip_cert_verify": false, "extra": 1}]}),
    )
    .await;
    let doc = get_json(&sim, &format!("{POLICIES}/{id}")).await;
    let keys: Vec<&str> = doc
        .as_object()
        .expect("an object")
        .keys()
        .map(String::as_str)
        .collect();
    let mut keys = keys;
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "creation_time",
            "enabled",
            "event_types",
            "id",
            "project_id",
            "targets",
            "update_time"
        ],
        "W15"
    );
    assert_eq!(doc["enabled"], false, "W15");
    assert_eq!(
        doc["targets"],
        serde_json::json!([{"type": "http", "address": "http://a.example.org", "payload_format": "Default"}]),
        "W15"
    );
    let listed = get_json(&sim, POLICIES).await;
    assert_eq!(listed[0], doc, "W15: the list answers the same");
    // W18: the creator is the body's (none here, so none is answered); an update writes
    // the body's creator and creation time (absent: empty and Go's zero time).
    let named = policy(
        &sim,
        serde_json::json!({"name": "by-carol", "creator": "carol", "creation_time": "2020-01-01T00:00:00.000Z",
            "event_types": ["PUSH_ARTIFACT"], "targets": http_target("http://c.example.org")}),
    )
    .await;
    let carol = get_json(&sim, &format!("{POLICIES}/{named}")).await;
    assert_eq!(carol["creator"], "carol", "W18");
    assert_ne!(
        carol["creation_time"], "2020-01-01T00:00:00.000Z",
        "W18: the creation time is the creation's"
    );
    run(
        &sim,
        vec![case(
            "W18",
            Method::PUT,
            &format!("{POLICIES}/{named}"),
            Some(
                serde_json::json!({"name": "by-carol", "event_types": ["PUSH_ARTIFACT"],
                "targets": http_target("http://c.example.org")}),
            ),
        )],
    )
    .await;
    let carol = get_json(&sim, &format!("{POLICIES}/{named}")).await;
    assert!(carol.get("creator").is_none(), "W18: {carol}");
    assert_eq!(carol["creation_time"], "0001-01-01T00:00:00.000Z", "W18");
    // W16: the event types in the order Harbor registers them.
    let types = get_json(&sim, "/projects/demo/webhook/events").await;
    assert_eq!(
        types["event_type"],
        serde_json::json!([
            "PUSH_ARTIFACT",
            "PULL_ARTIFACT",
            "DELETE_ARTIFACT",
            "QUOTA_EXCEED",
            "QUOTA_WARNING",
            "SCANNING_FAILED",
            "SCANNING_STOPPED",
            "SCANNING_COMPLETED",
            "REPLICATION",
            "TAG_RETENTION"
        ]),
        "W16"
    );
    assert_eq!(
        types["notify_type"],
        serde_json::json!(["http", "slack"]),
        "W16"
    );
}

#[tokio::test]
async fn webhook_last_trigger_checks() {
    let sim = support::start().await;
    const ZERO: &str = "0001-01-01T00:00:00.000Z";
    policy(
        &sim,
        serde_json::json!({"event_types": ["QUOTA_WARNING", "PULL_ARTIFACT"],
            "targets": http_target("http://b.example.org")}),
    )
    .await;
    // W14: newest policy first, its event types as stored; no run: Go's zero time; an
    // empty name and a false `enabled` omitted.
    let triggers = get_json(&sim, "/projects/demo/webhook/lasttrigger").await;
    let pairs: Vec<(Option<&str>, &str)> = triggers
        .as_array()
        .expect("a list")
        .iter()
        .map(|t| (t["policy_name"].as_str(), t["event_type"].as_str().unwrap()))
        .collect();
    assert_eq!(
        pairs,
        [
            (None, "QUOTA_WARNING"),
            (None, "PULL_ARTIFACT"),
            (Some("notify-ci"), "PUSH_ARTIFACT"),
            (Some("notify-ci"), "DELETE_ARTIFACT")
        ],
        "W14"
    );
    assert!(triggers[0].get("enabled").is_none(), "W14");
    assert!(triggers[0].get("policy_name").is_none(), "W14");
    assert_eq!(triggers[2]["enabled"], true, "W14");
    for t in &triggers.as_array().unwrap()[..2] {
        assert_eq!(t["last_trigger_time"], ZERO, "W14: no run yet");
    }
    // A run's start for its policy and event only: the newest `PUSH_ARTIFACT` run of
    // `notify-ci` after a push.
    sim.handle()
        .push_image("demo", "team/app", "v2")
        .expect("push");
    let notify = get_json(&sim, POLICIES).await[1]["id"].as_i64().unwrap();
    let runs = get_json(&sim, &format!("{POLICIES}/{notify}/executions")).await;
    let newest_push = runs
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["extra_attrs"]["event_type"] == "PUSH_ARTIFACT")
        .map(|r| r["start_time"].as_str().unwrap().to_owned())
        .max()
        .expect("a push run");
    let triggers = get_json(&sim, "/projects/demo/webhook/lasttrigger").await;
    // `strfmt.DateTime` keeps the milliseconds the run list (W17) leaves out.
    let last = triggers[2]["last_trigger_time"].as_str().unwrap();
    assert_eq!(
        format!("{}Z", &last[..19]),
        newest_push,
        "W14: {last} is the newest run's start"
    );
    assert_eq!(last.len(), 24, "W14: {last}");
    assert_eq!(triggers[0]["last_trigger_time"], ZERO, "W14");
}

const INSTANCES: &str = "/p2p/preheat/instances";

fn instance(name: &str, endpoint: &str) -> Value {
    serde_json::json!({"name": name, "vendor": "dragonfly", "endpoint": endpoint,
        "auth_mode": "BASIC", "auth_info": {"username": "u", "password": "p"}, "enabled": true})
}

#[tokio::test]
async fn preheat_instance_checks() {
    let sim = support::start().await;
    let conflict = StatusCode::CONFLICT;
    run(
        &sim,
        vec![
            // PH5: Harbor's name pattern (`fmt.Errorf`: uncoded).
            case(
                "PH5",
                Method::POST,
                INSTANCES,
                Some(instance("-bad", "http://d1.example.com")),
            )
            .uncoded("name -bad is invalid"),
            case(
                "PH5",
                Method::POST,
                INSTANCES,
                Some(instance("a..b", "http://d1.example.com")),
            )
            .uncoded("name a..b is invalid"),
            case(
                "PH5",
                Method::POST,
                INSTANCES,
                Some(serde_json::json!({"endpoint": "http://d1.example.com"})),
            )
            .uncoded("name  is invalid"),
            // PH6: an endpoint in use, before the name's key (the uncoded `ErrorConflict`).
            case(
                "PH6",
                Method::POST,
                INSTANCES,
                Some(instance("kraken", "http://kraken.example.com")),
            )
            .uncoded("resource conflict"),
            // PH7: a name in use.
            case(
                "PH7",
                Method::POST,
                INSTANCES,
                Some(instance("kraken", "http://d1.example.com")),
            )
            .refused(conflict, "instance kraken already exists"),
        ],
    )
    .await;
    // PH8: the `Location` ends with the name; the answer has no `auth_info`, `status`
    // `Unknown`, the flags always, the setup time set.
    let (status, location, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        INSTANCES,
        Some(instance("d1.x_y-z", "http://d1.example.com")),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "PH8: {text}");
    assert!(
        location
            .as_deref()
            .is_some_and(|l| l.ends_with("/p2p/preheat/instances/d1.x_y-z")),
        "PH8: {location:?}"
    );
    let d1 = get_json(&sim, &format!("{INSTANCES}/d1.x_y-z")).await;
    assert!(d1.get("auth_info").is_none(), "PH8");
    assert_eq!(d1["status"], "Unknown", "PH8");
    assert_eq!(d1["default"], false, "PH8");
    assert_eq!(d1["insecure"], false, "PH8");
    assert!(d1.get("description").is_none(), "PH8");
    assert!(
        d1["setup_timestamp"].as_i64().unwrap_or(0) > 1_700_000_000,
        "PH8"
    );
    let kraken = get_json(&sim, &format!("{INSTANCES}/kraken")).await;
    assert_eq!(kraken["status"], "Unknown", "PH8: never a health");
    let d1_id = d1["id"].as_i64().unwrap();
    let kraken_id = kraken["id"].as_i64().unwrap();
    // PH14: `q` and `sort` on the instance table, by id otherwise.
    let names = |list: Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(get_json(&sim, INSTANCES).await),
        ["kraken", "d1.x_y-z"],
        "PH14"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{INSTANCES}?q=vendor%3DDragonfly")).await),
        Vec::<String>::new(),
        "PH14"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{INSTANCES}?q=endpoint%3D~D1")).await),
        ["d1.x_y-z"],
        "PH14"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{INSTANCES}?q=is_default%3Dtrue")).await),
        ["kraken"],
        "PH14"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{INSTANCES}?q=status%3DHealthy")).await).len(),
        2,
        "PH14: status is no column"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{INSTANCES}?sort=-id")).await),
        ["d1.x_y-z", "kraken"],
        "PH14"
    );
    let update = |id: Option<i64>, name: &str, vendor: &str, enabled: bool| {
        let mut body = serde_json::json!({"name": name, "vendor": vendor,
            "endpoint": "http://d1.example.com", "enabled": enabled});
        if let Some(id) = id {
            body["id"] = serde_json::json!(id);
        }
        Some(body)
    };
    let d1_path = format!("{INSTANCES}/d1.x_y-z");
    run(
        &sim,
        vec![
            // PH9: by name only.
            case("PH9", Method::GET, &format!("{INSTANCES}/{d1_id}"), None)
                .refused(StatusCode::NOT_FOUND, format!("instance {d1_id} not found")),
            case("PH9", Method::DELETE, &format!("{INSTANCES}/nope"), None)
                .refused(StatusCode::NOT_FOUND, "instance nope not found"),
            case(
                "PH9",
                Method::PUT,
                &format!("{INSTANCES}/nope"),
                update(Some(d1_id), "d1", "dragonfly", true),
            )
            .refused(StatusCode::NOT_FOUND, "instance nope not found"),
            // PH10: the body's id is updated; none is 0.
            case(
                "PH10",
                Method::PUT,
                &d1_path,
                update(None, "d1", "dragonfly", true),
            )
            .refused(StatusCode::NOT_FOUND, "instance 0 not found"),
            // PH11: disabling an instance a policy uses.
            case(
                "PH11",
                Method::PUT,
                &d1_path,
                update(Some(kraken_id), "kraken", "kraken", false),
            )
            .refused(
                StatusCode::PRECONDITION_FAILED,
                "Provider [kraken] cannot be disabled as some preheat policies are using it",
            ),
            // PH12: a vendor change (`errors.Errorf`: uncoded).
            case(
                "PH12",
                Method::PUT,
                &d1_path,
                update(Some(d1_id), "d1", "kraken", true),
            )
            .uncoded("provider [d1.x_y-z] vendor cannot be changed"),
            case(
                "PH5",
                Method::PUT,
                &d1_path,
                update(Some(d1_id), "", "dragonfly", true),
            )
            .uncoded("name  is invalid"),
            // PH13: deleting an instance a policy uses.
            case("PH13", Method::DELETE, &format!("{INSTANCES}/kraken"), None).refused(
                StatusCode::PRECONDITION_FAILED,
                "Provider [kraken] cannot be deleted as some preheat policies are using it",
            ),
            // PH10: renamed through the body; every column is the body's.
            case(
                "PH10",
                Method::PUT,
                &d1_path,
                update(Some(d1_id), "d1", "dragonfly", false),
            ),
        ],
    )
    .await;
    let d1 = get_json(&sim, &format!("{INSTANCES}/d1")).await;
    assert_eq!(d1["enabled"], false, "PH10");
    assert!(d1.get("auth_mode").is_none(), "PH10: Go's zero value");
    assert!(d1.get("setup_timestamp").is_none(), "PH10: Go's zero value");
    run(
        &sim,
        vec![
            case("PH9", Method::DELETE, &format!("{INSTANCES}/d1"), None),
            case("PH9", Method::GET, &format!("{INSTANCES}/d1"), None)
                .refused(StatusCode::NOT_FOUND, "instance d1 not found"),
        ],
    )
    .await;
}

const PREHEAT: &str = "/projects/library/preheat/policies";

fn preheat_policy(name: &str, provider: i64) -> Value {
    serde_json::json!({"name": name, "provider_id": provider, "project_id": 99,
        "filters": r#"[{"type":"repository","value":"**"}]"#, "trigger": r#"{"type":"manual"}"#,
        "enabled": true, "color": "red"})
}

#[tokio::test]
async fn preheat_policy_checks() {
    let sim = support::start().await;
    let mut scheduled = preheat_policy("p1", 1);
    scheduled["trigger"] =
        serde_json::json!(r#"{"type":"scheduled","trigger_setting":{"cron":"* * *"}}"#);
    let without = |field: &str| {
        let mut body = preheat_policy("p1", 1);
        body.as_object_mut().unwrap().remove(field);
        Some(body)
    };
    run(
        &sim,
        vec![
            // PH15: the name (Harbor answers 500), the provider, the filters and trigger
            // (Harbor answers 500), a name in use.
            case(
                "PH15",
                Method::POST,
                PREHEAT,
                Some(preheat_policy("a b", 1)),
            )
            .uncoded("name a b is invalid"),
            case("PH15", Method::POST, PREHEAT, Some(preheat_policy("p1", 7)))
                .refused(StatusCode::NOT_FOUND, "instance 7 not found"),
            case("PH15", Method::POST, PREHEAT, without("provider_id"))
                .refused(StatusCode::NOT_FOUND, "instance 0 not found"),
            case("PH15", Method::POST, PREHEAT, without("filters"))
                .uncoded("missing filters in preheat policy schema"),
            case("PH15", Method::POST, PREHEAT, without("trigger"))
                .uncoded("missing trigger settings in preheat policy schema"),
            case("PH15", Method::POST, PREHEAT, Some(scheduled)).refused(
                BAD,
                "invalid cron string for scheduled preheat: * * *, error: expected exactly 6 fields, found 3: [* * *]",
            ),
            case(
                "PH15",
                Method::POST,
                PREHEAT,
                Some(preheat_policy("nightly", 1)),
            )
            .refused(StatusCode::CONFLICT, "policy nightly already exists"),
            case(
                "PH15",
                Method::POST,
                "/projects/nope/preheat/policies",
                Some(preheat_policy("p1", 1)),
            )
            .refused(StatusCode::NOT_FOUND, "project nope not found"),
        ],
    )
    .await;
    let (status, location, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        PREHEAT,
        Some(preheat_policy("p1", 1)),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "PH15: {text}");
    assert!(
        location
            .as_deref()
            .is_some_and(|l| l.ends_with("/preheat/policies/p1")),
        "PH15: {location:?}"
    );
    // PH16: the model's fields, the project's id, the provider's name; empty strings
    // omitted, `enabled` always.
    let p1 = get_json(&sim, &format!("{PREHEAT}/p1")).await;
    let library = get_json(&sim, "/projects/library").await["project_id"].clone();
    assert_eq!(p1["project_id"], library, "PH16");
    assert_eq!(p1["provider_name"], "kraken", "PH16");
    assert_eq!(p1["trigger"], r#"{"type":"manual"}"#, "PH16");
    assert!(p1.get("color").is_none(), "PH16");
    assert!(p1.get("description").is_none(), "PH16");
    assert!(p1.get("extra_attrs").is_none(), "PH16");
    assert_eq!(p1["enabled"], true, "PH16");
    // PH18: `q` and `sort` on the policy table, by id otherwise.
    let names = |list: Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(get_json(&sim, PREHEAT).await),
        ["nightly", "p1"],
        "PH18"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{PREHEAT}?sort=-name")).await),
        ["p1", "nightly"],
        "PH18"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{PREHEAT}?q=filters%3D~REPOSITORY")).await),
        ["p1"],
        "PH18"
    );
    assert_eq!(
        names(get_json(&sim, &format!("{PREHEAT}?q=provider_name%3Dnope")).await).len(),
        2,
        "PH18: no column"
    );
    // PH17: a policy with a running execution is not deleted.
    let (status, _, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        &format!("{PREHEAT}/p1"),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let runs = get_json(&sim, &format!("{PREHEAT}/p1/executions")).await;
    let run_id = runs[0]["id"].as_i64().unwrap();
    assert_eq!(runs[0]["status"], "Running", "PH17");
    run(
        &sim,
        vec![
            case("PH17", Method::DELETE, &format!("{PREHEAT}/p1"), None).refused(
                StatusCode::PRECONDITION_FAILED,
                format!("execution {run_id} under the policy p1 is running, stop it and retry"),
            ),
            case(
                "PH17",
                Method::PATCH,
                &format!("{PREHEAT}/p1/executions/{run_id}"),
                Some(serde_json::json!({"status": "Stopped"})),
            ),
            case("PH17", Method::DELETE, &format!("{PREHEAT}/p1"), None),
            case("PH1", Method::GET, &format!("{PREHEAT}/p1"), None)
                .refused(StatusCode::NOT_FOUND, "policy p1 not found"),
        ],
    )
    .await;
}

fn retention_rule(priority: i64) -> Value {
    serde_json::json!({"priority": priority, "action": "retain", "template": "latestPushedK",
        "params": {"latestPushedK": priority},
        "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
        "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}})
}

fn retention(project: i64, rules: Vec<Value>) -> Value {
    serde_json::json!({"algorithm": "or", "rules": rules,
        "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
        "scope": {"level": "project", "ref": project}})
}

#[tokio::test]
async fn retention_create_checks() {
    let sim = support::start().await;
    let library = get_json(&sim, "/projects/library").await;
    let seeded = library["metadata"]["retention_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let library = library["project_id"].as_i64().unwrap();
    let demo = get_json(&sim, "/projects/demo").await["project_id"]
        .as_i64()
        .unwrap();
    let many: Vec<Value> = (1..=16).map(retention_rule).collect();
    let mut twin = retention_rule(1);
    twin["id"] = serde_json::json!(5);
    twin["disabled"] = serde_json::json!(false);
    twin["color"] = serde_json::json!("red");
    let mut no_scope = retention(demo, vec![retention_rule(1)]);
    no_scope.as_object_mut().unwrap().remove("scope");
    let mut system = retention(demo, vec![retention_rule(1)]);
    system["scope"]["level"] = serde_json::json!("system");
    let mut cron = retention(demo, vec![retention_rule(1)]);
    cron["trigger"]["settings"]["cron"] = serde_json::json!(5);
    let mut five_fields = retention(demo, vec![retention_rule(1)]);
    five_fields["trigger"]["settings"]["cron"] = serde_json::json!("0 0 * * *");
    let mut seconds = retention(demo, vec![retention_rule(1)]);
    seconds["trigger"]["settings"]["cron"] = serde_json::json!("5 0 0 * * *");
    // The rules and the scope's presence come before the caller's access, after
    // `retentionAPI.Prepare`'s `RequireAuthenticated` (RT18): an anonymous caller gets 401.
    support::checks::run_as(
        &sim,
        ("nobody", "wrong"),
        vec![
            case(
                "RT18",
                Method::POST,
                "/retentions",
                Some(retention(0, many.clone())),
            )
            .refused(StatusCode::UNAUTHORIZED, "unauthorized"),
            case("RT18", Method::POST, "/retentions", Some(no_scope.clone()))
                .refused(StatusCode::UNAUTHORIZED, "unauthorized"),
        ],
    )
    .await;
    run(
        &sim,
        vec![
            // RT3, RT4: the rules first, even before the scope.
            case("RT3", Method::POST, "/retentions", Some(retention(0, many)))
                .refused(BAD, "bad request: only 15 rules are allowed at most"),
            case(
                "RT4",
                Method::POST,
                "/retentions",
                Some(retention(
                    0,
                    vec![retention_rule(2), retention_rule(1), twin],
                )),
            )
            .refused(
                StatusCode::CONFLICT,
                "resource conflict: rule 2 is conflict with rule 1",
            ),
            // RT5, RT6, RT7: the scope.
            case("RT5", Method::POST, "/retentions", Some(system))
                .refused(BAD, "bad request: scope system is not support"),
            // No scope: `requireAccess` reads the level of a nil pointer.
            case("RT5", Method::POST, "/retentions", Some(no_scope))
                .panics("runtime error: invalid memory address or nil pointer dereference: p.Scope.Level"),
            case(
                "RT6",
                Method::POST,
                "/retentions",
                Some(retention(0, vec![retention_rule(1)])),
            )
            .refused(BAD, "bad request: invalid Project id 0"),
            case(
                "RT6",
                Method::POST,
                "/retentions",
                Some(retention(999, vec![retention_rule(1)])),
            )
            .refused(BAD, "bad request: invalid Project id 999"),
            case(
                "RT7",
                Method::POST,
                "/retentions",
                Some(retention(library, vec![retention_rule(1)])),
            )
            .refused(
                BAD,
                format!("bad request: project {library} already has retention policy {seeded}"),
            ),
            // RT8: the cron's type is checked; templates and parameters are not.
            case("RT8", Method::POST, "/retentions", Some(cron)).refused(
                BAD,
                "invalid cron type for scheduled tag retention: must be a string",
            ),
            case("RT8", Method::POST, "/retentions", Some(five_fields)).refused(
                BAD,
                "invalid cron string for scheduled tag retention: 0 0 * * *, error: expected exactly 6 fields, found 5: [0 0 * * *]",
            ),
            case("RT8", Method::POST, "/retentions", Some(seconds)).refused(
                BAD,
                "invalid cron string for scheduled tag retention: 5 0 0 * * *, error: the 1st field (indicating Seconds of time) of the cron setting must be 0",
            ),
        ],
    )
    .await;
    let mut body = retention(demo, vec![retention_rule(3)]);
    body.as_object_mut().unwrap().remove("algorithm");
    body["rules"][0]["template"] = serde_json::json!("bogus");
    body["rules"][0]["params"] = serde_json::json!({"anything": "goes"});
    body["rules"][0]["id"] = serde_json::json!(7);
    body["rules"][0]["disabled"] = serde_json::json!(false);
    body["rules"][0]["tag_selectors"][0]["extras"] = serde_json::json!("");
    body["rules"][0]["color"] = serde_json::json!("red");
    body["rules"]
        .as_array_mut()
        .unwrap()
        .push(retention_rule(0));
    let (status, location, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        "/retentions",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "RT8: {text}");
    let location = location.expect("a Location");
    let id: i64 = location.rsplit('/').next().unwrap().parse().unwrap();
    assert!(location.ends_with(&format!("/retentions/{id}")), "RT9");
    // RT9: kept as sent, through the swagger model: no default, rule ids as sent, empty and
    // zero fields omitted, unknown ones dropped.
    let policy = get_json(&sim, &format!("/retentions/{id}")).await;
    assert!(policy.get("algorithm").is_none(), "RT9: {policy}");
    assert_eq!(policy["rules"][0]["id"], 7, "RT9");
    assert_eq!(policy["rules"][0]["template"], "bogus", "RT8");
    assert_eq!(
        policy["rules"][0]["params"],
        serde_json::json!({"anything": "goes"}),
        "RT8"
    );
    assert!(policy["rules"][0].get("disabled").is_none(), "RT9");
    assert!(policy["rules"][0].get("color").is_none(), "RT9");
    assert!(
        policy["rules"][0]["tag_selectors"][0]
            .get("extras")
            .is_none(),
        "RT9"
    );
    assert!(policy["rules"][1].get("id").is_none(), "RT9: id 0");
    assert!(
        policy["rules"][1].get("priority").is_none(),
        "RT9: priority 0"
    );
    assert_eq!(
        policy["scope"],
        serde_json::json!({"level": "project", "ref": demo}),
        "RT9"
    );
    // RT10: an unknown id is `GetPolicy`'s uncoded error; RT11: 400 where Harbor wraps it.
    let unknown = "no such Retention policy with id 999999";
    run(
        &sim,
        vec![
            case("RT10", Method::GET, "/retentions/999999", None).uncoded(unknown),
            case("RT11", Method::DELETE, "/retentions/999999", None)
                .refused(BAD, format!("bad request: {unknown}")),
            case(
                "RT11",
                Method::POST,
                "/retentions/999999/executions",
                Some(serde_json::json!({"dry_run": true})),
            )
            .refused(BAD, format!("bad request: {unknown}")),
            case("RT11", Method::GET, "/retentions/999999/executions", None)
                .refused(BAD, format!("bad request: {unknown}")),
            case(
                "RT11",
                Method::PATCH,
                "/retentions/999999/executions/1",
                Some(serde_json::json!({"action": "pause"})),
            )
            .refused(BAD, "bad request: action should be 'stop'"),
            case(
                "RT11",
                Method::PATCH,
                "/retentions/999999/executions/1",
                Some(serde_json::json!({"action": "stop"})),
            )
            .refused(BAD, format!("bad request: {unknown}")),
        ],
    )
    .await;
}

#[tokio::test]
async fn retention_update_checks() {
    let sim = support::start().await;
    let library = get_json(&sim, "/projects/library").await;
    let seeded: i64 = library["metadata"]["retention_id"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    let library = library["project_id"].as_i64().unwrap();
    let demo = get_json(&sim, "/projects/demo").await["project_id"]
        .as_i64()
        .unwrap();
    let path = format!("/retentions/{seeded}");
    let mismatch =
        |id: i64| format!("resource not found: the retention policy id {id} does not match");
    let mut no_scope = retention(library, vec![retention_rule(1)]);
    no_scope.as_object_mut().unwrap().remove("scope");
    let mut manual = retention(library, vec![retention_rule(1)]);
    manual["trigger"] = serde_json::json!({"kind": "manual"});
    manual.as_object_mut().unwrap().remove("algorithm");
    run(
        &sim,
        vec![
            // RT3, RT4 as on create.
            case(
                "RT3",
                Method::PUT,
                &path,
                Some(retention(library, (1..=16).map(retention_rule).collect())),
            )
            .refused(BAD, "bad request: only 15 rules are allowed at most"),
            case(
                "RT4",
                Method::PUT,
                &path,
                Some(retention(
                    library,
                    vec![retention_rule(1), retention_rule(1)],
                )),
            )
            .refused(
                StatusCode::CONFLICT,
                "resource conflict: rule 1 is conflict with rule 0",
            ),
            // RT12: the body's scope must be the project holding the path's policy.
            case(
                "RT12",
                Method::PUT,
                &path,
                Some(retention(demo, vec![retention_rule(1)])),
            )
            .refused(StatusCode::NOT_FOUND, mismatch(seeded)),
            // No scope: a nil pointer, as RT5.
            case("RT12", Method::PUT, &path, Some(no_scope)).panics(
                "runtime error: invalid memory address or nil pointer dereference: p.Scope.Level",
            ),
            case(
                "RT12",
                Method::PUT,
                "/retentions/999999",
                Some(retention(library, vec![retention_rule(1)])),
            )
            .refused(StatusCode::NOT_FOUND, mismatch(999999)),
            // RT12: the body replaces the policy.
            case("RT12", Method::PUT, &path, Some(manual.clone())),
            // RT13: an unchanged kind other than `Schedule` (the controller's `fmt.Errorf`).
            case("RT13", Method::PUT, &path, Some(manual)).uncoded("not support Trigger manual"),
        ],
    )
    .await;
    let policy = get_json(&sim, &path).await;
    assert_eq!(
        policy["trigger"],
        serde_json::json!({"kind": "manual"}),
        "RT12"
    );
    assert!(policy.get("algorithm").is_none(), "RT12");
    assert_eq!(policy["rules"][0]["params"]["latestPushedK"], 1, "RT12");
}

#[tokio::test]
async fn preheat_policy_update_checks() {
    let sim = support::start().await;
    for name in ["p1", "p2"] {
        let (status, _, text) = support::send_as(
            &sim,
            support::checks::ADMIN,
            Method::POST,
            PREHEAT,
            Some(preheat_policy(name, 1)),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
    }
    let p2 = get_json(&sim, &format!("{PREHEAT}/p2")).await["id"]
        .as_i64()
        .unwrap();
    let with = |id: Option<i64>, name: &str, provider: i64| {
        let mut body = preheat_policy(name, provider);
        if let Some(id) = id {
            body["id"] = serde_json::json!(id);
        }
        Some(body)
    };
    let mut no_filters = with(Some(p2), "p2", 1).unwrap();
    no_filters["filters"] = serde_json::json!("");
    // The path's name is never read.
    let path = format!("{PREHEAT}/whatever");
    run(
        &sim,
        vec![
            // PH5 on update.
            case("PH5", Method::PUT, &path, with(Some(p2), "p 2", 1))
                .uncoded("name p 2 is invalid"),
            // PH19: the provider, then the body's id, then filters and trigger, then the
            // name's unique key (a database error).
            case("PH19", Method::PUT, &path, with(Some(p2), "p2", 9))
                .refused(StatusCode::NOT_FOUND, "instance 9 not found"),
            case("PH19", Method::PUT, &path, with(None, "p2", 1))
                .refused(StatusCode::NOT_FOUND, "policy 0 not found"),
            case("PH19", Method::PUT, &path, Some(no_filters))
                .uncoded("missing filters in preheat policy schema"),
            case("PH19", Method::PUT, &path, with(Some(p2), "p1", 1)).uncoded(
                "ERROR: duplicate key value violates unique constraint \"p2p_preheat_policy_name_project_id_key\" (SQLSTATE 23505)",
            ),
            case("PH19", Method::PUT, &path, with(Some(p2), "renamed", 1)),
        ],
    )
    .await;
    let renamed = get_json(&sim, &format!("{PREHEAT}/renamed")).await;
    assert_eq!(renamed["id"], p2, "PH19: the body's id is updated");
    assert_eq!(
        renamed["creation_time"], "0001-01-01T00:00:00.000Z",
        "PH19: every column is the body's"
    );
    let names: Vec<String> = get_json(&sim, PREHEAT)
        .await
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(names, ["nightly", "p1", "renamed"], "PH19");
}

#[tokio::test]
async fn job_list_checks() {
    let sim = support::start().await;
    // Two deliveries of demo's `notify-ci`, one per event.
    sim.handle()
        .push_image("demo", "team/app", "v3")
        .expect("push");
    let (status, text) = send(
        &sim,
        Method::DELETE,
        "/projects/demo/repositories/team%252Fapp/artifacts/v3",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let notify = get_json(&sim, POLICIES).await[0]["id"].as_i64().unwrap();
    let runs_path = format!("{POLICIES}/{notify}/executions");
    let runs = get_json(&sim, &runs_path).await;
    let all = ids(&runs);
    assert!(all.len() >= 2, "{runs}");
    // W17: newest start first; times in whole seconds; an empty status message omitted.
    let mut newest_first = all.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(all, newest_first, "W17");
    for run in runs.as_array().unwrap() {
        let start = run["start_time"].as_str().unwrap();
        assert!(
            start.len() == 20 && start.ends_with('Z') && !start.contains('.'),
            "W17: {start}"
        );
        assert!(run.get("status_message").is_none(), "W17: {run}");
    }
    // W17: `extra_attrs.<key>` exactly, columns by name, `sort`.
    let deletes = get_json(
        &sim,
        &format!("{runs_path}?q=extra_attrs.event_type%3DDELETE_ARTIFACT"),
    )
    .await;
    assert_eq!(deletes.as_array().unwrap().len(), 1, "W17: {deletes}");
    assert_eq!(
        deletes[0]["extra_attrs"]["event_type"], "DELETE_ARTIFACT",
        "W17"
    );
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs_path}?q=ExtraAttrs.event_type%3DNOPE")).await),
        Vec::<i64>::new(),
        "W17"
    );
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs_path}?q=trigger%3DEVENT&sort=id")).await),
        all.iter().rev().copied().collect::<Vec<_>>(),
        "W17"
    );
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs_path}?q=vendor_type%3D~webhook")).await),
        all,
        "W17: fuzzy in any case"
    );
    // W17: a run's tasks, start time then id descending.
    let tasks_path = format!("{runs_path}/{}/tasks", all[0]);
    let tasks = get_json(&sim, &tasks_path).await;
    assert!(
        tasks[0]["creation_time"]
            .as_str()
            .is_some_and(|t| !t.contains('.')),
        "W17: {tasks}"
    );
    assert_eq!(
        ids(&get_json(&sim, &format!("{tasks_path}?q=status%3DNope")).await),
        Vec::<i64>::new(),
        "W17"
    );
    // PH20: the same for preheat runs and their tasks.
    let (status, _, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        &format!("{PREHEAT}/nightly"),
        Some(serde_json::json!({})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let preheats = get_json(&sim, &format!("{PREHEAT}/nightly/executions")).await;
    let preheat_ids = ids(&preheats);
    let mut newest_first = preheat_ids.clone();
    newest_first.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(preheat_ids, newest_first, "PH20");
    assert!(
        preheats[0]["end_time"] == "0001-01-01T00:00:00Z",
        "PH20: {preheats}"
    );
    assert_eq!(
        ids(&get_json(
            &sim,
            &format!("{PREHEAT}/nightly/executions?q=trigger%3DMANUAL&sort=id")
        )
        .await),
        preheat_ids.iter().rev().copied().collect::<Vec<_>>(),
        "PH20"
    );
    let one = get_json(
        &sim,
        &format!("{PREHEAT}/nightly/executions/{}", preheat_ids[0]),
    )
    .await;
    assert_eq!(one["end_time"], "0001-01-01T00:00:00Z", "PH20: get");
    let tasks = get_json(
        &sim,
        &format!("{PREHEAT}/nightly/executions/{}/tasks", preheat_ids[0]),
    )
    .await;
    let task_ids = ids(&tasks);
    assert!(task_ids.len() >= 2, "{tasks}");
    let starts: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["start_time"].as_str().unwrap())
        .collect();
    assert!(
        starts.windows(2).all(|w| w[0] >= w[1]),
        "PH20: start time descending: {starts:?}"
    );
    if tasks
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["status"] == "Pending")
    {
        let mut newest_first = task_ids.clone();
        newest_first.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(task_ids, newest_first, "PH20: then id, descending");
    }
    for t in tasks.as_array().unwrap() {
        if t["status"] == "Pending" {
            assert!(
                t.get("run_count").is_none(),
                "PH20: a queued task's 0 runs: {t}"
            );
        }
        assert!(t.get("status_message").is_none(), "PH20");
    }
    let repository = tasks[0]["extra_attrs"]["repository"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(
        ids(&get_json(
            &sim,
            &format!(
                "{PREHEAT}/nightly/executions/{}/tasks?q=extra_attrs.repository%3D{}",
                preheat_ids[0],
                repository.replace('/', "%2F")
            )
        )
        .await),
        [task_ids[0]],
        "PH20"
    );
}

#[tokio::test]
async fn retention_run_checks() {
    let sim = support::start().await;
    let library = get_json(&sim, "/projects/library").await;
    let seeded = library["metadata"]["retention_id"]
        .as_str()
        .unwrap()
        .to_owned();
    sim.handle()
        .push_image("library", "zeta", "1")
        .expect("push");
    let runs = format!("/retentions/{seeded}/executions");
    let (status, location, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        &runs,
        Some(serde_json::json!({"dry_run": false})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let run_id: i64 = location
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // RT14: a run without `dry_run` (false, omitted) nor `operator`; the times as Go
    // marshals them.
    let list = get_json(&sim, &runs).await;
    let run = list
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == run_id)
        .expect("the run")
        .clone();
    assert!(run.get("dry_run").is_none(), "RT14: {run}");
    assert!(run.get("operator").is_none(), "RT14: {run}");
    let start = run["start_time"].as_str().unwrap();
    let fraction = start
        .strip_suffix('Z')
        .and_then(|t| t.split_once('.'))
        .map(|(_, f)| f);
    assert!(
        start.ends_with('Z') && fraction.is_none_or(|f| !f.is_empty() && !f.ends_with('0')),
        "RT14: trailing zeros trimmed: {start}"
    );
    // RT14: its tasks in the task list's order, without `status_revision`, zero times as
    // `0001-01-01T00:00:00Z`.
    let tasks = get_json(&sim, &format!("{runs}/{run_id}/tasks")).await;
    let task_ids = ids(&tasks);
    assert!(task_ids.len() >= 2, "{tasks}");
    let starts: Vec<&str> = tasks
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["start_time"].as_str().unwrap())
        .collect();
    assert!(starts.windows(2).all(|w| w[0] >= w[1]), "RT14: {starts:?}");
    if starts.iter().all(|s| *s == "0001-01-01T00:00:00Z") {
        let mut newest_first = task_ids.clone();
        newest_first.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(task_ids, newest_first, "RT14: then id, descending");
    }
    for t in tasks.as_array().unwrap() {
        assert!(t.get("status_revision").is_none(), "RT14: {t}");
        assert!(
            t.get("total").is_some() && t.get("status_code").is_some(),
            "RT14"
        );
        if t["status"] == "Pending" {
            assert_eq!(t["end_time"], "0001-01-01T00:00:00Z", "RT14");
        }
    }
}

#[tokio::test]
async fn preheat_ping_checks() {
    let sim = support::start().await;
    let ping = "/p2p/preheat/instances/ping";
    let body = |name: &str, vendor: &str, endpoint: &str| {
        Some(serde_json::json!({"name": name, "vendor": vendor, "endpoint": endpoint}))
    };
    run(
        &sim,
        vec![
            // PH21: the body is an instance: its name, then its vendor's driver (both
            // uncoded), then its health.
            case(
                "PH21",
                Method::POST,
                ping,
                body("", "kraken", "http://kraken.example.com"),
            )
            .uncoded("name  is invalid"),
            case(
                "PH21",
                Method::POST,
                ping,
                body("k", "uber", "http://kraken.example.com"),
            )
            .uncoded("no driver registered for provider uber"),
            case(
                "PH21",
                Method::POST,
                ping,
                body("k", "kraken", "http://kraken.example.com"),
            ),
        ],
    )
    .await;
    // By id, the stored instance; an instance of a vendor without a driver can be stored.
    let (status, _, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        INSTANCES,
        Some(serde_json::json!({"name": "odd", "vendor": "uber", "endpoint": "http://kraken.example.com:81"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "PH21: {text}");
    let odd = get_json(&sim, &format!("{INSTANCES}/odd")).await["id"].clone();
    run(
        &sim,
        vec![
            case(
                "PH21",
                Method::POST,
                ping,
                Some(serde_json::json!({"id": odd})),
            )
            .uncoded("no driver registered for provider uber"),
        ],
    )
    .await;
}

#[tokio::test]
async fn retention_next_schedule_checks() {
    let sim = support::start().await;
    let library = get_json(&sim, "/projects/library").await;
    let seeded = library["metadata"]["retention_id"]
        .as_str()
        .unwrap()
        .to_owned();
    // RT15: a scheduled policy's trigger gets the cron's next time (the seed's is daily at
    // midnight, UTC), as `strfmt.DateTime` writes it.
    let policy = get_json(&sim, &format!("/retentions/{seeded}")).await;
    let next = policy["trigger"]["settings"]["next_scheduled_time"]
        .as_str()
        .unwrap_or_else(|| panic!("RT15: {policy}"))
        .to_owned();
    assert!(next.ends_with("T00:00:00.000Z"), "RT15: {next}");
    assert_eq!(policy["trigger"]["settings"]["cron"], "0 0 0 * * *", "RT15");
    // Not stored: an update without it keeps none, and an empty cron gets none.
    let library_id = library["project_id"].as_i64().unwrap();
    let mut body = retention(library_id, vec![retention_rule(1)]);
    run(
        &sim,
        vec![case(
            "RT15",
            Method::PUT,
            &format!("/retentions/{seeded}"),
            Some(body.clone()),
        )],
    )
    .await;
    let policy = get_json(&sim, &format!("/retentions/{seeded}")).await;
    assert!(
        policy["trigger"]["settings"]
            .get("next_scheduled_time")
            .is_none(),
        "RT15: {policy}"
    );
    body["trigger"]["settings"]["cron"] = serde_json::json!("0 30 * * * *");
    run(
        &sim,
        vec![case(
            "RT15",
            Method::PUT,
            &format!("/retentions/{seeded}"),
            Some(body),
        )],
    )
    .await;
    let policy = get_json(&sim, &format!("/retentions/{seeded}")).await;
    let next = policy["trigger"]["settings"]["next_scheduled_time"]
        .as_str()
        .unwrap_or_default();
    assert!(next.ends_with(":30:00.000Z"), "RT15: {next}");
}

#[tokio::test]
async fn own_keyword_checks() {
    let sim = support::start().await;
    let all = artifact_ids(&sim, "").await;
    // AR17: the handler's `RepositoryName` replaces the caller's; `repository_name` stays.
    assert_eq!(
        artifact_ids(&sim, "q=RepositoryName%3Dlibrary%2Falpine").await,
        all,
        "AR17"
    );
    assert!(
        artifact_ids(&sim, "q=repository_name%3Dlibrary%2Falpine")
            .await
            .is_empty(),
        "AR17"
    );
    // AR17: the tag list's `ArtifactID`.
    assert_eq!(
        tag_names(&sim, "latest", "q=ArtifactID%3D999").await,
        ["latest"],
        "AR17"
    );
    assert!(
        tag_names(&sim, "latest", "q=artifact_id%3D999")
            .await
            .is_empty(),
        "AR17"
    );
    // W19: the policy list's `ProjectID`, the run list's `vendor_id`.
    assert_eq!(
        policy_names(&sim, "q=ProjectID%3D999").await,
        ["notify-ci"],
        "W19"
    );
    assert!(
        policy_names(&sim, "q=project_id%3D999").await.is_empty(),
        "W19"
    );
    let notify = get_json(&sim, POLICIES).await[0]["id"].as_i64().unwrap();
    let runs = format!("{POLICIES}/{notify}/executions");
    let every = ids(&get_json(&sim, &runs).await);
    assert!(!every.is_empty());
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs}?q=vendor_id%3D999")).await),
        every,
        "W19"
    );
    assert!(
        ids(&get_json(&sim, &format!("{runs}?q=VendorID%3D999")).await).is_empty(),
        "W19"
    );
    // PH22: the preheat policy list's `project_id` (lower case there).
    let names = |list: Value| -> Vec<String> {
        list.as_array()
            .unwrap()
            .iter()
            .map(|i| i["name"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        names(get_json(&sim, &format!("{PREHEAT}?q=project_id%3D999")).await),
        ["nightly"],
        "PH22"
    );
    assert!(
        names(get_json(&sim, &format!("{PREHEAT}?q=ProjectID%3D999")).await).is_empty(),
        "PH22"
    );
}

#[tokio::test]
async fn manual_preheat_checks() {
    let sim = support::start().await;
    for (name, vendor, endpoint) in [
        ("odd", "uber", "http://kraken.example.com:81"),
        ("far", "dragonfly", "http://p2p.nowhere.example"),
    ] {
        let (status, _, text) = support::send_as(
            &sim,
            support::checks::ADMIN,
            Method::POST,
            INSTANCES,
            Some(serde_json::json!({"name": name, "vendor": vendor, "endpoint": endpoint, "enabled": true})),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
    }
    let instance = |name: &str| {
        let sim = &sim;
        let name = name.to_owned();
        async move {
            get_json(sim, &format!("{INSTANCES}/{name}")).await["id"]
                .as_i64()
                .unwrap()
        }
    };
    let (odd, far) = (instance("odd").await, instance("far").await);
    let mut off = preheat_policy("off", 1);
    off["enabled"] = serde_json::json!(false);
    for body in [
        off,
        preheat_policy("odd-p", odd),
        preheat_policy("far-p", far),
    ] {
        let (status, _, text) = support::send_as(
            &sim,
            support::checks::ADMIN,
            Method::POST,
            PREHEAT,
            Some(body),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{text}");
    }
    let off_id = get_json(&sim, &format!("{PREHEAT}/off")).await["id"].clone();
    let run_of = |name: &str| format!("{PREHEAT}/{name}");
    let empty = || Some(serde_json::json!({}));
    run(
        &sim,
        vec![
            // PH23: a disabled policy, a provider without a driver, an unreachable
            // provider: uncoded errors of the enforcer.
            case("PH23", Method::POST, &run_of("off"), empty()).uncoded(format!(
                "enforce policy error: policy {off_id}:off is not enabled"
            )),
            case("PH23", Method::POST, &run_of("odd-p"), empty())
                .uncoded("enforce policy error: no driver registered for provider uber"),
            case("PH23", Method::POST, &run_of("far-p"), empty())
                .uncoded("enforce policy error: provider http://p2p.nowhere.example unreachable"),
            case("PH23", Method::POST, &run_of("nightly"), empty()).answers(StatusCode::CREATED),
        ],
    )
    .await;
    // PH24: a stop with another status (`fmt.Errorf`: uncoded).
    let run_id = get_json(&sim, &format!("{PREHEAT}/nightly/executions")).await[0]["id"]
        .as_i64()
        .unwrap();
    run(
        &sim,
        vec![
            case(
                "PH24",
                Method::PATCH,
                &format!("{PREHEAT}/nightly/executions/{run_id}"),
                Some(serde_json::json!({"status": "Running"})),
            )
            .uncoded(r#"param status invalid: {"status":"Running"}"#),
        ],
    )
    .await;
}

#[tokio::test]
async fn preheat_provider_checks() {
    let sim = support::start().await;
    let (status, _, text) = support::send_as(
        &sim,
        support::checks::ADMIN,
        Method::POST,
        INSTANCES,
        Some(serde_json::json!({"name": "d2", "vendor": "dragonfly", "endpoint": "http://d2.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    // PH25: every instance as `<vendor> <name>-<endpoint>`; false flags omitted.
    let providers = get_json(&sim, "/projects/demo/preheat/providers").await;
    assert_eq!(
        providers[0]["provider"], "kraken kraken-http://kraken.example.com",
        "PH25"
    );
    assert_eq!(providers[0]["enabled"], true, "PH25");
    assert_eq!(providers[0]["default"], true, "PH25");
    assert_eq!(
        providers[1]["provider"], "dragonfly d2-http://d2.example.com",
        "PH25"
    );
    assert!(providers[1].get("enabled").is_none(), "PH25: {providers}");
    assert!(providers[1].get("default").is_none(), "PH25: {providers}");
}
