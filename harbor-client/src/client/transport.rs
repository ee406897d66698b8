//! Sending one attempt: the headers every request carries, the URL, and the mapping of
//! transport failures and error statuses to [`Error`].

use super::{Answer, Call, REQUEST_ID_HEADER, Request};
use crate::error::{Error, NetworkError, StatusError, TimeoutError};
use crate::settings::parse_retry_after;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::time::SystemTime;
use url::Url;

impl Call<'_> {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::HarborClient;

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
}
