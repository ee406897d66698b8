//! The subset of Swagger 2.0 that Harbor's spec uses, as serde types.
//!
//! Only what the generator needs is read; `description` and `summary` prose is deliberately not
//! deserialized, so it cannot leak into generated code.

use anyhow::{Context, Result, bail};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::Path;

/// A whole Swagger 2.0 document.
#[derive(Debug, Deserialize)]
pub struct Spec {
    /// `basePath`, e.g. `/api/v2.0`.
    #[serde(rename = "basePath")]
    pub base_path: String,
    /// Path templates to their operations, in spec order.
    pub paths: IndexMap<String, IndexMap<String, Operation>>,
    /// Shared parameters referenced as `#/parameters/<name>`.
    #[serde(default)]
    pub parameters: IndexMap<String, Parameter>,
    /// Shared responses referenced as `#/responses/<name>`.
    #[serde(default)]
    pub responses: IndexMap<String, Response>,
    /// Model definitions referenced as `#/definitions/<name>`.
    pub definitions: IndexMap<String, Schema>,
}

/// One operation (method + path).
#[derive(Debug, Deserialize)]
pub struct Operation {
    /// The spec's `operationId`.
    #[serde(rename = "operationId")]
    pub operation_id: String,
    /// Tags; Harbor gives exactly one.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Parameters, inline or `$ref`.
    #[serde(default)]
    pub parameters: Vec<ParameterOrRef>,
    /// Responses by status code (or `default`).
    pub responses: IndexMap<String, ResponseOrRef>,
    /// Media types answered, when the operation overrides the document's.
    #[serde(default)]
    pub produces: Option<Vec<String>>,
}

/// A parameter given inline or by reference.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ParameterOrRef {
    /// `$ref: '#/parameters/name'`.
    Ref {
        /// The reference.
        #[serde(rename = "$ref")]
        reference: String,
    },
    /// An inline parameter.
    Inline(Box<Parameter>),
}

/// A parameter.
#[derive(Debug, Clone, Deserialize)]
pub struct Parameter {
    /// Wire name.
    pub name: String,
    /// `path`, `query`, `header`, `body` (or `formData`, unsupported).
    #[serde(rename = "in")]
    pub location: String,
    /// Whether the caller must give it.
    #[serde(default)]
    pub required: bool,
    /// Primitive type for non-body parameters.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// Item schema for array parameters.
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    /// Body schema.
    #[serde(default)]
    pub schema: Option<Schema>,
}

/// A response given inline or by reference.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
pub enum ResponseOrRef {
    /// `$ref: '#/responses/name'`.
    Ref {
        /// The reference.
        #[serde(rename = "$ref")]
        reference: String,
    },
    /// An inline response.
    Inline(Box<Response>),
}

/// A response.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Response {
    /// Body schema, when there is a body.
    #[serde(default)]
    pub schema: Option<Schema>,
    /// Response headers by name.
    #[serde(default)]
    pub headers: IndexMap<String, serde_norway::Value>,
}

/// A JSON schema as Swagger 2.0 writes it.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Schema {
    /// `$ref: '#/definitions/Name'`.
    #[serde(rename = "$ref", default)]
    pub reference: Option<String>,
    /// `type`.
    #[serde(rename = "type", default)]
    pub kind: Option<String>,
    /// `format` (`date-time`, `int64`, ...).
    #[serde(default)]
    pub format: Option<String>,
    /// Array items.
    #[serde(default)]
    pub items: Option<Box<Schema>>,
    /// Object properties, in spec order.
    #[serde(default)]
    pub properties: IndexMap<String, Schema>,
    /// Map values.
    #[serde(rename = "additionalProperties", default)]
    pub additional_properties: Option<AdditionalProperties>,
    /// Properties always present.
    #[serde(default)]
    pub required: Vec<String>,
    /// Allowed values of a string.
    #[serde(rename = "enum", default)]
    pub enum_values: Option<Vec<serde_norway::Value>>,
}

/// `additionalProperties`: `true`/`false` or a value schema.
#[derive(Debug, Clone, Deserialize)]
#[serde(untagged)]
pub enum AdditionalProperties {
    /// `additionalProperties: true`.
    Any(bool),
    /// `additionalProperties: { ... }` (`{}` means any value).
    Schema(Box<Schema>),
}

impl Spec {
    /// Reads and parses the spec at `path`.
    pub fn load(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the spec at {}", path.display()))?;
        serde_norway::from_str(&text).with_context(|| {
            format!(
                "{} is not a Swagger 2.0 document we understand",
                path.display()
            )
        })
    }

    /// Resolves a parameter reference.
    pub fn parameter<'a>(&'a self, p: &'a ParameterOrRef) -> Result<&'a Parameter> {
        match p {
            ParameterOrRef::Inline(p) => Ok(p),
            ParameterOrRef::Ref { reference } => {
                let name = ref_name(reference, "#/parameters/")?;
                self.parameters
                    .get(name)
                    .with_context(|| format!("unknown parameter reference {reference}"))
            }
        }
    }

    /// Resolves a response reference.
    pub fn response<'a>(&'a self, r: &'a ResponseOrRef) -> Result<&'a Response> {
        match r {
            ResponseOrRef::Inline(r) => Ok(r),
            ResponseOrRef::Ref { reference } => {
                let name = ref_name(reference, "#/responses/")?;
                self.responses
                    .get(name)
                    .with_context(|| format!("unknown response reference {reference}"))
            }
        }
    }
}

/// The name at the end of `#/<section>/<name>`.
pub fn ref_name<'a>(reference: &'a str, prefix: &str) -> Result<&'a str> {
    match reference.strip_prefix(prefix) {
        Some(name) if !name.is_empty() => Ok(name),
        _ => bail!("reference {reference} does not start with {prefix}"),
    }
}
