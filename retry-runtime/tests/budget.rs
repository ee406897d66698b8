//! The retry budget in the engine: a refused retry ends the call with its last error and
//! `GiveUpReason::BudgetExhausted` in `Details`, the give-up hooks and the default log line;
//! calls deposit, retries withdraw, successes after retries refund; the budget is shared by
//! every call and settings clone holding it; during a full outage the attempts stay within
//! `(1 + ratio) x calls + initial`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use retry_runtime::GiveUpReason;
use retry_runtime::budget::RetryBudget;
use retry_runtime::jitter::no_jitter;
use retry_runtime::{Details, Policy, RetrySettings, retry_async, retry_blocking, wait};

fn budget(ratio: f64, initial: f64) -> RetryBudget {
    RetryBudget::builder()
        .ratio(ratio)
        .capacity(100)
        .initial(initial)
        .build()
        .expect("valid budget")
}

type Reasons = Arc<Mutex<Vec<(u32, Option<GiveUpReason>)>>>;

fn record(reasons: &Reasons) -> impl Fn(&Details<'_, String>) + Send + Sync + 'static {
    let reasons = reasons.clone();
    move |d| reasons.lock().unwrap().push((d.tries, d.reason))
}

#[tokio::test(start_paused = true)]
async fn exhausted_budget_ends_the_call_with_its_last_error_and_the_reason() {
    let budget = budget(0.0, 1.0);
    let reasons = Reasons::default();
    let attempts = AtomicU64::new(0);
    let policy = Policy::new()
        .max_tries(10)
        .wait_gen(wait::constant().interval(1))
        .budget(budget.clone())
        .on_giveup(record(&reasons));
    let result: Result<(), String> = retry_async(policy, || async {
        let n = attempts.fetch_add(1, Ordering::Relaxed) + 1;
        Err(format!("attempt {n} failed"))
    })
    .await;
    // One token: one retry, then the budget refuses the second.
    assert_eq!(result, Err("attempt 2 failed".to_owned()));
    assert_eq!(attempts.load(Ordering::Relaxed), 2);
    assert_eq!(
        *reasons.lock().unwrap(),
        [(2, Some(GiveUpReason::BudgetExhausted))]
    );
    assert_eq!((budget.retries_allowed(), budget.retries_refused()), (1, 1));
}

#[test]
fn other_reasons_reach_details_too() {
    let reasons = Reasons::default();
    let fail = || Err::<(), _>("down".to_owned());
    // max_tries(5) bounds every case should its own rule fail: the test then fails, not hangs.
    let base = || {
        Policy::<(), String>::new()
            .max_tries(5)
            .wait_gen(wait::constant().interval(0))
            .on_giveup(record(&reasons))
    };
    let _ = retry_blocking(base().max_tries(2), fail);
    let _ = retry_blocking(base().max_time(0), fail);
    let _ = retry_blocking(base().giveup(|e: &String| e == "down"), fail);
    let exhausting = Policy::<(), String>::new()
        .max_tries(5)
        .wait_gen(wait::constant().interval([0, 0]))
        .on_giveup(record(&reasons));
    let _ = retry_blocking(exhausting, fail);
    assert_eq!(
        *reasons.lock().unwrap(),
        [
            (2, Some(GiveUpReason::MaxTries)),
            (1, Some(GiveUpReason::MaxTime)),
            (1, Some(GiveUpReason::Predicate)),
            (3, Some(GiveUpReason::WaitExhausted)),
        ]
    );
}

/// No token is spent on a retry that another rule refuses: the budget is asked last.
#[test]
fn limits_are_checked_before_the_budget() {
    let budget = budget(0.0, 5.0);
    let policy = Policy::<(), String>::new()
        .max_tries(3)
        .wait_gen(wait::constant().interval(0))
        .budget(&budget);
    let _ = retry_blocking(policy, || Err::<(), _>("down".to_owned()));
    assert_eq!(budget.retries_allowed(), 2);
    assert_eq!(budget.retries_refused(), 0);
    assert_eq!(budget.balance(), 3.0);
}

#[test]
fn calls_deposit_and_successes_after_retries_refund() {
    let budget = budget(0.5, 0.0);
    // Two successful calls deposit half a token each.
    for _ in 0..2 {
        let policy = Policy::<u32, String>::new().budget(Some(budget.clone()));
        assert_eq!(retry_blocking(policy, || Ok(1)), Ok(1));
    }
    assert_eq!(budget.balance(), 1.0);
    // A call that fails once then succeeds: deposits 0.5, spends 1, gets 1 back.
    let mut failed = false;
    let policy = Policy::<u32, String>::new()
        .wait_gen(wait::constant().interval(0))
        .budget(&budget);
    let result = retry_blocking(policy, || {
        if std::mem::replace(&mut failed, true) {
            Ok(2)
        } else {
            Err("once".to_owned())
        }
    });
    assert_eq!(result, Ok(2));
    assert_eq!(budget.balance(), 1.5);
    assert_eq!(budget.retries_allowed(), 1);
}

#[test]
fn value_mode_spends_the_budget_too() {
    let budget = budget(0.0, 2.0);
    let reasons = Reasons::default();
    let mut attempts = 0;
    // max_tries bounds the call should the budget not (the test then fails, it does not hang).
    let policy = Policy::<u32, String>::new()
        .max_tries(10)
        .wait_gen(wait::constant().interval(0))
        .on_result(|v: &u32| *v == 0)
        .budget(&budget)
        .on_giveup(record(&reasons));
    let result = retry_blocking(policy, || {
        attempts += 1;
        Ok(0)
    });
    assert_eq!(result, Ok(0), "value mode returns the last value");
    assert_eq!(attempts, 3);
    assert_eq!(
        *reasons.lock().unwrap(),
        [(3, Some(GiveUpReason::BudgetExhausted))]
    );
}

#[tokio::test(start_paused = true)]
async fn settings_share_one_budget_across_calls_and_clones() {
    let shared = budget(0.0, 3.0);
    let settings = RetrySettings::<String>::builder()
        .max_tries(10)
        .wait_gen(wait::constant().interval(0.5))
        .budget(shared.clone())
        .build()
        .unwrap();
    let clone = settings.clone();
    let derived = settings.to_builder().max_tries(20).build().unwrap();
    let mut attempts = 0;
    for s in [&settings, &clone, &derived] {
        let _ = retry_async(s, || {
            attempts += 1;
            async { Err::<(), _>("down".to_owned()) }
        })
        .await;
    }
    // Three tokens in all: three retries, whichever settings handle made them.
    assert_eq!(attempts, 3 + 3);
    assert_eq!(shared.retries_allowed(), 3);
    assert_eq!(shared.retries_refused(), 3);
    // Without a budget the same settings retry to max_tries.
    let unbudgeted = settings.to_builder().no_budget().build().unwrap();
    let mut attempts = 0;
    let _ = retry_async(&unbudgeted, || {
        attempts += 1;
        async { Err::<(), _>("down".to_owned()) }
    })
    .await;
    assert_eq!(attempts, 10);
}

/// The default log line names the reason.
#[test]
fn the_giveup_log_line_says_the_budget_was_exhausted() {
    #[derive(Clone, Default)]
    struct Capture(Arc<Mutex<Vec<u8>>>);
    impl std::io::Write for Capture {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let capture = Capture::default();
    let writer = capture.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .without_time()
        .finish();
    let budget = budget(0.0, 0.0);
    tracing::subscriber::with_default(subscriber, || {
        let policy = Policy::<(), String>::new()
            .max_tries(10)
            .wait_gen(wait::constant().interval(0))
            .budget(&budget);
        let _ = retry_blocking(policy, || Err::<(), _>("503".to_owned()));
    });
    let log = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("ERROR"), "{log}");
    assert!(
        log.contains("after 1 tries (\"503\"): retry budget exhausted"),
        "{log}"
    );
    assert!(log.contains("reason=\"retry budget exhausted\""), "{log}");
}

/// A full outage: every attempt of every call fails. Whatever the concurrency, the attempts
/// stay within `calls + ratio * calls + initial` (each call deposits `ratio`, each retry
/// costs 1, the bucket starts with `initial`).
#[tokio::test(start_paused = true)]
async fn outage_attempts_stay_within_the_budget() {
    let (calls, concurrency, ratio, initial) = (2_000u64, 16u64, 0.1, 20.0);
    let budget = budget(ratio, initial);
    let settings = RetrySettings::<String>::builder()
        .max_tries(8)
        .no_max_time()
        .wait_gen(wait::expo().factor(0.01).max_value(1))
        .logger(false)
        .budget(budget.clone())
        .build()
        .unwrap();
    let attempts = Arc::new(AtomicU64::new(0));
    let mut workers = Vec::new();
    for w in 0..concurrency {
        let (settings, attempts) = (settings.clone(), attempts.clone());
        workers.push(tokio::spawn(async move {
            for _ in (w..calls).step_by(concurrency as usize) {
                let result = retry_async(&settings, || {
                    attempts.fetch_add(1, Ordering::Relaxed);
                    async { Err::<(), _>("503".to_owned()) }
                })
                .await;
                assert!(result.is_err());
            }
        }));
    }
    for worker in workers {
        worker.await.unwrap();
    }
    let attempts = attempts.load(Ordering::Relaxed);
    let bound = (1.0 + ratio) * calls as f64 + initial;
    println!("engine outage: calls {calls}, attempts {attempts}, ratio {ratio}, bound {bound}");
    assert!(attempts as f64 <= bound, "{attempts} > {bound}");
    // Without the budget the same outage makes max_tries attempts per call.
    assert!(attempts < calls * 2);
    assert_eq!(budget.retries_allowed(), attempts - calls);
}

/// One failing call with `max_tries = 2` under a policy given `source`: it must deposit at
/// start and withdraw for its one retry, whatever form the budget was given in.
fn one_retry_through<B: retry_runtime::budget::BudgetSource>(source: B) {
    let policy = Policy::new()
        .max_tries(2)
        .wait_gen(wait::constant().interval(0))
        .jitter(no_jitter)
        .logger(false)
        .budget(source);
    let result: Result<(), String> = retry_blocking(policy, || Err("down".to_string()));
    assert!(result.is_err());
}

/// A form a budget is given in, and a call given the budget in that form.
type Form = (&'static str, fn(&RetryBudget));

#[test]
// `&Some(..)` is the form under test, not a needless borrow.
#[allow(clippy::needless_borrows_for_generic_args)]
fn a_budget_given_in_every_accepted_form_is_drawn_on() {
    let forms: [Form; 5] = [
        ("RetryBudget", |b| one_retry_through(b.clone())),
        ("&RetryBudget", |b| one_retry_through(b)),
        ("Option<RetryBudget>", |b| {
            one_retry_through(Some(b.clone()))
        }),
        ("Option<&RetryBudget>", |b| one_retry_through(Some(b))),
        ("&Option<RetryBudget>", |b| {
            one_retry_through(&Some(b.clone()))
        }),
    ];
    for (form, call) in forms {
        // No reserve and one token per call: the call's own deposit pays its one retry.
        let shared = budget(1.0, 0.0);
        call(&shared);
        assert_eq!(
            shared.retries_allowed(),
            1,
            "{form}: the retry was not withdrawn"
        );
        assert_eq!(shared.retries_refused(), 0, "{form}");
        // The deposit was spent by the retry: a second withdrawal is refused.
        assert!(
            !shared.try_withdraw(),
            "{form}: the call did not deposit exactly one token"
        );
    }
    // `None` in either optional form is no budget: nothing is drawn.
    one_retry_through(None::<RetryBudget>);
    one_retry_through(&None::<RetryBudget>);
    one_retry_through(None::<&RetryBudget>);
}
