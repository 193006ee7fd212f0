//! The events: those the service publishes, matched by name, whose payloads its consumers
//! read; and those it consumes, whose payloads it reads from what producers write.

use serde_json::Value;

use super::schema::{self, Place, Walk};
use super::{Anchor, Change, Node, Side};
use crate::ir::{Event, Service};
use crate::render::openapi::object_schema;

/// Compares the events of two versions of a service.
pub fn compare(old: &Service, new: &Service) -> Vec<Change> {
    let mut changes = Vec::new();
    for published in [true, false] {
        let list = |s: &'_ Service| -> Vec<Event> {
            if published {
                s.events.publish.clone()
            } else {
                s.events.consume.clone()
            }
        };
        let (old_events, new_events) = (list(old), list(new));
        let node = |name: &str| Node::Event {
            name: name.to_owned(),
            published,
        };
        let (removed, added) = if published {
            ("event-removed", "event-added")
        } else {
            ("consumed-event-removed", "consumed-event-added")
        };
        for o in &old_events {
            let at = format!("event {}", o.name);
            let Some(n) = new_events.iter().find(|n| n.name == o.name) else {
                let message = if published {
                    format!("no longer published (subject `{}`)", o.subject)
                } else {
                    format!("no longer consumed (subject `{}`)", o.subject)
                };
                changes
                    .push(Change::new(removed, &at, message).anchored(Some(node(&o.name)), None));
                continue;
            };
            let anchor = Anchor {
                old: Some(node(&o.name)),
                new: Some(node(&n.name)),
            };
            if o.subject != n.subject {
                let rule = if published {
                    "event-subject-changed"
                } else {
                    "consumed-subject-changed"
                };
                let subject = |e: &Event| Node::Subject {
                    event: e.name.clone(),
                    published,
                };
                changes.push(
                    Change::new(
                        rule,
                        &at,
                        format!("moved from subject `{}` to `{}`", o.subject, n.subject),
                    )
                    .anchored(Some(subject(o)), Some(subject(n))),
                );
            }
            let side = if published {
                Side::Published
            } else {
                Side::Consumed
            };
            payload(side, o, n, &at, &anchor, &mut changes);
        }
        for n in new_events
            .iter()
            .filter(|n| !old_events.iter().any(|o| o.name == n.name))
        {
            let at = format!("event {}", n.name);
            let message = if published {
                format!("now published (subject `{}`)", n.subject)
            } else {
                format!("now consumed (subject `{}`)", n.subject)
            };
            changes.push(Change::new(added, &at, message).anchored(None, Some(node(&n.name))));
        }
    }
    changes
}

/// Compares the payloads of two versions of one event.
fn payload(side: Side, o: &Event, n: &Event, at: &str, anchor: &Anchor, out: &mut Vec<Change>) {
    let (old_schema, new_schema) = (
        object_schema(&o.fields, false, None),
        object_schema(&n.fields, false, None),
    );
    let renames = |_: Option<&str>, property: &str| -> Option<String> {
        let field = n.fields.iter().find(|f| f.name == property)?;
        field.renamed_from.clone()
    };
    let walk = Walk {
        old_doc: &Value::Null,
        new_doc: &Value::Null,
        side,
        renames: &renames,
    };
    let mut found = Vec::new();
    schema::compare(
        &walk,
        &old_schema,
        &new_schema,
        &Place::default(),
        &mut found,
    );
    let published = side == Side::Published;
    for mut change in found {
        change.at = format!("{at}: payload");
        let field = |event: &Event, name: Option<&str>| -> Option<Node> {
            let name = name?;
            let known = event.fields.iter().any(|f| f.name == name);
            Some(if known {
                Node::EventField {
                    event: event.name.clone(),
                    published,
                    name: name.to_owned(),
                }
            } else {
                anchor_of(event, published)
            })
        };
        let place = change.place.clone().unwrap_or_default();
        let leaf = (!place.path.is_empty()).then_some(place.path.as_str());
        let old_leaf = place.old_name.as_deref().or(leaf);
        change.anchor = Anchor {
            old: field(o, old_leaf).or_else(|| anchor.old.clone()),
            new: field(n, leaf).or_else(|| anchor.new.clone()),
        };
        out.push(change);
    }
}

fn anchor_of(event: &Event, published: bool) -> Node {
    Node::Event {
        name: event.name.clone(),
        published,
    }
}
