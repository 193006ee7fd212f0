//! What the tests that build generated services share: one target directory for all of
//! them, so dependencies compile once, and commands that fail the test with their output.

#![allow(dead_code)]

pub mod otlp;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

pub fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

pub fn shared_target() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("services")
}

/// Runs a command in `dir` and fails the test with its output when it does not succeed.
pub fn run(dir: &Path, program: &str, args: &[&str]) -> String {
    try_run(dir, program, args).unwrap_or_else(|failure| panic!("{failure}"))
}

/// Runs a command in `dir`: its output, or what failed.
pub fn try_run(dir: &Path, program: &str, args: &[&str]) -> Result<String, String> {
    let output = command(dir, program, args)
        .output()
        .map_err(|err| format!("cannot run {program}: {err}"))?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    if output.status.success() {
        Ok(text)
    } else {
        Err(format!(
            "`{program} {}` failed in {}:\n{text}",
            args.join(" "),
            dir.display()
        ))
    }
}

/// Runs schemathesis with every check on against the service at `url` that `openapi`
/// describes, leaving out the operations `excluded` names, and fails the test with its report
/// when it finds anything. The settings are tests/schemathesis.toml's; a fixed seed.
pub fn schemathesis(openapi: &Path, url: &str, excluded: &[String]) {
    schemathesis_with(openapi, url, excluded, &[]);
}

/// [`schemathesis`], sending `headers` (`Authorization: Bearer ...`) with every request.
pub fn schemathesis_with(openapi: &Path, url: &str, excluded: &[String], headers: &[String]) {
    let config = root().join("tests/schemathesis.toml").display().to_string();
    let mut command = command(root(), "schemathesis", &[]);
    command
        .args(["--config-file", &config, "--no-color", "run"])
        .arg(openapi)
        .args(["--url", url, "--checks", "all", "--workers", "1"])
        .args(["--max-examples", "40", "--seed", "20261126"])
        // Bounded decimals have patterns that hypothesis fills by generating and filtering;
        // that it filters many is no failure of the service, and every check stays on.
        .args(["--suppress-health-check", "filter_too_much"]);
    for operation in excluded {
        command.args(["--exclude-operation-id", operation]);
    }
    for header in headers {
        command.args(["--header", header]);
    }
    let output = command
        .output()
        .expect("schemathesis runs; tools/test.sh installs it");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "schemathesis found failures in {}:\n{report}",
        openapi.display()
    );
    assert!(!report.contains("Failures:"), "{report}");
    assert!(
        report.contains("Stateful"),
        "the stateful phase did not run:\n{report}"
    );
}

/// A command in `dir` that builds into the shared target directory, without debug info or
/// incremental state: the services are built to be run and tested, not debugged, and those
/// are most of the disk a build takes.
pub fn command(dir: &Path, program: &str, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .args(args)
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", shared_target())
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .env("NO_COLOR", "1")
        .env_remove("RUSTFLAGS");
    command
}

pub fn msgen() -> &'static str {
    env!("CARGO_BIN_EXE_msgen")
}

/// Runs msgen in `dir` without colours; its output, whatever its exit code.
pub fn msgen_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(msgen())
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("msgen runs")
}

pub fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

pub fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// Serialises the builds of one test binary: two generated services of one name build into
/// one file of the shared target directory.
static BUILDS: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Runs the tests of the service `name` in `dir`, builds it and copies its binary to `keep`,
/// all under one lock: both cargo commands write the binary, so a test running in parallel
/// that builds a service of the same name could otherwise replace it before it is started.
/// Returns `keep`.
pub fn test_and_build(dir: &Path, name: &str, keep: &Path) -> PathBuf {
    let _build = BUILDS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    run(dir, "cargo", &["test"]);
    run(dir, "cargo", &["build"]);
    std::fs::copy(shared_target().join("debug").join(name), keep)
        .unwrap_or_else(|err| panic!("cannot copy the binary of {name}: {err}"));
    keep.to_path_buf()
}

/// The team's code of the examples, written into generated services by the tests that run
/// them: payment-service's `capture_payment` (the payment succeeds and `PaymentSucceeded` is
/// published in the same transaction) ...
pub const CAPTURE: &str = include_str!("team/payments.rs");
/// ... and notification-service's handler (one Notification per payment that succeeded).
pub const NOTIFY: &str = include_str!("team/notification_handlers.rs");

/// A generated service running as a process, stopped when dropped; requests go through its
/// [`Client`].
pub struct Running {
    child: Child,
    client: Client,
}

impl std::ops::Deref for Running {
    type Target = Client;

    fn deref(&self) -> &Client {
        &self.client
    }
}

impl std::ops::DerefMut for Running {
    fn deref_mut(&mut self) -> &mut Client {
        &mut self.client
    }
}

/// Requests to a service at `address` (`host:port`).
pub struct Client {
    pub address: String,
    /// Sent as `Authorization: Bearer` with every request, once set.
    token: Option<String>,
}

impl Running {
    /// Starts the service binary `name` with `env` and waits until it listens.
    pub fn start(name: &str, env: &[(&str, &str)]) -> Self {
        Self::start_binary(&shared_target().join("debug").join(name), env)
    }

    /// Starts the service binary at `binary` with `env` and waits until it listens.
    pub fn start_binary(binary: &Path, env: &[(&str, &str)]) -> Self {
        let name = binary.display().to_string();
        // A service that serves gRPC too takes a free port for it, unless `env` names one.
        let grpc_port = env
            .iter()
            .find(|(name, _)| *name == "GRPC_PORT")
            .map_or("0", |(_, port)| *port);
        let mut child = Command::new(binary)
            // The tests, schemathesis above all, send requests as fast as they can from one
            // client: no rate limit unless `env` sets one (only services with `auth:` have it).
            .env("RATE_LIMIT_PER_SECOND", "0")
            .envs(env.iter().copied())
            .env("PORT", "0")
            .env("GRPC_PORT", grpc_port)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|err| panic!("cannot start {}: {err}", binary.display()));
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some((_, address)) = line.split_once("address=") {
                    let address = address.split_whitespace().next().unwrap_or_default();
                    let _ = tx.send(address.to_string());
                }
            }
        });
        match rx.recv_timeout(Duration::from_secs(60)) {
            Ok(address) => Self {
                child,
                client: Client::new(address),
            },
            Err(_) => {
                let _ = child.kill();
                panic!("{name} did not start");
            }
        }
    }
}

impl Client {
    pub fn new(address: impl Into<String>) -> Self {
        Self {
            address: address.into(),
            token: None,
        }
    }

    /// Sends `token` as a bearer token with every request from now on.
    pub fn authorize(&mut self, token: String) {
        self.token = Some(token);
    }

    /// Sends one request; returns the status and the body.
    pub fn request(&self, method: &str, path: &str, body: Option<&str>) -> (u16, String) {
        self.request_with(method, path, body, &[])
    }

    /// Sends one request with extra headers; returns the status and the body.
    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        body: Option<&str>,
        headers: &[(&str, &str)],
    ) -> (u16, String) {
        let mut stream = TcpStream::connect(&self.address).unwrap();
        let body = body.unwrap_or_default();
        let bearer = self.token.as_ref().map(|token| format!("Bearer {token}"));
        let authorization = bearer
            .as_deref()
            .filter(|_| {
                !headers
                    .iter()
                    .any(|(name, _)| name.eq_ignore_ascii_case("authorization"))
            })
            .map(|value| ("Authorization", value));
        let extra: String = headers
            .iter()
            .copied()
            .chain(authorization)
            .map(|(name, value)| format!("{name}: {value}\r\n"))
            .collect();
        write!(
            stream,
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{extra}Connection: close\r\n\r\n{body}",
            self.address,
            body.len()
        )
        .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let status = response[9..12].parse().unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        let body = if head
            .to_ascii_lowercase()
            .contains("transfer-encoding: chunked")
        {
            dechunk(body)
        } else {
            body.to_string()
        };
        (status, body)
    }

    pub fn json(&self, method: &str, path: &str, body: Option<&str>) -> serde_json::Value {
        let (status, text) = self.request(method, path, body);
        assert!(status < 300, "{method} {path} answered {status}: {text}");
        serde_json::from_str(&text).unwrap_or_else(|err| panic!("{err}: {text}"))
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The OpenID Connect provider of tools/oidc (oidc-provider, on Node), issuing JWT access
/// tokens with the client-credentials grant; stopped when dropped.
pub struct Provider {
    child: Child,
    pub port: u16,
}

/// The clients of the payment example's provider and the scopes each may ask for.
pub const PAYMENT_CLIENTS: &[(&str, &str)] = &[
    ("reader", "payments:read"),
    (
        "payment-desk",
        "payments:read payments:write payments:refund payments:capture",
    ),
];

impl Provider {
    /// A provider on a free port, signing with a new key named `kid`, for tokens whose audience
    /// is `audience`.
    pub fn start(audience: &str, kid: &str, clients: &[(&str, &str)]) -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        Self::start_on(port, audience, kid, clients)
    }

    /// A provider on `port`: started again there with another `kid`, it has rotated its key.
    pub fn start_on(port: u16, audience: &str, kid: &str, clients: &[(&str, &str)]) -> Self {
        let clients: serde_json::Map<String, serde_json::Value> = clients
            .iter()
            .map(|(id, scope)| (id.to_string(), serde_json::json!(scope)))
            .collect();
        let script = root().join("tools/oidc/provider.mjs");
        let mut child = Command::new("node")
            .arg(&script)
            .args([&port.to_string(), audience, kid])
            .env(
                "OIDC_CLIENTS",
                serde_json::Value::Object(clients).to_string(),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs tools/oidc/provider.mjs; tools/test.sh installs its packages");
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.starts_with("listening on") {
                    let _ = tx.send(());
                }
            }
        });
        if rx.recv_timeout(Duration::from_secs(30)).is_err() {
            let _ = child.kill();
            panic!("the OpenID Connect provider did not start on port {port}");
        }
        Self { child, port }
    }

    pub fn issuer(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// What a service needs to trust this provider's tokens.
    pub fn service_env(&self) -> [(&'static str, String); 2] {
        [
            ("AUTH_ISSUER", self.issuer()),
            ("AUTH_JWKS_URL", format!("{}/jwks", self.issuer())),
        ]
    }

    /// A token for `client` with the scopes `scope` (space-separated).
    pub fn token(&self, client: &str, scope: &str) -> String {
        let output = Command::new("curl")
            .args([
                "-sS",
                "--fail-with-body",
                "-u",
                &format!("{client}:{client}"),
            ])
            .args(["-d", "grant_type=client_credentials", "-d"])
            .arg(format!("scope={scope}"))
            .arg(format!("{}/token", self.issuer()))
            .output()
            .expect("curl runs");
        let text = String::from_utf8_lossy(&output.stdout);
        let answer: serde_json::Value = serde_json::from_str(&text)
            .unwrap_or_else(|err| panic!("the token endpoint answered {text}: {err}"));
        answer["access_token"]
            .as_str()
            .unwrap_or_else(|| panic!("no access token for {client}: {text}"))
            .to_string()
    }
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

pub fn psql(database: &str, sql: &str) -> String {
    try_psql(database, sql).unwrap_or_else(|failure| panic!("{failure}"))
}

/// Runs `sql` in `database` of the local PostgreSQL: its unaligned output, or what failed (a
/// database that does not exist yet, say).
pub fn try_psql(database: &str, sql: &str) -> Result<String, String> {
    let args = [
        "-h",
        "127.0.0.1",
        "-U",
        "postgres",
        "-d",
        database,
        "-Atc",
        sql,
    ];
    try_run(root(), "psql", &args)
}

/// Drops `database` of the local PostgreSQL if it is there, whoever is connected to it; a test
/// cleaning up after itself ignores a failure.
pub fn drop_database(database: &str) {
    let sql = format!("drop database if exists \"{database}\" with (force)");
    let _ = try_psql("postgres", &sql);
}

/// Runs kubernetes-validate on `files`; every document must pass (a kind it has no schema
/// for is only a warning to it, and a failure here).
pub fn kubernetes_validate(files: &[PathBuf], documents: usize, version: Option<&str>, what: &str) {
    let mut command = Command::new("kubernetes-validate");
    command.arg("--strict");
    if let Some(version) = version {
        command.args(["--kubernetes-version", version]);
    }
    let output = match command.args(files).output() {
        Ok(output) => output,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => panic!(
            "kubernetes-validate is not installed; it validates the generated Kubernetes \
             manifests offline. Install it with `python3 -m pip install kubernetes-validate` (tools/test.sh does)."
        ),
        Err(err) => panic!("cannot run kubernetes-validate: {err}"),
    };
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "kubernetes-validate rejected the manifests ({what}):\n{stdout}{stderr}"
    );
    let lines: Vec<&str> = stdout.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines
            .iter()
            .all(|l| l.starts_with("INFO ") && l.contains(" passed ")),
        "kubernetes-validate did not pass every document ({what}):\n{stdout}{stderr}"
    );
    assert_eq!(
        lines.len(),
        documents,
        "kubernetes-validate checked every document ({what}):\n{stdout}"
    );
}

/// The services of the example system, examples/shop, in the order of its manifest.
pub const SHOP: [&str; 3] = ["payment-service", "notification-service", "order-service"];

/// Copies the example system's manifest and specs to `to/shop`; returns that folder.
pub fn copy_example_system(to: &Path) -> PathBuf {
    let dir = to.join("shop");
    let from = root().join("examples/shop");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(
        from.join("msgen-system.yaml"),
        dir.join("msgen-system.yaml"),
    )
    .unwrap();
    for service in SHOP {
        std::fs::create_dir_all(dir.join(service)).unwrap();
        let spec = service.to_owned() + "/msgen.yaml";
        std::fs::copy(from.join(&spec), dir.join(&spec)).unwrap();
    }
    dir
}

/// The spec `text` with `transports: [http, grpc]` after its `service:` line, unless it names
/// its transports itself.
pub fn with_grpc(text: &str) -> String {
    if text.contains("\ntransports:") {
        return text.to_owned();
    }
    let mut out = String::new();
    for line in text.lines() {
        out.push_str(line);
        out.push('\n');
        if line.starts_with("service:") {
            out.push_str("transports: [http, grpc]\n");
        }
    }
    out
}
