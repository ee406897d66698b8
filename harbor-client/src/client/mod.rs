//! [`HarborClient`] and the parts every generated method goes through, one file each:
//!
//! | file | what it holds |
//! |---|---|
//! | `builder.rs` | [`HarborClientBuilder`]: URL, credentials, TLS, timeouts, retry defaults |
//! | `retry_controls.rs` | the retry settings of a client at run time (`set_retry`, `no_retry`, ...) |
//! | `attempt_controls.rs` | per-attempt timeouts and hedged attempts (`set_attempt_timeout`, `hedge`, ...) |
//! | `call.rs` | one logical call: request id, tracing span, the attempt's settings |
//! | `request.rs` | one attempt's request as the generated code fills it in |
//! | `transport.rs` | sending an attempt: headers, URL, redirects, the per-attempt log line |
//! | `https_upgrade.rs` | the remembered http -> https upgrade of the base URL |
//! | `credentials.rs` | who the client is: `set_credentials`, `verify_credentials` |
//! | `custom_request.rs` | the escape hatch: any request, sent like a generated one |
//! | `decode.rs` | turning an answer into the operation's return type |

mod attempt_controls;
mod builder;
mod call;
mod credentials;
mod custom_request;
mod decode;
mod https_upgrade;
mod request;
mod retry_controls;
mod transport;

pub(crate) use credentials::Auth;

pub(crate) use attempt_controls::AttemptTiming;
pub use builder::HarborClientBuilder;
pub(crate) use call::Call;
pub use credentials::Identity;
pub use custom_request::{CustomRequest, Method};
use https_upgrade::HttpsUpgrade;
pub(crate) use request::{Answer, Request};

use crate::error::Error;
use crate::settings::RetryState;
use retry_runtime::{RetryBudget, RetrySettings};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, RwLock};
use std::time::Duration;
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
    /// Set on handles returned by [`HarborClient::with_attempt_timeout`]: wins over the
    /// client's per-attempt timeout.
    attempt_timeout: Option<Option<Duration>>,
}

struct Inner {
    /// The base URL as configured.
    base: Url,
    /// Its https upgrade, once a redirect showed one; requests go there instead.
    https_upgrade: HttpsUpgrade,
    http: reqwest::Client,
    /// Replaced by [`HarborClient::set_credentials`]; read once per attempt.
    auth: RwLock<Auth>,
    retry: RwLock<RetryState>,
    retry_budget: Option<RetryBudget>,
    retry_non_idempotent: AtomicBool,
    retry_after_send: RwLock<BTreeSet<&'static str>>,
    retry_after_cap: Duration,
    /// Per-attempt timeout and hedging; read once per call.
    timing: RwLock<AttemptTiming>,
    /// The settings of a call with retrying off but a per-attempt timeout: one attempt, no
    /// log, no hooks (the runtime applies a timeout only under settings).
    single_attempt: RetrySettings<Error>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    accept_invalid_certs: bool,
}

impl fmt::Debug for HarborClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.inner;
        f.debug_struct("HarborClient")
            .field("base_url", &i.base.as_str())
            .field("https_upgrade", &i.https_upgrade.get().map(Url::as_str))
            .field("credentials", &self.credentials())
            .field("connect_timeout", &i.connect_timeout)
            .field("timeout", &i.timeout)
            .field("accept_invalid_certs", &i.accept_invalid_certs)
            .field("retry", &self.retry_settings())
            .field("retry_budget", &i.retry_budget)
            .field("retry_off", &self.retry_off)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("timing", &*self.read_timing())
            .finish_non_exhaustive()
    }
}

impl HarborClient {
    /// The API base URL as configured (`https://harbor.example/api/v2.0`). When it is an
    /// `http` URL whose server redirected a request to the same URL on `https`, requests go
    /// to that `https` base instead; this still returns the configured one.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
