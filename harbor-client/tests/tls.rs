//! TLS: a loopback HTTPS server with a certificate from a test CA made on the spot. The
//! client refuses it with the platform's roots alone, accepts it once the CA is added, and
//! accepts anything with the explicit `danger_accept_invalid_certs`.

mod support;

use harbor_client::{BuildError, Error, HarborClient};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// A CA (PEM) and an HTTPS server on `localhost` whose certificate it signed. The server
/// answers every request with `200 {}` and closes the connection.
async fn https_server() -> (String, SocketAddr) {
    let (ca_pem, acceptor) = support::tls::localhost_acceptor();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let mut buf = Vec::new();
                let mut chunk = [0u8; 1024];
                while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                    match tls.read(&mut chunk).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => buf.extend_from_slice(&chunk[..n]),
                    }
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\nconnection: close\r\n\r\n{}";
                let _ = tls.write_all(answer.as_bytes()).await;
                let _ = tls.shutdown().await;
            });
        }
    });
    (ca_pem, addr)
}

fn builder(addr: SocketAddr) -> harbor_client::HarborClientBuilder {
    HarborClient::builder(format!("https://localhost:{}", addr.port()))
        .basic_auth("admin", "Harbor12345")
        .retry(None)
}

#[tokio::test]
async fn unknown_ca_is_refused() {
    let (_, addr) = https_server().await;
    let e = builder(addr)
        .build()
        .unwrap()
        .get_statistics()
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Network(_)), "{e:?}");
    // The TLS handshake failed: the request itself never left.
    assert!(e.never_sent(), "{e:?}");
}

#[tokio::test]
async fn a_refused_certificate_is_not_retried_by_default() {
    let (_, addr) = https_server().await;
    let backoffs = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let counter = Arc::clone(&backoffs);
    // The client's default settings (60 s of retries for transient errors), plus a counter.
    let settings = harbor_client::default_retry_settings()
        .to_builder()
        .on_backoff(move |_| {
            counter.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        })
        .build()
        .unwrap();
    let e = HarborClient::builder(format!("https://localhost:{}", addr.port()))
        .basic_auth("admin", "Harbor12345")
        .retry(settings)
        .build()
        .unwrap()
        .get_statistics()
        .await
        .unwrap_err();
    let Error::Network(network) = &e else {
        panic!("expected a network error, got {e:?}");
    };
    assert!(network.is_certificate_error(), "{e:?}");
    assert!(!e.is_transient());
    assert_eq!(backoffs.load(std::sync::atomic::Ordering::SeqCst), 0);
}

#[tokio::test]
async fn an_extra_ca_is_trusted() {
    let (ca_pem, addr) = https_server().await;
    let client = builder(addr)
        .add_root_certificate_pem(ca_pem.as_bytes())
        .build()
        .unwrap();
    client.get_statistics().await.unwrap();

    let path = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("harbor-test-ca.pem");
    std::fs::write(&path, &ca_pem).unwrap();
    builder(addr)
        .ca_file(&path)
        .build()
        .unwrap()
        .get_statistics()
        .await
        .unwrap();
}

#[tokio::test]
async fn danger_accept_invalid_certs_accepts_anything() {
    let (_, addr) = https_server().await;
    let client = builder(addr)
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    client.get_statistics().await.unwrap();
    assert!(format!("{client:?}").contains("accept_invalid_certs: true"));
}

#[test]
fn a_pem_without_certificates_is_refused() {
    let err = builder("127.0.0.1:1".parse().unwrap())
        .add_root_certificate_pem(b"-----BEGIN NOTHING-----\n-----END NOTHING-----\n")
        .build()
        .unwrap_err();
    assert!(matches!(err, BuildError::InvalidCertificate(_)), "{err}");
}
