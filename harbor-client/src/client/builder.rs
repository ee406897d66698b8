//! [`HarborClientBuilder`]: everything fixed when the client is built.

use super::credential_refresh::CredentialSource;
use super::credentials::Auth;
use super::{Config, HarborClient, Inner};
use crate::auth::{CredentialProvider, Credentials};
use crate::encoding;
use crate::error::{BuildError, Error, HedgeError, HttpStackError};
use crate::settings::{
    ClientGuards, RetryState, default_retry_budget, default_retry_settings,
    single_attempt_settings, with_client_rules,
};
use retry_runtime::latency::AutoHedge;
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::{CircuitBreaker, RetryBudget, RetrySettings};
use std::fmt;
use std::path::Path;
use std::sync::{Arc, Mutex, RwLock};
use std::time::Duration;

/// How long the client waits for its credential provider by default
/// ([`HarborClientBuilder::credential_provider_timeout`]).
pub const DEFAULT_CREDENTIAL_PROVIDER_TIMEOUT: Duration = Duration::from_secs(30);

/// Builds a [`HarborClient`]; see [`HarborClient::builder`].
#[must_use]
pub struct HarborClientBuilder {
    url: String,
    credentials: Option<Credentials>,
    credential_provider: Option<Box<dyn CredentialProvider>>,
    credential_provider_timeout: Option<Duration>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    extra_roots: Vec<reqwest::Certificate>,
    /// The first problem met while configuring, reported by `build`.
    deferred: Option<BuildError>,
    accept_invalid_certs: bool,
    retry: Option<RetrySettings<Error>>,
    retry_budget: Option<RetryBudget>,
    circuit_breaker: Option<CircuitBreaker>,
    rate_limiter: Option<AdaptiveLimiter>,
    auto_hedge: Option<AutoHedge>,
    resend_all: bool,
    retry_after_cap: Duration,
    attempt_timeout: Option<Duration>,
    hedge_reads: Option<Duration>,
    user_agent: String,
}

impl fmt::Debug for HarborClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HarborClientBuilder")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .field("credential_provider", &self.credential_provider.is_some())
            .field(
                "credential_provider_timeout",
                &self.credential_provider_timeout,
            )
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("extra_roots", &self.extra_roots.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .field("circuit_breaker", &self.circuit_breaker)
            .field("rate_limiter", &self.rate_limiter)
            .field("auto_hedge", &self.auto_hedge)
            .field("resend_all", &self.resend_all)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("hedge_reads", &self.hedge_reads)
            .finish_non_exhaustive()
    }
}

impl HarborClient {
    /// A builder for the server at `url` (`https://harbor.example`, with or without
    /// `/api/v2.0`).
    pub fn builder(url: impl Into<String>) -> HarborClientBuilder {
        HarborClientBuilder {
            url: url.into(),
            credentials: None,
            credential_provider: None,
            credential_provider_timeout: Some(DEFAULT_CREDENTIAL_PROVIDER_TIMEOUT),
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(60)),
            extra_roots: Vec::new(),
            deferred: None,
            accept_invalid_certs: false,
            retry: Some(default_retry_settings()),
            retry_budget: Some(default_retry_budget()),
            circuit_breaker: None,
            rate_limiter: None,
            auto_hedge: None,
            resend_all: false,
            retry_after_cap: Duration::from_secs(60),
            attempt_timeout: None,
            hedge_reads: None,
            user_agent: concat!("harbor-client-rs/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }

    /// A client with username and secret and every default.
    pub fn new(
        url: impl Into<String>,
        username: impl Into<String>,
        secret: impl Into<String>,
    ) -> Result<Self, BuildError> {
        Self::builder(url).basic_auth(username, secret).build()
    }
}

impl HarborClientBuilder {
    /// The credentials (required): [`Credentials::basic`], [`Credentials::token`] or
    /// [`Credentials::from_robot_file`].
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// Username and secret (robot accounts: `robot$name`).
    pub fn basic_auth(self, username: impl Into<String>, secret: impl Into<String>) -> Self {
        self.credentials(Credentials::basic(username, secret))
    }

    /// A robot credentials file (JSON with `name` and `secret`); read when building.
    pub fn robot_credentials_file(mut self, path: impl AsRef<Path>) -> Self {
        match Credentials::from_robot_file(path) {
            Ok(c) => self.credentials = Some(c),
            Err(e) => {
                self.deferred.get_or_insert(e);
            }
        }
        self
    }

    /// Where the client gets credentials that rotate (a robot secret refreshed with Harbor's
    /// `RefreshSec`, then written to a file, a vault, the environment): any
    /// [`CredentialProvider`], such as an async closure,
    /// [`RobotFileProvider`](crate::auth::RobotFileProvider) or
    /// [`EnvProvider`](crate::auth::EnvProvider). Shared by every clone of the client.
    ///
    /// - **First credentials**: those given to [`credentials`](Self::credentials) (or
    ///   [`basic_auth`](Self::basic_auth), ...), if any; without them `build` stays
    ///   synchronous and asks nothing, and the first call asks the provider (once for all the
    ///   calls made meanwhile).
    /// - **Refresh on 401**: Harbor answers 401 to stale credentials where authentication is
    ///   needed (it serves public data to them as anonymous; see `client/credential_refresh.rs`
    ///   for the answers Harbor gives). An attempt that gets a 401 asks for credentials newer
    ///   than those it sent and sends the request again at once, without a backoff wait. One
    ///   ask of the provider serves every call that saw the same credentials refused (single
    ///   flight); a call whose refused credentials another call already renewed just resends.
    ///   A 401 to renewed credentials is returned as it is: an attempt sends at most two
    ///   requests. Safe for every method: Harbor refused the request before running it. The
    ///   resend belongs to the attempt, so it happens with retrying off too.
    /// - **A failing provider** (an error, no answer within
    ///   [`credential_provider_timeout`](Self::credential_provider_timeout), credentials that
    ///   cannot make a header) fails the attempt with
    ///   [`Error::CredentialProvider`](crate::Error::CredentialProvider): transient and never
    ///   sent, so the call's retry settings retry it like a network error, under the same
    ///   `max_tries`, `max_time`, waits and retry budget (settings with an `exception` list of
    ///   their own retry it when it names
    ///   [`CredentialProviderError`](crate::error::CredentialProviderError) or
    ///   [`Transient`](crate::error::Transient)). The next attempt asks the provider before
    ///   sending. Calls asking at the same moment share one ask and its failure.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use harbor_client::{Credentials, HarborClient};
    ///
    /// // Where the current secret lives: here memory; in production a vault or a file.
    /// let store = Arc::new(std::sync::Mutex::new("first-secret".to_owned()));
    /// let client = HarborClient::builder("https://harbor.example")
    ///     .credential_provider(move || {
    ///         let secret = store.lock().unwrap().clone();
    ///         async move { Ok::<_, std::io::Error>(Credentials::basic("robot$ci", secret)) }
    ///     })
    ///     .build()?;
    /// assert!(client.credentials().is_none()); // asked by the first call
    /// # Ok::<(), harbor_client::BuildError>(())
    /// ```
    pub fn credential_provider(mut self, provider: impl CredentialProvider) -> Self {
        self.credential_provider = Some(Box::new(provider));
        self
    }

    /// The longest the client waits for one answer of its
    /// [credential provider](Self::credential_provider) (default
    /// [`DEFAULT_CREDENTIAL_PROVIDER_TIMEOUT`], 30 s; `None`: no limit). An ask cut by it is a
    /// provider failure, retried as the call's settings say.
    pub fn credential_provider_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.credential_provider_timeout = timeout.into();
        self
    }

    /// Time allowed to open a connection (default 10 s; `None`: no limit).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// The transport's time allowed for one attempt, from sending to the end of the body
    /// (default 60 s; `None`: no limit). Retries get a fresh allowance each. It is not cut to
    /// what is left of the settings' `max_time`; [`attempt_timeout`](Self::attempt_timeout) is.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
        self
    }

    /// The per-attempt timeout (default `None`: none beyond the settings' own
    /// `attempt_timeout` and the transport's [`timeout`](Self::timeout), 60 s). An attempt
    /// still running after it is dropped and fails with a [`TimeoutError`] whose
    /// [`attempt_timed_out`](crate::error::TimeoutError::attempt_timed_out) is set; like any
    /// timeout it is retried by default (for a POST or PATCH not allowed to be resent, it ends the call: the
    /// request may have reached the server). Unlike the transport's timeout it is cut to the
    /// time left before the settings' `max_time`, so with both set `max_time` bounds the whole
    /// call. The shorter of it and [`timeout`](Self::timeout) cuts an attempt first; `Duration::ZERO`
    /// is the same as `None`. With retrying off (settings `None`,
    /// [`no_retry`](HarborClient::no_retry)) it still cuts the call's one attempt. Change it at run time with
    /// [`HarborClient::set_attempt_timeout`], per call with
    /// [`HarborClient::with_attempt_timeout`].
    ///
    /// [`TimeoutError`]: crate::error::TimeoutError
    ///
    /// ```
    /// use std::time::Duration;
    /// use harbor_client::HarborClient;
    ///
    /// let client = HarborClient::builder("https://harbor.example")
    ///     .basic_auth("admin", "Harbor12345")
    ///     .attempt_timeout(Duration::from_secs(5))
    ///     .build()?;
    /// assert_eq!(client.attempt_timeout(), Some(Duration::from_secs(5)));
    /// # Ok::<(), harbor_client::BuildError>(())
    /// ```
    pub fn attempt_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.attempt_timeout = timeout.into().filter(|t| !t.is_zero());
        self
    }

    /// Hedges every GET and HEAD operation after `delay` (default `None`: no hedging); see
    /// [`HarborClient::hedge`] for what it does and [`HarborClient::hedge_reads`] to change it
    /// later. A zero delay is refused by [`build`](Self::build).
    ///
    /// ```
    /// use std::time::Duration;
    /// use harbor_client::{HarborClient, operations};
    ///
    /// let client = HarborClient::builder("https://harbor.example")
    ///     .basic_auth("admin", "Harbor12345")
    ///     .hedge_reads(Duration::from_millis(30))
    ///     .build()?;
    /// assert_eq!(client.effective_hedge_delay(operations::GET_PROJECT), Some(Duration::from_millis(30)));
    /// assert_eq!(client.effective_hedge_delay(operations::DELETE_PROJECT), None);
    /// # Ok::<(), harbor_client::BuildError>(())
    /// ```
    pub fn hedge_reads(mut self, delay: impl Into<Option<Duration>>) -> Self {
        self.hedge_reads = delay.into();
        self
    }

    /// Hedges every read (GET, HEAD) with a delay that tunes itself (default off): each
    /// operation's delay is the 95th percentile of its own recent attempt latencies (none
    /// until 20 are seen), and hedges are at most 5% of its calls beyond a reserve of 5, on
    /// top of the settings' `max_hedges`. A fixed delay ([`hedge_reads`](Self::hedge_reads),
    /// [`HarborClient::hedge`]) wins over it.
    ///
    /// ```
    /// use harbor_client::HarborClient;
    ///
    /// let client = HarborClient::builder("http://h").basic_auth("u", "p").hedge_reads_auto(true).build()?;
    /// assert!(client.retry_settings().unwrap().hedge_auto().is_some());
    /// # Ok::<(), harbor_client::BuildError>(())
    /// ```
    pub fn hedge_reads_auto(mut self, on: bool) -> Self {
        self.auto_hedge = on.then(AutoHedge::default);
        self
    }

    /// Trusts the certificates of a PEM bundle in addition to the platform's roots.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Self {
        match reqwest::Certificate::from_pem_bundle(pem) {
            Ok(certs) if !certs.is_empty() => self.extra_roots.extend(certs),
            Ok(_) => {
                self.deferred.get_or_insert(BuildError::InvalidCertificate(
                    "no certificate in the PEM data".to_owned(),
                ));
            }
            Err(e) => {
                self.deferred
                    .get_or_insert(BuildError::InvalidCertificate(format!(
                        "not a PEM certificate bundle: {e}"
                    )));
            }
        }
        self
    }

    /// Trusts the certificates of a PEM file in addition to the platform's roots.
    pub fn ca_file(mut self, path: impl AsRef<Path>) -> Self {
        let path = path.as_ref();
        match std::fs::read(path) {
            Ok(pem) => self.add_root_certificate_pem(&pem),
            Err(e) => {
                self.deferred
                    .get_or_insert(BuildError::InvalidCertificate(format!(
                        "cannot read {}: {e}",
                        path.display()
                    )));
                self
            }
        }
    }

    /// **Dangerous**: accepts any server certificate (expired, self-signed, wrong host).
    /// Only for throwaway test servers; prefer [`HarborClientBuilder::ca_file`].
    pub fn danger_accept_invalid_certs(mut self, accept: bool) -> Self {
        self.accept_invalid_certs = accept;
        self
    }

    /// The retry settings (default [`default_retry_settings`]); `None` disables retrying.
    pub fn retry(mut self, settings: impl Into<Option<RetrySettings<Error>>>) -> Self {
        self.retry = settings.into();
        self
    }

    /// The retry budget shared by every call of the client and its clones (default: a new
    /// [`default_retry_budget`]); `None` retries without a budget. It applies to the client's
    /// settings whenever they carry no budget of their own (see the
    /// [`settings`](crate::settings) module).
    ///
    /// ```
    /// use harbor_client::HarborClient;
    /// use retry_runtime::RetryBudget;
    ///
    /// let budget = RetryBudget::builder().ratio(0.1).capacity(20).build()?;
    /// let client = HarborClient::builder("http://h")
    ///     .basic_auth("u", "p")
    ///     .retry_budget(budget.clone())
    ///     .build()?;
    /// assert!(client.retry_budget().unwrap().shares_bucket_with(&budget));
    /// assert!(client.retry_settings().unwrap().budget().unwrap().shares_bucket_with(&budget));
    ///
    /// let unbudgeted = HarborClient::builder("http://h").basic_auth("u", "p").retry_budget(None).build()?;
    /// assert!(unbudgeted.retry_settings().unwrap().budget().is_none());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn retry_budget(mut self, budget: impl Into<Option<RetryBudget>>) -> Self {
        self.retry_budget = budget.into();
        self
    }

    /// A circuit breaker shared by every call of the client and its clones (default: none):
    /// while it is open for an operation, that operation's calls fail at once with
    /// [`Error::CircuitOpen`] and nothing is sent. [`default_circuit_breaker`] keeps one state
    /// per operation, so one operation's outage leaves the others alone. It applies to the
    /// client's settings whenever they carry no breaker of their own, as the budget does.
    ///
    /// [`default_circuit_breaker`]: crate::settings::default_circuit_breaker
    ///
    /// ```
    /// use harbor_client::{HarborClient, settings::default_circuit_breaker};
    ///
    /// let breaker = default_circuit_breaker();
    /// let client = HarborClient::builder("http://h")
    ///     .basic_auth("u", "p")
    ///     .circuit_breaker(breaker.clone())
    ///     .build()?;
    /// assert!(client.circuit_breaker().unwrap().shares_state_with(&breaker));
    /// assert!(client.retry_settings().unwrap().breaker().unwrap().shares_state_with(&breaker));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn circuit_breaker(mut self, breaker: impl Into<Option<CircuitBreaker>>) -> Self {
        self.circuit_breaker = breaker.into();
        self
    }

    /// Switches client-side adaptive rate limiting on or off (default off): with it on, every
    /// attempt of every call, first or retry, waits its turn at a rate that falls when the
    /// server throttles (a 429, or a 503 with `Retry-After`) and recovers as calls succeed,
    /// the AWS SDKs' adaptive mode. One limiter, [`default_rate_limiter`], shared by every call
    /// and clone of the client. Until the server first throttles, it costs one short lock per
    /// attempt and never waits.
    ///
    /// [`default_rate_limiter`]: crate::settings::default_rate_limiter
    ///
    /// ```
    /// use harbor_client::HarborClient;
    ///
    /// let client = HarborClient::builder("http://h").basic_auth("u", "p").adaptive_rate_limit(true).build()?;
    /// assert!(client.rate_limiter().is_some());
    /// assert!(client.retry_settings().unwrap().limiter().is_some());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn adaptive_rate_limit(self, on: bool) -> Self {
        self.rate_limiter(on.then(crate::settings::default_rate_limiter))
    }

    /// A rate limiter of your own (for example with one state per operation,
    /// `Partition::PerTarget`), or `None` for none; see
    /// [`adaptive_rate_limit`](Self::adaptive_rate_limit).
    pub fn rate_limiter(mut self, limiter: impl Into<Option<AdaptiveLimiter>>) -> Self {
        self.rate_limiter = limiter.into();
        self
    }

    /// Lets every operation be sent twice (default false): POST and PATCH are then retried
    /// like the others even after the request may have reached the server, and any operation
    /// may be [hedged](HarborClient::hedge); see [`HarborClient::allow_resend_all`].
    pub fn allow_resend_all(mut self, allow: bool) -> Self {
        self.resend_all = allow;
        self
    }

    /// Renamed [`allow_resend_all`](Self::allow_resend_all) (the client's one name for "may
    /// this request be sent twice").
    #[deprecated(note = "renamed `allow_resend_all`")]
    pub fn retry_non_idempotent(self, allow: bool) -> Self {
        self.allow_resend_all(allow)
    }

    /// The longest `Retry-After` honoured (default 60 s); longer values are cut to it.
    pub fn retry_after_cap(mut self, cap: Duration) -> Self {
        self.retry_after_cap = cap;
        self
    }

    /// The `User-Agent` header.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = user_agent.into();
        self
    }

    /// Validates everything and builds the client.
    pub fn build(self) -> Result<HarborClient, BuildError> {
        let base = encoding::normalize_base_url(&self.url)?;
        if let Some(problem) = self.deferred {
            return Err(problem);
        }
        if self.hedge_reads.is_some_and(|d| d.is_zero()) {
            return Err(BuildError::Hedge(HedgeError::ZeroDelay { operation: None }));
        }
        if self.credentials.is_none() && self.credential_provider.is_none() {
            return Err(BuildError::MissingCredentials);
        }
        let header = self
            .credentials
            .as_ref()
            .map(Credentials::header_value)
            .transpose()?;
        // Redirects are followed by the client itself (transport.rs), which keeps the
        // credentials on an http -> https upgrade of the same host and refuses the rest.
        let mut http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(self.user_agent)
            .tls_danger_accept_invalid_certs(self.accept_invalid_certs)
            .tls_certs_merge(self.extra_roots);
        if let Some(t) = self.connect_timeout {
            http = http.connect_timeout(t);
        }
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        let http = http
            .build()
            .map_err(|e| BuildError::Http(HttpStackError::new(e)))?;
        let guards = ClientGuards {
            budget: self.retry_budget,
            breaker: self.circuit_breaker,
            limiter: self.rate_limiter,
            auto_hedge: self.auto_hedge,
        };
        let retry = self
            .retry
            .map(|s| with_client_rules(s, &guards, self.retry_after_cap));
        Ok(HarborClient {
            inner: Arc::new(Inner {
                base,
                https_upgrade: Default::default(),
                http,
                config: RwLock::new(Arc::new(Config {
                    auth: Auth {
                        credentials: self.credentials,
                        header,
                        generation: 0,
                    },
                    retry: RetryState::new(retry),
                    resend_all: self.resend_all,
                    resend_operations: Default::default(),
                    attempt_timeout: self.attempt_timeout,
                    hedge_reads: self.hedge_reads,
                    hedge_operations: Default::default(),
                })),
                config_writer: Mutex::new(()),
                credential_source: self.credential_provider.map(|provider| {
                    CredentialSource::new(provider, self.credential_provider_timeout)
                }),
                guards,
                retry_after_cap: self.retry_after_cap,
                single_attempt: single_attempt_settings(),
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                accept_invalid_certs: self.accept_invalid_certs,
            }),
            retry_off: false,
            attempt_timeout: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_credentials_is_an_error() {
        let err = HarborClient::builder("https://h").build().unwrap_err();
        assert!(matches!(err, BuildError::MissingCredentials));
        assert!(err.to_string().contains("no credentials"));
    }

    #[test]
    fn a_provider_stands_in_for_credentials_until_the_first_call() {
        let client = HarborClient::builder("https://h")
            .credential_provider(|| async {
                Ok::<_, std::io::Error>(Credentials::basic("robot$ci", "s"))
            })
            .build()
            .unwrap();
        assert!(client.credentials().is_none());
        let debug = format!("{client:?}");
        assert!(
            debug.contains(
                "credential_source: Some(CredentialSource { timeout: Some(30s), asks_finished: 0"
            ),
            "{debug}"
        );
        // Given both, the credentials are the first ones and nothing is asked yet.
        let client = HarborClient::builder("https://h")
            .basic_auth("robot$ci", "first")
            .credential_provider(crate::auth::EnvProvider::basic("U", "S"))
            .credential_provider_timeout(None)
            .build()
            .unwrap();
        assert_eq!(client.credentials().unwrap().username(), Some("robot$ci"));
        assert!(format!("{client:?}").contains("timeout: None"));
    }

    #[test]
    fn bad_ca_is_an_error() {
        let err = HarborClient::builder("https://h")
            .basic_auth("u", "p")
            .add_root_certificate_pem(b"not a certificate")
            .build()
            .unwrap_err();
        assert!(matches!(err, BuildError::InvalidCertificate(_)), "{err}");
        let err = HarborClient::builder("https://h")
            .basic_auth("u", "p")
            .ca_file("/no/such/ca.pem")
            .build()
            .unwrap_err();
        assert!(err.to_string().contains("cannot read"), "{err}");
    }
}
