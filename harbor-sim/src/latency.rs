//! Service time: how long every API answer takes at least, as a real Harbor's do.
//!
//! On loopback the simulator answers in about 0.1 ms with a spread of several times that,
//! dominated by the scheduler; a real Harbor spends milliseconds on every request (the proxy,
//! the credentials check, database round trips). Latency-sensitive measurements (hedging, tail
//! latencies) need that floor. A [`Latency`] holds every answer back by `millis` plus a
//! uniform draw in `[0, jitter_millis]`, before the request meets its fault (so a `delay`
//! fault adds to it). Off (zero) by default.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The service time of every API answer: `millis`, plus a uniform draw in
/// `[0, jitter_millis]` from a generator seeded with `seed`. Written on the admin endpoint as
/// `{"millis": 5, "jitter_millis": 2, "seed": 7}` (the last two optional).
///
/// ```
/// use std::time::Duration;
/// use harbor_sim::Latency;
///
/// let latency = Latency::fixed(Duration::from_millis(5)).jitter(Duration::from_millis(2));
/// assert_eq!((latency.millis, latency.jitter_millis), (5, 2));
/// assert!(!latency.is_zero());
/// assert!(Latency::default().is_zero());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// Every answer takes at least this long, in milliseconds.
    pub millis: u64,
    /// Up to this much more, drawn uniformly per answer, in milliseconds.
    #[serde(default)]
    pub jitter_millis: u64,
    /// The jitter's seed: the same seed and request order give the same draws.
    #[serde(default)]
    pub seed: u64,
}

impl Latency {
    /// Every answer takes `base` (whole milliseconds, rounded down), no jitter.
    pub fn fixed(base: Duration) -> Self {
        Latency {
            millis: whole_millis(base),
            ..Latency::default()
        }
    }

    /// Adds up to `jitter` (whole milliseconds, rounded down), drawn uniformly per answer.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter_millis = whole_millis(jitter);
        self
    }

    /// Seeds the jitter's generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether no answer is held back.
    pub fn is_zero(&self) -> bool {
        self.millis == 0 && self.jitter_millis == 0
    }
}

fn whole_millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

/// The simulator's current latency and its jitter generator, shared by every request.
#[derive(Debug)]
pub(crate) struct ServiceTime {
    current: Mutex<(Latency, SmallRng)>,
    // Whether the latency is not zero, read without the lock: with none set (the default),
    // a request pays one atomic load, not a lock shared by every request.
    active: AtomicBool,
}

impl ServiceTime {
    pub(crate) fn new(latency: Latency) -> Self {
        ServiceTime {
            current: Mutex::new((latency, SmallRng::seed_from_u64(latency.seed))),
            active: AtomicBool::new(!latency.is_zero()),
        }
    }

    /// Replaces the latency and reseeds the jitter.
    pub(crate) fn set(&self, latency: Latency) {
        let mut current = self.lock();
        *current = (latency, SmallRng::seed_from_u64(latency.seed));
        self.active.store(!latency.is_zero(), Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Latency {
        self.lock().0
    }

    /// How long this answer is held back (`None`: not at all).
    pub(crate) fn draw(&self) -> Option<Duration> {
        if !self.active.load(Ordering::Relaxed) {
            return None;
        }
        let mut current = self.lock();
        let (latency, rng) = &mut *current;
        if latency.is_zero() {
            return None;
        }
        let extra = if latency.jitter_millis == 0 {
            0
        } else {
            rng.random_range(0..=latency.jitter_millis)
        };
        Some(Duration::from_millis(latency.millis.saturating_add(extra)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Latency, SmallRng)> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_holds_nothing_back() {
        assert_eq!(ServiceTime::new(Latency::default()).draw(), None);
    }

    #[test]
    fn draws_stay_within_base_and_jitter_and_repeat_with_the_seed() {
        let latency = Latency::fixed(Duration::from_millis(5))
            .jitter(Duration::from_millis(3))
            .seed(11);
        let draws = |t: &ServiceTime| (0..200).map(|_| t.draw().unwrap()).collect::<Vec<_>>();
        let first = draws(&ServiceTime::new(latency));
        assert!(
            first
                .iter()
                .all(|d| (Duration::from_millis(5)..=Duration::from_millis(8)).contains(d))
        );
        // Every value of the range is drawn, not only the ends.
        for ms in 5..=8 {
            assert!(
                first.contains(&Duration::from_millis(ms)),
                "{ms} ms never drawn"
            );
        }
        assert_eq!(
            first,
            draws(&ServiceTime::new(latency)),
            "same seed, same draws"
        );
    }

    #[test]
    fn set_replaces_and_reseeds() {
        let time = ServiceTime::new(Latency::default());
        time.set(Latency::fixed(Duration::from_millis(2)));
        assert_eq!(time.draw(), Some(Duration::from_millis(2)));
        assert_eq!(time.get().millis, 2);
    }

    #[test]
    fn wire_form_has_optional_jitter_and_refuses_unknown_fields() {
        let l: Latency = serde_json::from_str(r#"{"millis": 4}"#).unwrap();
        assert_eq!(l, Latency::fixed(Duration::from_millis(4)));
        assert!(serde_json::from_str::<Latency>(r#"{"ms": 4}"#).is_err());
    }
}
