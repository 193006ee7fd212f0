//! The meaning of a decoded spec: legal and unique names, keys that fit their field's type,
//! defaults that fit their field, references that resolve, routes that do not collide, and
//! generated modules and Rust types that do not clash.
//!
//! Every problem is reported, each at the most precise span, so one run of `msgen validate`
//! shows everything to fix. Checks that depend on a name being valid are skipped when it is
//! not, so one mistake does not cascade into several messages. For the same reason, a spec
//! with shape problems is checked without what the decoder could not read ([`Dropped`]), and
//! checks that would only report its absence are skipped.

mod auth;
mod dependencies;
mod list;
mod transports;

use std::collections::HashMap;

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};

use super::diagnostics::{did_you_mean, show, Diagnostic};
use super::load::Dropped;
use super::model::*;
use crate::names::reserved::*;
use crate::names::{
    self, can_be_ident, EntityNames, FieldNames, ModuleNames, OperationNames, Table,
};

/// Longest text accepted anywhere in a spec.
pub const MAX_TEXT: usize = 10_000;
/// Longest table or column name (PostgreSQL's identifier limit).
pub const MAX_SQL_NAME: usize = 63;
/// Largest `min_length` / `max_length`. The generated service reads request bodies of at most
/// 1 MiB, and its tests send strings of these lengths.
pub const MAX_LENGTH: u64 = 100_000;
/// Most digits of a `decimal` bound or default: the generated code holds it as
/// `Decimal::new(i64 mantissa, scale)`; and the service reads and documents decimals with at
/// most 10 places, so bounds and defaults have no more either.
const MAX_DECIMAL_DIGITS: usize = 18;
const MAX_DECIMAL_SCALE: usize = 10;

/// Types a path parameter may have.
const PARAM_TYPES: &[FieldType] = &[
    FieldType::String,
    FieldType::Int,
    FieldType::Bigint,
    FieldType::Uuid,
    FieldType::Bool,
    FieldType::Date,
];

/// Keys that constrain a field's value.
const CONSTRAINT_KEYS: &[&str] = &[
    "min",
    "max",
    "min_length",
    "max_length",
    "pattern",
    "format",
];

/// The keys written for a field besides `type` and `description`, each with its value's span.
fn keys_beyond_type(field: &Field) -> Vec<(&'static str, Span)> {
    let flag = |f: &Option<Spanned<bool>>| f.as_ref().map(|f| f.span);
    [
        ("optional", flag(&field.optional)),
        ("default", field.default.as_ref().map(|d| d.span)),
        ("unique", flag(&field.unique)),
        ("index", flag(&field.index)),
        ("readonly", flag(&field.readonly)),
        ("immutable", flag(&field.immutable)),
        ("min", field.min.as_ref().map(|n| n.span)),
        ("max", field.max.as_ref().map(|n| n.span)),
        ("min_length", field.min_length.as_ref().map(|n| n.span)),
        ("max_length", field.max_length.as_ref().map(|n| n.span)),
        ("pattern", field.pattern.as_ref().map(|p| p.span)),
        ("format", field.format.as_ref().map(|f| f.span)),
        ("values", field.values.as_ref().map(|v| v.span)),
        ("entity", field.entity.as_ref().map(|e| e.span)),
        ("on_delete", field.on_delete.as_ref().map(|o| o.span)),
        ("search", field.search.as_ref().map(|s| s.span)),
        ("renamed_from", field.renamed_from.as_ref().map(|r| r.span)),
    ]
    .into_iter()
    .filter_map(|(key, span)| Some((key, span?)))
    .collect()
}

/// Whether an entity field is one of the columns msgen fills itself, declared with its type.
fn is_managed_column(field: &Field) -> bool {
    matches!(
        (field.name.value.as_str(), field.ty.value),
        ("id", FieldType::Uuid) | ("created_at" | "updated_at", FieldType::Datetime)
    )
}

/// The problems of meaning in `spec`, leaving out those that only follow from `dropped`.
pub(crate) fn validate(spec: &Spec, names: &Table, dropped: &Dropped) -> Vec<Diagnostic> {
    let mut v = Validator {
        spec,
        names,
        dropped,
        problems: Vec::new(),
        entities: spec
            .entities
            .iter()
            .map(|e| e.name.value.as_str())
            .collect(),
        entity_index: HashMap::new(),
        derived: HashMap::new(),
        resources: Vec::new(),
        custom: Vec::new(),
    };
    for (i, (entity, names)) in spec.entities.iter().zip(&names.entities).enumerate() {
        v.entity_index
            .entry(entity.name.value.as_str())
            .or_insert(i);
        for ty in [&names.create, &names.patch, &names.filter] {
            v.derived.entry(ty.text.as_str()).or_default().push(i);
        }
    }
    v.top_level();
    v.entities();
    v.list_orders();
    v.list_filter_names();
    v.nested_list_methods();
    v.links();
    v.link_methods();
    v.list_paging();
    v.endpoints();
    v.events();
    v.auth();
    v.transports();
    v.dependencies();
    v.enum_type_clashes();
    let modules = v.modules();
    v.generated_type_clashes(&modules);
    v.problems
}

struct Validator<'a> {
    spec: &'a Spec,
    /// Every name the generated code takes from `spec`: what the name checks check.
    names: &'a Table,
    /// What the decoder left out: the checks that would report its absence are skipped.
    dropped: &'a Dropped,
    problems: Vec<Diagnostic>,
    /// The entities' names, in the order of the spec.
    entities: Vec<&'a str>,
    /// Each entity's place in the spec (the first, for a name written twice), by name.
    entity_index: HashMap<&'a str, usize>,
    /// The entities each type name is generated for (`NewPayment`: `Payment`), by that name.
    derived: HashMap<&'a str, Vec<usize>>,
    /// Entities with a resource endpoint (each once), and where the endpoint names them.
    resources: Vec<(&'a Entity, Span)>,
    /// Custom endpoints whose path is valid, with its first segment and where that is written.
    custom: Vec<(&'a CustomEndpoint, String, Span)>,
}

/// Where a list of fields appears; the rules differ a little.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Entity,
    Payload,
    Param,
    Body,
}

impl Place {
    fn noun(self) -> &'static str {
        match self {
            Place::Entity => "an entity",
            Place::Payload => "an event payload",
            Place::Param => "a path parameter",
            Place::Body => "an inline request or response",
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Shapes of names.

pub(crate) fn is_kebab(s: &str) -> bool {
    let mut parts = s.split('-');
    let first = parts.next().unwrap_or("");
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && parts.all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_pascal(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase()) && s.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn is_snake(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
        && !s.contains("__")
        && !s.ends_with('_')
}

fn is_enum_value(s: &str) -> bool {
    let mut parts = s.split(['_', '-']);
    let first = parts.next().unwrap_or("");
    first.starts_with(|c: char| c.is_ascii_lowercase())
        && first
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && parts.all(|p| {
            !p.is_empty()
                && p.bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

fn is_subject(s: &str) -> bool {
    s.split('.').all(|part| {
        !part.is_empty()
            && part
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
    })
}

fn is_semver(s: &str) -> bool {
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let numbers: Vec<&str> = core.split('.').collect();
    // Cargo reads versions with the `semver` crate: numbers fit a u64, without leading zeros.
    let number_ok = |n: &&str| {
        !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
            && (n.len() == 1 || !n.starts_with('0'))
            && n.parse::<u64>().is_ok()
    };
    let extra_ok = |part: &str| {
        part.split('.')
            .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
    };
    // A pre-release identifier of digits only is a number.
    let pre_ok = |part: &str| {
        extra_ok(part)
            && part
                .split('.')
                .all(|id| !id.bytes().all(|b| b.is_ascii_digit()) || number_ok(&id))
    };
    let (pre, build) = match rest.split_once('+') {
        Some((pre, build)) => (pre, Some(build)),
        None => (rest, None),
    };
    numbers.len() == 3
        && numbers.iter().all(number_ok)
        && pre.strip_prefix('-').is_none_or(pre_ok)
        && (pre.is_empty() || pre.starts_with('-'))
        && build.is_none_or(extra_ok)
}

fn is_uuid(s: &str) -> bool {
    s.len() == 36
        && s.char_indices().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => c == '-',
            _ => c.is_ascii_hexdigit(),
        })
}

fn digits(s: &str) -> Option<u32> {
    (!s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()))
        .then(|| s.parse().ok())
        .flatten()
}

/// `YYYY-MM-DD`, a real day of a real month.
fn is_date(s: &str) -> bool {
    let parts: Vec<&str> = s.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return false;
    };
    if y.len() != 4 || m.len() != 2 || d.len() != 2 {
        return false;
    }
    let (Some(year), Some(month), Some(day)) = (digits(y), digits(m), digits(d)) else {
        return false;
    };
    let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// An RFC 3339 timestamp: `2024-01-31T12:00:00Z`, with optional fraction and offset.
fn is_datetime(s: &str) -> bool {
    let Some((date, time)) = s.split_once(['T', 't']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    let (clock, zone) = if let Some(clock) = time.strip_suffix(['Z', 'z']) {
        (clock, None)
    } else if let Some(i) = time.rfind(['+', '-']) {
        (&time[..i], Some(&time[i + 1..]))
    } else {
        return false;
    };
    let (clock, fraction) = match clock.split_once('.') {
        Some((c, f)) => (c, Some(f)),
        None => (clock, None),
    };
    let hms = |text: &str, parts: usize| -> bool {
        let pieces: Vec<&str> = text.split(':').collect();
        pieces.len() == parts
            && pieces
                .iter()
                .zip([24, 60, 60])
                .all(|(p, limit)| p.len() == 2 && digits(p).is_some_and(|n| n < limit))
    };
    hms(clock, 3)
        && fraction.is_none_or(|f| !f.is_empty() && f.bytes().all(|b| b.is_ascii_digit()))
        && zone.is_none_or(|z| hms(z, 2))
}

/// A URL default: one the generated service accepts, and `http://` or `https://`.
fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && crate::rules::is_url(s)
}

/// "write `fixed`", when `original` only differs from a valid name by case and separators.
/// Names with other characters get no guess: what they meant is anyone's guess.
fn fix(original: &str, fixed: String, valid: impl Fn(&str) -> bool) -> Option<String> {
    fixed_name(original, fixed, valid).map(|f| format!("write `{f}`"))
}

/// `fixed`, when `original` only differs from a valid name by case and separators.
fn fixed_name(original: &str, fixed: String, valid: impl Fn(&str) -> bool) -> Option<String> {
    let tame = original
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b' '));
    (tame && valid(&fixed)).then_some(fixed)
}

/// A list for help texts: `a, b, c`.
fn listing<'a>(items: impl IntoIterator<Item = &'a str>) -> String {
    items.into_iter().collect::<Vec<_>>().join(", ")
}

fn article(ty: FieldType) -> &'static str {
    match ty {
        FieldType::Int | FieldType::Enum => "an",
        _ => "a",
    }
}

/// Why the first control character in `s` (other than newline and tab) is not allowed.
fn control_char(s: &str) -> Option<char> {
    s.chars()
        .find(|c| c.is_control() && !matches!(c, '\n' | '\t'))
}

// ---------------------------------------------------------------------------------------------

impl<'a> Validator<'a> {
    fn report(&mut self, d: Diagnostic) {
        self.problems.push(d);
    }

    /// Checks the length of any string. Returns whether it is acceptable.
    fn length_ok(&mut self, s: &Spanned<String>, what: &str) -> bool {
        let n = s.value.chars().count();
        if n > MAX_TEXT {
            self.report(
                Diagnostic::error(
                    s.span,
                    format!("{what} is {n} characters long; the limit is {MAX_TEXT}"),
                )
                .with_help("shorten it"),
            );
            return false;
        }
        true
    }

    /// Free text (descriptions, patterns, string defaults): any character but control ones.
    fn text(&mut self, s: &Spanned<String>, what: &str) {
        if !self.length_ok(s, what) {
            return;
        }
        if let Some(c) = control_char(&s.value) {
            self.report(
                Diagnostic::error(
                    s.span,
                    format!("{what} contains the control character U+{:04X}", c as u32),
                )
                .with_help("remove it; text may contain any character except control characters other than line breaks and tabs"),
            );
        }
    }

    fn entity_help(&self, name: &str) -> String {
        // An entity that could not be read is still the likely one meant.
        let candidates = self
            .entities
            .iter()
            .copied()
            .chain(self.dropped.entities.iter().map(String::as_str));
        match did_you_mean(name, candidates) {
            Some(s) => format!("did you mean `{s}`?"),
            None if self.entities.is_empty() => "the spec defines no entities".to_owned(),
            None => format!("entities are: {}", listing(self.entities.iter().copied())),
        }
    }

    fn entity(&self, name: &str) -> Option<&'a Entity> {
        let index = *self.entity_index.get(name)?;
        Some(&self.spec.entities[index])
    }

    /// Whether an entity of this name is defined.
    fn is_entity(&self, name: &str) -> bool {
        self.entity_index.contains_key(name)
    }

    /// The entities that have a type of this name generated for them, in the order of the
    /// spec.
    fn derived_owners(&self, name: &str) -> impl Iterator<Item = usize> + use<'_, 'a> {
        self.derived.get(name).into_iter().flatten().copied()
    }

    // -- top level --------------------------------------------------------------------------

    fn top_level(&mut self) {
        let spec = self.spec;
        if !self.dropped.service {
            self.service_name(&spec.service);
        }
        if let Some(d) = &spec.description {
            self.text(d, "`description`");
        }
        if let Some(version) = &spec.version {
            if self.length_ok(version, "`version`") && !is_semver(&version.value) {
                let parts = version.value.split('.').count();
                let padded = format!(
                    "{}{}",
                    version.value,
                    ".0".repeat(3usize.saturating_sub(parts))
                );
                let help = if is_semver(&padded) {
                    format!("write `{padded}`")
                } else {
                    "write a semantic version such as `0.1.0`".to_owned()
                };
                self.report(
                    Diagnostic::error(
                        version.span,
                        format!(
                            "version `{}` is not a semantic version `x.y.z`",
                            show(&version.value)
                        ),
                    )
                    .with_help(help),
                );
            }
        }
        if let Some(base) = &spec.base_path {
            if self.length_ok(base, "`base_path`") {
                self.base_path(base);
            }
        }
        if spec.entities.is_empty()
            && spec.events.publish.is_empty()
            && spec.events.consume.is_empty()
            && !self.dropped.any_entity_or_event()
        {
            self.report(
                Diagnostic::error(spec.service.span, "the spec has no entities and no events")
                    .with_label("this service would do nothing")
                    .with_help("add an entity under `entities:` or an event under `events:`"),
            );
        }
    }

    fn service_name(&mut self, name: &Spanned<String>) {
        if !self.length_ok(name, "the service name") {
            return;
        }
        let value = name.value.as_str();
        if !is_kebab(value) {
            let help = fix(value, value.to_kebab_case(), is_kebab).unwrap_or_else(|| {
                "use lowercase letters, digits and single dashes, starting with a letter, e.g. `payment-service`".to_owned()
            });
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("service name `{}` is not kebab-case", show(value)),
                )
                .with_label("it names the crate and the binary")
                .with_help(help),
            );
            return;
        }
        let krate = self.names.krate.text.as_str();
        let why = if names::is_rust_keyword(krate) {
            Some("it is a Rust keyword")
        } else if ["std", "core", "alloc", "proc_macro", "test"].contains(&krate) {
            Some("it is the name of a crate built into Rust")
        } else if RESERVED_CRATE_NAMES.contains(&krate) {
            Some("the generated service depends on a crate of that name")
        } else {
            None
        };
        if let Some(why) = why {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("`{value}` cannot be a service name: {why}"),
                )
                .with_help(format!(
                    "choose a more specific name, e.g. `{value}-service`"
                )),
            );
        } else if value.len() > 64 {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!(
                        "service name `{}` is longer than 64 characters",
                        show(value)
                    ),
                )
                .with_help("crates.io and cargo limit package names to 64 characters"),
            );
        }
    }

    fn base_path(&mut self, base: &Spanned<String>) {
        let value = base.value.as_str();
        if value.is_empty() {
            return;
        }
        // The path most likely meant, when it can be guessed.
        let guess = {
            let segments: Vec<String> = value
                .split('/')
                .filter(|s| !s.is_empty() && *s != "." && *s != "..")
                .map(|s| s.to_kebab_case())
                .collect();
            let path = format!("/{}", segments.join("/"));
            let tame = value
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'/' | b'_' | b'-' | b'.'));
            (tame && !segments.is_empty()).then(|| format!("write `{path}`"))
        };
        let guess_or = |other: &str| guess.clone().unwrap_or_else(|| other.to_owned());
        let problem: Option<(String, String)> = if !value.starts_with('/') {
            Some((
                format!("`base_path` must start with `/`, found `{}`", show(value)),
                guess_or("write a path such as `/api/v1`"),
            ))
        } else if value == "/" {
            Some((
                "`base_path` must not be `/`".to_owned(),
                "leave `base_path` out to serve the endpoints at the root".to_owned(),
            ))
        } else if value.ends_with('/') {
            Some((
                "`base_path` must not end with `/`".to_owned(),
                guess_or("remove the trailing `/`"),
            ))
        } else {
            value[1..].split('/').find_map(|segment| {
                if segment.is_empty() {
                    Some((
                        "`base_path` has an empty segment (`//`)".to_owned(),
                        "remove the extra `/`".to_owned(),
                    ))
                } else if segment == ".." || segment == "." {
                    Some((
                        format!("`base_path` cannot contain `{segment}`"),
                        "write the path out plainly, e.g. `/api/v1`".to_owned(),
                    ))
                } else if segment.starts_with('{') {
                    Some((
                        "`base_path` cannot contain path parameters".to_owned(),
                        "parameters belong in a custom endpoint's `path`".to_owned(),
                    ))
                } else if !names::is_path_segment(segment) {
                    Some((
                        format!("`base_path` segment `{}` has characters other than lowercase letters, digits, `_` and `-`", show(segment)),
                        guess_or("use lowercase letters, digits, `_` and `-`"),
                    ))
                } else {
                    None
                }
            })
        };
        if let Some((message, help)) = problem {
            self.report(Diagnostic::error(base.span, message).with_help(help));
        }
    }

    // -- entities ---------------------------------------------------------------------------

    /// Checks a PascalCase type name (entity or event). Returns whether it is usable.
    fn type_name(&mut self, name: &Spanned<String>, kind: &str) -> bool {
        if !self.length_ok(name, &format!("{kind} name")) {
            return false;
        }
        let value = name.value.as_str();
        if value == "Self" {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("`Self` cannot be an {kind} name: it is a Rust keyword"),
                )
                .with_help(format!("choose another name for the {kind}")),
            );
            return false;
        }
        if !is_pascal(value) {
            let help = fix(value, value.to_upper_camel_case(), is_pascal).unwrap_or_else(|| {
                "use letters and digits, starting with an uppercase letter, e.g. `Payment`"
                    .to_owned()
            });
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("{kind} name `{}` is not PascalCase", show(value)),
                )
                .with_help(help),
            );
            return false;
        }
        if kind == "event" && RESERVED_EVENT_NAMES.contains(&value) {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("event name `{value}` clashes with a type of the generated event code"),
                )
                .with_help(format!(
                    "choose another name, e.g. a past-tense verb; msgen reserves {}",
                    listing(RESERVED_EVENT_NAMES.iter().copied())
                )),
            );
            return false;
        }
        if RESERVED_TYPE_NAMES.contains(&value) {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("{kind} name `{value}` clashes with a type of the generated code"),
                )
                .with_help(format!(
                    "choose another name; msgen reserves {}",
                    listing(RESERVED_TYPE_NAMES.iter().copied())
                )),
            );
            return false;
        }
        if kind == "entity" && value.to_snake_case() == "mod" {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("entity name `{value}` would put its model types in `src/models/mod.rs`, the file of the models module itself"),
                )
                .with_help("choose another name, e.g. `Module` or `Modification`"),
            );
            return false;
        }
        true
    }

    /// Whether `name` is one of the types generated for `entity`: what that type is for.
    fn derived_type(name: &str, entity: &EntityNames) -> Option<String> {
        let e = &entity.ty.text;
        let purpose = [
            (&entity.create, format!("creating a `{e}`")),
            (&entity.patch, format!("partial updates of a `{e}`")),
            (&entity.filter, format!("filtering lists of `{e}`")),
        ]
        .into_iter()
        .find_map(|(ty, purpose)| (ty.text == name).then_some(purpose))?;
        Some(format!("msgen generates `{name}` for {purpose}"))
    }

    /// The names of entity `name`: names follow from the name alone, so any entity of that
    /// name gives the same.
    fn entity_names(&self, name: &str) -> &'a EntityNames {
        let index = self.entity_index.get(name).expect("every entity is named");
        &self.names.entities[*index]
    }

    /// Each enum field of an entity becomes a Rust enum named after both (`Payment.status` ->
    /// `PaymentStatus`), which must not be the name of an entity or event.
    fn enum_type_clashes(&mut self) {
        let spec = self.spec;
        let types: Vec<&Spanned<String>> = spec
            .entities
            .iter()
            .map(|e| &e.name)
            .chain(spec.events.publish.iter().map(|e| &e.name))
            .chain(spec.events.consume.iter().map(|e| &e.name))
            .collect();
        for (entity, entity_names) in spec.entities.iter().zip(&self.names.entities) {
            for (field, field_names) in entity.fields.iter().zip(&entity_names.fields) {
                let Some(generated) = &field_names.enum_type else {
                    continue;
                };
                let generated = &generated.text;
                for name in types.iter().filter(|n| n.value == *generated) {
                    self.report(
                        Diagnostic::error(
                            name.span,
                            format!(
                                "name `{generated}` is taken: msgen generates `{generated}` for the enum field `{}` of `{}`",
                                field.name.value, entity.name.value
                            ),
                        )
                        .with_related(field.name.span, "the enum field is here")
                        .with_help("rename this type or the field"),
                    );
                }
            }
        }
    }

    fn entities(&mut self) {
        let spec = self.spec;
        let mut snake_names: HashMap<String, &Spanned<String>> = HashMap::new();
        let mut tables: HashMap<String, (&Entity, Span)> = HashMap::new();
        let mut plurals: HashMap<String, &Spanned<String>> = HashMap::new();
        let table_names = self.names;
        for (entity, names) in spec.entities.iter().zip(&table_names.entities) {
            if let Some(d) = &entity.description {
                self.text(d, "`description`");
            }
            let mut name_ok = self.type_name(&entity.name, "entity");
            if name_ok {
                for other in self.derived_owners(&entity.name.value).collect::<Vec<_>>() {
                    let (other, other_names) =
                        (&spec.entities[other], &table_names.entities[other]);
                    if let Some(why) = Self::derived_type(&entity.name.value, other_names) {
                        self.report(
                            Diagnostic::error(
                                entity.name.span,
                                format!("entity name `{}` is taken: {why}", entity.name.value),
                            )
                            .with_related(
                                other.name.span,
                                format!("`{}` is defined here", other.name.value),
                            )
                            .with_help("rename one of the two entities"),
                        );
                    }
                }
                let snake = names.model.text.clone();
                match snake_names.get(&snake) {
                    Some(first) => self.report(
                        Diagnostic::error(
                            entity.name.span,
                            format!(
                                "entity `{}` has the same snake_case name `{snake}` as `{}`",
                                entity.name.value, first.value
                            ),
                        )
                        .with_related(first.span, format!("`{}` is defined here", first.value))
                        .with_help("module and table names come from the snake_case name; rename one of them"),
                    ),
                    None => {
                        snake_names.insert(snake, &entity.name);
                    }
                }
                // A second entity of the same snake_case name would also repeat its table.
                name_ok = snake_names.get(&names.model.text) == Some(&&entity.name);
            }
            if name_ok {
                self.entity_plural(entity, names, &mut plurals);
            }
            if let Some(old) = &entity.renamed_from {
                self.entity_renamed_from(entity, old);
            }
            // The table, explicit or derived from a valid name.
            let table = match &entity.table {
                Some(table) => {
                    if self.length_ok(table, "`table`") {
                        self.table_name(table.value.as_str(), table.span, true)
                            .then(|| (table.value.clone(), table.span))
                    } else {
                        None
                    }
                }
                // A `table:` that could not be read would have replaced the derived name.
                None if name_ok && !self.dropped.key(entity.name.span, "table") => {
                    let table = &names.table;
                    self.table_name(&table.text, table.span, false)
                        .then(|| (table.text.clone(), table.span))
                }
                None => None,
            };
            if let Some((table, span)) = table {
                match tables.get(&table) {
                    Some((first, first_span)) => self.report(
                        Diagnostic::error(
                            span,
                            format!(
                                "entity `{}` uses table `{table}`, like `{}`",
                                entity.name.value, first.name.value
                            ),
                        )
                        .with_related(
                            *first_span,
                            format!("`{}` uses `{table}` here", first.name.value),
                        )
                        .with_help("give one of them another `table:`"),
                    ),
                    None => {
                        tables.insert(table, (entity, span));
                    }
                }
            }
            self.fields(&entity.fields, &names.fields, Place::Entity);
            self.entity_fields(entity, names);
        }
    }

    /// The plural names the entity's route, modules and API; it must be the entity's own.
    fn entity_plural<'s>(
        &mut self,
        entity: &'s Entity,
        names: &EntityNames,
        plurals: &mut HashMap<String, &'s Spanned<String>>,
    ) {
        let plural = names.plural.clone();
        match plurals.get(&plural) {
            Some(first) => self.report(
                Diagnostic::error(
                    entity.name.span,
                    format!(
                        "entity `{}` has the same plural `{plural}` as `{}`",
                        entity.name.value, first.value
                    ),
                )
                .with_related(first.span, format!("`{}` is defined here", first.value))
                .with_help("routes and modules are named after the plural; rename one of them"),
            ),
            None => {
                plurals.insert(plural, &entity.name);
            }
        }
    }

    fn entity_renamed_from(&mut self, entity: &Entity, old: &Spanned<String>) {
        if !self.length_ok(old, "`renamed_from`") {
            return;
        }
        if !is_pascal(&old.value) {
            self.report(Diagnostic::error(
                old.span,
                format!(
                    "`renamed_from` must be the entity's previous PascalCase name, found `{}`",
                    show(&old.value)
                ),
            ));
        } else if old.value == entity.name.value {
            self.report(
                Diagnostic::error(old.span, "`renamed_from` names the entity itself")
                    .with_help("remove `renamed_from` once the rename has been generated"),
            );
        } else if let Some(other) = self.entity(&old.value) {
            self.report(
                Diagnostic::error(
                    old.span,
                    format!(
                        "entity `{}` is renamed from `{}`, which still exists",
                        entity.name.value, old.value
                    ),
                )
                .with_related(other.name.span, "still defined here"),
            );
        }
    }

    /// Checks a table name; `explicit` when written as `table:`. Returns whether it is usable.
    fn table_name(&mut self, table: &str, span: Span, explicit: bool) -> bool {
        let label = |d: Diagnostic| {
            if explicit {
                d
            } else {
                d.with_label(format!("its table would be `{}`", show(table)))
            }
        };
        let problem: Option<(String, String)> = if !is_snake(table) {
            Some((
                format!(
                    "table name `{}` is not a snake_case identifier",
                    show(table)
                ),
                fix(table, table.to_snake_case(), is_snake).unwrap_or_else(|| {
                    "use lowercase letters, digits and single underscores, starting with a letter"
                        .to_owned()
                }),
            ))
        } else if RESERVED_TABLES.contains(&table) {
            Some((
                format!("table name `{table}` is used by the generated service itself"),
                "give the entity another `table:`".to_owned(),
            ))
        } else if table.starts_with("sqlite_") || table.starts_with("pg_") {
            Some((
                format!("table name `{table}` is reserved by the database"),
                "names starting with `sqlite_` or `pg_` belong to the database; give the entity another `table:`".to_owned(),
            ))
        } else if table.len() > MAX_SQL_NAME {
            Some((
                format!(
                    "table name `{}` is longer than {MAX_SQL_NAME} characters",
                    show(table)
                ),
                "PostgreSQL cuts longer names short; choose a shorter `table:`".to_owned(),
            ))
        } else {
            None
        };
        match problem {
            Some((message, help)) => {
                self.report(label(Diagnostic::error(span, message)).with_help(help));
                false
            }
            None => true,
        }
    }

    /// Rules for fields that only hold for entities: the generated columns, the list query
    /// parameters, and the columns that references become.
    fn entity_fields(&mut self, entity: &Entity, names: &EntityNames) {
        let mut columns: HashMap<String, &Field> = HashMap::new();
        for (field, field_names) in entity.fields.iter().zip(&names.fields) {
            let name = field.name.value.as_str();
            match name {
                "id" => {
                    if field.ty.value != FieldType::Uuid {
                        self.report(
                            Diagnostic::error(field.ty.span, "`id` is the primary key and must be a `uuid`")
                                .with_help("remove `id`: every entity gets a uuid `id`; give other identifiers another name, e.g. `external_id`"),
                        );
                    } else {
                        self.managed_column_keys(field);
                    }
                }
                "created_at" | "updated_at" => {
                    if field.ty.value != FieldType::Datetime {
                        self.report(
                            Diagnostic::error(field.ty.span, format!("`{name}` is a timestamp msgen maintains and must be a `datetime`"))
                                .with_help(format!("remove `{name}` (every entity gets it), or choose another name")),
                        );
                    } else {
                        self.managed_column_keys(field);
                    }
                }
                "version" => {
                    self.report(
                        Diagnostic::error(field.name.span, "a field cannot be named `version`")
                            .with_label("msgen keeps each record's version in this column, for `ETag` and `If-Match`")
                            .with_help("choose another name, e.g. `revision`"),
                    );
                }
                "limit" | "offset" => {
                    self.report(
                        Diagnostic::error(
                            field.name.span,
                            format!("a field cannot be named `{name}`"),
                        )
                        .with_label("list endpoints take `limit` and `offset` as query parameters")
                        .with_help(format!("choose another name, e.g. `{name}_value`")),
                    );
                }
                "sort"
                    if [&field.index, &field.unique]
                        .iter()
                        .any(|key| key.as_ref().is_some_and(|k| k.value)) =>
                {
                    self.report(
                        Diagnostic::error(
                            field.name.span,
                            "a field that filters lists (`index: true` or `unique: true`) cannot be named `sort`",
                        )
                        .with_label("list endpoints take `sort` as a query parameter: `?sort=` would be read as the order, not as this filter")
                        .with_help("choose another name, e.g. `sort_order`"),
                    );
                }
                _ => {}
            }
            let column = field_names.name.text.clone();
            if field.ty.value == FieldType::Ref && column.len() > MAX_SQL_NAME {
                self.report(Diagnostic::error(
                    field.name.span,
                    format!("column `{column}` is longer than {MAX_SQL_NAME} characters"),
                ));
            }
            if let Some(other) = columns.get(&column) {
                let (reference, plain) = if field.ty.value == FieldType::Ref {
                    (field, *other)
                } else {
                    (*other, field)
                };
                if reference.ty.value == FieldType::Ref && plain.ty.value != FieldType::Ref {
                    self.report(
                        Diagnostic::error(
                            field.name.span,
                            format!(
                                "reference `{}` is stored in column `{column}`, which is also the field `{}`",
                                reference.name.value, plain.name.value
                            ),
                        )
                        .with_related(other.name.span, "the other one is here")
                        .with_help("rename one of them"),
                    );
                }
            } else {
                columns.insert(column, field);
            }
        }
    }

    // -- fields -----------------------------------------------------------------------------

    fn fields(&mut self, fields: &[Field], names: &[FieldNames], place: Place) {
        let mut rust_names: HashMap<String, (&Field, &FieldNames)> = HashMap::new();
        for (field, field_names) in fields.iter().zip(names) {
            let name_ok = self.field_name(&field.name, place);
            if name_ok {
                let key = field_names.pascal.clone();
                match rust_names.get(&key) {
                    // One column for both: `entity_fields` reports that.
                    Some((_, first)) if first.name.text == field_names.name.text => {}
                    Some((first, _)) => self.report(
                        Diagnostic::error(
                            field.name.span,
                            format!(
                                "field `{}` is too similar to `{}`: both become `{key}` in generated type names",
                                field.name.value, first.name.value
                            ),
                        )
                        .with_related(first.name.span, "the other one is here")
                        .with_help("rename one of them"),
                    ),
                    None => {
                        rust_names.insert(key, (field, field_names));
                    }
                }
            }
            self.field(field, field_names, place);
        }
    }

    /// Checks a snake_case name of a field or parameter. Returns whether it is usable.
    fn field_name(&mut self, name: &Spanned<String>, place: Place) -> bool {
        let what = if place == Place::Param {
            "parameter"
        } else {
            "field"
        };
        if !self.length_ok(name, &format!("{what} name")) {
            return false;
        }
        let value = name.value.as_str();
        if !can_be_ident(value) {
            self.report(
                Diagnostic::error(name.span, format!("`{value}` cannot be a {what} name"))
                    .with_label("Rust cannot use it as a name, not even as `r#` raw identifier")
                    .with_help(format!(
                        "choose another name, e.g. `{}_ref`",
                        value.to_lowercase()
                    )),
            );
            return false;
        }
        if !is_snake(value) {
            let help = fix(value, value.to_snake_case(), |f| {
                is_snake(f) && can_be_ident(f)
            })
            .unwrap_or_else(|| {
                "use lowercase letters, digits and single underscores, starting with a letter"
                    .to_owned()
            });
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("{what} name `{}` is not snake_case", show(value)),
                )
                .with_help(help),
            );
            return false;
        }
        if place == Place::Entity && value.len() > MAX_SQL_NAME {
            self.report(
                Diagnostic::error(
                    name.span,
                    format!(
                        "field name `{}` is longer than {MAX_SQL_NAME} characters",
                        show(value)
                    ),
                )
                .with_help("PostgreSQL cuts longer column names short; choose a shorter name"),
            );
            return false;
        }
        true
    }

    /// `id`, `created_at` and `updated_at` take a `type` and a `description`, nothing else:
    /// msgen fills these columns itself and ignores any other key written for them.
    fn managed_column_keys(&mut self, field: &Field) {
        let name = field.name.value.as_str();
        for (key, span) in keys_beyond_type(field) {
            let d = match (key, name) {
                ("optional", "id") if field.is_optional() => {
                    Diagnostic::error(span, "`id` is the primary key and cannot be optional")
                }
                ("optional", _) if field.is_optional() => Diagnostic::error(
                    span,
                    format!("`{name}` is a timestamp msgen maintains and cannot be optional"),
                ),
                ("default", "id") => Diagnostic::error(span, "`id` cannot have a default")
                    .with_help("msgen generates a new uuid for every row"),
                _ => {
                    let help = match (key, name) {
                        ("unique" | "index", "id") => {
                            format!("remove `{key}`: `id` is the primary key already")
                        }
                        ("default", "created_at") => {
                            "remove `default`: msgen sets `created_at` when it inserts a row"
                                .to_owned()
                        }
                        ("default", _) => {
                            "remove `default`: msgen sets `updated_at` whenever it writes a row"
                                .to_owned()
                        }
                        _ => format!(
                            "remove `{key}`; only `type` and `description` may be given for `{name}`"
                        ),
                    };
                    Diagnostic::error(
                        span,
                        format!("`{key}` cannot be set on `{name}`: msgen manages this column"),
                    )
                    .with_help(help)
                }
            };
            self.report(d);
        }
    }

    /// `readonly` and `immutable`: who writes an entity field, and when.
    fn ownership(&mut self, field: &Field, name: &str) {
        let set = |flag: &Option<Spanned<bool>>| flag.as_ref().filter(|f| f.value).map(|f| f.span);
        let (readonly, immutable) = (set(&field.readonly), set(&field.immutable));
        if let (Some(_), Some(immutable)) = (readonly, immutable) {
            self.report(
                Diagnostic::error(immutable, "a field is `readonly` or `immutable`, not both")
                    .with_help("`readonly` alone: clients never write the field, and only your code changes it"),
            );
        }
        // A key the decoder could not read may have been the default or `optional: true`.
        let lost = |key| self.dropped.key(field.name.span, key);
        let optional = field.is_optional() || lost("optional");
        let default = field
            .default
            .as_ref()
            .is_some_and(|d| d.value != Literal::Null)
            || lost("default");
        if let Some(readonly) = readonly.filter(|_| !optional && !default) {
            let help = if matches!(field.ty.value, FieldType::Ref | FieldType::Json) {
                format!(
                    "add `optional: true`: a `{}` field takes no default",
                    field.ty.value
                )
            } else {
                "add a `default:`, or `optional: true`".to_string()
            };
            self.report(
                Diagnostic::error(
                    readonly,
                    format!("`{name}` is `readonly`, so a create request cannot give it, but it has no default"),
                )
                .with_help(help),
            );
        }
    }

    fn field(&mut self, field: &Field, names: &FieldNames, place: Place) {
        let ty = field.ty.value;
        let name = show(&field.name.value);
        let is_a = format!("`{name}` is {} `{ty}`", article(ty));

        if let Some(d) = &field.description {
            self.text(d, "`description`");
        }
        if place == Place::Entity && is_managed_column(field) {
            // Every other key is reported once, by `managed_column_keys`.
            return;
        }
        if let Some(old) = &field.renamed_from {
            if self.length_ok(old, "`renamed_from`") {
                if !is_snake(&old.value) {
                    self.report(Diagnostic::error(
                        old.span,
                        format!("`renamed_from` must be the field's previous snake_case name, found `{}`", show(&old.value)),
                    ));
                } else if old.value == field.name.value {
                    self.report(
                        Diagnostic::error(old.span, "`renamed_from` names the field itself")
                            .with_help("remove `renamed_from` once the rename has been generated"),
                    );
                }
            }
        }

        // Where the field is.
        match place {
            Place::Param => {
                if !PARAM_TYPES.contains(&ty) {
                    self.report(
                        Diagnostic::error(
                            field.ty.span,
                            format!("a path parameter cannot be {} `{ty}`", article(ty)),
                        )
                        .with_help(format!(
                            "path parameters may be {}",
                            listing(PARAM_TYPES.iter().map(|t| t.as_str()))
                        )),
                    );
                }
                if let Some(o) = field.optional.as_ref().filter(|o| o.value) {
                    self.report(
                        Diagnostic::error(o.span, "a path parameter cannot be optional")
                            .with_help("a path segment is always present; use another route for the case without it"),
                    );
                }
                if let Some(d) = &field.default {
                    self.report(Diagnostic::error(
                        d.span,
                        "a path parameter cannot have a default",
                    ));
                }
            }
            Place::Payload | Place::Body => {
                if ty == FieldType::Ref {
                    self.report(
                        Diagnostic::error(
                            field.ty.span,
                            format!("{} cannot hold a reference", place.noun()),
                        )
                        .with_help(format!("send the id instead: `{name}_id: uuid`")),
                    );
                }
            }
            Place::Entity => {}
        }
        if place != Place::Entity {
            let flags = [
                ("unique", &field.unique),
                ("index", &field.index),
                ("readonly", &field.readonly),
                ("immutable", &field.immutable),
            ];
            for (key, flag) in flags {
                if let Some(flag) = flag {
                    self.report(
                        Diagnostic::error(flag.span, format!("`{key}` means nothing in {}", place.noun()))
                            .with_help(format!("remove `{key}`; it applies to entity fields, which are stored in a table")),
                    );
                }
            }
        } else {
            self.ownership(field, &name);
        }
        if let Some(search) = &field.search {
            if place != Place::Entity {
                self.report(
                    Diagnostic::error(
                        search.span,
                        format!("`search` means nothing in {}", place.noun()),
                    )
                    .with_help("remove `search`; it applies to entity fields, which lists filter"),
                );
            } else if !matches!(ty, FieldType::String | FieldType::Text) {
                self.report(
                    Diagnostic::error(
                        search.span,
                        format!("`search` matches text, and `{name}` is of type `{ty}`"),
                    )
                    .with_related(field.ty.span, "its type")
                    .with_help("remove `search`, or give the field the type `string` or `text`"),
                );
            }
        }
        if place == Place::Entity && ty == FieldType::Json {
            for (key, flag) in [("unique", &field.unique), ("index", &field.index)] {
                if let Some(flag) = flag.as_ref().filter(|f| f.value) {
                    self.report(
                        Diagnostic::error(
                            flag.span,
                            format!("`{key}` is not supported on json fields"),
                        )
                        .with_help(format!(
                            "remove `{key}`, or store the value in a typed field"
                        )),
                    );
                }
            }
        }

        let regex = if place == Place::Param {
            for (key, span) in keys_beyond_type(field) {
                if CONSTRAINT_KEYS.contains(&key) {
                    self.report(
                        Diagnostic::error(
                            span,
                            "constraints on path parameters are not checked by the generated service; validate in the operation",
                        )
                        .with_help(format!("remove `{key}`")),
                    );
                }
            }
            None
        } else {
            self.constraints(field, &is_a)
        };

        // Enums.
        match (&field.values, ty) {
            (None, FieldType::Enum) if self.dropped.key(field.name.span, "values") => {}
            (None, FieldType::Enum) => self.report(
                Diagnostic::error(
                    field.ty.span,
                    format!("enum field `{name}` has no `values`"),
                )
                .with_help(format!(
                    "list the allowed values: `{name}: {{ type: enum, values: [a, b] }}`"
                )),
            ),
            (Some(values), FieldType::Enum) => self.enum_values(values, &names.variants),
            (Some(values), _) => self.report(
                Diagnostic::error(
                    values.span,
                    format!("`values` only applies to enum fields, and {is_a}"),
                )
                .with_help("write `type: enum`, or remove `values`"),
            ),
            (None, _) => {}
        }

        // References.
        match (&field.entity, ty) {
            (None, FieldType::Ref) if self.dropped.key(field.name.span, "entity") => {}
            (None, FieldType::Ref) => {
                let example = self.entities.first().copied().unwrap_or("Other");
                self.report(
                    Diagnostic::error(
                        field.ty.span,
                        format!("reference `{name}` does not say which entity it refers to"),
                    )
                    .with_help(format!("add `entity: {example}`")),
                )
            }
            (Some(target), FieldType::Ref) => {
                if self.entity(&target.value).is_none() && !self.dropped.entity(&target.value) {
                    let help = self.entity_help(&target.value);
                    self.report(
                        Diagnostic::error(
                            target.span,
                            format!("entity `{}` is not defined", show(&target.value)),
                        )
                        .with_help(help),
                    );
                }
            }
            (Some(target), _) => self.report(
                Diagnostic::error(
                    target.span,
                    format!("`entity` only applies to ref fields, and {is_a}"),
                )
                .with_help("write `type: ref`, or remove `entity`"),
            ),
            (None, _) => {}
        }
        if let (Some(on_delete), false) = (&field.on_delete, ty == FieldType::Ref) {
            self.report(
                Diagnostic::error(
                    on_delete.span,
                    format!("`on_delete` only applies to ref fields, and {is_a}"),
                )
                .with_help("remove `on_delete`"),
            );
        }

        if let Some(default) = &field.default {
            if place != Place::Param {
                self.default(field, default, regex.as_ref());
            }
        }
    }

    /// Bounds, lengths, pattern and format of a field stored or sent in a body; the compiled
    /// pattern when it is valid.
    fn constraints(&mut self, field: &Field, is_a: &str) -> Option<regex::Regex> {
        let ty = field.ty.value;
        // Numeric bounds.
        for (key, bound) in [("min", &field.min), ("max", &field.max)] {
            let Some(bound) = bound else { continue };
            if !ty.is_numeric() {
                let help = if ty.is_string() {
                    format!("for a length bound use `{key}_length`")
                } else {
                    format!("remove `{key}`")
                };
                self.report(
                    Diagnostic::error(
                        bound.span,
                        format!("`{key}` only applies to numeric fields, and {is_a}"),
                    )
                    .with_help(help),
                );
            } else if let Some(problem) = integer_problem(ty, &bound.value, &format!("`{key}`")) {
                self.report(Diagnostic::error(bound.span, problem).with_help_opt(integer_help(ty)));
            } else if let Some((problem, help)) =
                decimal_problem(ty, &bound.value.text, &format!("`{key}`"))
            {
                self.report(Diagnostic::error(bound.span, problem).with_help(help));
            }
        }
        if let (Some(min), Some(max)) = (&field.min, &field.max) {
            if ty.is_numeric() && min.value.value > max.value.value {
                self.report(
                    Diagnostic::error(
                        max.span,
                        format!(
                            "`max` ({}) is less than `min` ({})",
                            max.value.text, min.value.text
                        ),
                    )
                    .with_related(min.span, "`min` is here")
                    .with_help("swap them"),
                );
            }
        }

        // String constraints.
        let string_keys = [
            ("min_length", field.min_length.as_ref().map(|s| s.span)),
            ("max_length", field.max_length.as_ref().map(|s| s.span)),
            ("pattern", field.pattern.as_ref().map(|s| s.span)),
            ("format", field.format.as_ref().map(|s| s.span)),
        ];
        for (key, span) in string_keys {
            if let (Some(span), false) = (span, ty.is_string()) {
                let help = if ty.is_numeric() && key.ends_with("_length") {
                    format!("for a numeric bound use `{}`", &key[..3])
                } else {
                    format!("remove `{key}`, or make the field a `string`")
                };
                self.report(
                    Diagnostic::error(
                        span,
                        format!("`{key}` only applies to string and text fields, and {is_a}"),
                    )
                    .with_help(help),
                );
            }
        }
        if let (Some(min), Some(max)) = (&field.min_length, &field.max_length) {
            if min.value > max.value {
                self.report(
                    Diagnostic::error(
                        max.span,
                        format!(
                            "`max_length` ({}) is less than `min_length` ({})",
                            max.value, min.value
                        ),
                    )
                    .with_related(min.span, "`min_length` is here")
                    .with_help("swap them"),
                );
            }
        }
        for (key, bound) in [
            ("min_length", &field.min_length),
            ("max_length", &field.max_length),
        ] {
            let Some(bound) = bound.as_ref().filter(|b| b.value > MAX_LENGTH) else {
                continue;
            };
            if ty.is_string() {
                self.report(
                    Diagnostic::error(
                        bound.span,
                        format!(
                            "`{key}` is {}; the most msgen supports is {MAX_LENGTH}",
                            bound.value
                        ),
                    )
                    .with_help(format!(
                        "lower `{key}`, or remove it: the generated service takes request bodies of at most 1 MiB"
                    )),
                );
            }
        }
        if let Some(max) = field.max_length.as_ref().filter(|m| m.value == 0) {
            self.report(
                Diagnostic::error(
                    max.span,
                    "`max_length` is 0, so only the empty string would be allowed",
                )
                .with_help("remove `max_length` or raise it"),
            );
        }
        let mut regex = None;
        if let Some(pattern) = &field.pattern {
            self.text(pattern, "`pattern`");
            if ty.is_string() && pattern.value.chars().count() <= MAX_TEXT {
                match regex::RegexBuilder::new(&pattern.value).size_limit(1 << 20).build() {
                    Ok(r) => regex = Some(r),
                    Err(e) => self.report(
                        Diagnostic::error(pattern.span, "`pattern` is not a valid regular expression")
                            .with_label(regex_error(&e))
                            .with_help("patterns use Rust `regex` syntax, which has no look-around or backreferences"),
                    ),
                }
            }
        }
        regex
    }

    fn enum_values(&mut self, values: &Spanned<Vec<Spanned<String>>>, variants: &[names::Variant]) {
        if values.value.is_empty() {
            self.report(
                Diagnostic::error(values.span, "`values` is empty")
                    .with_help("list at least one value: `values: [a, b]`"),
            );
            return;
        }
        let mut seen: HashMap<String, &Spanned<String>> = HashMap::new();
        for (value, variant) in values.value.iter().zip(variants) {
            if !self.length_ok(value, "an enum value") {
                continue;
            }
            if !is_enum_value(&value.value) {
                let help = fix(&value.value, value.value.to_snake_case(), is_enum_value).unwrap_or_else(|| {
                    "use lowercase letters and digits, separated by single `_` or `-`, starting with a letter".to_owned()
                });
                self.report(
                    Diagnostic::error(
                        value.span,
                        format!(
                            "enum value `{}` is not snake_case or kebab-case",
                            show(&value.value)
                        ),
                    )
                    .with_help(help),
                );
                continue;
            }
            let variant = variant.name.text.clone();
            if variant == "Self" {
                self.report(
                    Diagnostic::error(value.span, "enum value `self` cannot be used")
                        .with_label("it would become the Rust variant `Self`, a keyword")
                        .with_help("choose another value, e.g. `own`"),
                );
                continue;
            }
            match seen.get(&variant) {
                Some(first) if first.value == value.value => self.report(
                    Diagnostic::error(
                        value.span,
                        format!("enum value `{}` is listed twice", value.value),
                    )
                    .with_related(first.span, "first listed here")
                    .with_help("remove one of them"),
                ),
                Some(first) => self.report(
                    Diagnostic::error(
                        value.span,
                        format!(
                            "enum values `{}` and `{}` would be the same Rust variant `{variant}`",
                            first.value, value.value
                        ),
                    )
                    .with_related(first.span, "the other one is here")
                    .with_help("keep one spelling"),
                ),
                None => {
                    seen.insert(variant, value);
                }
            }
        }
    }

    fn default(&mut self, field: &Field, default: &Spanned<Literal>, regex: Option<&regex::Regex>) {
        let ty = field.ty.value;
        let span = default.span;
        let found = match &default.value {
            Literal::Bool(b) => format!("`{b}`"),
            Literal::Number(n) => format!("`{n}`"),
            Literal::String(s) => format!("`\"{}\"`", show(s)),
            Literal::Null => "`null`".to_owned(),
        };
        let mismatch = |expected: &str| {
            Diagnostic::error(
                span,
                format!(
                    "the default of {} `{ty}` field must be {expected}, found {found}",
                    article(ty)
                ),
            )
        };
        if matches!(ty, FieldType::Ref | FieldType::Json) {
            self.report(
                Diagnostic::error(span, format!("`default` is not supported on {ty} fields"))
                    .with_help(
                        "remove `default`; write `optional: true` if the value may be missing",
                    ),
            );
            return;
        }
        if let Literal::Null = default.value {
            if !field.is_optional() && !self.dropped.key(field.name.span, "optional") {
                self.report(
                    Diagnostic::error(span, "a `null` default needs `optional: true`")
                        .with_help("add `optional: true`, or remove `default`"),
                );
            }
            return;
        }
        match (ty, &default.value) {
            (FieldType::Bool, Literal::Bool(_)) => {}
            (FieldType::Bool, Literal::String(s)) => {
                let d = mismatch("`true` or `false`");
                let help = match s.as_str() {
                    "true" | "false" => Some(format!("remove the quotes: `default: {s}`")),
                    _ => None,
                };
                self.report(d.with_help_opt(help));
            }
            (FieldType::Int | FieldType::Bigint, Literal::Number(n)) => {
                let number = Number {
                    text: n.clone(),
                    value: n.parse().unwrap_or(f64::NAN),
                };
                if let Some(problem) = integer_problem(ty, &number, "the default") {
                    self.report(Diagnostic::error(span, problem).with_help_opt(integer_help(ty)));
                } else {
                    self.default_in_bounds(field, span, number.value, n);
                }
            }
            (FieldType::Float | FieldType::Decimal, Literal::Number(n)) => {
                let value = n.parse::<f64>().unwrap_or(f64::NAN);
                if !value.is_finite() {
                    self.report(Diagnostic::error(
                        span,
                        format!(
                            "the default {n} is too large a number for {} `{ty}` field",
                            article(ty)
                        ),
                    ));
                } else if let Some((problem, help)) = decimal_problem(ty, n, "the default") {
                    self.report(Diagnostic::error(span, problem).with_help(help));
                } else {
                    self.default_in_bounds(field, span, value, n);
                }
            }
            (
                FieldType::Int | FieldType::Bigint | FieldType::Float | FieldType::Decimal,
                Literal::String(s),
            ) => {
                let help = s
                    .parse::<f64>()
                    .is_ok()
                    .then(|| format!("remove the quotes: `default: {s}`"));
                self.report(mismatch("a number").with_help_opt(help));
            }
            (FieldType::String | FieldType::Text, Literal::String(s)) => {
                self.text(&Spanned::new(s.clone(), span), "the default");
                self.string_default(field, span, s, regex);
            }
            (FieldType::String | FieldType::Text, Literal::Number(text)) => {
                self.report(
                    mismatch("a string")
                        .with_help(format!("put it in quotes: `default: \"{text}\"`")),
                );
            }
            (FieldType::String | FieldType::Text, Literal::Bool(b)) => {
                self.report(
                    mismatch("a string").with_help(format!("put it in quotes: `default: \"{b}\"`")),
                );
            }
            (FieldType::Enum, Literal::String(s)) => {
                let Some(values) = &field.values else { return };
                if !values.value.iter().any(|v| v.value == *s) {
                    let help = match did_you_mean(s, values.value.iter().map(|v| v.value.as_str()))
                    {
                        Some(v) => format!("did you mean `{v}`?"),
                        None => format!(
                            "values are: {}",
                            listing(values.value.iter().map(|v| v.value.as_str()))
                        ),
                    };
                    self.report(
                        Diagnostic::error(
                            span,
                            format!(
                                "default `{}` is not one of the values of `{}`",
                                show(s),
                                field.name.value
                            ),
                        )
                        .with_help(help),
                    );
                }
            }
            (FieldType::Enum, _) => {
                let d = Diagnostic::error(
                    span,
                    format!(
                        "default {found} is not one of the values of `{}`",
                        field.name.value
                    ),
                );
                let help = field.values.as_ref().map(|values| {
                    format!(
                        "values are: {}",
                        listing(values.value.iter().map(|v| v.value.as_str()))
                    )
                });
                self.report(d.with_help_opt(help));
            }
            (FieldType::Uuid, Literal::String(s)) if is_uuid(s) => {}
            (FieldType::Uuid, _) => self.report(
                mismatch("a uuid")
                    .with_help("write it like `\"3f2b8c1e-5d4a-4e7b-9c0d-2a1b3c4d5e6f\"`"),
            ),
            (FieldType::Date, Literal::String(s)) if is_date(s) => {}
            (FieldType::Date, _) => {
                self.report(mismatch("a date `YYYY-MM-DD`").with_help("write it like `2024-01-31`"))
            }
            (FieldType::Datetime, Literal::String(s)) if is_datetime(s) => {}
            (FieldType::Datetime, _) => self.report(
                mismatch("an RFC 3339 timestamp").with_help("write it like `2024-01-31T09:30:00Z`"),
            ),
            (
                FieldType::Int | FieldType::Bigint | FieldType::Float | FieldType::Decimal,
                Literal::Bool(_),
            ) => {
                self.report(mismatch("a number"));
            }
            (FieldType::Bool, Literal::Number(_)) => self.report(mismatch("`true` or `false`")),
            (FieldType::Ref | FieldType::Json, _) | (_, Literal::Null) => {}
        }
    }

    fn default_in_bounds(&mut self, field: &Field, span: Span, value: f64, text: &str) {
        if let Some(min) = field.min.as_ref().filter(|m| value < m.value.value) {
            self.report(
                Diagnostic::error(
                    span,
                    format!("the default {text} is less than `min` ({})", min.value.text),
                )
                .with_related(min.span, "`min` is here"),
            );
        }
        if let Some(max) = field.max.as_ref().filter(|m| value > m.value.value) {
            self.report(
                Diagnostic::error(
                    span,
                    format!(
                        "the default {text} is greater than `max` ({})",
                        max.value.text
                    ),
                )
                .with_related(max.span, "`max` is here"),
            );
        }
    }

    fn string_default(&mut self, field: &Field, span: Span, s: &str, regex: Option<&regex::Regex>) {
        let len = s.chars().count() as u64;
        if let Some(min) = field.min_length.as_ref().filter(|m| len < m.value) {
            self.report(
                Diagnostic::error(
                    span,
                    format!(
                        "the default is {len} characters long, shorter than `min_length` ({})",
                        min.value
                    ),
                )
                .with_related(min.span, "`min_length` is here"),
            );
        }
        if let Some(max) = field.max_length.as_ref().filter(|m| len > m.value) {
            self.report(
                Diagnostic::error(
                    span,
                    format!(
                        "the default is {len} characters long, longer than `max_length` ({})",
                        max.value
                    ),
                )
                .with_related(max.span, "`max_length` is here"),
            );
        }
        if let (Some(regex), Some(pattern)) = (regex, &field.pattern) {
            if !regex.is_match(s) {
                self.report(
                    Diagnostic::error(
                        span,
                        format!("the default `{}` does not match `pattern`", show(s)),
                    )
                    .with_related(pattern.span, "the pattern is here"),
                );
            }
        }
        if let Some(format) = &field.format {
            let (ok, what) = match format.value {
                Format::Email => (crate::rules::is_email(s), "an email address"),
                Format::Url => (is_url(s), "an http or https URL"),
            };
            if !ok {
                self.report(
                    Diagnostic::error(span, format!("the default `{}` is not {what}", show(s)))
                        .with_related(format.span, "the format is here"),
                );
            }
        }
    }

    // -- endpoints --------------------------------------------------------------------------

    fn endpoints(&mut self) {
        let spec = self.spec;
        let mut resources: HashMap<&str, Span> = HashMap::new();
        let mut names: HashMap<&str, Span> = HashMap::new();
        let mut routes: Vec<Route> = Vec::new();
        for (index, endpoint) in spec.endpoints.iter().enumerate() {
            match endpoint {
                Endpoint::Resource(r) => {
                    let Some(entity) = self.entity(&r.resource.value) else {
                        if self.dropped.entity(&r.resource.value) {
                            continue;
                        }
                        let help = self.entity_help(&r.resource.value);
                        self.report(
                            Diagnostic::error(
                                r.resource.span,
                                format!("entity `{}` is not defined", show(&r.resource.value)),
                            )
                            .with_help(help),
                        );
                        continue;
                    };
                    if let Some(first) = resources.get(entity.name.value.as_str()) {
                        self.report(
                            Diagnostic::error(
                                r.resource.span,
                                format!(
                                    "entity `{}` already has a resource endpoint",
                                    entity.name.value
                                ),
                            )
                            .with_related(*first, "the first one is here")
                            .with_help("merge their `operations` into one endpoint"),
                        );
                        continue;
                    }
                    resources.insert(&entity.name.value, r.resource.span);
                    self.resources.push((entity, r.resource.span));
                    let operations = self.operations(r);
                    // Routes are named after the entity's plural, whatever its `table:`.
                    if is_pascal(&entity.name.value) {
                        let segment = self.entity_names(&entity.name.value).route.clone();
                        let describe = format!("the resource endpoint for `{}`", entity.name.value);
                        self.link_routes(entity, r, &operations, &mut routes);
                        for op in operations {
                            let (methods, item): (&[Method], bool) = match op {
                                Operation::List => (&[Method::Get], false),
                                Operation::Create => (&[Method::Post], false),
                                Operation::Get => (&[Method::Get], true),
                                Operation::Update => (&[Method::Put, Method::Patch], true),
                                Operation::Delete => (&[Method::Delete], true),
                            };
                            let mut segments = vec![Segment::Static(segment.clone())];
                            if item {
                                segments.push(Segment::Param("id".to_owned()));
                            }
                            for &method in methods {
                                routes.push(Route::of_resource(
                                    method,
                                    segments.clone(),
                                    r.resource.span,
                                    describe.clone(),
                                ));
                            }
                            if op != Operation::List {
                                continue;
                            }
                            // The list under each record it references: `/payments/{id}/refunds`.
                            for reference in entity.nesting_references() {
                                let Some(target) = &reference.entity else {
                                    continue;
                                };
                                if !is_pascal(&target.value) || !self.is_entity(&target.value) {
                                    continue;
                                }
                                let parent = self.entity_names(&target.value).route.clone();
                                let segments = vec![
                                    Segment::Static(parent),
                                    Segment::Param("id".to_owned()),
                                    Segment::Static(segment.clone()),
                                ];
                                let describe = format!(
                                    "the list of `{}` under the `{}` its `{}` references",
                                    entity.name.value, target.value, reference.name.value
                                );
                                routes.push(Route::of_resource(
                                    Method::Get,
                                    segments,
                                    r.resource.span,
                                    describe,
                                ));
                            }
                        }
                    }
                }
                Endpoint::Custom(c) => {
                    if self.field_name_like(&c.name, "endpoint") {
                        if let Some(first) = names.get(c.name.value.as_str()) {
                            self.report(
                                Diagnostic::error(c.name.span, format!("endpoint name `{}` is used twice", c.name.value))
                                    .with_related(*first, "first used here")
                                    .with_help("each custom endpoint becomes a service method; give them different names"),
                            );
                        } else {
                            names.insert(&c.name.value, c.name.span);
                        }
                    }
                    let op_names = self
                        .names
                        .operation(index)
                        .expect("every custom endpoint is named");
                    if let Some(route) = self.custom_endpoint(c, op_names) {
                        if let (Some(Segment::Static(first)), Some(at)) =
                            (route.segments.first(), route.spans.first())
                        {
                            self.custom.push((c, first.clone(), *at));
                        }
                        routes.push(route);
                    }
                }
            }
        }
        self.routes(&routes);
    }

    /// The operations of a resource endpoint, each once.
    fn operations(&mut self, r: &ResourceEndpoint) -> Vec<Operation> {
        let Some(list) = &r.operations else {
            return vec![
                Operation::List,
                Operation::Get,
                Operation::Create,
                Operation::Update,
                Operation::Delete,
            ];
        };
        if list.is_empty() && !self.dropped.key(r.resource.span, "operations") {
            self.report(
                Diagnostic::error(r.resource.span, "`operations` is empty")
                    .with_help("list at least one of list, get, create, update, delete; or remove the endpoint"),
            );
        }
        let mut seen: Vec<&Spanned<Operation>> = Vec::new();
        for op in list {
            if let Some(first) = seen.iter().find(|s| s.value == op.value) {
                self.report(
                    Diagnostic::error(
                        op.span,
                        format!(
                            "operation `{}` is listed twice",
                            Operation::ALL[op.value as usize]
                        ),
                    )
                    .with_related(first.span, "first listed here")
                    .with_help("remove one of them"),
                );
            } else {
                seen.push(op);
            }
        }
        seen.into_iter().map(|op| op.value).collect()
    }

    /// Checks a snake_case name used as a Rust function (endpoint names).
    fn field_name_like(&mut self, name: &Spanned<String>, what: &str) -> bool {
        if !self.length_ok(name, &format!("{what} name")) {
            return false;
        }
        let value = name.value.as_str();
        if !can_be_ident(value) {
            self.report(
                Diagnostic::error(name.span, format!("`{value}` cannot be an {what} name"))
                    .with_label("Rust cannot use it as a name, not even as `r#` raw identifier")
                    .with_help(
                        "choose a name that says what the operation does, e.g. `capture_payment`",
                    ),
            );
            return false;
        }
        if !is_snake(value) {
            let help = fix(value, value.to_snake_case(), |f| {
                is_snake(f) && can_be_ident(f)
            })
            .unwrap_or_else(|| {
                "use lowercase letters, digits and single underscores, starting with a letter"
                    .to_owned()
            });
            self.report(
                Diagnostic::error(
                    name.span,
                    format!("{what} name `{}` is not snake_case", show(value)),
                )
                .with_help(help),
            );
            return false;
        }
        true
    }

    fn custom_endpoint(&mut self, c: &'a CustomEndpoint, names: &OperationNames) -> Option<Route> {
        if let Some(d) = &c.description {
            self.text(d, "`description`");
        }
        self.fields(&c.params, &names.params, Place::Param);
        let segments = if self.length_ok(&c.path, "`path`") {
            self.path(c, names)
        } else {
            None
        };
        if let Some(request) = &c.request {
            if matches!(c.method.value, Method::Get | Method::Delete) {
                let span = match request {
                    Body::Entity(e) => e.span,
                    Body::Inline { span, .. } => *span,
                };
                self.report(
                    Diagnostic::error(
                        span,
                        format!(
                            "a {} endpoint cannot have a `request` body",
                            c.method.value.as_str()
                        ),
                    )
                    .with_related(c.method.span, "the method is here")
                    .with_help("pass inputs as path parameters, or use POST, PUT or PATCH"),
                );
            }
        }
        for (body, inline) in [(&c.request, &names.request), (&c.response, &names.response)] {
            let Some(body) = body else {
                continue;
            };
            match body {
                Body::Entity(name) => {
                    if self.entity(&name.value).is_none() && !self.dropped.entity(&name.value) {
                        let help = self.entity_help(&name.value);
                        self.report(
                            Diagnostic::error(
                                name.span,
                                format!("entity `{}` is not defined", show(&name.value)),
                            )
                            .with_help(help),
                        );
                    }
                }
                Body::Inline { fields, span } => {
                    if fields.is_empty() && !self.dropped.any_field(*span) {
                        self.report(
                            Diagnostic::error(*span, "an inline body needs at least one field")
                                .with_help("remove the key for no body"),
                        );
                    }
                    let inline = inline.as_ref().expect("inline bodies are named");
                    self.fields(fields, &inline.fields, Place::Body);
                }
            }
        }
        let mut emitted: Vec<&Spanned<String>> = Vec::new();
        for event in &c.emits {
            if let Some(first) = emitted.iter().find(|e| e.value == event.value) {
                self.report(
                    Diagnostic::error(
                        event.span,
                        format!("event `{}` is listed twice", show(&event.value)),
                    )
                    .with_related(first.span, "first listed here"),
                );
                continue;
            }
            emitted.push(event);
            let published = &self.spec.events.publish;
            if published.iter().any(|e| e.name.value == event.value)
                || self.dropped.published_event(&event.value)
            {
                continue;
            }
            let consumed = self
                .spec
                .events
                .consume
                .iter()
                .any(|e| e.name.value == event.value);
            let help = if consumed {
                format!(
                    "`{}` is a consumed event; only events under `events.publish` can be emitted",
                    event.value
                )
            } else {
                match did_you_mean(
                    &event.value,
                    published.iter().map(|e| e.name.value.as_str()),
                ) {
                    Some(s) => format!("did you mean `{s}`?"),
                    None if published.is_empty() => "declare it under `events.publish`".to_owned(),
                    None => format!(
                        "published events are: {}",
                        listing(published.iter().map(|e| e.name.value.as_str()))
                    ),
                }
            };
            self.report(
                Diagnostic::error(
                    event.span,
                    format!(
                        "event `{}` is not published by this service",
                        show(&event.value)
                    ),
                )
                .with_help(help),
            );
        }
        segments.map(|(segments, spans)| Route {
            method: c.method.value,
            segments,
            spans,
            span: c.path.span,
            resource: false,
            describe: format!("endpoint `{}`", show(&c.name.value)),
        })
    }

    /// Checks a custom endpoint's path against its params; the route's segments (and where
    /// each is written) when valid.
    fn path(
        &mut self,
        c: &CustomEndpoint,
        names: &OperationNames,
    ) -> Option<(Vec<Segment>, Vec<Span>)> {
        let path = &c.path;
        let value = path.value.as_str();
        let bad = |span: Span, message: String, help: &str| {
            Diagnostic::error(span, message).with_help(help.to_owned())
        };
        if !value.starts_with('/') {
            let help = fix(&value.replace('/', "-"), format!("/{value}"), |_| true)
                .unwrap_or_else(|| "start the path with `/`".to_owned());
            self.report(bad(
                path.span,
                format!("path `{}` must start with `/`", show(value)),
                &help,
            ));
            return None;
        }
        if value.len() > 1 && value.ends_with('/') {
            let at = path.part(value.len() - 1, 1);
            self.report(
                bad(
                    at,
                    format!("path `{}` must not end with `/`", show(value)),
                    "remove the trailing `/`",
                )
                .with_label("remove this"),
            );
            return None;
        }
        if value == "/" {
            self.report(
                bad(
                    path.span,
                    "path `/` has no segment".to_owned(),
                    "start the path with a segment that names what the operation is about, e.g. `/reports/daily`",
                )
                .with_label("the first segment names the Rust module of the operation"),
            );
            return None;
        }
        let mut segments = Vec::new();
        let mut spans = Vec::new();
        let mut ok = true;
        let mut offset = 1;
        for segment in value[1..].split('/').filter(|_| value != "/") {
            let at = path.part(offset, segment.len());
            offset += segment.len() + 1;
            if segment.is_empty() {
                let at = path.part(offset - 2, 2);
                self.report(bad(
                    at,
                    format!("path `{}` has an empty segment", show(value)),
                    "remove the extra `/`",
                ));
                ok = false;
            } else if segment == ".." || segment == "." {
                self.report(bad(
                    at,
                    format!("path `{}` cannot contain `{segment}`", show(value)),
                    "write the path out plainly",
                ));
                ok = false;
            } else if let Some(inner) = segment.strip_prefix('{').and_then(|s| s.strip_suffix('}'))
            {
                if !is_snake(inner) {
                    let help = fixed_name(inner, inner.to_snake_case(), is_snake)
                        .map(|f| format!("write `{{{f}}}`"))
                        .unwrap_or_else(|| "write parameters like `{payment_id}`".to_owned());
                    self.report(bad(
                        at,
                        format!(
                            "path parameter `{{{}}}` is not a snake_case name",
                            show(inner)
                        ),
                        &help,
                    ));
                    ok = false;
                } else if segments.contains(&Segment::Param(inner.to_owned())) {
                    self.report(bad(
                        at,
                        format!("path parameter `{{{inner}}}` appears twice"),
                        "give each parameter its own name",
                    ));
                    ok = false;
                } else {
                    segments.push(Segment::Param(inner.to_owned()));
                    spans.push(at);
                }
            } else if names::is_path_segment(segment) {
                segments.push(Segment::Static(segment.to_owned()));
                spans.push(at);
            } else {
                let help = if segment.contains(['{', '}']) {
                    "a parameter must be a whole segment, like `/files/{file_id}`".to_owned()
                } else {
                    fix(segment, segment.to_kebab_case(), |f| !f.is_empty())
                        .unwrap_or_else(|| "use lowercase letters, digits, `_` and `-`".to_owned())
                };
                self.report(bad(
                    at,
                    format!(
                        "path segment `{}` may only contain lowercase letters, digits, `_` and `-`, or be a `{{param}}`",
                        show(segment)
                    ),
                    &help,
                ));
                ok = false;
            }
        }
        // The first segment names the module that holds the operation.
        let module = self
            .names
            .module_of(names)
            .map_or("", |m| m.file.text.as_str());
        match (segments.first(), spans.first()) {
            (Some(Segment::Static(first)), Some(at)) if RESERVED_MODULES.contains(&module) => {
                self.report(bad(
                    *at,
                    format!("path `{}` cannot start with `{}`", show(value), show(first)),
                    "the first segment names the Rust module of the operation, and msgen uses that name for one of its own: choose another first segment",
                ));
                ok = false;
            }
            (Some(Segment::Static(first)), Some(at))
                if !first.starts_with(|c: char| c.is_ascii_lowercase())
                    || !can_be_ident(module) =>
            {
                self.report(bad(
                    *at,
                    format!("path `{}` cannot start with `{}`", show(value), show(first)),
                    "the first segment names the Rust module of the operation: start it with a letter, and not with `self`, `super` or `crate`",
                ));
                ok = false;
            }
            (Some(Segment::Param(param)), Some(at)) => {
                let help = match self
                    .spec
                    .entities
                    .first()
                    .filter(|e| is_pascal(&e.name.value))
                {
                    Some(e) => format!(
                        "start the path with a fixed segment, such as an entity's route: `/{}{}`",
                        self.entity_names(&e.name.value).route,
                        show(value)
                    ),
                    None => "start the path with a fixed segment, e.g. `/reports/{day}`".to_owned(),
                };
                self.report(
                    Diagnostic::error(
                        *at,
                        format!(
                            "path `{}` cannot start with the parameter `{{{param}}}`",
                            show(value)
                        ),
                    )
                    .with_label("the first segment names the Rust module of the operation")
                    .with_help(help),
                );
                ok = false;
            }
            _ => {}
        }
        if !ok {
            return None;
        }
        // Every placeholder declared, every parameter used.
        for (segment, at) in segments.iter().zip(&spans) {
            if let Segment::Param(p) = segment {
                let dropped =
                    self.dropped.field(c.name.span, p) || self.dropped.key(c.name.span, "params");
                if !c.params.iter().any(|f| f.name.value == *p) && !dropped {
                    let help = if c.params.is_empty() {
                        format!("add `params: {{ {p}: uuid }}`, with the parameter's type")
                    } else {
                        format!("add `{p}` to `params`, with its type")
                    };
                    self.report(
                        Diagnostic::error(
                            *at,
                            format!("path parameter `{{{p}}}` is not declared in `params`"),
                        )
                        .with_help(help),
                    );
                }
            }
        }
        for param in &c.params {
            if !segments.contains(&Segment::Param(param.name.value.clone())) {
                self.report(
                    Diagnostic::error(
                        param.name.span,
                        format!(
                            "parameter `{}` does not appear in the path",
                            show(&param.name.value)
                        ),
                    )
                    .with_related(path.span, "the path is here")
                    .with_help(format!(
                        "add `{{{}}}` to the path, or remove the parameter",
                        show(&param.name.value)
                    )),
                );
            }
        }
        Some((segments, spans))
    }

    /// The routes that add and remove the links a join entity's records are
    /// (`PUT`/`DELETE /students/{id}/courses/{course_id}`), for the `create` and `delete` of
    /// its resource endpoint.
    fn link_routes(
        &self,
        entity: &Entity,
        r: &ResourceEndpoint,
        operations: &[Operation],
        routes: &mut Vec<Route>,
    ) {
        let Some([first, second]) = entity.link_fields() else {
            return;
        };
        let Some(owner) = first.entity.as_ref().map(|e| e.value.as_str()) else {
            return;
        };
        if !is_pascal(owner) || !self.is_entity(owner) {
            return;
        }
        let segments = vec![
            Segment::Static(self.entity_names(owner).route.clone()),
            Segment::Param("id".to_owned()),
            Segment::Static(crate::names::link_segment(&second.name.value)),
            Segment::Param(second.column()),
        ];
        for (operation, method) in [
            (Operation::Create, Method::Put),
            (Operation::Delete, Method::Delete),
        ] {
            if operations.contains(&operation) {
                let describe = format!(
                    "the route of the `links` of `{}` (from a `{owner}` to a `{}`)",
                    entity.name.value,
                    second.entity.as_ref().map_or("", |e| e.value.as_str()),
                );
                let (segments, span) = (segments.clone(), r.resource.span);
                routes.push(Route::of_resource(method, segments, span, describe));
            }
        }
    }

    fn routes(&mut self, routes: &[Route]) {
        let shapes: Vec<Vec<Option<&str>>> = routes.iter().map(Route::shape).collect();
        // Routes that differ in their first segment neither are the same route nor share a
        // prefix: each route is compared with the earlier ones of its first segment only.
        let mut by_first: HashMap<Option<Option<&str>>, Vec<usize>> = HashMap::new();
        for (i, route) in routes.iter().enumerate() {
            let first = shapes[i].first().copied();
            for &j in by_first.get(&first).into_iter().flatten() {
                let earlier = &routes[j];
                if route.method == earlier.method && shapes[i] == shapes[j] {
                    let help = if earlier.resource {
                        "change the path or the method, or leave the operation out of the resource endpoint's `operations`"
                    } else {
                        "change the path or the method of one of them"
                    };
                    self.report(
                        Diagnostic::error(
                            route.span,
                            format!(
                                "route `{} {}` is already defined by {}",
                                route.method.as_str(),
                                route.display(),
                                earlier.describe
                            ),
                        )
                        .with_related(earlier.span, "defined here first")
                        .with_help(help),
                    );
                    break;
                }
                if let Some((index, theirs)) = route.param_conflict(earlier) {
                    let Segment::Param(mine) = &route.segments[index] else {
                        continue;
                    };
                    self.report(
                        Diagnostic::error(
                            route.spans[index],
                            format!(
                                "path parameter `{{{mine}}}` must be named `{{{theirs}}}`, as in `{}` ({})",
                                earlier.display(),
                                earlier.describe
                            ),
                        )
                        .with_related(earlier.span, "the other route is here")
                        .with_help(format!(
                            "routes that share a prefix must name its parameters alike: use `{{{theirs}}}` here too"
                        )),
                    );
                    break;
                }
            }
            by_first.entry(first).or_default().push(i);
        }
    }

    // -- events -----------------------------------------------------------------------------

    fn events(&mut self) {
        let spec = self.spec;
        let table = self.names;
        for (events, names, consumed) in [
            (&spec.events.publish, &table.publish, false),
            (&spec.events.consume, &table.consume, true),
        ] {
            let mut snake: HashMap<String, &Spanned<String>> = HashMap::new();
            for (event, names) in events.iter().zip(names) {
                if self.type_name(&event.name, "event") {
                    let s = names.handler.text.clone();
                    if let Some(first) = snake.get(&s) {
                        self.report(
                            Diagnostic::error(
                                event.name.span,
                                format!(
                                    "event `{}` has the same snake_case name `{s}` as `{}`",
                                    event.name.value, first.value
                                ),
                            )
                            .with_related(first.span, "the other one is here")
                            .with_help("rename one of them"),
                        );
                    } else {
                        snake.insert(s, &event.name);
                    }
                    // The entity of the event's name, and those it is a generated type of.
                    let mut clashing: Vec<usize> = self.derived_owners(&event.name.value).collect();
                    clashing.extend(self.entity_index.get(event.name.value.as_str()));
                    clashing.sort_unstable();
                    clashing.dedup();
                    for index in clashing {
                        let (entity, entity_names) =
                            (&spec.entities[index], &table.entities[index]);
                        let clash = if entity.name.value == event.name.value {
                            Some("an entity of the same name".to_owned())
                        } else {
                            Self::derived_type(&event.name.value, entity_names)
                                .map(|why| format!("a generated type: {why}"))
                        };
                        if let Some(clash) = clash {
                            self.report(
                                Diagnostic::error(event.name.span, format!("event `{}` clashes with {clash}", event.name.value))
                                    .with_related(entity.name.span, format!("`{}` is defined here", entity.name.value))
                                    .with_help("events and entities share one namespace of Rust types; rename the event, e.g. with a past-tense verb"),
                            );
                        }
                    }
                }
                if self.length_ok(&event.subject, "`subject`") && !is_subject(&event.subject.value)
                {
                    let help = if event.subject.value.contains(['*', '>', '#']) {
                        "wildcards are not allowed: an event has one exact subject, e.g. `payments.payment_succeeded`"
                    } else {
                        "use letters, digits, `_` and `-`, in parts separated by single dots, e.g. `payments.payment_succeeded`"
                    };
                    self.report(
                        Diagnostic::error(
                            event.subject.span,
                            format!(
                                "subject `{}` is not a valid subject",
                                show(&event.subject.value)
                            ),
                        )
                        .with_help(help),
                    );
                }
                if let Some(d) = &event.description {
                    self.text(d, "`description`");
                }
                if let Some(from) = &event.from {
                    if !consumed {
                        self.report(
                            Diagnostic::error(from.span, "`from` only applies to consumed events")
                                .with_help(
                                    "remove `from`: a published event comes from this service",
                                ),
                        );
                    } else if self.length_ok(from, "`from`") && !is_kebab(&from.value) {
                        self.report(
                            Diagnostic::error(
                                from.span,
                                format!(
                                    "`from` must name a service in kebab-case, found `{}`",
                                    show(&from.value)
                                ),
                            )
                            .with_help_opt(fix(
                                &from.value,
                                from.value.to_kebab_case(),
                                is_kebab,
                            )),
                        );
                    }
                }
                self.fields(&event.payload, &names.fields, Place::Payload);
            }
        }
        // A published and a consumed event of one name would be two Rust types of that name.
        for consumed in &spec.events.consume {
            let Some(published) = spec
                .events
                .publish
                .iter()
                .find(|p| p.name.value == consumed.name.value)
            else {
                continue;
            };
            if !is_pascal(&consumed.name.value) {
                continue;
            }
            let (later, earlier, label) = if consumed.name.span.start > published.name.span.start {
                (consumed, published, "published here")
            } else {
                (published, consumed, "consumed here")
            };
            self.report(
                Diagnostic::error(
                    later.name.span,
                    format!(
                        "event `{}` is both published and consumed",
                        later.name.value
                    ),
                )
                .with_related(earlier.name.span, label)
                .with_help(format!(
                    "both would become Rust types named `{}`; rename one of them",
                    later.name.value
                )),
            );
        }
    }

    // -- generated modules and types --------------------------------------------------------

    /// The endpoint modules whose names can be checked: those of entities with a valid name and
    /// a resource endpoint or a custom endpoint under their route, and those of first path
    /// segments of valid paths. Reports modules named like msgen's own, and first segments whose
    /// module would be named like an entity's, or like another segment's.
    fn modules(&mut self) -> Vec<&'a ModuleNames> {
        let spec = self.spec;
        let table = self.names;
        let named = |index: usize| is_pascal(&spec.entities[index].name.value);
        let mut modules: Vec<&'a ModuleNames> = Vec::new();
        for module in &table.modules {
            let file = module.file.text.as_str();
            if let Some(index) = module.entity {
                if !named(index) {
                    continue;
                }
                let entity = &spec.entities[index];
                let resource = self
                    .resources
                    .iter()
                    .find(|(e, _)| std::ptr::eq(*e, entity));
                if let Some((_, span)) = resource.filter(|_| RESERVED_MODULES.contains(&file)) {
                    self.report(
                        Diagnostic::error(
                            *span,
                            format!(
                                "the endpoints of entity `{}` would live in the module `{file}`, a name msgen uses for one of its own",
                                entity.name.value
                            ),
                        )
                        .with_related(entity.name.span, "modules and routes are named after the entity's plural")
                        .with_help("rename the entity"),
                    );
                }
                modules.push(module);
                continue;
            }
            let Some(index) = module.endpoint else {
                continue;
            };
            let Endpoint::Custom(endpoint) = &spec.endpoints[index] else {
                continue;
            };
            if !self.custom.iter().any(|(c, ..)| std::ptr::eq(*c, endpoint)) {
                continue;
            }
            let first = &module.route;
            let span = module.file.span;
            let entity = table
                .entities
                .iter()
                .enumerate()
                .find(|(i, e)| named(*i) && (e.model.text == file || e.plural == file));
            if let Some((_, entity)) = entity {
                let rest = &endpoint.path.value[1 + first.len()..];
                self.report(
                    Diagnostic::error(
                        span,
                        format!(
                            "first path segment `{first}` is not the route of entity `{}`, but would share its module name `{file}`",
                            entity.ty.text
                        ),
                    )
                    .with_related(
                        entity.ty.span,
                        format!("`{}` is defined here; its route is `/{}`", entity.ty.text, entity.route),
                    )
                    .with_help(format!("use the entity's route: `/{}{rest}`", entity.route)),
                );
                continue;
            }
            if let Some(other) = modules.iter().find(|m| m.file.text == file) {
                self.report(
                    Diagnostic::error(
                        span,
                        format!(
                            "first path segment `{first}` would share the module name `{file}` with `{}`",
                            other.route
                        ),
                    )
                    .with_related(other.file.span, format!("`{}` is used here", other.route))
                    .with_help(format!(
                        "write the segment the same way in both paths: `{}`",
                        other.route
                    )),
                );
                continue;
            }
            modules.push(module);
        }
        modules
    }

    /// Every Rust type the generated code defines for the spec must have a name of its own.
    /// Clashes between entities, events, the types generated for entities and the enums of
    /// entity fields are reported by `entities`, `events` and `enum_type_clashes`; this reports
    /// the rest, each once, at the later of the two definitions.
    fn generated_type_clashes(&mut self, modules: &[&ModuleNames]) {
        let mut types = self.generated_types(modules);
        types.sort_by_key(|t| t.span.start);
        // The places of the types of each name so far, in order.
        let mut earlier_of: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, later) in types.iter().enumerate() {
            let places = earlier_of.entry(later.name.as_str()).or_default();
            let earlier = places
                .iter()
                .map(|&j| &types[j])
                .find(|e| !later.reported_elsewhere(e));
            places.push(i);
            if later.kind.is_named() {
                // Entity and event names are checked against reserved names by `type_name`.
            } else if RESERVED_TYPE_NAMES.contains(&later.name.as_str())
                || (later.kind == TypeKind::Service
                    && SERVICE_MODULE_TYPES.contains(&later.name.as_str()))
            {
                self.report(
                    Diagnostic::error(
                        later.span,
                        format!("{} clashes with a type of the generated code", later.what),
                    )
                    .with_help(later.fix.clone()),
                );
                continue;
            }
            let Some(earlier) = earlier else {
                continue;
            };
            self.report(
                Diagnostic::error(
                    later.span,
                    format!("{} clashes with {}", later.what, earlier.what),
                )
                .with_related(earlier.span, earlier.here.clone())
                .with_help(later.fix_with(earlier)),
            );
        }
    }

    /// The types the spec defines or has generated, in no particular order.
    fn generated_types(&self, modules: &[&ModuleNames]) -> Vec<GeneratedType> {
        let spec = self.spec;
        let table = self.names;
        let named = |name: &str| is_pascal(name) && !RESERVED_TYPE_NAMES.contains(&name);
        let mut types = Vec::new();
        // An entity named like a type generated for another is reported by `entities`; the
        // types generated for it would only repeat that.
        let taken = |e: &EntityNames| self.derived.contains_key(e.ty.text.as_str());
        for (entity, names) in spec.entities.iter().zip(&table.entities) {
            let e = names.ty.text.as_str();
            if !named(e) || taken(names) {
                continue;
            }
            types.push(GeneratedType {
                name: e.to_owned(),
                kind: TypeKind::Entity,
                owner: e.to_owned(),
                span: names.ty.span,
                what: format!("entity `{e}`"),
                here: format!("`{e}` is defined here"),
                fix: format!("rename entity `{e}`"),
            });
            for (ty, purpose) in [
                (&names.create, "create"),
                (&names.patch, "patch"),
                (&names.filter, "filter"),
            ] {
                let name = ty.text.clone();
                types.push(GeneratedType {
                    what: format!("the {purpose} type `{name}` msgen generates for entity `{e}`"),
                    here: format!("`{name}` is generated for this entity"),
                    name,
                    kind: TypeKind::Derived,
                    owner: e.to_owned(),
                    span: ty.span,
                    fix: format!("rename entity `{e}`"),
                });
            }
            for (field, field_names) in entity.fields.iter().zip(&names.fields) {
                types.extend(enum_type(
                    field,
                    field_names,
                    e,
                    TypeKind::EntityEnum,
                    format!("of `{e}`"),
                ));
            }
        }
        for (event, names) in spec
            .events
            .publish
            .iter()
            .zip(&table.publish)
            .chain(spec.events.consume.iter().zip(&table.consume))
        {
            let name = names.ty.text.as_str();
            if named(name) {
                types.push(GeneratedType {
                    name: name.to_owned(),
                    kind: TypeKind::Event,
                    owner: name.to_owned(),
                    span: event.name.span,
                    what: format!("event `{name}`"),
                    here: format!("`{name}` is defined here"),
                    fix: format!("rename event `{name}`"),
                });
            }
        }
        for names in &table.operations {
            let Endpoint::Custom(c) = &spec.endpoints[names.endpoint] else {
                continue;
            };
            let name = c.name.value.as_str();
            if !is_snake(name) || !can_be_ident(name) {
                continue;
            }
            for (body, inline, key) in [
                (&c.request, &names.request, "request"),
                (&c.response, &names.response, "response"),
            ] {
                let (Some(Body::Inline { fields, .. }), Some(inline)) = (body, inline) else {
                    continue;
                };
                let ty = inline.ty.text.clone();
                types.push(GeneratedType {
                    what: format!("the {key} type `{ty}` of endpoint `{name}`"),
                    here: format!("`{ty}` is generated for this endpoint's `{key}`"),
                    name: ty.clone(),
                    kind: TypeKind::Body,
                    owner: name.to_owned(),
                    span: inline.ty.span,
                    fix: format!("rename endpoint `{name}`"),
                });
                for (field, field_names) in fields.iter().zip(&inline.fields) {
                    types.extend(enum_type(
                        field,
                        field_names,
                        &ty,
                        TypeKind::BodyEnum,
                        format!("in the `{key}` of endpoint `{name}`"),
                    ));
                }
            }
        }
        for module in modules {
            let fix = match (module.entity, module.endpoint) {
                (Some(e), _) => format!(
                    "give entity `{}` another `table:`",
                    table.entities[e].ty.text
                ),
                (None, Some(index)) => match &spec.endpoints[index] {
                    Endpoint::Custom(c) => format!(
                        "change the first path segment of endpoint `{}`",
                        show(&c.name.value)
                    ),
                    Endpoint::Resource(_) => continue,
                },
                (None, None) => continue,
            };
            let file = &module.file.text;
            for (ty, what) in [
                (&module.service, "struct"),
                (&module.service_trait, "trait"),
            ] {
                let name = ty.text.clone();
                types.push(GeneratedType {
                    what: format!("the service {what} `{name}` of module `{file}`"),
                    here: format!("`{name}` is generated for module `{file}` here"),
                    name,
                    kind: TypeKind::Service,
                    owner: file.clone(),
                    span: ty.span,
                    fix: fix.clone(),
                });
            }
        }
        types
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TypeKind {
    Entity,
    Event,
    /// `New<E>`, `<E>Patch`, `<E>Filter`.
    Derived,
    /// The enum of an entity's enum field.
    EntityEnum,
    /// The type of an inline request or response.
    Body,
    /// The enum of an enum field in an inline body.
    BodyEnum,
    /// A service struct or trait.
    Service,
}

impl TypeKind {
    /// Named in the spec rather than generated.
    fn is_named(self) -> bool {
        matches!(self, TypeKind::Entity | TypeKind::Event)
    }
}

/// A Rust type that the spec names, or that the generated code derives from it.
struct GeneratedType {
    name: String,
    kind: TypeKind,
    /// What it comes from: the entity, event, endpoint, body type or module name.
    owner: String,
    /// Where it comes from.
    span: Span,
    /// For messages: "entity `Payment`", "the request type `CaptureRequest` of endpoint
    /// `capture`".
    what: String,
    /// The label at `span` when the other type is reported.
    here: String,
    /// How to avoid the clash from this side: "rename entity `Payment`".
    fix: String,
}

impl GeneratedType {
    /// How to avoid a clash with `other`: rename either, unless both come from one owner
    /// (an entity and its enum field `patch`), where only renaming the field helps.
    fn fix_with(&self, other: &GeneratedType) -> String {
        let field = |t: &GeneratedType| matches!(t.kind, TypeKind::EntityEnum | TypeKind::BodyEnum);
        if self.owner == other.owner && field(self) {
            self.fix.clone()
        } else if self.owner == other.owner && field(other) {
            other.fix.clone()
        } else {
            format!("{}, or {}", self.fix, other.fix)
        }
    }

    /// Whether a clash between `self` and `other` is reported by another check.
    fn reported_elsewhere(&self, other: &GeneratedType) -> bool {
        use TypeKind::*;
        let same_owner = self.owner == other.owner;
        match (self.kind, other.kind) {
            (Entity, Derived) | (Derived, Entity) => true,
            (Event, Entity | Derived | Event) | (Entity | Derived, Event) => true,
            (EntityEnum, Entity | Event) | (Entity | Event, EntityEnum) => true,
            // Two fields of one owner, or of owners that clash themselves; two endpoints of
            // one name: reported as such.
            (EntityEnum | BodyEnum, EntityEnum | BodyEnum) | (Body, Body) => same_owner,
            _ => false,
        }
    }
}

/// The enum type generated for `field` when it is a valid enum field of `owner`.
fn enum_type(
    field: &Field,
    names: &FieldNames,
    owner: &str,
    kind: TypeKind,
    of: String,
) -> Option<GeneratedType> {
    let name = field.name.value.as_str();
    let ty = names.enum_type.as_ref()?;
    if !is_snake(name) || !can_be_ident(name) {
        return None;
    }
    Some(GeneratedType {
        what: format!("the enum type `{}` of field `{name}` {of}", ty.text),
        here: format!("`{}` is generated for this field", ty.text),
        name: ty.text.clone(),
        kind,
        owner: owner.to_owned(),
        span: ty.span,
        fix: format!("rename field `{name}` {of}"),
    })
}

// ---------------------------------------------------------------------------------------------
// Numbers.

/// What is wrong with `n` as a bound or default of an integer field, if anything.
fn integer_problem(ty: FieldType, n: &Number, what: &str) -> Option<String> {
    let (low, high, rust) = match ty {
        FieldType::Int => (i32::MIN as i128, i32::MAX as i128, "i32"),
        FieldType::Bigint => (i64::MIN as i128, i64::MAX as i128, "i64"),
        _ => return None,
    };
    if !n.is_integer() {
        return Some(format!(
            "{what} must be a whole number for {} `{ty}` field, found `{}`",
            article(ty),
            n.text
        ));
    }
    match n.text.parse::<i128>() {
        Ok(v) if (low..=high).contains(&v) => None,
        _ => Some(format!(
            "{what} {} is out of range for {} `{ty}` field ({rust}: {low} to {high})",
            n.text,
            article(ty)
        )),
    }
}

/// Why a number cannot be a bound or default of a `decimal` field, and how to write it.
/// The generated code holds it as `Decimal::new(mantissa, scale)`, written digit for digit.
fn decimal_problem(ty: FieldType, text: &str, what: &str) -> Option<(String, String)> {
    if ty != FieldType::Decimal {
        return None;
    }
    if text.contains(['e', 'E']) {
        return Some((
            format!("{what} of a `decimal` field is written with an exponent, found `{text}`"),
            "write the digits out, e.g. `1500` rather than `1.5e3`".to_owned(),
        ));
    }
    let unsigned = text.trim_start_matches(['-', '+']);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    if frac.len() > MAX_DECIMAL_SCALE {
        return Some((
            format!(
                "{what} {text} has {} decimal places; a `decimal` has at most {MAX_DECIMAL_SCALE}",
                frac.len()
            ),
            "round it".to_owned(),
        ));
    }
    let digits = format!("{int}{frac}");
    let significant = digits.trim_start_matches('0').len();
    (significant > MAX_DECIMAL_DIGITS).then(|| {
        (
            format!(
                "{what} {text} has {significant} digits; a `decimal` bound or default has at most {MAX_DECIMAL_DIGITS}"
            ),
            "use fewer digits".to_owned(),
        )
    })
}

fn integer_help(ty: FieldType) -> Option<String> {
    match ty {
        FieldType::Int => {
            Some("use `bigint` for larger whole numbers, or `decimal` for fractions".to_owned())
        }
        FieldType::Bigint => Some("use `decimal` for larger numbers or fractions".to_owned()),
        _ => None,
    }
}

/// The useful line of a regex compile error.
fn regex_error(e: &regex::Error) -> String {
    match e {
        regex::Error::CompiledTooBig(_) => "it is too large".to_owned(),
        regex::Error::Syntax(text) => text
            .lines()
            .rev()
            .find_map(|l| l.trim().strip_prefix("error: "))
            .unwrap_or("invalid syntax")
            .to_owned(),
        _ => e.to_string(),
    }
}

// ---------------------------------------------------------------------------------------------
// Routes.

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    Static(String),
    Param(String),
}

struct Route {
    method: Method,
    segments: Vec<Segment>,
    /// Where each segment is written (the whole reference for resource routes).
    spans: Vec<Span>,
    span: Span,
    /// Comes from a resource endpoint.
    resource: bool,
    /// What defines the route, for messages: "endpoint `x`".
    describe: String,
}

impl Route {
    /// A route of the resource endpoint written at `span`: the whole reference stands for each
    /// segment.
    fn of_resource(method: Method, segments: Vec<Segment>, span: Span, describe: String) -> Self {
        Self {
            method,
            spans: vec![span; segments.len()],
            segments,
            span,
            resource: true,
            describe,
        }
    }

    /// The path with parameters normalised to `{}`.
    fn shape(&self) -> Vec<Option<&str>> {
        self.segments
            .iter()
            .map(|s| match s {
                Segment::Static(s) => Some(s.as_str()),
                Segment::Param(_) => None,
            })
            .collect()
    }

    fn display(&self) -> String {
        let mut out = String::new();
        for s in &self.segments {
            out.push('/');
            match s {
                Segment::Static(s) => out.push_str(s),
                Segment::Param(p) => {
                    out.push('{');
                    out.push_str(p);
                    out.push('}');
                }
            }
        }
        if out.is_empty() {
            out.push('/');
        }
        out
    }

    /// Two routes that share a prefix must name a parameter at the same place the same way,
    /// whatever their methods: the router keeps one tree of paths.
    /// The index of the first such parameter here, and the other route's name for it.
    fn param_conflict<'r>(&self, other: &'r Route) -> Option<(usize, &'r str)> {
        for (i, (a, b)) in self.segments.iter().zip(&other.segments).enumerate() {
            match (a, b) {
                (Segment::Static(x), Segment::Static(y)) if x == y => continue,
                (Segment::Param(x), Segment::Param(y)) if x == y => continue,
                (Segment::Param(_), Segment::Param(y)) => return Some((i, y)),
                _ => return None,
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{check, Source};

    fn problems(text: &str) -> Vec<String> {
        match check(&Source::new("msgen.yaml", text)) {
            Ok(_) => Vec::new(),
            Err(d) => d.iter().map(|d| d.message.clone()).collect(),
        }
    }

    const HEAD: &str = "service: shop\n";

    #[test]
    fn name_shapes() {
        assert!(
            is_kebab("payment-service")
                && is_kebab("a1-b2")
                && !is_kebab("a--b")
                && !is_kebab("-a")
                && !is_kebab("A")
        );
        assert!(
            is_pascal("Payment")
                && is_pascal("Http2")
                && !is_pascal("payment")
                && !is_pascal("Pay_ment")
        );
        assert!(
            is_snake("order_id")
                && is_snake("a1")
                && !is_snake("a__b")
                && !is_snake("a_")
                && !is_snake("1a")
                && !is_snake("orderId")
        );
        assert!(
            is_enum_value("checked-in")
                && is_enum_value("a_b")
                && !is_enum_value("a-")
                && !is_enum_value("A")
        );
        assert!(
            is_subject("payments.payment_succeeded")
                && !is_subject("payments.*")
                && !is_subject("a..b")
                && !is_subject("a b")
        );
    }

    #[test]
    fn versions_dates_and_times() {
        assert!(
            is_semver("0.1.0")
                && is_semver("1.2.3-beta.1+build.5")
                && !is_semver("1.0")
                && !is_semver("01.2.3")
                && !is_semver("1.2.3-")
        );
        // What Cargo refuses in a package version.
        assert!(
            is_semver("1.0.0-0.3.7+build.007")
                && is_semver("1.0.0-x.7.z.92")
                && is_semver("18446744073709551615.0.0")
                && !is_semver("1.0.0-01")
                && !is_semver("1.0.0-beta.007")
                && !is_semver("18446744073709551616.0.0")
        );
        assert!(
            is_date("2024-02-29")
                && !is_date("2023-02-29")
                && !is_date("2024-13-01")
                && !is_date("2024-1-01")
        );
        assert!(
            is_datetime("2024-01-31T09:30:00Z") && is_datetime("2024-01-31T09:30:00.123+02:00")
        );
        assert!(
            !is_datetime("2024-01-31 09:30:00")
                && !is_datetime("2024-01-31T25:00:00Z")
                && !is_datetime("2024-01-31T09:30Z")
        );
        assert!(
            is_uuid("3f2b8c1e-5d4a-4e7b-9c0d-2a1b3c4d5e6f")
                && !is_uuid("3f2b8c1e5d4a4e7b9c0d2a1b3c4d5e6f")
        );
    }

    #[test]
    fn derived_type_names_clash() {
        let text = format!("{HEAD}entities:\n  Payment: {{ fields: {{ a: int }} }}\n  NewPayment: {{ fields: {{ a: int }} }}\n  PaymentFilter: {{ fields: {{ a: int }} }}\n");
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].contains("for creating a `Payment`"), "{p:?}");
    }

    #[test]
    fn routes_collide_across_resource_and_custom_endpoints() {
        let text = format!("{HEAD}entities:\n  Payment: {{ fields: {{ a: int }} }}\nendpoints:\n  - resource: Payment\n  - name: make\n    method: POST\n    path: /payments\n  - name: other\n    method: GET\n    path: /payments/{{payment_id}}/x\n    params: {{ payment_id: uuid }}\n");
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].starts_with(
                "route `POST /payments` is already defined by the resource endpoint for `Payment`"
            ),
            "{p:?}"
        );
        assert!(p[1].contains("`{payment_id}`"), "{p:?}");
    }

    #[test]
    fn defaults_must_fit() {
        let fields = [
            ("{ type: int, default: 1.5 }", "whole number"),
            ("{ type: int, default: 3000000000 }", "out of range"),
            ("{ type: bigint, default: 3000000000 }", ""),
            ("{ type: int, min: 5, default: 1 }", "less than `min`"),
            ("{ type: string, default: 5 }", "must be a string"),
            (
                "{ type: string, max_length: 2, default: abc }",
                "longer than `max_length`",
            ),
            (
                "{ type: string, pattern: '^[a-z]+$', default: ABC }",
                "does not match",
            ),
            (
                "{ type: string, format: email, default: nobody }",
                "not an email",
            ),
            (
                "{ type: enum, values: [a, b], default: c }",
                "not one of the values",
            ),
            ("{ type: uuid, default: nope }", "must be a uuid"),
            ("{ type: date, default: 2023-02-29 }", "must be a date"),
            ("{ type: datetime, default: 2024-01-31T09:30:00Z }", ""),
            (
                "{ type: bool, default: \"true\" }",
                "must be `true` or `false`",
            ),
            ("{ type: json, default: x }", "not supported on json"),
            ("{ type: string, default: ~ }", "needs `optional: true`"),
            ("{ type: string, optional: true, default: ~ }", ""),
        ];
        for (field, expected) in fields {
            let text = format!("{HEAD}entities:\n  A:\n    fields:\n      f: {field}\n");
            let p = problems(&text);
            if expected.is_empty() {
                assert!(p.is_empty(), "{field}: {p:?}");
            } else {
                assert_eq!(p.len(), 1, "{field}: {p:?}");
                assert!(p[0].contains(expected), "{field}: {p:?}");
            }
        }
    }

    #[test]
    fn numbers_fit_what_the_generated_code_holds() {
        let fields = [
            ("{ type: float, default: 1e400 }", "too large a number"),
            ("{ type: decimal, default: 1e400 }", "too large a number"),
            ("{ type: float, min: 1e-3, max: 1.5e300, default: .5 }", ""),
            ("{ type: int, min: +1, max: 007, default: +5 }", ""),
            ("{ type: decimal, default: 1e3 }", "exponent"),
            ("{ type: decimal, min: 2.5E-1 }", "exponent"),
            (
                "{ type: decimal, max: 1234567890123456789 }",
                "has 19 digits",
            ),
            (
                "{ type: decimal, max: 123456789012345678, min: -0.0000000001 }",
                "",
            ),
            ("{ type: decimal, min: 0.00000000001 }", "11 decimal places"),
            (
                "{ type: string, max_length: 100000, min_length: 100000 }",
                "",
            ),
            (
                "{ type: string, max_length: 100001 }",
                "the most msgen supports",
            ),
            (
                "{ type: text, min_length: 18446744073709551615 }",
                "the most msgen supports",
            ),
        ];
        for (field, expected) in fields {
            let text = format!("{HEAD}entities:\n  A:\n    fields:\n      f: {field}\n");
            let p = problems(&text);
            if expected.is_empty() {
                assert!(p.is_empty(), "{field}: {p:?}");
            } else {
                assert_eq!(p.len(), 1, "{field}: {p:?}");
                assert!(p[0].contains(expected), "{field}: {p:?}");
            }
        }
    }

    #[test]
    fn keywords_as_field_names() {
        let text = format!("{HEAD}entities:\n  Match:\n    fields:\n      type: string\n      ref: int\n      match: bool\n      self: int\n");
        assert_eq!(problems(&text), ["`self` cannot be a field name"]);
    }

    const SHOP: &str = "service: shop\nentities:\n  Item: { fields: { name: string } }\n";

    fn endpoint(name: &str, path: &str, rest: &str) -> String {
        format!("  - name: {name}\n    method: POST\n    path: {path}\n{rest}")
    }

    #[test]
    fn paths_start_with_a_literal_segment() {
        let text = format!(
            "{SHOP}endpoints:\n{}{}",
            endpoint("root", "/", ""),
            endpoint("by_id", "/{id}/x", "    params: { id: uuid }\n")
        );
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert_eq!(p[0], "path `/` has no segment");
        assert_eq!(
            p[1],
            "path `/{id}/x` cannot start with the parameter `{id}`"
        );
    }

    #[test]
    fn first_segments_do_not_share_an_entity_module() {
        let ok = format!(
            "{SHOP}endpoints:\n{}",
            endpoint("count", "/items/count", "")
        );
        assert!(problems(&ok).is_empty(), "{:?}", problems(&ok));
        for path in ["/item/stats", "/Item/stats"] {
            let text = format!("{SHOP}endpoints:\n{}", endpoint("stats", path, ""));
            let p = problems(&text);
            if path == "/Item/stats" {
                // Not a valid segment in the first place: reported as such, and only so.
                assert_eq!(p.len(), 1, "{p:?}");
                assert!(p[0].starts_with("path segment `Item`"), "{p:?}");
            } else {
                assert_eq!(
                    p,
                    ["first path segment `item` is not the route of entity `Item`, but would share its module name `item`"]
                );
            }
        }
        let text = format!(
            "{SHOP}endpoints:\n{}{}",
            endpoint("a", "/daily-reports/a", ""),
            endpoint("b", "/daily_reports/b", "")
        );
        assert_eq!(
            problems(&text),
            ["first path segment `daily_reports` would share the module name `daily_reports` with `daily-reports`"]
        );
    }

    #[test]
    fn generated_types_have_names_of_their_own() {
        let text = format!(
            "{SHOP}  ItemsService: {{ fields: {{ a: int }} }}\nendpoints:\n  - resource: Item\n{}",
            endpoint(
                "new_item",
                "/items/new",
                "    request: { kind: { type: enum, values: [a, b] } }\n    response: { id: uuid }\n"
            )
        );
        let p = problems(&text);
        assert_eq!(p.len(), 1, "{p:?}");
        assert_eq!(
            p[0],
            "the service trait `ItemsService` of module `items` clashes with entity `ItemsService`"
        );
        // A request type named like an entity's create type; an event named like a response.
        let text = format!(
            "service: shop\nentities:\n  ItemRequest: {{ fields: {{ a: int }} }}\nendpoints:\n{}events:\n  publish:\n    NewItemResponse: {{ subject: a.b, payload: {{ a: int }} }}\n",
            endpoint(
                "new_item",
                "/orders/new",
                "    request: { a: int }\n    response: { a: int }\n"
            )
        );
        let p = problems(&text);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].starts_with("the request type `NewItemRequest` of endpoint `new_item` clashes with the create type `NewItemRequest`"), "{p:?}");
        assert!(
            p[1].starts_with("event `NewItemResponse` clashes with the response type"),
            "{p:?}"
        );
    }

    #[test]
    fn an_event_is_published_or_consumed() {
        let text = format!("{HEAD}events:\n  publish:\n    Done: {{ subject: a.done, payload: {{ a: int }} }}\n  consume:\n    Done: {{ subject: a.done, payload: {{ a: int }} }}\n");
        assert_eq!(
            problems(&text),
            ["event `Done` is both published and consumed"]
        );
    }

    #[test]
    fn managed_columns_take_only_a_type() {
        let text = format!("{HEAD}entities:\n  A:\n    fields:\n      id: {{ type: uuid, description: Key., unique: true, min: 1 }}\n      created_at: {{ type: datetime, index: false }}\n");
        assert_eq!(
            problems(&text),
            [
                "`unique` cannot be set on `id`: msgen manages this column",
                "`min` cannot be set on `id`: msgen manages this column",
                "`index` cannot be set on `created_at`: msgen manages this column",
            ]
        );
    }

    #[test]
    fn path_parameters_take_no_constraints() {
        let text = format!(
            "{SHOP}endpoints:\n{}",
            endpoint(
                "get",
                "/items/{code}",
                "    params: { code: { type: uuid, min_length: 3, description: The code. } }\n"
            )
        );
        assert_eq!(
            problems(&text),
            ["constraints on path parameters are not checked by the generated service; validate in the operation"]
        );
    }

    #[test]
    fn shape_and_meaning_problems_come_in_one_run() {
        let text = "service: Shop\nentities:\n  A:\n    fields:\n      a: strng\n      b: { type: int, min: 5, max: 1 }\n";
        assert_eq!(
            problems(text),
            [
                "service name `Shop` is not kebab-case",
                "unknown type `strng`",
                "`max` (1) is less than `min` (5)",
            ]
        );
    }

    /// Each spec has one shape problem, and nothing that follows from it is reported.
    #[test]
    fn follow_ups_of_shape_problems_are_not_reported() {
        let cases = [
            // A reference to an entity whose definition could not be read.
            (
                "service: shop\nentities:\n  A: { fields: { b: { type: ref, entity: B } } }\n  B: [x]\n",
                "expected a mapping for `B`, found a list",
            ),
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\n  B: { fieds: { a: int } }\nendpoints:\n  - resource: B\n  - name: go\n    method: POST\n    path: /go\n    request: B\n",
                "unknown key `fieds` in entity `B`",
            ),
            (
                "service: shop\nentites:\n  A: { fields: { a: int } }\nendpoints:\n  - resource: A\n",
                "unknown key `entites` at the top level",
            ),
            // A path parameter whose declaration could not be read.
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\nendpoints:\n  - name: go\n    method: POST\n    path: /go/{day}\n    params: { day: dat }\n",
                "unknown type `dat`",
            ),
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\nendpoints:\n  - name: go\n    method: POST\n    path: /go/{day}\n    params: [day]\n",
                "expected a mapping for `params`, found a list",
            ),
            // An inline body whose only field could not be read.
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\nendpoints:\n  - name: go\n    method: POST\n    path: /go\n    request: { n: integr }\n",
                "unknown type `integr`",
            ),
            // Keys of a field that were misspelt or could not be read.
            (
                "service: shop\nentities:\n  A: { fields: { s: { type: enum, valuse: [a, b] } } }\n",
                "unknown key `valuse` in field `s`",
            ),
            (
                "service: shop\nentities:\n  A: { fields: { s: { type: enum, values: [[a]] } } }\n",
                "expected a string for `values`, found a list",
            ),
            (
                "service: shop\nentities:\n  A: { fields: { r: { type: ref, references: A } } }\n",
                "unknown key `references` in field `r`",
            ),
            (
                "service: shop\nentities:\n  A: { fields: { n: { type: string, optional: yes, default: ~ } } }\n",
                "expected `true` or `false` for `optional`, found `yes`",
            ),
            // Operations that could not be read: neither "empty" nor all five routes.
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\nendpoints:\n  - resource: A\n    operations: [lsit]\n  - name: make\n    method: POST\n    path: /as\n",
                "unknown operation `lsit`",
            ),
            // A table that could not be read: its derived name means nothing.
            (
                "service: shop\nentities:\n  A: { table: bs, fields: { a: int } }\n  B: { table: [x], fields: { a: int } }\n",
                "expected a string for `table`, found a list",
            ),
            // Routes and modules are named after the entity, so they stay known.
            (
                "service: shop\nentities:\n  B: { table: [b], fields: { a: int } }\nendpoints:\n  - resource: B\n  - name: go\n    method: POST\n    path: /bs/x\n  - name: make\n    method: POST\n    path: /things\n",
                "expected a string for `table`, found a list",
            ),
            // Events that could not be read.
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\nendpoints:\n  - name: go\n    method: POST\n    path: /go\n    emits: [Done]\nevents:\n  publish:\n    Done: { subjet: a.done }\n",
                "unknown key `subjet` in event `Done`",
            ),
            (
                "service: shop\nentities:\n  A: { fields: { a: int } }\nendpoints:\n  - name: go\n    method: POST\n    path: /go\n    emits: [Done]\nevents:\n  produce:\n    Done: { subject: a.done }\n",
                "unknown key `produce` under `events`",
            ),
            // The service name, and a spec left with nothing.
            (
                "service: [shop]\nentities:\n  A: { fields: { a: int } }\n",
                "expected a string for `service`, found a list",
            ),
            (
                "name: shop\nentities:\n  A: { fields: { a: int } }\n",
                "unknown key `name` at the top level",
            ),
            (
                "service: shop\nentities:\n  A: [x]\n",
                "expected a mapping for `A`, found a list",
            ),
            (
                "service: shop\nevents: [x]\n",
                "expected a mapping for `events`, found a list",
            ),
        ];
        for (text, expected) in cases {
            assert_eq!(problems(text), [expected], "{text}");
        }
    }

    #[test]
    fn a_misspelt_reference_still_suggests_an_entity_that_could_not_be_read() {
        let text = "service: shop\nentities:\n  Payment: [x]\n  Refund: { fields: { p: { type: ref, entity: Paymnet } } }\n";
        let diagnostics = check(&Source::new("msgen.yaml", text)).unwrap_err();
        let last = diagnostics.iter().last().unwrap();
        assert_eq!(last.message, "entity `Paymnet` is not defined");
        assert_eq!(last.help.as_deref(), Some("did you mean `Payment`?"));
    }

    #[test]
    #[allow(clippy::invalid_regex)] // an invalid pattern is the point
    fn regex_errors_are_short() {
        let e = regex::Regex::new("(abc").unwrap_err();
        assert_eq!(regex_error(&e), "unclosed group");
    }
}
