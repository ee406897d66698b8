//! Model-checks the latency tracker's atomics under every interleaving loom explores
//! (`bash bench/loom.sh`): concurrent records are all counted, a rotation racing records never
//! creates a latency nor loses one recorded before it, and the hedge account never allows more
//! than the cap and conserves its tokens.
#![cfg(loom)]

use std::time::{Duration, Instant};

use loom::thread;
use retry_runtime::latency::LatencyTracker;

fn tracker(t0: Instant) -> LatencyTracker {
    LatencyTracker::builder()
        .origin(t0)
        .min_samples(1)
        .window(Duration::from_secs(10))
        .max_extra_load(0.5)
        .hedge_reserve(1)
        .build()
        .unwrap()
}

#[test]
fn concurrent_records_are_all_counted() {
    loom::model(|| {
        let t0 = Instant::now();
        let t = tracker(t0);
        let other = {
            let t = t.clone();
            thread::spawn(move || t.record(Duration::from_micros(3), t0))
        };
        t.record(Duration::from_micros(5), t0);
        let read = t.percentile(0.5, t0);
        assert!(read.is_some());
        other.join().unwrap();
        assert_eq!(t.samples(t0), 2);
        assert_eq!(t.percentile(0.5, t0), Some(Duration::from_micros(3)));
        assert_eq!(t.percentile(0.99, t0), Some(Duration::from_micros(5)));
    });
}

#[test]
fn a_rotation_racing_records_creates_nothing_and_keeps_the_previous_window() {
    loom::model(|| {
        let t0 = Instant::now();
        let next = t0 + Duration::from_secs(10);
        let t = tracker(t0);
        t.record(Duration::from_micros(1), t0); // window 0
        let rotating = {
            let t = t.clone();
            thread::spawn(move || t.record(Duration::from_micros(2), next))
        };
        let late = {
            let t = t.clone();
            thread::spawn(move || t.record(Duration::from_micros(3), t0))
        };
        t.record(Duration::from_micros(4), next);
        rotating.join().unwrap();
        late.join().unwrap();
        // Window 1 reads windows 0 and 1: the latency of window 0 recorded before the
        // rotation is kept; a record racing the emptying may be lost, none is created.
        let n = t.samples(next);
        assert!((2..=4).contains(&n), "{n} samples");
        // Two windows on, everything is forgotten.
        assert_eq!(t.samples(next + Duration::from_secs(20)), 0);
    });
}

#[test]
fn the_hedge_account_never_exceeds_the_cap() {
    loom::model(|| {
        let t = tracker(Instant::now());
        let callers: Vec<_> = (0..2)
            .map(|_| {
                let t = t.clone();
                thread::spawn(move || {
                    t.on_call();
                    t.try_hedge()
                })
            })
            .collect();
        let mine = t.try_hedge();
        let allowed = callers
            .into_iter()
            .map(|c| c.join().unwrap())
            .chain([mine])
            .filter(|a| *a)
            .count() as u64;
        // Reserve 1 + floor(2 calls * 0.5) = 2 at most.
        assert!(allowed <= 2);
        assert_eq!(t.hedges_allowed(), allowed);
        assert_eq!(t.hedges_allowed() + t.hedges_refused(), 3);
        // Conservation: spent + left = reserve + earned - what the cap turned away.
        let left = t.hedge_balance();
        assert!(left <= 1.0);
        assert!(allowed as f64 + left <= 2.0);
        // At least the reserve was usable.
        assert!(allowed >= 1);
    });
}
