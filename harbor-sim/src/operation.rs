//! The simulator's view of one Harbor operation: what the router and validators need,
//! derived from `harbor_client::operations`, the single source of truth.

use std::sync::LazyLock;

use harbor_client::operations::{OPERATIONS, Operation, ParamLocation};

/// Every Harbor operation (203), in spec order, built once from the client's table.
pub static TABLE: LazyLock<Vec<OpSpec>> =
    LazyLock::new(|| OPERATIONS.iter().map(OpSpec::from_client).collect());

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
    /// A JSON document.
    Body,
}

/// One parameter of an operation.
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
    /// For a body: the `harbor_client::models` type it must deserialize into.
    pub model: Option<&'static str>,
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
    /// Plain text.
    Text,
}

/// One Harbor operation as the simulator routes it.
#[derive(Debug, Clone, Copy)]
pub struct OpSpec {
    /// Harbor's `operationId` (`getProject`, `CreateRobot`).
    pub id: &'static str,
    /// The `harbor_client` method that calls it (`get_project`).
    pub method_name: &'static str,
    /// The HTTP method in upper case.
    pub method: &'static str,
    /// The path template relative to `/api/v2.0`, with `{param}` segments.
    pub path: &'static str,
    /// Whether the operation takes `page` / `page_size` and answers with paging headers.
    pub paginated: bool,
    /// The status of a successful answer.
    pub success_status: u16,
    /// The shape of a successful answer's body.
    pub shape: Shape,
    /// Its parameters.
    pub params: &'static [ParamSpec],
    /// The answer's model as the client's table writes it (`Project`, `[Project]`).
    pub response_model: Option<&'static str>,
}

impl OpSpec {
    /// The simulator's view of one entry of `harbor_client::operations::OPERATIONS`.
    pub fn from_client(op: &'static Operation) -> Self {
        let params: Vec<ParamSpec> = op
            .params
            .iter()
            .map(|p| ParamSpec {
                name: p.name,
                location: match p.location {
                    ParamLocation::Path => ParamIn::Path,
                    ParamLocation::Query => ParamIn::Query,
                    ParamLocation::Header => ParamIn::Header,
                    ParamLocation::Body => ParamIn::Body,
                },
                required: p.required,
                kind: match p.kind {
                    "integer" => ParamKind::Integer,
                    "number" => ParamKind::Number,
                    "boolean" => ParamKind::Boolean,
                    "array" => ParamKind::Array,
                    "string" if p.location != ParamLocation::Body => ParamKind::String,
                    _ => ParamKind::Body,
                },
                model: p.kind.strip_prefix("model:"),
            })
            .collect();
        let shape = match op.response_model {
            None => Shape::Empty,
            Some(_) if op.produces_text => Shape::Text,
            Some("string" | "file") => Shape::Text,
            Some(m) if m.starts_with('[') => Shape::Array,
            Some(_) => Shape::Object,
        };
        Self {
            id: op.id,
            method_name: op.method_name,
            method: op.http_method,
            path: op.path,
            paginated: op.paginated,
            success_status: op.success_status,
            shape,
            // Built once per process (see `table`), so leaking the small slice is bounded.
            params: Box::leak(params.into_boxed_slice()),
            response_model: op.response_model,
        }
    }

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
}
