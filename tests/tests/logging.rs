//! The default `tracing` handler as the attribute configures it: levels, redaction in the log
//! line, and `logger = false`. Sync fns with zero waits, so nothing sleeps.

use retry_runtime::retry;
use retry_runtime::wait::constant;

mod common;

use common::Lines;

#[derive(Debug)]
struct Unavailable;

/// Runs `f` with a subscriber at TRACE and returns what it logged.
fn logged(f: impl FnOnce()) -> String {
    let lines = Lines::default();
    tracing::subscriber::with_default(lines.subscriber(), f);
    lines.text()
}

#[retry(
    max_tries = 2,
    wait_gen = constant,
    interval = 0,
    jitter = None,
    backoff_log_level = "debug",
    giveup_log_level = "warn",
    redact = [token]
)]
fn leveled(user: &str, token: &str) -> Result<(), Unavailable> {
    let _ = (user, token);
    Err(Unavailable)
}

#[retry(max_tries = 2, wait_gen = constant, interval = 0, jitter = None, logger = false)]
fn silent() -> Result<(), Unavailable> {
    Err(Unavailable)
}

#[retry(
    max_tries = 2,
    wait_gen = constant,
    interval = 0,
    jitter = None,
    backoff_log_level = tracing::Level::TRACE
)]
fn traced() -> Result<(), Unavailable> {
    Err(Unavailable)
}

#[test]
fn levels_from_the_attribute() {
    let log = logged(|| assert!(leveled("ann", "s3cret").is_err()));
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("DEBUG"), "{log}");
    assert!(lines[0].contains("Backing off logging::leveled"), "{log}");
    assert!(lines[1].starts_with(" WARN"), "{log}");
    assert!(lines[1].contains("Giving up logging::leveled"), "{log}");
    assert!(
        log.contains("<redacted>") && !log.contains("s3cret"),
        "{log}"
    );

    let log = logged(|| assert!(traced().is_err()));
    assert!(log.lines().next().unwrap().starts_with("TRACE"), "{log}");
}

#[test]
fn logger_false_is_silent() {
    let log = logged(|| assert!(silent().is_err()));
    assert_eq!(log, "");
}

#[retry(settings = settings)]
fn under_settings(settings: &retry_runtime::RetrySettings<Unavailable>) -> Result<(), Unavailable> {
    Err(Unavailable)
}

#[test]
fn settings_logger_and_levels_shape_the_default_handler() {
    let quick = || {
        retry_runtime::RetrySettings::<Unavailable>::builder()
            .max_tries(2)
            .wait_gen(constant().interval(0))
            .no_jitter()
    };
    let leveled = quick()
        .backoff_log_level(tracing::Level::DEBUG)
        .giveup_log_level(tracing::Level::WARN)
        .build()
        .unwrap();
    let log = logged(|| assert!(under_settings(&leveled).is_err()));
    let lines: Vec<&str> = log.lines().collect();
    assert_eq!(lines.len(), 2, "{log}");
    assert!(lines[0].starts_with("DEBUG"), "{log}");
    assert!(lines[0].contains("Backing off"), "{log}");
    assert!(lines[1].starts_with(" WARN"), "{log}");
    assert!(lines[1].contains("Giving up"), "{log}");

    let silent = quick().logger(false).build().unwrap();
    assert_eq!(logged(|| assert!(under_settings(&silent).is_err())), "");
}
