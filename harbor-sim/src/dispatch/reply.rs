//! A handler's reply, or a fault's answer, as the HTTP response Harbor sends.

use axum::body::Body as AxumBody;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;

use crate::context::{Body, Reply};
use crate::operation::OpSpec;

/// The bytes of a reply's body (`{}` for none), for a fault that cuts it.
pub(super) fn reply_bytes(reply: &Reply) -> Bytes {
    match &reply.body {
        Body::Empty => Bytes::from_static(b"{}"),
        Body::Json(b) => b.clone(),
        Body::Text(t) => Bytes::from(t.clone()),
    }
}

/// A response with `body` as `content_type`.
pub(super) fn json_response(
    status: StatusCode,
    body: Bytes,
    content_type: &'static str,
) -> Response {
    let mut r = (status, body).into_response();
    r.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    r
}

/// A handler's reply as Harbor sends it. The media type is the operation's `produces` from
/// the spec (go-swagger sets it from the route); an answer without a body has no
/// `Content-Type` (go-swagger's responders remove it from empty answers).
pub(super) fn into_response(op: &OpSpec, reply: Reply, head: bool) -> Response {
    let (body, content_type) = match reply.body {
        Body::Empty => (Bytes::new(), None),
        Body::Json(b) => (b, Some(op.produces)),
        Body::Text(t) => (Bytes::from(t), Some(op.produces)),
    };
    let mut response = Response::new(if head {
        AxumBody::empty()
    } else {
        AxumBody::from(body)
    });
    *response.status_mut() = reply.status;
    let headers = response.headers_mut();
    if let Some(ct) = content_type {
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    }
    for (name, value) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&value) {
            headers.insert(name, v);
        }
    }
    response
}
