//! Every name the generated code uses is decided here, once: [`Table`] names everything a spec
//! defines or has generated, and the functions below are the spelling rules it applies.
//! Validation checks the table; lowering takes its names from it.

pub mod reserved;
mod table;

use heck::{ToPascalCase, ToSnakeCase, ToTitleCase};

pub use table::*;

/// Rust keywords (strict and reserved, all editions).
const RUST_KEYWORDS: &[&str] = &[
    "abstract", "as", "async", "await", "become", "box", "break", "const", "continue", "crate",
    "do", "dyn", "else", "enum", "extern", "false", "final", "fn", "for", "gen", "if", "impl",
    "in", "let", "loop", "macro", "match", "mod", "move", "mut", "override", "priv", "pub", "ref",
    "return", "self", "Self", "static", "struct", "super", "trait", "true", "try", "type",
    "typeof", "unsafe", "unsized", "use", "virtual", "where", "while", "yield",
];

/// The keywords that cannot be raw identifiers either (`r#self` is not legal Rust).
const NOT_RAW: &[&str] = &["self", "super", "crate", "Self"];

pub fn is_rust_keyword(name: &str) -> bool {
    RUST_KEYWORDS.contains(&name)
}

/// Whether Rust can use `name` as an identifier at all, raw if need be.
pub fn can_be_ident(name: &str) -> bool {
    !NOT_RAW.contains(&name)
}

/// A snake_case name as a Rust identifier: keywords become raw identifiers (`type` -> `r#type`).
pub fn rust_ident(name: &str) -> String {
    if is_rust_keyword(name) && can_be_ident(name) {
        format!("r#{name}")
    } else {
        name.to_string()
    }
}

/// Whether `segment` may be a fixed segment of a URL path: lowercase letters, digits, `_`, `-`.
pub fn is_path_segment(segment: &str) -> bool {
    segment
        .bytes()
        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
}

/// The default table of an entity, and the name of its routes and modules: its snake_case name
/// in the plural (`Payment` -> `payments`, `Category` -> `categories`, `Match` -> `matches`).
pub fn plural_snake(entity: &str) -> String {
    plural(&entity.to_snake_case())
}

/// A simple English plural of a lowercase word: enough for table names, not a dictionary.
pub fn plural(word: &str) -> String {
    let consonant_y =
        word.ends_with('y') && !word[..word.len() - 1].ends_with(['a', 'e', 'i', 'o', 'u']);
    if consonant_y {
        format!("{}ies", &word[..word.len() - 1])
    } else if word.ends_with(['s', 'x', 'z']) || word.ends_with("ch") || word.ends_with("sh") {
        format!("{word}es")
    } else {
        format!("{word}s")
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

/// The service method and CRUD function of the list of an entity's records under one record
/// of the entity `parent` (snake_case) they reference: `list_of_payment`.
pub fn nested_list_method(parent: &str) -> String {
    format!("list_of_{parent}")
}

/// The controller function of that list, for records of the `plural` (snake_case):
/// `list_refunds_of_payment`.
pub fn nested_list_handler(plural: &str, parent: &str) -> String {
    format!("list_{plural}_of_{parent}")
}

/// The segment of the routes that add and remove links after the first record's id, from the
/// name of the second reference of `links:`: `courses` in `/students/{id}/courses/{course_id}`.
pub fn link_segment(reference: &str) -> String {
    plural(reference).replace('_', "-")
}

/// The controller functions of the routes that add and remove the links an entity's records
/// (`enrollment`) are: `link_enrollment` and `unlink_enrollment`.
pub fn link_handlers(entity: &str) -> [String; 2] {
    [format!("link_{entity}"), format!("unlink_{entity}")]
}

/// The service methods and CRUD functions behind them.
pub const LINK_METHODS: [&str; 2] = ["link", "unlink"];

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

/// The longest name PostgreSQL keeps whole, in bytes; it cuts longer ones short.
const MAX_SQL_NAME: usize = 63;

/// The name of an index of a table: `{base}_{suffix}` (`payments_amount_idx`) when it fits in
/// PostgreSQL's 63 bytes. A longer one is `base` cut short, then eight hexadecimal digits of a
/// hash of the whole name, then `suffix`: two long names that begin alike stay apart, where
/// PostgreSQL, cutting both at 63 bytes, would make them one.
pub fn index_name(base: &str, suffix: &str) -> String {
    let whole = format!("{base}_{suffix}");
    if whole.len() <= MAX_SQL_NAME {
        return whole;
    }
    // FNV-1a (32 bits): the same on every machine and in every msgen version, as the name
    // is recorded and compared when the next migration is written.
    let hash = whole.bytes().fold(0x811c_9dc5_u32, |hash, byte| {
        (hash ^ u32::from(byte)).wrapping_mul(0x0100_0193)
    });
    let mut keep = MAX_SQL_NAME - suffix.len() - 10;
    while !base.is_char_boundary(keep) {
        keep -= 1;
    }
    format!("{}_{hash:08x}_{suffix}", &base[..keep])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_index_names_are_cut_short_and_kept_apart() {
        assert_eq!(index_name("payments_amount", "idx"), "payments_amount_idx");
        let table = "municipal_library_lending_records_of_members";
        let column = "outstanding_fines_total_in_euros";
        let base = format!("{table}_{column}");
        let sorted = index_name(&base, "idx");
        let searched = index_name(&base, "search_idx");
        for name in [&sorted, &searched] {
            assert_eq!(name.len(), 63, "{name}");
            assert!(name.starts_with(&base[..43]), "{name}");
        }
        assert!(sorted.ends_with("_idx") && searched.ends_with("_search_idx"));
        assert_ne!(sorted[..63 - 4], searched[..63 - 4]);
        // Names that differ only past the cut differ in their hash.
        let other = index_name(&format!("{table}_{column}_net"), "idx");
        assert_ne!(sorted, other);
        assert_eq!(sorted, index_name(&format!("{table}_{column}"), "idx"));
    }

    #[test]
    fn tables_and_routes_are_named_after_the_plural_of_the_snake_case_name() {
        assert_eq!(plural_snake("Payment"), "payments");
        assert_eq!(plural_snake("OrderItem"), "order_items");
        assert_eq!(plural_snake("Match"), "matches");
    }

    #[test]
    fn table_names_are_plurals() {
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
        assert!(!can_be_ident("self") && can_be_ident("type"));
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
