//! Harbor's session cookie and its CSRF trap.
//!
//! Harbor sets `sid` even for basic-auth callers. A client that keeps cookies sends it
//! back, and from then on Harbor treats it as a browser session: every write without a
//! matching `X-Harbor-CSRF-Token` fails with 403 `CSRF token invalid`.

use std::hash::{BuildHasher, RandomState};

use rand::Rng;

/// The session cookie's name.
pub const COOKIE_NAME: &str = "sid";
/// The header a browser session must echo on writes.
pub const CSRF_HEADER: &str = "X-Harbor-CSRF-Token";

/// Issues session ids and checks CSRF tokens; tokens are derived from the id with a
/// per-server key, so nothing is stored per session.
#[derive(Debug, Default)]
pub(crate) struct Sessions {
    key: RandomState,
}

impl Sessions {
    /// A fresh session id.
    pub(crate) fn new_sid(&self) -> String {
        format!("{:032x}", rand::rng().random::<u128>())
    }

    /// The CSRF token that goes with a session id.
    pub(crate) fn token_for(&self, sid: &str) -> String {
        format!("{:016x}", self.key.hash_one(sid))
    }

    /// Whether a write carrying `cookie_header` passes Harbor's CSRF check.
    pub(crate) fn write_allowed(
        &self,
        cookie_header: Option<&str>,
        csrf_header: Option<&str>,
    ) -> bool {
        let Some(sid) = cookie_header.and_then(find_sid) else {
            return true;
        };
        csrf_header.is_some_and(|t| t == self.token_for(sid))
    }
}

/// Whether a request with `cookie_header` carries a session, as Harbor's session middleware
/// sets it (`src/server/middleware/session/session.go`): it has a `sid` cookie, whatever its
/// value and whether or not a session of that id exists.
pub(crate) fn carries_session(cookie_header: Option<&str>) -> bool {
    cookie_header.and_then(find_sid).is_some()
}

fn find_sid(cookies: &str) -> Option<&str> {
    cookies
        .split(';')
        .filter_map(|c| c.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE_NAME)
        .map(|(_, v)| v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_without_token_is_refused() {
        let s = Sessions::default();
        let sid = s.new_sid();
        let cookie = format!("lang=en; sid={sid}");
        assert!(s.write_allowed(None, None));
        assert!(!s.write_allowed(Some(&cookie), None));
        assert!(!s.write_allowed(Some(&cookie), Some("nope")));
        assert!(s.write_allowed(Some(&cookie), Some(&s.token_for(&sid))));
    }

    #[test]
    fn a_sid_cookie_of_any_value_carries_a_session() {
        assert!(carries_session(Some("lang=en; sid=whatever")));
        assert!(carries_session(Some("sid=")));
        assert!(!carries_session(Some("lang=en; sidx=1")));
        assert!(!carries_session(None));
    }
}
