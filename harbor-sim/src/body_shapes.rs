//! The Go types Harbor decodes request bodies into, as go-swagger generates them from the spec
//! (`src/server/v2.0/models`), for [`go_json::decode`]: the errors a body gets from Go's
//! decoder name these types and their fields.
//!
//! go-swagger's mapping, from the definitions in `generated/schemas.json`:
//! - a definition with properties is the struct `models.<Name>`, a field of it a pointer
//!   (`[]*models.Label` in a slice); a definition of a plain string or of a map, the named type
//!   `models.<Name>`;
//! - `integer` is `int64`, or the Go type its format names (`int32`, `int8`, `uint64`; `int`
//!   is no Go format name and stays `int64`); `number` is `float64`, `float32` for `float`;
//!   `string` with format `date-time` is `strfmt.DateTime`;
//! - an object with `additionalProperties` is a `map[string]<value>`, one without either a
//!   free `interface {}`, as is a property with no type;
//! - an operation's inline body object is `<package>.<Operation>Body`, in the package of the
//!   operation's tag.

use std::collections::HashMap;
use std::sync::LazyLock;

use serde_json::Value;

use crate::go_json::Shape;
use crate::validate::SCHEMAS_JSON;

/// Every definition's shape by name, and every operation's body shape by operation id.
struct Shapes {
    definitions: HashMap<&'static str, Shape>,
    bodies: HashMap<&'static str, Shape>,
}

/// Built once; the shapes live as long as the process (they are `'static` for the decoder).
static SHAPES: LazyLock<Shapes> = LazyLock::new(build);

/// The shape of `operation`'s request body, if it has one.
pub(crate) fn body_shape(operation: &str) -> Option<&'static Shape> {
    SHAPES.bodies.get(operation)
}

/// A definition by name: [`go_json::decode`]'s `resolve`.
pub(crate) fn definition(name: &str) -> Option<&'static Shape> {
    SHAPES.definitions.get(name)
}

fn leak<T>(value: T) -> &'static T {
    Box::leak(Box::new(value))
}

fn leak_str(text: String) -> &'static str {
    Box::leak(text.into_boxed_str())
}

fn build() -> Shapes {
    // Generated and checked by `cargo xtask codegen`'s freshness test: a failure is a build
    // defect, not user input.
    let document: Value =
        serde_json::from_str(SCHEMAS_JSON).expect("generated/schemas.json is valid JSON");
    let empty = serde_json::Map::new();
    let definitions = document["definitions"].as_object().unwrap_or(&empty);
    let shapes = definitions
        .iter()
        .map(|(name, schema)| {
            let name = leak_str(name.clone());
            (name, definition_shape(definitions, name, schema))
        })
        .collect();
    let bodies = document["requests"]
        .as_object()
        .unwrap_or(&empty)
        .iter()
        .map(|(operation, schema)| {
            let operation = leak_str(operation.clone());
            (operation, body(definitions, operation, schema))
        })
        .collect();
    Shapes {
        definitions: shapes,
        bodies,
    }
}

type Definitions = serde_json::Map<String, Value>;

/// The type `models.<name>` a definition is.
fn definition_shape(definitions: &Definitions, name: &str, schema: &Value) -> Shape {
    let type_name = format!("models.{name}");
    let has_properties = schema.get("properties").is_some();
    if !has_properties && schema.get("additionalProperties").is_some() {
        // A named map type (`type ResourceList map[string]int64`).
        let element = match field(definitions, schema) {
            Shape::Map { element, .. } => element,
            _ => &Shape::Any,
        };
        return Shape::Map {
            type_name: leak_str(type_name),
            element,
        };
    }
    match schema["type"].as_str() {
        None | Some("object") => structure(definitions, type_name, name, schema),
        _ if has_properties => structure(definitions, type_name, name, schema),
        Some("string") if schema.get("format").is_none() => Shape::NamedString(leak_str(type_name)),
        _ => field(definitions, schema),
    }
}

/// A struct named `type_name` (`name` its `reflect.Type.Name()`) with `schema`'s properties.
fn structure(definitions: &Definitions, type_name: String, name: &str, schema: &Value) -> Shape {
    let properties = schema["properties"].as_object();
    let fields: Vec<(&'static str, Shape)> = properties
        .into_iter()
        .flatten()
        .map(|(key, property)| {
            let shape = match property.get("properties") {
                // An inline object: go-swagger names it after the struct and the property.
                Some(_) => {
                    let own = format!("{name}{}", go_name(key));
                    structure(definitions, format!("models.{own}"), &own, property)
                }
                None => field(definitions, property),
            };
            (leak_str(key.clone()), shape)
        })
        .collect();
    Shape::Struct {
        type_name: leak_str(type_name),
        name: leak_str(name.to_owned()),
        fields: Box::leak(fields.into_boxed_slice()),
    }
}

/// The shape of a property (or an item, or a map's value).
fn field(definitions: &Definitions, schema: &Value) -> Shape {
    if let Some(name) = reference(schema) {
        return Shape::Named(leak_str(name.to_owned()));
    }
    let format = schema["format"].as_str();
    match schema["type"].as_str() {
        Some("string") if format == Some("date-time") => Shape::DateTime,
        Some("string") => Shape::String,
        Some("boolean") => Shape::Bool,
        Some("integer") => {
            let (type_name, bits, unsigned) = match format {
                Some("int32") => ("int32", 32, false),
                Some("int16") => ("int16", 16, false),
                Some("int8") => ("int8", 8, false),
                Some("uint64") => ("uint64", 64, true),
                Some("uint32") => ("uint32", 32, true),
                _ => ("int64", 64, false),
            };
            Shape::Int {
                type_name,
                bits,
                unsigned,
            }
        }
        Some("number") if format == Some("float") => Shape::Float {
            type_name: "float32",
            bits: 32,
        },
        Some("number") => Shape::Float {
            type_name: "float64",
            bits: 64,
        },
        Some("array") => {
            let element = field(definitions, &schema["items"]);
            Shape::Slice {
                type_name: leak_str(format!("[]{}", element_type(definitions, &schema["items"]))),
                element: leak(element),
            }
        }
        Some("object") => match schema.get("additionalProperties") {
            Some(Value::Object(value)) if !value.is_empty() => {
                let value = Value::Object(value.clone());
                let element = field(definitions, &value);
                Shape::Map {
                    type_name: leak_str(format!(
                        "map[string]{}",
                        element_type(definitions, &value)
                    )),
                    element: leak(element),
                }
            }
            Some(_) => Shape::MapOfAny,
            None => Shape::Any,
        },
        _ => Shape::Any,
    }
}

/// The Go type of a slice's element or a map's value: a struct by pointer.
fn element_type(definitions: &Definitions, schema: &Value) -> String {
    if let Some(name) = reference(schema) {
        let is_struct = definitions
            .get(name)
            .is_some_and(|d| d.get("properties").is_some());
        return if is_struct {
            format!("*models.{name}")
        } else {
            format!("models.{name}")
        };
    }
    field(definitions, schema).type_name().to_owned()
}

/// The definition a `$ref` names.
fn reference(schema: &Value) -> Option<&str> {
    schema["$ref"].as_str()?.strip_prefix("#/definitions/")
}

/// An operation's body: a definition, a map, or an inline object of its own type.
fn body(definitions: &Definitions, operation: &str, schema: &Value) -> Shape {
    if schema.get("properties").is_none() {
        return field(definitions, schema);
    }
    // go-swagger puts the type in the package of the operation's tag.
    let package = match operation {
        "pingOIDC" => "oidc",
        _ => "retention",
    };
    let name = format!("{}Body", go_name(operation));
    structure(definitions, format!("{package}.{name}"), &name, schema)
}

/// go-swagger's `swag.ToGoName` for the names met here: each `_`-separated part capitalised.
fn go_name(name: &str) -> String {
    name.split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect()
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::go_json::decode;

    fn error(operation: &str, body: &str) -> String {
        let shape = body_shape(operation).unwrap();
        decode(body.as_bytes(), shape, definition)
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn bodies_fail_with_the_words_of_gos_decoder() {
        let cases = [
            (
                "createProject",
                r#"{"project_name": 5}"#,
                "json: cannot unmarshal number into Go struct field ProjectReq.project_name of type string",
            ),
            (
                "createProject",
                r#"{"metadata": {"public": true}}"#,
                "json: cannot unmarshal bool into Go struct field ProjectMetadata.metadata.public of type string",
            ),
            (
                "createProject",
                "[1]",
                "json: cannot unmarshal array into Go value of type models.ProjectReq",
            ),
            (
                "createProject",
                r#"{"storage_limit": 1.5}"#,
                "json: cannot unmarshal number 1.5 into Go struct field ProjectReq.storage_limit of type int64",
            ),
            (
                "createProject",
                r#"{"metadata": 7}"#,
                "json: cannot unmarshal number into Go struct field ProjectReq.metadata of type models.ProjectMetadata",
            ),
            (
                "createProject",
                r#"{"project_name": "a","#,
                "unexpected EOF",
            ),
            (
                "createProject",
                "nope",
                "invalid character 'o' in literal null (expecting 'u')",
            ),
            (
                "addProjectMetadatas",
                r#"{"auto_scan": false}"#,
                "json: cannot unmarshal bool into Go value of type string",
            ),
            (
                "updateQuota",
                r#"{"hard": []}"#,
                "json: cannot unmarshal array into Go struct field QuotaUpdateReq.hard of type models.ResourceList",
            ),
            (
                "triggerRetentionExecution",
                r#"{"dry_run": "yes"}"#,
                "json: cannot unmarshal string into Go struct field TriggerRetentionExecutionBody.dry_run of type bool",
            ),
        ];
        for (operation, body, expected) in cases {
            assert_eq!(error(operation, body), expected, "{operation} {body}");
        }
    }

    #[test]
    fn what_follows_the_first_value_is_not_read() {
        let shape = body_shape("createProject").unwrap();
        assert_eq!(
            decode(br#"{"project_name": "a"} trailing"#, shape, definition).unwrap(),
            Some(21)
        );
        assert_eq!(decode(b"  \n", shape, definition).unwrap(), None);
    }
}
