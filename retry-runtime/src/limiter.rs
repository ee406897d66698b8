//! [`AdaptiveLimiter`]: a client-side rate limiter shared by many calls, whose rate falls when
//! the server throttles (a 429, or a 503 with `Retry-After`) and recovers as calls succeed.
//!
//! # The model
//!
//! The AWS SDKs' "adaptive" client rate limiter (botocore `retries/adaptive.py`, smithy-rs
//! `client_rate_limiter.rs`): a token bucket whose fill rate is steered by **CUBIC**, the TCP
//! congestion controller (RFC 9438), fed by a smoothed measure of the rate at which answers
//! arrive.
//!
//! - **Off until the first throttle.** While the server has never throttled (in a partition),
//!   [`reserve`](AdaptiveLimiter::reserve) answers zero and takes nothing: a healthy service
//!   pays one short lock per send and never waits.
//! - **Measured rate.** Every answer ([`on_success`](AdaptiveLimiter::on_success) or
//!   [`on_throttle`](AdaptiveLimiter::on_throttle)) is counted in a time bucket of
//!   [`measure_bucket`](AdaptiveLimiterBuilder::measure_bucket) (0.5 s); when a bucket closes,
//!   `measured = smoothing * count / elapsed + (1 - smoothing) * measured` (smoothing 0.8).
//! - **On a throttle** the rate the client was achieving, `w_max = min(measured, fill rate)`
//!   (just `measured` the first time), is remembered with the time, and the fill rate drops to
//!   `beta * w_max` (beta 0.7); the bucket is switched on.
//! - **On a success** the fill rate follows the cubic curve
//!   `rate(t) = C * (t - K)^3 + w_max`, `K = cbrt(w_max * (1 - beta) / C)`, `t` the seconds
//!   since the last throttle and `C` the scale constant (0.4): concave up to `w_max` (reached
//!   after `K` seconds), a plateau around it, then convex probing above it.
//! - **The ramp.** Whatever the curve says, the fill rate is at most
//!   [`max_growth`](AdaptiveLimiterBuilder::max_growth) (2) times the measured rate, and at
//!   least [`min_fill_rate`](AdaptiveLimiterBuilder::min_fill_rate) (0.5/s). The bucket holds
//!   at most one second of tokens at the fill rate (and at least 1).
//!
//! **Why CUBIC rather than AIMD.** Additive increase climbs at a fixed step per unit of time,
//! so it pays for a large drop (or a raised limit) with a long, linear recovery, and its
//! growth depends on how often successes arrive. CUBIC's growth depends only on the time since
//! the last throttle: it returns quickly to the rate that last worked, stays near it (the
//! plateau, where throttles are rare), and, once past it, accelerates to find a raised limit
//! quickly (from 50 to 150 req/s within 10 s with the defaults, in the simulation of
//! `tests/limiter.rs`). It is what the AWS SDKs ship,
//! so its constants are known to behave against real throttling services.
//!
//! # Reservations
//!
//! [`reserve`](AdaptiveLimiter::reserve) takes one token **now**, whether or not the bucket
//! holds one: the bucket may go into debt, and the answer is the time until that debt is paid
//! at the current fill rate. The caller sleeps that long and sends, without asking again; no
//! token is ever handed out twice, and a caller that gives up while waiting simply leaves its
//! token spent (the limiter errs on the slow side). First attempts and retries cost the same,
//! one token. The engine reserves each send when it is about to make it: a retry after its
//! backoff wait, not when it decides to retry: a slot reserved then has often passed by the
//! time a retry that waits out a `Retry-After` sends, so the retries would bunch where their
//! waits end, beyond what the bucket allows (5.5% of requests throttled instead of 4.6% in
//! `tests/tests/adaptive_rate_limit.rs`).
//!
//! The debt is bounded: no reservation waits longer than
//! [`max_wait`](AdaptiveLimiterBuilder::max_wait) (10 s), so the bucket never owes more than
//! `max_wait * fill rate` tokens (a fall of the rate forgives what exceeds the new bound).
//! Past that many concurrent waiters, the extra senders go after `max_wait` and may exceed the
//! rate; the throttles they meet lower the rate further. Keep `max_wait` above the longest wait
//! the callers can afford only if they can afford it: the engine cuts waits to `max_time` anyway.
//!
//! # Deviations from the AWS SDKs
//!
//! - **One decrease per congestion event.** When many senders share a limiter, one excursion
//!   above the server's limit is answered by several throttles at once, for sends the client
//!   made before it could react. The SDKs multiply the rate by beta for each (with 64 senders,
//!   a collapse to the minimum rate); here, as TCP does per loss event, the throttles that
//!   arrive within [`throttle_holdoff`](AdaptiveLimiterBuilder::throttle_holdoff) of the last
//!   decrease (plus the time the bucket's debt then took to pay, the sends already scheduled)
//!   are counted but leave the rate alone.
//! - **Debt is bounded** by `max_wait` (above); the SDKs let it grow without bound.
//! - **A debt is a time.** When the rate changes while reservations are in debt, the debt is
//!   rescaled so that it takes as long to pay at the new rate: the sends already told their
//!   wait keep their slots, and the next reservation comes after the last of them. (Kept in
//!   tokens, a rise of the rate would schedule new sends among the old ones, a burst.)
//! - **Measurement.** A closed bucket's rate is its own answers' (the SDKs count the answer
//!   that closes a bucket into it); before the first bucket closes, the measured rate is the
//!   answers so far, or half the sends made if more, over one bucket's length, not zero, so
//!   that a throttle in the first half second does not drop the rate to the minimum.
//! - **No separate retry cost.** smithy-rs charges a retry 5 tokens and a first attempt 1;
//!   here every send costs one token, as botocore does, so the limiter is a rate limiter and
//!   the [`RetryBudget`](crate::RetryBudget) is the retry quota.
//! - **Partitions.** [`Partition::PerTarget`] keeps one state per retried fn.
//!
//! # Guarantees
//!
//! - Each reservation takes exactly one token under the partition's mutex (held for a few
//!   float operations): concurrent reservations get distinct slots, no token is handed out
//!   twice or lost (loom checks it, `bash bench/loom.sh`). Until the debt bound is reached, the
//!   sends of a partition go out at most one bucket (one second of the rate) faster than its
//!   fill rate.
//! - Every wait is finite, at most `max_wait`; the fill rate is at least `min_fill_rate` and
//!   at most the larger of it and `max_growth * measured`.
//! - Time is what the caller passes: the engine passes its sleeper's clock (tokio's, paused in
//!   tests). An instant earlier than one already seen counts as no time passing.
//! - Nothing is allocated per call once a partition exists (one allocation when a key is
//!   first seen, with [`Partition::PerTarget`]).
//!
//! ```
//! use std::time::{Duration, Instant};
//! use retry_runtime::limiter::AdaptiveLimiter;
//!
//! let limiter = AdaptiveLimiter::builder().build()?;
//! let t0 = Instant::now();
//! let at = |ms: u64| t0 + Duration::from_millis(ms);
//!
//! // No throttle yet: the limiter is off, every send goes at once.
//! for ms in 0..100 {
//!     assert_eq!(limiter.reserve("op", at(ms * 10)), Duration::ZERO);
//!     limiter.on_success("op", at(ms * 10 + 5));
//! }
//! assert_eq!(limiter.rate("op"), None);
//!
//! // 100 answers in the first second: the measured rate is 0.8 * 100/s (smoothing 0.8).
//! // The server throttles: the fill rate drops to 0.7 * 80 = 56 requests per second.
//! limiter.on_throttle("op", at(1_000));
//! assert!((limiter.rate("op").unwrap() - 56.0).abs() < 1e-9);
//! assert_eq!(limiter.throttles(), 1);
//!
//! // Reservations now pace the sends; the waits say when each may go.
//! let waits: Vec<Duration> = (0..100).map(|_| limiter.reserve("op", at(1_000))).collect();
//! assert!(waits.windows(2).all(|w| w[0] <= w[1]));
//! assert!(waits[99] > Duration::from_secs(1));
//! # Ok::<(), retry_runtime::SettingsError>(())
//! ```

use core::fmt;
use std::time::{Duration, Instant};

use crate::partition::{Partition, Partitions};
use crate::settings::{SettingsError, Violation};
use crate::sync::{Arc, AtomicU64, Mutex, Ordering, lock};

/// A shared, adaptive client-side rate limiter; see the [module documentation](self) for the
/// model and what it guarantees.
///
/// Cheap to clone (one `Arc`), `Send + Sync`; clones share the state. Off by default in the
/// runtime: a policy without a limiter does no limiter work.
#[derive(Clone)]
pub struct AdaptiveLimiter {
    inner: Arc<Inner>,
}

struct Inner {
    config: Config,
    partition: Partition,
    states: Partitions<Mutex<State>>,
    sends: AtomicU64,
    delayed: AtomicU64,
    delay_nanos: AtomicU64,
    throttles: AtomicU64,
}

/// The validated constants of a limiter.
#[derive(Debug, Clone, Copy)]
struct Config {
    beta: f64,
    scale: f64,
    smoothing: f64,
    bucket: f64,
    min_fill_rate: f64,
    max_growth: f64,
    max_wait: f64,
    holdoff: Duration,
}

/// One partition's state. Every field is read and written under the partition's mutex.
#[derive(Debug, Clone, Copy)]
struct State {
    /// The bucket gates sends (a throttle has been seen).
    enabled: bool,
    /// Tokens per second.
    fill_rate: f64,
    /// The most tokens the bucket holds.
    max_capacity: f64,
    /// The tokens in the bucket; negative while reservations are in debt.
    tokens: f64,
    /// The latest instant seen (refills stop here; earlier instants add no time).
    last_refill: Option<Instant>,
    /// The start of the first measurement bucket.
    origin: Option<Instant>,
    /// The smoothed rate of answers, per second.
    measured: f64,
    /// The index of the measurement bucket being counted.
    bucket: u64,
    /// Answers counted in it.
    count: u64,
    /// Sends reserved before the first measurement bucket closed, answered or not.
    first_sends: u64,
    /// CUBIC's `w_max`: the rate at the last throttle.
    last_max_rate: f64,
    /// The last throttle that lowered the rate (or the first instant seen).
    last_throttle: Option<Instant>,
    /// CUBIC's `K`, seconds from the last throttle back to `w_max`.
    k: f64,
    /// Throttles before this instant leave the rate alone (one decrease per event).
    holdoff_until: Option<Instant>,
}

/// Seconds from `earlier` to `later`, zero when `later` is not after it.
fn secs(later: Instant, earlier: Instant) -> f64 {
    later.saturating_duration_since(earlier).as_secs_f64()
}

impl State {
    fn new() -> Self {
        State {
            enabled: false,
            fill_rate: 0.0,
            max_capacity: 1.0,
            tokens: 0.0,
            last_refill: None,
            origin: None,
            measured: 0.0,
            bucket: 0,
            count: 0,
            first_sends: 0,
            last_max_rate: 0.0,
            last_throttle: None,
            k: 0.0,
            holdoff_until: None,
        }
    }

    /// Adds the tokens earned since the last refill, up to the capacity.
    fn refill(&mut self, now: Instant) {
        match self.last_refill {
            Some(last) if now > last => {
                let earned = secs(now, last) * self.fill_rate;
                self.tokens = (self.tokens + earned).min(self.max_capacity);
                self.last_refill = Some(now);
            }
            Some(_) => {}
            None => self.last_refill = Some(now),
        }
    }

    /// Counts one answer and, when a measurement bucket has closed, smooths its rate in.
    fn measure(&mut self, now: Instant, c: &Config) {
        let origin = *self.origin.get_or_insert(now);
        let bucket = (secs(now, origin) / c.bucket).floor() as u64;
        if bucket > self.bucket {
            let rate = self.count as f64 / ((bucket - self.bucket) as f64 * c.bucket);
            self.measured = c.smoothing * rate + (1.0 - c.smoothing) * self.measured;
            self.count = 0;
            self.bucket = bucket;
        }
        self.count += 1;
    }

    /// The measured rate; before the first bucket closes, the answers so far over one
    /// bucket's length (an underestimate while the bucket is young: on the safe side).
    fn measured(&self, c: &Config) -> f64 {
        if self.bucket == 0 {
            // At least half the sends made count, answered or not: when the first throttles
            // come back before the successes (a proxy refuses at once, the server takes its
            // time), the answers alone say the client sends next to nothing and the first cut
            // collapses the rate (seen: 1.4 req/s against a 50 req/s limit, for 30 s); all
            // the sends would overstate a burst sent at once.
            self.count.max(self.first_sends / 2) as f64 / c.bucket
        } else {
            self.measured
        }
    }

    fn window(&self, c: &Config) -> f64 {
        (self.last_max_rate * (1.0 - c.beta) / c.scale).cbrt()
    }

    fn cubic(&self, now: Instant, c: &Config) -> f64 {
        let t = self.last_throttle.map_or(0.0, |at| secs(now, at));
        c.scale * (t - self.k).powi(3) + self.last_max_rate
    }

    /// Handles one answer; returns whether it lowered the rate.
    fn on_answer(&mut self, now: Instant, throttled: bool, c: &Config) -> bool {
        self.measure(now, c);
        self.last_throttle.get_or_insert(now);
        let held_off = self.holdoff_until.is_some_and(|until| now < until);
        let rate = if throttled && !held_off {
            let measured = self.measured(c);
            let w_max = if self.enabled {
                measured.min(self.fill_rate)
            } else {
                measured
            };
            self.last_max_rate = w_max;
            self.k = self.window(c);
            self.last_throttle = Some(now);
            self.enabled = true;
            w_max * c.beta
        } else {
            self.cubic(now, c)
        };
        let lowered = throttled && !held_off;
        self.set_rate(now, rate.min(c.max_growth * self.measured(c)), c);
        if lowered {
            // The sends already scheduled go out while the debt is paid at the new rate;
            // their throttles are part of this event.
            let debt = (-self.tokens).max(0.0) / self.fill_rate;
            self.holdoff_until = Some(now + c.holdoff + Duration::from_secs_f64(debt));
        }
        lowered
    }

    fn set_rate(&mut self, now: Instant, rate: f64, c: &Config) {
        self.refill(now);
        let old = self.fill_rate;
        self.fill_rate = rate.max(c.min_fill_rate);
        self.max_capacity = rate.max(1.0);
        if self.tokens < 0.0 && old > 0.0 {
            // A debt is a time: the sends already scheduled keep their slots, and the next
            // reservation comes after the last of them, at the new rate.
            self.tokens *= self.fill_rate / old;
        }
        let floor = -self.fill_rate * c.max_wait;
        self.tokens = self.tokens.clamp(floor, self.max_capacity);
    }

    /// Takes one token; returns the seconds to wait before sending.
    fn reserve(&mut self, now: Instant, c: &Config) -> f64 {
        if self.bucket == 0 {
            self.first_sends += 1;
        }
        if !self.enabled {
            return 0.0;
        }
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            return 0.0;
        }
        self.tokens = self.tokens.max(-self.fill_rate * c.max_wait);
        -self.tokens / self.fill_rate
    }
}

impl State {
    /// The seconds a reservation made at `at` would wait, reserving nothing.
    fn wait_at(&self, at: Instant, c: &Config) -> f64 {
        // A reservation on a copy: the same arithmetic as `reserve`, by construction.
        let mut copy = *self;
        copy.reserve(at, c)
    }
}

impl Default for AdaptiveLimiter {
    /// The AWS SDKs' constants, one shared partition; see [`AdaptiveLimiter::builder`].
    fn default() -> Self {
        AdaptiveLimiter::builder()
            .build()
            .expect("the default limiter is valid")
    }
}

impl fmt::Debug for AdaptiveLimiter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.inner.config;
        f.debug_struct("AdaptiveLimiter")
            .field("partition", &self.inner.partition)
            .field("beta", &c.beta)
            .field("scale_constant", &c.scale)
            .field("smoothing", &c.smoothing)
            .field("measure_bucket", &Duration::from_secs_f64(c.bucket))
            .field("min_fill_rate", &c.min_fill_rate)
            .field("max_growth", &c.max_growth)
            .field("max_wait", &Duration::from_secs_f64(c.max_wait))
            .field("throttle_holdoff", &c.holdoff)
            .field("sends", &self.sends())
            .field("sends_delayed", &self.sends_delayed())
            .field("total_delay", &self.total_delay())
            .field("throttles", &self.throttles())
            .finish()
    }
}

impl AdaptiveLimiter {
    /// A builder starting from the defaults: beta 0.7, scale constant 0.4, smoothing 0.8 over
    /// 0.5 s buckets, min fill rate 0.5/s, max growth 2x the measured rate (the AWS SDKs'
    /// constants), at most 10 s of wait, a throttle holdoff of 100 ms, one shared partition.
    pub fn builder() -> AdaptiveLimiterBuilder {
        AdaptiveLimiterBuilder {
            beta: 0.7,
            scale_constant: 0.4,
            smoothing: 0.8,
            measure_bucket: Duration::from_millis(500),
            min_fill_rate: 0.5,
            max_growth: 2.0,
            max_wait: Duration::from_secs(10),
            throttle_holdoff: Duration::from_millis(100),
            partition: Partition::Shared,
        }
    }

    fn with<R>(&self, key: &'static str, f: impl FnOnce(&mut State, &Config) -> R) -> R {
        let inner = &*self.inner;
        inner.states.with(
            key,
            || Mutex::new(State::new()),
            |state| f(&mut lock(state), &inner.config),
        )
    }

    /// Reserves one send for `key` (the retried fn's target; ignored with
    /// [`Partition::Shared`]) at `now`; returns how long the caller must wait before sending.
    ///
    /// Zero while the partition has seen no throttle, or when the bucket holds a token.
    /// Otherwise the token is taken anyway (the bucket goes into debt) and the wait is the time
    /// until the debt is paid at the current rate, at most
    /// [`max_wait`](AdaptiveLimiterBuilder::max_wait): sleep that long, then send without
    /// asking again. Call it before every attempt, first or retry.
    pub fn reserve(&self, key: &'static str, now: Instant) -> Duration {
        let wait = self.with(key, |s, c| s.reserve(now, c));
        let inner = &*self.inner;
        inner.sends.fetch_add(1, Ordering::Relaxed);
        if wait > 0.0 {
            let wait = Duration::from_secs_f64(wait);
            inner.delayed.fetch_add(1, Ordering::Relaxed);
            let nanos = u64::try_from(wait.as_nanos()).unwrap_or(u64::MAX);
            inner.delay_nanos.fetch_add(nanos, Ordering::Relaxed);
            wait
        } else {
            Duration::ZERO
        }
    }

    /// How long a send of `key` reserved at `at` would wait, as things stand (reserves
    /// nothing): what the engine asks when it decides a retry, to give up at once rather than
    /// after the backoff when the limiter would hold the retry past `max_time`.
    pub(crate) fn wait_at(&self, key: &'static str, at: Instant) -> Duration {
        let c = &self.inner.config;
        let wait = self.read(key, |s| s.wait_at(at, c)).unwrap_or(0.0);
        Duration::from_secs_f64(wait)
    }

    /// Reports that an attempt of `key` was throttled at `now` (a 429, or a 503 with
    /// `Retry-After`): the rate drops to beta times the rate achieved, unless this throttle
    /// belongs to a congestion event already answered (see the
    /// [module documentation](self)).
    pub fn on_throttle(&self, key: &'static str, now: Instant) {
        self.inner.throttles.fetch_add(1, Ordering::Relaxed);
        let (lowered, rate) = self.with(key, |s, c| (s.on_answer(now, true, c), s.fill_rate));
        let partition = self.partition_name(key);
        if lowered {
            tracing::debug!(partition, rate, "rate limiter: throttled, rate lowered");
        }
        crate::observe::limiter_rate(partition, Some(rate), true);
    }

    /// The partition `key` falls in, for events and metrics.
    fn partition_name(&self, key: &'static str) -> &'static str {
        match self.inner.partition {
            Partition::PerTarget => key,
            _ => "(shared)",
        }
    }

    /// Reports an answer of `key` at `now` that is not a throttle (a success, or any other
    /// error): counted in the measured rate, and the rate moves along the cubic curve.
    pub fn on_success(&self, key: &'static str, now: Instant) {
        let rate = self.with(key, |s, c| {
            s.on_answer(now, false, c);
            s.enabled.then_some(s.fill_rate)
        });
        crate::observe::limiter_rate(self.partition_name(key), rate, false);
    }

    /// The fill rate of `key`'s partition in requests per second, or `None` while it has seen
    /// no throttle (the limiter lets everything through) or has never been used.
    pub fn rate(&self, key: &'static str) -> Option<f64> {
        self.read(key, |s| s.enabled.then_some(s.fill_rate))
            .flatten()
    }

    /// The smoothed rate of answers of `key`'s partition, per second (what a throttle takes as
    /// the rate achieved), or `None` if it has never been used.
    pub fn measured_rate(&self, key: &'static str) -> Option<f64> {
        self.read(key, |s| s.measured)
    }

    /// Reads the state of `key`'s partition without creating it.
    fn read<R>(&self, key: &'static str, f: impl FnOnce(&State) -> R) -> Option<R> {
        let shared = self.inner.partition == Partition::Shared;
        let mut f = Some(f);
        let mut out = None;
        self.inner.states.for_each(|k, state| {
            if (shared || k == Some(key))
                && let Some(f) = f.take()
            {
                out = Some(f(&lock(state)));
            }
        });
        out
    }

    /// Reservations made so far (every send asked about, delayed or not), by every holder.
    pub fn sends(&self) -> u64 {
        self.inner.sends.load(Ordering::Relaxed)
    }

    /// Reservations answered with a positive wait.
    pub fn sends_delayed(&self) -> u64 {
        self.inner.delayed.load(Ordering::Relaxed)
    }

    /// The sum of the waits answered (what the limiter cost the callers, if all waited).
    pub fn total_delay(&self) -> Duration {
        Duration::from_nanos(self.inner.delay_nanos.load(Ordering::Relaxed))
    }

    /// Throttles reported ([`on_throttle`](Self::on_throttle) calls), including those held
    /// off.
    pub fn throttles(&self) -> u64 {
        self.inner.throttles.load(Ordering::Relaxed)
    }

    /// How the state is split.
    pub fn partition(&self) -> Partition {
        self.inner.partition
    }

    /// Whether `other` is a clone of this limiter (the same state).
    pub fn shares_state_with(&self, other: &AdaptiveLimiter) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

/// Builds an [`AdaptiveLimiter`]; [`AdaptiveLimiterBuilder::build`] validates every value and
/// reports every broken rule, as [`RetrySettingsBuilder::build`](crate::RetrySettingsBuilder::build)
/// does.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::limiter::AdaptiveLimiter;
///
/// let err = AdaptiveLimiter::builder().beta(1.0).max_wait(Duration::ZERO).build().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "beta must be finite, greater than 0 and less than 1; max_wait must be greater than 0"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct AdaptiveLimiterBuilder {
    beta: f64,
    scale_constant: f64,
    smoothing: f64,
    measure_bucket: Duration,
    min_fill_rate: f64,
    max_growth: f64,
    max_wait: Duration,
    throttle_holdoff: Duration,
    partition: Partition,
}

/// The largest rate accepted anywhere in the builder, in requests per second.
const MAX_RATE: f64 = 1e9;

impl AdaptiveLimiterBuilder {
    /// The share of the achieved rate kept on a throttle (default 0.7, AWS; finite, greater
    /// than 0 and less than 1).
    pub fn beta(mut self, beta: f64) -> Self {
        self.beta = beta;
        self
    }

    /// CUBIC's `C`: how fast the rate grows back, in requests per second per second cubed
    /// (default 0.4, AWS; finite, greater than 0, at most 1e9).
    pub fn scale_constant(mut self, scale: f64) -> Self {
        self.scale_constant = scale;
        self
    }

    /// The weight of the newest bucket in the measured rate (default 0.8, AWS; finite,
    /// greater than 0, at most 1).
    pub fn smoothing(mut self, smoothing: f64) -> Self {
        self.smoothing = smoothing;
        self
    }

    /// The length of a measurement bucket (default 0.5 s, AWS; between 1 ms and 1 hour).
    pub fn measure_bucket(mut self, bucket: Duration) -> Self {
        self.measure_bucket = bucket;
        self
    }

    /// The lowest fill rate, in requests per second (default 0.5, AWS; finite, greater than 0,
    /// at most 1e9).
    pub fn min_fill_rate(mut self, rate: f64) -> Self {
        self.min_fill_rate = rate;
        self
    }

    /// The fill rate is at most this many times the measured rate (default 2, AWS: the ramp
    /// that keeps the curve from running ahead of what the callers send; finite, at least 1,
    /// at most 1e9).
    pub fn max_growth(mut self, growth: f64) -> Self {
        self.max_growth = growth;
        self
    }

    /// The longest wait a reservation answers, which bounds the bucket's debt to
    /// `max_wait * fill rate` tokens (default 10 s; greater than 0, at most 1 hour).
    pub fn max_wait(mut self, wait: Duration) -> Self {
        self.max_wait = wait;
        self
    }

    /// Throttles that arrive within this time after one that lowered the rate (plus the time
    /// the debt then took to pay) leave the rate alone (default 100 ms; at most 1 hour; zero
    /// makes every throttle lower the rate, as the AWS SDKs do).
    pub fn throttle_holdoff(mut self, holdoff: Duration) -> Self {
        self.throttle_holdoff = holdoff;
        self
    }

    /// One state for every call ([`Partition::Shared`], the default) or one per retried fn
    /// ([`Partition::PerTarget`]).
    pub fn partition(mut self, partition: Partition) -> Self {
        self.partition = partition;
        self
    }

    /// Validates and builds a limiter with its own state.
    pub fn build(self) -> Result<AdaptiveLimiter, SettingsError> {
        const HOUR: Duration = Duration::from_secs(3600);
        let mut violations = Vec::new();
        let mut check = |ok: bool, field, rule| {
            if !ok {
                violations.push(Violation { field, rule });
            }
        };
        let open = |x: f64, low: f64, high: f64| x.is_finite() && x > low && x < high;
        check(
            open(self.beta, 0.0, 1.0),
            "beta",
            "must be finite, greater than 0 and less than 1",
        );
        check(
            self.scale_constant.is_finite()
                && self.scale_constant > 0.0
                && self.scale_constant <= MAX_RATE,
            "scale_constant",
            "must be finite, greater than 0 and at most 1e9",
        );
        check(
            self.smoothing.is_finite() && self.smoothing > 0.0 && self.smoothing <= 1.0,
            "smoothing",
            "must be finite, greater than 0 and at most 1",
        );
        check(
            (Duration::from_millis(1)..=HOUR).contains(&self.measure_bucket),
            "measure_bucket",
            "must be between 1 ms and 1 hour",
        );
        check(
            self.min_fill_rate.is_finite()
                && self.min_fill_rate > 0.0
                && self.min_fill_rate <= MAX_RATE,
            "min_fill_rate",
            "must be finite, greater than 0 and at most 1e9",
        );
        check(
            self.max_growth.is_finite() && (1.0..=MAX_RATE).contains(&self.max_growth),
            "max_growth",
            "must be finite, at least 1 and at most 1e9",
        );
        check(
            self.max_wait > Duration::ZERO,
            "max_wait",
            "must be greater than 0",
        );
        check(self.max_wait <= HOUR, "max_wait", "must be at most 1 hour");
        check(
            self.throttle_holdoff <= HOUR,
            "throttle_holdoff",
            "must be at most 1 hour",
        );
        if !violations.is_empty() {
            return Err(SettingsError::new(violations));
        }
        let config = Config {
            beta: self.beta,
            scale: self.scale_constant,
            smoothing: self.smoothing,
            bucket: self.measure_bucket.as_secs_f64(),
            min_fill_rate: self.min_fill_rate,
            max_growth: self.max_growth,
            max_wait: self.max_wait.as_secs_f64(),
            holdoff: self.throttle_holdoff,
        };
        Ok(AdaptiveLimiter {
            inner: Arc::new(Inner {
                config,
                partition: self.partition,
                states: Partitions::new(self.partition, || Mutex::new(State::new())),
                sends: AtomicU64::new(0),
                delayed: AtomicU64::new(0),
                delay_nanos: AtomicU64::new(0),
                throttles: AtomicU64::new(0),
            }),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What happened to a limiter before the question.
    type History<'a> = &'a dyn Fn(&AdaptiveLimiter, Instant);

    /// Two limiters with the same history from `t0`: what `wait_at` predicts on one,
    /// `reserve` answers on the other.
    fn twins(history: History<'_>, t0: Instant) -> (AdaptiveLimiter, AdaptiveLimiter) {
        let build = || {
            let limiter = AdaptiveLimiter::builder()
                .min_fill_rate(10.0)
                .max_wait(Duration::from_secs(2))
                .build()
                .unwrap();
            history(&limiter, t0);
            limiter
        };
        (build(), build())
    }

    /// Switched on at 10 req/s at `t0`, then `owed` sends reserved at `t0`.
    fn owing(owed: u32) -> impl Fn(&AdaptiveLimiter, Instant) {
        move |limiter, t0| {
            limiter.on_throttle("", t0);
            for _ in 0..owed {
                limiter.reserve("", t0);
            }
        }
    }

    #[test]
    fn wait_at_predicts_the_reservation_without_making_it() {
        let t0 = Instant::now();
        let after = |ms: u64| t0 + Duration::from_millis(ms);
        let cases: [(&str, History<'_>, u64, Duration); 6] = [
            ("off", &|_, _| {}, 0, Duration::ZERO),
            ("on, bucket empty", &owing(0), 0, Duration::from_millis(100)),
            ("on, a token earned by then", &owing(0), 150, Duration::ZERO),
            // 5 owed at 10/s, one more asked 100 ms later.
            ("in debt", &owing(5), 100, Duration::from_millis(500)),
            (
                "in debt past max_wait",
                &owing(40),
                0,
                Duration::from_secs(2),
            ),
            ("debt paid long before", &owing(5), 5_000, Duration::ZERO),
        ];
        for (name, history, ms, expected) in cases {
            let (predicted, reserved) = twins(history, t0);
            let sends = predicted.sends();
            let wait = predicted.wait_at("", after(ms));
            assert_eq!(wait, expected, "{name}");
            assert_eq!(
                predicted.wait_at("", after(ms)),
                wait,
                "{name}: reserved nothing"
            );
            assert_eq!(predicted.sends(), sends, "{name}");
            assert_eq!(reserved.reserve("", after(ms)), wait, "{name}");
        }
    }
}
