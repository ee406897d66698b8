//! Shared fixtures of the behaviour tests: an HTTP-like error type with error classes, a
//! recorder for hook calls, and a simulator with one operation down.
#![allow(dead_code)]

use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::{Details, ErrorClass, Outcome};

/// The error of the fns under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ApiError {
    /// An HTTP status error.
    Status(u16),
    /// The request never reached the server.
    Network,
}

/// Every 5xx answer.
pub struct ServerError;

impl ErrorClass<ApiError> for ServerError {
    fn is_instance(error: &ApiError) -> bool {
        matches!(error, ApiError::Status(500..=599))
    }
}

/// Transport failures.
pub struct NetworkError;

impl ErrorClass<ApiError> for NetworkError {
    fn is_instance(error: &ApiError) -> bool {
        matches!(error, ApiError::Network)
    }
}

/// One hook call, as plain data.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    /// `"success"`, `"backoff"` or `"giveup"`.
    pub kind: &'static str,
    /// `Details.target`.
    pub target: &'static str,
    /// `Details.args`, rendered `name=value`.
    pub args: Vec<String>,
    /// `Details.tries`.
    pub tries: u32,
    /// `Details.wait`.
    pub wait: Option<Duration>,
    /// The outcome, rendered with Debug.
    pub outcome: String,
}

/// Collects hook calls; each test owns its own static recorder.
pub struct Recorder(Mutex<Vec<Event>>);

impl Recorder {
    /// An empty recorder (usable in a `static`).
    pub const fn new() -> Self {
        Self(Mutex::new(Vec::new()))
    }

    /// Records one call.
    pub fn record<E: std::fmt::Debug>(&self, kind: &'static str, details: &Details<'_, E>) {
        let outcome = match &details.outcome {
            Outcome::Success => "success".to_owned(),
            Outcome::Error(error) => format!("error {error:?}"),
            Outcome::Value(value) => format!("value {value:?}"),
        };
        let event = Event {
            kind,
            target: details.target,
            args: details
                .args
                .iter()
                .map(|arg| format!("{}={:?}", arg.name, arg.value))
                .collect(),
            tries: details.tries,
            wait: details.wait,
            outcome,
        };
        self.0.lock().unwrap().push(event);
    }

    /// Every call so far, and forgets them.
    pub fn take(&self) -> Vec<Event> {
        std::mem::take(&mut *self.0.lock().unwrap())
    }

    /// The kinds of the calls so far, and forgets them.
    pub fn kinds(&self) -> Vec<&'static str> {
        self.take().into_iter().map(|event| event.kind).collect()
    }
}

/// Whole seconds.
pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}

/// A `MakeWriter` collecting formatted log lines.
#[derive(Clone, Default)]
pub struct Lines(std::sync::Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Lines {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Lines {
    /// A subscriber at TRACE writing plain lines here.
    pub fn subscriber(&self) -> impl tracing::Subscriber + Send + Sync + 'static {
        let sink = self.clone();
        tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .without_time()
            .with_writer(move || sink.clone())
            .finish()
    }

    /// What was logged so far.
    pub fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// A simulator whose `getProject` answers 503 to everything (a full outage of one operation).
pub async fn get_project_down() -> harbor_sim::RunningSimulator {
    let sim = harbor_sim::Simulator::start()
        .await
        .expect("simulator starts");
    sim.handle()
        .inject(
            harbor_sim::FaultRule::new(harbor_sim::Fault::status(503))
                .operation("getProject")
                .always(),
        )
        .expect("a valid rule");
    sim
}
