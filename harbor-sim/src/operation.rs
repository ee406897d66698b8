//! The simulator's view of one Harbor operation: what the router, the validators and the
//! answer's headers need. The table itself is generated from Harbor's spec by
//! `cargo xtask codegen` into `generated/operations.rs`; nothing here comes from a client.

#[path = "generated/operations.rs"]
mod generated;

/// Every Harbor operation (203), in spec order.
pub static TABLE: &[OpSpec] = &generated::OPERATIONS;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamIn {
    /// A `{name}` segment of the path template.
    Path,
    /// A query-string parameter.
    Query,
    /// A request header.
    Header,
    /// The JSON request body.
    Body,
}

/// The wire type of a parameter, as far as validation cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParamKind {
    /// A whole number.
    Integer,
    /// A floating-point number.
    Number,
    /// `true` or `false`.
    Boolean,
    /// Any string.
    String,
    /// A comma-separated list.
    Array,
    /// A JSON document, checked against the operation's request schema.
    Body,
}

/// One parameter of an operation, with the constraints the spec puts on it.
#[derive(Debug, Clone, Copy)]
pub struct ParamSpec {
    /// The name on the wire (`project_name_or_id`, `page_size`, `X-Request-Id`).
    pub name: &'static str,
    /// Where it travels.
    pub location: ParamIn,
    /// Whether a request without it is invalid.
    pub required: bool,
    /// Its wire type.
    pub kind: ParamKind,
    /// The spec's `format` (`int64`, `int32`, ...).
    pub format: Option<&'static str>,
    /// The allowed values, when the spec lists them.
    pub enum_values: &'static [&'static str],
    /// The largest allowed number.
    pub maximum: Option<i64>,
    /// The smallest allowed number.
    pub minimum: Option<i64>,
    /// The longest allowed string.
    pub max_length: Option<u64>,
    /// The shortest allowed string.
    pub min_length: Option<u64>,
    /// The spec's `default`, as text: what go-swagger's binder sets when the request has no
    /// value (`NewXxxParams`), and Go's zero value when there is none.
    pub default: Option<&'static str>,
}

/// The shape of a successful answer's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// No body.
    Empty,
    /// A JSON object.
    Object,
    /// A JSON array.
    Array,
    /// Plain text (or a file).
    Text,
}

/// One answer the spec documents for an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// Whether the spec gives the answer a body schema.
    pub has_schema: bool,
}

/// One Harbor operation as the simulator routes it.
#[derive(Debug, Clone, Copy)]
pub struct OpSpec {
    /// Harbor's `operationId` (`getProject`, `CreateRobot`).
    pub id: &'static str,
    /// The HTTP method in upper case.
    pub method: &'static str,
    /// The path template relative to `/api/v2.0`, with `{param}` segments.
    pub path: &'static str,
    /// Whether the operation takes `page` / `page_size` and answers with paging headers.
    pub paginated: bool,
    /// The status of a successful answer (the first 2xx the spec lists).
    pub success_status: u16,
    /// The shape of a successful answer's body.
    pub shape: Shape,
    /// The media type of a successful answer (`application/json`, `text/plain`, `text/csv`).
    pub produces: &'static str,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// Every answer the spec documents.
    pub answers: &'static [Answer],
}

impl OpSpec {
    /// Whether the operation changes state (anything but GET and HEAD).
    pub fn is_write(&self) -> bool {
        !matches!(self.method, "GET" | "HEAD")
    }

    /// Looks a parameter up by its wire name.
    pub fn param(&self, name: &str) -> Option<&ParamSpec> {
        self.params
            .iter()
            .find(|p| p.name.eq_ignore_ascii_case(name))
    }

    /// The body parameter, when the operation takes one.
    pub fn body_param(&self) -> Option<&ParamSpec> {
        self.params.iter().find(|p| p.location == ParamIn::Body)
    }

    /// Looks an operation up by its `operationId`.
    pub fn by_id(id: &str) -> Option<&'static OpSpec> {
        TABLE.iter().find(|op| op.id == id)
    }
}
