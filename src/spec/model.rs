//! The spec as written in `msgen.yaml`: every value keeps the span it came from, so that the
//! validator can point at it. Nothing here is checked beyond its YAML shape; see `validate`.

use std::fmt;

use serde::Serialize;

/// A byte range in the spec source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default, Serialize)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Self {
        Self { start, end }
    }
}

/// A value and the place in the source it was read from.
#[derive(Debug, Clone, PartialEq)]
pub struct Spanned<T> {
    pub value: T,
    pub span: Span,
}

impl<T> Spanned<T> {
    pub fn new(value: T, span: Span) -> Self {
        Self { value, span }
    }
}

impl Spanned<String> {
    /// The span of `len` bytes at `offset` in the value, when the value is written plainly or
    /// quoted without escapes (so value and source line up); else the whole value's span.
    pub fn part(&self, offset: usize, len: usize) -> Span {
        let written = self.span.end.saturating_sub(self.span.start);
        let skip = if written == self.value.len() {
            0
        } else if written == self.value.len() + 2 {
            1
        } else {
            return self.span;
        };
        let start = self.span.start + skip + offset;
        Span::new(start, start + len)
    }
}

impl<T> std::ops::Deref for Spanned<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Display> fmt::Display for Spanned<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

#[derive(Debug, Clone)]
pub struct Spec {
    pub service: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub version: Option<Spanned<String>>,
    pub database: Option<Spanned<Database>>,
    pub broker: Option<Spanned<Broker>>,
    pub base_path: Option<Spanned<String>>,
    pub port: Option<Spanned<u16>>,
    /// What the operations are served over, in the order written; `None`: HTTP alone.
    pub transports: Option<Spanned<Vec<Spanned<Transport>>>>,
    /// The gRPC server's port, when `transports` has `grpc`.
    pub grpc_port: Option<Spanned<u16>>,
    /// In the order they are written.
    pub entities: Vec<Entity>,
    pub endpoints: Vec<Endpoint>,
    pub events: Events,
    /// How callers prove who they are; without it every endpoint is public.
    pub auth: Option<Auth>,
    /// The services this one calls, in the order they are written.
    pub dependencies: Vec<Dependency>,
}

/// One entry of `dependencies:`: a service this one calls, the operations it uses and how the
/// calls are made.
#[derive(Debug, Clone)]
pub struct Dependency {
    /// The other service's name (`service:` of its spec): the key of the entry.
    pub service: Spanned<String>,
    /// The other service's `msgen.yaml`, relative to this spec's folder; without it, the
    /// service of that name in the system this one belongs to.
    pub spec: Option<Spanned<String>>,
    /// The operation ids used, as in the other service's OpenAPI document.
    pub operations: Option<NameList>,
    /// How the calls are made: over HTTP (the default) or gRPC, which the other service must
    /// serve each operation over.
    pub transport: Option<Spanned<Transport>>,
    pub timeout_ms: Option<Spanned<u64>>,
    pub retries: Option<Spanned<u64>>,
    pub breaker: Option<Spanned<BreakerSetting>>,
    pub concurrency: Option<Spanned<u64>>,
}

impl Dependency {
    /// Whether its calls are made over gRPC (`transport: grpc`).
    pub fn over_grpc(&self) -> bool {
        self.transport
            .as_ref()
            .is_some_and(|t| t.value == Transport::Grpc)
    }
}

/// `breaker:` of a dependency: `off`, or the thresholds that open it.
#[derive(Debug, Clone, PartialEq)]
pub enum BreakerSetting {
    Off,
    On {
        /// The percentage of failed calls in the window that opens the breaker.
        failure_rate: Option<Spanned<u64>>,
        /// How many of the latest calls are counted.
        window: Option<Spanned<u64>>,
        /// How long it stays open before one call may probe.
        open_secs: Option<Spanned<u64>>,
    },
}

/// `auth:`: the bearer tokens (JWTs) the service accepts.
#[derive(Debug, Clone)]
pub struct Auth {
    pub issuer: Option<Spanned<String>>,
    pub audience: Option<Spanned<String>>,
    /// Where the verification keys come from; the spec names exactly one.
    pub keys: Vec<Spanned<KeySource>>,
    pub algorithms: Option<Spanned<Vec<Spanned<Algorithm>>>>,
    /// The claim that holds the caller's scopes (or roles), dotted for a nested one.
    pub scopes_claim: Option<Spanned<String>>,
    /// The span of the `auth` key.
    pub span: Span,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KeySource {
    /// `jwks_url:` the identity provider's JSON Web Key Set.
    JwksUrl(String),
    /// `public_key_env:` the environment variable holding a PEM public key.
    PublicKeyEnv(String),
    /// `secret_env:` the environment variable holding an HS256 secret.
    SecretEnv(String),
}

impl KeySource {
    pub const KEYS: [&'static str; 3] = ["jwks_url", "public_key_env", "secret_env"];

    pub fn key(&self) -> &'static str {
        match self {
            Self::JwksUrl(_) => "jwks_url",
            Self::PublicKeyEnv(_) => "public_key_env",
            Self::SecretEnv(_) => "secret_env",
        }
    }
}

/// A signing algorithm the service accepts (RFC 7518 names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Algorithm {
    Rs256,
    Es256,
    EdDsa,
    Hs256,
}

impl Algorithm {
    pub const ALL: [&'static str; 4] = ["RS256", "ES256", "EdDSA", "HS256"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "RS256" => Self::Rs256,
            "ES256" => Self::Es256,
            "EdDSA" => Self::EdDsa,
            "HS256" => Self::Hs256,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }

    /// Whether the key is a shared secret rather than a public key.
    pub fn is_symmetric(self) -> bool {
        self == Self::Hs256
    }
}

/// `auth:` of an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone may call it.
    Public,
    /// A valid token is needed (the default once the service has `auth:`).
    Required,
}

impl Access {
    pub const ALL: [&'static str; 2] = ["public", "required"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "public" => Self::Public,
            "required" => Self::Required,
            _ => return None,
        })
    }
}

/// A protocol the service's operations are served over (`transports:`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    /// JSON over HTTP, as `openapi.yaml` describes it: always served.
    Http,
    /// gRPC, as `proto/` describes it, on a port of its own.
    Grpc,
}

impl Transport {
    pub const ALL: [&'static str; 2] = ["http", "grpc"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "http" => Self::Http,
            "grpc" => Self::Grpc,
            _ => return None,
        })
    }
}

/// `paging:` of a resource endpoint: how its lists are cut into pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Paging {
    /// `?limit=&offset=`, with the total number of matching records (the default).
    #[default]
    Offset,
    /// `?limit=&cursor=`: each page names where the next one starts, and costs the same
    /// however deep in the list it is.
    Cursor,
}

impl Paging {
    pub const ALL: [&'static str; 2] = ["offset", "cursor"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "offset" => Self::Offset,
            "cursor" => Self::Cursor,
            _ => return None,
        })
    }
}

/// Scope names, as written.
pub type ScopeList = Spanned<Vec<Spanned<String>>>;

/// Names, as written: of scopes, of fields.
pub type NameList = Spanned<Vec<Spanned<String>>>;

/// `scopes:` of a resource endpoint.
#[derive(Debug, Clone)]
pub enum ResourceScopes {
    /// A list: every operation needs them.
    All(ScopeList),
    /// `read:` for list and get, `write:` for create, update and delete.
    ByKind {
        read: Option<ScopeList>,
        write: Option<ScopeList>,
        span: Span,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Database {
    #[default]
    Sqlite,
    Postgres,
}

impl Database {
    pub const ALL: [&'static str; 2] = ["sqlite", "postgres"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "sqlite" => Some(Self::Sqlite),
            "postgres" => Some(Self::Postgres),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Broker {
    #[default]
    None,
    Nats,
    Rabbitmq,
    Kafka,
}

impl Broker {
    pub const ALL: [&'static str; 4] = ["none", "nats", "rabbitmq", "kafka"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "none" => Some(Self::None),
            "nats" => Some(Self::Nats),
            "rabbitmq" => Some(Self::Rabbitmq),
            "kafka" => Some(Self::Kafka),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Nats => "nats",
            Self::Rabbitmq => "rabbitmq",
            Self::Kafka => "kafka",
        }
    }
}

#[derive(Debug, Clone)]
pub struct Entity {
    pub name: Spanned<String>,
    pub description: Option<Spanned<String>>,
    pub table: Option<Spanned<String>>,
    /// The entity's previous name, when it is being renamed (the table is renamed, not rebuilt).
    pub renamed_from: Option<Spanned<String>>,
    /// In the order they are written.
    pub fields: Vec<Field>,
    /// `sortable:`: the fields a list may be sorted by; `None` for the default (indexed and
    /// unique fields, and the timestamps).
    pub sortable: Option<NameList>,
    /// `default_sort:`: the order of a list that asks for none, each name with `-` for
    /// descending; `None` for newest first.
    pub default_sort: Option<NameList>,
    /// `links:`: the two references of a join entity whose records link a record of one
    /// entity to a record of another (`links: [student, course]`), the first the one the
    /// routes that add and remove links start from.
    pub links: Option<NameList>,
    /// Span of the whole entity entry, for errors about the entity as a whole.
    pub span: Span,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum FieldType {
    String,
    Text,
    Int,
    Bigint,
    Float,
    Decimal,
    Bool,
    Uuid,
    Date,
    Datetime,
    Json,
    Enum,
    Ref,
}

impl FieldType {
    pub const ALL: [&'static str; 13] = [
        "string", "text", "int", "bigint", "float", "decimal", "bool", "uuid", "date", "datetime",
        "json", "enum", "ref",
    ];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "string" => Self::String,
            "text" => Self::Text,
            "int" => Self::Int,
            "bigint" => Self::Bigint,
            "float" => Self::Float,
            "decimal" => Self::Decimal,
            "bool" => Self::Bool,
            "uuid" => Self::Uuid,
            "date" => Self::Date,
            "datetime" => Self::Datetime,
            "json" => Self::Json,
            "enum" => Self::Enum,
            "ref" => Self::Ref,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }

    pub fn is_numeric(self) -> bool {
        matches!(self, Self::Int | Self::Bigint | Self::Float | Self::Decimal)
    }

    pub fn is_string(self) -> bool {
        matches!(self, Self::String | Self::Text)
    }

    /// Whether a list filters a field of this type by range (`[gt]`, `[gte]`, `[lt]`,
    /// `[lte]`): numbers, decimals, dates and times, the values with an order every database
    /// agrees on.
    pub fn has_ranges(self) -> bool {
        self.is_numeric() || matches!(self, Self::Date | Self::Datetime)
    }

    /// Whether a list filters a field of this type by a set of values (`[in]`): the values
    /// compared exactly, so not numbers with fractions, booleans or JSON.
    pub fn has_sets(self) -> bool {
        !matches!(self, Self::Float | Self::Decimal | Self::Bool | Self::Json)
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Email,
    Url,
}

impl Format {
    pub const ALL: [&'static str; 2] = ["email", "url"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "email" => Some(Self::Email),
            "url" => Some(Self::Url),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum OnDelete {
    Cascade,
    #[default]
    Restrict,
}

impl OnDelete {
    pub const ALL: [&'static str; 2] = ["cascade", "restrict"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "cascade" => Some(Self::Cascade),
            "restrict" => Some(Self::Restrict),
            _ => None,
        }
    }
}

/// `search:` how a list matches a text field: from its start (`name[prefix]=`), or also
/// anywhere in it (`name[contains]=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Search {
    Prefix,
    Contains,
}

impl Search {
    pub const ALL: [&'static str; 2] = ["prefix", "contains"];

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "prefix" => Some(Self::Prefix),
            "contains" => Some(Self::Contains),
            _ => None,
        }
    }

    /// The text filters it gives a list, as their brackets write them: `name[prefix]=`, and
    /// for `contains` also `name[contains]=`.
    pub fn filters(self) -> &'static [&'static str] {
        match self {
            Self::Prefix => &["prefix"],
            Self::Contains => &["prefix", "contains"],
        }
    }
}

/// A YAML scalar as written, for `default:`. Which Rust/SQL value it becomes depends on the
/// field's type and is decided by the validator.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    Bool(bool),
    /// A number, kept as written so that decimals keep their precision.
    Number(String),
    String(String),
    Null,
}

/// A number as written (`min: 0`, `max: 99.5`), kept as text so decimals keep their precision.
#[derive(Debug, Clone, PartialEq)]
pub struct Number {
    pub text: String,
    pub value: f64,
}

impl Number {
    pub fn is_integer(&self) -> bool {
        !self.text.contains(['.', 'e', 'E'])
    }
}

#[derive(Debug, Clone)]
pub struct Field {
    pub name: Spanned<String>,
    /// The span of the type: the bare scalar, or the `type:` value.
    pub ty: Spanned<FieldType>,
    pub optional: Option<Spanned<bool>>,
    pub default: Option<Spanned<Literal>>,
    pub unique: Option<Spanned<bool>>,
    pub index: Option<Spanned<bool>>,
    /// Set by the service only: clients cannot write it.
    pub readonly: Option<Spanned<bool>>,
    /// Given on create, never changed after.
    pub immutable: Option<Spanned<bool>>,
    pub min: Option<Spanned<Number>>,
    pub max: Option<Spanned<Number>>,
    pub min_length: Option<Spanned<u64>>,
    pub max_length: Option<Spanned<u64>>,
    pub pattern: Option<Spanned<String>>,
    pub format: Option<Spanned<Format>>,
    pub values: Option<Spanned<Vec<Spanned<String>>>>,
    pub entity: Option<Spanned<String>>,
    pub on_delete: Option<Spanned<OnDelete>>,
    /// How a list matches the text of a `string` or `text` field.
    pub search: Option<Spanned<Search>>,
    pub description: Option<Spanned<String>>,
    /// The field's previous name, when it is being renamed (the column is renamed, not rebuilt).
    pub renamed_from: Option<Spanned<String>>,
}

impl Field {
    /// A field of the given type with nothing else set.
    pub fn bare(name: Spanned<String>, ty: Spanned<FieldType>) -> Self {
        Self {
            name,
            ty,
            optional: None,
            default: None,
            unique: None,
            index: None,
            readonly: None,
            immutable: None,
            min: None,
            max: None,
            min_length: None,
            max_length: None,
            pattern: None,
            format: None,
            values: None,
            entity: None,
            on_delete: None,
            search: None,
            description: None,
            renamed_from: None,
        }
    }

    pub fn is_optional(&self) -> bool {
        self.optional.as_ref().is_some_and(|o| o.value)
    }

    fn is(flag: &Option<Spanned<bool>>) -> bool {
        flag.as_ref().is_some_and(|f| f.value)
    }

    /// Whether a list filters by this field's value: it is indexed, unique or a reference, and
    /// not JSON.
    pub fn is_filter(&self) -> bool {
        let indexed = Self::is(&self.index) || Self::is(&self.unique);
        let ty = self.ty.value;
        (indexed || ty == FieldType::Ref) && ty != FieldType::Json
    }

    /// Its column, and its name in the API: `customer_id` for the reference `customer`.
    pub fn column(&self) -> String {
        if self.ty.value == FieldType::Ref {
            format!("{}_id", self.name.value)
        } else {
            self.name.value.clone()
        }
    }
}

impl Entity {
    /// The columns every entity has.
    pub const IMPLICIT: [&'static str; 3] = ["id", "created_at", "updated_at"];

    /// The columns a list may be sorted by, `id` aside (which every list may be): `sortable:`,
    /// or by default the indexed and unique fields of types with a useful order (not
    /// references, uuids, booleans, text or JSON), then `created_at` and `updated_at`.
    pub fn sortable_columns(&self) -> Vec<String> {
        match &self.sortable {
            Some(list) => list
                .value
                .iter()
                .filter(|n| n.value != "id")
                .map(|n| n.value.clone())
                .collect(),
            None => self
                .fields
                .iter()
                .filter(|f| Field::is(&f.index) || Field::is(&f.unique))
                .filter(|f| {
                    use FieldType::*;
                    !matches!(f.ty.value, Ref | Text | Json | Uuid | Bool)
                })
                .map(|f| f.name.value.clone())
                .chain(["created_at".to_owned(), "updated_at".to_owned()])
                .collect(),
        }
    }

    /// The columns a list filters by range: those it may be sorted by whose type has ranges.
    pub fn range_columns(&self) -> Vec<String> {
        let field = |name: &str| self.fields.iter().find(|f| f.name.value == name);
        self.sortable_columns()
            .into_iter()
            .filter(|c| match field(c) {
                Some(f) => f.ty.value.has_ranges(),
                None => Self::IMPLICIT.contains(&c.as_str()),
            })
            .collect()
    }

    /// The references a list of the entity is nested under (`GET /payments/{id}/refunds` for
    /// `payment`): those to an entity no other of its references names.
    pub fn nesting_references(&self) -> Vec<&Field> {
        let target = |f: &Field| f.entity.as_ref().map(|e| e.value.clone());
        let refs: Vec<&Field> = self
            .fields
            .iter()
            .filter(|f| f.ty.value == FieldType::Ref && f.entity.is_some())
            .collect();
        refs.iter()
            .filter(|f| refs.iter().filter(|g| target(g) == target(f)).count() == 1)
            .copied()
            .collect()
    }

    /// The two references of `links:`, when it names two different references of the entity
    /// (what else it must be, validation reports).
    pub fn link_fields(&self) -> Option<[&Field; 2]> {
        let names = &self.links.as_ref()?.value;
        let [first, second] = names.as_slice() else {
            return None;
        };
        let reference = |name: &Spanned<String>| {
            let field = self.fields.iter().find(|f| f.name.value == name.value)?;
            (field.ty.value == FieldType::Ref && field.entity.is_some()).then_some(field)
        };
        (first.value != second.value).then_some([reference(first)?, reference(second)?])
    }

    /// The fields a list filters by a set of values: the filters whose type has sets.
    pub fn set_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields
            .iter()
            .filter(|f| f.is_filter() && f.ty.value.has_sets())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Operation {
    List,
    Get,
    Create,
    Update,
    Delete,
}

impl Operation {
    pub const ALL: [&'static str; 5] = ["list", "get", "create", "update", "delete"];

    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "list" => Self::List,
            "get" => Self::Get,
            "create" => Self::Create,
            "update" => Self::Update,
            "delete" => Self::Delete,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Method {
    Get,
    Post,
    Put,
    Patch,
    Delete,
}

impl Method {
    pub const ALL: [&'static str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

    /// Methods are written in upper case; lower case is accepted too.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s.to_ascii_uppercase().as_str() {
            "GET" => Self::Get,
            "POST" => Self::Post,
            "PUT" => Self::Put,
            "PATCH" => Self::Patch,
            "DELETE" => Self::Delete,
            _ => return None,
        })
    }

    pub fn as_str(self) -> &'static str {
        Self::ALL[self as usize]
    }

    /// In lower case, as axum's method routers and OpenAPI's path items name it: `post`.
    pub fn lower(self) -> &'static str {
        ["get", "post", "put", "patch", "delete"][self as usize]
    }
}

/// A spec has a handful of endpoints, so the size difference between the variants costs
/// nothing, and boxing would add noise to every match.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Endpoint {
    Resource(ResourceEndpoint),
    Custom(CustomEndpoint),
}

#[derive(Debug, Clone)]
pub struct ResourceEndpoint {
    pub resource: Spanned<String>,
    /// `None` means all five operations.
    pub operations: Option<Vec<Spanned<Operation>>>,
    pub auth: Option<Spanned<Access>>,
    pub scopes: Option<ResourceScopes>,
    pub paging: Option<Spanned<Paging>>,
    /// `grpc: false` keeps the endpoint's operations off the gRPC service.
    pub grpc: Option<Spanned<bool>>,
    pub span: Span,
}

#[derive(Debug, Clone)]
pub struct CustomEndpoint {
    pub name: Spanned<String>,
    pub method: Spanned<Method>,
    pub path: Spanned<String>,
    pub description: Option<Spanned<String>>,
    /// Typed path parameters, in the order written.
    pub params: Vec<Field>,
    pub request: Option<Body>,
    pub response: Option<Body>,
    /// Names of published events this operation emits.
    pub emits: Vec<Spanned<String>>,
    pub auth: Option<Spanned<Access>>,
    pub scopes: Option<ScopeList>,
    /// `grpc: false` keeps the operation off the gRPC service.
    pub grpc: Option<Spanned<bool>>,
    pub span: Span,
}

/// A request or response body: an entity by name, or inline fields.
#[derive(Debug, Clone)]
pub enum Body {
    Entity(Spanned<String>),
    Inline { fields: Vec<Field>, span: Span },
}

#[derive(Debug, Clone, Default)]
pub struct Events {
    pub publish: Vec<Event>,
    pub consume: Vec<Event>,
}

#[derive(Debug, Clone)]
pub struct Event {
    pub name: Spanned<String>,
    pub subject: Spanned<String>,
    pub description: Option<Spanned<String>>,
    /// Only for consumed events: the service that publishes it.
    pub from: Option<Spanned<String>>,
    pub payload: Vec<Field>,
    pub span: Span,
}
