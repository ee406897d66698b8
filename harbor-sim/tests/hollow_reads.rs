//! Reads where Harbor always has data, answered from the simulator's state rather than an
//! empty list or `{}`: the job service's pool, workers and queues, jobs known by their job
//! id whatever runs them, the P2P drivers, the security hub over the demo's scan reports,
//! and the metadata of reachable scanner adapters. Every answer is checked against the spec
//! when each test ends.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

mod support;

struct Answer {
    status: StatusCode,
    location: Option<String>,
    text: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text).unwrap_or(Value::Null)
    }
}

async fn send(
    sim: &support::CheckedSim,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> Answer {
    let admin = ("admin", "Harbor12345");
    let (status, location, text) = support::send_as(sim, admin, method, path, body).await;
    Answer {
        status,
        location,
        text,
    }
}

async fn get(sim: &support::CheckedSim, path: &str) -> Answer {
    send(sim, Method::GET, path, None).await
}

/// The workers busy with a job, as `(job_name, job_id)`.
async fn busy_workers(sim: &support::CheckedSim) -> Vec<(String, String)> {
    get(sim, "/jobservice/pools/all/workers")
        .await
        .json()
        .as_array()
        .expect("a list of workers")
        .iter()
        .filter_map(|w| {
            Some((
                w["job_name"].as_str()?.to_owned(),
                w["job_id"].as_str()?.to_owned(),
            ))
        })
        .collect()
}

/// Moves tokio's paused clock past the queue of a job of `kind` started now: it runs.
async fn past_the_queue(kind: harbor_sim::JobKind) {
    tokio::time::advance(harbor_sim::Lifecycle::default_for(kind).queued()).await;
}

#[tokio::test(start_paused = true)]
async fn the_job_service_has_a_pool_workers_and_queues() {
    let sim = support::start().await;
    let pools = get(&sim, "/jobservice/pools").await.json();
    assert_eq!(pools.as_array().map(Vec::len), Some(1), "{pools}");
    let pool = pools[0]["worker_pool_id"].as_str().unwrap().to_owned();
    let concurrency = pools[0]["concurrency"].as_u64().unwrap() as usize;
    let workers = get(&sim, &format!("/jobservice/pools/{pool}/workers"))
        .await
        .json();
    assert_eq!(workers.as_array().unwrap().len(), concurrency);
    assert!(
        workers
            .as_array()
            .unwrap()
            .iter()
            .all(|w| w["pool_id"] == json!(pool))
    );
    let none = get(&sim, "/jobservice/pools/0000/workers").await.json();
    assert_eq!(none, json!([]), "an unknown pool has no workers");

    // A GC run occupies a worker from when it leaves the queue until it ends; its job id
    // leads to its log and stops it.
    let started = send(
        &sim,
        Method::POST,
        "/system/gc/schedule",
        Some(json!({"schedule": {"type": "Manual"}, "parameters": {"dry_run": true}})),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED, "{}", started.text);
    past_the_queue(harbor_sim::JobKind::GarbageCollection).await;
    let busy = busy_workers(&sim).await;
    let (name, job) = busy
        .iter()
        .find(|(name, _)| name == "GARBAGE_COLLECTION")
        .cloned()
        .unwrap_or_else(|| panic!("a busy GC worker in {busy:?}"));
    assert_eq!(name, "GARBAGE_COLLECTION");
    let log = get(&sim, &format!("/jobservice/jobs/{job}/log")).await;
    assert_eq!(log.status, StatusCode::OK);
    assert!(!log.text.is_empty());
    let stop = send(&sim, Method::PUT, &format!("/jobservice/jobs/{job}"), None).await;
    assert_eq!(stop.status, StatusCode::OK);
    assert!(busy_workers(&sim).await.iter().all(|(_, id)| *id != job));
    let run = started.location.unwrap();
    let run_id = run.rsplit('/').next().unwrap();
    let gc = get(&sim, &format!("/system/gc/{run_id}")).await.json();
    assert_eq!(gc["job_status"], "Stopped", "{gc}");

    // Queues: the job types Harbor registers, paused and resumed by type or all at once.
    let queues = get(&sim, "/jobservice/queues").await.json();
    let types: Vec<&str> = queues
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|q| q["job_type"].as_str())
        .collect();
    for t in ["GARBAGE_COLLECTION", "REPLICATION", "WEBHOOK", "IMAGE_SCAN"] {
        assert!(types.contains(&t), "{t} in {types:?}");
    }
    assert!(!types.contains(&"DEMO"), "the monitor skips the demo job");
    let pause = send(
        &sim,
        Method::PUT,
        "/jobservice/queues/webhook",
        Some(json!({"action": "pause"})),
    )
    .await;
    assert_eq!(pause.status, StatusCode::OK, "{}", pause.text);
    let paused = |queues: &Value| -> Vec<String> {
        queues
            .as_array()
            .unwrap()
            .iter()
            .filter(|q| q["paused"] == true)
            .filter_map(|q| q["job_type"].as_str().map(str::to_owned))
            .collect()
    };
    assert_eq!(
        paused(&get(&sim, "/jobservice/queues").await.json()),
        ["WEBHOOK"]
    );
    send(
        &sim,
        Method::PUT,
        "/jobservice/queues/all",
        Some(json!({"action": "pause"})),
    )
    .await;
    assert_eq!(
        paused(&get(&sim, "/jobservice/queues").await.json()).len(),
        types.len()
    );
    send(
        &sim,
        Method::PUT,
        "/jobservice/queues/ALL",
        Some(json!({"action": "resume"})),
    )
    .await;
    assert!(paused(&get(&sim, "/jobservice/queues").await.json()).is_empty());
}

#[tokio::test(start_paused = true)]
async fn replication_and_webhook_jobs_are_known_by_their_job_ids() {
    let sim = support::start().await;
    let policy = get(&sim, "/replication/policies").await.json()[0]["id"].clone();
    let started = send(
        &sim,
        Method::POST,
        "/replication/executions",
        Some(json!({"policy_id": policy})),
    )
    .await;
    assert_eq!(started.status, StatusCode::CREATED);
    let run = started.location.unwrap();
    let run_id = run.rsplit('/').next().unwrap().to_owned();
    let tasks = get(&sim, &format!("/replication/executions/{run_id}/tasks"))
        .await
        .json();
    let job = tasks[0]["job_id"].as_str().unwrap().to_owned();
    let task = tasks[0]["id"].as_i64().unwrap();
    past_the_queue(harbor_sim::JobKind::Replication).await;
    assert!(
        busy_workers(&sim)
            .await
            .contains(&("REPLICATION".to_owned(), job.clone())),
        "a running replication holds a worker"
    );
    let log = get(&sim, &format!("/jobservice/jobs/{job}/log")).await;
    assert_eq!(log.status, StatusCode::OK);
    let task_log = get(
        &sim,
        &format!("/replication/executions/{run_id}/tasks/{task}/log"),
    )
    .await;
    assert_eq!(log.text, task_log.text, "one log, read either way");
    assert_eq!(
        send(&sim, Method::PUT, &format!("/jobservice/jobs/{job}"), None)
            .await
            .status,
        StatusCode::OK
    );
    let stopped = get(&sim, &format!("/replication/executions/{run_id}"))
        .await
        .json();
    assert_eq!(stopped["status"], "Stopped", "{stopped}");

    // A webhook delivery is a job too: the demo's policy on `demo` has delivered once.
    let project = get(&sim, "/projects/demo").await.json()["project_id"].clone();
    let policies = get(&sim, &format!("/projects/{project}/webhook/policies"))
        .await
        .json();
    let policy = policies[0]["id"]
        .as_i64()
        .expect("the demo's webhook policy");
    let runs = get(
        &sim,
        &format!("/projects/{project}/webhook/policies/{policy}/executions"),
    )
    .await
    .json();
    let run = runs[0]["id"].as_i64().expect("a webhook execution");
    let tasks = get(
        &sim,
        &format!("/projects/{project}/webhook/policies/{policy}/executions/{run}/tasks"),
    )
    .await
    .json();
    let task = tasks[0]["id"].as_i64().unwrap();
    let job = format!("{task:024x}");
    let log = get(&sim, &format!("/jobservice/jobs/{job}/log")).await;
    assert_eq!(log.status, StatusCode::OK, "{}", log.text);
    let task_log = get(
        &sim,
        &format!("/projects/{project}/webhook/policies/{policy}/executions/{run}/tasks/{task}/log"),
    )
    .await;
    assert_eq!(log.text, task_log.text);
}

#[tokio::test]
async fn the_preheat_drivers_harbor_ships_are_listed() {
    let sim = support::start().await;
    let providers = get(&sim, "/p2p/preheat/providers").await.json();
    let ids: Vec<&str> = providers
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, ["dragonfly", "kraken"]);
    assert!(
        providers[0]["maintainers"]
            .as_array()
            .is_some_and(|m| !m.is_empty())
    );
}

/// Sums of the demo's scan overviews, read through the artifact API: critical, high,
/// medium, low, fixable, scanned artifacts, all artifacts.
async fn overview_sums(sim: &support::CheckedSim) -> [i64; 7] {
    let mut sums = [0i64; 7];
    for (project, repo) in [
        ("library", "nginx"),
        ("library", "alpine"),
        ("demo", "team%252Fapp"),
    ] {
        let artifacts = get(
            sim,
            &format!("/projects/{project}/repositories/{repo}/artifacts?with_scan_overview=true"),
        )
        .await
        .json();
        for a in artifacts.as_array().unwrap() {
            sums[6] += 1;
            let Some(report) = a["scan_overview"]
                .as_object()
                .and_then(|o| o.values().next())
            else {
                continue;
            };
            sums[5] += 1;
            let by = &report["summary"]["summary"];
            for (i, severity) in ["Critical", "High", "Medium", "Low"].iter().enumerate() {
                sums[i] += by[severity].as_i64().unwrap_or(0);
            }
            sums[4] += report["summary"]["fixable"].as_i64().unwrap_or(0);
        }
    }
    sums
}

#[tokio::test]
async fn the_security_hub_summarises_the_scan_reports() {
    let sim = support::start().await;
    let [critical, high, medium, low, fixable, scanned, total] = overview_sums(&sim).await;
    assert!(
        scanned > 0 && critical + high > 0,
        "the demo has scan reports"
    );
    let plain = get(&sim, "/security/summary").await.json();
    assert_eq!(plain["critical_cnt"], critical);
    assert_eq!(plain["high_cnt"], high);
    assert_eq!(plain["medium_cnt"], medium);
    assert_eq!(plain["low_cnt"], low);
    assert_eq!(plain["fixable_cnt"], fixable);
    assert_eq!(plain["scanned_cnt"], scanned);
    assert_eq!(plain["total_artifact"], total);
    assert!(plain.get("dangerous_cves").is_none(), "only when asked for");

    let full = get(
        &sim,
        "/security/summary?with_dangerous_cve=True&with_dangerous_artifact=true",
    )
    .await
    .json();
    let cves = full["dangerous_cves"].as_array().expect("top CVEs");
    assert!(!cves.is_empty() && cves.len() <= 5);
    let scores: Vec<f64> = cves
        .iter()
        .filter_map(|c| c["cvss_score_v3"].as_f64())
        .collect();
    assert!(
        scores.windows(2).all(|w| w[0] >= w[1]),
        "highest first: {scores:?}"
    );
    let artifacts = full["dangerous_artifacts"]
        .as_array()
        .expect("top artifacts");
    assert!(!artifacts.is_empty() && artifacts.len() <= 5);
    let criticals: Vec<i64> = artifacts
        .iter()
        .filter_map(|a| a["critical_cnt"].as_i64())
        .collect();
    assert!(criticals.windows(2).all(|w| w[0] >= w[1]), "{criticals:?}");
}

#[tokio::test]
async fn vulnerabilities_are_searched_over_the_reports() {
    let sim = support::start().await;
    let summary = get(&sim, "/security/summary").await.json();
    let all = get(&sim, "/security/vul?page_size=100").await;
    assert_eq!(all.status, StatusCode::OK);
    assert_eq!(
        all.json().as_array().unwrap().len() as i64,
        summary["total_vuls"].as_i64().unwrap()
    );

    let critical = get(&sim, "/security/vul?q=severity%3DCritical&with_tag=true")
        .await
        .json();
    let critical = critical.as_array().unwrap();
    assert_eq!(
        critical.len() as i64,
        summary["critical_cnt"].as_i64().unwrap()
    );
    assert!(critical.iter().all(|v| v["severity"] == "Critical"));
    assert!(
        critical
            .iter()
            .any(|v| v["tags"].as_array().is_some_and(|t| !t.is_empty()))
    );

    let scored = get(
        &sim,
        "/security/vul?q=cvss_score_v3%3D%5B7~10%5D&page_size=100",
    )
    .await
    .json();
    let scored = scored.as_array().unwrap();
    assert!(!scored.is_empty());
    assert!(
        scored
            .iter()
            .all(|v| v["cvss_v3_score"].as_f64().unwrap() >= 7.0)
    );

    let tagged = get(&sim, "/security/vul?q=tag%3D1.27&page_size=100")
        .await
        .json();
    assert!(
        tagged
            .as_array()
            .unwrap()
            .iter()
            .all(|v| v["repository_name"] == "library/nginx")
    );

    for (q, message) in [
        ("name%3Dx", "keyword: name is not allowed"),
        (
            "severity%3D~Crit",
            "keyword: severity, the query type is not allowed",
        ),
        (
            "cvss_score_v3%3D9",
            "keyword: cvss_score_v3, the query type is not allowed",
        ),
    ] {
        let refused = get(&sim, &format!("/security/vul?q={q}")).await;
        assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{q}");
        assert!(refused.text.contains(message), "{q}: {}", refused.text);
    }
}

#[tokio::test]
async fn a_reachable_scanner_adapter_tells_its_capabilities() {
    let sim = support::start().await;
    let scanners = get(&sim, "/scanners").await.json();
    let uuid = scanners[0]["uuid"].as_str().unwrap().to_owned();
    let metadata = get(&sim, &format!("/scanners/{uuid}/metadata"))
        .await
        .json();
    let types: Vec<&str> = metadata["capabilities"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|c| c["type"].as_str())
        .collect();
    assert_eq!(types, ["vulnerability", "sbom"]);
    // The registration does not answer its adapter's name (`ScannerRegistration.ToSwagger`
    // fills it only for a pinged project scanner); the adapter is Harbor's Trivy adapter.
    assert_eq!(metadata["scanner"]["name"], "Trivy");

    sim.handle()
        .with_state(|s| s.reachability.deny("trivy-adapter"));
    let unreachable = get(&sim, &format!("/scanners/{uuid}/metadata")).await;
    assert_eq!(unreachable.status, StatusCode::INTERNAL_SERVER_ERROR);
}
