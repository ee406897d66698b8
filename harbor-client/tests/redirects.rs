//! Redirects and credentials: an `http://` listener that redirects to a TLS front of the
//! simulator. Harbor serves callers without (or with wrong) credentials as anonymous, so a
//! client that drops its `Authorization` on the way would go on, silently anonymous.

mod support;

use harbor_client::error::RedirectError;
use harbor_client::{Error, HarborClient, Identity, models};
use harbor_sim::{RunningSimulator, Simulator};
use retry_runtime::ErrorClass;
use std::net::SocketAddr;
use support::{Reply, Server};

/// The simulator behind a TLS front on `localhost` (the CA's PEM and the front's address).
async fn tls_simulator() -> (RunningSimulator, String, SocketAddr) {
    let sim = Simulator::start().await.expect("the simulator starts");
    let backend = sim.addr();
    let (ca_pem, acceptor) = support::tls::localhost_acceptor();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let front = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((tcp, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(tcp).await else {
                    return;
                };
                let Ok(mut plain) = tokio::net::TcpStream::connect(backend).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut plain).await;
            });
        }
    });
    (sim, ca_pem, front)
}

/// An `http://` server that answers everything with `status` and `Location: {target}{uri}`.
async fn redirector(status: u16, target: String) -> Server {
    Server::with(move |seen| {
        Some(Reply::json(status, "").header("location", &format!("{target}{}", seen.uri)))
    })
    .await
}

fn client(url: String, ca_pem: &str) -> HarborClient {
    HarborClient::builder(url)
        .basic_auth("admin", "Harbor12345")
        .add_root_certificate_pem(ca_pem.as_bytes())
        .retry(None)
        .build()
        .unwrap()
}

#[tokio::test]
async fn an_https_upgrade_of_the_same_host_keeps_the_credentials() {
    let (_sim, ca_pem, front) = tls_simulator().await;
    let http = redirector(308, format!("https://localhost:{}", front.port())).await;
    let http_port = http.url().rsplit(':').next().unwrap().to_owned();
    let c = client(format!("http://localhost:{http_port}"), &ca_pem);

    // Harbor answers /users/current only to a known user: the credentials went along.
    let Identity::User(me) = c.verify_credentials().await.unwrap() else {
        panic!("admin is a user");
    };
    assert_eq!(me.username.as_deref(), Some("admin"));
    // A write (anonymous callers get 401) with its body, through the 308.
    let req = models::ProjectReq {
        project_name: Some("behind-tls".into()),
        ..Default::default()
    };
    let created = c.create_project(&req, &Default::default()).await.unwrap();
    assert!(created.id().is_some());
    let seen = http.seen();
    assert!(
        seen.iter()
            .any(|s| s.method == "POST" && s.uri == "/api/v2.0/projects")
    );

    // What reqwest's own redirect handling does with the same setup: the header is gone,
    // and Harbor sees an anonymous caller.
    let plain = reqwest::Client::builder()
        .tls_certs_merge(reqwest::Certificate::from_pem_bundle(ca_pem.as_bytes()).unwrap())
        .build()
        .unwrap();
    let answer = plain
        .get(format!(
            "http://localhost:{http_port}/api/v2.0/users/current"
        ))
        .basic_auth("admin", Some("Harbor12345"))
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 401);
}

#[tokio::test]
async fn a_redirect_to_another_host_is_refused_naming_it() {
    let (_sim, ca_pem, front) = tls_simulator().await;
    // Same machine, another host name: the credentials would go to (or be dropped for)
    // another origin.
    let target = format!("https://127.0.0.1:{}", front.port());
    let http = redirector(308, target.clone()).await;
    let http_port = http.url().rsplit(':').next().unwrap().to_owned();
    let c = client(format!("http://localhost:{http_port}"), &ca_pem);
    let e = c
        .get_project("demo", &Default::default())
        .await
        .unwrap_err();
    assert!(RedirectError::is_instance(&e), "{e:?}");
    let Error::Redirect(r) = &e else {
        unreachable!()
    };
    assert_eq!(r.status(), 308);
    assert_eq!(r.to(), format!("{target}/api/v2.0/projects/demo"));
    assert!(r.from().starts_with("http://localhost:"), "{}", r.from());
    assert!(e.to_string().contains("another server"), "{e}");
}

#[tokio::test]
async fn a_302_never_turns_a_write_into_a_get() {
    let (_sim, ca_pem, front) = tls_simulator().await;
    let http = redirector(302, format!("https://localhost:{}", front.port())).await;
    let http_port = http.url().rsplit(':').next().unwrap().to_owned();
    let c = client(format!("http://localhost:{http_port}"), &ca_pem);
    // A GET follows the 302 with its credentials.
    c.get_project("demo", &Default::default()).await.unwrap();
    let req = models::ProjectReq {
        project_name: Some("never-made".into()),
        ..Default::default()
    };
    let e = c
        .create_project(&req, &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Redirect(_)), "{e:?}");
    assert!(e.to_string().contains("GET"), "{e}");
}
