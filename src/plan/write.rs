//! Writing a service: every change is staged first, then moved into place, so that a run
//! that fails leaves the directory as it was.

use std::fs;
use std::path::{Component, Path, PathBuf};

use anyhow::{bail, Context as _};

use super::state::{hash, State, FILE};
use crate::render::{File, Ownership};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    Create,
    Update,
    Unchanged,
    /// The team's file, or a generated file the team edited: left as it is.
    Kept,
}

#[derive(Debug)]
pub struct Plan {
    pub entries: Vec<(String, Change, Option<String>)>,
    pub state: State,
}

impl Plan {
    pub fn new(root: &Path, files: Vec<File>, mut state: State) -> anyhow::Result<Self> {
        let mut entries = Vec::new();
        let mut hashes = std::collections::BTreeMap::new();
        for file in files {
            check_relative(&file.path)?;
            let target = root.join(&file.path);
            let existing = match fs::symlink_metadata(&target) {
                Ok(meta) if meta.file_type().is_symlink() => {
                    bail!(
                        "{} is a symbolic link; msgen does not write through links",
                        target.display()
                    )
                }
                Ok(_) => Some(
                    fs::read_to_string(&target)
                        .with_context(|| format!("cannot read {}", target.display()))?,
                ),
                Err(_) => None,
            };
            let new_hash = hash(&file.contents);
            let (change, contents) = match (&existing, file.ownership) {
                (None, _) => (Change::Create, Some(file.contents)),
                (Some(old), _) if *old == file.contents => (Change::Unchanged, None),
                (Some(_), Ownership::Team | Ownership::Frozen) => (Change::Kept, None),
                (Some(old), Ownership::Generated) => {
                    let untouched = state.files.get(&file.path).is_some_and(|h| *h == hash(old));
                    if untouched {
                        (Change::Update, Some(file.contents))
                    } else {
                        (Change::Kept, None)
                    }
                }
            };
            if file.ownership == Ownership::Generated {
                let recorded = match change {
                    Change::Kept => state.files.get(&file.path).cloned().unwrap_or(new_hash),
                    _ => new_hash,
                };
                hashes.insert(file.path.clone(), recorded);
            }
            entries.push((file.path, change, contents));
        }
        state.files = hashes;
        Ok(Self { entries, state })
    }
}

/// Rejects paths that could leave the service directory.
fn check_relative(path: &str) -> anyhow::Result<()> {
    let p = Path::new(path);
    if p.is_absolute() || p.components().any(|c| !matches!(c, Component::Normal(_))) {
        bail!("refusing to write outside the service directory: {path}");
    }
    Ok(())
}

/// Writes the plan under `root`: all files are written to a staging directory first and only
/// then renamed into place. Returns the paths written.
pub fn apply(root: &Path, plan: &Plan) -> anyhow::Result<Vec<PathBuf>> {
    fs::create_dir_all(root).with_context(|| format!("cannot create {}", root.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".msgen-staging-")
        .tempdir_in(root)
        .with_context(|| format!("cannot write in {}", root.display()))?;
    let mut staged = Vec::new();
    let state_json = plan.state.to_json();
    // The state is rewritten only when it changes, so a no-op run touches nothing at all.
    let state_changed = fs::read_to_string(root.join(FILE)).ok().as_deref() != Some(&state_json);
    let writes = plan
        .entries
        .iter()
        .filter_map(|(path, _, contents)| contents.as_ref().map(|c| (path.as_str(), c.as_str())))
        .chain(state_changed.then_some((FILE, state_json.as_str())));
    for (path, contents) in writes {
        let temp = staging.path().join(path);
        if let Some(parent) = temp.parent() {
            fs::create_dir_all(parent)?;
        }
        fs::write(&temp, contents).with_context(|| format!("cannot write {}", temp.display()))?;
        staged.push((temp, root.join(path)));
    }
    let mut written = Vec::new();
    for (temp, target) in staged {
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::rename(&temp, &target).with_context(|| format!("cannot write {}", target.display()))?;
        written.push(target);
    }
    Ok(written)
}
