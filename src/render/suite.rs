//! What the generated test suite needs to know: valid and invalid values per field, which
//! helpers to generate, and one view per resource of the cases to test.

use serde::Serialize;

use crate::ir::{CustomOperation, Entity, Field, Resource, Service};
use crate::spec::FieldType;

/// What the generated tests need to build valid records of each entity.
#[derive(Serialize)]
pub(super) struct Helpers {
    pub(super) entities: Vec<EntityHelper>,
    /// Whether any test stores records directly (and so needs the pool).
    pub(super) inserts: bool,
    /// Tests reach the database directly: to insert parents, or to look at the event tables.
    pub(super) db: bool,
    /// A body reaches one parent entity through two of the records it references (an order
    /// and a customer, where the order has a customer too): bodies share the parents they
    /// store, so that a unique field of the parent is not stored twice.
    pub(super) shared_parents: bool,
}

#[derive(Serialize)]
pub(super) struct EntityHelper {
    pub(super) snake: String,
    pub(super) repo_module: String,
    pub(super) fields: Vec<SampleField>,
    pub(super) parents: Vec<String>,
    /// A valid request body is needed (`<entity>_body`).
    pub(super) body: bool,
    /// A stored record is needed (`insert_<entity>`).
    pub(super) insert: bool,
}

#[derive(Serialize)]
pub(super) struct SampleField {
    pub(super) name: String,
    /// Two valid values, as written in `json!`.
    pub(super) samples: [String; 2],
    /// Set when the value is the id of a parent record stored first.
    pub(super) parent: Option<String>,
}

/// The fields a client writes: the others (`readonly`) are ignored in request bodies, so the
/// tests neither send nor expect them.
fn written(fields: &[Field]) -> impl Iterator<Item = &Field> {
    fields.iter().filter(|f| !f.readonly)
}

/// The entities whose records a request body for `e` names: its parents.
fn parents<'a>(s: &'a Service, e: &Entity) -> Vec<&'a Entity> {
    let mut parents: Vec<&Entity> = Vec::new();
    for f in written(&e.fields) {
        let parent = f.references.as_ref().and_then(|r| s.entity(&r.entity));
        if let Some(parent) = parent.filter(|p| !parents.iter().any(|q| q.name == p.name)) {
            parents.push(parent);
        }
    }
    parents
}

/// Whether a sample of `e` can be stored twice: neither it nor the records it references (all
/// the way up) has a unique field.
pub(super) fn repeatable(s: &Service, e: &Entity) -> bool {
    fn walk<'a>(s: &'a Service, e: &'a Entity, seen: &mut Vec<&'a str>) -> bool {
        if seen.contains(&e.name.as_str()) {
            return true;
        }
        seen.push(&e.name);
        !e.fields.iter().any(|f| f.unique) && parents(s, e).into_iter().all(|p| walk(s, p, seen))
    }
    walk(s, e, &mut Vec::new())
}

/// The columns `e`'s list may be sorted by that two records may share a value of.
pub(super) fn sort_ties(e: &Entity) -> Vec<String> {
    let unique = |c: &str| e.field(c).is_some_and(|f| f.unique);
    e.sortable.iter().filter(|c| !unique(c)).cloned().collect()
}

/// The columns `e`'s list may be sorted by that may be null.
pub(super) fn sort_nulls(e: &Entity) -> Vec<String> {
    let optional = |c: &str| e.field(c).is_some_and(|f| f.optional);
    e.sortable.iter().filter(|c| optional(c)).cloned().collect()
}

/// Helpers for the entities the tests touch, and for the parents those need; no more, so the
/// test crate has no dead code.
pub(super) fn test_helpers(s: &Service) -> Helpers {
    let n = s.entities.len();
    let (mut body, mut insert) = (vec![false; n], vec![false; n]);
    for r in &s.resources {
        if let Some(i) = r.entity {
            let c = r.crud;
            body[i] |= c.create || c.update;
            insert[i] |= c.get || c.list || c.update || c.delete;
            // The duplicate tests of unique fields store a record first.
            insert[i] |= c.create && !unique_cases(&s.entities[i]).is_empty();
            // The tests of links start from stored ones.
            insert[i] |= r.link_route.is_some();
        }
    }
    // Storing a record takes a body; a body takes stored parents. Repeat until nothing changes.
    let mut changed = true;
    while changed {
        changed = false;
        for i in 0..n {
            if insert[i] && !body[i] {
                body[i] = true;
                changed = true;
            }
            if !body[i] {
                continue;
            }
            for parent in parents(s, &s.entities[i]) {
                if let Some(p) = s.entities.iter().position(|e| e.name == parent.name) {
                    if !insert[p] {
                        insert[p] = true;
                        changed = true;
                    }
                }
            }
        }
    }
    let entities = s
        .entities
        .iter()
        .enumerate()
        .filter(|(i, _)| body[*i] || insert[*i])
        .map(|(i, e)| EntityHelper {
            snake: e.snake.clone(),
            repo_module: e.repo_module.clone(),
            fields: written(&e.fields)
                .map(|f| SampleField {
                    name: f.name.clone(),
                    samples: f.samples.clone(),
                    parent: f
                        .references
                        .as_ref()
                        .and_then(|r| s.entity(&r.entity))
                        .map(|p| p.snake.clone()),
                })
                .collect(),
            parents: parents(s, e).iter().map(|p| p.snake.clone()).collect(),
            body: body[i],
            insert: insert[i],
        })
        .collect();
    let shared_parents = s
        .entities
        .iter()
        .enumerate()
        .any(|(i, e)| body[i] && reaches_one_parent_twice(s, e));
    Helpers {
        entities,
        inserts: insert.iter().any(|&i| i),
        db: insert.iter().any(|&i| i) || s.events.any() || idempotency_tests(s).is_some(),
        shared_parents,
    }
}

/// Whether storing the parents of a body for `e`, and theirs, stores one entity twice.
fn reaches_one_parent_twice(s: &Service, e: &Entity) -> bool {
    fn walk<'a>(
        s: &'a Service,
        e: &'a Entity,
        path: &mut Vec<&'a str>,
        seen: &mut Vec<&'a str>,
    ) -> bool {
        for parent in parents(s, e) {
            // A record that references its own entity has no parent to store.
            if path.contains(&parent.name.as_str()) {
                continue;
            }
            if seen.contains(&parent.name.as_str()) {
                return true;
            }
            seen.push(&parent.name);
            path.push(&parent.name);
            let twice = walk(s, parent, path, seen);
            path.pop();
            if twice {
                return true;
            }
        }
        false
    }
    walk(s, e, &mut vec![e.name.as_str()], &mut Vec::new())
}

/// What the tests of `Idempotency-Key` create: the records of the first resource that has a
/// create.
#[derive(Serialize)]
pub(super) struct IdempotencyTests {
    pub(super) collection: String,
    pub(super) snake: String,
    pub(super) table: String,
    /// The two sample bodies differ.
    pub(super) distinct: bool,
    /// A sample can be created twice.
    pub(super) repeatable: bool,
    /// The sample that can be created after the first: the second, or the first again.
    pub(super) second: usize,
}

pub(super) fn idempotency_tests(s: &Service) -> Option<IdempotencyTests> {
    let (resource, e) = s.resources.iter().find_map(|r| {
        let e = &s.entities[r.entity?];
        r.crud.create.then_some((r, e))
    })?;
    let distinct =
        written(&e.fields).any(|f| f.samples[0] != f.samples[1] || f.references.is_some());
    Some(IdempotencyTests {
        collection: format!("{}{}", s.base_path, resource.route),
        snake: e.snake.clone(),
        table: e.table.clone(),
        distinct,
        repeatable: repeatable(s, e),
        second: usize::from(distinct),
    })
}

/// Unique fields whose two samples differ, so that a duplicate of one conflicts on it alone.
pub(super) fn unique_cases(e: &Entity) -> Vec<String> {
    written(&e.fields)
        .filter(|f| f.unique && f.references.is_none() && f.samples[0] != f.samples[1])
        .map(|f| f.name.clone())
        .collect()
}

#[derive(Serialize)]
pub(super) struct TestView {
    /// Base URL path of the collection: `/api/v1/payments`.
    pub(super) collection: String,
    /// Fields with a validation rule and a value that breaks it.
    pub(super) invalid: Vec<InvalidCase>,
    /// Filterable fields whose two samples differ, so a filter can tell them apart.
    pub(super) filters: Vec<FilterCase>,
    /// A field to change with PATCH, and its new value.
    pub(super) patch: Option<(String, String)>,
    /// Unique fields whose samples differ, so a duplicate of one conflicts on it alone.
    pub(super) unique: Vec<String>,
    /// Fields that reference another entity.
    pub(super) references: Vec<String>,
    pub(super) operations: Vec<OperationTest>,
    /// The fields a create body must have.
    pub(super) required: Vec<String>,
    /// Each field that has a value of the wrong JSON kind, with the answer naming it.
    pub(super) mistyped: Vec<Mistyped>,
    /// An `int` or `bigint` field, to send as a number with a zero fraction (`795.0`).
    pub(super) integral: Option<String>,
    /// Fields the service sets (`readonly`) with two different samples: a create request
    /// that gives either one stores the same value.
    pub(super) ignored: Vec<(String, [String; 2])>,
    /// Fields fixed once created, which `PUT` must send as they are.
    pub(super) immutable: Vec<String>,
    /// A field fixed once created and a different value of it, for `PATCH` to be refused.
    pub(super) unchangeable: Option<(String, String)>,
    /// Whether a sample can be stored twice: no field of it, or of the records it references,
    /// is unique.
    pub(super) repeatable: bool,
    /// The columns the list may be sorted by that two records may share a value of.
    pub(super) sort_ties: Vec<String>,
    /// The columns the list may be sorted by that may be null.
    pub(super) sort_nulls: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct Mistyped {
    pub(super) field: String,
    /// As written in `json!`.
    pub(super) value: String,
    pub(super) message: String,
}

/// A value of the wrong JSON kind for `f`, and the message the service answers it with;
/// `None` for `json`, which takes any value.
pub(super) fn mistyped(f: &Field) -> Option<Mistyped> {
    let (value, message) = match f.kind {
        FieldType::String | FieldType::Text => ("12", "must be a string".to_owned()),
        FieldType::Int | FieldType::Bigint => ("\"12\"", "must be an integer".to_owned()),
        FieldType::Float => ("\"1.5\"", "must be a number".to_owned()),
        FieldType::Decimal => (
            "12.5",
            "must be a decimal number written as a string, like \"12.50\", with at most 18 \
             digits before the point and 10 after"
                .to_owned(),
        ),
        FieldType::Bool => ("\"yes\"", "must be true or false".to_owned()),
        FieldType::Uuid | FieldType::Ref => ("\"not-a-uuid\"", "must be a UUID".to_owned()),
        FieldType::Date => ("\"31/01/2024\"", "must be a date (YYYY-MM-DD)".to_owned()),
        FieldType::Datetime => (
            "\"yesterday\"",
            "must be a date and time with an offset (RFC 3339, like 2024-01-31T09:30:00Z)"
                .to_owned(),
        ),
        FieldType::Enum => (
            "\"no such value\"",
            format!("must be one of: {}", f.constraints.values.join(", ")),
        ),
        FieldType::Json => return None,
    };
    Some(Mistyped {
        field: f.name.clone(),
        value: value.to_owned(),
        message,
    })
}

/// The fields of an operation's request body.
fn request_fields<'a>(s: &'a Service, op: &'a CustomOperation) -> Option<&'a [Field]> {
    let body = op.request.as_ref()?;
    if body.inline {
        Some(&body.fields)
    } else {
        Some(&s.entity(body.entity.as_deref()?)?.fields)
    }
}

/// Whether some operation's request body has a field it must have.
pub(super) fn any_required_request_field(s: &Service) -> bool {
    s.resources
        .iter()
        .flat_map(|r| &r.operations)
        .filter_map(|op| request_fields(s, op))
        .any(|fields| !required(fields).is_empty())
}

/// The fields a create (or custom operation) body must have.
fn required(fields: &[Field]) -> Vec<String> {
    fields
        .iter()
        .filter(|f| !f.optional && f.default.is_none())
        .map(|f| f.name.clone())
        .collect()
}

#[derive(Serialize)]
pub(super) struct InvalidCase {
    pub(super) field: String,
    pub(super) rule: String,
    pub(super) value: String,
}

#[derive(Serialize)]
pub(super) struct FilterCase {
    pub(super) field: String,
    /// The list URL with this filter, as a Rust string literal.
    pub(super) url: String,
}

#[derive(Serialize)]
pub(super) struct OperationTest {
    pub(super) name: String,
    pub(super) method: String,
    /// The path with sample path parameters filled in.
    pub(super) path: String,
    /// A request body that breaks a rule, when there is one.
    pub(super) invalid_body: Option<(String, String)>,
    pub(super) has_body: bool,
    /// The fields its request body must have.
    pub(super) required: Vec<String>,
}

pub(super) fn test_view(s: &Service, resource: &Resource, entity: Option<&Entity>) -> TestView {
    let collection = format!("{}{}", s.base_path, resource.route);
    let mut invalid = Vec::new();
    let mut filters = Vec::new();
    let mut patch = None;
    let mut unique = Vec::new();
    let mut references = Vec::new();
    if let Some(e) = entity {
        for f in written(&e.fields) {
            for check in &f.checks {
                if let Some(value) = &check.invalid {
                    invalid.push(InvalidCase {
                        field: f.name.clone(),
                        rule: check.rule.name().to_owned(),
                        value: value.clone(),
                    });
                }
            }
        }
        for f in e.filter_fields().filter(|f| !f.readonly) {
            if f.samples[0] != f.samples[1] && f.references.is_none() {
                let value: serde_json::Value =
                    serde_json::from_str(&f.samples[0]).unwrap_or_default();
                let query = match &value {
                    serde_json::Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                let url = format!("{collection}?{}={}", f.name, percent_encode(&query));
                filters.push(FilterCase {
                    field: f.name.clone(),
                    url: crate::names::rust_str(&url),
                });
            }
        }
        unique = unique_cases(e);
        references = written(&e.fields)
            .filter(|f| f.references.is_some())
            .map(|f| f.name.clone())
            .collect();
        patch = written(&e.fields)
            .filter(|f| !f.immutable)
            .find(|f| f.samples[0] != f.samples[1] && f.references.is_none() && !f.unique)
            .map(|f| (f.name.clone(), f.samples[1].clone()));
    }
    let operations = resource
        .operations
        .iter()
        .map(|op| {
            let mut path = format!("{}{}", s.base_path, op.path);
            for p in &op.params {
                let value: serde_json::Value =
                    serde_json::from_str(&p.samples[0]).unwrap_or_default();
                let text = match value {
                    serde_json::Value::String(s) => s,
                    other => other.to_string(),
                };
                path = path.replace(&format!("{{{}}}", p.name), &text);
            }
            let body_fields = request_fields(s, op);
            let invalid_body = body_fields.and_then(|fields| {
                written(fields).find_map(|f| {
                    let bad = f.checks.iter().find_map(|c| c.invalid.clone())?;
                    Some((f.name.clone(), bad))
                })
            });
            OperationTest {
                name: op.name.clone(),
                method: op.method.lower().to_owned(),
                path,
                invalid_body,
                has_body: op.request.is_some(),
                required: body_fields.map(required).unwrap_or_default(),
            }
        })
        .collect();
    let fields: &[Field] = entity.map_or(&[], |e| &e.fields);
    let differ = |f: &&Field| f.samples[0] != f.samples[1];
    TestView {
        ignored: fields
            .iter()
            .filter(|f| f.readonly)
            .filter(differ)
            // Both on one line of the test, as rustfmt keeps a short array.
            .filter(|f| f.samples.iter().all(|sample| sample.len() <= 20))
            .map(|f| (f.name.clone(), f.samples.clone()))
            .collect(),
        immutable: written(fields)
            .filter(|f| f.immutable)
            .map(|f| f.name.clone())
            .collect(),
        unchangeable: written(fields)
            .filter(|f| f.immutable)
            .find(differ)
            .map(|f| (f.name.clone(), f.samples[1].clone())),
        required: required(fields),
        repeatable: entity.is_some_and(|e| repeatable(s, e)),
        sort_ties: entity.map_or_else(Vec::new, sort_ties),
        sort_nulls: entity.map_or_else(Vec::new, sort_nulls),
        mistyped: written(fields).filter_map(mistyped).collect(),
        integral: written(fields)
            .filter(|f| matches!(f.kind, FieldType::Int | FieldType::Bigint))
            .find(|f| f.samples[0].parse::<i64>().is_ok())
            .map(|f| f.name.clone()),
        collection,
        invalid,
        filters,
        patch,
        unique,
        references,
        operations,
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters.
pub(super) fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// What the HTTP tests of a resource may use, by the text that shows it is used: `serde_json`
/// items and the helpers (a module whose operations have no body to test has no test).
const API_IMPORTS: &[(&str, &str)] = &[
    ("json!(", "serde_json::json"),
    ("Value", "serde_json::Value"),
    (
        "assert_cursor_pages(",
        "crate::helpers::assert_cursor_pages",
    ),
    ("assert_matches(", "crate::helpers::assert_matches"),
    ("assert_nested(", "crate::helpers::assert_nested"),
    ("assert_ranges(", "crate::helpers::assert_ranges"),
    ("assert_sets(", "crate::helpers::assert_sets"),
    ("assert_sorted(", "crate::helpers::assert_sorted"),
    ("field_errors(", "crate::helpers::field_errors"),
    ("renew_id(", "crate::helpers::renew_id"),
    ("set_like(", "crate::helpers::set_like"),
    ("spawn_app(", "crate::helpers::spawn_app"),
];

/// What the gRPC tests may use: the client's types, health and reflection too.
const GRPC_IMPORTS: &[(&str, &str)] = &[
    ("json!(", "serde_json::json"),
    ("Value", "serde_json::Value"),
    ("Code::", "tonic::Code"),
    ("Channel::", "tonic::transport::Channel"),
    ("get_error_details", "tonic_types::StatusExt"),
    (
        "HealthClient",
        "tonic_health::pb::health_client::HealthClient",
    ),
    ("HealthCheckRequest", "tonic_health::pb::HealthCheckRequest"),
    (
        "ServingStatus",
        "tonic_health::pb::health_check_response::ServingStatus",
    ),
    ("Uuid::", "uuid::Uuid"),
    ("tokio_stream::", "tonic::codegen::tokio_stream"),
    (
        "ServerReflectionClient",
        "tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient",
    ),
    (
        "ServerReflectionRequest",
        "tonic_reflection::pb::v1::ServerReflectionRequest",
    ),
    (
        "MessageRequest::",
        "tonic_reflection::pb::v1::server_reflection_request::MessageRequest",
    ),
    (
        "MessageResponse::",
        "tonic_reflection::pb::v1::server_reflection_response::MessageResponse",
    ),
    ("record(", "crate::helpers::record"),
    ("spawn_app(", "crate::helpers::spawn_app"),
    ("to_api_json(", "crate::helpers::to_api_json"),
];

/// Replaces the `// msgen:imports` line of a generated HTTP test file with the imports its
/// tests turned out to use.
pub(super) fn with_imports(text: &str) -> String {
    imported(text, API_IMPORTS)
}

/// [`with_imports`] for the gRPC tests.
pub(super) fn with_grpc_imports(text: &str) -> String {
    imported(text, GRPC_IMPORTS)
}

/// `text` with its `// msgen:imports` line replaced by the path of each entry of `table`
/// whose needle the text after the line holds.
fn imported(text: &str, table: &[(&str, &str)]) -> String {
    let body = text
        .split_once("// msgen:imports")
        .map_or("", |(_, body)| body);
    let paths: Vec<String> = table
        .iter()
        .filter(|(needle, _)| body.contains(needle))
        .map(|(_, path)| (*path).to_owned())
        .collect();
    let lines = super::rust::imports(&paths).join("\n");
    let replaced = text.replacen("// msgen:imports", &lines, 1);
    super::rust::tidy(&replaced)
}

/// What the gRPC tests of one resource need: its entity, operations, test view, and the
/// client's method for each rpc.
#[derive(Serialize)]
pub(super) struct GrpcTest<'a> {
    entity: &'a Entity,
    pub(super) crud: crate::ir::Crud,
    t: TestView,
    list: String,
    get: String,
    create: String,
    update: String,
    patch: String,
    delete: String,
    nested: Vec<GrpcNested>,
    /// A rule to break that a request of the contract's types can break.
    invalid: Option<InvalidCase>,
}

#[derive(Serialize)]
pub(super) struct GrpcNested {
    rpc: String,
    parent: String,
    column: String,
    /// Whether a record's sample names its parent: the reference is not `readonly`.
    sampled: bool,
}

impl GrpcTest<'_> {
    /// Whether its tests read a record out of a response (`helpers::record`).
    pub(super) fn reads_records(&self) -> bool {
        self.crud.get || (self.crud.update && self.t.patch.is_some())
    }
}

/// The method of the generated client (tonic's) that calls the rpc of `operation`.
fn client_method(operation: &str) -> String {
    use heck::ToSnakeCase;
    crate::names::pascal(operation).to_snake_case()
}

/// The resources served over gRPC whose entity the gRPC tests exercise.
pub(super) fn grpc_tests(s: &Service) -> Vec<GrpcTest<'_>> {
    let mut tests = Vec::new();
    for resource in s.resources.iter().filter(|r| r.grpc) {
        let Some(e) = resource.entity.map(|i| &s.entities[i]) else {
            continue;
        };
        let t = test_view(s, resource, Some(e));
        let invalid = t.invalid.iter().find_map(|case| {
            let field = e.field(&case.field)?;
            writable(field, &case.value).then(|| InvalidCase {
                field: case.field.clone(),
                rule: case.rule.clone(),
                value: case.value.clone(),
            })
        });
        let nested = resource
            .nested
            .iter()
            .map(|n| GrpcNested {
                rpc: client_method(&n.handler),
                parent: s.entities[n.parent].snake.clone(),
                column: n.column.clone(),
                sampled: e.field(&n.column).is_some_and(|f| !f.readonly),
            })
            .collect();
        tests.push(GrpcTest {
            entity: e,
            crud: resource.crud,
            t,
            list: client_method(&format!("list_{}", e.plural)),
            get: client_method(&format!("get_{}", e.snake)),
            create: client_method(&format!("create_{}", e.snake)),
            update: client_method(&format!("update_{}", e.snake)),
            patch: client_method(&format!("patch_{}", e.snake)),
            delete: client_method(&format!("delete_{}", e.snake)),
            nested,
            invalid,
        });
    }
    tests
}

/// Whether `value` (JSON) can be written in a request of the contract, where a field's type is
/// the contract's: a string stays a string, a number a number, and an enum's unknown value
/// cannot be written at all.
fn writable(field: &Field, value: &str) -> bool {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(value) else {
        return false;
    };
    match field.kind {
        FieldType::String
        | FieldType::Text
        | FieldType::Uuid
        | FieldType::Ref
        | FieldType::Decimal
        | FieldType::Date => value.is_string(),
        FieldType::Int => value.as_i64().is_some_and(|n| i32::try_from(n).is_ok()),
        FieldType::Bigint => value.is_i64(),
        FieldType::Float => value.is_number(),
        _ => false,
    }
}

/// A custom operation's rpc, for the test that breaks a rule of its request: the client's
/// method and the request's fields.
#[derive(Serialize)]
pub(super) struct GrpcOperationTest {
    rpc: String,
    /// One `"name": value` a line.
    fields: Vec<String>,
    /// The violation's field, as the request names it.
    field: String,
}

pub(super) fn grpc_operation_tests(s: &Service) -> Vec<GrpcOperationTest> {
    let mut tests = Vec::new();
    let operations = s.resources.iter().flat_map(|r| &r.operations);
    for op in operations.filter(|op| op.grpc) {
        let Some(fields) = request_fields(s, op) else {
            continue;
        };
        let invalid = written(fields).find_map(|f| {
            let bad = f.checks.iter().find_map(|c| c.invalid.clone())?;
            writable(f, &bad).then(|| (f.name.clone(), bad))
        });
        let Some((name, bad)) = invalid else {
            continue;
        };
        let mut parts: Vec<String> = op
            .params
            .iter()
            .map(|p| format!("\"{}\": {}", p.name, p.samples[0]))
            .collect();
        // A whole body, of samples, but for the one broken field: a body that misses a field
        // is refused for that first.
        let body: Vec<String> = written(fields)
            .map(|f| {
                let value = if f.name == name { &bad } else { &f.samples[0] };
                format!("\"{}\": {value}", f.name)
            })
            .collect();
        let entity = op.request.as_ref().and_then(|b| b.entity.as_deref());
        let field = match entity.and_then(|entity| s.entity(entity)) {
            Some(e) => {
                parts.push(format!("\"{}\": {{ {} }}", e.snake, body.join(", ")));
                format!("{}.{name}", e.snake)
            }
            None => {
                parts.extend(body);
                name
            }
        };
        tests.push(GrpcOperationTest {
            rpc: client_method(&op.name),
            fields: parts,
            field,
        });
    }
    tests
}

/// An rpc that wants a token, for the test that calls it without one: its client method and
/// the fields of a request that is otherwise valid.
#[derive(Serialize)]
pub(super) struct GrpcAuthTest {
    rpc: String,
    fields: &'static str,
}

pub(super) fn grpc_auth_test(s: &Service) -> Option<GrpcAuthTest> {
    s.auth.as_ref()?;
    let protected = s
        .resources
        .iter()
        .filter(|r| r.grpc && r.read.required)
        .find_map(|r| r.entity.map(|i| (r, &s.entities[i])))?;
    let (r, e) = protected;
    if r.crud.list {
        Some(GrpcAuthTest {
            rpc: client_method(&format!("list_{}", e.plural)),
            fields: "",
        })
    } else if r.crud.get {
        Some(GrpcAuthTest {
            rpc: client_method(&format!("get_{}", e.snake)),
            fields: r#""id": "00000000-0000-4000-8000-000000000001""#,
        })
    } else {
        None
    }
}
