//! The projects table with its indexes: by name (`GET /projects/{name}` and every
//! `{project_name}` path), and the ascending ids of all, public and private projects, so a
//! list page finds its projects and its total without walking the collection.
//!
//! The table is read like a map (it dereferences to one) and written only through its own
//! methods; [`ProjectMut`], the handle to change one project, puts the indexes right when it
//! is dropped, so no write can leave them behind.

use std::collections::BTreeMap;
use std::ops::{Deref, DerefMut};

use super::ordered_ids::{insert_sorted, remove_sorted};
use super::projects::Project;

/// What a project's `public` metadata says, as the project list's `public` filter reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Publicity {
    /// `"public": "true"`: everybody sees it.
    Public,
    /// `"public": "false"`.
    Private,
    /// Anything else (absent, or another text): not public, and no `public=false` match.
    Unset,
}

impl Publicity {
    /// The publicity of `project`.
    pub fn of(project: &Project) -> Self {
        match project.metadata.get("public").map(String::as_str) {
            Some("true") => Publicity::Public,
            Some("false") => Publicity::Private,
            _ => Publicity::Unset,
        }
    }
}

/// Projects by id, with indexes by name and by publicity.
#[derive(Debug, Clone, Default)]
pub struct Projects {
    rows: BTreeMap<i64, Project>,
    index: Index,
}

#[derive(Debug, Clone, Default)]
struct Index {
    by_name: BTreeMap<String, i64>,
    /// Every id, ascending.
    all: Vec<i64>,
    /// The ids of [`Publicity::Public`] projects, ascending.
    public: Vec<i64>,
    /// The ids of [`Publicity::Private`] projects, ascending.
    private: Vec<i64>,
}

impl Index {
    fn add(&mut self, project: &Project) {
        let id = project.project_id;
        self.by_name.insert(project.name.clone(), id);
        insert_sorted(&mut self.all, id);
        if let Some(ids) = self.of(Publicity::of(project)) {
            insert_sorted(ids, id);
        }
    }

    fn drop_project(&mut self, project: &Project) {
        let id = project.project_id;
        if self.by_name.get(&project.name) == Some(&id) {
            self.by_name.remove(&project.name);
        }
        remove_sorted(&mut self.all, id);
        if let Some(ids) = self.of(Publicity::of(project)) {
            remove_sorted(ids, id);
        }
    }

    fn of(&mut self, publicity: Publicity) -> Option<&mut Vec<i64>> {
        match publicity {
            Publicity::Public => Some(&mut self.public),
            Publicity::Private => Some(&mut self.private),
            Publicity::Unset => None,
        }
    }
}

impl Deref for Projects {
    type Target = BTreeMap<i64, Project>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl Projects {
    /// Adds `project` (replacing a project with its id).
    pub fn insert(&mut self, project: Project) {
        if let Some(old) = self.rows.remove(&project.project_id) {
            self.index.drop_project(&old);
        }
        self.index.add(&project);
        self.rows.insert(project.project_id, project);
    }

    /// Removes the project `id`.
    pub fn remove(&mut self, id: &i64) -> Option<Project> {
        let old = self.rows.remove(id)?;
        self.index.drop_project(&old);
        Some(old)
    }

    /// A handle to change the project `id`; the indexes follow when it is dropped.
    pub fn get_mut(&mut self, id: &i64) -> Option<ProjectMut<'_>> {
        let project = self.rows.get_mut(id)?;
        let before = Snapshot::of(project);
        Some(ProjectMut {
            project,
            index: &mut self.index,
            before,
        })
    }

    /// The id of the project named `name`.
    pub fn id_by_name(&self, name: &str) -> Option<i64> {
        self.index.by_name.get(name).copied()
    }

    /// Every project's id in the order of its name (byte order, which is code-point
    /// order), Harbor's default order of projects (`Name` `sort:"default"`).
    pub fn ids_by_name(&self) -> impl Iterator<Item = i64> + '_ {
        self.index.by_name.values().copied()
    }

    /// Every project id, ascending.
    pub fn ids(&self) -> &[i64] {
        &self.index.all
    }

    /// The ids of the public projects (`"public": "true"`), ascending.
    pub fn public_ids(&self) -> &[i64] {
        &self.index.public
    }

    /// The ids of the private projects (`"public": "false"`), ascending.
    pub fn private_ids(&self) -> &[i64] {
        &self.index.private
    }
}

/// What the indexes know of a project, taken when a [`ProjectMut`] is handed out.
#[derive(Debug)]
struct Snapshot {
    name: String,
    publicity: Publicity,
}

impl Snapshot {
    fn of(project: &Project) -> Self {
        Self {
            name: project.name.clone(),
            publicity: Publicity::of(project),
        }
    }
}

/// A project being changed; dropping it puts the name and publicity indexes right.
#[derive(Debug)]
pub struct ProjectMut<'a> {
    project: &'a mut Project,
    index: &'a mut Index,
    before: Snapshot,
}

impl Deref for ProjectMut<'_> {
    type Target = Project;

    fn deref(&self) -> &Project {
        self.project
    }
}

impl DerefMut for ProjectMut<'_> {
    fn deref_mut(&mut self) -> &mut Project {
        self.project
    }
}

impl Drop for ProjectMut<'_> {
    fn drop(&mut self) {
        let id = self.project.project_id;
        if self.project.name != self.before.name {
            if self.index.by_name.get(&self.before.name) == Some(&id) {
                self.index.by_name.remove(&self.before.name);
            }
            self.index.by_name.insert(self.project.name.clone(), id);
        }
        let publicity = Publicity::of(self.project);
        if publicity != self.before.publicity {
            if let Some(ids) = self.index.of(self.before.publicity) {
                remove_sorted(ids, id);
            }
            if let Some(ids) = self.index.of(publicity) {
                insert_sorted(ids, id);
            }
        }
    }
}
