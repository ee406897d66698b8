//! The request's one hold on the simulator's state: a read or a write guard, taken once for
//! the access check, the handler and the audit rows together, and never held across an
//! `.await`.
//!
//! Before the request holds the state, the jobs that have started since the last request
//! do their work on it ([`SimState::settle`], see `crate::state::job_work`): the job
//! service's own hold, which runs between requests, as Harbor's runs beside its core.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::state::SimState;
use crate::state::jobs::clock;

/// Locks the state for reading, once the jobs due have done their work. A panic while the
/// state was held cannot leave it torn in a way the simulator cares about, so a poisoned lock
/// is taken as it is.
pub(crate) fn read(state: &RwLock<SimState>) -> RwLockReadGuard<'_, SimState> {
    #[cfg(test)]
    tests::count_taken();
    let guard = take_read(state);
    if !work_due(&guard) {
        return guard;
    }
    drop(guard);
    drop(settled(state));
    take_read(state)
}

/// Locks the state for writing, once the jobs due have done their work (see [`read`] on
/// poisoning).
pub(crate) fn write(state: &RwLock<SimState>) -> RwLockWriteGuard<'_, SimState> {
    #[cfg(test)]
    tests::count_taken();
    settled(state)
}

fn take_read(state: &RwLock<SimState>) -> RwLockReadGuard<'_, SimState> {
    state.read().unwrap_or_else(|e| e.into_inner())
}

/// The write guard, after the jobs due have done their work.
fn settled(state: &RwLock<SimState>) -> RwLockWriteGuard<'_, SimState> {
    let mut guard = state.write().unwrap_or_else(|e| e.into_inner());
    if guard.has_pending_work() {
        guard.settle(clock());
    }
    guard
}

/// Whether jobs are due to do their work; the clock is read only when some work waits, which
/// is seldom.
fn work_due(state: &SimState) -> bool {
    state.has_pending_work() && state.work_due(clock())
}

/// The guard a request holds on the state.
pub(crate) enum StateGuard<'a> {
    /// For an operation that only reads.
    Read(RwLockReadGuard<'a, SimState>),
    /// For an operation that changes the state or writes audit rows.
    Write(RwLockWriteGuard<'a, SimState>),
    /// For an operation that only reads, arrived when jobs were due: the write guard they
    /// did their work under, kept so that the request holds the state once, and read only.
    Settled(RwLockWriteGuard<'a, SimState>),
}

impl<'a> StateGuard<'a> {
    /// Takes the write guard when `writes`, else the read guard; a read that finds jobs
    /// due keeps the write guard it settled them under ([`StateGuard::Settled`]).
    pub(crate) fn lock(state: &'a RwLock<SimState>, writes: bool) -> Self {
        if writes {
            return Self::Write(write(state));
        }
        #[cfg(test)]
        tests::count_taken();
        let guard = take_read(state);
        if !work_due(&guard) {
            return Self::Read(guard);
        }
        drop(guard);
        Self::Settled(settled(state))
    }

    /// The state, to read.
    pub(crate) fn state(&self) -> &SimState {
        match self {
            Self::Read(guard) => guard,
            Self::Write(guard) | Self::Settled(guard) => guard,
        }
    }

    /// The state, to change; `None` for an operation that only reads.
    pub(crate) fn state_mut(&mut self) -> Option<&mut SimState> {
        match self {
            Self::Read(_) | Self::Settled(_) => None,
            Self::Write(guard) => Some(guard),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use std::cell::Cell;

    thread_local! {
        /// How many times this thread took the state, read or write.
        static TAKEN: Cell<usize> = const { Cell::new(0) };
    }

    pub(super) fn count_taken() {
        TAKEN.with(|taken| taken.set(taken.get() + 1));
    }

    /// How many times this thread has taken the state: on a current-thread runtime, what
    /// the simulator and its clients did.
    pub(crate) fn taken_on_this_thread() -> usize {
        TAKEN.with(Cell::get)
    }
}
