//! How long a job stays queued, how long it runs and how it ends, on tokio's clock.
//!
//! Harbor's task manager gives every job the same sequence (`src/pkg/task/`): a task is
//! created `Pending` (`createTaskRecord` in `task.go`), the job service reports it `Running`
//! when a worker picks it up, then a final status: `Success`, `Error` or `Stopped`. A failed
//! job the job service retries (`MaxFails` of the job, `src/jobservice/runner/redis.go`)
//! reports `Error`, then `Running` again under a new status revision (`UpdateStatus` in
//! `src/pkg/task/dao/task.go` bumps `run_count`, resets `start_time` and clears `end_time`),
//! then its new outcome; the execution's status is recomputed from its tasks each time
//! (`refreshStatus` in `src/pkg/task/dao/execution.go`).
//!
//! A [`Lifecycle`] says how a job of the simulator lives; when a job starts it is drawn into a
//! [`JobPlan`], a timeline of statuses measured from the job's birth on
//! [`tokio::time::Instant`]. A job's status is read from the plan at read time, so nothing
//! runs in the background and a test on tokio's paused clock moves jobs forward with
//! `tokio::time::advance`.
//!
//! ```
//! use std::time::Duration;
//! use harbor_sim::{JobStatus, Lifecycle};
//!
//! # #[tokio::main(flavor = "current_thread", start_paused = true)]
//! # async fn main() {
//! let lifecycle = Lifecycle::new(Duration::from_secs(1), Duration::from_secs(5))
//!     .fails_then_succeeds("connection reset by peer", Duration::from_secs(10));
//! let plan = lifecycle.plan_now(&mut Lifecycle::rng(0));
//! let status = |plan: &harbor_sim::JobPlan| plan.phase_at(tokio::time::Instant::now()).status;
//! assert_eq!(status(&plan), JobStatus::Pending);
//! tokio::time::advance(Duration::from_secs(1)).await;
//! assert_eq!(status(&plan), JobStatus::Running);
//! tokio::time::advance(Duration::from_secs(5)).await;
//! assert_eq!(status(&plan), JobStatus::Error); // failed, waiting for its retry
//! tokio::time::advance(Duration::from_secs(10)).await;
//! assert_eq!(status(&plan), JobStatus::Running); // the retry runs as long again
//! tokio::time::advance(Duration::from_secs(5)).await;
//! assert_eq!(status(&plan), JobStatus::Success);
//! # }
//! ```

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, SystemTime};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::time::Instant;

use super::jobs::{JobKind, JobStatus};

/// How a job ends once it has run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum Outcome {
    /// It finishes well: `Success`.
    Success,
    /// It fails for good: `Error`, with `message` in its log.
    Failure {
        /// Why it failed (the job's error, as its log reports it).
        message: String,
    },
    /// It fails, reads `Error` for `failed_millis` while the job service waits to retry it,
    /// then runs again (as long as the first run) and succeeds, as a job Harbor's job service
    /// retries does.
    TransientFailure {
        /// Why the first run failed.
        message: String,
        /// How long it reads `Error` before the retry starts, in milliseconds.
        failed_millis: u64,
    },
    /// It never finishes: `Running` until stopped.
    Stuck,
    /// It is stopped by someone else than the caller (the job service): `Stopped`.
    Stopped,
}

fn success() -> Outcome {
    Outcome::Success
}

/// How a job lives: queued (`Pending`) for `queued_millis`, `Running` for `running_millis`,
/// then its [`Outcome`]. Each duration gets a uniform extra in `[0, jitter_millis]` drawn
/// from a generator seeded with `seed`, so the same seed gives the same runs.
///
/// Written on the admin endpoint (`PUT /_sim/jobs/{kind}`) as
/// `{"queued_millis":1000,"running_millis":5000,"outcome":{"kind":"failure","message":"boom"},
/// "jitter_millis":500,"seed":7}` (every field optional; `outcome` kinds: `success`,
/// `failure`, `transient_failure` with `message` and `failed_millis`, `stuck`, `stopped`).
///
/// ```
/// use std::time::Duration;
/// use harbor_sim::{JobKind, Lifecycle};
///
/// let scan = Lifecycle::default_for(JobKind::Scan);
/// assert!(scan.queued() > Duration::ZERO && scan.running() > scan.queued());
/// let failing = Lifecycle::immediate().fails("no space left on device");
/// assert_eq!(failing.running(), Duration::ZERO);
/// let json = serde_json::to_value(&failing).unwrap();
/// assert_eq!(json["outcome"]["kind"], "failure");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct Lifecycle {
    /// How long a job stays `Pending`, in milliseconds.
    #[serde(default)]
    pub queued_millis: u64,
    /// How long a job runs, in milliseconds.
    #[serde(default)]
    pub running_millis: u64,
    /// How it ends.
    #[serde(default = "success")]
    pub outcome: Outcome,
    /// Up to this much more for each duration, drawn per job, in milliseconds.
    #[serde(default)]
    pub jitter_millis: u64,
    /// The spread's seed: the same seed and order of jobs give the same durations.
    #[serde(default)]
    pub seed: u64,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Lifecycle::immediate()
    }
}

fn whole_millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

impl Lifecycle {
    /// Queued for `queued`, running for `running` (whole milliseconds), then `Success`.
    pub fn new(queued: Duration, running: Duration) -> Self {
        Lifecycle {
            queued_millis: whole_millis(queued),
            running_millis: whole_millis(running),
            outcome: Outcome::Success,
            jitter_millis: 0,
            seed: 0,
        }
    }

    /// A job that has succeeded as soon as it is created (no queue, no run time).
    pub fn immediate() -> Self {
        Lifecycle::new(Duration::ZERO, Duration::ZERO)
    }

    /// The simulator's default for `kind`: a second in the queue, then a run of a few
    /// seconds (a webhook or Slack delivery 1 s, a purge 2 s, retention, preheat and an
    /// export 3 s, a scan, a scan-all task, a replication and a GC 5 s). Chosen to resemble a small,
    /// idle Harbor (a job waits for a free worker, then works for seconds) while keeping
    /// the demo quick to watch; not measured on a real Harbor.
    pub fn default_for(kind: JobKind) -> Self {
        let running = match kind {
            JobKind::Webhook | JobKind::Slack => 1,
            JobKind::PurgeAudit => 2,
            JobKind::Retention | JobKind::Preheat | JobKind::ScanDataExport => 3,
            JobKind::Scan
            | JobKind::ScanAll
            | JobKind::Replication
            | JobKind::GarbageCollection => 5,
        };
        Lifecycle::new(Duration::from_secs(1), Duration::from_secs(running))
    }

    /// Ends with `outcome` instead.
    pub fn outcome(mut self, outcome: Outcome) -> Self {
        self.outcome = outcome;
        self
    }

    /// Ends with `Success`.
    pub fn succeeds(self) -> Self {
        self.outcome(Outcome::Success)
    }

    /// Fails for good with `message`.
    pub fn fails(self, message: impl Into<String>) -> Self {
        self.outcome(Outcome::Failure {
            message: message.into(),
        })
    }

    /// Fails with `message`, reads `Error` for `failed_for`, is retried (running as long as
    /// the first run) and succeeds.
    pub fn fails_then_succeeds(self, message: impl Into<String>, failed_for: Duration) -> Self {
        self.outcome(Outcome::TransientFailure {
            message: message.into(),
            failed_millis: whole_millis(failed_for),
        })
    }

    /// Runs forever (until stopped).
    pub fn stuck(self) -> Self {
        self.outcome(Outcome::Stuck)
    }

    /// Ends `Stopped` by the job service.
    pub fn stopped(self) -> Self {
        self.outcome(Outcome::Stopped)
    }

    /// Adds up to `jitter` (whole milliseconds) to each duration, drawn per job.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter_millis = whole_millis(jitter);
        self
    }

    /// Seeds the spread's generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// How long a job stays queued (without the spread).
    pub fn queued(&self) -> Duration {
        Duration::from_millis(self.queued_millis)
    }

    /// How long a job runs (without the spread).
    pub fn running(&self) -> Duration {
        Duration::from_millis(self.running_millis)
    }

    /// A generator for the spread, seeded with `seed`.
    pub fn rng(seed: u64) -> SmallRng {
        SmallRng::seed_from_u64(seed)
    }

    /// Draws the plan of a job born now (tokio's clock; the wall clock for its timestamps).
    pub fn plan_now(&self, rng: &mut SmallRng) -> JobPlan {
        self.plan(rng, Instant::now(), SystemTime::now())
    }

    /// Draws the plan of a job born at `born` (tokio's clock), `born_wall` on the wall clock.
    pub fn plan(&self, rng: &mut SmallRng, born: Instant, born_wall: SystemTime) -> JobPlan {
        let mut spread = |millis: u64| {
            let extra = if self.jitter_millis == 0 {
                0
            } else {
                rng.random_range(0..=self.jitter_millis)
            };
            Duration::from_millis(millis.saturating_add(extra))
        };
        let queued = spread(self.queued_millis);
        let running = spread(self.running_millis);
        let ran = queued + running;
        let mut segments = vec![
            Segment::new(Duration::ZERO, JobStatus::Pending),
            Segment::new(queued, JobStatus::Running),
        ];
        match &self.outcome {
            Outcome::Success => segments.push(Segment::new(ran, JobStatus::Success)),
            Outcome::Failure { message } => {
                segments.push(Segment::new(ran, JobStatus::Error).message(message))
            }
            Outcome::TransientFailure {
                message,
                failed_millis,
            } => {
                let retry = ran + Duration::from_millis(*failed_millis);
                segments.push(Segment::new(ran, JobStatus::Error).message(message));
                segments.push(Segment::new(retry, JobStatus::Running));
                segments.push(Segment::new(retry + running, JobStatus::Success));
            }
            Outcome::Stuck => {}
            Outcome::Stopped => segments.push(Segment::new(ran, JobStatus::Stopped)),
        }
        JobPlan {
            born,
            born_wall,
            segments,
            held: None,
        }
    }
}

/// One status of a plan, from `from` (after the birth) until the next segment's.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Segment {
    from: Duration,
    status: JobStatus,
    message: Option<String>,
}

impl Segment {
    fn new(from: Duration, status: JobStatus) -> Self {
        Segment {
            from,
            status,
            message: None,
        }
    }

    fn message(mut self, message: &str) -> Self {
        self.message = Some(message.to_owned());
        self
    }
}

/// The drawn life of one job: its statuses, each from an instant after its birth.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobPlan {
    born: Instant,
    born_wall: SystemTime,
    segments: Vec<Segment>,
    /// While its queue is paused: the offset from the birth at which it was held `Pending`
    /// (see [`JobPlan::hold`]).
    held: Option<Duration>,
}

/// What a job is at one instant, with its timestamps on the wall clock.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Phase {
    /// Its status.
    pub status: JobStatus,
    /// Since when it has had this status (Harbor's `update_time`).
    pub since: SystemTime,
    /// When its current (or last) run started; `None` while it has never run.
    pub started: Option<SystemTime>,
    /// When it ended; `None` unless the status is final.
    pub ended: Option<SystemTime>,
    /// How many times it has started running (Harbor's `run_count`).
    pub run_count: u32,
    /// The error of its last failed run, while it reads `Error`.
    pub message: Option<String>,
    /// The statuses it went through up to now (`Pending` left out), with their instants
    /// and error messages, oldest first: the lines of its log.
    pub history: Vec<(SystemTime, JobStatus, Option<String>)>,
}

impl JobPlan {
    /// When the job was born, on tokio's clock.
    pub fn born(&self) -> Instant {
        self.born
    }

    /// When the job was born, on the wall clock.
    pub fn born_wall(&self) -> SystemTime {
        self.born_wall
    }

    /// How far the job has lived by `now`: a held job lives no further than its hold.
    fn offset(&self, now: Instant) -> Duration {
        let lived = now.saturating_duration_since(self.born);
        self.held.map_or(lived, |held| lived.min(held))
    }

    /// Holds the job `Pending` from `now` on, as a paused queue holds the jobs waiting in it
    /// (the job service's fetcher skips a paused job type: `{ns}:jobs:<type>:paused`,
    /// `src/pkg/jobmonitor/redis.go`). A job past `Pending`, or held already, is left as it
    /// is. Whether it holds the job.
    pub fn hold(&mut self, now: Instant) -> bool {
        if self.held.is_some() || self.phase_at(now).status != JobStatus::Pending {
            return false;
        }
        self.held = Some(now.saturating_duration_since(self.born));
        true
    }

    /// Whether the job is held in a paused queue.
    pub fn is_held(&self) -> bool {
        self.held.is_some()
    }

    /// Lets a held job go at `now`: it waits out the rest of its time in the queue, then
    /// lives the rest of its plan, every later status moved on by the time it was held.
    pub fn release(&mut self, now: Instant) {
        let Some(held) = self.held.take() else {
            return;
        };
        let paused_for = now
            .saturating_duration_since(self.born)
            .saturating_sub(held);
        for segment in self.segments.iter_mut().filter(|s| s.from > held) {
            segment.from += paused_for;
        }
    }

    /// When the job first started running, on tokio's clock, if it has by `now` (a run
    /// that took no time counts, as in [`Phase::run_count`]).
    pub fn first_run_at(&self, now: Instant) -> Option<Instant> {
        self.first_reached(JobStatus::Running, now)
    }

    /// When the job first had `status`, on tokio's clock, if it has by `now`.
    fn first_reached(&self, status: JobStatus, now: Instant) -> Option<Instant> {
        let at = self.offset(now);
        self.segments
            .iter()
            .find(|s| s.from <= at && s.status == status)
            .map(|s| self.born + s.from)
    }

    /// Makes the job's first run fail with `message`, as a job whose own work failed does:
    /// the run ends `Error` when it was to end (at once if it was never to end), and nothing
    /// follows. A job that has not run is left as it is.
    pub fn fail_first_run(&mut self, message: &str) {
        let Some(run) = self
            .segments
            .iter()
            .position(|s| s.status == JobStatus::Running)
        else {
            return;
        };
        let end = self
            .segments
            .get(run + 1)
            .map_or(self.segments[run].from, |s| s.from);
        self.segments.truncate(run + 1);
        self.segments
            .push(Segment::new(end, JobStatus::Error).message(message));
    }

    /// When the job succeeded, on tokio's clock, if it has by `now`.
    pub fn succeeded_at(&self, now: Instant) -> Option<Instant> {
        self.first_reached(JobStatus::Success, now)
    }

    /// Whether the job has lived its whole plan by `now` and ended: a failed run its service
    /// retries has not, nor has a job that never ends.
    pub fn is_finished(&self, now: Instant) -> bool {
        self.finished_at(now).is_some()
    }

    /// When the job ended for good, on tokio's clock, if it has by `now` (see
    /// [`JobPlan::is_finished`]).
    pub fn finished_at(&self, now: Instant) -> Option<Instant> {
        let at = self.offset(now);
        self.segments
            .last()
            .filter(|s| s.from <= at && s.status.is_final())
            .map(|s| self.born + s.from)
    }

    /// The segments reached at `at` after the birth, zero-length ones left out.
    fn reached(&self, at: Duration) -> Vec<&Segment> {
        let reached: Vec<&Segment> = self.segments.iter().filter(|s| s.from <= at).collect();
        reached
            .iter()
            .enumerate()
            .filter(|(i, s)| reached.get(i + 1).is_none_or(|next| next.from > s.from))
            .map(|(_, s)| *s)
            .collect()
    }

    /// The job at `now`.
    pub fn phase_at(&self, now: Instant) -> Phase {
        let at = self.offset(now);
        let reached = self.reached(at);
        // Durations come from callers (the admin endpoint too): an instant past what the
        // wall clock holds is its latest, not a panic.
        let wall = |s: &Segment| {
            self.born_wall
                .checked_add(s.from)
                .unwrap_or_else(latest_wall_time)
        };
        let current = reached.last().copied().unwrap_or(&self.segments[0]);
        // Runs count even when they took no time (an immediate job ran once).
        let runs: Vec<&Segment> = self
            .segments
            .iter()
            .filter(|s| s.from <= at && s.status == JobStatus::Running)
            .collect();
        let last_run = runs.last();
        Phase {
            status: current.status,
            since: wall(current),
            started: last_run.map(|s| wall(s)),
            ended: current.status.is_final().then(|| wall(current)),
            run_count: runs.len() as u32,
            message: current.message.clone(),
            history: reached
                .iter()
                .filter(|s| s.status != JobStatus::Pending)
                .map(|s| (wall(s), s.status, s.message.clone()))
                .collect(),
        }
    }

    /// The status changes the job service has reported by `now` (its status hooks), oldest
    /// first: every status after the one the task was created with, zero-length ones too.
    pub fn changes_until(&self, now: Instant) -> impl Iterator<Item = (Instant, JobStatus)> + '_ {
        let at = self.offset(now);
        self.segments
            .iter()
            .enumerate()
            .filter(move |(i, s)| s.from <= at && !(*i == 0 && s.status == JobStatus::Pending))
            .map(|(_, s)| (self.born + s.from, s.status))
    }

    /// The wall-clock time of the instant `at` (at or after the job's birth).
    pub fn wall_at(&self, at: Instant) -> SystemTime {
        self.born_wall
            .checked_add(at.saturating_duration_since(self.born))
            .unwrap_or_else(latest_wall_time)
    }

    /// Stops the job at `now` as Harbor's job service does (`StopJob` in
    /// `src/jobservice/worker/cworker/c_worker.go`): a `Pending` or `Running` job is
    /// `Stopped` from now on; a job past `Running` (finished, or failed and waiting for its
    /// retry) is left as it is. Whether it stopped the job.
    pub fn stop(&mut self, now: Instant) -> bool {
        self.release(now);
        let at = self.offset(now);
        if self.phase_at(now).status.is_final() {
            return false;
        }
        self.segments.retain(|s| s.from <= at);
        self.segments.push(Segment::new(at, JobStatus::Stopped));
        true
    }
}

/// The lifecycles in effect: a default per job kind (with its spread's generator), and the
/// ones queued for the next jobs of a kind.
#[derive(Debug, Clone)]
pub struct JobLifecycles {
    kinds: BTreeMap<JobKind, (Lifecycle, SmallRng)>,
    next: BTreeMap<JobKind, VecDeque<Lifecycle>>,
}

impl Default for JobLifecycles {
    fn default() -> Self {
        let mut lifecycles = JobLifecycles {
            kinds: BTreeMap::new(),
            next: BTreeMap::new(),
        };
        for kind in JobKind::ALL {
            lifecycles.set(kind, Lifecycle::default_for(kind));
        }
        lifecycles
    }
}

impl JobLifecycles {
    /// Sets the default of `kind` and reseeds its spread.
    pub fn set(&mut self, kind: JobKind, lifecycle: Lifecycle) {
        let rng = Lifecycle::rng(lifecycle.seed);
        self.kinds.insert(kind, (lifecycle, rng));
    }

    /// The default of `kind`.
    pub fn get(&self, kind: JobKind) -> Lifecycle {
        self.kinds
            .get(&kind)
            .map(|(l, _)| l.clone())
            .unwrap_or_else(|| Lifecycle::default_for(kind))
    }

    /// Every kind's default.
    pub fn all(&self) -> BTreeMap<JobKind, Lifecycle> {
        JobKind::ALL.iter().map(|k| (*k, self.get(*k))).collect()
    }

    /// Queues `lifecycle` for the next job of `kind` (after any already queued).
    pub fn push_next(&mut self, kind: JobKind, lifecycle: Lifecycle) {
        self.next.entry(kind).or_default().push_back(lifecycle);
    }

    /// The lifecycle queued for the next job of `kind`, taken off the queue: its tasks are
    /// drawn from its own seed. `None` when none is queued.
    pub fn take_next(&mut self, kind: JobKind) -> Option<Lifecycle> {
        self.next.get_mut(&kind)?.pop_front()
    }

    /// Draws the plan of one task of a job of `kind` born at `born`, from `chosen` when given
    /// (a lifecycle with its generator), else from the kind's default and its generator;
    /// `adjust` may change the lifecycle first (a webhook to an unreachable target fails).
    pub fn draw(
        &mut self,
        kind: JobKind,
        chosen: Option<(&Lifecycle, &mut SmallRng)>,
        adjust: impl FnOnce(Lifecycle) -> Lifecycle,
        born: Instant,
        born_wall: SystemTime,
    ) -> JobPlan {
        let (lifecycle, rng) = match chosen {
            Some((lifecycle, rng)) => (lifecycle, rng),
            None => {
                let (lifecycle, rng) = self
                    .kinds
                    .entry(kind)
                    .or_insert_with(|| (Lifecycle::default_for(kind), Lifecycle::rng(0)));
                (&*lifecycle, rng)
            }
        };
        adjust(lifecycle.clone()).plan(rng, born, born_wall)
    }
}

/// Formats a wall-clock instant as Harbor does (RFC 3339 with milliseconds); an instant past
/// the year 9999, which RFC 3339 cannot write, is written as its last millisecond.
pub fn rfc3339(t: SystemTime) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    match write!(out, "{}", humantime::format_rfc3339_millis(t)) {
        Ok(()) => out,
        Err(_) => "9999-12-31T23:59:59.999Z".to_owned(),
    }
}

/// The latest instant a plan's timestamps take.
fn latest_wall_time() -> SystemTime {
    SystemTime::UNIX_EPOCH + Duration::from_secs(253_402_300_799)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(plan: &JobPlan, secs: u64) -> Phase {
        plan.phase_at(plan.born + Duration::from_secs(secs))
    }

    fn plan(l: &Lifecycle) -> JobPlan {
        l.plan(
            &mut Lifecycle::rng(l.seed),
            Instant::now(),
            SystemTime::UNIX_EPOCH,
        )
    }

    #[test]
    fn a_job_is_pending_then_running_then_succeeds() {
        let p = plan(&Lifecycle::new(
            Duration::from_secs(1),
            Duration::from_secs(2),
        ));
        assert_eq!(at(&p, 0).status, JobStatus::Pending);
        assert_eq!(at(&p, 0).started, None);
        assert_eq!(at(&p, 1).status, JobStatus::Running);
        assert_eq!(at(&p, 1).ended, None);
        let done = at(&p, 3);
        assert_eq!(done.status, JobStatus::Success);
        assert_eq!(
            done.ended,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(3))
        );
        assert_eq!(
            done.started,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(1))
        );
        assert_eq!(done.run_count, 1);
    }

    #[test]
    fn a_job_starts_and_succeeds_once_and_a_job_stopped_while_queued_never_starts() {
        let secs = Duration::from_secs;
        let l = Lifecycle::new(secs(1), secs(2)).fails_then_succeeds("boom", secs(5));
        let p = plan(&l);
        assert_eq!(p.first_run_at(p.born), None);
        assert!(!p.is_finished(p.born));
        // The first run's start, also after the retry's.
        for later in [1, 3, 9] {
            assert_eq!(p.first_run_at(p.born + secs(later)), Some(p.born + secs(1)));
        }
        assert!(
            !p.is_finished(p.born + secs(3)),
            "its failed run is retried"
        );
        assert_eq!(p.succeeded_at(p.born + secs(9)), None);
        // 1 queued, 2 running, 5 failed, 2 running again.
        assert_eq!(p.succeeded_at(p.born + secs(10)), Some(p.born + secs(10)));
        assert!(p.is_finished(p.born + secs(10)));

        let mut stopped = plan(&Lifecycle::new(secs(10), secs(2)));
        assert!(stopped.stop(stopped.born + secs(4)));
        let later = stopped.born + secs(100);
        assert_eq!(stopped.first_run_at(later), None);
        assert_eq!(stopped.succeeded_at(later), None);
        assert!(stopped.is_finished(later));

        let stuck = plan(&Lifecycle::new(secs(1), secs(2)).stuck());
        assert!(!stuck.is_finished(stuck.born + secs(100)));

        let mut held = plan(&Lifecycle::new(secs(10), secs(2)));
        assert!(held.hold(held.born));
        assert_eq!(held.first_run_at(held.born + secs(100)), None);
        assert!(!held.is_finished(held.born + secs(100)));
    }

    #[test]
    fn a_run_made_to_fail_ends_in_error_when_it_was_to_end() {
        let secs = Duration::from_secs;
        let mut p = plan(&Lifecycle::new(secs(1), secs(2)).fails_then_succeeds("boom", secs(5)));
        p.fail_first_run("bad pattern");
        let done = at(&p, 100);
        assert_eq!(done.status, JobStatus::Error);
        assert_eq!(done.message.as_deref(), Some("bad pattern"));
        assert_eq!(done.run_count, 1, "no retry follows");
        assert_eq!(at(&p, 2).status, JobStatus::Running);
        assert_eq!(at(&p, 3).status, JobStatus::Error);

        let mut stuck = plan(&Lifecycle::new(secs(1), secs(2)).stuck());
        stuck.fail_first_run("bad pattern");
        assert_eq!(
            at(&stuck, 1).status,
            JobStatus::Error,
            "it fails as it starts"
        );
    }

    #[test]
    fn an_immediate_job_has_succeeded_at_birth_and_ran_once() {
        let p = plan(&Lifecycle::immediate());
        let now = at(&p, 0);
        assert_eq!(now.status, JobStatus::Success);
        assert_eq!(now.run_count, 1);
        let statuses: Vec<JobStatus> = now.history.iter().map(|h| h.1).collect();
        assert_eq!(statuses, [JobStatus::Success]);
    }

    #[test]
    fn a_transient_failure_reads_error_then_runs_again_and_succeeds() {
        let p = plan(
            &Lifecycle::new(Duration::ZERO, Duration::from_secs(2))
                .fails_then_succeeds("timeout", Duration::from_secs(3)),
        );
        let failed = at(&p, 2);
        assert_eq!(failed.status, JobStatus::Error);
        assert_eq!(failed.message.as_deref(), Some("timeout"));
        let retry = at(&p, 5);
        assert_eq!(
            (retry.status, retry.run_count, retry.ended),
            (JobStatus::Running, 2, None)
        );
        assert_eq!(
            retry.started,
            Some(SystemTime::UNIX_EPOCH + Duration::from_secs(5))
        );
        assert_eq!(at(&p, 7).status, JobStatus::Success);
    }

    #[test]
    fn stop_ends_pending_and_running_jobs_only() {
        let l = Lifecycle::new(Duration::from_secs(1), Duration::from_secs(2));
        let mut pending = plan(&l);
        assert!(pending.stop(pending.born));
        assert_eq!(at(&pending, 10).status, JobStatus::Stopped);
        let mut done = plan(&l);
        assert!(!done.stop(done.born + Duration::from_secs(3)));
        assert_eq!(at(&done, 10).status, JobStatus::Success);
        let mut waiting = plan(&l.clone().fails_then_succeeds("x", Duration::from_secs(5)));
        assert!(!waiting.stop(waiting.born + Duration::from_secs(4)));
        assert_eq!(at(&waiting, 20).status, JobStatus::Success);
        let mut stuck = plan(&l.stuck());
        assert_eq!(at(&stuck, 1000).status, JobStatus::Running);
        assert!(stuck.stop(stuck.born + Duration::from_secs(1000)));
        assert_eq!(at(&stuck, 1000).status, JobStatus::Stopped);
    }

    #[test]
    fn durations_past_the_year_9999_are_written_not_panicked_on() {
        let endless = Lifecycle {
            queued_millis: u64::MAX,
            running_millis: u64::MAX,
            ..Lifecycle::immediate()
        }
        .fails_then_succeeds("x", Duration::from_millis(u64::MAX));
        assert_eq!(at(&plan(&endless), 0).status, JobStatus::Pending);
        // 2^50 ms is about 35,700 years.
        let far = Lifecycle {
            queued_millis: 1 << 50,
            ..Lifecycle::immediate()
        };
        let p = plan(&far);
        let phase = p.phase_at(p.born + Duration::from_millis((1 << 50) + 1));
        assert_eq!(phase.status, JobStatus::Success);
        assert_eq!(rfc3339(phase.since), "9999-12-31T23:59:59.999Z");
    }

    #[test]
    fn the_same_seed_draws_the_same_durations() {
        let l = Lifecycle::new(Duration::from_secs(1), Duration::from_secs(1))
            .jitter(Duration::from_secs(10))
            .seed(42);
        let draw = |seed| {
            let mut rng = Lifecycle::rng(seed);
            let born = Instant::now();
            (0..5)
                .map(|_| l.plan(&mut rng, born, SystemTime::UNIX_EPOCH).segments)
                .collect::<Vec<_>>()
        };
        assert_eq!(draw(42), draw(42));
        assert_ne!(draw(42), draw(43));
    }
}
