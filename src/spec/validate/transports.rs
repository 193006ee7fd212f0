//! `transports:` and what it allows: `grpc_port:`, and `grpc:` on endpoints.

use super::Validator;
use crate::spec::diagnostics::{show, Diagnostic};
use crate::spec::model::*;

impl<'a> Validator<'a> {
    pub(super) fn transports(&mut self) {
        let spec = self.spec;
        let mut grpc = false;
        if let Some(transports) = &spec.transports {
            let mut seen: Vec<Transport> = Vec::new();
            for transport in &transports.value {
                if seen.contains(&transport.value) {
                    self.report(
                        Diagnostic::error(transport.span, "`transports` names this one twice")
                            .with_help("list each transport once: `transports: [http, grpc]`"),
                    );
                }
                seen.push(transport.value);
            }
            grpc = seen.contains(&Transport::Grpc);
            if !seen.contains(&Transport::Http) {
                self.report(
                    Diagnostic::error(transports.span, "`transports` leaves out `http`")
                        .with_label("every service serves HTTP")
                        .with_help("its health checks, metrics and API reference are served over HTTP: write `transports: [http, grpc]`"),
                );
            }
        }
        if let Some(port) = &spec.grpc_port {
            if !grpc && !self.dropped.transports {
                self.report(
                    Diagnostic::error(port.span, "`grpc_port` without gRPC")
                        .with_help("add `transports: [http, grpc]`, or remove `grpc_port`"),
                );
            } else if spec.port.as_ref().map_or(8080, |p| p.value) == port.value {
                self.report(
                    Diagnostic::error(
                        port.span,
                        format!("`grpc_port` {} is the HTTP port", port.value),
                    )
                    .with_help(
                        "gRPC is served on a port of its own: choose another, such as 50051",
                    ),
                );
            }
        }
        for endpoint in &spec.endpoints {
            let (flag, what) = match endpoint {
                Endpoint::Resource(r) => {
                    (&r.grpc, format!("resource `{}`", show(&r.resource.value)))
                }
                Endpoint::Custom(c) => (&c.grpc, format!("endpoint `{}`", show(&c.name.value))),
            };
            if let Some(flag) = flag {
                if !grpc && !self.dropped.transports {
                    self.report(
                        Diagnostic::error(
                            flag.span,
                            format!("`grpc` on {what}, but the service serves no gRPC"),
                        )
                        .with_help(
                            "add `transports: [http, grpc]` at the top, or remove `grpc:` here",
                        ),
                    );
                }
            }
        }
        if grpc {
            let served = spec.endpoints.iter().any(|endpoint| {
                let flag = match endpoint {
                    Endpoint::Resource(r) => &r.grpc,
                    Endpoint::Custom(c) => &c.grpc,
                };
                flag.as_ref().is_none_or(|flag| flag.value)
            });
            if let (false, Some(transports)) = (served, &spec.transports) {
                self.report(
                    Diagnostic::error(
                        transports.span,
                        "`transports` has `grpc`, but no endpoint is served over gRPC",
                    )
                    .with_label("the contract would have no rpc")
                    .with_help(
                        "add an endpoint (without `grpc: false`), or write `transports: [http]`",
                    ),
                );
            }
            self.grpc_request_fields();
            self.grpc_enum_values();
        }
    }

    /// Each enum of the gRPC contract has `<ENUM>_UNSPECIFIED = 0` for no value: no value of
    /// the spec may take that name.
    fn grpc_enum_values(&mut self) {
        let spec = self.spec;
        let entity_fields = spec.entities.iter().flat_map(|e| &e.fields);
        let body_fields = spec.endpoints.iter().flat_map(|endpoint| match endpoint {
            Endpoint::Custom(c) => [&c.request, &c.response]
                .into_iter()
                .flatten()
                .flat_map(|body| match body {
                    Body::Inline { fields, .. } => fields.as_slice(),
                    Body::Entity(_) => &[],
                })
                .collect(),
            Endpoint::Resource(_) => Vec::new(),
        });
        let values = entity_fields
            .chain(body_fields)
            .filter_map(|field| field.values.as_ref())
            .flat_map(|values| &values.value);
        for value in values {
            if value.value.replace('-', "_") == "unspecified" {
                self.report(
                    Diagnostic::error(value.span, "enum value `unspecified` is taken in the gRPC contract")
                        .with_label("every enum of the contract has an `..._UNSPECIFIED` value of its own, 0: no value given")
                        .with_help("name it otherwise, e.g. `not_specified`"),
                );
            }
        }
    }

    /// A custom operation's gRPC request holds its path parameters and its inline request
    /// body's fields side by side: no two may share a name.
    fn grpc_request_fields(&mut self) {
        for endpoint in &self.spec.endpoints {
            let Endpoint::Custom(c) = endpoint else {
                continue;
            };
            if c.grpc.as_ref().is_some_and(|g| !g.value) {
                continue;
            }
            let Some(Body::Inline { fields, .. }) = &c.request else {
                continue;
            };
            for field in fields {
                if let Some(param) = c.params.iter().find(|p| p.name.value == field.name.value) {
                    self.report(
                        Diagnostic::error(
                            field.name.span,
                            format!(
                                "request field `{}` of `{}` has the name of a path parameter",
                                show(&field.name.value),
                                show(&c.name.value)
                            ),
                        )
                        .with_related(param.name.span, "the path parameter".to_owned())
                        .with_help("the gRPC request holds both: rename one, or write `grpc: false` on the endpoint"),
                    );
                }
            }
        }
    }
}
