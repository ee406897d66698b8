//! The per-attempt timeout against the simulator, on tokio's paused clock: a hung attempt is
//! cut and retried long before the transport's 60 s timeout, a POST that may have been sent is
//! not retried, and the error names the operation.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use harbor_client::error::TimeoutError;
use harbor_client::{Error, HarborClient, models};
use harbor_sim::{Fault, FaultRule, RunningSimulator, Simulator};
use retry_runtime::{AttemptTimedOut, Details, ErrorClass};
use tokio::time::Instant;

/// What a hung answer is: far longer than any timeout in these tests.
const HANG: Duration = Duration::from_secs(3600);

/// The simulator, and a client with the transport's default 60 s timeout and `attempt_timeout`.
async fn simulator(attempt_timeout: Option<Duration>) -> (RunningSimulator, HarborClient) {
    let sim = Simulator::start().await.expect("the simulator starts");
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .timeout(Duration::from_secs(60))
        .attempt_timeout(attempt_timeout)
        .build()
        .unwrap();
    (sim, client)
}

/// Records what `read` finds in each timeout the backoff hook sees.
fn record_timeouts_with<T: Send + 'static>(
    client: &HarborClient,
    read: impl Fn(&TimeoutError) -> Option<T> + Send + Sync + 'static,
) -> Arc<Mutex<Vec<T>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let hook_seen = Arc::clone(&seen);
    client
        .update_retry(|s| {
            s.on_backoff(move |details: &Details<'_, Error>| {
                if let Some(Error::Timeout(t)) = details.error() {
                    hook_seen.lock().unwrap().extend(read(t));
                }
            })
        })
        .unwrap();
    seen
}

/// Records the per-attempt timeouts the backoff hook sees.
fn record_timeouts(client: &HarborClient) -> Arc<Mutex<Vec<AttemptTimedOut>>> {
    record_timeouts_with(client, TimeoutError::attempt_timed_out)
}

/// The next `operation` request hangs (past every timeout in these tests).
fn hang_next(sim: &RunningSimulator, operation: &str) {
    sim.handle()
        .inject(
            FaultRule::new(Fault::delay(HANG))
                .operation(operation)
                .times(1),
        )
        .unwrap();
}

/// Every `operation` request hangs.
fn hang_always(sim: &RunningSimulator, operation: &str) {
    sim.handle()
        .inject(
            FaultRule::new(Fault::delay(HANG))
                .operation(operation)
                .always(),
        )
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_hung_attempt_is_cut_and_retried() {
    let (sim, client) = simulator(Some(Duration::from_secs(2))).await;
    hang_next(&sim, "getProject");
    let timeouts = record_timeouts(&client);
    let started = Instant::now();
    let project = client
        .get_project("library", &Default::default())
        .await
        .expect("the second attempt answers");
    assert_eq!(project.name.as_deref(), Some("library"));
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 2);
    assert_eq!(
        *timeouts.lock().unwrap(),
        vec![AttemptTimedOut::new(Duration::from_secs(2), 1)],
        "the first attempt was cut by attempt_timeout, not by the transport"
    );
    // Virtual time: the 2 s cut plus one backoff wait (full jitter under 1 s), not 60 s.
    assert!(started.elapsed() < Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn without_attempt_timeout_only_the_transport_timeout_bounds_the_attempt() {
    let (sim, client) = simulator(None).await;
    hang_next(&sim, "getProject");
    let started = Instant::now();
    let error = client
        .get_project("library", &Default::default())
        .await
        .expect_err("the transport's 60 s used up the default max_time of 60 s");
    let Error::Timeout(timeout) = &error else {
        panic!("not a timeout: {error}");
    };
    assert_eq!(timeout.attempt_timed_out(), None, "{error}");
    assert_eq!(
        error.to_string(),
        format!(
            "getProject: timed out (request id {})",
            timeout.request_id()
        )
    );
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 1);
    assert!(started.elapsed() >= Duration::from_secs(60));
}

#[tokio::test(start_paused = true)]
async fn a_post_cut_by_the_timeout_is_not_retried_and_the_error_names_it() {
    let (sim, client) = simulator(Some(Duration::from_secs(2))).await;
    hang_next(&sim, "createProject");
    let request = models::ProjectReq {
        project_name: Some("slow".into()),
        ..Default::default()
    };
    let error = client
        .create_project(&request, &Default::default())
        .await
        .expect_err("the only attempt is cut");
    assert!(TimeoutError::is_instance(&error), "{error}");
    assert_eq!(error.operation(), Some("createProject"));
    assert!(error.request_id().is_some_and(|id| !id.is_empty()));
    let message = error.to_string();
    assert!(
        message.starts_with("createProject: attempt 1 timed out after 2s (attempt_timeout)"),
        "{message}"
    );
    // The request may have reached the server: a POST not opted in is not sent again.
    assert_eq!(sim.handle().counts("createProject").unwrap().received, 1);
}

#[tokio::test(start_paused = true)]
async fn a_per_call_timeout_wins_over_the_clients() {
    let (sim, client) = simulator(Some(Duration::from_secs(30))).await;
    hang_next(&sim, "getProject");
    let timeouts = record_timeouts(&client);
    client
        .with_attempt_timeout(Duration::from_secs(1))
        .get_project("library", &Default::default())
        .await
        .expect("the second attempt answers");
    assert_eq!(
        *timeouts.lock().unwrap(),
        vec![AttemptTimedOut::new(Duration::from_secs(1), 1)]
    );
}

#[tokio::test(start_paused = true)]
async fn max_time_cuts_the_last_attempt() {
    let (sim, client) = simulator(Some(Duration::from_secs(20))).await;
    hang_always(&sim, "getProject");
    client.update_retry(|s| s.max_time(5)).unwrap();
    let started = Instant::now();
    let error = client
        .get_project("library", &Default::default())
        .await
        .expect_err("every attempt hangs");
    let Error::Timeout(timeout) = &error else {
        panic!("not a timeout: {error}");
    };
    assert!(timeout.attempt_timed_out().is_some(), "{error}");
    assert_eq!(timeout.operation(), "getProject");
    // The 20 s attempt timeout was cut to what was left of `max_time`: a hard deadline.
    assert!(started.elapsed() <= Duration::from_secs(5));
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 1);
}

#[tokio::test(start_paused = true)]
async fn with_retrying_off_the_one_attempt_is_still_cut() {
    let (sim, client) = simulator(Some(Duration::from_secs(2))).await;
    hang_next(&sim, "getProject");
    let started = Instant::now();
    let error = client
        .no_retry()
        .get_project("library", &Default::default())
        .await
        .expect_err("the only attempt is cut");
    let Error::Timeout(timeout) = &error else {
        panic!("not a timeout: {error}");
    };
    assert_eq!(
        timeout.attempt_timed_out(),
        Some(AttemptTimedOut::new(Duration::from_secs(2), 1))
    );
    assert_eq!(timeout.operation(), "getProject");
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 1);
    assert!(started.elapsed() < Duration::from_secs(60));
}

/// The hooks see a timed-out attempt's error complete: operation and request id are there
/// when the runtime hands it over, not filled in after.
#[tokio::test(start_paused = true)]
async fn the_hooks_see_the_timed_out_attempt_named() {
    let (sim, client) = simulator(Some(Duration::from_secs(2))).await;
    hang_next(&sim, "getProject");
    let seen = record_timeouts_with(&client, |t| {
        Some((t.operation(), t.request_id().to_owned(), t.to_string()))
    });
    let (result, raw) =
        harbor_client::capture_raw(client.get_project("library", &Default::default())).await;
    result.expect("the second attempt answers");
    let request_id = raw
        .and_then(|raw| raw.header("x-request-id").map(str::to_owned))
        .expect("the simulator echoes the request id");
    let seen = seen.lock().unwrap();
    let [(operation, id, message)] = &seen[..] else {
        panic!("one timed-out attempt expected: {seen:?}");
    };
    assert_eq!((*operation, id), ("getProject", &request_id));
    assert_eq!(
        message,
        &format!(
            "getProject: attempt 1 timed out after 2s (attempt_timeout) (request id {request_id})"
        )
    );
}
