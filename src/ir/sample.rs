//! Values for the generated tests and the OpenAPI examples: valid ones that satisfy every
//! constraint of a field, and invalid ones that break exactly one rule.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use rand::{RngExt as _, SeedableRng};
use serde_json::{json, Value};

use super::Constraints;
use crate::spec::FieldType;

/// A JSON value as it is written inside `serde_json::json!`: integers beyond `i32` need a
/// suffix there, or the literal overflows.
pub fn rust_json(value: &Value) -> String {
    match value {
        Value::Number(n) => match n.as_i64() {
            Some(i) if i32::try_from(i).is_err() => format!("{i}_i64"),
            _ => n.to_string(),
        },
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(rust_json).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(map) => {
            let entries: Vec<String> = map
                .iter()
                .map(|(k, v)| format!("{}: {}", Value::String(k.clone()), rust_json(v)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
        other => other.to_string(),
    }
}

/// A valid value; `n` picks one of several so that two rows can differ (unique fields).
pub fn value(kind: FieldType, c: &Constraints, n: u32) -> Value {
    match kind {
        FieldType::String | FieldType::Text => json!(string(c, n)),
        FieldType::Int | FieldType::Bigint => {
            let min = c.min.as_deref().and_then(|m| m.parse::<i64>().ok());
            let max = c.max.as_deref().and_then(|m| m.parse::<i64>().ok());
            let base = min.unwrap_or_else(|| max.map_or(1, |max| max.min(1)));
            let value = base.saturating_add(i64::from(n));
            json!(if max.is_some_and(|max| value > max) {
                base
            } else {
                value
            })
        }
        FieldType::Float => json!(number(c, n)),
        FieldType::Decimal => json!(format!("{:.2}", number(c, n))),
        FieldType::Bool => json!(n % 2 == 0),
        FieldType::Uuid | FieldType::Ref => json!(format!("00000000-0000-4000-8000-{:012}", n + 1)),
        FieldType::Date => json!(format!("2024-01-{:02}", n % 28 + 1)),
        FieldType::Datetime => json!(format!("2024-01-02T03:04:{:02}Z", n % 60)),
        FieldType::Json => json!({ "key": format!("value {n}") }),
        FieldType::Enum => json!(c.values[n as usize % c.values.len()]),
    }
}

/// A number within the bounds, different for different `n` where the bounds allow.
fn number(c: &Constraints, n: u32) -> f64 {
    let min = c.min.as_deref().and_then(|m| m.parse::<f64>().ok());
    let max = c.max.as_deref().and_then(|m| m.parse::<f64>().ok());
    let candidate = min
        .unwrap_or(0.0)
        .max(max.map_or(f64::MIN, |max| max - 10.0))
        + 10.5
        - f64::from(n);
    match (min, max) {
        (Some(min), _) if candidate < min => min,
        (_, Some(max)) if candidate > max => max,
        _ => candidate,
    }
}

fn string(c: &Constraints, n: u32) -> String {
    match c.format.as_deref() {
        Some("email") => return format!("user{n}@example.com"),
        Some("url") => return format!("https://example.com/{n}"),
        _ => {}
    }
    if let Some(pattern) = &c.pattern {
        if let Some(s) = matching(pattern, c, n) {
            return s;
        }
    }
    let base = format!("sample {}", n + 1);
    fit_length(&base, c)
}

/// Pads or cuts `base` to the field's length bounds.
fn fit_length(base: &str, c: &Constraints) -> String {
    let mut s: String = base.to_string();
    let min = c.min_length.unwrap_or(0) as usize;
    let max = c.max_length.map_or(usize::MAX, |m| m as usize);
    while s.chars().count() < min {
        s.push('x');
    }
    if s.chars().count() > max {
        // Keep the distinguishing digit at the end.
        let last = s.chars().last().unwrap_or('x');
        s = s.chars().take(max.saturating_sub(1)).collect();
        if max > 0 {
            s.push(last);
        }
    }
    s
}

fn length_ok(s: &str, c: &Constraints) -> bool {
    let len = s.chars().count() as u64;
    c.min_length.is_none_or(|min| len >= min) && c.max_length.is_none_or(|max| len <= max)
}

/// A pattern, compiled: a sampler for strings it may match, and the regex that checks them.
/// `None` where the pattern cannot be compiled.
struct Compiled {
    generator: Option<rand_regex::Regex>,
    checker: Option<regex::Regex>,
}

impl Compiled {
    fn new(pattern: &str) -> Self {
        // The generator cannot sample anchors; the checker still holds the whole pattern.
        let bare = pattern.trim_start_matches('^').trim_end_matches('$');
        let parse = |unicode: bool| {
            regex_syntax::ParserBuilder::new()
                .unicode(unicode)
                .utf8(true)
                .build()
                .parse(bare)
                .ok()
        };
        // ASCII where the pattern allows (`\d` and `\w` then sample ASCII); a Unicode class
        // (`\p{L}`) needs Unicode mode.
        let generator = parse(false)
            .or_else(|| parse(true))
            .and_then(|hir| rand_regex::Regex::with_hir(hir, 8).ok());
        Self {
            generator,
            checker: regex::Regex::new(pattern).ok(),
        }
    }
}

/// Patterns compiled so far on this thread; a spec has a handful, each sampled many times.
const CACHED_PATTERNS: usize = 256;

thread_local! {
    static COMPILED: RefCell<HashMap<String, Rc<Compiled>>> = RefCell::new(HashMap::new());
}

/// `pattern` compiled, once per thread.
fn compiled(pattern: &str) -> Rc<Compiled> {
    COMPILED.with(|cache| {
        if let Some(compiled) = cache.borrow().get(pattern) {
            return Rc::clone(compiled);
        }
        let compiled = Rc::new(Compiled::new(pattern));
        let mut cache = cache.borrow_mut();
        if cache.len() >= CACHED_PATTERNS {
            cache.clear();
        }
        cache.insert(pattern.to_string(), Rc::clone(&compiled));
        compiled
    })
}

/// A string matching `pattern` and the length bounds, generated from the pattern itself.
fn matching(pattern: &str, c: &Constraints, n: u32) -> Option<String> {
    let compiled = compiled(pattern);
    let generator = compiled.generator.as_ref()?;
    let checker = compiled.checker.as_ref()?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(n));
    (0..500)
        .map(|_| rng.sample::<String, _>(generator))
        .find(|s| checker.is_match(s) && length_ok(s, c) && !s.trim().is_empty())
}

/// A string of exactly `len` characters that breaks no other rule where possible.
pub fn string_of_length(c: &Constraints, len: usize) -> String {
    let s = match &c.pattern {
        Some(pattern) => (0..20)
            .filter_map(|n| matching_any_length(pattern, n))
            .find(|s| s.chars().count() == len)
            .unwrap_or_else(|| "x".repeat(len)),
        None => "x".repeat(len),
    };
    json!(s).to_string()
}

fn matching_any_length(pattern: &str, n: u32) -> Option<String> {
    matching(pattern, &Constraints::default(), n)
}

/// A string within the length bounds that does not match `pattern`.
pub fn not_matching(pattern: &str, c: &Constraints) -> Option<String> {
    let compiled = compiled(pattern);
    let checker = compiled.checker.as_ref()?;
    let len = c.min_length.unwrap_or(1).max(1) as usize;
    ["!", "~", " ", "0", "a", "Z"]
        .iter()
        .map(|ch| ch.repeat(len))
        .find(|s| !checker.is_match(s) && length_ok(s, c))
        .map(|s| json!(s).to_string())
}

/// A value just below `min`, as JSON.
pub fn below(kind: FieldType, min: &str) -> Option<String> {
    offset(kind, min, -1.0)
}

/// A value just above `max`, as JSON.
pub fn above(kind: FieldType, max: &str) -> Option<String> {
    offset(kind, max, 1.0)
}

fn offset(kind: FieldType, bound: &str, delta: f64) -> Option<String> {
    match kind {
        FieldType::Int => {
            let v = bound.parse::<i32>().ok()?.checked_add(delta as i32)?;
            Some(v.to_string())
        }
        FieldType::Bigint => {
            let v = bound.parse::<i64>().ok()?.checked_add(delta as i64)?;
            Some(rust_json(&json!(v)))
        }
        FieldType::Float => Some(format!("{:?}", bound.parse::<f64>().ok()? + delta)),
        FieldType::Decimal => Some(format!("\"{:.2}\"", bound.parse::<f64>().ok()? + delta)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn constraints(pattern: &str, min: u64, max: u64) -> Constraints {
        Constraints {
            pattern: Some(pattern.into()),
            min_length: Some(min),
            max_length: Some(max),
            ..Constraints::default()
        }
    }

    #[test]
    fn pattern_samples_match_and_differ() {
        let c = constraints("^[A-Z]{3}$", 3, 3);
        let a = string(&c, 0);
        let b = string(&c, 1);
        let re = regex::Regex::new("^[A-Z]{3}$").unwrap();
        assert!(re.is_match(&a) && re.is_match(&b), "{a} {b}");
        assert_ne!(a, b);
        assert_eq!(not_matching("^[A-Z]{3}$", &c).as_deref(), Some("\"!!!\""));
    }

    #[test]
    fn a_unicode_class_is_sampled_too() {
        let c = Constraints {
            pattern: Some(r"^\p{L}+$".into()),
            ..Constraints::default()
        };
        let sample = string(&c, 0);
        let re = regex::Regex::new(r"^\p{L}+$").unwrap();
        assert!(re.is_match(&sample), "{sample}");
    }

    #[test]
    fn a_pattern_compiles_once_per_thread() {
        let first = compiled("^[a-z]{2}[0-9]$");
        assert!(Rc::ptr_eq(&first, &compiled("^[a-z]{2}[0-9]$")));
        assert!(first.generator.is_some() && first.checker.is_some());
        let c = constraints("^[a-z]{2}[0-9]$", 3, 3);
        assert_eq!(string(&c, 4), string(&c, 4));
        let broken = compiled("(abc");
        assert!(broken.generator.is_none() && broken.checker.is_none());
        assert_eq!(not_matching("(abc", &c), None);
    }

    #[test]
    fn numbers_respect_bounds() {
        let c = Constraints {
            min: Some("0".into()),
            max: Some("5".into()),
            ..Constraints::default()
        };
        for n in 0..3 {
            let v = value(FieldType::Int, &c, n).as_i64().unwrap();
            assert!((0..=5).contains(&v));
            let f = value(FieldType::Float, &c, n).as_f64().unwrap();
            assert!((0.0..=5.0).contains(&f));
        }
        assert_eq!(below(FieldType::Int, "0").as_deref(), Some("-1"));
        assert_eq!(
            above(FieldType::Decimal, "10").as_deref(),
            Some("\"11.00\"")
        );
    }

    #[test]
    fn strings_fit_their_length() {
        let c = Constraints {
            min_length: Some(12),
            max_length: Some(14),
            ..Constraints::default()
        };
        let s = string(&c, 0);
        assert!(length_ok(&s, &c), "{s}");
    }
}
