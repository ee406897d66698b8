//! The synchronisation primitives of the shared handles (breaker, limiter, latency tracker):
//! `std`'s, or `loom`'s when the crate is built with `--cfg loom` so that their state machines
//! can be model-checked (`bash bench/loom.sh`), as tokio checks its own primitives.
// Not every handle uses every primitive.
#![allow(unused_imports)]

#[cfg(loom)]
pub(crate) use loom::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(loom)]
pub(crate) use loom::sync::{Arc, Mutex, RwLock};

#[cfg(not(loom))]
pub(crate) use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
#[cfg(not(loom))]
pub(crate) use std::sync::{Arc, Mutex, RwLock};

/// Locks `mutex`, recovering from poisoning: the shared handles keep plain counters that a
/// panicking hook cannot leave half-written in a way that matters more than losing them.
#[inline]
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> impl core::ops::DerefMut<Target = T> + '_ {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
