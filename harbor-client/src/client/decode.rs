//! Turning an answer into what an operation returns: JSON, text, bytes, nothing, a page.

use super::{Call, Request};
use crate::Created;
use crate::error::{DecodeError, Error};
use crate::pagination::{Page, parse_next_link};
use futures::FutureExt as _;
use serde::de::DeserializeOwned;

impl Call<'_> {
    fn decode_error(&self, expected: &'static str, message: String, body: &[u8]) -> Error {
        Error::Decode(DecodeError {
            operation: self.op.id,
            request_id: self.request_id.to_string(),
            expected,
            message,
            body_excerpt: crate::error::excerpt(body),
        })
    }

    /// Sends and decodes a JSON answer.
    pub(crate) fn json<T: DeserializeOwned>(
        &self,
        req: Request,
    ) -> impl Future<Output = Result<T, Error>> {
        self.send(req)
            .map(move |answer| self.decode_json(&answer?.body))
    }

    pub(super) fn decode_json<T: DeserializeOwned>(&self, body: &[u8]) -> Result<T, Error> {
        // Some Harbor versions answer an empty list as an empty body.
        let body: &[u8] = if body.iter().all(u8::is_ascii_whitespace) {
            b"null"
        } else {
            body
        };
        serde_json::from_slice(body)
            .or_else(|first| {
                if body == b"null" {
                    serde_json::from_slice(b"[]").map_err(|_| first)
                } else {
                    Err(first)
                }
            })
            .map_err(|e| self.decode_error(std::any::type_name::<T>(), e.to_string(), body))
    }

    /// Sends and returns a text answer.
    pub(crate) fn text(&self, req: Request) -> impl Future<Output = Result<String, Error>> {
        self.send(req).map(move |answer| {
            String::from_utf8(answer?.body).map_err(|e| {
                let message = e.to_string();
                self.decode_error("String", message, e.as_bytes())
            })
        })
    }

    /// Sends and returns the raw body.
    pub(crate) fn bytes(&self, req: Request) -> impl Future<Output = Result<Vec<u8>, Error>> {
        self.send(req).map(|answer| Ok(answer?.body))
    }

    /// Sends and ignores the body.
    pub(crate) fn empty(&self, req: Request) -> impl Future<Output = Result<(), Error>> {
        self.send(req).map(|answer| answer.map(drop))
    }

    /// Sends a create and returns its `Location` and the id parsed from it.
    pub(crate) fn created(&self, req: Request) -> impl Future<Output = Result<Created, Error>> {
        self.send(req).map(|answer| {
            let location = answer?
                .headers
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned);
            Ok(Created::from_location(location))
        })
    }

    /// HEAD: true on 2xx, false on 404.
    pub(crate) fn exists(&self, req: Request) -> impl Future<Output = Result<bool, Error>> {
        self.send(req).map(|answer| match answer {
            Ok(_) => Ok(true),
            Err(Error::Status(e)) if e.status() == 404 => Ok(false),
            Err(e) => Err(e),
        })
    }

    /// Sends and decodes one page of a list, with its total and next link.
    pub(crate) fn page<T: DeserializeOwned>(
        &self,
        req: Request,
    ) -> impl Future<Output = Result<Page<T>, Error>> {
        self.send(req).map(move |answer| self.decode_page(answer?))
    }

    /// One page of a list from its answer: the items, the total and the next link.
    fn decode_page<T: DeserializeOwned>(&self, answer: super::Answer) -> Result<Page<T>, Error> {
        let items: Vec<T> = self.decode_json(&answer.body)?;
        let total = answer
            .headers
            .get("x-total-count")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let next = answer
            .headers
            .get_all(reqwest::header::LINK)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .find_map(parse_next_link);
        Ok(Page { items, total, next })
    }
}
