//! The ledger's cases (`CONFORMANCE.md`, "Handler checks"): a request of a row and what
//! Harbor answers, sent as the admin and compared with the status and Harbor's message.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

pub const ADMIN: (&str, &str) = ("admin", "Harbor12345");

/// A request of a ledger row and what Harbor answers.
pub struct Case {
    row: &'static str,
    method: Method,
    path: String,
    body: Option<Value>,
    status: StatusCode,
    /// Harbor's error message, for refusals.
    message: Option<String>,
    /// Harbor's error code, where it is not the status's usual one (`DENIED` for a 403).
    code: Option<&'static str>,
    /// Whether Harbor answers with no body at all (beego's bare 500 after a panic).
    bodyless: bool,
    /// The cause of a 500, which Harbor only logs: checked in the simulator's record.
    cause: Option<String>,
}

pub fn case(row: &'static str, method: Method, path: &str, body: Option<Value>) -> Case {
    Case {
        row,
        method,
        path: path.to_owned(),
        body,
        status: StatusCode::OK,
        message: None,
        code: None,
        bodyless: false,
        cause: None,
    }
}

impl Case {
    pub fn answers(mut self, status: StatusCode) -> Self {
        self.status = status;
        self
    }

    pub fn refused(mut self, status: StatusCode, message: impl Into<String>) -> Self {
        self.status = status;
        self.message = Some(message.into());
        self
    }

    /// Harbor's 500 for an error without a code: `SendError` (`src/lib/http/error.go`) sends
    /// the fixed `internal server error` and only logs `cause`.
    pub fn uncoded(mut self, cause: impl Into<String>) -> Self {
        self.cause = Some(cause.into());
        self.refused_as(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNKNOWN",
            "internal server error",
        )
    }

    /// beego's answer to a panic in Harbor's handler (`defaultRecoverPanic`,
    /// `server/web/config.go`): a bare 500, no body; `cause` (the panic) is only logged.
    pub fn panics(mut self, cause: impl Into<String>) -> Self {
        self.status = StatusCode::INTERNAL_SERVER_ERROR;
        self.bodyless = true;
        self.cause = Some(cause.into());
        self
    }

    /// Refused with a code other than the status's usual one.
    pub fn refused_as(
        mut self,
        status: StatusCode,
        code: &'static str,
        message: impl Into<String>,
    ) -> Self {
        self.code = Some(code);
        self.refused(status, message)
    }
}

/// Sends as the admin; the status and body.
pub async fn send(
    sim: &super::CheckedSim,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, String) {
    let (status, _, text) = super::send_as(sim, ADMIN, method, path, body).await;
    (status, text)
}

pub async fn get_json(sim: &super::CheckedSim, path: &str) -> Value {
    let (status, text) = send(sim, Method::GET, path, None).await;
    assert_eq!(status, StatusCode::OK, "GET {path}: {text}");
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("GET {path}: not JSON ({e}): {text}"))
}

/// Runs the cases in order as the admin (later cases may rely on what earlier ones stored).
pub async fn run(sim: &super::CheckedSim, cases: Vec<Case>) {
    run_as(sim, ADMIN, cases).await;
}

/// Runs the cases in order as `who` (a user or `robot$name` and its password or secret).
pub async fn run_as(sim: &super::CheckedSim, who: (&str, &str), cases: Vec<Case>) {
    for c in cases {
        let (status, _, text) =
            super::send_as(sim, who, c.method.clone(), &c.path, c.body.clone()).await;
        assert_eq!(
            status, c.status,
            "row {}: {} {}: {text}",
            c.row, c.method, c.path
        );
        if c.bodyless {
            assert_eq!(text, "", "row {}: {} {}", c.row, c.method, c.path);
        }
        if let Some(cause) = &c.cause {
            let recorded = sim.handle().last_answer().and_then(|a| a.cause);
            assert_eq!(recorded.as_deref(), Some(cause.as_str()), "row {}", c.row);
        }
        if let Some(message) = &c.message {
            let body: Value = serde_json::from_str(&text).expect("an error body");
            let code = c.code.unwrap_or_else(|| match c.status {
                StatusCode::BAD_REQUEST => "BAD_REQUEST",
                StatusCode::NOT_FOUND => "NOT_FOUND",
                StatusCode::CONFLICT => "CONFLICT",
                StatusCode::PRECONDITION_FAILED => "PRECONDITION",
                StatusCode::FORBIDDEN => "FORBIDDEN",
                StatusCode::UNAUTHORIZED => "UNAUTHORIZED",
                StatusCode::UNPROCESSABLE_ENTITY => "UNPROCESSABLE_ENTITY",
                StatusCode::METHOD_NOT_ALLOWED => "METHOD_NOT_ALLOWED",
                other => panic!("row {}: no code known for {other}", c.row),
            });
            assert_eq!(
                body,
                json!({"errors": [{"code": code, "message": message}]}),
                "row {}",
                c.row
            );
        }
    }
}

/// The id of the user named `name`.
pub async fn user_id(sim: &super::CheckedSim, name: &str) -> i64 {
    get_json(sim, &format!("/users/search?username={name}")).await[0]["user_id"]
        .as_i64()
        .unwrap_or_else(|| panic!("user {name} found"))
}

/// A new (private) project named `name`, created by the admin.
pub async fn create_project(sim: &super::CheckedSim, name: &str) {
    run(
        sim,
        vec![
            case(
                "setup",
                Method::POST,
                "/projects",
                Some(json!({"project_name": name})),
            )
            .answers(StatusCode::CREATED),
        ],
    )
    .await;
}

/// The id of a new proxy-cache project named `name` over the demo's first registry.
pub async fn proxy_project(sim: &super::CheckedSim, name: &str) -> i64 {
    let registries = get_json(sim, "/registries").await;
    let registry = registries[0]["id"].as_i64().expect("a demo registry");
    let (status, location, text) = super::send_as(
        sim,
        ADMIN,
        Method::POST,
        "/projects",
        Some(json!({"project_name": name, "registry_id": registry})),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{text}");
    location
        .and_then(|l| l.rsplit('/').next().and_then(|id| id.parse().ok()))
        .expect("a Location naming the project")
}

pub const BAD: StatusCode = StatusCode::BAD_REQUEST;

/// The vulnerability report type of the scan-data export.
pub const REPORT: &str = "application/vnd.security.vulnerability.report; version=1.1";

/// Starts an export of project 1 (`library`) as the admin with `criteria` added; its
/// execution's id.
pub async fn start_export(sim: &super::CheckedSim, criteria: &Value) -> i64 {
    let mut body = json!({"projects": [1]});
    for (k, v) in criteria.as_object().expect("criteria") {
        body[k] = v.clone();
    }
    let response = reqwest::Client::new()
        .post(format!("{}/export/cve", sim.api_url()))
        .basic_auth("admin", Some("Harbor12345"))
        .header("X-Scan-Data-Type", REPORT)
        .json(&body)
        .send()
        .await
        .expect("the simulator answers");
    assert_eq!(response.status(), StatusCode::OK, "export {criteria}");
    response.json::<Value>().await.expect("an id")["id"]
        .as_i64()
        .expect("an id")
}

/// Starts an export as [`start_export`] does, waits past its queue and run, and answers its
/// execution and, when it succeeded, its CSV rows (header left out).
pub async fn export_rows(sim: &super::CheckedSim, criteria: Value) -> (Value, Option<Vec<String>>) {
    let id = start_export(sim, &criteria).await;
    // Past the job's run, and past its execution's next status refresh (every 30 s).
    let export = harbor_sim::Lifecycle::default_for(harbor_sim::JobKind::ScanDataExport);
    let refresh = harbor_sim::state::jobs::DEFAULT_STATUS_REFRESH;
    tokio::time::advance(export.queued() + export.running() + refresh).await;
    let execution = get_json(sim, &format!("/export/cve/execution/{id}")).await;
    if execution["status"] != "Success" {
        return (execution, None);
    }
    let (status, text) = send(
        sim,
        Method::GET,
        &format!("/export/cve/download/{id}"),
        None,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "export {criteria}: {text}");
    (
        execution,
        Some(text.lines().skip(1).map(str::to_owned).collect()),
    )
}

/// `GET path` (under `/api/v2.0`) as the admin: the whole response, headers included.
pub async fn get_as_admin(sim: &super::CheckedSim, path: &str) -> reqwest::Response {
    reqwest::Client::new()
        .get(format!("{}{path}", sim.api_url()))
        .basic_auth(ADMIN.0, Some(ADMIN.1))
        .send()
        .await
        .expect("the simulator answers")
}

/// A list read as the admin: the entries and `X-Total-Count`.
pub async fn list_with_total(sim: &super::CheckedSim, path: &str) -> (Vec<Value>, Option<u64>) {
    let response = get_as_admin(sim, path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    let total = response
        .headers()
        .get("X-Total-Count")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok());
    let entries: Vec<Value> = response.json().await.expect("a JSON list");
    (entries, total)
}

/// The ids of a list's items, in order.
pub fn ids(list: &Value) -> Vec<i64> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .filter_map(|item| item["id"].as_i64())
        .collect()
}
