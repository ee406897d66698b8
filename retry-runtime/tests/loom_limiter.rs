//! Model-checks the adaptive limiter's partition state under every interleaving loom explores
//! (`bash bench/loom.sh`): concurrent reservations take every token exactly once, throttles and
//! successes racing reservations keep the counters and the bounds, and two threads meeting a
//! new key at once make one partition.
#![cfg(loom)]

use std::time::{Duration, Instant};

use loom::thread;
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::partition::Partition;

/// A limiter at 10 requests per second with an empty bucket (see `tests/limiter.rs`).
fn at_ten(t0: Instant, partition: Partition) -> AdaptiveLimiter {
    let l = AdaptiveLimiter::builder()
        .min_fill_rate(10.0)
        .partition(partition)
        .build()
        .unwrap();
    l.on_throttle("op", t0);
    l
}

#[test]
fn concurrent_reservations_take_every_token_once() {
    loom::model(|| {
        let t0 = Instant::now();
        let l = at_ten(t0, Partition::Shared);
        let others: Vec<_> = (0..2)
            .map(|_| {
                let l = l.clone();
                thread::spawn(move || l.reserve("op", t0))
            })
            .collect();
        let mine = l.reserve("op", t0);
        let mut waits: Vec<_> = others.into_iter().map(|h| h.join().unwrap()).collect();
        waits.push(mine);
        waits.sort();
        // Each reservation got its own slot: no token handed out twice, none lost.
        let ms = Duration::from_millis;
        assert_eq!(waits, [ms(100), ms(200), ms(300)]);
        assert_eq!((l.sends(), l.sends_delayed()), (3, 3));
        assert_eq!(l.total_delay(), ms(600));
    });
}

#[test]
fn answers_racing_reservations_keep_the_bounds() {
    loom::model(|| {
        let t0 = Instant::now();
        let l = at_ten(t0, Partition::Shared);
        let later = t0 + Duration::from_millis(200);
        let throttle = {
            let l = l.clone();
            thread::spawn(move || l.on_throttle("op", later))
        };
        let success = {
            let l = l.clone();
            thread::spawn(move || l.on_success("op", later))
        };
        let waits = [l.reserve("op", later), l.reserve("op", later)];
        throttle.join().unwrap();
        success.join().unwrap();
        assert_eq!((l.sends(), l.throttles()), (2, 2));
        let rate = l.rate("op").unwrap();
        assert!((10.0..=20.0).contains(&rate), "rate {rate}");
        // Two tokens were earned in 200 ms at 10/s (the bucket holds at most one second of
        // the rate, 1.4 tokens before the first throttle's curve): at most one send goes at
        // once, and no wait exceeds max_wait.
        assert!(waits.iter().filter(|w| w.is_zero()).count() <= 1);
        assert!(waits.iter().all(|w| *w <= Duration::from_secs(10)));
        assert!(waits[0] < waits[1]);
    });
}

#[test]
fn a_new_key_met_by_two_threads_makes_one_partition() {
    loom::model(|| {
        let t0 = Instant::now();
        let l = AdaptiveLimiter::builder()
            .min_fill_rate(10.0)
            .partition(Partition::PerTarget)
            .build()
            .unwrap();
        let other = {
            let l = l.clone();
            thread::spawn(move || l.on_throttle("a", t0))
        };
        l.on_throttle("a", t0);
        other.join().unwrap();
        // One state: its bucket is empty and paces at 10/s.
        assert_eq!(l.reserve("a", t0), Duration::from_millis(100));
        assert_eq!(l.reserve("a", t0), Duration::from_millis(200));
        assert_eq!(l.rate("b"), None);
    });
}
