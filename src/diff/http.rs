//! The HTTP API: both versions' OpenAPI documents, operation by operation. Operations are
//! matched by method and path, with path parameters matched by position rather than name (a
//! renamed `{id}` is the same route to a client).

use serde_json::{Map, Value};

use super::schema::{self, Place, Walk};
use std::collections::{HashMap, HashSet};

use super::{Anchor, Change, Node, Side};
use crate::ir::{Entity, Service};
use crate::render::openapi;

/// One operation of a document: where it is and what it is.
struct Operation<'a> {
    method: String,
    path: &'a str,
    /// The route with its parameters unnamed: `/payments/{}`.
    key: String,
    value: &'a Value,
    /// The parameters of its path item, which every operation there takes.
    shared: &'a [Value],
}

fn operations(doc: &Value) -> Vec<Operation<'_>> {
    openapi::operations(doc)
        .into_iter()
        .map(|op| {
            let method = op.method.to_ascii_uppercase();
            Operation {
                key: format!("{method} {}", unnamed(op.path)),
                method,
                path: op.path,
                value: op.value,
                shared: op.shared,
            }
        })
        .collect()
}

/// `/payments/{id}/capture` as `/payments/{}/capture`.
fn unnamed(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut inside = false;
    for c in path.chars() {
        match c {
            '{' => {
                inside = true;
                out.push_str("{}");
            }
            '}' => inside = false,
            _ if inside => {}
            _ => out.push(c),
        }
    }
    out
}

/// Compares the HTTP APIs of two versions of a service.
pub fn compare(old: &Service, new: &Service) -> Vec<Change> {
    let (old_doc, new_doc) = (openapi::model(old), openapi::model(new));
    let (old_ops, new_ops) = (operations(&old_doc), operations(&new_doc));
    let cx = Context {
        old: Lookup::of(old),
        new: Lookup::of(new),
        old_doc: &old_doc,
        new_doc: &new_doc,
    };
    let new_keys: HashMap<&str, &Operation> = new_ops.iter().map(|n| (n.key.as_str(), n)).collect();
    let old_keys: HashSet<&str> = old_ops.iter().map(|o| o.key.as_str()).collect();
    let mut changes = Vec::new();
    for o in &old_ops {
        let at = format!("{} {}", o.method, o.path);
        match new_keys.get(o.key.as_str()) {
            Some(n) => cx.operation(o, n, &mut changes),
            None => changes.push(
                Change::new("operation-removed", &at, "the operation was removed")
                    .anchored(cx.old.origin(o), cx.new.origin(o))
                    .operation(o),
            ),
        }
    }
    for n in new_ops
        .iter()
        .filter(|n| !old_keys.contains(n.key.as_str()))
    {
        let at = format!("{} {}", n.method, n.path);
        changes.push(
            Change::new("operation-added", &at, "the operation was added")
                .anchored(cx.old.origin(n), cx.new.origin(n)),
        );
    }
    changes
}

impl Change {
    /// Marks the change as one to what callers of `op` (as the old document has it) use.
    fn operation(mut self, op: &Operation) -> Self {
        if let Some(id) = op.value["operationId"].as_str() {
            self.operations.push(id.to_owned());
        }
        self
    }
}

/// Where the operations and schemas of one version's document come from in its spec.
struct Lookup<'a> {
    service: &'a Service,
    /// The operation ids of custom operations.
    customs: HashSet<&'a str>,
    /// The entity of each route of a resource (base path included): its collection, its
    /// items, its nested lists and its links.
    routes: HashMap<String, &'a str>,
    /// The entity of each component that is one of its records, inputs or patches.
    components: HashMap<&'a str, &'a Entity>,
    /// The custom operation of each inline body, and whether it is the request.
    bodies: HashMap<&'a str, (&'a str, bool)>,
}

impl<'a> Lookup<'a> {
    fn of(service: &'a Service) -> Self {
        let base = &service.base_path;
        let mut lookup = Self {
            service,
            customs: HashSet::new(),
            routes: HashMap::new(),
            components: HashMap::new(),
            bodies: HashMap::new(),
        };
        for e in &service.entities {
            for name in [&e.name, &e.new_type, &e.patch_type] {
                lookup.components.insert(name, e);
            }
        }
        for r in &service.resources {
            for op in &r.operations {
                lookup.customs.insert(&op.name);
                for (body, request) in [(&op.request, true), (&op.response, false)] {
                    if let Some(body) = body.as_ref().filter(|b| b.inline) {
                        lookup.bodies.insert(&body.type_name, (&op.name, request));
                    }
                }
            }
            let Some(e) = r.entity.map(|i| &service.entities[i]) else {
                continue;
            };
            let collection = format!("{base}{}", r.route);
            let nested = r.nested.iter().map(|n| format!("{base}{}", n.route));
            let link = r.link_route.iter().map(|l| format!("{base}{l}"));
            let item = format!("{collection}/{{id}}");
            for route in [collection, item].into_iter().chain(nested).chain(link) {
                lookup.routes.insert(route, &e.name);
            }
        }
        lookup
    }

    /// The spec element an operation comes from: its custom endpoint, or the resource
    /// endpoint whose routes it is on.
    fn origin(&self, op: &Operation) -> Option<Node> {
        let id = op.value["operationId"].as_str().unwrap_or_default();
        if self.customs.contains(id) {
            return Some(Node::Endpoint(id.to_owned()));
        }
        let entity = self.routes.get(op.path)?;
        Some(Node::Resource((*entity).to_owned()))
    }

    /// The spec element a property of `component` comes from: a field of an entity, or of a
    /// custom operation's inline body.
    fn owner(&self, component: &str, property: &str) -> Option<Node> {
        if let Some(e) = self.components.get(component) {
            return Some(Node::Field {
                entity: e.name.clone(),
                name: property.to_owned(),
            });
        }
        let (endpoint, request) = self.bodies.get(component)?;
        Some(Node::BodyField {
            endpoint: (*endpoint).to_owned(),
            request: *request,
            name: property.to_owned(),
        })
    }

    /// The old name of a property of `component` that the spec renames with `renamed_from:`.
    fn renamed_from(&self, component: Option<&str>, property: &str) -> Option<String> {
        let e = self.components.get(component?)?;
        let field = e.fields.iter().find(|f| f.name == property)?;
        field.renamed_from.clone()
    }

    /// A parameter's spec element: the custom endpoint's parameter, or the field a list
    /// filters by (`amount` of `amount[gte]`).
    fn parameter(&self, op: &Operation, p: &Value) -> Option<Node> {
        let name = p["name"].as_str().unwrap_or_default();
        match self.origin(op)? {
            Node::Endpoint(endpoint) if p["in"] == "path" || p["in"] == "query" => {
                Some(Node::Param {
                    endpoint,
                    name: name.to_owned(),
                })
            }
            Node::Resource(entity) => {
                let field = name.split('[').next().unwrap_or(name);
                let e = self.service.entity(&entity)?;
                if e.fields.iter().any(|f| f.name == field) {
                    Some(Node::Field {
                        entity,
                        name: field.to_owned(),
                    })
                } else {
                    Some(Node::Resource(entity))
                }
            }
            other => Some(other),
        }
    }
}

struct Context<'a> {
    old: Lookup<'a>,
    new: Lookup<'a>,
    old_doc: &'a Value,
    new_doc: &'a Value,
}

impl Context<'_> {
    fn operation(&self, o: &Operation, n: &Operation, out: &mut Vec<Change>) {
        let at = format!("{} {}", n.method, n.path);
        let anchor = Anchor {
            old: self.old.origin(o),
            new: self.new.origin(n),
        };
        let mut found = Vec::new();
        self.security(o.value, n.value, &at, &mut found);
        self.parameters(o, n, &at, &mut found);
        self.request_body(o.value, n.value, &at, &mut found);
        self.responses(o.value, n.value, &at, &mut found);
        for mut change in found {
            if change.at.is_empty() {
                change.at.clone_from(&at);
            }
            change = change.operation(o);
            if change.anchor.old.is_none() {
                change.anchor.old.clone_from(&anchor.old);
            }
            if change.anchor.new.is_none() {
                change.anchor.new.clone_from(&anchor.new);
            }
            out.push(change);
        }
    }

    /// The scopes an operation needs, or `None` when it is public.
    fn security(&self, o: &Value, n: &Value, at: &str, out: &mut Vec<Change>) {
        let scopes = |op: &Value| -> Option<Vec<String>> {
            let requirement = op["security"].as_array()?.first()?.as_object()?;
            let list = requirement.values().next()?.as_array()?;
            Some(
                list.iter()
                    .filter_map(Value::as_str)
                    .map(str::to_owned)
                    .collect(),
            )
        };
        match (scopes(o), scopes(n)) {
            (None, Some(_)) => out.push(Change::new(
                "auth-required",
                at,
                "a bearer token is now required",
            )),
            (Some(_), None) => out.push(Change::new(
                "auth-no-longer-required",
                at,
                "a token is no longer required",
            )),
            (Some(old), Some(new)) => {
                for scope in new.iter().filter(|s| !old.contains(s)) {
                    out.push(
                        Change::new("scope-added", at, format!("now needs the scope `{scope}`"))
                            .subject(scope.clone()),
                    );
                }
                for scope in old.iter().filter(|s| !new.contains(s)) {
                    out.push(
                        Change::new(
                            "scope-removed",
                            at,
                            format!("no longer needs the scope `{scope}`"),
                        )
                        .subject(scope.clone()),
                    );
                }
            }
            (None, None) => {}
        }
    }

    fn parameters(&self, o: &Operation, n: &Operation, at: &str, out: &mut Vec<Change>) {
        let list = |op: &Operation, doc: &'_ Value| -> Vec<Value> {
            let own = op.value["parameters"]
                .as_array()
                .map_or(&[][..], Vec::as_slice);
            op.shared
                .iter()
                .chain(own)
                .map(|p| resolve(p, doc).clone())
                .collect()
        };
        let (old, new) = (list(o, self.old_doc), list(n, self.new_doc));
        let key = |p: &Value| {
            let place = p["in"].as_str().unwrap_or_default().to_owned();
            // Path parameters match by position, so a rename is no change.
            let name = if place == "path" {
                String::new()
            } else {
                p["name"].as_str().unwrap_or_default().to_ascii_lowercase()
            };
            (place, name)
        };
        let path_params = |list: &[Value]| -> Vec<usize> {
            list.iter()
                .enumerate()
                .filter(|(_, p)| p["in"] == "path")
                .map(|(i, _)| i)
                .collect()
        };
        let (old_path, new_path) = (path_params(&old), path_params(&new));
        let walk = Walk {
            old_doc: self.old_doc,
            new_doc: self.new_doc,
            side: Side::Parameter,
            renames: &|_, _| None,
        };
        let describe = |p: &Value| {
            format!(
                "{} parameter `{}`",
                p["in"].as_str().unwrap_or_default(),
                p["name"].as_str().unwrap_or_default()
            )
        };
        let anchor = |s: &Lookup, op: &Operation, p: &Value| s.parameter(op, p);
        for (i, op) in old.iter().enumerate() {
            let matched = if op["in"] == "path" {
                old_path
                    .iter()
                    .position(|&j| j == i)
                    .and_then(|k| new_path.get(k))
                    .map(|&j| &new[j])
            } else {
                new.iter()
                    .find(|np| np["in"] != "path" && key(np) == key(op))
            };
            let Some(np) = matched else {
                let message = format!("{} was removed", describe(op));
                out.push(
                    Change::new("parameter-removed", at, message)
                        .subject(op["name"].as_str().unwrap_or_default())
                        .anchored(anchor(&self.old, o, op), None),
                );
                continue;
            };
            let required = |p: &Value| p["required"].as_bool().unwrap_or(false);
            let name = np["name"].as_str().unwrap_or_default();
            let place = Place::default();
            let mut found = Vec::new();
            match (required(op), required(np)) {
                (false, true) => found.push(Change::new(
                    "parameter-became-required",
                    at,
                    format!("{} is now required", describe(np)),
                )),
                (true, false) => found.push(Change::new(
                    "parameter-became-optional",
                    at,
                    format!("{} is no longer required", describe(np)),
                )),
                _ => {}
            }
            let mut compared = Vec::new();
            schema::compare(&walk, &op["schema"], &np["schema"], &place, &mut compared);
            for mut change in compared {
                change.message = format!("{}: {}", describe(np), change.message);
                found.push(change);
            }
            for change in found {
                out.push(
                    change
                        .subject(name)
                        .anchored(anchor(&self.old, o, op), anchor(&self.new, n, np)),
                );
            }
        }
        for (j, np) in new.iter().enumerate() {
            let matched = if np["in"] == "path" {
                new_path
                    .iter()
                    .position(|&i| i == j)
                    .is_some_and(|k| k < old_path.len())
            } else {
                old.iter()
                    .any(|op| op["in"] != "path" && key(op) == key(np))
            };
            if matched {
                continue;
            }
            let required = np["required"].as_bool().unwrap_or(false);
            let (rule, what) = if required {
                ("parameter-added-required", "was added and is required")
            } else {
                ("parameter-added", "was added")
            };
            out.push(
                Change::new(rule, at, format!("{} {what}", describe(np)))
                    .subject(np["name"].as_str().unwrap_or_default())
                    .anchored(None, anchor(&self.new, n, np)),
            );
        }
    }

    fn request_body(&self, o: &Value, n: &Value, at: &str, out: &mut Vec<Change>) {
        let body = |op: &Value| -> Option<Value> {
            let body = op.get("requestBody")?;
            Some(body["content"]["application/json"]["schema"].clone())
        };
        match (body(o), body(n)) {
            (None, Some(_)) => out.push(Change::new(
                "request-body-added",
                at,
                "now takes a request body",
            )),
            (Some(_), None) => out.push(Change::new(
                "request-body-removed",
                at,
                "no longer takes a request body",
            )),
            (Some(old), Some(new)) => {
                self.bodies(
                    Side::Request,
                    &old,
                    &new,
                    &format!("{at}: request body"),
                    out,
                );
            }
            (None, None) => {}
        }
    }

    fn responses(&self, o: &Value, n: &Value, at: &str, out: &mut Vec<Change>) {
        let empty = Map::new();
        let (old, new) = (
            o["responses"].as_object().unwrap_or(&empty),
            n["responses"].as_object().unwrap_or(&empty),
        );
        for (status, old_response) in old {
            let success = status.starts_with('2');
            let Some(new_response) = new.get(status) else {
                let rule = if success {
                    "response-success-status-removed"
                } else {
                    "response-error-status-removed"
                };
                out.push(
                    Change::new(rule, at, format!("no longer answers {status}"))
                        .subject(status.clone()),
                );
                continue;
            };
            let schema = |r: &Value, doc: &Value| -> Value {
                resolve(r, doc)["content"]["application/json"]["schema"].clone()
            };
            let (old_schema, new_schema) = (
                schema(old_response, self.old_doc),
                schema(new_response, self.new_doc),
            );
            if old_schema.is_null() || new_schema.is_null() {
                continue;
            }
            let what = format!("{at}: response {status}");
            self.bodies(Side::Response, &old_schema, &new_schema, &what, out);
        }
        for status in new.keys().filter(|s| !old.contains_key(*s)) {
            out.push(
                Change::new(
                    "response-status-added",
                    at,
                    format!("may now answer {status}"),
                )
                .subject(status.clone()),
            );
        }
    }

    /// Compares two bodies of `side`, each change anchored at the field it is about.
    fn bodies(&self, side: Side, old: &Value, new: &Value, what: &str, out: &mut Vec<Change>) {
        let renames =
            |component: Option<&str>, property: &str| self.new.renamed_from(component, property);
        let walk = Walk {
            old_doc: self.old_doc,
            new_doc: self.new_doc,
            side,
            renames: &renames,
        };
        let mut found = Vec::new();
        schema::compare(&walk, old, new, &Place::default(), &mut found);
        for mut change in found {
            change.at = what.to_owned();
            if let Some(place) = &change.place {
                if !place.within.is_empty() {
                    change.at = format!("{what} `{}`", place.within);
                }
                let leaf = place
                    .path
                    .rsplit(['.', ']'])
                    .next()
                    .unwrap_or_default()
                    .trim_end_matches("[]");
                let old_leaf = place.old_name.as_deref().unwrap_or(leaf);
                change.anchor = Anchor {
                    old: place
                        .old_owner
                        .as_deref()
                        .and_then(|c| self.old.owner(c, old_leaf)),
                    new: place
                        .new_owner
                        .as_deref()
                        .and_then(|c| self.new.owner(c, leaf)),
                };
            }
            out.push(change);
        }
    }
}

/// A parameter or response as the document has it, its `$ref` followed.
fn resolve<'a>(value: &'a Value, doc: &'a Value) -> &'a Value {
    match value.get("$ref").and_then(Value::as_str) {
        Some(target) => doc
            .pointer(target.trim_start_matches('#'))
            .unwrap_or(&Value::Null),
        None => value,
    }
}
