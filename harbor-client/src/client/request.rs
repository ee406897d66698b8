//! One attempt's request as the generated methods fill it in: path parameters (encoded),
//! query pairs, headers and the JSON body.

use crate::ProjectRef;
use crate::encoding::{self, encode_repository_name};
use crate::operations::Operation;
use reqwest::header::HeaderMap;
use serde::Serialize;
use std::borrow::Cow;
use std::fmt;
use url::Url;

/// The header that makes Harbor read `{project_name_or_id}` as a name.
pub(crate) const IS_RESOURCE_NAME_HEADER: &str = "X-Is-Resource-Name";

/// Replaces every `{name}` in `path` with `value` (what `str::replace` does, without building
/// the placeholder or a new string); false when there is none.
fn replace_placeholder(path: &mut String, name: &str, value: &str) -> bool {
    let mut found = false;
    let mut from = 0;
    while let Some(start) = path[from..].find('{').map(|i| from + i) {
        let rest = &path[start + 1..];
        if rest.starts_with(name) && rest[name.len()..].starts_with('}') {
            path.replace_range(start..start + name.len() + 2, value);
            from = start + value.len();
            found = true;
        } else {
            from = start + 1;
        }
    }
    found
}

/// One attempt's request, filled in by the generated method.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(super) path: String,
    pub(super) query: Vec<(&'static str, String)>,
    pub(super) headers: Vec<(Cow<'static, str>, Cow<'static, str>)>,
    pub(super) body: Option<Vec<u8>>,
    /// A problem found while filling it in, reported when sending.
    pub(super) problem: Option<String>,
    /// A full URL (a `Link` target) replacing path and query.
    pub(super) url: Option<Url>,
}

impl Request {
    /// An empty request for `operation`: its path template, nothing else.
    pub(crate) fn new(operation: &Operation) -> Request {
        Request {
            path: operation.path.to_owned(),
            query: Vec::new(),
            headers: Vec::new(),
            body: None,
            problem: None,
            url: None,
        }
    }

    /// A copy asking for `page` and `page_size` instead of what this one asks for: the two
    /// pairs go where the first of them was (the order the generated methods write), or last.
    pub(crate) fn with_page(&self, page: i64, page_size: i64) -> Request {
        let mut copy = self.clone();
        let at = copy
            .query
            .iter()
            .position(|(name, _)| matches!(*name, "page" | "page_size"))
            .unwrap_or(copy.query.len());
        copy.query
            .retain(|(name, _)| !matches!(*name, "page" | "page_size"));
        copy.query.splice(
            at..at,
            [
                ("page", page.to_string()),
                ("page_size", page_size.to_string()),
            ],
        );
        copy
    }

    /// Fills `{name}` in the path: repository names encoded twice, the rest once.
    pub(crate) fn path(&mut self, name: &str, value: impl fmt::Display) -> &mut Self {
        let value = value.to_string();
        // An empty segment would route to another operation (`/projects/` is the list).
        if value.is_empty() {
            self.problem
                .get_or_insert_with(|| format!("the path parameter {name} must not be empty"));
        }
        // Borrowed when nothing needs encoding (most names): no copy.
        let encoded = if encoding::is_double_encoded(name) {
            Cow::Owned(encode_repository_name(&value))
        } else {
            encoding::encode_segment(&value)
        };
        if !replace_placeholder(&mut self.path, name, &encoded) {
            self.problem = Some(format!("the path has no {{{name}}}"));
        }
        self
    }

    /// Fills a `{project_name_or_id}`-style segment; a name travels with
    /// `X-Is-Resource-Name: true` so that Harbor never reads an all-digit name as an id.
    pub(crate) fn project_ref(&mut self, name: &str, value: &ProjectRef) -> &mut Self {
        if value.is_name() {
            // Static: no string made for it, and `Call::headers` sends it without parsing.
            self.headers.push((
                Cow::Borrowed(IS_RESOURCE_NAME_HEADER),
                Cow::Borrowed("true"),
            ));
        }
        self.path(name, value)
    }

    /// The query pairs so far, in order (for the pagination's tests).
    #[cfg(test)]
    pub(crate) fn query_pairs(&self) -> &[(&'static str, String)] {
        &self.query
    }

    /// Adds a query pair.
    pub(crate) fn query(&mut self, name: &'static str, value: impl fmt::Display) -> &mut Self {
        self.query.push((name, value.to_string()));
        self
    }

    /// Adds a query pair holding a comma-separated list (Swagger's `csv`).
    pub(crate) fn query_list<T: fmt::Display>(
        &mut self,
        name: &'static str,
        values: &[T],
    ) -> &mut Self {
        let joined = values
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join(",");
        self.query(name, joined)
    }

    /// Adds a header.
    pub(crate) fn header(&mut self, name: &'static str, value: impl fmt::Display) -> &mut Self {
        self.headers
            .push((Cow::Borrowed(name), Cow::Owned(value.to_string())));
        self
    }

    /// Sets the JSON body.
    pub(crate) fn json<T: Serialize + ?Sized>(&mut self, body: &T) -> &mut Self {
        match serde_json::to_vec(body) {
            Ok(bytes) => self.body = Some(bytes),
            Err(e) => self.problem = Some(format!("the body does not serialize: {e}")),
        }
        self
    }
}

/// A whole answer.
#[derive(Debug)]
pub(crate) struct Answer {
    #[allow(dead_code)]
    pub(crate) status: u16,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Vec<u8>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_page_replaces_page_and_page_size_where_they_were() {
        let mut req = Request::new(crate::operations::GET_PROJECTS);
        req.query("q", "name=~a")
            .query("page_size", 10)
            .query("with_detail", true);
        let pairs = |r: &Request| {
            r.query
                .iter()
                .map(|(n, v)| format!("{n}={v}"))
                .collect::<Vec<_>>()
                .join("&")
        };
        assert_eq!(
            pairs(&req.with_page(3, 5)),
            "q=name=~a&page=3&page_size=5&with_detail=true"
        );
        let bare = Request::new(crate::operations::GET_PROJECTS);
        assert_eq!(pairs(&bare.with_page(2, 10)), "page=2&page_size=10");
    }

    #[test]
    fn placeholders_are_replaced_like_str_replace() {
        let cases = [
            (
                "/projects/{project_name_or_id}",
                "project_name_or_id",
                "lib",
            ),
            ("/a/{x}/b/{x}", "x", "v"),
            ("/a/{xy}/{x}", "x", "{x}"),
            ("/a/{x", "x", "v"),
            ("/{{x}}", "x", ""),
            ("/none", "x", "v"),
        ];
        for (path, name, value) in cases {
            let placeholder = format!("{{{name}}}");
            let mut replaced = path.to_owned();
            let found = replace_placeholder(&mut replaced, name, value);
            assert_eq!(found, path.contains(&placeholder), "{path}");
            assert_eq!(replaced, path.replace(&placeholder, value), "{path}");
        }
    }
}
