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
//!   archive in zstd frames of about 1 MiB of whole entries, which `tar --zstd -xf` unpacks.
//!   (Earlier versions of msgen kept the bases in `base.json.gz`, and before that as
//!   `base/<path>`, one file each: read when there is no `base.tar.zst`, removed once it is
//!   written.)

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
    /// The frames of `base.tar.zst` that this build of msgen wrote, each of whole entries.
    frames: Vec<Frame>,
}

/// A frame of `base.tar.zst` as it was written, and the entries it holds whole: written again
/// as it is when the archive to write has a frame of the same entries, the same again.
#[derive(Debug, Clone)]
pub struct Frame {
    compressed: Vec<u8>,
    /// The paths of its entries in the archive, in order.
    entries: Vec<String>,
    /// Whether it ends the archive (and so holds its end).
    last: bool,
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
    #[cfg(test)]
    fn decode(bytes: &[u8]) -> Option<Self> {
        Self::decode_framed(bytes).map(|(stored, _)| stored)
    }

    /// What `base.tar.zst`'s `bytes` hold, and those of its frames that hold whole entries;
    /// `None` if they are not such an archive.
    fn decode_framed(bytes: &[u8]) -> Option<(Self, Vec<Frame>)> {
        let tar = decompress(bytes)?;
        let mut stored = Self::default();
        // Where each entry ends in the archive, with its path.
        let mut ends: Vec<(usize, String)> = Vec::new();
        for entry in tar::Archive::new(tar.as_slice()).entries().ok()? {
            let mut entry = entry.ok()?;
            let path = entry.path().ok()?.to_str()?.to_string();
            let data = usize::try_from(entry.raw_file_position()).ok()?;
            let size = usize::try_from(entry.size()).ok()?;
            ends.push((data + size.next_multiple_of(512), path.clone()));
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
        let frames = whole_frames(bytes, &ends, tar.len());
        Some((stored, frames))
    }
}

/// The frames of the archive `bytes` that begin where an entry begins and end where one ends
/// (the last, where the archive ends), with the paths of their entries; `ends` are where the
/// entries end, in order. A frame that cuts an entry (as before frames held whole entries)
/// is left out.
fn whole_frames(bytes: &[u8], ends: &[(usize, String)], archive: usize) -> Vec<Frame> {
    let Some(frames) = frames(bytes) else {
        return Vec::new();
    };
    let last_entry = ends.last().map_or(0, |(end, _)| *end);
    let mut whole = Vec::new();
    let (mut start, mut next) = (0, 0);
    for (compressed, size) in frames {
        let end = start + size;
        let begins = next == 0 || ends[next - 1].0 == start;
        let mut entries = Vec::new();
        while next < ends.len() && ends[next].0 <= end {
            entries.push(ends[next].1.clone());
            next += 1;
        }
        let last = end == archive;
        let ends_whole = if last {
            next == ends.len() && archive - last_entry == TAR_END
        } else {
            next > 0 && ends[next - 1].0 == end
        };
        if begins && ends_whole && !entries.is_empty() {
            let compressed = compressed.to_vec();
            whole.push(Frame {
                compressed,
                entries,
                last,
            });
        }
        start = end;
    }
    whole
}

/// The archive is compressed in frames, each on its own: a zstd file may hold several one
/// after the other (`zstd -d` and `tar --zstd` read them all), and frames compress and
/// decompress on every core at once. A frame holds whole entries: it ends after the first
/// that takes it to this many bytes or more. The bounds are the same for the same bases on
/// every machine, and a change to one file changes the frame of that file only, unless it
/// moves which entry ends a frame.
const FRAME: usize = 1 << 20;
/// What ends a tar archive: two blocks of zeros.
const TAR_END: usize = 2 * 512;
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
            let (stored, frames) = Stored::decode_framed(&bytes).with_context(|| damaged(&path))?;
            // Another build may compress the same entries to other bytes: the archive is
            // written again whole, so that it is the same for the same bases.
            let ours = previous.build == env!("MSGEN_BUILD");
            return Ok(Self {
                stored,
                current: true,
                frames: if ours { frames } else { Vec::new() },
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
            frames: Vec::new(),
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

    /// The frames of `base.tar.zst` whose every entry `new` holds the same: those an archive
    /// of `new` may take as they are (see [`Bases::encode`]).
    pub fn same_frames(&self, new: &Stored) -> Vec<Frame> {
        let (old, frames) = (&self.stored, &self.frames);
        let same = |entry: &String| {
            if entry == FINGERPRINTS {
                old.fingerprints == new.fingerprints
            } else if let Some(path) = entry.strip_prefix(FILES) {
                old.files
                    .get(path)
                    .is_some_and(|text| new.files.get(path) == Some(text))
            } else if let Some(path) = entry.strip_prefix(TEAM) {
                old.team
                    .get(path)
                    .is_some_and(|text| new.team.get(path) == Some(text))
            } else {
                false
            }
        };
        let frames = frames.iter().filter(|frame| frame.entries.iter().all(same));
        frames.cloned().collect()
    }

    /// `stored` as `base.tar.zst` holds it; the same bytes for the same bases. A frame of the
    /// same entries as one of `same` (frames whose entries are the same in `stored`; see
    /// [`Bases::same_frames`]) is taken as it is rather than compressed again.
    pub fn encode(stored: &Stored, same: &[Frame]) -> Vec<u8> {
        Self::encode_counting(stored, same).0
    }

    /// [`Bases::encode`], and how many frames were compressed.
    fn encode_counting(stored: &Stored, same: &[Frame]) -> (Vec<u8>, usize) {
        let fingerprints: String = stored
            .fingerprints
            .iter()
            .map(|(path, fingerprint)| format!("{fingerprint} {path}\n"))
            .collect();
        let mut entries: Vec<(String, &[u8])> =
            vec![(FINGERPRINTS.into(), fingerprints.as_bytes())];
        for (folder, texts) in [(FILES, &stored.files), (TEAM, &stored.team)] {
            for (path, text) in texts {
                entries.push((format!("{folder}{path}"), text.as_bytes()));
            }
        }
        // The frames, as runs of entries: each ends after the entry that takes it to FRAME
        // bytes; the last also holds the archive's end.
        let mut frames: Vec<std::ops::Range<usize>> = Vec::new();
        let (mut first, mut size) = (0, 0);
        for (i, (path, bytes)) in entries.iter().enumerate() {
            size += archived_size(path, bytes.len());
            if size >= FRAME {
                frames.push(first..i + 1);
                (first, size) = (i + 1, 0);
            }
        }
        if first < entries.len() || frames.is_empty() {
            frames.push(first..entries.len());
        }
        /// A frame to write: one of `same`, or entries to archive and compress.
        enum Part<'a> {
            Taken(&'a [u8]),
            Compress(&'a [(String, &'a [u8])], bool),
        }
        let count = frames.len();
        let mut parts = Vec::with_capacity(count);
        for (i, range) in frames.into_iter().enumerate() {
            let last = i + 1 == count;
            let run = &entries[range];
            let taken = same.iter().find(|frame| {
                frame.last == last
                    && frame.entries.len() == run.len()
                    && frame.entries.iter().zip(run).all(|(a, (b, _))| a == b)
            });
            parts.push(match taken {
                Some(frame) => Part::Taken(&frame.compressed),
                None => Part::Compress(run, last),
            });
        }
        let compressed = parts
            .iter()
            .filter(|part| matches!(part, Part::Compress(..)))
            .count();
        let compressor = || {
            let compressor = zstd::bulk::Compressor::new(LEVEL).expect("zstd takes its level");
            (compressor, Vec::new())
        };
        let frames = on_threads(parts, cores(), compressor, |(compressor, room), part| {
            let (run, last) = match part {
                Part::Taken(frame) => return frame.to_vec(),
                Part::Compress(run, last) => (run, last),
            };
            let tar = archive(run, last);
            room.resize(zstd::zstd_safe::compress_bound(tar.len()), 0);
            let length = compressor
                .compress_to_buffer(&tar, room.as_mut_slice())
                .expect("a frame fits in its bound");
            room[..length].to_vec()
        });
        (frames.concat(), compressed)
    }
}

/// The part of the tar archive that holds `entries` (by path in the archive), and the
/// archive's end if `last`.
fn archive(entries: &[(String, &[u8])], last: bool) -> Vec<u8> {
    // One allocation, not one per doubling, each of whose pages the kernel must clear.
    let room: usize = entries
        .iter()
        .map(|(path, bytes)| archived_size(path, bytes.len()))
        .sum();
    let mut tar = tar::Builder::new(Vec::with_capacity(room + TAR_END));
    for (path, bytes) in entries {
        let mut header = tar::Header::new_gnu();
        header.set_mode(0o644);
        header.set_size(bytes.len() as u64);
        tar.append_data(&mut header, path, *bytes)
            .expect("writing to memory succeeds");
    }
    let mut tar = tar.into_inner().expect("writing to memory succeeds");
    if !last {
        tar.truncate(tar.len() - TAR_END);
    }
    tar
}

/// How many bytes an entry of `length` bytes at `path` takes in a tar archive as [`archive`]
/// writes it: its header and its data, padded to blocks of 512; a path of more than 100 bytes
/// first takes an entry of its own (GNU's long names), of the path and a zero byte.
fn archived_size(path: &str, length: usize) -> usize {
    let long_name = if path.len() > 100 {
        512 + (path.len() + 1).next_multiple_of(512)
    } else {
        0
    };
    long_name + 512 + length.next_multiple_of(512)
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
        let bytes = Bases::encode(&stored, &[]);
        assert_eq!(Bases::encode(&stored, &[]), bytes);
        assert_eq!(Stored::decode(&bytes), Some(stored));
    }

    /// `length` characters that compress little, from a generator at `state`.
    fn noise(state: &mut u64, length: usize) -> String {
        (0..length)
            .map(|_| {
                *state = state
                    .wrapping_mul(6_364_136_223_846_793_005)
                    .wrapping_add(1);
                char::from(b'a' + (*state >> 59) as u8)
            })
            .collect()
    }

    #[test]
    fn bases_larger_than_a_frame_are_several_frames_and_come_back_whole() {
        let mut stored = Stored::default();
        // Text that does not compress much, so that the archive takes several frames.
        let mut state = 7u64;
        for i in 0..40 {
            let text = noise(&mut state, 60_000);
            stored.keep(&file(&format!("src/f{i}.rs"), Ownership::Generated), None);
            stored.files.insert(format!("src/f{i}.rs"), text);
        }
        let bytes = Bases::encode(&stored, &[]);
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

    /// Bases of `count` files of about 30 KB each that compress little, the `i`-th changed
    /// if `i` is among `changed`.
    fn incompressible(count: usize, changed: &[usize]) -> Stored {
        let mut stored = Stored::default();
        let mut state = 7u64;
        for i in 0..count {
            let mut text = noise(&mut state, 30_000);
            if changed.contains(&i) {
                text.push_str("changed");
            }
            let path = format!("src/f{i:03}.rs");
            let print = format!("{i:03}-{}", changed.contains(&i));
            stored.keep(&file(&path, Ownership::Generated), Some(&print));
            stored.files.insert(path, text);
        }
        stored
    }

    #[test]
    fn a_frame_whose_entries_did_not_change_is_written_again_as_it_was() {
        let first = incompressible(150, &[]);
        let bytes = Bases::encode(&first, &[]);
        let (decoded, frames) = Stored::decode_framed(&bytes).expect("an archive");
        assert_eq!(decoded, first);
        let count = frames.len();
        assert!(count > 3, "{count} frames");
        // Every frame holds whole entries, about a megabyte of them.
        assert_eq!(frames.iter().map(|f| f.entries.len()).sum::<usize>(), 151);
        assert_eq!(frames.iter().filter(|f| f.last).count(), 1);
        let bases = Bases {
            stored: decoded,
            current: true,
            frames,
        };
        // One file in the middle changed, and with it the fingerprints (the first frame).
        let second = incompressible(150, &[75]);
        let same = bases.same_frames(&second);
        assert_eq!(same.len(), count - 2);
        let (reused, compressed) = Bases::encode_counting(&second, &same);
        assert_eq!(compressed, 2);
        // The same bytes as an archive written whole, and the same bases again.
        assert_eq!(reused, Bases::encode(&second, &[]));
        assert_eq!(Stored::decode(&reused), Some(second.clone()));
        // Frames of other entries are not taken: a file more moves every bound after it.
        let mut third = second.clone();
        third
            .files
            .insert("src/f000a.rs".into(), "x".repeat(700_000));
        let (whole, compressed) = Bases::encode_counting(&third, &same);
        assert!(compressed > 1, "{compressed}");
        assert_eq!(whole, Bases::encode(&third, &[]));
        assert_eq!(Stored::decode(&whole), Some(third));
    }

    #[test]
    fn frames_of_another_build_or_cut_across_entries_are_not_taken() {
        let stored = incompressible(80, &[]);
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join(".msgen")).unwrap();
        std::fs::write(dir.path().join(BASES), Bases::encode(&stored, &[])).unwrap();
        let ours = State {
            build: env!("MSGEN_BUILD").to_string(),
            ..State::default()
        };
        assert!(!Bases::load(dir.path(), &ours).unwrap().frames.is_empty());
        let theirs = State {
            build: "another build".to_string(),
            ..State::default()
        };
        assert!(Bases::load(dir.path(), &theirs).unwrap().frames.is_empty());
        // Frames of one megabyte each, as msgen wrote them before, cut entries in two.
        let tar = decompress(&Bases::encode(&stored, &[])).unwrap();
        let chunks: Vec<Vec<u8>> = tar
            .chunks(FRAME)
            .map(|chunk| zstd::bulk::compress(chunk, LEVEL).unwrap())
            .collect();
        let (decoded, frames) = Stored::decode_framed(&chunks.concat()).unwrap();
        assert_eq!(decoded, stored);
        assert!(
            frames.len() < chunks.len(),
            "{} of {}",
            frames.len(),
            chunks.len()
        );
    }

    #[test]
    fn an_entry_takes_in_the_archive_what_archived_size_says() {
        for length in [0, 1, 99, 100, 101, 200, 511, 512, 513] {
            let path = format!("files/{}", "é".repeat(length / 2));
            for data in [0, 1, 511, 512, 513, 4096] {
                let bytes = vec![b'x'; data];
                let entries = [(path.clone(), bytes.as_slice())];
                let tar = archive(&entries, false);
                assert_eq!(tar.len(), archived_size(&path, data), "{path} {data}");
                assert_eq!(archive(&entries, true).len(), tar.len() + TAR_END);
            }
        }
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
