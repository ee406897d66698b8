//! Log lines of a retried call carry its operation and request id. In its own test binary:
//! `tracing`'s callsite cache is process-wide, and other tests running at the same time
//! without a subscriber would make this one miss its events.

mod support;

use harbor_client::Error;
use harbor_client::error::Transient;
use retry_runtime::{RetrySettings, wait};
use std::sync::Arc;
use support::{Reply, Server, client};

fn quick_retry(tries: u32) -> RetrySettings<Error> {
    RetrySettings::builder()
        .exception::<Transient>()
        .max_tries(tries)
        .wait_gen(wait::constant().interval(1))
        .no_jitter()
        .build()
        .unwrap()
}

/// A `tracing` writer into a shared buffer.
#[derive(Clone, Default)]
struct Captured(Arc<std::sync::Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
    }
}

/// Captures this thread's events up to `level` until the guard drops.
fn capture(level: tracing::Level) -> (Captured, tracing::subscriber::DefaultGuard) {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_max_level(level)
        .with_ansi(false)
        .finish();
    (captured, tracing::subscriber::set_default(subscriber))
}

#[tokio::test(start_paused = true)]
async fn retry_log_lines_carry_the_operation_and_request_id() {
    let (captured, _guard) = capture(tracing::Level::INFO);

    let server = Server::start(vec![Reply::json(503, "{}")], |_| {
        Some(Reply::json(200, "{}"))
    })
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    c.get_statistics().await.unwrap();

    let id = server.seen()[0].header("x-request-id").unwrap().to_owned();
    let logs = captured.text();
    let backoff = logs
        .lines()
        .find(|l| l.contains("get_statistics"))
        .unwrap_or_else(|| panic!("no backoff line in:\n{logs}"));
    assert!(backoff.contains(&id), "{backoff}");
    assert!(backoff.contains("getStatistic"), "{backoff}");
}

#[tokio::test(start_paused = true)]
async fn every_attempt_is_one_debug_line_without_secrets() {
    let (captured, _guard) = capture(tracing::Level::DEBUG);

    let server = Server::start(vec![Reply::json(503, "{}")], |_| {
        Some(Reply::json(200, "[]"))
    })
    .await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    let params = harbor_client::methods::GetProjectsParams {
        q: Some("name=secret-query".into()),
        ..Default::default()
    };
    c.get_projects(&params).await.unwrap();

    let id = server.seen()[0].header("x-request-id").unwrap().to_owned();
    let logs = captured.text();
    // The client's own per-attempt lines (the runtime's hooks log in their own module).
    let attempts: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains("harbor_client::client::transport: attempt "))
        .collect();
    assert_eq!(attempts.len(), 2, "{logs}");
    for (line, (n, status)) in attempts.iter().zip([(1, 503), (2, 200)]) {
        for part in [
            "operation=\"listProjects\"".to_owned(),
            "method=\"GET\"".to_owned(),
            "path=\"/projects\"".to_owned(),
            format!("status={status}"),
            format!("attempt={n}"),
            format!("request_id={id}"),
            "latency_ms=".to_owned(),
        ] {
            assert!(line.contains(&part), "{part} missing in {line}");
        }
    }
    // The query (it may hold secrets) and the credentials stay out of the attempt lines.
    for line in attempts {
        assert!(!line.contains("secret-query"), "{line}");
        assert!(!line.to_ascii_lowercase().contains("basic "), "{line}");
    }
}

/// An attempt line's `latency_ms` is the attempt's time in milliseconds: at least as long as
/// the server held the answer, at most as long as the caller waited for the whole call.
#[tokio::test]
async fn an_attempt_line_gives_its_latency_in_milliseconds() {
    let (captured, _guard) = capture(tracing::Level::DEBUG);
    let hold = std::time::Duration::from_millis(30);
    let server = Server::with(move |_| {
        // The server's handler holds the answer (a real wait: the latency is wall time).
        std::thread::sleep(hold);
        Some(Reply::json(200, "{}"))
    })
    .await;
    let c = client(&server);
    let started = std::time::Instant::now();
    c.get_statistics().await.unwrap();
    let caller_ms = started.elapsed().as_secs_f64() * 1000.0;

    let logs = captured.text();
    let line = logs
        .lines()
        .find(|l| l.contains("attempt answered"))
        .unwrap_or_else(|| panic!("no attempt line in:\n{logs}"));
    let latency_ms: f64 = line
        .split_once("latency_ms=")
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or_else(|| panic!("no latency_ms in {line}"));
    assert!(
        latency_ms >= hold.as_secs_f64() * 1000.0 && latency_ms <= caller_ms,
        "latency_ms={latency_ms}, held {hold:?}, the caller waited {caller_ms} ms"
    );
}

/// A timed-out attempt's error is named from the start: the backoff line (written before the
/// error leaves the call) says which operation timed out, as the final error does.
#[tokio::test(start_paused = true)]
async fn a_timed_out_attempt_is_named_in_the_backoff_line() {
    let (captured, _guard) = capture(tracing::Level::INFO);

    let server = Server::start(vec![Reply::hang()], |_| Some(Reply::json(200, "{}"))).await;
    let c = client(&server);
    c.set_retry(quick_retry(3));
    c.set_attempt_timeout(std::time::Duration::from_secs(2));
    c.get_statistics().await.unwrap();

    let id = server.seen()[0].header("x-request-id").unwrap().to_owned();
    let logs = captured.text();
    let backoff = logs
        .lines()
        .find(|l| l.contains("Backing off") && l.contains("AttemptTimedOut"))
        .unwrap_or_else(|| panic!("no backoff line in:\n{logs}"));
    // The error as the log shows it (its `Debug`), not the span around it.
    let error = &backoff[backoff.find("TimeoutError").expect(backoff)..];
    assert!(
        error.contains(&format!(
            "operation: \"getStatistic\", request_id: \"{id}\""
        )),
        "{backoff}"
    );
}
