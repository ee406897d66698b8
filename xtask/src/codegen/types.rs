//! Mapping spec schemas to Rust types, collecting the named types the mapping needs
//! (definitions, inline objects, string enums).

use super::naming;
use super::spec::{AdditionalProperties, Schema, Spec, ref_name};
use anyhow::{Result, bail};
use indexmap::IndexMap;

/// A Rust type, before rendering.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ty {
    /// `String`.
    String,
    /// `crate::Timestamp` (tolerant date-time).
    Timestamp,
    /// `i64` (every spec integer except `uint64`: Go's `int` is 64 bits).
    I64,
    /// `u64`.
    U64,
    /// `f64`.
    F64,
    /// `bool`.
    Bool,
    /// Any JSON (`serde_json::Value`): untyped objects and values.
    Json,
    /// `Vec<T>`.
    Vec(Box<Ty>),
    /// `BTreeMap<String, T>`.
    Map(Box<Ty>),
    /// A generated model, by Rust name.
    Named(String),
}

impl Ty {
    /// Renders the type; `models` prefixes generated model names (e.g. `models::`).
    pub fn rust(&self, models: &str) -> String {
        match self {
            Ty::String => "String".into(),
            Ty::Timestamp => "crate::Timestamp".into(),
            Ty::I64 => "i64".into(),
            Ty::U64 => "u64".into(),
            Ty::F64 => "f64".into(),
            Ty::Bool => "bool".into(),
            Ty::Json => "serde_json::Value".into(),
            Ty::Vec(t) => format!("Vec<{}>", t.rust(models)),
            Ty::Map(t) => format!("std::collections::BTreeMap<String, {}>", t.rust(models)),
            Ty::Named(n) => format!("{models}{n}"),
        }
    }

    /// The `kind` string of the operation table (`string`, `integer`, `model:<Name>`, ...).
    pub fn kind(&self) -> String {
        match self {
            Ty::String | Ty::Timestamp => "string".into(),
            Ty::I64 | Ty::U64 => "integer".into(),
            Ty::F64 => "number".into(),
            Ty::Bool => "boolean".into(),
            Ty::Json | Ty::Map(_) => "object".into(),
            Ty::Vec(_) => "array".into(),
            Ty::Named(n) => format!("model:{n}"),
        }
    }

    /// The `response_model` string: `Name`, `[Name]`, `[string]`, `{Name}` for maps.
    pub fn model_label(&self) -> String {
        match self {
            Ty::Named(n) => n.clone(),
            Ty::Vec(t) => format!("[{}]", t.model_label()),
            Ty::Map(t) => format!("{{{}}}", t.model_label()),
            other => other.kind(),
        }
    }
}

/// One field of a generated struct.
#[derive(Debug, Clone)]
pub struct Field {
    /// JSON name.
    pub wire: String,
    /// Rust identifier.
    pub ident: String,
    /// Field type (without the `Option` wrapper).
    pub ty: Ty,
    /// Listed in the schema's `required`: kept non-optional.
    pub required: bool,
}

/// A generated named type.
#[derive(Debug, Clone)]
pub enum Model {
    /// A struct from an object schema.
    Struct {
        /// Rust name.
        name: String,
        /// Where it comes from, for the doc line.
        origin: String,
        /// Fields in spec order.
        fields: Vec<Field>,
    },
    /// `pub type Name = Ty;` for map and primitive definitions.
    Alias {
        /// Rust name.
        name: String,
        /// Where it comes from.
        origin: String,
        /// Target type.
        ty: Ty,
    },
    /// A string enum with an `Unknown(String)` fallback.
    Enum {
        /// Rust name.
        name: String,
        /// Where it comes from.
        origin: String,
        /// Known values.
        values: Vec<String>,
    },
}

impl Model {
    /// The Rust name.
    pub fn name(&self) -> &str {
        match self {
            Model::Struct { name, .. } | Model::Alias { name, .. } | Model::Enum { name, .. } => {
                name
            }
        }
    }
}

/// Every named type, keyed by Rust name, in a stable order: definitions in spec order, each
/// followed by the inline types it introduced, then inline types of operation bodies.
#[derive(Debug, Default)]
pub struct Registry {
    /// The models.
    pub models: IndexMap<String, Model>,
    /// How many of them are spec definitions.
    pub definition_count: usize,
}

impl Registry {
    /// Builds the registry from all definitions.
    pub fn from_spec(spec: &Spec) -> Result<Self> {
        let mut reg = Registry::default();
        for (name, schema) in &spec.definitions {
            let rust = naming::type_name(name);
            let origin = format!("definition `{name}`");
            reg.add_definition(&rust, &origin, schema)?;
        }
        reg.definition_count = spec.definitions.len();
        Ok(reg)
    }

    fn insert(&mut self, model: Model) -> Result<()> {
        let name = model.name().to_owned();
        if self.models.contains_key(&name) {
            bail!("two generated types would be named {name}");
        }
        self.models.insert(name, model);
        Ok(())
    }

    fn add_definition(&mut self, rust: &str, origin: &str, schema: &Schema) -> Result<()> {
        if is_struct(schema) {
            // Reserve the name first so inline types follow their parent.
            let idx = self.models.len();
            self.insert(Model::Alias {
                name: rust.to_owned(),
                origin: String::new(),
                ty: Ty::Json,
            })?;
            let fields = self.fields(rust, schema)?;
            let model = Model::Struct {
                name: rust.to_owned(),
                origin: origin.to_owned(),
                fields,
            };
            *self.models.get_index_mut(idx).expect("just inserted").1 = model;
            Ok(())
        } else if let Some(values) = enum_values(schema) {
            self.insert(Model::Enum {
                name: rust.to_owned(),
                origin: origin.to_owned(),
                values,
            })
        } else {
            let ty = self.ty(rust, origin, schema)?;
            self.insert(Model::Alias {
                name: rust.to_owned(),
                origin: origin.to_owned(),
                ty,
            })
        }
    }

    fn fields(&mut self, parent: &str, schema: &Schema) -> Result<Vec<Field>> {
        let mut fields = Vec::new();
        for (wire, prop) in &schema.properties {
            let hint = format!("{parent}{}", naming::type_name(wire));
            let ty = self.ty(&hint, &format!("`{parent}.{wire}`"), prop)?;
            fields.push(Field {
                wire: wire.clone(),
                ident: naming::field_name(wire),
                ty,
                required: schema.required.contains(wire),
            });
        }
        Ok(fields)
    }

    /// The type of `schema`; `hint` names an inline struct or enum if one is needed, `place`
    /// says where the schema sits (for its doc line).
    pub fn ty(&mut self, hint: &str, place: &str, schema: &Schema) -> Result<Ty> {
        if let Some(reference) = &schema.reference {
            return Ok(Ty::Named(naming::type_name(ref_name(
                reference,
                "#/definitions/",
            )?)));
        }
        if is_struct(schema) {
            let fields = self.fields(hint, schema)?;
            self.insert(Model::Struct {
                name: hint.to_owned(),
                origin: format!("object {place}"),
                fields,
            })?;
            return Ok(Ty::Named(hint.to_owned()));
        }
        if let Some(values) = enum_values(schema) {
            self.insert(Model::Enum {
                name: hint.to_owned(),
                origin: format!("string enum {place}"),
                values,
            })?;
            return Ok(Ty::Named(hint.to_owned()));
        }
        Ok(match schema.kind.as_deref() {
            Some("string") => match schema.format.as_deref() {
                Some("date-time") => Ty::Timestamp,
                _ => Ty::String,
            },
            Some("integer") => match schema.format.as_deref() {
                Some("uint64") => Ty::U64,
                _ => Ty::I64,
            },
            Some("number") => Ty::F64,
            Some("boolean") => Ty::Bool,
            Some("array") => match &schema.items {
                Some(items) => Ty::Vec(Box::new(self.ty(
                    &format!("{hint}Item"),
                    &format!("{place} (items)"),
                    items,
                )?)),
                None => Ty::Vec(Box::new(Ty::Json)),
            },
            Some("object") => match &schema.additional_properties {
                Some(AdditionalProperties::Schema(values)) if !is_empty_schema(values) => {
                    Ty::Map(Box::new(self.ty(
                        &format!("{hint}Value"),
                        &format!("{place} (values)"),
                        values,
                    )?))
                }
                _ => Ty::Json,
            },
            // `file` answers and untyped values.
            _ => Ty::Json,
        })
    }
}

/// An object with declared properties becomes a struct.
fn is_struct(schema: &Schema) -> bool {
    schema.reference.is_none()
        && !schema.properties.is_empty()
        && matches!(schema.kind.as_deref(), None | Some("object"))
}

fn is_empty_schema(schema: &Schema) -> bool {
    schema.reference.is_none()
        && schema.kind.is_none()
        && schema.properties.is_empty()
        && schema.items.is_none()
        && schema.additional_properties.is_none()
}

fn enum_values(schema: &Schema) -> Option<Vec<String>> {
    if schema.kind.as_deref() != Some("string") {
        return None;
    }
    let values = schema.enum_values.as_ref()?;
    Some(
        values
            .iter()
            .map(|v| match v {
                serde_norway::Value::String(s) => s.clone(),
                other => serde_norway::to_string(other)
                    .unwrap_or_default()
                    .trim()
                    .to_owned(),
            })
            .collect(),
    )
}
