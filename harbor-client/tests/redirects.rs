//! Redirects and credentials: an `http://` listener that redirects to a TLS front of the
//! simulator. Harbor serves callers without (or with wrong) credentials as anonymous, so a
//! client that drops its `Authorization` on the way would go on, silently anonymous.

mod support;

use harbor_client::client::Method;
use harbor_client::error::RedirectError;
use harbor_client::methods::GetProjectsParams;
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

/// The simulator behind a TLS front on `localhost`, and an http server on `localhost` that
/// redirects every request to the same URL on the front with `status`.
struct Upgrading {
    _sim: RunningSimulator,
    ca_pem: String,
    front: SocketAddr,
    http: Server,
    http_port: String,
}

impl Upgrading {
    async fn start(status: u16) -> Upgrading {
        let (_sim, ca_pem, front) = tls_simulator().await;
        let http = redirector(status, format!("https://localhost:{}", front.port())).await;
        let http_port = http.url().rsplit(':').next().unwrap().to_owned();
        Upgrading {
            _sim,
            ca_pem,
            front,
            http,
            http_port,
        }
    }

    /// A new client with the http server as its base URL.
    fn client(&self) -> HarborClient {
        client(format!("http://localhost:{}", self.http_port), &self.ca_pem)
    }
}

fn project(name: &str) -> models::ProjectReq {
    models::ProjectReq {
        project_name: Some(name.to_owned()),
        ..Default::default()
    }
}

#[tokio::test]
async fn an_https_upgrade_of_the_same_host_keeps_the_credentials() {
    let up = Upgrading::start(308).await;
    let (ca_pem, http, http_port) = (&up.ca_pem, &up.http, &up.http_port);
    let c = up.client();

    // Harbor answers /users/current only to a known user: the credentials went along.
    let Identity::User(me) = c.verify_credentials().await.unwrap() else {
        panic!("admin is a user");
    };
    assert_eq!(me.username.as_deref(), Some("admin"));
    // A write (anonymous callers get 401) with its body, through the 308: by a new client,
    // as this one now goes straight to https.
    let c = up.client();
    let req = project("behind-tls");
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
    // Not remembered either way: the next call asks the http server again.
    let e = c.get_project("demo", &Default::default()).await;
    assert!(matches!(e, Err(Error::Redirect(_))), "{e:?}");
    assert_eq!(http.seen().len(), 2);
}

#[tokio::test]
async fn a_302_never_turns_a_write_into_a_get() {
    let up = Upgrading::start(302).await;
    let (http, c) = (&up.http, up.client());
    let req = project("made-over-https");
    let e = c
        .create_project(&req, &Default::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Redirect(_)), "{e:?}");
    assert!(e.to_string().contains("GET"), "{e}");
    // A GET follows the 302 with its credentials, and the upgrade is remembered: the same
    // write now goes straight to https.
    c.get_project("demo", &Default::default()).await.unwrap();
    c.create_project(&req, &Default::default()).await.unwrap();
    assert_eq!(http.seen().len(), 2);
}

#[tokio::test]
async fn an_https_upgrade_is_remembered_by_the_client_and_its_clones() {
    let up = Upgrading::start(308).await;
    let (front, http, http_port) = (up.front, &up.http, &up.http_port);
    let c = up.client();
    // Made before the upgrade is known: a clone and a custom request.
    let early = c.clone();
    let custom = c.request(Method::Get, "/projects").query("page_size", "1");

    let Identity::User(me) = c.verify_credentials().await.unwrap() else {
        panic!("admin is a user");
    };
    assert_eq!(me.username.as_deref(), Some("admin"));
    assert_eq!(http.seen().len(), 1);
    assert!(
        format!("{c:?}").contains(&format!("https://localhost:{}/api/v2.0", front.port())),
        "{c:?}"
    );
    assert_eq!(
        c.base_url().as_str(),
        format!("http://localhost:{http_port}/api/v2.0"),
        "the configured URL is still shown"
    );

    // Writes (anonymous callers get 401) from the client and its clone.
    for (i, client) in [&c, &early, &c].into_iter().enumerate() {
        client
            .create_project(&project(&format!("straight-{i}")), &Default::default())
            .await
            .unwrap();
    }
    let Identity::User(me) = early.verify_credentials().await.unwrap() else {
        panic!("admin is a user");
    };
    assert_eq!(me.username.as_deref(), Some("admin"));
    // Pages after the first follow `Link` targets, resolved against the configured base.
    let params = GetProjectsParams {
        page_size: Some(1),
        ..Default::default()
    };
    let names: Vec<_> = early
        .get_projects_all(&params, None)
        .await
        .unwrap()
        .into_iter()
        .filter_map(|p| p.name)
        .filter(|n| n.starts_with("straight-"))
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    let page = custom.send().await.unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(http.seen().len(), 1, "{:?}", http.seen());
}

#[tokio::test]
async fn a_redirect_that_changes_the_path_is_followed_but_not_remembered() {
    let (_sim, ca_pem, front) = tls_simulator().await;
    // The http server serves the API under /old and sends it to the https root.
    let target = format!("https://localhost:{}", front.port());
    let http = Server::with(move |seen| {
        let rest = seen.uri.strip_prefix("/old").unwrap_or(&seen.uri);
        Some(Reply::json(308, "").header("location", &format!("{target}{rest}")))
    })
    .await;
    let http_port = http.url().rsplit(':').next().unwrap().to_owned();
    let c = client(format!("http://localhost:{http_port}/old"), &ca_pem);
    for _ in 0..3 {
        let Identity::User(me) = c.verify_credentials().await.unwrap() else {
            panic!("admin is a user");
        };
        assert_eq!(me.username.as_deref(), Some("admin"));
    }
    let seen: Vec<_> = http.seen().into_iter().map(|s| s.uri).collect();
    assert_eq!(seen, ["/old/api/v2.0/users/current"; 3]);
}

/// A redirect loop on the server itself is refused at the sixth redirect: five are followed.
/// The server stops redirecting after twenty, so a client that did not count its redirects
/// gets a 200 instead of hanging.
#[tokio::test]
async fn a_redirect_loop_is_refused_after_five_redirects() {
    let to_itself = Reply::json(302, "").header("location", "/api/v2.0/projects/demo");
    let server = Server::start(vec![to_itself; 20], |_| Some(Reply::json(200, "{}"))).await;
    let c = HarborClient::builder(server.url())
        .basic_auth("admin", "Harbor12345")
        .retry(None)
        .build()
        .unwrap();
    let e = c
        .get_project("demo", &Default::default())
        .await
        .unwrap_err();
    let Error::Redirect(r) = &e else {
        panic!("not a redirect error: {e:?}")
    };
    assert_eq!(r.status(), 302);
    assert!(e.to_string().contains("too many redirects"), "{e}");
    assert_eq!(
        server.seen().len(),
        6,
        "the first request and five redirects"
    );
}
