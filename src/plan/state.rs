//! `.msgen/`: what msgen generated last, kept with the service and meant to be committed, so
//! that the next run knows what the team changed and what the database already has.
//!
//! - `state.json`: generator version, the schema the migrations build, a checksum of every
//!   migration, who owns each file msgen wrote, and the generated files the team deleted;
//! - `spec.yaml`: the spec the service was last generated from;
//! - `base.tar.zst`: each generated file as msgen last generated it (`files/<path>`), the
//!   common ancestor of three-way merges; each team's file as msgen would write it if it were
//!   missing (`team/<path>`); and the fingerprint of what each file rendered from a template
//!   was made from (`fingerprints`, a line `<fingerprint> <path>` each), so that a file made
//!   from the same again is not rendered again. One compressed file, so that the service holds
//!   no second copy of its code for every search and review to go through twice; a tar
//!   archive in zstd frames of 1 MiB, which `tar --zstd -xf` unpacks. (Earlier versions of
//!   msgen kept the bases in `base.json.gz`, and before that as `base/<path>`, one file each:
//!   read when there is no `base.tar.zst`, removed once it is written.)

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read as _;
use std::path::Path;

use anyhow::Context as _;
use flate2::read::GzDecoder;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::ir::schema::Schema;
use crate::render::{cores, on_threads, File, Ownership};

pub const STATE: &str = ".msgen/state.json";
pub const SPEC: &str = ".msgen/spec.yaml";
pub const BASES: &str = ".msgen/base.tar.zst";
/// Where earlier versions of msgen kept the bases, gzip-compressed, without fingerprints.
pub const GZIP_BASES: &str = ".msgen/base.json.gz";
/// Where versions of msgen before those kept each base, as a file of its own.
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
/// merges; and for those rendered from a template, the fingerprint of what they were made from.
#[derive(Debug, Default)]
pub struct Bases {
    stored: Stored,
    /// Read from `base.tar.zst` (not from a layout before it, nor absent).
    current: bool,
}

/// What `base.tar.zst` holds.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Stored {
    /// By path, the fingerprint of what the file was rendered from (see `render::Rendered`).
    pub fingerprints: BTreeMap<String, String>,
    /// By path, the generated file as msgen generated it.
    pub files: BTreeMap<String, String>,
    /// By path, the team's file as msgen would write it if it were missing: never merged,
    /// kept so that it need not be rendered again to know it.
    pub team: BTreeMap<String, String>,
}

impl Stored {
    /// Keeps what is known of `file`, rendered from a template if it has a `fingerprint`: a
    /// generated file as its base; a team's file only if it was rendered from a template.
    ///
    /// Keeps a copy: keeping the text itself, made on a render thread, kept that thread's
    /// memory and raised the peak of `msgen new` of 400 entities by about 15 MiB.
    pub fn keep(&mut self, file: &File, fingerprint: Option<&String>) {
        let texts = match file.ownership {
            Ownership::Generated => &mut self.files,
            Ownership::Team if fingerprint.is_some() => &mut self.team,
            _ => return,
        };
        texts.insert(file.path.clone(), file.contents.clone());
        if let Some(fingerprint) = fingerprint {
            self.fingerprints
                .insert(file.path.clone(), fingerprint.clone());
        }
    }

    /// What `base.tar.zst`'s `bytes` hold, or `None` if they are not such an archive.
    fn decode(bytes: &[u8]) -> Option<Self> {
        let tar = decompress(bytes)?;
        let mut stored = Self::default();
        for entry in tar::Archive::new(tar.as_slice()).entries().ok()? {
            let mut entry = entry.ok()?;
            let path = entry.path().ok()?.to_str()?.to_string();
            let mut text = String::with_capacity(usize::try_from(entry.size()).ok()?);
            entry.read_to_string(&mut text).ok()?;
            if path == FINGERPRINTS {
                for line in text.lines() {
                    let (fingerprint, path) = line.split_once(' ')?;
                    stored
                        .fingerprints
                        .insert(path.to_string(), fingerprint.to_string());
                }
            } else if let Some(path) = path.strip_prefix(FILES) {
                stored.files.insert(path.to_string(), text);
            } else if let Some(path) = path.strip_prefix(TEAM) {
                stored.team.insert(path.to_string(), text);
            } else {
                return None;
            }
        }
        Some(stored)
    }
}

/// The archive is compressed in frames of this many bytes, each on its own: a zstd file may
/// hold several one after the other (`zstd -d` and `tar --zstd` read them all), and frames
/// compress and decompress on every core at once. Fixed, so that the same bases are the same
/// bytes on every machine.
const FRAME: usize = 1 << 20;
/// The largest archive decompressed into a buffer of the size its frames give (a damaged
/// frame may claim any size).
const MAX_ARCHIVE: usize = 1 << 30;
/// zstd's level for `base.tar.zst`: as small as gzip's default, ten times faster.
const LEVEL: i32 = 3;
/// In `base.tar.zst`: the fingerprints, the generated files, the team's files.
const FINGERPRINTS: &str = "fingerprints";
const FILES: &str = "files/";
const TEAM: &str = "team/";

impl Bases {
    /// The bases under `root`: from `base.tar.zst`, or else from a layout before it, for the
    /// files `previous` lists.
    pub fn load(root: &Path, previous: &State) -> anyhow::Result<Self> {
        let damaged = |path: &Path| {
            format!(
                "{} is damaged; restore it from version control",
                path.display()
            )
        };
        let path = root.join(BASES);
        if let Some(bytes) = read_if_any(&path)? {
            let stored = Stored::decode(&bytes).with_context(|| damaged(&path))?;
            return Ok(Self {
                stored,
                current: true,
            });
        }
        let path = root.join(GZIP_BASES);
        let files = if let Some(bytes) = read_if_any(&path)? {
            let mut json = String::new();
            GzDecoder::new(bytes.as_slice())
                .read_to_string(&mut json)
                .ok()
                .and_then(|_| serde_json::from_str(&json).ok())
                .with_context(|| damaged(&path))?
        } else {
            let old = root.join(OLD_BASES);
            let read = |path: &String| std::fs::read_to_string(old.join(path)).ok();
            let files = previous.files.keys();
            files.filter_map(|p| Some((p.clone(), read(p)?))).collect()
        };
        Ok(Self {
            stored: Stored {
                files,
                ..Stored::default()
            },
            current: false,
        })
    }

    pub fn get(&self, path: &str) -> Option<&str> {
        self.stored.files.get(path).map(String::as_str)
    }

    /// The files rendered from a template, by path, with the fingerprint of what each was made
    /// from.
    pub fn rendered(&self) -> BTreeMap<&str, crate::render::Rendered<'_>> {
        let Stored {
            fingerprints,
            files,
            team,
        } = &self.stored;
        fingerprints
            .iter()
            .filter_map(|(path, fingerprint)| {
                let text = files.get(path).or_else(|| team.get(path))?;
                let rendered = crate::render::Rendered { fingerprint, text };
                Some((path.as_str(), rendered))
            })
            .collect()
    }

    /// Whether `base.tar.zst` must be written to hold `new`.
    pub fn differ(&self, new: &Stored) -> bool {
        !self.current || self.stored != *new
    }

    /// `stored` as `base.tar.zst` holds it; the same bytes for the same bases.
    pub fn encode(stored: &Stored) -> Vec<u8> {
        // Room for every header (a long path takes one more, and a block for its name),
        // every text and its padding, and the archive's end: one allocation, not one per
        // doubling, each of whose pages the kernel must clear.
        let texts = stored.files.iter().chain(&stored.team);
        let size: usize = texts
            .map(|(path, text)| 3 * 512 + path.len() + text.len().next_multiple_of(512))
            .sum();
        let room = size + stored.fingerprints.len() * 64 + 4 * 512;
        let mut tar = tar::Builder::new(Vec::with_capacity(room));
        let mut append = |path: &str, bytes: &[u8]| {
            let mut header = tar::Header::new_gnu();
            header.set_mode(0o644);
            header.set_size(bytes.len() as u64);
            tar.append_data(&mut header, path, bytes)
                .expect("writing to memory succeeds");
        };
        let fingerprints: String = stored
            .fingerprints
            .iter()
            .map(|(path, fingerprint)| format!("{fingerprint} {path}\n"))
            .collect();
        append(FINGERPRINTS, fingerprints.as_bytes());
        for (folder, texts) in [(FILES, &stored.files), (TEAM, &stored.team)] {
            for (path, text) in texts {
                append(&format!("{folder}{path}"), text.as_bytes());
            }
        }
        let tar = tar.into_inner().expect("writing to memory succeeds");
        let chunks: Vec<&[u8]> = tar.chunks(FRAME).collect();
        let compressor = || {
            let compressor = zstd::bulk::Compressor::new(LEVEL).expect("zstd takes its level");
            let room = zstd::zstd_safe::compress_bound(FRAME);
            (compressor, vec![0; room])
        };
        let frames = on_threads(chunks, cores(), compressor, |(compressor, room), chunk| {
            let length = compressor
                .compress_to_buffer(chunk, room.as_mut_slice())
                .expect("a frame fits in its bound");
            room[..length].to_vec()
        });
        frames.concat()
    }
}

/// The archive that the zstd frames `bytes` hold, or `None` if they are damaged. Frames that
/// say how much they hold (msgen's do) are decompressed at once, on every core, each into its
/// part of one buffer.
fn decompress(bytes: &[u8]) -> Option<Vec<u8>> {
    let Some(frames) = frames(bytes) else {
        return zstd::decode_all(bytes).ok();
    };
    let mut tar = vec![0; frames.iter().map(|(_, size)| size).sum()];
    let mut parts = Vec::with_capacity(frames.len());
    let mut rest = tar.as_mut_slice();
    for (frame, size) in frames {
        let (part, after) = rest.split_at_mut(size);
        parts.push((frame, part));
        rest = after;
    }
    let done = on_threads(
        parts,
        cores(),
        zstd::bulk::Decompressor::new,
        |decompressor, (frame, part)| {
            let size = part.len();
            decompressor.as_mut().is_ok_and(|decompressor| {
                decompressor
                    .decompress_to_buffer(frame, part)
                    .is_ok_and(|written| written == size)
            })
        },
    );
    done.into_iter().all(|ok| ok).then_some(tar)
}

/// The zstd frames of `bytes`, each with the size of what it holds; `None` if one does not say
/// or they would hold more than [`MAX_ARCHIVE`].
fn frames(mut bytes: &[u8]) -> Option<Vec<(&[u8], usize)>> {
    let mut frames = Vec::new();
    let mut total = 0;
    while !bytes.is_empty() {
        let length = zstd::zstd_safe::find_frame_compressed_size(bytes).ok()?;
        let (frame, rest) = bytes.split_at_checked(length)?;
        let size = zstd::zstd_safe::get_frame_content_size(frame).ok()??;
        let size = usize::try_from(size).ok()?;
        total += size;
        if total > MAX_ARCHIVE {
            return None;
        }
        frames.push((frame, size));
        bytes = rest;
    }
    Some(frames)
}

/// The bytes of the file at `path`, or `None` if there is none.
fn read_if_any(path: &Path) -> anyhow::Result<Option<Vec<u8>>> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(err).with_context(|| format!("cannot read {}", path.display())),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn file(path: &str, ownership: Ownership) -> File {
        File {
            path: path.into(),
            contents: format!("text of {path}\n"),
            ownership,
            stubs: Vec::new(),
        }
    }

    #[test]
    fn the_bases_come_back_as_they_were_kept() {
        let mut stored = Stored::default();
        let print = "0123456789abcdef".to_string();
        stored.keep(&file("src/a b/ä.rs", Ownership::Generated), Some(&print));
        stored.keep(
            &file(
                &format!("src/{}.rs", "long".repeat(40)),
                Ownership::Generated,
            ),
            None,
        );
        stored.keep(&file("src/services/x.rs", Ownership::Team), Some(&print));
        stored.keep(&file("src/app.rs", Ownership::Team), None);
        stored.keep(
            &file("migrations/0001_initial.sql", Ownership::Frozen),
            None,
        );
        assert_eq!(stored.files.len(), 2);
        assert_eq!(stored.team.len(), 1);
        assert_eq!(stored.fingerprints.len(), 2);
        let bytes = Bases::encode(&stored);
        assert_eq!(Bases::encode(&stored), bytes);
        assert_eq!(Stored::decode(&bytes), Some(stored));
    }

    #[test]
    fn bases_larger_than_a_frame_are_several_frames_and_come_back_whole() {
        let mut stored = Stored::default();
        // Text that does not compress much, so that the archive takes several frames.
        let mut state = 7u64;
        for i in 0..40 {
            let text: String = (0..60_000)
                .map(|_| {
                    state = state
                        .wrapping_mul(6_364_136_223_846_793_005)
                        .wrapping_add(1);
                    char::from(b'a' + (state >> 59) as u8)
                })
                .collect();
            stored.keep(&file(&format!("src/f{i}.rs"), Ownership::Generated), None);
            stored.files.insert(format!("src/f{i}.rs"), text);
        }
        let bytes = Bases::encode(&stored);
        let count = frames(&bytes)
            .expect("every frame says what it holds")
            .len();
        assert!(count > 1, "{count} frame(s)");
        assert_eq!(Stored::decode(&bytes), Some(stored.clone()));
        // As `tar --zstd` writes it: one frame that does not say how much it holds.
        let tar = decompress(&bytes).expect("msgen's archive decompresses");
        let mut streamed = zstd::stream::Encoder::new(Vec::new(), LEVEL).unwrap();
        std::io::Write::write_all(&mut streamed, &tar).unwrap();
        let streamed = streamed.finish().unwrap();
        assert_eq!(frames(&streamed), None);
        assert_eq!(Stored::decode(&streamed), Some(stored));
        // A frame cut short is damage, not a shorter archive.
        assert_eq!(Stored::decode(&bytes[..bytes.len() - 1]), None);
    }

    #[test]
    fn damaged_bases_are_refused_with_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".msgen")).unwrap();
        std::fs::write(dir.path().join(BASES), b"not an archive").unwrap();
        let err = Bases::load(dir.path(), &State::default()).unwrap_err();
        assert!(
            format!("{err:#}").contains("base.tar.zst is damaged; restore it from version control"),
            "{err:#}"
        );
    }
}
