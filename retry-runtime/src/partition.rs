//! Partitions of a shared handle's state: one state for every call, or one per key (the
//! retried fn's target, `module::fn`), created on first use. The circuit breaker and the
//! adaptive limiter keep their state this way, so that one operation's outage or throttling
//! leaves the others alone.

use std::collections::HashMap;

use crate::sync::{Arc, RwLock};

/// How a shared handle splits its state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Partition {
    /// One state shared by every call (per host, when the handle serves one host).
    #[default]
    Shared,
    /// One state per retried fn (`#[retry]`'s target, `module::fn`; in `harbor-client`, per
    /// operation).
    PerTarget,
}

/// The states of one handle: the shared one, or one per key made on first use.
pub(crate) struct Partitions<S> {
    shared: Option<S>,
    by_key: RwLock<HashMap<&'static str, Arc<S>>>,
}

impl<S> Partitions<S> {
    /// `make` builds the shared state at once for [`Partition::Shared`]; per key it is called
    /// again for each new key.
    pub(crate) fn new(partition: Partition, make: impl FnOnce() -> S) -> Self {
        Partitions {
            shared: (partition == Partition::Shared).then(make),
            by_key: RwLock::new(HashMap::new()),
        }
    }

    /// Runs `f` on the state of `key`, creating it with `make` on first use. The common case
    /// (shared, or a key seen before) takes no write lock and allocates nothing.
    #[inline]
    pub(crate) fn with<R>(
        &self,
        key: &'static str,
        make: impl FnOnce() -> S,
        f: impl FnOnce(&S) -> R,
    ) -> R {
        if let Some(shared) = &self.shared {
            return f(shared);
        }
        let found = self
            .by_key
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(key)
            .cloned();
        let state = match found {
            Some(state) => state,
            None => self
                .by_key
                .write()
                .unwrap_or_else(|poisoned| poisoned.into_inner())
                .entry(key)
                .or_insert_with(|| Arc::new(make()))
                .clone(),
        };
        f(&state)
    }

    /// Calls `f` on every state made so far, with its key (`None`: the shared one).
    pub(crate) fn for_each(&self, mut f: impl FnMut(Option<&'static str>, &S)) {
        if let Some(shared) = &self.shared {
            f(None, shared);
        }
        for (key, state) in self
            .by_key
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .iter()
        {
            f(Some(key), state);
        }
    }
}

#[cfg(all(test, not(loom)))]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[test]
    fn shared_is_one_state_and_per_target_one_per_key() {
        let shared = Partitions::new(Partition::Shared, || AtomicU32::new(0));
        shared.with(
            "a",
            || unreachable!(),
            |s| s.fetch_add(1, Ordering::Relaxed),
        );
        shared.with(
            "b",
            || unreachable!(),
            |s| s.fetch_add(1, Ordering::Relaxed),
        );
        let mut seen = Vec::new();
        shared.for_each(|key, s| seen.push((key, s.load(Ordering::Relaxed))));
        assert_eq!(seen, [(None, 2)]);

        let per_key = Partitions::new(Partition::PerTarget, || AtomicU32::new(0));
        for key in ["a", "b", "a"] {
            per_key.with(
                key,
                || AtomicU32::new(10),
                |s| s.fetch_add(1, Ordering::Relaxed),
            );
        }
        let mut seen = Vec::new();
        per_key.for_each(|key, s| seen.push((key, s.load(Ordering::Relaxed))));
        seen.sort();
        assert_eq!(seen, [(Some("a"), 12), (Some("b"), 11)]);
    }
}
