//! Migrations as the difference between the schema msgen generated last time and the one the
//! spec asks for now. The first migration is the difference from an empty schema.
//!
//! Renames (`renamed_from:` in the spec) become renames, never a drop and an add. Changes that
//! lose data (dropping a table or column, removing enum values) are refused unless allowed;
//! type changes are made only when they widen. Postgres alters tables in place; SQLite, whose
//! `alter table` can do little, rebuilds a table whose constraints change.

use std::collections::BTreeSet;

use crate::ir::schema::{Column, Index, IndexKey, IndexMethod, Schema, Table};
use crate::names::sql_ident;
use crate::spec::Database;

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MigrationError {
    // Each names the table (and column) of the new schema it is about where there is one, so
    // that the refusal can point at the entity or field of the spec that asks for it.
    #[error(
        "`{table}.{column}` would change from `{from}` to `{to}`, which needs converting the data \
         it holds; msgen only widens types (int to bigint, to float or decimal): revert the \
         change, or add a new field and migrate the data by hand"
    )]
    Conversion {
        table: String,
        column: String,
        from: String,
        to: String,
    },
    #[error(
        "{what} would be dropped with the data it holds; if that is what you want, run again \
         with `--allow-destructive` (to rename instead, add `renamed_from:` in msgen.yaml)"
    )]
    Destructive {
        what: String,
        /// The table the change is in, and the column when it is about one.
        table: String,
        column: Option<String>,
    },
    #[error(
        "new required column `{table}.{column}` has no default, so rows already stored could \
         not be given a value: add a `default:` or make it `optional: true`"
    )]
    RequiredWithoutDefault { table: String, column: String },
    #[error(
        "`{table}.{column}` would become required, but rows may hold no value for it: give it \
         a `default:` (stored rows get it), or keep it optional"
    )]
    RequiredWithoutValue { table: String, column: String },
}

/// The statements that take a database from `previous` to `next`; empty when nothing changed.
/// Statements are complete SQL, each ending with `;`.
pub fn diff(
    previous: &Schema,
    next: &Schema,
    allow_destructive: bool,
) -> Result<Vec<String>, MigrationError> {
    let database = next.database;
    let mut statements = Vec::new();
    let mut matched: BTreeSet<&str> = BTreeSet::new();
    let find_previous = |table: &Table| -> Option<&Table> {
        previous.table(&table.name).or_else(|| {
            let old = table.renamed_from.as_deref()?;
            next.table(old)
                .is_none()
                .then(|| previous.table(old))
                .flatten()
        })
    };
    // Dropped tables first, children before parents.
    let dropped: Vec<&Table> = previous
        .tables
        .iter()
        .filter(|old| {
            !next
                .tables
                .iter()
                .any(|t| find_previous(t).is_some_and(|p| p.name == old.name))
        })
        .collect();
    for table in order_by_references(dropped).into_iter().rev() {
        if !allow_destructive {
            return Err(MigrationError::Destructive {
                what: format!("table `{}`", table.name),
                table: table.name.clone(),
                column: None,
            });
        }
        statements.push(format!("drop table {};", sql_ident(&table.name)));
    }
    for table in &next.tables {
        if let Some(old) = find_previous(table) {
            matched.insert(old.name.as_str());
            statements.extend(alter(old, table, database, allow_destructive)?);
        }
    }
    let created: Vec<&Table> = next
        .tables
        .iter()
        .filter(|t| find_previous(t).is_none())
        .collect();
    for table in order_by_references(created) {
        statements.push(create_table(table));
        statements.extend(table.indexes.iter().map(|index| create_index(table, index)));
    }
    if creates_trigram_index(previous, next) {
        // A trusted extension (PostgreSQL 13 and later): any role that may create tables in
        // the database may create it.
        statements.insert(0, "create extension if not exists pg_trgm;".to_owned());
    }
    Ok(statements)
}

/// Whether `next` has a trigram index that `previous` has not, which needs pg_trgm.
fn creates_trigram_index(previous: &Schema, next: &Schema) -> bool {
    fn trigram(schema: &Schema) -> impl Iterator<Item = &Index> {
        let indexes = schema.tables.iter().flat_map(|table| &table.indexes);
        indexes.filter(|index| index.method == IndexMethod::Trigram)
    }
    trigram(next).any(|index| !trigram(previous).any(|before| before == index))
}

/// Whether the statements must run outside a transaction (SQLite table rebuilds switch foreign
/// keys off, which cannot happen inside one).
pub fn needs_no_transaction(statements: &[String]) -> bool {
    statements
        .iter()
        .any(|s| s.starts_with("pragma foreign_keys"))
}

/// Tables that others reference come first, so foreign keys always point backwards.
fn order_by_references(mut pending: Vec<&Table>) -> Vec<&Table> {
    let mut ordered: Vec<&Table> = Vec::new();
    while !pending.is_empty() {
        let ready = pending.iter().position(|t| {
            t.columns.iter().all(|c| {
                c.references.as_ref().is_none_or(|fk| {
                    fk.table == t.name
                        || ordered.iter().any(|o| o.name == fk.table)
                        || !pending.iter().any(|p| p.name == fk.table)
                })
            })
        });
        // A cycle of references cannot be ordered; keep the spec's order for what is left.
        let index = ready.unwrap_or(0);
        ordered.push(pending.remove(index));
    }
    ordered
}

fn create_table(table: &Table) -> String {
    create_table_named(table, &table.name)
}

fn create_table_named(table: &Table, name: &str) -> String {
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("    {}", c.definition(&table.name)))
        .collect();
    format!(
        "create table {} (\n{}\n);",
        sql_ident(name),
        columns.join(",\n")
    )
}

fn create_index(table: &Table, index: &Index) -> String {
    let (using, columns): (&str, Vec<String>) = match index.method {
        IndexMethod::Btree => ("", index.columns.iter().map(IndexKey::sql).collect()),
        IndexMethod::Trigram => {
            let keys = index.columns.iter();
            let keys = keys.map(|key| format!("{} gin_trgm_ops", sql_ident(&key.column)));
            (" using gin", keys.collect())
        }
    };
    let unique = if index.unique { "unique " } else { "" };
    format!(
        "create {unique}index {} on {}{using} ({});",
        sql_ident(&index.name),
        sql_ident(&table.name),
        columns.join(", ")
    )
}

/// How a column of the old table relates to one of the new.
struct ColumnChange<'a> {
    old: &'a Column,
    new: &'a Column,
}

fn alter(
    old: &Table,
    new: &Table,
    database: Database,
    allow_destructive: bool,
) -> Result<Vec<String>, MigrationError> {
    let table = sql_ident(&new.name);
    let mut statements = Vec::new();
    if old.name != new.name {
        statements.push(format!(
            "alter table {} rename to {table};",
            sql_ident(&old.name)
        ));
    }
    let find_old = |column: &Column| -> Option<&Column> {
        old.columns
            .iter()
            .find(|c| c.name == column.name)
            .or_else(|| {
                let was = column.renamed_from.as_deref()?;
                new.columns
                    .iter()
                    .all(|c| c.name != was)
                    .then(|| old.columns.iter().find(|c| c.name == was))
                    .flatten()
            })
    };
    let mut changes = Vec::new();
    let mut added = Vec::new();
    for column in &new.columns {
        match find_old(column) {
            Some(previous) => changes.push(ColumnChange {
                old: previous,
                new: column,
            }),
            None => added.push(column),
        }
    }
    let dropped: Vec<&Column> = old
        .columns
        .iter()
        .filter(|c| !changes.iter().any(|ch| ch.old.name == c.name))
        .collect();
    if let Some(column) = dropped.first().filter(|_| !allow_destructive) {
        return Err(MigrationError::Destructive {
            what: format!("column `{}.{}`", old.name, column.name),
            table: new.name.clone(),
            column: None,
        });
    }
    for column in &added {
        if !column.nullable && column.default.is_none() {
            return Err(MigrationError::RequiredWithoutDefault {
                table: new.name.clone(),
                column: column.name.clone(),
            });
        }
    }
    for change in &changes {
        check_change(&new.name, change, allow_destructive)?;
    }

    // Renamed columns keep their data under the new name.
    for change in changes.iter().filter(|c| c.old.name != c.new.name) {
        statements.push(format!(
            "alter table {table} rename column {} to {};",
            sql_ident(&change.old.name),
            sql_ident(&change.new.name)
        ));
    }
    let constraints_changed = changes.iter().any(|c| !same_definition(c.old, c.new))
        || !dropped.is_empty()
        || old.name != new.name;
    match database {
        Database::Postgres => {
            statements.extend(alter_postgres(old, new, &changes, &added, &dropped));
        }
        Database::Sqlite if constraints_changed || added.iter().any(|c| !simple_to_add(c)) => {
            statements.extend(rebuild_sqlite(new, &changes));
            return Ok(statements);
        }
        Database::Sqlite => {
            for column in &added {
                statements.push(format!(
                    "alter table {table} add column {};",
                    column.definition(&new.name)
                ));
            }
        }
    }
    statements.extend(index_changes(old, new));
    Ok(statements)
}

/// Whether two columns agree in everything but their names.
fn same_definition(old: &Column, new: &Column) -> bool {
    old.sql_type == new.sql_type
        && old.nullable == new.nullable
        && old.primary_key == new.primary_key
        && old.unique == new.unique
        && old.default == new.default
        && old.allowed == new.allowed
        && old.references == new.references
}

/// SQLite adds a column in place only without a unique constraint, and with a foreign key
/// only when it may be null.
fn simple_to_add(column: &Column) -> bool {
    !column.unique && (column.references.is_none() || column.nullable)
}

/// Refuses changes that would convert or lose data.
fn check_change(
    table: &str,
    change: &ColumnChange,
    allow_destructive: bool,
) -> Result<(), MigrationError> {
    let (old, new) = (change.old, change.new);
    if old.sql_type != new.sql_type && !widens(&old.sql_type, &new.sql_type) {
        return Err(MigrationError::Conversion {
            table: table.to_string(),
            column: new.name.clone(),
            from: old.sql_type.clone(),
            to: new.sql_type.clone(),
        });
    }
    if old.nullable && !new.nullable && new.default.is_none() {
        return Err(MigrationError::RequiredWithoutValue {
            table: table.to_string(),
            column: new.name.clone(),
        });
    }
    let removed: Vec<&String> = old
        .allowed
        .iter()
        .filter(|v| !new.allowed.contains(v))
        .collect();
    if !removed.is_empty() && !new.allowed.is_empty() && !allow_destructive {
        return Err(MigrationError::Destructive {
            what: format!(
                "rows of `{table}` whose `{}` is {}",
                new.name,
                removed
                    .iter()
                    .map(|v| format!("`{v}`"))
                    .collect::<Vec<_>>()
                    .join(" or ")
            ),
            table: table.to_string(),
            column: Some(new.name.clone()),
        });
    }
    Ok(())
}

/// Type changes that keep every value as it is.
pub(crate) fn widens(from: &str, to: &str) -> bool {
    matches!(
        (from, to),
        ("integer", "bigint")
            | ("integer" | "bigint", "numeric" | "double precision")
            | ("integer", "real")
            | ("real", "double precision")
    )
}

fn alter_postgres(
    old: &Table,
    new: &Table,
    changes: &[ColumnChange],
    added: &[&Column],
    dropped: &[&Column],
) -> Vec<String> {
    let table = sql_ident(&new.name);
    let mut statements = Vec::new();
    // Constraints are named after their table and column: keep the names in step.
    for change in changes {
        for (kind, present) in [
            ("key", change.old.unique),
            ("check", !change.old.allowed.is_empty()),
            ("fkey", change.old.references.is_some()),
        ] {
            let before = change.old.constraint(&old.name, kind);
            let after = change.new.constraint(&new.name, kind);
            if present && before != after {
                statements.push(format!(
                    "alter table {table} rename constraint {before} to {after};"
                ));
            }
        }
    }
    for column in dropped {
        statements.push(format!(
            "alter table {table} drop column {};",
            sql_ident(&column.name)
        ));
    }
    for change in changes {
        let (was, now) = (change.old, change.new);
        let column = sql_ident(&now.name);
        if was.sql_type != now.sql_type {
            statements.push(format!(
                "alter table {table} alter column {column} type {} using {column}::{};",
                now.sql_type, now.sql_type
            ));
        }
        if was.default != now.default {
            statements.push(match &now.default {
                Some(default) => {
                    format!("alter table {table} alter column {column} set default {default};")
                }
                None => format!("alter table {table} alter column {column} drop default;"),
            });
        }
        if was.nullable && !now.nullable {
            if let Some(default) = &now.default {
                statements.push(format!(
                    "update {table} set {column} = {default} where {column} is null;"
                ));
            }
            statements.push(format!(
                "alter table {table} alter column {column} set not null;"
            ));
        } else if !was.nullable && now.nullable {
            statements.push(format!(
                "alter table {table} alter column {column} drop not null;"
            ));
        }
        let key = now.constraint(&new.name, "key");
        match (was.unique, now.unique) {
            (false, true) => statements.push(format!(
                "alter table {table} add constraint {key} unique ({column});"
            )),
            (true, false) => statements.push(format!("alter table {table} drop constraint {key};")),
            _ => {}
        }
        if was.allowed != now.allowed {
            let check = now.constraint(&new.name, "check");
            if !was.allowed.is_empty() {
                statements.push(format!("alter table {table} drop constraint {check};"));
            }
            if let Some(clause) = now.check() {
                statements.push(format!(
                    "alter table {table} add constraint {check} {clause};"
                ));
            }
        }
        if was.references != now.references {
            let fkey = now.constraint(&new.name, "fkey");
            if was.references.is_some() {
                statements.push(format!("alter table {table} drop constraint {fkey};"));
            }
            if let Some(fk) = &now.references {
                statements.push(format!(
                    "alter table {table} add constraint {fkey} foreign key ({column}) {};",
                    fk.clause()
                ));
            }
        }
    }
    for column in added {
        statements.push(format!(
            "alter table {table} add column {};",
            column.definition(&new.name)
        ));
    }
    statements
}

/// SQLite's way to change constraints: a new table with the new definition, the rows copied
/// over, the old table replaced. Foreign keys are off meanwhile, or dropping a referenced table
/// would cascade into its children.
fn rebuild_sqlite(new: &Table, changes: &[ColumnChange]) -> Vec<String> {
    let table = sql_ident(&new.name);
    let temporary = format!("{}_msgen_rebuild", new.name);
    // Renames ran before this, so kept columns have their new names in the old table.
    let kept: Vec<String> = changes.iter().map(|c| sql_ident(&c.new.name)).collect();
    let mut statements = vec![
        "pragma foreign_keys = off;".to_string(),
        "begin;".to_string(),
        create_table_named(new, &temporary),
        format!(
            "insert into {} ({}) select {} from {table};",
            sql_ident(&temporary),
            kept.join(", "),
            kept.join(", ")
        ),
        format!("drop table {table};"),
        format!("alter table {} rename to {table};", sql_ident(&temporary)),
    ];
    statements.extend(new.indexes.iter().map(|index| create_index(new, index)));
    statements.push("commit;".to_string());
    statements.push("pragma foreign_keys = on;".to_string());
    statements
}

/// Indexes to drop and create. An index is named after its table and column; SQLite cannot
/// rename one, so in both dialects a renamed index is dropped and created again.
fn index_changes(old: &Table, new: &Table) -> Vec<String> {
    let mut statements = Vec::new();
    for index in old.indexes.iter().filter(|i| !new.indexes.contains(i)) {
        statements.push(format!("drop index if exists {};", sql_ident(&index.name)));
    }
    for index in new.indexes.iter().filter(|i| !old.indexes.contains(i)) {
        statements.push(create_index(new, index));
    }
    statements
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir::schema::ForeignKey;
    use crate::spec::OnDelete;

    fn column(name: &str, sql_type: &str) -> Column {
        Column::new(name, sql_type)
    }

    fn table(name: &str, columns: Vec<Column>) -> Table {
        let mut all = vec![Column {
            primary_key: true,
            ..column("id", "uuid")
        }];
        all.extend(columns);
        Table {
            name: name.into(),
            renamed_from: None,
            columns: all,
            indexes: Vec::new(),
        }
    }

    fn schema(database: Database, tables: Vec<Table>) -> Schema {
        Schema { database, tables }
    }

    fn pg(tables: Vec<Table>) -> Schema {
        schema(Database::Postgres, tables)
    }

    #[test]
    fn a_new_field_with_a_default_is_added_in_place() {
        let old = pg(vec![table("items", vec![column("name", "text")])]);
        let new = pg(vec![table(
            "items",
            vec![
                column("name", "text"),
                Column {
                    default: Some("1".into()),
                    ..column("qty", "integer")
                },
            ],
        )]);
        assert_eq!(
            diff(&old, &new, false).unwrap(),
            ["alter table \"items\" add column \"qty\" integer not null default 1;"]
        );
    }

    #[test]
    fn the_first_trigram_index_brings_its_extension() {
        let trigram = |name: &str| Index {
            name: format!("items_{name}_search_idx"),
            columns: vec![IndexKey::ascending(name)],
            method: IndexMethod::Trigram,
            unique: false,
        };
        let columns = || vec![column("name", "text"), column("note", "text")];
        let plain = pg(vec![table("items", columns())]);
        let mut searched = table("items", columns());
        searched.indexes.push(trigram("name"));
        let searched = pg(vec![searched]);
        assert_eq!(
            diff(&plain, &searched, false).unwrap(),
            [
                "create extension if not exists pg_trgm;",
                r#"create index "items_name_search_idx" on "items" using gin ("name" gin_trgm_ops);"#,
            ]
        );
        // Created with its table, after the extension too.
        let created = diff(&Schema::empty(Database::Postgres), &searched, false).unwrap();
        assert_eq!(created[0], "create extension if not exists pg_trgm;");
        assert!(created[2].contains("using gin"), "{created:?}");
        // Dropping one asks nothing of the extension, which other schemas may use.
        assert_eq!(
            diff(&searched, &plain, false).unwrap(),
            [r#"drop index if exists "items_name_search_idx";"#]
        );
    }

    #[test]
    fn ordered_index_keys_keep_their_direction_and_nulls() {
        let mut old = table("tasks", vec![column("priority", "integer")]);
        let mut new = old.clone();
        old.indexes.push(Index {
            name: "tasks_default_sort_idx".into(),
            columns: vec![IndexKey::ascending("priority"), IndexKey::ascending("id")],
            method: IndexMethod::Btree,
            unique: false,
        });
        new.indexes.push(Index {
            columns: vec![
                IndexKey {
                    nulls_smallest: true,
                    ..IndexKey::ascending("priority")
                },
                IndexKey {
                    descending: true,
                    ..IndexKey::ascending("id")
                },
            ],
            ..old.indexes[0].clone()
        });
        assert_eq!(
            diff(&pg(vec![old]), &pg(vec![new]), false).unwrap(),
            [
                r#"drop index if exists "tasks_default_sort_idx";"#,
                r#"create index "tasks_default_sort_idx" on "tasks" ("priority" nulls first, "id" desc);"#,
            ]
        );
    }

    #[test]
    fn a_unique_index_is_created_unique_and_recreated_when_it_stops_being_so() {
        let columns = || vec![column("a_id", "uuid"), column("b_id", "uuid")];
        let plain = pg(vec![table("links", columns())]);
        let link = Index {
            name: "links_link_idx".into(),
            columns: vec![IndexKey::ascending("a_id"), IndexKey::ascending("b_id")],
            method: IndexMethod::Btree,
            unique: true,
        };
        let mut linked = table("links", columns());
        linked.indexes.push(link.clone());
        let linked = pg(vec![linked]);
        assert_eq!(
            diff(&plain, &linked, false).unwrap(),
            [r#"create unique index "links_link_idx" on "links" ("a_id", "b_id");"#]
        );
        let mut loose = table("links", columns());
        loose.indexes.push(Index {
            unique: false,
            ..link
        });
        assert_eq!(
            diff(&linked, &pg(vec![loose]), false).unwrap(),
            [
                r#"drop index if exists "links_link_idx";"#,
                r#"create index "links_link_idx" on "links" ("a_id", "b_id");"#,
            ]
        );
    }

    #[test]
    fn renames_keep_the_data_and_the_constraint_names_in_step() {
        let old = pg(vec![table(
            "items",
            vec![Column {
                unique: true,
                ..column("code", "text")
            }],
        )]);
        let mut renamed = table(
            "products",
            vec![Column {
                unique: true,
                renamed_from: Some("code".into()),
                ..column("sku", "text")
            }],
        );
        renamed.renamed_from = Some("items".into());
        let new = pg(vec![renamed]);
        assert_eq!(
            diff(&old, &new, false).unwrap(),
            [
                "alter table \"items\" rename to \"products\";",
                "alter table \"products\" rename column \"code\" to \"sku\";",
                "alter table \"products\" rename constraint \"items_code_key\" to \"products_sku_key\";",
            ]
        );
    }

    #[test]
    fn drops_are_refused_unless_allowed() {
        let old = pg(vec![
            table(
                "items",
                vec![column("name", "text"), column("legacy", "text")],
            ),
            table("parts", vec![]),
        ]);
        let new = pg(vec![table("items", vec![column("name", "text")])]);
        let refused = diff(&old, &new, false).unwrap_err();
        assert_eq!(
            refused,
            MigrationError::Destructive {
                what: "table `parts`".into(),
                table: "parts".into(),
                column: None,
            }
        );
        assert_eq!(
            diff(&old, &new, true).unwrap(),
            [
                "drop table \"parts\";",
                "alter table \"items\" drop column \"legacy\";"
            ]
        );
    }

    #[test]
    fn types_only_widen() {
        let old = pg(vec![table("items", vec![column("qty", "integer")])]);
        let wider = pg(vec![table("items", vec![column("qty", "bigint")])]);
        assert_eq!(
            diff(&old, &wider, false).unwrap(),
            ["alter table \"items\" alter column \"qty\" type bigint using \"qty\"::bigint;"]
        );
        let text = pg(vec![table("items", vec![column("qty", "text")])]);
        assert!(matches!(
            diff(&old, &text, true),
            Err(MigrationError::Conversion { .. })
        ));
        assert!(matches!(
            diff(&wider, &old, true),
            Err(MigrationError::Conversion { .. })
        ));
    }

    #[test]
    fn enum_values_may_be_added_but_removing_one_is_destructive() {
        let with = |values: &[&str]| {
            pg(vec![table(
                "items",
                vec![Column {
                    allowed: values.iter().map(|v| v.to_string()).collect(),
                    ..column("state", "text")
                }],
            )])
        };
        assert_eq!(
            diff(&with(&["a", "b"]), &with(&["a", "b", "c"]), false).unwrap(),
            [
                "alter table \"items\" drop constraint \"items_state_check\";",
                "alter table \"items\" add constraint \"items_state_check\" check (\"state\" in ('a', 'b', 'c'));",
            ]
        );
        assert!(matches!(
            diff(&with(&["a", "b"]), &with(&["a"]), false),
            Err(MigrationError::Destructive { .. })
        ));
    }

    #[test]
    fn an_optional_field_becomes_required_only_with_a_default() {
        let optional = pg(vec![table(
            "items",
            vec![Column {
                nullable: true,
                ..column("note", "text")
            }],
        )]);
        let required = pg(vec![table("items", vec![column("note", "text")])]);
        assert!(matches!(
            diff(&optional, &required, false),
            Err(MigrationError::RequiredWithoutValue { .. })
        ));
        let defaulted = pg(vec![table(
            "items",
            vec![Column {
                default: Some("''".into()),
                ..column("note", "text")
            }],
        )]);
        assert_eq!(
            diff(&optional, &defaulted, false).unwrap(),
            [
                "alter table \"items\" alter column \"note\" set default '';",
                "update \"items\" set \"note\" = '' where \"note\" is null;",
                "alter table \"items\" alter column \"note\" set not null;",
            ]
        );
    }

    #[test]
    fn sqlite_rebuilds_a_table_whose_constraints_change_with_foreign_keys_off() {
        let child = |unique: bool| {
            table(
                "refunds",
                vec![
                    Column {
                        references: Some(ForeignKey {
                            table: "payments".into(),
                            on_delete: OnDelete::Cascade,
                        }),
                        ..column("payment_id", "blob")
                    },
                    Column {
                        unique,
                        ..column("code", "text")
                    },
                ],
            )
        };
        let old = schema(Database::Sqlite, vec![child(false)]);
        let new = schema(Database::Sqlite, vec![child(true)]);
        let statements = diff(&old, &new, false).unwrap();
        assert!(needs_no_transaction(&statements));
        assert_eq!(statements[0], "pragma foreign_keys = off;");
        assert_eq!(statements[1], "begin;");
        assert!(statements[2].starts_with("create table \"refunds_msgen_rebuild\" ("));
        assert!(
            statements[2].contains("\"code\" text not null constraint \"refunds_code_key\" unique")
        );
        assert_eq!(
            statements[3],
            "insert into \"refunds_msgen_rebuild\" (\"id\", \"payment_id\", \"code\") select \"id\", \"payment_id\", \"code\" from \"refunds\";"
        );
        assert_eq!(
            &statements[4..],
            [
                "drop table \"refunds\";",
                "alter table \"refunds_msgen_rebuild\" rename to \"refunds\";",
                "commit;",
                "pragma foreign_keys = on;",
            ]
        );
    }
}
