//! Hedged attempts against the simulator, on tokio's paused clock: a slow GET is answered by
//! its hedge and the server sees two requests; writes are never hedged without an opt-in.

use std::time::Duration;

use harbor_client::error::HedgeError;
use harbor_client::{HarborClient, models, operations};
use harbor_sim::{Fault, FaultRule, RunningSimulator, Simulator};
use tokio::time::Instant;

/// A slow answer: far longer than any hedge delay in these tests.
const SLOW: Duration = Duration::from_secs(30);
const DELAY: Duration = Duration::from_millis(100);

async fn simulator() -> (RunningSimulator, HarborClient) {
    let sim = Simulator::start().await.expect("the simulator starts");
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .build()
        .unwrap();
    (sim, client)
}

fn slow_once(sim: &RunningSimulator, operation: &str) {
    sim.handle()
        .inject(
            FaultRule::new(Fault::delay(SLOW))
                .operation(operation)
                .times(1),
        )
        .unwrap();
}

fn project_req(name: &str) -> models::ProjectReq {
    models::ProjectReq {
        project_name: Some(name.into()),
        ..Default::default()
    }
}

#[tokio::test(start_paused = true)]
async fn a_hedged_get_returns_the_first_success_and_the_server_saw_two_requests() {
    let (sim, client) = simulator().await;
    client.hedge(operations::GET_PROJECT, DELAY).unwrap();
    slow_once(&sim, "getProject");
    let started = Instant::now();
    let project = client
        .get_project("library", &Default::default())
        .await
        .expect("the hedge answers");
    assert_eq!(project.name.as_deref(), Some("library"));
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 2);
    // Virtual time: the hedge delay and the hedge's answer, not the slow first attempt.
    assert!(started.elapsed() < SLOW);
}

#[tokio::test(start_paused = true)]
async fn a_get_that_answers_in_time_is_not_hedged() {
    let (sim, client) = simulator().await;
    client.hedge_reads(DELAY).unwrap();
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 1);
}

#[tokio::test(start_paused = true)]
async fn hedging_is_off_by_default() {
    let (sim, client) = simulator().await;
    slow_once(&sim, "getProject");
    let started = Instant::now();
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 1);
    assert!(started.elapsed() >= SLOW);
}

#[tokio::test(start_paused = true)]
async fn hedging_a_post_is_refused_without_opt_in_and_the_error_names_it() {
    let (_sim, client) = simulator().await;
    let refused = client
        .hedge(operations::CREATE_PROJECT, DELAY)
        .expect_err("a POST is not hedged without opt-in");
    assert!(
        matches!(
            refused,
            HedgeError::Refused {
                operation: "createProject",
                method: "POST",
                ..
            }
        ),
        "{refused:?}"
    );
    assert_eq!(refused.operation(), Some("createProject"));
    let message = refused.to_string();
    assert!(
        message.starts_with("createProject: hedging refused for a POST operation")
            && message.contains("allow_resend"),
        "{message}"
    );
    for op in [
        operations::UPDATE_PROJECT,
        operations::DELETE_PROJECT,
        operations::REFRESH_ROBOT_SECRET,
    ] {
        let refused = client.hedge(op, DELAY).unwrap_err();
        assert_eq!(refused.operation(), Some(op.id), "{refused}");
    }
}

#[tokio::test(start_paused = true)]
async fn hedging_reads_leaves_a_slow_post_alone() {
    let (sim, client) = simulator().await;
    client.hedge_reads(DELAY).unwrap();
    // Even settings that carry a hedge delay hedge reads only.
    client.update_retry(|s| s.hedge_delay(DELAY)).unwrap();
    slow_once(&sim, "createProject");
    client
        .create_project(&project_req("team-a"), &Default::default())
        .await
        .expect("the slow POST answers");
    assert_eq!(sim.handle().counts("createProject").unwrap().received, 1);
    assert_eq!(sim.handle().state().projects.len(), 3);
}

#[tokio::test(start_paused = true)]
async fn the_settings_hedge_delay_hedges_reads() {
    let (sim, client) = simulator().await;
    client.update_retry(|s| s.hedge_delay(DELAY)).unwrap();
    slow_once(&sim, "getProject");
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 2);
}

#[tokio::test(start_paused = true)]
async fn an_opted_in_post_may_be_hedged() {
    let (sim, client) = simulator().await;
    client.allow_resend(operations::CREATE_PROJECT);
    client.hedge(operations::CREATE_PROJECT, DELAY).unwrap();
    slow_once(&sim, "createProject");
    // The hedge creates the project; the slow first copy is dropped by the client, but the
    // server already has it: that it may apply too is the risk the opt-in accepts.
    let created = client
        .create_project(&project_req("team-b"), &Default::default())
        .await
        .expect("the hedge answers");
    assert!(created.id().is_some());
    assert_eq!(sim.handle().counts("createProject").unwrap().received, 2);
}

#[tokio::test(start_paused = true)]
async fn no_retry_hedges_nothing() {
    let (sim, client) = simulator().await;
    client.hedge(operations::GET_PROJECT, DELAY).unwrap();
    slow_once(&sim, "getProject");
    client
        .no_retry()
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 1);
}

#[tokio::test(start_paused = true)]
async fn a_call_hedges_at_most_twice_by_default_and_as_often_as_the_settings_allow() {
    let (sim, client) = simulator().await;
    client.hedge(operations::GET_PROJECT, DELAY).unwrap();
    // Every getProject hangs: the first attempt and two hedges, none after.
    sim.handle()
        .inject(
            FaultRule::new(Fault::delay(SLOW))
                .operation("getProject")
                .always(),
        )
        .unwrap();
    let started = Instant::now();
    client
        .get_project("library", &Default::default())
        .await
        .expect("the first attempt answers in the end");
    assert_eq!(
        sim.handle().counts("getProject").unwrap().received,
        1 + u64::from(harbor_client::DEFAULT_MAX_HEDGES)
    );
    assert!(started.elapsed() >= SLOW);

    // Settings with their own max_hedges keep it.
    sim.handle().reset_counters();
    let settings = harbor_client::default_retry_settings()
        .to_builder()
        .max_hedges(4)
        .build()
        .unwrap();
    client.set_retry(Some(settings));
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 5);
}
