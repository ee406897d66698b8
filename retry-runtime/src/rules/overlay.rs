//! Run-time settings under a policy: the one place where a `#[retry]` attribute's (or a
//! `Policy`'s) own values meet the settings' ([`overlay`]), and the call's own wait generator
//! and jitter, built on its first backoff so that a call that succeeds at once allocates
//! nothing.

use core::fmt::Debug;
use std::time::Duration;

use super::settings::{ErasedRules, RetrySettings};
use super::{CallRules, GuardRules, Limits, Timing, TimingRules, WaitFloor, next_wait};
use crate::breaker::{CircuitBreaker, OpenFn};
use crate::budget::RetryBudget;
use crate::classify::ErrorFilter;
use crate::concurrent::TimedOutFn;
use crate::details::Details;
use crate::hooks::Hook;
use crate::jitter::Jitter;
use crate::latency::AutoHedge;
use crate::limiter::AdaptiveLimiter;
use crate::step::ValueFilter;
use crate::wait::{Last, WaitGen};

/// The rules of one call under run-time settings: the settings' shared rules (none when the
/// settings are `None` or off), overlaid with the policy's value predicate and timing.
#[doc(hidden)]
pub struct Overlay<E, P> {
    /// `None` when the settings are `None` or off (`overlay` checks the switch, once).
    settings: Option<RetrySettings<E>>,
    predicate: P,
    timing: Timing<E>,
    /// The self-tuning hedge delay, where no fixed delay applies.
    auto_hedge: Option<AutoHedge>,
    wait: Option<Box<dyn WaitGen<E> + Send>>,
    jitter: Option<Box<dyn Jitter + Send>>,
}

/// What the policy keeps of its own under settings: the `on_result` predicate (settings cannot
/// hold one, it is typed by the value) and the timing, whose set values win over the settings'
/// (`#[retry(attempt_timeout = None)]` lets the settings' apply); a policy that set an
/// attempt timeout but never `hedge_delay` never hedges (the fn's body must not run twice at
/// once). Everything else is the settings'.
#[inline]
pub(crate) fn overlay<E, P>(
    settings: Option<RetrySettings<E>>,
    predicate: P,
    timing: &impl TimingRules<E>,
    own_auto_hedge: Option<&AutoHedge>,
) -> Overlay<E, P> {
    let settings = settings.filter(RetrySettings::enabled);
    let Some(shared) = settings.as_ref().map(RetrySettings::rules) else {
        // Off: one plain attempt, no timeout, no hedge.
        return Overlay {
            settings,
            predicate,
            timing: Timing::NONE,
            auto_hedge: None,
            wait: None,
            jitter: None,
        };
    };
    // The first that is set: the fn's fixed delay, its own self-tuning one, the settings'
    // fixed delay, the settings' self-tuning one; none for a fn that may not hedge.
    let (hedge_delay, auto_hedge) = if !timing.may_hedge() {
        (None, None)
    } else if let Some(delay) = timing.hedge_delay() {
        (Some(delay), None)
    } else if let Some(auto) = own_auto_hedge {
        (None, Some(auto.clone()))
    } else if let Some(delay) = shared.timing.hedge_delay {
        (Some(delay), None)
    } else {
        (None, shared.guards.auto_hedge.clone())
    };
    let timing = Timing {
        attempt_timeout: timing.attempt_timeout().or(shared.timing.attempt_timeout),
        hedge_delay,
        max_hedges: timing.max_hedges().or(shared.timing.max_hedges),
        hedges: timing.may_hedge(),
    };
    Overlay {
        settings,
        predicate,
        timing,
        auto_hedge,
        wait: None,
        jitter: None,
    }
}

impl<E, P> Overlay<E, P> {
    #[inline]
    fn shared(&self) -> Option<&ErasedRules<E>> {
        self.settings.as_ref().map(RetrySettings::rules)
    }
}

impl<T, E: Debug, P: ValueFilter<T>> CallRules<T, E> for Overlay<E, P> {
    #[inline]
    fn enabled(&self) -> bool {
        self.shared().is_some()
    }
    fn limits(&self) -> &Limits {
        self.shared().map_or(&Limits::UNLIMITED, |r| &r.limits)
    }
    fn needs_clock(&self) -> bool {
        self.shared().is_some_and(|r| r.needs_clock())
    }
    fn catches(&self, error: &E) -> bool {
        self.shared().is_some_and(|r| r.exception.test(error))
    }
    fn gives_up(&self, error: &E) -> bool {
        self.shared().is_some_and(|r| r.giveup.test(error))
    }
    fn rejects<'v>(&self, value: &'v T) -> Option<&'v dyn Debug> {
        self.predicate.rejects(value)
    }
    fn accepts_every_value(&self) -> bool {
        self.predicate.accepts_all()
    }
    fn next_wait(&mut self, last: Last<'_, E>) -> Option<Duration> {
        let Overlay {
            settings,
            wait,
            jitter,
            ..
        } = self;
        let shared = settings.as_ref().map(RetrySettings::rules)?;
        let wait = wait.get_or_insert_with(|| (shared.wait.0)());
        let jitter = jitter.get_or_insert_with(|| (shared.jitter.0)());
        next_wait(&mut **wait, &mut **jitter, &shared.wait_floor, last)
    }
    fn on_success(&self, details: &Details<'_, E>) {
        if let Some(r) = self.shared() {
            r.on_success.call(details);
        }
    }
    fn on_hedged_success(&self, details: &Details<'_, E>) {
        if let Some(r) = self.shared() {
            r.on_hedged_success(details);
        }
    }
    fn on_backoff(&self, details: &Details<'_, E>) {
        if let Some(r) = self.shared() {
            r.on_backoff(details);
        }
    }
    fn on_giveup(&self, details: &Details<'_, E>) {
        if let Some(r) = self.shared() {
            r.on_giveup(details);
        }
    }
    fn has_success_hooks(&self) -> bool {
        self.shared().is_some_and(|r| !r.on_success.is_noop())
    }
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        self.shared().and_then(|r| r.budget.as_ref())
    }
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        self.timing.attempt_timeout
    }
    fn hedge_delay(&self) -> Option<Duration> {
        self.timing.hedge_delay
    }
    fn max_hedges(&self) -> Option<u32> {
        self.timing.max_hedges
    }
    #[inline]
    fn breaker(&self) -> Option<(&CircuitBreaker, OpenFn<E>)> {
        self.shared().and_then(|r| r.guards.breaker())
    }
    #[inline]
    fn limiter(&self) -> Option<&AdaptiveLimiter> {
        self.shared().and_then(|r| r.guards.limiter())
    }
    #[inline]
    fn auto_hedge(&self) -> Option<&AutoHedge> {
        self.auto_hedge.as_ref()
    }
    fn floor(&self, error: &E) -> Option<Duration> {
        self.shared().and_then(|r| r.wait_floor.floor(error))
    }
}
