//! `Cargo.lock` of a generated service: the dependency versions msgen's own tests build and
//! test, so that a service built today builds the same way tomorrow.
//!
//! `templates/locks/` holds one lock file per database, broker, use of decimals, of `auth:` and of
//! gRPC (served, or only called), each resolved by cargo for a service that uses every optional dependency but those the
//! variant leaves out (`tools/locks/update.sh` makes them). A service gets the part of it that
//! its own `Cargo.toml` reaches: the packages its dependencies lead to, written as cargo writes
//! them, so that `cargo build --locked` accepts the file as it is.

use std::collections::{BTreeSet, HashMap};

use crate::ir::Service;
use crate::spec::{Broker, Database};

use super::{File, Ownership, TEMPLATES};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("no lock file for {0}")]
    Missing(String),
}

/// The `Cargo.lock` of `service`, whose manifest is `cargo_toml`.
pub fn lock_file(service: &Service, cargo_toml: &str) -> Result<File, LockError> {
    let database = match service.database {
        Database::Sqlite => "sqlite",
        Database::Postgres => "postgres",
    };
    let broker = match service.broker {
        _ if !service.events.any() => "none",
        Broker::None => "none",
        Broker::Nats => "nats",
        Broker::Rabbitmq => "rabbitmq",
        Broker::Kafka => "kafka",
    };
    // Depending on rust_decimal changes the features, and so the dependencies, of packages
    // that other dependencies share: services with and without decimals have locks of their own.
    let decimal = if service.uses.decimal || service.clients_use_decimal() {
        "-decimal"
    } else {
        ""
    };
    // So does checking tokens (jsonwebtoken, and reqwest with TLS).
    let auth = if service.auth.is_some() { "-auth" } else { "" };
    // And serving gRPC (tonic, with hyper's HTTP/2), or only calling it, which leaves out
    // tonic-health and tonic-reflection and the features they turn on in shared packages.
    let grpc = if service.grpc.is_some() {
        "-grpc"
    } else if service.grpc_clients() {
        "-grpc-client"
    } else {
        ""
    };
    let file = format!("locks/{database}-{broker}{decimal}{auth}{grpc}.lock");
    let superset = TEMPLATES
        .get_file(&file)
        .and_then(|found| found.contents_utf8())
        .ok_or_else(|| LockError::Missing(file.clone()))?;
    let contents = prune(
        superset,
        &service.name,
        &service.version,
        &dependencies(cargo_toml),
    );
    Ok(File {
        path: "Cargo.lock".into(),
        contents,
        ownership: Ownership::Generated,
        stubs: Vec::new(),
    })
}

/// The `Cargo.lock` of a system's gateway `name`, whose manifest is `cargo_toml`: one lock for
/// gateways that check tokens, one for those that do not (`tools/locks/update.sh` makes them).
pub fn gateway_lock(name: &str, cargo_toml: &str, auth: bool) -> Result<String, LockError> {
    let file = if auth {
        "locks/gateway-auth.lock"
    } else {
        "locks/gateway.lock"
    };
    let superset = TEMPLATES
        .get_file(file)
        .and_then(|found| found.contents_utf8())
        .ok_or_else(|| LockError::Missing(file.to_owned()))?;
    Ok(prune(superset, name, "0.1.0", &dependencies(cargo_toml)))
}

/// The names of the packages a manifest depends on, in any of its dependency tables.
fn dependencies(cargo_toml: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut in_table = false;
    for line in cargo_toml.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_table = matches!(
                line,
                "[dependencies]" | "[dev-dependencies]" | "[build-dependencies]"
            );
        } else if in_table {
            if let Some((name, _)) = line.split_once('=') {
                let name = name.trim();
                if !name.is_empty() && !name.starts_with('#') {
                    names.insert(name.to_string());
                }
            }
        }
    }
    names
}

/// One `[[package]]` of a lock file.
struct Package<'a> {
    name: &'a str,
    version: &'a str,
    /// The lines before `dependencies = [`, as cargo wrote them, from `[[package]]` on.
    head: Vec<&'a str>,
    /// Each dependency as written: `name`, `name version` or `name version (source)`.
    dependencies: Vec<&'a str>,
}

impl<'a> Package<'a> {
    fn parse(block: &'a str) -> Option<Self> {
        let mut package = Package {
            name: "",
            version: "",
            head: Vec::new(),
            dependencies: Vec::new(),
        };
        let mut in_dependencies = false;
        for line in block.lines() {
            if in_dependencies {
                if line == "]" {
                    in_dependencies = false;
                } else {
                    package
                        .dependencies
                        .push(unquote(line.trim().trim_end_matches(','))?);
                }
            } else if line == "dependencies = [" {
                in_dependencies = true;
            } else {
                if let Some(name) = line.strip_prefix("name = ") {
                    package.name = unquote(name)?;
                } else if let Some(version) = line.strip_prefix("version = ") {
                    package.version = unquote(version)?;
                }
                package.head.push(line);
            }
        }
        (!package.name.is_empty()).then_some(package)
    }
}

fn unquote(text: &str) -> Option<&str> {
    text.strip_prefix('"')?.strip_suffix('"')
}

/// The name a dependency entry refers to, and its version if the entry names one.
fn reference(entry: &str) -> (&str, Option<&str>) {
    let mut parts = entry.split(' ');
    let name = parts.next().unwrap_or_default();
    (name, parts.next())
}

/// The lock file of a package `name` at `version` depending on `direct`, cut from `superset`:
/// the packages `direct` reaches, with references that name a version only where more than
/// one version of that package is left. A direct dependency that `superset` lacks is left out:
/// cargo adds it at the first build (and `--locked` refuses the file, which msgen's tests
/// check for every lock it ships).
fn prune(superset: &str, name: &str, version: &str, direct: &BTreeSet<String>) -> String {
    let mut blocks = superset.split("\n\n");
    let preamble = blocks.next().unwrap_or_default();
    let packages: Vec<Package> = blocks.filter_map(Package::parse).collect();
    // The superset's own root, which depends on every package a service can use directly: the
    // one package that is not from a registry.
    let root = packages
        .iter()
        .position(|p| !p.head.iter().any(|line| line.starts_with("source = ")));

    let mut by_name: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, package) in packages.iter().enumerate() {
        by_name.entry(package.name).or_default().push(i);
    }
    let resolve = |entry: &str| -> Option<usize> {
        let (name, version) = reference(entry);
        let candidates = by_name.get(name)?;
        match version {
            Some(version) => candidates
                .iter()
                .copied()
                .find(|&i| packages[i].version == version),
            None => candidates.first().copied(),
        }
    };

    let mut root_dependencies: Vec<String> = root
        .map(|root| packages[root].dependencies.as_slice())
        .unwrap_or_default()
        .iter()
        .filter(|entry| direct.contains(reference(entry).0))
        .map(|entry| entry.to_string())
        .collect();
    // A direct dependency the superset's root does not name, but another package of it
    // depends on (a crate the service uses itself, where the superset only reaches it through
    // another): the one version the superset has.
    for name in direct {
        let named = root_dependencies.iter().any(|e| reference(e).0 == name);
        if let (false, Some([only])) = (named, by_name.get(name.as_str()).map(Vec::as_slice)) {
            root_dependencies.push(format!("{name} {}", packages[*only].version));
        }
    }
    // By name, as cargo writes them; two versions of one name stay in the superset's order.
    root_dependencies.sort_by(|a, b| reference(a).0.cmp(reference(b).0));
    let mut kept = vec![false; packages.len()];
    let mut pending: Vec<usize> = root_dependencies
        .iter()
        .filter_map(|e| resolve(e))
        .collect();
    while let Some(i) = pending.pop() {
        if !std::mem::replace(&mut kept[i], true) {
            pending.extend(packages[i].dependencies.iter().filter_map(|e| resolve(e)));
        }
    }
    let mut versions: HashMap<&str, usize> = HashMap::new();
    for (i, package) in packages.iter().enumerate() {
        if kept[i] {
            *versions.entry(package.name).or_default() += 1;
        }
    }
    // Cargo names a version only to tell packages of one name apart.
    let written = |entry: &'_ str| -> String {
        let (name, _) = reference(entry);
        if versions.get(name).copied().unwrap_or_default() > 1 {
            entry.to_string()
        } else {
            name.to_string()
        }
    };
    let write = |out: &mut String, head: &[&str], dependencies: &[&str]| {
        out.push_str("\n[[package]]\n");
        for line in head {
            out.push_str(line);
            out.push('\n');
        }
        if !dependencies.is_empty() {
            out.push_str("dependencies = [\n");
            for entry in dependencies {
                out.push_str(&format!(" \"{}\",\n", written(entry)));
            }
            out.push_str("]\n");
        }
    };

    let root_entries: Vec<&str> = root_dependencies.iter().map(String::as_str).collect();
    let mut out = format!("{}\n", preamble.trim_end());
    let name_line = format!("name = \"{name}\"");
    let version_line = format!("version = \"{version}\"");
    let mut root_written = false;
    for (i, package) in packages.iter().enumerate() {
        if !kept[i] {
            continue;
        }
        if !root_written && package.name > name {
            write(&mut out, &[&name_line, &version_line], &root_entries);
            root_written = true;
        }
        let head: Vec<&str> = package.head.iter().skip(1).copied().collect();
        write(&mut out, &head, &package.dependencies);
    }
    if !root_written {
        write(&mut out, &[&name_line, &version_line], &root_entries);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SUPERSET: &str = r#"# This file is automatically @generated by Cargo.
# It is not intended for manual editing.
version = 4

[[package]]
name = "a"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "aa"
dependencies = [
 "c 0.1.0",
]

[[package]]
name = "b"
version = "1.0.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "bb"
dependencies = [
 "c 0.2.0",
]

[[package]]
name = "c"
version = "0.1.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "c1"

[[package]]
name = "c"
version = "0.2.0"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "c2"

[[package]]
name = "every-dependency"
version = "0.1.0"
dependencies = [
 "a",
 "b",
]
"#;

    fn names(list: &[&str]) -> BTreeSet<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn keeps_what_the_direct_dependencies_reach_and_drops_versions_no_longer_ambiguous() {
        let lock = prune(SUPERSET, "shop", "2.0.0", &names(&["a"]));
        assert_eq!(
            lock,
            "# This file is automatically @generated by Cargo.\n\
             # It is not intended for manual editing.\nversion = 4\n\n\
             [[package]]\nname = \"a\"\nversion = \"1.0.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
             checksum = \"aa\"\ndependencies = [\n \"c\",\n]\n\n\
             [[package]]\nname = \"c\"\nversion = \"0.1.0\"\n\
             source = \"registry+https://github.com/rust-lang/crates.io-index\"\n\
             checksum = \"c1\"\n\n\
             [[package]]\nname = \"shop\"\nversion = \"2.0.0\"\ndependencies = [\n \"a\",\n]\n"
        );
    }

    #[test]
    fn keeps_versions_where_two_remain() {
        let lock = prune(SUPERSET, "z", "0.1.0", &names(&["a", "b"]));
        assert!(lock.contains(" \"c 0.1.0\",\n"), "{lock}");
        assert!(lock.contains(" \"c 0.2.0\",\n"), "{lock}");
        assert!(lock.ends_with(
            "name = \"z\"\nversion = \"0.1.0\"\ndependencies = [\n \"a\",\n \"b\",\n]\n"
        ));
    }

    #[test]
    fn leaves_out_a_dependency_the_superset_lacks() {
        let lock = prune(SUPERSET, "shop", "1.0.0", &names(&["b", "missing"]));
        assert!(
            lock.ends_with("name = \"shop\"\nversion = \"1.0.0\"\ndependencies = [\n \"b\",\n]\n"),
            "{lock}"
        );
        assert!(!lock.contains("missing"));
    }

    #[test]
    fn reads_the_dependency_tables_of_a_manifest() {
        let toml = "[package]\nname = \"x\"\n\n[dependencies]\naxum = { version = \"0.8\" }\nserde = \"1\"\n\n[dev-dependencies]\nreqwest = \"0.12\"\n";
        assert_eq!(dependencies(toml), names(&["axum", "reqwest", "serde"]));
    }
}
