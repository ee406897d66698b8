//! The project members table with its two indexes: the members of each project, and the
//! roles of each user in each project. A request's access check and every project it lists
//! ask for the caller's roles; without the index that is a scan of all members (the admin
//! who created 10,000 projects is a member of each), with it a lookup.
//!
//! The table is read like a map (it dereferences to one) and written only through its own
//! methods, so no write can leave an index behind.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ops::Deref;

use super::ordered_ids::{insert_sorted, remove_sorted};
use super::projects::Member;
use crate::rbac::roles::ProjectRole;

/// Project members by id, with indexes by project and by (user, project).
#[derive(Debug, Clone, Default)]
pub struct Members {
    rows: BTreeMap<i64, Member>,
    /// `(project, member id)` of every member.
    by_project: BTreeSet<(i64, i64)>,
    /// The roles of each user (entity type `u`) in each project where it holds a known
    /// role, in member-id order; a key without roles is absent.
    user_roles: BTreeMap<(i64, i64), Vec<ProjectRole>>,
    /// The keys of `user_roles` by user: the projects each user holds a role in, ascending.
    user_projects: HashMap<i64, Vec<i64>>,
}

impl Deref for Members {
    type Target = BTreeMap<i64, Member>;

    fn deref(&self) -> &Self::Target {
        &self.rows
    }
}

impl Members {
    /// Adds `member` (replacing a member with its id). Its project must exist: what a user
    /// sees is read off this index without looking the projects up again
    /// ([`SimState::add_member`](super::SimState::add_member) checks it).
    pub fn insert(&mut self, member: Member) {
        let (id, project, user) = (member.id, member.project_id, user_key(&member));
        if let Some(old) = self.rows.insert(id, member) {
            self.by_project.remove(&(old.project_id, id));
            self.refresh_user(user_key(&old));
        }
        self.by_project.insert((project, id));
        self.refresh_user(user);
    }

    /// Removes the member `id`.
    pub fn remove(&mut self, id: &i64) -> Option<Member> {
        let old = self.rows.remove(id)?;
        self.by_project.remove(&(old.project_id, old.id));
        self.refresh_user(user_key(&old));
        Some(old)
    }

    /// Gives the member `id` the role `role_id` named `role_name`; `None` when it does not
    /// exist.
    pub fn set_role(&mut self, id: i64, role_id: i64, role_name: &str) -> Option<()> {
        let member = self.rows.get_mut(&id)?;
        member.role_id = role_id;
        member.role_name = role_name.to_owned();
        let user = user_key(member);
        self.refresh_user(user);
        Some(())
    }

    /// Removes every member of `project`.
    pub fn remove_project(&mut self, project: i64) {
        let ids: Vec<i64> = self.of_project(project).map(|m| m.id).collect();
        for id in &ids {
            self.remove(id);
        }
    }

    /// Removes every member for which `keep` is false.
    pub fn retain(&mut self, mut keep: impl FnMut(&Member) -> bool) {
        let gone: Vec<i64> = self
            .rows
            .values()
            .filter(|m| !keep(m))
            .map(|m| m.id)
            .collect();
        for id in &gone {
            self.remove(id);
        }
    }

    /// Gives every membership of an entity (`u` user, `g` group) its new name, as Harbor
    /// reads a member's name off the user or group it is.
    pub fn rename_entity(&mut self, entity_type: &str, entity_id: i64, name: &str) {
        for m in self.rows.values_mut() {
            if m.entity_type == entity_type && m.entity_id == entity_id {
                m.entity_name = name.to_owned();
            }
        }
    }

    /// The members of `project`, in id order.
    pub fn of_project(&self, project: i64) -> impl Iterator<Item = &Member> + '_ {
        self.by_project
            .range((project, i64::MIN)..=(project, i64::MAX))
            .filter_map(|(_, id)| self.rows.get(id))
    }

    /// The roles user `user` holds in `project` (empty when it is no member).
    pub fn roles(&self, user: i64, project: i64) -> &[ProjectRole] {
        self.user_roles
            .get(&(user, project))
            .map_or(&[], Vec::as_slice)
    }

    /// The projects user `user` holds a role in, ascending: a slice of the index.
    pub fn project_ids_of_user(&self, user: i64) -> &[i64] {
        self.user_projects.get(&user).map_or(&[], Vec::as_slice)
    }

    /// The projects user `user` holds a role in, ascending, with its roles there.
    pub fn projects_of_user(&self, user: i64) -> impl Iterator<Item = (i64, &[ProjectRole])> + '_ {
        self.user_roles
            .range((user, i64::MIN)..=(user, i64::MAX))
            .map(|((_, project), roles)| (*project, roles.as_slice()))
    }

    /// Recomputes the roles of a `(user, project)` key from that project's members.
    fn refresh_user(&mut self, key: Option<(i64, i64)>) {
        let Some((user, project)) = key else {
            return;
        };
        let roles: Vec<ProjectRole> = self
            .of_project(project)
            .filter(|m| m.entity_type == "u" && m.entity_id == user)
            .filter_map(|m| ProjectRole::from_id(m.role_id))
            .collect();
        if roles.is_empty() {
            self.user_roles.remove(&(user, project));
            if let Some(projects) = self.user_projects.get_mut(&user) {
                remove_sorted(projects, project);
                if projects.is_empty() {
                    self.user_projects.remove(&user);
                }
            }
        } else {
            self.user_roles.insert((user, project), roles);
            insert_sorted(self.user_projects.entry(user).or_default(), project);
        }
    }
}

/// The `(user, project)` key of a user's membership; `None` for a group (groups hold no user
/// roles here, as before the index).
fn user_key(member: &Member) -> Option<(i64, i64)> {
    (member.entity_type == "u").then_some((member.entity_id, member.project_id))
}
