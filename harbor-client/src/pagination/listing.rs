//! The stream behind every `*_stream` method: one call per page, each page's attempts
//! sized by the listing's [`Window`], repeats dropped by identity.

use super::Page;
use super::identity::{Delivered, ListItem};
use super::window::{PageAsk, Window};
use crate::client::{Call, HarborClient, Request};
use crate::error::Error;
use crate::operations::Operation;
use futures::stream::{self, Stream, TryStreamExt};
use retry_runtime::retry;
use serde::de::DeserializeOwned;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Mutex, MutexGuard};

impl HarborClient {
    /// The items of a list, page after page: `template` is the first page's request as the
    /// caller's parameters make it, `page` and `page_size` the values it carries. See the
    /// [module docs](crate::pagination) for how slow pages and deletions are met.
    pub(crate) fn list_items<'a, T>(
        &'a self,
        operation: &'static Operation,
        template: Request,
        page: Option<i64>,
        page_size: Option<i64>,
    ) -> impl Stream<Item = Result<T, Error>> + Send + 'a
    where
        T: ListItem + DeserializeOwned + Send + 'a,
    {
        let listing = Listing {
            template,
            caller_page: (page.unwrap_or(1).max(1), page_size),
            window: Mutex::new(Window::new(page, page_size)),
            delivered: Delivered::default(),
        };
        stream::unfold(Some(listing), move |listing| async move {
            Some(match listing?.next_page(self, operation).await {
                Ok((items, rest)) => (Ok(items), rest),
                Err(e) => (Err(e), None),
            })
        })
        .map_ok(|items: Vec<T>| stream::iter(items.into_iter().map(Ok)))
        .try_flatten()
    }
}

/// One listing in progress.
struct Listing {
    /// The first page's request; later pages change its `page` and `page_size` only.
    template: Request,
    /// The `page` and `page_size` the template carries (`page` as Harbor reads it).
    caller_page: (i64, Option<i64>),
    /// Shared with the attempts of the page being fetched, which read and shrink it.
    window: Mutex<Window>,
    delivered: Delivered,
}

impl Listing {
    fn window(&self) -> MutexGuard<'_, Window> {
        lock(&self.window)
    }

    /// Fetches the next page (retried on its own, as one call) and returns the items it
    /// brings that were not delivered before, and the listing again while it has more to
    /// read: a listing goes on only through a page that says so.
    async fn next_page<T>(
        mut self,
        client: &HarborClient,
        operation: &'static Operation,
    ) -> Result<(Vec<T>, Option<Listing>), Error>
    where
        T: ListItem + DeserializeOwned,
    {
        let call = client.call(operation);
        let attempts = PageAttempts {
            listing: &self,
            answered: AtomicBool::new(false),
        };
        let SizedPage { ask, page } = call.run(call.sized_page::<T>(&attempts)).await?;
        let received = page.items.len() as u64;
        let identified = page.items.iter().all(|item| item.identity().is_some());
        let start = ask.start();
        let items = page
            .items
            .into_iter()
            .zip(start..)
            .filter(|(item, position)| {
                self.delivered
                    .admit(item.identity(), *position, ask.frontier)
            })
            .map(|(item, _)| item)
            .collect();
        self.window()
            .advance(ask, received, page.total, page.next.is_some(), identified);
        let more = !self.window().is_done();
        Ok((items, more.then_some(self)))
    }

    /// The request for `ask`: the template itself when it asks for that page already (so the
    /// first page goes out exactly as the caller's parameters make it).
    fn request(&self, ask: PageAsk) -> Request {
        let (page, size) = self.caller_page;
        if page == ask.page && size.unwrap_or(super::window::HARBOR_DEFAULT_PAGE_SIZE) == ask.size {
            self.template.clone()
        } else {
            self.template.with_page(ask.page, ask.size)
        }
    }
}

fn lock(window: &Mutex<Window>) -> MutexGuard<'_, Window> {
    // The window is plain data, consistent after every statement: a panic elsewhere leaves
    // it usable.
    window.lock().unwrap_or_else(|e| e.into_inner())
}

/// What the attempts of one page share: the listing (its window and template), and whether
/// one of them was answered.
pub(crate) struct PageAttempts<'l> {
    listing: &'l Listing,
    /// Set by the first attempt answered: an attempt dropped after it lost a hedged race, it
    /// did not time out.
    answered: AtomicBool,
}

impl PageAttempts<'_> {
    /// Starts an attempt: the page to ask for now, and a watch that shrinks the window if
    /// the attempt is cut before it is answered.
    fn start(&self) -> (PageAsk, AttemptWatch<'_>) {
        let ask = lock(&self.listing.window).ask();
        (
            ask,
            AttemptWatch {
                attempts: self,
                ask,
                settled: false,
            },
        )
    }

    fn shrink(&self, slow: PageAsk) {
        if lock(&self.listing.window).shrink(slow) {
            tracing::info!(
                page = slow.page,
                page_size = slow.size,
                "the page was too slow; asking for half as many items from here on"
            );
        }
    }
}

/// Watches one attempt: when it is dropped unanswered while no other attempt of its page was
/// answered, the per-attempt timeout cut it, and its page size was too large.
struct AttemptWatch<'a> {
    attempts: &'a PageAttempts<'a>,
    ask: PageAsk,
    settled: bool,
}

impl AttemptWatch<'_> {
    /// The attempt ended with `answer`: a 504 (a gateway gave up waiting) or a transport
    /// timeout after sending also mean the page was too slow.
    fn settle<T>(mut self, answer: &Result<Page<T>, Error>) {
        self.settled = true;
        match answer {
            Ok(_) => self.attempts.answered.store(true, Ordering::Relaxed),
            Err(e) if too_slow(e) => self.attempts.shrink(self.ask),
            Err(_) => {}
        }
    }
}

impl Drop for AttemptWatch<'_> {
    fn drop(&mut self) {
        if !self.settled && !self.attempts.answered.load(Ordering::Relaxed) {
            self.attempts.shrink(self.ask);
        }
    }
}

/// Whether an attempt's error says the page took too long to make.
fn too_slow(e: &Error) -> bool {
    match e {
        Error::Timeout(t) => !t.never_sent,
        other => other.status() == Some(504),
    }
}

/// A page and the request that brought it.
pub(crate) struct SizedPage<T> {
    ask: PageAsk,
    page: Page<T>,
}

impl Call<'_> {
    /// The whole retry loop of one page of a listing: every attempt asks for the page the
    /// window says now, so an attempt after a slow one asks for half as many items.
    #[retry(
        settings = self.plan.settings(),
        attempt_timeout = self.plan.attempt_timeout(),
        hedge_delay = self.plan.hedge_delay()
    )]
    pub(crate) async fn sized_page<T: DeserializeOwned>(
        &self,
        attempts: &PageAttempts<'_>,
    ) -> Result<SizedPage<T>, Error> {
        let (ask, watch) = attempts.start();
        let answer = self.page(attempts.listing.request(ask)).await;
        watch.settle(&answer);
        answer.map(|page| SizedPage { ask, page })
    }
}

#[cfg(test)]
mod tests {
    //! The decisions of one page's attempts: which request a page goes out as, and when an
    //! attempt's end says the page was too slow (so the window halves).
    use super::*;
    use crate::error::{StatusError, TimeoutCause, TimeoutError};
    use retry_runtime::AttemptTimedOut;
    use std::time::Duration;

    fn listing(page: Option<i64>, page_size: Option<i64>) -> Listing {
        let mut template = Request::new(crate::operations::GET_PROJECTS);
        template.query("q", "name=~a");
        if let Some(size) = page_size {
            template.query("page_size", size);
        }
        Listing {
            template,
            caller_page: (page.unwrap_or(1).max(1), page_size),
            window: Mutex::new(Window::new(page, page_size)),
            delivered: Delivered::default(),
        }
    }

    fn query(request: &Request) -> Vec<String> {
        request
            .query_pairs()
            .iter()
            .map(|(name, value)| format!("{name}={value}"))
            .collect()
    }

    fn timeout(never_sent: bool) -> Error {
        Error::Timeout(TimeoutError {
            operation: "listProjects",
            request_id: String::new(),
            never_sent,
            cause: TimeoutCause::Attempt(AttemptTimedOut::new(Duration::from_secs(1), 1)),
        })
    }

    #[test]
    fn a_timeout_after_sending_and_a_504_mean_too_slow() {
        assert!(too_slow(&timeout(false)));
        assert!(!too_slow(&timeout(true)));
        assert!(too_slow(&Error::from(StatusError::from_answer(504, b""))));
        for status in [502, 503, 500, 404] {
            assert!(!too_slow(&Error::from(StatusError::from_answer(
                status, b""
            ))));
        }
    }

    #[test]
    fn the_first_page_goes_out_as_the_caller_made_it() {
        // The caller's own size, and Harbor's default size when the caller gave none.
        let own = listing(None, Some(20));
        let ask = own.window().ask();
        assert_eq!((ask.page, ask.size), (1, 20));
        assert_eq!(query(&own.request(ask)), ["q=name=~a", "page_size=20"]);
        let default = listing(None, None);
        assert_eq!(
            query(&default.request(default.window().ask())),
            ["q=name=~a"]
        );
        // Any other page or size is asked for explicitly.
        let next = PageAsk {
            page: 2,
            ..own.window().ask()
        };
        assert_eq!(
            query(&own.request(next)),
            ["q=name=~a", "page=2", "page_size=20"]
        );
        let smaller = PageAsk {
            size: 10,
            ..own.window().ask()
        };
        assert_eq!(
            query(&own.request(smaller)),
            ["q=name=~a", "page=1", "page_size=10"]
        );
    }

    #[test]
    fn an_attempt_cut_unanswered_halves_the_window_unless_another_was_answered() {
        let shared = listing(None, Some(40));
        let attempts = PageAttempts {
            listing: &shared,
            answered: AtomicBool::new(false),
        };
        // Dropped unanswered (the attempt timeout cut it): too slow.
        let (ask, watch) = attempts.start();
        assert_eq!(ask.size, 40);
        drop(watch);
        assert_eq!(shared.window().size(), 20);
        // Settled with an error that is not slowness: unchanged.
        let (_, watch) = attempts.start();
        watch.settle::<()>(&Err(Error::from(StatusError::from_answer(503, b""))));
        assert_eq!(shared.window().size(), 20);
        // Settled with a 504: too slow.
        let (ask, watch) = attempts.start();
        assert_eq!(ask.size, 20);
        watch.settle::<()>(&Err(Error::from(StatusError::from_answer(504, b""))));
        assert_eq!(shared.window().size(), 10);
        // One attempt answered: a hedge dropped after it lost the race is no slowness.
        let (_, loser) = attempts.start();
        let (_, winner) = attempts.start();
        winner.settle::<()>(&Ok(Page {
            items: Vec::new(),
            total: None,
            next: None,
        }));
        drop(loser);
        assert_eq!(shared.window().size(), 10);
    }
}
