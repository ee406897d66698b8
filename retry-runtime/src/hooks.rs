//! Event hooks (`on_success`, `on_backoff`, `on_giveup`) and the default `tracing` handler.

use core::fmt;

use tracing::Level;

use crate::details::{Details, GiveUpReason};

/// An event handler: given the [`Details`] of a success, a backoff or a give-up.
///
/// Implemented for every `Fn(&Details<'_, E>)`, for `()` (no hook) and for tuples of up to 8
/// hooks, which run in order (`on_backoff = [a, b]` becomes the tuple `(a, b)`).
///
/// ```
/// use std::cell::Cell;
/// use std::time::Duration;
/// use retry_runtime::{Details, Hook, Outcome};
///
/// let count = Cell::new(0);
/// let count_calls = |_: &Details<'_, String>| count.set(count.get() + 1);
/// let log = |d: &Details<'_, String>| println!("try {} failed: {:?}", d.tries, d.error());
/// let hooks = (count_calls, log);
///
/// let error = String::from("boom");
/// hooks.call(&Details::new("demo::op", &[], 1, Duration::ZERO, None, Outcome::Error(&error)));
/// assert_eq!(count.get(), 1);
/// ```
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a hook for errors of type `{E}`",
    label = "expected a fn taking `&retry_runtime::Details<'_, {E}>`",
    note = "a hook is `fn(&Details<'_, {E}>)`; a list of hooks is written `[a, b]` in `#[retry]` or as a tuple `(a, b)`"
)]
pub trait Hook<E> {
    /// Runs the hook.
    fn call(&self, details: &Details<'_, E>);

    /// Whether this hook does nothing (`()`); lets the engine skip reading the clock.
    #[inline]
    fn is_noop(&self) -> bool {
        false
    }
}

impl<E, F: Fn(&Details<'_, E>)> Hook<E> for F {
    #[inline]
    fn call(&self, details: &Details<'_, E>) {
        self(details)
    }
}

impl<E> Hook<E> for () {
    #[inline]
    fn call(&self, _details: &Details<'_, E>) {}

    #[inline]
    fn is_noop(&self) -> bool {
        true
    }
}

macro_rules! tuple_hooks {
    ($($name:ident),+) => {
        impl<E, $($name: Hook<E>),+> Hook<E> for ($($name,)+) {
            #[inline]
            #[allow(non_snake_case)]
            fn call(&self, details: &Details<'_, E>) {
                let ($($name,)+) = self;
                $($name.call(details);)+
            }

            #[inline]
            #[allow(non_snake_case)]
            fn is_noop(&self) -> bool {
                let ($($name,)+) = self;
                true $(&& $name.is_noop())+
            }
        }
    };
}
tuple_hooks!(A);
tuple_hooks!(A, B);
tuple_hooks!(A, B, C);
tuple_hooks!(A, B, C, D);
tuple_hooks!(A, B, C, D, F);
tuple_hooks!(A, B, C, D, F, G);
tuple_hooks!(A, B, C, D, F, G, H);
tuple_hooks!(A, B, C, D, F, G, H, I);

/// The default `tracing` handler, run before the user's hooks (as `backoff`'s logger is):
/// a backoff is logged at INFO and a give-up at ERROR by default; both levels are configurable
/// and the handler can be switched off. Successes are not logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct LogConfig {
    /// Whether the handler runs at all.
    pub enabled: bool,
    /// The level of backoff events (default INFO).
    pub backoff_level: Level,
    /// The level of give-up events (default ERROR).
    pub giveup_level: Level,
}

impl Default for LogConfig {
    fn default() -> Self {
        LogConfig {
            enabled: true,
            backoff_level: Level::INFO,
            giveup_level: Level::ERROR,
        }
    }
}

/// Emits a `tracing` event at a level chosen at run time (`event!` wants a constant).
macro_rules! event_at {
    ($level:expr, $($rest:tt)+) => {{
        let level = $level;
        if level == Level::ERROR {
            tracing::event!(Level::ERROR, $($rest)+)
        } else if level == Level::WARN {
            tracing::event!(Level::WARN, $($rest)+)
        } else if level == Level::INFO {
            tracing::event!(Level::INFO, $($rest)+)
        } else if level == Level::DEBUG {
            tracing::event!(Level::DEBUG, $($rest)+)
        } else {
            tracing::event!(Level::TRACE, $($rest)+)
        }
    }};
}

/// The error or value of an event, for the log line.
struct Cause<'d, 'a, E>(&'d Details<'a, E>);

impl<E: fmt::Debug> fmt::Display for Cause<'_, '_, E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.0.outcome {
            crate::Outcome::Error(e) => write!(f, "{e:?}"),
            crate::Outcome::Value(v) => write!(f, "value {v:?}"),
            crate::Outcome::Success => f.write_str("success"),
        }
    }
}

impl LogConfig {
    /// Logs a backoff: `Backing off {target}({args}) for {wait}s after {tries} tries ({error})`.
    #[inline]
    pub fn log_backoff<E: fmt::Debug>(&self, details: &Details<'_, E>) {
        // The check inline, the formatting out of line: with the logger off (a constant in a
        // `#[retry]` fn) the retry path keeps no trace of it.
        if self.enabled {
            self.emit_backoff(details);
        }
    }

    #[inline(never)]
    fn emit_backoff<E: fmt::Debug>(&self, details: &Details<'_, E>) {
        let wait = details.wait.unwrap_or_default().as_secs_f64();
        event_at!(
            self.backoff_level,
            function = details.target,
            tries = details.tries,
            wait_secs = wait,
            "Backing off {}({}) for {:.2}s after {} tries ({})",
            details.target,
            details.args_display(),
            wait,
            details.tries,
            Cause(details),
        );
    }

    /// Logs the success of a call that hedged (two attempts ran at once), at the backoff
    /// level: `Hedged {target}({args}): attempt {attempt} won after {elapsed}s, {tries} tries
    /// started`. A call that never hedged logs nothing on success, as before.
    #[inline]
    pub fn log_hedged_success<E: fmt::Debug>(&self, details: &Details<'_, E>) {
        if self.enabled && details.tries > 1 {
            self.emit_hedged_success(details);
        }
    }

    #[inline(never)]
    fn emit_hedged_success<E: fmt::Debug>(&self, details: &Details<'_, E>) {
        let elapsed = details.elapsed.as_secs_f64();
        event_at!(
            self.backoff_level,
            function = details.target,
            tries = details.tries,
            attempt = details.attempt,
            "Hedged {}({}): attempt {} won after {:.2}s, {} tries started",
            details.target,
            details.args_display(),
            details.attempt,
            elapsed,
            details.tries,
        );
    }

    /// Logs a give-up: `Giving up {target}({args}) after {tries} tries ({error}): {reason}`,
    /// e.g. `...: retry budget exhausted` (the reason is left out when `Details::reason` is
    /// `None`); the event also carries a `reason` field.
    #[inline]
    pub fn log_giveup<E: fmt::Debug>(&self, details: &Details<'_, E>) {
        if self.enabled {
            self.emit_giveup(details);
        }
    }

    #[inline(never)]
    fn emit_giveup<E: fmt::Debug>(&self, details: &Details<'_, E>) {
        let reason = details.reason.map_or("", GiveUpReason::as_str);
        event_at!(
            self.giveup_level,
            function = details.target,
            tries = details.tries,
            reason,
            "Giving up {}({}) after {} tries ({}){}{}",
            details.target,
            details.args_display(),
            details.tries,
            Cause(details),
            if reason.is_empty() { "" } else { ": " },
            reason,
        );
    }
}
