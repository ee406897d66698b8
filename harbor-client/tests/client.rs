//! The hand-written core against a scripted loopback server: authentication, URLs and
//! encoding, error classes, cookies, Retry-After, request ids, retry controls, pagination.

mod support;

use futures::StreamExt;
use harbor_client::error::{
    BadGateway, BadRequest, Conflict, DecodeError, Forbidden, GatewayTimeout, InternalServerError,
    MethodNotAllowed, NetworkError, NotFound, PreconditionFailed, ServerError, ServiceUnavailable,
    StatusError, TimeoutError, TooManyRequests, Transient, Unauthorized, UnprocessableEntity,
    UnsupportedMediaType,
};
use harbor_client::methods::GetProjectsParams;
use harbor_client::{
    Credentials, Error, HarborClient, ProjectRef, models, no_retry_scope, operations,
};
use retry_runtime::{ErrorClass, RetrySettings, wait};
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;
use support::{Reply, Seen, Server, client, closed_port};

/// Retries transient errors up to `tries` attempts, 1 s apart (virtual time).
fn quick_retry(tries: u32) -> RetrySettings<Error> {
    RetrySettings::builder()
        .exception::<Transient>()
        .max_tries(tries)
        .wait_gen(wait::constant().interval(1))
        .no_jitter()
        .build()
        .unwrap()
}

fn project_json(id: i64, name: &str) -> String {
    format!(r#"{{"project_id":{id},"name":"{name}","metadata":{{"public":"true"}}}}"#)
}

// --- authentication -------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn basic_auth_header() {
    let server = Server::with(|_| Some(Reply::json(200, &project_json(1, "library")))).await;
    client(&server)
        .get_project("library", &Default::default())
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(
        seen[0].header("authorization"),
        Some("Basic YWRtaW46SGFyYm9yMTIzNDU=")
    );
}

#[tokio::test(start_paused = true)]
async fn token_and_robot_file_auth_headers() {
    let server = Server::with(|_| Some(Reply::json(200, "{}"))).await;
    let token = HarborClient::builder(server.url())
        .credentials(Credentials::token("cm9ib3Q6eHl6"))
        .timeout(None)
        .build()
        .unwrap();
    token.get_statistics().await.unwrap();

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("robot-credentials.json");
    std::fs::write(
        &path,
        r#"{"id":7,"name":"robot$ci","secret":"s3cr3t","level":"system"}"#,
    )
    .unwrap();
    let robot = HarborClient::builder(server.url())
        .robot_credentials_file(&path)
        .timeout(None)
        .build()
        .unwrap();
    robot.get_statistics().await.unwrap();

    let seen = server.seen();
    assert_eq!(seen[0].header("authorization"), Some("Basic cm9ib3Q6eHl6"));
    // base64("robot$ci:s3cr3t")
    assert_eq!(
        seen[1].header("authorization"),
        Some("Basic cm9ib3QkY2k6czNjcjN0")
    );
}

#[test]
fn no_credentials_is_a_clear_error() {
    let err = HarborClient::builder("https://harbor.example")
        .build()
        .unwrap_err();
    assert_eq!(
        err.to_string(),
        "no credentials: give a username and secret, a robot credentials file, a basic token or a credential provider"
    );
    let err = HarborClient::builder("https://harbor.example")
        .robot_credentials_file("/no/such/robot.json")
        .build()
        .unwrap_err();
    assert!(err.to_string().contains("invalid credentials"), "{err}");
}

// --- URLs and encoding ----------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn base_url_with_or_without_api_path() {
    let server = Server::with(|_| Some(Reply::json(200, "{}"))).await;
    for base in [
        server.url(),
        format!("{}/", server.url()),
        format!("{}/api/v2.0/", server.url()),
    ] {
        let c = HarborClient::builder(base)
            .basic_auth("u", "p")
            .timeout(None)
            .build()
            .unwrap();
        c.get_statistics().await.unwrap();
    }
    let uris: Vec<String> = server.seen().into_iter().map(|s| s.uri).collect();
    assert_eq!(uris, vec!["/api/v2.0/statistics"; 3]);
}

#[tokio::test(start_paused = true)]
async fn repository_names_are_encoded_twice_other_segments_once() {
    let server = Server::with(|_| Some(Reply::json(200, "{}"))).await;
    let c = client(&server);
    c.get_repository("my project", "team/app").await.unwrap();
    c.get_artifact("library", "a/b/c", "sha256:0123", &Default::default())
        .await
        .unwrap();
    let seen = server.seen();
    assert_eq!(
        seen[0].uri,
        "/api/v2.0/projects/my%20project/repositories/team%252Fapp"
    );
    assert_eq!(
        seen[1].uri,
        "/api/v2.0/projects/library/repositories/a%252Fb%252Fc/artifacts/sha256%3A0123"
    );
}

#[tokio::test(start_paused = true)]
async fn query_and_header_parameters() {
    // A list for the listing, an object for the project, as Harbor answers them.
    let server = Server::with(|seen| {
        let body = if seen.uri.starts_with("/api/v2.0/projects?") {
            "[]"
        } else {
            "{}"
        };
        Some(Reply::json(200, body))
    })
    .await;
    let c = client(&server);
    let params = GetProjectsParams {
        q: Some("name=~team".into()),
        page: Some(2),
        page_size: Some(5),
        with_detail: Some(false),
        ..Default::default()
    };
    c.get_projects(&params).await.unwrap();
    c.get_project(7, &Default::default()).await.unwrap();
    let seen = server.seen();
    assert_eq!(
        seen[0].uri,
        "/api/v2.0/projects?q=name%3D%7Eteam&page=2&page_size=5&with_detail=false"
    );
    assert_eq!(seen[1].uri, "/api/v2.0/projects/7");
    assert_eq!(seen[1].header("x-is-resource-name"), None);
}

/// A name always travels with `X-Is-Resource-Name: true` (an all-digit one too); an id without
/// it; `project_name` paths (names only in Harbor) never carry it.
#[tokio::test(start_paused = true)]
async fn project_names_travel_as_names_and_ids_as_ids() {
    let server = Server::with(|_| Some(Reply::json(200, "{}"))).await;
    let c = client(&server);
    let by_name = String::from("2");
    c.get_project(&by_name, &Default::default()).await.unwrap();
    c.get_project("demo", &Default::default()).await.unwrap();
    c.get_project(ProjectRef::id(2), &Default::default())
        .await
        .unwrap();
    c.get_project(2_i64, &Default::default()).await.unwrap();
    c.delete_project_member(ProjectRef::name("42"), 3, &Default::default())
        .await
        .unwrap();
    c.get_repository("2", "app").await.unwrap();
    let seen = server.seen();
    let wire: Vec<(&str, Option<&str>)> = seen
        .iter()
        .map(|s| (s.uri.as_str(), s.header("x-is-resource-name")))
        .collect();
    assert_eq!(
        wire,
        [
            ("/api/v2.0/projects/2", Some("true")),
            ("/api/v2.0/projects/demo", Some("true")),
            ("/api/v2.0/projects/2", None),
            ("/api/v2.0/projects/2", None),
            ("/api/v2.0/projects/42/members/3", Some("true")),
            ("/api/v2.0/projects/2/repositories/app", None),
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn json_bodies_and_typed_answers() {
    let server = Server::with(|s| {
        Some(match (s.method.as_str(), s.uri.as_str()) {
            ("POST", "/api/v2.0/projects") => {
                Reply::json(201, "").header("location", "/api/v2.0/projects/9")
            }
            ("HEAD", _) => Reply::json(404, ""),
            ("GET", "/api/v2.0/ping") => Reply::json(200, "Pong"),
            _ => Reply::json(200, &project_json(9, "team-a")),
        })
    })
    .await;
    let c = client(&server);
    let req = models::ProjectReq {
        project_name: Some("team-a".into()),
        public: Some(true),
        ..Default::default()
    };
    let created = c.create_project(&req, &Default::default()).await.unwrap();
    assert_eq!(created.id(), Some(9));
    assert_eq!(created.location(), Some("/api/v2.0/projects/9"));
    let seen = server.seen();
    assert_eq!(seen[0].body, r#"{"project_name":"team-a","public":true}"#);
    assert_eq!(seen[0].header("content-type"), Some("application/json"));

    assert!(!c.project_exists("nope").await.unwrap());
    assert_eq!(c.ping().await.unwrap(), "Pong");
    let p = c.get_project("team-a", &Default::default()).await.unwrap();
    assert_eq!(p.project_id, Some(9));
    assert_eq!(p.name.as_deref(), Some("team-a"));
}

// --- errors -----------------------------------------------------------------------------

/// A class's name and membership test.
type ClassCheck = (&'static str, fn(&Error) -> bool);

fn classes(e: &Error) -> Vec<&'static str> {
    let checks: [ClassCheck; 19] = [
        ("StatusError", StatusError::is_instance),
        ("BadRequest", BadRequest::is_instance),
        ("Unauthorized", Unauthorized::is_instance),
        ("Forbidden", Forbidden::is_instance),
        ("NotFound", NotFound::is_instance),
        ("MethodNotAllowed", MethodNotAllowed::is_instance),
        ("Conflict", Conflict::is_instance),
        ("PreconditionFailed", PreconditionFailed::is_instance),
        ("UnsupportedMediaType", UnsupportedMediaType::is_instance),
        ("UnprocessableEntity", UnprocessableEntity::is_instance),
        ("TooManyRequests", TooManyRequests::is_instance),
        ("InternalServerError", InternalServerError::is_instance),
        ("BadGateway", BadGateway::is_instance),
        ("ServiceUnavailable", ServiceUnavailable::is_instance),
        ("GatewayTimeout", GatewayTimeout::is_instance),
        ("ServerError", ServerError::is_instance),
        ("NetworkError", NetworkError::is_instance),
        ("TimeoutError", TimeoutError::is_instance),
        ("DecodeError", DecodeError::is_instance),
    ];
    checks
        .iter()
        .filter(|(_, f)| f(e))
        .map(|(n, _)| *n)
        .collect()
}

#[tokio::test(start_paused = true)]
async fn every_status_decodes_into_its_class() {
    let table: [(u16, &str); 14] = [
        (400, "BadRequest"),
        (401, "Unauthorized"),
        (403, "Forbidden"),
        (404, "NotFound"),
        (405, "MethodNotAllowed"),
        (409, "Conflict"),
        (412, "PreconditionFailed"),
        (415, "UnsupportedMediaType"),
        (422, "UnprocessableEntity"),
        (429, "TooManyRequests"),
        (500, "InternalServerError"),
        (502, "BadGateway"),
        (503, "ServiceUnavailable"),
        (504, "GatewayTimeout"),
    ];
    let server = Server::with(|s| {
        let status: u16 = s.uri.rsplit('/').next().unwrap().parse().unwrap();
        Some(if status >= 500 {
            Reply::json(
                status,
                r#"{"code":"UNKNOWN","message":"internal server error"}"#,
            )
        } else {
            Reply::json(
                status,
                r#"{"errors":[{"code":"SOME_CODE","message":"went wrong"}]}"#,
            )
        })
    })
    .await;
    let c = client(&server);
    c.set_retry(None);
    for (status, class) in table {
        let e = c
            .get_project(&status.to_string(), &Default::default())
            .await
            .unwrap_err();
        let mut want = vec!["StatusError", class];
        if status >= 500 {
            want.push("ServerError");
        }
        assert_eq!(classes(&e), want, "{status}");
        let Error::Status(se) = &e else {
            panic!("{e:?}")
        };
        assert_eq!(se.status(), status);
        assert_eq!(se.operation(), Some("getProject"));
        if status >= 500 {
            assert_eq!(se.errors()[0].code, "UNKNOWN");
            assert_eq!(se.errors()[0].message, "internal server error");
        } else {
            assert_eq!(se.errors()[0].code, "SOME_CODE");
            assert_eq!(se.message(), Some("went wrong"));
        }
        assert!(se.body_excerpt().starts_with('{'));
    }
}

#[tokio::test(start_paused = true)]
async fn undecodable_answer_is_a_decode_error_with_excerpt() {
    let server = Server::with(|_| Some(Reply::json(200, "<html>proxy login</html>"))).await;
    let e = client(&server)
        .get_project("x", &Default::default())
        .await
        .unwrap_err();
    assert_eq!(classes(&e), vec!["DecodeError"]);
    let Error::Decode(d) = &e else { panic!() };
    assert_eq!(d.operation(), "getProject");
    assert_eq!(d.body_excerpt(), "<html>proxy login</html>");
    assert!(e.to_string().contains("proxy login"), "{e}");
}

#[tokio::test(start_paused = true)]
async fn connection_refused_is_a_network_error_never_sent() {
    let addr = closed_port().await;
    let c = HarborClient::builder(format!("http://{addr}"))
        .basic_auth("u", "p")
        .retry(None)
        .build()
        .unwrap();
    let e = c.get_statistics().await.unwrap_err();
    assert_eq!(classes(&e), vec!["NetworkError"]);
    assert!(e.never_sent());
    assert!(e.request_id().is_some());
    // Unlike a refused certificate (tests/tls.rs), a refused connection is worth retrying.
    assert!(e.is_transient());
    let Error::Network(network) = &e else {
        unreachable!("classified as a network error above")
    };
    assert!(!network.is_certificate_error());
}

#[tokio::test(start_paused = true)]
async fn a_hung_server_is_a_timeout_error() {
    let server = Server::with(|_| Some(Reply::hang())).await;
    let c = HarborClient::builder(server.url())
        .basic_auth("u", "p")
        .timeout(Duration::from_secs(5))
        .retry(None)
        .build()
        .unwrap();
    let e = c.get_statistics().await.unwrap_err();
    assert_eq!(classes(&e), vec!["TimeoutError"]);
    assert!(!e.never_sent());
}

// --- cookies, request ids, Retry-After -----------------------------------------------

#[tokio::test(start_paused = true)]
async fn cookies_are_never_sent_back() {
    let server = Server::with(|_| {
        Some(Reply::json(200, "{}").header("set-cookie", "sid=0123456789abcdef; Path=/; HttpOnly"))
    })
    .await;
    let c = client(&server);
    c.get_statistics().await.unwrap();
    c.get_statistics().await.unwrap();
    c.create_project(&Default::default(), &Default::default())
        .await
        .unwrap();
    for seen in server.seen() {
        assert_eq!(seen.header("cookie"), None, "{seen:?}");
    }
}

#[tokio::test(start_paused = true)]
async fn one_request_id_per_call_kept_across_retries() {
    let server = Server::start(vec![Reply::json(503, "{}"), Reply::json(502, "{}")], |_| {
        Some(Reply::json(200, "{}"))
    })
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(5));
    c.get_statistics().await.unwrap();
    c.get_statistics().await.unwrap();
    let ids: Vec<String> = server
        .seen()
        .iter()
        .map(|s| s.header("x-request-id").unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 4);
    assert_eq!(ids[0], ids[1]);
    assert_eq!(ids[1], ids[2]);
    assert_ne!(ids[2], ids[3]);
}

#[tokio::test(start_paused = true)]
async fn errors_carry_the_request_id_the_server_saw() {
    let server = Server::with(|_| Some(Reply::json(404, r#"{"errors":[]}"#))).await;
    let e = client(&server).get_statistics().await.unwrap_err();
    let sent = server.seen()[0].header("x-request-id").unwrap().to_owned();
    assert_eq!(e.request_id(), Some(sent.as_str()));
    assert!(e.to_string().contains(&sent), "{e}");
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let server = Server::start(
        vec![
            Reply::json(429, "{}").header("retry-after", "30"),
            Reply::json(200, "{}"),
            Reply::json(429, "{}").header("retry-after", "30"),
        ],
        |_| Some(Reply::json(200, "{}")),
    )
    .await;
    let c = client(&server);
    let waits = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&waits);
    c.set_retry(
        quick_retry(3)
            .to_builder()
            .on_backoff(move |d| seen.lock().unwrap().push(d.wait))
            .build()
            .unwrap(),
    );
    let start = tokio::time::Instant::now();
    c.get_statistics().await.unwrap();
    // The wait generator says 1 s; the server said 30 s, and that wins (virtual time), in
    // the wait taken and in the wait the hooks are told.
    assert!(start.elapsed() >= Duration::from_secs(30));
    assert_eq!(*waits.lock().unwrap(), vec![Some(Duration::from_secs(30))]);
    assert_eq!(server.seen().len(), 2);

    // Without the floor, the generator's 1 s is taken.
    c.update_retry(|s| s.no_wait_floor()).unwrap();
    let start = tokio::time::Instant::now();
    c.get_statistics().await.unwrap();
    assert!(start.elapsed() < Duration::from_secs(30));
    assert_eq!(waits.lock().unwrap()[1], Some(Duration::from_secs(1)));
    assert_eq!(server.seen().len(), 4);
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_capped() {
    let server = Server::start(
        vec![Reply::json(503, "{}").header("retry-after", "86400")],
        |_| Some(Reply::json(200, "{}")),
    )
    .await;
    let c = HarborClient::builder(server.url())
        .basic_auth("u", "p")
        .timeout(None)
        .retry(quick_retry(3))
        .retry_after_cap(Duration::from_secs(2))
        .build()
        .unwrap();
    // Uncapped, the call would wait a day; capped, it is done long before 100 s.
    tokio::time::timeout(Duration::from_secs(100), c.get_statistics())
        .await
        .expect("Retry-After was capped")
        .unwrap();
}

#[tokio::test(start_paused = true)]
async fn retry_after_never_waits_past_max_time() {
    let server = Server::start(
        vec![Reply::json(503, "{}").header("retry-after", "40")],
        |_| Some(Reply::json(200, "{}")),
    )
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(3).to_builder().max_time(10).build().unwrap());
    // The server asks for 40 s, the call may take 10 s: the retry goes out at the limit.
    tokio::time::timeout(Duration::from_secs(30), c.get_statistics())
        .await
        .expect("the wait was cut at max_time")
        .unwrap();
    assert_eq!(server.seen().len(), 2);
}

// --- retry controls -------------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn default_settings_retry_transient_errors_only() {
    let server = Server::start(vec![Reply::json(503, "{}"), Reply::json(500, "{}")], |_| {
        Some(Reply::json(200, "{}"))
    })
    .await;
    let c = client(&server);
    // 503 is retried; the 500 that follows is not (not transient).
    let e = c.get_statistics().await.unwrap_err();
    assert_eq!(e.status(), Some(500));
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test(start_paused = true)]
async fn none_disables_and_settings_change_at_run_time() {
    let server = Server::with(|_| Some(Reply::json(503, "{}"))).await;
    let c = client(&server);
    c.set_retry(None);
    c.get_statistics().await.unwrap_err();
    assert_eq!(server.seen().len(), 1);

    c.set_retry(quick_retry(3));
    c.get_statistics().await.unwrap_err();
    assert_eq!(server.seen().len(), 4);

    // A clone shares the settings; a change applies to the next request.
    let other = c.clone();
    other.update_retry(|s| s.max_tries(2)).unwrap();
    c.get_statistics().await.unwrap_err();
    assert_eq!(server.seen().len(), 6);

    let invalid = c.update_retry(|s| s.max_tries(0)).unwrap_err();
    assert_eq!(invalid.to_string(), "max_tries must be greater than 0");
    assert_eq!(c.retry_settings().unwrap().max_tries(), Some(2));
}

#[tokio::test(start_paused = true)]
async fn post_is_not_retried_once_sent_unless_allowed_to_be_resent() {
    let server = Server::with(|_| Some(Reply::json(503, "{}"))).await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    let body = models::RobotCreate::default();
    c.create_robot(&body).await.unwrap_err();
    assert_eq!(server.seen().len(), 1, "a sent POST is not repeated");

    c.allow_resend(operations::CREATE_ROBOT);
    c.create_robot(&body).await.unwrap_err();
    assert_eq!(server.seen().len(), 4, "allowed per operation");

    c.refresh_robot_secret(1, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.seen().len(), 5, "PATCH not allowed");
    c.allow_resend_all(true);
    c.refresh_robot_secret(1, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.seen().len(), 8, "allowed for all");
}

/// The names the resend permissions had before they were one: still accepted, and doing
/// the same.
#[tokio::test(start_paused = true)]
#[allow(deprecated)]
async fn the_old_names_of_the_resend_permissions_still_work() {
    let server = Server::with(|_| Some(Reply::json(503, "{}"))).await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    c.allow_retry_after_send(operations::CREATE_ROBOT);
    c.create_robot(&models::RobotCreate::default())
        .await
        .unwrap_err();
    assert_eq!(server.seen().len(), 3, "allowed per operation");
    c.set_retry_non_idempotent(true);
    c.refresh_robot_secret(1, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.seen().len(), 6, "allowed for all");

    let built = HarborClient::builder(server.url())
        .basic_auth("u", "p")
        .retry(quick_retry(3))
        .retry_non_idempotent(true)
        .build()
        .unwrap();
    built
        .refresh_robot_secret(1, &Default::default())
        .await
        .unwrap_err();
    assert_eq!(server.seen().len(), 9, "allowed for all by the builder");
}

/// Creates a project through a client whose server refuses connections, with `settings`
/// plus a backoff counter; returns the error and the number of backoffs.
async fn create_project_never_sent(settings: RetrySettings<Error>) -> (Error, u32) {
    let addr = closed_port().await;
    let backoffs = Arc::new(AtomicU32::new(0));
    let counter = Arc::clone(&backoffs);
    let settings = settings
        .to_builder()
        .on_backoff(move |_| {
            counter.fetch_add(1, Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let c = HarborClient::builder(format!("http://{addr}"))
        .basic_auth("u", "p")
        .retry(settings)
        .build()
        .unwrap();
    let e = c
        .create_project(&Default::default(), &Default::default())
        .await
        .unwrap_err();
    (e, backoffs.load(Ordering::SeqCst))
}

#[tokio::test(start_paused = true)]
async fn post_is_retried_when_it_never_left() {
    let (e, backoffs) = create_project_never_sent(quick_retry(3)).await;
    assert!(e.never_sent());
    assert_eq!(backoffs, 2, "3 tries, 2 backoffs");
}

#[tokio::test(start_paused = true)]
async fn a_users_giveup_still_applies_to_non_idempotent_operations() {
    // The user gives up on every network error; the client's own rule for POST would retry
    // this one (it never left), but both predicates apply: either ends the call.
    let settings = quick_retry(3)
        .to_builder()
        .giveup(|e: &Error| e.never_sent())
        .build()
        .unwrap();
    let (e, backoffs) = create_project_never_sent(settings).await;
    assert!(e.never_sent());
    assert_eq!(backoffs, 0, "the user's giveup held");
}

#[tokio::test(start_paused = true)]
async fn no_retry_scope_is_per_task() {
    let server = Server::with(|s| {
        Some(if s.uri.contains("statistics") {
            Reply::json(503, "{}")
        } else {
            Reply::json(200, "{}")
        })
    })
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(4));
    let quiet = {
        let c = c.clone();
        tokio::spawn(async move {
            no_retry_scope(async {
                c.get_statistics().await.unwrap_err();
                // Still inside the scope after an await point.
                tokio::time::sleep(Duration::from_secs(2)).await;
                c.get_statistics().await.unwrap_err();
            })
            .await;
            // Restored after the scope.
            c.get_statistics().await.unwrap_err();
        })
    };
    let loud = {
        let c = c.clone();
        tokio::spawn(async move { c.get_statistics().await.unwrap_err() })
    };
    quiet.await.unwrap();
    loud.await.unwrap();
    let mut per_call = std::collections::HashMap::<String, usize>::new();
    for s in server.seen() {
        *per_call
            .entry(s.header("x-request-id").unwrap().to_owned())
            .or_default() += 1;
    }
    let mut counts: Vec<usize> = per_call.into_values().collect();
    counts.sort();
    // Two calls inside the scope made one attempt each; the other task's call and the call
    // after the scope made four each.
    assert_eq!(counts, vec![1, 1, 4, 4]);
}

#[tokio::test(start_paused = true)]
async fn no_retry_handle_leaves_the_client_alone() {
    let server = Server::with(|_| Some(Reply::json(503, "{}"))).await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    c.no_retry().get_statistics().await.unwrap_err();
    assert_eq!(server.seen().len(), 1);
    c.get_statistics().await.unwrap_err();
    assert_eq!(server.seen().len(), 4);
}

// --- pagination -------------------------------------------------------------------------------

/// A list of `n` projects served `page_size` at a time with Harbor's headers.
fn paged_projects(n: usize) -> impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static {
    move |s: &Seen| {
        let url = url::Url::parse(&format!("http://x{}", s.uri)).unwrap();
        let get = |k: &str| {
            url.query_pairs()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.parse::<usize>().unwrap())
        };
        let page = get("page").unwrap_or(1);
        let size = get("page_size").unwrap_or(10);
        let start = (page - 1) * size;
        let items: Vec<String> = (start..n.min(start + size))
            .map(|i| project_json(i as i64 + 1, &format!("p{}", i + 1)))
            .collect();
        let mut reply = Reply::json(200, &format!("[{}]", items.join(",")))
            .header("x-total-count", &n.to_string());
        let mut links = Vec::new();
        if page > 1 {
            links.push(format!(
                "</api/v2.0/projects?page={}&page_size={size}>; rel=\"prev\"",
                page - 1
            ));
        }
        if start + size < n {
            links.push(format!(
                "</api/v2.0/projects?page={}&page_size={size}>; rel=\"next\"",
                page + 1
            ));
        }
        if !links.is_empty() {
            reply = reply.header("link", &links.join(" , "));
        }
        Some(reply)
    }
}

fn page_of(s: &Seen) -> String {
    s.uri.clone()
}

#[tokio::test(start_paused = true)]
async fn one_page_exposes_total_and_next() {
    let server = Server::with(paged_projects(5)).await;
    let c = client(&server);
    let page = c
        .get_projects(&GetProjectsParams {
            page_size: Some(2),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(page.items.len(), 2);
    assert_eq!(page.total, Some(5));
    assert_eq!(
        page.next.as_deref(),
        Some("/api/v2.0/projects?page=2&page_size=2")
    );
}

#[tokio::test(start_paused = true)]
async fn stream_follows_links_to_the_end() {
    let server = Server::with(paged_projects(5)).await;
    let c = client(&server);
    let params = GetProjectsParams {
        page_size: Some(2),
        ..Default::default()
    };
    let names: Vec<String> = c
        .get_projects_stream(&params)
        .map(|p| p.unwrap().name.unwrap())
        .collect()
        .await;
    assert_eq!(names, ["p1", "p2", "p3", "p4", "p5"]);
    let uris: Vec<String> = server.seen().iter().map(page_of).collect();
    assert_eq!(
        uris,
        [
            "/api/v2.0/projects?page_size=2",
            "/api/v2.0/projects?page=2&page_size=2",
            "/api/v2.0/projects?page=3&page_size=2"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn collect_all_stops_at_the_limit() {
    let server = Server::with(paged_projects(5)).await;
    let c = client(&server);
    let params = GetProjectsParams {
        page_size: Some(2),
        ..Default::default()
    };
    let two = c.get_projects_all(&params, Some(2)).await.unwrap();
    assert_eq!(two.len(), 2);
    assert_eq!(server.seen().len(), 1, "limit = page size: one request");
    let three = c.get_projects_all(&params, Some(3)).await.unwrap();
    assert_eq!(three.len(), 3);
    assert_eq!(server.seen().len(), 3);
    let all = c.get_projects_all(&Default::default(), None).await.unwrap();
    assert_eq!(all.len(), 5);
    assert_eq!(
        server.seen().last().unwrap().uri,
        "/api/v2.0/projects?page_size=100"
    );
    assert!(
        c.get_projects_all(&params, Some(0))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_page_is_retried_without_restarting() {
    let list = paged_projects(5);
    let failed_once = Arc::new(AtomicU32::new(0));
    let flag = Arc::clone(&failed_once);
    let server = Server::with(move |s| {
        if s.uri.contains("page=2&") && flag.fetch_add(1, Ordering::SeqCst) == 0 {
            return Some(Reply::json(503, "{}"));
        }
        list(s)
    })
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    let params = GetProjectsParams {
        page_size: Some(2),
        ..Default::default()
    };
    let all = c.get_projects_all(&params, None).await.unwrap();
    assert_eq!(all.len(), 5);
    let uris: Vec<String> = server.seen().iter().map(page_of).collect();
    assert_eq!(
        uris,
        [
            "/api/v2.0/projects?page_size=2",
            "/api/v2.0/projects?page=2&page_size=2",
            "/api/v2.0/projects?page=2&page_size=2",
            "/api/v2.0/projects?page=3&page_size=2"
        ]
    );
}

#[tokio::test(start_paused = true)]
async fn a_page_that_keeps_failing_ends_the_stream_with_its_error() {
    let list = paged_projects(5);
    let server = Server::with(move |s| {
        if s.uri.contains("page=2&") {
            return Some(Reply::json(503, "{}"));
        }
        list(s)
    })
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(2));
    let params = GetProjectsParams {
        page_size: Some(2),
        ..Default::default()
    };
    let results: Vec<_> = c.get_projects_stream(&params).collect().await;
    assert_eq!(results.len(), 3);
    assert!(results[0].is_ok() && results[1].is_ok());
    assert_eq!(results[2].as_ref().unwrap_err().status(), Some(503));
    assert_eq!(server.seen().len(), 3);
}

/// The stream builds every page from the caller's parameters: a `Link` target is never
/// followed, so one on another server (which would receive the credentials) is never
/// contacted; the link only says that a next page exists.
#[tokio::test(start_paused = true)]
async fn a_link_to_another_server_is_never_contacted() {
    let list = paged_projects(3);
    let server = Server::with(move |s| {
        let mut reply = list(s)?;
        if !s.uri.contains("page=") {
            // Before the first page's own link: the one a link-following stream would take.
            let evil = "<http://evil.example/api/v2.0/projects?page=2&page_size=2>; rel=\"next\"";
            reply
                .headers
                .insert(0, ("link".to_owned(), evil.to_owned()));
        }
        Some(reply)
    })
    .await;
    let c = client(&server);
    let params = GetProjectsParams {
        page_size: Some(2),
        ..Default::default()
    };
    let names: Vec<String> = c
        .get_projects_stream(&params)
        .map(|p| p.unwrap().name.unwrap())
        .collect()
        .await;
    assert_eq!(names, ["p1", "p2", "p3"]);
    let uris: Vec<String> = server.seen().iter().map(page_of).collect();
    assert_eq!(
        uris,
        [
            "/api/v2.0/projects?page_size=2",
            "/api/v2.0/projects?page=2&page_size=2"
        ]
    );
}

// --- secrets --------------------------------------------------------------------------------

#[test]
fn secrets_never_reach_debug_output() {
    let c = HarborClient::builder("https://harbor.example")
        .basic_auth("admin", "Harbor12345")
        .build()
        .unwrap();
    let password = models::PasswordReq {
        old_password: Some("Harbor12345".into()),
        new_password: Some("N3wPassw0rd".into()),
    };
    let robot = models::RobotCreated {
        name: Some("robot$ci".into()),
        secret: Some("r0b0tS3cret".into()),
        ..Default::default()
    };
    for text in [
        format!("{c:?}"),
        format!("{password:?}"),
        format!("{robot:?}"),
    ] {
        for secret in ["Harbor12345", "N3wPassw0rd", "r0b0tS3cret", "YWRtaW46"] {
            assert!(!text.contains(secret), "{text}");
        }
    }
    assert!(format!("{robot:?}").contains("robot$ci"));
}

// --- models -----------------------------------------------------------------------------------

#[test]
fn models_tolerate_unknown_missing_and_null_fields() {
    let p: models::Project = serde_json::from_str(
        r#"{"project_id": 1, "name": "x", "a_field_from_the_future": {"a": [1]},
            "owner_name": null, "creation_time": "2024-01-02T03:04:05.123456Z",
            "metadata": {"public": "true", "a_key_from_the_future": "v"}}"#,
    )
    .unwrap();
    assert_eq!(p.project_id, Some(1));
    assert_eq!(p.owner_name, None);
    assert_eq!(
        p.creation_time.unwrap().parse().unwrap().to_rfc3339(),
        "2024-01-02T03:04:05.123456+00:00"
    );
    assert_eq!(p.metadata.unwrap().public.as_deref(), Some("true"));

    let empty: models::Artifact = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, models::Artifact::default());
    let odd_time: models::Artifact = serde_json::from_str(
        r#"{"push_time": "0001-01-01T00:00:00Z", "pull_time": "not a time", "tags": null}"#,
    )
    .unwrap();
    assert_eq!(odd_time.pull_time.unwrap().as_str(), "not a time");
}

#[test]
fn enums_keep_unknown_values() {
    let known: models::ScheduleObj = serde_json::from_str(r#"{"type": "Daily"}"#).unwrap();
    assert_eq!(known.r#type, Some(models::ScheduleObjType::Daily));
    let unknown: models::ScheduleObj = serde_json::from_str(r#"{"type": "Fortnightly"}"#).unwrap();
    assert_eq!(
        unknown.r#type,
        Some(models::ScheduleObjType::Unknown("Fortnightly".into()))
    );
    assert_eq!(
        serde_json::to_string(&unknown).unwrap(),
        r#"{"type":"Fortnightly"}"#
    );
}

// --- the shape of calls -----------------------------------------------------------------------

#[tokio::test(start_paused = true)]
async fn details_target_names_the_operation() {
    let server = Server::start(vec![Reply::json(503, "{}")], |_| {
        Some(Reply::json(200, "{}"))
    })
    .await;
    let c = client(&server);
    let targets = Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = Arc::clone(&targets);
    let settings = quick_retry(3)
        .to_builder()
        .on_backoff(move |d| seen.lock().unwrap().push(d.target))
        .build()
        .unwrap();
    c.set_retry(settings);
    c.get_statistics().await.unwrap();
    let targets = targets.lock().unwrap();
    assert_eq!(targets.len(), 1);
    assert!(targets[0].ends_with("::get_statistics"), "{}", targets[0]);
}

#[test]
fn call_futures_and_streams_are_send() {
    fn send<T: Send>(_: T) {}
    let c = HarborClient::new("http://127.0.0.1:9", "u", "p").unwrap();
    let robot = models::RobotCreate::default();
    let params = GetProjectsParams::default();
    send(c.create_robot(&robot));
    send(c.get_project("p", &Default::default()));
    send(c.get_projects_stream(&params));
    send(c.get_projects_all(&params, Some(3)));
    send(no_retry_scope(c.ping()));
}

/// A 401, and only a 401, sends the attempt again at once with credentials the provider
/// renewed: a 401 then a 200 is one successful call of two requests, the second with the new
/// secret; the 200 asks for nothing more.
#[tokio::test]
async fn a_401_is_sent_again_with_renewed_credentials_and_a_200_is_not() {
    let server = Server::start(vec![Reply::json(401, "{}")], |_| {
        Some(Reply::json(200, "{}"))
    })
    .await;
    let asks = Arc::new(AtomicU32::new(0));
    let provider = {
        let asks = asks.clone();
        move || {
            let n = asks.fetch_add(1, Ordering::SeqCst) + 1;
            std::future::ready(Ok::<_, std::io::Error>(Credentials::basic(
                "robot",
                format!("secret-{n}"),
            )))
        }
    };
    let c = HarborClient::builder(server.url())
        .credential_provider(provider)
        .retry(None)
        .timeout(None)
        .connect_timeout(None)
        .build()
        .unwrap();
    c.get_statistics().await.unwrap();
    let seen = server.seen();
    assert_eq!(
        seen.len(),
        2,
        "the 401's request and its resend, nothing after the 200"
    );
    assert_eq!(
        asks.load(Ordering::SeqCst),
        2,
        "the first credentials and the renewal"
    );
    let (first, second) = (
        seen[0].header("authorization").unwrap(),
        seen[1].header("authorization").unwrap(),
    );
    assert_ne!(first, second, "the resend carries the renewed secret");
}
