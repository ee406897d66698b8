//! The slots of [`Rules`](super::Rules): the rules that are code or a handle. A policy fills
//! them with its own types (zero-sized defaults such as [`NoFloor`] and [`NoTiming`] cost
//! nothing); run-time settings with the erased ones at the end of this file, shared by every
//! call.

use core::fmt::Debug;
use std::sync::Arc;
use std::time::Duration;

use crate::breaker::{CircuitBreaker, OpenFn};
use crate::classify::ErrorFilter;
use crate::concurrent::TimedOutFn;
use crate::details::Details;
use crate::hooks::Hook;
use crate::jitter::Jitter;
use crate::latency::AutoHedge;
use crate::limiter::AdaptiveLimiter;
use crate::wait::WaitGen;

/// The least wait an error asks for ([`Policy::wait_floor`](crate::Policy::wait_floor)).
#[doc(hidden)]
pub trait WaitFloor<E> {
    /// The floor for `error`; `None`: no floor.
    fn floor(&self, error: &E) -> Option<Duration>;
}

/// No wait floor (the default): costs nothing, not even on a backoff.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoFloor;

impl<E> WaitFloor<E> for NoFloor {
    #[inline]
    fn floor(&self, _error: &E) -> Option<Duration> {
        None
    }
}

/// A wait floor read from the error by a closure.
#[doc(hidden)]
#[derive(Debug, Clone, Copy)]
pub struct FloorFn<F>(pub F);

impl<E, F: Fn(&E) -> Option<Duration>> WaitFloor<E> for FloorFn<F> {
    #[inline]
    fn floor(&self, error: &E) -> Option<Duration> {
        (self.0)(error)
    }
}

/// The per-attempt timeout and the hedge delay of a policy ([`NoTiming`] or [`Timing`]).
#[doc(hidden)]
pub trait TimingRules<E> {
    /// The per-attempt timeout and the error type's conversion.
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)>;
    /// The hedge delay.
    fn hedge_delay(&self) -> Option<Duration>;
    /// The most hedges per call.
    fn max_hedges(&self) -> Option<u32>;
    /// Whether run-time settings' hedge delay may apply: a policy that set `attempt_timeout`
    /// but not `hedge_delay` (a `#[retry]` fn naming only `attempt_timeout`) never hedges.
    fn may_hedge(&self) -> bool;
    /// The same values as a [`Timing`], for a setter to change one of them.
    fn to_timing(&self) -> Timing<E>;
}

/// Neither a per-attempt timeout nor hedging (the default): a zero-sized type, so a policy
/// that sets neither holds nothing more than before they existed.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoTiming;

impl<E> TimingRules<E> for NoTiming {
    #[inline]
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        None
    }
    #[inline]
    fn hedge_delay(&self) -> Option<Duration> {
        None
    }
    #[inline]
    fn max_hedges(&self) -> Option<u32> {
        None
    }
    #[inline]
    fn may_hedge(&self) -> bool {
        true
    }
    #[inline]
    fn to_timing(&self) -> Timing<E> {
        Timing {
            attempt_timeout: None,
            hedge_delay: None,
            max_hedges: None,
            hedges: false,
        }
    }
}

/// A per-attempt timeout, a hedge delay, or both (set by `Policy::attempt_timeout`,
/// `Policy::hedge_delay` and `Policy::max_hedges`).
#[doc(hidden)]
pub struct Timing<E> {
    pub(crate) attempt_timeout: Option<(Duration, TimedOutFn<E>)>,
    pub(crate) hedge_delay: Option<Duration>,
    pub(crate) max_hedges: Option<u32>,
    /// Set by `hedge_delay` (even to `None`): the call may hedge.
    pub(crate) hedges: bool,
}

impl<E> Timing<E> {
    /// Neither a timeout nor a hedge delay (settings' default).
    pub(crate) const NONE: Timing<E> = Timing {
        attempt_timeout: None,
        hedge_delay: None,
        max_hedges: None,
        hedges: false,
    };
}

impl<E> Clone for Timing<E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<E> Copy for Timing<E> {}

impl<E> Debug for Timing<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Timing")
            .field("attempt_timeout", &self.attempt_timeout.map(|(t, _)| t))
            .field("hedge_delay", &self.hedge_delay)
            .field("max_hedges", &self.max_hedges)
            .field("hedges", &self.hedges)
            .finish()
    }
}

impl<E> TimingRules<E> for Timing<E> {
    #[inline]
    fn attempt_timeout(&self) -> Option<(Duration, TimedOutFn<E>)> {
        self.attempt_timeout
    }
    #[inline]
    fn hedge_delay(&self) -> Option<Duration> {
        self.hedge_delay
    }
    #[inline]
    fn max_hedges(&self) -> Option<u32> {
        self.max_hedges
    }
    #[inline]
    fn may_hedge(&self) -> bool {
        self.hedges
    }
    #[inline]
    fn to_timing(&self) -> Timing<E> {
        *self
    }
}

/// The shared handles of a policy or settings that guard calls against what other calls saw:
/// none ([`NoGuards`], zero-sized, the default) or [`Guards`].
#[doc(hidden)]
pub trait GuardRules<E> {
    /// The circuit breaker and the error type's conversion of its refusal.
    fn breaker(&self) -> Option<(&CircuitBreaker, OpenFn<E>)>;
    /// The adaptive rate limiter.
    fn limiter(&self) -> Option<&AdaptiveLimiter>;
    /// The self-tuning hedge delay.
    fn auto_hedge(&self) -> Option<&AutoHedge>;
    /// The same handles as [`Guards`], for a setter to change one of them.
    fn to_guards(&self) -> Guards<E>;
}

/// No shared guard (the default): the engine does no guard work at all.
#[doc(hidden)]
#[derive(Debug, Clone, Copy, Default)]
pub struct NoGuards;

impl<E> GuardRules<E> for NoGuards {
    #[inline]
    fn breaker(&self) -> Option<(&CircuitBreaker, OpenFn<E>)> {
        None
    }
    #[inline]
    fn limiter(&self) -> Option<&AdaptiveLimiter> {
        None
    }
    #[inline]
    fn auto_hedge(&self) -> Option<&AutoHedge> {
        None
    }
    #[inline]
    fn to_guards(&self) -> Guards<E> {
        Guards::NONE
    }
}

/// The shared guards set by `Policy::breaker`, `Policy::limiter` and `Policy::hedge_auto`
/// (or the settings' builder): one field each.
#[doc(hidden)]
pub struct Guards<E> {
    pub(crate) breaker: Option<Guard<E>>,
    pub(crate) limiter: Option<AdaptiveLimiter>,
    pub(crate) auto_hedge: Option<AutoHedge>,
}

impl<E> Guards<E> {
    /// No guard (settings' default).
    pub(crate) const NONE: Guards<E> = Guards {
        breaker: None,
        limiter: None,
        auto_hedge: None,
    };
}

impl<E> Clone for Guards<E> {
    fn clone(&self) -> Self {
        Guards {
            breaker: self.breaker.clone(),
            limiter: self.limiter.clone(),
            auto_hedge: self.auto_hedge.clone(),
        }
    }
}

impl<E> Debug for Guards<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Guards")
            .field("breaker", &self.breaker)
            .field("limiter", &self.limiter)
            .field("auto_hedge", &self.auto_hedge)
            .finish()
    }
}

impl<E> GuardRules<E> for Guards<E> {
    #[inline]
    fn breaker(&self) -> Option<(&CircuitBreaker, OpenFn<E>)> {
        self.breaker
            .as_ref()
            .map(|guard| (&guard.breaker, guard.open))
    }
    #[inline]
    fn limiter(&self) -> Option<&AdaptiveLimiter> {
        self.limiter.as_ref()
    }
    #[inline]
    fn auto_hedge(&self) -> Option<&AutoHedge> {
        self.auto_hedge.as_ref()
    }
    #[inline]
    fn to_guards(&self) -> Guards<E> {
        self.clone()
    }
}

/// A circuit breaker with the conversion captured where `E: From<CircuitOpen>` was checked.
#[doc(hidden)]
pub struct Guard<E> {
    pub(crate) breaker: CircuitBreaker,
    pub(crate) open: OpenFn<E>,
}

impl<E> Clone for Guard<E> {
    fn clone(&self) -> Self {
        Guard {
            breaker: self.breaker.clone(),
            open: self.open,
        }
    }
}

impl<E> Debug for Guard<E> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        self.breaker.fmt(f)
    }
}

/// An error predicate shared by settings.
pub(crate) type ErrorPredicate<E> = Arc<dyn Fn(&E) -> bool + Send + Sync>;
/// A wait floor shared by settings.
pub(crate) type SharedFloor<E> = Arc<dyn Fn(&E) -> Option<Duration> + Send + Sync>;
/// A hook shared by settings.
pub(crate) type SharedHook<E> = Arc<dyn Fn(&Details<'_, E>) + Send + Sync>;

/// Settings' retried errors: any of the classes and predicates given; every error when none
/// was.
#[doc(hidden)]
pub struct AnyOf<E>(pub(crate) Vec<ErrorPredicate<E>>);

impl<E> ErrorFilter<E> for AnyOf<E> {
    #[inline]
    fn test(&self, error: &E) -> bool {
        self.0.is_empty() || self.0.iter().any(|class| class(error))
    }
}

/// Settings' give-up predicate, if one was set.
#[doc(hidden)]
pub struct GiveUpIf<E>(pub(crate) Option<ErrorPredicate<E>>);

impl<E> ErrorFilter<E> for GiveUpIf<E> {
    #[inline]
    fn test(&self, error: &E) -> bool {
        self.0.as_ref().is_some_and(|giveup| giveup(error))
    }
}

/// Settings' wait floor, if one was set.
#[doc(hidden)]
pub struct FloorIf<E>(pub(crate) Option<SharedFloor<E>>);

impl<E> WaitFloor<E> for FloorIf<E> {
    #[inline]
    fn floor(&self, error: &E) -> Option<Duration> {
        self.0.as_ref().and_then(|floor| floor(error))
    }
}

/// Settings' hooks of one kind, run in the order added.
#[doc(hidden)]
pub struct HookList<E>(pub(crate) Vec<SharedHook<E>>);

// Not one more implementor to name in a wrong hook's error: the list is settings' own.
#[diagnostic::do_not_recommend]
impl<E> Hook<E> for HookList<E> {
    #[inline]
    fn call(&self, details: &Details<'_, E>) {
        self.0.iter().for_each(|hook| hook(details));
    }
    #[inline]
    fn is_noop(&self) -> bool {
        self.0.is_empty()
    }
}

/// Settings' wait generator: a fresh one is made for each call, on its first backoff.
#[doc(hidden)]
pub struct WaitFactory<E>(pub(crate) Arc<dyn Fn() -> Box<dyn WaitGen<E> + Send> + Send + Sync>);

/// Settings' jitter: a fresh one is made for each call, on its first backoff.
#[doc(hidden)]
pub struct JitterFactory(pub(crate) Arc<dyn Fn() -> Box<dyn Jitter + Send> + Send + Sync>);

// Cloning an erased slot shares its code (derive would ask `E: Clone`).
macro_rules! clone_shared {
    ($($slot:ident$(<$e:ident>)?),*) => {$(
        impl$(<$e>)? Clone for $slot$(<$e>)? {
            fn clone(&self) -> Self {
                $slot(self.0.clone())
            }
        }
    )*};
}
clone_shared!(
    AnyOf<E>,
    GiveUpIf<E>,
    FloorIf<E>,
    HookList<E>,
    WaitFactory<E>,
    JitterFactory
);
