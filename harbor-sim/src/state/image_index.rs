//! Image indexes (multi-platform images): an artifact that lists other artifacts of its
//! repository, one per platform, as Harbor's `artifact_reference` table records them
//! (`src/controller/artifact/manifest/index.go` `Abstract`, `src/pkg/artifact/manager.go`).
//!
//! What follows from a reference, each as Harbor does it:
//! - an index is answered with its `references` whatever the `with_*` options (`assemble`);
//! - a child without a tag of its own is left out of artifact lists, their totals and the
//!   repository's `artifact_count` unless `q` has `base=*` (`setBaseQuery`);
//! - a referenced child cannot be deleted (412), and deleting an index deletes each child
//!   that is untagged and listed by no other index (`deleteDeeply`);
//! - copying an index copies its children first (`copyDeeply`).

use serde_json::{Value, json};

use std::sync::Arc;

use super::SimState;
use super::blobs::{BlobRef, ManifestFamily};
use super::registry_store::{StoredManifest, sha256_digest};
use super::repositories::Manifest;
use crate::errors::{ApiError, ApiResult};

/// The media type of an OCI image index, what `docker buildx` pushes.
pub const OCI_INDEX: &str = "application/vnd.oci.image.index.v1+json";

/// The media type of an OCI image manifest, each child's.
const OCI_MANIFEST: &str = "application/vnd.oci.image.manifest.v1+json";

/// The platform a manifest is built for (OCI's `platform` of an index entry).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    /// `linux`, `windows`, ...
    pub os: String,
    /// `amd64`, `arm64`, ...
    pub architecture: String,
    /// The CPU variant (`v8`), empty when none.
    pub variant: String,
}

impl Default for Platform {
    /// `linux/amd64`, the platform of an image pushed alone.
    fn default() -> Self {
        Self {
            os: "linux".into(),
            architecture: "amd64".into(),
            variant: String::new(),
        }
    }
}

impl std::str::FromStr for Platform {
    type Err = ApiError;

    /// `os/architecture` or `os/architecture/variant`, as `docker buildx --platform` takes it.
    fn from_str(text: &str) -> ApiResult<Self> {
        let parts: Vec<&str> = text.split('/').collect();
        match parts.as_slice() {
            [os, architecture] | [os, architecture, _]
                if !os.is_empty() && !architecture.is_empty() =>
            {
                let variant = parts.get(2).copied().unwrap_or_default();
                if parts.len() == 3 && variant.is_empty() {
                    return Err(bad_platform(text));
                }
                Ok(Self {
                    os: (*os).to_owned(),
                    architecture: (*architecture).to_owned(),
                    variant: variant.to_owned(),
                })
            }
            _ => Err(bad_platform(text)),
        }
    }
}

fn bad_platform(text: &str) -> ApiError {
    ApiError::bad_request(format!(
        "invalid platform {text:?}: expected os/architecture or os/architecture/variant"
    ))
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if !self.variant.is_empty() {
            write!(f, "/{}", self.variant)?;
        }
        Ok(())
    }
}

/// One manifest an index lists: a row of Harbor's `artifact_reference` table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The child artifact, in the index's repository.
    pub child_id: i64,
    /// Its digest.
    pub child_digest: String,
    /// The platform the index lists it for.
    pub platform: Platform,
}

/// What makes an artifact an image index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageIndex {
    /// The manifests it lists, in the index's order.
    pub references: Vec<Reference>,
    /// The bytes of the index manifest itself (its `size` adds the children's).
    pub manifest_size: i64,
}

impl ImageIndex {
    /// The `references` of the index `parent_id` as Harbor answers them
    /// (`Reference.ToSwagger`, go-swagger's models): `parent_id`, `child_id`, `child_digest`,
    /// the platform with its quoted `'os.features'` key (an array: `null` when empty, as is
    /// `urls`); an empty `variant`, `'os.version'` and `annotations` are omitted.
    pub fn references_view(&self, parent_id: i64) -> Value {
        let references: Vec<Value> = self
            .references
            .iter()
            .map(|r| {
                let mut platform = json!({
                    "architecture": r.platform.architecture,
                    "os": r.platform.os,
                    "'os.features'": null,
                });
                if !r.platform.variant.is_empty() {
                    platform["variant"] = json!(r.platform.variant);
                }
                json!({
                    "parent_id": parent_id,
                    "child_id": r.child_id,
                    "child_digest": r.child_digest,
                    "platform": platform,
                    "urls": null,
                })
            })
            .collect();
        Value::Array(references)
    }
}

/// The index manifest `docker buildx` would push for these children (digest, size,
/// platform of each): its text gives the index its size and digest.
fn index_manifest(children: &[(String, i64, &Platform)]) -> String {
    let manifests: Vec<Value> = children
        .iter()
        .map(|(digest, size, platform)| {
            let mut p = json!({"architecture": platform.architecture, "os": platform.os});
            if !platform.variant.is_empty() {
                p["variant"] = json!(platform.variant);
            }
            json!({"mediaType": OCI_MANIFEST, "digest": digest, "size": size, "platform": p})
        })
        .collect();
    json!({"schemaVersion": 2, "mediaType": OCI_INDEX, "manifests": manifests}).to_string()
}

impl SimState {
    /// What `docker buildx build --platform <platforms> --push` does to
    /// `project/repository:tag` (by the administrator): one untagged image per platform,
    /// pushed by digest, then the index listing them, tagged (see the module docs). Returns
    /// the index's digest. 400 without a platform, for a platform not of the form
    /// `os/architecture[/variant]` or named twice; 404 without such a project.
    pub fn push_index(
        &mut self,
        project: &str,
        repository: &str,
        tag: Option<&str>,
        platforms: &[&str],
    ) -> ApiResult<String> {
        let platforms = platforms
            .iter()
            .map(|p| p.parse::<Platform>())
            .collect::<ApiResult<Vec<Platform>>>()?;
        if platforms.is_empty() {
            return Err(ApiError::bad_request(
                "an image index lists at least one platform",
            ));
        }
        if let Some(p) = platforms
            .iter()
            .enumerate()
            .find_map(|(i, p)| platforms[..i].contains(p).then_some(p))
        {
            return Err(ApiError::bad_request(format!(
                "platform {p} is named twice"
            )));
        }
        let name = format!("{project}/{repository}:{}", tag.unwrap_or("<none>"));
        let mut children = Vec::with_capacity(platforms.len());
        for platform in &platforms {
            let content = format!("{name}:{platform}:{}", self.artifacts.len());
            let manifest = self.image_manifest(
                project,
                repository,
                &content,
                platform.clone(),
                ManifestFamily::Oci,
                None,
            );
            let digest = manifest.digest.clone();
            let id = self.store_manifest(project, repository, None, manifest)?;
            self.record_push(&self.admin_name(), id, None);
            children.push((id, digest));
        }
        let described: Vec<(String, i64, &Platform)> = children
            .iter()
            .zip(&platforms)
            // A descriptor's size is its manifest's, not its artifact's.
            .map(|((id, digest), p)| {
                let manifest = self.artifacts[id].blobs.first().map_or(0, |b| b.size);
                (digest.clone(), manifest, p)
            })
            .collect();
        let manifest = index_manifest(&described);
        let references = children
            .iter()
            .zip(&platforms)
            .map(|((id, digest), platform)| Reference {
                child_id: *id,
                child_digest: digest.clone(),
                platform: platform.clone(),
            })
            .collect();
        let index = ImageIndex {
            references,
            manifest_size: manifest.len() as i64,
        };
        let (id, digest) = self.store_index(project, repository, tag, &manifest, index)?;
        self.record_push(&self.admin_name(), id, tag);
        Ok(digest)
    }

    /// Stores an index whose children are already in the repository: the artifact, its
    /// `size` (its manifest's bytes and its children's sizes, as `Abstract` adds them), its
    /// blobs (its manifest and its children's), each child's parent, its tag. Returns its id
    /// and digest.
    pub(crate) fn store_index(
        &mut self,
        project: &str,
        repository: &str,
        tag: Option<&str>,
        manifest: &str,
        index: ImageIndex,
    ) -> ApiResult<(i64, String)> {
        let children: Vec<&super::Artifact> = index
            .references
            .iter()
            .filter_map(|r| self.artifacts.get(&r.child_id))
            .collect();
        let digest = sha256_digest(manifest.as_bytes());
        let own = BlobRef {
            digest: digest.clone(),
            size: index.manifest_size,
            media_type: OCI_INDEX.into(),
        };
        let blobs: Vec<BlobRef> = std::iter::once(own)
            .chain(children.iter().filter_map(|c| c.blobs.first().cloned()))
            .collect();
        let stored = Manifest {
            digest: digest.clone(),
            size: index.manifest_size + children.iter().map(|c| c.size).sum::<i64>(),
            blobs: Arc::from(blobs),
            platform: Platform::default(),
            index: Some(index),
            icon: None,
            pushed: None,
            made: None,
        };
        let id = self.store_manifest(project, repository, tag, stored)?;
        // The registry serves the index as pushed.
        self.registry.put_manifest(
            &format!("{project}/{repository}"),
            &digest,
            StoredManifest {
                media_type: OCI_INDEX.to_owned(),
                body: manifest.to_owned().into(),
            },
        );
        Ok((id, digest))
    }

    /// Deletes the children of the index `id` that the deletion of the index takes along
    /// (`deleteDeeply` for each reference): the reference goes, then the child is deleted if
    /// it has no tag and no other index lists it, and so on down.
    pub(crate) fn delete_children_of(&mut self, index: &super::Artifact) {
        let Some(children) = &index.index else {
            return;
        };
        for r in &children.references {
            let Some(mut child) = self.artifacts.get_mut(&r.child_id) else {
                continue;
            };
            child.parents.retain(|p| *p != index.id);
            if child.tags.is_empty() && child.parents.is_empty() {
                drop(child);
                if let Some(gone) = self.artifacts.remove(&r.child_id) {
                    self.delete_children_of(&gone);
                }
            }
        }
    }

    /// The administrator's name (user 1), who pushes what the handle pushes.
    pub(crate) fn admin_name(&self) -> String {
        self.users
            .get(&1)
            .map_or_else(|| "admin".to_owned(), |u| u.username.clone())
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    #[test]
    fn platforms_parse_as_buildx_names_them() {
        let p: Platform = "linux/arm64/v8".parse().unwrap();
        assert_eq!(
            (p.os.as_str(), p.architecture.as_str(), p.variant.as_str()),
            ("linux", "arm64", "v8")
        );
        assert_eq!(p.to_string(), "linux/arm64/v8");
        assert_eq!(
            "windows/amd64".parse::<Platform>().unwrap().to_string(),
            "windows/amd64"
        );
        for bad in ["linux", "linux/", "/amd64", "linux/arm64/", "a/b/c/d", ""] {
            let e = bad.parse::<Platform>().unwrap_err();
            assert_eq!(e.status.as_u16(), 400, "{bad}");
        }
    }

    /// The demo state with an index of two platforms pushed to `library/app`: the state,
    /// the index's id and its children's.
    pub(in crate::state) fn state_with_index(tag: Option<&str>) -> (SimState, i64, Vec<i64>) {
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        let digest = s
            .push_index("library", "app", tag, &["linux/amd64", "linux/arm64"])
            .unwrap();
        let id = *s
            .artifacts
            .iter()
            .find(|(_, a)| a.digest == digest)
            .unwrap()
            .0;
        let children = s.artifacts[&id].index.as_ref().unwrap().references.iter();
        let children = children.map(|r| r.child_id).collect();
        (s, id, children)
    }

    #[test]
    fn push_webhooks_name_the_digests_stored() {
        // The demo project has a webhook policy on PUSH_ARTIFACT.
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        let index = s
            .push_index("demo", "multi", None, &["linux/amd64", "linux/arm64"])
            .unwrap();
        let payloads: Vec<String> = s
            .executions
            .values()
            .filter(|e| e.kind == super::super::JobKind::Webhook)
            .filter_map(|e| e.extra_attrs["payload"].as_str().map(str::to_owned))
            .collect();
        let id = s.artifacts.values().find(|a| a.digest == index).unwrap().id;
        let children = &s.artifacts[&id].index.as_ref().unwrap().references;
        for digest in children.iter().map(|r| &r.child_digest).chain([&index]) {
            let resource = format!("\"resource_url\":\"harbor-sim.local/demo/multi@{digest}\"");
            assert!(
                payloads.iter().any(|p| p.contains(&resource)),
                "{resource} in {payloads:?}"
            );
        }
    }

    #[test]
    fn a_child_another_index_lists_outlives_the_first() {
        let (mut s, first, children) = state_with_index(Some("1.0"));
        let repository = s.artifacts[&first].repository_id;
        let shared = &s.artifacts[&children[0]];
        let index = ImageIndex {
            references: vec![Reference {
                child_id: shared.id,
                child_digest: shared.digest.clone(),
                platform: Platform::default(),
            }],
            manifest_size: 200,
        };
        let (second, _) = s
            .store_index("library", "app", Some("2.0"), "two", index)
            .unwrap();
        assert_eq!(s.artifacts[&children[0]].parents, vec![first, second]);
        s.delete_artifact(first).unwrap();
        assert!(
            !s.artifacts.contains_key(&children[1]),
            "listed by the first only"
        );
        assert_eq!(s.artifacts[&children[0]].parents, vec![second]);
        assert!(s.artifacts[&children[0]].is_hidden_child());
        s.delete_artifact(second).unwrap();
        assert!(s.artifacts.ids_in_repository(repository).is_empty());
    }

    #[test]
    fn deleting_a_repository_meets_the_children_its_index_took_along() {
        // Harbor's repository controller lists the artifacts once, deletes the index (which
        // takes its untagged children), then finds a child gone: 404, and the request's
        // transaction rolls the whole deletion back (goharbor/harbor#23127).
        let (mut s, index, children) = state_with_index(Some("latest"));
        let repository = s.artifacts[&index].repository_id;
        let e = s.delete_repository(repository).unwrap_err();
        assert_eq!(e.status.as_u16(), 404, "{e:?}");
        assert_eq!(e.message, format!("artifact {} not found", children[0]));
        assert!(s.artifacts.contains_key(&index));
        assert!(children.iter().all(|c| s.artifacts.contains_key(c)));
        assert!(s.repositories.contains_key(&repository));
    }

    #[test]
    fn an_immutable_tag_keeps_its_repository_whole() {
        // The demo's `library` makes every tag matching `1.*` immutable.
        let mut s = SimState::with_admin("admin", "pw");
        s.seed_demo().unwrap();
        let first = s.push("library", "kept", Some("0.9"), "one").unwrap();
        let second = s.push("library", "kept", Some("1.1"), "two").unwrap();
        let repository = s.repositories.id_by_name("library/kept").unwrap();
        let e = s.delete_repository(repository).unwrap_err();
        assert_eq!((e.status.as_u16(), e.code), (412, "PRECONDITION"));
        assert_eq!(
            e.message,
            "the tag 1.1 configured as immutable, cannot be deleted"
        );
        // The request's transaction is rolled back: the artifact deleted first is back.
        assert!(s.artifact_id(repository, &first).is_ok());
        assert!(s.artifact_id(repository, &second).is_ok());
        assert!(s.repositories.contains_key(&repository));
    }

    #[test]
    fn garbage_collection_takes_children_only_with_their_index() {
        let (mut s, _, children) = state_with_index(Some("1.0"));
        assert!(
            s.collect_garbage(true, false).is_empty(),
            "children are not listed"
        );
        assert!(children.iter().all(|c| s.artifacts.contains_key(c)));
        let (mut s, index, _) = state_with_index(None);
        let repository = s.artifacts[&index].repository_id;
        let removed = s.collect_garbage(true, false);
        assert_eq!(removed.len(), 1, "only the index is listed: {removed:?}");
        let left = s.artifacts.ids_in_repository(repository);
        assert!(left.is_empty(), "its children went with it: {left:?}");
    }

    #[test]
    fn a_project_stores_an_index_manifest_once_beside_its_children() {
        let (s, index, children) = state_with_index(Some("1.0"));
        let children_size: i64 = children.iter().map(|c| s.artifacts[c].size).sum();
        let manifest = s.artifacts[&index].index.as_ref().unwrap().manifest_size;
        assert_eq!(s.artifacts[&index].size, manifest + children_size);
        let project = s.artifacts[&index].project_id;
        let mut demo = SimState::with_admin("admin", "pw");
        demo.seed_demo().unwrap();
        let before = demo.artifacts.size_in_project(project);
        let stored = s.artifacts.size_in_project(project) - before;
        // Both children are linux images of one repository: they share its base layer.
        assert_eq!(stored, manifest + children_size - 1024);
        assert!(s.artifacts.has_children(s.artifacts[&index].repository_id));
        assert_eq!(
            s.visible_artifact_count(s.artifacts[&index].repository_id),
            1
        );
    }

    #[test]
    fn copying_an_index_again_fires_the_roots_push_event_only() {
        let (mut s, source, _) = state_with_index(Some("1.0"));
        let deliveries = |s: &SimState| {
            s.executions
                .values()
                .filter(|e| e.kind == super::super::JobKind::Webhook)
                .count()
        };
        let before = deliveries(&s);
        s.copy_deeply(source, "demo", "app", true, "admin").unwrap();
        // The demo's webhook hears of each manifest pushed: two children and the index.
        assert_eq!(deliveries(&s) - before, 3);
        s.copy_deeply(source, "demo", "app", true, "admin").unwrap();
        // Nothing is copied; `Ensure` of the index still fires its push event.
        assert_eq!(deliveries(&s) - before, 4);
    }

    #[test]
    fn the_index_manifest_lists_each_child_for_its_platform() {
        let arm: Platform = "linux/arm64/v8".parse().unwrap();
        let amd = Platform::default();
        let text = index_manifest(&[("sha256:a".into(), 10, &amd), ("sha256:b".into(), 20, &arm)]);
        let manifest: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(manifest["mediaType"], OCI_INDEX);
        assert_eq!(
            manifest["manifests"],
            json!([
                {"mediaType": OCI_MANIFEST, "digest": "sha256:a", "size": 10,
                 "platform": {"architecture": "amd64", "os": "linux"}},
                {"mediaType": OCI_MANIFEST, "digest": "sha256:b", "size": 20,
                 "platform": {"architecture": "arm64", "os": "linux", "variant": "v8"}},
            ])
        );
        // The index's own size is that text's.
        let (s, index, _) = state_with_index(Some("1.0"));
        let own = s.artifacts[&index].index.as_ref().unwrap().manifest_size;
        assert!(own > 300, "a manifest listing two children: {own} bytes");
    }

    #[test]
    fn each_manifest_of_an_index_push_is_the_administrators_push() {
        let (s, index, children) = state_with_index(Some("1.0"));
        let pushes: Vec<(&str, &str)> = s
            .audit_log_ext
            .values()
            .filter(|r| r.operation == "create" && r.resource.starts_with("library/app"))
            .map(|r| (r.username.as_str(), r.resource.as_str()))
            .collect();
        assert_eq!(pushes.len(), 1 + children.len(), "{pushes:?}");
        assert!(pushes.iter().all(|(who, _)| *who == "admin"), "{pushes:?}");
        let digest = &s.artifacts[&children[0]].digest;
        assert!(
            pushes
                .iter()
                .any(|(_, what)| *what == format!("library/app@{digest}"))
        );
        assert!(pushes.iter().any(|(_, what)| *what == "library/app:1.0"));
        assert!(s.artifacts.contains_key(&index));
    }

    #[test]
    fn references_answer_harbors_shape() {
        let index = ImageIndex {
            references: vec![Reference {
                child_id: 7,
                child_digest: "sha256:ab".into(),
                platform: "linux/arm64/v8".parse().unwrap(),
            }],
            manifest_size: 100,
        };
        assert_eq!(
            index.references_view(9),
            json!([{"parent_id": 9, "child_id": 7, "child_digest": "sha256:ab",
                "platform": {"architecture": "arm64", "os": "linux", "'os.features'": null, "variant": "v8"},
                "urls": null}])
        );
    }
}
