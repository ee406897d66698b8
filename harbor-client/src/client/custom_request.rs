//! The escape hatch: any request, with the client's credentials, retry settings, budget,
//! request id, redirects and error mapping, for an operation newer than the spec the client
//! was generated from, or an answer the models cannot decode.
//!
//! ```no_run
//! # async fn demo(client: &harbor_client::HarborClient) -> Result<(), harbor_client::Error> {
//! use harbor_client::client::Method;
//!
//! // Any JSON as `serde_json::Value`, or your own type.
//! let projects: serde_json::Value = client
//!     .request(Method::Get, "/projects")
//!     .query("page_size", "5")
//!     .json()
//!     .await?;
//! // Status, headers and body as they came.
//! let raw = client.request(Method::Get, "/ping").send().await?;
//! assert_eq!(raw.status(), 200);
//! # Ok(()) }
//! ```

use super::{Answer, Call, HarborClient};
use crate::error::Error;
use crate::operations::Operation;
use crate::raw::RawResponse;
use retry_runtime::retry;
use serde::Serialize;
use serde::de::DeserializeOwned;
use std::borrow::Cow;
use url::Url;

/// The HTTP method of a [`CustomRequest`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Method {
    /// `GET`
    Get,
    /// `HEAD`
    Head,
    /// `POST` (not idempotent: retried only when the request never left, as generated POSTs)
    Post,
    /// `PUT`
    Put,
    /// `PATCH` (not idempotent, as `POST`)
    Patch,
    /// `DELETE`
    Delete,
}

const fn custom(http_method: &'static str, idempotent: bool) -> Operation {
    Operation {
        id: "request",
        method_name: "request",
        http_method,
        path: "",
        tag: "",
        idempotent,
        paginated: false,
        params: &[],
        success_status: 200,
        response_model: None,
        produces_text: false,
    }
}

/// The operation-table entries of custom requests: `Details.target` and errors name
/// `request`; idempotency follows the method.
static CUSTOM: [Operation; 6] = [
    custom("GET", true),
    custom("HEAD", true),
    custom("POST", false),
    custom("PUT", true),
    custom("PATCH", false),
    custom("DELETE", true),
];

impl Method {
    fn operation(self) -> &'static Operation {
        &CUSTOM[match self {
            Method::Get => 0,
            Method::Head => 1,
            Method::Post => 2,
            Method::Put => 3,
            Method::Patch => 4,
            Method::Delete => 5,
        }]
    }
}

/// A request built by hand; see [`HarborClient::request`].
#[derive(Debug)]
#[must_use = "a request does nothing until sent"]
pub struct CustomRequest<'c> {
    client: &'c HarborClient,
    method: Method,
    url: Result<Url, String>,
    headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    body: Option<Vec<u8>>,
}

impl HarborClient {
    /// A request to `path` (relative to `/api/v2.0`, percent-encoded as it should travel:
    /// repository names twice) sent like a generated method's: same credentials, retry
    /// settings and budget, request id, redirect rules, errors and log lines.
    pub fn request(&self, method: Method, path: &str) -> CustomRequest<'_> {
        let url = if path.starts_with('/') {
            let mut url = self.inner.base.clone();
            let base_path = url.path().trim_end_matches('/').to_owned();
            let (path, query) = path.split_once('?').unwrap_or((path, ""));
            url.set_path(&format!("{base_path}{path}"));
            if !query.is_empty() {
                url.set_query(Some(query));
            }
            Ok(url)
        } else {
            Err(format!("the path {path:?} must start with '/'"))
        };
        CustomRequest {
            client: self,
            method,
            url,
            headers: Vec::new(),
            body: None,
        }
    }
}

impl CustomRequest<'_> {
    /// Adds a query pair (encoded here).
    pub fn query(mut self, name: &str, value: impl ToString) -> Self {
        if let Ok(url) = &mut self.url {
            url.query_pairs_mut().append_pair(name, &value.to_string());
        }
        self
    }

    /// Adds a header (the client's own, `Authorization` and `X-Request-Id`, cannot be
    /// replaced).
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers
            .push((Cow::Owned(name.into()), Cow::Owned(value.into())));
        self
    }

    /// Sets a JSON body.
    pub fn body<T: Serialize + ?Sized>(mut self, body: &T) -> Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.url = Err(format!("the body does not serialize: {e}")),
        }
        self
    }

    /// Sends it and returns the answer as it came; a 4xx or 5xx is an [`Error`] (use
    /// [`capture_raw`](crate::capture_raw) to see its body too).
    pub async fn send(self) -> Result<RawResponse, Error> {
        let call = self.client.call(self.method.operation());
        call.run(async {
            let answer = call.custom(&self).await?;
            Ok(RawResponse::new(
                answer.status,
                &answer.headers,
                &answer.body,
            ))
        })
        .await
    }

    /// Sends it and decodes the JSON answer as `T` (`serde_json::Value` for anything).
    pub async fn json<T: DeserializeOwned>(self) -> Result<T, Error> {
        let call = self.client.call(self.method.operation());
        call.run(async {
            let answer = call.custom(&self).await?;
            call.decode_json(&answer.body)
        })
        .await
    }

    /// Sends it and returns the body's bytes.
    pub async fn bytes(self) -> Result<Vec<u8>, Error> {
        let call = self.client.call(self.method.operation());
        call.run(async { Ok(call.custom(&self).await?.body) }).await
    }
}

impl Call<'_> {
    /// The whole retry loop of a [`CustomRequest`]: `#[retry]` runs the body, one attempt, under
    /// the call's plan.
    #[retry(
        settings = self.plan.settings(),
        attempt_timeout = self.plan.attempt_timeout(),
        hedge_delay = self.plan.hedge_delay()
    )]
    async fn custom(&self, custom: &CustomRequest<'_>) -> Result<Answer, Error> {
        let mut req = self.request();
        match &custom.url {
            Ok(url) => req.url = Some(url.clone()),
            Err(problem) => req.problem = Some(problem.clone()),
        }
        req.headers.clone_from(&custom.headers);
        req.body.clone_from(&custom.body);
        self.send(req).await
    }
}
