//! Credentials that rotate: asking the client's [`CredentialProvider`] for new ones, once for
//! all the calls that saw the same ones refused (single flight), and which credentials each
//! call's attempts send.
//!
//! **What triggers a refresh: a 401, and nothing else.** Harbor does not refuse a stale
//! secret: its security middleware (`src/server/middleware/security/robot.go`, then
//! `basic_auth.go`) finds no account for it, and the request goes on as anonymous. What the
//! caller then gets depends on the operation (`src/server/v2.0/handler/base.go`):
//!
//! - anything needing authentication or a permission anonymous callers lack answers **401**
//!   (`RequireProjectAccess` and `RequireSystemAccess` answer 401 to an unauthenticated
//!   context and 403 to an authenticated one): system resources, a private project's
//!   resources (even a project that does not exist: 401, not 404), writes (`CreateProject`
//!   starts with `RequireAuthenticated`), and `/users/current/permissions`;
//! - reads of public data answer **200** as anonymous: a public project, its repositories and
//!   artifacts; lists answer 200 with only public entries (`GET /projects`).
//!
//! A 403 always comes from an authenticated caller (a permission, not a stale secret), so
//! only a 401 asks for a refresh. Reads of public data made with a stale secret succeed as
//! anonymous and ask for nothing: the next call needing authentication gets the 401 and
//! refreshes. Check the credentials with
//! [`verify_credentials`](HarborClient::verify_credentials) where that matters.
//!
//! A 401 can also relay a remote registry's refusal (Harbor maps a remote's 401 to
//! `UNAUTHORIZED`: registry pings, replication and preheat targets); then the refresh costs
//! one provider ask and one resend, and the second 401 is returned.
//!
//! **Resending after a 401 is safe for every method**, a POST or PATCH that may not be sent
//! twice included: Harbor checks access at the start of the handler, before any effect, so a
//! request refused with 401 did nothing. A provider failure after it is therefore
//! [never sent](crate::Error::never_sent) and retried by the settings that retry only such
//! errors.
//!
//! **Generations.** Every change of the client's credentials (a provider's answer,
//! [`set_credentials`](HarborClient::set_credentials)) makes a new generation. A call that
//! got a 401 asks for credentials newer than the generation it sent: when another call
//! already got them it resends with those; otherwise it asks the provider, and the calls that
//! arrive meanwhile wait for that one ask and share its outcome, success or failure. A call
//! resends at most once per generation refused: a 401 to credentials newer than those it saw
//! refused is a real refusal, returned as it is (no loop). So an attempt sends at most two
//! requests.

use super::{Call, HarborClient};
use crate::auth::{CredentialProvider, Credentials};
use crate::error::{CredentialProviderError, Error, ProviderFailure};
use reqwest::header::HeaderValue;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

/// The credentials of one generation as a call sends them.
#[derive(Clone)]
pub(crate) struct Sent {
    /// The generation of the client's credentials they are.
    pub(crate) generation: u64,
    /// Their `Authorization` value.
    pub(crate) header: HeaderValue,
}

/// A client's provider and the single flight of its asks.
pub(crate) struct CredentialSource {
    provider: Box<dyn CredentialProvider>,
    /// The longest an ask may take (`None`: no limit).
    timeout: Option<Duration>,
    /// Held for the whole of an ask: one at a time, the other callers wait for it. Holds the
    /// failure of the last ask, if it failed, for the callers that waited on it.
    last_failure: tokio::sync::Mutex<Option<ProviderFailure>>,
    /// Asks finished (read before waiting: one finished since then answered the waiter too).
    asks_finished: AtomicU64,
}

impl CredentialSource {
    pub(crate) fn new(provider: Box<dyn CredentialProvider>, timeout: Option<Duration>) -> Self {
        CredentialSource {
            provider,
            timeout,
            last_failure: tokio::sync::Mutex::new(None),
            asks_finished: AtomicU64::new(0),
        }
    }

    /// One ask of the provider, cut at the timeout; the credentials with their header.
    async fn ask(&self) -> Result<(Credentials, HeaderValue), ProviderFailure> {
        let asked = self.provider.credentials();
        let answer = match self.timeout {
            Some(limit) => tokio::time::timeout(limit, asked)
                .await
                .map_err(|_| ProviderFailure::TimedOut(limit))?,
            None => asked.await,
        };
        let credentials = answer.map_err(|e| ProviderFailure::Failed(Arc::from(e)))?;
        let header = credentials
            .header_value()
            .map_err(|e| ProviderFailure::Unusable(Arc::new(e)))?;
        Ok((credentials, header))
    }
}

impl std::fmt::Debug for CredentialSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CredentialSource")
            .field("timeout", &self.timeout)
            .field("asks_finished", &self.asks_finished.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl HarborClient {
    /// Credentials newer than generation `refused`: the current ones when they already are,
    /// else the provider's, asked once for every caller waiting meanwhile.
    async fn renew_credentials(
        &self,
        source: &CredentialSource,
        refused: u64,
    ) -> Result<Sent, ProviderFailure> {
        let finished_before = source.asks_finished.load(Ordering::Acquire);
        let mut last_failure = source.last_failure.lock().await;
        let current = self.config().auth.clone();
        if current.generation > refused
            && let Some(header) = current.header
        {
            return Ok(Sent {
                generation: current.generation,
                header,
            });
        }
        // An ask that finished while this caller waited answered it too.
        if source.asks_finished.load(Ordering::Acquire) != finished_before
            && let Some(failure) = &*last_failure
        {
            return Err(failure.clone());
        }
        let answer = source.ask().await;
        source.asks_finished.fetch_add(1, Ordering::Release);
        match answer {
            Ok((credentials, header)) => {
                *last_failure = None;
                let generation = self.install_credentials(credentials, header.clone());
                tracing::info!(generation, "the credential provider gave new credentials");
                Ok(Sent { generation, header })
            }
            Err(failure) => {
                tracing::warn!(error = %failure, "the credential provider failed");
                *last_failure = Some(failure.clone());
                Err(failure)
            }
        }
    }
}

/// Which credentials a call's attempts send, and which generation it saw refused.
pub(crate) struct CallCredentials {
    state: Mutex<CallState>,
}

struct CallState {
    /// The generation the next attempt sends.
    generation: u64,
    /// Its header; `None` until the provider first answered.
    header: Option<HeaderValue>,
    /// The generation Harbor answered 401 to in this call, if any.
    refused: Option<u64>,
}

impl CallCredentials {
    /// The credentials of the plan, as the call starts.
    pub(crate) fn new(generation: u64, header: Option<HeaderValue>) -> Self {
        CallCredentials {
            state: Mutex::new(CallState {
                generation,
                header,
                refused: None,
            }),
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, CallState> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    fn adopt(&self, sent: &Sent) {
        let mut state = self.state();
        if sent.generation > state.generation {
            state.generation = sent.generation;
            state.header = Some(sent.header.clone());
        }
    }
}

impl Call<'_> {
    /// The credentials of the next attempt: the call's, unless it has none yet or saw them
    /// refused and could not renew them then (a provider failure, now retried); then the
    /// provider is asked first.
    pub(crate) async fn attempt_credentials(&self) -> Result<Sent, Error> {
        let stale = {
            let state = self.credentials.state();
            match &state.header {
                Some(header) if state.refused != Some(state.generation) => {
                    return Ok(Sent {
                        generation: state.generation,
                        header: header.clone(),
                    });
                }
                _ => state.generation,
            }
        };
        self.renew(stale).await
    }

    /// After Harbor answered 401 to `sent`: the credentials to send the request again with,
    /// or `None` when the 401 stands (no provider, or `sent` was already renewed credentials).
    pub(crate) async fn after_unauthorized(&self, sent: &Sent) -> Result<Option<Sent>, Error> {
        if self.client.inner.credential_source.is_none() {
            return Ok(None);
        }
        {
            let mut state = self.credentials.state();
            match state.refused {
                Some(refused) if sent.generation > refused => return Ok(None),
                _ => state.refused = Some(sent.generation.max(state.refused.unwrap_or(0))),
            }
        }
        tracing::debug!(
            operation = self.op.id,
            generation = sent.generation,
            request_id = %self.request_id,
            "Harbor answered 401: renewing the credentials and sending again"
        );
        self.renew(sent.generation).await.map(Some)
    }

    /// Credentials newer than `stale`, adopted by the call.
    async fn renew(&self, stale: u64) -> Result<Sent, Error> {
        let Some(source) = &self.client.inner.credential_source else {
            // Only a client with a provider can be without credentials.
            return Err(self.invalid("no credentials and no credential provider"));
        };
        let sent = self
            .client
            .renew_credentials(source, stale)
            .await
            .map_err(|cause| {
                Error::CredentialProvider(CredentialProviderError {
                    operation: self.op.id,
                    request_id: self.request_id.to_string(),
                    cause,
                })
            })?;
        self.credentials.adopt(&sent);
        Ok(sent)
    }
}
