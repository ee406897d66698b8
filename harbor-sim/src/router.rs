//! Our own path matcher, built from the operation table.
//!
//! axum's router refuses two templates that name the same position differently
//! (`/projects/{project_name_or_id}` and `/projects/{project_name}/repositories`), which
//! Harbor's spec does all over; this matcher takes the spec as it is. A literal segment
//! beats a parameter (`/users/current` wins over `/users/{user_id}`), and a trailing slash
//! is optional (`/projects/{id}/metadatas/`).

use std::collections::HashMap;

use crate::binding::path_unescape;

use crate::operation_table::Routed;

/// The base path of Harbor's API.
pub const API_BASE: &str = "/api/v2.0";

#[derive(Debug)]
enum Segment {
    Literal(&'static str),
    Param(&'static str),
}

#[derive(Debug)]
struct Route {
    op: &'static Routed,
    segments: Vec<Segment>,
    literals: usize,
}

/// The outcome of matching a request against the table.
#[derive(Debug)]
pub enum RouteMatch {
    /// An operation matched; path parameters are decoded (repository names twice).
    Found {
        /// The operation: its spec and its entry in the operation table.
        op: &'static Routed,
        /// Path parameters by template name, decoded.
        params: Vec<(&'static str, String)>,
    },
    /// The path exists, but not for this method.
    MethodNotAllowed {
        /// The methods the path takes, in table order.
        allowed: Vec<&'static str>,
    },
    /// No template matches the path.
    NotFound,
}

/// Routes requests to operations.
#[derive(Debug)]
pub struct RouteTable {
    // Keyed by the number of segments: a cheap first cut.
    by_len: HashMap<usize, Vec<Route>>,
    len: usize,
}

impl RouteTable {
    /// Builds the table from the resolved operations.
    pub fn new(ops: &'static [Routed]) -> Self {
        let mut by_len: HashMap<usize, Vec<Route>> = HashMap::new();
        for op in ops {
            let segments: Vec<Segment> = split(op.spec.path)
                .map(
                    |s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                        Some(name) => Segment::Param(name),
                        None => Segment::Literal(s),
                    },
                )
                .collect();
            let literals = segments
                .iter()
                .filter(|s| matches!(s, Segment::Literal(_)))
                .count();
            by_len.entry(segments.len()).or_default().push(Route {
                op,
                segments,
                literals,
            });
        }
        Self {
            by_len,
            len: ops.len(),
        }
    }

    /// How many operations the table routes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Matches a raw (still percent-encoded) path relative to [`API_BASE`].
    pub fn route(&self, method: &str, raw_path: &str) -> RouteMatch {
        let raw: Vec<&str> = split(raw_path).collect();
        let Some(candidates) = self.by_len.get(&raw.len()) else {
            return RouteMatch::NotFound;
        };
        let mut best: Option<&Route> = None;
        let mut allowed = Vec::new();
        for route in candidates {
            let fits = route.segments.iter().zip(&raw).all(|(seg, raw)| match seg {
                Segment::Literal(lit) => lit == raw,
                Segment::Param(_) => !raw.is_empty(),
            });
            if !fits {
                continue;
            }
            let op_method = route.op.spec.method;
            if !allowed.contains(&op_method) {
                allowed.push(op_method);
            }
            if op_method == method && best.is_none_or(|b| route.literals > b.literals) {
                best = Some(route);
            }
        }
        match best {
            Some(route) => {
                let params = route
                    .segments
                    .iter()
                    .zip(&raw)
                    .filter_map(|(seg, raw)| match seg {
                        Segment::Param(name) => Some((*name, decode_param(name, raw))),
                        Segment::Literal(_) => None,
                    })
                    .collect();
                RouteMatch::Found {
                    op: route.op,
                    params,
                }
            }
            None if !allowed.is_empty() => RouteMatch::MethodNotAllowed { allowed },
            None => RouteMatch::NotFound,
        }
    }
}

fn split(path: &str) -> impl Iterator<Item = &str> {
    let trimmed = path.trim_matches('/');
    trimmed.split('/').filter(move |_| !trimmed.is_empty())
}

/// Decodes a path segment as go-openapi's router does (`url.PathUnescape`, the raw segment
/// kept whole when an escape is malformed, `middleware/router.go`); repository names are
/// unescaped once more by Harbor's handlers (`unescapePathParams`, `src/server/v2.0/handler/
/// util.go`), so they arrive encoded twice (`a%252Fb` is `a/b`).
fn decode_param(name: &str, raw: &str) -> String {
    let once = path_unescape(raw).unwrap_or_else(|| raw.to_owned());
    if name == "repository_name" {
        // When this second unescape fails, the handlers' `Prepare` (artifact, repository,
        // scan) calls `SendError`, which only builds a responder, drops it and returns nil:
        // the operation runs on the value unescaped once.
        path_unescape(&once).unwrap_or(once)
    } else {
        once
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        RouteTable::new(crate::operation_table::operations().expect("the table resolves"))
    }

    #[test]
    fn segments_unescape_as_go_openapi_router() {
        assert_eq!(decode_param("project_name", "a%20b+c"), "a b+c");
        // A malformed escape keeps the whole segment raw, valid escapes too.
        assert_eq!(decode_param("project_name", "a%20b%zz"), "a%20b%zz");
        assert_eq!(decode_param("repository_name", "team%252Fapp"), "team/app");
        assert_eq!(decode_param("repository_name", "team%2Fapp"), "team/app");
    }

    fn found(
        table: &RouteTable,
        method: &str,
        path: &str,
    ) -> (&'static str, Vec<(&'static str, String)>) {
        match table.route(method, path) {
            RouteMatch::Found { op, params } => (op.spec.id, params),
            other => panic!("{method} {path}: {other:?}"),
        }
    }

    #[test]
    fn literal_segments_beat_parameters() {
        let table = table();
        assert_eq!(
            found(&table, "GET", "/users/current").0,
            "getCurrentUserInfo"
        );
        assert_eq!(found(&table, "GET", "/users/7").0, "getUser");
        assert_eq!(
            found(&table, "GET", "/system/gc/schedule").0,
            "getGCSchedule"
        );
    }

    #[test]
    fn differently_named_parameters_share_a_position() {
        let table = table();
        assert_eq!(found(&table, "GET", "/projects/demo").0, "getProject");
        let (id, params) = found(&table, "GET", "/projects/demo/repositories/team%252Fapp");
        assert_eq!(id, "getRepository");
        assert_eq!(params[1], ("repository_name", "team/app".to_owned()));
    }

    #[test]
    fn trailing_slash_is_optional() {
        let table = table();
        assert_eq!(
            found(&table, "GET", "/projects/1/metadatas").0,
            "listProjectMetadatas"
        );
        assert_eq!(
            found(&table, "GET", "/projects/1/metadatas/").0,
            "listProjectMetadatas"
        );
    }

    #[test]
    fn unknown_paths_and_methods_are_told_apart() {
        let table = table();
        assert!(matches!(table.route("GET", "/nope"), RouteMatch::NotFound));
        assert!(matches!(
            table.route("PATCH", "/projects"),
            RouteMatch::MethodNotAllowed { .. }
        ));
        assert!(matches!(
            table.route("GET", "/projects/demo/repositories/a/b"),
            RouteMatch::NotFound
        ));
    }
}
