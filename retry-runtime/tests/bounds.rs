//! Properties for random parameters: every jittered wait lies within its documented bounds,
//! generators saturate (never panic, never exceed `MAX_WAIT`, never NaN), and a call never
//! outlives its `max_time`.

use std::time::Duration;

use proptest::prelude::*;
use retry_runtime::jitter::{self, Jitter};
use retry_runtime::wait::{self, Last, MAX_WAIT, WaitGen, saturating_secs};
use retry_runtime::{Policy, retry_async};

/// Any wait from zero to `MAX_WAIT`, biased towards the edges.
fn any_wait() -> impl Strategy<Value = Duration> {
    prop_oneof![
        Just(Duration::ZERO),
        Just(MAX_WAIT),
        (0u64..=60, 0u32..1_000_000_000).prop_map(|(s, n)| Duration::new(s, n)),
        (0u64..=MAX_WAIT.as_secs(), 0u32..1_000_000_000)
            .prop_map(|(s, n)| Duration::new(s, n).min(MAX_WAIT)),
    ]
}

/// Any float, including the awkward ones.
fn any_number() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(f64::NAN),
        Just(f64::INFINITY),
        Just(f64::NEG_INFINITY),
        Just(0.0),
        Just(-0.0),
        Just(f64::MAX),
        Just(f64::MIN_POSITIVE),
        -1e3f64..1e3,
        any::<f64>(),
    ]
}

/// A current-thread runtime on tokio's paused clock, for a whole call's waits in no real time.
fn paused_runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .unwrap()
}

fn next<W: WaitGen<()>>(waits: &mut W) -> Option<Duration> {
    waits.next_wait(Last::Value(&()))
}

proptest! {
    #[test]
    fn full_jitter_is_within_zero_and_the_wait(seed: u64, wait in any_wait()) {
        jitter::seed(seed);
        let j = jitter::full_jitter(wait);
        prop_assert!(j <= wait, "{j:?} > {wait:?}");
    }

    #[test]
    fn equal_jitter_is_within_half_and_the_wait(seed: u64, wait in any_wait()) {
        jitter::seed(seed);
        let j = jitter::equal_jitter(wait);
        prop_assert!(j >= wait / 2 && j <= wait, "{j:?} for {wait:?}");
    }

    #[test]
    fn random_jitter_adds_less_than_a_second(seed: u64, wait in any_wait()) {
        jitter::seed(seed);
        let j = jitter::random_jitter(wait);
        prop_assert!(j >= wait, "{j:?} < {wait:?}");
        prop_assert!(j < wait + Duration::from_secs(1), "{j:?} for {wait:?}");
        prop_assert!(j <= MAX_WAIT, "{j:?}");
    }

    #[test]
    fn decorrelated_jitter_stays_between_base_three_times_previous_and_cap(
        seed: u64,
        base_ms in 0u64..10_000,
        caps in prop::collection::vec(any_wait(), 1..20),
    ) {
        jitter::seed(seed);
        let base = Duration::from_millis(base_ms);
        let mut j = jitter::decorrelated_jitter(base);
        let mut previous = base;
        for cap in caps {
            let w = j.jitter(cap);
            prop_assert!(w <= cap, "{w:?} > cap {cap:?}");
            prop_assert!(w >= base.min(cap), "{w:?} < base {base:?}");
            prop_assert!(w <= (previous * 3).max(base), "{w:?} > 3 x {previous:?}");
            previous = w;
        }
    }

    #[test]
    fn same_seed_same_jitter(seed: u64, waits in prop::collection::vec(any_wait(), 1..10)) {
        jitter::seed(seed);
        let first: Vec<_> = waits.iter().map(|w| jitter::full_jitter(*w)).collect();
        jitter::seed(seed);
        let second: Vec<_> = waits.iter().map(|w| jitter::full_jitter(*w)).collect();
        prop_assert_eq!(first, second);
    }

    #[test]
    fn generators_saturate(
        base in any_number(),
        factor in any_number(),
        limit in any_number(),
        steps in 1usize..200,
    ) {
        let mut gens: Vec<Box<dyn WaitGen<()>>> = vec![
            Box::new(wait::expo().base(base).factor(factor)),
            Box::new(wait::expo().base(base).factor(factor).max_value(limit)),
            Box::new(wait::fibo().max_value(limit)),
            Box::new(wait::decay().initial_value(base).decay_factor(factor)),
            Box::new(wait::decay().initial_value(base).decay_factor(factor).min_value(limit)),
            Box::new(wait::constant().interval(base)),
            Box::new(wait::from_iter([base, factor, limit])),
        ];
        for waits in &mut gens {
            for _ in 0..steps {
                match waits.next_wait(Last::Value(&())) {
                    Some(w) => prop_assert!(w <= MAX_WAIT),
                    None => break,
                }
            }
        }
        let secs = saturating_secs(base);
        prop_assert!(secs <= MAX_WAIT);
    }

    #[test]
    fn expo_is_capped_by_max_value(limit in 0.0f64..1e6, steps in 1usize..100) {
        let mut waits = wait::expo().max_value(limit);
        let cap = saturating_secs(limit);
        let mut previous = Duration::ZERO;
        for _ in 0..steps {
            let w = next(&mut waits).unwrap();
            prop_assert!(w <= cap && w >= previous);
            previous = w;
        }
    }

    #[test]
    fn a_call_never_outlives_max_time(seed: u64, max_time_ms in 0u64..100_000, base in 1.0f64..4.0) {
        let runtime = paused_runtime();
        let elapsed = runtime.block_on(async {
            jitter::seed(seed);
            let start = tokio::time::Instant::now();
            // max_tries only bounds a broken jitter whose waits never advance the clock: the
            // test then fails on its other checks instead of hanging.
            let policy = Policy::<(), ()>::new()
                .max_time(Duration::from_millis(max_time_ms))
                .max_tries(1_000)
                .wait_gen(wait::expo().base(base))
                .logger(false);
            let _ = retry_async(policy, || async { Err::<(), ()>(()) }).await;
            start.elapsed()
        });
        prop_assert!(elapsed <= Duration::from_millis(max_time_ms), "{elapsed:?}");
    }
}

#[test]
fn extreme_generator_steps_do_not_panic() {
    let mut expo = wait::expo();
    let mut fibo = wait::fibo();
    let mut decay = wait::decay().decay_factor(-1);
    for _ in 0..5000 {
        next(&mut expo);
        next(&mut fibo);
        next(&mut decay);
    }
    assert_eq!(next(&mut expo), Some(MAX_WAIT));
    assert_eq!(next(&mut fibo), Some(MAX_WAIT));
    assert_eq!(next(&mut decay), Some(MAX_WAIT));
    assert_eq!(jitter::random_jitter(MAX_WAIT), MAX_WAIT);
    assert_eq!(jitter::full_jitter(Duration::ZERO), Duration::ZERO);
    let mut dj = jitter::decorrelated_jitter(f64::INFINITY);
    assert!(dj.jitter(MAX_WAIT) <= MAX_WAIT);
}

/// `samples` draws of `draw` after seeding with `seed`, in seconds.
fn draws(seed: u64, samples: usize, mut draw: impl FnMut() -> Duration) -> Vec<f64> {
    jitter::seed(seed);
    (0..samples).map(|_| draw().as_secs_f64()).collect()
}

fn mean(values: &[f64]) -> f64 {
    values.iter().sum::<f64>() / values.len() as f64
}

/// The share of `values` in `[low, high)`.
fn share_in(values: &[f64], low: f64, high: f64) -> f64 {
    values.iter().filter(|v| (low..high).contains(*v)).count() as f64 / values.len() as f64
}

// Each jitter spreads over its whole range, not only stays in it: a jitter stuck at one end,
// or drawing from a skewed source, passes the bounds above and fails here.

// The spreads are deterministic (seeded); their bounds are wide enough for any seed and
// narrow enough to fail a jitter whose arithmetic or random source changed.

#[test]
fn full_jitter_spreads_over_zero_to_the_wait() {
    let values = draws(1, 10_000, || jitter::full_jitter(Duration::from_secs(10)));
    assert!((mean(&values) - 5.0).abs() < 0.2, "mean {}", mean(&values));
    for quarter in 0..4 {
        let low = f64::from(quarter) * 2.5;
        let share = share_in(&values, low, low + 2.5);
        assert!((share - 0.25).abs() < 0.03, "quarter {quarter}: {share}");
    }
}

/// A policy given no jitter uses full jitter (the default, `FullJitter`): 1,000 waits of a
/// constant 10 s generator sum to about half of 10,000 s (a sum of uniform draws: 5,000 s,
/// with a standard deviation of 91 s), on the paused clock; a default that did not jitter
/// (or jittered to zero) would give 10,000 s (or none).
#[test]
fn a_policys_default_jitter_is_full_jitter() {
    let runtime = paused_runtime();
    let waited = runtime.block_on(async {
        jitter::seed(4);
        let start = tokio::time::Instant::now();
        let policy = Policy::<(), ()>::new()
            .max_tries(1_001)
            .wait_gen(wait::constant().interval(10))
            .logger(false);
        let _ = retry_async(policy, || async { Err::<(), ()>(()) }).await;
        start.elapsed().as_secs_f64()
    });
    assert!((4_500.0..5_500.0).contains(&waited), "waited {waited} s");
}

#[test]
fn equal_jitter_spreads_over_half_to_the_wait() {
    let values = draws(2, 10_000, || jitter::equal_jitter(Duration::from_secs(10)));
    assert!((mean(&values) - 7.5).abs() < 0.1, "mean {}", mean(&values));
    // Uniform in [5, 10]: each half of that range holds about half the draws, and the top
    // value itself (a clamped draw) almost none.
    assert!((share_in(&values, 5.0, 7.5) - 0.5).abs() < 0.03);
    assert!(share_in(&values, 10.0, f64::INFINITY) < 0.01);
}

#[test]
fn random_jitter_spreads_over_one_second() {
    let values = draws(3, 10_000, || jitter::random_jitter(Duration::from_secs(2)));
    assert!((mean(&values) - 2.5).abs() < 0.02, "mean {}", mean(&values));
    assert!((share_in(&values, 2.0, 2.5) - 0.5).abs() < 0.03);
}

#[test]
fn decorrelated_jitter_spreads_over_base_to_three_times_the_base() {
    // With a cap far above, the first draw is uniform in [base, 3 * base].
    let values = draws(4, 10_000, || {
        jitter::decorrelated_jitter(Duration::from_secs(1)).jitter(Duration::from_secs(1000))
    });
    assert!((mean(&values) - 2.0).abs() < 0.05, "mean {}", mean(&values));
    assert!((share_in(&values, 1.0, 2.0) - 0.5).abs() < 0.03);
}
