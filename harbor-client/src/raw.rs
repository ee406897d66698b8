//! Raw answers: the status, headers and body of any call, for when the typed result is not
//! enough (a body the models cannot decode, a header the method does not return). This is
//! harborapi's `raw` mode without a second set of methods.
//!
//! ```no_run
//! # async fn demo(client: &harbor_client::HarborClient) {
//! use harbor_client::capture_raw;
//!
//! let (result, raw) = capture_raw(client.get_project("demo", &Default::default())).await;
//! if let (Err(e), Some(raw)) = (&result, &raw) {
//!     eprintln!("{e}; the server said {} with {} bytes", raw.status(), raw.body().len());
//! }
//! # }
//! ```

use reqwest::header::HeaderMap;
use std::cell::RefCell;
use std::future::Future;

tokio::task_local! {
    static LAST_ANSWER: RefCell<Option<RawResponse>>;
}

/// An answer as it came: status, headers, body.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct RawResponse {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl RawResponse {
    /// The HTTP status.
    pub fn status(&self) -> u16 {
        self.status
    }

    /// The headers, names in lower case, values that are not text left out.
    pub fn headers(&self) -> &[(String, String)] {
        &self.headers
    }

    /// The first value of a header (case-insensitive name).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body.
    pub fn body(&self) -> &[u8] {
        &self.body
    }

    /// The body as JSON.
    pub fn json(&self) -> Result<serde_json::Value, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    pub(crate) fn new(status: u16, headers: &HeaderMap, body: &[u8]) -> Self {
        RawResponse {
            status,
            headers: headers
                .iter()
                .filter_map(|(n, v)| Some((n.as_str().to_owned(), v.to_str().ok()?.to_owned())))
                .collect(),
            body: body.to_vec(),
        }
    }
}

/// Runs `future` (any calls of this client) and returns its result with the last answer the
/// server gave inside it, error statuses included; `None` when no answer came (a network
/// failure, a request refused before sending). Only this task's calls are recorded.
pub async fn capture_raw<T>(future: impl Future<Output = T>) -> (T, Option<RawResponse>) {
    LAST_ANSWER
        .scope(RefCell::new(None), async move {
            let result = future.await;
            let raw = LAST_ANSWER.with(|last| last.borrow_mut().take());
            (result, raw)
        })
        .await
}

/// Keeps a copy of the answer when a [`capture_raw`] scope is listening (only then is the
/// body copied).
pub(crate) fn record(status: u16, headers: &HeaderMap, body: &[u8]) {
    let _ = LAST_ANSWER.try_with(|last| {
        *last.borrow_mut() = Some(RawResponse::new(status, headers, body));
    });
}
