//! Harbor's list query language: `q` filters and `sort`, applied to JSON documents.
//!
//! `q=name=~demo,public=true`: `k=v` exact, `k=~v` fuzzy (substring, any case), `k=[a~b]` range,
//! `k={a b}` any of, `k=(a b)` all of (for list fields). `sort=name,-creation_time`.

use std::cmp::Ordering;

use serde_json::Value;

use crate::binding::query_unescape;
use crate::errors::{ApiError, ApiResult};
use crate::postgres_error::{self, SqlState};

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

/// Parses a `q` value as Harbor's `q.Build` does (`src/lib/q/builder.go`, `parseKeywords`):
/// the value go-swagger bound is unescaped once more (`url.QueryUnescape`, kept as is when
/// that fails), so `name%3D~lib` is `name=~lib` and a `+` is a space; then every comma ends
/// a condition, each needs a key and a value, and a value opening a fuzzy match, a range or
/// a list must be well formed; anything else is Harbor's 400. The conditions land in a map,
/// so of two conditions on one key the last one counts.
pub fn parse_q(q: &str) -> ApiResult<Vec<Filter>> {
    if q.is_empty() {
        return Ok(Vec::new());
    }
    let q = query_unescape(q).unwrap_or_else(|| q.to_owned());
    let mut filters: Vec<Filter> = Vec::new();
    for part in q.split(',') {
        let filter = parse_condition(part)?;
        filters.retain(|f| f.key() != filter.key());
        filters.push(filter);
    }
    Ok(filters)
}

/// Harbor's `parseValue` for range bounds and list items: trimmed, then stripped of
/// surrounding `"` and `'`.
fn list_value(s: &str) -> String {
    s.trim().trim_matches(['"', '\'']).to_owned()
}

fn parse_condition(part: &str) -> ApiResult<Filter> {
    let (key, value) = part
        .split_once('=')
        .filter(|(key, value)| !key.is_empty() && !value.is_empty())
        .ok_or_else(|| {
            ApiError::bad_request(
                r#"the query string must contain "=" and the key/value cannot be empty"#,
            )
        })?;
    let invalid = || ApiError::bad_request(format!("invalid query string value: {value}"));
    let key = key.to_owned();
    // Items are split at single spaces; an item empty after `parseValue` is dropped.
    let list = |inner: &str| -> Vec<String> {
        inner
            .split(' ')
            .map(list_value)
            .filter(|v| !v.is_empty())
            .collect()
    };
    Ok(match value.as_bytes()[0] {
        b'~' if value.len() > 1 => Filter::Fuzzy(key, value[1..].to_owned()),
        b'~' => return Err(invalid()),
        b'[' => {
            let inner = value[1..].strip_suffix(']').ok_or_else(invalid)?;
            if inner.matches('~').count() != 1 {
                return Err(invalid());
            }
            let (lo, hi) = inner.split_once('~').ok_or_else(invalid)?;
            let bound = |s: &str| (!s.trim().is_empty()).then(|| list_value(s));
            let (lo, hi) = (bound(lo), bound(hi));
            if lo.is_none() && hi.is_none() {
                return Err(invalid());
            }
            Filter::Range(key, lo, hi)
        }
        b'{' => Filter::AnyOf(key, list(value[1..].strip_suffix('}').ok_or_else(invalid)?)),
        b'(' => Filter::AllOf(key, list(value[1..].strip_suffix(')').ok_or_else(invalid)?)),
        // `escapeValue`: a leading backslash only escapes the character after it (`\~` is a
        // literal tilde, not a fuzzy match).
        _ => Filter::Exact(key, value.strip_prefix('\\').unwrap_or(value).to_owned()),
    })
}

/// A `q` key in snake case (`resourceType` -> `resource_type`): the name Harbor's
/// `setFilters` tries when the key as written is no field.
pub fn snake_case(key: &str) -> String {
    let mut out = String::new();
    for (i, c) in key.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

fn field<'a>(doc: &'a Value, key: &str) -> Option<&'a Value> {
    // Dotted paths reach into objects; a key that names no field is tried in snake case.
    let lookup = |key: &str| key.split('.').try_fold(doc, |v, k| v.get(k));
    lookup(key).or_else(|| lookup(&snake_case(key)))
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
    /// The key the condition is on.
    pub fn key(&self) -> &str {
        match self {
            Filter::Exact(k, _)
            | Filter::Fuzzy(k, _)
            | Filter::Range(k, ..)
            | Filter::AnyOf(k, _)
            | Filter::AllOf(k, _) => k,
        }
    }

    /// The value as an argument of raw SQL: beego's `getFlatParams` passes a string on, but
    /// panics on the struct `q.Build` parses a fuzzy match, a range or a list into
    /// (`need a valid args value, unknown table or value <type>`, its full Go name), which
    /// Harbor answers as beego's bare 500.
    pub(crate) fn raw_sql_argument(&self) -> ApiResult<&str> {
        let go_type = match self {
            Filter::Exact(_, v) => return Ok(v),
            Filter::Fuzzy(..) => "FuzzyMatchValue",
            Filter::Range(..) => "Range",
            Filter::AnyOf(..) => "OrList",
            Filter::AllOf(..) => "AndList",
        };
        Err(ApiError::panicked(format!(
            "need a valid args value, unknown table or value \
             `github.com/goharbor/harbor/src/lib/q.{go_type}`"
        )))
    }

    /// Whether a document satisfies this condition (a missing field never does).
    pub fn matches(&self, doc: &Value) -> bool {
        let (key, test): (&str, Test<'_>) = match self {
            Filter::Exact(k, v) => (k, Box::new(move |f| text(f) == *v)),
            // Harbor's fuzzy match is `__icontains`: case-insensitive.
            Filter::Fuzzy(k, v) => {
                let v = v.to_lowercase();
                (k, Box::new(move |f| text(f).to_lowercase().contains(&v)))
            }
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

/// Filters and sorts documents in place. A condition on a key that no document has is
/// skipped, as Harbor's `setFilters` skips a key that is no filterable field of the model
/// (`src/lib/orm/query.go`): a typo in `q` lists everything, it does not empty the list.
pub fn apply(docs: &mut Vec<Value>, filters: &[Filter], sort: &[(String, bool)]) {
    let known: Vec<&Filter> = filters
        .iter()
        .filter(|f| docs.iter().any(|d| field(d, f.key()).is_some()))
        .collect();
    docs.retain(|d| known.iter().all(|f| f.matches(d)));
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

/// Harbor's `snakeCase` (`src/lib/orm/metadata.go`): an upper-case letter after a lower-case
/// one, or before one, opens a new word (`ProjectID` is `project_id`, `HTTPCode` is
/// `http_code`); everything is lower-cased.
pub fn go_snake_case(key: &str) -> String {
    let runes: Vec<char> = key.chars().collect();
    let mut out = String::new();
    for (i, &c) in runes.iter().enumerate() {
        if i > 0
            && c.is_uppercase()
            && (runes.get(i + 1).is_some_and(|n| n.is_lowercase()) || runes[i - 1].is_lowercase())
        {
            out.push('_');
        }
        out.extend(c.to_lowercase());
    }
    out
}

/// A database table as Harbor's ORM reads its model (`src/lib/orm/metadata.go`
/// `parseModel`): the keys `q` may filter on and `sort` may order by are the fields, by their
/// Go name or their column name; the default order is the model's `sort:"default"` tag or
/// `GetDefaultSorts`. Rows are JSON objects keyed by column name.
#[derive(Debug, Clone, Copy)]
pub struct Model {
    /// `(Go field, column)` of every field that is a column, filterable and sortable.
    pub columns: &'static [(&'static str, &'static str)],
    /// The default order: `(column, descending)`.
    pub default_sort: &'static [(&'static str, bool)],
    /// The columns whose SQL type is not text, with it: PostgreSQL reads a condition's text
    /// as that type (see [`ColumnType`]).
    pub typed: &'static [(&'static str, ColumnType)],
}

/// A column's SQL type, as far as PostgreSQL's reading of a condition depends on it: the
/// ORM hands `q`'s text to the database, which refuses text that is not of the column's
/// type (an uncoded error: Harbor's 500). A fuzzy match casts the column to text
/// (`UPPER(col::text) LIKE`, beego's `GenerateOperatorLeftCol`), so it never fails.
///
/// PostgreSQL gives the statement's parameter the column's type (`"id" = $1` on an `int`
/// column is an `integer` parameter), so the type is the column's in Harbor's migrations
/// (`make/migrations/postgresql/`), `int` and `bigint` apart: the refusal names it, and a
/// number beyond it is out of range. The refusal is pgx's text of the server's error
/// ([`postgres_error::pg_error`]).
///
/// Not ported: PostgreSQL 16's non-decimal integers and underscores (`0x1F`, `1_000`), which
/// `int4in` and `int8in` read and this refuses; and a range bound or list item Go's
/// `strconv.ParseInt` reads (Harbor's `parseValue`) goes on as an `int64`, which pgx encodes
/// itself, so one beyond an `int` column's range fails in pgx (`failed to encode args[N]:
/// unable to encode ...`, `N` the argument's place in the statement) rather than in the
/// server, whose words this gives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColumnType {
    /// `int` (`integer`, `serial`): PostgreSQL's `int4in`.
    Integer,
    /// `bigint`: PostgreSQL's `int8in`.
    BigInt,
    /// `boolean`: PostgreSQL's `boolin`.
    Boolean,
    /// `timestamp` (without time zone): beego's rewriting of a string for a time column,
    /// then PostgreSQL's `timestamp_in` (`src/pg_timestamp.rs`); the column's values then
    /// compare as instants, not as text.
    Timestamp,
}

impl ColumnType {
    /// PostgreSQL's reading of `text` as this type: a timestamp's instant (microseconds
    /// since 2000-01-01; 0 for the other types), or its error as the uncoded error Harbor
    /// logs.
    fn read(self, text: &str) -> ApiResult<i64> {
        if self == ColumnType::Timestamp {
            let arg = crate::pg_timestamp::beego_datetime_arg(text);
            return crate::pg_timestamp::timestamp_in(&arg, crate::pg_timestamp::now())
                .map_err(ApiError::uncoded);
        }
        self.reads(text)
            .map(|()| 0)
            .map_err(|state| self.refusal(text, state))
    }

    /// Whether PostgreSQL reads `text` as this type: `Ok`, or its refusal's condition.
    fn reads(self, text: &str) -> Result<(), SqlState> {
        // `isspace`: C's white space, `\v` included.
        let t = text.trim_matches(|c: char| c.is_ascii_whitespace() || c == '\x0b');
        let invalid = Err(SqlState::InvalidTextRepresentation);
        match self {
            // `pg_strtoint32_safe`, `pg_strtoint64_safe`: a sign and decimal digits, else
            // invalid; then a value beyond the type's range is out of range.
            ColumnType::Integer | ColumnType::BigInt => {
                let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
                if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
                    return invalid;
                }
                let fits = if self == ColumnType::Integer {
                    t.parse::<i32>().is_ok()
                } else {
                    t.parse::<i64>().is_ok()
                };
                if fits {
                    Ok(())
                } else {
                    Err(SqlState::NumericValueOutOfRange)
                }
            }
            // `parse_bool_with_len`: a word or a unique prefix of one, in any case; `o`
            // alone is ambiguous (`on`, `off`).
            ColumnType::Boolean => {
                let lower = t.to_ascii_lowercase();
                let prefix_of =
                    |word: &str, min: usize| lower.len() >= min && word.starts_with(&lower);
                let reads = matches!(lower.as_str(), "1" | "0")
                    || prefix_of("true", 1)
                    || prefix_of("false", 1)
                    || prefix_of("yes", 1)
                    || prefix_of("no", 1)
                    || lower == "on"
                    || prefix_of("off", 2);
                if reads { Ok(()) } else { invalid }
            }
            ColumnType::Timestamp => invalid,
        }
    }

    /// PostgreSQL's error for `text` (the text as given, white space and all), as the
    /// uncoded error Harbor logs: `int4in`'s, `int8in`'s and `boolin`'s words.
    fn refusal(self, text: &str, state: SqlState) -> ApiError {
        let name = match self {
            ColumnType::Integer => "integer",
            ColumnType::BigInt => "bigint",
            ColumnType::Boolean => "boolean",
            ColumnType::Timestamp => "timestamp",
        };
        if state == SqlState::NumericValueOutOfRange {
            postgres_error::refusal(
                state,
                format_args!("value \"{text}\" is out of range for type {name}"),
            )
        } else {
            postgres_error::refusal(
                state,
                format_args!("invalid input syntax for type {name}: \"{text}\""),
            )
        }
    }
}

/// An operator a `q` key may name after the ORM's `__` separator (`size__gt=10`), the ones
/// `setFilters` lets through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operator {
    /// `__icontains`: `UPPER(col::text) LIKE UPPER('%v%')`, the value's own `%` and `_`
    /// wildcards (nothing escapes them on this path).
    IContains,
    /// `__in`, `__exact`: equal.
    Equal,
    /// `__gt`.
    Gt,
    /// `__gte`.
    Gte,
    /// `__lt`.
    Lt,
    /// `__lte`.
    Lte,
}

impl Operator {
    fn parse(name: &str) -> Option<Self> {
        Some(match name {
            "icontains" => Self::IContains,
            "in" | "exact" => Self::Equal,
            "gt" => Self::Gt,
            "gte" => Self::Gte,
            "lt" => Self::Lt,
            "lte" => Self::Lte,
            _ => return None,
        })
    }
}

/// One condition of `q` on a column, as `setFilters` applies it: the value's form, and the
/// operator its key names, if any.
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    /// The value.
    pub filter: Filter,
    /// The operator after `__` in the key.
    pub operator: Option<Operator>,
    /// On a timestamp column, the values PostgreSQL read, as instants (microseconds since
    /// 2000-01-01), in the value's order (a range's bounds as given, a list's items); the
    /// column compares with them rather than with the text.
    pub instants: Option<Vec<i64>>,
    /// Whether the column is a timestamp: a text match (`=~`, `__icontains`) reads its
    /// text as PostgreSQL casts it (`2024-01-31 12:00:00`), not the answer's RFC 3339.
    pub timestamp_column: bool,
}

impl Model {
    /// The column `key` names: a field or column name as written.
    fn column(&self, key: &str) -> Option<&'static str> {
        self.columns
            .iter()
            .find(|(field, column)| *field == key || *column == key)
            .map(|(_, column)| *column)
    }

    /// The column a `q` key's field part names (`setFilters`): as written, else in snake
    /// case.
    pub fn filter_column(&self, field: &str) -> Option<&'static str> {
        self.column(field)
            .or_else(|| self.column(&go_snake_case(field)))
    }

    /// The conditions of `filters` that `setFilters` applies, with their columns. A key is
    /// a field, or a field, `__` and an operator ([`Operator`]); a key with more than one
    /// `__`, an unknown operator or no column is skipped, and so is an and-list (`(a b)`),
    /// which `setFilters` leaves to the DAO. A fuzzy match, a range or an or-list under a
    /// key with an operator makes the ORM a field `size__gt__icontains`, on which beego
    /// panics (`unknown field/column name`): Harbor's bare 500. A value PostgreSQL cannot
    /// read as the column's type is its error, Harbor's 500 ([`ColumnType`]).
    pub fn filters(&self, filters: &[Filter]) -> ApiResult<Vec<(&'static str, Condition)>> {
        let mut conditions = Vec::new();
        for f in filters {
            let key = f.key();
            let pieces: Vec<&str> = key.split("__").collect();
            if pieces.len() > 2 || matches!(f, Filter::AllOf(..)) {
                continue;
            }
            let Some(column) = self.filter_column(pieces[0]) else {
                continue;
            };
            let operator = match pieces.get(1) {
                None => None,
                Some(name) => match Operator::parse(name) {
                    Some(op) => Some(op),
                    None => continue,
                },
            };
            if operator.is_some() {
                let suffix = match f {
                    Filter::Fuzzy(..) => Some("icontains"),
                    Filter::Range(_, Some(_), _) => Some("gte"),
                    Filter::Range(..) => Some("lte"),
                    Filter::AnyOf(..) => Some("in"),
                    _ => None,
                };
                if let Some(suffix) = suffix {
                    return Err(ApiError::panicked(format!(
                        "unknown field/column name `{key}__{suffix}`"
                    )));
                }
            }
            let (mut instants, mut timestamp_column) = (None, false);
            if let Some((_, kind)) = self.typed.iter().find(|(c, _)| *c == column) {
                let texts: Vec<&str> = match f {
                    Filter::Exact(_, v) if operator != Some(Operator::IContains) => vec![v],
                    Filter::Range(_, lo, hi) => lo.iter().chain(hi).map(String::as_str).collect(),
                    Filter::AnyOf(_, vs) => vs.iter().map(String::as_str).collect(),
                    _ => Vec::new(),
                };
                let values = texts
                    .into_iter()
                    .map(|t| kind.read(t))
                    .collect::<ApiResult<Vec<i64>>>()?;
                let text_match =
                    matches!(f, Filter::Fuzzy(..)) || operator == Some(Operator::IContains);
                if *kind == ColumnType::Timestamp {
                    timestamp_column = true;
                    if !text_match {
                        instants = Some(values);
                    }
                }
            }
            conditions.push((
                column,
                Condition {
                    filter: f.clone(),
                    operator,
                    instants,
                    timestamp_column,
                },
            ));
        }
        Ok(conditions)
    }

    /// The order `sort` asks for (`q.ParseSorting`, then `setSorts`): split at commas, not
    /// trimmed, a leading `-` descending; a key that is not a field or column name as
    /// written is skipped; with none left, the model's default order.
    pub fn sorts(&self, sort: Option<&str>) -> Vec<(&'static str, bool)> {
        let asked: Vec<(&'static str, bool)> = sort
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.split(',')
                    .filter_map(|item| {
                        let (key, desc) = match item.strip_prefix('-') {
                            Some(k) => (k, true),
                            None => (item, false),
                        };
                        self.column(key).map(|c| (c, desc))
                    })
                    .collect()
            })
            .unwrap_or_default();
        if asked.is_empty() {
            self.default_sort.to_vec()
        } else {
            asked
        }
    }
}

/// The caller's conditions without those on `keys`: a handler that sets its own keyword
/// (`query.Keywords["RepositoryName"] = ...`) replaces the caller's condition on that exact
/// key, the keywords being a map; the same column under another name stays.
pub fn without_keys(filters: Vec<Filter>, keys: &[&str]) -> Vec<Filter> {
    filters
        .into_iter()
        .filter(|f| !keys.contains(&f.key()))
        .collect()
}

/// Whether a row's `column` satisfies `condition` as the ORM's query does: exact (numbers
/// as numbers), `__icontains` for a fuzzy match, `__gte`/`__lte` for a range, `__in` for an
/// or-list; an exact value under a key's operator compares as the operator does.
pub fn column_matches(row: &Value, column: &str, condition: &Condition) -> bool {
    let Some(value) = row.get(column) else {
        return false;
    };
    if let Some(instants) = &condition.instants {
        return instant_matches(value, condition, instants);
    }
    // Only a timestamp column's text is read as a time: every other row value is compared
    // as it is, without an RFC 3339 parse per row.
    let as_time = condition
        .timestamp_column
        .then(|| value.as_str().and_then(crate::pg_timestamp::from_rfc3339))
        .flatten();
    let value = match as_time {
        Some(at) => crate::pg_timestamp::output(at),
        None => text(value),
    };
    let equal = |v: &str| match (value.parse::<f64>(), v.parse::<f64>()) {
        (Ok(x), Ok(y)) => x == y,
        _ => value == v,
    };
    if let (Some(op), Filter::Exact(_, v)) = (condition.operator, &condition.filter) {
        let order = compare(&value, v);
        return match op {
            Operator::Equal => equal(v),
            Operator::Gt => order == Ordering::Greater,
            Operator::Gte => order != Ordering::Less,
            Operator::Lt => order == Ordering::Less,
            Operator::Lte => order != Ordering::Greater,
            Operator::IContains => {
                sql_like(&value.to_uppercase(), &format!("%{}%", v.to_uppercase()))
            }
        };
    }
    match &condition.filter {
        Filter::Exact(_, v) => equal(v),
        Filter::Fuzzy(_, v) => value.to_lowercase().contains(&v.to_lowercase()),
        Filter::Range(_, lo, hi) => {
            lo.as_deref()
                .is_none_or(|lo| compare(&value, lo) != Ordering::Less)
                && hi
                    .as_deref()
                    .is_none_or(|hi| compare(&value, hi) != Ordering::Greater)
        }
        Filter::AnyOf(_, vs) => vs.iter().any(|v| equal(v)),
        Filter::AllOf(..) => true,
    }
}

/// [`column_matches`] on a timestamp column: the row's time (an RFC 3339 answer) against
/// the instants PostgreSQL read from the condition's values. A row without a time (JSON
/// `null`) is SQL's NULL, which no comparison holds for.
fn instant_matches(value: &Value, condition: &Condition, instants: &[i64]) -> bool {
    let Some(at) = value.as_str().and_then(crate::pg_timestamp::from_rfc3339) else {
        return false;
    };
    let first = instants.first().copied();
    match (&condition.filter, condition.operator) {
        (Filter::Exact(..), op) => {
            let Some(v) = first else { return false };
            match op {
                None | Some(Operator::Equal) => at == v,
                Some(Operator::Gt) => at > v,
                Some(Operator::Gte) => at >= v,
                Some(Operator::Lt) => at < v,
                Some(Operator::Lte) => at <= v,
                // Not converted: `filters` keeps no instants for a text match.
                Some(Operator::IContains) => false,
            }
        }
        (Filter::Range(_, lo, _), _) => {
            let (low, high) = if lo.is_some() {
                (first, instants.get(1).copied())
            } else {
                (None, first)
            };
            low.is_none_or(|l| at >= l) && high.is_none_or(|h| at <= h)
        }
        (Filter::AnyOf(..), _) => instants.contains(&at),
        _ => true,
    }
}

/// Orders rows by `sorts` (columns, descending or not); rows equal on every key keep their
/// order.
pub fn sort_rows<T>(rows: &mut [T], sorts: &[(&str, bool)], row: impl Fn(&T) -> &Value) {
    rows.sort_by(|a, b| {
        for (column, desc) in sorts {
            let ord = match (row(a).get(*column), row(b).get(*column)) {
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

/// PostgreSQL's `value LIKE pattern` with its default escape character `\`: `%` matches any
/// run of characters, `_` any one character, `\` makes the next character literal; case
/// counts. The raw SQL of Harbor's name searches (`SearchByName` of the user and user group
/// DAOs) hands the searched text to it unescaped, between two `%`. A pattern ending in a
/// lone `\` (PostgreSQL's error; the searches never make one) takes it literally.
pub fn sql_like(value: &str, pattern: &str) -> bool {
    #[derive(Clone, Copy, PartialEq)]
    enum Token {
        AnyRun,
        AnyOne,
        Literal(char),
    }
    let mut tokens = Vec::new();
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '%' => Token::AnyRun,
            '_' => Token::AnyOne,
            '\\' => Token::Literal(chars.next().unwrap_or('\\')),
            c => Token::Literal(c),
        });
    }
    let value: Vec<char> = value.chars().collect();
    let (mut t, mut v) = (0, 0);
    // The last `%` met and the value position it was tried from: a mismatch lets it take
    // one more character.
    let mut backtrack: Option<(usize, usize)> = None;
    while v < value.len() {
        match tokens.get(t) {
            Some(Token::Literal(c)) if *c == value[v] => (t, v) = (t + 1, v + 1),
            Some(Token::AnyOne) => (t, v) = (t + 1, v + 1),
            Some(Token::AnyRun) => {
                backtrack = Some((t, v));
                t += 1;
            }
            _ => match backtrack {
                Some((run, from)) => {
                    backtrack = Some((run, from + 1));
                    (t, v) = (run + 1, from + 1);
                }
                None => return false,
            },
        }
    }
    tokens[t..].iter().all(|token| *token == Token::AnyRun)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn postgresql_reads_integers_and_booleans_as_it_does() {
        use ColumnType::{BigInt, Boolean, Integer};
        let invalid = Err(SqlState::InvalidTextRepresentation);
        let out_of_range = Err(SqlState::NumericValueOutOfRange);
        for ok in ["12", " -7 ", "+3", "\x0b5\n", "2147483647", "-2147483648"] {
            assert_eq!(Integer.reads(ok), Ok(()), "{ok}");
            assert_eq!(BigInt.reads(ok), Ok(()), "{ok}");
        }
        for big in ["2147483648", "-2147483649", "9223372036854775807"] {
            assert_eq!(Integer.reads(big), out_of_range, "{big}");
            assert_eq!(BigInt.reads(big), Ok(()), "{big}");
        }
        for huge in [
            "9223372036854775808",
            "-9223372036854775809",
            "99999999999999999999",
        ] {
            assert_eq!(Integer.reads(huge), out_of_range, "{huge}");
            assert_eq!(BigInt.reads(huge), out_of_range, "{huge}");
        }
        for bad in ["", "abc", "1.5", "1e3", "0x1F", "1 2", "- 1", "+"] {
            assert_eq!(Integer.reads(bad), invalid, "{bad}");
            assert_eq!(BigInt.reads(bad), invalid, "{bad}");
        }
        for ok in [
            "t", "TRUE", "tr", "f", "fal", "y", "yes", "n", "no", "on", "of", "off", "1", "0",
            " true ",
        ] {
            assert_eq!(Boolean.reads(ok), Ok(()), "{ok}");
        }
        for bad in ["", "o", "2", "truer", "yess", "nope", "onn"] {
            assert_eq!(Boolean.reads(bad), invalid, "{bad}");
        }
    }

    #[test]
    fn refuses_in_postgresqls_words_through_pgx() {
        let cause = |kind: ColumnType, text: &str| kind.read(text).unwrap_err().message;
        assert_eq!(
            cause(ColumnType::BigInt, "abc"),
            "ERROR: invalid input syntax for type bigint: \"abc\" (SQLSTATE 22P02)"
        );
        assert_eq!(
            cause(ColumnType::Integer, " 1.5"),
            "ERROR: invalid input syntax for type integer: \" 1.5\" (SQLSTATE 22P02)"
        );
        assert_eq!(
            cause(ColumnType::Boolean, "maybe"),
            "ERROR: invalid input syntax for type boolean: \"maybe\" (SQLSTATE 22P02)"
        );
        assert_eq!(
            cause(ColumnType::Integer, "3000000000"),
            "ERROR: value \"3000000000\" is out of range for type integer (SQLSTATE 22003)"
        );
        assert_eq!(
            cause(ColumnType::BigInt, "99999999999999999999"),
            "ERROR: value \"99999999999999999999\" is out of range for type bigint \
             (SQLSTATE 22003)"
        );
    }

    #[test]
    fn a_keys_operator_compares_an_exact_value() {
        let model = Model {
            columns: &[("Size", "size"), ("Name", "name")],
            default_sort: &[],
            typed: &[("size", ColumnType::BigInt)],
        };
        let row = json!({"size": 10, "name": "Alpha_1"});
        let holds = |q: &str| {
            let conditions = model.filters(&parse_q(q).unwrap()).unwrap();
            conditions.iter().all(|(c, f)| column_matches(&row, c, f))
        };
        assert!(holds("size__gt=9") && !holds("size__gt=10") && holds("size__gte=10"));
        assert!(holds("size__lt=11") && !holds("size__lt=10") && holds("size__lte=10"));
        assert!(holds("Size__exact=10") && holds("size__in=10"));
        assert!(holds("name__icontains=PHA_") && holds("name__icontains=a%1"));
        assert!(!holds("name__icontains=b"));
        assert!(holds("size__ne=1") && holds("size__gt__lt=1"), "skipped");
        assert!(holds("name=(a b)"), "an and-list is left to the DAO");
        let refused = |q: &str| model.filters(&parse_q(q).unwrap()).unwrap_err();
        assert_eq!(refused("size__gt=~1").status, 500);
        assert_eq!(refused("size=x").status, 500);
        assert!(
            model.filters(&parse_q("size=~x").unwrap()).is_ok(),
            "text cast"
        );
    }

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
    fn malformed_conditions_are_harbors_400s() {
        let message = |q: &str| parse_q(q).unwrap_err().to_string();
        for q in ["novalue", "a=", "=b", "a=b,", "a=b,,c=d"] {
            assert!(message(q).contains("key/value cannot be empty"), "{q}");
        }
        for (q, value) in [
            ("name=~", "~"),
            ("id=[2", "[2"),
            ("id=[~]", "[~]"),
            ("id=[1~2~3]", "[1~2~3]"),
            ("kind={a b", "{a b"),
            ("tags=(x", "(x"),
            // Harbor splits on every comma, even inside a list.
            ("kind={a,b}", "{a"),
        ] {
            assert!(
                message(q).contains(&format!("invalid query string value: {value}")),
                "{q}: {}",
                message(q)
            );
        }
        assert!(parse_q("").unwrap().is_empty());
    }

    #[test]
    fn fuzzy_ignores_case_and_unknown_keys_are_skipped() {
        let mut docs = vec![json!({"name":"Library"}), json!({"name":"demo"})];
        apply(&mut docs, &parse_q("name=~LIB").unwrap(), &[]);
        assert_eq!(docs, vec![json!({"name":"Library"})]);
        let mut docs = vec![json!({"name":"a"}), json!({"name":"b"})];
        apply(&mut docs, &parse_q("nmae=a").unwrap(), &[]);
        assert_eq!(docs.len(), 2, "a key no document has is skipped");
        let mut docs = vec![
            json!({"resource_type":"project"}),
            json!({"resource_type":"robot"}),
        ];
        apply(&mut docs, &parse_q("resourceType=robot").unwrap(), &[]);
        assert_eq!(
            docs,
            vec![json!({"resource_type":"robot"})],
            "snake case fallback"
        );
    }

    #[test]
    fn q_is_unescaped_a_second_time() {
        // What the binder hands on, unescaped again by `parseKeywords`.
        assert_eq!(
            parse_q("name%3D~lib").unwrap(),
            [Filter::Fuzzy("name".into(), "lib".into())]
        );
        assert_eq!(
            parse_q("name=a+b").unwrap(),
            [Filter::Exact("name".into(), "a b".into())]
        );
        // A malformed escape keeps the string as it came.
        assert_eq!(
            parse_q("name=100%").unwrap(),
            [Filter::Exact("name".into(), "100%".into())]
        );
        assert_eq!(
            parse_q("tags=%7Ba%20%22b%22%7D").unwrap(),
            [Filter::AnyOf("tags".into(), vec!["a".into(), "b".into()])]
        );
    }

    #[test]
    fn values_as_harbors_parse_value() {
        assert_eq!(
            parse_q(r"name=\~x").unwrap(),
            [Filter::Exact("name".into(), "~x".into())]
        );
        assert_eq!(
            parse_q("id=[ '2' ~ ]").unwrap(),
            [Filter::Range("id".into(), Some("2".into()), None)]
        );
        assert_eq!(
            parse_q("kind={a  'b' \"\"}").unwrap(),
            [Filter::AnyOf("kind".into(), vec!["a".into(), "b".into()])]
        );
        assert_eq!(
            parse_q("name=a,public=true,name=b").unwrap(),
            [
                Filter::Exact("public".into(), "true".into()),
                Filter::Exact("name".into(), "b".into())
            ],
            "a map: the last condition on a key wins"
        );
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

    #[test]
    fn sql_like_is_postgresqls() {
        for (value, pattern, matches) in [
            ("alice", "%a_i%", true),
            ("a_ice", "%a_i%", true),
            ("alice", "%a\\_i%", false),
            ("a_ice", "%a\\_i%", true),
            ("alice", "%AL%", false),
            ("alice", "%%", true),
            ("", "%%", true),
            ("ab", "%a%b%", true),
            ("aXXb", "a%b", true),
            ("aXXbc", "a%b", false),
            ("abc", "a__", true),
            ("ab", "a__", false),
            ("ünï", "%n_%", true),
            ("50%", "%0\\%", true),
            ("500", "%0\\%", false),
            ("x\\", "x\\", true),
        ] {
            assert_eq!(
                sql_like(value, pattern),
                matches,
                "{value:?} like {pattern:?}"
            );
        }
    }

    #[test]
    fn struct_values_are_beegos_panic_as_raw_sql_arguments() {
        let filters = parse_q("a=x,b=~y,c=[1~2],d={1 2},e=(1 2)").expect("a q");
        assert_eq!(filters[0].raw_sql_argument(), Ok("x"));
        for (filter, go_type) in
            filters[1..]
                .iter()
                .zip(["FuzzyMatchValue", "Range", "OrList", "AndList"])
        {
            let refused = filter.raw_sql_argument().unwrap_err();
            assert!(refused.panicked, "{filter:?}");
            assert_eq!(
                refused.message,
                format!(
                    "need a valid args value, unknown table or value \
                     `github.com/goharbor/harbor/src/lib/q.{go_type}`"
                )
            );
        }
    }
}
