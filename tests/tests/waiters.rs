//! Waiters end to end (issue 23, part 2): `wait_for_execution` for every kind of Harbor job
//! and `wait_for_scan`, against `harbor-sim` whose jobs live on tokio's clock (queued, running,
//! then their outcome), on the paused clock, so every instant below is exact.

use std::time::Duration;

use futures::StreamExt;
use harbor_client::waiters::{
    ArtifactRef, Job, Phase, ScanOutcome, WaitEvent, WaitOptions, WaitOutcome,
};
use harbor_client::{HarborClient, models};
use harbor_sim::{FaultRule, JobKind, Lifecycle, RunningSimulator, Simulator};
use retry_runtime::wait;
use tokio::time::Instant;

const ALL_KINDS: [JobKind; 8] = [
    JobKind::GarbageCollection,
    JobKind::PurgeAudit,
    JobKind::ScanAll,
    JobKind::Replication,
    JobKind::Retention,
    JobKind::Preheat,
    JobKind::ScanDataExport,
    JobKind::Webhook,
];

/// The operation a waiter reads a job of `kind` with (what the simulator counts).
fn read_operation(kind: JobKind) -> &'static str {
    match kind {
        JobKind::GarbageCollection => "getGC",
        JobKind::PurgeAudit => "getPurgeJob",
        JobKind::ScanAll => "getLatestScanAllMetrics",
        JobKind::Replication => "getReplicationExecution",
        JobKind::Retention => "listRetentionExecutions",
        JobKind::Preheat => "GetExecution",
        JobKind::ScanDataExport => "getScanDataExportExecution",
        JobKind::Webhook | JobKind::Slack => "ListExecutionsOfWebhookPolicy",
        JobKind::Scan => "getArtifact",
        other => panic!("no waiter reads {other:?}"),
    }
}

/// A simulator whose executions show each task change at once (Harbor configured with
/// `EXECUTION_STATUS_REFRESH_INTERVAL_SECONDS=0`), so the instants below are the jobs' own;
/// [`a_job_retried_between_status_refreshes_is_not_reported_failed`] waits under
/// Harbor's default 30-second refresh.
async fn simulator() -> (RunningSimulator, HarborClient) {
    simulator_refreshing(Duration::ZERO).await
}

async fn simulator_refreshing(every: Duration) -> (RunningSimulator, HarborClient) {
    let sim = Simulator::builder()
        .seed_demo(true)
        .execution_status_refresh(every)
        .start()
        .await
        .expect("simulator starts");
    // Harbor reaches the registry and the webhook target of the demo data.
    sim.handle().with_state(|s| {
        s.reachability.allow("hub.docker.com");
        s.reachability.allow("registry-1.docker.io");
    });
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .build()
        .expect("client builds");
    client.update_retry(|s| s.logger(false)).unwrap();
    (sim, client)
}

fn manual() -> models::Schedule {
    serde_json::from_str(r#"{"schedule": {"type": "Manual"}}"#).unwrap()
}

/// Starts a job of `kind` through Harbor's API, as a user would, and names it for a waiter.
async fn start(sim: &RunningSimulator, client: &HarborClient, kind: JobKind) -> Job {
    match kind {
        JobKind::GarbageCollection => Job::gc(
            client
                .create_gc_schedule(&manual())
                .await
                .unwrap()
                .id()
                .unwrap(),
        ),
        JobKind::PurgeAudit => {
            let schedule = serde_json::from_str(
                r#"{"schedule": {"type": "Manual"},
                    "parameters": {"audit_retention_hour": 24, "include_event_types": "create_artifact"}}"#,
            )
            .unwrap();
            Job::purge_audit(
                client
                    .create_purge_schedule(&schedule)
                    .await
                    .unwrap()
                    .id()
                    .unwrap(),
            )
        }
        JobKind::ScanAll => {
            client.create_scan_all_schedule(&manual()).await.unwrap();
            Job::scan_all()
        }
        JobKind::Replication => {
            let policy = client
                .get_replication_policies_all(&Default::default(), Some(1))
                .await
                .unwrap()[0]
                .id
                .unwrap();
            let started = client
                .start_replication(&models::StartReplicationExecution {
                    policy_id: Some(policy),
                })
                .await
                .unwrap();
            Job::replication(started.id().unwrap())
        }
        JobKind::Retention => {
            let project = client
                .get_project("library", &Default::default())
                .await
                .unwrap();
            let policy: i64 = project
                .metadata
                .and_then(|m| m.retention_id)
                .expect("library has a retention policy")
                .parse()
                .unwrap();
            client
                .trigger_retention_execution(policy, &Default::default())
                .await
                .unwrap();
            let newest = client
                .get_retention_executions_all(policy, &Default::default(), None)
                .await
                .unwrap()
                .into_iter()
                .filter_map(|e| e.id)
                .max()
                .unwrap();
            Job::retention(policy, newest)
        }
        JobKind::Preheat => {
            let started = client
                .manual_preheat("library", "nightly", &Default::default())
                .await
                .unwrap();
            Job::preheat("library", "nightly", started.id().unwrap())
        }
        JobKind::ScanDataExport => {
            let body = serde_json::from_str(r#"{"projects": [1]}"#).unwrap();
            let job = client
                .export_scan_data(
                    "application/vnd.security.vulnerability.report; version=1.1",
                    &body,
                )
                .await
                .unwrap();
            Job::scan_data_export(job.id.unwrap())
        }
        JobKind::Webhook => {
            let policy = client
                .get_webhook_policies_all("demo", &Default::default(), Some(1))
                .await
                .unwrap()[0]
                .id
                .unwrap();
            // A push is an event the demo project's webhook delivers.
            sim.handle()
                .push_image("demo", "waiters", "v1")
                .expect("push");
            let newest = client
                .get_webhook_policy_executions_all("demo", policy, &Default::default(), None)
                .await
                .unwrap()
                .into_iter()
                .filter_map(|e| e.id)
                .max()
                .expect("the push started a delivery");
            Job::webhook("demo", policy, newest)
        }
        other => panic!("no execution for {other:?}"),
    }
}

fn every_second() -> WaitOptions {
    WaitOptions::new()
        .poll(wait::constant().interval(1))
        .confirm_failure_after(Duration::from_secs(5))
        .deadline(Duration::from_secs(120))
}

/// The statuses a watched wait reported, and how it ended.
async fn watch(
    client: &HarborClient,
    job: &Job,
    options: &WaitOptions,
) -> (Vec<Phase>, WaitOutcome) {
    let mut phases = Vec::new();
    let mut events = std::pin::pin!(client.watch_execution(job, options));
    while let Some(event) = events.next().await {
        match event {
            WaitEvent::Changed(status) => phases.push(status.phase),
            WaitEvent::Ended(outcome) => return (phases, outcome.expect("no hard error")),
            _ => unreachable!(),
        }
    }
    panic!("the stream ended without its outcome");
}

/// Starts a job of `kind` queued 1 s, running `running`, reading failed for `failed_for`,
/// running again and succeeding; waits on it, reading every second, and checks that the
/// waiter saw the failure, did not report it, and ended at `ends` or at most a second later.
async fn waits_through_a_retry(
    sim: &RunningSimulator,
    client: &HarborClient,
    kind: JobKind,
    (running, failed_for): (Duration, Duration),
    ends: Duration,
) {
    sim.handle().set_job_lifecycle(
        kind,
        Lifecycle::new(Duration::from_secs(1), running)
            .fails_then_succeeds("connection reset by peer", failed_for),
    );
    let job = start(sim, client, kind).await;
    let started = Instant::now();
    let (phases, outcome) = watch(client, &job, &every_second()).await;
    assert!(
        outcome.is_success(),
        "{kind:?}: {outcome:?} after {phases:?}"
    );
    assert!(phases.contains(&Phase::Failed), "{kind:?}: {phases:?}");
    assert_eq!(phases.last(), Some(&Phase::Succeeded), "{kind:?}");
    let waited = started.elapsed();
    assert!(
        waited >= ends && waited <= ends + Duration::from_secs(1),
        "{kind:?}: {waited:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn every_job_kind_succeeds_through_a_transient_failure() {
    let (sim, client) = simulator().await;
    for kind in ALL_KINDS {
        // Runs 5 s, reads failed for 2 s, runs again 5 s: 1 + 5 + 2 + 5 s of the job.
        let retry = (Duration::from_secs(5), Duration::from_secs(2));
        waits_through_a_retry(&sim, &client, kind, retry, Duration::from_secs(13)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_job_retried_between_status_refreshes_is_not_reported_failed() {
    // Harbor's default: the execution's status follows its task's at a refresh every 30 s.
    // The task fails at 26 s and runs again at 32 s until 57 s: the refresh at 30 s shows the
    // failure, which the execution keeps until the one at 60 s, while its task counts, read
    // live, show the retry from 32 s and its success at 57 s. A second look 5 s after the
    // failure still reads it; the counts tell the waiter the job is not over. Replication
    // answers its counts; a retention run's are read from its tasks (both retry a task,
    // `MaxFails` 3).
    for kind in [JobKind::Replication, JobKind::Retention] {
        let (sim, client) = simulator_refreshing(Duration::from_secs(30)).await;
        let retry = (Duration::from_secs(25), Duration::from_secs(6));
        waits_through_a_retry(&sim, &client, kind, retry, Duration::from_secs(60)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_scan_queued_without_an_overview_is_waited_for() {
    let (sim, client) = simulator().await;
    sim.handle().set_job_lifecycle(
        JobKind::Scan,
        Lifecycle::new(Duration::from_secs(3), Duration::from_secs(4)),
    );
    let artifact = ArtifactRef::new("library", "nginx", "latest");
    let outcome = client
        .scan_and_wait(artifact, &every_second())
        .await
        .expect("no hard error");
    let ScanOutcome::Succeeded { summary, waited } = outcome else {
        panic!("the scan succeeds: {outcome:?}");
    };
    assert_eq!(summary.scan_status.as_deref(), Some("Success"));
    assert_eq!(waited, Duration::from_secs(7));
    // One read a second, from 0 s to 7 s.
    assert_eq!(sim.handle().counts("getArtifact").unwrap().received, 8);
}

#[tokio::test(start_paused = true)]
async fn polling_follows_the_wait_generator() {
    let (sim, client) = simulator().await;
    sim.handle().set_job_lifecycle(
        JobKind::GarbageCollection,
        Lifecycle::new(Duration::ZERO, Duration::from_secs(20)),
    );
    let job = start(&sim, &client, JobKind::GarbageCollection).await;
    sim.handle().reset_counters();
    let options = WaitOptions::new()
        .poll(wait::expo())
        .deadline(Duration::from_secs(120));
    let outcome = client.wait_for_execution(&job, &options).await.unwrap();
    // Reads at 0, 1, 3, 7, 15 (running) and 31 s (done): waits of 1, 2, 4, 8, 16 s.
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.waited(), Duration::from_secs(31));
    assert_eq!(sim.handle().counts("getGC").unwrap().received, 6);
}

#[tokio::test(start_paused = true)]
async fn a_stuck_job_ends_at_the_deadline_with_its_last_status() {
    let (sim, client) = simulator().await;
    for kind in ALL_KINDS {
        sim.handle().set_job_lifecycle(
            kind,
            Lifecycle::new(Duration::from_secs(1), Duration::from_secs(1)).stuck(),
        );
        let job = start(&sim, &client, kind).await;
        sim.handle().reset_counters();
        let options = WaitOptions::new()
            .poll(wait::constant().interval(4))
            .deadline(Duration::from_secs(30));
        let started = Instant::now();
        let outcome = client.wait_for_execution(&job, &options).await.unwrap();
        let WaitOutcome::DeadlinePassed {
            last,
            last_error,
            waited,
        } = outcome
        else {
            panic!("{kind:?}: a stuck job cannot end: {outcome:?}");
        };
        assert_eq!(
            last.expect("a read succeeded").phase,
            Phase::Running,
            "{kind:?}"
        );
        assert!(last_error.is_none(), "{kind:?}");
        // The deadline, to the millisecond on the paused clock.
        let late = waited.abs_diff(Duration::from_secs(30));
        assert!(late <= Duration::from_millis(50), "{kind:?}: {waited:?}");
        assert!(started.elapsed().abs_diff(Duration::from_secs(30)) <= Duration::from_millis(50));
        // Reads at 0, 4, ..., 28 and 30 s.
        let reads = sim.handle().counts(read_operation(kind)).unwrap().received;
        assert_eq!(reads, 9, "{kind:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn a_real_failure_is_confirmed_then_reported_with_its_reason_and_tasks() {
    let (sim, client) = simulator().await;
    sim.handle().set_job_lifecycle(
        JobKind::Replication,
        Lifecycle::new(Duration::from_secs(1), Duration::from_secs(3)).fails("pull access denied"),
    );
    let job = start(&sim, &client, JobKind::Replication).await;
    let outcome = client
        .wait_for_execution(&job, &every_second())
        .await
        .unwrap();
    let WaitOutcome::Failed {
        status,
        reason,
        tasks,
        waited,
    } = outcome
    else {
        panic!("the replication fails: {outcome:?}");
    };
    assert_eq!(status.phase, Phase::Failed);
    // First seen failed at 4 s, confirmed 5 s later.
    assert_eq!(waited, Duration::from_secs(9));
    assert!(!tasks.is_empty());
    assert!(
        tasks.iter().all(|t| t.status.phase == Phase::Failed),
        "{tasks:?}"
    );
    assert!(!reason.is_empty(), "{reason}");
}

#[tokio::test(start_paused = true)]
async fn a_stopped_job_is_reported_stopped() {
    let (sim, client) = simulator().await;
    sim.handle().set_job_lifecycle(
        JobKind::GarbageCollection,
        Lifecycle::new(Duration::ZERO, Duration::from_secs(1)).stuck(),
    );
    let job = start(&sim, &client, JobKind::GarbageCollection).await;
    let Job::GarbageCollection { id } = job else {
        unreachable!()
    };
    let stopper = {
        let client = client.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_millis(9_500)).await;
            client.stop_gc_job(id).await
        })
    };
    let outcome = client
        .wait_for_execution(&job, &every_second())
        .await
        .unwrap();
    stopper.await.unwrap().expect("the stop is accepted");
    assert!(
        matches!(outcome, WaitOutcome::Stopped { .. }),
        "{outcome:?}"
    );
    assert_eq!(outcome.waited(), Duration::from_secs(10));
}

#[tokio::test(start_paused = true)]
async fn throttling_while_polling_slows_the_polling_and_never_ends_it() {
    let (sim, client) = simulator().await;
    sim.handle().set_job_lifecycle(
        JobKind::GarbageCollection,
        Lifecycle::new(Duration::ZERO, Duration::from_secs(40)),
    );
    let job = start(&sim, &client, JobKind::GarbageCollection).await;
    sim.handle().reset_counters();
    // The next three reads: 429 with Retry-After 10 s, then 503 with Retry-After 10 s twice.
    sim.handle()
        .inject(
            FaultRule::new(harbor_sim::Fault::status_retry_after(429, 10))
                .operation("getGC")
                .times(1),
        )
        .unwrap();
    sim.handle()
        .inject(
            FaultRule::new(harbor_sim::Fault::status_retry_after(503, 10))
                .operation("getGC")
                .times(2),
        )
        .unwrap();
    let options = WaitOptions::new()
        .poll(wait::constant().interval(1))
        .deadline(Duration::from_secs(120));
    let outcome = client.wait_for_execution(&job, &options).await.unwrap();
    assert!(outcome.is_success(), "{outcome:?}");
    // Three throttled reads at 0, 10 and 20 s, each followed by its Retry-After of 10 s
    // (instead of the generator's 1 s), then one a second from 30 s until the job ends at 40 s.
    assert_eq!(outcome.waited(), Duration::from_secs(40));
    let counts = sim.handle().counts("getGC").unwrap();
    assert_eq!((counts.faults, counts.received), (3, 3 + 11));
}

#[tokio::test(start_paused = true)]
async fn a_job_that_does_not_exist_is_an_error_not_a_wait() {
    let (_sim, client) = simulator().await;
    let error = client
        .wait_for_execution(&Job::gc(999_999), &every_second())
        .await
        .expect_err("Harbor answers 404");
    assert_eq!(error.status(), Some(404));
}
