//! The circuit breaker's state machine under every interleaving loom explores (`bash
//! bench/loom.sh`; built only with `--cfg loom`): concurrent failures open it exactly once,
//! a half-open breaker admits exactly its probes, and a probe's answer racing a refusal
//! leaves it closed or open, never stuck.
#![cfg(loom)]

use std::time::{Duration, Instant};

use loom::thread;
use retry_runtime::{BreakerState, CircuitBreaker};

fn breaker(window: u32, probes: u32) -> CircuitBreaker {
    CircuitBreaker::builder()
        .window_calls(window)
        .minimum_calls(window)
        .failure_rate(1.0)
        .open_for(Duration::from_secs(1))
        .probes(probes)
        .build()
        .unwrap()
}

#[test]
fn concurrent_failures_open_it_exactly_once() {
    loom::model(|| {
        let breaker = breaker(2, 1);
        let now = Instant::now();
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let breaker = breaker.clone();
                thread::spawn(move || breaker.record_failure("t", now, None))
            })
            .collect();
        for thread in threads {
            thread.join().unwrap();
        }
        assert_eq!(breaker.times_opened(), 1);
        assert_eq!(breaker.state("t"), BreakerState::Open);
    });
}

#[test]
fn half_open_admits_exactly_its_probes() {
    loom::model(|| {
        let breaker = breaker(1, 1);
        let t0 = Instant::now();
        breaker.record_failure("t", t0, None);
        let later = t0 + Duration::from_secs(1);
        let threads: Vec<_> = (0..2)
            .map(|_| {
                let breaker = breaker.clone();
                thread::spawn(move || breaker.try_acquire("t", later).is_ok())
            })
            .collect();
        let admitted = threads
            .into_iter()
            .map(|t| t.join().unwrap())
            .filter(|ok| *ok)
            .count();
        assert_eq!(admitted, 1);
        assert_eq!(breaker.attempts_refused(), 1);
    });
}

#[test]
fn a_probe_answer_racing_a_refusal_closes_it() {
    loom::model(|| {
        let breaker = breaker(1, 1);
        let t0 = Instant::now();
        breaker.record_failure("t", t0, None);
        let later = t0 + Duration::from_secs(1);
        breaker.try_acquire("t", later).unwrap();
        let answering = {
            let breaker = breaker.clone();
            thread::spawn(move || breaker.record_success("t", later))
        };
        let asking = {
            let breaker = breaker.clone();
            thread::spawn(move || breaker.try_acquire("t", later).is_ok())
        };
        answering.join().unwrap();
        let admitted = asking.join().unwrap();
        assert_eq!(breaker.state("t"), BreakerState::Closed);
        // Admitted only if the answer came first.
        assert_eq!(admitted, breaker.attempts_refused() == 0);
    });
}
