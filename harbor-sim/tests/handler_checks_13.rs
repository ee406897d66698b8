//! The ledger's blob rows (`CONFORMANCE.md`: ST3 of `statistic.go`, Q11 of `quota.go`,
//! GC11 of `gc.go`): what the storage used, a project's quota usage and a GC run count, as
//! Harbor's blob table and its associations make them (`src/pkg/blob/`), read through the
//! API on tokio's paused clock.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{create_project, get_json, ids, send, start_export};

/// The base layer every linux image of a repository shares (`state/blobs.rs`).
const BASE_LAYER: i64 = 1024;

async fn storage(sim: &support::CheckedSim) -> i64 {
    get_json(sim, "/statistics").await["total_storage_consumption"]
        .as_i64()
        .expect("a number")
}

/// The quota usage of the project `name`.
async fn quota_used(sim: &support::CheckedSim, name: &str) -> i64 {
    let project = get_json(sim, &format!("/projects/{name}")).await;
    let id = project["project_id"].as_i64().expect("an id");
    let quotas = get_json(sim, &format!("/quotas?reference=project&reference_id={id}")).await;
    quotas[0]["used"]["storage"].as_i64().expect("a usage")
}

async fn artifact(sim: &support::CheckedSim, path: &str) -> Value {
    get_json(sim, &format!("/projects/{path}")).await
}

fn size(a: &Value) -> i64 {
    a["size"].as_i64().expect("a size")
}

/// Runs a GC now; the run as answered and its log.
async fn gc(sim: &support::CheckedSim, parameters: Value) -> (Value, String) {
    let body = json!({"schedule": {"type": "Manual"}, "parameters": parameters});
    let (status, _, text) = support::send_as(
        sim,
        ("admin", "Harbor12345"),
        Method::POST,
        "/system/gc/schedule",
        Some(body),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "GC: {text}");
    let runs = get_json(sim, "/system/gc").await;
    let id = runs[0]["id"].as_i64().expect("the newest run");
    let gc = harbor_sim::Lifecycle::default_for(harbor_sim::JobKind::GarbageCollection);
    tokio::time::advance(gc.queued() + gc.running()).await;
    let run = get_json(sim, &format!("/system/gc/{id}")).await;
    let (status, log) = send(sim, Method::GET, &format!("/system/gc/{id}/log"), None).await;
    assert_eq!(status, StatusCode::OK, "GC log: {log}");
    (run, log)
}

fn parameters(run: &Value) -> Value {
    serde_json::from_str(run["job_parameters"].as_str().expect("a string")).expect("JSON")
}

#[tokio::test(start_paused = true)]
async fn images_of_a_repository_store_their_base_layer_once() {
    let sim = support::start().await;
    create_project(&sim, "blobs").await;
    let (storage_before, used_before) = (storage(&sim).await, quota_used(&sim, "blobs").await);
    assert_eq!(used_before, 0);
    for tag in ["1.0", "2.0"] {
        sim.handle().push_image("blobs", "app", tag).expect("push");
    }
    let one = artifact(&sim, "blobs/repositories/app/artifacts/1.0").await;
    let two = artifact(&sim, "blobs/repositories/app/artifacts/2.0").await;
    let pushed = size(&one) + size(&two) - BASE_LAYER;
    assert_eq!(storage(&sim).await, storage_before + pushed, "ST3");
    assert_eq!(quota_used(&sim, "blobs").await, pushed, "Q11");

    // Deleting an artifact drops its own blobs from the project, not from the storage.
    let (status, text) = send(
        &sim,
        Method::DELETE,
        "/projects/blobs/repositories/app/artifacts/1.0",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert_eq!(quota_used(&sim, "blobs").await, size(&two), "Q11");
    assert_eq!(storage(&sim).await, storage_before + pushed, "ST3");

    // GC keeps what was pushed within its 2-hour window.
    let (run, log) = gc(&sim, json!({"delete_untagged": false})).await;
    let p = parameters(&run);
    assert_eq!(
        (
            &p["freed_space"],
            &p["purged_blobs"],
            &p["purged_manifests"]
        ),
        (&json!(0), &json!(0), &json!(0)),
        "GC11: {p}"
    );
    assert!(
        log.contains("no need to execute GC as there is no non referenced artifacts."),
        "GC11: {log}"
    );
    assert_eq!(storage(&sim).await, storage_before + pushed, "GC11");

    // A dry run after the window counts the deleted artifact's own blobs and removes none.
    tokio::time::advance(Duration::from_secs(2 * 3600)).await;
    let own = size(&one) - BASE_LAYER;
    let (run, log) = gc(&sim, json!({"dry_run": true})).await;
    let p = parameters(&run);
    assert_eq!(
        (
            &p["freed_space"],
            &p["purged_blobs"],
            &p["purged_manifests"]
        ),
        (&json!(own), &json!(2), &json!(1)),
        "GC11: {p}"
    );
    assert!(
        log.contains("2 blobs and 1 manifests eligible for deletion"),
        "{log}"
    );
    assert_eq!(storage(&sim).await, storage_before + pushed, "GC11");
    let (_, log) = gc(&sim, json!({})).await;
    assert!(log.contains("The GC could free up"), "{log}");
    assert_eq!(storage(&sim).await, storage_before + size(&two), "GC11");
    assert_eq!(quota_used(&sim, "blobs").await, size(&two), "Q11");
}

#[tokio::test(start_paused = true)]
async fn a_gc_time_window_of_zero_hours_and_the_log_in_harbors_words() {
    let sim = support::start().await;
    // Harbor's core reads the window from GC_TIME_WINDOW_HOURS; its API tests set 0.
    let admin = format!("{}/_sim/gc-time-window", sim.base_url());
    let client = reqwest::Client::new();
    let set = client
        .put(&admin)
        .body(r#"{"hours":0}"#)
        .send()
        .await
        .expect("PUT");
    assert_eq!(set.status(), StatusCode::OK);
    let bad = client
        .put(&admin)
        .body(r#"{"hours":-1}"#)
        .send()
        .await
        .expect("PUT");
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    create_project(&sim, "window").await;
    sim.handle()
        .push_image("window", "app", "1.0")
        .expect("push");
    let (status, text) = send(
        &sim,
        Method::DELETE,
        "/projects/window/repositories/app/artifacts/1.0",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (run, log) = gc(&sim, json!({"delete_untagged": true})).await;
    assert_eq!(
        parameters(&run)["purged_manifests"],
        json!(1),
        "GC11: {run}"
    );
    let lines: Vec<&str> = log
        .lines()
        .map(|l| l.split_once("] ").map_or(l, |p| p.1))
        .collect();
    assert_eq!(
        lines[..4],
        [
            "Garbage Collection parameters: [delete_untagged: true, delete_tag: false, dry_run: false, time_window: 0, workers: 1]",
            "start to run gc in job.",
            "start to delete untagged artifact (no actually deletion for dry-run mode)",
            "end to delete untagged artifact (no actually deletion for dry-run mode)",
        ],
        "{log}"
    );
    assert!(
        lines[4].starts_with("blob eligible for deletion: sha256:"),
        "{log}"
    );
    for line in [
        "1 manifests eligible for deletion",
        "1 manifests are actually deleted",
        "The GC job actual frees up ",
        "success to run gc in job.",
    ] {
        assert!(log.contains(line), "{line} in {log}");
    }
}

#[tokio::test(start_paused = true)]
async fn an_index_stores_its_children_once() {
    let sim = support::start().await;
    create_project(&sim, "multi").await;
    let before = storage(&sim).await;
    sim.handle()
        .push_image_index("multi", "app", "1.0", &["linux/amd64", "linux/arm64/v8"])
        .expect("push");
    let index = artifact(&sim, "multi/repositories/app/artifacts/1.0").await;
    // The index's size adds its children's; its blobs list their manifests, stored once,
    // and both children share the repository's linux base layer.
    let stored = size(&index) - BASE_LAYER;
    assert_eq!(storage(&sim).await, before + stored, "ST3");
    assert_eq!(quota_used(&sim, "multi").await, stored, "Q11");

    // Copying the index into another project stores nothing new, and counts in full there.
    create_project(&sim, "mirror").await;
    let digest = index["digest"].as_str().expect("a digest");
    let (status, text) = send(
        &sim,
        Method::POST,
        &format!("/projects/mirror/repositories/app/artifacts?from=multi/app@{digest}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    assert_eq!(storage(&sim).await, before + stored, "ST3, ST4");
    assert_eq!(quota_used(&sim, "mirror").await, stored, "Q11");
}

#[tokio::test(start_paused = true)]
async fn a_windows_base_layer_pushed_by_buildx_counts() {
    // An OCI child's non-distributable layer is not the Docker foreign type Harbor's sums
    // leave out, so it counts although no registry stores it.
    let sim = support::start().await;
    create_project(&sim, "win").await;
    let before = storage(&sim).await;
    sim.handle()
        .push_image_index("win", "app", "1.0", &["windows/amd64"])
        .expect("push");
    let index = artifact(&sim, "win/repositories/app/artifacts/1.0").await;
    assert_eq!(storage(&sim).await, before + size(&index), "ST3");
    assert_eq!(quota_used(&sim, "win").await, size(&index), "Q11");
}

#[tokio::test(start_paused = true)]
async fn an_export_file_counts_until_it_is_downloaded() {
    let sim = support::start().await;
    let before = storage(&sim).await;
    let id = start_export(&sim, &json!({})).await;
    assert_eq!(
        storage(&sim).await,
        before,
        "ST3: not written before the job runs"
    );
    let export = harbor_sim::Lifecycle::default_for(harbor_sim::JobKind::ScanDataExport);
    tokio::time::advance(export.queued() + export.running()).await;
    let during = storage(&sim).await;
    // No read of the execution first: the download sees the finished job by itself.
    let (status, file) = send(
        &sim,
        Method::GET,
        &format!("/export/cve/download/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{file}");
    assert!(file.lines().count() > 1, "the demo's findings: {file}");
    assert_eq!(
        during,
        before + file.len() as i64,
        "ST3: the system artifact"
    );
    assert_eq!(storage(&sim).await, before, "ST3: the download removes it");
}

#[tokio::test(start_paused = true)]
async fn w17_runs_filter_and_sort_on_their_refresh() {
    // W17, PH20: `update_time` and `revision` of a run are those of its last status refresh
    // (every 30 s): `q` and `sort` read them, the answer has neither.
    let sim = support::start().await;
    let policies = get_json(&sim, "/projects/demo/webhook/policies").await;
    let notify = policies[0]["id"].as_i64().expect("a policy");
    let runs_path = format!("/projects/demo/webhook/policies/{notify}/executions");
    let seeded = ids(&get_json(&sim, &runs_path).await);
    sim.handle()
        .push_image("demo", "team/app", "v3")
        .expect("push");
    let first = ids(&get_json(&sim, &runs_path).await)[0];
    // Not refreshed yet: revision 0, its start as update time.
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs_path}?q=revision%3D0")).await),
        vec![first],
        "W17"
    );
    tokio::time::advance(Duration::from_secs(31)).await;
    sim.handle()
        .push_image("demo", "team/app", "v4")
        .expect("push");
    let second = ids(&get_json(&sim, &runs_path).await)[0];
    let refreshed = get_json(&sim, &format!("{runs_path}?q=revision%3D%5B1~%5D")).await;
    assert_eq!(ids(&refreshed)[0], first, "W17: refreshed at 30 s");
    assert!(!ids(&refreshed).contains(&second), "W17 {refreshed}");
    assert!(
        refreshed[0].get("update_time").is_none() && refreshed[0].get("revision").is_none(),
        "W17: not answered {refreshed}"
    );
    // Both refreshed: the first at 30 s after its birth, the second at 60 s, 29 s after its
    // birth (the paused clock moves tokio's time, not the wall clock the births were read
    // from, so the first now reads as updated later). Newest update first is not the
    // default order (newest start first).
    tokio::time::advance(Duration::from_secs(30)).await;
    let by_start = ids(&get_json(&sim, &runs_path).await);
    assert_eq!(&by_start[..2], &[second, first], "W17");
    let by_update = ids(&get_json(&sim, &format!("{runs_path}?sort=-update_time")).await);
    assert_eq!(&by_update[..2], &[first, second], "W17 {by_update:?}");
    assert!(seeded.iter().all(|id| by_update[2..].contains(id)));
    assert_eq!(
        ids(&get_json(&sim, &format!("{runs_path}?q=revision%3D1")).await)[..2],
        [second, first],
        "W17"
    );
}

#[tokio::test]
async fn ar8_operators_and_postgresql_types() {
    let sim = support::start().await;
    // Two images of different sizes (a longer tag makes a longer pushed content).
    for tag in ["1", "1-longer"] {
        sim.handle()
            .push_image("library", "sizes", tag)
            .expect("push");
    }
    let path = "/projects/library/repositories/sizes/artifacts";
    let all = get_json(&sim, path).await;
    let sizes: Vec<i64> = all.as_array().expect("a list").iter().map(size).collect();
    let (small, large) = (*sizes.iter().min().unwrap(), *sizes.iter().max().unwrap());
    assert!(small < large, "two sizes: {sizes:?}");
    let listed = |q: String| {
        let sim = &sim;
        async move { ids(&get_json(sim, &format!("{path}?q={q}")).await) }
    };
    let id_of = |s: i64| {
        all.as_array()
            .unwrap()
            .iter()
            .find(|a| size(a) == s)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    };
    // `k__op=v`: the operator applies to an exact value.
    assert_eq!(
        listed(format!("size__gt%3D{small}")).await,
        vec![id_of(large)],
        "AR8 gt"
    );
    assert_eq!(
        listed(format!("size__lt%3D{large}")).await,
        vec![id_of(small)],
        "AR8 lt"
    );
    assert_eq!(
        listed(format!("size__gte%3D{large}")).await,
        vec![id_of(large)],
        "AR8 gte"
    );
    assert_eq!(
        listed(format!("size__exact%3D{small}")).await,
        vec![id_of(small)],
        "AR8 exact"
    );
    assert_eq!(
        listed(format!("size__in%3D{small}")).await,
        vec![id_of(small)],
        "AR8 in"
    );
    // `__icontains` is SQL's LIKE on the text: `_` is any one character.
    let digest = all[0]["digest"].as_str().unwrap();
    let pattern = format!("{}_{}", &digest[7..12].to_uppercase(), &digest[13..16]);
    assert_eq!(
        listed(format!("digest__icontains%3D{pattern}")).await,
        vec![all[0]["id"].as_i64().unwrap()],
        "AR8 icontains"
    );
    // Skipped: an unknown operator, two separators, a field that is no column.
    let every = ids(&all);
    for q in ["size__ne%3D1", "size__gt__lt%3D1", "nothing__gt%3D1"] {
        assert_eq!(listed(q.to_owned()).await, every, "AR8 skipped: {q}");
    }
    // A fuzzy match casts the column to text: it never fails.
    assert_eq!(
        listed("size%3D~abc".to_owned()).await,
        Vec::<i64>::new(),
        "AR8"
    );
    support::checks::run(
        &sim,
        vec![
            // beego panics on the field `size__gt__icontains` (and `__gte`, `__in`).
            support::checks::case("AR8", Method::GET, &format!("{path}?q=size__gt%3D~1"), None)
                .panics("unknown field/column name `size__gt__icontains`"),
            support::checks::case(
                "AR8",
                Method::GET,
                &format!("{path}?q=size__lt%3D%5B1~2%5D"),
                None,
            )
            .panics("unknown field/column name `size__lt__gte`"),
            support::checks::case(
                "AR8",
                Method::GET,
                &format!("{path}?q=id__exact%3D%7B1%202%7D"),
                None,
            )
            .panics("unknown field/column name `id__exact__in`"),
            // PostgreSQL cannot read the text as the column's type (`size` is a `bigint`,
            // `id` an `int`), in pgx's words of the server's error.
            support::checks::case("AR8", Method::GET, &format!("{path}?q=size%3Dabc"), None)
                .uncoded("ERROR: invalid input syntax for type bigint: \"abc\" (SQLSTATE 22P02)"),
            support::checks::case(
                "AR8",
                Method::GET,
                &format!("{path}?q=id%3D%5B1~x%5D"),
                None,
            )
            .uncoded("ERROR: invalid input syntax for type integer: \"x\" (SQLSTATE 22P02)"),
            support::checks::case(
                "AR8",
                Method::GET,
                &format!("{path}?q=size__gt%3D1.5"),
                None,
            )
            .uncoded("ERROR: invalid input syntax for type bigint: \"1.5\" (SQLSTATE 22P02)"),
            // A number beyond the column's type.
            support::checks::case(
                "AR8",
                Method::GET,
                &format!("{path}?q=size%3D99999999999999999999"),
                None,
            )
            .uncoded(
                "ERROR: value \"99999999999999999999\" is out of range for type bigint \
                 (SQLSTATE 22003)",
            ),
            support::checks::case(
                "AR8",
                Method::GET,
                &format!("{path}?q=id%3D3000000000"),
                None,
            )
            .uncoded(
                "ERROR: value \"3000000000\" is out of range for type integer (SQLSTATE 22003)",
            ),
        ],
    )
    .await;
}
