//! From a validated spec to the IR. The spec is known to be valid here: names are legal and
//! unique and every reference resolves, so nothing in this module can fail.

use super::sample;
use super::*;
use crate::names::{self, sql_str, title, EntityNames, FieldNames, OperationNames};
use crate::spec::{self, Body, Endpoint, Literal, ValidSpec};

const DEFAULT_VERSION: &str = "0.1.0";
const DEFAULT_PORT: u16 = 8080;
pub const DEFAULT_GRPC_PORT: u16 = 50051;

pub fn lower(valid: &ValidSpec) -> Service {
    let spec = valid.spec();
    let names = valid.names();
    let database = spec.database.as_ref().map(|d| d.value).unwrap_or_default();
    let mut uses = Uses::default();
    let mut entities: Vec<Entity> = spec
        .entities
        .iter()
        .zip(&names.entities)
        .map(|(entity, n)| lower_entity(entity, n, names, database, &mut uses))
        .collect();
    for endpoint in &spec.endpoints {
        let Endpoint::Resource(r) = endpoint else {
            continue;
        };
        if r.paging
            .as_ref()
            .is_some_and(|p| p.value == spec::Paging::Cursor)
        {
            let entity = entities.iter_mut().find(|e| e.name == r.resource.value);
            entity.expect("validated: resources name entities").cursor = true;
            uses.cursor = true;
        }
    }
    for (i, declared) in spec.entities.iter().enumerate() {
        entities[i].link = link(declared, &entities);
    }
    let resources = lower_resources(spec, names, &entities, database, &mut uses);
    uses.idempotency = resources.iter().any(|r| {
        (r.entity.is_some() && r.crud.create)
            || r.operations
                .iter()
                .any(|op| op.method == spec::Method::Post)
    });
    let events = Events {
        publish: lower_events(
            &spec.events.publish,
            &names.publish,
            names,
            database,
            &mut uses,
        ),
        consume: lower_events(
            &spec.events.consume,
            &names.consume,
            names,
            database,
            &mut uses,
        ),
    };
    Service {
        name: spec.service.value.clone(),
        crate_name: names.krate.text.clone(),
        title: title(&spec.service),
        description: spec
            .description
            .as_ref()
            .map(|d| d.value.trim().to_string())
            .unwrap_or_default(),
        version: spec
            .version
            .as_ref()
            .map_or(DEFAULT_VERSION.into(), |v| v.value.clone()),
        database,
        broker: spec.broker.as_ref().map(|b| b.value).unwrap_or_default(),
        base_path: spec
            .base_path
            .as_ref()
            .map(|b| b.value.clone())
            .unwrap_or_default(),
        port: spec.port.as_ref().map_or(DEFAULT_PORT, |p| p.value),
        entities,
        resources,
        events,
        uses,
        auth: spec.auth.as_ref().map(lower_auth),
        clients: Vec::new(),
        grpc: grpc(spec, &names.krate.text),
    }
}

/// The gRPC server of a spec whose `transports:` has `grpc`.
fn grpc(spec: &spec::Spec, krate: &str) -> Option<Grpc> {
    let transports = spec.transports.as_ref()?;
    if !transports
        .value
        .iter()
        .any(|t| t.value == spec::Transport::Grpc)
    {
        return None;
    }
    let name = names::pascal(&spec.service.value);
    Some(Grpc {
        port: spec
            .grpc_port
            .as_ref()
            .map_or(DEFAULT_GRPC_PORT, |p| p.value),
        package: format!("{krate}.v1"),
        service: if name.ends_with("Service") {
            name
        } else {
            format!("{name}Service")
        },
        path: format!("proto/{krate}/v1/{krate}.proto"),
    })
}

fn lower_auth(auth: &spec::Auth) -> Auth {
    let (keys, keys_from) = match &auth
        .keys
        .first()
        .expect("validated: one source of keys")
        .value
    {
        spec::KeySource::JwksUrl(url) => ("jwks", url),
        spec::KeySource::PublicKeyEnv(var) => ("public_key", var),
        spec::KeySource::SecretEnv(var) => ("secret", var),
    };
    let value = |v: &Option<spec::Spanned<String>>| {
        v.as_ref().map_or_else(String::new, |v| v.value.clone())
    };
    Auth {
        issuer: value(&auth.issuer),
        audience: value(&auth.audience),
        keys,
        keys_from: keys_from.clone(),
        algorithms: match &auth.algorithms {
            Some(list) => list.value.iter().map(|a| a.value.as_str()).collect(),
            None => vec![spec::Algorithm::Rs256.as_str()],
        },
        scopes_claim: auth
            .scopes_claim
            .as_ref()
            .map_or_else(|| "scope".to_string(), |c| c.value.clone()),
    }
}

/// Who may call an endpoint: a token is required once the service has `auth:`, unless the
/// endpoint is public.
fn access(
    spec: &spec::Spec,
    auth: Option<&spec::Spanned<spec::Access>>,
    scopes: Option<&spec::ScopeList>,
) -> Access {
    let required = spec.auth.is_some() && auth.is_none_or(|a| a.value == spec::Access::Required);
    Access {
        required,
        scopes: scopes
            .filter(|_| required)
            .map(|list| list.value.iter().map(|s| s.value.clone()).collect())
            .unwrap_or_default(),
    }
}

fn lower_events(
    events: &[spec::Event],
    event_names: &[names::EventNames],
    names: &names::Table,
    database: Database,
    uses: &mut Uses,
) -> Vec<Event> {
    events
        .iter()
        .zip(event_names)
        .map(|(event, n)| {
            let name = event.name.value.clone();
            // Payloads are decoded, not validated: only the types they use matter here.
            let mut payload_uses = Uses::default();
            let fields = lower_fields(
                &event.payload,
                &n.fields,
                names,
                database,
                &mut payload_uses,
            );
            uses.decimal |= payload_uses.decimal;
            uses.date |= payload_uses.date;
            uses.json |= payload_uses.json;
            let key = fields
                .iter()
                .find(|f| f.kind == FieldType::Uuid && !f.optional)
                .map(|f| f.ident.clone());
            Event {
                handler: n.handler.ident(),
                snake: n.handler.text.clone(),
                subject: event.subject.value.clone(),
                description: event
                    .description
                    .as_ref()
                    .map(|d| d.value.trim().to_string()),
                from: event.from.as_ref().map(|f| f.value.clone()),
                enums: enums_of(&fields, &n.fields),
                fields,
                key,
                name,
            }
        })
        .collect()
}

fn lower_entity(
    entity: &spec::Entity,
    n: &EntityNames,
    names: &names::Table,
    database: Database,
    uses: &mut Uses,
) -> Entity {
    let name = entity.name.value.clone();
    let declared: Vec<(&spec::Field, &FieldNames)> = entity
        .fields
        .iter()
        .zip(&n.fields)
        .filter(|(f, _)| !spec::Entity::IMPLICIT.contains(&f.name.as_str()))
        .collect();
    let mut fields: Vec<Field> = declared
        .iter()
        .map(|(f, field_names)| lower_field(f, field_names, names, database, uses))
        .collect();
    if database == Database::Postgres {
        for field in &mut fields {
            refuse_nul(field, uses);
        }
    }
    let enums = enums_of(&fields, declared.iter().map(|(_, n)| *n));
    let filters = positions(&declared, spec::Field::is_filter);
    let sets = positions(&declared, |f| f.is_filter() && f.ty.value.has_sets());
    let searches = positions(&declared, |f| f.search.is_some());
    let mut references: Vec<String> = fields
        .iter()
        .filter_map(|f| f.references.as_ref().map(|r| r.entity.clone()))
        .collect();
    references.dedup();
    let sortable = entity.sortable_columns();
    let ranges = entity.range_columns();
    let default_sort = match &entity.default_sort {
        Some(keys) => keys
            .value
            .iter()
            .map(|k| k.value.as_str())
            .collect::<Vec<_>>()
            .join(","),
        None => "-created_at".to_owned(),
    };
    let field = |name: &str| fields.iter().find(|f| f.name == name);
    let mut nullable_sorts: Vec<String> = Vec::new();
    let mut numeric_text_sorts: Vec<String> = Vec::new();
    let defaults = default_sort.split(',').map(|k| k.trim_start_matches('-'));
    for name in sortable.iter().map(String::as_str).chain(defaults) {
        let Some(f) = field(name) else { continue };
        if f.optional && !nullable_sorts.iter().any(|n| n == name) {
            nullable_sorts.push(name.to_owned());
        }
        let numeric_text = database == Database::Sqlite && f.kind == FieldType::Decimal;
        if numeric_text && !numeric_text_sorts.iter().any(|n| n == name) {
            numeric_text_sorts.push(name.to_owned());
        }
    }
    Entity {
        renamed_from: n.old_table.clone(),
        description: entity.description.as_ref().map(|d| d.value.clone()),
        human: n.human.clone(),
        model_module: n.model.ident(),
        model_file: n.model.text.clone(),
        repo_module: names::rust_ident(&n.plural),
        repo_file: n.plural.clone(),
        route_segment: n.route.clone(),
        new_type: n.create.text.clone(),
        patch_type: n.patch.text.clone(),
        filter_type: n.filter.text.clone(),
        has_defaults: fields.iter().any(|f| f.default.is_some()),
        snake: n.model.text.clone(),
        table: n.table.text.clone(),
        plural: n.plural.clone(),
        fields,
        enums,
        filtered: !(filters.is_empty()
            && sets.is_empty()
            && ranges.is_empty()
            && searches.is_empty()),
        filters,
        sets,
        searches,
        sortable,
        ranges,
        default_sort,
        nullable_sorts,
        numeric_text_sorts,
        cursor: false,
        references,
        link: None,
        name,
    }
}

/// Lowers a list of fields, each with its names.
/// Where the declared fields `keep` keeps are among them.
fn positions(
    declared: &[(&spec::Field, &FieldNames)],
    keep: impl Fn(&spec::Field) -> bool,
) -> Vec<usize> {
    declared
        .iter()
        .enumerate()
        .filter(|(_, (f, _))| keep(f))
        .map(|(i, _)| i)
        .collect()
}

fn lower_fields(
    list: &[spec::Field],
    field_names: &[FieldNames],
    names: &names::Table,
    database: Database,
    uses: &mut Uses,
) -> Vec<Field> {
    list.iter()
        .zip(field_names)
        .map(|(f, n)| lower_field(f, n, names, database, uses))
        .collect()
}

/// The enum types that fields declare, one per enum field.
fn enums_of<'n>(
    fields: &[Field],
    names: impl IntoIterator<Item = &'n FieldNames>,
) -> Vec<EnumType> {
    fields
        .iter()
        .zip(names)
        .filter_map(|(field, n)| {
            Some(EnumType {
                name: field.enum_type.clone()?,
                variants: n
                    .variants
                    .iter()
                    .map(|v| EnumVariant {
                        ident: v.name.text.clone(),
                        value: v.value.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}

fn lower_field(
    field: &spec::Field,
    n: &FieldNames,
    names: &names::Table,
    database: Database,
    uses: &mut Uses,
) -> Field {
    let kind = field.ty.value;
    let name = n.name.text.clone();
    let enum_type = n.enum_type.as_ref().map(|t| t.text.clone());
    let optional = field.is_optional();
    match kind {
        FieldType::Decimal => uses.decimal = true,
        FieldType::Date => uses.date = true,
        FieldType::Json => uses.json = true,
        _ => {}
    }
    let constraints = Constraints {
        min: field.min.as_ref().map(|n| n.text.clone()),
        max: field.max.as_ref().map(|n| n.text.clone()),
        min_length: field.min_length.as_ref().map(|n| n.value),
        max_length: field.max_length.as_ref().map(|n| n.value),
        pattern: field.pattern.as_ref().map(|p| p.value.clone()),
        format: field.format.as_ref().map(|f| match f.value {
            spec::Format::Email => "email".to_string(),
            spec::Format::Url => "url".to_string(),
        }),
        values: field
            .values
            .as_ref()
            .map(|vs| vs.value.iter().map(|v| v.value.clone()).collect())
            .unwrap_or_default(),
        without_nul: false,
    };
    let checks = checks(kind, &constraints, uses);
    let immutable = field.immutable.as_ref().is_some_and(|i| i.value);
    uses.immutable |= immutable;
    uses.validator |= !checks.is_empty();
    let default = field
        .default
        .as_ref()
        .filter(|d| d.value != Literal::Null)
        .map(|d| DefaultValue {
            value: default_literal(&d.value, n),
            function: n.default_fn.clone(),
        });
    let default_sql = field
        .default
        .as_ref()
        .filter(|d| d.value != Literal::Null)
        .map(|d| sql_literal(&d.value, kind, database));
    let references = field.entity.as_ref().map(|target| {
        let entity = names
            .entity(&target.value)
            .expect("validated: ref targets exist");
        Reference {
            entity: target.value.clone(),
            table: entity.table.text.clone(),
            on_delete: field
                .on_delete
                .as_ref()
                .map(|o| o.value)
                .unwrap_or_default(),
        }
    });
    let samples = [0, 1].map(|n| sample::rust_json(&sample::value(kind, &constraints, n)));
    Field {
        renamed_from: n.old_name.clone(),
        pattern_static: constraints.pattern.as_ref().map(|_| n.pattern.clone()),
        ident: n.name.ident(),
        kind,
        optional,
        stored_as_text: kind == FieldType::Enum
            || (kind == FieldType::Decimal && database == Database::Sqlite),
        default,
        default_sql,
        unique: field.unique.as_ref().is_some_and(|u| u.value),
        index: field.index.as_ref().is_some_and(|i| i.value),
        search: field.search.as_ref().map(|s| s.value),
        readonly: field.readonly.as_ref().is_some_and(|r| r.value),
        immutable,
        description: field.description.as_ref().map(|d| d.value.clone()),
        enum_type,
        references,
        checks,
        samples,
        constraints,
        name,
    }
}

fn checks(kind: FieldType, c: &Constraints, uses: &mut Uses) -> Vec<Check> {
    let mut checks = Vec::new();
    if let Some(min) = &c.min {
        uses.min = true;
        checks.push(Check {
            rule: Rule::Min(min.clone()),
            invalid: sample::below(kind, min),
        });
    }
    if let Some(max) = &c.max {
        uses.max = true;
        checks.push(Check {
            rule: Rule::Max(max.clone()),
            invalid: sample::above(kind, max),
        });
    }
    if let Some(min) = c.min_length {
        uses.min_length = true;
        checks.push(Check {
            rule: Rule::MinLength(min),
            invalid: (min > 0).then(|| sample::string_of_length(c, min as usize - 1)),
        });
    }
    if let Some(max) = c.max_length {
        uses.max_length = true;
        checks.push(Check {
            rule: Rule::MaxLength(max),
            invalid: Some(sample::string_of_length(c, max as usize + 1)),
        });
    }
    if let Some(pattern) = &c.pattern {
        uses.regex = true;
        checks.push(Check {
            rule: Rule::Pattern,
            invalid: sample::not_matching(pattern, c),
        });
    }
    match c.format.as_deref() {
        Some("email") => {
            uses.email = true;
            checks.push(Check {
                rule: Rule::Email,
                invalid: Some("\"not-an-email\"".into()),
            });
        }
        Some("url") => {
            uses.url = true;
            checks.push(Check {
                rule: Rule::Url,
                invalid: Some("\"not a url\"".into()),
            });
        }
        _ => {}
    }
    checks
}

/// PostgreSQL's `text` and `jsonb` hold no NUL character (U+0000), which JSON strings may
/// carry: a stored field of free text or JSON refuses it with the other checks, rather than
/// failing in the database.
fn refuse_nul(field: &mut Field, uses: &mut Uses) {
    let rule = match field.kind {
        FieldType::String | FieldType::Text => {
            uses.nul = true;
            Rule::WithoutNul
        }
        FieldType::Json => {
            uses.json_nul = true;
            Rule::JsonWithoutNul
        }
        _ => return,
    };
    field.constraints.without_nul = true;
    field.checks.push(Check {
        rule,
        invalid: Some(if field.kind == FieldType::Json {
            r#"{ "note": "a\u{0}b" }"#.into()
        } else {
            r#""a\u{0}b""#.into()
        }),
    });
    uses.validator = true;
}

/// A default as written in the spec, an enum's resolved to its variant.
fn default_literal(literal: &Literal, n: &FieldNames) -> DefaultLiteral {
    match literal {
        Literal::Bool(b) => DefaultLiteral::Bool(*b),
        Literal::Number(number) => DefaultLiteral::Number(number.clone()),
        Literal::String(text) => match &n.enum_type {
            Some(_) => {
                let variant = n
                    .variants
                    .iter()
                    .find(|v| v.value == *text)
                    .expect("validated: an enum default is one of its values");
                DefaultLiteral::Variant(variant.name.text.clone())
            }
            None => DefaultLiteral::Text(text.clone()),
        },
        Literal::Null => unreachable!("a null default is no default"),
    }
}

fn sql_literal(literal: &Literal, kind: FieldType, database: Database) -> String {
    match (literal, kind, database) {
        (Literal::Bool(b), _, Database::Sqlite) => u8::from(*b).to_string(),
        (Literal::Bool(b), _, Database::Postgres) => b.to_string(),
        (Literal::Number(n), FieldType::Decimal, Database::Sqlite) => sql_str(n),
        (Literal::Number(n), _, _) => n.clone(),
        (Literal::String(s), FieldType::Uuid, Database::Sqlite) => {
            format!("X'{}'", s.replace('-', "").to_uppercase())
        }
        (Literal::String(s), _, _) => sql_str(s),
        (Literal::Null, _, _) => "null".into(),
    }
}

fn lower_resources(
    spec: &spec::Spec,
    names: &names::Table,
    entities: &[Entity],
    database: Database,
    uses: &mut Uses,
) -> Vec<Resource> {
    let mut resources: Vec<Resource> = names
        .modules
        .iter()
        .map(|m| Resource {
            module: m.file.ident(),
            file: m.file.text.clone(),
            service_type: m.service.text.clone(),
            trait_name: m.service_trait.text.clone(),
            entity: m.entity,
            crud: Crud::default(),
            read: Access::default(),
            write: Access::default(),
            operations: Vec::new(),
            route: format!("/{}", m.route),
            nested: Vec::new(),
            link_route: None,
            grpc: false,
        })
        .collect();
    for (i, endpoint) in spec.endpoints.iter().enumerate() {
        match endpoint {
            Endpoint::Resource(r) => {
                let name = r.resource.value.as_str();
                let resource = resources
                    .iter_mut()
                    .find(|m| m.entity.is_some_and(|e| entities[e].name == name))
                    .expect("validated: resources name entities");
                resource.crud = crud(r.operations.as_deref());
                resource.grpc = serves_grpc(spec, r.grpc.as_ref());
                let (read, write) = match &r.scopes {
                    None => (None, None),
                    Some(spec::ResourceScopes::All(list)) => (Some(list), Some(list)),
                    Some(spec::ResourceScopes::ByKind { read, write, .. }) => {
                        (read.as_ref(), write.as_ref())
                    }
                };
                resource.read = access(spec, r.auth.as_ref(), read);
                resource.write = access(spec, r.auth.as_ref(), write);
                if resource.crud.list {
                    let entity = &entities[resource.entity.expect("found by its entity")];
                    let declared = spec.entities.iter().find(|e| e.name.value == name);
                    let declared = declared.expect("validated: resources name entities");
                    resource.nested = nested_lists(declared, entity, entities);
                }
                let entity = &entities[resource.entity.expect("found by its entity")];
                if resource.crud.create || resource.crud.delete {
                    resource.link_route = entity.link.as_ref().map(|link| {
                        let owner = &entities[link.owner.entity];
                        format!(
                            "/{}/{{id}}/{}/{{{}}}",
                            owner.route_segment, link.segment, link.target.column
                        )
                    });
                }
            }
            Endpoint::Custom(op) => {
                uses.custom_operations = true;
                let op_names = names.operation(i).expect("every custom endpoint is named");
                let index = names
                    .module_index(op_names)
                    .expect("validated: paths start with a module's segment");
                let model_module = resources[index].entity.map_or_else(
                    || resources[index].module.clone(),
                    |e| entities[e].model_module.clone(),
                );
                let mut lowered =
                    lower_operation(op, op_names, &model_module, names, entities, database, uses);
                lowered.access = access(spec, op.auth.as_ref(), op.scopes.as_ref());
                lowered.grpc = serves_grpc(spec, op.grpc.as_ref());
                resources[index].operations.push(lowered);
            }
        }
    }
    resources
}

/// Whether an endpoint with `grpc:` as given is served over gRPC: by default, when the service
/// serves gRPC at all.
fn serves_grpc(spec: &spec::Spec, flag: Option<&spec::Spanned<bool>>) -> bool {
    let grpc = spec
        .transports
        .as_ref()
        .is_some_and(|t| t.value.iter().any(|t| t.value == spec::Transport::Grpc));
    grpc && flag.is_none_or(|f| f.value)
}

/// The lists of `entity`'s records under each record they reference, where the reference is
/// the only one to its entity (with two, which one a nested route follows would not be clear;
/// the list's filters tell them apart).
fn nested_lists(
    spec_entity: &spec::Entity,
    entity: &Entity,
    entities: &[Entity],
) -> Vec<NestedList> {
    spec_entity
        .nesting_references()
        .into_iter()
        .filter_map(|reference| {
            let f = entity.field(&reference.column())?;
            let target = f.references.as_ref()?;
            let parent = entities.iter().position(|e| e.name == target.entity)?;
            let p = &entities[parent];
            Some(NestedList {
                column: f.name.clone(),
                ident: f.ident.clone(),
                route: format!("/{}/{{id}}/{}", p.route_segment, entity.route_segment),
                method: names::nested_list_method(&p.snake),
                handler: names::nested_list_handler(&entity.repo_file, &p.snake),
                parent,
                parent_repo: p.repo_module.clone(),
                parent_human: p.human.clone(),
            })
        })
        .collect()
}

/// What the records of `declared` link, when it is a join entity (`links:`).
fn link(declared: &spec::Entity, entities: &[Entity]) -> Option<Link> {
    let side = |field: &spec::Field| {
        let target = &field.entity.as_ref()?.value;
        let entity = entities.iter().position(|e| &e.name == target)?;
        let column = field.column();
        let listed = entities.iter().find(|e| e.name == declared.name.value)?;
        Some(LinkSide {
            ident: listed.field(&column)?.ident.clone(),
            column,
            entity,
            repo: entities[entity].repo_module.clone(),
            human: entities[entity].human.clone(),
        })
    };
    let [owner, target] = declared.link_fields()?;
    Some(Link {
        owner: side(owner)?,
        target: side(target)?,
        segment: names::link_segment(&target.name.value),
    })
}

/// The CRUD operations a resource endpoint offers: all of them unless it lists some.
fn crud(operations: Option<&[spec::Spanned<spec::Operation>]>) -> Crud {
    let Some(operations) = operations else {
        return Crud {
            list: true,
            get: true,
            create: true,
            update: true,
            delete: true,
        };
    };
    let mut crud = Crud::default();
    for op in operations {
        match op.value {
            spec::Operation::List => crud.list = true,
            spec::Operation::Get => crud.get = true,
            spec::Operation::Create => crud.create = true,
            spec::Operation::Update => crud.update = true,
            spec::Operation::Delete => crud.delete = true,
        }
    }
    crud
}

fn lower_operation(
    op: &spec::CustomEndpoint,
    n: &OperationNames,
    model_module: &str,
    names: &names::Table,
    entities: &[Entity],
    database: Database,
    uses: &mut Uses,
) -> CustomOperation {
    let body =
        |body: &Body, inline: Option<&names::BodyNames>, request: bool, uses: &mut Uses| match body
        {
            Body::Entity(name) => {
                let entity = entities
                    .iter()
                    .find(|e| e.name == name.value)
                    .expect("validated: bodies name entities");
                BodyType {
                    type_name: if request {
                        entity.new_type.clone()
                    } else {
                        entity.name.clone()
                    },
                    module: entity.model_module.clone(),
                    fields: Vec::new(),
                    enums: Vec::new(),
                    inline: false,
                    entity: Some(entity.name.clone()),
                }
            }
            Body::Inline { fields, .. } => {
                let inline = inline.expect("inline bodies are named");
                // A response is not validated: its constraints need no checks in the service.
                let checked = uses.clone();
                let fields = lower_fields(fields, &inline.fields, names, database, uses);
                if !request {
                    uses.validator = checked.validator;
                    uses.regex = checked.regex;
                    uses.email = checked.email;
                    uses.url = checked.url;
                    uses.min = checked.min;
                    uses.max = checked.max;
                    uses.min_length = checked.min_length;
                    uses.max_length = checked.max_length;
                }
                BodyType {
                    enums: enums_of(&fields, &inline.fields),
                    fields,
                    type_name: inline.ty.text.clone(),
                    module: model_module.to_string(),
                    inline: true,
                    entity: None,
                }
            }
        };
    // axum hands path parameters over in the order the path has them.
    let position = |name: &str| op.path.find(&format!("{{{name}}}")).unwrap_or(usize::MAX);
    let mut params = lower_fields(&op.params, &n.params, names, database, uses);
    params.sort_by_key(|p| position(&p.name));
    let request = op
        .request
        .as_ref()
        .map(|b| body(b, n.request.as_ref(), true, uses));
    let response = op
        .response
        .as_ref()
        .map(|b| body(b, n.response.as_ref(), false, uses));
    CustomOperation {
        status: if response.is_some() { 200 } else { 204 },
        params,
        request,
        response,
        name: op.name.value.clone(),
        ident: n.method.ident(),
        method: op.method.value,
        path: op.path.value.clone(),
        description: op.description.as_ref().map(|d| d.value.clone()),
        emits: op.emits.iter().map(|e| e.value.clone()).collect(),
        access: Access::default(),
        grpc: false,
    }
}
