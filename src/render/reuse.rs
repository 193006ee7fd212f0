//! Rendering only what changed: every file rendered from a template gets a fingerprint of
//! everything its text is made from (the build of msgen, the template, the file's own keys and
//! the values of the shared context the template reads), and a file whose fingerprint is the
//! one recorded with its text last time is that text again, without rendering.
//!
//! What a template reads is found in its source when msgen is built (see [`super::scan`]). A
//! name that is not a key of the shared context reads nothing of it (a loop variable, a macro
//! argument).

use std::collections::HashMap;

use sha2::{Digest, Sha256};
use tera::Context;

use super::Vars;

/// By embedded template, in order of name, the dotted names its tags and those of the
/// templates it includes or imports read: `scan::reads` of each, run by the build script.
static READS: &[(&str, &[&str])] = include!(concat!(env!("OUT_DIR"), "/reads.rs"));

/// The dotted names the embedded template `name` reads, or `None` if msgen has no such
/// template.
pub fn reads(name: &str) -> Option<&'static [&'static str]> {
    let i = READS.binary_search_by_key(&name, |(name, _)| name).ok()?;
    Some(READS[i].1)
}

/// Fingerprints the files rendered with one shared context: the hash of each value of it that
/// a template reads is taken once, and so is the list of those a template reads.
pub struct Fingerprints<'c> {
    shared: &'c Context,
    /// By template, the values of the shared context it reads.
    templates: HashMap<String, Vec<SharedRead>>,
    /// By dotted name, the hash of its value in the shared context.
    values: HashMap<&'static str, [u8; 32]>,
    /// Where values are written as JSON to be hashed, kept from one to the next.
    buffer: Vec<u8>,
}

/// A value of the shared context that a template reads.
struct SharedRead {
    /// The key of the shared context it is under.
    key: &'static str,
    /// Its dotted name.
    path: &'static str,
    /// The hash of its value (or of its absence).
    hash: [u8; 32],
}

impl<'c> Fingerprints<'c> {
    pub fn new(shared: &'c Context) -> Self {
        Self {
            shared,
            templates: HashMap::new(),
            values: HashMap::new(),
            buffer: Vec::new(),
        }
    }

    /// The fingerprint of the file rendered from the embedded `template`, with the file's own
    /// keys `vars` on top of the shared context; `None` if msgen has no such template.
    pub fn of(&mut self, template: &str, vars: &Vars) -> Option<String> {
        Some(self.of_reading(template, reads(template)?, vars))
    }

    /// The fingerprint of the file rendered from `template`, which reads `reads`.
    fn of_reading(
        &mut self,
        template: &str,
        reads: &'static [&'static str],
        vars: &Vars,
    ) -> String {
        if !self.templates.contains_key(template) {
            let shared = self.shared_reads(reads);
            self.templates.insert(template.to_string(), shared);
        }
        let mut hash = Sha256::new();
        hash.update(env!("MSGEN_BUILD"));
        hash.update([0]);
        hash.update(template);
        hash.update([0]);
        hash.update(vars.json());
        for read in &self.templates[template] {
            // A file's own key hides the shared one: it is in `vars`, hashed above.
            if vars.has(read.key) {
                continue;
            }
            hash.update([0]);
            hash.update(read.path);
            hash.update([0]);
            hash.update(read.hash);
        }
        let digest = hash.finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The values of the shared context among `reads`.
    fn shared_reads(&mut self, reads: &'static [&'static str]) -> Vec<SharedRead> {
        reads
            .iter()
            .filter_map(|&path| {
                let key = path.split('.').next().unwrap_or_default();
                self.shared.get(key)?;
                Some(SharedRead {
                    key,
                    path,
                    hash: self.value(path),
                })
            })
            .collect()
    }

    /// The hash of the shared value at `path`, or of its absence.
    fn value(&mut self, path: &'static str) -> [u8; 32] {
        if let Some(hash) = self.values.get(path) {
            return *hash;
        }
        let (key, rest) = path.split_once('.').unwrap_or((path, ""));
        let value = self.shared.get(key).and_then(|value| match rest {
            "" => Some(value),
            rest => tera::dotted_pointer(value, rest),
        });
        self.buffer.clear();
        if let Some(value) = value {
            self.buffer.push(1);
            serde_json::to_writer(&mut self.buffer, value).expect("JSON values serialize");
        }
        let hash: [u8; 32] = Sha256::digest(&self.buffer).into();
        self.values.insert(path, hash);
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The names of the templates under `dir`.
    fn templates(dir: &'static include_dir::Dir<'static>, names: &mut Vec<&'static str>) {
        for file in dir.files() {
            names.extend(file.path().to_str().filter(|p| p.ends_with(".tera")));
        }
        for dir in dir.dirs() {
            templates(dir, names);
        }
    }

    #[test]
    fn the_build_found_what_each_embedded_template_reads() {
        let mut names = Vec::new();
        templates(&super::super::TEMPLATES, &mut names);
        assert!(names.len() > 50, "{names:?}");
        for name in names {
            let found = super::super::scan::reads(name, super::super::template_text);
            let found: Vec<&str> = found.iter().map(String::as_str).collect();
            assert_eq!(reads(name), Some(found.as_slice()), "{name}");
        }
        assert_eq!(reads("service/no-such-template.tera"), None);
    }

    #[test]
    fn a_fingerprint_changes_with_what_the_template_reads_and_only_with_that() {
        let mut shared = Context::new();
        shared.insert("service", &serde_json::json!({"name": "a", "port": 1}));
        let reads: &'static [&'static str] = &["service.name", "loop_variable"];
        let vars = |v: &str| {
            let mut vars = Vars::default();
            vars.insert("entity", v);
            vars
        };
        let first = Fingerprints::new(&shared).of_reading("t", reads, &vars("x"));
        assert_eq!(
            Fingerprints::new(&shared).of_reading("t", reads, &vars("x")),
            first
        );
        assert_ne!(
            Fingerprints::new(&shared).of_reading("u", reads, &vars("x")),
            first
        );
        assert_ne!(
            Fingerprints::new(&shared).of_reading("t", reads, &vars("y")),
            first
        );
        let mut other_port = Context::new();
        other_port.insert("service", &serde_json::json!({"name": "a", "port": 2}));
        assert_eq!(
            Fingerprints::new(&other_port).of_reading("t", reads, &vars("x")),
            first
        );
        let mut other_name = Context::new();
        other_name.insert("service", &serde_json::json!({"name": "b", "port": 1}));
        assert_ne!(
            Fingerprints::new(&other_name).of_reading("t", reads, &vars("x")),
            first
        );
    }
}
