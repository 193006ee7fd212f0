//! `msgen::spec::check` against a corpus of specs: every broken one is rejected with the
//! exact report a user would read (snapshots), every valid one is accepted, and the JSON
//! Schema agrees with the checker on the examples.

use std::fs;
use std::path::{Path, PathBuf};

use msgen::spec::{check, Diagnostics, Source};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Reads a spec, naming it by its path relative to the crate so reports are portable.
fn source(path: &Path) -> Source {
    let relative = path.strip_prefix(root()).unwrap_or(path);
    let name: Vec<String> = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let text = fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", relative.display()));
    Source::new(name.join("/"), text)
}

fn specs(dir: &str) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "yaml"))
        .collect();
    paths.sort();
    paths
}

fn rejected(path: &str) -> Diagnostics {
    match check(&source(&root().join(path))) {
        Ok(_) => panic!("{path} was accepted"),
        Err(d) => d,
    }
}

/// Snapshots are named `validate__invalid@<file>.snap`.
#[test]
fn invalid() {
    insta::glob!("specs/invalid/*.yaml", |path| {
        let source = source(path);
        let diagnostics = match check(&source) {
            Ok(_) => panic!("{} was accepted", source.name.display()),
            Err(d) => d,
        };
        insta::assert_snapshot!(diagnostics.render(false));
    });
}

#[test]
fn the_invalid_corpus_is_large_enough() {
    assert!(specs("tests/specs/invalid").len() >= 45);
}

#[test]
fn valid_specs_are_accepted() {
    let mut paths = specs("tests/specs/valid");
    paths.push(root().join("examples/payment-service.yaml"));
    paths.push(root().join("examples/notification-service.yaml"));
    for path in paths {
        let source = source(&path);
        if let Err(d) = check(&source) {
            panic!(
                "{} was rejected:\n{}",
                source.name.display(),
                d.render(false)
            );
        }
    }
}

#[test]
fn the_examples_have_what_the_contract_promises() {
    let payment = check(&source(&root().join("examples/payment-service.yaml"))).unwrap();
    let spec = payment.spec();
    assert_eq!(spec.service.value, "payment-service");
    let entities: Vec<&str> = spec
        .entities
        .iter()
        .map(|e| e.name.value.as_str())
        .collect();
    assert_eq!(entities, ["Payment", "Refund"]);
    assert_eq!(spec.endpoints.len(), 3);
    assert_eq!(spec.events.publish.len(), 1);
    assert_eq!(spec.events.consume.len(), 1);

    let notification = check(&source(&root().join("examples/notification-service.yaml"))).unwrap();
    let spec = notification.spec();
    assert_eq!(spec.entities[0].name.value, "Notification");
    assert_eq!(spec.events.consume[0].name.value, "PaymentSucceeded");
}

#[test]
fn every_mistake_in_one_file_is_reported() {
    let diagnostics = rejected("tests/specs/invalid/many-mistakes.yaml");
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    let expected = [
        "service name `Payment_Service` is not kebab-case",
        "version `1.0` is not a semantic version `x.y.z`",
        "entity `Paymnet` is not defined",
        "`max` (1) is less than `min` (10)",
        "enum field `status` has no `values`",
        "route `POST /payments` is already defined by the resource endpoint for `Payment`",
        "event `PaymentSuceeded` is not published by this service",
    ];
    for message in expected {
        assert!(
            messages.contains(&message),
            "missing {message:?} in {messages:#?}"
        );
    }
    assert_eq!(messages.len(), expected.len(), "{messages:#?}");

    // In file order, each at its line and column.
    let locations: Vec<(usize, usize)> = diagnostics
        .iter()
        .map(|d| diagnostics.location(d))
        .collect();
    let mut sorted = locations.clone();
    sorted.sort();
    assert_eq!(locations, sorted);
    assert_eq!(locations[0], (2, 10));
}

#[test]
fn shape_and_meaning_problems_are_reported_together_in_file_order() {
    let diagnostics = rejected("tests/specs/invalid/shape-and-meaning-problems.yaml");
    let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "service name `Order_Service` is not kebab-case",
            "unknown type `datetme`",
            "default `closed` is not one of the values of `status`",
            "route `POST /orders` is already defined by the resource endpoint for `Order`",
        ]
    );
}

#[test]
fn what_only_follows_from_a_shape_problem_is_not_reported() {
    for (path, expected) in [
        (
            "references-to-a-broken-entity.yaml",
            &[
                "unknown type `strng`",
                "expected a mapping for `fields`, found a list",
            ][..],
        ),
        (
            "references-to-dropped-fields.yaml",
            &[
                "unknown key `valeus` in field `status`",
                "unknown type `dat`",
                "unknown type `txt`",
            ],
        ),
        (
            "broken-service-and-event.yaml",
            &[
                "expected a string for `service`, found a mapping",
                "expected a string for `subject`, found a list",
            ],
        ),
    ] {
        let diagnostics = rejected(&format!("tests/specs/invalid/{path}"));
        let messages: Vec<&str> = diagnostics.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, expected, "{path}");
    }
}

#[test]
fn every_shape_mistake_in_one_file_is_reported() {
    let diagnostics = rejected("tests/specs/invalid/wrong-kinds.yaml");
    assert!(diagnostics.len() >= 6, "{}", diagnostics.render(false));
}

#[test]
fn reports_point_at_the_offending_text() {
    let diagnostics = rejected("tests/specs/invalid/unknown-types.yaml");
    let text = &diagnostics.source().text;
    let first = diagnostics.iter().next().unwrap();
    assert_eq!(&text[first.span.start..first.span.end], "strng");
    assert_eq!(first.help.as_deref(), Some("did you mean `string`?"));
}

#[test]
fn module_and_type_clashes_point_at_what_to_change() {
    let diagnostics = rejected("tests/specs/invalid/path-segment-shares-entity-module.yaml");
    let text = &diagnostics.source().text;
    let first = diagnostics.iter().next().unwrap();
    assert_eq!(&text[first.span.start..first.span.end], "item");
    assert_eq!(
        first.help.as_deref(),
        Some("use the entity's route: `/items/stats`")
    );

    let diagnostics = rejected("tests/specs/invalid/generated-type-clashes.yaml");
    let text = &diagnostics.source().text;
    let spans: Vec<&str> = diagnostics
        .iter()
        .map(|d| &text[d.span.start..d.span.end])
        .collect();
    assert_eq!(spans, ["patch", "refund", "new_import", "CaptureResponse"]);
}

// ---------------------------------------------------------------------------------------------
// The JSON Schema agrees with the checker on what a spec looks like.

fn yaml_to_json(path: &Path) -> serde_json::Value {
    let text = fs::read_to_string(path).unwrap();
    serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn schema() -> jsonschema::Validator {
    let schema: serde_json::Value =
        serde_json::from_str(&msgen::schema::json_schema()).expect("the schema is JSON");
    jsonschema::draft202012::new(&schema).expect("the schema is a valid draft 2020-12 schema")
}

#[test]
fn the_schema_accepts_every_valid_spec() {
    let validator = schema();
    let mut paths = specs("tests/specs/valid");
    paths.push(root().join("examples/payment-service.yaml"));
    paths.push(root().join("examples/notification-service.yaml"));
    paths.push(root().join("examples/shop/order-service/msgen.yaml"));
    for path in paths {
        let instance = yaml_to_json(&path);
        let errors: Vec<String> = validator
            .iter_errors(&instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(
            errors.is_empty(),
            "{}:\n{}",
            path.display(),
            errors.join("\n")
        );
    }
}

#[test]
fn the_schema_rejects_broken_shapes() {
    let validator = schema();
    for name in [
        "unknown-top-level-keys.yaml",
        "unknown-field-keys.yaml",
        "unknown-types.yaml",
        "fields-without-fields-key.yaml",
        "unknown-enum-values.yaml",
        "port-out-of-range.yaml",
        "missing-service.yaml",
        "wrong-kinds.yaml",
        "endpoint-missing-keys.yaml",
        "event-missing-subject.yaml",
    ] {
        let instance = yaml_to_json(&root().join("tests/specs/invalid").join(name));
        assert!(!validator.is_valid(&instance), "the schema accepts {name}");
    }
}

/// A valid spec with one value of a kind nothing accepts (`[[x]]` is neither a scalar, nor a
/// mapping, nor a list of scalars) has that one problem: whatever the decoder leaves out, the
/// rest of the spec brings no problem of meaning that only follows from it.
#[test]
fn one_unreadable_value_in_a_valid_spec_is_the_only_problem() {
    // A scalar after `key: `, in block or flow style.
    let scalar = regex::Regex::new(
        r"(?m)(?:^\s*|[{,]\s*)[A-Za-z_]+: +([^\s,{}\[\]#][^,{}\[\]\n#]*?)\s*(?:$|[,}]|#)",
    )
    .unwrap();
    // A block key with its whole value, or with nothing after it (its value is nested below).
    let block = regex::Regex::new(r"(?m)^\s*(?:- )?[A-Za-z_]+: *(\S.*)?$").unwrap();
    let indent = |line: &str| line.len() - line.trim_start().len();

    let mut paths = specs("tests/specs/valid");
    paths.push(root().join("examples/payment-service.yaml"));
    paths.push(root().join("examples/notification-service.yaml"));
    let mut tried = 0;
    let mut failures = Vec::new();
    for path in paths {
        let text = fs::read_to_string(&path).unwrap();
        let mut broken_texts = Vec::new();
        for caps in scalar.captures_iter(&text) {
            let value = caps.get(1).unwrap().range();
            let mut broken = text.clone();
            broken.replace_range(value, "[[x]]");
            broken_texts.push(broken);
        }
        for caps in block.captures_iter(&text) {
            let mut broken = text.clone();
            match caps.get(1) {
                Some(value) => broken.replace_range(value.range(), "[[x]]"),
                None => {
                    // The nested lines go, and the key gets the value instead.
                    let line = caps.get(0).unwrap();
                    let own = indent(line.as_str());
                    let nested_start = (line.end() + 1).min(text.len());
                    let mut nested_end = nested_start;
                    for next in text[nested_start..].split_inclusive('\n') {
                        if !next.trim().is_empty() && indent(next) <= own {
                            break;
                        }
                        nested_end += next.len();
                    }
                    broken.replace_range(line.end()..nested_end, " [[x]]\n");
                }
            }
            broken_texts.push(broken);
        }
        for broken in broken_texts {
            tried += 1;
            if let Err(d) = check(&Source::new("msgen.yaml", broken.clone())) {
                if d.len() != 1 {
                    failures.push(format!("{broken}\n{}", d.render(false)));
                }
            }
        }
    }
    assert!(tried > 300, "only {tried} values tried");
    assert!(
        failures.is_empty(),
        "{} of {tried}:\n{}",
        failures.len(),
        failures.join("\n-----\n")
    );
}

/// However a file is cut short or broken, checking it reports problems instead of panicking,
/// and every report renders.
#[test]
fn broken_files_never_panic() {
    let mut texts = Vec::new();
    for path in [
        "examples/payment-service.yaml",
        "tests/specs/valid/kitchen-sink.yaml",
    ] {
        let text = fs::read_to_string(root().join(path)).unwrap();
        // Prefixes cut at character boundaries, every few characters.
        for (i, _) in text.char_indices().step_by(3) {
            texts.push(text[..i].to_owned());
        }
        // Every line left out, and every line with its indentation removed.
        let lines: Vec<&str> = text.lines().collect();
        for i in 0..lines.len() {
            let mut without = lines.clone();
            without.remove(i);
            texts.push(without.join("\n"));
            let mut dedented = lines.clone();
            dedented[i] = dedented[i].trim_start();
            texts.push(dedented.join("\n"));
        }
    }
    texts.push(String::new());
    texts.push("\u{feff}".to_owned());
    texts.push("é: [".to_owned());
    for text in texts {
        if let Err(d) = check(&Source::new("msgen.yaml", text.clone())) {
            assert!(!d.is_empty());
            let report = d.render(false);
            assert!(
                report.ends_with("problem\n") || report.ends_with("problems\n"),
                "{report}"
            );
        }
    }
}

/// For every kind of generated name, a spec in which a name of that kind clashes with another
/// name or a reserved word, the report that must come out, and the text it must point at.
/// The match has no catch-all: a new kind of name does not compile until it has a case here.
fn clash_through(kind: msgen::names::Kind) -> (&'static str, &'static str, &'static str) {
    use msgen::names::Kind::*;
    match kind {
        Crate => ("service: type\nentities:\n  A: { fields: { x: string } }\n", "it is a Rust keyword", "type"),
        Entity => (
            "service: s\nentities:\n  Product: { fields: { x: string } }\nevents:\n  publish:\n    Product: { subject: product.added, payload: { id: uuid } }\n",
            "clashes with an entity of the same name",
            "Product",
        ),
        Event => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nendpoints:\n  - { name: capture, method: POST, path: /as/capture, response: { ok: bool } }\nevents:\n  publish:\n    CaptureResponse: { subject: captured, payload: { id: uuid } }\n",
            "event `CaptureResponse` clashes with the response type `CaptureResponse`",
            "CaptureResponse",
        ),
        Create => (
            "service: s\nentities:\n  Product: { fields: { x: string } }\n  NewProduct: { fields: { x: string } }\n",
            "msgen generates `NewProduct` for creating a `Product`",
            "NewProduct",
        ),
        Patch => (
            "service: s\nentities:\n  Product: { fields: { x: string } }\n  ProductPatch: { fields: { x: string } }\n",
            "msgen generates `ProductPatch` for partial updates",
            "ProductPatch",
        ),
        Filter => (
            "service: s\nentities:\n  Product: { fields: { x: string } }\nevents:\n  publish:\n    ProductFilter: { subject: filtered, payload: { id: uuid } }\n",
            "msgen generates `ProductFilter` for filtering lists",
            "ProductFilter",
        ),
        Enum => (
            "service: s\nentities:\n  Payment:\n    fields:\n      patch: { type: enum, values: [a] }\n",
            "the enum type `PaymentPatch` of field `patch` of `Payment` clashes with the patch type",
            "patch",
        ),
        Body => (
            "service: s\nentities:\n  RefundRequest: { fields: { x: string } }\nendpoints:\n  - { name: refund, method: POST, path: /refund-requests/go, request: { amount: int } }\n",
            "the request type `RefundRequest` of endpoint `refund` clashes with entity `RefundRequest`",
            "refund",
        ),
        Service => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nendpoints:\n  - { name: reload, method: POST, path: /config/reload }\n",
            "the service struct `Config` of module `config` clashes with a type of the generated code",
            "config",
        ),
        ServiceTrait => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nendpoints:\n  - { name: daily, method: GET, path: /stats/daily, response: { n: int } }\nevents:\n  publish:\n    StatsService: { subject: stats, payload: { id: uuid } }\n",
            "event `StatsService` clashes with the service trait `StatsService` of module `stats`",
            "StatsService",
        ),
        ModelModule => (
            "service: s\nentities:\n  HttpRequest: { fields: { x: string } }\n  HTTPRequest: { fields: { x: string } }\n",
            "has the same snake_case name `http_request`",
            "HTTPRequest",
        ),
        EndpointModule => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nendpoints:\n  - { name: one, method: GET, path: /daily-reports/one }\n  - { name: two, method: GET, path: /daily_reports/two }\n",
            "first path segment `daily_reports` would share the module name `daily_reports` with `daily-reports`",
            "daily_reports",
        ),
        Table => (
            "service: s\nentities:\n  A: { table: bs, fields: { x: string } }\n  B: { fields: { x: string } }\n",
            "entity `B` uses table `bs`, like `A`",
            "B",
        ),
        Column => (
            "service: s\nentities:\n  Product: { fields: { x: string } }\n  Line:\n    fields:\n      product: { type: ref, entity: Product }\n      product_id: uuid\n",
            "reference `product` is stored in column `product_id`, which is also the field `product_id`",
            "product_id",
        ),
        Field => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nevents:\n  publish:\n    Happened: { subject: happened, payload: { self: uuid } }\n",
            "`self` cannot be a field name",
            "self",
        ),
        Variant => (
            "service: s\nentities:\n  A:\n    fields:\n      state: { type: enum, values: [checked-in, checked_in] }\n",
            "would be the same Rust variant `CheckedIn`",
            "checked_in",
        ),
        Handler => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nevents:\n  publish:\n    ProductAdded: { subject: a, payload: { id: uuid } }\n    PRODUCTAdded: { subject: b, payload: { id: uuid } }\n",
            "has the same snake_case name `product_added`",
            "PRODUCTAdded",
        ),
        Operation => (
            "service: s\nentities:\n  A: { fields: { x: string } }\nendpoints:\n  - { name: go, method: POST, path: /as/go }\n  - { name: go, method: POST, path: /as/again }\n",
            "endpoint name `go` is used twice",
            "go",
        ),
    }
}

#[test]
fn every_kind_of_generated_name_is_checked_for_clashes() {
    for kind in msgen::names::Kind::ALL {
        let (yaml, message, at) = clash_through(kind);
        let source = Source::new("msgen.yaml", yaml);
        let Err(diagnostics) = check(&source) else {
            panic!("{kind:?}: the clash was accepted");
        };
        let found = diagnostics.iter().find(|d| d.message.contains(message));
        let Some(found) = found else {
            panic!(
                "{kind:?}: no report says {message:?}:\n{}",
                diagnostics.render(false)
            );
        };
        assert_eq!(
            &yaml[found.span.start..found.span.end],
            at,
            "{kind:?}: {}",
            found.message
        );
    }
}
