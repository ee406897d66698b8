//! The client against the simulator: the workflows of issue 5, and the retry behaviour under
//! each fault mode. Run on tokio's paused clock: waits and timeouts cost no real time.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use futures::StreamExt;
use harbor_client::error::{NotFound, PreconditionFailed};
use harbor_client::methods::{GetArtifactParams, GetLabelsParams, GetProjectsParams};
use harbor_client::{Error, HarborClient, default_retry_settings, models};
use harbor_sim::{Fault, FaultRule, RunningSimulator};
use retry_runtime::{ErrorClass, RetrySettings};

mod support;

async fn start() -> support::CheckedSim {
    support::start().await
}

fn admin(sim: &RunningSimulator) -> HarborClient {
    client_as(sim, "admin", "Harbor12345", default_retry_settings())
}

fn client_as(
    sim: &RunningSimulator,
    user: &str,
    secret: &str,
    retry: RetrySettings<Error>,
) -> HarborClient {
    HarborClient::builder(sim.base_url())
        .basic_auth(user, secret)
        .timeout(Duration::from_secs(5))
        .retry(retry)
        .build()
        .expect("client builds")
}

/// Settings that record every backoff's wait (no jitter, so waits are exact).
fn recording(waits: &Arc<Mutex<Vec<Duration>>>) -> RetrySettings<Error> {
    let waits = waits.clone();
    default_retry_settings()
        .to_builder()
        .wait_gen(harbor_client::settings::retry_after_wait())
        .no_jitter()
        .max_tries(5)
        .on_backoff(move |d| waits.lock().unwrap().push(d.wait.unwrap_or_default()))
        .build()
        .expect("valid settings")
}

fn status(e: &Error) -> Option<u16> {
    e.status()
}

#[tokio::test(start_paused = true)]
async fn project_repository_artifact_tags_labels_cleanup() {
    let sim = start().await;
    let client = admin(&sim);
    client
        .create_project(
            &models::ProjectReq {
                project_name: Some("shop".into()),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
    assert!(client.project_exists("shop").await.unwrap());
    // What `docker push shop/web/frontend:v1` would leave behind.
    let digest = sim
        .handle()
        .push_image("shop", "web/frontend", "v1")
        .unwrap();

    let repos = client
        .get_repositories("shop", &Default::default())
        .await
        .unwrap();
    assert_eq!(repos.items.len(), 1);
    assert_eq!(repos.items[0].name.as_deref(), Some("shop/web/frontend"));
    let artifacts = client
        .get_artifacts("shop", "web/frontend", &Default::default())
        .await
        .unwrap();
    assert_eq!(artifacts.items[0].digest.as_deref(), Some(digest.as_str()));

    client
        .create_artifact_tag(
            "shop",
            "web/frontend",
            "v1",
            &models::NewTag {
                name: "stable".into(),
            },
        )
        .await
        .unwrap();
    let tags = client
        .get_artifact_tags("shop", "web/frontend", &digest, &Default::default())
        .await
        .unwrap();
    let mut names: Vec<_> = tags.items.iter().filter_map(|t| t.name.clone()).collect();
    names.sort();
    assert_eq!(names, ["stable", "v1"]);

    client
        .create_label(&models::Label {
            name: Some("release".into()),
            scope: Some("g".into()),
            color: Some("#00aa00".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let labels = client
        .get_labels(&GetLabelsParams {
            name: Some("release".into()),
            scope: Some("g".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let label_id = labels.items[0].id.unwrap();
    client
        .add_artifact_label(
            "shop",
            "web/frontend",
            "stable",
            &models::Label {
                id: Some(label_id),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let artifact = client
        .get_artifact(
            "shop",
            "web/frontend",
            "stable",
            &GetArtifactParams {
                with_label: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(artifact.labels.unwrap()[0].name.as_deref(), Some("release"));

    let refused = client
        .delete_project("shop", &Default::default())
        .await
        .unwrap_err();
    assert!(PreconditionFailed::is_instance(&refused), "{refused:?}");

    client
        .delete_artifact_label("shop", "web/frontend", "stable", label_id)
        .await
        .unwrap();
    client
        .delete_artifact_tag("shop", "web/frontend", "v1", "stable")
        .await
        .unwrap();
    client
        .delete_artifact("shop", "web/frontend", "v1")
        .await
        .unwrap();
    client
        .delete_repository("shop", "web/frontend")
        .await
        .unwrap();
    client.delete_label(label_id).await.unwrap();
    client
        .delete_project("shop", &Default::default())
        .await
        .unwrap();
    let gone = client
        .get_project("shop", &Default::default())
        .await
        .unwrap_err();
    assert!(NotFound::is_instance(&gone));
}

#[tokio::test(start_paused = true)]
async fn users_are_created_used_and_deleted() {
    let sim = start().await;
    let client = admin(&sim);
    let req = models::UserCreationReq {
        username: Some("dana".into()),
        email: Some("dana@example.com".into()),
        realname: Some("Dana".into()),
        password: Some("Dana12345".into()),
        ..Default::default()
    };
    client.create_user(&req).await.unwrap();
    assert_eq!(
        status(&client.create_user(&req).await.unwrap_err()),
        Some(409)
    );
    let found = client.search_users("dana", &Default::default()).await;
    let dana_id = found.unwrap().items[0].user_id.unwrap();

    let dana = client_as(&sim, "dana", "Dana12345", default_retry_settings());
    assert_eq!(
        dana.get_current_user().await.unwrap().username.as_deref(),
        Some("dana")
    );
    client
        .set_user_password(
            dana_id,
            &models::PasswordReq {
                old_password: None,
                new_password: Some("Dana67890".into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(
        status(&dana.get_current_user().await.unwrap_err()),
        Some(401),
        "the old password stops working"
    );
    client
        .update_user(
            dana_id,
            // Harbor checks the whole profile on update (`validateUserProfile` in
            // `user.go`): the email is required even when only the name changes.
            &models::UserProfile {
                realname: Some("Dana D.".into()),
                email: Some("dana@example.com".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        client.get_user(dana_id).await.unwrap().realname.as_deref(),
        Some("Dana D.")
    );
    client.delete_user(dana_id).await.unwrap();
    assert!(NotFound::is_instance(
        &client.get_user(dana_id).await.unwrap_err()
    ));
}

#[tokio::test(start_paused = true)]
async fn robot_secret_refresh() {
    let sim = start().await;
    let client = admin(&sim);
    let created = client
        .create_robot(&models::RobotCreate {
            name: Some("deploy".into()),
            level: Some("system".into()),
            duration: Some(-1),
            permissions: Some(vec![models::RobotPermission {
                kind: Some("project".into()),
                namespace: Some("*".into()),
                access: Some(vec![models::Access {
                    resource: Some("repository".into()),
                    action: Some("pull".into()),
                    effect: None,
                }]),
            }]),
            ..Default::default()
        })
        .await
        .unwrap();
    let (name, old) = (created.name.unwrap(), created.secret.unwrap());
    assert_eq!(name, "robot$deploy");
    let robot = client_as(&sim, &name, &old, default_retry_settings());
    assert!(robot.get_projects(&Default::default()).await.is_ok());

    let fresh = client
        .refresh_robot_secret(created.id.unwrap(), &models::RobotSec::default())
        .await
        .unwrap();
    let new = fresh.secret.unwrap();
    assert_ne!(new, old);
    // The old secret makes the robot anonymous (Harbor's fallback): a read that needs a
    // signed-in caller answers 401.
    assert_eq!(
        status(&robot.get_statistics().await.unwrap_err()),
        Some(401)
    );
    let robot = client_as(&sim, &name, &new, default_retry_settings());
    assert!(robot.get_projects(&Default::default()).await.is_ok());
    assert_eq!(sim.handle().counts("RefreshSec").unwrap().writes_applied, 1);
}

async fn create_projects(sim: &RunningSimulator, n: usize) {
    sim.handle().with_state(|s| {
        for i in 0..n {
            let req =
                serde_json::from_value(serde_json::json!({"project_name": format!("team-{i:03}")}))
                    .unwrap();
            s.create_project(req, 1).unwrap();
        }
    });
}

#[tokio::test(start_paused = true)]
async fn pagination_over_250_projects() {
    let sim = start().await;
    create_projects(&sim, 248).await;
    let client = admin(&sim);
    let params = GetProjectsParams {
        page_size: Some(100),
        ..Default::default()
    };
    let first = client.get_projects(&params).await.unwrap();
    assert_eq!((first.items.len(), first.total), (100, Some(250)));
    let all = client.get_projects_all(&params, None).await.unwrap();
    assert_eq!(all.len(), 250);
    let mut names: Vec<_> = all.iter().filter_map(|p| p.name.clone()).collect();
    names.dedup();
    assert_eq!(names.len(), 250);
    assert_eq!(sim.handle().counts("listProjects").unwrap().received, 1 + 3);
}

#[tokio::test(start_paused = true)]
async fn a_failing_page_is_retried_without_starting_over() {
    let sim = start().await;
    create_projects(&sim, 248).await;
    let client = admin(&sim);
    let params = GetProjectsParams {
        page_size: Some(100),
        ..Default::default()
    };
    let mut stream = Box::pin(client.get_projects_stream(&params));
    let mut seen = Vec::new();
    while seen.len() < 100 {
        seen.push(stream.next().await.unwrap().unwrap());
    }
    // Page 2 fails twice, then answers.
    sim.handle()
        .inject(
            FaultRule::new(Fault::status(503))
                .operation("listProjects")
                .times(2),
        )
        .unwrap();
    while let Some(p) = stream.next().await {
        seen.push(p.unwrap());
    }
    assert_eq!(seen.len(), 250);
    let c = sim.handle().counts("listProjects").unwrap();
    // page 1, page 2 three times, page 3: never page 1 again.
    assert_eq!((c.received, c.faults), (5, 2));
}

#[tokio::test(start_paused = true)]
async fn retries_503_then_success() {
    let sim = start().await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client_as(&sim, "admin", "Harbor12345", recording(&waits));
    sim.handle()
        .inject(
            FaultRule::new(Fault::status(503))
                .operation("getProject")
                .times(2),
        )
        .unwrap();
    let p = client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(p.name.as_deref(), Some("library"));
    assert_eq!(waits.lock().unwrap().len(), 2);
    assert_eq!(sim.handle().counts("getProject").unwrap().received, 3);
}

#[tokio::test(start_paused = true)]
async fn retries_429_after_retry_after() {
    let sim = start().await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client_as(&sim, "admin", "Harbor12345", recording(&waits));
    sim.handle()
        .inject(
            FaultRule::new(Fault::status_retry_after(429, 7))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    sim.handle()
        .inject(
            FaultRule::new(Fault::status_retry_at(503, 30))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    let waits = waits.lock().unwrap().clone();
    assert_eq!(
        waits[0],
        Duration::from_secs(7),
        "Retry-After in seconds is the wait"
    );
    // An HTTP date has one-second resolution: the wait is 29 or 30 seconds.
    assert!((29..=30).contains(&waits[1].as_secs()), "{waits:?}");
}

#[tokio::test(start_paused = true)]
async fn retries_a_reset_connection() {
    let sim = start().await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client_as(&sim, "admin", "Harbor12345", recording(&waits));
    sim.handle()
        .inject(
            FaultRule::new(Fault::reset())
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(waits.lock().unwrap().len(), 1);
    assert_eq!(sim.handle().counts("getProject").unwrap().faults, 1);
}

#[tokio::test(start_paused = true)]
async fn retries_a_slow_answer_past_the_timeout() {
    let sim = start().await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client_as(&sim, "admin", "Harbor12345", recording(&waits));
    sim.handle()
        .inject(
            FaultRule::new(Fault::delay(Duration::from_secs(60)))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    client
        .get_project("library", &Default::default())
        .await
        .unwrap();
    assert_eq!(
        waits.lock().unwrap().len(),
        1,
        "the timed-out attempt was retried once"
    );
}

#[tokio::test(start_paused = true)]
async fn a_post_that_failed_after_it_was_applied_is_not_repeated() {
    let sim = start().await;
    let waits = Arc::new(Mutex::new(Vec::new()));
    let client = client_as(&sim, "admin", "Harbor12345", recording(&waits));
    sim.handle()
        .inject(
            FaultRule::new(Fault::apply_then_fail(503))
                .operation("createProject")
                .times(1),
        )
        .unwrap();
    let err = client
        .create_project(
            &models::ProjectReq {
                project_name: Some("once".into()),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(status(&err), Some(503));
    let c = sim.handle().counts("createProject").unwrap();
    assert_eq!(
        (c.received, c.writes_applied),
        (1, 1),
        "one request, applied once, not repeated"
    );
    assert!(waits.lock().unwrap().is_empty());
    assert_eq!(
        sim.handle()
            .state()
            .projects
            .values()
            .filter(|p| p.name == "once")
            .count(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn the_csrf_trap_catches_a_cookie_keeping_client_only() {
    let sim = start().await;
    // A client with a cookie store sends `sid` back and every write fails.
    let browserish = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let url = format!("{}/projects", sim.api_url());
    browserish
        .get(&url)
        .basic_auth("admin", Some("Harbor12345"))
        .send()
        .await
        .unwrap();
    let r = browserish
        .post(&url)
        .basic_auth("admin", Some("Harbor12345"))
        .json(&serde_json::json!({"project_name": "trapped"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    assert!(r.text().await.unwrap().contains("CSRF token invalid"));
    // harbor-client keeps no cookies: the same sequence works.
    let client = admin(&sim);
    client.get_projects(&Default::default()).await.unwrap();
    client
        .create_project(
            &models::ProjectReq {
                project_name: Some("free".into()),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn request_id_is_kept_across_retries() {
    let sim = start().await;
    let client = admin(&sim);
    sim.handle()
        .inject(
            FaultRule::new(Fault::status(502))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    sim.handle()
        .inject(
            FaultRule::new(Fault::status(404))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    let err = client
        .get_project("library", &Default::default())
        .await
        .unwrap_err();
    assert!(err.request_id().is_some_and(|id| !id.is_empty()));
}
