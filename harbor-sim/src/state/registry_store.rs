//! What Harbor's registry (the Docker distribution behind its `/v2/` proxy) stores: the bytes
//! of every blob and manifest pushed, by digest; which blobs each repository may serve (a
//! blob pushed to or mounted into a repository is linked there, distribution's `_layers`
//! links); and the uploads under way.
//!
//! Harbor's own tables (artifacts, tags, `blob`) are the rest of the state; a manifest pushed
//! through `/v2/` lands in both, as a push to Harbor does. The images the simulator makes
//! itself (the demo seed, [`SimHandle::push_image`](crate::SimHandle::push_image), an index's
//! children, an image with an icon layer) are served too, from their recipes
//! (`image_content.rs`): their bytes are made again for each read instead of being kept.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use bytes::Bytes;
use sha2::{Digest as _, Sha256};

use super::blobs::{BlobRef, FOREIGN_LAYER};
use super::image_content::{ImageRecipe, Part};

/// A manifest the registry stores: its bytes and the media type it was pushed with.
#[derive(Debug, Clone)]
pub struct StoredManifest {
    /// The `Content-Type` it is served with.
    pub media_type: String,
    /// Its bytes, as pushed (its digest is theirs).
    pub body: Bytes,
}

/// A blob upload under way: the repository it was started in and what it has received.
#[derive(Debug, Clone)]
pub struct Upload {
    /// The repository's full name (`library/nginx`).
    pub repository: String,
    /// The bytes received so far.
    pub data: Vec<u8>,
}

/// The registry's storage; see the module docs.
#[derive(Debug, Clone, Default)]
pub struct RegistryStore {
    blobs: HashMap<String, Bytes>,
    links: HashSet<(String, String)>,
    manifests: HashMap<String, StoredManifest>,
    /// The blobs of the images the simulator made, by digest: the recipe that makes them
    /// and which of its blobs each is. A made blob is linked into its recipe's repository.
    made: HashMap<String, (Arc<ImageRecipe>, Part)>,
    uploads: HashMap<String, Upload>,
    /// Blobs a blob upload or mount associated with a project (Harbor's `project_blob`
    /// rows made by its `blob` middleware): their sizes, and whether an artifact of the
    /// project has referenced them since (then the artifact's deletion ended the row).
    project_blobs: HashMap<i64, HashMap<String, (i64, bool)>>,
}

/// `sha256:<hex>` of `bytes`: the digest distribution names content by.
pub fn sha256_digest(bytes: &[u8]) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = Sha256::digest(bytes);
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in hash {
        text.push(char::from(HEX[usize::from(byte >> 4)]));
        text.push(char::from(HEX[usize::from(byte & 15)]));
    }
    text
}

impl RegistryStore {
    /// What the store holds, for [`SimState::table_hashes`](super::SimState::table_hashes):
    /// every map sorted (a hash map's order follows its history), and each content by its
    /// digest or length rather than its bytes (a layer can be hundreds of MiB, and a
    /// content-addressed blob is named by its digest).
    pub(crate) fn summary(&self) -> impl std::fmt::Debug + '_ {
        fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
            items.sort();
            items
        }
        let blobs = sorted(self.blobs.iter().map(|(d, b)| (d, b.len())).collect());
        let links = sorted(self.links.iter().collect());
        let manifests = sorted(
            self.manifests
                .iter()
                .map(|(d, m)| (d, &m.media_type, m.body.len()))
                .collect(),
        );
        let made = sorted(self.made.keys().collect());
        let uploads = sorted(
            self.uploads
                .iter()
                .map(|(id, u)| (id, &u.repository, u.data.len()))
                .collect(),
        );
        let project_blobs = sorted(
            self.project_blobs
                .iter()
                .map(|(p, blobs)| (p, sorted(blobs.iter().collect())))
                .collect(),
        );
        (blobs, links, manifests, made, uploads, project_blobs)
    }

    /// Stores a blob and links it into `repository`.
    pub fn put_blob(&mut self, repository: &str, digest: &str, content: Bytes) {
        self.blobs.entry(digest.to_owned()).or_insert(content);
        self.link(repository, digest);
    }

    /// Registers the content of an image the simulator made from `recipe`, whose blob rows
    /// are `blobs` (in [`Part::ALL`]'s order, as [`ImageRecipe::blobs`] lists them). A Docker foreign layer is not stored, as the registry does not store one.
    pub fn put_made(&mut self, recipe: &Arc<ImageRecipe>, blobs: &[BlobRef]) {
        for (blob, part) in blobs.iter().zip(Part::ALL) {
            if blob.media_type != FOREIGN_LAYER {
                self.made
                    .entry(blob.digest.clone())
                    .or_insert_with(|| (Arc::clone(recipe), part));
            }
        }
    }

    /// The recipe of the image the simulator made whose blob (its manifest, say) is `digest`.
    pub fn recipe(&self, digest: &str) -> Option<&ImageRecipe> {
        self.made.get(digest).map(|(recipe, _)| &**recipe)
    }

    /// The bytes of a made blob, made again.
    fn made_bytes(&self, digest: &str) -> Option<(Bytes, &ImageRecipe, Part)> {
        let (recipe, part) = self.made.get(digest)?;
        let bytes = recipe.build()?.part(*part);
        Some((bytes, recipe, *part))
    }

    /// Links a stored blob into `repository` (a cross-repository mount); false when the blob
    /// is not stored.
    pub fn link(&mut self, repository: &str, digest: &str) -> bool {
        if !self.blobs.contains_key(digest) && !self.made.contains_key(digest) {
            return false;
        }
        self.links
            .insert((repository.to_owned(), digest.to_owned()));
        true
    }

    /// Unlinks a blob from `repository` (a blob delete); false when it was not linked there.
    pub fn unlink(&mut self, repository: &str, digest: &str) -> bool {
        self.links
            .remove(&(repository.to_owned(), digest.to_owned()))
    }

    /// Whether `repository` serves the blob `digest`: stored (or made) and linked there, or
    /// made for an image of the repository.
    pub fn serves(&self, repository: &str, digest: &str) -> bool {
        let linked = || {
            self.links
                .contains(&(repository.to_owned(), digest.to_owned()))
        };
        match self.made.get(digest) {
            Some((recipe, _)) => recipe.repository == repository || linked(),
            None => self.blobs.contains_key(digest) && linked(),
        }
    }

    /// The blob `digest` as `repository` serves it ([`Self::serves`]).
    pub fn blob(&self, repository: &str, digest: &str) -> Option<Bytes> {
        if !self.serves(repository, digest) {
            return None;
        }
        match self.blobs.get(digest) {
            Some(stored) => Some(stored.clone()),
            None => self.made_bytes(digest).map(|(bytes, _, _)| bytes),
        }
    }

    /// Whether a manifest is stored (or made) under `digest`.
    pub fn is_manifest(&self, digest: &str) -> bool {
        self.manifests.contains_key(digest)
            || self
                .made
                .get(digest)
                .is_some_and(|(_, part)| *part == Part::Manifest)
    }

    /// Stores a manifest by its digest (it is a blob of the repository too).
    pub fn put_manifest(&mut self, repository: &str, digest: &str, manifest: StoredManifest) {
        self.put_blob(repository, digest, manifest.body.clone());
        self.manifests.insert(digest.to_owned(), manifest);
    }

    /// The manifest stored under `digest` (pushed through the registry), or made for an image
    /// the simulator made.
    pub fn manifest(&self, digest: &str) -> Option<StoredManifest> {
        if let Some(stored) = self.manifests.get(digest) {
            return Some(stored.clone());
        }
        match self.made_bytes(digest)? {
            (body, recipe, Part::Manifest) => Some(StoredManifest {
                media_type: recipe.media_type(Part::Manifest).to_owned(),
                body,
            }),
            _ => None,
        }
    }

    /// Starts an upload in `repository`.
    pub fn start_upload(&mut self, id: String, repository: &str) {
        self.uploads.insert(
            id,
            Upload {
                repository: repository.to_owned(),
                data: Vec::new(),
            },
        );
    }

    /// The upload `id` when it was started in `repository` (an upload id of another
    /// repository is unknown here).
    pub fn upload_mut(&mut self, repository: &str, id: &str) -> Option<&mut Upload> {
        self.uploads
            .get_mut(id)
            .filter(|upload| upload.repository == repository)
    }

    /// Ends the upload `id` of `repository`, handing back what it received.
    pub fn take_upload(&mut self, repository: &str, id: &str) -> Option<Upload> {
        self.upload_mut(repository, id)?;
        self.uploads.remove(id)
    }

    /// Associates the blob `digest` of `size` bytes with the project `project_id`.
    pub fn associate(&mut self, project_id: i64, digest: &str, size: i64) {
        self.project_blobs
            .entry(project_id)
            .or_default()
            .insert(digest.to_owned(), (size, false));
    }

    /// Marks an association as taken over by an artifact of the project referencing the
    /// blob (no-op without one).
    pub fn adopt(&mut self, project_id: i64, digest: &str) {
        if let Some((_, adopted)) = self
            .project_blobs
            .get_mut(&project_id)
            .and_then(|blobs| blobs.get_mut(digest))
        {
            *adopted = true;
        }
    }

    /// Whether an upload or mount associated the blob with the project, and no artifact has
    /// taken the association over since.
    pub fn is_associated(&self, project_id: i64, digest: &str) -> bool {
        self.project_blobs
            .get(&project_id)
            .and_then(|blobs| blobs.get(digest))
            .is_some_and(|(_, adopted)| !adopted)
    }

    /// The blobs uploads and mounts associated with the project that no artifact has taken
    /// over, with their sizes.
    pub fn associated(&self, project_id: i64) -> impl Iterator<Item = (&str, i64)> {
        self.project_blobs
            .get(&project_id)
            .into_iter()
            .flatten()
            .filter(|(_, (_, adopted))| !adopted)
            .map(|(digest, (size, _))| (digest.as_str(), *size))
    }

    /// Removes a blob from the storage (garbage collection): its content, its links and, for
    /// a manifest, the manifest.
    pub fn remove(&mut self, digest: &str) {
        self.blobs.remove(digest);
        self.manifests.remove(digest);
        self.made.remove(digest);
        self.links.retain(|(_, d)| d != digest);
    }

    /// How many uploads are under way.
    pub fn uploads_under_way(&self) -> usize {
        self.uploads.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn digests_are_sha256_of_the_bytes() {
        assert_eq!(
            sha256_digest(b""),
            "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            sha256_digest(b"abc"),
            "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }

    #[test]
    fn a_blob_is_served_only_where_it_is_linked() {
        let mut store = RegistryStore::default();
        store.put_blob("library/a", "sha256:1", Bytes::from_static(b"x"));
        assert!(store.blob("library/a", "sha256:1").is_some());
        assert!(store.blob("library/b", "sha256:1").is_none());
        assert!(store.link("library/b", "sha256:1"));
        assert!(store.blob("library/b", "sha256:1").is_some());
        assert!(!store.link("library/b", "sha256:2"));
    }

    #[test]
    fn an_association_counts_until_an_artifact_takes_it_over() {
        let mut store = RegistryStore::default();
        store.associate(7, "sha256:1", 10);
        store.adopt(7, "sha256:2");
        assert!(store.is_associated(7, "sha256:1"));
        assert_eq!(store.associated(7).collect::<Vec<_>>(), [("sha256:1", 10)]);
        store.adopt(7, "sha256:1");
        assert!(!store.is_associated(7, "sha256:1"));
        assert_eq!(store.associated(7).count(), 0);
        // Uploaded again after its artifact went: the project's again.
        store.associate(7, "sha256:1", 10);
        assert!(store.is_associated(7, "sha256:1"));
        assert!(!store.is_associated(8, "sha256:1"));
    }

    #[test]
    fn garbage_collection_removes_content_and_links() {
        let mut store = RegistryStore::default();
        let manifest = StoredManifest {
            media_type: "m".into(),
            body: Bytes::from_static(b"{}"),
        };
        store.put_manifest("library/a", "sha256:m", manifest);
        store.remove("sha256:m");
        assert!(store.blob("library/a", "sha256:m").is_none());
        assert!(store.manifest("sha256:m").is_none());
        assert!(!store.link("library/a", "sha256:m"));
    }

    #[test]
    fn an_upload_belongs_to_its_repository() {
        let mut store = RegistryStore::default();
        store.start_upload("u1".into(), "library/a");
        assert!(store.upload_mut("library/b", "u1").is_none());
        store
            .upload_mut("library/a", "u1")
            .unwrap()
            .data
            .extend(b"ab");
        assert!(store.take_upload("library/b", "u1").is_none());
        assert_eq!(store.take_upload("library/a", "u1").unwrap().data, b"ab");
        assert_eq!(store.uploads_under_way(), 0);
    }
}
