//! What a handler gets (the parsed request) and what it gives back.

use axum::http::{HeaderMap, StatusCode};
use bytes::Bytes;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::auth::Identity;
use crate::binding::{convert_bool, convert_int, go_quote, split_by_format};
use crate::errors::{ApiError, ApiResult};
use crate::operation::OpSpec;
use crate::pagination::PageRequest;
use crate::query::{self, Filter};
use crate::router::API_BASE;

/// A routed request, ready for its operation's handler.
#[derive(Debug)]
pub struct Ctx {
    /// The operation.
    pub op: &'static OpSpec,
    /// Path parameters, decoded.
    pub path_params: Vec<(&'static str, String)>,
    /// Query parameters, decoded, in request order.
    pub query: Vec<(String, String)>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The raw body.
    pub body: Bytes,
    /// Who is calling: anonymous until the request takes its guard of the state (the
    /// accounts are state), which is before the access check and the handler.
    pub identity: Identity,
    /// The request path, with `/api/v2.0`.
    pub path: String,
}

impl Ctx {
    /// A path parameter (the router guarantees the template's names are present).
    pub fn path(&self, name: &str) -> &str {
        self.path_params
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    }

    /// A path parameter that must be an integer (422 otherwise, as Harbor's validator says).
    pub fn path_id(&self, name: &str) -> ApiResult<i64> {
        let raw = self.path(name);
        convert_int(raw, 64).ok_or_else(|| {
            ApiError::unprocessable(format!(
                "{name} in path must be of type int64: {}",
                go_quote(raw)
            ))
        })
    }

    /// A query parameter: its last value, with an empty value as absent (go-swagger's binding).
    pub fn query(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    /// A boolean query parameter as go-swagger binds it (`swag.ConvertBool`: `True`, `yes`,
    /// `on`, ... are true, any other word false, never an error); absent as `None`.
    pub fn query_bool(&self, name: &str) -> Option<bool> {
        self.query(name).map(convert_bool)
    }

    /// An array query parameter (`collectionFormat: csv`, the spec's only one): its last
    /// value split at commas, items trimmed, empty items dropped (`swag.SplitByFormat`).
    pub fn query_list(&self, name: &str) -> Vec<String> {
        self.query(name)
            .map(|v| split_by_format(v, "csv"))
            .unwrap_or_default()
    }

    /// A header as text: its last value when repeated, as go-swagger's binders take
    /// `rawData[len(rawData)-1]`.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .get_all(name)
            .iter()
            .next_back()
            .and_then(|v| v.to_str().ok())
    }

    /// A boolean header as go-swagger binds it (`swag.ConvertBool`); empty or absent is
    /// `false`, the default of Harbor's boolean headers.
    pub fn header_bool(&self, name: &str) -> bool {
        self.header(name).is_some_and(convert_bool)
    }

    /// Whether `X-Is-Resource-Name` was sent true (`true`, `1`, `yes`, ... in any case).
    pub fn is_resource_name(&self) -> bool {
        self.header_bool("X-Is-Resource-Name")
    }

    /// Whether the request came without a body (or with white space only), which Go's
    /// decoder and go-swagger's binder take as none.
    pub fn has_no_body(&self) -> bool {
        self.body.iter().all(u8::is_ascii_whitespace)
    }

    /// The body of an operation whose spec does not require one: `T`'s default (a nil map,
    /// Go's zero value, which go-swagger leaves) when there is none, else [`Ctx::json`].
    pub fn optional_json<T: DeserializeOwned + Default>(&self) -> ApiResult<T> {
        if self.has_no_body() {
            return Ok(T::default());
        }
        self.json()
    }

    /// The body as `T`: malformed JSON is 400, a well-formed body of the wrong shape 422.
    pub fn json<T: DeserializeOwned>(&self) -> ApiResult<T> {
        if self.has_no_body() {
            return Err(ApiError::unprocessable("request body is required"));
        }
        // The first JSON value, as Go's decoder reads it: what follows it is not read.
        let mut values = serde_json::Deserializer::from_slice(&self.body).into_iter::<T>();
        let first = values.next().unwrap_or_else(|| serde_json::from_slice(b""));
        first.map_err(|e| {
            if e.is_data() {
                ApiError::unprocessable(format!("invalid request body: {e}"))
            } else {
                ApiError::bad_request(format!("malformed JSON body: {e}"))
            }
        })
    }

    /// The requested page, with the operation's own defaults and maximum from the spec: 1,
    /// 10 and 100 for every list but the retention runs and tasks, which have none (so no
    /// `page_size` there is every item, and any size is taken). An operation whose spec has
    /// no `page_size` pages as the usual lists do.
    pub fn page(&self) -> ApiResult<PageRequest> {
        let spec = |name: &str| self.op.param(name);
        if spec("page_size").is_none() {
            return PageRequest::parse(self.query("page"), self.query("page_size"));
        }
        let default = |name: &str| {
            spec(name)
                .and_then(|p| p.default)
                .and_then(|d| d.parse().ok())
                .unwrap_or(0)
        };
        PageRequest::parse_with(
            self.query("page"),
            self.query("page_size"),
            (default("page"), default("page_size")),
            spec("page_size").and_then(|p| p.maximum),
        )
    }

    /// The `q` filters.
    pub fn filters(&self) -> ApiResult<Vec<Filter>> {
        self.query("q")
            .map(query::parse_q)
            .transpose()
            .map(Option::unwrap_or_default)
    }

    /// The `sort` keys.
    pub fn sort(&self) -> Vec<(String, bool)> {
        self.query("sort")
            .map(query::parse_sort)
            .unwrap_or_default()
    }

    /// Filters, sorts and pages `docs` per `q`, `sort`, `page` and `page_size`.
    pub fn list(&self, mut docs: Vec<Value>) -> ApiResult<Reply> {
        let page = self.page()?;
        query::apply(&mut docs, &self.filters()?, &self.sort());
        Ok(self.page_of(docs, page))
    }

    /// Like [`Ctx::list`] over the documents `view` makes of `items`, but without `q` or
    /// `sort` (which read the documents) only the requested page's documents are made:
    /// the rest of `items` is counted, so a page costs a walk of the items, not the making
    /// of a document for each.
    pub fn list_lazily<T>(
        &self,
        items: impl IntoIterator<Item = T>,
        mut view: impl FnMut(T) -> Value,
    ) -> ApiResult<Reply> {
        if !self.lists_in_order() {
            return self.list(items.into_iter().map(view).collect());
        }
        let page = self.page()?;
        let (first, size) = page.window();
        let mut total = 0;
        let mut docs = Vec::new();
        for item in items {
            if total >= first && total - first < size {
                docs.push(view(item));
            }
            total += 1;
        }
        Ok(self.page_items(docs, total, page))
    }

    /// Whether the answer of a list is in its collection's own order, unfiltered by `q`:
    /// then a page can be cut from an index without reading any document.
    pub fn lists_in_order(&self) -> bool {
        self.query("q").is_none() && self.query("sort").is_none()
    }

    /// Pages already filtered documents, with `X-Total-Count` and `Link`.
    pub fn page_of(&self, docs: Vec<Value>, page: PageRequest) -> Reply {
        let total = docs.len();
        let range = page.range(total);
        let items: Vec<Value> = docs
            .into_iter()
            .skip(range.start)
            .take(range.len())
            .collect();
        self.page_items(items, total, page)
    }

    /// Answers one page's `items` out of `total` matches, with `X-Total-Count` and `Link`.
    pub fn page_items(&self, items: Vec<Value>, total: usize, page: PageRequest) -> Reply {
        let mut reply = Reply::json(StatusCode::OK, &items);
        reply.headers.push(("X-Total-Count", total.to_string()));
        if let Some(link) = page.link_header(&self.path, &self.query, total as u64) {
            reply.headers.push(("Link", link));
        }
        reply
    }

    /// A `Location` for a created resource under this request's path.
    pub fn location(&self, id: impl std::fmt::Display) -> String {
        format!("{}/{id}", self.path.trim_end_matches('/'))
    }
}

/// The body of an answer.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// No body.
    Empty,
    /// Serialized JSON.
    Json(Bytes),
    /// Plain text.
    Text(String),
}

/// A handler's successful answer.
#[derive(Debug, Clone)]
pub struct Reply {
    /// The status.
    pub status: StatusCode,
    /// The body.
    pub body: Body,
    /// Extra headers.
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    /// A JSON answer, as go-swagger's JSON producer writes it (go-openapi/runtime's
    /// `JSONProducer`: a `json.Encoder` with HTML escaping off, so `<`, `>` and `&` are
    /// written as they are, and the newline `Encode` ends each value with).
    pub fn json(status: StatusCode, value: &impl Serialize) -> Self {
        // Serializing our own state types cannot fail (no maps with non-string keys).
        let mut bytes = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        bytes.push(b'\n');
        Self {
            status,
            body: Body::Json(bytes.into()),
            headers: Vec::new(),
        }
    }

    /// 200 with JSON.
    pub fn ok(value: &impl Serialize) -> Self {
        Self::json(StatusCode::OK, value)
    }

    /// A plain-text answer.
    pub fn text(status: StatusCode, text: impl Into<String>) -> Self {
        Self {
            status,
            body: Body::Text(text.into()),
            headers: Vec::new(),
        }
    }

    /// An answer without a body.
    pub fn empty(status: StatusCode) -> Self {
        Self {
            status,
            body: Body::Empty,
            headers: Vec::new(),
        }
    }

    /// 201 with a `Location` header, as Harbor answers a create.
    pub fn created(location: String) -> Self {
        let mut reply = Self::empty(StatusCode::CREATED);
        reply.headers.push(("Location", location));
        reply
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

/// The path prefix every Harbor request carries.
pub fn api_path(rest: &str) -> String {
    format!("{API_BASE}{rest}")
}
