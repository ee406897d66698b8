//! The simulator keeps Harbor's semantics, checked over raw HTTP against the demo data:
//! job-like resources are stored, listed, read back, stopped, 404 for unknown ids, and their
//! `Location` headers resolve; configurations read back what was written; retention binds to
//! its project; connectivity checks follow the simulator's reachability; robots, project
//! names, timestamps, replication registries, user-group search, icons and scan reports
//! answer as Harbor does.

use harbor_sim::state::jobs::DEFAULT_STATUS_REFRESH;
use harbor_sim::{JobKind, Lifecycle, SEED_ROBOT_SECRET};
use reqwest::header::{CONTENT_TYPE, HeaderMap, LOCATION};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod support;

/// Go's zero time, answered for a job that has not ended.
const ZERO_TIME: &str = "0001-01-01T00:00:00.000Z";
const REPORT_MIME: &str = "application/vnd.security.vulnerability.report; version=1.1";

/// An answer: status, headers and body text.
struct Answer {
    status: StatusCode,
    headers: HeaderMap,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }

    fn location(&self) -> String {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no Location in {:?}", self.headers))
            .to_owned()
    }

    fn content_type(&self) -> &str {
        self.headers
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    /// The message of Harbor's error body.
    fn message(&self) -> String {
        self.json()["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }
}

/// A demo simulator and an HTTP client logged in as the admin.
struct Harbor {
    sim: support::CheckedSim,
    http: Client,
}

impl Harbor {
    async fn start() -> Self {
        Self {
            sim: support::start().await,
            http: Client::new(),
        }
    }

    /// Sends `method path` (relative to `/api/v2.0`, or absolute from `/api`) as `user`.
    async fn send_as(
        &self,
        user: (&str, &str),
        method: Method,
        path: &str,
        body: Option<Value>,
        headers: &[(&str, &str)],
    ) -> Answer {
        let url = if path.starts_with("/api/") {
            format!("{}{path}", self.sim.base_url())
        } else {
            format!("{}{path}", self.sim.api_url())
        };
        let mut request = self
            .http
            .request(method, url)
            .basic_auth(user.0, Some(user.1));
        for (k, v) in headers {
            request = request.header(*k, *v);
        }
        if let Some(body) = body {
            request = request.json(&body);
        }
        let response = request.send().await.expect("the simulator answers");
        Answer {
            status: response.status(),
            headers: response.headers().clone(),
            text: response.text().await.expect("a body"),
        }
    }

    async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Answer {
        self.send_as(("admin", "Harbor12345"), method, path, body, &[])
            .await
    }

    async fn get(&self, path: &str) -> Answer {
        self.send(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Answer {
        self.send(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PUT, path, Some(body)).await
    }

    async fn patch(&self, path: &str, body: Value) -> Answer {
        self.send(Method::PATCH, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Answer {
        self.send(Method::DELETE, path, None).await
    }

    /// GETs a `Location`, which must name a path under `/api/v2.0`.
    async fn follow(&self, location: &str) -> Answer {
        assert!(location.starts_with("/api/v2.0/"), "{location}");
        self.get(location).await
    }
}

fn assert_status(answer: &Answer, want: StatusCode, what: &str) {
    assert_eq!(answer.status, want, "{what}: {}", answer.text);
}

/// The trailing id of a `Location`.
fn id_of(location: &str) -> i64 {
    location
        .rsplit('/')
        .next()
        .and_then(|id| id.parse().ok())
        .unwrap_or_else(|| panic!("no id in {location}"))
}

/// Moves tokio's paused clock past the default life of a job of `kind` started now: its
/// queue, then its run ([`Lifecycle::default_for`]).
/// Moves the paused clock past a job's queue and run, and past the next status refresh of
/// its execution (Harbor's 30-second periodic refresh).
async fn run_to_end(kind: JobKind) {
    let life = Lifecycle::default_for(kind);
    tokio::time::advance(life.queued() + life.running() + DEFAULT_STATUS_REFRESH).await;
}

fn has_millis(timestamp: &Value) -> bool {
    let t = timestamp.as_str().unwrap_or_default();
    t.len() == "2026-01-01T10:00:00.000Z".len()
        && t.ends_with('Z')
        && t.as_bytes()[19] == b'.'
        && t[20..23].chars().all(|c| c.is_ascii_digit())
}

#[tokio::test]
async fn timestamps_carry_milliseconds() {
    let h = Harbor::start().await;
    let project = h.get("/projects/library").await.json();
    assert!(has_millis(&project["creation_time"]), "{project}");
    let created = h
        .post(
            "/projects",
            json!({"project_name": "stamped", "public": false}),
        )
        .await;
    let project = h.follow(&created.location()).await.json();
    assert!(has_millis(&project["creation_time"]), "{project}");
    assert!(has_millis(&project["update_time"]), "{project}");
    let runs = h.get("/system/gc").await.json();
    assert!(has_millis(&runs[0]["creation_time"]), "{runs}");
}

#[tokio::test(start_paused = true)]
async fn a_manual_gc_is_stored_listed_logged_and_resolves() {
    let h = Harbor::start().await;
    let before = h.get("/system/gc").await.json().as_array().unwrap().len();
    let started = h
        .post(
            "/system/gc/schedule",
            json!({"schedule": {"type": "Manual"}, "parameters": {"delete_untagged": true, "workers": 2}}),
        )
        .await;
    assert_status(&started, StatusCode::CREATED, "manual GC");
    let location = started.location();
    assert!(
        location.starts_with("/api/v2.0/system/gc/"),
        "Harbor names the run, not the schedule: {location}"
    );
    let id = id_of(&location);

    let first = h.follow(&location).await.json();
    assert_eq!(first["id"], json!(id));
    assert_eq!(first["job_name"], "GARBAGE_COLLECTION");
    assert_eq!(first["job_kind"], "MANUAL");
    assert_eq!(first["schedule"]["type"], "Manual");
    assert_eq!(
        first["job_status"], "Running",
        "queued, then running: Harbor's execution is Running until its task ends"
    );
    let params: Value = serde_json::from_str(first["job_parameters"].as_str().unwrap()).unwrap();
    assert_eq!(params["workers"], 2);
    run_to_end(JobKind::GarbageCollection).await;
    assert_eq!(h.follow(&location).await.json()["job_status"], "Success");

    let list = h.get("/system/gc").await;
    assert_eq!(
        list.headers["X-Total-Count"],
        (before + 1).to_string().as_str()
    );
    assert!(
        list.json()
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == json!(id))
    );

    let log = h.get(&format!("/system/gc/{id}/log")).await;
    assert_status(&log, StatusCode::OK, "GC log");
    assert!(
        log.content_type().starts_with("text/plain"),
        "{:?}",
        log.headers
    );
    assert!(log.text.contains("exit with success"), "{}", log.text);

    let stop = h.put(&format!("/system/gc/{id}"), json!({})).await;
    assert_status(
        &stop,
        StatusCode::OK,
        "stopping a finished GC changes nothing",
    );
    assert_eq!(h.follow(&location).await.json()["job_status"], "Success");
}

#[tokio::test]
async fn a_running_gc_stops() {
    let h = Harbor::start().await;
    let location = h
        .post(
            "/system/gc/schedule",
            json!({"schedule": {"type": "Manual"}}),
        )
        .await
        .location();
    let stop = h.put(&location, json!({})).await;
    assert_status(&stop, StatusCode::OK, "stop GC");
    assert_eq!(h.follow(&location).await.json()["job_status"], "Stopped");
    let bad = h
        .post(
            "/system/gc/schedule",
            json!({"schedule": {"type": "Manual"}, "parameters": {"workers": 11}}),
        )
        .await;
    assert_status(&bad, StatusCode::BAD_REQUEST, "11 workers");
}

#[tokio::test]
async fn unknown_jobs_are_not_found() {
    let h = Harbor::start().await;
    for path in [
        "/system/gc/999999",
        "/system/gc/999999/log",
        "/system/purgeaudit/999999",
        "/system/purgeaudit/999999/log",
        "/export/cve/execution/999999",
        "/replication/executions/999999",
        "/replication/executions/999999/tasks",
        "/retentions/1/executions/999999/tasks",
        "/retentions/1/executions/999999/tasks/1",
        "/projects/library/preheat/policies/nightly/executions/999999",
        "/projects/library/preheat/policies/nightly/executions/999999/tasks",
        "/projects/demo/webhook/policies/1/executions/999999/tasks",
        "/icons/sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "/usergroups/999999",
        "/registries/999999",
        "/robots/999999",
    ] {
        let answer = h.get(path).await;
        assert_status(&answer, StatusCode::NOT_FOUND, path);
        assert!(answer.json()["errors"][0]["code"] == "NOT_FOUND", "{path}");
    }
    let download = h.get("/export/cve/download/999999").await;
    assert_status(&download, StatusCode::NOT_FOUND, "download");
    assert!(
        download.text.is_empty(),
        "Harbor's bare 404: {}",
        download.text
    );
    // Two unknown ids Harbor answers with an uncoded error (500): a retention policy
    // (`GetPolicy`'s "no such Retention policy"), and a GC id read as a purge id (one
    // table, each kind sees its own; `GetPurgeJob`'s `fmt.Errorf`).
    let gc = h.get("/system/gc").await.json()[0]["id"].as_i64().unwrap();
    for path in [
        "/retentions/999999".to_owned(),
        format!("/system/purgeaudit/{gc}"),
    ] {
        let answer = h.get(&path).await;
        assert_status(&answer, StatusCode::INTERNAL_SERVER_ERROR, &path);
        assert_eq!(
            answer.json(),
            json!({"errors": [{"code": "UNKNOWN", "message": "internal server error"}]}),
            "{path}"
        );
    }
}

#[tokio::test]
async fn stops_of_unknown_jobs_are_not_found() {
    let h = Harbor::start().await;
    for (method, path, body) in [
        (Method::PUT, "/system/gc/999999", json!({})),
        (Method::PUT, "/system/purgeaudit/999999", json!({})),
        (Method::PUT, "/replication/executions/999999", json!({})),
        (
            Method::PATCH,
            "/retentions/1/executions/999999",
            json!({"action": "stop"}),
        ),
        (
            Method::PATCH,
            "/projects/library/preheat/policies/nightly/executions/999999",
            json!({"status": "Stopped"}),
        ),
    ] {
        let answer = h.send(method.clone(), path, Some(body)).await;
        assert_status(&answer, StatusCode::NOT_FOUND, &format!("{method} {path}"));
    }
}

#[tokio::test(start_paused = true)]
async fn audit_log_purge_runs_like_gc_and_checks_its_parameters() {
    let h = Harbor::start().await;
    let missing = h
        .post(
            "/system/purgeaudit/schedule",
            json!({"schedule": {"type": "Manual"}}),
        )
        .await;
    assert_status(&missing, StatusCode::BAD_REQUEST, "no parameters");
    let started = h
        .post(
            "/system/purgeaudit/schedule",
            json!({"schedule": {"type": "Manual"},
                   "parameters": {"audit_retention_hour": 48, "include_event_types": "create_artifact", "dry_run": true}}),
        )
        .await;
    assert_status(&started, StatusCode::CREATED, "manual purge");
    let location = started.location();
    assert!(
        location.starts_with("/api/v2.0/system/purgeaudit/"),
        "{location}"
    );
    let run = h.follow(&location).await.json();
    assert_eq!(run["job_name"], "PURGE_AUDIT_LOG");
    run_to_end(JobKind::PurgeAudit).await;
    let log = h.get(&format!("{location}/log")).await;
    assert!(
        log.text
            .contains("[INFO] Purge operation parameter, retention_hour:48, include_event_types:[create_artifact], dry_run:true\n"),
        "{}",
        log.text
    );
    assert!(log.text.contains("[DRYRUN]Purged "), "{}", log.text);
    let ids: Vec<Value> = h
        .get("/system/purgeaudit")
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].clone())
        .collect();
    assert!(ids.contains(&json!(id_of(&location))), "{ids:?}");
}

#[tokio::test]
async fn schedules_read_back_and_can_be_removed() {
    let h = Harbor::start().await;
    let seeded = h.get("/system/gc/schedule").await.json();
    assert_eq!(seeded["schedule"]["type"], "Weekly");
    let bad = h
        .put(
            "/system/gc/schedule",
            json!({"schedule": {"type": "Daily", "cron": "every day"}}),
        )
        .await;
    assert_status(&bad, StatusCode::BAD_REQUEST, "a broken cron");
    let set = h
        .put(
            "/system/gc/schedule",
            json!({"schedule": {"type": "Custom", "cron": "0 30 1 * * *"}, "parameters": {"dry_run": true}}),
        )
        .await;
    assert_status(&set, StatusCode::OK, "custom schedule");
    let read = h.get("/system/gc/schedule").await.json();
    assert_eq!(read["schedule"]["cron"], "0 30 1 * * *");
    assert_eq!(read["schedule"]["type"], "Custom");
    h.put("/system/gc/schedule", json!({"schedule": {"type": "None"}}))
        .await;
    let none = h.get("/system/gc/schedule").await;
    assert_status(&none, StatusCode::OK, "no schedule");
    assert!(
        none.text.is_empty(),
        "Harbor answers no body: {}",
        none.text
    );
}

#[tokio::test(start_paused = true)]
async fn scan_data_export_answers_an_id_and_a_csv_once() {
    let h = Harbor::start().await;
    let mime = [("X-Scan-Data-Type", REPORT_MIME)];
    let admin = ("admin", "Harbor12345");
    let wrong_type = h
        .send_as(
            admin,
            Method::POST,
            "/export/cve",
            Some(json!({"projects": [1]})),
            &[("X-Scan-Data-Type", "application/vnd.cyclonedx+json")],
        )
        .await;
    assert_status(
        &wrong_type,
        StatusCode::BAD_REQUEST,
        "another X-Scan-Data-Type",
    );
    let unknown = h
        .send_as(
            admin,
            Method::POST,
            "/export/cve",
            Some(json!({"projects": [999]})),
            &mime,
        )
        .await;
    assert_status(&unknown, StatusCode::NOT_FOUND, "unknown project");
    let two = h
        .send_as(
            admin,
            Method::POST,
            "/export/cve",
            Some(json!({"projects": [1, 2]})),
            &mime,
        )
        .await;
    assert_status(&two, StatusCode::BAD_REQUEST, "two projects");

    let started = h
        .send_as(
            admin,
            Method::POST,
            "/export/cve",
            Some(json!({"job_name": "nginx", "projects": [1], "repositories": "nginx"})),
            &mime,
        )
        .await;
    assert_status(&started, StatusCode::OK, "export");
    let id = started.json()["id"].as_i64().expect("{\"id\": N}");
    let early = h.get(&format!("/export/cve/download/{id}")).await;
    assert_status(&early, StatusCode::NOT_FOUND, "no file before the run ends");
    let first = h.get(&format!("/export/cve/execution/{id}")).await.json();
    assert_eq!(first["status"], "Running");
    assert_eq!(first["file_present"], false);
    assert_eq!(first["user_name"], "admin");
    run_to_end(JobKind::ScanDataExport).await;
    let second = h.get(&format!("/export/cve/execution/{id}")).await.json();
    assert_eq!(second["status"], "Success");
    assert_eq!(second["file_present"], true);
    let list = h.get("/export/cve/executions").await.json();
    assert!(
        list["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["id"] == json!(id)),
        "{list}"
    );
    // Another user neither sees nor downloads it.
    let alice = ("alice", harbor_sim::SEED_USER_PASSWORD);
    let theirs = h
        .send_as(
            alice,
            Method::GET,
            &format!("/export/cve/execution/{id}"),
            None,
            &[],
        )
        .await;
    assert_status(&theirs, StatusCode::FORBIDDEN, "someone else's export");

    let csv = h.get(&format!("/export/cve/download/{id}")).await;
    assert_status(&csv, StatusCode::OK, "download");
    assert_eq!(csv.content_type(), "text/csv");
    assert!(
        csv.headers["Content-Disposition"]
            .to_str()
            .unwrap()
            .contains(&format!("scandata_export_{id}.csv"))
    );
    let mut lines = csv.text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "Repository,Artifact Digest,CVE,Package,Current Version,Fixed in version,Severity,CWE Ids,Additional Data,Scanner"
    );
    let rows: Vec<&str> = lines.collect();
    assert!(rows.len() >= 4, "{}", csv.text);
    assert!(
        rows.iter().all(|r| r.starts_with("library/nginx,sha256:")),
        "{rows:?}"
    );
    assert!(
        rows.iter().any(|r| r.contains("CVE-2023-45853")),
        "{rows:?}"
    );
    // As in Harbor, the download removes the execution and its file.
    assert_status(
        &h.get(&format!("/export/cve/execution/{id}")).await,
        StatusCode::NOT_FOUND,
        "after download",
    );
}

#[tokio::test(start_paused = true)]
async fn retention_binds_one_policy_to_its_project() {
    let h = Harbor::start().await;
    let library = h.get("/projects/library").await.json();
    let seeded: i64 = library["metadata"]["retention_id"]
        .as_str()
        .expect("the seeded policy is in library's metadata")
        .parse()
        .unwrap();
    assert_eq!(
        h.get(&format!("/retentions/{seeded}")).await.json()["id"],
        seeded
    );

    let policy = |project: i64| {
        json!({"algorithm": "or",
               "rules": [{"action": "retain", "template": "always", "params": {},
                          "tag_selectors": [{"kind": "doublestar", "decoration": "matches", "pattern": "**"}],
                          "scope_selectors": {"repository": [{"kind": "doublestar", "decoration": "repoMatches", "pattern": "**"}]}}],
               "trigger": {"kind": "Schedule", "settings": {"cron": ""}},
               "scope": {"level": "project", "ref": project}})
    };
    let second = h.post("/retentions", policy(1)).await;
    assert_status(
        &second,
        StatusCode::BAD_REQUEST,
        "a second policy for library",
    );
    assert!(
        second.message().contains("already has retention policy"),
        "{}",
        second.text
    );

    let demo = h.get("/projects/demo").await.json()["project_id"]
        .as_i64()
        .unwrap();
    let created = h.post("/retentions", policy(demo)).await;
    assert_status(&created, StatusCode::CREATED, "demo's policy");
    let location = created.location();
    let id = id_of(&location);
    assert_eq!(h.follow(&location).await.json()["scope"]["ref"], demo);
    let meta = h.get("/projects/demo").await.json()["metadata"].clone();
    assert_eq!(meta["retention_id"], id.to_string());

    let run = h
        .post(
            &format!("/retentions/{id}/executions"),
            json!({"dry_run": true}),
        )
        .await;
    assert_status(&run, StatusCode::CREATED, "run");
    let eid = id_of(&run.location());
    let runs = h.get(&format!("/retentions/{id}/executions")).await.json();
    assert_eq!(runs[0]["id"], eid);
    assert_eq!(runs[0]["dry_run"], true);
    let tasks = h
        .get(&format!("/retentions/{id}/executions/{eid}/tasks"))
        .await
        .json();
    assert_eq!(tasks[0]["repository"], "demo/team/app");
    let tid = tasks[0]["id"].as_i64().unwrap();
    run_to_end(JobKind::Retention).await;
    let log = h
        .get(&format!("/retentions/{id}/executions/{eid}/tasks/{tid}"))
        .await;
    assert!(log.text.contains("demo/team/app"), "{}", log.text);
    // Another policy's run is not this policy's.
    assert_status(
        &h.get(&format!("/retentions/{seeded}/executions/{eid}/tasks"))
            .await,
        StatusCode::NOT_FOUND,
        "someone else's run",
    );
    let stop = h
        .patch(
            &format!("/retentions/{id}/executions/{eid}"),
            json!({"action": "pause"}),
        )
        .await;
    assert_status(&stop, StatusCode::BAD_REQUEST, "only stop");

    assert_status(&h.delete(&location).await, StatusCode::OK, "delete");
    let meta = h.get("/projects/demo").await.json()["metadata"].clone();
    assert!(meta.get("retention_id").is_none(), "{meta}");
    assert_status(
        &h.post("/retentions", policy(demo)).await,
        StatusCode::CREATED,
        "a new policy once the old is gone",
    );
}

#[tokio::test(start_paused = true)]
async fn replication_runs_resolve_and_policies_name_the_local_registry() {
    let h = Harbor::start().await;
    for policy in h
        .get("/replication/policies")
        .await
        .json()
        .as_array()
        .unwrap()
    {
        assert!(policy["src_registry"].is_object(), "{policy}");
        assert!(policy["dest_registry"].is_object(), "{policy}");
    }
    let created = h
        .post(
            "/replication/policies",
            // `enabled` must be sent: Harbor reads an absent one as false (a disabled
            // policy does not start).
            json!({"name": "push-alpine", "dest_registry": {"id": 1}, "enabled": true,
                   "filters": [{"type": "name", "value": "library/alpine"}], "trigger": {"type": "manual"}}),
        )
        .await;
    assert_status(&created, StatusCode::CREATED, "policy");
    let policy = h.follow(&created.location()).await.json();
    assert_eq!(policy["src_registry"]["name"], "Local");
    assert_eq!(policy["src_registry"]["id"], 0);
    assert_eq!(policy["dest_registry"]["name"], "docker-hub");
    let both_remote = h
        .post(
            "/replication/policies",
            json!({"name": "bad", "src_registry": {"id": 1}, "dest_registry": {"id": 1}}),
        )
        .await;
    assert_status(&both_remote, StatusCode::BAD_REQUEST, "neither side local");

    let started = h
        .post(
            "/replication/executions",
            json!({"policy_id": policy["id"]}),
        )
        .await;
    assert_status(&started, StatusCode::CREATED, "start");
    let location = started.location();
    assert_eq!(h.follow(&location).await.json()["status"], "InProgress");
    run_to_end(JobKind::Replication).await;
    assert_eq!(h.follow(&location).await.json()["status"], "Succeed");
    let tasks = h.get(&format!("{location}/tasks")).await.json();
    assert_eq!(tasks.as_array().unwrap().len(), 1, "{tasks}");
}

#[tokio::test(start_paused = true)]
async fn scan_all_scans_everything_and_reports_its_metrics() {
    let h = Harbor::start().await;
    let seeded = h.get("/scans/all/metrics").await.json();
    assert_eq!(seeded["ongoing"], false);
    assert_eq!(seeded["trigger"], "Manual");
    let unscanned =
        "/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0/additions/vulnerabilities";
    assert_eq!(h.get(unscanned).await.json(), json!({}));

    let started = h
        .post(
            "/system/scanAll/schedule",
            json!({"schedule": {"type": "Manual"}}),
        )
        .await;
    assert_status(&started, StatusCode::CREATED, "scan all");
    let running = h.get("/scans/all/metrics").await.json();
    assert_eq!(running["ongoing"], true, "{running}");
    assert_eq!(running["total"], 5, "one task per artifact: {running}");
    run_to_end(JobKind::ScanAll).await;
    let done = h.get("/scans/all/metrics").await.json();
    assert_eq!(done["ongoing"], false);
    assert_eq!(done["completed"], 5);
    assert_eq!(done["metrics"]["Success"], 5);
    assert!(
        h.get(unscanned).await.json()[REPORT_MIME]["vulnerabilities"]
            .as_array()
            .is_some_and(|v| !v.is_empty()),
        "scan all scanned the unscanned artifact"
    );
    assert_status(
        &h.send(Method::POST, "/system/scanAll/stop", None).await,
        StatusCode::ACCEPTED,
        "stop",
    );
    let schedule = h.get("/system/scanAll/schedule").await.json();
    assert_eq!(schedule["schedule"]["type"], "Daily");
    let twice = h
        .post(
            "/system/scanAll/schedule",
            json!({"schedule": {"type": "Weekly", "cron": "0 0 0 * * 0"}}),
        )
        .await;
    assert_status(&twice, StatusCode::PRECONDITION_FAILED, "a second schedule");
}

#[tokio::test(start_paused = true)]
async fn preheat_runs_keep_harbors_location() {
    let h = Harbor::start().await;
    let base = "/projects/library/preheat/policies/nightly";
    let started = h.post(base, json!({})).await;
    assert_status(&started, StatusCode::CREATED, "manual preheat");
    let location = started.location();
    // Harbor's Location lacks the API base (a TODO in its handler); under it, it resolves.
    assert!(
        location.starts_with(&format!("{base}/executions/")),
        "{location}"
    );
    let run = h.get(&location).await.json();
    assert_eq!(run["vendor_type"], "P2P_PREHEAT");
    assert_eq!(run["status"], "Running");
    let id = id_of(&location);
    let list = h.get(&format!("{base}/executions")).await.json();
    assert!(
        list.as_array().unwrap().iter().any(|e| e["id"] == id),
        "{list}"
    );
    let tasks = h.get(&format!("{base}/executions/{id}/tasks")).await.json();
    let task = tasks[0]["id"].as_i64().unwrap();
    run_to_end(JobKind::Preheat).await;
    let log = h
        .get(&format!("{base}/executions/{id}/tasks/{task}/logs"))
        .await;
    assert!(log.text.contains("preheat library/"), "{}", log.text);
    let unknown_policy = h
        .post("/projects/library/preheat/policies/nope", json!({}))
        .await;
    assert_status(&unknown_policy, StatusCode::NOT_FOUND, "unknown policy");
}

#[tokio::test(start_paused = true)]
async fn webhook_deliveries_follow_events_and_reachability() {
    let h = Harbor::start().await;
    let policy = h.get("/projects/demo/webhook/policies").await.json()[0]["id"]
        .as_i64()
        .unwrap();
    let jobs = h
        .get(&format!("/projects/demo/webhook/jobs?policy_id={policy}"))
        .await
        .json();
    assert_eq!(
        jobs[0]["event_type"], "PUSH_ARTIFACT",
        "the seeded delivery: {jobs}"
    );
    assert_eq!(jobs[0]["status"], "Success");

    // The hook's host goes away; deleting an artifact notifies, and the delivery fails.
    h.sim
        .handle()
        .with_state(|s| s.reachability.deny("ci.example.com"));
    let deleted = h
        .delete("/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0")
        .await;
    assert_status(&deleted, StatusCode::OK, "delete artifact");
    run_to_end(JobKind::Webhook).await;
    let runs = h
        .get(&format!(
            "/projects/demo/webhook/policies/{policy}/executions"
        ))
        .await
        .json();
    assert_eq!(
        runs[0]["extra_attrs"]["event_type"], "DELETE_ARTIFACT",
        "{runs}"
    );
    assert_eq!(runs[0]["status"], "Error");
    let run = runs[0]["id"].as_i64().unwrap();
    let tasks = h
        .get(&format!(
            "/projects/demo/webhook/policies/{policy}/executions/{run}/tasks"
        ))
        .await
        .json();
    let task = tasks[0]["id"].as_i64().unwrap();
    let log = h
        .get(&format!(
            "/projects/demo/webhook/policies/{policy}/executions/{run}/tasks/{task}/log"
        ))
        .await;
    assert!(log.text.contains("no such host"), "{}", log.text);
    let other = h
        .get(&format!(
            "/projects/library/webhook/jobs?policy_id={policy}"
        ))
        .await;
    assert_status(
        &other,
        StatusCode::NOT_FOUND,
        "the policy of another project",
    );
}

#[tokio::test]
async fn configurations_are_items_that_read_back() {
    let h = Harbor::start().await;
    let config = h.get("/configurations").await.json();
    // The demo has users beside the admin: Harbor no longer lets the auth mode change.
    assert_eq!(
        config["auth_mode"],
        json!({"value": "db_auth", "editable": false})
    );
    assert_eq!(config["token_expiration"]["value"], 30);
    assert_eq!(config["self_registration"]["value"], false);
    assert!(
        config.get("ldap_search_password").is_none(),
        "secrets are never answered"
    );
    assert!(
        config.get("scan_all_policy").is_none(),
        "Harbor answers it only once set: {config}"
    );

    let ok = h
        .put(
            "/configurations",
            json!({"token_expiration": 45, "banner_message": "maintenance at noon",
                   "self_registration": true, "not_a_setting": 1}),
        )
        .await;
    assert_status(&ok, StatusCode::OK, "update");
    let config = h.get("/configurations").await.json();
    assert_eq!(config["token_expiration"]["value"], 45);
    assert_eq!(config["banner_message"]["value"], "maintenance at noon");
    assert_eq!(config["self_registration"]["value"], true);
    assert!(
        config.get("not_a_setting").is_none(),
        "Harbor's binding drops keys it does not know"
    );
    for (body, want) in [
        (
            json!({"token_expiration": "soon"}),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (json!({"ldap_scope": 7}), StatusCode::BAD_REQUEST),
        (json!({"token_expiration": 0}), StatusCode::BAD_REQUEST),
        (
            json!({"project_creation_restriction": "nobody"}),
            StatusCode::BAD_REQUEST,
        ),
        (json!({"storage_per_project": -5}), StatusCode::BAD_REQUEST),
        (json!({"auth_mode": "ldap_auth"}), StatusCode::BAD_REQUEST),
        (
            json!({"skip_audit_log_database": true}),
            StatusCode::BAD_REQUEST,
        ),
        (
            json!({"audit_log_forward_endpoint": "tcp://syslog.example.org:514"}),
            StatusCode::BAD_REQUEST,
        ),
    ] {
        let answer = h.put("/configurations", body.clone()).await;
        assert_status(&answer, want, &body.to_string());
    }
    assert_eq!(
        h.get("/configurations").await.json()["token_expiration"]["value"],
        45,
        "a refused update changes nothing"
    );

    // The per-project default quota applies to the next project created without a limit.
    h.put(
        "/configurations",
        json!({"storage_per_project": 1_073_741_824}),
    )
    .await;
    h.post("/projects", json!({"project_name": "quota-default"}))
        .await;
    let summary = h.get("/projects/quota-default/summary").await.json();
    assert_eq!(
        summary["quota"]["hard"]["storage"], 1_073_741_824_i64,
        "{summary}"
    );
}

#[tokio::test]
async fn connectivity_checks_follow_reachability() {
    let h = Harbor::start().await;
    let registries = h.get("/registries").await.json();
    let status = |name: &str| {
        registries
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .map(|r| r["status"].clone())
    };
    assert_eq!(status("docker-hub"), Some(json!("healthy")));
    assert_eq!(status("old-mirror"), Some(json!("unhealthy")));
    let id = |name: &str| {
        registries
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap()["id"]
            .clone()
    };
    assert_status(
        &h.post("/registries/ping", json!({"id": id("docker-hub")}))
            .await,
        StatusCode::OK,
        "reachable registry",
    );
    let down = h
        .post("/registries/ping", json!({"id": id("old-mirror")}))
        .await;
    assert_status(&down, StatusCode::BAD_REQUEST, "unreachable registry");
    assert_eq!(down.message(), "the registry is unhealthy");
    let nowhere = h
        .post(
            "/registries",
            json!({"name": "nowhere", "type": "harbor", "url": "https://registry.nowhere.example"}),
        )
        .await;
    assert_status(
        &nowhere,
        StatusCode::BAD_REQUEST,
        "registering an unreachable registry",
    );

    // Reachability is state: open the host over the admin endpoint and the same calls pass.
    let admin = format!(
        "{}/_sim/reachable/registry.nowhere.example",
        h.sim.base_url()
    );
    assert_eq!(
        h.http.put(&admin).send().await.unwrap().status(),
        StatusCode::NO_CONTENT
    );
    let hosts: Vec<String> = h
        .http
        .get(format!("{}/_sim/reachable", h.sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        hosts.contains(&"registry.nowhere.example".to_owned()),
        "{hosts:?}"
    );
    let created = h
        .post(
            "/registries",
            json!({"name": "nowhere", "type": "harbor", "url": "https://registry.nowhere.example"}),
        )
        .await;
    assert_status(&created, StatusCode::CREATED, "now reachable");
    h.http.delete(&admin).send().await.unwrap();
    let gone = h.follow(&created.location()).await.json();
    assert_eq!(gone["status"], "unhealthy");

    let scanner = |url: &str| json!({"name": "probe", "url": url});
    assert_status(
        &h.post("/scanners/ping", scanner("http://trivy-adapter:8080"))
            .await,
        StatusCode::OK,
        "reachable scanner",
    );
    let scanner_down = h
        .post("/scanners/ping", scanner("http://scanner.nowhere.example"))
        .await;
    assert_status(
        &scanner_down,
        StatusCode::INTERNAL_SERVER_ERROR,
        "Harbor answers 500 for an unreachable adapter",
    );
    let body = scanner_down.json();
    // Harbor's 5xx body (the errors module decides its exact nesting).
    let code = body["errors"][0]["code"].as_str().or(body["code"].as_str());
    assert_eq!(code, Some("UNKNOWN"), "{body}");

    // Harbor tries the body's settings only (`ldap.go`, `ldap.TestConfig`).
    let conf = |url: &str| {
        json!({"ldap_url": url, "ldap_search_dn": "cn=admin,dc=example,dc=com",
               "ldap_search_password": "secret"})
    };
    let ldap = h.post("/ldap/ping", conf("ldap://ldap.example.com")).await;
    assert_eq!(ldap.json(), json!({"success": true}));
    let ldap_down = h
        .post("/ldap/ping", conf("ldaps://ldap.nowhere.example"))
        .await;
    assert_status(&ldap_down, StatusCode::OK, "LDAP ping always answers 200");
    assert_eq!(
        ldap_down.json(),
        json!({"message": "error: ldap server network timeout"})
    );

    assert_status(
        &h.post(
            "/system/oidc/ping",
            json!({"url": "https://oidc.example.com"}),
        )
        .await,
        StatusCode::OK,
        "reachable OIDC",
    );
    let oidc_down = h
        .post(
            "/system/oidc/ping",
            json!({"url": "https://oidc.nowhere.example"}),
        )
        .await;
    assert_status(&oidc_down, StatusCode::BAD_REQUEST, "unreachable OIDC");
    assert_eq!(oidc_down.message(), "failed to verify connection");

    assert_status(
        &h.post(
            "/p2p/preheat/instances/ping",
            // Harbor reads the body as an instance: a valid name and a known vendor
            // (`PingInstances`, `convertParamInstanceToModelInstance`, `CheckHealth`).
            json!({"name": "kraken", "vendor": "kraken", "endpoint": "http://kraken.example.com"}),
        )
        .await,
        StatusCode::OK,
        "reachable preheat instance",
    );
    assert_status(
        &h.post(
            "/p2p/preheat/instances/ping",
            json!({"name": "p2p", "vendor": "dragonfly", "endpoint": "http://p2p.nowhere.example"}),
        )
        .await,
        StatusCode::INTERNAL_SERVER_ERROR,
        "unreachable preheat instance",
    );
}

#[tokio::test]
async fn robots_get_a_generated_secret_and_need_level_and_permissions() {
    let h = Harbor::start().await;
    let permissions = json!([{"kind": "project", "namespace": "library",
                              "access": [{"resource": "repository", "action": "pull"}]}]);
    for (body, why) in [
        (
            json!({"name": "r1", "duration": -1, "permissions": permissions}),
            "no level",
        ),
        (
            json!({"name": "r1", "level": "system", "duration": -1}),
            "no permissions",
        ),
        (
            json!({"name": "r1", "level": "system", "duration": -1, "permissions": []}),
            "empty permissions",
        ),
        (
            json!({"name": "r1", "level": "system", "duration": -1,
                "permissions": [{"kind": "project", "namespace": "*", "access": []}]}),
            "empty access",
        ),
        (
            json!({"name": "r1", "level": "system", "permissions": permissions}),
            "no duration",
        ),
        (
            json!({"name": "R1", "level": "system", "duration": -1, "permissions": permissions}),
            "upper case",
        ),
        (
            json!({"name": "r1", "level": "global", "duration": -1, "permissions": permissions}),
            "unknown level",
        ),
    ] {
        assert_status(&h.post("/robots", body).await, StatusCode::BAD_REQUEST, why);
    }
    let chosen = "MyOwnSecret123";
    let created = h
        .post(
            "/robots",
            json!({"name": "puller", "level": "project", "duration": 30, "secret": chosen,
                   "permissions": permissions}),
        )
        .await;
    assert_status(&created, StatusCode::CREATED, "project robot");
    let body = created.json();
    assert_eq!(body["name"], "robot$library+puller");
    let secret = body["secret"].as_str().unwrap();
    assert_ne!(
        secret, chosen,
        "Harbor generates the secret whatever is sent"
    );
    assert!(has_millis(&body["creation_time"]), "{body}");
    let robot = h.follow(&created.location()).await.json();
    assert_eq!(robot["level"], "project");
    let as_robot = h
        .send_as(
            ("robot$library+puller", secret),
            Method::GET,
            "/projects/library",
            None,
            &[],
        )
        .await;
    assert_status(&as_robot, StatusCode::OK, "the generated secret logs in");
    let seeded = h
        .send_as(
            ("robot$ci", SEED_ROBOT_SECRET),
            Method::GET,
            "/projects/library",
            None,
            &[],
        )
        .await;
    assert_status(
        &seeded,
        StatusCode::OK,
        "the demo robot's documented secret",
    );

    // Updates: the same checks, and the name, level and project stay.
    let id = id_of(&created.location());
    let update = |name: &str, level: &str, namespace: &str| {
        json!({"name": name, "level": level, "duration": 7, "description": "pulls for CD",
               "permissions": [{"kind": "project", "namespace": namespace,
                                "access": [{"resource": "repository", "action": "pull"}]}]})
    };
    let robot_path = format!("/robots/{id}");
    for (body, why) in [
        (
            update("robot$library+other", "project", "library"),
            "a new name",
        ),
        (
            update("robot$library+puller", "system", "library"),
            "a new level",
        ),
        (
            update("robot$library+puller", "project", "demo"),
            "another project",
        ),
    ] {
        assert_status(
            &h.put(&robot_path, body).await,
            StatusCode::BAD_REQUEST,
            why,
        );
    }
    let ok = h
        .put(
            &robot_path,
            update("robot$library+puller", "project", "library"),
        )
        .await;
    assert_status(&ok, StatusCode::OK, "update");
    let robot = h.get(&robot_path).await.json();
    assert_eq!(robot["duration"], 7);
    assert_eq!(robot["description"], "pulls for CD");
    assert!(robot["expires_at"].as_i64().unwrap() > 0, "{robot}");
}

#[tokio::test]
async fn project_names_follow_harbors_pattern() {
    let h = Harbor::start().await;
    for bad in [
        "a-",
        "-a",
        "a--b",
        "a..b",
        "a_",
        "Upper",
        "with space",
        "a/b",
        "",
    ] {
        let answer = h.post("/projects", json!({"project_name": bad})).await;
        assert_status(&answer, StatusCode::BAD_REQUEST, bad);
    }
    // The spec's maxLength: go-swagger refuses it (422) before Harbor's handler runs.
    let long = "a".repeat(256);
    assert_status(
        &h.post("/projects", json!({"project_name": long})).await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "256 characters",
    );
    for good in ["a-b", "a.b_c-d", "123", "x"] {
        let answer = h.post("/projects", json!({"project_name": good})).await;
        assert_status(&answer, StatusCode::CREATED, good);
    }
    assert_status(
        &h.post("/projects", json!({"project_name": "a-b"})).await,
        StatusCode::CONFLICT,
        "taken",
    );
}

#[tokio::test]
async fn user_groups_are_found_by_name() {
    let h = Harbor::start().await;
    let found = h.get("/usergroups/search?groupname=de").await;
    assert_status(&found, StatusCode::OK, "search");
    assert_eq!(found.headers["X-Total-Count"], "1");
    let group = &found.json()[0];
    assert_eq!(group["group_name"], "dev");
    assert_eq!(group["group_type"], 1);
    let id = group["id"].as_i64().unwrap();
    assert_eq!(
        h.get(&format!("/usergroups/{id}")).await.json()["group_name"],
        "dev"
    );
    assert_eq!(
        h.get("/usergroups/search?groupname=ops").await.json(),
        json!([])
    );
    // An empty required query value is missing to go-swagger: 422 before the handler.
    assert_status(
        &h.get("/usergroups/search?groupname=").await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "an empty name",
    );
}

#[tokio::test]
async fn icons_of_known_digests_only() {
    let h = Harbor::start().await;
    let artifact = h
        .get("/projects/library/repositories/nginx/artifacts/latest")
        .await
        .json();
    let icon = artifact["icon"].as_str().unwrap();
    let found = h.get(&format!("/icons/{icon}")).await.json();
    assert_eq!(
        found["content-type"], "image/png",
        "the spec's key has a hyphen"
    );
    assert!(found["content"].as_str().is_some_and(|c| !c.is_empty()));
}

#[tokio::test(start_paused = true)]
async fn scanned_artifacts_have_real_reports() {
    let h = Harbor::start().await;
    let latest = "/projects/library/repositories/nginx/artifacts/latest";
    let report = h.get(&format!("{latest}/additions/vulnerabilities")).await;
    assert_status(&report, StatusCode::OK, "report");
    assert!(report.content_type().starts_with("application/json"));
    let report = report.json()[REPORT_MIME].clone();
    let vulns = report["vulnerabilities"].as_array().expect("a report");
    assert!(vulns.len() >= 4, "{report}");
    assert_eq!(report["severity"], "Critical");
    assert_eq!(report["scanner"]["name"], "Trivy");
    let severities: std::collections::BTreeSet<&str> = vulns
        .iter()
        .filter_map(|v| v["severity"].as_str())
        .collect();
    assert!(severities.len() >= 3, "{severities:?}");
    assert!(
        vulns.iter().any(|v| v["fix_version"] == ""),
        "an unfixed CVE"
    );
    assert!(vulns.iter().any(|v| v["fix_version"] != ""), "a fixed CVE");
    for v in vulns {
        for key in [
            "id",
            "package",
            "version",
            "description",
            "links",
            "preferred_cvss",
            "cwe_ids",
        ] {
            assert!(v.get(key).is_some(), "{key} in {v}");
        }
        assert!(
            v["artifact_digests"][0]
                .as_str()
                .unwrap()
                .starts_with("sha256:")
        );
    }

    // The older tag carries the OpenSSL findings the newer one fixed.
    let older = h
        .get("/projects/library/repositories/nginx/artifacts/1.27/additions/vulnerabilities")
        .await
        .json();
    let older = older[REPORT_MIME]["vulnerabilities"]
        .as_array()
        .unwrap()
        .len();
    assert!(older > vulns.len(), "{older} vs {}", vulns.len());

    let artifact = h
        .get(&format!(
            "{latest}?with_scan_overview=true&with_sbom_overview=true"
        ))
        .await
        .json();
    let overview = &artifact["scan_overview"][REPORT_MIME];
    assert_eq!(overview["scan_status"], "Success");
    assert_eq!(overview["severity"], "Critical");
    assert_eq!(overview["summary"]["total"], vulns.len());
    let fixable = vulns.iter().filter(|v| v["fix_version"] != "").count();
    assert_eq!(overview["summary"]["fixable"], fixable);
    let per_severity: i64 = overview["summary"]["summary"]
        .as_object()
        .unwrap()
        .values()
        .filter_map(Value::as_i64)
        .sum();
    assert_eq!(per_severity, vulns.len() as i64);
    assert!(
        artifact.get("sbom_overview").is_none(),
        "a vulnerability report is no SBOM: {artifact}"
    );

    let never = "/projects/demo/repositories/team%252Fapp/artifacts/v1.0.0";
    assert_eq!(
        h.get(&format!("{never}/additions/vulnerabilities"))
            .await
            .json(),
        json!({})
    );
    let stop = h
        .post(
            &format!("{never}/scan/stop"),
            json!({"scan_type": "vulnerability"}),
        )
        .await;
    // Harbor's scan controller answers `errors.BadRequestError` (`Stop`: no scan job).
    assert_status(
        &stop,
        StatusCode::BAD_REQUEST,
        "stopping a scan that never ran",
    );
    let scanned = h.post(&format!("{never}/scan"), json!({})).await;
    assert_status(&scanned, StatusCode::ACCEPTED, "scan");
    run_to_end(JobKind::Scan).await;
    let overview = h
        .get(&format!("{never}?with_scan_overview=true"))
        .await
        .json();
    assert_eq!(
        overview["scan_overview"][REPORT_MIME]["scan_status"],
        "Success"
    );
    assert_ne!(
        overview["scan_overview"][REPORT_MIME]["end_time"], ZERO_TIME,
        "a finished scan has its end"
    );
}

#[tokio::test]
async fn job_service_and_scan_logs_know_their_jobs() {
    let h = Harbor::start().await;
    let retention = h.get("/projects/library").await.json()["metadata"]["retention_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let runs = h
        .get(&format!("/retentions/{retention}/executions"))
        .await
        .json();
    let run = runs[0]["id"].as_i64().unwrap();
    let tasks = h
        .get(&format!("/retentions/{retention}/executions/{run}/tasks"))
        .await
        .json();
    let job = tasks[0]["job_id"].as_str().unwrap().to_owned();
    let log = h.get(&format!("/jobservice/jobs/{job}/log")).await;
    assert_status(&log, StatusCode::OK, "a task's log by its job id");
    assert!(
        log.text
            .contains("Run retention process.\n Repository: library/"),
        "{}",
        log.text
    );
    assert_status(
        &h.get("/jobservice/jobs/0123456789abcdef01234567/log").await,
        StatusCode::NOT_FOUND,
        "an unknown job",
    );
    assert_status(
        &h.put(
            "/jobservice/jobs/0123456789abcdef01234567",
            json!({"action": "stop"}),
        )
        .await,
        StatusCode::OK,
        "stopping an unknown job: Harbor's stopJob takes it as already complete",
    );
    let schedules = h.get("/schedules").await.json();
    let vendors: Vec<&str> = schedules
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|s| s["vendor_type"].as_str())
        .collect();
    assert!(vendors.contains(&"GARBAGE_COLLECTION"), "{schedules}");
    assert_eq!(h.get("/schedules/all/paused").await.json()["paused"], false);

    let latest = "/projects/library/repositories/nginx/artifacts/latest";
    let artifact = h
        .get(&format!("{latest}?with_scan_overview=true"))
        .await
        .json();
    let report = artifact["scan_overview"][REPORT_MIME]["report_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let scan_log = h.get(&format!("{latest}/scan/{report}/log")).await;
    assert_status(&scan_log, StatusCode::OK, "the report's scan log");
    assert!(
        scan_log.text.contains("CVE-2023-45853"),
        "{}",
        scan_log.text
    );
    assert_status(
        &h.get(&format!(
            "{latest}/scan/00000000-0000-0000-0000-000000000000/log"
        ))
        .await,
        StatusCode::NOT_FOUND,
        "an unknown report",
    );
}

#[tokio::test(start_paused = true)]
async fn gc_removes_untagged_artifacts_unless_dry_run() {
    let h = Harbor::start().await;
    let alpine = "/projects/library/repositories/alpine/artifacts";
    let digest = h.get(&format!("{alpine}/3.20")).await.json()["digest"]
        .as_str()
        .unwrap()
        .to_owned();
    let untag = h.delete(&format!("{alpine}/3.20/tags/3.20")).await;
    assert_status(&untag, StatusCode::OK, "untag");
    let gc = |dry_run: bool| json!({"schedule": {"type": "Manual"}, "parameters": {"delete_untagged": true, "dry_run": dry_run}});
    let dry = h.post("/system/gc/schedule", gc(true)).await.location();
    run_to_end(JobKind::GarbageCollection).await;
    let log = h.get(&format!("{dry}/log")).await.text;
    assert!(
        log.contains(&format!(
            "delete the untagged artifact: ProjectID:(1)-RepositoryName(library/alpine)-MediaType:(application/vnd.docker.distribution.manifest.v2+json)-Digest:({digest})"
        )),
        "{log}"
    );
    assert!(log.contains("dry_run: true"), "{log}");
    assert_status(
        &h.get(&format!("{alpine}/{digest}")).await,
        StatusCode::OK,
        "a dry run deletes nothing",
    );
    h.post("/system/gc/schedule", gc(false)).await;
    assert_status(
        &h.get(&format!("{alpine}/{digest}")).await,
        StatusCode::OK,
        "a GC deletes nothing before its job runs",
    );
    run_to_end(JobKind::GarbageCollection).await;
    assert_status(
        &h.get(&format!("{alpine}/{digest}")).await,
        StatusCode::NOT_FOUND,
        "GC deleted the untagged artifact",
    );
    assert_status(
        &h.get("/projects/library/repositories/nginx/artifacts/latest")
            .await,
        StatusCode::OK,
        "tagged artifacts stay",
    );
}

#[tokio::test]
async fn system_info_and_last_triggers_follow_the_state() {
    let h = Harbor::start().await;
    h.put(
        "/configurations",
        json!({"banner_message": "read the docs", "self_registration": true}),
    )
    .await;
    let info = h.get("/systeminfo").await.json();
    assert_eq!(info["banner_message"], "read the docs");
    assert_eq!(info["self_registration"], true);
    assert_eq!(info["auth_mode"], "db_auth");
    assert!(has_millis(&info["current_time"]), "{info}");
    let anonymous = h
        .http
        .get(format!("{}/systeminfo", h.sim.api_url()))
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap();
    assert_eq!(anonymous["banner_message"], "read the docs");
    assert!(anonymous.get("harbor_version").is_none(), "{anonymous}");

    let triggers = h.get("/projects/demo/webhook/lasttrigger").await.json();
    let last = |event: &str| {
        triggers
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["event_type"] == event)
            .map(|t| t["last_trigger_time"].clone())
            .unwrap()
    };
    assert!(has_millis(&last("PUSH_ARTIFACT")), "{triggers}");
    assert_eq!(last("DELETE_ARTIFACT"), ZERO_TIME, "never triggered");
}
