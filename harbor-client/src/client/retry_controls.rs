//! The retry settings of a client at run time: read, replace, change, switch off.

use super::HarborClient;
use super::attempt_controls::is_read;
use crate::error::Error;
use crate::operations::Operation;
use crate::settings::{RetryState, default_retry_settings, in_no_retry_scope, with_client_rules};
use retry_runtime::{RetryBudget, RetrySettings, RetrySettingsBuilder, SettingsError};
use std::sync::atomic::Ordering;
use std::sync::{Arc, PoisonError};

impl HarborClient {
    /// The current retry settings (`None`: retrying is off).
    pub fn retry_settings(&self) -> Option<RetrySettings<Error>> {
        self.read_retry().settings.clone()
    }

    /// The retry budget shared by this client's calls (`None`: no budget); see
    /// [`HarborClientBuilder::retry_budget`](crate::HarborClientBuilder::retry_budget).
    pub fn retry_budget(&self) -> Option<&RetryBudget> {
        self.inner.retry_budget.as_ref()
    }

    /// Replaces the retry settings (`None` disables retrying); the next request uses them,
    /// in every task and every clone of this client. Settings without a budget get the
    /// client's [`retry_budget`](Self::retry_budget).
    pub fn set_retry(&self, settings: impl Into<Option<RetrySettings<Error>>>) {
        let (budget, cap) = (self.inner.retry_budget.as_ref(), self.inner.retry_after_cap);
        let state = RetryState::new(settings.into().map(|s| with_client_rules(s, budget, cap)));
        *self
            .inner
            .retry
            .write()
            .unwrap_or_else(PoisonError::into_inner) = state;
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
        let mut guard = self
            .inner
            .retry
            .write()
            .unwrap_or_else(PoisonError::into_inner);
        let current = guard.settings.clone().unwrap_or_else(|| {
            with_client_rules(
                default_retry_settings(),
                self.inner.retry_budget.as_ref(),
                self.inner.retry_after_cap,
            )
        });
        let changed = change(current.to_builder()).build()?;
        *guard = RetryState::new(Some(changed));
        Ok(())
    }

    /// Retries POST and PATCH operations even after the request may have reached the server
    /// (and lets every operation be [hedged](Self::hedge)).
    pub fn set_retry_non_idempotent(&self, allow: bool) {
        self.inner
            .retry_non_idempotent
            .store(allow, Ordering::Relaxed);
    }

    /// Retries this (non-idempotent) operation even after the request may have reached the
    /// server, e.g. `client.allow_retry_after_send(operations::START_REPLICATION)`. Also the
    /// opt-in that lets a POST, PATCH, PUT or DELETE operation be [hedged](Self::hedge).
    pub fn allow_retry_after_send(&self, operation: &'static Operation) {
        self.inner
            .retry_after_send
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(operation.id);
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

    /// The settings a call of `operation` made now would use: `None` when retrying is off
    /// (settings `None`, a [`no_retry`](Self::no_retry) handle, or inside
    /// [`no_retry_scope`](crate::no_retry_scope)); for a non-idempotent operation not opted
    /// in, the settings that give up once the request may have been sent. The settings' own
    /// `hedge_delay` is kept for GET and HEAD operations only (see
    /// [`hedge`](Self::hedge) for why the others are not hedged by default).
    pub fn effective_retry_settings(
        &self,
        operation: &'static Operation,
    ) -> Option<RetrySettings<Error>> {
        if self.retry_off || in_no_retry_scope() {
            return None;
        }
        let state = self.read_retry();
        if !operation.idempotent && !self.retry_after_send_allowed(operation) {
            state.unsafe_ops.clone()
        } else if is_read(operation) {
            state.settings.clone()
        } else {
            state.unhedged.clone().or_else(|| state.settings.clone())
        }
    }

    fn read_retry(&self) -> std::sync::RwLockReadGuard<'_, RetryState> {
        self.inner
            .retry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }
}
