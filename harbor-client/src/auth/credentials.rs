//! [`Credentials`] and the `Authorization` header they produce (HTTP basic auth, as Harbor
//! wants).
//!
//! ```
//! use harbor_client::Credentials;
//!
//! let c = Credentials::basic("admin", "Harbor12345");
//! assert_eq!(format!("{c:?}"), r#"Credentials::Basic { username: "admin", secret: "<redacted>" }"#);
//! ```

use crate::error::BuildError;
use base64::Engine as _;
use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;
use std::path::Path;

/// How the client authenticates.
#[derive(Clone)]
pub enum Credentials {
    /// A username (robot accounts: `robot$name`) and its password or secret.
    Basic {
        /// The username.
        username: String,
        /// The password or robot secret.
        secret: SecretString,
    },
    /// A pre-encoded basic token: base64 of `username:secret`, without the `Basic ` prefix.
    Token(SecretString),
}

impl Credentials {
    /// A username and its password or secret.
    pub fn basic(username: impl Into<String>, secret: impl Into<String>) -> Self {
        Credentials::Basic {
            username: username.into(),
            secret: SecretString::from(secret.into()),
        }
    }

    /// A pre-encoded basic token (base64 of `username:secret`).
    pub fn token(token: impl Into<String>) -> Self {
        Credentials::Token(SecretString::from(token.into()))
    }

    /// Reads a robot account's credentials file, as Harbor's UI exports it: JSON with at
    /// least `name` and `secret`.
    pub fn from_robot_file(path: impl AsRef<Path>) -> Result<Self, BuildError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| {
            BuildError::InvalidCredentials(format!("cannot read {}: {e}", path.display()))
        })?;
        Self::from_robot_json(&text)
            .map_err(|e| BuildError::InvalidCredentials(format!("{}: {e}", path.display())))
    }

    /// Parses a robot account's credentials JSON (`{"name": .., "secret": ..}`).
    pub fn from_robot_json(json: &str) -> Result<Self, String> {
        #[derive(Deserialize)]
        struct RobotFile {
            name: String,
            secret: SecretString,
        }
        let robot: RobotFile = serde_json::from_str(json)
            .map_err(|e| format!("not a robot credentials file (need name and secret): {e}"))?;
        if robot.name.is_empty() {
            return Err("the robot name is empty".to_owned());
        }
        Ok(Credentials::Basic {
            username: robot.name,
            secret: robot.secret,
        })
    }

    /// The username, when known (not for pre-encoded tokens).
    pub fn username(&self) -> Option<&str> {
        match self {
            Credentials::Basic { username, .. } => Some(username),
            Credentials::Token(_) => None,
        }
    }

    /// The `Authorization` header value, marked sensitive so that HTTP logging hides it.
    pub(crate) fn header_value(&self) -> Result<HeaderValue, BuildError> {
        let token = match self {
            Credentials::Basic { username, secret } => {
                if username.contains(':') {
                    return Err(BuildError::InvalidCredentials(
                        "a basic-auth username cannot contain ':'".to_owned(),
                    ));
                }
                base64::engine::general_purpose::STANDARD
                    .encode(format!("{username}:{}", secret.expose_secret()))
            }
            Credentials::Token(token) => token.expose_secret().trim().to_owned(),
        };
        if token.is_empty() {
            return Err(BuildError::InvalidCredentials("empty token".to_owned()));
        }
        let mut value = HeaderValue::from_str(&format!("Basic {token}")).map_err(|_| {
            BuildError::InvalidCredentials("the token has characters a header cannot carry".into())
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Basic { username, .. } => f
                .debug_struct("Credentials::Basic")
                .field("username", username)
                .field("secret", &"<redacted>")
                .finish(),
            Credentials::Token(_) => f
                .debug_tuple("Credentials::Token")
                .field(&"<redacted>")
                .finish(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_header_is_base64_of_user_colon_secret() {
        let v = Credentials::basic("robot$ci", "s3cr3t")
            .header_value()
            .unwrap();
        assert_eq!(v.to_str().unwrap(), "Basic cm9ib3QkY2k6czNjcjN0");
        assert!(v.is_sensitive());
    }

    #[test]
    fn token_is_used_as_given() {
        let v = Credentials::token("YWRtaW46cGFzcw==")
            .header_value()
            .unwrap();
        assert_eq!(v.to_str().unwrap(), "Basic YWRtaW46cGFzcw==");
    }

    #[test]
    fn robot_json_needs_name_and_secret() {
        let c = Credentials::from_robot_json(
            r#"{"id": 3, "name": "robot$proj+ci", "secret": "abc", "expires_at": -1}"#,
        )
        .unwrap();
        assert_eq!(c.username(), Some("robot$proj+ci"));
        assert!(Credentials::from_robot_json(r#"{"name": "x"}"#).is_err());
        let missing = Credentials::from_robot_file("/definitely/not/here.json").unwrap_err();
        assert!(missing.to_string().contains("cannot read"), "{missing}");
    }

    #[test]
    fn debug_never_shows_secrets() {
        let basic = format!("{:?}", Credentials::basic("u", "hunter2"));
        let token = format!("{:?}", Credentials::token("dG9rZW4="));
        let robot = format!(
            "{:?}",
            Credentials::from_robot_json(r#"{"name":"robot$a","secret":"hunter2"}"#).unwrap()
        );
        for s in [&basic, &token, &robot] {
            assert!(!s.contains("hunter2") && !s.contains("dG9rZW4="), "{s}");
        }
    }

    #[test]
    fn colon_in_username_is_refused() {
        assert!(Credentials::basic("a:b", "c").header_value().is_err());
    }
}
