//! The intermediate representation: the service with every name, type, SQL type, route and
//! check decided, as data. How each is spelt in Rust is the business of `render::view`.

pub mod clients;
mod lower;
pub(crate) mod sample;
pub mod schema;

use serde::Serialize;

pub use lower::{lower, DEFAULT_GRPC_PORT};

use crate::spec::{Broker, Database, FieldType, Method, OnDelete, Search};

#[derive(Debug, Clone, Serialize)]
pub struct Service {
    /// kebab-case, as in the spec: `payment-service`.
    pub name: String,
    /// The Rust crate name: `payment_service`.
    pub crate_name: String,
    /// For people: `Payment Service`.
    pub title: String,
    pub description: String,
    pub version: String,
    pub database: Database,
    pub broker: Broker,
    /// `""` or `/api/v1`.
    pub base_path: String,
    pub port: u16,
    pub entities: Vec<Entity>,
    /// One per module of controllers/services: an entity's CRUD plus the custom operations
    /// under its route, or custom operations grouped by their first path segment.
    pub resources: Vec<Resource>,
    pub events: Events,
    pub uses: Uses,
    /// The tokens the service accepts; `None` when every endpoint is public.
    pub auth: Option<Auth>,
    /// The clients of the services it calls (`dependencies:`), once they are resolved.
    pub clients: Vec<clients::Client>,
    /// Its gRPC server, when `transports:` has `grpc`.
    pub grpc: Option<Grpc>,
}

/// The gRPC side of a service: the contract's names and where it is served.
#[derive(Debug, Clone, Serialize)]
pub struct Grpc {
    /// The default port (`GRPC_PORT` overrides it).
    pub port: u16,
    /// The proto package: `payment_service.v1`.
    pub package: String,
    /// The proto service: `PaymentService`.
    pub service: String,
    /// The contract, under the service's root: `proto/payment_service/v1/payment_service.proto`.
    pub path: String,
}

/// `auth:` of the spec, with its defaults.
#[derive(Debug, Clone, Serialize)]
pub struct Auth {
    pub issuer: String,
    pub audience: String,
    /// Where the keys come from: `jwks`, `public_key` or `secret`.
    pub keys: &'static str,
    /// The key set's URL, or the environment variable that holds the key or secret.
    pub keys_from: String,
    /// RFC 7518 names, in the order written: `RS256`.
    pub algorithms: Vec<&'static str>,
    /// The claim holding the caller's scopes: `scope`, or a dotted path.
    pub scopes_claim: String,
}

/// Who may call an operation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Access {
    /// Whether a valid token is needed.
    pub required: bool,
    /// The scopes the token must carry, every one of them.
    pub scopes: Vec<String>,
}

/// The events the service publishes and consumes.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Events {
    pub publish: Vec<Event>,
    pub consume: Vec<Event>,
}

impl Events {
    pub fn any(&self) -> bool {
        !self.publish.is_empty() || !self.consume.is_empty()
    }

    /// Every event type once: a service may consume what it publishes.
    pub fn types(&self) -> impl Iterator<Item = &Event> {
        let consumed_only = self
            .consume
            .iter()
            .filter(|c| !self.publish.iter().any(|p| p.name == c.name));
        self.publish.iter().chain(consumed_only)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// PascalCase: the payload's Rust type and the CloudEvents `type`.
    pub name: String,
    /// snake_case: `payment_succeeded`.
    pub snake: String,
    /// The handler method of a consumed event, as a Rust identifier.
    pub handler: String,
    /// The NATS subject / AMQP routing key / Kafka topic, before any deployment prefix.
    pub subject: String,
    pub description: Option<String>,
    /// For a consumed event: the service that publishes it.
    pub from: Option<String>,
    pub fields: Vec<Field>,
    pub enums: Vec<EnumType>,
    /// The payload field whose value orders events (`payment_id`): events with the same key
    /// are published in the order they were written. `None`: ordered by event id only.
    pub key: Option<String>,
}

/// What the generated code needs, so that it imports and depends on nothing more.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Uses {
    pub decimal: bool,
    pub date: bool,
    pub json: bool,
    pub regex: bool,
    pub email: bool,
    pub url: bool,
    pub min_length: bool,
    pub max_length: bool,
    /// Some input has a constraint to check at run time.
    pub validator: bool,
    pub min: bool,
    pub max: bool,
    /// Text that PostgreSQL stores is checked for NUL characters; `json_nul`: in JSON too.
    pub nul: bool,
    pub json_nul: bool,
    /// Some entity field is fixed once created.
    pub immutable: bool,
    pub custom_operations: bool,
    /// Some list is paged by cursor.
    pub cursor: bool,
    /// Some operation takes `Idempotency-Key`: a create, or a custom `POST`.
    pub idempotency: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entity {
    /// PascalCase: `Payment`.
    pub name: String,
    /// `payment`, as in `payment_id` or a variable name.
    pub snake: String,
    /// For messages: `payment`.
    pub human: String,
    pub description: Option<String>,
    /// Module under `models/`, as a Rust path segment: `payment`, `r#match`.
    pub model_module: String,
    /// Its file name without `.rs`: `payment`, `match`.
    pub model_file: String,
    /// Module under `repositories/`, as a Rust path segment: `payments`.
    pub repo_module: String,
    /// Its file name without `.rs`.
    pub repo_file: String,
    /// The SQL table (`table:` in the spec, else the plural). Used in SQL only.
    pub table: String,
    /// The entity's name in the plural, snake_case: `payments`, `order_lines`. The names of
    /// its API, modules and routes come from it, never from the table.
    pub plural: String,
    /// URL segment: `payments`, `order-lines`.
    pub route_segment: String,
    pub new_type: String,
    pub patch_type: String,
    pub filter_type: String,
    /// The fields the spec declares, in order, without `id`, `created_at`, `updated_at`.
    pub fields: Vec<Field>,
    pub enums: Vec<EnumType>,
    /// The fields a list filters by equality (`status=`): indexed, unique and references.
    pub filters: Vec<usize>,
    /// The fields a list filters by a set of values (`status[in]=`): filters of the types
    /// compared exactly.
    pub sets: Vec<usize>,
    /// The fields a list matches by their text (`name[prefix]=`, and `name[contains]=` for
    /// `search: contains`).
    pub searches: Vec<usize>,
    /// Whether a list filters at all: by equality, range, set or text.
    pub filtered: bool,
    /// The columns a list may be sorted by (`sort=`), in the order the spec gives them, but
    /// `id`, which every list may be sorted by.
    pub sortable: Vec<String>,
    /// The columns of `sortable` a list filters by range (`amount[gte]=`): numbers,
    /// decimals, dates and times.
    pub ranges: Vec<String>,
    /// The order of a list that asks for none, as `sort=` would write it: `-created_at`.
    pub default_sort: String,
    /// The columns of `sortable` and `default_sort` that may be null.
    pub nullable_sorts: Vec<String>,
    /// The columns of `sortable` and `default_sort` stored as text that order as numbers:
    /// decimals, on SQLite.
    pub numeric_text_sorts: Vec<String>,
    /// Whether its list is paged by cursor (`?cursor=`) rather than by offset.
    pub cursor: bool,
    /// Fields with a default in create requests.
    pub has_defaults: bool,
    /// The entities this one references, to be created first in tests.
    pub references: Vec<String>,
    /// The table's name before a rename in the spec (`renamed_from:`).
    pub renamed_from: Option<String>,
    /// For a join entity (`links:`), the two records each of its records links.
    pub link: Option<Link>,
}

/// What the records of a join entity link (`links: [student, course]`): a record of the
/// owner's entity to one of the target's, each pair at most once.
#[derive(Debug, Clone, Serialize)]
pub struct Link {
    /// The reference the routes start from: `student_id` in
    /// `/students/{id}/courses/{course_id}`.
    pub owner: LinkSide,
    /// The other: `course_id`.
    pub target: LinkSide,
    /// The route segment before the target's id, from the reference's name: `courses`.
    pub segment: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LinkSide {
    /// The reference's column: `course_id`.
    pub column: String,
    /// Its Rust field.
    pub ident: String,
    /// The referenced entity, by its place in `Service::entities`.
    pub entity: usize,
    /// Its repository module, which finds the record: `courses`.
    pub repo: String,
    /// How messages call one: `course`.
    pub human: String,
}

/// The bounds of a range filter: `amount[gte]=`, and what each asks of a value.
pub const RANGE_BOUNDS: [(&str, &str); 4] = [
    ("gt", "greater than"),
    ("gte", "at least"),
    ("lt", "less than"),
    ("lte", "at most"),
];

impl Entity {
    pub fn filter_fields(&self) -> impl Iterator<Item = &Field> {
        self.filters.iter().map(|&i| &self.fields[i])
    }

    pub fn set_fields(&self) -> impl Iterator<Item = &Field> {
        self.sets.iter().map(|&i| &self.fields[i])
    }

    pub fn search_fields(&self) -> impl Iterator<Item = &Field> {
        self.searches.iter().map(|&i| &self.fields[i])
    }

    /// The field of a column, unless it is one every entity has (`created_at`).
    pub fn field(&self, column: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == column)
    }

    /// The columns a list is ordered by, by `sort=` or by default: each needs an index that
    /// ends in `id`.
    pub fn sorted_columns(&self) -> impl Iterator<Item = &str> {
        let defaults = self.default_sort_keys().map(|(column, _)| column);
        self.sortable.iter().map(String::as_str).chain(defaults)
    }

    /// The keys of `default_sort`, each its column and whether it is descending.
    pub fn default_sort_keys(&self) -> impl Iterator<Item = (&str, bool)> {
        let keys = self.default_sort.split(',');
        keys.map(|key| (key.trim_start_matches('-'), key.starts_with('-')))
    }
}

/// What templates see of a field, its Rust spellings included, is `render::view`'s business.
#[derive(Debug, Clone)]
pub struct Field {
    /// The name on the wire and in the database: `payment_id` for a ref `payment`.
    pub name: String,
    /// The Rust identifier: `r#type` for `type`.
    pub ident: String,
    pub kind: FieldType,
    pub optional: bool,
    /// Stored as its text: enums, and decimals on SQLite, which has no decimal type.
    pub stored_as_text: bool,
    pub default: Option<DefaultValue>,
    /// The column default, as a SQL literal of the service's dialect.
    pub default_sql: Option<String>,
    pub unique: bool,
    pub index: bool,
    /// How a list matches its text, if it does.
    pub search: Option<Search>,
    /// Written by the service only: not read from request bodies.
    pub readonly: bool,
    /// Given on create; a change to it afterwards is refused.
    pub immutable: bool,
    pub description: Option<String>,
    pub enum_type: Option<String>,
    pub references: Option<Reference>,
    /// What the service checks of a value given for it, one rule per constraint.
    pub checks: Vec<Check>,
    /// The column's name before a rename in the spec (`renamed_from:`).
    pub renamed_from: Option<String>,
    /// The static holding the compiled `pattern`, when there is one: `PAYMENT_CURRENCY_PATTERN`.
    pub pattern_static: Option<String>,
    /// Two valid values (different where the type allows), as written in `json!` in tests.
    pub samples: [String; 2],
    pub constraints: Constraints,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Constraints {
    pub min: Option<String>,
    pub max: Option<String>,
    pub min_length: Option<u64>,
    pub max_length: Option<u64>,
    pub pattern: Option<String>,
    pub format: Option<String>,
    pub values: Vec<String>,
    /// The value is stored where no NUL character (U+0000) can be: text and `jsonb` on
    /// PostgreSQL. The service refuses such values, and its API document says so.
    pub without_nul: bool,
}

/// One validation rule, and a value that breaks it (as JSON), for the generated tests.
#[derive(Debug, Clone)]
pub struct Check {
    pub rule: Rule,
    /// A value that fails this rule, as written in `json!`, when one exists.
    pub invalid: Option<String>,
}

/// What a check requires of a value; bounds as written in the spec.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    Min(String),
    Max(String),
    MinLength(u64),
    MaxLength(u64),
    /// Matches the field's `pattern`, compiled in the static the field names.
    Pattern,
    Email,
    Url,
    /// Text without the NUL character (U+0000), which PostgreSQL cannot store.
    WithoutNul,
    /// JSON whose strings and member names hold no NUL character.
    JsonWithoutNul,
}

impl Rule {
    /// Short name, for test function names: `min`, `max_length`, `nul`.
    pub fn name(&self) -> &'static str {
        match self {
            Rule::Min(_) => "min",
            Rule::Max(_) => "max",
            Rule::MinLength(_) => "min_length",
            Rule::MaxLength(_) => "max_length",
            Rule::Pattern => "pattern",
            Rule::Email => "email",
            Rule::Url => "url",
            Rule::WithoutNul | Rule::JsonWithoutNul => "nul",
        }
    }
}

/// A field's default for create requests.
#[derive(Debug, Clone)]
pub struct DefaultValue {
    pub value: DefaultLiteral,
    /// Name of the serde default function.
    pub function: String,
}

/// A default value as written in the spec, an enum's resolved to its variant.
#[derive(Debug, Clone, PartialEq)]
pub enum DefaultLiteral {
    Bool(bool),
    /// A number as written: `12.50`, `3`.
    Number(String),
    /// Text, a date, a time, a uuid or JSON, as written.
    Text(String),
    /// The variant of the field's enum type: `Pending`.
    Variant(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct Reference {
    pub entity: String,
    pub table: String,
    pub on_delete: OnDelete,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnumType {
    pub name: String,
    pub variants: Vec<EnumVariant>,
}

#[derive(Debug, Clone, Serialize)]
pub struct EnumVariant {
    pub ident: String,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    /// Module under `controllers/` and `services/`, as a Rust path segment: `payments`.
    pub module: String,
    /// Its file name without `.rs`.
    pub file: String,
    /// The service struct: `Payments`.
    pub service_type: String,
    /// The trait the team implements: `PaymentsService`.
    pub trait_name: String,
    /// Index into `Service::entities` when this resource serves an entity's CRUD.
    pub entity: Option<usize>,
    pub crud: Crud,
    /// Who may list and get.
    pub read: Access,
    /// Who may create, update and delete.
    pub write: Access,
    pub operations: Vec<CustomOperation>,
    /// Route prefix within the service (without base path): `/payments`.
    pub route: String,
    /// The lists of its entity's records under a record each references:
    /// `GET /payments/{id}/refunds`.
    pub nested: Vec<NestedList>,
    /// For a join entity whose records `create` or `delete` adds or removes, the route of a
    /// link: `/students/{id}/courses/{course_id}` (`PUT` to link, `DELETE` to unlink).
    pub link_route: Option<String>,
    /// Whether its CRUD operations are served over gRPC too.
    pub grpc: bool,
}

/// The list of the records of a resource's entity that reference one record of another (or
/// the same) entity, under that record's route: `GET /payments/{id}/refunds`. It takes the
/// same sort, filters and paging as the resource's list.
#[derive(Debug, Clone, Serialize)]
pub struct NestedList {
    /// The reference's column, a filter of the list: `payment_id`.
    pub column: String,
    /// Its Rust field in the entity's filter.
    pub ident: String,
    /// The route within the service: `/payments/{id}/refunds`.
    pub route: String,
    /// The service method and CRUD function: `list_of_payment`.
    pub method: String,
    /// The controller function: `list_refunds_of_payment`.
    pub handler: String,
    /// The referenced entity, by its place in `Service::entities`.
    pub parent: usize,
    /// Its repository module, which finds the record: `payments`.
    pub parent_repo: String,
    /// How messages call one: `payment`.
    pub parent_human: String,
}

impl Resource {
    /// Whether it serves CRUD operations of an entity (and so has functions in
    /// `services/crud/`).
    pub fn serves_crud(&self) -> bool {
        self.entity.is_some() && self.crud.any()
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Crud {
    pub list: bool,
    pub get: bool,
    pub create: bool,
    pub update: bool,
    pub delete: bool,
}

impl Crud {
    pub fn any(&self) -> bool {
        self.list || self.get || self.create || self.update || self.delete
    }

    /// Whether the `/{id}` route exists.
    pub fn item(&self) -> bool {
        self.get || self.update || self.delete
    }

    /// Whether the collection route exists.
    pub fn collection(&self) -> bool {
        self.list || self.create
    }
}

/// What templates see of an operation, its Rust signatures included, is `render::view`'s
/// business.
#[derive(Debug, Clone)]
pub struct CustomOperation {
    /// snake_case: `capture_payment`.
    pub name: String,
    /// As a Rust identifier: `r#type` for `type`.
    pub ident: String,
    pub method: Method,
    /// Path within the service, axum syntax: `/payments/{id}/capture`.
    pub path: String,
    pub description: Option<String>,
    /// In the order the path has them.
    pub params: Vec<Field>,
    pub request: Option<BodyType>,
    pub response: Option<BodyType>,
    pub emits: Vec<String>,
    pub access: Access,
    /// The response status on success.
    pub status: u16,
    /// Whether it is served over gRPC too.
    pub grpc: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct BodyType {
    /// The Rust type: `CapturePaymentRequest` or `NewPayment`.
    pub type_name: String,
    /// The module under `models/` that defines it.
    pub module: String,
    /// Inline fields (empty for an entity body).
    pub fields: Vec<Field>,
    /// The enums its inline fields declare.
    pub enums: Vec<EnumType>,
    pub inline: bool,
    /// The entity this body is, when not inline.
    pub entity: Option<String>,
}

impl Service {
    /// Whether the service gets tokens of its own for its calls (`src/client_credentials.rs`):
    /// it checks tokens itself, or calls an operation that wants one.
    pub fn service_tokens(&self) -> bool {
        self.auth.is_some()
            || self
                .clients
                .iter()
                .flat_map(|c| &c.operations)
                .any(|op| op.authenticated)
    }

    /// Whether a client's types hold decimals, for which the service needs `rust_decimal`.
    /// Whether some client calls its service over gRPC.
    pub fn grpc_clients(&self) -> bool {
        self.clients.iter().any(|c| c.grpc.is_some())
    }

    /// Whether the service speaks gRPC at all: serves it, or calls another service over it.
    pub fn uses_grpc(&self) -> bool {
        self.grpc.is_some() || self.grpc_clients()
    }

    pub fn clients_use_decimal(&self) -> bool {
        self.clients.iter().any(|c| c.uses.decimal)
    }

    /// Whether the service has business logic or event handlers, and so `src/app.rs`, where
    /// the team declares what they depend on.
    pub fn has_dependencies(&self) -> bool {
        !self.resources.is_empty() || !self.events.consume.is_empty()
    }

    pub fn entity(&self, name: &str) -> Option<&Entity> {
        self.entities.iter().find(|e| e.name == name)
    }
}

/// The SQL type of a field type in a dialect.
pub fn sql_type(kind: FieldType, database: Database) -> &'static str {
    match (database, kind) {
        (Database::Sqlite, FieldType::String | FieldType::Text) => "text",
        (Database::Sqlite, FieldType::Int | FieldType::Bigint | FieldType::Bool) => "integer",
        (Database::Sqlite, FieldType::Float) => "real",
        (Database::Sqlite, FieldType::Decimal) => "text",
        (Database::Sqlite, FieldType::Uuid | FieldType::Ref) => "blob",
        (Database::Sqlite, FieldType::Date | FieldType::Datetime) => "text",
        (Database::Sqlite, FieldType::Json | FieldType::Enum) => "text",
        (Database::Postgres, FieldType::String | FieldType::Text) => "text",
        (Database::Postgres, FieldType::Int) => "integer",
        (Database::Postgres, FieldType::Bigint) => "bigint",
        (Database::Postgres, FieldType::Bool) => "boolean",
        (Database::Postgres, FieldType::Float) => "double precision",
        (Database::Postgres, FieldType::Decimal) => "numeric",
        (Database::Postgres, FieldType::Uuid | FieldType::Ref) => "uuid",
        (Database::Postgres, FieldType::Date) => "date",
        (Database::Postgres, FieldType::Datetime) => "timestamptz",
        (Database::Postgres, FieldType::Json) => "jsonb",
        (Database::Postgres, FieldType::Enum) => "text",
    }
}
