//! How the generated models decode: one compact `Deserialize` impl per model, written by
//! [`deserialize_model!`] from the table the generator emits.
//!
//! Why not `#[derive(Deserialize)]`: for each of the 148 models the derive writes a field
//! enum with three visitor methods, a sequence visitor and a map visitor that holds an
//! `Option` per field, all generic and all type-checked and borrow-checked in this crate.
//! That was about 2 s of the crate's debug build (BENCHMARKS.md, section 4). What Harbor's
//! JSON needs is the map visitor alone: start from the model's `Default` (every field is
//! `#[serde(default)]`), and for each key either decode its field or skip the value.
//!
//! The decoding is the derive's, for every JSON object: a key names a field by its wire name
//! or an alias; unknown keys are skipped; a missing field keeps its default; `null` decodes
//! an `Option` field to `None`; a key given twice is the derive's `duplicate field` error;
//! any other value is the derive's `invalid type: ..., expected struct Name`. The one input
//! the derive takes and this does not is a JSON array in place of an object (the derive
//! reads it as the fields in order), which Harbor never sends.

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use std::fmt;

/// The keys of one object being decoded: which field a key names, and which fields were
/// already seen (a key given twice is an error, as with the derive).
///
/// Generic over the model's `field_index` fn (a zero-sized fn item), so that its `match` is
/// inlined into the key's decoding as the derive's is, not called through a pointer.
pub(crate) struct Keys<F> {
    fields: &'static [&'static str],
    field_index: F,
    /// One bit per field; the generator refuses a model of more than 128 fields.
    seen: u128,
}

impl<F: Fn(&str) -> Option<usize>> Keys<F> {
    /// The keys of a model whose wire names are `fields` (in field order), with `field_index`
    /// finding the field a key names (by wire name or alias).
    pub(crate) fn new(fields: &'static [&'static str], field_index: F) -> Self {
        Keys {
            fields,
            field_index,
            seen: 0,
        }
    }

    /// The next key's field (`Some(None)` for a key that names no field), or `None` at the
    /// object's end.
    #[inline]
    pub(crate) fn next<'de, A: MapAccess<'de>>(
        &mut self,
        map: &mut A,
    ) -> Result<Option<Option<usize>>, A::Error> {
        let Some(field) = map.next_key_seed(KeySeed(self))? else {
            return Ok(None);
        };
        if let Some(index) = field {
            let bit = 1u128 << index;
            if self.seen & bit != 0 {
                return Err(de::Error::duplicate_field(self.fields[index]));
            }
            self.seen |= bit;
        }
        Ok(Some(field))
    }
}

/// Reads one key as the field it names, as the derive's field visitor does: a string (or its
/// bytes) by name, an integer by position.
struct KeySeed<'k, F>(&'k Keys<F>);

impl<'de, F: Fn(&str) -> Option<usize>> DeserializeSeed<'de> for KeySeed<'_, F> {
    type Value = Option<usize>;

    #[inline]
    fn deserialize<D: de::Deserializer<'de>>(
        self,
        deserializer: D,
    ) -> Result<Self::Value, D::Error> {
        deserializer.deserialize_identifier(self)
    }
}

impl<'de, F: Fn(&str) -> Option<usize>> Visitor<'de> for KeySeed<'_, F> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("field identifier")
    }

    #[inline]
    fn visit_str<E: de::Error>(self, key: &str) -> Result<Self::Value, E> {
        Ok((self.0.field_index)(key))
    }

    fn visit_bytes<E: de::Error>(self, key: &[u8]) -> Result<Self::Value, E> {
        Ok(std::str::from_utf8(key)
            .ok()
            .and_then(|key| (self.0.field_index)(key)))
    }

    fn visit_u64<E: de::Error>(self, index: u64) -> Result<Self::Value, E> {
        Ok(usize::try_from(index)
            .ok()
            .filter(|&index| index < self.0.fields.len()))
    }
}

/// `impl Deserialize for $model`: the object's keys decoded into a `Default` model.
///
/// `fields` lists each field once, in order, as `index "wire name" => ident`; `aliases`
/// lists other names a key may give a field, as `"alias" => index`. The generator writes
/// both from the spec (`xtask/src/codegen/models.rs`).
macro_rules! deserialize_model {
    (
        $model:ident,
        fields: [$($index:literal $wire:literal => $field:ident),* $(,)?],
        aliases: [$($alias:literal => $alias_index:literal),* $(,)?] $(,)?
    ) => {
        impl<'de> serde::Deserialize<'de> for $model {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                const FIELDS: &[&str] = &[$($wire),*];
                fn field_index(key: &str) -> Option<usize> {
                    match key {
                        $($wire => Some($index),)*
                        $($alias => Some($alias_index),)*
                        _ => None,
                    }
                }
                struct ModelVisitor;
                impl<'de> serde::de::Visitor<'de> for ModelVisitor {
                    type Value = $model;
                    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                        f.write_str(concat!("struct ", stringify!($model)))
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(
                        self,
                        mut map: A,
                    ) -> Result<$model, A::Error> {
                        #[allow(unused_mut)] // a model without fields
                        let mut model = <$model as Default>::default();
                        let mut keys = $crate::model_de::Keys::new(FIELDS, field_index);
                        while let Some(field) = keys.next(&mut map)? {
                            match field {
                                $(Some($index) => model.$field = map.next_value()?,)*
                                _ => {
                                    map.next_value::<serde::de::IgnoredAny>()?;
                                }
                            }
                        }
                        Ok(model)
                    }
                }
                deserializer.deserialize_struct(stringify!($model), FIELDS, ModelVisitor)
            }
        }
    };
}

pub(crate) use deserialize_model;

#[cfg(test)]
mod tests {
    //! The compact impl against the derive it replaces, on the same inputs.

    use serde::Deserialize;

    /// The generated shape: every field defaults, one renamed with an alias, one required
    /// (`count`: not an `Option`, its default when missing).
    #[derive(Debug, Default, PartialEq)]
    struct Compact {
        id: Option<i64>,
        os_version: Option<String>,
        r#type: Option<String>,
        names: Vec<String>,
        nested: Option<Box<Compact>>,
        count: i64,
    }

    deserialize_model!(
        Compact,
        fields: [
            0 "id" => id,
            1 "'os.version'" => os_version,
            2 "type" => r#type,
            3 "names" => names,
            4 "nested" => nested,
            5 "count" => count,
        ],
        aliases: ["os.version" => 1],
    );

    /// What `xtask codegen` emitted before: serde's derive.
    #[derive(Debug, Default, PartialEq, Deserialize)]
    struct Derived {
        #[serde(default)]
        id: Option<i64>,
        #[serde(rename = "'os.version'", alias = "os.version", default)]
        os_version: Option<String>,
        #[serde(default)]
        r#type: Option<String>,
        #[serde(default)]
        names: Vec<String>,
        #[serde(default)]
        nested: Option<Box<Derived>>,
        #[serde(default)]
        count: i64,
    }

    fn both(json: &str) -> (Result<String, String>, Result<String, String>) {
        let compact = serde_json::from_str::<Compact>(json)
            .map(|c| format!("{c:?}"))
            .map_err(|e| e.to_string());
        let derived = serde_json::from_str::<Derived>(json)
            .map(|d| format!("{d:?}").replace("Derived", "Compact"))
            .map_err(|e| e.to_string().replace("Derived", "Compact"));
        (compact, derived)
    }

    #[test]
    fn decodes_objects_as_the_derive_does() {
        for json in [
            r#"{}"#,
            r#"{"id": 7, "type": "image", "names": ["a", "b"]}"#,
            r#"{"id": null, "names": []}"#,
            r#"{"unknown": {"deep": [1, 2, {"x": null}]}, "id": 3}"#,
            r#"{"'os.version'": "10.0"}"#,
            r#"{"os.version": "10.0"}"#,
            r#"{"nested": {"id": 1, "nested": {"type": "x"}}, "count": 2}"#,
            r#"{"na\u006des": ["escaped key"]}"#,
        ] {
            let (compact, derived) = both(json);
            assert!(compact.is_ok(), "{json}: {compact:?}");
            assert_eq!(compact, derived, "{json}");
        }
    }

    #[test]
    fn refuses_what_the_derive_refuses_in_its_words() {
        for json in [
            r#"{"id": 1, "id": 2}"#,
            r#"{"'os.version'": "a", "os.version": "b"}"#,
            r#"{"id": "seven"}"#,
            r#"{"names": null}"#,
            r#"{"count": null}"#,
            r#"{"count": 1.5}"#,
            r#""text""#,
            r#"42"#,
            r#"null"#,
            r#"{"id": 1"#,
            r#"{"nested": {"id": 1, "id": 1}}"#,
        ] {
            let (compact, derived) = both(json);
            assert!(compact.is_err(), "{json}: {compact:?}");
            assert_eq!(compact, derived, "{json}");
        }
    }

    #[test]
    fn an_array_is_not_read_as_the_fields_in_order() {
        let compact = serde_json::from_str::<Compact>(r#"[1]"#).unwrap_err();
        assert_eq!(
            compact.to_string(),
            "invalid type: sequence, expected struct Compact at line 1 column 1"
        );
    }

    #[test]
    fn keys_by_position_name_fields_as_the_derive_does() {
        use serde::de::value::{Error, MapDeserializer};
        let entries = vec![(5u64, 3i64), (9, 4)];
        let map = MapDeserializer::<_, Error>::new(entries.into_iter());
        let compact = Compact::deserialize(map).unwrap();
        assert_eq!(compact.count, 3, "field 5 is `count`; there is no field 9");
    }
}
