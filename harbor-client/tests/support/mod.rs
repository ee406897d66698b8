//! A scripted HTTP server on loopback: it records every request (raw URI, headers) and
//! answers from a per-test script, so tests see exactly what the client sent.

#![allow(dead_code)]

pub mod tls;

use axum::body::Body;
use axum::http::{HeaderMap, Request, Response, StatusCode};
use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

/// What the server saw.
#[derive(Debug, Clone)]
pub struct Seen {
    pub method: String,
    /// Path and query exactly as received (not decoded).
    pub uri: String,
    pub headers: HeaderMap,
    pub body: String,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// One scripted answer.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    /// Never answer (to provoke timeouts).
    pub hang: bool,
}

impl Reply {
    pub fn json(status: u16, body: &str) -> Self {
        Reply {
            status,
            headers: vec![("content-type".into(), "application/json".into())],
            body: body.to_owned(),
            hang: false,
        }
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn hang() -> Self {
        Reply {
            status: 200,
            headers: Vec::new(),
            body: String::new(),
            hang: true,
        }
    }
}

type Router = Box<dyn Fn(&Seen) -> Option<Reply> + Send + Sync>;

#[derive(Clone)]
pub struct Server {
    pub addr: SocketAddr,
    seen: Arc<Mutex<Vec<Seen>>>,
    script: Arc<Mutex<VecDeque<Reply>>>,
}

impl Server {
    /// A server answering from `script` in order, then with `fallback(request)`, else 200 `{}`.
    pub async fn start(
        script: Vec<Reply>,
        fallback: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static,
    ) -> Server {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(Mutex::new(VecDeque::from(script)));
        let fallback: Arc<Router> = Arc::new(Box::new(fallback));
        let (s2, q2) = (Arc::clone(&seen), Arc::clone(&script));
        let app = axum::Router::new().fallback(move |req: Request<Body>| {
            let (seen, script, fallback) =
                (Arc::clone(&s2), Arc::clone(&q2), Arc::clone(&fallback));
            async move {
                let (parts, body) = req.into_parts();
                let bytes = axum::body::to_bytes(body, usize::MAX)
                    .await
                    .unwrap_or_default();
                let record = Seen {
                    method: parts.method.to_string(),
                    uri: parts
                        .uri
                        .path_and_query()
                        .map(|p| p.as_str().to_owned())
                        .unwrap_or_default(),
                    headers: parts.headers.clone(),
                    body: String::from_utf8_lossy(&bytes).into_owned(),
                };
                seen.lock().unwrap().push(record.clone());
                let next = script.lock().unwrap().pop_front();
                let reply = next
                    .or_else(|| fallback(&record))
                    .unwrap_or_else(|| Reply::json(200, "{}"));
                if reply.hang {
                    std::future::pending::<()>().await;
                }
                let mut resp =
                    Response::builder().status(StatusCode::from_u16(reply.status).unwrap());
                for (k, v) in &reply.headers {
                    resp = resp.header(k, v);
                }
                resp.body(Body::from(reply.body)).unwrap()
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Server { addr, seen, script }
    }

    /// A server answering every request with `fallback`.
    pub async fn with(fallback: impl Fn(&Seen) -> Option<Reply> + Send + Sync + 'static) -> Server {
        Self::start(Vec::new(), fallback).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.seen.lock().unwrap().clone()
    }

    pub fn push(&self, reply: Reply) {
        self.script.lock().unwrap().push_back(reply);
    }
}

/// A client for `server` with test-friendly settings: no HTTP timeouts (the paused clock
/// would fire them while waiting for loopback I/O) and the default retry settings.
pub fn client(server: &Server) -> harbor_client::HarborClient {
    harbor_client::HarborClient::builder(server.url())
        .basic_auth("admin", "Harbor12345")
        .timeout(None)
        .connect_timeout(None)
        .build()
        .unwrap()
}

/// A port on loopback where nothing listens (connections are refused).
pub async fn closed_port() -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    addr
}
