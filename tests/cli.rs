//! The command line's conventions: results on stdout and everything else on stderr, shell
//! completions that complete, and errors that point only at files that exist, at the line and
//! column of what causes them.

mod support;

use std::fs;
use std::process::Command;

use support::{msgen_in as msgen, root, stderr_of as stderr, stdout_of as stdout};

fn example() -> String {
    root()
        .join("examples/payment-service.yaml")
        .display()
        .to_string()
}

/// A new payment service in a temporary directory.
fn payment_service() -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let output = msgen(
        temp.path(),
        &["new", "payment-service", "--spec", &example()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let dir = temp.path().join("payment-service");
    (temp, dir)
}

/// The 1-based line and column of the first occurrence of `needle` in `text`.
fn position(text: &str, needle: &str) -> String {
    let at = text.find(needle).expect("the text holds the needle");
    let line = text[..at].matches('\n').count() + 1;
    let column = at - text[..at].rfind('\n').map_or(0, |i| i + 1) + 1;
    format!("{line}:{column}")
}

#[test]
fn results_go_to_stdout_and_nothing_else_does() {
    let (temp, dir) = payment_service();
    let created = msgen(temp.path(), &["new", "other-service", "--spec", &example()]);
    // The name differs from the spec's: a usage error, on stderr only.
    assert_eq!(created.status.code(), Some(2));
    assert_eq!(stdout(&created), "");
    assert!(stderr(&created).contains("`payment-service`"));

    let valid = msgen(&dir, &["validate"]);
    assert!(valid.status.success());
    assert_eq!(stdout(&valid), "msgen.yaml is valid\n");
    assert_eq!(stderr(&valid), "");

    let unchanged = msgen(&dir, &["plan"]);
    assert_eq!(stderr(&unchanged), "");
    assert!(
        stdout(&unchanged).starts_with("nothing to change: "),
        "{}",
        stdout(&unchanged)
    );

    let spec = fs::read_to_string(dir.join("msgen.yaml")).unwrap();
    let changed = spec.replace(
        "      note: { type: string, optional: true }\n",
        "      note: { type: string, optional: true }\n      memo: { type: text, optional: true }\n",
    );
    assert_ne!(spec, changed);
    fs::write(dir.join("msgen.yaml"), changed).unwrap();
    let plan = msgen(&dir, &["plan"]);
    assert!(plan.status.success(), "{}", stderr(&plan));
    assert_eq!(stderr(&plan), "");
    assert!(
        stdout(&plan).contains("src/models/payment.rs"),
        "{}",
        stdout(&plan)
    );
    let check = msgen(&dir, &["generate", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(stdout(&check).contains("src/models/payment.rs"));
    assert!(stderr(&check).contains("out of date"), "{}", stderr(&check));
    let generate = msgen(&dir, &["generate"]);
    assert!(generate.status.success(), "{}", stderr(&generate));
    assert_eq!(stderr(&generate), "");
    assert!(stdout(&generate).contains("src/models/payment.rs"));

    fs::write(dir.join("broken.yaml"), "service: x\nentities: 3\n").unwrap();
    let invalid = msgen(&dir, &["validate", "broken.yaml"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert_eq!(stdout(&invalid), "");
    assert!(
        stderr(&invalid).contains("broken.yaml:2:"),
        "{}",
        stderr(&invalid)
    );

    let schema = msgen(&dir, &["schema"]);
    assert_eq!(stderr(&schema), "");
    serde_json::from_slice::<serde_json::Value>(&schema.stdout).unwrap();
}

/// A reader that stops early is no error: `msgen schema | head -1` exits quietly.
#[test]
fn a_closed_stdout_is_not_a_crash() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_msgen"))
        .arg("schema")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    assert!(!stderr(&output).contains("panicked"), "{}", stderr(&output));
}

fn completions(shell: &str) -> String {
    let temp = tempfile::tempdir().unwrap();
    let output = msgen(temp.path(), &["completions", shell]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stderr(&output), "");
    stdout(&output)
}

/// Runs `script` in `shell`; its stdout.
fn shell(shell: &str, script: &str) -> String {
    let output = Command::new(shell)
        .arg("-c")
        .arg(script)
        .output()
        .unwrap_or_else(|err| {
            panic!(
                "cannot run {shell} ({err}); tools/test.sh installs it, or apt-get install {shell}"
            )
        });
    assert!(output.status.success(), "{shell}: {}", stderr(&output));
    stdout(&output)
}

#[test]
fn bash_completes_commands_and_values() {
    let temp = tempfile::tempdir().unwrap();
    let script = temp.path().join("msgen.bash");
    fs::write(&script, completions("bash")).unwrap();
    let complete = |words: &str, current: &str, previous: &str| {
        shell(
            "bash",
            &format!(
                "source {}; COMP_WORDS=({words}); COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 )); \
                 _msgen msgen '{current}' '{previous}'; echo \"${{COMPREPLY[@]}}\"",
                script.display()
            ),
        )
    };
    assert_eq!(complete("msgen gen", "gen", "msgen").trim(), "generate");
    assert_eq!(
        complete("msgen comp", "comp", "msgen").trim(),
        "completions"
    );
    assert_eq!(
        complete("msgen new x --broker ''", "", "--broker").trim(),
        "none nats rabbitmq kafka"
    );
}

#[test]
fn fish_completes_commands_and_values() {
    let temp = tempfile::tempdir().unwrap();
    let script = temp.path().join("msgen.fish");
    fs::write(&script, completions("fish")).unwrap();
    let complete = |line: &str| {
        shell(
            "fish",
            &format!("source {}; complete -C '{line}'", script.display()),
        )
    };
    let commands = complete("msgen ");
    for command in [
        "new",
        "generate",
        "plan",
        "validate",
        "schema",
        "completions",
    ] {
        assert!(
            commands
                .lines()
                .any(|l| l.split('\t').next() == Some(command)),
            "{commands}"
        );
    }
    assert_eq!(complete("msgen new x --database "), "postgres\nsqlite\n");
}

#[test]
fn zsh_loads_the_completion_function() {
    let temp = tempfile::tempdir().unwrap();
    let script = completions("zsh");
    assert!(script.starts_with("#compdef msgen\n"));
    fs::write(temp.path().join("_msgen"), &script).unwrap();
    // Syntax first, then the function as compinit finds it on `fpath`.
    shell(
        "zsh",
        &format!("zsh -n {}", temp.path().join("_msgen").display()),
    );
    let loaded = shell(
        "zsh",
        &format!(
            "fpath=({} $fpath); autoload -U compinit; compinit -u; autoload -U _msgen; \
             (( $+functions[_msgen] )) && echo loaded",
            temp.path().display()
        ),
    );
    assert_eq!(loaded, "loaded\n");
    for word in ["generate", "completions", "--allow-destructive", "rabbitmq"] {
        assert!(script.contains(word), "{word}");
    }
}

/// `msgen new Bad_Name` writes nothing, so its error points at the argument, not at a file.
#[test]
fn a_bad_service_name_is_an_error_of_the_argument() {
    let temp = tempfile::tempdir().unwrap();
    let output = msgen(temp.path(), &["new", "Bad_Name"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    let error = stderr(&output);
    assert!(
        error.contains("`Bad_Name` cannot be a service name"),
        "{error}"
    );
    assert!(error.contains("bad-name"), "{error}");
    assert!(!error.contains("msgen.yaml"), "{error}");
    assert_eq!(fs::read_dir(temp.path()).unwrap().count(), 0);
}

/// With `--database` or `--broker`, problems still point at the lines of the user's file.
#[test]
fn overrides_do_not_shift_the_positions_of_problems() {
    let temp = tempfile::tempdir().unwrap();
    let text = "service: shop\nentities:\n  Item:\n    fields:\n      name: strng\n";
    fs::write(temp.path().join("shop.yaml"), text).unwrap();
    let output = msgen(
        temp.path(),
        &[
            "new",
            "shop",
            "--spec",
            "shop.yaml",
            "--database",
            "postgres",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let expected = format!("shop.yaml:{}", position(text, "strng"));
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
    assert!(!temp.path().join("shop").exists());
}

/// Each refused schema change names the spec file, line and column of the field (or entity)
/// that asks for it, and writes nothing.
#[test]
fn refused_changes_point_at_the_field_or_entity_that_causes_them() {
    let cases = [
        (
            "a new required field without a default",
            "      note: { type: string, optional: true }\n",
            "      note: { type: string, optional: true }\n      approved_by: string\n",
            Some("approved_by: string"),
            "has no default",
        ),
        (
            "a conversion",
            "      customer_email: { type: string, format: email }\n",
            "      customer_email: { type: int }\n",
            Some("customer_email: { type: int }"),
            "needs converting",
        ),
        (
            "an optional field made required",
            "      note: { type: string, optional: true }\n",
            "      note: { type: string }\n",
            Some("note: { type: string }"),
            "would become required",
        ),
        (
            "a dropped field",
            "      note: { type: string, optional: true }\n",
            "",
            Some("Payment:"),
            "would be dropped",
        ),
        (
            "an enum value dropped",
            "values: [pending, succeeded, failed]",
            "values: [pending, succeeded]",
            Some("status: {"),
            "would be dropped",
        ),
    ];
    for (what, from, to, at, says) in cases {
        let (_temp, dir) = payment_service();
        let spec = fs::read_to_string(dir.join("msgen.yaml")).unwrap();
        assert!(spec.contains(from), "{what}");
        let changed = spec.replacen(from, to, 1);
        fs::write(dir.join("msgen.yaml"), &changed).unwrap();
        let before = fs::read_to_string(dir.join("src/models/payment.rs")).unwrap();
        let output = msgen(&dir, &["generate"]);
        assert_eq!(output.status.code(), Some(1), "{what}: {}", stderr(&output));
        let error = stderr(&output);
        assert!(error.contains(says), "{what}: {error}");
        if let Some(at) = at {
            let expected = format!("msgen.yaml:{}", position(&changed, at));
            assert!(
                error.contains(&expected),
                "{what}: expected {expected} in\n{error}"
            );
        }
        let after = fs::read_to_string(dir.join("src/models/payment.rs")).unwrap();
        assert_eq!(before, after, "{what}: a refused change wrote files");
    }
}

/// An entity that left the spec has no line in it: the refusal names the file alone.
#[test]
fn a_dropped_entity_is_refused_naming_the_file() {
    let (_temp, dir) = payment_service();
    let spec = fs::read_to_string(dir.join("msgen.yaml")).unwrap();
    let start = spec.find("  Refund:\n").unwrap();
    let end = spec[start..].find("\n\n").unwrap() + start + 1;
    let without_entity = format!("{}{}", &spec[..start], &spec[end..]);
    // The endpoint goes too, with the lines under it.
    let item = without_entity.find("  - resource: Refund\n").unwrap();
    let next = without_entity[item + 1..].find("\n  - ").unwrap() + item + 2;
    let changed = format!("{}{}", &without_entity[..item], &without_entity[next..]);
    fs::write(dir.join("msgen.yaml"), &changed).unwrap();
    let output = msgen(&dir, &["generate"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let error = stderr(&output);
    assert!(
        error.starts_with("error: msgen.yaml: table `refunds` would be dropped"),
        "{error}"
    );
}
