//! Generation speed, stage by stage, through msgen's public API (the same calls as
//! `write_service` in `src/cli.rs`):
//!
//! - `stages::*`: parse + validate (`spec::check`), `ir::lower`, `render::render` and
//!   `plan::plan` for a new service (an empty directory), for `examples/payment-service.yaml`
//!   and for a synthetic 50-entity spec built below ([`spec_50`]);
//! - `noop::*`: regenerating an already generated 50-entity service whose spec did not change:
//!   `plan_apply` is `plan::plan` + `plan::apply` (finding nothing to write), `full` is what
//!   `msgen generate` does in-process (read the spec, check, load the state, lower, render,
//!   plan, apply). Each iteration asserts that nothing was written.
//!
//! - `scaling::parse_validate`: parse + validate of synthetic specs of 50 to 500 entities.
//!
//! Run: `cargo bench --bench generate`. With `MSGEN_BENCH_SPEC_OUT=FILE` set, the bench only
//! writes the synthetic 50-entity spec to FILE and exits (`bench/compare.sh` uses that), or the
//! spec of `MSGEN_BENCH_ENTITIES` entities when that is set too.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use divan::Bencher;
use msgen::plan::{self, Bases, State};
use msgen::spec::{self, Source};
use msgen::{ir, render};

fn main() {
    if let Some(out) = std::env::var_os("MSGEN_BENCH_SPEC_OUT") {
        let entities = std::env::var("MSGEN_BENCH_ENTITIES").map_or(50, |n| {
            n.parse()
                .expect("MSGEN_BENCH_ENTITIES is a number of entities, 50 or more")
        });
        std::fs::write(&out, spec_of(entities)).expect("cannot write the spec");
        eprintln!("wrote {}", Path::new(&out).display());
        return;
    }
    divan::main();
}

/// The 50 entity names of the synthetic spec.
const NOUNS: [&str; 50] = [
    "Customer",
    "Order",
    "OrderLine",
    "Product",
    "Category",
    "Supplier",
    "Warehouse",
    "Shipment",
    "Invoice",
    "Payment",
    "Refund",
    "Coupon",
    "Review",
    "Address",
    "Cart",
    "CartItem",
    "Wishlist",
    "Store",
    "Employee",
    "Department",
    "Project",
    "Task",
    "Comment",
    "Tag",
    "Attachment",
    "Notification",
    "Subscription",
    "Plan",
    "Feature",
    "Ticket",
    "Agent",
    "Team",
    "Meeting",
    "Room",
    "Booking",
    "Vehicle",
    "Driver",
    "Itinerary",
    "Stop",
    "Device",
    "Sensor",
    "Reading",
    "Alert",
    "Summary",
    "Dashboard",
    "Widget",
    "Document",
    "Folder",
    "Permission",
    "AuditEntry",
];

fn snake(name: &str) -> String {
    let mut out = String::new();
    for (i, c) in name.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// One field of entity `i`, of the `k`-th type, with constraints varied by `i`.
fn field(i: usize, k: usize) -> (&'static str, String) {
    match k {
        0 => (
            "name",
            match i % 3 {
                0 => "{ type: string, min_length: 1, max_length: 120 }".into(),
                1 => "{ type: string, format: email, index: true }".into(),
                _ => r#"{ type: string, pattern: "^[A-Z][a-z]+$", max_length: 40 }"#.into(),
            },
        ),
        1 => ("notes", "{ type: text, optional: true }".into()),
        2 => (
            "quantity",
            "{ type: int, min: 0, max: 100000, default: 1 }".into(),
        ),
        3 => ("sequence", "{ type: bigint, index: true }".into()),
        4 => ("ratio", "{ type: float, optional: true }".into()),
        5 => ("amount", "{ type: decimal, min: 0 }".into()),
        6 => ("active", "{ type: bool, default: false }".into()),
        7 => ("external_id", "{ type: uuid, index: true }".into()),
        8 => ("due_on", "{ type: date, optional: true }".into()),
        9 => ("happened_at", "{ type: datetime, optional: true }".into()),
        10 => ("attributes", "{ type: json, optional: true }".into()),
        _ => (
            "state",
            "{ type: enum, values: [draft, active, archived], default: draft, index: true }".into(),
        ),
    }
}

/// A synthetic spec of 50 entities with 4 to 11 fields each over every scalar type, 13
/// references (one of them to the entity itself), 50 resources (some with fewer operations)
/// and 6 custom operations.
pub fn spec_50() -> String {
    spec_of(50)
}

/// The name of the `i`-th entity of a synthetic spec: the nouns, then the nouns again with a
/// number (`Customer2`).
fn noun(i: usize) -> String {
    match i / NOUNS.len() {
        0 => NOUNS[i].to_owned(),
        round => format!("{}{}", NOUNS[i % NOUNS.len()], round + 1),
    }
}

/// The synthetic spec of `n` entities (at least 50): [`spec_50`], and as many more entities
/// and resources of the same shapes as `n` asks for.
pub fn spec_of(n: usize) -> String {
    let mut s = String::from(
        "# A synthetic spec for msgen's benchmarks.\n\
         service: bench-service\n\
         description: Synthetic entities, for benchmarks.\n\
         database: sqlite\n\
         base_path: /api/v1\n\
         entities:\n",
    );
    let nouns: Vec<String> = (0..n).map(noun).collect();
    for (i, noun) in nouns.iter().enumerate() {
        writeln!(s, "  {noun}:").unwrap();
        writeln!(s, "    description: The {} entity.", snake(noun)).unwrap();
        writeln!(s, "    fields:").unwrap();
        let count = 4 + i % 8;
        for j in 0..count {
            let (name, def) = field(i, (i + j) % 12);
            writeln!(s, "      {name}: {def}").unwrap();
        }
        if i % 4 == 1 {
            let target = &nouns[i - 1];
            let on_delete = if i % 8 == 1 { "cascade" } else { "restrict" };
            writeln!(
                s,
                "      {}: {{ type: ref, entity: {target}, on_delete: {on_delete} }}",
                snake(target)
            )
            .unwrap();
        }
        if *noun == "Folder" {
            writeln!(
                s,
                "      parent: {{ type: ref, entity: Folder, optional: true, on_delete: cascade }}"
            )
            .unwrap();
        }
    }
    s.push_str("endpoints:\n");
    for (i, noun) in nouns.iter().enumerate() {
        writeln!(s, "  - resource: {noun}").unwrap();
        if i % 5 == 3 {
            writeln!(s, "    operations: [list, get]").unwrap();
        } else if i % 7 == 6 {
            writeln!(s, "    operations: [list, get, create]").unwrap();
        }
    }
    s.push_str(
        r#"  - name: archive_customer
    description: Archives a customer.
    method: POST
    path: /customers/{id}/archive
    params: { id: uuid }
    request:
      reason: { type: string, max_length: 200, optional: true }
    response: Customer
  - name: order_totals
    method: GET
    path: /orders/{id}/totals
    params: { id: uuid }
    response:
      total: decimal
      lines: int
  - name: reassign_task
    method: PUT
    path: /tasks/{id}/assignee
    params: { id: uuid }
    request:
      assignee: uuid
    response: Task
  - name: sensor_readings_of_day
    method: GET
    path: /sensors/{id}/days/{day}
    params: { id: uuid, day: date }
    response:
      count: bigint
      level: { type: enum, values: [low, normal, high] }
  - name: close_ticket
    method: POST
    path: /tickets/{id}/close
    params: { id: uuid }
  - name: daily_report
    method: GET
    path: /reports/{day}
    params: { day: date }
    response:
      orders: int
      revenue: decimal
"#,
    );
    s
}

struct Example {
    name: &'static str,
    text: String,
}

static PAYMENT: LazyLock<Example> = LazyLock::new(|| Example {
    name: "examples/payment-service.yaml",
    text: std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/payment-service.yaml"),
    )
    .expect("the example is there"),
});

static SPEC_50: LazyLock<Example> = LazyLock::new(|| Example {
    name: "bench-50.yaml",
    text: spec_50(),
});

fn example(which: &str) -> &'static Example {
    match which {
        "payment" => &PAYMENT,
        _ => &SPEC_50,
    }
}

fn valid(e: &Example) -> spec::ValidSpec {
    let source = Source::new(e.name, e.text.clone());
    match spec::check(&source) {
        Ok(valid) => valid,
        Err(diagnostics) => panic!("{}", diagnostics.render(false)),
    }
}

const SPECS: &[&str] = &["payment", "entities_50"];

/// How parse + validate grows with the spec: the synthetic spec of N entities. Divided by N,
/// the time per entity; flat when validation is linear in the spec.
mod scaling {
    use super::*;

    #[divan::bench(args = [50, 100, 200, 400, 500])]
    fn parse_validate(bencher: Bencher, entities: usize) {
        let source = Source::new("bench.yaml", spec_of(entities));
        assert!(spec::check(&source).is_ok(), "the synthetic spec is valid");
        bencher.bench(|| spec::check(divan::black_box(&source)).is_ok());
    }
}

mod stages {
    use super::*;

    #[divan::bench(args = SPECS)]
    fn parse_validate(bencher: Bencher, which: &str) {
        let e = example(which);
        let source = Source::new(e.name, e.text.clone());
        bencher.bench(|| spec::check(divan::black_box(&source)).is_ok());
    }

    #[divan::bench(args = SPECS)]
    fn lower(bencher: Bencher, which: &str) {
        let valid = valid(example(which));
        bencher.bench(|| ir::lower(divan::black_box(&valid)));
    }

    #[divan::bench(args = SPECS)]
    fn render(bencher: Bencher, which: &str) {
        let e = example(which);
        let service = ir::lower(&valid(e));
        let previous = render::Previous::default();
        // The first call compiles the embedded templates once per process; not measured.
        render::render(&service, &e.text, &previous).expect("renders");
        bencher.bench(|| render::render(divan::black_box(&service), &e.text, &previous).unwrap());
    }

    /// Planning a new service: every file is a `create` (the directory is empty).
    #[divan::bench(args = SPECS)]
    fn plan_new(bencher: Bencher, which: &str) {
        let e = example(which);
        let service = ir::lower(&valid(e));
        let output = render::render(&service, &e.text, &render::Previous::default()).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let state = State::default();
        bencher
            .with_inputs(|| output.files.clone())
            .bench_values(|files| {
                let fingerprints = &output.fingerprints;
                let bases = Bases::default();
                plan::plan(
                    dir.path(),
                    files,
                    fingerprints,
                    &state,
                    &bases,
                    &e.text,
                    plan::ReadAhead::default(),
                )
                .unwrap()
            });
    }
}

/// An already generated service and what regenerating it in place takes.
struct Generated {
    _dir: tempfile::TempDir,
    root: PathBuf,
    text: String,
}

fn last_migration_number(root: &Path) -> usize {
    std::fs::read_dir(root.join("migrations"))
        .map(|entries| {
            entries
                .filter_map(|e| e.ok()?.file_name().into_string().ok())
                .filter_map(|name| name.split('_').next()?.parse::<usize>().ok())
                .max()
                .unwrap_or(0)
        })
        .unwrap_or(0)
}

/// `write_service` of `src/cli.rs`; returns how many paths were written or removed.
fn write_service(root: &Path, text: &str, valid: &spec::ValidSpec, state: &State) -> usize {
    let service = ir::lower(valid);
    let bases = Bases::load(root, state).unwrap();
    let previous = render::Previous {
        schema: state.schema.clone(),
        migrations: last_migration_number(root),
        allow_destructive: false,
        proto: None,
        rendered: bases.rendered(),
    };
    let output = render::render(&service, text, &previous).unwrap();
    let fingerprints = &output.fingerprints;
    let read_ahead = plan::ReadAhead::default();
    let mut plan = plan::plan(
        root,
        output.files,
        fingerprints,
        state,
        &bases,
        text,
        read_ahead,
    )
    .unwrap();
    plan.state.schema = Some(output.schema);
    plan::apply(root, &plan, state).unwrap().len()
}

fn generate_50() -> Generated {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("bench-service");
    let text = SPEC_50.text.clone();
    let written = write_service(&root, &text, &valid(&SPEC_50), &State::default());
    assert!(written > 0);
    std::fs::write(root.join("msgen.yaml"), &text).unwrap();
    Generated {
        _dir: dir,
        root,
        text,
    }
}

mod noop {
    use super::*;

    /// `plan::plan` + `plan::apply` on a service that is up to date: nothing is written.
    #[divan::bench]
    fn plan_apply(bencher: Bencher) {
        let g = generate_50();
        let state = State::load(&g.root).unwrap().unwrap();
        let service = ir::lower(&valid(&SPEC_50));
        let bases = Bases::load(&g.root, &state).unwrap();
        let previous = render::Previous {
            schema: state.schema.clone(),
            migrations: last_migration_number(&g.root),
            allow_destructive: false,
            proto: None,
            rendered: bases.rendered(),
        };
        let output = render::render(&service, &g.text, &previous).unwrap();
        let files = output.files;
        let schema = output.schema;
        let fingerprints = output.fingerprints;
        bencher
            .with_inputs(|| (files.clone(), schema.clone()))
            .bench_values(|(files, schema)| {
                let bases = Bases::load(&g.root, &state).unwrap();
                let mut plan = plan::plan(
                    &g.root,
                    files,
                    &fingerprints,
                    &state,
                    &bases,
                    &g.text,
                    plan::ReadAhead::default(),
                )
                .unwrap();
                plan.state.schema = Some(schema);
                let written = plan::apply(&g.root, &plan, &state).unwrap();
                assert!(written.is_empty(), "a no-op wrote {written:?}");
            });
    }

    /// The whole of `msgen generate` in-process, on a service that is up to date.
    #[divan::bench]
    fn full(bencher: Bencher) {
        let g = generate_50();
        bencher.bench(|| {
            let text = std::fs::read_to_string(g.root.join("msgen.yaml")).unwrap();
            let source = Source::new("msgen.yaml", text);
            let valid = spec::check(&source).map_err(|_| ()).unwrap();
            let state = State::load(&g.root).unwrap().unwrap_or_default();
            let written = write_service(&g.root, &source.text, &valid, &state);
            assert_eq!(written, 0, "a no-op wrote files");
        });
    }
}
