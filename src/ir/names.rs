//! Every name the generated code uses is decided here, once.

use heck::{ToPascalCase, ToSnakeCase, ToTitleCase};

/// Rust keywords (strict and reserved, all editions) that need `r#` to be used as identifiers.
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "do", "dyn",
    "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl", "in", "let",
    "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref", "return",
    "static", "struct", "trait", "true", "try", "type", "typeof", "unsafe", "unsized", "use",
    "virtual", "where", "while", "yield",
];

pub fn is_rust_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

/// A snake_case name as a Rust identifier: keywords become raw identifiers (`type` -> `r#type`).
pub fn rust_ident(name: &str) -> String {
    if is_rust_keyword(name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

pub fn snake(name: &str) -> String {
    name.to_snake_case()
}

pub fn pascal(name: &str) -> String {
    name.to_pascal_case()
}

pub fn title(name: &str) -> String {
    name.to_title_case()
}

/// An enum value as a Rust variant: `checked-in` -> `CheckedIn`, `2fa` -> `V2fa`.
pub fn variant(value: &str) -> String {
    let name = value.replace('-', "_").to_pascal_case();
    if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("V{name}")
    } else {
        name
    }
}

/// A Rust string literal for any text: a raw string when that reads better.
pub fn rust_str(text: &str) -> String {
    if text.contains(['"', '\\']) && !text.contains('\n') {
        let mut hashes = String::from("#");
        while text.contains(&format!("\"{hashes}")) {
            hashes.push('#');
        }
        format!("r{hashes}\"{text}\"{hashes}")
    } else {
        format!("{text:?}")
    }
}

/// A SQL string literal.
pub fn sql_str(text: &str) -> String {
    format!("'{}'", text.replace('\'', "''"))
}

/// A quoted SQL identifier. Names are validated identifiers, so quoting is only about keywords.
pub fn sql_ident(name: &str) -> String {
    format!("\"{name}\"")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_names_are_plurals() {
        use crate::spec::plural;
        assert_eq!(plural("payment"), "payments");
        assert_eq!(plural("category"), "categories");
        assert_eq!(plural("day"), "days");
        assert_eq!(plural("address"), "addresses");
        assert_eq!(plural("box"), "boxes");
        assert_eq!(plural("order_line"), "order_lines");
        assert_eq!(plural("match"), "matches");
    }

    #[test]
    fn keywords_become_raw_identifiers() {
        assert_eq!(rust_ident("type"), "r#type");
        assert_eq!(rust_ident("amount"), "amount");
    }

    #[test]
    fn enum_variants() {
        assert_eq!(variant("checked-in"), "CheckedIn");
        assert_eq!(variant("pending"), "Pending");
        assert_eq!(variant("2fa"), "V2fa");
    }

    #[test]
    fn string_literals_escape_what_they_must() {
        assert_eq!(rust_str("^[A-Z]{3}$"), "\"^[A-Z]{3}$\"");
        assert_eq!(rust_str(r"^\d+$"), r###"r#"^\d+$"#"###);
        assert_eq!(rust_str("a\"#b\\"), r####"r##"a"#b\"##"####);
        assert_eq!(rust_str("two\nlines"), "\"two\\nlines\"");
        assert_eq!(sql_str("it's"), "'it''s'");
    }
}
