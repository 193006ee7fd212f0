//! The baseline of `bench/runtime.sh`: what a developer would write by hand for three routes of
//! the payment API (`GET /api/v1/payments/{id}`, `GET /api/v1/payments?status=&order_id=&limit=
//! &offset=`, `POST /api/v1/payments`), with the SQL, JSON, headers, validation, pool size (10)
//! and log level (`info`, nothing logged per request) of the service msgen generates. Left out on
//! purpose, as a minimal service would: metrics, request tracing spans, timeouts, health checks.
//!
//! Configuration: `PORT` (8080), `DATABASE_URL`, `DATABASE_MAX_CONNECTIONS` (10), `RUST_LOG`.

#[cfg(all(feature = "sqlite", feature = "postgres"))]
compile_error!("build with exactly one of the features `sqlite` and `postgres`");
#[cfg(not(any(feature = "sqlite", feature = "postgres")))]
compile_error!("build with one of the features `sqlite` and `postgres`");

use std::str::FromStr;
use std::sync::LazyLock;

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use regex::Regex;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize, Serializer};
use sqlx::{QueryBuilder, Row as _};
use uuid::Uuid;

#[cfg(feature = "sqlite")]
mod db {
    use std::str::FromStr;
    use std::time::Duration;

    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions};

    pub type Database = sqlx::Sqlite;
    pub type Pool = sqlx::SqlitePool;
    pub type Row = sqlx::sqlite::SqliteRow;

    pub const SCHEMA: &str = include_str!("../migrations/sqlite.sql");
    pub const FIND: &str = r#"
select "id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at", "version"
from "payments"
where "id" = ?1"#;
    pub const INSERT: &str = r#"
insert into "payments" ("id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at")
values (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
returning "id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at", "version""#;

    pub async fn connect(url: &str, max: u32) -> Result<Pool, sqlx::Error> {
        let options = SqliteConnectOptions::from_str(url)?
            .create_if_missing(true)
            .foreign_keys(true)
            .journal_mode(SqliteJournalMode::Wal)
            .busy_timeout(Duration::from_secs(5));
        SqlitePoolOptions::new()
            .max_connections(max)
            .connect_with(options)
            .await
    }

    /// SQLite keeps decimals as text.
    pub fn amount(row: &Row) -> Result<rust_decimal::Decimal, sqlx::Error> {
        use sqlx::Row as _;
        let text: String = row.try_get("amount")?;
        text.parse().map_err(|err| sqlx::Error::ColumnDecode {
            index: "amount".into(),
            source: Box::new(err),
        })
    }

    pub fn bind_amount(value: rust_decimal::Decimal) -> String {
        value.to_string()
    }
}

#[cfg(feature = "postgres")]
mod db {
    use std::time::Duration;

    use sqlx::postgres::PgPoolOptions;

    pub type Database = sqlx::Postgres;
    pub type Pool = sqlx::PgPool;
    pub type Row = sqlx::postgres::PgRow;

    pub const SCHEMA: &str = include_str!("../migrations/postgres.sql");
    pub const FIND: &str = r#"
select "id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at", "version"
from "payments"
where "id" = $1"#;
    pub const INSERT: &str = r#"
insert into "payments" ("id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at")
values ($1, $2, $3, $4, $5, $6, $7, $8, $9)
returning "id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at", "version""#;

    pub async fn connect(url: &str, max: u32) -> Result<Pool, sqlx::Error> {
        PgPoolOptions::new()
            .max_connections(max)
            .acquire_timeout(Duration::from_secs(5))
            .connect(url)
            .await
    }

    pub fn amount(row: &Row) -> Result<rust_decimal::Decimal, sqlx::Error> {
        use sqlx::Row as _;
        row.try_get("amount")
    }

    pub fn bind_amount(value: rust_decimal::Decimal) -> rust_decimal::Decimal {
        value
    }
}

const SELECT: &str = r#"
select "id", "order_id", "amount", "currency", "status", "customer_email", "note", "created_at", "updated_at", "version"
from "payments"
where true"#;
const COUNT: &str = r#"
select count(*) from "payments" where true"#;

#[derive(Serialize)]
struct Payment {
    id: Uuid,
    order_id: Uuid,
    #[serde(serialize_with = "as_text")]
    amount: Decimal,
    currency: String,
    status: Status,
    customer_email: String,
    note: Option<String>,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
    #[serde(skip)]
    version: i64,
}

fn as_text<S: Serializer>(value: &Decimal, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.collect_str(value)
}

fn from_text<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Decimal, D::Error> {
    let text = String::deserialize(deserializer)?;
    Decimal::from_str(&text).map_err(serde::de::Error::custom)
}

#[derive(Clone, Copy, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Status {
    Pending,
    Succeeded,
    Failed,
}

impl Status {
    fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Succeeded => "succeeded",
            Self::Failed => "failed",
        }
    }

    fn parse(text: &str) -> Option<Self> {
        match text {
            "pending" => Some(Self::Pending),
            "succeeded" => Some(Self::Succeeded),
            "failed" => Some(Self::Failed),
            _ => None,
        }
    }
}

/// The service sets `status` (a new payment is pending); a `status` in the body is ignored.
#[derive(Deserialize)]
struct NewPayment {
    order_id: Uuid,
    #[serde(deserialize_with = "from_text")]
    amount: Decimal,
    currency: String,
    customer_email: String,
    note: Option<String>,
}

static CURRENCY: LazyLock<Regex> = LazyLock::new(|| Regex::new("^[A-Z]{3}$").unwrap());

impl NewPayment {
    fn validate(&self) -> Result<(), ApiError> {
        let mut errors = Vec::new();
        if self.amount < Decimal::ZERO {
            errors.push(("amount", "must be at least 0".to_owned()));
        }
        let chars = self.currency.chars().count();
        if chars < 3 {
            errors.push(("currency", "must be at least 3 characters long".to_owned()));
        }
        if chars > 3 {
            errors.push(("currency", "must be at most 3 characters long".to_owned()));
        }
        if !CURRENCY.is_match(&self.currency) {
            let message = format!("must match the pattern `{}`", *CURRENCY);
            errors.push(("currency", message));
        }
        let email = &self.customer_email;
        let valid = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && !domain.contains('@')
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(char::is_whitespace)
        });
        if !valid {
            errors.push(("customer_email", "must be an email address".to_owned()));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Invalid(errors))
        }
    }
}

#[derive(Deserialize)]
struct ListParams {
    limit: Option<u32>,
    offset: Option<u32>,
    order_id: Option<Uuid>,
    status: Option<Status>,
}

#[derive(Serialize)]
struct Paged {
    items: Vec<Payment>,
    total: i64,
    limit: i64,
    offset: i64,
}

fn from_row(row: db::Row) -> sqlx::Result<Payment> {
    let status: String = row.try_get("status")?;
    Ok(Payment {
        id: row.try_get("id")?,
        order_id: row.try_get("order_id")?,
        amount: db::amount(&row)?,
        currency: row.try_get("currency")?,
        status: Status::parse(&status).ok_or_else(|| sqlx::Error::ColumnDecode {
            index: "status".into(),
            source: format!("unknown value `{status}`").into(),
        })?,
        customer_email: row.try_get("customer_email")?,
        note: row.try_get("note")?,
        created_at: row.try_get("created_at")?,
        updated_at: row.try_get("updated_at")?,
        version: row.try_get("version")?,
    })
}

enum ApiError {
    NotFound,
    Invalid(Vec<(&'static str, String)>),
    Database(sqlx::Error),
}

impl From<sqlx::Error> for ApiError {
    fn from(err: sqlx::Error) -> Self {
        Self::Database(err)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, detail, errors) = match self {
            Self::NotFound => (StatusCode::NOT_FOUND, "payment not found".to_owned(), vec![]),
            Self::Invalid(errors) => (
                StatusCode::UNPROCESSABLE_ENTITY,
                "the request has invalid fields".to_owned(),
                errors
                    .into_iter()
                    .map(|(field, message)| serde_json::json!({ "field": field, "message": message }))
                    .collect(),
            ),
            Self::Database(err) => {
                tracing::error!(error = %err, "database error");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "the service could not complete the request".to_owned(),
                    vec![],
                )
            }
        };
        let mut problem = serde_json::json!({
            "type": "about:blank",
            "title": status.canonical_reason().unwrap_or("Error"),
            "status": status.as_u16(),
            "detail": detail,
        });
        if !errors.is_empty() {
            problem["errors"] = errors.into();
        }
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        (
            status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body,
        )
            .into_response()
    }
}

fn etag(version: i64) -> [(header::HeaderName, String); 1] {
    [(header::ETAG, format!("\"{version}\""))]
}

async fn get_payment(
    State(pool): State<db::Pool>,
    Path(id): Path<Uuid>,
) -> Result<Response, ApiError> {
    let found = sqlx::query(db::FIND)
        .bind(id)
        .try_map(from_row)
        .fetch_optional(&pool)
        .await?;
    let payment = found.ok_or(ApiError::NotFound)?;
    Ok((etag(payment.version), Json(payment)).into_response())
}

fn push_filters<'a>(query: &mut QueryBuilder<'a, db::Database>, params: &'a ListParams) {
    if let Some(value) = &params.order_id {
        query.push(r#" and "order_id" = "#);
        query.push_bind(value);
    }
    if let Some(value) = &params.status {
        query.push(r#" and "status" = "#);
        query.push_bind(value.as_str());
    }
}

async fn list_payments(
    State(pool): State<db::Pool>,
    Query(params): Query<ListParams>,
) -> Result<Json<Paged>, ApiError> {
    let limit = params.limit.unwrap_or(20);
    if !(1..=100).contains(&limit) {
        return Err(ApiError::Invalid(vec![(
            "limit",
            "must be between 1 and 100".into(),
        )]));
    }
    let (limit, offset) = (i64::from(limit), i64::from(params.offset.unwrap_or(0)));
    let mut items = QueryBuilder::new(SELECT);
    push_filters(&mut items, &params);
    items
        .push(r#" order by "created_at", "id" limit "#)
        .push_bind(limit)
        .push(" offset ")
        .push_bind(offset);
    let items = items.build().try_map(from_row).fetch_all(&pool).await?;
    let mut total = QueryBuilder::new(COUNT);
    push_filters(&mut total, &params);
    let total = total.build_query_scalar().fetch_one(&pool).await?;
    Ok(Json(Paged {
        items,
        total,
        limit,
        offset,
    }))
}

async fn create_payment(
    State(pool): State<db::Pool>,
    Json(input): Json<NewPayment>,
) -> Result<Response, ApiError> {
    input.validate()?;
    let now = Utc::now();
    let payment = sqlx::query(db::INSERT)
        .bind(Uuid::now_v7())
        .bind(input.order_id)
        .bind(db::bind_amount(input.amount))
        .bind(&input.currency)
        .bind(Status::Pending.as_str())
        .bind(&input.customer_email)
        .bind(&input.note)
        .bind(now)
        .bind(now)
        .try_map(from_row)
        .fetch_one(&pool)
        .await?;
    let headers = [
        (header::LOCATION, format!("/api/v1/payments/{}", payment.id)),
        (header::ETAG, format!("\"{}\"", payment.version)),
    ];
    Ok((StatusCode::CREATED, headers, Json(payment)).into_response())
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt().with_env_filter(filter).init();
    let env = |key: &str| std::env::var(key).ok();
    let url = env("DATABASE_URL").unwrap_or_else(|| "sqlite://payment-baseline.db".into());
    let max = env("DATABASE_MAX_CONNECTIONS").map_or(Ok(10), |v| v.parse())?;
    let port: u16 = env("PORT").map_or(Ok(8080), |v| v.parse())?;
    let pool = db::connect(&url, max).await?;
    sqlx::raw_sql(db::SCHEMA).execute(&pool).await?;
    let app = Router::new()
        .route("/api/v1/payments", get(list_payments).post(create_payment))
        .route("/api/v1/payments/{id}", get(get_payment))
        .with_state(pool);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await?;
    tracing::info!(address = %listener.local_addr()?, "payment-baseline is listening");
    axum::serve(listener, app).await?;
    Ok(())
}
