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
//! What it honours of Harbor: basic auth (robots as `robot$name`), where no, malformed or
//! wrong credentials make the request anonymous (public data answers 200, writes 401), Harbor's
//! access control for every operation ([`rbac`]: project roles, robot access lists, anonymous
//! callers; 401 for anonymous, 403 for the rest), the `sid` cookie and the 403 `CSRF token
//! invalid` a cookie-keeping client meets on writes, double-encoded repository names, `page`/`page_size` (at most 100), `q`
//! and `sort`, `X-Total-Count` and `Link` in Harbor's exact format, `X-Request-Id` echoed or
//! generated, `{"errors":[...]}` bodies and the fixed body of every 5xx. With no fault
//! installed it answers 5xx only where Harbor does: for an unreachable endpoint (scanner and
//! preheat-instance pings, LDAP searches and imports; see [`state::reachability`]), an LDAP
//! server that refuses the configured search account ([`state::ldap_directory`]), and a
//! client's mistake Harbor answers 500, as an uncoded error ([`ApiError::uncoded`]) or as
//! beego's bare 500 after a panic of its handler ([`ApiError::panicked`]); the cause, which
//! Harbor only logs, is logged (target `harbor_sim::error`) and kept in
//! [`RecordedAnswer::cause`].
//!
//! It knows Harbor from Harbor's spec alone: the operation table and the JSON Schemas of every
//! request and response body are generated from `swagger.yaml` (`cargo xtask codegen`), and
//! requests are validated as Harbor's go-swagger layer does (422 with its `validation failure
//! list`, empty query values as absent). `CONFORMANCE.md` beside this crate lists where Harbor,
//! and so the simulator, departs from the spec, and how every answer of the tests is checked.
//!
//! # Layout
//!
//! The public API is what a user of the simulator needs: [`Simulator`] and its builder,
//! [`RunningSimulator`] and its [`SimHandle`], faults ([`faults`]), latency ([`Latency`],
//! [`PageServiceTime`]), rate limits ([`RateLimit`]), job lifecycles ([`Lifecycle`]), the
//! state and its demo data ([`state`], [`SimState::seed_demo`], the `SEED_*` secrets), the
//! access model to ask what a caller may do ([`rbac`], [`auth`]), Harbor's errors
//! ([`errors`]), pages ([`pagination`]) and the spec's operations ([`operations`]). The rest is
//! private, one stage or concept per file:
//!
//! - `dispatch/`, the life of a request: the ingress's rate limits (`rate_limit.rs`), the
//!   service time (`latency.rs`), routing (`router.rs`), counting (`counters.rs`), CSRF
//!   (`session.rs`), binding and validation (`binding.rs`, `negotiation.rs`, `validate.rs`),
//!   the fault (`dispatch/fault_stage.rs`); then, under one guard of the state
//!   (`dispatch/under_guard.rs`, `state_guard.rs`), the caller (`auth.rs`), the access check
//!   (`rbac/check.rs`), the handler and the audit rows (`audit_events.rs`); last the
//!   answer's shape (`dispatch/reply.rs`) and Harbor's headers;
//! - `operation_table/`: one entry per operation id (`entries.rs`) naming its handler, its
//!   access rule and its audit rule, joined at start to the spec's data generated from
//!   `swagger.yaml` (`generated/operations.rs`, [`operation`]); the simulator refuses to
//!   start when an operation of the spec has no entry, or more than one;
//! - `handlers/`, the handlers by area of Harbor's API, over the request as `context.rs`
//!   parses it (`query.rs`: `q` and `sort`), with ports of the Go code whose errors Harbor
//!   passes on as they are: `go_url.rs` (`net/url`, `net/netip`) and `go_regexp.rs`
//!   (`regexp/syntax`);
//! - `admin.rs`, the `/_sim` endpoints below.
//!
//! # Faults
//!
//! A [`FaultRule`] is a [`Fault`] (a status with or without `Retry-After` in seconds or as an
//! HTTP date, a delay, a reset connection, a write applied and then failed, a truncated or
//! non-JSON body), a scope (one operation id or all) and a [`Trigger`] (the next N requests,
//! a seeded fraction, or always). Install rules with [`SimHandle::inject`], or from another
//! process through the admin endpoint, which is unauthenticated (a test tool: bind it to
//! loopback):
//!
//! | request | effect |
//! |---|---|
//! | `POST /_sim/faults` with a rule as JSON | installs it (400 if invalid) |
//! | `GET /_sim/faults` / `DELETE /_sim/faults` | lists / removes the rules |
//! | `GET /_sim/counters`, `GET /_sim/counters/{operation}` | requests received, writes applied, faults, requests throttled |
//! | `DELETE /_sim/counters` | zeroes the counters |
//! | `GET`/`PUT`/`DELETE /_sim/rate-limits`, `DELETE /_sim/rate-limits/{operation or global}` | the rate limits (below) |
//! | `GET /_sim/service-times`, `PUT`/`DELETE /_sim/service-times/{operation}` | a list's time per item of a page ([`PageServiceTime`], `{"millis_per_item":50}`) |
//! | `POST /_sim/reset` | restores the initial state, clears faults, rate limits and counters |
//! | `GET /_sim/reachable`, `PUT`/`DELETE /_sim/reachable/{host}` | the hosts the simulated Harbor reaches ([`state::reachability`]) |
//!
//! ```text
//! {"operation":"getProject","fault":{"kind":"status","status":503,"retry_after":{"seconds":2}},"next":2}
//! {"fault":{"kind":"reset"},"fraction":0.1,"seed":7}
//! {"operation":"createProject","fault":{"kind":"apply_then_fail","status":502},"always":true}
//! ```
//!
//! ## Rate limits
//!
//! Harbor rate-limits none of its API; deployments put an ingress in front of it (nginx's
//! `limit_req`, a cloud load balancer) and that is what a [`RateLimit`] models: a token bucket
//! of `rate` requests per second holding up to `burst` of them (one second's worth unless
//! given), for one operation id or for every request, several at once (the global one and
//! one per operation; a request takes a token from each that applies, or from none). A
//! request that finds a bucket empty is refused before Harbor sees it (no service time, no
//! fault rule drawn, no state change) with `429`, `Retry-After` in whole seconds until the
//! next token (rounded up, at least 1) and Harbor's error body with Harbor's own code,
//! `{"errors":[{"code":"TOO_MANY_REQUEST","message":"too many requests: ..."}]}`. It is counted
//! in the operation's [`OpCounts::received`] and [`OpCounts::throttled`] (not in `faults`).
//! The buckets refill continuously on tokio's clock, so a test on a paused clock
//! (`#[tokio::test(start_paused = true)]`, `tokio::time::advance`) decides exactly when the
//! next token comes. Set a limit again to change it at run time: its bucket keeps the tokens
//! it holds (capped at the new burst) and refills at the new rate, so a raise takes effect
//! smoothly.
//!
//! ```
//! use harbor_sim::{RateLimit, Simulator};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let sim = Simulator::start().await?;
//! // The ingress lets 50 requests a second through; getProject 1 a second, in bursts of 2.
//! sim.handle().set_rate_limit(RateLimit::per_second(50.0))?;
//! sim.handle().set_rate_limit(RateLimit::per_second(1.0).burst(2.0).operation("getProject"))?;
//! let client = reqwest::Client::new();
//! let get_project = || {
//!     client
//!         .get(format!("{}/projects/library", sim.api_url()))
//!         .basic_auth("admin", Some("Harbor12345"))
//!         .send()
//! };
//! assert_eq!(get_project().await?.status(), 200);
//! assert_eq!(get_project().await?.status(), 200);
//! let refused = get_project().await?;
//! assert_eq!(refused.status(), 429);
//! assert_eq!(refused.headers()["retry-after"], "1");
//! assert_eq!(sim.handle().counts("getProject").unwrap().throttled, 1);
//! // Raised at run time (the bucket is still empty and now refills at 200 a second), and
//! // removed.
//! sim.handle().set_rate_limit(RateLimit::per_second(200.0).operation("getProject"))?;
//! assert!(sim.handle().clear_rate_limit(Some("getProject")));
//! assert_eq!(sim.handle().rate_limits(), [RateLimit::per_second(50.0)]);
//! # Ok(()) }
//! ```
//!
//! From another process (`burst` is optional, `operation` too):
//!
//! ```text
//! curl -X PUT http://127.0.0.1:8080/_sim/rate-limits -H 'content-type: application/json' \
//!      -d '{"rate": 50}'
//! curl -X PUT http://127.0.0.1:8080/_sim/rate-limits -H 'content-type: application/json' \
//!      -d '{"operation": "getProject", "rate": 10, "burst": 10}'
//! curl http://127.0.0.1:8080/_sim/rate-limits      # [{"rate":50.0,"burst":50.0},{"operation":...}]
//! curl -X DELETE http://127.0.0.1:8080/_sim/rate-limits/getProject   # or .../global, or all
//! ```

mod admin;
mod audit_events;
pub mod auth;
mod binding;
mod body_shapes;
mod calendar;
mod context;
mod counters;
mod cron;
mod dispatch;
mod doublestar;
pub mod errors;
pub mod faults;
mod go_json;
mod go_regexp;
mod go_time;
mod go_url;
mod handlers;
mod latency;
mod negotiation;
mod omitempty;
pub mod operation;
mod operation_table;
pub mod pagination;
mod pg_timestamp;
mod postgres_error;
mod query;
mod random_id;
mod rate_limit;
pub mod rbac;
mod recorder;
pub mod registry;
mod request_id;
mod router;
mod server;
mod session;
pub mod state;
mod state_guard;
mod thumbnail;
mod transaction_check;
mod tz_names;
mod validate;

pub use counters::OpCounts;
pub use errors::{ApiError, ApiResult};
pub use faults::{Fault, FaultError, FaultRule, RetryAfter, Trigger};
pub use latency::{Latency, PageServiceTime, PageServiceTimeError};
pub use rate_limit::{RateLimit, RateLimitError};
pub use recorder::RecordedAnswer;
pub use server::{RunningSimulator, SimHandle, Simulator, SimulatorBuilder};
pub use state::SimState;
pub use state::lifecycle::{JobLifecycles, JobPlan, Lifecycle, Outcome, Phase};
pub use state::seed::{
    SEED_OIDC_ISSUER, SEED_PULL_ROBOT_SECRET, SEED_ROBOT_SECRET, SEED_SYSTEM_ROBOT_SECRET,
    SEED_USER_PASSWORD,
};
pub use state::{JobKind, JobStatus, UnknownJobKind};

/// Every operation the simulator routes (Harbor v2.0's 203).
pub fn operations() -> &'static [operation::OpSpec] {
    operation::TABLE
}
