//! Load driver of the client benchmark: `GET /projects/{name}` many times against a running
//! Harbor (the `harbor-sim` binary in `bench/client_bench.sh`), with `harbor-client` or a raw
//! `reqwest` loop, and one line of figures on stdout.
//!
//! `client_load --url http://127.0.0.1:18080 --client harbor-client|reqwest
//!  [--requests 20000] [--concurrency 64] [--project library]`
//!
//! Both clients retry 5xx and transport errors with the same policy (expo with a 10 ms
//! factor, full jitter, 60 s), so a run with injected 503s compares like with like. The raw
//! loop is configured and behaves like harbor-client's defaults, so that the ratio measures
//! the client's own overhead: the same `reqwest::Client` settings (user agent, 10 s connect
//! timeout, 60 s request timeout), the same request on the wire (`Authorization` computed once,
//! `Accept`, a fresh UUID-form `X-Request-Id` per logical call), every body read (error
//! answers too) and a success decoded into the same model.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use harbor_client::HarborClient;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use retry_bench::latency::percentile;
use retry_runtime::RetrySettings;
use retry_runtime::wait::expo;

const USERNAME: &str = "admin";
const PASSWORD: &str = "Harbor12345";
/// The factor of the exponential waits (seconds) both clients use.
const WAIT_FACTOR: f64 = 0.01;
/// harbor-client's `Accept` for JSON operations.
const ACCEPT_JSON: &str = "application/json, text/plain, */*";
/// harbor-client's default `User-Agent`, so both send the same bytes.
const USER_AGENT: &str = concat!("harbor-client-rs/", env!("CARGO_PKG_VERSION"));

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClientKind {
    HarborClient,
    Reqwest,
}

#[derive(Debug)]
struct Options {
    url: String,
    client: ClientKind,
    requests: usize,
    concurrency: usize,
    project: String,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        url: String::new(),
        client: ClientKind::HarborClient,
        requests: 20_000,
        concurrency: 64,
        project: "library".into(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        match flag.as_str() {
            "--url" => options.url = value,
            "--client" => {
                options.client = match value.as_str() {
                    "harbor-client" => ClientKind::HarborClient,
                    "reqwest" => ClientKind::Reqwest,
                    other => {
                        return Err(format!("--client: harbor-client or reqwest, got {other:?}"));
                    }
                }
            }
            "--requests" => {
                options.requests = value.parse().map_err(|e| format!("--requests: {e}"))?
            }
            "--concurrency" => {
                options.concurrency = value.parse().map_err(|e| format!("--concurrency: {e}"))?
            }
            "--project" => options.project = value,
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    if options.url.is_empty() {
        return Err("--url is required".into());
    }
    if options.concurrency == 0 {
        return Err("--concurrency must be at least 1".into());
    }
    Ok(options)
}

/// A random request id in UUID v4 form, as a raw loop would make one.
fn request_id() -> String {
    let n: u128 = rand::random();
    format!(
        "{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}",
        (n >> 96) as u32,
        (n >> 80) as u16,
        (n >> 64) as u16 & 0x0fff,
        (n >> 48) as u16 & 0x3fff | 0x8000,
        n & 0xffff_ffff_ffff
    )
}

/// One logical GET with the raw client: the same retry policy as harbor-client's, by hand.
async fn raw_get(
    http: &reqwest::Client,
    url: &str,
    auth: &HeaderValue,
    attempts: &AtomicU64,
    waited: &AtomicU64,
) -> Result<harbor_client::models::Project, String> {
    let start = Instant::now();
    let request_id = request_id();
    let mut tries = 0u32;
    loop {
        tries += 1;
        attempts.fetch_add(1, Ordering::Relaxed);
        let sent = http
            .get(url)
            .header(AUTHORIZATION, auth.clone())
            .header("x-request-id", &request_id)
            .header(ACCEPT, ACCEPT_JSON)
            // What harbor-client sends with a project name (and any correct client must).
            .header("x-is-resource-name", "true")
            .send()
            .await;
        let error = match sent {
            Ok(response) => {
                let status = response.status();
                // Read every body, error answers too (harbor-client keeps them in its errors).
                match response.bytes().await {
                    Ok(body) if status.is_success() => {
                        // Decode into the same model harbor-client decodes into.
                        return serde_json::from_slice(&body).map_err(|e| e.to_string());
                    }
                    Ok(_) if status.is_server_error() => format!("status {status}"),
                    Ok(_) => return Err(format!("status {status}")),
                    Err(e) => e.to_string(),
                }
            }
            Err(e) => e.to_string(),
        };
        let elapsed = start.elapsed();
        let wait = Duration::from_secs_f64(WAIT_FACTOR * 2f64.powi(tries as i32 - 1));
        let wait = retry_runtime::jitter::full_jitter(wait);
        if elapsed + wait >= Duration::from_secs(60) {
            return Err(error);
        }
        waited.fetch_add(wait.as_nanos() as u64, Ordering::Relaxed);
        tokio::time::sleep(wait).await;
    }
}

fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        })
        .unwrap_or(0)
}

/// CPU time the process's threads have run (ns, `/proc/self/task/*/schedstat`): the client's
/// own cost per request, which a loaded machine disturbs far less than requests/s.
fn cpu_ns() -> u64 {
    let Ok(tasks) = std::fs::read_dir("/proc/self/task") else {
        return 0;
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
        .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
        .sum()
}

#[tokio::main]
async fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("client_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    let attempts = Arc::new(AtomicU64::new(0));
    // The backoff waits the policy chose, summed (ns): at concurrency 1 they bound req/s.
    let waited = Arc::new(AtomicU64::new(0));
    let settings = RetrySettings::builder()
        .exception::<harbor_client::error::ServerError>()
        .exception::<harbor_client::error::NetworkError>()
        .exception::<harbor_client::error::TimeoutError>()
        .wait_gen(expo().factor(WAIT_FACTOR))
        .max_time(60)
        .logger(false)
        .on_backoff({
            let (attempts, waited) = (Arc::clone(&attempts), Arc::clone(&waited));
            move |details: &retry_runtime::Details<'_, harbor_client::Error>| {
                attempts.fetch_add(1, Ordering::Relaxed);
                let wait = details.wait.unwrap_or_default().as_nanos() as u64;
                waited.fetch_add(wait, Ordering::Relaxed);
            }
        })
        .build()
        .expect("valid settings");
    let client = match HarborClient::builder(options.url.clone())
        .basic_auth(USERNAME, PASSWORD)
        .retry(settings)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("client_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    // harbor-client's defaults (HarborClient::builder): the same pool, timeouts and TLS stack.
    let http = reqwest::Client::builder()
        .user_agent(USER_AGENT)
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .build()
        .expect("a reqwest client");
    let raw_url = format!(
        "{}/api/v2.0/projects/{}",
        options
            .url
            .trim_end_matches('/')
            .trim_end_matches("/api/v2.0"),
        options.project
    );
    // `Authorization` computed once, as harbor-client does (reqwest's own encoding).
    let auth = http
        .get(&raw_url)
        .basic_auth(USERNAME, Some(PASSWORD))
        .build()
        .ok()
        .and_then(|request| request.headers().get(AUTHORIZATION).cloned())
        .expect("a basic-auth header");

    let next = Arc::new(AtomicUsize::new(0));
    let succeeded = Arc::new(AtomicU64::new(0));
    let cpu_before = cpu_ns();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(options.concurrency);
    for _ in 0..options.concurrency {
        let (client, http, raw_url, project, auth) = (
            client.clone(),
            http.clone(),
            raw_url.clone(),
            options.project.clone(),
            auth.clone(),
        );
        let (next, succeeded, attempts, waited) = (
            next.clone(),
            succeeded.clone(),
            attempts.clone(),
            waited.clone(),
        );
        let (kind, total) = (options.client, options.requests);
        tasks.push(tokio::spawn(async move {
            let mut latencies_us = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < total {
                let t = Instant::now();
                let ok = match kind {
                    ClientKind::HarborClient => {
                        attempts.fetch_add(1, Ordering::Relaxed);
                        client
                            .get_project(&project, &Default::default())
                            .await
                            .is_ok()
                    }
                    ClientKind::Reqwest => raw_get(&http, &raw_url, &auth, &attempts, &waited)
                        .await
                        .is_ok(),
                };
                latencies_us.push(t.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if ok {
                    succeeded.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies_us
        }));
    }
    let mut latencies = Vec::with_capacity(options.requests);
    for task in tasks {
        latencies.extend(task.await.expect("a load task panicked"));
    }
    let seconds = started.elapsed().as_secs_f64();
    let cpu_ms = cpu_ns().saturating_sub(cpu_before) as f64 / 1e6;
    latencies.sort_unstable();
    let name = match options.client {
        ClientKind::HarborClient => "harbor-client",
        ClientKind::Reqwest => "reqwest",
    };
    println!(
        "client={name} concurrency={} requests={} ok={} attempts={} seconds={seconds:.3} rps={:.0} p50_ms={:.3} p99_ms={:.3} peak_rss_kib={} cpu_ms={cpu_ms:.1} waited_ms={:.1}",
        options.concurrency,
        latencies.len(),
        succeeded.load(Ordering::Relaxed),
        attempts.load(Ordering::Relaxed),
        latencies.len() as f64 / seconds,
        percentile(&latencies, 50.0) as f64 / 1000.0,
        percentile(&latencies, 99.0) as f64 / 1000.0,
        peak_rss_kib(),
        waited.load(Ordering::Relaxed) as f64 / 1e6,
    );
    ExitCode::SUCCESS
}
