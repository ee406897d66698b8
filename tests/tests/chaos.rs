//! Chaos suite: many concurrent tasks drive one shared `HarborClient` through a mix of project
//! operations against an in-process `harbor-sim` that injects seeded faults into 20% of the
//! requests (5xx, 429 with `Retry-After`, connection resets, answers slower than the client's
//! timeout, writes applied and then failed).
//!
//! Each task owns its projects (`chaos-tNN-pNNNN`) and keeps a model of what its results imply
//! about them; at the end the simulator's state must match every model, no create may have
//! reached the server twice, every call must end in success or a classified error within its
//! limits, and no task may panic or outlive the bound computed from the settings.
//!
//! This test runs on the real clock (the simulator is a real HTTP server on loopback), with
//! waits and timeouts of milliseconds; it asserts no timings, only generous upper bounds that
//! catch a hang. Size: `CHAOS_TASKS` (default 64) x `CHAOS_OPS` (default 500); `CHAOS_FAULT_RATE` (default 0.2).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::time::Duration;

use harbor_client::error::Transient;
use harbor_client::methods::GetProjectsParams;
use harbor_client::{Error, HarborClient, models};
use harbor_sim::{Fault, FaultRule, Simulator};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use retry_runtime::{RetrySettings, wait};

/// Per-attempt timeout of the client; delayed answers take longer than this.
const ATTEMPT_TIMEOUT: Duration = Duration::from_millis(250);
/// How long a delayed answer is held back by the simulator.
const DELAY: Duration = Duration::from_millis(600);
/// The client's cap on `Retry-After` (the simulator asks for whole seconds).
const RETRY_AFTER_CAP: Duration = Duration::from_millis(20);
const MAX_TRIES: u32 = 5;
const MAX_TIME: Duration = Duration::from_secs(2);
/// Statuses the fault plan answers with (besides what the operations answer themselves).
const FAULT_STATUSES: [u16; 4] = [429, 500, 502, 503];

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Figures shared by every task, updated from the retry hooks.
#[derive(Default)]
struct Figures {
    retries: AtomicU64,
    giveups: AtomicU64,
    /// The most attempts any call made (from the hooks).
    max_tries_seen: AtomicU32,
    operations: AtomicU64,
    successes: AtomicU64,
    classified_errors: AtomicU64,
    duplicates: AtomicU64,
    ambiguous_writes: AtomicU64,
}

tokio::task_local! {
    /// Set by the hooks when an attempt of the current call timed out: that request may still
    /// be applied by the server later, after the call has returned.
    static ATTEMPT_TIMED_OUT: Arc<AtomicBool>;
}

fn note_timeout(error: Option<&Error>) {
    if matches!(error, Some(Error::Timeout(_))) {
        let _ = ATTEMPT_TIMED_OUT.try_with(|flag| flag.store(true, Ordering::Relaxed));
    }
}

fn settings(figures: &Arc<Figures>) -> RetrySettings<Error> {
    let (on_backoff, on_giveup) = (figures.clone(), figures.clone());
    RetrySettings::builder()
        .exception::<Transient>()
        .max_tries(MAX_TRIES)
        .max_time(MAX_TIME)
        .wait_gen(wait::expo().factor(0.005).max_value(0.05))
        .logger(false)
        .on_backoff(move |d| {
            on_backoff.retries.fetch_add(1, Ordering::Relaxed);
            on_backoff
                .max_tries_seen
                .fetch_max(d.tries, Ordering::Relaxed);
            note_timeout(d.error());
        })
        .on_giveup(move |d| {
            on_giveup.giveups.fetch_add(1, Ordering::Relaxed);
            on_giveup
                .max_tries_seen
                .fetch_max(d.tries, Ordering::Relaxed);
            note_timeout(d.error());
        })
        .build()
        .expect("valid settings")
}

/// The longest one call may take: its time limit, the last attempt's timeout, the last
/// `Retry-After` and a generous allowance for a loaded 2-core machine.
fn call_bound() -> Duration {
    MAX_TIME + ATTEMPT_TIMEOUT + RETRY_AFTER_CAP + Duration::from_secs(10)
}

/// What a task knows about one of its projects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Known {
    Yes,
    No,
    /// A write's outcome is unknown (it may even land later).
    Unknown,
}

#[derive(Debug, Clone)]
struct Model {
    exists: Known,
    /// The `public` flag, when known.
    public: Option<bool>,
    /// The simulator applied this project's create (a result or a read proved it).
    created: bool,
}

/// Whether an error is one the chaos can legitimately produce.
fn classified(e: &Error) -> bool {
    match e {
        Error::Status(s) => FAULT_STATUSES.contains(&s.status()) || s.status() == 504,
        Error::Network(_) | Error::Timeout(_) => true,
        _ => false,
    }
}

struct Task {
    id: usize,
    client: HarborClient,
    figures: Arc<Figures>,
    rng: SmallRng,
    projects: BTreeMap<String, Model>,
    next: usize,
    problems: Vec<String>,
}

impl Task {
    fn prefix(&self) -> String {
        format!("chaos-t{:02}-", self.id)
    }

    /// Runs one call with the timeout guard and the per-call "attempt timed out" flag.
    async fn call<T>(
        &mut self,
        what: &str,
        bound: Duration,
        fut: impl Future<Output = Result<T, Error>>,
    ) -> Option<(Result<T, Error>, bool)> {
        self.figures.operations.fetch_add(1, Ordering::Relaxed);
        let flag = Arc::new(AtomicBool::new(false));
        match tokio::time::timeout(bound, ATTEMPT_TIMED_OUT.scope(flag.clone(), fut)).await {
            Ok(result) => {
                match &result {
                    Ok(_) => self.figures.successes.fetch_add(1, Ordering::Relaxed),
                    Err(_) => self
                        .figures
                        .classified_errors
                        .fetch_add(1, Ordering::Relaxed),
                };
                let timed_out =
                    flag.load(Ordering::Relaxed) || matches!(result, Err(Error::Timeout(_)));
                Some((result, timed_out))
            }
            Err(_) => {
                self.problems
                    .push(format!("{what} outlived its bound of {bound:?}"));
                None
            }
        }
    }

    fn unexpected(&mut self, what: &str, e: &Error) {
        self.problems.push(format!("{what}: unexpected error {e}"));
    }

    fn pick(&mut self, want: impl Fn(&Model) -> bool) -> Option<String> {
        let names: Vec<&String> = self
            .projects
            .iter()
            .filter(|(_, m)| want(m))
            .map(|(n, _)| n)
            .collect();
        if names.is_empty() {
            return None;
        }
        Some(names[self.rng.random_range(0..names.len())].clone())
    }

    async fn step(&mut self) {
        let roll = self.rng.random_range(0..100);
        match roll {
            // About as many deletes as creates: the simulator's lists scan every project, so
            // the state is kept from growing without bound.
            0..15 => self.create().await,
            15..40 => self.get().await,
            40..50 => self.exists().await,
            50..65 => self.update().await,
            65..80 => self.delete().await,
            80..90 => self.list_mine().await,
            _ => self.list_page().await,
        }
    }

    async fn create(&mut self) {
        let name = format!("{}p{:04}", self.prefix(), self.next);
        self.next += 1;
        let public = self.rng.random_bool(0.5);
        let req = models::ProjectReq {
            project_name: Some(name.clone()),
            public: Some(public),
            ..Default::default()
        };
        let client = self.client.clone();
        let Some((result, timed_out)) = self
            .call(
                "createProject",
                call_bound(),
                client.create_project(&req, &Default::default()),
            )
            .await
        else {
            return;
        };
        let model = match result {
            Ok(_created) => Model {
                exists: Known::Yes,
                public: Some(public),
                created: true,
            },
            Err(Error::Status(s)) if s.status() == 409 => {
                // Only this task uses the name: a conflict means an earlier attempt of this
                // very call was applied, i.e. a duplicated create.
                self.figures.duplicates.fetch_add(1, Ordering::Relaxed);
                self.problems.push(format!("create {name} duplicated: {s}"));
                Model {
                    exists: Known::Yes,
                    public: Some(public),
                    created: true,
                }
            }
            Err(e) if classified(&e) => {
                self.figures
                    .ambiguous_writes
                    .fetch_add(1, Ordering::Relaxed);
                let mut m = Model {
                    exists: Known::Unknown,
                    public: Some(public),
                    created: false,
                };
                // What a careful user does after an ambiguous create: look.
                if !timed_out {
                    self.projects.insert(name.clone(), m.clone());
                    self.resolve(&name).await;
                    return;
                }
                m.public = None;
                m
            }
            Err(e) => {
                self.unexpected("createProject", &e);
                Model {
                    exists: Known::Unknown,
                    public: None,
                    created: false,
                }
            }
        };
        self.projects.insert(name, model);
    }

    /// Reads a project whose create's outcome is unknown, to learn it.
    async fn resolve(&mut self, name: &str) {
        let client = self.client.clone();
        let Some((result, _)) = self
            .call(
                "getProject",
                call_bound(),
                client.get_project(name, &Default::default()),
            )
            .await
        else {
            return;
        };
        let Some(m) = self.projects.get_mut(name) else {
            return;
        };
        match result {
            Ok(_) => {
                m.exists = Known::Yes;
                m.created = true;
            }
            Err(Error::Status(s)) if s.status() == 404 => m.exists = Known::No,
            Err(e) if classified(&e) => {}
            Err(e) => self.unexpected("getProject", &e),
        }
    }

    async fn get(&mut self) {
        let Some(name) = self.pick(|_| true) else {
            return self.create().await;
        };
        let client = self.client.clone();
        let Some((result, _)) = self
            .call(
                "getProject",
                call_bound(),
                client.get_project(&name, &Default::default()),
            )
            .await
        else {
            return;
        };
        let m = self.projects[&name].clone();
        match (result, m.exists) {
            (Ok(p), Known::Yes) => {
                let public = p.metadata.and_then(|md| md.public).map(|v| v == "true");
                if m.public.is_some() && public != m.public {
                    self.problems.push(format!(
                        "{name}: public is {public:?}, the results imply {:?}",
                        m.public
                    ));
                }
            }
            (Ok(_), Known::Unknown) => self.mark(&name, Known::Yes),
            (Ok(_), Known::No) => self
                .problems
                .push(format!("{name} exists though its delete succeeded")),
            (Err(Error::Status(s)), Known::Yes) if s.status() == 404 => self
                .problems
                .push(format!("{name} is missing though its create succeeded")),
            (Err(Error::Status(s)), Known::Unknown) if s.status() == 404 => {
                self.mark(&name, Known::No)
            }
            (Err(Error::Status(s)), Known::No) if s.status() == 404 => {}
            (Err(e), _) if classified(&e) => {}
            (Err(e), _) => self.unexpected("getProject", &e),
        }
    }

    fn mark(&mut self, name: &str, exists: Known) {
        if let Some(m) = self.projects.get_mut(name) {
            m.exists = exists;
            if exists == Known::Yes {
                m.created = true;
            }
        }
    }

    async fn exists(&mut self) {
        let Some(name) = self.pick(|_| true) else {
            return self.create().await;
        };
        let client = self.client.clone();
        let Some((result, _)) = self
            .call("headProject", call_bound(), client.project_exists(&name))
            .await
        else {
            return;
        };
        let known = self.projects[&name].exists;
        match (result, known) {
            (Ok(true), Known::Yes) | (Ok(false), Known::No) => {}
            (Ok(found), Known::Unknown) => {
                self.mark(&name, if found { Known::Yes } else { Known::No })
            }
            (Ok(found), known) => self.problems.push(format!(
                "{name}: HEAD says exists={found}, the results imply {known:?}"
            )),
            (Err(e), _) if classified(&e) => {}
            (Err(e), _) => self.unexpected("headProject", &e),
        }
    }

    async fn update(&mut self) {
        let Some(name) = self.pick(|m| m.exists == Known::Yes) else {
            return self.create().await;
        };
        let public = self.rng.random_bool(0.5);
        let req = models::ProjectReq {
            metadata: Some(models::ProjectMetadata {
                public: Some(public.to_string()),
                ..Default::default()
            }),
            ..Default::default()
        };
        let client = self.client.clone();
        let Some((result, timed_out)) = self
            .call(
                "updateProject",
                call_bound(),
                client.update_project(&name, &req, &Default::default()),
            )
            .await
        else {
            return;
        };
        let m = self.projects.get_mut(&name).expect("picked from the model");
        match result {
            // A timed-out attempt may still land later and overwrite a newer value.
            Ok(()) if timed_out => m.public = None,
            Ok(()) => m.public = Some(public),
            Err(e) if classified(&e) => {
                self.figures
                    .ambiguous_writes
                    .fetch_add(1, Ordering::Relaxed);
                m.public = None;
            }
            Err(e) => self.unexpected("updateProject", &e),
        }
    }

    async fn delete(&mut self) {
        let Some(name) = self.pick(|m| m.exists == Known::Yes) else {
            return self.create().await;
        };
        let client = self.client.clone();
        let Some((result, _)) = self
            .call(
                "deleteProject",
                call_bound(),
                client.delete_project(&name, &Default::default()),
            )
            .await
        else {
            return;
        };
        match result {
            Ok(()) => self.mark(&name, Known::No),
            // An earlier attempt of this call was applied, then failed: a retry finds it gone.
            Err(Error::Status(s)) if s.status() == 404 => self.mark(&name, Known::No),
            Err(e) if classified(&e) => {
                self.figures
                    .ambiguous_writes
                    .fetch_add(1, Ordering::Relaxed);
                self.mark(&name, Known::Unknown);
            }
            Err(e) => self.unexpected("deleteProject", &e),
        }
    }

    /// Lists this task's projects (every page, retried page by page) and checks them.
    async fn list_mine(&mut self) {
        let params = GetProjectsParams {
            // `name` (a substring filter) keeps the simulator's work per list small.
            name: Some(self.prefix()),
            page_size: Some(self.rng.random_range(5..=100)),
            ..Default::default()
        };
        let pages = self.projects.len() as u32 / 5 + 2;
        let client = self.client.clone();
        let Some((result, _)) = self
            .call(
                "listProjects (all pages)",
                call_bound() * pages,
                client.get_projects_all(&params, None),
            )
            .await
        else {
            return;
        };
        match result {
            Ok(listed) => {
                let listed: BTreeMap<String, bool> = listed
                    .into_iter()
                    .filter_map(|p| p.name)
                    .map(|n| (n, true))
                    .collect();
                for (name, m) in &self.projects {
                    let seen = listed.contains_key(name);
                    if (m.exists == Known::Yes && !seen) || (m.exists == Known::No && seen) {
                        self.problems.push(format!(
                            "{name}: listed={seen}, the results imply {:?}",
                            m.exists
                        ));
                    }
                }
                if let Some(stranger) = listed.keys().find(|n| !self.projects.contains_key(*n)) {
                    self.problems
                        .push(format!("{stranger} is listed but was never created"));
                }
            }
            Err(e) if classified(&e) => {}
            Err(e) => self.unexpected("listProjects", &e),
        }
    }

    /// One page of this task's projects, with a random page size up to Harbor's maximum.
    async fn list_page(&mut self) {
        let params = GetProjectsParams {
            name: Some(self.prefix()),
            page: Some(self.rng.random_range(1..=3)),
            page_size: Some(self.rng.random_range(1..=100)),
            ..Default::default()
        };
        let client = self.client.clone();
        let Some((result, _)) = self
            .call("listProjects", call_bound(), client.get_projects(&params))
            .await
        else {
            return;
        };
        match result {
            Ok(page) => {
                if page.items.len() > params.page_size.unwrap_or(0) as usize {
                    self.problems.push(format!(
                        "a page of {} items for page_size {:?}",
                        page.items.len(),
                        params.page_size
                    ));
                }
            }
            Err(e) if classified(&e) => {}
            Err(e) => self.unexpected("listProjects", &e),
        }
    }
}

/// Installs `rate` (20% by default) of faults, in equal shares, each share a seeded rule over every operation.
/// Rules are checked in order and the first that fires wins, so rule k fires with
/// `share / (1 - k * share)` to give each kind `share` of all requests.
fn install_faults(sim: &harbor_sim::SimHandle, rate: f64) {
    let faults = [
        Fault::status(500),
        Fault::status(503),
        Fault::status_retry_after(429, 1),
        Fault::status_retry_at(503, 1),
        Fault::reset(),
        Fault::delay(DELAY),
        Fault::apply_then_fail(502),
    ];
    let share = rate / faults.len() as f64;
    for (k, fault) in faults.into_iter().enumerate() {
        let fraction = share / (1.0 - k as f64 * share);
        sim.inject(FaultRule::new(fault).fraction(fraction, 0xC4A05 + k as u64))
            .expect("a valid rule");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn chaos_many_tasks_mixed_operations_seeded_faults() {
    let tasks = env_usize("CHAOS_TASKS", 64);
    let ops = env_usize("CHAOS_OPS", 500);

    let sim = Simulator::builder()
        .start()
        .await
        .expect("simulator starts");
    let figures = Arc::new(Figures::default());
    let client = HarborClient::builder(sim.base_url())
        .basic_auth("admin", "Harbor12345")
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(ATTEMPT_TIMEOUT)
        .retry_after_cap(RETRY_AFTER_CAP)
        .retry(settings(&figures))
        .build()
        .expect("client builds");
    let rate = std::env::var("CHAOS_FAULT_RATE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(0.20);
    install_faults(sim.handle(), rate);

    // A whole task: every one of its calls within the per-call bound (lists take more).
    let task_bound = call_bound() * 40 * ops as u32;
    let mut handles = Vec::new();
    for id in 0..tasks {
        let mut task = Task {
            id,
            client: client.clone(),
            figures: figures.clone(),
            rng: SmallRng::seed_from_u64(id as u64),
            projects: BTreeMap::new(),
            next: 0,
            problems: Vec::new(),
        };
        handles.push(tokio::spawn(tokio::time::timeout(task_bound, async move {
            for _ in 0..ops {
                task.step().await;
            }
            task
        })));
    }
    let mut finished = Vec::new();
    let mut problems = Vec::new();
    for (id, handle) in handles.into_iter().enumerate() {
        match handle.await {
            Ok(Ok(task)) => finished.push(task),
            Ok(Err(_)) => problems.push(format!("task {id} outlived {task_bound:?}")),
            Err(e) if e.is_panic() => problems.push(format!("task {id} panicked: {e}")),
            Err(e) => problems.push(format!("task {id} failed: {e}")),
        }
    }

    // Requests whose client gave up on them (delayed answers) may still be running in the
    // simulator; let them land before reading the final state.
    sim.handle().clear_faults();
    tokio::time::sleep(DELAY + Duration::from_millis(200)).await;

    let state = sim.handle().state();
    let in_sim: BTreeMap<&str, &harbor_sim::state::projects::Project> = state
        .projects
        .values()
        .map(|p| (p.name.as_str(), p))
        .collect();
    let mut known_created = 0u64;
    for task in &mut finished {
        problems.append(&mut task.problems);
        for (name, m) in &task.projects {
            let found = in_sim.get(name.as_str());
            match (m.exists, found) {
                (Known::Yes, None) => problems.push(format!("{name}: missing at the end")),
                (Known::No, Some(_)) => problems.push(format!("{name}: present at the end")),
                _ => {}
            }
            if let (Some(public), Some(p)) = (m.public, found)
                && m.exists == Known::Yes
            {
                let actual = p.metadata.get("public").map(|v| v == "true");
                if actual != Some(public) {
                    problems.push(format!(
                        "{name}: public is {actual:?} at the end, the results imply {public}"
                    ));
                }
            }
            // Created as far as anyone can tell: a result or a read said so, or it is there.
            if m.created || found.is_some() {
                known_created += 1;
            }
        }
        let prefix = task.prefix();
        for name in in_sim.keys().filter(|n| n.starts_with(&prefix)) {
            if !task.projects.contains_key(*name) {
                problems.push(format!("{name} exists but was never created"));
            }
        }
    }
    // A project deleted after an ambiguous create that no read resolved is invisible here;
    // deletes only target projects known to exist, so every applied create is accounted for.
    let counts = sim.handle().counters();
    let applied_creates = counts.get("createProject").map_or(0, |c| c.writes_applied);
    let faults: u64 = counts.values().map(|c| c.faults).sum();
    let received: u64 = counts.values().map(|c| c.received).sum();
    if applied_creates != known_created {
        problems.push(format!(
            "the simulator applied {applied_creates} creates, the client's results account for {known_created}"
        ));
    }
    let max_tries_seen = figures.max_tries_seen.load(Ordering::Relaxed);
    if max_tries_seen > MAX_TRIES {
        problems.push(format!(
            "a call made {max_tries_seen} attempts, max_tries is {MAX_TRIES}"
        ));
    }

    let budget = client
        .retry_budget()
        .expect("the client's default budget is on");
    println!(
        "chaos: retry budget (the client's default, ratio {}): {} retries allowed, {} refused, balance {:.1}",
        budget.ratio(),
        budget.retries_allowed(),
        budget.retries_refused(),
        budget.balance(),
    );
    println!(
        "chaos: {tasks} tasks x {ops} steps: {} operations ({} ok, {} errors: expected 404s or classified faults, {} ambiguous writes), \
         {received} requests received, {faults} faults injected, {} retries, {} give-ups, \
         max tries {max_tries_seen}, {applied_creates} creates applied, {} duplicates",
        figures.operations.load(Ordering::Relaxed),
        figures.successes.load(Ordering::Relaxed),
        figures.classified_errors.load(Ordering::Relaxed),
        figures.ambiguous_writes.load(Ordering::Relaxed),
        figures.retries.load(Ordering::Relaxed),
        figures.giveups.load(Ordering::Relaxed),
        figures.duplicates.load(Ordering::Relaxed),
    );
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems
            .iter()
            .take(40)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n")
    );
    assert!(faults > 0 || rate == 0.0, "no fault was injected");
    assert_eq!(figures.duplicates.load(Ordering::Relaxed), 0);
}
