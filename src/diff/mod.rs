//! `msgen diff`: what a change to a service's spec does to those who depend on the service.
//!
//! Both versions are lowered to msgen's model and compared contract by contract: the HTTP API
//! as its OpenAPI document describes it ([`http`]), the events it publishes and consumes
//! ([`events`]) and the database its migrations build ([`database`]). Each difference is a
//! [`Change`] under one of the [`rules`], with the places in both spec files it comes from.
//! The source model knows what the documents alone cannot: that a field was renamed rather
//! than removed, and which spec line asked for the change.

mod database;
mod events;
mod grpc;
mod http;
mod locate;
pub mod output;
pub mod policy;
pub mod rules;
mod schema;
pub mod system;

use serde::Serialize;

use crate::ir;
use crate::spec::{Source, Span, ValidSpec};
pub use rules::{Category, Severity};
use rules::{Check, Side};
use schema::Place;

/// One version of a service's spec, checked.
pub struct Version<'a> {
    pub source: &'a Source,
    pub valid: &'a ValidSpec,
}

/// One difference between two versions of a spec that someone may have to act on.
#[derive(Debug, Clone, Serialize)]
pub struct Change {
    /// The rule it is reported by: `response-property-removed`.
    pub rule: String,
    pub category: Category,
    pub severity: Severity,
    /// What it is in: `GET /api/v1/payments/{id}`, `event PaymentSucceeded`, `table payments`.
    pub at: String,
    /// The other places the same change is seen: every operation whose bodies hold the
    /// record whose field changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<String>,
    /// What in there changed: a property (`items[].amount`), a parameter, a column; none when
    /// it is the whole of `at`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// What changed, in a sentence: `response 200: `note` was removed`.
    pub message: String,
    /// Where the old spec has it, and where the new one does.
    #[serde(skip)]
    pub before: Option<Span>,
    #[serde(skip)]
    pub after: Option<Span>,
    /// Why the change is accepted, when the service's `msgen.compat.yaml` accepts it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub accepted: Option<String>,
    /// In a system: the services that use what changed.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub used_by: Vec<String>,
    /// Where it is in each spec, for [`locate`].
    #[serde(skip)]
    anchor: Anchor,
    /// Where in a compared schema it was found, when it was.
    #[serde(skip)]
    place: Option<Place>,
    /// The ids of the operations whose callers the change is to, as the old version has them.
    #[serde(skip)]
    operations: Vec<String>,
}

/// The element of a spec a change comes from, on each side.
#[derive(Debug, Clone, Default)]
struct Anchor {
    old: Option<Node>,
    new: Option<Node>,
}

/// An element of a spec, by name.
#[derive(Debug, Clone, PartialEq)]
enum Node {
    /// The service itself (`service:`), for what belongs to no element of its spec: the
    /// tables msgen keeps for events and idempotency keys.
    Service,
    /// A resource endpoint, by its entity.
    Resource(String),
    /// A custom endpoint, by name.
    Endpoint(String),
    /// A parameter of a custom endpoint.
    Param {
        endpoint: String,
        name: String,
    },
    /// A field of an inline request or response body of a custom endpoint.
    BodyField {
        endpoint: String,
        request: bool,
        name: String,
    },
    Entity(String),
    Field {
        entity: String,
        name: String,
    },
    /// An event, published or consumed.
    Event {
        name: String,
        published: bool,
    },
    Subject {
        event: String,
        published: bool,
    },
    EventField {
        event: String,
        published: bool,
        name: String,
    },
}

impl Change {
    /// A change of a rule that is not a schema comparison.
    fn new(rule: &str, at: impl Into<String>, message: impl Into<String>) -> Self {
        let found = rules::find(rule).unwrap_or_else(|| panic!("`{rule}` is a rule"));
        Self {
            rule: found.id.clone(),
            category: found.category,
            severity: found.severity,
            at: at.into(),
            also_at: Vec::new(),
            subject: None,
            message: message.into(),
            before: None,
            after: None,
            accepted: None,
            used_by: Vec::new(),
            anchor: Anchor::default(),
            place: None,
            operations: Vec::new(),
        }
    }

    /// A difference found comparing two schemas, at `place` of the compared value; the
    /// caller says where the value is (`at`, the message's prefix, the anchor).
    fn at_place(side: Side, check: Check, message: String, place: &Place) -> Self {
        let id = check.id(side);
        let mut change = Self::new(&id, String::new(), message);
        change.severity = check.severity(side);
        change.subject = (!place.path.is_empty()).then(|| place.path.clone());
        change.place = Some(place.clone());
        change
    }

    fn subject(mut self, subject: impl Into<String>) -> Self {
        self.subject = Some(subject.into());
        self
    }

    fn anchored(mut self, old: Option<Node>, new: Option<Node>) -> Self {
        self.anchor = Anchor { old, new };
        self
    }
}

/// Every change from `old` to `new`, HTTP first, then events, the database and gRPC; in each, in
/// the order the documents list what changed. Two identical texts have none.
pub fn compare(old: &Version, new: &Version) -> Vec<Change> {
    if old.source.text == new.source.text {
        return Vec::new();
    }
    let (old_ir, new_ir) = (ir::lower(old.valid), ir::lower(new.valid));
    let mut changes = http::compare(&old_ir, &new_ir);
    changes.extend(events::compare(&old_ir, &new_ir));
    changes.extend(database::compare(&old_ir, &new_ir));
    changes.extend(grpc::compare(&old_ir, &new_ir));
    for change in &mut changes {
        change.before = locate::span(old.valid.spec(), change.anchor.old.as_ref());
        change.after = locate::span(new.valid.spec(), change.anchor.new.as_ref());
    }
    grouped(changes)
}

/// The changes with each one seen in several places (a field of a record that many
/// operations send) reported once, at the first place, with the others in `also_at`.
fn grouped(changes: Vec<Change>) -> Vec<Change> {
    let mut out: Vec<Change> = Vec::with_capacity(changes.len());
    for change in changes {
        let same = out.iter_mut().find(|c| {
            c.rule == change.rule
                && c.message == change.message
                && c.subject == change.subject
                && c.before == change.before
                && c.after == change.after
                && c.category == change.category
        });
        match same {
            Some(first) => {
                if first.at != change.at && !first.also_at.contains(&change.at) {
                    first.also_at.push(change.at);
                }
                for id in change.operations {
                    if !first.operations.contains(&id) {
                        first.operations.push(id);
                    }
                }
            }
            None => out.push(change),
        }
    }
    out
}
