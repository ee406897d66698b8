//! Harbor's access control: who may call which operation.
//!
//! Every request passes the access check before its handler runs: the operation's access
//! rule (its entry in the simulator's operation table, read off Harbor's handlers) is
//! evaluated against the caller's [`SecurityContext`]:
//!
//! - **401** when Harbor says unauthenticated: an anonymous caller (no credentials, or wrong
//!   ones: Harbor then treats the request as anonymous) on anything that is not open to
//!   everybody, such as any write or a private project;
//! - **403** when the caller is known but lacks the permission;
//! - the permission check comes before the existence check where Harbor does it in that
//!   order: a missing project is 404 for a system administrator and 401/403 for anybody else.
//!
//! The roles and their permissions are in [`roles`], the robot accounts' access lists in
//! [`policy`].
//!
//! ```
//! use harbor_sim::auth::Identity;
//! use harbor_sim::rbac::{SecurityContext, Target};
//! use harbor_sim::SimState;
//!
//! let mut state = SimState::with_admin("admin", "Harbor12345");
//! state.seed_demo().unwrap();
//! let library = state.project_id("library", true).unwrap();
//! let nobody = SecurityContext::new(&state, &Identity::Anonymous);
//! // Anybody may pull from the public `library`, nobody anonymous may push to it.
//! assert!(nobody.can("pull", Target::Project { id: library, resource: "repository" }));
//! assert!(!nobody.can("push", Target::Project { id: library, resource: "repository" }));
//! ```

mod check;
pub mod policy;
pub mod robot_permissions;
pub mod roles;
pub mod security_context;
pub(crate) mod table;

pub(crate) use check::authorize;
pub use policy::Target;
pub use roles::ProjectRole;
pub use security_context::{Listing, SecurityContext, VisibleProjects};
pub(crate) use table::Rule;
