//! What a template reads of the context it is rendered with, found in its source: every dotted
//! name in its tags (`service.resources`, `auth`), and those of the templates it includes or
//! imports macros from (a Tera macro sees the context too). The scan over-reads, never
//! under-reads: a loop variable, a macro argument or a name in a string is a name too, and
//! costs at most a render that was not needed.
//!
//! msgen's build script runs it over the embedded templates (see `reuse::reads`); it uses the
//! standard library only, so that the build script can compile it as it is.

use std::collections::BTreeSet;

/// The dotted names the template `name` reads, given the text of each template.
pub fn reads<'t>(name: &str, text_of: impl Fn(&str) -> Option<&'t str>) -> Vec<String> {
    let mut names = BTreeSet::new();
    let mut seen = BTreeSet::from([name.to_string()]);
    let mut pending = vec![name.to_string()];
    while let Some(template) = pending.pop() {
        let Some(text) = text_of(&template) else {
            continue;
        };
        let scan = scan_text(text);
        names.extend(scan.names.iter().cloned());
        for other in &scan.templates {
            if seen.insert(other.clone()) {
                pending.push(other.clone());
            }
        }
    }
    names.into_iter().collect()
}

/// What the text of one template names.
struct Scan {
    /// The dotted names of its tags.
    names: Vec<String>,
    /// The templates it includes, imports macros from or extends.
    templates: Vec<String>,
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

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

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
}
