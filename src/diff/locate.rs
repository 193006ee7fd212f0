//! Where an element of a spec is written: the span a change is shown at. An element the spec
//! no longer has is shown at the nearest one it still has (a removed field at its entity).

use super::Node;
use crate::spec::{Body, Endpoint, Entity, Event, Field, Span, Spec};

/// The span of `node` in `spec`, or of what holds it; `None` without a node.
pub fn span(spec: &Spec, node: Option<&Node>) -> Option<Span> {
    let node = node?;
    let entity = |name: &str| spec.entities.iter().find(|e| e.name.value == name);
    let resource = |name: &str| {
        spec.endpoints.iter().find_map(|e| match e {
            Endpoint::Resource(r) if r.resource.value == name => Some(r.span),
            _ => None,
        })
    };
    let custom = |name: &str| {
        spec.endpoints.iter().find_map(|e| match e {
            Endpoint::Custom(c) if c.name.value == name => Some(c),
            _ => None,
        })
    };
    let event = |name: &str, published: bool| -> Option<&Event> {
        let list = if published {
            &spec.events.publish
        } else {
            &spec.events.consume
        };
        list.iter().find(|e| e.name.value == name)
    };
    match node {
        Node::Service => Some(spec.service.span),
        Node::Resource(name) => resource(name).or_else(|| entity(name).map(|e| e.name.span)),
        Node::Endpoint(name) => custom(name).map(|c| c.name.span),
        Node::Param { endpoint, name } => {
            let c = custom(endpoint)?;
            Some(field(&c.params, name).unwrap_or(c.path.span))
        }
        Node::BodyField {
            endpoint,
            request,
            name,
        } => {
            let c = custom(endpoint)?;
            let body = if *request { &c.request } else { &c.response };
            match body {
                Some(Body::Inline { fields, span }) => Some(field(fields, name).unwrap_or(*span)),
                Some(Body::Entity(e)) => Some(e.span),
                None => Some(c.name.span),
            }
        }
        Node::Entity(name) => entity(name).map(|e| e.name.span),
        Node::Field {
            entity: owner,
            name,
        } => {
            let e: &Entity = entity(owner)?;
            Some(field(&e.fields, name).unwrap_or(e.name.span))
        }
        Node::Event { name, published } => event(name, *published).map(|e| e.name.span),
        Node::Subject {
            event: name,
            published,
        } => event(name, *published).map(|e| e.subject.span),
        Node::EventField {
            event: name,
            published,
            name: field_name,
        } => {
            let e = event(name, *published)?;
            Some(field(&e.payload, field_name).unwrap_or(e.name.span))
        }
    }
}

/// The span of the name of the field whose wire name (its column: `payment_id` for a
/// reference `payment`) is `name`.
fn field(fields: &[Field], name: &str) -> Option<Span> {
    fields
        .iter()
        .find(|f| f.column() == name || f.name.value == name)
        .map(|f| f.name.span)
}
