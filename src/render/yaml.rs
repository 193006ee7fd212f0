//! The YAML text of a JSON value (the API documents), exactly as `serde_yaml::to_string` writes
//! it, in a single pass over the value.
//!
//! serde_yaml hands each node to libyaml's emitter, which copies every scalar and analyses it
//! again to choose its style; for a large OpenAPI document that is most of the time spent
//! writing it. This writer makes the same choices: block mappings and sequences (a sequence in
//! a mapping not indented), `{}` and `[]` for empty ones; a string plain where libyaml allows
//! it and YAML would read it back as that string, else in single quotes; a string with line
//! breaks as a literal block (`|`). What it does not write itself (a string libyaml writes in
//! double quotes or as a key of more than 128 bytes, a literal block that keeps trailing line
//! breaks, line separators, a root that is not a mapping or a sequence) it leaves to
//! serde_yaml, for the whole document.

use serde_json::{Map, Value};

/// `value` as YAML, byte for byte what `serde_yaml::to_string(value)` returns.
pub(crate) fn to_string(value: &Value) -> String {
    write(value)
        .unwrap_or_else(|| serde_yaml::to_string(value).expect("JSON values serialize to YAML"))
}

/// `value` as YAML, or `None` if this writer leaves it to serde_yaml.
fn write(value: &Value) -> Option<String> {
    let mut writer = Writer {
        text: String::with_capacity(4096),
    };
    writer.root(value)?;
    Some(writer.text)
}

/// A document being written. Each method returns `None` for what it leaves to serde_yaml.
struct Writer {
    text: String,
}

/// How libyaml writes a string (its style), as far as this writer follows it.
enum Style {
    Plain,
    SingleQuoted,
    /// A literal block: whether its header gives the indentation (for text that starts with a
    /// space or a line break), and whether the text ends with its one line break (`|`) or
    /// has none there (`|-`).
    Literal {
        indicator: bool,
        clip: bool,
    },
}

/// Most a key may be, in bytes, to be written as `key: value` (libyaml's simple keys).
const MAX_SIMPLE_KEY: usize = 128;
/// libyaml's indentation step.
const INDENT: usize = 2;

impl Writer {
    fn root(&mut self, value: &Value) -> Option<()> {
        match value {
            Value::Object(map) if map.is_empty() => self.text.push_str("{}"),
            Value::Array(items) if items.is_empty() => self.text.push_str("[]"),
            Value::Object(map) => self.mapping(map, 0, false)?,
            Value::Array(items) => self.sequence(items, 0, false)?,
            _ => return None,
        }
        self.line_end();
        Some(())
    }

    /// The entries of a non-empty mapping, each key at column `indent`; the first on the line
    /// written so far if `inline` (a mapping that is an item of a sequence).
    fn mapping(&mut self, map: &Map<String, Value>, indent: usize, inline: bool) -> Option<()> {
        for (i, (key, value)) in map.iter().enumerate() {
            if i == 0 && inline {
                self.text.push(' ');
            } else {
                self.start_line(indent);
            }
            if key.len() > MAX_SIMPLE_KEY {
                return None;
            }
            match style(key)? {
                Style::Plain => self.text.push_str(key),
                Style::SingleQuoted => self.single_quoted(key),
                Style::Literal { .. } => return None,
            }
            self.text.push(':');
            self.node(value, indent, true)?;
        }
        Some(())
    }

    /// The items of a non-empty sequence, each `-` at column `indent`; the first on the line
    /// written so far if `inline` (a sequence that is an item of a sequence).
    fn sequence(&mut self, items: &[Value], indent: usize, inline: bool) -> Option<()> {
        for (i, item) in items.iter().enumerate() {
            if i == 0 && inline {
                self.text.push(' ');
            } else {
                self.start_line(indent);
            }
            self.text.push('-');
            self.node(item, indent, false)?;
        }
        Some(())
    }

    /// A value after its key's `:` (`in_mapping`) or its item's `-`, in a mapping or sequence
    /// at column `indent`.
    fn node(&mut self, value: &Value, indent: usize, in_mapping: bool) -> Option<()> {
        match value {
            Value::Null => self.text.push_str(" null"),
            Value::Bool(true) => self.text.push_str(" true"),
            Value::Bool(false) => self.text.push_str(" false"),
            Value::Number(number) => {
                self.text.push(' ');
                match number.as_f64() {
                    Some(float) if number.is_f64() => {
                        self.text.push_str(ryu::Buffer::new().format_finite(float));
                    }
                    _ => self.text.push_str(&number.to_string()),
                }
            }
            Value::String(text) => self.scalar(text, indent + INDENT)?,
            Value::Object(map) if map.is_empty() => self.text.push_str(" {}"),
            Value::Array(items) if items.is_empty() => self.text.push_str(" []"),
            Value::Object(map) => self.mapping(map, indent + INDENT, !in_mapping)?,
            // libyaml does not indent a sequence that is the value of a key.
            Value::Array(items) if in_mapping => self.sequence(items, indent, false)?,
            Value::Array(items) => self.sequence(items, indent + INDENT, true)?,
        }
        Some(())
    }

    /// A string after a key's `:` or an item's `-`; a literal block's lines at column `indent`.
    fn scalar(&mut self, text: &str, indent: usize) -> Option<()> {
        match style(text)? {
            Style::Plain => {
                self.text.push(' ');
                self.text.push_str(text);
            }
            Style::SingleQuoted => {
                self.text.push(' ');
                self.single_quoted(text);
            }
            Style::Literal { indicator, clip } => {
                self.text.push_str(" |");
                if indicator {
                    self.text.push(char::from(b'0' + INDENT as u8));
                }
                if !clip {
                    self.text.push('-');
                }
                self.text.push('\n');
                for (i, line) in text.split('\n').enumerate() {
                    if i > 0 {
                        self.text.push('\n');
                    }
                    if !line.is_empty() {
                        self.pad(indent);
                        self.text.push_str(line);
                    }
                }
            }
        }
        Some(())
    }

    fn single_quoted(&mut self, text: &str) {
        self.text.push('\'');
        for (i, part) in text.split('\'').enumerate() {
            if i > 0 {
                self.text.push_str("''");
            }
            self.text.push_str(part);
        }
        self.text.push('\'');
    }

    /// Ends the line written so far, unless it is ended, and indents the next to `indent`.
    fn start_line(&mut self, indent: usize) {
        self.line_end();
        self.pad(indent);
    }

    fn line_end(&mut self) {
        if !self.text.is_empty() && !self.text.ends_with('\n') {
            self.text.push('\n');
        }
    }

    fn pad(&mut self, indent: usize) {
        self.text.extend(std::iter::repeat_n(' ', indent));
    }
}

/// How libyaml writes `text` as serde_yaml asks it to (a literal block for text with line
/// breaks; single quotes for text YAML would read back as something else), or `None` if not
/// plainly, in single quotes or as a literal block of this writer's.
fn style(text: &str) -> Option<Style> {
    let allowed = Allowed::of(text)?;
    if text.contains('\n') {
        if !allowed.block {
            return None;
        }
        let mut end = text.bytes().rev();
        // A text that ends with more than one line break keeps them (`|+`), and libyaml then
        // ends the document with `...`: left to serde_yaml.
        let clip = match (end.next(), end.next()) {
            (Some(b'\n'), Some(b'\n') | None) => return None,
            (Some(b'\n'), Some(_)) => true,
            _ => false,
        };
        let indicator = text.starts_with([' ', '\n']);
        return Some(Style::Literal { indicator, clip });
    }
    if allowed.plain && !reads_as_other(text) {
        Some(Style::Plain)
    } else if allowed.single_quoted {
        Some(Style::SingleQuoted)
    } else {
        None
    }
}

/// The styles libyaml allows a scalar in a block collection (its `analyze_scalar`, for text
/// that does not make it write double quotes).
struct Allowed {
    plain: bool,
    single_quoted: bool,
    block: bool,
}

impl Allowed {
    /// `None` if libyaml writes `text` only in double quotes (a character it does not write
    /// as it is, or a space before a line break), or if `text` has a line break other than
    /// `\n`.
    fn of(text: &str) -> Option<Allowed> {
        // Indicators: what would make plain text read as YAML's syntax.
        let mut indicators = text.starts_with("---") || text.starts_with("...");
        let mut break_space = false;
        let mut previous: Option<char> = None;
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            if !printable(c) || matches!(c, '\u{2028}' | '\u{2029}') {
                return None;
            }
            let followed_by_blank = chars.peek().is_none_or(|&next| matches!(next, ' ' | '\n'));
            indicators |= match previous {
                None => match c {
                    '#' | ',' | '[' | ']' | '{' | '}' | '&' | '*' | '!' | '|' | '>' | '\''
                    | '"' | '%' | '@' | '`' => true,
                    '?' | ':' | '-' => followed_by_blank,
                    _ => false,
                },
                Some(before) => {
                    (c == ':' && followed_by_blank) || (c == '#' && matches!(before, ' ' | '\n'))
                }
            };
            match (previous, c) {
                (Some(' '), '\n') => return None,
                (Some('\n'), ' ') => break_space = true,
                _ => {}
            }
            previous = Some(c);
        }
        let blank = |c: Option<char>| matches!(c, Some(' ' | '\n'));
        let blank_at_an_end = blank(text.chars().next()) || blank(previous);
        Some(Allowed {
            plain: !(blank_at_an_end || break_space || indicators || text.contains('\n')),
            single_quoted: !break_space,
            block: !text.is_empty() && !text.ends_with(' '),
        })
    }
}

/// Whether libyaml writes `c` as it is (its `IS_PRINTABLE`, with Unicode output).
fn printable(c: char) -> bool {
    matches!(c, '\n' | ' '..='~' | '\u{A0}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
        && c != '\u{FEFF}'
}

/// Whether YAML reads `text`, written plain, as something other than a string: as serde_yaml
/// reads it (null, a boolean, an integer in any base, a float), or digits with a leading zero,
/// which serde_yaml quotes as well.
fn reads_as_other(text: &str) -> bool {
    matches!(
        text,
        "" | "~"
            | "null"
            | "Null"
            | "NULL"
            | "true"
            | "True"
            | "TRUE"
            | "false"
            | "False"
            | "FALSE"
    ) || leading_zero_digits(text)
        || unsigned_int(text)
        || negative_int(text)
        || float(text)
}

/// Digits after a leading zero (after a sign, if any): a string in YAML 1.2.
fn leading_zero_digits(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    digits.len() > 1 && digits.starts_with('0') && digits[1..].bytes().all(|b| b.is_ascii_digit())
}

/// An integer of at most 128 bits with an optional `+`, in decimal or after `0x`, `0o`, `0b`.
fn unsigned_int(text: &str) -> bool {
    let unsigned = text.strip_prefix('+').unwrap_or(text);
    for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] {
        if let Some(digits) = unsigned.strip_prefix(prefix) {
            if digits.starts_with(['+', '-']) {
                return false;
            }
            if u128::from_str_radix(digits, radix).is_ok() {
                return true;
            }
        }
    }
    !unsigned.starts_with(['+', '-'])
        && !leading_zero_digits(text)
        && unsigned.parse::<u128>().is_ok()
}

/// A negative integer of at most 128 bits, in decimal or after `-0x`, `-0o`, `-0b`.
fn negative_int(text: &str) -> bool {
    for (prefix, radix) in [("-0x", 16), ("-0o", 8), ("-0b", 2)] {
        if let Some(digits) = text.strip_prefix(prefix) {
            if i128::from_str_radix(&format!("-{digits}"), radix).is_ok() {
                return true;
            }
        }
    }
    !leading_zero_digits(text) && text.parse::<i128>().is_ok()
}

/// A finite float as Rust reads one (with one optional `+`), or `.inf` or `.nan` in any of
/// YAML's spellings.
fn float(text: &str) -> bool {
    let unsigned = match text.strip_prefix('+') {
        Some(rest) if rest.starts_with(['+', '-']) => return false,
        Some(rest) => rest,
        None => text,
    };
    matches!(unsigned, ".inf" | ".Inf" | ".INF")
        || matches!(text, "-.inf" | "-.Inf" | "-.INF" | ".nan" | ".NaN" | ".NAN")
        || unsigned.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::json;

    use super::*;

    /// Strings of every kind libyaml tells apart: plain, quoted as other values or for their
    /// indicators, blank at an end, with line breaks of each sort, and characters it writes
    /// only in double quotes.
    const STRINGS: &[&str] = &[
        "",
        "a",
        "plain words, with: colons and #hashes",
        "/api/v1/payments/{id}",
        "#/components/schemas/Payment",
        "^[0-9]+(\\.[0-9]{1,2})?$",
        "null",
        "Null",
        "~",
        "true",
        "FALSE",
        "yes",
        "12",
        "-12",
        "+12",
        "012",
        "-012",
        "0x1F",
        "-0x1F",
        "0x+1",
        "0o17",
        "0b101",
        "1e3",
        "1.5",
        "+.5",
        "++5",
        ".inf",
        "-.INF",
        ".NaN",
        "1_000",
        "340282366920938463463374607431768211456",
        "1.0.0",
        "---",
        "...x",
        "- item",
        "-item",
        "? key",
        "?key",
        ": value",
        ":value",
        "key: value",
        "key:value",
        "a #comment",
        "a#b",
        "# heading",
        "@user",
        "`code`",
        "'single'",
        "it's",
        "\"double\"",
        "[list]",
        "{map}",
        "a, b",
        "&anchor",
        "*alias",
        "!tag",
        "|bar",
        ">fold",
        "%percent",
        " leading space",
        "trailing space ",
        "two\nlines",
        "two\nlines\n",
        "two\nlines\n\n",
        "\n",
        "\nleading break",
        " leading space\nthen a line",
        "blank\n\nline between",
        "line then\n indented line",
        "space before \nbreak",
        "tab\there",
        "carriage\rreturn",
        "line\u{2028}separator",
        "next\u{85}line",
        "caf\u{e9} \u{4e2d}\u{6587} \u{1f600}",
        "bom\u{feff}",
        "nul\u{0}",
        "a very long string that goes on and on past the eightieth column of the line, where \
         libyaml would fold it were its width not unlimited",
    ];

    /// The same as serde_yaml writes it, and written here rather than left to serde_yaml.
    fn same(value: &Value) -> bool {
        let theirs = serde_yaml::to_string(value).unwrap();
        match write(value) {
            Some(ours) => {
                assert_eq!(ours, theirs, "{value:#}");
                true
            }
            None => {
                assert_eq!(to_string(value), theirs, "{value:#}");
                false
            }
        }
    }

    #[test]
    fn every_kind_of_string_is_written_as_serde_yaml_writes_it() {
        let mut written = 0;
        for text in STRINGS {
            let documents = [
                json!({ "key": text }),
                json!({ text.to_string(): "value" }),
                json!([text]),
                json!({ "outer": { "inner": text, "list": [text, { "k": text }] } }),
                json!([[text, [text]], { "k": [text] }]),
                json!({ "a": 1, "b": [{ "c": text, "d": -2.5 }], "e": text }),
            ];
            for document in &documents {
                written += usize::from(same(document));
            }
        }
        // Double quotes, `|+` blocks, line separators and long keys are left to serde_yaml;
        // everything else is written here.
        assert!(written > 6 * STRINGS.len() * 4 / 5, "{written}");
        for text in [
            "plain",
            "null",
            "012",
            "it's",
            "two\nlines",
            "two\nlines\n",
            "\nx",
        ] {
            assert!(write(&json!({ "k": text })).is_some(), "{text:?}");
        }
        for text in ["tab\t", "space \nbreak", "x\n\n", "\n", "a\u{2028}b"] {
            assert!(write(&json!({ "k": text })).is_none(), "{text:?}");
        }
    }

    #[test]
    fn every_other_value_is_written_as_serde_yaml_writes_it() {
        let long_key = "k".repeat(MAX_SIMPLE_KEY);
        let longer_key = "k".repeat(MAX_SIMPLE_KEY + 1);
        let documents = [
            json!({}),
            json!([]),
            json!({ "empty": {}, "none": [], "nested": [{}, [], [[]], { "e": {} }] }),
            json!({ "n": null, "t": true, "f": false, "u": 18446744073709551615_u64 }),
            json!({ "i": i64::MIN, "x": 0.1, "y": 1e300, "z": -0.0, "w": 100.0 }),
            json!([[[1, 2], [3]], [{ "a": [{ "b": [1] }] }]]),
            json!({ long_key.clone(): 1 }),
        ];
        for document in &documents {
            assert!(same(document), "{document:#}");
        }
        assert!(!same(&json!({ longer_key: 1 })));
        assert!(!same(&json!("a root that is text")));
    }

    /// Values of every shape, with strings made of the characters that decide a style (about
    /// half of them written here, the rest left to serde_yaml for a string of theirs).
    fn value() -> impl Strategy<Value = Value> {
        let text = || {
            proptest::string::string_regex("[ a-c0-9#:'\"\\-?.!@\n\u{e9}\u{1f600}x]{0,8}")
                .expect("a valid pattern")
        };
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(|n| json!(n)),
            (-1e6..1e6f64).prop_map(|n| json!(n)),
            text().prop_map(Value::String),
        ];
        leaf.prop_recursive(4, 48, 6, move |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                proptest::collection::vec((text(), inner), 0..6)
                    .prop_map(|entries| Value::Object(entries.into_iter().collect())),
            ]
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig {
            cases: 1024,
            failure_persistence: None,
            ..ProptestConfig::default()
        })]

        #[test]
        fn any_mapping_or_sequence_is_written_as_serde_yaml_writes_it(value in value()) {
            same(&value);
        }
    }

    #[test]
    fn the_api_documents_of_the_examples_are_written_here() {
        let specs = [
            include_str!("../../examples/payment-service.yaml"),
            include_str!("../../examples/notification-service.yaml"),
            include_str!("../../tests/specs/valid/kitchen-sink.yaml"),
            include_str!("../../tests/specs/valid/odd-shapes.yaml"),
        ];
        for text in specs {
            let source = crate::spec::Source::new("msgen.yaml", text);
            let service = crate::ir::lower(&crate::spec::check(&source).expect("a valid spec"));
            assert!(same(&super::super::openapi::model(&service)), "{text}");
        }
        // A description with a tab, which libyaml writes in double quotes: left to serde_yaml.
        let text = include_str!("../../tests/specs/valid/quoted-and-block-text.yaml");
        let source = crate::spec::Source::new("msgen.yaml", text);
        let service = crate::ir::lower(&crate::spec::check(&source).expect("a valid spec"));
        assert!(!same(&super::super::openapi::model(&service)));
    }
}
