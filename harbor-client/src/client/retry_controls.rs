//! Changing a client's retry settings and resend permissions at run time: read, replace,
//! change, switch off, allow resending. Each change swaps the client's configuration
//! (`config.rs`); calls read it through their plan (`plan.rs`).

use super::HarborClient;
use crate::error::Error;
use crate::operations::Operation;
use crate::settings::{RetryState, default_retry_settings, with_client_rules};
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::{
    BreakerState, CircuitBreaker, RetryBudget, RetrySettings, RetrySettingsBuilder, SettingsError,
};
use std::sync::Arc;

impl HarborClient {
    /// The current retry settings (`None`: retrying is off).
    pub fn retry_settings(&self) -> Option<RetrySettings<Error>> {
        self.config().retry.settings.clone()
    }

    /// The retry budget shared by this client's calls (`None`: no budget); see
    /// [`HarborClientBuilder::retry_budget`](crate::HarborClientBuilder::retry_budget).
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.guards.budget.as_ref()
    }

    /// The circuit breaker shared by this client's calls (`None`: none, the default); see
    /// [`HarborClientBuilder::circuit_breaker`](crate::HarborClientBuilder::circuit_breaker).
    pub fn circuit_breaker(&self) -> Option<&CircuitBreaker> {
        self.inner.guards.breaker.as_ref()
    }

    /// The state of the circuit breaker for `operation` (`None`: the client has no breaker).
    /// With a per-operation breaker ([`default_circuit_breaker`]), its partition is the one of
    /// the operation's method (the runtime keys partitions by the retried fn's path,
    /// `harbor_client::generated::methods::<tag>::<method>`); an operation not called yet is
    /// closed.
    ///
    /// [`default_circuit_breaker`]: crate::settings::default_circuit_breaker
    ///
    /// ```
    /// use harbor_client::{HarborClient, operations, settings::default_circuit_breaker};
    /// use retry_runtime::BreakerState;
    ///
    /// let client = HarborClient::builder("http://h")
    ///     .basic_auth("u", "p")
    ///     .circuit_breaker(default_circuit_breaker())
    ///     .build()?;
    /// assert_eq!(client.circuit_state(operations::GET_PROJECT), Some(BreakerState::Closed));
    /// # Ok::<(), harbor_client::BuildError>(())
    /// ```
    pub fn circuit_state(&self, operation: &Operation) -> Option<BreakerState> {
        let breaker = self.inner.guards.breaker.as_ref()?;
        let suffix = ["::", operation.method_name].concat();
        let state = breaker
            .partitions()
            .into_iter()
            .find(|(key, _)| {
                key.is_none_or(|key| key.starts_with("harbor_client::") && key.ends_with(&suffix))
            })
            .map_or(BreakerState::Closed, |(_, state)| state);
        Some(state)
    }

    /// The adaptive rate limiter shared by this client's calls (`None`: none, the default);
    /// see [`HarborClientBuilder::adaptive_rate_limit`](crate::HarborClientBuilder::adaptive_rate_limit).
    pub fn rate_limiter(&self) -> Option<&AdaptiveLimiter> {
        self.inner.guards.limiter.as_ref()
    }

    /// Replaces the retry settings (`None` disables retrying); the next call uses them,
    /// in every task and every clone of this client. Settings without a budget or breaker get
    /// the client's [`retry_budget`](Self::retry_budget), [`circuit_breaker`](Self::circuit_breaker)
    /// and [`rate_limiter`](Self::rate_limiter).
    pub fn set_retry(&self, settings: impl Into<Option<RetrySettings<Error>>>) {
        let inner = &self.inner;
        // Derived before the writers' turn: other changes need not wait for it.
        let state = RetryState::new(
            settings
                .into()
                .map(|s| with_client_rules(s, &inner.guards, inner.retry_after_cap)),
        );
        self.change_config(|config| config.retry = state);
    }

    /// Changes the current settings (harborapi's `client.retry.max_tries = 3`); invalid values
    /// are an error and leave the settings as they were. With retrying off, starts from
    /// [`default_retry_settings`] with the client's budget. The change applies as written:
    /// `s.no_budget()` retries without a budget.
    ///
    /// ```
    /// # let client = harbor_client::HarborClient::new("http://h", "u", "p").unwrap();
    /// client.update_retry(|s| s.max_tries(3)).unwrap();
    /// assert_eq!(client.retry_settings().unwrap().max_tries(), Some(3));
    /// let err = client.update_retry(|s| s.max_tries(0)).unwrap_err();
    /// assert_eq!(err.to_string(), "max_tries must be greater than 0");
    /// ```
    pub fn update_retry(
        &self,
        change: impl FnOnce(RetrySettingsBuilder<Error>) -> RetrySettingsBuilder<Error>,
    ) -> Result<(), SettingsError> {
        // In the writers' turn: a change made meanwhile elsewhere is the one this one builds
        // on, never lost.
        self.try_change_config(|config| {
            let current = config.retry.settings.clone().unwrap_or_else(|| {
                with_client_rules(
                    default_retry_settings(),
                    &self.inner.guards,
                    self.inner.retry_after_cap,
                )
            });
            let changed = change(current.to_builder()).build()?;
            config.retry = RetryState::new(Some(changed));
            Ok(())
        })
    }

    /// Lets `operation` be sent twice: retried even after the request may have reached the
    /// server, and [hedged](Self::hedge) (a second copy beside a slow first one), e.g.
    /// `client.allow_resend(operations::START_REPLICATION)` when starting a replication twice
    /// is harmless to you. Without it a POST or PATCH is sent again only when the request
    /// provably never left, and a PUT or DELETE is retried after a failure but never hedged.
    ///
    /// ```
    /// use std::time::Duration;
    /// use harbor_client::operations::CREATE_PROJECT;
    /// # let client = harbor_client::HarborClient::new("http://h", "u", "p").unwrap();
    /// let delay = Duration::from_millis(50);
    /// assert!(client.hedge(CREATE_PROJECT, delay).is_err());
    /// client.allow_resend(CREATE_PROJECT);
    /// client.hedge(CREATE_PROJECT, delay)?;
    /// assert_eq!(client.effective_hedge_delay(CREATE_PROJECT), Some(delay));
    /// # Ok::<(), harbor_client::error::HedgeError>(())
    /// ```
    pub fn allow_resend(&self, operation: &'static Operation) {
        self.change_config(|config| {
            config.resend_operations.insert(operation.id);
        });
    }

    /// Lets every operation be sent twice (`true`), as [`allow_resend`](Self::allow_resend)
    /// does for one, or withdraws that (`false`; operations allowed one by one stay allowed).
    /// Withdrawn, it also stops hedging the operations it permitted.
    pub fn allow_resend_all(&self, allow: bool) {
        self.change_config(|config| config.resend_all = allow);
    }

    /// Renamed [`allow_resend_all`](Self::allow_resend_all) (the client's one name for "may
    /// this request be sent twice").
    #[deprecated(note = "renamed `allow_resend_all`")]
    pub fn set_retry_non_idempotent(&self, allow: bool) {
        self.allow_resend_all(allow);
    }

    /// Renamed [`allow_resend`](Self::allow_resend) (the client's one name for "may this
    /// request be sent twice").
    #[deprecated(note = "renamed `allow_resend`")]
    pub fn allow_retry_after_send(&self, operation: &'static Operation) {
        self.allow_resend(operation);
    }

    /// A handle to the same client whose calls are never retried; other handles and tasks
    /// are not affected, and dropping it ends the effect.
    ///
    /// ```
    /// # let client = harbor_client::HarborClient::new("http://h", "u", "p").unwrap();
    /// let once = client.no_retry();
    /// assert!(once.effective_retry_settings(harbor_client::operations::GET_PROJECT).is_none());
    /// assert!(client.effective_retry_settings(harbor_client::operations::GET_PROJECT).is_some());
    /// ```
    pub fn no_retry(&self) -> HarborClient {
        HarborClient {
            inner: Arc::clone(&self.inner),
            retry_off: true,
            attempt_timeout: self.attempt_timeout,
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::HarborClient;

    #[test]
    fn the_change_of_update_retry_may_read_the_client() {
        let client = HarborClient::new("http://h", "u", "p").unwrap();
        client
            .update_retry(|s| {
                // Would wait forever if the change ran under the configuration's lock.
                let tries = client.retry_settings().and_then(|s| s.max_tries());
                s.max_tries(tries.unwrap_or(2) + 1)
            })
            .unwrap();
        assert_eq!(client.retry_settings().unwrap().max_tries(), Some(3));
    }
}
