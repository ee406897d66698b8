//! The success path's cost: the engine driven exactly as the `#[retry]` expansion drives it,
//! against a hand-written loop with the same limits. Futures are polled once with a no-op
//! waker (they are ready at once), so no executor cost is measured.

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_main};
use retry_runtime::{RetrySettings, jitter, wait};

/// Polls a future that is ready at once.
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => unreachable!("the success path never waits"),
    }
}

/// The operation being retried: succeeds at once.
async fn operation(x: u64) -> Result<u64, String> {
    Ok(black_box(x).wrapping_add(1))
}

/// `#[retry(max_tries = 5)] async fn` as the contract expands it (expo + full jitter).
async fn engine_max_tries(x: u64) -> Result<u64, String> {
    let mut engine = retry_runtime::__private::policy::<Result<u64, String>>()
        .max_tries(5)
        .start(concat!(module_path!(), "::", "engine_max_tries"));
    loop {
        let result = retry_runtime::__private::attempt_async::<Result<u64, String>, _>(async {
            operation(x).await
        })
        .await;
        let wait = match engine.after_attempt(
            result,
            &[retry_runtime::__private::Arg {
                name: "x",
                value: retry_runtime::__private::render_arg!(x),
            }],
            None,
        ) {
            retry_runtime::__private::Step::Return(r) => return r,
            retry_runtime::__private::Step::Wait(d) => d,
        };
        engine.sleep(wait).await;
    }
}

/// `#[retry(max_tries = 5, max_time = 60)] async fn` as the contract expands it.
async fn engine_max_time(x: u64) -> Result<u64, String> {
    let mut engine = retry_runtime::__private::policy::<Result<u64, String>>()
        .max_tries(5)
        .max_time(60)
        .start(concat!(module_path!(), "::", "engine_max_time"));
    loop {
        let result = retry_runtime::__private::attempt_async::<Result<u64, String>, _>(async {
            operation(x).await
        })
        .await;
        let wait = match engine.after_attempt(
            result,
            &[retry_runtime::__private::Arg {
                name: "x",
                value: retry_runtime::__private::render_arg!(x),
            }],
            None,
        ) {
            retry_runtime::__private::Step::Return(r) => return r,
            retry_runtime::__private::Step::Wait(d) => d,
        };
        engine.sleep(wait).await;
    }
}

/// `#[retry(settings = ...)] async fn`: run-time settings (max_tries 5, max_time 60).
async fn engine_settings(x: u64, settings: &RetrySettings<String>) -> Result<u64, String> {
    let mut engine = retry_runtime::__private::policy::<Result<u64, String>>()
        .settings(settings)
        .start(concat!(module_path!(), "::", "engine_settings"));
    loop {
        let result = retry_runtime::__private::attempt_async::<Result<u64, String>, _>(async {
            operation(x).await
        })
        .await;
        let wait = match engine.after_attempt(
            result,
            &[retry_runtime::__private::Arg {
                name: "x",
                value: retry_runtime::__private::render_arg!(x),
            }],
            None,
        ) {
            retry_runtime::__private::Step::Return(r) => return r,
            retry_runtime::__private::Step::Wait(d) => d,
        };
        engine.sleep(wait).await;
    }
}

/// A hand-written loop: at most 5 tries, exponential waits with full jitter.
async fn hand_max_tries(x: u64) -> Result<u64, String> {
    let mut tries = 0u32;
    let mut delay = Duration::from_secs(1);
    loop {
        tries += 1;
        match operation(x).await {
            Ok(v) => return Ok(v),
            Err(e) if tries >= 5 => return Err(e),
            Err(_) => {
                tokio::time::sleep(jitter::full_jitter(delay)).await;
                delay = delay.saturating_mul(2);
            }
        }
    }
}

/// A hand-written loop: at most 5 tries and 60 s, exponential waits with full jitter.
async fn hand_max_time(x: u64) -> Result<u64, String> {
    let start = Instant::now();
    let max_time = Duration::from_secs(60);
    let mut tries = 0u32;
    let mut delay = Duration::from_secs(1);
    loop {
        tries += 1;
        match operation(x).await {
            Ok(v) => return Ok(v),
            Err(e) if tries >= 5 || start.elapsed() >= max_time => return Err(e),
            Err(_) => {
                let left = max_time.saturating_sub(start.elapsed());
                tokio::time::sleep(jitter::full_jitter(delay).min(left)).await;
                delay = delay.saturating_mul(2);
            }
        }
    }
}

/// The blocking twin of `engine_max_tries`.
fn engine_blocking(x: u64) -> Result<u64, String> {
    let mut engine = retry_runtime::__private::policy::<Result<u64, String>>()
        .max_tries(5)
        .wait_gen(wait::expo())
        .start(concat!(module_path!(), "::", "engine_blocking"));
    loop {
        let result = retry_runtime::__private::attempt_sync::<Result<u64, String>, _>(|| {
            Ok(black_box(x).wrapping_add(1))
        });
        let wait = match engine.after_attempt(
            result,
            &[retry_runtime::__private::Arg {
                name: "x",
                value: retry_runtime::__private::render_arg!(x),
            }],
            None,
        ) {
            retry_runtime::__private::Step::Return(r) => return r,
            retry_runtime::__private::Step::Wait(d) => d,
        };
        engine.sleep_blocking(wait);
    }
}

/// The blocking hand-written loop.
fn hand_blocking(x: u64) -> Result<u64, String> {
    let mut tries = 0u32;
    let mut delay = Duration::from_secs(1);
    loop {
        tries += 1;
        match Ok::<u64, String>(black_box(x).wrapping_add(1)) {
            Ok(v) => return Ok(v),
            Err(e) if tries >= 5 => return Err(e),
            Err(_) => {
                std::thread::sleep(jitter::full_jitter(delay));
                delay = delay.saturating_mul(2);
            }
        }
    }
}

fn success_path(c: &mut Criterion) {
    let settings = RetrySettings::<String>::builder()
        .max_tries(5)
        .max_time(60)
        .build()
        .expect("valid settings");
    let mut group = c.benchmark_group("success_path");
    group.bench_function("engine/max_tries", |b| {
        b.iter(|| ready(engine_max_tries(black_box(7))))
    });
    group.bench_function("hand_loop/max_tries", |b| {
        b.iter(|| ready(hand_max_tries(black_box(7))))
    });
    group.bench_function("engine/max_tries+max_time", |b| {
        b.iter(|| ready(engine_max_time(black_box(7))))
    });
    group.bench_function("hand_loop/max_tries+max_time", |b| {
        b.iter(|| ready(hand_max_time(black_box(7))))
    });
    group.bench_function("engine/settings(max_tries+max_time)", |b| {
        b.iter(|| ready(engine_settings(black_box(7), &settings)))
    });
    group.bench_function("engine/blocking", |b| {
        b.iter(|| engine_blocking(black_box(7)))
    });
    group.bench_function("hand_loop/blocking", |b| {
        b.iter(|| hand_blocking(black_box(7)))
    });
    group.finish();
}

/// `criterion_group!` generates an undocumented `pub fn`; keep the lint quiet for it alone.
mod group {
    #![allow(missing_docs)]
    criterion::criterion_group!(benches, super::success_path);
}
criterion_main!(group::benches);
