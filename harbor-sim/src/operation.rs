//! The simulator's view of one Harbor operation: what the router and validators need.

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
}
