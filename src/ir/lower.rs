//! From a validated spec to the IR. The spec is known to be valid here: names are legal and
//! unique and every reference resolves, so nothing in this module can fail.

use super::names::{pascal, rust_ident, rust_str, snake, sql_str, title, variant};
use super::sample;
use super::*;
use crate::spec::{self, Body, Endpoint, Literal, ValidSpec};

const DEFAULT_VERSION: &str = "0.1.0";
const DEFAULT_PORT: u16 = 8080;

pub fn lower(valid: &ValidSpec) -> Service {
    let spec = valid.spec();
    let database = spec.database.as_ref().map(|d| d.value).unwrap_or_default();
    let mut uses = Uses::default();
    let entities: Vec<Entity> = spec
        .entities
        .iter()
        .map(|entity| lower_entity(entity, spec, database, &mut uses))
        .collect();
    let resources = lower_resources(spec, &entities, database, &mut uses);
    let events = Events {
        publish: lower_events(&spec.events.publish, spec, database, &mut uses),
        consume: lower_events(&spec.events.consume, spec, database, &mut uses),
    };
    Service {
        name: spec.service.value.clone(),
        crate_name: snake(&spec.service),
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
    spec: &spec::Spec,
    database: Database,
    uses: &mut Uses,
) -> Vec<Event> {
    events
        .iter()
        .map(|event| {
            let name = event.name.value.clone();
            // Payloads are decoded, not validated: only the types they use matter here.
            let mut payload_uses = Uses::default();
            let fields: Vec<Field> = event
                .payload
                .iter()
                .map(|f| lower_field(f, &name, spec, database, &mut payload_uses))
                .collect();
            uses.decimal |= payload_uses.decimal;
            uses.date |= payload_uses.date;
            uses.json |= payload_uses.json;
            let key = fields
                .iter()
                .find(|f| f.kind == FieldType::Uuid && !f.optional)
                .map(|f| f.ident.clone());
            let snake_name = snake(&name);
            Event {
                handler: rust_ident(&snake_name),
                snake: snake_name,
                subject: event.subject.value.clone(),
                description: event
                    .description
                    .as_ref()
                    .map(|d| d.value.trim().to_string()),
                from: event.from.as_ref().map(|f| f.value.clone()),
                enums: enums_of(&fields),
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
    spec: &spec::Spec,
    database: Database,
    uses: &mut Uses,
) -> Entity {
    let name = entity.name.value.clone();
    let snake_name = snake(&name);
    let table = entity.table_name();
    let plural = entity.plural();
    let mut fields: Vec<Field> = entity
        .fields
        .iter()
        .filter(|f| !IMPLICIT_FIELDS.contains(&f.name.as_str()))
        .map(|f| lower_field(f, &name, spec, database, uses))
        .collect();
    if database == Database::Postgres {
        for field in &mut fields {
            refuse_nul(field, uses);
        }
    }
    let enums = enums_of(&fields);
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
    let renamed_from = entity
        .renamed_from
        .as_ref()
        .map(|old| spec::default_table_name(&old.value));
    Entity {
        renamed_from,
        description: entity.description.as_ref().map(|d| d.value.clone()),
        human: snake_name.replace('_', " "),
        model_module: rust_ident(&snake_name),
        model_file: snake_name.clone(),
        repo_module: rust_ident(&plural),
        repo_file: plural.clone(),
        route_segment: plural.replace('_', "-"),
        new_type: format!("New{name}"),
        patch_type: format!("{name}Patch"),
        filter_type: format!("{name}Filter"),
        has_defaults: fields.iter().any(|f| f.default.is_some()),
        snake: snake_name,
        table,
        plural,
        fields,
        enums,
        filters,
        references,
        name,
    }
}

/// The enum types that fields declare, one per enum field.
fn enums_of(fields: &[Field]) -> Vec<EnumType> {
    fields
        .iter()
        .filter_map(|field| {
            Some(EnumType {
                name: field.enum_type.clone()?,
                variants: field
                    .constraints
                    .values
                    .iter()
                    .map(|v| EnumVariant {
                        ident: variant(v),
                        value: v.clone(),
                    })
                    .collect(),
            })
        })
        .collect()
}

fn lower_field(
    field: &spec::Field,
    owner: &str,
    spec: &spec::Spec,
    database: Database,
    uses: &mut Uses,
) -> Field {
    let kind = field.ty.value;
    let name = field.column_name();
    let enum_type = (kind == FieldType::Enum).then(|| format!("{owner}{}", pascal(&name)));
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
    let checks = checks(owner, &name, kind, &constraints, uses);
    let immutable = field.immutable.as_ref().is_some_and(|i| i.value);
    uses.immutable |= immutable;
    uses.validator |= !checks.is_empty();
    let default = field
        .default
        .as_ref()
        .filter(|d| d.value != Literal::Null)
        .map(|d| {
            let value = rust_literal(&d.value, kind, enum_type.as_deref());
            DefaultValue {
                rust: if optional {
                    format!("Some({value})")
                } else {
                    value
                },
                function: format!("default_{}_{}", snake(owner), name),
            }
        });
    let default_sql = field
        .default
        .as_ref()
        .filter(|d| d.value != Literal::Null)
        .map(|d| sql_literal(&d.value, kind, database));
    let references = field.entity.as_ref().map(|target| {
        let entity = spec
            .entities
            .iter()
            .find(|e| e.name.value == target.value)
            .expect("validated: ref targets exist");
        Reference {
            entity: target.value.clone(),
            table: entity.table_name(),
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
    let renamed_from = field.renamed_from.as_ref().map(|old| {
        if kind == FieldType::Ref {
            format!("{}_id", old.value)
        } else {
            old.value.clone()
        }
    });
    Field {
        renamed_from,
        ident: rust_ident(&name),
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
    owner: &str,
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
            call: format!(
                "v.pattern({name}, $value, &{})",
                pattern_static(owner, field)
            ),
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

/// The name of the compiled regex for a field's pattern: `PAYMENT_CURRENCY_PATTERN`.
pub fn pattern_static(owner: &str, field: &str) -> String {
    format!("{}_{}_PATTERN", snake(owner), field).to_uppercase()
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

fn rust_literal(literal: &Literal, kind: FieldType, enum_type: Option<&str>) -> String {
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
        FieldType::Enum => format!("{}::{}", enum_type.unwrap_or_default(), variant(&text)),
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
    entities: &[Entity],
    database: Database,
    uses: &mut Uses,
) -> Vec<Resource> {
    let mut resources: Vec<Resource> = Vec::new();
    for endpoint in &spec.endpoints {
        let Endpoint::Resource(r) = endpoint else {
            continue;
        };
        let index = entities
            .iter()
            .position(|e| e.name == r.resource.value)
            .expect("validated: resources name entities");
        let entity = &entities[index];
        let mut crud = Crud::default();
        let all = [
            spec::Operation::List,
            spec::Operation::Get,
            spec::Operation::Create,
            spec::Operation::Update,
            spec::Operation::Delete,
        ];
        let operations: Vec<spec::Operation> = match &r.operations {
            Some(ops) => ops.iter().map(|o| o.value).collect(),
            None => all.to_vec(),
        };
        for op in operations {
            match op {
                spec::Operation::List => crud.list = true,
                spec::Operation::Get => crud.get = true,
                spec::Operation::Create => crud.create = true,
                spec::Operation::Update => crud.update = true,
                spec::Operation::Delete => crud.delete = true,
            }
        }
        resources.push(Resource {
            module: entity.repo_module.clone(),
            file: entity.repo_file.clone(),
            service_type: pascal(&entity.repo_module),
            trait_name: format!("{}Service", pascal(&entity.repo_module)),
            entity: Some(index),
            crud,
            operations: Vec::new(),
            route: format!("/{}", entity.route_segment),
        });
    }
    for endpoint in &spec.endpoints {
        let Endpoint::Custom(op) = endpoint else {
            continue;
        };
        uses.custom_operations = true;
        let segment = op
            .path
            .trim_start_matches('/')
            .split('/')
            .next()
            .unwrap_or_default()
            .to_string();
        let position = resources
            .iter()
            .position(|r| r.route == format!("/{segment}"))
            .or_else(|| {
                // A custom operation under an entity's route joins that entity's module even
                // when the entity has no CRUD endpoint.
                let entity = entities.iter().position(|e| e.route_segment == segment)?;
                let e = &entities[entity];
                resources.push(Resource {
                    module: e.repo_module.clone(),
                    file: e.repo_file.clone(),
                    service_type: pascal(&e.repo_module),
                    trait_name: format!("{}Service", pascal(&e.repo_module)),
                    entity: Some(entity),
                    crud: Crud::default(),
                    operations: Vec::new(),
                    route: format!("/{segment}"),
                });
                Some(resources.len() - 1)
            });
        let index = position.unwrap_or_else(|| {
            let file = snake(&segment);
            resources.push(Resource {
                service_type: pascal(&file),
                trait_name: format!("{}Service", pascal(&file)),
                module: rust_ident(&file),
                file,
                entity: None,
                crud: Crud::default(),
                operations: Vec::new(),
                route: format!("/{segment}"),
            });
            resources.len() - 1
        });
        let model_module = resources[index].entity.map_or_else(
            || resources[index].module.clone(),
            |e| entities[e].model_module.clone(),
        );
        let lowered = lower_operation(op, &model_module, spec, entities, database, uses);
        resources[index].operations.push(lowered);
    }
    resources
}

fn lower_operation(
    op: &spec::CustomEndpoint,
    model_module: &str,
    spec: &spec::Spec,
    entities: &[Entity],
    database: Database,
    uses: &mut Uses,
) -> CustomOperation {
    let owner = pascal(&op.name);
    let body = |body: &Body, suffix: &str, request: bool, uses: &mut Uses| match body {
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
            let type_name = format!("{owner}{suffix}");
            // A response is not validated: its constraints need no checks in the service.
            let checked = uses.clone();
            let fields: Vec<Field> = fields
                .iter()
                .map(|f| lower_field(f, &type_name, spec, database, uses))
                .collect();
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
                enums: enums_of(&fields),
                fields,
                type_name,
                module: model_module.to_string(),
                inline: true,
                entity: None,
            }
        }
    };
    // axum hands path parameters over in the order the path has them.
    let position = |name: &str| op.path.find(&format!("{{{name}}}")).unwrap_or(usize::MAX);
    let mut params: Vec<Field> = op
        .params
        .iter()
        .map(|p| lower_field(p, &owner, spec, database, uses))
        .collect();
    params.sort_by_key(|p| position(&p.name));
    let request = op.request.as_ref().map(|b| body(b, "Request", true, uses));
    let response = op
        .response
        .as_ref()
        .map(|b| body(b, "Response", false, uses));
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
        ident: rust_ident(&op.name.value),
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
