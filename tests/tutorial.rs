//! docs/tutorial.md is run as written: its `sh` blocks in order, in one shell, with each
//! `rust` block whose first line is `// file: PATH` written to that file at its place.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TIME_LIMIT: Duration = Duration::from_secs(600);

/// The tutorial as one bash script.
fn script(markdown: &str) -> String {
    let mut script = String::from("set -euo pipefail\n");
    let mut lines = markdown.lines();
    while let Some(line) = lines.next() {
        let Some(lang) = line.strip_prefix("```") else {
            continue;
        };
        let block: Vec<&str> = lines.by_ref().take_while(|l| *l != "```").collect();
        match lang {
            "sh" => {
                for line in block {
                    script.push_str(line);
                    script.push('\n');
                }
            }
            "rust" => {
                let Some(path) = block.first().and_then(|l| l.strip_prefix("// file: ")) else {
                    continue;
                };
                script.push_str(&format!("cat > {path} <<'TUTORIAL_EOF'\n"));
                for line in &block[1..] {
                    script.push_str(line);
                    script.push('\n');
                }
                script.push_str("TUTORIAL_EOF\n");
            }
            _ => {}
        }
    }
    script
}

#[test]
fn the_tutorial_runs_as_written() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let markdown = fs::read_to_string(root.join("docs/tutorial.md")).unwrap();
    let script = script(&markdown);
    assert!(script.contains("msgen new") && script.contains("cat > src/services/"));

    let temp = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).unwrap();
    let msgen_dir = Path::new(env!("CARGO_BIN_EXE_msgen")).parent().unwrap();
    let path = format!("{}:{}", msgen_dir.display(), std::env::var("PATH").unwrap());
    let target = Path::new(env!("CARGO_TARGET_TMPDIR")).join("services");
    let mut child = Command::new("bash")
        .arg("-c")
        .arg(&script)
        .current_dir(temp.path())
        .env("PATH", path)
        .env("CARGO_TARGET_DIR", target)
        // As tests/support builds every other service, so they share compiled dependencies.
        .env("CARGO_PROFILE_DEV_DEBUG", "0")
        .env("CARGO_INCREMENTAL", "0")
        .env_remove("RUSTFLAGS")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a server it leaves behind can be stopped with it.
        .process_group(0)
        .spawn()
        .unwrap();
    let started = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break Some(status);
        }
        if started.elapsed() > TIME_LIMIT {
            break None;
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    let group = format!("-{}", child.id());
    let _ = Command::new("kill").args(["-KILL", "--", &group]).status();
    let output = child.wait_with_output().unwrap();
    let log = format!(
        "{}\n{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    match status {
        Some(status) => assert!(status.success(), "the tutorial failed:\n{script}\n{log}"),
        None => panic!("the tutorial took longer than {TIME_LIMIT:?}:\n{log}"),
    }
    assert!(
        log.contains("archiving_an_item_sets_its_status ... ok"),
        "{log}"
    );
}
