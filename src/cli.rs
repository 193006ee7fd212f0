//! The command line: parse arguments, run one command, turn the outcome into an exit code.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};

use crate::plan::{self, Change, State};
use crate::spec::{self, Source};
use crate::{ir, render};

/// Generate a layered Rust microservice from msgen.yaml, and keep it in step with it.
#[derive(Debug, Parser)]
#[command(name = "msgen", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

const EXAMPLES: &str = "\
Examples:
  msgen new payment-service                       a new service from a starter spec
  msgen new payment-service --spec payments.yaml  a new service from your spec
  msgen generate                                  bring the service here in line with msgen.yaml
  msgen validate msgen.yaml                       check a spec without writing anything

Exit codes: 0 success, 1 invalid spec or refused change, 2 usage or I/O error.";

#[derive(Debug, Subcommand)]
enum Command {
    /// Create a new service in a new directory.
    New {
        /// The service name, kebab-case (`payment-service`); also the directory name.
        name: String,
        /// The spec to generate from; without it, a commented starter spec.
        #[arg(long)]
        spec: Option<PathBuf>,
        /// The database, overriding the spec's `database:`.
        #[arg(long, value_enum)]
        database: Option<DatabaseArg>,
        /// The message broker, overriding the spec's `broker:`.
        #[arg(long, value_enum)]
        broker: Option<BrokerArg>,
        /// Where to create the service directory (default: the current directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Regenerate the service in the current directory from its msgen.yaml.
    Generate {
        /// The spec to generate from (default: msgen.yaml).
        #[arg(long, default_value = "msgen.yaml")]
        spec: PathBuf,
    },
    /// Check a spec and report every problem in it.
    Validate {
        /// The spec to check.
        #[arg(default_value = "msgen.yaml")]
        file: PathBuf,
    },
    /// Print the JSON Schema of msgen.yaml, for editors.
    Schema,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum DatabaseArg {
    Sqlite,
    Postgres,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum BrokerArg {
    None,
    Nats,
    Rabbitmq,
    Kafka,
}

/// A failure that has already been reported to the user in full.
#[derive(Debug, thiserror::Error)]
#[error("the spec is invalid")]
struct Reported;

pub fn run() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return if err.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match execute(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Reported>() => ExitCode::from(1),
        Err(err) if is_refused_change(&err) => {
            // The spec is valid but asks for a change msgen refuses to make (a destructive
            // migration, say): the user's to fix, like an invalid spec.
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

fn is_refused_change(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<render::RenderError>(),
        Some(render::RenderError::Migration(_))
    )
}

fn execute(command: Command) -> anyhow::Result<()> {
    match command {
        Command::New {
            name,
            spec,
            database,
            broker,
            dir,
        } => new(&name, spec.as_deref(), database, broker, dir.as_deref()),
        Command::Generate { spec } => generate(Path::new("."), &spec),
        Command::Validate { file } => {
            let source = read_source(&file)?;
            check(&source)?;
            eprintln!("{} is valid", file.display());
            Ok(())
        }
        Command::Schema => {
            println!("{}", crate::schema::json_schema());
            Ok(())
        }
    }
}

fn read_source(path: &Path) -> anyhow::Result<Source> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Source::new(path, text))
}

fn check(source: &Source) -> anyhow::Result<spec::ValidSpec> {
    spec::check(source).map_err(|diagnostics| {
        let color = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        eprint!("{}", diagnostics.render(color));
        anyhow::Error::new(Reported)
    })
}

const STARTER: &str = include_str!("starter.yaml");

fn new(
    name: &str,
    spec_path: Option<&Path>,
    database: Option<DatabaseArg>,
    broker: Option<BrokerArg>,
    dir: Option<&Path>,
) -> anyhow::Result<()> {
    let root = dir.unwrap_or(Path::new(".")).join(name);
    if root.exists() && std::fs::read_dir(&root)?.next().is_some() {
        bail!(
            "{} is not empty; msgen new only writes into a new or empty directory",
            root.display()
        );
    }
    let mut text = match spec_path {
        Some(path) => read_source(path)?.text,
        None => STARTER.replace("starter-service", name),
    };
    if let Some(database) = database {
        text = set_top_level(
            &text,
            "database",
            database
                .to_possible_value()
                .expect("no skipped values")
                .get_name(),
        );
    }
    if let Some(broker) = broker {
        text = set_top_level(
            &text,
            "broker",
            broker
                .to_possible_value()
                .expect("no skipped values")
                .get_name(),
        );
    }
    let shown = spec_path.map_or_else(|| root.join("msgen.yaml"), Path::to_path_buf);
    let source = Source::new(shown, text);
    let valid = check(&source)?;
    if valid.spec().service.value != name {
        bail!(
            "the spec names the service `{}`, but the command names it `{name}`; use the same name",
            valid.spec().service.value
        );
    }
    write_service(&root, &source, &valid, State::default())?;
    eprintln!(
        "created {} ({} and its tests); next: cd {} && cargo run",
        root.display(),
        name,
        root.display()
    );
    Ok(())
}

/// Sets a top-level `key: value` line, replacing the one there or adding one after `service:`.
fn set_top_level(text: &str, key: &str, value: &str) -> String {
    let prefix = format!("{key}:");
    let mut found = false;
    let mut lines: Vec<String> = text
        .lines()
        .map(|line| {
            if line.starts_with(&prefix) {
                found = true;
                format!("{key}: {value}")
            } else {
                line.to_string()
            }
        })
        .collect();
    if !found {
        let at = lines
            .iter()
            .position(|l| l.starts_with("service:"))
            .map_or(0, |i| i + 1);
        lines.insert(at, format!("{key}: {value}"));
    }
    let mut out = lines.join("\n");
    out.push('\n');
    out
}

fn generate(root: &Path, spec_path: &Path) -> anyhow::Result<()> {
    let source = read_source(&root.join(spec_path)).map(|s| Source::new(spec_path, s.text))?;
    let valid = check(&source)?;
    let state = State::load(root)?.unwrap_or_default();
    write_service(root, &source, &valid, state)
}

fn write_service(
    root: &Path,
    source: &Source,
    valid: &spec::ValidSpec,
    state: State,
) -> anyhow::Result<()> {
    let service = ir::lower(valid);
    let previous = render::Previous {
        schema: state.schema.clone(),
        migrations: state.migrations.len(),
    };
    let output = render::render(&service, &source.text, &previous)?;
    let mut state = state;
    state.generator = env!("CARGO_PKG_VERSION").to_string();
    for file in &output.files {
        if file.ownership == render::Ownership::Frozen && !state.migrations.contains(&file.path) {
            state.migrations.push(file.path.clone());
        }
    }
    state.schema = Some(output.schema);
    let plan = plan::Plan::new(root, output.files, state)?;
    for (path, change, _) in &plan.entries {
        if *change == Change::Kept && !path.starts_with("src/services/") && path != "msgen.yaml" {
            eprintln!("kept {path}: it was edited since msgen wrote it");
        }
    }
    plan::apply(root, &plan)?;
    Ok(())
}
