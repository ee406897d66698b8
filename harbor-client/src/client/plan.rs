//! A call's plan: everything the retry runtime and the transport need to know about one
//! call, resolved once, when the call starts, from one [`Config`] and the handle it is made
//! through.
//!
//! Every decision about a call is taken in [`CallPlan::resolve`], and only there: whether
//! retrying is on (settings `None`, a [`no_retry`](HarborClient::no_retry) handle,
//! [`no_retry_scope`](crate::no_retry_scope)), which settings apply (by [`Resend`]), the
//! attempt timeout (the handle's, else the client's), the hedge delay (the operation's own or
//! the one of all reads, only where the request may be sent twice) and the credentials (which
//! only a 401 renews, `credential_refresh.rs`). The
//! generated methods read the plan (`#[retry(settings = self.plan.settings(), attempt_timeout =
//! self.plan.attempt_timeout(), hedge_delay = self.plan.hedge_delay())]`) and the transport
//! takes the `Authorization` value from it, so nothing a call uses can come from two moments.

use super::HarborClient;
use crate::error::Error;
use crate::operations::Operation;
use crate::settings::in_no_retry_scope;
use reqwest::header::HeaderValue;
use retry_runtime::RetrySettings;
use std::time::Duration;

/// Whether, and when, a request may be sent more than once: the client's one answer to "may
/// this request be sent twice", for retries after a failure and for hedged copies alike.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Resend {
    /// Only when no earlier copy can have reached the server (connection refused, DNS): a
    /// POST or PATCH, which could apply twice, without [`HarborClient::allow_resend`].
    IfNeverSent,
    /// After an earlier copy failed, never beside one still running: a PUT or DELETE without
    /// [`HarborClient::allow_resend`] (idempotent in sequence, not in parallel).
    AfterFailure,
    /// Any time, a hedged copy beside a slow one included: GET and HEAD, and every operation
    /// allowed with [`HarborClient::allow_resend`] or [`HarborClient::allow_resend_all`].
    Always,
}

/// Whether `operation` only reads (GET, HEAD): two copies of it at once change nothing.
pub(crate) fn is_read(operation: &Operation) -> bool {
    matches!(operation.http_method, "GET" | "HEAD")
}

/// One call's plan; see the module docs.
pub(crate) struct CallPlan {
    /// The settings the call's attempts run under: the client's retry settings for this
    /// operation, or with retrying off and an attempt timeout, one attempt's (the runtime
    /// applies a timeout only under settings); `None`: one attempt, nothing else.
    settings: Option<RetrySettings<Error>>,
    /// Whether `settings` are the client's retry settings (false: retrying is off).
    retrying: bool,
    /// The attempt timeout the client sets (`None` leaves the settings' own in force).
    attempt_timeout: Option<Duration>,
    /// The hedge delay the client sets (`None` leaves the settings' own, which only GET and
    /// HEAD operations keep).
    hedge_delay: Option<Duration>,
    /// The `Authorization` value the attempts start with (`None`: the provider has not
    /// answered yet), and its generation: a 401 may renew them (`credential_refresh.rs`).
    authorization: Option<HeaderValue>,
    generation: u64,
}

impl CallPlan {
    /// Resolves the plan of a call of `operation` made now through `client`.
    pub(crate) fn resolve(client: &HarborClient, operation: &Operation) -> CallPlan {
        let retry_on = !client.retry_off && !in_no_retry_scope();
        // The one lock read of the call.
        client.read_config(|config| {
            let resend = config.resend(operation);
            let attempt_timeout = client.attempt_timeout.unwrap_or(config.attempt_timeout);
            let retry_settings = if retry_on {
                let state = &config.retry;
                match resend {
                    Resend::IfNeverSent => state.never_sent_only.clone(),
                    // The settings' own `hedge_delay` hedges reads only (`hedge_reads`'
                    // meaning).
                    _ if is_read(operation) => state.settings.clone(),
                    _ => state.unhedged.clone().or_else(|| state.settings.clone()),
                }
            } else {
                None
            };
            let retrying = retry_settings.is_some();
            let settings = retry_settings
                .or_else(|| attempt_timeout.map(|_| client.inner.single_attempt.clone()));
            // Checked again here, not only when hedging is switched on: the permission may
            // have been withdrawn since (`allow_resend_all(false)`).
            let hedge_delay = config
                .hedge_delay(operation)
                .filter(|_| retry_on && resend == Resend::Always);
            CallPlan {
                settings,
                retrying,
                attempt_timeout,
                hedge_delay,
                authorization: config.auth.header.clone(),
                generation: config.auth.generation,
            }
        })
    }

    /// The attribute's `settings`.
    pub(crate) fn settings(&self) -> &Option<RetrySettings<Error>> {
        &self.settings
    }

    /// The attribute's `attempt_timeout`.
    pub(crate) fn attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
    }

    /// The attribute's `hedge_delay`.
    pub(crate) fn hedge_delay(&self) -> Option<Duration> {
        self.hedge_delay
    }

    /// The `Authorization` value the call's attempts start with, and its generation.
    pub(crate) fn authorization(&self) -> (u64, Option<&HeaderValue>) {
        (self.generation, self.authorization.as_ref())
    }

    /// The client's retry settings for the call (`None`: retrying is off).
    fn retry_settings(self) -> Option<RetrySettings<Error>> {
        self.settings.filter(|_| self.retrying)
    }
}

impl HarborClient {
    /// The settings a call of `operation` made now would use: `None` when retrying is off
    /// (settings `None`, a [`no_retry`](Self::no_retry) handle, or inside
    /// [`no_retry_scope`](crate::no_retry_scope)); for a POST or PATCH that may not be sent
    /// twice ([`allow_resend`](Self::allow_resend)), the settings that give up once the
    /// request may have been sent. The settings' own `hedge_delay` is kept for GET and HEAD
    /// operations only (see [`hedge`](Self::hedge) for why the others are not hedged by
    /// default).
    pub fn effective_retry_settings(
        &self,
        operation: &'static Operation,
    ) -> Option<RetrySettings<Error>> {
        CallPlan::resolve(self, operation).retry_settings()
    }

    /// The per-attempt timeout a call made now through this handle would get from the client
    /// (`None`: the settings' own `attempt_timeout`, if any, applies). With retrying off it
    /// cuts the call's one attempt.
    pub fn effective_attempt_timeout(&self) -> Option<Duration> {
        self.attempt_timeout
            .unwrap_or_else(|| self.config().attempt_timeout)
    }

    /// The hedge delay a call of `operation` made now through this handle would use (`None`:
    /// not hedged): the operation's own ([`hedge`](Self::hedge)), else for GET and HEAD the
    /// client's [`hedge_reads`](Self::hedge_reads), else for GET and HEAD the settings' own
    /// `hedge_delay`. Never for a call with retrying off (one attempt is all it makes) or an
    /// operation that may not be sent twice.
    pub fn effective_hedge_delay(&self, operation: &'static Operation) -> Option<Duration> {
        let plan = CallPlan::resolve(self, operation);
        plan.hedge_delay.or_else(|| {
            plan.retry_settings()
                .and_then(|settings| settings.hedge_delay())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::operations::{self, OPERATIONS};
    use crate::{Credentials, no_retry_scope};

    fn client() -> HarborClient {
        HarborClient::new("http://h", "u", "p").unwrap()
    }

    #[test]
    fn the_method_decides_resend_until_resending_is_allowed() {
        let client = client();
        for op in OPERATIONS {
            let expected = match op.http_method {
                "GET" | "HEAD" => Resend::Always,
                "PUT" | "DELETE" => Resend::AfterFailure,
                _ => Resend::IfNeverSent,
            };
            assert_eq!(client.config().resend(op), expected, "{}", op.id);
        }
        client.allow_resend(operations::CREATE_PROJECT);
        let config = client.config();
        assert_eq!(config.resend(operations::CREATE_PROJECT), Resend::Always);
        assert_eq!(
            config.resend(operations::DELETE_PROJECT),
            Resend::AfterFailure
        );
        client.allow_resend_all(true);
        assert!(
            OPERATIONS
                .iter()
                .all(|op| client.config().resend(op) == Resend::Always)
        );
    }

    #[test]
    fn a_plan_keeps_what_it_was_resolved_from() {
        let client = client();
        client.hedge_reads(Duration::from_millis(20)).unwrap();
        client.set_attempt_timeout(Duration::from_secs(3));
        let plan = CallPlan::resolve(&client, operations::GET_PROJECT);
        let authorization = plan.authorization().1.cloned();

        client.set_retry(None);
        client.hedge_reads(None).unwrap();
        client.set_attempt_timeout(None);
        client
            .set_credentials(Credentials::basic("other", "secret"))
            .unwrap();

        assert!(plan.settings().is_some());
        assert_eq!(plan.hedge_delay(), Some(Duration::from_millis(20)));
        assert_eq!(plan.attempt_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(plan.authorization().1, authorization.as_ref());
        let next = CallPlan::resolve(&client, operations::GET_PROJECT);
        assert!(next.settings().is_none());
        assert_eq!(next.hedge_delay(), None);
        assert_eq!(next.attempt_timeout(), None);
        assert_ne!(next.authorization().1, authorization.as_ref());
        assert_eq!(next.authorization().0, plan.authorization().0 + 1);
    }

    #[test]
    fn a_post_not_allowed_to_be_resent_gets_settings_that_stop_once_sent() {
        let client = client();
        let plan = CallPlan::resolve(&client, operations::CREATE_PROJECT);
        let settings = plan.settings().as_ref().unwrap();
        let sent = Error::InvalidRequest {
            operation: "createProject",
            message: String::new(),
        };
        assert!(!sent.never_sent());
        assert!(settings.gives_up(&sent));
        client.allow_resend(operations::CREATE_PROJECT);
        let plan = CallPlan::resolve(&client, operations::CREATE_PROJECT);
        assert!(!plan.settings().as_ref().unwrap().gives_up(&sent));
    }

    #[tokio::test]
    async fn the_no_retry_scope_is_part_of_the_resolution() {
        let client = client();
        client.hedge_reads(Duration::from_millis(20)).unwrap();
        let inside =
            no_retry_scope(async { CallPlan::resolve(&client, operations::GET_PROJECT) }).await;
        assert!(inside.settings().is_none());
        assert_eq!(inside.hedge_delay(), None);
        client.set_attempt_timeout(Duration::from_secs(1));
        let timed =
            no_retry_scope(async { CallPlan::resolve(&client, operations::GET_PROJECT) }).await;
        // One attempt's settings, there to carry the timeout; not the client's retry settings.
        assert_eq!(timed.settings().as_ref().unwrap().max_tries(), Some(1));
        assert_eq!(timed.retry_settings().map(|s| s.max_tries()), None);
        let outside = CallPlan::resolve(&client, operations::GET_PROJECT);
        assert_eq!(outside.hedge_delay(), Some(Duration::from_millis(20)));
    }

    #[test]
    fn reads_are_the_get_and_head_operations() {
        for op in OPERATIONS {
            assert_eq!(
                is_read(op),
                matches!(op.http_method, "GET" | "HEAD"),
                "{}",
                op.id
            );
        }
        assert!(is_read(operations::GET_PROJECT));
        assert!(!is_read(operations::UPDATE_PROJECT));
    }

    /// A PUT may be retried after a failure but not hedged: its settings lose their own hedge
    /// delay, a delay set for it is not used, and it keeps the settings' other rules.
    #[test]
    fn a_write_sent_again_after_failure_is_retried_unhedged() {
        let hedged = crate::default_retry_settings()
            .to_builder()
            .hedge_delay(Duration::from_millis(40))
            .max_tries(4)
            .build()
            .unwrap();
        let client = client();
        client.set_retry(hedged);
        let put = operations::UPDATE_PROJECT;
        let settings = client.effective_retry_settings(put).unwrap();
        assert_eq!(
            (settings.hedge_delay(), settings.max_tries()),
            (None, Some(4))
        );
        assert_eq!(client.effective_hedge_delay(put), None);
        // A read keeps the settings' own delay; a POST never-sent-only has none.
        assert_eq!(
            client.effective_hedge_delay(operations::GET_PROJECT),
            Some(Duration::from_millis(40))
        );
        let post = client
            .effective_retry_settings(operations::CREATE_PROJECT)
            .unwrap();
        assert_eq!((post.hedge_delay(), post.max_tries()), (None, Some(4)));
        // Allowed to be sent twice, the PUT is hedged with its own delay.
        client.allow_resend(put);
        client.hedge(put, Duration::from_millis(25)).unwrap();
        assert_eq!(
            client.effective_hedge_delay(put),
            Some(Duration::from_millis(25))
        );
        assert_eq!(
            CallPlan::resolve(&client, put).hedge_delay(),
            Some(Duration::from_millis(25))
        );
        // Withdrawn, the delay stays set but is not used.
        let withdrawn = HarborClient::new("http://h", "u", "p").unwrap();
        withdrawn.allow_resend_all(true);
        let delete = operations::DELETE_PROJECT;
        withdrawn.hedge(delete, Duration::from_millis(25)).unwrap();
        assert_eq!(
            withdrawn.effective_hedge_delay(delete),
            Some(Duration::from_millis(25))
        );
        withdrawn.allow_resend_all(false);
        assert_eq!(withdrawn.effective_hedge_delay(delete), None);
    }

    #[test]
    fn a_no_retry_handle_and_a_handle_timeout_decide_for_that_handle_only() {
        let client = client();
        client.hedge_reads(Duration::from_millis(20)).unwrap();
        let off = client.no_retry();
        assert!(
            off.effective_retry_settings(operations::GET_PROJECT)
                .is_none()
        );
        assert_eq!(off.effective_hedge_delay(operations::GET_PROJECT), None);
        let plan = CallPlan::resolve(&off, operations::GET_PROJECT);
        assert!(plan.settings().is_none());
        assert_eq!(plan.hedge_delay(), None);
        assert!(
            client
                .effective_retry_settings(operations::GET_PROJECT)
                .is_some()
        );
        assert_eq!(
            client.effective_hedge_delay(operations::GET_PROJECT),
            Some(Duration::from_millis(20))
        );

        client.set_attempt_timeout(Duration::from_secs(5));
        let short = client.with_attempt_timeout(Duration::from_secs(1));
        assert_eq!(
            short.effective_attempt_timeout(),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            client.effective_attempt_timeout(),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            CallPlan::resolve(&short, operations::GET_PROJECT).attempt_timeout(),
            Some(Duration::from_secs(1))
        );
        // A handle without retrying still carries its timeout, in one attempt's settings.
        let off_timed = short.no_retry();
        let plan = CallPlan::resolve(&off_timed, operations::GET_PROJECT);
        assert_eq!(plan.attempt_timeout(), Some(Duration::from_secs(1)));
        assert_eq!(plan.settings().as_ref().unwrap().max_tries(), Some(1));
        assert!(
            off_timed
                .effective_retry_settings(operations::GET_PROJECT)
                .is_none()
        );
    }
}
