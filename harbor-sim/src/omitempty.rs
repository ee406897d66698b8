//! What `encoding/json` leaves out of a struct field tagged `omitempty`, which go-swagger
//! writes on every model property that is not required (unless the spec says
//! `x-omitempty: false` or makes it a pointer with `x-nullable: true`): a string, number or
//! boolean at its zero value, and `null`. Handlers that build a model's answer by hand call
//! [`omit_empty`] with the fields the model tags so; the tests' conformance checker
//! (`tests/support/conformance.rs`) finds any zero value an answer still carries.

use serde_json::Value;

/// Whether `value` is a Go zero value `omitempty` leaves out: `""`, `0`, `false` or `null`.
/// Arrays and objects are not: go-swagger writes slices and nested models without it, and a
/// struct is never omitted.
pub(crate) fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Array(_) | Value::Object(_) => false,
    }
}

/// Leaves out of `object` each of `fields` that holds its zero value ([`is_empty`]); anything
/// but an object is left as it is.
pub(crate) fn omit_empty(object: &mut Value, fields: &[&str]) {
    if let Value::Object(members) = object {
        for field in fields {
            if members.get(*field).is_some_and(is_empty) {
                members.remove(*field);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn zero_values_of_the_named_fields_are_left_out() {
        let mut rule = json!({"id": 3, "priority": 0, "disabled": false, "action": "",
            "params": {}, "tag_selectors": [], "template": "always"});
        omit_empty(
            &mut rule,
            &[
                "priority",
                "disabled",
                "action",
                "params",
                "tag_selectors",
                "template",
                "id",
            ],
        );
        assert_eq!(
            rule,
            json!({"id": 3, "params": {}, "tag_selectors": [], "template": "always"})
        );
        let mut not_an_object = json!([0]);
        omit_empty(&mut not_an_object, &["0"]);
        assert_eq!(not_an_object, json!([0]));
    }
}
