//! The client against the simulator's access control: a 403 is Harbor's final word, so it is
//! returned at once (never retried) with Harbor's error body; wrong credentials make the
//! client anonymous, as they make any Harbor client.
//!
//! Real clock: the simulator serves real sockets. No timing is asserted.

use harbor_client::error::{Forbidden, StatusError, Unauthorized};
use harbor_client::methods::{DeleteProjectParams, GetProjectParams};
use harbor_client::{Error, HarborClient};
use harbor_sim::{RunningSimulator, SEED_PULL_ROBOT_SECRET, SEED_USER_PASSWORD, Simulator};
use retry_runtime::ErrorClass;

/// A client with the default retry settings, as users get it.
fn client(sim: &RunningSimulator, user: &str, password: &str) -> HarborClient {
    HarborClient::builder(sim.base_url())
        .basic_auth(user, password)
        .build()
        .unwrap()
}

fn received(sim: &RunningSimulator, op: &str) -> u64 {
    sim.handle()
        .counts(op)
        .expect("a Harbor operation")
        .received
}

fn status_error(e: &Error) -> &StatusError {
    match e {
        Error::Status(s) => s,
        other => panic!("expected a status error, got {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forbidden_is_not_retried_and_carries_harbors_body() {
    let sim = Simulator::start().await.unwrap();
    // `frank` is in no project: deleting `demo` is refused before Harbor looks at it.
    let frank = client(&sim, "frank", SEED_USER_PASSWORD);
    let e = frank
        .delete_project("demo", &DeleteProjectParams::default())
        .await
        .unwrap_err();
    assert!(Forbidden::is_instance(&e), "{e:?}");
    assert_eq!(e.status(), Some(403));
    assert_eq!(e.operation(), Some("deleteProject"));
    let status = status_error(&e);
    assert_eq!(status.errors().len(), 1);
    assert_eq!(status.errors()[0].code, "FORBIDDEN");
    assert_eq!(status.message(), Some("forbidden"));
    assert!(
        e.to_string()
            .starts_with("403 Forbidden: FORBIDDEN: forbidden"),
        "{e}"
    );
    assert_eq!(received(&sim, "deleteProject"), 1, "a 403 is never retried");
    assert!(sim.handle().state().project_id("demo", true).is_ok());

    // A pull-only robot may read an artifact but not delete it.
    let robot = client(&sim, "robot$demo+puller", SEED_PULL_ROBOT_SECRET);
    let e = robot
        .delete_artifact("demo", "team/app", "v1.0.0")
        .await
        .unwrap_err();
    assert!(Forbidden::is_instance(&e), "{e:?}");
    assert_eq!(
        received(&sim, "deleteArtifact"),
        1,
        "a 403 is never retried"
    );
    // A system resource's 403 names the caller, as Harbor's does.
    let e = robot.get_users(&Default::default()).await.unwrap_err();
    assert_eq!(status_error(&e).message(), Some("robot$demo+puller"));
    assert_eq!(received(&sim, "listUsers"), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_silently_anonymous() {
    let sim = Simulator::start().await.unwrap();
    let wrong = client(&sim, "alice", "not-her-password");
    // Public data still answers...
    let library = wrong
        .get_project("library", &GetProjectParams::default())
        .await
        .unwrap();
    assert_eq!(library.name.as_deref(), Some("library"));
    // ...private data and writes are 401, once.
    let e = wrong
        .get_project("demo", &GetProjectParams::default())
        .await
        .unwrap_err();
    assert!(Unauthorized::is_instance(&e), "{e:?}");
    let e = wrong
        .delete_project("library", &DeleteProjectParams::default())
        .await
        .unwrap_err();
    assert!(Unauthorized::is_instance(&e), "{e:?}");
    assert_eq!(received(&sim, "deleteProject"), 1, "a 401 is never retried");
}
