//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for the handler files reached after
//! `handler_checks_2.rs` grew long: `schedule.go`, `artifact.go`, `scan.go`, `scan_all.go`. Each case is named by its row's id.

use reqwest::{Method, StatusCode};
use serde_json::json;

mod support;

use support::checks::{BAD, case, get_json, run};

const NOT_FOUND: StatusCode = StatusCode::NOT_FOUND;
const CONFLICT: StatusCode = StatusCode::CONFLICT;

#[tokio::test]
async fn schedule_checks() {
    use Method as M;
    let sim = support::start().await;
    run(
        &sim,
        vec![
            case("SCH1", M::GET, "/schedules/gc/paused", None)
                .refused(BAD, "job_type can only be 'all'"),
            case("SCH1", M::GET, "/schedules/ALL/paused", None),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/schedules/all/paused").await,
        json!({"paused": false}),
        "SCH2"
    );
    run(
        &sim,
        vec![case(
            "SCH2",
            M::PUT,
            "/jobservice/queues/scheduler",
            Some(json!({"action": "pause"})),
        )],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/schedules/all/paused").await,
        json!({"paused": true}),
        "SCH2: the SCHEDULER queue's state"
    );
}

/// The id of the artifact `path` names.
async fn artifact_id(sim: &support::CheckedSim, path: &str) -> i64 {
    get_json(sim, path).await["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("{path} is an artifact"))
}

#[tokio::test]
async fn artifact_checks() {
    use Method as M;
    let sim = support::start().await;
    let nginx = "/projects/library/repositories/nginx/artifacts";
    let zeros = format!("sha256:{}", "0".repeat(64));
    let latest = artifact_id(&sim, &format!("{nginx}/latest")).await;
    let tagged = artifact_id(&sim, &format!("{nginx}/1.27?with_label=true")).await;
    let labels = get_json(&sim, "/labels?scope=g").await;
    let stable = labels[0]["id"].as_i64().expect("the demo's global label");
    let qa = get_json(&sim, "/labels?scope=p&project_id=2").await[0]["id"]
        .as_i64()
        .expect("the demo's project label");
    run(
        &sim,
        vec![
            case("AR1", M::GET, &format!("{nginx}/nope"), None)
                .refused(NOT_FOUND, "artifact library/nginx:nope not found"),
            case("AR1", M::GET, &format!("{nginx}/{zeros}"), None).refused(
                NOT_FOUND,
                format!("artifact library/nginx@{zeros} not found"),
            ),
            case("AR1", M::GET, &format!("{nginx}/sha256:abc"), None)
                .refused(NOT_FOUND, "artifact library/nginx:sha256:abc not found"),
            case(
                "AR1",
                M::GET,
                "/projects/library/repositories/gone/artifacts/1.0",
                None,
            )
            .refused(NOT_FOUND, "repository library/gone not found"),
            case(
                "AR1",
                M::DELETE,
                &format!("/projects/library/repositories/gone/artifacts/{zeros}"),
                None,
            )
            .refused(
                NOT_FOUND,
                format!("artifact library/gone@{zeros} not found"),
            ),
            case(
                "AR2",
                M::POST,
                &format!("{nginx}/latest/labels"),
                Some(json!({"id": 999})),
            )
            .refused(NOT_FOUND, "label 999 not found"),
            case(
                "AR2",
                M::POST,
                &format!("{nginx}/latest/labels"),
                Some(json!({})),
            )
            .refused(NOT_FOUND, "label 0 not found"),
            case(
                "AR2",
                M::POST,
                &format!("{nginx}/latest/labels"),
                Some(json!({"id": qa})),
            )
            .refused(NOT_FOUND, format!("project id 1, label {qa} not found")),
            case(
                "AR2",
                M::POST,
                &format!("{nginx}/1.27/labels"),
                Some(json!({"id": stable})),
            )
            .refused(
                CONFLICT,
                format!("label {stable} is already added to the artifact {tagged}"),
            ),
            case(
                "AR3",
                M::DELETE,
                &format!("{nginx}/latest/labels/{stable}"),
                None,
            )
            .refused(
                NOT_FOUND,
                format!("reference with label {stable} and artifact {latest} not found"),
            ),
            case("AR5", M::DELETE, &format!("{nginx}/1.27"), None).refused(
                StatusCode::PRECONDITION_FAILED,
                "the tag 1.27 configured as immutable, cannot be deleted",
            ),
            case(
                "AR6",
                M::GET,
                "/projects/library/repositories/gone/artifacts",
                None,
            ),
            case(
                "AR4",
                M::POST,
                "/projects/demo/repositories/copy/artifacts?from=Bad%20Name:1",
                None,
            )
            .refused(BAD, "invalid input: Bad Name:1"),
            case(
                "AR4",
                M::POST,
                "/projects/demo/repositories/copy/artifacts?from=library/nginx@sha256:abc",
                None,
            )
            .refused(BAD, "invalid input: library/nginx@sha256:abc"),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/projects/library/repositories/gone/artifacts").await,
        json!([]),
        "AR6: a missing repository lists no artifact"
    );
    // AR4: a copy takes every tag of the source; a second copy is no conflict; the Location
    // ends with the reference as sent.
    let digest = get_json(&sim, &format!("{nginx}/1.27")).await["digest"]
        .as_str()
        .expect("a digest")
        .to_owned();
    for _ in 0..2 {
        let (status, location, text) = support::send_as(
            &sim,
            ("admin", "Harbor12345"),
            M::POST,
            &format!("/projects/demo/repositories/copy/artifacts?from=library/nginx@{digest}"),
            None,
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "AR4: {text}");
        assert!(
            location
                .as_deref()
                .is_some_and(|l| l.ends_with(&format!("/{digest}"))),
            "AR4: {location:?}"
        );
    }
    let copied = get_json(
        &sim,
        &format!("/projects/demo/repositories/copy/artifacts/{digest}"),
    )
    .await;
    let tags: Vec<&str> = copied["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(tags, ["1.27"], "AR4: the source's tags, copied by digest");
    assert_eq!(
        get_json(&sim, "/projects/demo/repositories/copy/artifacts")
            .await
            .as_array()
            .map(Vec::len),
        Some(1),
        "AR4: one artifact"
    );
}

#[tokio::test]
async fn scan_checks() {
    use Method as M;
    let sim = support::start().await;
    sim.handle()
        .push_image("demo", "fresh", "1.0")
        .expect("pushed");
    sim.handle()
        .with_state(|s| s.reachability.allow("s1.example.com"));
    let (status, location, text) = support::send_as(
        &sim,
        ("admin", "Harbor12345"),
        M::POST,
        "/scanners",
        Some(json!({"name": "s1", "url": "http://s1.example.com"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let s1 = location
        .and_then(|l| l.rsplit('/').next().map(str::to_owned))
        .expect("a Location");
    let fresh = "/projects/demo/repositories/fresh/artifacts/1.0";
    let digest = get_json(&sim, fresh).await["digest"]
        .as_str()
        .expect("a digest")
        .to_owned();
    run(
        &sim,
        vec![
            case(
                "SN2",
                M::POST,
                &format!("{fresh}/scan/stop"),
                Some(json!({"scan_type": "vulnerability"})),
            )
            .refused(BAD, format!("no scan job for artifact digest={digest}")),
            case(
                "SN1",
                M::PUT,
                "/projects/demo/scanner",
                Some(json!({"uuid": s1})),
            ),
            case(
                "SN1",
                M::PUT,
                &format!("/scanners/{s1}"),
                Some(json!({"name": "s1", "url": "http://s1.example.com", "disabled": true})),
            ),
            case("SN1", M::POST, &format!("{fresh}/scan"), None)
                .refused(StatusCode::PRECONDITION_FAILED, "scanner s1 is deactivated"),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_scan_without_any_scanner_is_refused() {
    let sim =
        support::start_checked(harbor_sim::Simulator::builder(), "scan_without_scanner").await;
    let (status, location, text) = support::send_as(
        &sim,
        ("admin", "Harbor12345"),
        Method::POST,
        "/projects",
        Some(json!({"project_name": "p"})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    let project = location
        .and_then(|l| l.rsplit('/').next().map(str::to_owned))
        .expect("a Location");
    sim.handle().push_image("p", "r", "1").expect("pushed");
    run(
        &sim,
        vec![
            case(
                "SN1",
                Method::POST,
                "/projects/p/repositories/r/artifacts/1/scan",
                None,
            )
            .refused(
                StatusCode::PRECONDITION_FAILED,
                format!("no available scanner for project: {project}"),
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn scan_all_checks() {
    use Method as M;
    let sim = support::start().await;
    let schedule = "/system/scanAll/schedule";
    let body = |kind: &str, cron: &str| json!({"schedule": {"type": kind, "cron": cron}});
    assert_eq!(
        get_json(&sim, "/scans/schedule/metrics").await,
        json!({"total": 0, "completed": 0, "ongoing": false}),
        "SAL8: no scheduled run yet"
    );
    let before = get_json(&sim, "/system/scanAll/schedule").await["schedule"].clone();
    assert!(before.is_object(), "the demo has a scan-all schedule");
    run(
        &sim,
        vec![
            case("SAL7", M::PUT, schedule, Some(body("Custom", "0 0 * * *"))).refused(
                BAD,
                "invalid cron string for scheduled scan all: 0 0 * * *, error: expected exactly 6 fields, found 5: [0 0 * * *]",
            ),
            // A zone prefix without a space: robfig's parser panics.
            case("SAL7", M::PUT, schedule, Some(body("Custom", "TZ=UTC")))
                .panics(r#"runtime error: slice bounds out of range [:-1] (cron "TZ=UTC")"#),
            // `req.Schedule.Type` of a nil `schedule`.
            case("SAL10", M::PUT, schedule, Some(json!({})))
                .panics("runtime error: invalid memory address or nil pointer dereference: params.Schedule.Schedule.Type"),
            case("SAL10", M::POST, schedule, Some(json!({"schedule": null})))
                .panics("runtime error: invalid memory address or nil pointer dereference: params.Schedule.Schedule.Type"),
            case("SAL5", M::PUT, schedule, Some(body("Manual", ""))).refused(
                BAD,
                "fail to update scan all schedule as wrong schedule type: Manual",
            ),
            // A schedule exists: a create is refused before its cron is read.
            case("SAL3", M::POST, schedule, Some(body("Weekly", "0 0 * * *"))).refused(
                StatusCode::PRECONDITION_FAILED,
                "fail to set schedule for scan all as always had one, please delete it firstly then to re-schedule",
            ),
            case("SAL4", M::POST, schedule, Some(body("None", ""))).answers(StatusCode::CREATED),
            case("SAL2", M::POST, schedule, Some(body("Manual", ""))).answers(StatusCode::CREATED),
            case("SAL2", M::POST, schedule, Some(body("Manual", ""))).refused(
                CONFLICT,
                "a previous scan all job aleady exits, its status is Running",
            ),
        ],
    )
    .await;
    assert_eq!(
        get_json(&sim, "/system/scanAll/schedule").await["schedule"],
        before,
        "SAL4: a create of type None leaves the schedule"
    );
}

#[tokio::test]
async fn scan_all_needs_a_default_scanner() {
    use Method as M;
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "scan_all_no_scanner").await;
    let refused = "no scanner is configured, it's not possible to scan";
    run(
        &sim,
        vec![
            case("SAL1", M::GET, "/scans/all/metrics", None)
                .refused(StatusCode::PRECONDITION_FAILED, refused),
            case("SAL1", M::POST, "/system/scanAll/stop", None)
                .refused(StatusCode::PRECONDITION_FAILED, refused),
            // Before the body's missing `schedule` (SAL10).
            case("SAL1", M::POST, "/system/scanAll/schedule", Some(json!({})))
                .refused(StatusCode::PRECONDITION_FAILED, refused),
        ],
    )
    .await;
}

#[tokio::test]
async fn stopping_scan_all_needs_a_run() {
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "scan_all_stop").await;
    sim.handle()
        .with_state(|s| s.register_builtin_scanner("http://trivy-adapter:8080"));
    run(
        &sim,
        vec![
            case("SAL6", Method::POST, "/system/scanAll/stop", None)
                .refused(BAD, "no scan all job is found currently"),
        ],
    )
    .await;
}
