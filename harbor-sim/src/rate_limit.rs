//! Rate limits: token buckets that answer `429 Too Many Requests` with `Retry-After`.
//!
//! Harbor itself rate-limits none of its API: real deployments put an ingress or a proxy in
//! front of it (nginx's `limit_req`, a cloud load balancer), and that is what a [`RateLimit`]
//! models. A request over the limit is refused before Harbor sees it: before the service time
//! ([`Latency`](crate::Latency)), authentication, validation and fault rules, so it changes
//! no state and spends no fault rule.
//!
//! Each limit is a token bucket of `burst` tokens refilled continuously at `rate` tokens a
//! second (`tokens = min(burst, tokens + rate × elapsed)`) on tokio's clock, so tests on a
//! paused clock (`#[tokio::test(start_paused = true)]`) control the refill exactly. A request
//! takes one token from every bucket that applies to it (the global one and its operation's);
//! when one of them is short of a token it is refused and takes none.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

use serde::{Deserialize, Serialize};
use tokio::time::Instant;

/// How far below one token a bucket may be and still count as holding one: refill sums
/// floating-point products (`rate × elapsed`), which may land a hair under a whole token.
const EPSILON: f64 = 1e-9;

/// A token bucket of `rate` requests per second with room for `burst` at once, for one
/// operation or for every request.
///
/// On the admin endpoint (`PUT /_sim/rate-limits`) it is written
/// `{"operation": "getProject", "rate": 10, "burst": 10}`; without `operation` it limits every
/// request, without `burst` the bucket holds one second's worth (`max(1, rate)`).
///
/// ```
/// use harbor_sim::RateLimit;
///
/// let limit = RateLimit::per_second(50.0);
/// assert_eq!((limit.operation, limit.rate, limit.burst), (None, 50.0, 50.0));
/// let limit = RateLimit::per_second(0.5).operation("getProject");
/// assert_eq!((limit.operation.as_deref(), limit.burst), (Some("getProject"), 1.0));
/// let limit = RateLimit::per_second(10.0).burst(2.0);
/// assert_eq!(limit.burst, 2.0);
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "RateLimitWire")]
pub struct RateLimit {
    /// The operation id it applies to (`getProject`); `None` for every request (the limit of
    /// an ingress in front of the whole API).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operation: Option<String>,
    /// Tokens added per second: the sustained number of requests per second. Finite, above 0.
    pub rate: f64,
    /// The bucket's capacity: how many requests may come at once after a quiet spell. At
    /// least 1.
    pub burst: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RateLimitWire {
    #[serde(default)]
    operation: Option<String>,
    rate: f64,
    #[serde(default)]
    burst: Option<f64>,
}

impl From<RateLimitWire> for RateLimit {
    fn from(w: RateLimitWire) -> Self {
        let limit = RateLimit::per_second(w.rate);
        RateLimit {
            operation: w.operation,
            burst: w.burst.unwrap_or(limit.burst),
            ..limit
        }
    }
}

impl RateLimit {
    /// `rate` requests per second for every request, with room for one second's worth at
    /// once (`burst` = `max(1, rate)`).
    pub fn per_second(rate: f64) -> Self {
        RateLimit {
            operation: None,
            rate,
            burst: rate.max(1.0),
        }
    }

    /// Restricts the limit to one operation id.
    pub fn operation(mut self, id: impl Into<String>) -> Self {
        self.operation = Some(id.into());
        self
    }

    /// Sets the bucket's capacity.
    pub fn burst(mut self, burst: f64) -> Self {
        self.burst = burst;
        self
    }

    fn validate(&self) -> Result<(), RateLimitError> {
        if !(self.rate.is_finite() && self.rate > 0.0) {
            return Err(RateLimitError::Rate(self.rate));
        }
        if !(self.burst.is_finite() && self.burst >= 1.0) {
            return Err(RateLimitError::Burst(self.burst));
        }
        Ok(())
    }

    /// Where it applies, for messages.
    fn scope(&self) -> String {
        match &self.operation {
            Some(op) => op.clone(),
            None => "the API".to_owned(),
        }
    }
}

/// A rate limit that cannot be set.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum RateLimitError {
    /// The rate is not a finite number above 0.
    #[error("rate limit rate {0} must be a finite number of requests per second above 0")]
    Rate(f64),
    /// The burst is not a finite number of at least 1.
    #[error("rate limit burst {0} must be a finite number of requests, at least 1")]
    Burst(f64),
    /// The operation id is not one of Harbor's.
    #[error("unknown operation id `{0}`")]
    UnknownOperation(String),
}

#[derive(Debug)]
struct Bucket {
    limit: RateLimit,
    tokens: f64,
    updated: Instant,
}

impl Bucket {
    fn full(limit: RateLimit, now: Instant) -> Self {
        Bucket {
            tokens: limit.burst,
            limit,
            updated: now,
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + self.limit.rate * elapsed).min(self.limit.burst);
        self.updated = self.updated.max(now);
    }

    fn has_token(&self) -> bool {
        self.tokens >= 1.0 - EPSILON
    }

    /// Seconds until the bucket holds a token (after a refill).
    fn wait(&self) -> f64 {
        ((1.0 - self.tokens) / self.limit.rate).max(0.0)
    }
}

/// A request refused by a rate limit.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Throttled {
    /// The limit that keeps it waiting longest.
    pub(crate) limit: RateLimit,
    /// Seconds until every bucket the request takes from holds a token.
    pub(crate) wait: f64,
}

impl Throttled {
    /// The `Retry-After` value: whole seconds, rounded up, at least 1.
    pub(crate) fn retry_after(&self) -> u64 {
        // `as` saturates: an endless wait (a rate of 1e-300) reads as u64::MAX seconds.
        ((self.wait - EPSILON).ceil() as u64).max(1)
    }

    /// The message of the 429 answer.
    pub(crate) fn message(&self) -> String {
        format!(
            "too many requests: {} is limited to {} requests per second (burst {})",
            self.limit.scope(),
            self.limit.rate,
            self.limit.burst
        )
    }
}

#[derive(Debug, Default)]
struct Buckets {
    global: Option<Bucket>,
    per_operation: BTreeMap<String, Bucket>,
}

impl Buckets {
    fn slot(&mut self, operation: Option<&str>) -> Option<&mut Bucket> {
        match operation {
            None => self.global.as_mut(),
            Some(op) => self.per_operation.get_mut(op),
        }
    }

    fn is_empty(&self) -> bool {
        self.global.is_none() && self.per_operation.is_empty()
    }
}

/// The limits in effect. Lock-free when none is set, so benchmarks without one pay nothing.
#[derive(Debug, Default)]
pub(crate) struct RateLimiter {
    armed: AtomicBool,
    buckets: Mutex<Buckets>,
}

impl RateLimiter {
    /// Whether any limit is set.
    pub(crate) fn is_armed(&self) -> bool {
        self.armed.load(Ordering::Acquire)
    }

    /// Sets the limit of `limit`'s scope. A new limit starts with a full bucket; a changed
    /// one keeps the tokens it holds now (refilled at the old rate, capped at the new burst),
    /// so a raise takes effect smoothly. The operation id is the caller's to check.
    pub(crate) fn set(&self, limit: RateLimit, now: Instant) -> Result<(), RateLimitError> {
        limit.validate()?;
        let mut buckets = self.lock();
        match buckets.slot(limit.operation.as_deref()) {
            Some(bucket) => {
                bucket.refill(now);
                bucket.tokens = bucket.tokens.min(limit.burst);
                bucket.limit = limit;
            }
            None => match limit.operation.clone() {
                None => buckets.global = Some(Bucket::full(limit, now)),
                Some(op) => {
                    buckets.per_operation.insert(op, Bucket::full(limit, now));
                }
            },
        }
        self.armed.store(true, Ordering::Release);
        Ok(())
    }

    /// Removes the limit of one scope (`None`: the global one); whether there was one.
    pub(crate) fn clear(&self, operation: Option<&str>) -> bool {
        let mut buckets = self.lock();
        let removed = match operation {
            None => buckets.global.take().is_some(),
            Some(op) => buckets.per_operation.remove(op).is_some(),
        };
        self.armed.store(!buckets.is_empty(), Ordering::Release);
        removed
    }

    /// Removes every limit.
    pub(crate) fn clear_all(&self) {
        let mut buckets = self.lock();
        *buckets = Buckets::default();
        self.armed.store(false, Ordering::Release);
    }

    /// The limits, the global one first, then by operation id.
    pub(crate) fn limits(&self) -> Vec<RateLimit> {
        let buckets = self.lock();
        buckets
            .global
            .iter()
            .chain(buckets.per_operation.values())
            .map(|b| b.limit.clone())
            .collect()
    }

    /// Takes a token for a request at `now` from the global bucket and from `operation`'s
    /// (`None`: a request that routes to no operation, which only the global limit sees), or
    /// refuses it and takes none.
    pub(crate) fn admit(&self, operation: Option<&str>, now: Instant) -> Result<(), Throttled> {
        if !self.is_armed() {
            return Ok(());
        }
        let mut guard = self.lock();
        let buckets = &mut *guard;
        let own = operation.and_then(|op| buckets.per_operation.get_mut(op));
        let mut applicable: Vec<&mut Bucket> = buckets.global.iter_mut().chain(own).collect();
        let mut refusal: Option<Throttled> = None;
        for bucket in applicable.iter_mut() {
            bucket.refill(now);
            if !bucket.has_token() {
                let wait = bucket.wait();
                if refusal.as_ref().is_none_or(|r| wait > r.wait) {
                    refusal = Some(Throttled {
                        limit: bucket.limit.clone(),
                        wait,
                    });
                }
            }
        }
        if let Some(refusal) = refusal {
            return Err(refusal);
        }
        for bucket in applicable {
            bucket.tokens = (bucket.tokens - 1.0).max(0.0);
        }
        Ok(())
    }

    fn lock(&self) -> MutexGuard<'_, Buckets> {
        self.buckets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn admitted(limiter: &RateLimiter, op: Option<&str>, now: Instant, n: usize) -> usize {
        (0..n).filter(|_| limiter.admit(op, now).is_ok()).count()
    }

    #[test]
    fn a_full_bucket_lets_burst_through_then_refills_continuously() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        limiter.set(RateLimit::per_second(10.0), t0).unwrap();
        assert_eq!(admitted(&limiter, None, t0, 20), 10);
        let refused = limiter.admit(Some("getProject"), t0).unwrap_err();
        assert_eq!((refused.retry_after(), refused.wait), (1, 0.1));
        // 100 ms at 10/s is one token; 250 ms more is two and a half.
        assert_eq!(
            admitted(&limiter, None, t0 + Duration::from_millis(100), 5),
            1
        );
        assert_eq!(
            admitted(&limiter, None, t0 + Duration::from_millis(350), 5),
            2
        );
        // Never more than the burst, however long the quiet spell.
        assert_eq!(
            admitted(&limiter, None, t0 + Duration::from_secs(60), 50),
            10
        );
    }

    #[test]
    fn many_small_refills_add_up_to_whole_tokens() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        limiter
            .set(RateLimit::per_second(3.0).burst(1.0), t0)
            .unwrap();
        assert!(limiter.admit(None, t0).is_ok());
        // A third of a second in steps of 1 ms: 1/3 s is not a whole number of them, so the
        // token arrives on the 334th step, and not before.
        let mut passed_at = None;
        for ms in 1..=400 {
            if limiter.admit(None, t0 + Duration::from_millis(ms)).is_ok() {
                passed_at = Some(ms);
                break;
            }
        }
        assert_eq!(passed_at, Some(334));
    }

    #[test]
    fn retry_after_is_whole_seconds_rounded_up() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        limiter.set(RateLimit::per_second(0.25), t0).unwrap();
        assert!(limiter.admit(None, t0).is_ok());
        assert_eq!(limiter.admit(None, t0).unwrap_err().retry_after(), 4);
        let later = t0 + Duration::from_millis(1500);
        assert_eq!(limiter.admit(None, later).unwrap_err().retry_after(), 3);
        let endless = Throttled {
            limit: RateLimit::per_second(1e-300),
            wait: f64::INFINITY,
        };
        assert_eq!(endless.retry_after(), u64::MAX);
    }

    #[test]
    fn a_refused_request_takes_no_token_from_any_bucket() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        limiter.set(RateLimit::per_second(5.0), t0).unwrap();
        limiter
            .set(RateLimit::per_second(1.0).operation("getProject"), t0)
            .unwrap();
        assert_eq!(admitted(&limiter, Some("getProject"), t0, 3), 1);
        // The global bucket lost one token (the request that passed), not three.
        assert_eq!(admitted(&limiter, Some("listProjects"), t0, 10), 4);
        let refused = limiter.admit(Some("getProject"), t0).unwrap_err();
        // Both are empty: the answer names the one that keeps it waiting longest.
        assert_eq!(refused.limit.operation.as_deref(), Some("getProject"));
        assert_eq!(refused.wait, 1.0);
    }

    #[test]
    fn a_change_keeps_the_tokens_capped_at_the_new_burst() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        limiter.set(RateLimit::per_second(10.0), t0).unwrap();
        assert_eq!(admitted(&limiter, None, t0, 10), 10);
        // A raise starts from the empty bucket, refilled at the new rate.
        limiter.set(RateLimit::per_second(20.0), t0).unwrap();
        assert!(limiter.admit(None, t0).is_err());
        assert_eq!(
            admitted(&limiter, None, t0 + Duration::from_millis(50), 5),
            1
        );
        let t1 = t0 + Duration::from_secs(5);
        assert_eq!(admitted(&limiter, None, t1, 30), 20);
        // Time before a change is refilled at the old rate: 100 ms at 20/s is two tokens.
        let t2 = t1 + Duration::from_millis(100);
        limiter.set(RateLimit::per_second(1.0), t2).unwrap();
        assert_eq!(
            admitted(&limiter, None, t2, 5),
            1,
            "capped at the burst of 1"
        );
        assert_eq!(limiter.limits(), [RateLimit::per_second(1.0)]);
    }

    #[test]
    fn clear_removes_one_scope_or_all_and_disarms() {
        let limiter = RateLimiter::default();
        let t0 = Instant::now();
        assert!(!limiter.is_armed());
        limiter
            .set(RateLimit::per_second(1.0).operation("listProjects"), t0)
            .unwrap();
        limiter.set(RateLimit::per_second(2.0), t0).unwrap();
        limiter
            .set(RateLimit::per_second(3.0).operation("getProject"), t0)
            .unwrap();
        let scopes: Vec<_> = limiter.limits().into_iter().map(|l| l.operation).collect();
        assert_eq!(
            scopes,
            [None, Some("getProject".into()), Some("listProjects".into())]
        );
        assert!(limiter.clear(None));
        assert!(!limiter.clear(None));
        assert!(limiter.clear(Some("getProject")));
        assert!(limiter.is_armed());
        assert!(limiter.clear(Some("listProjects")));
        assert!(!limiter.is_armed());
        limiter.set(RateLimit::per_second(2.0), t0).unwrap();
        limiter.clear_all();
        assert!(!limiter.is_armed() && limiter.limits().is_empty());
    }

    #[test]
    fn invalid_limits_are_errors() {
        let limiter = RateLimiter::default();
        let now = Instant::now();
        for rate in [0.0, -1.0, f64::INFINITY] {
            assert_eq!(
                limiter.set(RateLimit::per_second(rate), now),
                Err(RateLimitError::Rate(rate))
            );
        }
        assert!(matches!(
            limiter.set(RateLimit::per_second(f64::NAN), now),
            Err(RateLimitError::Rate(r)) if r.is_nan()
        ));
        for burst in [0.5, 0.0, f64::INFINITY] {
            assert_eq!(
                limiter.set(RateLimit::per_second(1.0).burst(burst), now),
                Err(RateLimitError::Burst(burst))
            );
        }
        assert!(!limiter.is_armed());
    }

    #[test]
    fn wire_form_defaults_the_burst_and_refuses_unknown_fields() {
        let l: RateLimit = serde_json::from_str(r#"{"rate": 50}"#).unwrap();
        assert_eq!(l, RateLimit::per_second(50.0));
        let l: RateLimit =
            serde_json::from_str(r#"{"operation": "getProject", "rate": 0.5, "burst": 3}"#)
                .unwrap();
        assert_eq!(
            l,
            RateLimit::per_second(0.5)
                .operation("getProject")
                .burst(3.0)
        );
        assert_eq!(
            serde_json::to_string(&l).unwrap(),
            r#"{"operation":"getProject","rate":0.5,"burst":3.0}"#
        );
        assert!(serde_json::from_str::<RateLimit>(r#"{"rps": 5}"#).is_err());
        assert!(serde_json::from_str::<RateLimit>(r#"{"burst": 5}"#).is_err());
    }
}
