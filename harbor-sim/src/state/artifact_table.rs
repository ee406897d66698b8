//! The artifacts table with its indexes: each repository's artifact ids ascending (a
//! repository's list page, its total and its `artifact_count` without a walk of all
//! artifacts), its artifacts by digest (every `{reference}` that is a digest), and the blobs
//! each project's artifacts reference (its quota usage: each blob once, as Harbor's
//! `project_blob` holds it; see [`super::blobs`]).
//!
//! The table is read like a map (it dereferences to one) and written only through its own
//! methods; [`ArtifactMut`], the handle to change one artifact, puts the indexes right when
//! it is dropped, so no write can leave them behind.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use super::blobs::BlobRef;
use super::ordered_ids::{insert_sorted, remove_sorted};
use super::repositories::Artifact;
use super::repository_table::remove_from;

/// Artifacts by id, with indexes by repository, by digest within a repository and the
/// stored size by project.
#[derive(Debug, Clone, Default)]
pub struct Artifacts {
    rows: BTreeMap<i64, Artifact>,
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    /// Each repository's artifacts (no entry for a repository without any).
    by_repository: HashMap<i64, InRepository>,
    /// What each project's artifacts hold (no entry for a project without any).
    by_project: HashMap<i64, Stored>,
}

/// How many artifacts a project holds, how many of them reference each blob (its
/// `project_blob` rows), and the size of those blobs, each once and foreign layers left out
/// (`CalculateTotalSizeByProject`).
#[derive(Debug, Clone, Default)]
struct Stored {
    artifacts: usize,
    references: HashMap<String, usize>,
    size: i64,
}

/// The artifacts of one repository.
#[derive(Debug, Clone, Default)]
struct InRepository {
    /// Their ids, ascending.
    ids: Vec<i64>,
    /// Their ids by digest, ascending: a digest held twice is found at its lowest id, as a
    /// scan finds it first.
    by_digest: HashMap<String, Vec<i64>>,
    /// How many of them an image index lists (a list then has children to leave out).
    children: usize,
}

/// What the indexes know of an artifact.
#[derive(Debug, Clone)]
struct Indexed {
    id: i64,
    repository_id: i64,
    digest: String,
    project_id: i64,
    blobs: Arc<[BlobRef]>,
    is_child: bool,
}

impl Indexed {
    /// Whether `a` is still what the indexes know.
    fn is(&self, a: &Artifact) -> bool {
        self.id == a.id
            && self.repository_id == a.repository_id
            && self.digest == a.digest
            && self.project_id == a.project_id
            && Arc::ptr_eq(&self.blobs, &a.blobs)
            && self.is_child != a.parents.is_empty()
    }

    fn of(a: &Artifact) -> Self {
        Self {
            id: a.id,
            repository_id: a.repository_id,
            digest: a.digest.clone(),
            project_id: a.project_id,
            blobs: Arc::clone(&a.blobs),
            is_child: !a.parents.is_empty(),
        }
    }
}

impl Index {
    fn add(&mut self, a: &Indexed) {
        let repository = self.by_repository.entry(a.repository_id).or_default();
        insert_sorted(&mut repository.ids, a.id);
        insert_sorted(
            repository.by_digest.entry(a.digest.clone()).or_default(),
            a.id,
        );
        repository.children += usize::from(a.is_child);
        let stored = self.by_project.entry(a.project_id).or_default();
        stored.artifacts += 1;
        for blob in a.blobs.iter() {
            let count = stored.references.entry(blob.digest.clone()).or_default();
            if *count == 0 && !blob.is_foreign() {
                stored.size += blob.size;
            }
            *count += 1;
        }
    }

    fn drop_artifact(&mut self, a: &Indexed) {
        if let Some(repository) = self.by_repository.get_mut(&a.repository_id) {
            remove_sorted(&mut repository.ids, a.id);
            remove_from(&mut repository.by_digest, a.digest.as_str(), a.id);
            repository.children -= usize::from(a.is_child);
            if repository.ids.is_empty() {
                self.by_repository.remove(&a.repository_id);
            }
        }
        if let Some(stored) = self.by_project.get_mut(&a.project_id) {
            stored.artifacts -= 1;
            for blob in a.blobs.iter() {
                if let Some(count) = stored.references.get_mut(&blob.digest) {
                    *count -= 1;
                    if *count == 0 {
                        stored.references.remove(&blob.digest);
                        if !blob.is_foreign() {
                            stored.size -= blob.size;
                        }
                    }
                }
            }
            if stored.artifacts == 0 {
                self.by_project.remove(&a.project_id);
            }
        }
    }
}

impl Deref for Artifacts {
    type Target = BTreeMap<i64, Artifact>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl Artifacts {
    /// Adds `artifact` (replacing an artifact with its id).
    pub fn insert(&mut self, artifact: Artifact) {
        self.remove(&artifact.id);
        self.index.add(&Indexed::of(&artifact));
        self.rows.insert(artifact.id, artifact);
    }

    /// Removes the artifact `id`.
    pub fn remove(&mut self, id: &i64) -> Option<Artifact> {
        let old = self.rows.remove(id)?;
        self.index.drop_artifact(&Indexed::of(&old));
        Some(old)
    }

    /// A handle to change the artifact `id`; the indexes follow when it is dropped.
    pub fn get_mut(&mut self, id: &i64) -> Option<ArtifactMut<'_>> {
        let artifact = self.rows.get_mut(id)?;
        let before = Indexed::of(artifact);
        Some(ArtifactMut {
            artifact,
            index: &mut self.index,
            before,
        })
    }

    /// Changes every artifact with `change`.
    pub fn for_each_mut(&mut self, change: impl FnMut(&mut Artifact)) {
        let ids: Vec<i64> = self.rows.keys().copied().collect();
        self.change_each(&ids, change);
    }

    /// Changes every artifact of the repository `repository_id` with `change`.
    pub fn for_each_in_repository_mut(
        &mut self,
        repository_id: i64,
        change: impl FnMut(&mut Artifact),
    ) {
        let ids = self.ids_in_repository(repository_id).to_vec();
        self.change_each(&ids, change);
    }

    fn change_each(&mut self, ids: &[i64], mut change: impl FnMut(&mut Artifact)) {
        for id in ids {
            if let Some(mut artifact) = self.get_mut(id) {
                change(&mut artifact);
            }
        }
    }

    /// The ids of the artifacts of repository `repository_id`, ascending.
    pub fn ids_in_repository(&self, repository_id: i64) -> &[i64] {
        self.index
            .by_repository
            .get(&repository_id)
            .map_or(&[], |r| r.ids.as_slice())
    }

    /// The artifacts of repository `repository_id`, by ascending id.
    pub fn in_repository(&self, repository_id: i64) -> impl DoubleEndedIterator<Item = &Artifact> {
        self.ids_in_repository(repository_id)
            .iter()
            .filter_map(|id| self.rows.get(id))
    }

    /// The blobs some artifact references (GC keeps them).
    pub fn referenced_blobs(&self) -> HashSet<&str> {
        self.index
            .by_project
            .values()
            .flat_map(|stored| stored.references.keys().map(String::as_str))
            .collect()
    }

    /// Whether an image index lists any artifact of repository `repository_id`.
    pub fn has_children(&self, repository_id: i64) -> bool {
        self.index
            .by_repository
            .get(&repository_id)
            .is_some_and(|r| r.children > 0)
    }

    /// The id of the artifact of repository `repository_id` with `digest`.
    pub fn id_by_digest(&self, repository_id: i64, digest: &str) -> Option<i64> {
        self.index
            .by_repository
            .get(&repository_id)?
            .by_digest
            .get(digest)?
            .first()
            .copied()
    }

    /// The id of the artifact of repository `repository_id` tagged `tag`.
    pub fn id_by_tag(&self, repository_id: i64, tag: &str) -> Option<i64> {
        self.in_repository(repository_id)
            .find(|a| a.tags.iter().any(|t| t.name == tag))
            .map(|a| a.id)
    }

    /// Whether an artifact of project `project_id` references the blob `digest`.
    pub fn project_references(&self, project_id: i64, digest: &str) -> bool {
        self.index
            .by_project
            .get(&project_id)
            .is_some_and(|stored| stored.references.contains_key(digest))
    }

    /// The bytes of the blobs the artifacts of project `project_id` reference, each blob once
    /// and foreign layers left out: the project's quota usage.
    pub fn size_in_project(&self, project_id: i64) -> i64 {
        self.index
            .by_project
            .get(&project_id)
            .map_or(0, |stored| stored.size)
    }
}

/// An artifact being changed; dropping it puts the repository, digest and size indexes
/// right.
#[derive(Debug)]
pub struct ArtifactMut<'a> {
    artifact: &'a mut Artifact,
    index: &'a mut Index,
    before: Indexed,
}

impl Deref for ArtifactMut<'_> {
    type Target = Artifact;

    fn deref(&self) -> &Artifact {
        self.artifact
    }
}

impl DerefMut for ArtifactMut<'_> {
    fn deref_mut(&mut self) -> &mut Artifact {
        self.artifact
    }
}

impl Drop for ArtifactMut<'_> {
    fn drop(&mut self) {
        if !self.before.is(self.artifact) {
            self.index.drop_artifact(&self.before);
            self.index.add(&Indexed::of(self.artifact));
        }
    }
}
