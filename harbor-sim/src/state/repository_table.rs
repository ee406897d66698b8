//! The repositories table with its indexes: by full name (every
//! `{project_name}/{repository_name}` path) and each project's repository ids ascending, so
//! a project's list page, its total and a project's `repo_count` need no walk of all
//! repositories.
//!
//! The table is read like a map (it dereferences to one) and written only through its own
//! methods; [`RepositoryMut`], the handle to change one repository, puts the indexes right
//! when it is dropped, so no write can leave them behind.

use std::collections::{BTreeMap, HashMap};
use std::ops::{Deref, DerefMut};

use super::ordered_ids::{insert_sorted, remove_sorted};
use super::repositories::Repository;

/// Repositories by id, with indexes by full name and by project.
#[derive(Debug, Clone, Default)]
pub struct Repositories {
    rows: BTreeMap<i64, Repository>,
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    /// Full name to id; a name held twice keeps the lowest id, as a scan finds it first.
    by_name: HashMap<String, Vec<i64>>,
    /// Each project's repository ids, ascending (no entry for a project without any).
    by_project: HashMap<i64, Vec<i64>>,
}

impl Index {
    fn add(&mut self, repository: &Repository) {
        let id = repository.id;
        insert_sorted(self.by_name.entry(repository.name.clone()).or_default(), id);
        insert_sorted(
            self.by_project.entry(repository.project_id).or_default(),
            id,
        );
    }

    fn drop_repository(&mut self, id: i64, name: &str, project_id: i64) {
        remove_from(&mut self.by_name, name, id);
        remove_from(&mut self.by_project, &project_id, id);
    }
}

/// Takes `id` out of the ascending ids under `key`, and the key when none is left.
pub(crate) fn remove_from<K, Q>(map: &mut HashMap<K, Vec<i64>>, key: &Q, id: i64)
where
    K: std::borrow::Borrow<Q> + std::hash::Hash + Eq,
    Q: std::hash::Hash + Eq + ?Sized,
{
    if let Some(ids) = map.get_mut(key) {
        remove_sorted(ids, id);
        if ids.is_empty() {
            map.remove(key);
        }
    }
}

impl Deref for Repositories {
    type Target = BTreeMap<i64, Repository>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl Repositories {
    /// Adds `repository` (replacing a repository with its id).
    pub fn insert(&mut self, repository: Repository) {
        self.remove(&repository.id);
        self.index.add(&repository);
        self.rows.insert(repository.id, repository);
    }

    /// Removes the repository `id`.
    pub fn remove(&mut self, id: &i64) -> Option<Repository> {
        let old = self.rows.remove(id)?;
        self.index
            .drop_repository(old.id, &old.name, old.project_id);
        Some(old)
    }

    /// A handle to change the repository `id`; the indexes follow when it is dropped.
    pub fn get_mut(&mut self, id: &i64) -> Option<RepositoryMut<'_>> {
        let repository = self.rows.get_mut(id)?;
        let name = repository.name.clone();
        let project_id = repository.project_id;
        Some(RepositoryMut {
            repository,
            index: &mut self.index,
            name,
            project_id,
        })
    }

    /// The id of the repository of full name `name` (`library/nginx`).
    pub fn id_by_name(&self, name: &str) -> Option<i64> {
        self.index
            .by_name
            .get(name)
            .and_then(|ids| ids.first().copied())
    }

    /// The ids of the repositories of project `project_id`, ascending.
    pub fn ids_in_project(&self, project_id: i64) -> &[i64] {
        self.index
            .by_project
            .get(&project_id)
            .map_or(&[], Vec::as_slice)
    }
}

/// A repository being changed; dropping it puts the name and project indexes right.
#[derive(Debug)]
pub struct RepositoryMut<'a> {
    repository: &'a mut Repository,
    index: &'a mut Index,
    /// The name when the handle was taken.
    name: String,
    /// The project when the handle was taken.
    project_id: i64,
}

impl Deref for RepositoryMut<'_> {
    type Target = Repository;

    fn deref(&self) -> &Repository {
        self.repository
    }
}

impl DerefMut for RepositoryMut<'_> {
    fn deref_mut(&mut self) -> &mut Repository {
        self.repository
    }
}

impl Drop for RepositoryMut<'_> {
    fn drop(&mut self) {
        let r = &*self.repository;
        if r.name != self.name || r.project_id != self.project_id {
            self.index
                .drop_repository(r.id, &self.name, self.project_id);
            self.index.add(r);
        }
    }
}
