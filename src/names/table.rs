//! The table of every name the generated code takes from a spec.
//!
//! [`Table::of`] reads any decoded spec, valid or not: validation checks the table for clashes
//! and reserved words (skipping names whose source it reports as invalid), and lowering takes
//! the names of a valid spec from it. A new generated name is added here and nowhere else.

use heck::ToSnakeCase;

use super::{is_path_segment, pascal, plural_snake, rust_ident, snake, sql_ident, variant};
use crate::spec::{Body, CustomEndpoint, Endpoint, Field, FieldType, Span, Spanned, Spec};

/// What a generated name names, and so which other names it must not be equal to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// The crate and library of the service: `payment_service`.
    Crate,
    /// An entity's record type: `Payment`.
    Entity,
    /// An event's payload type: `PaymentCreated`.
    Event,
    /// An entity's create input: `NewPayment`.
    Create,
    /// An entity's partial update: `PaymentPatch`.
    Patch,
    /// An entity's list filter: `PaymentFilter`.
    Filter,
    /// The enum type of an enum field: `PaymentStatus`.
    Enum,
    /// An inline request or response: `CaptureRequest`.
    Body,
    /// The service struct of an endpoint module: `Payments`.
    Service,
    /// The service trait of an endpoint module: `PaymentsService`.
    ServiceTrait,
    /// The module of an entity's model types: `models::order_line`.
    ModelModule,
    /// The module of a resource's routes, controllers and services: `order_lines`.
    EndpointModule,
    /// An entity's SQL table.
    Table,
    /// An entity field's SQL column, which is also its Rust field: `customer_id`.
    Column,
    /// A Rust field of an event payload, an inline body or a path parameter.
    Field,
    /// A variant of an enum type: `CheckedIn`.
    Variant,
    /// An event's handler method and snake_case name: `payment_created`.
    Handler,
    /// A custom operation's service method and handler function: `capture`.
    Operation,
}

impl Kind {
    /// Every kind, for checks and tests that must cover each.
    pub const ALL: [Kind; 18] = [
        Kind::Crate,
        Kind::Entity,
        Kind::Event,
        Kind::Create,
        Kind::Patch,
        Kind::Filter,
        Kind::Enum,
        Kind::Body,
        Kind::Service,
        Kind::ServiceTrait,
        Kind::ModelModule,
        Kind::EndpointModule,
        Kind::Table,
        Kind::Column,
        Kind::Field,
        Kind::Variant,
        Kind::Handler,
        Kind::Operation,
    ];
}

/// One generated name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub kind: Kind,
    /// As written in the generated code, without a raw identifier's `r#`: `NewPayment`, `type`.
    pub text: String,
    /// Where in the spec it comes from.
    pub span: Span,
}

impl Name {
    fn new(kind: Kind, text: impl Into<String>, span: Span) -> Self {
        Self {
            kind,
            text: text.into(),
            span,
        }
    }

    /// As a Rust identifier: `r#type` for `type`.
    pub fn ident(&self) -> String {
        rust_ident(&self.text)
    }

    /// As a quoted SQL identifier.
    pub fn sql(&self) -> String {
        sql_ident(&self.text)
    }
}

/// The names of an entity and of what is generated for it.
#[derive(Debug, Clone)]
pub struct EntityNames {
    pub ty: Name,
    pub create: Name,
    pub patch: Name,
    pub filter: Name,
    /// Its snake_case name, the module of its model types: `order_line`.
    pub model: Name,
    /// Its snake_case plural: the file of its endpoint module, when it has one (`order_lines`).
    pub plural: String,
    /// The first segment of its routes: `order-lines`.
    pub route: String,
    /// Its table: `table:` when given, else its plural.
    pub table: Name,
    /// The table it was stored in before `renamed_from`.
    pub old_table: Option<String>,
    /// How documentation calls one of it: `order line`.
    pub human: String,
    /// In the order of the spec, `id`, `created_at` and `updated_at` included.
    pub fields: Vec<FieldNames>,
}

/// The names of a field of an entity, an event payload, an inline body or a path parameter.
#[derive(Debug, Clone)]
pub struct FieldNames {
    /// The Rust field and, in an entity, the column: `customer_id` for the reference `customer`.
    pub name: Name,
    /// The field in generated type and variant names: `OrderId2`.
    pub pascal: String,
    /// The enum type of an enum field: `PaymentStatus`.
    pub enum_type: Option<Name>,
    /// The variants of that enum, one per value, in the order of `values`.
    pub variants: Vec<Variant>,
    /// The function that gives its default: `default_payment_currency`.
    pub default_fn: String,
    /// The static that holds its compiled `pattern`: `PAYMENT_CURRENCY_PATTERN`.
    pub pattern: String,
    /// The column or field it was before `renamed_from`.
    pub old_name: Option<String>,
}

/// An enum value and its variant.
#[derive(Debug, Clone)]
pub struct Variant {
    /// As written in the spec and on the wire: `checked-in`.
    pub value: String,
    /// `CheckedIn`.
    pub name: Name,
}

/// The names of an event.
#[derive(Debug, Clone)]
pub struct EventNames {
    pub ty: Name,
    pub handler: Name,
    pub fields: Vec<FieldNames>,
}

/// The names of a custom endpoint.
#[derive(Debug, Clone)]
pub struct OperationNames {
    /// Its place in the spec's `endpoints`.
    pub endpoint: usize,
    pub method: Name,
    /// The first segment of its path and where that is written, when the path starts with a
    /// segment that can name a module.
    pub first_segment: Option<Spanned<String>>,
    /// In the order of the spec.
    pub params: Vec<FieldNames>,
    /// An inline request, with its fields.
    pub request: Option<BodyNames>,
    /// An inline response, with its fields.
    pub response: Option<BodyNames>,
}

/// The names of an inline request or response.
#[derive(Debug, Clone)]
pub struct BodyNames {
    pub ty: Name,
    pub fields: Vec<FieldNames>,
}

/// A module of routes, controllers and services: one per entity with endpoints, and one per
/// first path segment of the custom endpoints outside every entity's routes.
#[derive(Debug, Clone)]
pub struct ModuleNames {
    /// Its file, and (raw identifiers aside) its name: `payments`.
    pub file: Name,
    /// The first segment of its routes: `payments`, `order-lines`.
    pub route: String,
    pub service: Name,
    pub service_trait: Name,
    /// The entity whose module it is, by its place in the spec.
    pub entity: Option<usize>,
    /// For a module of custom endpoints only: the first of them, by its place in `endpoints`.
    pub endpoint: Option<usize>,
}

/// Every name the generated code takes from a spec.
#[derive(Debug, Clone)]
pub struct Table {
    pub krate: Name,
    /// In the order of the spec.
    pub entities: Vec<EntityNames>,
    pub publish: Vec<EventNames>,
    pub consume: Vec<EventNames>,
    /// The custom endpoints, in the order of the spec.
    pub operations: Vec<OperationNames>,
    /// Resource modules in the order of their endpoints, then those custom endpoints add.
    pub modules: Vec<ModuleNames>,
}

impl Table {
    pub fn of(spec: &Spec) -> Self {
        let entities: Vec<EntityNames> = spec.entities.iter().map(entity).collect();
        let events = |list: &[crate::spec::Event]| {
            list.iter()
                .map(|e| EventNames {
                    ty: Name::new(Kind::Event, e.name.value.clone(), e.name.span),
                    handler: Name::new(Kind::Handler, snake(&e.name), e.name.span),
                    fields: fields(&e.payload, &e.name, Kind::Field),
                })
                .collect()
        };
        let operations: Vec<OperationNames> = spec
            .endpoints
            .iter()
            .enumerate()
            .filter_map(|(i, e)| match e {
                Endpoint::Custom(c) => Some(operation(i, c)),
                Endpoint::Resource(_) => None,
            })
            .collect();
        let modules = modules(spec, &entities, &operations);
        Self {
            krate: Name::new(Kind::Crate, snake(&spec.service), spec.service.span),
            publish: events(&spec.events.publish),
            consume: events(&spec.events.consume),
            entities,
            operations,
            modules,
        }
    }

    /// The names of the entity called `name`.
    pub fn entity(&self, name: &str) -> Option<&EntityNames> {
        self.entities.iter().find(|e| e.ty.text == name)
    }

    /// The module an operation lives in: the one of the first segment of its path.
    pub fn module_of(&self, operation: &OperationNames) -> Option<&ModuleNames> {
        self.modules.get(self.module_index(operation)?)
    }

    /// Where in `modules` the module of an operation is.
    pub fn module_index(&self, operation: &OperationNames) -> Option<usize> {
        let segment = &operation.first_segment.as_ref()?.value;
        self.modules.iter().position(|m| m.route == *segment)
    }

    /// The names of the custom endpoint at `endpoint` in the spec's `endpoints`.
    pub fn operation(&self, endpoint: usize) -> Option<&OperationNames> {
        self.operations.iter().find(|o| o.endpoint == endpoint)
    }
}

fn entity(e: &crate::spec::Entity) -> EntityNames {
    let name = &e.name.value;
    let span = e.name.span;
    let plural = plural_snake(name);
    let table = match &e.table {
        Some(table) => Name::new(Kind::Table, table.value.clone(), table.span),
        None => Name::new(Kind::Table, plural.clone(), span),
    };
    let model = snake(name);
    EntityNames {
        ty: Name::new(Kind::Entity, name.clone(), span),
        create: Name::new(Kind::Create, format!("New{name}"), span),
        patch: Name::new(Kind::Patch, format!("{name}Patch"), span),
        filter: Name::new(Kind::Filter, format!("{name}Filter"), span),
        human: model.replace('_', " "),
        model: Name::new(Kind::ModelModule, model, span),
        route: plural.replace('_', "-"),
        plural,
        table,
        old_table: e.renamed_from.as_ref().map(|old| plural_snake(&old.value)),
        fields: fields(&e.fields, name, Kind::Column),
    }
}

fn fields(list: &[Field], owner: &str, kind: Kind) -> Vec<FieldNames> {
    list.iter().map(|f| field(f, owner, kind)).collect()
}

/// The names of `field` of the type `owner`. In an entity (`kind` is `Column`), a reference
/// `customer` is the column and field `customer_id`.
fn field(field: &Field, owner: &str, kind: Kind) -> FieldNames {
    let is_ref = field.ty.value == FieldType::Ref;
    let name = if is_ref {
        format!("{}_id", field.name.value)
    } else {
        field.name.value.clone()
    };
    let pascal_name = pascal(&name);
    let is_enum = field.ty.value == FieldType::Enum;
    let enum_type =
        is_enum.then(|| Name::new(Kind::Enum, format!("{owner}{pascal_name}"), field.name.span));
    let variants = match (&field.values, is_enum) {
        (Some(values), true) => values
            .value
            .iter()
            .map(|v| Variant {
                value: v.value.clone(),
                name: Name::new(Kind::Variant, variant(v), v.span),
            })
            .collect(),
        _ => Vec::new(),
    };
    FieldNames {
        default_fn: format!("default_{}_{name}", snake(owner)),
        pattern: format!("{}_{name}_PATTERN", snake(owner)).to_uppercase(),
        old_name: field.renamed_from.as_ref().map(|old| {
            if is_ref {
                format!("{}_id", old.value)
            } else {
                old.value.clone()
            }
        }),
        name: Name::new(kind, name, field.name.span),
        pascal: pascal_name,
        enum_type,
        variants,
    }
}

fn operation(endpoint: usize, c: &CustomEndpoint) -> OperationNames {
    let ty = pascal(&c.name);
    let body = |body: &Option<Body>, suffix: &str| match body {
        Some(Body::Inline { fields: list, .. }) => {
            let ty = format!("{ty}{suffix}");
            Some(BodyNames {
                fields: fields(list, &ty, Kind::Field),
                ty: Name::new(Kind::Body, ty, c.name.span),
            })
        }
        _ => None,
    };
    OperationNames {
        endpoint,
        method: Name::new(Kind::Operation, c.name.value.clone(), c.name.span),
        first_segment: first_segment(&c.path),
        params: fields(&c.params, &ty, Kind::Field),
        request: body(&c.request, "Request"),
        response: body(&c.response, "Response"),
    }
}

/// The first segment of a path and where it is written, when it can name a module: a fixed
/// segment of lowercase letters, digits, `_` and `-` that starts with a letter.
fn first_segment(path: &Spanned<String>) -> Option<Spanned<String>> {
    let rest = path.value.strip_prefix('/')?;
    let first = rest.split('/').next()?;
    let usable = first.starts_with(|c: char| c.is_ascii_lowercase()) && is_path_segment(first);
    usable.then(|| Spanned::new(first.to_owned(), path.part(1, first.len())))
}

/// The modules, laid out as the generated code has them: one per entity with a resource
/// endpoint, in their order; then, for each custom endpoint, the module of the entity whose
/// route its path starts with, else one named after its first segment.
fn modules(
    spec: &Spec,
    entities: &[EntityNames],
    operations: &[OperationNames],
) -> Vec<ModuleNames> {
    let of_entity = |index: usize, span: Span| {
        let e = &entities[index];
        module(&e.plural, &e.route, span, Some(index), None)
    };
    let mut modules: Vec<ModuleNames> = Vec::new();
    for endpoint in &spec.endpoints {
        let Endpoint::Resource(r) = endpoint else {
            continue;
        };
        let Some(index) = entities.iter().position(|e| e.ty.text == r.resource.value) else {
            continue;
        };
        if !modules.iter().any(|m| m.entity == Some(index)) {
            modules.push(of_entity(index, r.resource.span));
        }
    }
    for op in operations {
        let Some(first) = &op.first_segment else {
            continue;
        };
        if modules.iter().any(|m| m.route == first.value) {
            continue;
        }
        let module = match entities.iter().position(|e| e.route == first.value) {
            Some(index) => of_entity(index, first.span),
            None => module(
                &first.value.to_snake_case(),
                &first.value,
                first.span,
                None,
                Some(op.endpoint),
            ),
        };
        modules.push(module);
    }
    modules
}

fn module(
    file: &str,
    route: &str,
    span: Span,
    entity: Option<usize>,
    endpoint: Option<usize>,
) -> ModuleNames {
    let ty = pascal(file);
    ModuleNames {
        file: Name::new(Kind::EndpointModule, file, span),
        route: route.to_owned(),
        service_trait: Name::new(Kind::ServiceTrait, format!("{ty}Service"), span),
        service: Name::new(Kind::Service, ty, span),
        entity,
        endpoint,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Source;

    fn table(yaml: &str) -> Table {
        let spec = crate::spec::check(&Source::new("msgen.yaml", yaml)).expect("valid spec");
        Table::of(spec.spec())
    }

    #[test]
    fn an_entity_names_its_types_modules_table_and_route() {
        let t = table(
            "service: shop\nentities:\n  OrderLine:\n    fields:\n      state: { type: enum, values: [checked-in] }\n      order: { type: ref, entity: OrderLine }\nendpoints:\n  - resource: OrderLine\n",
        );
        let e = &t.entities[0];
        let texts =
            [&e.ty, &e.create, &e.patch, &e.filter, &e.model, &e.table].map(|n| n.text.as_str());
        assert_eq!(
            texts,
            [
                "OrderLine",
                "NewOrderLine",
                "OrderLinePatch",
                "OrderLineFilter",
                "order_line",
                "order_lines"
            ]
        );
        assert_eq!(e.route, "order-lines");
        let state = &e.fields[0];
        assert_eq!(state.enum_type.as_ref().unwrap().text, "OrderLineState");
        assert_eq!(state.variants[0].name.text, "CheckedIn");
        assert_eq!(state.default_fn, "default_order_line_state");
        assert_eq!(state.pattern, "ORDER_LINE_STATE_PATTERN");
        assert_eq!(e.fields[1].name.text, "order_id");
        let m = &t.modules[0];
        assert_eq!(
            (
                m.file.text.as_str(),
                m.service.text.as_str(),
                m.service_trait.text.as_str()
            ),
            ("order_lines", "OrderLines", "OrderLinesService")
        );
    }

    #[test]
    fn custom_endpoints_join_the_module_of_their_first_segment() {
        let t = table(
            "service: shop\nentities:\n  Item:\n    fields:\n      name: { type: string }\nendpoints:\n  - name: restock\n    method: POST\n    path: /items/{id}/restock\n    params: { id: uuid }\n  - name: type_report\n    method: GET\n    path: /type/daily\n    response: { total: { type: int } }\n",
        );
        let files: Vec<&str> = t.modules.iter().map(|m| m.file.text.as_str()).collect();
        assert_eq!(files, ["items", "type"]);
        assert_eq!(t.modules[0].entity, Some(0));
        assert_eq!(t.modules[1].file.ident(), "r#type");
        let report = &t.operations[1];
        assert_eq!(
            report.response.as_ref().unwrap().ty.text,
            "TypeReportResponse"
        );
        assert_eq!(t.module_of(report).unwrap().service.text, "Type");
    }
}
