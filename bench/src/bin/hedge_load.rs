//! Load driver of the hedging benchmark (issue 14, `bench/hedging.sh`): `getProject` many
//! times against an in-process `harbor-sim` that holds a seeded fraction of its answers back
//! (200 ms on 5% by default), and one line of figures on stdout.
//!
//! `hedge_load --mode no-hedge|hedge|auto-hedge|tower-hedge [--calls 10000] [--concurrency 16]
//!  [--warmup 2000] [--fraction 0.05] [--fault-ms 200] [--seed 7] [--percentile 95]
//!  [--latency-ms 0] [--jitter-ms 0]`
//!
//! `--latency-ms` and `--jitter-ms` give the simulator a service time
//! ([`harbor_sim::Latency`]): every answer takes at least `--latency-ms`, plus a uniform draw
//! up to `--jitter-ms` (seeded with `--seed`), as a real Harbor's requests do; the delay fault
//! adds to it. Without them the simulator answers as fast as loopback allows.
//!
//! Every run does the same three things:
//!
//! 1. starts the simulator on its own tokio runtime (its own threads, as a server process
//!    would have) and one `HarborClient` with the default settings on another;
//! 2. warms up with `--warmup` calls and no fault, and takes the `--percentile` of their
//!    latencies as the hedge delay (the "normal p95": what the calls take when nothing is slow);
//! 3. zeroes the simulator's counters, installs the delay fault on `getProject` and makes
//!    `--calls` calls at `--concurrency`, reporting p50, p99 and p99.9 of the calls' latencies
//!    and the requests the simulator received per call.
//!
//! The modes differ only in what wraps the call:
//!
//! - `no-hedge`: the client as it is by default (no hedging, no per-attempt timeout);
//! - `hedge`: the same client with `client.hedge(operations::GET_PROJECT, delay)`, the delay
//!   being the warm-up's `--percentile` (µs precision), fixed for the run; the default
//!   settings otherwise (no `max_tries`; at most `DEFAULT_MAX_HEDGES` (2) hedges per call, each
//!   withdrawing from the client's retry budget);
//! - `auto-hedge`: a client built with `hedge_reads_auto(true)` and no delay given: the delay
//!   is the 95th percentile of the attempts' latencies as the client's own tracker saw them
//!   (warm-up included), with its cap on extra load (5% of calls, plus a reserve of 5
//!   hedges); `delay_ms` is the tracker's delay at the end of the run, and `hedges` /
//!   `hedges_refused` what the cap allowed and refused. With `--fraction 1` every answer is
//!   slow, the case the cap is for;
//! - `tower-hedge`: tower's `Hedge` middleware around the same client's call (one `Hedge`
//!   shared by every task, so one latency histogram, as one service in a server would have).
//!   Tower picks its delay itself, as the `--percentile` of a rotating histogram of recent
//!   latencies (whole milliseconds, rounded up); the histogram starts with the warm-up's
//!   latencies, so both modes start from the same observation. The delay tower actually
//!   waited before each hedge is measured and reported (`delay_ms`, the median).

use std::process::ExitCode;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harbor_client::{HarborClient, operations};
use harbor_sim::{Fault, FaultRule, Latency, RunningSimulator, Simulator};
use retry_bench::latency::percentile;
use retry_runtime::latency::LatencyTracker;
use tower::{Service as _, ServiceExt as _};

/// The operation under load, as the simulator names it.
const OPERATION: &str = "getProject";
/// The project every call reads (in the simulator's demo data).
const PROJECT: &str = "library";
/// How long tower's latency histogram keeps a window of observations (its `period`).
const TOWER_PERIOD: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    NoHedge,
    Hedge,
    AutoHedge,
    TowerHedge,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::NoHedge => "no-hedge",
            Mode::Hedge => "hedge",
            Mode::AutoHedge => "auto-hedge",
            Mode::TowerHedge => "tower-hedge",
        }
    }
}

#[derive(Debug)]
struct Options {
    mode: Mode,
    calls: usize,
    concurrency: usize,
    warmup: usize,
    fraction: f64,
    fault: Duration,
    seed: u64,
    percentile: f64,
    latency: Latency,
}

fn parse_options() -> Result<Options, String> {
    let mut options = Options {
        mode: Mode::NoHedge,
        calls: 10_000,
        concurrency: 16,
        warmup: 2_000,
        fraction: 0.05,
        fault: Duration::from_millis(200),
        seed: 7,
        percentile: 95.0,
        latency: Latency::default(),
    };
    let mut args = std::env::args().skip(1);
    while let Some(flag) = args.next() {
        let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
        let number = |what: &str| format!("{flag}: not {what}: {value:?}");
        match flag.as_str() {
            "--mode" => {
                options.mode = match value.as_str() {
                    "no-hedge" => Mode::NoHedge,
                    "hedge" => Mode::Hedge,
                    "auto-hedge" => Mode::AutoHedge,
                    "tower-hedge" => Mode::TowerHedge,
                    other => {
                        return Err(format!(
                            "--mode: no-hedge, hedge, auto-hedge or tower-hedge, got {other:?}"
                        ));
                    }
                }
            }
            "--calls" => options.calls = value.parse().map_err(|_| number("a count"))?,
            "--concurrency" => {
                options.concurrency = value.parse().map_err(|_| number("a count"))?
            }
            "--warmup" => options.warmup = value.parse().map_err(|_| number("a count"))?,
            "--fraction" => options.fraction = value.parse().map_err(|_| number("a number"))?,
            "--fault-ms" => {
                options.fault = Duration::from_millis(value.parse().map_err(|_| number("ms"))?)
            }
            "--seed" => options.seed = value.parse().map_err(|_| number("a number"))?,
            "--percentile" => options.percentile = value.parse().map_err(|_| number("a number"))?,
            "--latency-ms" => {
                options.latency.millis = value.parse().map_err(|_| number("whole ms"))?
            }
            "--jitter-ms" => {
                options.latency.jitter_millis = value.parse().map_err(|_| number("whole ms"))?
            }
            other => return Err(format!("unknown flag {other:?}")),
        }
    }
    options.latency.seed = options.seed;
    if options.concurrency == 0 || options.calls == 0 || options.warmup == 0 {
        return Err("--calls, --concurrency and --warmup must be at least 1".into());
    }
    if !(0.0..=1.0).contains(&options.fraction) {
        return Err("--fraction must be in [0, 1]".into());
    }
    if !(0.0..100.0).contains(&options.percentile) {
        return Err("--percentile must be in [0, 100)".into());
    }
    Ok(options)
}

/// Makes `calls` calls of `call` from `concurrency` tasks; returns each call's latency (µs)
/// and how many succeeded.
async fn drive<F, Fut>(calls: usize, concurrency: usize, call: F) -> (Vec<u32>, u64)
where
    F: Fn() -> Fut + Clone + Send + 'static,
    Fut: Future<Output = bool> + Send,
{
    let next = Arc::new(AtomicUsize::new(0));
    let succeeded = Arc::new(AtomicU64::new(0));
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (next, succeeded, call) = (next.clone(), succeeded.clone(), call.clone());
        tasks.push(tokio::spawn(async move {
            let mut latencies_us = Vec::new();
            while next.fetch_add(1, Ordering::Relaxed) < calls {
                let started = Instant::now();
                let ok = call().await;
                latencies_us.push(started.elapsed().as_micros().min(u32::MAX as u128) as u32);
                if ok {
                    succeeded.fetch_add(1, Ordering::Relaxed);
                }
            }
            latencies_us
        }));
    }
    let mut latencies = Vec::with_capacity(calls);
    for task in tasks {
        latencies.extend(task.await.expect("a load task panicked"));
    }
    latencies.sort_unstable();
    (latencies, succeeded.load(Ordering::Relaxed))
}

/// [`drive`] with the client's own `getProject` call (hedged or not as the client is set up).
async fn drive_gets(client: &HarborClient, calls: usize, concurrency: usize) -> (Vec<u32>, u64) {
    let client = client.clone();
    drive(calls, concurrency, move || {
        let client = client.clone();
        async move {
            client
                .get_project(PROJECT, &Default::default())
                .await
                .is_ok()
        }
    })
    .await
}

/// The request tower's hedge clones: the project, and when the call started (to measure
/// the delay tower chose).
#[derive(Debug, Clone)]
struct ProjectGet {
    project: &'static str,
    started: Instant,
}

/// Tower's hedge policy: every `getProject` may be hedged (it is a GET); records the delay
/// after which tower sent each hedge.
#[derive(Debug, Clone, Default)]
struct HedgeEveryGet {
    delays_us: Arc<Mutex<Vec<u32>>>,
}

impl tower::hedge::Policy<ProjectGet> for HedgeEveryGet {
    fn clone_request(&self, request: &ProjectGet) -> Option<ProjectGet> {
        Some(request.clone())
    }

    fn can_retry(&self, request: &ProjectGet) -> bool {
        let waited = request.started.elapsed().as_micros().min(u32::MAX as u128) as u32;
        self.delays_us
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(waited);
        true
    }
}

/// The measured phase in `mode`; returns the sorted latencies, successes, and the hedge
/// delay in effect (µs; for tower the median of the delays it waited, 0 without hedging).
async fn measure(
    options: &Options,
    client: &HarborClient,
    warmup_us: &[u32],
    hedge_delay_us: u32,
) -> (Vec<u32>, u64, u32) {
    match options.mode {
        // The client hedges or not as configured by `run` and `main`.
        Mode::NoHedge | Mode::Hedge | Mode::AutoHedge => {
            let (latencies, ok) = drive_gets(client, options.calls, options.concurrency).await;
            let delay_us = match options.mode {
                Mode::Hedge => hedge_delay_us,
                Mode::AutoHedge => auto_tracker(client).map_or(0, |tracker| {
                    tracker.delay(Instant::now()).map_or(0, |delay| {
                        u32::try_from(delay.as_micros()).unwrap_or(u32::MAX)
                    })
                }),
                _ => 0,
            };
            (latencies, ok, delay_us)
        }
        Mode::TowerHedge => {
            let inner = {
                let client = client.clone();
                tower::service_fn(move |request: ProjectGet| {
                    let client = client.clone();
                    async move {
                        client
                            .get_project(request.project, &Default::default())
                            .await
                    }
                })
            };
            let policy = HedgeEveryGet::default();
            // Tower keeps whole milliseconds, rounded up; its histogram starts with the
            // warm-up's latencies, as our delay does.
            let warmup_ms: Vec<u64> = warmup_us
                .iter()
                .map(|us| u64::from(us.div_ceil(1000)))
                .collect();
            let hedge = tower::hedge::Hedge::new_with_mock_latencies(
                inner,
                policy.clone(),
                1,
                (options.percentile / 100.0) as f32,
                TOWER_PERIOD,
                &warmup_ms,
            );
            let hedge = Arc::new(tokio::sync::Mutex::new(hedge));
            let (latencies, ok) = drive(options.calls, options.concurrency, move || {
                let hedge = hedge.clone();
                async move {
                    let request = ProjectGet {
                        project: PROJECT,
                        started: Instant::now(),
                    };
                    // One shared service: readiness and `call` under the lock, the answer
                    // awaited outside it.
                    let answer = {
                        let mut hedge = hedge.lock().await;
                        match hedge.ready().await {
                            Ok(ready) => ready.call(request),
                            Err(_) => return false,
                        }
                    };
                    answer.await.is_ok()
                }
            })
            .await;
            let mut delays = policy
                .delays_us
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            delays.sort_unstable();
            (latencies, ok, percentile(&delays, 50.0))
        }
    }
}

/// The `#[retry]` target of `get_project`: the key of its partition in the client's shared
/// state (the self-tuning delay's tracker, per retried fn).
const GET_PROJECT_TARGET: &str = "harbor_client::generated::methods::project::get_project";

/// The latency tracker `getProject`'s self-tuning hedge delay reads, when the client has one.
fn auto_tracker(client: &HarborClient) -> Option<LatencyTracker> {
    let settings = client.retry_settings()?;
    Some(settings.hedge_auto()?.tracker(GET_PROJECT_TARGET))
}

fn main() -> ExitCode {
    let options = match parse_options() {
        Ok(o) => o,
        Err(e) => {
            eprintln!("hedge_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    // The simulator on its own runtime and threads, like a server process beside the client.
    let sim_runtime = retry_bench::simulator_runtime();
    let starting = Simulator::builder()
        .seed_demo(true)
        .latency(options.latency)
        .start();
    let sim: RunningSimulator = match sim_runtime.block_on(starting) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("hedge_load: cannot start the simulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the client");
    let client = match HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .hedge_reads_auto(options.mode == Mode::AutoHedge)
        .build()
    {
        Ok(c) => c,
        Err(e) => {
            eprintln!("hedge_load: {e}");
            return ExitCode::FAILURE;
        }
    };
    client_runtime.block_on(run(&options, &sim, &client))
}

async fn run(options: &Options, sim: &RunningSimulator, client: &HarborClient) -> ExitCode {
    // Warm-up, no fault: the pool's connections open, the normal latency is observed.
    let (warmup_us, warm_ok) = drive_gets(client, options.warmup, options.concurrency).await;
    if warm_ok != options.warmup as u64 {
        eprintln!(
            "hedge_load: {} of {} warm-up calls failed",
            options.warmup as u64 - warm_ok,
            options.warmup
        );
        return ExitCode::FAILURE;
    }
    let hedge_delay_us = percentile(&warmup_us, options.percentile);
    if options.mode == Mode::Hedge {
        let delay = Duration::from_micros(u64::from(hedge_delay_us));
        if let Err(e) = client.hedge(operations::GET_PROJECT, delay) {
            eprintln!("hedge_load: {e}");
            return ExitCode::FAILURE;
        }
    }

    sim.handle().reset_counters();
    let rule = FaultRule::new(Fault::delay(options.fault))
        .operation(OPERATION)
        .fraction(options.fraction, options.seed);
    if let Err(e) = sim.handle().inject(rule) {
        eprintln!("hedge_load: {e}");
        return ExitCode::FAILURE;
    }
    // The self-tuning delay's cap counts from its start: the warm-up's share is taken off.
    let hedge_counts =
        || auto_tracker(client).map_or((0, 0), |t| (t.hedges_allowed(), t.hedges_refused()));
    let (hedges_before, refused_before) = hedge_counts();
    let started = Instant::now();
    let (latencies, ok, delay_us) = measure(options, client, &warmup_us, hedge_delay_us).await;
    let seconds = started.elapsed().as_secs_f64();
    let (hedges, refused) = hedge_counts();
    let counts = sim.handle().counts(OPERATION).unwrap_or_default();
    let ms = |us: u32| us as f64 / 1000.0;
    println!(
        "mode={} latency_ms={} jitter_ms={} fraction={} calls={} concurrency={} ok={} server_saw={} delayed={} per_call={:.4} seconds={seconds:.3} normal_p95_ms={:.3} delay_ms={:.3} p50_ms={:.3} p99_ms={:.3} p999_ms={:.3} max_ms={:.3} hedges={} hedges_refused={}",
        options.mode.name(),
        options.latency.millis,
        options.latency.jitter_millis,
        options.fraction,
        latencies.len(),
        options.concurrency,
        ok,
        counts.received,
        counts.faults,
        counts.received as f64 / latencies.len() as f64,
        ms(hedge_delay_us),
        ms(delay_us),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 99.0)),
        ms(percentile(&latencies, 99.9)),
        ms(latencies.last().copied().unwrap_or(0)),
        hedges - hedges_before,
        refused - refused_before,
    );
    ExitCode::SUCCESS
}
