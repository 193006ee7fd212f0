//! A service's changes seen from the rest of its system: who consumes each event whose payload
//! changed and reads the field that changed, and who calls each operation that changed. What
//! breaks nobody in the system is reported as such, and what breaks someone names them.

use super::rules::{Category, Severity};
use super::Change;
use crate::spec::{Event, Spec};

/// A service of the system, in both versions.
pub struct Peer<'a> {
    pub name: &'a str,
    /// `None` when the service is new since the version compared with.
    pub old: Option<&'a Spec>,
    pub new: &'a Spec,
}

impl Peer<'_> {
    fn versions(&self) -> impl Iterator<Item = &Spec> {
        self.old.into_iter().chain([self.new])
    }

    /// The events this service consumes from `subject`, in either version.
    fn consumed(&self, subject: &str) -> Vec<&Event> {
        self.versions()
            .flat_map(|s| &s.events.consume)
            .filter(|e| e.subject.value == subject)
            .collect()
    }

    /// The events this service publishes on `subject`, in either version.
    fn published(&self, subject: &str) -> Vec<&Event> {
        self.versions()
            .flat_map(|s| &s.events.publish)
            .filter(|e| e.subject.value == subject)
            .collect()
    }

    /// Whether this service calls `operation` of `service`, in either version.
    fn calls(&self, service: &str, operations: &[String]) -> bool {
        self.versions().flat_map(|s| &s.dependencies).any(|d| {
            d.service.value == service
                && match &d.operations {
                    None => true,
                    Some(list) => list.value.iter().any(|o| operations.contains(&o.value)),
                }
        })
    }
}

/// Names, on each change of `service`, the services of `peers` that use what changed; a
/// change that breaks no one of them is lowered: an event's to info (events stay within the
/// system), an operation's to a warning (clients outside the system may call it).
pub fn attribute(service: &Peer, changes: &mut [Change], peers: &[Peer]) {
    for change in changes.iter_mut() {
        match change.category {
            Category::Events => event(service, change, peers),
            Category::Http if !change.operations.is_empty() => {
                let callers: Vec<String> = peers
                    .iter()
                    .filter(|p| p.name != service.name && p.calls(service.name, &change.operations))
                    .map(|p| p.name.to_owned())
                    .collect();
                if callers.is_empty() {
                    if change.severity == Severity::Breaking {
                        change.severity = Severity::Warning;
                        change
                            .message
                            .push_str(" (no service of the system calls it)");
                    }
                } else {
                    change.used_by = callers;
                }
            }
            _ => {}
        }
    }
}

fn event(service: &Peer, change: &mut Change, peers: &[Peer]) {
    if matches!(
        change.rule.as_str(),
        "consumed-property-added-required" | "consumed-became-required"
    ) {
        return required_by_consumer(service, change, peers);
    }
    let published = change.rule.starts_with("published-")
        || change.rule == "event-removed"
        || change.rule == "event-subject-changed";
    if !published || change.severity == Severity::Info {
        return;
    }
    let Some(name) = event_name(change) else {
        return;
    };
    // Consumers subscribe to the subject the event is published on today.
    let Some(subject) = service
        .old
        .and_then(|s| s.events.publish.iter().find(|e| e.name.value == name))
        .map(|e| e.subject.value.as_str())
    else {
        return;
    };
    // The field consumers would read: by its old name when it was renamed.
    let field = change.place.as_ref().map(|place| {
        let path = place.old_path().unwrap_or_else(|| place.path.clone());
        path.split(['.', '[']).next().unwrap_or_default().to_owned()
    });
    let readers: Vec<String> = peers
        .iter()
        .filter(|p| {
            p.consumed(subject).iter().any(|e| match &field {
                Some(field) if !field.is_empty() => {
                    e.payload.iter().any(|f| &f.name.value == field)
                }
                _ => true,
            })
        })
        .map(|p| p.name.to_owned())
        .collect();
    if readers.is_empty() {
        change.severity = Severity::Info;
        change.message.push_str(match &field {
            Some(f) if !f.is_empty() => " (no consumer in the system reads it)",
            _ => " (no service of the system consumes it)",
        });
    } else {
        change.used_by = readers;
    }
}

/// A field the service now requires of an event it consumes breaks the producers that may not
/// send it; when every producer of the system sends it always, in both its versions (messages
/// of the old one may still be on their way), nothing breaks.
fn required_by_consumer(service: &Peer, change: &mut Change, peers: &[Peer]) {
    let Some(name) = event_name(change) else {
        return;
    };
    let Some(subject) = service
        .versions()
        .flat_map(|s| &s.events.consume)
        .find(|e| e.name.value == name)
        .map(|e| e.subject.value.clone())
    else {
        return;
    };
    let Some(field) = change.subject.clone() else {
        return;
    };
    let producers: Vec<&Peer> = peers
        .iter()
        .filter(|p| !p.published(&subject).is_empty())
        .collect();
    let always = |p: &&Peer| {
        p.published(&subject).iter().all(|e| {
            e.payload
                .iter()
                .any(|f| f.name.value == field && !f.is_optional())
        })
    };
    if !producers.is_empty() && producers.iter().all(always) {
        change.severity = Severity::Info;
        let names: Vec<&str> = producers.iter().map(|p| p.name).collect();
        change.message.push_str(&format!(
            " (every producer in the system always sends it: {})",
            names.join(", ")
        ));
    } else if !producers.is_empty() {
        let names: Vec<&str> = producers
            .iter()
            .filter(|p| !always(p))
            .map(|p| p.name)
            .collect();
        change.message.push_str(&format!(
            " (producers that may not send it: {})",
            names.join(", ")
        ));
    }
}

/// The event a change of the events category is about: `PaymentSucceeded` of
/// `event PaymentSucceeded: payload`.
fn event_name(change: &Change) -> Option<&str> {
    let rest = change.at.strip_prefix("event ")?;
    rest.split(':').next()
}
