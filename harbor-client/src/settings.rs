//! Retry settings on the client (harborapi's `RetrySettings`, in Rust).
//!
//! - Default on: [`default_retry_settings`] (expo waits, full jitter, `max_time` 60 s) retries
//!   the [`Transient`] class: network errors, timeouts, 429, 502, 503 and 504.
//! - `None` disables retrying; [`HarborClient::set_retry`](crate::HarborClient::set_retry) and
//!   [`HarborClient::update_retry`](crate::HarborClient::update_retry) replace or change the
//!   settings at any time, from any task; the next call uses them.
//! - **Resend**, the client's one name for "may this request be sent twice": POST and PATCH
//!   operations are not idempotent (`createProject`, `RefreshSec`, `startReplication`...), so
//!   by default they are sent again only when the request provably never left (connection
//!   refused, DNS failure, connect timeout); PUT and DELETE are sent again after a failure but
//!   never hedged; GET and HEAD both. Allow resending per operation with
//!   [`HarborClient::allow_resend`](crate::HarborClient::allow_resend) or for all with
//!   [`HarborClient::allow_resend_all`](crate::HarborClient::allow_resend_all)
//!   ([`HarborClientBuilder::allow_resend_all`](crate::HarborClientBuilder::allow_resend_all)).
//!   Mechanism: for a POST or PATCH not allowed the client derives settings that also give up
//!   on any error that may have reached the server; a `giveup` of your own still applies there
//!   too (either predicate ends the call). Allowed operations use your settings unchanged.
//! - `Retry-After` (seconds or an HTTP date) on an error answer is honoured: the wait before
//!   the next attempt is at least that long, whatever the wait generator chose, capped by
//!   [`HarborClientBuilder::retry_after_cap`](crate::HarborClientBuilder::retry_after_cap)
//!   (default 60 s) and by the settings' `max_time` (counted from the call's start). It is the
//!   settings' [wait floor](retry_runtime::RetrySettingsBuilder::wait_floor), added to settings
//!   given to the client that have none, so `Details::wait` and the backoff log show the wait
//!   actually taken; `client.update_retry(|s| s.no_wait_floor())` ignores `Retry-After`.
//! - **Per-attempt timeout, off by default**:
//!   [`HarborClientBuilder::attempt_timeout`](crate::HarborClientBuilder::attempt_timeout),
//!   [`HarborClient::set_attempt_timeout`](crate::HarborClient::set_attempt_timeout), or per call
//!   [`HarborClient::with_attempt_timeout`](crate::HarborClient::with_attempt_timeout) (the
//!   settings' own `attempt_timeout` applies where the client sets none). An attempt still
//!   running then is dropped and fails with a [`TimeoutError`](crate::error::TimeoutError)
//!   (transient; it may have been sent, so a POST or PATCH not allowed to be resent is not
//!   retried). Its operation and request id are set when it is made, so hooks and logs see
//!   them. It is
//!   cut to what is left of `max_time`; without it, only the transport's
//!   [`timeout`](crate::HarborClientBuilder::timeout) (60 s) bounds an attempt.
//! - **Hedging, off by default**: [`HarborClient::hedge`](crate::HarborClient::hedge) for one
//!   operation, [`HarborClient::hedge_reads`](crate::HarborClient::hedge_reads) for every GET and
//!   HEAD (the settings' own `hedge_delay` acts as the latter). After the delay with no answer
//!   the next attempt starts beside the slow one; the first success wins. At most
//!   [`DEFAULT_MAX_HEDGES`] (2) hedges per call, unless the settings set their own
//!   `max_hedges` (a retry after a failure is not a hedge). A POST, PATCH, PUT or DELETE is
//!   refused ([`HedgeError`](crate::error::HedgeError)) unless allowed to be resent.
//! - **One plan per call**: a call reads the client's configuration once, when it starts,
//!   and keeps what it read (settings, attempt timeout, hedge delay, credentials) for all its
//!   attempts; a change made meanwhile applies from the next call.
//! - [`no_retry_scope`] and [`HarborClient::no_retry`](crate::HarborClient::no_retry) switch
//!   retrying off for one task's scope or one handle, never for other tasks.
//! - **Retry budget, on by default**: each client holds one [`RetryBudget`]
//!   ([`default_retry_budget`]: every call earns 0.2 retries, a reserve of 100 retries, at most
//!   100 banked) shared by all its calls, tasks and clones, so a full outage of the server
//!   costs at most about 1.2 requests per call once the reserve is spent, instead of one per
//!   retry the settings allow. A call whose retry the budget refuses returns its last error;
//!   its `on_giveup` hooks see [`GiveUpReason::BudgetExhausted`](retry_runtime::GiveUpReason)
//!   in `Details::reason` and the log line ends with `retry budget exhausted`. The client's
//!   budget is attached to settings given to it (the defaults,
//!   [`HarborClientBuilder::retry`](crate::HarborClientBuilder::retry),
//!   [`HarborClient::set_retry`](crate::HarborClient::set_retry)) that carry none; settings
//!   with their own budget keep it. Choose another with
//!   [`HarborClientBuilder::retry_budget`](crate::HarborClientBuilder::retry_budget), or
//!   pass `None` there to retry without a budget.

use crate::error::{Error, Transient};
use retry_runtime::latency::AutoHedge;
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::partition::Partition;
use retry_runtime::wait::{self, Expo, Runtime};
use retry_runtime::{CircuitBreaker, RetryBudget, RetrySettings, RetrySettingsBuilder};
use std::future::Future;
use std::time::{Duration, SystemTime};

/// The client's default settings: retry [`Transient`] errors with exponential waits and full
/// jitter for at most 60 seconds (harborapi's defaults, narrowed to failures worth repeating).
///
/// ```
/// let s = harbor_client::default_retry_settings();
/// assert!(s.enabled());
/// assert_eq!(s.max_time(), Some(std::time::Duration::from_secs(60)));
/// ```
pub fn default_retry_settings() -> RetrySettings<Error> {
    RetrySettings::builder()
        .exception::<Transient>()
        .build()
        .expect("the default settings are valid")
}

/// The settings of a call with retrying off that still has a per-attempt timeout to apply:
/// one attempt, no default log, no hooks, no budget.
pub(crate) fn single_attempt_settings() -> RetrySettings<Error> {
    RetrySettings::builder()
        .max_tries(1)
        .logger(false)
        .build()
        .expect("one attempt is valid settings")
}

/// The budget a new client shares between all its calls: [`RetryBudget::default`] (each call
/// deposits 0.2 tokens, a retry costs 1, the bucket holds at most 100 and starts full, a
/// success after retries returns its last retry's token). Each call of this fn makes a new
/// bucket.
///
/// ```
/// let budget = harbor_client::default_retry_budget();
/// assert_eq!((budget.ratio(), budget.capacity(), budget.balance()), (0.2, 100.0, 100.0));
/// ```
pub fn default_retry_budget() -> RetryBudget {
    RetryBudget::default()
}

/// The most attempts one call's hedge delay starts when the settings given to a client set no
/// `max_hedges` of their own: two hedges beside the first attempt. gRPC and .NET bound hedging
/// by default too; without a bound, a call whose attempts all hang would start one every delay
/// until `max_time` (the default settings set no `max_tries`), each holding a connection and
/// spending a token of the client's shared retry budget.
pub const DEFAULT_MAX_HEDGES: u32 = 2;

/// A circuit breaker for a client, one state per operation: it opens for an operation when at
/// least 10 of its last 20 attempts, after at least 10, failed in a way the settings retry
/// (503s, timeouts, resets, 429s), refuses that operation's calls for 10 s (or the longest
/// `Retry-After` among the failures, cut to the client's `retry_after_cap`), then lets one probe
/// through. Other operations are not affected. Give it to
/// [`HarborClientBuilder::circuit_breaker`](crate::HarborClientBuilder::circuit_breaker);
/// each call of this fn makes a new breaker.
///
/// Its partitions are keyed by the retried fn's path, not the operation id:
/// [`HarborClient::circuit_state`](crate::HarborClient::circuit_state) reads an operation's.
///
/// ```
/// let breaker = harbor_client::settings::default_circuit_breaker();
/// assert!(breaker.partitions().is_empty()); // one is made for each operation called
/// ```
pub fn default_circuit_breaker() -> CircuitBreaker {
    CircuitBreaker::builder()
        .window_calls(20)
        .minimum_calls(10)
        .failure_rate(0.5)
        .open_for(Duration::from_secs(10))
        .probes(1)
        .partition(Partition::PerTarget)
        .build()
        .expect("the default breaker is valid")
}

/// The handles a client shares between all its calls and clones, which its settings get when
/// they carry none of their own.
#[derive(Debug, Clone, Default)]
pub(crate) struct ClientGuards {
    pub(crate) budget: Option<RetryBudget>,
    pub(crate) breaker: Option<CircuitBreaker>,
    pub(crate) limiter: Option<AdaptiveLimiter>,
    pub(crate) auto_hedge: Option<AutoHedge>,
}

/// The client's wait floor: the error's `Retry-After`, cut to `cap`; zero for a 429 without
/// one, so that every 429 reads as a throttle to the rate limiter (a floor of zero lengthens
/// no wait).
fn throttle_floor(error: &Error, cap: Duration) -> Option<Duration> {
    match error.retry_after() {
        Some(wait) => Some(wait.min(cap)),
        None => (error.status() == Some(429)).then_some(Duration::ZERO),
    }
}

/// An adaptive rate limiter for a client, as [`HarborClientBuilder::adaptive_rate_limit`]
/// makes it: the AWS SDKs' CUBIC limiter, one state for the whole server (throttling is
/// usually the ingress's, for every operation at once). For one state per operation, build
/// one with [`Partition::PerTarget`] and give it to
/// [`HarborClientBuilder::rate_limiter`](crate::HarborClientBuilder::rate_limiter).
///
/// [`HarborClientBuilder::adaptive_rate_limit`]: crate::HarborClientBuilder::adaptive_rate_limit
///
/// ```
/// let limiter = harbor_client::settings::default_rate_limiter();
/// assert_eq!(limiter.rate(""), None); // off until the server first throttles
/// ```
pub fn default_rate_limiter() -> AdaptiveLimiter {
    AdaptiveLimiter::default()
}

/// The settings a client stores: its budget, its circuit breaker, its rate limiter, a wait floor of the error's `Retry-After` (cut to
/// `retry_after_cap`) and [`DEFAULT_MAX_HEDGES`], each added where the settings carry none of
/// their own. One builder pass, and none when nothing is added.
pub(crate) fn with_client_rules(
    settings: RetrySettings<Error>,
    guards: &ClientGuards,
    retry_after_cap: Duration,
) -> RetrySettings<Error> {
    let budget = guards
        .budget
        .as_ref()
        .filter(|_| settings.budget().is_none());
    let breaker = guards
        .breaker
        .as_ref()
        .filter(|_| settings.breaker().is_none());
    let limiter = guards
        .limiter
        .as_ref()
        .filter(|_| settings.limiter().is_none());
    let auto_hedge = guards
        .auto_hedge
        .as_ref()
        .filter(|_| settings.hedge_auto().is_none() && settings.hedge_delay().is_none());
    let floor = !settings.has_wait_floor();
    let hedges = settings.max_hedges().is_none();
    if budget.is_none()
        && breaker.is_none()
        && limiter.is_none()
        && auto_hedge.is_none()
        && !floor
        && !hedges
    {
        return settings;
    }
    let mut builder = settings.to_builder();
    if let Some(budget) = budget {
        builder = builder.budget(budget.clone());
    }
    if let Some(breaker) = breaker {
        builder = builder.breaker(breaker.clone());
    }
    if let Some(limiter) = limiter {
        builder = builder.limiter(limiter.clone());
    }
    if let Some(auto) = auto_hedge {
        builder = builder.hedge_auto(auto.clone());
    }
    if hedges {
        builder = builder.max_hedges(DEFAULT_MAX_HEDGES);
    }
    if floor {
        builder = builder.wait_floor(move |e: &Error| throttle_floor(e, retry_after_cap));
    }
    builder
        .build()
        .expect("settings derived from valid settings are valid")
}

/// A `runtime` wait generator for [`RetrySettings`]: the server's `Retry-After` (capped at
/// 60 s) when the error has one, else exponential waits. The client already waits at least
/// `Retry-After` (its wait floor), whatever the generator; use this one to make the
/// generator's own waits follow it too (with `.no_jitter()` to keep them exact).
///
/// ```
/// use harbor_client::{Error, settings::retry_after_wait};
/// use retry_runtime::RetrySettings;
///
/// let settings = RetrySettings::<Error>::builder()
///     .wait_gen(retry_after_wait())
///     .no_jitter()
///     .build()
///     .unwrap();
/// # let _ = settings;
/// ```
pub fn retry_after_wait() -> Runtime<fn(&Error) -> Option<Duration>, Expo> {
    wait::runtime()
        .value(Error::retry_after as fn(&Error) -> Option<Duration>)
        .max_value(60)
}

tokio::task_local! {
    static NO_RETRY: ();
}

/// Runs `future` with retrying switched off for every Harbor call it makes, in this task only
/// (harborapi's `with client.no_retry():`). Other tasks, even ones sharing the client, keep
/// retrying; the settings apply again when the future ends, is dropped or panics.
///
/// ```
/// # async fn demo(client: &harbor_client::HarborClient) -> Result<(), harbor_client::Error> {
/// use harbor_client::no_retry_scope;
///
/// let project = no_retry_scope(client.get_project("library", &Default::default())).await?;
/// # let _ = project; Ok(()) }
/// ```
pub async fn no_retry_scope<F: Future>(future: F) -> F::Output {
    NO_RETRY.scope((), future).await
}

/// Whether the current task is inside [`no_retry_scope`].
pub fn in_no_retry_scope() -> bool {
    NO_RETRY.try_with(|_| ()).is_ok()
}

/// Parses a `Retry-After` value: delay seconds, or an HTTP date (a date in the past gives
/// zero). Returns `None` for anything else.
///
/// ```
/// use std::time::{Duration, SystemTime};
/// use harbor_client::parse_retry_after;
///
/// let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
/// assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
/// assert_eq!(
///     parse_retry_after("Tue, 14 Nov 2023 22:13:40 GMT", now),
///     Some(Duration::from_secs(20))
/// );
/// assert_eq!(parse_retry_after("soon", now), None);
/// ```
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(secs) = value.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    // Some proxies send fractional seconds.
    if let Ok(secs) = value.parse::<f64>() {
        // `try_`: a value too large for a `Duration` (`1e300`) must not panic.
        return (secs.is_finite() && secs >= 0.0)
            .then(|| Duration::try_from_secs_f64(secs).unwrap_or(Duration::MAX));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

/// The retry part of the client's configuration: the user's settings and the settings
/// derived from them once (when they are set, not per call) for operations that may not be
/// sent twice at any time.
#[derive(Debug, Clone, Default)]
pub(crate) struct RetryState {
    pub(crate) settings: Option<RetrySettings<Error>>,
    /// For operations that may be sent again only if never sent (`Resend::IfNeverSent`): give
    /// up once the request may have been sent, never hedge.
    pub(crate) never_sent_only: Option<RetrySettings<Error>>,
    /// For the other writes: the settings without their `hedge_delay` (`None` when they have
    /// none to remove).
    pub(crate) unhedged: Option<RetrySettings<Error>>,
}

impl RetryState {
    pub(crate) fn new(settings: Option<RetrySettings<Error>>) -> Self {
        let derived =
            |change: &dyn Fn(RetrySettingsBuilder<Error>) -> RetrySettingsBuilder<Error>| {
                settings.as_ref().map(|s| {
                    change(s.to_builder())
                        .build()
                        .expect("settings derived from valid settings are valid")
                })
            };
        let never_sent_only =
            derived(&|b| b.also_giveup(|e: &Error| !e.never_sent()).no_hedge_delay());
        let unhedged = if settings
            .as_ref()
            .is_some_and(|s| s.hedge_delay().is_some() || s.hedge_auto().is_some())
        {
            derived(&|b| b.no_hedge_delay())
        } else {
            None
        };
        RetryState {
            settings,
            never_sent_only,
            unhedged,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        assert_eq!(parse_retry_after(" 0 ", now), Some(Duration::ZERO));
        assert_eq!(
            parse_retry_after("1.5", now),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(parse_retry_after("-3", now), None);
        // An HTTP date in the past means "now".
        assert_eq!(
            parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::ZERO)
        );
        let later = httpdate::fmt_http_date(now + Duration::from_secs(90));
        assert_eq!(
            parse_retry_after(&later, now),
            Some(Duration::from_secs(90))
        );
        assert_eq!(parse_retry_after("", now), None);
        // Found by fuzzing: too large for a `Duration` panicked.
        assert_eq!(
            parse_retry_after("18446744073709551616", now),
            Some(Duration::MAX)
        );
        assert_eq!(parse_retry_after("1e300", now), Some(Duration::MAX));
    }

    #[test]
    fn retry_after_wait_follows_the_server_then_expo() {
        use retry_runtime::wait::{Last, WaitGen};
        let mut waits = retry_after_wait();
        use crate::error::StatusError;
        let busy = Error::from(
            StatusError::from_answer(429, b"").with_retry_after(Some(Duration::from_secs(7))),
        );
        let rude = Error::from(
            StatusError::from_answer(503, b"").with_retry_after(Some(Duration::from_secs(3600))),
        );
        let silent = Error::from(StatusError::from_answer(502, b""));
        assert_eq!(
            WaitGen::<Error>::next_wait(&mut waits, Last::Error(&busy)),
            Some(Duration::from_secs(7))
        );
        assert_eq!(
            WaitGen::<Error>::next_wait(&mut waits, Last::Error(&rude)),
            Some(Duration::from_secs(60))
        );
        assert!(WaitGen::<Error>::next_wait(&mut waits, Last::Error(&silent)).is_some());
    }

    #[test]
    fn the_hedge_bound_fills_in_only_where_settings_have_none() {
        let cap = Duration::from_secs(60);
        let filled = with_client_rules(default_retry_settings(), &ClientGuards::default(), cap);
        assert_eq!(filled.max_hedges(), Some(DEFAULT_MAX_HEDGES));
        let own = default_retry_settings()
            .to_builder()
            .max_hedges(7)
            .build()
            .unwrap();
        assert_eq!(
            with_client_rules(own, &ClientGuards::default(), cap).max_hedges(),
            Some(7)
        );
    }

    #[test]
    fn the_client_breaker_fills_in_only_where_settings_have_none() {
        let cap = Duration::from_secs(60);
        let breaker = default_circuit_breaker();
        let guards = ClientGuards {
            breaker: Some(breaker.clone()),
            ..ClientGuards::default()
        };
        let attached = with_client_rules(default_retry_settings(), &guards, cap);
        assert!(attached.breaker().unwrap().shares_state_with(&breaker));
        let own = default_circuit_breaker();
        let settings = default_retry_settings()
            .to_builder()
            .breaker(own.clone())
            .build()
            .unwrap();
        let kept = with_client_rules(settings, &guards, cap);
        assert!(kept.breaker().unwrap().shares_state_with(&own));
        // Operations sent again only if never sent ask the same breaker.
        let state = RetryState::new(Some(attached));
        let never_sent_only = state.never_sent_only.unwrap();
        assert!(
            never_sent_only
                .breaker()
                .unwrap()
                .shares_state_with(&breaker)
        );
    }

    #[test]
    fn the_client_budget_fills_in_only_where_settings_have_none() {
        let client_budget = default_retry_budget();
        let guards = ClientGuards {
            budget: Some(client_budget.clone()),
            ..ClientGuards::default()
        };
        let attached =
            with_client_rules(default_retry_settings(), &guards, Duration::from_secs(60));
        assert!(
            attached
                .budget()
                .unwrap()
                .shares_bucket_with(&client_budget)
        );
        let own = RetryBudget::with_ratio(0.5).unwrap();
        let settings = default_retry_settings()
            .to_builder()
            .budget(own.clone())
            .build()
            .unwrap();
        let kept = with_client_rules(settings, &guards, Duration::from_secs(60));
        assert!(kept.budget().unwrap().shares_bucket_with(&own));
        assert!(
            with_client_rules(
                default_retry_settings(),
                &ClientGuards::default(),
                Duration::from_secs(60)
            )
            .budget()
            .is_none()
        );
        // The settings for operations sent again only if never sent share the same bucket.
        let state = RetryState::new(Some(attached));
        let never_sent_only = state.never_sent_only.unwrap();
        assert!(
            never_sent_only
                .budget()
                .unwrap()
                .shares_bucket_with(&client_budget)
        );
    }

    #[test]
    fn derived_settings_give_up_on_sent_requests() {
        let state = RetryState::new(Some(default_retry_settings()));
        assert!(state.never_sent_only.is_some());
        assert!(state.unhedged.is_none());
        assert!(RetryState::new(None).never_sent_only.is_none());
    }

    #[test]
    fn derived_settings_never_hedge() {
        let hedged = default_retry_settings()
            .to_builder()
            .hedge_delay(Duration::from_millis(20))
            .build()
            .unwrap();
        let state = RetryState::new(Some(hedged));
        assert_eq!(
            state.settings.unwrap().hedge_delay(),
            Some(Duration::from_millis(20))
        );
        assert_eq!(state.never_sent_only.unwrap().hedge_delay(), None);
        assert_eq!(state.unhedged.unwrap().hedge_delay(), None);
    }

    fn status(code: u16, retry_after: Option<u64>) -> Error {
        use crate::error::StatusError;
        Error::from(
            StatusError::from_answer(code, b"")
                .with_retry_after(retry_after.map(Duration::from_secs)),
        )
    }

    #[test]
    fn the_defaults_retry_only_transient_errors_for_a_minute() {
        let settings = default_retry_settings();
        assert!(settings.enabled());
        assert_eq!(settings.max_time(), Some(Duration::from_secs(60)));
        assert_eq!(settings.max_tries(), None);
        assert!(settings.catches(&status(503, None)));
        assert!(!settings.catches(&status(404, None)));
        assert!(!settings.catches(&status(500, None)));
        let single = single_attempt_settings();
        assert_eq!(single.max_tries(), Some(1));
        assert!(single.budget().is_none() && single.breaker().is_none());
    }

    #[test]
    fn the_default_guards_have_their_documented_settings() {
        let budget = default_retry_budget();
        assert_eq!(
            (budget.ratio(), budget.capacity(), budget.balance()),
            (0.2, 100.0, 100.0)
        );
        let breaker = format!("{:?}", default_circuit_breaker());
        assert!(
            breaker.starts_with(
                "CircuitBreaker { window: Calls(20), minimum_calls: 10, failure_rate: 0.5, \
                 open_for: 10s, probes: 1, partitioned: true,"
            ),
            "{breaker}"
        );
        // Two calls, two breakers.
        assert!(!default_circuit_breaker().shares_state_with(&default_circuit_breaker()));
    }

    #[test]
    fn the_throttle_floor_is_retry_after_capped_and_zero_for_a_bare_429() {
        let cap = Duration::from_secs(60);
        let floor = |e: &Error| throttle_floor(e, cap);
        assert_eq!(floor(&status(503, Some(30))), Some(Duration::from_secs(30)));
        assert_eq!(floor(&status(429, Some(90))), Some(cap));
        assert_eq!(floor(&status(429, None)), Some(Duration::ZERO));
        assert_eq!(floor(&status(503, None)), None);
        // Through the settings the client stores.
        let settings = with_client_rules(default_retry_settings(), &ClientGuards::default(), cap);
        assert!(settings.has_wait_floor());
        assert_eq!(
            settings.wait_floor(&status(429, Some(90))),
            Some(Duration::from_secs(60))
        );
        assert_eq!(settings.wait_floor(&status(502, None)), None);
    }

    /// Each guard is added on its own, even when it is the only thing missing; what the
    /// settings already carry is kept.
    #[test]
    fn each_client_rule_is_added_alone_when_only_it_is_missing() {
        let cap = Duration::from_secs(60);
        let own_floor = |_: &Error| Some(Duration::from_secs(5));
        // Settings that miss nothing the client adds.
        let complete = || {
            default_retry_settings()
                .to_builder()
                .max_hedges(3)
                .wait_floor(own_floor)
        };
        let unchanged =
            with_client_rules(complete().build().unwrap(), &ClientGuards::default(), cap);
        assert_eq!(unchanged.max_hedges(), Some(3));
        assert_eq!(
            unchanged.wait_floor(&status(429, Some(30))),
            Some(Duration::from_secs(5))
        );

        let budget = default_retry_budget();
        let only =
            |guards: ClientGuards| with_client_rules(complete().build().unwrap(), &guards, cap);
        let with_budget = only(ClientGuards {
            budget: Some(budget.clone()),
            ..ClientGuards::default()
        });
        assert!(with_budget.budget().unwrap().shares_bucket_with(&budget));

        let breaker = default_circuit_breaker();
        let with_breaker = only(ClientGuards {
            breaker: Some(breaker.clone()),
            ..ClientGuards::default()
        });
        assert!(with_breaker.breaker().unwrap().shares_state_with(&breaker));

        let limiter = default_rate_limiter();
        let with_limiter = only(ClientGuards {
            limiter: Some(limiter.clone()),
            ..ClientGuards::default()
        });
        assert!(with_limiter.limiter().unwrap().shares_state_with(&limiter));
        let own_limiter = default_rate_limiter();
        let kept = with_client_rules(
            complete().limiter(own_limiter.clone()).build().unwrap(),
            &ClientGuards {
                limiter: Some(limiter.clone()),
                ..ClientGuards::default()
            },
            cap,
        );
        assert!(kept.limiter().unwrap().shares_state_with(&own_limiter));

        let auto = AutoHedge::default();
        let with_auto = only(ClientGuards {
            auto_hedge: Some(auto.clone()),
            ..ClientGuards::default()
        });
        assert!(with_auto.hedge_auto().unwrap().shares_state_with(&auto));
        // Settings with a fixed hedge delay, or their own automatic one, keep theirs.
        let fixed = with_client_rules(
            complete()
                .hedge_delay(Duration::from_millis(30))
                .build()
                .unwrap(),
            &ClientGuards {
                auto_hedge: Some(auto.clone()),
                ..ClientGuards::default()
            },
            cap,
        );
        assert!(fixed.hedge_auto().is_none());
        assert_eq!(fixed.hedge_delay(), Some(Duration::from_millis(30)));
        let own_auto = AutoHedge::default();
        let kept = with_client_rules(
            complete().hedge_auto(own_auto.clone()).build().unwrap(),
            &ClientGuards {
                auto_hedge: Some(auto),
                ..ClientGuards::default()
            },
            cap,
        );
        assert!(kept.hedge_auto().unwrap().shares_state_with(&own_auto));

        // Only the floor missing, or only the hedge bound.
        let no_floor = default_retry_settings()
            .to_builder()
            .max_hedges(3)
            .build()
            .unwrap();
        let floored = with_client_rules(no_floor, &ClientGuards::default(), cap);
        assert_eq!(
            floored.wait_floor(&status(429, Some(30))),
            Some(Duration::from_secs(30))
        );
        let no_bound = default_retry_settings()
            .to_builder()
            .wait_floor(own_floor)
            .build()
            .unwrap();
        let bounded = with_client_rules(no_bound, &ClientGuards::default(), cap);
        assert_eq!(bounded.max_hedges(), Some(DEFAULT_MAX_HEDGES));
        assert_eq!(
            bounded.wait_floor(&status(429, Some(30))),
            Some(Duration::from_secs(5))
        );
    }

    #[tokio::test]
    async fn no_retry_scope_holds_for_its_future_only() {
        assert!(!in_no_retry_scope());
        let inside = no_retry_scope(async { in_no_retry_scope() }).await;
        assert!(inside);
        assert!(!in_no_retry_scope());
        assert_eq!(no_retry_scope(async { 7 }).await, 7);
    }

    #[test]
    fn a_retry_after_that_is_no_finite_delay_is_none() {
        let now = SystemTime::UNIX_EPOCH;
        assert_eq!(parse_retry_after("inf", now), None);
        assert_eq!(parse_retry_after("NaN", now), None);
        assert_eq!(parse_retry_after("-0.5", now), None);
        assert_eq!(parse_retry_after("0.0", now), Some(Duration::ZERO));
        assert_eq!(parse_retry_after("2", now), Some(Duration::from_secs(2)));
    }
}
