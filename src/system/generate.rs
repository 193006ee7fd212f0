//! The files of a system beside its services: one compose file for the whole system, a
//! kustomize overlay deploying every service, and Backstage catalog entries for the system and
//! each service with the APIs it provides and consumes.

use heck::ToShoutySnakeCase;
use serde::Serialize;

use crate::render::{self, File, RenderError};
use crate::spec::Broker;

use super::System;

#[derive(Debug, Serialize)]
struct Vars {
    system: SystemVars,
    services: Vec<ServiceVars>,
    /// Whether a service uses PostgreSQL: the compose file then runs one server for them all.
    postgres: bool,
    /// The SQLite services, each with a volume of its own.
    sqlite: Vec<String>,
    /// What the compose file runs besides the services: PostgreSQL with the first broker, then
    /// each other broker.
    backing: Vec<Backing>,
    /// The services the overlay gives the system's `EVENTS_PREFIX`: those with a broker, when
    /// the system has a prefix.
    prefixed: Vec<String>,
    /// The gateway, when a service has HTTP endpoints.
    gateway: Option<GatewayVars>,
}

#[derive(Debug, Serialize)]
struct GatewayVars {
    name: String,
    folder: &'static str,
    port: u16,
    /// Every service with endpoints, where it answers in the compose file.
    calls: Vec<Address>,
}

#[derive(Debug, Serialize)]
struct SystemVars {
    name: String,
    description: Option<String>,
    owner: String,
    /// The `EVENTS_PREFIX` of every service with a broker: `<events_prefix>.`, or empty.
    events_prefix: String,
}

#[derive(Debug, Serialize)]
struct Backing {
    postgres: bool,
    broker: &'static str,
}

#[derive(Debug, Serialize)]
struct ServiceVars {
    name: String,
    folder: String,
    description: Option<String>,
    port: u16,
    crate_name: String,
    database: &'static str,
    broker: &'static str,
    /// `experimental` before version 1.0.0, `production` from it.
    lifecycle: &'static str,
    provides: Vec<Api>,
    /// The APIs of other services it uses, by catalog name.
    consumes: Vec<String>,
    /// The services of the system it calls (`dependencies:`), where they answer in the
    /// compose file.
    calls: Vec<Address>,
}

#[derive(Debug, Serialize)]
struct Address {
    /// The service.
    service: String,
    /// The variable the caller reads it from: `PAYMENT_SERVICE_URL`.
    env: String,
    url: String,
}

#[derive(Debug, Serialize)]
struct Api {
    name: String,
    /// The catalog's API type: `openapi`, `asyncapi` or `grpc`.
    kind: &'static str,
    description: String,
    /// Relative to the service's folder.
    document: String,
}

/// The catalog name of the API a service's events make up.
fn events_api(service: &str) -> String {
    format!("{service}-events")
}

/// Where `member` answers on `port` in the compose file.
fn address(member: &super::Member, port: u16) -> Address {
    let name = member.name();
    Address {
        service: name.to_owned(),
        env: format!("{}_URL", name.to_shouty_snake_case()),
        url: format!("http://{name}:{port}"),
    }
}

/// Every file of the system outside its services' own, paths relative to the manifest.
pub fn files(system: &System) -> Result<Vec<File>, RenderError> {
    let services: Vec<ServiceVars> = system
        .members
        .iter()
        .map(|member| {
            let spec = member.spec();
            let name = member.name().to_owned();
            let major = spec
                .version
                .as_ref()
                .and_then(|v| v.value.split('.').next()?.parse::<u64>().ok())
                .unwrap_or(0);
            let mut provides = vec![Api {
                name: format!("{name}-http"),
                kind: "openapi",
                description: format!("The HTTP API of {name}."),
                document: "openapi.yaml".into(),
            }];
            if !spec.events.publish.is_empty() {
                provides.push(Api {
                    name: events_api(&name),
                    kind: "asyncapi",
                    description: format!("The events {name} publishes and consumes."),
                    document: "asyncapi.yaml".into(),
                });
            }
            if member.grpc_port().is_some() {
                let krate = member.crate_name();
                provides.push(Api {
                    name: format!("{name}-grpc"),
                    kind: "grpc",
                    description: format!("The gRPC API of {name}."),
                    document: format!("proto/{krate}/v1/{krate}.proto"),
                });
            }
            let mut consumes: Vec<String> = Vec::new();
            let mut calls = Vec::new();
            for dependency in &spec.dependencies {
                let callee = &dependency.service.value;
                let Some(other) = system.members.iter().find(|m| m.name() == callee) else {
                    continue;
                };
                let transport = if member.calls_over_grpc(other) {
                    "grpc"
                } else {
                    "http"
                };
                consumes.push(format!("{callee}-{transport}"));
                calls.push(address(other, member.port_for_calls_to(other)));
            }
            for event in &spec.events.consume {
                for (producer, _) in system.publishers(&event.subject.value) {
                    let api = events_api(producer.name());
                    if producer.name() != name && !consumes.contains(&api) {
                        consumes.push(api);
                    }
                }
            }
            ServiceVars {
                folder: member.folder.value.clone(),
                description: spec.description.as_ref().map(|d| d.value.clone()),
                port: member.port().0,
                crate_name: member.crate_name().to_owned(),
                database: member.database().as_str(),
                broker: member.broker().0.as_str(),
                lifecycle: if major >= 1 {
                    "production"
                } else {
                    "experimental"
                },
                provides,
                consumes,
                calls,
                name,
            }
        })
        .collect();
    let postgres = services.iter().any(|s| s.database == "postgres");
    let mut brokers: Vec<&'static str> = Vec::new();
    for s in &services {
        if s.broker != Broker::None.as_str() && !brokers.contains(&s.broker) {
            brokers.push(s.broker);
        }
    }
    let mut backing: Vec<Backing> = brokers
        .iter()
        .enumerate()
        .map(|(i, broker)| Backing {
            postgres: postgres && i == 0,
            broker,
        })
        .collect();
    if backing.is_empty() {
        backing.push(Backing {
            postgres,
            broker: Broker::None.as_str(),
        });
    }
    let manifest = &system.manifest;
    let sqlite = services
        .iter()
        .filter(|s| s.database == "sqlite")
        .map(|s| s.name.clone())
        .collect();
    let prefixed = services
        .iter()
        .filter(|s| manifest.events_prefix.is_some() && s.broker != Broker::None.as_str())
        .map(|s| s.name.clone())
        .collect();
    let calls: Vec<Address> = super::gateway::upstreams(system)
        .map(|member| address(member, member.port().0))
        .collect();
    let gateway = (!calls.is_empty()).then(|| GatewayVars {
        name: super::gateway::package(system),
        folder: super::gateway::FOLDER,
        port: super::gateway::port(system),
        calls,
    });
    let vars = Vars {
        gateway,
        system: SystemVars {
            name: manifest.name.value.clone(),
            description: manifest.description.as_ref().map(|d| d.value.clone()),
            owner: manifest.owner(),
            events_prefix: manifest.events_prefix(),
        },
        sqlite,
        postgres,
        backing,
        prefixed,
        services,
    };
    let mut files = vec![
        render::system_file("compose.yaml", "compose.yaml", &vars)?,
        render::system_file("kustomization.yaml", "deploy/kustomization.yaml", &vars)?,
        render::system_file("catalog-info.yaml", "catalog-info.yaml", &vars)?,
    ];
    for s in &vars.services {
        #[derive(Serialize)]
        struct One<'a> {
            system: &'a SystemVars,
            s: &'a ServiceVars,
        }
        let one = One {
            system: &vars.system,
            s,
        };
        files.push(render::system_file(
            "service-catalog-info.yaml",
            format!("{}/catalog-info.yaml", s.folder),
            &one,
        )?);
    }
    if vars.gateway.is_some() {
        files.extend(super::gateway::files(system)?);
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(files)
}
