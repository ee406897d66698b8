//! [`CircuitBreaker`]: a state shared by many calls that stops them from sending anything to a
//! service that is failing, and lets a few probes through to find out when it is back.
//!
//! The model is resilience4j's and Polly's, in their terms:
//!
//! - **Closed** (the start): every attempt goes through. Its outcome is recorded in a sliding
//!   window, of the last `n` outcomes ([`CircuitBreakerBuilder::window_calls`]) or of the
//!   outcomes of the last period ([`CircuitBreakerBuilder::window_time`]). Only an error the
//!   policy would retry is a failure (an error outside `exception`, or one the `giveup`
//!   predicate holds on, such as a 404, is not recorded at all); a success is a success. Once
//!   the window holds at least [`minimum_calls`](CircuitBreakerBuilder::minimum_calls) outcomes
//!   and the share of failures reaches the [`failure_rate`](CircuitBreakerBuilder::failure_rate),
//!   the breaker **opens**.
//! - **Open**: no attempt is made. A call that has not started fails at once with
//!   `E::from(`[`CircuitOpen`]`)`, with no attempt; a call between attempts gives up with its
//!   last error. Either way the give-up hooks and [`Details::reason`](crate::Details::reason)
//!   see [`GiveUpReason::CircuitOpen`](crate::GiveUpReason::CircuitOpen). The breaker stays
//!   open for [`open_for`](CircuitBreakerBuilder::open_for), or for the largest `Retry-After`
//!   (the policy's wait floor) among the failures that opened it, whichever is longer.
//! - **Half-open**: once that time is over, the next [`probes`](CircuitBreakerBuilder::probes)
//!   attempts go through; others are refused as when open. A failed probe opens the breaker
//!   again; when every probe has answered otherwise, it closes with an empty window. A probe
//!   that never answers (its call dropped, or refused by another rule before it was sent)
//!   frees its place after another `open_for`.
//!
//! Outcomes are recorded per attempt, so a call's retries count, as they do when Polly's
//! retry wraps its breaker. A breaker is one state, or one per retried fn with
//! [`Partition::PerTarget`] (in `harbor-client`, one per operation), so that one operation's
//! outage does not stop the others. Each state is a short critical section (one `Mutex`, no
//! allocation once the partition exists); every change of state is a `tracing` event (INFO
//! when it opens or closes) and calls the [`on_state_change`](CircuitBreakerBuilder::on_state_change)
//! hook.
//!
//! ```
//! use std::sync::LazyLock;
//! use std::time::Duration;
//! use retry_runtime::{CircuitBreaker, CircuitOpen, retry, wait::constant};
//!
//! static BREAKER: LazyLock<CircuitBreaker> = LazyLock::new(|| {
//!     CircuitBreaker::builder()
//!         .window_calls(10)
//!         .minimum_calls(4)
//!         .failure_rate(0.5)
//!         .open_for(Duration::from_secs(30))
//!         .build()
//!         .unwrap()
//! });
//!
//! #[derive(Debug, PartialEq)]
//! enum Error { Down, Open }
//! impl From<CircuitOpen> for Error {
//!     fn from(_: CircuitOpen) -> Self { Error::Open }
//! }
//!
//! #[retry(max_tries = 2, wait_gen = constant, interval = 0, breaker = &*BREAKER)]
//! fn fetch(sent: &mut u32) -> Result<(), Error> {
//!     *sent += 1;
//!     Err(Error::Down)
//! }
//!
//! let mut sent = 0;
//! assert_eq!(fetch(&mut sent), Err(Error::Down)); // two failures recorded
//! assert_eq!(fetch(&mut sent), Err(Error::Down)); // four: the breaker opens
//! assert_eq!(fetch(&mut sent), Err(Error::Open)); // refused, nothing sent
//! assert_eq!(sent, 4);
//! assert!(BREAKER.is_open());
//! ```

use core::fmt;
use std::time::{Duration, Instant};

use crate::partition::{Partition, Partitions};
use crate::rules::Guard;
use crate::settings::{SettingsError, Violation};
use crate::shared::SharedSource;
use crate::sync::{Arc, Mutex, lock};

/// The error of a call the breaker refused before any attempt: the retried fn's error type
/// holds it through `From<CircuitOpen>` (required by the `breaker` key, `Policy::breaker` and
/// `RetrySettingsBuilder::breaker`).
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::CircuitOpen;
///
/// let open = CircuitOpen::new("harbor::get_project", Duration::from_secs(12));
/// assert_eq!(open.retry_in(), Duration::from_secs(12));
/// assert_eq!(
///     open.to_string(),
///     "circuit open for harbor::get_project: no attempt made; it may let a probe through in 12s"
/// );
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CircuitOpen {
    target: &'static str,
    retry_in: Duration,
}

impl CircuitOpen {
    /// The refusal of a call of `target`, whose breaker may let a probe through after
    /// `retry_in` (for tests and custom engines).
    pub fn new(target: &'static str, retry_in: Duration) -> Self {
        CircuitOpen { target, retry_in }
    }

    /// The refused fn's path (`module::fn`).
    pub fn target(&self) -> &'static str {
        self.target
    }

    /// How long until the breaker lets a probe through (zero when it is half-open and its
    /// probes are all out).
    pub fn retry_in(&self) -> Duration {
        self.retry_in
    }
}

impl fmt::Display for CircuitOpen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "circuit open for {}: no attempt made; it may let a probe through in {:?}",
            self.target, self.retry_in
        )
    }
}

impl std::error::Error for CircuitOpen {}

/// Builds the fn's error from a [`CircuitOpen`]: `E::from`, captured where the bound
/// `E: From<CircuitOpen>` was checked (the setter), so nothing later needs it again.
pub(crate) type OpenFn<E> = fn(CircuitOpen) -> E;

/// An error type that can hold a [`CircuitOpen`]: every `E: From<CircuitOpen>`. The
/// `breaker` key and setters ask for this trait rather than for `From` so that a missing
/// `From` is one error that says what to add.
#[diagnostic::on_unimplemented(
    message = "`breaker` needs the error type `{Self}` to hold a `CircuitOpen`",
    label = "`{Self}` does not implement `From<retry_runtime::CircuitOpen>`",
    note = "a call the open breaker refuses fails with `{Self}::from(CircuitOpen)`: implement `From<retry_runtime::CircuitOpen> for {Self}` (for example as an `Unavailable` variant)"
)]
pub trait HoldsCircuitOpen: Sized {
    /// `Self::from(open)`.
    fn from_circuit_open(open: CircuitOpen) -> Self;

    /// `#[retry]`'s `breaker` value paired with the error type's conversion. The expansion
    /// calls it as `<E as HoldsCircuitOpen>::..` spanned at the key, so an error type without
    /// the conversion is one error there, naming only the user's error type.
    #[doc(hidden)]
    #[inline]
    fn __retry_breaker_value(breaker: impl SharedSource<CircuitBreaker>) -> Option<Guard<Self>> {
        breaker.into_handle().map(|breaker| Guard {
            breaker,
            open: Self::from_circuit_open,
        })
    }
}

impl<E: From<CircuitOpen>> HoldsCircuitOpen for E {
    #[inline]
    fn from_circuit_open(open: CircuitOpen) -> Self {
        E::from(open)
    }
}

/// The three states of a breaker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum BreakerState {
    /// Attempts go through; outcomes are recorded.
    Closed,
    /// Attempts are refused.
    Open,
    /// A bounded number of probe attempts go through.
    HalfOpen,
}

impl BreakerState {
    /// `"closed"`, `"open"`, `"half-open"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            BreakerState::Closed => "closed",
            BreakerState::Open => "open",
            BreakerState::HalfOpen => "half-open",
        }
    }
}

impl fmt::Display for BreakerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A change of a breaker's state, given to the [`on_state_change`](CircuitBreakerBuilder::on_state_change)
/// hook.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct StateChange {
    /// The partition's key (the retried fn's target) with [`Partition::PerTarget`]; `None`
    /// for a shared breaker.
    pub partition: Option<&'static str>,
    /// The state left.
    pub from: BreakerState,
    /// The state entered.
    pub to: BreakerState,
    /// The failure rate of the window when it opened (0 otherwise).
    pub failure_rate: f64,
    /// How long it stays open (`Some` only when it opens).
    pub open_for: Option<Duration>,
}

/// The hook called on every change of state.
// `std`'s `Arc` even under loom, whose `Arc` cannot hold a `dyn Fn` (the hook is not state).
type StateHook = std::sync::Arc<dyn Fn(&StateChange) + Send + Sync>;

/// The window the failure rate is measured over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum WindowKind {
    /// The last `n` outcomes.
    Calls(u32),
    /// The outcomes of the last period, in ten slices.
    Time(Duration),
}

/// The number of slices a time window is kept in: outcomes leave it a tenth at a time.
const TIME_SLICES: usize = 10;

/// A circuit breaker shared by the calls that hold it; see the [module documentation](self)
/// for the model.
///
/// Cheap to clone (one `Arc`), `Send + Sync`. Give the same breaker (or clones) to every call
/// that should share it: `#[retry(breaker = ..)]`, [`Policy::breaker`](crate::Policy::breaker)
/// or [`RetrySettingsBuilder::breaker`](crate::RetrySettingsBuilder::breaker).
#[derive(Clone)]
pub struct CircuitBreaker {
    shared: Arc<Shared>,
}

struct Shared {
    config: Config,
    states: Partitions<Mutex<State>>,
}

#[derive(Clone)]
struct Config {
    window: WindowKind,
    minimum_calls: u32,
    failure_rate: f64,
    open_for: Duration,
    probes: u32,
    on_state_change: Option<StateHook>,
}

/// One partition's state.
struct State {
    phase: Phase,
    window: Window,
    /// The largest `Retry-After` among the failures in the window.
    retry_after: Duration,
    /// Times opened, for observability.
    opened: u64,
    /// Attempts refused, for observability.
    refused: u64,
}

#[derive(Debug, Clone, Copy)]
enum Phase {
    Closed,
    Open {
        until: Instant,
    },
    HalfOpen {
        /// When the current probes were let through.
        since: Instant,
        started: u32,
        answered: u32,
    },
}

/// The outcomes of the window: a ring of the last `n` (count window) or per-slice counts
/// (time window). Allocated once, when the partition is made.
enum Window {
    Calls {
        ring: Vec<bool>,
        next: usize,
        len: usize,
        failures: usize,
    },
    Time {
        slice: Duration,
        /// (slice number since `origin`, calls, failures)
        slices: [(u64, u32, u32); TIME_SLICES],
        origin: Option<Instant>,
    },
}

impl Window {
    fn new(kind: WindowKind) -> Self {
        match kind {
            WindowKind::Calls(n) => Window::Calls {
                ring: vec![false; n as usize],
                next: 0,
                len: 0,
                failures: 0,
            },
            WindowKind::Time(period) => Window::Time {
                slice: (period / TIME_SLICES as u32).max(Duration::from_millis(1)),
                slices: [(0, 0, 0); TIME_SLICES],
                origin: None,
            },
        }
    }

    fn clear(&mut self) {
        match self {
            Window::Calls {
                next,
                len,
                failures,
                ..
            } => (*next, *len, *failures) = (0, 0, 0),
            Window::Time { slices, .. } => *slices = [(0, 0, 0); TIME_SLICES],
        }
    }

    /// Records one outcome at `now`.
    fn record(&mut self, failed: bool, now: Instant) {
        match self {
            Window::Calls {
                ring,
                next,
                len,
                failures,
            } => {
                if *len == ring.len() {
                    *failures -= usize::from(ring[*next]);
                } else {
                    *len += 1;
                }
                ring[*next] = failed;
                *failures += usize::from(failed);
                *next = (*next + 1) % ring.len();
            }
            Window::Time {
                slice,
                slices,
                origin,
            } => {
                let number = slice_number(origin, *slice, now);
                let entry = &mut slices[(number % TIME_SLICES as u64) as usize];
                if entry.0 != number {
                    *entry = (number, 0, 0);
                }
                entry.1 = entry.1.saturating_add(1);
                entry.2 = entry.2.saturating_add(u32::from(failed));
            }
        }
    }

    /// (outcomes, failures) in the window at `now`.
    fn counts(&self, now: Instant) -> (u64, u64) {
        match self {
            Window::Calls { len, failures, .. } => (*len as u64, *failures as u64),
            Window::Time {
                slice,
                slices,
                origin,
            } => {
                let Some(origin) = origin else {
                    return (0, 0);
                };
                let current =
                    now.saturating_duration_since(*origin).as_nanos() / slice.as_nanos().max(1);
                let current = u64::try_from(current).unwrap_or(u64::MAX);
                slices
                    .iter()
                    .filter(|(number, ..)| current.saturating_sub(*number) < TIME_SLICES as u64)
                    .fold((0, 0), |(calls, failures), (_, c, f)| {
                        (calls + u64::from(*c), failures + u64::from(*f))
                    })
            }
        }
    }
}

/// The number of the time slice `now` falls in, counting from the first outcome recorded.
fn slice_number(origin: &mut Option<Instant>, slice: Duration, now: Instant) -> u64 {
    let origin = *origin.get_or_insert(now);
    let number = now.saturating_duration_since(origin).as_nanos() / slice.as_nanos().max(1);
    u64::try_from(number).unwrap_or(u64::MAX)
}

impl State {
    fn new(config: &Config) -> Self {
        State {
            phase: Phase::Closed,
            window: Window::new(config.window),
            retry_after: Duration::ZERO,
            opened: 0,
            refused: 0,
        }
    }

    fn state(&self) -> BreakerState {
        match self.phase {
            Phase::Closed => BreakerState::Closed,
            Phase::Open { .. } => BreakerState::Open,
            Phase::HalfOpen { .. } => BreakerState::HalfOpen,
        }
    }
}

impl CircuitBreaker {
    /// A builder with the defaults: a window of the last 20 outcomes, at least 10 of them,
    /// opening at a failure rate of 50%, open for 10 s, one probe, shared by every call.
    pub fn builder() -> CircuitBreakerBuilder {
        CircuitBreakerBuilder {
            window: WindowKind::Calls(20),
            minimum_calls: 10,
            failure_rate: 0.5,
            open_for: Duration::from_secs(10),
            probes: 1,
            partition: Partition::Shared,
            on_state_change: None,
        }
    }

    /// Whether an attempt of `target` may be made at `now`: `Err` with the refusal when the
    /// breaker is open (or half-open with every probe out). A half-open breaker counts the
    /// attempt as one of its probes. Called by the engine before each attempt.
    pub fn try_acquire(&self, target: &'static str, now: Instant) -> Result<(), CircuitOpen> {
        self.with_state(target, |state| {
            let (verdict, change) = acquire(&mut state.phase, &self.shared.config, now);
            if verdict.is_err() {
                state.refused += 1;
            }
            (
                verdict.map_err(|retry_in| CircuitOpen::new(target, retry_in)),
                change,
            )
        })
    }

    /// The refusal an attempt of `target` admitted earlier meets now, when the breaker opened
    /// since (a retry admitted before its backoff wait): `Some` while it is open, without
    /// taking a probe's place; `None` closed or half-open.
    pub fn refusal_now(&self, target: &'static str, now: Instant) -> Option<CircuitOpen> {
        self.with_state(target, |state| match state.phase {
            Phase::Open { until } if now < until => {
                state.refused += 1;
                (Some(CircuitOpen::new(target, until - now)), None)
            }
            _ => (None, None),
        })
    }

    /// Records a success (or any answer that is not a failure) of an attempt of `target`.
    pub fn record_success(&self, target: &'static str, now: Instant) {
        self.with_state(target, |state| ((), on_success(state, now)));
    }

    /// Records a failure of an attempt of `target`: an error the policy would retry.
    /// `retry_after` is the least wait the error asked for (`Retry-After`), which the open
    /// time honours.
    pub fn record_failure(
        &self,
        target: &'static str,
        now: Instant,
        retry_after: Option<Duration>,
    ) {
        let config = &self.shared.config;
        self.with_state(target, |state| {
            ((), on_failure(state, config, now, retry_after))
        });
    }

    /// The state of the partition of `target` (of the shared state when not partitioned).
    pub fn state(&self, target: &'static str) -> BreakerState {
        self.with_state(target, |state| (state.state(), None))
    }

    /// Every partition made so far and its state: `None` names the shared state, `Some` a
    /// retried fn's (its target, `module::fn`, with [`Partition::PerTarget`]). For dashboards
    /// and for finding an operation's partition by its fn's name.
    pub fn partitions(&self) -> Vec<(Option<&'static str>, BreakerState)> {
        let mut partitions = Vec::new();
        self.shared
            .states
            .for_each(|key, state| partitions.push((key, lock(state).state())));
        partitions
    }

    /// Whether any partition is open (or half-open).
    pub fn is_open(&self) -> bool {
        let mut open = false;
        self.shared
            .states
            .for_each(|_, state| open |= !matches!(lock(state).phase, Phase::Closed));
        open
    }

    /// How many times a partition opened, in all.
    pub fn times_opened(&self) -> u64 {
        let mut opened = 0;
        self.shared
            .states
            .for_each(|_, state| opened += lock(state).opened);
        opened
    }

    /// How many attempts the breaker refused, in all.
    pub fn attempts_refused(&self) -> u64 {
        let mut refused = 0;
        self.shared
            .states
            .for_each(|_, state| refused += lock(state).refused);
        refused
    }

    /// Whether `other` is this breaker or a clone of it.
    pub fn shares_state_with(&self, other: &CircuitBreaker) -> bool {
        Arc::ptr_eq(&self.shared, &other.shared)
    }

    /// Runs `f` on the partition of `target` under its lock, then reports the change of
    /// state it made, if any, outside the lock.
    fn with_state<R>(
        &self,
        target: &'static str,
        f: impl FnOnce(&mut State) -> (R, Option<StateChange>),
    ) -> R {
        let config = &self.shared.config;
        let (result, change) = self.shared.states.with(
            target,
            || Mutex::new(State::new(config)),
            |state| f(&mut lock(state)),
        );
        if let Some(mut change) = change {
            if self.shared.states.is_partitioned() {
                change.partition = Some(target);
            }
            report(config, &change);
        }
        result
    }
}

/// The admission rule: `Err(retry_in)` when refused, and the change of state made, if any.
fn acquire(
    phase: &mut Phase,
    config: &Config,
    now: Instant,
) -> (Result<(), Duration>, Option<StateChange>) {
    match *phase {
        Phase::Closed => (Ok(()), None),
        Phase::Open { until } if now < until => (Err(until - now), None),
        Phase::Open { .. } => {
            *phase = Phase::HalfOpen {
                since: now,
                started: 1,
                answered: 0,
            };
            (
                Ok(()),
                Some(change(BreakerState::Open, BreakerState::HalfOpen)),
            )
        }
        Phase::HalfOpen {
            since,
            started,
            answered,
        } => {
            if started < config.probes {
                *phase = Phase::HalfOpen {
                    since,
                    started: started + 1,
                    answered,
                };
                (Ok(()), None)
            } else if now.saturating_duration_since(since) >= config.open_for {
                // Probes that never answered free their places after another `open_for`.
                *phase = Phase::HalfOpen {
                    since: now,
                    started: answered + 1,
                    answered,
                };
                (Ok(()), None)
            } else {
                (
                    Err((since + config.open_for).saturating_duration_since(now)),
                    None,
                )
            }
        }
    }
}

fn on_success(state: &mut State, now: Instant) -> Option<StateChange> {
    match state.phase {
        Phase::Closed => {
            state.window.record(false, now);
            None
        }
        // An attempt let through before the breaker opened: its answer is old news.
        Phase::Open { .. } => None,
        Phase::HalfOpen {
            since,
            started,
            answered,
        } => {
            let answered = answered + 1;
            if answered >= started {
                state.phase = Phase::Closed;
                state.window.clear();
                state.retry_after = Duration::ZERO;
                Some(change(BreakerState::HalfOpen, BreakerState::Closed))
            } else {
                state.phase = Phase::HalfOpen {
                    since,
                    started,
                    answered,
                };
                None
            }
        }
    }
}

fn on_failure(
    state: &mut State,
    config: &Config,
    now: Instant,
    retry_after: Option<Duration>,
) -> Option<StateChange> {
    let retry_after = retry_after.unwrap_or_default();
    match state.phase {
        Phase::Closed => {
            state.window.record(true, now);
            state.retry_after = state.retry_after.max(retry_after);
            let (calls, failures) = state.window.counts(now);
            let rate = failures as f64 / calls.max(1) as f64;
            (calls >= u64::from(config.minimum_calls) && rate >= config.failure_rate)
                .then(|| open(state, config, now, BreakerState::Closed, rate))
        }
        Phase::Open { .. } => None,
        Phase::HalfOpen { .. } => {
            state.retry_after = state.retry_after.max(retry_after);
            Some(open(state, config, now, BreakerState::HalfOpen, 1.0))
        }
    }
}

fn open(
    state: &mut State,
    config: &Config,
    now: Instant,
    from: BreakerState,
    failure_rate: f64,
) -> StateChange {
    let open_for = config.open_for.max(state.retry_after);
    state.phase = Phase::Open {
        until: now + open_for,
    };
    state.window.clear();
    state.retry_after = Duration::ZERO;
    state.opened += 1;
    StateChange {
        partition: None,
        from,
        to: BreakerState::Open,
        failure_rate,
        open_for: Some(open_for),
    }
}

fn change(from: BreakerState, to: BreakerState) -> StateChange {
    StateChange {
        partition: None,
        from,
        to,
        failure_rate: 0.0,
        open_for: None,
    }
}

/// The `tracing` event and the hook of a change of state.
#[cold]
fn report(config: &Config, change: &StateChange) {
    let partition = change.partition.unwrap_or("(shared)");
    match change.to {
        BreakerState::Open => tracing::warn!(
            partition,
            from = %change.from,
            failure_rate = change.failure_rate,
            open_for = ?change.open_for,
            "circuit breaker opened"
        ),
        BreakerState::Closed => tracing::info!(partition, "circuit breaker closed"),
        BreakerState::HalfOpen => {
            tracing::info!(
                partition,
                "circuit breaker half-open: letting probes through"
            )
        }
    }
    crate::observe::breaker_state(partition, change.to);
    if let Some(hook) = &config.on_state_change {
        hook(change);
    }
}

impl fmt::Debug for CircuitBreaker {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let config = &self.shared.config;
        f.debug_struct("CircuitBreaker")
            .field("window", &config.window)
            .field("minimum_calls", &config.minimum_calls)
            .field("failure_rate", &config.failure_rate)
            .field("open_for", &config.open_for)
            .field("probes", &config.probes)
            .field("partitioned", &self.shared.states.is_partitioned())
            .field("times_opened", &self.times_opened())
            .finish_non_exhaustive()
    }
}

/// Builds a [`CircuitBreaker`]; every option is checked by [`build`](Self::build).
#[must_use]
pub struct CircuitBreakerBuilder {
    window: WindowKind,
    minimum_calls: u32,
    failure_rate: f64,
    open_for: Duration,
    probes: u32,
    partition: Partition,
    on_state_change: Option<StateHook>,
}

impl CircuitBreakerBuilder {
    /// The failure rate is measured over the last `calls` outcomes (default 20; > 0).
    pub fn window_calls(mut self, calls: u32) -> Self {
        self.window = WindowKind::Calls(calls);
        self
    }

    /// The failure rate is measured over the outcomes of the last `period` (kept in ten
    /// slices, so outcomes leave it a tenth of the period at a time; > 0).
    pub fn window_time(mut self, period: Duration) -> Self {
        self.window = WindowKind::Time(period);
        self
    }

    /// The fewest outcomes in the window before the breaker may open (default 10; > 0, and
    /// at most the window's size for a count window).
    pub fn minimum_calls(mut self, calls: u32) -> Self {
        self.minimum_calls = calls;
        self
    }

    /// The share of failures in the window that opens the breaker (default 0.5; in (0, 1]).
    pub fn failure_rate(mut self, rate: f64) -> Self {
        self.failure_rate = rate;
        self
    }

    /// How long the breaker stays open before it lets probes through (default 10 s; > 0),
    /// unless a failure that opened it asked for a longer `Retry-After`.
    pub fn open_for(mut self, open_for: Duration) -> Self {
        self.open_for = open_for;
        self
    }

    /// How many probe attempts a half-open breaker lets through (default 1; > 0).
    pub fn probes(mut self, probes: u32) -> Self {
        self.probes = probes;
        self
    }

    /// One state for every call ([`Partition::Shared`], the default) or one per retried fn
    /// ([`Partition::PerTarget`]).
    pub fn partition(mut self, partition: Partition) -> Self {
        self.partition = partition;
        self
    }

    /// Called on every change of state, after the breaker's own `tracing` event, outside its
    /// lock.
    ///
    /// ```
    /// use std::sync::{Arc, Mutex};
    /// use std::time::{Duration, Instant};
    /// use retry_runtime::{BreakerState, CircuitBreaker};
    ///
    /// let seen = Arc::new(Mutex::new(Vec::new()));
    /// let log = seen.clone();
    /// let breaker = CircuitBreaker::builder()
    ///     .window_calls(2)
    ///     .minimum_calls(2)
    ///     .on_state_change(move |change| log.lock().unwrap().push(change.to))
    ///     .build()?;
    /// let now = Instant::now();
    /// breaker.record_failure("fetch", now, None);
    /// breaker.record_failure("fetch", now, None);
    /// assert_eq!(*seen.lock().unwrap(), [BreakerState::Open]);
    /// assert!(breaker.try_acquire("fetch", now).is_err());
    /// assert!(breaker.try_acquire("fetch", now + Duration::from_secs(10)).is_ok());
    /// assert_eq!(*seen.lock().unwrap(), [BreakerState::Open, BreakerState::HalfOpen]);
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn on_state_change(mut self, hook: impl Fn(&StateChange) + Send + Sync + 'static) -> Self {
        self.on_state_change = Some(std::sync::Arc::new(hook));
        self
    }

    /// The breaker, or every option that is out of range.
    ///
    /// ```
    /// use retry_runtime::{CircuitBreaker, Violation};
    ///
    /// let error = CircuitBreaker::builder().window_calls(5).minimum_calls(6).build().unwrap_err();
    /// assert_eq!(
    ///     error.violations(),
    ///     [Violation::new("minimum_calls", "must be at most the window's number of calls")]
    /// );
    /// ```
    pub fn build(self) -> Result<CircuitBreaker, SettingsError> {
        let mut violations = Vec::new();
        match self.window {
            WindowKind::Calls(0) => {
                violations.push(Violation::new("window_calls", "must be greater than 0"));
            }
            WindowKind::Calls(calls) if self.minimum_calls > calls => {
                violations.push(Violation::new(
                    "minimum_calls",
                    "must be at most the window's number of calls",
                ))
            }
            WindowKind::Time(period) if period.is_zero() => {
                violations.push(Violation::new("window_time", "must be greater than 0"));
            }
            _ => {}
        }
        if self.minimum_calls == 0 {
            violations.push(Violation::new("minimum_calls", "must be greater than 0"));
        }
        if !(self.failure_rate > 0.0 && self.failure_rate <= 1.0) {
            violations.push(Violation::new("failure_rate", "must be in (0, 1]"));
        }
        if self.open_for.is_zero() {
            violations.push(Violation::new("open_for", "must be greater than 0"));
        }
        if self.probes == 0 {
            violations.push(Violation::new("probes", "must be greater than 0"));
        }
        if !violations.is_empty() {
            return Err(SettingsError::new(violations));
        }
        let config = Config {
            window: self.window,
            minimum_calls: self.minimum_calls,
            failure_rate: self.failure_rate,
            open_for: self.open_for,
            probes: self.probes,
            on_state_change: self.on_state_change,
        };
        let states = Partitions::new(self.partition, || Mutex::new(State::new(&config)));
        Ok(CircuitBreaker {
            shared: Arc::new(Shared { config, states }),
        })
    }
}

impl fmt::Debug for CircuitBreakerBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CircuitBreakerBuilder")
            .field("window", &self.window)
            .field("minimum_calls", &self.minimum_calls)
            .field("failure_rate", &self.failure_rate)
            .field("open_for", &self.open_for)
            .field("probes", &self.probes)
            .field("partition", &self.partition)
            .finish_non_exhaustive()
    }
}
