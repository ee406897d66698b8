//! Starting and stopping the simulator, and the handle tests use to look inside.

use std::collections::BTreeMap;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use axum::Router;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tower::ServiceExt as _;

use crate::counters::{Counters, OpCounts};
use crate::dispatch::{ResetConnection, dispatch};
use crate::errors::ApiResult;
use crate::faults::{FaultError, FaultPlan, FaultRule};
use crate::latency::{
    Latency, PageServiceTime, PageServiceTimeError, PageServiceTimes, ServiceTime,
};
use crate::rate_limit::{RateLimit, RateLimitError, RateLimiter};
use crate::recorder::{RecordedAnswer, Recorder};
use crate::router::RouteTable;
use crate::session::Sessions;
use crate::state::jobs::{DEFAULT_STATUS_REFRESH, StatusRefresh};
use crate::state::{JobKind, Lifecycle, SimState};

/// Everything the request path shares.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) routes: RouteTable,
    pub(crate) state: RwLock<SimState>,
    pub(crate) initial: SimState,
    pub(crate) faults: FaultPlan,
    pub(crate) limits: RateLimiter,
    pub(crate) latency: ServiceTime,
    pub(crate) initial_latency: Latency,
    /// Each list operation's time per item of a page.
    pub(crate) page_times: PageServiceTimes,
    pub(crate) initial_page_times: BTreeMap<&'static str, PageServiceTime>,
    pub(crate) counters: Counters,
    pub(crate) sessions: Sessions,
    /// Signs and checks the registry's bearer tokens.
    pub(crate) tokens: crate::registry::token::TokenService,
    pub(crate) recorder: Recorder,
    /// Whether refused writes are checked for changes Harbor's transaction would have rolled
    /// back ([`SimulatorBuilder::check_transactions`]).
    pub(crate) check_transactions: bool,
}

/// How to start a simulator.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// let sim = harbor_sim::Simulator::builder().seed_demo(true).start().await?;
/// assert!(sim.base_url().starts_with("http://127.0.0.1:"));
/// assert_eq!(sim.handle().state().projects.len(), 2);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct SimulatorBuilder {
    addr: SocketAddr,
    admin_user: String,
    admin_password: String,
    seed: bool,
    record_answers: bool,
    check_transactions: bool,
    latency: Latency,
    job_lifecycles: Vec<(JobKind, Lifecycle)>,
    status_refresh: Duration,
    page_times: Vec<(String, PageServiceTime)>,
}

impl Default for SimulatorBuilder {
    fn default() -> Self {
        Self {
            addr: SocketAddr::from(([127, 0, 0, 1], 0)),
            admin_user: "admin".into(),
            admin_password: "Harbor12345".into(),
            seed: false,
            record_answers: false,
            check_transactions: false,
            latency: Latency::default(),
            job_lifecycles: Vec::new(),
            status_refresh: DEFAULT_STATUS_REFRESH,
            page_times: Vec::new(),
        }
    }
}

impl SimulatorBuilder {
    /// The address to listen on; the default is an ephemeral loopback port.
    pub fn addr(mut self, addr: SocketAddr) -> Self {
        self.addr = addr;
        self
    }

    /// The admin's credentials (default `admin` / `Harbor12345`).
    pub fn admin(mut self, user: impl Into<String>, password: impl Into<String>) -> Self {
        self.admin_user = user.into();
        self.admin_password = password.into();
        self
    }

    /// Whether to start with the demo data ([`SimState::seed_demo`]).
    pub fn seed_demo(mut self, seed: bool) -> Self {
        self.seed = seed;
        self
    }

    /// Whether to keep a copy of every answer (off by default), for conformance checks that
    /// read them back with [`SimHandle::answers`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// let sim = harbor_sim::Simulator::builder().record_answers(true).start().await?;
    /// reqwest::get(format!("{}/ping", sim.api_url())).await.unwrap();
    /// let answers = sim.handle().answers();
    /// assert_eq!((answers[0].operation, answers[0].status), ("getPing", 200));
    /// # Ok(()) }
    /// ```
    pub fn record_answers(mut self, record: bool) -> Self {
        self.record_answers = record;
        self
    }

    /// Whether to check, for every write Harbor runs in one database transaction (every
    /// request but GET, HEAD, OPTIONS, blob uploads and the token service), that a refusal
    /// (400 or more) changed nothing: Harbor rolls such a request back, and the simulator's
    /// handlers check before they change instead. A refused write that changed a table is
    /// logged as a warning (target `harbor_sim::transaction`) and, with
    /// [`record_answers`](Self::record_answers), named in its
    /// [`RecordedAnswer::changed_when_refused`](crate::RecordedAnswer::changed_when_refused).
    /// Off by default: it hashes the state twice per write. The simulator's own tests turn
    /// it on.
    pub fn check_transactions(mut self, check: bool) -> Self {
        self.check_transactions = check;
        self
    }

    /// How long every API answer takes at least ([`Latency`]; none by default), as a real
    /// Harbor's requests do. Change it later with [`SimHandle::set_latency`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::{Duration, Instant};
    /// use harbor_sim::{Latency, Simulator};
    ///
    /// let sim = Simulator::builder()
    ///     .latency(Latency::fixed(Duration::from_millis(20)))
    ///     .start()
    ///     .await?;
    /// let started = Instant::now();
    /// reqwest::get(format!("{}/ping", sim.api_url())).await.unwrap();
    /// assert!(started.elapsed() >= Duration::from_millis(20));
    /// # Ok(()) }
    /// ```
    pub fn latency(mut self, latency: Latency) -> Self {
        self.latency = latency;
        self
    }

    /// How the jobs of `kind` live ([`Lifecycle`]; [`Lifecycle::default_for`] when not set):
    /// how long they stay queued, how long they run and how they end. Change it later with
    /// [`SimHandle::set_job_lifecycle`]; a [`SimHandle::reset`] puts it back to this one.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use harbor_sim::{JobKind, Lifecycle, Simulator};
    ///
    /// let gc = Lifecycle::new(Duration::from_secs(2), Duration::from_secs(30)).fails("disk full");
    /// let sim = Simulator::builder()
    ///     .job_lifecycle(JobKind::GarbageCollection, gc.clone())
    ///     .start()
    ///     .await?;
    /// assert_eq!(sim.handle().job_lifecycle(JobKind::GarbageCollection), gc);
    /// let http = reqwest::Client::new();
    /// let started = http
    ///     .post(format!("{}/system/gc/schedule", sim.api_url()))
    ///     .basic_auth("admin", Some("Harbor12345"))
    ///     .json(&serde_json::json!({"schedule": {"type": "Manual"}}))
    ///     .send()
    ///     .await?;
    /// let run = format!("{}{}", sim.base_url(), started.headers()["location"].to_str()?);
    /// let status = || async {
    ///     let run: serde_json::Value = http.get(&run).basic_auth("admin", Some("Harbor12345"))
    ///         .send().await.unwrap().json().await.unwrap();
    ///     run["job_status"].as_str().unwrap().to_owned()
    /// };
    /// // Harbor's execution is `Running` while its task is queued, and while it runs.
    /// assert_eq!(status().await, "Running");
    /// tokio::time::advance(Duration::from_secs(32)).await;
    /// // The task has failed; the run shows it at the next 30-second status refresh.
    /// assert_eq!(status().await, "Running");
    /// tokio::time::advance(Duration::from_secs(28)).await;
    /// assert_eq!(status().await, "Error");
    /// # Ok(()) }
    /// ```
    pub fn job_lifecycle(mut self, kind: JobKind, lifecycle: Lifecycle) -> Self {
        self.job_lifecycles.push((kind, lifecycle));
        self
    }

    /// How often an execution's status is refreshed from its tasks', Harbor's
    /// `EXECUTION_STATUS_REFRESH_INTERVAL_SECONDS`: every 30 seconds from the start by
    /// default, so a run reads `Running` for up to 30 seconds after its last task ended (a
    /// stop shows at once); `Duration::ZERO` refreshes at every task change, as Harbor
    /// configured with 0 does. Change it later with
    /// [`SimHandle::set_execution_status_refresh`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use harbor_sim::{JobKind, Lifecycle, Simulator};
    ///
    /// let sim = Simulator::builder()
    ///     .job_lifecycle(JobKind::GarbageCollection, Lifecycle::new(Duration::ZERO, Duration::from_secs(5)))
    ///     .execution_status_refresh(Duration::ZERO)
    ///     .start()
    ///     .await?;
    /// let http = reqwest::Client::new();
    /// http.post(format!("{}/system/gc/schedule", sim.api_url()))
    ///     .basic_auth("admin", Some("Harbor12345"))
    ///     .json(&serde_json::json!({"schedule": {"type": "Manual"}}))
    ///     .send()
    ///     .await?;
    /// tokio::time::advance(Duration::from_secs(5)).await;
    /// let runs: serde_json::Value = http.get(format!("{}/system/gc", sim.api_url()))
    ///     .basic_auth("admin", Some("Harbor12345"))
    ///     .send().await?.json().await?;
    /// // Without the periodic refresh the run reads its task's end at once.
    /// assert_eq!(runs[0]["job_status"], "Success");
    /// # Ok(()) }
    /// ```
    pub fn execution_status_refresh(mut self, interval: Duration) -> Self {
        self.status_refresh = interval;
        self
    }

    /// How long a page of the list `operation` takes per item of its `page_size`
    /// ([`PageServiceTime`]; none by default). [`start`](Self::start) refuses an operation
    /// that is not a list. Change it later with [`SimHandle::set_page_service_time`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> std::io::Result<()> {
    /// use std::time::Duration;
    /// use harbor_sim::{PageServiceTime, Simulator};
    ///
    /// let sim = Simulator::builder()
    ///     .page_service_time("listProjects", PageServiceTime::per_item(Duration::from_millis(2)))
    ///     .start()
    ///     .await?;
    /// let times = sim.handle().page_service_times();
    /// assert_eq!(times["listProjects"].millis_per_item, 2);
    /// assert!(Simulator::builder().page_service_time("getProject", times["listProjects"]).start().await.is_err());
    /// # Ok(()) }
    /// ```
    pub fn page_service_time(mut self, operation: &str, time: PageServiceTime) -> Self {
        self.page_times.push((operation.to_owned(), time));
        self
    }

    /// Binds the port and starts serving on the current tokio runtime.
    pub async fn start(self) -> std::io::Result<RunningSimulator> {
        let page_times = PageServiceTimes::default();
        for (operation, time) in &self.page_times {
            page_times
                .set(operation, *time)
                .map_err(std::io::Error::other)?;
        }
        let mut state = SimState::with_admin(&self.admin_user, &self.admin_password);
        if self.seed {
            state
                .seed_demo()
                .map_err(|e| std::io::Error::other(e.to_string()))?;
        }
        for (kind, lifecycle) in self.job_lifecycles {
            state.job_lifecycles.set(kind, lifecycle);
        }
        state.status_refresh = StatusRefresh::every(self.status_refresh);
        // The startup check of the operation table: a table that does not cover the spec is
        // a fault of the simulator's source, told here rather than met by a request.
        let ops =
            crate::operation_table::operations().map_err(|e| std::io::Error::other(e.clone()))?;
        crate::validate::warm_up();
        let shared = Arc::new(Shared {
            routes: RouteTable::new(ops),
            initial: state.clone(),
            state: RwLock::new(state),
            faults: FaultPlan::default(),
            limits: RateLimiter::default(),
            latency: ServiceTime::new(self.latency),
            initial_latency: self.latency,
            initial_page_times: page_times.all(),
            page_times,
            counters: Counters::new(ops.iter().map(|o| o.spec.id)),
            sessions: Sessions::default(),
            tokens: Default::default(),
            recorder: Recorder::new(self.record_answers),
            check_transactions: self.check_transactions,
        });
        let listener = TcpListener::bind(self.addr).await?;
        let addr = listener.local_addr()?;
        let router = Router::new()
            .nest("/_sim", crate::admin::router())
            .fallback(dispatch)
            .with_state(shared.clone());
        let (stop_tx, stop_rx) = watch::channel(false);
        tokio::spawn(accept_loop(listener, router, stop_rx));
        Ok(RunningSimulator {
            addr,
            handle: SimHandle { shared },
            stop: stop_tx,
        })
    }
}

/// The entry point: `Simulator::builder()...start().await`.
#[derive(Debug)]
pub struct Simulator;

impl Simulator {
    /// A builder with the defaults: ephemeral loopback port, admin / Harbor12345, no demo data
    /// (the state of a fresh Harbor: [`SimState::with_admin`](crate::SimState::with_admin)).
    pub fn builder() -> SimulatorBuilder {
        SimulatorBuilder::default()
    }

    /// Starts a simulator with the demo data on an ephemeral loopback port.
    pub async fn start() -> std::io::Result<RunningSimulator> {
        Self::builder().seed_demo(true).start().await
    }
}

/// The connection layer could not answer (the `Reset` fault): hyper closes the connection.
#[derive(Debug)]
struct ConnectionReset;

impl std::fmt::Display for ConnectionReset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("connection reset by fault injection")
    }
}

impl std::error::Error for ConnectionReset {}

async fn accept_loop(listener: TcpListener, router: Router, mut stop: watch::Receiver<bool>) {
    loop {
        let stream = tokio::select! {
            _ = stop.changed() => return,
            accepted = listener.accept() => match accepted {
                Ok((stream, _)) => stream,
                Err(e) => {
                    tracing::warn!(error = %e, "accept failed");
                    continue;
                }
            },
        };
        let _ = stream.set_nodelay(true);
        let router = router.clone();
        let mut stop = stop.clone();
        tokio::spawn(async move {
            let service = hyper::service::service_fn(move |req: Request<Incoming>| {
                let router = router.clone();
                async move {
                    let response = router
                        .oneshot(req.map(axum::body::Body::new))
                        .await
                        .unwrap_or_else(|e: Infallible| match e {});
                    if response.extensions().get::<ResetConnection>().is_some() {
                        Err(ConnectionReset)
                    } else {
                        Ok(response)
                    }
                }
            });
            let conn = hyper::server::conn::http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service);
            tokio::select! {
                _ = conn => {}
                _ = stop.changed() => {}
            }
        });
    }
}

/// A simulator serving in the background; dropping it stops it.
#[derive(Debug)]
pub struct RunningSimulator {
    addr: SocketAddr,
    handle: SimHandle,
    stop: watch::Sender<bool>,
}

impl RunningSimulator {
    /// `http://127.0.0.1:<port>`: give it to a client (which adds `/api/v2.0`).
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// `http://127.0.0.1:<port>/api/v2.0`.
    pub fn api_url(&self) -> String {
        format!("http://{}{}", self.addr, crate::router::API_BASE)
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The handle to inspect and steer the simulator.
    pub fn handle(&self) -> &SimHandle {
        &self.handle
    }

    /// Stops accepting and closes open connections.
    pub fn shutdown(self) {
        drop(self);
    }
}

impl Drop for RunningSimulator {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Looks inside a running simulator: state, counters, faults. Cheap to clone.
#[derive(Debug, Clone)]
pub struct SimHandle {
    shared: Arc<Shared>,
}

impl SimHandle {
    /// A copy of the whole state, its jobs brought to now ([`SimState::refresh_jobs`]).
    pub fn state(&self) -> SimState {
        self.with_state(|s| {
            s.refresh_jobs();
            s.clone()
        })
    }

    /// Runs `f` with the state locked for writing (to arrange a scenario).
    pub fn with_state<T>(&self, f: impl FnOnce(&mut SimState) -> T) -> T {
        f(&mut crate::state_guard::write(&self.shared.state))
    }

    /// What a `docker push` of `project/repository:tag` does; returns the new digest.
    pub fn push_image(&self, project: &str, repository: &str, tag: &str) -> ApiResult<String> {
        self.with_state(|s| {
            s.push(
                project,
                repository,
                Some(tag),
                &format!("{project}/{repository}:{tag}:{}", s.artifacts.len()),
            )
        })
    }

    /// What `docker buildx build --platform <platforms> --push` of `project/repository:tag`
    /// does: one untagged image per platform (`os/architecture[/variant]`), then the image
    /// index listing them, tagged. Returns the index's digest; 400 without a platform, for a
    /// malformed one or one named twice, 404 without such a project.
    ///
    /// As in Harbor, the index answers its children in `references`; artifact lists leave
    /// the untagged children out unless `q` has `base=*`; a child cannot be deleted while an
    /// index lists it (412), and deleting the index deletes it.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = harbor_sim::Simulator::start().await.unwrap();
    /// let digest = sim
    ///     .handle()
    ///     .push_image_index("library", "multi", "1.0", &["linux/amd64", "linux/arm64/v8"])
    ///     .unwrap();
    /// let state = sim.handle().state();
    /// let index = state.artifacts.values().find(|a| a.digest == digest).unwrap();
    /// let children = &index.index.as_ref().unwrap().references;
    /// assert_eq!(children[1].platform.to_string(), "linux/arm64/v8");
    /// assert!(state.artifacts[&children[1].child_id].tags.is_empty());
    /// # }
    /// ```
    pub fn push_image_index(
        &self,
        project: &str,
        repository: &str,
        tag: &str,
        platforms: &[&str],
    ) -> ApiResult<String> {
        self.with_state(|s| s.push_index(project, repository, Some(tag), platforms))
    }

    /// An image whose manifest has a layer annotated `io.goharbor.artifact.v1alpha1.icon`
    /// holding `icon`, given the layer's digest as its `icon`, so that `GET /icons/{digest}`
    /// answers the icon as Harbor does, a PNG thumbnail of at most 50x50. As in Harbor, the
    /// push is refused (400 `unsupported content type: <type>`) unless the icon is a GIF, PNG
    /// or JPEG. Returns the image's digest.
    ///
    /// A liberty of the simulator: Harbor reads that annotation only for an artifact of a type
    /// none of its processors claims (its default processor); pushed through the registry
    /// with an image config, the same manifest keeps the built-in image icon. A test of a
    /// push as Harbor sees it pushes its own manifest through `/v2/`, with a user-defined
    /// config media type.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = harbor_sim::Simulator::start().await.unwrap();
    /// let png = b"\x89PNG\r\n\x1a\n not a whole image, but sniffed as one";
    /// sim.handle().push_image_with_icon("library", "app", "v1", png).unwrap();
    /// let refused = sim.handle().push_image_with_icon("library", "app", "v2", b"GIF? no");
    /// assert_eq!(refused.unwrap_err().message, "unsupported content type: text/plain; charset=utf-8");
    /// # }
    /// ```
    pub fn push_image_with_icon(
        &self,
        project: &str,
        repository: &str,
        tag: &str,
        icon: &[u8],
    ) -> ApiResult<String> {
        self.with_state(|s| s.push_with_icon(project, repository, tag, icon))
    }

    /// Adds a legacy (v1) robot named `robot$<name>` to `project`, as an upgrade from
    /// Harbor before 2.2 leaves one (the API cannot create it): no secret, no permissions,
    /// not editable. Harbor refuses to update it (403 `editing of legacy robot is not
    /// allowed`), deletes it, and makes it editable once its secret is refreshed. Returns its
    /// id; 404 without such a project, 409 when the name is taken.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let sim = harbor_sim::Simulator::start().await.unwrap();
    /// let id = sim.handle().add_legacy_robot("library", "v1bot").unwrap();
    /// let robot = &sim.handle().state().robots[&id];
    /// assert_eq!((robot.name.as_str(), robot.editable), ("robot$v1bot", false));
    /// # }
    /// ```
    pub fn add_legacy_robot(&self, project: &str, name: &str) -> ApiResult<i64> {
        self.with_state(|s| s.add_legacy_robot(project, name))
    }

    /// Puts the state back to what it was at start, clears faults, rate limits and counters,
    /// and puts the latency and page service times back to the builder's.
    pub fn reset(&self) {
        *crate::state_guard::write(&self.shared.state) = self.shared.initial.clone();
        self.shared.faults.clear();
        self.shared.limits.clear_all();
        self.shared.latency.set(self.shared.initial_latency);
        self.shared
            .page_times
            .replace(&self.shared.initial_page_times);
        self.shared.counters.reset();
    }

    /// Installs a fault rule.
    pub fn inject(&self, rule: FaultRule) -> Result<(), FaultError> {
        if let Some(op) = &rule.operation
            && self.shared.counters.get(op).is_none()
        {
            return Err(FaultError::UnknownOperation(op.clone()));
        }
        self.shared.faults.install(rule)
    }

    /// Sets how long every API answer takes at least, from the next request on (a request
    /// already held back keeps its draw). See [`Latency`].
    pub fn set_latency(&self, latency: Latency) {
        self.shared.latency.set(latency);
    }

    /// The latency in effect.
    pub fn latency(&self) -> Latency {
        self.shared.latency.get()
    }

    /// Sets how long a page of the list `operation` takes per item of its `page_size`, from
    /// the next request on (a zero time removes it). See [`PageServiceTime`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use harbor_sim::{PageServiceTime, PageServiceTimeError, Simulator};
    ///
    /// let sim = Simulator::start().await?;
    /// let per_item = PageServiceTime::per_item(Duration::from_millis(50));
    /// sim.handle().set_page_service_time("listArtifacts", per_item)?;
    /// assert_eq!(
    ///     sim.handle().set_page_service_time("getProject", per_item),
    ///     Err(PageServiceTimeError::NotAList("getProject".into()))
    /// );
    /// assert!(sim.handle().clear_page_service_time("listArtifacts"));
    /// # Ok(()) }
    /// ```
    pub fn set_page_service_time(
        &self,
        operation: &str,
        time: PageServiceTime,
    ) -> Result<(), PageServiceTimeError> {
        self.shared.page_times.set(operation, time)
    }

    /// Removes the page service time of one list operation; whether it had one.
    pub fn clear_page_service_time(&self, operation: &str) -> bool {
        self.shared.page_times.clear(operation)
    }

    /// The page service times in effect, by operation id.
    pub fn page_service_times(&self) -> BTreeMap<String, PageServiceTime> {
        self.shared
            .page_times
            .all()
            .into_iter()
            .map(|(op, time)| (op.to_owned(), time))
            .collect()
    }

    /// Removes every fault rule.
    pub fn clear_faults(&self) {
        self.shared.faults.clear();
    }

    /// The rules still installed.
    pub fn faults(&self) -> Vec<FaultRule> {
        self.shared.faults.rules()
    }

    /// Sets the rate limit of `limit`'s scope (its operation, or every request), replacing
    /// the one already set there. A new limit starts with a full bucket; a changed one keeps
    /// the tokens it holds (capped at the new burst), so a raise takes effect smoothly: the
    /// bucket refills at the new rate from where it is. See [`RateLimit`].
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use harbor_sim::{RateLimit, Simulator};
    ///
    /// let sim = Simulator::start().await?;
    /// sim.handle().set_rate_limit(RateLimit::per_second(1.0).operation("getPing"))?;
    /// let ping = || reqwest::get(format!("{}/ping", sim.api_url()));
    /// assert_eq!(ping().await?.status(), 200);
    /// let refused = ping().await?;
    /// assert_eq!(refused.status(), 429);
    /// assert_eq!(refused.headers()["retry-after"], "1");
    /// assert_eq!(sim.handle().counts("getPing").unwrap().throttled, 1);
    /// # Ok(()) }
    /// ```
    pub fn set_rate_limit(&self, limit: RateLimit) -> Result<(), RateLimitError> {
        if let Some(op) = &limit.operation
            && self.shared.counters.get(op).is_none()
        {
            return Err(RateLimitError::UnknownOperation(op.clone()));
        }
        self.shared.limits.set(limit, tokio::time::Instant::now())
    }

    /// Removes the rate limit of one operation id, or the global one (`None`); whether there
    /// was one.
    pub fn clear_rate_limit(&self, operation: Option<&str>) -> bool {
        self.shared.limits.clear(operation)
    }

    /// Removes every rate limit.
    pub fn clear_rate_limits(&self) {
        self.shared.limits.clear_all();
    }

    /// The rate limits in effect: the global one first, then by operation id.
    pub fn rate_limits(&self) -> Vec<RateLimit> {
        self.shared.limits.limits()
    }

    /// The counters of one operation id (`None` for an unknown id).
    pub fn counts(&self, operation: &str) -> Option<OpCounts> {
        self.shared.counters.get(operation)
    }

    /// Every operation with a non-zero counter.
    pub fn counters(&self) -> BTreeMap<String, OpCounts> {
        self.shared.counters.snapshot()
    }

    /// Zeroes every counter.
    pub fn reset_counters(&self) {
        self.shared.counters.reset();
    }

    /// The answers recorded since the last call, oldest first, emptying the record; always
    /// empty unless [`SimulatorBuilder::record_answers`] turned recording on.
    pub fn answers(&self) -> Vec<RecordedAnswer> {
        self.shared.recorder.take()
    }

    /// The last answer recorded, left in the record (so [`answers`](Self::answers) still
    /// hands it over); `None` unless recording is on and something was answered.
    pub fn last_answer(&self) -> Option<RecordedAnswer> {
        self.shared.recorder.last()
    }

    /// Sets how the jobs of `kind` started from now on live (see [`Lifecycle`]), reseeding
    /// its spread; jobs already started keep their plans.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use harbor_sim::{JobKind, Lifecycle, Simulator};
    ///
    /// let sim = Simulator::start().await?;
    /// let stuck = Lifecycle::new(Duration::ZERO, Duration::from_secs(1)).stuck();
    /// sim.handle().set_job_lifecycle(JobKind::Replication, stuck.clone());
    /// assert_eq!(sim.handle().job_lifecycles()[&JobKind::Replication], stuck);
    /// # Ok(()) }
    /// ```
    pub fn set_job_lifecycle(&self, kind: JobKind, lifecycle: Lifecycle) {
        self.with_state(|s| s.job_lifecycles.set(kind, lifecycle));
    }

    /// Sets how often the statuses of executions started from now on are refreshed from
    /// their tasks' (see [`SimulatorBuilder::execution_status_refresh`]), counting from now.
    pub fn set_execution_status_refresh(&self, interval: Duration) {
        self.with_state(|s| s.status_refresh = StatusRefresh::every(interval));
    }

    /// The lifecycle of the jobs of `kind`.
    pub fn job_lifecycle(&self, kind: JobKind) -> Lifecycle {
        self.with_state(|s| s.job_lifecycles.get(kind))
    }

    /// Every kind's lifecycle.
    pub fn job_lifecycles(&self) -> BTreeMap<JobKind, Lifecycle> {
        self.with_state(|s| s.job_lifecycles.all())
    }

    /// Sets how the next job of `kind` lives (a second call queues one for the job after
    /// it); the kind's default is untouched. The job's spread is drawn from this
    /// lifecycle's own seed.
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread", start_paused = true)]
    /// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// use std::time::Duration;
    /// use harbor_sim::{JobKind, JobStatus, Lifecycle, Simulator};
    ///
    /// let sim = Simulator::start().await?;
    /// let flaky = Lifecycle::immediate().fails_then_succeeds("timeout", Duration::from_secs(60));
    /// sim.handle().set_next_job_lifecycle(JobKind::GarbageCollection, flaky);
    /// reqwest::Client::new()
    ///     .post(format!("{}/system/gc/schedule", sim.api_url()))
    ///     .basic_auth("admin", Some("Harbor12345"))
    ///     .json(&serde_json::json!({"schedule": {"type": "Manual"}}))
    ///     .send()
    ///     .await?;
    /// // The job's task (its execution follows at the next status refresh).
    /// let newest = |sim: &harbor_sim::RunningSimulator| {
    ///     sim.handle().state().executions.values().last().unwrap().tasks[0].status
    /// };
    /// assert_eq!(newest(&sim), JobStatus::Error);
    /// tokio::time::advance(Duration::from_secs(60)).await;
    /// assert_eq!(newest(&sim), JobStatus::Success);
    /// # Ok(()) }
    /// ```
    pub fn set_next_job_lifecycle(&self, kind: JobKind, lifecycle: Lifecycle) {
        self.with_state(|s| s.job_lifecycles.push_next(kind, lifecycle));
    }

    /// Replaces the life of the started job `id` of `kind` (an execution id; for
    /// [`JobKind::Replication`] a replication execution id), as if it had started with
    /// `lifecycle`: measured from its start, its spread from the lifecycle's seed. 404 when
    /// there is no such job.
    pub fn set_execution_lifecycle(
        &self,
        kind: JobKind,
        id: i64,
        lifecycle: &Lifecycle,
    ) -> ApiResult<()> {
        self.with_state(|s| s.set_execution_lifecycle(kind, id, lifecycle))
    }

    /// How many operations are routed.
    pub fn operations_routed(&self) -> usize {
        self.shared.routes.len()
    }
}

impl SimHandle {
    pub(crate) fn from_shared(shared: Arc<Shared>) -> Self {
        Self { shared }
    }
}
