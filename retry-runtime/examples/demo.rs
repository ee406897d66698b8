//! A tour of `retry-runtime` on the real clock (it finishes in about two seconds): `#[retry]` on
//! a method with a redacted argument, then the same engine without the attribute: retries with
//! backoff, a give-up, a give-up predicate, retry-on-value, run-time settings. The hooks print
//! their `Details` next to the default `tracing` handler's lines.
//!
//! Run it with `cargo run -p retry-runtime --example demo`.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use retry_runtime::jitter::no_jitter;
use retry_runtime::wait::expo;
use retry_runtime::{
    Details, ErrorClass, Outcome, Policy, RetrySettings, jitter, retry, retry_async, wait,
};

/// The errors of a pretend HTTP API.
#[derive(Debug, Clone, PartialEq)]
enum ApiError {
    /// An HTTP status error.
    Status(u16),
    /// The connection was refused.
    Refused,
}

/// Error class: every 5xx answer (what `exception = ServerError` would name).
struct ServerError;
impl ErrorClass<ApiError> for ServerError {
    fn is_instance(error: &ApiError) -> bool {
        matches!(error, ApiError::Status(500..=599))
    }
}

/// Error class: transport failures.
struct NetworkError;
impl ErrorClass<ApiError> for NetworkError {
    fn is_instance(error: &ApiError) -> bool {
        matches!(error, ApiError::Refused)
    }
}

fn on_backoff(d: &Details<'_, ApiError>) {
    let what = match d.outcome {
        Outcome::Error(e) => format!("failed with {e:?}"),
        Outcome::Value(v) => format!("returned {v:?}, which asks for another try"),
        Outcome::Success => "succeeded".to_owned(),
    };
    println!(
        "  on_backoff: {}({}) try {} {what}; waiting {:?} (elapsed {:?})",
        d.target,
        d.args_display(),
        d.tries,
        d.wait.unwrap_or_default(),
        d.elapsed
    );
}

fn on_success(d: &Details<'_, ApiError>) {
    println!("  on_success: {d:?}");
}

fn on_giveup(d: &Details<'_, ApiError>) {
    println!(
        "  on_giveup: {} gave up after {} tries in {:?}: {:?}",
        d.target,
        d.tries,
        d.elapsed,
        d.error()
    );
}

/// Fails with 503 `failures` times, then answers.
async fn flaky(calls: &AtomicU32, failures: u32) -> Result<&'static str, ApiError> {
    tokio::time::sleep(Duration::from_millis(10)).await;
    if calls.fetch_add(1, Ordering::Relaxed) < failures {
        Err(ApiError::Status(503))
    } else {
        Ok("project library")
    }
}

/// A pretend API client whose method is retried by the attribute.
struct Client {
    calls: AtomicU32,
}

impl Client {
    /// Two 503s, then the project. The token is redacted in `Details.args` and in the logs.
    #[retry(
        max_tries = 5,
        exception = (ServerError, NetworkError),
        wait_gen = expo,
        factor = 0.05,
        jitter = no_jitter,
        redact = [token],
        on_backoff = on_backoff,
        on_success = on_success,
    )]
    async fn get_project(&self, name: &str, page: u32, token: String) -> Result<String, ApiError> {
        let _ = token;
        tokio::time::sleep(Duration::from_millis(10)).await;
        if self.calls.fetch_add(1, Ordering::Relaxed) < 2 {
            return Err(ApiError::Status(503)); // ends this attempt, not the retries
        }
        Ok(format!("{name} (page {page})"))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    tracing_subscriber::fmt()
        .with_target(false)
        .with_max_level(tracing::Level::INFO)
        .init();

    println!("0. #[retry] on a method: two 503s, then a success (expo from 50 ms, no jitter):");
    let client = Client {
        calls: AtomicU32::new(0),
    };
    let answer = client.get_project("library", 2, "s3cret".into()).await;
    println!("  => {answer:?}\n");

    println!("1. The same without the attribute, through retry_async:");
    let calls = AtomicU32::new(0);
    let policy = Policy::new()
        .max_tries(5)
        .exception(|e| ServerError::is_instance(e) || NetworkError::is_instance(e))
        .wait_gen(wait::expo().factor(0.05))
        .jitter(jitter::no_jitter)
        .on_backoff(on_backoff)
        .on_success(on_success);
    let answer = retry_async(policy, || flaky(&calls, 2)).await;
    println!("  => {answer:?}\n");

    println!("2. Always refused: gives up after 3 tries (constant 100 ms, equal jitter):");
    let policy = Policy::<(), ApiError>::new()
        .max_tries(3)
        .wait_gen(wait::constant().interval(0.1))
        .jitter(jitter::equal_jitter)
        .on_backoff(on_backoff)
        .on_giveup(on_giveup);
    let answer = retry_async(policy, || async { Err(ApiError::Refused) }).await;
    println!("  => {answer:?}\n");

    println!("3. A 404 is not worth retrying: the giveup predicate ends the call at once:");
    let policy = Policy::<(), ApiError>::new()
        .giveup(|e| *e == ApiError::Status(404))
        .on_giveup(on_giveup);
    let answer = retry_async(policy, || async { Err(ApiError::Status(404)) }).await;
    println!("  => {answer:?}\n");

    println!(
        "4. Retry on a value: poll a job until it is done (waits from a list: 50, 50, 100, 150 ms):"
    );
    let polls = AtomicU32::new(0);
    let policy = Policy::<&str, ApiError>::new()
        .on_result(|state: &&str| *state != "done")
        .wait_gen(wait::from_iter([0.05, 0.05, 0.1, 0.15]))
        .jitter(jitter::no_jitter)
        .on_backoff(on_backoff)
        .on_success(on_success);
    let answer = retry_async(policy, || async {
        Ok(match polls.fetch_add(1, Ordering::Relaxed) {
            0 => "queued",
            1 => "running",
            _ => "done",
        })
    })
    .await;
    println!("  => {answer:?}\n");

    println!(
        "5. Run-time settings (harborapi's RetrySettings), max_time 0.4 s cuts the last wait:"
    );
    let settings = RetrySettings::<ApiError>::builder()
        .max_tries(10)
        .max_time(0.4)
        .exception::<ServerError>()
        .wait_gen(wait::constant().interval(0.15))
        .no_jitter()
        .on_backoff(on_backoff)
        .on_giveup(on_giveup)
        .build()
        .expect("valid settings");
    let calls = AtomicU32::new(0);
    let answer = retry_async(&settings, || flaky(&calls, u32::MAX)).await;
    println!("  => {answer:?}\n");

    println!("6. Invalid settings are an error value, never a panic:");
    let invalid = RetrySettings::<ApiError>::builder()
        .max_tries(0)
        .max_time(-1)
        .build();
    println!("  => {}", invalid.unwrap_err());
}
