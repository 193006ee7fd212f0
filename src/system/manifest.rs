//! `msgen-system.yaml`: a system's name, its services (folders holding a `msgen.yaml`) and
//! what they share. Read like a spec: every problem of its shape reported at once, with spans.

use crate::spec::yaml::{did_you_mean, expected, found, parse, show, suggest_key, Kind, Node};
use crate::spec::{is_kebab, Broker, Diagnostic, Source, Span, Spanned};

/// The file name of a system manifest.
pub const FILE: &str = "msgen-system.yaml";

/// The ports `msgen system new` gives a system, and the range of one whose manifest names none.
pub const DEFAULT_PORTS: (u16, u16) = (8080, 8099);

const KEYS: [&str; 7] = [
    "system",
    "description",
    "owner",
    "broker",
    "events_prefix",
    "ports",
    "services",
];

/// A decoded system manifest.
#[derive(Debug, Clone)]
pub struct Manifest {
    /// The system's name, kebab-case.
    pub name: Spanned<String>,
    pub description: Option<Spanned<String>>,
    /// Who owns the system and its services in a software catalog: a Backstage entity
    /// reference (`shop-team`, `group:default/shop-team`).
    pub owner: Option<Spanned<String>>,
    /// The broker every service with events uses.
    pub broker: Option<Spanned<Broker>>,
    /// Put, with a `.`, before every subject of the system's services (their `EVENTS_PREFIX`),
    /// so that systems sharing a broker keep their events apart.
    pub events_prefix: Option<Spanned<String>>,
    /// The range every service's port is in, both ends included.
    pub ports: Option<Spanned<(u16, u16)>>,
    /// The services' folders, relative to the manifest's folder, in the order written.
    pub services: Vec<Spanned<String>>,
}

impl Manifest {
    /// The system's owner in a software catalog: `owner:`, or [`default_owner`].
    pub fn owner(&self) -> String {
        self.owner
            .as_ref()
            .map_or_else(|| default_owner(&self.name.value), |o| o.value.clone())
    }

    /// The services' `EVENTS_PREFIX`: `events_prefix:` and a `.`, or empty.
    pub fn events_prefix(&self) -> String {
        self.events_prefix
            .as_ref()
            .map_or_else(String::new, |p| format!("{}.", p.value))
    }

    /// The range of ports the services may use.
    pub fn port_range(&self) -> (u16, u16) {
        self.ports.as_ref().map_or(DEFAULT_PORTS, |p| p.value)
    }
}

/// The owner of a system whose manifest names none: `<system>-team`.
pub fn default_owner(system: &str) -> String {
    format!("{system}-team")
}

/// Reads a manifest, or every problem of its shape.
pub fn decode(source: &Source) -> Result<Manifest, Vec<Diagnostic>> {
    let root = parse(&source.text).map_err(|d| vec![d])?;
    let Kind::Map(entries) = &root.kind else {
        return Err(vec![Diagnostic::error(
            root.span,
            format!(
                "a system manifest is a mapping with `system:` and `services:`, found {}",
                found(&root)
            ),
        )]);
    };
    let mut problems = Vec::new();
    let mut name = None;
    let mut description = None;
    let mut owner = None;
    let mut broker = None;
    let mut events_prefix = None;
    let mut ports = None;
    let mut services = None;
    for entry in entries {
        let value = &entry.value;
        match entry.key.value.as_str() {
            "system" => name = text(value, "system", &mut problems),
            "description" => description = text(value, "description", &mut problems),
            "owner" => {
                owner = text(value, "owner", &mut problems).filter(|o| {
                    let fine = !o.value.is_empty()
                        && o.value.len() <= 253
                        && o.value.bytes().all(|b| {
                            b.is_ascii_alphanumeric() || matches!(b, b':' | b'/' | b'.' | b'_' | b'-')
                        });
                    if !fine {
                        problems.push(
                            Diagnostic::error(
                                o.span,
                                format!("`{}` is not a catalog owner", show(&o.value)),
                            )
                            .with_help("a group or user as Backstage names them: `shop-team`, `group:default/shop-team`"),
                        );
                    }
                    fine
                });
            }
            "broker" => {
                broker = text(value, "broker", &mut problems).and_then(|b| {
                    match Broker::parse(&b.value) {
                        Some(kind) => Some(Spanned::new(kind, b.span)),
                        None => {
                            let mut d = Diagnostic::error(
                                b.span,
                                format!("unknown broker `{}`", show(&b.value)),
                            )
                            .with_help(format!("one of: {}", Broker::ALL.join(", ")));
                            if let Some(meant) = did_you_mean(&b.value, Broker::ALL) {
                                d = d.with_help(format!("did you mean `{meant}`?"));
                            }
                            problems.push(d);
                            None
                        }
                    }
                });
            }
            "events_prefix" => {
                events_prefix = text(value, "events_prefix", &mut problems).filter(|p| {
                    let fine = is_events_prefix(&p.value);
                    if !fine {
                        problems.push(
                            Diagnostic::error(
                                p.span,
                                format!("`{}` is not an events prefix", show(&p.value)),
                            )
                            .with_help("lowercase letters, digits, `_` and `-` in parts joined by `.`, at most 40 characters, without the last `.`: `shop`, `acme.shop`"),
                        );
                    }
                    fine
                });
            }
            "ports" => {
                ports = text(value, "ports", &mut problems).and_then(|p| {
                    let range = port_range(&p.value);
                    if range.is_none() {
                        problems.push(
                            Diagnostic::error(
                                p.span,
                                format!("`ports` must be a range like `8080-8099`, found `{}`", show(&p.value)),
                            )
                            .with_help("two ports from 1 to 65535 joined by `-`, the first not above the second"),
                        );
                    }
                    range.map(|r| Spanned::new(r, p.span))
                });
            }
            "services" => services = folders(value, &mut problems),
            other => {
                let mut d = Diagnostic::error(
                    entry.key.span,
                    format!("unknown key `{}` in a system manifest", show(other)),
                );
                d = match suggest_key(other, &KEYS) {
                    Some(meant) => d.with_help(format!("did you mean `{meant}`?")),
                    None => d.with_help(format!("the keys are {}", KEYS.join(", "))),
                };
                problems.push(d);
            }
        }
    }
    let at_start = Span::new(root.span.start, root.span.start);
    match &name {
        Some(n) if !is_kebab(&n.value) || n.value.len() > 63 => problems.push(
            Diagnostic::error(
                n.span,
                format!("system name `{}` is not kebab-case", show(&n.value)),
            )
            .with_help("lowercase letters and digits in parts joined by `-`, at most 63 characters (a software catalog's limit): `shop`, `order-platform`"),
        ),
        Some(_) => {}
        None if !entries.iter().any(|e| e.key.value == "system") => problems.push(
            Diagnostic::error(at_start, "the manifest names no system")
                .with_help("add `system: <name>`, kebab-case"),
        ),
        None => {}
    }
    if services.is_none() && !entries.iter().any(|e| e.key.value == "services") {
        problems.push(
            Diagnostic::error(at_start, "the manifest lists no services")
                .with_help("add `services: []`; `msgen new <service>` in this folder adds each new service to it"),
        );
    }
    match (name, services) {
        (Some(name), Some(services)) if problems.is_empty() => Ok(Manifest {
            name,
            description,
            owner,
            broker,
            events_prefix,
            ports,
            services,
        }),
        _ => Err(problems),
    }
}

/// Whether `prefix` can start every subject, queue and topic name of every broker: parts of
/// lowercase letters, digits, `_` and `-`, joined by `.`.
fn is_events_prefix(prefix: &str) -> bool {
    prefix.len() <= 40
        && prefix.split('.').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        })
}

/// A string value, or a problem.
fn text(node: &Node, key: &str, problems: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    match &node.kind {
        Kind::Scalar { text, .. } => Some(Spanned::new(text.clone(), node.span)),
        _ => {
            problems.push(expected(node, "a string", key));
            None
        }
    }
}

/// `8080-8099`.
fn port_range(text: &str) -> Option<(u16, u16)> {
    let (low, high) = text.split_once('-')?;
    let port = |s: &str| {
        s.trim()
            .parse::<u16>()
            .ok()
            .filter(|p| *p > 0 && s.trim().bytes().all(|b| b.is_ascii_digit()))
    };
    let (low, high) = (port(low)?, port(high)?);
    (low <= high).then_some((low, high))
}

/// The `services:` list: plain relative folder names, each once.
fn folders(node: &Node, problems: &mut Vec<Diagnostic>) -> Option<Vec<Spanned<String>>> {
    let items = match &node.kind {
        Kind::Seq(items) => items,
        Kind::Null => return Some(Vec::new()),
        _ => {
            problems.push(expected(node, "a list of folders", "services"));
            return None;
        }
    };
    let mut out: Vec<Spanned<String>> = Vec::new();
    for item in items {
        let Some(folder) = text(item, "services", problems) else {
            continue;
        };
        if let Some(problem) = folder_problem(&folder.value) {
            problems.push(
                Diagnostic::error(folder.span, problem)
                    .with_help("a folder beside the manifest or below it, written with `/`: `payment-service`, `services/payment`"),
            );
            continue;
        }
        if let Some(first) = out.iter().find(|f| f.value == folder.value) {
            problems.push(
                Diagnostic::error(
                    folder.span,
                    format!("`{}` is listed twice", show(&folder.value)),
                )
                .with_related(first.span, "first listed here"),
            );
            continue;
        }
        out.push(folder);
    }
    Some(out)
}

fn folder_problem(folder: &str) -> Option<String> {
    if folder.is_empty() {
        return Some("a service folder cannot be empty".to_owned());
    }
    if folder.starts_with('/') || folder.contains('\\') || folder.contains(':') {
        return Some(format!(
            "`{}` is not a relative folder written with `/`",
            show(folder)
        ));
    }
    if folder
        .split('/')
        .any(|part| matches!(part, "" | "." | ".."))
    {
        return Some(format!(
            "`{}` has an empty, `.` or `..` part; services live in the manifest's folder or below it",
            show(folder)
        ));
    }
    if folder.split('/').next() == Some(super::gateway::FOLDER) {
        return Some(format!(
            "`{}` is where `msgen system generate` writes the system's gateway; give the service another folder",
            show(folder)
        ));
    }
    None
}

/// The manifest's text with `folder` added at the end of its `services:` list, keeping every
/// other byte (comments and layout) as it was. `text` must be a manifest that decodes.
pub fn with_service(text: &str, folder: &str) -> Option<String> {
    let root = parse(text).ok()?;
    let Kind::Map(entries) = &root.kind else {
        return None;
    };
    let entry = entries.iter().find(|e| e.key.value == "services")?;
    let value = &entry.value;
    let mut out = text.to_owned();
    match &value.kind {
        Kind::Seq(items) if text[value.span.start..].starts_with('[') => {
            let close = value.span.end.checked_sub(1)?;
            let insert = match items.last() {
                Some(_) => format!(", {folder}"),
                None => folder.to_owned(),
            };
            // After the last item (or the `[`), before any space or comment up to the `]`.
            let at = items
                .last()
                .map_or(value.span.start + 1, |last| last.span.end);
            debug_assert!(at <= close);
            out.insert_str(at, &insert);
        }
        Kind::Seq(items) => {
            let last = items.last()?;
            let line_start = text[..last.span.start].rfind('\n').map_or(0, |i| i + 1);
            let prefix = &text[line_start..last.span.start];
            // `  - ` (or `- ` at the margin): the item marker of the list, to repeat.
            if prefix.trim() != "-" {
                return None;
            }
            let line_end = text[last.span.end..]
                .find('\n')
                .map_or(text.len(), |i| last.span.end + i);
            out.insert_str(line_end, &format!("\n{prefix}{folder}"));
        }
        Kind::Null => {
            let line_end = text[entry.key.span.end..]
                .find('\n')
                .map_or(text.len(), |i| entry.key.span.end + i);
            let line = &text[entry.key.span.end..line_end];
            if !line.trim_start().trim_start_matches(':').trim().is_empty()
                && !line
                    .trim_start()
                    .trim_start_matches(':')
                    .trim_start()
                    .starts_with('#')
            {
                return None;
            }
            let indent = &text[text[..entry.key.span.start]
                .rfind('\n')
                .map_or(0, |i| i + 1)..entry.key.span.start];
            out.insert_str(line_end, &format!("\n{indent}  - {folder}"));
        }
        _ => return None,
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Some(out)
}

/// The manifest `msgen system new <name>` writes.
pub fn starter(name: &str) -> String {
    format!(
        "\
# The services of the {name} system and what they share; reference: docs/systems.md.
# `msgen new <service>` in this folder creates a service and lists it here.
system: {name}
description: What the {name} system does, in a sentence.
# Who owns it in a software catalog (Backstage): a group or user.
owner: {owner}
# The broker of every service that publishes or consumes events.
broker: nats
# Put before every subject (`{name}.<subject>`), to share the broker with other systems.
# events_prefix: {name}
# Every service listens on its own port from this range.
ports: {}-{}
services: []
",
        DEFAULT_PORTS.0,
        DEFAULT_PORTS.1,
        owner = default_owner(name),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(text: &str) -> Result<Manifest, Vec<String>> {
        decode(&Source::new(FILE, text))
            .map_err(|list| list.into_iter().map(|d| d.message).collect())
    }

    #[test]
    fn the_starter_manifest_decodes() {
        let manifest = decoded(&starter("order-platform")).unwrap();
        assert_eq!(manifest.name.value, "order-platform");
        assert_eq!(manifest.broker.as_ref().unwrap().value, Broker::Nats);
        assert_eq!(manifest.port_range(), DEFAULT_PORTS);
        assert!(manifest.services.is_empty());
    }

    #[test]
    fn every_shape_problem_is_reported_at_once() {
        let problems = decoded(
            "system: Shop\nbrokr: nats\nports: 9000-8000\nservices:\n  - a\n  - ../b\n  - a\n  - gateway/c\n",
        )
        .unwrap_err();
        assert_eq!(
            problems,
            [
                "unknown key `brokr` in a system manifest",
                "`ports` must be a range like `8080-8099`, found `9000-8000`",
                "`../b` has an empty, `.` or `..` part; services live in the manifest's folder or below it",
                "`a` is listed twice",
                "`gateway/c` is where `msgen system generate` writes the system's gateway; give the service another folder",
                "system name `Shop` is not kebab-case",
            ]
        );
    }

    #[test]
    fn events_prefixes_are_parts_joined_by_dots() {
        let manifest = |prefix: &str| {
            decoded(&format!(
                "system: shop\nevents_prefix: {prefix}\nservices: []\n"
            ))
        };
        for fine in ["shop", "acme.shop", "eu-west_1.shop2"] {
            let decoded = manifest(fine).unwrap();
            assert_eq!(decoded.events_prefix(), format!("{fine}."));
        }
        for wrong in [
            "shop.",
            ".shop",
            "a..b",
            "Shop",
            "shop*",
            "a b",
            &"x".repeat(41),
        ] {
            let problems = manifest(wrong).unwrap_err();
            assert_eq!(
                problems,
                [format!("`{wrong}` is not an events prefix")],
                "{wrong}"
            );
        }
        let without = decoded("system: shop\nservices: []\n").unwrap();
        assert_eq!(without.events_prefix(), "");
    }

    #[test]
    fn a_manifest_without_system_or_services_says_what_to_add() {
        let problems = decoded("description: x\n").unwrap_err();
        assert_eq!(
            problems,
            [
                "the manifest names no system",
                "the manifest lists no services"
            ]
        );
    }

    #[test]
    fn a_service_is_appended_to_each_shape_of_list() {
        let cases = [
            ("system: s\nservices: []\n", "system: s\nservices: [a]\n"),
            (
                "system: s\nservices: [x, y]  # two\n",
                "system: s\nservices: [x, y, a]  # two\n",
            ),
            (
                "system: s\nservices:\n  - x  # first\n# end\n",
                "system: s\nservices:\n  - x  # first\n  - a\n# end\n",
            ),
            (
                "services:\n- x\nsystem: s",
                "services:\n- x\n- a\nsystem: s\n",
            ),
            (
                "system: s\nservices:   # none yet\n",
                "system: s\nservices:   # none yet\n  - a\n",
            ),
        ];
        for (before, after) in cases {
            let out = with_service(before, "a").unwrap();
            assert_eq!(out, after, "appending to {before:?}");
            let manifest = decoded(&out).unwrap();
            assert_eq!(manifest.services.last().unwrap().value, "a");
        }
    }

    #[test]
    fn port_ranges_are_read_strictly() {
        assert_eq!(port_range("8080-8099"), Some((8080, 8099)));
        assert_eq!(port_range("8080-8080"), Some((8080, 8080)));
        assert_eq!(port_range("0-10"), None);
        assert_eq!(port_range("8080"), None);
        assert_eq!(port_range("8080-70000"), None);
        assert_eq!(port_range("+1-5"), None);
    }
}
