//! Per-attempt timeouts and hedged attempts at run time: how long one attempt may run, and
//! which operations start a second attempt beside a slow one.
//!
//! Both reach the retry runtime through the generated methods' attribute
//! (`#[retry(settings = .., attempt_timeout = self.attempt_timeout(), hedge_delay =
//! self.hedge_delay())]`), read once per call: a value set here wins over the settings' own
//! `attempt_timeout` / `hedge_delay`, and `None` leaves the settings' value in force.

use super::HarborClient;
use crate::error::HedgeError;
use crate::operations::Operation;
use crate::settings::in_no_retry_scope;
use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

/// The client's per-attempt timeout and hedge delays.
#[derive(Debug, Clone, Default)]
pub(crate) struct AttemptTiming {
    /// The longest one attempt may run (`None`: the settings' own, else only the transport's
    /// timeout).
    pub(crate) attempt_timeout: Option<Duration>,
    /// The hedge delay of every GET and HEAD operation without one of its own.
    pub(crate) hedge_reads: Option<Duration>,
    /// Hedge delays of single operations, by `operationId`.
    pub(crate) hedge_operations: BTreeMap<&'static str, Duration>,
}

/// Whether `operation` only reads (GET, HEAD): two copies of it at once change nothing.
pub(crate) fn is_read(operation: &Operation) -> bool {
    matches!(operation.http_method, "GET" | "HEAD")
}

/// Why two copies of a write at once are not safe, by method.
fn refusal_reason(method: &str) -> &'static str {
    match method {
        "POST" => {
            "two copies running at once may both apply it (two projects, two robots, two jobs)"
        }
        "PATCH" => "two copies running at once may both apply it",
        "DELETE" => {
            "the copy that loses the race answers 404 and may be the answer returned, although the delete applied"
        }
        _ => {
            "the first copy is slow, not failed, so it usually applies too, and a write made by someone else between the two copies is lost"
        }
    }
}

impl HarborClient {
    /// The client's per-attempt timeout (`None`: none beyond the settings' own
    /// `attempt_timeout` and the transport's [`timeout`](crate::HarborClientBuilder::timeout)).
    pub fn attempt_timeout(&self) -> Option<Duration> {
        self.read_timing().attempt_timeout
    }

    /// Replaces the per-attempt timeout of every call made from now on, in every task and
    /// clone of this client (`None`: off); see
    /// [`HarborClientBuilder::attempt_timeout`](crate::HarborClientBuilder::attempt_timeout).
    ///
    /// ```
    /// use std::time::Duration;
    /// # let client = harbor_client::HarborClient::new("http://h", "u", "p").unwrap();
    /// client.set_attempt_timeout(Duration::from_secs(5));
    /// assert_eq!(client.attempt_timeout(), Some(Duration::from_secs(5)));
    /// client.set_attempt_timeout(None);
    /// assert_eq!(client.attempt_timeout(), None);
    /// ```
    pub fn set_attempt_timeout(&self, timeout: impl Into<Option<Duration>>) {
        self.write_timing().attempt_timeout = timeout.into().filter(|t| !t.is_zero());
    }

    /// A handle to the same client whose calls give each attempt `timeout` (`None`: no
    /// per-attempt timeout), whatever the client's; other handles are not affected. The
    /// per-call form: `client.with_attempt_timeout(d).get_project(..)`.
    ///
    /// ```
    /// use std::time::Duration;
    /// # let client = harbor_client::HarborClient::new("http://h", "u", "p").unwrap();
    /// let patient = client.with_attempt_timeout(Duration::from_secs(30));
    /// assert_eq!(patient.effective_attempt_timeout(), Some(Duration::from_secs(30)));
    /// assert_eq!(client.effective_attempt_timeout(), None);
    /// ```
    pub fn with_attempt_timeout(&self, timeout: impl Into<Option<Duration>>) -> HarborClient {
        HarborClient {
            inner: Arc::clone(&self.inner),
            retry_off: self.retry_off,
            attempt_timeout: Some(timeout.into().filter(|t| !t.is_zero())),
        }
    }

    /// The per-attempt timeout a call made now through this handle would get from the client
    /// (`None`: the settings' own `attempt_timeout`, if any, applies). With retrying off it
    /// cuts the call's one attempt.
    pub fn effective_attempt_timeout(&self) -> Option<Duration> {
        match self.attempt_timeout {
            Some(timeout) => timeout,
            None => self.read_timing().attempt_timeout,
        }
    }

    /// Hedges `operation` after `delay` (`None`: stops hedging it): when an attempt has not
    /// answered by then, the next one starts beside it and the first success is returned, the
    /// others dropped (each extra attempt counts towards `max_tries` and the retry budget).
    /// Choose a delay near the operation's normal p95 latency: about 5% of calls then send a
    /// second request, and a slow answer costs the delay plus a normal one (BENCHMARKS.md,
    /// section 5: 1.06-1.07 requests per call with 5% of answers 200 ms late).
    ///
    /// The default settings set no `max_tries`: while no attempt answers, another starts every
    /// `delay`, until `max_time`. When the whole server is slow, the client's retry budget is
    /// what bounds the extra load (each extra attempt withdraws a token: once its reserve is
    /// spent, about 0.2 extra requests per call); set `max_tries` too
    /// (`client.update_retry(|s| s.max_tries(3))`) to bound every call, above all with the
    /// budget off.
    ///
    /// GET and HEAD operations may always be hedged. Others are refused with
    /// [`HedgeError::Refused`] unless retrying them after the request may have reached the
    /// server was allowed ([`allow_retry_after_send`](Self::allow_retry_after_send) for the
    /// operation, or [`set_retry_non_idempotent(true)`](Self::set_retry_non_idempotent)):
    /// POST and PATCH could apply twice, and PUT and DELETE, idempotent in sequence, are not
    /// safe in parallel (the first copy is slow, not failed, so it usually applies too: a
    /// DELETE's second copy answers 404 and may be the answer returned, and a PUT's second
    /// copy overwrites whatever someone else wrote in between). Should that permission be
    /// withdrawn later, the operation is no longer hedged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use harbor_client::{HarborClient, operations};
    /// use harbor_client::error::HedgeError;
    ///
    /// let client = HarborClient::new("http://h", "u", "p")?;
    /// client.hedge(operations::GET_PROJECT, Duration::from_millis(20))?;
    /// assert_eq!(client.effective_hedge_delay(operations::GET_PROJECT), Some(Duration::from_millis(20)));
    ///
    /// let refused = client.hedge(operations::DELETE_PROJECT, Duration::from_millis(20));
    /// assert!(matches!(refused, Err(HedgeError::Refused { operation: "deleteProject", .. })));
    /// client.allow_retry_after_send(operations::DELETE_PROJECT);
    /// client.hedge(operations::DELETE_PROJECT, Duration::from_millis(20))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hedge(
        &self,
        operation: &'static Operation,
        delay: impl Into<Option<Duration>>,
    ) -> Result<(), HedgeError> {
        let Some(delay) = delay.into() else {
            self.write_timing().hedge_operations.remove(operation.id);
            return Ok(());
        };
        if delay.is_zero() {
            return Err(HedgeError::ZeroDelay {
                operation: Some(operation.id),
            });
        }
        if !self.may_hedge(operation) {
            return Err(HedgeError::Refused {
                operation: operation.id,
                method: operation.http_method,
                reason: refusal_reason(operation.http_method),
            });
        }
        self.write_timing()
            .hedge_operations
            .insert(operation.id, delay);
        Ok(())
    }

    /// Hedges every GET and HEAD operation after `delay` (`None`: off, the default), except
    /// those given a delay of their own with [`hedge`](Self::hedge); see there for what
    /// hedging does. Other operations are never hedged by it.
    ///
    /// ```
    /// use std::time::Duration;
    /// use harbor_client::operations::{GET_PROJECT, CREATE_PROJECT};
    /// # let client = harbor_client::HarborClient::new("http://h", "u", "p").unwrap();
    /// client.hedge_reads(Duration::from_millis(20)).unwrap();
    /// assert_eq!(client.effective_hedge_delay(GET_PROJECT), Some(Duration::from_millis(20)));
    /// assert_eq!(client.effective_hedge_delay(CREATE_PROJECT), None);
    /// assert!(client.hedge_reads(Duration::ZERO).is_err());
    /// ```
    pub fn hedge_reads(&self, delay: impl Into<Option<Duration>>) -> Result<(), HedgeError> {
        let delay = delay.into();
        if delay.is_some_and(|d| d.is_zero()) {
            return Err(HedgeError::ZeroDelay { operation: None });
        }
        self.write_timing().hedge_reads = delay;
        Ok(())
    }

    /// The hedge delay a call of `operation` made now through this handle would use (`None`:
    /// not hedged): the operation's own ([`hedge`](Self::hedge)), else for GET and HEAD the
    /// client's [`hedge_reads`](Self::hedge_reads), else for GET and HEAD the settings' own
    /// `hedge_delay`. Never for a call with retrying off (one attempt is all it makes) or an
    /// operation that may not be hedged.
    pub fn effective_hedge_delay(&self, operation: &'static Operation) -> Option<Duration> {
        self.client_hedge_delay(operation).or_else(|| {
            self.effective_retry_settings(operation)
                .and_then(|settings| settings.hedge_delay())
        })
    }

    /// The hedge delay the client itself sets for a call of `operation` (the attribute's
    /// `hedge_delay`); `None` leaves the settings' own (which the client keeps for GET and HEAD
    /// only, see [`effective_retry_settings`](Self::effective_retry_settings)).
    pub(crate) fn client_hedge_delay(&self, operation: &'static Operation) -> Option<Duration> {
        if self.retry_off || in_no_retry_scope() {
            return None;
        }
        let timing = self.read_timing();
        let delay = timing
            .hedge_operations
            .get(operation.id)
            .copied()
            .or_else(|| timing.hedge_reads.filter(|_| is_read(operation)))?;
        drop(timing);
        // Permission is checked when hedging is switched on, and again here: it may have been
        // withdrawn since (`set_retry_non_idempotent(false)`).
        (is_read(operation) || self.may_hedge(operation)).then_some(delay)
    }

    /// GET and HEAD, and operations allowed to be retried after they may have been sent.
    fn may_hedge(&self, operation: &'static Operation) -> bool {
        is_read(operation) || self.retry_after_send_allowed(operation)
    }

    /// Whether `operation` was opted into retries after send, for itself or globally.
    pub(crate) fn retry_after_send_allowed(&self, operation: &'static Operation) -> bool {
        self.inner.retry_non_idempotent.load(Ordering::Relaxed)
            || self
                .inner
                .retry_after_send
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(operation.id)
    }

    pub(super) fn read_timing(&self) -> RwLockReadGuard<'_, AttemptTiming> {
        self.inner
            .timing
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    fn write_timing(&self) -> RwLockWriteGuard<'_, AttemptTiming> {
        self.inner
            .timing
            .write()
            .unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::{self, OPERATIONS};

    fn client() -> HarborClient {
        HarborClient::new("http://h", "u", "p").unwrap()
    }

    #[test]
    fn every_read_may_be_hedged_and_no_write_without_opt_in() {
        let client = client();
        let delay = Duration::from_millis(10);
        for op in OPERATIONS {
            let result = client.hedge(op, delay);
            match op.http_method {
                "GET" | "HEAD" => assert_eq!(result, Ok(()), "{}", op.id),
                method => {
                    let Err(HedgeError::Refused {
                        operation,
                        method: refused,
                        ..
                    }) = result
                    else {
                        panic!("{} ({method}) was not refused: {result:?}", op.id);
                    };
                    assert_eq!((operation, refused), (op.id, method));
                    assert_eq!(client.effective_hedge_delay(op), None);
                }
            }
        }
    }

    #[test]
    fn opt_in_permits_and_its_withdrawal_stops_hedging() {
        let client = client();
        let delay = Duration::from_millis(10);
        client.set_retry_non_idempotent(true);
        client.hedge(operations::CREATE_PROJECT, delay).unwrap();
        assert_eq!(
            client.effective_hedge_delay(operations::CREATE_PROJECT),
            Some(delay)
        );
        client.set_retry_non_idempotent(false);
        assert_eq!(
            client.effective_hedge_delay(operations::CREATE_PROJECT),
            None
        );
        client.allow_retry_after_send(operations::CREATE_PROJECT);
        assert_eq!(
            client.effective_hedge_delay(operations::CREATE_PROJECT),
            Some(delay)
        );
        client.hedge(operations::CREATE_PROJECT, None).unwrap();
        assert_eq!(
            client.effective_hedge_delay(operations::CREATE_PROJECT),
            None
        );
    }

    #[test]
    fn an_operation_delay_wins_over_reads_and_retry_off_hedges_nothing() {
        let client = client();
        client.hedge_reads(Duration::from_millis(30)).unwrap();
        client
            .hedge(operations::GET_PROJECT, Duration::from_millis(5))
            .unwrap();
        assert_eq!(
            client.effective_hedge_delay(operations::GET_PROJECT),
            Some(Duration::from_millis(5))
        );
        assert_eq!(
            client.effective_hedge_delay(operations::GET_PROJECTS),
            Some(Duration::from_millis(30))
        );
        assert_eq!(
            client
                .no_retry()
                .effective_hedge_delay(operations::GET_PROJECT),
            None
        );
        let zero = client.hedge(operations::GET_PROJECT, Duration::ZERO);
        assert_eq!(
            zero,
            Err(HedgeError::ZeroDelay {
                operation: Some("getProject")
            })
        );
    }

    #[test]
    fn the_handle_timeout_wins_and_zero_is_off() {
        let client = client();
        client.set_attempt_timeout(Duration::from_secs(3));
        assert_eq!(
            client.effective_attempt_timeout(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(
            client
                .with_attempt_timeout(None)
                .effective_attempt_timeout(),
            None
        );
        let handle = client.with_attempt_timeout(Duration::from_secs(1));
        assert_eq!(
            handle.effective_attempt_timeout(),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            handle.no_retry().effective_attempt_timeout(),
            Some(Duration::from_secs(1))
        );
        client.set_attempt_timeout(Duration::ZERO);
        assert_eq!(client.attempt_timeout(), None);
    }
}
