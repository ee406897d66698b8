//! A date-time that never fails to decode.

use chrono::{DateTime, NaiveDateTime, Utc};
use serde::{Deserialize, Serialize};

/// A date-time as Harbor sent it, kept as text so that no server's format can fail a whole
/// answer; [`Timestamp::parse`] reads it when needed.
///
/// Harbor writes RFC 3339 (`2024-05-01T10:20:30.123Z`), versions differ in fractional digits
/// and offsets, and unset times come as `0001-01-01T00:00:00Z`.
///
/// ```
/// use harbor_client::Timestamp;
///
/// let t: Timestamp = serde_json::from_str("\"2024-05-01T10:20:30.5+02:00\"").unwrap();
/// assert_eq!(t.parse().unwrap().to_rfc3339(), "2024-05-01T08:20:30.500+00:00");
/// let odd: Timestamp = serde_json::from_str("\"yesterday\"").unwrap();
/// assert_eq!(odd.as_str(), "yesterday");
/// assert!(odd.parse().is_none());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Timestamp(pub String);

impl Timestamp {
    /// The text as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The instant in UTC: RFC 3339, or an ISO date-time without offset read as UTC;
    /// `None` for anything else.
    pub fn parse(&self) -> Option<DateTime<Utc>> {
        let text = self.0.trim();
        if let Ok(t) = DateTime::parse_from_rfc3339(text) {
            return Some(t.with_timezone(&Utc));
        }
        ["%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f"]
            .iter()
            .find_map(|f| NaiveDateTime::parse_from_str(text, f).ok())
            .map(|n| n.and_utc())
    }
}

impl From<DateTime<Utc>> for Timestamp {
    fn from(t: DateTime<Utc>) -> Self {
        Timestamp(t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true))
    }
}

impl std::fmt::Display for Timestamp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
