//! Emits `generated/models.rs`: one serde type per definition (plus inline objects and enums).
//!
//! Tolerance rules, because real Harbor versions differ: unknown fields are ignored (serde's
//! default), every field not listed as `required` is an `Option` that defaults to `None`
//! (a missing field or a JSON `null` both decode), enums keep unknown values in `Unknown`,
//! and date-times are kept as text (`crate::Timestamp`) and parsed on demand.
//!
//! A struct derives `Serialize` but not `Deserialize`: its decoding is one
//! `crate::model_de::deserialize_model!` table (field index, wire name, field; aliases), a
//! compact impl that decodes as the derive does at a fraction of its build cost (see
//! `harbor-client/src/model_de.rs`).

use super::types::{Field, Model, Registry, Ty};
use std::collections::{BTreeSet, HashMap};
use std::fmt::Write;

/// The most fields a struct may have: its decoder keeps one bit per field in a `u128`.
const MAX_FIELDS: usize = 128;

/// Renders the models file body (without the header).
pub fn render(reg: &Registry) -> anyhow::Result<String> {
    let boxed = boxed_fields(reg);
    let mut out = String::new();
    out.push_str("//! Harbor's data models, one type per definition of the v2.0 spec.\n\n");
    out.push_str("use serde::{Deserialize, Serialize};\n\n");
    for model in reg.models.values() {
        match model {
            Model::Struct {
                name,
                origin,
                fields,
            } => {
                if fields.len() > MAX_FIELDS {
                    anyhow::bail!(
                        "{name} has {} fields; its decoder (harbor-client/src/model_de.rs) keeps one bit per field, {MAX_FIELDS} at most",
                        fields.len()
                    );
                }
                render_struct(&mut out, name, origin, fields, &boxed);
            }
            Model::Alias { name, origin, ty } => {
                let _ = writeln!(out, "/// Harbor {origin}: `{}`.", ty.rust(""));
                let _ = writeln!(out, "pub type {name} = {};\n", ty.rust(""));
            }
            Model::Enum {
                name,
                origin,
                values,
            } => render_enum(&mut out, name, origin, values),
        }
    }
    Ok(out)
}

fn render_struct(
    out: &mut String,
    name: &str,
    origin: &str,
    fields: &[Field],
    boxed: &BTreeSet<(String, String)>,
) {
    let secret_fields: Vec<&Field> = fields.iter().filter(|f| is_secret(&f.wire)).collect();
    let _ = writeln!(out, "/// Harbor {origin}.");
    if secret_fields.is_empty() {
        out.push_str("#[derive(Debug, Clone, Default, PartialEq, Serialize)]\n");
    } else {
        let _ = writeln!(out, "///\n/// `Debug` redacts its secrets.");
        out.push_str("#[derive(Clone, Default, PartialEq, Serialize)]\n");
    }
    let _ = writeln!(out, "pub struct {name} {{");
    for f in fields {
        let mut ty = f.ty.rust("");
        if boxed.contains(&(name.to_owned(), f.ident.clone())) {
            ty = format!("Box<{ty}>");
        }
        // Serialize-only attributes: decoding (defaults, the unquoted alias) is the table
        // of `render_decoder`.
        let bare = f.ident.trim_start_matches("r#");
        let rename = (bare != f.wire).then(|| format!("rename = {:?}", f.wire));
        if f.required {
            let _ = writeln!(out, "    /// JSON `{}` (always present).", f.wire);
            if let Some(rename) = rename {
                let _ = writeln!(out, "    #[serde({rename})]");
            }
            let _ = writeln!(out, "    pub {}: {ty},", f.ident);
        } else {
            let _ = writeln!(out, "    /// JSON `{}`.", f.wire);
            let attrs: Vec<String> = rename
                .into_iter()
                .chain(["skip_serializing_if = \"Option::is_none\"".to_owned()])
                .collect();
            let _ = writeln!(out, "    #[serde({})]", attrs.join(", "));
            let _ = writeln!(out, "    pub {}: Option<{ty}>,", f.ident);
        }
    }
    out.push_str("}\n\n");
    render_decoder(out, name, fields);
    if !secret_fields.is_empty() {
        render_redacting_debug(out, name, fields);
    }
}

/// The struct's `Deserialize` impl, as a `deserialize_model!` table: each field's index, wire
/// name and ident, and the other names a key may give a field (the unquoted form of a quoted
/// wire name).
fn render_decoder(out: &mut String, name: &str, fields: &[Field]) {
    let _ = writeln!(
        out,
        "crate::model_de::deserialize_model!(\n    {name},\n    fields: ["
    );
    let mut aliases = Vec::new();
    for (index, f) in fields.iter().enumerate() {
        let _ = writeln!(out, "        {index} {:?} => {},", f.wire, f.ident);
        let unquoted = f.wire.trim_matches('\'');
        if unquoted != f.wire && !unquoted.is_empty() {
            aliases.push(format!("{unquoted:?} => {index}"));
        }
    }
    let _ = writeln!(out, "    ],\n    aliases: [{}],\n);\n", aliases.join(", "));
}

/// Fields whose values must never reach logs (`Details.args` prints arguments with `Debug`).
fn is_secret(wire: &str) -> bool {
    let w = wire.to_ascii_lowercase();
    if w.ends_with("_type") || w.ends_with("_data") {
        return false;
    }
    w.contains("password")
        || w.contains("secret")
        || matches!(
            w.as_str(),
            "access_key" | "auth_header" | "access_credential" | "auth_info"
        )
}

fn render_redacting_debug(out: &mut String, name: &str, fields: &[Field]) {
    let _ = writeln!(
        out,
        "impl std::fmt::Debug for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.debug_struct({name:?})"
    );
    for field in fields {
        let bare = field.ident.trim_start_matches("r#");
        if is_secret(&field.wire) {
            let shown = if field.required {
                "&\"<redacted>\"".to_owned()
            } else {
                format!("&self.{}.as_ref().map(|_| \"<redacted>\")", field.ident)
            };
            let _ = writeln!(out, "            .field({bare:?}, {shown})");
        } else {
            let _ = writeln!(out, "            .field({bare:?}, &self.{})", field.ident);
        }
    }
    out.push_str("            .finish()\n    }\n}\n\n");
}

fn render_enum(out: &mut String, name: &str, origin: &str, values: &[String]) {
    let variants: Vec<String> = values
        .iter()
        .map(|v| super::naming::variant_name(v))
        .collect();
    let _ = writeln!(
        out,
        "/// Harbor {origin}; values this client does not know are kept in `Unknown`."
    );
    out.push_str("#[derive(Debug, Clone, PartialEq, Eq, Hash)]\n");
    let _ = writeln!(out, "pub enum {name} {{");
    for (v, value) in variants.iter().zip(values) {
        let _ = writeln!(out, "    /// `{value}`.\n    {v},");
    }
    out.push_str(
        "    /// A value not listed in the spec, kept as sent.\n    Unknown(String),\n}\n\n",
    );

    let _ = writeln!(out, "impl {name} {{");
    out.push_str("    /// The value as it appears on the wire.\n");
    out.push_str("    pub fn as_str(&self) -> &str {\n        match self {\n");
    for (v, value) in variants.iter().zip(values) {
        let _ = writeln!(out, "            Self::{v} => {value:?},");
    }
    out.push_str("            Self::Unknown(other) => other,\n        }\n    }\n}\n\n");

    let _ = writeln!(out, "impl From<&str> for {name} {{");
    out.push_str("    fn from(value: &str) -> Self {\n        match value {\n");
    for (v, value) in variants.iter().zip(values) {
        let _ = writeln!(out, "            {value:?} => Self::{v},");
    }
    out.push_str("            other => Self::Unknown(other.to_owned()),\n        }\n    }\n}\n\n");

    let _ = writeln!(
        out,
        "impl std::fmt::Display for {name} {{\n    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {{\n        f.write_str(self.as_str())\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl Serialize for {name} {{\n    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {{\n        serializer.serialize_str(self.as_str())\n    }}\n}}\n"
    );
    let _ = writeln!(
        out,
        "impl<'de> Deserialize<'de> for {name} {{\n    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {{\n        let value = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;\n        Ok(Self::from(value.as_ref()))\n    }}\n}}\n"
    );
}

/// Fields that must be boxed because they close a cycle of by-value struct fields.
fn boxed_fields(reg: &Registry) -> BTreeSet<(String, String)> {
    // Edges through by-value fields only: Vec and map values already live on the heap.
    let mut edges: HashMap<&str, Vec<(&str, &str)>> = HashMap::new();
    for model in reg.models.values() {
        if let Model::Struct { name, fields, .. } = model {
            for f in fields {
                if let Ty::Named(target) = &f.ty {
                    edges
                        .entry(name.as_str())
                        .or_default()
                        .push((f.ident.as_str(), target.as_str()));
                }
            }
        }
    }
    let reaches = |from: &str, to: &str| -> bool {
        let mut stack = vec![from];
        let mut seen = BTreeSet::new();
        while let Some(n) = stack.pop() {
            if n == to {
                return true;
            }
            if seen.insert(n)
                && let Some(next) = edges.get(n)
            {
                stack.extend(next.iter().map(|(_, t)| *t));
            }
        }
        false
    };
    let mut boxed = BTreeSet::new();
    for (name, list) in &edges {
        for (field, target) in list {
            if reaches(target, name) {
                boxed.insert(((*name).to_owned(), (*field).to_owned()));
            }
        }
    }
    boxed
}
