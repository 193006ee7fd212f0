//! What the services of a system must agree on, checked from their specs: one name, port and
//! database each, routes a gateway can tell apart, one broker, and for every consumed event a
//! producer whose payload the consumer can read (the rules are in docs/systems.md).

use std::collections::BTreeMap;

use crate::spec::yaml::{did_you_mean, show};
use crate::spec::{Broker, Endpoint, Event, Field, FieldType, Span, ValidSpec};

use super::report::{Place, Problem};
use super::{Member, System};

/// Every problem between the services of `system`, in no particular order.
pub fn check(system: &System) -> Vec<Problem> {
    let mut problems = Vec::new();
    names(system, &mut problems);
    ports(system, &mut problems);
    grpc_ports(system, &mut problems);
    routes(system, &mut problems);
    brokers(system, &mut problems);
    events(system, &mut problems);
    problems
}

/// One name per service: it names the service's crate, binary, database and envelopes' source;
/// and none the gateway's, which is the system's name and `-gateway`.
fn names(system: &System, problems: &mut Vec<Problem>) {
    let gateway = super::gateway::package(system);
    for (i, member) in system.members.iter().enumerate() {
        if member.name() == gateway {
            problems.push(
                Problem::new(
                    member.at(member.spec().service.span),
                    format!("`{gateway}` is the name of the system's gateway"),
                )
                .help("the gateway is a crate, an image and a compose service of that name: rename the service (its `service:` and its folder)"),
            );
        }
        if let Some(first) = system.members[..i]
            .iter()
            .find(|m| m.name() == member.name())
        {
            problems.push(
                Problem::new(
                    member.at(member.spec().service.span),
                    format!("two services of the system are named `{}`", member.name()),
                )
                .related(first.at(first.spec().service.span), "also named here")
                .help("a service's name is its address in the system, its database's name and its events' source: rename one (its `service:` and its folder)"),
            );
        }
    }
}

fn ports(system: &System, problems: &mut Vec<Problem>) {
    let (low, high) = system.manifest.port_range();
    let taken: Vec<u16> = system.members.iter().map(|m| m.port().0).collect();
    let free = (low..=high).find(|p| !taken.contains(p));
    let advice = |what: &str| match free {
        Some(port) => format!("{what}: {port} is free"),
        None => format!("every port from {low} to {high} is taken: widen `ports` in the manifest"),
    };
    for (i, member) in system.members.iter().enumerate() {
        let (port, at) = member.port();
        let written = member.spec().port.is_some();
        let default = if written { "" } else { " (the default)" };
        if !(low..=high).contains(&port) {
            let mut problem = Problem::new(
                at,
                format!(
                    "`{}` listens on port {port}{default}, outside the system's ports {low}-{high}",
                    member.name()
                ),
            )
            .help(advice("set `port:` to one in the range"));
            if let Some(ports) = &system.manifest.ports {
                problem = problem.related(system.at(ports.span), "the system's ports");
            }
            problems.push(problem);
            continue;
        }
        if let Some(first) = system.members[..i].iter().find(|m| m.port().0 == port) {
            problems.push(
                Problem::new(
                    at,
                    format!(
                        "`{}` and `{}` both listen on port {port}{default}",
                        first.name(),
                        member.name()
                    ),
                )
                .related(
                    first.port().1,
                    format!("`{}` listens on {port} here", first.name()),
                )
                .help(advice("give one of them another `port:`")),
            );
        }
    }
}

/// The gRPC ports of the services that serve gRPC: each its own, and none an HTTP port, as
/// they all listen on one machine under `msgen system run`.
fn grpc_ports(system: &System, problems: &mut Vec<Problem>) {
    let http: Vec<u16> = system.members.iter().map(|m| m.port().0).collect();
    let mut seen: Vec<(u16, Place, &str)> = Vec::new();
    for member in &system.members {
        let Some((port, at)) = member.grpc_port() else {
            continue;
        };
        let written = member.spec().grpc_port.is_some();
        let default = if written { "" } else { " (the default)" };
        if let Some((_, first_at, first)) = seen.iter().find(|(p, ..)| *p == port) {
            problems.push(
                Problem::new(
                    at,
                    format!(
                        "`{first}` and `{}` both serve gRPC on port {port}{default}",
                        member.name()
                    ),
                )
                .related(*first_at, format!("`{first}` serves gRPC on {port} here"))
                .help("give one of them another `grpc_port:`"),
            );
        } else if http.contains(&port) {
            problems.push(
                Problem::new(
                    at,
                    format!(
                        "`{}` serves gRPC on port {port}{default}, where a service listens for HTTP",
                        member.name()
                    ),
                )
                .help("set `grpc_port:` to a port no service listens on"),
            );
        }
        seen.push((port, at, member.name()));
    }
}

/// A part of a path a gateway routes by: a segment as written, or a parameter, which stands
/// for any segment.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(String),
    Any,
}

/// The paths a service answers under: its base path and the first segment of each of its
/// routes (every route of a resource starts with the resource's segment), each with the place
/// in its spec that decides it.
fn prefixes(valid: &ValidSpec) -> Vec<(Vec<Part>, Span)> {
    let spec = valid.spec();
    let base: Vec<Part> = spec
        .base_path
        .as_ref()
        .map(|b| b.value.as_str())
        .unwrap_or("")
        .split('/')
        .filter(|s| !s.is_empty())
        .map(|s| Part::Literal(s.to_owned()))
        .collect();
    let mut out: Vec<(Vec<Part>, Span)> = Vec::new();
    for endpoint in &spec.endpoints {
        let (first, span) = match endpoint {
            Endpoint::Resource(resource) => {
                let Some(names) = valid.names().entity(&resource.resource.value) else {
                    continue;
                };
                (Part::Literal(names.route.clone()), resource.resource.span)
            }
            Endpoint::Custom(custom) => {
                let segment = custom.path.value.split('/').find(|s| !s.is_empty());
                let part = match segment {
                    Some(s) if s.starts_with('{') => Part::Any,
                    Some(s) => Part::Literal(s.to_owned()),
                    None => Part::Any,
                };
                (part, custom.path.span)
            }
        };
        let mut path = base.clone();
        path.push(first);
        if !out.iter().any(|(p, _)| *p == path) {
            out.push((path, span));
        }
    }
    out
}

/// Whether two services answer under a common path.
pub fn routes_overlap(a: &ValidSpec, b: &ValidSpec) -> bool {
    let theirs = prefixes(b);
    prefixes(a)
        .iter()
        .any(|(p, _)| theirs.iter().any(|(q, _)| overlap(p, q)))
}

/// Whether one path can be the start of the other, so that a request could be meant for either.
fn overlap(a: &[Part], b: &[Part]) -> bool {
    for (x, y) in a.iter().zip(b) {
        match (x, y) {
            (Part::Any, _) | (_, Part::Any) => return true,
            (Part::Literal(x), Part::Literal(y)) if x != y => return false,
            _ => {}
        }
    }
    true
}

fn display(path: &[Part]) -> String {
    path.iter()
        .map(|p| match p {
            Part::Literal(s) => format!("/{s}"),
            Part::Any => "/{…}".to_owned(),
        })
        .collect()
}

/// No two services answer under the same path, so that one gateway can route every request.
fn routes(system: &System, problems: &mut Vec<Problem>) {
    let all: Vec<Vec<(Vec<Part>, Place)>> = system
        .members
        .iter()
        .map(|m| {
            prefixes(&m.valid)
                .into_iter()
                .map(|(path, span)| (path, m.at(span)))
                .collect()
        })
        .collect();
    for (j, member) in system.members.iter().enumerate() {
        for (path, at) in &all[j] {
            let earlier = system.members[..j]
                .iter()
                .zip(&all[..j])
                .find_map(|(m, theirs)| {
                    theirs
                        .iter()
                        .find(|(p, _)| overlap(p, path))
                        .map(|(p, place)| (m, p, *place))
                });
            if let Some((other, theirs, place)) = earlier {
                let shown = if theirs == path {
                    format!("`{}`", display(path))
                } else {
                    format!("`{}` and `{}`", display(theirs), display(path))
                };
                problems.push(
                    Problem::new(
                        *at,
                        format!(
                            "`{}` and `{}` both answer under {shown}: a gateway in front of the system could not tell their requests apart",
                            other.name(),
                            member.name()
                        ),
                    )
                    .related(place, format!("`{}` answers here", other.name()))
                    .help("give one of them another `base_path`, or its resource another name"),
                );
            }
        }
    }
}

/// The pairs of services an event passes between: producer, consumer, and the consumed event.
fn links(system: &System) -> Vec<(&Member, &Member, &Event)> {
    let mut out = Vec::new();
    for consumer in &system.members {
        for event in &consumer.spec().events.consume {
            for (producer, _) in system.publishers(&event.subject.value) {
                out.push((producer, consumer, event));
            }
        }
    }
    out
}

/// Events between two services need a broker both of them use.
fn brokers(system: &System, problems: &mut Vec<Problem>) {
    let links: Vec<_> = links(system)
        .into_iter()
        .filter(|(p, c, _)| p.name() != c.name())
        .collect();
    if let Some(broker) = &system.manifest.broker {
        if broker.value == Broker::None {
            if let Some((producer, consumer, event)) = links.first() {
                problems.push(
                    Problem::new(
                        system.at(broker.span),
                        format!(
                            "`{}` publishes `{}` to `{}`, but with `broker: none` events never leave the service that publishes them",
                            producer.name(),
                            event.subject.value,
                            consumer.name()
                        ),
                    )
                    .related(consumer.at(event.subject.span), "consumed here")
                    .help(format!("choose a broker: {}", &Broker::ALL[1..].join(", "))),
                );
            }
            return;
        }
        for member in system.members.iter().filter(|m| m.has_events()) {
            let (theirs, at) = member.broker();
            if theirs != broker.value {
                problems.push(
                    Problem::new(
                        at,
                        format!(
                            "`{}` uses broker `{}`, but the services of the system exchange events over `{}`",
                            member.name(),
                            theirs.as_str(),
                            broker.value.as_str()
                        ),
                    )
                    .related(system.at(broker.span), "the system's broker")
                    .help(format!("set `broker: {}` in its spec", broker.value.as_str())),
                );
            }
        }
        return;
    }
    let mut seen = Vec::new();
    for (producer, consumer, event) in links {
        let ((theirs, p_at), (ours, c_at)) = (producer.broker(), consumer.broker());
        if (theirs == ours && ours != Broker::None)
            || seen.contains(&(producer.file, consumer.file))
        {
            continue;
        }
        seen.push((producer.file, consumer.file));
        let message = if theirs == ours {
            format!(
                "`{}` publishes `{}` to `{}`, but with `broker: none` events never leave the service that publishes them",
                producer.name(),
                event.subject.value,
                consumer.name()
            )
        } else {
            format!(
                "`{}` publishes `{}` over `{}`, but `{}` consumes it over `{}`",
                producer.name(),
                event.subject.value,
                theirs.as_str(),
                consumer.name(),
                ours.as_str()
            )
        };
        problems.push(
            Problem::new(c_at, message)
                .related(p_at, format!("`{}`'s broker", producer.name()))
                .help("give both services the same broker (not `none`), or name it once as `broker:` in the system manifest"),
        );
    }
}

fn events(system: &System, problems: &mut Vec<Problem>) {
    // One producer per subject.
    let mut producers: BTreeMap<&str, Vec<(&Member, &Event)>> = BTreeMap::new();
    for member in &system.members {
        for event in &member.spec().events.publish {
            producers
                .entry(event.subject.value.as_str())
                .or_default()
                .push((member, event));
        }
    }
    for list in producers.values() {
        let (first, first_event) = list[0];
        for (member, event) in &list[1..] {
            problems.push(
                Problem::new(
                    member.at(event.subject.span),
                    format!(
                        "`{}` is published by both `{}` and `{}`",
                        event.subject.value,
                        first.name(),
                        member.name()
                    ),
                )
                .related(first.at(first_event.subject.span), format!("`{}` publishes it here", first.name()))
                .help("a subject has one publisher, whose payload is its contract: give one of them another subject"),
            );
        }
    }
    for consumer in &system.members {
        for event in &consumer.spec().events.consume {
            consumed(system, &producers, consumer, event, problems);
        }
    }
}

/// Checks one consumed event against its producer.
fn consumed(
    system: &System,
    producers: &BTreeMap<&str, Vec<(&Member, &Event)>>,
    consumer: &Member,
    event: &Event,
    problems: &mut Vec<Problem>,
) {
    let named = event
        .from
        .as_ref()
        .map(|from| (from, system.member(&from.value)));
    if let Some((from, None)) = &named {
        let names = system.members.iter().map(|m| m.name());
        let help = match did_you_mean(&from.value, names) {
            Some(meant) => format!("did you mean `{meant}`?"),
            None => {
                let mut names: Vec<String> = Vec::new();
                for member in &system.members {
                    let name = format!("`{}`", member.name());
                    if !names.contains(&name) {
                        names.push(name);
                    }
                }
                format!("the system's services are {}", names.join(", "))
            }
        };
        problems.push(
            Problem::new(
                consumer.at(from.span),
                format!(
                    "`from: {}` names no service of the system",
                    show(&from.value)
                ),
            )
            .help(help),
        );
    }
    let Some(&(producer, published)) = producers
        .get(event.subject.value.as_str())
        .and_then(|list| list.first())
    else {
        let subjects = producers.keys().copied();
        let help = match did_you_mean(&event.subject.value, subjects) {
            Some(meant) => format!(
                "did you mean `{meant}`, which `{}` publishes?",
                producers[meant][0].0.name()
            ),
            None => match &named {
                Some((_, Some(from))) if !from.spec().events.publish.is_empty() => format!(
                    "`{}` publishes {}",
                    from.name(),
                    from.spec()
                        .events
                        .publish
                        .iter()
                        .map(|e| format!("`{}`", e.subject.value))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
                _ => "publish it from the service that owns the event, or stop consuming it"
                    .to_owned(),
            },
        };
        let mut problem = Problem::new(
            consumer.at(event.subject.span),
            format!(
                "no service of the system publishes `{}`, which `{}` consumes",
                event.subject.value,
                consumer.name()
            ),
        )
        .help(help);
        if let Some((_, Some(from))) = &named {
            problem = problem.related(
                from.at(from.spec().service.span),
                format!("`{}` publishes no such subject", from.name()),
            );
        }
        problems.push(problem);
        return;
    };
    if let Some((from, Some(named))) = &named {
        if named.name() != producer.name() {
            problems.push(
                Problem::new(
                    consumer.at(from.span),
                    format!(
                        "`{}` is published by `{}`, not by `{}`",
                        event.subject.value,
                        producer.name(),
                        named.name()
                    ),
                )
                .related(producer.at(published.subject.span), "published here")
                .help(format!("write `from: {}`", producer.name())),
            );
        }
    }
    if event.name.value != published.name.value {
        problems.push(
            Problem::new(
                consumer.at(event.name.span),
                format!(
                    "`{}` publishes `{}` as `{}`: envelopes of that type would go to `{}`'s dead letters",
                    producer.name(),
                    event.subject.value,
                    published.name.value,
                    consumer.name()
                ),
            )
            .related(producer.at(published.name.span), "the event's name where it is published")
            .help(format!("name the consumed event `{}`", published.name.value)),
        );
    }
    for field in &event.payload {
        payload_field(producer, published, consumer, event, field, problems);
    }
}

/// Whether a consumer's field of type `consumer` reads every value a producer writes as
/// `producer`: the same type or a widening of it (docs/systems.md).
pub fn reads(consumer: FieldType, producer: FieldType) -> bool {
    use FieldType::*;
    consumer == producer
        || consumer == Json
        || matches!(
            (producer, consumer),
            (Int, Bigint) | (Int, Float) | (String, Text) | (Text, String)
        )
}

fn payload_field(
    producer: &Member,
    published: &Event,
    consumer: &Member,
    event: &Event,
    field: &Field,
    problems: &mut Vec<Problem>,
) {
    let name = &field.name.value;
    let Some(theirs) = published.payload.iter().find(|f| f.name.value == *name) else {
        if field.is_optional() {
            return;
        }
        let candidates = published
            .payload
            .iter()
            .map(|f| f.name.value.as_str())
            // A field read under its own name here is not the one this was renamed to.
            .filter(|n| !event.payload.iter().any(|f| f.name.value == *n));
        let help = match did_you_mean(name, candidates) {
            Some(meant) => format!(
                "did you mean `{meant}`? A field renamed where it is published must be renamed here too"
            ),
            None => "make it `optional: true` here, or publish it".to_owned(),
        };
        problems.push(
            Problem::new(
                consumer.at(field.name.span),
                format!(
                    "`{}` reads `{name}` from `{}`, which `{}` does not publish",
                    consumer.name(),
                    published.name.value,
                    producer.name()
                ),
            )
            .related(
                producer.at(published.name.span),
                format!("published without `{name}`"),
            )
            .help(help),
        );
        return;
    };
    if !reads(field.ty.value, theirs.ty.value) {
        problems.push(
            Problem::new(
                consumer.at(field.ty.span),
                format!(
                    "`{name}` is read as `{}` here but published as `{}` by `{}`",
                    field.ty.value,
                    theirs.ty.value,
                    producer.name()
                ),
            )
            .related(
                producer.at(theirs.ty.span),
                format!("published as `{}`", theirs.ty.value),
            )
            .help(format!("make it `{}`", theirs.ty.value)),
        );
        return;
    }
    if let (Some(ours), Some(published_values)) = (&field.values, &theirs.values) {
        let missing: Vec<&str> = published_values
            .value
            .iter()
            .map(|v| v.value.as_str())
            .filter(|v| !ours.value.iter().any(|o| o.value == *v))
            .collect();
        if !missing.is_empty() {
            let list = missing
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ");
            problems.push(
                Problem::new(
                    consumer.at(ours.span),
                    format!(
                        "`{name}` here cannot read {list}, which `{}` publishes",
                        producer.name()
                    ),
                )
                .related(producer.at(published_values.span), "the published values")
                .help(format!("add {list} to its values")),
            );
        }
    }
    if !field.is_optional() {
        if let Some(optional) = theirs.optional.as_ref().filter(|o| o.value) {
            problems.push(
                Problem::new(
                    consumer.at(field.name.span),
                    format!(
                        "`{name}` is required here but optional where `{}` publishes it: an event without it would go to the dead letters",
                        producer.name()
                    ),
                )
                .related(producer.at(optional.span), "optional here")
                .help("make it `optional: true` here too"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consumers_read_what_is_published_or_a_widening_of_it() {
        use FieldType::*;
        assert!(reads(Decimal, Decimal));
        assert!(reads(Bigint, Int));
        assert!(reads(Float, Int));
        assert!(reads(Text, String));
        assert!(reads(String, Text));
        assert!(reads(Json, Uuid));
        assert!(!reads(Int, Bigint));
        assert!(!reads(String, Decimal));
        assert!(!reads(Float, Bigint));
        assert!(!reads(Date, Datetime));
    }

    #[test]
    fn overlapping_paths() {
        let lit = |s: &str| Part::Literal(s.to_owned());
        assert!(overlap(&[lit("api"), lit("a")], &[lit("api"), lit("a")]));
        assert!(!overlap(&[lit("api"), lit("a")], &[lit("api"), lit("b")]));
        assert!(overlap(&[lit("api"), Part::Any], &[lit("api"), lit("b")]));
        assert!(overlap(&[lit("api")], &[lit("api"), lit("b")]));
        assert!(!overlap(&[lit("v1"), lit("a")], &[lit("v2"), Part::Any]));
    }
}
