//! `harbor-sim`: run the simulated Harbor as a server.
//!
//! ```text
//! cargo run -p harbor-sim -- --port 8080            # demo data, admin / Harbor12345
//! cargo run -p harbor-sim -- --port 8080 --empty    # as Harbor installs: admin, `library`
//! ```
//! Every request is logged (set `RUST_LOG` to change the level); faults are steered through
//! the admin endpoint under `/_sim` (see the library docs).

use std::net::{IpAddr, SocketAddr};
use std::process::ExitCode;

use harbor_sim::{Latency, Simulator};

const USAGE: &str = "usage: harbor-sim [--port N] [--bind ADDR] [--admin-password P] [--empty]

  --port N              port to listen on (default 8080; 0 picks a free one)
  --bind ADDR           address to bind (default 127.0.0.1)
  --admin-password P    the admin's password (default Harbor12345)
  --empty               start as a fresh Harbor (the admin and project library)
  --latency-ms N        every API answer takes at least N ms (default 0)
  --jitter-ms N         and up to N ms more, drawn per answer (default 0)
  --check-transactions  log a warning for a refused write that changed the state
                        (Harbor rolls those back; costs two hashes of the state a write)
  -h, --help            this text";

struct Options {
    port: u16,
    bind: IpAddr,
    admin_password: String,
    seed: bool,
    latency: Latency,
    check_transactions: bool,
}

fn parse(args: impl Iterator<Item = String>) -> Result<Option<Options>, String> {
    let mut o = Options {
        port: 8080,
        bind: IpAddr::from([127, 0, 0, 1]),
        admin_password: "Harbor12345".into(),
        seed: true,
        latency: Latency::default(),
        check_transactions: false,
    };
    let mut args = args.peekable();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| args.next().ok_or_else(|| format!("{name} needs a value"));
        match arg.as_str() {
            "--port" => {
                o.port = value("--port")?
                    .parse()
                    .map_err(|e| format!("--port: {e}"))?
            }
            "--bind" => {
                o.bind = value("--bind")?
                    .parse()
                    .map_err(|e| format!("--bind: {e}"))?
            }
            "--admin-password" => o.admin_password = value("--admin-password")?,
            "--empty" => o.seed = false,
            "--check-transactions" => o.check_transactions = true,
            "--latency-ms" => {
                o.latency.millis = value("--latency-ms")?
                    .parse()
                    .map_err(|e| format!("--latency-ms: {e}"))?
            }
            "--jitter-ms" => {
                o.latency.jitter_millis = value("--jitter-ms")?
                    .parse()
                    .map_err(|e| format!("--jitter-ms: {e}"))?
            }
            "-h" | "--help" => return Ok(None),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    Ok(Some(o))
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info".into()),
        )
        .init();
    let options = match parse(std::env::args().skip(1)) {
        Ok(Some(o)) => o,
        Ok(None) => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("error: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let started = Simulator::builder()
        .addr(SocketAddr::new(options.bind, options.port))
        .admin("admin", options.admin_password)
        .seed_demo(options.seed)
        .check_transactions(options.check_transactions)
        .latency(options.latency)
        .start()
        .await;
    let sim = match started {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!(
                "error: cannot listen on {}:{}: {e}",
                options.bind, options.port
            );
            return ExitCode::FAILURE;
        }
    };
    tracing::info!(url = %sim.api_url(), operations = sim.handle().operations_routed(), "harbor-sim listening (admin endpoint under /_sim)");
    if let Err(e) = tokio::signal::ctrl_c().await {
        eprintln!("error: waiting for Ctrl-C: {e}");
    }
    tracing::info!("shutting down");
    ExitCode::SUCCESS
}
