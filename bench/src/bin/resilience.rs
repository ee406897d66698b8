//! Load driver of the resilience benchmark (issue 22, `bench/resilience.sh`): the client's
//! adaptive rate limiter and circuit breaker against an in-process `harbor-sim` that throttles
//! or fails, each scenario run with the feature and without it, one line of `key=value` figures
//! on stdout per run.
//!
//! ```text
//! resilience rate-limit --limiter on|off  [--calls 5000] [--tasks 64] [--limit 50] [--raised 200] [--raise-for 40] [--trace]
//! resilience partitions --limiter per-op|global|none [--seconds 15] [--neighbours 32] [--others 4] [--limit 50] [--latency-ms 5] [--jitter-ms 2]
//! resilience outage     --breaker on|off [--tasks 8] [--clear-at 25] [--until 37] [--pace-ms 10]
//! resilience recovery   --breaker on|off [--tasks 8] [--outage-s 30] [--healthy-s 30] [--pace-ms 100]
//! ```
//!
//! Real time throughout: the simulator runs on its own multi-thread tokio runtime (two worker
//! threads, as a server process beside the client would have), the client on another; every
//! time below is wall-clock time on this machine. The simulator's rate limit and the client's
//! waits are timed by tokio's clock, which ticks in whole milliseconds.
//!
//! - `rate-limit`: a global limit of `--limit` requests per second (token bucket, burst one
//!   second's worth, 429 with `Retry-After` of at least 1 s); `--tasks` tasks make `--calls`
//!   `getProject` calls between them, with the client's default settings (logger off) and
//!   `adaptive_rate_limit(on|off)`. A sampler reads the simulator's `getProject` counters every
//!   100 ms; the *send rate* is the requests the simulator received (429s included) per second
//!   over a moving window. Reported: calls ok, requests, 429 share, the time at which the 5 s
//!   moving send rate enters 0.8-1.1x the limit and stays there until the last call has
//!   started (`settle_s`; 5.0 is the earliest a 5 s window can report), and the rate from 10 s
//!   on (`steady_rate`, with the smallest and largest 5 s rate). Then, with no pause (the same
//!   tasks keep calling, past the `--calls`), the limit is raised to `--raised` at the moment
//!   the last of the first `--calls` calls starts, and the run reports how long after the
//!   raise the 1 s and 5 s send rates first reach 150 req/s (`to150_1s_s`, `to150_5s_s`), then
//!   runs 5 s more (at most `--raise-for` seconds in all) for a steady reading.
//! - `partitions`: the simulator gives every answer a service time (`--latency-ms` plus up to
//!   `--jitter-ms`), and limits `getProject` alone to `--limit` req/s. `--others` tasks call
//!   `getRepository("library", "nginx")` in a loop for `--seconds` alone (phase A), then again
//!   while `--neighbours` tasks call `getProject` in a loop beside them (phase B). The client
//!   has a per-operation limiter (`Partition::PerTarget`), the default shared one, or none;
//!   reported: `getRepository`'s p50 and p99 in both phases and their ratio.
//! - `outage`: `getProject` answers 503 to everything from the start; `--tasks` tasks call it
//!   in a loop (a call, then `--pace-ms`), one more task calls `getRepository` every 10 ms.
//!   The client has the default settings (logger off) and `default_circuit_breaker()` or no
//!   breaker. A thread polls the breaker every 1 ms (its state, `times_opened`, and the
//!   simulator's `getProject` count), so the times below have about 1 ms of resolution. The
//!   fault is cleared at `--clear-at` s, the run ends at `--until` s.
//! - `recovery`: a full `getProject` outage for `--outage-s`, then `--healthy-s` healthy;
//!   `--tasks` tasks each call, then sleep `--pace-ms` (a caller that paces itself, as a
//!   poller or a CI job would), as in `tests/tests/circuit_breaker.rs`. Reported: calls made,
//!   requests the simulator received, their ratio, overall and during the outage.
//!
//! Every line ends with the load average before and after the run (`/proc/loadavg`).

use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use harbor_client::settings::{default_circuit_breaker, default_rate_limiter};
use harbor_client::{Error, HarborClient};
use harbor_sim::{Fault, FaultRule, Latency, RateLimit, RunningSimulator, SimHandle, Simulator};
use retry_bench::latency::percentile;
use retry_runtime::BreakerState;
use retry_runtime::limiter::AdaptiveLimiter;
use retry_runtime::partition::Partition;

const PROJECT: &str = "library";
const GET_PROJECT: &str = "getProject";
/// The keys the runtime files `getProject` and `getRepository` under in a per-operation
/// breaker or limiter (`Partition::PerTarget`): the `#[retry]` target, `module_path!()::fn`,
/// of the generated methods, not the operation id (`state("getProject")` reads, and creates,
/// a partition no call uses).
const PROJECT_KEY: &str = "harbor_client::generated::methods::project::get_project";
const REPOSITORY_KEY: &str = "harbor_client::generated::methods::repository::get_repository";
/// Successful `getProject` calls before an outage (more than the default breaker's window).
const WARM_UP_CALLS: usize = 40;
const SAMPLE_EVERY: Duration = Duration::from_millis(100);

/// The command line: the subcommand, then `--flag value` pairs (and `--trace`).
struct Args {
    command: String,
    flags: Vec<(String, String)>,
    trace: bool,
}

impl Args {
    fn parse() -> Result<Self, String> {
        let mut args = std::env::args().skip(1);
        let command = args
            .next()
            .ok_or("a subcommand: rate-limit, partitions, outage, recovery")?;
        let mut flags = Vec::new();
        let mut trace = false;
        while let Some(flag) = args.next() {
            if flag == "--trace" {
                trace = true;
                continue;
            }
            let value = args.next().ok_or_else(|| format!("{flag} needs a value"))?;
            flags.push((flag, value));
        }
        Ok(Args {
            command,
            flags,
            trace,
        })
    }

    fn text(&self, flag: &str, default: &str) -> String {
        self.flags
            .iter()
            .rev()
            .find(|(f, _)| f == flag)
            .map_or_else(|| default.to_owned(), |(_, v)| v.clone())
    }

    fn number<T: std::str::FromStr>(&self, flag: &str, default: T) -> Result<T, String> {
        match self.flags.iter().rev().find(|(f, _)| f == flag) {
            Some((_, v)) => v
                .parse()
                .map_err(|_| format!("{flag}: not a number: {v:?}")),
            None => Ok(default),
        }
    }

    fn switch(&self, flag: &str) -> Result<bool, String> {
        match self.text(flag, "on").as_str() {
            "on" => Ok(true),
            "off" => Ok(false),
            other => Err(format!("{flag}: on or off, got {other:?}")),
        }
    }

    fn check_known(&self, known: &[&str]) -> Result<(), String> {
        match self
            .flags
            .iter()
            .find(|(f, _)| !known.contains(&f.as_str()))
        {
            Some((f, _)) => Err(format!("{}: unknown flag {f:?}", self.command)),
            None => Ok(()),
        }
    }
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(","))
        .unwrap_or_else(|_| "?".into())
}

fn main() -> ExitCode {
    let args = match Args::parse() {
        Ok(a) => a,
        Err(e) => {
            eprintln!("resilience: {e}");
            return ExitCode::FAILURE;
        }
    };
    let sim_runtime = retry_bench::simulator_runtime();
    let sim = match sim_runtime.block_on(Simulator::builder().seed_demo(true).start()) {
        Ok(sim) => sim,
        Err(e) => {
            eprintln!("resilience: cannot start the simulator: {e}");
            return ExitCode::FAILURE;
        }
    };
    let client_runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime for the client");
    let load_before = load_average();
    let outcome = client_runtime.block_on(async {
        match args.command.as_str() {
            "rate-limit" => rate_limit(&args, &sim).await,
            "partitions" => partitions(&args, &sim).await,
            "outage" => outage(&args, &sim).await,
            "recovery" => recovery(&args, &sim).await,
            other => Err(format!(
                "unknown subcommand {other:?}: rate-limit, partitions, outage, recovery"
            )),
        }
    });
    match outcome {
        Ok(line) => {
            println!(
                "{line} load_before={load_before} load_after={}",
                load_average()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("resilience: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A client of the simulator with the default settings, the default log off, and `setup`.
fn client(
    sim: &RunningSimulator,
    setup: impl FnOnce(harbor_client::HarborClientBuilder) -> harbor_client::HarborClientBuilder,
) -> Result<HarborClient, String> {
    let builder = HarborClient::builder(sim.base_url()).basic_auth("admin", "Harbor12345");
    let client = setup(builder).build().map_err(|e| e.to_string())?;
    client
        .update_retry(|s| s.logger(false))
        .map_err(|e| e.to_string())?;
    Ok(client)
}

fn counts(sim: &SimHandle, op: &str) -> (u64, u64) {
    let c = sim.counts(op).unwrap_or_default();
    (c.received, c.throttled)
}

fn us(d: Duration) -> u32 {
    d.as_micros().min(u128::from(u32::MAX)) as u32
}

fn ms(us: u32) -> f64 {
    f64::from(us) / 1000.0
}

/// A time in seconds, or `never`.
fn secs(t: Option<f64>) -> String {
    t.map_or_else(|| "never".into(), |t| format!("{t:.1}"))
}

// ---------------------------------------------------------------------------------------------
// Send-rate sampling

#[derive(Debug, Clone, Copy)]
struct Sample {
    /// Seconds since the run started.
    t: f64,
    received: u64,
    throttled: u64,
    /// The client limiter's fill rate (0: off or no limiter).
    limiter_rate: f64,
}

type Samples = Arc<Mutex<Vec<Sample>>>;

/// Reads `op`'s counters every 100 ms until `stop`.
fn start_sampler(
    sim: SimHandle,
    op: &'static str,
    key: &'static str,
    limiter: Option<AdaptiveLimiter>,
    t0: Instant,
    stop: Arc<AtomicBool>,
) -> (Samples, tokio::task::JoinHandle<()>) {
    let samples: Samples = Arc::default();
    let out = samples.clone();
    let task = tokio::spawn(async move {
        let mut tick = tokio::time::interval(SAMPLE_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        while !stop.load(Ordering::Relaxed) {
            tick.tick().await;
            let (received, throttled) = counts(&sim, op);
            let limiter_rate = limiter.as_ref().and_then(|l| l.rate(key)).unwrap_or(0.0);
            out.lock().unwrap().push(Sample {
                t: t0.elapsed().as_secs_f64(),
                received,
                throttled,
                limiter_rate,
            });
        }
    });
    (samples, task)
}

/// The send rate over the `window` seconds ending at sample `i` (`None` before a whole window
/// has been sampled); `accepted` counts only the requests not throttled.
fn rate(samples: &[Sample], i: usize, window: f64, accepted: bool) -> Option<f64> {
    let end = samples[i];
    let start = samples[..i]
        .iter()
        .rev()
        .find(|s| s.t <= end.t - window + 0.02)?;
    let value = |s: &Sample| {
        if accepted {
            s.received - s.throttled
        } else {
            s.received
        }
    };
    Some((value(&end) - value(start)) as f64 / (end.t - start.t))
}

fn trace(samples: &[Sample]) {
    let mut next = 1.0;
    for (i, s) in samples.iter().enumerate() {
        if s.t + 0.05 >= next {
            next += 1.0;
            let r = |w, a| rate(samples, i, w, a).map_or("-".into(), |r| format!("{r:.1}"));
            eprintln!(
                "t={:.1} sent_1s={} sent_5s={} accepted_1s={} limiter_rate={:.1}",
                s.t,
                r(1.0, false),
                r(5.0, false),
                r(1.0, true),
                s.limiter_rate
            );
        }
    }
}

// ---------------------------------------------------------------------------------------------
// rate-limit

async fn rate_limit(args: &Args, sim: &RunningSimulator) -> Result<String, String> {
    args.check_known(&[
        "--limiter",
        "--calls",
        "--tasks",
        "--limit",
        "--raised",
        "--raise-for",
    ])?;
    let on = args.switch("--limiter")?;
    let calls: u64 = args.number("--calls", 5_000)?;
    let tasks: usize = args.number("--tasks", 64)?;
    let limit: f64 = args.number("--limit", 50.0)?;
    let raised: f64 = args.number("--raised", 200.0)?;
    let raise_for: f64 = args.number("--raise-for", 40.0)?;
    let target = 150.0_f64.min(0.75 * raised);

    let handle = sim.handle().clone();
    handle
        .set_rate_limit(RateLimit::per_second(limit))
        .map_err(|e| e.to_string())?;
    let client = client(sim, |b| b.adaptive_rate_limit(on))?;

    let t0 = Instant::now();
    let stop_sampler = Arc::new(AtomicBool::new(false));
    let (samples, sampler) = start_sampler(
        handle.clone(),
        GET_PROJECT,
        PROJECT_KEY,
        client.rate_limiter().cloned(),
        t0,
        stop_sampler.clone(),
    );
    let next = Arc::new(AtomicU64::new(0));
    let stop = Arc::new(AtomicBool::new(false));
    // [phase 1 ok, phase 1 failed, phase 2 ok, phase 2 failed]
    let tally: Arc<[AtomicU64; 4]> = Arc::default();
    let first_error: Arc<Mutex<Option<String>>> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..tasks {
        let (client, next, stop, tally, first_error) = (
            client.clone(),
            next.clone(),
            stop.clone(),
            tally.clone(),
            first_error.clone(),
        );
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let result = client.get_project(PROJECT, &Default::default()).await;
                let phase = if i < calls { 0 } else { 2 };
                match result {
                    Ok(_) => tally[phase].fetch_add(1, Ordering::Relaxed),
                    Err(e) => {
                        first_error.lock().unwrap().get_or_insert(e.to_string());
                        tally[phase + 1].fetch_add(1, Ordering::Relaxed)
                    }
                };
            }
        }));
    }
    // Phase 1 lasts until the last of its calls has started.
    while next.load(Ordering::Relaxed) < calls {
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    let t_raise = t0.elapsed().as_secs_f64();
    let (received_1, throttled_1) = counts(&handle, GET_PROJECT);
    let limiter_rate_1 = client
        .rate_limiter()
        .and_then(|l| l.rate(PROJECT_KEY))
        .unwrap_or(0.0);
    handle
        .set_rate_limit(RateLimit::per_second(raised))
        .map_err(|e| e.to_string())?;

    // Phase 2: until the 5 s rate has reached the target, then 5 s more, or `raise_for`.
    let mut reached_5s: Option<f64> = None;
    loop {
        tokio::time::sleep(SAMPLE_EVERY).await;
        let now = t0.elapsed().as_secs_f64();
        if reached_5s.is_none() {
            let s = samples.lock().unwrap();
            if let Some(last) = s.len().checked_sub(1)
                && s[last].t > t_raise
                && rate(&s, last, 5.0, false).is_some_and(|r| r >= target)
            {
                reached_5s = Some(s[last].t);
            }
        }
        if now - t_raise >= raise_for || reached_5s.is_some_and(|t| now >= t + 5.0) {
            break;
        }
    }
    let t_end = t0.elapsed().as_secs_f64();
    let (received_2, throttled_2) = counts(&handle, GET_PROJECT);
    let limiter_rate_2 = client
        .rate_limiter()
        .and_then(|l| l.rate(PROJECT_KEY))
        .unwrap_or(0.0);
    stop.store(true, Ordering::Relaxed);
    for w in workers {
        w.await.map_err(|e| format!("a worker panicked: {e}"))?;
    }
    stop_sampler.store(true, Ordering::Relaxed);
    sampler.await.map_err(|e| e.to_string())?;
    let samples = samples.lock().unwrap().clone();
    if args.trace {
        trace(&samples);
    }

    // Phase 1 figures: samples up to the raise.
    let last_1 = samples.iter().rposition(|s| s.t <= t_raise).unwrap_or(0);
    let within = |r: f64| (0.8 * limit..=1.1 * limit).contains(&r);
    let settle = {
        let outside = (0..=last_1)
            .rev()
            .find(|&i| rate(&samples, i, 5.0, false).is_none_or(|r| !within(r)));
        match outside {
            None => samples.first().map(|s| s.t),
            Some(i) if i == last_1 => None,
            Some(i) => Some(samples[i + 1].t),
        }
    };
    let from = 10.0_f64.min(t_raise / 2.0);
    let first = samples.iter().position(|s| s.t >= from).unwrap_or(0);
    let steady = (samples[last_1].received - samples[first].received) as f64
        / (samples[last_1].t - samples[first].t).max(1e-9);
    let steady_accepted = ((samples[last_1].received - samples[last_1].throttled)
        - (samples[first].received - samples[first].throttled)) as f64
        / (samples[last_1].t - samples[first].t).max(1e-9);
    let rates5: Vec<f64> = (first..=last_1)
        .filter_map(|i| rate(&samples, i, 5.0, false))
        .collect();
    let rate5_min = rates5.iter().copied().fold(f64::INFINITY, f64::min);
    let rate5_max = rates5.iter().copied().fold(0.0, f64::max);

    // The limiter's first rate after its first throttle (0: never on).
    let first_rate = samples
        .iter()
        .find(|s| s.limiter_rate > 0.0)
        .map_or(0.0, |s| s.limiter_rate);
    let first_rate_at = samples.iter().find(|s| s.limiter_rate > 0.0).map(|s| s.t);

    // Phase 2 figures.
    let reached = |window: f64, accepted: bool| {
        (last_1 + 1..samples.len())
            .find(|&i| rate(&samples, i, window, accepted).is_some_and(|r| r >= target))
            .map(|i| samples[i].t - t_raise)
    };
    let last_2 = samples.iter().rposition(|s| s.t <= t_end).unwrap_or(0);
    let raise_steady = rate(&samples, last_2, 5.0, false).unwrap_or(0.0);
    let raise_steady_accepted = rate(&samples, last_2, 5.0, true).unwrap_or(0.0);
    let phase2_received = received_2 - received_1;
    let tally: Vec<u64> = tally.iter().map(|a| a.load(Ordering::Relaxed)).collect();
    let pct = |part: u64, whole: u64| 100.0 * part as f64 / whole.max(1) as f64;
    let limiter = client.rate_limiter();
    Ok(format!(
        "mode=rate-limit limiter={} calls={calls} tasks={tasks} limit={limit} ok={} failed={} requests={received_1} throttled={throttled_1} throttled_pct={:.2} seconds={t_raise:.1} calls_per_s={:.1} settle_s={} steady_rate={steady:.1} steady_accepted={steady_accepted:.1} rate5_min={rate5_min:.1} rate5_max={rate5_max:.1} first_limiter_rate={first_rate:.1} first_limiter_rate_at_s={} limiter_rate={limiter_rate_1:.1} raised={raised} target={target} to_target_1s_s={} to_target_5s_s={} accepted_to_target_1s_s={} raise_seconds={:.1} raise_ok={} raise_failed={} raise_requests={phase2_received} raise_throttled_pct={:.2} raise_rate5={raise_steady:.1} raise_accepted5={raise_steady_accepted:.1} raise_limiter_rate={limiter_rate_2:.1} limiter_throttles={} sends_delayed={} first_error={}",
        if on { "on" } else { "off" },
        tally[0],
        tally[1],
        pct(throttled_1, received_1),
        calls as f64 / t_raise,
        secs(settle),
        first_rate_at.map_or("never".into(), |t| format!("{t:.2}")),
        secs(reached(1.0, false)),
        secs(reached(5.0, false)),
        secs(reached(1.0, true)),
        t_end - t_raise,
        tally[2],
        tally[3],
        pct(throttled_2 - throttled_1, phase2_received),
        limiter.map_or(0, |l| l.throttles()),
        limiter.map_or(0, |l| l.sends_delayed()),
        first_error
            .lock()
            .unwrap()
            .clone()
            .unwrap_or_default()
            .chars()
            .take(40)
            .map(|c| if c.is_whitespace() { '_' } else { c })
            .collect::<String>(),
    ))
}

// ---------------------------------------------------------------------------------------------
// partitions

/// Calls `getRepository` from `tasks` tasks for `seconds`; the sorted latencies (µs) of all
/// the calls, of those that started in the second half, and the failures.
async fn repository_load(
    client: &HarborClient,
    tasks: usize,
    seconds: f64,
) -> Result<(Vec<u32>, Vec<u32>, u64), String> {
    let started = Instant::now();
    let end = started + Duration::from_secs_f64(seconds);
    let steady_from = started + Duration::from_secs_f64(seconds / 2.0);
    let mut workers = Vec::new();
    for _ in 0..tasks {
        let client = client.clone();
        workers.push(tokio::spawn(async move {
            let (mut all, mut late, mut failed) = (Vec::new(), Vec::new(), 0_u64);
            while Instant::now() < end {
                let t = Instant::now();
                let ok = client.get_repository(PROJECT, "nginx").await.is_ok();
                let latency = us(t.elapsed());
                all.push(latency);
                if t >= steady_from {
                    late.push(latency);
                }
                failed += u64::from(!ok);
            }
            (all, late, failed)
        }));
    }
    let (mut all, mut late, mut failed) = (Vec::new(), Vec::new(), 0);
    for w in workers {
        let (a, l, f) = w.await.map_err(|e| e.to_string())?;
        all.extend(a);
        late.extend(l);
        failed += f;
    }
    all.sort_unstable();
    late.sort_unstable();
    Ok((all, late, failed))
}

async fn partitions(args: &Args, sim: &RunningSimulator) -> Result<String, String> {
    args.check_known(&[
        "--limiter",
        "--seconds",
        "--neighbours",
        "--others",
        "--limit",
        "--latency-ms",
        "--jitter-ms",
    ])?;
    let mode = args.text("--limiter", "per-op");
    let seconds: f64 = args.number("--seconds", 15.0)?;
    let neighbours: usize = args.number("--neighbours", 32)?;
    let others: usize = args.number("--others", 4)?;
    let limit: f64 = args.number("--limit", 50.0)?;
    let latency = Latency::fixed(Duration::from_millis(args.number("--latency-ms", 5)?))
        .jitter(Duration::from_millis(args.number("--jitter-ms", 2)?))
        .seed(7);
    let limiter = match mode.as_str() {
        "per-op" => Some(
            AdaptiveLimiter::builder()
                .partition(Partition::PerTarget)
                .build()
                .map_err(|e| e.to_string())?,
        ),
        "global" => Some(default_rate_limiter()),
        "none" => None,
        other => return Err(format!("--limiter: per-op, global or none, got {other:?}")),
    };
    let handle = sim.handle().clone();
    handle.set_latency(latency);
    handle
        .set_rate_limit(RateLimit::per_second(limit).operation(GET_PROJECT))
        .map_err(|e| e.to_string())?;
    let client = client(sim, |b| b.rate_limiter(limiter))?;

    // Warm-up: the pool's connections open.
    repository_load(&client, others, 1.0).await?;
    // Phase A: getRepository alone.
    let (alone, alone_late, alone_failed) = repository_load(&client, others, seconds).await?;
    // Phase B: the same beside getProject, throttled by the simulator.
    handle.reset_counters();
    let stop = Arc::new(AtomicBool::new(false));
    let tally: Arc<[AtomicU64; 2]> = Arc::default();
    let mut workers = Vec::new();
    for _ in 0..neighbours {
        let (client, stop, tally) = (client.clone(), stop.clone(), tally.clone());
        workers.push(tokio::spawn(async move {
            while !stop.load(Ordering::Relaxed) {
                let ok = client
                    .get_project(PROJECT, &Default::default())
                    .await
                    .is_ok();
                tally[usize::from(!ok)].fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    let (beside, beside_late, beside_failed) = repository_load(&client, others, seconds).await?;
    stop.store(true, Ordering::Relaxed);
    let limiter = client.rate_limiter();
    let (rate_project, rate_repository) = (
        limiter.and_then(|l| l.rate(PROJECT_KEY)),
        limiter.and_then(|l| l.rate(REPOSITORY_KEY)),
    );
    for w in workers {
        w.await.map_err(|e| e.to_string())?;
    }
    let (received, throttled) = counts(&handle, GET_PROJECT);
    let p = |v: &[u32], q: f64| ms(percentile(v, q));
    let rate_text = |r: Option<f64>| r.map_or("off".into(), |r| format!("{r:.1}"));
    Ok(format!(
        "mode=partitions limiter={mode} seconds={seconds} others={others} neighbours={neighbours} limit={limit} service_ms={}+0..{} alone_calls={} alone_failed={alone_failed} alone_p50_ms={:.3} alone_p99_ms={:.3} beside_calls={} beside_failed={beside_failed} beside_p50_ms={:.3} beside_p99_ms={:.3} p50_ratio={:.3} late_alone_p50_ms={:.3} late_beside_p50_ms={:.3} late_p50_ratio={:.3} neighbour_ok={} neighbour_failed={} neighbour_requests={received} neighbour_throttled_pct={:.2} limiter_rate_getProject={} limiter_rate_getRepository={}",
        latency.millis,
        latency.jitter_millis,
        alone.len(),
        p(&alone, 50.0),
        p(&alone, 99.0),
        beside.len(),
        p(&beside, 50.0),
        p(&beside, 99.0),
        p(&beside, 50.0) / p(&alone, 50.0),
        p(&alone_late, 50.0),
        p(&beside_late, 50.0),
        p(&beside_late, 50.0) / p(&alone_late, 50.0),
        tally[0].load(Ordering::Relaxed),
        tally[1].load(Ordering::Relaxed),
        100.0 * throttled as f64 / received.max(1) as f64,
        rate_text(rate_project),
        rate_text(rate_repository),
    ))
}

// ---------------------------------------------------------------------------------------------
// outage

/// How a `getProject` call ended.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Outcome {
    Ok,
    /// Refused by the breaker, nothing sent.
    Refused,
    Failed,
}

#[derive(Debug, Clone, Copy)]
struct Call {
    /// Seconds since the start, when the call started.
    start: f64,
    /// Its latency (µs).
    latency: u32,
    outcome: Outcome,
}

/// One poll of the breaker that saw something change.
#[derive(Debug, Clone, Copy)]
struct Change {
    t: f64,
    state: BreakerState,
    times_opened: u64,
    received: u64,
}

/// Calls `getProject` from `tasks` tasks until `end`, each sleeping `pace` after each call.
fn spawn_callers(
    client: &HarborClient,
    tasks: usize,
    pace: Duration,
    t0: Instant,
    end: Instant,
) -> Vec<tokio::task::JoinHandle<Vec<Call>>> {
    (0..tasks)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move {
                let mut calls = Vec::new();
                while Instant::now() < end {
                    let started = Instant::now();
                    let result = client.get_project(PROJECT, &Default::default()).await;
                    calls.push(Call {
                        start: started.duration_since(t0).as_secs_f64(),
                        latency: us(started.elapsed()),
                        outcome: match result {
                            Ok(_) => Outcome::Ok,
                            Err(Error::CircuitOpen(_)) => Outcome::Refused,
                            Err(_) => Outcome::Failed,
                        },
                    });
                    tokio::time::sleep(pace).await;
                }
                calls
            })
        })
        .collect()
}

async fn collect(workers: Vec<tokio::task::JoinHandle<Vec<Call>>>) -> Result<Vec<Call>, String> {
    let mut calls = Vec::new();
    for w in workers {
        calls.extend(w.await.map_err(|e| e.to_string())?);
    }
    calls.sort_by(|a, b| a.start.total_cmp(&b.start));
    Ok(calls)
}

/// A healthy history first (the breaker's window, 20 outcomes, full of successes, as a client
/// that was working when the outage began has), then every `getProject` answers 503 from the
/// instant returned.
async fn start_outage(client: &HarborClient, handle: &SimHandle) -> Result<Instant, String> {
    for _ in 0..WARM_UP_CALLS {
        client
            .get_project(PROJECT, &Default::default())
            .await
            .map_err(|e| e.to_string())?;
    }
    handle.reset_counters();
    handle
        .inject(
            FaultRule::new(Fault::status(503))
                .operation(GET_PROJECT)
                .always(),
        )
        .map_err(|e| e.to_string())?;
    Ok(Instant::now())
}

async fn outage(args: &Args, sim: &RunningSimulator) -> Result<String, String> {
    args.check_known(&["--breaker", "--tasks", "--clear-at", "--until", "--pace-ms"])?;
    let on = args.switch("--breaker")?;
    let tasks: usize = args.number("--tasks", 8)?;
    let clear_at: f64 = args.number("--clear-at", 25.0)?;
    let until: f64 = args.number("--until", 37.0)?;
    let pace = Duration::from_millis(args.number("--pace-ms", 10)?);
    let handle = sim.handle().clone();
    let client = client(sim, |b| b.circuit_breaker(on.then(default_circuit_breaker)))?;
    let t0 = start_outage(&client, &handle).await?;
    let end = t0 + Duration::from_secs_f64(until);

    // The breaker's monitor: a thread polling every 1 ms.
    let stop = Arc::new(AtomicBool::new(false));
    let monitor = {
        let (breaker, handle, stop) = (
            client.circuit_breaker().cloned(),
            handle.clone(),
            stop.clone(),
        );
        std::thread::spawn(move || {
            let mut changes: Vec<Change> = Vec::new();
            let mut received_at_clear_poll = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let (received, _) = counts(&handle, GET_PROJECT);
                let t = t0.elapsed().as_secs_f64();
                received_at_clear_poll.push((t, received));
                if let Some(b) = &breaker {
                    let (state, times_opened) = (b.state(PROJECT_KEY), b.times_opened());
                    if changes
                        .last()
                        .is_none_or(|c| c.state != state || c.times_opened != times_opened)
                    {
                        changes.push(Change {
                            t,
                            state,
                            times_opened,
                            received,
                        });
                    }
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            (changes, received_at_clear_poll)
        })
    };
    let callers = spawn_callers(&client, tasks, pace, t0, end);
    // Another operation, every 10 ms: (start, ok).
    let other = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while Instant::now() < end {
                let started = t0.elapsed().as_secs_f64();
                let ok = client.get_repository(PROJECT, "nginx").await.is_ok();
                seen.push((started, ok));
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
            seen
        })
    };
    tokio::time::sleep_until((t0 + Duration::from_secs_f64(clear_at)).into()).await;
    let received_at_clear = counts(&handle, GET_PROJECT).0;
    handle.clear_faults();
    let cleared = t0.elapsed().as_secs_f64();
    let calls = collect(callers).await?;
    let other = other.await.map_err(|e| e.to_string())?;
    stop.store(true, Ordering::Relaxed);
    let (changes, polls) = monitor.join().map_err(|_| "the monitor panicked")?;
    let (received_total, _) = counts(&handle, GET_PROJECT);
    if args.trace {
        for c in &changes {
            eprintln!(
                "t={:.4} state={} times_opened={} received={}",
                c.t,
                c.state.as_str(),
                c.times_opened,
                c.received
            );
        }
        let mut last = 0;
        for (t, r) in &polls {
            if *r != last {
                eprintln!("t={t:.4} received={r}");
                last = *r;
            }
        }
    }

    let received_by = |t: f64| {
        polls
            .iter()
            .rev()
            .find(|(pt, _)| *pt <= t)
            .map_or(0, |(_, r)| *r)
    };
    let before_clear: Vec<&Call> = calls.iter().filter(|c| c.start < cleared).collect();
    let latencies = |keep: &dyn Fn(&Call) -> bool| {
        let mut v: Vec<u32> = calls
            .iter()
            .filter(|c| keep(c))
            .map(|c| c.latency)
            .collect();
        v.sort_unstable();
        v
    };
    let refused = latencies(&|c| c.outcome == Outcome::Refused);
    // The calls started during the outage that were not refused (they sent something).
    let sent_in_outage = latencies(&|c| c.outcome != Outcome::Refused && c.start < cleared);
    let first_ok_after_clear = calls
        .iter()
        .filter(|c| c.outcome == Outcome::Ok && c.start >= cleared)
        .map(|c| c.start + f64::from(c.latency) / 1e6 - cleared)
        .reduce(f64::min);
    let requests_1s_to_clear = received_at_clear - received_by(1.0);

    let mut line = format!(
        "mode=outage breaker={} tasks={tasks} pace_ms={} cleared_at={cleared:.1} until={until} calls={} calls_before_clear={} ok={} failed={} refused={} requests={received_total} requests_before_clear={received_at_clear} requests_1s_to_clear={requests_1s_to_clear} sent_calls_before_clear={} sent_call_p50_ms={:.3} sent_call_p99_ms={:.3} refused_p50_us={} refused_p99_us={} refused_max_us={} first_ok_after_clear_s={}",
        if on { "on" } else { "off" },
        pace.as_millis(),
        calls.len(),
        before_clear.len(),
        calls.iter().filter(|c| c.outcome == Outcome::Ok).count(),
        calls
            .iter()
            .filter(|c| c.outcome == Outcome::Failed)
            .count(),
        refused.len(),
        sent_in_outage.len(),
        ms(percentile(&sent_in_outage, 50.0)),
        ms(percentile(&sent_in_outage, 99.0)),
        percentile(&refused, 50.0),
        percentile(&refused, 99.0),
        refused.last().copied().unwrap_or(0),
        secs(first_ok_after_clear),
    );
    // Another operation's calls while getProject failed (before the clear).
    let other_in = other.iter().filter(|(t, _)| *t < cleared);
    let (mut other_ok, mut other_failed) = (0, 0);
    for (_, ok) in other_in {
        if *ok {
            other_ok += 1;
        } else {
            other_failed += 1;
        }
    }
    line.push_str(&format!(
        " other_ok_before_clear={other_ok} other_failed_before_clear={other_failed}"
    ));

    if let Some(breaker) = client.circuit_breaker() {
        let opened = changes.iter().find(|c| c.state == BreakerState::Open);
        let open_at = opened.map(|c| c.t);
        let calls_until_open = open_at.map_or(0, |t| calls.iter().filter(|c| c.start < t).count());
        // Requests per open window: from each opening to the next opening (or the close).
        let mut windows = Vec::new();
        let openings: Vec<&Change> = changes
            .iter()
            .filter(|c| c.state == BreakerState::Open)
            .fold(Vec::new(), |mut v: Vec<&Change>, c| {
                if v.last().is_none_or(|l| l.times_opened != c.times_opened) {
                    v.push(c);
                }
                v
            });
        let closed_after = |t: f64| {
            changes
                .iter()
                .find(|c| c.t > t && c.state == BreakerState::Closed)
        };
        for (k, o) in openings.iter().enumerate() {
            let end = openings
                .get(k + 1)
                .map(|n| n.received)
                .or_else(|| closed_after(o.t).map(|c| c.received));
            if let Some(end) = end {
                windows.push(end - o.received);
            }
        }
        let closed = open_at.and_then(closed_after);
        let other_while_open = |want: bool| {
            other
                .iter()
                .filter(|(t, ok)| {
                    *ok == want
                        && open_at.is_some_and(|o| *t >= o)
                        && closed.is_none_or(|c| *t < c.t)
                })
                .count()
        };
        let gaps: Vec<String> = openings
            .windows(2)
            .map(|w| format!("{:.2}", w[1].t - w[0].t))
            .collect();
        line.push_str(&format!(
            " open_at_s={} calls_until_open={calls_until_open} requests_until_open={} times_opened={} attempts_refused={} requests_per_window={} reopen_gaps_s={} close_after_clear_s={} other_ok_while_open={} other_failed_while_open={} state_end={}",
            secs(open_at),
            opened.map_or(0, |c| c.received),
            breaker.times_opened(),
            breaker.attempts_refused(),
            windows
                .iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(","),
            if gaps.is_empty() { "-".into() } else { gaps.join(",") },
            secs(closed.filter(|c| c.t >= cleared).map(|c| c.t - cleared)),
            other_while_open(true),
            other_while_open(false),
            breaker.state(PROJECT_KEY).as_str(),
        ));
    }
    Ok(line)
}

// ---------------------------------------------------------------------------------------------
// recovery

async fn recovery(args: &Args, sim: &RunningSimulator) -> Result<String, String> {
    args.check_known(&[
        "--breaker",
        "--tasks",
        "--outage-s",
        "--healthy-s",
        "--pace-ms",
    ])?;
    let on = args.switch("--breaker")?;
    let tasks: usize = args.number("--tasks", 8)?;
    let outage_s: f64 = args.number("--outage-s", 30.0)?;
    let healthy_s: f64 = args.number("--healthy-s", 30.0)?;
    let pace = Duration::from_millis(args.number("--pace-ms", 100)?);
    let handle = sim.handle().clone();
    let client = client(sim, |b| b.circuit_breaker(on.then(default_circuit_breaker)))?;
    let t0 = start_outage(&client, &handle).await?;
    let end = t0 + Duration::from_secs_f64(outage_s + healthy_s);
    let callers = spawn_callers(&client, tasks, pace, t0, end);
    tokio::time::sleep_until((t0 + Duration::from_secs_f64(outage_s)).into()).await;
    let received_outage = counts(&handle, GET_PROJECT).0;
    handle.clear_faults();
    let cleared = t0.elapsed().as_secs_f64();
    let calls = collect(callers).await?;
    let seconds = t0.elapsed().as_secs_f64();
    let received = counts(&handle, GET_PROJECT).0;
    let calls_outage = calls.iter().filter(|c| c.start < cleared).count();
    let count = |o: Outcome| calls.iter().filter(|c| c.outcome == o).count();
    let first_ok = calls
        .iter()
        .filter(|c| c.outcome == Outcome::Ok)
        .map(|c| c.start + f64::from(c.latency) / 1e6 - cleared)
        .reduce(f64::min);
    let slowest = calls.iter().map(|c| c.latency).max().unwrap_or(0);
    Ok(format!(
        "mode=recovery breaker={} tasks={tasks} pace_ms={} outage_s={outage_s} healthy_s={healthy_s} seconds={seconds:.1} calls={} ok={} failed={} refused={} requests={received} per_call={:.3} calls_outage={calls_outage} requests_outage={received_outage} per_call_outage={:.3} calls_healthy={} requests_healthy={} first_ok_after_clear_s={} slowest_call_s={:.1} budget_end={:.1} times_opened={}",
        if on { "on" } else { "off" },
        pace.as_millis(),
        calls.len(),
        count(Outcome::Ok),
        count(Outcome::Failed),
        count(Outcome::Refused),
        received as f64 / calls.len().max(1) as f64,
        received_outage as f64 / calls_outage.max(1) as f64,
        calls.len() - calls_outage,
        received - received_outage,
        secs(first_ok),
        f64::from(slowest) / 1e6,
        client.retry_budget().map_or(0.0, |b| b.balance()),
        client.circuit_breaker().map_or(0, |b| b.times_opened()),
    ))
}
