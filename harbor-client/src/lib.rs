//! An async client for Harbor's REST API v2.0 (all 203 operations), generated from Harbor's
//! own spec by `cargo xtask codegen`.
//!
//! - [`models`]: one serde type per spec definition, tolerant of what real servers send.
//! - [`operations`]: the operation table (id, method, path, parameters, answer), shared with
//!   the simulator and the tests.

mod generated;
pub mod operations;
mod timestamp;

pub use generated::models;
pub use timestamp::Timestamp;
