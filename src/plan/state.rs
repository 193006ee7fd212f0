//! `.msgen/`: what msgen generated last, kept with the service (and meant to be committed) so
//! that the next run knows what the team changed and what the database already has.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ir::schema::Schema;

pub const FILE: &str = ".msgen/state.json";

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct State {
    /// The msgen version that wrote this state.
    pub generator: String,
    /// The schema the migrations build, as of the last generation.
    pub schema: Option<Schema>,
    /// The migrations written so far, in order.
    #[serde(default)]
    pub migrations: Vec<String>,
    /// SHA-256 of each generated file as msgen wrote it.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
}

impl State {
    pub fn load(root: &Path) -> anyhow::Result<Option<Self>> {
        let path = root.join(FILE);
        match std::fs::read_to_string(&path) {
            Ok(text) => Ok(Some(serde_json::from_str(&text).map_err(|err| {
                anyhow::anyhow!(
                    "{} is damaged: {err}; restore it from version control",
                    path.display()
                )
            })?)),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(anyhow::anyhow!("cannot read {}: {err}", path.display())),
        }
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("state serializes");
        text.push('\n');
        text
    }
}

pub fn hash(contents: &str) -> String {
    let digest = Sha256::digest(contents.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}
