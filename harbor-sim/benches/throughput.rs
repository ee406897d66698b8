//! Requests per second of `GET /api/v2.0/projects/{name}` against the simulator, then of one
//! list page (`GET /api/v2.0/projects?page=1&page_size=10`) with 10 and with 10,000 projects,
//! asked by the admin and by a user who is a member of every project (the admin sees all
//! projects without asking for memberships; the member's page is found through the
//! membership index): a list should cost in proportion to the page, not to the collection.
//! The same for a page of 10 repositories of a project holding 10 and 10,000 repositories
//! (`GET /projects/scale/repositories?page=1&page_size=10`), and a page of 10 artifacts of
//! a repository holding 10 and 100,000 artifacts
//! (`GET /projects/scale/repositories/app/artifacts?page=1&page_size=10`), both as the admin.
//!
//! ```text
//! cargo bench -p harbor-sim --bench throughput                      # in-process simulator
//! cargo bench -p harbor-sim --bench throughput -- --connections 64 --seconds 10
//! cargo bench -p harbor-sim --bench throughput -- --url http://127.0.0.1:8080   # a running one
//! cargo bench -p harbor-sim --bench throughput -- --only artifacts  # the cases named so
//! ```
//! `--only` takes one of `project`, `projects`, `repositories`, `artifacts` (repeat it for
//! several), so two builds can be measured case by case, interleaved.
//! With `--url` only the single-project figure is measured (the list figures need to fill
//! the simulator's state).
//! Keep-alive HTTP/1.1 connections each send one request after another for a fixed time;
//! the figure is the number of 200 answers divided by the elapsed time. Client and server
//! share the machine, so the figure is a floor for the server alone.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

use base64::Engine as _;
use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper::Request;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

struct Options {
    connections: usize,
    seconds: u64,
    url: Option<String>,
    project: String,
    /// The cases to run; all when empty.
    only: Vec<String>,
}

impl Options {
    fn runs(&self, case: &str) -> bool {
        self.only.is_empty() || self.only.iter().any(|c| c == case)
    }
}

fn options() -> Options {
    let mut o = Options {
        connections: 32,
        seconds: 5,
        url: None,
        project: "library".into(),
        only: Vec::new(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--connections" => {
                o.connections = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(o.connections)
            }
            "--seconds" => {
                o.seconds = args
                    .next()
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(o.seconds)
            }
            "--url" => o.url = args.next(),
            "--project" => o.project = args.next().unwrap_or(o.project),
            "--only" => o.only.extend(args.next()),
            // cargo bench passes --bench; ignore what is not ours.
            _ => {}
        }
    }
    o
}

fn main() {
    let o = options();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(run(o));
}

async fn run(o: Options) {
    let path = format!("/api/v2.0/projects/{}", o.project);
    let Some(url) = &o.url else {
        if o.runs("project") {
            let sim = harbor_sim::Simulator::start()
                .await
                .expect("simulator starts");
            measure(&o, &sim.base_url(), &path, ADMIN).await;
        }
        if o.runs("projects") {
            let list = "/api/v2.0/projects?page=1&page_size=10";
            for projects in [10, 10_000] {
                let sim = with_projects(projects).await;
                for (who, credentials) in [("admin", ADMIN), ("member", MEMBER)] {
                    print!("{projects} projects, as {who}: ");
                    measure(&o, &sim.base_url(), list, credentials).await;
                }
            }
        }
        if o.runs("repositories") {
            let list = "/api/v2.0/projects/scale/repositories?page=1&page_size=10";
            for repositories in [10, 10_000] {
                let sim = with_pushes(repositories, |i| format!("r{i:05}")).await;
                print!("{repositories} repositories in the project: ");
                measure(&o, &sim.base_url(), list, ADMIN).await;
            }
        }
        if o.runs("artifacts") {
            let list = "/api/v2.0/projects/scale/repositories/app/artifacts?page=1&page_size=10";
            for artifacts in [10, 100_000] {
                let sim = with_pushes(artifacts, |_| "app".to_owned()).await;
                print!("{artifacts} artifacts in the repository: ");
                measure(&o, &sim.base_url(), list, ADMIN).await;
            }
        }
        return;
    };
    measure(&o, url.trim_end_matches('/'), &path, ADMIN).await;
}

/// A simulator holding the project `scale` and `n` pushes into it by the admin, push `i`
/// (untagged) into the repository `repository(i)`.
async fn with_pushes(
    n: usize,
    repository: impl Fn(usize) -> String,
) -> harbor_sim::RunningSimulator {
    let sim = harbor_sim::Simulator::builder()
        .start()
        .await
        .expect("simulator starts");
    sim.handle().with_state(|s| {
        let req: harbor_sim::state::projects::ProjectReq =
            serde_json::from_value(serde_json::json!({ "project_name": "scale" }))
                .expect("a project request");
        s.create_project(req, 1).expect("project created");
        for i in 0..n {
            s.push("scale", &repository(i), None, &format!("content {i}"))
                .expect("pushed");
        }
    });
    sim
}

/// The admin's `user:password`.
const ADMIN: &str = "admin:Harbor12345";
/// The `user:password` of the user [`with_projects`] makes a member of every project.
const MEMBER: &str = "member:Member12345";

/// A simulator holding exactly `n` projects (private, created by the admin) and the user
/// `member`, a developer in each.
async fn with_projects(n: usize) -> harbor_sim::RunningSimulator {
    let sim = harbor_sim::Simulator::builder()
        .start()
        .await
        .expect("simulator starts");
    sim.handle().with_state(|s| {
        let (name, password) = MEMBER.split_once(':').expect("user:password");
        let member = s
            .create_user(harbor_sim::state::users::UserCreationReq {
                username: Some(name.into()),
                email: Some(format!("{name}@example.com")),
                realname: Some(name.into()),
                comment: None,
                password: Some(password.into()),
            })
            .expect("member created");
        let existing = s.projects.len();
        for i in existing..n {
            let req: harbor_sim::state::projects::ProjectReq =
                serde_json::from_value(serde_json::json!({ "project_name": format!("p{i:05}") }))
                    .expect("a project request");
            let project = s.create_project(req, 1).expect("project created");
            s.add_member(project, Some((Some(member), None)), None, 2)
                .expect("member added");
        }
        assert_eq!(s.projects.len(), n);
    });
    sim
}

/// Measures `GET path` sent with basic auth `credentials` (`user:password`).
async fn measure(o: &Options, base: &str, path: &str, credentials: &str) {
    let path = path.to_owned();
    let authority = base.trim_start_matches("http://").to_owned();
    let auth = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    );
    let done = Arc::new(AtomicBool::new(false));
    let ok = Arc::new(AtomicU64::new(0));
    let failed = Arc::new(AtomicU64::new(0));

    // Warm up one request so a wrong URL fails loudly instead of measuring errors.
    let probe = one_connection(
        &authority,
        &path,
        &auth,
        Arc::new(AtomicBool::new(true)),
        ok.clone(),
        failed.clone(),
    )
    .await;
    if let Err(e) = probe {
        eprintln!("error: cannot reach {base}: {e}");
        std::process::exit(1);
    }
    ok.store(0, Ordering::Relaxed);

    let started = Instant::now();
    let workers: Vec<_> = (0..o.connections)
        .map(|_| {
            tokio::spawn(one_connection_owned(
                authority.clone(),
                path.clone(),
                auth.clone(),
                done.clone(),
                ok.clone(),
                failed.clone(),
            ))
        })
        .collect();
    tokio::time::sleep(Duration::from_secs(o.seconds)).await;
    done.store(true, Ordering::Relaxed);
    for w in workers {
        let _ = w.await;
    }
    let elapsed = started.elapsed().as_secs_f64();
    let n = ok.load(Ordering::Relaxed);
    println!(
        "GET {path}: {n} answers 200 in {elapsed:.2} s over {} connections = {:.0} requests/s ({} failed)",
        o.connections,
        n as f64 / elapsed,
        failed.load(Ordering::Relaxed)
    );
}

async fn one_connection_owned(
    authority: String,
    path: String,
    auth: String,
    done: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
) {
    if let Err(e) = one_connection(&authority, &path, &auth, done, ok, failed).await {
        eprintln!("connection ended: {e}");
    }
}

/// Sends requests one after another on one keep-alive connection until `done` (at least one).
async fn one_connection(
    authority: &str,
    path: &str,
    auth: &str,
    done: Arc<AtomicBool>,
    ok: Arc<AtomicU64>,
    failed: Arc<AtomicU64>,
) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let stream = TcpStream::connect(authority).await?;
    stream.set_nodelay(true)?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(conn);
    loop {
        let request = Request::get(path)
            .header("host", authority)
            .header("authorization", auth)
            .body(Empty::<Bytes>::new())?;
        let response = sender.send_request(request).await?;
        let status = response.status();
        response.into_body().collect().await?;
        if status == 200 {
            ok.fetch_add(1, Ordering::Relaxed);
        } else {
            failed.fetch_add(1, Ordering::Relaxed);
        }
        if done.load(Ordering::Relaxed) {
            return Ok(());
        }
    }
}
