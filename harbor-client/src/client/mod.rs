//! [`HarborClient`] and the parts every generated method goes through, one file each:
//!
//! | file | what it holds |
//! |---|---|
//! | `builder.rs` | [`HarborClientBuilder`]: URL, credentials, TLS, timeouts, retry defaults |
//! | `config.rs` | everything that may change at run time, one value swapped whole: one lock read per call |
//! | `plan.rs` | a call's plan, resolved once from one configuration: settings, attempt timeout, hedge delay, credentials; `Resend` ("may this request be sent twice") |
//! | `retry_controls.rs` | changing the retry settings and resend permissions (`set_retry`, `allow_resend`, `no_retry`, ...) |
//! | `attempt_controls.rs` | changing per-attempt timeouts and hedging (`set_attempt_timeout`, `hedge`, ...) |
//! | `call.rs` | one logical call: its plan, request id and tracing span |
//! | `request.rs` | one attempt's request as the generated code fills it in |
//! | `transport.rs` | sending an attempt: headers, URL, redirects, the per-attempt log line |
//! | `https_upgrade.rs` | the remembered http -> https upgrade of the base URL |
//! | `credentials.rs` | who the client is: `set_credentials`, `verify_credentials` |
//! | `credential_refresh.rs` | credentials that rotate: the provider asked once on a 401 (single flight), a call's credentials |
//! | `custom_request.rs` | the escape hatch: any request, sent like a generated one |
//! | `decode.rs` | turning an answer into the operation's return type |
//!
//! The controls only write the configuration (`HarborClient::change_config`); every read for
//! a call goes through its plan.

mod attempt_controls;
mod builder;
mod call;
mod config;
mod credential_refresh;
mod credentials;
mod custom_request;
mod decode;
mod https_upgrade;
mod plan;
mod request;
mod retry_controls;
mod transport;

pub use builder::{DEFAULT_CREDENTIAL_PROVIDER_TIMEOUT, HarborClientBuilder};
pub(crate) use call::{Call, current_call};
use config::Config;
use credential_refresh::CredentialSource;
pub use credentials::Identity;
pub use custom_request::{CustomRequest, Method};
use https_upgrade::HttpsUpgrade;
pub(crate) use request::{Answer, Request};

use crate::error::Error;
use crate::settings::ClientGuards;
use retry_runtime::RetrySettings;
use std::fmt;
use std::sync::{Arc, Mutex, RwLock};
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
    /// Credentials, retry settings, resend permissions, attempt timeout, hedge delays: read
    /// once per call (its plan), replaced whole by every change.
    config: RwLock<Arc<Config>>,
    /// Held by a change of `config` from copy to swap: changes take turns, none is lost.
    config_writer: Mutex<()>,
    /// The credential provider, if any, and the single flight of its asks.
    credential_source: Option<CredentialSource>,
    /// The budget, breaker and limiter shared by every call and clone.
    guards: ClientGuards,
    retry_after_cap: Duration,
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
        let config = self.config();
        f.debug_struct("HarborClient")
            .field("base_url", &i.base.as_str())
            .field("https_upgrade", &i.https_upgrade.get().map(Url::as_str))
            .field("credentials", &config.auth.credentials)
            .field("credential_source", &i.credential_source)
            .field("connect_timeout", &i.connect_timeout)
            .field("timeout", &i.timeout)
            .field("accept_invalid_certs", &i.accept_invalid_certs)
            .field("retry", &config.retry.settings)
            .field("guards", &i.guards)
            .field("resend_all", &config.resend_all)
            .field("resend_operations", &config.resend_operations)
            .field("retry_off", &self.retry_off)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("client_attempt_timeout", &config.attempt_timeout)
            .field("hedge_reads", &config.hedge_reads)
            .field("hedge_operations", &config.hedge_operations)
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
