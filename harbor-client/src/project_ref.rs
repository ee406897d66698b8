//! [`ProjectRef`]: which project an operation addresses, by name or by id.
//!
//! Harbor reads an all-digit `{project_name_or_id}` as an id unless the request carries
//! `X-Is-Resource-Name: true` (`src/server/v2.0/handler/util.go`), and project names may be all
//! digits. The type says which one the caller means, and the client sends the header with
//! every name, so a project named `2` is never confused with the project whose id is 2.
//!
//! ```
//! use harbor_client::ProjectRef;
//!
//! assert_eq!(ProjectRef::from("demo"), ProjectRef::Name("demo".into()));
//! assert_eq!(ProjectRef::from("2"), ProjectRef::Name("2".into())); // a name, even all digits
//! assert_eq!(ProjectRef::from(2), ProjectRef::Id(2));
//! assert_eq!(ProjectRef::id(7).to_string(), "7");
//! assert!(ProjectRef::name("2").is_name());
//! ```

use std::fmt;

/// A project as an operation addresses it: by name (from `&str`, `String`) or by id (from an
/// integer). Every `project_name_or_id` argument takes `impl Into<ProjectRef>`, so
/// `client.get_project("demo", ..)` and `client.get_project(2, ..)` both work; a name always
/// travels with `X-Is-Resource-Name: true`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ProjectRef {
    /// The project's name (sent with `X-Is-Resource-Name: true`).
    Name(String),
    /// The project's id.
    Id(i64),
}

impl ProjectRef {
    /// The project named `name` (even when it is all digits).
    pub fn name(name: impl Into<String>) -> Self {
        ProjectRef::Name(name.into())
    }

    /// The project whose id is `id`.
    pub fn id(id: i64) -> Self {
        ProjectRef::Id(id)
    }

    /// Whether this addresses the project by name.
    pub fn is_name(&self) -> bool {
        matches!(self, ProjectRef::Name(_))
    }
}

/// The path segment: the name or the id's digits.
impl fmt::Display for ProjectRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ProjectRef::Name(name) => f.write_str(name),
            ProjectRef::Id(id) => write!(f, "{id}"),
        }
    }
}

impl From<&str> for ProjectRef {
    fn from(name: &str) -> Self {
        ProjectRef::Name(name.to_owned())
    }
}

impl From<String> for ProjectRef {
    fn from(name: String) -> Self {
        ProjectRef::Name(name)
    }
}

impl From<&String> for ProjectRef {
    fn from(name: &String) -> Self {
        ProjectRef::Name(name.clone())
    }
}

impl From<&ProjectRef> for ProjectRef {
    fn from(project: &ProjectRef) -> Self {
        project.clone()
    }
}

impl From<i64> for ProjectRef {
    fn from(id: i64) -> Self {
        ProjectRef::Id(id)
    }
}

impl From<i32> for ProjectRef {
    fn from(id: i32) -> Self {
        ProjectRef::Id(i64::from(id))
    }
}

impl From<u32> for ProjectRef {
    fn from(id: u32) -> Self {
        ProjectRef::Id(i64::from(id))
    }
}
