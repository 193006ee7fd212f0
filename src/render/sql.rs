//! The SQL statements of a repository, decided here so that templates only place them.

use serde::Serialize;

use crate::ir::names::sql_ident;
use crate::ir::Entity;
use crate::spec::Database;

/// A named SQL constant of a repository module.
#[derive(Debug, Clone, Serialize)]
pub struct Statement {
    pub name: &'static str,
    pub text: String,
}

/// Placeholders of one dialect: `?` for SQLite, `$1`, `$2`, ... for Postgres.
struct Params {
    database: Database,
    next: usize,
}

impl Params {
    fn new(database: Database) -> Self {
        Self { database, next: 0 }
    }

    fn next(&mut self) -> String {
        self.next += 1;
        match self.database {
            Database::Sqlite => "?".into(),
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
    let columns = all.join(", ");
    let select = format!("select {columns}\nfrom {table}");
    let mut statements = Vec::new();
    if entity.filters.is_empty() {
        let mut p = Params::new(database);
        statements.push(Statement {
            name: "LIST",
            text: format!(
                "{select}\norder by \"created_at\", \"id\"\nlimit {} offset {}",
                p.next(),
                p.next()
            ),
        });
        statements.push(Statement {
            name: "COUNT",
            text: format!("select count(*) from {table}"),
        });
    } else {
        // Filters are appended by the list function, each as ` and "column" = <param>`.
        statements.push(Statement {
            name: "SELECT",
            text: format!("{select}\nwhere true"),
        });
        statements.push(Statement {
            name: "COUNT",
            text: format!("select count(*) from {table} where true"),
        });
    }
    let mut p = Params::new(database);
    statements.push(Statement {
        name: "FIND",
        text: format!("{select}\nwhere \"id\" = {}", p.next()),
    });
    let mut p = Params::new(database);
    let values: Vec<String> = all.iter().map(|_| p.next()).collect();
    statements.push(Statement {
        name: "INSERT",
        text: format!(
            "insert into {table} ({columns})\nvalues ({})\nreturning {columns}",
            values.join(", ")
        ),
    });
    let mut p = Params::new(database);
    let mut set: Vec<String> = user_columns
        .iter()
        .map(|c| format!("{c} = {}", p.next()))
        .collect();
    set.push(format!("\"updated_at\" = {}", p.next()));
    statements.push(Statement {
        name: "UPDATE",
        text: format!(
            "update {table}\nset {}\nwhere \"id\" = {}\nreturning {columns}",
            set.join(", "),
            p.next()
        ),
    });
    let mut p = Params::new(database);
    statements.push(Statement {
        name: "DELETE",
        text: format!("delete from {table} where \"id\" = {}", p.next()),
    });
    statements
}
