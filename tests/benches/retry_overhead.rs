//! Success-path cost of `#[retry]`: an annotated fn against the same retry loop written by
//! hand, and against the bare fn. Run with `cargo bench -p retry-tests --bench retry_overhead`.
#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use retry_runtime::retry;

#[derive(Debug)]
pub struct Flaky;

#[inline(never)]
fn work(n: u64) -> Result<u64, Flaky> {
    if n == u64::MAX {
        Err(Flaky)
    } else {
        Ok(n.wrapping_mul(31) ^ 7)
    }
}

#[retry(max_tries = 5, max_time = 30)]
fn annotated(n: u64) -> Result<u64, Flaky> {
    work(n)
}

/// What a careful user would write without the macro: tries and a deadline, exponential
/// waits with full jitter.
fn hand_written(n: u64) -> Result<u64, Flaky> {
    let mut tries = 0u32;
    let mut started: Option<std::time::Instant> = None;
    loop {
        tries += 1;
        match work(n) {
            Ok(value) => return Ok(value),
            Err(error) => {
                let started = *started.get_or_insert_with(std::time::Instant::now);
                if tries >= 5 || started.elapsed() >= Duration::from_secs(30) {
                    return Err(error);
                }
                let wait = Duration::from_secs(1u64 << (tries - 1).min(30));
                std::thread::sleep(wait.mul_f64(0.5));
            }
        }
    }
}

#[retry(max_tries = 5, max_time = 30)]
async fn annotated_async(n: u64) -> Result<u64, Flaky> {
    work(n)
}

async fn hand_written_async(n: u64) -> Result<u64, Flaky> {
    let mut tries = 0u32;
    let mut started: Option<tokio::time::Instant> = None;
    loop {
        tries += 1;
        match async { work(n) }.await {
            Ok(value) => return Ok(value),
            Err(error) => {
                let started = *started.get_or_insert_with(tokio::time::Instant::now);
                if tries >= 5 || started.elapsed() >= Duration::from_secs(30) {
                    return Err(error);
                }
                let wait = Duration::from_secs(1u64 << (tries - 1).min(30));
                tokio::time::sleep(wait.mul_f64(0.5)).await;
            }
        }
    }
}

/// Polls a future that completes without waiting (the success path never sleeps).
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

fn success_path(c: &mut Criterion) {
    let mut group = c.benchmark_group("success_path");
    group.bench_function("bare_fn", |b| b.iter(|| work(black_box(3))));
    group.bench_function("hand_written_loop", |b| {
        b.iter(|| hand_written(black_box(3)))
    });
    group.bench_function("retry_attribute", |b| b.iter(|| annotated(black_box(3))));
    group.bench_function("hand_written_loop_async", |b| {
        b.iter(|| ready(hand_written_async(black_box(3))))
    });
    group.bench_function("retry_attribute_async", |b| {
        b.iter(|| ready(annotated_async(black_box(3))))
    });
    group.finish();
}

criterion_group!(benches, success_path);
criterion_main!(benches);
