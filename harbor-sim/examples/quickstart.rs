//! Quickstart: a fake Harbor with faults switched on, and the client riding through them.
//!
//! ```text
//! cargo run -p harbor-sim --example quickstart
//! ```
//! Starts the simulator in-process (demo data, admin / Harbor12345), arms one fault per
//! failure mode, runs a realistic sequence with `harbor-client` (one read hedged), prints every
//! backoff from an `on_backoff` hook, scans an image and watches the scan to its report (a
//! waiter), and ends with what the server saw. Takes a few seconds: the waits are
//! real here (tests run the same faults on tokio's paused clock).

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt;
use harbor_client::methods::{GetArtifactParams, GetProjectsParams};
use harbor_client::waiters::{ArtifactRef, ScanOutcome, WaitEvent, WaitOptions};
use harbor_client::{HarborClient, default_retry_settings, models, operations};
use harbor_sim::{Fault, FaultRule, JobKind, Lifecycle, Simulator};
use retry_runtime::Outcome;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let sim = Simulator::start().await?;
    println!("fake Harbor at {} (admin / Harbor12345)\n", sim.api_url());

    // One fault per failure mode, each on the operation the sequence below calls.
    let faults = sim.handle();
    faults.inject(
        FaultRule::new(Fault::status_retry_after(429, 1))
            .operation("listProjects")
            .times(1),
    )?;
    faults.inject(
        FaultRule::new(Fault::status(503))
            .operation("getProject")
            .times(2),
    )?;
    faults.inject(
        FaultRule::new(Fault::reset())
            .operation("listRepositories")
            .times(1),
    )?;
    faults.inject(
        FaultRule::new(Fault::delay(Duration::from_secs(3)))
            .operation("listArtifacts")
            .times(1),
    )?;
    faults.inject(
        FaultRule::new(Fault::status(502))
            .operation("listTags")
            .times(1),
    )?;
    faults.inject(
        FaultRule::new(Fault::apply_then_fail(503))
            .operation("CreateRobot")
            .times(1),
    )?;

    let backoffs = Arc::new(AtomicU32::new(0));
    let counter = backoffs.clone();
    // The client's defaults, with waits that follow `Retry-After` when the server sends one
    // (exponential otherwise), without jitter so the printed waits are the real ones.
    let settings = default_retry_settings()
        .to_builder()
        .wait_gen(harbor_client::settings::retry_after_wait())
        .no_jitter()
        .max_tries(5)
        .max_time(30)
        .on_backoff(move |d| {
            counter.fetch_add(1, Ordering::Relaxed);
            let cause = match &d.outcome {
                Outcome::Error(e) => e.to_string(),
                _ => "a value".to_owned(),
            };
            println!(
                "  backoff: {} try {} failed ({cause}); waiting {:.2?}",
                d.target.rsplit("::").next().unwrap_or(d.target),
                d.tries,
                d.wait.unwrap_or_default()
            );
        })
        .build()?;
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .timeout(Duration::from_secs(1))
        .retry(settings)
        .build()?;

    let started = Instant::now();
    let health = client.get_health().await?;
    println!("health: {}", health.status.unwrap_or_default());

    println!("listing projects (429 with Retry-After: 1 first)");
    let projects = client
        .get_projects(&GetProjectsParams {
            page_size: Some(100),
            ..Default::default()
        })
        .await?;
    let names: Vec<_> = projects
        .items
        .iter()
        .filter_map(|p| p.name.clone())
        .collect();
    println!(
        "projects: {names:?} ({} in total)",
        projects.total.unwrap_or_default()
    );

    println!("reading project library (503 twice first)");
    let library = client.get_project("library", &Default::default()).await?;
    println!(
        "library: id {:?}, {} repositories",
        library.project_id,
        library.repo_count.unwrap_or_default()
    );

    println!("listing repositories (the connection is reset once)");
    let repos = client
        .get_repositories("library", &Default::default())
        .await?;
    for repo in &repos.items {
        println!("  {}", repo.name.as_deref().unwrap_or_default());
    }

    println!("listing artifacts of library/nginx (first answer is slower than the 1 s timeout)");
    let artifacts = client
        .get_artifacts("library", "nginx", &Default::default())
        .await?;
    let latest = client
        .get_artifact("library", "nginx", "latest", &GetArtifactParams::default())
        .await?;
    println!(
        "  {} artifacts; latest is {}",
        artifacts.items.len(),
        latest.digest.as_deref().unwrap_or_default()
    );

    println!(
        "reading library/nginx:latest again, hedged after 100 ms (its first answer is held 3 s)"
    );
    faults.inject(
        FaultRule::new(Fault::delay(Duration::from_secs(3)))
            .operation("getArtifact")
            .times(1),
    )?;
    client.hedge(operations::GET_ARTIFACT, Duration::from_millis(100))?;
    let asked = Instant::now();
    let again = client
        .get_artifact("library", "nginx", "latest", &GetArtifactParams::default())
        .await?;
    println!(
        "  {} in {:.0?}: the second attempt answered, the slow first one was dropped",
        again.digest.as_deref().unwrap_or_default(),
        asked.elapsed()
    );

    println!("tags of library/nginx:latest (502 once first)");
    let tags = client
        .get_artifact_tags("library", "nginx", "latest", &Default::default())
        .await?;
    println!(
        "  {:?}",
        tags.items
            .iter()
            .filter_map(|t| t.name.as_deref())
            .collect::<Vec<_>>()
    );

    println!("creating robot$quickstart (the server applies it, then answers 503)");
    let robot = models::RobotCreate {
        name: Some("quickstart".into()),
        level: Some("system".into()),
        duration: Some(-1),
        // Harbor refuses a robot without permissions: this one may pull from `library`.
        permissions: Some(vec![models::RobotPermission {
            kind: Some("project".into()),
            namespace: Some("library".into()),
            access: Some(vec![models::Access {
                resource: Some("repository".into()),
                action: Some("pull".into()),
                ..Default::default()
            }]),
        }]),
        ..Default::default()
    };
    match client.create_robot(&robot).await {
        Ok(created) => println!("  created {:?}", created.name),
        Err(e) => println!("  not retried (POST is not idempotent): {e}"),
    }
    let robots = client.get_robots(&Default::default()).await?;
    let made = robots
        .items
        .iter()
        .filter(|r| r.name.as_deref() == Some("robot$quickstart"))
        .count();
    println!("  robot$quickstart exists {made} time(s): checking beats blindly repeating the POST");

    println!("scanning library/nginx:latest and waiting for the report (queued, then running)");
    sim.handle().set_job_lifecycle(
        JobKind::Scan,
        Lifecycle::new(Duration::from_millis(500), Duration::from_secs(1)),
    );
    client
        .scan_artifact("library", "nginx", "latest", None)
        .await?;
    let options = WaitOptions::new()
        .poll(retry_runtime::wait::constant().interval(0.25))
        .deadline(Duration::from_secs(30));
    let artifact = ArtifactRef::new("library", "nginx", "latest");
    let mut events = std::pin::pin!(client.watch_scan(artifact, &options));
    while let Some(event) = events.next().await {
        match event {
            WaitEvent::Changed(status) => println!("  scan: {status}"),
            WaitEvent::Ended(Ok(ScanOutcome::Succeeded { summary, waited })) => {
                let counts = summary.summary.and_then(|s| s.summary).unwrap_or_default();
                println!("  report after {waited:.1?}: {counts:?}");
            }
            WaitEvent::Ended(other) => println!("  the scan did not succeed: {other:?}"),
            _ => {}
        }
    }

    let elapsed = started.elapsed();
    println!(
        "\nsummary: {} backoffs, {:.1?} in total",
        backoffs.load(Ordering::Relaxed),
        elapsed
    );
    println!(
        "{:<22} {:>8} {:>7} {:>14}",
        "operation", "received", "faults", "writes applied"
    );
    for (op, c) in sim.handle().counters() {
        println!(
            "{op:<22} {:>8} {:>7} {:>14}",
            c.received, c.faults, c.writes_applied
        );
    }
    Ok(())
}
