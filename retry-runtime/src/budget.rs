//! [`RetryBudget`]: a token-bucket retry quota shared by many calls (and clients), so that a
//! full outage does not multiply the load on the failing service.
//!
//! The model combines Finagle's `RetryBudget` and the AWS SDKs' "standard" retry mode:
//!
//! - every call **deposits** `ratio` tokens when it starts (Finagle's `percentCanRetry`);
//! - every retry **withdraws** `retry_cost` tokens (1 by default) before its wait; when the
//!   balance is short, the retry is refused and the call gives up with its last error, the
//!   reason being [`GiveUpReason::BudgetExhausted`](crate::GiveUpReason) in
//!   [`Details::reason`](crate::Details::reason) and in the default log line;
//! - a call that **succeeds after retrying** returns the cost of its last retry (AWS), so
//!   retries that work are not held against a recovering service;
//! - the balance never exceeds `capacity`, and starts at `initial` (default: full): that
//!   reserve is the "first burst" of retries an outage may cause before the ratio rules.
//!
//! So, whatever the concurrency, a run of `calls` calls that all fail makes at most
//! `calls + ratio * calls + initial / retry_cost` attempts (plus, with refunds, one retry per
//! earlier success-after-retry). Defaults: ratio 0.2, capacity 100, initial 100, cost 1
//! (AWS's 500 / 5 / +1 per success, and Finagle's 20%, in units of one retry).
//!
//! The balance is one `AtomicU64` of fixed-point micro-tokens updated with compare-and-swap:
//! no lock, and a deposit into a full bucket writes nothing. Clones share the bucket. Without
//! a budget (the default everywhere but `harbor-client`), the engine does no budget work at all.
//!
//! With the attribute, every call of `fetch`, from any thread or task, draws on one budget:
//!
//! ```
//! use std::sync::LazyLock;
//! use retry_runtime::{RetryBudget, retry, wait::constant};
//!
//! static BUDGET: LazyLock<RetryBudget> =
//!     LazyLock::new(|| RetryBudget::builder().ratio(0.1).initial(1).build().unwrap());
//!
//! #[derive(Debug)]
//! struct Down;
//!
//! #[retry(max_tries = 5, wait_gen = constant, interval = 0, budget = &*BUDGET)]
//! fn fetch(attempts: &mut u32) -> Result<(), Down> {
//!     *attempts += 1;
//!     Err(Down)
//! }
//!
//! let mut attempts = 0;
//! for _ in 0..10 {
//!     assert!(fetch(&mut attempts).is_err());
//! }
//! // A full outage: 10 calls, 1 token in reserve, 0.1 earned per call. The first call spends
//! // the reserve, the tenth the 1.0 earned since: 12 attempts, where max_tries alone allows 50.
//! assert_eq!(attempts, 12);
//! assert_eq!(BUDGET.retries_refused(), 10);
//! ```
//!
//! ```
//! use retry_runtime::budget::RetryBudget;
//!
//! let budget = RetryBudget::builder().ratio(0.5).capacity(2).build()?;
//! // The first burst: the initial reserve (full by default) allows two retries.
//! assert!(budget.try_withdraw());
//! assert!(budget.try_withdraw());
//! assert!(!budget.try_withdraw()); // empty: the call gives up
//!
//! // Two calls start: each deposits half a token, together enough for one retry.
//! budget.deposit();
//! budget.deposit();
//! assert!(budget.try_withdraw());
//! assert_eq!(budget.retries_allowed(), 3);
//! assert_eq!(budget.retries_refused(), 1);
//!
//! // Clones share the bucket.
//! let shared = budget.clone();
//! assert!(shared.shares_bucket_with(&budget));
//! # Ok::<(), retry_runtime::SettingsError>(())
//! ```

use core::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crate::settings::{SettingsError, Violation};

/// Fixed-point scale of the balance: one token is a million units.
const SCALE: f64 = 1_000_000.0;
/// The largest ratio accepted (retries per call).
pub const MAX_RATIO: f64 = 1000.0;
/// The largest capacity accepted, in tokens (the balance then fits a `u64` with room to spare).
pub const MAX_CAPACITY: f64 = 1e9;

/// A token-bucket retry quota; see the [module documentation](self) for the model.
///
/// Cheap to clone (one `Arc`), `Send + Sync`, lock-free. Give the same budget (or clones of it)
/// to every call that should share it: [`RetrySettingsBuilder::budget`](crate::RetrySettingsBuilder::budget),
/// `#[retry(budget = ..)]`, or [`Policy::budget`](crate::Policy::budget).
///
/// ```
/// use retry_runtime::{Policy, budget::RetryBudget, retry_blocking, wait};
///
/// // No initial reserve and a ratio of 0: no retry is ever allowed.
/// let budget = RetryBudget::builder().ratio(0.0).initial(0).build()?;
/// let mut attempts = 0;
/// let result: Result<(), &str> = retry_blocking(
///     Policy::new().max_tries(5).wait_gen(wait::constant().interval(0)).budget(&budget),
///     || { attempts += 1; Err("down") },
/// );
/// assert_eq!(result, Err("down"));
/// assert_eq!(attempts, 1);
/// assert_eq!(budget.retries_refused(), 1);
/// # Ok::<(), retry_runtime::SettingsError>(())
/// ```
#[derive(Clone)]
pub struct RetryBudget {
    bucket: Arc<Bucket>,
}

struct Bucket {
    /// Micro-tokens.
    balance: AtomicU64,
    capacity: u64,
    deposit: u64,
    cost: u64,
    /// `cost` when successes after retries are refunded, else 0.
    refund: u64,
    allowed: AtomicU64,
    refused: AtomicU64,
    ratio: f64,
}

impl Default for RetryBudget {
    /// Ratio 0.2, capacity 100, initial 100, retry cost 1, refunds on.
    fn default() -> Self {
        RetryBudget::builder()
            .build()
            .expect("the default budget is valid")
    }
}

impl fmt::Debug for RetryBudget {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RetryBudget")
            .field("ratio", &self.ratio())
            .field("capacity", &self.capacity())
            .field("retry_cost", &self.retry_cost())
            .field("refund_on_success", &(self.bucket.refund > 0))
            .field("balance", &self.balance())
            .field("retries_allowed", &self.retries_allowed())
            .field("retries_refused", &self.retries_refused())
            .finish()
    }
}

fn to_units(tokens: f64) -> u64 {
    // Validated finite and within range before this is called.
    (tokens * SCALE).round() as u64
}

fn to_tokens(units: u64) -> f64 {
    units as f64 / SCALE
}

impl RetryBudget {
    /// A builder starting from the defaults (ratio 0.2, capacity 100, initial = capacity,
    /// retry cost 1, refunds on).
    pub fn builder() -> RetryBudgetBuilder {
        RetryBudgetBuilder {
            ratio: 0.2,
            capacity: 100.0,
            initial: None,
            retry_cost: 1.0,
            refund_on_success: true,
        }
    }

    /// A budget allowing `ratio` retries per call beyond the default reserve of 100 retries.
    ///
    /// ```
    /// let budget = retry_runtime::budget::RetryBudget::with_ratio(0.1)?;
    /// assert_eq!(budget.ratio(), 0.1);
    /// assert!(retry_runtime::budget::RetryBudget::with_ratio(-1.0).is_err());
    /// # Ok::<(), retry_runtime::SettingsError>(())
    /// ```
    pub fn with_ratio(ratio: f64) -> Result<Self, SettingsError> {
        RetryBudget::builder().ratio(ratio).build()
    }

    /// Credits the start of one call: `ratio` tokens, up to the capacity. The engine calls
    /// this once per call, before the first attempt.
    #[inline]
    pub fn deposit(&self) {
        self.credit(self.bucket.deposit);
    }

    /// Asks for one retry: withdraws `retry_cost` tokens and returns `true`, or returns `false`
    /// (and takes nothing) when the balance is short. The engine calls this once the limits
    /// and the wait generator have agreed to a retry, before its wait.
    pub fn try_withdraw(&self) -> bool {
        let b = &*self.bucket;
        let mut current = b.balance.load(Ordering::Relaxed);
        loop {
            if current < b.cost {
                b.refused.fetch_add(1, Ordering::Relaxed);
                crate::observe::budget(current as f64 / SCALE, true);
                return false;
            }
            match b.balance.compare_exchange_weak(
                current,
                current - b.cost,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => {
                    b.allowed.fetch_add(1, Ordering::Relaxed);
                    crate::observe::budget((current - b.cost) as f64 / SCALE, false);
                    return true;
                }
                Err(actual) => current = actual,
            }
        }
    }

    /// Credits a call that succeeded after retrying: returns the cost of its last retry, up to
    /// the capacity (nothing when refunds are off). The engine calls this on such a success.
    pub fn refund(&self) {
        self.credit(self.bucket.refund);
    }

    /// Adds `amount` millionths of a token, up to the capacity. A full bucket (the healthy
    /// steady state) is only read, never written, so calls sharing a budget do not contend on
    /// its cache line.
    #[inline]
    fn credit(&self, amount: u64) {
        let b = &*self.bucket;
        if amount == 0 {
            return;
        }
        let mut current = b.balance.load(Ordering::Relaxed);
        loop {
            if current >= b.capacity {
                return;
            }
            let next = current.saturating_add(amount).min(b.capacity);
            match b.balance.compare_exchange_weak(
                current,
                next,
                Ordering::Relaxed,
                Ordering::Relaxed,
            ) {
                Ok(_) => return,
                Err(actual) => current = actual,
            }
        }
    }

    /// The tokens in the bucket now.
    pub fn balance(&self) -> f64 {
        to_tokens(self.bucket.balance.load(Ordering::Relaxed))
    }

    /// Retries allowed so far (successful withdrawals), by every holder of the budget.
    pub fn retries_allowed(&self) -> u64 {
        self.bucket.allowed.load(Ordering::Relaxed)
    }

    /// Retries refused so far (calls that gave up because the bucket was short).
    pub fn retries_refused(&self) -> u64 {
        self.bucket.refused.load(Ordering::Relaxed)
    }

    /// Tokens deposited per call (retries allowed per call once the reserve is spent).
    pub fn ratio(&self) -> f64 {
        self.bucket.ratio
    }

    /// The most tokens the bucket holds.
    pub fn capacity(&self) -> f64 {
        to_tokens(self.bucket.capacity)
    }

    /// Tokens one retry costs.
    pub fn retry_cost(&self) -> f64 {
        to_tokens(self.bucket.cost)
    }

    /// Whether `other` is a clone of this budget (the same bucket).
    pub fn shares_bucket_with(&self, other: &RetryBudget) -> bool {
        Arc::ptr_eq(&self.bucket, &other.bucket)
    }
}

/// Builds a [`RetryBudget`]; [`RetryBudgetBuilder::build`] validates every value and reports
/// every broken rule, as [`RetrySettingsBuilder::build`](crate::RetrySettingsBuilder::build) does.
///
/// ```
/// use retry_runtime::budget::RetryBudget;
///
/// let err = RetryBudget::builder().ratio(f64::NAN).capacity(0).build().unwrap_err();
/// assert_eq!(
///     err.to_string(),
///     "ratio must be finite and between 0 and 1000; capacity must be finite, greater than 0 and at most 1e9"
/// );
/// ```
#[derive(Debug, Clone)]
#[must_use]
pub struct RetryBudgetBuilder {
    ratio: f64,
    capacity: f64,
    initial: Option<f64>,
    retry_cost: f64,
    refund_on_success: bool,
}

impl RetryBudgetBuilder {
    /// Tokens each call deposits when it starts: the retries allowed per call once the reserve
    /// is spent (default 0.2; finite, between 0 and 1000).
    pub fn ratio(mut self, ratio: f64) -> Self {
        self.ratio = ratio;
        self
    }

    /// The most tokens the bucket holds (default 100; finite, greater than 0, at most 1e9).
    pub fn capacity(mut self, capacity: impl Into<f64>) -> Self {
        self.capacity = capacity.into();
        self
    }

    /// The tokens the bucket starts with: the first burst of retries (default: the capacity;
    /// finite, between 0 and the capacity).
    pub fn initial(mut self, initial: impl Into<f64>) -> Self {
        self.initial = Some(initial.into());
        self
    }

    /// Tokens one retry costs (default 1; finite, greater than 0, at most the capacity).
    pub fn retry_cost(mut self, cost: impl Into<f64>) -> Self {
        self.retry_cost = cost.into();
        self
    }

    /// Whether a call that succeeds after retrying returns the cost of its last retry
    /// (default true, as the AWS SDKs do).
    pub fn refund_on_success(mut self, refund: bool) -> Self {
        self.refund_on_success = refund;
        self
    }

    /// Validates and builds a budget with its own bucket.
    pub fn build(self) -> Result<RetryBudget, SettingsError> {
        let mut violations = Vec::new();
        let in_range = |x: f64, low: f64, high: f64| x.is_finite() && x >= low && x <= high;
        if !in_range(self.ratio, 0.0, MAX_RATIO) {
            violations.push(Violation {
                field: "ratio",
                rule: "must be finite and between 0 and 1000",
            });
        }
        let capacity_ok = in_range(self.capacity, 0.0, MAX_CAPACITY) && self.capacity > 0.0;
        if !capacity_ok {
            violations.push(Violation {
                field: "capacity",
                rule: "must be finite, greater than 0 and at most 1e9",
            });
        }
        let capacity = if capacity_ok {
            self.capacity
        } else {
            MAX_CAPACITY
        };
        let initial = self.initial.unwrap_or(capacity);
        if !in_range(initial, 0.0, capacity) {
            violations.push(Violation {
                field: "initial",
                rule: "must be finite and between 0 and the capacity",
            });
        }
        if !(in_range(self.retry_cost, 0.0, capacity) && self.retry_cost > 0.0) {
            violations.push(Violation {
                field: "retry_cost",
                rule: "must be finite, greater than 0 and at most the capacity",
            });
        }
        if !violations.is_empty() {
            return Err(SettingsError::new(violations));
        }
        // A cost below one unit would make retries free.
        let cost = to_units(self.retry_cost).max(1);
        Ok(RetryBudget {
            bucket: Arc::new(Bucket {
                balance: AtomicU64::new(to_units(initial)),
                capacity: to_units(capacity),
                deposit: to_units(self.ratio),
                cost,
                refund: if self.refund_on_success { cost } else { 0 },
                allowed: AtomicU64::new(0),
                refused: AtomicU64::new(0),
                ratio: self.ratio,
            }),
        })
    }
}

/// Where a [`Policy`](crate::Policy) finds its budget: nothing ([`NoBudget`], the default, which
/// costs nothing), a [`RetryBudget`], a reference to one, or an `Option` of either.
///
/// This is what `#[retry(budget = ..)]` accepts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not a retry budget",
    label = "expected a `RetryBudget`, a `&RetryBudget`, or an `Option` of one",
    note = "build one with `retry_runtime::budget::RetryBudget::builder().ratio(0.2).build()?` and share it (clones share the bucket); `None` means no budget"
)]
pub trait BudgetSource {
    /// The budget, if any.
    fn budget(&self) -> Option<&RetryBudget>;

    /// Returns `self` unchanged. The `#[retry]` expansion passes the key's value through this
    /// so that a value of the wrong type is one error, at the value: the failed projection
    /// leaves the policy's type unknown rather than wrong, and the compiler does not report
    /// the mistake a second time where the policy is used.
    #[doc(hidden)]
    #[inline(always)]
    fn __retry_checked(self) -> impl BudgetSource
    where
        Self: Sized,
    {
        self
    }
}

/// No retry budget (the default): retries are limited only by the policy's own rules.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoBudget;

impl BudgetSource for NoBudget {
    #[inline(always)]
    fn budget(&self) -> Option<&RetryBudget> {
        None
    }
}

impl BudgetSource for RetryBudget {
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        Some(self)
    }
}

impl BudgetSource for &RetryBudget {
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        Some(self)
    }
}

impl BudgetSource for Option<RetryBudget> {
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        self.as_ref()
    }
}

impl BudgetSource for Option<&RetryBudget> {
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        *self
    }
}

impl BudgetSource for &Option<RetryBudget> {
    #[inline]
    fn budget(&self) -> Option<&RetryBudget> {
        self.as_ref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(ratio: f64, capacity: f64, initial: f64) -> RetryBudget {
        RetryBudget::builder()
            .ratio(ratio)
            .capacity(capacity)
            .initial(initial)
            .build()
            .unwrap()
    }

    #[test]
    fn deposit_withdraw_refund_and_capacity() {
        let b = budget(0.25, 2.0, 0.0);
        assert!(!b.try_withdraw());
        for _ in 0..4 {
            b.deposit();
        }
        assert_eq!(b.balance(), 1.0);
        assert!(b.try_withdraw());
        assert_eq!(b.balance(), 0.0);
        b.refund();
        assert_eq!(b.balance(), 1.0);
        for _ in 0..100 {
            b.deposit();
            b.refund();
        }
        assert_eq!(b.balance(), 2.0, "capped at the capacity");
        assert_eq!((b.retries_allowed(), b.retries_refused()), (1, 1));
    }

    #[test]
    fn no_refund_and_costs() {
        let b = RetryBudget::builder()
            .ratio(1.0)
            .capacity(10)
            .initial(3)
            .retry_cost(2)
            .refund_on_success(false)
            .build()
            .unwrap();
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
        b.refund();
        assert_eq!(b.balance(), 1.0);
        b.deposit();
        assert!(b.try_withdraw());
        assert_eq!(b.retry_cost(), 2.0);
    }

    #[test]
    fn validation_reports_every_rule() {
        let err = RetryBudget::builder()
            .ratio(1001.0)
            .capacity(f64::INFINITY)
            .initial(-1)
            .retry_cost(0)
            .build()
            .unwrap_err();
        let fields: Vec<_> = err.violations().iter().map(|v| v.field).collect();
        assert_eq!(fields, ["ratio", "capacity", "initial", "retry_cost"]);
        assert!(
            RetryBudget::builder()
                .capacity(5)
                .initial(6)
                .build()
                .is_err()
        );
        assert!(
            RetryBudget::builder()
                .capacity(5)
                .retry_cost(6)
                .build()
                .is_err()
        );
        assert!(RetryBudget::builder().ratio(0.0).initial(0).build().is_ok());
        assert!(
            RetryBudget::builder()
                .ratio(MAX_RATIO)
                .capacity(MAX_CAPACITY)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn tiny_costs_are_never_free() {
        let b = RetryBudget::builder()
            .retry_cost(1e-9)
            .capacity(1e-6)
            .ratio(0.0)
            .build()
            .unwrap();
        assert!(b.try_withdraw());
        assert!(!b.try_withdraw());
    }

    /// Many threads deposit and withdraw at once: no token is created or lost.
    #[test]
    fn concurrent_use_conserves_tokens() {
        let b = budget(0.5, 1e6, 10.0);
        let threads: u32 = 8;
        let calls: u32 = 10_000;
        std::thread::scope(|s| {
            for _ in 0..threads {
                let b = b.clone();
                s.spawn(move || {
                    for _ in 0..calls {
                        b.deposit();
                        b.try_withdraw();
                    }
                });
            }
        });
        let deposited = 10.0 + 0.5 * f64::from(threads * calls);
        let spent = b.retries_allowed() as f64;
        assert_eq!(b.balance(), deposited - spent);
        assert_eq!(
            b.retries_allowed() + b.retries_refused(),
            u64::from(threads * calls)
        );
        // Every withdrawal was covered: at most the reserve plus the deposits.
        assert!(spent <= deposited);
    }

    #[test]
    fn debug_shows_every_setting_and_counter() {
        let b = budget(0.5, 10.0, 4.0);
        assert!(b.try_withdraw());
        assert_eq!(
            format!("{b:?}"),
            "RetryBudget { ratio: 0.5, capacity: 10.0, retry_cost: 1.0, refund_on_success: true, \
             balance: 3.0, retries_allowed: 1, retries_refused: 0 }"
        );
        let no_refund = RetryBudget::builder()
            .refund_on_success(false)
            .build()
            .unwrap();
        assert!(format!("{no_refund:?}").contains("refund_on_success: false"));
    }

    #[test]
    fn accessors_read_back_what_was_built() {
        let b = RetryBudget::with_ratio(0.1).unwrap();
        assert_eq!((b.ratio(), b.capacity(), b.balance()), (0.1, 100.0, 100.0));
        assert!(RetryBudget::with_ratio(-1.0).is_err());
        let other = RetryBudget::with_ratio(0.1).unwrap();
        assert!(b.shares_bucket_with(&b.clone()));
        assert!(!b.shares_bucket_with(&other));
    }

    #[test]
    fn a_capacity_of_zero_is_refused() {
        let err = RetryBudget::builder().capacity(0).build().unwrap_err();
        assert_eq!(
            err.violations(),
            [Violation::new(
                "capacity",
                "must be finite, greater than 0 and at most 1e9"
            )]
        );
    }

    proptest::proptest! {
        /// Any interleaving of operations from several threads keeps the balance within
        /// [0, capacity] and the withdrawals within the reserve plus what was put in.
        #[test]
        fn balance_stays_in_bounds(
            ratio in 0.0f64..3.0,
            capacity in 1.0f64..50.0,
            ops in proptest::collection::vec(0u8..3, 1..400),
        ) {
            let b = budget(ratio, capacity, capacity);
            let chunks: Vec<Vec<u8>> = ops.chunks(50).map(<[u8]>::to_vec).collect();
            std::thread::scope(|s| {
                for chunk in &chunks {
                    let b = b.clone();
                    s.spawn(move || {
                        for op in chunk {
                            match op {
                                0 => b.deposit(),
                                1 => { b.try_withdraw(); }
                                _ => b.refund(),
                            }
                            let balance = b.balance();
                            assert!((0.0..=b.capacity()).contains(&balance));
                        }
                    });
                }
            });
            let deposits = ops.iter().filter(|o| **o != 1).count() as f64;
            let ceiling = capacity + deposits * ratio.max(1.0);
            proptest::prop_assert!(b.retries_allowed() as f64 <= ceiling + 1e-6);
        }
    }
}
