//! [`HarborClient`]: configuration, the per-call context and the HTTP exchange that every
//! generated method goes through.

use crate::auth::Credentials;
use crate::encoding::{self, encode_repository_name};
use crate::error::{BuildError, DecodeError, Error, NetworkError, StatusError, TimeoutError};
use crate::operations::Operation;
use crate::pagination::{Page, parse_next_link};
use crate::settings::{
    RetryState, default_retry_budget, default_retry_settings, in_no_retry_scope, parse_retry_after,
    with_client_rules,
};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use retry_runtime::{RetryBudget, RetrySettings, RetrySettingsBuilder, SettingsError};
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fmt;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};
use tracing::Instrument as _;
use url::Url;

/// The header that ties a logical call's attempts together.
pub const REQUEST_ID_HEADER: &str = "X-Request-Id";

/// An async client for Harbor's REST API v2.0.
///
/// Cheap to clone (one `Arc`), `Send + Sync`; clones share the connection pool and the retry
/// settings. There is deliberately **no cookie store**: Harbor sets a `sid` cookie even for
/// basic-auth callers, and a client that sends it back fails every later write with
/// 403 `CSRF token invalid`.
///
/// ```no_run
/// use harbor_client::{Credentials, HarborClient};
///
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// let client = HarborClient::builder("https://harbor.example")
///     .credentials(Credentials::basic("admin", "Harbor12345"))
///     .build()?;
/// let page = client.get_projects(&Default::default()).await?;
/// println!("{} projects in all", page.total.unwrap_or(0));
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct HarborClient {
    inner: Arc<Inner>,
    /// Set on handles returned by [`HarborClient::no_retry`].
    retry_off: bool,
}

struct Inner {
    base: Url,
    http: reqwest::Client,
    auth: HeaderValue,
    credentials: Credentials,
    retry: RwLock<RetryState>,
    retry_budget: Option<RetryBudget>,
    retry_non_idempotent: AtomicBool,
    retry_after_send: RwLock<BTreeSet<&'static str>>,
    retry_after_cap: Duration,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    accept_invalid_certs: bool,
}

impl fmt::Debug for HarborClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("HarborClient")
            .field("base_url", &i.base.as_str())
            .field("credentials", &i.credentials)
            .field("connect_timeout", &i.connect_timeout)
            .field("timeout", &i.timeout)
            .field("accept_invalid_certs", &i.accept_invalid_certs)
            .field("retry", &self.retry_settings())
            .field("retry_budget", &i.retry_budget)
            .field("retry_off", &self.retry_off)
            .finish_non_exhaustive()
    }
}

/// Builds a [`HarborClient`]; see [`HarborClient::builder`].
#[must_use]
pub struct HarborClientBuilder {
    url: String,
    credentials: Option<Credentials>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    extra_roots: Vec<reqwest::Certificate>,
    /// The first problem met while configuring, reported by `build`.
    deferred: Option<BuildError>,
    accept_invalid_certs: bool,
    retry: Option<RetrySettings<Error>>,
    retry_budget: Option<RetryBudget>,
    retry_non_idempotent: bool,
    retry_after_cap: Duration,
    user_agent: String,
}

impl fmt::Debug for HarborClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HarborClientBuilder")
            .field("url", &self.url)
            .field("credentials", &self.credentials)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("extra_roots", &self.extra_roots.len())
            .field("accept_invalid_certs", &self.accept_invalid_certs)
            .field("retry", &self.retry)
            .field("retry_budget", &self.retry_budget)
            .finish_non_exhaustive()
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

    /// Time allowed to open a connection (default 10 s; `None`: no limit).
    pub fn connect_timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.connect_timeout = timeout.into();
        self
    }

    /// Time allowed for one attempt, from sending to the end of the body (default 60 s;
    /// `None`: no limit). Retries get a fresh allowance each.
    pub fn timeout(mut self, timeout: impl Into<Option<Duration>>) -> Self {
        self.timeout = timeout.into();
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

    /// Retries POST and PATCH operations like the others, even after the request may have
    /// reached the server (default false).
    pub fn retry_non_idempotent(mut self, allow: bool) -> Self {
        self.retry_non_idempotent = allow;
        self
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
        let credentials = self.credentials.ok_or(BuildError::MissingCredentials)?;
        let auth = credentials.header_value()?;
        let mut http = reqwest::Client::builder()
            .user_agent(self.user_agent)
            .tls_danger_accept_invalid_certs(self.accept_invalid_certs)
            .tls_certs_merge(self.extra_roots);
        if let Some(t) = self.connect_timeout {
            http = http.connect_timeout(t);
        }
        if let Some(t) = self.timeout {
            http = http.timeout(t);
        }
        let http = http.build().map_err(BuildError::Http)?;
        let retry = self
            .retry
            .map(|s| with_client_rules(s, self.retry_budget.as_ref(), self.retry_after_cap));
        Ok(HarborClient {
            inner: Arc::new(Inner {
                base,
                http,
                auth,
                credentials,
                retry: RwLock::new(RetryState::new(retry)),
                retry_budget: self.retry_budget,
                retry_non_idempotent: AtomicBool::new(self.retry_non_idempotent),
                retry_after_send: RwLock::new(BTreeSet::new()),
                retry_after_cap: self.retry_after_cap,
                connect_timeout: self.connect_timeout,
                timeout: self.timeout,
                accept_invalid_certs: self.accept_invalid_certs,
            }),
            retry_off: false,
        })
    }
}

impl HarborClient {
    /// A builder for the server at `url` (`https://harbor.example`, with or without
    /// `/api/v2.0`).
    pub fn builder(url: impl Into<String>) -> HarborClientBuilder {
        HarborClientBuilder {
            url: url.into(),
            credentials: None,
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(60)),
            extra_roots: Vec::new(),
            deferred: None,
            accept_invalid_certs: false,
            retry: Some(default_retry_settings()),
            retry_budget: Some(default_retry_budget()),
            retry_non_idempotent: false,
            retry_after_cap: Duration::from_secs(60),
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

    /// The API base URL (`https://harbor.example/api/v2.0`).
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The current retry settings (`None`: retrying is off).
    pub fn retry_settings(&self) -> Option<RetrySettings<Error>> {
        self.read_retry().settings.clone()
    }

    /// The retry budget shared by this client's calls (`None`: no budget); see
    /// [`HarborClientBuilder::retry_budget`].
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

    /// Retries POST and PATCH operations even after the request may have reached the server.
    pub fn set_retry_non_idempotent(&self, allow: bool) {
        self.inner
            .retry_non_idempotent
            .store(allow, Ordering::Relaxed);
    }

    /// Retries this (non-idempotent) operation even after the request may have reached the
    /// server, e.g. `client.allow_retry_after_send(operations::START_REPLICATION)`.
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
        }
    }

    /// The settings a call of `operation` made now would use: `None` when retrying is off
    /// (settings `None`, a [`no_retry`](Self::no_retry) handle, or inside
    /// [`no_retry_scope`](crate::no_retry_scope)); for a non-idempotent operation not opted
    /// in, the settings that give up once the request may have been sent.
    pub fn effective_retry_settings(
        &self,
        operation: &'static Operation,
    ) -> Option<RetrySettings<Error>> {
        if self.retry_off || in_no_retry_scope() {
            return None;
        }
        let state = self.read_retry();
        if operation.idempotent
            || self.inner.retry_non_idempotent.load(Ordering::Relaxed)
            || self
                .inner
                .retry_after_send
                .read()
                .unwrap_or_else(PoisonError::into_inner)
                .contains(operation.id)
        {
            state.settings.clone()
        } else {
            state.unsafe_ops.clone()
        }
    }

    fn read_retry(&self) -> std::sync::RwLockReadGuard<'_, RetryState> {
        self.inner
            .retry
            .read()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts a logical call: a fresh `X-Request-Id` and a tracing span carrying it.
    pub(crate) fn call(&self, op: &'static Operation) -> Call<'_> {
        Call {
            client: self,
            op,
            request_id: new_request_id(),
        }
    }
}

/// A random request id in UUID v4 form.
fn new_request_id() -> String {
    let n: u128 = rand::random();
    uuid_v4_text((n & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62))
}

/// `n` as 32 hex digits in UUID form (8-4-4-4-12), written digit by digit (the two `format!`
/// calls this replaced cost ~2,400 instructions a call; BENCHMARKS.md, section 2).
fn uuid_v4_text(n: u128) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = String::with_capacity(36);
    for digit in 0..32 {
        if matches!(digit, 8 | 12 | 16 | 20) {
            id.push('-');
        }
        id.push(char::from(HEX[(n >> (124 - 4 * digit)) as usize & 0xf]));
    }
    id
}

/// One logical call: its operation and request id, shared by all its attempts.
pub(crate) struct Call<'c> {
    pub(crate) client: &'c HarborClient,
    pub(crate) op: &'static Operation,
    pub(crate) request_id: String,
}

impl fmt::Debug for Call<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Call")
            .field("operation", &self.op.id)
            .field("request_id", &self.request_id)
            .finish()
    }
}

impl<'c> Call<'c> {
    /// The settings this call's retry loop uses (read once per call, at its start).
    pub(crate) fn retry_settings(&self) -> Option<RetrySettings<Error>> {
        self.client.effective_retry_settings(self.op)
    }

    /// The tracing span of the call: every log line of its attempts carries the request id.
    pub(crate) fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "harbor",
            operation = self.op.id,
            request_id = %self.request_id
        )
    }

    /// Runs `fut` (the retried attempts) inside the call's span.
    pub(crate) async fn run<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Result<T, Error> {
        fut.instrument(self.span()).await
    }

    /// A request for this call's operation.
    pub(crate) fn request(&self) -> Request {
        Request {
            path: self.op.path.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            problem: None,
            url: None,
        }
    }

    fn invalid(&self, message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            operation: self.op.id,
            message: message.into(),
        }
    }

    /// Sends one attempt and reads the whole answer; error statuses become [`StatusError`].
    pub(crate) async fn send(&self, req: Request) -> Result<Answer, Error> {
        if let Some(problem) = req.problem {
            return Err(self.invalid(problem));
        }
        let url = match req.url {
            Some(url) => url,
            None => self.url_for(&req.path, &req.query),
        };
        let method = reqwest::Method::from_bytes(self.op.http_method.as_bytes())
            .map_err(|_| self.invalid("unknown HTTP method"))?;
        let mut headers = HeaderMap::with_capacity(4 + req.headers.len());
        headers.insert(
            reqwest::header::AUTHORIZATION,
            self.client.inner.auth.clone(),
        );
        headers.insert(
            HeaderName::from_static("x-request-id"),
            HeaderValue::from_str(&self.request_id).map_err(|_| self.invalid("request id"))?,
        );
        headers.insert(
            reqwest::header::ACCEPT,
            HeaderValue::from_static(if self.op.produces_text {
                "text/plain, application/json"
            } else {
                "application/json, text/plain, */*"
            }),
        );
        for (name, value) in req.headers {
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| self.invalid(format!("bad header name {name}")))?;
            let value = HeaderValue::from_str(&value)
                .map_err(|_| self.invalid(format!("header {name} cannot carry {value:?}")))?;
            headers.insert(name, value);
        }
        let builder = self.client.inner.http.request(method, url);

        tracing::debug!(method = self.op.http_method, path = self.op.path, "sending");
        // The request is built and its headers moved in, not merged through
        // `RequestBuilder::headers` (a second header map filled per attempt).
        let mut request = builder.build().map_err(|e| self.transport(e))?;
        set_headers(request.headers_mut(), headers);
        if let Some(body) = req.body {
            request.headers_mut().append(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            *request.body_mut() = Some(body.into());
        }
        let mut response = self
            .client
            .inner
            .http
            .execute(request)
            .await
            .map_err(|e| self.transport(e))?;
        let status = response.status().as_u16();
        // Taken, not cloned: reading the body does not need them.
        let headers = std::mem::take(response.headers_mut());
        let body = response.bytes().await.map_err(|e| self.transport(e))?;
        if status >= 400 {
            let retry_after = headers
                .get(reqwest::header::RETRY_AFTER)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| parse_retry_after(v, SystemTime::now()));
            let request_id = headers
                .get(REQUEST_ID_HEADER)
                .and_then(|v| v.to_str().ok())
                .filter(|v| !v.is_empty())
                .unwrap_or(&self.request_id)
                .to_owned();
            return Err(Error::Status(StatusError::from_parts(
                status,
                &body,
                request_id,
                Some(self.op.id),
                retry_after,
            )));
        }
        Ok(Answer {
            status,
            headers,
            // Reuses the buffer when the answer holds the only reference to it.
            body: Vec::from(body),
        })
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        // A connect-phase failure means no byte of the request reached the server.
        let never_sent = e.is_connect();
        if e.is_timeout() {
            Error::Timeout(TimeoutError {
                operation: self.op.id,
                request_id: self.request_id.clone(),
                never_sent,
                source: e,
            })
        } else {
            Error::Network(NetworkError {
                operation: self.op.id,
                request_id: self.request_id.clone(),
                never_sent,
                source: e,
            })
        }
    }

    /// The base URL with `path` (already percent-encoded) appended and `query` added. The base
    /// is cloned and only the path parsed: parsing the whole text again (scheme, host) cost
    /// ~4,900 instructions a call more. The result is the URL that parse gave: `path` holds no
    /// `?`, `#`, spaces or control characters, the only input the two parses treat differently.
    fn url_for(&self, path: &str, query: &[(&'static str, String)]) -> Url {
        let mut url = self.client.inner.base.clone();
        let mut full = String::with_capacity(url.path().len() + path.len());
        full.push_str(url.path());
        full.push_str(path);
        url.set_path(&full);
        if !query.is_empty() {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
        }
        url
    }

    /// Resolves a `Link` target (relative, as Harbor sends it) against the server; refuses
    /// one pointing at another origin, which would receive the credentials.
    pub(crate) fn resolve_link(&self, link: &str) -> Result<Url, Error> {
        let base = &self.client.inner.base;
        let url = base
            .join(link)
            .map_err(|e| self.invalid(format!("bad Link target {link:?}: {e}")))?;
        if url.origin() != base.origin() {
            return Err(self.invalid(format!(
                "Link target {link:?} is on another server; not following it"
            )));
        }
        Ok(url)
    }

    /// A request for the page at a `Link` target.
    pub(crate) fn request_url(&self, url: Url) -> Request {
        let mut req = self.request();
        req.url = Some(url);
        req
    }

    fn decode_error(&self, expected: &'static str, message: String, body: &[u8]) -> Error {
        Error::Decode(DecodeError {
            operation: self.op.id,
            request_id: self.request_id.clone(),
            expected,
            message,
            body_excerpt: crate::error::excerpt(body),
        })
    }

    /// Sends and decodes a JSON answer.
    pub(crate) async fn json<T: DeserializeOwned>(&self, req: Request) -> Result<T, Error> {
        let answer = self.send(req).await?;
        self.decode_json(&answer.body)
    }

    fn decode_json<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Error> {
        // Some Harbor versions answer an empty list as an empty body.
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            body
        };
        serde_json::from_slice(body)
            .or_else(|first| {
                if body == b"null" {
                    serde_json::from_slice(b"[]").map_err(|_| first)
                } else {
                    Err(first)
                }
            })
            .map_err(|e| self.decode_error(std::any::type_name::<T>(), e.to_string(), body))
    }

    /// Sends and returns a text answer.
    pub(crate) async fn text(&self, req: Request) -> Result<String, Error> {
        let answer = self.send(req).await?;
        String::from_utf8(answer.body).map_err(|e| {
            let message = e.to_string();
            self.decode_error("String", message, e.as_bytes())
        })
    }

    /// Sends and returns the raw body.
    pub(crate) async fn bytes(&self, req: Request) -> Result<Vec<u8>, Error> {
        Ok(self.send(req).await?.body)
    }

    /// Sends and ignores the body.
    pub(crate) async fn empty(&self, req: Request) -> Result<(), Error> {
        self.send(req).await.map(drop)
    }

    /// HEAD: true on 2xx, false on 404.
    pub(crate) async fn exists(&self, req: Request) -> Result<bool, Error> {
        match self.send(req).await {
            Ok(_) => Ok(true),
            Err(Error::Status(e)) if e.status == 404 => Ok(false),
            Err(e) => Err(e),
        }
    }

    /// Sends and decodes one page of a list, with its total and next link.
    pub(crate) async fn page<T: DeserializeOwned>(&self, req: Request) -> Result<Page<T>, Error> {
        let answer = self.send(req).await?;
        let items: Vec<T> = self.decode_json(&answer.body)?;
        let total = answer
            .headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let next = answer
            .headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_next_link);
        Ok(Page { items, total, next })
    }
}

/// Moves `headers` into a request's own, which replace any of the same name the builder set
/// (credentials taken from a URL's user info): `RequestBuilder::headers`' semantics.
fn set_headers(target: &mut HeaderMap, headers: HeaderMap) {
    if target.is_empty() {
        *target = headers;
        return;
    }
    let mut last = None;
    for (name, value) in headers {
        // A name comes with its first value only; the next ones belong to the same name.
        if let Some(name) = name {
            target.insert(name.clone(), value);
            last = Some(name);
        } else if let Some(name) = &last {
            target.append(name, value);
        }
    }
}

/// Replaces every `{name}` in `path` with `value` (what `str::replace` does, without building
/// the placeholder or a new string); false when there is none.
fn replace_placeholder(path: &mut String, name: &str, value: &str) -> bool {
    let mut found = false;
    let mut from = 0;
    while let Some(start) = path[from..].find('{').map(|i| from + i) {
        let rest = &path[start + 1..];
        if rest.starts_with(name) && rest[name.len()..].starts_with('}') {
            path.replace_range(start..start + name.len() + 2, value);
            from = start + value.len();
            found = true;
        } else {
            from = start + 1;
        }
    }
    found
}

/// A whole answer.
#[derive(Debug)]
pub(crate) struct Answer {
    #[allow(dead_code)]
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

/// One attempt's request, filled in by the generated method.
#[derive(Debug)]
pub(crate) struct Request {
    path: String,
    query: Vec<(&'static str, String)>,
    headers: Vec<(&'static str, String)>,
    body: Option<Vec<u8>>,
    /// A problem found while filling it in, reported when sending.
    problem: Option<String>,
    /// A full URL (a `Link` target) replacing path and query.
    url: Option<Url>,
}

impl Request {
    /// Fills `{name}` in the path: repository names encoded twice, the rest once.
    pub(crate) fn path(&mut self, name: &str, value: impl fmt::Display) -> &mut Self {
        let value = value.to_string();
        // An empty segment would route to another operation (`/projects/` is the list).
        if value.is_empty() {
            self.problem
                .get_or_insert_with(|| format!("the path parameter {name} must not be empty"));
        }
        // Borrowed when nothing needs encoding (most names): no copy.
        let encoded = if encoding::is_double_encoded(name) {
            Cow::Owned(encode_repository_name(&value))
        } else {
            encoding::encode_segment(&value)
        };
        if !replace_placeholder(&mut self.path, name, &encoded) {
            self.problem = Some(format!("the path has no {{{name}}}"));
        }
        self
    }

    /// Adds a query pair.
    pub(crate) fn query(&mut self, name: &'static str, value: impl fmt::Display) -> &mut Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a query pair holding a comma-separated list (Swagger's `csv`).
    pub(crate) fn query_list<T: fmt::Display>(
        &mut self,
        name: &'static str,
        values: &[T],
    ) -> &mut Self {
        let joined = values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.query(name, joined)
    }

    /// Adds a header.
    pub(crate) fn header(&mut self, name: &'static str, value: impl fmt::Display) -> &mut Self {
        self.headers.push((name, value.to_string()));
        self
    }

    /// Sets the JSON body.
    pub(crate) fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> &mut Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.problem = Some(format!("the body does not serialize: {e}")),
        }
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids_look_like_uuids() {
        let a = new_request_id();
        let b = new_request_id();
        assert_ne!(a, b);
        assert_eq!(a.len(), 36);
        assert_eq!(&a[14..15], "4");
        assert!(matches!(&a[19..20], "8" | "9" | "a" | "b"), "{a}");
    }

    #[test]
    fn request_id_text_is_the_hex_in_uuid_form() {
        for n in [
            0,
            u128::MAX,
            0x0123_4567_89ab_cdef_fedc_ba98_7654_3210,
            1 << 127,
            42,
        ] {
            let h = format!("{n:032x}");
            let expected = format!(
                "{}-{}-{}-{}-{}",
                &h[..8],
                &h[8..12],
                &h[12..16],
                &h[16..20],
                &h[20..]
            );
            assert_eq!(uuid_v4_text(n), expected);
        }
    }

    #[test]
    fn placeholders_are_replaced_like_str_replace() {
        let cases = [
            (
                "/projects/{project_name_or_id}",
                "project_name_or_id",
                "lib",
            ),
            ("/a/{x}/b/{x}", "x", "v"),
            ("/a/{xy}/{x}", "x", "{x}"),
            ("/a/{x", "x", "v"),
            ("/{{x}}", "x", ""),
            ("/none", "x", "v"),
        ];
        for (path, name, value) in cases {
            let placeholder = format!("{{{name}}}");
            let mut replaced = path.to_owned();
            let found = replace_placeholder(&mut replaced, name, value);
            assert_eq!(found, path.contains(&placeholder), "{path}");
            assert_eq!(replaced, path.replace(&placeholder, value), "{path}");
        }
    }

    #[test]
    fn urls_are_the_ones_parsing_the_whole_text_gives() {
        let values = [
            "library",
            "a b",
            "..",
            ".",
            "a/b",
            "ü-ñ",
            "%2e%2e",
            "x?y#z",
            "\t\n",
            " lead",
            "trail ",
            "a\\b",
            "semi;colon",
            "[::1]",
            "@:+$,=!*'()",
        ];
        let bases = [
            "http://127.0.0.1:18080",
            "https://harbor.example/prefix/",
            "http://[::1]:8080/api/v2.0",
            "https://Bücher.example",
        ];
        for base in bases {
            let client = HarborClient::new(base, "u", "p").unwrap();
            let call = client.call(crate::operations::GET_PROJECT);
            for value in values {
                for name in ["project_name_or_id", "repository_name"] {
                    let mut req = call.request();
                    req.path = "/projects/{project_name_or_id}/x/{repository_name}".to_owned();
                    req.path("project_name_or_id", value);
                    req.path(name, value);
                    let query = [("q", format!("name={value}")), ("page", "2".to_owned())];
                    for query in [&query[..], &[]] {
                        let mut expected =
                            Url::parse(&format!("{}{}", client.base_url(), req.path)).unwrap();
                        if !query.is_empty() {
                            expected.query_pairs_mut().extend_pairs(query);
                        }
                        assert_eq!(call.url_for(&req.path, query), expected, "{base} {value:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn headers_replace_the_builders_like_reqwest_does() {
        let mut target = HeaderMap::new();
        target.insert("authorization", HeaderValue::from_static("Basic from-url"));
        target.insert("x-keep", HeaderValue::from_static("kept"));
        let mut ours = HeaderMap::new();
        ours.insert("authorization", HeaderValue::from_static("Basic ours"));
        ours.append("accept", HeaderValue::from_static("a"));
        ours.append("accept", HeaderValue::from_static("b"));
        set_headers(&mut target, ours);
        assert_eq!(target["authorization"], "Basic ours");
        assert_eq!(target.get_all("authorization").iter().count(), 1);
        assert_eq!(target["x-keep"], "kept");
        let accept: Vec<_> = target.get_all("accept").iter().collect();
        assert_eq!(accept, ["a", "b"]);
    }

    #[test]
    fn missing_credentials_is_an_error() {
        let err = HarborClient::builder("https://h").build().unwrap_err();
        assert!(matches!(err, BuildError::MissingCredentials));
        assert!(err.to_string().contains("no credentials"));
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

    #[test]
    fn client_is_send_sync_clone() {
        fn check<T: Send + Sync + Clone + 'static>() {}
        check::<HarborClient>();
    }

    #[test]
    fn debug_hides_secrets() {
        let client = HarborClient::builder("https://h")
            .basic_auth("admin", "TopSecret123")
            .build()
            .unwrap();
        let debug = format!("{client:?}");
        assert!(!debug.contains("TopSecret123"), "{debug}");
        assert!(!debug.contains("YWRtaW46"), "{debug}");
        assert!(debug.contains("admin"), "{debug}");
    }
}
