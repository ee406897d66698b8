//! Lists: one page at a time ([`Page`]), a lazy stream of every item, and a collect-all
//! helper with an optional limit.
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
//!
//! # Streams and slow pages
//!
//! A stream builds every page's request from the caller's parameters, changing only `page`
//! and `page_size`; Harbor's `Link` header says whether a next page exists, its target is not
//! followed (it is the same query with the next `page`, and a target on another server is
//! never contacted). The first page goes out exactly as the parameters make it.
//!
//! Harbor's time for a page grows with its size. When an attempt of a page is cut by the
//! per-attempt timeout ([`set_attempt_timeout`](crate::HarborClient::set_attempt_timeout)),
//! answers 504 (a gateway in front of Harbor gave up waiting), or hits the transport's
//! timeout after it was sent, the page is too large: the next attempt of the same page, in
//! the same retry loop, asks for half as many items from the same place, and so does every
//! later page of the listing (the size never grows back within a listing; a new stream
//! starts at the caller's size again). Halving happens on the attempt, not after the retry
//! loop gave up: a page of 100 that takes 5 s under a 3 s timeout costs one timed-out
//! request, then pages of 50. Several attempts of one size that time out together (hedged
//! attempts) halve once; an attempt dropped because another one answered first does not
//! count. With retrying off, the one attempt fails and the stream ends with its error.
//!
//! ```
//! use std::time::Duration;
//! use futures::TryStreamExt;
//! use harbor_client::HarborClient;
//! use harbor_client::methods::GetArtifactsParams;
//! use harbor_sim::{PageServiceTime, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start().await?;
//! for tag in 0..30 {
//!     sim.handle().push_image("library", "app", &format!("v{tag}"))?;
//! }
//! // A page takes 20 ms per item: 200 ms for a page of 10, over the 150 ms each attempt has.
//! let per_item = PageServiceTime::per_item(Duration::from_millis(20));
//! sim.handle().set_page_service_time("listArtifacts", per_item)?;
//! let client = HarborClient::builder(sim.base_url())
//!     .basic_auth("admin", "Harbor12345")
//!     .attempt_timeout(Duration::from_millis(150))
//!     .build()?;
//! let params = GetArtifactsParams { page_size: Some(10), ..Default::default() };
//! let artifacts: Vec<_> = client
//!     .get_artifacts_stream("library", "app", &params)
//!     .try_collect()
//!     .await?;
//! assert_eq!(artifacts.len(), 30);
//! // The first page of 10 timed out, then 6 pages of 5 were answered.
//! assert_eq!(sim.handle().counts("listArtifacts").unwrap().received, 7);
//! # Ok(()) }
//! ```
//!
//! Pages are offsets: page `p` of size `s` holds positions `[(p - 1) s, p s)` of the list in
//! its sort order (Harbor's default sort unless `sort` says otherwise). The stream keeps a
//! frontier, the position below which every item still listed was delivered, and asks for
//! the page size (at most the current size) whose page starting at or before the frontier
//! brings the most items not delivered yet: the size itself while the frontier is a
//! multiple of it (always, halving from an even size at a page boundary: page 3 of 100 is
//! pages 5 and 6 of 50), else a smaller one starting a few items early (frontier 97 and at
//! most 50: page 3 of 48, `[96, 144)`, one repeat). Repeats are dropped by identity
//! ([`ListItem`]: the `id`, or the field Harbor keys the model by).
//!
//! # What a stream guarantees while the list changes
//!
//! Items deleted during a listing move the later items to lower offsets, which a plain
//! offset paginator skips. When a page's `X-Total-Count` is lower by `d` than the previous
//! page's, the stream steps its frontier back by `d` and reads that stretch again (one more
//! request for every page that shows a drop), dropping the repeats. So, for a list whose
//! items carry an identity, in a fixed sort order:
//!
//! - no item is delivered twice;
//! - every item that is in the list from the start of the listing to its end is delivered,
//!   provided that between any two pages items were only removed (or only added), as the
//!   total cannot show a removal that an addition hides;
//! - an item removed during the listing may or may not be delivered, and so may an item
//!   added;
//! - Harbor counts a page's total in one query and reads its items in the next
//!   (`ListArtifacts` in `src/server/v2.0/handler/artifact.go`: `Count`, then `List`): an
//!   item removed between those two queries moves the page's items without lowering its
//!   total, and can make the stream miss one item;
//! - without `X-Total-Count` nothing steps back, and deletions may make it skip items.
//!
//! Items without an identity (`VulnerabilityItem`, or an item missing its id) are told apart
//! by position only, and a page of them never steps back (it would repeat them): each item
//! added before the frontier during the listing makes one of them come twice, each item
//! removed before it makes one of them skipped. Identities are kept for the whole listing:
//! a few bytes per item.

mod identity;
mod listing;
mod window;

pub use identity::{ItemId, ListItem};

use crate::client::HarborClient;
use crate::error::Error;
use crate::operations::Operation;
use futures::stream::{Stream, StreamExt, TryStreamExt};
use retry_runtime::retry;
use serde::de::DeserializeOwned;

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
        let (target, tail) = rest[open + 1..].split_once('>')?;
        // This entry's parameters run up to the next entry's `<`.
        let params_end = tail.find('<').unwrap_or(tail.len());
        // Without the `,` that separates it from the next entry, or a quoted last value
        // (`rel="next" ,`) would keep its closing quote and not match.
        let params = tail[..params_end].trim_end().trim_end_matches(',');
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
        rest = &tail[params_end..];
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

    #[test]
    fn link_targets_and_parameters_are_cut_exactly() {
        // Several `<`s and parameters: each target is the text between its own brackets.
        assert_eq!(
            parse_next_link(
                r#"<a>; rel="first" , <bb>; title="x"; rel="last" , <ccc>; rel="next""#
            )
            .as_deref(),
            Some("ccc")
        );
        // `rel` among other parameters, in any case, one of several relations.
        assert_eq!(
            parse_next_link(r#"< /x?p=2 >; Title="t"; REL="prefetch NEXT""#).as_deref(),
            Some("/x?p=2")
        );
        // A next target that is empty is still a target.
        assert_eq!(parse_next_link(r#"<>; rel="next""#).as_deref(), Some(""));
        // Parameters end exactly where the next entry starts, separator or not.
        assert_eq!(parse_next_link("<a>;rel=next<b>").as_deref(), Some("a"));
        assert_eq!(parse_next_link("<a>rel=next").as_deref(), Some("a"));
        assert_eq!(parse_next_link("<a><b>;rel=next").as_deref(), Some("b"));
        // The next entry's parameters are not this one's.
        assert_eq!(
            parse_next_link(r#"<a>; x=1, <b>; rel="next""#).as_deref(),
            Some("b")
        );
        assert_eq!(parse_next_link(r#"<a>; rel="prev" , <b>"#), None);
        // `rel` needs its key: `norel=next` and a bare `next` are no relation.
        assert_eq!(parse_next_link(r#"<a>; norel="next""#), None);
        assert_eq!(parse_next_link(r#"<a>; next"#), None);
    }

    #[test]
    fn a_page_iterates_its_items_and_knows_whether_more_follow() {
        let page = Page {
            items: vec![1, 2, 3],
            total: Some(30),
            next: Some("/p?page=2".to_owned()),
        };
        assert!(page.has_next());
        assert_eq!(page.into_iter().collect::<Vec<_>>(), [1, 2, 3]);
        let last = Page::<u8> {
            items: Vec::new(),
            total: Some(0),
            next: None,
        };
        assert!(!last.has_next());
    }

    #[tokio::test]
    async fn collecting_stops_at_the_limit_without_polling_further() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let polled = AtomicUsize::new(0);
        let items = || {
            futures::stream::iter(1..=5).map(|n| {
                polled.fetch_add(1, Ordering::Relaxed);
                Ok::<_, Error>(n)
            })
        };
        assert_eq!(collect_items(items(), Some(2)).await.unwrap(), [1, 2]);
        assert_eq!(polled.swap(0, Ordering::Relaxed), 2);
        assert!(collect_items(items(), Some(0)).await.unwrap().is_empty());
        assert_eq!(polled.swap(0, Ordering::Relaxed), 0);
        assert_eq!(collect_items(items(), None).await.unwrap(), [1, 2, 3, 4, 5]);
        assert_eq!(
            collect_items(items(), Some(9)).await.unwrap(),
            [1, 2, 3, 4, 5]
        );
    }
}
