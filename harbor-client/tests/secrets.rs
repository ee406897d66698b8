//! A known secret, driven through the client's every path (success, retries, give-up, error
//! values, `Debug` of client, builder, settings and errors, retry `Details`, and tracing output
//! at TRACE level), never appears in anything a user could print or log.
//!
//! One process-wide TRACE subscriber captures every event of this binary, so no test can miss
//! events because of `tracing`'s process-wide callsite cache.

mod support;

use base64::Engine as _;
use harbor_client::error::Transient;
use harbor_client::{Credentials, Error, HarborClient, models};
use retry_runtime::{Details, RetrySettings, wait};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use support::{Reply, Server, closed_port};

const USER: &str = "admin";
/// The canary: it must reach the server (in the Authorization header) and nothing else.
const SECRET: &str = "Canary-S3cr3t-7f1d9a";
/// A secret the server hands out (a refreshed robot secret), and one sent in a body.
const SERVER_SECRET: &str = "Issued-R0b0t-Secret-44c2";
const NEW_PASSWORD: &str = "N3w-Passw0rd-Canary-b7e0";

/// Every form the canaries could leak in.
fn forbidden() -> Vec<String> {
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        SECRET.to_owned(),
        SERVER_SECRET.to_owned(),
        NEW_PASSWORD.to_owned(),
        b64(&format!("{USER}:{SECRET}")),
        b64(SECRET),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in forbidden() {
        assert!(
            !text.contains(&secret),
            "{what} contains the secret {secret:?}:\n{text}"
        );
    }
}

/// The shared buffer of the TRACE subscriber.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn logs() -> &'static Captured {
    static LOGS: OnceLock<Captured> = OnceLock::new();
    LOGS.get_or_init(|| {
        let captured = Captured::default();
        let writer = captured.clone();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_writer(move || writer.clone())
            .with_ansi(false)
            .finish();
        tracing::subscriber::set_global_default(subscriber).expect("first subscriber");
        captured
    })
}

fn logged() -> String {
    String::from_utf8_lossy(&logs().0.lock().unwrap()).into_owned()
}

/// Everything the hooks were given, rendered as a user's hook would render it.
#[derive(Clone, Default)]
struct HookLog(Arc<Mutex<Vec<String>>>);

impl HookLog {
    fn record(&self, event: &str, d: &Details<'_, Error>) {
        let mut line = format!("{event}: {d:?} args: {}", d.args_display());
        if let Some(e) = d.error() {
            line.push_str(&format!(" error: {e} / {e:?}"));
        }
        self.0.lock().unwrap().push(line);
    }
}

fn settings(hooks: &HookLog, tries: u32) -> RetrySettings<Error> {
    let (s, b, g) = (hooks.clone(), hooks.clone(), hooks.clone());
    RetrySettings::builder()
        .exception::<Transient>()
        .max_tries(tries)
        .wait_gen(wait::constant().interval(1))
        .no_jitter()
        .on_success(move |d| s.record("success", d))
        .on_backoff(move |d| b.record("backoff", d))
        .on_giveup(move |d| g.record("giveup", d))
        .build()
        .unwrap()
}

fn client(server: &Server, hooks: &HookLog) -> HarborClient {
    HarborClient::builder(server.url())
        .basic_auth(USER, SECRET)
        .timeout(None)
        .connect_timeout(None)
        .retry(settings(hooks, 3))
        .build()
        .unwrap()
}

/// Display, Debug and the whole `source` chain of an error.
fn render_error(e: &Error) -> String {
    let mut text = format!("{e}\n{e:?}\n{e:#?}");
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(&format!("\ncaused by: {s} / {s:?}"));
        source = s.source();
    }
    text
}

#[tokio::test(start_paused = true)]
async fn the_secret_never_leaves_through_success_retries_or_give_up() {
    logs();
    let hooks = HookLog::default();
    let server = Server::start(
        vec![
            // get_statistics: two retries, then success.
            Reply::json(503, "{}"),
            Reply::json(429, "{}").header("Retry-After", "1"),
            Reply::json(200, r#"{"private_project_count":1}"#),
            // set_user_password: one retry, then success.
            Reply::json(
                502,
                r#"{"code":"UNKNOWN","message":"internal server error"}"#,
            ),
            Reply::json(200, ""),
            // refresh_robot_secret: the server's answer carries a secret.
            Reply::json(200, &format!(r#"{{"secret":"{SERVER_SECRET}"}}"#)),
            // get_project: gives up after 3 tries.
            Reply::json(503, "{}"),
            Reply::json(503, "{}"),
            Reply::json(503, "{}"),
            // 401: not retried.
            Reply::json(
                401,
                r#"{"errors":[{"code":"UNAUTHORIZED","message":"unauthorized"}]}"#,
            ),
        ],
        |_| None,
    )
    .await;
    let c = client(&server, &hooks);
    let mut printed = vec![format!("{c:?}"), format!("{:?}", c.retry_settings())];

    let stats = c.get_statistics().await.unwrap();
    printed.push(format!("{stats:?}"));

    let password = models::PasswordReq {
        old_password: Some(SECRET.into()),
        new_password: Some(NEW_PASSWORD.into()),
    };
    c.set_user_password(1, &password).await.unwrap();
    printed.push(format!("{password:?}"));

    let refreshed = c
        .refresh_robot_secret(
            7,
            &models::RobotSec {
                secret: Some(NEW_PASSWORD.into()),
            },
        )
        .await
        .unwrap();
    assert_eq!(refreshed.secret.as_deref(), Some(SERVER_SECRET));
    printed.push(format!("{refreshed:?}"));

    let gave_up = c
        .get_project("library", &Default::default())
        .await
        .unwrap_err();
    printed.push(render_error(&gave_up));
    let unauthorized = c.get_statistics().await.unwrap_err();
    assert_eq!(unauthorized.status(), Some(401));
    printed.push(render_error(&unauthorized));

    // The secret did reach the server, where it belongs.
    let seen = server.seen();
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{SECRET}"))
    );
    assert!(
        seen.iter()
            .all(|s| s.header("authorization") == Some(&expected))
    );
    assert!(seen.iter().any(|s| s.body.contains(NEW_PASSWORD)));

    let hook_lines = hooks.0.lock().unwrap().clone();
    for event in ["success:", "backoff:", "giveup:"] {
        assert!(
            hook_lines.iter().any(|l| l.starts_with(event)),
            "no {event} hook ran: {hook_lines:#?}"
        );
    }
    // The password body is an argument of a retried call: its Details render it redacted.
    assert!(
        hook_lines.iter().any(|l| l.contains("PasswordReq")),
        "{hook_lines:#?}"
    );
    for (i, text) in printed.iter().chain(hook_lines.iter()).enumerate() {
        assert_clean(&format!("output #{i}"), text);
    }
    let logs = logged();
    assert!(
        logs.contains("get_statistics") && logs.contains("TRACE"),
        "the TRACE subscriber saw too little:\n{logs}"
    );
    assert_clean("TRACE logs", &logs);
}

#[tokio::test(start_paused = true)]
async fn transport_failures_do_not_carry_the_secret() {
    logs();
    let hooks = HookLog::default();
    let addr = closed_port().await;
    let refused = HarborClient::builder(format!("http://{addr}"))
        .basic_auth(USER, SECRET)
        .retry(settings(&hooks, 2))
        .build()
        .unwrap();
    let e = refused.get_statistics().await.unwrap_err();
    assert!(e.never_sent(), "{e:?}");
    assert_clean("connection refused", &render_error(&e));

    // A server that never answers: the timeout error.
    let server = Server::start(vec![Reply::hang()], |_| None).await;
    let hung = HarborClient::builder(server.url())
        .basic_auth(USER, SECRET)
        .timeout(Duration::from_secs(5))
        .retry(None)
        .build()
        .unwrap();
    let e = hung.get_statistics().await.unwrap_err();
    assert!(matches!(e, Error::Timeout(_)), "{e:?}");
    assert_clean("timeout", &render_error(&e));
    assert_clean("hooks", &hooks.0.lock().unwrap().join("\n"));
    assert_clean("TRACE logs", &logged());
}

#[test]
fn credentials_and_builders_never_print_the_secret() {
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{USER}:{SECRET}"));
    let robot_json = format!(r#"{{"name":"robot$ci","secret":"{SECRET}"}}"#);
    let robot = Credentials::from_robot_json(&robot_json).unwrap();
    let builder = HarborClient::builder("https://harbor.example").basic_auth(USER, SECRET);
    let printed = [
        format!("{:?}", Credentials::basic(USER, SECRET)),
        format!("{:?}", Credentials::token(token.clone())),
        format!("{robot:?}"),
        format!("{builder:?}"),
        format!("{:?}", builder.build().unwrap()),
        format!(
            "{:?}",
            HarborClient::builder("https://harbor.example")
                .credentials(Credentials::token(token))
                .build()
                .unwrap()
        ),
    ];
    for text in &printed {
        assert_clean("Debug output", text);
    }
    assert!(printed[2].contains("robot$ci"), "{}", printed[2]);
}

#[test]
fn a_secret_in_the_url_is_refused_without_being_echoed() {
    for url in [
        format!("https://{USER}:{SECRET}@harbor.example"),
        format!("https://{USER}:{SECRET}@harbor.example/api/v2.0?x=1"),
        format!("ftp://{USER}:{SECRET}@harbor.example"),
    ] {
        let err = HarborClient::builder(url.as_str())
            .basic_auth(USER, "other")
            .build()
            .unwrap_err();
        assert_clean("the URL error", &format!("{err}\n{err:?}"));
        assert!(err.to_string().contains("harbor.example"), "{err}");
    }
}
