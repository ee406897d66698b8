//! The latency tracker with exact, synthetic instants: percentiles within one bucket of the
//! exact ones, no percentile before `min_samples`, the window rotation forgets old latencies,
//! the extra-load cap allows exactly `floor(calls * load) + reserve` hedges, concurrent use
//! loses nothing, and the builder reports every broken rule.

use std::time::{Duration, Instant};

use retry_runtime::latency::{AutoHedge, LatencyTracker};

fn tracker(t0: Instant) -> LatencyTracker {
    LatencyTracker::builder()
        .origin(t0)
        .min_samples(1)
        .build()
        .unwrap()
}

#[test]
fn percentiles_are_within_one_bucket_above_the_exact_ones() {
    let t0 = Instant::now();
    let t = tracker(t0);
    // 1 us to 100 ms, one latency per microsecond... every 7th, to keep it quick.
    let latencies: Vec<u64> = (1..=100_000).step_by(7).collect();
    for &us in &latencies {
        t.record(Duration::from_micros(us), t0);
    }
    assert_eq!(t.samples(t0), latencies.len() as u64);
    for q in [0.001, 0.01, 0.1, 0.5, 0.9, 0.95, 0.99, 0.999] {
        let rank = (q * latencies.len() as f64).ceil() as usize;
        let exact = latencies[rank - 1];
        let got = t.percentile(q, t0).unwrap().as_micros() as u64;
        // Never below, and less than one bucket (1/8 of its lower edge) above.
        assert!(
            exact <= got && got < exact + exact / 8 + 1,
            "q {q}: {got} vs {exact}"
        );
    }
    // Below 8 us the buckets are exact.
    let small = tracker(t0);
    for us in [1, 2, 3, 7] {
        small.record(Duration::from_micros(us), t0);
    }
    assert_eq!(small.percentile(0.5, t0), Some(Duration::from_micros(2)));
    assert_eq!(small.percentile(0.99, t0), Some(Duration::from_micros(7)));
}

#[test]
fn the_hedge_delay_of_a_bimodal_service() {
    let t0 = Instant::now();
    let t = LatencyTracker::builder()
        .origin(t0)
        .percentile(0.9)
        .build()
        .unwrap();
    // 5% of answers held 200 ms, the others 5 ms: the delay is the fast mode's bucket edge.
    for i in 0..1000 {
        let ms = if i % 20 == 0 { 200 } else { 5 };
        t.record(Duration::from_millis(ms), t0);
    }
    assert_eq!(t.delay(t0), Some(Duration::from_micros(5119)));
    assert_eq!(t.percentile(0.99, t0), Some(Duration::from_micros(212_991)));
    assert_eq!(t.configured_percentile(), 0.9);
}

#[test]
fn no_percentile_before_min_samples() {
    let t0 = Instant::now();
    let t = LatencyTracker::builder()
        .origin(t0)
        .min_samples(3)
        .build()
        .unwrap();
    assert_eq!(t.delay(t0), None);
    t.record(Duration::from_millis(1), t0);
    t.record(Duration::from_millis(1), t0);
    assert_eq!(t.delay(t0), None);
    t.record(Duration::from_millis(1), t0);
    assert_eq!(t.delay(t0), Some(Duration::from_micros(1023)));
}

#[test]
fn the_window_rotation_forgets_old_latencies() {
    let t0 = Instant::now();
    let at = |s: u64| t0 + Duration::from_secs(s);
    let t = tracker(t0); // 10 s windows
    for _ in 0..100 {
        t.record(Duration::from_millis(5), at(9));
    }
    // Window 1: the latencies of window 0 are still read.
    for _ in 0..100 {
        t.record(Duration::from_millis(50), at(10));
    }
    assert_eq!(t.samples(at(19)), 200);
    assert_eq!(t.percentile(0.5, at(19)), Some(Duration::from_micros(5119)));
    assert_eq!(
        t.percentile(0.51, at(19)),
        Some(Duration::from_micros(53_247))
    );
    // Window 2: window 0 is forgotten, window 1 is not.
    assert_eq!(t.samples(at(20)), 100);
    assert_eq!(
        t.percentile(0.01, at(29)),
        Some(Duration::from_micros(53_247))
    );
    // A late reader with an instant of an older window changes nothing.
    assert_eq!(t.samples(at(5)), 100);
    // Two windows without latencies: nothing is left.
    assert_eq!(t.samples(at(40)), 0);
    assert_eq!(t.percentile(0.5, at(40)), None);
    // A jump of many windows at once empties both histograms too.
    t.record(Duration::from_millis(1), at(41));
    assert_eq!(t.samples(at(1000)), 0);
}

#[test]
fn the_cap_allows_exactly_floor_calls_times_load_plus_reserve_hedges() {
    for (load, reserve, calls) in [
        (0.05, 3u32, 1000u64),
        (0.1, 1, 95),
        (0.0, 2, 100),
        (1.0, 1, 10),
    ] {
        let t = LatencyTracker::builder()
            .max_extra_load(load)
            .hedge_reserve(reserve)
            .build()
            .unwrap();
        // Every call asks for a hedge (every answer slow); the reserve goes first.
        let mut allowed = 0u64;
        for _ in 0..reserve {
            allowed += u64::from(t.try_hedge());
        }
        for _ in 0..calls {
            t.on_call();
            allowed += u64::from(t.try_hedge());
        }
        let expected = (calls as f64 * load).floor() as u64 + u64::from(reserve);
        assert_eq!(
            allowed, expected,
            "load {load} reserve {reserve} calls {calls}"
        );
        assert_eq!(t.hedges_allowed(), expected);
        assert_eq!(t.hedges_refused(), u64::from(reserve) + calls - expected);
    }
    // Calls without hedges bank at most the reserve.
    let t = LatencyTracker::builder().hedge_reserve(2).build().unwrap();
    for _ in 0..1000 {
        t.on_call();
    }
    assert_eq!(t.hedge_balance(), 2.0);
    assert!(t.try_hedge() && t.try_hedge() && !t.try_hedge());
}

#[test]
fn concurrent_use_loses_nothing() {
    let t0 = Instant::now();
    let t = LatencyTracker::builder()
        .origin(t0)
        .max_extra_load(0.25)
        .hedge_reserve(4)
        .build()
        .unwrap();
    let (threads, each) = (4u64, 10_000u64);
    std::thread::scope(|s| {
        for n in 0..threads {
            let t = t.clone();
            s.spawn(move || {
                for i in 0..each {
                    t.record(Duration::from_micros(n * 1000 + i % 100), t0);
                    t.on_call();
                    t.try_hedge();
                }
            });
        }
    });
    assert_eq!(t.samples(t0), threads * each);
    let calls = threads * each;
    assert!(t.hedges_allowed() <= 4 + calls / 4);
    assert_eq!(t.hedges_allowed() + t.hedges_refused(), calls);
    // The account balances: what was spent plus what is left is what was earned, less what
    // the cap turned away.
    assert!(t.hedges_allowed() as f64 + t.hedge_balance() <= 4.0 + calls as f64 * 0.25);
}

#[test]
fn extreme_latencies_count_in_the_end_buckets() {
    let t0 = Instant::now();
    let t = tracker(t0);
    t.record(Duration::ZERO, t0);
    assert_eq!(t.percentile(0.5, t0), Some(Duration::ZERO));
    t.record(Duration::MAX, t0);
    t.record(Duration::from_secs(3600), t0);
    // Past 2^26 us (67 s) everything is in the last bucket.
    assert_eq!(
        t.percentile(0.99, t0),
        Some(Duration::from_micros((1 << 26) - 1))
    );
}

#[test]
fn clones_share_the_state() {
    fn send_sync<T: Send + Sync + Clone + std::fmt::Debug>() {}
    send_sync::<LatencyTracker>();
    let t = LatencyTracker::default();
    let c = t.clone();
    assert!(t.shares_state_with(&c));
    assert!(!t.shares_state_with(&LatencyTracker::default()));
    assert!(c.try_hedge());
    assert_eq!(t.hedges_allowed(), 1);
    assert_eq!(
        format!("{t:?}"),
        "LatencyTracker { percentile: 0.95, min_samples: 20, window: 10s, max_extra_load: 0.05, \
         hedge_reserve: 5, hedge_balance: 4.0, hedges_allowed: 1, hedges_refused: 0 }"
    );
}

#[test]
fn the_builder_reports_every_broken_rule() {
    let err = LatencyTracker::builder()
        .percentile(f64::NAN)
        .min_samples(0)
        .window(Duration::from_secs(86_401))
        .max_extra_load(1.5)
        .hedge_reserve(0)
        .build()
        .unwrap_err();
    let fields: Vec<_> = err.violations().iter().map(|v| v.field).collect();
    assert_eq!(
        fields,
        [
            "percentile",
            "min_samples",
            "window",
            "max_extra_load",
            "hedge_reserve"
        ]
    );
    assert!(
        LatencyTracker::builder()
            .percentile(0.999)
            .max_extra_load(0.0)
            .hedge_reserve(1_000_000)
            .window(Duration::from_millis(1))
            .build()
            .is_ok()
    );
    // The percentile's open ends, and each side of them, refused one at a time.
    for q in [0.0, -0.5, 1.0, 1.5, f64::INFINITY] {
        let err = LatencyTracker::builder().percentile(q).build().unwrap_err();
        let fields: Vec<_> = err.violations().iter().map(|v| v.field).collect();
        assert_eq!(fields, ["percentile"], "{q}");
    }
}

#[test]
fn auto_hedge_gives_each_fn_its_tracker_and_clones_share_them() {
    let t0 = Instant::now();
    let per_fn = AutoHedge::default();
    let a = per_fn.tracker("a");
    assert!(a.shares_state_with(&per_fn.tracker("a")));
    assert!(!a.shares_state_with(&per_fn.tracker("b")));
    a.record(Duration::from_millis(5), t0);
    assert_eq!(per_fn.tracker("a").samples(t0), 1);
    assert_eq!(per_fn.tracker("b").samples(t0), 0);
    // A clone, or one made from a reference, is the same; another default is not.
    assert!(AutoHedge::from(&per_fn).shares_state_with(&per_fn));
    assert!(per_fn.clone().shares_state_with(&per_fn));
    assert!(!per_fn.shares_state_with(&AutoHedge::default()));
    // From a tracker: that one tracker, for every fn.
    let tracker = LatencyTracker::builder().percentile(0.9).build().unwrap();
    let shared = AutoHedge::from(tracker.clone());
    assert!(shared.tracker("a").shares_state_with(&tracker));
    assert!(shared.tracker("b").shares_state_with(&tracker));
    let debug = format!("{per_fn:?}");
    assert!(debug.starts_with("AutoHedge { tracker: "), "{debug}");
    assert!(debug.ends_with("partitioned: true }"), "{debug}");
    assert!(format!("{shared:?}").ends_with("partitioned: false }"));
}
