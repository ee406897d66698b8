//! The dashboards' view (`retry-runtime`'s `metrics` feature): the breaker's state and
//! transitions, the limiter's rate and throttles, hedges started and won, and the budget's
//! balance, read through a recorder installed for the test.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use metrics::{
    Counter, CounterFn, Gauge, GaugeFn, Histogram, Key, KeyName, Metadata, Recorder, SharedString,
    Unit,
};
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::partition::Partition;
use retry_runtime::{CircuitBreaker, CircuitOpen, Policy, RetryBudget, retry_async, wait};

/// One value per metric name and labels, as `name{k=v,..}`.
#[derive(Default, Clone)]
struct Values(Arc<Mutex<BTreeMap<String, Arc<AtomicU64>>>>);

struct Cell(Arc<AtomicU64>);

impl CounterFn for Cell {
    fn increment(&self, value: u64) {
        self.0.fetch_add(value, Ordering::Relaxed);
    }
    fn absolute(&self, value: u64) {
        self.0.store(value, Ordering::Relaxed);
    }
}

impl GaugeFn for Cell {
    fn increment(&self, value: f64) {
        self.set(f64::from_bits(self.0.load(Ordering::Relaxed)) + value);
    }
    fn decrement(&self, value: f64) {
        self.set(f64::from_bits(self.0.load(Ordering::Relaxed)) - value);
    }
    fn set(&self, value: f64) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }
}

impl Values {
    fn cell(&self, key: &Key) -> Arc<AtomicU64> {
        let labels: Vec<String> = key
            .labels()
            .map(|l| format!("{}={}", l.key(), l.value()))
            .collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        self.0.lock().unwrap().entry(name).or_default().clone()
    }
    fn counter(&self, name: &str) -> u64 {
        self.0
            .lock()
            .unwrap()
            .get(name)
            .map_or(0, |v| v.load(Ordering::Relaxed))
    }
    fn gauge(&self, name: &str) -> Option<f64> {
        let values = self.0.lock().unwrap();
        values
            .get(name)
            .map(|v| f64::from_bits(v.load(Ordering::Relaxed)))
    }
}

impl Recorder for Values {
    fn describe_counter(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_gauge(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn describe_histogram(&self, _: KeyName, _: Option<Unit>, _: SharedString) {}
    fn register_counter(&self, key: &Key, _: &Metadata<'_>) -> Counter {
        Counter::from_arc(Arc::new(Cell(self.cell(key))))
    }
    fn register_gauge(&self, key: &Key, _: &Metadata<'_>) -> Gauge {
        Gauge::from_arc(Arc::new(Cell(self.cell(key))))
    }
    fn register_histogram(&self, _: &Key, _: &Metadata<'_>) -> Histogram {
        Histogram::noop()
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Error {
    Busy,
    Open,
}

impl From<CircuitOpen> for Error {
    fn from(_: CircuitOpen) -> Self {
        Error::Open
    }
}

#[test]
fn breaker_limiter_hedges_and_budget_report_their_figures() {
    let values = Values::default();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap();
    metrics::with_local_recorder(&values, || {
        runtime.block_on(async {
            let breaker = CircuitBreaker::builder()
                .window_calls(2)
                .minimum_calls(2)
                .build()
                .unwrap();
            let limiter = AdaptiveLimiter::builder().build().unwrap();
            let budget = RetryBudget::builder()
                .ratio(0.0)
                .initial(3)
                .build()
                .unwrap();
            let policy = || {
                Policy::new()
                    .max_tries(5)
                    .wait_gen(wait::constant().interval(0))
                    .wait_floor(|_: &Error| Some(Duration::ZERO))
                    .breaker(&breaker)
                    .limiter(&limiter)
                    .budget(&budget)
            };
            // Two throttles open the breaker (window 2) and switch the limiter on.
            let result: Result<(), Error> =
                retry_async(policy(), || async { Err(Error::Busy) }).await;
            assert_eq!(result, Err(Error::Busy));
            let refused: Result<(), Error> = retry_async(policy(), || async { Ok(()) }).await;
            assert_eq!(refused, Err(Error::Open));

            // A hedged call whose hedge wins.
            let mut calls = 0;
            let hedged: Result<u32, Error> = retry_async(
                Policy::new()
                    .max_tries(2)
                    .hedge_delay(Duration::from_millis(10)),
                || {
                    calls += 1;
                    let ms = if calls == 1 { 1_000 } else { 1 };
                    async move {
                        tokio::time::sleep(Duration::from_millis(ms)).await;
                        Ok(ms as u32)
                    }
                },
            )
            .await;
            assert_eq!(hedged, Ok(1));

            // A limiter with one state per retried fn labels its figures with the fn.
            let per_fn = AdaptiveLimiter::builder()
                .partition(Partition::PerTarget)
                .build()
                .unwrap();
            let throttled: Result<(), Error> = retry_async(
                Policy::new()
                    .max_tries(2)
                    .wait_gen(wait::constant().interval(0))
                    .wait_floor(|_: &Error| Some(Duration::ZERO))
                    .limiter(&per_fn),
                || async { Err(Error::Busy) },
            )
            .await;
            assert_eq!(throttled, Err(Error::Busy));
        });
    });
    let target = "metrics::breaker_limiter_hedges_and_budget_report_their_figures";
    assert_eq!(
        values.counter(&format!(
            "retry_limiter_throttles_total{{partition={target}}}"
        )),
        2
    );
    assert!(
        values
            .gauge(&format!("retry_limiter_rate{{partition={target}}}"))
            .is_some_and(|rate| rate > 0.0)
    );
    assert_eq!(
        values.gauge("retry_breaker_state{partition=(shared)}"),
        Some(2.0)
    );
    assert_eq!(
        values.counter("retry_breaker_transitions_total{partition=(shared),to=open}"),
        1
    );
    assert_eq!(
        values.counter("retry_limiter_throttles_total{partition=(shared)}"),
        2
    );
    assert!(
        values
            .gauge("retry_limiter_rate{partition=(shared)}")
            .unwrap()
            > 0.0
    );
    // One retry was allowed (the second failure opened the breaker before the next).
    assert_eq!(values.gauge("retry_budget_tokens{}"), Some(2.0));
    assert_eq!(values.counter("retry_budget_refused_total{}"), 0);
    assert_eq!(
        values.counter(&format!("retry_hedges_started_total{{target={target}}}")),
        1
    );
    assert_eq!(
        values.counter(&format!("retry_hedges_won_total{{target={target}}}")),
        1
    );
}
