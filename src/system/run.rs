//! `msgen system run`: every service of a system built and run as a local process, wired to
//! one PostgreSQL server and the broker, its log lines prefixed with its name, until ctrl-c.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, ToSocketAddrs};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use crate::ir;
use crate::spec::{Broker, Database};

use super::{Member, System};

/// How to run a system.
#[derive(Debug, Clone)]
pub struct Options {
    /// Build and run the release profile.
    pub release: bool,
    /// How long every service has to answer its readiness probe.
    pub ready_timeout: Duration,
    /// Colour each service's prefix.
    pub color: bool,
    /// Keeps this run apart from others on the same servers: databases `<prefix>_<database>`
    /// and `EVENTS_PREFIX` `<prefix>.`.
    pub prefix: Option<String>,
}

/// Whether `prefix` can start a database name and a subject: lowercase letters, digits and `_`,
/// starting with a letter, at most 20 characters.
pub fn is_prefix(prefix: &str) -> bool {
    prefix.len() <= 20
        && prefix.starts_with(|c: char| c.is_ascii_lowercase())
        && prefix
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// Where the services find what they need, from msgen's environment or the local defaults.
#[derive(Debug, Clone)]
pub struct Servers {
    /// The PostgreSQL server, without a database: each service gets `<server>/<its database>`.
    pub postgres: String,
    pub nats: String,
    pub amqp: String,
    pub kafka: String,
}

impl Servers {
    pub fn from_env() -> Self {
        let var = |name: &str, default: &str| {
            std::env::var(name)
                .ok()
                .filter(|v| !v.is_empty())
                .unwrap_or_else(|| default.to_owned())
        };
        Self {
            postgres: var("POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
                .trim_end_matches('/')
                .to_owned(),
            nats: var("NATS_URL", "nats://127.0.0.1:4222"),
            amqp: var("AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2f"),
            kafka: var("KAFKA_BROKERS", "127.0.0.1:9092"),
        }
    }

    /// The environment variable and address of `broker`.
    fn broker(&self, broker: Broker) -> Option<(&'static str, &str)> {
        match broker {
            Broker::None => None,
            Broker::Nats => Some(("NATS_URL", &self.nats)),
            Broker::Rabbitmq => Some(("AMQP_URL", &self.amqp)),
            Broker::Kafka => Some(("KAFKA_BROKERS", &self.kafka)),
        }
    }
}

/// A server the services need: what it is, the variable naming it, and its address.
struct Need<'a> {
    what: &'static str,
    variable: &'static str,
    address: &'a str,
    services: Vec<&'a str>,
}

/// The host and port of a server's URL (`nats://host:port`, `postgres://user@host:port/db`),
/// or of the first of a comma-separated `host:port` list.
fn host_port(address: &str, default_port: u16) -> Option<(String, u16)> {
    let first = address.split(',').next()?.trim();
    if first.contains("://") {
        let url = url::Url::parse(first).ok()?;
        Some((
            url.host_str()?.to_owned(),
            url.port().unwrap_or(default_port),
        ))
    } else {
        let (host, port) = first.rsplit_once(':')?;
        Some((host.to_owned(), port.parse().ok()?))
    }
}

fn answers(host: &str, port: u16) -> bool {
    let Ok(addresses) = (host, port).to_socket_addrs() else {
        return false;
    };
    let addresses: Vec<SocketAddr> = addresses.collect();
    addresses
        .iter()
        .any(|a| TcpStream::connect_timeout(a, Duration::from_secs(2)).is_ok())
}

/// Every server the system needs that does not answer, said plainly.
pub fn missing_servers(system: &System, servers: &Servers) -> Vec<String> {
    let mut needs: Vec<Need<'_>> = Vec::new();
    let mut need = |what, variable, address, service| match needs
        .iter_mut()
        .find(|n: &&mut Need<'_>| n.variable == variable)
    {
        Some(n) => n.services.push(service),
        None => needs.push(Need {
            what,
            variable,
            address,
            services: vec![service],
        }),
    };
    for member in &system.members {
        if member.database() == Database::Postgres {
            need(
                "PostgreSQL",
                "POSTGRES_URL",
                servers.postgres.as_str(),
                member.name(),
            );
        }
        let (broker, _) = member.broker();
        if let Some((variable, address)) = servers.broker(broker) {
            let what = match broker {
                Broker::Nats => "NATS",
                Broker::Rabbitmq => "RabbitMQ",
                _ => "Kafka",
            };
            need(what, variable, address, member.name());
        }
    }
    let mut missing = Vec::new();
    for n in needs {
        let default_port = match n.variable {
            "POSTGRES_URL" => 5432,
            "NATS_URL" => 4222,
            "AMQP_URL" => 5672,
            _ => 9092,
        };
        let services = n.services.join(", ");
        match host_port(n.address, default_port) {
            Some((host, port)) if answers(&host, port) => {}
            Some((host, port)) => missing.push(format!(
                "{} is not running at {host}:{port} ({}), and {services} need it: start it, or set {} to one that runs",
                n.what, n.variable, n.variable
            )),
            None => missing.push(format!(
                "{} `{}` is not an address msgen can read ({services} need it)",
                n.variable, n.address
            )),
        }
    }
    missing
}

/// A service started by `run`.
struct Process {
    name: String,
    port: u16,
    child: Child,
    ready: bool,
}

/// Builds and runs every service of `system` until a signal or until one of them stops.
pub fn run(system: &System, servers: &Servers, options: &Options) -> anyhow::Result<()> {
    let missing = missing_servers(system, servers);
    if !missing.is_empty() {
        bail!(
            "cannot run the system `{}`:\n  {}",
            system.manifest.name.value,
            missing.join("\n  ")
        );
    }
    for member in &system.members {
        let folder = system.root.join(&member.folder.value);
        if !folder.join("Cargo.toml").is_file() {
            bail!(
                "{} has not been generated yet: run `msgen system generate` first",
                member.name()
            );
        }
        let (port, _) = member.port();
        if TcpListener::bind(("127.0.0.1", port)).is_err() {
            bail!(
                "port {port}, which {} listens on, is taken by another program: stop it, or give the service another `port:`",
                member.name()
            );
        }
    }
    let gateway = Gateway::of(system);
    if let Some(gateway) = &gateway {
        if !gateway.folder.join("Cargo.toml").is_file() {
            bail!("the system's gateway has not been generated yet: run `msgen system generate` first");
        }
        if TcpListener::bind(("127.0.0.1", gateway.port)).is_err() {
            bail!(
                "port {}, which the gateway listens on, is taken by another program: stop it",
                gateway.port
            );
        }
    }
    let target = target_dir(&system.root)?;
    for member in &system.members {
        let folder = system.root.join(&member.folder.value);
        build(member.name(), &folder, &target, options.release)?;
    }
    if let Some(gateway) = &gateway {
        build(&gateway.name, &gateway.folder, &target, options.release)?;
    }
    // Signals from here on stop the services instead of msgen alone.
    let (signals, signalled) = mpsc::channel::<()>();
    ctrlc::set_handler(move || {
        let _ = signals.send(());
    })
    .context("cannot listen for ctrl-c")?;

    let width = system
        .members
        .iter()
        .map(|m| m.name().len())
        .chain(gateway.iter().map(|g| g.name.len()))
        .max()
        .unwrap_or(0);
    let (lines, printed) = mpsc::channel::<String>();
    let printer = std::thread::spawn(move || {
        let mut stdout = std::io::stdout();
        for line in printed {
            let _ = stdout.write_all(line.as_bytes());
            let _ = stdout.flush();
        }
    });
    let mut processes = Vec::new();
    let mut outcome = Ok(());
    for (i, member) in system.members.iter().enumerate() {
        match start(system, member, &target, servers, options, i, width, &lines) {
            Ok(process) => processes.push(process),
            Err(err) => {
                outcome = Err(err);
                break;
            }
        }
    }
    if let (Ok(()), Some(gateway)) = (&outcome, &gateway) {
        let output = Output {
            index: system.members.len(),
            width,
            color: options.color,
            lines: &lines,
        };
        match gateway.start(system, &target, options.release, &output) {
            Ok(process) => processes.push(process),
            Err(err) => outcome = Err(err),
        }
    }
    if outcome.is_ok() {
        outcome = supervise(system, &mut processes, options, &signalled, &lines);
    }
    stop(&mut processes, &lines);
    drop(lines);
    let _ = printer.join();
    outcome
}

/// Where cargo builds: `CARGO_TARGET_DIR` when set, else `target/` beside the manifest, so that
/// the services' dependencies compile once for all of them.
fn target_dir(root: &Path) -> anyhow::Result<PathBuf> {
    let dir = match std::env::var_os("CARGO_TARGET_DIR").filter(|d| !d.is_empty()) {
        Some(dir) => PathBuf::from(dir),
        None => root.join("target"),
    };
    let dir = if dir.is_absolute() {
        dir
    } else {
        std::env::current_dir()?.join(dir)
    };
    Ok(dir)
}

/// The system's gateway, as `msgen system run` runs it.
struct Gateway {
    name: String,
    folder: PathBuf,
    port: u16,
}

impl Gateway {
    /// The gateway of `system`, unless none of its services has HTTP endpoints.
    fn of(system: &System) -> Option<Self> {
        let mut served = super::gateway::upstreams(system);
        served.next().is_some().then(|| Self {
            name: super::gateway::package(system),
            folder: system.root.join(super::gateway::FOLDER),
            port: super::gateway::port(system),
        })
    }

    /// Starts the built gateway in front of the services, where they listen.
    fn start(
        &self,
        system: &System,
        target: &Path,
        release: bool,
        output: &Output,
    ) -> anyhow::Result<Process> {
        let binary = target
            .join(if release { "release" } else { "debug" })
            .join(&self.name);
        let mut command = Command::new(&binary);
        command
            .current_dir(&self.folder)
            .env("HOST", "127.0.0.1")
            .env("PORT", self.port.to_string());
        for member in &system.members {
            let address = format!("http://127.0.0.1:{}", member.port().0);
            command.env(ir::clients::url_variable(member.name()), address);
        }
        if std::env::var_os("RUST_LOG").is_none() {
            command.env("RUST_LOG", "info");
        }
        output.spawn(&self.name, self.port, command)
    }
}

/// Where the processes' lines go, each prefixed with its name.
struct Output<'a> {
    /// The process's place among all of them, for its colour.
    index: usize,
    /// The width the names are right-aligned in.
    width: usize,
    color: bool,
    lines: &'a mpsc::Sender<String>,
}

impl Output<'_> {
    /// Runs `command` as `name`, which listens on `port`, its output prefixed with its name.
    fn spawn(&self, name: &str, port: u16, mut command: Command) -> anyhow::Result<Process> {
        let mut child = command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .with_context(|| format!("cannot start {name} ({:?})", command.get_program()))?;
        let width = self.width;
        let prefix = if self.color {
            format!(
                "\x1b[{}m{name:>width$} |\x1b[0m ",
                COLORS[self.index % COLORS.len()],
            )
        } else {
            format!("{name:>width$} | ")
        };
        let out: Box<dyn Read + Send> = Box::new(child.stdout.take().expect("piped"));
        let err: Box<dyn Read + Send> = Box::new(child.stderr.take().expect("piped"));
        for stream in [out, err] {
            let prefix = prefix.clone();
            let lines = self.lines.clone();
            std::thread::spawn(move || {
                for line in BufReader::new(stream).lines() {
                    let Ok(line) = line else { break };
                    if lines.send(format!("{prefix}{line}\n")).is_err() {
                        break;
                    }
                }
            });
        }
        Ok(Process {
            name: name.to_owned(),
            port,
            child,
            ready: false,
        })
    }
}

/// Builds the crate in `folder` for `name`.
fn build(name: &str, folder: &Path, target: &Path, release: bool) -> anyhow::Result<()> {
    eprintln!("building {name}");
    let manifest = folder.join("Cargo.toml");
    let mut command = Command::new(std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into()));
    command
        .arg("build")
        .arg("--manifest-path")
        .arg(&manifest)
        .env("CARGO_TARGET_DIR", target);
    if release {
        command.arg("--release");
    }
    let status = command
        .status()
        .context("cannot run cargo: msgen system run builds the services with it")?;
    if !status.success() {
        bail!("{name} does not build; cargo said why above");
    }
    Ok(())
}

/// The ANSI colours of the services' prefixes, in turn.
const COLORS: [&str; 6] = ["36", "33", "35", "32", "34", "31"];

#[allow(clippy::too_many_arguments)]
fn start(
    system: &System,
    member: &Member,
    target: &Path,
    servers: &Servers,
    options: &Options,
    index: usize,
    width: usize,
    lines: &mpsc::Sender<String>,
) -> anyhow::Result<Process> {
    let folder = system.root.join(&member.folder.value);
    let folder = std::fs::canonicalize(&folder).unwrap_or(folder);
    let binary = target
        .join(if options.release { "release" } else { "debug" })
        .join(member.name());
    let (port, _) = member.port();
    let prefixed = |name: String| match &options.prefix {
        Some(prefix) => format!("{prefix}_{name}"),
        None => name,
    };
    let database_url = match member.database() {
        Database::Postgres => format!(
            "{}/{}",
            servers.postgres,
            prefixed(member.crate_name().to_owned())
        ),
        Database::Sqlite => format!(
            "sqlite://{}/{}.db",
            folder.display(),
            prefixed(member.name().to_owned())
        ),
    };
    let mut command = Command::new(&binary);
    command
        .current_dir(&folder)
        .env("HOST", "127.0.0.1")
        .env("PORT", port.to_string())
        .env("DATABASE_URL", database_url)
        .env_remove("NATS_URL")
        .env_remove("AMQP_URL")
        .env_remove("KAFKA_BROKERS");
    if let Some((variable, address)) = servers.broker(member.broker().0) {
        command.env(variable, address);
    }
    // Where the others listen, for the calls it makes to them.
    for other in &system.members {
        let address = format!("http://127.0.0.1:{}", member.port_for_calls_to(other));
        command.env(ir::clients::url_variable(other.name()), address);
    }
    // The run's prefix, then the system's.
    let events_prefix: String = options
        .prefix
        .iter()
        .map(|prefix| format!("{prefix}."))
        .chain([system.manifest.events_prefix()])
        .collect();
    if !events_prefix.is_empty() {
        command.env("EVENTS_PREFIX", events_prefix);
    }
    if std::env::var_os("RUST_LOG").is_none() {
        command.env("RUST_LOG", "info");
    }
    let output = Output {
        index,
        width,
        color: options.color,
        lines,
    };
    output.spawn(member.name(), port, command)
}

/// Waits until every service is ready (saying so), then until a signal or a service stops.
fn supervise(
    system: &System,
    processes: &mut [Process],
    options: &Options,
    signalled: &mpsc::Receiver<()>,
    lines: &mpsc::Sender<String>,
) -> anyhow::Result<()> {
    let started = Instant::now();
    let mut announced = false;
    loop {
        if signalled.try_recv().is_ok() {
            return Ok(());
        }
        for p in processes.iter_mut() {
            if let Some(status) = p.child.try_wait()? {
                bail!(
                    "{} stopped ({}){}; its last lines are above",
                    p.name,
                    describe(status),
                    if p.ready { "" } else { " before it was ready" }
                );
            }
            if !p.ready {
                p.ready = is_ready(p.port);
            }
        }
        if !announced && processes.iter().all(|p| p.ready) {
            announced = true;
            let mut text = format!(
                "the system `{}` is ready (ctrl-c stops it):\n",
                system.manifest.name.value
            );
            for p in processes.iter() {
                text.push_str(&format!(
                    "  {}: http://127.0.0.1:{}  (API reference: /docs)\n",
                    p.name, p.port
                ));
            }
            let _ = lines.send(text);
        }
        if !announced && started.elapsed() > options.ready_timeout {
            let waiting: Vec<&str> = processes
                .iter()
                .filter(|p| !p.ready)
                .map(|p| p.name.as_str())
                .collect();
            bail!(
                "{} did not answer /health/ready within {} s; their last lines are above",
                waiting.join(", "),
                options.ready_timeout.as_secs()
            );
        }
        if signalled.recv_timeout(Duration::from_millis(250)).is_ok() {
            return Ok(());
        }
    }
}

fn describe(status: ExitStatus) -> String {
    match status.code() {
        Some(code) => format!("exit code {code}"),
        None => "killed by a signal".to_owned(),
    }
}

/// Whether the service on `port` answers its readiness probe with a success.
fn is_ready(port: u16) -> bool {
    let address = SocketAddr::from(([127, 0, 0, 1], port));
    let Ok(mut stream) = TcpStream::connect_timeout(&address, Duration::from_millis(500)) else {
        return false;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    let request = format!(
        "GET /health/ready HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_err() {
        return false;
    }
    let mut status = String::new();
    if BufReader::new(stream).read_line(&mut status).is_err() {
        return false;
    }
    // `HTTP/1.1 204 No Content`
    status
        .split_whitespace()
        .nth(1)
        .is_some_and(|code| code.starts_with('2'))
}

/// Asks every service still running to shut down, and waits for it (its graceful shutdown
/// finishes the requests in flight); one that does not stop within 40 s is killed.
fn stop(processes: &mut [Process], lines: &mpsc::Sender<String>) {
    for p in processes.iter_mut() {
        if p.child.try_wait().ok().flatten().is_none() {
            terminate(&mut p.child);
        }
    }
    for p in processes.iter_mut() {
        let deadline = Instant::now() + Duration::from_secs(40);
        loop {
            match p.child.try_wait() {
                Ok(Some(_)) | Err(_) => break,
                Ok(None) if Instant::now() > deadline => {
                    let _ = p.child.kill();
                    let _ = p.child.wait();
                    break;
                }
                Ok(None) => std::thread::sleep(Duration::from_millis(100)),
            }
        }
        let _ = lines.send(format!("stopped {}\n", p.name));
    }
}

#[cfg(unix)]
fn terminate(child: &mut Child) {
    match libc::pid_t::try_from(child.id()) {
        // SAFETY: `kill` has no memory effects; the pid is that of a child not yet reaped.
        Ok(pid) => unsafe {
            libc::kill(pid, libc::SIGTERM);
        },
        Err(_) => {
            let _ = child.kill();
        }
    }
}

#[cfg(not(unix))]
fn terminate(child: &mut Child) {
    let _ = child.kill();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_each_server() {
        assert_eq!(
            host_port("postgres://postgres@127.0.0.1:5433", 5432),
            Some(("127.0.0.1".into(), 5433))
        );
        assert_eq!(
            host_port("nats://localhost", 4222),
            Some(("localhost".into(), 4222))
        );
        assert_eq!(
            host_port("amqp://guest:guest@rabbit:5672/%2f", 5672),
            Some(("rabbit".into(), 5672))
        );
        assert_eq!(
            host_port("kafka-1:9093,kafka-2:9093", 9092),
            Some(("kafka-1".into(), 9093))
        );
        assert_eq!(host_port("nonsense", 1), None);
    }
}
