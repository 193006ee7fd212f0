//! The command line: parse arguments, run one command, turn the outcome into an exit code.

use std::collections::BTreeMap;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{bail, Context as _};
use clap::{Parser, Subcommand, ValueEnum};

use crate::plan::{self, State};
use crate::spec::{self, Source};
use crate::{diff, ir, render, system};

/// Generate a layered Rust microservice from msgen.yaml, and keep it in step with it.
#[derive(Debug, Parser)]
#[command(name = "msgen", version, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
    /// Print only errors.
    #[arg(long, short, global = true, conflicts_with = "verbose")]
    quiet: bool,
    /// Also list the files that stay as they are.
    #[arg(long, short, global = true)]
    verbose: bool,
}

/// How much to print.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Verbosity {
    Quiet,
    Normal,
    Verbose,
}

const EXAMPLES: &str = "\
Examples:
  msgen new payment-service                       a new service from a starter spec
  msgen new payment-service --spec payments.yaml  a new service from your spec
  msgen generate                                  bring the service here in line with msgen.yaml
  msgen validate msgen.yaml                       check a spec without writing anything
  msgen system new shop                           a folder for a system of services
  msgen system check                              check what the system's services exchange

Results go to stdout; errors, spec problems and warnings to stderr.
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
    /// Bring the service in the current directory in line with its msgen.yaml.
    Generate {
        /// The spec to generate from.
        #[arg(long, default_value = "msgen.yaml")]
        spec: PathBuf,
        #[command(flatten)]
        how: GenerateArgs,
    },
    /// Print what `msgen generate` would do to each file, writing nothing.
    Plan {
        /// The spec to generate from.
        #[arg(long, default_value = "msgen.yaml")]
        spec: PathBuf,
        /// Print the changes as a unified diff.
        #[arg(long)]
        diff: bool,
        /// Allow migrations that drop tables or columns.
        #[arg(long)]
        allow_destructive: bool,
    },
    /// Report what a change to the spec does to the service's clients, consumers and data.
    Diff {
        /// The version to compare with: a git ref (`main`, `origin/main`, `HEAD~1`) or a spec
        /// file.
        #[arg(long, required_unless_present = "rules")]
        against: Option<String>,
        /// The spec as it is now.
        #[arg(long, default_value = "msgen.yaml")]
        spec: PathBuf,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit 1 when a change this grave or graver is found and not accepted.
        #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
        fail_on: FailOn,
        /// Print every rule with its category and default severity, and exit.
        #[arg(long, conflicts_with_all = ["against", "format", "fail_on"])]
        rules: bool,
    },
    /// Check a spec and report every problem in it.
    Validate {
        /// The spec to check.
        #[arg(default_value = "msgen.yaml")]
        file: PathBuf,
    },
    /// Work with a system of services listed in msgen-system.yaml.
    System {
        #[command(subcommand)]
        command: SystemCommand,
    },
    /// Print the JSON Schema of msgen.yaml, for editors.
    Schema,
    /// Print a completion script for a shell (`msgen completions bash > /etc/bash_completion.d/msgen`).
    Completions {
        /// The shell to complete in.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
}

/// How `generate` and `system generate` go about it.
#[derive(Debug, clap::Args)]
struct GenerateArgs {
    /// Write nothing; exit 1 and list what is out of date if anything is (for CI).
    #[arg(long, conflicts_with = "dry_run")]
    check: bool,
    /// Write nothing; print what would be done to each file.
    #[arg(long)]
    dry_run: bool,
    /// With --check or --dry-run: print the changes as a unified diff.
    #[arg(long)]
    diff: bool,
    /// Allow migrations that drop tables or columns.
    #[arg(long)]
    allow_destructive: bool,
}

impl GenerateArgs {
    fn options(&self, verbosity: Verbosity) -> Options {
        Options {
            mode: match (self.check, self.dry_run) {
                (true, _) => Mode::Check,
                (_, true) => Mode::DryRun,
                _ => Mode::Write,
            },
            diff: self.diff,
            allow_destructive: self.allow_destructive,
            verbosity,
        }
    }
}

#[derive(Debug, Subcommand)]
enum SystemCommand {
    /// Create a folder for a new system, with its manifest; `msgen new` inside it adds services.
    New {
        /// The system's name, kebab-case (`shop`); also the folder's name.
        name: String,
        /// Where to create the system's folder (default: the current directory).
        #[arg(long)]
        dir: Option<PathBuf>,
    },
    /// Check every service's spec and what the services exchange: events, ports, routes.
    Check {
        /// The system manifest.
        #[arg(long, default_value = system::manifest::FILE)]
        manifest: PathBuf,
    },
    /// Bring every service in line with its msgen.yaml, and write the system's own files.
    Generate {
        /// The system manifest.
        #[arg(long, default_value = system::manifest::FILE)]
        manifest: PathBuf,
        #[command(flatten)]
        how: GenerateArgs,
    },
    /// Build and run every service of the system, wired together, until ctrl-c.
    Run {
        /// The system manifest.
        #[arg(long, default_value = system::manifest::FILE)]
        manifest: PathBuf,
        /// Build and run the release profile.
        #[arg(long)]
        release: bool,
        /// Seconds every service has to become ready after it starts.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
        /// Keep this run apart from others on the same servers: databases `<PREFIX>_<service>`,
        /// subjects `<PREFIX>.<subject>`.
        #[arg(long)]
        prefix: Option<String>,
    },
    /// Report what the changes to the services' specs do to the services that use them, and
    /// to their clients and data.
    Diff {
        /// The version to compare with: a git ref (`main`, `origin/main`, `HEAD~1`).
        #[arg(long)]
        against: String,
        /// The system manifest.
        #[arg(long, default_value = system::manifest::FILE)]
        manifest: PathBuf,
        /// How to print the report.
        #[arg(long, value_enum, default_value_t = DiffFormat::Text)]
        format: DiffFormat,
        /// Exit 1 when a change this grave or graver is found and not accepted.
        #[arg(long, value_enum, default_value_t = FailOn::Breaking)]
        fail_on: FailOn,
    },
    /// Draw the system: write SYSTEM.md beside the manifest, or print one format.
    Graph {
        /// The system manifest.
        #[arg(long, default_value = system::manifest::FILE)]
        manifest: PathBuf,
        /// Print this format to stdout instead of writing SYSTEM.md.
        #[arg(long, value_enum)]
        format: Option<GraphFormat>,
        /// Write nothing; exit 1 if SYSTEM.md is not what it would be (for CI).
        #[arg(long, conflicts_with = "format")]
        check: bool,
    },
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum GraphFormat {
    /// The SYSTEM.md page.
    Markdown,
    /// A Mermaid flowchart.
    Mermaid,
    /// Graphviz DOT.
    Dot,
    /// The data drawn, for other tools.
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum DiffFormat {
    /// For people: each change with where it is in both files.
    Text,
    /// For tools.
    Json,
    /// GitHub Actions annotations on the new spec.
    Github,
    /// A JUnit XML test report, a failed test per change that fails the run.
    Junit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
enum FailOn {
    Breaking,
    Warning,
    Info,
    /// Never fail: only report.
    Never,
}

impl FailOn {
    fn severity(self) -> Option<diff::Severity> {
        match self {
            Self::Breaking => Some(diff::Severity::Breaking),
            Self::Warning => Some(diff::Severity::Warning),
            Self::Info => Some(diff::Severity::Info),
            Self::Never => None,
        }
    }
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
    let verbosity = match (cli.quiet, cli.verbose) {
        (true, _) => Verbosity::Quiet,
        (_, true) => Verbosity::Verbose,
        _ => Verbosity::Normal,
    };
    match execute(cli.command, verbosity) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) if err.is::<Reported>() => ExitCode::from(1),
        Err(err) if err.is::<Unfinished>() => {
            eprintln!("{err}");
            ExitCode::from(1)
        }
        Err(err) if is_refused_change(&err) => {
            // The spec is valid but the service's files do not allow the change (a migration
            // altered by hand, say): the user's to fix, like an invalid spec.
            eprintln!("error: {err:#}");
            ExitCode::from(1)
        }
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// A refused schema change is reported at its place in the spec (see [`refusal`]); these are
/// the refusals about files of the service.
fn is_refused_change(err: &anyhow::Error) -> bool {
    matches!(
        err.downcast_ref::<plan::PlanError>(),
        Some(plan::PlanError::AlteredMigration { .. } | plan::PlanError::MissingMigration { .. })
    )
}

fn execute(command: Command, verbosity: Verbosity) -> anyhow::Result<()> {
    match command {
        Command::New {
            name,
            spec,
            database,
            broker,
            dir,
        } => new(
            &name,
            spec.as_deref(),
            database,
            broker,
            dir.as_deref(),
            verbosity,
        ),
        Command::Generate { spec, how } => generate(Path::new("."), &spec, &how.options(verbosity)),
        Command::Plan {
            spec,
            diff,
            allow_destructive,
        } => {
            let options = Options {
                mode: Mode::DryRun,
                diff,
                allow_destructive,
                verbosity,
            };
            generate(Path::new("."), &spec, &options)
        }
        Command::Diff {
            against,
            spec,
            format,
            fail_on,
            rules,
        } => match against {
            Some(against) if !rules => diff_command(&spec, &against, format, fail_on),
            _ => {
                let mut text = String::new();
                for rule in diff::rules::RULES.iter() {
                    text.push_str(&format!(
                        "{:<44} {:<9} {}\n",
                        rule.id,
                        rule.category.as_str(),
                        rule.severity.as_str()
                    ));
                }
                out(&text);
                Ok(())
            }
        },
        Command::Validate { file } => {
            let source = read_source(&file)?;
            let valid = check(&source)?;
            clients(Path::new(""), None, &source, &valid)?;
            if verbosity > Verbosity::Quiet {
                out(&format!("{} is valid\n", file.display()));
            }
            Ok(())
        }
        Command::System { command } => system_command(command, verbosity),
        Command::Schema => {
            out(&format!("{}\n", crate::schema::json_schema()));
            Ok(())
        }
        Command::Completions { shell } => {
            let mut command = <Cli as clap::CommandFactory>::command();
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command, "msgen", &mut script);
            out(&String::from_utf8_lossy(&script));
            Ok(())
        }
    }
}

/// `msgen diff`: the spec at `spec_path` compared with the one `against` names, reported in
/// `format`; an error (exit 1) when a change at or above `fail_on` is not accepted.
fn diff_command(
    spec_path: &Path,
    against: &str,
    format: DiffFormat,
    fail_on: FailOn,
) -> anyhow::Result<()> {
    let after = read_source(spec_path)?;
    let Some(before) = earlier_spec(spec_path, against)? else {
        eprintln!(
            "note: {} does not exist at `{against}`: there is nothing to compare with",
            spec_path.display()
        );
        return Ok(());
    };
    // The same text has no change to find: nothing is checked, and the report is empty.
    let changes = if before.text == after.text {
        Vec::new()
    } else {
        let (old, new) = (check(&before)?, check(&after)?);
        diff::compare(
            &diff::Version {
                source: &before,
                valid: &old,
            },
            &diff::Version {
                source: &after,
                valid: &new,
            },
        )
    };
    let mut compared = Compared {
        changes,
        before,
        after,
    };
    compared.apply_policy(spec_path, against)?;
    report_diff(&[compared], None, against, format, fail_on)
}

/// One service's spec in two versions, and the changes between them.
struct Compared {
    before: Source,
    after: Source,
    changes: Vec<diff::Change>,
}

impl Compared {
    /// Applies the `msgen.compat.yaml` beside `spec_path`, if there is one.
    fn apply_policy(&mut self, spec_path: &Path, against: &str) -> anyhow::Result<()> {
        let path = spec_path
            .parent()
            .unwrap_or(Path::new(""))
            .join(diff::policy::FILE);
        if !path.is_file() {
            return Ok(());
        }
        let source = read_source(&path)?;
        let policy = diff::policy::decode(&source).map_err(|problems| {
            let diagnostics = spec::Diagnostics::new(source.clone(), problems);
            eprint!("{}", diagnostics.render(colored_stderr()));
            anyhow::Error::new(Reported)
        })?;
        for unused in policy.apply(&mut self.changes) {
            let (line, column) = spec::diagnostics::line_col(&source.text, unused.span.start);
            eprintln!(
                "warning: {}:{line}:{column}: accepts no change of `{}` against `{against}`; \
                 remove it once the change has shipped",
                path.display(),
                unused.rule.value
            );
        }
        Ok(())
    }
}

/// Prints the reports of one service (`names` is `None`) or of each service of a system, and
/// fails when a change at or above `fail_on` is not accepted.
fn report_diff(
    compared: &[Compared],
    names: Option<&[&str]>,
    against: &str,
    format: DiffFormat,
    fail_on: FailOn,
) -> anyhow::Result<()> {
    use diff::output;
    let sides: Vec<output::Sides> = compared
        .iter()
        .map(|c| output::Sides {
            before: &c.before,
            after: &c.after,
            against,
        })
        .collect();
    let threshold = fail_on.severity();
    let text = match (format, names) {
        (DiffFormat::Text, None) => output::text(&compared[0].changes, &sides[0]),
        (DiffFormat::Text, Some(names)) => {
            let mut text = String::new();
            for ((c, side), name) in compared.iter().zip(&sides).zip(names) {
                if !c.changes.is_empty() {
                    text.push_str(&format!("{name} ({}):\n", c.after.name.display()));
                    text.push_str(&output::text(&c.changes, side));
                    text.push('\n');
                }
            }
            text
        }
        (DiffFormat::Json, None) => output::json(&compared[0].changes, &sides[0]),
        (DiffFormat::Json, Some(names)) => {
            let services: Vec<serde_json::Value> = compared
                .iter()
                .zip(&sides)
                .zip(names)
                .map(|((c, side), name)| {
                    let mut value = output::json_value(&c.changes, side);
                    value["service"] = serde_json::json!(name);
                    value
                })
                .collect();
            let doc = serde_json::json!({ "against": against, "services": services });
            format!("{}\n", serde_json::to_string_pretty(&doc)?)
        }
        (DiffFormat::Github, _) => compared
            .iter()
            .zip(&sides)
            .map(|(c, side)| output::github(&c.changes, side))
            .collect(),
        (DiffFormat::Junit, _) => {
            let reports: Vec<(&[diff::Change], &output::Sides)> = compared
                .iter()
                .zip(&sides)
                .map(|(c, side)| (c.changes.as_slice(), side))
                .collect();
            output::junit(&reports, threshold)
        }
    };
    out(&text);
    let failing = compared
        .iter()
        .flat_map(|c| &c.changes)
        .filter(|c| c.accepted.is_none() && threshold.is_some_and(|t| c.severity >= t))
        .count();
    if failing > 0 {
        let grave = threshold.map_or("", |t| t.as_str());
        return Err(Unfinished(format!(
            "{failing} {grave} change(s) against `{against}`: keep the old contract, or accept \
             each in {} with the reason it is safe",
            diff::policy::FILE
        ))
        .into());
    }
    Ok(())
}

/// `msgen system diff`: every service's spec compared with the one `against` has, each
/// change marked with the services that use what changed.
fn system_diff(
    manifest: &Path,
    against: &str,
    format: DiffFormat,
    fail_on: FailOn,
) -> anyhow::Result<()> {
    let system = load_system(manifest)?;
    let mut befores: Vec<Option<(Source, spec::ValidSpec)>> = Vec::new();
    for member in &system.members {
        let source = &system.files[member.file];
        let before = match earlier_spec(&source.name, against)? {
            Some(before) => {
                let valid = check(&before)?;
                Some((before, valid))
            }
            None => None,
        };
        befores.push(before);
    }
    let peers: Vec<diff::system::Peer> = system
        .members
        .iter()
        .zip(&befores)
        .map(|(member, before)| diff::system::Peer {
            name: member.name(),
            old: before.as_ref().map(|(_, valid)| valid.spec()),
            new: member.spec(),
        })
        .collect();
    let mut compared = Vec::new();
    let mut names = Vec::new();
    for ((member, before), peer) in system.members.iter().zip(&befores).zip(&peers) {
        let Some((before, old)) = before else {
            eprintln!(
                "note: {} is new since `{against}`: there is nothing to compare it with",
                member.name()
            );
            continue;
        };
        let after = system.files[member.file].clone();
        let mut changes = diff::compare(
            &diff::Version {
                source: before,
                valid: old,
            },
            &diff::Version {
                source: &after,
                valid: &member.valid,
            },
        );
        diff::system::attribute(peer, &mut changes, &peers);
        let mut one = Compared {
            before: before.clone(),
            after,
            changes,
        };
        one.apply_policy(&one.after.name.clone(), against)?;
        compared.push(one);
        names.push(member.name());
    }
    report_diff(&compared, Some(&names), against, format, fail_on)
}

/// The spec `against` names: a file, or the spec at `spec_path` as a git ref has it (`None`
/// when the ref has no such file).
fn earlier_spec(spec_path: &Path, against: &str) -> anyhow::Result<Option<Source>> {
    if Path::new(against).is_file() {
        return read_source(Path::new(against)).map(Some);
    }
    let folder = match spec_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let file = spec_path
        .file_name()
        .ok_or_else(|| Usage(format!("{} is not a file", spec_path.display())))?;
    let object = format!("{against}:./{}", file.to_string_lossy());
    let output = std::process::Command::new("git")
        .arg("-C")
        .arg(folder)
        .args(["show", "--no-textconv", &object])
        .output()
        .map_err(|err| {
            Usage(format!(
                "`{against}` is not a file, and git cannot be run: {err}"
            ))
        })?;
    if output.status.success() {
        let text = String::from_utf8(output.stdout)
            .map_err(|_| Usage(format!("{object} is not UTF-8 text")))?;
        let name = format!("{}@{against}", spec_path.display());
        return Ok(Some(Source::new(name, text)));
    }
    let stderr = String::from_utf8_lossy(&output.stderr);
    if stderr.contains("exists on disk, but not in") || stderr.contains("does not exist in") {
        return Ok(None);
    }
    Err(Usage(format!(
        "`{against}` is neither a file nor a git revision of {}: {}",
        folder.display(),
        stderr.trim().trim_start_matches("fatal: ")
    ))
    .into())
}

/// The folder of the spec `source`, read under `root`: what a dependency's `spec:` is
/// relative to.
fn spec_folder(root: &Path, source: &Source) -> PathBuf {
    let path = root.join(&source.name);
    path.parent().unwrap_or(root).to_path_buf()
}

/// The clients of the services `valid` calls, their `spec:` relative to `folder`; their
/// problems reported, in this spec and in theirs.
fn clients(
    folder: &Path,
    drafted_in: Option<&Path>,
    source: &Source,
    valid: &spec::ValidSpec,
) -> anyhow::Result<crate::dependencies::Resolved> {
    crate::dependencies::resolve(folder, drafted_in, source, valid)?.map_err(|problems| {
        let report = crate::dependencies::render(&problems, source, colored_stderr());
        eprint!("{report}");
        anyhow::Error::new(Reported)
    })
}

/// `text`, the spec `spec` read from `folder`, with each relative `spec:` of a dependency
/// rewritten to name the same file from `root`, where its copy goes.
fn moved_dependency_specs(text: &str, spec: &spec::Spec, folder: &Path, root: &Path) -> String {
    let mut moved: Vec<(spec::Span, String)> = spec
        .dependencies
        .iter()
        .filter_map(|dependency| dependency.spec.as_ref())
        .filter(|path| Path::new(&path.value).is_relative())
        .map(|path| {
            let target = folder.join(&path.value);
            let relative = plan::state::relative(root, &target);
            // Plain where YAML reads it back as written, else in double quotes.
            let plain = relative.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '.')
                && relative
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '/'));
            let value = if plain {
                relative
            } else {
                serde_json::Value::from(relative).to_string()
            };
            (path.span, value)
        })
        .collect();
    // From the end, so that each span still points where it did.
    moved.sort_by_key(|(span, _)| std::cmp::Reverse(span.start));
    let mut text = text.to_owned();
    for (span, value) in moved {
        text.replace_range(span.start..span.end, &value);
    }
    text
}

fn read_source(path: &Path) -> anyhow::Result<Source> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Source::new(path, text))
}

fn check(source: &Source) -> anyhow::Result<spec::ValidSpec> {
    spec::check(source).map_err(|diagnostics| {
        eprint!("{}", diagnostics.render(colored_stderr()));
        anyhow::Error::new(Reported)
    })
}

/// Whether problems are reported in colour: on a terminal, unless `NO_COLOR` is set.
fn colored_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

fn system_command(command: SystemCommand, verbosity: Verbosity) -> anyhow::Result<()> {
    match command {
        SystemCommand::New { name, dir } => system_new(&name, dir.as_deref(), verbosity),
        SystemCommand::Diff {
            against,
            manifest,
            format,
            fail_on,
        } => system_diff(&manifest, &against, format, fail_on),
        SystemCommand::Check { manifest } => {
            let system = load_system(&manifest)?;
            let problems = system.problems();
            if !problems.is_empty() {
                eprint!("{}", problems.render(colored_stderr()));
                return Err(Reported.into());
            }
            // The calls between services: every operation named there, in the callee's spec.
            let mut called = 0;
            let mut unresolved = false;
            for member in &system.members {
                let source = &system.files[member.file];
                let folder = source.name.parent().unwrap_or(Path::new("."));
                called += member.spec().dependencies.len();
                if let Err(problems) =
                    crate::dependencies::resolve(folder, None, source, &member.valid)?
                {
                    let report = crate::dependencies::render(&problems, source, colored_stderr());
                    eprint!("{report}");
                    unresolved = true;
                }
            }
            if unresolved {
                return Err(Reported.into());
            }
            if verbosity > Verbosity::Quiet {
                let subjects = system::graph::Graph::of(&system).subjects.len();
                out(&format!(
                    "the system `{}` is consistent: {} service(s), {subjects} subject(s), {called} call(s) between services\n",
                    system.manifest.name.value,
                    system.members.len()
                ));
            }
            Ok(())
        }
        SystemCommand::Generate { manifest, how } => {
            system_generate(&manifest, &how.options(verbosity))
        }
        SystemCommand::Run {
            manifest,
            release,
            timeout,
            prefix,
        } => {
            if let Some(prefix) = prefix.as_deref().filter(|p| !system::run::is_prefix(p)) {
                return Err(Usage(format!(
                    "`--prefix {prefix}` cannot start a database name and a subject: use lowercase letters, digits and `_`, starting with a letter, at most 20 characters"
                ))
                .into());
            }
            let system = consistent_system(&manifest, "run")?;
            let options = system::run::Options {
                release,
                ready_timeout: std::time::Duration::from_secs(timeout),
                color: std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
                prefix,
            };
            system::run::run(&system, &system::run::Servers::from_env(), &options)
        }
        SystemCommand::Graph {
            manifest,
            format,
            check,
        } => {
            let system = load_system(&manifest)?;
            let problems = system.problems();
            if !problems.is_empty() && verbosity > Verbosity::Quiet {
                eprintln!(
                    "warning: the drawing shows a system with {} problem(s); `msgen system check` lists them",
                    problems.len()
                );
            }
            let graph = system::graph::Graph::of(&system);
            let shown = manifest.file_name().map_or_else(
                || manifest.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let text = match format {
                Some(GraphFormat::Markdown) => graph.page(&shown),
                Some(GraphFormat::Mermaid) => graph.mermaid(),
                Some(GraphFormat::Dot) => graph.dot(),
                Some(GraphFormat::Json) => graph.json(),
                None => {
                    let path = system.root.join(system::graph::PAGE);
                    let page = graph.page(&shown);
                    let current = std::fs::read_to_string(&path).ok();
                    if current.as_deref() == Some(page.as_str()) {
                        if verbosity == Verbosity::Verbose {
                            out(&format!("{} is up to date\n", path.display()));
                        }
                        return Ok(());
                    }
                    if check {
                        return Err(Unfinished(format!(
                            "{} is out of date with the system: run `msgen system graph`",
                            path.display()
                        ))
                        .into());
                    }
                    std::fs::write(&path, page)
                        .with_context(|| format!("cannot write {}", path.display()))?;
                    if verbosity > Verbosity::Quiet {
                        out(&format!("wrote {}\n", path.display()));
                    }
                    return Ok(());
                }
            };
            out(&text);
            Ok(())
        }
    }
}

/// Regenerates every service of a system and writes the system's own files: everything is
/// planned first, so that a refused change in any service leaves every folder as it was.
fn system_generate(manifest: &Path, options: &Options) -> anyhow::Result<()> {
    let system = consistent_system(manifest, "generated")?;
    // A folder whose inputs are what its `.msgen/` recorded would not change: it is left out
    // (as `generate` answers), unless every file is to be listed.
    let terse = options.mode != Mode::DryRun && options.verbosity != Verbosity::Verbose;
    let mut planned = Vec::new();
    for member in &system.members {
        let root = system.root.join(&member.folder.value);
        let state = State::load(&root)?.unwrap_or_default();
        let source = &system.files[member.file];
        if terse && plan::unchanged(&root, &source.text, &state) {
            continue;
        }
        let folder = spec_folder(&root, source);
        let lookup = Lookup::of(&folder);
        let mut service = plan_service(&root, lookup, source, &member.valid, state, options)?;
        service.prefix = format!("{}/", member.folder.value);
        planned.push(service);
    }
    // The system's own files are made from the manifest and every service's spec.
    let state = State::load(&system.root)?.unwrap_or_default();
    let manifest_text = &system.files[0].text;
    if !(terse && plan::unchanged(&system.root, manifest_text, &state)) {
        let files = system::generate::files(&system)?;
        let bases = plan::Bases::load(&system.root, &state)?;
        let mut plan = plan::plan(
            &system.root,
            files,
            &BTreeMap::new(),
            &state,
            &bases,
            manifest_text,
            plan::ReadAhead::default(),
        )?;
        plan.state.record_inputs(&system.root, &system.files[1..]);
        planned.push(Planned {
            root: system.root.clone(),
            prefix: String::new(),
            plan,
            state,
        });
    }
    carry_out(
        &planned,
        options,
        &format!(
            "out of date with {}: run `msgen system generate`",
            manifest.display()
        ),
    )
}

/// Loads a system that `msgen system check` passes, or reports why it is not `done`.
fn consistent_system(manifest: &Path, done: &str) -> anyhow::Result<system::System> {
    let system = load_system(manifest)?;
    let problems = system.problems();
    if !problems.is_empty() {
        eprint!("{}", problems.render(colored_stderr()));
        eprintln!(
            "error: a system with problems between its services is not {done}; fix them first"
        );
        return Err(Reported.into());
    }
    Ok(system)
}

/// Loads a system, reporting the problems of its manifest and specs.
fn load_system(manifest: &Path) -> anyhow::Result<system::System> {
    system::load(manifest).map_err(|err| match err {
        system::LoadError::Invalid(problems) => {
            eprint!("{}", problems.render(colored_stderr()));
            Reported.into()
        }
        system::LoadError::Io(err) => err,
    })
}

fn system_new(name: &str, dir: Option<&Path>, verbosity: Verbosity) -> anyhow::Result<()> {
    let text = system::manifest::starter(name);
    if let Err(problems) =
        system::manifest::decode(&Source::new(system::manifest::FILE, text.as_str()))
    {
        let reasons: Vec<String> = problems
            .into_iter()
            .map(|p| match p.help {
                Some(help) => format!("{}\n  help: {help}", p.message),
                None => p.message,
            })
            .collect();
        return Err(Usage(format!(
            "`{name}` cannot be a system name:\n  {}",
            reasons.join("\n  ")
        ))
        .into());
    }
    let root = dir.unwrap_or(Path::new(".")).join(name);
    if root.exists() && std::fs::read_dir(&root)?.next().is_some() {
        bail!(
            "{} is not empty; msgen system new only writes into a new or empty directory",
            root.display()
        );
    }
    std::fs::create_dir_all(&root).with_context(|| format!("cannot create {}", root.display()))?;
    let path = root.join(system::manifest::FILE);
    std::fs::write(&path, text).with_context(|| format!("cannot write {}", path.display()))?;
    if verbosity > Verbosity::Quiet {
        out(&format!(
            "created {}: next, cd {} && msgen new <service>\n",
            path.display(),
            root.display()
        ));
    }
    Ok(())
}

/// The system a service created in `parent` joins: its manifest's path, text and contents.
struct Joined {
    path: PathBuf,
    text: String,
    manifest: system::Manifest,
}

/// The manifest in `parent`, if there is one; its problems are reported, and nothing is written.
fn system_in(parent: &Path) -> anyhow::Result<Option<Joined>> {
    let path = parent.join(system::manifest::FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(err) => {
            return Err(anyhow::Error::new(err).context(format!("cannot read {}", path.display())))
        }
    };
    let source = Source::new(&path, text.as_str());
    match system::manifest::decode(&source) {
        Ok(manifest) => Ok(Some(Joined {
            path,
            text,
            manifest,
        })),
        Err(list) => {
            eprint!(
                "{}",
                spec::Diagnostics::new(source, list).render(colored_stderr())
            );
            Err(Reported.into())
        }
    }
}

/// The changes a service's spec takes to join `system` as `folder`: a port of the system's
/// range that no other service of it uses, the system's broker (unless `--broker` chose), and
/// for the starter spec, whose routes every starter service shares, a base path of its own.
fn joining(
    parent: &Path,
    joined: &Joined,
    folder: &str,
    valid: &spec::ValidSpec,
    broker_chosen: bool,
    starter: bool,
) -> anyhow::Result<Vec<(&'static str, String)>> {
    let mut changes = Vec::new();
    // The other services as far as their specs can be read: `msgen system check` reports the rest.
    let others: Vec<spec::ValidSpec> = joined
        .manifest
        .services
        .iter()
        .filter(|f| f.value != folder)
        .filter_map(|f| std::fs::read_to_string(parent.join(&f.value).join("msgen.yaml")).ok())
        .filter_map(|text| spec::check(&Source::new("msgen.yaml", text)).ok())
        .collect();
    let taken: Vec<u16> = others
        .iter()
        .map(|v| {
            v.spec()
                .port
                .as_ref()
                .map_or(system::DEFAULT_PORT, |p| p.value)
        })
        .collect();
    let (low, high) = joined.manifest.port_range();
    let port = valid
        .spec()
        .port
        .as_ref()
        .map_or(system::DEFAULT_PORT, |p| p.value);
    if !(low..=high).contains(&port) || taken.contains(&port) {
        let Some(free) = (low..=high).find(|p| !taken.contains(p)) else {
            bail!(
                "every port of the system ({low}-{high}) is taken; widen `ports` in {}",
                joined.path.display()
            );
        };
        changes.push(("port", free.to_string()));
    }
    if let Some(broker) = &joined.manifest.broker {
        let ours = valid
            .spec()
            .broker
            .as_ref()
            .map_or(spec::Broker::None, |b| b.value);
        if !broker_chosen && ours != broker.value {
            changes.push(("broker", broker.value.as_str().to_owned()));
        }
    }
    if starter
        && others
            .iter()
            .any(|other| system::check::routes_overlap(valid, other))
    {
        changes.push(("base_path", format!("/{folder}")));
    }
    Ok(changes)
}

const STARTER: &str = include_str!("starter.yaml");

fn new(
    name: &str,
    spec_path: Option<&Path>,
    database: Option<DatabaseArg>,
    broker: Option<BrokerArg>,
    dir: Option<&Path>,
    verbosity: Verbosity,
) -> anyhow::Result<()> {
    let root = dir.unwrap_or(Path::new(".")).join(name);
    if root.exists() && std::fs::read_dir(&root)?.next().is_some() {
        bail!(
            "{} is not empty; msgen new only writes into a new or empty directory",
            root.display()
        );
    }
    let mut text = match spec_path {
        Some(path) => {
            // Checked as the user wrote it, so that every position points into their file.
            let source = read_source(path)?;
            let valid = check(&source)?;
            // A dependency's `spec:` is relative to the spec's folder: the copy's, to its own.
            let folder = path.parent().unwrap_or(Path::new(""));
            moved_dependency_specs(&source.text, valid.spec(), folder, &root)
        }
        None => starter(name)?,
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
    let parent = dir.unwrap_or(Path::new("."));
    let joined = system_in(parent)?;
    let shown = spec_path.map_or_else(|| root.join("msgen.yaml"), Path::to_path_buf);
    let mut source = Source::new(shown, text);
    let mut valid = check(&source)?;
    if valid.spec().service.value != name {
        bail!(
            "the spec names the service `{}`, but the command names it `{name}`; use the same name",
            valid.spec().service.value
        );
    }
    let mut joins = String::new();
    if let Some(joined) = &joined {
        let changes = joining(
            parent,
            joined,
            name,
            &valid,
            broker.is_some(),
            spec_path.is_none(),
        )?;
        for (key, value) in &changes {
            source.text = set_top_level(&source.text, key, value);
            joins.push_str(&format!(", {key} {value}"));
        }
        if !changes.is_empty() {
            valid = check(&source)?;
        }
    }
    let options = Options {
        mode: Mode::Write,
        diff: false,
        allow_destructive: false,
        verbosity: Verbosity::Quiet,
    };
    // Its copy's `spec:` paths were made relative to the new folder.
    let drafted_in = spec_path.map(|path| path.parent().unwrap_or(Path::new("")));
    let lookup = Lookup {
        folder: &root,
        drafted_in,
    };
    write_service(&root, lookup, &source, &valid, &State::default(), &options)?;
    if let Some(joined) = &joined {
        if !joined.manifest.services.iter().any(|f| f.value == name) {
            let Some(text) = system::manifest::with_service(&joined.text, name) else {
                bail!(
                    "created {}, but could not add it to `services:` in {}: add `{name}` there by hand",
                    root.display(),
                    joined.path.display()
                );
            };
            std::fs::write(&joined.path, text)
                .with_context(|| format!("cannot write {}", joined.path.display()))?;
        }
        if verbosity > Verbosity::Quiet {
            out(&format!(
                "added {name} to the system `{}` in {}{joins}\n",
                joined.manifest.name.value,
                joined.path.display()
            ));
        }
    }
    if verbosity > Verbosity::Quiet {
        out(&format!(
            "created {}: next, cd {} && cargo run\n",
            root.display(),
            root.display()
        ));
    }
    Ok(())
}

/// The commented starter spec for a service called `name`; refuses a name that is not a valid
/// service name with what the spec's own rules say of it, as a problem of the argument (no
/// file has been written that a position could point into).
fn starter(name: &str) -> anyhow::Result<String> {
    let text = STARTER.replace("starter-service", name);
    match spec::check(&Source::new("msgen.yaml", text.as_str())) {
        Ok(_) => Ok(text),
        Err(diagnostics) => {
            let mut problems = String::new();
            for problem in diagnostics.iter() {
                problems.push_str(&format!("\n  {}", problem.message));
                if let Some(help) = &problem.help {
                    problems.push_str(&format!("\n  help: {help}"));
                }
            }
            Err(Usage(format!("`{name}` cannot be a service name:{problems}")).into())
        }
    }
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

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    Write,
    Check,
    DryRun,
}

#[derive(Debug)]
struct Options {
    mode: Mode,
    diff: bool,
    allow_destructive: bool,
    verbosity: Verbosity,
}

/// A command line that cannot be carried out as given: exit 2, after saying why.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Usage(String);

/// Conflicts were written, or `--check` found the service out of date: exit 1, after saying so.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
struct Unfinished(String);

fn generate(root: &Path, spec_path: &Path, options: &Options) -> anyhow::Result<()> {
    let source = read_source(&root.join(spec_path)).map(|s| Source::new(spec_path, s.text))?;
    let state = State::load(root)?.unwrap_or_default();
    // Nothing to write, and nothing to report but that: answered from `.msgen/` alone. A dry
    // run and --verbose list every file, which takes rendering them.
    let terse = options.mode != Mode::DryRun && options.verbosity != Verbosity::Verbose;
    if terse && plan::unchanged(root, &source.text, &state) {
        return Ok(());
    }
    let valid = check(&source)?;
    let folder = spec_folder(root, &source);
    write_service(root, Lookup::of(&folder), &source, &valid, &state, options)
}

/// Where the specs of a service's dependencies are looked for: a `spec:` path from `folder`;
/// without one, in the system of `folder`, or else of `drafted_in` (see
/// `dependencies::resolve`).
#[derive(Clone, Copy)]
struct Lookup<'a> {
    folder: &'a Path,
    drafted_in: Option<&'a Path>,
}

impl<'a> Lookup<'a> {
    fn of(folder: &'a Path) -> Self {
        Self {
            folder,
            drafted_in: None,
        }
    }
}

/// Regenerates the service in `root` from `source`, its dependencies looked for as `lookup`
/// says.
fn write_service(
    root: &Path,
    lookup: Lookup<'_>,
    source: &Source,
    valid: &spec::ValidSpec,
    state: &State,
    options: &Options,
) -> anyhow::Result<()> {
    let planned = plan_service(root, lookup, source, valid, state.clone(), options)?;
    let check = format!(
        "out of date with {}: run `msgen generate`",
        source.name.display()
    );
    carry_out(&[planned], options, &check)
}

/// What regeneration does in one folder: a service's files, or a system's own.
struct Planned {
    root: PathBuf,
    /// Put before each path in reports: the service's folder in a system, else nothing.
    prefix: String,
    plan: plan::Plan,
    /// What the folder's `.msgen/` recorded before.
    state: State,
}

/// Renders a service and decides what to do with each of its files, writing nothing.
fn plan_service(
    root: &Path,
    lookup: Lookup<'_>,
    source: &Source,
    valid: &spec::ValidSpec,
    state: State,
    options: &Options,
) -> anyhow::Result<Planned> {
    let mut service = ir::lower(valid);
    let resolved = clients(lookup.folder, lookup.drafted_in, source, valid)?;
    service.clients = resolved.clients;
    let (bases, output, read_ahead) = std::thread::scope(|scope| -> anyhow::Result<_> {
        // Meanwhile, on another thread: the API documents, then the files on disk that the
        // plan compares with the new ones (those msgen wrote last time).
        let background = scope.spawn(|| {
            let documents = render::documents(&service);
            (documents, plan::ReadAhead::files_of(root, &state))
        });
        let bases = plan::Bases::load(root, &state)?;
        let previous = render::Previous {
            schema: state.schema.clone(),
            migrations: last_migration_number(root),
            allow_destructive: options.allow_destructive,
            proto: state.proto.clone(),
            rendered: bases.rendered(),
        };
        let mut read_ahead = plan::ReadAhead::default();
        let documents = || {
            let (documents, read) = render::join(background);
            read_ahead = read;
            documents
        };
        let output = render::render_with(&service, &source.text, &previous, documents);
        let output = output.map_err(|err| match err {
            render::RenderError::Migration(refused) => refusal(source, valid.names(), &refused),
            other => other.into(),
        })?;
        Ok((bases, output, read_ahead))
    })?;
    let fingerprints = &output.fingerprints;
    let mut plan = plan::plan(
        root,
        output.files,
        fingerprints,
        &state,
        &bases,
        &source.text,
        read_ahead,
    )?;
    plan.state.schema = Some(output.schema);
    plan.state.proto = output.proto;
    plan.state.record_inputs(root, &resolved.inputs);
    Ok(Planned {
        root: root.to_path_buf(),
        prefix: String::new(),
        plan,
        state,
    })
}

/// Reports every plan, then carries them out as `options` say: nothing for a dry run, a
/// failure naming what is out of date (`out_of_date`) for `--check`, else every plan written,
/// one folder after the other, with the conflicts left to resolve reported at the end.
fn carry_out(planned: &[Planned], options: &Options, out_of_date: &str) -> anyhow::Result<()> {
    let mut text = String::new();
    for p in planned {
        text.push_str(&report(&p.plan, &p.prefix, options));
    }
    let files: usize = planned.iter().map(|p| p.plan.entries.len()).sum();
    if text.is_empty() && options.mode == Mode::DryRun {
        text = format!("nothing to change: {files} files are up to date with the spec\n");
    }
    out(&text);
    let changes: usize = planned.iter().map(|p| p.plan.changes().count()).sum();
    match options.mode {
        Mode::DryRun => return Ok(()),
        Mode::Check if changes > 0 => {
            return Err(Unfinished(format!("{changes} file(s) {out_of_date}")).into())
        }
        Mode::Check => return Ok(()),
        Mode::Write => {}
    }
    let mut conflicts: Vec<String> = Vec::new();
    for p in planned {
        plan::apply(&p.root, &p.plan, &p.state)?;
        conflicts.extend(
            p.plan
                .conflicts()
                .map(|e| format!("{}{}", p.prefix, e.path)),
        );
    }
    if !conflicts.is_empty() {
        return Err(Unfinished(format!(
            "{} file(s) have conflicts to resolve (marked with <<<<<<< and >>>>>>>): {}",
            conflicts.len(),
            conflicts.join(", ")
        ))
        .into());
    }
    Ok(())
}

/// Reports a schema change msgen refuses to make at the field or entity of the spec that asks
/// for it; a table whose entity left the spec has no place there, so only the file is named.
fn refusal(
    source: &Source,
    names: &crate::names::Table,
    refused: &render::MigrationError,
) -> anyhow::Error {
    use render::MigrationError::*;
    let (table, column) = match refused {
        Conversion { table, column, .. }
        | RequiredWithoutDefault { table, column }
        | RequiredWithoutValue { table, column } => (table, Some(column)),
        Destructive { table, column, .. } => (table, column.as_ref()),
    };
    let entity = names.entities.iter().find(|e| e.table.text == *table);
    let span = entity.map(|entity| {
        let field = column.and_then(|column| entity.fields.iter().find(|f| f.name.text == *column));
        field.map_or(entity.ty.span, |field| field.name.span)
    });
    match span {
        Some(span) => {
            let problem = spec::Diagnostic::error(span, refused.to_string());
            let diagnostics = spec::Diagnostics::new(source.clone(), vec![problem]);
            eprint!("{}", diagnostics.render(colored_stderr()));
        }
        None => eprintln!("error: {}: {refused}", source.name.display()),
    }
    anyhow::Error::new(Reported)
}

/// The highest migration number under `migrations/`, counting the team's own migrations too,
/// so that a new one always sorts last.
fn last_migration_number(root: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(root.join("migrations")) else {
        return 0;
    };
    entries
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter_map(|name| name.split('_').next()?.parse::<usize>().ok())
        .max()
        .unwrap_or(0)
}

/// One line per file that changes (every file with --verbose or a dry run), and diffs, for
/// stdout: what a command did or would do is its result. Paths start with `prefix`.
fn report(plan: &plan::Plan, prefix: &str, options: &Options) -> String {
    let mut out = String::new();
    if options.verbosity == Verbosity::Quiet && options.mode == Mode::Write {
        return out;
    }
    for entry in &plan.entries {
        let shown = entry.action.changes()
            || entry.note.is_some()
            || options.verbosity == Verbosity::Verbose;
        if !shown {
            continue;
        }
        let path = format!("{prefix}{}", entry.path);
        out.push_str(&format!("{:>9}  {path}", entry.action.to_string()));
        if let Some(note) = &entry.note {
            out.push_str(&format!("  ({note})"));
        }
        out.push('\n');
        if options.diff && entry.action.changes() {
            out.push_str(&unified_diff(
                &path,
                entry.old.as_deref().unwrap_or_default(),
                entry.new.as_deref().unwrap_or_default(),
            ));
        }
    }
    out
}

/// Writes a command's result to stdout. A reader that stops early (`msgen plan --diff | head`)
/// is not an error: what it did not read is dropped.
fn out(text: &str) {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    if let Err(err) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        if err.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to stdout: {err}");
        }
    }
}

fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let patch = diffy::create_patch(old, new).to_string();
    // diffy names the sides `original` and `modified`; name them as git does.
    let hunks = patch
        .split_once("+++ modified\n")
        .map_or("", |(_, hunks)| hunks);
    format!("--- a/{path}\n+++ b/{path}\n{hunks}")
}
