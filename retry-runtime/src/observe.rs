//! What the shared handles and hedging report for dashboards: `tracing` events always, and,
//! with the `metrics` feature, counters and gauges through the [`metrics`] facade (whatever
//! recorder the application installs: Prometheus, StatsD, ...). Without the feature every fn
//! here is empty and compiles away.
//!
//! | name | kind | labels | what |
//! |---|---|---|---|
//! | `retry_breaker_state` | gauge | `partition` | 0 closed, 1 half-open, 2 open |
//! | `retry_breaker_transitions_total` | counter | `partition`, `to` | changes of state |
//! | `retry_limiter_rate` | gauge | `partition` | the limiter's fill rate, requests/s |
//! | `retry_limiter_throttles_total` | counter | `partition` | throttles the limiter was told |
//! | `retry_hedges_started_total` | counter | `target` | attempts started by the hedge delay |
//! | `retry_hedges_won_total` | counter | `target` | calls a hedge (not the first attempt) answered |
//! | `retry_budget_tokens` | gauge | | the retry budget's balance, in retries |
//! | `retry_budget_refused_total` | counter | | retries the budget refused |
//!
//! A partition is the retried fn's target with per-target partitions, `(shared)` otherwise.
//!
//! [`metrics`]: https://docs.rs/metrics

#[cfg(feature = "metrics")]
use crate::breaker::BreakerState;

/// A breaker partition changed state (after its `tracing` event).
#[inline]
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn breaker_state(partition: &'static str, state: crate::breaker::BreakerState) {
    #[cfg(feature = "metrics")]
    {
        let level = match state {
            BreakerState::Closed => 0.0,
            BreakerState::HalfOpen => 1.0,
            BreakerState::Open => 2.0,
        };
        metrics::gauge!("retry_breaker_state", "partition" => partition).set(level);
        metrics::counter!(
            "retry_breaker_transitions_total",
            "partition" => partition,
            "to" => state.as_str()
        )
        .increment(1);
    }
}

/// A limiter partition's fill rate after an answer (`None`: not switched on yet).
#[inline]
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn limiter_rate(partition: &'static str, rate: Option<f64>, throttled: bool) {
    #[cfg(feature = "metrics")]
    {
        if let Some(rate) = rate {
            metrics::gauge!("retry_limiter_rate", "partition" => partition).set(rate);
        }
        if throttled {
            metrics::counter!("retry_limiter_throttles_total", "partition" => partition)
                .increment(1);
        }
    }
}

/// The hedge delay started an attempt of `target`.
#[inline]
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn hedge_started(target: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("retry_hedges_started_total", "target" => target).increment(1);
}

/// A hedged call of `target` was answered by an attempt other than its first.
#[inline]
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn hedge_won(target: &'static str) {
    #[cfg(feature = "metrics")]
    metrics::counter!("retry_hedges_won_total", "target" => target).increment(1);
}

/// The retry budget's balance after a withdrawal; `refused` when it refused one.
#[inline]
#[cfg_attr(not(feature = "metrics"), allow(unused_variables))]
pub(crate) fn budget(balance: f64, refused: bool) {
    #[cfg(feature = "metrics")]
    {
        metrics::gauge!("retry_budget_tokens").set(balance);
        if refused {
            metrics::counter!("retry_budget_refused_total").increment(1);
        }
    }
}
