//! Harbor's project roles and what each may do inside its project, plus what everybody
//! (anonymous callers included) may do inside a public project.
//!
//! The lists are the facts of Harbor's `src/common/rbac/project/rbac_role.go` and
//! `rbac_util.go`, written as data: one `(resource, actions)` row per project subresource,
//! where the resource `""` is the project itself.

/// One row of a policy list: a project subresource and the actions allowed on it.
pub type Grant = (&'static str, &'static [&'static str]);

/// A project role, with Harbor's ids (`role_id` of a membership).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProjectRole {
    /// 1: administers the project.
    ProjectAdmin,
    /// 2: pushes and pulls.
    Developer,
    /// 3: reads and pulls.
    Guest,
    /// 4: a developer who may also delete and manage tag rules.
    Maintainer,
    /// 5: pulls, without seeing members, labels or robots.
    LimitedGuest,
}

impl ProjectRole {
    /// Every role, strongest first.
    pub const ALL: [ProjectRole; 5] = [
        ProjectRole::ProjectAdmin,
        ProjectRole::Maintainer,
        ProjectRole::Developer,
        ProjectRole::Guest,
        ProjectRole::LimitedGuest,
    ];

    /// The role of a membership's `role_id`, if it is one of Harbor's.
    pub fn from_id(id: i64) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.id() == id)
    }

    /// Harbor's `role_id`.
    pub fn id(self) -> i64 {
        match self {
            ProjectRole::ProjectAdmin => 1,
            ProjectRole::Developer => 2,
            ProjectRole::Guest => 3,
            ProjectRole::Maintainer => 4,
            ProjectRole::LimitedGuest => 5,
        }
    }

    /// How strong the role is, to pick the one a project list reports as
    /// `current_user_role_id` when a user holds several (Harbor's `highestRole`).
    pub fn power(self) -> u8 {
        match self {
            ProjectRole::ProjectAdmin => 50,
            ProjectRole::Maintainer => 40,
            ProjectRole::Developer => 30,
            ProjectRole::Guest => 20,
            ProjectRole::LimitedGuest => 10,
        }
    }

    /// What the role may do inside its project.
    pub fn grants(self) -> &'static [Grant] {
        match self {
            ProjectRole::ProjectAdmin => PROJECT_ADMIN,
            ProjectRole::Maintainer => MAINTAINER,
            ProjectRole::Developer => DEVELOPER,
            ProjectRole::Guest => GUEST,
            ProjectRole::LimitedGuest => LIMITED_GUEST,
        }
    }

    /// Whether the role may do `action` on the project subresource `resource`.
    pub fn allows(self, resource: &str, action: &str) -> bool {
        grants_allow(self.grants(), resource, action)
    }
}

/// Whether a policy list allows `action` on `resource`.
pub fn grants_allow(grants: &[Grant], resource: &str, action: &str) -> bool {
    grants
        .iter()
        .any(|(r, actions)| *r == resource && actions.contains(&action))
}

/// The role with the highest power among `roles` (0 when there is none), as Harbor reports
/// `current_user_role_id`.
pub fn highest_role_id(roles: &[ProjectRole]) -> i64 {
    roles.iter().max_by_key(|r| r.power()).map_or(0, |r| r.id())
}

const CRUDL: &[&str] = &["create", "read", "update", "delete", "list"];
const READ_LIST: &[&str] = &["read", "list"];
const READ: &[&str] = &["read"];
const LIST: &[&str] = &["list"];

const PROJECT_ADMIN: &[Grant] = &[
    ("", &["read", "update", "delete"]),
    ("member", CRUDL),
    ("metadata", &["create", "read", "update", "delete"]),
    ("log", LIST),
    ("label", CRUDL),
    ("quota", READ),
    (
        "repository",
        &["create", "read", "update", "delete", "list", "pull", "push"],
    ),
    (
        "tag-retention",
        &["create", "read", "update", "delete", "list", "operate"],
    ),
    ("immutable-tag", &["create", "update", "delete", "list"]),
    ("configuration", &["read", "update"]),
    ("robot", CRUDL),
    ("notification-policy", CRUDL),
    ("scan", &["create", "read", "stop"]),
    ("sbom", &["create", "stop", "read"]),
    ("scanner", &["read", "create"]),
    ("artifact", &["create", "read", "delete", "list"]),
    ("artifact-addition", READ),
    ("tag", &["list", "create", "delete"]),
    ("accessory", LIST),
    ("artifact-label", &["create", "delete"]),
    ("preheat-policy", CRUDL),
    ("export-cve", &["create", "read", "list"]),
];

const MAINTAINER: &[Grant] = &[
    ("", READ),
    ("member", READ_LIST),
    ("metadata", READ),
    ("quota", READ),
    ("label", CRUDL),
    (
        "repository",
        &["create", "read", "update", "delete", "list", "push", "pull"],
    ),
    (
        "tag-retention",
        &["create", "read", "update", "delete", "list", "operate"],
    ),
    ("accessory", LIST),
    ("immutable-tag", &["create", "update", "delete", "list"]),
    ("configuration", READ),
    ("robot", READ_LIST),
    ("notification-policy", READ_LIST),
    ("scan", &["create", "read", "stop"]),
    ("sbom", &["create", "stop", "read"]),
    ("scanner", READ),
    ("artifact", &["create", "read", "delete", "list"]),
    ("artifact-addition", READ),
    ("tag", &["list", "create", "delete"]),
    ("artifact-label", &["create", "delete"]),
    ("export-cve", &["create", "read", "list"]),
];

const DEVELOPER: &[Grant] = &[
    ("", READ),
    ("member", READ_LIST),
    ("label", READ_LIST),
    ("quota", READ),
    (
        "repository",
        &["create", "read", "update", "list", "push", "pull"],
    ),
    (
        "tag-retention",
        &["create", "read", "update", "delete", "list", "operate"],
    ),
    ("configuration", READ),
    ("robot", READ_LIST),
    ("scan", READ),
    ("sbom", READ),
    ("scanner", READ),
    ("artifact", &["create", "read", "list"]),
    ("artifact-addition", READ),
    ("tag", &["list", "create"]),
    ("accessory", LIST),
    ("artifact-label", &["create", "delete"]),
    ("export-cve", &["create", "read", "list"]),
];

const GUEST: &[Grant] = &[
    ("", READ),
    ("member", READ_LIST),
    ("label", READ_LIST),
    ("quota", READ),
    ("repository", &["read", "list", "pull"]),
    ("configuration", READ),
    ("robot", READ_LIST),
    ("scan", READ),
    ("sbom", READ),
    ("scanner", READ),
    ("tag", LIST),
    ("accessory", LIST),
    ("artifact", READ_LIST),
    ("artifact-addition", READ),
];

const LIMITED_GUEST: &[Grant] = &[
    ("", READ),
    ("quota", READ),
    ("repository", &["list", "read", "pull"]),
    ("configuration", READ),
    ("scan", READ),
    ("sbom", READ),
    ("scanner", READ),
    ("tag", LIST),
    ("accessory", LIST),
    ("artifact", READ_LIST),
    ("artifact-addition", READ),
];

/// What everybody, anonymous callers and robots included, may do inside a public project.
/// Reading a repository's own record is not in it: Harbor answers 401/403 there.
pub const PUBLIC_PROJECT: &[Grant] = &[
    ("", READ),
    ("label", READ_LIST),
    ("repository", &["list", "pull"]),
    ("scan", READ),
    ("scanner", READ),
    ("tag", LIST),
    ("artifact", READ_LIST),
    ("artifact-addition", READ),
    ("accessory", LIST),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_strength_orders_them() {
        for role in ProjectRole::ALL {
            assert_eq!(ProjectRole::from_id(role.id()), Some(role));
        }
        assert_eq!(ProjectRole::from_id(9), None);
        assert_eq!(
            highest_role_id(&[ProjectRole::Guest, ProjectRole::Maintainer]),
            4
        );
        assert_eq!(highest_role_id(&[]), 0);
    }

    #[test]
    fn each_role_is_narrower_than_the_one_above() {
        assert!(ProjectRole::ProjectAdmin.allows("", "delete"));
        assert!(!ProjectRole::Maintainer.allows("", "delete"));
        assert!(ProjectRole::Maintainer.allows("repository", "delete"));
        assert!(!ProjectRole::Developer.allows("repository", "delete"));
        assert!(ProjectRole::Developer.allows("repository", "push"));
        assert!(!ProjectRole::Guest.allows("repository", "push"));
        assert!(ProjectRole::Guest.allows("member", "list"));
        assert!(!ProjectRole::LimitedGuest.allows("member", "list"));
        assert!(!grants_allow(PUBLIC_PROJECT, "repository", "read"));
    }
}
