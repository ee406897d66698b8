//! Bad input end to end, `harbor-client` against an in-process `harbor-sim`: malformed URLs,
//! wrong credentials, non-JSON and truncated bodies, `page_size` above 100, repository names
//! with slashes, spaces and non-ASCII, an unreachable host. Each must give a clear error value,
//! nothing may hang (every call runs under a `tokio::time::timeout` guard) or panic.
//!
//! Real clock: the simulator serves real sockets, and a paused clock would fire the guards
//! while a request waits for loopback I/O. Retry waits are milliseconds; no timing is asserted.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use harbor_client::error::{DecodeError, NotFound, Transient, Unauthorized};
use harbor_client::methods::GetProjectsParams;
use harbor_client::{BuildError, Error, HarborClient, models};
use harbor_sim::{Fault, FaultRule, RunningSimulator, Simulator};
use retry_runtime::{ErrorClass, RetrySettings, wait};

/// Far above anything these calls need: reaching it means something hangs.
const GUARD: Duration = Duration::from_secs(30);

async fn guarded<T>(what: &str, fut: impl Future<Output = T>) -> T {
    tokio::time::timeout(GUARD, fut)
        .await
        .unwrap_or_else(|_| panic!("{what} did not finish within {GUARD:?}"))
}

/// Retries transient errors 3 times, 10 ms apart; counts the attempts of give-ups.
fn quick_retry(tries_at_giveup: Arc<AtomicU32>) -> RetrySettings<Error> {
    RetrySettings::builder()
        .exception::<Transient>()
        .max_tries(3)
        .wait_gen(wait::constant().interval(Duration::from_millis(10)))
        .no_jitter()
        .on_giveup(move |d| tries_at_giveup.store(d.tries, Ordering::Relaxed))
        .build()
        .unwrap()
}

fn client(sim: &RunningSimulator, user: &str, password: &str) -> HarborClient {
    HarborClient::builder(sim.base_url())
        .basic_auth(user, password)
        .timeout(Duration::from_secs(10))
        .retry(quick_retry(Arc::default()))
        .build()
        .unwrap()
}

fn received(sim: &RunningSimulator, op: &str) -> u64 {
    sim.handle()
        .counts(op)
        .expect("a Harbor operation")
        .received
}

#[test]
fn malformed_urls_are_clear_build_errors() {
    for url in [
        "",
        "   ",
        "harbor.example",
        "harbor.example:8080/api",
        "ftp://harbor.example",
        "http://",
        "http://harbor.example:99999",
        "http://har bor.example",
        "https://harbor.example/?page=1",
        "https://harbor.example/#top",
        "://harbor.example",
        "http://[::1",
        "\u{0}",
    ] {
        let err = HarborClient::builder(url)
            .basic_auth("admin", "Harbor12345")
            .build()
            .expect_err(url);
        assert!(
            matches!(err, BuildError::InvalidUrl { .. }),
            "{url:?}: {err:?}"
        );
        let text = err.to_string();
        assert!(text.starts_with("invalid Harbor URL"), "{url:?}: {text}");
        assert!(text.len() > "invalid Harbor URL \"\": ".len(), "{text}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_a_clear_401_never_retried() {
    let sim = Simulator::start().await.unwrap();
    for (user, password) in [
        ("admin", "wrong"),
        ("nobody", "Harbor12345"),
        ("robot$x", ""),
    ] {
        sim.handle().reset_counters();
        let c = client(&sim, user, password);
        // Wrong credentials make Harbor treat the call as anonymous: the private `demo` is
        // 401 (the public `library` would answer 200).
        let e = guarded("getProject", c.get_project("demo", &Default::default()))
            .await
            .unwrap_err();
        assert!(Unauthorized::is_instance(&e), "{e:?}");
        assert!(e.to_string().starts_with("401 Unauthorized"), "{e}");
        assert!(e.to_string().contains("getProject"), "{e}");
        assert_eq!(received(&sim, "getProject"), 1, "401 must not be retried");

        // A write is refused the same way, and changes nothing.
        let req = models::ProjectReq {
            project_name: Some("intruder".into()),
            ..Default::default()
        };
        let e = guarded("createProject", c.create_project(&req, &Default::default()))
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(401), "{e:?}");
        assert_eq!(received(&sim, "createProject"), 1);
    }
    assert!(
        !sim.handle()
            .state()
            .projects
            .values()
            .any(|p| p.name == "intruder")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn non_json_and_truncated_bodies_are_decode_errors() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim, "admin", "Harbor12345");
    for fault in [Fault::NotJson, Fault::Truncated] {
        sim.handle().reset_counters();
        sim.handle()
            .inject(FaultRule::new(fault.clone()).operation("getProject"))
            .unwrap();
        // Wrong credentials make Harbor treat the call as anonymous: the private `demo` is
        // 401 (the public `library` would answer 200).
        let e = guarded("getProject", c.get_project("demo", &Default::default()))
            .await
            .unwrap_err();
        assert!(DecodeError::is_instance(&e), "{fault:?}: {e:?}");
        let text = e.to_string();
        assert!(text.contains("cannot decode the answer"), "{text}");
        assert!(text.contains("body starts with"), "{text}");
        // A body that does not parse is not transient: not retried.
        assert_eq!(received(&sim, "getProject"), 1, "{fault:?}");

        sim.handle()
            .inject(FaultRule::new(fault.clone()).operation("listProjects"))
            .unwrap();
        let e = guarded("listProjects", c.get_projects(&Default::default()))
            .await
            .unwrap_err();
        assert!(DecodeError::is_instance(&e), "{fault:?}: {e:?}");
    }
    // The HTML page is quoted in the error, so the user sees what answered.
    sim.handle()
        .inject(FaultRule::new(Fault::NotJson).operation("getProject"))
        .unwrap();
    let e = c
        .get_project("library", &Default::default())
        .await
        .unwrap_err();
    assert!(e.to_string().contains("<html>"), "{e}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn page_size_above_100_is_a_clear_error() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim, "admin", "Harbor12345");
    // Harbor's spec sets only a maximum; a size of 0 or below lists everything (Harbor's ORM
    // limits only when `page_size > 0`; harbor-sim CONFORMANCE rule 17), so -1 is no error.
    for size in [101, 1000, i64::MAX] {
        let params = GetProjectsParams {
            page_size: Some(size),
            ..Default::default()
        };
        let e = guarded("listProjects", c.get_projects(&params))
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(422), "{size}: {e:?}");
        assert!(e.to_string().contains("page_size"), "{e}");
        let e = guarded("listProjects (all)", c.get_projects_all(&params, None))
            .await
            .unwrap_err();
        assert_eq!(e.status(), Some(422), "{size}: {e:?}");
    }
    let unlimited = GetProjectsParams {
        page_size: Some(-1),
        ..Default::default()
    };
    let page = guarded("listProjects", c.get_projects(&unlimited))
        .await
        .unwrap();
    assert_eq!(Some(page.items.len() as u64), page.total, "{page:?}");
    // 100 is fine, and so is asking for everything (the client pages by 100).
    let params = GetProjectsParams {
        page_size: Some(100),
        ..Default::default()
    };
    guarded("listProjects", c.get_projects(&params))
        .await
        .unwrap();
    let all = guarded(
        "listProjects",
        c.get_projects_all(&Default::default(), None),
    )
    .await
    .unwrap();
    assert_eq!(all.len(), sim.handle().state().projects.len());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn repository_names_with_slashes_spaces_and_non_ascii() {
    let sim = Simulator::start().await.unwrap();
    let c = client(&sim, "admin", "Harbor12345");
    // Names the simulator stores as given: nested, with a space, non-ASCII, percent signs.
    for repo in [
        "team/app",
        "a/b/c/d",
        "with space",
        "café/ñandú",
        "100%/x?y#z",
    ] {
        sim.handle().push_image("library", repo, "v1").unwrap();
        let got = guarded("getRepository", c.get_repository("library", repo))
            .await
            .unwrap_or_else(|e| panic!("{repo:?}: {e}"));
        assert_eq!(
            got.name.as_deref(),
            Some(format!("library/{repo}").as_str())
        );
        let artifacts = guarded(
            "listArtifacts",
            c.get_artifacts("library", repo, &Default::default()),
        )
        .await
        .unwrap_or_else(|e| panic!("{repo:?}: {e}"));
        assert_eq!(artifacts.items.len(), 1, "{repo:?}");
    }
    // Names that do not exist are a clean 404, whatever their characters.
    for repo in [
        "no/such",
        "sp ace",
        "ünïcödé",
        "../../etc/passwd",
        "/",
        "a//b",
    ] {
        let e = guarded("getRepository", c.get_repository("library", repo))
            .await
            .unwrap_err();
        assert!(
            NotFound::is_instance(&e) || e.status() == Some(400),
            "{repo:?}: {e:?}"
        );
        assert!(e.to_string().contains("getRepository"), "{e}");
    }
    // An empty name is refused before sending: `/repositories/` would be the list operation.
    sim.handle().reset_counters();
    for (project, repo) in [("library", ""), ("", "nginx")] {
        let e = guarded("getRepository", c.get_repository(project, repo))
            .await
            .unwrap_err();
        assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
        assert!(e.to_string().contains("must not be empty"), "{e}");
    }
    let e = guarded("getProject", c.get_project("", &Default::default()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::InvalidRequest { .. }), "{e:?}");
    assert!(sim.handle().counters().is_empty(), "nothing was sent");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_host_is_a_clear_network_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let tries = Arc::new(AtomicU32::new(0));
    let c = HarborClient::builder(format!("http://{addr}"))
        .basic_auth("admin", "Harbor12345")
        .connect_timeout(Duration::from_secs(5))
        .retry(quick_retry(tries.clone()))
        .build()
        .unwrap();
    let e = guarded("getProject", c.get_project("library", &Default::default()))
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");
    assert!(e.never_sent(), "{e:?}");
    let text = e.to_string();
    assert!(
        text.contains("getProject: network error before the request was sent"),
        "{text}"
    );
    assert_eq!(tries.load(Ordering::Relaxed), 3, "retried up to max_tries");

    // A write that never left is retried too, and fails the same way.
    let e = guarded(
        "createProject",
        c.create_project(&models::ProjectReq::default(), &Default::default()),
    )
    .await
    .unwrap_err();
    assert!(e.never_sent(), "{e:?}");
}
