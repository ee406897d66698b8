//! The default `tracing` handler: runs before the user's hooks, at INFO for backoff and ERROR
//! for give-up by default, levels configurable, switchable off.

use std::io::Write;
use std::sync::{Arc, Mutex};

use retry_runtime::{Details, Policy, RetrySettings, retry_blocking, wait};
use tracing::Level;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Capture {
    fn lines(&self) -> Vec<String> {
        String::from_utf8(self.0.lock().unwrap().clone())
            .unwrap()
            .lines()
            .map(str::to_owned)
            .collect()
    }
}

/// Runs `f` with a subscriber writing into the returned capture (and hooks writing there too).
fn captured(f: impl FnOnce(Capture)) -> Vec<String> {
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .with_target(false)
        .with_max_level(Level::TRACE)
        .finish();
    tracing::subscriber::with_default(subscriber, || f(capture.clone()));
    capture.lines()
}

fn hook(
    capture: &Capture,
    name: &'static str,
) -> impl Fn(&Details<'_, String>) + Send + Sync + 'static {
    let capture = capture.clone();
    move |d| writeln!(capture.clone(), "HOOK {name} tries={}", d.tries).unwrap()
}

#[test]
fn default_handler_logs_first_at_info_and_error() {
    let lines = captured(|capture| {
        let policy = Policy::<(), String>::new()
            .max_tries(2)
            .wait_gen(wait::constant().interval(0))
            .on_backoff(hook(&capture, "backoff"))
            .on_giveup(hook(&capture, "giveup"));
        let page = 7;
        let _ = retry_blocking(policy, || Err::<(), _>(format!("boom on page {page}")));
    });
    assert_eq!(lines.len(), 4, "{lines:#?}");
    assert!(
        lines[0].starts_with(" INFO") && lines[0].contains("Backing off"),
        "{}",
        lines[0]
    );
    assert!(lines[0].contains("logging::default_handler_logs_first_at_info_and_error"));
    assert!(
        lines[0].contains("after 1 tries (\"boom on page 7\")"),
        "{}",
        lines[0]
    );
    assert_eq!(lines[1], "HOOK backoff tries=1");
    assert!(
        lines[2].starts_with("ERROR") && lines[2].contains("Giving up"),
        "{}",
        lines[2]
    );
    assert!(lines[2].contains("after 2 tries"));
    assert_eq!(lines[3], "HOOK giveup tries=2");
}

#[test]
fn levels_are_configurable_and_the_handler_can_be_switched_off() {
    let lines = captured(|_| {
        let policy = Policy::<(), String>::new()
            .max_tries(2)
            .wait_gen(wait::constant().interval(0))
            .backoff_log_level(Level::DEBUG)
            .giveup_log_level(Level::WARN);
        let _ = retry_blocking(policy, || Err::<(), _>("x".to_string()));
    });
    assert!(lines[0].starts_with("DEBUG"), "{lines:#?}");
    assert!(lines[1].starts_with(" WARN"), "{lines:#?}");

    let lines = captured(|_| {
        let policy = Policy::<(), String>::new()
            .max_tries(2)
            .wait_gen(wait::constant().interval(0))
            .logger(false);
        let _ = retry_blocking(policy, || Err::<(), _>("x".to_string()));
    });
    assert!(lines.is_empty(), "{lines:#?}");
}

#[test]
fn settings_configure_the_handler_too() {
    let lines = captured(|capture| {
        let settings = RetrySettings::<String>::builder()
            .max_tries(2)
            .wait_gen(wait::constant().interval(0))
            .backoff_log_level(Level::TRACE)
            .on_backoff(hook(&capture, "backoff"))
            .build()
            .unwrap();
        let _ = retry_blocking(&settings, || Err::<(), _>("x".to_string()));
        let quiet = settings.to_builder().logger(false).build().unwrap();
        let _ = retry_blocking(&quiet, || Err::<(), _>("y".to_string()));
    });
    assert!(
        lines[0].starts_with("TRACE") && lines[0].contains("(\"x\")"),
        "{lines:#?}"
    );
    assert_eq!(lines[1], "HOOK backoff tries=1");
    assert!(lines[2].starts_with("ERROR"));
    // The quiet settings: only the user hook.
    assert_eq!(lines[3..], ["HOOK backoff tries=1".to_string()]);
}

#[test]
fn a_max_time_out_of_range_is_warned_about_and_one_in_range_is_not() {
    for (secs, warned) in [
        (-1.0, true),
        (-0.001, true),
        (f64::NAN, true),
        (0.0, false),
        (0.5, false),
        (90.0, false),
    ] {
        let lines = captured(|_| {
            let _policy = Policy::<(), String>::new().max_time(secs);
        });
        let warning = lines
            .iter()
            .any(|l| l.contains("WARN") && l.contains("max_time must be finite and at least 0"));
        assert_eq!(warning, warned, "max_time({secs}): {lines:?}");
    }
}

/// An error a per-attempt timeout can be turned into.
#[derive(Debug, Clone, PartialEq)]
struct Slow;

impl From<retry_runtime::AttemptTimedOut> for Slow {
    fn from(_: retry_runtime::AttemptTimedOut) -> Self {
        Slow
    }
}

#[test]
fn a_blocking_call_warns_once_of_each_async_rule_it_cannot_apply() {
    use retry_runtime::latency::AutoHedge;
    fn warnings_of<P: retry_runtime::RetryPolicy<(), Slow>>(policy: P) -> Vec<String> {
        captured(|_| {
            let result = retry_blocking(policy, || Err::<(), _>(Slow));
            assert_eq!(result, Err(Slow));
        })
        .into_iter()
        .filter(|l| l.contains("WARN") && l.contains("is a blocking call"))
        .collect()
    }
    // Four tries, three waits: one warning, before the first retry.
    let policy = || {
        Policy::<(), Slow>::new()
            .max_tries(4)
            .logger(false)
            .wait_gen(wait::constant().interval(0))
    };
    let timed = warnings_of(policy().attempt_timeout(1));
    assert_eq!(timed.len(), 1, "{timed:?}");
    assert!(timed[0].contains("attempt_timeout (Some(1s))"), "{timed:?}");
    let hedged = warnings_of(policy().hedge_delay(0.25));
    assert_eq!(hedged.len(), 1, "{hedged:?}");
    assert!(
        hedged[0].contains("hedge_delay (Some(250ms))"),
        "{hedged:?}"
    );
    assert_eq!(
        warnings_of(policy().hedge_auto(AutoHedge::default())).len(),
        1
    );
    assert_eq!(
        warnings_of(policy()).len(),
        0,
        "nothing ignored, nothing said"
    );
    let off = RetrySettings::<Slow>::builder()
        .enabled(false)
        .attempt_timeout(1)
        .build()
        .unwrap();
    assert_eq!(
        warnings_of(&off).len(),
        0,
        "disabled settings apply nothing"
    );
}

#[test]
fn a_call_that_only_retried_logs_no_hedge() {
    let lines = captured(|_| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let mut failures = 1;
        let result = runtime.block_on(retry_runtime::retry_async(
            Policy::<u32, String>::new()
                .max_tries(3)
                .wait_gen(wait::constant().interval(0)),
            || {
                let answer = if failures > 0 {
                    failures -= 1;
                    Err("busy".to_owned())
                } else {
                    Ok(7)
                };
                std::future::ready(answer)
            },
        ));
        assert_eq!(result, Ok(7));
    });
    assert!(
        lines.iter().any(|l| l.contains("Backing off")),
        "it retried: {lines:?}"
    );
    assert!(
        !lines.iter().any(|l| l.contains("Hedged")),
        "but hedged nothing: {lines:?}"
    );
}

/// The log lines of one `retry_async` call on a paused clock: attempt `n` answers after
/// `plan[n - 1]` ms, failing when its entry is negative.
fn hedged_call_log(plan: &'static [i64], logger: bool) -> Vec<String> {
    captured(|_| {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .start_paused(true)
            .build()
            .unwrap();
        let calls = std::sync::atomic::AtomicUsize::new(0);
        let result = runtime.block_on(retry_runtime::retry_async(
            Policy::<u32, String>::new()
                .max_tries(3)
                .hedge_delay(0.1)
                .logger(logger)
                .wait_gen(wait::constant().interval(0)),
            || {
                let n = calls.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                let takes = plan[n];
                async move {
                    tokio::time::sleep(std::time::Duration::from_millis(takes.unsigned_abs()))
                        .await;
                    if takes < 0 {
                        Err(format!("attempt {} failed", n + 1))
                    } else {
                        Ok(n as u32 + 1)
                    }
                }
            },
        ));
        assert!(result.is_ok(), "{result:?}");
    })
}

#[test]
fn a_success_is_logged_as_hedged_only_when_attempts_overlapped() {
    // Attempt 1 is slow; attempt 2, started beside it at 100 ms, wins.
    let overlapped = hedged_call_log(&[5_000, 30], true);
    let hedged: Vec<_> = overlapped.iter().filter(|l| l.contains("Hedged")).collect();
    assert_eq!(hedged.len(), 1, "{overlapped:?}");
    assert!(
        hedged[0].contains("attempt 2 won after 0.13s, 2 tries started"),
        "{hedged:?}"
    );
    // Attempt 1 fails at once and its retry answers at once: two tries, never two at a time.
    let sequential = hedged_call_log(&[-1, 1], true);
    assert!(
        sequential.iter().any(|l| l.contains("Backing off")),
        "{sequential:?}"
    );
    assert!(
        !sequential.iter().any(|l| l.contains("Hedged")),
        "{sequential:?}"
    );
    // The handler switched off says nothing of a hedge either.
    let quiet = hedged_call_log(&[5_000, 30], false);
    assert!(!quiet.iter().any(|l| l.contains("Hedged")), "{quiet:?}");
}
