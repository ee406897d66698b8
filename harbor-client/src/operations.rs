//! The table of Harbor's operations: what each one sends and answers.
//!
//! The entries are generated from the spec (in spec order); the types are written by hand.
//! Every operation also has a named constant, e.g. [`GET_PROJECT`].
//!
//! ```
//! use harbor_client::operations::{self, find_operation, ParamLocation};
//!
//! let op = find_operation("getProject").unwrap();
//! assert_eq!(op.method_name, "get_project");
//! assert_eq!(op.http_method, "GET");
//! assert_eq!(op.path, "/projects/{project_name_or_id}");
//! assert!(op.params.iter().any(|p| p.location == ParamLocation::Path));
//! assert!(std::ptr::eq(op, operations::GET_PROJECT));
//! assert_eq!(operations::OPERATIONS.len(), 203);
//! ```

pub use crate::generated::operations::*;

/// Where a parameter travels in the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ParamLocation {
    /// A `{name}` segment of the path template.
    Path,
    /// A query-string pair.
    Query,
    /// A request header.
    Header,
    /// The JSON request body.
    Body,
}

/// One parameter of an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Param {
    /// The name on the wire (`project_name_or_id`, `page_size`, `X-Request-Id`, ...).
    pub name: &'static str,
    /// Where it travels.
    pub location: ParamLocation,
    /// Whether the spec requires it (path parameters always are).
    pub required: bool,
    /// Its type: `string`, `integer`, `number`, `boolean`, `array`, `object` (an untyped or
    /// map body) or `model:<Name>` (a type of [`crate::models`]).
    pub kind: &'static str,
}

/// One Harbor operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Operation {
    /// The spec's `operationId`, spelt as there (`getProject`, `CreateRobot`).
    pub id: &'static str,
    /// The client's method name (`get_project`, `create_robot`).
    pub method_name: &'static str,
    /// `GET`, `POST`, `PUT`, `DELETE`, `PATCH` or `HEAD`.
    pub http_method: &'static str,
    /// Path template relative to `/api/v2.0`, e.g. `/projects/{project_name_or_id}`.
    pub path: &'static str,
    /// The spec's tag (one per operation).
    pub tag: &'static str,
    /// False for POST and PATCH: repeating them may repeat their effect.
    pub idempotent: bool,
    /// The answer is one page of a list, with `X-Total-Count` and `Link` headers.
    pub paginated: bool,
    /// Parameters in spec order (including `X-Request-Id`, which the client sets itself).
    pub params: &'static [Param],
    /// The first 2xx status the spec lists.
    pub success_status: u16,
    /// The answer's body: a model name (`Project`), an array (`[Project]`, `[string]`), a map
    /// (`{RegistryProviderInfo}`, `{string}`), `object` (untyped JSON), `string` (text) or
    /// `file` (raw bytes); `None` when there is no body.
    pub response_model: Option<&'static str>,
    /// The answer is `text/plain`.
    pub produces_text: bool,
}

impl Operation {
    /// The parameter with this wire name.
    pub fn param(&self, name: &str) -> Option<&'static Param> {
        self.params.iter().find(|p| p.name == name)
    }
}

/// Every operation, in spec order (203 for Harbor v2.13 to v2.16).
pub static OPERATIONS: &[Operation] = &OPERATION_ARRAY;

/// The operation with this `operationId` (case-sensitive, as in the spec).
pub fn find_operation(id: &str) -> Option<&'static Operation> {
    index_of(id).map(|i| &OPERATION_ARRAY[i])
}

/// The operation behind a client method name (`get_project`).
pub fn find_by_method_name(method_name: &str) -> Option<&'static Operation> {
    OPERATIONS.iter().find(|op| op.method_name == method_name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_matches_the_spec_counts() {
        assert_eq!(OPERATIONS.len(), 203);
        let count = |m: &str| OPERATIONS.iter().filter(|o| o.http_method == m).count();
        assert_eq!(
            (
                count("GET"),
                count("POST"),
                count("PUT"),
                count("DELETE"),
                count("PATCH"),
                count("HEAD")
            ),
            (114, 34, 31, 19, 4, 1)
        );
        assert_eq!(OPERATIONS.iter().filter(|o| !o.idempotent).count(), 38);
        assert_eq!(OPERATIONS.iter().filter(|o| o.paginated).count(), 40);
    }

    #[test]
    fn every_id_and_method_name_is_found() {
        for op in OPERATIONS {
            assert!(std::ptr::eq(find_operation(op.id).unwrap(), op));
            assert!(std::ptr::eq(
                find_by_method_name(op.method_name).unwrap(),
                op
            ));
        }
        assert!(find_operation("noSuchOperation").is_none());
    }

    #[test]
    fn known_entries() {
        let op = find_operation("listProjects").unwrap();
        assert_eq!(op.method_name, "get_projects");
        assert!(op.paginated);
        assert_eq!(op.response_model, Some("[Project]"));
        let op = find_operation("CreateRobot").unwrap();
        assert!(!op.idempotent);
        assert_eq!(op.success_status, 201);
        assert!(find_operation("getPing").unwrap().produces_text);
        assert_eq!(find_operation("headProject").unwrap().response_model, None);
    }
}
