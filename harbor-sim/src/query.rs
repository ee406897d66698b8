//! Harbor's list query language: `q` filters and `sort`, applied to JSON documents.
//!
//! `q=name=~demo,public=true`: `k=v` exact, `k=~v` fuzzy (substring), `k=[a~b]` range,
//! `k={a b}` any of, `k=(a b)` all of (for list fields). `sort=name,-creation_time`.

use std::cmp::Ordering;

use serde_json::Value;

use crate::errors::{ApiError, ApiResult};

/// One condition of a `q` parameter.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// `k=v`
    Exact(String, String),
    /// `k=~v`
    Fuzzy(String, String),
    /// `k=[min~max]`, either bound optional.
    Range(String, Option<String>, Option<String>),
    /// `k={a b}`
    AnyOf(String, Vec<String>),
    /// `k=(a b)`
    AllOf(String, Vec<String>),
}

/// Parses a `q` value; malformed input is Harbor's 400.
pub fn parse_q(q: &str) -> ApiResult<Vec<Filter>> {
    let mut filters = Vec::new();
    for part in split_top_level(q) {
        let part = part.trim();
        if part.is_empty() {
            continue;
        }
        let (key, value) = part
            .split_once('=')
            .ok_or_else(|| ApiError::bad_request(format!("invalid query: {part}")))?;
        let key = key.trim().to_owned();
        if key.is_empty() {
            return Err(ApiError::bad_request(format!("invalid query: {part}")));
        }
        let filter = if let Some(v) = value.strip_prefix('~') {
            Filter::Fuzzy(key, v.to_owned())
        } else if let Some(inner) = value.strip_prefix('[').and_then(|v| v.strip_suffix(']')) {
            let (lo, hi) = inner
                .split_once('~')
                .ok_or_else(|| ApiError::bad_request(format!("invalid range query: {part}")))?;
            let bound = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_owned());
            Filter::Range(key, bound(lo), bound(hi))
        } else if let Some(inner) = value.strip_prefix('{').and_then(|v| v.strip_suffix('}')) {
            Filter::AnyOf(key, inner.split_whitespace().map(str::to_owned).collect())
        } else if let Some(inner) = value.strip_prefix('(').and_then(|v| v.strip_suffix(')')) {
            Filter::AllOf(key, inner.split_whitespace().map(str::to_owned).collect())
        } else {
            Filter::Exact(key, value.to_owned())
        };
        filters.push(filter);
    }
    Ok(filters)
}

// Commas inside [], {} or () belong to the value.
fn split_top_level(q: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let (mut depth, mut start) = (0i32, 0);
    for (i, c) in q.char_indices() {
        match c {
            '[' | '{' | '(' => depth += 1,
            ']' | '}' | ')' => depth -= 1,
            ',' if depth == 0 => {
                parts.push(&q[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    parts.push(&q[start..]);
    parts
}

fn field<'a>(doc: &'a Value, key: &str) -> Option<&'a Value> {
    // Harbor's `q` accepts a few aliases for nested fields; dotted paths reach into objects.
    key.split('.').try_fold(doc, |v, k| v.get(k))
}

fn text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

fn compare(a: &str, b: &str) -> Ordering {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => x.partial_cmp(&y).unwrap_or(Ordering::Equal),
        _ => a.cmp(b),
    }
}

/// A test on one field's value.
type Test<'a> = Box<dyn Fn(&Value) -> bool + 'a>;

impl Filter {
    /// Whether a document satisfies this condition (a missing field never does).
    pub fn matches(&self, doc: &Value) -> bool {
        let (key, test): (&str, Test<'_>) = match self {
            Filter::Exact(k, v) => (k, Box::new(move |f| text(f) == *v)),
            Filter::Fuzzy(k, v) => (k, Box::new(move |f| text(f).contains(v.as_str()))),
            Filter::Range(k, lo, hi) => (
                k,
                Box::new(move |f| {
                    let t = text(f);
                    lo.as_deref()
                        .is_none_or(|lo| compare(&t, lo) != Ordering::Less)
                        && hi
                            .as_deref()
                            .is_none_or(|hi| compare(&t, hi) != Ordering::Greater)
                }),
            ),
            Filter::AnyOf(k, vs) => (k, Box::new(move |f| vs.contains(&text(f)))),
            Filter::AllOf(k, vs) => (
                k,
                Box::new(move |f| match f {
                    Value::Array(items) => vs.iter().all(|v| items.iter().any(|i| text(i) == *v)),
                    other => vs.iter().all(|v| text(other) == *v),
                }),
            ),
        };
        match field(doc, key) {
            // Filtering a list field by one value means "contains it".
            Some(Value::Array(items)) if !matches!(self, Filter::AllOf(..)) => items
                .iter()
                .any(|i| test(i) || i.get("name").is_some_and(&test)),
            Some(v) => test(v),
            None => false,
        }
    }
}

/// Parses `sort`: comma-separated fields, `-` for descending. Unknown fields sort as equal.
pub fn parse_sort(sort: &str) -> Vec<(String, bool)> {
    sort.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| match s.strip_prefix('-') {
            Some(f) => (f.to_owned(), true),
            None => (s.to_owned(), false),
        })
        .collect()
}

/// Filters and sorts documents in place.
pub fn apply(docs: &mut Vec<Value>, filters: &[Filter], sort: &[(String, bool)]) {
    docs.retain(|d| filters.iter().all(|f| f.matches(d)));
    if !sort.is_empty() {
        docs.sort_by(|a, b| {
            for (key, desc) in sort {
                let ord = match (field(a, key), field(b, key)) {
                    (Some(x), Some(y)) => compare(&text(x), &text(y)),
                    (Some(_), None) => Ordering::Greater,
                    (None, Some(_)) => Ordering::Less,
                    (None, None) => Ordering::Equal,
                };
                let ord = if *desc { ord.reverse() } else { ord };
                if ord != Ordering::Equal {
                    return ord;
                }
            }
            Ordering::Equal
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn parses_every_form() {
        let f = parse_q("name=~dem,public=true,id=[2~5],kind={a b},tags=(x y)").unwrap();
        assert_eq!(f.len(), 5);
        assert_eq!(f[0], Filter::Fuzzy("name".into(), "dem".into()));
        assert_eq!(
            f[2],
            Filter::Range("id".into(), Some("2".into()), Some("5".into()))
        );
        assert!(parse_q("novalue").is_err());
    }

    #[test]
    fn filters_and_sorts() {
        let mut docs = vec![
            json!({"name":"b","id":2}),
            json!({"name":"a","id":10}),
            json!({"name":"c","id":3}),
        ];
        apply(
            &mut docs,
            &parse_q("id=[2~5]").unwrap(),
            &parse_sort("-name"),
        );
        assert_eq!(
            docs,
            vec![json!({"name":"c","id":3}), json!({"name":"b","id":2})]
        );
    }
}
