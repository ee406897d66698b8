//! Harbor's events (an artifact's push, pull and deletion, a scan's end, a replication
//! task's status, a retention's deletions) reach a project's webhook policies as its
//! notifier sends them: one execution per target, holding the payload the target's format
//! writes, and the legacy job list showing those executions. (The quota's events are read
//! in `tests/registry_api.rs`, beside the pushes they concern.) Every answer is checked
//! against the spec when each test ends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::admin_call as send;

const ADMIN: (&str, &str) = ("admin", "Harbor12345");

async fn get(sim: &support::CheckedSim, path: &str) -> Value {
    send(sim, Method::GET, path, None).await
}

/// The id of the demo project's policy `notify-ci`, made to hear of `events`.
async fn demo_policy(sim: &support::CheckedSim, events: &[&str]) -> i64 {
    let policy = get(sim, "/projects/demo/webhook/policies").await[0].clone();
    let id = policy["id"].as_i64().unwrap();
    let mut body = policy;
    body["event_types"] = json!(events);
    let path = format!("/projects/demo/webhook/policies/{id}");
    send(sim, Method::PUT, &path, Some(body)).await;
    id
}

/// The policy's executions, newest first.
async fn runs(sim: &support::CheckedSim, policy: i64) -> Vec<Value> {
    let path = format!("/projects/demo/webhook/policies/{policy}/executions");
    get(sim, &path).await.as_array().unwrap().clone()
}

/// The payload the newest execution of the policy holds, as written.
async fn newest_payload(sim: &support::CheckedSim, policy: i64) -> String {
    let runs = runs(sim, policy).await;
    runs[0]["extra_attrs"]["payload"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// `demo/team/app:<tag>` pushed by `who`: its digest.
fn push(sim: &support::CheckedSim, who: &str, tag: &str) -> String {
    sim.handle()
        .with_state(|s| s.push_as(who, "demo", "team/app", Some(tag), &format!("app-{tag}")))
        .expect("pushed")
}

#[tokio::test(start_paused = true)]
async fn pushes_pulls_and_deletions_are_delivered_with_harbors_payload() {
    let sim = support::start().await;
    let policy = demo_policy(&sim, &["PUSH_ARTIFACT", "PULL_ARTIFACT", "DELETE_ARTIFACT"]).await;
    let before = runs(&sim, policy).await.len();

    let digest = push(&sim, "alice", "v2");
    let pushed: Value = serde_json::from_str(&newest_payload(&sim, policy).await).unwrap();
    assert_eq!(pushed["type"], "PUSH_ARTIFACT");
    assert_eq!(pushed["operator"], "alice");
    assert!(
        pushed["occur_at"].as_i64().unwrap() > 1_600_000_000,
        "{pushed}"
    );
    assert_eq!(
        pushed["event_data"]["resources"],
        json!([{"digest": digest, "tag": "v2",
                "resource_url": "harbor-sim.local/demo/team/app:v2"}])
    );
    let repository = &pushed["event_data"]["repository"];
    assert_eq!(repository["name"], "team/app");
    assert_eq!(repository["namespace"], "demo");
    assert_eq!(repository["repo_full_name"], "demo/team/app");
    assert_eq!(repository["repo_type"], "private");
    assert!(repository["date_created"].as_i64().unwrap() > 0);

    // A pull through the registry by tag is an event; a `HEAD` is not.
    let http = reqwest::Client::new();
    let manifest = format!("{}/v2/demo/team/app/manifests/v2", sim.base_url());
    for method in [Method::HEAD, Method::GET] {
        let answer = http
            .request(method, &manifest)
            .basic_auth(ADMIN.0, Some(ADMIN.1))
            .header("Accept", "application/vnd.oci.image.manifest.v1+json")
            .send()
            .await
            .unwrap();
        assert_eq!(answer.status(), StatusCode::OK);
    }
    assert_eq!(runs(&sim, policy).await.len(), before + 2);
    let pulled: Value = serde_json::from_str(&newest_payload(&sim, policy).await).unwrap();
    assert_eq!(
        (pulled["type"].as_str(), pulled["operator"].as_str()),
        (Some("PULL_ARTIFACT"), Some("admin"))
    );
    assert_eq!(pulled["event_data"]["resources"][0]["tag"], "v2");

    // A deletion names the artifact by its first tag, by whoever deleted it.
    let path = "/projects/demo/repositories/team%252Fapp/artifacts/v2";
    send(&sim, Method::DELETE, path, None).await;
    let deleted: Value = serde_json::from_str(&newest_payload(&sim, policy).await).unwrap();
    assert_eq!(deleted["type"], "DELETE_ARTIFACT");
    assert_eq!(deleted["operator"], "admin");
    assert_eq!(
        deleted["event_data"]["resources"][0]["resource_url"],
        "harbor-sim.local/demo/team/app:v2"
    );

    // The legacy job list shows each execution as one job.
    let all = runs(&sim, policy).await;
    let jobs = get(
        &sim,
        &format!("/projects/demo/webhook/jobs?policy_id={policy}"),
    )
    .await;
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), all.len());
    for (job, run) in jobs.iter().zip(&all) {
        assert_eq!(job["id"], run["id"]);
        assert_eq!(job["notify_type"], "http");
        assert_eq!(job["event_type"], run["extra_attrs"]["event_type"]);
        assert_eq!(job["job_detail"], run["extra_attrs"]["payload"]);
        // The same instant: the job with milliseconds, the execution in whole seconds.
        let seconds = run["start_time"].as_str().unwrap().trim_end_matches('Z');
        assert!(
            job["creation_time"].as_str().unwrap().starts_with(seconds),
            "{job} {run}"
        );
    }
    // Its one task carries no attributes of its own (left out when empty).
    let newest = all[0]["id"].as_i64().unwrap();
    let tasks = format!("/projects/demo/webhook/policies/{policy}/executions/{newest}/tasks");
    let tasks = get(&sim, &tasks).await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert!(tasks[0].get("extra_attrs").is_none(), "{tasks}");
}

#[tokio::test(start_paused = true)]
async fn each_target_gets_an_execution_in_its_own_format() {
    let sim = support::start().await;
    let demo = get(&sim, "/projects/demo").await["project_id"]
        .as_i64()
        .unwrap();
    let body = json!({
        "name": "fan-out", "enabled": true, "event_types": ["DELETE_ARTIFACT"],
        "targets": [
            {"type": "http", "address": "http://events.example.com/in", "payload_format": "CloudEvents"},
            {"type": "slack", "address": "https://hooks.slack.com/services/T0/B0/x"},
        ],
    });
    let policy = send(
        &sim,
        Method::POST,
        "/projects/demo/webhook/policies",
        Some(body),
    )
    .await
    .as_i64()
    .unwrap();
    push(&sim, "alice", "v3");
    // The deletion's request id is the CloudEvent's `requestid`.
    let deleted = reqwest::Client::new()
        .delete(format!(
            "{}/projects/demo/repositories/team%252Fapp/artifacts/v3",
            sim.api_url()
        ))
        .basic_auth(ADMIN.0, Some(ADMIN.1))
        .header("X-Request-Id", "req-42")
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::OK);

    let runs = runs(&sim, policy).await;
    assert_eq!(runs.len(), 2, "{runs:?}");
    let of = |vendor: &str| {
        runs.iter()
            .find(|r| r["vendor_type"] == vendor)
            .unwrap_or_else(|| panic!("a {vendor} execution in {runs:?}"))
    };
    let event: Value =
        serde_json::from_str(of("WEBHOOK")["extra_attrs"]["payload"].as_str().unwrap()).unwrap();
    assert_eq!(event["specversion"], "1.0");
    assert_eq!(event["type"], "harbor.artifact.deleted");
    assert_eq!(
        event["source"],
        format!("/projects/{demo}/webhook/policies/{policy}")
    );
    assert_eq!(event["requestid"], "req-42");
    assert_eq!(event["operator"], "admin");
    assert_eq!(event["data"]["resources"][0]["tag"], "v3");
    let slack = of("SLACK")["extra_attrs"]["payload"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        slack.contains("\"*event_type:* DELETE_ARTIFACT\""),
        "{slack}"
    );
    assert!(slack.contains("```{\n\t\\\"resources\\\": ["), "{slack}");

    let jobs = get(
        &sim,
        &format!("/projects/demo/webhook/jobs?policy_id={policy}"),
    )
    .await;
    let mut kinds: Vec<&str> = jobs
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["notify_type"].as_str().unwrap())
        .collect();
    kinds.sort();
    assert_eq!(kinds, ["http", "slack"]);
}

#[tokio::test(start_paused = true)]
async fn nothing_is_sent_with_notifications_off_or_the_policy_disabled() {
    let sim = support::start().await;
    let policy = demo_policy(&sim, &["PUSH_ARTIFACT"]).await;
    let before = runs(&sim, policy).await.len();
    let off = json!({"notification_enable": false});
    send(&sim, Method::PUT, "/configurations", Some(off)).await;
    push(&sim, "alice", "v4");
    assert_eq!(runs(&sim, policy).await.len(), before);

    let on = json!({"notification_enable": true});
    send(&sim, Method::PUT, "/configurations", Some(on)).await;
    let path = format!("/projects/demo/webhook/policies/{policy}");
    let mut body = get(&sim, &path).await;
    body["enabled"] = json!(false);
    send(&sim, Method::PUT, &path, Some(body)).await;
    push(&sim, "alice", "v5");
    assert_eq!(runs(&sim, policy).await.len(), before);
}

/// The newest payload of the policy whose type is `event_type`.
async fn payload_of(sim: &support::CheckedSim, policy: i64, event_type: &str) -> Option<Value> {
    runs(sim, policy)
        .await
        .iter()
        .filter(|r| r["extra_attrs"]["event_type"] == event_type)
        .map(|r| serde_json::from_str(r["extra_attrs"]["payload"].as_str().unwrap()).unwrap())
        .next()
}

/// Starts a vulnerability scan of `demo/team/app:<tag>`.
async fn start_scan(sim: &support::CheckedSim, tag: &str) {
    let path = format!("/projects/demo/repositories/team%252Fapp/artifacts/{tag}/scan");
    send(sim, Method::POST, &path, None).await;
}

#[tokio::test(start_paused = true)]
async fn a_scans_end_is_delivered_with_its_summary_whichever_way_it_ends() {
    let sim = support::start().await;
    let events = ["SCANNING_COMPLETED", "SCANNING_FAILED", "SCANNING_STOPPED"];
    let policy = demo_policy(&sim, &events).await;
    let artifact = |tag: &str| format!("/projects/demo/repositories/team%252Fapp/artifacts/{tag}");

    // A scan that completes: nothing until its task ends, then the vulnerability summary.
    start_scan(&sim, "v1.1.0").await;
    assert!(
        payload_of(&sim, policy, "SCANNING_COMPLETED")
            .await
            .is_none()
    );
    tokio::time::advance(std::time::Duration::from_secs(30)).await;
    let completed = payload_of(&sim, policy, "SCANNING_COMPLETED")
        .await
        .expect("the scan ended");
    assert_eq!(completed["operator"], "admin");
    assert_eq!(
        completed["event_data"]["scan"],
        json!({"scan_type": "vulnerability"})
    );
    let resource = &completed["event_data"]["resources"][0];
    assert_eq!(resource["tag"], "v1.1.0");
    assert_eq!(
        resource["resource_url"],
        "harbor-sim.local/demo/team/app:v1.1.0"
    );
    let overview = get(
        &sim,
        &format!("{}?with_scan_overview=true", artifact("v1.1.0")),
    )
    .await;
    assert_eq!(resource["scan_overview"], overview["scan_overview"]);
    // The scan handler leaves the repository's creation time out.
    assert!(
        completed["event_data"]["repository"]
            .get("date_created")
            .is_none()
    );

    // One that fails, and one stopped while queued.
    sim.handle().set_next_job_lifecycle(
        harbor_sim::JobKind::Scan,
        harbor_sim::Lifecycle::immediate().fails("the scanner is down"),
    );
    start_scan(&sim, "v1.0.0").await;
    let failed = payload_of(&sim, policy, "SCANNING_FAILED")
        .await
        .expect("failed");
    assert_eq!(failed["event_data"]["resources"][0]["tag"], "v1.0.0");
    start_scan(&sim, "v1.1.0").await;
    assert!(payload_of(&sim, policy, "SCANNING_STOPPED").await.is_none());
    let stop = json!({"scan_type": "vulnerability"});
    let path = format!("{}/scan/stop", artifact("v1.1.0"));
    send(&sim, Method::POST, &path, Some(stop)).await;
    let stopped = payload_of(&sim, policy, "SCANNING_STOPPED")
        .await
        .expect("stopped");
    assert_eq!(stopped["event_data"]["resources"][0]["tag"], "v1.1.0");
}

#[tokio::test(start_paused = true)]
async fn each_status_change_of_a_replication_task_is_delivered() {
    let sim = support::start().await;
    let hook = json!({
        "name": "replications", "enabled": true, "event_types": ["REPLICATION"],
        "targets": [{"type": "http", "address": "http://ci.example.com/hook"}],
    });
    let path = "/projects/library/webhook/policies";
    let hook = send(&sim, Method::POST, path, Some(hook))
        .await
        .as_i64()
        .unwrap();
    let url = "https://registry.example.com";
    let registry = support::reachable_registry(&sim, "mirror", "docker-registry", url).await;
    let policy = json!({
        "name": "to-mirror", "enabled": true, "description": "copies nginx",
        "dest_registry": {"id": registry},
        "filters": [{"type": "name", "value": "library/nginx"}],
        "trigger": {"type": "manual"},
    });
    let policy = send(&sim, Method::POST, "/replication/policies", Some(policy)).await;
    let started = json!({"policy_id": policy});
    let execution = send(&sim, Method::POST, "/replication/executions", Some(started)).await;
    tokio::time::advance(std::time::Duration::from_secs(30)).await;

    let runs_path = format!("/projects/library/webhook/policies/{hook}/executions");
    let runs = get(&sim, &runs_path).await;
    let payloads: Vec<Value> = runs
        .as_array()
        .unwrap()
        .iter()
        .rev()
        .map(|r| serde_json::from_str(r["extra_attrs"]["payload"].as_str().unwrap()).unwrap())
        .collect();
    // One task (`library/nginx`): it ran, then succeeded.
    let statuses: Vec<&str> = payloads
        .iter()
        .map(|p| {
            p["event_data"]["replication"]["job_status"]
                .as_str()
                .unwrap()
        })
        .collect();
    assert_eq!(statuses, ["Running", "Success"]);
    let done = &payloads[1];
    assert_eq!(done["type"], "REPLICATION");
    assert_eq!(done["operator"], "admin");
    let replication = &done["event_data"]["replication"];
    assert_eq!(replication["harbor_hostname"], "harbor-sim.local");
    assert_eq!(replication["description"], "copies nginx");
    assert_eq!(replication["trigger_type"], "MANUAL");
    assert_eq!(replication["execution_id"], execution);
    let tasks = get(&sim, &format!("/replication/executions/{execution}/tasks")).await;
    assert_eq!(replication["task_id"], tasks[0]["id"]);
    // This Harbor is the source, named with the destination's namespace, as Harbor does.
    assert_eq!(
        replication["src_resource"],
        json!({"registry_type": "harbor", "endpoint": "http://harbor-sim.local", "namespace": "library"})
    );
    assert_eq!(replication["dest_resource"]["registry_name"], "mirror");
    assert_eq!(replication["dest_resource"]["endpoint"], url);
    let carried = &replication["successful_artifact"][0];
    assert_eq!(carried["status"], "Success");
    assert_eq!(carried["type"], tasks[0]["resource_type"]);
    // The task's references: the tags it copied.
    let mut references: Vec<&str> = carried["references"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect();
    references.sort();
    assert_eq!(references, ["1.27", "latest"], "{tasks}");
    assert_eq!(
        carried["name_tag"],
        tasks[0]["src_resource"]
            .as_str()
            .unwrap()
            .split_once('/')
            .unwrap()
            .1
    );
    assert!(replication.get("failed_artifact").is_none());
}

#[tokio::test(start_paused = true)]
async fn a_retention_run_that_deletes_announces_what_it_deleted() {
    let sim = support::start().await;
    let hook = demo_policy(&sim, &["TAG_RETENTION"]).await;
    let before = runs(&sim, hook).await.len();
    let demo = get(&sim, "/projects/demo").await["project_id"]
        .as_i64()
        .unwrap();
    let selector = |decoration: &str| json!([{"kind": "doublestar", "decoration": decoration, "pattern": "**"}]);
    let policy = json!({
        "algorithm": "or",
        "rules": [{"priority": 1, "disabled": false, "action": "retain", "template": "latestPushedK",
                   "params": {"latestPushedK": 1}, "tag_selectors": selector("matches"),
                   "scope_selectors": {"repository": selector("repoMatches")}}],
        "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
        "scope": {"level": "project", "ref": demo},
    });
    let policy = send(&sim, Method::POST, "/retentions", Some(policy)).await;
    let run = |dry_run: bool| {
        let path = format!("/retentions/{policy}/executions");
        let sim = &sim;
        async move {
            send(sim, Method::POST, &path, Some(json!({"dry_run": dry_run}))).await;
            tokio::time::advance(std::time::Duration::from_secs(30)).await;
            runs(sim, hook).await.len()
        }
    };
    // A dry run deletes nothing and says nothing.
    assert_eq!(run(true).await, before);
    assert_eq!(run(false).await, before + 1);
    let event = payload_of(&sim, hook, "TAG_RETENTION").await.expect("sent");
    assert_eq!(event["operator"], "admin");
    let retention = &event["event_data"]["retention"];
    assert_eq!(
        (retention["total"].as_i64(), retention["retained"].as_i64()),
        (Some(2), Some(1))
    );
    assert_eq!(retention["project_name"], "demo");
    assert_eq!(retention["retention_policy_id"], policy);
    assert_eq!(retention["result"], "SUCCESS");
    assert_eq!(
        retention["deleted_artifact"],
        json!([{"type": "image", "status": "SUCCESS", "name_tag": "team/app:v1.0.0", "references": null}])
    );
    let rule = &retention["retention_rule"][0];
    assert_eq!(rule["template"], "latestPushedK");
    assert_eq!(rule["params"], json!({"latestPushedK": 1}));
    assert_eq!(
        rule["tag_selectors"],
        json!([{"kind": "doublestar", "decoration": "matches", "pattern": "**", "extras": ""}])
    );
}
