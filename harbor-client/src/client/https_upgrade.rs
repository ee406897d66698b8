//! Remembering that the base URL's `http` origin is upgraded to `https`.
//!
//! Harbor's nginx answers every plain-http request with `308 https://$host$request_uri`. The
//! client follows such an upgrade with the credentials (`transport.rs`), but without memory
//! every request would first cross plain http with its `Authorization` header and then make a
//! second round trip. Once one redirect shows the client's own origin upgraded, all later
//! requests of the client and its clones go straight to the https origin.

use std::sync::OnceLock;
use url::Url;

/// The https base URL that replaces the configured http one, written once and then read on
/// every request (an atomic load, no lock, no allocation).
#[derive(Debug, Default)]
pub(crate) struct HttpsUpgrade(OnceLock<Url>);

impl HttpsUpgrade {
    /// The base URL requests go to: `configured`, or its https upgrade once remembered.
    pub(crate) fn base<'a>(&'a self, configured: &'a Url) -> &'a Url {
        self.0.get().unwrap_or(configured)
    }

    /// The remembered https base URL, if any.
    pub(crate) fn get(&self) -> Option<&Url> {
        self.0.get()
    }

    /// `url` moved to the https origin when an upgrade is remembered and `url` is on the
    /// configured base's origin (a `Link` target or a custom request's URL, built against the
    /// configured base); any other URL is returned as it is.
    pub(crate) fn apply(&self, configured: &Url, mut url: Url) -> Url {
        if let Some(https) = self.0.get()
            && same_origin(&url, configured)
        {
            // http -> https is allowed between special schemes, and the port is one of a
            // parsed URL, so neither call can fail.
            let _ = url.set_scheme(https.scheme());
            let _ = url.set_port(https.port());
        }
        url
    }

    /// Remembers the upgrade when `from -> to` is one of the configured base's origin: `from`
    /// is on that http origin and `to` is `from` with scheme https and `to`'s port, path and
    /// query unchanged (a redirect that also changes the path says nothing about the other
    /// paths). True for the one call that remembered it, so the caller logs it once.
    ///
    /// Any status counts, 302 and 307 too: once the https origin is known to serve the same
    /// URLs, sending the credentials over plain http again is only a risk.
    pub(crate) fn observe(&self, configured: &Url, from: &Url, to: &Url) -> bool {
        if self.0.get().is_some()
            || configured.scheme() != "http"
            || to.scheme() != "https"
            || !same_origin(from, configured)
        {
            return false;
        }
        let mut upgraded = from.clone();
        if upgraded.set_scheme("https").is_err() || upgraded.set_port(to.port()).is_err() {
            return false;
        }
        if &upgraded != to {
            return false;
        }
        let mut https = configured.clone();
        if https.set_scheme("https").is_err() || https.set_port(to.port()).is_err() {
            return false;
        }
        self.0.set(https).is_ok()
    }
}

/// Whether `a` and `b` have the same scheme, host and port, compared without building the
/// allocating [`url::Origin`].
fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host() == b.host()
        && a.port_or_known_default() == b.port_or_known_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    const BASE: &str = "http://harbor.example:8080/prefix/api/v2.0";

    #[test]
    fn a_pure_scheme_upgrade_is_remembered_once_keeping_the_base_path() {
        let upgrade = HttpsUpgrade::default();
        let base = url(BASE);
        let from = url("http://harbor.example:8080/prefix/api/v2.0/projects?page=2");
        let to = url("https://harbor.example:8443/prefix/api/v2.0/projects?page=2");
        assert!(upgrade.observe(&base, &from, &to));
        assert!(!upgrade.observe(&base, &from, &to), "remembered only once");
        assert_eq!(
            upgrade.base(&base).as_str(),
            "https://harbor.example:8443/prefix/api/v2.0"
        );
        // URLs built against the configured base move; others stay.
        let link = url("http://harbor.example:8080/prefix/api/v2.0/projects?page=3");
        assert_eq!(
            upgrade.apply(&base, link).as_str(),
            "https://harbor.example:8443/prefix/api/v2.0/projects?page=3"
        );
        let other = url("http://other.example:8080/x");
        assert_eq!(upgrade.apply(&base, other.clone()), other);
    }

    #[test]
    fn the_default_https_port_is_dropped() {
        let upgrade = HttpsUpgrade::default();
        let base = url("http://harbor.example/api/v2.0");
        let from = url("http://harbor.example/api/v2.0/ping");
        assert!(upgrade.observe(&base, &from, &url("https://harbor.example/api/v2.0/ping")));
        assert_eq!(
            upgrade.base(&base).as_str(),
            "https://harbor.example/api/v2.0"
        );
    }

    #[test]
    fn anything_but_a_pure_upgrade_of_the_own_origin_is_not_remembered() {
        let base = url(BASE);
        let from = url("http://harbor.example:8080/prefix/api/v2.0/projects?q=a");
        for (from, to) in [
            // The path changes.
            (&from, "https://harbor.example/api/v2.0/projects?q=a"),
            // The query changes.
            (
                &from,
                "https://harbor.example:8080/prefix/api/v2.0/projects",
            ),
            // Another host.
            (
                &from,
                "https://mirror.example:8080/prefix/api/v2.0/projects?q=a",
            ),
            // Not https.
            (
                &from,
                "http://harbor.example:9090/prefix/api/v2.0/projects?q=a",
            ),
            // A redirect seen on another origin.
            (
                &url("http://harbor.example:9999/prefix/api/v2.0/projects?q=a"),
                "https://harbor.example:9999/prefix/api/v2.0/projects?q=a",
            ),
        ] {
            let upgrade = HttpsUpgrade::default();
            assert!(!upgrade.observe(&base, from, &url(to)), "{from} -> {to}");
            assert_eq!(upgrade.base(&base), &base);
        }
        // An https base has nothing to upgrade.
        let upgrade = HttpsUpgrade::default();
        let https = url("https://harbor.example/api/v2.0");
        let from = url("https://harbor.example/api/v2.0/ping");
        assert!(!upgrade.observe(&https, &from, &from));
    }
}
