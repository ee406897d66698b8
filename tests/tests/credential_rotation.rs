//! Credentials that rotate (issue 23, part 4), end to end against `harbor-sim`: a robot's
//! secret is refreshed in the simulator (`RefreshSec`, through its REST API) while a client
//! with a credential provider keeps calling.
//!
//! Requests are counted per call from the simulator's answer record: every call asks for a
//! scope of its own, so the path and query of a request name its call. Paused tokio clock
//! (the simulator runs on the test's runtime, over loopback): waits take no real time.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use harbor_client::auth::{EnvProvider, RobotFileProvider};
use harbor_client::error::CredentialProviderError;
use harbor_client::methods::GetCurrentUserPermissionsParams;
use harbor_client::models::{
    Access, ProjectMetadata, ProjectReq, RobotCreate, RobotPermission, RobotSec,
};
use harbor_client::{Credentials, Error, HarborClient};
use harbor_sim::{RecordedAnswer, RunningSimulator, Simulator};
use retry_runtime::{ErrorClass, RetryBudget};

const ADMIN: (&str, &str) = ("admin", "Harbor12345");
/// The secret the robot is rotated to (Harbor's rule: 8-128 characters, upper, lower, digit).
const ROTATED: &str = "Rotated2secret";

/// A simulator recording its answers, with the demo data (the public project `library`).
async fn simulator() -> RunningSimulator {
    Simulator::builder()
        .seed_demo(true)
        .record_answers(true)
        .start()
        .await
        .expect("the simulator starts")
}

fn admin(sim: &RunningSimulator) -> HarborClient {
    HarborClient::new(sim.base_url(), ADMIN.0, ADMIN.1).expect("the admin client builds")
}

fn access(resource: &str, action: &str) -> Access {
    Access {
        resource: Some(resource.into()),
        action: Some(action.into()),
        ..Default::default()
    }
}

/// A system robot that may create projects and read every project's repositories; its id,
/// full name and secret.
async fn create_robot(admin: &HarborClient, name: &str) -> (i64, String, String) {
    let robot = admin
        .create_robot(&RobotCreate {
            name: Some(name.into()),
            level: Some("system".into()),
            duration: Some(-1),
            permissions: Some(vec![
                RobotPermission {
                    kind: Some("system".into()),
                    namespace: Some("/".into()),
                    access: Some(vec![access("project", "create")]),
                },
                RobotPermission {
                    kind: Some("project".into()),
                    namespace: Some("*".into()),
                    access: Some(vec![access("repository", "list")]),
                },
            ]),
            ..Default::default()
        })
        .await
        .expect("the robot is created");
    (
        robot.id.expect("an id"),
        robot.name.expect("a name"),
        robot.secret.expect("a secret"),
    )
}

/// Harbor's `RefreshSec` with a chosen secret: the old one stops working at once.
async fn rotate(admin: &HarborClient, robot_id: i64, secret: &str) {
    admin
        .refresh_robot_secret(
            robot_id,
            &RobotSec {
                secret: Some(secret.into()),
            },
        )
        .await
        .expect("the secret is refreshed");
}

/// Where the current secret lives (a vault), and how often the client asked it.
#[derive(Clone)]
struct Vault {
    user: String,
    secret: Arc<Mutex<String>>,
    asks: Arc<AtomicU32>,
    /// The next asks that fail.
    failures_left: Arc<AtomicU32>,
}

impl Vault {
    fn new(user: &str, secret: &str) -> Self {
        Vault {
            user: user.into(),
            secret: Arc::new(Mutex::new(secret.into())),
            asks: Arc::default(),
            failures_left: Arc::default(),
        }
    }

    fn store(&self, secret: &str) {
        *self.secret.lock().unwrap() = secret.into();
    }

    fn asks(&self) -> u32 {
        self.asks.load(Ordering::SeqCst)
    }

    /// A client on `sim` asking this vault, retrying without jitter (exact waits).
    fn client(&self, sim: &RunningSimulator) -> HarborClient {
        let client = HarborClient::builder(sim.base_url())
            .credential_provider(self.provider())
            .build()
            .expect("the client builds");
        client.update_retry(|s| s.no_jitter()).unwrap();
        client
    }

    fn provider(
        &self,
    ) -> impl Fn() -> std::future::Ready<Result<Credentials, std::io::Error>> + Send + Sync + 'static
    {
        let vault = self.clone();
        move || {
            vault.asks.fetch_add(1, Ordering::SeqCst);
            let failing = vault
                .failures_left
                .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                .is_ok();
            std::future::ready(if failing {
                Err(std::io::Error::other("vault sealed"))
            } else {
                let secret = vault.secret.lock().unwrap().clone();
                Ok(Credentials::basic(vault.user.clone(), secret))
            })
        }
    }
}

/// `GET /users/current/permissions` for a scope of the call's own: 401 to anonymous callers,
/// 200 to any authenticated one.
async fn permissions(client: &HarborClient, call: usize) -> Result<(), Error> {
    let params = GetCurrentUserPermissionsParams {
        scope: Some(format!("/project/{call}")),
        ..Default::default()
    };
    client.get_current_user_permissions(&params).await.map(drop)
}

/// The statuses the simulator answered to each request path and query of `operation`, in
/// order, since the record was last read.
fn statuses_by_request(sim: &RunningSimulator, operation: &str) -> BTreeMap<String, Vec<u16>> {
    let mut by_request: BTreeMap<String, Vec<u16>> = BTreeMap::new();
    for RecordedAnswer {
        operation: op,
        uri,
        status,
        ..
    } in sim.handle().answers()
    {
        if op == operation {
            by_request.entry(uri).or_default().push(status);
        }
    }
    by_request
}

#[tokio::test(start_paused = true)]
async fn rotation_during_32_concurrent_calls_asks_the_provider_once() {
    const CALLS: usize = 32;
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "rotating").await;
    let vault = Vault::new(&name, &secret);
    let client = vault.client(&sim);
    // The first call asks for the first credentials.
    permissions(&client, 1000)
        .await
        .expect("the first call succeeds");
    assert_eq!(vault.asks(), 1);

    // The secret rotates; the vault has the new one; the client still sends the old.
    rotate(&admin, robot_id, ROTATED).await;
    vault.store(ROTATED);
    sim.handle().answers(); // empties the record

    let calls: Vec<_> = (0..CALLS)
        .map(|call| {
            let client = client.clone();
            tokio::spawn(async move { permissions(&client, call).await })
        })
        .collect();
    let mut successes = 0;
    for call in calls {
        match call.await.expect("no call panics") {
            Ok(()) => successes += 1,
            Err(e) => panic!("a call failed: {e}"),
        }
    }

    let by_request = statuses_by_request(&sim, "getCurrentUserPermissions");
    let requests: usize = by_request.values().map(Vec::len).sum();
    let refused = by_request.values().flatten().filter(|s| **s == 401).count();
    let most = by_request.values().map(Vec::len).max().unwrap_or(0);
    println!(
        "rotation during {CALLS} concurrent calls: {} provider call(s), {successes} successes, \
         {requests} requests ({refused} answered 401), at most {most} requests per call",
        vault.asks() - 1
    );
    assert_eq!(vault.asks() - 1, 1, "one provider call for all the calls");
    assert_eq!(successes, CALLS);
    assert_eq!(by_request.len(), CALLS, "every call reached the server");
    for (request, statuses) in &by_request {
        assert!(
            statuses == &[200] || statuses == &[401, 200],
            "{request}: {statuses:?}"
        );
    }
    assert!(refused >= 1, "the rotation was seen");
}

#[tokio::test(start_paused = true)]
async fn a_failing_provider_is_retried_under_the_calls_settings() {
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "flaky-vault").await;
    let vault = Vault::new(&name, &secret);
    let client = vault.client(&sim);
    permissions(&client, 0).await.unwrap();
    rotate(&admin, robot_id, ROTATED).await;
    vault.store(ROTATED);
    vault.failures_left.store(2, Ordering::SeqCst);
    sim.handle().answers();

    let started = tokio::time::Instant::now();
    permissions(&client, 1)
        .await
        .expect("the third ask succeeds");
    // Two failed asks, then the one that worked; the default waits (expo: 1 s, 2 s, no
    // jitter here) between the attempts.
    assert_eq!(vault.asks() - 1, 3);
    assert_eq!(started.elapsed(), Duration::from_secs(3));
    // The stale request, then nothing until the provider answered, then the renewed one.
    let by_request = statuses_by_request(&sim, "getCurrentUserPermissions");
    assert_eq!(
        by_request["/api/v2.0/users/current/permissions?scope=%2Fproject%2F1"],
        [401, 200]
    );
}

#[tokio::test(start_paused = true)]
async fn a_provider_failing_for_good_spends_the_retry_budget_then_names_itself() {
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "sealed-vault").await;
    let vault = Vault::new(&name, &secret);
    // A budget of two retries, earning nothing back.
    let budget = RetryBudget::builder()
        .ratio(0.0)
        .capacity(2)
        .initial(2)
        .build()
        .unwrap();
    let client = HarborClient::builder(sim.base_url())
        .credential_provider(vault.provider())
        .retry_budget(budget.clone())
        .build()
        .unwrap();
    client.update_retry(|s| s.no_jitter()).unwrap();
    permissions(&client, 0).await.unwrap();
    rotate(&admin, robot_id, ROTATED).await;
    vault.failures_left.store(u32::MAX, Ordering::SeqCst);
    sim.handle().answers();

    let failed = permissions(&client, 1).await.unwrap_err();
    assert!(CredentialProviderError::is_instance(&failed), "{failed}");
    let message = failed.to_string();
    assert!(
        message
            .starts_with("getCurrentUserPermissions: the credential provider failed: vault sealed"),
        "{message}"
    );
    assert!(failed.never_sent() && failed.is_transient());
    // The ask after the 401, then one per retry the budget allowed.
    assert_eq!(vault.asks() - 1, 3);
    assert_eq!((budget.retries_allowed(), budget.retries_refused()), (2, 1));
    let by_request = statuses_by_request(&sim, "getCurrentUserPermissions");
    let requests: usize = by_request.values().map(Vec::len).sum();
    assert_eq!(
        requests, 1,
        "only the stale request was sent: {by_request:?}"
    );
}

#[tokio::test(start_paused = true)]
async fn calls_asking_at_the_same_moment_share_one_failed_ask() {
    const CALLS: usize = 8;
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "slow-vault").await;
    let asks = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&asks);
    let first = Arc::new(Mutex::new(Some(Credentials::basic(name, secret))));
    // Gives the first credentials, then fails every ask after taking a second over it, so
    // that the calls refused meanwhile wait for the ask running.
    let client = HarborClient::builder(sim.base_url())
        .credential_provider(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            let first = first.lock().unwrap().take();
            async move {
                if let Some(credentials) = first {
                    return Ok(credentials);
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                Err(std::io::Error::other("vault sealed"))
            }
        })
        .build()
        .unwrap();
    client.update_retry(|s| s.no_jitter().max_tries(2)).unwrap();
    permissions(&client, 1000).await.unwrap();
    rotate(&admin, robot_id, ROTATED).await;

    let calls: Vec<_> = (0..CALLS)
        .map(|call| {
            let client = client.clone();
            tokio::spawn(async move { permissions(&client, call).await })
        })
        .collect();
    for call in calls {
        let failed = call.await.unwrap().unwrap_err();
        assert!(CredentialProviderError::is_instance(&failed), "{failed}");
    }
    // The first credentials, then one failed ask per attempt, for all the calls at once.
    assert_eq!(asks.load(Ordering::SeqCst), 1 + 2);
}

#[tokio::test(start_paused = true)]
async fn a_provider_that_never_answers_times_out() {
    let sim = simulator().await;
    let asks = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&asks);
    let client = HarborClient::builder(sim.base_url())
        .credential_provider(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            std::future::pending::<Result<Credentials, std::io::Error>>()
        })
        .credential_provider_timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    client.update_retry(|s| s.no_jitter().max_tries(2)).unwrap();
    let started = tokio::time::Instant::now();
    let failed = permissions(&client, 0).await.unwrap_err();
    let Error::CredentialProvider(provider) = &failed else {
        panic!("a provider error expected: {failed}");
    };
    assert!(provider.timed_out(), "{failed}");
    assert!(
        failed.to_string().contains("no answer within 5s"),
        "{failed}"
    );
    // Two asks of 5 s each, 1 s of backoff between them; nothing was sent.
    assert_eq!(asks.load(Ordering::SeqCst), 2);
    assert_eq!(started.elapsed(), Duration::from_secs(11));
    assert!(sim.handle().answers().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_401_to_renewed_credentials_is_returned_not_looped() {
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "stale-vault").await;
    let vault = Vault::new(&name, &secret);
    let client = vault.client(&sim);
    permissions(&client, 0).await.unwrap();
    // Rotated in Harbor, but the vault still holds the old secret.
    rotate(&admin, robot_id, ROTATED).await;
    sim.handle().answers();

    let refused = permissions(&client, 1).await.unwrap_err();
    assert_eq!(refused.status(), Some(401), "{refused}");
    assert_eq!(vault.asks() - 1, 1);
    let by_request = statuses_by_request(&sim, "getCurrentUserPermissions");
    assert_eq!(by_request.values().collect::<Vec<_>>(), [&[401, 401]]);
}

#[tokio::test(start_paused = true)]
async fn stale_credentials_read_public_data_as_anonymous_and_get_401_on_private_data() {
    let sim = simulator().await;
    let admin = admin(&sim);
    admin
        .create_project(
            &ProjectReq {
                project_name: Some("private-team".into()),
                metadata: Some(ProjectMetadata {
                    public: Some("false".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .expect("the private project is created");
    let (robot_id, name, secret) = create_robot(&admin, "reader").await;
    let vault = Vault::new(&name, &secret);
    let client = vault.client(&sim);
    client
        .get_repositories("private-team", &Default::default())
        .await
        .expect("the robot lists a private project");
    rotate(&admin, robot_id, ROTATED).await;
    vault.store(ROTATED);
    sim.handle().answers();

    // Harbor serves public data to a stale secret as anonymous: 200, nothing to refresh.
    client
        .get_repositories("library", &Default::default())
        .await
        .expect("public data answers anonymous callers");
    assert_eq!(vault.asks(), 1);
    // A private project's data needs the account: 401, then the renewed secret.
    client
        .get_repositories("private-team", &Default::default())
        .await
        .expect("renewed after the 401");
    assert_eq!(vault.asks(), 2);
    let by_request = statuses_by_request(&sim, "listRepositories");
    assert_eq!(by_request["/api/v2.0/projects/library/repositories"], [200]);
    assert_eq!(
        by_request["/api/v2.0/projects/private-team/repositories"],
        [401, 200]
    );
}

#[tokio::test(start_paused = true)]
async fn a_post_refused_with_401_is_sent_again_and_applied_once() {
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "creator").await;
    let vault = Vault::new(&name, &secret);
    let client = vault.client(&sim);
    permissions(&client, 0).await.unwrap();
    rotate(&admin, robot_id, ROTATED).await;
    vault.store(ROTATED);
    sim.handle().reset_counters();

    client
        .create_project(
            &ProjectReq {
                project_name: Some("made-by-robot".into()),
                ..Default::default()
            },
            &Default::default(),
        )
        .await
        .expect("created after the renewal");
    let counts = sim.handle().counts("createProject").unwrap();
    assert_eq!((counts.received, counts.writes_applied), (2, 1));
    assert_eq!(vault.asks(), 2);
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!(
        "credential-rotation-{}-{name}.json",
        std::process::id()
    ))
}

fn robot_json(name: &str, secret: &str) -> String {
    serde_json::json!({"id": 1, "name": name, "secret": secret, "expires_at": -1}).to_string()
}

#[tokio::test(start_paused = true)]
async fn the_robot_file_provider_picks_up_a_rewritten_file() {
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, secret) = create_robot(&admin, "file-robot").await;
    let path = temp_file("file-robot");
    std::fs::write(&path, robot_json(&name, &secret)).unwrap();
    let client = HarborClient::builder(sim.base_url())
        .credential_provider(RobotFileProvider::new(&path))
        .build()
        .unwrap();
    permissions(&client, 0)
        .await
        .expect("credentials from the file");

    // What an operator's rotation script does: refresh in Harbor, rewrite the file.
    rotate(&admin, robot_id, ROTATED).await;
    std::fs::write(&path, robot_json(&name, ROTATED)).unwrap();
    sim.handle().answers();
    permissions(&client, 1)
        .await
        .expect("the rewritten file is read");
    let by_request = statuses_by_request(&sim, "getCurrentUserPermissions");
    assert_eq!(by_request.values().collect::<Vec<_>>(), [&[401, 200]]);
    std::fs::remove_file(&path).unwrap();
}

/// The variables the environment test runs with: it runs in a child process of this test
/// binary, started with them (the workspace forbids `unsafe`, so no `set_var` here).
const ENV_USER: &str = "CREDENTIAL_ROTATION_TEST_USER";
const ENV_SECRET: &str = "CREDENTIAL_ROTATION_TEST_SECRET";

#[test]
fn the_env_provider_reads_the_variables() {
    if std::env::var_os(ENV_SECRET).is_some() {
        // In the child: the real test.
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .start_paused(true)
            .build()
            .unwrap()
            .block_on(env_provider_against_the_simulator());
        return;
    }
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "the_env_provider_reads_the_variables",
            "--nocapture",
        ])
        .env(ENV_USER, "robot$from-env")
        .env(ENV_SECRET, ROTATED)
        .output()
        .expect("the test binary runs again");
    let out = String::from_utf8_lossy(&child.stdout);
    assert!(
        child.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&child.stderr)
    );
    assert!(out.contains("1 passed"), "the child ran the test: {out}");
}

async fn env_provider_against_the_simulator() {
    let sim = simulator().await;
    let admin = admin(&sim);
    let (robot_id, name, _) = create_robot(&admin, "from-env").await;
    assert_eq!(name, std::env::var(ENV_USER).unwrap());
    // The secret the environment holds.
    rotate(&admin, robot_id, &std::env::var(ENV_SECRET).unwrap()).await;
    let client = HarborClient::builder(sim.base_url())
        .credential_provider(EnvProvider::basic(ENV_USER, ENV_SECRET))
        .build()
        .unwrap();
    permissions(&client, 0)
        .await
        .expect("credentials from the environment");
    assert_eq!(
        client
            .credentials()
            .and_then(|c| c.username().map(str::to_owned)),
        Some(name)
    );
}
