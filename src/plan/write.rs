//! Applying a plan: every file is written to a staging directory first and only then moved
//! into place, so a run that fails before the moves leaves the service as it was. Files whose
//! content does not change are not touched at all.

use std::borrow::Cow;
use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tempfile::TempDir;

use super::decide::{Action, Plan};
use super::state::{Bases, State, BASES, GZIP_BASES, OLD_BASES, SPEC, STATE};

/// Writes the plan under `root` and returns the paths it wrote or removed.
pub fn apply(root: &Path, plan: &Plan, previous: &State) -> anyhow::Result<Vec<PathBuf>> {
    let mut writes: Vec<(String, Cow<[u8]>)> = Vec::new();
    for entry in &plan.entries {
        if let Some(new) = &entry.new {
            writes.push((entry.path.clone(), Cow::Borrowed(new.as_bytes())));
        }
    }
    let state_json = plan.state.to_json();
    for (path, contents) in [(STATE, state_json.as_bytes()), (SPEC, plan.spec.as_bytes())] {
        if fs::read(root.join(path)).ok().as_deref() != Some(contents) {
            writes.push((path.to_string(), Cow::Borrowed(contents)));
        }
    }
    // Compressed only when they changed: compressing them is most of a no-op's cost.
    if plan.bases_changed {
        let bases = Bases::encode(&plan.bases, &plan.same_frames);
        writes.push((BASES.to_string(), Cow::Owned(bases)));
    }
    let mut removals: Vec<String> = plan
        .entries
        .iter()
        .filter(|e| e.action == Action::Delete)
        .map(|e| e.path.clone())
        .collect();
    // The bases as earlier versions of msgen kept them, now in `base.tar.zst`: one file each,
    // or in `base.json.gz`.
    let old_bases = root.join(OLD_BASES).is_dir();
    removals.extend(
        previous
            .files
            .keys()
            .filter(|_| old_bases)
            .map(|path| format!("{OLD_BASES}/{path}"))
            .chain([GZIP_BASES.to_string()])
            .filter(|base| root.join(base).is_file()),
    );
    if writes.is_empty() && removals.is_empty() {
        return Ok(Vec::new());
    }

    if !root.exists() {
        return create(root, &writes);
    }
    let staging = stage(root, &writes)?;
    let mut done = Vec::new();
    for (path, _) in &writes {
        let (temp, target) = (staging.path().join(path), root.join(path));
        if let Some(parent) = target.parent() {
            fs::create_dir_all(parent)
                .with_context(|| format!("cannot create {}", parent.display()))?;
        }
        fs::rename(&temp, &target).with_context(|| format!("cannot write {}", target.display()))?;
        done.push(target);
    }
    for path in removals {
        let target = root.join(&path);
        fs::remove_file(&target).with_context(|| format!("cannot delete {}", target.display()))?;
        remove_empty_parents(root, &target);
        done.push(target);
    }
    Ok(done)
}

/// A service directory that does not exist yet is staged beside where it goes and moved into
/// place whole: one rename instead of one per file.
fn create(root: &Path, writes: &[(String, Cow<[u8]>)]) -> anyhow::Result<Vec<PathBuf>> {
    let parent = match root.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let staging = stage(parent, writes)?;
    fs::rename(staging.path(), root)
        .with_context(|| format!("cannot create {}", root.display()))?;
    // Moved: nothing is left to clean up.
    let _ = staging.keep();
    Ok(writes.iter().map(|(path, _)| root.join(path)).collect())
}

/// Writes the files into a new staging directory in `dir` (created if need be), which is
/// removed again if it is dropped.
fn stage(dir: &Path, writes: &[(String, Cow<[u8]>)]) -> anyhow::Result<TempDir> {
    fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let staging = tempfile::Builder::new()
        .prefix(".msgen-staging-")
        .tempdir_in(dir)
        .with_context(|| format!("cannot write in {}", dir.display()))?;
    // Every directory once, then the files on every core: creating a file is most of what
    // writing a small one costs, and the kernel creates files in parallel.
    let parents: BTreeSet<&Path> = writes
        .iter()
        .filter_map(|(path, _)| Path::new(path).parent())
        .filter(|parent| !parent.as_os_str().is_empty())
        .collect();
    for parent in parents {
        let dir = staging.path().join(parent);
        fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    }
    let threads = crate::render::cores().min(MAX_WRITERS);
    let written = crate::render::on_threads(
        writes.iter().collect(),
        threads,
        || (),
        |(), (path, contents)| {
            let temp = staging.path().join(path);
            fs::write(&temp, contents.as_ref())
                .with_context(|| format!("cannot write {}", temp.display()))
        },
    );
    written.into_iter().collect::<anyhow::Result<()>>()?;
    Ok(staging)
}

/// At most this many threads write a service's files.
const MAX_WRITERS: usize = 4;

/// Removes directories left empty by a deletion, up to the service root.
fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir = file.parent();
    while let Some(current) = dir {
        if current == root || fs::remove_dir(current).is_err() {
            break;
        }
        dir = current.parent();
    }
}
