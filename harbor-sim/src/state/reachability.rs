//! Which endpoints the simulated Harbor can reach.
//!
//! The simulator opens no connection to anything, so the outcome of every connectivity check
//! (registry ping and create, scanner ping, LDAP ping, OIDC ping, preheat-instance ping, the
//! audit-log forward endpoint) is part of its state: a host is reachable only when it is in
//! this set, as a Harbor without network access reaches nothing it has not been told about.
//! The demo data makes the Docker Hub registry, the Trivy adapter, the Kraken preheat
//! instance and the demo LDAP and OIDC servers reachable; everything else (the demo's
//! `old-mirror` registry among them) is not.
//!
//! Change it with `SimHandle::with_state(|s| s.reachability.allow("host"))`, or over HTTP
//! with `PUT /_sim/reachable/{host}` and `DELETE /_sim/reachable/{host}`
//! (`GET /_sim/reachable` lists the set).
//!
//! An OIDC provider is also described by the issuers its discovery documents name
//! ([`Reachability::publish_oidc_issuer`]; the demo's provider publishes
//! `https://oidc.example.com`): go-oidc, which Harbor's OIDC ping calls, fetches
//! `<url without a trailing />/.well-known/openid-configuration` and refuses a document
//! whose `issuer` is not the URL exactly as given, so on a host with published issuers
//! only those URLs pass. A reachable host that publishes none stands for a provider whose
//! issuer is whatever URL is pinged.

use std::collections::BTreeSet;

/// The set of hosts the simulated Harbor can reach, by host name (no scheme, no port), and
/// the issuers their OIDC providers publish.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reachability {
    hosts: BTreeSet<String>,
    oidc_issuers: BTreeSet<String>,
}

/// The host of a URL (`https://Hub.Docker.com:443/v2/` is `hub.docker.com`); a bare host
/// is taken as it is.
pub fn host_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if let Some(v6) = host_port.strip_prefix('[') {
        v6.split(']').next().unwrap_or_default()
    } else {
        host_port.split(':').next().unwrap_or_default()
    };
    host.to_ascii_lowercase()
}

impl Reachability {
    /// Makes `host` (or the host of a URL) reachable.
    pub fn allow(&mut self, host: &str) {
        let host = host_of(host);
        if !host.is_empty() {
            self.hosts.insert(host);
        }
    }

    /// Makes `host` (or the host of a URL) unreachable.
    pub fn deny(&mut self, host: &str) {
        self.hosts.remove(&host_of(host));
    }

    /// Whether the host of `url` is reachable.
    pub fn reaches(&self, url: &str) -> bool {
        self.hosts.contains(&host_of(url))
    }

    /// The reachable hosts.
    pub fn hosts(&self) -> impl Iterator<Item = &str> {
        self.hosts.iter().map(String::as_str)
    }

    /// The OIDC provider at `issuer`'s host serves a discovery document at
    /// `<issuer>/.well-known/openid-configuration` naming `issuer` (a provider may publish
    /// several, one per path: Keycloak's realms). The host must still be reachable.
    ///
    /// ```
    /// let mut state = harbor_sim::SimState::default();
    /// state.reachability.allow("idp.example.org");
    /// state.reachability.publish_oidc_issuer("https://idp.example.org/realms/dev");
    /// assert!(state.reachability.oidc_discovery_succeeds("https://idp.example.org/realms/dev"));
    /// // A trailing slash fetches the same document, whose issuer then does not match.
    /// assert!(!state.reachability.oidc_discovery_succeeds("https://idp.example.org/realms/dev/"));
    /// ```
    pub fn publish_oidc_issuer(&mut self, issuer: &str) {
        self.oidc_issuers.insert(issuer.to_owned());
    }

    /// Stops publishing `issuer` (see [`publish_oidc_issuer`](Self::publish_oidc_issuer)).
    pub fn withdraw_oidc_issuer(&mut self, issuer: &str) {
        self.oidc_issuers.remove(issuer);
    }

    /// Whether go-oidc's `NewProvider(url)` succeeds: the host is reachable, and when its
    /// provider publishes issuers, `url` is one of them exactly (any other URL fetches no
    /// document, or one naming another issuer).
    pub fn oidc_discovery_succeeds(&self, url: &str) -> bool {
        if !self.reaches(url) {
            return false;
        }
        let host = host_of(url);
        let mut published = self
            .oidc_issuers
            .iter()
            .filter(|issuer| host_of(issuer) == host)
            .peekable();
        published.peek().is_none() || published.any(|issuer| issuer == url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hosts_are_taken_from_urls() {
        assert_eq!(host_of("https://Hub.Docker.com:443/v2/"), "hub.docker.com");
        assert_eq!(host_of("ldap://ldap.example.com"), "ldap.example.com");
        assert_eq!(host_of("http://user:pw@[::1]:80/x"), "::1");
        assert_eq!(host_of("trivy:8080"), "trivy");
    }

    #[test]
    fn only_allowed_hosts_are_reached() {
        let mut r = Reachability::default();
        assert!(!r.reaches("https://hub.docker.com"));
        r.allow("https://hub.docker.com");
        assert!(r.reaches("http://hub.docker.com:5000/x"));
        r.deny("hub.docker.com");
        assert!(!r.reaches("https://hub.docker.com"));
    }

    #[test]
    fn published_issuers_must_match_exactly() {
        let mut r = Reachability::default();
        r.allow("idp.example.org");
        // Without published issuers, any URL of a reachable host passes.
        assert!(r.oidc_discovery_succeeds("https://idp.example.org/anything/"));
        r.publish_oidc_issuer("https://idp.example.org");
        r.publish_oidc_issuer("https://idp.example.org/realms/dev");
        assert!(r.oidc_discovery_succeeds("https://idp.example.org"));
        assert!(r.oidc_discovery_succeeds("https://idp.example.org/realms/dev"));
        for refused in [
            "https://idp.example.org/",
            "HTTPS://idp.example.org",
            "https://IDP.example.org",
            "https://idp.example.org:443",
            "https://idp.example.org/realms/ops",
        ] {
            assert!(!r.oidc_discovery_succeeds(refused), "{refused}");
        }
        r.deny("idp.example.org");
        assert!(!r.oidc_discovery_succeeds("https://idp.example.org"));
        r.allow("idp.example.org");
        r.withdraw_oidc_issuer("https://idp.example.org");
        r.withdraw_oidc_issuer("https://idp.example.org/realms/dev");
        assert!(r.oidc_discovery_succeeds("https://idp.example.org/"));
    }
}
