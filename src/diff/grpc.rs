//! The gRPC contract: the `.proto` file each version writes, compared as `buf breaking` does
//! with its `FILE` rules, which the `buf.yaml` msgen writes names. The new version is numbered
//! after the old one, as regenerating numbers it, so a field is compared by name and keeps its
//! number; a field removed leaves its number reserved.
//!
//! A gRPC client is code generated from the contract, so the checks do not depend on who
//! writes a message: a field removed from a request breaks the build of a client that sets
//! it, as one removed from a response breaks one that reads it.

use super::{Anchor, Change, Node};
use crate::ir::Service;
use crate::render::proto::{self, Message, Proto, ProtoField, Rpc};

/// Compares the gRPC contracts of two versions of a service, when either has one.
pub fn compare(old: &Service, new: &Service) -> Vec<Change> {
    let Some((old_proto, numbers)) = proto::model(old, None) else {
        return match proto::model(new, None) {
            Some((new_proto, _)) => vec![Change::new(
                "grpc-contract-added",
                format!("gRPC service {}", qualified(&new_proto)),
                format!("now served over gRPC ({})", new_proto.path),
            )
            .anchored(None, Some(Node::Service))],
            None => Vec::new(),
        };
    };
    let Some((new_proto, _)) = proto::model(new, Some(&numbers)) else {
        return vec![Change::new(
            "grpc-contract-removed",
            format!("gRPC service {}", qualified(&old_proto)),
            "no longer served over gRPC: every rpc is gone".to_owned(),
        )
        .anchored(Some(Node::Service), None)];
    };
    let contracts = Contracts {
        old: &old_proto,
        new: &new_proto,
        old_service: old,
        new_service: new,
    };
    contracts.compare()
}

/// `payment_service.v1.PaymentService`.
fn qualified(proto: &Proto) -> String {
    format!("{}.{}", proto.package, proto.service)
}

struct Contracts<'a> {
    old: &'a Proto,
    new: &'a Proto,
    old_service: &'a Service,
    new_service: &'a Service,
}

impl Contracts<'_> {
    fn compare(&self) -> Vec<Change> {
        let (old, new) = (self.old, self.new);
        if old.package != new.package || old.service != new.service {
            // Every name clients call is a new one: the contract is another.
            return vec![Change::new(
                "grpc-service-renamed",
                format!("gRPC service {}", qualified(old)),
                format!("is now {}: every rpc moves with it", qualified(new)),
            )
            .anchored(Some(Node::Service), Some(Node::Service))];
        }
        let mut changes = Vec::new();
        let at = |rpc: &Rpc| format!("rpc {}/{}", old.service, rpc.name);
        for o in &old.rpcs {
            if !new.rpcs.iter().any(|n| n.name == o.name) {
                changes.push(
                    Change::new("grpc-rpc-removed", at(o), "was removed".to_owned())
                        .anchored(Some(rpc_node(o)), None),
                );
            }
        }
        for n in new
            .rpcs
            .iter()
            .filter(|n| !old.rpcs.iter().any(|o| o.name == n.name))
        {
            changes.push(
                Change::new("grpc-rpc-added", at(n), "was added".to_owned())
                    .anchored(None, Some(rpc_node(n))),
            );
        }
        // The messages of a removed rpc go with it; the rpc says so.
        let gone_with_rpc = |message: &str| {
            old.rpcs.iter().any(|o| {
                (o.request == message || o.response == message)
                    && !new.rpcs.iter().any(|n| n.name == o.name)
            })
        };
        for o in &old.messages {
            let Some(n) = new.messages.iter().find(|n| n.name == o.name) else {
                if !gone_with_rpc(&o.name) {
                    changes.push(
                        Change::new(
                            "grpc-message-removed",
                            format!("message {}", o.name),
                            "was removed".to_owned(),
                        )
                        .anchored(self.message_node(old, o), None),
                    );
                }
                continue;
            };
            self.fields(o, n, &mut changes);
        }
        for o in &old.enums {
            let at = format!("enum {}", o.name);
            let Some(n) = new.enums.iter().find(|n| n.name == o.name) else {
                changes.push(
                    Change::new("grpc-enum-removed", at, "was removed".to_owned())
                        .anchored(self.enum_node(old, &o.name, true), None),
                );
                continue;
            };
            let anchor = Anchor {
                old: self.enum_node(old, &o.name, true),
                new: self.enum_node(new, &n.name, false),
            };
            for (value, number) in &o.values {
                if !n.values.iter().any(|(v, _)| v == value) {
                    let name = proto::enum_value(&o.prefix, value);
                    changes.push(
                        Change::new(
                            "grpc-enum-value-removed",
                            &at,
                            format!("`{name}` ({number}) was removed; its number is reserved"),
                        )
                        .subject(name)
                        .anchored(anchor.old.clone(), anchor.new.clone()),
                    );
                }
            }
            for (value, number) in &n.values {
                if !o.values.iter().any(|(v, _)| v == value) {
                    let name = proto::enum_value(&n.prefix, value);
                    changes.push(
                        Change::new(
                            "grpc-enum-value-added",
                            &at,
                            format!("`{name}` ({number}) was added"),
                        )
                        .subject(name)
                        .anchored(anchor.old.clone(), anchor.new.clone()),
                    );
                }
            }
        }
        changes
    }

    /// The changes to the fields of a message both versions have.
    fn fields(&self, o: &Message, n: &Message, changes: &mut Vec<Change>) {
        let at = format!("message {}", o.name);
        let node = |message: &Message, field: &ProtoField, old: bool| {
            self.field_node(message, &field.name, old)
                .or_else(|| self.message_node(self.proto(old), message))
        };
        for of in &o.fields {
            let Some(nf) = n.fields.iter().find(|nf| nf.name == of.name) else {
                changes.push(
                    Change::new(
                        "grpc-field-removed",
                        &at,
                        format!(
                            "`{}` ({}) was removed; its number and name are reserved",
                            of.name, of.number
                        ),
                    )
                    .subject(&of.name)
                    .anchored(node(o, of, true), self.message_node(self.new, n)),
                );
                continue;
            };
            let anchored = |change: Change| {
                change
                    .subject(&of.name)
                    .anchored(node(o, of, true), node(n, nf, false))
            };
            if of.ty != nf.ty {
                changes.push(anchored(Change::new(
                    "grpc-field-type-changed",
                    &at,
                    format!("`{}` changed from `{}` to `{}`", of.name, of.ty, nf.ty),
                )));
            }
            if of.label != nf.label {
                let message = match (of.label, nf.label) {
                    (old, "") => format!("`{}` is no longer `{old}`", of.name),
                    (_, new) => format!("`{}` is now `{new}`", of.name),
                };
                changes.push(anchored(Change::new(
                    "grpc-field-cardinality-changed",
                    &at,
                    message,
                )));
            }
        }
        for nf in n
            .fields
            .iter()
            .filter(|nf| !o.fields.iter().any(|of| of.name == nf.name))
        {
            changes.push(
                Change::new(
                    "grpc-field-added",
                    &at,
                    format!("`{}` ({}) was added", nf.name, nf.number),
                )
                .subject(&nf.name)
                .anchored(self.message_node(self.old, o), node(n, nf, false)),
            );
        }
    }

    fn proto(&self, old: bool) -> &Proto {
        if old {
            self.old
        } else {
            self.new
        }
    }

    fn service(&self, old: bool) -> &Service {
        if old {
            self.old_service
        } else {
            self.new_service
        }
    }

    /// The spec element a message comes from: its entity, or the operation whose request or
    /// response it is.
    fn message_node(&self, proto: &Proto, message: &Message) -> Option<Node> {
        if let Some(entity) = &message.entity {
            return Some(Node::Entity(entity.clone()));
        }
        proto
            .rpcs
            .iter()
            .find(|r| r.request == message.name || r.response == message.name)
            .map(rpc_node)
    }

    /// The spec element a field comes from: a field of an entity, or a parameter or body
    /// field of a custom operation.
    fn field_node(&self, message: &Message, field: &str, old: bool) -> Option<Node> {
        let service = self.service(old);
        if let Some(entity) = &message.entity {
            let e = service.entities.iter().find(|e| &e.name == entity)?;
            return e.field(field).map(|_| Node::Field {
                entity: entity.clone(),
                name: field.to_owned(),
            });
        }
        let rpc = self
            .proto(old)
            .rpcs
            .iter()
            .find(|r| r.request == message.name || r.response == message.name)?;
        if rpc.entity.is_some() {
            return None;
        }
        let request = rpc.request == message.name;
        let operation = service
            .resources
            .iter()
            .flat_map(|r| &r.operations)
            .find(|op| op.name == rpc.operation)?;
        if request && operation.params.iter().any(|p| p.name == field) {
            return Some(Node::Param {
                endpoint: operation.name.clone(),
                name: field.to_owned(),
            });
        }
        let body = if request {
            &operation.request
        } else {
            &operation.response
        };
        let inline = body.as_ref().is_some_and(|b| b.entity.is_none());
        Some(if inline {
            Node::BodyField {
                endpoint: operation.name.clone(),
                request,
                name: field.to_owned(),
            }
        } else {
            Node::Endpoint(operation.name.clone())
        })
    }

    /// Where an enum comes from: the first field of the contract of its type.
    fn enum_node(&self, proto: &Proto, name: &str, old: bool) -> Option<Node> {
        proto.messages.iter().find_map(|m| {
            let field = m.fields.iter().find(|f| f.ty == name)?;
            self.field_node(m, &field.name, old)
                .or_else(|| self.message_node(proto, m))
        })
    }
}

/// The spec element an rpc comes from: its resource, or its custom operation.
fn rpc_node(rpc: &Rpc) -> Node {
    match &rpc.entity {
        Some(entity) => Node::Resource(entity.clone()),
        None => Node::Endpoint(rpc.operation.clone()),
    }
}
