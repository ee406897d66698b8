//! Rate limits (issue 22, part 5): token buckets in front of the simulated Harbor, on tokio's
//! paused clock so every refill is exact.

use std::time::Duration;

use harbor_sim::{Fault, FaultRule, OpCounts, RateLimit, RateLimitError, RunningSimulator};
use reqwest::{Client, Method, Response, StatusCode};
use serde_json::{Value, json};

mod support;

async fn sim() -> (support::CheckedSim, Client) {
    (support::start().await, Client::builder().build().unwrap())
}

async fn send(client: &Client, sim: &RunningSimulator, method: Method, path: &str) -> Response {
    client
        .request(method, format!("{}{path}", sim.api_url()))
        .basic_auth("admin", Some("Harbor12345"))
        .send()
        .await
        .unwrap()
}

/// The statuses of `n` GETs of `path`, in order.
async fn statuses(
    client: &Client,
    sim: &RunningSimulator,
    path: &str,
    n: usize,
) -> Vec<StatusCode> {
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        out.push(send(client, sim, Method::GET, path).await.status());
    }
    out
}

/// How many of `n` GETs of `path` answer 200; the rest must answer 429.
async fn passed(client: &Client, sim: &RunningSimulator, path: &str, n: usize) -> usize {
    let got = statuses(client, sim, path, n).await;
    assert!(
        got.iter()
            .all(|s| *s == StatusCode::OK || *s == StatusCode::TOO_MANY_REQUESTS),
        "{got:?}"
    );
    got.iter().filter(|s| **s == StatusCode::OK).count()
}

fn admin(sim: &RunningSimulator, path: &str) -> String {
    format!("{}/_sim{path}", sim.base_url())
}

#[tokio::test(start_paused = true)]
async fn ten_per_second_lets_ten_through_then_answers_429_with_retry_after() {
    let (sim, client) = sim().await;
    sim.handle()
        .set_rate_limit(RateLimit::per_second(10.0).burst(10.0))
        .unwrap();
    assert_eq!(
        statuses(&client, &sim, "/projects/library", 10).await,
        [StatusCode::OK; 10]
    );
    let r = send(&client, &sim, Method::GET, "/projects/library").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert!(r.headers().get("x-request-id").is_some());
    assert!(
        r.headers().get("set-cookie").is_none(),
        "the ingress sets no Harbor session"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errors": [{"code": "TOO_MANY_REQUEST", "message":
            "too many requests: the API is limited to 10 requests per second (burst 10)"}]})
    );

    // 100 ms at 10/s is one token: one more request passes, the next does not.
    tokio::time::advance(Duration::from_millis(100)).await;
    assert_eq!(
        statuses(&client, &sim, "/projects/library", 2).await,
        [StatusCode::OK, StatusCode::TOO_MANY_REQUESTS]
    );
    // 99 ms is not enough for the next token.
    tokio::time::advance(Duration::from_millis(99)).await;
    assert_eq!(passed(&client, &sim, "/projects/library", 1).await, 0);
    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(passed(&client, &sim, "/projects/library", 1).await, 1);
    // A quiet spell refills up to the burst, never beyond.
    tokio::time::advance(Duration::from_secs(60)).await;
    assert_eq!(passed(&client, &sim, "/projects/library", 15).await, 10);

    assert_eq!(
        sim.handle().counts("getProject").unwrap(),
        OpCounts {
            received: 10 + 1 + 2 + 1 + 1 + 15,
            writes_applied: 0,
            faults: 0,
            throttled: 1 + 1 + 1 + 5,
        }
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_counts_whole_seconds_until_the_next_token() {
    let (sim, client) = sim().await;
    // One request every 4 s.
    sim.handle()
        .set_rate_limit(RateLimit::per_second(0.25))
        .unwrap();
    assert_eq!(passed(&client, &sim, "/projects", 1).await, 1);
    let retry_after = |r: Response| r.headers()["retry-after"].to_str().unwrap().to_owned();
    let r = send(&client, &sim, Method::GET, "/projects").await;
    assert_eq!(retry_after(r), "4");
    tokio::time::advance(Duration::from_millis(1500)).await;
    let r = send(&client, &sim, Method::GET, "/projects").await;
    assert_eq!(retry_after(r), "3", "2.5 s rounded up");
    tokio::time::advance(Duration::from_millis(2499)).await;
    let r = send(&client, &sim, Method::GET, "/projects").await;
    assert_eq!(retry_after(r), "1", "1 ms rounded up, never 0");
    tokio::time::advance(Duration::from_millis(1)).await;
    assert_eq!(passed(&client, &sim, "/projects", 1).await, 1);
}

#[tokio::test(start_paused = true)]
async fn an_operations_limit_leaves_the_others_alone() {
    let (sim, client) = sim().await;
    sim.handle()
        .set_rate_limit(RateLimit::per_second(1.0).operation("getProject"))
        .unwrap();
    assert_eq!(passed(&client, &sim, "/projects/library", 3).await, 1);
    assert_eq!(passed(&client, &sim, "/projects", 50).await, 50);
    let r = send(&client, &sim, Method::GET, "/projects/library").await;
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["message"],
        "too many requests: getProject is limited to 1 requests per second (burst 1)"
    );
    let counters = sim.handle().counters();
    assert_eq!(
        (
            counters["getProject"].received,
            counters["getProject"].throttled
        ),
        (4, 3)
    );
    assert_eq!(
        (
            counters["listProjects"].received,
            counters["listProjects"].throttled
        ),
        (50, 0)
    );

    // With a global limit too, a request takes a token from both, and a refused one from
    // neither: getProject's 3 requests (1 passed) leave 4 of the global 5.
    sim.handle().reset();
    sim.handle()
        .set_rate_limit(RateLimit::per_second(5.0))
        .unwrap();
    sim.handle()
        .set_rate_limit(RateLimit::per_second(1.0).operation("getProject"))
        .unwrap();
    assert_eq!(passed(&client, &sim, "/projects/library", 3).await, 1);
    assert_eq!(passed(&client, &sim, "/projects", 10).await, 4);
    // The global limit sees requests that route to no operation as well (the ingress is in
    // front of everything); they are counted nowhere.
    tokio::time::advance(Duration::from_secs(1)).await;
    let r = send(&client, &sim, Method::GET, "/no-such-thing").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(passed(&client, &sim, "/projects", 10).await, 4);
}

#[tokio::test(start_paused = true)]
async fn a_raise_through_the_handle_keeps_the_tokens_and_refills_at_the_new_rate() {
    let (sim, client) = sim().await;
    let handle = sim.handle();
    handle.set_rate_limit(RateLimit::per_second(10.0)).unwrap();
    assert_eq!(passed(&client, &sim, "/projects", 11).await, 10);
    // The raise does not refill the bucket...
    handle.set_rate_limit(RateLimit::per_second(20.0)).unwrap();
    assert_eq!(handle.rate_limits(), [RateLimit::per_second(20.0)]);
    assert_eq!(passed(&client, &sim, "/projects", 1).await, 0);
    // ...it refills at the new rate: 50 ms at 20/s is one token.
    tokio::time::advance(Duration::from_millis(50)).await;
    assert_eq!(passed(&client, &sim, "/projects", 2).await, 1);
    // And holds the new burst.
    tokio::time::advance(Duration::from_secs(2)).await;
    assert_eq!(passed(&client, &sim, "/projects", 25).await, 20);
    // A cut caps what the bucket holds at the new burst.
    tokio::time::advance(Duration::from_secs(2)).await;
    handle
        .set_rate_limit(RateLimit::per_second(20.0).burst(3.0))
        .unwrap();
    assert_eq!(passed(&client, &sim, "/projects", 5).await, 3);

    assert!(handle.clear_rate_limit(None));
    assert!(!handle.clear_rate_limit(None));
    assert!(handle.rate_limits().is_empty());
    assert_eq!(passed(&client, &sim, "/projects", 30).await, 30);
}

#[tokio::test(start_paused = true)]
async fn the_admin_endpoint_sets_lists_raises_and_clears_limits() {
    let (sim, client) = sim().await;
    let url = admin(&sim, "/rate-limits");
    let r = client
        .put(&url)
        .json(&json!({"operation": "getProject", "rate": 10, "burst": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"operation": "getProject", "rate": 10.0, "burst": 10.0})
    );
    let r = client
        .put(&url)
        .json(&json!({"rate": 100}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let listed: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(
        listed,
        json!([{"rate": 100.0, "burst": 100.0}, {"operation": "getProject", "rate": 10.0, "burst": 10.0}])
    );
    assert_eq!(passed(&client, &sim, "/projects/library", 12).await, 10);

    // Raised to 200/s: the empty bucket refills at the new rate, 5 ms a token.
    let r = client
        .put(&url)
        .json(&json!({"operation": "getProject", "rate": 200}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(passed(&client, &sim, "/projects/library", 1).await, 0);
    tokio::time::advance(Duration::from_millis(50)).await;
    assert_eq!(passed(&client, &sim, "/projects/library", 20).await, 10);

    // Counters through the endpoint show the throttled requests.
    let counters: Value = client
        .get(admin(&sim, "/counters/getProject"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        counters,
        json!({"received": 33, "writes_applied": 0, "faults": 0, "throttled": 13})
    );

    // Clearing one scope, then all.
    let r = client
        .delete(admin(&sim, "/rate-limits/getProject"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert_eq!(
        sim.handle().rate_limits(),
        [RateLimit::per_second(100.0)],
        "the global limit stays"
    );
    let r = client
        .delete(admin(&sim, "/rate-limits/global"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(sim.handle().rate_limits().is_empty());
    for body in [
        json!({"rate": 1}),
        json!({"operation": "listProjects", "rate": 1}),
    ] {
        client.put(&url).json(&body).send().await.unwrap();
    }
    assert_eq!(sim.handle().rate_limits().len(), 2);
    let r = client.delete(&url).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(sim.handle().rate_limits().is_empty());
    assert_eq!(passed(&client, &sim, "/projects/library", 30).await, 30);

    // Reset clears them too.
    sim.handle()
        .set_rate_limit(RateLimit::per_second(1.0))
        .unwrap();
    let r = client.post(admin(&sim, "/reset")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(sim.handle().rate_limits().is_empty());
}

#[tokio::test(start_paused = true)]
async fn a_throttled_write_changes_nothing_and_spends_no_fault_rule() {
    let (sim, client) = sim().await;
    sim.handle()
        .set_rate_limit(RateLimit::per_second(1.0).operation("createProject"))
        .unwrap();
    let create = |name: &str| {
        client
            .post(format!("{}/projects", sim.api_url()))
            .basic_auth("admin", Some("Harbor12345"))
            .json(&json!({"project_name": name}))
            .send()
    };
    assert_eq!(create("first").await.unwrap().status(), StatusCode::CREATED);
    let r = create("second").await.unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let names: Vec<String> = sim
        .handle()
        .state()
        .projects
        .values()
        .map(|p| p.name.clone())
        .collect();
    assert!(names.contains(&"first".to_owned()));
    assert!(!names.contains(&"second".to_owned()), "{names:?}");
    assert_eq!(
        sim.handle().counts("createProject").unwrap(),
        OpCounts {
            received: 2,
            writes_applied: 1,
            faults: 0,
            throttled: 1,
        }
    );

    // A request with a large body is refused the same way, and the next ones answer.
    let big = "x".repeat(1 << 20);
    for _ in 0..3 {
        let r = create(&big).await.unwrap();
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    }
    let c = sim.handle().counts("createProject").unwrap();
    assert_eq!((c.received, c.throttled), (5, 4));
    sim.handle().reset_counters();

    // A fault rule is drawn only by requests that pass the limit.
    sim.handle()
        .inject(
            FaultRule::new(Fault::status(503))
                .operation("createProject")
                .times(1),
        )
        .unwrap();
    assert_eq!(
        create("third").await.unwrap().status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(sim.handle().faults().len(), 1, "the rule is not spent");
    tokio::time::advance(Duration::from_secs(1)).await;
    assert_eq!(
        create("third").await.unwrap().status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert!(sim.handle().faults().is_empty());
    let c = sim.handle().counts("createProject").unwrap();
    assert_eq!((c.received, c.faults, c.throttled), (2, 1, 1));
}

#[tokio::test(start_paused = true)]
async fn invalid_limits_are_refused_with_a_message_and_change_nothing() {
    let (sim, client) = sim().await;
    let handle = sim.handle();
    assert_eq!(
        handle.set_rate_limit(RateLimit::per_second(0.0)),
        Err(RateLimitError::Rate(0.0))
    );
    assert!(matches!(
        handle.set_rate_limit(RateLimit::per_second(f64::NAN)),
        Err(RateLimitError::Rate(r)) if r.is_nan()
    ));
    assert_eq!(
        handle.set_rate_limit(RateLimit::per_second(10.0).burst(0.5)),
        Err(RateLimitError::Burst(0.5))
    );
    assert_eq!(
        handle.set_rate_limit(RateLimit::per_second(1.0).operation("getProjekt")),
        Err(RateLimitError::UnknownOperation("getProjekt".into()))
    );

    let url = admin(&sim, "/rate-limits");
    let cases = [
        (
            json!({"rate": 0}),
            "rate limit rate 0 must be a finite number of requests per second above 0",
        ),
        (
            json!({"rate": -5}),
            "rate limit rate -5 must be a finite number of requests per second above 0",
        ),
        (
            json!({"rate": 10, "burst": 0.5}),
            "rate limit burst 0.5 must be a finite number of requests, at least 1",
        ),
        (
            json!({"operation": "getProjekt", "rate": 1}),
            "unknown operation id `getProjekt`",
        ),
    ];
    for (body, message) in cases {
        let r = client.put(&url).json(&body).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"errors": [{"code": "BAD_REQUEST", "message": message}]}),
            "{body}"
        );
    }
    // Bodies that are no rate limit at all: unknown fields, no rate, not JSON, a string rate.
    for body in [
        r#"{"rps": 5}"#,
        r#"{"burst": 5}"#,
        "fifty",
        r#"{"rate": "50"}"#,
        "",
    ] {
        let r = client
            .put(&url)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body}");
        let answer: Value = r.json().await.unwrap();
        let message = answer["errors"][0]["message"].as_str().unwrap();
        assert!(message.starts_with("invalid rate limit: "), "{message}");
    }
    let r = client
        .delete(admin(&sim, "/rate-limits/getProjekt"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["message"],
        "unknown operation id `getProjekt` (give an operation id, or `global`)"
    );

    assert!(handle.rate_limits().is_empty());
    assert_eq!(passed(&client, &sim, "/projects", 20).await, 20);
}
