//! Two versions of one JSON schema (a request or response body, a parameter, an event's
//! payload) compared from the side of whoever must cope with the difference.
//!
//! A schema is read by one party and written by another. What a *reader* of values (the
//! service reading a request, a consumer reading an event) must fear is accepting less than
//! before: a value that used to be valid is now refused. What a *reader of answers* (a client
//! reading a response, a consumer of a published event) must fear is being sent more than
//! before: a field gone, a new value of an enum, a null where there was none. Every check
//! below is the same for both; only what counts as breaking is mirrored.

use serde_json::{Map, Value};

use super::{Change, Check, Side};

/// How one version's values relate to the other's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Relation {
    /// The new version takes every value the old one took, and more.
    Wider,
    /// The new version takes only values the old one took.
    Narrower,
    /// Some values of each are not values of the other.
    Different,
}

/// A schema with its `$ref` resolved and its null alternative taken apart.
#[derive(Debug, Clone, Copy)]
struct Shape<'a> {
    /// `null` is a value of it.
    nullable: bool,
    /// What it is besides `null`; empty for any value at all (a `json` field).
    schema: &'a Map<String, Value>,
    /// The component it was referenced as, for finding the spec's field of a property.
    component: Option<&'a str>,
}

static EMPTY: std::sync::LazyLock<Map<String, Value>> = std::sync::LazyLock::new(Map::new);

/// Where a comparison is: the documents the `$ref`s of each side point into, the component a
/// property belongs to on each side, and the renames the new spec declares.
pub struct Walk<'a> {
    pub old_doc: &'a Value,
    pub new_doc: &'a Value,
    pub side: Side,
    /// `(component, new property) -> old property` for every field renamed by `renamed_from:`.
    pub renames: &'a dyn Fn(Option<&str>, &str) -> Option<String>,
}

/// Where a property is, for messages and spans: its dotted path from the record it belongs to,
/// the path to that record, and the component it is a property of on each side.
#[derive(Debug, Clone, Default)]
pub struct Place {
    /// `amount`, `address.city`; empty for the body itself.
    pub path: String,
    /// Where in the body the record holding it is: `items[]`; empty for the body itself.
    pub within: String,
    pub old_owner: Option<String>,
    pub new_owner: Option<String>,
    /// The property's name on the old side, when it was renamed.
    pub old_name: Option<String>,
}

impl Place {
    fn child(&self, name: &str, old: &Shape, new: &Shape) -> Self {
        // A record of its own (a component) starts a path of its own.
        let (within, path) = if old.component.is_some() || new.component.is_some() {
            (self.full(), name.to_owned())
        } else if self.path.is_empty() {
            (self.within.clone(), name.to_owned())
        } else {
            (self.within.clone(), format!("{}.{name}", self.path))
        };
        Self {
            path,
            within,
            old_owner: old.component.map(str::to_owned).or(self.old_owner.clone()),
            new_owner: new.component.map(str::to_owned).or(self.new_owner.clone()),
            old_name: None,
        }
    }

    fn items(&self) -> Self {
        Self {
            path: format!("{}[]", self.path),
            ..self.clone()
        }
    }

    /// The path from the body: `items[].amount`.
    pub fn full(&self) -> String {
        match (self.within.is_empty(), self.path.is_empty()) {
            (true, _) => self.path.clone(),
            (false, true) => self.within.clone(),
            (false, false) => format!("{}.{}", self.within, self.path),
        }
    }

    /// The path to the property's old name, when it was renamed.
    pub fn old_path(&self) -> Option<String> {
        let old = self.old_name.as_deref()?;
        Some(match self.path.rsplit_once('.') {
            Some((parent, _)) => format!("{parent}.{old}"),
            None => old.to_owned(),
        })
    }

    /// How the place is named in a message: `` `amount` ``, or `the value`.
    pub fn describe(&self) -> String {
        if self.path.is_empty() {
            "the value".to_owned()
        } else if self.path == "[]" {
            "each value".to_owned()
        } else {
            format!("`{}`", self.path)
        }
    }
}

/// Resolves `$ref`s and the `oneOf: [x, {type: null}]` that makes a value nullable.
fn shape<'a>(value: &'a Value, doc: &'a Value) -> Shape<'a> {
    let mut component = None;
    let mut nullable = false;
    let mut value = value;
    for _ in 0..16 {
        if let Some(target) = value.get("$ref").and_then(Value::as_str) {
            let name = target.rsplit('/').next();
            component = component.or(name);
            value = doc
                .pointer(target.trim_start_matches('#'))
                .unwrap_or(&Value::Null);
            continue;
        }
        if let Some(alternatives) = value.get("oneOf").and_then(Value::as_array) {
            let is_null = |v: &Value| v.get("type").and_then(Value::as_str) == Some("null");
            if alternatives.len() == 2 && alternatives.iter().any(is_null) {
                nullable = true;
                value = alternatives
                    .iter()
                    .find(|v| !is_null(v))
                    .expect("one of the two is not null");
                continue;
            }
        }
        break;
    }
    Shape {
        nullable,
        schema: value.as_object().unwrap_or(&EMPTY),
        component,
    }
}

fn text<'a>(schema: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    schema.get(key).and_then(Value::as_str)
}

fn number(schema: &Map<String, Value>, keys: &[&str]) -> Option<f64> {
    keys.iter()
        .find_map(|k| schema.get(*k).and_then(Value::as_f64))
}

/// The type of a schema as people read it: `integer (int32)`, `string (uuid)`, `any value`.
fn type_name(schema: &Map<String, Value>) -> String {
    match (text(schema, "type"), text(schema, "format")) {
        (None, _) if schema.get("properties").is_some() => "object".to_owned(),
        (None, _) => "any value".to_owned(),
        (Some(ty), Some(format)) => format!("{ty} ({format})"),
        (Some(ty), None) => ty.to_owned(),
    }
}

fn type_key(s: &Map<String, Value>) -> (Option<&str>, Option<&str>) {
    (text(s, "type"), text(s, "format"))
}

/// How the values of `new` relate to those of `old`, by type and format alone; `None` when
/// they are the same type.
fn relation(old: &Map<String, Value>, new: &Map<String, Value>) -> Option<Relation> {
    let (old_key, new_key) = (type_key(old), type_key(new));
    if old_key == new_key {
        return None;
    }
    // Each number type holds every value of the ones before it.
    const NUMBERS: [(Option<&str>, Option<&str>); 3] = [
        (Some("integer"), Some("int32")),
        (Some("integer"), Some("int64")),
        (Some("number"), Some("double")),
    ];
    let rank = |k| NUMBERS.iter().position(|n| *n == k);
    Some(match (old_key, new_key) {
        _ if old.is_empty() && !new.is_empty() => Relation::Narrower,
        _ if new.is_empty() && !old.is_empty() => Relation::Wider,
        (o, n) if rank(o).is_some() && rank(n).is_some() => {
            if rank(n) > rank(o) {
                Relation::Wider
            } else {
                Relation::Narrower
            }
        }
        // A string of any format is a string; a string with no format takes all of them.
        ((Some("string"), _), (Some("string"), None)) => Relation::Wider,
        ((Some("string"), None), (Some("string"), _)) => Relation::Narrower,
        _ => Relation::Different,
    })
}

/// Compares `old` and `new` at `place`, adding every difference to `out`.
pub fn compare(walk: &Walk, old: &Value, new: &Value, place: &Place, out: &mut Vec<Change>) {
    let (old, new) = (shape(old, walk.old_doc), shape(new, walk.new_doc));
    compare_shapes(walk, &old, &new, place, out);
}

fn compare_shapes(walk: &Walk, old: &Shape, new: &Shape, place: &Place, out: &mut Vec<Change>) {
    let side = walk.side;
    let at = place.describe();
    let mut push = |check: Check, message: String| {
        out.push(Change::at_place(side, check, message, place));
    };
    match (old.nullable, new.nullable) {
        (false, true) => push(Check::NullableAdded, format!("{at} may now be null")),
        (true, false) => push(
            Check::NullableRemoved,
            format!("{at} may no longer be null"),
        ),
        _ => {}
    }
    let (o, n) = (old.schema, new.schema);
    if let Some(relation) = relation(o, n) {
        let message = format!("{at} changed from {} to {}", type_name(o), type_name(n));
        let check = match relation {
            Relation::Wider => Check::TypeWidened,
            Relation::Narrower => Check::TypeNarrowed,
            Relation::Different => Check::TypeChanged,
        };
        push(check, message);
        // Values of another type share no constraints worth comparing.
        if relation == Relation::Different {
            return;
        }
    }
    enum_values(o, n, &at, &mut push);
    bounds(o, n, &at, &mut push);
    if o.contains_key("properties") || n.contains_key("properties") {
        properties(walk, old, new, place, out);
    }
    if let (Some(oi), Some(ni)) = (o.get("items"), n.get("items")) {
        let (oi, ni) = (shape(oi, walk.old_doc), shape(ni, walk.new_doc));
        compare_shapes(walk, &oi, &ni, &place.items(), out);
    }
}

fn enum_values(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    push: &mut impl FnMut(Check, String),
) {
    let values = |s: &Map<String, Value>| -> Option<Vec<String>> {
        let list = s.get("enum")?.as_array()?;
        Some(
            list.iter()
                .map(|v| v.as_str().map_or_else(|| v.to_string(), str::to_owned))
                .collect(),
        )
    };
    match (values(o), values(n)) {
        (Some(old), Some(new)) => {
            let removed: Vec<&String> = old.iter().filter(|v| !new.contains(v)).collect();
            let added: Vec<&String> = new.iter().filter(|v| !old.contains(v)).collect();
            if !removed.is_empty() {
                push(
                    Check::EnumValueRemoved,
                    format!("{at} can no longer be {}", quoted(&removed)),
                );
            }
            if !added.is_empty() {
                push(
                    Check::EnumValueAdded,
                    format!("{at} may now be {}", quoted(&added)),
                );
            }
        }
        (None, Some(new)) => push(
            Check::ConstraintTightened,
            format!(
                "{at} is now one of {}",
                quoted(&new.iter().collect::<Vec<_>>())
            ),
        ),
        (Some(_), None) => push(
            Check::ConstraintLoosened,
            format!("{at} is no longer limited to a set of values"),
        ),
        (None, None) => {}
    }
}

fn quoted(values: &[&String]) -> String {
    let list: Vec<String> = values.iter().map(|v| format!("`{v}`")).collect();
    match list.as_slice() {
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
        [] => String::new(),
    }
}

/// Bounds on numbers and lengths, and patterns: each one added or moved in is a tightening,
/// each one removed or moved out a loosening.
fn bounds(
    o: &Map<String, Value>,
    n: &Map<String, Value>,
    at: &str,
    push: &mut impl FnMut(Check, String),
) {
    // (keys, what it is, whether a higher value is tighter)
    const BOUNDS: [(&[&str], &str, bool); 6] = [
        (&["minimum", "x-minimum"], "minimum", true),
        (&["exclusiveMinimum"], "exclusive minimum", true),
        (&["maximum", "x-maximum"], "maximum", false),
        (&["exclusiveMaximum"], "exclusive maximum", false),
        (&["minLength"], "minimum length", true),
        (&["maxLength"], "maximum length", false),
    ];
    for (keys, what, higher_is_tighter) in BOUNDS {
        let show = |v: f64| v.to_string();
        match (number(o, keys), number(n, keys)) {
            (Some(a), Some(b)) if a != b => {
                let tighter = (b > a) == higher_is_tighter;
                let check = if tighter {
                    Check::ConstraintTightened
                } else {
                    Check::ConstraintLoosened
                };
                push(
                    check,
                    format!("{at}: {what} changed from {} to {}", show(a), show(b)),
                );
            }
            (None, Some(b)) => push(
                Check::ConstraintTightened,
                format!("{at}: {what} {} added", show(b)),
            ),
            (Some(a), None) => push(
                Check::ConstraintLoosened,
                format!("{at}: {what} {} removed", show(a)),
            ),
            _ => {}
        }
    }
    // A decimal's pattern only spells out its type and bounds, compared above.
    let patterns = |s: &Map<String, Value>| -> Vec<String> {
        if text(s, "format") == Some("decimal") {
            return Vec::new();
        }
        let own = s.get("pattern").and_then(Value::as_str);
        let more = s
            .get("allOf")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|p| p.get("pattern").and_then(Value::as_str));
        own.into_iter().chain(more).map(str::to_owned).collect()
    };
    let (old, new) = (patterns(o), patterns(n));
    for p in new.iter().filter(|p| !old.contains(p)) {
        push(
            Check::ConstraintTightened,
            format!("{at} must now match `{p}`"),
        );
    }
    for p in old.iter().filter(|p| !new.contains(p)) {
        push(
            Check::ConstraintLoosened,
            format!("{at} no longer has to match `{p}`"),
        );
    }
}

fn required(schema: &Map<String, Value>) -> Vec<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_str)
        .collect()
}

fn props(schema: &Map<String, Value>) -> &Map<String, Value> {
    schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&EMPTY)
}

fn properties(walk: &Walk, old: &Shape, new: &Shape, place: &Place, out: &mut Vec<Change>) {
    let side = walk.side;
    let (old_props, new_props) = (props(old.schema), props(new.schema));
    let (old_required, new_required) = (required(old.schema), required(new.schema));
    let old_name = |name: &str| -> Option<String> {
        let from = (walk.renames)(new.component.or(place.new_owner.as_deref()), name)?;
        (old_props.contains_key(&from) && !new_props.contains_key(&from)).then_some(from)
    };
    let renamed: Vec<String> = new_props.keys().filter_map(|k| old_name(k)).collect();
    for name in old_props.keys() {
        if new_props.contains_key(name) || renamed.contains(name) {
            continue;
        }
        let child = place.child(name, old, new);
        let message = format!("{} was removed", child.describe());
        out.push(Change::at_place(
            side,
            Check::PropertyRemoved,
            message,
            &child,
        ));
    }
    for (name, new_value) in new_props {
        let mut child = place.child(name, old, new);
        let was = old_name(name);
        let old_key = was.as_deref().unwrap_or(name);
        let Some(old_value) = old_props.get(old_key) else {
            let (check, message) = if new_required.contains(&name.as_str()) {
                (
                    Check::PropertyAddedRequired,
                    format!("{} was added and is required", child.describe()),
                )
            } else {
                (
                    Check::PropertyAdded,
                    format!("{} was added", child.describe()),
                )
            };
            out.push(Change::at_place(side, check, message, &child));
            continue;
        };
        if let Some(was) = &was {
            child.old_name = Some(was.clone());
            let old_path = child.old_path().unwrap_or_else(|| was.clone());
            let message = format!("`{old_path}` was renamed to {}", child.describe());
            out.push(Change::at_place(
                side,
                Check::PropertyRenamed,
                message,
                &child,
            ));
        }
        let nullable = |v: &Value, doc: &Value| shape(v, doc).nullable;
        let null_too = nullable(new_value, walk.new_doc) && !nullable(old_value, walk.old_doc);
        match (
            old_required.contains(&old_key),
            new_required.contains(&name.as_str()),
        ) {
            (true, false) => out.push(Change::at_place(
                side,
                Check::BecameOptional,
                if null_too {
                    format!(
                        "{} is now optional: it may be missing or null",
                        child.describe()
                    )
                } else {
                    format!("{} is no longer required", child.describe())
                },
                &child,
            )),
            (false, true) => out.push(Change::at_place(
                side,
                Check::BecameRequired,
                format!("{} is now required", child.describe()),
                &child,
            )),
            _ => {}
        }
        let mut found = Vec::new();
        compare(walk, old_value, new_value, &child, &mut found);
        // Becoming optional makes a field nullable too: one change, not two.
        let merged = |check: Check| {
            let rule = check.id(side);
            out.iter()
                .rev()
                .take(1)
                .any(|c| c.rule == rule && c.subject.as_deref() == Some(child.path.as_str()))
        };
        if merged(Check::BecameOptional) {
            found.retain(|c| {
                c.rule != Check::NullableAdded.id(side) || c.subject != Some(child.path.clone())
            });
        }
        if merged(Check::BecameRequired) {
            found.retain(|c| {
                c.rule != Check::NullableRemoved.id(side) || c.subject != Some(child.path.clone())
            });
        }
        out.extend(found);
    }
}
