//! YAML text -> [`Spec`]: parse with positions, then decode the tree by hand.
//!
//! Decoding is written out instead of derived with serde so that every shape problem in the
//! file (an unknown key, a list where a mapping belongs, a misspelt type) is reported in one
//! run, each at its own position, with a suggestion where one is likely.
//!
//! Scalars: the parser tells quoted scalars from plain ones, and this module uses that the way
//! YAML 1.2's core schema does. A plain `true`/`false` is a boolean, a plain number is a
//! number, a plain `null`, `~` or empty value is null, and everything else (including any
//! quoted value) is a string. So `default: "42"` on a string field is the string `42`, and
//! `min: "5"` is an error rather than the number 5.

use std::collections::HashSet;

use marked_yaml::loader::{LoadError, LoaderOptions};
use marked_yaml::types::{MarkedScalarNode, Node as YamlNode};

use super::diagnostics::{did_you_mean, show, Diagnostic};
use super::model::*;
use super::Source;

/// A decoded spec with every problem of its shape. When there are problems, `spec` is partial:
/// what could not be read is left out, and `dropped` says what, so that validation can still
/// check the rest without reporting what only follows from a shape problem.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub spec: Spec,
    pub dropped: Dropped,
    pub problems: Vec<Diagnostic>,
}

/// What the decoder reported and left out of a partial spec: whole nodes (entities, events,
/// fields), and keys of the nodes it kept.
///
/// Every entry comes with a reported problem, so a spec without problems has none. Owners are
/// named by spans, which are unique in a file where names (of endpoints, say) need not be.
#[derive(Debug, Default)]
pub(crate) struct Dropped {
    /// `service:` is missing or not a string; the spec holds an empty placeholder.
    pub service: bool,
    /// Entities whose definitions could not be read, by name.
    pub entities: HashSet<String>,
    /// `entities:` is missing or could not be read, so any entity may have been meant.
    pub every_entity: bool,
    /// Published events that could not be read, by name.
    pub published: HashSet<String>,
    /// `events:` or `publish:` could not be read, so any published event may have been meant.
    pub every_published: bool,
    /// Consumed events that could not be read, by name.
    pub consumed: HashSet<String>,
    /// `events:` or `consume:` could not be read.
    pub every_consumed: bool,
    /// Fields that could not be read, by owner and name. The owner is the span of the name of
    /// the entity, event or custom endpoint (for `params`), or the span of an inline body.
    pub fields: HashSet<(Span, String)>,
    /// `auth:` is written but could not be read.
    pub auth: bool,
    /// `transports:` is written (or misspelt) but could not be read.
    pub transports: bool,
    /// Keys of kept nodes whose values could not be read, or that were misspelt, by the span of
    /// the node's name (of a field, entity or custom endpoint; the `resource:` value of a
    /// resource endpoint) and the key.
    pub keys: HashSet<(Span, &'static str)>,
}

impl Dropped {
    pub fn is_empty(&self) -> bool {
        !self.service
            && !self.auth
            && !self.transports
            && !self.every_entity
            && !self.every_published
            && !self.every_consumed
            && self.entities.is_empty()
            && self.published.is_empty()
            && self.consumed.is_empty()
            && self.fields.is_empty()
            && self.keys.is_empty()
    }

    /// Whether entity `name` may have been defined in a part that could not be read.
    pub fn entity(&self, name: &str) -> bool {
        self.every_entity || self.entities.contains(name)
    }

    /// Whether published event `name` may have been defined in a part that could not be read.
    pub fn published_event(&self, name: &str) -> bool {
        self.every_published || self.published.contains(name)
    }

    /// Whether any entity or event was written but could not be read.
    pub fn any_entity_or_event(&self) -> bool {
        self.every_entity
            || self.every_published
            || self.every_consumed
            || !self.entities.is_empty()
            || !self.published.is_empty()
            || !self.consumed.is_empty()
    }

    /// Whether field `name` of `owner` could not be read.
    pub fn field(&self, owner: Span, name: &str) -> bool {
        self.fields.contains(&(owner, name.to_owned()))
    }

    /// Whether any field of `owner` could not be read.
    pub fn any_field(&self, owner: Span) -> bool {
        self.fields.iter().any(|(o, _)| *o == owner)
    }

    /// Whether `key` of the node named at `owner` was written but could not be read.
    pub fn key(&self, owner: Span, key: &str) -> bool {
        self.keys.contains(&(owner, key))
    }
}

/// Reads `source` into the spec model with every problem of its shape; fails only when nothing
/// could be read: invalid YAML, or a file that is not a mapping.
pub(crate) fn load(source: &Source) -> Result<Loaded, Vec<Diagnostic>> {
    let root = parse(&source.text).map_err(|d| vec![d])?;
    let mut decoder = Decoder::default();
    let Some(spec) = decoder.spec(&root) else {
        return Err(decoder.problems);
    };
    debug_assert!(
        !decoder.problems.is_empty() || decoder.dropped.is_empty(),
        "something was dropped without a problem: {:?}",
        decoder.dropped
    );
    Ok(Loaded {
        spec,
        dropped: decoder.dropped,
        problems: decoder.problems,
    })
}

// ---------------------------------------------------------------------------------------------
// The YAML tree, with byte spans.

#[derive(Debug, Clone)]
pub(crate) struct Node {
    pub kind: Kind,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    /// A plain `null`, `~`, or nothing at all.
    Null,
    Scalar {
        text: String,
        /// Written without quotes (and not as a `|` or `>` block).
        plain: bool,
    },
    Map(Vec<Entry>),
    Seq(Vec<Node>),
}

#[derive(Debug, Clone)]
pub(crate) struct Entry {
    pub key: Spanned<String>,
    pub value: Node,
}

const BOM: &str = "\u{feff}";

/// Parses `text` into a tree whose spans are byte offsets into `text`.
pub(crate) fn parse(text: &str) -> Result<Node, Diagnostic> {
    let base = if text.starts_with(BOM) { BOM.len() } else { 0 };
    let body = &text[base..];
    let positions = Positions::new(text, base);
    let options = LoaderOptions::default()
        .error_on_duplicate_keys(true)
        .prevent_coercion(true);
    let root = marked_yaml::parse_yaml_with_options(0, body, options)
        .map_err(|e| load_error(&positions, e))?;
    if let Some(d) = second_document(text) {
        return Err(d);
    }
    Ok(positions.node(&root))
}

/// Maps the parser's character positions to byte offsets and finds where scalars end.
struct Positions<'a> {
    text: &'a str,
    /// The byte offset of each character of the parsed text, plus one past the end.
    bytes: Vec<usize>,
}

impl<'a> Positions<'a> {
    fn new(text: &'a str, base: usize) -> Self {
        let mut bytes: Vec<usize> = text[base..].char_indices().map(|(i, _)| base + i).collect();
        bytes.push(text.len());
        Self { text, bytes }
    }

    fn offset(&self, marker: Option<&marked_yaml::Marker>) -> usize {
        let index = marker.map_or(0, |m| m.character());
        self.bytes.get(index).copied().unwrap_or(self.text.len())
    }

    fn char_at(&self, offset: usize) -> Option<char> {
        self.text.get(offset..).and_then(|s| s.chars().next())
    }

    fn node(&self, node: &YamlNode) -> Node {
        match node {
            YamlNode::Scalar(s) => self.scalar(s),
            YamlNode::Sequence(seq) => {
                let start = self.offset(node.span().start());
                let items: Vec<Node> = seq.iter().map(|n| self.node(n)).collect();
                let span = if self.char_at(start) == Some('[') {
                    Span::new(start, self.offset(node.span().end()) + 1)
                } else {
                    Span::new(start, items.last().map_or(start, |n| n.span.end))
                };
                Node {
                    kind: Kind::Seq(items),
                    span,
                }
            }
            YamlNode::Mapping(map) => {
                let start = self.offset(node.span().start());
                let mut entries = Vec::with_capacity(map.len());
                for (key, value) in map.iter() {
                    let key = self.key(key);
                    let mut value = self.node(value);
                    if matches!(&value.kind, Kind::Null) && value.span.start == value.span.end {
                        // `key:` with nothing after it: the parser places the empty value
                        // at the next token, which may be lines away. Point at the key.
                        value.span = key.span;
                    }
                    entries.push(Entry { key, value });
                }
                let span = if self.char_at(start) == Some('{') {
                    Span::new(start, self.offset(node.span().end()) + 1)
                } else {
                    // A block mapping's own markers are imprecise: use its first key and
                    // its last value.
                    match (entries.first(), entries.last()) {
                        (Some(first), Some(last)) => Span::new(
                            first.key.span.start,
                            last.value.span.end.max(last.key.span.end),
                        ),
                        _ => Span::new(start, start),
                    }
                };
                Node {
                    kind: Kind::Map(entries),
                    span,
                }
            }
        }
    }

    fn key(&self, key: &MarkedScalarNode) -> Spanned<String> {
        let start = self.offset(key.span().start());
        let end = self.scalar_end(start, key.as_str(), key.may_coerce());
        Spanned::new(key.as_str().to_owned(), Span::new(start, end))
    }

    fn scalar(&self, s: &MarkedScalarNode) -> Node {
        let start = self.offset(s.span().start());
        let text = s.as_str();
        let plain = s.may_coerce();
        if plain && matches!(text, "" | "~" | "null" | "Null" | "NULL") {
            // An empty value gets an empty span; the mapping moves it to its key.
            let end = start + text.len();
            return Node {
                kind: Kind::Null,
                span: Span::new(start, end),
            };
        }
        let end = self.scalar_end(start, text, plain);
        let plain = plain && !matches!(self.char_at(start), Some('|' | '>'));
        Node {
            kind: Kind::Scalar {
                text: text.to_owned(),
                plain,
            },
            span: Span::new(start, end),
        }
    }

    /// Where the scalar starting at `start` ends in the source. Quoted scalars end at their
    /// closing quote; plain ones after their text; multi-line ones at the end of their first line.
    fn scalar_end(&self, start: usize, value: &str, plain: bool) -> usize {
        let rest = &self.text[start.min(self.text.len())..];
        let first_line_end = || {
            let line = rest.split('\n').next().unwrap_or("");
            let line = line.split(" #").next().unwrap_or(line);
            start + line.trim_end().len()
        };
        match rest.chars().next() {
            Some('"') if !plain => {
                let mut escaped = false;
                for (i, c) in rest.char_indices().skip(1) {
                    match c {
                        _ if escaped => escaped = false,
                        '\\' => escaped = true,
                        '"' => return start + i + 1,
                        _ => {}
                    }
                }
                first_line_end()
            }
            Some('\'') if !plain => {
                let mut chars = rest.char_indices().skip(1).peekable();
                while let Some((i, c)) = chars.next() {
                    if c == '\'' {
                        if chars.peek().is_some_and(|&(_, c)| c == '\'') {
                            chars.next();
                        } else {
                            return start + i + 1;
                        }
                    }
                }
                first_line_end()
            }
            _ if plain && !value.is_empty() && rest.starts_with(value) => start + value.len(),
            _ => first_line_end(),
        }
    }
}

/// Only the first YAML document is read, so a second one would be silently ignored. Refuse it.
fn second_document(text: &str) -> Option<Diagnostic> {
    let mut seen_content = false;
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let trimmed = line.trim_end();
        let marker = trimmed == "---" || trimmed.starts_with("--- ") || trimmed == "...";
        if marker && seen_content {
            return Some(
                Diagnostic::error(
                    Span::new(offset, offset + 3),
                    "a spec is one YAML document, but a second one starts here",
                )
                .with_help("remove this line and everything after it, or merge the documents"),
            );
        }
        let content = trimmed.trim_start();
        if !content.is_empty() && !content.starts_with('#') && !marker {
            seen_content = true;
        }
        offset += line.len();
    }
    None
}

fn load_error(positions: &Positions<'_>, error: LoadError) -> Diagnostic {
    let at = |m: &marked_yaml::Marker| {
        let start = positions.offset(Some(m));
        let end = positions
            .char_at(start)
            .filter(|c| *c != '\n')
            .map_or(start, |c| start + c.len_utf8());
        Span::new(start, end)
    };
    match error {
        LoadError::TopLevelMustBeMapping(m) => Diagnostic::error(
            at(&m),
            "a spec must be a YAML mapping of keys such as `service:` and `entities:`",
        )
        .with_help("start the file with `service: my-service`"),
        LoadError::TopLevelMustBeSequence(m) => {
            Diagnostic::error(at(&m), "a spec must be a YAML mapping")
        }
        LoadError::UnexpectedAnchor(m) => Diagnostic::error(
            at(&m),
            "YAML anchors and aliases (`&name`, `*name`) are not supported",
        )
        .with_help("write the value out in full"),
        LoadError::MappingKeyMustBeScalar(m) => Diagnostic::error(
            at(&m),
            "a mapping key must be a plain name, not a list or a mapping",
        ),
        LoadError::UnexpectedTag(m) => {
            Diagnostic::error(at(&m), "YAML tags such as `!!str` are not supported")
                .with_help("remove the tag; put the value in quotes to make it a string")
        }
        LoadError::DuplicateKey(inner) => {
            let first = positions.key(&inner.prev_key);
            let second = positions.key(&inner.key);
            let (line, _) = super::diagnostics::line_col(positions.text, first.span.start);
            Diagnostic::error(
                second.span,
                format!("`{}` is defined twice", show(&second.value)),
            )
            .with_label(format!("already defined on line {line}"))
            .with_related(first.span, "first defined here")
            .with_help("remove one of them, or rename it")
        }
        LoadError::ScanError(m, e) => {
            let mut span = at(&m);
            if e.info().contains("tab") {
                // The parser stops after the tab; point at the tab itself.
                let text = positions.text;
                let line_start = text[..span.start].rfind('\n').map_or(0, |i| i + 1);
                if let Some(i) = text[line_start..span.start.max(line_start)].rfind('\t') {
                    span = Span::new(line_start + i, line_start + i + 1);
                }
            }
            scan_error(span, e.info())
        }
    }
}

/// Turns the YAML parser's wording into advice about what to change.
fn scan_error(span: Span, info: &str) -> Diagnostic {
    let (message, help): (&str, Option<&str>) = if info.contains("tab") {
        (
            "a tab is used for indentation; YAML only allows spaces",
            Some("indent with spaces"),
        )
    } else if info.contains("anchor") || info.contains("alias") {
        (
            "YAML anchors and aliases (`&name`, `*name`) are not supported",
            Some("write the value out in full"),
        )
    } else if info.starts_with("mapping values are not allowed") {
        (
            "unexpected `:` in this value",
            Some("put a value that contains `: ` in quotes, e.g. `description: \"note: paid\"`; or check the indentation of the line above"),
        )
    } else if info.contains("did not find expected key") {
        (
            "this line is not indented like the keys around it",
            Some("keys of one mapping must start in the same column; nested keys go further right"),
        )
    } else if info.contains("did not find expected '-' indicator") {
        (
            "a list item (`- ...`) was expected here",
            Some("a list cannot also have keys; check the indentation"),
        )
    } else if info.contains("flow mapping") {
        (
            "this `{ ... }` mapping is not closed",
            Some("add the missing `}` or `,`"),
        )
    } else if info.contains("flow sequence") {
        (
            "this `[ ... ]` list is not closed",
            Some("add the missing `]` or `,`"),
        )
    } else if info.contains("invalid indentation in quoted scalar") {
        (
            "this quoted string runs on into the following lines",
            Some("add the closing quote; a string that really spans lines must indent its continuation lines"),
        )
    } else if info.contains("quoted scalar, found unexpected end") {
        (
            "a quoted string is not closed",
            Some("add the closing quote"),
        )
    } else if info.contains("unknown escape character") {
        (
            "unknown escape sequence in a double-quoted string",
            Some("write `\\\\` for a backslash, or use single quotes, where backslashes need no escaping"),
        )
    } else if info.contains("must be followed by a valid YAML whitespace") {
        (
            "a space is missing after `:` or `-`",
            Some("write `key: value`"),
        )
    } else if info.contains("did not find expected node content") {
        ("a value was expected here", None)
    } else {
        ("", None)
    };
    let message = if message.is_empty() {
        format!("invalid YAML: {info}")
    } else {
        message.to_owned()
    };
    let d = Diagnostic::error(span, message);
    match help {
        Some(help) => d.with_help(help),
        None => d,
    }
}

// ---------------------------------------------------------------------------------------------
// Decoding.

const TOP_KEYS: &[&str] = &[
    "service",
    "description",
    "version",
    "database",
    "broker",
    "base_path",
    "port",
    "transports",
    "grpc_port",
    "entities",
    "endpoints",
    "events",
    "auth",
    "dependencies",
];
const DEPENDENCY_KEYS: &[&str] = &[
    "spec",
    "operations",
    "transport",
    "timeout_ms",
    "retries",
    "breaker",
    "concurrency",
];
const BREAKER_KEYS: &[&str] = &["failure_rate", "window", "open_secs"];
const ENTITY_KEYS: &[&str] = &[
    "description",
    "table",
    "renamed_from",
    "fields",
    "sortable",
    "default_sort",
    "links",
];
const FIELD_KEYS: &[&str] = &[
    "type",
    "optional",
    "default",
    "unique",
    "index",
    "readonly",
    "immutable",
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "format",
    "values",
    "entity",
    "on_delete",
    "search",
    "description",
    "renamed_from",
];
const RESOURCE_KEYS: &[&str] = &["resource", "operations", "auth", "scopes", "paging", "grpc"];
const CUSTOM_KEYS: &[&str] = &[
    "name",
    "method",
    "path",
    "description",
    "params",
    "request",
    "response",
    "emits",
    "auth",
    "scopes",
    "grpc",
];
const AUTH_KEYS: &[&str] = &[
    "issuer",
    "audience",
    "jwks_url",
    "public_key_env",
    "secret_env",
    "algorithms",
    "scopes_claim",
];
const SCOPES_KEYS: &[&str] = &["read", "write"];
const EVENTS_KEYS: &[&str] = &["publish", "consume"];
const EVENT_KEYS: &[&str] = &["subject", "description", "from", "payload"];

/// Advice for keys of `auth` written as other tools write them, and the key they stand for.
fn auth_key(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "jwks" | "jwks_uri" | "jwk_url" => {
            ("the key set's address goes under `jwks_url:`", "jwks_url")
        }
        "algorithm" | "alg" => ("write a list: `algorithms: [RS256]`", "algorithms"),
        "roles_claim" | "scope_claim" | "claim" => (
            "the claim that holds scopes or roles goes under `scopes_claim:`",
            "scopes_claim",
        ),
        "aud" => ("write `audience:`", "audience"),
        "iss" => ("write `issuer:`", "issuer"),
        _ => return None,
    })
}

/// Advice for keys people often bring from other tools, and the key they stand for when the
/// advice names one (the field was meant to have it, so its absence is not news).
fn foreign_key(key: &str) -> Option<(&'static str, Option<&'static str>)> {
    Some(match key {
        "required" | "nullable" | "null" => (
            "fields are required unless they say `optional: true`",
            Some("optional"),
        ),
        "primary_key" | "primary" | "pk" | "key" => (
            "every entity gets an `id` uuid primary key; it need not be declared",
            None,
        ),
        "length" | "size" | "len" => ("use `min_length` and `max_length`", None),
        "references" | "ref" | "foreign_key" | "fk" => (
            "a reference is written `{ type: ref, entity: Other }`",
            Some("entity"),
        ),
        "enum" | "options" | "choices" => ("enum values go in `values: [a, b]`", Some("values")),
        "indexed" => ("write `index: true`", Some("index")),
        _ => return None,
    })
}

/// Names other tools (JSON Schema, OpenAPI, ORMs, AsyncAPI) give to what msgen calls a key,
/// with the msgen key. Compared ignoring case, `_` and `-`, so `minLength` is `min_length`.
const KEY_SYNONYMS: &[(&str, &str)] = &[
    // fields
    ("minimum", "min"),
    ("min_value", "min"),
    ("exclusive_minimum", "min"),
    ("maximum", "max"),
    ("max_value", "max"),
    ("exclusive_maximum", "max"),
    ("min_len", "min_length"),
    ("min_size", "min_length"),
    ("max_len", "max_length"),
    ("max_size", "max_length"),
    ("regex", "pattern"),
    ("regexp", "pattern"),
    ("match", "pattern"),
    ("default_value", "default"),
    ("kind", "type"),
    ("data_type", "type"),
    ("datatype", "type"),
    ("target", "entity"),
    ("ref_entity", "entity"),
    ("references_entity", "entity"),
    ("on_remove", "on_delete"),
    ("is_unique", "unique"),
    ("read_only", "readonly"),
    ("server_set", "readonly"),
    ("frozen", "immutable"),
    ("write_once", "immutable"),
    ("is_optional", "optional"),
    ("optional_field", "optional"),
    ("enum_values", "values"),
    ("allowed_values", "values"),
    ("validate", "format"),
    // every level that describes something
    ("summary", "description"),
    ("desc", "description"),
    ("doc", "description"),
    ("docs", "description"),
    // entities
    ("table_name", "table"),
    ("db_table", "table"),
    ("previous_name", "renamed_from"),
    ("old_name", "renamed_from"),
    ("renamed", "renamed_from"),
    ("was", "renamed_from"),
    ("columns", "fields"),
    ("properties", "fields"),
    ("attributes", "fields"),
    ("props", "fields"),
    // endpoints
    ("http_method", "method"),
    ("parameters", "params"),
    ("path_params", "params"),
    ("path_parameters", "params"),
    ("body", "request"),
    ("input", "request"),
    ("request_body", "request"),
    ("output", "response"),
    ("returns", "response"),
    ("response_body", "response"),
    ("result", "response"),
    ("events", "emits"),
    ("publishes", "emits"),
    ("crud", "operations"),
    ("actions", "operations"),
    ("entity", "resource"),
    // events
    ("schema", "payload"),
    ("data", "payload"),
    ("fields", "payload"),
    ("source", "from"),
    ("publisher", "from"),
    ("producer", "from"),
    ("origin", "from"),
    ("subscribe", "consume"),
    ("publish_events", "publish"),
    // the top level
    ("db", "database"),
    ("datastore", "database"),
    ("message_broker", "broker"),
    ("messaging", "broker"),
    ("queue", "broker"),
    ("prefix", "base_path"),
    ("base_url", "base_path"),
    ("path_prefix", "base_path"),
    ("http_port", "port"),
    ("listen_port", "port"),
    ("models", "entities"),
    ("tables", "entities"),
    ("resources", "endpoints"),
    ("routes", "endpoints"),
    ("operations", "endpoints"),
    ("api", "endpoints"),
];

/// Every key that some level answers with its own advice (see [`foreign_key`], [`events_key`]
/// and the hints of [`Decoder::unknown_keys`]), so that a misspelling of one gets that advice.
const ADVISED_KEYS: &[&str] = &[
    "required",
    "nullable",
    "primary_key",
    "references",
    "foreign_key",
    "indexed",
    "service_name",
    "route",
    "subscribe",
    "consumes",
    "produces",
    "routing_key",
    "channel",
    "topic",
];

/// The allowed key that an unknown `key` most likely stands for: a misspelling of it, or the
/// name another tool gives it (`minimum` -> `min`), or a misspelling of that name.
pub(crate) fn suggest_key<'k>(key: &str, allowed: &[&'k str]) -> Option<&'k str> {
    let normal = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let in_allowed = |meant: &str| allowed.iter().copied().find(|a| *a == meant);
    let synonym = |word: &str| {
        KEY_SYNONYMS
            .iter()
            .find(|(other, _)| normal(other) == normal(word))
            .and_then(|(_, meant)| in_allowed(meant))
    };
    if let Some(s) = did_you_mean(key, allowed.iter().copied()) {
        return Some(s);
    }
    if let Some(s) = synonym(key) {
        return Some(s);
    }
    let synonyms = KEY_SYNONYMS
        .iter()
        .filter(|(_, meant)| allowed.contains(meant))
        .map(|(other, _)| *other);
    did_you_mean(key, synonyms).and_then(synonym)
}

/// Advice for keys under `events:`, and the key they stand for.
fn events_key(key: &str) -> Option<(&'static str, &'static str)> {
    Some(match key {
        "subscribe" | "consumes" | "receive" => ("consumed events go under `consume:`", "consume"),
        "produce" | "produces" | "emit" | "send" => {
            ("published events go under `publish:`", "publish")
        }
        _ => return None,
    })
}

fn entries(node: &Node) -> Option<&[Entry]> {
    match &node.kind {
        Kind::Map(entries) => Some(entries),
        _ => None,
    }
}

fn get<'a>(entries: &'a [Entry], key: &str) -> Option<&'a Entry> {
    entries.iter().find(|e| e.key.value == key)
}

/// How a node is described in "found ..." messages.
pub(crate) fn found(node: &Node) -> String {
    match &node.kind {
        Kind::Null => "nothing".to_owned(),
        Kind::Scalar { text, plain: true } => format!("`{}`", show(text)),
        Kind::Scalar { text, plain: false } => format!("the quoted string `{}`", show(text)),
        Kind::Map(_) => "a mapping".to_owned(),
        Kind::Seq(_) => "a list".to_owned(),
    }
}

/// "expected a mapping for `fields`, found a list", at the node.
pub(crate) fn expected(node: &Node, expected: &str, key: &str) -> Diagnostic {
    Diagnostic::error(
        node.span,
        format!("expected {expected} for `{key}`, found {}", found(node)),
    )
}

fn is_number(text: &str) -> bool {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    let (mantissa, exponent) = match digits.find(['e', 'E']) {
        Some(i) => (&digits[..i], Some(&digits[i + 1..])),
        None => (digits, None),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (mantissa, None),
    };
    let all_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let maybe_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    // YAML 1.2 core schema: `1`, `1.5`, `1.`, `.5`, each with an optional exponent.
    let mantissa_ok = match frac {
        None => all_digits(int),
        Some(frac) => {
            maybe_digits(int) && maybe_digits(frac) && !(int.is_empty() && frac.is_empty())
        }
    };
    mantissa_ok && exponent.is_none_or(|e| all_digits(e.strip_prefix(['-', '+']).unwrap_or(e)))
}

/// A number as YAML writes it (`+5`, `.5`, `007`, `1.e3`), rewritten as JSON writes it (`5`,
/// `0.5`, `7`, `1.0e3`): the text goes into generated Rust, SQL and OpenAPI, which read only
/// that form. Digits, decimal places and exponent are kept as written. `text` passed
/// [`is_number`].
fn canonical_number(text: &str) -> String {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => unsigned.split_at(i),
        None => (unsigned, ""),
    };
    let (int, frac) = match mantissa.split_once('.') {
        Some((int, frac)) => (int, Some(frac)),
        None => (mantissa, None),
    };
    let int = int.trim_start_matches('0');
    let mut out = String::with_capacity(text.len() + 2);
    if negative {
        out.push('-');
    }
    out.push_str(if int.is_empty() { "0" } else { int });
    if let Some(frac) = frac {
        out.push('.');
        out.push_str(if frac.is_empty() { "0" } else { frac });
    }
    out.push_str(exponent);
    out
}

#[derive(Default)]
struct Decoder {
    problems: Vec<Diagnostic>,
    dropped: Dropped,
}

impl Decoder {
    fn report(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }

    /// Decodes the value of `key` in `body`. A value that cannot be read is recorded as a lost
    /// key of the node named at `owner`.
    fn read<T>(
        &mut self,
        owner: Span,
        body: &[Entry],
        key: &'static str,
        decode: impl FnOnce(&mut Self, &Node) -> Option<T>,
    ) -> Option<T> {
        let entry = get(body, key)?;
        let value = decode(self, &entry.value);
        if value.is_none() {
            self.dropped.keys.insert((owner, key));
        }
        value
    }

    /// Records `keys`, which were misspelt or written under another name, as lost keys of the
    /// node named at `owner`.
    fn lost(&mut self, owner: Span, keys: &[&'static str]) {
        for &key in keys {
            self.dropped.keys.insert((owner, key));
        }
    }

    /// Reports keys of `entries` that are not in `allowed`, with advice from `hint` first,
    /// then the closest allowed key, then the list of allowed keys. Returns the keys that
    /// were suggested, so that a missing required key already suggested is not reported twice.
    fn unknown_keys<'k>(
        &mut self,
        entries: &[Entry],
        allowed: &[&'k str],
        context: &str,
        hint: impl Fn(&str) -> Option<&'static str>,
    ) -> Vec<&'k str> {
        let mut suggested = Vec::new();
        for entry in entries {
            let key = &entry.key.value;
            if allowed.contains(&key.as_str()) {
                continue;
            }
            let help = if let Some(h) = hint(key) {
                h.to_owned()
            } else if let Some(s) = suggest_key(key, allowed) {
                suggested.push(s);
                format!("did you mean `{s}`?")
            } else if let Some(h) = did_you_mean(key, ADVISED_KEYS.iter().copied()).and_then(&hint)
            {
                h.to_owned()
            } else {
                format!("valid keys are: {}", allowed.join(", "))
            };
            self.report(
                Diagnostic::error(
                    entry.key.span,
                    format!("unknown key `{}` {context}", show(key)),
                )
                .with_help(help),
            );
        }
        suggested
    }

    fn map<'a>(&mut self, node: &'a Node, key: &str, help: Option<&str>) -> Option<&'a [Entry]> {
        match &node.kind {
            Kind::Map(entries) => Some(entries),
            _ => {
                let d = expected(node, "a mapping", key);
                self.report(d.with_help_opt(help.map(str::to_owned)));
                None
            }
        }
    }

    /// A mapping that may also be left empty (`key:` or `key: ~`).
    fn map_or_empty<'a>(
        &mut self,
        node: &'a Node,
        key: &str,
        help: Option<&str>,
    ) -> Option<&'a [Entry]> {
        match &node.kind {
            Kind::Null => Some(&[]),
            _ => self.map(node, key, help),
        }
    }

    fn seq<'a>(&mut self, node: &'a Node, key: &str, help: Option<String>) -> Option<&'a [Node]> {
        match &node.kind {
            Kind::Seq(items) => Some(items),
            Kind::Null => Some(&[]),
            _ => {
                let d = expected(node, "a list", key);
                self.report(d.with_help_opt(help));
                None
            }
        }
    }

    fn string(&mut self, node: &Node, key: &str) -> Option<Spanned<String>> {
        match &node.kind {
            Kind::Scalar { text, .. } => Some(Spanned::new(text.clone(), node.span)),
            _ => {
                let d = expected(node, "a string", key);
                self.report(d);
                None
            }
        }
    }

    fn bool(&mut self, node: &Node, key: &str) -> Option<Spanned<bool>> {
        match &node.kind {
            Kind::Scalar { text, plain: true } if text == "true" => {
                Some(Spanned::new(true, node.span))
            }
            Kind::Scalar { text, plain: true } if text == "false" => {
                Some(Spanned::new(false, node.span))
            }
            _ => {
                let help = match &node.kind {
                    Kind::Scalar { text, .. } => match text.to_ascii_lowercase().as_str() {
                        "true" | "yes" | "y" | "on" => Some(format!("write `{key}: true`")),
                        "false" | "no" | "n" | "off" => Some(format!("write `{key}: false`")),
                        _ => None,
                    },
                    _ => None,
                };
                let d = expected(node, "`true` or `false`", key);
                self.report(d.with_help_opt(help));
                None
            }
        }
    }

    fn number(&mut self, node: &Node, key: &str) -> Option<Spanned<Number>> {
        match &node.kind {
            Kind::Scalar { text, plain: true } if is_number(text) => {
                let value = text.parse::<f64>().ok().filter(|v| v.is_finite());
                match value {
                    Some(value) => Some(Spanned::new(
                        Number {
                            text: canonical_number(text),
                            value,
                        },
                        node.span,
                    )),
                    None => {
                        self.report(Diagnostic::error(
                            node.span,
                            format!("`{}` is too large a number for `{key}`", show(text)),
                        ));
                        None
                    }
                }
            }
            Kind::Scalar { text, plain: false } if is_number(text) => {
                let d = expected(node, "a number", key);
                self.report(d.with_help(format!("remove the quotes: `{key}: {text}`")));
                None
            }
            _ => {
                let d = expected(node, "a number", key);
                self.report(d);
                None
            }
        }
    }

    /// A whole number of zero or more (lengths).
    fn count(&mut self, node: &Node, key: &str) -> Option<Spanned<u64>> {
        let number = self.number(node, key)?;
        match number.text.parse::<u64>() {
            Ok(n) => Some(Spanned::new(n, node.span)),
            Err(_) => {
                self.report(Diagnostic::error(
                    node.span,
                    format!(
                        "`{key}` must be a whole number of zero or more, found `{}`",
                        show(&number.text)
                    ),
                ));
                None
            }
        }
    }

    /// One of a fixed set of words.
    fn choice<T>(
        &mut self,
        node: &Node,
        key: &str,
        what: &str,
        all: &[&str],
        parse: impl Fn(&str) -> Option<T>,
    ) -> Option<Spanned<T>> {
        let Kind::Scalar { text, .. } = &node.kind else {
            let d = expected(node, &format!("one of {}", all.join(", ")), key);
            self.report(d);
            return None;
        };
        let text = Spanned::new(text.clone(), node.span);
        if let Some(value) = parse(&text.value) {
            return Some(Spanned::new(value, node.span));
        }
        let help = match did_you_mean(&text.value, all.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("{what}s are: {}", all.join(", ")),
        };
        self.report(
            Diagnostic::error(node.span, format!("unknown {what} `{}`", show(&text.value)))
                .with_help(help),
        );
        None
    }

    // -- the spec -------------------------------------------------------------------------------

    /// The spec, without the parts that could not be read; `None` when the root is not a
    /// mapping.
    fn spec(&mut self, root: &Node) -> Option<Spec> {
        let Some(top) = entries(root) else {
            self.report(Diagnostic::error(
                root.span,
                "a spec must be a YAML mapping",
            ));
            return None;
        };
        let mut suggested = self.unknown_keys(top, TOP_KEYS, "at the top level", |key| match key {
            "name" | "service_name" => Some("the service's name goes under `service:`"),
            _ => None,
        });
        if get(top, "name").is_some() || get(top, "service_name").is_some() {
            // Already explained at that key.
            suggested.push("service");
        }
        let first_key = top.first().map_or(Span::new(0, 0), |e| e.key.span);

        let service = match get(top, "service") {
            Some(e) => self.string(&e.value, "service"),
            None if suggested.contains(&"service") => None,
            None => {
                self.report(
                    Diagnostic::error(first_key, "the spec has no `service` name")
                        .with_help("add a kebab-case name at the top: `service: payment-service`"),
                );
                None
            }
        };
        // The placeholder keeps the spec whole for validation, which skips its name.
        let service = service.unwrap_or_else(|| {
            self.dropped.service = true;
            Spanned::new(
                String::new(),
                get(top, "service").map_or(first_key, |e| e.value.span),
            )
        });
        let description =
            get(top, "description").and_then(|e| self.string(&e.value, "description"));
        let version = get(top, "version").and_then(|e| self.string(&e.value, "version"));
        let database = get(top, "database").and_then(|e| {
            self.choice(
                &e.value,
                "database",
                "database",
                &Database::ALL,
                Database::parse,
            )
        });
        let broker = get(top, "broker")
            .and_then(|e| self.choice(&e.value, "broker", "broker", &Broker::ALL, Broker::parse));
        let base_path = get(top, "base_path").and_then(|e| self.string(&e.value, "base_path"));
        let port = get(top, "port").and_then(|e| self.port(&e.value, "port", 8080));
        let transports = get(top, "transports").and_then(|e| self.transports(&e.value));
        self.dropped.transports = transports.is_none()
            && (get(top, "transports").is_some() || suggested.contains(&"transports"));
        let grpc_port = get(top, "grpc_port").and_then(|e| self.port(&e.value, "grpc_port", 50051));

        let events = match get(top, "events") {
            Some(e) => self.events(&e.value),
            None if suggested.contains(&"events") => None,
            None => Some(Events::default()),
        };
        let events = events.unwrap_or_else(|| {
            self.dropped.every_published = true;
            self.dropped.every_consumed = true;
            Events::default()
        });
        let entities = match get(top, "entities") {
            Some(e) => self.entities(&e.value),
            // Misspelt, so meant, even where a spec with events may do without.
            None if suggested.contains(&"entities") => None,
            None if get(top, "events").is_some() => Some(Vec::new()),
            None => {
                self.report(
                    Diagnostic::error(first_key, "the spec has no `entities`")
                        .with_help("a service needs at least one entity or one event, e.g.\n\nentities:\n  Payment:\n    fields:\n      amount: decimal"),
                );
                None
            }
        };
        let entities = entities.unwrap_or_else(|| {
            self.dropped.every_entity = true;
            Vec::new()
        });
        let endpoints = match get(top, "endpoints") {
            Some(e) => self.endpoints(&e.value),
            None => Vec::new(),
        };
        let auth = get(top, "auth").and_then(|e| {
            let auth = self.auth(e);
            self.dropped.auth |= auth.is_none();
            auth
        });
        let dependencies = match get(top, "dependencies") {
            Some(e) => self.dependencies(&e.value),
            None => Vec::new(),
        };

        Some(Spec {
            service,
            description,
            version,
            database,
            broker,
            base_path,
            port,
            transports,
            grpc_port,
            entities,
            endpoints,
            events,
            auth,
            dependencies,
        })
    }

    // -- dependencies ---------------------------------------------------------------------------

    /// The entries of `dependencies:` that could be read.
    fn dependencies(&mut self, node: &Node) -> Vec<Dependency> {
        let Some(list) = self.map_or_empty(
            node,
            "dependencies",
            Some("write one service per key, e.g.\n\ndependencies:\n  payment-service:\n    operations: [get_payment]"),
        ) else {
            return Vec::new();
        };
        list.iter().filter_map(|e| self.dependency(e)).collect()
    }

    fn dependency(&mut self, entry: &Entry) -> Option<Dependency> {
        let owner = entry.key.span;
        let shown = show(&entry.key.value);
        let body = self.map(
            &entry.value,
            &entry.key.value,
            Some(&format!(
                "a dependency names the operations it uses, e.g.\n\n{shown}:\n  operations: [get_payment]"
            )),
        )?;
        let suggested = self.unknown_keys(
            body,
            DEPENDENCY_KEYS,
            &format!("in dependency `{shown}`"),
            |key| match key {
                "timeout" => Some("write the timeout in milliseconds: `timeout_ms: 2000`"),
                "url" | "base_url" => Some(
                    "the address is configuration, not spec: the service reads it from an environment variable",
                ),
                _ => None,
            },
        );
        self.lost(owner, &suggested);
        let spec = self.read(owner, body, "spec", |d, n| d.string(n, "spec"));
        let operations = self.read(owner, body, "operations", |d, n| {
            d.names(
                n,
                "operations",
                "operation ids: `{key}: [get_payment]`",
                false,
            )
        });
        let transport = self.read(owner, body, "transport", |d, n| {
            d.choice(
                n,
                "transport",
                "transport",
                &Transport::ALL,
                Transport::parse,
            )
        });
        let timeout_ms = self.read(owner, body, "timeout_ms", |d, n| d.count(n, "timeout_ms"));
        let retries = self.read(owner, body, "retries", |d, n| d.count(n, "retries"));
        let concurrency = self.read(owner, body, "concurrency", |d, n| d.count(n, "concurrency"));
        let breaker = self.read(owner, body, "breaker", |d, n| d.breaker(n));
        Some(Dependency {
            service: entry.key.clone(),
            spec,
            operations,
            transport,
            timeout_ms,
            retries,
            breaker,
            concurrency,
        })
    }

    /// `breaker: off`, or a mapping of its thresholds.
    fn breaker(&mut self, node: &Node) -> Option<Spanned<BreakerSetting>> {
        let help = "write `breaker: off`, or the thresholds, e.g. `breaker: { failure_rate: 50, window: 20, open_secs: 10 }`";
        let body = match &node.kind {
            Kind::Scalar { text, .. } if text == "off" || text == "false" => {
                return Some(Spanned::new(BreakerSetting::Off, node.span));
            }
            Kind::Map(body) => body,
            _ => {
                let d = expected(node, "`off` or a mapping", "breaker");
                self.report(d.with_help(help));
                return None;
            }
        };
        let suggested = self.unknown_keys(body, BREAKER_KEYS, "in `breaker`", |_| None);
        if !suggested.is_empty() {
            return None;
        }
        let mut read = |key: &'static str| match get(body, key) {
            Some(e) => self.count(&e.value, key).map(Some),
            None => Some(None),
        };
        Some(Spanned::new(
            BreakerSetting::On {
                failure_rate: read("failure_rate")?,
                window: read("window")?,
                open_secs: read("open_secs")?,
            },
            node.span,
        ))
    }

    // -- auth -----------------------------------------------------------------------------------

    fn auth(&mut self, entry: &Entry) -> Option<Auth> {
        let body = self.map(&entry.value, "auth", Some("e.g.\n\nauth:\n  issuer: https://id.example.com/\n  audience: payment-service\n  jwks_url: https://id.example.com/.well-known/jwks.json"))?;
        let owner = entry.key.span;
        let suggested = self.unknown_keys(body, AUTH_KEYS, "in `auth`", |key| {
            auth_key(key).map(|(help, _)| help)
        });
        self.lost(owner, &suggested);
        for entry in body {
            if let Some((_, meant)) = auth_key(&entry.key.value) {
                self.lost(owner, &[meant]);
            }
        }
        let issuer = self.read(owner, body, "issuer", |d, n| d.string(n, "issuer"));
        let audience = self.read(owner, body, "audience", |d, n| d.string(n, "audience"));
        let mut keys = Vec::new();
        for key in KeySource::KEYS {
            let value = self.read(owner, body, key, |d, n| d.string(n, key));
            if let Some(value) = value {
                let source = match key {
                    "jwks_url" => KeySource::JwksUrl(value.value),
                    "public_key_env" => KeySource::PublicKeyEnv(value.value),
                    _ => KeySource::SecretEnv(value.value),
                };
                keys.push(Spanned::new(source, value.span));
            }
        }
        let algorithms = self.read(owner, body, "algorithms", |d, n| {
            let help = match &n.kind {
                Kind::Scalar { text, .. } => {
                    format!("write a list: `algorithms: [{}]`", show(text))
                }
                _ => format!(
                    "write a list of algorithms: [{}]",
                    Algorithm::ALL.join(", ")
                ),
            };
            let items = d.seq(n, "algorithms", Some(help))?;
            let mut all = Vec::new();
            for item in items {
                all.push(d.choice(
                    item,
                    "algorithms",
                    "algorithm",
                    &Algorithm::ALL,
                    Algorithm::parse,
                )?);
            }
            Some(Spanned::new(all, n.span))
        });
        let scopes_claim = self.read(owner, body, "scopes_claim", |d, n| {
            d.string(n, "scopes_claim")
        });
        Some(Auth {
            issuer,
            audience,
            keys,
            algorithms,
            scopes_claim,
            span: owner,
        })
    }

    /// `auth: public | required` of an endpoint.
    fn access(&mut self, owner: Span, body: &[Entry]) -> Option<Spanned<Access>> {
        self.read(owner, body, "auth", |d, n| {
            d.choice(n, "auth", "`auth` value", &Access::ALL, Access::parse)
        })
    }

    /// A list of scope names.
    fn scope_list(&mut self, node: &Node, key: &str) -> Option<ScopeList> {
        self.names(node, key, "scope names: `{key}: [payments:read]`", false)
    }

    /// A list of names; `example` ends the help for anything else (`{key}` is the key). With
    /// `one`, a single name may stand for a list of one.
    fn names(&mut self, node: &Node, key: &str, example: &str, one: bool) -> Option<NameList> {
        if one {
            if let Kind::Scalar { .. } = &node.kind {
                let name = self.string(node, key)?;
                return Some(Spanned::new(vec![name], node.span));
            }
        }
        let help = match &node.kind {
            Kind::Scalar { text, .. } => format!("write a list: `{key}: [{}]`", show(text)),
            _ => format!("write a list of {}", example.replace("{key}", key)),
        };
        let items = self.seq(node, key, Some(help))?;
        let mut names = Vec::new();
        for item in items {
            names.push(self.string(item, key)?);
        }
        Some(Spanned::new(names, node.span))
    }

    /// `scopes:` of a resource endpoint: a list, or `read:` and `write:` lists.
    fn resource_scopes(&mut self, node: &Node) -> Option<ResourceScopes> {
        if let Kind::Map(entries) = &node.kind {
            let suggested =
                self.unknown_keys(entries, SCOPES_KEYS, "in `scopes`", |key| match key {
                    "list" | "get" => Some("`read:` covers list and get"),
                    "create" | "update" | "delete" => {
                        Some("`write:` covers create, update and delete")
                    }
                    _ => None,
                });
            if !suggested.is_empty() {
                return None;
            }
            let read = match get(entries, "read") {
                Some(e) => Some(self.scope_list(&e.value, "read")?),
                None => None,
            };
            let write = match get(entries, "write") {
                Some(e) => Some(self.scope_list(&e.value, "write")?),
                None => None,
            };
            return Some(ResourceScopes::ByKind {
                read,
                write,
                span: node.span,
            });
        }
        if let Kind::Scalar { text, .. } = &node.kind {
            let d = expected(node, "a list or `read:` and `write:` lists", "scopes");
            self.report(d.with_help(format!("write a list: `scopes: [{}]`", show(text))));
            return None;
        }
        self.scope_list(node, "scopes").map(ResourceScopes::All)
    }

    fn port(&mut self, node: &Node, key: &str, default: u16) -> Option<Spanned<u16>> {
        let number = self.number(node, key)?;
        match number.text.parse::<u16>() {
            Ok(port) if port > 0 => Some(Spanned::new(port, node.span)),
            _ => {
                self.report(
                    Diagnostic::error(
                        node.span,
                        format!(
                            "`{key}` must be between 1 and 65535, found `{}`",
                            show(&number.text)
                        ),
                    )
                    .with_help(format!("the default is {default}")),
                );
                None
            }
        }
    }

    /// `transports:`, a list of protocols; `None` when it is not a list or names one that
    /// msgen does not serve.
    fn transports(&mut self, node: &Node) -> Option<Spanned<Vec<Spanned<Transport>>>> {
        let help = "write a list: `transports: [http, grpc]`".to_owned();
        let items = self.seq(node, "transports", Some(help))?;
        let mut transports = Vec::new();
        for item in items {
            transports.push(self.choice(
                item,
                "transports",
                "transport",
                &Transport::ALL,
                Transport::parse,
            )?);
        }
        Some(Spanned::new(transports, node.span))
    }

    // -- entities -------------------------------------------------------------------------------

    /// The entities that could be read; `None` when `entities:` is not a mapping.
    fn entities(&mut self, node: &Node) -> Option<Vec<Entity>> {
        let list = self.map_or_empty(
            node,
            "entities",
            Some("write one entity per key: `Payment: { fields: { amount: decimal } }`"),
        )?;
        let mut entities = Vec::new();
        for entry in list {
            match self.entity(entry) {
                Some(entity) => entities.push(entity),
                None => {
                    self.dropped.entities.insert(entry.key.value.clone());
                }
            }
        }
        Some(entities)
    }

    fn entity(&mut self, entry: &Entry) -> Option<Entity> {
        let name = &entry.key;
        let shown = show(&name.value);
        let Some(body) = entries(&entry.value) else {
            let d = expected(&entry.value, "a mapping", &name.value);
            self.report(d.with_help(format!(
                "an entity lists its fields under `fields:`, e.g.\n\n{shown}:\n  fields:\n    name: string"
            )));
            return None;
        };
        let misplaced_field = |e: &&Entry| {
            let key = e.key.value.as_str();
            !ENTITY_KEYS.contains(&key) && suggest_key(key, ENTITY_KEYS).is_none()
        };
        if get(body, "fields").is_none() && body.iter().any(|e| misplaced_field(&e)) {
            // The fields were written straight under the entity name.
            let first = body.iter().find(misplaced_field)?;
            self.report(
                Diagnostic::error(
                    first.key.span,
                    format!(
                        "unknown key `{}` in entity `{shown}`",
                        show(&first.key.value)
                    ),
                )
                .with_label("fields must be under `fields:`")
                .with_help(format!(
                    "put the fields under `fields:`, e.g.\n\n{shown}:\n  fields:\n    {}: ...",
                    show(&first.key.value)
                )),
            );
            return None;
        }
        let suggested =
            self.unknown_keys(body, ENTITY_KEYS, &format!("in entity `{shown}`"), |_| None);
        self.lost(name.span, &suggested);
        let owner = name.span;
        let description = self.read(owner, body, "description", |d, n| {
            d.string(n, "description")
        });
        let table = self.read(owner, body, "table", |d, n| d.string(n, "table"));
        let renamed_from = self.read(owner, body, "renamed_from", |d, n| {
            d.string(n, "renamed_from")
        });
        // An entity whose fields cannot be read at all is left out whole, rather than checked
        // as an entity with no fields.
        let fields = match get(body, "fields") {
            Some(e) => self.fields(&e.value, "fields", owner),
            None if suggested.contains(&"fields") => None,
            None => Some(Vec::new()),
        };
        let sortable = self.read(owner, body, "sortable", |d, n| {
            d.names(
                n,
                "sortable",
                "field names: `sortable: [amount, created_at]`",
                false,
            )
        });
        let default_sort = self.read(owner, body, "default_sort", |d, n| {
            d.names(n, "default_sort", "field names, each with `-` in front for descending order: `default_sort: [-amount, created_at]`", true)
        });
        let links = self.read(owner, body, "links", |d, n| {
            d.names(
                n,
                "links",
                "the two references the records link: `links: [student, course]`",
                false,
            )
        });
        Some(Entity {
            name: name.clone(),
            description,
            table,
            renamed_from,
            fields: fields?,
            sortable,
            default_sort,
            links,
            span: Span::new(name.span.start, entry.value.span.end.max(name.span.end)),
        })
    }

    /// A mapping of field name -> field, without the fields that could not be read (recorded
    /// under `owner`); `None` when it is not a mapping.
    fn fields(&mut self, node: &Node, key: &str, owner: Span) -> Option<Vec<Field>> {
        let list = self.map_or_empty(
            node,
            key,
            Some("write one field per line: `name: type`, or `name: { type: string, optional: true }`"),
        )?;
        let mut fields = Vec::new();
        for entry in list {
            match self.field(entry) {
                Some(field) => fields.push(field),
                None => {
                    self.dropped.fields.insert((owner, entry.key.value.clone()));
                }
            }
        }
        Some(fields)
    }

    fn field(&mut self, entry: &Entry) -> Option<Field> {
        let name = &entry.key;
        let shown = show(&name.value);
        match &entry.value.kind {
            Kind::Null => {
                self.report(
                    Diagnostic::error(name.span, format!("field `{shown}` has no type"))
                        .with_help(format!(
                            "write `{shown}: string`, or a mapping such as `{shown}: {{ type: string, optional: true }}`; types are: {}",
                            FieldType::ALL.join(", ")
                        )),
                );
                None
            }
            Kind::Scalar { .. } => {
                let ty = self.field_type(&entry.value)?;
                Some(Field::bare(name.clone(), ty))
            }
            Kind::Seq(_) => {
                let d = expected(&entry.value, "a type or a mapping", &name.value);
                self.report(d.with_help(format!(
                    "an enum is written `{shown}: {{ type: enum, values: [a, b] }}`"
                )));
                None
            }
            Kind::Map(body) => self.field_map(name, body),
        }
    }

    fn field_type(&mut self, node: &Node) -> Option<Spanned<FieldType>> {
        let Kind::Scalar { text, .. } = &node.kind else {
            let d = expected(node, "a type name", "type");
            self.report(d.with_help(format!("types are: {}", FieldType::ALL.join(", "))));
            return None;
        };
        if let Some(ty) = FieldType::parse(text) {
            return Some(Spanned::new(ty, node.span));
        }
        let word = text
            .split([' ', '[', '(', '<', '?', '!'])
            .next()
            .unwrap_or(text);
        let help = if let Some(base) = text.strip_suffix('?').and_then(FieldType::parse) {
            format!("an optional field is written `{{ type: {base}, optional: true }}`")
        } else if word == "enum" {
            "an enum is written `{ type: enum, values: [a, b] }`".to_owned()
        } else if word == "ref" {
            "a reference is written `{ type: ref, entity: Other }`".to_owned()
        } else if let Some(s) = did_you_mean(text, FieldType::ALL.iter().copied()) {
            format!("did you mean `{s}`?")
        } else if let Some(s) = rust_or_sql_type(text) {
            format!("did you mean `{s}`?")
        } else {
            format!("types are: {}", FieldType::ALL.join(", "))
        };
        self.report(
            Diagnostic::error(node.span, format!("unknown type `{}`", show(text))).with_help(help),
        );
        None
    }

    fn field_map(&mut self, name: &Spanned<String>, body: &[Entry]) -> Option<Field> {
        let shown = show(&name.value);
        let suggested =
            self.unknown_keys(body, FIELD_KEYS, &format!("in field `{shown}`"), |key| {
                foreign_key(key).map(|(help, _)| help)
            });
        let ty = match get(body, "type") {
            Some(e) => self.field_type(&e.value),
            None if suggested.contains(&"type") => None,
            None => {
                self.report(
                    Diagnostic::error(name.span, format!("field `{shown}` has no `type`"))
                        .with_help(format!(
                            "add `type:`, one of: {}",
                            FieldType::ALL.join(", ")
                        )),
                );
                None
            }
        };
        self.lost(name.span, &suggested);
        for entry in body {
            if let Some((_, Some(meant))) = foreign_key(&entry.key.value) {
                self.lost(name.span, &[meant]);
            }
        }
        let owner = name.span;
        let mut field = Field::bare(name.clone(), Spanned::new(FieldType::String, name.span));
        field.optional = self.read(owner, body, "optional", |d, n| d.bool(n, "optional"));
        field.default = self.read(owner, body, "default", |d, n| d.literal(n));
        field.unique = self.read(owner, body, "unique", |d, n| d.bool(n, "unique"));
        field.index = self.read(owner, body, "index", |d, n| d.bool(n, "index"));
        field.readonly = self.read(owner, body, "readonly", |d, n| d.bool(n, "readonly"));
        field.immutable = self.read(owner, body, "immutable", |d, n| d.bool(n, "immutable"));
        field.min = self.read(owner, body, "min", |d, n| d.number(n, "min"));
        field.max = self.read(owner, body, "max", |d, n| d.number(n, "max"));
        field.min_length = self.read(owner, body, "min_length", |d, n| d.count(n, "min_length"));
        field.max_length = self.read(owner, body, "max_length", |d, n| d.count(n, "max_length"));
        field.pattern = self.read(owner, body, "pattern", |d, n| d.string(n, "pattern"));
        field.format = self.read(owner, body, "format", |d, n| {
            d.choice(n, "format", "format", &Format::ALL, Format::parse)
        });
        field.values = self.read(owner, body, "values", |d, n| d.values(n));
        field.entity = self.read(owner, body, "entity", |d, n| d.string(n, "entity"));
        field.on_delete = self.read(owner, body, "on_delete", |d, n| {
            d.choice(
                n,
                "on_delete",
                "on_delete action",
                &OnDelete::ALL,
                OnDelete::parse,
            )
        });
        field.search = self.read(owner, body, "search", |d, n| {
            d.choice(n, "search", "match kind", &Search::ALL, Search::parse)
        });
        field.description = self.read(owner, body, "description", |d, n| {
            d.string(n, "description")
        });
        field.renamed_from = self.read(owner, body, "renamed_from", |d, n| {
            d.string(n, "renamed_from")
        });
        field.ty = ty?;
        if let Some(Literal::Number(n)) = field.default.as_mut().map(|d| &mut d.value) {
            // Only a numeric field reads it as a number; for any other type the default is
            // wrong, and its message quotes it as written.
            if field.ty.value.is_numeric() {
                *n = canonical_number(n);
            }
        }
        Some(field)
    }

    fn values(&mut self, node: &Node) -> Option<Spanned<Vec<Spanned<String>>>> {
        let items = self.seq(
            node,
            "values",
            Some("write the values as a list: `values: [pending, paid]`".to_owned()),
        )?;
        let mut values = Vec::new();
        for item in items {
            match &item.kind {
                Kind::Scalar { text, .. } => values.push(Spanned::new(text.clone(), item.span)),
                _ => {
                    let d = expected(item, "a string", "values");
                    self.report(d);
                    return None;
                }
            }
        }
        Some(Spanned::new(values, node.span))
    }

    fn literal(&mut self, node: &Node) -> Option<Spanned<Literal>> {
        let literal = match &node.kind {
            Kind::Null => Literal::Null,
            Kind::Scalar { text, plain: true } if text == "true" => Literal::Bool(true),
            Kind::Scalar { text, plain: true } if text == "false" => Literal::Bool(false),
            Kind::Scalar { text, plain: true } if is_number(text) => Literal::Number(text.clone()),
            Kind::Scalar { text, .. } => Literal::String(text.clone()),
            Kind::Map(_) | Kind::Seq(_) => {
                let d = expected(node, "a single value", "default");
                self.report(d);
                return None;
            }
        };
        Some(Spanned::new(literal, node.span))
    }

    // -- endpoints ------------------------------------------------------------------------------

    /// The endpoints that could be read. Nothing refers to an endpoint, so one left out
    /// needs no record.
    fn endpoints(&mut self, node: &Node) -> Vec<Endpoint> {
        let Some(items) = self.seq(
            node,
            "endpoints",
            Some("write a list: `endpoints:` followed by `- resource: Payment` lines".to_owned()),
        ) else {
            return Vec::new();
        };
        items
            .iter()
            .filter_map(|item| self.endpoint(item))
            .collect()
    }

    fn endpoint(&mut self, node: &Node) -> Option<Endpoint> {
        let Some(body) = entries(node) else {
            let d = Diagnostic::error(
                node.span,
                format!("expected an endpoint mapping, found {}", found(node)),
            );
            let help = match &node.kind {
                Kind::Scalar { text, .. } => format!("write `- resource: {}`", show(text)),
                _ => "write `- resource: Entity` or `- name: operation_name` with `method:` and `path:`".to_owned(),
            };
            self.report(d.with_help(help));
            return None;
        };
        match (get(body, "resource"), get(body, "name")) {
            (Some(resource), Some(name)) => {
                self.report(
                    Diagnostic::error(
                        name.key.span,
                        "an endpoint cannot have both `resource` and `name`",
                    )
                    .with_related(resource.key.span, "`resource` is here")
                    .with_help("`resource:` gives CRUD routes for an entity; `name:` starts a custom operation; split them into two list items"),
                );
                None
            }
            (Some(resource), None) => self.resource_endpoint(node, body, resource),
            (None, Some(name)) => self.custom_endpoint(node, body, name),
            (None, None) => {
                self.report(
                    Diagnostic::error(
                        body.first().map_or(node.span, |e| e.key.span),
                        "an endpoint needs `resource:` (CRUD routes for an entity) or `name:` (a custom operation)",
                    )
                    .with_help("e.g. `- resource: Payment`, or `- name: capture_payment` with `method:` and `path:`"),
                );
                None
            }
        }
    }

    fn resource_endpoint(
        &mut self,
        node: &Node,
        body: &[Entry],
        resource: &Entry,
    ) -> Option<Endpoint> {
        let entity = self.string(&resource.value, "resource");
        let context = match &entity {
            Some(e) => format!("in the resource endpoint for `{}`", show(e)),
            None => "in a resource endpoint".to_owned(),
        };
        for entry in body {
            let key = entry.key.value.as_str();
            if !RESOURCE_KEYS.contains(&key) && CUSTOM_KEYS.contains(&key) {
                self.report(
                    Diagnostic::error(entry.key.span, format!("unknown key `{key}` {context}"))
                        .with_help("a resource endpoint only takes `resource`, `operations`, `auth`, `scopes`, `paging` and `grpc`; custom routes are separate items with `name:`, `method:` and `path:`"),
                );
            }
        }
        let foreign: Vec<Entry> = body
            .iter()
            .filter(|e| !CUSTOM_KEYS.contains(&e.key.value.as_str()))
            .cloned()
            .collect();
        let suggested = self.unknown_keys(&foreign, RESOURCE_KEYS, &context, |_| None);
        let owner = resource.value.span;
        self.lost(owner, &suggested);
        // Operations that cannot be read are left out rather than read as "all of them", which
        // could claim routes the spec never meant.
        let operations = match get(body, "operations") {
            Some(e) => Some(self.operations(&e.value, owner)),
            None if suggested.contains(&"operations") => Some(Vec::new()),
            None => None,
        };
        let auth = self.access(owner, body);
        let scopes = self.read(owner, body, "scopes", |d, n| d.resource_scopes(n));
        let paging = self.read(owner, body, "paging", |d, n| {
            d.choice(n, "paging", "`paging` value", &Paging::ALL, Paging::parse)
        });
        let grpc = self.read(owner, body, "grpc", |d, n| d.bool(n, "grpc"));
        Some(Endpoint::Resource(ResourceEndpoint {
            resource: entity?,
            operations,
            auth,
            scopes,
            paging,
            grpc,
            span: node.span,
        }))
    }

    /// The operations that could be read; any other is recorded as a lost `operations` of the
    /// endpoint at `owner`.
    fn operations(&mut self, node: &Node, owner: Span) -> Vec<Spanned<Operation>> {
        let help = match &node.kind {
            Kind::Scalar { text, .. } => format!("write a list: `operations: [{}]`", show(text)),
            _ => format!(
                "write a list of operations: [{}]",
                Operation::ALL.join(", ")
            ),
        };
        let Some(items) = self.seq(node, "operations", Some(help)) else {
            self.lost(owner, &["operations"]);
            return Vec::new();
        };
        let mut operations = Vec::new();
        for item in items {
            match self.choice(
                item,
                "operations",
                "operation",
                &Operation::ALL,
                Operation::parse,
            ) {
                Some(op) => operations.push(op),
                None => self.lost(owner, &["operations"]),
            }
        }
        operations
    }

    fn custom_endpoint(
        &mut self,
        node: &Node,
        body: &[Entry],
        name_entry: &Entry,
    ) -> Option<Endpoint> {
        let name = self.string(&name_entry.value, "name");
        let context = match &name {
            Some(n) => format!("in endpoint `{}`", show(n)),
            None => "in an endpoint".to_owned(),
        };
        let suggested = self.unknown_keys(body, CUSTOM_KEYS, &context, |key| match key {
            "operations" => Some("`operations` belongs to resource endpoints (`- resource: Entity`); a custom endpoint is one operation"),
            "route" | "url" => Some("the route goes under `path:`"),
            "verb" => Some("the HTTP method goes under `method:`"),
            _ => None,
        });
        let name_span = name_entry.value.span;
        self.lost(name_span, &suggested);
        let mut required = |key: &str, example: &str| -> Option<&Entry> {
            let found = get(body, key);
            if found.is_none() && !suggested.contains(&key) {
                self.report(
                    Diagnostic::error(
                        name_span,
                        match &name {
                            Some(n) => format!("endpoint `{}` has no `{key}`", show(n)),
                            None => format!("the endpoint has no `{key}`"),
                        },
                    )
                    .with_help(format!("add `{key}: {example}`")),
                );
            }
            found
        };
        let method = required("method", "POST");
        let path = required("path", "/payments/{id}/capture");
        let method = method
            .and_then(|e| self.choice(&e.value, "method", "method", &Method::ALL, Method::parse));
        let path = path.and_then(|e| self.string(&e.value, "path"));
        let owner = name_span;
        let description = self.read(owner, body, "description", |d, n| {
            d.string(n, "description")
        });
        let params = self
            .read(owner, body, "params", |d, n| d.fields(n, "params", owner))
            .unwrap_or_default();
        let request = self.read(owner, body, "request", |d, n| d.body(n, "request"));
        let response = self.read(owner, body, "response", |d, n| d.body(n, "response"));
        let emits = self
            .read(owner, body, "emits", |d, n| d.emits(n, owner))
            .unwrap_or_default();
        let auth = self.access(owner, body);
        let scopes = self.read(owner, body, "scopes", |d, n| d.scope_list(n, "scopes"));
        let grpc = self.read(owner, body, "grpc", |d, n| d.bool(n, "grpc"));
        Some(Endpoint::Custom(CustomEndpoint {
            name: name?,
            method: method?,
            path: path?,
            description,
            params,
            request,
            response,
            emits,
            auth,
            scopes,
            grpc,
            span: node.span,
        }))
    }

    fn body(&mut self, node: &Node, key: &str) -> Option<Body> {
        match &node.kind {
            Kind::Scalar { text, .. } => Some(Body::Entity(Spanned::new(text.clone(), node.span))),
            Kind::Map(_) => Some(Body::Inline {
                fields: self.fields(node, key, node.span)?,
                span: node.span,
            }),
            _ => {
                let d = expected(node, "an entity name or a mapping of fields", key);
                self.report(d.with_help(format!(
                    "e.g. `{key}: Payment` or `{key}: {{ amount: decimal }}`"
                )));
                None
            }
        }
    }

    /// The event names that could be read, any other recorded as a lost `emits` of the
    /// endpoint at `owner`; `None` when `emits` is not a list.
    fn emits(&mut self, node: &Node, owner: Span) -> Option<Vec<Spanned<String>>> {
        let help = match &node.kind {
            Kind::Scalar { text, .. } => format!("write a list: `emits: [{}]`", show(text)),
            _ => "write a list of published event names: `emits: [PaymentSucceeded]`".to_owned(),
        };
        let items = self.seq(node, "emits", Some(help))?;
        let mut names = Vec::new();
        for item in items {
            match self.string(item, "emits") {
                Some(name) => names.push(name),
                None => self.lost(owner, &["emits"]),
            }
        }
        Some(names)
    }

    // -- events ---------------------------------------------------------------------------------

    fn events(&mut self, node: &Node) -> Option<Events> {
        let body = self.map_or_empty(
            node,
            "events",
            Some("write `events:` with `publish:` and/or `consume:` mappings"),
        )?;
        let suggested = self.unknown_keys(body, EVENTS_KEYS, "under `events`", |key| {
            events_key(key).map(|(help, _)| help)
        });
        // Events written under a misspelt or foreign key were meant, just not where they belong.
        let meant = |key: &str| {
            suggested.contains(&key)
                || body
                    .iter()
                    .any(|e| events_key(&e.key.value).is_some_and(|(_, m)| m == key))
        };
        let (publish_meant, consume_meant) = (meant("publish"), meant("consume"));
        let publish = match get(body, "publish") {
            Some(e) => self.event_list(&e.value, "publish"),
            None => (!publish_meant).then(Vec::new),
        };
        let consume = match get(body, "consume") {
            Some(e) => self.event_list(&e.value, "consume"),
            None => (!consume_meant).then(Vec::new),
        };
        let publish = publish.unwrap_or_else(|| {
            self.dropped.every_published = true;
            Vec::new()
        });
        let consume = consume.unwrap_or_else(|| {
            self.dropped.every_consumed = true;
            Vec::new()
        });
        Some(Events { publish, consume })
    }

    /// The events under `publish:` or `consume:` (`key`) that could be read; `None` when it is
    /// not a mapping.
    fn event_list(&mut self, node: &Node, key: &str) -> Option<Vec<Event>> {
        let list = self.map_or_empty(
            node,
            key,
            Some("write one event per key: `PaymentSucceeded: { subject: payments.succeeded, payload: {...} }`"),
        )?;
        let mut events = Vec::new();
        for entry in list {
            match self.event(entry) {
                Some(e) => events.push(e),
                None => {
                    let dropped = if key == "publish" {
                        &mut self.dropped.published
                    } else {
                        &mut self.dropped.consumed
                    };
                    dropped.insert(entry.key.value.clone());
                }
            }
        }
        Some(events)
    }

    fn event(&mut self, entry: &Entry) -> Option<Event> {
        let name = &entry.key;
        let shown = show(&name.value);
        let Some(body) = entries(&entry.value) else {
            let d = expected(&entry.value, "a mapping", &name.value);
            self.report(d.with_help(format!(
                "an event has a subject and a payload, e.g.\n\n{shown}:\n  subject: payments.payment_succeeded\n  payload:\n    payment_id: uuid"
            )));
            return None;
        };
        let suggested = self.unknown_keys(
            body,
            EVENT_KEYS,
            &format!("in event `{shown}`"),
            |key| match key {
                "topic" | "routing_key" | "channel" => {
                    Some("the NATS subject / AMQP routing key / Kafka topic goes under `subject:`")
                }
                _ => None,
            },
        );
        let subject = match get(body, "subject") {
            Some(e) => self.string(&e.value, "subject"),
            None if suggested.contains(&"subject") => None,
            None => {
                self.report(
                    Diagnostic::error(name.span, format!("event `{shown}` has no `subject`"))
                        .with_help("add the NATS subject / AMQP routing key / Kafka topic, e.g. `subject: payments.payment_succeeded`"),
                );
                None
            }
        };
        let owner = name.span;
        self.lost(owner, &suggested);
        let description = self.read(owner, body, "description", |d, n| {
            d.string(n, "description")
        });
        let from = self.read(owner, body, "from", |d, n| d.string(n, "from"));
        let payload = self
            .read(owner, body, "payload", |d, n| d.fields(n, "payload", owner))
            .unwrap_or_default();
        Some(Event {
            name: name.clone(),
            subject: subject?,
            description,
            from,
            payload,
            span: Span::new(name.span.start, entry.value.span.end.max(name.span.end)),
        })
    }
}

/// The msgen type for a type name from Rust, SQL or JSON Schema.
fn rust_or_sql_type(text: &str) -> Option<&'static str> {
    Some(match text.to_ascii_lowercase().as_str() {
        "str" | "varchar" | "char" | "email" | "url" => "string",
        "i32" | "integer" | "i16" | "u16" | "u32" | "number" | "smallint" => "int",
        "i64" | "u64" | "long" | "int64" => "bigint",
        "f64" | "f32" | "double" | "real" | "double precision" => "float",
        "numeric" | "money" => "decimal",
        "boolean" => "bool",
        "timestamp" | "timestamptz" | "instant" | "time" => "datetime",
        "jsonb" | "object" | "map" | "value" => "json",
        "reference" | "foreign_key" => "ref",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_keys_suggest_the_key_they_stand_for() {
        let field = |key| suggest_key(key, FIELD_KEYS);
        assert_eq!(field("minimum"), Some("min"));
        assert_eq!(field("Maximum"), Some("max"));
        assert_eq!(field("minimun"), Some("min"));
        assert_eq!(field("maxLength"), Some("max_length"));
        assert_eq!(field("max-length"), Some("max_length"));
        assert_eq!(field("minLen"), Some("min_length"));
        assert_eq!(field("regex"), Some("pattern"));
        assert_eq!(field("tpye"), Some("type"));
        assert_eq!(field("colour"), None);
        assert_eq!(suggest_key("columns", ENTITY_KEYS), Some("fields"));
        assert_eq!(suggest_key("tableName", ENTITY_KEYS), Some("table"));
        assert_eq!(suggest_key("parameters", CUSTOM_KEYS), Some("params"));
        assert_eq!(suggest_key("returns", CUSTOM_KEYS), Some("response"));
        assert_eq!(suggest_key("schema", EVENT_KEYS), Some("payload"));
        assert_eq!(suggest_key("source", EVENT_KEYS), Some("from"));
        assert_eq!(suggest_key("basePath", TOP_KEYS), Some("base_path"));
        assert_eq!(suggest_key("db", TOP_KEYS), Some("database"));
        assert_eq!(suggest_key("models", TOP_KEYS), Some("entities"));
        // A synonym only stands for a key the level has.
        assert_eq!(suggest_key("minimum", TOP_KEYS), None);
    }

    /// The spec when it has no shape problems, else the problems.
    fn load_text(text: &str) -> Result<Spec, Vec<Diagnostic>> {
        let loaded = load(&Source::new("msgen.yaml", text))?;
        if loaded.problems.is_empty() {
            Ok(loaded.spec)
        } else {
            Err(loaded.problems)
        }
    }

    fn partial(text: &str) -> Loaded {
        let loaded = load(&Source::new("msgen.yaml", text)).expect("a mapping");
        assert!(!loaded.problems.is_empty(), "expected problems");
        loaded
    }

    fn messages(text: &str) -> Vec<String> {
        let mut list = load_text(text).expect_err("expected problems");
        list.sort_by_key(|d| d.span.start);
        list.into_iter().map(|d| d.message).collect()
    }

    fn slice(text: &str, span: Span) -> &str {
        &text[span.start..span.end]
    }

    #[test]
    fn spans_are_byte_offsets_of_the_values() {
        let text = "service: \"pay-ment\"   # c\ndescription: é→ ok\nentities:\n  Payment:\n    fields:\n      amount: { type: decimal, min: 0.5 }\n      note: { type: text, description: 'it''s' }\n";
        let spec = load_text(text).unwrap();
        assert_eq!(slice(text, spec.service.span), "\"pay-ment\"");
        assert_eq!(spec.service.value, "pay-ment");
        assert_eq!(
            slice(text, spec.description.as_ref().unwrap().span),
            "é→ ok"
        );
        let payment = &spec.entities[0];
        assert_eq!(slice(text, payment.name.span), "Payment");
        let amount = &payment.fields[0];
        assert_eq!(slice(text, amount.name.span), "amount");
        assert_eq!(slice(text, amount.ty.span), "decimal");
        assert_eq!(slice(text, amount.min.as_ref().unwrap().span), "0.5");
        let note = payment.fields[1].description.as_ref().unwrap();
        assert_eq!(note.value, "it's");
        assert_eq!(slice(text, note.span), "'it''s'");
        assert!(slice(text, payment.span).starts_with("Payment:"));
        assert!(slice(text, payment.span).ends_with("'it''s' }"));
    }

    #[test]
    fn numbers_are_read_in_the_form_json_and_rust_write() {
        for (written, read) in [
            ("5", "5"),
            ("+5", "5"),
            ("-5", "-5"),
            ("007", "7"),
            ("-0", "-0"),
            ("000", "0"),
            (".5", "0.5"),
            ("-.5", "-0.5"),
            ("+.5", "0.5"),
            ("1.", "1.0"),
            ("1.e3", "1.0e3"),
            (".5E-3", "0.5E-3"),
            ("12.50", "12.50"),
            ("1e+3", "1e+3"),
        ] {
            assert!(is_number(written), "{written}");
            assert_eq!(canonical_number(written), read, "{written}");
        }
        let text = "service: x\nentities:\n  A:\n    fields:\n      a: { type: float, min: +.5, max: 1., default: .75 }\n      b: { type: string, default: 007 }\n";
        let spec = load_text(text).unwrap();
        let [a, b] = &spec.entities[0].fields[..] else {
            panic!("two fields")
        };
        assert_eq!(a.min.as_ref().unwrap().text, "0.5");
        assert_eq!(a.max.as_ref().unwrap().text, "1.0");
        assert_eq!(
            a.default.as_ref().unwrap().value,
            Literal::Number("0.75".into())
        );
        // Not a number field: kept as written, for the message that says to quote it.
        assert_eq!(
            b.default.as_ref().unwrap().value,
            Literal::Number("007".into())
        );
    }

    #[test]
    fn a_bom_is_skipped_and_offsets_still_match() {
        let text = "\u{feff}service: x\nentities: {}\n";
        let spec = load_text(text).unwrap();
        assert_eq!(slice(text, spec.service.span), "x");
    }

    #[test]
    fn defaults_tell_plain_from_quoted() {
        let text = "service: x\nentities:\n  A:\n    fields:\n      a: { type: bool, default: true }\n      b: { type: string, default: \"true\" }\n      c: { type: decimal, default: 0.10 }\n      d: { type: string, default: '42' }\n      e: { type: string, optional: true, default: ~ }\n      f: { type: date, default: 2024-01-31 }\n";
        let spec = load_text(text).unwrap();
        let defaults: Vec<Literal> = spec.entities[0]
            .fields
            .iter()
            .map(|f| f.default.clone().unwrap().value)
            .collect();
        assert_eq!(
            defaults,
            [
                Literal::Bool(true),
                Literal::String("true".into()),
                Literal::Number("0.10".into()),
                Literal::String("42".into()),
                Literal::Null,
                Literal::String("2024-01-31".into()),
            ]
        );
    }

    #[test]
    fn every_shape_problem_is_reported() {
        let text = "service: x\nport: 70000\ndatabse: sqlite\nentities:\n  A:\n    fields:\n      a: strng\n      b: { type: int, optional: yes, min: \"5\" }\n      c: { type: enum, vals: [x] }\n";
        assert_eq!(
            messages(text),
            [
                "`port` must be between 1 and 65535, found `70000`",
                "unknown key `databse` at the top level",
                "unknown type `strng`",
                "expected `true` or `false` for `optional`, found `yes`",
                "expected a number for `min`, found the quoted string `5`",
                "unknown key `vals` in field `c`",
            ]
        );
    }

    #[test]
    fn suggestions_for_keys_and_types() {
        let list = load_text("service: x\nentities:\n  A:\n    fields:\n      a: { tpye: string }\n      b: date_time\n").unwrap_err();
        let helps: Vec<_> = list.iter().filter_map(|d| d.help.clone()).collect();
        assert!(
            helps.contains(&"did you mean `type`?".to_owned()),
            "{helps:?}"
        );
        assert!(
            helps.contains(&"did you mean `datetime`?".to_owned()),
            "{helps:?}"
        );
    }

    #[test]
    fn fields_written_directly_under_an_entity() {
        let list = load_text("service: x\nentities:\n  A:\n    amount: decimal\n").unwrap_err();
        assert_eq!(list.len(), 1);
        assert!(list[0].help.as_ref().unwrap().contains("fields:"));
    }

    #[test]
    fn a_partial_spec_keeps_what_could_be_read() {
        let text = "service: [x]\nentities:\n  Payment:\n    fields:\n      amount: decimall\n      note: string\n  Refund: [x]\nendpoints:\n  - resource: Payment\n    operations: [lsit, get]\n  - name: capture\n    method: POST\n    path: /payments/{id}/capture\n    params: { id: uuidd }\n    emits: [Captured]\nevents:\n  publish:\n    Captured: { subject: [a] }\n    Refunded: { subject: a.b, payload: [x] }\n";
        let loaded = partial(text);
        let spec = &loaded.spec;
        let dropped = &loaded.dropped;
        assert_eq!(loaded.problems.len(), 7, "{:#?}", loaded.problems);

        assert!(dropped.service);
        assert_eq!(spec.service.value, "");
        assert_eq!(slice(text, spec.service.span), "[x]");

        let names: Vec<&str> = spec
            .entities
            .iter()
            .map(|e| e.name.value.as_str())
            .collect();
        assert_eq!(names, ["Payment"]);
        assert!(dropped.entity("Refund") && !dropped.entity("Payment"));
        let payment = &spec.entities[0];
        let fields: Vec<&str> = payment
            .fields
            .iter()
            .map(|f| f.name.value.as_str())
            .collect();
        assert_eq!(fields, ["note"]);
        assert!(dropped.field(payment.name.span, "amount"));
        assert!(!dropped.field(payment.name.span, "note"));

        let [Endpoint::Resource(resource), Endpoint::Custom(capture)] = &spec.endpoints[..] else {
            panic!("{:#?}", spec.endpoints)
        };
        // Only the operation that could be read, never "all of them".
        let operations: Vec<Operation> = resource
            .operations
            .iter()
            .flatten()
            .map(|op| op.value)
            .collect();
        assert_eq!(operations, [Operation::Get]);
        assert!(dropped.key(resource.resource.span, "operations"));
        assert!(capture.params.is_empty());
        assert!(dropped.field(capture.name.span, "id"));

        let events: Vec<&str> = spec
            .events
            .publish
            .iter()
            .map(|e| e.name.value.as_str())
            .collect();
        assert_eq!(events, ["Refunded"]);
        assert!(dropped.published_event("Captured"));
        assert!(dropped.key(spec.events.publish[0].name.span, "payload"));
    }

    #[test]
    fn misspelt_and_foreign_keys_are_recorded_as_lost() {
        let text = "service: x\nentities:\n  A:\n    tabel: as\n    fields:\n      s: { type: enum, valuse: [a] }\n      r: { type: ref, references: B }\n      n: { type: string, optional: yes, default: ~ }\n";
        let loaded = partial(text);
        let entity = &loaded.spec.entities[0];
        assert!(loaded.dropped.key(entity.name.span, "table"));
        let [s, r, n] = &entity.fields[..] else {
            panic!("three fields")
        };
        assert!(loaded.dropped.key(s.name.span, "values"));
        assert!(loaded.dropped.key(r.name.span, "entity"));
        assert!(loaded.dropped.key(n.name.span, "optional"));
        assert!(!loaded.dropped.key(n.name.span, "default"));
    }

    #[test]
    fn misplaced_parts_drop_what_they_would_have_held() {
        let loaded = partial("service: x\nentites:\n  A: { fields: { a: int } }\nevents:\n  produce:\n    Done: { subject: a.b }\n");
        assert!(loaded.dropped.every_entity);
        assert!(loaded.dropped.every_published);
        assert!(!loaded.dropped.every_consumed);
        assert!(loaded.dropped.entity("A") && loaded.dropped.published_event("Done"));
    }

    #[test]
    fn a_clean_spec_drops_nothing() {
        let text =
            "service: x\nentities:\n  A: { fields: { a: int, s: { type: enum, values: [a] } } }\n";
        let loaded = load(&Source::new("msgen.yaml", text)).unwrap();
        assert!(loaded.problems.is_empty() && loaded.dropped.is_empty());
    }

    #[test]
    fn nothing_is_read_from_broken_yaml_or_a_file_that_is_not_a_mapping() {
        for text in ["service: [x\n", "- a\n- b\n", "just text\n"] {
            let list = load(&Source::new("msgen.yaml", text)).unwrap_err();
            assert_eq!(list.len(), 1, "{text:?}: {list:#?}");
        }
    }

    #[test]
    fn yaml_errors_are_positioned() {
        let text = "service: x\nentities:\n\tA: {}\n";
        let list = load_text(text).unwrap_err();
        assert_eq!(list.len(), 1);
        assert!(list[0].message.contains("tab"), "{}", list[0].message);
        assert_eq!(list[0].span.start, text.find('\t').unwrap());

        let text = "service: x\nservice: y\nentities: {}\n";
        let list = load_text(text).unwrap_err();
        assert_eq!(list[0].message, "`service` is defined twice");
        assert_eq!(list[0].span, Span::new(11, 18));

        let list = load_text("service: x\nentities: {}\n---\nservice: y\n").unwrap_err();
        assert!(list[0].message.contains("second"));
    }

    #[test]
    fn endpoints_of_both_kinds() {
        let text = "service: x\nentities: { A: { fields: { n: int } } }\nendpoints:\n  - resource: A\n    operations: [list, get]\n  - name: act\n    method: post\n    path: /as/{id}/act\n    params: { id: uuid }\n    request: { n: int }\n    response: A\n    emits: [Done]\n";
        let spec = load_text(text).unwrap();
        assert_eq!(spec.endpoints.len(), 2);
        let Endpoint::Custom(c) = &spec.endpoints[1] else {
            panic!()
        };
        assert_eq!(c.method.value, Method::Post);
        assert!(matches!(&c.request, Some(Body::Inline { fields, .. }) if fields.len() == 1));
        assert!(matches!(&c.response, Some(Body::Entity(e)) if e.value == "A"));
    }

    #[test]
    fn numbers() {
        for good in ["0", "-1", "+2", "1.5", "1e3", "2.5E-3", "10.", ".5"] {
            assert!(is_number(good), "{good}");
        }
        for bad in ["", "-", ".", "1.2.3", "0x10", "1e", "abc", ".inf", "1_000"] {
            assert!(!is_number(bad), "{bad}");
        }
    }

    #[test]
    fn the_json_schema_has_the_same_keys() {
        let root: serde_json::Value = serde_json::from_str(&crate::schema::json_schema()).unwrap();
        let keys = |value: &serde_json::Value| -> Vec<String> {
            let mut keys: Vec<String> = value["properties"]
                .as_object()
                .unwrap()
                .keys()
                .cloned()
                .collect();
            keys.sort();
            keys
        };
        let sorted = |list: &[&str]| -> Vec<String> {
            let mut list: Vec<String> = list.iter().map(|s| s.to_string()).collect();
            list.sort();
            list
        };
        let defs = &root["$defs"];
        assert_eq!(keys(&root), sorted(TOP_KEYS));
        assert_eq!(keys(&defs["entity"]), sorted(ENTITY_KEYS));
        assert_eq!(keys(&defs["fieldMap"]), sorted(FIELD_KEYS));
        assert_eq!(keys(&defs["resourceEndpoint"]), sorted(RESOURCE_KEYS));
        assert_eq!(keys(&defs["customEndpoint"]), sorted(CUSTOM_KEYS));
        assert_eq!(keys(&root["properties"]["events"]), sorted(EVENTS_KEYS));
        assert_eq!(keys(&defs["consumedEvent"]), sorted(EVENT_KEYS));
        assert_eq!(keys(&defs["dependency"]), sorted(DEPENDENCY_KEYS));
        assert_eq!(
            keys(&defs["dependency"]["properties"]["breaker"]["oneOf"][1]),
            sorted(BREAKER_KEYS)
        );
    }
}
