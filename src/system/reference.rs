//! One API reference for a whole system: the OpenAPI documents of its services merged into
//! one, for the clients that see the system through one address.
//!
//! Every path keeps its service's base path (the system's checks already keep the services'
//! routes apart). Components keep their names behind their service's (`payment-service.Payment`)
//! so that two services' `Payment`s stay two, and every `$ref` and security requirement is
//! renamed with them; operation ids are the service's and the operation's
//! (`payment-service.get_payment`), and each operation is tagged with its service.

use serde_json::{json, Map, Value};

/// The merged document of the services of `system` that have HTTP endpoints (those its
/// gateway forwards to), in the order of its manifest.
pub fn of_system(system: &super::System) -> Value {
    let documents: Vec<(&str, Value)> = super::gateway::upstreams(system)
        .map(|m| {
            let service = crate::ir::lower(&m.valid);
            (m.name(), crate::render::openapi::model(&service))
        })
        .collect();
    let manifest = &system.manifest;
    let description = manifest.description.as_ref().map(|d| d.value.as_str());
    merge(&manifest.name.value, description, &documents)
}

/// The merged document of `services`, each a service's name and its own OpenAPI document, in
/// the order given.
pub fn merge(title: &str, description: Option<&str>, services: &[(&str, Value)]) -> Value {
    let mut paths = Map::new();
    let mut components: Map<String, Value> = Map::new();
    let mut tags = Vec::new();
    for (service, doc) in services {
        let mut doc = doc.clone();
        let schemes: Vec<String> = doc["components"]["securitySchemes"]
            .as_object()
            .map(|s| s.keys().cloned().collect())
            .unwrap_or_default();
        rename_refs(&mut doc, service);
        let service_paths = doc["paths"].as_object_mut().map(std::mem::take);
        for (path, mut item) in service_paths.into_iter().flatten() {
            for (key, op) in item.as_object_mut().into_iter().flatten() {
                if key == "parameters" || !op.is_object() {
                    continue;
                }
                if let Some(id) = op["operationId"].as_str() {
                    op["operationId"] = json!(format!("{service}.{id}"));
                }
                op["tags"] = json!([service]);
                rename_schemes(op, service, &schemes);
            }
            paths.insert(path, item);
        }
        let own = doc["components"].as_object_mut().map(std::mem::take);
        for (kind, entries) in own.into_iter().flatten() {
            let merged = components
                .entry(kind)
                .or_insert_with(|| Value::Object(Map::new()));
            let merged = merged.as_object_mut().expect("a map of components");
            for (name, value) in entries.as_object().into_iter().flatten() {
                merged.insert(format!("{service}.{name}"), value.clone());
            }
        }
        let mut tag = json!({ "name": service });
        if let Some(about) = doc["info"]["description"].as_str() {
            tag["description"] = json!(about);
        }
        tags.push(tag);
    }
    let mut info = json!({ "title": title, "version": "1.0.0" });
    if let Some(description) = description {
        info["description"] = json!(description);
    }
    let mut doc = Map::new();
    doc.insert("openapi".into(), json!("3.1.0"));
    doc.insert("info".into(), info);
    doc.insert("tags".into(), Value::Array(tags));
    doc.insert("paths".into(), Value::Object(paths));
    doc.insert("components".into(), Value::Object(components));
    Value::Object(doc)
}

/// Puts `service.` before the name every `$ref` in `value` points at.
fn rename_refs(value: &mut Value, service: &str) {
    match value {
        Value::Object(map) => {
            for (key, item) in map.iter_mut() {
                match (key.as_str(), item) {
                    ("$ref", Value::String(target)) => {
                        if let Some((kind, name)) = target
                            .strip_prefix("#/components/")
                            .and_then(|rest| rest.split_once('/'))
                        {
                            *target = format!("#/components/{kind}/{service}.{name}");
                        }
                    }
                    (_, item) => rename_refs(item, service),
                }
            }
        }
        Value::Array(items) => items.iter_mut().for_each(|item| rename_refs(item, service)),
        _ => {}
    }
}

/// Renames the security schemes an operation's requirements name, as its components are.
fn rename_schemes(op: &mut Value, service: &str, schemes: &[String]) {
    let Some(requirements) = op.get_mut("security").and_then(Value::as_array_mut) else {
        return;
    };
    for requirement in requirements.iter_mut().filter_map(Value::as_object_mut) {
        let renamed: Map<String, Value> = std::mem::take(requirement)
            .into_iter()
            .map(|(name, scopes)| {
                if schemes.contains(&name) {
                    (format!("{service}.{name}"), scopes)
                } else {
                    (name, scopes)
                }
            })
            .collect();
        *requirement = renamed;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ir;
    use crate::render::openapi;
    use crate::spec::{check, Source};

    fn document(text: &str) -> Value {
        let valid = check(&Source::new("msgen.yaml", text)).unwrap();
        openapi::model(&ir::lower(&valid))
    }

    #[test]
    fn two_services_with_a_record_of_the_same_name_stay_apart() {
        let payments = document(
            "service: payment-service\nbase_path: /payments/v1\nauth:\n  issuer: https://id.example.com/\n  audience: payments\n  jwks_url: https://id.example.com/jwks\nentities:\n  Item:\n    fields:\n      amount: decimal\nendpoints:\n  - resource: Item\n    scopes: [payments:read]\n",
        );
        let orders = document(
            "service: order-service\nbase_path: /orders/v1\nentities:\n  Item:\n    fields:\n      sku: string\nendpoints:\n  - resource: Item\n",
        );
        let merged = merge(
            "shop",
            Some("A shop."),
            &[("payment-service", payments), ("order-service", orders)],
        );
        let schemas = merged["components"]["schemas"].as_object().unwrap();
        assert!(schemas.contains_key("payment-service.Item"));
        assert!(schemas.contains_key("order-service.Item"));
        assert!(schemas["order-service.Item"]["properties"]["sku"].is_object());
        let get = &merged["paths"]["/payments/v1/items/{id}"]["get"];
        assert_eq!(get["operationId"], "payment-service.get_item");
        assert_eq!(get["tags"], json!(["payment-service"]));
        assert_eq!(
            get["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/payment-service.Item"
        );
        assert_eq!(
            get["security"],
            json!([{ "payment-service.bearerAuth": ["payments:read"] }])
        );
        assert!(merged["components"]["securitySchemes"]["payment-service.bearerAuth"].is_object());
        // Every `$ref` of the merged document points at a component it holds.
        let mut targets = Vec::new();
        collect_refs(&merged, &mut targets);
        assert!(targets.len() > 10);
        for target in targets {
            let pointer = target.trim_start_matches('#');
            assert!(merged.pointer(pointer).is_some(), "{target} is dangling");
        }
        assert_eq!(merged["tags"][1]["name"], "order-service");
    }

    fn collect_refs(value: &Value, out: &mut Vec<String>) {
        match value {
            Value::Object(map) => {
                for (key, item) in map {
                    if key == "$ref" {
                        out.extend(item.as_str().map(str::to_owned));
                    } else {
                        collect_refs(item, out);
                    }
                }
            }
            Value::Array(items) => items.iter().for_each(|i| collect_refs(i, out)),
            _ => {}
        }
    }
}
