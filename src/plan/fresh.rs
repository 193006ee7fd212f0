//! A regeneration that would change nothing, told without rendering. When the build of msgen
//! and the spec are those `.msgen/` recorded, msgen would render what it rendered last time,
//! which is what `.msgen/` keeps as the base of each file; merged with what is on disk, that
//! changes no file, as long as every file msgen keeps track of is still there.

use std::fs;
use std::path::Path;

use super::state::{sha256, State, BASES, OLD_BASES, SPEC, STATE};

/// Whether regenerating the service under `root`, whose `.msgen/` recorded `state`, from the
/// spec `spec` would leave every file as it is. `false` means only that rendering must tell.
///
/// It is `true` when the spec and msgen's build are those of the last generation, `.msgen/` is
/// as msgen writes it, every other file the generation read (the specs of the services it
/// calls) holds what it held, every migration has its recorded checksum, every file msgen
/// wrote is a file (not a link) at its path, and no file is noted on each run (deleted by the team, or kept though no longer generated). One
/// thing a rendering would do is not done then: a team's file whose stub for an operation was
/// removed does not get it back.
pub fn unchanged(root: &Path, spec: &str, state: &State) -> bool {
    state.build == env!("MSGEN_BUILD")
        && state.deleted.is_empty()
        && state.kept.is_empty()
        && fs::read(root.join(SPEC)).is_ok_and(|recorded| recorded == spec.as_bytes())
        && fs::read(root.join(STATE)).is_ok_and(|recorded| recorded == state.to_json().as_bytes())
        && is_file(root, BASES)
        && !root.join(OLD_BASES).exists()
        && state.inputs.iter().all(|(path, sha)| {
            fs::read_to_string(root.join(path)).is_ok_and(|text| sha256(&text) == *sha)
        })
        && state.migrations.iter().all(|migration| {
            fs::read_to_string(root.join(&migration.path))
                .is_ok_and(|text| sha256(&text) == migration.sha256)
        })
        && state
            .files
            .keys()
            .filter(|path| !state.deleted.contains(*path))
            .all(|path| is_file(root, path))
}

fn is_file(root: &Path, path: &str) -> bool {
    fs::symlink_metadata(root.join(path)).is_ok_and(|meta| meta.file_type().is_file())
}
