//! Harbor's paging: `page` (1-based), `page_size` (default 10, at most 100), and the
//! `X-Total-Count` and `Link` headers of a list answer.

use crate::errors::{ApiError, ApiResult};

/// The largest `page_size` Harbor accepts.
pub const MAX_PAGE_SIZE: u64 = 100;
/// The `page_size` when none is given.
pub const DEFAULT_PAGE_SIZE: u64 = 10;

/// A requested page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    /// 1-based page number.
    pub page: u64,
    /// Items per page; 0 means "all" as in Harbor.
    pub page_size: u64,
}

impl Default for PageRequest {
    fn default() -> Self {
        Self {
            page: 1,
            page_size: DEFAULT_PAGE_SIZE,
        }
    }
}

impl PageRequest {
    /// Reads `page` and `page_size` from query values; out-of-range values are Harbor's 422.
    pub fn parse(page: Option<&str>, page_size: Option<&str>) -> ApiResult<Self> {
        let number = |name: &str, v: &str| {
            v.parse::<i64>().map_err(|_| {
                ApiError::unprocessable(format!("{name} in query must be of type int64: \"{v}\""))
            })
        };
        let page = match page {
            Some(v) => number("page", v)?,
            None => 1,
        };
        let page_size = match page_size {
            Some(v) => number("page_size", v)?,
            None => DEFAULT_PAGE_SIZE as i64,
        };
        if page < 1 {
            return Err(ApiError::unprocessable(
                "page in query should be greater than or equal to 1",
            ));
        }
        if page_size < 0 {
            return Err(ApiError::unprocessable(
                "page_size in query should be greater than or equal to 0",
            ));
        }
        if page_size as u64 > MAX_PAGE_SIZE {
            return Err(ApiError::unprocessable(format!(
                "page_size in query should be less than or equal to {MAX_PAGE_SIZE}"
            )));
        }
        Ok(Self {
            page: page as u64,
            page_size: page_size as u64,
        })
    }

    /// The slice of `total` items this page covers.
    pub fn range(&self, total: usize) -> std::ops::Range<usize> {
        if self.page_size == 0 {
            return 0..total;
        }
        let start = ((self.page - 1).saturating_mul(self.page_size) as usize).min(total);
        let end = (start + self.page_size as usize).min(total);
        start..end
    }

    /// Harbor's `Link` header for this page, or `None` when there is neither a previous nor
    /// a next page. `path` is the request's path (with `/api/v2.0`); `query` its other
    /// parameters, kept in the links as Harbor keeps them.
    pub fn link_header(
        &self,
        path: &str,
        query: &[(String, String)],
        total: u64,
    ) -> Option<String> {
        if self.page_size == 0 {
            return None;
        }
        let mut links = Vec::new();
        if self.page > 1 {
            links.push(format!(
                "<{}>; rel=\"prev\"",
                self.url(path, query, self.page - 1)
            ));
        }
        if self.page.saturating_mul(self.page_size) < total {
            links.push(format!(
                "<{}>; rel=\"next\"",
                self.url(path, query, self.page + 1)
            ));
        }
        (!links.is_empty()).then(|| links.join(" , "))
    }

    fn url(&self, path: &str, query: &[(String, String)], page: u64) -> String {
        // Go's url.Values.Encode sorts keys; Harbor's links come out that way.
        let mut pairs: Vec<(String, String)> = query
            .iter()
            .filter(|(k, _)| k != "page" && k != "page_size")
            .cloned()
            .chain([
                ("page".to_owned(), page.to_string()),
                ("page_size".to_owned(), self.page_size.to_string()),
            ])
            .collect();
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let encoded: Vec<String> = pairs
            .iter()
            .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
            .collect();
        format!("{path}?{}", encoded.join("&"))
    }
}

fn encode(s: &str) -> String {
    // Go's QueryEscape: unreserved bytes stay, space is '+', the rest is %XX.
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
        assert_eq!(
            PageRequest::parse(Some("0"), None)
                .unwrap_err()
                .status
                .as_u16(),
            422
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
            "</api/v2.0/projects?page=3&page_size=10&q=name%3D~a>; rel=\"prev\""
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
