//! The [`CredentialProvider`] trait: where a client gets its credentials when it has none
//! yet, or when Harbor stopped accepting the ones it has.

use super::Credentials;
use std::future::Future;
use std::pin::Pin;

/// What a provider fails with: any error, boxed. The client keeps it as the
/// [`source`](std::error::Error::source) of its
/// [`CredentialProviderError`](crate::error::CredentialProviderError).
pub type ProviderError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The future a provider returns.
pub type CredentialsFuture<'a> =
    Pin<Box<dyn Future<Output = Result<Credentials, ProviderError>> + Send + 'a>>;

/// A source of credentials the client asks when it needs them: for its first call when it
/// was built without credentials, and when Harbor answers 401 to the ones it has (a rotated
/// robot secret). The client asks once for all the calls that saw the same credentials
/// refused (single flight), so a provider may be slow or costly (a vault, a file, a token
/// service); see
/// [`HarborClientBuilder::credential_provider`](crate::HarborClientBuilder::credential_provider).
///
/// Object-safe; implemented by every async closure (`|| async { .. }`) returning
/// `Result<Credentials, E>` with `E` convertible into a [`ProviderError`], and by
/// [`RobotFileProvider`](super::RobotFileProvider) and [`EnvProvider`](super::EnvProvider).
///
/// ```
/// use harbor_client::auth::{CredentialProvider, CredentialsFuture};
/// use harbor_client::Credentials;
///
/// /// Asks a secret store (here: a fixed answer).
/// struct Vault;
///
/// impl CredentialProvider for Vault {
///     fn credentials(&self) -> CredentialsFuture<'_> {
///         Box::pin(async { Ok(Credentials::basic("robot$ci", "from-the-vault")) })
///     }
/// }
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let providers: Vec<Box<dyn CredentialProvider>> = vec![
///     Box::new(Vault),
///     Box::new(|| async { Ok::<_, std::io::Error>(Credentials::basic("robot$ci", "s3cret")) }),
/// ];
/// for provider in &providers {
///     let credentials = provider.credentials().await.unwrap();
///     assert_eq!(credentials.username(), Some("robot$ci"));
/// }
/// # }
/// ```
pub trait CredentialProvider: Send + Sync + 'static {
    /// The credentials to use from now on.
    fn credentials(&self) -> CredentialsFuture<'_>;
}

impl<F, Fut, E> CredentialProvider for F
where
    F: Fn() -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Credentials, E>> + Send + 'static,
    E: Into<ProviderError>,
{
    fn credentials(&self) -> CredentialsFuture<'_> {
        let asked = self();
        Box::pin(async move { asked.await.map_err(Into::into) })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, Ordering};

    #[tokio::test]
    async fn closures_are_providers_and_their_errors_are_kept() {
        let asked = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&asked);
        let provider: Box<dyn CredentialProvider> = Box::new(move || {
            let n = counter.fetch_add(1, Ordering::SeqCst);
            async move {
                if n == 0 {
                    Err(std::io::Error::other("vault sealed"))
                } else {
                    Ok(Credentials::basic("robot$a", "b"))
                }
            }
        });
        let failed = provider.credentials().await.unwrap_err();
        assert_eq!(failed.to_string(), "vault sealed");
        let ok = provider.credentials().await.unwrap();
        assert_eq!(ok.username(), Some("robot$a"));
        assert_eq!(asked.load(Ordering::SeqCst), 2);
    }
}
