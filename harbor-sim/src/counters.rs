//! Per-operation counters: requests received, writes applied, faults injected, requests
//! throttled.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

/// A snapshot of one operation's counters.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpCounts {
    /// Requests routed to the operation (including those that met a fault).
    pub received: u64,
    /// Requests whose write took effect (2xx writes, and `ApplyThenFail` faults).
    pub writes_applied: u64,
    /// Requests that met an injected fault (a [`FaultRule`](crate::FaultRule) that fired).
    pub faults: u64,
    /// Requests refused by a rate limit ([`RateLimit`](crate::RateLimit)): counted in
    /// `received` too (but not in `faults`), never applied. Absent from older JSON: 0.
    #[serde(default)]
    pub throttled: u64,
}

#[derive(Debug, Default)]
struct Cell {
    received: AtomicU64,
    writes_applied: AtomicU64,
    faults: AtomicU64,
    throttled: AtomicU64,
}

/// Counters for a fixed set of operations; lock-free on the request path.
#[derive(Debug)]
pub(crate) struct Counters {
    cells: HashMap<&'static str, Cell>,
}

impl Counters {
    pub(crate) fn new(ids: impl IntoIterator<Item = &'static str>) -> Self {
        Self {
            cells: ids.into_iter().map(|id| (id, Cell::default())).collect(),
        }
    }

    pub(crate) fn received(&self, op: &str) {
        if let Some(c) = self.cells.get(op) {
            c.received.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn write_applied(&self, op: &str) {
        if let Some(c) = self.cells.get(op) {
            c.writes_applied.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn fault(&self, op: &str) {
        if let Some(c) = self.cells.get(op) {
            c.faults.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn throttled(&self, op: &str) {
        if let Some(c) = self.cells.get(op) {
            c.throttled.fetch_add(1, Ordering::Relaxed);
        }
    }

    pub(crate) fn get(&self, op: &str) -> Option<OpCounts> {
        self.cells.get(op).map(|c| OpCounts {
            received: c.received.load(Ordering::Relaxed),
            writes_applied: c.writes_applied.load(Ordering::Relaxed),
            faults: c.faults.load(Ordering::Relaxed),
            throttled: c.throttled.load(Ordering::Relaxed),
        })
    }

    /// Every operation with a non-zero counter.
    pub(crate) fn snapshot(&self) -> BTreeMap<String, OpCounts> {
        self.cells
            .keys()
            .filter_map(|id| self.get(id).map(|c| (id.to_string(), c)))
            .filter(|(_, c)| *c != OpCounts::default())
            .collect()
    }

    pub(crate) fn reset(&self) {
        for c in self.cells.values() {
            c.received.store(0, Ordering::Relaxed);
            c.writes_applied.store(0, Ordering::Relaxed);
            c.faults.store(0, Ordering::Relaxed);
            c.throttled.store(0, Ordering::Relaxed);
        }
    }
}
