//! What the tests that build generated services share: one target directory for all of
//! them, so dependencies compile once, and commands that fail the test with their output.

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
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

/// A generated service running as a process, stopped when dropped.
pub struct Running {
    child: Child,
    pub address: String,
}

impl Running {
    /// Starts the service binary `name` with `env` and waits until it listens.
    pub fn start(name: &str, env: &[(&str, &str)]) -> Self {
        Self::start_binary(&shared_target().join("debug").join(name), env)
    }

    /// Starts the service binary at `binary` with `env` and waits until it listens.
    pub fn start_binary(binary: &Path, env: &[(&str, &str)]) -> Self {
        let name = binary.display().to_string();
        let mut child = Command::new(binary)
            .envs(env.iter().copied())
            .env("PORT", "0")
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
            Ok(address) => Self { child, address },
            Err(_) => {
                let _ = child.kill();
                panic!("{name} did not start");
            }
        }
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
        let extra: String = headers
            .iter()
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
    run(root(), "psql", &args)
}
