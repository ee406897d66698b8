//! [`Details`]: what every hook is told about the call (Python `backoff`'s `details` dict).

use core::fmt;
use std::time::Duration;

/// What a hook is told: the call, the attempt count, the time spent, and what happened.
///
/// Hooks read its fields; it is `#[non_exhaustive]` (new fields may come), so code outside
/// this crate builds one with [`Details::new`] and the `with_*` methods.
///
/// ```
/// use std::time::Duration;
/// use retry_runtime::{Arg, Details, Outcome};
///
/// let error = "connection reset";
/// let page = 3;
/// let args = [Arg { name: "page", value: &page }];
/// let details = Details::new(
///     "harbor::projects::list",
///     &args,
///     2,
///     Duration::from_millis(1500),
///     Some(Duration::from_secs(2)),
///     Outcome::Error(&error),
/// );
/// assert_eq!(details.error(), Some(&"connection reset"));
/// assert_eq!(details.args_display().to_string(), "page: 3");
/// assert_eq!((details.attempt, details.running), (2, 0));
/// ```
#[non_exhaustive]
pub struct Details<'a, E> {
    /// The retried fn's path: `module_path!()` + `"::"` + the fn's name.
    pub target: &'static str,
    /// The fn's arguments (not `self`), rendered safely.
    pub args: &'a [Arg<'a>],
    /// Attempts made so far: at least 1, except 0 when a circuit breaker refused the call
    /// before its first attempt ([`GiveUpReason::CircuitOpen`]).
    pub tries: u32,
    /// Time since the call began, measured when the event fires (after the attempt), on a
    /// monotonic clock; `ZERO` when neither a time limit nor a hook needed the clock.
    pub elapsed: Duration,
    /// The wait before the next attempt: `Some` only for `on_backoff`.
    pub wait: Option<Duration>,
    /// What the last attempt produced.
    pub outcome: Outcome<'a, E>,
    /// Why the call gave up: `Some` only for `on_giveup`.
    pub reason: Option<GiveUpReason>,
    /// The number of the attempt this event is about (1 for the first): the one that
    /// succeeded or failed. Equal to `tries` unless the call hedges, where attempts overlap:
    /// on success it says which attempt won, and `tries` how many started. When a circuit
    /// breaker refused the next attempt, it is the last attempt made (0 for none).
    pub attempt: u32,
    /// How many other attempts were still running at the event (hedging; 0 otherwise). They
    /// are dropped when the call returns.
    pub running: u32,
}

impl<'a, E> Details<'a, E> {
    /// Builds details (for tests of hooks and for custom engines); `reason` is `None`, see
    /// [`Details::with_reason`]; `attempt` is `tries` and `running` 0 (no hedging).
    pub fn new(
        target: &'static str,
        args: &'a [Arg<'a>],
        tries: u32,
        elapsed: Duration,
        wait: Option<Duration>,
        outcome: Outcome<'a, E>,
    ) -> Self {
        Details {
            target,
            args,
            tries,
            elapsed,
            wait,
            outcome,
            reason: None,
            attempt: tries,
            running: 0,
        }
    }

    /// The same details with a give-up reason.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{Details, GiveUpReason, Outcome};
    ///
    /// let details = Details::<()>::new("demo::op", &[], 3, Duration::ZERO, None, Outcome::Success)
    ///     .with_reason(GiveUpReason::BudgetExhausted);
    /// assert_eq!(details.reason, Some(GiveUpReason::BudgetExhausted));
    /// ```
    pub fn with_reason(mut self, reason: GiveUpReason) -> Self {
        self.reason = Some(reason);
        self
    }

    /// The same details for a hedged call: the attempt the event is about, and how many
    /// others were still running.
    ///
    /// ```
    /// use std::time::Duration;
    /// use retry_runtime::{Details, Outcome};
    ///
    /// let details = Details::<()>::new("demo::op", &[], 3, Duration::ZERO, None, Outcome::Success)
    ///     .with_attempt(2, 1);
    /// assert_eq!((details.tries, details.attempt, details.running), (3, 2, 1));
    /// ```
    pub fn with_attempt(mut self, attempt: u32, running: u32) -> Self {
        self.attempt = attempt;
        self.running = running;
        self
    }

    /// The error that caused this event, if it was an error.
    pub fn error(&self) -> Option<&'a E> {
        match self.outcome {
            Outcome::Error(e) => Some(e),
            _ => None,
        }
    }

    /// The value that caused this event, if the `on_result` predicate rejected a value.
    pub fn value(&self) -> Option<&'a dyn fmt::Debug> {
        match self.outcome {
            Outcome::Value(v) => Some(v),
            _ => None,
        }
    }

    /// The arguments as `name: value, ...` (for log lines).
    pub fn args_display(&self) -> ArgsDisplay<'a> {
        ArgsDisplay(self.args)
    }
}

impl<E: fmt::Debug> fmt::Debug for Details<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Details")
            .field("target", &self.target)
            .field("args", &self.args)
            .field("tries", &self.tries)
            .field("elapsed", &self.elapsed)
            .field("wait", &self.wait)
            .field("outcome", &self.outcome)
            .field("reason", &self.reason)
            .field("attempt", &self.attempt)
            .field("running", &self.running)
            .finish()
    }
}

/// Why a call gave up (in [`Details::reason`] for `on_giveup`, and in the default log line).
///
/// The checks run in this order on a caught error (or a rejected value): the `giveup`
/// predicate, `max_tries`, `max_time`, the wait generator, then the retry budget, which is
/// asked last so that no token is spent on a retry another rule refuses. Before any attempt and
/// before each retry, an open circuit breaker ends the call ([`GiveUpReason::CircuitOpen`]).
///
/// ```
/// use retry_runtime::GiveUpReason;
/// assert_eq!(GiveUpReason::BudgetExhausted.to_string(), "retry budget exhausted");
/// assert_eq!(GiveUpReason::MaxTries.as_str(), "max_tries reached");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum GiveUpReason {
    /// The `giveup` predicate held on the error.
    Predicate,
    /// `max_tries` attempts were made.
    MaxTries,
    /// `max_time` had passed when the attempt failed.
    MaxTime,
    /// The wait generator had no more waits (a finite `constant` list, a user's generator).
    WaitExhausted,
    /// The shared [`RetryBudget`](crate::budget::RetryBudget) had too few tokens for a retry.
    BudgetExhausted,
    /// The [`CircuitBreaker`](crate::CircuitBreaker) was open: no (further) attempt was made.
    CircuitOpen,
}

impl GiveUpReason {
    /// A short description: `"retry budget exhausted"`.
    pub const fn as_str(self) -> &'static str {
        match self {
            GiveUpReason::Predicate => "giveup predicate held",
            GiveUpReason::MaxTries => "max_tries reached",
            GiveUpReason::MaxTime => "max_time reached",
            GiveUpReason::WaitExhausted => "wait generator exhausted",
            GiveUpReason::BudgetExhausted => "retry budget exhausted",
            GiveUpReason::CircuitOpen => "circuit breaker open",
        }
    }
}

impl fmt::Display for GiveUpReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What the last attempt produced.
pub enum Outcome<'a, E> {
    /// It succeeded (`on_success`).
    Success,
    /// It failed with this error.
    Error(&'a E),
    /// It returned this value, which the `on_result` predicate asked to retry.
    Value(&'a dyn fmt::Debug),
}

impl<E> Clone for Outcome<'_, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Outcome<'_, E> {}

impl<E: fmt::Debug> fmt::Debug for Outcome<'_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Success => f.write_str("Success"),
            Outcome::Error(e) => f.debug_tuple("Error").field(e).finish(),
            Outcome::Value(v) => f.debug_tuple("Value").field(v).finish(),
        }
    }
}

/// One argument of the retried fn: its name and a safe rendering of its value (its `Debug`
/// where the type has one, `<opaque>` where not, `<redacted>` for secrets).
#[derive(Clone, Copy)]
pub struct Arg<'a> {
    /// The parameter's name.
    pub name: &'static str,
    /// The value to print.
    pub value: &'a dyn fmt::Debug,
}

impl fmt::Debug for Arg<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {:?}", self.name, self.value)
    }
}

/// Displays arguments as `name: value, name: value`. Built by [`Details::args_display`].
#[derive(Clone, Copy)]
pub struct ArgsDisplay<'a>(&'a [Arg<'a>]);

impl fmt::Display for ArgsDisplay<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, arg) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{arg:?}")?;
        }
        Ok(())
    }
}

/// Prints `<redacted>`: stands in for a secret argument.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Redacted;

impl fmt::Debug for Redacted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}

/// The rendering of a secret argument in [`Details::args`]: prints `<redacted>`.
///
/// ```
/// assert_eq!(format!("{:?}", retry_runtime::__private::REDACTED), "<redacted>");
/// ```
pub const REDACTED: &dyn fmt::Debug = &Redacted;

/// Prints `<opaque>`: stands in for an argument whose type has no `Debug`.
#[derive(Clone, Copy, Default, PartialEq, Eq)]
pub struct Opaque;

impl fmt::Debug for Opaque {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<opaque>")
    }
}

/// The rendering of an argument whose type has no `Debug`: prints `<opaque>`.
pub const OPAQUE: &dyn fmt::Debug = &Opaque;
