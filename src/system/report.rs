//! Problems of a system: each at a place in one of its files (the manifest or a service's
//! spec), often with places in others, rendered like the single-spec reports.

use codespan_reporting::diagnostic::{Diagnostic as Report, Label};
use codespan_reporting::files::SimpleFiles;
use codespan_reporting::term::{self, termcolor::Ansi, Config};

use crate::spec::diagnostics::summary_line;
use crate::spec::yaml::clamp;
use crate::spec::{Diagnostic, Source, Span};

/// A file of the system, by its place in [`Problems::files`]: the manifest is 0.
pub type FileId = usize;

/// A place in one file of the system.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Place {
    pub file: FileId,
    pub span: Span,
}

/// One problem of a system.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub message: String,
    pub at: Place,
    pub help: Option<String>,
    /// Places in the same or other files that explain the problem.
    pub related: Vec<(Place, String)>,
}

impl Problem {
    pub fn new(at: Place, message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            at,
            help: None,
            related: Vec::new(),
        }
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn related(mut self, place: Place, message: impl Into<String>) -> Self {
        self.related.push((place, message.into()));
        self
    }

    /// A problem of one file found by the spec or manifest reader.
    pub fn of(file: FileId, d: Diagnostic) -> Self {
        Self {
            message: d.message,
            at: Place { file, span: d.span },
            help: d.help,
            related: d
                .related
                .into_iter()
                .map(|r| (Place { file, span: r.span }, r.message))
                .collect(),
        }
    }
}

/// Every problem found in a system, with the files they point into.
#[derive(Debug, Clone)]
pub struct Problems {
    pub files: Vec<Source>,
    list: Vec<Problem>,
}

impl Problems {
    /// Sorted by file, then position.
    pub fn new(files: Vec<Source>, mut list: Vec<Problem>) -> Self {
        let fit = |place: &mut Place| {
            if let Some(source) = files.get(place.file) {
                place.span = clamp(place.span, &source.text);
            }
        };
        for problem in &mut list {
            fit(&mut problem.at);
            for (place, _) in &mut problem.related {
                fit(place);
            }
        }
        list.sort_by_key(|a| a.at);
        list.dedup();
        Self { files, list }
    }

    pub fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub fn len(&self) -> usize {
        self.list.len()
    }

    /// Every problem with the lines it points at, then a summary naming the manifest.
    pub fn render(&self, color: bool) -> String {
        let manifest = self.files[0].name.display();
        self.render_as(&format!("in the system of `{manifest}`"), color)
    }

    /// Every problem with the lines it points at, then a summary saying where they are
    /// (`in the system of ...`).
    pub fn render_as(&self, place: &str, color: bool) -> String {
        let mut files = SimpleFiles::new();
        for source in &self.files {
            files.add(source.name.display().to_string(), source.text.as_str());
        }
        let config = Config::default();
        let mut out: Vec<u8> = Vec::new();
        for problem in &self.list {
            let mut labels = vec![Label::primary(
                problem.at.file,
                problem.at.span.start..problem.at.span.end,
            )];
            for (place, message) in &problem.related {
                labels.push(
                    Label::secondary(place.file, place.span.start..place.span.end)
                        .with_message(message),
                );
            }
            let mut report = Report::error()
                .with_message(&problem.message)
                .with_labels(labels);
            if let Some(help) = &problem.help {
                report = report.with_note(format!("help: {help}"));
            }
            // Spans are clamped in `new`; should rendering fail anyway, the summary still
            // says something is wrong.
            let _ = if color {
                term::emit_to_write_style(&mut Ansi::new(&mut out), &config, &files, &report)
            } else {
                term::emit_to_io_write(&mut out, &config, &files, &report)
            };
        }
        let mut text = String::from_utf8_lossy(&out).into_owned();
        let summary = match self.list.len() {
            1 => format!("1 problem {place}"),
            n => format!("{n} problems {place}"),
        };
        text.push_str(&summary_line(&summary, color));
        text
    }
}
