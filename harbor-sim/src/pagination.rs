//! Harbor's paging: `page` (1-based), `page_size` (default 10, at most 100), and the
//! `X-Total-Count` and `Link` headers of a list answer.

use crate::binding::{convert_int, go_quote, parse_query, query_unescape};
use crate::errors::{ApiError, ApiResult};

/// The largest `page_size` Harbor accepts.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The `page_size` when none is given.
pub const DEFAULT_PAGE_SIZE: u64 = 10;

/// A requested page, as bound: go-swagger puts no minimum on `page` or `page_size`, and
/// Harbor's ORM (`src/lib/orm/query.go`, `QuerySetter` and `PaginationOnRawSQL`) only limits
/// when `page_size > 0` and only offsets when `page > 0`: `page=0` or `page=-3` is the first
/// page, `page_size=0` or below is everything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number as sent (0 and below read the first page).
    pub page: i64,
    /// Items per page as sent; 0 and below mean "all" as in Harbor.
    pub page_size: i64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE as i64,
        }
    }
}

impl PageRequest {
    /// Reads `page` and `page_size` from query values (already past the binder's checks in
    /// the simulator's validation) with Harbor's usual paging: 1 and 10 when absent, and a
    /// value that is not an int64, or a `page_size` above 100, is Harbor's 422.
    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> ApiResult<Self> {
        Self::parse_with(
            page,
            page_size,
            (1, DEFAULT_PAGE_SIZE as i64),
            Some(MAX_PAGE_SIZE as i64),
        )
    }

    /// [`PageRequest::parse`] for an operation whose spec gives `defaults` (page, page_size)
    /// and `max_page_size`: go-swagger's binder starts from the spec's defaults (Go's zero
    /// when it has none, which the ORM reads as the first page and as everything) and checks
    /// only the maximum the spec declares.
    pub fn parse_with(
        page: Option<&str>,
        page_size: Option<&str>,
        defaults: (i64, i64),
        max_page_size: Option<i64>,
    ) -> ApiResult<Self> {
        let number = |name: &str, v: &str| {
            convert_int(v, 64).ok_or_else(|| {
                ApiError::unprocessable(format!(
                    "{name} in query must be of type int64: {}",
                    go_quote(v)
                ))
            })
        };
        let page = match page {
            Some(v) => number("page", v)?,
            None => defaults.0,
        };
        let page_size = match page_size {
            Some(v) => number("page_size", v)?,
            None => defaults.1,
        };
        if let Some(max) = max_page_size.filter(|max| page_size > *max) {
            return Err(ApiError::unprocessable(format!(
                "page_size in query should be less than or equal to {max}"
            )));
        }
        Ok(Self { page, page_size })
    }

    /// The slice of `total` items this page covers.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        let (first, size) = self.window();
        let start = first.min(total);
        start..start.saturating_add(size).min(total)
    }

    /// The index of this page's first item and how many it holds at most, whatever the total
    /// (`page_size <= 0` is everything), for a list that counts its matches while paging.
    pub fn window(&self) -> (usize, usize) {
        if self.page_size <= 0 {
            return (0, usize::MAX);
        }
        let first = (self.page.max(1) - 1).saturating_mul(self.page_size);
        (
            usize::try_from(first).unwrap_or(usize::MAX),
            self.page_size as usize,
        )
    }

    /// Harbor's `Link` header for this page, or `None` when there is neither a previous nor
    /// a next page. `path` is the request's path (with `/api/v2.0`, as received); `query` its
    /// parameters in request order, decoded.
    ///
    /// Harbor's rule (`Links` in `src/server/v2.0/handler/base.go`): `prev` when
    /// `page > 1` and the previous page still holds items, `next` when items follow this
    /// page. Each link's query is the request's, with `page` and `page_size` set, encoded by
    /// Go's `url.Values.Encode` (keys sorted) and then unescaped again, so it goes out
    /// decoded; the `next` link starts from the `prev` link's query, as Harbor's does.
    pub fn link_header(
        &self,
        path: &str,
        query: &[(String, String)],
        total: u64,
    ) -> Option<String> {
        // Harbor's `Links` computes with the numbers as sent: no links for `page_size=0`; a
        // negative size links forward forever, as Harbor's does.
        if self.page_size == 0 {
            return None;
        }
        let total = total as i64;
        let mut links = Vec::new();
        let mut values = GoValues::from_pairs(query);
        if self.page > 1 && (self.page - 1).saturating_mul(self.page_size) < total {
            let raw = self.link_query(&mut values, self.page - 1);
            links.push(format!("<{path}?{raw}>; rel=\"prev\""));
            values = GoValues::parse(&raw);
        }
        if self.page.saturating_mul(self.page_size) < total {
            let raw = self.link_query(&mut values, self.page + 1);
            links.push(format!("<{path}?{raw}>; rel=\"next\""));
        }
        (!links.is_empty()).then(|| links.join(" , "))
    }

    fn link_query(&self, values: &mut GoValues, page: i64) -> String {
        values.set("page", page.to_string());
        values.set("page_size", self.page_size.to_string());
        let encoded = values.encode();
        // What `encode` produced always decodes; Harbor keeps it encoded if it would not.
        query_unescape(&encoded).unwrap_or(encoded)
    }
}

/// Go's `url.Values`: each key's values in order, keys sorted when encoded.
#[derive(Debug, Default)]
struct GoValues(std::collections::BTreeMap<String, Vec<String>>);

impl GoValues {
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut values = Self::default();
        for (k, v) in pairs {
            values.0.entry(k.clone()).or_default().push(v.clone());
        }
        values
    }

    /// `url.ParseQuery` ([`parse_query`]).
    fn parse(raw: &str) -> Self {
        Self::from_pairs(&parse_query(raw))
    }

    fn set(&mut self, key: &str, value: String) {
        self.0.insert(key.to_owned(), vec![value]);
    }

    /// `url.Values.Encode`.
    fn encode(&self) -> String {
        let mut out = Vec::new();
        for (k, vs) in &self.0 {
            for v in vs {
                out.push(format!("{}={}", query_escape(k), query_escape(v)));
            }
        }
        out.join("&")
    }
}

/// Go's `url.QueryEscape`: unreserved bytes stay, space is `+`, the rest is `%XX`.
pub(crate) fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_operation_without_defaults_or_maximum_reads_zero_and_takes_any_size() {
        let none = PageRequest::parse_with(None, None, (0, 0), None).unwrap();
        assert_eq!(
            none,
            PageRequest {
                page: 0,
                page_size: 0
            }
        );
        assert_eq!(none.range(250), 0..250);
        let big = PageRequest::parse_with(None, Some("500"), (0, 0), None).unwrap();
        assert_eq!(big.range(1000), 0..500);
    }

    #[test]
    fn defaults_and_limits() {
        assert_eq!(
            PageRequest::parse(None, None).unwrap(),
            PageRequest {
                page: 1,
                page_size: 10
            }
        );
        assert_eq!(
            PageRequest::parse(None, Some("101"))
                .unwrap_err()
                .status
                .as_u16(),
            422
        );
        // No minimum: page 0 and below read the first page, a size of 0 or below is all.
        let first = PageRequest::parse(Some("0"), Some("-5")).unwrap();
        assert_eq!(first.window(), (0, usize::MAX));
        assert_eq!(
            PageRequest::parse(Some("-2"), None).unwrap().range(30),
            0..10
        );
        assert_eq!(
            PageRequest::parse(Some("x"), None)
                .unwrap_err()
                .status
                .as_u16(),
            422
        );
    }

    #[test]
    fn links_in_harbors_format() {
        let p = PageRequest {
            page: 2,
            page_size: 10,
        };
        assert_eq!(
            p.link_header("/api/v2.0/projects", &[], 35).unwrap(),
            "</api/v2.0/projects?page=1&page_size=10>; rel=\"prev\" , </api/v2.0/projects?page=3&page_size=10>; rel=\"next\""
        );
        let last = PageRequest {
            page: 4,
            page_size: 10,
        };
        assert_eq!(
            last.link_header("/api/v2.0/projects", &[("q".into(), "name=~a".into())], 35)
                .unwrap(),
            "</api/v2.0/projects?page=3&page_size=10&q=name=~a>; rel=\"prev\""
        );
        // Past the end: no prev (the previous page is empty too), no next.
        let beyond = PageRequest {
            page: 9,
            page_size: 10,
        };
        assert_eq!(beyond.link_header("/api/v2.0/projects", &[], 35), None);
        // Empty parameters stay in the links, as Harbor copies the request's query.
        let with_empty = PageRequest {
            page: 1,
            page_size: 10,
        };
        assert_eq!(
            with_empty
                .link_header(
                    "/api/v2.0/projects",
                    &[("page".into(), "".into()), ("q".into(), "".into())],
                    35
                )
                .unwrap(),
            "</api/v2.0/projects?page=2&page_size=10&q=>; rel=\"next\""
        );
        assert_eq!(
            PageRequest::default().link_header("/api/v2.0/projects", &[], 10),
            None
        );
        assert_eq!(
            PageRequest {
                page: 3,
                page_size: 100
            }
            .range(250),
            200..250
        );
    }
}
