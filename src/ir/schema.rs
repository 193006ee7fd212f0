//! The database schema a service's migrations build, in one dialect. msgen keeps the last one in
//! `.msgen/` and writes each new migration as the difference to it.

use serde::{Deserialize, Serialize};

use super::{Entity, Service};
use crate::names::{index_name, sql_ident, sql_str};
use crate::spec::{Database, FieldType, OnDelete};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    pub database: Database,
    pub tables: Vec<Table>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    /// The name it had before, when the spec renames it; not remembered once applied.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The name it had before, when the spec renames it; not remembered once applied.
    #[serde(skip)]
    pub renamed_from: Option<String>,
    pub sql_type: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub nullable: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub primary_key: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
    /// A SQL literal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// The values an enum column may hold.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<ForeignKey>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub table: String,
    pub on_delete: OnDelete,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub columns: Vec<IndexKey>,
    #[serde(default, skip_serializing_if = "IndexMethod::is_btree")]
    pub method: IndexMethod,
    /// No two rows have the same values in its columns.
    #[serde(default, skip_serializing_if = "is_false")]
    pub unique: bool,
}

/// How an index finds rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum IndexMethod {
    /// Ordered values: equality, ranges and order.
    #[default]
    Btree,
    /// PostgreSQL's pg_trgm over the text's trigrams (GIN): `ilike` patterns, anchored or not.
    Trigram,
}

impl Index {
    /// Whether this index keeps the keys `earlier` kept, an index of the table's earlier
    /// version whose columns `name_now` names as the table does now; the names of the two
    /// indexes aside.
    pub fn same_keys_as(&self, earlier: &Index, name_now: impl Fn(&str) -> String) -> bool {
        self.method == earlier.method
            && self.unique == earlier.unique
            && self.columns.len() == earlier.columns.len()
            && self
                .columns
                .iter()
                .zip(&earlier.columns)
                .all(|(now, then)| {
                    now.column == name_now(&then.column)
                        && now.descending == then.descending
                        && now.nulls_smallest == then.nulls_smallest
                })
    }
}

impl IndexMethod {
    fn is_btree(&self) -> bool {
        *self == Self::Btree
    }
}

/// A column of an index and the order it keeps the column in.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(from = "KeyRecord", into = "KeyRecord")]
pub struct IndexKey {
    pub column: String,
    pub descending: bool,
    /// Nulls are kept as the smallest values (`nulls first` ascending, `nulls last`
    /// descending), as lists order them. Only PostgreSQL is told: SQLite keeps them so anyway.
    pub nulls_smallest: bool,
}

impl IndexKey {
    pub fn ascending(column: &str) -> Self {
        Self {
            column: column.to_owned(),
            descending: false,
            nulls_smallest: false,
        }
    }

    /// A key of an index that serves a list's order: `nullable` columns keep nulls where the
    /// list puts them, which only PostgreSQL needs to be told.
    pub fn sorted(column: &str, descending: bool, nullable: bool, database: Database) -> Self {
        Self {
            column: column.to_owned(),
            descending,
            nulls_smallest: nullable && database == Database::Postgres,
        }
    }

    /// The key as `create index` writes it: `"amount" desc nulls last`.
    pub fn sql(&self) -> String {
        let mut sql = sql_ident(&self.column);
        match (self.descending, self.nulls_smallest) {
            (false, false) => {}
            (false, true) => sql.push_str(" nulls first"),
            (true, false) => sql.push_str(" desc"),
            (true, true) => sql.push_str(" desc nulls last"),
        }
        sql
    }
}

/// An index key as `.msgen/` records it: the column's name alone for an ascending key with
/// the database's own place for nulls, which is every key before orders had a direction.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum KeyRecord {
    Column(String),
    Ordered {
        column: String,
        #[serde(default, skip_serializing_if = "is_false")]
        descending: bool,
        #[serde(default, skip_serializing_if = "is_false")]
        nulls_smallest: bool,
    },
}

impl From<KeyRecord> for IndexKey {
    fn from(record: KeyRecord) -> Self {
        match record {
            KeyRecord::Column(column) => Self::ascending(&column),
            KeyRecord::Ordered {
                column,
                descending,
                nulls_smallest,
            } => Self {
                column,
                descending,
                nulls_smallest,
            },
        }
    }
}

impl From<IndexKey> for KeyRecord {
    fn from(key: IndexKey) -> Self {
        if key.descending || key.nulls_smallest {
            Self::Ordered {
                column: key.column,
                descending: key.descending,
                nulls_smallest: key.nulls_smallest,
            }
        } else {
            Self::Column(key.column)
        }
    }
}

fn is_false(b: &bool) -> bool {
    !b
}

impl Schema {
    pub fn empty(database: Database) -> Self {
        Self {
            database,
            tables: Vec::new(),
        }
    }

    pub fn of(service: &Service) -> Self {
        let mut tables: Vec<Table> = service
            .entities
            .iter()
            .map(|entity| table(entity, service))
            .collect();
        if !service.events.publish.is_empty() {
            tables.push(outbox(service.database));
        }
        if !service.events.consume.is_empty() {
            tables.push(inbox(service.database));
        }
        if service.uses.idempotency {
            tables.push(idempotency_keys(service.database));
        }
        Self {
            database: service.database,
            tables,
        }
    }

    pub fn table(&self, name: &str) -> Option<&Table> {
        self.tables.iter().find(|t| t.name == name)
    }

    /// The table of this schema (the earlier one) that `table` of `next` is: the one of its
    /// name, or the one it is renamed from when no table of `next` has that name still.
    pub fn earlier<'a>(&'a self, next: &Schema, table: &Table) -> Option<&'a Table> {
        self.table(&table.name).or_else(|| {
            let old = table.renamed_from.as_deref()?;
            next.table(old).is_none().then(|| self.table(old)).flatten()
        })
    }
}

impl Table {
    /// The name in this table of `column` of `earlier`, this table's earlier version: its new
    /// name when it was renamed, else its own.
    pub fn name_of(&self, earlier: &Table, column: &str) -> String {
        let now = self
            .columns
            .iter()
            .find(|c| earlier.earlier(self, c).is_some_and(|p| p.name == column));
        now.map_or_else(|| column.to_owned(), |c| c.name.clone())
    }

    /// The column of this table (the earlier one) that `column` of `next` is: the one of its
    /// name, or the one it is renamed from when no column of `next` has that name still.
    pub fn earlier<'a>(&'a self, next: &Table, column: &Column) -> Option<&'a Column> {
        let named = |name: &str| self.columns.iter().find(|c| c.name == name);
        named(&column.name).or_else(|| {
            let old = column.renamed_from.as_deref()?;
            next.columns
                .iter()
                .all(|c| c.name != old)
                .then(|| named(old))
                .flatten()
        })
    }
}

fn table(entity: &Entity, service: &Service) -> Table {
    let database = service.database;
    let timestamp = |name: &str| Column {
        name: name.into(),
        sql_type: super::sql_type(FieldType::Datetime, database).into(),
        ..Column::new("", "")
    };
    let mut columns = vec![Column {
        primary_key: true,
        ..Column::new("id", super::sql_type(FieldType::Uuid, database))
    }];
    let mut indexes = Vec::new();
    let sorted = |name: &str| entity.sorted_columns().any(|c| c == name);
    for field in &entity.fields {
        columns.push(Column {
            renamed_from: field.renamed_from.clone(),
            nullable: field.optional,
            unique: field.unique,
            default: field.default_sql.clone(),
            allowed: field.constraints.values.clone(),
            references: field.references.as_ref().map(|r| ForeignKey {
                table: r.table.clone(),
                on_delete: r.on_delete,
            }),
            ..Column::new(&field.name, super::sql_type(field.kind, database))
        });
        // Foreign keys are indexed too: deletes of the parent and joins need it. A column a list
        // is sorted by is indexed with `id`, which ends every order.
        let sorted = sorted(&field.name);
        if (field.index || field.references.is_some() || sorted) && !field.unique {
            let key = IndexKey::sorted(&field.name, false, sorted && field.optional, database);
            indexes.push(column_index(entity, key, sorted));
        }
        // `[prefix]` and `[contains]` match regardless of case, which no ordered index serves.
        if field.search.is_some() && database == Database::Postgres {
            indexes.push(Index {
                name: index_name(&format!("{}_{}", entity.table, field.name), "search_idx"),
                columns: vec![IndexKey::ascending(&field.name)],
                method: IndexMethod::Trigram,
                unique: false,
            });
        }
    }
    columns.push(timestamp("created_at"));
    columns.push(timestamp("updated_at"));
    for name in ["created_at", "updated_at"] {
        if sorted(name) {
            indexes.push(column_index(entity, IndexKey::ascending(name), true));
        }
    }
    indexes.extend(default_sort_index(entity, database));
    // A pair is linked once. Named unlike a unique constraint (`_key`), as the service reads
    // the columns of a violation of one from the error's detail.
    if let Some(link) = &entity.link {
        indexes.push(Index {
            name: index_name(&entity.table, "link_idx"),
            columns: vec![
                IndexKey::ascending(&link.owner.column),
                IndexKey::ascending(&link.target.column),
            ],
            method: IndexMethod::Btree,
            unique: true,
        });
    }
    // The row version behind `ETag` / `If-Match`: every update increments it.
    columns.push(Column {
        default: Some("1".into()),
        ..Column::new("version", super::sql_type(FieldType::Bigint, database))
    });
    Table {
        name: entity.table.clone(),
        renamed_from: entity.renamed_from.clone(),
        columns,
        indexes,
    }
}

/// The index of one column (`key`), followed by `id` when lists are sorted by it. Scanned
/// forwards or backwards, it serves both directions.
fn column_index(entity: &Entity, key: IndexKey, sorted: bool) -> Index {
    let name = index_name(&format!("{}_{}", entity.table, key.column), "idx");
    let mut columns = vec![key];
    if sorted {
        columns.push(IndexKey::ascending("id"));
    }
    Index {
        name,
        columns,
        method: IndexMethod::Btree,
        unique: false,
    }
}

/// The index of a default order of several keys (`[-priority, created_at]`): the keys in
/// their directions, then `id` in the last one's. Its first key is ascending; scanned
/// backwards, it serves the order turned around too. A default order of one key has its
/// column's index. Keys from the first that is ordered as a number held as text (a decimal on
/// SQLite: `cast(... as real)`) are left out, as no index serves them.
fn default_sort_index(entity: &Entity, database: Database) -> Option<Index> {
    let keys: Vec<(&str, bool)> = entity.default_sort_keys().collect();
    let numeric_text =
        |(column, _): &(&str, bool)| entity.numeric_text_sorts.iter().any(|c| c == column);
    let served = keys.iter().position(numeric_text).unwrap_or(keys.len());
    if served < 2 {
        return None;
    }
    let turned = keys[0].1;
    let mut columns: Vec<IndexKey> = keys[..served]
        .iter()
        .map(|&(column, descending)| {
            let nullable = entity.field(column).is_some_and(|f| f.optional);
            IndexKey::sorted(column, descending != turned, nullable, database)
        })
        .collect();
    if served == keys.len() {
        columns.push(IndexKey::sorted(
            "id",
            columns[served - 1].descending,
            false,
            database,
        ));
    }
    Some(Index {
        name: index_name(&entity.table, "default_sort_idx"),
        columns,
        method: IndexMethod::Btree,
        unique: false,
    })
}

/// Events waiting for the relay, written in the transaction of the change they announce.
/// `seq` gives their order; rows are kept a while after they are sent, for inspection.
fn outbox(database: Database) -> Table {
    let ty = |kind| super::sql_type(kind, database);
    let seq = match database {
        Database::Sqlite => "integer",
        Database::Postgres => "bigint generated always as identity",
    };
    Table {
        name: "outbox".into(),
        renamed_from: None,
        columns: vec![
            Column {
                primary_key: true,
                ..Column::new("seq", seq)
            },
            Column {
                unique: true,
                ..Column::new("id", ty(FieldType::Uuid))
            },
            Column::new("subject", ty(FieldType::String)),
            Column::new("event_type", ty(FieldType::String)),
            Column::new("ordering_key", ty(FieldType::String)),
            Column::new("envelope", ty(FieldType::Text)),
            Column::new("created_at", ty(FieldType::Datetime)),
            Column {
                default: Some("0".into()),
                ..Column::new("attempts", ty(FieldType::Int))
            },
            Column {
                nullable: true,
                ..Column::new("last_error", ty(FieldType::Text))
            },
            Column {
                nullable: true,
                ..Column::new("sent_at", ty(FieldType::Datetime))
            },
        ],
        indexes: vec![
            Index {
                name: "outbox_pending_idx".into(),
                columns: vec![IndexKey::ascending("sent_at"), IndexKey::ascending("seq")],
                method: IndexMethod::Btree,
                unique: false,
            },
            Index {
                name: "outbox_ordering_key_idx".into(),
                columns: vec![
                    IndexKey::ascending("ordering_key"),
                    IndexKey::ascending("seq"),
                ],
                method: IndexMethod::Btree,
                unique: false,
            },
        ],
    }
}

/// The events already handled, by CloudEvents id: a redelivered one is recognised and skipped,
/// in the same transaction as the handler's own changes.
fn inbox(database: Database) -> Table {
    let ty = |kind| super::sql_type(kind, database);
    Table {
        name: "inbox".into(),
        renamed_from: None,
        columns: vec![
            Column {
                primary_key: true,
                ..Column::new("event_id", ty(FieldType::String))
            },
            Column::new("event_type", ty(FieldType::String)),
            Column::new("source", ty(FieldType::String)),
            Column::new("received_at", ty(FieldType::Datetime)),
        ],
        indexes: Vec::new(),
    }
}

/// The answers to requests that carried an `Idempotency-Key`, per caller and key: `status`,
/// `headers` and `body` are null while the first request with the key is being worked on,
/// which it is at most until `locked_until`, its deadline.
fn idempotency_keys(database: Database) -> Table {
    let ty = |kind| super::sql_type(kind, database);
    let nullable = |name: &str, kind| Column {
        nullable: true,
        ..Column::new(name, ty(kind))
    };
    Table {
        name: "idempotency_keys".into(),
        renamed_from: None,
        columns: vec![
            Column::new("caller", ty(FieldType::String)),
            Column::new("key", ty(FieldType::String)),
            Column::new("fingerprint", ty(FieldType::String)),
            nullable("status", FieldType::Int),
            nullable("headers", FieldType::Text),
            nullable("body", FieldType::Text),
            Column::new("locked_until", ty(FieldType::Datetime)),
            Column::new("expires_at", ty(FieldType::Datetime)),
        ],
        indexes: vec![
            Index {
                name: "idempotency_keys_key_idx".into(),
                columns: vec![IndexKey::ascending("caller"), IndexKey::ascending("key")],
                method: IndexMethod::Btree,
                unique: true,
            },
            Index {
                name: "idempotency_keys_expires_at_idx".into(),
                columns: vec![IndexKey::ascending("expires_at")],
                method: IndexMethod::Btree,
                unique: false,
            },
        ],
    }
}

impl Column {
    /// A required column with no constraints.
    pub fn new(name: &str, sql_type: &str) -> Self {
        Self {
            name: name.into(),
            renamed_from: None,
            sql_type: sql_type.into(),
            nullable: false,
            primary_key: false,
            unique: false,
            default: None,
            allowed: Vec::new(),
            references: None,
        }
    }

    /// The column as it appears in `create table` and `alter table .. add column` of `table`.
    /// Constraints are named `<table>_<column>_{key,check,fkey}`, as Postgres would name them,
    /// so that later migrations can find them.
    pub fn definition(&self, table: &str) -> String {
        let mut sql = format!("{} {}", sql_ident(&self.name), self.sql_type);
        if self.primary_key {
            sql.push_str(" primary key");
        } else if !self.nullable {
            sql.push_str(" not null");
        }
        if let Some(default) = &self.default {
            sql.push_str(" default ");
            sql.push_str(default);
        }
        if self.unique {
            sql.push_str(&format!(
                " constraint {} unique",
                self.constraint(table, "key")
            ));
        }
        if let Some(check) = self.check() {
            sql.push_str(&format!(
                " constraint {} {check}",
                self.constraint(table, "check")
            ));
        }
        if let Some(fk) = &self.references {
            sql.push_str(&format!(
                " constraint {} {}",
                self.constraint(table, "fkey"),
                fk.clause()
            ));
        }
        sql
    }

    /// The quoted name of one of the column's constraints.
    pub fn constraint(&self, table: &str, kind: &str) -> String {
        sql_ident(&format!("{table}_{}_{kind}", self.name))
    }

    /// `check (...)` for an enum column.
    pub fn check(&self) -> Option<String> {
        if self.allowed.is_empty() {
            return None;
        }
        let values: Vec<String> = self.allowed.iter().map(|v| sql_str(v)).collect();
        Some(format!(
            "check ({} in ({}))",
            sql_ident(&self.name),
            values.join(", ")
        ))
    }
}

impl ForeignKey {
    pub fn clause(&self) -> String {
        format!(
            "references {} (\"id\") on delete {}",
            sql_ident(&self.table),
            match self.on_delete {
                OnDelete::Cascade => "cascade",
                OnDelete::Restrict => "restrict",
            }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{check, Source};

    const SHOP: &str = "service: shop
entities:
  Order:
    fields:
      code: { type: string, unique: true }
      status: { type: enum, values: [open, shut], index: true }
      note: { type: string, optional: true }
      total: decimal
  Tag:
    fields:
      label: { type: string, optional: true }
    sortable: [label]
    default_sort: [-label, created_at]
";

    /// The indexes of `table`, each as its name and keys as `create index` writes them.
    fn indexes(schema: &Schema, table: &str) -> Vec<(String, Vec<String>)> {
        let table = schema.table(table).expect("the table");
        let index = |i: &Index| {
            (
                i.name.clone(),
                i.columns.iter().map(IndexKey::sql).collect(),
            )
        };
        table.indexes.iter().map(index).collect()
    }

    fn index(name: &str, columns: &[&str]) -> (String, Vec<String>) {
        let columns = columns.iter().map(|c| (*c).to_owned()).collect();
        (name.to_owned(), columns)
    }

    #[test]
    fn lists_sort_by_indexed_fields_and_timestamps_unless_told_otherwise() {
        let valid = check(&Source::new("msgen.yaml", SHOP)).expect("a valid spec");
        let service = crate::ir::lower(&valid);
        let order = &service.entities[0];
        let sortable = ["code", "status", "created_at", "updated_at"];
        assert_eq!(order.sortable, sortable);
        assert_eq!(order.default_sort, "-created_at");
        let tag = &service.entities[1];
        assert_eq!(tag.sortable, ["label"]);
        assert_eq!(tag.default_sort, "-label,created_at");
        assert_eq!(tag.nullable_sorts, ["label"]);

        // A sorted column is indexed with `id`; `code` is unique, and its constraint's index
        // serves.
        let schema = Schema::of(&service);
        assert_eq!(
            indexes(&schema, "orders"),
            [
                index("orders_status_idx", &[r#""status""#, r#""id""#]),
                index("orders_created_at_idx", &[r#""created_at""#, r#""id""#]),
                index("orders_updated_at_idx", &[r#""updated_at""#, r#""id""#]),
            ]
        );
        // A default order of several keys has an index in their directions; SQLite keeps
        // nulls as the smallest values without being told.
        let tags = [
            index("tags_label_idx", &[r#""label""#, r#""id""#]),
            index("tags_created_at_idx", &[r#""created_at""#, r#""id""#]),
            index(
                "tags_default_sort_idx",
                &[r#""label""#, r#""created_at" desc"#, r#""id" desc"#],
            ),
        ];
        assert_eq!(indexes(&schema, "tags"), tags);
    }

    #[test]
    fn postgres_indexes_keep_nulls_where_lists_order_them() {
        let spec = format!("{SHOP}database: postgres\n");
        let valid = check(&Source::new("msgen.yaml", &spec)).expect("a valid spec");
        let schema = Schema::of(&crate::ir::lower(&valid));
        // `-label, created_at`: label descending with nulls last, and the index turned
        // around so that its first key is ascending.
        let tags = [
            index("tags_label_idx", &[r#""label" nulls first"#, r#""id""#]),
            index("tags_created_at_idx", &[r#""created_at""#, r#""id""#]),
            index(
                "tags_default_sort_idx",
                &[
                    r#""label" nulls first"#,
                    r#""created_at" desc"#,
                    r#""id" desc"#,
                ],
            ),
        ];
        assert_eq!(indexes(&schema, "tags"), tags);
    }

    #[test]
    fn index_keys_of_earlier_states_read_as_ascending() {
        let recorded =
            r#"{"name": "t_a_idx", "columns": ["a", {"column": "b", "descending": true}]}"#;
        let index: Index = serde_json::from_str(recorded).expect("an index");
        assert_eq!(index.columns[0], IndexKey::ascending("a"));
        assert!(index.columns[1].descending && !index.columns[1].nulls_smallest);
        let written = serde_json::to_value(&index).expect("JSON");
        assert_eq!(
            written["columns"],
            serde_json::json!(["a", {"column": "b", "descending": true}])
        );
    }

    #[test]
    fn lists_filter_by_range_what_they_sort_by_and_by_set_what_they_filter_by() {
        let spec = "service: shop
entities:
  Parcel:
    fields:
      weight: { type: decimal, index: true }
      code: { type: string, unique: true }
      sent_on: { type: date, optional: true }
      fragile: { type: bool, index: true }
      kind: { type: enum, values: [box, tube], index: true }
      depot: { type: ref, entity: Depot }
    sortable: [weight, code, sent_on, kind, created_at]
  Depot:
    fields:
      name: string
";
        let valid = check(&Source::new("msgen.yaml", spec)).expect("a valid spec");
        let service = crate::ir::lower(&valid);
        let parcel = &service.entities[0];
        // Strings and enums sort, but their order is not one every database agrees on.
        assert_eq!(parcel.ranges, ["weight", "sent_on", "created_at"]);
        let sets: Vec<&str> = parcel.set_fields().map(|f| f.name.as_str()).collect();
        assert_eq!(sets, ["code", "kind", "depot_id"]);
        assert!(parcel.filtered);
        // Without `sortable`, the timestamps are ranges of every list.
        let depot = &service.entities[1];
        assert_eq!(depot.ranges, ["created_at", "updated_at"]);
        assert!(depot.filtered && depot.filters.is_empty() && depot.sets.is_empty());
    }

    #[test]
    fn lists_nest_under_the_one_record_of_an_entity_they_reference() {
        let spec = "service: bank
entities:
  Account:
    fields:
      owner: string
  Refund:
    fields:
      account: { type: ref, entity: Account }
  Transfer:
    fields:
      from_account: { type: ref, entity: Account }
      to_account: { type: ref, entity: Account }
      refund: { type: ref, entity: Refund, optional: true }
endpoints:
  - resource: Account
  - resource: Refund
  - resource: Transfer
";
        let valid = check(&Source::new("msgen.yaml", spec)).expect("a valid spec");
        let service = crate::ir::lower(&valid);
        let nested = |i: usize| -> Vec<(String, String, String)> {
            let lists = service.resources[i].nested.iter();
            lists
                .map(|n| (n.route.clone(), n.method.clone(), n.handler.clone()))
                .collect()
        };
        assert!(nested(0).is_empty());
        let refunds = (
            "/accounts/{id}/refunds",
            "list_of_account",
            "list_refunds_of_account",
        );
        assert_eq!(
            nested(1),
            [(refunds.0.into(), refunds.1.into(), refunds.2.into())]
        );
        // Two references to `Account`: which one `/accounts/{id}/transfers` follows would not
        // be clear.
        let transfers = (
            "/refunds/{id}/transfers",
            "list_of_refund",
            "list_transfers_of_refund",
        );
        assert_eq!(
            nested(2),
            [(transfers.0.into(), transfers.1.into(), transfers.2.into())]
        );
    }

    #[test]
    fn a_join_entity_links_each_pair_once_through_routes_of_its_second_reference() {
        let spec = "service: school
entities:
  Student:
    fields:
      name: string
  Course:
    fields:
      title: string
  Enrollment:
    links: [student, favourite_course]
    fields:
      student: { type: ref, entity: Student }
      favourite_course: { type: ref, entity: Course }
      grade: { type: string, optional: true }
  Follow:
    links: [follower, followee]
    fields:
      follower: { type: ref, entity: Student }
      followee: { type: ref, entity: Student }
endpoints:
  - resource: Enrollment
    operations: [get, create]
  - resource: Follow
    operations: [list, delete]
";
        let valid = check(&Source::new("msgen.yaml", spec)).expect("a valid spec");
        let service = crate::ir::lower(&valid);
        let link = service.entities[2].link.as_ref().expect("a link");
        assert_eq!(
            (link.owner.column.as_str(), link.owner.entity),
            ("student_id", 0)
        );
        assert_eq!(
            (link.target.column.as_str(), link.target.entity),
            ("favourite_course_id", 1)
        );
        let routes: Vec<Option<&str>> = service
            .resources
            .iter()
            .map(|r| r.link_route.as_deref())
            .collect();
        // The segment is the second reference's name; both references may name one entity.
        assert_eq!(
            routes,
            [
                Some("/students/{id}/favourite-courses/{favourite_course_id}"),
                Some("/students/{id}/followees/{followee_id}"),
            ]
        );
        let schema = Schema::of(&service);
        let unique = |table: &str| -> Vec<(String, Vec<String>)> {
            let indexes = &schema.table(table).expect("the table").indexes;
            let unique = indexes.iter().filter(|i| i.unique);
            unique
                .map(|i| {
                    (
                        i.name.clone(),
                        i.columns.iter().map(IndexKey::sql).collect(),
                    )
                })
                .collect()
        };
        assert_eq!(
            unique("enrollments"),
            [index(
                "enrollments_link_idx",
                &[r#""student_id""#, r#""favourite_course_id""#]
            )]
        );
        assert_eq!(
            unique("follows"),
            [index(
                "follows_link_idx",
                &[r#""follower_id""#, r#""followee_id""#]
            )]
        );
        assert!(unique("students").is_empty());
    }
}
