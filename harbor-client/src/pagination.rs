//! Lists: one page at a time ([`Page`]), a lazy stream that follows `Link: <..>; rel="next"`,
//! and a collect-all helper with an optional limit.
//!
//! Every list operation has three methods, e.g. for projects:
//! - `get_projects(&params)` fetches one page (`page`, `page_size`, `q`, `sort` in `params`)
//!   and returns a [`Page`] with the items, `X-Total-Count` and the next link;
//! - `get_projects_stream(&params)` yields items lazily, page after page; a failed page is
//!   retried (with the client's settings) on its own, never by starting again from page 1;
//!   after a page finally fails the stream yields that error and ends;
//! - `get_projects_all(&params, limit)` collects items, stopping as soon as `limit` items are
//!   in (`limit = Some(2)` with `page_size = 2` makes one request). Without a `page_size`
//!   it asks for 100 items a page (Harbor's maximum), or `limit` when smaller.

use crate::client::HarborClient;
use crate::error::Error;
use crate::operations::Operation;
use futures::stream::{self, Stream, StreamExt, TryStreamExt};
use retry_runtime::retry;
use serde::de::DeserializeOwned;
use std::future::Future;

/// Harbor's largest page size.
pub const MAX_PAGE_SIZE: i64 = 100;

/// One page of a list.
#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `X-Total-Count`: the number of items in the whole list, when the server said.
    pub total: Option<u64>,
    /// The `rel="next"` target of the `Link` header (relative, as Harbor sends it); `None` on
    /// the last page.
    pub next: Option<String>,
}

impl<T> Page<T> {
    /// Whether a next page exists.
    pub fn has_next(&self) -> bool {
        self.next.is_some()
    }
}

impl<T> IntoIterator for Page<T> {
    type Item = T;
    type IntoIter = std::vec::IntoIter<T>;
    fn into_iter(self) -> Self::IntoIter {
        self.items.into_iter()
    }
}

/// The `rel="next"` target of a `Link` header value, if any. Harbor joins entries with
/// `" , "`; targets are in angle brackets, parameters after `;`.
///
/// ```
/// use harbor_client::pagination::parse_next_link;
///
/// let v = r#"</api/v2.0/projects?page=1&page_size=10>; rel="prev" , </api/v2.0/projects?page=3&page_size=10>; rel="next""#;
/// assert_eq!(parse_next_link(v).as_deref(), Some("/api/v2.0/projects?page=3&page_size=10"));
/// assert_eq!(parse_next_link(r#"</x?page=1>; rel="prev""#), None);
/// ```
pub fn parse_next_link(value: &str) -> Option<String> {
    let mut rest = value;
    while let Some(open) = rest.find('<') {
        let after = &rest[open + 1..];
        let close = after.find('>')?;
        let target = &after[..close];
        let params_end = after[close + 1..]
            .find('<')
            .map_or(after.len(), |i| close + 1 + i);
        // Without the `,` that separates it from the next entry, or a quoted last value
        // (`rel="next" ,`) would keep its closing quote and not match.
        let params = after[close + 1..params_end]
            .trim_end()
            .trim_end_matches(',');
        let is_next = params.split(';').any(|p| {
            let mut kv = p.splitn(2, '=');
            let key = kv.next().unwrap_or("").trim();
            let val = kv.next().unwrap_or("").trim().trim_matches('"');
            key.eq_ignore_ascii_case("rel")
                && val
                    .split_ascii_whitespace()
                    .any(|r| r.eq_ignore_ascii_case("next"))
        });
        if is_next {
            return Some(target.trim().to_owned());
        }
        rest = &after[params_end..];
    }
    None
}

impl HarborClient {
    /// Fetches the page at a `Link` target of `operation`'s list, retried with the
    /// operation's settings under a fresh request id.
    pub async fn fetch_page<T: DeserializeOwned>(
        &self,
        operation: &'static Operation,
        link: &str,
    ) -> Result<Page<T>, Error> {
        let call = self.call(operation);
        call.run(call.next_page(link)).await
    }

    /// Pages of a list: `first` (a one-page method's future), then every `rel="next"` page.
    pub fn pages<'a, T, F>(
        &'a self,
        operation: &'static Operation,
        first: F,
    ) -> impl Stream<Item = Result<Page<T>, Error>> + Send + 'a
    where
        T: DeserializeOwned + Send + 'a,
        F: Future<Output = Result<Page<T>, Error>> + Send + 'a,
    {
        enum State<F> {
            First(F),
            Link(String),
            Done,
        }
        stream::unfold(State::First(first), move |state| async move {
            let result = match state {
                State::First(first) => first.await,
                State::Link(link) => self.fetch_page(operation, &link).await,
                State::Done => return None,
            };
            Some(match result {
                Ok(page) => {
                    let next = page.next.clone().map_or(State::Done, State::Link);
                    (Ok(page), next)
                }
                Err(e) => (Err(e), State::Done),
            })
        })
    }

    /// Items of a list, page after page (see [`HarborClient::pages`]).
    pub fn items<'a, T, F>(
        &'a self,
        operation: &'static Operation,
        first: F,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'a
    where
        T: DeserializeOwned + Send + 'a,
        F: Future<Output = Result<Page<T>, Error>> + Send + 'a,
    {
        self.pages(operation, first)
            .map_ok(|page| stream::iter(page.items.into_iter().map(Ok)))
            .try_flatten()
    }
}

/// Collects a stream of items, stopping (without polling further, so without fetching
/// another page) once `limit` items are in.
pub async fn collect_items<T>(
    items: impl Stream<Item = Result<T, Error>>,
    limit: Option<usize>,
) -> Result<Vec<T>, Error> {
    match limit {
        Some(0) => Ok(Vec::new()),
        Some(n) => items.take(n).try_collect().await,
        None => items.try_collect().await,
    }
}

/// The page size `*_all` asks for: the caller's, else 100 or `limit` when smaller.
pub fn page_size_for(requested: Option<i64>, limit: Option<usize>) -> i64 {
    requested.unwrap_or_else(|| match limit {
        Some(n) => i64::try_from(n)
            .unwrap_or(MAX_PAGE_SIZE)
            .clamp(1, MAX_PAGE_SIZE),
        None => MAX_PAGE_SIZE,
    })
}

impl crate::client::Call<'_> {
    /// The whole retry loop of a page at a `Link` target (a failed page is retried on its own):
    /// `#[retry]` runs the body, one attempt, under the call's plan.
    #[retry(
        settings = self.plan.settings(),
        attempt_timeout = self.plan.attempt_timeout(),
        hedge_delay = self.plan.hedge_delay()
    )]
    pub(crate) async fn next_page<T: DeserializeOwned>(
        &self,
        link: &str,
    ) -> Result<Page<T>, Error> {
        let url = self.resolve_link(link)?;
        self.page(self.request_url(url)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_headers() {
        assert_eq!(
            parse_next_link(r#"</a?page=2>; rel="next""#).as_deref(),
            Some("/a?page=2")
        );
        assert_eq!(
            parse_next_link(r#"</a?page=2>;rel=next"#).as_deref(),
            Some("/a?page=2")
        );
        assert_eq!(
            parse_next_link(r#"</p?page=1>; rel="prev", </p?page=3>; rel="next""#).as_deref(),
            Some("/p?page=3")
        );
        // Found by property testing: `next` before another entry was missed.
        assert_eq!(
            parse_next_link(r#"</p?page=3>; rel="next" , </p?page=1>; rel="prev""#).as_deref(),
            Some("/p?page=3")
        );
        assert_eq!(
            parse_next_link(r#"</p?page=3>; rel="next", </p?page=1>; rel="prev""#).as_deref(),
            Some("/p?page=3")
        );
        assert_eq!(parse_next_link(""), None);
        assert_eq!(parse_next_link("garbage"), None);
        assert_eq!(parse_next_link("<unclosed; rel=next"), None);
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size_for(Some(7), Some(2)), 7);
        assert_eq!(page_size_for(None, Some(2)), 2);
        assert_eq!(page_size_for(None, Some(1000)), 100);
        assert_eq!(page_size_for(None, None), 100);
        assert_eq!(page_size_for(None, Some(0)), 1);
    }
}
