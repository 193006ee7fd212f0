//! The plan of a generation: one action per file, decided from three versions of it: what
//! msgen generated last (the base in `.msgen/`), what is on disk, and the new output.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::fs;
use std::path::{Component, Path};

use super::merge::{self, Merged};
use super::state::{sha256, Bases, Frame, Migration, State, Stored};
use super::stubs;
use crate::render::{File, Ownership};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// A new file.
    Create,
    /// Rewritten: the team never edited it, or stubs are added to the team's file.
    Update,
    /// The team's edits and the new output, merged cleanly.
    Merge,
    /// The team's edits and the new output overlap: written with conflict markers.
    Conflict,
    /// Its source left the spec and the team never edited it.
    Delete,
    /// Nothing to do.
    Unchanged,
    /// Left as it is: the team's file, a deleted file that stays deleted, or an edited file
    /// whose source left the spec.
    Keep,
}

impl Action {
    /// Whether the action writes or removes a file.
    pub fn changes(self) -> bool {
        !matches!(self, Self::Unchanged | Self::Keep)
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Create => "create",
            Self::Update => "update",
            Self::Merge => "merge",
            Self::Conflict => "conflict",
            Self::Delete => "delete",
            Self::Unchanged => "unchanged",
            Self::Keep => "keep",
        })
    }
}

#[derive(Debug, Clone)]
pub struct Entry {
    pub path: String,
    pub action: Action,
    /// What is on disk now, if anything.
    pub old: Option<String>,
    /// What the file becomes, for actions that write it.
    pub new: Option<String>,
    /// Why, for actions a user may wonder about.
    pub note: Option<String>,
}

#[derive(Debug)]
pub struct Plan {
    pub entries: Vec<Entry>,
    /// The state to record once the plan is applied.
    pub state: State,
    /// The new base of each generated file (what msgen generated this time), with the
    /// fingerprints of those rendered from a template.
    pub bases: Stored,
    /// Whether they differ from the bases recorded (and so must be written).
    pub bases_changed: bool,
    /// The frames of the recorded bases whose entries are the same in the new ones.
    pub same_frames: Vec<Frame>,
    /// The spec the service is generated from.
    pub spec: String,
}

impl Plan {
    pub fn changes(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.action.changes())
    }

    pub fn conflicts(&self) -> impl Iterator<Item = &Entry> {
        self.entries.iter().filter(|e| e.action == Action::Conflict)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(
        "{path} changed after msgen wrote it; a migration that may have run must never change: \
         restore it from version control, and put changes in a new migration"
    )]
    AlteredMigration { path: String },
    #[error(
        "{path} is missing; a migration that may have run must stay: restore it from version \
         control"
    )]
    MissingMigration { path: String },
    #[error("refusing to write outside the service directory: {0}")]
    OutsideRoot(String),
    #[error("{0} is a symbolic link; msgen does not write through links")]
    Symlink(String),
    #[error("cannot read {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
}

/// The files of a service as they are on disk, read before [`plan`] needs them (on another
/// thread, while the main one renders): for each path, what reading it gave.
#[derive(Debug, Default)]
pub struct ReadAhead(HashMap<String, Result<Option<String>, PlanError>>);

impl ReadAhead {
    /// Reads every file `previous` records msgen writing in the service at `root`: after a
    /// change to the spec, most of the files it plans.
    pub fn files_of(root: &Path, previous: &State) -> ReadAhead {
        let read = previous
            .files
            .keys()
            .map(|path| (path.clone(), read(root, path)));
        ReadAhead(read.collect())
    }

    /// What reading `path` under `root` gives: read ahead, or read now.
    fn read(&mut self, root: &Path, path: &str) -> Result<Option<String>, PlanError> {
        self.0.remove(path).unwrap_or_else(|| read(root, path))
    }
}

/// Plans writing `files` (the new output, with the `fingerprints` of those rendered from a
/// template) into the service at `root`, whose bases (what msgen generated last) are
/// `old_bases`; the files on disk as `read_ahead` has them, or as read now.
pub fn plan(
    root: &Path,
    files: Vec<File>,
    fingerprints: &BTreeMap<String, String>,
    previous: &State,
    old_bases: &Bases,
    spec: &str,
    mut read_ahead: ReadAhead,
) -> Result<Plan, PlanError> {
    check_migrations(root, previous)?;
    // msgen's own files are written too: refuse a `.msgen` that leads elsewhere.
    read(root, super::state::STATE)?;
    let mut state = State {
        generator: env!("CARGO_PKG_VERSION").to_string(),
        build: env!("MSGEN_BUILD").to_string(),
        schema: previous.schema.clone(),
        proto: previous.proto.clone(),
        migrations: previous.migrations.clone(),
        files: BTreeMap::new(),
        deleted: BTreeSet::new(),
        kept: BTreeSet::new(),
        inputs: BTreeMap::new(),
    };
    let mut entries = Vec::new();
    let mut bases = Stored::default();
    let rendered: BTreeSet<String> = files.iter().map(|f| f.path.clone()).collect();
    for file in files {
        let disk = read_ahead.read(root, &file.path)?;
        let entry = match file.ownership {
            Ownership::Frozen => {
                if disk.is_none() {
                    state.migrations.push(Migration {
                        path: file.path.clone(),
                        sha256: sha256(&file.contents),
                    });
                }
                plain(&file, disk)
            }
            Ownership::Team => {
                bases.keep(&file, fingerprints.get(&file.path));
                team(&file, disk)
            }
            Ownership::Generated => {
                let deleted = disk.is_none()
                    && (previous.files.contains_key(&file.path)
                        || previous.deleted.contains(&file.path));
                if deleted {
                    state.deleted.insert(file.path.clone());
                    Entry {
                        path: file.path.clone(),
                        action: Action::Keep,
                        old: None,
                        new: None,
                        note: Some("deleted by you; stays deleted".into()),
                    }
                } else {
                    bases.keep(&file, fingerprints.get(&file.path));
                    let known = previous.files.contains_key(&file.path);
                    let base = old_bases.get(&file.path).filter(|_| known);
                    generated(&file, disk, base)
                }
            }
        };
        if file.ownership != Ownership::Frozen && !state.deleted.contains(&file.path) {
            state.files.insert(file.path.clone(), file.ownership);
        }
        entries.push(entry);
    }
    // Files msgen wrote before whose source left the spec.
    for (path, ownership) in &previous.files {
        if rendered.contains(path) {
            continue;
        }
        let Some(disk) = read_ahead.read(root, path)? else {
            continue;
        };
        let untouched = *ownership == Ownership::Generated
            && old_bases.get(path).is_some_and(|base| base == disk);
        entries.push(if untouched {
            Entry {
                path: path.clone(),
                action: Action::Delete,
                old: Some(disk),
                new: None,
                note: None,
            }
        } else {
            // Still listed, so a later run can delete it once the team drops its edits.
            state.files.insert(path.clone(), *ownership);
            state.kept.insert(path.clone());
            Entry {
                path: path.clone(),
                action: Action::Keep,
                old: Some(disk),
                new: None,
                note: Some(match ownership {
                    Ownership::Generated => {
                        "no longer generated, kept because you edited it; delete it when done"
                            .into()
                    }
                    _ => "no longer used by the generated code; delete it when done".into(),
                }),
            }
        });
    }
    entries.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(Plan {
        entries,
        state,
        bases_changed: old_bases.differ(&bases),
        same_frames: old_bases.same_frames(&bases),
        bases,
        spec: spec.to_string(),
    })
}

/// Migrations that may have run must never change.
fn check_migrations(root: &Path, previous: &State) -> Result<(), PlanError> {
    for migration in &previous.migrations {
        match read(root, &migration.path)? {
            None => {
                return Err(PlanError::MissingMigration {
                    path: migration.path.clone(),
                })
            }
            Some(text) if sha256(&text) != migration.sha256 => {
                return Err(PlanError::AlteredMigration {
                    path: migration.path.clone(),
                })
            }
            Some(_) => {}
        }
    }
    Ok(())
}

/// A file written once: created when missing, otherwise left alone.
fn plain(file: &File, disk: Option<String>) -> Entry {
    let action = match &disk {
        None => Action::Create,
        Some(old) if *old == file.contents => Action::Unchanged,
        Some(_) => Action::Keep,
    };
    Entry {
        path: file.path.clone(),
        new: (action == Action::Create).then(|| file.contents.clone()),
        action,
        old: disk,
        note: None,
    }
}

/// The team's file: created when missing; otherwise only stubs for new operations are added.
fn team(file: &File, disk: Option<String>) -> Entry {
    let Some(old) = disk else {
        return plain(file, None);
    };
    match stubs::append(&old, &file.stubs) {
        Some((new, added)) => Entry {
            path: file.path.clone(),
            action: Action::Update,
            note: Some(format!("stubs added for {}", added.join(", "))),
            old: Some(old),
            new: Some(new),
        },
        None => plain(file, Some(old)),
    }
}

/// A generated file, whose base (what msgen generated last, if it has a record of it) is
/// `base`.
fn generated(file: &File, disk: Option<String>, base: Option<&str>) -> Entry {
    let (action, new, note) = match &disk {
        None => (Action::Create, Some(file.contents.clone()), None),
        Some(old) => update(file, old, base),
    };
    Entry {
        path: file.path.clone(),
        action,
        old: disk,
        new,
        note: note.map(str::to_string),
    }
}

/// What becomes of a generated file that is on disk as `old`: the action, the new text if it
/// changes, and a note for the team.
fn update(
    file: &File,
    old: &str,
    base: Option<&str>,
) -> (Action, Option<String>, Option<&'static str>) {
    if old == file.contents {
        return (Action::Unchanged, None, None);
    }
    let Some(base) = base else {
        return (
            Action::Keep,
            None,
            Some("msgen has no record of generating it; delete it to have msgen write it"),
        );
    };
    if old == base {
        return (Action::Update, Some(file.contents.clone()), None);
    }
    match merge::three_way(&file.path, base, old, &file.contents) {
        Merged::Clean(text) if text == old => (Action::Unchanged, None, None),
        Merged::Clean(text) => (Action::Merge, Some(text), Some("your edits kept")),
        Merged::Conflict(text) => (
            Action::Conflict,
            Some(text),
            Some("your edits and the new output overlap: resolve the marked sections"),
        ),
    }
}

/// The file at `path` under `root`, if there is one; refuses paths that leave `root` or go
/// through a symbolic link.
fn read(root: &Path, path: &str) -> Result<Option<String>, PlanError> {
    let relative = Path::new(path);
    if relative.is_absolute()
        || relative
            .components()
            .any(|c| !matches!(c, Component::Normal(_)))
    {
        return Err(PlanError::OutsideRoot(path.to_string()));
    }
    let mut current = root.to_path_buf();
    for component in relative.components() {
        current.push(component);
        match fs::symlink_metadata(&current) {
            Ok(meta) if meta.file_type().is_symlink() => {
                return Err(PlanError::Symlink(current.display().to_string()))
            }
            Ok(_) => {}
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(source) => {
                return Err(PlanError::Read {
                    path: current.display().to_string(),
                    source,
                })
            }
        }
    }
    fs::read_to_string(&current)
        .map(Some)
        .map_err(|source| PlanError::Read {
            path: current.display().to_string(),
            source,
        })
}
