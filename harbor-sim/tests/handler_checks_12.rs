//! The ledger's image-index rows (`CONFORMANCE.md`: AR18 to AR22 of `artifact.go`, SN7 and
//! SN8 of `scan.go`, SE15 of `scanexport.go`): an index pushed through the handle, as
//! `docker buildx --push` leaves one, seen through the API as Harbor answers it; and AR23,
//! AR24, the addition links and the additions every artifact has; IC4 (`icon.go`), an
//! artifact's own icon.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

use support::checks::{
    BAD, REPORT, case, create_project, export_rows, get_json, list_with_total, run, send,
};

const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// `GET path` as the admin: the items and `X-Total-Count`.
async fn list(sim: &support::CheckedSim, path: &str) -> (Vec<Value>, u64) {
    let (items, total) = list_with_total(sim, path).await;
    (items, total.expect("X-Total-Count"))
}

fn digests(items: &[Value]) -> Vec<&str> {
    items.iter().filter_map(|a| a["digest"].as_str()).collect()
}

/// Pushes `project/repository:tag` as an index of `platforms`; the index and its children
/// (digests, in the index's order) as answered.
async fn push_index(
    sim: &support::CheckedSim,
    project: &str,
    repository: &str,
    tag: &str,
    platforms: &[&str],
) -> (Value, Vec<String>) {
    let digest = sim
        .handle()
        .push_image_index(project, repository, tag, platforms)
        .expect("push");
    let index = get_json(
        sim,
        &format!("/projects/{project}/repositories/{repository}/artifacts/{digest}"),
    )
    .await;
    let children = index["references"]
        .as_array()
        .expect("references")
        .iter()
        .map(|r| r["child_digest"].as_str().expect("a digest").to_owned())
        .collect();
    (index, children)
}

/// AR18: an index answers its references whatever the `with_*` options, with Harbor's shape;
/// its media types are the index's, it has no extra attributes, no additions and no artifact
/// type, and its size adds its children's; a child is an image of its platform.
#[tokio::test]
async fn ar18_an_index_answers_its_references() {
    let sim = support::start().await;
    create_project(&sim, "multi").await;
    let (index, children) = push_index(
        &sim,
        "multi",
        "app",
        "1.0",
        &["linux/amd64", "linux/arm64/v8"],
    )
    .await;
    let base = "/projects/multi/repositories/app/artifacts";
    let (id, child_one) = (index["id"].as_i64().expect("an id"), &children[1]);
    let child = get_json(&sim, &format!("{base}/{child_one}")).await;
    assert_eq!(
        index["references"][1],
        json!({
            "parent_id": id,
            "child_id": child["id"],
            "child_digest": child_one,
            "platform": {"architecture": "arm64", "os": "linux", "variant": "v8", "'os.features'": null},
            "urls": null,
        }),
        "AR18"
    );
    assert_eq!(
        index["references"][0]["platform"],
        json!({"architecture": "amd64", "os": "linux", "'os.features'": null}),
        "AR18: no variant, none answered"
    );
    for key in ["media_type", "manifest_media_type"] {
        assert_eq!(index[key], OCI_INDEX, "AR18 {key}");
    }
    for key in ["extra_attrs", "artifact_type"] {
        assert!(index.get(key).is_none(), "AR18: {key} in {index}");
    }
    assert!(
        index["addition_links"].get("build_history").is_none(),
        "AR18"
    );
    assert_eq!(index["type"], "IMAGE", "AR18");
    assert_eq!(index["tags"][0]["name"], "1.0", "AR18");
    let first = get_json(&sim, &format!("{base}/{}", children[0])).await;
    let sizes = first["size"].as_i64().unwrap_or(0) + child["size"].as_i64().unwrap_or(0);
    let size = index["size"].as_i64().expect("a size");
    assert!(
        size > sizes,
        "AR18: the manifest and its children: {size} vs {sizes}"
    );
    // The child: an untagged image of its platform, no references.
    assert_eq!(child["tags"], Value::Null, "AR18");
    assert_eq!(child["references"], Value::Null, "AR18");
    assert_eq!(child["extra_attrs"]["architecture"], "arm64", "AR18");
    assert_eq!(
        child["manifest_media_type"], "application/vnd.docker.distribution.manifest.v2+json",
        "AR18"
    );
    // Without tags, labels or anything else asked, the references are still there.
    let bare = get_json(&sim, &format!("{base}/1.0?with_tag=false")).await;
    assert_eq!(bare["references"], index["references"], "AR18");
    assert_eq!(bare["tags"], Value::Null, "AR18");
}

/// AR19: lists, their totals and the repository's `artifact_count` leave out an index's
/// children that have no tag of their own; `base=*` lists them, any other `base` is 400; a
/// tagged child is listed.
#[tokio::test]
async fn ar19_lists_leave_untagged_children_out() {
    let sim = support::start().await;
    create_project(&sim, "multi").await;
    let (index, children) =
        push_index(&sim, "multi", "app", "1.0", &["linux/amd64", "linux/arm64"]).await;
    sim.handle()
        .push_image("multi", "app", "single")
        .expect("push");
    let base = "/projects/multi/repositories/app/artifacts";
    let (items, total) = list(&sim, base).await;
    assert_eq!((items.len(), total), (2, 2), "AR19: {:?}", digests(&items));
    assert!(digests(&items).contains(&index["digest"].as_str().unwrap_or("")));
    let (items, total) = list(&sim, &format!("{base}?q=base%3D*")).await;
    assert_eq!((items.len(), total), (4, 4), "AR19 base=*");
    for child in &children {
        assert!(digests(&items).contains(&child.as_str()), "AR19 base=*");
    }
    // `tags=nil` under the default filter: no child; with `base=*`, both.
    let (items, _) = list(&sim, &format!("{base}?q=tags%3Dnil")).await;
    assert!(items.is_empty(), "AR19: {:?}", digests(&items));
    let (items, _) = list(&sim, &format!("{base}?q=base%3D*,tags%3Dnil")).await;
    assert_eq!(items.len(), 2, "AR19");
    let repository = get_json(&sim, "/projects/multi/repositories/app").await;
    assert_eq!(repository["artifact_count"], 2, "AR19");
    let (items, total) = list(&sim, "/projects/multi/artifacts").await;
    assert_eq!((items.len(), total), (2, 2), "AR19: the project's list");
    let (items, _) = list(&sim, "/projects/multi/artifacts?q=base%3D*").await;
    assert_eq!(items.len(), 4, "AR19: the project's list, base=*");
    run(
        &sim,
        ["base%3Dx", "base%3D~*", "base%3D%7B*%20x%7D"]
            .into_iter()
            .map(|q| {
                case("AR19", Method::GET, &format!("{base}?q={q}"), None).refused(
                    BAD,
                    r#"the value of "base" query can only be exact match value with "*""#,
                )
            })
            .collect(),
    )
    .await;
    // A child tagged on its own is listed and counted.
    let (status, text) = send(
        &sim,
        Method::POST,
        &format!("{base}/{}/tags", children[0]),
        Some(json!({"name": "amd64"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let (items, total) = list(&sim, base).await;
    assert_eq!((items.len(), total), (3, 3), "AR19");
    let repository = get_json(&sim, "/projects/multi/repositories/app").await;
    assert_eq!(repository["artifact_count"], 3, "AR19");
    let search = get_json(&sim, "/search?q=multi").await;
    assert_eq!(search["repository"][0]["artifact_count"], 3, "AR19: search");
}

/// AR20, AR21: a child an index lists cannot be deleted (by digest or by its own tag),
/// before its tags are looked at; deleting the index deletes its untagged children and
/// leaves a tagged one.
#[tokio::test]
async fn ar20_ar21_deleting_an_index_and_its_children() {
    let sim = support::start().await;
    create_project(&sim, "multi").await;
    let (_, children) = push_index(
        &sim,
        "multi",
        "app",
        "1.0",
        &["linux/amd64", "linux/arm64", "linux/s390x"],
    )
    .await;
    let base = "/projects/multi/repositories/app/artifacts";
    let (status, text) = send(
        &sim,
        Method::POST,
        &format!("{base}/{}/tags", children[2]),
        Some(json!({"name": "s390x"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let referenced = "the deleting artifact is referenced by others";
    let fk = |path: String| {
        case("AR20", Method::DELETE, &path, None).refused_as(
            StatusCode::PRECONDITION_FAILED,
            "VIOLATE_FOREIGN_KEY_CONSTRAINT",
            referenced,
        )
    };
    run(
        &sim,
        vec![
            fk(format!("{base}/{}", children[0])),
            fk(format!("{base}/s390x")),
        ],
    )
    .await;
    let (status, text) = send(&sim, Method::DELETE, &format!("{base}/1.0"), None).await;
    assert_eq!(status, StatusCode::OK, "AR21: {text}");
    let (items, _) = list(&sim, &format!("{base}?q=base%3D*")).await;
    assert_eq!(
        digests(&items),
        vec![children[2].as_str()],
        "AR21: only the tagged child stays"
    );
    for gone in &children[..2] {
        let (status, _) = send(&sim, Method::GET, &format!("{base}/{gone}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "AR21");
    }
    // It stands alone now: deletable.
    let (status, text) = send(&sim, Method::DELETE, &format!("{base}/s390x"), None).await;
    assert_eq!(status, StatusCode::OK, "AR21: {text}");
}

/// AR22: copying an index copies its children first (untagged there too), then the index,
/// whose references name the copies; copying it again adds nothing.
#[tokio::test]
async fn ar22_copying_an_index_copies_its_children() {
    let sim = support::start().await;
    create_project(&sim, "multi").await;
    create_project(&sim, "mirror").await;
    let (index, children) =
        push_index(&sim, "multi", "app", "1.0", &["linux/amd64", "linux/arm64"]).await;
    let copy = "/projects/mirror/repositories/app/artifacts?from=multi/app:1.0";
    for _ in 0..2 {
        let (status, text) = send(&sim, Method::POST, copy, None).await;
        assert_eq!(status, StatusCode::CREATED, "AR22: {text}");
    }
    let base = "/projects/mirror/repositories/app/artifacts";
    let (items, total) = list(&sim, &format!("{base}?q=base%3D*")).await;
    assert_eq!((items.len(), total), (3, 3), "AR22: {:?}", digests(&items));
    let copied = get_json(&sim, &format!("{base}/1.0")).await;
    assert_eq!(copied["digest"], index["digest"], "AR22");
    assert_eq!(copied["size"], index["size"], "AR22");
    for (at, child) in children.iter().enumerate() {
        let there = get_json(&sim, &format!("{base}/{child}")).await;
        let reference = &copied["references"][at];
        assert_eq!(reference["child_id"], there["id"], "AR22");
        assert_eq!(reference["parent_id"], copied["id"], "AR22");
        assert_eq!(there["tags"], Value::Null, "AR22: untagged");
    }
    let (items, _) = list(&sim, base).await;
    assert_eq!(items.len(), 1, "AR22: the copied children are hidden too");
}

/// Pushes an index to `library/multi:<tag>` and marks its children scanned; their digests.
fn scanned_index(sim: &support::CheckedSim, tag: &str) -> Vec<String> {
    let digest = sim
        .handle()
        .push_image_index("library", "multi", tag, &["linux/amd64", "linux/arm64"])
        .expect("push");
    sim.handle().with_state(|s| {
        let id = *s
            .artifacts
            .iter()
            .find(|(_, a)| a.digest == digest)
            .expect("the index")
            .0;
        let children: Vec<(i64, String)> = s.artifacts[&id]
            .index
            .as_ref()
            .expect("an index")
            .references
            .iter()
            .map(|r| (r.child_id, r.child_digest.clone()))
            .collect();
        for (child, _) in &children {
            s.mark_scanned(*child).expect("scanned");
        }
        children.into_iter().map(|(_, d)| d).collect()
    })
}

/// The digests of an export of project 1 with `criteria` (it must succeed).
async fn exported_digests(sim: &support::CheckedSim, criteria: Value) -> Vec<String> {
    let (execution, rows) = export_rows(sim, criteria.clone()).await;
    let rows = rows.unwrap_or_else(|| panic!("SE15 {criteria}: {execution}"));
    let mut found: Vec<String> = rows
        .iter()
        .filter_map(|row| row.split(',').nth(1).map(str::to_owned))
        .collect();
    found.dedup();
    found
}

/// SE15: an index's children are exported when the index's tags match (or the index has
/// none), by their own digests; a `labels` criterion reads the index's labels.
#[tokio::test(start_paused = true)]
async fn se15_children_are_exported_through_the_index_tags() {
    let sim = support::start().await;
    let release = scanned_index(&sim, "1.0");
    let nightly = scanned_index(&sim, "nightly");
    let has = |found: &[String], digests: &[String]| digests.iter().all(|d| found.contains(d));
    let none = |found: &[String], digests: &[String]| !digests.iter().any(|d| found.contains(d));
    let found = exported_digests(&sim, json!({"repositories": "multi", "tags": "1.*"})).await;
    assert!(
        has(&found, &release) && none(&found, &nightly),
        "SE15: {found:?}"
    );
    let found = exported_digests(&sim, json!({"repositories": "multi", "tags": "night*"})).await;
    assert!(
        has(&found, &nightly) && none(&found, &release),
        "SE15: {found:?}"
    );
    let found = exported_digests(&sim, json!({"repositories": "multi"})).await;
    assert!(
        has(&found, &nightly) && has(&found, &release),
        "SE15: {found:?}"
    );
    // A label on the index carries its children.
    let labels = get_json(&sim, "/labels?scope=g").await;
    let label = labels[0]["id"].as_i64().expect("a demo label");
    let (status, text) = send(
        &sim,
        Method::POST,
        "/projects/library/repositories/multi/artifacts/1.0/labels",
        Some(json!({"id": label})),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let found = exported_digests(&sim, json!({"repositories": "multi", "labels": [label]})).await;
    assert!(
        has(&found, &release) && none(&found, &nightly),
        "SE15: {found:?}"
    );
}

/// Runs every job of `kind` started now to its end (the paused clock).
async fn run_to_end(kind: harbor_sim::JobKind) {
    let life = harbor_sim::Lifecycle::default_for(kind);
    tokio::time::advance(life.queued() + life.running()).await;
}

/// SN7, SN8: scanning an index scans its children (one execution of the index, a task per
/// child whose scan is not ongoing; all ongoing is 409); the index's `scan_overview` merges
/// its children's summaries once each has a report, its vulnerabilities addition their
/// reports.
#[tokio::test(start_paused = true)]
async fn sn7_sn8_scanning_an_index_scans_its_children() {
    use base64::Engine as _;
    let sim = support::start().await;
    let (index, children) = push_index(
        &sim,
        "library",
        "multi",
        "1.0",
        &["linux/amd64", "linux/arm64"],
    )
    .await;
    let base = "/projects/library/repositories/multi/artifacts";
    let overview = |reference: String| {
        let sim = &sim;
        async move {
            get_json(sim, &format!("{base}/{reference}?with_scan_overview=true")).await
                ["scan_overview"][REPORT]
                .clone()
        }
    };
    // The first child alone first: while it runs, the index has no report for the second.
    let (status, text) = send(
        &sim,
        Method::POST,
        &format!("{base}/{}/scan", children[0]),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED, "{text}");
    assert_eq!(
        overview("1.0".into()).await,
        Value::Null,
        "SN8: a child without report"
    );
    let scan = harbor_sim::Lifecycle::default_for(harbor_sim::JobKind::Scan);
    tokio::time::advance(scan.queued()).await;
    let (status, text) = send(&sim, Method::POST, &format!("{base}/1.0/scan"), None).await;
    assert_eq!(status, StatusCode::ACCEPTED, "SN7: {text}");
    let index_id = index["id"].as_i64().expect("an id");
    let (execution_tasks, child_scans) = sim.handle().with_state(|s| {
        let execution = s
            .executions
            .values()
            .rev()
            .find(|e| e.vendor_id == index_id)
            .expect("SN7: an execution of the index");
        let children: Vec<i64> = s.artifacts[&index_id]
            .index
            .as_ref()
            .expect("index")
            .references
            .iter()
            .map(|r| r.child_id)
            .collect();
        (
            execution.tasks.len(),
            children
                .iter()
                .map(|c| s.scan_tasks[c].0)
                .collect::<Vec<i64>>(),
        )
    });
    assert_eq!(execution_tasks, 1, "SN7: the running child is skipped");
    assert_ne!(child_scans[0], child_scans[1], "SN7");
    let running = overview("1.0".into()).await;
    assert_eq!(running["scan_status"], "Running", "SN8: {running}");
    assert_eq!(
        (running.get("severity"), running.get("summary")),
        (None, None),
        "SN8: no severity or summary yet, which omitempty leaves out"
    );
    // Both running: nothing to start.
    let (status, text) = send(&sim, Method::POST, &format!("{base}/1.0/scan"), None).await;
    assert_eq!(status, StatusCode::CONFLICT, "SN7: {text}");
    run_to_end(harbor_sim::JobKind::Scan).await;
    let merged = overview("1.0".into()).await;
    let one = overview(children[0].clone()).await;
    assert_eq!(merged["scan_status"], "Success", "SN8: {merged}");
    assert_eq!(merged["complete_percent"], 100, "SN8");
    // The children of one repository have the same findings: the union is one child's.
    assert_eq!(merged["summary"], one["summary"], "SN8");
    assert_eq!(merged["severity"], one["severity"], "SN8");
    let two = overview(children[1].clone()).await;
    let ids = base64::engine::general_purpose::STANDARD
        .decode(merged["report_id"].as_str().expect("an id"))
        .expect("base64");
    let want = format!(
        "{}|{}",
        one["report_id"].as_str().unwrap_or(""),
        two["report_id"].as_str().unwrap_or("")
    );
    assert_eq!(
        String::from_utf8_lossy(&ids),
        want,
        "SN8: the merged report id"
    );
    let report = get_json(&sim, &format!("{base}/1.0/additions/vulnerabilities")).await;
    let found = report[REPORT]["vulnerabilities"]
        .as_array()
        .expect("findings");
    assert_eq!(
        found.len() as u64,
        one["summary"]["total"].as_u64().unwrap_or(0),
        "SN8"
    );
    assert!(
        found
            .iter()
            .all(|v| v["artifact_digests"] == json!([children[0], children[1]])),
        "SN8: each finding names both children: {report}"
    );
}

/// AR23, AR24: the addition links (build history for an image only; vulnerabilities and an
/// SBOM link without a digest for whatever the project's scanner can scan), and the
/// additions an artifact's processor refuses.
#[tokio::test]
async fn ar23_ar24_addition_links_and_refused_additions() {
    let sim = support::start().await;
    let (index, _) = push_index(&sim, "library", "multi", "1.0", &["linux/amd64"]).await;
    let image = get_json(
        &sim,
        "/projects/library/repositories/nginx/artifacts/latest",
    )
    .await;
    let href = |repository: &str, digest: &Value, addition: &str| {
        json!({"absolute": false, "href": format!(
            "/api/v2.0/projects/library/repositories/{repository}/artifacts/{}/additions/{addition}",
            digest.as_str().unwrap_or_default()
        )})
    };
    assert_eq!(
        image["addition_links"],
        json!({
            "build_history": href("nginx", &image["digest"], "build_history"),
            "vulnerabilities": href("nginx", &image["digest"], "vulnerabilities"),
            "sboms": href("nginx", &json!(""), "sbom"),
        }),
        "AR23"
    );
    assert_eq!(
        index["addition_links"],
        json!({
            "vulnerabilities": href("multi", &index["digest"], "vulnerabilities"),
            "sboms": href("multi", &json!(""), "sbom"),
        }),
        "AR23"
    );
    // Without a scanner, only the build history.
    create_project(&sim, "noscan").await;
    sim.handle().with_state(|s| s.scanners.clear());
    sim.handle()
        .push_image("noscan", "app", "v1")
        .expect("push");
    let bare = get_json(&sim, "/projects/noscan/repositories/app/artifacts/v1").await;
    assert_eq!(
        bare["addition_links"]
            .as_object()
            .map(|l| l.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["build_history".to_owned()]),
        "AR23: {bare}"
    );
    let additions = |reference: &str, repository: &str| {
        format!("/projects/library/repositories/{repository}/artifacts/{reference}/additions")
    };
    run(
        &sim,
        vec![
            case(
                "AR24",
                Method::GET,
                &format!("{}/values.yaml", additions("latest", "nginx")),
                None,
            )
            .refused(
                BAD,
                "addition VALUES.YAML isn't supported for IMAGE(manifest version 2)",
            ),
            case(
                "AR24",
                Method::GET,
                &format!("{}/sbom", additions("latest", "nginx")),
                None,
            )
            .refused(
                BAD,
                "addition SBOM isn't supported for IMAGE(manifest version 2)",
            ),
            case(
                "AR24",
                Method::GET,
                &format!("{}/build_history", additions("1.0", "multi")),
                None,
            )
            .refused(BAD, "addition BUILD_HISTORY isn't supported"),
            case(
                "AR24",
                Method::GET,
                &format!("{}/build_history", additions("latest", "nginx")),
                None,
            )
            .answers(StatusCode::OK),
        ],
    )
    .await;
}

/// `img` as PNG bytes.
fn png_of(img: image::DynamicImage) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png)
        .expect("encodes");
    out.into_inner()
}

/// `GET /icons/{digest}` anonymously: the status and, on 200, the decoded thumbnail.
async fn icon(
    sim: &support::CheckedSim,
    digest: &str,
) -> (StatusCode, Option<image::DynamicImage>) {
    use base64::Engine as _;
    let response = reqwest::Client::new()
        .get(format!("{}/icons/{digest}", sim.api_url()))
        .send()
        .await
        .expect("the simulator answers");
    let status = response.status();
    if status != StatusCode::OK {
        return (status, None);
    }
    let body: Value = response.json().await.expect("JSON");
    assert_eq!(body["content-type"], "image/png", "IC4");
    let png = base64::engine::general_purpose::STANDARD
        .decode(body["content"].as_str().expect("content"))
        .expect("base64");
    let decoded =
        image::load_from_memory_with_format(&png, image::ImageFormat::Png).expect("a PNG");
    (status, Some(decoded))
}

/// IC4: an artifact's own icon (a layer annotated as one) is its `icon`, and `GET /icons`
/// answers it decoded, thumbnailed to at most 50x50 (aspect ratio kept, a smaller icon as
/// it is) and PNG-encoded; the push of an icon that is no GIF, PNG or JPEG is refused; an
/// icon no artifact has is 404; one Go cannot decode is Harbor's 500.
#[tokio::test]
async fn ic4_an_artifacts_own_icon() {
    let sim = support::start().await;
    let (red, blue) = (
        image::Rgba([220, 20, 20, 255]),
        image::Rgba([20, 20, 220, 255]),
    );
    let wide = image::RgbaImage::from_fn(100, 60, |x, _| if x < 50 { red } else { blue });
    let bytes = png_of(image::DynamicImage::ImageRgba8(wide));
    sim.handle()
        .push_image_with_icon("library", "iconic", "v1", &bytes)
        .expect("push");
    let artifact = get_json(&sim, "/projects/library/repositories/iconic/artifacts/v1").await;
    let digest = artifact["icon"].as_str().expect("an icon").to_owned();
    let (status, thumbnail) = icon(&sim, &digest).await;
    assert_eq!(status, StatusCode::OK, "IC4");
    let thumbnail = thumbnail.expect("a thumbnail");
    assert_eq!((thumbnail.width(), thumbnail.height()), (50, 30), "IC4");
    let rgb = thumbnail.to_rgb8();
    assert_eq!(rgb.get_pixel(5, 5).0, [220, 20, 20], "IC4");
    assert_eq!(rgb.get_pixel(45, 25).0, [20, 20, 220], "IC4");
    assert!(
        matches!(thumbnail, image::DynamicImage::ImageRgb8(_)),
        "IC4: opaque, no alpha"
    );
    // A small grey icon is answered at its size, grey.
    let small = image::GrayImage::from_pixel(20, 10, image::Luma([77]));
    sim.handle()
        .push_image_with_icon("library", "iconic", "small", &png_of(small.into()))
        .expect("push");
    let small = get_json(
        &sim,
        "/projects/library/repositories/iconic/artifacts/small",
    )
    .await;
    let (_, thumbnail) = icon(&sim, small["icon"].as_str().expect("an icon")).await;
    let thumbnail = thumbnail.expect("a thumbnail");
    assert_eq!((thumbnail.width(), thumbnail.height()), (20, 10), "IC4");
    assert!(
        matches!(thumbnail, image::DynamicImage::ImageLuma8(_)),
        "IC4: grey stays grey"
    );
    // Not an image: the push is refused.
    let refused = sim
        .handle()
        .push_image_with_icon("library", "iconic", "text", b"an icon, honest")
        .expect_err("refused");
    assert_eq!(
        (refused.status.as_u16(), refused.message.as_str()),
        (400, "unsupported content type: text/plain; charset=utf-8"),
        "IC4"
    );
    // Sniffed as a PNG, not one: Harbor's decoder fails, a 500.
    sim.handle()
        .push_image_with_icon("library", "iconic", "broken", b"\x89PNG\r\n\x1a\nbroken")
        .expect("push");
    let broken = get_json(
        &sim,
        "/projects/library/repositories/iconic/artifacts/broken",
    )
    .await;
    let (status, _) = icon(&sim, broken["icon"].as_str().expect("an icon")).await;
    assert_eq!(status, StatusCode::INTERNAL_SERVER_ERROR, "IC4");
    // Once no artifact carries it, the icon is gone.
    let (status, text) = send(
        &sim,
        Method::DELETE,
        "/projects/library/repositories/iconic/artifacts/v1",
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{text}");
    let (status, _) = icon(&sim, &digest).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "IC4");
}
