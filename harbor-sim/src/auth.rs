//! HTTP basic authentication as Harbor does it: users, the admin, and robot accounts
//! (`robot$name`).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::state::SimState;

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials, or credentials Harbor does not accept.
    Anonymous,
    /// A user (the admin is user 1).
    User {
        /// The user id.
        id: i64,
        /// The user name.
        username: String,
        /// Whether the user is a system administrator.
        sysadmin: bool,
    },
    /// A robot account.
    Robot {
        /// The robot id.
        id: i64,
        /// The full robot name (`robot$ci`).
        name: String,
    },
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// The `Authorization` header is not `Basic <base64 of user:secret>`.
    Malformed,
}

/// Splits an `Authorization` header into user name and secret.
pub fn parse_basic(header: &str) -> Result<(String, String), AuthFailure> {
    let (scheme, token) = header
        .trim()
        .split_once(' ')
        .ok_or(AuthFailure::Malformed)?;
    if !scheme.eq_ignore_ascii_case("basic") {
        return Err(AuthFailure::Malformed);
    }
    let decoded = STANDARD
        .decode(token.trim())
        .map_err(|_| AuthFailure::Malformed)?;
    let text = String::from_utf8(decoded).map_err(|_| AuthFailure::Malformed)?;
    let (user, secret) = text.split_once(':').ok_or(AuthFailure::Malformed)?;
    Ok((user.to_owned(), secret.to_owned()))
}

/// Resolves an `Authorization` header (or its absence) to an identity, as Harbor's security
/// middleware does: credentials that are malformed, unknown, wrong, or of a disabled or
/// expired robot give no security context, and the request goes on as anonymous (so public
/// data still answers 200 and writes answer 401).
pub fn authenticate(state: &SimState, header: Option<&str>) -> Identity {
    header
        .and_then(|h| parse_basic(h).ok())
        .and_then(|(name, secret)| known(state, &name, &secret))
        .unwrap_or(Identity::Anonymous)
}

fn known(state: &SimState, name: &str, secret: &str) -> Option<Identity> {
    if name.starts_with("robot$") {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        return state
            .robots
            .values()
            // A legacy robot has no secret and cannot log in (Harbor compares a salted hash
            // of the password with the stored secret, never equal to an empty one).
            .find(|r| r.name == name && !r.secret.is_empty() && r.secret == secret && !r.disable)
            .filter(|r| r.expires_at == -1 || r.expires_at > now)
            .map(|r| Identity::Robot {
                id: r.id,
                name: r.name.clone(),
            });
    }
    state
        .users
        .values()
        .find(|u| u.username == name && u.password == secret)
        .map(|u| Identity::User {
            id: u.user_id,
            username: u.username.clone(),
            sysadmin: u.sysadmin_flag,
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_basic_headers() {
        let header = format!("Basic {}", STANDARD.encode("robot$ci:s3cret"));
        assert_eq!(
            parse_basic(&header),
            Ok(("robot$ci".into(), "s3cret".into()))
        );
        assert_eq!(parse_basic("Bearer x"), Err(AuthFailure::Malformed));
        assert_eq!(parse_basic("Basic !!!"), Err(AuthFailure::Malformed));
    }

    #[test]
    fn wrong_or_malformed_credentials_are_anonymous() {
        let state = SimState::with_admin("admin", "Harbor12345");
        let basic = |s: &str| format!("Basic {}", STANDARD.encode(s));
        assert!(matches!(
            authenticate(&state, Some(&basic("admin:Harbor12345"))),
            Identity::User { sysadmin: true, .. }
        ));
        for header in [basic("admin:wrong"), basic("robot$x:y"), "Bearer t".into()] {
            assert_eq!(authenticate(&state, Some(&header)), Identity::Anonymous);
        }
        assert_eq!(authenticate(&state, None), Identity::Anonymous);
    }
}
