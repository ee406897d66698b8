//! The simulator's Harbor behaviour over real HTTP on loopback, without the generated client.

use std::time::Duration;

use harbor_sim::{Fault, FaultRule, Latency, RunningSimulator};
use reqwest::{Client, Method, StatusCode};
use serde_json::{Value, json};

mod support;

async fn sim() -> (support::CheckedSim, Client) {
    (support::start().await, Client::builder().build().unwrap())
}

fn req(
    client: &Client,
    sim: &RunningSimulator,
    method: Method,
    path: &str,
) -> reqwest::RequestBuilder {
    client
        .request(method, format!("{}{path}", sim.api_url()))
        .basic_auth("admin", Some("Harbor12345"))
}

#[tokio::test(start_paused = true)]
async fn credentials_are_required_and_checked() {
    let (sim, client) = sim().await;
    let url = format!("{}/projects", sim.api_url());
    // Without credentials, or with wrong ones, Harbor goes on as anonymous: public projects
    // only, and 401 where a signed-in caller is needed.
    for auth in [None, Some(("admin", "wrong"))] {
        let with_auth = |r: reqwest::RequestBuilder| match auth {
            Some((u, p)) => r.basic_auth(u, Some(p)),
            None => r,
        };
        let r = with_auth(client.get(&url)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        let names: Vec<Value> = r.json::<Vec<Value>>().await.unwrap();
        let names: Vec<&str> = names.iter().filter_map(|p| p["name"].as_str()).collect();
        assert_eq!(names, ["library"], "anonymous sees public projects only");
        let r = with_auth(client.get(format!("{}/statistics", sim.api_url())))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(
            r.json::<Value>().await.unwrap(),
            json!({"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]})
        );
    }
    let r = client
        .get(format!("{}/ping", sim.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "ping is anonymous");
    assert_eq!(r.text().await.unwrap(), "Pong");
    let r = client
        .get(&url)
        .basic_auth("robot$ci", Some(harbor_sim::SEED_ROBOT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "robots log in as robot$name");
    // A robot has no user record: Harbor's GetCurrentUserInfo answers 412, not 401.
    let r = client
        .get(format!("{}/users/current", sim.api_url()))
        .basic_auth("robot$ci", Some(harbor_sim::SEED_ROBOT_SECRET))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        "get current user not available for security context: robot"
    );
    let r = client
        .get(format!("{}/users/current", sim.api_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "anonymous");
}

#[tokio::test(start_paused = true)]
async fn a_fresh_simulator_holds_what_harbors_installer_creates() {
    // Harbor's migrations (`make/migrations/postgresql/`) leave user 1 `admin`, user 2
    // `anonymous` (deleted) and project 1 `library`, public, with an unlimited quota and an
    // empty CVE allowlist. Clients and scripts written for a fresh Harbor count on those.
    let sim = support::start_checked(harbor_sim::Simulator::builder(), "fresh").await;
    let client = Client::new();
    let get = |path: &str| req(&client, &sim, Method::GET, path).send();
    async fn body(answer: reqwest::Result<reqwest::Response>) -> Value {
        answer.unwrap().json().await.unwrap()
    }
    let projects = body(get("/projects").await).await;
    assert_eq!(projects.as_array().map(Vec::len), Some(1), "{projects}");
    let library = &projects[0];
    assert_eq!(library["project_id"], 1);
    assert_eq!(library["name"], "library");
    assert_eq!(library["owner_name"], "admin");
    assert_eq!(library["metadata"]["public"], "true");
    assert_eq!(library["cve_allowlist"]["items"], json!([]));
    let members = body(get("/projects/1/members").await).await;
    assert_eq!(
        (&members[0]["entity_name"], &members[0]["role_id"]),
        (&json!("admin"), &json!(1))
    );
    let quotas = body(get("/quotas?reference_id=1").await).await;
    assert_eq!(quotas[0]["hard"], json!({"storage": -1}), "{quotas}");
    // The admin has no email: `UserResp` leaves the empty one out.
    let admin = body(get("/users/current").await).await;
    assert_eq!(admin["user_id"], 1);
    assert!(admin.get("email").is_none(), "{admin}");
    // The deleted `anonymous` is nobody's to read, and takes its id from the next user.
    let anonymous = get("/users/2").await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::NOT_FOUND);
    let post = |path: &str, doc: Value| req(&client, &sim, Method::POST, path).json(&doc).send();
    let user = |name: &str| {
        json!({"username": name, "email": format!("{name}@example.com"),
               "realname": name, "password": "Passw0rdUser"})
    };
    let created = post("/projects", json!({"project_name": "apps"}))
        .await
        .unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        created.headers()["location"],
        "/api/v2.0/projects/2",
        "the first project created is 2"
    );
    // Its name stays taken: the user table's unique key holds the deleted row too.
    let taken = post("/users", user("anonymous")).await;
    assert_eq!(taken.as_ref().unwrap().status(), StatusCode::CONFLICT);
    assert_eq!(
        body(taken).await["errors"][0]["message"],
        "user anonymous or email anonymous@example.com already exists"
    );
    let created = post("/users", user("alice")).await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    assert_eq!(
        created.headers()["location"],
        "/api/v2.0/users/4",
        "the refused insert took 3 from the sequence, as PostgreSQL's does"
    );
}

#[tokio::test(start_paused = true)]
async fn sid_cookie_sent_back_on_a_write_is_the_csrf_trap() {
    let (sim, client) = sim().await;
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_owned();
    assert!(cookie.starts_with("sid="));
    let r = req(&client, &sim, Method::POST, "/projects")
        .header("Cookie", &cookie)
        .json(&json!({"project_name": "trap"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["message"],
        "CSRF token invalid"
    );
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "reads pass with the cookie");
    assert_eq!(
        sim.handle().counts("createProject").unwrap().writes_applied,
        0
    );
}

#[tokio::test(start_paused = true)]
async fn request_id_is_echoed_or_generated() {
    let (sim, client) = sim().await;
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .header("X-Request-Id", "abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "abc-123");
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"].len(), 36);
}

#[tokio::test(start_paused = true)]
async fn unknown_routes_and_bad_input_get_harbors_errors() {
    let (sim, client) = sim().await;
    let r = req(&client, &sim, Method::GET, "/no/such/thing")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["code"],
        "NOT_FOUND"
    );
    let r = req(&client, &sim, Method::GET, "/projects?page_size=101")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = req(&client, &sim, Method::GET, "/robots/abc")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    // go-swagger wraps a body it cannot decode in its validation failure list: 422.
    let r = req(&client, &sim, Method::POST, "/projects")
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = req(&client, &sim, Method::POST, "/projects")
        .json(&json!({"project_name": 7}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let r = req(&client, &sim, Method::POST, "/projects")
        .json(&json!({"project_name": "library"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = req(&client, &sim, Method::DELETE, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::PRECONDITION_FAILED,
        "a project with repositories is not deleted"
    );
    let r = req(&client, &sim, Method::GET, "/projects/1")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<Value>().await.unwrap()["name"],
        "library",
        "ids are accepted"
    );
    let r = req(&client, &sim, Method::GET, "/projects/1")
        .header("X-Is-Resource-Name", "true")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        StatusCode::NOT_FOUND,
        "X-Is-Resource-Name makes 1 a name"
    );
}

#[tokio::test(start_paused = true)]
async fn repository_names_are_encoded_twice() {
    let (sim, client) = sim().await;
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects/demo/repositories/team%252Fapp/artifacts?with_tag=true",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let artifacts: Vec<Value> = r.json().await.unwrap();
    assert_eq!(artifacts.len(), 2);
    assert_eq!(artifacts[0]["repository_name"], "demo/team/app");
}

fn projects_q(q: &str) -> String {
    let q = percent_encoding::utf8_percent_encode(q, percent_encoding::NON_ALPHANUMERIC);
    format!("/projects?q={q}")
}

/// `q` as Harbor's `q.Build` and `setFilters` read it: fuzzy matches ignore case, a key that
/// is no field is skipped, and malformed conditions are 400s with Harbor's messages.
#[tokio::test(start_paused = true)]
async fn q_reads_as_harbors_query_builder() {
    let (sim, client) = sim().await;
    let names = |q: &'static str| {
        let request = req(&client, &sim, Method::GET, &projects_q(q));
        async move {
            let r = request.send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{q}");
            let projects: Vec<Value> = r.json().await.unwrap();
            let mut names: Vec<String> = projects
                .iter()
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            names.sort();
            names
        }
    };
    assert_eq!(names("name=~LIB").await, ["library"]);
    assert_eq!(
        names("naem=library").await,
        ["demo", "library"],
        "no such field"
    );
    for (q, message) in [
        (
            "name=",
            r#"the query string must contain "=" and the key/value cannot be empty"#,
        ),
        ("name=~", "invalid query string value: ~"),
        ("project_id=[1", "invalid query string value: [1"),
        (
            "name={library,demo}",
            "invalid query string value: {library",
        ),
    ] {
        let r = req(&client, &sim, Method::GET, &projects_q(q))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{q}");
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["errors"][0]["message"], message, "{q}");
    }
}

#[tokio::test(start_paused = true)]
async fn pages_carry_total_and_links_in_harbors_format() {
    let (sim, client) = sim().await;
    for i in 0..23 {
        let r = req(&client, &sim, Method::POST, "/projects")
            .json(&json!({"project_name": format!("p{i:02}")}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        assert!(
            r.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/api/v2.0/projects/")
        );
    }
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects?page=2&page_size=10&sort=name",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.headers()["x-total-count"], "25");
    assert_eq!(
        r.headers()["link"],
        "</api/v2.0/projects?page=1&page_size=10&sort=name>; rel=\"prev\" , </api/v2.0/projects?page=3&page_size=10&sort=name>; rel=\"next\""
    );
    let page: Vec<Value> = r.json().await.unwrap();
    assert_eq!(page[0]["name"], "p08");
    let r = req(&client, &sim, Method::GET, "/projects?page=3&page_size=10")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["link"],
        "</api/v2.0/projects?page=2&page_size=10>; rel=\"prev\""
    );
    let r = req(&client, &sim, Method::GET, "/projects?q=name%3D~p1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-total-count"], "10");
    // Harbor unescapes the query it puts in links (base.go Links: QueryUnescape).
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects?q=name%3D~p&page_size=5",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(
        r.headers()["link"],
        "</api/v2.0/projects?page=2&page_size=5&q=name=~p>; rel=\"next\""
    );
    // Past the last page there is no previous page to point at either.
    let r = req(&client, &sim, Method::GET, "/projects?page=9&page_size=10")
        .send()
        .await
        .unwrap();
    assert!(r.headers().get("link").is_none());
}

#[tokio::test(start_paused = true)]
async fn status_faults_with_retry_after_then_recovery() {
    let (sim, client) = sim().await;
    sim.handle()
        .inject(
            FaultRule::new(Fault::status_retry_after(429, 3))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    sim.handle()
        .inject(
            FaultRule::new(Fault::status_retry_at(503, 5))
                .operation("getProject")
                .times(1),
        )
        .unwrap();
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "3");
    // Harbor's RateLimitCode, singular (src/lib/errors/const.go).
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errors":[{"code":"TOO_MANY_REQUEST","message":"injected fault"}]})
    );
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(httpdate::parse_http_date(r.headers()["retry-after"].to_str().unwrap()).is_ok());
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errors":[{"code":"UNKNOWN","message":"internal server error"}]})
    );
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let c = sim.handle().counts("getProject").unwrap();
    assert_eq!((c.received, c.faults), (3, 2));
}

#[tokio::test(start_paused = true)]
async fn reset_closes_without_an_answer() {
    let (sim, client) = sim().await;
    sim.handle()
        .inject(FaultRule::new(Fault::reset()).times(1))
        .unwrap();
    let err = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap_err();
    assert!(!err.is_status(), "{err:?}");
    assert!(
        req(&client, &sim, Method::GET, "/projects/library")
            .send()
            .await
            .unwrap()
            .status()
            .is_success()
    );
}

#[tokio::test(start_paused = true)]
async fn apply_then_fail_applies_the_write() {
    let (sim, client) = sim().await;
    sim.handle()
        .inject(FaultRule::new(Fault::apply_then_fail(502)).operation("createProject"))
        .unwrap();
    let r = req(&client, &sim, Method::POST, "/projects")
        .json(&json!({"project_name": "applied"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_GATEWAY);
    assert!(
        sim.handle()
            .state()
            .projects
            .values()
            .any(|p| p.name == "applied")
    );
    assert_eq!(
        sim.handle().counts("createProject").unwrap().writes_applied,
        1
    );
}

#[tokio::test(start_paused = true)]
async fn truncated_and_html_bodies() {
    let (sim, client) = sim().await;
    sim.handle()
        .inject(FaultRule::new(Fault::Truncated).operation("getProject"))
        .unwrap();
    sim.handle()
        .inject(FaultRule::new(Fault::NotJson).operation("getProject"))
        .unwrap();
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert!(r.json::<Value>().await.is_err());
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/html");
}

#[tokio::test(start_paused = true)]
async fn delay_holds_the_answer_past_a_timeout() {
    let (sim, client) = sim().await;
    sim.handle()
        .inject(FaultRule::new(Fault::delay(Duration::from_secs(30))).operation("getProject"))
        .unwrap();
    let err = req(&client, &sim, Method::GET, "/projects/library")
        .timeout(Duration::from_secs(5))
        .send()
        .await
        .unwrap_err();
    assert!(err.is_timeout(), "{err:?}");
}

#[tokio::test(start_paused = true)]
async fn latency_holds_every_answer_back_and_stacks_with_a_delay_fault() {
    let (sim, client) = sim().await;
    let ping = || async {
        let started = tokio::time::Instant::now();
        let r = req(&client, &sim, Method::GET, "/projects/library")
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK);
        started.elapsed()
    };
    // Off by default: the paused clock does not move for an answer.
    assert!(ping().await < Duration::from_millis(1));

    sim.handle()
        .set_latency(Latency::fixed(Duration::from_millis(40)));
    let held = ping().await;
    assert!(
        (Duration::from_millis(40)..Duration::from_millis(41)).contains(&held),
        "{held:?}"
    );
    // A delay fault adds to the service time.
    sim.handle()
        .inject(FaultRule::new(Fault::delay(Duration::from_millis(200))).operation("getProject"))
        .unwrap();
    let held = ping().await;
    assert!(
        (Duration::from_millis(240)..Duration::from_millis(241)).contains(&held),
        "{held:?}"
    );

    // The admin endpoint reads and sets it, refuses what is not a latency, and reset puts
    // back the builder's (none).
    let url = format!("{}/_sim/latency", sim.base_url());
    let now: Value = client.get(&url).send().await.unwrap().json().await.unwrap();
    assert_eq!(now, json!({"millis": 40, "jitter_millis": 0, "seed": 0}));
    let r = client
        .put(&url)
        .json(&json!({"millis": 10, "jitter_millis": 5, "seed": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let jittered = ping().await;
    assert!(
        (Duration::from_millis(10)..Duration::from_millis(16)).contains(&jittered),
        "{jittered:?}"
    );
    let bad = client
        .put(&url)
        .json(&json!({"ms": 10}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        sim.handle().latency().millis,
        10,
        "a refused body changes nothing"
    );
    let r = client
        .post(format!("{}/_sim/reset", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    assert!(sim.handle().latency().is_zero());
    assert!(ping().await < Duration::from_millis(1));
}

#[tokio::test(start_paused = true)]
async fn seeded_fraction_through_the_admin_endpoint() {
    let (sim, client) = sim().await;
    let rule = json!({"operation": "getProject", "fault": {"kind": "status", "status": 500}, "fraction": 0.5, "seed": 42});
    let r = client
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&rule)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let mut failures = 0;
    for _ in 0..40 {
        if req(&client, &sim, Method::GET, "/projects/library")
            .send()
            .await
            .unwrap()
            .status()
            == StatusCode::INTERNAL_SERVER_ERROR
        {
            failures += 1;
        }
    }
    assert!((5..35).contains(&failures), "{failures}");
    let counters: Value = client
        .get(format!("{}/_sim/counters/getProject", sim.base_url()))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(counters["faults"], failures);
    let r = client
        .delete(format!("{}/_sim/faults", sim.base_url()))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NO_CONTENT);
    let bad = client
        .post(format!("{}/_sim/faults", sim.base_url()))
        .json(&json!({"fault": {"kind": "status", "status": 200}, "always": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), StatusCode::BAD_REQUEST);
}

#[tokio::test(start_paused = true)]
async fn robot_secret_refresh_really_changes_the_secret() {
    let (sim, client) = sim().await;
    let created: Value = req(&client, &sim, Method::POST, "/robots")
        .json(&json!({"name": "deployer", "level": "system", "duration": -1, "permissions": [{"kind": "project", "namespace": "*", "access": [{"resource": "repository", "action": "pull"}]}]}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let (name, old) = (
        created["name"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    );
    assert_eq!(name, "robot$deployer");
    // `/statistics` needs a signed-in caller: a stale secret makes the robot anonymous.
    let as_robot = |secret: String| {
        client
            .get(format!("{}/statistics", sim.api_url()))
            .basic_auth(&name, Some(secret))
            .send()
    };
    assert_eq!(
        as_robot(old.clone()).await.unwrap().status(),
        StatusCode::OK
    );
    let id = created["id"].as_i64().unwrap();
    let fresh: Value = req(&client, &sim, Method::PATCH, &format!("/robots/{id}"))
        .json(&json!({}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let new = fresh["secret"].as_str().unwrap().to_owned();
    assert_ne!(new, old);
    assert_eq!(
        as_robot(old).await.unwrap().status(),
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(as_robot(new).await.unwrap().status(), StatusCode::OK);
}

/// The operations whose placeholder request below (`1` for every id, `{}` for a write's body,
/// in the spec's order) is a client's mistake Harbor answers 500, with the ledger's row
/// (`CONFORMANCE.md`): an uncoded error, or beego's bare 500 after a panic.
const PLACEHOLDER_500S: &[(&str, &str)] = &[
    ("actionGetJobLog", "JS4: `1` is no 24-hex-digit log id"),
    ("CreateInstance", "PH5: no name"),
    ("CreatePolicy", "PH5: no name"),
    ("UpdatePolicy", "PH5: no name"),
    ("createRetention", "RT5: no scope, a nil pointer"),
    (
        "getRetention",
        "RT10: deleteRetention removed policy 1 before",
    ),
    ("updateRetention", "RT12: no scope, a nil pointer"),
    ("createGCSchedule", "GC9: no schedule, a nil pointer"),
    ("updateGCSchedule", "GC9: no schedule, a nil pointer"),
    ("createScanAllSchedule", "SAL10: no schedule, a nil pointer"),
    ("updateScanAllSchedule", "SAL10: no schedule, a nil pointer"),
];

#[tokio::test(start_paused = true)]
async fn every_operation_is_routed_and_answers_5xx_only_where_harbor_does() {
    let (sim, client) = sim().await;
    assert_eq!(sim.handle().operations_routed(), 203);
    let mut ok = 0;
    let mut server_errors = Vec::new();
    for op in harbor_sim::operations() {
        let path: String = op
            .path
            .split('/')
            .map(|seg| match seg {
                "{project_name_or_id}" | "{project_name}" => "library".to_owned(),
                "{repository_name}" => "nginx".to_owned(),
                "{reference}" => "latest".to_owned(),
                s if s.starts_with('{') => "1".to_owned(),
                s => s.to_owned(),
            })
            .collect::<Vec<_>>()
            .join("/");
        let method = Method::from_bytes(op.method.as_bytes()).unwrap();
        let mut r = req(&client, &sim, method, &path);
        if op.is_write() {
            r = r.json(&json!({}));
        }
        let response = r.send().await.unwrap();
        let status = response.status();
        if status.is_server_error() {
            server_errors.push(op.id);
        }
        let body = response.bytes().await.unwrap();
        // Bodies and media types are checked against the spec when `sim` is dropped.
        if status.is_success() {
            ok += 1;
        } else if op.method != "HEAD"
            && !(support::conformance::BODYLESS_REFUSALS.contains(&op.id) && body.is_empty())
            // beego's bare 500 after a panic.
            && !(status == StatusCode::INTERNAL_SERVER_ERROR && body.is_empty())
        {
            let errors: Value =
                serde_json::from_slice(&body).unwrap_or_else(|e| panic!("{}: {e}", op.id));
            assert!(
                errors["errors"][0]["code"].is_string(),
                "{}: {errors}",
                op.id
            );
        }
    }
    eprintln!("{ok} of 203 answered 2xx with placeholder arguments");
    assert_eq!(
        server_errors,
        PLACEHOLDER_500S
            .iter()
            .map(|(id, _)| *id)
            .collect::<Vec<_>>(),
        "the 5xx answers"
    );
    let seen = sim.handle().counters();
    assert_eq!(
        seen.len(),
        203,
        "every operation id was reached: {:?}",
        harbor_sim::operations()
            .iter()
            .filter(|o| !seen.contains_key(o.id))
            .map(|o| o.id)
            .collect::<Vec<_>>()
    );
}

#[tokio::test(start_paused = true)]
async fn generic_collections_keep_what_is_posted() {
    let (sim, client) = sim().await;
    let r = req(&client, &sim, Method::POST, "/usergroups")
        .json(&json!({"group_name": "ops", "group_type": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let location = r.headers()["location"]
        .to_str()
        .unwrap()
        .trim_start_matches("/api/v2.0")
        .to_owned();
    let group: Value = req(&client, &sim, Method::GET, &location)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(group["group_name"], "ops");
    let r = req(&client, &sim, Method::GET, "/usergroups")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.headers()["x-total-count"],
        "2",
        "the seeded group and ours"
    );
    let r = req(&client, &sim, Method::POST, "/usergroups")
        .json(&json!({"group_name": "ops", "group_type": 3}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert_eq!(
        req(&client, &sim, Method::DELETE, &location)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::OK
    );
    assert_eq!(
        req(&client, &sim, Method::GET, &location)
            .send()
            .await
            .unwrap()
            .status(),
        StatusCode::NOT_FOUND
    );
    let instance: Value = req(&client, &sim, Method::GET, "/p2p/preheat/instances/kraken")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(instance["vendor"], "kraken", "items are found by name too");
}

/// Harbor writes an error body with `json.Marshal`, which escapes `<`, `>` and `&` in its
/// strings, then a newline (`fmt.Fprintln` in `SendError`).
#[tokio::test(start_paused = true)]
async fn error_bodies_escape_html_characters_as_go_marshals_them() {
    let (sim, client) = sim().await;
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects?page_size=%3Ca%26b%3E",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let text = r.text().await.unwrap();
    assert_eq!(
        text,
        "{\"errors\":[{\"code\":\"UNPROCESSABLE_ENTITY\",\"message\":\"validation failure list:\\npage_size in query must be of type int64: \\\"\\u003ca\\u0026b\\u003e\\\"\"}]}\n"
    );
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        body["errors"][0]["message"],
        "validation failure list:\npage_size in query must be of type int64: \"<a&b>\""
    );
}

#[tokio::test(start_paused = true)]
async fn binding_failures_read_as_go_swagger_writes_them() {
    let (sim, client) = sim().await;
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects?page_size=abc&page=0x",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.headers()["content-type"],
        "application/json; charset=utf-8"
    );
    assert_eq!(
        r.json::<Value>().await.unwrap(),
        json!({"errors":[{"code":"UNPROCESSABLE_ENTITY","message":
            "validation failure list:\npage in query must be of type int64: \"0x\"\npage_size in query must be of type int64: \"abc\""}]})
    );
    let r = req(&client, &sim, Method::POST, "/scanners")
        .json(&json!({"name": "x"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["message"],
        "validation failure list:\nvalidation failure list:\nurl in body is required"
    );
    let r = req(&client, &sim, Method::PATCH, "/projects")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(
        r.json::<Value>().await.unwrap()["errors"][0]["message"],
        "method PATCH is not allowed, but [GET,HEAD,POST] are"
    );
}

#[tokio::test(start_paused = true)]
async fn empty_query_parameters_count_as_absent() {
    let (sim, client) = sim().await;
    // harborapi sends `page=` and `page_size=` unless told otherwise.
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects?page=&page_size=&q=&sort=",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        2
    );
    // The last of repeated values counts, as go-swagger binds it.
    let r = req(
        &client,
        &sim,
        Method::GET,
        "/projects?page_size=x&page_size=1",
    )
    .send()
    .await
    .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.json::<Value>().await.unwrap().as_array().unwrap().len(),
        1
    );
}

#[tokio::test(start_paused = true)]
async fn media_types_follow_the_spec() {
    let (sim, client) = sim().await;
    let r = req(&client, &sim, Method::GET, "/ping")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/plain");
    let r = req(&client, &sim, Method::GET, "/projects/library")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "application/json");
    let r = req(&client, &sim, Method::PUT, "/projects/library")
        .json(&json!({"metadata": {"public": "true"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers().get("content-type").is_none(),
        "an empty answer has no media type"
    );
}

/// `POST /_sim/push`: an image, an image index, an image with its own icon, as a tool in
/// another language makes them; a bad body or platform is 400, a missing project 404, with
/// Harbor's error body.
#[tokio::test]
async fn pushes_through_the_admin_endpoint() {
    use base64::Engine as _;
    let (sim, client) = sim().await;
    let push = |body: Value| {
        let (client, url) = (client.clone(), format!("{}/_sim/push", sim.base_url()));
        async move {
            let r = client.post(url).json(&body).send().await.unwrap();
            let status = r.status();
            (status, r.json::<Value>().await.unwrap())
        }
    };
    let (status, image) =
        push(json!({"project": "library", "repository": "tool", "tag": "v1"})).await;
    assert_eq!(status, StatusCode::CREATED, "{image}");
    let artifacts = "/projects/library/repositories/tool/artifacts";
    let get = |reference: &str| {
        let request = req(
            &client,
            &sim,
            Method::GET,
            &format!("{artifacts}/{reference}"),
        );
        async move { request.send().await.unwrap().json::<Value>().await.unwrap() }
    };
    assert_eq!(get("v1").await["digest"], image["digest"]);
    let (status, index) = push(
        json!({"project": "library", "repository": "tool", "tag": "multi",
        "platforms": ["linux/amd64", "linux/arm64/v8"]}),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{index}");
    let got = get("multi").await;
    assert_eq!(got["references"].as_array().map(Vec::len), Some(2), "{got}");
    let png = base64::engine::general_purpose::STANDARD.encode(b"\x89PNG\r\n\x1a\nsniffed");
    let (status, _) =
        push(json!({"project": "library", "repository": "tool", "tag": "icon", "icon": png})).await;
    assert_eq!(status, StatusCode::CREATED);
    for (body, want, message) in [
        (
            json!({"project": "library"}),
            StatusCode::BAD_REQUEST,
            "invalid push: missing field `repository` at line 1 column 21",
        ),
        (
            json!({"project": "library", "repository": "tool", "tag": "x", "platforms": ["linux"]}),
            StatusCode::BAD_REQUEST,
            "invalid platform \"linux\": expected os/architecture or os/architecture/variant",
        ),
        (
            json!({"project": "library", "repository": "tool", "tag": "x", "icon": "aGVsbG8="}),
            StatusCode::BAD_REQUEST,
            "unsupported content type: text/plain; charset=utf-8",
        ),
        (
            json!({"project": "nowhere", "repository": "tool", "tag": "x"}),
            StatusCode::NOT_FOUND,
            "project nowhere not found",
        ),
    ] {
        let (status, answer) = push(body.clone()).await;
        assert_eq!(status, want, "{body}: {answer}");
        assert_eq!(answer["errors"][0]["message"], message, "{body}");
    }
}
