//! `.msgen/`: what msgen generated last, kept with the service and meant to be committed, so
//! that the next run knows what the team changed and what the database already has.
//!
//! - `state.json`: generator version, the schema the migrations build, a checksum of every
//!   migration, who owns each file msgen wrote, and the generated files the team deleted;
//! - `spec.yaml`: the spec the service was last generated from;
//! - `base.json.gz`: each generated file as msgen last generated it, the common ancestor of
//!   three-way merges; one compressed file, so that the service holds no second copy of its
//!   code for every search and review to go through twice. (Earlier versions of msgen kept
//!   them as `base/<path>`, one file each: read when there is no `base.json.gz`, removed once
//!   it is written.)

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read as _, Write as _};
use std::path::Path;

use anyhow::Context as _;
use flate2::read::GzDecoder;
use flate2::write::GzEncoder;
use flate2::Compression;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ir::schema::Schema;
use crate::render::Ownership;

pub const STATE: &str = ".msgen/state.json";
pub const SPEC: &str = ".msgen/spec.yaml";
pub const BASES: &str = ".msgen/base.json.gz";
/// Where earlier versions of msgen kept each base, as a file of its own.
pub const OLD_BASES: &str = ".msgen/base";

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct State {
    /// The msgen version that wrote this state.
    pub generator: String,
    /// The build of msgen that wrote it (its version and a fingerprint of its source): with
    /// the same build and the same spec, regenerating would change nothing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub build: String,
    /// The schema the migrations build, as of the last generation.
    pub schema: Option<Schema>,
    /// The numbers of the gRPC contract's fields and enum values, for a service that serves
    /// gRPC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub proto: Option<crate::render::proto::Numbers>,
    /// Every migration msgen wrote, in order, with the checksum it was written with.
    #[serde(default)]
    pub migrations: Vec<Migration>,
    /// Every file msgen wrote, by path.
    #[serde(default)]
    pub files: BTreeMap<String, Ownership>,
    /// Generated files the team deleted: msgen does not bring them back.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub deleted: BTreeSet<String>,
    /// Files msgen no longer generates, kept because the team edited them; every regeneration
    /// says so until the team deletes them.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub kept: BTreeSet<String>,
    /// The files besides the spec that the last generation read (the specs of the services
    /// it calls, a system's manifest), by their path from the service's folder, with the
    /// SHA-256 of what they held: while they hold the same, they would give the same files.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub inputs: BTreeMap<String, String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Migration {
    pub path: String,
    pub sha256: String,
}

impl State {
    /// The state under `root`, or `None` where msgen has not generated before.
    pub fn load(root: &Path) -> anyhow::Result<Option<Self>> {
        Ok(Self::read(root)?.map(|(state, _)| state))
    }

    /// The state under `root` and the text it was read from, or `None` where msgen has not
    /// generated before.
    pub fn read(root: &Path) -> anyhow::Result<Option<(Self, String)>> {
        let path = root.join(STATE);
        match std::fs::read_to_string(&path) {
            Ok(text) => match serde_json::from_str(&text) {
                Ok(state) => Ok(Some((state, text))),
                Err(err) => Err(err).with_context(|| {
                    format!(
                        "{} is damaged; restore it from version control",
                        path.display()
                    )
                }),
            },
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    /// Records `inputs` as read by the generation of the service under `root`.
    pub fn record_inputs(&mut self, root: &Path, inputs: &[crate::spec::Source]) {
        self.inputs = inputs
            .iter()
            .map(|input| (relative(root, &input.name), sha256(&input.text)))
            .collect();
    }

    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string_pretty(self).expect("state serializes");
        text.push('\n');
        text
    }
}

/// What msgen generated last for each generated file, by path: the ancestors of three-way
/// merges.
#[derive(Debug, Default)]
pub struct Bases {
    files: BTreeMap<String, String>,
    /// Read from `base.json.gz` (not from the layout before it, nor absent).
    stored: bool,
}

impl Bases {
    /// The bases under `root`: from `base.json.gz`, or else from the files of the layout
    /// before it, for the files `previous` lists.
    pub fn load(root: &Path, previous: &State) -> anyhow::Result<Self> {
        let path = root.join(BASES);
        match std::fs::read(&path) {
            Ok(bytes) => {
                let mut json = String::new();
                GzDecoder::new(bytes.as_slice())
                    .read_to_string(&mut json)
                    .ok()
                    .and_then(|_| serde_json::from_str(&json).ok())
                    .map(|files| Self {
                        files,
                        stored: true,
                    })
                    .with_context(|| {
                        format!(
                            "{} is damaged; restore it from version control",
                            path.display()
                        )
                    })
            }
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let old = root.join(OLD_BASES);
                let read = |path: &String| std::fs::read_to_string(old.join(path)).ok();
                let files = previous.files.keys();
                Ok(Self {
                    files: files.filter_map(|p| Some((p.clone(), read(p)?))).collect(),
                    stored: false,
                })
            }
            Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.files.get(path).map(String::as_str)
    }

    /// Whether `base.json.gz` must be written to hold `new`.
    pub fn differ(&self, new: &BTreeMap<String, String>) -> bool {
        !self.stored || self.files != *new
    }

    /// `bases` as `base.json.gz` holds them; the same bytes for the same bases.
    pub fn encode(bases: &BTreeMap<String, String>) -> Vec<u8> {
        let json = serde_json::to_vec(bases).expect("strings serialize");
        let mut gzip = GzEncoder::new(Vec::new(), Compression::default());
        gzip.write_all(&json).expect("writing to memory succeeds");
        gzip.finish().expect("writing to memory succeeds")
    }
}

pub fn sha256(contents: &str) -> String {
    let digest = Sha256::digest(contents.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// `path` as seen from the folder `root`, with `/` between its parts: `../payment-service/msgen.yaml`.
pub fn relative(root: &Path, path: &Path) -> String {
    let absolute = |p: &Path| normal(&std::path::absolute(p).unwrap_or_else(|_| p.to_path_buf()));
    let (from, to) = (absolute(root), absolute(path));
    let common = from
        .iter()
        .zip(to.iter())
        .take_while(|(a, b)| a == b)
        .count();
    let up = std::iter::repeat_n("..".to_owned(), from.len() - common);
    let down = to[common..].iter().cloned();
    up.chain(down).collect::<Vec<_>>().join("/")
}

/// `path`, absolute, with `.` and `..` resolved as written: a path through a folder that does
/// not exist yet (a new service's) still names the file it leads to.
pub fn lexical(path: &Path) -> std::path::PathBuf {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut resolved = std::path::PathBuf::from("/");
    resolved.extend(normal(&absolute));
    resolved
}

/// The parts of an absolute path, with `.` and `..` resolved as written (links are not
/// followed).
fn normal(path: &Path) -> Vec<String> {
    let mut parts: Vec<String> = Vec::new();
    for component in path.components() {
        match component {
            std::path::Component::Normal(part) => parts.push(part.to_string_lossy().into_owned()),
            std::path::Component::ParentDir => {
                parts.pop();
            }
            _ => {}
        }
    }
    parts
}
