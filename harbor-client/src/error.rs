//! Errors, as harborapi users know them: one [`Error`] type whose values fall into classes
//! ([`StatusError`], [`NotFound`], [`ServerError`], [`NetworkError`], [`TimeoutError`],
//! [`DecodeError`], ...). Every class implements [`retry_runtime::ErrorClass`], so it can be
//! named in `#[retry(exception = (...))]`, in `giveup` predicates and in
//! [`RetrySettings`](retry_runtime::RetrySettings).
//!
//! ```
//! use harbor_client::error::{Error, NotFound, ServerError, StatusError};
//! use retry_runtime::ErrorClass;
//!
//! let body = br#"{"errors":[{"code":"NOT_FOUND","message":"no such project"}]}"#;
//! let e = Error::from(StatusError::from_answer(404, body));
//! assert!(NotFound::is_instance(&e));
//! assert!(StatusError::is_instance(&e));
//! assert!(!ServerError::is_instance(&e));
//! assert_eq!(e.status(), Some(404));
//! assert_eq!(e.to_string(), "404 Not Found: NOT_FOUND: no such project");
//! ```

use retry_runtime::{AttemptTimedOut, CircuitOpen, ErrorClass};
use serde::Deserialize;
use std::time::Duration;

/// How many bytes of an unexpected body are kept in errors.
pub(crate) const EXCERPT_BYTES: usize = 512;

/// Everything a Harbor call can fail with.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The server answered with a 4xx or 5xx status.
    #[error(transparent)]
    Status(#[from] StatusError),
    /// The connection failed (refused, DNS, reset, TLS).
    #[error(transparent)]
    Network(#[from] NetworkError),
    /// The connect or request timeout, or the per-attempt timeout, expired.
    #[error(transparent)]
    Timeout(#[from] TimeoutError),
    /// The answer's body is not what the operation returns.
    #[error(transparent)]
    Decode(#[from] DecodeError),
    /// The server redirected where the client will not follow: to another server (which
    /// would receive, or lose, the credentials), or a 301/302/303 that would turn a write
    /// into a GET.
    #[error(transparent)]
    Redirect(#[from] RedirectError),
    /// Harbor answered as anonymous: the credentials are wrong, expired or missing
    /// ([`HarborClient::verify_credentials`](crate::HarborClient::verify_credentials)).
    /// Belongs to the [`Unauthorized`] class.
    #[error(transparent)]
    CredentialsRejected(#[from] CredentialsRejected),
    /// The client's [credential provider](crate::auth::CredentialProvider) failed (an error,
    /// a timeout, unusable credentials) when the call needed credentials: nothing more was
    /// sent. Transient, and never sent: retried under the call's settings and budget.
    #[error(transparent)]
    CredentialProvider(#[from] CredentialProviderError),
    /// The client's circuit breaker was open for the operation: nothing was sent
    /// ([`HarborClientBuilder::circuit_breaker`](crate::HarborClientBuilder::circuit_breaker)).
    #[error(transparent)]
    CircuitOpen(#[from] CircuitOpenError),
    /// The request could not be built (an argument that cannot travel in a header, a body
    /// that does not serialize, a `Link` that is not a URL).
    #[error("{operation}: invalid request: {message}")]
    #[non_exhaustive]
    InvalidRequest {
        /// The operation (`operationId`).
        operation: &'static str,
        /// What was wrong.
        message: String,
    },
}

impl Error {
    /// The HTTP status of a [`StatusError`].
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Status(e) => Some(e.status),
            Error::CredentialsRejected(_) => Some(401),
            _ => None,
        }
    }

    /// The `X-Request-Id` of the call that failed (kept across its retries).
    pub fn request_id(&self) -> Option<&str> {
        match self {
            Error::Status(e) => Some(&e.request_id),
            Error::Network(e) => Some(&e.request_id),
            Error::Timeout(e) => Some(&e.request_id),
            Error::Decode(e) => Some(&e.request_id),
            Error::Redirect(e) => Some(&e.request_id),
            Error::CredentialsRejected(e) => Some(&e.request_id),
            Error::CircuitOpen(e) => Some(&e.request_id),
            Error::CredentialProvider(e) => Some(&e.request_id),
            Error::InvalidRequest { .. } => None,
        }
    }

    /// The Harbor `operationId` of the call that failed, when known.
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            Error::Status(e) => e.operation,
            Error::Network(e) => Some(e.operation),
            Error::Timeout(e) => Some(e.operation),
            Error::Decode(e) => Some(e.operation),
            Error::Redirect(e) => Some(e.operation),
            Error::CredentialsRejected(e) => Some(e.operation),
            Error::CircuitOpen(e) => Some(e.operation),
            Error::CredentialProvider(e) => Some(e.operation),
            Error::InvalidRequest { operation, .. } => Some(operation),
        }
    }

    /// True when the request provably never reached the server (connection refused, DNS
    /// failure, connect timeout), or reached it only to be refused with 401 before any
    /// handler ran (a credential provider failure after it): repeating it cannot repeat its
    /// effect.
    pub fn never_sent(&self) -> bool {
        match self {
            Error::Network(e) => e.never_sent,
            Error::Timeout(e) => e.never_sent,
            Error::CircuitOpen(_) | Error::CredentialProvider(_) => true,
            _ => false,
        }
    }

    /// The server's `Retry-After`, parsed (seconds or HTTP date), uncapped.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Status(e) => e.retry_after,
            _ => None,
        }
    }

    /// A transient failure worth retrying for an idempotent operation: network errors (but
    /// not a refused server certificate, see [`NetworkError::is_certificate_error`]),
    /// timeouts, 429, 502, 503 and 504, a failed [credential
    /// provider](CredentialProviderError) (a vault restarting, a secret file being
    /// rewritten). (Harbor's 500s are usually real bugs or bad input, so they are not retried
    /// by default; add [`InternalServerError`] to opt in.)
    pub fn is_transient(&self) -> bool {
        match self {
            Error::Network(e) => !e.is_certificate_error(),
            Error::Timeout(_) | Error::CredentialProvider(_) => true,
            Error::Status(e) => matches!(e.status, 429 | 502 | 503 | 504),
            _ => false,
        }
    }
}

/// One entry of Harbor's `{"errors":[{"code":..,"message":..}]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[non_exhaustive]
pub struct ErrorDetail {
    /// Harbor's code, e.g. `NOT_FOUND`, `CONFLICT`, `UNKNOWN`.
    #[serde(default)]
    pub code: String,
    /// The message.
    #[serde(default)]
    pub message: String,
}

/// The server answered with an error status. Also the class of every such error.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}", self.describe())]
#[non_exhaustive]
pub struct StatusError {
    status: u16,
    errors: Vec<ErrorDetail>,
    request_id: String,
    body_excerpt: String,
    operation: Option<&'static str>,
    retry_after: Option<Duration>,
}

impl StatusError {
    /// Builds an error from a status and a body as Harbor sends them.
    pub(crate) fn from_parts(
        status: u16,
        body: &[u8],
        request_id: String,
        operation: Option<&'static str>,
        retry_after: Option<Duration>,
    ) -> Self {
        StatusError {
            status,
            errors: parse_errors(body),
            request_id,
            body_excerpt: excerpt(body),
            operation,
            retry_after,
        }
    }

    /// Decodes an error answer (status and body) as the client does: for answers the
    /// [escape hatch](crate::HarborClient::request) returns raw, or code of your own that
    /// handles Harbor's errors. No operation and no request id.
    pub fn from_answer(status: u16, body: &[u8]) -> Self {
        Self::from_parts(status, body, String::new(), None, None)
    }

    /// A copy with `Retry-After` set.
    #[cfg(test)]
    pub(crate) fn with_retry_after(mut self, retry_after: Option<Duration>) -> Self {
        self.retry_after = retry_after;
        self
    }

    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The parsed `errors` list (one entry for a 5xx `{"code","message"}` body); empty when
    /// the body had neither form.
    pub fn errors(&self) -> &[ErrorDetail] {
        &self.errors
    }

    /// The `X-Request-Id` of the call (the server's echo, else the one the client sent).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The start of the body (at most 512 bytes, lossy UTF-8).
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }

    /// The Harbor `operationId`, when the error came from a call.
    pub fn operation(&self) -> Option<&'static str> {
        self.operation
    }

    /// `Retry-After` (seconds or HTTP date), parsed and uncapped.
    pub fn retry_after(&self) -> Option<Duration> {
        self.retry_after
    }

    /// The first error message Harbor gave, if any.
    pub fn message(&self) -> Option<&str> {
        self.errors.first().map(|e| e.message.as_str())
    }

    fn describe(&self) -> String {
        let reason = reqwest::StatusCode::from_u16(self.status)
            .ok()
            .and_then(|s| s.canonical_reason())
            .unwrap_or("");
        let mut s = format!("{} {reason}", self.status);
        if let Some(first) = self.errors.first() {
            s.push_str(": ");
            if !first.code.is_empty() {
                s.push_str(&first.code);
                s.push_str(": ");
            }
            s.push_str(&first.message);
        } else if !self.body_excerpt.is_empty() {
            s.push_str(": ");
            s.push_str(&self.body_excerpt);
        }
        if let Some(op) = self.operation {
            s.push_str(&format!(" (operation {op}"));
            if !self.request_id.is_empty() {
                s.push_str(&format!(", request id {}", self.request_id));
            }
            s.push(')');
        }
        s
    }
}

/// Parses Harbor's two error body forms; anything else gives an empty list.
fn parse_errors(body: &[u8]) -> Vec<ErrorDetail> {
    #[derive(Deserialize)]
    struct Errors {
        errors: Vec<ErrorDetail>,
    }
    if let Ok(list) = serde_json::from_slice::<Errors>(body) {
        return list.errors;
    }
    match serde_json::from_slice::<ErrorDetail>(body) {
        Ok(single) if !single.code.is_empty() || !single.message.is_empty() => vec![single],
        _ => Vec::new(),
    }
}

/// The first bytes of a body, as text.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let cut = &body[..body.len().min(EXCERPT_BYTES)];
    let mut s = String::from_utf8_lossy(cut).into_owned();
    if body.len() > EXCERPT_BYTES {
        s.push('…');
    }
    s
}

/// The connection failed. Also the class of every such error. The transport's own error is
/// its [`source`](std::error::Error::source).
#[derive(Debug, thiserror::Error)]
#[error("{operation}: network error{}: {source} (request id {request_id})", if *.never_sent { " before the request was sent" } else { "" })]
#[non_exhaustive]
pub struct NetworkError {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    pub(crate) never_sent: bool,
    #[source]
    pub(crate) source: reqwest::Error,
}

impl NetworkError {
    /// The Harbor `operationId`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// True when the request provably never left (refused, DNS).
    pub fn never_sent(&self) -> bool {
        self.never_sent
    }

    /// Whether the TLS handshake failed because the server's certificate was refused
    /// (unknown issuer, expired, wrong name, none presented). Retrying cannot help, so
    /// [`Error::is_transient`] is false for it and the default settings give up at once;
    /// configure the CA with
    /// [`HarborClientBuilder::add_root_certificate_pem`](crate::HarborClientBuilder::add_root_certificate_pem).
    pub fn is_certificate_error(&self) -> bool {
        is_certificate_error(&self.source)
    }
}

/// Walks an error's chain, looking inside `io::Error`s too (their `source()` skips the error
/// they wrap, which is where rustls puts its own).
fn is_certificate_error(error: &(dyn std::error::Error + 'static)) -> bool {
    let mut next = Some(error);
    while let Some(error) = next {
        if let Some(tls) = error.downcast_ref::<rustls::Error>() {
            return matches!(
                tls,
                rustls::Error::InvalidCertificate(_) | rustls::Error::NoCertificatesPresented
            );
        }
        if let Some(inner) = error
            .downcast_ref::<std::io::Error>()
            .and_then(std::io::Error::get_ref)
            && is_certificate_error(inner)
        {
            return true;
        }
        next = error.source();
    }
    false
}

/// A timeout expired: the transport's (connect or request timeout of
/// [`HarborClientBuilder`](crate::HarborClientBuilder)) or the client's per-attempt timeout
/// ([`HarborClientBuilder::attempt_timeout`](crate::HarborClientBuilder::attempt_timeout)).
/// Also the class of every such error. Its [`source`](std::error::Error::source) is the
/// transport's own error or the runtime's [`AttemptTimedOut`].
///
/// ```
/// use std::time::Duration;
/// use harbor_client::Error;
/// use retry_runtime::AttemptTimedOut;
///
/// // What the retry runtime turns an attempt that ran out of time into.
/// let e = Error::from(AttemptTimedOut::new(Duration::from_millis(250), 2));
/// let Error::Timeout(timeout) = &e else { unreachable!() };
/// assert_eq!(timeout.attempt_timed_out().map(|t| t.attempt()), Some(2));
/// assert!(e.is_transient() && !e.never_sent());
/// ```
#[derive(Debug, thiserror::Error)]
#[error("{}{} (request id {request_id})", OperationPrefix(self.operation), self.cause.describe(self.never_sent))]
#[non_exhaustive]
pub struct TimeoutError {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    pub(crate) never_sent: bool,
    #[source]
    pub(crate) cause: TimeoutCause,
}

/// `"{operation}: "`, or nothing for an error made outside any call (an [`AttemptTimedOut`]
/// converted by hand).
struct OperationPrefix(&'static str);

impl std::fmt::Display for OperationPrefix {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            Ok(())
        } else {
            write!(f, "{}: ", self.0)
        }
    }
}

/// Which timeout expired.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TimeoutCause {
    /// The transport's connect or request timeout.
    #[error(transparent)]
    Transport(reqwest::Error),
    /// The client's per-attempt timeout, applied by the retry runtime.
    #[error(transparent)]
    Attempt(AttemptTimedOut),
}

impl TimeoutCause {
    fn describe(&self, never_sent: bool) -> String {
        match self {
            TimeoutCause::Transport(_) if never_sent => "timed out while connecting".to_owned(),
            TimeoutCause::Transport(_) => "timed out".to_owned(),
            TimeoutCause::Attempt(t) => format!(
                "attempt {} timed out after {:?} (attempt_timeout)",
                t.attempt(),
                t.timeout()
            ),
        }
    }
}

impl TimeoutError {
    /// The Harbor `operationId`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// True when the connect phase timed out (the request never left).
    pub fn never_sent(&self) -> bool {
        self.never_sent
    }

    /// The per-attempt timeout that cut the attempt (its number and the time it was given),
    /// or `None` when the transport's own timeout expired.
    pub fn attempt_timed_out(&self) -> Option<AttemptTimedOut> {
        match &self.cause {
            TimeoutCause::Attempt(t) => Some(*t),
            TimeoutCause::Transport(_) => None,
        }
    }
}

/// An attempt cut by the per-attempt timeout is a [`TimeoutError`] that may have reached the
/// server (`never_sent` is false). The retry runtime converts it knowing nothing of the call;
/// the call it was made in names it then, from the task (the client sets it for the call's
/// attempts), so the hooks and the log see the operation and request id too. Made outside a
/// call, both are empty.
impl From<AttemptTimedOut> for Error {
    fn from(timed_out: AttemptTimedOut) -> Self {
        let (operation, request_id) = crate::client::current_call().unwrap_or_default();
        Error::Timeout(TimeoutError {
            operation,
            request_id,
            never_sent: false,
            cause: TimeoutCause::Attempt(timed_out),
        })
    }
}

/// The client's circuit breaker refused a call: the operation failed often enough lately that
/// the breaker is open, and nothing was sent. Its [`source`](std::error::Error::source) is the
/// runtime's [`CircuitOpen`]; [`retry_in`](Self::retry_in) says when a probe may go.
///
/// ```
/// use std::time::Duration;
/// use harbor_client::Error;
/// use retry_runtime::CircuitOpen;
///
/// let e = Error::from(CircuitOpen::new("get_project", Duration::from_secs(8)));
/// let Error::CircuitOpen(open) = &e else { unreachable!() };
/// assert_eq!(open.retry_in(), Duration::from_secs(8));
/// assert!(e.never_sent() && !e.is_transient());
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[error("{}circuit breaker open: nothing sent; a probe may go in {:?} (request id {request_id})", OperationPrefix(self.operation), self.open.retry_in())]
#[non_exhaustive]
pub struct CircuitOpenError {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    #[source]
    pub(crate) open: CircuitOpen,
}

impl CircuitOpenError {
    /// The Harbor `operationId`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id` (never sent).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// How long until the breaker lets a probe through.
    pub fn retry_in(&self) -> Duration {
        self.open.retry_in()
    }
}

/// The runtime's refusal, named after the call it refused (from the task, as for
/// [`AttemptTimedOut`]).
impl From<CircuitOpen> for Error {
    fn from(open: CircuitOpen) -> Self {
        let (operation, request_id) = crate::client::current_call().unwrap_or_default();
        Error::CircuitOpen(CircuitOpenError {
            operation,
            request_id,
            open,
        })
    }
}

impl ErrorClass<Error> for CircuitOpenError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::CircuitOpen(_))
    }
}

/// Hedging cannot be switched on for an operation (see
/// [`HarborClient::hedge`](crate::HarborClient::hedge)).
///
/// ```
/// use std::time::Duration;
/// use harbor_client::{HarborClient, operations};
///
/// let client = HarborClient::new("http://h", "u", "p")?;
/// let refused = client.hedge(operations::CREATE_PROJECT, Duration::from_millis(50)).unwrap_err();
/// assert_eq!(refused.operation(), Some("createProject"));
/// assert!(refused.to_string().starts_with("createProject: hedging refused for a POST operation"));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum HedgeError {
    /// The operation is not a GET or HEAD, and was not allowed to be sent twice
    /// ([`HarborClient::allow_resend`](crate::HarborClient::allow_resend)).
    #[error(
        "{operation}: hedging refused for a {method} operation: {reason}; allow it first with `allow_resend` (or `allow_resend_all(true)`) if sending it twice is harmless"
    )]
    #[non_exhaustive]
    Refused {
        /// The operation (`operationId`).
        operation: &'static str,
        /// Its HTTP method.
        method: &'static str,
        /// Why running two copies at once is not safe for that method.
        reason: &'static str,
    },
    /// A hedge delay of zero would send every request twice.
    #[error("{}: the hedge delay must be greater than 0", operation.unwrap_or("GET and HEAD operations"))]
    #[non_exhaustive]
    ZeroDelay {
        /// The operation, or `None` for the client-wide hedging of reads.
        operation: Option<&'static str>,
    },
}

impl HedgeError {
    /// The operation refused (`None` for the client-wide hedging of reads).
    pub fn operation(&self) -> Option<&'static str> {
        match self {
            HedgeError::Refused { operation, .. } => Some(operation),
            HedgeError::ZeroDelay { operation } => *operation,
        }
    }
}

/// The body is not what the operation returns. Also the class of every such error.
#[derive(Debug, thiserror::Error)]
#[error(
    "{operation}: cannot decode the answer as {expected}: {message} (request id {request_id}); body starts with: {body_excerpt}"
)]
#[non_exhaustive]
pub struct DecodeError {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    pub(crate) expected: &'static str,
    pub(crate) message: String,
    pub(crate) body_excerpt: String,
}

impl DecodeError {
    /// The Harbor `operationId`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The expected Rust type.
    pub fn expected(&self) -> &'static str {
        self.expected
    }

    /// The decoder's message.
    pub fn message(&self) -> &str {
        &self.message
    }

    /// The start of the body (at most 512 bytes, lossy UTF-8). The whole answer is there with
    /// [`capture_raw`](crate::capture_raw).
    pub fn body_excerpt(&self) -> &str {
        &self.body_excerpt
    }
}

/// A redirect the client refused to follow. Also the class of every such error.
#[derive(Debug, thiserror::Error)]
#[error(
    "{operation}: not following the {status} redirect from {from} to {to}: {reason} (request id {request_id})"
)]
#[non_exhaustive]
pub struct RedirectError {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    pub(crate) status: u16,
    pub(crate) from: String,
    pub(crate) to: String,
    pub(crate) reason: &'static str,
}

impl RedirectError {
    /// The Harbor `operationId`.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The redirect's status (301, 302, 303, 307, 308).
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The URL that answered with the redirect (without its query).
    pub fn from(&self) -> &str {
        &self.from
    }

    /// Where it pointed (without its query).
    pub fn to(&self) -> &str {
        &self.to
    }
}

/// Harbor answered as anonymous although the client sent credentials: they are wrong,
/// expired, or were lost on the way. Harbor does not refuse bad credentials, it serves the
/// request as anonymous (`src/server/middleware/security/`); this error says so, naming the
/// user. Belongs to the [`Unauthorized`] class.
#[derive(Debug, thiserror::Error)]
#[error("{operation}: Harbor does not accept the credentials of {}: it answered as anonymous (wrong or expired secret?) (request id {request_id})", .user.as_deref().map_or_else(|| "the basic-auth token".to_owned(), |u| format!("user {u:?}")))]
#[non_exhaustive]
pub struct CredentialsRejected {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    pub(crate) user: Option<String>,
}

impl CredentialsRejected {
    /// The Harbor `operationId` that answered as anonymous.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// The username of the credentials (`None` for a pre-encoded token).
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }
}

/// The client's [credential provider](crate::auth::CredentialProvider) failed when a call
/// needed credentials (its first, or new ones after Harbor answered 401 to the old): the
/// provider's error, its timeout
/// ([`HarborClientBuilder::credential_provider_timeout`](crate::HarborClientBuilder::credential_provider_timeout)),
/// or credentials that cannot make an `Authorization` header. Also the class of every such
/// error. Its [`source`](std::error::Error::source) is the provider's own error, when it gave
/// one.
///
/// Calls asking at the same moment share one ask, and so one failure.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{operation}: the credential provider failed: {cause} (request id {request_id})")]
#[non_exhaustive]
pub struct CredentialProviderError {
    pub(crate) operation: &'static str,
    pub(crate) request_id: String,
    #[source]
    pub(crate) cause: ProviderFailure,
}

impl CredentialProviderError {
    /// The Harbor `operationId` of the call that needed credentials.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The call's `X-Request-Id`.
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// Whether the provider ran out of time
    /// ([`credential_provider_timeout`](crate::HarborClientBuilder::credential_provider_timeout)).
    pub fn timed_out(&self) -> bool {
        matches!(self.cause, ProviderFailure::TimedOut(_))
    }
}

/// Why a provider gave no usable credentials; shared (`Arc`) by the calls that waited on the
/// same ask.
#[derive(Debug, Clone, thiserror::Error)]
pub(crate) enum ProviderFailure {
    /// The provider's own error.
    #[error(transparent)]
    Failed(std::sync::Arc<dyn std::error::Error + Send + Sync + 'static>),
    /// It did not answer in time.
    #[error("no answer within {0:?}")]
    TimedOut(Duration),
    /// Its credentials cannot make an `Authorization` header.
    #[error(transparent)]
    Unusable(std::sync::Arc<BuildError>),
}

impl ErrorClass<Error> for CredentialProviderError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::CredentialProvider(_))
    }
}

impl ErrorClass<Error> for RedirectError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Redirect(_))
    }
}

impl ErrorClass<Error> for CredentialsRejected {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::CredentialsRejected(_))
    }
}

impl ErrorClass<Error> for StatusError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Status(_))
    }
}

impl ErrorClass<Error> for NetworkError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Network(_))
    }
}

impl ErrorClass<Error> for TimeoutError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Timeout(_))
    }
}

impl ErrorClass<Error> for DecodeError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Decode(_))
    }
}

/// The class of every 5xx [`StatusError`].
#[derive(Debug, Clone, Copy)]
pub struct ServerError;

impl ErrorClass<Error> for ServerError {
    fn is_instance(error: &Error) -> bool {
        matches!(error, Error::Status(e) if (500..=599).contains(&e.status))
    }
}

/// The class of the transient failures retried by default: network errors, timeouts,
/// 429, 502, 503, 504 (see [`Error::is_transient`]).
#[derive(Debug, Clone, Copy)]
pub struct Transient;

impl ErrorClass<Error> for Transient {
    fn is_instance(error: &Error) -> bool {
        error.is_transient()
    }
}

macro_rules! status_classes {
    ($($(#[$doc:meta])* $name:ident = $code:literal;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, Copy)]
        pub struct $name;

        impl $name {
            /// The HTTP status of this class.
            pub const STATUS: u16 = $code;
        }

        impl ErrorClass<Error> for $name {
            fn is_instance(error: &Error) -> bool {
                error.status() == Some($code)
            }
        }
    )*};
}

status_classes! {
    /// The class of 400 answers.
    BadRequest = 400;
    /// The class of 401 answers.
    Unauthorized = 401;
    /// The class of 403 answers.
    Forbidden = 403;
    /// The class of 404 answers.
    NotFound = 404;
    /// The class of 405 answers.
    MethodNotAllowed = 405;
    /// The class of 409 answers.
    Conflict = 409;
    /// The class of 412 answers.
    PreconditionFailed = 412;
    /// The class of 415 answers.
    UnsupportedMediaType = 415;
    /// The class of 422 answers.
    UnprocessableEntity = 422;
    /// The class of 429 answers.
    TooManyRequests = 429;
    /// The class of 500 answers.
    InternalServerError = 500;
    /// The class of 502 answers.
    BadGateway = 502;
    /// The class of 503 answers.
    ServiceUnavailable = 503;
    /// The class of 504 answers.
    GatewayTimeout = 504;
}

/// Failure to build a client.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The URL is not an absolute `http(s)` URL.
    #[error("invalid Harbor URL {url:?}: {reason}")]
    InvalidUrl {
        /// The URL given.
        url: String,
        /// Why it was refused.
        reason: String,
    },
    /// No credentials were given, and no provider of them.
    #[error(
        "no credentials: give a username and secret, a robot credentials file, a basic token or a credential provider"
    )]
    MissingCredentials,
    /// The credentials are unusable (unreadable file, bad JSON, bad characters).
    #[error("invalid credentials: {0}")]
    InvalidCredentials(String),
    /// A CA certificate could not be read or parsed.
    #[error("invalid CA certificate: {0}")]
    InvalidCertificate(String),
    /// The hedging configured is invalid (a zero delay).
    #[error(transparent)]
    Hedge(HedgeError),
    /// The HTTP stack refused the configuration.
    #[error("cannot build the HTTP client: {0}")]
    Http(#[source] HttpStackError),
    /// [`HarborClientBuilder::build_verified`](crate::HarborClientBuilder::build_verified):
    /// the credentials could not be verified.
    #[error("the credentials could not be verified: {0}")]
    Verification(#[source] Box<Error>),
}

/// The HTTP stack's own error, kept as a source without naming its type in our API (so a new
/// major version of the HTTP crate is not a new major version of this one).
#[derive(Debug, thiserror::Error)]
#[error(transparent)]
pub struct HttpStackError(reqwest::Error);

impl HttpStackError {
    pub(crate) fn new(error: reqwest::Error) -> Self {
        HttpStackError(error)
    }
}

#[cfg(test)]
mod tests {
    //! Every accessor and class of the error types, read back exactly; the transport's errors
    //! are real ones, from a refused connection and an expired timeout on the loopback.
    use super::*;
    use std::sync::Arc;

    /// A real transport error: a connection refused on the loopback (nothing listens on a
    /// port just released).
    async fn refused() -> reqwest::Error {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        reqwest::get(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err()
    }

    /// A real transport timeout: a listener that accepts and never answers.
    async fn timed_out() -> reqwest::Error {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let _connection = listener.accept().await;
            std::future::pending::<()>().await
        });
        let error = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .timeout(Duration::from_millis(20))
            .send()
            .await
            .unwrap_err();
        hold.abort();
        error
    }

    fn status(code: u16, body: &[u8], retry_after: Option<Duration>) -> Error {
        Error::Status(StatusError::from_parts(
            code,
            body,
            "r-status".into(),
            Some("getProject"),
            retry_after,
        ))
    }

    fn circuit_open() -> Error {
        Error::CircuitOpen(CircuitOpenError {
            operation: "getProject",
            request_id: "r-open".into(),
            open: CircuitOpen::new("harbor::get_project", Duration::from_secs(7)),
        })
    }

    fn provider(cause: ProviderFailure) -> CredentialProviderError {
        CredentialProviderError {
            operation: "listProjects",
            request_id: "r-provider".into(),
            cause,
        }
    }

    fn decode() -> DecodeError {
        DecodeError {
            operation: "getProject",
            request_id: "r-decode".into(),
            expected: "Project",
            message: "missing field `name`".into(),
            body_excerpt: "{}".into(),
        }
    }

    fn redirect() -> RedirectError {
        RedirectError {
            operation: "deleteProject",
            request_id: "r-redirect".into(),
            status: 302,
            from: "http://h/api/v2.0/projects/1".into(),
            to: "http://other/".into(),
            reason: "another server",
        }
    }

    fn rejected(user: Option<&str>) -> CredentialsRejected {
        CredentialsRejected {
            operation: "getCurrentUserInfo",
            request_id: "r-rejected".into(),
            user: user.map(str::to_owned),
        }
    }

    /// One error of every variant, named by its variant.
    async fn one_of_each() -> Vec<(&'static str, Error)> {
        vec![
            ("status", status(404, b"", None)),
            (
                "network",
                Error::Network(NetworkError {
                    operation: "listProjects",
                    request_id: "r-network".into(),
                    never_sent: true,
                    source: refused().await,
                }),
            ),
            (
                "timeout",
                Error::Timeout(TimeoutError {
                    operation: "listProjects",
                    request_id: "r-timeout".into(),
                    never_sent: false,
                    cause: TimeoutCause::Transport(timed_out().await),
                }),
            ),
            ("decode", Error::Decode(decode())),
            ("redirect", Error::Redirect(redirect())),
            ("rejected", Error::CredentialsRejected(rejected(Some("ci")))),
            (
                "provider",
                Error::CredentialProvider(provider(ProviderFailure::TimedOut(
                    Duration::from_secs(2),
                ))),
            ),
            ("open", circuit_open()),
            (
                "invalid",
                Error::InvalidRequest {
                    operation: "createProject",
                    message: "bad header".into(),
                },
            ),
        ]
    }

    #[tokio::test]
    async fn every_variant_reads_back_its_status_request_id_operation_and_safety() {
        let read = |e: &Error| {
            (
                e.status(),
                e.request_id().map(str::to_owned),
                e.operation(),
                e.never_sent(),
                e.is_transient(),
            )
        };
        let got: Vec<_> = one_of_each()
            .await
            .iter()
            .map(|(name, e)| (*name, read(e)))
            .collect();
        let id = |s: &str| Some(s.to_owned());
        assert_eq!(
            got,
            [
                (
                    "status",
                    (Some(404), id("r-status"), Some("getProject"), false, false)
                ),
                (
                    "network",
                    (None, id("r-network"), Some("listProjects"), true, true)
                ),
                (
                    "timeout",
                    (None, id("r-timeout"), Some("listProjects"), false, true)
                ),
                (
                    "decode",
                    (None, id("r-decode"), Some("getProject"), false, false)
                ),
                (
                    "redirect",
                    (None, id("r-redirect"), Some("deleteProject"), false, false)
                ),
                (
                    "rejected",
                    (
                        Some(401),
                        id("r-rejected"),
                        Some("getCurrentUserInfo"),
                        false,
                        false
                    )
                ),
                (
                    "provider",
                    (None, id("r-provider"), Some("listProjects"), true, true)
                ),
                (
                    "open",
                    (None, id("r-open"), Some("getProject"), true, false)
                ),
                ("invalid", (None, None, Some("createProject"), false, false)),
            ]
        );
    }

    #[tokio::test]
    async fn never_sent_follows_the_transport_errors_own_flag() {
        for never_sent in [false, true] {
            let network = NetworkError {
                operation: "getProject",
                request_id: "r".into(),
                never_sent,
                source: refused().await,
            };
            assert_eq!(network.never_sent(), never_sent);
            assert_eq!(Error::Network(network).never_sent(), never_sent);
            let timeout = TimeoutError {
                operation: "getProject",
                request_id: "r".into(),
                never_sent,
                cause: TimeoutCause::Transport(timed_out().await),
            };
            assert_eq!(timeout.never_sent(), never_sent);
            assert_eq!(Error::Timeout(timeout).never_sent(), never_sent);
        }
    }

    #[test]
    fn only_429_502_503_and_504_are_transient_statuses_and_only_status_errors_carry_retry_after() {
        for code in [400, 401, 404, 409, 412, 428, 430, 500, 501, 505] {
            assert!(!status(code, b"", None).is_transient(), "{code}");
        }
        for code in [429, 502, 503, 504] {
            assert!(status(code, b"", None).is_transient(), "{code}");
        }
        let later = status(429, b"", Some(Duration::from_secs(3)));
        assert_eq!(later.retry_after(), Some(Duration::from_secs(3)));
        assert_eq!(status(429, b"", None).retry_after(), None);
        assert_eq!(circuit_open().retry_after(), None);
    }

    #[test]
    fn a_status_error_reads_back_what_it_was_built_from() {
        let body = br#"{"errors":[{"code":"CONFLICT","message":"project p already exists"},{"code":"X","message":"y"}]}"#;
        let e = StatusError::from_parts(
            409,
            body,
            "r-1".into(),
            Some("createProject"),
            Some(Duration::from_secs(9)),
        );
        assert_eq!(e.status(), 409);
        assert_eq!(e.errors().len(), 2);
        assert_eq!(e.errors()[1].code, "X");
        assert_eq!(e.request_id(), "r-1");
        assert_eq!(e.body_excerpt(), std::str::from_utf8(body).unwrap());
        assert_eq!(e.operation(), Some("createProject"));
        assert_eq!(e.retry_after(), Some(Duration::from_secs(9)));
        assert_eq!(e.message(), Some("project p already exists"));
        assert_eq!(
            e.to_string(),
            "409 Conflict: CONFLICT: project p already exists (operation createProject, request id r-1)"
        );
    }

    #[test]
    fn both_of_harbors_error_bodies_parse_and_anything_else_gives_none() {
        let detail = |code: &str, message: &str| ErrorDetail {
            code: code.into(),
            message: message.into(),
        };
        assert_eq!(
            parse_errors(br#"{"errors":[{"code":"NOT_FOUND","message":"m"}]}"#),
            [detail("NOT_FOUND", "m")]
        );
        // The 5xx form: one object; a code alone or a message alone is enough.
        assert_eq!(
            parse_errors(br#"{"code":"UNKNOWN","message":"boom"}"#),
            [detail("UNKNOWN", "boom")]
        );
        assert_eq!(
            parse_errors(br#"{"code":"UNKNOWN"}"#),
            [detail("UNKNOWN", "")]
        );
        assert_eq!(parse_errors(br#"{"message":"boom"}"#), [detail("", "boom")]);
        assert_eq!(parse_errors(br#"{"other":1}"#), []);
        assert_eq!(parse_errors(b"<html>bad gateway</html>"), []);
        assert_eq!(parse_errors(b""), []);
    }

    #[test]
    fn the_description_has_each_part_only_when_known() {
        let describe = |code, body: &[u8], operation, request_id: &str| {
            StatusError::from_parts(code, body, request_id.into(), operation, None).to_string()
        };
        assert_eq!(describe(404, b"", None, ""), "404 Not Found");
        assert_eq!(describe(599, b"", None, ""), "599 ");
        assert_eq!(
            describe(404, br#"{"message":"gone"}"#, None, ""),
            "404 Not Found: gone"
        );
        assert_eq!(
            describe(502, b"upstream down", None, "r"),
            "502 Bad Gateway: upstream down"
        );
        assert_eq!(
            describe(500, b"", Some("getProject"), ""),
            "500 Internal Server Error (operation getProject)"
        );
        assert_eq!(
            describe(500, b"", Some("getProject"), "r-2"),
            "500 Internal Server Error (operation getProject, request id r-2)"
        );
        // From an answer: no operation, no request id.
        let answer = StatusError::from_answer(503, br#"{"code":"UNAVAILABLE","message":"m"}"#);
        assert_eq!(
            (
                answer.operation(),
                answer.request_id(),
                answer.retry_after()
            ),
            (None, "", None)
        );
        assert_eq!(answer.message(), Some("m"));
        assert_eq!(StatusError::from_answer(503, b"").message(), None);
    }

    #[test]
    fn an_excerpt_keeps_the_first_512_bytes_and_marks_a_cut() {
        let exact = vec![b'a'; EXCERPT_BYTES];
        assert_eq!(excerpt(&exact), "a".repeat(EXCERPT_BYTES));
        let longer = vec![b'a'; EXCERPT_BYTES + 1];
        assert_eq!(excerpt(&longer), format!("{}…", "a".repeat(EXCERPT_BYTES)));
        assert_eq!(excerpt(b"short"), "short");
        assert_eq!(excerpt(b""), "");
    }

    #[tokio::test]
    async fn a_network_error_reads_back_and_says_whether_it_left() {
        let error = |never_sent| async move {
            NetworkError {
                operation: "getProject",
                request_id: "r-n".into(),
                never_sent,
                source: refused().await,
            }
        };
        let sent = error(false).await;
        assert_eq!((sent.operation(), sent.request_id()), ("getProject", "r-n"));
        assert!(!sent.is_certificate_error());
        let text = sent.to_string();
        assert!(text.starts_with("getProject: network error: "), "{text}");
        assert!(text.ends_with(" (request id r-n)"), "{text}");
        let text = error(true).await.to_string();
        assert!(
            text.starts_with("getProject: network error before the request was sent: "),
            "{text}"
        );
    }

    #[test]
    fn a_certificate_error_is_found_inside_io_errors_and_only_for_refused_certificates() {
        let wrapped =
            |tls: rustls::Error| std::io::Error::new(std::io::ErrorKind::InvalidData, tls);
        let refused = wrapped(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ));
        assert!(is_certificate_error(&refused));
        assert!(is_certificate_error(&wrapped(
            rustls::Error::NoCertificatesPresented
        )));
        assert!(!is_certificate_error(&wrapped(
            rustls::Error::HandshakeNotComplete
        )));
        // An io::Error without an inner error, or with a plain one, is no certificate error.
        assert!(!is_certificate_error(&std::io::Error::from(
            std::io::ErrorKind::ConnectionRefused
        )));
        assert!(!is_certificate_error(&std::io::Error::other("no tls here")));
    }

    #[tokio::test]
    async fn a_timeout_names_which_timeout_expired() {
        let transport = |never_sent| async move {
            TimeoutError {
                operation: "getProject",
                request_id: "r-t".into(),
                never_sent,
                cause: TimeoutCause::Transport(timed_out().await),
            }
        };
        let connecting = transport(true).await;
        assert_eq!(
            connecting.to_string(),
            "getProject: timed out while connecting (request id r-t)"
        );
        assert_eq!(connecting.attempt_timed_out(), None);
        let answering = transport(false).await;
        assert_eq!(
            answering.to_string(),
            "getProject: timed out (request id r-t)"
        );
        assert_eq!(
            (answering.operation(), answering.request_id()),
            ("getProject", "r-t")
        );

        // Converted outside any call: no operation, no request id, maybe sent.
        let cut = AttemptTimedOut::new(Duration::from_millis(250), 2);
        let Error::Timeout(timeout) = Error::from(cut) else {
            panic!("not a timeout")
        };
        assert_eq!(timeout.attempt_timed_out(), Some(cut));
        assert_eq!((timeout.operation(), timeout.request_id()), ("", ""));
        assert!(!timeout.never_sent());
        assert_eq!(
            timeout.to_string(),
            "attempt 2 timed out after 250ms (attempt_timeout) (request id )"
        );
    }

    #[test]
    fn a_circuit_open_error_reads_back_and_names_its_operation_when_known() {
        let Error::CircuitOpen(open) = circuit_open() else {
            unreachable!()
        };
        assert_eq!(
            (open.operation(), open.request_id(), open.retry_in()),
            ("getProject", "r-open", Duration::from_secs(7))
        );
        assert_eq!(
            open.to_string(),
            "getProject: circuit breaker open: nothing sent; a probe may go in 7s (request id r-open)"
        );
        let Error::CircuitOpen(outside) =
            Error::from(CircuitOpen::new("t", Duration::from_secs(1)))
        else {
            unreachable!()
        };
        assert_eq!(
            outside.to_string(),
            "circuit breaker open: nothing sent; a probe may go in 1s (request id )"
        );
        assert_eq!(outside.retry_in(), Duration::from_secs(1));
    }

    #[test]
    fn the_other_errors_read_back_what_they_hold() {
        let d = decode();
        assert_eq!(
            (
                d.operation(),
                d.request_id(),
                d.expected(),
                d.message(),
                d.body_excerpt()
            ),
            (
                "getProject",
                "r-decode",
                "Project",
                "missing field `name`",
                "{}"
            )
        );
        let r = redirect();
        assert_eq!(
            (r.operation(), r.request_id(), r.status(), r.from(), r.to()),
            (
                "deleteProject",
                "r-redirect",
                302,
                "http://h/api/v2.0/projects/1",
                "http://other/"
            )
        );
        let c = rejected(Some("ci"));
        assert_eq!(
            (c.operation(), c.request_id(), c.user()),
            ("getCurrentUserInfo", "r-rejected", Some("ci"))
        );
        assert!(c.to_string().contains("credentials of user \"ci\""));
        assert_eq!(rejected(None).user(), None);
        assert!(
            rejected(None)
                .to_string()
                .contains("credentials of the basic-auth token")
        );
        let p = provider(ProviderFailure::TimedOut(Duration::from_secs(2)));
        assert_eq!(
            (p.operation(), p.request_id(), p.timed_out()),
            ("listProjects", "r-provider", true)
        );
        let failed = provider(ProviderFailure::Failed(Arc::new(std::io::Error::other(
            "vault sealed",
        ))));
        assert!(!failed.timed_out());
        assert_eq!(
            failed.to_string(),
            "listProjects: the credential provider failed: vault sealed (request id r-provider)"
        );
        let refused = HedgeError::Refused {
            operation: "createProject",
            method: "POST",
            reason: "r",
        };
        assert_eq!(refused.operation(), Some("createProject"));
        let zero = |operation| HedgeError::ZeroDelay { operation };
        assert_eq!(zero(Some("getProject")).operation(), Some("getProject"));
        assert_eq!(zero(None).operation(), None);
    }

    #[tokio::test]
    async fn each_class_holds_its_own_variant_only() {
        type Class = fn(&Error) -> bool;
        let classes: [(&str, Class); 9] = [
            ("status", StatusError::is_instance),
            ("network", NetworkError::is_instance),
            ("timeout", TimeoutError::is_instance),
            ("decode", DecodeError::is_instance),
            ("redirect", RedirectError::is_instance),
            ("rejected", CredentialsRejected::is_instance),
            ("provider", CredentialProviderError::is_instance),
            ("open", CircuitOpenError::is_instance),
            ("transient", Transient::is_instance),
        ];
        let transient = ["network", "timeout", "provider"];
        for (variant, error) in one_of_each().await {
            for (class, is_instance) in classes {
                let expected =
                    class == variant || (class == "transient" && transient.contains(&variant));
                assert_eq!(is_instance(&error), expected, "{class} of {variant}");
            }
        }
    }

    #[test]
    fn server_errors_are_the_5xx_and_each_status_class_its_status() {
        for (code, server) in [(499, false), (500, true), (503, true), (599, true)] {
            assert_eq!(ServerError::is_instance(&status(code, b"", None)), server);
        }
        assert!(NotFound::is_instance(&status(NotFound::STATUS, b"", None)));
        assert!(!NotFound::is_instance(&status(410, b"", None)));
        assert!(Unauthorized::is_instance(&Error::CredentialsRejected(
            rejected(None)
        )));
        assert!(TooManyRequests::is_instance(&status(429, b"", None)));
        assert!(!TooManyRequests::is_instance(&circuit_open()));
    }
}
