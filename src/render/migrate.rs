//! Migrations as the difference between the schema msgen generated last time and the one the
//! spec asks for now. The first migration is the difference from an empty schema.

use crate::ir::names::sql_ident;
use crate::ir::schema::{Schema, Table};

#[derive(Debug, thiserror::Error, PartialEq)]
pub enum MigrationError {
    #[error(
        "column `{table}.{column}` changed ({what}); msgen cannot migrate that change yet: \
         write a migration by hand or revert the change in msgen.yaml"
    )]
    Unsupported {
        table: String,
        column: String,
        what: String,
    },
    #[error("`{table}` would be dropped{column}: dropping data needs a migration written by hand")]
    Destructive { table: String, column: String },
    #[error(
        "new required column `{table}.{column}` has no default, so existing rows could not be \
         migrated: add a `default:` or make it `optional: true`"
    )]
    RequiredWithoutDefault { table: String, column: String },
}

/// The statements that take a database from `previous` to `next`; empty when nothing changed.
pub fn diff(previous: &Schema, next: &Schema) -> Result<Vec<String>, MigrationError> {
    let mut statements = Vec::new();
    for table in &previous.tables {
        let Some(new) = next.table(&table.name) else {
            return Err(MigrationError::Destructive {
                table: table.name.clone(),
                column: String::new(),
            });
        };
        statements.extend(alter(table, new)?);
    }
    let created: Vec<&Table> = next
        .tables
        .iter()
        .filter(|t| previous.table(&t.name).is_none())
        .collect();
    for table in order_by_references(created) {
        statements.push(create_table(table));
        statements.extend(table.indexes.iter().map(|index| create_index(table, index)));
    }
    Ok(statements)
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
    let columns: Vec<String> = table
        .columns
        .iter()
        .map(|c| format!("    {}", c.definition()))
        .collect();
    format!(
        "create table {} (\n{}\n);",
        sql_ident(&table.name),
        columns.join(",\n")
    )
}

fn create_index(table: &Table, index: &crate::ir::schema::Index) -> String {
    let columns: Vec<String> = index.columns.iter().map(|c| sql_ident(c)).collect();
    format!(
        "create index {} on {} ({});",
        sql_ident(&index.name),
        sql_ident(&table.name),
        columns.join(", ")
    )
}

fn alter(old: &Table, new: &Table) -> Result<Vec<String>, MigrationError> {
    let mut statements = Vec::new();
    for column in &old.columns {
        match new.columns.iter().find(|c| c.name == column.name) {
            None => {
                return Err(MigrationError::Destructive {
                    table: old.name.clone(),
                    column: format!(" (column `{}`)", column.name),
                })
            }
            Some(changed) if changed != column => {
                return Err(MigrationError::Unsupported {
                    table: old.name.clone(),
                    column: column.name.clone(),
                    what: format!("`{}` -> `{}`", column.definition(), changed.definition()),
                })
            }
            Some(_) => {}
        }
    }
    for column in &new.columns {
        if old.columns.iter().any(|c| c.name == column.name) {
            continue;
        }
        if !column.nullable && column.default.is_none() {
            return Err(MigrationError::RequiredWithoutDefault {
                table: new.name.clone(),
                column: column.name.clone(),
            });
        }
        statements.push(format!(
            "alter table {} add column {};",
            sql_ident(&new.name),
            column.definition()
        ));
    }
    for index in &new.indexes {
        if !old.indexes.contains(index) {
            statements.push(create_index(new, index));
        }
    }
    Ok(statements)
}
