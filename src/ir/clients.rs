//! The clients of the services a service calls (`dependencies:`): for each, the operations it
//! uses, with their request and response types taken from the other service's own IR, and the
//! policy its calls follow.

use std::collections::BTreeMap;

use heck::{ToShoutySnakeCase, ToSnakeCase, ToUpperCamelCase};
use serde::Serialize;

use super::{EnumType, Field, Service};
use crate::spec::{self, BreakerSetting, Dependency, FieldType, Method};

/// How long one attempt may take unless the spec says otherwise.
pub const DEFAULT_TIMEOUT_MS: u64 = 2_000;
/// How many times a call safe to repeat is tried again unless the spec says otherwise.
pub const DEFAULT_RETRIES: u64 = 2;
/// How many calls may be under way at once unless the spec says otherwise.
pub const DEFAULT_CONCURRENCY: u64 = 64;
/// The breaker's thresholds unless the spec says otherwise.
pub const DEFAULT_FAILURE_RATE: u64 = 50;
pub const DEFAULT_WINDOW: u64 = 20;
pub const DEFAULT_OPEN_SECS: u64 = 10;

/// The client of one service this one calls.
#[derive(Debug, Clone, Serialize)]
pub struct Client {
    /// The other service's name: `payment-service`.
    pub service: String,
    /// The module under `clients/` and the field of `Clients`: `payment_service`.
    pub module: String,
    /// The client's type: `PaymentServiceClient`.
    pub type_name: String,
    /// For people: `Payment Service`.
    pub title: String,
    /// The environment variable holding its address: `PAYMENT_SERVICE_URL`.
    pub env: String,
    /// Where it listens when run on this machine: `http://127.0.0.1:8081`.
    pub default_url: String,
    pub timeout_ms: u64,
    pub retries: u64,
    pub concurrency: u64,
    /// `None` when the breaker is off.
    pub breaker: Option<Breaker>,
    pub operations: Vec<ClientOperation>,
    /// Some path parameter is text, which is percent-encoded into the path.
    pub text_params: bool,
    /// The records and inputs its operations send and receive.
    pub records: Vec<ClientType>,
    /// What the generated tests call: an operation whose parameters are ids, if there is one.
    pub test: Option<ClientTest>,
    pub enums: Vec<EnumType>,
    pub uses: ClientUses,
}

/// The call the generated tests make through a client, and the bodies it sends and receives.
#[derive(Debug, Clone, Serialize)]
pub struct ClientTest {
    pub operation: ClientOperation,
    /// The method call: `get_payment(Uuid::now_v7())`, `create_payment(&body, "order-1")`.
    pub call: String,
    /// The request body's fields (required ones), each with a sample, if it takes one.
    pub body: Option<Vec<(String, String)>>,
    /// The answer's fields, each with a sample, if it has one.
    pub answer: Option<Vec<(String, String)>>,
}

#[derive(Debug, Clone, Copy, Serialize)]
pub struct Breaker {
    pub failure_rate: u64,
    pub window: u64,
    pub open_secs: u64,
}

/// One operation of the other service.
#[derive(Debug, Clone, Serialize)]
pub struct ClientOperation {
    /// Its operation id, and the client's method: `get_payment`.
    pub id: String,
    /// The method as a Rust identifier.
    pub ident: String,
    /// `GET`, as `reqwest::Method` names it.
    pub method: &'static str,
    /// The path, base path included, with `{name}` for each parameter.
    pub path: String,
    /// The Rust expression of the path of a call (a `String`), its parameters filled in.
    pub path_expr: String,
    pub params: Vec<ClientParam>,
    /// The request body's type, if it takes one.
    pub request: Option<String>,
    /// The answer's type; `None` for `204 No Content`.
    pub response: Option<String>,
    /// The status of success.
    pub status: u16,
    /// Its name among `StatusCode`'s constants: `CREATED`.
    pub status_name: &'static str,
    /// Whether a failed attempt may be tried again: `GET`, `PUT` and `DELETE`, and `POST`s,
    /// which the other service makes repeatable with an `Idempotency-Key`.
    pub repeatable: bool,
    /// Whether it sends an `Idempotency-Key` (a `POST`).
    pub keyed: bool,
    /// Whether the other service wants a token for it.
    pub authenticated: bool,
    /// A sentence for its documentation.
    pub summary: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientParam {
    pub name: String,
    pub ident: String,
    pub rust_type: String,
}

/// A struct the client sends or receives: a record, an entity's input, an inline body.
#[derive(Debug, Clone, Serialize)]
pub struct ClientType {
    pub name: String,
    pub doc: String,
    pub fields: Vec<ClientField>,
    /// Received (a record, an answer) rather than sent.
    pub received: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClientField {
    /// On the wire.
    pub name: String,
    pub ident: String,
    /// The Rust type, `Option<..>` included.
    pub ty: String,
    /// Sent only when set: optional, or with a default the other service fills in.
    pub skip_none: bool,
    pub description: Option<String>,
    /// A valid value, as written in `json!`, for the generated tests.
    pub sample: String,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ClientUses {
    pub uuid: bool,
    pub date: bool,
    pub datetime: bool,
    pub decimal: bool,
}

/// Why an operation named in `operations:` cannot be called through a client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unusable {
    /// No operation of the other service has that id; the closest one, if any.
    Unknown(Option<String>),
    /// It exists, but generated clients do not call operations of its kind yet.
    Unsupported(&'static str),
}

/// The operation ids the other service has, each with what it is.
fn catalogue(producer: &Service) -> BTreeMap<String, Option<ClientOperation>> {
    let mut all = BTreeMap::new();
    let base = &producer.base_path;
    for r in &producer.resources {
        if let Some(e) = r.entity.map(|i| &producer.entities[i]) {
            let c = r.crud;
            let collection = format!("{base}{}", r.route);
            let item = format!("{collection}/{{id}}");
            if c.list {
                all.insert(format!("list_{}", e.repo_module), None);
            }
            let kinds = [
                (c.create, Crud::Create),
                (c.get, Crud::Get),
                (c.update, Crud::Update),
                (c.delete, Crud::Delete),
            ];
            for (_, kind) in kinds.into_iter().filter(|(served, _)| *served) {
                let path = if kind == Crud::Create {
                    &collection
                } else {
                    &item
                };
                let op = crud_operation(
                    e,
                    kind,
                    path,
                    if kind == Crud::Get { &r.read } else { &r.write },
                );
                all.insert(op.id.clone(), Some(op));
            }
            if c.update {
                all.insert(format!("patch_{}", e.snake), None);
            }
            if r.link_route.is_some() {
                all.insert(format!("link_{}", e.snake), None);
                all.insert(format!("unlink_{}", e.snake), None);
            }
            for nested in &r.nested {
                all.insert(nested.handler.clone(), None);
            }
        }
        for op in &r.operations {
            let summary = op.description.clone().unwrap_or_default();
            all.insert(
                op.name.clone(),
                Some(ClientOperation {
                    id: op.name.clone(),
                    ident: op.ident.clone(),
                    method: op.method.as_str(),
                    path: format!("{base}{}", op.path),
                    path_expr: String::new(),
                    status_name: "",
                    params: op
                        .params
                        .iter()
                        .map(|p| ClientParam {
                            name: p.name.clone(),
                            ident: p.ident.clone(),
                            rust_type: crate::render::view::rust_type(p),
                        })
                        .collect(),
                    request: op.request.as_ref().map(|b| b.type_name.clone()),
                    response: op.response.as_ref().map(|b| b.type_name.clone()),
                    status: op.status,
                    repeatable: op.method != Method::Patch,
                    keyed: op.method == Method::Post,
                    authenticated: op.access.required,
                    summary,
                }),
            );
        }
    }
    all
}

/// The CRUD operations a client calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crud {
    Create,
    Get,
    Update,
    Delete,
}

/// The CRUD operation `kind` of the entity `e`, at `path`, which `access` may call.
fn crud_operation(
    e: &super::Entity,
    kind: Crud,
    path: &str,
    access: &super::Access,
) -> ClientOperation {
    let (verb, method, status, request, response, summary) = match kind {
        Crud::Create => (
            "create",
            "POST",
            201,
            Some(&e.new_type),
            Some(&e.name),
            format!("Creates a {}.", e.human),
        ),
        Crud::Get => (
            "get",
            "GET",
            200,
            None,
            Some(&e.name),
            format!("The {} of this id.", e.human),
        ),
        Crud::Update => (
            "update",
            "PUT",
            200,
            Some(&e.new_type),
            Some(&e.name),
            format!("Replaces the {} of this id.", e.human),
        ),
        Crud::Delete => (
            "delete",
            "DELETE",
            204,
            None,
            None,
            format!("Deletes the {} of this id.", e.human),
        ),
    };
    let id = format!("{verb}_{}", e.snake);
    let params = if kind == Crud::Create {
        Vec::new()
    } else {
        vec![ClientParam {
            name: "id".into(),
            ident: "id".into(),
            rust_type: "Uuid".into(),
        }]
    };
    ClientOperation {
        ident: crate::names::rust_ident(&id),
        id,
        method,
        path: path.to_string(),
        path_expr: String::new(),
        status_name: "",
        params,
        request: request.cloned(),
        response: response.cloned(),
        status,
        repeatable: true,
        keyed: method == "POST",
        authenticated: access.required,
        summary,
    }
}

/// Why `id` is not an operation a client can call; `None` when it is one.
fn unusable(all: &BTreeMap<String, Option<ClientOperation>>, id: &str) -> Option<Unusable> {
    match all.get(id) {
        Some(Some(_)) => None,
        Some(None) => Some(Unusable::Unsupported(kind(id))),
        None => Some(Unusable::Unknown(
            crate::spec::diagnostics::did_you_mean(id, all.keys().map(String::as_str))
                .map(str::to_string),
        )),
    }
}

/// What kind of operation an id names that clients do not call yet.
fn kind(id: &str) -> &'static str {
    if id.starts_with("patch_") {
        "partial changes (`PATCH`)"
    } else if id.starts_with("link_") || id.starts_with("unlink_") {
        "links"
    } else {
        // `list_<entities>` and the lists under a record (`list_refunds_of_payment`).
        "lists"
    }
}

/// The operation ids of `producer`, for messages.
pub fn operation_ids(producer: &Service) -> Vec<String> {
    catalogue(producer).into_keys().collect()
}

/// The client of `producer` as `dependency` uses it, or the operations it names that cannot be
/// called, each with its place in `dependency.operations`.
pub fn client(
    dependency: &Dependency,
    producer: &Service,
) -> Result<Client, Vec<(spec::Span, String, Unusable)>> {
    let all = catalogue(producer);
    let named = dependency
        .operations
        .as_ref()
        .map(|o| o.value.as_slice())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut operations = Vec::new();
    for id in named {
        match unusable(&all, &id.value) {
            Some(why) => problems.push((id.span, id.value.clone(), why)),
            None => {
                let mut op = all[&id.value].clone().expect("usable");
                op.path_expr = path_expr(&op.path, &op.params);
                op.status_name = status_name(op.status);
                operations.push(op);
            }
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (records, enums, uses) = types(producer, &operations);
    let module = producer.name.to_snake_case();
    let number = |v: &Option<spec::Spanned<u64>>, default| v.as_ref().map_or(default, |v| v.value);
    let breaker = match dependency.breaker.as_ref().map(|b| &b.value) {
        Some(BreakerSetting::Off) => None,
        Some(BreakerSetting::On {
            failure_rate,
            window,
            open_secs,
        }) => Some(Breaker {
            failure_rate: number(failure_rate, DEFAULT_FAILURE_RATE),
            window: number(window, DEFAULT_WINDOW),
            open_secs: number(open_secs, DEFAULT_OPEN_SECS),
        }),
        None => Some(Breaker {
            failure_rate: DEFAULT_FAILURE_RATE,
            window: DEFAULT_WINDOW,
            open_secs: DEFAULT_OPEN_SECS,
        }),
    };
    let test = test(&operations, &records);
    Ok(Client {
        test,
        service: producer.name.clone(),
        type_name: format!("{}Client", producer.name.to_upper_camel_case()),
        title: producer.title.clone(),
        env: format!("{}_URL", producer.name.to_shouty_snake_case()),
        default_url: format!("http://127.0.0.1:{}", producer.port),
        module,
        text_params: operations
            .iter()
            .flat_map(|op| &op.params)
            .any(|p| p.rust_type == "String"),
        timeout_ms: number(&dependency.timeout_ms, DEFAULT_TIMEOUT_MS),
        retries: number(&dependency.retries, DEFAULT_RETRIES),
        concurrency: number(&dependency.concurrency, DEFAULT_CONCURRENCY),
        breaker,
        operations,
        records,
        enums,
        uses,
    })
}

/// The samples of the columns every record has, as written in `json!`.
const SAMPLE_ID: &str = "\"0190f1c8-7d2a-7000-8000-000000000001\"";
const SAMPLE_TIME: &str = "\"2024-01-02T03:04:05Z\"";

/// The structs and enums `operations` send and receive, in a stable order.
fn types(
    producer: &Service,
    operations: &[ClientOperation],
) -> (Vec<ClientType>, Vec<EnumType>, ClientUses) {
    let mut records: BTreeMap<String, ClientType> = BTreeMap::new();
    let mut enums: BTreeMap<String, EnumType> = BTreeMap::new();
    let mut uses = ClientUses::default();
    let mut add = |name: &str, received: bool| {
        if records.contains_key(name) {
            return;
        }
        let Some((doc, fields, entity_fields, declared)) = find_type(producer, name) else {
            return;
        };
        for e in declared {
            enums.entry(e.name.clone()).or_insert_with(|| e.clone());
        }
        let mut out = Vec::new();
        if entity_fields && received {
            out.push(plain("id", "Uuid", SAMPLE_ID));
            uses.uuid = true;
        }
        for f in fields {
            if f.readonly && !received {
                continue;
            }
            note(&mut uses, f);
            let rust = crate::render::view::rust_type(f);
            let skip_none = !received && (f.optional || f.default.is_some());
            let ty = if f.optional || skip_none {
                format!("Option<{rust}>")
            } else {
                rust
            };
            out.push(ClientField {
                name: f.name.clone(),
                ident: f.ident.clone(),
                ty,
                skip_none,
                description: f.description.clone(),
                sample: f.samples[0].clone(),
            });
        }
        if entity_fields && received {
            out.push(plain("created_at", "DateTime<Utc>", SAMPLE_TIME));
            out.push(plain("updated_at", "DateTime<Utc>", SAMPLE_TIME));
            uses.datetime = true;
        }
        records.insert(
            name.to_string(),
            ClientType {
                name: name.to_string(),
                doc,
                fields: out,
                received,
            },
        );
    };
    for op in operations {
        if let Some(request) = &op.request {
            add(request, false);
        }
        if let Some(response) = &op.response {
            add(response, true);
        }
    }
    for p in operations.iter().flat_map(|op| &op.params) {
        match p.rust_type.as_str() {
            "Uuid" => uses.uuid = true,
            "NaiveDate" => uses.date = true,
            _ => {}
        }
    }
    (
        records.into_values().collect(),
        enums.into_values().collect(),
        uses,
    )
}

fn plain(name: &str, ty: &str, sample: &str) -> ClientField {
    ClientField {
        name: name.into(),
        ident: name.into(),
        ty: ty.into(),
        skip_none: false,
        description: None,
        sample: sample.into(),
    }
}

fn note(uses: &mut ClientUses, f: &Field) {
    match f.kind {
        FieldType::Uuid | FieldType::Ref => uses.uuid = true,
        FieldType::Date => uses.date = true,
        FieldType::Datetime => uses.datetime = true,
        FieldType::Decimal => uses.decimal = true,
        _ => {}
    }
}

/// The documentation, fields and enums of the type of the other service named `name`, and
/// whether it is an entity's record (whose id and timestamps are added).
fn find_type<'a>(
    producer: &'a Service,
    name: &str,
) -> Option<(String, &'a [Field], bool, &'a [EnumType])> {
    for e in &producer.entities {
        if e.name == name {
            let doc = e
                .description
                .clone()
                .unwrap_or_else(|| format!("A {} of {}.", e.human, producer.name));
            return Some((doc, &e.fields, true, &e.enums));
        }
        if e.new_type == name {
            let doc = format!(
                "What creating or replacing a {} of {} takes.",
                e.human, producer.name
            );
            return Some((doc, &e.fields, false, &e.enums));
        }
    }
    for r in &producer.resources {
        for op in &r.operations {
            for body in [&op.request, &op.response].into_iter().flatten() {
                if body.inline && body.type_name == name {
                    let doc = format!("The body of `{}` of {}.", op.name, producer.name);
                    return Some((doc, &body.fields, false, &body.enums));
                }
            }
        }
    }
    None
}

/// `format!(..)` of `path` with its parameters: inline where clippy wants them inline, text
/// percent-encoded as one segment.
fn path_expr(path: &str, params: &[ClientParam]) -> String {
    if params.is_empty() {
        return format!("{}.into()", crate::names::rust_str(path));
    }
    let mut template = path.to_string();
    let mut args = Vec::new();
    for p in params {
        let placeholder = format!("{{{}}}", p.name);
        let inline = p.rust_type != "String" && !p.ident.starts_with("r#");
        let with = if inline {
            format!("{{{}}}", p.ident)
        } else {
            if p.rust_type == "String" {
                args.push(format!("super::segment(&{})", p.ident));
            } else {
                args.push(p.ident.clone());
            }
            "{}".to_string()
        };
        template = template.replacen(&placeholder, &with, 1);
    }
    let literal = crate::names::rust_str(&template);
    if args.is_empty() {
        format!("format!({literal})")
    } else {
        format!("format!({literal}, {})", args.join(", "))
    }
}

/// The name of a status of success among `StatusCode`'s constants.
fn status_name(status: u16) -> &'static str {
    match status {
        201 => "CREATED",
        202 => "ACCEPTED",
        204 => "NO_CONTENT",
        _ => "OK",
    }
}

/// The call the generated tests make: the first operation whose parameters are all ids, one
/// without a body first.
fn test(operations: &[ClientOperation], records: &[ClientType]) -> Option<ClientTest> {
    let ids_only = |op: &&ClientOperation| op.params.iter().all(|p| p.rust_type == "Uuid");
    let op = operations
        .iter()
        .filter(ids_only)
        .find(|op| op.request.is_none())
        .or_else(|| operations.iter().find(ids_only))?;
    let fields = |name: &str, sent: bool| {
        let t = records.iter().find(|t| t.name == name)?;
        Some(
            t.fields
                .iter()
                .filter(|f| !(sent && f.skip_none))
                .map(|f| (f.name.clone(), f.sample.clone()))
                .collect(),
        )
    };
    let mut args: Vec<String> = op
        .params
        .iter()
        .map(|_| "Uuid::now_v7()".to_string())
        .collect();
    if op.request.is_some() {
        args.push("&body".into());
    }
    if op.keyed {
        args.push("\"order-1\"".into());
    }
    Some(ClientTest {
        call: format!("{}({})", op.ident, args.join(", ")),
        body: op.request.as_deref().and_then(|r| fields(r, true)),
        answer: op.response.as_deref().and_then(|r| fields(r, false)),
        operation: op.clone(),
    })
}
