//! Migrations as the difference between the schema msgen generated last time and the one the
//! spec asks for now. The first migration is the difference from an empty schema.
//!
//! Renames (`renamed_from:` in the spec) become renames, never a drop and an add. Changes that
//! lose data (dropping a table or column, removing enum values) are refused unless allowed;
//! type changes are made only when they widen. Postgres alters tables in place; SQLite, whose
//! `alter table` can do little, rebuilds a table whose constraints change.

use std::collections::BTreeSet;

use crate::ir::schema::{Column, Index, IndexKey, IndexMethod, Schema, Table};
use crate::names::{index_name, sql_ident};
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

/// The statements of a change of schema, by how they must run. Statements are complete SQL,
/// each ending with `;`.
#[derive(Debug, Default, PartialEq)]
pub struct Statements {
    /// In one transaction, first.
    pub now: Vec<String>,
    /// PostgreSQL: indexes built or dropped on tables that hold rows, without blocking writes
    /// (`concurrently`): each alone and outside a transaction, after `now`.
    pub concurrent: Vec<String>,
    /// PostgreSQL: in one transaction, last: the constraints `now` added `not valid` checked
    /// against the stored rows without blocking writes, and unique constraints made from the
    /// indexes `concurrent` built.
    pub after: Vec<String>,
}

impl Statements {
    /// Every statement, in the order they run.
    pub fn all(self) -> Vec<String> {
        let mut all = self.now;
        all.extend(self.concurrent);
        all.extend(self.after);
        all
    }
}

/// Every statement that takes a database from `previous` to `next`, in the order they run;
/// empty when nothing changed.
#[cfg(test)]
pub fn diff(
    previous: &Schema,
    next: &Schema,
    allow_destructive: bool,
) -> Result<Vec<String>, MigrationError> {
    plan(previous, next, allow_destructive).map(Statements::all)
}

/// The statements that take a database from `previous` to `next`, by how they must run.
pub fn plan(
    previous: &Schema,
    next: &Schema,
    allow_destructive: bool,
) -> Result<Statements, MigrationError> {
    let database = next.database;
    let mut out = Statements::default();
    let statements = &mut out.now;
    let mut matched: BTreeSet<&str> = BTreeSet::new();
    let find_previous = |table: &Table| previous.earlier(next, table);
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
            alter(old, table, database, allow_destructive, &mut out)?;
        }
    }
    let statements = &mut out.now;
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
    Ok(out)
}

/// What a migration does to one table: (verb, columns, preposition, table), as in
/// `add [note, channel] to payments` or `drop [] refunds`.
type Part<'a> = (&'static str, Vec<&'a str>, &'static str, &'a str);

/// Adds a part, or its column to the part of the same verb and table.
fn push_part<'a>(
    parts: &mut Vec<Part<'a>>,
    verb: &'static str,
    column: Option<&'a str>,
    preposition: &'static str,
    table: &'a str,
) {
    let same = parts
        .iter_mut()
        .find(|p| p.0 == verb && p.3 == table && column.is_some() && !p.1.is_empty());
    match same {
        Some(part) => part.1.extend(column),
        None => parts.push((verb, column.into_iter().collect(), preposition, table)),
    }
}

/// What a migration from `previous` to `next` does, as the end of its file name:
/// `add_note_to_payments`, `rename_specialty_in_doctors`, `create_refunds`; `update_<table>`
/// or `update_schema` for changes too many to name.
pub fn describe(previous: &Schema, next: &Schema) -> String {
    let mut parts: Vec<Part> = Vec::new();
    let was = |t: &Table| previous.earlier(next, t);
    for old in &previous.tables {
        if !next
            .tables
            .iter()
            .any(|t| was(t).is_some_and(|p| p.name == old.name))
        {
            push_part(&mut parts, "drop", None, "", &old.name);
        }
    }
    let mut renamed_tables = Vec::new();
    for t in &next.tables {
        let Some(old) = was(t) else {
            push_part(&mut parts, "create", None, "", &t.name);
            continue;
        };
        let before = parts.len();
        if old.name != t.name {
            renamed_tables.push(format!("rename_{}_to_{}", old.name, t.name));
        }
        let column_was = |c: &Column| old.earlier(t, c);
        for c in &old.columns {
            if !t
                .columns
                .iter()
                .any(|n| column_was(n).is_some_and(|p| p.name == c.name))
            {
                push_part(&mut parts, "drop", Some(&c.name), "from", &t.name);
            }
        }
        for c in &t.columns {
            match column_was(c) {
                None => push_part(&mut parts, "add", Some(&c.name), "to", &t.name),
                Some(p) if p.name != c.name => {
                    push_part(&mut parts, "rename", Some(&p.name), "in", &t.name)
                }
                Some(p) if !same_definition(p, c) => {
                    push_part(&mut parts, "change", Some(&c.name), "in", &t.name)
                }
                Some(_) => {}
            }
        }
        if parts.len() == before && old.name == t.name && old.indexes != t.indexes {
            push_part(&mut parts, "index", None, "", &t.name);
        }
    }
    let mut names: Vec<String> = renamed_tables;
    names.extend(parts.iter().map(|(verb, columns, preposition, table)| {
        if columns.is_empty() {
            format!("{verb}_{table}")
        } else {
            format!("{verb}_{}_{preposition}_{table}", columns.join("_and_"))
        }
    }));
    let mut tables: Vec<&str> = parts.iter().map(|p| p.3).collect();
    tables.dedup();
    let name = match names.as_slice() {
        [] => "update_schema".to_owned(),
        [one] => one.clone(),
        [a, b] => format!("{a}_and_{b}"),
        _ if tables.len() == 1 => format!("update_{}", tables[0]),
        _ => "update_schema".to_owned(),
    };
    if name.len() <= 60 {
        name
    } else {
        match tables.as_slice() {
            [one] if one.len() <= 53 => format!("update_{one}"),
            _ => "update_schema".to_owned(),
        }
    }
}

/// Whether `next` has a trigram index that `previous` has not, which needs pg_trgm.
fn creates_trigram_index(previous: &Schema, next: &Schema) -> bool {
    fn trigram(schema: &Schema) -> impl Iterator<Item = &Index> {
        let indexes = schema.tables.iter().flat_map(|table| &table.indexes);
        indexes.filter(|index| index.method == IndexMethod::Trigram)
    }
    trigram(next).any(|index| !trigram(previous).any(|before| before == index))
}

/// Whether the statements rebuild a SQLite table, which ends the transaction the migration
/// runs in (see [`rebuild_sqlite`]).
pub fn rebuilds_sqlite_table(statements: &[String]) -> bool {
    statements.iter().any(|s| s == FOREIGN_KEYS_OFF)
}

const FOREIGN_KEYS_OFF: &str = "pragma foreign_keys = off;";

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
    out: &mut Statements,
) -> Result<(), MigrationError> {
    let table = sql_ident(&new.name);
    let statements = &mut out.now;
    if old.name != new.name {
        statements.push(format!(
            "alter table {} rename to {table};",
            sql_ident(&old.name)
        ));
    }
    let find_old = |column: &Column| old.earlier(new, column);
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
            alter_postgres(old, new, &changes, &added, &dropped, out);
            index_changes_postgres(old, new, out);
            return Ok(());
        }
        Database::Sqlite if constraints_changed || added.iter().any(|c| !simple_to_add(c)) => {
            statements.extend(rebuild_sqlite(new, &changes));
            return Ok(());
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
    Ok(())
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

/// PostgreSQL alters a table in place. What would scan the stored rows under a lock that
/// blocks writes is done in the steps that do not: a constraint is added `not valid` and
/// validated after (`out.after`), a column becomes `not null` through such a check, and a
/// unique constraint is made from an index built `concurrently`.
fn alter_postgres(
    old: &Table,
    new: &Table,
    changes: &[ColumnChange],
    added: &[&Column],
    dropped: &[&Column],
    out: &mut Statements,
) {
    let table = sql_ident(&new.name);
    let statements = &mut out.now;
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
            // `set not null` skips its scan of the rows when a validated check proves it.
            // Named to fit PostgreSQL's 63 bytes, as it lives only until the next migration.
            let check = sql_ident(&index_name(
                &format!("{}_{}", new.name, now.name),
                "not_null",
            ));
            statements.push(format!(
                "alter table {table} add constraint {check} check ({column} is not null) not valid;"
            ));
            out.after.extend([
                format!("alter table {table} validate constraint {check};"),
                format!("alter table {table} alter column {column} set not null;"),
                format!("alter table {table} drop constraint {check};"),
            ]);
        } else if !was.nullable && now.nullable {
            statements.push(format!(
                "alter table {table} alter column {column} drop not null;"
            ));
        }
        let key = now.constraint(&new.name, "key");
        match (was.unique, now.unique) {
            (false, true) => {
                out.concurrent.push(format!(
                    "create unique index concurrently if not exists {key} on {table} ({column});"
                ));
                out.after.push(format!(
                    "alter table {table} add constraint {key} unique using index {key};"
                ));
            }
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
                    "alter table {table} add constraint {check} {clause} not valid;"
                ));
                out.after
                    .push(format!("alter table {table} validate constraint {check};"));
            }
        }
        if was.references != now.references {
            let fkey = now.constraint(&new.name, "fkey");
            if was.references.is_some() {
                statements.push(format!("alter table {table} drop constraint {fkey};"));
            }
            if let Some(fk) = &now.references {
                statements.push(format!(
                    "alter table {table} add constraint {fkey} foreign key ({column}) {} not valid;",
                    fk.clause()
                ));
                out.after
                    .push(format!("alter table {table} validate constraint {fkey};"));
            }
        }
    }
    for column in added {
        // A unique column's index is built like any other on a table that holds rows.
        let plain = Column {
            unique: false,
            ..(*column).clone()
        };
        statements.push(format!(
            "alter table {table} add column {};",
            plain.definition(&new.name)
        ));
        if column.unique {
            let key = column.constraint(&new.name, "key");
            let name = sql_ident(&column.name);
            out.concurrent.push(format!(
                "create unique index concurrently if not exists {key} on {table} ({name});"
            ));
            out.after.push(format!(
                "alter table {table} add constraint {key} unique using index {key};"
            ));
        }
    }
}

/// SQLite's way to change constraints: a new table with the new definition, the rows copied
/// over, the old table replaced. Foreign keys are off meanwhile, or dropping a referenced table
/// would cascade into its children; SQLite ignores that pragma inside a transaction, and sqlx
/// runs every SQLite migration in one (whatever `-- no-transaction` says), so the rebuild
/// commits what came before it, rebuilds in a transaction of its own, and opens a new one for
/// what follows and for sqlx's record of the migration.
fn rebuild_sqlite(new: &Table, changes: &[ColumnChange]) -> Vec<String> {
    let table = sql_ident(&new.name);
    let temporary = format!("{}_msgen_rebuild", new.name);
    // Renames ran before this, so kept columns have their new names in the old table.
    let kept: Vec<String> = changes.iter().map(|c| sql_ident(&c.new.name)).collect();
    let mut statements = vec![
        "commit;".to_string(),
        FOREIGN_KEYS_OFF.to_string(),
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
    statements.push("begin;".to_string());
    statements
}

/// PostgreSQL's index changes on a table that holds rows: an index whose table or column was
/// renamed is renamed too; others are dropped and built `concurrently`, which blocks no
/// writes but cannot run in a transaction.
fn index_changes_postgres(old: &Table, new: &Table, out: &mut Statements) {
    let same = |before: &Index, after: &Index| after.same_keys_as(before, |c| new.name_of(old, c));
    let gone: Vec<&Index> = old
        .indexes
        .iter()
        .filter(|i| !new.indexes.contains(i))
        .collect();
    let fresh: Vec<&Index> = new
        .indexes
        .iter()
        .filter(|i| !old.indexes.contains(i))
        .collect();
    let mut kept = Vec::new();
    for before in &gone {
        match fresh
            .iter()
            .find(|after| same(before, after) && !kept.contains(&after.name))
        {
            Some(after) => {
                kept.push(after.name.clone());
                out.now.push(format!(
                    "alter index {} rename to {};",
                    sql_ident(&before.name),
                    sql_ident(&after.name)
                ));
            }
            None => out.concurrent.push(format!(
                "drop index concurrently if exists {};",
                sql_ident(&before.name)
            )),
        }
    }
    for index in fresh.iter().filter(|i| !kept.contains(&i.name)) {
        let create = create_index(new, index);
        let concurrently = create.replacen(" index ", " index concurrently if not exists ", 1);
        out.concurrent.push(concurrently);
    }
}

/// Indexes to drop and create. An index is named after its table and column; SQLite cannot
/// rename one, so a renamed index is dropped and created again.
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
        // On a table that holds rows, the index is built without blocking writes.
        assert_eq!(
            plan(&plain, &searched, false).unwrap(),
            Statements {
                now: vec!["create extension if not exists pg_trgm;".into()],
                concurrent: vec![
                    r#"create index concurrently if not exists "items_name_search_idx" on "items" using gin ("name" gin_trgm_ops);"#.into()
                ],
                after: vec![],
            }
        );
        // Created with its table, after the extension too.
        let created = diff(&Schema::empty(Database::Postgres), &searched, false).unwrap();
        assert_eq!(created[0], "create extension if not exists pg_trgm;");
        assert!(created[2].contains("using gin"), "{created:?}");
        // Dropping one asks nothing of the extension, which other schemas may use.
        assert_eq!(
            diff(&searched, &plain, false).unwrap(),
            [r#"drop index concurrently if exists "items_name_search_idx";"#]
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
                r#"drop index concurrently if exists "tasks_default_sort_idx";"#,
                r#"create index concurrently if not exists "tasks_default_sort_idx" on "tasks" ("priority" nulls first, "id" desc);"#,
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
            [
                r#"create unique index concurrently if not exists "links_link_idx" on "links" ("a_id", "b_id");"#
            ]
        );
        let mut loose = table("links", columns());
        loose.indexes.push(Index {
            unique: false,
            ..link
        });
        assert_eq!(
            diff(&linked, &pg(vec![loose]), false).unwrap(),
            [
                r#"drop index concurrently if exists "links_link_idx";"#,
                r#"create index concurrently if not exists "links_link_idx" on "links" ("a_id", "b_id");"#,
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
        // The new check is added `not valid` and checked against the rows without blocking
        // writes.
        assert_eq!(
            plan(&with(&["a", "b"]), &with(&["a", "b", "c"]), false).unwrap(),
            Statements {
                now: vec![
                    "alter table \"items\" drop constraint \"items_state_check\";".into(),
                    "alter table \"items\" add constraint \"items_state_check\" check (\"state\" in ('a', 'b', 'c')) not valid;".into(),
                ],
                concurrent: vec![],
                after: vec!["alter table \"items\" validate constraint \"items_state_check\";".into()],
            }
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
        // `set not null` comes after a validated check, which spares it its scan under lock.
        assert_eq!(
            plan(&optional, &defaulted, false).unwrap(),
            Statements {
                now: vec![
                    "alter table \"items\" alter column \"note\" set default '';".into(),
                    "update \"items\" set \"note\" = '' where \"note\" is null;".into(),
                    "alter table \"items\" add constraint \"items_note_not_null\" check (\"note\" is not null) not valid;".into(),
                ],
                concurrent: vec![],
                after: vec![
                    "alter table \"items\" validate constraint \"items_note_not_null\";".into(),
                    "alter table \"items\" alter column \"note\" set not null;".into(),
                    "alter table \"items\" drop constraint \"items_note_not_null\";".into(),
                ],
            }
        );
    }

    #[test]
    fn a_unique_field_on_postgres_gets_its_index_concurrently_then_its_constraint() {
        let old = pg(vec![table("items", vec![column("code", "text")])]);
        let unique = pg(vec![table(
            "items",
            vec![Column {
                unique: true,
                ..column("code", "text")
            }],
        )]);
        let key = r#""items_code_key""#;
        assert_eq!(
            plan(&old, &unique, false).unwrap(),
            Statements {
                now: vec![],
                concurrent: vec![format!(
                    r#"create unique index concurrently if not exists {key} on "items" ("code");"#
                )],
                after: vec![format!(
                    r#"alter table "items" add constraint {key} unique using index {key};"#
                )],
            }
        );
        // A new unique column: added plain, then the same two steps.
        let added = pg(vec![table(
            "items",
            vec![
                column("code", "text"),
                Column {
                    unique: true,
                    nullable: true,
                    ..column("sku", "text")
                },
            ],
        )]);
        let steps = plan(&old, &added, false).unwrap();
        assert_eq!(steps.now, [r#"alter table "items" add column "sku" text;"#]);
        assert_eq!(steps.concurrent.len(), 1);
        assert_eq!(steps.after.len(), 1);
    }

    #[test]
    fn a_renamed_table_renames_its_indexes_on_postgres() {
        let index = |table: &str| Index {
            name: format!("{table}_code_idx"),
            columns: vec![IndexKey::ascending("code")],
            method: IndexMethod::Btree,
            unique: false,
        };
        let mut old = table("items", vec![column("code", "text")]);
        old.indexes.push(index("items"));
        let mut new = table("products", vec![column("code", "text")]);
        new.renamed_from = Some("items".into());
        new.indexes.push(index("products"));
        assert_eq!(
            plan(&pg(vec![old]), &pg(vec![new]), false).unwrap(),
            Statements {
                now: vec![
                    r#"alter table "items" rename to "products";"#.into(),
                    r#"alter index "items_code_idx" rename to "products_code_idx";"#.into(),
                ],
                concurrent: vec![],
                after: vec![],
            }
        );
    }

    #[test]
    fn migrations_are_named_after_what_they_do() {
        let old = pg(vec![table("doctors", vec![column("specialty", "text")])]);
        let renamed = pg(vec![table(
            "doctors",
            vec![Column {
                renamed_from: Some("specialty".into()),
                ..column("field", "text")
            }],
        )]);
        assert_eq!(describe(&old, &renamed), "rename_specialty_in_doctors");
        let added = pg(vec![table(
            "doctors",
            vec![column("specialty", "text"), column("ward", "text")],
        )]);
        assert_eq!(describe(&old, &added), "add_ward_to_doctors");
        let both = pg(vec![
            table("doctors", vec![column("specialty", "text")]),
            table("wards", vec![]),
        ]);
        assert_eq!(describe(&old, &both), "create_wards");
        let many = pg(vec![table(
            "doctors",
            vec![column("a", "text"), column("b", "text")],
        )]);
        assert_eq!(
            describe(&old, &many),
            "drop_specialty_from_doctors_and_add_a_and_b_to_doctors"
        );
        let more = pg(vec![table(
            "doctors",
            vec![
                column("first_name", "text"),
                column("last_name", "text"),
                column("phone", "text"),
            ],
        )]);
        assert_eq!(describe(&old, &more), "update_doctors");
        assert_eq!(
            describe(&old, &Schema::empty(Database::Postgres)),
            "drop_doctors"
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
        assert!(rebuilds_sqlite_table(&statements));
        let statements = &statements[1..];
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
                "begin;",
            ]
        );
    }
}
