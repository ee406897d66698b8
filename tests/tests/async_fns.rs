//! Behaviour of `#[retry]` on async fns, under tokio's paused clock (no real sleeping).

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};

use common::{ApiError, NetworkError, Recorder, ServerError, secs};
use retry_runtime::wait::{constant, expo};
use retry_runtime::{Details, retry};

/// Fails `failures` times with `error`, then answers `Ok(calls)`.
struct Flaky {
    calls: AtomicU32,
    failures: u32,
    error: ApiError,
}

impl Flaky {
    fn new(failures: u32, error: ApiError) -> Self {
        Self {
            calls: AtomicU32::new(0),
            failures,
            error,
        }
    }

    fn call(&self) -> Result<u32, ApiError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst) + 1;
        if call <= self.failures {
            Err(self.error.clone())
        } else {
            Ok(call)
        }
    }

    fn calls(&self) -> u32 {
        self.calls.load(Ordering::SeqCst)
    }
}

static TRIES: Recorder = Recorder::new();

fn record_backoff(details: &Details<'_, ApiError>) {
    TRIES.record("backoff", details);
}
fn record_giveup(details: &Details<'_, ApiError>) {
    TRIES.record("giveup", details);
}
fn record_success(details: &Details<'_, ApiError>) {
    TRIES.record("success", details);
}

#[retry(
    max_tries = 4,
    wait_gen = expo,
    jitter = None,
    on_backoff = record_backoff,
    on_giveup = record_giveup,
    on_success = record_success
)]
async fn fetch(flaky: &Flaky, page: u32) -> Result<u32, ApiError> {
    let _ = page;
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn tries_waits_and_hooks() {
    // Succeeds on the third attempt: two backoffs (1 s, 2 s), one success.
    let flaky = Flaky::new(2, ApiError::Status(503));
    assert_eq!(fetch(&flaky, 7).await, Ok(3));
    assert_eq!(flaky.calls(), 3);
    let events = TRIES.take();
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["backoff", "backoff", "success"]);
    assert_eq!(events[0].wait, Some(secs(1)));
    assert_eq!(events[1].wait, Some(secs(2)));
    assert_eq!(events[2].wait, None);
    assert_eq!(events[2].tries, 3);
    assert_eq!(events[0].target, "async_fns::fetch");
    // `flaky` has no Debug: rendered opaque; `page` by its Debug.
    assert_eq!(events[0].args, ["flaky=<opaque>", "page=7"]);
    assert_eq!(events[0].outcome, "error Status(503)");

    // Never succeeds: 4 tries, 3 backoffs, then give-up with the last error.
    let flaky = Flaky::new(u32::MAX, ApiError::Network);
    assert_eq!(fetch(&flaky, 1).await, Err(ApiError::Network));
    assert_eq!(flaky.calls(), 4);
    let events = TRIES.take();
    let kinds: Vec<_> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, ["backoff", "backoff", "backoff", "giveup"]);
    assert_eq!(events[2].wait, Some(secs(4)));
    assert_eq!(events[3].tries, 4);
}

static CLASSES: Recorder = Recorder::new();

fn classes_hook(details: &Details<'_, ApiError>) {
    CLASSES.record("hook", details);
}

fn is_not_found(error: &ApiError) -> bool {
    *error == ApiError::Status(404)
}

#[retry(
    max_tries = 5,
    exception = (ServerError, NetworkError),
    giveup = is_not_found,
    wait_gen = constant,
    interval = 1,
    jitter = None,
    on_backoff = classes_hook,
    on_giveup = [classes_hook, classes_hook]
)]
async fn classified(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn exception_classes_and_giveup() {
    // A class member is retried.
    let flaky = Flaky::new(2, ApiError::Network);
    assert_eq!(classified(&flaky).await, Ok(3));
    assert_eq!(CLASSES.take().len(), 2);
    // Not in a class: returned at once, no hook runs.
    let flaky = Flaky::new(1, ApiError::Status(400));
    assert_eq!(classified(&flaky).await, Err(ApiError::Status(400)));
    assert_eq!(flaky.calls(), 1);
    assert!(CLASSES.take().is_empty());
    // 404 is not a server error either: not retried.
    let flaky = Flaky::new(1, ApiError::Status(404));
    assert_eq!(classified(&flaky).await, Err(ApiError::Status(404)));
    assert!(CLASSES.take().is_empty());
}

#[retry(max_tries = 5, exception = ServerError, giveup = |e: &ApiError| *e == ApiError::Status(501), jitter = None)]
async fn gives_up_on_501(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn giveup_predicate_ends_the_call() {
    let flaky = Flaky::new(3, ApiError::Status(501));
    assert_eq!(gives_up_on_501(&flaky).await, Err(ApiError::Status(501)));
    assert_eq!(flaky.calls(), 1);
}

#[retry(max_time = 25, wait_gen = constant, interval = 10, jitter = None)]
async fn bounded_by_time(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn max_time_bounds_the_call() {
    let flaky = Flaky::new(u32::MAX, ApiError::Network);
    assert_eq!(bounded_by_time(&flaky).await, Err(ApiError::Network));
    // t = 0, 10, 20, then the last wait is cut to the 5 s left: t = 25 is the last attempt.
    assert_eq!(flaky.calls(), 4);
}

/// `?` and `return` end one attempt; the next attempt runs the body again.
#[retry(max_tries = 3, jitter = None)]
async fn parse_then_check(inputs: &[&str], next: &AtomicU32) -> Result<u32, String> {
    let input = inputs[next.fetch_add(1, Ordering::SeqCst) as usize];
    let number: u32 = input
        .parse()
        .map_err(|_| format!("not a number: {input}"))?;
    if number == 0 {
        return Err("zero".to_owned());
    }
    Ok(number)
}

#[tokio::test(start_paused = true)]
async fn question_mark_and_return_end_one_attempt() {
    let next = AtomicU32::new(0);
    assert_eq!(parse_then_check(&["x", "0", "42"], &next).await, Ok(42));
    assert_eq!(next.load(Ordering::SeqCst), 3);
    let next = AtomicU32::new(0);
    assert_eq!(
        parse_then_check(&["x", "y", "z", "1"], &next).await,
        Err("not a number: z".to_owned())
    );
}

/// State kept in `&mut self` carries from one attempt to the next.
struct Counter {
    attempts: u32,
    log: Vec<String>,
}

impl Counter {
    #[retry(max_tries = 5, jitter = None)]
    async fn bump_until(&mut self, target: u32, label: String) -> Result<u32, ApiError> {
        self.attempts += 1;
        self.log.push(label);
        tokio::task::yield_now().await;
        if self.attempts < target {
            Err(ApiError::Status(500))
        } else {
            Ok(self.attempts)
        }
    }
}

#[tokio::test(start_paused = true)]
async fn mut_self_state_across_attempts() {
    let mut counter = Counter {
        attempts: 0,
        log: Vec::new(),
    };
    assert_eq!(counter.bump_until(3, "a".to_owned()).await, Ok(3));
    assert_eq!(counter.log, ["a", "a", "a"]);
}

/// Arguments taken by value are fresh for every attempt: a mutation never leaks.
#[retry(max_tries = 3, jitter = None)]
async fn consume(
    mut items: Vec<u32>,
    seen: &std::sync::Mutex<Vec<usize>>,
) -> Result<u32, ApiError> {
    items.push(0);
    let mut seen = seen.lock().unwrap();
    seen.push(items.len());
    if seen.len() < 3 {
        Err(ApiError::Network)
    } else {
        Ok(items.into_iter().sum())
    }
}

#[tokio::test(start_paused = true)]
async fn by_value_arguments_are_cloned_per_attempt() {
    let seen = std::sync::Mutex::new(Vec::new());
    assert_eq!(consume(vec![1, 2], &seen).await, Ok(3));
    assert_eq!(*seen.lock().unwrap(), [3, 3, 3]);
}

/// Generic fns: the policy is typed from the declared return type.
#[retry(max_tries = 3, jitter = None)]
async fn first_parsed<T>(inputs: &[&str], next: &AtomicU32) -> Result<T, T::Err>
where
    T: std::str::FromStr + Send,
    T::Err: std::fmt::Debug + Send,
{
    inputs[next.fetch_add(1, Ordering::SeqCst) as usize].parse()
}

#[tokio::test(start_paused = true)]
async fn generic_fns() {
    let next = AtomicU32::new(0);
    assert_eq!(first_parsed::<u8>(&["a", "300", "7"], &next).await, Ok(7));
    let next = AtomicU32::new(0);
    assert_eq!(first_parsed::<f64>(&["1.5"], &next).await, Ok(1.5));
}

static ARGS: Recorder = Recorder::new();

fn args_hook(details: &Details<'_, ApiError>) {
    ARGS.record("backoff", details);
}

#[retry(max_tries = 2, jitter = None, on_backoff = args_hook, redact = [password], skip = [blob])]
async fn login(
    user: &str,
    password: String,
    blob: Vec<u8>,
    attempt: &AtomicU32,
) -> Result<(), ApiError> {
    let _ = (password, blob);
    if attempt.fetch_add(1, Ordering::SeqCst) == 0 {
        Err(ApiError::Status(502))
    } else {
        let _ = user;
        Ok(())
    }
}

#[tokio::test(start_paused = true)]
async fn details_args_redact_and_skip() {
    let attempt = AtomicU32::new(0);
    login("ann", "hunter2".to_owned(), vec![1, 2], &attempt)
        .await
        .unwrap();
    let events = ARGS.take();
    assert_eq!(events.len(), 1);
    assert_eq!(
        events[0].args,
        ["user=\"ann\"", "password=<redacted>", "attempt=1"]
    );
    assert!(!format!("{events:?}").contains("hunter2"));
}

/// Expressions in the attribute are evaluated once per call, before the first attempt.
struct Client {
    limit_reads: AtomicU32,
    flaky: Flaky,
}

impl Client {
    fn limit(&self) -> u32 {
        self.limit_reads.fetch_add(1, Ordering::SeqCst);
        3
    }

    #[retry(max_tries = self.limit(), jitter = None, max_time = secs(60))]
    async fn get(&self) -> Result<u32, ApiError> {
        self.flaky.call()
    }

    #[retry(max_tries = 3, jitter = None)]
    async fn shared(self: Arc<Self>) -> Result<u32, ApiError> {
        self.flaky.call()
    }
}

#[tokio::test(start_paused = true)]
async fn expressions_are_evaluated_once_per_call() {
    let client = Client {
        limit_reads: AtomicU32::new(0),
        flaky: Flaky::new(u32::MAX, ApiError::Network),
    };
    assert_eq!(client.get().await, Err(ApiError::Network));
    assert_eq!(client.flaky.calls(), 3);
    assert_eq!(client.limit_reads.load(Ordering::SeqCst), 1);
    let client = Arc::new(Client {
        limit_reads: AtomicU32::new(0),
        flaky: Flaky::new(1, ApiError::Network),
    });
    assert_eq!(client.clone().shared().await, Ok(2));
}

/// The future is `Send` when the body's is: it runs on a multi-threaded runtime's task.
#[retry(max_tries = 3, wait_gen = constant, interval = 0.5, jitter = None)]
async fn send_body(flaky: Arc<Flaky>, name: String) -> Result<usize, ApiError> {
    tokio::task::yield_now().await;
    flaky.call().map(|calls| calls as usize + name.len())
}

#[tokio::test(start_paused = true)]
async fn futures_are_send() {
    let flaky = Arc::new(Flaky::new(1, ApiError::Network));
    let task = tokio::spawn(send_body(flaky.clone(), "ab".to_owned()));
    assert_eq!(task.await.unwrap(), Ok(4));
}

/// `raise_on_giveup = false`: give-up returns the "nothing" value.
#[retry(max_tries = 2, raise_on_giveup = false, jitter = None)]
async fn lookup(flaky: &Flaky) -> Result<Option<u32>, ApiError> {
    flaky.call().map(Some)
}

#[tokio::test(start_paused = true)]
async fn raise_on_giveup_false_returns_nothing() {
    let flaky = Flaky::new(u32::MAX, ApiError::Status(500));
    assert_eq!(lookup(&flaky).await, Ok(None));
    assert_eq!(flaky.calls(), 2);
    // A success after a failure is returned as is.
    let flaky = Flaky::new(1, ApiError::Status(500));
    assert_eq!(lookup(&flaky).await, Ok(Some(2)));
}

/// `on_result`: retried while the predicate holds on the value; give-up returns the last value.
#[retry(on_result = |v: &u32| *v < 3, max_tries = 5, jitter = None)]
async fn until_three(counter: &AtomicU32) -> Result<u32, ApiError> {
    Ok(counter.fetch_add(1, Ordering::SeqCst) + 1)
}

#[retry(on_result = |v: &u32| *v < 100, max_tries = 2, jitter = None)]
async fn never_enough(counter: &AtomicU32) -> Result<u32, ApiError> {
    Ok(counter.fetch_add(1, Ordering::SeqCst) + 1)
}

#[tokio::test(start_paused = true)]
async fn retry_on_value() {
    let counter = AtomicU32::new(0);
    assert_eq!(until_three(&counter).await, Ok(3));
    let counter = AtomicU32::new(0);
    assert_eq!(never_enough(&counter).await, Ok(2));
}

/// Closures as hooks infer their parameter type; jitter closures too.
#[retry(
    max_tries = 3,
    wait_gen = constant,
    interval = 2,
    jitter = |wait| wait / 2,
    on_backoff = |details| assert_eq!(details.wait, Some(secs(1))),
)]
async fn halved_waits(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn closures_in_keys() {
    let flaky = Flaky::new(2, ApiError::Network);
    assert_eq!(halved_waits(&flaky).await, Ok(3));
}

/// Wait generator parameters given as keys.
static PARAMS: Recorder = Recorder::new();

fn params_hook(details: &Details<'_, ApiError>) {
    PARAMS.record("backoff", details);
}

#[retry(max_tries = 4, base = 3, factor = 2, max_value = 10, jitter = None, on_backoff = params_hook)]
async fn default_expo_with_params(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn wait_gen_parameters() {
    let flaky = Flaky::new(u32::MAX, ApiError::Network);
    let _ = default_expo_with_params(&flaky).await;
    let waits: Vec<_> = PARAMS.take().into_iter().map(|e| e.wait.unwrap()).collect();
    // factor * base^n, capped at max_value: 2, 6, 10.
    assert_eq!(waits, [secs(2), secs(6), secs(10)]);
}

mod with_async_trait {
    use super::*;
    use async_trait::async_trait;

    #[async_trait]
    pub trait Fetch {
        async fn fetch(&self, id: u32) -> Result<u32, ApiError>;
        async fn fetch_mut(&mut self, name: String) -> Result<usize, ApiError>;
    }

    pub struct Remote {
        pub flaky: Flaky,
        pub names: Vec<String>,
    }

    #[async_trait]
    impl Fetch for Remote {
        #[retry(max_tries = 3, jitter = None)]
        async fn fetch(&self, id: u32) -> Result<u32, ApiError> {
            let calls = self.flaky.call()?;
            Ok(calls * 100 + id)
        }

        #[retry(max_tries = 3, jitter = None)]
        async fn fetch_mut(&mut self, mut name: String) -> Result<usize, ApiError> {
            name.push('!');
            self.names.push(name);
            self.flaky.call()?;
            Ok(self.names.len())
        }
    }
}

#[tokio::test(start_paused = true)]
async fn async_trait_methods_are_retried() {
    use with_async_trait::{Fetch, Remote};
    let remote = Remote {
        flaky: Flaky::new(2, ApiError::Network),
        names: Vec::new(),
    };
    assert_eq!(remote.fetch(7).await, Ok(307));
    let mut remote = Remote {
        flaky: Flaky::new(1, ApiError::Network),
        names: Vec::new(),
    };
    assert_eq!(remote.fetch_mut("a".to_owned()).await, Ok(2));
    assert_eq!(remote.names, ["a!", "a!"]);
}

/// The harborapi example: a user's own generator with parameters given as keys.
mod user_generator {
    use std::time::Duration;

    use retry_runtime::wait::{IntoSeconds, Last, WaitGen, saturating_secs};

    /// Waits `base`, `base + value`, `base + 2 * value`, ...
    pub struct Adder {
        next: f64,
        value: f64,
    }

    pub fn adder() -> Adder {
        Adder {
            next: 1.0,
            value: 1.0,
        }
    }

    impl Adder {
        pub fn base(mut self, base: impl IntoSeconds) -> Self {
            self.next = base.into_seconds();
            self
        }

        pub fn value(mut self, value: impl IntoSeconds) -> Self {
            self.value = value.into_seconds();
            self
        }
    }

    impl<E> WaitGen<E> for Adder {
        fn next_wait(&mut self, _last: Last<'_, E>) -> Option<Duration> {
            let wait = self.next;
            self.next += self.value;
            Some(saturating_secs(wait))
        }
    }
}

static ADDER: Recorder = Recorder::new();

fn adder_hook(details: &Details<'_, ApiError>) {
    ADDER.record("backoff", details);
}

#[retry(
    max_tries = 4,
    wait_gen = user_generator::adder,
    base = 1,
    value = 2,
    jitter = None,
    on_backoff = adder_hook
)]
async fn with_adder(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

/// A builder expression as `wait_gen`, and a finite list of intervals: the call gives up when
/// the list is exhausted.
#[retry(wait_gen = constant().interval([1, 2]), jitter = None, on_backoff = adder_hook)]
async fn with_interval_list(flaky: &Flaky) -> Result<u32, ApiError> {
    flaky.call()
}

#[tokio::test(start_paused = true)]
async fn user_generators_and_builder_expressions() {
    let flaky = Flaky::new(u32::MAX, ApiError::Network);
    let _ = with_adder(&flaky).await;
    let waits: Vec<_> = ADDER.take().into_iter().map(|e| e.wait.unwrap()).collect();
    assert_eq!(waits, [secs(1), secs(3), secs(5)]);

    let flaky = Flaky::new(u32::MAX, ApiError::Network);
    assert_eq!(with_interval_list(&flaky).await, Err(ApiError::Network));
    assert_eq!(flaky.calls(), 3);
    let waits: Vec<_> = ADDER.take().into_iter().map(|e| e.wait.unwrap()).collect();
    assert_eq!(waits, [secs(1), secs(2)]);
}
