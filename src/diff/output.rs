//! A diff's report in the formats its readers want: people (text), tools (JSON), GitHub
//! Actions (workflow annotations) and CI test reports (JUnit XML).

use std::fmt::Write as _;

use serde::Serialize;
use serde_json::json;

use super::rules::Severity;
use super::Change;
use crate::spec::diagnostics::line_col;
use crate::spec::{Source, Span};

/// The two versions compared, for naming places in them.
pub struct Sides<'a> {
    /// The old spec, named as the reader knows it: `msgen.yaml@main`.
    pub before: &'a Source,
    pub after: &'a Source,
    /// What the old version was given as: a git ref or a file.
    pub against: &'a str,
}

/// A place in one of the two files.
#[derive(Debug, Serialize)]
struct Place {
    file: String,
    line: usize,
    column: usize,
}

fn place(source: &Source, span: Option<Span>) -> Option<Place> {
    let span = span?;
    let (line, column) = line_col(&source.text, span.start);
    Some(Place {
        file: source.name.display().to_string(),
        line,
        column,
    })
}

fn at(source: &Source, span: Option<Span>) -> Option<String> {
    let p = place(source, span)?;
    Some(format!("{}:{}:{}", p.file, p.line, p.column))
}

/// How many changes there are of each severity, and how many of them were accepted.
fn summary(changes: &[Change]) -> String {
    let count = |s: Severity| {
        changes
            .iter()
            .filter(|c| c.severity == s && c.accepted.is_none())
            .count()
    };
    let accepted = changes.iter().filter(|c| c.accepted.is_some()).count();
    let mut parts = vec![
        format!("{} breaking", count(Severity::Breaking)),
        format!("{} warning", count(Severity::Warning)),
        format!("{} info", count(Severity::Info)),
    ];
    if accepted > 0 {
        parts.push(format!("{accepted} accepted"));
    }
    parts.join(", ")
}

/// For people: each change on a line of its own, with where it is in both files, then a
/// summary. Nothing at all when nothing changed.
pub fn text(changes: &[Change], sides: &Sides) -> String {
    let mut out = String::new();
    if changes.is_empty() {
        return out;
    }
    for c in changes {
        let severity = c.severity.as_str();
        if c.also_at.is_empty() {
            let _ = writeln!(out, "{severity}: {}: {} [{}]", c.at, c.message, c.rule);
        } else {
            let _ = writeln!(out, "{severity}: {} [{}]", c.message, c.rule);
            let _ = writeln!(out, "  in: {}", c.at);
            for at in &c.also_at {
                let _ = writeln!(out, "      {at}");
            }
        }
        if let Some(before) = at(sides.before, c.before) {
            let _ = writeln!(out, "  before: {before}");
        }
        if let Some(after) = at(sides.after, c.after) {
            let _ = writeln!(out, "  after:  {after}");
        }
        if !c.used_by.is_empty() {
            let _ = writeln!(out, "  used by: {}", c.used_by.join(", "));
        }
        if let Some(reason) = &c.accepted {
            let _ = writeln!(out, "  accepted: {reason}");
        }
    }
    let _ = writeln!(out, "\n{} against {}", summary(changes), sides.against);
    out
}

/// For tools: every change with both places, and the counts.
pub fn json(changes: &[Change], sides: &Sides) -> String {
    let mut text =
        serde_json::to_string_pretty(&json_value(changes, sides)).expect("JSON serializes");
    text.push('\n');
    text
}

/// The JSON report as data, for putting several in one document.
pub fn json_value(changes: &[Change], sides: &Sides) -> serde_json::Value {
    let list: Vec<serde_json::Value> = changes
        .iter()
        .map(|c| {
            let mut value = serde_json::to_value(c).expect("a change serializes");
            value["before"] = json!(place(sides.before, c.before));
            value["after"] = json!(place(sides.after, c.after));
            value
        })
        .collect();
    let count = |s: Severity| {
        changes
            .iter()
            .filter(|c| c.severity == s && c.accepted.is_none())
            .count()
    };
    json!({
        "against": sides.against,
        "changes": list,
        "summary": {
            "breaking": count(Severity::Breaking),
            "warning": count(Severity::Warning),
            "info": count(Severity::Info),
            "accepted": changes.iter().filter(|c| c.accepted.is_some()).count(),
        },
    })
}

/// For GitHub Actions: one workflow command per change, at its place in the new file (a
/// change with no place there is annotated on the file as a whole).
pub fn github(changes: &[Change], sides: &Sides) -> String {
    let mut out = String::new();
    for c in changes {
        let level = match (c.severity, &c.accepted) {
            (_, Some(_)) | (Severity::Info, _) => "notice",
            (Severity::Warning, _) => "warning",
            (Severity::Breaking, _) => "error",
        };
        let mut properties = format!(
            "file={}",
            escape_property(&sides.after.name.display().to_string())
        );
        if let Some(p) = place(sides.after, c.after) {
            let _ = write!(properties, ",line={},col={}", p.line, p.column);
        }
        let title = format!("{} change ({})", c.severity.as_str(), c.rule);
        let _ = write!(properties, ",title={}", escape_property(&title));
        let mut message = format!("{}: {}", c.at, c.message);
        if !c.also_at.is_empty() {
            let _ = write!(message, " (also in {})", c.also_at.join("; "));
        }
        if let Some(before) = at(sides.before, c.before) {
            let _ = write!(message, " (before: {before})");
        }
        if let Some(reason) = &c.accepted {
            let _ = write!(message, " (accepted: {reason})");
        }
        let _ = writeln!(out, "::{level} {properties}::{}", escape_data(&message));
    }
    out
}

/// GitHub's escaping of a workflow command's message.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// GitHub's escaping of a workflow command's property.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

/// For CI test reports: a test suite per report (per service), with one test case per change,
/// failed when it is at or above `fail_on` and not accepted.
pub fn junit(reports: &[(&[Change], &Sides)], fail_on: Option<Severity>) -> String {
    let fails = |c: &Change| c.accepted.is_none() && fail_on.is_some_and(|f| c.severity >= f);
    let all = || reports.iter().flat_map(|(changes, _)| changes.iter());
    let failures = all().filter(|c| fails(c)).count();
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(
        out,
        "<testsuites name=\"msgen diff\" tests=\"{}\" failures=\"{failures}\">",
        all().count()
    );
    for (changes, sides) in reports {
        suite(&mut out, changes, sides, &fails);
    }
    out.push_str("</testsuites>\n");
    out
}

fn suite(out: &mut String, changes: &[Change], sides: &Sides, fails: &dyn Fn(&Change) -> bool) {
    let failures = changes.iter().filter(|c| fails(c)).count();
    let _ = writeln!(
        out,
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">",
        xml(&format!(
            "{} against {}",
            sides.after.name.display(),
            sides.against
        )),
        changes.len()
    );
    for c in changes {
        let name = match &c.subject {
            Some(subject) => format!("{}: {} {subject}", c.rule, c.at),
            None => format!("{}: {}", c.rule, c.at),
        };
        let _ = write!(
            out,
            "    <testcase classname=\"{}\" name=\"{}\"",
            c.category.as_str(),
            xml(&name)
        );
        let mut details = format!("{}: {}", c.at, c.message);
        for at in &c.also_at {
            let _ = write!(details, "\nalso in {at}");
        }
        for (label, source, span) in [
            ("before", sides.before, c.before),
            ("after", sides.after, c.after),
        ] {
            if let Some(p) = at(source, span) {
                let _ = write!(details, "\n{label}: {p}");
            }
        }
        if let Some(reason) = &c.accepted {
            let _ = write!(details, "\naccepted: {reason}");
        }
        if fails(c) {
            let _ = writeln!(
                out,
                ">\n      <failure type=\"{}\" message=\"{}\">{}</failure>\n    </testcase>",
                c.severity.as_str(),
                xml(&c.message),
                xml(&details)
            );
        } else {
            let _ = writeln!(
                out,
                ">\n      <system-out>{}</system-out>\n    </testcase>",
                xml(&details)
            );
        }
    }
    out.push_str("  </testsuite>\n");
}

fn xml(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if (c as u32) < 0x20 && !matches!(c, '\n' | '\t' | '\r') => {}
            c => out.push(c),
        }
    }
    out
}
