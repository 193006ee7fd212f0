//! The services a service calls (`dependencies:`), found and read: through `spec:`, the path of
//! the other service's `msgen.yaml`, or else through the system the service belongs to (the
//! `msgen-system.yaml` in a folder above it). Each operation named is checked against the other
//! service's spec, and the clients are built from that spec's IR.

use std::path::{Path, PathBuf};

use crate::ir::{self, clients::Unknown};
use crate::plan::state;
use crate::render;
use crate::spec::diagnostics::did_you_mean;
use crate::spec::{self, yaml::show, Dependency, Source, Span, ValidSpec};
use crate::system::manifest;
use crate::system::report::{Place, Problem, Problems};

/// The clients of the services a spec calls, and the files they were made from.
#[derive(Debug, Default)]
pub struct Resolved {
    pub clients: Vec<ir::clients::Client>,
    /// Every file read to find and build them (the other services' specs, and the system's
    /// manifest when they were found through it), as read: with the same files, the same
    /// clients.
    pub inputs: Vec<Source>,
}

/// The clients of the services `valid` (read from `source`, in the folder `folder`) calls; the
/// problems of finding and reading them, in this spec and in theirs, when there are any.
/// `drafted_in` is the folder a new service's spec was written in, outside the service: a
/// dependency without `spec:` is looked for in its system too, when the service's folder is
/// in none.
pub fn resolve(
    folder: &Path,
    drafted_in: Option<&Path>,
    source: &Source,
    valid: &ValidSpec,
) -> anyhow::Result<Result<Resolved, Problems>> {
    let spec = valid.spec();
    if spec.dependencies.is_empty() {
        return Ok(Ok(Resolved::default()));
    }
    let mut inputs = Vec::new();
    let mut files = vec![source.clone()];
    let mut problems = Vec::new();
    let mut clients = Vec::new();
    let here = |span: Span| Place { file: 0, span };
    for dependency in &spec.dependencies {
        let found = match find(folder, drafted_in, dependency, &mut inputs)? {
            Ok(found) => found,
            Err((message, help)) => {
                problems.push(Problem::new(here(dependency.service.span), message).help(help));
                continue;
            }
        };
        let file = files.len();
        inputs.push(found.source.clone());
        files.push(found.source);
        let producer = match spec::check(&files[file]) {
            Ok(valid) => valid,
            Err(diagnostics) => {
                problems.extend(
                    diagnostics
                        .into_vec()
                        .into_iter()
                        .map(|d| Problem::of(file, d)),
                );
                continue;
            }
        };
        let name = &producer.spec().service;
        let there = |span: Span| Place { file, span };
        if name.value != dependency.service.value {
            problems.push(
                Problem::new(
                    here(dependency.service.span),
                    format!(
                        "{} is the spec of `{}`, not of `{}`",
                        files[file].name.display(),
                        show(&name.value),
                        show(&dependency.service.value)
                    ),
                )
                .related(there(name.span), "the service's name")
                .help("name the dependency after the service, or correct `spec:`"),
            );
            continue;
        }
        let service = ir::lower(&producer);
        match ir::clients::client(dependency, &service) {
            Ok(client) => {
                if let Some(clash) = client.records.iter().find(|t| t.name == client.type_name) {
                    problems.push(
                        Problem::new(
                            here(dependency.service.span),
                            format!(
                                "`{}` has a type `{}`, the name of its client in this service",
                                show(&name.value),
                                clash.name
                            ),
                        )
                        .help("rename that entity or body in the other service"),
                    );
                }
                if !dependency.over_grpc() {
                    clients.push(client);
                    continue;
                }
                let folder = files[file].name.parent().unwrap_or(Path::new("."));
                let numbers = recorded_numbers(folder, &mut inputs)?;
                let Some((proto, _)) = render::proto::model(&service, numbers.as_ref()) else {
                    let transport = dependency
                        .transport
                        .as_ref()
                        .map_or(dependency.service.span, |t| t.span);
                    problems.push(
                        Problem::new(
                            here(transport),
                            format!("`{}` does not serve gRPC", show(&name.value)),
                        )
                        .related(there(name.span), "the service")
                        .help("add `transports: [http, grpc]` to its spec, or call it over HTTP (leave `transport:` out)"),
                    );
                    continue;
                };
                match ir::clients::over_grpc(client, dependency, &service, proto) {
                    Ok(client) => clients.push(client),
                    Err(missing) => {
                        for (span, id) in missing {
                            let problem = Problem::new(
                                here(span),
                                format!("`{}` does not serve `{}` over gRPC", name.value, show(&id)),
                            )
                            .help("call it over HTTP (a dependency of its own, or leave `transport:` out), or serve the operation over gRPC there (`grpc: true`); links and unlinks are HTTP only");
                            problems.push(problem.related(there(name.span), "the service"));
                        }
                    }
                }
            }
            Err(unusable) => {
                for (span, id, Unknown(closest)) in unusable {
                    let help = match closest {
                        Some(c) => format!("did you mean `{c}`?"),
                        None => format!(
                            "its operations are: {}",
                            ir::clients::operation_ids(&service).join(", ")
                        ),
                    };
                    let problem = Problem::new(
                        here(span),
                        format!("`{}` has no operation `{}`", name.value, show(&id)),
                    )
                    .help(help);
                    problems.push(problem.related(there(name.span), "the service"));
                }
            }
        }
    }
    // In the order of their modules, as rustfmt sorts their declarations.
    clients.sort_by(|a, b| a.module.cmp(&b.module));
    Ok(if problems.is_empty() {
        Ok(Resolved { clients, inputs })
    } else {
        Err(Problems::new(files, problems))
    })
}

/// The numbers of the gRPC contract of the service in `folder`, as its `.msgen/state.json`
/// records them (and so as it serves it), read into `inputs`; none before it was generated,
/// when it will number its contract as a first generation does.
fn recorded_numbers(
    folder: &Path,
    inputs: &mut Vec<Source>,
) -> anyhow::Result<Option<render::proto::Numbers>> {
    let Some((recorded, text)) = state::State::read(folder)? else {
        return Ok(None);
    };
    inputs.push(Source::new(folder.join(state::STATE), text));
    Ok(recorded.proto)
}

/// The other service's spec, read.
struct Found {
    source: Source,
}

/// Finds the spec of `dependency`; a message and help when it cannot be found. The system's
/// manifest and the other specs read to find it go into `inputs` (repeats and all).
fn find(
    folder: &Path,
    drafted_in: Option<&Path>,
    dependency: &Dependency,
    inputs: &mut Vec<Source>,
) -> anyhow::Result<Result<Found, (String, String)>> {
    let name = &dependency.service.value;
    if let Some(path) = &dependency.spec {
        let full = state::lexical(&folder.join(&path.value));
        return Ok(match std::fs::read_to_string(&full) {
            Ok(text) => Ok(Found {
                source: Source::new(full, text),
            }),
            Err(err) => Err((
                format!("cannot read {} for `{}`: {err}", full.display(), show(name)),
                "`spec:` is the path of the other service's msgen.yaml, relative to this one's folder".into(),
            )),
        });
    }
    let manifest = enclosing_manifest(folder).or_else(|| drafted_in.and_then(enclosing_manifest));
    let Some(manifest_path) = manifest else {
        return Ok(Err((
            format!("msgen cannot find the spec of `{}`", show(name)),
            format!("write `spec:` with the path of its msgen.yaml, e.g. `spec: ../{name}/msgen.yaml`, or put both services in a system (msgen system new)"),
        )));
    };
    let text = std::fs::read_to_string(&manifest_path)?;
    let read = Source::new(&manifest_path, text);
    inputs.push(read.clone());
    let manifest =
        match manifest::decode(&read) {
            Ok(manifest) => manifest,
            Err(_) => return Ok(Err((
                format!(
                    "`{}` is to be found through {}, which has problems",
                    show(name),
                    manifest_path.display()
                ),
                "run `msgen system check` there, or write `spec:` with the path of its msgen.yaml"
                    .into(),
            ))),
        };
    let root = manifest_path.parent().unwrap_or(Path::new("."));
    let mut names = Vec::new();
    for member in &manifest.services {
        let path = root.join(&member.value).join("msgen.yaml");
        let Ok(text) = std::fs::read_to_string(&path) else {
            continue;
        };
        let source = Source::new(&path, text);
        // Only the name is needed here; a spec with problems is reported once it is the one.
        let Some(member_name) = service_name(&source) else {
            continue;
        };
        if &member_name == name {
            return Ok(Ok(Found { source }));
        }
        // Had it taken the name, it would have been the one found.
        inputs.push(source);
        names.push(member_name);
    }
    let help = match did_you_mean(name, names.iter().map(String::as_str)) {
        Some(closest) => format!("did you mean `{closest}`?"),
        None if names.is_empty() => {
            "add the service to the system, or write `spec:` with the path of its msgen.yaml".into()
        }
        None => format!("its services are: {}", names.join(", ")),
    };
    Ok(Err((
        format!(
            "the system `{}` ({}) has no service `{}`",
            manifest.name.value,
            manifest_path.display(),
            show(name)
        ),
        help,
    )))
}

/// The `msgen-system.yaml` in `folder`'s parent or a folder above it.
fn enclosing_manifest(folder: &Path) -> Option<PathBuf> {
    let folder = if folder.as_os_str().is_empty() {
        Path::new(".")
    } else {
        folder
    };
    let absolute = std::path::absolute(folder).ok()?;
    absolute
        .ancestors()
        .skip(1)
        .map(|dir| dir.join(manifest::FILE))
        .find(|path| path.is_file())
}

/// The `service:` of a spec, read without validating the rest.
fn service_name(source: &Source) -> Option<String> {
    let root = spec::load::parse(&source.text).ok()?;
    let spec::load::Kind::Map(entries) = root.kind else {
        return None;
    };
    let entry = entries.into_iter().find(|e| e.key.value == "service")?;
    match entry.value.kind {
        spec::load::Kind::Scalar { text, .. } => Some(text),
        _ => None,
    }
}

/// `problems` of the dependencies of the spec `source`, rendered with their summary.
pub fn render(problems: &Problems, source: &Source, color: bool) -> String {
    let place = format!("in the dependencies of `{}`", source.name.display());
    problems.render_as(&place, color)
}
