//! The OpenAPI 3.1 document of a service, built as data and written as YAML, so that any text
//! from the spec (descriptions, patterns) is escaped by the serializer, not by hand.

use serde_json::{json, Map, Value};

use crate::ir::{Auth, BodyType, Crud, CustomOperation, Entity, Field, NestedList, Service};

use super::decimal_pattern;
use crate::spec::{Database, FieldType, Method, Search};

/// An operation of an OpenAPI document, and where it is.
pub(crate) struct PathOperation<'a> {
    pub path: &'a str,
    /// Lowercase, as the document's keys: `get`.
    pub method: &'static str,
    pub value: &'a Value,
    /// The parameters declared on its path, which every operation there takes.
    pub shared: &'a [Value],
}

/// Every operation of `doc`: path by path, and under one path `get`, `post`, `put`, `patch`,
/// `delete`.
pub(crate) fn operations(doc: &Value) -> Vec<PathOperation<'_>> {
    const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];
    let mut list = Vec::new();
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        let shared = item["parameters"].as_array().map_or(&[][..], Vec::as_slice);
        for method in METHODS {
            if let Some(value) = item.get(method) {
                list.push(PathOperation {
                    path,
                    method,
                    value,
                    shared,
                });
            }
        }
    }
    list
}

/// The OpenAPI document as data: what `openapi.yaml` is written from, and the API reference
/// page too.
pub fn model(s: &Service) -> Value {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    schemas.insert("Problem".into(), problem_schema());
    let mut fields = s.entities.iter().flat_map(|e| &e.fields);
    if fields.any(|f| f.kind == FieldType::Json && f.constraints.without_nul) {
        schemas.insert(STORABLE_JSON.into(), storable_json_schema());
    }
    for resource in &s.resources {
        if let Some(e) = resource.entity.map(|i| &s.entities[i]) {
            let c = resource.crud;
            let collection = format!("{}{}", s.base_path, resource.route);
            let item = format!("{collection}/{{id}}");
            let mut coll = Map::new();
            let mut one = Map::new();
            if c.list {
                coll.insert("get".into(), list_operation(e, s.database));
            }
            if c.create {
                coll.insert("post".into(), create_operation(e));
            }
            if c.get {
                one.insert("get".into(), item_operation(e, "get", None, 200));
            }
            if c.update {
                one.insert(
                    "put".into(),
                    item_operation(e, "update", Some(&e.new_type), 200),
                );
                one.insert(
                    "patch".into(),
                    item_operation(e, "patch", Some(&e.patch_type), 200),
                );
            }
            if c.delete {
                one.insert("delete".into(), item_operation(e, "delete", None, 204));
            }
            if !coll.is_empty() {
                paths.insert(collection, Value::Object(coll));
            }
            if !one.is_empty() {
                one.insert("parameters".into(), json!([id_parameter()]));
                paths.insert(item, Value::Object(one));
            }
        }
        for nested in &resource.nested {
            let e = &s.entities[resource.entity.expect("a nested list lists an entity")];
            let path = format!("{}{}", s.base_path, nested.route);
            let parent = &s.entities[nested.parent];
            let mut item = Map::new();
            item.insert(
                "get".into(),
                nested_list_operation(e, parent, nested, s.database),
            );
            let item = Value::Object(item);
            merge_item(&mut paths, path, item);
        }
        if let Some(route) = &resource.link_route {
            let e = &s.entities[resource
                .entity
                .expect("a link route links an entity's records")];
            let item = link_operations(s, e, resource.crud);
            merge_item(&mut paths, format!("{}{route}", s.base_path), item);
        }
        for op in &resource.operations {
            let path = format!("{}{}", s.base_path, op.path);
            let entry = paths.entry(path).or_insert_with(|| json!({}));
            entry[op.method.lower()] = custom_operation(op, s);
            for body in [&op.request, &op.response].into_iter().flatten() {
                if body.inline {
                    schemas.insert(
                        body.type_name.clone(),
                        object_schema(&body.fields, body.type_name.ends_with("Request"), None),
                    );
                }
            }
        }
    }
    for e in &s.entities {
        schemas.insert(e.name.clone(), entity_schema(e));
        schemas.insert(
            e.new_type.clone(),
            object_schema(&e.fields, true, e.description.as_deref()),
        );
        schemas.insert(e.patch_type.clone(), patch_schema(e));
    }
    let mut responses = shared_responses(s.uses.idempotency);
    let mut components = Map::new();
    if s.uses.idempotency {
        components.insert(
            "parameters".into(),
            json!({ IDEMPOTENCY_KEY: idempotency_key_parameter() }),
        );
        components.insert(
            "headers".into(),
            json!({ IDEMPOTENT_REPLAYED: idempotent_replayed_header() }),
        );
    }
    if let Some(auth) = &s.auth {
        secure(s, auth, &mut paths);
        responses
            .as_object_mut()
            .expect("shared responses are a map")
            .extend(auth_responses(auth));
        components.insert("securitySchemes".into(), security_schemes(auth));
    }
    let mut info = json!({
        "title": s.name,
        "version": s.version,
    });
    if !s.description.is_empty() {
        info["description"] = json!(s.description);
    }
    // Built by moving the parts in: `json!` would copy each of them whole.
    let mut doc = Map::new();
    doc.insert("openapi".into(), json!("3.1.0"));
    doc.insert("info".into(), info);
    doc.insert("paths".into(), Value::Object(paths));
    doc.insert(
        "components".into(),
        components_with(schemas, responses, components),
    );
    Value::Object(doc)
}

fn components_with(
    schemas: Map<String, Value>,
    responses: Value,
    rest: Map<String, Value>,
) -> Value {
    let mut components = Map::new();
    components.insert("schemas".into(), Value::Object(schemas));
    components.insert("responses".into(), responses);
    components.extend(rest);
    Value::Object(components)
}

/// The name of the bearer token scheme in `components.securitySchemes`.
const BEARER: &str = "bearerAuth";

/// Marks every protected operation with the token and scopes it needs and the answers a
/// refused token gets, and every operation with the answer of a client over its rate limit.
fn secure(s: &Service, auth: &Auth, paths: &mut Map<String, Value>) {
    for route in super::routes(s).iter().filter(|r| r.required) {
        let Some(op) = paths
            .get_mut(&route.route)
            .and_then(|item| item.get_mut(route.method.to_ascii_lowercase()))
        else {
            continue;
        };
        op["security"] = json!([{ BEARER: route.scopes }]);
        let mut codes = vec![401];
        if !route.scopes.is_empty() {
            codes.push(403);
        }
        if auth.keys == "jwks" {
            codes.push(503);
        }
        add_errors(op, &codes);
    }
    for item in paths.values_mut().filter_map(Value::as_object_mut) {
        for op in item.values_mut().filter(|op| op.get("responses").is_some()) {
            add_errors(op, &[429]);
        }
    }
}

/// Adds the shared answers of `codes` to an operation's responses, keeping them in the order
/// of their status codes, as everywhere else in the document.
fn add_errors(op: &mut Value, codes: &[u16]) {
    let responses = op["responses"]
        .as_object_mut()
        .expect("every operation has responses");
    responses.extend(error_refs(codes));
    let mut sorted: Vec<(String, Value)> = std::mem::take(responses).into_iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    responses.extend(sorted);
}

fn security_schemes(auth: &Auth) -> Value {
    let keys = match auth.keys {
        "jwks" => "a key of the identity provider's key set",
        "public_key" => "the service's public key",
        _ => "the service's shared secret",
    };
    json!({
        BEARER: {
            "type": "http",
            "scheme": "bearer",
            "bearerFormat": "JWT",
            "description": format!(
                "A JWT signed with {keys} ({}), issued by `{}` for the audience `{}`. The \
                 scopes an operation lists must all be in the token's `{}` claim.",
                auth.algorithms.join(", "),
                auth.issuer,
                auth.audience,
                auth.scopes_claim,
            ),
        }
    })
}

/// The shared answers of refused tokens.
fn auth_responses(auth: &Auth) -> Map<String, Value> {
    let challenge = json!({
        "description": "`Bearer`, with `error=\"invalid_token\"` for a token that was refused \
                        or `error=\"insufficient_scope\"` and the scopes required (RFC 6750).",
        "schema": { "type": "string" },
    });
    let problem = json!({ "application/problem+json": { "schema": reference("Problem") } });
    let mut responses = Map::new();
    responses.insert(
        error_name(401).into(),
        json!({
            "description": "No bearer token, or one that was refused: malformed, expired, not \
                            valid yet, from another issuer or for another audience, or signed \
                            with a key or algorithm the service does not accept.",
            "headers": { "WWW-Authenticate": challenge },
            "content": problem,
        }),
    );
    responses.insert(
        error_name(403).into(),
        json!({
            "description": "The token lacks a scope the operation requires.",
            "headers": { "WWW-Authenticate": challenge },
            "content": problem,
        }),
    );
    responses.insert(
        error_name(429).into(),
        json!({
            "description": "The client has made more requests than its rate limit allows \
                            (`RATE_LIMIT_PER_SECOND`, in bursts of `RATE_LIMIT_BURST`); a \
                            client is the subject of a valid token, or else the address the \
                            request comes from.",
            "headers": {
                "Retry-After": {
                    "description": "The seconds to wait before the next request is let in.",
                    "schema": { "type": "integer", "minimum": 1 },
                }
            },
            "content": problem,
        }),
    );
    if auth.keys == "jwks" {
        responses.insert(
            error_name(503).into(),
            json!({
                "description": "The service cannot check tokens yet: it has not reached the \
                                identity provider's key set since it started.",
                "content": problem,
            }),
        );
    }
    responses
}

/// `(method, path, summary)` of every API route, for the service's README.
pub fn route_table(s: &Service) -> Vec<(String, String, String)> {
    let mut rows = Vec::new();
    for resource in &s.resources {
        if let Some(e) = resource.entity.map(|i| &s.entities[i]) {
            let c = resource.crud;
            let collection = format!("{}{}", s.base_path, resource.route);
            let item = format!("{collection}/{{id}}");
            let plural = e.plural.replace('_', " ");
            let one = &e.human;
            let mut add = |on: bool, method: &str, path: &str, what: String| {
                if on {
                    rows.push((method.to_string(), path.to_string(), what));
                }
            };
            add(
                c.list,
                "GET",
                &collection,
                format!("list {plural} ({})", list_traits(e)),
            );
            add(c.create, "POST", &collection, format!("create a {one}"));
            add(c.get, "GET", &item, format!("get one {one}"));
            add(c.update, "PUT", &item, format!("replace a {one}"));
            add(
                c.update,
                "PATCH",
                &item,
                format!("change some fields of a {one}"),
            );
            add(c.delete, "DELETE", &item, format!("delete a {one}"));
            if let (Some(route), Some(link)) = (&resource.link_route, &e.link) {
                let path = format!("{}{route}", s.base_path);
                let owner = &s.entities[link.owner.entity].human;
                let target = &s.entities[link.target.entity].human;
                let what = format!("link a {owner} and a {target} with a {one}");
                add(c.create, "PUT", &path, what);
                let what = format!("delete the {one} that links a {owner} and a {target}");
                add(c.delete, "DELETE", &path, what);
            }
            for nested in &resource.nested {
                let parent = &s.entities[nested.parent].human;
                let path = format!("{}{}", s.base_path, nested.route);
                let what = format!("list the {plural} of one {parent} (as the list)");
                rows.push(("GET".to_owned(), path, what));
            }
        }
        for op in &resource.operations {
            let what = op
                .description
                .clone()
                .unwrap_or_else(|| op.name.replace('_', " "));
            rows.push((
                op.method.as_str().to_string(),
                format!("{}{}", s.base_path, op.path),
                what.split_whitespace()
                    .collect::<Vec<_>>()
                    .join(" ")
                    .replace('|', "\\|"),
            ));
        }
    }
    rows
}

/// What a client may ask of a list: `paged, sortable, filterable`.
fn list_traits(e: &Entity) -> String {
    // Every list may be sorted, by `id` at least.
    let mut traits = vec!["paged", "sortable"];
    if e.filtered {
        traits.push("filterable");
    }
    traits.join(", ")
}

fn reference(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn json_content(schema: Value) -> Value {
    json!({ "application/json": { "schema": schema } })
}

fn error_refs(codes: &[u16]) -> Map<String, Value> {
    codes
        .iter()
        .map(|code| {
            (
                code.to_string(),
                json!({ "$ref": format!("#/components/responses/{}", error_name(*code)) }),
            )
        })
        .collect()
}

fn error_name(code: u16) -> &'static str {
    match code {
        400 => "BadRequest",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "NotFound",
        409 => "Conflict",
        412 => "PreconditionFailed",
        413 => "PayloadTooLarge",
        415 => "UnsupportedMediaType",
        422 => "UnprocessableEntity",
        429 => "TooManyRequests",
        501 => "NotImplemented",
        503 => "ServiceUnavailable",
        _ => "InternalServerError",
    }
}

/// The error answers operations share; `idempotency`: some operation takes `Idempotency-Key`.
fn shared_responses(idempotency: bool) -> Value {
    let mut responses = Map::new();
    // With `Idempotency-Key`, three of them have one cause more.
    let key = |cause: &str| {
        if idempotency {
            cause.to_owned()
        } else {
            String::new()
        }
    };
    let mut malformed = vec![
        "JSON that does not parse",
        "a path or query parameter that does not parse",
        "a query parameter the operation does not take",
        "an `If-Match` that is not `*` or a list of entity tags",
    ];
    if idempotency {
        malformed.push("an `Idempotency-Key` that is not 1 to 255 visible ASCII characters");
    }
    let (last, rest) = malformed.split_last().expect("causes are listed");
    let bad_request = format!("The request is malformed: {}, or {last}.", rest.join(", "));
    let conflict = format!(
        "The change conflicts with existing data{}.",
        key(", or the request with this `Idempotency-Key` is still being worked on (`Retry-After` says when to repeat it)")
    );
    let invalid = format!(
        "Fields of the request are invalid; each is named in `errors`.{}",
        key(" Or the `Idempotency-Key` was sent with another request.")
    );
    for (code, description) in [
        (400, bad_request.as_str()),
        (404, "Nothing was found here."),
        (409, conflict.as_str()),
        (
            412,
            "The record is no longer at the version given in `If-Match`.",
        ),
        (413, "The request body is too large."),
        (415, "The request body is not JSON."),
        (422, invalid.as_str()),
        (500, "The service failed; the details are in its logs."),
        (501, "The operation is not implemented yet."),
    ] {
        responses.insert(
            error_name(code).into(),
            json!({
                "description": description,
                "content": { "application/problem+json": { "schema": reference("Problem") } },
            }),
        );
    }
    Value::Object(responses)
}

fn problem_schema() -> Value {
    json!({
        "type": "object",
        "description": "An RFC 9457 problem details object.",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": { "type": "string" },
            "title": { "type": "string" },
            "status": { "type": "integer" },
            "detail": { "type": "string" },
            "errors": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {
                        "field": { "type": "string" },
                        "message": { "type": "string" },
                    },
                },
            },
        },
    })
}

fn id_parameter() -> Value {
    json!({
        "name": "id",
        "in": "path",
        "required": true,
        "schema": { "type": "string", "format": "uuid" },
    })
}

fn list_operation(e: &Entity, database: Database) -> Value {
    let mut parameters = vec![
        json!({ "name": "limit", "in": "query", "schema": { "type": "integer", "minimum": 1, "maximum": 100, "default": 20 } }),
    ];
    if e.cursor {
        parameters.push(json!({
            "name": "cursor",
            "in": "query",
            "description": "Where the page starts: the `next` of the page before it; none, or empty, for the first page. A cursor the service did not give is answered 400. With a cursor, `sort` is the cursor's or left out.",
            "schema": { "type": "string" },
        }));
    } else {
        parameters.push(json!({ "name": "offset", "in": "query", "schema": { "type": "integer", "minimum": 0, "maximum": u32::MAX, "default": 0 } }));
    }
    let keys: Vec<String> = e
        .sortable
        .iter()
        .map(String::as_str)
        .chain(["id"])
        .flat_map(|c| [c.to_owned(), format!("-{c}")])
        .collect();
    parameters.push(json!({
        "name": "sort",
        "in": "query",
        "description": format!(
            "The order of the list: columns, comma-separated, each after `-` for descending \
             order; `id` follows the last one, in its direction, so that no two {} tie \
             (`id` alone is the order of creation). Nulls come first in ascending order. \
             Default (without `sort`; an empty one is refused): `{}`.",
            e.plural.replace('_', " "),
            e.default_sort,
        ),
        "style": "form",
        "explode": false,
        "schema": { "type": "array", "items": { "type": "string", "enum": keys }, "minItems": 1 },
    }));
    let records = e.plural.replace('_', " ");
    for f in e.filter_fields() {
        parameters.push(json!({
            "name": f.name,
            "in": "query",
            "description": format!("Only {records} whose `{}` equals this.", f.name),
            "schema": filter_schema(f),
        }));
    }
    for column in &e.ranges {
        let schema = match e.field(column) {
            Some(f) => filter_schema(f),
            None => json!({ "type": "string", "format": "date-time" }),
        };
        for (bound, words) in crate::ir::RANGE_BOUNDS {
            parameters.push(json!({
                "name": format!("{column}[{bound}]"),
                "in": "query",
                "description": format!("Only {records} whose `{column}` is {words} this (never a null)."),
                "schema": schema,
            }));
        }
    }
    for f in e.set_fields() {
        let mut item = filter_schema(f);
        if matches!(f.kind, FieldType::String | FieldType::Text) {
            // A comma separates values: no value of a set holds one, nor is empty.
            item["pattern"] = json!("^[^,]+$");
        }
        parameters.push(json!({
            "name": format!("{}[in]", f.name),
            "in": "query",
            "description": format!(
                "Only {records} whose `{}` is one of these values, comma-separated (never a null).",
                f.name
            ),
            "style": "form",
            "explode": false,
            "schema": { "type": "array", "items": item, "minItems": 1, "maxItems": 100 },
        }));
    }
    let case = match database {
        Database::Postgres => "regardless of case",
        Database::Sqlite => "regardless of the case of ASCII letters",
    };
    for f in e.search_fields() {
        let filters = f.search.map_or(&[][..], Search::filters);
        for key in filters {
            let words = if *key == "prefix" {
                "begins with"
            } else {
                "holds"
            };
            parameters.push(json!({
                "name": format!("{}[{key}]", f.name),
                "in": "query",
                "description": format!(
                    "Only {records} whose `{}` {words} this text, {case} (never a null).",
                    f.name
                ),
                "schema": { "type": "string" },
            }));
        }
    }
    let items = json!({ "type": "array", "items": reference(&e.name) });
    let answer = if e.cursor {
        let page = json!({
            "type": "object",
            "required": ["items", "limit", "next"],
            "properties": {
                "items": items,
                "limit": { "type": "integer" },
                "next": {
                    "description": "The cursor of the page after this one; null on the last page.",
                    "type": ["string", "null"],
                },
            },
        });
        json!({
            "description": "One page.",
            "headers": {
                "Link": {
                    "description": "The next page, as `<url>; rel=\"next\"` (RFC 8288): this request with `cursor` set to `next`. Absent on the last page.",
                    "schema": { "type": "string" },
                },
            },
            "content": json_content(page),
        })
    } else {
        let page = json!({
            "type": "object",
            "required": ["items", "total", "limit", "offset"],
            "properties": {
                "items": items,
                "total": { "type": "integer" },
                "limit": { "type": "integer" },
                "offset": { "type": "integer" },
            },
        });
        json!({ "description": "One page.", "content": json_content(page) })
    };
    let mut responses = Map::new();
    responses.insert("200".into(), answer);
    responses.extend(error_refs(&[400, 422, 500]));
    json!({
        "operationId": format!("list_{}", e.repo_module),
        "summary": format!("List {}", e.plural.replace('_', " ")),
        "parameters": parameters,
        "responses": responses,
    })
}

/// The list of the records of `e` that reference one `parent`: the list's operation with the
/// parent's id in the path in place of the filter by it, and 404 for an unknown parent.
fn nested_list_operation(
    e: &Entity,
    parent: &Entity,
    nested: &NestedList,
    database: Database,
) -> Value {
    let mut operation = list_operation(e, database);
    let set = format!("{}[in]", nested.column);
    let parameters = operation["parameters"].as_array_mut().expect("a list");
    parameters.retain(|p| p["name"] != nested.column.as_str() && p["name"] != set.as_str());
    let mut id = id_parameter();
    id["description"] = json!(format!("The id of the {}.", parent.human));
    parameters.insert(0, id);
    operation["responses"]
        .as_object_mut()
        .expect("a map")
        .extend(error_refs(&[404]));
    operation["operationId"] = json!(nested.handler);
    operation["summary"] = json!(format!(
        "List the {} of one {}",
        e.plural.replace('_', " "),
        parent.human
    ));
    operation
}

/// Adds the operations of `item` to the path item of `path`, which a custom operation of
/// another module may have started.
fn merge_item(paths: &mut Map<String, Value>, path: String, item: Value) {
    let entry = paths.entry(path).or_insert_with(|| json!({}));
    if let (Some(entry), Value::Object(item)) = (entry.as_object_mut(), item) {
        entry.extend(item);
    }
}

/// `PUT` and `DELETE` of a join entity's link route (`/students/{id}/courses/{course_id}`),
/// as `crud` offers `create` and `delete`.
fn link_operations(s: &Service, e: &Entity, crud: Crud) -> Value {
    let link = e
        .link
        .as_ref()
        .expect("a link route links an entity's records");
    let owner = &s.entities[link.owner.entity].human;
    let target = &s.entities[link.target.entity].human;
    let mut id = id_parameter();
    id["description"] = json!(format!("The id of the {owner}."));
    let mut other = id_parameter();
    other["name"] = json!(link.target.column);
    other["description"] = json!(format!("The id of the {target}."));
    let mut item = json!({ "parameters": [id, other] });
    if crud.create {
        let record = |description: &str| {
            json!({
                "description": description,
                "headers": { "ETag": etag_header() },
                "content": json_content(reference(&e.name)),
            })
        };
        let mut created = record("Linked: the new record.");
        created["headers"]["Location"] = json!({ "schema": { "type": "string" } });
        let mut responses = Map::new();
        responses.insert(
            "200".into(),
            record("Linked already: the record that links them."),
        );
        responses.insert("201".into(), created);
        responses.extend(error_refs(&[400, 404, 409, 500]));
        item["put"] = json!({
            "operationId": format!("link_{}", e.snake),
            "summary": format!("Link a {owner} and a {target} with a {}", e.human),
            "responses": responses,
        });
    }
    if crud.delete {
        let mut responses = Map::new();
        responses.insert("204".into(), json!({ "description": "Unlinked." }));
        responses.extend(error_refs(&[400, 404, 409, 500]));
        item["delete"] = json!({
            "operationId": format!("unlink_{}", e.snake),
            "summary": format!("Delete the {} that links a {owner} and a {target}", e.human),
            "responses": responses,
        });
    }
    item
}

fn create_operation(e: &Entity) -> Value {
    let mut responses = Map::new();
    responses.insert(
        "201".into(),
        json!({
            "description": "Created.",
            "headers": {
                "Location": { "schema": { "type": "string" } },
                "ETag": etag_header(),
                IDEMPOTENT_REPLAYED: idempotent_replayed_ref(),
            },
            "content": json_content(reference(&e.name)),
        }),
    );
    responses.extend(error_refs(&[400, 409, 413, 415, 422, 500]));
    json!({
        "operationId": format!("create_{}", e.snake),
        "summary": format!("Create a {}", e.human),
        "parameters": [idempotency_key_ref()],
        "requestBody": { "required": true, "content": json_content(reference(&e.new_type)) },
        "responses": responses,
    })
}

/// The header of a repeatable `POST`, in `components.parameters`, and the header of an answer
/// given again, in `components.headers`.
const IDEMPOTENCY_KEY: &str = "Idempotency-Key";
const IDEMPOTENT_REPLAYED: &str = "Idempotent-Replayed";

fn idempotency_key_parameter() -> Value {
    json!({
        "name": IDEMPOTENCY_KEY,
        "in": "header",
        "description": "Makes the request safe to repeat: a request sent again with the key of one that succeeded gets the first answer (with `Idempotent-Replayed: true`) and is not worked on again. Keys are kept per caller, for a day by default; the same key with another request is 422, and while the first request is being worked on, 409 with `Retry-After`.",
        "schema": { "type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$" },
    })
}

fn idempotency_key_ref() -> Value {
    json!({ "$ref": format!("#/components/parameters/{IDEMPOTENCY_KEY}") })
}

fn idempotent_replayed_ref() -> Value {
    json!({ "$ref": format!("#/components/headers/{IDEMPOTENT_REPLAYED}") })
}

fn idempotent_replayed_header() -> Value {
    json!({
        "description": "`true` when the answer is the stored answer to an earlier request with the same `Idempotency-Key`.",
        "schema": { "type": "string", "enum": ["true"] },
    })
}

fn item_operation(e: &Entity, verb: &str, body: Option<&str>, status: u16) -> Value {
    let mut responses = Map::new();
    if status == 204 {
        responses.insert("204".into(), json!({ "description": "Done." }));
    } else {
        responses.insert(
            status.to_string(),
            json!({
                "description": "The record.",
                "headers": { "ETag": etag_header() },
                "content": json_content(reference(&e.name)),
            }),
        );
    }
    let errors: &[u16] = match (body.is_some(), verb) {
        (true, _) => &[400, 404, 409, 412, 413, 415, 422, 500],
        (false, "delete") => &[400, 404, 409, 412, 500],
        _ => &[400, 404, 500],
    };
    responses.extend(error_refs(errors));
    let mut op = json!({
        "operationId": format!("{verb}_{}", e.snake),
        "summary": format!("{} a {}", capitalize(verb), e.human),
        "responses": responses,
    });
    if verb != "get" {
        op["parameters"] = json!([{
            "name": "If-Match",
            "in": "header",
            "description": "Change the record only if it is still at one of these versions: `*`, or entity tags as `ETag` answers them (`\"3\"`), separated by commas. A weak tag never matches.",
            "schema": { "type": "string", "pattern": IF_MATCH_PATTERN },
        }]);
    }
    if let Some(body) = body {
        op["requestBody"] = json!({ "required": true, "content": json_content(reference(body)) });
    }
    op
}

/// What `If-Match` takes: `*`, or a list of entity tags (RFC 9110); anything else is 400.
const IF_MATCH_PATTERN: &str = r#"^(\*|(W/)?"[!#-~]*"( *, *(W/)?"[!#-~]*")*)$"#;

fn etag_header() -> Value {
    json!({
        "description": "The version of the record, for `If-Match`.",
        "schema": { "type": "string" },
    })
}

fn custom_operation(op: &CustomOperation, _s: &Service) -> Value {
    let mut responses = Map::new();
    let repeatable = op.method == Method::Post;
    let mut done = json!({ "description": "Done." });
    if let Some(body) = &op.response {
        done["content"] = json_content(reference(&body_schema_name(body)));
    }
    if repeatable {
        done["headers"] = json!({ IDEMPOTENT_REPLAYED: idempotent_replayed_ref() });
    }
    let status = if op.response.is_some() { "200" } else { "204" };
    responses.insert(status.into(), done);
    let mut errors = vec![400, 404, 409, 500, 501];
    if op.request.is_some() {
        errors.extend([413, 415, 422]);
    } else if repeatable {
        errors.push(422);
    }
    errors.sort_unstable();
    responses.extend(error_refs(&errors));
    let mut value = json!({
        "operationId": op.name,
        "responses": responses,
    });
    if let Some(description) = &op.description {
        value["description"] = json!(description);
    }
    let mut params: Vec<Value> = op
        .params
        .iter()
        .map(|p| json!({ "name": p.name, "in": "path", "required": true, "schema": value_schema(p) }))
        .collect();
    if repeatable {
        params.push(idempotency_key_ref());
    }
    if !params.is_empty() {
        value["parameters"] = json!(params);
    }
    if let Some(body) = &op.request {
        value["requestBody"] = json!({ "required": true, "content": json_content(reference(&body_schema_name(body))) });
    }
    value
}

fn body_schema_name(body: &BodyType) -> String {
    body.type_name.clone()
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
        .unwrap_or_default()
}

/// A string without the NUL character, which PostgreSQL cannot store in text.
const WITHOUT_NUL: &str = "^[^\\u0000]*$";

/// The component of a `json` field's value where PostgreSQL stores it (`jsonb`): any JSON
/// value whose strings and keys hold no NUL character.
const STORABLE_JSON: &str = "StorableJson";

fn storable_json_schema() -> Value {
    let itself = reference(STORABLE_JSON);
    json!({
        "description": "Any JSON value whose strings and member names hold no NUL character \
                        (U+0000), which the database cannot store.",
        "anyOf": [
            { "type": ["null", "boolean", "number"] },
            { "type": "string", "pattern": WITHOUT_NUL },
            { "type": "array", "items": itself },
            {
                "type": "object",
                "propertyNames": { "pattern": WITHOUT_NUL },
                "additionalProperties": itself,
            },
        ],
    })
}

/// The JSON schema of one value of a field, with its constraints.
fn value_schema(f: &Field) -> Value {
    let c = &f.constraints;
    let mut schema = match f.kind {
        FieldType::String | FieldType::Text => json!({ "type": "string" }),
        FieldType::Int => json!({ "type": "integer", "format": "int32" }),
        FieldType::Bigint => json!({ "type": "integer", "format": "int64" }),
        FieldType::Float => json!({ "type": "number", "format": "double" }),
        FieldType::Decimal => {
            // A decimal travels as a string: its bounds are part of its pattern.
            let pattern = decimal_pattern::pattern(c.min.as_deref(), c.max.as_deref());
            json!({ "type": "string", "format": "decimal", "pattern": pattern })
        }
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::Uuid | FieldType::Ref => json!({ "type": "string", "format": "uuid" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::Datetime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Json if c.without_nul => reference(STORABLE_JSON),
        FieldType::Json => json!({}),
        FieldType::Enum => json!({ "type": "string", "enum": c.values }),
    };
    let number = |text: &str| -> Value { serde_json::from_str(text).unwrap_or(Value::Null) };
    if f.kind == FieldType::Decimal {
        if let Some(min) = &c.min {
            schema["x-minimum"] = number(min);
        }
        if let Some(max) = &c.max {
            schema["x-maximum"] = number(max);
        }
    } else {
        if let Some(min) = &c.min {
            schema["minimum"] = number(min);
        }
        if let Some(max) = &c.max {
            schema["maximum"] = number(max);
        }
    }
    if let Some(min) = c.min_length {
        schema["minLength"] = json!(min);
    }
    if let Some(max) = c.max_length {
        schema["maxLength"] = json!(max);
    }
    if let Some(pattern) = &c.pattern {
        schema["pattern"] = json!(pattern);
    }
    // An email address or a URI holds no NUL character by its format already.
    if c.without_nul && f.kind != FieldType::Json && c.format.is_none() {
        // A second pattern cannot share the key with the spec's own.
        if schema.get("pattern").is_some() {
            schema["allOf"] = json!([{ "pattern": WITHOUT_NUL }]);
        } else {
            schema["pattern"] = json!(WITHOUT_NUL);
        }
    }
    if let Some(format) = &c.format {
        schema["format"] = json!(if format == "url" {
            "uri"
        } else {
            format.as_str()
        });
    }
    if let Some(description) = &f.description {
        schema["description"] = json!(description);
    }
    schema
}

/// The JSON schema of a list filter's value: its type, and the format or values the service
/// parses it by. A filter compares for equality; the field's constraints are not checked on it.
fn filter_schema(f: &Field) -> Value {
    let mut schema = match f.kind {
        FieldType::Int => json!({ "type": "integer", "format": "int32" }),
        FieldType::Bigint => json!({ "type": "integer", "format": "int64" }),
        FieldType::Float => json!({ "type": "number", "format": "double" }),
        // Read as a decimal, whatever its bounds: one outside them matches no record.
        FieldType::Decimal => json!({
            "type": "string",
            "format": "decimal",
            "pattern": decimal_pattern::pattern(None, None),
        }),
        FieldType::Bool => json!({ "type": "boolean" }),
        FieldType::Uuid | FieldType::Ref => json!({ "type": "string", "format": "uuid" }),
        FieldType::Date => json!({ "type": "string", "format": "date" }),
        FieldType::Datetime => json!({ "type": "string", "format": "date-time" }),
        FieldType::Enum => json!({ "type": "string", "enum": f.constraints.values }),
        FieldType::String | FieldType::Text | FieldType::Json => json!({ "type": "string" }),
    };
    if let Some(description) = &f.description {
        schema["description"] = json!(description);
    }
    schema
}

/// What the description of a field fixed once created adds.
const IMMUTABLE: &str = "Fixed once the record is created: a `PUT` or `PATCH` that would change \
                         it is refused with 409.";

/// A field's schema; an optional one also takes `null`. A `json` value's schema (`{}`)
/// already takes `null`, so it is not offered twice (which `oneOf` would refuse).
fn field_schema(f: &Field) -> Value {
    let schema = value_schema(f);
    let mut schema = if f.optional && f.kind != FieldType::Json {
        json!({ "oneOf": [schema, { "type": "null" }] })
    } else {
        schema
    };
    if f.immutable {
        schema["description"] = json!(match &f.description {
            Some(description) => format!("{description} {IMMUTABLE}"),
            None => IMMUTABLE.to_string(),
        });
    }
    schema
}

/// The JSON schema of an object of `fields`: an optional field may be `null` and is not
/// required; with `input`, neither is a field with a default. Also the schema of an event's
/// payload in `asyncapi.yaml`.
pub(crate) fn object_schema(fields: &[Field], input: bool, description: Option<&str>) -> Value {
    let mut properties = Map::new();
    let mut required = Vec::new();
    for f in fields {
        // What the service sets is no part of what a client sends.
        if input && f.readonly {
            continue;
        }
        let mut schema = field_schema(f);
        if input && f.default.is_some() {
            schema["x-has-default"] = json!(true);
        }
        if f.readonly {
            schema["readOnly"] = json!(true);
        }
        properties.insert(f.name.clone(), schema);
        let has_default = input && f.default.is_some();
        if !(f.optional || has_default) {
            required.push(f.name.clone());
        }
    }
    let mut schema = Map::new();
    schema.insert("type".into(), json!("object"));
    schema.insert("properties".into(), Value::Object(properties));
    schema.insert("required".into(), json!(required));
    let mut schema = Value::Object(schema);
    if let Some(description) = description {
        schema["description"] = json!(description);
    }
    schema
}

fn entity_schema(e: &Entity) -> Value {
    let mut schema = object_schema(&e.fields, false, e.description.as_deref());
    let props = schema["properties"]
        .as_object_mut()
        .expect("an object schema");
    let mut all = Map::new();
    all.insert(
        "id".into(),
        json!({ "type": "string", "format": "uuid", "readOnly": true }),
    );
    all.extend(std::mem::take(props));
    for managed in ["created_at", "updated_at"] {
        all.insert(
            managed.into(),
            json!({ "type": "string", "format": "date-time", "readOnly": true }),
        );
    }
    *props = all;
    let required = schema["required"].as_array_mut().expect("a required list");
    required.insert(0, json!("id"));
    required.push(json!("created_at"));
    required.push(json!("updated_at"));
    schema
}

fn patch_schema(e: &Entity) -> Value {
    let properties: Map<String, Value> = e
        .fields
        .iter()
        .filter(|f| !f.readonly)
        .map(|f| (f.name.clone(), field_schema(f)))
        .collect();
    json!({ "type": "object", "properties": properties })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn document(database: &str) -> Value {
        let text = format!(
            "service: notes\ndatabase: {database}\nentities:\n  Note:\n    fields:\n      \
             title: {{ type: string }}\n      code: {{ type: string, pattern: '^[A-Z]+$' }}\n      \
             email: {{ type: string, format: email }}\n      extra: {{ type: json, optional: true }}\n\
             endpoints:\n  - resource: Note\n"
        );
        let valid = crate::spec::check(&crate::spec::Source::new("msgen.yaml", &text)).unwrap();
        model(&crate::ir::lower(&valid))
    }

    /// PostgreSQL cannot store U+0000 in text or `jsonb`; the document says so wherever the
    /// service refuses it, and only there.
    #[test]
    fn text_stored_on_postgres_is_documented_without_nul() {
        let postgres = document("postgres");
        let note = &postgres["components"]["schemas"]["Note"]["properties"];
        assert_eq!(note["title"]["pattern"], WITHOUT_NUL);
        assert_eq!(note["code"]["pattern"], "^[A-Z]+$");
        assert_eq!(note["code"]["allOf"], json!([{ "pattern": WITHOUT_NUL }]));
        // Its format admits no NUL already.
        assert_eq!(note["email"].get("pattern"), None);
        assert_eq!(note["extra"], reference(STORABLE_JSON));
        let storable = &postgres["components"]["schemas"][STORABLE_JSON]["anyOf"];
        assert_eq!(storable[1]["pattern"], WITHOUT_NUL);
        assert_eq!(storable[3]["propertyNames"]["pattern"], WITHOUT_NUL);

        let sqlite = document("sqlite");
        let note = &sqlite["components"]["schemas"]["Note"]["properties"];
        assert_eq!(note["title"], json!({ "type": "string" }));
        assert_eq!(note["extra"], json!({}));
        assert_eq!(sqlite["components"]["schemas"].get(STORABLE_JSON), None);
    }

    /// Protected operations name the scheme and their scopes, and document the answers of a
    /// refused token; public ones need nothing; a service without `auth:` has no scheme.
    #[test]
    fn protected_operations_document_their_token() {
        let text = std::fs::read_to_string(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/specs/valid/members-area.yaml"
        ))
        .unwrap();
        let valid = crate::spec::check(&crate::spec::Source::new("msgen.yaml", &text)).unwrap();
        let doc = model(&crate::ir::lower(&valid));
        let scheme = &doc["components"]["securitySchemes"][BEARER];
        assert_eq!(scheme["scheme"], "bearer");
        assert_eq!(scheme["bearerFormat"], "JWT");

        let list = &doc["paths"]["/api/members"]["get"];
        assert_eq!(list["security"], json!([{ BEARER: ["members:read"] }]));
        let codes: Vec<&String> = list["responses"].as_object().unwrap().keys().collect();
        assert_eq!(codes, ["200", "400", "401", "403", "422", "429", "500"]);
        let promote = &doc["paths"]["/api/members/{id}/promote"]["post"];
        assert_eq!(
            promote["security"],
            json!([{ BEARER: ["members:admin", "members:promote"] }])
        );
        // Required without scopes: a token, but no 403 for scopes.
        let whoami = &doc["paths"]["/api/members/me"]["get"];
        assert_eq!(whoami["security"], json!([{ BEARER: [] }]));
        assert_eq!(whoami["responses"].get("403"), None);
        assert!(whoami["responses"].get("401").is_some());

        let public = &doc["paths"]["/api/announcements"]["get"];
        assert_eq!(public.get("security"), None);
        assert_eq!(public["responses"].get("401"), None);
        // Rate limits apply to every client, with a token or without.
        assert!(public["responses"].get("429").is_some());

        let open = document("sqlite");
        assert_eq!(open["components"].get("securitySchemes"), None);
        assert_eq!(open["components"]["responses"].get("Unauthorized"), None);
        assert_eq!(open["components"]["responses"].get("TooManyRequests"), None);
    }

    /// A nested list and a link route share their paths with custom operations of other
    /// modules: each path item holds every operation on it.
    #[test]
    fn routes_of_other_modules_on_one_path_share_its_item() {
        let text = "service: school
entities:
  Student:
    fields:
      name: string
  Course:
    fields:
      title: string
  Enrollment:
    links: [student, course]
    fields:
      student: { type: ref, entity: Student }
      course: { type: ref, entity: Course }
endpoints:
  - resource: Student
  - resource: Course
  - name: recount_enrollments
    method: POST
    path: /students/{id}/enrollments
    params: { id: uuid }
  - name: enrollment_of
    method: GET
    path: /students/{id}/courses/{course_id}
    params: { id: uuid, course_id: uuid }
  - resource: Enrollment
";
        let valid = crate::spec::check(&crate::spec::Source::new("msgen.yaml", text)).unwrap();
        let doc = model(&crate::ir::lower(&valid));
        let methods = |path: &str| -> Vec<String> {
            let item = doc["paths"][path].as_object().expect("a path item");
            let mut methods: Vec<String> = item
                .keys()
                .filter(|k| *k != "parameters")
                .cloned()
                .collect();
            methods.sort();
            methods
        };
        assert_eq!(methods("/students/{id}/enrollments"), ["get", "post"]);
        assert_eq!(
            methods("/students/{id}/courses/{course_id}"),
            ["delete", "get", "put"]
        );
        let link = &doc["paths"]["/students/{id}/courses/{course_id}"]["put"];
        assert_eq!(link["operationId"], "link_enrollment");
        let codes: Vec<&String> = link["responses"].as_object().unwrap().keys().collect();
        assert_eq!(codes, ["200", "201", "400", "404", "409", "500"]);
    }
}
