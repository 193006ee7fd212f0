//! Systems: several services listed in one manifest, read together so that what passes
//! between them (events today) is checked from their specs before anything runs.
//!
//! Loading gives one [`System`]: the manifest and every service's validated spec. The
//! cross-service checks ([`check`]) and the drawing of the system ([`graph`]) read that value.

pub mod check;
pub mod gateway;
pub mod generate;
pub mod graph;
pub mod manifest;
pub mod reference;
pub mod report;
pub mod run;

use std::path::{Path, PathBuf};

use anyhow::Context as _;

use crate::spec::{self, Broker, Database, Source, Span, Spanned, Transport, ValidSpec};
pub use manifest::Manifest;
use report::{FileId, Place, Problem, Problems};

/// The port a service listens on when its spec names none (`port:` in docs/spec.md).
pub const DEFAULT_PORT: u16 = 8080;

/// A system: its manifest and its services, each with a spec that passed validation.
#[derive(Debug)]
pub struct System {
    /// The manifest's folder.
    pub root: PathBuf,
    pub manifest: Manifest,
    pub members: Vec<Member>,
    /// The manifest (0) and each service's spec, as problems point into them.
    pub files: Vec<Source>,
}

/// One service of a system.
#[derive(Debug)]
pub struct Member {
    /// Its entry in the manifest's `services:`.
    pub folder: Spanned<String>,
    /// Its spec among the system's files.
    pub file: FileId,
    pub valid: ValidSpec,
}

impl Member {
    pub fn spec(&self) -> &spec::Spec {
        self.valid.spec()
    }

    pub fn name(&self) -> &str {
        &self.spec().service.value
    }

    /// A place in this service's spec.
    pub fn at(&self, span: Span) -> Place {
        Place {
            file: self.file,
            span,
        }
    }

    /// The port it listens on, and where that is decided: its `port:`, or its name when it
    /// takes the default.
    pub fn port(&self) -> (u16, Place) {
        match &self.spec().port {
            Some(port) => (port.value, self.at(port.span)),
            None => (DEFAULT_PORT, self.at(self.spec().service.span)),
        }
    }

    /// The port of its gRPC server, and where that is decided (its `grpc_port:`, or its
    /// `transports:` when it takes the default); `None` when it serves no gRPC.
    pub fn grpc_port(&self) -> Option<(u16, Place)> {
        let spec = self.spec();
        let transports = spec.transports.as_ref()?;
        if !transports.value.iter().any(|t| t.value == Transport::Grpc) {
            return None;
        }
        Some(match &spec.grpc_port {
            Some(port) => (port.value, self.at(port.span)),
            None => (crate::ir::DEFAULT_GRPC_PORT, self.at(transports.span)),
        })
    }

    /// Whether this service calls `callee` over gRPC: its dependency says `transport: grpc`,
    /// and `callee` serves gRPC.
    pub fn calls_over_grpc(&self, callee: &Member) -> bool {
        callee.grpc_port().is_some()
            && self
                .spec()
                .dependencies
                .iter()
                .any(|d| d.service.value == callee.name() && d.over_grpc())
    }

    /// The port `callee` answers this service's calls on: its gRPC port for calls over gRPC,
    /// its HTTP port otherwise.
    pub fn port_for_calls_to(&self, callee: &Member) -> u16 {
        match callee.grpc_port() {
            Some((port, _)) if self.calls_over_grpc(callee) => port,
            _ => callee.port().0,
        }
    }

    /// Its crate's name (`payment_service`), also the name of its PostgreSQL database.
    pub fn crate_name(&self) -> &str {
        &self.valid.names().krate.text
    }

    /// Its database (`sqlite` unless the spec says otherwise).
    pub fn database(&self) -> Database {
        self.spec()
            .database
            .as_ref()
            .map_or(Database::Sqlite, |d| d.value)
    }

    /// Its broker, and where that is decided, like [`Member::port`].
    pub fn broker(&self) -> (Broker, Place) {
        match &self.spec().broker {
            Some(broker) => (broker.value, self.at(broker.span)),
            None => (Broker::None, self.at(self.spec().service.span)),
        }
    }

    /// Whether it publishes or consumes any event.
    pub fn has_events(&self) -> bool {
        let events = &self.spec().events;
        !events.publish.is_empty() || !events.consume.is_empty()
    }
}

/// Why a system could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The manifest or a spec has problems, each reported at its place.
    #[error("the system has problems")]
    Invalid(Problems),
    #[error(transparent)]
    Io(#[from] anyhow::Error),
}

/// Reads the manifest at `path` (shown as written) and the spec of every service it lists.
pub fn load(path: &Path) -> Result<System, LoadError> {
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the system manifest {}", path.display()))?;
    // Files are named from the manifest's path as written, and read from `.` when it has no
    // folder.
    let shown = path.parent().unwrap_or(Path::new(""));
    let root = if shown.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        shown.to_path_buf()
    };
    let mut files = vec![Source::new(path, text)];
    let manifest = match manifest::decode(&files[0]) {
        Ok(manifest) => manifest,
        Err(list) => {
            let problems = list.into_iter().map(|d| Problem::of(0, d)).collect();
            return Err(LoadError::Invalid(Problems::new(files, problems)));
        }
    };
    let mut problems = Vec::new();
    let mut members = Vec::new();
    for folder in &manifest.services {
        let spec_path = shown.join(&folder.value).join("msgen.yaml");
        let at = Place {
            file: 0,
            span: folder.span,
        };
        let text = match std::fs::read_to_string(&spec_path) {
            Ok(text) => text,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => {
                let help = if root.join(&folder.value).is_dir() {
                    "write its msgen.yaml, or remove the folder from `services:`".to_owned()
                } else {
                    format!(
                        "create the service with `msgen new {}` in the manifest's folder, or remove it from `services:`",
                        folder.value.rsplit('/').next().unwrap_or(&folder.value)
                    )
                };
                problems.push(
                    Problem::new(
                        at,
                        format!("`{}` has no msgen.yaml", spec::yaml::show(&folder.value)),
                    )
                    .help(help),
                );
                continue;
            }
            Err(err) => {
                return Err(LoadError::Io(
                    anyhow::Error::new(err).context(format!("cannot read {}", spec_path.display())),
                ))
            }
        };
        let file = files.len();
        files.push(Source::new(spec_path, text));
        match spec::check(&files[file]) {
            Ok(valid) => members.push(Member {
                folder: folder.clone(),
                file,
                valid,
            }),
            Err(diagnostics) => {
                problems.extend(
                    diagnostics
                        .into_vec()
                        .into_iter()
                        .map(|d| Problem::of(file, d)),
                );
            }
        }
    }
    if problems.is_empty() {
        Ok(System {
            root,
            manifest,
            members,
            files,
        })
    } else {
        Err(LoadError::Invalid(Problems::new(files, problems)))
    }
}

impl System {
    /// A place in the manifest.
    pub fn at(&self, span: Span) -> Place {
        Place { file: 0, span }
    }

    /// The service named `name`.
    pub fn member(&self, name: &str) -> Option<&Member> {
        self.members.iter().find(|m| m.name() == name)
    }

    /// The services that publish `subject`, with their events, in the manifest's order.
    pub fn publishers<'s>(
        &'s self,
        subject: &'s str,
    ) -> impl Iterator<Item = (&'s Member, &'s spec::Event)> {
        self.members.iter().flat_map(move |m| {
            m.spec()
                .events
                .publish
                .iter()
                .filter(move |e| e.subject.value == subject)
                .map(move |e| (m, e))
        })
    }

    /// Every problem between the services, with the system's files.
    pub fn problems(&self) -> Problems {
        Problems::new(self.files.clone(), check::check(self))
    }
}
