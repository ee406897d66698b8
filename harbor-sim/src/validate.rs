//! Checks a request against its operation before any handler runs, as the go-swagger layer in
//! front of Harbor's handlers does: parameters by their spec type and constraints, the body
//! against the operation's JSON Schema (generated from the spec into
//! `generated/schemas.json`). Every failure is 422 with go-swagger's message, which Harbor
//! passes on as `{"errors":[{"code":"UNPROCESSABLE_ENTITY","message":"validation failure
//! list:\n..."}]}` (`src/lib/http/error.go`, `apiError`).
//!
//! Empty query and header values count as absent, as in go-swagger's binders ("empty values
//! pass all other validations"); a repeated query parameter counts by its last value.

use std::collections::HashMap;
use std::sync::LazyLock;

use jsonschema::error::ValidationErrorKind;
use jsonschema::paths::LocationSegment;
use jsonschema::{Draft, Validator};
use serde_json::Value;

use crate::binding::{convert_int, go_quote};
use crate::context::Ctx;
use crate::errors::{ApiError, ApiResult};
use crate::negotiation;
use crate::operation::{OpSpec, ParamIn, ParamKind, ParamSpec, TABLE};
use crate::{body_shapes, go_json, go_time};

/// The generated JSON Schemas: `definitions`, `requests` by operation id, `responses` by
/// operation id and status.
pub const SCHEMAS_JSON: &str = include_str!("generated/schemas.json");

/// The generated schemas, parsed once per process.
static SCHEMA_DOCUMENT: LazyLock<Value> = LazyLock::new(|| {
    // The document is generated and checked by `cargo xtask codegen`'s freshness test; a
    // failure here is a build defect, not user input.
    serde_json::from_str(SCHEMAS_JSON).expect("generated/schemas.json is valid JSON")
});

/// The request-body validators, compiled once per process.
static REQUEST_VALIDATORS: LazyLock<HashMap<&'static str, Validator>> =
    LazyLock::new(compile_request_validators);

/// Compiles the request-body validators now rather than on the first request.
pub fn warm_up() {
    LazyLock::force(&REQUEST_VALIDATORS);
}

fn compile_request_validators() -> HashMap<&'static str, Validator> {
    let document = &*SCHEMA_DOCUMENT;
    let options = schema_options();
    TABLE
        .iter()
        .filter(|op| op.body_param().is_some())
        .filter_map(|op| {
            let body = document["requests"].get(op.id)?;
            let schema = serde_json::json!({
                "definitions": document["definitions"],
                "allOf": [body],
            });
            let validator = options
                .build(&schema)
                .unwrap_or_else(|e| panic!("the generated schema of {} compiles: {e}", op.id));
            Some((op.id, validator))
        })
        .collect()
}

/// Draft 4 (Swagger 2.0's dialect) with the formats go-swagger enforces.
fn schema_options() -> jsonschema::ValidationOptions<'static> {
    jsonschema::options()
        .with_draft(Draft::Draft4)
        .should_validate_formats(true)
        .should_ignore_unknown_formats(true)
        .with_format("date-time", |v| go_time::parse_date_time(v).is_ok())
        // go-swagger's `uri` only has to parse as a URL reference: anything goes.
        .with_format("uri", |_| true)
}

/// Validates path, query, header and body parameters of a routed request.
pub fn validate(ctx: &Ctx) -> ApiResult<()> {
    // The media types come first, and alone: go-openapi binds no parameter after them.
    if let Some(failure) = negotiation::check(ctx.op, &ctx.headers, !ctx.body.is_empty()) {
        return Err(validation_failure(vec![failure]));
    }
    let mut failures = Vec::new();
    for p in ctx.op.params {
        let value = match p.location {
            ParamIn::Query => ctx.query(p.name),
            ParamIn::Header => ctx.header(p.name).filter(|v| !v.is_empty()),
            ParamIn::Path => Some(ctx.path(p.name)),
            ParamIn::Body => {
                failures.extend(check_body(ctx.op, p, &ctx.body));
                continue;
            }
        };
        match value {
            Some(v) => failures.extend(check_param(p, v)),
            None if p.required => failures.push(format!("{} in {} is required", p.name, place(p))),
            None => {}
        }
    }
    if !failures.is_empty() {
        return Err(validation_failure(failures));
    }
    if ctx.op.paginated {
        ctx.filters()?;
    }
    Ok(())
}

/// go-swagger's 422: "validation failure list:" and one line per failure.
pub fn validation_failure(failures: Vec<String>) -> ApiError {
    let mut message = String::from("validation failure list:");
    for f in failures {
        message.push('\n');
        message.push_str(&f);
    }
    ApiError::unprocessable(message)
}

fn place(p: &ParamSpec) -> &'static str {
    match p.location {
        ParamIn::Path => "path",
        ParamIn::Query => "query",
        ParamIn::Header => "header",
        ParamIn::Body => "body",
    }
}

/// The type name go-swagger puts in "must be of type" messages.
fn go_type(p: &ParamSpec) -> &'static str {
    match (p.kind, p.format) {
        (ParamKind::Integer, Some("int32")) => "int32",
        (ParamKind::Integer, _) => "int64",
        (ParamKind::Number, Some("float")) => "float32",
        (ParamKind::Number, _) => "float64",
        (ParamKind::Boolean, _) => "bool",
        _ => "string",
    }
}

/// The bit size of an integer parameter (`int32`; anything else is go-swagger's `int64`).
fn int_bits(p: &ParamSpec) -> u32 {
    if p.format == Some("int32") { 32 } else { 64 }
}

/// One non-body parameter's value against its spec type and constraints, as go-swagger's
/// generated binder (`server/parameter.gotmpl`) converts and then validates it: integers
/// through `swag.ConvertInt64`/`ConvertInt32`, numbers through `ConvertFloat64`, booleans
/// through `swag.ConvertBool` (which never fails), arrays split by `swag.SplitByFormat`
/// (their items are strings without constraints in Harbor's spec); then maximum, minimum,
/// lengths and enum, in that order.
fn check_param(p: &ParamSpec, value: &str) -> Vec<String> {
    let (name, place) = (p.name, place(p));
    let type_error = || {
        vec![format!(
            "{name} in {place} must be of type {}: {}",
            go_type(p),
            go_quote(value)
        )]
    };
    let number = match p.kind {
        ParamKind::Integer => match convert_int(value, int_bits(p)) {
            Some(n) => Some(n),
            None => return type_error(),
        },
        ParamKind::Number => {
            // Go's `ParseFloat` also takes hex floats and `_` in them; the spec has no number
            // parameter, so Rust's grammar stands in.
            if value.parse::<f64>().is_err() {
                return type_error();
            }
            None
        }
        // `swag.ConvertBool` has no error: `nope` binds as false, so no boolean fails here.
        ParamKind::Boolean => None,
        // No constraint of Harbor's spec applies to an array or its items.
        ParamKind::Array => return Vec::new(),
        _ => None,
    };
    let mut failures = Vec::new();
    if let Some(n) = number {
        if let Some(max) = p.maximum.filter(|max| n > *max) {
            failures.push(format!(
                "{name} in {place} should be less than or equal to {max}"
            ));
        }
        if let Some(min) = p.minimum.filter(|min| n < *min) {
            failures.push(format!(
                "{name} in {place} should be greater than or equal to {min}"
            ));
        }
    }
    let chars = value.chars().count() as u64;
    if let Some(max) = p.max_length.filter(|max| chars > *max) {
        failures.push(format!(
            "{name} in {place} should be at most {max} chars long"
        ));
    }
    if let Some(min) = p.min_length.filter(|min| chars < *min) {
        failures.push(format!(
            "{name} in {place} should be at least {min} chars long"
        ));
    }
    if !p.enum_values.is_empty() && !p.enum_values.contains(&value) {
        failures.push(format!(
            "{name} in {place} should be one of [{}]",
            p.enum_values.join(" ")
        ));
    }
    failures
}

/// The body against the operation's schema. A body that is not JSON, or whose values have the
/// wrong JSON type, fails go's decoder first ("parsing ... failed"); the rest is go-swagger's
/// model validation, one line per failure.
fn check_body(op: &OpSpec, p: &ParamSpec, body: &[u8]) -> Vec<String> {
    let name = p.name;
    if body.iter().all(u8::is_ascii_whitespace) {
        return if p.required {
            vec![format!("{name} in body is required")]
        } else {
            Vec::new()
        };
    }
    // go-openapi's JSON consumer: Go's decoder reads the first value into the body's Go type;
    // its error (syntax, a value of the wrong type, a `strfmt.DateTime` refusing its text)
    // ends the request before any model validation.
    let end = match body_shapes::body_shape(op.id) {
        Some(shape) => match go_json::decode(body, shape, body_shapes::definition) {
            Ok(end) => end.unwrap_or(body.len()),
            Err(e) => return vec![format!("parsing {name} body from \"\" failed, because {e}")],
        },
        None => body.len(),
    };
    let mut value: Value = match serde_json::from_slice(&body[..end]) {
        Ok(v) => v,
        Err(e) => return vec![format!("parsing {name} body from \"\" failed, because {e}")],
    };
    // Go decodes `null` as "not given": drop null members so `required` sees them missing.
    drop_nulls(&mut value);
    let Some(validator) = REQUEST_VALIDATORS.get(op.id) else {
        return Vec::new();
    };
    let mut failures = Vec::new();
    for error in validator.iter_errors(&value) {
        let path = dotted(error.instance_path().segments());
        match error.kind() {
            // What the Go type refuses, Go's decoder refused above; what it took (a
            // `date-time` `strfmt` parses, a value of its Go type) is no failure of the model.
            ValidationErrorKind::Format { format } if format == "date-time" => {}
            ValidationErrorKind::Type { .. } => {}
            _ if optional_zero(op.id, error.schema_path().as_str(), error.instance()) => {}
            ValidationErrorKind::Required { property } => {
                let property = property.as_str().unwrap_or_default();
                failures.push(format!("{} in body is required", join(&path, property)));
            }
            kind => failures.push(format!(
                "{} in body {}",
                or_name(&path, name),
                broken_rule(kind, error.instance())
            )),
        }
    }
    if failures.is_empty() {
        failures
    } else {
        // The model's own Validate wraps its failures in a list of their own.
        vec![
            std::iter::once("validation failure list:".to_owned())
                .chain(failures)
                .collect::<Vec<_>>()
                .join("\n"),
        ]
    }
}

/// Whether a failed rule belongs to a property that is not required and holds its Go zero
/// value (`""`, `0`, `false`): a go-swagger model validates such a property not at all
/// (`if swag.IsZero(m.X) { // not required` in every generated `validateX`), so an empty
/// `schedule.type` passes although the enum lacks it. `keyword_location` is the rule's
/// place in the validator's schema: in the generated definitions
/// (`/definitions/ScheduleObj/properties/type/enum`) or in the operation's own body schema
/// (`/allOf/0/...`).
fn optional_zero(op_id: &str, keyword_location: &str, instance: &Value) -> bool {
    // (`null` members were dropped before validation.)
    if !crate::omitempty::is_empty(instance) {
        return false;
    }
    // The parent object's schema is where the last `properties/<name>` begins.
    let Some((parent, rest)) = keyword_location.rsplit_once("/properties/") else {
        return false;
    };
    let property = rest.split('/').next().unwrap_or_default();
    let parent = match parent.strip_prefix("/allOf/0") {
        Some(in_body) => SCHEMA_DOCUMENT["requests"][op_id].pointer(in_body),
        None => SCHEMA_DOCUMENT.pointer(parent),
    };
    parent.is_some_and(|parent| {
        !parent["required"]
            .as_array()
            .is_some_and(|required| required.iter().any(|r| r == property))
    })
}

/// go-openapi's words for a failed rule, after "<name> in body".
fn broken_rule(kind: &ValidationErrorKind, instance: &Value) -> String {
    match kind {
        ValidationErrorKind::Enum { options } => {
            let values: Vec<String> = options
                .as_array()
                .into_iter()
                .flatten()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect();
            format!("should be one of [{}]", values.join(" "))
        }
        ValidationErrorKind::MaxLength { limit } => format!("should be at most {limit} chars long"),
        ValidationErrorKind::MinLength { limit } => {
            format!("should be at least {limit} chars long")
        }
        ValidationErrorKind::Maximum { limit } => {
            format!("should be less than or equal to {limit}")
        }
        ValidationErrorKind::Minimum { limit } => {
            format!("should be greater than or equal to {limit}")
        }
        ValidationErrorKind::Format { format } => format!("must be of type {format}: {instance}"),
        ValidationErrorKind::Pattern { pattern } => format!("should match '{pattern}'"),
        other => format!("fails {}", other.keyword()),
    }
}

fn drop_nulls(value: &mut Value) {
    match value {
        Value::Object(map) => {
            map.retain(|_, v| !v.is_null());
            map.values_mut().for_each(drop_nulls);
        }
        Value::Array(items) => items.iter_mut().for_each(drop_nulls),
        _ => {}
    }
}

/// `/metadata/public` as go-swagger names it: `metadata.public`.
fn dotted<'a>(segments: impl Iterator<Item = LocationSegment<'a>>) -> String {
    segments
        .map(|s| match s {
            LocationSegment::Property(p) => p.into_owned(),
            LocationSegment::Index(i) => i.to_string(),
        })
        .collect::<Vec<_>>()
        .join(".")
}

fn join(path: &str, property: &str) -> String {
    if path.is_empty() {
        property.to_owned()
    } else {
        format!("{path}.{property}")
    }
}

fn or_name(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_owned()
    } else {
        path.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_request_schema_compiles() {
        let with_body = TABLE.iter().filter(|op| op.body_param().is_some()).count();
        assert_eq!(REQUEST_VALIDATORS.len(), with_body);
    }

    #[test]
    fn bodies_fail_as_go_swagger_says() {
        let scanner = OpSpec::by_id("createScanner").unwrap();
        let registration = scanner.body_param().unwrap();
        assert_eq!(
            check_body(scanner, registration, br#"{"name":"x","url":null}"#),
            ["validation failure list:\nurl in body is required"]
        );
        let op = OpSpec::by_id("createProject").unwrap();
        let p = op.body_param().unwrap();
        let too_long = format!(r#"{{"project_name":"{}"}}"#, "a".repeat(300));
        assert_eq!(
            check_body(op, p, too_long.as_bytes()),
            ["validation failure list:\nproject_name in body should be at most 255 chars long"]
        );
        let wrong = check_body(op, p, br#"{"project_name":"a","storage_limit":"big"}"#);
        assert!(
            wrong[0].starts_with("parsing project body from \"\" failed"),
            "{wrong:?}"
        );
        assert!(check_body(op, p, br#"{"project_name":"a","metadata":null}"#).is_empty());
        assert_eq!(check_body(op, p, b"{not json").len(), 1);
        assert_eq!(check_body(op, p, b""), ["project in body is required"]);
        let jobs = OpSpec::by_id("actionPendingJobs").unwrap();
        let action = jobs.body_param().unwrap();
        assert_eq!(
            check_body(jobs, action, br#"{"action":"halt"}"#),
            ["validation failure list:\naction in body should be one of [stop pause resume]"]
        );
        // A property that is not required is not validated at its zero value.
        assert!(check_body(jobs, action, br#"{"action":""}"#).is_empty());
        let purge = OpSpec::by_id("updatePurgeSchedule").unwrap();
        let schedule = purge.body_param().unwrap();
        assert!(check_body(purge, schedule, br#"{"schedule":{"type":""}}"#).is_empty());
        assert_eq!(
            check_body(purge, schedule, br#"{"schedule":{"type":"Yearly"}}"#),
            [
                "validation failure list:\nschedule.type in body should be one of [Hourly Daily Weekly Custom Manual None Schedule]"
            ]
        );
        // A bare `type: object` is go's interface{}: any value decodes.
        let retention = OpSpec::by_id("createRetention").unwrap();
        let policy = retention.body_param().unwrap();
        let body = br#"{"rules":[{"params":{"latestPushedK":5},"action":"retain"}]}"#;
        assert!(check_body(retention, policy, body).is_empty());
    }

    #[test]
    fn a_date_time_in_a_body_decodes_as_strfmt_parses_it() {
        let op = OpSpec::by_id("createGCSchedule").unwrap();
        let p = op.body_param().unwrap();
        let with_time = |t: &str| {
            let body = format!(
                r#"{{"schedule":{{"type":"Daily","cron":"0 0 0 * * *","next_scheduled_time":{t}}}}}"#
            );
            check_body(op, p, body.as_bytes())
        };
        // Layouts of strfmt's list that are not RFC 3339.
        for t in [
            r#""2026-01-01""#,
            r#""2026-01-01T10:00""#,
            r#""2026-01-01 10:00:00""#,
        ] {
            assert!(with_time(t).is_empty(), "{t}");
        }
        assert_eq!(
            with_time(r#""2026-02-30""#),
            [
                r#"parsing schedule body from "" failed, because parsing time "2026-02-30": day out of range"#
            ]
        );
        // The time's error ends the decoding: it wins over a type mismatch elsewhere.
        let allowlist = OpSpec::by_id("putSystemCVEAllowlist").unwrap();
        let body = allowlist.body_param().unwrap();
        assert_eq!(
            check_body(
                allowlist,
                body,
                br#"{"project_id":"one","creation_time":"2026-01-01T10:00:00z"}"#
            ),
            [
                r#"parsing allowlist body from "" failed, because parsing time "2026-01-01T10:00:00z": extra text: "T10:00:00z""#
            ]
        );
    }

    #[test]
    fn parameters_fail_as_go_swagger_says() {
        let op = OpSpec::by_id("listProjects").unwrap();
        let page_size = op.param("page_size").unwrap();
        assert_eq!(
            check_param(page_size, "101"),
            ["page_size in query should be less than or equal to 100"]
        );
        assert_eq!(
            check_param(page_size, "x"),
            ["page_size in query must be of type int64: \"x\""]
        );
        assert_eq!(
            check_param(page_size, "1\u{1}"),
            ["page_size in query must be of type int64: \"1\\x01\""],
            "the value as Go's %q prints it"
        );
        assert!(
            check_param(page_size, "+100").is_empty(),
            "ParseInt takes a sign"
        );
        assert!(
            check_param(page_size, "-1").is_empty(),
            "no minimum in the spec"
        );
        let public = OpSpec::by_id("listProjects")
            .unwrap()
            .param("public")
            .unwrap();
        for any in ["True", "nope", "2"] {
            assert!(
                check_param(public, any).is_empty(),
                "ConvertBool never fails: {any}"
            );
        }
        let name_header = OpSpec::by_id("getProject")
            .unwrap()
            .param("X-Is-Resource-Name")
            .unwrap();
        assert!(check_param(name_header, "YES").is_empty());
        let addition = OpSpec::by_id("getAddition")
            .unwrap()
            .param("addition")
            .unwrap();
        assert!(
            check_param(addition, "nope")[0]
                .starts_with("addition in path should be one of [build_history ")
        );
    }
}
