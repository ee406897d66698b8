//! [`LatencyTracker`]: the recent latencies of one fn's (or one client's) attempts, for a hedge
//! delay that tunes itself (`hedge_delay = auto`), with a cap on the extra load hedging adds.
//!
//! # The model
//!
//! - **A log-linear histogram.** Latencies are counted in microseconds in 192 buckets: exact
//!   below 8 us, then 8 sub-buckets per power of two up to 2^26 us (about 67 s; longer
//!   latencies count in the last bucket). A bucket spans at most 1/8 of its lower edge, so a
//!   percentile read from it is within 12.5% of the exact one (HdrHistogram's scheme, with 3
//!   significant bits).
//! - **A percentile** ([`LatencyTracker::percentile`], [`LatencyTracker::delay`] for the
//!   configured one): the smallest bucket at which the count reaches `ceil(q * total)`,
//!   reported as that bucket's upper edge, so the answer is never below the exact percentile
//!   (of the latencies rounded down to the microsecond) and exceeds it by less than one
//!   bucket's width. `None` until the window holds
//!   [`min_samples`](LatencyTrackerBuilder::min_samples) (default 20): no hedging on a guess.
//! - **Recency by a rolling window.** Two histograms: samples go into the current one, reads
//!   add both. Every [`window`](LatencyTrackerBuilder::window) (default 10 s, counted from the
//!   [`origin`](LatencyTrackerBuilder::origin)) the older one is emptied and becomes the
//!   current one, so a sample is remembered for between one and two windows. The rotation is
//!   one compare-and-swap of the window's number (the thread that wins it empties the
//!   histogram; the others go on), done by whichever call first sees the new window: no lock,
//!   no background task. It is race-tolerant, not exact: a sample recorded into the histogram
//!   being emptied, in the instant it is emptied, may be lost, and a thread that read the old
//!   window's number just before the swap may add its sample to the older histogram. Neither
//!   creates a sample; both only make the window slightly shorter or longer for a few samples.
//! - **The extra-load cap**, Finagle's `maxExtraLoad`: a token account. Every call
//!   ([`on_call`](LatencyTracker::on_call)) earns
//!   [`max_extra_load`](LatencyTrackerBuilder::max_extra_load) (default 0.05) of a hedge; every
//!   hedge ([`try_hedge`](LatencyTracker::try_hedge)) spends one, or is refused when the
//!   account holds less. The account starts with, and never holds more than,
//!   [`hedge_reserve`](LatencyTrackerBuilder::hedge_reserve) hedges (default 5). So over any
//!   run, `hedges <= reserve + floor(calls * max_extra_load)`: when every answer is slow,
//!   hedging adds at most that share of requests, on top of the per-call `max_hedges`.
//!
//! Everything is atomics: `record` is one increment (plus the rare rotation), `try_hedge` and
//! `on_call` one compare-and-swap (none when the account is full), `percentile` reads the 384
//! counters into a stack array. Nothing allocates after [`build`](LatencyTrackerBuilder::build).
//! Time is what the caller passes (the engine's sleeper clock, paused tokio time in tests).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use retry_runtime::latency::LatencyTracker;
//!
//! let t0 = Instant::now();
//! let tracker = LatencyTracker::builder()
//!     .percentile(0.9)
//!     .max_extra_load(0.1)
//!     .hedge_reserve(1)
//!     .origin(t0)
//!     .build()?;
//! assert_eq!(tracker.delay(t0), None); // fewer than 20 samples: no hedging yet
//!
//! // 95 attempts answer in 5 ms, 5 in 200 ms.
//! for i in 0..100 {
//!     let ms = if i % 20 == 0 { 200 } else { 5 };
//!     tracker.record(Duration::from_millis(ms), t0);
//! }
//! // The 90th percentile is in 5 ms's bucket [4608 us, 5119 us].
//! assert_eq!(tracker.delay(t0), Some(Duration::from_micros(5119)));
//!
//! // The cap: one hedge in reserve, then one per ten calls.
//! assert!(tracker.try_hedge());
//! assert!(!tracker.try_hedge());
//! for _ in 0..10 {
//!     tracker.on_call();
//! }
//! assert!(tracker.try_hedge());
//! assert_eq!((tracker.hedges_allowed(), tracker.hedges_refused()), (2, 1));
//!
//! // Two windows later, the old samples are forgotten.
//! assert_eq!(tracker.delay(t0 + Duration::from_secs(20)), None);
//! # Ok::<(), retry_runtime::SettingsError>(())
//! ```

use core::fmt;
use std::time::{Duration, Instant};

use crate::partition::{Partition, Partitions};
use crate::settings::{SettingsError, Violation};
use crate::sync::{Arc, AtomicU64, Ordering};

/// Sub-buckets per power of two, as bits.
const SUB_BITS: u32 = 3;
const SUB: u64 = 1 << SUB_BITS;
/// The number of buckets: up to 2^26 us, or 2^4 us under loom (whose executions are bounded
/// in length; the state machine is the same).
const BUCKETS: usize = if cfg!(loom) { 16 } else { 192 };
/// Fixed-point scale of the hedge account: one hedge is a million units.
const SCALE: f64 = 1_000_000.0;
const ONE: u64 = 1_000_000;

/// The bucket of a latency of `us` microseconds.
fn index(us: u64) -> usize {
    let i = if us < SUB {
        us
    } else {
        let e = u64::from(63 - us.leading_zeros());
        (e - SUB_BITS as u64 + 1) * SUB + ((us >> (e - SUB_BITS as u64)) & (SUB - 1))
    };
    (i as usize).min(BUCKETS - 1)
}

/// The largest latency, in microseconds, counted in bucket `i`.
fn upper(i: usize) -> u64 {
    let i = i as u64;
    if i < SUB {
        return i;
    }
    let shift = i / SUB - 1;
    let low = (SUB + i % SUB) << shift;
    low + (1 << shift) - 1
}

/// A shared, lock-free histogram of recent attempt latencies with a hedge-load cap; see the
/// [module documentation](self).
///
/// Cheap to clone (one `Arc`), `Send + Sync`; clones share the histogram and the account.
#[derive(Clone)]
pub struct LatencyTracker {
    inner: Arc<Tracker>,
}

struct Tracker {
    origin: Instant,
    window: u64,
    percentile: f64,
    min_samples: u64,
    max_extra_load: f64,
    /// The number of the window the current histogram counts (`window % 2` is its slot).
    epoch: AtomicU64,
    slots: [Box<[AtomicU64]>; 2],
    /// Micro-hedges.
    balance: AtomicU64,
    capacity: u64,
    earn: u64,
    allowed: AtomicU64,
    refused: AtomicU64,
}

impl fmt::Debug for LatencyTracker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let t = &*self.inner;
        f.debug_struct("LatencyTracker")
            .field("percentile", &t.percentile)
            .field("min_samples", &t.min_samples)
            .field("window", &Duration::from_nanos(t.window))
            .field("max_extra_load", &t.max_extra_load)
            .field("hedge_reserve", &(t.capacity / ONE))
            .field("hedge_balance", &self.hedge_balance())
            .field("hedges_allowed", &self.hedges_allowed())
            .field("hedges_refused", &self.hedges_refused())
            .finish()
    }
}

/// A hedge delay that tunes itself (`#[retry(hedge_delay = auto)]`,
/// [`Policy::hedge_auto`](crate::Policy::hedge_auto),
/// [`RetrySettingsBuilder::hedge_auto`](crate::RetrySettingsBuilder::hedge_auto)): the
/// [`LatencyTracker`] of each retried fn ([`Partition::PerTarget`], so that a list of 100
/// artifacts and a ping do not share a percentile) or one for every call
/// ([`Partition::Shared`]). Each call's hedge delay is its tracker's
/// [`delay`](LatencyTracker::delay) when the attempt starts (no hedge until the tracker holds
/// `min_samples` latencies); every attempt that finishes records its latency; each hedge
/// spends from the tracker's extra-load account, on top of `max_hedges`.
///
/// Cheap to clone (one `Arc`); clones share the trackers.
///
/// ```
/// use std::time::{Duration, Instant};
/// use retry_runtime::latency::{AutoHedge, LatencyTracker};
/// use retry_runtime::partition::Partition;
///
/// let auto = AutoHedge::new(LatencyTracker::builder().min_samples(1), Partition::PerTarget)?;
/// let now = Instant::now();
/// auto.tracker("list_artifacts").record(Duration::from_millis(900), now);
/// auto.tracker("ping").record(Duration::from_millis(2), now);
/// assert!(auto.tracker("ping").delay(now).unwrap() < Duration::from_millis(3));
/// # Ok::<(), retry_runtime::SettingsError>(())
/// ```
#[derive(Clone)]
pub struct AutoHedge {
    inner: Arc<AutoHedgeInner>,
}

struct AutoHedgeInner {
    builder: LatencyTrackerBuilder,
    trackers: Partitions<LatencyTracker>,
}

impl AutoHedge {
    /// Trackers made by `builder` (checked here, once), one per retried fn or one shared.
    pub fn new(
        builder: LatencyTrackerBuilder,
        partition: Partition,
    ) -> Result<Self, SettingsError> {
        let first = builder.clone().build()?;
        let trackers = Partitions::new(partition, || first);
        Ok(AutoHedge {
            inner: Arc::new(AutoHedgeInner { builder, trackers }),
        })
    }

    /// The tracker of `target` (made on first use with [`Partition::PerTarget`]).
    pub fn tracker(&self, target: &'static str) -> LatencyTracker {
        let inner = &*self.inner;
        inner.trackers.with(
            target,
            // Checked in `new`: building the same options again cannot fail.
            || inner.builder.clone().build().unwrap_or_default(),
            LatencyTracker::clone,
        )
    }

    /// Whether `other` is this one or a clone of it.
    pub fn shares_state_with(&self, other: &AutoHedge) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Default for AutoHedge {
    /// The defaults of [`LatencyTracker::builder`], one tracker per retried fn.
    fn default() -> Self {
        AutoHedge::new(LatencyTracker::builder(), Partition::PerTarget)
            .expect("the default tracker is valid")
    }
}

impl From<&AutoHedge> for AutoHedge {
    fn from(auto: &AutoHedge) -> Self {
        auto.clone()
    }
}

impl From<LatencyTracker> for AutoHedge {
    /// One tracker shared by every call.
    fn from(tracker: LatencyTracker) -> Self {
        AutoHedge {
            inner: Arc::new(AutoHedgeInner {
                builder: LatencyTracker::builder(),
                trackers: Partitions::new(Partition::Shared, || tracker),
            }),
        }
    }
}

impl fmt::Debug for AutoHedge {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AutoHedge")
            .field("tracker", &self.inner.builder)
            .field("partitioned", &self.inner.trackers.is_partitioned())
            .finish()
    }
}

impl Default for LatencyTracker {
    /// The defaults of [`LatencyTracker::builder`], counting windows from now.
    fn default() -> Self {
        LatencyTracker::builder()
            .build()
            .expect("the default tracker is valid")
    }
}

impl LatencyTracker {
    /// A builder starting from the defaults: the 95th percentile (the hedge delay "The Tail at
    /// Scale" suggests), at least 20 samples, a 10 s window, at most 5% extra load, a reserve
    /// of 5 hedges, windows counted from the time of `build`.
    pub fn builder() -> LatencyTrackerBuilder {
        LatencyTrackerBuilder {
            percentile: 0.95,
            min_samples: 20,
            window: Duration::from_secs(10),
            max_extra_load: 0.05,
            hedge_reserve: 5,
            origin: None,
        }
    }

    /// Moves to the window of `now` if it is newer; returns the current window's number.
    fn advance(&self, now: Instant) -> u64 {
        let t = &*self.inner;
        let elapsed = now.saturating_duration_since(t.origin).as_nanos();
        let window = u64::try_from(elapsed / u128::from(t.window)).unwrap_or(u64::MAX);
        let mut current = t.epoch.load(Ordering::Acquire);
        while window > current {
            match t
                .epoch
                .compare_exchange(current, window, Ordering::AcqRel, Ordering::Acquire)
            {
                Ok(_) => {
                    // The winner empties what the new window no longer sees: the older
                    // histogram, or both when more than a window passed.
                    if window - current > 1 {
                        t.slots.iter().for_each(|slot| clear(slot));
                    } else {
                        clear(&t.slots[(window % 2) as usize]);
                    }
                    return window;
                }
                Err(actual) => current = actual,
            }
        }
        current
    }

    /// Records one attempt's latency, observed at `now`.
    pub fn record(&self, latency: Duration, now: Instant) {
        let epoch = self.advance(now);
        let us = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.inner.slots[(epoch % 2) as usize][index(us)].fetch_add(1, Ordering::Relaxed);
    }

    /// The `q` quantile (`0 < q < 1`; clamped into it) of the latencies of the window of `now`
    /// and the one before, as the upper edge of its bucket; `None` while they hold fewer than
    /// `min_samples` latencies.
    pub fn percentile(&self, q: f64, now: Instant) -> Option<Duration> {
        self.advance(now);
        let t = &*self.inner;
        let mut counts = [0u64; BUCKETS];
        let mut total = 0u64;
        for (i, count) in counts.iter_mut().enumerate() {
            *count = t.slots[0][i].load(Ordering::Relaxed) + t.slots[1][i].load(Ordering::Relaxed);
            total += *count;
        }
        if total < t.min_samples || total == 0 {
            return None;
        }
        let q = if q.is_nan() { 0.5 } else { q.clamp(0.0, 1.0) };
        let rank = ((q * total as f64).ceil() as u64).clamp(1, total);
        let mut seen = 0;
        let bucket = counts.iter().position(|&c| {
            seen += c;
            seen >= rank
        })?;
        Some(Duration::from_micros(upper(bucket)))
    }

    /// The hedge delay: the configured [`percentile`](LatencyTrackerBuilder::percentile) of
    /// the recent latencies, or `None` while there are too few.
    pub fn delay(&self, now: Instant) -> Option<Duration> {
        self.percentile(self.inner.percentile, now)
    }

    /// The latencies the window of `now` and the one before hold.
    pub fn samples(&self, now: Instant) -> u64 {
        self.advance(now);
        let t = &*self.inner;
        t.slots
            .iter()
            .flat_map(|slot| slot.iter())
            .map(|c| c.load(Ordering::Relaxed))
            .sum()
    }

    /// Credits the start of one call: `max_extra_load` of a hedge, up to the reserve. The
    /// engine calls this once per call that may hedge.
    #[inline]
    pub fn on_call(&self) {
        let t = &*self.inner;
        if t.earn == 0 {
            return;
        }
        let mut current = t.balance.load(Ordering::Relaxed);
        while current < t.capacity {
            let next = (current + t.earn).min(t.capacity);
            match t.balance.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// Asks for one hedge: spends one from the account and returns `true`, or returns `false`
    /// (and spends nothing) when it holds less than one. The engine calls this when a hedge's
    /// delay has passed, before starting it.
    pub fn try_hedge(&self) -> bool {
        let t = &*self.inner;
        let mut current = t.balance.load(Ordering::Relaxed);
        loop {
            if current < ONE {
                t.refused.fetch_add(1, Ordering::Relaxed);
                return false;
            }
            match t.balance.compare_exchange_weak(
                current,
                current - ONE,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    t.allowed.fetch_add(1, Ordering::Relaxed);
                    return true;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Hedges allowed so far, by every holder.
    pub fn hedges_allowed(&self) -> u64 {
        self.inner.allowed.load(Ordering::Relaxed)
    }

    /// Hedges refused so far (the extra-load cap held them back).
    pub fn hedges_refused(&self) -> u64 {
        self.inner.refused.load(Ordering::Relaxed)
    }

    /// The hedges the account holds now.
    pub fn hedge_balance(&self) -> f64 {
        self.inner.balance.load(Ordering::Relaxed) as f64 / SCALE
    }

    /// The configured percentile.
    pub fn configured_percentile(&self) -> f64 {
        self.inner.percentile
    }

    /// Whether `other` is a clone of this tracker (the same histogram and account).
    pub fn shares_state_with(&self, other: &LatencyTracker) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

fn clear(slot: &[AtomicU64]) {
    for count in slot {
        count.store(0, Ordering::Relaxed);
    }
}

/// Builds a [`LatencyTracker`]; [`LatencyTrackerBuilder::build`] validates every value and
/// reports every broken rule.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::latency::LatencyTracker;
///
/// let err = LatencyTracker::builder()
///     .percentile(1.0)
///     .max_extra_load(-0.1)
///     .window(Duration::ZERO)
///     .build()
///     .unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "percentile must be finite, greater than 0 and less than 1; \
///      window must be between 1 ms and 1 day; \
///      max_extra_load must be finite and between 0 and 1"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct LatencyTrackerBuilder {
    percentile: f64,
    min_samples: u64,
    window: Duration,
    max_extra_load: f64,
    hedge_reserve: u32,
    origin: Option<Instant>,
}

impl LatencyTrackerBuilder {
    /// The percentile [`LatencyTracker::delay`] reports (default 0.95; finite, greater than 0,
    /// less than 1).
    pub fn percentile(mut self, q: f64) -> Self {
        self.percentile = q;
        self
    }

    /// The fewest latencies a percentile is read from (default 20; at least 1).
    pub fn min_samples(mut self, n: u64) -> Self {
        self.min_samples = n;
        self
    }

    /// How often the histograms rotate: a latency is remembered for one to two windows
    /// (default 10 s; between 1 ms and 1 day).
    pub fn window(mut self, window: Duration) -> Self {
        self.window = window;
        self
    }

    /// The hedges each call earns: hedges are at most this share of calls, beyond the reserve
    /// (default 0.05, Finagle's `maxExtraLoad`; finite, between 0 and 1).
    pub fn max_extra_load(mut self, load: f64) -> Self {
        self.max_extra_load = load;
        self
    }

    /// The hedges the account starts with and holds at most (default 5; between 1 and
    /// 1,000,000).
    pub fn hedge_reserve(mut self, reserve: u32) -> Self {
        self.hedge_reserve = reserve;
        self
    }

    /// The instant windows are counted from (default: the time of `build`). Pass the clock
    /// the latencies will be recorded with (tests: a synthetic instant).
    pub fn origin(mut self, origin: Instant) -> Self {
        self.origin = Some(origin);
        self
    }

    /// Validates and builds a tracker with its own histograms and account.
    pub fn build(self) -> Result<LatencyTracker, SettingsError> {
        let mut violations = Vec::new();
        let mut check = |ok: bool, field, rule| {
            if !ok {
                violations.push(Violation { field, rule });
            }
        };
        check(
            self.percentile.is_finite() && self.percentile > 0.0 && self.percentile < 1.0,
            "percentile",
            "must be finite, greater than 0 and less than 1",
        );
        check(self.min_samples >= 1, "min_samples", "must be at least 1");
        check(
            (Duration::from_millis(1)..=Duration::from_secs(86_400)).contains(&self.window),
            "window",
            "must be between 1 ms and 1 day",
        );
        check(
            self.max_extra_load.is_finite() && (0.0..=1.0).contains(&self.max_extra_load),
            "max_extra_load",
            "must be finite and between 0 and 1",
        );
        check(
            (1..=1_000_000).contains(&self.hedge_reserve),
            "hedge_reserve",
            "must be between 1 and 1000000",
        );
        if !violations.is_empty() {
            return Err(SettingsError::new(violations));
        }
        let histogram = || (0..BUCKETS).map(|_| AtomicU64::new(0)).collect();
        let capacity = u64::from(self.hedge_reserve) * ONE;
        Ok(LatencyTracker {
            inner: Arc::new(Tracker {
                origin: self.origin.unwrap_or_else(Instant::now),
                window: u64::try_from(self.window.as_nanos()).unwrap_or(u64::MAX),
                percentile: self.percentile,
                min_samples: self.min_samples,
                max_extra_load: self.max_extra_load,
                epoch: AtomicU64::new(0),
                slots: [histogram(), histogram()],
                balance: AtomicU64::new(capacity),
                capacity,
                earn: (self.max_extra_load * SCALE).round() as u64,
                allowed: AtomicU64::new(0),
                refused: AtomicU64::new(0),
            }),
        })
    }
}
