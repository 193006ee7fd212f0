//! Names the generated service uses for itself, which no name from a spec may take.

/// Type names the generated service defines or imports itself; an entity or event of the
/// same name would not compile.
pub const RESERVED_TYPE_NAMES: &[&str] = &[
    "Page",
    "Paged",
    "AppError",
    "AppState",
    "Config",
    "Application",
    "Problem",
    "FieldError",
    "BoxError",
    "Dependencies",
    // Schemas of the OpenAPI document besides the entities'.
    "StorableJson",
    // The prelude and the types every model imports.
    "Self",
    "Option",
    "Result",
    "String",
    "Vec",
    "Box",
    "Some",
    "None",
    "Ok",
    "Err",
    "Uuid",
    "Decimal",
    "DateTime",
    "NaiveDate",
    "Utc",
    "Value",
    "Json",
];

/// Crate names a service cannot take: Rust's own crates and what the generated service
/// depends on (a package cannot depend on a crate with its own name).
pub const RESERVED_CRATE_NAMES: &[&str] = &[
    "std",
    "core",
    "alloc",
    "proc_macro",
    "test",
    "build",
    "axum",
    "sqlx",
    "tokio",
    "serde",
    "serde_json",
    "uuid",
    "chrono",
    "rust_decimal",
    "tracing",
    "tracing_subscriber",
    "tower",
    "tower_http",
    "anyhow",
    "thiserror",
    "futures",
    "http",
    "hyper",
    "async_nats",
    "lapin",
    "rdkafka",
    "dotenvy",
    "futures_util",
    "pin_project_lite",
    "prometheus_client",
    "regex",
    "reqwest",
    "serde_path_to_error",
    "url",
];

/// Module names the generated service uses beside the resources' own: `services/contracts.rs`,
/// `services::crud` and `tests/api/{custom,helpers,service}.rs`.
pub const RESERVED_MODULES: &[&str] = &["contracts", "crud", "custom", "helpers", "service"];

/// Types of the generated `events` module and what it imports, which the payload types of
/// events sit beside.
pub const RESERVED_EVENT_NAMES: &[&str] = &[
    "Arc",
    "Broker",
    "BrokerError",
    "Consumer",
    "Database",
    "Deserialize",
    "Duration",
    "Envelope",
    "Event",
    "EventHandlers",
    "HandlerError",
    "Handlers",
    "Metrics",
    "Outcome",
    "Pending",
    "Pool",
    "Relay",
    "RelayError",
    "Serialize",
    "TestApp",
    "Transaction",
    "Tx",
];

/// Tables the generated service creates for itself.
pub const RESERVED_TABLES: &[&str] = &["outbox", "inbox", "idempotency_keys"];

/// Types the generated services module defines or imports besides those of the spec.
pub const SERVICE_MODULE_TYPES: &[&str] = &["Pool", "UsesDatabase"];
