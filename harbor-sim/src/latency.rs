//! Service time: how long every API answer takes at least, as a real Harbor's do.
//!
//! On loopback the simulator answers in about 0.1 ms with a spread of several times that,
//! dominated by the scheduler; a real Harbor spends milliseconds on every request (the proxy,
//! the credentials check, database round trips). Latency-sensitive measurements (hedging, tail
//! latencies) need that floor. A [`Latency`] holds every answer back by `millis` plus a
//! uniform draw in `[0, jitter_millis]`, before the request meets its fault (so a `delay`
//! fault adds to it). Off (zero) by default.
//!
//! A list also costs time in proportion to its page: Harbor's handler runs a `LIMIT
//! page_size` query and renders every row (an artifact with its tags, labels and
//! accessories), so a page of 100 takes far longer than a page of 10. A
//! [`PageServiceTime`] per list operation holds its answers back by `millis_per_item` times
//! the request's `page_size`, after the access check and before the handler reads the state
//! (so the page shows the list as it is when the time is up). Slept on tokio's clock: a test
//! on a paused clock decides when the page is ready.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use crate::operation::OpSpec;
use crate::pagination::{MAX_PAGE_SIZE, PageRequest};

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

/// The service time of every API answer: `millis`, plus a uniform draw in
/// `[0, jitter_millis]` from a generator seeded with `seed`. Written on the admin endpoint as
/// `{"millis": 5, "jitter_millis": 2, "seed": 7}` (the last two optional).
///
/// ```
/// use std::time::Duration;
/// use harbor_sim::Latency;
///
/// let latency = Latency::fixed(Duration::from_millis(5)).jitter(Duration::from_millis(2));
/// assert_eq!((latency.millis, latency.jitter_millis), (5, 2));
/// assert!(!latency.is_zero());
/// assert!(Latency::default().is_zero());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Latency {
    /// Every answer takes at least this long, in milliseconds.
    pub millis: u64,
    /// Up to this much more, drawn uniformly per answer, in milliseconds.
    #[serde(default)]
    pub jitter_millis: u64,
    /// The jitter's seed: the same seed and request order give the same draws.
    #[serde(default)]
    pub seed: u64,
}

impl Latency {
    /// Every answer takes `base` (whole milliseconds, rounded down), no jitter.
    pub fn fixed(base: Duration) -> Self {
        Latency {
            millis: whole_millis(base),
            ..Latency::default()
        }
    }

    /// Adds up to `jitter` (whole milliseconds, rounded down), drawn uniformly per answer.
    pub fn jitter(mut self, jitter: Duration) -> Self {
        self.jitter_millis = whole_millis(jitter);
        self
    }

    /// Seeds the jitter's generator.
    pub fn seed(mut self, seed: u64) -> Self {
        self.seed = seed;
        self
    }

    /// Whether no answer is held back.
    pub fn is_zero(&self) -> bool {
        self.millis == 0 && self.jitter_millis == 0
    }
}

fn whole_millis(d: Duration) -> u64 {
    d.as_millis().try_into().unwrap_or(u64::MAX)
}

/// The simulator's current latency and its jitter generator, shared by every request.
#[derive(Debug)]
pub(crate) struct ServiceTime {
    current: Mutex<(Latency, SmallRng)>,
    // Whether the latency is not zero, read without the lock: with none set (the default),
    // a request pays one atomic load, not a lock shared by every request.
    active: AtomicBool,
}

impl ServiceTime {
    pub(crate) fn new(latency: Latency) -> Self {
        ServiceTime {
            current: Mutex::new((latency, SmallRng::seed_from_u64(latency.seed))),
            active: AtomicBool::new(!latency.is_zero()),
        }
    }

    /// Replaces the latency and reseeds the jitter.
    pub(crate) fn set(&self, latency: Latency) {
        let mut current = self.lock();
        *current = (latency, SmallRng::seed_from_u64(latency.seed));
        self.active.store(!latency.is_zero(), Ordering::Relaxed);
    }

    pub(crate) fn get(&self) -> Latency {
        self.lock().0
    }

    /// How long this answer is held back (`None`: not at all).
    pub(crate) fn draw(&self) -> Option<Duration> {
        if !self.active.load(Ordering::Relaxed) {
            return None;
        }
        let mut current = self.lock();
        let (latency, rng) = &mut *current;
        if latency.is_zero() {
            return None;
        }
        let extra = if latency.jitter_millis == 0 {
            0
        } else {
            rng.random_range(0..=latency.jitter_millis)
        };
        Some(Duration::from_millis(latency.millis.saturating_add(extra)))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, (Latency, SmallRng)> {
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// How long a list operation takes per item of the page asked for. Written on the admin
/// endpoint as `{"millis_per_item": 50}`.
///
/// ```
/// use std::time::Duration;
/// use harbor_sim::PageServiceTime;
///
/// let time = PageServiceTime::per_item(Duration::from_millis(50));
/// assert_eq!(time.millis_per_item, 50);
/// assert_eq!(time.for_page_size(100), Duration::from_secs(5));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[non_exhaustive]
pub struct PageServiceTime {
    /// Milliseconds per item of `page_size`.
    pub millis_per_item: u64,
}

impl PageServiceTime {
    /// `per_item` (whole milliseconds, rounded down) for every item of a page.
    pub fn per_item(per_item: Duration) -> Self {
        PageServiceTime {
            millis_per_item: whole_millis(per_item),
        }
    }

    /// The time of a page of `page_size` items.
    pub fn for_page_size(&self, page_size: u64) -> Duration {
        Duration::from_millis(self.millis_per_item.saturating_mul(page_size))
    }
}

/// A page service time that cannot be set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PageServiceTimeError {
    /// The operation id is not one of Harbor's.
    #[error("unknown operation id `{0}`")]
    UnknownOperation(String),
    /// The operation is not a list: it takes no `page_size`.
    #[error("`{0}` is not a list operation (it takes no page_size)")]
    NotAList(String),
}

/// The page service time of every list operation that has one.
#[derive(Debug, Default)]
pub(crate) struct PageServiceTimes {
    by_operation: Mutex<BTreeMap<&'static str, PageServiceTime>>,
    // Whether any is set, read without the lock: a request pays one atomic load by default.
    active: AtomicBool,
}

impl PageServiceTimes {
    /// Sets the time of one list operation (a zero time removes it).
    pub(crate) fn set(
        &self,
        operation: &str,
        time: PageServiceTime,
    ) -> Result<(), PageServiceTimeError> {
        let op = OpSpec::by_id(operation)
            .ok_or_else(|| PageServiceTimeError::UnknownOperation(operation.to_owned()))?;
        if !op.paginated {
            return Err(PageServiceTimeError::NotAList(operation.to_owned()));
        }
        let mut times = self.lock();
        if time.millis_per_item == 0 {
            times.remove(op.id);
        } else {
            times.insert(op.id, time);
        }
        self.active.store(!times.is_empty(), Ordering::Relaxed);
        Ok(())
    }

    /// Removes one operation's time; whether it had one.
    pub(crate) fn clear(&self, operation: &str) -> bool {
        let mut times = self.lock();
        let had = times.remove(operation).is_some();
        self.active.store(!times.is_empty(), Ordering::Relaxed);
        had
    }

    /// Replaces every time with `times` (already checked).
    pub(crate) fn replace(&self, times: &BTreeMap<&'static str, PageServiceTime>) {
        let mut current = self.lock();
        *current = times.clone();
        self.active.store(!current.is_empty(), Ordering::Relaxed);
    }

    /// Every time set, by operation id.
    pub(crate) fn all(&self) -> BTreeMap<&'static str, PageServiceTime> {
        self.lock().clone()
    }

    /// How long an answer of `operation` to a request with these `page` and `page_size`
    /// query values is held back (`None`: not at all). A `page_size` of 0 or below (Harbor:
    /// the whole list) costs as a page of 100; a malformed one (refused before this) nothing.
    pub(crate) fn hold(
        &self,
        operation: &str,
        page: Option<&str>,
        page_size: Option<&str>,
    ) -> Option<Duration> {
        if !self.active.load(Ordering::Relaxed) {
            return None;
        }
        let time = *self.lock().get(operation)?;
        let request = PageRequest::parse(page, page_size).ok()?;
        let size = u64::try_from(request.page_size)
            .ok()
            .filter(|s| *s > 0)
            .unwrap_or(MAX_PAGE_SIZE);
        Some(time.for_page_size(size))
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, BTreeMap<&'static str, PageServiceTime>> {
        self.by_operation.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_is_held_in_proportion_to_its_size() {
        let times = PageServiceTimes::default();
        assert_eq!(times.hold("listArtifacts", None, Some("100")), None);
        let per_item = PageServiceTime::per_item(Duration::from_millis(50));
        times.set("listArtifacts", per_item).unwrap();
        let hold = |size| times.hold("listArtifacts", Some("3"), size);
        assert_eq!(hold(Some("100")), Some(Duration::from_secs(5)));
        assert_eq!(hold(Some("50")), Some(Duration::from_millis(2500)));
        // Harbor's default size, and "everything" charged as a full page.
        assert_eq!(hold(None), Some(Duration::from_millis(500)));
        assert_eq!(hold(Some("0")), Some(Duration::from_secs(5)));
        assert_eq!(times.hold("listProjects", None, Some("100")), None);
        assert!(times.clear("listArtifacts"));
        assert_eq!(hold(Some("100")), None);
    }

    #[test]
    fn only_list_operations_take_a_page_service_time() {
        let times = PageServiceTimes::default();
        let t = PageServiceTime::per_item(Duration::from_millis(1));
        assert_eq!(
            times.set("getProject", t),
            Err(PageServiceTimeError::NotAList("getProject".into()))
        );
        assert_eq!(
            times.set("nope", t),
            Err(PageServiceTimeError::UnknownOperation("nope".into()))
        );
        times.set("listProjects", t).unwrap();
        times
            .set("listProjects", PageServiceTime::default())
            .unwrap();
        assert!(times.all().is_empty(), "zero removes it");
    }

    #[test]
    fn page_service_time_wire_form() {
        let t: PageServiceTime = serde_json::from_str(r#"{"millis_per_item": 50}"#).unwrap();
        assert_eq!(t, PageServiceTime::per_item(Duration::from_millis(50)));
        assert!(serde_json::from_str::<PageServiceTime>(r#"{"millis": 50}"#).is_err());
    }

    #[test]
    fn zero_holds_nothing_back() {
        assert_eq!(ServiceTime::new(Latency::default()).draw(), None);
    }

    #[test]
    fn draws_stay_within_base_and_jitter_and_repeat_with_the_seed() {
        let latency = Latency::fixed(Duration::from_millis(5))
            .jitter(Duration::from_millis(3))
            .seed(11);
        let draws = |t: &ServiceTime| (0..200).map(|_| t.draw().unwrap()).collect::<Vec<_>>();
        let first = draws(&ServiceTime::new(latency));
        assert!(
            first
                .iter()
                .all(|d| (Duration::from_millis(5)..=Duration::from_millis(8)).contains(d))
        );
        // Every value of the range is drawn, not only the ends.
        for ms in 5..=8 {
            assert!(
                first.contains(&Duration::from_millis(ms)),
                "{ms} ms never drawn"
            );
        }
        assert_eq!(
            first,
            draws(&ServiceTime::new(latency)),
            "same seed, same draws"
        );
    }

    #[test]
    fn set_replaces_and_reseeds() {
        let time = ServiceTime::new(Latency::default());
        time.set(Latency::fixed(Duration::from_millis(2)));
        assert_eq!(time.draw(), Some(Duration::from_millis(2)));
        assert_eq!(time.get().millis, 2);
    }

    #[test]
    fn wire_form_has_optional_jitter_and_refuses_unknown_fields() {
        let l: Latency = serde_json::from_str(r#"{"millis": 4}"#).unwrap();
        assert_eq!(l, Latency::fixed(Duration::from_millis(4)));
        assert!(serde_json::from_str::<Latency>(r#"{"ms": 4}"#).is_err());
    }
}
