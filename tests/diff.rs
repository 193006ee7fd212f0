//! `msgen diff`: the corpus of spec changes under tests/diff/ (each a `before.yaml` and an
//! `after.yaml`, the first line of which says what the case shows) with the report of each
//! pinned, every rule shown by some case, and the command line's behaviour: git refs, report
//! formats, exit codes and `msgen.compat.yaml`.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;

use msgen::diff::{self, output, rules::RULES, Change};
use msgen::render::proto;
use msgen::spec::{check, Source};
use support::{msgen_in as msgen, root, run, stderr_of as stderr, stdout_of as stdout, with_grpc};

/// The changes from `before.yaml` to `after.yaml` of the case in `dir`.
fn changes(dir: &Path) -> (Vec<Change>, Source, Source) {
    let read = |name: &str| {
        let text = fs::read_to_string(dir.join(name)).unwrap();
        Source::new(name, text)
    };
    let (before, after) = (read("before.yaml"), read("after.yaml"));
    let changes = compare(&before, &after);
    (changes, before, after)
}

/// The changes from `before` to `after`.
fn compare(before: &Source, after: &Source) -> Vec<Change> {
    let old = check(before).unwrap_or_else(|d| panic!("{}: {d}", before.name.display()));
    let new = check(after).unwrap_or_else(|d| panic!("{}: {d}", after.name.display()));
    diff::compare(
        &diff::Version {
            source: before,
            valid: &old,
        },
        &diff::Version {
            source: after,
            valid: &new,
        },
    )
}

fn cases() -> Vec<std::path::PathBuf> {
    let mut dirs: Vec<_> = fs::read_dir(root().join("tests/diff"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("after.yaml").is_file())
        .collect();
    dirs.sort();
    dirs
}

#[test]
fn every_case_reports_what_its_snapshot_pins() {
    let cases = cases();
    assert!(cases.len() >= 60, "the corpus has {} cases", cases.len());
    for dir in cases {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let (changes, before, after) = changes(&dir);
        let sides = output::Sides {
            before: &before,
            after: &after,
            against: "before.yaml",
        };
        let about = after.text.lines().next().unwrap_or_default().to_owned();
        let report = format!("{about}\n\n{}", output::text(&changes, &sides));
        insta::with_settings!({ snapshot_suffix => name, prepend_module_to_snapshot => false }, {
            insta::assert_snapshot!("diff", report);
        });
    }
}

/// The rules of schema comparisons that no valid spec can bring about today, each with the
/// reason (docs/compat.md lists them too).
const NOT_PRODUCED: &[(&str, &str)] = &[
    (
        "parameter-added-required",
        "a new required parameter is a new path",
    ),
    (
        "parameter-became-required",
        "query parameters are all optional",
    ),
    (
        "parameter-became-optional",
        "path parameters are all required",
    ),
    ("parameter-renamed", "parameters have no renamed_from"),
    ("parameter-nullable-added", "no parameter is nullable"),
    ("parameter-nullable-removed", "no parameter is nullable"),
    (
        "parameter-constraint-tightened",
        "parameters have no constraints",
    ),
    (
        "parameter-constraint-loosened",
        "parameters have no constraints",
    ),
    (
        "response-nullable-added",
        "a field is nullable exactly when optional",
    ),
    (
        "response-nullable-removed",
        "a field is nullable exactly when optional",
    ),
    (
        "published-nullable-added",
        "a field is nullable exactly when optional",
    ),
    (
        "published-nullable-removed",
        "a field is nullable exactly when optional",
    ),
    (
        "consumed-nullable-added",
        "a field is nullable exactly when optional",
    ),
    (
        "consumed-nullable-removed",
        "a field is nullable exactly when optional",
    ),
];

/// Every rule but those no spec can bring about is shown by a case of the corpus, so that
/// each has an example whose report is checked; and those are really never seen.
#[test]
fn every_rule_is_shown_by_a_case() {
    let mut seen = BTreeSet::new();
    for dir in cases() {
        seen.extend(changes(&dir).0.into_iter().map(|c| c.rule));
    }
    let not_produced = |id: &str| NOT_PRODUCED.iter().any(|(rule, _)| *rule == id);
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !seen.contains(*id) && !not_produced(id))
        .collect();
    assert!(missing.is_empty(), "no case shows {missing:?}");
    for (rule, _) in NOT_PRODUCED {
        assert!(RULES.iter().any(|r| r.id == *rule), "`{rule}` is no rule");
        assert!(
            !seen.contains(*rule),
            "a case shows `{rule}`: take it off NOT_PRODUCED"
        );
    }
}

/// docs/compat.md explains every rule.
#[test]
fn every_rule_is_documented() {
    let docs = fs::read_to_string(root().join("docs/compat.md")).unwrap();
    let missing: Vec<&str> = RULES
        .iter()
        .map(|r| r.id.as_str())
        .filter(|id| !docs.contains(&format!("`{id}`")))
        .collect();
    assert!(
        missing.is_empty(),
        "docs/compat.md does not explain {missing:?}"
    );
}

/// A git repository holding the payment example as `msgen.yaml`, committed.
fn repository() -> tempfile::TempDir {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let spec = fs::read_to_string(root().join("examples/payment-service.yaml")).unwrap();
    fs::write(dir.join("msgen.yaml"), spec).unwrap();
    git(dir, &["init", "--quiet", "--initial-branch=main"]);
    git(dir, &["add", "msgen.yaml"]);
    git(dir, &["commit", "--quiet", "-m", "payment service"]);
    temp
}

fn git(dir: &Path, args: &[&str]) {
    let mut all = vec![
        "-c",
        "user.name=msgen",
        "-c",
        "user.email=msgen@example.com",
    ];
    all.extend_from_slice(args);
    run(dir, "git", &all);
}

/// Changes the working tree's spec: `note` removed from payments (breaking for clients that
/// read it, and its column dropped).
fn remove_note(dir: &Path) {
    let spec = fs::read_to_string(dir.join("msgen.yaml")).unwrap();
    let changed = spec.replace("      note: { type: string, optional: true }\n", "");
    assert_ne!(spec, changed);
    fs::write(dir.join("msgen.yaml"), changed).unwrap();
}

#[test]
fn an_unchanged_spec_prints_nothing_and_succeeds() {
    let repo = repository();
    let output = msgen(repo.path(), &["diff", "--against", "main"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout(&output), "");
    assert_eq!(stderr(&output), "");
    // Tools get a report all the same, with nothing in it.
    let json = msgen(
        repo.path(),
        &["diff", "--against", "main", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    assert_eq!(doc["changes"], serde_json::json!([]));
    assert_eq!(doc["summary"]["breaking"], 0);
    let junit = stdout(&msgen(
        repo.path(),
        &["diff", "--against", "main", "--format", "junit"],
    ));
    assert!(junit.contains("tests=\"0\" failures=\"0\""), "{junit}");
}

#[test]
fn a_breaking_change_against_a_git_ref_fails_with_both_places() {
    let repo = repository();
    remove_note(repo.path());
    let output = msgen(repo.path(), &["diff", "--against", "HEAD"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(
        report.contains("breaking: `note` was removed [response-property-removed]"),
        "{report}"
    );
    // The old spec is named by the ref it was read from; the field's line is 28 there.
    assert!(
        report.contains("  before: msgen.yaml@HEAD:28:7"),
        "{report}"
    );
    assert!(report.contains("[column-dropped]"), "{report}");
    assert!(
        stderr(&output).contains("breaking change(s) against `HEAD`"),
        "{}",
        stderr(&output)
    );
    // Not failing on breaking changes: the same report, and success.
    let lenient = msgen(
        repo.path(),
        &["diff", "--against", "HEAD", "--fail-on", "never"],
    );
    assert!(lenient.status.success());
    assert_eq!(stdout(&lenient), report);
}

#[test]
fn reports_come_as_json_github_annotations_and_junit() {
    let repo = repository();
    remove_note(repo.path());
    let dir = repo.path();
    let json = msgen(dir, &["diff", "--against", "main", "--format", "json"]);
    let doc: serde_json::Value = serde_json::from_str(&stdout(&json)).unwrap();
    let removed = doc["changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["rule"] == "response-property-removed")
        .expect("the removed field is reported");
    assert_eq!(removed["severity"], "breaking");
    assert_eq!(removed["category"], "http");
    assert_eq!(removed["subject"], "note");
    assert_eq!(removed["before"]["file"], "msgen.yaml@main");
    assert_eq!(removed["before"]["line"], 28);
    assert!(removed["also_at"].as_array().unwrap().len() > 1);
    assert!(doc["summary"]["breaking"].as_u64().unwrap() >= 2);

    let github = stdout(&msgen(
        dir,
        &["diff", "--against", "main", "--format", "github"],
    ));
    assert!(
        github
            .lines()
            .any(|l| l.starts_with("::error file=msgen.yaml,line=")
                && l.contains("title=breaking change (response-property-removed)::")),
        "{github}"
    );

    let junit = stdout(&msgen(
        dir,
        &["diff", "--against", "main", "--format", "junit"],
    ));
    assert!(junit.starts_with("<?xml"), "{junit}");
    assert!(junit.contains("<failure type=\"breaking\""), "{junit}");
    assert!(junit.contains("classname=\"database\""), "{junit}");
}

#[test]
fn warnings_fail_the_run_only_when_asked() {
    let repo = repository();
    let dir = repo.path();
    let spec = fs::read_to_string(dir.join("msgen.yaml")).unwrap();
    // A new enum value: a warning for clients reading responses, nothing breaks.
    fs::write(
        dir.join("msgen.yaml"),
        spec.replace(
            "[pending, succeeded, failed]",
            "[pending, succeeded, failed, refunded]",
        ),
    )
    .unwrap();
    let default = msgen(dir, &["diff", "--against", "main"]);
    assert!(default.status.success(), "{}", stderr(&default));
    assert!(stdout(&default).contains("[response-enum-value-added]"));
    let strict = msgen(dir, &["diff", "--against", "main", "--fail-on", "warning"]);
    assert_eq!(strict.status.code(), Some(1));
}

#[test]
fn accepted_changes_show_their_reason_and_do_not_fail() {
    let repo = repository();
    let dir = repo.path();
    remove_note(dir);
    fs::write(
        dir.join("msgen.compat.yaml"),
        "severity:\n  column-dropped: warning\naccept:\n  - rule: response-property-removed\n    \
         subject: note\n    reason: no client reads the note (checked with billing)\n  \
         - rule: request-property-removed\n    reason: clients were told to stop sending it\n  \
         - rule: event-removed\n    at: event PaymentSucceeded\n    reason: stale\n",
    )
    .unwrap();
    let output = msgen(dir, &["diff", "--against", "main"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let report = stdout(&output);
    assert!(
        report.contains("  accepted: no client reads the note (checked with billing)"),
        "{report}"
    );
    assert!(
        report.contains("warning: table payments: column `note`"),
        "{report}"
    );
    // The acceptance that matched nothing is pointed out, at its line.
    assert!(
        stderr(&output).contains("msgen.compat.yaml:9:5: accepts no change of `event-removed`"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn a_policy_with_an_unknown_rule_is_refused_at_its_place() {
    let repo = repository();
    let dir = repo.path();
    remove_note(dir);
    fs::write(
        dir.join("msgen.compat.yaml"),
        "severity:\n  response-property-removd: warning\n",
    )
    .unwrap();
    let output = msgen(dir, &["diff", "--against", "main"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = stderr(&output);
    assert!(
        errors.contains("unknown rule `response-property-removd`"),
        "{errors}"
    );
    assert!(errors.contains("msgen.compat.yaml:2:3"), "{errors}");
    assert!(
        errors.contains("did you mean `response-property-removed`?"),
        "{errors}"
    );
    assert_eq!(stdout(&output), "");
}

#[test]
fn a_spec_new_since_the_ref_has_nothing_to_compare_with() {
    let repo = repository();
    let dir = repo.path();
    fs::create_dir(dir.join("other")).unwrap();
    fs::copy(dir.join("msgen.yaml"), dir.join("other/msgen.yaml")).unwrap();
    let output = msgen(
        dir,
        &["diff", "--against", "main", "--spec", "other/msgen.yaml"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("does not exist at `main`"));
}

#[test]
fn an_unknown_ref_is_a_usage_error() {
    let repo = repository();
    let output = msgen(repo.path(), &["diff", "--against", "no-such-branch"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`no-such-branch` is neither a file nor a git revision"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn an_invalid_old_spec_is_reported_as_the_ref_has_it() {
    let repo = repository();
    let dir = repo.path();
    fs::write(
        dir.join("msgen.yaml"),
        "service: payment-service\nentities: 3\n",
    )
    .unwrap();
    git(dir, &["commit", "--quiet", "-am", "broken"]);
    let fixed = fs::read_to_string(root().join("examples/payment-service.yaml")).unwrap();
    fs::write(dir.join("msgen.yaml"), fixed).unwrap();
    let output = msgen(dir, &["diff", "--against", "HEAD"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("msgen.yaml@HEAD:2:"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn the_rules_are_listed() {
    let output = msgen(root(), &["diff", "--rules"]);
    assert!(output.status.success());
    let text = stdout(&output);
    assert_eq!(text.lines().count(), RULES.len());
    assert!(text.contains("response-property-removed"));
}

/// The example system in a git repository, committed, with `edit` applied to payment-service's
/// spec in a second commit when given.
fn shop(edit: Option<&dyn Fn(String) -> String>) -> (tempfile::TempDir, std::path::PathBuf) {
    let temp = tempfile::tempdir().unwrap();
    let dir = support::copy_example_system(temp.path());
    git(&dir, &["init", "--quiet", "--initial-branch=main"]);
    if let Some(edit) = edit {
        edit_payments(&dir, edit);
    }
    git(&dir, &["add", "."]);
    git(&dir, &["commit", "--quiet", "-m", "shop"]);
    (temp, dir)
}

fn edit_payments(dir: &Path, edit: &dyn Fn(String) -> String) {
    let path = dir.join("payment-service/msgen.yaml");
    let spec = fs::read_to_string(&path).unwrap();
    let changed = edit(spec.clone());
    assert_ne!(spec, changed);
    fs::write(path, changed).unwrap();
}

/// The changes of payment-service in a `msgen system diff --format json` report.
fn payment_changes(dir: &Path) -> (Option<i32>, Vec<serde_json::Value>) {
    let output = msgen(
        dir,
        &["system", "diff", "--against", "main", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output))
        .unwrap_or_else(|e| panic!("{e}: {}", stderr(&output)));
    let service = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "payment-service")
        .expect("payment-service is reported");
    (
        output.status.code(),
        service["changes"].as_array().unwrap().clone(),
    )
}

#[test]
fn a_payload_field_one_consumer_reads_breaks_that_consumer() {
    let (_temp, dir) = shop(None);
    // notification-service reads `payment_id`; order-service does not.
    edit_payments(&dir, &|s| s.replacen("        payment_id: uuid\n", "", 1));
    let (code, changes) = payment_changes(&dir);
    assert_eq!(code, Some(1));
    let removed = changes
        .iter()
        .find(|c| c["rule"] == "published-property-removed")
        .expect("the removed field is reported");
    assert_eq!(removed["severity"], "breaking");
    assert_eq!(
        removed["used_by"],
        serde_json::json!(["notification-service"])
    );

    let text = stdout(&msgen(&dir, &["system", "diff", "--against", "main"]));
    assert!(
        text.contains("payment-service (payment-service/msgen.yaml):"),
        "{text}"
    );
    assert!(text.contains("  used by: notification-service\n"), "{text}");
}

#[test]
fn a_payload_field_no_consumer_reads_is_not_breaking() {
    // At main the event carries a field no consumer of the system reads; it is then removed.
    let add = |s: String| {
        s.replacen(
            "        amount: decimal\n  consume:",
            "        amount: decimal\n        captured_by: string\n  consume:",
            1,
        )
    };
    let (_temp, dir) = shop(Some(&add));
    edit_payments(&dir, &|s| {
        s.replacen("        captured_by: string\n", "", 1)
    });
    let (code, changes) = payment_changes(&dir);
    assert_eq!(code, Some(0), "{changes:?}");
    let removed = changes
        .iter()
        .find(|c| c["rule"] == "published-property-removed")
        .expect("the removed field is still reported");
    assert_eq!(removed["severity"], "info");
    assert!(removed["message"]
        .as_str()
        .unwrap()
        .ends_with("(no consumer in the system reads it)"));
    assert!(removed.get("used_by").is_none());
}

#[test]
fn an_operation_change_names_the_services_that_call_it() {
    let (_temp, dir) = shop(None);
    // order-service calls get_payment and create_payment, not list_payments.
    edit_payments(&dir, &|s| {
        s.replacen("      note: { type: string, optional: true }\n", "", 1)
            .replacen(
                "operations: [list, get, create, update]",
                "operations: [get, create, update]",
                1,
            )
    });
    let (code, changes) = payment_changes(&dir);
    assert_eq!(code, Some(1));
    let removed = changes
        .iter()
        .find(|c| c["rule"] == "response-property-removed")
        .expect("the removed field is reported");
    assert_eq!(removed["severity"], "breaking");
    assert_eq!(removed["used_by"], serde_json::json!(["order-service"]));
    let list = changes
        .iter()
        .find(|c| c["rule"] == "operation-removed")
        .expect("the removed list is reported");
    assert_eq!(list["severity"], "warning");
    assert!(list["message"]
        .as_str()
        .unwrap()
        .ends_with("(no service of the system calls it)"));
}

/// The service of `spec` generated into `dir` by `msgen new`: its folder.
fn generate_into(dir: &Path, spec: &Path) -> std::path::PathBuf {
    let text = fs::read_to_string(spec).unwrap();
    let valid = check(&Source::new(spec, text)).unwrap();
    let name = valid.spec().service.value.clone();
    let spec = spec.display().to_string();
    let dir_arg = dir.display().to_string();
    let output = msgen(
        root(),
        &["new", &name, "--spec", &spec, "--dir", &dir_arg, "-q"],
    );
    assert!(output.status.success(), "{spec}: {}", stderr(&output));
    dir.join(name)
}

/// What a tool makes of a change: breaking, not breaking, or no verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Verdict {
    Breaking,
    NonBreaking,
    Unclassified,
}

/// The cases whose event verdict @asyncapi/diff and msgen disagree on, with why msgen differs
/// (docs/compat.md lists them too).
const ASYNCAPI_DIFF_DISAGREES: &[(&str, &str)] = &[
    (
        "consumed-event-removed",
        "a service that stops consuming an event breaks no producer",
    ),
    (
        "consumed-subject-changed",
        "a consumer reading another subject breaks no producer; msgen warns",
    ),
];

/// For every event change of the corpus, msgen's verdict is @asyncapi/diff's on the two
/// generated asyncapi.yaml documents, where @asyncapi/diff gives one, but for the documented
/// disagreements.
#[test]
fn event_verdicts_agree_with_asyncapi_diff() {
    let temp = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    let mut documents = vec![root()
        .join("tests/support/asyncapi-diff.mjs")
        .display()
        .to_string()];
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let before = fs::read_to_string(dir.join("before.yaml")).unwrap();
        if !before.contains("\nevents:") {
            continue;
        }
        for side in ["before", "after"] {
            let service = generate_into(
                &temp.path().join(&name).join(side),
                &dir.join(format!("{side}.yaml")),
            );
            documents.push(service.join("asyncapi.yaml").display().to_string());
        }
        names.push(name);
    }
    let args: Vec<&str> = documents.iter().map(String::as_str).collect();
    let out = run(root(), "node", &args);
    let verdicts: Vec<&str> = out.lines().collect();
    assert_eq!(verdicts.len(), names.len(), "{out}");
    let mut unclassified = Vec::new();
    let mut disagreements = Vec::new();
    for (name, line) in names.iter().zip(verdicts) {
        let theirs: serde_json::Value = serde_json::from_str(line).unwrap();
        let count = |key: &str| theirs[key].as_array().unwrap().len();
        let theirs = if count("breaking") > 0 {
            Verdict::Breaking
        } else if count("nonBreaking") > 0 {
            Verdict::NonBreaking
        } else {
            Verdict::Unclassified
        };
        let events: Vec<Change> = changes(&root().join("tests/diff").join(name))
            .0
            .into_iter()
            .filter(|c| c.category == diff::Category::Events)
            .collect();
        assert!(!events.is_empty(), "{name}: msgen reports no event change");
        let ours = if events
            .iter()
            .any(|c| c.severity == diff::Severity::Breaking)
        {
            Verdict::Breaking
        } else {
            Verdict::NonBreaking
        };
        match theirs {
            Verdict::Unclassified => unclassified.push(name.as_str()),
            _ if theirs != ours => disagreements.push(name.as_str()),
            _ => {}
        }
    }
    assert!(names.len() >= 25, "{} event cases", names.len());
    let documented: Vec<&str> = ASYNCAPI_DIFF_DISAGREES.iter().map(|(c, _)| *c).collect();
    assert_eq!(disagreements, documented);
    // @asyncapi/diff leaves payload changes unclassified; msgen classifies every one of them.
    assert!(unclassified
        .iter()
        .all(|c| c.starts_with("published-") || c.starts_with("consumed-")));
    eprintln!(
        "{} event cases: {} with @asyncapi/diff's verdict, {} it leaves unclassified",
        names.len(),
        names.len() - unclassified.len(),
        unclassified.len()
    );
}

/// What `buf breaking` (its `FILE` rules, as the `buf.yaml` msgen writes asks) finds for each
/// gRPC rule of msgen: an rpc takes its request and response messages with it.
const BUF_RULES: &[(&str, &[&str])] = &[
    ("grpc-rpc-removed", &["RPC_NO_DELETE", "MESSAGE_NO_DELETE"]),
    ("grpc-message-removed", &["MESSAGE_NO_DELETE"]),
    ("grpc-enum-removed", &["ENUM_NO_DELETE"]),
    ("grpc-field-removed", &["FIELD_NO_DELETE"]),
    ("grpc-field-type-changed", &["FIELD_SAME_TYPE"]),
    (
        "grpc-field-cardinality-changed",
        &["FIELD_SAME_CARDINALITY"],
    ),
    ("grpc-enum-value-removed", &["ENUM_VALUE_NO_DELETE"]),
    ("grpc-service-renamed", &["FILE_NO_DELETE"]),
];

/// Writes the gRPC contract of `source` under `dir`, with `buf.yaml` beside it as msgen writes
/// them, numbered after `previous` as a regeneration numbers it; `None` without one.
fn contract(
    dir: &Path,
    source: &Source,
    previous: Option<&proto::Numbers>,
) -> Option<proto::Numbers> {
    let service = msgen::ir::lower(&check(source).unwrap());
    let (model, numbers) = proto::model(&service, previous)?;
    let path = dir.join(&model.path);
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, proto::text(&model, "A contract of the corpus.")).unwrap();
    fs::write(dir.join("buf.yaml"), proto::BUF_YAML).unwrap();
    Some(numbers)
}

/// For every case of the corpus served over gRPC (with gRPC added to the cases that do not
/// name their transports), msgen's breaking gRPC changes are what `buf breaking` finds on the
/// contracts of both versions, the new one numbered after the old as regenerating numbers it
/// (tests/grpc.rs checks that regenerating does): the same verdict, and the same kinds of
/// finding.
#[test]
fn grpc_changes_agree_with_buf_breaking() {
    let temp = tempfile::tempdir().unwrap();
    let buf = root().join("tools/buf/node_modules/.bin/buf");
    let (mut compared, mut breaking) = (0, 0);
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let read = |side: &str| fs::read_to_string(dir.join(format!("{side}.yaml"))).unwrap();
        let old = Source::new("before.yaml", with_grpc(&read("before")));
        let new = Source::new("after.yaml", with_grpc(&read("after")));
        let (old_dir, new_dir) = (
            temp.path().join(&name).join("old"),
            temp.path().join(&name).join("new"),
        );
        // Nothing is served over gRPC without endpoints (events only).
        let Some(numbers) = contract(&old_dir, &old, None) else {
            continue;
        };
        contract(&new_dir, &new, Some(&numbers)).expect("both versions have endpoints");
        let against = old_dir.display().to_string();
        let output = support::command(
            &new_dir,
            buf.to_str().unwrap(),
            &["breaking", "--against", &against, "--error-format", "json"],
        )
        .output()
        .expect("buf runs: tools/test.sh installs it");
        let theirs: BTreeSet<String> = String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| {
                let finding: serde_json::Value = serde_json::from_str(l)
                    .unwrap_or_else(|e| panic!("{name}: buf wrote `{l}`: {e}"));
                finding["type"].as_str().unwrap().to_owned()
            })
            .collect();
        assert_eq!(
            output.status.success(),
            theirs.is_empty(),
            "{name}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let ours: BTreeSet<String> = compare(&old, &new)
            .iter()
            .filter(|c| {
                c.category == diff::Category::Grpc && c.severity == diff::Severity::Breaking
            })
            .flat_map(|c| {
                let found = BUF_RULES.iter().find(|(rule, _)| *rule == c.rule);
                let (_, kinds) =
                    found.unwrap_or_else(|| panic!("{name}: `{}` has no buf rule", c.rule));
                kinds.iter().map(|k| (*k).to_owned())
            })
            .collect();
        assert_eq!(
            ours, theirs,
            "{name}: msgen's breaking gRPC changes, and buf's findings"
        );
        compared += 1;
        breaking += usize::from(!theirs.is_empty());
    }
    assert!(compared >= 90, "{compared} cases compared");
    eprintln!("{compared} cases compared with buf breaking, {breaking} of them breaking");
}

/// The squawk rules msgen's PostgreSQL migrations break on purpose, each with the reason
/// (docs/compat.md lists them too).
const SQUAWK_DELIBERATE: &[(&str, &str)] = &[
    ("require-statement-timeout", "a rewrite takes the time it takes; lock_timeout protects the traffic"),
    ("require-lock-timeout", "only in a concurrent index build, which must be alone in its file and blocks no reads or writes"),
    ("ban-drop-constraint", "a check or foreign key replaced by its new definition, a unique constraint the spec dropped, the helper check `not null` supersedes"),
    ("ban-drop-default", "the spec dropped the default"),
    ("ban-drop-not-null", "the spec made the field optional"),
    ("renaming-column", "renamed_from:"),
    ("renaming-table", "renamed_from:"),
    ("renaming-object", "constraints and indexes renamed with their table or column"),
    ("ban-drop-column", "only with --allow-destructive"),
    ("ban-drop-table", "only with --allow-destructive"),
    ("changing-column-type", "only widenings, reported as column-type-widened"),
];

/// The squawk rules that name a change to the data, and the rules msgen reports it under.
const DESTRUCTIVE: &[(&str, &[&str])] = &[
    ("ban-drop-table", &["table-dropped"]),
    ("ban-drop-column", &["column-dropped"]),
    (
        "changing-column-type",
        &["column-type-widened", "column-type-changed"],
    ),
    ("renaming-table", &["table-renamed"]),
    ("renaming-column", &["column-renamed"]),
];

/// Every migration msgen writes after the first for the corpus on PostgreSQL: squawk finds
/// nothing but the documented deliberate findings, and its findings about the data are the
/// ones `msgen diff` reports.
#[test]
fn postgres_migrations_agree_with_squawk() {
    let mut migrations = 0;
    for dir in cases() {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        if name.starts_with("grpc-") {
            // Their tables change as those of the cases they are the gRPC side of.
            continue;
        }
        let temp = tempfile::tempdir().unwrap();
        let pg = |file: &str| {
            let text = fs::read_to_string(dir.join(file)).unwrap();
            let text = text.replace("database: sqlite", "database: postgres");
            let path = temp.path().join(file);
            fs::write(&path, &text).unwrap();
            (path, text)
        };
        let ((before_path, before), (_, after)) = (pg("before.yaml"), pg("after.yaml"));
        let service = generate_into(&temp.path().join("service"), &before_path);
        fs::write(service.join("msgen.yaml"), &after).unwrap();
        let generated = msgen(&service, &["generate", "--allow-destructive", "-q"]);
        let (old_source, new_source) = (
            Source::new("before.yaml", before),
            Source::new("after.yaml", after),
        );
        let (old, new) = (check(&old_source).unwrap(), check(&new_source).unwrap());
        let ours: BTreeSet<String> = diff::compare(
            &diff::Version {
                source: &old_source,
                valid: &old,
            },
            &diff::Version {
                source: &new_source,
                valid: &new,
            },
        )
        .into_iter()
        .filter(|c| c.category == diff::Category::Database)
        .map(|c| c.rule)
        .collect();
        if !generated.status.success() {
            // A change msgen refuses writes no migration; `msgen diff` says it is refused.
            assert!(
                ours.iter().any(|r| [
                    "column-added-required",
                    "column-type-changed",
                    "column-became-required-without-default"
                ]
                .contains(&r.as_str())),
                "{name}: {}",
                stderr(&generated)
            );
            continue;
        }
        let mut files: Vec<std::path::PathBuf> = fs::read_dir(service.join("migrations"))
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        files.sort();
        let mut theirs = BTreeSet::new();
        for file in files.iter().skip(1) {
            migrations += 1;
            let sql = fs::read_to_string(file).unwrap();
            let concurrent = sql.starts_with("-- no-transaction\n");
            let mut args = vec!["--reporter", "json", "--pg-version", "15"];
            if !concurrent {
                args.push("--assume-in-transaction");
            }
            let path = file.display().to_string();
            args.push(&path);
            let output = support::command(root(), "squawk", &args)
                .output()
                .unwrap_or_else(|err| {
                    panic!(
                        "squawk cannot run ({err}): tools/test.sh installs it, as \
                         `pip install -r tools/requirements.txt` does"
                    )
                });
            let findings: Vec<serde_json::Value> = serde_json::from_slice(&output.stdout)
                .unwrap_or_else(|e| {
                    panic!("{name}: {e}: {}", String::from_utf8_lossy(&output.stderr))
                });
            for finding in findings {
                let rule = finding["rule_name"].as_str().unwrap().to_owned();
                assert!(
                    SQUAWK_DELIBERATE.iter().any(|(r, _)| *r == rule),
                    "{name}: squawk finds `{rule}` in {path}:\n{sql}\n{finding}"
                );
                assert!(
                    rule != "require-lock-timeout" || concurrent,
                    "{name}: a migration in a transaction sets no lock_timeout: {path}"
                );
                theirs.insert(rule);
            }
        }
        for (squawk, msgen_rules) in DESTRUCTIVE {
            let found = theirs.contains(*squawk);
            let reported = msgen_rules.iter().any(|r| ours.contains(*r));
            assert_eq!(
                found,
                reported,
                "{name}: squawk {} `{squawk}`, msgen {} {msgen_rules:?}",
                if found { "finds" } else { "does not find" },
                if reported {
                    "reports"
                } else {
                    "does not report"
                },
            );
        }
    }
    assert!(migrations >= 30, "{migrations} migrations checked");
}

#[test]
fn a_field_a_consumer_starts_to_require_breaks_only_the_producers_that_may_not_send_it() {
    let (_temp, dir) = shop(None);
    let path = dir.join("order-service/msgen.yaml");
    let spec = fs::read_to_string(&path).unwrap();
    // order-service reads PaymentSucceeded; payment-service always sends `payment_id`, and
    // sends no `currency`.
    let anchor = "      from: payment-service\n      payload:\n        order_id: uuid\n";
    assert!(spec.contains(anchor), "{spec}");
    let required = format!("{anchor}        payment_id: uuid\n        currency: string\n");
    fs::write(&path, spec.replacen(anchor, &required, 1)).unwrap();
    let output = msgen(
        &dir,
        &["system", "diff", "--against", "main", "--format", "json"],
    );
    let doc: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    let orders = doc["services"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service"] == "order-service")
        .unwrap();
    let about = |field: &str| {
        orders["changes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["rule"] == "consumed-property-added-required" && c["subject"] == field)
            .unwrap_or_else(|| panic!("`{field}` is reported: {orders}"))
            .clone()
    };
    let sent = about("payment_id");
    assert_eq!(sent["severity"], "info");
    assert!(
        sent["message"]
            .as_str()
            .unwrap()
            .ends_with("(every producer in the system always sends it: payment-service)"),
        "{sent}"
    );
    let missing = about("currency");
    assert_eq!(missing["severity"], "breaking");
    assert!(
        missing["message"]
            .as_str()
            .unwrap()
            .ends_with("(producers that may not send it: payment-service)"),
        "{missing}"
    );
    assert_eq!(output.status.code(), Some(1));
}

/// Any two valid specs can be compared, however unrelated (every example against every other,
/// and against itself): the comparison never panics, finds nothing between a spec and itself,
/// and places every change it finds in one of the two files.
#[test]
fn any_two_valid_specs_compare() {
    let mut specs: Vec<std::path::PathBuf> = fs::read_dir(root().join("tests/specs/valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    specs.extend(
        [
            "examples/payment-service.yaml",
            "examples/notification-service.yaml",
        ]
        .map(|p| root().join(p)),
    );
    specs.sort();
    let sources: Vec<(Source, msgen::spec::ValidSpec)> = specs
        .iter()
        .map(|path| {
            let source = Source::new(path, fs::read_to_string(path).unwrap());
            let valid = check(&source).unwrap_or_else(|d| panic!("{d}"));
            (source, valid)
        })
        .collect();
    for (old_source, old) in &sources {
        for (new_source, new) in &sources {
            let changes = diff::compare(
                &diff::Version {
                    source: old_source,
                    valid: old,
                },
                &diff::Version {
                    source: new_source,
                    valid: new,
                },
            );
            let pair = format!(
                "{} -> {}",
                old_source.name.display(),
                new_source.name.display()
            );
            if old_source.name == new_source.name {
                assert!(changes.is_empty(), "{pair}: {changes:?}");
            }
            for c in &changes {
                assert!(
                    c.before.is_some() || c.after.is_some() || c.rule == "database-changed",
                    "{pair}: {c:?} is placed in neither file"
                );
            }
        }
    }
}
