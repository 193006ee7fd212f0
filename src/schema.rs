//! The JSON Schema of `msgen.yaml`, for editor completion and checks outside msgen.

/// A JSON Schema (draft 2020-12) describing `msgen.yaml`, with a description for every key.
///
/// It mirrors the decoder: unknown keys are refused (`additionalProperties: false`) wherever
/// msgen refuses them. Rules that need the whole spec (references resolving, routes not
/// colliding) are checked by `msgen validate`, not by the schema.
pub fn json_schema() -> String {
    SCHEMA.to_owned()
}

const SCHEMA: &str = include_str!("msgen.schema.json");
