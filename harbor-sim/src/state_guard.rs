//! The request's one hold on the simulator's state: a read or a write guard, taken once for
//! the access check, the handler and the audit rows together, and never held across an
//! `.await`.

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};

use crate::state::SimState;

/// Locks the state for reading. A panic while the state was held cannot leave it torn in a
/// way the simulator cares about, so a poisoned lock is taken as it is.
pub(crate) fn read(state: &RwLock<SimState>) -> RwLockReadGuard<'_, SimState> {
    #[cfg(test)]
    tests::count_taken();
    state.read().unwrap_or_else(|e| e.into_inner())
}

/// Locks the state for writing (see [`read`] on poisoning).
pub(crate) fn write(state: &RwLock<SimState>) -> RwLockWriteGuard<'_, SimState> {
    #[cfg(test)]
    tests::count_taken();
    state.write().unwrap_or_else(|e| e.into_inner())
}

/// The guard a request holds on the state.
pub(crate) enum StateGuard<'a> {
    /// For an operation that only reads.
    Read(RwLockReadGuard<'a, SimState>),
    /// For an operation that changes the state or writes audit rows.
    Write(RwLockWriteGuard<'a, SimState>),
}

impl<'a> StateGuard<'a> {
    /// Takes the write guard when `writes`, else the read guard.
    pub(crate) fn lock(state: &'a RwLock<SimState>, writes: bool) -> Self {
        if writes {
            Self::Write(write(state))
        } else {
            Self::Read(read(state))
        }
    }

    /// The state, to read.
    pub(crate) fn state(&self) -> &SimState {
        match self {
            Self::Read(guard) => guard,
            Self::Write(guard) => guard,
        }
    }

    /// The state, to change; `None` under the read guard.
    pub(crate) fn state_mut(&mut self) -> Option<&mut SimState> {
        match self {
            Self::Read(_) => None,
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
