//! Problems found in a spec, each tied to the place in the file it is about, and their
//! rendering as `file:line:col` reports with the offending line underlined.

use std::fmt;

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::Ansi, Config};

use super::model::Span;
use super::Source;

/// One problem in a spec: what is wrong, where, and (when a fix is likely) how to fix it.
///
/// Messages are lowercase sentences with identifiers in backticks, written for the person
/// editing `msgen.yaml`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub message: String,
    /// The most precise place the problem is about.
    pub span: Span,
    /// A short note shown under the marked text.
    pub label: Option<String>,
    /// How to fix it, shown as `help: ...`.
    pub help: Option<String>,
    /// Other places that explain the problem, such as the first definition of a duplicate.
    pub related: Vec<Related>,
}

/// A secondary place mentioned by a [`Diagnostic`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Related {
    pub span: Span,
    pub message: String,
}

impl Diagnostic {
    /// An error at `span`.
    pub fn error(span: Span, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            span,
            label: None,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Self {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Sets the help text when there is one.
    pub fn with_help_opt(mut self, help: Option<String>) -> Self {
        if help.is_some() {
            self.help = help;
        }
        self
    }

    /// Points at another place that explains this problem.
    pub fn with_related(mut self, span: Span, message: impl Into<String>) -> Self {
        self.related.push(Related {
            span,
            message: message.into(),
        });
        self
    }
}

/// Every problem found in one spec file, sorted by position.
#[derive(Debug, Clone)]
pub struct Diagnostics {
    source: Source,
    list: Vec<Diagnostic>,
}

impl Diagnostics {
    /// Collects `list` for `source`, sorted by where each problem starts in the file.
    pub fn new(source: Source, mut list: Vec<Diagnostic>) -> Self {
        for d in &mut list {
            d.span = clamp(d.span, &source.text);
            for r in &mut d.related {
                r.span = clamp(r.span, &source.text);
            }
        }
        // Stable, so problems at the same place keep the order they were found in.
        list.sort_by_key(|d| (d.span.start, d.span.end));
        list.dedup();
        Self { source, list }
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.list.iter()
    }

    pub fn source(&self) -> &Source {
        &self.source
    }

    pub fn into_vec(self) -> Vec<Diagnostic> {
        self.list
    }

    /// The 1-based line and column (in characters) where `diagnostic` starts.
    pub fn location(&self, diagnostic: &Diagnostic) -> (usize, usize) {
        line_col(&self.source.text, diagnostic.span.start)
    }

    /// The report for every problem followed by a one-line summary. With `color`, ANSI escape
    /// codes highlight the parts; without, the text is plain.
    pub fn render(&self, color: bool) -> String {
        let name = self.source.name.display().to_string();
        let file = SimpleFile::new(name.as_str(), self.source.text.as_str());
        let config = Config::default();
        let mut out: Vec<u8> = Vec::new();
        for d in &self.list {
            let report = to_report(d);
            // The spans are clamped to the text in `new`, so rendering cannot fail; should it
            // anyway, the summary line below still tells the user something is wrong.
            let _ = if color {
                term::emit_to_write_style(&mut Ansi::new(&mut out), &config, &file, &report)
            } else {
                term::emit_to_io_write(&mut out, &config, &file, &report)
            };
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        text.push_str(&summary_line(&summary(&name, self.list.len()), color));
        text
    }
}

/// The last line of a report, `error: <summary>`, in bold red with `color`.
pub(crate) fn summary_line(summary: &str, color: bool) -> String {
    if color {
        format!("\x1b[1;31merror\x1b[0m\x1b[1m: {summary}\x1b[0m\n")
    } else {
        format!("error: {summary}\n")
    }
}

fn summary(name: &str, count: usize) -> String {
    match count {
        1 => format!("`{name}` has 1 problem"),
        n => format!("`{name}` has {n} problems"),
    }
}

fn to_report(d: &Diagnostic) -> Report<()> {
    let mut primary = Label::primary((), d.span.start..d.span.end);
    if let Some(label) = &d.label {
        primary = primary.with_message(label);
    }
    let mut labels = vec![primary];
    for r in &d.related {
        labels.push(Label::secondary((), r.span.start..r.span.end).with_message(&r.message));
    }
    let mut report = Report::error().with_message(&d.message).with_labels(labels);
    if let Some(help) = &d.help {
        report = report.with_note(format!("help: {help}"));
    }
    report
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(false))
    }
}

impl std::error::Error for Diagnostics {}

/// Keeps a span inside the text and on character boundaries, so rendering never fails.
pub(crate) fn clamp(span: Span, text: &str) -> Span {
    let boundary = |mut i: usize| {
        i = i.min(text.len());
        while !text.is_char_boundary(i) {
            i -= 1;
        }
        i
    };
    let start = boundary(span.start);
    let end = boundary(span.end.max(start));
    Span::new(start, end)
}

/// The 1-based line and column (in characters) of byte `offset` in `text`.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// The closest of `candidates` to `word`, if one is close enough to be a likely typo.
///
/// Case, `_` and `-` are ignored when comparing, so `String` suggests `string` and `date_time`
/// suggests `datetime`.
pub(crate) fn did_you_mean<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    let normal = |s: &str| -> String {
        s.chars()
            .filter(|c| !matches!(c, '_' | '-'))
            .flat_map(char::to_lowercase)
            .collect()
    };
    let wanted = normal(word);
    let mut best: Option<(usize, &'a str)> = None;
    for candidate in candidates {
        let distance = strsim::damerau_levenshtein(&wanted, &normal(candidate));
        let limit = (wanted.chars().count().max(candidate.chars().count()) / 3).max(1);
        if distance <= limit && best.is_none_or(|(d, _)| distance < d) {
            best = Some((distance, candidate));
        }
    }
    best.map(|(_, c)| c)
}

/// User text as shown inside a message: control characters escaped and long text shortened,
/// so a hostile or broken value cannot garble the report.
pub(crate) fn show(text: &str) -> String {
    const MAX: usize = 60;
    let mut out = String::new();
    for (i, c) in text.chars().enumerate() {
        if i == MAX {
            out.push('…');
            break;
        }
        if c == '`' {
            out.push_str("\\`");
        } else if c.is_control() {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn source(text: &str) -> Source {
        Source::new("msgen.yaml", text)
    }

    #[test]
    fn line_col_counts_characters() {
        let text = "a: 1\nb: é→x\n";
        assert_eq!(line_col(text, 0), (1, 1));
        assert_eq!(line_col(text, 5), (2, 1));
        let x = text.find('x').unwrap();
        assert_eq!(line_col(text, x), (2, 6));
    }

    #[test]
    fn sorted_by_position_and_rendered_with_summary() {
        let text = "service: x\nentities: {}\n";
        let list = vec![
            Diagnostic::error(Span::new(11, 19), "second").with_help("fix it"),
            Diagnostic::error(Span::new(9, 10), "first").with_label("here"),
        ];
        let diags = Diagnostics::new(source(text), list);
        let messages: Vec<_> = diags.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["first", "second"]);
        assert_eq!(diags.location(diags.iter().nth(1).unwrap()), (2, 1));
        let out = diags.render(false);
        assert!(out.contains("msgen.yaml:1:10"), "{out}");
        assert!(out.contains("help: fix it"), "{out}");
        assert!(
            out.ends_with("error: `msgen.yaml` has 2 problems\n"),
            "{out}"
        );
        assert!(!out.contains('\x1b'));
        assert!(diags.render(true).contains('\x1b'));
    }

    #[test]
    fn suggestions() {
        let types = ["string", "text", "int", "datetime", "decimal"];
        assert_eq!(did_you_mean("strng", types), Some("string"));
        assert_eq!(did_you_mean("String", types), Some("string"));
        assert_eq!(did_you_mean("date_time", types), Some("datetime"));
        assert_eq!(did_you_mean("decmal", types), Some("decimal"));
        assert_eq!(did_you_mean("x", types), None);
        assert_eq!(did_you_mean("blob", types), None);
    }

    #[test]
    fn shown_text_is_tame() {
        assert_eq!(show("a\nb`c\0"), "a\\nb\\`c\\0");
        assert_eq!(show("tab\there"), "tab\\there");
        assert_eq!(show(&"x".repeat(100)).chars().count(), 61);
    }

    #[test]
    fn spans_past_the_end_are_clamped() {
        let diags = Diagnostics::new(
            source("a: 1"),
            vec![Diagnostic::error(Span::new(10, 20), "late")],
        );
        assert!(diags.render(false).contains("late"));
    }
}
