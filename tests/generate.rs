//! The `msgen` binary end to end, short of building what it generates (see `e2e.rs`): the
//! generated trees (snapshots), ownership on regeneration, and that failures write nothing.

use std::collections::BTreeMap;
use std::fs;
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::SystemTime;

use walkdir::WalkDir;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn msgen(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_msgen"))
        .args(args)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .output()
        .expect("msgen runs")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn example(name: &str) -> String {
    root().join("examples").join(name).display().to_string()
}

/// Every file under `dir` with its contents, by relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let path = e.path().strip_prefix(dir).unwrap();
            let name = path.to_string_lossy().replace('\\', "/");
            (name, fs::read(e.path()).unwrap())
        })
        .collect()
}

fn mtimes(dir: &Path) -> BTreeMap<String, SystemTime> {
    WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| {
            let name = e.path().strip_prefix(dir).unwrap().display().to_string();
            (name, e.metadata().unwrap().modified().unwrap())
        })
        .collect()
}

fn new_service(name: &str, spec: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let output = msgen(temp.path(), &["new", name, "--spec", &example(spec)]);
    assert!(output.status.success(), "{}", stderr(&output));
    let dir = temp.path().join(name);
    (temp, dir)
}

/// The whole generated tree as one text: each file under a header line.
fn snapshot_text(dir: &Path) -> String {
    let mut text = String::new();
    for (path, contents) in tree(dir) {
        if path.starts_with(".msgen/") {
            continue;
        }
        text.push_str(&format!("=== {path}\n"));
        let contents = String::from_utf8(contents).unwrap();
        if path == "Cargo.lock" {
            // Cut from templates/locks/ and checked against cargo by tests/lockfile.rs; here
            // only which packages it pins, so that a version bump does not churn snapshots.
            let packages = contents.matches("[[package]]").count();
            text.push_str(&format!("({packages} packages)\n"));
        } else {
            text.push_str(&contents);
        }
        text.push('\n');
    }
    text
}

#[test]
fn payment_service_tree() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    insta::assert_snapshot!(snapshot_text(&dir));
}

/// The files gRPC adds to the payment example, and the start-up that serves it.
#[test]
fn payment_service_grpc_files() {
    let temp = tempfile::tempdir().unwrap();
    let spec = fs::read_to_string(example("payment-service.yaml"))
        .unwrap()
        .replace(
            "service: payment-service\n",
            "service: payment-service\ntransports: [http, grpc]\n",
        );
    let file = temp.path().join("payment-service.yaml");
    fs::write(&file, spec).unwrap();
    let file = file.display().to_string();
    let output = msgen(temp.path(), &["new", "payment-service", "--spec", &file]);
    assert!(output.status.success(), "{}", stderr(&output));
    let dir = temp.path().join("payment-service");
    let mut text = String::new();
    for path in [
        "build.rs",
        "src/grpc.rs",
        "src/transcode.rs",
        "src/startup.rs",
        "tests/api/service/grpc.rs",
    ] {
        let contents = fs::read_to_string(dir.join(path)).unwrap();
        text.push_str(&format!("=== {path}\n{contents}\n"));
    }
    insta::assert_snapshot!(text);
}

/// Resources and custom modules may take the names of the tests msgen writes for the service
/// as a whole (`events`, `grpc`, `auth`, ...): those live under `tests/api/service/`.
#[test]
fn modules_named_like_the_service_tests_keep_their_own_test_files() {
    let spec = "\
service: city-events
database: sqlite
broker: nats
transports: [http, grpc]
auth: { issuer: https://id.example.test/, audience: city, public_key_env: CITY_PUBLIC_KEY }
entities:
  Event:
    fields: { title: string }
  Key:
    fields: { code: string }
endpoints:
  - resource: Event
  - resource: Key
  - name: refresh_things
    method: POST
    path: /grpc/things
  - name: rotate_keys
    method: POST
    path: /hardening/rotations
  - name: open_session
    method: POST
    path: /auth/sessions
events:
  publish:
    EventScheduled: { subject: city.event_scheduled, payload: { event_id: uuid } }
";
    let (_temp, dir) = new_service_from_text("city-events", spec);
    let api = dir.join("tests/api");
    let main = fs::read_to_string(api.join("main.rs")).unwrap();
    let service = fs::read_to_string(api.join("service.rs")).unwrap();
    for module in ["events", "grpc", "hardening", "keys"] {
        let declaration = format!("\nmod {module};\n");
        assert!(main.contains(&declaration), "{main}");
        assert!(service.contains(&declaration), "{service}");
        assert!(api.join(format!("{module}.rs")).is_file(), "{module}");
        assert!(
            api.join(format!("service/{module}.rs")).is_file(),
            "{module}"
        );
    }
    // The resource's tests, and the events' own, are each where they belong.
    let resource = fs::read_to_string(api.join("events.rs")).unwrap();
    assert!(resource.contains("/events"), "{resource}");
    let events = fs::read_to_string(api.join("service/events.rs")).unwrap();
    assert!(events.contains("outbox"), "{events}");
    assert!(service.contains("\npub mod auth;\n"), "{service}");
    // The tokens of `service/auth.rs` are not at the root, where `auth` is a module's tests.
    assert!(main.contains("\nmod auth;\n"), "{main}");
    assert!(!main.contains("pub use service"), "{main}");
}

#[test]
fn notification_service_tree() {
    let (_temp, dir) = new_service("notification-service", "notification-service.yaml");
    insta::assert_snapshot!(snapshot_text(&dir));
}

#[test]
fn generation_is_deterministic() {
    let (_a, first) = new_service("payment-service", "payment-service.yaml");
    let (_b, second) = new_service("payment-service", "payment-service.yaml");
    assert_eq!(tree(&first), tree(&second));
}

#[test]
fn new_writes_nothing_when_the_spec_is_invalid() {
    let temp = tempfile::tempdir().unwrap();
    let spec = root().join("tests/specs/invalid/unknown-types.yaml");
    let output = msgen(
        temp.path(),
        &["new", "shop", "--spec", &spec.display().to_string()],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("unknown type `strng`"),
        "{}",
        stderr(&output)
    );
    assert!(tree(temp.path()).is_empty(), "something was written");
}

#[test]
fn new_refuses_a_directory_that_is_not_empty() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path().join("payment-service");
    fs::create_dir(&dir).unwrap();
    fs::write(dir.join("notes.txt"), "mine").unwrap();
    let spec = example("payment-service.yaml");
    let output = msgen(temp.path(), &["new", "payment-service", "--spec", &spec]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("is not empty"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&dir).len(), 1);
}

#[test]
fn new_refuses_a_name_that_differs_from_the_spec() {
    let temp = tempfile::tempdir().unwrap();
    let spec = example("payment-service.yaml");
    let output = msgen(temp.path(), &["new", "billing", "--spec", &spec]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`payment-service`"),
        "{}",
        stderr(&output)
    );
    assert!(tree(temp.path()).is_empty());
}

#[test]
fn new_without_a_spec_starts_from_a_commented_valid_starter() {
    let temp = tempfile::tempdir().unwrap();
    let output = msgen(temp.path(), &["new", "shop-service"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let spec = fs::read_to_string(temp.path().join("shop-service/msgen.yaml")).unwrap();
    assert!(spec.contains("service: shop-service"));
    assert!(
        spec.lines()
            .filter(|l| l.trim_start().starts_with('#'))
            .count()
            >= 5
    );
    assert!(temp
        .path()
        .join("shop-service/src/services/items.rs")
        .exists());
}

#[test]
fn new_applies_database_and_broker_overrides_to_the_spec() {
    let temp = tempfile::tempdir().unwrap();
    let output = msgen(
        temp.path(),
        &["new", "shop", "--database", "postgres", "--broker", "nats"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let spec = fs::read_to_string(temp.path().join("shop/msgen.yaml")).unwrap();
    assert!(spec.contains("\ndatabase: postgres\n"), "{spec}");
    assert!(spec.contains("\nbroker: nats\n"), "{spec}");
}

#[test]
fn new_with_dir_writes_below_it() {
    let temp = tempfile::tempdir().unwrap();
    let spec = example("notification-service.yaml");
    let output = msgen(
        temp.path(),
        &[
            "new",
            "notification-service",
            "--spec",
            &spec,
            "--dir",
            "services",
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(temp
        .path()
        .join("services/notification-service/Cargo.toml")
        .exists());
}

#[test]
fn regenerating_an_unchanged_spec_touches_nothing() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let before = mtimes(&dir);
    std::thread::sleep(std::time::Duration::from_millis(20));
    let output = msgen(&dir, &["generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(mtimes(&dir), before);
}

/// With the spec and msgen's build unchanged, regeneration is answered from `.msgen/` without
/// rendering; whatever a rendering would still do or say gets one: a deleted file's note on
/// every run, an altered migration refused, the state of another build of msgen rewritten.
#[test]
fn an_unchanged_spec_still_gets_what_a_rendering_would_do_or_say() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let check = msgen(&dir, &["generate", "--check"]);
    assert!(check.status.success(), "{}", stdout(&check));

    // The state of another build: the same files, and the state says which build wrote them.
    let state = dir.join(".msgen/state.json");
    let ours = fs::read_to_string(&state).unwrap();
    let build = ours
        .lines()
        .find(|line| line.trim_start().starts_with("\"build\""))
        .expect("the state names the build that wrote it")
        .to_owned();
    fs::write(
        &state,
        ours.replace(&build, "  \"build\": \"0.0.1-0000000000000000\","),
    )
    .unwrap();
    let before = tree(&dir);
    let output = msgen(&dir, &["generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(fs::read_to_string(&state).unwrap(), ours);
    let mut after = tree(&dir);
    after.remove(".msgen/state.json");
    let mut unchanged = before;
    unchanged.remove(".msgen/state.json");
    assert_eq!(after, unchanged);

    // A deleted file is noted on every run.
    fs::remove_file(dir.join("src/docs.rs")).unwrap();
    for _ in 0..2 {
        let output = msgen(&dir, &["generate"]);
        assert!(output.status.success(), "{}", stderr(&output));
        assert!(
            stdout(&output).contains("src/docs.rs  (deleted by you; stays deleted)"),
            "{}",
            stdout(&output)
        );
    }

    // An altered migration is refused, spec change or not.
    alter_the_first_migration(&dir);
    let output = msgen(&dir, &["generate", "--check"]);
    refused_as_altered(&output);
}

/// Edits `migrations/0001_initial.sql` as a team should not: after msgen wrote it.
fn alter_the_first_migration(dir: &Path) {
    let migration = dir.join("migrations/0001_initial.sql");
    let text = fs::read_to_string(&migration).unwrap();
    fs::write(
        &migration,
        text.replace("\"note\" text", "\"note\" varchar"),
    )
    .unwrap();
}

fn refused_as_altered(output: &Output) {
    assert_eq!(output.status.code(), Some(1), "{}", stderr(output));
    assert!(
        stderr(output).contains("migrations/0001_initial.sql changed after msgen wrote it"),
        "{}",
        stderr(output)
    );
}

#[test]
fn regeneration_keeps_the_teams_code_and_edits_and_updates_the_rest() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let logic = dir.join("src/services/payments.rs");
    let business = fs::read_to_string(&logic).unwrap().replace(
        "Err(AppError::NotImplemented(\"capture_payment\"))",
        "todo!(\"capture\")",
    );
    fs::write(&logic, &business).unwrap();
    let controller = dir.join("src/controllers/refunds.rs");
    let edited = format!(
        "{}// a hand edit\n",
        fs::read_to_string(&controller).unwrap()
    );
    fs::write(&controller, &edited).unwrap();

    let spec = dir.join("msgen.yaml");
    let text = fs::read_to_string(&spec).unwrap().replace(
        "      note: { type: string, optional: true }\n",
        "      note: { type: string, optional: true }\n      channel: { type: string, default: web }\n",
    );
    fs::write(&spec, text).unwrap();
    let output = msgen(&dir, &["generate"]);
    assert!(output.status.success(), "{}", stderr(&output));

    assert_eq!(fs::read_to_string(&logic).unwrap(), business);
    assert_eq!(fs::read_to_string(&controller).unwrap(), edited);
    let report = stdout(&output);
    assert!(report.contains("update  src/models/payment.rs"), "{report}");
    assert!(!report.contains("src/controllers/refunds.rs"), "{report}");
    let model = fs::read_to_string(dir.join("src/models/payment.rs")).unwrap();
    assert!(model.contains("pub channel: String,"), "{model}");
    // Named after what it does.
    let migration =
        fs::read_to_string(dir.join("migrations/0002_add_channel_to_payments.sql")).unwrap();
    assert!(
        migration.contains(
            "alter table \"payments\" add column \"channel\" text not null default 'web';"
        ),
        "{migration}"
    );
    assert!(dir.join("migrations/0001_initial.sql").exists());
}

#[test]
fn a_refused_change_leaves_the_service_byte_for_byte_as_it_was() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let spec = dir.join("msgen.yaml");
    // A new required field without a default cannot be added to a table that may hold rows.
    let text = fs::read_to_string(&spec).unwrap().replace(
        "      reason: text\n",
        "      reason: text\n      approved_by: string\n",
    );
    fs::write(&spec, &text).unwrap();
    let before = tree(&dir);
    let output = msgen(&dir, &["generate"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("approved_by"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&dir), before);
}

#[test]
fn validate_exit_codes() {
    let dir = root();
    let ok = msgen(dir, &["validate", "examples/payment-service.yaml"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr(&ok));
    let invalid = msgen(dir, &["validate", "tests/specs/invalid/dangling-refs.yaml"]);
    assert_eq!(invalid.status.code(), Some(1));
    assert!(stderr(&invalid).contains("tests/specs/invalid/dangling-refs.yaml:"));
    let missing = msgen(dir, &["validate", "no/such/file.yaml"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr(&missing).contains("no/such/file.yaml"));
    let usage = msgen(dir, &["validate", "--frobnicate"]);
    assert_eq!(usage.status.code(), Some(2));
}

#[test]
fn schema_prints_a_json_schema() {
    let output = msgen(root(), &["schema"]);
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert!(schema["properties"]["entities"].is_object());
}

#[test]
fn help_shows_examples_and_exit_codes() {
    let output = msgen(root(), &["--help"]);
    assert!(output.status.success());
    let help = String::from_utf8_lossy(&output.stdout);
    assert!(
        help.contains("Examples:") && help.contains("Exit codes:"),
        "{help}"
    );
}

/// Edits `msgen.yaml` of the service in `dir`.
fn edit_spec(dir: &Path, from: &str, to: &str) {
    let path = dir.join("msgen.yaml");
    let text = fs::read_to_string(&path).unwrap();
    assert!(text.contains(from), "no `{from}` in the spec");
    fs::write(&path, text.replacen(from, to, 1)).unwrap();
}

const NOTE: &str = "      note: { type: string, optional: true }\n";
const NOTE_AND_CHANNEL: &str =
    "      note: { type: string, optional: true }\n      channel: { type: string, default: web }\n";

/// Edits the payment model's doc comment and adds a field to the spec, regenerates, and
/// checks that the model was merged with both.
fn edit_and_regenerate_merges(dir: &Path) {
    let model = dir.join("src/models/payment.rs");
    let text = fs::read_to_string(&model).unwrap();
    let edited = text.replacen(
        "/// A payment for one order.\n",
        "/// A payment for one order.\n///\n/// Amounts are in the currency's minor unit... no, in major units.\n",
        1,
    );
    fs::write(&model, &edited).unwrap();
    edit_spec(dir, NOTE, NOTE_AND_CHANNEL);
    let output = msgen(dir, &["generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("merge  src/models/payment.rs"),
        "{}",
        stdout(&output)
    );
    let merged = fs::read_to_string(&model).unwrap();
    assert!(merged.contains("in major units."), "{merged}");
    assert!(merged.contains("pub channel: String,"), "{merged}");
    assert!(!merged.contains("<<<<<<<"), "{merged}");
}

#[test]
fn an_edit_and_a_spec_change_in_different_places_merge_cleanly() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    edit_and_regenerate_merges(&dir);
}

#[test]
fn overlapping_changes_are_written_with_standard_conflict_markers_and_exit_1() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let model = dir.join("src/models/payment.rs");
    let text = fs::read_to_string(&model).unwrap();
    let edited = text.replacen(
        "    pub note: Option<String>,\n    pub created_at",
        "    pub note: Option<String>, // shown on receipts\n    pub created_at",
        1,
    );
    assert_ne!(edited, text);
    fs::write(&model, &edited).unwrap();
    edit_spec(&dir, NOTE, NOTE_AND_CHANNEL);
    let output = msgen(&dir, &["generate"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert!(
        stdout(&output).contains("conflict  src/models/payment.rs"),
        "{}",
        stdout(&output)
    );
    let report = stderr(&output);
    assert!(report.contains("conflicts to resolve"), "{report}");
    let conflicted = fs::read_to_string(&model).unwrap();
    assert!(conflicted.contains("<<<<<<< yours\n"), "{conflicted}");
    assert!(conflicted.contains("\n=======\n"), "{conflicted}");
    assert!(
        conflicted.contains(">>>>>>> generated by msgen\n"),
        "{conflicted}"
    );
    assert!(conflicted.contains("// shown on receipts"), "{conflicted}");
    assert!(conflicted.contains("pub channel: String,"), "{conflicted}");
    // Everything else of the generation was applied.
    let repository = fs::read_to_string(dir.join("src/repositories/payments.rs")).unwrap();
    assert!(repository.contains("\"channel\""), "{repository}");
}

#[test]
fn a_generated_file_the_team_deleted_stays_deleted() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let docs = dir.join("src/docs.rs");
    fs::remove_file(&docs).unwrap();
    edit_spec(&dir, NOTE, NOTE_AND_CHANNEL);
    let output = msgen(&dir, &["generate"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!docs.exists());
    let check = msgen(&dir, &["generate", "--check"]);
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    assert!(!docs.exists());
}

#[test]
fn an_altered_migration_is_detected_and_nothing_is_written() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    alter_the_first_migration(&dir);
    edit_spec(&dir, NOTE, NOTE_AND_CHANNEL);
    let before = tree(&dir);
    let output = msgen(&dir, &["generate"]);
    refused_as_altered(&output);
    assert_eq!(tree(&dir), before);
}

#[test]
fn check_lists_what_is_out_of_date_and_writes_nothing() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let clean = msgen(&dir, &["generate", "--check"]);
    assert_eq!(clean.status.code(), Some(0), "{}", stderr(&clean));
    edit_spec(&dir, NOTE, NOTE_AND_CHANNEL);
    let before = tree(&dir);
    let output = msgen(&dir, &["generate", "--check"]);
    assert_eq!(output.status.code(), Some(1));
    let listed = String::from_utf8_lossy(&output.stdout);
    assert!(listed.contains("update  src/models/payment.rs"), "{listed}");
    assert!(
        listed.contains("create  migrations/0002_add_channel_to_payments.sql"),
        "{listed}"
    );
    assert!(
        stderr(&output).contains("out of date"),
        "{}",
        stderr(&output)
    );
    assert_eq!(tree(&dir), before);
}

#[test]
fn plan_and_diff_show_the_changes_and_write_nothing() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    edit_spec(&dir, NOTE, NOTE_AND_CHANNEL);
    let before = tree(&dir);
    let plan = msgen(&dir, &["plan", "--verbose"]);
    assert!(plan.status.success());
    let listed = String::from_utf8_lossy(&plan.stdout);
    assert!(
        listed.contains("   update  src/models/payment.rs"),
        "{listed}"
    );
    assert!(
        listed.contains("unchanged  src/models/refund.rs"),
        "{listed}"
    );
    let diff = msgen(&dir, &["generate", "--dry-run", "--diff"]);
    let diff = String::from_utf8_lossy(&diff.stdout);
    assert!(
        diff.contains("--- a/src/models/payment.rs\n+++ b/src/models/payment.rs\n"),
        "{diff}"
    );
    assert!(diff.contains("\n+    pub channel: String,\n"), "{diff}");
    assert_eq!(tree(&dir), before);
}

#[test]
fn files_of_a_removed_entity_are_deleted_unless_edited() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let controller = dir.join("src/controllers/refunds.rs");
    let edited = format!("{}// ours\n", fs::read_to_string(&controller).unwrap());
    fs::write(&controller, &edited).unwrap();
    let spec = dir.join("msgen.yaml");
    let text = fs::read_to_string(&spec).unwrap();
    let text = text
        .replace("  Refund:\n    fields:\n      payment: { type: ref, entity: Payment, on_delete: cascade }\n      amount: { type: decimal, min: 0 }\n      reason: text\n", "")
        .replace(
            "  - resource: Refund\n    scopes: { read: [payments:read], write: [payments:refund] }\n",
            "",
        );
    fs::write(&spec, text).unwrap();
    let refused = msgen(&dir, &["generate"]);
    assert_eq!(refused.status.code(), Some(1), "{}", stderr(&refused));
    assert!(
        stderr(&refused).contains("--allow-destructive"),
        "{}",
        stderr(&refused)
    );
    let output = msgen(&dir, &["generate", "--allow-destructive"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(!dir.join("src/models/refund.rs").exists());
    assert!(!dir.join("src/repositories/refunds.rs").exists());
    assert_eq!(fs::read_to_string(&controller).unwrap(), edited);
    assert!(
        stdout(&output).contains("keep  src/controllers/refunds.rs"),
        "{}",
        stdout(&output)
    );
    let migration = fs::read_to_string(dir.join("migrations/0002_drop_refunds.sql")).unwrap();
    assert!(migration.contains("drop table \"refunds\";"), "{migration}");
}

/// Every broken spec of the corpus: exit code 1, and not a file written.
#[test]
fn every_broken_spec_exits_1_and_writes_nothing() {
    let corpus = root().join("tests/specs/invalid");
    let mut count = 0;
    for entry in fs::read_dir(&corpus).unwrap() {
        let spec = entry.unwrap().path();
        let temp = tempfile::tempdir().unwrap();
        let spec_arg = spec.display().to_string();
        let output = msgen(temp.path(), &["new", "svc", "--spec", &spec_arg]);
        assert_eq!(
            output.status.code(),
            Some(1),
            "{}: {}",
            spec.display(),
            stderr(&output)
        );
        assert!(
            tree(temp.path()).is_empty(),
            "{} wrote files",
            spec.display()
        );
        let validate = msgen(temp.path(), &["validate", &spec_arg]);
        assert_eq!(validate.status.code(), Some(1), "{}", spec.display());
        count += 1;
    }
    assert!(count >= 40, "only {count} broken specs");
}

#[test]
fn a_symbolic_link_in_the_service_is_not_written_through() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let outside = tempfile::tempdir().unwrap();
    let models = dir.join("src/models");
    fs::remove_dir_all(&models).unwrap();
    std::os::unix::fs::symlink(outside.path(), &models).unwrap();
    let output = msgen(&dir, &["generate"]);
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(
        stderr(&output).contains("symbolic link"),
        "{}",
        stderr(&output)
    );
    assert!(tree(outside.path()).is_empty());
}

/// An entity whose `table:` is not its plural, with a custom operation under its route.
const CUSTOM_TABLE_SPEC: &str = "service: league
database: sqlite
entities:
  Match:
    table: game_matches
    fields:
      played_at: datetime
endpoints:
  - resource: Match
  - name: archive_matches
    method: POST
    path: /matches/archive
";

fn new_service_from_text(name: &str, spec: &str) -> (tempfile::TempDir, PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let file = temp.path().join("spec.yaml");
    fs::write(&file, spec).unwrap();
    let output = msgen(
        temp.path(),
        &["new", name, "--spec", &file.display().to_string()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let dir = temp.path().join(name);
    (temp, dir)
}

#[test]
fn the_api_of_an_entity_is_named_after_it_whatever_its_table() {
    let (_temp, dir) = new_service_from_text("league", CUSTOM_TABLE_SPEC);
    let files = tree(&dir);
    // One module serves the entity's CRUD and its custom operation.
    for module in ["controllers", "services", "repositories"] {
        assert!(
            files.contains_key(&format!("src/{module}/matches.rs")),
            "{module}"
        );
    }
    assert!(files.contains_key("tests/api/matches.rs"));
    for path in files.keys().filter(|p| !p.starts_with(".msgen/")) {
        assert!(!path.contains("game_matches"), "{path}");
    }
    let text = |path: &str| String::from_utf8(files[path].clone()).unwrap();
    let services = text("src/services/matches.rs");
    assert!(
        services.contains("impl MatchesService for Matches"),
        "{services}"
    );
    assert!(services.contains("fn archive_matches"), "{services}");
    let routes = text("src/controllers/matches.rs");
    assert!(
        routes.contains(".route(\"/matches\", get(list_matches))"),
        "{routes}"
    );
    assert!(
        routes.contains(".route(\"/matches/archive\", post(archive_matches))"),
        "{routes}"
    );
    let openapi = text("openapi.yaml");
    assert!(openapi.contains("  /matches:\n"), "{openapi}");
    assert!(openapi.contains("operationId: list_matches"), "{openapi}");
    // The table's name appears in SQL only (the idempotency tests count its rows).
    for (path, contents) in &files {
        let contents = String::from_utf8_lossy(contents);
        if contents.contains("game_matches") {
            assert!(
                path.starts_with("migrations/")
                    || path == "src/repositories/matches.rs"
                    || path == "tests/api/service/idempotency.rs"
                    || path.starts_with(".msgen/")
                    || path == "msgen.yaml",
                "{path} names the table"
            );
        }
    }
}

#[test]
fn renaming_a_table_leaves_the_api_as_it_was() {
    let (_temp, dir) = new_service_from_text("league", CUSTOM_TABLE_SPEC);
    let before = tree(&dir);
    edit_spec(&dir, "table: game_matches", "table: played_matches");
    // A new table, the old one dropped: what the rename does to the data is not the point.
    let output = msgen(&dir, &["generate", "--allow-destructive"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let after = tree(&dir);
    let changed: Vec<&String> = after
        .keys()
        .filter(|path| before.get(*path) != after.get(*path))
        .filter(|path| !path.starts_with(".msgen/") && *path != "msgen.yaml")
        .collect();
    assert_eq!(
        changed,
        [
            "migrations/0002_drop_game_matches_and_create_played_matches.sql",
            "src/repositories/matches.rs",
            "tests/api/service/idempotency.rs"
        ],
        "{}",
        stderr(&output)
    );
}

fn kitchen_sink() -> (tempfile::TempDir, PathBuf) {
    let spec = fs::read_to_string(root().join("tests/specs/valid/kitchen-sink.yaml")).unwrap();
    new_service_from_text("kitchen-sink", &spec)
}

#[test]
fn the_service_checks_emails_and_urls_with_the_rules_msgen_validates_defaults_with() {
    let (_temp, dir) = kitchen_sink();
    let validation = fs::read_to_string(dir.join("src/validation.rs")).unwrap();
    // Word for word, test table included: the service's own tests run the same cases.
    assert!(
        validation.contains(msgen::rules::EMAIL_RULE.trim_end()),
        "{validation}"
    );
    assert!(validation.contains("if !is_email(value) {"), "{validation}");
    // The same for URLs.
    assert!(
        validation.contains(msgen::rules::URL_RULE.trim_end()),
        "{validation}"
    );
    assert!(validation.contains("if !is_url(value) {"), "{validation}");
    assert!(msgen::rules::is_email("user@example.com"));
    assert!(!msgen::rules::is_email("user@example..com"));
}

fn valid_spec(name: &str, file: &str) -> (tempfile::TempDir, PathBuf) {
    let spec = fs::read_to_string(root().join("tests/specs/valid").join(file)).unwrap();
    new_service_from_text(name, &spec)
}

/// What the comments of the image and of the Deployment say `/health/ready` answers is what
/// the generated handler answers.
#[test]
fn comments_about_readiness_say_what_the_service_answers() {
    for (name, file) in [
        ("kitchen-sink", "kitchen-sink.yaml"),
        ("notes", "minimal.yaml"),
    ] {
        let (_temp, dir) = valid_spec(name, file);
        let read = |path: &str| fs::read_to_string(dir.join(path)).unwrap();
        let routes = read("src/routes.rs");
        let (status, other) = if routes.contains("Ok(StatusCode::NO_CONTENT)") {
            ("204", "200")
        } else {
            assert!(routes.contains("Ok(Json(body))"), "{routes}");
            ("200", "204")
        };
        let dockerfile = read("Dockerfile");
        assert!(
            dockerfile.contains(&format!("# /health/ready answers {status} ")),
            "{name}: {dockerfile}"
        );
        assert!(!dockerfile.contains(&format!("answers {other}")), "{name}");
        let deployment = read("deploy/k8s/deployment.yaml");
        let probe = deployment.find("readinessProbe:").unwrap();
        let comment = deployment[..probe].rsplit("Probe:").next().unwrap();
        assert!(
            comment.contains(&format!("# {status} ")),
            "{name}: {comment}"
        );
        assert!(!comment.contains(other), "{name}: {comment}");
    }
}

/// The handlers' module comment names this service's own repository, or none at all, and the
/// dead-letter destination only where there is one.
#[test]
fn comments_of_event_handlers_are_true_of_the_service() {
    let (_temp, dir) = valid_spec("kitchen-sink", "kitchen-sink.yaml");
    let handlers = fs::read_to_string(dir.join("src/events/handlers.rs")).unwrap();
    assert!(
        handlers.contains("crate::repositories::customers::insert(&mut **tx, &input)"),
        "{handlers}"
    );
    assert!(handlers.contains("`NewCustomer`"), "{handlers}");
    assert!(handlers.contains("dead-letter destination."), "{handlers}");
    let outbox = fs::read_to_string(dir.join("src/events/outbox.rs")).unwrap();
    assert!(outbox.contains("&OrderCheckedIn { .. }"), "{outbox}");

    let (_temp, dir) = valid_spec("audit-log", "events-only.yaml");
    let handlers = fs::read_to_string(dir.join("src/events/handlers.rs")).unwrap();
    assert!(!handlers.contains("repositories::"), "{handlers}");
    assert!(
        handlers.contains("through `tx`, and it commits"),
        "{handlers}"
    );
    assert!(
        handlers.contains("there is\n//! no dead-letter destination"),
        "{handlers}"
    );
    for comment in handlers.lines().filter(|l| l.starts_with("//")) {
        assert!(comment.len() <= 100, "{comment}");
    }
}

/// Standard base64, for the hash a Content-Security-Policy names.
fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .chain(std::iter::repeat(&0))
            .take(3)
            .fold(0u32, |n, &b| (n << 8) | u32::from(b));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(ALPHABET[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// `/docs` is a page the service serves itself: it loads nothing from elsewhere, runs no script,
/// lists every operation of `openapi.yaml`, and its only style sheet is the one its
/// Content-Security-Policy names.
#[test]
fn the_api_reference_page_is_self_contained_and_lists_every_operation() {
    use sha2::Digest;
    let (_k, kitchen) = valid_spec("kitchen-sink", "kitchen-sink.yaml");
    let (_p, payment) = new_service("payment-service", "payment-service.yaml");
    for dir in [kitchen, payment] {
        let page = fs::read_to_string(dir.join("docs.html")).unwrap();
        let lower = page.to_lowercase();
        for outside in ["<script", "<link", "<iframe", "<img", "@import", "url("] {
            assert!(!lower.contains(outside), "{outside} in {page}");
        }
        let targets = |name: &str| {
            lower
                .split(name)
                .skip(1)
                .map(str::to_owned)
                .collect::<Vec<_>>()
        };
        for attribute in targets(" src=").iter().chain(&targets(" href=")) {
            let target = attribute.trim_start_matches('"');
            assert!(
                target.starts_with('#') || target.starts_with("/openapi.yaml"),
                "{}",
                &target[..target.len().min(80)]
            );
        }
        let openapi = fs::read_to_string(dir.join("openapi.yaml")).unwrap();
        let ids: Vec<&str> = openapi
            .lines()
            .filter_map(|l| l.trim().strip_prefix("operationId: "))
            .collect();
        assert!(ids.len() >= 5, "{openapi}");
        for id in ids {
            assert!(page.contains(&format!("<section id=\"op-{id}\">")), "{id}");
        }
        let style = page
            .split("<style>")
            .nth(1)
            .and_then(|rest| rest.split("</style>").next())
            .unwrap();
        let hash = base64(&sha2::Sha256::digest(style.as_bytes()));
        let docs = fs::read_to_string(dir.join("src/docs.rs")).unwrap();
        assert!(
            docs.contains(&format!("\"style-src 'sha256-{hash}'; \"")),
            "{docs}"
        );
        assert!(docs.contains("\"default-src 'none'; \""), "{docs}");
        assert!(docs.contains("include_str!(\"../docs.html\")"), "{docs}");
    }
}

/// A resource whose operations have no body to test has no generated test, and so its test
/// file imports neither `spawn_app` nor anything else; the files with tests import it.
#[test]
fn test_files_import_spawn_app_only_where_a_test_uses_it() {
    let temp = tempfile::tempdir().unwrap();
    let spec = temp.path().join("msgen.yaml");
    fs::write(
        &spec,
        "service: reports-service
entities:
  Order:
    fields:
      total: int
endpoints:
  - resource: Order
    operations: [get]
  - name: ping
    method: GET
    path: /health-checks/ping
  - name: archive
    method: POST
    path: /orders/{id}/archive
    params: { id: uuid }
  - name: summarise
    method: POST
    path: /summaries/summarise
    request:
      text: string
",
    )
    .unwrap();
    let output = msgen(
        temp.path(),
        &[
            "new",
            "reports-service",
            "--spec",
            &spec.display().to_string(),
        ],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let tests = temp.path().join("reports-service/tests/api");
    for (file, used) in [
        ("health_checks.rs", false),
        ("orders.rs", true),
        ("summaries.rs", true),
        ("service.rs", true),
    ] {
        let text = fs::read_to_string(tests.join(file)).unwrap();
        let imported = text
            .lines()
            .any(|line| line.starts_with("use crate::helpers::") && line.contains("spawn_app"));
        assert_eq!(imported, used, "{file}:\n{text}");
        assert_eq!(text.contains("spawn_app()"), used, "{file}:\n{text}");
    }
}

/// `.msgen/` holds no second copy of the service's code: its files have a tenth of the lines
/// of the files msgen generated, at most.
#[test]
fn the_msgen_directory_is_a_tenth_of_the_service_at_most() {
    let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
    let lines = |bytes: &[u8]| bytes.iter().filter(|b| **b == b'\n').count();
    let (mut own, mut generated) = (0, 0);
    for (path, contents) in tree(&dir) {
        if path.starts_with(".msgen/") {
            own += lines(&contents);
        } else {
            generated += lines(&contents);
        }
    }
    assert!(!dir.join(".msgen/base").exists());
    assert!(
        own * 10 <= generated,
        "{own} lines in .msgen/, {generated} generated"
    );
}

/// The bases of a service, from `.msgen/base.tar.zst` (as `tar --zstd -xf` would unpack them).
fn bases(dir: &Path) -> BTreeMap<String, String> {
    let archive = fs::read(dir.join(".msgen/base.tar.zst")).unwrap();
    let tar = zstd::decode_all(archive.as_slice()).unwrap();
    let mut bases = BTreeMap::new();
    for entry in tar::Archive::new(tar.as_slice()).entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_str().unwrap().to_string();
        let mut text = String::new();
        entry.read_to_string(&mut text).unwrap();
        if let Some(path) = path.strip_prefix("files/") {
            bases.insert(path.to_string(), text);
        }
    }
    bases
}

/// Earlier versions of msgen kept the bases as `.msgen/base.json.gz`, and before that each as
/// `.msgen/base/<path>`: `generate` still merges the team's edits against those, and moves them
/// into `.msgen/base.tar.zst`.
#[test]
fn bases_in_the_layouts_of_earlier_versions_merge_and_are_moved() {
    for layout in ["base.json.gz", "base/<path>"] {
        let (_temp, dir) = new_service("payment-service", "payment-service.yaml");
        let bases = bases(&dir);
        assert!(bases.contains_key("src/models/payment.rs"));
        if layout == "base.json.gz" {
            let json = serde_json::to_vec(&bases).unwrap();
            let mut gzip = flate2::write::GzEncoder::new(Vec::new(), Default::default());
            gzip.write_all(&json).unwrap();
            fs::write(dir.join(".msgen/base.json.gz"), gzip.finish().unwrap()).unwrap();
        } else {
            for (path, text) in &bases {
                let old = dir.join(".msgen/base").join(path);
                fs::create_dir_all(old.parent().unwrap()).unwrap();
                fs::write(old, text).unwrap();
            }
        }
        let archive = dir.join(".msgen/base.tar.zst");
        fs::remove_file(&archive).unwrap();

        edit_and_regenerate_merges(&dir);
        assert!(archive.is_file(), "{layout}");
        assert!(!dir.join(".msgen/base").exists(), "{layout}");
        assert!(!dir.join(".msgen/base.json.gz").exists(), "{layout}");
    }
}
