//! The service's gRPC contract: `proto/<crate>/v1/<crate>.proto`, written from the same model as
//! `openapi.yaml`, with one rpc per operation served over gRPC.
//!
//! The model ([`Proto`]) is also what the templates of the gRPC server read, so that the
//! contract and the code that serves it cannot disagree on a name. Field and enum value
//! numbers come from [`Numbers`], recorded in `.msgen/` so that they stay what they were
//! across regenerations: a new field takes the next free number, a removed one leaves its
//! number and name reserved.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::ir::{BodyType, Entity, Field, Service, RANGE_BOUNDS};
use crate::names::pascal;
use crate::spec::FieldType;

/// The version of buf a service's CI lints and checks its contract with: the one msgen's own
/// tests run (`tools/buf/package.json`).
pub const BUF_VERSION: &str = "1.75.0";

/// buf's configuration: the contracts under `proto/`, linted with buf's standard rules and
/// checked for changes that break clients wire- or source-compatibly (`buf breaking`).
pub const BUF_YAML: &str = "version: v2
modules:
  - path: proto
lint:
  use:
    - STANDARD
breaking:
  use:
    - FILE
";
/// The numbers of every message's fields and every enum's values, by the message or enum's
/// name: as recorded after one generation, and so as the next one must keep them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Numbers(pub BTreeMap<String, Numbered>);

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Numbered {
    /// The number of each field (or enum value), by name.
    pub fields: BTreeMap<String, u32>,
    /// Numbers of fields removed since: never given again.
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub reserved: BTreeSet<u32>,
    /// Names of fields removed since, unless one came back (under a new number).
    #[serde(default, skip_serializing_if = "BTreeSet::is_empty")]
    pub reserved_names: BTreeSet<String>,
}

impl Numbered {
    /// Numbers `names` (in order), keeping every number `previous` gave, and reserves the
    /// numbers of the names it had that are gone. Numbers start at 1 (an enum's 0 is
    /// `..._UNSPECIFIED`).
    fn assign(previous: Option<&Numbered>, names: &[&str]) -> Numbered {
        let mut next = Numbered {
            reserved: previous.map(|p| p.reserved.clone()).unwrap_or_default(),
            reserved_names: previous
                .map(|p| p.reserved_names.clone())
                .unwrap_or_default(),
            ..Numbered::default()
        };
        if let Some(previous) = previous {
            for (name, &number) in &previous.fields {
                if names.contains(&name.as_str()) {
                    next.fields.insert(name.clone(), number);
                } else {
                    next.reserved.insert(number);
                    next.reserved_names.insert(name.clone());
                }
            }
        }
        let used = |n: &Numbered| {
            let taken = n.fields.values().chain(&n.reserved).copied();
            taken.max().map_or(1, |max| max + 1)
        };
        for &name in names {
            if !next.fields.contains_key(name) {
                let number = used(&next);
                next.fields.insert(name.to_owned(), number);
                next.reserved_names.remove(name);
            }
        }
        next
    }
}

/// The contract of a service's gRPC API.
#[derive(Debug, Clone, Serialize)]
pub struct Proto {
    /// `payment_service.v1`.
    pub package: String,
    /// The file under the service's root: `proto/payment_service/v1/payment_service.proto`.
    pub path: String,
    /// `PaymentService`.
    pub service: String,
    pub description: String,
    pub rpcs: Vec<Rpc>,
    pub messages: Vec<Message>,
    pub enums: Vec<Enum>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rpc {
    /// `CapturePayment`.
    pub name: String,
    /// The service method it calls, and the operation id of the same operation over HTTP:
    /// `capture_payment`.
    pub operation: String,
    pub request: String,
    pub response: String,
    pub description: String,
    /// The HTTP operation the rpc runs: its method (`POST`) and path with the base path, in
    /// axum's syntax (`/api/v1/payments/{id}/capture`), each `{name}` a field of the request.
    pub method: &'static str,
    pub path: String,
    /// Where the operation's JSON body comes from: the message in this field of the request,
    /// or with `""` the request's own fields but the path's. Without a body, the request's
    /// fields are the query.
    pub body: Option<String>,
    /// Whether the body holds only the fields `update_mask` names.
    pub masked: bool,
    /// The response's field that holds the answer's body (with the `ETag` in `version`);
    /// otherwise the body's fields are the response's.
    pub record: Option<String>,
    /// The response's field that holds a page's records (`items`).
    pub items: Option<String>,
    /// The entity of a resource's rpc; none for a custom operation's.
    pub entity: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Message {
    pub name: String,
    /// The entity whose record, input or filter the message is; none for an rpc's own.
    pub entity: Option<String>,
    pub description: Option<String>,
    pub fields: Vec<ProtoField>,
    pub reserved: Vec<u32>,
    pub reserved_names: Vec<String>,
    /// For a list's filter message, the query parameter of each field whose name differs:
    /// `created_at_gt` is `created_at[gt]`.
    pub queries: Vec<(String, String)>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProtoField {
    pub name: String,
    /// As written in the file: `string`, `google.protobuf.Timestamp`, `PaymentStatus`.
    pub ty: String,
    /// `optional`, `repeated` or nothing.
    pub label: &'static str,
    pub number: u32,
    pub description: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Enum {
    pub name: String,
    /// `PAYMENT_STATUS_`: the prefix of every value's name.
    pub prefix: String,
    /// The values as the spec writes them (`pending`) and their numbers; 0 is unspecified.
    pub values: Vec<(String, u32)>,
    pub reserved: Vec<u32>,
    pub reserved_names: Vec<String>,
}

/// The HTTP operation of an rpc, as [`Rpc`] records it.
struct Http {
    method: &'static str,
    path: String,
    body: Option<String>,
    masked: bool,
    record: Option<String>,
    items: Option<String>,
}

/// A message or enum being written, before it is numbered.
struct Draft {
    name: String,
    entity: Option<String>,
    description: Option<String>,
    fields: Vec<DraftField>,
    queries: Vec<(String, String)>,
}

struct DraftField {
    name: String,
    ty: String,
    label: &'static str,
    description: Option<String>,
}

impl DraftField {
    fn new(name: &str, ty: &str, label: &'static str) -> Self {
        Self {
            name: name.to_owned(),
            ty: ty.to_owned(),
            label,
            description: None,
        }
    }

    fn described(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }
}

/// The proto type of a field of `kind`, and the label an optional one takes.
fn proto_type(field: &Field) -> (String, &'static str) {
    let ty = match field.kind {
        FieldType::String | FieldType::Text => "string",
        FieldType::Int => "int32",
        FieldType::Bigint => "int64",
        FieldType::Float => "double",
        FieldType::Bool => "bool",
        FieldType::Decimal | FieldType::Uuid | FieldType::Ref | FieldType::Date => "string",
        FieldType::Datetime => "google.protobuf.Timestamp",
        FieldType::Json => "google.protobuf.Value",
        FieldType::Enum => {
            let name = field
                .enum_type
                .as_deref()
                .expect("enum fields name their type");
            return (name.to_owned(), label(field));
        }
    };
    (ty.to_owned(), label(field))
}

/// Messages have presence of their own; an optional scalar is written `optional`.
fn label(field: &Field) -> &'static str {
    let message = matches!(field.kind, FieldType::Datetime | FieldType::Json);
    if field.optional && !message {
        "optional"
    } else {
        ""
    }
}

/// What a field's value is written as, where its type alone does not say.
fn format_note(field: &Field) -> Option<&'static str> {
    match field.kind {
        FieldType::Decimal => Some("A decimal number written as a string: \"12.50\"."),
        FieldType::Uuid | FieldType::Ref => Some("A UUID."),
        FieldType::Date => Some("A date: YYYY-MM-DD."),
        _ => None,
    }
}

fn field_draft(field: &Field) -> DraftField {
    let (ty, label) = proto_type(field);
    let description = match (&field.description, format_note(field)) {
        (Some(d), Some(note)) => Some(format!("{} {note}", d.trim())),
        (Some(d), None) => Some(d.trim().to_owned()),
        (None, note) => note.map(str::to_owned),
    };
    DraftField {
        name: field.name.clone(),
        ty,
        label,
        description,
    }
}

/// The fields of a record the clients write: those that are not readonly.
fn written(entity: &Entity) -> impl Iterator<Item = &Field> {
    entity.fields.iter().filter(|f| !f.readonly)
}

const TIMESTAMP: &str = "google.protobuf.Timestamp";

// What the contract says of the fields every record, change and list has.
const VERSION: &str = "The record's version, incremented by every change (HTTP's `ETag`); give it \
                       as `expected_version` to change only this version.";
const EXPECTED: &str = "The version the record must be at (its `version`), as HTTP's \
                        `If-Match`; without it, any.";
const CLEARED: &str = "a nullable one named but not set is cleared.";
const FILTER: &str = "The filters of a list: each one given must match. A range, set or text \
                      filter does not match a null.";
const SORT: &str = "Columns, comma-separated, each after `-` for descending order: \
                    `-created_at`; empty for the default order.";

/// The gRPC contract of `service`, numbered after `previous`, and the numbers to record; `None`
/// when the service serves no gRPC.
pub fn model(service: &Service, previous: Option<&Numbers>) -> Option<(Proto, Numbers)> {
    let grpc = service.grpc.as_ref()?;
    let mut drafts: Vec<Draft> = Vec::new();
    let mut rpcs = Vec::new();
    let mut records: BTreeSet<usize> = BTreeSet::new();
    let mut inputs: BTreeSet<usize> = BTreeSet::new();
    let mut inline_enums = Vec::new();
    let message = |name: String, fields: Vec<DraftField>| Draft {
        name,
        entity: None,
        description: None,
        fields,
        queries: Vec::new(),
    };

    let base = &service.base_path;
    for resource in &service.resources {
        if let Some(index) = resource.entity.filter(|_| resource.grpc) {
            let e = &service.entities[index];
            let crud = resource.crud;
            let collection = format!("{base}{}", resource.route);
            let item = format!("{collection}/{{id}}");
            let id = || DraftField::new("id", "string", "").described("The record's id (a UUID).");
            let expected =
                || DraftField::new("expected_version", "int64", "optional").described(EXPECTED);
            let version = || DraftField::new("version", "int64", "").described(VERSION);
            let input = || DraftField::new(&e.snake, &e.new_type, "");
            let mut rpc = |operation: String,
                           description: String,
                           request: Vec<DraftField>,
                           response: Vec<DraftField>,
                           http: Http| {
                let name = pascal(&operation);
                drafts.push(message(format!("{name}Request"), request));
                drafts.push(message(format!("{name}Response"), response));
                rpcs.push(Rpc {
                    request: format!("{name}Request"),
                    response: format!("{name}Response"),
                    name,
                    operation,
                    description,
                    method: http.method,
                    path: http.path,
                    body: http.body,
                    masked: http.masked,
                    record: http.record,
                    items: http.items,
                    entity: Some(e.name.clone()),
                });
            };
            let one = |method, path: &str, body: bool| Http {
                method,
                path: path.to_owned(),
                body: body.then(|| e.snake.clone()),
                masked: false,
                record: Some(e.snake.clone()),
                items: None,
            };
            let list = |path: String| Http {
                method: "GET",
                path,
                body: None,
                masked: false,
                record: None,
                items: Some(e.plural.clone()),
            };
            if crud.any() {
                records.insert(index);
            }
            if crud.list {
                let (request, response) = list_messages(e, None);
                rpc(
                    format!("list_{}", e.plural),
                    format!("Lists {}.", e.plural.replace('_', " ")),
                    request,
                    response,
                    list(collection.clone()),
                );
                for nested in &resource.nested {
                    let parent = &service.entities[nested.parent];
                    let (request, response) = list_messages(e, Some(&parent.human));
                    rpc(
                        nested.handler.clone(),
                        format!(
                            "Lists the {} of a {}.",
                            e.plural.replace('_', " "),
                            parent.human
                        ),
                        request,
                        response,
                        list(format!("{base}{}", nested.route)),
                    );
                }
            }
            if crud.get {
                rpc(
                    format!("get_{}", e.snake),
                    format!("Gets a {}.", e.human),
                    vec![id()],
                    vec![record_field(e), version()],
                    one("GET", &item, false),
                );
            }
            if crud.create {
                inputs.insert(index);
                rpc(
                    format!("create_{}", e.snake),
                    format!("Creates a {}.", e.human),
                    vec![input()],
                    vec![record_field(e), version()],
                    one("POST", &collection, true),
                );
            }
            if crud.update {
                inputs.insert(index);
                rpc(
                    format!("update_{}", e.snake),
                    format!(
                        "Replaces a {}: every field it is given, as creating takes them.",
                        e.human
                    ),
                    vec![id(), input(), expected()],
                    vec![record_field(e), version()],
                    one("PUT", &item, true),
                );
                let mask = DraftField::new("update_mask", "google.protobuf.FieldMask", "")
                    .described("The fields to change, by name.");
                rpc(
                    format!("patch_{}", e.snake),
                    format!(
                        "Changes the fields of a {} that `update_mask` names; {CLEARED}",
                        e.human
                    ),
                    vec![id(), input(), mask, expected()],
                    vec![record_field(e), version()],
                    Http {
                        masked: true,
                        ..one("PATCH", &item, true)
                    },
                );
            }
            if crud.delete {
                rpc(
                    format!("delete_{}", e.snake),
                    format!("Deletes a {}.", e.human),
                    vec![id(), expected()],
                    Vec::new(),
                    Http {
                        record: None,
                        ..one("DELETE", &item, false)
                    },
                );
            }
        }
        for op in resource.operations.iter().filter(|op| op.grpc) {
            let name = pascal(&op.name);
            let mut request: Vec<DraftField> = op.params.iter().map(field_draft).collect();
            let mut body = None;
            if let Some(input) = &op.request {
                let fields = body_fields(
                    service,
                    input,
                    true,
                    &mut inputs,
                    &mut records,
                    &mut inline_enums,
                );
                body = Some(match &input.entity {
                    Some(_) => fields[0].name.clone(),
                    None => String::new(),
                });
                request.extend(fields);
            }
            let mut record = None;
            let response = match &op.response {
                Some(output) => {
                    let fields = body_fields(
                        service,
                        output,
                        false,
                        &mut inputs,
                        &mut records,
                        &mut inline_enums,
                    );
                    if output.entity.is_some() {
                        record = Some(fields[0].name.clone());
                    }
                    fields
                }
                None => Vec::new(),
            };
            drafts.push(message(format!("{name}Request"), request));
            drafts.push(message(format!("{name}Response"), response));
            rpcs.push(Rpc {
                request: format!("{name}Request"),
                response: format!("{name}Response"),
                name,
                operation: op.name.clone(),
                description: op.description.clone().map_or_else(
                    || format!("`{} {}`", op.method.as_str(), op.path),
                    |d| d.trim().to_owned(),
                ),
                method: op.method.as_str(),
                path: format!("{base}{}", op.path),
                body,
                masked: false,
                record,
                items: None,
                entity: None,
            });
        }
    }

    // The records, their inputs and their filters, in the order of the spec.
    let mut enums: Vec<&crate::ir::EnumType> = Vec::new();
    for (index, e) in service.entities.iter().enumerate() {
        if records.contains(&index) {
            let mut fields = vec![DraftField::new("id", "string", "").described("A UUID.")];
            fields.extend(e.fields.iter().map(field_draft));
            fields.push(DraftField::new("created_at", TIMESTAMP, ""));
            fields.push(DraftField::new("updated_at", TIMESTAMP, ""));
            drafts.push(Draft {
                name: e.name.clone(),
                entity: Some(e.name.clone()),
                description: e.description.clone(),
                fields,
                queries: Vec::new(),
            });
            enums.extend(&e.enums);
        }
        if inputs.contains(&index) {
            let fields = written(e).map(field_draft).collect();
            drafts.push(Draft {
                name: e.new_type.clone(),
                entity: Some(e.name.clone()),
                description: Some(format!(
                    "What creating a {} takes; updating takes the same, whole.",
                    e.human
                )),
                fields,
                queries: Vec::new(),
            });
            if !records.contains(&index) {
                enums.extend(&e.enums);
            }
        }
        let listed = service
            .resources
            .iter()
            .any(|r| r.grpc && r.entity == Some(index) && r.crud.list);
        if listed && e.filtered {
            let (fields, queries) = filter_fields(e);
            drafts.push(Draft {
                name: e.filter_type.clone(),
                entity: Some(e.name.clone()),
                description: Some(FILTER.to_owned()),
                fields,
                queries,
            });
        }
    }
    enums.extend(inline_enums.iter());

    let previous = previous.map(|n| &n.0);
    let mut numbers = Numbers::default();
    let messages = drafts
        .into_iter()
        .map(|draft| {
            let names: Vec<&str> = draft.fields.iter().map(|f| f.name.as_str()).collect();
            let numbered = Numbered::assign(previous.and_then(|p| p.get(&draft.name)), &names);
            let message = Message {
                fields: draft
                    .fields
                    .into_iter()
                    .map(|f| ProtoField {
                        number: numbered.fields[&f.name],
                        name: f.name,
                        ty: f.ty,
                        label: f.label,
                        description: f.description,
                    })
                    .collect(),
                reserved: numbered.reserved.iter().copied().collect(),
                reserved_names: numbered.reserved_names.iter().cloned().collect(),
                name: draft.name.clone(),
                entity: draft.entity,
                description: draft.description,
                queries: draft.queries,
            };
            numbers.0.insert(draft.name, numbered);
            message
        })
        .collect();
    let mut seen = BTreeSet::new();
    let enums = enums
        .into_iter()
        .filter(|e| seen.insert(e.name.clone()))
        .map(|e| {
            let names: Vec<&str> = e.variants.iter().map(|v| v.value.as_str()).collect();
            let numbered = Numbered::assign(previous.and_then(|p| p.get(&e.name)), &names);
            let prefix = format!("{}_", crate::names::snake(&e.name).to_uppercase());
            let result = Enum {
                values: names
                    .iter()
                    .map(|&v| (v.to_owned(), numbered.fields[v]))
                    .collect(),
                reserved: numbered.reserved.iter().copied().collect(),
                reserved_names: numbered
                    .reserved_names
                    .iter()
                    .map(|n| enum_value(&prefix, n))
                    .collect(),
                name: e.name.clone(),
                prefix,
            };
            numbers.0.insert(e.name.clone(), numbered);
            result
        })
        .collect();

    let proto = Proto {
        package: grpc.package.clone(),
        path: grpc.path.clone(),
        service: grpc.service.clone(),
        description: service.description.clone(),
        rpcs,
        messages,
        enums,
    };
    Some((proto, numbers))
}

/// The name of an enum value in the contract: `PAYMENT_STATUS_PENDING` for `pending`.
pub fn enum_value(prefix: &str, value: &str) -> String {
    let mut name = String::from(prefix);
    let mut last_underscore = prefix.ends_with('_');
    for c in value.chars() {
        if c.is_ascii_alphanumeric() {
            name.push(c.to_ascii_uppercase());
            last_underscore = false;
        } else if !last_underscore {
            name.push('_');
            last_underscore = true;
        }
    }
    name.trim_end_matches('_').to_owned()
}

fn record_field(e: &Entity) -> DraftField {
    DraftField::new(&e.snake, &e.name, "")
}

/// The request and response of a list of `e`'s records, of those under one record of
/// `parent` when given.
fn list_messages(e: &Entity, parent: Option<&str>) -> (Vec<DraftField>, Vec<DraftField>) {
    let mut request = Vec::new();
    if let Some(parent) = parent {
        request.push(
            DraftField::new("id", "string", "").described(format!("The {parent}'s id (a UUID).")),
        );
    }
    if e.filtered {
        request.push(DraftField::new("filter", &e.filter_type, ""));
    }
    request.push(DraftField::new("sort", "string", "").described(SORT));
    request.push(
        DraftField::new("limit", "uint32", "optional").described("How many records at most."),
    );
    let mut response = vec![DraftField::new(&e.plural, &e.name, "repeated")];
    if e.cursor {
        request.push(DraftField::new("cursor", "string", "").described(
            "Where the page starts: the `next` of the page before it; empty for the first page.",
        ));
        response.push(DraftField::new("limit", "int64", ""));
        response.push(
            DraftField::new("next", "string", "")
                .described("The cursor of the next page; empty on the last page."),
        );
    } else {
        request.push(
            DraftField::new("offset", "uint32", "optional").described("How many records to skip."),
        );
        response.push(
            DraftField::new("total", "int64", "")
                .described("How many records match, on every page."),
        );
        response.push(DraftField::new("limit", "int64", ""));
        response.push(DraftField::new("offset", "int64", ""));
    }
    (request, response)
}

/// The fields of `e`'s filter message, as its list's query names them with `[` `]` made `_`,
/// and the query parameter of each whose name so differs.
fn filter_fields(e: &Entity) -> (Vec<DraftField>, Vec<(String, String)>) {
    let mut fields: Vec<DraftField> = Vec::new();
    let mut queries = Vec::new();
    for field in e.filter_fields() {
        let (ty, _) = proto_type(field);
        let scalar = !matches!(field.kind, FieldType::Datetime | FieldType::Json);
        fields.push(DraftField::new(
            &field.name,
            &ty,
            if scalar { "optional" } else { "" },
        ));
    }
    for column in &e.ranges {
        let (ty, scalar) = match e.field(column) {
            Some(field) => (proto_type(field).0, field.kind != FieldType::Datetime),
            None => (TIMESTAMP.to_owned(), false),
        };
        for (bound, meaning) in RANGE_BOUNDS {
            queries.push((format!("{column}_{bound}"), format!("{column}[{bound}]")));
            let f = DraftField::new(
                &format!("{column}_{bound}"),
                &ty,
                if scalar { "optional" } else { "" },
            );
            fields.push(f.described(format!("`{column}` {meaning} this.")));
        }
    }
    for field in e.set_fields() {
        let (ty, _) = proto_type(field);
        queries.push((format!("{}_in", field.name), format!("{}[in]", field.name)));
        let f = DraftField::new(&format!("{}_in", field.name), &ty, "repeated");
        fields.push(f.described(format!("`{}` one of these.", field.name)));
    }
    for field in e.search_fields() {
        for matching in field.search.map_or(&[][..], crate::spec::Search::filters) {
            queries.push((
                format!("{}_{matching}", field.name),
                format!("{}[{matching}]", field.name),
            ));
            let f = DraftField::new(&format!("{}_{matching}", field.name), "string", "optional");
            fields.push(f.described(format!(
                "`{}` {} this text.",
                field.name,
                if *matching == "prefix" {
                    "starts with"
                } else {
                    "contains"
                }
            )));
        }
    }
    (fields, queries)
}

/// The fields a body adds to a message: an entity's record or input as one field, inline
/// fields each as their own.
fn body_fields(
    service: &Service,
    body: &BodyType,
    request: bool,
    inputs: &mut BTreeSet<usize>,
    records: &mut BTreeSet<usize>,
    inline_enums: &mut Vec<crate::ir::EnumType>,
) -> Vec<DraftField> {
    if let Some(name) = &body.entity {
        let index = service
            .entities
            .iter()
            .position(|e| &e.name == name)
            .expect("bodies name entities");
        let e = &service.entities[index];
        if request {
            inputs.insert(index);
            vec![DraftField::new(&e.snake, &e.new_type, "")]
        } else {
            records.insert(index);
            vec![record_field(e)]
        }
    } else {
        inline_enums.extend(body.enums.iter().cloned());
        body.fields.iter().map(field_draft).collect()
    }
}

/// The text of the `.proto` file.
pub fn text(proto: &Proto, header: &str) -> String {
    let mut out = String::new();
    comment(&mut out, "", Some(header));
    out.push_str("syntax = \"proto3\";\n\n");
    out.push_str(&format!("package {};\n", proto.package));
    let all_types = proto
        .messages
        .iter()
        .flat_map(|m| &m.fields)
        .map(|f| f.ty.as_str());
    let imports: BTreeSet<&str> = all_types
        .filter_map(|ty| match ty {
            "google.protobuf.Timestamp" => Some("google/protobuf/timestamp.proto"),
            "google.protobuf.Value" => Some("google/protobuf/struct.proto"),
            "google.protobuf.FieldMask" => Some("google/protobuf/field_mask.proto"),
            _ => None,
        })
        .collect();
    if !imports.is_empty() {
        out.push('\n');
        for import in imports {
            out.push_str(&format!("import \"{import}\";\n"));
        }
    }
    out.push('\n');
    comment(&mut out, "", Some(&proto.description));
    out.push_str(&format!("service {} {{\n", proto.service));
    for (i, rpc) in proto.rpcs.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        comment(&mut out, "  ", Some(&rpc.description));
        out.push_str(&format!(
            "  rpc {}({}) returns ({});\n",
            rpc.name, rpc.request, rpc.response
        ));
    }
    out.push_str("}\n");
    for message in &proto.messages {
        out.push('\n');
        comment(&mut out, "", message.description.as_deref());
        if message.fields.is_empty() && message.reserved.is_empty() {
            out.push_str(&format!("message {} {{}}\n", message.name));
            continue;
        }
        out.push_str(&format!("message {} {{\n", message.name));
        reserved(&mut out, &message.reserved, &message.reserved_names);
        for field in &message.fields {
            comment(&mut out, "  ", field.description.as_deref());
            let label = if field.label.is_empty() {
                String::new()
            } else {
                format!("{} ", field.label)
            };
            out.push_str(&format!(
                "  {label}{} {} = {};\n",
                field.ty, field.name, field.number
            ));
        }
        out.push_str("}\n");
    }
    for e in &proto.enums {
        out.push('\n');
        out.push_str(&format!("enum {} {{\n", e.name));
        reserved(&mut out, &e.reserved, &e.reserved_names);
        out.push_str(&format!("  {}UNSPECIFIED = 0;\n", e.prefix));
        for (value, number) in &e.values {
            out.push_str(&format!("  {} = {number};\n", enum_value(&e.prefix, value)));
        }
        out.push_str("}\n");
    }
    out
}

fn reserved(out: &mut String, numbers: &[u32], names: &[String]) {
    if !numbers.is_empty() {
        let numbers: Vec<String> = numbers.iter().map(u32::to_string).collect();
        out.push_str(&format!("  reserved {};\n", numbers.join(", ")));
    }
    if !names.is_empty() {
        let names: Vec<String> = names.iter().map(|n| format!("\"{n}\"")).collect();
        out.push_str(&format!("  reserved {};\n", names.join(", ")));
    }
}

fn comment(out: &mut String, indent: &str, text: Option<&str>) {
    let Some(text) = text.map(str::trim).filter(|t| !t.is_empty()) else {
        return;
    };
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            out.push_str(&format!("{indent}//\n"));
            continue;
        }
        // Words are kept whole; lines are cut before they pass 100 columns.
        let mut current = format!("{indent}//");
        for word in line.split(' ').filter(|w| !w.is_empty()) {
            if current.len() + 1 + word.len() > 100 && current.len() > indent.len() + 2 {
                out.push_str(&current);
                out.push('\n');
                current = format!("{indent}//");
            }
            current.push(' ');
            current.push_str(word);
        }
        out.push_str(&current);
        out.push('\n');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_stay_and_removed_ones_are_reserved() {
        let first = Numbered::assign(None, &["a", "b", "c"]);
        assert_eq!(first.fields["c"], 3);
        let second = Numbered::assign(Some(&first), &["a", "d", "c"]);
        assert_eq!(second.fields["a"], 1);
        assert_eq!(second.fields["c"], 3);
        assert_eq!(second.fields["d"], 4);
        assert_eq!(second.reserved, BTreeSet::from([2]));
        assert_eq!(second.reserved_names, BTreeSet::from(["b".to_owned()]));
        // A name that comes back takes a new number: its old one may have meant another type.
        let third = Numbered::assign(Some(&second), &["a", "b", "c", "d"]);
        assert_eq!(third.fields["b"], 5);
        assert_eq!(third.reserved, BTreeSet::from([2]));
        assert!(third.reserved_names.is_empty());
    }

    #[test]
    fn services_check_their_contract_with_the_buf_msgen_is_tested_with() {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/tools/buf/package.json");
        let manifest = std::fs::read_to_string(manifest).unwrap();
        let pinned = format!("\"@bufbuild/buf\": \"{BUF_VERSION}\"");
        assert!(manifest.contains(&pinned), "{manifest}");
    }

    #[test]
    fn enum_values_are_screaming_and_prefixed() {
        assert_eq!(
            enum_value("PAYMENT_STATUS_", "pending"),
            "PAYMENT_STATUS_PENDING"
        );
        assert_eq!(enum_value("SIZE_", "x-large"), "SIZE_X_LARGE");
        assert_eq!(enum_value("SIZE_", "Two Words"), "SIZE_TWO_WORDS");
    }
}
