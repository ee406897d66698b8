//! The success path's cost: no heap allocation and no clock read unless a time limit or a hook
//! needs the time. One test in this binary, so no other test allocates while it measures.

use std::cell::Cell;
use std::future::Future;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::partition::Partition;
use retry_runtime::sleep::Sleeper;
use retry_runtime::{CircuitBreaker, CircuitOpen, Details, Policy, RetrySettings, jitter, wait};
use stats_alloc::{INSTRUMENTED_SYSTEM, Region, StatsAlloc};

#[global_allocator]
static GLOBAL: &StatsAlloc<std::alloc::System> = &INSTRUMENTED_SYSTEM;

/// Counts clock reads; never sleeps.
#[derive(Default)]
struct CountingClock {
    reads: Cell<u32>,
}

impl Sleeper for &CountingClock {
    type Sleep = std::future::Ready<()>;
    fn sleep(&self, _wait: Duration) -> Self::Sleep {
        std::future::ready(())
    }
    fn sleep_blocking(&self, _wait: Duration) {}
    fn now(&self) -> Instant {
        self.reads.set(self.reads.get() + 1);
        Instant::now()
    }
}

/// Polls a future that is ready at once (no executor, no allocation).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!("the success path must not wait"),
    }
}

/// The `#[retry]` expansion of an async fn, by hand, with the given policy.
macro_rules! expanded_call {
    ($policy:expr, $value:expr) => {{
        let mut engine = $policy.start("cost::op");
        loop {
            let result = retry_runtime::__private::attempt_async::<Result<u32, String>, _>(async {
                Ok::<u32, String>($value)
            })
            .await;
            let arg = $value;
            let wait = match engine.after_attempt(
                result,
                &[retry_runtime::__private::Arg {
                    name: "value",
                    value: retry_runtime::__private::render_arg!(arg),
                }],
                None,
            ) {
                retry_runtime::__private::Step::Return(r) => break r,
                retry_runtime::__private::Step::Wait(d) => d,
            };
            engine.sleep(wait).await;
        }
    }};
}

fn on_backoff(_: &Details<'_, String>) {}

/// An error type that can hold the breaker's refusal.
#[derive(Debug, PartialEq)]
struct Refused;

impl From<CircuitOpen> for Refused {
    fn from(_: CircuitOpen) -> Self {
        Refused
    }
}

#[test]
fn success_path_allocates_nothing_and_reads_no_clock_unless_needed() {
    let clock = CountingClock::default();
    let settings = RetrySettings::<String>::builder()
        .max_tries(3)
        .no_max_time()
        .build()
        .unwrap();
    let timed_settings = RetrySettings::<String>::builder().build().unwrap();
    // The three policies, `calls` calls each.
    let run = |calls: u32| {
        for i in 0..calls {
            let default =
                ready(async { expanded_call!(Policy::<u32, String>::new().sleeper(&clock), i) });
            assert_eq!(default, Ok(i));
            let full = ready(async {
                expanded_call!(
                    retry_runtime::__private::policy::<Result<u32, String>>()
                        .max_tries(5)
                        .exception(|e: &String| e.starts_with('5'))
                        .wait_gen(wait::expo().base(3).max_value(30))
                        .jitter(jitter::equal_jitter)
                        .giveup(|e: &String| e == "404")
                        .on_backoff((on_backoff, on_backoff))
                        .sleeper(&clock),
                    i
                )
            });
            assert_eq!(full, Ok(i));
            let from_settings = ready(async {
                expanded_call!(
                    retry_runtime::__private::policy::<Result<u32, String>>()
                        .settings(&settings)
                        .sleeper(&clock),
                    i
                )
            });
            assert_eq!(from_settings, Ok(i));
        }
    };
    // Warm up what is made once per process (tracing's dispatcher and callsites, lazily
    // initialised statics) outside the measured region: the region measures calls only.
    run(1);
    clock.reads.set(0);

    let region = Region::new(GLOBAL);
    run(100);
    let stats = region.change();
    assert_eq!(stats.allocations + stats.reallocations, 0, "{stats:?}");
    // Only the policy with a hook read the clock, once per call.
    assert_eq!(clock.reads.get(), 100);

    // A time limit needs the clock: one read at the start, none on success.
    clock.reads.set(0);
    let limited = ready(async {
        expanded_call!(Policy::<u32, String>::new().max_time(5).sleeper(&clock), 1)
    });
    assert_eq!(limited, Ok(1));
    assert_eq!(clock.reads.get(), 1);
    clock.reads.set(0);
    let timed = ready(async {
        expanded_call!(
            retry_runtime::__private::policy::<Result<u32, String>>()
                .settings(&timed_settings)
                .sleeper(&clock),
            1
        )
    });
    assert_eq!(timed, Ok(1));
    assert_eq!(clock.reads.get(), 1);

    // A circuit breaker and a rate limiter (per target, their partitions made by a first call)
    // cost no allocation.
    let breaker = CircuitBreaker::builder()
        .partition(Partition::PerTarget)
        .build()
        .unwrap();
    let limiter = AdaptiveLimiter::builder()
        .partition(Partition::PerTarget)
        .build()
        .unwrap();
    let guarded = |i: u32| {
        ready(async {
            let mut engine = Policy::<u32, Refused>::new()
                .breaker(&breaker)
                .limiter(&limiter)
                .sleeper(&clock)
                .start("cost::guarded");
            if let retry_runtime::__private::Step::Return(refused) = engine.admit(&[], None) {
                return refused;
            }
            loop {
                let result: Result<u32, Refused> = Ok(i);
                match engine.after_attempt(result, &[], None) {
                    retry_runtime::__private::Step::Return(r) => break r,
                    retry_runtime::__private::Step::Wait(d) => engine.sleep(d).await,
                }
            }
        })
    };
    assert_eq!(guarded(0), Ok(0));
    let region = Region::new(GLOBAL);
    for i in 0..100 {
        assert_eq!(guarded(i), Ok(i));
    }
    let stats = region.change();
    assert_eq!(stats.allocations + stats.reallocations, 0, "{stats:?}");

    // The counter does see allocations.
    let region = Region::new(GLOBAL);
    let boxed = std::hint::black_box(Box::new(1u64));
    assert!(region.change().allocations >= 1);
    drop(boxed);
}
