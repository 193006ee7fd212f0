//! The database: the schema each version's migrations build, table by table and column by
//! column, with renames (`renamed_from:`) followed as the migrations follow them.

use super::{Change, Node};
use crate::ir::schema::{Column, Index, Schema, Table};
use crate::ir::Service;
use crate::render::migrate::widens;

/// Compares the databases of two versions of a service.
pub fn compare(old: &Service, new: &Service) -> Vec<Change> {
    let (before, after) = (Schema::of(old), Schema::of(new));
    let mut changes = Vec::new();
    if before.database != after.database {
        let (from, to) = (before.database.as_str(), after.database.as_str());
        changes.push(Change::new(
            "database-changed",
            "database",
            format!("the database changed from {from} to {to}: no migration moves the data"),
        ));
        return changes;
    }
    let entity = |s: &Service, table: &str| -> Option<String> {
        let e = s.entities.iter().find(|e| e.table == table)?;
        Some(e.name.clone())
    };
    let node = |s: &Service, table: &str, column: Option<&str>| -> Option<Node> {
        // msgen's own tables (outbox, inbox, idempotency keys) are the service's.
        let Some(entity) = entity(s, table) else {
            return Some(Node::Service);
        };
        Some(match column {
            Some(name) => Node::Field {
                entity,
                name: name.to_owned(),
            },
            None => Node::Entity(entity),
        })
    };
    let previous = |t: &Table| before.earlier(&after, t);
    for o in &before.tables {
        if !after
            .tables
            .iter()
            .any(|t| previous(t).is_some_and(|p| p.name == o.name))
        {
            let at = format!("table {}", o.name);
            changes.push(
                Change::new(
                    "table-dropped",
                    &at,
                    format!(
                        "{at} would be dropped with every row in it (`msgen generate` refuses \
                         without `--allow-destructive`)"
                    ),
                )
                .anchored(node(old, &o.name, None), None),
            );
        }
    }
    for t in &after.tables {
        let at = format!("table {}", t.name);
        let Some(o) = previous(t) else {
            changes.push(
                Change::new("table-added", &at, "the table was added")
                    .anchored(None, node(new, &t.name, None)),
            );
            continue;
        };
        if o.name != t.name {
            changes.push(
                Change::new(
                    "table-renamed",
                    &at,
                    format!(
                        "table {} was renamed to {}, keeping its rows",
                        o.name, t.name
                    ),
                )
                .anchored(node(old, &o.name, None), node(new, &t.name, None)),
            );
        }
        let mut found = Vec::new();
        table(o, t, &at, &mut found);
        for (change, old_column, new_column) in found {
            let anchored = change.anchored(
                node(old, &o.name, old_column.as_deref()).or_else(|| node(old, &o.name, None)),
                node(new, &t.name, new_column.as_deref()).or_else(|| node(new, &t.name, None)),
            );
            changes.push(anchored);
        }
    }
    changes
}

/// A change, and the column it is about in the old and the new table.
type Found = (Change, Option<String>, Option<String>);

fn table(o: &Table, t: &Table, at: &str, out: &mut Vec<Found>) {
    let previous = |c: &Column| o.earlier(t, c);
    let some = |s: &str| Some(s.to_owned());
    for old in &o.columns {
        if !t
            .columns
            .iter()
            .any(|c| previous(c).is_some_and(|p| p.name == old.name))
        {
            let change = Change::new(
                "column-dropped",
                at,
                format!(
                    "column `{}` would be dropped with the data in it (`msgen generate` \
                     refuses without `--allow-destructive`)",
                    old.name
                ),
            )
            .subject(&old.name);
            out.push((change, some(&old.name), None));
        }
    }
    for c in &t.columns {
        let name = &c.name;
        let Some(p) = previous(c) else {
            let change = if !c.nullable && c.default.is_none() {
                Change::new(
                    "column-added-required",
                    at,
                    format!(
                        "required column `{name}` has no default, so the rows already \
                         stored could not be given a value (`msgen generate` refuses it)"
                    ),
                )
            } else {
                Change::new("column-added", at, format!("column `{name}` was added"))
            };
            out.push((change.subject(name), None, some(name)));
            continue;
        };
        let mut push = |rule: &str, message: String| {
            let change = Change::new(rule, at, message).subject(name);
            out.push((change, some(&p.name), some(name)));
        };
        if p.name != c.name {
            push(
                "column-renamed",
                format!(
                    "column `{}` was renamed to `{name}`, keeping its data",
                    p.name
                ),
            );
        }
        if p.sql_type != c.sql_type {
            let (from, to) = (&p.sql_type, &c.sql_type);
            if widens(from, to) {
                push(
                    "column-type-widened",
                    format!(
                        "column `{name}` widens from {from} to {to}, which rewrites the table \
                         (PostgreSQL holds an exclusive lock on it meanwhile)"
                    ),
                );
            } else {
                push(
                    "column-type-changed",
                    format!(
                        "column `{name}` would change from {from} to {to}, which needs \
                         converting its data (`msgen generate` refuses it)"
                    ),
                );
            }
        }
        match (p.nullable, c.nullable, &c.default) {
            (true, false, Some(default)) => push(
                "column-became-required",
                format!(
                    "column `{name}` becomes required: stored rows without a value get \
                     {default}, and the table is scanned under a lock"
                ),
            ),
            (true, false, None) => push(
                "column-became-required-without-default",
                format!(
                    "column `{name}` becomes required with no default for the rows that hold \
                     no value (`msgen generate` refuses it)"
                ),
            ),
            (false, true, _) => push(
                "column-became-optional",
                format!("column `{name}` may now be null"),
            ),
            _ => {}
        }
        let removed: Vec<&String> = p
            .allowed
            .iter()
            .filter(|v| !c.allowed.contains(v))
            .collect();
        let added: Vec<&String> = c
            .allowed
            .iter()
            .filter(|v| !p.allowed.contains(v))
            .collect();
        if !removed.is_empty() && !c.allowed.is_empty() {
            push(
                "column-values-removed",
                format!(
                    "column `{name}` no longer allows {}, which stored rows may hold \
                     (`msgen generate` refuses without `--allow-destructive`)",
                    list(&removed)
                ),
            );
        }
        if !added.is_empty() && !p.allowed.is_empty() {
            push(
                "column-values-added",
                format!("column `{name}` also allows {}", list(&added)),
            );
        }
        if !p.unique && c.unique {
            push(
                "unique-added",
                format!(
                    "column `{name}` becomes unique: the migration fails if stored rows share a \
                     value, and builds an index under a lock"
                ),
            );
        }
        if p.references != c.references {
            push(
                "foreign-key-changed",
                format!(
                    "column `{name}`'s foreign key changes: the migration checks every stored \
                     row under a lock"
                ),
            );
        }
    }
    // An index is the same one when it keeps the same keys, its columns by their new names.
    let same = |then: &Index, now: &Index| now.same_keys_as(then, |c| t.name_of(o, c));
    for i in &t.indexes {
        if !o.indexes.iter().any(|p| same(p, i)) {
            let change = Change::new(
                "index-added",
                at,
                format!(
                    "index `{}` is built over the stored rows; PostgreSQL blocks writes \
                     to the table until it is",
                    i.name
                ),
            )
            .subject(&i.name);
            out.push((change, None, None));
        }
    }
    for i in &o.indexes {
        if !t.indexes.iter().any(|n| same(i, n)) {
            let change = Change::new(
                "index-removed",
                at,
                format!("index `{}` is dropped", i.name),
            )
            .subject(&i.name);
            out.push((change, None, None));
        }
    }
}

fn list(values: &[&String]) -> String {
    let quoted: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    quoted.join(", ")
}
