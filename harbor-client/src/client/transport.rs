//! Sending one attempt: the headers every request carries, the URL, and the mapping of
//! transport failures and error statuses to [`Error`].

use super::request::IS_RESOURCE_NAME_HEADER;
use super::{Answer, Call, REQUEST_ID_HEADER, Request};
use crate::error::{Error, NetworkError, RedirectError, StatusError, TimeoutCause, TimeoutError};
use crate::settings::parse_retry_after;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::borrow::Cow;
use std::time::{Instant, SystemTime};
use url::Url;

/// Redirects followed in one attempt before giving up.
const MAX_REDIRECTS: u32 = 5;

/// A URL for messages: scheme, host, port and path, without the query (which may hold
/// secrets) or user info.
fn without_query(url: &Url) -> String {
    let mut shown = url.clone();
    shown.set_query(None);
    shown.set_fragment(None);
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.into()
}

impl Call<'_> {
    /// Sends one attempt and reads the whole answer; error statuses become [`StatusError`].
    /// Logs one `debug` event per attempt (operation, method, path without the query, status
    /// or error, latency, attempt number, request id; never a header or the query, which may
    /// hold secrets).
    ///
    /// A plain fn that prepares the attempt and returns the future that waits for it: an
    /// `async fn` would keep `req` (208 bytes) in its state beside the exchange it moved
    /// into, and this future is inside every attempt's (see `Call::run`).
    pub(crate) fn send(&self, mut req: Request) -> impl Future<Output = Result<Answer, Error>> {
        let prepared = match req.problem.take() {
            Some(problem) => Err(self.invalid(problem)),
            None => {
                let attempt = self.next_attempt();
                // The path is copied for the log line only when someone listens at debug
                // level.
                let path = tracing::enabled!(tracing::Level::DEBUG).then(|| match &req.url {
                    Some(url) => url.path().to_owned(),
                    None => req.path.clone(),
                });
                // On the heap: reqwest's in-flight state is most of an attempt's future, and
                // every generated method's future (and every caller's) would otherwise carry
                // it inline and move it when built and wrapped.
                Ok((attempt, path, Instant::now(), Box::pin(self.exchange(req))))
            }
        };
        async move {
            let (attempt, path, started, exchange) = prepared?;
            let result = exchange.await;
            if let Some(path) = path {
                self.log_attempt(&result, &path, started, attempt);
            }
            result
        }
    }

    /// The `debug` event of one attempt (see [`send`](Self::send)).
    fn log_attempt(
        &self,
        result: &Result<Answer, Error>,
        path: &str,
        started: Instant,
        attempt: u32,
    ) {
        let latency_ms = started.elapsed().as_secs_f64() * 1000.0;
        match result {
            Ok(answer) => tracing::debug!(
                operation = self.op.id,
                method = self.op.http_method,
                path,
                status = answer.status,
                latency_ms,
                attempt,
                request_id = %self.request_id,
                "attempt answered"
            ),
            Err(e) => tracing::debug!(
                operation = self.op.id,
                method = self.op.http_method,
                path,
                status = e.status(),
                latency_ms,
                attempt,
                request_id = %self.request_id,
                error = %e,
                "attempt failed"
            ),
        }
    }

    /// The exchange of one attempt, following the redirects that keep the credentials, and
    /// sending it again once with renewed credentials after a 401 (`credential_refresh.rs`).
    async fn exchange(&self, req: Request) -> Result<Answer, Error> {
        let inner = &self.client.inner;
        let mut url = match req.url {
            // Built against the configured base (a `Link` target, a custom request).
            Some(url) => inner.https_upgrade.apply(&inner.base, url),
            None => self.url_for(&req.path, &req.query),
        };
        let mut method = reqwest::Method::from_bytes(self.op.http_method.as_bytes())
            .map_err(|_| self.invalid("unknown HTTP method"))?;
        // Shared, not copied, when a redirect sends it again.
        let body = req.body.map(bytes::Bytes::from);
        let mut hops = 0;
        let mut credentials = self.attempt_credentials().await?;
        loop {
            let headers = self.headers(&credentials.header, &req.headers, body.is_some())?;
            // The request is built and its headers moved in, not merged through
            // `RequestBuilder::headers` (a second header map filled per attempt).
            let mut request = self
                .client
                .inner
                .http
                .request(method.clone(), url)
                .build()
                .map_err(|e| self.transport(e))?;
            set_headers(request.headers_mut(), headers);
            if let Some(body) = &body {
                *request.body_mut() = Some(body.clone().into());
            }
            let mut response = self
                .client
                .inner
                .http
                .execute(request)
                .await
                .map_err(|e| self.transport(e))?;
            let status = response.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = response
                    .headers()
                    .get(reqwest::header::LOCATION)
                    .and_then(|v| v.to_str().ok());
                (url, method) = self.redirect(status, response.url(), location, method, hops)?;
                hops += 1;
                continue;
            }
            // Where a 401 is sent again (the URL was moved into the request).
            let sent_to = (status == 401).then(|| response.url().clone());
            // Taken, not cloned: reading the body does not need them.
            let headers = std::mem::take(response.headers_mut());
            let answer = response.bytes().await.map_err(|e| self.transport(e))?;
            crate::raw::record(status, &headers, &answer);
            // Stale credentials: sent again at once with renewed ones, at most once per
            // generation refused (`credential_refresh.rs`).
            if let Some(sent_to) = sent_to
                && let Some(renewed) = self.after_unauthorized(&credentials).await?
            {
                credentials = renewed;
                url = sent_to;
                continue;
            }
            if status >= 400 {
                return Err(self.status_error(status, &headers, &answer));
            }
            return Ok(Answer {
                status,
                headers,
                // Reuses the buffer when the answer holds the only reference to it.
                body: Vec::from(answer),
            });
        }
    }

    /// The headers of every request: credentials, request id, `Accept`, the operation's own.
    fn headers(
        &self,
        authorization: &HeaderValue,
        extra: &[(Cow<'static, str>, Cow<'static, str>)],
        has_body: bool,
    ) -> Result<HeaderMap, Error> {
        let mut headers = HeaderMap::with_capacity(4 + extra.len());
        headers.insert(reqwest::header::AUTHORIZATION, authorization.clone());
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
        for (name, value) in extra {
            if name == IS_RESOURCE_NAME_HEADER && value == "true" {
                // Every call naming a project by name sends it: no parsing, no copies.
                headers.insert(
                    HeaderName::from_static("x-is-resource-name"),
                    HeaderValue::from_static("true"),
                );
                continue;
            }
            let name = HeaderName::from_bytes(name.as_bytes())
                .map_err(|_| self.invalid(format!("bad header name {name}")))?;
            let value = HeaderValue::from_str(value)
                .map_err(|_| self.invalid(format!("header {name} cannot carry {value:?}")))?;
            headers.insert(name, value);
        }
        if has_body {
            headers.append(
                reqwest::header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        Ok(headers)
    }

    /// Where a redirect leads, if the client follows it: on the same origin, or from http to
    /// https on the same host (what harborapi's httpx does; the credentials go along, while
    /// reqwest would drop them and leave the client silently anonymous). Anything else is a
    /// [`RedirectError`] naming both ends. A followed upgrade of the base URL's own origin
    /// that keeps the path and query is remembered (`https_upgrade.rs`).
    fn redirect(
        &self,
        status: u16,
        from: &Url,
        location: Option<&str>,
        method: reqwest::Method,
        hops: u32,
    ) -> Result<(Url, reqwest::Method), Error> {
        let refuse = |to: String, reason: &'static str| {
            Error::Redirect(RedirectError {
                operation: self.op.id,
                request_id: self.request_id.to_string(),
                status,
                from: without_query(from),
                to,
                reason,
            })
        };
        let Some(location) = location else {
            return Err(refuse(String::new(), "the answer has no Location"));
        };
        let Ok(to) = from.join(location) else {
            return Err(refuse(location.to_owned(), "the Location is not a URL"));
        };
        if hops >= MAX_REDIRECTS {
            return Err(refuse(without_query(&to), "too many redirects"));
        }
        let same_origin = to.origin() == from.origin();
        let https_upgrade =
            from.scheme() == "http" && to.scheme() == "https" && to.host() == from.host();
        if !same_origin && !https_upgrade {
            return Err(refuse(
                without_query(&to),
                "it leads to another server, which would get (or lose) the credentials; use that server as the base URL",
            ));
        }
        let keeps_method = matches!(status, 307 | 308)
            || method == reqwest::Method::GET
            || method == reqwest::Method::HEAD;
        if !keeps_method {
            return Err(refuse(
                without_query(&to),
                "a 301/302/303 would turn the request into a GET without its body; use the target as the base URL",
            ));
        }
        if https_upgrade {
            let inner = &self.client.inner;
            if inner.https_upgrade.observe(&inner.base, from, &to) {
                let https = inner.https_upgrade.base(&inner.base);
                tracing::warn!(
                    from = %inner.base,
                    to = %https,
                    "the server upgrades this client's http base URL to https: later requests \
                     go straight to https; configure the https URL so the credentials never \
                     cross plain http"
                );
            } else {
                tracing::debug!(from = %without_query(from), to = %without_query(&to), "following an http -> https redirect with the credentials; configure the https URL to save the round trip");
            }
        }
        Ok((to, method))
    }

    /// An error status as a [`StatusError`], with the server's request id and `Retry-After`.
    fn status_error(&self, status: u16, headers: &HeaderMap, body: &[u8]) -> Error {
        let retry_after = headers
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| parse_retry_after(v, SystemTime::now()));
        let request_id = headers
            .get(REQUEST_ID_HEADER)
            .and_then(|v| v.to_str().ok())
            .filter(|v| !v.is_empty())
            .unwrap_or(&*self.request_id)
            .to_owned();
        Error::Status(StatusError::from_parts(
            status,
            body,
            request_id,
            Some(self.op.id),
            retry_after,
        ))
    }

    fn transport(&self, e: reqwest::Error) -> Error {
        // A connect-phase failure means no byte of the request reached the server.
        let never_sent = e.is_connect();
        if e.is_timeout() {
            Error::Timeout(TimeoutError {
                operation: self.op.id,
                request_id: self.request_id.to_string(),
                never_sent,
                cause: TimeoutCause::Transport(e),
            })
        } else {
            Error::Network(NetworkError {
                operation: self.op.id,
                request_id: self.request_id.to_string(),
                never_sent,
                source: e,
            })
        }
    }

    /// The base URL (its https upgrade once remembered) with `path` (already percent-encoded)
    /// appended and `query` added. The base is cloned and only the path parsed: parsing the
    /// whole text again (scheme, host) cost ~4,900 instructions a call more. The result is the URL that parse gave: `path` holds no
    /// `?`, `#`, spaces or control characters, the only input the two parses treat differently.
    fn url_for(&self, path: &str, query: &[(&'static str, String)]) -> Url {
        let inner = &self.client.inner;
        let mut url = inner.https_upgrade.base(&inner.base).clone();
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

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    /// The redirect's refusal reason, or the URL and method it leads to.
    fn follow(
        client: &HarborClient,
        status: u16,
        from: &str,
        location: Option<&str>,
        method: reqwest::Method,
        hops: u32,
    ) -> Result<(String, reqwest::Method), (String, &'static str)> {
        let call = client.call(crate::operations::GET_PROJECT);
        match call.redirect(status, &url(from), location, method, hops) {
            Ok((to, method)) => Ok((to.into(), method)),
            Err(Error::Redirect(e)) => {
                assert_eq!(
                    (e.operation(), e.request_id(), e.status()),
                    ("getProject", &*call.request_id, status)
                );
                assert_eq!(e.from(), without_query(&url(from)));
                Err((e.to().to_owned(), e.reason))
            }
            Err(other) => panic!("not a redirect error: {other}"),
        }
    }

    #[test]
    fn a_url_in_a_message_has_no_query_fragment_or_user_info() {
        assert_eq!(
            without_query(&url("http://user:pw@h:8080/api/v2.0/p?secret=1#frag")),
            "http://h:8080/api/v2.0/p"
        );
        assert_eq!(without_query(&url("https://h/")), "https://h/");
    }

    #[test]
    fn redirects_on_the_same_origin_or_to_https_on_the_same_host_are_followed() {
        use reqwest::Method;
        let client = HarborClient::new("http://h:8080/api/v2.0", "u", "p").unwrap();
        let from = "http://h:8080/api/v2.0/projects?page=2";
        // A relative Location on the same origin, every status, a GET.
        for status in [301, 302, 303, 307, 308] {
            assert_eq!(
                follow(&client, status, from, Some("/api/v2.0/p2"), Method::GET, 0),
                Ok(("http://h:8080/api/v2.0/p2".to_owned(), Method::GET))
            );
        }
        // A HEAD keeps its method through a 302; a write only through a 307 or 308.
        assert_eq!(
            follow(&client, 302, from, Some("/x"), Method::HEAD, 0),
            Ok(("http://h:8080/x".to_owned(), Method::HEAD))
        );
        for (status, method) in [
            (307, Method::POST),
            (308, Method::PUT),
            (307, Method::DELETE),
        ] {
            assert_eq!(
                follow(&client, status, from, Some("/x"), method.clone(), 0),
                Ok(("http://h:8080/x".to_owned(), method))
            );
        }
        // http -> https on the same host (another port) carries the credentials along.
        assert_eq!(
            follow(&client, 302, from, Some("https://h:8443/y"), Method::GET, 4),
            Ok(("https://h:8443/y".to_owned(), Method::GET))
        );
        // That one changed the path, so it is not remembered as the base's upgrade.
        assert!(client.inner.https_upgrade.get().is_none());
    }

    #[test]
    fn a_pure_upgrade_of_the_base_origin_is_remembered() {
        use reqwest::Method;
        let client = HarborClient::new("http://h:8080/api/v2.0", "u", "p").unwrap();
        let from = "http://h:8080/api/v2.0/projects?page=2";
        let to = "https://h:8443/api/v2.0/projects?page=2";
        assert_eq!(
            follow(&client, 308, from, Some(to), Method::GET, 0),
            Ok((to.to_owned(), Method::GET))
        );
        assert_eq!(
            client.inner.https_upgrade.get().map(Url::as_str),
            Some("https://h:8443/api/v2.0")
        );
    }

    #[test]
    fn every_other_redirect_is_refused_naming_why() {
        use reqwest::Method;
        let client = HarborClient::new("http://h:8080", "u", "p").unwrap();
        let from = "http://h:8080/api/v2.0/projects?page=2";
        let another = "it leads to another server, which would get (or lose) the credentials; use that server as the base URL";
        let to_get = "a 301/302/303 would turn the request into a GET without its body; use the target as the base URL";
        let refused = |to: &str, reason| Err((to.to_owned(), reason));
        assert_eq!(
            follow(&client, 302, from, None, Method::GET, 0),
            refused("", "the answer has no Location")
        );
        assert_eq!(
            follow(&client, 302, from, Some("http://[::1"), Method::GET, 0),
            refused("http://[::1", "the Location is not a URL")
        );
        assert_eq!(
            follow(&client, 302, from, Some("/p?q=1"), Method::GET, 5),
            refused("http://h:8080/p", "too many redirects")
        );
        for location in [
            "http://other:8080/p", // another host
            "http://h:9090/p",     // another port
            "https://other/p",     // https, another host
        ] {
            let shown = without_query(&url(location));
            assert_eq!(
                follow(&client, 307, from, Some(location), Method::GET, 0),
                refused(&shown, another),
                "{location}"
            );
        }
        // https -> http is a downgrade, never followed.
        let secure = HarborClient::new("https://h", "u", "p").unwrap();
        assert_eq!(
            follow(
                &secure,
                301,
                "https://h/p",
                Some("http://h/p"),
                Method::GET,
                0
            ),
            refused("http://h/p", another)
        );
        for status in [301, 302, 303] {
            for method in [Method::POST, Method::PUT, Method::DELETE, Method::PATCH] {
                assert_eq!(
                    follow(&client, status, from, Some("/x"), method, 0),
                    refused("http://h:8080/x", to_get)
                );
            }
        }
    }

    #[test]
    fn a_status_error_takes_the_servers_request_id_and_retry_after() {
        let client = HarborClient::new("http://h", "u", "p").unwrap();
        let call = client.call(crate::operations::GET_PROJECT);
        let mut headers = HeaderMap::new();
        headers.insert(reqwest::header::RETRY_AFTER, HeaderValue::from_static("7"));
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static("server-id"));
        let Error::Status(e) = call.status_error(429, &headers, br#"{"errors":[]}"#) else {
            panic!("not a status error")
        };
        assert_eq!(
            (e.status(), e.request_id(), e.operation(), e.retry_after()),
            (
                429,
                "server-id",
                Some("getProject"),
                Some(std::time::Duration::from_secs(7))
            )
        );
        // An empty or absent echo: the call's own id; no Retry-After, none.
        headers.insert(REQUEST_ID_HEADER, HeaderValue::from_static(""));
        headers.remove(reqwest::header::RETRY_AFTER);
        let Error::Status(e) = call.status_error(503, &headers, b"") else {
            panic!("not a status error")
        };
        assert_eq!((e.request_id(), e.retry_after()), (&*call.request_id, None));
        let Error::Status(e) = call.status_error(503, &HeaderMap::new(), b"") else {
            panic!("not a status error")
        };
        assert_eq!(e.request_id(), &*call.request_id);
    }

    #[tokio::test]
    async fn transport_failures_say_whether_the_request_left() {
        let client = HarborClient::new("http://h", "u", "p").unwrap();
        let call = client.call(crate::operations::GET_PROJECT);
        // Refused: a connect failure, never sent.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let refused = reqwest::get(format!("http://127.0.0.1:{port}/"))
            .await
            .unwrap_err();
        let Error::Network(e) = call.transport(refused) else {
            panic!("not a network error")
        };
        assert!(e.never_sent());
        assert_eq!(
            (e.operation(), e.request_id()),
            ("getProject", &*call.request_id)
        );
        // Accepted and never answered: a timeout after the request left.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let hold = tokio::spawn(async move {
            let _connection = listener.accept().await;
            std::future::pending::<()>().await
        });
        let slow = reqwest::Client::new()
            .get(format!("http://127.0.0.1:{port}/"))
            .timeout(std::time::Duration::from_millis(20))
            .send()
            .await
            .unwrap_err();
        hold.abort();
        let Error::Timeout(e) = call.transport(slow) else {
            panic!("not a timeout")
        };
        assert!(!e.never_sent());
        assert_eq!(e.attempt_timed_out(), None);
    }

    #[test]
    fn every_request_carries_credentials_its_id_accept_and_its_own_headers() {
        let client = HarborClient::new("http://h", "u", "p").unwrap();
        let auth = HeaderValue::from_static("Basic abc");
        let json = client.call(crate::operations::GET_PROJECT);
        let extra = [(Cow::Borrowed("X-Is-Resource-Name"), Cow::Borrowed("true"))];
        let headers = json.headers(&auth, &extra, true).unwrap();
        assert_eq!(headers["authorization"], "Basic abc");
        assert_eq!(headers["x-request-id"], &*json.request_id);
        assert_eq!(headers["accept"], "application/json, text/plain, */*");
        assert_eq!(headers["x-is-resource-name"], "true");
        assert_eq!(headers["content-type"], "application/json");
        assert!(
            !json
                .headers(&auth, &[], false)
                .unwrap()
                .contains_key("content-type")
        );
        let ping = client.call(crate::operations::find_operation("getPing").unwrap());
        assert_eq!(
            ping.headers(&auth, &[], false).unwrap()["accept"],
            "text/plain, application/json"
        );
        let bad_name = [(Cow::Borrowed("bad name"), Cow::Borrowed("v"))];
        let bad_value = [(Cow::Borrowed("x-ok"), Cow::Borrowed("a\nb"))];
        for (extra, message) in [
            (&bad_name, "bad header name bad name"),
            (&bad_value, "header x-ok cannot carry \"a\\nb\""),
        ] {
            match json.headers(&auth, extra, false) {
                Err(Error::InvalidRequest { message: got, .. }) => assert_eq!(got, message),
                other => panic!("{other:?}"),
            }
        }
    }
}
