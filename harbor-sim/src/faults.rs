//! Fault injection: what goes wrong, for which operation, and when.
//!
//! A [`FaultRule`] pairs a [`Fault`] with a scope (one operation or all) and a trigger (the
//! next N matching requests, a seeded fraction of them, or every one). Rules are checked in
//! the order they were added; the first that fires decides the request's fate.

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// How a `Retry-After` header is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RetryAfter {
    /// `Retry-After: 2`
    Seconds(u64),
    /// `Retry-After: Sat, 28 Nov 2026 16:00:02 GMT`, that many seconds from the answer.
    HttpDate(u64),
}

impl RetryAfter {
    /// The header value, computed now.
    pub fn header_value(&self) -> String {
        match *self {
            RetryAfter::Seconds(s) => s.to_string(),
            RetryAfter::HttpDate(s) => {
                httpdate::fmt_http_date(SystemTime::now() + Duration::from_secs(s))
            }
        }
    }
}

/// What goes wrong.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer this status (Harbor's 5xx body, or `{"errors":[...]}` for 4xx) without running
    /// the operation.
    Status {
        /// 429, 500, 502, 503, 504 or any other 4xx/5xx.
        status: u16,
        /// An optional `Retry-After` header.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after: Option<RetryAfter>,
    },
    /// Hold the answer back, then answer normally.
    Delay {
        /// How long, in milliseconds.
        millis: u64,
    },
    /// Close the connection without answering; the operation does not run.
    Reset,
    /// Run the operation (its write takes effect), then answer this 5xx instead of success.
    ApplyThenFail {
        /// The status to answer.
        status: u16,
    },
    /// Run the operation, then send only the first half of its body (a 200 that fails to parse).
    Truncated,
    /// Run the operation, then answer 200 with an HTML page instead of JSON.
    NotJson,
}

impl Fault {
    /// Answer `status` without running the operation.
    pub fn status(status: u16) -> Self {
        Fault::Status {
            status,
            retry_after: None,
        }
    }

    /// Answer `status` with `Retry-After: <seconds>`.
    pub fn status_retry_after(status: u16, seconds: u64) -> Self {
        Fault::Status {
            status,
            retry_after: Some(RetryAfter::Seconds(seconds)),
        }
    }

    /// Answer `status` with `Retry-After` as an HTTP date `seconds` from now.
    pub fn status_retry_at(status: u16, seconds: u64) -> Self {
        Fault::Status {
            status,
            retry_after: Some(RetryAfter::HttpDate(seconds)),
        }
    }

    /// Hold the answer back for `delay`.
    pub fn delay(delay: Duration) -> Self {
        Fault::Delay {
            millis: delay.as_millis().try_into().unwrap_or(u64::MAX),
        }
    }

    /// Close the connection without answering.
    pub fn reset() -> Self {
        Fault::Reset
    }

    /// Apply the write, then answer `status`.
    pub fn apply_then_fail(status: u16) -> Self {
        Fault::ApplyThenFail { status }
    }

    fn validate(&self) -> Result<(), FaultError> {
        match *self {
            Fault::Status { status, .. } if !(400..=599).contains(&status) => {
                Err(FaultError::Status(status))
            }
            Fault::ApplyThenFail { status } if !(500..=599).contains(&status) => {
                Err(FaultError::Status(status))
            }
            _ => Ok(()),
        }
    }
}

/// When a rule fires. On the wire (the admin endpoint) a trigger is written flat into the
/// rule: `"next": 2`, `"fraction": 0.2, "seed": 7`, or `"always": true`; with none of them,
/// the rule fires once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "TriggerWire", into = "TriggerWire")]
pub enum Trigger {
    /// The next `n` matching requests, then the rule is spent.
    Next(u32),
    /// Each matching request with this probability, drawn from a generator seeded with `seed`.
    Fraction {
        /// Between 0 and 1.
        fraction: f64,
        /// The seed: the same seed and request order give the same faults.
        seed: u64,
    },
    /// Every matching request until the rules are cleared.
    Always,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct TriggerWire {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    next: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fraction: Option<f64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    always: Option<bool>,
}

impl TryFrom<TriggerWire> for Trigger {
    type Error = String;

    fn try_from(w: TriggerWire) -> Result<Self, String> {
        match (w.next, w.fraction, w.always) {
            (Some(n), None, None | Some(false)) => Ok(Trigger::Next(n)),
            (None, Some(fraction), None | Some(false)) => Ok(Trigger::Fraction {
                fraction,
                seed: w.seed.unwrap_or(0),
            }),
            (None, None, Some(true)) => Ok(Trigger::Always),
            (None, None, None | Some(false)) => Ok(Trigger::Next(1)),
            _ => Err("give one trigger: `next`, `fraction` (with `seed`) or `always`".to_owned()),
        }
    }
}

impl From<Trigger> for TriggerWire {
    fn from(t: Trigger) -> Self {
        match t {
            Trigger::Next(n) => TriggerWire {
                next: Some(n),
                ..Default::default()
            },
            Trigger::Fraction { fraction, seed } => TriggerWire {
                fraction: Some(fraction),
                seed: Some(seed),
                ..Default::default()
            },
            Trigger::Always => TriggerWire {
                always: Some(true),
                ..Default::default()
            },
        }
    }
}

/// A fault, where it applies, and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FaultRule {
    /// The operation id it applies to (`getProject`); `None` for every operation.
    #[serde(default)]
    pub operation: Option<String>,
    /// What goes wrong.
    pub fault: Fault,
    /// When.
    #[serde(flatten)]
    pub trigger: Trigger,
}

impl FaultRule {
    /// A rule for every operation that fires on the next request only.
    ///
    /// ```
    /// use harbor_sim::{Fault, FaultRule};
    /// let rule = FaultRule::new(Fault::status(503)).operation("getProject").times(2);
    /// assert_eq!(rule.operation.as_deref(), Some("getProject"));
    /// ```
    pub fn new(fault: Fault) -> Self {
        Self {
            operation: None,
            fault,
            trigger: Trigger::Next(1),
        }
    }

    /// Restricts the rule to one operation id.
    pub fn operation(mut self, id: impl Into<String>) -> Self {
        self.operation = Some(id.into());
        self
    }

    /// Fires on the next `n` matching requests.
    pub fn times(mut self, n: u32) -> Self {
        self.trigger = Trigger::Next(n);
        self
    }

    /// Fires on a seeded random `fraction` of matching requests.
    pub fn fraction(mut self, fraction: f64, seed: u64) -> Self {
        self.trigger = Trigger::Fraction { fraction, seed };
        self
    }

    /// Fires on every matching request.
    pub fn always(mut self) -> Self {
        self.trigger = Trigger::Always;
        self
    }
}

/// A rule that cannot be installed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FaultError {
    /// The status is not an error status the fault can answer.
    #[error("fault status {0} is not allowed: Status takes 400-599, ApplyThenFail takes 500-599")]
    Status(u16),
    /// The fraction is outside [0, 1].
    #[error("fault fraction {0} must be between 0 and 1")]
    Fraction(f64),
    /// The operation id is not one of Harbor's.
    #[error("unknown operation id `{0}`")]
    UnknownOperation(String),
}

#[derive(Debug)]
struct ActiveRule {
    rule: FaultRule,
    remaining: Option<u32>,
    rng: Option<SmallRng>,
}

/// The installed rules. Lock-free when no rule is installed, so benchmarks pay nothing.
#[derive(Debug, Default)]
pub(crate) struct FaultPlan {
    armed: AtomicBool,
    rules: Mutex<Vec<ActiveRule>>,
}

impl FaultPlan {
    pub(crate) fn install(&self, rule: FaultRule) -> Result<(), FaultError> {
        rule.fault.validate()?;
        let rng = match rule.trigger {
            Trigger::Fraction { fraction, seed } => {
                if !(0.0..=1.0).contains(&fraction) {
                    return Err(FaultError::Fraction(fraction));
                }
                Some(SmallRng::seed_from_u64(seed))
            }
            _ => None,
        };
        let remaining = match rule.trigger {
            Trigger::Next(n) => Some(n),
            _ => None,
        };
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.push(ActiveRule {
            rule,
            remaining,
            rng,
        });
        self.armed.store(true, Ordering::Release);
        Ok(())
    }

    pub(crate) fn clear(&self) {
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules.clear();
        self.armed.store(false, Ordering::Release);
    }

    /// The rules still installed, with `Next` triggers showing what is left of them.
    pub(crate) fn rules(&self) -> Vec<FaultRule> {
        let rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        rules
            .iter()
            .map(|r| {
                let mut rule = r.rule.clone();
                if let Some(n) = r.remaining {
                    rule.trigger = Trigger::Next(n);
                }
                rule
            })
            .collect()
    }

    /// Decides whether a request for `operation` meets a fault.
    pub(crate) fn draw(&self, operation: &str) -> Option<Fault> {
        if !self.armed.load(Ordering::Acquire) {
            return None;
        }
        let mut rules = self.rules.lock().unwrap_or_else(|e| e.into_inner());
        let mut fired = None;
        for (i, active) in rules.iter_mut().enumerate() {
            if active
                .rule
                .operation
                .as_deref()
                .is_some_and(|op| op != operation)
            {
                continue;
            }
            let fires = match (&mut active.remaining, &mut active.rng, &active.rule.trigger) {
                (Some(n), _, _) => {
                    *n = n.saturating_sub(1);
                    true
                }
                (_, Some(rng), Trigger::Fraction { fraction, .. }) => {
                    rng.random::<f64>() < *fraction
                }
                _ => true,
            };
            if fires {
                fired = Some((i, active.rule.fault.clone()));
                break;
            }
        }
        let (index, fault) = fired?;
        if rules[index].remaining == Some(0) {
            rules.remove(index);
        }
        if rules.is_empty() {
            self.armed.store(false, Ordering::Release);
        }
        Some(fault)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_n_then_spent() {
        let plan = FaultPlan::default();
        plan.install(
            FaultRule::new(Fault::status(503))
                .operation("getProject")
                .times(2),
        )
        .unwrap();
        assert_eq!(plan.draw("listProjects"), None);
        assert_eq!(plan.draw("getProject"), Some(Fault::status(503)));
        assert_eq!(plan.draw("getProject"), Some(Fault::status(503)));
        assert_eq!(plan.draw("getProject"), None);
        assert!(plan.rules().is_empty());
    }

    #[test]
    fn seeded_fraction_is_reproducible() {
        let draws = || {
            let plan = FaultPlan::default();
            plan.install(FaultRule::new(Fault::reset()).fraction(0.5, 7))
                .unwrap();
            (0..64)
                .map(|_| plan.draw("x").is_some())
                .collect::<Vec<_>>()
        };
        let first = draws();
        assert_eq!(first, draws());
        assert!(first.iter().any(|f| *f) && first.iter().any(|f| !*f));
    }

    #[test]
    fn invalid_rules_are_errors() {
        let plan = FaultPlan::default();
        assert_eq!(
            plan.install(FaultRule::new(Fault::status(200))),
            Err(FaultError::Status(200))
        );
        assert_eq!(
            plan.install(FaultRule::new(Fault::reset()).fraction(1.5, 1)),
            Err(FaultError::Fraction(1.5))
        );
    }

    #[test]
    fn rules_round_trip_as_json() {
        let rule = FaultRule::new(Fault::status_retry_after(429, 2))
            .operation("getProject")
            .times(3);
        let json = serde_json::to_string(&rule).unwrap();
        assert_eq!(
            json,
            r#"{"operation":"getProject","fault":{"kind":"status","status":429,"retry_after":{"seconds":2}},"next":3}"#
        );
        assert_eq!(serde_json::from_str::<FaultRule>(&json).unwrap(), rule);
        let flat: FaultRule =
            serde_json::from_str(r#"{"fault":{"kind":"reset"},"fraction":0.25,"seed":9}"#).unwrap();
        assert_eq!(
            flat.trigger,
            Trigger::Fraction {
                fraction: 0.25,
                seed: 9
            }
        );
        let once: FaultRule = serde_json::from_str(r#"{"fault":{"kind":"not_json"}}"#).unwrap();
        assert_eq!(once.trigger, Trigger::Next(1));
        assert!(
            serde_json::from_str::<FaultRule>(
                r#"{"fault":{"kind":"reset"},"next":1,"always":true}"#
            )
            .is_err()
        );
    }
}
