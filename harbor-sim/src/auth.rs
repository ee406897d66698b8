//! HTTP basic authentication as Harbor does it: users, the admin, and robot accounts
//! (`robot$name`).

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

use crate::state::SimState;

/// Who a request comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    /// No credentials were sent.
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

/// Why credentials were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AuthFailure {
    /// The `Authorization` header is not `Basic <base64 of user:secret>`.
    Malformed,
    /// No such user or robot, or the wrong secret.
    BadCredentials,
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

/// Resolves an `Authorization` header (or its absence) to an identity.
pub fn authenticate(state: &SimState, header: Option<&str>) -> Result<Identity, AuthFailure> {
    let Some(header) = header else {
        return Ok(Identity::Anonymous);
    };
    let (name, secret) = parse_basic(header)?;
    if name.starts_with("robot$") {
        return state
            .robots
            .values()
            .find(|r| r.name == name && r.secret == secret && !r.disable)
            .map(|r| Identity::Robot {
                id: r.id,
                name: r.name.clone(),
            })
            .ok_or(AuthFailure::BadCredentials);
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
        .ok_or(AuthFailure::BadCredentials)
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
}
