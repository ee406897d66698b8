//! [`Created`]: what an operation answering `201 Created` returns.
//!
//! Harbor names the new resource in the `Location` header (`/api/v2.0/projects/5`); for runs
//! (`startReplication`, `triggerRetentionExecution`, `ManualPreheat`, a manual GC or purge)
//! it is the only place the new execution's id appears.
//!
//! ```
//! use harbor_client::Created;
//!
//! let created = Created::from_location(Some("/api/v2.0/replication/executions/17".into()));
//! assert_eq!(created.id(), Some(17));
//! assert_eq!(created.location(), Some("/api/v2.0/replication/executions/17"));
//!
//! // `X-Resource-Name-In-Location: true`, a scanner's uuid, an artifact's digest: no number.
//! let named = Created::from_location(Some("/api/v2.0/projects/team-a".into()));
//! assert_eq!(named.id(), None);
//! assert_eq!(named.last_segment(), Some("team-a"));
//! ```

use percent_encoding::percent_decode_str;

/// The `Location` of a created resource and the id parsed from it. Each create method's
/// documentation says what the id names (the new project, the started execution, ...).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Created {
    location: Option<String>,
    last_segment: Option<String>,
    id: Option<i64>,
}

impl Created {
    /// Parses a `Location` value (`None`: the server sent none, as Harbor's
    /// `createScanAllSchedule` does).
    pub fn from_location(location: Option<String>) -> Self {
        let last_segment = location.as_deref().and_then(|l| {
            let path = l.split(['?', '#']).next().unwrap_or(l);
            let last = path.trim_end_matches('/').rsplit('/').next()?;
            (!last.is_empty()).then(|| percent_decode_str(last).decode_utf8_lossy().into_owned())
        });
        let id = last_segment.as_deref().and_then(|s| s.parse().ok());
        Created {
            location,
            last_segment,
            id,
        }
    }

    /// The `Location` header as the server sent it.
    pub fn location(&self) -> Option<&str> {
        self.location.as_deref()
    }

    /// The id at the end of the `Location` (the new resource's, or the started execution's),
    /// when that last segment is a number.
    pub fn id(&self) -> Option<i64> {
        self.id
    }

    /// The last segment of the `Location`, percent-decoded: the id's digits, or a name, a
    /// uuid or a digest for the operations that name their resources so.
    pub fn last_segment(&self) -> Option<&str> {
        self.last_segment.as_deref()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_come_from_the_last_segment() {
        for (location, id, last) in [
            ("/api/v2.0/projects/5", Some(5), Some("5")),
            ("/api/v2.0/projects/5/", Some(5), Some("5")),
            ("https://h/api/v2.0/labels/12?x=1", Some(12), Some("12")),
            ("/api/v2.0/scanners/0f1e-2d", None, Some("0f1e-2d")),
            (
                "/api/v2.0/projects/p/repositories/a%252Fb/artifacts/sha256:ab",
                None,
                Some("sha256:ab"),
            ),
            ("/api/v2.0/projects/caf%C3%A9", None, Some("café")),
            ("", None, None),
        ] {
            let c = Created::from_location(Some(location.to_owned()));
            assert_eq!(c.id(), id, "{location}");
            assert_eq!(c.last_segment(), last, "{location}");
        }
        let none = Created::from_location(None);
        assert_eq!((none.location(), none.id()), (None, None));
    }
}
