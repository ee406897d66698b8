//! `harbor-sim`: a stateful, in-memory Harbor v2.0 API server with fault injection.
//!
//! Start it in-process on an ephemeral loopback port, point a client at
//! [`RunningSimulator::base_url`], and use the [`SimHandle`] to look at the state, read
//! per-operation counters and inject faults:
//!
//! ```
//! use harbor_sim::{Fault, FaultRule, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start().await?; // with the demo data
//! sim.handle().inject(FaultRule::new(Fault::status_retry_after(503, 1)).operation("getProject").times(2))?;
//! // ... drive a client against sim.base_url() (admin / Harbor12345) ...
//! assert_eq!(sim.handle().counts("getProject").unwrap().received, 0);
//! # Ok(()) }
//! ```
//!
//! What it honours of Harbor: basic auth (robots as `robot$name`), 401 without valid
//! credentials, the `sid` cookie and the 403 `CSRF token invalid` a cookie-keeping client
//! meets on writes, double-encoded repository names, `page`/`page_size` (at most 100), `q`
//! and `sort`, `X-Total-Count` and `Link` in Harbor's exact format, `X-Request-Id` echoed or
//! generated, `{"errors":[...]}` bodies and the fixed body of every 5xx. With no fault
//! installed it never answers 5xx.

mod admin;
pub mod auth;
pub mod body_models;
pub mod context;
mod counters;
mod dispatch;
pub mod errors;
pub mod faults;
pub mod handlers;
pub mod operation;
pub mod pagination;
pub mod query;
pub mod router;
mod server;
mod session;
pub mod state;
pub mod validate;

pub use counters::OpCounts;
pub use errors::{ApiError, ApiResult};
pub use faults::{Fault, FaultError, FaultRule, RetryAfter, Trigger};
pub use server::{RunningSimulator, SimHandle, Simulator, SimulatorBuilder};
pub use state::SimState;
pub use state::seed::{SEED_ROBOT_SECRET, SEED_USER_PASSWORD};

/// Every operation the simulator routes (Harbor v2.0's 203).
pub fn operations() -> &'static [operation::OpSpec] {
    &operation::TABLE
}
