//! What the simulator's integration tests share: a simulator whose every answer is checked
//! against Harbor's spec when the test is done.

#![allow(dead_code)]

pub mod checks;
pub mod conformance;

use std::ops::Deref;

use harbor_sim::{RunningSimulator, Simulator, SimulatorBuilder};

/// A response's header `name` as text, when it has one that is.
pub fn header_text(
    response: &reqwest::Response,
    name: impl reqwest::header::AsHeaderName,
) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// A running simulator that records its answers and, when dropped at the end of a test that
/// did not already fail, checks them all against Harbor's spec
/// ([`conformance::assert_conforms`]).
pub struct CheckedSim {
    sim: Option<RunningSimulator>,
    test: String,
}

impl Deref for CheckedSim {
    type Target = RunningSimulator;

    fn deref(&self) -> &RunningSimulator {
        self.sim.as_ref().expect("the simulator runs until drop")
    }
}

impl Drop for CheckedSim {
    fn drop(&mut self) {
        if let Some(sim) = self.sim.take()
            && !std::thread::panicking()
        {
            conformance::assert_conforms(sim.handle(), &self.test);
        }
    }
}

/// Starts `builder` with answer recording on; `test` names the test in the report.
pub async fn start_checked(builder: SimulatorBuilder, test: &str) -> CheckedSim {
    let sim = builder
        .record_answers(true)
        .check_transactions(true)
        .start()
        .await
        .expect("simulator starts");
    CheckedSim {
        sim: Some(sim),
        test: test.to_owned(),
    }
}

/// A checked simulator with the demo data, named after the current test thread (libtest
/// names each test's thread after the test).
pub async fn start() -> CheckedSim {
    let name = std::thread::current().name().unwrap_or("a test").to_owned();
    start_checked(Simulator::builder().seed_demo(true), &name).await
}

/// Sends `method path` (under `/api/v2.0`) as `user` with an optional JSON body, without a
/// session cookie; the answer's status, `Location` and body text.
pub async fn send_as(
    sim: &CheckedSim,
    user: (&str, &str),
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> (reqwest::StatusCode, Option<String>, String) {
    let mut request = reqwest::Client::new()
        .request(method, format!("{}{path}", sim.api_url()))
        .basic_auth(user.0, Some(user.1));
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.expect("the simulator answers");
    let status = response.status();
    let location = response
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let text = response.text().await.expect("a body");
    (status, location, text)
}

/// The administrator's `method path` (under `/api/v2.0`), which must succeed: the id the
/// `Location` of a creation names, else the body as JSON (`null` when empty).
pub async fn admin_call(
    sim: &CheckedSim,
    method: reqwest::Method,
    path: &str,
    body: Option<serde_json::Value>,
) -> serde_json::Value {
    let (status, location, text) = send_as(sim, ("admin", "Harbor12345"), method, path, body).await;
    assert!(status.is_success(), "{path}: {status} {text}");
    match location {
        Some(at) => {
            let id = at.rsplit('/').next().and_then(|id| id.parse::<i64>().ok());
            serde_json::json!(id.unwrap_or_else(|| panic!("{path}: no id in {at}")))
        }
        None => serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    }
}

/// A registry named `name` of adapter `kind` at `url`, its host made reachable first: its id.
pub async fn reachable_registry(sim: &CheckedSim, name: &str, kind: &str, url: &str) -> i64 {
    sim.handle().with_state(|s| s.reachability.allow(url));
    let body = serde_json::json!({"name": name, "type": kind, "url": url});
    admin_call(sim, reqwest::Method::POST, "/registries", Some(body))
        .await
        .as_i64()
        .expect("a registry id")
}
