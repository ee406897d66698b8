//! A replication's start runs Harbor's copy flow: the source's resources through the
//! policy's filters, renamed for the destination, one task each; nothing to copy, a failed
//! stage and a skipped run end the execution at once. Every answer is checked against the
//! spec when each test ends.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::admin_call as send;
use support::reachable_registry as registry;

async fn get(sim: &support::CheckedSim, path: &str) -> Value {
    send(sim, Method::GET, path, None).await
}

/// Creates an enabled policy from `body` and starts it; the execution and its tasks.
async fn run(sim: &support::CheckedSim, mut body: Value) -> (Value, Vec<Value>) {
    body["enabled"] = json!(true);
    let policy = send(sim, Method::POST, "/replication/policies", Some(body)).await;
    let started = json!({"policy_id": policy});
    let id = send(sim, Method::POST, "/replication/executions", Some(started)).await;
    let execution = get(sim, &format!("/replication/executions/{id}")).await;
    let tasks = get(sim, &format!("/replication/executions/{id}/tasks")).await;
    (execution, tasks.as_array().unwrap().clone())
}

/// Runs a policy made from `body` whose flow fails: the execution's `status_text`, after
/// checking that it failed at once, without a task.
async fn failure(sim: &support::CheckedSim, body: Value) -> String {
    let (execution, tasks) = run(sim, body).await;
    assert_eq!(execution["status"], "Failed", "{execution}");
    assert!(tasks.is_empty(), "{tasks:?}");
    execution["status_text"].as_str().unwrap().to_owned()
}

/// A registry `mirror` at `https://registry.example.com`: its id.
async fn mirror(sim: &support::CheckedSim) -> i64 {
    registry(
        sim,
        "mirror",
        "docker-registry",
        "https://registry.example.com",
    )
    .await
}

/// A registry `vendor` at `https://vendor.example.com`: its id.
async fn vendor(sim: &support::CheckedSim) -> i64 {
    registry(
        sim,
        "vendor",
        "docker-registry",
        "https://vendor.example.com",
    )
    .await
}

/// The id of the demo's Docker Hub registry.
async fn docker_hub(sim: &support::CheckedSim) -> i64 {
    get(sim, "/registries?name=docker-hub").await[0]["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test(start_paused = true)]
async fn a_push_copies_what_the_filters_select_one_task_per_repository() {
    let sim = support::start().await;
    let mirror = mirror(&sim).await;
    // `library/alpine` has only `3.20`; `library/nginx` has `1.27` and `latest`.
    let (execution, tasks) = run(
        &sim,
        json!({
            "name": "stable-to-mirror",
            "dest_registry": {"id": mirror},
            "dest_namespace": "mirror",
            "filters": [{"type": "name", "value": "library/**"}, {"type": "tag", "value": "1.*"}],
        }),
    )
    .await;
    assert_eq!(execution["status"], "InProgress", "{execution}");
    assert_eq!(execution["trigger"], "manual");
    assert_eq!(
        (
            execution["total"].as_i64(),
            execution["in_progress"].as_i64()
        ),
        (Some(1), Some(1))
    );
    assert_eq!(tasks.len(), 1, "{tasks:?}");
    let task = &tasks[0];
    assert_eq!(task["operation"], "copy");
    assert_eq!(task["resource_type"], "artifact");
    assert_eq!(task["src_resource"], "library/nginx [1 item(s) in total]");
    assert_eq!(task["dst_resource"], "mirror/nginx [1 item(s) in total]");
    assert_eq!(task["status"], "Pending");

    tokio::time::advance(Duration::from_secs(3600)).await;
    let id = execution["id"].as_i64().unwrap();
    let done = get(&sim, &format!("/replication/executions/{id}")).await;
    assert_eq!(done["status"], "Succeed", "{done}");
    assert_eq!(done["succeed"], 1);
    let log = first_task_log(&sim, id).await;
    assert!(
        log.contains("copying library/nginx:[1.27](source registry) to mirror/nginx:[1.27](destination registry)..."),
        "{log}"
    );

    // A label filter, and a replace count of 0 that keeps the source's path.
    let (_, tasks) = run(
        &sim,
        json!({
            "name": "labelled",
            "dest_registry": {"id": mirror},
            "dest_namespace": "mirror",
            "dest_namespace_replace_count": 0,
            "filters": [{"type": "label", "value": ["stable"]}],
        }),
    )
    .await;
    let names: Vec<(&str, &str)> = tasks
        .iter()
        .map(|t| {
            (
                t["src_resource"].as_str().unwrap(),
                t["dst_resource"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        names,
        [(
            "library/nginx [1 item(s) in total]",
            "mirror/library/nginx [1 item(s) in total]"
        )]
    );
}

#[tokio::test(start_paused = true)]
async fn nothing_to_copy_and_failed_stages_end_the_execution_at_once() {
    let sim = support::start().await;
    let mirror = mirror(&sim).await;
    let (nothing, tasks) = run(
        &sim,
        json!({"name": "nothing", "dest_registry": {"id": mirror}, "filters": [{"type": "name", "value": "nosuch/**"}]}),
    )
    .await;
    assert_eq!(nothing["status"], "Succeed", "{nothing}");
    assert_eq!(nothing["status_text"], "no resources need to be replicated");
    assert_eq!(nothing["total"], 0);
    assert!(tasks.is_empty());
    assert_ne!(nothing["end_time"], "0001-01-01T00:00:00.000Z");

    // Docker Hub takes two path components: `team/library/nginx` has three.
    let hub = docker_hub(&sim).await;
    let nginx = json!([{"type": "name", "value": "library/nginx"}]);
    let to = |name: &str, registry: i64, count: i64| {
        json!({
            "name": name,
            "dest_registry": {"id": registry},
            "dest_namespace": "team",
            "dest_namespace_replace_count": count,
            "filters": nginx,
        })
    };
    assert_eq!(
        failure(&sim, to("to-hub", hub, 0)).await,
        r#"the destination repository "team/library/nginx" contains 3 path components [team library nginx], but the destination registry only supports 2"#
    );
    assert_eq!(
        failure(&sim, to("too-deep", mirror, 2)).await,
        r#"the source repository "library/nginx" contains only 1 path components [library] excepting the last one, but the destination namespace flattening level is 2"#
    );
    // A malformed pattern fails the fetch.
    let malformed = json!({"name": "malformed", "dest_registry": {"id": hub}, "filters": [{"type": "name", "value": "library/[nginx"}]});
    assert_eq!(
        failure(&sim, malformed).await,
        "failed to fetch artifacts: syntax error in pattern"
    );
    // The destination went away after the registry was stored.
    sim.handle()
        .with_state(|s| s.reachability.deny("registry.example.com"));
    assert_eq!(
        failure(&sim, to("gone", mirror, -1)).await,
        r#"failed to do the prepare work for pushing/uploading resources: Get "https://registry.example.com": dial tcp: lookup registry.example.com: no such host"#
    );
}

#[tokio::test(start_paused = true)]
async fn a_pull_reads_the_remote_catalog_and_creates_the_projects_it_needs() {
    let sim = support::start().await;
    // The demo's pull of `library/nginx` from Docker Hub: both of its tags, one task.
    let policy = get(&sim, "/replication/policies?name=mirror-nginx").await[0]["id"].clone();
    let runs = get(&sim, &format!("/replication/executions?policy_id={policy}")).await;
    let seeded = runs[0]["id"].as_i64().unwrap();
    let tasks = get(&sim, &format!("/replication/executions/{seeded}/tasks")).await;
    assert_eq!(tasks.as_array().unwrap().len(), 1);
    assert_eq!(
        tasks[0]["src_resource"],
        "library/nginx [2 item(s) in total]"
    );
    assert_eq!(
        tasks[0]["dst_resource"],
        "library/nginx [2 item(s) in total]"
    );
    assert_eq!(tasks[0]["resource_type"], "image");

    let vendor = vendor(&sim).await;
    sim.handle().with_state(|s| {
        for tag in ["v1", "v2", "dev"] {
            s.remote_catalog
                .add_tag("vendor.example.com", "acme/app", tag);
        }
        s.remote_catalog
            .add_tag("vendor.example.com", "other/tool", "v1");
    });
    let (execution, tasks) = run(
        &sim,
        json!({
            "name": "vendor-pull",
            "src_registry": {"id": vendor},
            "dest_namespace": "imported",
            "filters": [{"type": "name", "value": "acme/**"}, {"type": "tag", "value": "dev", "decoration": "excludes"}],
        }),
    )
    .await;
    assert_eq!(execution["total"], 1, "{execution}");
    assert_eq!(tasks[0]["src_resource"], "acme/app [2 item(s) in total]");
    assert_eq!(
        tasks[0]["dst_resource"],
        "imported/app [2 item(s) in total]"
    );
    // The local adapter's `PrepareForPush` made the project, private.
    let project = get(&sim, "/projects/imported").await;
    assert_eq!(project["metadata"]["public"], "false", "{project}");

    // Docker Hub's adapter keeps a repository whose tags the filters all leave out.
    let (_, tasks) = run(
        &sim,
        json!({
            "name": "hub-none",
            "src_registry": {"id": docker_hub(&sim).await},
            "dest_namespace": "library",
            "filters": [{"type": "name", "value": "library/nginx"}, {"type": "tag", "value": "nosuch"}],
        }),
    )
    .await;
    assert_eq!(
        tasks[0]["src_resource"],
        "library/nginx [0 item(s) in total]"
    );

    // A malformed pattern fails the fetch in each adapter's words.
    let hub_malformed = json!({
        "name": "hub-malformed",
        "src_registry": {"id": docker_hub(&sim).await},
        "dest_namespace": "library",
        "filters": [{"type": "name", "value": "library/[nginx"}],
    });
    assert_eq!(
        failure(&sim, hub_malformed).await,
        "failed to fetch artifacts: failed to fetch artifacts: match repo name 'library/nginx' against pattern 'library/[nginx' error: syntax error in pattern"
    );
    let tag_malformed = json!({
        "name": "vendor-malformed",
        "src_registry": {"id": vendor},
        "dest_namespace": "imported",
        "filters": [{"type": "tag", "value": "[v"}],
    });
    assert_eq!(
        failure(&sim, tag_malformed).await,
        "failed to fetch artifacts: failed to fetch artifacts: failed to list artifacts of repository acme/app: syntax error in pattern"
    );

    // An unreachable source fails the fetch.
    sim.handle()
        .with_state(|s| s.reachability.deny("vendor.example.com"));
    let gone = json!({"name": "vendor-gone", "src_registry": {"id": vendor}, "dest_namespace": "imported"});
    assert_eq!(
        failure(&sim, gone).await,
        r#"failed to fetch artifacts: Get "https://vendor.example.com": dial tcp: lookup vendor.example.com: no such host"#
    );
}

#[tokio::test(start_paused = true)]
async fn a_single_active_policy_skips_a_run_while_one_is_in_progress() {
    let sim = support::start().await;
    let hub = docker_hub(&sim).await;
    let body = json!({
        "name": "one-at-a-time",
        "src_registry": {"id": hub},
        "dest_namespace": "library",
        "single_active_replication": true,
        "filters": [{"type": "name", "value": "library/nginx"}],
    });
    let (first, _) = run(&sim, body).await;
    assert_eq!(first["status"], "InProgress");
    let policy = first["policy_id"].clone();
    let start = json!({"policy_id": policy});
    let second = send(
        &sim,
        Method::POST,
        "/replication/executions",
        Some(start.clone()),
    )
    .await;
    let skipped = get(&sim, &format!("/replication/executions/{second}")).await;
    assert_eq!(skipped["status"], "Failed", "{skipped}");
    assert_eq!(
        skipped["status_text"],
        "Execution skipped: active replication still in progress."
    );
    // Newest first; filtered in the API's words.
    let listed = get(&sim, &format!("/replication/executions?policy_id={policy}")).await;
    assert_eq!(listed[0]["id"], second);
    let failed = get(
        &sim,
        &format!("/replication/executions?policy_id={policy}&status=Failed"),
    )
    .await;
    assert_eq!(failed.as_array().unwrap().len(), 1);
    // Once the first has ended, a run goes ahead; replication runs take their ids from the
    // one sequence of every execution.
    tokio::time::advance(Duration::from_secs(3600)).await;
    let gc = send(
        &sim,
        Method::POST,
        "/system/gc/schedule",
        Some(json!({"schedule": {"type": "Manual"}, "parameters": {"dry_run": true}})),
    )
    .await;
    let third = send(&sim, Method::POST, "/replication/executions", Some(start)).await;
    let gc_runs = get(&sim, "/system/gc").await;
    assert_eq!(
        third.as_i64().unwrap(),
        gc_runs[0]["id"].as_i64().unwrap() + 1,
        "{gc:?}"
    );
    let third = get(&sim, &format!("/replication/executions/{third}")).await;
    assert_eq!(third["status"], "InProgress", "{third}");
}

/// The log of the first task of execution `id`.
async fn first_task_log(sim: &support::CheckedSim, id: i64) -> String {
    let tasks = get(sim, &format!("/replication/executions/{id}/tasks")).await;
    let task = tasks[0]["id"].as_i64().unwrap();
    let (status, _, log) = support::send_as(
        sim,
        ("admin", "Harbor12345"),
        Method::GET,
        &format!("/replication/executions/{id}/tasks/{task}/log"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{log}");
    log
}

/// The tags of `project/repository`'s artifacts, newest first.
async fn tags_of(sim: &support::CheckedSim, project: &str, repository: &str) -> Vec<Vec<String>> {
    let artifacts = get(
        sim,
        &format!("/projects/{project}/repositories/{repository}/artifacts"),
    )
    .await;
    artifacts
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            a["tags"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| t["name"].as_str().unwrap().to_owned())
                .collect()
        })
        .collect()
}

#[tokio::test(start_paused = true)]
async fn a_pull_copies_the_remote_tags_in_when_its_task_runs() {
    let sim = support::start().await;
    // The demo's run found Docker Hub's images already here.
    let policy = get(&sim, "/replication/policies?name=mirror-nginx").await[0]["id"].clone();
    let seeded = get(&sim, &format!("/replication/executions?policy_id={policy}")).await[0]["id"]
        .as_i64()
        .unwrap();
    let log = first_task_log(&sim, seeded).await;
    assert!(
        log.contains(
            "the artifact library/nginx:1.27 already exists on the destination registry, skip"
        ),
        "{log}"
    );

    let vendor = vendor(&sim).await;
    // Harbor logs no artifact's push unless asked to.
    let audit_everything = json!({"disabled_audit_log_event_types": ""});
    send(&sim, Method::PUT, "/configurations", Some(audit_everything)).await;
    sim.handle().with_state(|s| {
        for tag in ["v1", "v2"] {
            s.remote_catalog
                .add_tag("vendor.example.com", "acme/app", tag);
        }
    });
    let body = json!({"name": "vendor-pull", "src_registry": {"id": vendor}, "dest_namespace": "imported"});
    let (execution, _) = run(&sim, body).await;
    // Nothing lands before the task runs.
    let project = get(&sim, "/projects/imported").await;
    assert_eq!(project["repo_count"], 0, "{project}");
    tokio::time::advance(Duration::from_secs(3600)).await;
    assert_eq!(tags_of(&sim, "imported", "app").await, [["v2"], ["v1"]]);
    let id = execution["id"].as_i64().unwrap();
    let log = first_task_log(&sim, id).await;
    for line in [
        "copying acme/app:[v1,v2](source registry) to imported/app:[v1,v2](destination registry)...",
        "copy acme/app:v1(source registry) to imported/app:v1(destination registry) completed",
        "copy acme/app:[v1,v2](source registry) to imported/app:[v1,v2](destination registry) completed",
    ] {
        assert!(log.contains(line), "{line}\n{log}");
    }
    let done = get(&sim, &format!("/replication/executions/{id}")).await;
    assert_eq!(done["status"], "Succeed", "{done}");
    // The job service pushed them.
    let audit = get(&sim, "/auditlog-exts?page_size=100").await;
    let pushed = audit
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["resource"] == "imported/app:v1")
        .expect("the copy's audit row");
    assert_eq!(pushed["username"], "harbor-jobservice", "{pushed}");
    assert_eq!(pushed["operation"], "create");

    // The same tags again: one digest per remote tag, so both are skipped.
    let digests = |artifacts: &Value| -> Vec<String> {
        artifacts
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["digest"].as_str().unwrap().to_owned())
            .collect()
    };
    let before = digests(&get(&sim, "/projects/imported/repositories/app/artifacts").await);
    let policy = execution["policy_id"].clone();
    let again = send(
        &sim,
        Method::POST,
        "/replication/executions",
        Some(json!({"policy_id": policy})),
    )
    .await;
    tokio::time::advance(Duration::from_secs(3600)).await;
    let log = first_task_log(&sim, again.as_i64().unwrap()).await;
    assert!(
        log.contains(
            "the artifact imported/app:v2 already exists on the destination registry, skip"
        ),
        "{log}"
    );
    let after = digests(&get(&sim, "/projects/imported/repositories/app/artifacts").await);
    assert_eq!(before, after);

    // A tag here on another image stays unless the policy overrides.
    sim.handle()
        .push_image("imported", "app", "v1")
        .expect("a local v1");
    let keep =
        json!({"name": "keep", "src_registry": {"id": vendor}, "dest_namespace": "imported"});
    let (kept, _) = run(&sim, keep).await;
    tokio::time::advance(Duration::from_secs(3600)).await;
    let log = first_task_log(&sim, kept["id"].as_i64().unwrap()).await;
    assert!(
        log.contains(r#"the same name artifact imported/app:v1 exists on the destination registry, but the "override" is set to false, skip"#),
        "{log}"
    );
    let replace = json!({"name": "replace", "src_registry": {"id": vendor}, "dest_namespace": "imported", "override": true});
    let (replaced, _) = run(&sim, replace).await;
    tokio::time::advance(Duration::from_secs(3600)).await;
    let log = first_task_log(&sim, replaced["id"].as_i64().unwrap()).await;
    assert!(
        log.contains(r#"the same name artifact imported/app:v1 exists on the destination registry and the "override" is set to true, continue..."#),
        "{log}"
    );
    // `v1` is back on the remote's image, which still has its artifact.
    let v1 = get(&sim, "/projects/imported/repositories/app/artifacts/v1").await;
    assert!(
        before.contains(&v1["digest"].as_str().unwrap().to_owned()),
        "{v1}"
    );

    // A tag gone from the remote fails the job, after the others are copied.
    sim.handle().with_state(|s| {
        s.remote_catalog
            .add_tag("vendor.example.com", "acme/app", "v3");
    });
    let (partial, tasks) = run(
        &sim,
        json!({"name": "partial", "src_registry": {"id": vendor}, "dest_namespace": "imported"}),
    )
    .await;
    assert_eq!(tasks[0]["src_resource"], "acme/app [3 item(s) in total]");
    sim.handle().with_state(|s| {
        s.remote_catalog
            .remove_repository("vendor.example.com", "acme/app");
        s.remote_catalog
            .add_tag("vendor.example.com", "acme/app", "v3");
    });
    tokio::time::advance(Duration::from_secs(3600)).await;
    let failed = get(&sim, &format!("/replication/executions/{}", partial["id"])).await;
    assert_eq!(failed["status"], "Failed", "{failed}");
    let log = first_task_log(&sim, partial["id"].as_i64().unwrap()).await;
    assert!(
        log.contains("failed to pull the manifest of acme/app:v1: manifest unknown"),
        "{log}"
    );
    assert!(
        log.contains("got error during the whole transfer period, mark the job failure"),
        "{log}"
    );
    assert!(
        tags_of(&sim, "imported", "app")
            .await
            .iter()
            .flatten()
            .any(|t| t == "v3")
    );
}

/// The replication executions of policy `policy`, newest first.
async fn runs_of(sim: &support::CheckedSim, policy: &Value) -> Vec<Value> {
    get(sim, &format!("/replication/executions?policy_id={policy}"))
        .await
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test(start_paused = true)]
async fn pushes_tags_and_deletions_start_event_based_policies() {
    let sim = support::start().await;
    let mirror = mirror(&sim).await;
    let policy = |name: &str, deletion: bool| {
        json!({
            "name": name,
            "dest_registry": {"id": mirror},
            "dest_namespace": "mirror",
            "trigger": {"type": "event_based"},
            "deletion": deletion,
            "enabled": true,
            "filters": [{"type": "name", "value": "library/**"}, {"type": "tag", "value": "v*"}],
        })
    };
    let copies = send(
        &sim,
        Method::POST,
        "/replication/policies",
        Some(policy("on-push", false)),
    )
    .await;
    let deletes = send(
        &sim,
        Method::POST,
        "/replication/policies",
        Some(policy("on-delete", true)),
    )
    .await;

    // A push the filters keep starts both; one they leave out starts none.
    sim.handle().push_image("library", "app", "v1").unwrap();
    sim.handle().push_image("library", "app", "dev").unwrap();
    sim.handle().push_image("demo", "app", "v1").unwrap();
    for policy in [&copies, &deletes] {
        let runs = runs_of(&sim, policy).await;
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0]["trigger"], "event_based");
        let tasks = get(
            &sim,
            &format!("/replication/executions/{}/tasks", runs[0]["id"]),
        )
        .await;
        assert_eq!(tasks[0]["operation"], "copy");
        assert_eq!(tasks[0]["src_resource"], "library/app [1 item(s) in total]");
        assert_eq!(tasks[0]["dst_resource"], "mirror/app [1 item(s) in total]");
    }

    // A tag made through the API is a push of that tag.
    send(
        &sim,
        Method::POST,
        "/projects/library/repositories/app/artifacts/v1/tags",
        Some(json!({"name": "v1.1"})),
    )
    .await;
    assert_eq!(runs_of(&sim, &copies).await.len(), 2);

    // Deletions start only the policy that replicates them.
    send(
        &sim,
        Method::DELETE,
        "/projects/library/repositories/app/artifacts/v1/tags/v1.1",
        None,
    )
    .await;
    send(
        &sim,
        Method::DELETE,
        "/projects/library/repositories/app/artifacts/v1",
        None,
    )
    .await;
    assert_eq!(runs_of(&sim, &copies).await.len(), 2);
    let runs = runs_of(&sim, &deletes).await;
    assert_eq!(runs.len(), 4, "{runs:?}");
    let mut operations = Vec::new();
    for run in &runs[..2] {
        let tasks = get(
            &sim,
            &format!("/replication/executions/{}/tasks", run["id"]),
        )
        .await;
        operations.push((
            tasks[0]["operation"].as_str().unwrap().to_owned(),
            tasks[0]["src_resource"].as_str().unwrap().to_owned(),
        ));
    }
    assert_eq!(
        operations,
        [
            (
                "deletion".to_owned(),
                "library/app [1 item(s) in total]".to_owned()
            ),
            (
                "tag deletion".to_owned(),
                "library/app [1 item(s) in total]".to_owned()
            ),
        ]
    );

    // An unreachable destination fails the event's run at once.
    sim.handle()
        .with_state(|s| s.reachability.deny("registry.example.com"));
    sim.handle().push_image("library", "app", "v2").unwrap();
    let failed = &runs_of(&sim, &copies).await[0];
    assert_eq!(failed["status"], "Failed", "{failed}");
    assert!(
        failed["status_text"]
            .as_str()
            .unwrap()
            .starts_with("failed to do the prepare work for pushing/uploading resources"),
        "{failed}"
    );
}
