//! What the registries outside the simulated Harbor hold, as far as a pull-based
//! replication lists it.
//!
//! The simulator opens no connection (see [`super::reachability`]), so a replication whose
//! source is a remote registry reads that registry's repositories and tags from here: a
//! reachable host with no entry is an empty registry, and its executions end with Harbor's
//! `no resources need to be replicated`. The demo data puts `library/nginx` (`latest`,
//! `1.27`) on Docker Hub.
//!
//! Change it with `SimHandle::with_state(|s| s.remote_catalog.add_tag(..))`.
//!
//! ```
//! let mut state = harbor_sim::SimState::default();
//! state.remote_catalog.add_tag("https://registry.example.com", "team/app", "v1");
//! state.remote_catalog.add_tag("registry.example.com", "team/app", "v2");
//! let repos = state.remote_catalog.repositories("https://registry.example.com/");
//! assert_eq!(repos[0], ("team/app", &["v1".to_owned(), "v2".to_owned()][..]));
//! ```

use std::collections::BTreeMap;

use super::reachability::host_of;

/// The repositories and tags of remote registries, by host (no scheme, no port).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RemoteCatalog {
    hosts: BTreeMap<String, BTreeMap<String, Vec<String>>>,
}

impl RemoteCatalog {
    /// Puts `tag` on `repository` (a full name, `library/nginx`) at `host` (or the host of a
    /// URL); a tag it has already is kept once.
    pub fn add_tag(&mut self, host: &str, repository: &str, tag: &str) {
        let tags = self
            .hosts
            .entry(host_of(host))
            .or_default()
            .entry(repository.to_owned())
            .or_default();
        if !tags.iter().any(|t| t == tag) {
            tags.push(tag.to_owned());
        }
    }

    /// Removes `repository` and its tags from `host`.
    pub fn remove_repository(&mut self, host: &str, repository: &str) {
        if let Some(repos) = self.hosts.get_mut(&host_of(host)) {
            repos.remove(repository);
        }
    }

    /// The repositories at the host of `url`, by name, each with its tags in the order
    /// they were added.
    pub fn repositories(&self, url: &str) -> Vec<(&str, &[String])> {
        self.hosts
            .get(&host_of(url))
            .map(|repos| {
                repos
                    .iter()
                    .map(|(name, tags)| (name.as_str(), tags.as_slice()))
                    .collect()
            })
            .unwrap_or_default()
    }
}
