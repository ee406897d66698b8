//! One logical call: its operation, its plan, its request id and the tracing span that ties
//! its attempts together.

use super::credential_refresh::CallCredentials;
use super::plan::CallPlan;
use super::{HarborClient, Request};
use crate::error::Error;
use crate::operations::Operation;
use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tracing::Instrument as _;
use url::Url;

impl HarborClient {
    /// Starts a logical call: its plan, resolved here once, and a fresh `X-Request-Id`.
    pub(crate) fn call(&self, op: &'static Operation) -> Call<'_> {
        let plan = CallPlan::resolve(self, op);
        let (generation, authorization) = plan.authorization();
        Call {
            client: self,
            op,
            credentials: CallCredentials::new(generation, authorization.cloned()),
            plan,
            request_id: new_request_id(),
            attempts: AtomicU32::new(0),
        }
    }
}

tokio::task_local! {
    /// The call whose attempts the task is running: what `From<AttemptTimedOut>` (called by
    /// the retry runtime, which knows nothing of calls) names the error after, so that the
    /// error is complete when the hooks and the log first see it.
    static CURRENT_CALL: CallName;
}

/// What names a call in its errors.
struct CallName {
    operation: &'static str,
    request_id: Arc<str>,
}

/// The operation and request id of the call whose attempts the task is running, if any.
pub(crate) fn current_call() -> Option<(&'static str, String)> {
    CURRENT_CALL
        .try_with(|call| (call.operation, call.request_id.to_string()))
        .ok()
}

/// A random request id in UUID v4 form, drawn from a per-thread xoshiro generator seeded
/// once from the thread's ChaCha generator: a request id must be unique, not unpredictable,
/// and a draw from `rand::random` (ChaCha12, with its reseeding checks) cost more than the
/// rest of the id's making.
fn new_request_id() -> Arc<str> {
    use rand::{Rng as _, SeedableRng as _};
    thread_local! {
        static IDS: std::cell::RefCell<rand::rngs::SmallRng> =
            std::cell::RefCell::new(rand::rngs::SmallRng::from_rng(&mut rand::rng()));
    }
    let n: u128 = IDS.with_borrow_mut(|ids| ids.random());
    uuid_v4_text((n & !(0xf << 76) | (0x4 << 76)) & !(0x3 << 62) | (0x2 << 62))
}

/// `n` as 32 hex digits in UUID form (8-4-4-4-12), written digit by digit (the two `format!`
/// calls this replaced cost ~2,400 instructions a call; BENCHMARKS.md, section 2), into an
/// `Arc<str>`: shared, not copied, with the call's task-local name.
fn uuid_v4_text(n: u128) -> Arc<str> {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut id = [0u8; 36];
    let mut at = 0;
    for digit in 0..32 {
        if matches!(digit, 8 | 12 | 16 | 20) {
            id[at] = b'-';
            at += 1;
        }
        id[at] = HEX[(n >> (124 - 4 * digit)) as usize & 0xf];
        at += 1;
    }
    // Hex digits and dashes only: always ASCII.
    Arc::from(std::str::from_utf8(&id).unwrap_or_default())
}

/// One logical call: its operation, plan and request id, shared by all its attempts.
pub(crate) struct Call<'c> {
    pub(crate) client: &'c HarborClient,
    pub(crate) op: &'static Operation,
    /// Resolved when the call starts; the attribute of every attempt fn reads it.
    pub(crate) plan: CallPlan,
    pub(crate) request_id: Arc<str>,
    /// The credentials its attempts send: the plan's, until a 401 renews them.
    pub(crate) credentials: CallCredentials,
    /// Attempts sent so far (for the per-attempt log line).
    attempts: AtomicU32,
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
    /// Counts an attempt and returns its number (1 for the first).
    pub(crate) fn next_attempt(&self) -> u32 {
        self.attempts.fetch_add(1, Ordering::Relaxed) + 1
    }

    /// The tracing span of the call: every log line of its attempts carries the request id.
    pub(crate) fn span(&self) -> tracing::Span {
        tracing::info_span!(
            "harbor",
            operation = self.op.id,
            request_id = %self.request_id
        )
    }

    /// Runs `fut` (the retried attempts) inside the call's span, with the call named to the
    /// errors the runtime builds (an attempt cut by the per-attempt timeout).
    ///
    /// A plain fn returning the scoped future, not an `async fn`: an `async fn` would keep
    /// `fut` as its argument beside the scoped future built from it, doubling the call's
    /// future (3,376 bytes for `get_project`, half of it that copy), and every move of the
    /// call's future copies all of it.
    pub(crate) fn run<T>(
        &self,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> impl Future<Output = Result<T, Error>> {
        let name = CallName {
            operation: self.op.id,
            request_id: Arc::clone(&self.request_id),
        };
        CURRENT_CALL.scope(name, fut.instrument(self.span()))
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

    pub(super) fn invalid(&self, message: impl Into<String>) -> Error {
        Error::InvalidRequest {
            operation: self.op.id,
            message: message.into(),
        }
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
            assert_eq!(&*uuid_v4_text(n), expected);
        }
    }
}
