//! Everything about a client that may change at run time, in one value swapped whole.
//!
//! Readers take the current [`Config`] with one lock read ([`HarborClient::config`]) and
//! keep its `Arc`: whatever changes afterwards, a call sees its credentials, retry settings,
//! timeouts, hedge delays and resend permissions as they were at one moment. Writers
//! ([`HarborClient::change_config`]) take turns on a mutex of their own, copy the current
//! value, change the copy and swap it in, so two changes made at once both land and a reader
//! never sees half of one. The change runs outside the `RwLock` (it may run user code:
//! `update_retry`'s closure), so readers never wait on it and that code may read the client.
//!
//! A plain `RwLock<Arc<Config>>` rather than `arc-swap`: the read lock is held for one `Arc`
//! clone, uncontended (changes are rare), and it needs no new dependency.

use super::HarborClient;
use super::credentials::Auth;
use super::plan::{Resend, is_read};
use crate::operations::Operation;
use crate::settings::RetryState;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, PoisonError};
use std::time::Duration;

/// A client's run-time configuration at one moment. No `Debug`: it holds the
/// `Authorization` value ([`HarborClient`]'s own `Debug` shows the rest).
#[derive(Clone)]
pub(crate) struct Config {
    /// The credentials and the `Authorization` value made from them.
    pub(crate) auth: Auth,
    /// The retry settings and those derived from them.
    pub(crate) retry: RetryState,
    /// Every operation may be sent twice ([`HarborClient::allow_resend_all`]).
    pub(crate) resend_all: bool,
    /// Operations that may be sent twice ([`HarborClient::allow_resend`]), by `operationId`.
    pub(crate) resend_operations: BTreeSet<&'static str>,
    /// The longest one attempt may run (`None`: the settings' own, else only the transport's
    /// timeout).
    pub(crate) attempt_timeout: Option<Duration>,
    /// The hedge delay of every GET and HEAD operation without one of its own.
    pub(crate) hedge_reads: Option<Duration>,
    /// Hedge delays of single operations, by `operationId`.
    pub(crate) hedge_operations: BTreeMap<&'static str, Duration>,
}

impl Config {
    /// Whether, and when, a request of `operation` may be sent more than once: the one
    /// place that answers it (from the operation's method and the permissions given).
    pub(crate) fn resend(&self, operation: &Operation) -> Resend {
        if is_read(operation) || self.resend_all || self.resend_operations.contains(operation.id) {
            Resend::Always
        } else if operation.idempotent {
            Resend::AfterFailure
        } else {
            Resend::IfNeverSent
        }
    }

    /// The hedge delay set for `operation` (its own, else for a GET or HEAD the one of all
    /// reads), whether or not it may be hedged.
    pub(crate) fn hedge_delay(&self, operation: &Operation) -> Option<Duration> {
        self.hedge_operations
            .get(operation.id)
            .copied()
            .or_else(|| self.hedge_reads.filter(|_| is_read(operation)))
    }
}

impl HarborClient {
    /// Runs `read` on the configuration in force, under the read lock: the one lock read a
    /// call makes, for its plan, which takes what it needs and keeps no reference (no `Arc` of
    /// the configuration is cloned and dropped per call: both are writes to a counter every
    /// thread shares).
    pub(crate) fn read_config<T>(&self, read: impl FnOnce(&Config) -> T) -> T {
        read(
            &self
                .inner
                .config
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// The current configuration.
    pub(crate) fn config(&self) -> Arc<Config> {
        Arc::clone(
            &self
                .inner
                .config
                .read()
                .unwrap_or_else(PoisonError::into_inner),
        )
    }

    /// Changes a copy of the configuration and swaps it in.
    pub(crate) fn change_config(&self, change: impl FnOnce(&mut Config)) {
        let unchanged: Result<(), std::convert::Infallible> = self.try_change_config(|config| {
            change(config);
            Ok(())
        });
        let Ok(()) = unchanged;
    }

    /// Changes a copy of the configuration and swaps it in, unless `change` fails (then
    /// nothing changes). Writers take turns (`config_writer`), so concurrent changes apply one
    /// after the other and none is lost; the write lock is held for the swap only.
    pub(crate) fn try_change_config<T, E>(
        &self,
        change: impl FnOnce(&mut Config) -> Result<T, E>,
    ) -> Result<T, E> {
        let _turn = self
            .inner
            .config_writer
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let mut next = Config::clone(&self.config());
        let value = change(&mut next)?;
        *self
            .inner
            .config
            .write()
            .unwrap_or_else(PoisonError::into_inner) = Arc::new(next);
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use crate::HarborClient;
    use crate::operations::OPERATIONS;
    use std::time::Duration;

    #[test]
    fn changes_made_at_once_from_many_threads_all_land() {
        let client = HarborClient::new("http://h", "u", "p").unwrap();
        std::thread::scope(|s| {
            for chunk in OPERATIONS.chunks(20) {
                let client = &client;
                s.spawn(move || {
                    for op in chunk {
                        client.allow_resend(op);
                        client.hedge(op, Duration::from_millis(5)).unwrap();
                    }
                });
            }
        });
        let config = client.config();
        assert_eq!(config.resend_operations.len(), OPERATIONS.len());
        assert_eq!(config.hedge_operations.len(), OPERATIONS.len());
    }
}
