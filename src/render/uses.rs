//! What each generated file uses, so that it imports exactly that: model file contents,
//! import lists, the routes of a controller and the extractors of `extract.rs`.

use std::collections::BTreeSet;

use serde::Serialize;

use super::{rust, view};
use crate::ir::{CustomOperation, Entity, Field, Link, Resource, Service};
use crate::names;
use crate::spec::FieldType;

/// What a model module holds: an entity (with its inputs) and/or custom operation bodies.
#[derive(Serialize)]
pub(super) struct ModelFile<'a> {
    /// The file name without `.rs`.
    pub(super) file: String,
    /// The enums of inline bodies.
    pub(super) body_enums: Vec<&'a crate::ir::EnumType>,
    pub(super) entity: Option<&'a Entity>,
    /// What the cursors of the entity's list stand on, when it is paged by cursor.
    pub(super) keyset: Option<String>,
    pub(super) new_input: Option<Input<'a>>,
    pub(super) bodies: Vec<BodyView<'a>>,
    pub(super) patterns: Vec<Pattern>,
    pub(super) uses: ModelUses,
    pub(super) needs: ModelNeeds,
}

#[derive(Serialize)]
pub(super) struct Input<'a> {
    pub(super) name: String,
    pub(super) fields: &'a [Field],
    pub(super) has_checks: bool,
}

impl<'a> Input<'a> {
    fn new(name: &str, fields: &'a [Field]) -> Self {
        Self {
            name: name.to_string(),
            fields,
            has_checks: fields.iter().any(|f| !f.checks.is_empty()),
        }
    }
}

#[derive(Serialize)]
pub(super) struct BodyView<'a> {
    pub(super) operation: String,
    pub(super) request: bool,
    pub(super) type_name: String,
    pub(super) fields: &'a [Field],
    pub(super) input: Option<Input<'a>>,
}

#[derive(Serialize)]
pub(super) struct Pattern {
    pub(super) name: String,
    pub(super) literal: String,
}

#[derive(Serialize, Default)]
pub(super) struct ModelUses {
    pub(super) date: bool,
    pub(super) datetime: bool,
    pub(super) decimal: bool,
    pub(super) regex: bool,
    pub(super) uuid: bool,
    pub(super) enums: bool,
}

#[derive(Serialize, Default)]
pub(super) struct ModelNeeds {
    pub(super) app_error: bool,
    /// Some input has a field a client writes, whose JSON kind its shape check names.
    pub(super) kind: bool,
    pub(super) validator: bool,
    pub(super) serialize: bool,
}

impl<'a> ModelFile<'a> {
    pub(super) fn new(entity: Option<&'a Entity>, file: &str, ops: &[&'a CustomOperation]) -> Self {
        let mut bodies = Vec::new();
        let mut body_enums = Vec::new();
        for op in ops {
            for (body, request) in [(&op.request, true), (&op.response, false)] {
                let Some(body) = body.as_ref().filter(|b| b.inline) else {
                    continue;
                };
                body_enums.extend(&body.enums);
                bodies.push(BodyView {
                    operation: op.name.clone(),
                    request,
                    type_name: body.type_name.clone(),
                    fields: &body.fields,
                    input: request.then(|| Input::new(&body.type_name, &body.fields)),
                });
            }
        }
        let mut all_fields: Vec<(&str, &Field)> = Vec::new();
        if let Some(e) = entity {
            all_fields.extend(e.fields.iter().map(|f| (e.name.as_str(), f)));
        }
        for body in &bodies {
            all_fields.extend(body.fields.iter().map(|f| (body.type_name.as_str(), f)));
        }
        // Responses are not validated: only inputs have patterns to check.
        let responses: Vec<&str> = bodies
            .iter()
            .filter(|b| !b.request)
            .map(|b| b.type_name.as_str())
            .collect();
        let patterns: Vec<Pattern> = all_fields
            .iter()
            .filter(|(owner, _)| !responses.contains(owner))
            .filter_map(|(_, f)| {
                Some(Pattern {
                    name: f.pattern_static.clone()?,
                    literal: crate::names::rust_str(f.constraints.pattern.as_ref()?),
                })
            })
            .collect();
        let fields = || all_fields.iter().map(|(_, f)| f);
        let uses = ModelUses {
            date: fields().any(|f| f.kind == FieldType::Date),
            datetime: fields().any(|f| f.kind == FieldType::Datetime),
            decimal: fields().any(|f| f.kind == FieldType::Decimal),
            regex: !patterns.is_empty(),
            uuid: fields().any(|f| matches!(f.kind, FieldType::Uuid | FieldType::Ref)),
            enums: entity.is_some_and(|e| !e.enums.is_empty()) || !body_enums.is_empty(),
        };
        let has_inputs = entity.is_some() || bodies.iter().any(|b| b.request);
        let needs = ModelNeeds {
            app_error: has_inputs,
            kind: entity.is_some_and(|e| e.fields.iter().any(|f| !f.readonly))
                || bodies.iter().any(|b| b.request && !b.fields.is_empty()),
            validator: entity.is_some_and(|e| e.fields.iter().any(|f| !f.checks.is_empty()))
                || bodies
                    .iter()
                    .any(|b| b.input.as_ref().is_some_and(|i| i.has_checks)),
            // Enum types derive `Serialize` whatever body they belong to.
            serialize: entity.is_some()
                || bodies.iter().any(|b| !b.request)
                || !body_enums.is_empty(),
        };
        Self {
            file: file.to_string(),
            body_enums,
            keyset: entity.filter(|e| e.cursor).map(keyset),
            new_input: entity.map(|e| Input::new(&e.new_type, &e.fields)),
            entity,
            bodies,
            patterns,
            uses,
            needs,
        }
    }
}

#[derive(Serialize)]
pub(super) struct ResourceView<'a> {
    pub(super) resource: &'a Resource,
    pub(super) entity: Option<&'a Entity>,
}

/// A resource as `services/contracts.rs` sees it: of its entity, only the names of its types
/// and what decides the signatures of its functions. The file holds every resource; with no
/// more than this in its keys, a change to an entity's fields or its description does not
/// render it again (see `reuse`).
#[derive(Serialize)]
pub(super) struct ContractView<'a> {
    resource: &'a Resource,
    entity: Option<ContractEntity<'a>>,
}

#[derive(Serialize)]
struct ContractEntity<'a> {
    name: &'a str,
    human: &'a str,
    new_type: &'a str,
    patch_type: &'a str,
    filter_type: &'a str,
    filtered: bool,
    cursor: bool,
    link: Option<&'a Link>,
}

impl<'a> ContractView<'a> {
    pub(super) fn of(view: &ResourceView<'a>) -> Self {
        let entity = view.entity.map(|e| ContractEntity {
            name: &e.name,
            human: &e.human,
            new_type: &e.new_type,
            patch_type: &e.patch_type,
            filter_type: &e.filter_type,
            filtered: e.filtered,
            cursor: e.cursor,
            link: e.link.as_ref(),
        });
        ContractView {
            resource: view.resource,
            entity,
        }
    }
}

/// The types an operation's signature mentions, as import paths.
pub(super) fn operation_types(op: &CustomOperation, paths: &mut BTreeSet<String>) {
    if op.access.required {
        paths.insert("crate::auth::Caller".into());
    }
    for param in &op.params {
        type_paths(&super::view::rust_type(param), paths);
    }
    for body in [&op.request, &op.response].into_iter().flatten() {
        paths.insert(format!(
            "crate::models::{}::{}",
            body.module, body.type_name
        ));
    }
}

pub(super) fn type_paths(rust_type: &str, paths: &mut BTreeSet<String>) {
    for (name, path) in [
        ("Uuid", "uuid::Uuid"),
        ("NaiveDate", "chrono::NaiveDate"),
        ("DateTime", "chrono::DateTime"),
        ("Decimal", "rust_decimal::Decimal"),
    ] {
        if rust_type.contains(name) {
            paths.insert(path.to_string());
        }
    }
}

pub(super) fn contracts_imports(resources: &[ResourceView]) -> Vec<String> {
    let mut paths = BTreeSet::new();
    paths.insert("crate::db::Pool".to_string());
    for view in resources {
        let r = view.resource;
        if !r.operations.is_empty() || r.crud.any() {
            paths.insert("crate::error::AppError".to_string());
        }
        if let Some(e) = view.entity.filter(|_| r.crud.any()) {
            paths.insert("super::crud".into());
            crud_types(view, e, &mut paths);
            let c = r.crud;
            if ((c.list || c.get) && r.read.required)
                || ((c.create || c.update || c.delete) && r.write.required)
            {
                paths.insert("crate::auth::Caller".into());
            }
        }
        for op in &r.operations {
            operation_types(op, &mut paths);
        }
    }
    rust::imports(&paths.into_iter().collect::<Vec<_>>())
}

/// The imports of a resource's CRUD functions in `services/crud/`.
pub(super) fn crud_imports(view: &ResourceView, entity: &Entity) -> Vec<String> {
    let mut paths = BTreeSet::new();
    paths.insert("crate::db::Pool".to_string());
    let crud = &view.resource.crud;
    if crud.create || crud.update || crud.delete {
        // `db::begin`, the transaction of each write.
        paths.insert("crate::db::self".to_string());
    }
    paths.insert("crate::error::AppError".to_string());
    paths.insert(format!("crate::repositories::{}", entity.repo_module));
    for nested in &view.resource.nested {
        paths.insert(format!("crate::repositories::{}", nested.parent_repo));
    }
    if let Some(link) = entity.link.as_ref().filter(|_| view.resource.crud.create) {
        paths.insert(format!("crate::repositories::{}", link.owner.repo));
        paths.insert(format!("crate::repositories::{}", link.target.repo));
    }
    crud_types(view, entity, &mut paths);
    rust::imports(&paths.into_iter().collect::<Vec<_>>())
}

/// The types in the signatures of a resource's CRUD operations.
fn crud_types(view: &ResourceView, e: &Entity, paths: &mut BTreeSet<String>) {
    let r = view.resource;
    let model = format!("crate::models::{}", e.model_module);
    if r.crud.list {
        paths.insert("crate::models::Page".into());
        if e.cursor {
            paths.insert("crate::models::Window".into());
        } else {
            paths.insert("crate::models::Paged".into());
        }
        if e.filtered {
            paths.insert(format!("{model}::{}", e.filter_type));
        }
    }
    if r.crud.list || r.crud.get || r.crud.create || r.crud.update {
        paths.insert(format!("{model}::{}", e.name));
    }
    if r.crud.create || r.crud.update {
        paths.insert(format!("{model}::{}", e.new_type));
    }
    if r.crud.update {
        paths.insert(format!("{model}::{}", e.patch_type));
    }
    if r.crud.item() || !r.nested.is_empty() || r.link_route.is_some() {
        paths.insert("uuid::Uuid".into());
    }
}

pub(super) fn service_imports(view: &ResourceView) -> Vec<String> {
    let r = view.resource;
    let mut paths = BTreeSet::new();
    if r.operations.is_empty() {
        paths.insert(format!("super::{}", r.service_type));
        paths.insert(format!("super::{}", r.trait_name));
        return rust::imports(&paths.into_iter().collect::<Vec<_>>());
    }
    paths.insert(format!("super::{}", r.service_type));
    paths.insert(format!("super::{}", r.trait_name));
    paths.insert("crate::error::AppError".to_string());
    for op in &r.operations {
        operation_types(op, &mut paths);
    }
    rust::imports(&paths.into_iter().collect::<Vec<_>>())
}

/// Which extractors and answers of `extract.rs` the controllers use.
#[derive(Debug, Default, Serialize)]
pub(super) struct ExtractUses {
    pub(super) json: bool,
    pub(super) path: bool,
    pub(super) query: bool,
    /// A list is paged by cursor.
    pub(super) listed: bool,
    pub(super) created: bool,
    pub(super) etag: bool,
    pub(super) if_match: bool,
}

impl ExtractUses {
    pub(super) fn any(&self) -> bool {
        self.json || self.path || self.query || self.created || self.etag || self.if_match
    }
}

pub(super) fn extract_uses(s: &Service) -> (ExtractUses, Vec<String>) {
    let mut x = ExtractUses::default();
    for r in &s.resources {
        let c = r.crud;
        if let Some(entity) = r.entity {
            let cursor = s.entities[entity].cursor;
            x.json |= (c.list && !cursor) || c.get || c.create || c.update;
            x.path |= c.item() || !r.nested.is_empty() || r.link_route.is_some();
            x.query |= c.list;
            x.listed |= c.list && cursor;
            x.created |= c.create;
            x.etag |= c.get || c.update || (c.create && r.link_route.is_some());
            x.if_match |= c.update || c.delete;
        }
        for op in &r.operations {
            x.json |= op.request.is_some() || op.response.is_some();
            x.path |= !op.params.is_empty();
        }
    }
    let mut paths: Vec<&str> = Vec::new();
    if x.json {
        paths.extend([
            "axum::body::Bytes",
            "axum::extract::rejection::BytesRejection",
            "axum::extract::FromRequest",
            "axum::extract::Request",
            "axum::http::header",
            "axum::http::StatusCode",
            "axum::response::IntoResponse",
            "axum::response::Response",
            "serde::de::DeserializeOwned",
            "crate::error::FieldError",
            "crate::models::Body",
            "crate::models::Shape",
        ]);
    }
    if x.path {
        paths.extend([
            "axum::extract::rejection::PathRejection",
            "axum::extract::FromRequestParts",
        ]);
    }
    if x.query {
        paths.extend([
            "axum::extract::rejection::QueryRejection",
            "axum::extract::FromRequestParts",
            "axum::http::request::Parts",
            "serde::de::DeserializeOwned",
            "std::marker::PhantomData",
            "crate::error::FieldError",
            "crate::models::QueryParams",
        ]);
    }
    if x.created {
        paths.extend([
            "axum::http::header",
            "axum::http::StatusCode",
            "axum::response::IntoResponse",
            "axum::response::Response",
        ]);
    }
    if x.listed {
        paths.extend([
            "axum::http::header",
            "axum::http::HeaderValue",
            "axum::http::Uri",
            "axum::response::IntoResponse",
            "axum::response::Response",
            "crate::cursor::Cursors",
            "crate::models::CursorPaged",
            "crate::models::Keyset",
            "crate::models::Page",
            "crate::models::Window",
        ]);
    }
    if x.etag {
        paths.extend(["axum::http::header", "axum::http::HeaderName"]);
    }
    if x.if_match {
        paths.extend([
            "std::future::Future",
            "axum::extract::FromRequestParts",
            "axum::http::header",
            "axum::http::request::Parts",
        ]);
    }
    if x.any() {
        paths.push("crate::error::AppError");
    }
    let paths: Vec<String> = paths.into_iter().map(String::from).collect();
    (x, rust::imports(&paths))
}

pub(super) fn repository_imports(e: &Entity) -> Vec<String> {
    let model = format!("crate::models::{}", e.model_module);
    let mut paths = vec![
        "chrono::Utc".to_string(),
        "sqlx::Executor".into(),
        "sqlx::Row as _".into(),
        "uuid::Uuid".into(),
        "crate::db::Database".into(),
        "crate::db::Pool".into(),
        "crate::db::Row".into(),
        "crate::models::Page".into(),
        "sqlx::QueryBuilder".into(),
        format!("{model}::{}", e.name),
        format!("{model}::{}", e.new_type),
    ];
    if e.fields.iter().any(|f| f.stored_as_text) {
        paths.push("crate::db::self".into());
    }
    if e.filtered {
        paths.push(format!("{model}::{}", e.filter_type));
    }
    if e.cursor {
        paths.push("serde_json::Value".into());
        for key in cursor_keys(e) {
            match key.ty.as_str() {
                "DateTime<Utc>" => paths.push("chrono::DateTime".into()),
                "NaiveDate" => paths.push("chrono::NaiveDate".into()),
                "Decimal" => paths.push("rust_decimal::Decimal".into()),
                // The enums of the sortable columns, which a cursor's values are read as.
                ty if e.enums.iter().any(|en| en.name == ty) => {
                    paths.push(format!("{model}::{ty}"));
                }
                _ => {}
            }
        }
    }
    rust::imports(&paths)
}

/// What a cursor into `e`'s list stands on: the entity, and the columns whose values it may
/// hold with their types (`Payment: amount decimal, status enum(pending|paid), id uuid`). A
/// cursor made when this was otherwise cannot be read.
fn keyset(e: &Entity) -> String {
    let keys: Vec<String> = cursor_columns(e)
        .into_iter()
        .map(|column| match e.field(column) {
            Some(f) => match e
                .enums
                .iter()
                .find(|en| Some(&en.name) == f.enum_type.as_ref())
            {
                Some(en) => {
                    let values: Vec<&str> = en.variants.iter().map(|v| v.value.as_str()).collect();
                    format!("{column} enum({})", values.join("|"))
                }
                None => format!("{column} {}", f.kind.as_str()),
            },
            None if column == "id" => "id uuid".to_owned(),
            None => format!("{column} datetime"),
        })
        .collect();
    format!("{}: {}", e.name, keys.join(", "))
}

/// The columns whose values a cursor of `e`'s list may hold: those it may be sorted by, and
/// `id`.
fn cursor_columns(e: &Entity) -> Vec<&str> {
    let mut columns: Vec<&str> = Vec::new();
    for column in e.sorted_columns().chain(["id"]) {
        if !columns.contains(&column) {
            columns.push(column);
        }
    }
    columns
}

/// The columns whose values a cursor of `e`'s list holds, as the arms of the match that
/// binds them: one for the columns of each Rust type and bind, or more where their pattern
/// would not fit on a line.
#[derive(Serialize)]
pub(super) struct CursorKey {
    /// The arm's pattern: `"created_at" | "updated_at"`.
    pub(super) pattern: String,
    /// The Rust type of the value, as read from the cursor.
    pub(super) ty: String,
    /// How it is bound, given `value` of that type.
    pub(super) bind: String,
}

pub(super) fn cursor_keys(e: &Entity) -> Vec<CursorKey> {
    // The pattern, at its indent, and ` => {`.
    const ROOM: usize = rust::MAX_WIDTH - 8 - " => {".len();
    let mut keys: Vec<CursorKey> = Vec::new();
    for column in cursor_columns(e) {
        let (ty, bind) = match e.field(column) {
            Some(f) => (view::rust_type(f), view::value_bind(f)),
            None if column == "id" => ("Uuid".to_owned(), "value".to_owned()),
            None => ("DateTime<Utc>".to_owned(), "value".to_owned()),
        };
        let quoted = format!("{column:?}");
        let joins = |k: &CursorKey| {
            k.ty == ty && k.bind == bind && k.pattern.len() + 3 + quoted.len() <= ROOM
        };
        match keys.iter_mut().find(|k| joins(k)) {
            Some(key) => key.pattern = format!("{} | {quoted}", key.pattern),
            None => keys.push(CursorKey {
                pattern: quoted,
                ty,
                bind,
            }),
        }
    }
    keys
}

/// One `.route(path, method(handler))` per method and path.
#[derive(Serialize)]
pub(super) struct Route {
    pub(super) path: String,
    pub(super) method: String,
    pub(super) handler: String,
}

/// Paths are full, base path included: the service's router merges the controllers' routers
/// instead of nesting them, so that no request has its URI rebuilt to strip a prefix.
pub(super) fn controller_routes(
    base_path: &str,
    resource: &Resource,
    entity: Option<&Entity>,
) -> Vec<Route> {
    let mut routes = Vec::new();
    let mut add = |path: &str, method: &str, handler: String| {
        routes.push(Route {
            path: path.to_string(),
            method: method.to_string(),
            handler,
        })
    };
    if let Some(e) = entity {
        let collection = format!("{base_path}{}", resource.route);
        let item = format!("{collection}/{{id}}");
        let c = resource.crud;
        if c.list {
            add(&collection, "get", format!("list_{}", e.repo_file));
        }
        if c.create {
            add(&collection, "post", format!("create_{}", e.snake));
        }
        if c.get {
            add(&item, "get", format!("get_{}", e.snake));
        }
        if c.update {
            add(&item, "put", format!("update_{}", e.snake));
            add(&item, "patch", format!("patch_{}", e.snake));
        }
        if c.delete {
            add(&item, "delete", format!("delete_{}", e.snake));
        }
    }
    for nested in &resource.nested {
        let path = format!("{base_path}{}", nested.route);
        add(&path, "get", nested.handler.clone());
    }
    if let (Some(route), Some(e)) = (&resource.link_route, entity) {
        let path = format!("{base_path}{route}");
        let [link, unlink] = names::link_handlers(&e.snake);
        if resource.crud.create {
            add(&path, "put", link);
        }
        if resource.crud.delete {
            add(&path, "delete", unlink);
        }
    }
    for op in &resource.operations {
        add(
            &format!("{base_path}{}", op.path),
            op.method.lower(),
            op.ident.clone(),
        );
    }
    routes
}

pub(super) fn controller_imports(resource: &Resource, entity: Option<&Entity>) -> Vec<String> {
    let mut paths = BTreeSet::new();
    for route in &controller_routes("", resource, entity) {
        paths.insert(format!("axum::routing::{}", route.method));
    }
    paths.insert("axum::extract::State".into());
    paths.insert("axum::Router".into());
    paths.insert("crate::error::AppError".into());
    paths.insert("crate::state::AppState".into());
    paths.insert(format!("crate::services::{}", resource.trait_name));
    let crud = entity.is_some().then_some(resource.crud);
    let reads = crud.is_some_and(|c| c.list || c.get) && resource.read.required;
    let writes = crud.is_some_and(|c| c.create || c.update || c.delete) && resource.write.required;
    if reads || writes {
        paths.insert("crate::auth::Caller".into());
    }
    if let Some(e) = entity {
        let c = resource.crud;
        let model = format!("crate::models::{}", e.model_module);
        if c.list {
            paths.insert("crate::extract::Query".into());
            paths.insert("crate::models::Page".into());
            if e.cursor {
                paths.insert("axum::extract::OriginalUri".into());
                paths.insert("crate::extract::Listed".into());
                paths.insert("crate::models::CursorParams".into());
            } else {
                paths.insert("crate::extract::Json".into());
                paths.insert("crate::models::PageParams".into());
                paths.insert("crate::models::Paged".into());
            }
            if e.filtered {
                paths.insert(format!("{model}::{}", e.filter_type));
            }
        }
        if c.get || c.create || c.update {
            paths.insert("crate::extract::Json".into());
        }
        if c.list || c.get || c.create || c.update {
            paths.insert(format!("{model}::{}", e.name));
        }
        if c.create || c.update {
            paths.insert(format!("{model}::{}", e.new_type));
        }
        if c.create {
            paths.insert("crate::extract::Created".into());
        }
        if c.update {
            paths.insert(format!("{model}::{}", e.patch_type));
        }
        if c.item() || !resource.nested.is_empty() {
            paths.insert("crate::extract::Path".into());
            paths.insert("uuid::Uuid".into());
        }
        if c.get || c.update {
            paths.insert("crate::extract::etag".into());
            paths.insert("crate::extract::ETag".into());
        }
        if c.update || c.delete {
            paths.insert("crate::extract::IfMatch".into());
            paths.insert(format!("crate::repositories::{}", e.repo_module));
        }
        if c.delete {
            paths.insert("axum::http::StatusCode".into());
        }
        if resource.link_route.is_some() {
            paths.insert("crate::extract::Path".into());
            paths.insert("uuid::Uuid".into());
            if c.create {
                paths.insert("axum::response::IntoResponse".into());
                paths.insert("axum::response::Response".into());
                paths.insert("crate::extract::etag".into());
                paths.insert("crate::extract::Json".into());
            }
        }
    }
    for op in &resource.operations {
        operation_types(op, &mut paths);
        if !op.params.is_empty() {
            paths.insert("crate::extract::Path".into());
        }
        if op.request.is_some() || op.response.is_some() {
            paths.insert("crate::extract::Json".into());
        }
        if op.response.is_none() {
            paths.insert("axum::http::StatusCode".into());
        }
    }
    rust::imports(&paths.into_iter().collect::<Vec<_>>())
}
