//! Properties of the whole pipeline, on inputs nobody wrote by hand.
//!
//! - `generated_specs_are_accepted_and_render_parsable_files`: random valid specs (entities with
//!   names of 1 to 40 characters, fields with names of 1 to 60 characters and of every type
//!   with constraints that fit together, optional fields and defaults, `readonly` and
//!   `immutable` fields, text searches, references, join entities (`links:`), enums, resources
//!   with some of their operations, custom operations with parameters and inline bodies,
//!   events) are accepted by
//!   `msgen::spec::check`; rendered for SQLite and for PostgreSQL, every Rust file parses with
//!   `syn`, every migration statement parses with `sqlparser` in the database's dialect, and
//!   `openapi.yaml` and `asyncapi.yaml` parse as YAML.
//! - `fuzz_findings_do_not_panic`: every input under `tests/specs/fuzz/` (inputs that once made
//!   the pipeline panic, or were accepted and rendered code that does not build; what the fuzz
//!   target `fuzz/fuzz_targets/spec.rs` finds goes there) goes through `check`, and through
//!   lowering and rendering when valid, without a panic, and renders Rust that parses.
//!
//! - `generated_rust_is_rustfmt_clean`: the Rust of 256 random valid specs is as rustfmt lays it
//!   out, each service calling a twin of itself through a generated client (every operation);
//!   with regression specs for layouts that once drifted from rustfmt's.
//! - `random_services_are_clippy_clean`: the services of 3 random valid specs, each calling a
//!   twin of itself, built together as one workspace, pass
//!   `cargo clippy --all-targets -- -D warnings`.
//!
//! The properties run from fixed seeds, so a run is repeatable; `PROPTEST_CASES=N` (not for the
//! clippy test: `MSGEN_CLIPPY_SPECS=N`) and `PROPTEST_RNG_SEED=N` run more, or others.

mod support;

use std::cell::RefCell;
use std::collections::HashSet;
use std::fmt;
use std::fs;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::path::Path;

use heck::{ToSnakeCase, ToUpperCamelCase};
use proptest::prelude::*;
use proptest::sample::{select, subsequence, Index};
use proptest::strategy::ValueTree;
use proptest::test_runner::{Config, RngSeed, TestCaseError, TestError, TestRunner};
use sqlparser::dialect::{Dialect, PostgreSqlDialect, SQLiteDialect};
use sqlparser::parser::Parser;

use msgen::render::{render, Previous};
use msgen::spec::{check, Source};

// ---------------------------------------------------------------------------------------------
// Checking what a spec renders to.

/// Lowers and renders a valid spec, and parses what it rendered. The first problem, if any.
fn parse_rendered(valid: &msgen::spec::ValidSpec, text: &str) -> Result<usize, String> {
    let service = msgen::ir::lower(valid);
    let output = render(&service, text, &Previous::default())
        .map_err(|e| format!("a valid spec failed to render: {e}"))?;
    let postgres =
        valid.spec().database.as_ref().map(|d| d.value) == Some(msgen::spec::Database::Postgres);
    let mut migrations = 0;
    for file in &output.files {
        let path = file.path.as_str();
        if path.ends_with(".rs") {
            syn::parse_file(&file.contents)
                .map_err(|e| format!("{path} does not parse: {e}\n{}", file.contents))?;
        } else if path.starts_with("migrations/") && path.ends_with(".sql") {
            migrations += 1;
            let dialect: &dyn Dialect = if postgres {
                &PostgreSqlDialect {}
            } else {
                &SQLiteDialect {}
            };
            for statement in sql_statements(&file.contents) {
                let parsed = Parser::parse_sql(dialect, &statement)
                    .map_err(|e| format!("{path}: a statement does not parse: {e}\n{statement}"))?;
                if parsed.len() != 1 {
                    return Err(format!(
                        "{path}: expected one statement, parsed {}\n{statement}",
                        parsed.len()
                    ));
                }
            }
        } else if path == "openapi.yaml" || path == "asyncapi.yaml" {
            serde_yaml::from_str::<serde_yaml::Value>(&file.contents)
                .map_err(|e| format!("{path} does not parse: {e}"))?;
        }
    }
    if migrations != 1 {
        return Err(format!("expected one migration, found {migrations}"));
    }
    Ok(output.files.len())
}

/// The statements of a SQL script, split on `;` outside quotes, comments dropped.
fn sql_statements(script: &str) -> Vec<String> {
    let mut statements = Vec::new();
    let mut current = String::new();
    let mut quote: Option<char> = None;
    let mut chars = script.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (None, '-') if chars.peek() == Some(&'-') => {
                // A comment, to the end of the line.
                for c in chars.by_ref() {
                    if c == '\n' {
                        current.push('\n');
                        break;
                    }
                }
            }
            (None, '\'' | '"') => {
                quote = Some(c);
                current.push(c);
            }
            (Some(q), c) if c == q => {
                quote = None;
                current.push(c);
            }
            (None, ';') => {
                statements.push(std::mem::take(&mut current));
            }
            _ => current.push(c),
        }
    }
    statements.push(current);
    statements
        .into_iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect()
}

// ---------------------------------------------------------------------------------------------
// Fuzz findings.

#[test]
fn fuzz_findings_do_not_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs/fuzz");
    let mut paths: Vec<_> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("tests/specs/fuzz: {e}"))
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    assert!(!paths.is_empty(), "tests/specs/fuzz has no inputs");
    let mut failures = Vec::new();
    for path in &paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let bytes = fs::read(path).unwrap();
        // The fuzz target takes any UTF-8; findings are kept byte for byte.
        let text = String::from_utf8(bytes).unwrap_or_else(|e| panic!("{name}: {e}"));
        let outcome = catch_unwind(AssertUnwindSafe(|| {
            match check(&Source::new("fuzz.yaml", text.as_str())) {
                Ok(valid) => parse_rendered(&valid, &text).map(|_| ()),
                Err(diagnostics) => {
                    let _ = diagnostics.render(false);
                    Ok(())
                }
            }
        }));
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(problem)) => failures.push(format!("{name}: {problem}")),
            Err(_) => failures.push(format!("{name}: panicked")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------------
// Random valid specs.

/// A spec to generate, kept as parts so that proptest can shrink it, and written out as YAML.
#[derive(Clone)]
struct Spec {
    service: String,
    description: Option<String>,
    version: Option<String>,
    broker: Option<&'static str>,
    base_path: Option<String>,
    port: Option<u16>,
    entities: Vec<Entity>,
    endpoints: Vec<Endpoint>,
    published: Vec<Event>,
    consumed: Vec<Event>,
}

#[derive(Clone, Debug)]
struct Entity {
    name: String,
    description: Option<String>,
    table: Option<String>,
    fields: Vec<Field>,
    /// `links:`, the names of two of its `ref` fields.
    links: Option<[String; 2]>,
}

/// A field: its name and what follows `name:` (a type, or `type` and other keys).
#[derive(Clone, Debug)]
struct Field {
    name: String,
    ty: &'static str,
    /// Keys besides `type`, each with its value as YAML.
    keys: Vec<(&'static str, String)>,
    /// For a ref: which entity, as an index into the spec's entities (taken modulo).
    target: Option<Index>,
    /// Written as a block mapping rather than `{ ... }`.
    block: bool,
}

#[derive(Clone, Debug)]
enum Endpoint {
    Resource {
        entity: Index,
        operations: Option<Vec<&'static str>>,
        cursor: bool,
    },
    Custom(Custom),
}

#[derive(Clone, Debug)]
struct Custom {
    name: String,
    method: &'static str,
    /// The first path segment: an entity's route (by index) or a segment of its own.
    first: First,
    /// `/{id}` right after the first segment.
    id: Option<&'static str>,
    /// More segments after the operation's own segment: `(name, Some(type))` for a parameter.
    rest: Vec<(String, Option<&'static str>)>,
    description: Option<String>,
    request: Option<Body>,
    response: Option<Body>,
    emits: Vec<Index>,
}

#[derive(Clone, Debug)]
enum First {
    Entity(Index),
    Own(String),
}

#[derive(Clone, Debug)]
enum Body {
    Entity(Index),
    Inline(Vec<Field>),
}

#[derive(Clone, Debug)]
struct Event {
    name: String,
    subject: String,
    from: Option<String>,
    description: Option<String>,
    payload: Vec<Field>,
}

/// Proptest shows a failing case as the YAML that fails.
impl fmt::Debug for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{}", self.yaml("sqlite"))
    }
}

/// A string as a YAML double-quoted scalar (JSON's string syntax is YAML's).
fn quoted(text: &str) -> String {
    serde_json::to_string(text).unwrap()
}

/// A name as a YAML scalar: plain, unless YAML would read it as something else than a string.
fn scalar(name: &str) -> String {
    let special = [
        "null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE",
    ];
    if special.contains(&name) || name.starts_with(|c: char| c.is_ascii_digit()) {
        quoted(name)
    } else {
        name.to_owned()
    }
}

impl Spec {
    fn yaml(&self, database: &str) -> String {
        let mut out = String::new();
        let mut line = |s: String| {
            out.push_str(&s);
            out.push('\n');
        };
        line("# A spec made up by tests/property.rs.".into());
        line(format!("service: {}", self.service));
        if let Some(d) = &self.description {
            line(format!("description: {}", quoted(d)));
        }
        if let Some(v) = &self.version {
            line(format!("version: {v}"));
        }
        line(format!("database: {database}"));
        if let Some(b) = self.broker {
            line(format!("broker: {b}"));
        }
        if let Some(b) = &self.base_path {
            line(format!("base_path: {b}"));
        }
        if let Some(p) = self.port {
            line(format!("port: {p}"));
        }
        let names: Vec<&str> = self.entities.iter().map(|e| e.name.as_str()).collect();
        let entity = |i: &Index| names[i.index(names.len())];
        if !self.entities.is_empty() {
            line("entities:".into());
            for e in &self.entities {
                line(format!("  {}:", e.name));
                if let Some(d) = &e.description {
                    line(format!("    description: {}", quoted(d)));
                }
                if let Some(t) = &e.table {
                    line(format!("    table: {t}"));
                }
                if let Some([first, second]) = &e.links {
                    line(format!("    links: [{first}, {second}]"));
                }
                line("    fields:".into());
                for f in &e.fields {
                    write_field(&mut line, "      ", f, &names);
                }
            }
        }
        if !self.endpoints.is_empty() {
            line("endpoints:".into());
            let published: Vec<&str> = self.published.iter().map(|e| e.name.as_str()).collect();
            for endpoint in &self.endpoints {
                match endpoint {
                    Endpoint::Resource {
                        entity: i,
                        operations,
                        cursor,
                    } => {
                        line(format!("  - resource: {}", entity(i)));
                        if let Some(ops) = operations {
                            line(format!("    operations: [{}]", ops.join(", ")));
                        }
                        if *cursor {
                            line("    paging: cursor".into());
                        }
                    }
                    Endpoint::Custom(c) => {
                        line(format!("  - name: {}", scalar(&c.name)));
                        line(format!("    method: {}", c.method));
                        let (path, params) = c.path(&self.entities);
                        line(format!("    path: {path}"));
                        if !params.is_empty() {
                            let params: Vec<String> =
                                params.iter().map(|(n, t)| format!("{n}: {t}")).collect();
                            line(format!("    params: {{ {} }}", params.join(", ")));
                        }
                        if let Some(d) = &c.description {
                            line(format!("    description: {}", quoted(d)));
                        }
                        for (key, body) in [("request", &c.request), ("response", &c.response)] {
                            match body {
                                None => {}
                                Some(Body::Entity(i)) => line(format!("    {key}: {}", entity(i))),
                                Some(Body::Inline(fields)) => {
                                    line(format!("    {key}:"));
                                    for f in fields {
                                        write_field(&mut line, "      ", f, &names);
                                    }
                                }
                            }
                        }
                        if !c.emits.is_empty() && !published.is_empty() {
                            let mut emits: Vec<&str> = c
                                .emits
                                .iter()
                                .map(|i| published[i.index(published.len())])
                                .collect();
                            emits.sort_unstable();
                            emits.dedup();
                            line(format!("    emits: [{}]", emits.join(", ")));
                        }
                    }
                }
            }
        }
        if !self.published.is_empty() || !self.consumed.is_empty() {
            line("events:".into());
            for (key, events) in [("publish", &self.published), ("consume", &self.consumed)] {
                if events.is_empty() {
                    continue;
                }
                line(format!("  {key}:"));
                for e in events {
                    line(format!("    {}:", e.name));
                    line(format!("      subject: {}", scalar(&e.subject)));
                    if let Some(from) = &e.from {
                        line(format!("      from: {from}"));
                    }
                    if let Some(d) = &e.description {
                        line(format!("      description: {}", quoted(d)));
                    }
                    if e.payload.is_empty() {
                        line("      payload: {}".into());
                    } else {
                        line("      payload:".into());
                        for f in &e.payload {
                            write_field(&mut line, "        ", f, &names);
                        }
                    }
                }
            }
        }
        out
    }
}

impl Custom {
    /// The path, and its parameters in order with their types.
    fn path(&self, entities: &[Entity]) -> (String, Vec<(String, &'static str)>) {
        let first = match &self.first {
            First::Own(s) => s.clone(),
            First::Entity(i) => {
                // The entity's route: its plural, whatever its `table:`.
                let e = &entities[i.index(entities.len())];
                msgen::names::plural_snake(&e.name).replace('_', "-")
            }
        };
        let mut path = format!("/{first}");
        let mut params = Vec::new();
        if let Some(ty) = self.id {
            path.push_str("/{id}");
            params.push(("id".to_owned(), ty));
        }
        // A segment of the operation's own: no two operations share a route.
        path.push('/');
        path.push_str(&self.name.replace('_', "-"));
        for (segment, ty) in &self.rest {
            match ty {
                Some(ty) => {
                    path.push_str(&format!("/{{{segment}}}"));
                    params.push((segment.clone(), ty));
                }
                None => {
                    path.push('/');
                    path.push_str(segment);
                }
            }
        }
        (path, params)
    }
}

fn write_field(line: &mut impl FnMut(String), indent: &str, f: &Field, entities: &[&str]) {
    let mut keys = f.keys.clone();
    if let Some(target) = &f.target {
        keys.insert(
            0,
            ("entity", entities[target.index(entities.len())].to_owned()),
        );
    }
    if keys.is_empty() {
        line(format!("{indent}{}: {}", f.name, f.ty));
    } else if f.block {
        line(format!("{indent}{}:", f.name));
        line(format!("{indent}  type: {}", f.ty));
        for (k, v) in keys {
            line(format!("{indent}  {k}: {v}"));
        }
    } else {
        let keys: Vec<String> = keys.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        line(format!(
            "{indent}{}: {{ type: {}, {} }}",
            f.name,
            f.ty,
            keys.join(", ")
        ));
    }
}

// -- names ------------------------------------------------------------------------------------

const KEYWORDS: &[&str] = &["type", "match", "ref", "fn", "loop", "async", "move", "use"];

/// Every Rust keyword, reserved ones included.
const ALL_KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// Names Rust cannot take, not even as raw identifiers.
fn not_raw(name: &str) -> bool {
    ["self", "super", "crate"].contains(&name)
}

/// A snake_case name of 1 to 60 characters, sometimes a Rust keyword (which the generator
/// writes as `r#name`).
fn snake_name() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => "[a-z][a-z0-9]{0,8}(_[a-z0-9]{1,5}){0,2}".prop_filter("a usable name", |n| !not_raw(n)),
        2 => long_snake(),
        1 => select(KEYWORDS).prop_map(str::to_owned),
    ]
}

/// A snake_case name of 20 to 60 characters: as long as a column may be, `_id` of a
/// reference's column included.
fn long_snake() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{7,14}(_[a-z0-9]{3,9}){2,5}"
        .prop_filter("at most 60 characters", |n| (20..=60).contains(&n.len()))
}

/// A PascalCase name of 1 to 52 characters (its table within 63), now and then one whose
/// snake_case is a keyword.
fn pascal_name() -> impl Strategy<Value = String> {
    prop_oneof![
        6 => "[A-Z][a-z]{0,11}([A-Z][a-z0-9]{0,8}){0,2}",
        2 => "[A-Z][A-Za-z0-9]{0,29}",
        2 => "[A-Z][a-z]{5,11}([A-Z][a-z0-9]{3,9}){2,3}"
            .prop_filter("at most 40 characters", |n| n.len() <= 40),
        1 => "[A-Z][a-z]{8,11}([A-Z][a-z0-9]{6,9}){4}",
        1 => select(&["Type", "Match", "Ref", "Loop", "Fn", "As", "Impl", "Mod", "Use", "Async"][..])
            .prop_map(str::to_owned),
    ]
}

/// Whether an entity's table may be a Rust keyword (entity `A`, table `as`). Off while the
/// generated controller of such an entity declares `async fn list_r#as(`, which does not parse.
const KEYWORD_TABLES: bool = true;

/// Whether an entity whose snake_case name is a Rust keyword (`Match`) may be referenced. Off
/// while the generated test helpers store such a parent as `let match = ...`, which does not
/// parse.
const KEYWORD_PARENTS: bool = true;

/// Names the generated code keeps for itself or that `msgen` refuses for entities.
fn reserved_entity_name(name: &str) -> bool {
    use msgen::names::reserved::{RESERVED_TABLES, RESERVED_TYPE_NAMES, SERVICE_MODULE_TYPES};
    let table = msgen::names::plural_snake(name);
    RESERVED_TYPE_NAMES.contains(&name)
        || SERVICE_MODULE_TYPES.contains(&name)
        || heck::ToSnakeCase::to_snake_case(name) == "mod"
        || table.starts_with("sqlite_")
        || table.starts_with("pg_")
        || RESERVED_TABLES.contains(&table.as_str())
}

fn kebab_word() -> impl Strategy<Value = String> {
    "[a-z][a-z0-9]{0,7}"
}

// -- text -------------------------------------------------------------------------------------

/// Free text as people write it, with what tends to break code generators: quotes,
/// backslashes, braces, comment markers, template syntax, line breaks, tabs and non-ASCII.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        6 => "[A-Za-z0-9 .,:;!?()-]{1,12}",
        1 => select(&[
            "\"", "\\", "'", "`", "{", "}", "{{", "}}", "{%", "%}", "{#", "#}", "#", "*/", "/*",
            "//", "///", "<!--", "-->", "\n", "\n\n", "\t", "é", "中文", "🦀", "r#\"", "\"#",
            "$value", "|", "---", "&", "*", "!", "%", "@", "<b>", "\\n", "\\\"", "ß", "İ",
        ][..])
        .prop_map(str::to_owned),
    ];
    prop::collection::vec(piece, 1..8).prop_map(|p| p.concat())
}

// -- fields -----------------------------------------------------------------------------------

/// Where a field is written: what it may have depends on the place.
#[derive(Clone, Copy, PartialEq)]
enum Place {
    Entity,
    Body,
    Payload,
}

/// A number written in one of the forms YAML reads as a number: `5`, `+5`, `005`.
fn write_int(n: i128, form: u8) -> String {
    match form % 4 {
        1 if n >= 0 => format!("+{n}"),
        2 if n >= 0 => format!("00{n}"),
        _ => n.to_string(),
    }
}

/// A decimal `mantissa / 10^scale`, written as `12.50`, `+12.50`, `.5` or `-.5`.
fn write_decimal(mantissa: i64, scale: u32, form: u8) -> String {
    let negative = mantissa < 0;
    let digits = mantissa.unsigned_abs().to_string();
    let scale = scale as usize;
    let text = if scale == 0 {
        digits
    } else {
        let padded = format!("{digits:0>width$}", width = scale + 1);
        let (int, frac) = padded.split_at(padded.len() - scale);
        match (form % 3, int) {
            (1, "0") => format!(".{frac}"),
            _ => format!("{int}.{frac}"),
        }
    };
    match (negative, form % 2) {
        (true, _) => format!("-{text}"),
        (false, 1) => format!("+{text}"),
        _ => text,
    }
}

/// A float written as `1.5`, `1.5e3`, `.5` or `7.`.
fn write_float(value: f64, form: u8) -> String {
    let text = match form % 4 {
        1 => format!("{value:e}"),
        2 if value.abs() < 1.0 && value.fract() != 0.0 => {
            let s = format!("{value}");
            s.replacen("0.", ".", 1)
        }
        3 if value.fract() == 0.0 && value.abs() < 1e15 => format!("{value}."),
        _ => format!("{value:?}"),
    };
    text.replace("inf", "1e300")
}

/// Three numbers in order, for `min <= default <= max`.
fn sorted3<T: PartialOrd + Copy>(mut v: [T; 3]) -> [T; 3] {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v
}

/// Which of `min`, `default`, `max` to write, and `optional`.
type Flags = (bool, bool, bool, bool);

fn numeric_keys(
    [min, default, max]: [String; 3],
    (has_min, has_default, has_max, optional): Flags,
) -> Vec<(&'static str, String)> {
    let mut keys = Vec::new();
    if optional {
        keys.push(("optional", "true".to_owned()));
    }
    if has_min {
        keys.push(("min", min));
    }
    if has_max {
        keys.push(("max", max));
    }
    if has_default {
        keys.push(("default", default));
    }
    keys
}

/// The patterns a string field may have, each with values that match it.
const PATTERNS: &[(&str, &[&str])] = &[
    ("^[A-Z]{3}$", &["EUR", "USD"]),
    ("^[a-z0-9]+(?:-[a-z0-9]+)*$", &["a-b", "slug-1"]),
    ("^\\d{4}-\\d{2}$", &["2024-01"]),
    ("^\\p{L}+$", &["héllo", "abc"]),
    ("\"quoted\"", &["say \"quoted\" twice"]),
    ("\\\\", &["back\\slash"]),
    ("^[^#{}]*$", &["no braces"]),
    ("^(a|b)+$", &["abba"]),
    ("x{2,}", &["xx", "axxx"]),
    (".*", &["anything", ""]),
];

fn string_keys() -> impl Strategy<Value = Vec<(&'static str, String)>> {
    (
        prop::option::of(0u64..12),
        prop::option::of(prop_oneof![4 => 1u64..300, 1 => Just(100_000u64)]),
        0..PATTERNS.len() + 4,
        prop::option::of(select(&["email", "url"][..])),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        text(),
    )
        .prop_map(
            |(min, max, pattern, format, (optional, has_default, quirk), text)| {
                let (min, max) = match (min, max) {
                    (Some(a), Some(b)) if a > b => (Some(b), Some(a)),
                    other => other,
                };
                let pattern = PATTERNS.get(pattern);
                let format = if pattern.is_some() { None } else { format };
                let mut keys = Vec::new();
                if optional {
                    keys.push(("optional", "true".to_owned()));
                }
                if let Some(min) = min {
                    keys.push(("min_length", min.to_string()));
                }
                if let Some(max) = max {
                    keys.push(("max_length", max.to_string()));
                }
                if let Some((p, _)) = pattern {
                    keys.push(("pattern", quoted(p)));
                }
                if let Some(f) = format {
                    keys.push(("format", f.to_owned()));
                }
                if has_default {
                    let candidates: Vec<String> = match (pattern, format) {
                        (Some((_, examples)), _) => {
                            examples.iter().map(|s| s.to_string()).collect()
                        }
                        (_, Some("email")) => vec!["someone@example.com".into()],
                        (_, Some(_)) => vec!["https://example.com/a?b=c#d".into()],
                        _ => {
                            // The text, cut or padded to the bounds.
                            let mut s: String = text
                                .chars()
                                .take(max.unwrap_or(u64::MAX).min(40) as usize)
                                .collect();
                            while (s.chars().count() as u64) < min.unwrap_or(0) {
                                s.push('x');
                            }
                            vec![s]
                        }
                    };
                    let fits = |s: &&String| {
                        let n = s.chars().count() as u64;
                        min.is_none_or(|m| n >= m) && max.is_none_or(|m| n <= m)
                    };
                    if let Some(d) = candidates.iter().find(fits) {
                        keys.push(("default", quoted(d)));
                    } else if optional && quirk {
                        keys.push(("default", "~".to_owned()));
                    }
                }
                keys
            },
        )
}

fn date() -> impl Strategy<Value = String> {
    (1900u32..2100, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y:04}-{m:02}-{d:02}"))
}

fn datetime() -> impl Strategy<Value = String> {
    (
        date(),
        (0u32..24, 0u32..60, 0u32..60),
        prop::option::of("[0-9]{1,9}"),
        prop_oneof![
            Just("Z".to_owned()),
            (0u32..24, 0u32..60, any::<bool>())
                .prop_map(|(h, m, plus)| format!("{}{h:02}:{m:02}", if plus { '+' } else { '-' }))
        ],
    )
        .prop_map(|(d, (h, m, s), frac, zone)| {
            let frac = frac.map(|f| format!(".{f}")).unwrap_or_default();
            format!("\"{d}T{h:02}:{m:02}:{s:02}{frac}{zone}\"")
        })
}

fn enum_values() -> impl Strategy<Value = Vec<String>> {
    let value = prop_oneof![
        4 => "[a-z][a-z0-9]{0,6}([-_][a-z0-9]{1,5}){0,2}",
        1 => "[a-z][a-z0-9]{6,12}([-_][a-z0-9]{3,8}){2,3}"
            .prop_filter("at most 40 characters", |v| v.len() <= 40),
    ];
    prop::collection::vec(value, 1..6).prop_map(|values| {
        let mut seen = HashSet::new();
        values
            .into_iter()
            .filter(|v| v != "self" && seen.insert(v.to_upper_camel_case()))
            .collect()
    })
}

/// The type and the keys of a field of type `ty`, valid in `place`.
fn field_body(
    ty: &'static str,
    place: Place,
) -> BoxedStrategy<(Vec<(&'static str, String)>, bool)> {
    let flags = (any::<bool>(), any::<bool>(), any::<bool>(), any::<bool>());
    let forms = any::<[u8; 3]>();
    let keys: BoxedStrategy<Vec<(&'static str, String)>> = match ty {
        "string" | "text" => string_keys().boxed(),
        "int" => (any::<[i32; 3]>(), flags, forms)
            .prop_map(|(v, f, forms)| {
                let v = sorted3(v);
                numeric_keys(
                    std::array::from_fn(|i| write_int(v[i] as i128, forms[i])),
                    f,
                )
            })
            .boxed(),
        "bigint" => (
            prop::array::uniform3(prop_oneof![
                any::<i64>(),
                Just(i64::MIN),
                Just(i64::MAX),
                -5i64..5
            ]),
            flags,
            forms,
        )
            .prop_map(|(v, f, forms)| {
                let v = sorted3(v);
                numeric_keys(
                    std::array::from_fn(|i| write_int(v[i] as i128, forms[i])),
                    f,
                )
            })
            .boxed(),
        "float" => (
            prop::array::uniform3((
                -1_000_000i64..1_000_000,
                0i32..4,
                prop_oneof![Just(0i32), -300i32..300],
            )),
            flags,
            forms,
        )
            .prop_map(|(v, f, forms)| {
                let v = sorted3(v.map(|(m, s, e)| m as f64 / 10f64.powi(s) * 10f64.powi(e)));
                numeric_keys(std::array::from_fn(|i| write_float(v[i], forms[i])), f)
            })
            .boxed(),
        "decimal" => (
            prop::array::uniform3(prop_oneof![
                -1_000_000_000_000i64..1_000_000_000_000,
                -100i64..100
            ]),
            0u32..7,
            flags,
            forms,
        )
            .prop_map(|(v, scale, f, forms)| {
                let v = sorted3(v);
                numeric_keys(
                    std::array::from_fn(|i| write_decimal(v[i], scale, forms[i])),
                    f,
                )
            })
            .boxed(),
        "bool" => (any::<bool>(), any::<bool>(), any::<bool>())
            .prop_map(|(optional, has_default, value)| {
                let mut keys = Vec::new();
                if optional {
                    keys.push(("optional", "true".to_owned()));
                }
                if has_default {
                    keys.push(("default", value.to_string()));
                }
                keys
            })
            .boxed(),
        "uuid" | "date" | "datetime" => {
            let value: BoxedStrategy<String> = match ty {
                "uuid" => (any::<u128>(), any::<bool>())
                    .prop_map(|(n, upper)| {
                        let h = format!("{n:032x}");
                        let s = format!(
                            "{}-{}-{}-{}-{}",
                            &h[..8],
                            &h[8..12],
                            &h[12..16],
                            &h[16..20],
                            &h[20..]
                        );
                        if upper {
                            quoted(&s.to_uppercase())
                        } else {
                            s
                        }
                    })
                    .boxed(),
                "date" => date().boxed(),
                _ => datetime().boxed(),
            };
            (any::<bool>(), prop::option::of(value))
                .prop_map(|(optional, default)| {
                    let mut keys = Vec::new();
                    if optional {
                        keys.push(("optional", "true".to_owned()));
                    }
                    if let Some(d) = default {
                        keys.push(("default", d));
                    }
                    keys
                })
                .boxed()
        }
        "json" => any::<bool>()
            .prop_map(|optional| {
                if optional {
                    vec![("optional", "true".to_owned())]
                } else {
                    Vec::new()
                }
            })
            .boxed(),
        "enum" => (
            enum_values(),
            any::<bool>(),
            prop::option::of(any::<Index>()),
        )
            .prop_map(|(values, optional, default)| {
                let written: Vec<String> = values.iter().map(|v| scalar(v)).collect();
                let mut keys = vec![("values", format!("[{}]", written.join(", ")))];
                if optional {
                    keys.push(("optional", "true".to_owned()));
                }
                if let Some(i) = default {
                    keys.push(("default", scalar(&values[i.index(values.len())])));
                }
                keys
            })
            .boxed(),
        "ref" => (
            any::<bool>(),
            prop::option::of(select(&["cascade", "restrict"][..])),
        )
            .prop_map(|(optional, on_delete)| {
                let mut keys = Vec::new();
                if optional {
                    keys.push(("optional", "true".to_owned()));
                }
                if let Some(o) = on_delete {
                    keys.push(("on_delete", o.to_owned()));
                }
                keys
            })
            .boxed(),
        _ => unreachable!("{ty}"),
    };
    let extra = (
        prop::option::of(text()),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        prop::option::of(select(&["prefix", "contains"][..])),
    );
    (keys, extra)
        .prop_map(
            move |(mut keys, (description, unique, index, block, search))| {
                if place == Place::Entity && ty != "json" {
                    if unique {
                        keys.push(("unique", "true".to_owned()));
                    } else if index {
                        keys.push(("index", "true".to_owned()));
                    }
                }
                if let Some(search) = search.filter(|_| place == Place::Entity) {
                    if matches!(ty, "string" | "text") {
                        keys.push(("search", search.to_owned()));
                    }
                }
                if let Some(d) = description {
                    keys.push(("description", quoted(&d)));
                }
                (keys, block)
            },
        )
        .boxed()
}

const TYPES: &[&str] = &[
    "string", "text", "int", "bigint", "float", "decimal", "bool", "uuid", "date", "datetime",
    "json", "enum", "ref",
];

fn field(place: Place) -> impl Strategy<Value = Field> {
    let types: Vec<&'static str> = TYPES
        .iter()
        .copied()
        .filter(|t| place == Place::Entity || *t != "ref")
        .collect();
    let owner = 0..8u8;
    (snake_name(), select(types), any::<Index>(), owner).prop_flat_map(
        move |(name, ty, target, owner)| {
            field_body(ty, place).prop_map(move |(mut keys, block)| {
                // Now and then set by the service only (where it may be) or fixed once created.
                let may_default = keys.iter().any(|(k, v)| {
                    (*k == "optional" && v == "true") || (*k == "default" && v != "null")
                });
                if place == Place::Entity && owner == 0 && may_default {
                    keys.push(("readonly", "true".to_owned()));
                } else if place == Place::Entity && owner == 1 {
                    keys.push(("immutable", "true".to_owned()));
                }
                Field {
                    name: name.clone(),
                    ty,
                    keys,
                    target: (ty == "ref").then_some(target),
                    block,
                }
            })
        },
    )
}

/// Fields with names of their own: no two with one PascalCase form, none named like a column
/// msgen adds, and no reference whose column `<name>_id` is another field's name.
fn fields(place: Place, size: std::ops::Range<usize>) -> impl Strategy<Value = Vec<Field>> {
    prop::collection::vec(field(place), size).prop_map(move |fields| {
        let mut camel = HashSet::new();
        let mut columns = HashSet::new();
        let mut kept: Vec<Field> = Vec::new();
        for f in fields {
            let column = if f.ty == "ref" {
                format!("{}_id", f.name)
            } else {
                f.name.clone()
            };
            let clash = (place == Place::Entity && RESERVED_FIELDS.contains(&f.name.as_str()))
                || camel.contains(&f.name.to_upper_camel_case())
                || columns.contains(&column)
                || columns.contains(&f.name);
            if !clash {
                camel.insert(f.name.to_upper_camel_case());
                columns.insert(column);
                columns.insert(f.name.clone());
                kept.push(f);
            }
        }
        kept
    })
}

// -- the spec ---------------------------------------------------------------------------------

fn entities() -> impl Strategy<Value = Vec<Entity>> {
    let entity = |fields: BoxedStrategy<Vec<Field>>| {
        (
            pascal_name(),
            prop::option::of(text()),
            prop::option::of(select(&["rows", "records", "v2"][..])),
            fields,
            prop::option::weighted(
                0.2,
                (snake_name(), snake_name(), any::<Index>(), any::<Index>()),
            ),
        )
            .prop_map(|(name, description, table, mut fields, link)| {
                let links = link.and_then(|(first, second, a, b)| {
                    join_entity(&mut fields, [(first, a), (second, b)])
                });
                Entity {
                    // A `table:` of its own now and then, named after the entity.
                    table: table.map(|suffix| format!("{}_{suffix}", name.to_snake_case())),
                    name,
                    description,
                    fields,
                    links,
                }
            })
    };
    let some_fields = prop_oneof![
        6 => fields(Place::Entity, 1..7),
        1 => fields(Place::Entity, 1..2),
        1 => fields(Place::Entity, 28..31),
    ];
    // Many entities (long lists of modules, services and imports), each with few fields.
    let many = prop_oneof![
        8 => prop::collection::vec(entity(some_fields.boxed()), 0..5),
        1 => prop::collection::vec(entity(fields(Place::Entity, 1..3).boxed()), 8..14),
    ];
    many.prop_map(|entities| {
        let mut snake = HashSet::new();
        let mut tables = HashSet::new();
        // Routes and modules are named after the plural: one per entity, none of msgen's own.
        let mut plurals = HashSet::new();
        entities
            .into_iter()
            .filter(|e| {
                let plural = msgen::names::plural_snake(&e.name);
                !["contracts", "helpers"].contains(&plural.as_str()) && plurals.insert(plural)
            })
            .filter(|e| {
                let table = e
                    .table
                    .clone()
                    .unwrap_or_else(|| msgen::names::plural_snake(&e.name));
                !reserved_entity_name(&e.name)
                    && (KEYWORD_TABLES || !ALL_KEYWORDS.contains(&table.as_str()))
                    && snake.insert(e.name.to_snake_case())
                    && tables.insert(table)
            })
            .collect()
    })
}

/// Names no entity field of these specs takes (`sort` is reserved only for a field that filters
/// lists; it is left out of every entity here).
const RESERVED_FIELDS: [&str; 7] = [
    "id",
    "created_at",
    "updated_at",
    "version",
    "limit",
    "offset",
    "sort",
];

/// Makes the entity of `fields` a join entity (`links:`) of two new references, when their
/// names clash with none of its fields: every other field becomes optional unless it has a
/// default, as a link is made without a body. The names of the references, or `None`.
fn join_entity(fields: &mut Vec<Field>, references: [(String, Index); 2]) -> Option<[String; 2]> {
    let [(first, a), (second, b)] = references;
    let names = |name: &str| {
        [
            name.to_owned(),
            format!("{name}_id"),
            name.to_upper_camel_case(),
        ]
    };
    let taken: HashSet<String> = fields
        .iter()
        .flat_map(|f| names(&f.name))
        .chain(RESERVED_FIELDS.map(String::from))
        .collect();
    let clash = |name: &str| names(name).iter().any(|n| taken.contains(n));
    let same = names(&first).iter().any(|n| names(&second).contains(n));
    if same || clash(&first) || clash(&second) {
        return None;
    }
    for f in fields.iter_mut() {
        let given = |key: &str| f.keys.iter().any(|(k, v)| *k == key && v != "false");
        if !given("optional") && !given("default") {
            f.keys.retain(|(k, _)| *k != "optional");
            f.keys.push(("optional", "true".to_owned()));
        }
    }
    for (name, target) in [(&first, a), (&second, b)] {
        fields.push(Field {
            name: name.clone(),
            ty: "ref",
            keys: Vec::new(),
            target: Some(target),
            block: false,
        });
    }
    Some([first, second])
}

const OPERATIONS: &[&str] = &["list", "get", "create", "update", "delete"];
const PARAM_TYPES: &[&str] = &["string", "int", "bigint", "uuid", "bool", "date"];

fn body() -> impl Strategy<Value = Option<Body>> {
    prop::option::of(prop_oneof![
        any::<Index>().prop_map(Body::Entity),
        fields(Place::Body, 1..5).prop_map(Body::Inline),
    ])
}

/// Whether custom operations may be named like Rust keywords (`type`, `match`). Off while the
/// generated controllers write such a name as a plain identifier (`async fn type(`), which does
/// not parse.
const KEYWORD_OPERATION_NAMES: bool = true;

fn custom() -> impl Strategy<Value = Custom> {
    let own_first = prop_oneof![
        4 => "[a-z][a-z0-9]{0,8}([-_][a-z0-9]{1,5}){0,1}",
        1 => select(&["type", "match", "loop", "fn", "my-reports"][..]).prop_map(str::to_owned),
    ];
    (
        snake_name().prop_filter("a usable operation name", |n| {
            KEYWORD_OPERATION_NAMES || !ALL_KEYWORDS.contains(&n.as_str())
        }),
        select(&["GET", "POST", "PUT", "PATCH", "DELETE", "post", "get"][..]),
        prop_oneof![
            any::<Index>().prop_map(First::Entity),
            own_first.prop_map(First::Own)
        ],
        prop::option::of(select(PARAM_TYPES)),
        prop::collection::vec(
            (
                prop_oneof![4 => "[a-z][a-z0-9]{0,5}", 1 => long_snake()],
                prop::option::of(select(PARAM_TYPES)),
            ),
            0..4,
        ),
        prop::option::of(text()),
        (body(), body()),
        prop::collection::vec(any::<Index>(), 0..3),
    )
        .prop_map(
            |(name, method, first, id, rest, description, (request, response), emits)| {
                let mut seen = HashSet::from(["id".to_owned()]);
                let rest = rest
                    .into_iter()
                    .filter(|(n, ty)| ty.is_none() || (!not_raw(n) && seen.insert(n.clone())))
                    .collect();
                let bodyless = matches!(method, "GET" | "DELETE" | "get");
                Custom {
                    name,
                    method,
                    first,
                    id,
                    rest,
                    description,
                    request: if bodyless { None } else { request },
                    response,
                    emits,
                }
            },
        )
}

fn event(consumed: bool) -> impl Strategy<Value = Event> {
    (
        prop_oneof![
            4 => "[A-Z][a-z]{1,8}(Sent|Changed|Happened|Done)",
            1 => "[A-Z][a-z]{5,11}([A-Z][a-z0-9]{3,9}){2,4}(Sent|Changed|Happened|Done)"
                .prop_filter("at most 60 characters", |n| n.len() <= 60),
        ],
        prop_oneof![
            4 => prop::collection::vec("[a-z][a-z0-9_-]{0,8}", 1..4),
            1 => prop::collection::vec("[a-z][a-z0-9_]{10,30}", 2..4),
        ],
        "[a-z][a-z0-9]{0,6}-[a-z0-9]{1,6}",
        prop::option::of(text()),
        fields(Place::Payload, 0..4),
    )
        .prop_map(move |(name, subject, from, description, payload)| Event {
            name,
            subject: subject.join("."),
            from: consumed.then_some(from),
            description,
            payload,
        })
}

fn spec() -> impl Strategy<Value = Spec> {
    let top = (
        prop_oneof![
            4 => ("[a-z][a-z0-9]{0,8}", prop::collection::vec(kebab_word(), 1..3)),
            1 => ("[a-z][a-z0-9]{8,12}", prop::collection::vec("[a-z][a-z0-9]{5,8}", 2..4)),
        ],
        prop::option::of(text()),
        prop::option::of((
            0u32..20,
            0u32..20,
            0u32..100,
            prop::option::of("([a-z][a-z0-9-]{0,4}|[1-9][0-9]{0,3}|0)(\\.[a-z][a-z0-9]{0,4})?"),
        )),
        prop::option::of(select(&["none", "nats", "rabbitmq", "kafka"][..])),
        prop::option::of(prop::collection::vec("[a-z0-9][a-z0-9_-]{0,6}", 1..3)),
        prop::option::of(1u16..=65535),
    );
    let events = (
        prop::collection::vec(event(false), 0..3),
        prop::collection::vec(event(true), 0..3),
    );
    (top, entities(), events)
        .prop_flat_map(|(top, mut entities, events)| {
            if !KEYWORD_PARENTS {
                let names: Vec<String> = entities.iter().map(|e| e.name.to_snake_case()).collect();
                for e in &mut entities {
                    e.fields.retain(|f| {
                        f.target.as_ref().is_none_or(|t| {
                            !ALL_KEYWORDS.contains(&names[t.index(names.len())].as_str())
                        })
                    });
                    let kept = |name: &String| e.fields.iter().any(|f| &f.name == name);
                    if e.links.as_ref().is_some_and(|l| !l.iter().all(kept)) {
                        e.links = None;
                    }
                }
            }
            let resources = prop::collection::vec(
                (
                    any::<Index>(),
                    prop::option::of(subsequence(OPERATIONS, 1..=5).prop_shuffle()),
                    any::<bool>(),
                ),
                0..=entities.len().min(4),
            );
            let customs = prop::collection::vec(custom(), 0..7);
            (Just(top), Just(entities), Just(events), resources, customs)
        })
        .prop_map(
            |(top, entities, (published, consumed), resources, customs)| {
                let ((head, tail), description, version, broker, base_path, port) = top;
                let mut names = HashSet::new();
                let published: Vec<Event> = published
                    .into_iter()
                    .filter(|e| names.insert(e.name.to_snake_case()))
                    .collect();
                let consumed: Vec<Event> = consumed
                    .into_iter()
                    .filter(|e| names.insert(e.name.to_snake_case()))
                    .collect();
                let mut endpoints = Vec::new();
                let mut with_resource = HashSet::new();
                for (entity, operations, cursor) in resources {
                    if !entities.is_empty() && with_resource.insert(entity.index(entities.len())) {
                        // Paged by cursor where it has a list, half the time.
                        let listed = operations.as_ref().is_none_or(|ops| ops.contains(&"list"));
                        let cursor = cursor && listed;
                        endpoints.push(Endpoint::Resource {
                            entity,
                            operations,
                            cursor,
                        });
                    }
                }
                let mut op_names = HashSet::new();
                for mut c in customs {
                    if entities.is_empty() {
                        if matches!(c.first, First::Entity(_)) {
                            continue;
                        }
                        for body in [&mut c.request, &mut c.response] {
                            if matches!(body, Some(Body::Entity(_))) {
                                *body = None;
                            }
                        }
                    }
                    if op_names.insert(c.name.clone()) {
                        endpoints.push(Endpoint::Custom(c));
                    }
                }
                let mut spec = Spec {
                    service: format!("{head}-{}", tail.join("-")),
                    description,
                    version: version.map(|(a, b, c, pre)| match pre {
                        Some(pre) => format!("{a}.{b}.{c}-{pre}"),
                        None => format!("{a}.{b}.{c}"),
                    }),
                    broker,
                    base_path: base_path.map(|segments| format!("/{}", segments.join("/"))),
                    port,
                    entities,
                    endpoints,
                    published,
                    consumed,
                };
                if spec.entities.is_empty() && spec.published.is_empty() && spec.consumed.is_empty()
                {
                    spec.published.push(Event {
                        name: "SomethingHappened".into(),
                        subject: "things.happened".into(),
                        from: None,
                        description: None,
                        payload: Vec::new(),
                    });
                }
                spec
            },
        )
}

// -- the property -----------------------------------------------------------------------------

#[derive(Default)]
struct Tally {
    cases: usize,
    rejected: Vec<String>,
    files: usize,
}

#[test]
fn generated_specs_are_accepted_and_render_parsable_files() {
    let mut config = Config {
        failure_persistence: None,
        max_shrink_iters: 2048,
        ..Config::default()
    };
    if std::env::var_os("PROPTEST_CASES").is_none() {
        config.cases = 64;
    }
    if std::env::var_os("PROPTEST_RNG_SEED").is_none() {
        config.rng_seed = RngSeed::Fixed(20_260_101);
    }
    let cases = config.cases as usize;
    let tally = RefCell::new(Tally::default());
    let mut runner = TestRunner::new(config);
    let result = runner.run(&spec(), |spec| {
        let mut tally = tally.borrow_mut();
        tally.cases += 1;
        for database in ["sqlite", "postgres"] {
            let text = spec.yaml(database);
            let valid = match check(&Source::new("msgen.yaml", text.as_str())) {
                Ok(valid) => valid,
                Err(diagnostics) => {
                    tally
                        .rejected
                        .push(format!("{text}\n{}", diagnostics.render(false)));
                    return Ok(());
                }
            };
            let files = parse_rendered(&valid, &text)
                .map_err(|e| TestCaseError::fail(format!("{database}: {e}")))?;
            tally.files += files;
        }
        Ok(())
    });
    if let Err(e) = result {
        match e {
            TestError::Fail(reason, spec) => panic!("{reason}\nminimal failing spec:{spec:?}"),
            TestError::Abort(reason) => panic!("{reason}"),
        }
    }
    let tally = tally.into_inner();
    // Shrinking runs cases of its own; count the ones of the search.
    let rejected = tally.rejected.len();
    eprintln!(
        "{} specs generated, {rejected} rejected, {} files parsed",
        tally.cases, tally.files
    );
    for rejection in tally.rejected.iter().take(3) {
        eprintln!("rejected:\n{rejection}");
    }
    assert!(
        rejected * 10 <= tally.cases.max(cases),
        "check rejected {rejected} of {} generated specs; the first:\n{}",
        tally.cases,
        tally.rejected.first().map(String::as_str).unwrap_or("")
    );
}

// ---------------------------------------------------------------------------------------------
// rustfmt.

/// Cases of `generated_rust_is_rustfmt_clean` per `rustfmt` run.
const RUSTFMT_BATCH: usize = 64;

/// Random valid specs (256 from a fixed seed; `PROPTEST_CASES` and `PROPTEST_RNG_SEED` as for
/// the property above) generate Rust that `rustfmt --check --edition 2021` leaves as it is:
/// every `.rs` file `render` returns, which is what msgen writes for a new service, under
/// `src/` and `tests/`. The files of many specs go to one `rustfmt` run. A failure shows the
/// first failing spec and rustfmt's diff; `RUSTFMT_ALL=1` prints the diffs of all of them.
/// `service` as if it also called a service of its very spec (`twin-of-<name>`), every
/// operation of it (lists, `PATCH`, links and custom operations with their bodies): its client
/// is rendered too.
fn calling_its_twin(service: &mut msgen::ir::Service) {
    let ids = msgen::ir::clients::operation_ids(service);
    if ids.is_empty() {
        return;
    }
    let caller = format!(
        "service: twin-caller\nentities:\n  Note:\n    fields:\n      text: string\n\
         endpoints:\n  - resource: Note\ndependencies:\n  {}:\n    operations: [{}]\n",
        service.name,
        ids.join(", ")
    );
    let valid = check(&Source::new("msgen.yaml", caller.as_str()))
        .unwrap_or_else(|_| panic!("the caller is valid:\n{caller}"));
    let dependency = &valid.spec().dependencies[0];
    // Named apart from the service itself, as a service cannot call itself.
    let mut twin = service.clone();
    twin.name = format!("twin-of-{}", service.name);
    let client = msgen::ir::clients::client(dependency, &twin)
        .unwrap_or_else(|_| panic!("every operation can be called:\n{caller}"));
    service.clients = vec![client];
}

#[test]
fn generated_rust_is_rustfmt_clean() {
    let cases: usize = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(256);
    let seed: u64 = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_260_102);
    let config = Config {
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (spec(), any::<bool>());
    let dir = tempfile::tempdir().unwrap();
    // No rustfmt.toml of a directory above applies.
    fs::write(dir.path().join("rustfmt.toml"), "").unwrap();
    let started = std::time::Instant::now();
    let mut specs: Vec<(String, Vec<std::path::PathBuf>)> = Vec::new();
    let mut rejected = 0;
    for case in 0..cases {
        let (spec, postgres) = strategy.new_tree(&mut runner).unwrap().current();
        let text = spec.yaml(if postgres { "postgres" } else { "sqlite" });
        let Ok(valid) = check(&Source::new("msgen.yaml", text.as_str())) else {
            rejected += 1;
            continue;
        };
        let mut service = msgen::ir::lower(&valid);
        calling_its_twin(&mut service);
        let output = render(&service, &text, &Previous::default())
            .unwrap_or_else(|e| panic!("a valid spec failed to render: {e}\n{text}"));
        let root = dir.path().join(format!("{case:05}"));
        let mut paths = Vec::new();
        for file in output.files.iter().filter(|f| f.path.ends_with(".rs")) {
            let path = root.join(&file.path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &file.contents).unwrap();
            // rustfmt formats the modules a crate root declares along with it.
            if ["src/lib.rs", "src/main.rs", "tests/api/main.rs"].contains(&file.path.as_str()) {
                paths.push(path);
            } else {
                assert!(
                    declared(&output.files, &file.path),
                    "no module declares {}\n{text}",
                    file.path
                );
            }
        }
        specs.push((text, paths));
    }
    let rendered = started.elapsed();
    let mut failures: Vec<(String, String)> = Vec::new();
    let mut files = 0;
    for batch in specs.chunks(RUSTFMT_BATCH) {
        let paths: Vec<&std::path::PathBuf> = batch.iter().flat_map(|(_, p)| p).collect();
        files += paths.len();
        let output = std::process::Command::new("rustfmt")
            .args(["--check", "--edition", "2021", "--color", "never"])
            .args(&paths)
            .output()
            .unwrap_or_else(|e| panic!("cannot run rustfmt: {e}"));
        if output.status.success() {
            continue;
        }
        let stdout = String::from_utf8_lossy(&output.stdout);
        let stderr = String::from_utf8_lossy(&output.stderr);
        let mut any = false;
        for (text, paths) in batch {
            let case = case_root(&paths[0], dir.path());
            let diff = diffs_under(&stdout, &case);
            if !diff.is_empty() {
                any = true;
                failures.push((text.clone(), diff));
            }
        }
        if !any {
            panic!("rustfmt failed:\n{stdout}\n{stderr}");
        }
    }
    eprintln!(
        "{} specs ({rejected} rejected), {files} files: rendered in {:.1?}, rustfmt in {:.1?}",
        specs.len(),
        rendered,
        started.elapsed() - rendered
    );
    assert!(
        rejected * 10 <= cases,
        "check rejected {rejected} of {cases} specs"
    );
    if std::env::var_os("RUSTFMT_ALL").is_some() {
        for (_, diff) in &failures {
            eprintln!("{diff}");
        }
    }
    if let Some((text, diff)) = failures.first() {
        panic!(
            "rustfmt would change the code of {} of {} specs; the first:\n{text}\nrustfmt --check:\n{diff}",
            failures.len(),
            specs.len()
        );
    }
}

/// Whether the file at `path` is a module that its parent declares (`mod name;`), so that
/// rustfmt reaches it from a crate root.
fn declared(files: &[msgen::render::File], path: &str) -> bool {
    let (dir, name) = path.rsplit_once('/').unwrap();
    let stem = name.strip_suffix(".rs").unwrap();
    let parents = match dir {
        "src" => vec!["src/lib.rs".to_owned(), "src/main.rs".to_owned()],
        "tests/api" => vec!["tests/api/main.rs".to_owned()],
        // `a/b.rs` is declared in `a/mod.rs`, or in `a.rs` beside the folder.
        _ => vec![format!("{dir}/mod.rs"), format!("{dir}.rs")],
    };
    let stem = if stem == "mod" {
        dir.rsplit('/').next().unwrap()
    } else {
        stem
    };
    if name == "mod.rs" {
        let parent = dir.rsplit_once('/').unwrap().0;
        return declared(files, &format!("{parent}/{stem}.rs"));
    }
    files.iter().filter(|f| parents.contains(&f.path)).any(|f| {
        f.contents.lines().any(|l| {
            let l = l.trim_start().trim_start_matches("pub ");
            l == format!("mod {stem};") || l == format!("mod r#{stem};")
        })
    })
}

/// The directory of one case: the first component of `path` under `dir`.
fn case_root(path: &Path, dir: &Path) -> std::path::PathBuf {
    let rest = path.strip_prefix(dir).unwrap();
    dir.join(rest.components().next().unwrap())
}

/// The parts of `rustfmt --check` output about files under `root`.
fn diffs_under(stdout: &str, root: &Path) -> String {
    let prefix = format!("Diff in {}/", root.display());
    let mut out = String::new();
    let mut inside = false;
    for line in stdout.lines() {
        if line.starts_with("Diff in ") {
            inside = line.starts_with(&prefix);
        }
        if inside {
            out.push_str(line.strip_prefix("Diff in ").map_or(line, |l| {
                l.strip_prefix(&format!("{}/", root.display())).unwrap_or(l)
            }));
            out.push('\n');
        }
    }
    out
}

// -- rustfmt on specs that once drifted ---------------------------------------------------------

/// Renders a valid spec, runs `rustfmt --check` over its Rust files and fails with the diff
/// unless rustfmt leaves them as they are. The rendered files, by path.
fn rustfmt_clean(yaml: &str) -> std::collections::BTreeMap<String, String> {
    let valid =
        check(&Source::new("msgen.yaml", yaml)).unwrap_or_else(|d| panic!("{}", d.render(false)));
    let service = msgen::ir::lower(&valid);
    let output = render(&service, yaml, &Previous::default()).unwrap();
    let dir = tempfile::tempdir().unwrap();
    fs::write(dir.path().join("rustfmt.toml"), "").unwrap();
    let mut roots = Vec::new();
    for file in output.files.iter().filter(|f| f.path.ends_with(".rs")) {
        let path = dir.path().join(&file.path);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(&path, &file.contents).unwrap();
        if ["src/lib.rs", "src/main.rs", "tests/api/main.rs"].contains(&file.path.as_str()) {
            roots.push(path);
        }
    }
    let out = std::process::Command::new("rustfmt")
        .args(["--check", "--edition", "2021", "--color", "never"])
        .args(&roots)
        .output()
        .unwrap_or_else(|e| panic!("cannot run rustfmt: {e}"));
    assert!(
        out.status.success(),
        "rustfmt --check:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    output
        .files
        .into_iter()
        .map(|f| (f.path, f.contents))
        .collect()
}

/// A custom operation whose handler call is wider than `chain_width`: the call goes on lines
/// of its own inside `Ok(Json(`.
#[test]
fn a_wide_custom_operation_call_is_laid_out_as_rustfmt_does() {
    let files = rustfmt_clean(
        "service: ledger-service
entities:
  Account:
    fields:
      balance: int
endpoints:
  - resource: Account
  - name: recalculate_outstanding_balance_now
    method: POST
    path: /accounts/{id}/recalculate-outstanding-balance-now
    params: { id: uuid }
    request:
      reason: string
    response: Account
",
    );
    let controller = &files["src/controllers/accounts.rs"];
    assert!(
        controller.contains(
            "    Ok(Json(\n        state\n            .accounts\n            .recalculate_outstanding_balance_now(id, input)\n            .await?,\n    ))\n"
        ),
        "{controller}"
    );
}

/// A controller with a single route too long for one line: rustfmt keeps `.route(` on the
/// line of `Router::new()` and breaks its arguments.
#[test]
fn a_single_route_stays_on_the_line_of_its_router() {
    let files = rustfmt_clean(
        "service: reports-service
entities:
  Report:
    fields:
      title: string
endpoints:
  - name: regenerate_monthly_summary
    method: POST
    path: /monthly-reports/{year}/regenerate-monthly-summary
    params: { year: int }
",
    );
    let controller = &files["src/controllers/monthly_reports.rs"];
    assert!(
        controller.contains(
            "    Router::new().route(\n        \"/monthly-reports/{year}/regenerate-monthly-summary\",\n        post(regenerate_monthly_summary),\n    )\n"
        ),
        "{controller}"
    );
}

/// Enough resources that `pub use contracts::{...};` is longer than a line: the list wraps.
#[test]
fn a_long_pub_use_list_wraps() {
    let files = rustfmt_clean(
        "service: shop-service
entities:
  CustomerAccount: { fields: { name: string } }
  InvoiceLineItem: { fields: { amount: int } }
  PaymentReminder: { fields: { note: string } }
  ShippingAddress: { fields: { street: string } }
  WarehouseLocation: { fields: { code: string } }
endpoints:
  - resource: CustomerAccount
  - resource: InvoiceLineItem
  - resource: PaymentReminder
  - resource: ShippingAddress
  - resource: WarehouseLocation
",
    );
    let services = &files["src/services/mod.rs"];
    assert!(
        services.contains("pub use contracts::{\n    "),
        "{services}"
    );
    let code = services
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"));
    assert!(code.into_iter().all(|l| l.len() <= 100), "{services}");
}

// -- clippy on a few built services -------------------------------------------------------------

/// A few random valid specs (3 from a fixed seed; `MSGEN_CLIPPY_SPECS=N` and
/// `PROPTEST_RNG_SEED=N` for more, or others), on SQLite without a broker, generate services
/// that `cargo clippy --all-targets -- -D warnings` accepts. They are built as the members of
/// one workspace, by one cargo, in the target directory the other tests that build generated
/// services share, so dependencies compile once.
#[test]
fn random_services_are_clippy_clean() {
    let count: usize = std::env::var("MSGEN_CLIPPY_SPECS")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(3);
    let seed: u64 = std::env::var("PROPTEST_RNG_SEED")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(20_260_103);
    let mut runner = TestRunner::new(Config {
        rng_seed: RngSeed::Fixed(seed),
        ..Config::default()
    });
    let workspace = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let mut members: Vec<String> = Vec::new();
    let mut specs = Vec::new();
    while members.len() < count {
        let mut spec = spec().new_tree(&mut runner).unwrap().current();
        spec.broker = Some("none");
        let text = spec.yaml("sqlite");
        let Ok(valid) = check(&Source::new("msgen.yaml", text.as_str())) else {
            continue;
        };
        let mut service = msgen::ir::lower(&valid);
        if members.contains(&service.name) {
            continue;
        }
        calling_its_twin(&mut service);
        let output = render(&service, &text, &Previous::default()).unwrap();
        let dir = workspace.path().join(&service.name);
        for file in &output.files {
            let path = dir.join(&file.path);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(&path, &file.contents).unwrap();
        }
        members.push(service.name.clone());
        specs.push(text);
    }
    let list: Vec<String> = members.iter().map(|m| format!("{m:?}")).collect();
    fs::write(
        workspace.path().join("Cargo.toml"),
        format!(
            "[workspace]\nmembers = [{}]\nresolver = \"2\"\n",
            list.join(", ")
        ),
    )
    .unwrap();
    let output = support::command(
        workspace.path(),
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )
    .output()
    .unwrap_or_else(|e| panic!("cannot run cargo: {e}"));
    let text = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "cargo clippy failed on the services of these specs:\n{}\n{text}",
        specs.join("\n---\n")
    );
}
