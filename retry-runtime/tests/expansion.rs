//! The engine driven by hand-written code shaped exactly as the `#[retry]` expansion of
//! `docs/expansion-contract.md`, async and sync.

// The code mirrors the expansion verbatim, including its closure over an `ErrorClass`.
#![allow(clippy::redundant_closure)]

use std::cell::Cell;
use std::sync::Mutex;
use std::time::Duration;

use retry_runtime::{Details, ErrorClass, jitter, wait};

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Server(u16),
    NotFound,
}

struct InternalServerError;
impl ErrorClass<Error> for InternalServerError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Server(500))
    }
}

struct NoDebug;

struct Client {
    failures_left: Mutex<u32>,
    calls: Mutex<u32>,
}

static BACKOFFS: Mutex<Vec<(u32, Duration, String)>> = Mutex::new(Vec::new());

fn log_backoff(d: &Details<'_, Error>) {
    BACKOFFS
        .lock()
        .unwrap()
        .push((d.tries, d.wait.unwrap(), d.args_display().to_string()));
}

impl Client {
    async fn fetch(
        &self,
        name: &str,
        page: u32,
        token: String,
        opaque: &NoDebug,
    ) -> Result<u32, Error> {
        let __retry_engine = ::retry_runtime::__private::policy::<Result<u32, Error>>()
            .max_tries(5)
            .exception(|e| <InternalServerError as ::retry_runtime::ErrorClass<_>>::is_instance(e))
            .wait_gen(wait::expo().base(2).factor(1))
            .jitter(jitter::no_jitter)
            .on_backoff((log_backoff,))
            .start(::core::concat!(::core::module_path!(), "::", "fetch"));
        let mut __retry_engine = __retry_engine;
        loop {
            let __retry_result =
                ::retry_runtime::__private::attempt_async::<Result<u32, Error>, _>(async {
                    let token =
                        ::retry_runtime::expects::ByValueArgument::clone_for_attempt(&token);
                    let _ = (&token, opaque);
                    *self.calls.lock().unwrap() += 1;
                    let mut left = self.failures_left.lock().unwrap();
                    if *left > 0 {
                        *left -= 1;
                        Err(Error::Server(500))?;
                    }
                    if name == "missing" {
                        return Err(Error::NotFound);
                    }
                    Ok(page * 10)
                })
                .await;
            let __retry_wait = match __retry_engine.after_attempt(
                __retry_result,
                &[
                    ::retry_runtime::__private::Arg {
                        name: "name",
                        value: ::retry_runtime::__private::render_arg!(name),
                    },
                    ::retry_runtime::__private::Arg {
                        name: "page",
                        value: ::retry_runtime::__private::render_arg!(page),
                    },
                    ::retry_runtime::__private::Arg {
                        name: "token",
                        value: ::retry_runtime::__private::REDACTED,
                    },
                    ::retry_runtime::__private::Arg {
                        name: "opaque",
                        value: ::retry_runtime::__private::render_arg!(opaque),
                    },
                ],
                None,
            ) {
                ::retry_runtime::__private::Step::Return(r) => return r,
                ::retry_runtime::__private::Step::Wait(d) => d,
            };
            __retry_engine.sleep(__retry_wait).await;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn async_expansion_retries_then_succeeds() {
    let client = Client {
        failures_left: Mutex::new(2),
        calls: Mutex::new(0),
    };
    let start = tokio::time::Instant::now();
    let r = client.fetch("library", 3, "s3cret".into(), &NoDebug).await;
    assert_eq!(r, Ok(30));
    assert_eq!(*client.calls.lock().unwrap(), 3);
    assert_eq!(start.elapsed(), Duration::from_secs(3)); // 1 + 2, paused clock
    let backoffs = BACKOFFS.lock().unwrap().clone();
    let args = "name: \"library\", page: 3, token: <redacted>, opaque: <opaque>";
    assert_eq!(
        backoffs,
        [
            (1, Duration::from_secs(1), args.to_string()),
            (2, Duration::from_secs(2), args.to_string())
        ]
    );
    // `return` inside the body ends the attempt with a non-matching error: no retry.
    let r = client.fetch("missing", 1, "t".into(), &NoDebug).await;
    assert_eq!(r, Err(Error::NotFound));
    assert_eq!(*client.calls.lock().unwrap(), 4);
}

fn assert_send<F: Send>(_: &F) {}

#[test]
fn async_expansion_is_send() {
    let client = Client {
        failures_left: Mutex::new(0),
        calls: Mutex::new(0),
    };
    let future = client.fetch("a", 1, String::new(), &NoDebug);
    assert_send(&future);
}

fn sync_fetch(counter: &Cell<u32>, mut buf: Vec<u8>) -> Option<usize> {
    let __retry_engine = ::retry_runtime::__private::policy::<Option<usize>>()
        .max_tries(3)
        .wait_gen(wait::constant().interval(Duration::ZERO))
        .declare_raise_on_giveup(false)
        .start(::core::concat!(::core::module_path!(), "::", "sync_fetch"));
    let mut __retry_engine = __retry_engine;
    loop {
        let __retry_result = ::retry_runtime::__private::attempt_sync::<Option<usize>, _>(|| {
            counter.set(counter.get() + 1);
            buf.push(1);
            if counter.get() < 2 {
                return None;
            }
            Some(buf.len())
        });
        let __retry_wait = match __retry_engine.after_attempt(
            __retry_result,
            &[::retry_runtime::__private::Arg {
                name: "buf",
                value: ::retry_runtime::__private::render_arg!(buf),
            }],
            ::core::option::Option::Some(<Option<usize> as ::retry_runtime::GiveUpValue>::nothing),
        ) {
            ::retry_runtime::__private::Step::Return(r) => return r,
            ::retry_runtime::__private::Step::Wait(d) => d,
        };
        __retry_engine.sleep_blocking(__retry_wait);
    }
}

#[test]
fn sync_expansion_reborrows_mut_args() {
    let counter = Cell::new(0);
    assert_eq!(sync_fetch(&counter, Vec::new()), Some(2));
    assert_eq!(counter.get(), 2);
}

/// A `!Send` error type does not make the expanded future `!Send`: the engine drops the error
/// before `Wait`, and the expansion consumes the step before the await.
async fn non_send_error(name: &str) -> Result<u32, std::rc::Rc<str>> {
    let mut __retry_engine = ::retry_runtime::__private::policy::<Result<u32, std::rc::Rc<str>>>()
        .max_tries(2)
        .start("expansion::non_send_error");
    loop {
        let __retry_result =
            ::retry_runtime::__private::attempt_async::<Result<u32, std::rc::Rc<str>>, _>(async {
                if name.is_empty() {
                    return Err(std::rc::Rc::from("empty"));
                }
                Ok(1)
            })
            .await;
        let __retry_wait = match __retry_engine.after_attempt(
            __retry_result,
            &[::retry_runtime::__private::Arg {
                name: "name",
                value: ::retry_runtime::__private::render_arg!(name),
            }],
            None,
        ) {
            ::retry_runtime::__private::Step::Return(r) => return r,
            ::retry_runtime::__private::Step::Wait(d) => d,
        };
        __retry_engine.sleep(__retry_wait).await;
    }
}

#[test]
fn non_send_error_keeps_the_future_send() {
    assert_send(&non_send_error("x"));
}

/// The lazy form's `finish_success` runs the success hooks for a success only: an error handed
/// to it is returned as is, with no hook.
#[test]
fn finish_success_runs_the_success_hooks_for_a_success_only() {
    let successes = Cell::new(0);
    let start = || {
        ::retry_runtime::__private::policy::<Result<u32, String>>()
            .on_success(|_: &retry_runtime::Details<'_, String>| {
                successes.set(successes.get() + 1);
            })
            .start("t")
    };
    assert_eq!(
        start().finish_success(Err("no".to_owned()), &[]),
        Err("no".to_owned())
    );
    assert_eq!(successes.get(), 0);
    assert_eq!(start().finish_success(Ok(1), &[]), Ok(1));
    assert_eq!(successes.get(), 1);
}

/// What the expansion passes fn-valued keys through (`expects`): each checked value calls the
/// user's fn, answers both ways, and names itself in `Debug`.
#[test]
fn checked_values_call_the_users_fns() {
    use retry_runtime::expects;
    let fatal = expects::giveup::<u16, _>(|status| *status == 404);
    assert!(fatal.call(&404));
    assert!(!fatal.call(&503));
    assert_eq!(format!("{fatal:?}"), "Predicate");
    let fatal = fatal.into_fn();
    assert!(fatal(&404) && !fatal(&500));
    let floor =
        expects::wait_floor::<u16, _>(|status| (*status == 429).then_some(Duration::from_secs(3)));
    assert_eq!(format!("{floor:?}"), "FloorCheck");
    let floor = floor.into_fn();
    assert_eq!(
        (floor(&429), floor(&503)),
        (Some(Duration::from_secs(3)), None)
    );
    let hook = expects::hook::<u16, _>(|_| {});
    assert_eq!(format!("{hook:?}"), "HookFn");
    let jitter = expects::jitter(|wait: Duration| wait / 2);
    assert_eq!(format!("{jitter:?}"), "JitterFn");
    let mut jitter = jitter.into_jitter();
    assert_eq!(
        retry_runtime::jitter::Jitter::jitter(&mut jitter, Duration::from_secs(4)),
        Duration::from_secs(2)
    );
    // `exception = E`: every error of the fn's own type is in the class.
    struct ServerErrors;
    impl ErrorClass<u16> for ServerErrors {
        fn is_instance(status: &u16) -> bool {
            *status >= 500
        }
    }
    assert!(expects::exception::<ServerErrors, u16>(&503));
    assert!(!expects::exception::<ServerErrors, u16>(&404));
    assert!(expects::exception::<u16, u16>(&404));
    assert!(<u16 as ErrorClass<u16>>::is_instance(&200));
}

#[test]
fn give_up_reasons_read_as_their_cause() {
    use retry_runtime::GiveUpReason::*;
    let shown: Vec<String> = [
        Predicate,
        MaxTries,
        MaxTime,
        WaitExhausted,
        BudgetExhausted,
        CircuitOpen,
    ]
    .iter()
    .map(ToString::to_string)
    .collect();
    assert_eq!(
        shown,
        [
            "giveup predicate held",
            "max_tries reached",
            "max_time reached",
            "wait generator exhausted",
            "retry budget exhausted",
            "circuit breaker open",
        ]
    );
}

/// What the expansion asks of a return type: whether it is a success (for the lazy form's
/// early return), and what `None` means as an error.
#[test]
fn return_types_say_whether_they_are_a_success() {
    use retry_runtime::{NoneError, RetryOutput};
    assert!(Some(1).is_success());
    assert!(!None::<u32>.is_success());
    assert!(Ok::<u32, u16>(1).is_success());
    assert!(!Err::<u32, u16>(503).is_success());
    // A type of the user's that does not say: the default is "not known to be a success",
    // so the engine is built and decides.
    struct Reply(Result<u32, u16>);
    impl RetryOutput for Reply {
        type Ok = u32;
        type Err = u16;
        fn into_result(self) -> Result<u32, u16> {
            self.0
        }
        fn from_result(result: Result<u32, u16>) -> Self {
            Reply(result)
        }
    }
    assert!(!Reply(Ok(1)).is_success());
    assert_eq!(NoneError.to_string(), "the operation returned None");
}
