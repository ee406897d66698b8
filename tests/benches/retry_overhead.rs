//! Success-path cost of `#[retry]`: an annotated fn against the same retry loop written by
//! hand (and against the bare fn). Run with
//! `cargo bench -p retry-tests --bench retry_overhead`.
//!
//! Two policies are compared, each with its hand-written twin:
//! - `tries`: `max_tries = 5` (no clock is needed on the success path);
//! - `tries_time`: `max_tries = 5, max_time = 30`; elapsed time counts from the start of the
//!   call (as Python's `backoff` does), so both versions read the clock once per call.
#![allow(missing_docs)]

use std::future::Future;
use std::hint::black_box;
use std::pin::pin;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

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

/// Exponential wait with full jitter, as the attribute's defaults.
fn backoff_wait(tries: u32) -> Duration {
    Duration::from_secs(1u64 << (tries - 1).min(30)).mul_f64(0.5)
}

#[retry(max_tries = 5)]
fn annotated_tries(n: u64) -> Result<u64, Flaky> {
    work(n)
}

fn hand_written_tries(n: u64) -> Result<u64, Flaky> {
    let mut tries = 0u32;
    loop {
        tries += 1;
        match work(n) {
            Ok(value) => return Ok(value),
            Err(error) if tries >= 5 => return Err(error),
            Err(_) => std::thread::sleep(backoff_wait(tries)),
        }
    }
}

#[retry(max_tries = 5, max_time = 30)]
fn annotated_tries_time(n: u64) -> Result<u64, Flaky> {
    work(n)
}

fn hand_written_tries_time(n: u64) -> Result<u64, Flaky> {
    let started = Instant::now();
    let mut tries = 0u32;
    loop {
        tries += 1;
        match work(n) {
            Ok(value) => return Ok(value),
            Err(error) if tries >= 5 || started.elapsed() >= Duration::from_secs(30) => {
                return Err(error);
            }
            Err(_) => std::thread::sleep(backoff_wait(tries)),
        }
    }
}

#[retry(max_tries = 5)]
async fn annotated_tries_async(n: u64) -> Result<u64, Flaky> {
    work(n)
}

async fn hand_written_tries_async(n: u64) -> Result<u64, Flaky> {
    let mut tries = 0u32;
    loop {
        tries += 1;
        match async { work(n) }.await {
            Ok(value) => return Ok(value),
            Err(error) if tries >= 5 => return Err(error),
            Err(_) => tokio::time::sleep(backoff_wait(tries)).await,
        }
    }
}

#[retry(max_tries = 5, max_time = 30)]
async fn annotated_tries_time_async(n: u64) -> Result<u64, Flaky> {
    work(n)
}

async fn hand_written_tries_time_async(n: u64) -> Result<u64, Flaky> {
    // tokio's clock, as the default async sleeper uses (so paused-clock tests are exact).
    let started = tokio::time::Instant::now();
    let mut tries = 0u32;
    loop {
        tries += 1;
        match async { work(n) }.await {
            Ok(value) => return Ok(value),
            Err(error) if tries >= 5 || started.elapsed() >= Duration::from_secs(30) => {
                return Err(error);
            }
            Err(_) => tokio::time::sleep(backoff_wait(tries)).await,
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
    group.bench_function("tries/hand_written", |b| {
        b.iter(|| hand_written_tries(black_box(3)))
    });
    group.bench_function("tries/attribute", |b| {
        b.iter(|| annotated_tries(black_box(3)))
    });
    group.bench_function("tries_time/hand_written", |b| {
        b.iter(|| hand_written_tries_time(black_box(3)))
    });
    group.bench_function("tries_time/attribute", |b| {
        b.iter(|| annotated_tries_time(black_box(3)))
    });
    group.bench_function("async_tries/hand_written", |b| {
        b.iter(|| ready(hand_written_tries_async(black_box(3))))
    });
    group.bench_function("async_tries/attribute", |b| {
        b.iter(|| ready(annotated_tries_async(black_box(3))))
    });
    group.bench_function("async_tries_time/hand_written", |b| {
        b.iter(|| ready(hand_written_tries_time_async(black_box(3))))
    });
    group.bench_function("async_tries_time/attribute", |b| {
        b.iter(|| ready(annotated_tries_time_async(black_box(3))))
    });
    group.finish();
}

criterion_group!(benches, success_path);
criterion_main!(benches);
