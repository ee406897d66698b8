//! [`EnvProvider`]: credentials from environment variables, read at every ask.

use super::{CredentialProvider, Credentials, CredentialsFuture, ProviderError};
use std::env::VarError;
use std::fmt;
use std::sync::Arc;

/// Where the variables are looked up: the process environment, or a table in tests (the
/// workspace forbids `unsafe`, and `std::env::set_var` is unsafe).
type Lookup = Arc<dyn Fn(&str) -> Result<String, VarError> + Send + Sync>;

/// Provides credentials from environment variables, read at every ask (a supervisor that
/// restarts nothing but re-execs with a new environment, or a process that changes its own
/// environment, is picked up). Two layouts:
///
/// - [`EnvProvider::basic`]: one variable holds the username, another the secret
///   (`HARBOR_USERNAME`, `HARBOR_PASSWORD`);
/// - [`EnvProvider::robot_json`]: one variable holds a robot account's JSON as Harbor exports
///   it (`{"name": "robot$ci", "secret": ".."}`), as CI systems inject a secret file's text.
///
/// A variable unset, empty, or not Unicode is a provider failure naming the variable (never
/// its value), retried under the call's retry settings and budget. `Debug` shows the
/// variable names only.
///
/// ```
/// use harbor_client::auth::{CredentialProvider, EnvProvider};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let provider = EnvProvider::basic("DOC_HARBOR_USER_UNSET", "DOC_HARBOR_SECRET_UNSET");
/// let failed = provider.credentials().await.unwrap_err();
/// assert_eq!(failed.to_string(), "the environment variable DOC_HARBOR_USER_UNSET is not set");
/// assert_eq!(
///     format!("{provider:?}"),
///     r#"EnvProvider::Basic { username: "DOC_HARBOR_USER_UNSET", secret: "DOC_HARBOR_SECRET_UNSET" }"#
/// );
/// # }
/// ```
#[derive(Clone)]
pub struct EnvProvider {
    layout: Layout,
    lookup: Lookup,
}

#[derive(Clone)]
enum Layout {
    Basic { username: String, secret: String },
    RobotJson { variable: String },
}

impl EnvProvider {
    /// Username in the variable `username`, secret in the variable `secret`.
    pub fn basic(username: impl Into<String>, secret: impl Into<String>) -> Self {
        Self::from_layout(Layout::Basic {
            username: username.into(),
            secret: secret.into(),
        })
    }

    /// A robot account's JSON (`name` and `secret`) in the variable `variable`.
    pub fn robot_json(variable: impl Into<String>) -> Self {
        Self::from_layout(Layout::RobotJson {
            variable: variable.into(),
        })
    }

    fn from_layout(layout: Layout) -> Self {
        EnvProvider {
            layout,
            lookup: Arc::new(|name| std::env::var(name)),
        }
    }

    /// The same provider reading its variables from `lookup` instead of the environment.
    #[cfg(test)]
    fn with_lookup(
        mut self,
        lookup: impl Fn(&str) -> Result<String, VarError> + Send + Sync + 'static,
    ) -> Self {
        self.lookup = Arc::new(lookup);
        self
    }

    /// The value of `name`, or an error naming it (never the value).
    fn var(&self, name: &str) -> Result<String, ProviderError> {
        match (self.lookup)(name) {
            Ok(value) if !value.is_empty() => Ok(value),
            Ok(_) => Err(format!("the environment variable {name} is empty").into()),
            Err(VarError::NotPresent) => {
                Err(format!("the environment variable {name} is not set").into())
            }
            Err(VarError::NotUnicode(_)) => {
                Err(format!("the environment variable {name} is not Unicode").into())
            }
        }
    }

    fn read(&self) -> Result<Credentials, ProviderError> {
        match &self.layout {
            Layout::Basic { username, secret } => {
                Ok(Credentials::basic(self.var(username)?, self.var(secret)?))
            }
            Layout::RobotJson { variable } => {
                let json = secrecy::SecretString::from(self.var(variable)?);
                Credentials::from_robot_json(secrecy::ExposeSecret::expose_secret(&json))
                    .map_err(|e| format!("the environment variable {variable}: {e}").into())
            }
        }
    }
}

impl CredentialProvider for EnvProvider {
    fn credentials(&self) -> CredentialsFuture<'_> {
        Box::pin(async move { self.read() })
    }
}

impl fmt::Debug for EnvProvider {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.layout {
            Layout::Basic { username, secret } => f
                .debug_struct("EnvProvider::Basic")
                .field("username", username)
                .field("secret", secret)
                .finish(),
            Layout::RobotJson { variable } => f
                .debug_struct("EnvProvider::RobotJson")
                .field("variable", variable)
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use secrecy::ExposeSecret;
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A table of variables the test can change, as a process changes its environment.
    fn table(vars: &[(&str, &str)]) -> Arc<Mutex<HashMap<String, String>>> {
        let map = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Arc::new(Mutex::new(map))
    }

    fn reading(provider: EnvProvider, vars: &Arc<Mutex<HashMap<String, String>>>) -> EnvProvider {
        let vars = Arc::clone(vars);
        provider.with_lookup(move |name| {
            vars.lock()
                .unwrap()
                .get(name)
                .cloned()
                .ok_or(VarError::NotPresent)
        })
    }

    fn secret(c: &Credentials) -> String {
        match c {
            Credentials::Basic { secret, .. } => secret.expose_secret().to_owned(),
            Credentials::Token(_) => panic!("basic credentials expected"),
        }
    }

    #[tokio::test]
    async fn basic_reads_both_variables_at_every_ask() {
        let vars = table(&[("U", "robot$ci"), ("S", "first")]);
        let provider = reading(EnvProvider::basic("U", "S"), &vars);
        let first = provider.credentials().await.unwrap();
        assert_eq!(
            (first.username(), secret(&first).as_str()),
            (Some("robot$ci"), "first")
        );
        vars.lock().unwrap().insert("S".into(), "second".into());
        assert_eq!(secret(&provider.credentials().await.unwrap()), "second");
    }

    #[tokio::test]
    async fn robot_json_reads_harbors_export() {
        let vars = table(&[("ROBOT", r#"{"id":7,"name":"robot$p+ci","secret":"x1Y"}"#)]);
        let provider = reading(EnvProvider::robot_json("ROBOT"), &vars);
        let c = provider.credentials().await.unwrap();
        assert_eq!(
            (c.username(), secret(&c).as_str()),
            (Some("robot$p+ci"), "x1Y")
        );
        vars.lock().unwrap().insert(
            "ROBOT".into(),
            r#"{"name":"robot$p+ci","secret":"hunter2""#.into(),
        );
        let broken = provider.credentials().await.unwrap_err().to_string();
        assert!(
            broken.starts_with("the environment variable ROBOT: not a robot"),
            "{broken}"
        );
        assert!(!broken.contains("hunter2"), "{broken}");
    }

    #[tokio::test]
    async fn unset_and_empty_variables_are_errors_naming_them() {
        let vars = table(&[("U", "robot$ci"), ("S", "")]);
        let provider = reading(EnvProvider::basic("U", "S"), &vars);
        let empty = provider.credentials().await.unwrap_err().to_string();
        assert_eq!(empty, "the environment variable S is empty");
        vars.lock().unwrap().remove("U");
        let unset = provider.credentials().await.unwrap_err().to_string();
        assert_eq!(unset, "the environment variable U is not set");
    }

    #[test]
    fn debug_names_the_variables_never_their_values() {
        let vars = table(&[("ROBOT", r#"{"name":"robot$a","secret":"hunter2"}"#)]);
        let provider = reading(EnvProvider::robot_json("ROBOT"), &vars);
        assert_eq!(
            format!("{provider:?}"),
            r#"EnvProvider::RobotJson { variable: "ROBOT" }"#
        );
    }
}
