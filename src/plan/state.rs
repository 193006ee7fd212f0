//! `.msgen/`: what msgen generated last, kept with the service and meant to be committed, so
//! that the next run knows what the team changed and what the database already has.
//!
//! - `state.json`: generator version, the schema the migrations build, a checksum of every
//!   migration, who owns each file msgen wrote, and the generated files the team deleted;
//! - `spec.yaml`: the spec the service was last generated from;
//! - `base/<path>`: each generated file as msgen last generated it, the common ancestor of
//!   three-way merges.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use anyhow::Context as _;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ir::schema::Schema;
use crate::render::Ownership;

pub const STATE: &str = ".msgen/state.json";
pub const SPEC: &str = ".msgen/spec.yaml";
pub const BASE: &str = ".msgen/base";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The msgen version that wrote this state.
    pub generator: String,
    /// The schema the migrations build, as of the last generation.
    pub schema: Option<Schema>,
    /// Every migration msgen wrote, in order, with the checksum it was written with.
    #[serde(default)]
    pub migrations: Vec<Migration>,
    /// Every file msgen wrote, by path.
    #[serde(default)]
    pub files: BTreeMap<String, Ownership>,
    /// Generated files the team deleted: msgen does not bring them back.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub deleted: BTreeSet<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub path: String,
    pub sha256: String,
}

impl State {
    /// The state under `root`, or `None` where msgen has not generated before.
    pub fn load(root: &Path) -> anyhow::Result<Option<Self>> {
        let path = root.join(STATE);
        match std::fs::read_to_string(&path) {
            Ok(text) => serde_json::from_str(&text).map(Some).with_context(|| {
                format!(
                    "{} is damaged; restore it from version control",
                    path.display()
                )
            }),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("state serializes");
        text.push('\n');
        text
    }

    /// The content msgen generated last for `path`, the ancestor of a three-way merge.
    pub fn base(root: &Path, path: &str) -> Option<String> {
        std::fs::read_to_string(root.join(base_path(path))).ok()
    }
}

/// Where the base of a generated file is kept, relative to the service root.
pub fn base_path(path: &str) -> String {
    format!("{BASE}/{path}")
}

pub fn sha256(contents: &str) -> String {
    let digest = Sha256::digest(contents.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
