//! The JSON Schema of `msgen.yaml`, for editor completion and for checks outside msgen.
//!
//! It is written by hand next to this file (`msgen.schema.json`) and embedded in the binary.
//! It mirrors the decoder in `spec::load`: wherever msgen refuses unknown keys, the schema
//! says `additionalProperties: false`. Rules that need the whole spec (references that
//! resolve, routes that do not collide, defaults that fit their field) are left to
//! `msgen validate`.

/// The JSON Schema (draft 2020-12) of `msgen.yaml`, with a description for every key.
pub fn json_schema() -> String {
    SCHEMA.to_owned()
}

const SCHEMA: &str = include_str!("msgen.schema.json");

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn schema() -> Value {
        serde_json::from_str(&json_schema()).expect("the schema is valid JSON")
    }

    /// The schema a `$ref` points to, or the schema itself.
    fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
        match schema.get("$ref").and_then(Value::as_str) {
            Some(reference) => {
                let name = reference.trim_start_matches("#/$defs/");
                &root["$defs"][name]
            }
            None => schema,
        }
    }

    fn check_descriptions(root: &Value, schema: &Value, path: &str, missing: &mut Vec<String>) {
        match schema {
            Value::Object(map) => {
                if let Some(Value::Object(properties)) = map.get("properties") {
                    for (key, property) in properties {
                        let has = property.get("description").is_some()
                            || resolve(root, property).get("description").is_some();
                        if !has {
                            missing.push(format!("{path}/{key}"));
                        }
                    }
                }
                // `if` conditions name keys only to test them; they are not keys to describe.
                for (key, value) in map.iter().filter(|(key, _)| *key != "if") {
                    check_descriptions(root, value, &format!("{path}/{key}"), missing);
                }
            }
            Value::Array(items) => {
                for (i, item) in items.iter().enumerate() {
                    check_descriptions(root, item, &format!("{path}/{i}"), missing);
                }
            }
            _ => {}
        }
    }

    #[test]
    fn every_key_has_a_description() {
        let root = schema();
        let mut missing = Vec::new();
        check_descriptions(&root, &root, "", &mut missing);
        assert!(
            missing.is_empty(),
            "keys without a description: {missing:?}"
        );
    }

    #[test]
    fn every_reference_resolves() {
        fn walk(root: &Value, schema: &Value) {
            match schema {
                Value::Object(map) => {
                    if let Some(reference) = map.get("$ref").and_then(Value::as_str) {
                        let name = reference.trim_start_matches("#/$defs/");
                        assert!(root["$defs"].get(name).is_some(), "dangling {reference}");
                    }
                    map.values().for_each(|v| walk(root, v));
                }
                Value::Array(items) => items.iter().for_each(|v| walk(root, v)),
                _ => {}
            }
        }
        let root = schema();
        walk(&root, &root);
    }
}
