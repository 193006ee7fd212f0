//! The picture of a system: its services, their databases, the subjects between them with
//! their publishers and consumers, and the calls they make to each other, as JSON, Mermaid,
//! Graphviz DOT and the `SYSTEM.md` page.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use crate::spec::{Database, FieldType};

use super::System;

/// The file `msgen system graph` writes beside the manifest.
pub const PAGE: &str = "SYSTEM.md";

/// What the drawings show, and the JSON other tools read.
#[derive(Debug, Serialize)]
pub struct Graph {
    pub system: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub services: Vec<ServiceNode>,
    /// By subject.
    pub subjects: Vec<SubjectNode>,
    /// The requests services make to each other (`dependencies:`), by caller.
    pub calls: Vec<CallEdge>,
}

#[derive(Debug, Serialize)]
pub struct CallEdge {
    pub caller: String,
    pub service: String,
    /// The operations it calls, as its spec names them.
    pub operations: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct ServiceNode {
    pub name: String,
    /// Relative to the manifest.
    pub folder: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub port: u16,
    pub base_path: String,
    pub database: DatabaseNode,
    pub broker: &'static str,
    /// Subjects, in the order of its spec.
    pub publishes: Vec<String>,
    pub consumes: Vec<String>,
}

#[derive(Debug, Serialize)]
pub struct DatabaseNode {
    /// `sqlite` or `postgres`.
    pub kind: &'static str,
    /// The SQLite file or the PostgreSQL database the service uses by default.
    pub name: String,
}

#[derive(Debug, Serialize)]
pub struct SubjectNode {
    pub subject: String,
    /// The event's name where it is published, else where it is first consumed.
    pub event: String,
    pub publishers: Vec<String>,
    pub consumers: Vec<String>,
    /// The payload as published (as consumed when nobody publishes it).
    pub payload: Vec<PayloadField>,
}

#[derive(Debug, Serialize)]
pub struct PayloadField {
    pub name: String,
    #[serde(rename = "type")]
    pub ty: FieldType,
    pub optional: bool,
}

impl Graph {
    pub fn of(system: &System) -> Self {
        let mut services = Vec::new();
        let mut subjects: BTreeMap<String, SubjectNode> = BTreeMap::new();
        let mut calls = Vec::new();
        for member in &system.members {
            let spec = member.spec();
            let name = member.name().to_owned();
            for dependency in &spec.dependencies {
                calls.push(CallEdge {
                    caller: name.clone(),
                    service: dependency.service.value.clone(),
                    operations: dependency
                        .operations
                        .iter()
                        .flat_map(|o| &o.value)
                        .map(|o| o.value.clone())
                        .collect(),
                });
            }
            let database = DatabaseNode {
                kind: member.database().as_str(),
                name: match member.database() {
                    Database::Postgres => member.crate_name().to_owned(),
                    Database::Sqlite => format!("{name}.db"),
                },
            };
            for (event, publishing) in spec
                .events
                .publish
                .iter()
                .map(|e| (e, true))
                .chain(spec.events.consume.iter().map(|e| (e, false)))
            {
                let node = subjects
                    .entry(event.subject.value.clone())
                    .or_insert_with(|| SubjectNode {
                        subject: event.subject.value.clone(),
                        event: event.name.value.clone(),
                        publishers: Vec::new(),
                        consumers: Vec::new(),
                        payload: Vec::new(),
                    });
                // The payload as its publisher writes it; as first consumed while none does.
                let describes =
                    node.publishers.is_empty() && (publishing || node.consumers.is_empty());
                if describes {
                    node.event = event.name.value.clone();
                    node.payload = event
                        .payload
                        .iter()
                        .map(|f| PayloadField {
                            name: f.name.value.clone(),
                            ty: f.ty.value,
                            optional: f.is_optional(),
                        })
                        .collect();
                }
                if publishing {
                    node.publishers.push(name.clone());
                } else {
                    node.consumers.push(name.clone());
                }
            }
            services.push(ServiceNode {
                name,
                folder: member.folder.value.clone(),
                description: spec.description.as_ref().map(|d| d.value.clone()),
                port: member.port().0,
                base_path: spec
                    .base_path
                    .as_ref()
                    .map(|b| b.value.clone())
                    .unwrap_or_default(),
                database,
                broker: member.broker().0.as_str(),
                publishes: spec
                    .events
                    .publish
                    .iter()
                    .map(|e| e.subject.value.clone())
                    .collect(),
                consumes: spec
                    .events
                    .consume
                    .iter()
                    .map(|e| e.subject.value.clone())
                    .collect(),
            });
        }
        Self {
            system: system.manifest.name.value.clone(),
            description: system
                .manifest
                .description
                .as_ref()
                .map(|d| d.value.clone()),
            services,
            subjects: subjects.into_values().collect(),
            calls,
        }
    }

    pub fn json(&self) -> String {
        let mut out = serde_json::to_string_pretty(self).expect("the graph is plain data");
        out.push('\n');
        out
    }

    /// A Mermaid flowchart: services as boxes, their databases as cylinders, subjects as
    /// hexagons, arrows from publishers to subjects to consumers.
    pub fn mermaid(&self) -> String {
        let mut out = String::from("flowchart LR\n");
        for service in &self.services {
            let id = mermaid_id(&service.name);
            let _ = writeln!(
                out,
                "    {id}[\"{}<br/>:{}{}\"]",
                service.name,
                service.port,
                if service.base_path.is_empty() {
                    String::new()
                } else {
                    format!(" {}", service.base_path)
                }
            );
            let _ = writeln!(
                out,
                "    db_{id}[(\"{}<br/>{}\")]",
                service.database.name,
                database_label(service.database.kind)
            );
            let _ = writeln!(out, "    {id} --- db_{id}");
        }
        for (i, subject) in self.subjects.iter().enumerate() {
            let id = format!("subject_{}", i + 1);
            let _ = writeln!(
                out,
                "    {id}{{{{\"{}<br/>{}\"}}}}",
                subject.subject, subject.event
            );
            for publisher in &subject.publishers {
                let _ = writeln!(out, "    {} -- publishes --> {id}", mermaid_id(publisher));
            }
            for consumer in &subject.consumers {
                let _ = writeln!(out, "    {id} -- consumed by --> {}", mermaid_id(consumer));
            }
        }
        for call in &self.calls {
            let (from, to) = (mermaid_id(&call.caller), mermaid_id(&call.service));
            let _ = writeln!(out, "    {from} -. calls .-> {to}");
        }
        out
    }

    /// The same drawing in Graphviz DOT.
    pub fn dot(&self) -> String {
        let mut out = format!(
            "digraph {} {{\n    rankdir=LR;\n    node [fontname=\"Helvetica\"];\n",
            quoted(&self.system)
        );
        for service in &self.services {
            let id = quoted(&format!("service:{}", service.name));
            let db = quoted(&format!("database:{}", service.name));
            let _ = writeln!(
                out,
                "    {id} [shape=box, label={}];",
                quoted(
                    format!("{}\n:{} {}", service.name, service.port, service.base_path).trim_end()
                )
            );
            let _ = writeln!(
                out,
                "    {db} [shape=cylinder, label={}];",
                quoted(&format!(
                    "{}\n{}",
                    service.database.name,
                    database_label(service.database.kind)
                ))
            );
            let _ = writeln!(out, "    {id} -> {db} [arrowhead=none];");
        }
        for subject in &self.subjects {
            let id = quoted(&format!("subject:{}", subject.subject));
            let _ = writeln!(
                out,
                "    {id} [shape=hexagon, label={}];",
                quoted(&format!("{}\n{}", subject.subject, subject.event))
            );
            for publisher in &subject.publishers {
                let from = quoted(&format!("service:{publisher}"));
                let _ = writeln!(out, "    {from} -> {id} [label=\"publishes\"];");
            }
            for consumer in &subject.consumers {
                let to = quoted(&format!("service:{consumer}"));
                let _ = writeln!(out, "    {id} -> {to} [label=\"consumed by\"];");
            }
        }
        for call in &self.calls {
            let from = quoted(&format!("service:{}", call.caller));
            let to = quoted(&format!("service:{}", call.service));
            let _ = writeln!(out, "    {from} -> {to} [label=\"calls\", style=dashed];");
        }
        out.push_str("}\n");
        out
    }

    /// `SYSTEM.md`: the drawing and tables of the services and events, for a code host to show.
    pub fn page(&self, manifest: &str) -> String {
        let mut out = format!(
            "<!-- Generated by `msgen system graph` from {manifest} and the services' specs: edit those, then run it again. -->\n# {}\n\n",
            self.system
        );
        if let Some(description) = &self.description {
            let _ = write!(out, "{description}\n\n");
        }
        let _ = write!(out, "```mermaid\n{}```\n\n## Services\n\n", self.mermaid());
        out.push_str("| service | folder | port | base path | database | broker |\n");
        out.push_str("| --- | --- | --- | --- | --- | --- |\n");
        for s in &self.services {
            let _ = writeln!(
                out,
                "| `{}` | [`{}`]({}/msgen.yaml) | {} | {} | {} `{}` | {} |",
                s.name,
                s.folder,
                s.folder,
                s.port,
                if s.base_path.is_empty() {
                    "/".to_owned()
                } else {
                    format!("`{}`", s.base_path)
                },
                database_label(s.database.kind),
                s.database.name,
                s.broker
            );
        }
        out.push_str("\n## Calls\n\n");
        if self.calls.is_empty() {
            out.push_str("No service calls another.\n");
        } else {
            out.push_str("| caller | service called | operations |\n");
            out.push_str("| --- | --- | --- |\n");
            for call in &self.calls {
                let operations: Vec<String> =
                    call.operations.iter().map(|o| format!("`{o}`")).collect();
                let _ = writeln!(
                    out,
                    "| `{}` | `{}` | {} |",
                    call.caller,
                    call.service,
                    operations.join(", ")
                );
            }
        }
        out.push_str("\n## Events\n\n");
        if self.subjects.is_empty() {
            out.push_str("No service publishes or consumes an event.\n");
            return out;
        }
        out.push_str("| subject | event | payload | published by | consumed by |\n");
        out.push_str("| --- | --- | --- | --- | --- |\n");
        let names = |list: &[String]| {
            if list.is_empty() {
                "none".to_owned()
            } else {
                list.iter()
                    .map(|n| format!("`{n}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            }
        };
        for s in &self.subjects {
            let payload = s
                .payload
                .iter()
                .map(|f| {
                    format!(
                        "`{}`: {}{}",
                        f.name,
                        f.ty,
                        if f.optional { "?" } else { "" }
                    )
                })
                .collect::<Vec<_>>()
                .join(", ");
            let _ = writeln!(
                out,
                "| `{}` | `{}` | {} | {} | {} |",
                s.subject,
                s.event,
                if payload.is_empty() {
                    "none".to_owned()
                } else {
                    payload
                },
                names(&s.publishers),
                names(&s.consumers)
            );
        }
        out
    }
}

fn database_label(kind: &str) -> &'static str {
    match kind {
        "postgres" => "PostgreSQL",
        _ => "SQLite",
    }
}

/// A service's node id: `svc_` and its kebab-case name with `_` for `-`, one word for Mermaid
/// and apart from the ids of databases (`db_svc_...`) and subjects (`subject_<n>`).
fn mermaid_id(service: &str) -> String {
    format!("svc_{}", service.replace('-', "_"))
}

/// A DOT string: names and subjects hold no quote, but the label's line breaks are escaped.
fn quoted(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\")
            .replace('"', "\\\"")
            .replace('\n', "\\n")
    )
}
