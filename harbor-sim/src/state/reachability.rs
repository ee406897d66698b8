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

use std::collections::BTreeSet;

/// The set of hosts the simulated Harbor can reach, by host name (no scheme, no port).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reachability {
    hosts: BTreeSet<String>,
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
}
