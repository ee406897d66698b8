//! Changing per-attempt timeouts and hedged attempts at run time: how long one attempt may
//! run, and which operations start a second attempt beside a slow one.
//!
//! Both reach the retry runtime through the call's plan (`plan.rs`), read once per call: a
//! value set here wins over the settings' own `attempt_timeout` / `hedge_delay`, and `None`
//! leaves the settings' value in force.

use super::HarborClient;
use super::plan::Resend;
use crate::error::HedgeError;
use crate::operations::Operation;
use std::sync::Arc;
use std::time::Duration;

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
        self.config().attempt_timeout
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
        let timeout = timeout.into().filter(|t| !t.is_zero());
        self.change_config(|config| config.attempt_timeout = timeout);
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
    /// [`HedgeError::Refused`] unless they were allowed to be sent twice
    /// ([`allow_resend`](Self::allow_resend) for the operation, or
    /// [`allow_resend_all(true)`](Self::allow_resend_all)): POST and PATCH could apply twice, and PUT and DELETE, idempotent in sequence, are not
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
    /// client.allow_resend(operations::DELETE_PROJECT);
    /// client.hedge(operations::DELETE_PROJECT, Duration::from_millis(20))?;
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn hedge(
        &self,
        operation: &'static Operation,
        delay: impl Into<Option<Duration>>,
    ) -> Result<(), HedgeError> {
        let Some(delay) = delay.into() else {
            self.change_config(|config| {
                config.hedge_operations.remove(operation.id);
            });
            return Ok(());
        };
        if delay.is_zero() {
            return Err(HedgeError::ZeroDelay {
                operation: Some(operation.id),
            });
        }
        // Checked against the configuration it changes: a permission withdrawn meanwhile is
        // seen.
        self.try_change_config(|config| {
            if config.resend(operation) != Resend::Always {
                return Err(HedgeError::Refused {
                    operation: operation.id,
                    method: operation.http_method,
                    reason: refusal_reason(operation.http_method),
                });
            }
            config.hedge_operations.insert(operation.id, delay);
            Ok(())
        })
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
        self.change_config(|config| config.hedge_reads = delay);
        Ok(())
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
    fn every_read_may_be_hedged_and_no_write_unless_allowed_to_be_resent() {
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
    fn allowing_resend_permits_hedging_and_withdrawing_it_stops_it() {
        let client = client();
        let delay = Duration::from_millis(10);
        client.allow_resend_all(true);
        client.hedge(operations::CREATE_PROJECT, delay).unwrap();
        assert_eq!(
            client.effective_hedge_delay(operations::CREATE_PROJECT),
            Some(delay)
        );
        client.allow_resend_all(false);
        assert_eq!(
            client.effective_hedge_delay(operations::CREATE_PROJECT),
            None
        );
        client.allow_resend(operations::CREATE_PROJECT);
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
