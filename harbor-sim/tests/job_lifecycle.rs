//! Every job kind lives by its lifecycle on tokio's paused clock (issue 23): each test starts
//! a job through Harbor's API, as a client would, and reads it back through Harbor's API at
//! chosen instants: queued (`Pending` where the API shows tasks; an execution reads
//! `Running`, as Harbor's `refreshStatus` makes it), `Running`, then its outcome. Every
//! answer is also checked against Harbor's spec when the test ends ([`support::CheckedSim`]).

mod support;

use std::time::Duration;

use harbor_sim::{JobKind, Lifecycle, Simulator};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use support::{CheckedSim, start_checked};
use tokio::time::Instant;

const ADMIN: (&str, &str) = ("admin", "Harbor12345");
const QUEUED: Duration = Duration::from_secs(10);
const RUNNING: Duration = Duration::from_secs(20);
const REPORT_MIME: &str = "application/vnd.security.vulnerability.report; version=1.1";

fn lifecycle() -> Lifecycle {
    Lifecycle::new(QUEUED, RUNNING)
}

/// A checked simulator with the demo data, `kind` living by `lifecycle`; the instant it
/// started.
async fn sim_with(kind: JobKind, lifecycle: Lifecycle, test: &str) -> (CheckedSim, Instant) {
    let builder = Simulator::builder()
        .seed_demo(true)
        .job_lifecycle(kind, lifecycle);
    let sim = start_checked(builder, test).await;
    (sim, Instant::now())
}

/// Moves the paused clock to `secs` after `start`.
async fn at(start: Instant, secs: f64) {
    let target = start + Duration::from_secs_f64(secs);
    let now = Instant::now();
    assert!(target >= now, "the clock only moves forward");
    tokio::time::advance(target - now).await;
}

/// An answer: status, `Location`, `Content-Type`, body (JSON, or the text as a JSON string).
struct Answer {
    status: StatusCode,
    location: Option<String>,
    content_type: Option<String>,
    body: Value,
}

async fn call_with(
    sim: &CheckedSim,
    method: Method,
    url: &str,
    body: Option<Value>,
    header: Option<(&str, &str)>,
) -> Answer {
    let mut request = reqwest::Client::new()
        .request(method, url)
        .basic_auth(ADMIN.0, Some(ADMIN.1));
    if let Some(body) = body {
        request = request.json(&body);
    }
    if let Some((name, value)) = header {
        request = request.header(name, value);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let (location, content_type) = (
        support::header_text(&response, reqwest::header::LOCATION),
        support::header_text(&response, reqwest::header::CONTENT_TYPE),
    );
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    let _ = sim;
    Answer {
        status,
        location,
        content_type,
        body,
    }
}

async fn call(sim: &CheckedSim, method: Method, path: &str, body: Option<Value>) -> Answer {
    call_with(sim, method, &format!("{}{path}", sim.api_url()), body, None).await
}

async fn get(sim: &CheckedSim, path: &str) -> Value {
    let answer = call(sim, Method::GET, path, None).await;
    assert_eq!(answer.status, StatusCode::OK, "GET {path}: {}", answer.body);
    answer.body
}

/// The id at the end of a `Location`.
fn location_id(answer: &Answer) -> i64 {
    let location = answer.location.as_deref().expect("a Location");
    location.rsplit('/').next().unwrap().parse().expect("an id")
}

/// Starts a manual GC run as a client would (`201 Created`); its id, from the `Location`.
async fn start_gc(sim: &CheckedSim) -> i64 {
    start_gc_with(sim, json!({})).await
}

/// As [`start_gc`], with the run's `parameters`.
async fn start_gc_with(sim: &CheckedSim, parameters: Value) -> i64 {
    let started = call(
        sim,
        Method::POST,
        "/system/gc/schedule",
        Some(json!({"schedule": {"type": "Manual"}, "parameters": parameters})),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    location_id(&started)
}

/// The job service's queue of `job_type`.
async fn queue(sim: &CheckedSim, job_type: &str) -> Value {
    let queues = get(sim, "/jobservice/queues").await;
    queues
        .as_array()
        .unwrap()
        .iter()
        .find(|q| q["job_type"] == job_type)
        .cloned()
        .expect("the job type has a queue")
}

/// How many jobs of `job_type` wait in the job service's queue (go-swagger leaves out a zero
/// count).
async fn queued(sim: &CheckedSim, job_type: &str) -> i64 {
    queue(sim, job_type)
        .await
        .get("count")
        .map_or(0, |count| count.as_i64().expect("an integer count"))
}

const ZERO_TIME: &str = "0001-01-01T00:00:00.000Z";

/// `action` on the queue of `job_type` (`PUT /jobservice/queues/{job_type}`).
async fn act_on_queue(sim: &CheckedSim, job_type: &str, action: &str) {
    let path = format!("/jobservice/queues/{job_type}");
    let answer = call(sim, Method::PUT, &path, Some(json!({"action": action}))).await;
    assert_eq!(answer.status, StatusCode::OK, "{action}: {}", answer.body);
}

#[tokio::test(start_paused = true)]
async fn a_paused_queue_holds_its_jobs_and_stop_ends_them() {
    // The steps of Harbor's own `test_job_service_dashboard.py` (`testJobQueues`).
    let (sim, start) = sim_with(JobKind::GarbageCollection, lifecycle(), "queues").await;
    act_on_queue(&sim, "garbage_collection", "pause").await;
    let held = start_gc(&sim).await;
    at(start, 12.0).await;
    assert_eq!(
        queue(&sim, "GARBAGE_COLLECTION").await,
        json!({"job_type": "GARBAGE_COLLECTION", "count": 1, "latency": 12, "paused": true}),
        "past its queued time, still waiting"
    );
    assert_eq!(
        get(&sim, &format!("/system/gc/{held}")).await["job_status"],
        "Running",
        "an execution whose task is pending reads Running"
    );

    act_on_queue(&sim, "GARBAGE_COLLECTION", "resume").await;
    at(start, 22.0).await;
    assert_eq!(
        queue(&sim, "GARBAGE_COLLECTION").await,
        json!({"job_type": "GARBAGE_COLLECTION", "paused": false}),
        "out of the queue once its queued time has passed again"
    );
    at(start, 60.0).await;
    assert_eq!(
        get(&sim, &format!("/system/gc/{held}")).await["job_status"],
        "Success"
    );

    act_on_queue(&sim, "GARBAGE_COLLECTION", "pause").await;
    let stopped = start_gc(&sim).await;
    at(start, 62.0).await;
    assert_eq!(queued(&sim, "GARBAGE_COLLECTION").await, 1);
    act_on_queue(&sim, "all", "stop").await;
    assert_eq!(queued(&sim, "GARBAGE_COLLECTION").await, 0);
    assert_eq!(
        get(&sim, &format!("/system/gc/{stopped}")).await["job_status"],
        "Stopped"
    );
    act_on_queue(&sim, "all", "resume").await;
    assert_eq!(queue(&sim, "GARBAGE_COLLECTION").await["paused"], false);
}

#[tokio::test(start_paused = true)]
async fn gc_is_queued_then_runs_then_succeeds() {
    let (sim, start) = sim_with(JobKind::GarbageCollection, lifecycle(), "gc").await;
    let id = start_gc(&sim).await;
    let run = format!("/system/gc/{id}");
    let log = format!("{run}/log");
    // Queued: Harbor's execution reads `Running` while its task is `Pending`; the task has
    // not run, so the job service has no log for it yet (404) and its job waits in the
    // queue.
    let queued_run = get(&sim, &run).await;
    assert_eq!(queued_run["job_status"], "Running");
    let no_log = call(&sim, Method::GET, &log, None).await;
    assert_eq!(no_log.status, StatusCode::NOT_FOUND);
    assert!(
        no_log.body.to_string().contains("object is not found"),
        "{}",
        no_log.body
    );
    assert_eq!(queued(&sim, "GARBAGE_COLLECTION").await, 1);
    at(start, 9.999).await;
    assert_eq!(
        call(&sim, Method::GET, &log, None).await.status,
        StatusCode::NOT_FOUND
    );
    at(start, 10.0).await;
    let running = get(&sim, &run).await;
    assert_eq!(running["job_status"], "Running");
    // The task's change reaches the execution at the 30-second status refresh, not before.
    assert_eq!(running["update_time"], queued_run["update_time"]);
    assert!(
        get(&sim, &log)
            .await
            .as_str()
            .unwrap()
            .contains("start to run gc")
    );
    assert_eq!(queued(&sim, "GARBAGE_COLLECTION").await, 0);
    at(start, 29.999).await;
    assert_eq!(get(&sim, &run).await["job_status"], "Running");
    at(start, 30.0).await;
    let done = get(&sim, &run).await;
    assert_eq!(done["job_status"], "Success");
    assert!(
        get(&sim, &log)
            .await
            .as_str()
            .unwrap()
            .ends_with("' exit with success\n")
    );
    let history = get(&sim, "/system/gc").await;
    assert_eq!(history[0]["id"], id);
    assert_eq!(history[0]["job_status"], "Success");
}

const ALPINE: &str = "/projects/library/repositories/alpine/artifacts";
const NGINX: &str = "/projects/library/repositories/nginx/artifacts";

/// Deletes the demo's tag `library/alpine:3.20`; the digest of the artifact it leaves
/// untagged.
async fn untag_alpine(sim: &CheckedSim) -> String {
    let artifact = get(sim, &format!("{ALPINE}/3.20")).await;
    let untag = call(
        sim,
        Method::DELETE,
        &format!("{ALPINE}/3.20/tags/3.20"),
        None,
    )
    .await;
    assert_eq!(untag.status, StatusCode::OK, "{}", untag.body);
    artifact["digest"].as_str().expect("a digest").to_owned()
}

/// Whether `library/alpine@<digest>` is there.
async fn alpine_has(sim: &CheckedSim, digest: &str) -> bool {
    let answer = call(sim, Method::GET, &format!("{ALPINE}/{digest}"), None).await;
    match answer.status {
        StatusCode::OK => true,
        StatusCode::NOT_FOUND => false,
        other => panic!("GET {digest}: {other} {}", answer.body),
    }
}

/// A checked simulator whose `library/alpine:3.20` has lost its tag, and a GC run started
/// with `delete_untagged`: the simulator, when it started, the untagged digest, the run's
/// path.
async fn gc_of_untagged_alpine(test: &str) -> (CheckedSim, Instant, String, String) {
    let (sim, start) = sim_with(JobKind::GarbageCollection, lifecycle(), test).await;
    let untagged = untag_alpine(&sim).await;
    let id = start_gc_with(&sim, json!({"delete_untagged": true})).await;
    (sim, start, untagged, format!("/system/gc/{id}"))
}

#[tokio::test(start_paused = true)]
async fn a_gc_deletes_untagged_artifacts_when_it_runs_not_when_it_is_triggered() {
    let (sim, start, untagged, run) = gc_of_untagged_alpine("gc-work").await;
    at(start, 9.999).await;
    assert!(
        alpine_has(&sim, &untagged).await,
        "queued: the job has not run, so nothing is deleted yet"
    );
    let queued_run = get(&sim, &run).await;
    assert!(
        !queued_run["job_parameters"]
            .as_str()
            .unwrap()
            .contains("freed_space"),
        "nothing checked in before the job runs: {queued_run}"
    );
    at(start, 10.0).await;
    assert!(
        !alpine_has(&sim, &untagged).await,
        "the job has started: it deleted the untagged artifact"
    );
    let log = get(&sim, &format!("{run}/log")).await;
    assert!(
        log.as_str()
            .unwrap()
            .contains(&format!("Digest:({untagged})")),
        "{log}"
    );
    assert!(
        get(&sim, &run).await["job_parameters"]
            .as_str()
            .unwrap()
            .contains("freed_space")
    );
}

#[tokio::test(start_paused = true)]
async fn a_gc_stopped_while_queued_deletes_nothing() {
    let (sim, start, untagged, run) = gc_of_untagged_alpine("gc-stop").await;
    at(start, 5.0).await;
    let stop = call(&sim, Method::PUT, &run, None).await;
    assert_eq!(stop.status, StatusCode::OK, "{}", stop.body);
    at(start, 100.0).await;
    assert_eq!(get(&sim, &run).await["job_status"], "Stopped");
    assert!(
        alpine_has(&sim, &untagged).await,
        "a job that never ran deletes nothing"
    );
    assert_eq!(
        call(&sim, Method::GET, &format!("{run}/log"), None)
            .await
            .status,
        StatusCode::NOT_FOUND,
        "and wrote no log"
    );
}

#[tokio::test(start_paused = true)]
async fn a_retention_run_deletes_and_counts_when_its_task_runs() {
    let (sim, start) = sim_with(JobKind::Retention, lifecycle(), "retention-work").await;
    let policy = library_retention(&sim).await;
    let mut body = get(&sim, &format!("/retentions/{policy}")).await;
    // Retain nothing: every artifact goes but `nginx:1.27`, whose tag is immutable.
    body["rules"][0]["params"] = json!({"latestPushedK": 0});
    let update = call(
        &sim,
        Method::PUT,
        &format!("/retentions/{policy}"),
        Some(body),
    )
    .await;
    assert_eq!(update.status, StatusCode::OK, "{}", update.body);
    let run = start_retention(&sim, policy, false).await;
    let tasks = format!("/retentions/{policy}/executions/{run}/tasks");
    let nginx_task = |tasks: Value| {
        let task = tasks
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["repository"] == "library/nginx")
            .cloned()
            .expect("a task for library/nginx");
        (task["total"].clone(), task["retained"].clone())
    };
    at(start, 9.999).await;
    assert_eq!(get(&sim, NGINX).await.as_array().unwrap().len(), 2);
    assert_eq!(
        nginx_task(get(&sim, &tasks).await),
        (json!(0), json!(0)),
        "no figures before the job checks them in"
    );
    at(start, 10.0).await;
    assert_eq!(
        get(&sim, NGINX).await.as_array().unwrap().len(),
        1,
        "the job ran: it deleted `latest` and kept the immutable `1.27`"
    );
    assert_eq!(nginx_task(get(&sim, &tasks).await), (json!(2), json!(1)));
}

/// `library/alpine:3.20` with its SBOM overview.
async fn alpine_with_sbom(sim: &CheckedSim) -> Value {
    get(sim, &format!("{ALPINE}/3.20?with_sbom_overview=true")).await
}

/// Asks for an SBOM of `library/alpine:3.20`.
async fn generate_alpine_sbom(sim: &CheckedSim) {
    let path = format!("{ALPINE}/3.20/scan");
    let answer = call(sim, Method::POST, &path, Some(json!({"scan_type": "sbom"}))).await;
    assert_eq!(answer.status, StatusCode::ACCEPTED, "{}", answer.body);
}

#[tokio::test(start_paused = true)]
async fn an_sbom_is_pushed_as_an_accessory_when_its_generation_succeeds() {
    let (sim, start) = sim_with(JobKind::Scan, lifecycle(), "sbom").await;
    assert!(
        alpine_with_sbom(&sim).await.get("sbom_overview").is_none(),
        "the demo's images have vulnerability reports, no SBOM"
    );
    generate_alpine_sbom(&sim).await;
    let accessories = format!("{ALPINE}/3.20/accessories");
    at(start, 29.999).await;
    let running = alpine_with_sbom(&sim).await;
    assert_eq!(running["sbom_overview"]["scan_status"], "Running");
    assert!(running["sbom_overview"].get("sbom_digest").is_none());
    assert_eq!(get(&sim, &accessories).await, json!([]));

    at(start, 30.0).await;
    let done = alpine_with_sbom(&sim).await;
    assert_eq!(done["sbom_overview"]["scan_status"], "Success");
    let sbom = done["sbom_overview"]["sbom_digest"]
        .as_str()
        .expect("the pushed SBOM's digest")
        .to_owned();
    let listed = get(&sim, &accessories).await;
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(
        (listed[0]["type"].clone(), listed[0]["digest"].clone()),
        (json!("sbom.harbor"), json!(sbom))
    );
    let sbom_artifact = get(&sim, &format!("{ALPINE}/{sbom}")).await;
    assert_eq!(sbom_artifact["type"], "SBOM");
    // The `sboms` link leads to the SBOM's document.
    let href = done["addition_links"]["sboms"]["href"].as_str().unwrap();
    assert_eq!(href, format!("/api/v2.0{ALPINE}/{sbom}/additions/sbom"));
    let document = call(
        &sim,
        Method::GET,
        href.trim_start_matches("/api/v2.0"),
        None,
    )
    .await;
    assert_eq!(document.status, StatusCode::OK);
    assert_eq!(
        document.content_type.as_deref(),
        Some("application/vnd.goharbor.harbor.sbom.v1")
    );
    assert_eq!(document.body["spdxVersion"], "SPDX-2.3");
    assert_eq!(
        document.body["name"],
        format!("library/alpine@{}", done["digest"].as_str().unwrap())
    );
    // The registry lists it among the image's referrers, with Harbor's SBOM type.
    let base = sim.api_url().trim_end_matches("/api/v2.0").to_owned();
    let image = done["digest"].as_str().unwrap();
    let url = format!("{base}/v2/library/alpine/referrers/{image}");
    let referrers = call_with(&sim, Method::GET, &url, None, None).await.body;
    assert_eq!(
        referrers["manifests"][0]["digest"],
        json!(sbom),
        "{referrers}"
    );
    assert_eq!(
        referrers["manifests"][0]["artifactType"],
        "application/vnd.goharbor.harbor.sbom.v1"
    );

    // A new generation deletes the last SBOM at once, and pushes its own when it succeeds.
    generate_alpine_sbom(&sim).await;
    assert_eq!(get(&sim, &accessories).await, json!([]));
    let gone = call(&sim, Method::GET, &format!("{ALPINE}/{sbom}"), None).await;
    assert_eq!(gone.status, StatusCode::NOT_FOUND);
    at(start, 60.0).await;
    let again = alpine_with_sbom(&sim).await;
    assert_eq!(again["sbom_overview"]["scan_status"], "Success");
    assert_eq!(get(&sim, &accessories).await.as_array().unwrap().len(), 1);
}

/// The SBOM is pushed through the registry, so the project's storage quota applies: an SBOM
/// that does not fit fails its generation and leaves no accessory.
#[tokio::test(start_paused = true)]
async fn an_sbom_over_the_projects_quota_fails_its_generation() {
    let (sim, start) = sim_with(JobKind::Scan, lifecycle(), "sbom_quota").await;
    let quotas = get(&sim, "/quotas?reference=project&reference_id=1").await;
    let quota = &quotas[0];
    let used = quota["used"]["storage"].as_i64().expect("the usage");
    let path = format!("/quotas/{}", quota["id"]);
    let limit = json!({"hard": {"storage": used + 100}});
    let answer = call(&sim, Method::PUT, &path, Some(limit)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    generate_alpine_sbom(&sim).await;
    at(start, 30.0).await;
    let failed = alpine_with_sbom(&sim).await;
    assert_eq!(failed["sbom_overview"]["scan_status"], "Error", "{failed}");
    assert!(failed["sbom_overview"].get("sbom_digest").is_none());
    let accessories = get(&sim, &format!("{ALPINE}/3.20/accessories")).await;
    assert_eq!(accessories, json!([]));
    let after = get(&sim, "/quotas?reference=project&reference_id=1").await;
    assert!(after[0]["used"]["storage"].as_i64().expect("the usage") <= used + 100);
}

#[tokio::test(start_paused = true)]
async fn a_purge_that_fails_reports_its_error() {
    let failing =
        lifecycle().fails("ERROR: canceling statement due to statement timeout (SQLSTATE 57014)");
    let (sim, start) = sim_with(JobKind::PurgeAudit, failing, "purge").await;
    let started = call(
        &sim,
        Method::POST,
        "/system/purgeaudit/schedule",
        Some(json!({"schedule": {"type": "Manual"},
            "parameters": {"audit_retention_hour": 24, "include_event_types": "create_artifact", "dry_run": true}})),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let run = format!("/system/purgeaudit/{}", location_id(&started));
    assert_eq!(get(&sim, &run).await["job_status"], "Running");
    at(start, 10.0).await;
    assert_eq!(get(&sim, &run).await["job_status"], "Running");
    at(start, 30.0).await;
    assert_eq!(get(&sim, &run).await["job_status"], "Error");
    let log = get(&sim, &format!("{run}/log")).await;
    assert!(
        log.as_str().unwrap().contains(
            "exit with error: ERROR: canceling statement due to statement timeout \
                 (SQLSTATE 57014)"
        ),
        "{log}"
    );
    // A final job stays as it is, whatever the time and a stop.
    let stop = call(&sim, Method::PUT, &run, None).await;
    assert_eq!(stop.status, StatusCode::OK);
    at(start, 1000.0).await;
    assert_eq!(get(&sim, &run).await["job_status"], "Error");
}

/// The vulnerability summary of `library/nginx:latest`.
async fn nginx_overview(sim: &CheckedSim) -> Value {
    let artifact = get(
        sim,
        "/projects/library/repositories/nginx/artifacts/latest?with_scan_overview=true",
    )
    .await;
    artifact["scan_overview"][REPORT_MIME].clone()
}

const NGINX_SCAN: &str = "/projects/library/repositories/nginx/artifacts/latest/scan";

#[tokio::test(start_paused = true)]
async fn a_scan_shows_pending_then_running_then_its_report() {
    let (sim, start) = sim_with(JobKind::Scan, lifecycle(), "scan").await;
    let before = nginx_overview(&sim).await;
    assert_eq!(before["scan_status"], "Success", "the demo scanned it");
    let scan = call(&sim, Method::POST, NGINX_SCAN, None).await;
    assert_eq!(scan.status, StatusCode::ACCEPTED);
    // Queued: the old report is replaced by a placeholder whose summary has the task's
    // status, no severity and no counts (Harbor's `GenerateNativeSummary`).
    let pending = nginx_overview(&sim).await;
    assert_eq!(pending["scan_status"], "Pending");
    // go-swagger's `NativeReportSummary` leaves the empty ones out (`omitempty`) and writes
    // Go's zero time with milliseconds (`strfmt.DateTime`).
    for absent in ["severity", "summary", "complete_percent", "scanner"] {
        assert_eq!(pending.get(absent), None, "{absent}: {pending}");
    }
    assert_eq!(pending["start_time"], "0001-01-01T00:00:00.000Z");
    let report = "/projects/library/repositories/nginx/artifacts/latest/additions/vulnerabilities";
    assert_eq!(get(&sim, report).await, json!({}));
    // A second scan while one is queued or running conflicts (`MakePlaceHolder`).
    let again = call(&sim, Method::POST, NGINX_SCAN, None).await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(
        again
            .body
            .to_string()
            .contains("a previous scan process is Pending"),
        "{}",
        again.body
    );
    at(start, 10.0).await;
    let running = nginx_overview(&sim).await;
    assert_eq!(running["scan_status"], "Running");
    assert_ne!(running["start_time"], "0001-01-01T00:00:00.000Z");
    assert_eq!(running["end_time"], "0001-01-01T00:00:00.000Z");
    at(start, 29.999).await;
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Running");
    at(start, 30.0).await;
    let done = nginx_overview(&sim).await;
    assert_eq!(done["scan_status"], "Success");
    assert_eq!(done["duration"], 20);
    assert_eq!(done["complete_percent"], 100);
    assert!(done["summary"]["total"].as_i64().unwrap() > 0);
    assert_ne!(get(&sim, report).await, json!({}));
    assert_eq!(
        call(&sim, Method::POST, NGINX_SCAN, None).await.status,
        StatusCode::ACCEPTED,
        "a finished scan can be run again"
    );
}

#[tokio::test(start_paused = true)]
async fn a_queued_scan_stops_and_a_finished_one_does_not() {
    let (sim, start) = sim_with(JobKind::Scan, lifecycle(), "scan stop").await;
    let stop = format!("{NGINX_SCAN}/stop");
    // The demo's report came from a scan all: there is no scan job of the artifact to stop.
    let none = call(
        &sim,
        Method::POST,
        &stop,
        Some(json!({"scan_type": "vulnerability"})),
    )
    .await;
    assert_eq!(none.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        call(&sim, Method::POST, NGINX_SCAN, None).await.status,
        StatusCode::ACCEPTED
    );
    at(start, 5.0).await;
    let stopped = call(
        &sim,
        Method::POST,
        &stop,
        Some(json!({"scan_type": "vulnerability"})),
    )
    .await;
    assert_eq!(stopped.status, StatusCode::ACCEPTED);
    let overview = nginx_overview(&sim).await;
    assert_eq!(overview["scan_status"], "Stopped");
    assert_eq!(overview["summary"], Value::Null);
    at(start, 100.0).await;
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Stopped");
    // Scanned again to its end, a stop changes nothing.
    assert_eq!(
        call(&sim, Method::POST, NGINX_SCAN, None).await.status,
        StatusCode::ACCEPTED
    );
    at(start, 130.0).await;
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Success");
    let late = call(
        &sim,
        Method::POST,
        &stop,
        Some(json!({"scan_type": "vulnerability"})),
    )
    .await;
    assert_eq!(late.status, StatusCode::ACCEPTED);
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Success");
}

#[tokio::test(start_paused = true)]
async fn scan_all_metrics_follow_its_tasks() {
    let (sim, start) = sim_with(JobKind::ScanAll, lifecycle(), "scan all").await;
    let artifacts = sim.handle().state().artifacts.len() as i64;
    let scan_all = || {
        call(
            &sim,
            Method::POST,
            "/system/scanAll/schedule",
            Some(json!({"schedule": {"type": "Manual"}})),
        )
    };
    assert_eq!(scan_all().await.status, StatusCode::CREATED);
    let metrics = get(&sim, "/scans/all/metrics").await;
    assert_eq!(metrics["total"], artifacts);
    assert_eq!(metrics["completed"], 0);
    assert_eq!(metrics["ongoing"], true);
    assert_eq!(metrics["metrics"]["Pending"], artifacts);
    assert_eq!(metrics["metrics"]["Running"], 0);
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Pending");
    // The run in progress refuses another (`IsOnGoing`).
    let again = scan_all().await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.body.to_string().contains("its status is Running"));
    at(start, 10.0).await;
    let metrics = get(&sim, "/scans/all/metrics").await;
    assert_eq!(
        (
            metrics["metrics"]["Pending"].clone(),
            metrics["metrics"]["Running"].clone()
        ),
        (json!(0), json!(artifacts))
    );
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Running");
    at(start, 30.0).await;
    let metrics = get(&sim, "/scans/all/metrics").await;
    assert_eq!(metrics["completed"], artifacts);
    assert_eq!(metrics["metrics"]["Success"], artifacts);
    assert_eq!(metrics["ongoing"], false);
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Success");
    assert_eq!(scan_all().await.status, StatusCode::CREATED);
}

#[tokio::test(start_paused = true)]
async fn stopping_scan_all_stops_its_queued_and_running_tasks() {
    let (sim, start) = sim_with(JobKind::ScanAll, lifecycle(), "scan all stop").await;
    let scan_all = json!({"schedule": {"type": "Manual"}});
    call(
        &sim,
        Method::POST,
        "/system/scanAll/schedule",
        Some(scan_all),
    )
    .await;
    at(start, 15.0).await;
    let stop = call(&sim, Method::POST, "/system/scanAll/stop", None).await;
    assert_eq!(stop.status, StatusCode::ACCEPTED);
    at(start, 60.0).await;
    let metrics = get(&sim, "/scans/all/metrics").await;
    assert_eq!(metrics["metrics"]["Stopped"], metrics["total"]);
    assert_eq!(metrics["completed"], metrics["total"]);
    assert_eq!(metrics["ongoing"], false);
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Stopped");
}

/// The completed count of the newest scan all at each second from 0 to `secs`.
async fn completion_timeline(seed: u64, secs: u32) -> Vec<i64> {
    let spread = lifecycle().jitter(Duration::from_secs(30)).seed(seed);
    let (sim, start) = sim_with(JobKind::ScanAll, spread, "scan all spread").await;
    let body = json!({"schedule": {"type": "Manual"}});
    call(&sim, Method::POST, "/system/scanAll/schedule", Some(body)).await;
    let mut timeline = Vec::new();
    for s in 0..=secs {
        at(start, f64::from(s)).await;
        let metrics = get(&sim, "/scans/all/metrics").await;
        timeline.push(metrics["completed"].as_i64().unwrap());
    }
    timeline
}

#[tokio::test(start_paused = true)]
async fn a_seeded_spread_gives_the_same_runs_for_the_same_seed() {
    let first = completion_timeline(7, 90).await;
    assert_eq!(first, completion_timeline(7, 90).await);
    assert_ne!(first, completion_timeline(8, 90).await);
    // Spread: the tasks do not all finish at the same second, none before the lifecycle's
    // own 30 s, and all by its 30 s plus twice the 30 s spread.
    let total = *first.last().unwrap();
    assert!(total > 1);
    assert_eq!(first[29], 0);
    assert!(first.iter().any(|c| *c > 0 && *c < total), "{first:?}");
    assert_eq!(first[90], total);
}

#[tokio::test(start_paused = true)]
async fn a_replication_that_fails_once_is_retried_and_succeeds() {
    let flaky = lifecycle().fails_then_succeeds(
        "read tcp: connection reset by peer",
        Duration::from_secs(15),
    );
    let (sim, start) = sim_with(JobKind::Replication, flaky, "replication").await;
    let started = call(
        &sim,
        Method::POST,
        "/replication/executions",
        Some(json!({"policy_id": 1})),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let id = location_id(&started);
    let execution = format!("/replication/executions/{id}");
    let tasks = format!("{execution}/tasks");
    let read = || async {
        let e = get(&sim, &execution).await;
        let t = get(&sim, &tasks).await[0].clone();
        (e, t)
    };
    // Queued: the execution is `InProgress`, its task `Pending` (counted in progress).
    let (e, t) = read().await;
    assert_eq!(
        (e["status"].clone(), e["in_progress"].clone()),
        (json!("InProgress"), json!(1))
    );
    assert_eq!(t["status"], "Pending");
    assert_eq!(t["start_time"], ZERO_TIME);
    assert_eq!(e["end_time"], ZERO_TIME);
    at(start, 10.0).await;
    let (e, t) = read().await;
    assert_eq!(
        (e["status"].clone(), t["status"].clone()),
        (json!("InProgress"), json!("InProgress"))
    );
    assert_ne!(t["start_time"], ZERO_TIME);
    at(start, 30.0).await;
    let (e, t) = read().await;
    assert_eq!(
        (e["status"].clone(), e["failed"].clone()),
        (json!("Failed"), json!(1))
    );
    assert_eq!(t["status"], "Failed");
    assert_ne!(e["end_time"], ZERO_TIME);
    let log_path = format!("{tasks}/{}/log", t["id"]);
    let log = get(&sim, &log_path).await;
    assert!(
        log.as_str()
            .unwrap()
            .contains("exit with error: read tcp: connection reset by peer"),
        "{log}"
    );
    // The job service retries it: the task is in progress again at once, the execution's
    // status and end time follow at the next 30-second refresh, so until then Harbor shows a
    // `Failed` run with no failed task.
    at(start, 45.0).await;
    let (e, t) = read().await;
    assert_eq!(
        (
            e["status"].clone(),
            e["failed"].clone(),
            e["in_progress"].clone()
        ),
        (json!("Failed"), json!(0), json!(1))
    );
    assert_eq!(t["status"], "InProgress");
    assert!(
        get(&sim, &log_path)
            .await
            .as_str()
            .unwrap()
            .contains("Retrying job REPLICATION")
    );
    // Its policy cannot be deleted: the execution reads final, its task does not.
    let delete = call(&sim, Method::DELETE, "/replication/policies/1", None).await;
    assert_eq!(delete.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        delete.body["errors"][0]["message"],
        format!("the execution {id} has tasks that aren't in final status, stop the tasks first")
    );
    at(start, 60.0).await;
    let (e, _) = read().await;
    assert_eq!(
        (e["status"].clone(), e["end_time"].clone()),
        (json!("InProgress"), json!(ZERO_TIME))
    );
    at(start, 65.0).await;
    let (e, t) = read().await;
    assert_eq!(t["status"], "Succeed");
    assert_eq!(
        (e["status"].clone(), e["succeed"].clone()),
        (json!("InProgress"), json!(1))
    );
    at(start, 89.999).await;
    assert_eq!(read().await.0["status"], "InProgress");
    at(start, 90.0).await;
    let (e, _) = read().await;
    assert_eq!(
        (e["status"].clone(), e["succeed"].clone()),
        (json!("Succeed"), json!(1))
    );
    let listed = get(&sim, "/replication/executions?policy_id=1&status=Succeed").await;
    assert!(listed.as_array().unwrap().iter().any(|x| x["id"] == id));
}

#[tokio::test(start_paused = true)]
async fn a_queued_replication_stops() {
    let (sim, start) = sim_with(JobKind::Replication, lifecycle(), "replication stop").await;
    let started = call(
        &sim,
        Method::POST,
        "/replication/executions",
        Some(json!({"policy_id": 1})),
    )
    .await;
    let execution = format!("/replication/executions/{}", location_id(&started));
    // A policy with a job not final cannot be deleted.
    let delete = call(&sim, Method::DELETE, "/replication/policies/1", None).await;
    assert_eq!(delete.status, StatusCode::PRECONDITION_FAILED);
    assert_eq!(
        call(&sim, Method::PUT, &execution, None).await.status,
        StatusCode::OK
    );
    let e = get(&sim, &execution).await;
    assert_eq!(
        (e["status"].clone(), e["stopped"].clone()),
        (json!("Stopped"), json!(1))
    );
    assert_ne!(e["end_time"], ZERO_TIME);
    at(start, 100.0).await;
    assert_eq!(get(&sim, &execution).await["status"], "Stopped");
}

/// Starts a run of the retention policy `policy` as a client would; its id.
async fn start_retention(sim: &CheckedSim, policy: i64, dry_run: bool) -> i64 {
    let path = format!("/retentions/{policy}/executions");
    let started = call(sim, Method::POST, &path, Some(json!({"dry_run": dry_run}))).await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.body);
    location_id(&started)
}

/// The retention policy of `library` (the demo's).
async fn library_retention(sim: &CheckedSim) -> i64 {
    let project = get(sim, "/projects/library").await;
    project["metadata"]["retention_id"]
        .as_str()
        .and_then(|id| id.parse().ok())
        .expect("the demo's library has a retention policy")
}

#[tokio::test(start_paused = true)]
async fn a_stuck_retention_runs_until_stopped() {
    let (sim, start) = sim_with(JobKind::Retention, lifecycle().stuck(), "retention").await;
    let policy = library_retention(&sim).await;
    let eid = start_retention(&sim, policy, true).await;
    let run = |runs: Value| {
        runs.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == eid)
            .cloned()
            .unwrap()
    };
    let runs = format!("/retentions/{policy}/executions");
    let tasks = format!("{runs}/{eid}/tasks");
    assert_eq!(run(get(&sim, &runs).await)["status"], "Running");
    let task = get(&sim, &tasks).await[0].clone();
    assert_eq!(
        (task["status"].clone(), task["status_code"].clone()),
        (json!("Pending"), json!(0))
    );
    at(start, 10.0).await;
    let task = get(&sim, &tasks).await[0].clone();
    assert_eq!(
        (task["status"].clone(), task["status_code"].clone()),
        (json!("Running"), json!(2))
    );
    at(start, 100_000.0).await;
    assert_eq!(run(get(&sim, &runs).await)["status"], "Running");
    assert_eq!(get(&sim, &tasks).await[0]["status"], "Running");
    let stop = call(
        &sim,
        Method::PATCH,
        &format!("{runs}/{eid}"),
        Some(json!({"action": "stop"})),
    )
    .await;
    assert_eq!(stop.status, StatusCode::OK);
    let stopped = run(get(&sim, &runs).await);
    assert_eq!(stopped["status"], "Stopped");
    assert_ne!(stopped["end_time"], ZERO_TIME);
    let task = get(&sim, &tasks).await[0].clone();
    assert_eq!(
        (task["status"].clone(), task["status_code"].clone()),
        (json!("Stopped"), json!(3))
    );
}

#[tokio::test(start_paused = true)]
async fn a_preheat_stops_while_queued() {
    let (sim, start) = sim_with(JobKind::Preheat, lifecycle(), "preheat").await;
    let policy = "/projects/library/preheat/policies/nightly";
    let started = call(&sim, Method::POST, policy, Some(json!({}))).await;
    assert_eq!(started.status, StatusCode::CREATED);
    let id = location_id(&started);
    let execution = format!("{policy}/executions/{id}");
    let pending = get(&sim, &execution).await;
    assert_eq!(pending["status"], "Running");
    assert_eq!(
        pending["metrics"]["pending_task_count"],
        pending["metrics"]["task_count"]
    );
    // Harbor formats a preheat execution's times as `time.RFC3339`, whole seconds
    // (`convertExecutionToPayload`, `src/server/v2.0/handler/preheat.go`).
    assert_eq!(pending["end_time"], "0001-01-01T00:00:00Z");
    let tasks = get(&sim, &format!("{execution}/tasks")).await;
    assert!(
        tasks
            .as_array()
            .unwrap()
            .iter()
            .all(|t| t["status"] == "Pending")
    );
    at(start, 5.0).await;
    let stop = call(
        &sim,
        Method::PATCH,
        &execution,
        Some(json!({"status": "Stopped"})),
    )
    .await;
    assert_eq!(stop.status, StatusCode::OK);
    let stopped = get(&sim, &execution).await;
    assert_eq!(stopped["status"], "Stopped");
    assert_eq!(
        stopped["metrics"]["stopped_task_count"],
        stopped["metrics"]["task_count"]
    );
    assert_ne!(stopped["end_time"], "0001-01-01T00:00:00Z");
    at(start, 60.0).await;
    assert_eq!(get(&sim, &execution).await["status"], "Stopped");
    // A run left alone goes through its life.
    let second = location_id(&call(&sim, Method::POST, policy, Some(json!({}))).await);
    let second = format!("{policy}/executions/{second}");
    at(start, 70.0).await;
    let running = get(&sim, &second).await;
    assert_eq!(
        running["metrics"]["running_task_count"],
        running["metrics"]["task_count"]
    );
    at(start, 90.0).await;
    let done = get(&sim, &second).await;
    assert_eq!(done["status"], "Success");
    assert_eq!(
        done["metrics"]["success_task_count"],
        done["metrics"]["task_count"]
    );
}

#[tokio::test(start_paused = true)]
async fn a_scan_data_export_can_be_downloaded_once_it_succeeds() {
    let (sim, start) = sim_with(JobKind::ScanDataExport, lifecycle(), "export").await;
    let id = export_library(&sim).await;
    let execution = format!("/export/cve/execution/{id}");
    let queued = get(&sim, &execution).await;
    assert_eq!(queued["status"], "Running");
    assert_eq!(queued["file_present"], false);
    at(start, 10.0).await;
    assert_eq!(get(&sim, &execution).await["status"], "Running");
    at(start, 30.0).await;
    let done = get(&sim, &execution).await;
    assert_eq!(done["status"], "Success");
    assert_eq!(done["file_present"], true);
    export_file(&sim, id).await;
}

/// Starts a scan-data export of the library project's findings; its execution's id.
async fn export_library(sim: &CheckedSim) -> i64 {
    let library = get(sim, "/projects/library").await["project_id"].clone();
    let started = call_with(
        sim,
        Method::POST,
        &format!("{}/export/cve", sim.api_url()),
        Some(json!({"job_name": "cves", "projects": [library]})),
        Some(("X-Scan-Data-Type", REPORT_MIME)),
    )
    .await;
    assert_eq!(started.status, StatusCode::OK, "{}", started.body);
    started.body["id"].as_i64().expect("an id")
}

/// The export's CSV, downloaded.
async fn export_file(sim: &CheckedSim, id: i64) -> String {
    let download = call(
        sim,
        Method::GET,
        &format!("/export/cve/download/{id}"),
        None,
    )
    .await;
    assert_eq!(download.status, StatusCode::OK, "{}", download.body);
    download.body.as_str().expect("CSV text").to_owned()
}

/// The export's job reads the findings when it runs: an artifact deleted while the export
/// is queued is not in its file.
#[tokio::test(start_paused = true)]
async fn a_scan_data_export_writes_the_findings_as_they_are_when_it_runs() {
    let (sim, start) = sim_with(JobKind::ScanDataExport, lifecycle(), "export_at_run").await;
    let alpine = get(&sim, &format!("{ALPINE}/3.20")).await;
    let digest = alpine["digest"].as_str().expect("a digest").to_owned();
    let before = export_library(&sim).await;
    at(start, 30.0).await;
    let file = export_file(&sim, before).await;
    assert!(
        file.contains(&digest),
        "alpine's findings are exported: {file}"
    );

    let after = export_library(&sim).await;
    at(start, 31.0).await;
    let deleted = call(&sim, Method::DELETE, &format!("{ALPINE}/3.20"), None).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    at(start, 60.0).await;
    let file = export_file(&sim, after).await;
    assert!(file.starts_with("Repository,"), "{file}");
    assert!(
        !file.contains(&digest),
        "deleted before the job ran: {file}"
    );
}

#[tokio::test(start_paused = true)]
async fn a_webhook_delivery_is_queued_then_sent() {
    let (sim, start) = sim_with(JobKind::Webhook, lifecycle(), "webhook").await;
    let policies = get(&sim, "/projects/demo/webhook/policies").await;
    let policy = policies[0]["id"].as_i64().unwrap();
    let runs = format!("/projects/demo/webhook/policies/{policy}/executions");
    let before = get(&sim, &runs).await.as_array().unwrap().len();
    // Deleting an artifact of `demo` is an event its policy listens to.
    let deleted = call(
        &sim,
        Method::DELETE,
        "/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0",
        None,
    )
    .await;
    assert_eq!(deleted.status, StatusCode::OK);
    let listed = get(&sim, &runs).await;
    assert_eq!(listed.as_array().unwrap().len(), before + 1);
    let id = listed[0]["id"].as_i64().unwrap();
    assert_eq!(listed[0]["status"], "Running");
    let tasks = format!("{runs}/{id}/tasks");
    assert_eq!(get(&sim, &tasks).await[0]["status"], "Pending");
    // A legacy job is the execution, `Running` from its creation.
    let jobs = format!("/projects/demo/webhook/jobs?policy_id={policy}&status=Running");
    assert_eq!(get(&sim, &jobs).await.as_array().unwrap().len(), 1);
    at(start, 10.0).await;
    assert_eq!(get(&sim, &tasks).await[0]["status"], "Running");
    at(start, 30.0).await;
    assert_eq!(get(&sim, &tasks).await[0]["status"], "Success");
    assert_eq!(get(&sim, &runs).await[0]["status"], "Success");
}

#[tokio::test(start_paused = true)]
async fn the_admin_endpoint_sets_and_reads_lifecycles() {
    let (sim, start) = sim_with(JobKind::Scan, lifecycle(), "admin jobs").await;
    let admin = |path: &str| format!("{}/_sim{path}", sim.base_url());
    let all = call_with(&sim, Method::GET, &admin("/jobs"), None, None).await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(all.body.as_object().unwrap().len(), 10);
    assert_eq!(all.body["IMAGE_SCAN"]["queued_millis"], 10_000);
    assert_eq!(
        all.body["REPLICATION"],
        serde_json::to_value(Lifecycle::default_for(JobKind::Replication)).unwrap()
    );
    let failing = json!({"queued_millis": 0, "running_millis": 2000,
        "outcome": {"kind": "failure", "message": "scanner unavailable"}});
    let set = call_with(
        &sim,
        Method::PUT,
        &admin("/jobs/IMAGE_SCAN"),
        Some(failing.clone()),
        None,
    )
    .await;
    assert_eq!(set.status, StatusCode::OK);
    let read = call_with(&sim, Method::GET, &admin("/jobs/IMAGE_SCAN"), None, None).await;
    assert_eq!(read.body["outcome"], failing["outcome"]);
    assert_eq!(read.body["running_millis"], 2000);
    assert_eq!(
        sim.handle().job_lifecycle(JobKind::Scan),
        Lifecycle::new(Duration::ZERO, Duration::from_secs(2)).fails("scanner unavailable")
    );
    // The next scan only: stuck; the one after it follows the kind's (failing) lifecycle.
    let stuck = json!({"running_millis": 1000, "outcome": {"kind": "stuck"}});
    let next = call_with(
        &sim,
        Method::PUT,
        &admin("/jobs/image_scan/next"),
        Some(stuck),
        None,
    )
    .await;
    assert_eq!(next.status, StatusCode::OK);
    call(&sim, Method::POST, NGINX_SCAN, None).await;
    at(start, 1000.0).await;
    assert_eq!(nginx_overview(&sim).await["scan_status"], "Running");
    let alpine_scan = "/projects/library/repositories/alpine/artifacts/3.20/scan";
    assert_eq!(
        call(&sim, Method::POST, alpine_scan, None).await.status,
        StatusCode::ACCEPTED
    );
    at(start, 1002.0).await;
    let alpine = get(
        &sim,
        "/projects/library/repositories/alpine/artifacts/3.20?with_scan_overview=true",
    )
    .await;
    assert_eq!(alpine["scan_overview"][REPORT_MIME]["scan_status"], "Error");
    // Refusals: an unknown kind, a body that is no lifecycle.
    let unknown = call_with(
        &sim,
        Method::PUT,
        &admin("/jobs/BACKUP"),
        Some(failing),
        None,
    )
    .await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let bad = call_with(
        &sim,
        Method::PUT,
        &admin("/jobs/WEBHOOK"),
        Some(json!({"outcome": {"kind": "explode"}})),
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
    let typo = call_with(
        &sim,
        Method::PUT,
        &admin("/jobs/WEBHOOK"),
        Some(json!({"queued_ms": 1})),
        None,
    )
    .await;
    assert_eq!(typo.status, StatusCode::BAD_REQUEST);
    // A reset puts back the builder's lifecycles.
    sim.handle().reset();
    assert_eq!(sim.handle().job_lifecycle(JobKind::Scan), lifecycle());
}

#[tokio::test(start_paused = true)]
async fn a_started_job_can_be_given_another_life() {
    let (sim, start) = sim_with(JobKind::GarbageCollection, lifecycle(), "re-plan").await;
    let id = start_gc(&sim).await;
    sim.handle()
        .set_execution_lifecycle(
            JobKind::GarbageCollection,
            id,
            &lifecycle().fails("disk full"),
        )
        .expect("the run exists");
    at(start, 30.0).await;
    assert_eq!(
        get(&sim, &format!("/system/gc/{id}")).await["job_status"],
        "Error"
    );
    assert!(
        sim.handle()
            .set_execution_lifecycle(JobKind::Replication, 999, &lifecycle())
            .is_err()
    );
}
