//! Who the client says it is: [`Credentials`], and [`CredentialProvider`]s that hand out
//! fresh ones when a robot's secret rotates.
//!
//! Secrets live in [`secrecy`] types: `Debug` never prints them, and they are wiped on drop.
//!
//! | file | what it holds |
//! |---|---|
//! | `credentials.rs` | [`Credentials`] (basic, token, robot JSON) and their `Authorization` value |
//! | `provider.rs` | the [`CredentialProvider`] trait and its impl for async closures |
//! | `robot_file.rs` | [`RobotFileProvider`]: a robot JSON file, read again when it changes |
//! | `env.rs` | [`EnvProvider`]: environment variables, read at every ask |
//!
//! How the client uses a provider (single-flight refresh on 401, failures retried under the
//! call's settings and budget) is told at
//! [`HarborClientBuilder::credential_provider`](crate::HarborClientBuilder::credential_provider).

mod credentials;
mod env;
mod provider;
mod robot_file;

pub use credentials::Credentials;
pub use env::EnvProvider;
pub use provider::{CredentialProvider, CredentialsFuture, ProviderError};
pub use robot_file::RobotFileProvider;
