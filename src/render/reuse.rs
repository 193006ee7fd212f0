//! Rendering only what changed: every file rendered from a template gets a fingerprint of
//! everything its text is made from (the build of msgen, the template, the file's own keys and
//! the values of the shared context the template reads), and a file whose fingerprint is the
//! one recorded with its text last time is that text again, without rendering.
//!
//! What a template reads of the shared context is found in its source: every dotted name in its
//! tags (`service.resources`, `auth`), and those of the templates it includes or imports
//! macros from (a Tera macro sees the context too). A name that is not a key of the shared
//! context reads nothing of it (a loop variable, a macro argument). The scan over-reads, never
//! under-reads: a name in a string or a local variable that happens to share a key's name only
//! costs a render.

use std::collections::{BTreeSet, HashMap};
use std::sync::{LazyLock, PoisonError, RwLock};

use sha2::{Digest, Sha256};
use tera::Context;

use super::Vars;

/// By template, the dotted names its tags (and those of the templates it includes or
/// imports) read, found once per process.
static READS: LazyLock<RwLock<HashMap<String, Vec<String>>>> = LazyLock::new(Default::default);

/// The dotted names the template `name` reads, given the text of each template.
pub fn reads(name: &str, text_of: impl Fn(&str) -> Option<&'static str>) -> Vec<String> {
    remembered(&READS, name, || read_by(name, text_of))
}

/// The dotted names `name` and the templates it reaches read.
fn read_by(name: &str, text_of: impl Fn(&str) -> Option<&'static str>) -> Vec<String> {
    let mut names = BTreeSet::new();
    let mut seen = BTreeSet::from([name.to_string()]);
    let mut pending = vec![name.to_string()];
    while let Some(template) = pending.pop() {
        let Some(text) = text_of(&template) else {
            continue;
        };
        let scan = scan(&template, text);
        names.extend(scan.names.iter().cloned());
        for other in &scan.templates {
            if seen.insert(other.clone()) {
                pending.push(other.clone());
            }
        }
    }
    names.into_iter().collect()
}

/// The value of `key` in `memory`, computed by `compute` the first time.
fn remembered<T: Clone>(
    memory: &RwLock<HashMap<String, T>>,
    key: &str,
    compute: impl FnOnce() -> T,
) -> T {
    let known = memory.read().unwrap_or_else(PoisonError::into_inner);
    if let Some(value) = known.get(key) {
        return value.clone();
    }
    drop(known);
    let value = compute();
    (memory.write().unwrap_or_else(PoisonError::into_inner)).insert(key.to_string(), value.clone());
    value
}

/// What the text of one template names.
#[derive(Clone)]
struct Scan {
    /// The dotted names of its tags.
    names: Vec<String>,
    /// The templates it includes, imports macros from or extends.
    templates: Vec<String>,
}

/// By template, what its own text names (a template many others import is read once).
static SCANS: LazyLock<RwLock<HashMap<String, Scan>>> = LazyLock::new(Default::default);

fn scan(name: &str, text: &str) -> Scan {
    remembered(&SCANS, name, || scan_text(text))
}

fn scan_text(text: &str) -> Scan {
    let mut names = BTreeSet::new();
    let mut templates = Vec::new();
    for tag in tags(text) {
        let words = Words::new(tag);
        if matches!(words.first(), Some("include" | "import" | "extends")) {
            templates.extend(strings(tag).map(str::to_string));
        }
        names.extend(words.paths().map(str::to_string));
    }
    Scan {
        names: names.into_iter().collect(),
        templates,
    }
}

/// The bodies of the tags of a template (`{{ … }}` and `{% … %}`), outside comments and raw
/// blocks; string literals inside a tag are skipped over, so a `%}` in one does not end it.
fn tags(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut tags = Vec::new();
    let mut at = 0;
    while let Some(offset) = text[at..].find('{') {
        let open = at + offset;
        let kind = bytes.get(open + 1).copied();
        let close: &[u8] = match kind {
            Some(b'{') => b"}}",
            Some(b'%') => b"%}",
            Some(b'#') => b"#}",
            _ => {
                at = open + 1;
                continue;
            }
        };
        let start = open + 2;
        let end = if kind == Some(b'#') {
            text[start..].find("#}").map(|i| start + i)
        } else {
            close_of(bytes, start, close)
        };
        let Some(end) = end else {
            // Unclosed: Tera refuses the template; read the rest as one tag.
            tags.push(&text[start..]);
            break;
        };
        let body = &text[start..end];
        at = end + 2;
        match kind {
            Some(b'#') => {}
            Some(b'%') if Words::new(body).first() == Some("raw") => {
                // What a raw block holds is text, up to its `endraw` tag.
                match endraw(text, at) {
                    Some(after) => at = after,
                    None => break,
                }
            }
            _ => tags.push(body),
        }
    }
    tags
}

/// Where the `{% endraw %}` tag after `at` ends.
fn endraw(text: &str, mut at: usize) -> Option<usize> {
    while let Some(offset) = text[at..].find("{%") {
        let start = at + offset + 2;
        let end = text[start..].find("%}").map(|i| start + i)?;
        if Words::new(&text[start..end]).first() == Some("endraw") {
            return Some(end + 2);
        }
        at = start;
    }
    None
}

/// Where `close` ends the tag whose body starts at `start`, skipping string literals.
fn close_of(bytes: &[u8], start: usize, close: &[u8]) -> Option<usize> {
    let mut i = start;
    while i + 1 < bytes.len() {
        match bytes[i] {
            quote @ (b'"' | b'\'' | b'`') => {
                i += 1;
                while i < bytes.len() && bytes[i] != quote {
                    i += 1;
                }
                i += 1;
            }
            _ if bytes[i..].starts_with(close) => return Some(i),
            _ => i += 1,
        }
    }
    None
}

/// The string literals of a tag's body.
fn strings(body: &str) -> impl Iterator<Item = &str> {
    let bytes = body.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if let quote @ (b'"' | b'\'' | b'`') = bytes[i] {
            let start = i + 1;
            i = start;
            while i < bytes.len() && bytes[i] != quote {
                i += 1;
            }
            found.push(&body[start..i.min(bytes.len())]);
        }
        i += 1;
    }
    found.into_iter()
}

/// The names of a tag's body, outside its string literals.
struct Words<'t> {
    body: &'t str,
}

impl<'t> Words<'t> {
    fn new(body: &'t str) -> Self {
        Self {
            body: body.trim_start_matches('-').trim_start(),
        }
    }

    /// The tag's first word: its keyword for a `{% … %}` tag.
    fn first(&self) -> Option<&'t str> {
        let end = self
            .body
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(self.body.len());
        (end > 0).then(|| &self.body[..end])
    }

    /// Every dotted name not reached through another value (`a.b.c`, not the `c` of `f().c`),
    /// up to its first subscript.
    fn paths(&self) -> impl Iterator<Item = &'t str> {
        let bytes = self.body.as_bytes();
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        let mut found = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if matches!(b, b'"' | b'\'' | b'`') {
                i += 1;
                while i < bytes.len() && bytes[i] != b {
                    i += 1;
                }
                i += 1;
                continue;
            }
            if !(b.is_ascii_alphabetic() || b == b'_') {
                i += 1;
                continue;
            }
            let attribute = self.body[..i].trim_end().ends_with('.');
            let start = i;
            while i < bytes.len() && word(bytes[i]) {
                i += 1;
            }
            while i + 1 < bytes.len() && bytes[i] == b'.' && word(bytes[i + 1]) {
                i += 1;
                while i < bytes.len() && word(bytes[i]) {
                    i += 1;
                }
            }
            if !attribute {
                found.push(&self.body[start..i]);
            }
        }
        found.into_iter()
    }
}

/// Fingerprints the files rendered with one shared context: the hash of each value of it that
/// a template reads is taken once.
pub struct Fingerprints<'c> {
    shared: &'c Context,
    values: HashMap<String, [u8; 32]>,
    /// Where values are written as JSON to be hashed, kept from one to the next.
    buffer: Vec<u8>,
}

impl<'c> Fingerprints<'c> {
    pub fn new(shared: &'c Context) -> Self {
        Self {
            shared,
            values: HashMap::new(),
            buffer: Vec::new(),
        }
    }

    /// The fingerprint of the file rendered from `template`, which reads `reads`, with the
    /// file's own keys `vars` on top of the shared context.
    pub fn of(&mut self, template: &str, reads: &[String], vars: &Vars) -> String {
        let mut hash = Sha256::new();
        hash.update(env!("MSGEN_BUILD"));
        hash.update([0]);
        hash.update(template);
        hash.update([0]);
        hash.update(vars.json());
        for path in reads {
            let key = path.split('.').next().unwrap_or_default();
            // A file's own key hides the shared one: it is in `vars`, hashed above.
            if vars.has(key) || self.shared.get(key).is_none() {
                continue;
            }
            hash.update([0]);
            hash.update(path);
            hash.update([0]);
            hash.update(self.value(path));
        }
        let digest = hash.finalize();
        digest[..16].iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The hash of the shared value at `path`, or of its absence.
    fn value(&mut self, path: &str) -> [u8; 32] {
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
        self.values.insert(path.to_string(), hash);
        hash
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(text: &'static str) -> Vec<String> {
        let mut found = BTreeSet::new();
        for tag in tags(text) {
            found.extend(Words::new(tag).paths().map(str::to_string));
        }
        found.into_iter().collect()
    }

    #[test]
    fn the_names_of_tags_are_read_and_text_comments_and_raw_blocks_are_not() {
        let text = "use crate::service::x; {{ service.name | upper }} {# auth.keys #}\n\
                    {% for e in service.entities %}{{ e.name }}{% endfor %}\
                    {% raw %}{{ secret }}{% endraw %}{{ f(a=b).c }} {{ m::x(s=auth) }}\
                    {{ \"%} {{ not_a_name\" ~ tail[0].x }}";
        assert_eq!(
            names(text),
            [
                "a",
                "auth",
                "b",
                "e",
                "e.name",
                "endfor",
                "f",
                "for",
                "in",
                "m",
                "s",
                "service.entities",
                "service.name",
                "tail",
                "upper",
                "x"
            ]
        );
    }

    #[test]
    fn what_a_template_includes_or_imports_it_reads_too() {
        let texts: HashMap<&str, &'static str> = HashMap::from([
            (
                "reuse-test/main",
                "{% import \"reuse-test/macros\" as m %}{% include \"reuse-test/part\" %}{{ own }}",
            ),
            (
                "reuse-test/part",
                "{{ included.value }}{% include \"reuse-test/main\" %}",
            ),
            (
                "reuse-test/macros",
                "{% macro x() %}{{ from_macro }}{% endmacro %}",
            ),
        ]);
        let read = reads("reuse-test/main", |name| texts.get(name).copied());
        for name in ["own", "included.value", "from_macro"] {
            assert!(read.contains(&name.to_string()), "{name}: {read:?}");
        }
    }

    #[test]
    fn a_fingerprint_changes_with_what_the_template_reads_and_only_with_that() {
        let mut shared = Context::new();
        shared.insert("service", &serde_json::json!({"name": "a", "port": 1}));
        let reads = vec!["service.name".to_string(), "loop_variable".to_string()];
        let vars = |v: &str| {
            let mut vars = Vars::default();
            vars.insert("entity", v);
            vars
        };
        let first = Fingerprints::new(&shared).of("t", &reads, &vars("x"));
        assert_eq!(
            Fingerprints::new(&shared).of("t", &reads, &vars("x")),
            first
        );
        assert_ne!(
            Fingerprints::new(&shared).of("u", &reads, &vars("x")),
            first
        );
        assert_ne!(
            Fingerprints::new(&shared).of("t", &reads, &vars("y")),
            first
        );
        let mut other_port = Context::new();
        other_port.insert("service", &serde_json::json!({"name": "a", "port": 2}));
        assert_eq!(
            Fingerprints::new(&other_port).of("t", &reads, &vars("x")),
            first
        );
        let mut other_name = Context::new();
        other_name.insert("service", &serde_json::json!({"name": "b", "port": 1}));
        assert_ne!(
            Fingerprints::new(&other_name).of("t", &reads, &vars("x")),
            first
        );
    }
}
