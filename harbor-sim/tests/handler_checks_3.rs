//! The ledger's rows (`CONFORMANCE.md`, "Handler checks") for the handler files reached after
//! `handler_checks_2.rs` grew long: `schedule.go`. Each case is named by its row's id.

use reqwest::Method;
use serde_json::json;

mod support;

use support::checks::{BAD, case, get_json, run};

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
