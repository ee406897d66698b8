//! What the registries outside the simulated Harbor hold, as far as a pull-based
//! replication lists it.
//!
//! The simulator opens no connection (see [`super::reachability`]), so a replication whose
//! source is a remote registry reads that registry's repositories and tags from here: a
//! reachable host with no entry is an empty registry, and its executions end with Harbor's
//! `no resources need to be replicated`. A tag names an image, made when a replication
//! first copies it (`src/state/replication_copy.rs`), so every pull of it copies the same
//! digest. The demo data puts `library/nginx` (`1.27`, `latest`) on Docker Hub, naming the
//! very images the demo's `library/nginx` holds, as if the demo's replication had pulled
//! them.
//!
//! Change it with `SimHandle::with_state(|s| s.remote_catalog.add_tag(..))`.
//!
//! ```
//! let mut state = harbor_sim::SimState::default();
//! state.remote_catalog.add_tag("https://registry.example.com", "team/app", "v1");
//! state.remote_catalog.add_tag("registry.example.com", "team/app", "v2");
//! let repos = state.remote_catalog.repositories("https://registry.example.com/");
//! assert_eq!(repos, [("team/app", vec!["v1", "v2"])]);
//! ```

use std::collections::BTreeMap;

use super::reachability::host_of;
use super::repositories::Manifest;

/// The repositories and tags of remote registries, by host (no scheme, no port).
#[derive(Debug, Clone, Default)]
pub struct RemoteCatalog {
    hosts: BTreeMap<String, BTreeMap<String, Vec<RemoteTag>>>,
}

/// A tag of a remote repository and the image it names, once made: a remote tag has one
/// digest however often it is pulled.
#[derive(Debug, Clone)]
struct RemoteTag {
    name: String,
    image: Option<Manifest>,
}

impl RemoteCatalog {
    /// Puts `tag` on `repository` (a full name, `library/nginx`) at `host` (or the host of a
    /// URL); a tag it has already is kept once. The image it names is made when a
    /// replication first copies it.
    pub fn add_tag(&mut self, host: &str, repository: &str, tag: &str) {
        let tags = self
            .hosts
            .entry(host_of(host))
            .or_default()
            .entry(repository.to_owned())
            .or_default();
        if !tags.iter().any(|t| t.name == tag) {
            tags.push(RemoteTag {
                name: tag.to_owned(),
                image: None,
            });
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
    pub fn repositories(&self, url: &str) -> Vec<(&str, Vec<&str>)> {
        self.hosts
            .get(&host_of(url))
            .map(|repos| {
                repos
                    .iter()
                    .map(|(name, tags)| {
                        (
                            name.as_str(),
                            tags.iter().map(|t| t.name.as_str()).collect(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// The image `tag` of `repository` at the host of `url` names: `None` when there is no
    /// such tag, `Some(None)` while it has not been made.
    pub(crate) fn image(
        &self,
        url: &str,
        repository: &str,
        tag: &str,
    ) -> Option<Option<&Manifest>> {
        self.hosts
            .get(&host_of(url))?
            .get(repository)?
            .iter()
            .find(|t| t.name == tag)
            .map(|t| t.image.as_ref())
    }

    /// Puts `tag` on `repository` at `host`, naming `image`.
    pub(crate) fn put_image(&mut self, host: &str, repository: &str, tag: &str, image: Manifest) {
        self.add_tag(host, repository, tag);
        if let Some(t) = self
            .hosts
            .get_mut(&host_of(host))
            .and_then(|repos| repos.get_mut(repository))
            .and_then(|tags| tags.iter_mut().find(|t| t.name == tag))
        {
            t.image = Some(image);
        }
    }
}
