//! The range arithmetic of a listing, without any I/O: which `page` and `page_size` to ask
//! for next, how a slow page shrinks the size, and where the listing stands after an answer.
//!
//! Harbor pages by offset: page `p` of size `s` holds the items at positions
//! `[(p - 1) * s, p * s)` of the list in its sort order. The [`Window`] keeps a *frontier*:
//! every item still in the list at a position below it has been delivered. A page request
//! must start at or before the frontier; the items it returns below the frontier are
//! repeats, dropped by the caller (by identity, or by position for items without one).

use super::MAX_PAGE_SIZE;

/// Harbor's `page_size` when a request has none.
pub(crate) const HARBOR_DEFAULT_PAGE_SIZE: i64 = 10;

/// One page request: Harbor's `page` and `page_size`, and where the listing's frontier was
/// when it was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageAsk {
    /// Harbor's `page` (1-based).
    pub(crate) page: i64,
    /// Harbor's `page_size`; 0 or below asks for the whole list in one answer (Harbor's
    /// meaning), which only a caller's own `page_size` does.
    pub(crate) size: i64,
    /// The frontier when asked: the items the page holds before it were delivered already.
    pub(crate) frontier: u64,
}

impl PageAsk {
    /// The position of the page's first item.
    pub(crate) fn start(&self) -> u64 {
        if self.size <= 0 {
            return 0;
        }
        (self.page.max(1) as u64 - 1).saturating_mul(self.size as u64)
    }
}

/// Where a listing stands: its frontier, the page size it asks for, the last `X-Total-Count`
/// it saw, and whether it is over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Window {
    /// Every item still in the list at a position below this has been delivered.
    frontier: u64,
    /// The largest page to ask for: the caller's, halved by every slow page; never grows back
    /// within a listing (the slowness is the server's, and the next page would be as slow).
    size: i64,
    /// `X-Total-Count` of the last page answered.
    last_total: Option<u64>,
    done: bool,
}

impl Window {
    /// A listing from the caller's `page` and `page_size` (Harbor's defaults when `None`:
    /// page 1, 10 items).
    pub(crate) fn new(page: Option<i64>, page_size: Option<i64>) -> Window {
        let size = page_size.unwrap_or(HARBOR_DEFAULT_PAGE_SIZE);
        let page = page.unwrap_or(1).max(1);
        let frontier = if size > 0 {
            (page as u64 - 1).saturating_mul(size as u64)
        } else {
            0
        };
        Window {
            frontier,
            size,
            last_total: None,
            done: false,
        }
    }

    /// Whether the listing is over: the last page was answered and nothing before it can
    /// have been missed.
    pub(crate) fn is_done(&self) -> bool {
        self.done
    }

    /// The page size the next request asks for at most.
    #[cfg(test)]
    pub(crate) fn size(&self) -> i64 {
        self.size
    }

    /// The next page request: the page size of at most `size` that brings the most items not
    /// delivered yet, starting at or before the frontier. When the frontier is a multiple of
    /// `size` (always, while no page was slow and nothing was deleted) that is `size` itself,
    /// starting exactly at the frontier. Otherwise a smaller size whose page starts just
    /// before the frontier: `s` brings `s - frontier % s` new items, and the `frontier % s`
    /// repeats are dropped (between sizes that bring as many, the one with fewer repeats).
    pub(crate) fn ask(&self) -> PageAsk {
        if self.size <= 0 {
            return PageAsk {
                page: 1,
                size: self.size,
                frontier: 0,
            };
        }
        let max = self.size as u64;
        let f = self.frontier;
        // The search is over Harbor's sizes only: a larger one is refused (422) whatever the
        // page, so it is asked as it is; and the search's own range stops at Harbor's largest
        // size, so that it can never run up to `page_size = i64::MAX`.
        let size = if f.is_multiple_of(max) || max > MAX_PAGE_SIZE as u64 {
            max
        } else {
            // Between sizes that bring as many, the smaller repeats fewer: `s - f % s` equal
            // for two sizes means the smaller one's remainder is smaller by as much.
            (1..=max.min(MAX_PAGE_SIZE as u64))
                .max_by_key(|s| (s - f % s, std::cmp::Reverse(*s)))
                .unwrap_or(max)
        };
        PageAsk {
            page: i64::try_from(f / size + 1).unwrap_or(i64::MAX),
            size: size as i64,
            frontier: f,
        }
    }

    /// A page asked for with `slow` took too long (the attempt timed out, or a gateway
    /// answered 504): ask for at most half as many from now on, this page's next attempt
    /// included. Several attempts of one size that time out together halve once. Whether the
    /// size changed (a page of one item, or one already asked smaller, changes nothing).
    pub(crate) fn shrink(&mut self, slow: PageAsk) -> bool {
        if slow.size <= 1 {
            return false;
        }
        let half = slow.size / 2;
        if half < self.size {
            self.size = half;
            true
        } else {
            false
        }
    }

    /// Takes in the answer to `ask`: `received` items, the answer's `X-Total-Count`, whether
    /// it linked a next page, and whether every item had an identity (`identified`, so that
    /// repeats can be dropped by it).
    ///
    /// A total lower by `d` than the last page's means that `d` items left the list in
    /// between (if none was added), and each of them may have been before the frontier: the
    /// items not delivered yet may have moved down by up to `d` positions. With identified
    /// items the frontier steps back by `d`, and the next page reads that stretch again (its
    /// repeats dropped by identity); without, it does not (repeats could not be told apart),
    /// and such an item may be missed.
    pub(crate) fn advance(
        &mut self,
        ask: PageAsk,
        received: u64,
        total: Option<u64>,
        has_next: bool,
        identified: bool,
    ) {
        if ask.size <= 0 {
            // The whole list in one answer.
            self.done = true;
            return;
        }
        let dropped = match (self.last_total, total) {
            (Some(before), Some(now)) => before.saturating_sub(now),
            _ => 0,
        };
        if total.is_some() {
            self.last_total = total;
        }
        let end = ask.start().saturating_add(received);
        let before = self.frontier;
        // Below `safe`, every item still listed was delivered before this answer.
        let safe = if identified {
            ask.frontier.saturating_sub(dropped)
        } else {
            ask.frontier
        };
        let stepped_back = ask.start() > safe;
        self.frontier = if stepped_back { safe } else { end.max(safe) };
        let progressed = self.frontier > before;
        // Over when Harbor links no next page and nothing before this page can have been
        // missed; or when an answer moved nothing (a server linking on forever, say).
        self.done = (!has_next && !stepped_back) || (!progressed && dropped == 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn defaults_are_harbors() {
        let w = Window::new(None, None);
        assert_eq!(
            w.ask(),
            PageAsk {
                page: 1,
                size: 10,
                frontier: 0
            }
        );
        let w = Window::new(Some(3), Some(20));
        assert_eq!((w.ask().page, w.ask().size, w.ask().start()), (3, 20, 40));
        // Harbor reads page 0 and below as the first page.
        assert_eq!(Window::new(Some(-2), Some(5)).ask().page, 1);
    }

    #[test]
    fn halving_keeps_the_range_and_the_smaller_size() {
        let mut w = Window::new(None, Some(100));
        w.advance(w.ask(), 100, Some(1000), true, true);
        let slow = w.ask();
        assert_eq!((slow.page, slow.size), (2, 100));
        assert!(w.shrink(slow));
        // The same range, [100, 200), as pages 3 and 4 of 50.
        assert_eq!((w.ask().page, w.ask().size, w.ask().start()), (3, 50, 100));
        // A second attempt of 100 timing out with the first halves once.
        assert!(!w.shrink(slow));
        w.advance(w.ask(), 50, Some(1000), true, true);
        assert_eq!((w.ask().page, w.ask().size), (4, 50));
        assert_eq!(w.size(), 50);
    }

    #[test]
    fn an_uneven_frontier_gets_the_size_that_brings_most() {
        let mut w = Window::new(None, Some(7));
        w.advance(w.ask(), 7, Some(100), true, true);
        w.advance(w.ask(), 7, Some(100), true, true);
        assert!(w.shrink(w.ask()));
        // Frontier 14, at most 3: page 5 of 3 is [12, 15), one new item; page 8 of 2 is
        // [14, 16), two; 2 brings most.
        let ask = w.ask();
        assert_eq!((ask.page, ask.size, ask.start()), (8, 2, 14));
        let mut w = Window::new(None, Some(50));
        w.frontier = 97;
        // 48 brings 47 (page 3 is [96, 144)); 50 would bring 3.
        assert_eq!((w.ask().page, w.ask().size), (3, 48));
    }

    #[test]
    fn a_lower_total_steps_the_frontier_back_for_identified_items_only() {
        let mut w = Window::new(None, Some(10));
        w.advance(w.ask(), 10, Some(30), true, true);
        w.advance(w.ask(), 10, Some(28), true, true);
        // Two left the list: the items after the first page may be two positions lower.
        assert_eq!(w.frontier, 8);
        assert!(!w.is_done());
        // Page 2 of 8, [8, 16), brings 8 items from the frontier; 10 would bring 2.
        let ask = w.ask();
        assert_eq!((ask.page, ask.size, ask.start()), (2, 8, 8));
        let mut w = Window::new(None, Some(10));
        w.advance(w.ask(), 10, Some(30), true, false);
        w.advance(w.ask(), 10, Some(28), true, false);
        assert_eq!(w.frontier, 20);
    }

    #[test]
    fn the_last_page_ends_the_listing_unless_it_showed_a_drop() {
        let mut w = Window::new(None, Some(10));
        w.advance(w.ask(), 10, Some(15), true, true);
        w.advance(w.ask(), 4, Some(14), false, true);
        assert!(
            !w.is_done(),
            "one left before the last page: read from 9 again"
        );
        w.advance(w.ask(), 5, Some(14), false, true);
        assert!(w.is_done());
    }

    #[test]
    fn an_empty_page_that_links_on_ends_the_listing() {
        let mut w = Window::new(None, Some(10));
        w.advance(w.ask(), 0, Some(10), true, true);
        assert!(w.is_done());
    }

    #[test]
    fn of_two_sizes_that_bring_as_many_the_smaller_repeats_fewer() {
        // Frontier 1, at most 2: page 1 of 2 is [0, 2) and page 2 of 1 is [1, 2), one new
        // item each; the first would repeat item 0.
        let mut w = Window::new(None, Some(2));
        w.frontier = 1;
        assert_eq!((w.ask().page, w.ask().size, w.ask().start()), (2, 1, 1));
    }

    #[test]
    fn harbors_largest_size_is_searched_and_a_larger_one_is_not() {
        // 100 is Harbor's largest size: at frontier 150, 75 brings 75 items (page 3 is
        // [150, 225)) where 100 would bring 50.
        let mut w = Window::new(None, Some(MAX_PAGE_SIZE));
        w.frontier = 150;
        assert_eq!((w.ask().page, w.ask().size), (3, 75));
        // 101 is refused by Harbor whatever the page: asked as it is.
        let mut w = Window::new(None, Some(MAX_PAGE_SIZE + 1));
        w.frontier = 150;
        assert_eq!((w.ask().page, w.ask().size), (2, MAX_PAGE_SIZE + 1));
    }

    #[test]
    fn a_size_harbor_refuses_is_asked_as_it_is_and_at_once() {
        let mut w = Window::new(None, Some(i64::MAX));
        assert_eq!((w.ask().page, w.ask().size), (1, i64::MAX));
        w.frontier = 7;
        assert_eq!((w.ask().page, w.ask().size), (1, i64::MAX));
        let w = Window::new(Some(3), Some(1000));
        assert_eq!((w.ask().page, w.ask().size), (3, 1000));
    }

    #[test]
    fn a_whole_list_page_size_is_one_request() {
        let mut w = Window::new(None, Some(0));
        let ask = w.ask();
        assert_eq!((ask.size, ask.start()), (0, 0));
        assert!(!w.shrink(ask));
        w.advance(ask, 500, Some(500), false, true);
        assert!(w.is_done());
    }

    /// Runs a listing over `list` (ids in sort order): before each request, `deletions`
    /// says which positions leave the list; `slow` which requests time out (when it runs out,
    /// none). Returns the ids delivered, dropping repeats by id as the stream does, and how
    /// many requests it made.
    fn run(
        mut list: Vec<u32>,
        size: i64,
        mut deletions: Vec<Vec<prop::sample::Index>>,
        slow: Vec<bool>,
    ) -> (Vec<u32>, Vec<u32>, usize) {
        let mut w = Window::new(None, Some(size));
        let mut delivered = Vec::new();
        let mut requests = 0;
        let mut slow = slow.into_iter();
        deletions.reverse();
        while !w.is_done() {
            assert!(requests < 10_000, "the listing never ends");
            if let Some(picks) = deletions.pop() {
                for pick in picks {
                    if !list.is_empty() {
                        list.remove(pick.index(list.len()));
                    }
                }
            }
            let ask = w.ask();
            requests += 1;
            if slow.next().unwrap_or(false) {
                w.shrink(ask);
                continue;
            }
            let start = ask.start() as usize;
            let end = (start + ask.size as usize).min(list.len());
            let page = list.get(start..end).unwrap_or(&[]);
            for id in page {
                if !delivered.contains(id) {
                    delivered.push(*id);
                }
            }
            w.advance(
                ask,
                page.len() as u64,
                Some(list.len() as u64),
                end < list.len(),
                true,
            );
        }
        (delivered, list, requests)
    }

    proptest! {
        /// Whatever the sizes, the slow pages and the deletions: every item still in the list
        /// at the end is delivered, none twice, and nothing that was never in it.
        #[test]
        fn no_surviving_item_is_skipped_or_repeated(
            len in 0u32..300,
            size in 1i64..=100,
            deletions in prop::collection::vec(prop::collection::vec(any::<prop::sample::Index>(), 0..4), 0..20),
            slow in prop::collection::vec(any::<bool>(), 0..30),
        ) {
            let list: Vec<u32> = (0..len).collect();
            let (delivered, survivors, _) = run(list, size, deletions, slow);
            let mut unique = delivered.clone();
            unique.sort_unstable();
            unique.dedup();
            prop_assert_eq!(unique.len(), delivered.len(), "an item came twice");
            prop_assert!(delivered.iter().all(|id| *id < len));
            for id in survivors {
                prop_assert!(delivered.contains(&id), "{} was skipped", id);
            }
        }

        /// Halving never skips or repeats an offset: with nothing deleted, the pages asked for
        /// after any sequence of slow pages cover every position exactly once beyond the
        /// frontier, so every item comes once and in order.
        #[test]
        fn halving_covers_every_offset_once(
            len in 0u32..400,
            size in 1i64..=100,
            slow in prop::collection::vec(any::<bool>(), 0..40),
        ) {
            let list: Vec<u32> = (0..len).collect();
            let (delivered, _, _) = run(list.clone(), size, Vec::new(), slow);
            prop_assert_eq!(delivered, list);
        }

        /// Without slow pages or deletions a listing asks exactly for the pages Harbor would
        /// link: `ceil(len / size)` requests (one for an empty list).
        #[test]
        fn a_quiet_listing_asks_for_each_page_once(len in 0u32..400, size in 1i64..=100) {
            let (_, _, requests) = run((0..len).collect(), size, Vec::new(), Vec::new());
            let expected = (len as usize).div_ceil(size as usize).max(1);
            prop_assert_eq!(requests, expected);
        }
    }
}
