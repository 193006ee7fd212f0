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
    /// The queries of the lists it calls.
    pub queries: Vec<ClientQuery>,
    /// Some list answers a page by offset (`Page<T>`), or by cursor (`Window<T>`).
    pub pages: bool,
    pub windows: bool,
    /// Some query filters by a set of values, sent comma-separated.
    pub sets: bool,
    /// What the generated tests call: an operation whose parameters are ids, if there is one.
    pub test: Option<ClientTest>,
    /// The list the generated tests call, if it calls one.
    pub list_test: Option<ListTest>,
    pub enums: Vec<EnumType>,
    pub uses: ClientUses,
    /// How its calls are made over gRPC, when the dependency says `transport: grpc`.
    pub grpc: Option<ClientGrpc>,
}

/// The gRPC side of a client: the other service's contract, as that service serves it.
#[derive(Debug, Clone, Serialize)]
pub struct ClientGrpc {
    /// The contract, numbered as the other service last numbered it.
    pub proto: crate::render::proto::Proto,
    /// The rpc of each operation the client calls, in the order of `operations`.
    pub rpcs: Vec<crate::render::proto::Rpc>,
    /// Where this service keeps its copy of the contract: `clients/proto/<its path>`.
    pub file: String,
    /// The other service's gRPC port, by default.
    pub port: u16,
}

/// The folder under a service that holds the contracts of the services it calls over gRPC.
pub const CONTRACTS: &str = "clients/proto";

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

/// The list the generated tests call through a client, and a record of the page it answers.
#[derive(Debug, Clone, Serialize)]
pub struct ListTest {
    pub operation: ClientOperation,
    /// The method call: `list_payments(&query)`.
    pub call: String,
    /// The query's type.
    pub query: String,
    /// A record's fields, each with a sample.
    pub record: Vec<(String, String)>,
    /// Paged by cursor: the page is a `Window`.
    pub window: bool,
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
    /// The path of a call as a Rust string literal: with `{id}` where a parameter goes in when
    /// `formatted`.
    pub path_literal: String,
    /// The arguments of its `format!`, `|`-separated: the literal, then the parameters that
    /// cannot be inlined (text, percent-encoded).
    pub path_args: String,
    /// Whether the path is made by `format!` (it has parameters).
    pub formatted: bool,
    pub params: Vec<ClientParam>,
    /// The request body's type, if it takes one.
    pub request: Option<String>,
    /// The type of its query (a list's filters, order and page), if it takes one.
    pub query: Option<String>,
    /// The answer's type; `None` for `204 No Content`.
    pub response: Option<String>,
    /// The status of success.
    pub status: u16,
    /// Every status of success, as the Rust expression of a slice: `&[StatusCode::CREATED]`.
    pub success: String,
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
    /// Every field is optional (a partial change): the type has a `Default`.
    pub default: bool,
}

/// The query of a list: its filters, order and page, each sent only when set.
#[derive(Debug, Clone, Serialize)]
pub struct ClientQuery {
    pub name: String,
    pub doc: String,
    pub fields: Vec<QueryField>,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueryField {
    /// The parameter's name: `amount[gte]`.
    pub name: String,
    pub ident: String,
    /// The Rust type, `Option<..>` included.
    pub ty: String,
    /// A set of values, sent comma-separated.
    pub set: bool,
    pub doc: String,
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

/// Why an operation named in `operations:` cannot be called through a client: no operation of
/// the other service has that id. The closest one, if any.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown(pub Option<String>);

/// The operation ids the other service has, each with what it is.
fn catalogue(producer: &Service) -> BTreeMap<String, ClientOperation> {
    let mut all = BTreeMap::new();
    let base = &producer.base_path;
    for r in &producer.resources {
        if let Some(e) = r.entity.map(|i| &producer.entities[i]) {
            let c = r.crud;
            let collection = format!("{base}{}", r.route);
            let item = format!("{collection}/{{id}}");
            let link = r.link_route.as_ref().map(|route| format!("{base}{route}"));
            let kinds = [
                (c.list, Crud::List, &collection),
                (c.create, Crud::Create, &collection),
                (c.get, Crud::Get, &item),
                (c.update, Crud::Update, &item),
                (c.update, Crud::Patch, &item),
                (c.delete, Crud::Delete, &item),
            ];
            let links = link
                .iter()
                .flat_map(|link| [(c.create, Crud::Link, link), (c.delete, Crud::Unlink, link)]);
            for (_, kind, path) in kinds.into_iter().chain(links).filter(|k| k.0) {
                let reads = matches!(kind, Crud::List | Crud::Get);
                let access = if reads { &r.read } else { &r.write };
                let op = crud_operation(producer, e, kind, path, access);
                all.insert(op.id.clone(), op);
            }
            for nested in &r.nested {
                let path = format!("{base}{}", nested.route);
                let mut op = crud_operation(producer, e, Crud::List, &path, &r.read);
                op.id = nested.handler.clone();
                op.ident = crate::names::rust_ident(&op.id);
                op.summary = format!(
                    "The {} of the {} of this id, as the list of {} gives them.",
                    e.plural.replace('_', " "),
                    producer.entities[nested.parent].human,
                    e.plural.replace('_', " "),
                );
                op.params.push(uuid_param("id"));
                all.insert(op.id.clone(), op);
            }
        }
        for op in &r.operations {
            let summary = op.description.clone().unwrap_or_default();
            all.insert(
                op.name.clone(),
                ClientOperation {
                    id: op.name.clone(),
                    ident: op.ident.clone(),
                    method: op.method.as_str(),
                    path: format!("{base}{}", op.path),
                    path_literal: String::new(),
                    path_args: String::new(),
                    formatted: false,
                    success: String::new(),
                    query: None,
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
                },
            );
        }
    }
    all
}

/// The CRUD operations a client calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Crud {
    List,
    Create,
    Get,
    Update,
    Patch,
    Delete,
    Link,
    Unlink,
}

fn uuid_param(name: &str) -> ClientParam {
    ClientParam {
        name: name.into(),
        ident: crate::names::rust_ident(name),
        rust_type: "Uuid".into(),
    }
}

/// The CRUD operation `kind` of the entity `e` of `producer`, at `path`, which `access` may
/// call.
fn crud_operation(
    producer: &Service,
    e: &super::Entity,
    kind: Crud,
    path: &str,
    access: &super::Access,
) -> ClientOperation {
    let record = Some(e.name.clone());
    let plural = e.plural.replace('_', " ");
    let (id, method, status, request, response, summary) = match kind {
        Crud::List => {
            let page = if e.cursor { "Window" } else { "Page" };
            (
                format!("list_{}", e.repo_module),
                "GET",
                200,
                None,
                Some(format!("{page}<{}>", e.name)),
                format!("A page of the {plural}, in the order and with the filters of `query`."),
            )
        }
        Crud::Create => (
            format!("create_{}", e.snake),
            "POST",
            201,
            Some(e.new_type.clone()),
            record,
            format!("Creates a {}.", e.human),
        ),
        Crud::Get => (
            format!("get_{}", e.snake),
            "GET",
            200,
            None,
            record,
            format!("The {} of this id.", e.human),
        ),
        Crud::Update => (
            format!("update_{}", e.snake),
            "PUT",
            200,
            Some(e.new_type.clone()),
            record,
            format!("Replaces the {} of this id.", e.human),
        ),
        Crud::Patch => (
            format!("patch_{}", e.snake),
            "PATCH",
            200,
            Some(e.patch_type.clone()),
            record,
            format!(
                "Changes the fields of the {} of this id that `body` sets, and keeps the others.",
                e.human
            ),
        ),
        Crud::Delete => (
            format!("delete_{}", e.snake),
            "DELETE",
            204,
            None,
            None,
            format!("Deletes the {} of this id.", e.human),
        ),
        Crud::Link | Crud::Unlink => {
            let link = e
                .link
                .as_ref()
                .expect("a link route links an entity's records");
            let owner = &producer.entities[link.owner.entity].human;
            let target = &producer.entities[link.target.entity].human;
            if kind == Crud::Link {
                (
                    format!("link_{}", e.snake),
                    "PUT",
                    201,
                    None,
                    record,
                    format!(
                        "Links the {owner} and the {target} with a new {}, or answers the one \
                         that links them already.",
                        e.human
                    ),
                )
            } else {
                (
                    format!("unlink_{}", e.snake),
                    "DELETE",
                    204,
                    None,
                    None,
                    format!(
                        "Deletes the {} that links the {owner} and the {target}.",
                        e.human
                    ),
                )
            }
        }
    };
    let params = match kind {
        Crud::List | Crud::Create => Vec::new(),
        Crud::Link | Crud::Unlink => {
            let link = e
                .link
                .as_ref()
                .expect("a link route links an entity's records");
            vec![
                ClientParam {
                    name: "id".into(),
                    ident: link.owner.ident.clone(),
                    rust_type: "Uuid".into(),
                },
                ClientParam {
                    name: link.target.column.clone(),
                    ident: link.target.ident.clone(),
                    rust_type: "Uuid".into(),
                },
            ]
        }
        _ => vec![uuid_param("id")],
    };
    // A link answers 201 when it links, 200 when the two were linked already.
    let success = match kind {
        Crud::Link => "&[StatusCode::CREATED, StatusCode::OK]".to_string(),
        _ => String::new(),
    };
    ClientOperation {
        ident: crate::names::rust_ident(&id),
        id,
        method,
        path: path.to_string(),
        path_literal: String::new(),
        path_args: String::new(),
        formatted: false,
        success,
        params,
        request,
        query: (kind == Crud::List).then(|| format!("{}Query", e.name)),
        response,
        status,
        // A partial change is not repeated: another change may have come between the two.
        repeatable: kind != Crud::Patch,
        keyed: method == "POST",
        authenticated: access.required,
        summary,
    }
}

/// The environment variable that holds the address of `service` for its callers:
/// `PAYMENT_SERVICE_URL`.
pub fn url_variable(service: &str) -> String {
    format!("{}_URL", service.to_shouty_snake_case())
}

/// The operation ids of `producer`, for messages.
pub fn operation_ids(producer: &Service) -> Vec<String> {
    catalogue(producer).into_keys().collect()
}

/// `client`, calling over gRPC through `proto`, the contract `producer` serves; the operations
/// it calls that the contract has no rpc for, each with its place in `dependency.operations`.
pub fn over_grpc(
    mut client: Client,
    dependency: &Dependency,
    producer: &Service,
    proto: crate::render::proto::Proto,
) -> Result<Client, Vec<(spec::Span, String)>> {
    let named = dependency
        .operations
        .as_ref()
        .map(|o| o.value.as_slice())
        .unwrap_or_default();
    let mut rpcs = Vec::new();
    let mut missing = Vec::new();
    for id in named {
        match proto.rpcs.iter().find(|rpc| rpc.operation == id.value) {
            Some(rpc) => rpcs.push(rpc.clone()),
            None => missing.push((id.span, id.value.clone())),
        }
    }
    if !missing.is_empty() {
        return Err(missing);
    }
    let port = producer
        .grpc
        .as_ref()
        .map_or(producer.port, |grpc| grpc.port);
    client.default_url = format!("http://127.0.0.1:{port}");
    client.grpc = Some(ClientGrpc {
        port,
        file: format!("{CONTRACTS}/{}", proto.path.trim_start_matches("proto/")),
        rpcs,
        proto,
    });
    Ok(client)
}

/// The client of `producer` as `dependency` uses it, or the operations it names that the other
/// service does not have, each with its place in `dependency.operations`.
pub fn client(
    dependency: &Dependency,
    producer: &Service,
) -> Result<Client, Vec<(spec::Span, String, Unknown)>> {
    let all = catalogue(producer);
    let named = dependency
        .operations
        .as_ref()
        .map(|o| o.value.as_slice())
        .unwrap_or_default();
    let mut problems = Vec::new();
    let mut operations = Vec::new();
    for id in named {
        let Some(op) = all.get(&id.value) else {
            let closest =
                crate::spec::diagnostics::did_you_mean(&id.value, all.keys().map(String::as_str));
            let why = Unknown(closest.map(str::to_string));
            problems.push((id.span, id.value.clone(), why));
            continue;
        };
        let mut op = op.clone();
        (op.path_literal, op.path_args) = path_format(&op.path, &op.params);
        op.formatted = !op.params.is_empty();
        if op.success.is_empty() {
            op.success = format!("&[StatusCode::{}]", status_name(op.status));
        }
        operations.push(op);
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (records, enums, mut uses) = types(producer, &operations);
    let queries = queries(producer, &operations, &mut uses);
    let answers = |page: &str| {
        let page = format!("{page}<");
        operations
            .iter()
            .any(|op| op.response.as_ref().is_some_and(|r| r.starts_with(&page)))
    };
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
    let list_test = list_test(&operations, &records);
    Ok(Client {
        test,
        list_test,
        service: producer.name.clone(),
        type_name: format!("{}Client", producer.name.to_upper_camel_case()),
        title: producer.title.clone(),
        env: url_variable(&producer.name),
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
        pages: answers("Page"),
        windows: answers("Window"),
        sets: queries.iter().flat_map(|q| &q.fields).any(|f| f.set),
        operations,
        records,
        queries,
        enums,
        uses,
        grpc: None,
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
        let Some((doc, fields, shape, declared)) = find_type(producer, name) else {
            return;
        };
        let entity_fields = shape == Shape::Record;
        let patch = shape == Shape::Patch;
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
            let skip_none = patch || (!received && (f.optional || f.default.is_some()));
            let ty = if patch && f.optional {
                // Unset, or set to a value or to null.
                format!("Option<Option<{rust}>>")
            } else if f.optional || skip_none {
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
                default: patch,
            },
        );
    };
    for op in operations {
        if let Some(request) = &op.request {
            add(request, false);
        }
        if let Some(response) = &op.response {
            // A list's page of records: the records.
            let record = ["Page<", "Window<"]
                .iter()
                .find_map(|page| response.strip_prefix(page)?.strip_suffix('>'));
            add(record.unwrap_or(response), true);
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

/// What a type of the other service is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shape {
    /// An entity's record, whose id and timestamps are added.
    Record,
    /// What creating or replacing a record takes, or an operation's own body.
    Input,
    /// A partial change of a record: each field optional.
    Patch,
}

/// The documentation, fields and enums of the type of the other service named `name`, and
/// what it is.
fn find_type<'a>(
    producer: &'a Service,
    name: &str,
) -> Option<(String, &'a [Field], Shape, &'a [EnumType])> {
    for e in &producer.entities {
        let (doc, shape) = if e.name == name {
            let doc = e
                .description
                .clone()
                .unwrap_or_else(|| format!("A {} of {}.", e.human, producer.name));
            (doc, Shape::Record)
        } else if e.new_type == name {
            let doc = format!(
                "What creating or replacing a {} of {} takes.",
                e.human, producer.name
            );
            (doc, Shape::Input)
        } else if e.patch_type == name {
            let doc = format!(
                "A change of some fields of a {} of {}: those set (`Some`) are changed, \
                 a nullable one to null with `Some(None)`; the others are kept.",
                e.human, producer.name
            );
            (doc, Shape::Patch)
        } else {
            continue;
        };
        return Some((doc, &e.fields, shape, &e.enums));
    }
    for r in &producer.resources {
        for op in &r.operations {
            for body in [&op.request, &op.response].into_iter().flatten() {
                if body.inline && body.type_name == name {
                    let doc = format!("The body of `{}` of {}.", op.name, producer.name);
                    return Some((doc, &body.fields, Shape::Input, &body.enums));
                }
            }
        }
    }
    None
}

/// The queries of the lists among `operations`: for each entity listed, its filters, order
/// and page, as its list takes them.
fn queries(
    producer: &Service,
    operations: &[ClientOperation],
    uses: &mut ClientUses,
) -> Vec<ClientQuery> {
    let mut queries: BTreeMap<String, ClientQuery> = BTreeMap::new();
    for name in operations.iter().filter_map(|op| op.query.as_ref()) {
        let Some(e) = producer
            .entities
            .iter()
            .find(|e| &format!("{}Query", e.name) == name)
        else {
            continue;
        };
        if queries.contains_key(name) {
            continue;
        }
        let records = e.plural.replace('_', " ");
        let mut fields = vec![query_field(
            "limit",
            "u32",
            "How many records at most (20 unless set; 1 to 100).",
        )];
        if e.cursor {
            let doc = "Where the page starts: the `next` of the page before it.";
            fields.push(query_field("cursor", "String", doc));
        } else {
            fields.push(query_field("offset", "u64", "How many records to skip."));
        }
        let doc = format!(
            "The order: columns, comma-separated, each after `-` for descending order \
             (`{}` unless set).",
            e.default_sort
        );
        fields.push(query_field("sort", "String", &doc));
        for f in e.filter_fields() {
            note(uses, f);
            let doc = format!("Only {records} whose `{}` equals this.", f.name);
            let rust = crate::render::view::rust_type(f);
            fields.push(query_field(&f.name, &rust, &doc));
        }
        for column in &e.ranges {
            let rust = match e.field(column) {
                Some(f) => {
                    note(uses, f);
                    crate::render::view::rust_type(f)
                }
                None => {
                    uses.datetime = true;
                    "DateTime<Utc>".to_string()
                }
            };
            for (bound, words) in super::RANGE_BOUNDS {
                let doc = format!("Only {records} whose `{column}` is {words} this.");
                let mut field = query_field(&format!("{column}[{bound}]"), &rust, &doc);
                field.ident = crate::names::rust_ident(&format!("{column}_{bound}"));
                fields.push(field);
            }
        }
        for f in e.set_fields() {
            note(uses, f);
            let doc = format!("Only {records} whose `{}` is one of these.", f.name);
            let rust = format!("Vec<{}>", crate::render::view::rust_type(f));
            let mut field = query_field(&format!("{}[in]", f.name), &rust, &doc);
            field.ident = crate::names::rust_ident(&format!("{}_in", f.name));
            field.set = true;
            fields.push(field);
        }
        for f in e.search_fields() {
            for key in f.search.map_or(&[][..], spec::Search::filters) {
                let words = if *key == "prefix" {
                    "begins with"
                } else {
                    "holds"
                };
                let doc = format!("Only {records} whose `{}` {words} this text.", f.name);
                let mut field = query_field(&format!("{}[{key}]", f.name), "String", &doc);
                field.ident = crate::names::rust_ident(&format!("{}_{key}", f.name));
                fields.push(field);
            }
        }
        // A parameter whose Rust name another already has keeps its own with a `_`.
        let mut seen = std::collections::BTreeSet::new();
        for field in &mut fields {
            while !seen.insert(field.ident.clone()) {
                field.ident.push('_');
            }
        }
        queries.insert(
            name.clone(),
            ClientQuery {
                name: name.clone(),
                doc: format!(
                    "What a list of the {records} of {} asks for: each field only when set.",
                    producer.name
                ),
                fields,
            },
        );
    }
    queries.into_values().collect()
}

fn query_field(name: &str, rust: &str, doc: &str) -> QueryField {
    QueryField {
        name: name.into(),
        ident: crate::names::rust_ident(name),
        ty: format!("Option<{rust}>"),
        set: false,
        doc: doc.into(),
    }
}

/// The literal of `path` with its parameters, and the arguments of the `format!` that makes it
/// (the literal first): parameters inline where clippy wants them inline, text percent-encoded
/// as one segment.
fn path_format(path: &str, params: &[ClientParam]) -> (String, String) {
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
    let mut all = vec![literal.clone()];
    all.extend(args);
    (literal, all.join("|"))
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
    let ids_only = |op: &&ClientOperation| {
        op.query.is_none() && op.params.iter().all(|p| p.rust_type == "Uuid")
    };
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

/// The list the generated tests call: the first one.
fn list_test(operations: &[ClientOperation], records: &[ClientType]) -> Option<ListTest> {
    let op = operations.iter().find(|op| op.query.is_some())?;
    let response = op.response.as_deref()?;
    let window = response.starts_with("Window<");
    let name = response
        .trim_start_matches("Window<")
        .trim_start_matches("Page<")
        .trim_end_matches('>');
    let record = records.iter().find(|t| t.name == name)?;
    let mut args: Vec<String> = op.params.iter().map(|_| "Uuid::now_v7()".into()).collect();
    args.push("&query".into());
    Some(ListTest {
        call: format!("{}({})", op.ident, args.join(", ")),
        query: op.query.clone()?,
        record: record
            .fields
            .iter()
            .map(|f| (f.name.clone(), f.sample.clone()))
            .collect(),
        window,
        operation: op.clone(),
    })
}
