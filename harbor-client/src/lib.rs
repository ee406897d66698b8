//! An async client for Harbor's REST API v2.0: all 203 operations, generated from Harbor's
//! own spec by `cargo xtask codegen --spec ../shared/harbor/swagger.yaml`, every call retried
//! through `#[retry]` with settings that can change at run time (harborapi's
//! `RetrySettings`, in Rust).
//!
//! ```no_run
//! use harbor_client::{Credentials, HarborClient, models};
//! use harbor_client::error::NotFound;
//! use retry_runtime::{ErrorClass, RetrySettings};
//!
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let client = HarborClient::builder("https://harbor.example")
//!     .credentials(Credentials::from_robot_file("robot.json")?)
//!     .build()?;
//!
//! // Retry more patiently from now on, in every task using this client.
//! client.update_retry(|s| s.max_tries(5).max_time(120))?;
//!
//! let project = client
//!     .create_project(&models::ProjectReq {
//!         project_name: Some("team-a".into()),
//!         ..Default::default()
//!     }, &Default::default())
//!     .await;
//! match client.get_project("team-a", &Default::default()).await {
//!     Ok(p) => println!("project {:?}", p.project_id),
//!     Err(e) if NotFound::is_instance(&e) => println!("gone"),
//!     Err(e) => return Err(e.into()),
//! }
//! # let _ = project; Ok(()) }
//! ```
//!
//! | module | what it holds |
//! |---|---|
//! | [`client`] | [`HarborClient`], its builder, its run-time configuration (retry settings, resend permissions, per-attempt timeouts, hedging, credentials) and the plan each call resolves from it once |
//! | [`auth`] | [`Credentials`] (basic, token, robot file), [`CredentialProvider`]s for credentials that rotate (robot file, environment, async closures) |
//! | [`error`] | [`Error`] and its classes (`StatusError`, `NotFound`, `ServerError`, ...), [`HedgeError`](error::HedgeError) |
//! | [`settings`] | default retry settings and retry budget, `no_retry_scope`, `Retry-After` |
//! | [`pagination`] | [`Page`], streams and collect-all helpers |
//! | [`encoding`] | base URL normalisation, path encoding |
//! | [`models`] | one serde type per spec definition (generated) |
//! | [`operations`] | the operation table (generated entries) |
//! | [`methods`] | params structs of the generated methods |
//! | [`vulnerability`] | typed scanner reports, artifacts with reports as a stream, summaries |
//! | [`raw`] | raw answers of any call ([`capture_raw`]) |
//! | [`waiters`] | wait for a scan or a background job to end: typed outcomes, deadlines, a stream of status changes |

pub mod auth;
pub mod client;
mod created;
pub mod encoding;
pub mod error;
mod generated;
mod model_de;
pub mod operations;
pub mod pagination;
mod project_ref;
pub mod raw;
pub mod settings;
mod timestamp;
pub mod vulnerability;
pub mod waiters;

pub use auth::{CredentialProvider, Credentials};
pub use client::{HarborClient, HarborClientBuilder, Identity};
pub use created::Created;
pub use error::{BuildError, Error};
pub use generated::methods;
pub use generated::models;
pub use pagination::Page;
pub use project_ref::ProjectRef;
pub use raw::{RawResponse, capture_raw};
pub use settings::{
    DEFAULT_MAX_HEDGES, default_retry_budget, default_retry_settings, no_retry_scope,
    parse_retry_after,
};
pub use timestamp::Timestamp;
