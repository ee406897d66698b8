//! [`RobotFileProvider`]: the credentials of a robot JSON file, as Harbor exports it, read
//! again at every ask so that a rewritten file is picked up.

use super::{CredentialProvider, Credentials, CredentialsFuture, ProviderError};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Provides the credentials of a robot account's JSON file (Harbor's export: `name` and
/// `secret`, other fields ignored; see [`Credentials::from_robot_json`]).
///
/// The client asks rarely (for its first call without credentials, then after a 401), so
/// the file is read whole at every ask: a rewrite is picked up even when it keeps the size
/// and the modification time (coarse mtimes, `cp -p`, a secret mounted by Kubernetes through
/// a symlink swap). The read runs on tokio's blocking pool. A file missing or half-written at
/// that moment is a provider failure, retried under the call's retry settings and budget.
///
/// ```
/// use harbor_client::auth::{CredentialProvider, RobotFileProvider};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), harbor_client::auth::ProviderError> {
/// let path = std::env::temp_dir().join(format!("robot-doc-{}.json", std::process::id()));
/// std::fs::write(&path, r#"{"name": "robot$ci", "secret": "first"}"#)?;
/// let provider = RobotFileProvider::new(&path);
/// assert_eq!(provider.credentials().await?.username(), Some("robot$ci"));
///
/// std::fs::write(&path, r#"{"name": "robot$cd", "secret": "second"}"#)?;
/// assert_eq!(provider.credentials().await?.username(), Some("robot$cd"));
/// # std::fs::remove_file(&path)?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct RobotFileProvider {
    path: Arc<Path>,
}

impl RobotFileProvider {
    /// A provider reading `path` at every ask (nothing is read here).
    pub fn new(path: impl Into<PathBuf>) -> Self {
        RobotFileProvider {
            path: Arc::from(path.into()),
        }
    }

    /// The file read.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl CredentialProvider for RobotFileProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        let path = Arc::clone(&self.path);
        Box::pin(async move {
            let read = tokio::task::spawn_blocking(move || read_robot_file(&path)).await;
            read.map_err(|e| ProviderError::from(format!("reading the robot file: {e}")))?
        })
    }
}

/// Reads and parses the file, naming it in any error.
fn read_robot_file(path: &Path) -> Result<Credentials, ProviderError> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read the robot file {}: {e}", path.display()))?;
    Ok(Credentials::from_robot_json(&text)
        .map_err(|e| format!("the robot file {}: {e}", path.display()))?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;

    fn secret(c: &Credentials) -> String {
        match c {
            Credentials::Basic { secret, .. } => secret.expose_secret().to_owned(),
            Credentials::Token(_) => panic!("a robot file gives basic credentials"),
        }
    }

    fn temp_path(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("harbor-robot-{}-{name}.json", std::process::id()))
    }

    #[tokio::test]
    async fn a_rewritten_file_is_picked_up_even_with_the_same_size() {
        let path = temp_path("rewrite");
        std::fs::write(&path, r#"{"name":"robot$ci","secret":"Secret1a"}"#).unwrap();
        let provider = RobotFileProvider::new(&path);
        assert_eq!(secret(&provider.credentials().await.unwrap()), "Secret1a");
        // Same length, written within the same mtime tick on coarse file systems.
        std::fs::write(&path, r#"{"name":"robot$ci","secret":"Secret2b"}"#).unwrap();
        assert_eq!(secret(&provider.credentials().await.unwrap()), "Secret2b");
        std::fs::remove_file(&path).unwrap();
    }

    #[tokio::test]
    async fn a_missing_or_broken_file_is_an_error_naming_it() {
        let path = temp_path("broken");
        let provider = RobotFileProvider::new(&path);
        let missing = provider.credentials().await.unwrap_err().to_string();
        assert!(
            missing.starts_with("cannot read the robot file"),
            "{missing}"
        );
        assert!(missing.contains(&*path.to_string_lossy()), "{missing}");
        std::fs::write(&path, r#"{"name":"robot$ci""#).unwrap();
        let broken = provider.credentials().await.unwrap_err().to_string();
        assert!(broken.contains("not a robot credentials file"), "{broken}");
        std::fs::remove_file(&path).unwrap();
    }

    #[test]
    fn debug_shows_the_path_only() {
        let provider = RobotFileProvider::new("/run/secrets/robot.json");
        assert_eq!(
            format!("{provider:?}"),
            r#"RobotFileProvider { path: "/run/secrets/robot.json" }"#
        );
    }
}
