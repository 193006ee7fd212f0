//! msgen turns a service spec (`msgen.yaml`) into a layered Rust microservice and keeps the
//! service in step with the spec as both change.
//!
//! The pipeline: [`spec`] (load and validate) -> [`ir`] (every name and type decided) ->
//! [`render`] (files in memory) -> [`plan`] (what to write, and writing it all at once).

pub mod cli;
pub mod dependencies;
pub mod diff;
pub mod ir;
pub mod names;
pub mod plan;
pub mod render;
pub mod rules;
pub mod schema;
pub mod spec;
pub mod system;
