//! The SQL statements of a repository, decided here so that templates only place them.

use serde::Serialize;

use crate::ir::Entity;
use crate::names::sql_ident;
use crate::spec::Database;

/// A named SQL constant of a repository module.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub name: &'static str,
    pub text: String,
}

/// Numbered placeholders, so that one value can be used twice: `?1` for SQLite, `$1` for
/// Postgres.
struct Params {
    database: Database,
    next: usize,
}

/// `["", "?1", "?2", ..]` (or `$1`...): the first `n` placeholders, indexed from 1, for
/// templates that write their own SQL.
pub fn placeholders(database: Database, n: usize) -> Vec<String> {
    let mut params = Params::new(database);
    std::iter::once(String::new())
        .chain((0..n).map(|_| params.next()))
        .collect()
}

impl Params {
    fn new(database: Database) -> Self {
        Self { database, next: 0 }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        match self.database {
            Database::Sqlite => format!("?{}", self.next),
            Database::Postgres => format!("${}", self.next),
        }
    }
}

pub fn statements(entity: &Entity, database: Database) -> Vec<Statement> {
    let table = sql_ident(&entity.table);
    let user_columns: Vec<String> = entity.fields.iter().map(|f| sql_ident(&f.name)).collect();
    let mut all = vec![sql_ident("id")];
    all.extend(user_columns.iter().cloned());
    all.push(sql_ident("created_at"));
    all.push(sql_ident("updated_at"));
    all.push(sql_ident("version"));
    let columns = all.join(", ");
    let select = format!("select {columns}\nfrom {table}");
    let mut statements = Vec::new();
    // The list function appends the filters, each as ` and "column" = <param>`, and where a
    // page paged by cursor starts, then the order and the page.
    let (rows, count) = if !entity.filtered && !entity.cursor {
        (select.clone(), format!("select count(*) from {table}"))
    } else {
        (
            format!("{select}\nwhere true"),
            format!("select count(*) from {table} where true"),
        )
    };
    statements.push(Statement {
        name: "SELECT",
        text: rows,
    });
    // A list paged by cursor does not count what it lists.
    if !entity.cursor {
        statements.push(Statement {
            name: "COUNT",
            text: count,
        });
    }
    let mut p = Params::new(database);
    statements.push(Statement {
        name: "FIND",
        text: format!("{select}\nwhere \"id\" = {}", p.next()),
    });
    // The version starts at its column default.
    let inserted = &all[..all.len() - 1];
    let mut p = Params::new(database);
    let values: Vec<String> = inserted.iter().map(|_| p.next()).collect();
    let insert = format!(
        "insert into {table} ({})\nvalues ({})",
        inserted.join(", "),
        values.join(", ")
    );
    statements.push(Statement {
        name: "INSERT",
        text: format!("{insert}\nreturning {columns}"),
    });
    // Updates take the version they expect; `null` updates whatever version is there.
    let mut p = Params::new(database);
    let mut set: Vec<String> = user_columns
        .iter()
        .map(|c| format!("{c} = {}", p.next()))
        .collect();
    set.push(format!("\"updated_at\" = {}", p.next()));
    set.push("\"version\" = \"version\" + 1".into());
    let id = p.next();
    let version = p.next();
    statements.push(Statement {
        name: "UPDATE",
        text: format!(
            "update {table}\nset {}\nwhere \"id\" = {id} and ({} is null or \"version\" = {version})\nreturning {columns}",
            set.join(", "),
            typed_null_check(&version, database),
        ),
    });
    let mut p = Params::new(database);
    let id = p.next();
    let version = p.next();
    statements.push(Statement {
        name: "DELETE",
        text: format!(
            "delete from {table}\nwhere \"id\" = {id} and ({} is null or \"version\" = {version})",
            typed_null_check(&version, database),
        ),
    });
    if let Some(link) = &entity.link {
        let owner = sql_ident(&link.owner.column);
        let target = sql_ident(&link.target.column);
        // As `INSERT`, but a pair linked already is left as it is: no row comes back.
        statements.push(Statement {
            name: "LINK",
            text: format!(
                "{insert}\non conflict ({owner}, {target}) do nothing\nreturning {columns}"
            ),
        });
        let mut p = Params::new(database);
        let pair = format!("{owner} = {} and {target} = {}", p.next(), p.next());
        statements.push(Statement {
            name: "FIND_LINK",
            text: format!("{select}\nwhere {pair}"),
        });
        statements.push(Statement {
            name: "UNLINK",
            text: format!("delete from {table}\nwhere {pair}"),
        });
    }
    statements
}

/// A parameter in `<param> is null`: Postgres must be told its type, SQLite need not.
fn typed_null_check(param: &str, database: Database) -> String {
    match database {
        Database::Sqlite => param.to_string(),
        Database::Postgres => format!("{param}::bigint"),
    }
}
