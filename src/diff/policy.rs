//! `msgen.compat.yaml`, beside a service's `msgen.yaml`: how grave the service's team holds
//! each rule to be, and the changes it has accepted, each with the reason shown in reports.
//!
//! ```yaml
//! severity:
//!   response-enum-value-added: breaking
//! accept:
//!   - rule: response-property-removed
//!     at: GET /api/v1/payments/{id}
//!     subject: note
//!     reason: no client reads `note` (agreed with billing)
//! ```

use super::rules::{self, Severity, RULES};
use super::Change;
use crate::spec::yaml::{did_you_mean, expected, found, parse, show, suggest_key, Kind, Node};
use crate::spec::{Diagnostic, Source, Span, Spanned};

/// The file name, in the folder of the service's `msgen.yaml`.
pub const FILE: &str = "msgen.compat.yaml";

/// A decoded `msgen.compat.yaml`.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    /// Rules held graver or lighter than by default.
    pub severity: Vec<(Spanned<String>, Severity)>,
    pub accept: Vec<Acceptance>,
}

/// A change the team has accepted: every change of `rule` at `at` (when given) and about
/// `subject` (when given).
#[derive(Debug, Clone)]
pub struct Acceptance {
    pub rule: Spanned<String>,
    pub at: Option<Spanned<String>>,
    pub subject: Option<Spanned<String>>,
    pub reason: Spanned<String>,
    /// The whole entry, for saying it accepts nothing.
    pub span: Span,
}

impl Acceptance {
    fn matches(&self, change: &Change) -> bool {
        self.rule.value == change.rule
            && self.at.as_ref().is_none_or(|at| {
                let operation = |place: &str| {
                    place == at.value || place.starts_with(&format!("{}: ", at.value))
                };
                operation(&change.at) || change.also_at.iter().any(|a| operation(a))
            })
            && self
                .subject
                .as_ref()
                .is_none_or(|s| change.subject.as_deref() == Some(s.value.as_str()))
    }
}

impl Policy {
    /// Sets each change's severity as the policy holds it and marks what it accepts. Returns
    /// the acceptances that matched no change, which are likely stale.
    pub fn apply(&self, changes: &mut [Change]) -> Vec<&Acceptance> {
        for change in changes.iter_mut() {
            if let Some((_, severity)) = self.severity.iter().find(|(r, _)| r.value == change.rule)
            {
                change.severity = *severity;
            }
        }
        let mut unused = Vec::new();
        for acceptance in &self.accept {
            let mut used = false;
            for change in changes.iter_mut().filter(|c| acceptance.matches(c)) {
                change.accepted = Some(acceptance.reason.value.clone());
                used = true;
            }
            if !used {
                unused.push(acceptance);
            }
        }
        unused
    }
}

/// Reads a policy file, or every problem in it.
pub fn decode(source: &Source) -> Result<Policy, Vec<Diagnostic>> {
    let root = parse(&source.text).map_err(|d| vec![d])?;
    let mut policy = Policy::default();
    let mut problems = Vec::new();
    let entries = match &root.kind {
        Kind::Map(entries) => entries.as_slice(),
        Kind::Null => &[],
        _ => {
            return Err(vec![Diagnostic::error(
                root.span,
                format!(
                    "`{FILE}` is a mapping with `severity:` and `accept:`, found {}",
                    found(&root)
                ),
            )])
        }
    };
    for entry in entries {
        match entry.key.value.as_str() {
            "severity" => match &entry.value.kind {
                Kind::Map(rules) => {
                    for r in rules {
                        let Some(rule) = rule_name(&r.key, &mut problems) else {
                            continue;
                        };
                        if let Some(severity) = severity(&r.value, &r.key.value, &mut problems) {
                            policy.severity.push((rule, severity));
                        }
                    }
                }
                Kind::Null => {}
                _ => problems.push(expected(&entry.value, "a mapping of rules", "severity")),
            },
            "accept" => match &entry.value.kind {
                Kind::Seq(items) => {
                    for item in items {
                        if let Some(a) = acceptance(item, &mut problems) {
                            policy.accept.push(a);
                        }
                    }
                }
                Kind::Null => {}
                _ => problems.push(expected(&entry.value, "a list of changes", "accept")),
            },
            other => problems.push(unknown_key(&entry.key, other, &["severity", "accept"])),
        }
    }
    if problems.is_empty() {
        Ok(policy)
    } else {
        Err(problems)
    }
}

fn unknown_key(key: &Spanned<String>, name: &str, allowed: &[&str]) -> Diagnostic {
    let mut d = Diagnostic::error(key.span, format!("unknown key `{}`", show(name)))
        .with_help(format!("the keys here are {}", allowed.join(", ")));
    if let Some(meant) = suggest_key(name, allowed) {
        d = d.with_help(format!("did you mean `{meant}`?"));
    }
    d
}

/// A rule's id, checked against the rules there are.
fn rule_name(name: &Spanned<String>, problems: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    if rules::find(&name.value).is_some() {
        return Some(name.clone());
    }
    let mut d = Diagnostic::error(name.span, format!("unknown rule `{}`", show(&name.value)))
        .with_help("docs/compat.md lists every rule; `msgen diff --rules` prints them");
    if let Some(meant) = did_you_mean(&name.value, RULES.iter().map(|r| r.id.as_str())) {
        d = d.with_help(format!("did you mean `{meant}`?"));
    }
    problems.push(d);
    None
}

fn severity(node: &Node, key: &str, problems: &mut Vec<Diagnostic>) -> Option<Severity> {
    let text = scalar(node, key, problems)?;
    let parsed = Severity::parse(&text.value);
    if parsed.is_none() {
        problems.push(
            Diagnostic::error(
                node.span,
                format!("unknown severity `{}`", show(&text.value)),
            )
            .with_help(format!("one of: {}", Severity::ALL.join(", "))),
        );
    }
    parsed
}

fn scalar(node: &Node, key: &str, problems: &mut Vec<Diagnostic>) -> Option<Spanned<String>> {
    match &node.kind {
        Kind::Scalar { text, .. } => Some(Spanned::new(text.clone(), node.span)),
        _ => {
            problems.push(expected(node, "a string", key));
            None
        }
    }
}

fn acceptance(node: &Node, problems: &mut Vec<Diagnostic>) -> Option<Acceptance> {
    let Kind::Map(entries) = &node.kind else {
        problems.push(expected(
            node,
            "a mapping with `rule:` and `reason:`",
            "accept",
        ));
        return None;
    };
    let (mut rule, mut at, mut subject, mut reason) = (None, None, None, None);
    let mut fine = true;
    for entry in entries {
        let key = entry.key.value.as_str();
        let value = scalar(&entry.value, key, problems);
        fine &= value.is_some();
        match key {
            "rule" => {
                rule = value.and_then(|v| rule_name(&v, problems));
                fine &= rule.is_some();
            }
            "at" => at = value,
            "subject" => subject = value,
            "reason" => reason = value.filter(|r| !r.value.trim().is_empty()),
            other => {
                problems.push(unknown_key(
                    &entry.key,
                    other,
                    &["rule", "at", "subject", "reason"],
                ));
                fine = false;
            }
        }
    }
    for (present, key) in [(rule.is_some(), "rule"), (reason.is_some(), "reason")] {
        if !present && fine {
            problems.push(
                Diagnostic::error(node.span, format!("an accepted change needs `{key}:`"))
                    .with_help(
                        "name the rule and say why the change is fine: the reason is shown \
                         wherever the change is reported",
                    ),
            );
        }
    }
    Some(Acceptance {
        rule: rule?,
        at,
        subject,
        reason: reason?,
        span: node.span,
    })
}
