//! From a validated spec to the IR. The spec is known to be valid here: names are legal and
//! unique and every reference resolves, so nothing in this module can fail.

use super::sample;
use super::*;
use crate::names::{self, rust_str, sql_str, title, EntityNames, FieldNames, OperationNames};
use crate::spec::{self, Body, Endpoint, Literal, ValidSpec};

const DEFAULT_VERSION: &str = "0.1.0";
const DEFAULT_PORT: u16 = 8080;

pub fn lower(valid: &ValidSpec) -> Service {
    let spec = valid.spec();
    let names = valid.names();
    let database = spec.database.as_ref().map(|d| d.value).unwrap_or_default();
    let mut uses = Uses::default();
    let entities: Vec<Entity> = spec
        .entities
        .iter()
        .zip(&names.entities)
        .map(|(entity, n)| lower_entity(entity, n, names, database, &mut uses))
        .collect();
    let resources = lower_resources(spec, names, &entities, database, &mut uses);
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

/// Fields every entity has, whether the spec declares them or not.
const IMPLICIT_FIELDS: [&str; 3] = ["id", "created_at", "updated_at"];

fn lower_entity(
    entity: &spec::Entity,
    n: &EntityNames,
    names: &names::Table,
    database: Database,
    uses: &mut Uses,
) -> Entity {
    let name = entity.name.value.clone();
    let (declared, field_names): (Vec<&spec::Field>, Vec<&FieldNames>) = entity
        .fields
        .iter()
        .zip(&n.fields)
        .filter(|(f, _)| !IMPLICIT_FIELDS.contains(&f.name.as_str()))
        .unzip();
    let mut fields: Vec<Field> = declared
        .iter()
        .zip(&field_names)
        .map(|(f, fn_)| lower_field(f, fn_, names, database, uses))
        .collect();
    if database == Database::Postgres {
        for field in &mut fields {
            refuse_nul(field, uses);
        }
    }
    let enums = enums_of(&fields, field_names.iter().copied());
    let filters = fields
        .iter()
        .enumerate()
        .filter(|(_, f)| f.index || f.unique || f.references.is_some())
        .filter(|(_, f)| f.kind != FieldType::Json)
        .map(|(i, _)| i)
        .collect();
    let mut references: Vec<String> = fields
        .iter()
        .filter_map(|f| f.references.as_ref().map(|r| r.entity.clone()))
        .collect();
    references.dedup();
    if fields.iter().any(|f| f.optional) {
        uses.patch_nullable = true;
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
        filters,
        references,
        name,
    }
}

/// Lowers a list of fields, each with its names.
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
    let rust_type = rust_type(kind, enum_type.as_deref());
    let optional = field.is_optional();
    let ty = if optional {
        format!("Option<{rust_type}>")
    } else {
        rust_type.clone()
    };
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
    let checks = checks(&n.pattern, &name, kind, &constraints, uses);
    let immutable = field.immutable.as_ref().is_some_and(|i| i.value);
    uses.immutable |= immutable;
    uses.validator |= !checks.is_empty();
    let default = field
        .default
        .as_ref()
        .filter(|d| d.value != Literal::Null)
        .map(|d| {
            let value = rust_literal(&d.value, kind, n);
            DefaultValue {
                rust: if optional {
                    format!("Some({value})")
                } else {
                    value
                },
                function: n.default_fn.clone(),
            }
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
    let (bind, filter_bind, decode) = column_mapping(kind, optional, database, &name);
    let patch_ty = if optional {
        format!("Option<Option<{rust_type}>>")
    } else {
        format!("Option<{rust_type}>")
    };
    // Decimals travel as strings of digits, read strictly by the service's own module.
    let module = if kind == FieldType::Decimal {
        "super::decimal::"
    } else {
        "super::"
    };
    let serde_with = (kind == FieldType::Decimal).then(|| {
        if optional {
            "super::decimal::option".to_string()
        } else {
            "super::decimal".to_string()
        }
    });
    let patch_with = if optional {
        format!("{module}double_option")
    } else {
        format!("{module}present")
    };
    let samples = [0, 1].map(|n| sample::rust_json(&sample::value(kind, &constraints, n)));
    Field {
        renamed_from: n.old_name.clone(),
        pattern_static: constraints.pattern.as_ref().map(|_| n.pattern.clone()),
        ident: n.name.ident(),
        kind,
        rust_type,
        ty,
        optional,
        default,
        default_sql,
        unique: field.unique.as_ref().is_some_and(|u| u.value),
        index: field.index.as_ref().is_some_and(|i| i.value),
        readonly: field.readonly.as_ref().is_some_and(|r| r.value),
        immutable,
        description: field.description.as_ref().map(|d| d.value.clone()),
        enum_type,
        references,
        checks,
        bind,
        filter_bind,
        decode,
        patch_ty,
        serde_with,
        patch_with,
        samples,
        constraints,
        name,
    }
}

/// How a value of this type goes into and comes out of the database: the bind expression for
/// a stored value (`$value` stands for it), the bind for a filter value (a reference named
/// `value`), and the expression that reads it from `row`. Most types map directly through sqlx;
/// enums travel as their text, and so do decimals on SQLite, which has no decimal type.
fn column_mapping(
    kind: FieldType,
    optional: bool,
    database: Database,
    column: &str,
) -> (String, String, String) {
    let column = rust_str(column);
    let as_text =
        kind == FieldType::Enum || (kind == FieldType::Decimal && database == Database::Sqlite);
    if !as_text {
        // Copy types bind by value; strings and JSON by reference, to avoid a clone.
        let by_reference = matches!(kind, FieldType::String | FieldType::Text | FieldType::Json);
        let bind = if by_reference { "&$value" } else { "$value" };
        // PostgreSQL text holds no NUL character and refuses to compare with one: such a
        // filter is bound as NULL, which matches no record.
        let text = matches!(kind, FieldType::String | FieldType::Text);
        let filter_bind = if text && database == Database::Postgres {
            "(!value.contains('\\0')).then_some(value)"
        } else {
            "value"
        };
        return (
            bind.into(),
            filter_bind.into(),
            format!("row.try_get({column})?"),
        );
    }
    let to_text = if kind == FieldType::Enum {
        "as_str()"
    } else {
        "to_string()"
    };
    if optional {
        (
            format!("$value.map(|v| v.{to_text})"),
            format!("value.{to_text}"),
            format!("db::parse_optional(&row, {column})?"),
        )
    } else {
        (
            format!("$value.{to_text}"),
            format!("value.{to_text}"),
            format!("db::parse(&row, {column})?"),
        )
    }
}

fn checks(
    pattern_static: &str,
    field: &str,
    kind: FieldType,
    c: &Constraints,
    uses: &mut Uses,
) -> Vec<Check> {
    let name = rust_str(field);
    let mut checks = Vec::new();
    let number = |text: &str| numeric_literal(text, kind);
    if let Some(min) = &c.min {
        uses.min = true;
        checks.push(Check {
            call: format!("v.min({name}, $value, {})", number(min)),
            rule: "min".into(),
            invalid: sample::below(kind, min),
        });
    }
    if let Some(max) = &c.max {
        uses.max = true;
        checks.push(Check {
            call: format!("v.max({name}, $value, {})", number(max)),
            rule: "max".into(),
            invalid: sample::above(kind, max),
        });
    }
    if let Some(min) = c.min_length {
        uses.min_length = true;
        checks.push(Check {
            call: format!("v.min_length({name}, $value, {min})"),
            rule: "min_length".into(),
            invalid: (min > 0).then(|| sample::string_of_length(c, min as usize - 1)),
        });
    }
    if let Some(max) = c.max_length {
        uses.max_length = true;
        checks.push(Check {
            call: format!("v.max_length({name}, $value, {max})"),
            rule: "max_length".into(),
            invalid: Some(sample::string_of_length(c, max as usize + 1)),
        });
    }
    if let Some(pattern) = &c.pattern {
        uses.regex = true;
        checks.push(Check {
            call: format!("v.pattern({name}, $value, &{pattern_static})"),
            rule: "pattern".into(),
            invalid: sample::not_matching(pattern, c),
        });
    }
    match c.format.as_deref() {
        Some("email") => {
            uses.email = true;
            checks.push(Check {
                call: format!("v.email({name}, $value)"),
                rule: "email".into(),
                invalid: Some("\"not-an-email\"".into()),
            });
        }
        Some("url") => {
            uses.url = true;
            checks.push(Check {
                call: format!("v.url({name}, $value)"),
                rule: "url".into(),
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
    let name = rust_str(&field.name);
    let call = match field.kind {
        FieldType::String | FieldType::Text => {
            uses.nul = true;
            format!("v.without_nul({name}, $value)")
        }
        FieldType::Json => {
            uses.json_nul = true;
            format!("v.json_without_nul({name}, $value)")
        }
        _ => return,
    };
    field.constraints.without_nul = true;
    field.checks.push(Check {
        call,
        rule: "nul".into(),
        invalid: Some(if field.kind == FieldType::Json {
            r#"{ "note": "a\u{0}b" }"#.into()
        } else {
            r#""a\u{0}b""#.into()
        }),
    });
    uses.validator = true;
}

/// A number from the spec as a Rust expression of the field's type.
fn numeric_literal(text: &str, kind: FieldType) -> String {
    match kind {
        FieldType::Float if !text.contains(['.', 'e', 'E']) => format!("{text}.0"),
        FieldType::Decimal => decimal_expr(text),
        _ => text.to_string(),
    }
}

/// `Decimal::new(mantissa, scale)` for a decimal written in the spec.
fn decimal_expr(text: &str) -> String {
    let (int, frac) = text.split_once('.').unwrap_or((text, ""));
    let mantissa = format!("{int}{frac}");
    let negative = mantissa.starts_with('-');
    let digits = mantissa
        .trim_start_matches(['-', '+'])
        .trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    match (frac.len(), digits) {
        (_, "0") => "Decimal::ZERO".into(),
        (0, "1") if !negative => "Decimal::ONE".into(),
        (scale, digits) => {
            let sign = if negative { "-" } else { "" };
            format!("Decimal::new({sign}{digits}, {scale})")
        }
    }
}

/// A default value as a Rust expression of the type of the field named `n`.
fn rust_literal(literal: &Literal, kind: FieldType, n: &FieldNames) -> String {
    let text = match literal {
        Literal::Bool(b) => return b.to_string(),
        Literal::Number(n) => n.clone(),
        Literal::String(s) => s.clone(),
        Literal::Null => return "None".into(),
    };
    match kind {
        FieldType::String | FieldType::Text => format!("{}.into()", rust_str(&text)),
        FieldType::Int | FieldType::Bigint | FieldType::Float | FieldType::Decimal => {
            numeric_literal(&text, kind)
        }
        FieldType::Bool => text,
        FieldType::Enum => {
            let ty = n.enum_type.as_ref().expect("enum fields have an enum type");
            let variant = n
                .variants
                .iter()
                .find(|v| v.value == text)
                .expect("validated: an enum default is one of its values");
            format!("{}::{}", ty.text, variant.name.text)
        }
        FieldType::Uuid | FieldType::Ref => {
            format!(
                "Uuid::from_u128(0x{})",
                text.replace('-', "").to_lowercase()
            )
        }
        FieldType::Date | FieldType::Datetime | FieldType::Json => {
            format!("{}.parse().expect(\"checked by msgen\")", rust_str(&text))
        }
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
            operations: Vec::new(),
            route: format!("/{}", m.route),
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
            }
            Endpoint::Custom(op) => {
                uses.custom_operations = true;
                let op_names = names.operation(i).expect("every custom endpoint is named");
                let module = names
                    .module_of(op_names)
                    .expect("validated: paths start with a module's segment");
                let index = names
                    .modules
                    .iter()
                    .position(|m| std::ptr::eq(m, module))
                    .expect("the module is in the table");
                let model_module = resources[index].entity.map_or_else(
                    || resources[index].module.clone(),
                    |e| entities[e].model_module.clone(),
                );
                let lowered =
                    lower_operation(op, op_names, &model_module, names, entities, database, uses);
                resources[index].operations.push(lowered);
            }
        }
    }
    resources
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
    let mut signature_params = vec!["&self".to_string()];
    signature_params.extend(params.iter().map(|p| format!("{}: {}", p.ident, p.ty)));
    if let Some(request) = &request {
        signature_params.push(format!("input: {}", request.type_name));
    }
    let signature_ret = format!(
        "Result<{}, AppError>",
        response.as_ref().map_or("()", |r| r.type_name.as_str())
    );
    let qualify = |ty: &str| match ty {
        "Uuid" => "uuid::Uuid".to_string(),
        "NaiveDate" => "chrono::NaiveDate".to_string(),
        other => other.to_string(),
    };
    let body_path = |b: &BodyType| format!("crate::models::{}::{}", b.module, b.type_name);
    let mut qualified_params = vec!["&self".to_string()];
    qualified_params.extend(
        params
            .iter()
            .map(|p| format!("{}: {}", p.ident, qualify(&p.ty))),
    );
    if let Some(request) = &request {
        qualified_params.push(format!("input: {}", body_path(request)));
    }
    let qualified_ret = format!(
        "Result<{}, crate::error::AppError>",
        response.as_ref().map_or("()".to_string(), body_path)
    );
    let mut handler_params = vec!["State(state): State<AppState>".to_string()];
    match params.as_slice() {
        [] => {}
        [one] => handler_params.push(format!("Path({}): Path<{}>", one.ident, one.ty)),
        many => {
            let names: Vec<&str> = many.iter().map(|p| p.ident.as_str()).collect();
            let types: Vec<&str> = many.iter().map(|p| p.ty.as_str()).collect();
            handler_params.push(format!(
                "Path(({})): Path<({})>",
                names.join(", "),
                types.join(", ")
            ));
        }
    }
    if let Some(request) = &request {
        handler_params.push(format!("Json(input): Json<{}>", request.type_name));
    }
    let handler_ret = match &response {
        Some(body) => format!("Result<Json<{}>, AppError>", body.type_name),
        None => "Result<StatusCode, AppError>".to_string(),
    };
    let mut call_args: Vec<String> = params.iter().map(|p| p.ident.clone()).collect();
    if request.is_some() {
        call_args.push("input".into());
    }
    CustomOperation {
        handler_params: handler_params.join("|"),
        handler_ret,
        call_args: call_args.join(", "),
        signature_params: signature_params.join("|"),
        signature_ret,
        qualified_params: qualified_params.join("|"),
        qualified_ret,
        status: if response.is_some() { 200 } else { 204 },
        params,
        request,
        response,
        name: op.name.value.clone(),
        ident: n.method.ident(),
        method: op.method.value,
        method_fn: op.method.as_str().to_lowercase(),
        path: op.path.value.clone(),
        description: op.description.as_ref().map(|d| d.value.clone()),
        emits: op.emits.iter().map(|e| e.value.clone()).collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimals_become_exact_constructors() {
        assert_eq!(decimal_expr("0"), "Decimal::ZERO");
        assert_eq!(decimal_expr("0.00"), "Decimal::ZERO");
        assert_eq!(decimal_expr("1"), "Decimal::ONE");
        assert_eq!(decimal_expr("12.50"), "Decimal::new(1250, 2)");
        assert_eq!(decimal_expr("-3.5"), "Decimal::new(-35, 1)");
        assert_eq!(decimal_expr("100"), "Decimal::new(100, 0)");
    }
}
