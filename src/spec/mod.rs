//! Reading `msgen.yaml`: load (YAML with positions) -> decode (shape) -> validate (meaning).
//!
//! [`check`] runs all of it and returns either a [`ValidSpec`] or every problem found, of
//! shape and of meaning together, each with the place in the file it is about.

pub mod diagnostics;
pub(crate) mod load;
pub mod model;
mod validate;

/// The YAML tree with spans that specs are read from, for the other files msgen reads.
pub(crate) mod yaml {
    pub(crate) use super::diagnostics::{clamp, did_you_mean, show};
    pub(crate) use super::load::{expected, found, parse, suggest_key, Kind, Node};
}

use std::path::PathBuf;

use crate::names::Table;
pub use diagnostics::{Diagnostic, Diagnostics};
pub use model::*;
pub(crate) use validate::is_kebab;

/// A spec file's text and the name to show for it in messages.
#[derive(Debug, Clone)]
pub struct Source {
    /// Shown in diagnostics as written (for example `msgen.yaml` or `examples/x.yaml`).
    pub name: PathBuf,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<PathBuf>, text: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            text: text.into(),
        }
    }
}

/// A spec that passed validation: every name is legal and unique, every reference resolves.
/// Later stages rely on that and do not check again.
#[derive(Debug, Clone)]
pub struct ValidSpec {
    spec: Spec,
    names: Table,
}

impl ValidSpec {
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Every name the generated code takes from the spec, checked for clashes.
    pub fn names(&self) -> &Table {
        &self.names
    }
}

/// Loads, decodes and validates a spec, reporting every problem found in one go.
///
/// A spec with shape problems is still validated, without the parts that could not be read,
/// so its other problems are reported in the same run. What only follows from a shape problem
/// (a reference to an entity whose definition could not be read, say) is not reported.
pub fn check(source: &Source) -> Result<ValidSpec, Diagnostics> {
    let loaded = load::load(source).map_err(|list| Diagnostics::new(source.clone(), list))?;
    let mut problems = loaded.problems;
    let names = Table::of(&loaded.spec);
    problems.extend(validate::validate(&loaded.spec, &names, &loaded.dropped));
    if !problems.is_empty() {
        return Err(Diagnostics::new(source.clone(), problems));
    }
    let valid = ValidSpec {
        spec: loaded.spec,
        names,
    };
    let clashes = contract_clashes(&valid);
    if clashes.is_empty() {
        Ok(valid)
    } else {
        Err(Diagnostics::new(source.clone(), clashes))
    }
}

/// With gRPC, every message and enum of the contract needs a name of its own. The requests and
/// responses of the rpcs are named after operations the spec does not name itself
/// (`GetPaymentRequest`), so the contract is built from the valid spec and its names checked:
/// each clash is reported at the entity that has the name, or else at `transports`.
fn contract_clashes(valid: &ValidSpec) -> Vec<Diagnostic> {
    let spec = valid.spec();
    let Some(transports) = &spec.transports else {
        return Vec::new();
    };
    let service = crate::ir::lower(valid);
    let Some((contract, _)) = crate::render::proto::model(&service, None) else {
        return Vec::new();
    };
    let names = contract
        .messages
        .iter()
        .map(|m| &m.name)
        .chain(contract.enums.iter().map(|e| &e.name));
    let mut seen = std::collections::HashSet::new();
    let mut problems = Vec::new();
    for name in names {
        if seen.insert(name) {
            continue;
        }
        let rpc = contract
            .rpcs
            .iter()
            .find(|r| &r.request == name || &r.response == name);
        let what = match rpc {
            Some(rpc) if &rpc.request == name => format!("the request of rpc `{}`", rpc.name),
            Some(rpc) => format!("the response of rpc `{}`", rpc.name),
            None => "another message".to_owned(),
        };
        let entity = spec.entities.iter().find(|e| &e.name.value == name);
        let problem = match entity {
            Some(entity) => Diagnostic::error(
                entity.name.span,
                format!("entity `{name}` has the name of {what} in the gRPC contract"),
            )
            .with_help("rename the entity, or leave the operation out of gRPC (`grpc: false`)"),
            None => Diagnostic::error(
                transports.span,
                format!("the gRPC contract would have two messages named `{name}`, one of them {what}"),
            )
            .with_help("rename the entity, field or endpoint it is named after, or leave the operation out of gRPC (`grpc: false`)"),
        };
        problems.push(problem);
    }
    problems
}
