//! The operation list (one entry per operation, in spec order) and the emitted
//! `generated/operations.rs` table that the client, the simulator and tests share.

use super::naming;
use super::spec::Spec;
use super::types::{Registry, Ty};
use anyhow::{Context, Result, bail};
use heck::ToUpperCamelCase;
use std::collections::BTreeSet;
use std::fmt::Write;

/// Where a parameter travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Location {
    /// In the path template.
    Path,
    /// In the query string.
    Query,
    /// As a request header.
    Header,
    /// As the JSON body.
    Body,
}

impl Location {
    fn variant(self) -> &'static str {
        match self {
            Location::Path => "Path",
            Location::Query => "Query",
            Location::Header => "Header",
            Location::Body => "Body",
        }
    }
}

/// One parameter of an operation.
#[derive(Debug, Clone)]
pub struct ParamInfo {
    /// Wire name.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Where it goes.
    pub location: Location,
    /// Required by the spec.
    pub required: bool,
    /// Its type.
    pub ty: Ty,
}

/// What a success answer carries.
#[derive(Debug, Clone, PartialEq)]
pub enum Answer {
    /// No body: the method returns `()`.
    Empty,
    /// A JSON body of this type.
    Json(Ty),
    /// Text (`text/plain` or a string schema): `String`.
    Text,
    /// Raw bytes (`file` schema).
    Bytes,
    /// HEAD: `bool` (true on 2xx, false on 404).
    Exists,
    /// `201 Created` without a body: `Created` (the `Location` and the id parsed from it).
    Created,
}

/// One operation, resolved.
#[derive(Debug, Clone)]
pub struct OpInfo {
    /// `operationId`.
    pub id: String,
    /// The client's method name.
    pub method_name: String,
    /// The operation table constant.
    pub const_name: String,
    /// `GET`, `POST`, ...
    pub http_method: String,
    /// Template relative to the base path.
    pub path: String,
    /// The single tag.
    pub tag: String,
    /// Parameters in spec order.
    pub params: Vec<ParamInfo>,
    /// First 2xx code.
    pub success_status: u16,
    /// The success answer.
    pub answer: Answer,
    /// `text/plain` answers.
    pub produces_text: bool,
    /// Answers carry `X-Total-Count` / `Link`.
    pub paginated: bool,
}

impl OpInfo {
    /// False for POST and PATCH.
    pub fn idempotent(&self) -> bool {
        !matches!(self.http_method.as_str(), "POST" | "PATCH")
    }

    /// The `response_model` entry of the table.
    pub fn response_model(&self) -> Option<String> {
        match &self.answer {
            Answer::Json(ty) => Some(ty.model_label()),
            Answer::Bytes => Some("file".to_owned()),
            Answer::Text => Some("string".to_owned()),
            Answer::Empty | Answer::Exists | Answer::Created => None,
        }
    }
}

/// Resolves every operation of the spec, registering inline body types in `reg`.
pub fn collect(spec: &Spec, reg: &mut Registry) -> Result<Vec<OpInfo>> {
    let mut ops = Vec::new();
    let mut seen_methods = BTreeSet::new();
    for (path, item) in &spec.paths {
        for (method, op) in item {
            let info = resolve(spec, reg, path, method, op)
                .with_context(|| format!("operation {} ({method} {path})", op.operation_id))?;
            if !seen_methods.insert(info.method_name.clone()) {
                bail!("two operations map to the method name {}", info.method_name);
            }
            ops.push(info);
        }
    }
    Ok(ops)
}

fn resolve(
    spec: &Spec,
    reg: &mut Registry,
    path: &str,
    method: &str,
    op: &super::spec::Operation,
) -> Result<OpInfo> {
    let http_method = method.to_ascii_uppercase();
    if !matches!(
        http_method.as_str(),
        "GET" | "POST" | "PUT" | "DELETE" | "PATCH" | "HEAD"
    ) {
        bail!("unsupported HTTP method {method}");
    }
    let method_name = naming::method_name(&op.operation_id);
    let mut params = Vec::new();
    for p in &op.parameters {
        let p = spec.parameter(p)?;
        let location = match p.location.as_str() {
            "path" => Location::Path,
            "query" => Location::Query,
            "header" => Location::Header,
            "body" => Location::Body,
            other => bail!(
                "parameter {} is in {other}, which the client does not support",
                p.name
            ),
        };
        let ty = match (&p.schema, location) {
            (Some(schema), Location::Body) => {
                let hint = format!("{}Body", method_name.to_upper_camel_case());
                reg.ty(&hint, &format!("the body of `{}`", op.operation_id), schema)?
            }
            (None, Location::Body) => bail!("body parameter {} has no schema", p.name),
            _ => match p.kind.as_deref() {
                Some("string") => Ty::String,
                Some("integer") => Ty::I64,
                Some("number") => Ty::F64,
                Some("boolean") => Ty::Bool,
                Some("array") => {
                    let item = match p.items.as_deref().and_then(|s| s.kind.as_deref()) {
                        Some("integer") => Ty::I64,
                        Some("boolean") => Ty::Bool,
                        _ => Ty::String,
                    };
                    Ty::Vec(Box::new(item))
                }
                other => bail!("parameter {} has unsupported type {other:?}", p.name),
            },
        };
        if location == Location::Path
            && p.name.ends_with("_name_or_id")
            && naming::name_or_id_type(&p.name).is_none()
        {
            bail!(
                "path parameter {} addresses a resource by name or id, and the client has no \
                 reference type for it: add one to harbor-client and to naming::name_or_id_type",
                p.name
            );
        }
        params.push(ParamInfo {
            wire: p.name.clone(),
            ident: naming::field_name(&p.name),
            location,
            // Path parameters are always required, whatever the spec says.
            required: p.required || location == Location::Path,
            ty,
        });
    }

    let (code, response) = op
        .responses
        .iter()
        .find(|(code, _)| code.starts_with('2'))
        .context("no 2xx response")?;
    let success_status: u16 = code
        .parse()
        .with_context(|| format!("status code {code}"))?;
    let response = spec.response(response)?;
    let paginated = response.headers.contains_key("X-Total-Count");
    let produces_text = op
        .produces
        .as_ref()
        .is_some_and(|p| p.iter().any(|m| m == "text/plain"));
    let answer = if http_method == "HEAD" {
        Answer::Exists
    } else if produces_text {
        Answer::Text
    } else {
        match &response.schema {
            None => Answer::Empty,
            Some(s) if s.kind.as_deref() == Some("file") => Answer::Bytes,
            Some(s) if s.kind.as_deref() == Some("string") && s.reference.is_none() => Answer::Text,
            Some(s) => {
                let hint = format!("{}Response", method_name.to_upper_camel_case());
                Answer::Json(reg.ty(&hint, &format!("the answer of `{}`", op.operation_id), s)?)
            }
        }
    };
    // A create names what it made in `Location`; some list 200 before 201
    // (`triggerRetentionExecution`), and Harbor answers 201.
    let answer = if answer == Answer::Empty && op.responses.keys().any(|code| code == "201") {
        Answer::Created
    } else {
        answer
    };
    if paginated && !matches!(answer, Answer::Json(Ty::Vec(_))) {
        bail!("a paginated operation must answer with a JSON array");
    }
    Ok(OpInfo {
        id: op.operation_id.clone(),
        const_name: naming::operation_const(&method_name),
        method_name,
        http_method,
        path: path.to_owned(),
        tag: op.tags.first().cloned().unwrap_or_default(),
        params,
        success_status,
        answer,
        produces_text,
        paginated,
    })
}

/// Renders the operation table file body (without the header).
pub fn render(ops: &[OpInfo]) -> String {
    let mut out = String::new();
    out.push_str(
        "//! The table of Harbor's operations, in spec order: the single source of truth for the\n\
         //! client's methods, the simulator's routes and the tests.\n\n",
    );
    out.push_str("use crate::operations::{Operation, Param, ParamLocation};\n\n");
    let _ = writeln!(out, "/// Number of operations in the table.");
    let _ = writeln!(out, "pub const OPERATION_COUNT: usize = {};\n", ops.len());
    out.push_str("/// Every operation, in spec order.\n");
    let _ = writeln!(
        out,
        "pub static OPERATION_ARRAY: [Operation; OPERATION_COUNT] = ["
    );
    for op in ops {
        let _ = writeln!(out, "    Operation {{");
        let _ = writeln!(out, "        id: {:?},", op.id);
        let _ = writeln!(out, "        method_name: {:?},", op.method_name);
        let _ = writeln!(out, "        http_method: {:?},", op.http_method);
        let _ = writeln!(out, "        path: {:?},", op.path);
        let _ = writeln!(out, "        tag: {:?},", op.tag);
        let _ = writeln!(out, "        idempotent: {},", op.idempotent());
        let _ = writeln!(out, "        paginated: {},", op.paginated);
        out.push_str("        params: &[\n");
        for p in &op.params {
            let _ = writeln!(
                out,
                "            Param {{ name: {:?}, location: ParamLocation::{}, required: {}, kind: {:?} }},",
                p.wire,
                p.location.variant(),
                p.required,
                p.ty.kind()
            );
        }
        out.push_str("        ],\n");
        let _ = writeln!(out, "        success_status: {},", op.success_status);
        match op.response_model() {
            Some(m) => {
                let _ = writeln!(out, "        response_model: Some({m:?}),");
            }
            None => out.push_str("        response_model: None,\n"),
        }
        let _ = writeln!(out, "        produces_text: {},", op.produces_text);
        out.push_str("    },\n");
    }
    out.push_str("];\n\n");

    for (i, op) in ops.iter().enumerate() {
        let _ = writeln!(
            out,
            "/// `{} {}` (`{}`).\npub static {}: &Operation = &OPERATION_ARRAY[{i}];",
            op.http_method, op.path, op.id, op.const_name
        );
    }
    out.push('\n');

    out.push_str("/// The table entry for an `operationId`, spelt as in the spec.\n");
    out.push_str("pub(crate) fn index_of(id: &str) -> Option<usize> {\n    Some(match id {\n");
    for (i, op) in ops.iter().enumerate() {
        let _ = writeln!(out, "        {:?} => {i},", op.id);
    }
    out.push_str("        _ => return None,\n    })\n}\n");
    out
}
